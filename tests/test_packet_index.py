"""Opening one connection of a big capture from a packet index: the reading
starts near the connection's first packet instead of at the file's first, and
the connection comes out exactly as a reading from the start gives it."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tlsviz.capture.fastread import packet_index
from tlsviz.keys.loading import load_key_material
from tlsviz.session.export import connection_json
from tlsviz.source import _open_one, open_capture, open_connection

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = ROOT / "captures"


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Every bundled classic pcap one after the other (Wireshark's mergecap),
    and all their key logs in one."""
    if shutil.which("mergecap") is None:
        pytest.skip("mergecap (Wireshark) is not installed")
    folder = tmp_path_factory.mktemp("merged")
    caps = sorted(CAPTURES.glob("*.pcap"))
    out = folder / "all.pcap"
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", str(out), *map(str, caps)], check=True)
    keys = folder / "all.keys"
    keys.write_text("".join(p.read_text() for p in sorted(CAPTURES.glob("*.keys"))))
    keys.chmod(0o600)
    return out, keys


def test_index_points_at_the_packets_scapy_reads(merged: tuple[Path, Path]) -> None:
    from scapy.utils import RawPcapReader

    path, _ = merged
    index = packet_index(path, every=7)
    assert index is not None and index.every == 7
    data = path.read_bytes()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"M<\xb2\xa1") else ">"
    frames = [frame for frame, _meta in RawPcapReader(str(path))]
    assert len(index.offsets) == (len(frames) + 6) // 7
    for slot, offset in enumerate(index.offsets):
        caplen = struct.unpack_from(endian + "I", data, offset + 8)[0]
        assert data[offset + 16 : offset + 16 + caplen] == frames[slot * 7]


@pytest.mark.parametrize("every", [1, 3, 16])
def test_every_connection_opens_the_same_from_the_index(
    merged: tuple[Path, Path], every: int
) -> None:
    path, keys = merged
    material = load_key_material([keys], [], [], [])
    conns = list(open_capture(path, material=material))
    assert len(conns) >= 14  # 13 captures, one of them resumes
    index = packet_index(path, every=every)
    assert index is not None
    for conn in conns:
        # found from the index, not by the reading from the start it falls back on
        assert _open_one(path, conn.id, material, True, index.before(conn.id)) is not None
        fast = open_connection(path, conn.id, material, index=index)
        slow = open_connection(path, conn.id, material)
        assert fast is not None and slow is not None
        assert json.dumps(connection_json(fast)) == json.dumps(connection_json(slow))
        assert json.dumps(connection_json(fast)) == json.dumps(connection_json(conn))


def test_no_index_for_files_it_cannot_walk(tmp_path: Path) -> None:
    assert packet_index(CAPTURES / "tls13-aes128gcm.pcap") is not None
    pcapng = next(CAPTURES.glob("*.pcapng"))
    assert packet_index(pcapng) is None
    assert packet_index(tmp_path / "missing.pcap") is None
    damaged = tmp_path / "damaged.pcap"
    head = (CAPTURES / "tls13-aes128gcm.pcap").read_bytes()[:24]
    damaged.write_bytes(head + b"\0" * 8 + b"\xff\xff\xff\x7f" * 2)
    assert packet_index(damaged) is None
