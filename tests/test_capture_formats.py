"""Frame parsing and capture file formats, on frames and files built here.

Every header is packed by hand with struct so that each test states exactly
which bytes it feeds in (and no packet library is needed to make them).
"""

from __future__ import annotations

import gzip
import socket
import struct
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlsviz.capture import (
    CaptureError,
    CaptureEvent,
    CaptureNote,
    CaptureReader,
    Secrets,
    StreamClosed,
    StreamData,
    StreamGap,
    StreamOpened,
    iter_packets,
    parse_frame,
    read_capture,
)
from tlsviz.capture.packets import SKIP_FRAGMENT, SKIP_LINKTYPE, SUPPORTED_LINKTYPES

SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
C4, S4 = "192.0.2.1", "198.51.100.7"
C6, S6 = "2001:db8::1", "2001:db8::443"

# -- frame builders -------------------------------------------------------------


def tcp(
    sport: int,
    dport: int,
    seq: int,
    ack: int,
    flags: int,
    payload: bytes = b"",
    options: bytes = b"",
) -> bytes:
    doff = (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 65535, 0, 0) + (
        options + payload
    )


def ipv4(
    src: str,
    dst: str,
    l4: bytes,
    proto: int = 6,
    options: bytes = b"",
    frag: int = 0,
    total: int | None = None,
) -> bytes:
    ihl = 5 + len(options) // 4
    length = ihl * 4 + len(l4) if total is None else total
    return (
        struct.pack(
            "!BBHHHBBH4s4s",
            0x40 | ihl,
            0,
            length,
            1,
            frag,
            64,
            proto,
            0,
            socket.inet_aton(src),
            socket.inet_aton(dst),
        )
        + options
        + l4
    )


def ipv6(src: str, dst: str, l4: bytes, ext: Iterable[tuple[int, bytes]] = ()) -> bytes:
    """``ext`` is a list of (header type, header bytes without its next-header byte)."""
    chain = list(ext)
    body = b""
    for i, (_, hdr) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 6
        body += bytes([nxt]) + hdr
    first = chain[0][0] if chain else 6
    body += l4
    return (
        struct.pack(
            "!IHBB16s16s",
            6 << 28,
            len(body),
            first,
            64,
            socket.inet_pton(socket.AF_INET6, src),
            socket.inet_pton(socket.AF_INET6, dst),
        )
        + body
    )


def eth(l3: bytes, etype: int = 0x0800, vlans: Iterable[int] = ()) -> bytes:
    hdr = b"\x02" * 6 + b"\x04" * 6
    for tpid in vlans:
        hdr += struct.pack("!HH", tpid, 100)
    return hdr + struct.pack("!H", etype) + l3


def sll(l3: bytes, etype: int = 0x0800) -> bytes:
    return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, etype) + l3


def sll2(l3: bytes, etype: int = 0x0800) -> bytes:
    return struct.pack("!HHIHBB8s", etype, 0, 1, 772, 0, 6, b"\0" * 8) + l3


def null(l3: bytes, family: int, order: str = "<") -> bytes:
    return struct.pack(order + "I", family) + l3


def seg4(payload: bytes = b"hi", flags: int = ACK | PSH) -> bytes:
    return ipv4(C4, S4, tcp(40000, 443, 1001, 5001, flags, payload))


def seg6(payload: bytes = b"hi", ext: Iterable[tuple[int, bytes]] = ()) -> bytes:
    return ipv6(C6, S6, tcp(40000, 443, 1001, 5001, ACK | PSH, payload), ext)


# -- file builders ------------------------------------------------------------------


def pcap(
    frames: Iterable[tuple[float, bytes]],
    linktype: int = 1,
    order: str = "<",
    nano: bool = False,
    snaplen: int = 262144,
    cut: int | None = None,
) -> bytes:
    """A pcap file; ``cut`` caps each record's captured length (snap length)."""
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    scale = 10**9 if nano else 10**6
    for t, frame in frames:
        sec = int(t)
        frac = round((t - sec) * scale)
        data = frame if cut is None else frame[:cut]
        out += struct.pack(order + "IIII", sec, frac, len(data), len(frame)) + data
    return out


def _block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)


def shb(order: str = "<") -> bytes:
    return _block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(linktype: int, tsresol: int | None = None, order: str = "<") -> bytes:
    opts = b""
    if tsresol is not None:
        opts = struct.pack(order + "HH", 9, 1) + bytes([tsresol]) + b"\0\0\0"
        opts += struct.pack(order + "HH", 0, 0)
    return _block(order, 1, struct.pack(order + "HHI", linktype, 0, 262144) + opts)


def epb(iface: int, ts: int, frame: bytes, order: str = "<") -> bytes:
    return _block(
        order,
        6,
        struct.pack(order + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        + frame,
    )


def spb(frame: bytes, order: str = "<") -> bytes:
    return _block(order, 3, struct.pack(order + "I", len(frame)) + frame)


def dsb(data: bytes, kind: int = 0x544C534B, order: str = "<") -> bytes:
    return _block(order, 0x0A, struct.pack(order + "II", kind, len(data)) + data)


def conversation(frame_of: type | None = None) -> list[bytes]:
    """A complete IPv4 TCP connection as Ethernet frames: handshake, data both
    ways, FIN both ways."""

    def f(sport: int, dport: int, seq: int, ack: int, flags: int, data: bytes = b"") -> bytes:
        src, dst = (C4, S4) if sport == 40000 else (S4, C4)
        return eth(ipv4(src, dst, tcp(sport, dport, seq, ack, flags, data)))

    return [
        f(40000, 443, 1000, 0, SYN),
        f(443, 40000, 5000, 1001, SYN | ACK),
        f(40000, 443, 1001, 5001, ACK),
        f(40000, 443, 1001, 5001, ACK | PSH, b"client hello"),
        f(443, 40000, 5001, 1013, ACK | PSH, b"server hello!"),
        f(40000, 443, 1013, 5014, ACK | FIN),
        f(443, 40000, 5014, 1014, ACK | FIN),
        f(40000, 443, 1014, 5015, ACK),
    ]


def events_of(path: Path) -> list[CaptureEvent]:
    return list(read_capture(path))


def streams(events: list[CaptureEvent]) -> dict[tuple[int, str], bytes]:
    out: dict[tuple[int, str], bytes] = {}
    for e in events:
        if isinstance(e, StreamData):
            out[e.conn, e.direction] = out.get((e.conn, e.direction), b"") + e.data
    return out


EXPECTED = {(1, "client"): b"client hello", (1, "server"): b"server hello!"}

# -- parse_frame ------------------------------------------------------------------


def check_seg(result: object, src: str, dst: str, payload: bytes = b"hi") -> None:
    assert isinstance(result, tuple), result
    s, sport, d, dport, seq, ack, flags, data, wire_len = result
    fam = socket.AF_INET if ":" not in src else socket.AF_INET6
    assert socket.inet_ntop(fam, s) == src and socket.inet_ntop(fam, d) == dst
    assert (sport, dport, seq, ack, flags) == (40000, 443, 1001, 5001, ACK | PSH)
    assert data == payload and wire_len == len(payload)


@pytest.mark.parametrize(
    ("linktype", "frame", "src", "dst"),
    [
        (1, eth(seg4()), C4, S4),
        (1, eth(seg6(), 0x86DD), C6, S6),
        (1, eth(seg4(), vlans=[0x8100]), C4, S4),
        (1, eth(seg6(), 0x86DD, vlans=[0x88A8, 0x8100]), C6, S6),
        (101, seg4(), C4, S4),
        (101, seg6(), C6, S6),
        (12, seg4(), C4, S4),
        (14, seg6(), C6, S6),
        (228, seg4(), C4, S4),
        (229, seg6(), C6, S6),
        (113, sll(seg4()), C4, S4),
        (113, sll(seg6(), 0x86DD), C6, S6),
        (276, sll2(seg4()), C4, S4),
        (276, sll2(seg6(), 0x86DD), C6, S6),
        (0, null(seg4(), 2), C4, S4),
        (0, null(seg4(), 2, ">"), C4, S4),
        (0, null(seg6(), 24), C6, S6),
        (0, null(seg6(), 28, ">"), C6, S6),
        (0, null(seg6(), 30), C6, S6),
        (108, null(seg4(), 2, ">"), C4, S4),
        (108, null(seg6(), 24, "<"), C6, S6),
    ],
)
def test_link_types(linktype: int, frame: bytes, src: str, dst: str) -> None:
    assert linktype in SUPPORTED_LINKTYPES
    check_seg(parse_frame(linktype, frame), src, dst)


def test_ipv4_options_and_ethernet_padding() -> None:
    frame = eth(
        ipv4(C4, S4, tcp(40000, 443, 1001, 5001, ACK | PSH, b"hi"), options=b"\x01\x01\x01\x00")
    )
    check_seg(parse_frame(1, frame + b"\0" * 20), C4, S4)


def test_tcp_options_are_skipped() -> None:
    frame = ipv4(
        C4,
        S4,
        tcp(40000, 443, 1001, 5001, ACK | PSH, b"hi", options=b"\x01\x01\x08\x0a" + b"\0" * 8),
    )
    check_seg(parse_frame(101, frame), C4, S4)


def test_ipv6_extension_headers() -> None:
    hop = (0, b"\0" + b"\x01\x04\0\0\0\0")  # Hdr Ext Len 0: 8 bytes, PadN
    routing = (43, b"\x00" + b"\0" * 6)
    dest = (60, b"\x01" + b"\0" * 14)  # 16 bytes
    first_frag = (44, b"\0" + struct.pack("!HI", 0x0001, 7))  # offset 0, M=1
    frame = seg6(ext=[hop, routing, dest, first_frag])
    check_seg(parse_frame(229, frame), C6, S6)


def test_non_first_fragments_are_skipped() -> None:
    later6 = (44, b"\0" + struct.pack("!HI", (100 << 3) | 1, 7))
    assert parse_frame(229, seg6(ext=[later6])) == SKIP_FRAGMENT
    later4 = ipv4(C4, S4, b"x" * 40, frag=0x2000 | 10)
    assert parse_frame(101, later4) == SKIP_FRAGMENT
    first4 = ipv4(C4, S4, tcp(40000, 443, 1001, 5001, ACK | PSH, b"hi"), frag=0x2000)
    check_seg(parse_frame(101, first4), C4, S4)


def test_not_tcp_is_none() -> None:
    udp = ipv4(C4, S4, b"\0" * 12, proto=17)
    assert parse_frame(101, udp) is None
    assert parse_frame(1, eth(b"\0" * 28, 0x0806)) is None  # ARP
    assert parse_frame(0, null(seg4(), 7)) is None  # unknown family
    assert parse_frame(1, b"") is None
    assert parse_frame(101, b"\x45") is None
    assert parse_frame(147, seg4()) == SKIP_LINKTYPE


def test_snaplen_cut_payload_reports_wire_length() -> None:
    frame = eth(seg4(b"x" * 100))
    res = parse_frame(1, frame[: 14 + 20 + 20 + 30])
    assert isinstance(res, tuple)
    assert res[7] == b"x" * 30 and res[8] == 100
    assert parse_frame(1, frame[: 14 + 20 + 10]) is None  # TCP header cut


def test_tso_total_length_zero_uses_captured_bytes() -> None:
    frame = ipv4(C4, S4, tcp(40000, 443, 1001, 5001, ACK | PSH, b"hi"), total=0)
    check_seg(parse_frame(101, frame), C4, S4)


_VALID = [
    (1, eth(seg4())),
    (1, eth(seg6(b"abc"), 0x86DD, vlans=[0x8100])),
    (113, sll(seg4())),
    (276, sll2(seg6(), 0x86DD)),
    (0, null(seg6(), 30)),
    (101, seg4()),
    (229, seg6(ext=[(0, b"\0" * 7), (44, b"\0" * 7)])),
]


def _check_result(res: object) -> None:
    assert (
        res is None
        or res in (SKIP_FRAGMENT, SKIP_LINKTYPE)
        or (
            isinstance(res, tuple)
            and len(res) == 9
            and isinstance(res[7], bytes)
            and res[8] >= len(res[7])
            and all(isinstance(res[i], int) for i in (1, 3, 4, 5, 6))
        )
    ), res


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([*sorted(SUPPORTED_LINKTYPES), 147]), st.binary(max_size=120))
def test_random_frames_never_raise(linktype: int, frame: bytes) -> None:
    _check_result(parse_frame(linktype, frame))


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(_VALID),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6),
    st.integers(0, 200),
)
def test_mutated_frames_never_raise(
    valid: tuple[int, bytes], flips: list[tuple[int, int]], cut: int
) -> None:
    linktype, frame = valid
    buf = bytearray(frame)
    for pos, val in flips:
        if pos < len(buf):
            buf[pos] = val
    _check_result(parse_frame(linktype, bytes(buf)))
    _check_result(parse_frame(linktype, bytes(buf[:cut])))


# -- pcap and pcapng files ------------------------------------------------------------


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nano", [False, True])
def test_pcap_byte_orders_and_precision(tmp_path: Path, order: str, nano: bool) -> None:
    frames = conversation()
    path = tmp_path / "c.pcap"
    path.write_bytes(
        pcap([(1700000000.25 + i, f) for i, f in enumerate(frames)], order=order, nano=nano)
    )
    pkts = list(iter_packets(path))
    assert [p[2] for p in pkts] == frames
    assert pkts[0][0] == pytest.approx(1700000000.25) and pkts[0][1] == 1
    evs = events_of(path)
    assert streams(evs) == EXPECTED
    assert [type(e) for e in evs if not isinstance(e, StreamData)] == [StreamOpened, StreamClosed]
    last = evs[-1]
    assert isinstance(last, StreamClosed) and last.reason == "fin"
    assert last.time == pytest.approx(1700000006.25)


def test_pcapng_interfaces_tsresol_spb_and_dsb_order(tmp_path: Path) -> None:
    conv = conversation()
    raw = [f[14:] for f in conv]  # the same packets as raw IP
    body = shb() + idb(1) + idb(101, tsresol=9) + dsb(b"CLIENT_RANDOM aa bb\n")
    body += epb(0, 1_700_000_000_000_000, conv[0])  # microseconds (default)
    body += epb(1, 1_700_000_001_000_000_000, raw[1])  # nanoseconds
    body += dsb(b"second\n", kind=0x12345678)
    body += spb(conv[2])  # SPB: interface 0, no time of its own
    for i in range(3, 8):
        body += epb(
            i % 2,
            (1_700_000_002 + i) * (10**6 if i % 2 == 0 else 10**9),
            conv[i] if i % 2 == 0 else raw[i],
        )
    path = tmp_path / "x.pcapng"
    path.write_bytes(body)
    reader = CaptureReader(path)
    assert reader.link_type == 1
    evs = list(reader)
    kinds = [type(e).__name__ for e in evs if not isinstance(e, StreamData)]
    assert kinds == ["Secrets", "StreamOpened", "Secrets", "StreamClosed"]
    secrets = [e for e in evs if isinstance(e, Secrets)]
    assert secrets == [
        Secrets(0x544C534B, b"CLIENT_RANDOM aa bb\n", None),
        Secrets(0x12345678, b"second\n", None),
    ]
    assert streams(evs) == EXPECTED
    pkts = list(iter_packets(path))
    assert [lt for _, lt, _ in pkts] == [1, 101, 1, 101, 1, 101, 1, 101]
    assert pkts[1][0] == pytest.approx(1_700_000_001.0)
    assert pkts[2][0] == pkts[1][0]  # the SPB inherits the last time
    assert reader.packets == 8 and reader.bytes_read == reader.file_size == len(body)


def test_pcapng_big_endian_and_second_section(tmp_path: Path) -> None:
    conv = conversation()
    body = (
        shb(">") + idb(1, order=">") + b"".join(epb(0, i, f, ">") for i, f in enumerate(conv[:4]))
    )
    # A new section restarts interface numbering: interface 0 is now raw IP.
    body += shb("<") + idb(101) + b"".join(epb(0, 9, f[14:]) for f in conv[4:])
    path = tmp_path / "two.pcapng"
    path.write_bytes(body)
    assert streams(events_of(path)) == EXPECTED


@pytest.mark.parametrize("name", ["c.pcap.gz", "c.txt", "c.pcapng"])
def test_gzip_is_detected_by_magic(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith("pcapng"):
        path.write_bytes(
            gzip.compress(shb() + idb(1) + b"".join(epb(0, 1, f) for f in conversation()))
        )
    else:
        path.write_bytes(gzip.compress(pcap([(1.0, f) for f in conversation()])))
    reader = read_capture(path)
    assert streams(list(reader)) == EXPECTED
    assert reader.bytes_read == reader.file_size


def test_reader_can_iterate_twice_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "c.pcap"
    path.write_bytes(pcap([(1.0, f) for f in conversation()]))
    reader = CaptureReader(path)
    assert reader.packets == 0 and reader.file_size == path.stat().st_size
    first = list(reader)
    assert reader.packets == 8
    assert list(reader) == first


def test_ignore_from_the_consumer(tmp_path: Path) -> None:
    path = tmp_path / "c.pcap"
    path.write_bytes(pcap([(1.0, f) for f in conversation()]))
    reader = CaptureReader(path)
    seen = []
    for ev in reader:
        seen.append(ev)
        if isinstance(ev, StreamOpened):
            reader.ignore(ev.conn)
    assert [type(e) for e in seen] == [StreamOpened]


def test_unsupported_link_type_is_noted_once(tmp_path: Path) -> None:
    path = tmp_path / "c.pcap"
    path.write_bytes(pcap([(1.0, b"\0" * 40)] * 3, linktype=147))
    evs = events_of(path)
    assert evs == [CaptureNote("Packets with link type 147 are not supported and were skipped.")]


def test_snaplen_cut_capture_reports_gaps(tmp_path: Path) -> None:
    frames = conversation()
    big = eth(ipv4(C4, S4, tcp(40000, 443, 1013, 5014, ACK | PSH, b"y" * 200)))
    frames.insert(5, big)
    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap([(1.0, f) for f in frames], snaplen=100, cut=100))
    evs = events_of(path)
    gaps = [e for e in evs if isinstance(e, StreamGap)]
    assert [(g.direction, g.offset, g.length) for g in gaps] == [("client", 12 + 46, 154)]


def test_fragment_note(tmp_path: Path) -> None:
    frames = [eth(ipv4(C4, S4, b"x" * 40, frag=0x2000 | 10))] * 2
    path = tmp_path / "frag.pcap"
    path.write_bytes(pcap([(1.0, f) for f in frames]))
    evs = events_of(path)
    assert len(evs) == 1 and isinstance(evs[0], CaptureNote) and "fragment" in evs[0].message


# -- errors ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError) as e:
        CaptureReader(tmp_path / "nope.pcap")
    assert str(e.value) == f"'{tmp_path / 'nope.pcap'}' does not exist."
    with pytest.raises(CaptureError):
        iter_packets(tmp_path / "nope.pcap")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="is a folder"):
        read_capture(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty."),
        (b"hello, this is text\n", "is not a pcap or pcapng file."),
        (b"\xd4\xc3", "is not a pcap or pcapng file."),
        (
            gzip.compress(b"text inside gzip", mtime=0),
            "is compressed but holds no pcap or pcapng capture.",
        ),
        (b"\x1f\x8b\x08\x00garbage", "is a gzip file that cannot be decompressed."),
        (b"\xd4\xc3\xb2\xa1\x02\x00", "is damaged: its pcap header cannot be read."),
        (b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00", "is damaged: its pcapng header cannot be read."),
    ],
    ids=["empty", "text", "short", "gzip-text", "bad-gzip", "pcap-header", "pcapng-header"],
)
@pytest.mark.parametrize("fast", [False, True], ids=["scapy", "mapped"])
def test_not_a_capture(tmp_path: Path, content: bytes, message: str, fast: bool) -> None:
    """The same sentence whether scapy's reader checks the header or the
    memory-mapped reader's own check does (it loads no scapy)."""
    path = tmp_path / "x.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError) as e:
        CaptureReader(path, fast=fast)
    assert str(e.value) == f"'{path}' {message}"


def _cut_events(
    tmp_path: Path, data: bytes, cut: int, compress: bool = False
) -> list[CaptureEvent]:
    path = tmp_path / "cut.bin"
    part = data[:cut]
    path.write_bytes(gzip.compress(part) if compress else part)
    try:
        reader = CaptureReader(path)
    except CaptureError:
        return []
    evs = list(reader)
    ends = [
        e
        for e in evs
        if isinstance(e, CaptureNote)
        and "capture" in e.message
        and ("ends" in e.message or "damaged" in e.message)
    ]
    assert len(ends) <= 1
    # The stream still ends properly: every opened connection is closed.
    opened = {e.conn for e in evs if isinstance(e, StreamOpened)}
    closed = {e.conn for e in evs if isinstance(e, StreamClosed)}
    assert opened == closed
    return evs


def test_truncated_pcap_mid_packet_and_at_boundary(tmp_path: Path) -> None:
    frames = conversation()
    data = pcap([(1.0, f) for f in frames])
    whole = len(data)
    last = 16 + len(frames[-1])
    evs = _cut_events(tmp_path, data, whole - 5)
    assert (
        CaptureNote("The capture ends in the middle of a packet; the last packet was ignored.")
        in evs
    )
    assert streams(evs) == EXPECTED
    evs = _cut_events(tmp_path, data, whole - last + 7)  # inside a record header
    assert any(isinstance(e, CaptureNote) for e in evs)
    evs = _cut_events(tmp_path, data, whole - last)  # exactly between records
    assert not any(isinstance(e, CaptureNote) for e in evs)
    assert [e.reason for e in evs if isinstance(e, StreamClosed)] == ["fin"]


def test_truncated_pcapng_mid_block(tmp_path: Path) -> None:
    blocks = [shb() + idb(1)] + [epb(0, 1, f) for f in conversation()]
    data = b"".join(blocks)
    note = CaptureNote("The capture ends in the middle of a packet; the last packet was ignored.")
    evs = _cut_events(tmp_path, data, len(data) - 3)  # in the last ACK, after both FINs
    assert evs[-1] == note
    assert [e.reason for e in evs if isinstance(e, StreamClosed)] == ["fin"]
    cut = len(b"".join(blocks[:5])) + 30  # inside the server's data packet
    evs = _cut_events(tmp_path, data, cut)
    assert [type(e).__name__ for e in evs[-2:]] == ["CaptureNote", "StreamClosed"]
    assert evs[-2] == note and evs[-1].reason == "eof"  # type: ignore[union-attr]
    assert streams(evs) == {(1, "client"): b"client hello"}


def test_damaged_pcapng_later_in_the_file(tmp_path: Path) -> None:
    good = shb() + idb(1) + b"".join(epb(0, 1, f) for f in conversation()[:4])
    bad = struct.pack("<II", 6, 8) + b"\0" * 64  # block length below the minimum
    evs = _cut_events(tmp_path, good + bad, len(good + bad))
    assert (
        CaptureNote("The capture file is damaged after packet 4; the rest of it was ignored.")
        in evs
    )


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(pcap([(1.0, f) for f in conversation()]))
    path = tmp_path / "cut.pcap.gz"
    path.write_bytes(data[:-12])  # loses the gzip trailer and some deflate data
    evs = list(read_capture(path))
    assert (
        isinstance(evs[-2], CaptureNote)
        or isinstance(evs[-1], CaptureNote)
        or any(isinstance(e, CaptureNote) for e in evs)
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 10_000), st.booleans(), st.booleans())
def test_any_cut_point_is_handled(tmp_path: Path, cut: int, ng: bool, compress: bool) -> None:
    frames = conversation()
    if ng:
        data = shb() + idb(1) + dsb(b"k\n") + b"".join(epb(0, 1, f) for f in frames)
    else:
        data = pcap([(1.0, f) for f in frames])
    _cut_events(tmp_path, data, cut % (len(data) + 1), compress)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), min_size=1, max_size=8),
    st.booleans(),
)
def test_corrupted_bytes_are_handled(
    tmp_path: Path, flips: list[tuple[int, int]], ng: bool
) -> None:
    frames = conversation()
    if ng:
        data = bytearray(shb() + idb(1) + b"".join(epb(0, 1, f) for f in frames))
    else:
        data = bytearray(pcap([(1.0, f) for f in frames]))
    for pos, val in flips:
        data[pos % len(data)] = val
    _cut_events(tmp_path, bytes(data), len(data))


def test_import_is_cheap() -> None:
    """scapy is imported only when a capture is opened."""
    code = "import sys, tlsviz.capture; print(any(m.startswith('scapy') for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "False"
