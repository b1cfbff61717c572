"""Real captures, checked against tshark as an independent oracle.

Two sources: the public corpus in ../shared/corpus (skipped when absent),
and fresh loopback captures made here with tcpdump around openssl
s_server/s_client handshakes (skipped without root, tcpdump or openssl).
For every TCP stream, the bytes we reassemble per direction must equal
``tshark -q -z follow,tcp,raw,N``.
"""

from __future__ import annotations

import gzip
import os
import random
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPUS, needs_corpus
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
    read_capture,
)

WS = CORPUS / "wireshark" / "captures"
TSHARK = shutil.which("tshark")
OOO = ("-o", "tcp.reassemble_out_of_order:TRUE")

needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark absent")


#: One direction of a stream: data and missing-byte counts, adjacent runs merged.
Parts = list[bytes | int]


def _add(parts: Parts, item: bytes | int) -> None:
    if parts and type(parts[-1]) is type(item):
        parts[-1] += item  # type: ignore[operator]
    else:
        parts.append(item)


def _data(parts: Parts) -> bytes:
    return b"".join(p for p in parts if isinstance(p, bytes))


@dataclass
class Conn:
    client: str
    server: str
    c2s_parts: Parts
    s2c_parts: Parts
    reason: str | None

    @property
    def c2s(self) -> bytes:
        return _data(self.c2s_parts)

    @property
    def s2c(self) -> bytes:
        return _data(self.s2c_parts)

    @property
    def gaps(self) -> int:
        return sum(isinstance(p, int) for p in self.c2s_parts + self.s2c_parts)


def reassemble(path: Path) -> tuple[list[Conn], list[CaptureEvent]]:
    conns: dict[int, Conn] = {}
    # TCP only: tshark's "follow tcp" is the oracle here (UDP flows are DTLS's, tested apart)
    udp = {
        e.conn for e in read_capture(path) if isinstance(e, StreamOpened) and e.transport == "udp"
    }
    events = [e for e in read_capture(path) if getattr(e, "conn", None) not in udp]
    for e in events:
        if isinstance(e, StreamOpened):
            conns[e.conn] = Conn(str(e.client), str(e.server), [], [], None)
        elif isinstance(e, StreamData | StreamGap):
            c = conns[e.conn]
            parts = c.c2s_parts if e.direction == "client" else c.s2c_parts
            _add(parts, e.data if isinstance(e, StreamData) else e.length)
        elif isinstance(e, StreamClosed):
            conns[e.conn].reason = e.reason
    return list(conns.values()), events


_MISSING = re.compile(rb"\[(\d+) bytes missing in capture file\]\0?")


def tshark_follow(path: Path, extra: tuple[str, ...] = ()) -> list[tuple[str, str, Parts, Parts]]:
    """(node0, node1, node0's parts, node1's parts) for every TCP stream.

    tshark writes a hole as the hex of "[N bytes missing in capture file]";
    that becomes the int N.
    """
    assert TSHARK is not None
    ids = subprocess.run(
        [TSHARK, "-r", str(path), *extra, "-T", "fields", "-e", "tcp.stream"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    count = len({int(x) for x in ids if x})
    if not count:
        return []
    args = [TSHARK, "-r", str(path), *extra, "-q"]
    for i in range(count):
        args += ["-z", f"follow,tcp,raw,{i}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    result = []
    for block in out.split("=" * 67 + "\nFollow: tcp,raw\n")[1:]:
        lines = block.split("\n")
        node0 = lines[1].split(": ", 1)[1]
        node1 = lines[2].split(": ", 1)[1]
        d0: Parts = []
        d1: Parts = []
        for line in lines[3:]:
            if line.startswith("==="):
                break
            if not line:
                continue
            chunk = bytes.fromhex(line.lstrip("\t"))
            missing = _MISSING.fullmatch(chunk)
            _add(d1 if line.startswith("\t") else d0, int(missing[1]) if missing else chunk)
        result.append((node0, node1, d0, d1))
    assert len(result) == count
    return result


def _no_tail(parts: Parts) -> Parts:
    """tshark reports only holes between bytes it has; we also report a hole
    before a FIN (or below the peer's ACK) at the end."""
    return parts[:-1] if parts and isinstance(parts[-1], int) else parts


def assert_matches_tshark(path: Path, extra: tuple[str, ...] = ()) -> list[Conn]:
    """Same bytes, and same holes, in every direction of every stream."""
    ours, _ = reassemble(path)
    theirs = tshark_follow(path, extra)
    unmatched = list(ours)
    for n0, n1, d0, d1 in theirs:
        for c in unmatched:
            if {c.client, c.server} == {n0, n1}:
                break
        else:
            if not d0 and not d1:
                continue  # e.g. a lone late packet we rightly ignore
            raise AssertionError(f"no connection {n0} <-> {n1}")
        unmatched.remove(c)
        want = {n0: d0, n1: d1}
        assert _no_tail(c.c2s_parts) == want[c.client], f"{c.client} -> {c.server}"
        assert _no_tail(c.s2c_parts) == want[c.server], f"{c.server} -> {c.client}"
    assert all(not c.c2s_parts and not c.s2c_parts for c in unmatched)
    return ours


# -- the public corpus ----------------------------------------------------------------

CORPUS_FILES = [
    "wireshark/captures/retrans-tls.pcap",
    "wireshark/captures/tls-fragmented-handshakes.pcap.gz",
    "wireshark/captures/dmgr.pcapng",
    "wireshark/captures/tls12-dsb.pcapng",
    "wireshark/captures/rsasnakeoil2.pcap",
    "wireshark/captures/tls-renegotiation.pcap",
    "wireshark/captures/http2-data-reassembly.pcap",
    "wireshark/captures/dhe1.pcapng.gz",
    "ja4/tls-alpn-h2.pcap",
    "ja4/tls-sni.pcapng",
    "ja4/browsers-x509.pcapng",
    "zeek/tls-1.2-stream-keylog.pcap",
    "zeek/tls13-ech.pcap",
    # The server's last record arrives after the client's RST: still part of the stream.
    "mqtt-over-tls/TLS_13/mqtt_short_con_tls13_ses_res.pcapng",
]


@pytest.mark.corpus
@pytest.mark.tshark
@needs_corpus
@needs_tshark
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_streams_match_tshark(name: str) -> None:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} absent")
    conns = assert_matches_tshark(path)
    assert conns and all(c.gaps == 0 for c in conns)


@pytest.mark.corpus
@pytest.mark.tshark
@needs_corpus
@needs_tshark
def test_out_of_order_capture_matches_tshark_and_has_its_dsb() -> None:
    path = WS / "challenge01_ooo_stream.pcapng.gz"
    conns = assert_matches_tshark(path, OOO)
    assert len(conns) == 1 and conns[0].gaps == 0 and len(conns[0].s2c) > 1_000_000
    reader = CaptureReader(path)
    assert reader.link_type == 1
    secrets = [e for e in reader if isinstance(e, Secrets)]
    want = (WS / "challenge01_ooo_stream.dsb-keylog.txt").read_bytes()
    assert secrets == [Secrets(0x544C534B, want, None)]
    assert reader.packets == 1670 and reader.bytes_read == reader.file_size


@pytest.mark.corpus
@needs_corpus
def test_retransmission_edge_case_bytes() -> None:
    """Frame 2 resends frame 1's byte and adds 20: keep one copy of each byte."""
    path = WS / "retrans-tls.pcap"
    reader = CaptureReader(path)
    assert reader.link_type == 228
    conns, events = reassemble(path)
    assert conns[0].c2s == bytes.fromhex("1703030010") + b"\xaa" * 16
    assert [e.offset for e in events if isinstance(e, StreamData)] == [0, 1]


@pytest.mark.corpus
@needs_corpus
def test_tls12_dsb_has_two_secrets_in_file_order() -> None:
    _, events = reassemble(WS / "tls12-dsb.pcapng")
    kinds = [type(e).__name__ for e in events if not isinstance(e, StreamData)]
    assert kinds[:4] == ["Secrets", "StreamOpened", "Secrets", "StreamOpened"]
    secrets = [e for e in events if isinstance(e, Secrets)]
    assert all(s.kind == 0x544C534B and b"CLIENT_RANDOM " in s.data for s in secrets)
    assert len(secrets) == 2


@pytest.mark.corpus
@needs_corpus
def test_link_types_of_corpus_files() -> None:
    assert CaptureReader(WS / "dmgr.pcapng").link_type == 113
    assert CaptureReader(CORPUS / "ja4" / "tls-alpn-h2.pcap").link_type == 0
    conns, _ = reassemble(CORPUS / "ja4" / "tls-alpn-h2.pcap")
    assert conns[0].server == "[2606:4700::6811:d209]:443"
    assert CaptureReader(WS / "tls-fragmented-handshakes.pcap.gz").link_type == 228


@pytest.mark.corpus
@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "wireshark/captures/dmgr.pcapng",
        "wireshark/captures/challenge01_ooo_stream.pcapng.gz",
        "wireshark/captures/rsasnakeoil2.pcap",
    ],
)
def test_real_capture_cut_at_random_bytes(tmp_path: Path, name: str) -> None:
    data = (CORPUS / name).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rng = random.Random(name)
    cuts = [rng.randrange(len(data)) for _ in range(12)] + [0, 3, 30, len(data) - 1]
    for cut in cuts:
        path = tmp_path / f"cut{cut}.bin"
        path.write_bytes(data[:cut])
        try:
            reader = CaptureReader(path)
        except CaptureError as e:
            assert str(e).endswith(".") and "\n" not in str(e)
            continue
        events = list(reader)
        opened = {e.conn for e in events if isinstance(e, StreamOpened)}
        assert opened == {e.conn for e in events if isinstance(e, StreamClosed)}
        if cut > 200:
            assert any(isinstance(e, CaptureNote) for e in events)


# -- fresh loopback captures ------------------------------------------------------------

CAN_CAPTURE = (
    hasattr(os, "geteuid")
    and os.geteuid() == 0
    and shutil.which("tcpdump") is not None
    and shutil.which("openssl") is not None
)
needs_capture = pytest.mark.skipif(not CAN_CAPTURE, reason="needs root, tcpdump and openssl")


def _free_port(family: socket.AddressFamily) -> int:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveCaptures:
    v4: Path  # Ethernet on lo, IPv4
    v6_sll2: Path  # "any" interface, Linux cooked v2, IPv6
    v6_sll: Path  # "any" interface, Linux cooked v1, IPv6
    keylog: Path
    clients: int


def _tcpdump(out: Path, iface: str, port: int, linktype: str | None) -> subprocess.Popen[bytes]:
    args = ["tcpdump", "-i", iface, "-w", str(out), "-U", "--immediate-mode", "-s", "0", "-n"]
    if linktype:
        args += ["-y", linktype]
    proc = subprocess.Popen([*args, "tcp", "port", str(port)], stderr=subprocess.PIPE)
    assert proc.stderr is not None
    for _ in range(5):  # "listening on ..." once the socket is ready
        line = proc.stderr.readline()
        if b"listening" in line or not line:
            break
    if b"listening" not in line:
        proc.terminate()
        proc.wait(timeout=10)
        raise AssertionError(f"tcpdump did not start: {line!r}")
    return proc


def _handshakes(
    tmp: Path, family: str, port: int, keylog: Path, count: int, cert: Path, key: Path
) -> None:
    host = "::1" if family == "-6" else "127.0.0.1"
    server = subprocess.Popen(
        [
            "openssl",
            "s_server",
            family,
            "-accept",
            f"[{host}]:{port}" if family == "-6" else str(port),
            "-cert",
            str(cert),
            "-key",
            str(key),
            "-www",
            "-quiet",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:  # wait until the server listens
            try:
                socket.create_connection((host, port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "s_server did not start"
                time.sleep(0.05)
        for i in range(count):
            args = [
                "openssl",
                "s_client",
                family,
                "-connect",
                f"[{host}]:{port}" if family == "-6" else f"{host}:{port}",
                "-quiet",
                "-ign_eof",
                "-keylogfile",
                str(keylog),
            ]
            if i == 1:
                args.append("-tls1_2")
            out = subprocess.run(
                args, input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=20
            )
            assert b"HTTP/1.0 200" in out.stdout, out.stderr[-500:]
    finally:
        server.terminate()
        server.wait(timeout=10)


def _settle(paths: list[Path], quiet: float = 0.6, limit: float = 10.0) -> None:
    """Wait until tcpdump (-U writes each packet) has written the last FIN/ACKs:
    the files stop growing for `quiet` seconds. A fixed sleep lost packets
    when the machine was busy."""
    deadline = time.monotonic() + limit
    sizes: list[int] = []
    still = time.monotonic()
    while time.monotonic() < deadline:
        now = [p.stat().st_size if p.exists() else -1 for p in paths]
        if now != sizes:
            sizes, still = now, time.monotonic()
        elif time.monotonic() - still >= quiet:
            return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCaptures]:
    if not CAN_CAPTURE:
        pytest.skip("needs root, tcpdump and openssl")
    tmp = tmp_path_factory.mktemp("live")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ],
        check=True,
        capture_output=True,
    )
    caps = LiveCaptures(tmp / "v4.pcap", tmp / "v6.pcap", tmp / "v6sll.pcap", tmp / "keys.txt", 3)
    p4, p6 = _free_port(socket.AF_INET), _free_port(socket.AF_INET6)
    dumps: list[subprocess.Popen[bytes]] = []
    try:
        dumps.append(_tcpdump(caps.v4, "lo", p4, None))
        dumps.append(_tcpdump(caps.v6_sll2, "any", p6, "LINUX_SLL2"))
        dumps.append(_tcpdump(caps.v6_sll, "any", p6, "LINUX_SLL"))
        _handshakes(tmp, "-4", p4, caps.keylog, caps.clients, cert, key)
        _handshakes(tmp, "-6", p6, caps.keylog, caps.clients, cert, key)
        _settle([caps.v4, caps.v6_sll2, caps.v6_sll])
    finally:
        for proc in dumps:
            proc.terminate()
            proc.wait(timeout=10)
    yield caps


@pytest.mark.peers
@pytest.mark.tshark
@needs_capture
@needs_tshark
@pytest.mark.parametrize("which", ["v4", "v6_sll2", "v6_sll"])
def test_loopback_capture_matches_tshark(live: LiveCaptures, which: str) -> None:
    path: Path = getattr(live, which)
    reader = CaptureReader(path)
    assert reader.link_type == {"v4": 1, "v6_sll2": 276, "v6_sll": 113}[which]
    # Leave out the probes that waited for s_server to listen (no data).
    conns = [c for c in assert_matches_tshark(path) if c.c2s]
    assert len(conns) == live.clients, conns
    for c in conns:
        # Neither "no gaps" nor "always fin": even on loopback the capture
        # can miss a packet (seen on the "any" interface, a data segment or a
        # FIN); tshark then agrees on the hole, and without both FINs the
        # connection honestly ends with the capture ("eof").
        assert c.c2s.startswith(b"\x16\x03") and c.s2c.startswith(b"\x16\x03"), c
        assert c.reason in ("fin", "eof"), c
    assert any(c.reason == "fin" for c in conns), conns
    if which != "v4":
        assert conns[0].client.startswith("[::1]:")


@pytest.mark.peers
@needs_capture
def test_loopback_pcapng_with_injected_secrets(live: LiveCaptures, tmp_path: Path) -> None:
    editcap = shutil.which("editcap")
    if editcap is None:
        pytest.skip("editcap absent")
    ng = tmp_path / "v4.pcapng"
    with_keys = tmp_path / "v4-dsb.pcapng"
    subprocess.run([editcap, "-F", "pcapng", str(live.v4), str(ng)], check=True)
    subprocess.run(
        [editcap, "--inject-secrets", f"tls,{live.keylog}", str(ng), str(with_keys)], check=True
    )
    plain, _ = reassemble(live.v4)
    for path in (ng, with_keys):
        conns, events = reassemble(path)
        assert conns == plain
    _, events = reassemble(with_keys)
    assert isinstance(events[0], Secrets)
    assert events[0] == Secrets(0x544C534B, live.keylog.read_bytes(), None)
    assert sum(isinstance(e, Secrets) for e in events) == 1


@pytest.mark.peers
@needs_capture
def test_loopback_gzip_and_nanosecond_variants(live: LiveCaptures, tmp_path: Path) -> None:
    plain, plain_events = reassemble(live.v6_sll2)
    gz = tmp_path / "v6.capture"  # no telling extension: detected by magic
    gz.write_bytes(gzip.compress(live.v6_sll2.read_bytes()))
    conns, events = reassemble(gz)
    assert events == plain_events
    editcap = shutil.which("editcap")
    if editcap is None:
        return
    ns = tmp_path / "v6-ns.pcap"
    subprocess.run([editcap, "-F", "nsecpcap", str(live.v6_sll2), str(ns)], check=True)
    conns, events = reassemble(ns)
    assert conns == plain
    t_plain = [e.time for e in plain_events if isinstance(e, StreamData)]
    t_ns = [e.time for e in events if isinstance(e, StreamData)]
    assert t_ns == pytest.approx(t_plain, abs=1e-6)


@pytest.mark.peers
@pytest.mark.tshark
@needs_capture
@needs_tshark
def test_lost_segments_become_the_same_gaps_as_tshark(live: LiveCaptures, tmp_path: Path) -> None:
    """Delete data segments from a real capture: our holes and tshark's
    "[N bytes missing in capture file]" must agree, and so must the rest."""
    editcap = shutil.which("editcap")
    if editcap is None:
        pytest.skip("editcap absent")
    assert TSHARK is not None
    rows = subprocess.run(
        [
            TSHARK,
            "-r",
            str(live.v4),
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.len",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    frames: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row and row.split("\t")[3] != "0":
            number, stream, port, _ = row.split("\t")
            frames.setdefault((stream, port), []).append(number)
    # The second data segment of each direction that sent at least three.
    drop = [numbers[1] for numbers in frames.values() if len(numbers) >= 3]
    assert drop
    lossy = tmp_path / "lossy.pcap"
    subprocess.run([editcap, str(live.v4), str(lossy), *drop], check=True)
    conns = assert_matches_tshark(lossy)
    assert sum(c.gaps for c in conns) >= len(drop)
