"""The Markdown handout of a capture (``tlsviz export CAPTURE --markdown OUT.md``).

The same content as the HTML handout (:mod:`.html`), in Markdown: tables,
nested lists for the field trees, fenced blocks for bytes and decrypted data,
and the same anchors (``<a id="c1-m3"></a>``, see :mod:`.handout`).

Text from a capture is escaped by :func:`md`: HTML's ``<``, ``>`` and ``&``
become entities (Markdown passes HTML through), Markdown's own punctuation gets
a backslash, line breaks become spaces, and control or bidirectional-override
characters become visible escapes.  Decrypted data goes into fenced blocks
whose fence is longer than any run of backticks inside.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from .. import __version__
from ..keys.x509 import CertProblem
from ..wire.dispatch import text_of
from ..wire.explain import explanation, message_key
from ..wire.fields import Field
from . import handout as h
from .html_parts import TEXT_LIMIT
from .model import Connection

_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_PUNCT = re.compile(r"([\\`*_\[\]{}|~#])")
_TICKS = re.compile("`+")


def md(text: object) -> str:
    """``text`` made inert in Markdown (inline, table cells included)."""
    s = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _PUNCT.sub(r"\\\1", html.escape(s, quote=False))


def fence(text: str, info: str = "") -> str:
    """A fenced block holding ``text`` verbatim (control characters made visible)."""
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace("\r\n", "\n"))
    longest = max((len(t) for t in _TICKS.findall(text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}\n"


def hex_lines(data: bytes, limit: int | None = None) -> str:
    """16 bytes a line with the offset in front, as in the HTML hex view."""
    n = len(data) if limit is None else min(len(data), limit)
    lines = [f"{k:04x}  {data[k : min(k + 16, n)].hex(' ')}" for k in range(0, n, 16)]
    if n < len(data):
        lines.append(f"… {len(data) - n} more bytes")
    return "\n".join(lines) or "(no bytes)"


def _anchor(name: str) -> str:
    return f'<a id="{name}"></a>'


def document(source: str, connections: Sequence[Connection], notes: Iterable[str] = ()) -> str:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    word = "handshake" if len(connections) == 1 else "handshakes"
    out = [f"# TLS {word}: {md(name)}\n\n"]
    out.append(f"{len(connections)} TLS connection{'s' if len(connections) != 1 else ''} in "
               f"`{source.replace('`', '')}`, made by tlsviz {__version__} from the capture "
               "alone.\n\n")  # fmt: skip
    for note in notes:
        out.append(f"> {md(note)}\n\n")
    for c in connections:
        out.append(f"- [Connection {c.id}](#{h.connection_anchor(c)}): {md(c.client)} → "
                   f"{md(c.server)}{_sni(c)}, {md(c.version or 'version unknown')}\n")  # fmt: skip
    out.append("\n")
    if not connections:
        out.append("No TLS connections were found in this capture.\n")
    for c in connections:
        out.append(connection_section(c))
    return "".join(out)


def _sni(c: Connection) -> str:
    return f" ({md(c.sni)})" if c.sni else ""


def connection_section(c: Connection) -> str:
    out = [f"{_anchor(h.connection_anchor(c))}\n\n## Connection {c.id}: {md(c.client)} → "
           f"{md(c.server)}{_sni(c)}\n\n"]  # fmt: skip
    out.append(f"{_anchor(h.section_anchor(c, 'summary'))}\n\n### Summary\n\n| | |\n|---|---|\n")
    out.extend(f"| {md(k)} | {md(v)} |\n" for k, v in h.summary_rows(c))
    experiment = c.extra.get("experiment")
    if isinstance(experiment, dict):
        out.append(f"\n> **Experiment {md(experiment.get('name', ''))}**: "
                   + md(" ".join(str(experiment.get(k, "")) for k in
                                 ("what", "expect", "rfc", "verdict"))) + "\n")  # fmt: skip
    out.append("\n")
    out.append(ladder_section(c))
    owners = h.record_owners(c)
    explained: set[str] = set()
    for i in range(len(c.messages)):
        out.append(message_section(c, i, owners, explained))
    out.append(keys_section(c))
    out.append(certificates_section(c))
    out.append(cost_section(c))
    out.append(data_section(c))
    diags = c.all_diagnostics()
    out.append(f"{_anchor(h.section_anchor(c, 'diagnostics'))}\n\n### Diagnostics\n\n")
    if not diags:
        out.append("None: every byte was decoded.\n\n")
    for d in diags:
        out.append(f"- {md(d.severity)}, {md(d.direction or '')}: {md(d.message)}"
                   f"{f' ({md(d.rfc)})' if d.rfc else ''} \\[{md(d.buffer or d.direction or '')} "
                   f"offset {d.offset}, {d.length} bytes\\]\n")  # fmt: skip
    out.append("\n")
    return "".join(out)


def ladder_section(c: Connection) -> str:
    out = [f"{_anchor(h.section_anchor(c, 'ladder'))}\n\n### The handshake, message by message\n\n"]
    out.append("═ a protected record; RT n: the server flight that completes round trip n.\n\n")
    out.append(f"| # | Client {md(c.client)} | | Server {md(c.server)} | Flight | Bytes | Time |\n"
               "|---:|---|:---:|---|---:|---:|---:|\n")  # fmt: skip
    for r in h.ladder(c):
        line = "══" if r.protected else "──"
        label = md(r.label)
        if r.checked is not None:
            label += f" {h.mark(r.checked)}"
        if r.keys_change:
            label += f" ({md(r.keys_change)} from here)"
        arrow = f"{line}{line}▶" if r.direction == "client" else f"◀{line}{line}"
        left, right = (label, "") if r.direction == "client" else ("", label)
        flight = f"{r.flight}" + (f" RT {r.round_trip}" if r.round_trip else "")
        when = f"+{r.time_ms:.3f} ms" if r.time_ms is not None else ""
        out.append(f"| [{r.index}](#{h.message_anchor(c, r.index)}) | {left} | {arrow} | {right} "
                   f"| {flight} | {r.wire_bytes} | {when} |\n")  # fmt: skip
    return "".join(out) + "\n"


def message_section(
    c: Connection,
    index: int,
    owners: dict[tuple[str, int], int] | None = None,
    explained: set[str] | None = None,
    *,
    highlight: str | None = None,
) -> str:
    """One message in Markdown (what :func:`tlsviz.session.html.message_section` shows)."""
    m = c.messages[index]
    owners = owners if owners is not None else h.record_owners(c)
    explained = explained if explained is not None else set()
    out = [f"{_anchor(h.message_anchor(c, index))}\n\n### #{index} {h.arrow(m.direction)}: "
           f"{md(h.message_label(m))}\n\n"]  # fmt: skip
    split = f", in {len(m.records)} records" if len(m.records) > 1 else ""
    out.append(f"_{m.length} bytes at {md(m.buffer.label)} offset {m.offset}{split}_\n\n")
    if about := explanation(message_key(m.type)):
        out.append(f"{md(about)}\n\n")
    for note in m.notes:
        out.append(f"> Note: {md(note)}\n\n")
    for d in m.diagnostics:
        buffer, offset = m.locate(d.offset)
        out.append(f"> **{md(d.severity)}**: {md(d.message)} \\[{md(buffer.name)} offset "
                   f"{offset}, {d.length} bytes\\]\n\n")  # fmt: skip
    for v in h.record_views(c, index, owners):
        out.append(_record(c, index, v, explained))
    limit = None if m.is_handshake else h.DUMP_LIMIT
    what = "decrypted message" if m.encrypted and m.type != "Encrypted" else "message"
    out.append(
        f"**Bytes of the {what}** ({m.length})\n\n{fence(hex_lines(m.raw, limit), 'text')}\n"
    )
    if m.fields:
        out.append("**Fields**\n\n")
        seen: set[str] = set()
        for n, f in enumerate(m.fields):
            _field(out, c, index, f, (n,), 0, seen, highlight)
        out.append("\n")
    state = c.key_state(index)
    if state.new_steps or state.new_checks:
        out.append("**What this message made possible**\n\n")
        numbers = h.step_numbers(c)
        for r in state.new_steps:
            k = numbers.get(id(r.step))
            name = md(r.step.name)
            if k is not None:
                name = f"[{name}](#{h.step_anchor(c, k)})"
            out.append(f"- {name} ({md(h.match_text(r))})\n")
        for chk in state.new_checks:
            out.append(f"- {h.mark(chk.check.ok)} {md(chk.check.name)}: {md(chk.check.detail)}\n")
        out.append("\n")
    return "".join(out)


def _record(c: Connection, index: int, v: h.RecordView, explained: set[str]) -> str:
    m = c.messages[index]
    rec = v.record
    size = rec.header_length + rec.length
    if v.owner != index:
        there = f"[message #{v.owner}](#{h.record_anchor(c, v.owner, 0)})"
        return (f"_Carried in the record at {m.direction} stream offset {rec.offset} ({size} "
                f"bytes), shown with {there}._\n\n")  # fmt: skip
    a = h.record_anchor(c, index, v.n)
    out = [f"{_anchor(a)}**Record at {m.direction} stream offset {rec.offset}** ({size} bytes)\n\n"]
    out.append(fence(hex_lines(rec.header), "text") + "\n")
    out.append("| Field | Value | Bytes |\n|---|---|---|\n")
    whys: list[str] = []
    for n, f in enumerate(v.header):
        out.append(f"| {_anchor(f'{a}-f{n}')}{md(f.name)} | {md(f.display)} | "
                   f"`{rec.header[f.offset:f.end].hex(' ')}` |\n")  # fmt: skip
        whys += _why(f, explained)
    out.append("\n" + "".join(whys) + ("\n" if whys else ""))
    if m.encrypted:
        out.append(f"Protected bytes ({rec.length}):\n\n"
                   f"{fence(hex_lines(rec.fragment, h.DUMP_LIMIT), 'text')}\n")  # fmt: skip
    title, fields = v.protection
    if fields:
        out.append(f"{md(title)}:\n\n| | |\n|---|---|\n")
        whys = []
        for f in fields:
            out.append(f"| {md(f.name)} | `{md(f.display)}` |\n")
            whys += _why(f, explained)
        out.append("\n" + "".join(whys) + ("\n" if whys else ""))
        if v.nonce_xor is not None:
            iv, seq, nonce = v.nonce_xor
            out.append(fence(f"  write_iv  {iv.hex()}\n⊕ sequence  {seq.hex()}\n"
                             f"= nonce     {nonce.hex()}", "text") + "\n")  # fmt: skip
    if v.crypto is not None and not v.crypto.decryption.ok:
        out.append(f"> Not decrypted: {md(v.crypto.decryption.error or '')}\n\n")
    return "".join(out)


def _why(f: Field, explained: set[str]) -> list[str]:
    text = explanation(f.key) if f.key else None
    if not text or f.key in explained:
        return []
    explained.add(f.key)
    return [f"- _{md(f.name)}_: {md(text)}\n"]


def _field(
    out: list[str],
    c: Connection,
    index: int,
    f: Field,
    path: tuple[int, ...],
    depth: int,
    seen: set[str],
    highlight: str | None,
) -> None:
    m = c.messages[index]
    pad = "  " * depth
    data = h.read_field(c, m, f)
    if f.children:
        hexes = f"{len(data)} bytes"
    elif not data:
        hexes = "(empty)"
    else:
        more = f" … ({len(data)} bytes)" if len(data) > h.FIELD_LIMIT else ""
        hexes = f"`{data[: h.FIELD_LIMIT].hex(' ')}`{more}"
    name = f"**{md(f.name)}**"
    if highlight and f.key == highlight:
        name = f"<mark>{name}</mark>"
    value = f" {md(f.display)}" if f.display else ""
    line = (f"{pad}- {_anchor(h.field_anchor(c, index, path))}{name}{value} · {hexes} · "
            f"_{md(h.span_text(m, f))}_")  # fmt: skip
    text = explanation(f.key) if f.key else None
    if text and f.key not in seen:
        seen.add(f.key)
        line += f"\\\n{pad}  _{md(text)}_"
    out.append(line + "\n")
    for n, child in enumerate(f.children):
        _field(out, c, index, child, (*path, n), depth + 1, seen, highlight)


def keys_section(c: Connection) -> str:
    out = [f"{_anchor(h.section_anchor(c, 'keys'))}\n\n### Key schedule\n\n"]
    if c.keys is None:
        return out[0] + "No keys were derived for this connection.\n\n"
    status, reason = c.keys.status()
    out.append(f"**{md(status)}**: {md(reason)}\n\n")
    reports = c.keys.step_reports()
    targets = h.input_targets(c)
    if reports:
        out.append("| # | Step | Operation and inputs | Value | Key log | After |\n"
                   "|---:|---|---|---|---|---|\n")  # fmt: skip
    for n, r in enumerate(reports):
        s = r.step
        op = md(s.operation) + (f" “{md(s.label)}”" if s.label else "")
        inputs = ", ".join(
            f"[{md(i)}](#{h.step_anchor(c, targets[n][i])})" if i in targets[n] else md(i)
            for i in s.inputs
        )
        log = md(h.match_text(r)) + (f" ({md(s.keylog_label)})" if s.keylog_label else "")
        if r.from_keylog is not None and r.match is False:
            log += f": `{r.from_keylog.hex()}`"
        after = (f"[#{r.message}](#{h.message_anchor(c, r.message)})"
                 if r.message is not None else "")  # fmt: skip
        out.append(f"| {_anchor(h.step_anchor(c, n))}{n} | **{md(s.name)}** | {op}"
                   f"{f' from {inputs}' if inputs else ''} | `{s.value.hex()}` | {log} | "
                   f"{after} |\n")  # fmt: skip
    out.append("\n")
    if c.keys.checks:
        out.append("| Check | Result | Detail | After |\n|---|---|---|---|\n")
        for i, chk in enumerate(c.keys.checks):
            at = c.keys.check_at(i)
            after = f"[#{at}](#{h.message_anchor(c, at)})" if at is not None else ""
            rfc = f" ({md(chk.rfc)})" if chk.rfc else ""
            out.append(f"| {md(chk.name)} | {h.mark(chk.ok)} | {md(chk.detail)}{rfc} | {after} |\n")
        out.append("\n")
    return "".join(out)


def certificates_section(c: Connection) -> str:
    out = [f"{_anchor(h.section_anchor(c, 'certs'))}\n\n### Certificates\n\n"]
    certs = c.certificates()
    if not certs:
        out.append("No certificate was sent.\n\n")
    for n, cs in enumerate(certs):
        who = "The server" if cs.direction == "server" else "The client"
        role = "its own certificate" if cs.index == 0 else f"issuer {cs.index}"
        info = cs.info
        head = md(info.subject) if not isinstance(info, CertProblem) else "cannot be decoded"
        out.append(f"{_anchor(h.cert_anchor(c, n))}\n\n#### {who}, {role}: {head}\n\n"
                   f"In [message #{cs.message}](#{h.message_anchor(c, cs.message)}), "
                   f"{len(cs.der)} bytes of DER.\n\n")  # fmt: skip
        if isinstance(info, CertProblem):
            out.append(f"> {md(info.message)}\n\n")
            continue
        key = f"{info.public_key_type} {info.public_key_bits}-bit" + (
            f" ({info.curve})" if info.curve else "")  # fmt: skip
        ca = {True: "yes", False: "no", None: "(no basicConstraints)"}[info.is_ca]
        rows = [("Subject", info.subject), ("Issuer", info.issuer), ("Serial", info.serial),
                ("Valid", f"{info.not_before} to {info.not_after}"),
                ("Names (SAN)", ", ".join(info.san) or "(none)"), ("Public key", key),
                ("Signed with", info.signature_algorithm), ("CA", ca),
                ("Key usage", ", ".join(info.key_usage) or "(none)"),
                ("Extended key usage", ", ".join(info.ext_key_usage) or "(none)"),
                ("Self-signed", "yes" if info.self_signed else "no"),
                ("SHA-256", info.sha256_fingerprint)]  # fmt: skip
        rows += [("Problem", p) for p in info.problems]
        out.append("| | |\n|---|---|\n" + "".join(f"| {md(k)} | {md(v)} |\n" for k, v in rows))
        out.append("\n")
        last = n + 1 == len(certs) or certs[n + 1].direction != cs.direction
        if last:
            for name, ok, detail, rfc in h.certificate_checks(c, cs.direction):
                out.append(f"- {h.mark(ok)} {md(name)}: {md(detail)}"
                           f"{f' ({md(rfc)})' if rfc else ''}\n")  # fmt: skip
            out.append("\n")
    return "".join(out)


def cost_section(c: Connection) -> str:
    out = [f"{_anchor(h.section_anchor(c, 'cost'))}\n\n### Cost\n\n"]
    if not c.messages:
        return out[0] + "No messages.\n\n"
    cost = c.cost()
    rt = "unknown" if cost.round_trips is None else str(cost.round_trips)
    out.append(f"The handshake took **{cost.handshake_bytes}** bytes on the wire in "
               f"{cost.handshake_messages} handshake messages and **{rt}** TLS round trip(s) "
               "before the client could send data" + (" (inferred)" if cost.inferred else "")
               + f"; the certificates took {cost.certificate_bytes} bytes "
               f"({cost.certificate_share:.0%}). Client: {cost.by_direction['client']} bytes in "
               f"{cost.records['client']} records; server: {cost.by_direction['server']} bytes "
               f"in {cost.records['server']} records.\n\n")  # fmt: skip
    out.append("| # | Message | Own bytes | Record overhead | On the wire |\n"
               "|---:|---|---:|---:|---:|\n")  # fmt: skip
    for mc in cost.messages:
        out.append(f"| [{mc.index}](#{h.message_anchor(c, mc.index)}) | {md(mc.type)} "
                   f"({mc.direction}) | {mc.bytes} | {mc.overhead} | {mc.wire} |\n")  # fmt: skip
    out.append("\n| Flight | From | Messages | Bytes |\n|---:|---|---|---:|\n")
    for f in cost.flights:
        msgs = ", ".join(f"[#{i}](#{h.message_anchor(c, i)})" for i in f.messages)
        out.append(f"| {f.number} | {f.direction} | {msgs} | {f.bytes} |\n")
    return "".join(out) + "\n"


def data_section(c: Connection) -> str:
    out = [f"{_anchor(h.section_anchor(c, 'data'))}\n\n### Application data\n\n"]
    count = 0
    for i, m in enumerate(c.messages):
        if m.type != "ApplicationData" or not m.encrypted:
            continue
        count += 1
        out.append(f"{h.arrow(m.direction)}, {len(m.raw)} bytes, "
                   f"[#{i}](#{h.message_anchor(c, i)}):\n\n")  # fmt: skip
        text = text_of(m.raw)
        if text is not None:
            more = f"\n… {len(text) - TEXT_LIMIT} more characters" if len(text) > TEXT_LIMIT else ""
            out.append(fence(text[:TEXT_LIMIT] + more, "text") + "\n")
        else:
            out.append(fence(hex_lines(m.raw, h.DUMP_LIMIT), "text") + "\n")
    if count == 0:
        seen = any(m.type in ("ApplicationData", "Encrypted") for m in c.messages)
        out.append("The application data could not be decrypted (no keys for it).\n\n" if seen
                   else "No application data was sent.\n\n")  # fmt: skip
    return "".join(out)
