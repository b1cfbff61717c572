"""pcapng output: TCP framing and the pcapng writer, round-tripped through our
own capture reader and checked by tshark (no TCP warnings, DSB read back).

The conversations here are made up (no TLS needed to test framing); the
real handshakes are in test_record_embedded.py and test_record_remote.py.
"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tshark_oracle import tshark_expert_warnings
from tlsviz.capture import CaptureReader, Secrets, StreamClosed, StreamData, StreamOpened
from tlsviz.capture.framer import LINKTYPE_RAW, TcpFramer, checksum
from tlsviz.capture.packets import parse_frame
from tlsviz.capture.pcapng_out import dsb_block, write_capture
from tlsviz.capture.record import Conversation, Recording, merge_keylogs

KEYLOG = (
    "CLIENT_RANDOM " + "11" * 32 + " " + "22" * 48 + "\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET " + "33" * 32 + " " + "44" * 32 + "\n"
)


def _rfc1071(data: bytes) -> int:
    """The checksum as RFC 1071 §4.1 computes it, word by word."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_checksum_matches_rfc1071(data: bytes) -> None:
    assert checksum(data) == _rfc1071(data)


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\xff\xff", b"\xff\xff\xff\xff"])
def test_checksum_edges(data: bytes) -> None:
    assert checksum(data) == _rfc1071(data)


def _conversation(v6: bool = False) -> Conversation:
    ip = "::1" if v6 else "127.0.0.1"
    t = 1_700_000_000.0
    conv = Conversation((ip, 50123), (ip, 443), t, t + 0.0001)
    conv.add("client", b"hello " * 50, t + 0.001)
    conv.add("server", bytes(range(256)) * 700, t + 0.002)  # 179200 bytes: many segments
    conv.add("client", b"x", t + 0.003)
    conv.add("server", b"bye", t + 0.004)
    conv.close("server", when=t + 0.005)
    conv.close("client", when=t + 0.006)
    return conv


@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_frames_parse_back_with_valid_checksums(v6: bool) -> None:
    conv = _conversation(v6)
    packets = conv.packets(isn=(0xFFFFFFF0, 7))  # the client's numbers wrap at once
    first = packets[0][1]
    for _, pkt in packets:
        seg = parse_frame(LINKTYPE_RAW, pkt)
        assert isinstance(seg, tuple)
        if v6:
            assert pkt[0] >> 4 == 6 and pkt[6] == 6
            src, dst, tcp = pkt[8:24], pkt[24:40], pkt[40:]
            pseudo = src + dst + struct.pack("!I3xB", len(tcp), 6)
        else:
            assert checksum(pkt[:20]) == 0  # a valid IPv4 header sums to zero
            src, dst, tcp = pkt[12:16], pkt[16:20], pkt[20:]
            pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        assert checksum(pseudo + tcp) == 0
        assert len(seg[7]) <= (1440 if v6 else 1460)
    assert parse_frame(LINKTYPE_RAW, first)[6] == 0x02  # type: ignore[index]  # SYN first


def test_sequence_numbers_and_flags() -> None:
    f = TcpFramer(("10.0.0.1", 1000), ("10.0.0.2", 443), mtu=140, isn=(100, 5000))
    syn, synack, ack = (parse_frame(LINKTYPE_RAW, p) for _, p in f.open(1.0))
    assert (syn[4], syn[6]) == (100, 0x02)  # type: ignore[index]
    assert (synack[4], synack[5], synack[6]) == (5000, 101, 0x12)  # type: ignore[index]
    assert (ack[4], ack[5], ack[6]) == (101, 5001, 0x10)  # type: ignore[index]
    segs = [parse_frame(LINKTYPE_RAW, p) for _, p in f.send("client", b"a" * 150, 2.0)]
    assert [(s[4], len(s[7]), s[6]) for s in segs] == [  # type: ignore[index]
        (101, 100, 0x10),  # MSS = 140 - 40
        (201, 50, 0x18),  # PSH on the chunk's last segment
    ]
    fin = parse_frame(LINKTYPE_RAW, f.fin("server", 3.0)[0][1])
    assert (fin[4], fin[5], fin[6]) == (5001, 251, 0x11)  # type: ignore[index]
    last = [parse_frame(LINKTYPE_RAW, p) for _, p in f.fin("client", 3.1)]
    assert [(s[4], s[5], s[6]) for s in last] == [  # type: ignore[index]
        (251, 5002, 0x11),
        (5002, 252, 0x10),  # the last ACK, from the side that closed first
    ]
    assert f.closed
    with pytest.raises(ValueError):
        f.send("client", b"late", 4.0)


def test_receiver_acks_before_the_window_fills() -> None:
    f = TcpFramer(("10.0.0.1", 1000), ("10.0.0.2", 443), isn=(0, 0))
    f.open(0.0)
    sent = acked = 0
    acks = 0
    for _, p in f.send("server", b"z" * 300_000, 1.0):
        seg = parse_frame(LINKTYPE_RAW, p)
        assert isinstance(seg, tuple)
        if seg[0] == bytes([10, 0, 0, 2]):
            sent += len(seg[7])
            assert sent - acked < 65535  # in flight: never a full window
        else:
            assert not seg[7] and seg[6] == 0x10  # a pure ACK from the client
            acked = seg[5] - 1  # relative to the server's ISN + SYN
            assert acked == sent
            acks += 1
    assert acks >= 300_000 // 65535


def test_framer_rejects_mixed_families() -> None:
    with pytest.raises(ValueError):
        TcpFramer(("127.0.0.1", 1), ("::1", 2))


def test_pcapng_round_trip_through_our_reader(tmp_path: Path) -> None:
    """Our reader gets back the key log (as a Secrets event, before any
    packet) and exactly the bytes each side sent."""
    conv = _conversation()
    path = tmp_path / "x.pcapng"
    rec = Recording([conv], keylog=KEYLOG, notes=["made by a test"])
    n = rec.write_pcapng(path)
    assert n == len(conv.packets())
    events = list(CaptureReader(path))
    assert isinstance(events[0], Secrets)
    assert events[0].kind == 0x544C534B and events[0].data == KEYLOG.encode()
    opened = [e for e in events if isinstance(e, StreamOpened)]
    assert [(str(e.client), str(e.server), e.syn_seen) for e in opened] == [
        ("127.0.0.1:50123", "127.0.0.1:443", True)
    ]
    for direction in ("client", "server"):
        got = b"".join(
            e.data for e in events if isinstance(e, StreamData) and e.direction == direction
        )
        assert got == conv.sent(direction)
    assert [e.reason for e in events if isinstance(e, StreamClosed)] == ["fin"]
    first = next(e for e in events if isinstance(e, StreamData))
    assert first.time == pytest.approx(conv.chunks[0].time, abs=1e-6)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5])
def test_dsb_is_padded_to_32_bits(size: int) -> None:
    block = dsb_block(b"k" * size)
    assert len(block) % 4 == 0
    btype, total = struct.unpack_from("<II", block)
    assert btype == 0x0A and total == len(block) == struct.unpack_from("<I", block, total - 4)[0]
    assert struct.unpack_from("<II", block, 8) == (0x544C534B, size)


def test_empty_keylog_writes_no_dsb(tmp_path: Path) -> None:
    path = tmp_path / "x.pcapng"
    with open(path, "wb") as out:
        write_capture(out, LINKTYPE_RAW, _conversation().packets())
    assert not any(isinstance(e, Secrets) for e in CaptureReader(path))


def test_merge_keylogs_dedupes_in_order() -> None:
    a = "# comment\nB x y\nA x y\n"
    b = "A x y\n\nC x y\n"
    assert merge_keylogs([a, b]) == "B x y\nA x y\nC x y\n"


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize("v6", [False, True], ids=["ipv4", "ipv6"])
def test_tshark_reads_it_without_tcp_complaints(tmp_path: Path, v6: bool) -> None:
    rng = random.Random(7)
    ip = "::1" if v6 else "127.0.0.1"
    rec = Recording(notes=["a comment"])
    t = 1_700_000_000.0
    for i in range(3):  # three connections, one after another
        conv = Conversation((ip, 40000 + i), (ip, 443), t, t + 1e-4)
        for k in range(6):
            size = rng.choice([1, 100, 1460, 5000, 70_000])
            conv.add("client" if k % 2 == 0 else "server", rng.randbytes(size), t + 1e-3 * k)
        conv.close("client", when=t + 0.01)
        conv.close("server", when=t + 0.011)
        rec.connections.append(conv)
        t += 1.0
    path = tmp_path / "x.pcapng"
    rec.write_pcapng(path)
    expert = tshark_expert_warnings(path)
    assert "TCP" not in expert, expert
    bad = subprocess.run(
        ["tshark", "-r", str(path), "-o", "tcp.check_checksum:TRUE", "-Y",
         "tcp.checksum.status == 0 || ip.checksum.status == 0 || tcp.analysis.flags"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert bad.strip() == ""
    streams = subprocess.run(
        ["tshark", "-r", str(path), "-T", "fields", "-e", "tcp.stream"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert sorted(set(streams)) == ["0", "1", "2"]
