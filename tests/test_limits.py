"""What tlsviz holds for one connection is bounded, and reaching a bound is said.

- A handshake message declaring more than ``MAX_MESSAGE`` bytes, or spread
  over more than ``MAX_MESSAGE_RECORDS`` records, is counted off instead of
  held: one diagnostic over its records, and the messages after it still
  decode (whatever the chunking of the stream).
- TCP data held after a hole is bounded per direction; reaching the bound is
  one note, and the missing bytes are a gap.
- A key log line of a megabyte makes a short problem, not a megabyte warning.
"""

from __future__ import annotations

from tlsviz.bundled import capture_path
from tlsviz.capture import CaptureReader, StreamData
from tlsviz.capture.tcp import (
    MAX_BUFFER_SEGMENTS,
    CaptureNote,
    StreamGap,
    TcpReassembler,
)
from tlsviz.keys.keylog import KeyLog
from tlsviz.wire.connection import ConnectionDecoder
from tlsviz.wire.fields import Diagnostic
from tlsviz.wire.message import Message
from tlsviz.wire.reassembly import MAX_MESSAGE, MAX_MESSAGE_RECORDS


def _server_stream() -> bytes:
    """The server's bytes of a bundled TLS 1.2 connection (ServerHello, Certificate...)."""
    return b"".join(
        ev.data
        for ev in CaptureReader(capture_path("tls12-ecdhe-rsa-aes128gcm.pcap"))
        if isinstance(ev, StreamData) and ev.direction == "server"
    )


def _records(data: bytes, size: int) -> bytes:
    return b"".join(
        bytes([22, 3, 3]) + len(data[i : i + size]).to_bytes(2, "big") + data[i : i + size]
        for i in range(0, len(data), size)
    )


def _events(stream: bytes, chunk: int = 0) -> list[Message | Diagnostic]:
    dec = ConnectionDecoder(certificates=False)
    pieces = (
        [stream] if not chunk else [stream[i : i + chunk] for i in range(0, len(stream), chunk)]
    )
    out: list[Message | Diagnostic] = []
    for piece in pieces:
        dec.receive_data("server", piece)
        out += dec.events()
    dec.close()
    return out + list(dec.events())


def _summary(events: list[Message | Diagnostic]) -> list[tuple[str, int, int]]:
    return [
        (e.type, e.offset, e.length) if isinstance(e, Message) else (e.message, e.offset, e.length)
        for e in events
    ]


def _split_after_server_hello(real: bytes) -> tuple[bytes, bytes]:
    n = 5 + int.from_bytes(real[3:5], "big")
    return real[:n], real[n:]


def test_a_message_declaring_too_much_is_skipped_and_the_next_ones_decode() -> None:
    hello, rest = _split_after_server_hello(_server_stream())
    body = bytes(MAX_MESSAGE + 1)
    big = _records(bytes([11]) + len(body).to_bytes(3, "big") + body, 0x4000)
    stream = hello + big + rest
    whole = _events(stream)
    diags = [e for e in whole if isinstance(e, Diagnostic)]
    assert [d.message for d in diags] == [
        f"a Certificate message of {MAX_MESSAGE + 1} bytes is longer than the {MAX_MESSAGE} "
        f"bytes tlsviz reassembles: all {MAX_MESSAGE + 5} of its bytes were skipped"
    ]
    # on the records that carried it, headers included
    assert diags[0].offset == len(hello) and diags[0].length == len(big)
    types = [e.type for e in whole if isinstance(e, Message)]
    assert types[:3] == ["ServerHello", "Certificate", "ServerKeyExchange"]
    # the same, fed in pieces that cut records and headers anywhere
    assert _summary(_events(stream, 977)) == _summary(whole)


def test_a_message_in_too_many_records_is_skipped() -> None:
    hello, rest = _split_after_server_hello(_server_stream())
    body = bytes(2 * MAX_MESSAGE_RECORDS)
    tiny = _records(bytes([11]) + len(body).to_bytes(3, "big") + body, 1)
    events = _events(hello + tiny + rest)
    [diag] = [e for e in events if isinstance(e, Diagnostic)]
    assert f"spread over more than the {MAX_MESSAGE_RECORDS} records" in diag.message
    assert diag.offset == len(hello) and diag.length == len(tiny)
    assert [e.type for e in events if isinstance(e, Message)][1] == "Certificate"


def test_a_skipped_message_the_stream_cuts_short() -> None:
    hello, _ = _split_after_server_hello(_server_stream())
    big = _records(bytes([11]) + (0xFFFFFF).to_bytes(3, "big") + bytes(50_000), 0x4000)
    [diag] = [e for e in _events(hello + big) if isinstance(e, Diagnostic)]
    assert diag.message == (
        f"a Certificate message of {0xFFFFFF} bytes is longer than the {MAX_MESSAGE} bytes "
        "tlsviz reassembles: 50004 bytes of it were skipped; then the stream ended"
    )


def test_tcp_data_beyond_a_hole_is_bounded_and_said_once() -> None:
    r = TcpReassembler()
    src, dst = b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02"
    r.packet = 7
    events = r.feed(0.0, src, 40000, dst, 443, 1000, 0, 0x02, b"")  # SYN
    # byte 0 never comes; bytes 1.. arrive one a segment
    for i in range(1, 2 * MAX_BUFFER_SEGMENTS + 10):
        events += r.feed(1.0, src, 40000, dst, 443, 1001 + i, 0, 0x10, b"x")
    notes = [e for e in events if isinstance(e, CaptureNote)]
    assert [n.message for n in notes] == [
        f"In the connection opened by packet 7, more than 1048576 bytes or "
        f"{MAX_BUFFER_SEGMENTS} segments of the client's data arrived after a hole in its "
        "stream; tlsviz stopped waiting for the missing bytes, which are reported as gaps."
    ]
    gaps = [e for e in events if isinstance(e, StreamGap)]
    assert gaps and gaps[0].offset == 0 and gaps[0].length == 1


def test_a_key_log_line_of_a_megabyte_makes_a_short_problem() -> None:
    log = KeyLog()
    log.add_text(f"{'X' * 1_000_000} {'ab' * 32} {'cd' * 48}\n{'Y' * 500_000} zz zz\n")
    assert [len(p.message) < 120 for p in log.problems] == [True, True]
    assert (
        log.problems[0].message.startswith("unknown label 'XXXX") and "…" in log.problems[0].message
    )


def test_a_hole_after_the_hellos_keeps_the_summary_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The summary's hello reader cannot cross a hole: the row is settled as it
    stands (it used to be dropped), with a key log too (the full key flow takes
    over from the quick check), and the buffer limit's note is a warning."""
    import contextlib
    import io

    from tests.test_bounded_cost import beyond_a_hole, write
    from tlsviz.cli import main

    path = write(tmp_path / "hole.pcapng", beyond_a_hole, 200_000)
    keys = capture_path("tls12-ecdhe-rsa-aes128gcm.keys")
    for extra in ([], ["--keylog", str(keys)]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            assert main(["decode", "--summary", str(path), *extra]) == 0
        [row] = out.getvalue().splitlines()
        assert "TLS 1.2  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256  sni=localhost" in row, row
        assert "stopped waiting for the missing bytes" in err.getvalue()
