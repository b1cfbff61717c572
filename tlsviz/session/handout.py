"""What a handout of a handshake says, shared by the HTML and Markdown exports.

The exports (:mod:`.html`, :mod:`.markdown`) only format; the facts they show
are gathered here from the model: the anchors of every connection, message,
record, field, key step and certificate, the summary, the ladder, each
record with how it was protected, the key schedule.  Keeping them in one place
means the two formats cannot drift apart, and a lesson's handout can ask for
the same pieces for the messages its steps point at.

Anchors are stable for a given capture: ``c<id>`` is a connection (``id`` as
in ``decode``: the number of the packet that opened it), ``c<id>-m<i>`` its
message ``i`` (as in ``decode --json``'s ``messages``), ``c<id>-m<i>-f<path>``
a field of it, where ``path`` is the field's position in the tree
(``f2-0-1``: third top-level field, its first child, that one's second
child), ``c<id>-m<i>-r<n>`` the message's ``n``-th record and
``c<id>-m<i>-r<n>-f<k>`` a field of that record's header, ``c<id>-k<n>`` the
``n``-th key step, ``c<id>-cert<n>`` the ``n``-th certificate sent, and
``c<id>-summary``, ``-ladder``, ``-keys``, ``-certs``, ``-cost``, ``-data``,
``-diagnostics`` the sections of the connection.  A page that shows several
captures (a lesson's handout) puts a prefix before each capture's anchors
(``x2-c1-m3``, see :func:`anchor_prefix`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ..keys.engine import StepReport
from ..wire.dispatch import record_header_fields
from ..wire.fields import Field
from ..wire.message import Message
from ..wire.records import Record
from .model import Connection
from .protection import record_protection
from .timeline import RecordCrypto

#: The most bytes of one non-handshake message (application data) that a
#: handout spells out in hex; the rest is counted, not shown.
DUMP_LIMIT = 4096
#: The most bytes of one field shown beside it in the field tree.
FIELD_LIMIT = 256

SECTIONS = ("summary", "ladder", "keys", "certs", "cost", "data", "diagnostics")


# -- anchors ------------------------------------------------------------------------

_PREFIX: ContextVar[str] = ContextVar("tlsviz_anchor_prefix", default="")


@contextmanager
def anchor_prefix(prefix: str) -> Iterator[None]:
    """Anchors made inside the block start with ``prefix`` (one capture among several)."""
    token = _PREFIX.set(prefix)
    try:
        yield
    finally:
        _PREFIX.reset(token)


def connection_anchor(c: Connection) -> str:
    return f"{_PREFIX.get()}c{c.id}"


def section_anchor(c: Connection, section: str) -> str:
    return f"{connection_anchor(c)}-{section}"


def message_anchor(c: Connection, index: int) -> str:
    return f"{connection_anchor(c)}-m{index}"


def field_anchor(c: Connection, index: int, path: tuple[int, ...]) -> str:
    return f"{message_anchor(c, index)}-f{path_text(path)}"


def record_anchor(c: Connection, index: int, n: int) -> str:
    return f"{message_anchor(c, index)}-r{n}"


def step_anchor(c: Connection, n: int) -> str:
    return f"{connection_anchor(c)}-k{n}"


def cert_anchor(c: Connection, n: int) -> str:
    return f"{connection_anchor(c)}-cert{n}"


def path_text(path: tuple[int, ...]) -> str:
    return "-".join(str(p) for p in path)


def walk_paths(fields: tuple[Field, ...]) -> Iterator[tuple[tuple[int, ...], Field]]:
    """Every field with its path, depth first (the order of the anchors)."""

    def walk(
        fs: tuple[Field, ...], prefix: tuple[int, ...]
    ) -> Iterator[tuple[tuple[int, ...], Field]]:
        for n, f in enumerate(fs):
            path = (*prefix, n)
            yield path, f
            yield from walk(f.children, path)

    yield from walk(fields, ())


# -- the summary ---------------------------------------------------------------------


def arrow(direction: str) -> str:
    return "client → server" if direction == "client" else "server → client"


def summary_rows(c: Connection) -> list[tuple[str, str]]:
    """The connection at a glance: label and value, in reading order."""
    rows = [("Client", c.client), ("Server", c.server)]
    rows.append(("Server name (SNI)", c.sni if c.sni is not None else "(none sent)"))
    rows.append(("Version", c.version or "unknown"))
    rows.append(("Cipher suite", c.cipher_suite or "unknown"))
    rows.append(("Key exchange group", c.group or "(none)"))
    if c.alpn:
        rows.append(("ALPN", c.alpn))
    if c.neg.hello_retry is not None:
        rows.append(("HelloRetryRequest", "yes: the server asked for another key share"))
    from .export import resumption_of

    if resumption_of(c):
        rows.append(("Resumed", "yes: an earlier session's secret was reused"))
    state = c.key_state(len(c.messages) - 1) if c.messages else None
    if state is not None:
        rows.append(("Keys", f"{state.status}: {state.reason}"))
    if c.keys is not None:
        fin = c.keys.finished_checks()
        rows.append(("Finished", f"client {mark(fin['client'])}, server {mark(fin['server'])}"))
        ok = sum(1 for _, d in c.keys.decryptions.values() if d.ok)
        rows.append(("Records decrypted", f"{ok} (failed: {c.keys.failed_records})"))
    if c.messages:
        cost = c.cost()
        rt = "unknown (the handshake did not complete)" if cost.round_trips is None else (
            f"{cost.round_trips} before the client may send data" + (
                " (inferred)" if cost.inferred else ""))  # fmt: skip
        rows.append(("Round trips", rt))
        rows.append((
            "Handshake bytes",
            f"{cost.handshake_bytes} in {cost.handshake_messages} handshake messages; "
            f"certificates {cost.certificate_bytes} ({cost.certificate_share:.0%})",
        ))  # fmt: skip
    rows.append(("Messages", str(len(c.messages))))
    if c.start_time is not None:
        rows.append(("Bytes sent", f"client {c.bytes['client']}, server {c.bytes['server']}"))
    return rows


def mark(ok: bool | None) -> str:
    """✔ verified, ✘ failed, – not checked."""
    return {True: "✔", False: "✘", None: "–"}[ok]


def match_text(r: StepReport) -> str:
    """How a key step compares with the key log, in words."""
    if r.step.operation == "Input":
        return "read from the key log" if r.from_keylog is not None else "given"
    return {True: "✔ equals the key log", False: "✘ differs from the key log",
            None: "derived (not in the key log)"}[r.match]  # fmt: skip


# -- the ladder ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rung:
    """One message on the ladder."""

    index: int
    direction: str
    label: str
    protected: bool
    flight: int
    first_of_flight: bool
    #: set on the first message of each server flight up to the one with the
    #: server's Finished: the round trip it completes
    round_trip: int | None
    #: "handshake keys" when this message is the first of its direction under new keys
    keys_change: str | None
    #: the checks this message's arrival made: True all passed, False one failed
    checked: bool | None
    wire_bytes: int
    time_ms: float | None


def message_label(m: Message) -> str:
    if m.cleartext:
        return f"{m.type} (sent in the clear)"
    if m.encrypted and m.type != "Encrypted":
        return f"{m.type} (decrypted)"
    return m.type


def ladder(c: Connection) -> list[Rung]:
    if not c.messages:
        return []
    cost = c.cost()
    flight_of: dict[int, int] = {}
    for f in cost.flights:
        for i in f.messages:
            flight_of[i] = f.number
    rt_end = cost.round_trips or 0
    server_flights = 0
    start = next((m.time for m in c.messages if m.time is not None), None)
    epochs: dict[str, str | None] = {"client": None, "server": None}
    checks_at: dict[int, list[bool | None]] = {}
    if c.keys is not None:
        for n, chk in enumerate(c.keys.checks):
            at = c.keys.check_at(n)
            if at is not None:
                checks_at.setdefault(at, []).append(chk.ok)
    out: list[Rung] = []
    for i, m in enumerate(c.messages):
        first = i == 0 or c.messages[i - 1].direction != m.direction
        rt = None
        if first and m.direction == "server":
            server_flights += 1
            rt = server_flights if server_flights <= rt_end else None
        change = None
        state = c.key_state(i)
        for rc in state.records:
            if rc.epoch != epochs[m.direction] and rc.decryption.protected:
                change = f"{rc.epoch} keys"
            epochs[m.direction] = rc.epoch
        results = checks_at.get(i, [])
        checked = None
        if results and all(r is not None for r in results):
            checked = all(results)
        elif any(r is False for r in results):
            checked = False
        out.append(Rung(
            i, m.direction, message_label(m), m.encrypted and not m.cleartext, flight_of.get(i, 0),
            first, rt, change, checked, cost.messages[i].wire,
            (m.time - start) * 1000 if m.time is not None and start is not None else None,
        ))  # fmt: skip
    return out


# -- records and their protection ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordView:
    """One record that carries (part of) a message."""

    n: int  # its position among the message's records
    record: Record
    #: the message under which the record is shown in full (the first it carries)
    owner: int
    header: tuple[Field, ...]
    crypto: RecordCrypto | None
    #: a title and the record protection as fields (key, IV, sequence number,
    #: nonce, additional data, inner type, padding, tag or MAC)
    protection: tuple[str, tuple[Field, ...]]
    #: the write IV, the sequence number padded to its length, and the nonce,
    #: when the nonce is exactly IV XOR sequence number (RFC 8446 §5.3)
    nonce_xor: tuple[bytes, bytes, bytes] | None


def record_owners(c: Connection) -> dict[tuple[str, int], int]:
    """For every record, the first message it carries (where it is shown)."""
    owners: dict[tuple[str, int], int] = {}
    for i, m in enumerate(c.messages):
        for rec in m.records:
            owners.setdefault((m.direction, rec.offset), i)
    return owners


def record_views(c: Connection, index: int, owners: dict[tuple[str, int], int]) -> list[RecordView]:
    m = c.messages[index]
    cryptos = {rc.record.offset: rc for rc in c.key_state(index).records}
    out: list[RecordView] = []
    for n, rec in enumerate(m.records):
        crypto = cryptos.get(rec.offset)
        protection = record_protection(c, m, rec, secrets=True) if m.encrypted else ("", ())
        xor = None
        if crypto is not None:
            d = crypto.decryption
            if d.nonce is not None and d.explicit_iv is None and len(d.nonce) == len(d.iv) >= 8:
                seq = (d.seq & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(len(d.iv), "big")
                if bytes(a ^ b for a, b in zip(d.iv, seq, strict=True)) == d.nonce:
                    xor = (d.iv, seq, d.nonce)
        out.append(RecordView(
            n, rec, owners.get((m.direction, rec.offset), index), record_header_fields(rec),
            crypto, protection, xor,
        ))  # fmt: skip
    return out


def step_numbers(c: Connection) -> dict[int, int]:
    """``id(step)`` -> the step's position among the connection's key steps
    (reports are made afresh on each call; the steps they report are not)."""
    if c.keys is None:
        return {}
    return {id(r.step): n for n, r in enumerate(c.keys.step_reports())}


def input_targets(c: Connection) -> list[dict[str, int]]:
    """For each key step, where each input it names was computed: the latest
    earlier step of that name (a second handshake reuses names)."""
    if c.keys is None:
        return []
    seen: dict[str, int] = {}
    out: list[dict[str, int]] = []
    for n, r in enumerate(c.keys.step_reports()):
        out.append({name: seen[name] for name in r.step.inputs if name in seen})
        seen[r.step.name] = n
    return out


def certificate_checks(c: Connection, direction: str) -> list[tuple[str, bool | None, str, str]]:
    """The checks about the certificates a side sent: name, result, detail, RFC."""
    if c.keys is None:
        return []
    return [
        (chk.name, chk.ok, chk.detail, chk.rfc)
        for chk in c.keys.checks
        if chk.name.startswith(f"{direction} certificate")
    ]


def read_field(c: Connection, m: Message, f: Field) -> bytes:
    """A field's bytes read through its spans (the bytes on the wire, or in the
    decrypted record), or from the message when the buffers were not kept."""
    try:
        return b"".join(c.read(s) for s in m.spans(f))
    except KeyError:
        return m.field_bytes(f)


def span_text(m: Message, f: Field) -> str:
    """Where a field's bytes lie: ``client 5..241`` or ``server@133 0..20``."""
    return ", ".join(
        f"{s.buffer.name} {s.offset}..{s.end - 1}" if s.length else f"{s.buffer.name} {s.offset}"
        for s in m.spans(f)
    )
