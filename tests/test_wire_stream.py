"""The decoder on real streams: chunking does not matter, every byte is accounted
for, bad bytes become diagnostics and decoding carries on."""

from __future__ import annotations

import glob

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CAPTURES
from tests.wirecheck import capture_pieces, decode_pieces, decode_streams, uncovered
from tlsviz.wire.fields import Diagnostic, Severity
from tlsviz.wire.message import Message

BUNDLED = sorted(glob.glob(str(CAPTURES / "*.pcap")))


def _messages(events: list[Message | Diagnostic]) -> list[Message]:
    return [e for e in events if isinstance(e, Message)]


@pytest.fixture(scope="module")
def bundled_pieces() -> dict[str, dict[int, list[tuple[str, bytes]]]]:
    if not BUNDLED:
        pytest.skip("no bundled captures")
    return {p: capture_pieces(p) for p in BUNDLED}


def test_bundled_captures_exist() -> None:
    assert len(BUNDLED) >= 10


@pytest.mark.parametrize("chunk", [1, 3, 7, 1000])
def test_chunking_does_not_change_the_result(bundled_pieces, chunk: int) -> None:  # type: ignore[no-untyped-def]
    for path, conns in bundled_pieces.items():
        for pieces in conns.values():
            whole = decode_pieces(pieces)
            assert _messages(whole), path
            assert decode_pieces(pieces, chunk=chunk) == whole, path


def test_every_byte_of_real_streams_is_covered(bundled_pieces) -> None:  # type: ignore[no-untyped-def]
    for path, conns in bundled_pieces.items():
        for pieces in conns.values():
            events = decode_pieces(pieces)
            assert not [e for e in events if isinstance(e, Diagnostic)], path
            for direction in ("client", "server"):
                data = b"".join(d for dr, d in pieces if dr == direction)
                assert uncovered(events, direction, data) == [], (path, direction)


def test_coalesced_and_fragmented_records_give_the_same_messages(bundled_pieces) -> None:  # type: ignore[no-untyped-def]
    """Re-frame the cleartext handshake of a real stream: one message per
    record, then every message split into 1-byte records.  The decoded
    messages (type and raw bytes) must not change."""
    path = str(CAPTURES / "tls12-ecdhe-rsa-aes128gcm.pcap")
    pieces = bundled_pieces[path][1]
    server = b"".join(d for dr, d in pieces if dr == "server")
    msgs = [m for m in _messages(decode_streams(b"", server)) if m.handshake_type is not None]
    assert [m.type for m in msgs][:4] == [
        "ServerHello",
        "Certificate",
        "ServerKeyExchange",
        "ServerHelloDone",
    ]
    raw = b"".join(m.raw for m in msgs[:4])

    def frame(payload: bytes, size: int) -> bytes:
        out = b""
        for i in range(0, len(payload), size):
            part = payload[i : i + size]
            out += bytes([22, 3, 3]) + len(part).to_bytes(2, "big") + part
        return out

    for size in (1, 2, 5, 300, len(raw)):
        again = _messages(decode_streams(b"", frame(raw, size)))
        assert [(m.type, m.raw) for m in again] == [(m.type, m.raw) for m in msgs[:4]]
        if size < 100:
            assert len(again[1].records) > 1  # the Certificate came from many records


def test_garbage_between_records_is_a_diagnostic_and_decoding_goes_on() -> None:
    hello = _client_hello()
    stream = hello + b"\x00garbage!\x99" + hello
    events = decode_streams(stream)
    msgs = _messages(events)
    assert [m.type for m in msgs] == ["ClientHello", "ClientHello"]
    diags = [e for e in events if isinstance(e, Diagnostic)]
    assert len(diags) == 1
    assert diags[0].offset == len(hello) and diags[0].length == 10
    assert uncovered(events, "client", stream) == []


def test_malformed_extension_is_reported_on_its_bytes_only() -> None:
    hello = bytearray(_client_hello())
    # corrupt the supported_versions list length inside its extension
    idx = hello.find(bytes.fromhex("002b0003"))
    assert idx > 0
    hello[idx + 4] = 0x09  # list length 9 > 2 bytes available
    events = decode_streams(bytes(hello))
    (msg,) = _messages(events)
    assert msg.type == "ClientHello"
    assert [d.severity for d in msg.diagnostics] == [Severity.ERROR]
    assert "supported_versions" in msg.diagnostics[0].message
    # the extensions after it were still decoded
    names = [f.name for f in msg.fields if f.name == "extensions"]
    assert names
    assert uncovered(events, "client", bytes(hello)) == []


def test_truncated_capture_is_a_warning_and_a_cut_stream_an_error() -> None:
    hello = _client_hello()
    cut = hello[: len(hello) // 2]
    (d,) = decode_streams(cut, truncated=True)
    assert isinstance(d, Diagnostic) and d.severity == Severity.WARNING
    (d,) = decode_streams(cut)
    assert isinstance(d, Diagnostic) and d.severity == Severity.ERROR


def test_sslv2_compatible_client_hello() -> None:
    # An SSLv2-framed CLIENT-HELLO as old OpenSSL clients sent it: version
    # TLS 1.0, three cipher specs (one SSLv2 kind, two TLS suites), a 16-byte
    # challenge (RFC 5246 Appendix E.2).
    specs = bytes.fromhex("0700c000002f000035")
    challenge = bytes(range(16))
    body = (
        bytes([1, 3, 1])
        + len(specs).to_bytes(2, "big")
        + (0).to_bytes(2, "big")
        + len(challenge).to_bytes(2, "big")
        + specs
        + challenge
    )
    stream = bytes([0x80 | (len(body) >> 8), len(body) & 0xFF]) + body
    events = decode_streams(stream)
    (msg,) = _messages(events)
    assert msg.type == "ClientHello" and msg.records[0].sslv2
    assert msg.body.cipher_suites == (0x002F, 0x0035)
    assert msg.body.random == bytes(16) + challenge
    assert uncovered(events, "client", stream) == []


def _client_hello() -> bytes:
    path = CAPTURES / "tls13-aes128gcm.pcap"
    if not path.exists():
        pytest.skip("bundled capture missing")
    pieces = capture_pieces(str(path))[1]
    client = b"".join(d for dr, d in pieces if dr == "client")
    length = int.from_bytes(client[3:5], "big")
    return client[: 5 + length]


# -- property-based: random and mutated input never escapes as an exception ---------


def _check_total(stream: bytes, server: bytes = b"") -> None:
    events = decode_streams(stream, server)
    assert uncovered(events, "client", stream) == []
    assert uncovered(events, "server", server) == []


@settings(
    max_examples=int(__import__("os").environ.get("TLSVIZ_FUZZ", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    _check_total(data, data[::-1])


@settings(
    max_examples=int(__import__("os").environ.get("TLSVIZ_FUZZ", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.binary(max_size=400))
def test_random_record_bodies_never_raise(body: bytes) -> None:
    """Well-framed handshake records with random bodies."""
    for ctype in (20, 21, 22, 23, 24):
        rec = bytes([ctype, 3, 3]) + len(body).to_bytes(2, "big") + body
        _check_total(rec, rec)


@st.composite
def _mutated_streams(draw: st.DrawFn) -> tuple[bytes, bytes]:
    paths = [p for p in BUNDLED]
    if not paths:
        return b"", b""
    path = draw(st.sampled_from(paths))
    pieces = _PIECES_CACHE.setdefault(path, capture_pieces(path)[1])
    client = bytearray(b"".join(d for dr, d in pieces if dr == "client"))
    server = bytearray(b"".join(d for dr, d in pieces if dr == "server"))
    for buf in (client, server):
        if not buf:
            continue
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(buf) - 1))
            op = draw(st.sampled_from(["flip", "cut", "dup", "zero"]))
            if op == "flip":
                buf[i] ^= draw(st.integers(1, 255))
            elif op == "cut":
                del buf[i : i + draw(st.integers(1, 40))]
            elif op == "dup":
                buf[i:i] = buf[i : i + draw(st.integers(1, 40))]
            else:
                buf[i : i + 4] = bytes(4)
            if not buf:
                break
    return bytes(client), bytes(server)


_PIECES_CACHE: dict[str, list[tuple[str, bytes]]] = {}


@settings(
    max_examples=int(__import__("os").environ.get("TLSVIZ_FUZZ", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_mutated_streams())
def test_mutated_real_streams_never_raise(streams: tuple[bytes, bytes]) -> None:
    _check_total(*streams)
