"""The ``decode --json`` document, written as text one connection at a time.

:func:`~.export.connection_json` builds a connection as Python values (the API
and the tests use it); this module writes the very same text that
``json.dumps(connection_json(c), separators=(",", ":"))`` gives, without
building the values of the field trees, which are nine tenths of the
document: each field is written straight from the :class:`Field` with the C
string encoder, and the few other parts (keys, checks, certificates, cost)
go through ``json.dumps``, whose C encoder is ten times faster than the
pure-Python one that ``json.dump`` to a file uses.  ``tests/test_jsonout.py``
compares both texts on every capture at hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring_ascii  # the C encoder when built
from typing import Any, TextIO

from ..wire.fields import Field, json_value
from ..wire.message import Message
from .export import (
    _diag_json,
    application_data_json,
    buffers_json,
    connection_head_json,
    dtls_json,
    keys_json,
    record_json,
    verification_json,
)
from .model import Connection

_quote: Callable[[str], str] = encode_basestring_ascii
_dumps: Callable[[Any], str] = json.JSONEncoder(separators=(",", ":")).encode


def _value(v: Any) -> str:
    """``json.dumps(json_value(v))`` for the values fields hold, fast for the common ones."""
    t = type(v)
    if t is int:
        return int.__repr__(v)
    if t is bytes:
        return f'"{v.hex()}"'
    if t is str:
        return _quote(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    return _dumps(json_value(v))


def _fields_text(
    parts: list[str],
    fields: Iterable[Field],
    msg: Message,
    keys: set[str] | None,
    same: tuple[str, int, int] | None,
) -> None:
    """Append each field's JSON object, comma-separated, to ``parts``.

    ``same``: (``[["buffer",`` , delta, size) when the message lies in one run
    of its buffer from its first byte: a field inside the run has one span,
    its offset shifted by ``delta`` (others get :meth:`Message.spans`)."""
    add = parts.append
    first = True
    for f in fields:
        if not first:
            add(",")
        first = False
        if same is not None and f.offset >= 0 and f.length >= 0 and f.offset + f.length <= same[2]:
            offset = int.__repr__(f.offset + same[1])
            spans = f"{same[0]}{offset},{f.length}]]"
            buf = ""
        else:
            spans_ = msg.spans(f)
            head = spans_[0]
            offset = int.__repr__(head.offset)
            spans = _dumps([s.to_json() for s in spans_])
            buf = "" if head.buffer == msg.buffer else ',"buffer":' + _quote(head.buffer.name)
        add(
            f'{{"name":{_quote(f.name)},"offset":{offset},"length":{f.length},'
            f'"value":{_value(f.value)},"display":{_quote(f.display)},"children":['
        )
        if f.children:
            _fields_text(parts, f.children, msg, keys, same)
        k = f.key
        if k:
            if keys is not None:
                keys.add(k)
            add(f'],"spans":{spans},"key":{_quote(k)}{buf}}}')
        else:
            add(f'],"spans":{spans}{buf}}}')


def _single_run(m: Message) -> tuple[str, int, int] | None:
    """See ``same`` in :func:`_fields_text`: a message in one segment (most are)."""
    segs = m.segments
    if len(segs) != 1 or segs[0].start != 0:
        return None
    s = segs[0]
    return f"[[{_quote(s.buffer.name)},", s.offset, s.length


def _message_text(
    parts: list[str],
    m: Message,
    keys: set[str] | None,
    decryptions: dict[tuple[str, int], Any],
) -> None:
    from ..wire import registry as reg
    from ..wire.explain import message_key

    key = message_key(m.type)
    if keys is not None:
        keys.add(key)
    add = parts.append
    segs = m.segments
    buffer = segs[0].buffer if segs else None
    add(
        f'{{"direction":{_quote(m.direction)},"type":{_quote(m.type)},'
        f'"content_type":{_quote(reg.content_type_name(m.content_type))},'
        f'"encrypted":{"true" if m.encrypted else "false"},'
        f'"cleartext":{"true" if m.cleartext else "false"},"key":{_quote(key)},'
        f'"offset":{segs[0].offset if segs else 0},"length":{len(m.raw)},'
        f'"time":{_dumps(m.time)},"buffer":{_quote(buffer.name if buffer else m.direction)},'
        f'"fields":['
    )
    _fields_text(parts, m.fields, m, keys, _single_run(m))
    records = [
        record_json(
            r, keys, decryptions.get((m.direction, r.offset)) if m.encrypted else None, m.direction
        )
        for r in m.records
    ]
    tail: dict[str, Any] = {
        "records": records,
        "notes": list(m.notes),
        "diagnostics": [
            _diag_json(m, d.severity, d.message, d.offset, d.length, d.rfc) for d in m.diagnostics
        ],
    }
    if m.handshake_type is not None:
        tail["handshake_type"] = m.handshake_type
    if m.dtls is not None:
        tail["dtls"] = {
            "message_seq": m.dtls.message_seq,
            "fragments": [list(f) for f in m.dtls.fragments],
            "retransmission": m.dtls.retransmission,
            "reordered": m.dtls.reordered,
        }
    if len(segs) > 1:
        tail["segments"] = [[s.start, s.buffer.name, s.offset, s.length] for s in segs]
    add("],")
    add(_dumps(tail)[1:])


def connection_text(c: Connection, *, keys: set[str] | None = None, buffers: bool = False) -> str:
    """``json.dumps(connection_json(c, keys=keys, buffers=buffers), separators=(",", ":"))``."""
    head = connection_head_json(c)
    decryptions = c.keys.decryptions if c.keys is not None else {}
    parts = [_dumps(head)[:-1], ',"messages":[']
    for i, m in enumerate(c.messages):
        if i:
            parts.append(",")
        _message_text(parts, m, keys, decryptions)
    tail: dict[str, Any] = {
        "keys": keys_json(c),
        "verification": verification_json(c),
        "application_data": application_data_json(c),
        "diagnostics": [d.to_json() for d in c.all_diagnostics()],
        "cost": c.cost().to_json(),
    }
    if c.dtls is not None:
        tail["dtls"] = dtls_json(c)
    if buffers:
        tail.update(buffers_json(c))
    for k, v in c.extra.items():
        if k in head or k == "messages":  # replaced in place, as dict assignment does
            return _dumps(_connection_json(c, keys, buffers))
        tail[k] = v
    parts.append("],")
    parts.append(_dumps(tail)[1:])
    return "".join(parts)


def _connection_json(c: Connection, keys: set[str] | None, buffers: bool) -> dict[str, Any]:
    from .export import connection_json

    return connection_json(c, keys=keys, buffers=buffers)


def write_document(
    connections: Iterable[Connection],
    source: str,
    out: TextIO,
    *,
    notes: Callable[[], list[str]],
    buffers: bool = False,
    render: Callable[[Connection], str] | None = None,
) -> None:
    """The whole document, one connection at a time as each completes (the
    text of ``export.document``, laid out one connection a line).  ``notes``
    is asked at the end (reading the capture adds to them)."""
    keys: set[str] = set()
    texts = (connection_text(conn, keys=keys, buffers=buffers) for conn in connections)
    write_texts(texts, source, out, notes=notes, keys=keys)


def write_texts(
    texts: Iterable[str],
    source: str,
    out: TextIO,
    *,
    notes: Callable[[], list[str]],
    keys: set[str],
    copy: Callable[[Any], None] | None = None,
) -> None:
    """:func:`write_document` of connections already written as text
    (:func:`connection_text`); ``keys``, the explanation keys they use, is
    read at the end.  With ``copy``, ``texts`` are not strings but what
    ``copy`` writes to ``out``'s file itself (each after ``out`` is flushed)."""
    from .. import __version__
    from ..wire.explain import explanation

    write = out.write
    version, path = json.dumps(__version__), json.dumps(source)
    write(f'{{"tlsviz": {version}, "source": {path}, "connections": [')
    first = True
    for text in texts:
        write("\n" if first else ",\n")
        first = False
        if copy is None:
            write(text)
        else:
            out.flush()
            copy(text)
    write("\n],\n")
    write(f'"notes": {json.dumps(notes())},\n')
    expl = {k: t for k in sorted(keys) if (t := explanation(k)) is not None}
    write(f'"explanations": {json.dumps(expl, indent=None)}}}\n')
