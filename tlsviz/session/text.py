"""The text form of ``tlsviz decode``: each connection and each message's field
tree, like ``tshark -V``, with explanations under each field on request."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterator

from ..keys.x509 import CertProblem, cert_info
from ..wire.dispatch import header_fields, header_only, record_header_fields, text_of
from ..wire.explain import explanation, message_key
from ..wire.fields import SHARED, Field, printable
from ..wire.message import Message
from ..wire.messages import Certificate
from .model import Connection
from .protection import protection_fields

INDENT = "    "


def connection_header(c: Connection) -> str:
    parts = [f"Connection {c.id}: {c.client} -> {c.server}"]
    parts.append(c.version or "version unknown")
    if c.cipher_suite:
        parts.append(c.cipher_suite)
    if c.group:
        parts.append(f"group {c.group}")
    if c.sni:
        parts.append(f"SNI {printable(c.sni)}")
    if c.alpn:
        parts.append(f"ALPN {printable(c.alpn)}")
    return "  ".join(parts)


def render_connection(
    c: Connection, *, explain: bool = False, fields: bool = True
) -> Iterator[str]:
    return iter(connection_lines(c, explain=explain, fields=fields))


def connection_block(c: Connection, *, explain: bool = False, fields: bool = True) -> str:
    """:func:`connection_lines` as one text, each line ending with a newline."""
    lines = connection_lines(c, explain=explain, fields=fields)
    lines.append("")  # the last newline, without copying the joined text again
    return "\n".join(lines)


def connection_lines(c: Connection, *, explain: bool = False, fields: bool = True) -> list[str]:
    """The lines of :func:`render_connection` (a list is made in one go; a
    generator would be resumed once per line, and a connection has hundreds)."""
    out = [connection_header(c)]
    experiment = c.extra.get("experiment")
    if isinstance(experiment, dict):
        out.extend(
            _wrapped(
                f"Experiment {experiment['name']}: {experiment['what']} {experiment['expect']} "
                f"({experiment['rfc']}) {experiment['verdict']}",
                "  ",
                100,
            )
        )
    for m in c.messages:
        protection = protection_fields(c, m) if explain and fields else ("", ())
        _message_lines(out, m, explain, fields, protection)
    _key_lines(out, c, fields)
    diags = c.all_diagnostics()
    if diags:
        repeats: dict[tuple[str, str | None, str], int] = {}
        for d in diags:
            k = (str(d.severity), d.direction, d.message)
            repeats[k] = repeats.get(k, 0) + 1
        shown: set[tuple[str, str | None, str]] = set()
        for d in diags:
            k = (str(d.severity), d.direction, d.message)
            if k in shown:
                continue
            shown.add(k)
            where = f"{d.buffer or d.direction} offset {d.offset}"
            more = f"; {repeats[k] - 1} more like it" if repeats[k] > 1 else ""
            out.append(
                f"  [{d.severity}] {d.direction}: {d.message} ({where}, {d.length} bytes{more})"
            )
    out.append("")
    return out


def render_keys(c: Connection, *, steps: bool = True) -> Iterator[str]:
    """Key status, each derivation step beside the key log, checks, decrypted data."""
    out: list[str] = []
    _key_lines(out, c, steps)
    return iter(out)


_MARKS = {True: "  = key log", False: "  ≠ key log!", None: ""}
_SIGNS = {True: "ok", False: "FAILED", None: "not checked"}


def _key_lines(out: list[str], c: Connection, steps: bool) -> None:
    if c.keys is None:
        return
    status, reason = c.keys.status()
    out.append(f"  keys: {status}: {reason}")
    if steps:
        for r in c.keys.step_reports():
            s = r.step
            label = f' "{s.label}"' if s.label else ""
            v = s.value
            value = v.hex() if len(v) <= 24 else v[:24].hex() + "…"  # 48 hex digits at most
            mark = _MARKS[r.match]
            if s.operation == "Input" and r.from_keylog is not None:
                mark = "  (from key log)"
            out.append(f"    {s.name}: {s.operation}{label} {value}{mark}")
        for chk in c.keys.checks:
            out.extend(_wrapped(f"check {chk.name}: {_SIGNS[chk.ok]}: {chk.detail}", INDENT, 100))
    for m in c.messages:
        if m.type == "ApplicationData" and m.encrypted:
            arrow = "->" if m.direction == "client" else "<-"
            out.append(f"  {arrow} {m.direction} data ({len(m.raw)} bytes): {_preview(m.raw)}")


def _preview(data: bytes, limit: int = 70) -> str:
    text = text_of(data)
    if text is None:
        return data[:32].hex() + ("…" if len(data) > 32 else "")
    text = text if len(text) <= limit else text[:limit] + "…"
    return repr(text)


def render_message(
    m: Message,
    *,
    explain: bool = False,
    fields: bool = True,
    protection: tuple[str, tuple[Field, ...]] = ("", ()),
) -> Iterator[str]:
    """One message: its header line, notes, record header, record protection
    (``protection``: a title and fields, see :mod:`tlsviz.session.protection`)
    and field tree; with ``explain`` an explanation under each kind of field."""
    out: list[str] = []
    _message_lines(out, m, explain, fields, protection)
    return iter(out)


def _message_lines(
    out: list[str],
    m: Message,
    explain: bool,
    fields: bool,
    protection: tuple[str, tuple[Field, ...]],
) -> None:
    arrow = "->" if m.direction == "client" else "<-"
    flags = ""
    if m.cleartext:
        flags = " (sent in the clear)"
    elif m.encrypted and m.type != "Encrypted":
        flags = " (decrypted)"
    when = "" if m.time is None else _when(m.time)
    out.append(
        f"  {arrow} {m.direction}: {m.type}{flags}  [{m.buffer} offset {m.offset}, "
        f"{m.length} bytes{when}]"
    )
    if not fields:
        return
    if explain and (about := explanation(message_key(m.type))):
        out.extend(_wrapped(about, INDENT + "| ", 100))
    for note in m.notes:
        out.extend(_wrapped(f"note: {note}", INDENT, 100))
    seen: set[str] | None = set() if explain else None
    records = m.records
    if records:
        rec = records[0]
        label = "SSLv2 record header" if rec.sslv2 else "Record header"
        out.append(f"{INDENT}{label} (stream offset {rec.offset}):")
        if seen is None and header_only(rec):
            out.extend(_header_lines(rec.header, rec.sslv2))
        else:
            _tree_lines(out, record_header_fields(rec), 2, seen)
    title, parts = protection
    if parts:
        out.append(f"{INDENT}{title}:")
        _tree_lines(out, parts, 2, seen)
    if len(records) > 1:
        out.append(f"{INDENT}(reassembled from {len(records)} records)")
    _tree_lines(out, m.fields, 1, seen)
    if isinstance(m.body, Certificate):
        for i, entry in enumerate(m.body.entries):
            out.extend(_cert_summary(i, entry.der))


@functools.lru_cache(maxsize=1024)
def _header_lines(header: bytes, sslv2: bool) -> tuple[str, ...]:
    """The lines of a TLS record header's fields: the same few headers come
    back all through a capture."""
    out: list[str] = []
    _tree_lines(out, header_fields(header, sslv2), 2)
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _when(t: float) -> str:
    """A message's time as the header line shows it, formatted once: a flight's
    messages share their packet's time (and formatting a float is slow)."""
    return f", t={t:.6f}"


def _cert_summary(index: int, der: bytes) -> Iterator[str]:
    info = cert_info(der)
    pad = INDENT
    if isinstance(info, CertProblem):
        yield f"{pad}certificate {index + 1}: cannot be decoded: {info.message}"
        return
    yield f"{pad}certificate {index + 1}: {info.subject}"
    yield f"{pad}    issued by {info.issuer}; valid {info.not_before} to {info.not_after}"
    key = f"{info.public_key_type} {info.public_key_bits}-bit"
    if info.curve:
        key += f" ({info.curve})"
    yield f"{pad}    key {key}; signed with {info.signature_algorithm}"
    if info.san:
        yield f"{pad}    names {', '.join(info.san)}"
    ca = "CA" if info.is_ca else "not a CA" if info.is_ca is False else "no basicConstraints"
    usage = ", ".join(info.key_usage) if info.key_usage else "no keyUsage"
    yield f"{pad}    {ca}; {usage}; SHA-256 {info.sha256_fingerprint}"


def _field(f: Field, depth: int, seen: set[str] | None) -> Iterator[str]:
    """A field and its children; with ``seen``, each kind of field is explained
    once per message (a list of 30 cipher suites needs one explanation)."""
    out: list[str] = []
    _field_lines(out, f, depth, seen)
    return iter(out)


def _field_lines(
    out: list[str], f: Field, depth: int, seen: set[str] | None, memo: bool = True
) -> None:
    """:func:`_field` into ``out`` (a recursive generator costs a frame per
    field and per level; a tree has hundreds of fields).  Without ``seen``
    the lines of a tree several connections share are made once (``memo``:
    look them up)."""
    if memo and seen is None and id(f) in SHARED:
        made = _SHARED_LINES.get((id(f), depth))
        if made is None or made[0] is not f:
            lines: list[str] = []
            _field_lines(lines, f, depth, None, False)
            made = _SHARED_LINES[(id(f), depth)] = (f, lines)
            if len(_SHARED_LINES) > 2 * len(SHARED) + 64:
                _SHARED_LINES.clear()
        out.extend(made[1])
        return
    pad = _PADS[depth] if depth < len(_PADS) else INDENT * depth
    text = f.display
    out.append(f"{pad}{f.name}: {text}" if text else f"{pad}{f.name}")
    if seen is not None and f.key and f.key not in seen:
        seen.add(f.key)
        why = explanation(f.key)
        if why:
            out.extend(_wrap(why, pad + "  | "))
    if f.children:
        _tree_lines(out, f.children, depth + 1, seen)


def _tree_lines(
    out: list[str], fields: tuple[Field, ...], depth: int, seen: set[str] | None = None
) -> None:
    """:func:`_field_lines` of sibling fields.  Without explanations a leaf's
    line is made here, without a call (most fields are leaves; a shared leaf's
    one line is not worth looking up)."""
    if seen is not None:
        for f in fields:
            _field_lines(out, f, depth, seen)
        return
    pad = _PADS[depth] if depth < len(_PADS) else INDENT * depth
    for f in fields:
        if f.children:
            _field_lines(out, f, depth, None)
        else:
            text = f.display
            out.append(f"{pad}{f.name}: {text}" if text else f"{pad}{f.name}")


_PADS = tuple(INDENT * d for d in range(16))
#: (id of a shared field, depth) -> (the field, its lines)
_SHARED_LINES: dict[tuple[int, int], tuple[Field, list[str]]] = {}


def _wrap(text: str, prefix: str, width: int = 100) -> Iterator[str]:
    return iter(_wrapped(text, prefix, width))


@functools.lru_cache(maxsize=2048)
def _wrapped(text: str, prefix: str, width: int) -> tuple[str, ...]:
    """Wrapped once: the same notes, checks and explanations come back in
    every connection of a capture, and textwrap is slow."""
    return tuple(prefix + line for line in textwrap.wrap(text, width=max(40, width - len(prefix))))
