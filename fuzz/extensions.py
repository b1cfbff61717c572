#!/usr/bin/env python3
"""Extensions, in every message that carries them.

Input: ``[message kind][extensions vector]``.  The vector (its two-byte length
prefix included, as the input gives it, or corrected when the kind's top bit
is set) is put into a well-formed ClientHello, ServerHello, HelloRetryRequest,
EncryptedExtensions, TLS 1.3 CertificateRequest, NewSessionTicket or
Certificate entry, which is decoded as the full decoder does (field trees,
explanations, JSON) and as the summary does (the quick hello readers, no
field trees).  Malformed extensions must become diagnostics.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import capture_files, capture_streams, main
from decoder import check_message

from tlsviz.wire import registry as reg
from tlsviz.wire.dispatch import ParseContext, decode_handshake
from tlsviz.wire.message import STREAM, Segment
from tlsviz.wire.reassembly import RawHandshake
from tlsviz.wire.records import Record

MAX_LEN = 4096

_RANDOM = bytes(range(32))
#: RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest
_HRR = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
_CERT = bytes.fromhex("3003020100")  # a tiny DER value: the certificate is not the point

#: (handshake type, body before the extensions, context version, name)
KINDS: tuple[tuple[int, bytes, int | None, str], ...] = (
    (1, b"\x03\x03" + _RANDOM + b"\x20" + bytes(32) + b"\x00\x02\x13\x01\x01\x00", None, "CH"),
    (2, b"\x03\x03" + _RANDOM + b"\x20" + bytes(32) + b"\x13\x01\x00", None, "SH"),
    (2, b"\x03\x03" + _HRR + b"\x20" + bytes(32) + b"\x13\x01\x00", None, "HRR"),
    (8, b"", 0x0304, "EE"),
    (13, b"\x00", 0x0304, "CR"),
    (4, b"\x00\x00\x0e\x10" + b"\x01\x02\x03\x04" + b"\x01\x00" + b"\x00\x02ab", 0x0304, "NST"),
    (11, b"\x00", 0x0304, "Certificate"),
    (2, b"\x03\x03" + _RANDOM + b"\x00" + b"\xc0\x2f\x00", None, "SH12"),
)


def message(kind: int, vector: bytes) -> bytes:
    """The handshake message of ``kind`` (an index into KINDS) around ``vector``."""
    msg_type, prefix, _, name = KINDS[kind]
    if name == "Certificate":
        entry = len(_CERT).to_bytes(3, "big") + _CERT + vector
        body = prefix + len(entry).to_bytes(3, "big") + entry
    else:
        body = prefix + vector
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def test_one_input(data: bytes) -> None:
    if not data:
        return
    kind = data[0] % len(KINDS)
    vector = data[1:]
    if data[0] & 0x80:
        vector = len(vector[:0xFFFF]).to_bytes(2, "big") + vector[:0xFFFF]
    raw = message(kind, vector)
    if len(raw) - 4 > 0xFFFFFF:
        return
    _, _, version, _ = KINDS[kind]
    suite = reg.SUITES.get(0x1301)
    rec = Record(22, 0x0303, 0, raw, 0.0, b"\x16\x03\x03" + len(raw).to_bytes(2, "big"))
    hs = RawHandshake(raw[0], raw, (Segment(0, STREAM["client"], 5, len(raw)),), (rec,), 0.0)
    direction = "client" if raw[0] == 1 else "server"
    for fields in (True, False):
        ctx = ParseContext(version, suite, version == 0x0304, fields)
        msg = decode_handshake(hs, direction, ctx, version == 0x0304)
        check_message(msg)


def _vectors(stream: bytes) -> Iterator[tuple[int, bytes]]:
    """The extension vectors (without their length) of the hellos at the
    start of a stream."""
    from tlsviz.wire.connection import ConnectionDecoder

    dec = ConnectionDecoder()
    dec.receive_data("client", stream)
    dec.close()
    for ev in dec.events():
        fields = getattr(ev, "fields", ())
        for f in fields:
            if f.name == "extensions":
                kind = {"ClientHello": 0, "ServerHello": 1, "HelloRetryRequest": 2}.get(
                    getattr(ev, "type", ""), 0
                )
                yield kind, ev.raw[f.offset : f.offset + f.length]


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for path in capture_files(corpus):
        for client, server in capture_streams(path):
            for stream in (client[:4000], server[:4000]):
                for kind, vector in _vectors(stream):
                    yield bytes([kind | 0x80]) + vector
                    prefixed = len(vector).to_bytes(2, "big") + vector
                    yield bytes([kind]) + prefixed
                    if kind == 0:  # the same extensions in the other messages
                        for other in range(3, len(KINDS)):
                            yield bytes([other | 0x80]) + vector


if __name__ == "__main__":
    main("extensions", test_one_input, seeds, MAX_LEN)
