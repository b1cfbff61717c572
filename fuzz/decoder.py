#!/usr/bin/env python3
"""The record and handshake decoder, both directions, plaintext.

Input: ``[chunk size][flags][client length: 2 bytes][client bytes][server bytes]``.
Both streams go into one :class:`~tlsviz.wire.connection.ConnectionDecoder`,
fed alternately in pieces of the chunk size (all at once when 0), with an
optional capture gap; every event is pulled, and every message's fields are
rendered as ``decode --json`` and ``--explain`` render them.  The decoder must
turn any bytes into messages and diagnostics, never raise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Cursor, capture_files, capture_streams, chunked, main

from tlsviz.session.export import field_json
from tlsviz.wire.connection import ConnectionDecoder
from tlsviz.wire.explain import explanation, message_key
from tlsviz.wire.fields import Diagnostic, json_value
from tlsviz.wire.message import Message

MAX_LEN = 4096


def check_message(msg: Message, *, full: bool = False) -> None:
    """What every view asks of a message: each field's value as JSON, its
    explanation, where its bytes are (``full``: the whole ``decode --json``
    rendering of the fields, spans of every field included)."""
    if full:
        json.dumps([field_json(f, msg) for f in msg.fields])
    explanation(message_key(msg.type))
    for top in msg.fields:
        msg.spans(top)
        for f in top.walk():
            json.dumps(json_value(f.value))
            if f.key:
                explanation(f.key)
    for d in msg.diagnostics:
        str(d.message)


def drain(dec: ConnectionDecoder, *, only_encrypted: bool = False) -> int:
    """Pull every event; check the messages (only those of protected records
    with ``only_encrypted``)."""
    n = 0
    for ev in dec.events():
        n += 1
        if isinstance(ev, Message):
            if ev.encrypted or not only_encrypted:
                check_message(ev)
        else:
            assert isinstance(ev, Diagnostic)
    return n


def test_one_input(data: bytes) -> None:
    c = Cursor(data)
    size = c.u8()
    flags = c.u8()
    client = c.take(c.uint(2))
    server = c.rest()
    dec = ConnectionDecoder(
        record_fields=not flags & 1,
        certificates=not flags & 2,
        mid_stream=bool(flags & 4),
        skip_application_data=bool(flags & 8),
    )
    gap_at = (flags >> 4) * 64  # a capture hole this far into the server's bytes
    ins = [("client", p) for p in chunked(client, size)]
    outs = [("server", p) for p in chunked(server, size)]
    fed = 0
    for i in range(max(len(ins), len(outs))):
        for side in (ins, outs):
            if i < len(side):
                direction, piece = side[i]
                if direction == "server" and gap_at and fed <= gap_at < fed + len(piece):
                    dec.receive_gap("server", 1 + (flags >> 4), 1.0)
                if direction == "server":
                    fed += len(piece)
                dec.receive_data(direction, piece, float(i))
                drain(dec)
    dec.close(truncated=bool(flags & 0x10))
    drain(dec)


def encode(client: bytes, server: bytes, size: int = 0, flags: int = 0) -> bytes:
    client = client[:0xFFFF]
    return bytes([size, flags]) + len(client).to_bytes(2, "big") + client + server


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for path in capture_files(corpus):
        for client, server in capture_streams(path):
            yield encode(client[:1500], server[:2500])
            yield encode(client[:600], server[:1400], 7, 0x31)


if __name__ == "__main__":
    main("decoder", test_one_input, seeds, MAX_LEN)
