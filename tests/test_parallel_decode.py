"""``decode`` and ``decode --json`` on several processes give the output one
process gives: the same connections, each exactly the same, in the same order
(also where a connection's end is noticed late: a reset's grace period ends
on a packet another process follows)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tlsviz.capture.fastread import in_shard
from tlsviz.capture.framer import checksum
from tlsviz.cli_decode import _decode_jobs
from tlsviz.parallel_decode import port_shards

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = ROOT / "captures"
MAIN = "import sys; from tlsviz.cli import main; sys.exit(main(sys.argv[1:]))"


def _merge(folder: Path, caps: list[Path]) -> tuple[Path, Path]:
    """The captures one after the other (Wireshark's mergecap; pcapng, so the
    DTLS one can be in too), and all the bundled key logs in one."""
    if shutil.which("mergecap") is None:
        pytest.skip("mergecap (Wireshark) is not installed")
    out = folder / "all.pcapng"
    subprocess.run(["mergecap", "-a", "-w", str(out), *map(str, caps)], check=True)
    keys = folder / "all.keys"
    keys.write_text("".join(p.read_text() for p in sorted(CAPTURES.glob("*.keys"))))
    keys.chmod(0o600)
    return out, keys


BUNDLED = sorted(p for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Every bundled capture: resumed connections among them (split by id)."""
    return _merge(tmp_path_factory.mktemp("merged"), BUNDLED)


@pytest.fixture(scope="module")
def unresumed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled captures without a resumption (split by ports)."""
    caps = [p for p in BUNDLED if "resum" not in p.name]
    return _merge(tmp_path_factory.mktemp("unresumed"), caps)


def _replicated(source: Path, out: Path, copies: int, spacing: float) -> None:
    """The one TCP connection of the classic pcap ``source`` (Ethernet/IPv4),
    played ``copies`` times ``spacing`` seconds apart, each from its own client
    port, in time order: real bytes, only a port and the times rewritten (and
    the TCP checksum made again, RFC 9293 §3.1)."""
    data = source.read_bytes()
    head, pos, packets = data[:24], 24, []
    while pos + 16 <= len(data):
        sec, usec, caplen, wire = struct.unpack_from("<IIII", data, pos)
        packets.append((sec + usec / 1e6, wire, data[pos + 16 : pos + 16 + caplen]))
        pos += 16 + caplen
    client = struct.unpack_from(">H", packets[0][2], 34)[0]  # the SYN's source port
    records = []
    for i in range(copies):
        port = client + 37 * (i + 1)  # spread over the port hash
        for t, wire, frame in packets:
            f = bytearray(frame)
            for at in (34, 36):
                if struct.unpack_from(">H", f, at)[0] == client:
                    struct.pack_into(">H", f, at, port)
            total = struct.unpack_from(">H", f, 16)[0]
            f[50:52] = b"\0\0"
            segment = bytes(f[34 : 14 + total])
            pseudo = bytes(f[26:34]) + struct.pack(">BBH", 0, 6, len(segment))
            struct.pack_into(">H", f, 50, checksum(pseudo + segment))
            records.append((round((t + i * spacing) * 1e6), wire, bytes(f)))
    records.sort(key=lambda r: r[0])  # (stable: a copy's packets keep their order)
    with open(out, "wb") as w:
        w.write(head)
        for us, wire, frame in records:
            w.write(struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(frame), wire))
            w.write(frame)


@pytest.fixture(scope="module")
def resets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """mqtt-mtls.pcap's connection, which its server ends with a FIN and a RST,
    40 times 4 ms apart: each grace period ends on a packet of a connection
    that one of several processes follows and the others skip."""
    folder = tmp_path_factory.mktemp("resets")
    out = folder / "resets.pcap"
    _replicated(CAPTURES / "mqtt-mtls.pcap", out, 40, 0.004)
    keys = folder / "resets.keys"
    keys.write_bytes((CAPTURES / "mqtt-mtls.keys").read_bytes())
    keys.chmod(0o600)
    return out, keys


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_ends_after_a_grace_period_come_in_one_process_order(
    jobs: str, resets: tuple[Path, Path]
) -> None:
    path, keys = resets
    one = _decode("--json", str(path), "--keylog", str(keys), "--jobs", "1")
    doc = json.loads(one)
    conns = doc["connections"]
    assert len(conns) == 40
    assert {c["closed"] for c in conns} == {"rst"}
    verified = [c for c in conns if c["keys"] and c["keys"]["status"] == "verified"]
    assert len(verified) == 40
    assert _decode("--json", str(path), "--keylog", str(keys), "--jobs", jobs) == one
    text = _decode(str(path), "--keylog", str(keys), "--jobs", "1")
    assert _decode(str(path), "--keylog", str(keys), "--jobs", jobs) == text


def _decode(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", MAIN, "decode", *args], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    ("capture", "jobs"), [("merged", "2"), ("merged", "3"), ("unresumed", "2")]
)
def test_json_on_several_processes_is_the_same(
    capture: str, jobs: str, request: pytest.FixtureRequest
) -> None:
    path, keys = request.getfixturevalue(capture)
    one = json.loads(_decode("--json", str(path), "--keylog", str(keys), "--jobs", "1"))
    many = json.loads(_decode("--json", str(path), "--keylog", str(keys), "--jobs", jobs))
    assert len(one["connections"]) >= 18
    assert one["connections"] == many["connections"]  # the same, in the same order
    assert {c["transport"] for c in one["connections"]} == {"tcp", "udp"}
    verified = [c for c in many["connections"] if c["keys"] and c["keys"]["status"] == "verified"]
    assert len(verified) >= 10  # the key log reached the workers
    resumed = [c for c in many["connections"] if c["keys"] and c["keys"]["resumed_from"]]
    assert bool(resumed) == (capture == "merged")  # each found the session it resumes
    assert sorted(one["notes"]) == sorted(many["notes"])
    assert one["explanations"] == many["explanations"]
    assert [k for k in one if k != "connections"] == [k for k in many if k != "connections"]


def blocks(text: str) -> dict[int, str]:
    """Each connection's text by its id, in the order written."""
    parts = re.split(r"(?m)^(?=Connection \d+: )", text)
    out = {int(p.split()[1].rstrip(":")): p for p in parts if p}
    assert len(out) == len([p for p in parts if p])
    return out


def test_text_on_several_processes_is_the_same(merged: tuple[Path, Path]) -> None:
    path, keys = merged
    one = _decode("--explain", str(path), "--keylog", str(keys), "--jobs", "1")
    many = _decode("--explain", str(path), "--keylog", str(keys), "--jobs", "2")
    assert len(blocks(one)) >= 20 and one == many


def _by_connection(text: str, form: str) -> Any:
    """The connections in the order written, and the rest of a document."""
    if form == "text":
        return list(blocks(text).items())
    doc = json.loads(text)
    return [(c["id"], c) for c in doc["connections"]], {
        k: v for k, v in doc.items() if k != "connections"
    }


@pytest.mark.parametrize("form", ["text", "json"])
def test_several_processes_reach_any_output(
    form: str, unresumed: tuple[Path, Path], tmp_path: Path
) -> None:
    """The workers' bytes are copied by the kernel to a file or a pipe; an
    output with no file behind it (or not in UTF-8) gets the same text."""
    import argparse

    from tlsviz.cli_decode import cmd_decode

    path, keys = unresumed
    flags = ["--json"] if form == "json" else []
    argv = ["decode", *flags, str(path), "--keylog", str(keys), "--jobs"]
    one = _by_connection(_decode(*argv[1:], "1"), form)
    assert len(one if form == "text" else one[0]) >= 10
    # stdout buffered as it is by default: what Python still holds must reach
    # the file before the workers' bytes do
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    in_file = tmp_path / "out.txt"
    with open(in_file, "w") as f:
        subprocess.run(
            [sys.executable, "-c", MAIN, *argv, "2"], stdout=f, check=True, timeout=300, env=env
        )
    assert _by_connection(in_file.read_text(), form) == one
    piped = subprocess.run(
        [sys.executable, "-c", MAIN, *argv, "2"], capture_output=True, text=True, timeout=300,
        env=env, check=True,
    )  # fmt: skip
    assert _by_connection(piped.stdout, form) == one
    args = argparse.Namespace(
        capture=str(path), keylog=[str(keys)], key=[], key_password=None, psk=[],
        ephemeral_key=[], json=form == "json", explain=False, brief=False, buffers=False,
        summary=False, jobs=2,
    )  # fmt: skip
    text = io.StringIO()
    assert cmd_decode(args, text) == 0
    assert _by_connection(text.getvalue(), form) == one
    latin = subprocess.run(
        [sys.executable, "-c", MAIN, *argv, "2"],
        capture_output=True, timeout=300, env={**env, "PYTHONIOENCODING": "utf-16"},
    )  # fmt: skip
    assert _by_connection(latin.stdout.decode("utf-16"), form) == one


def test_no_connection_on_several_processes(tmp_path: Path) -> None:
    """A capture without TLS: the same sentence and document on one process or two."""
    empty = tmp_path / "one.pcap"
    subprocess.run(
        ["editcap", "-r", str(CAPTURES / "tls13-aes128gcm.pcap"), str(empty), "1-1"], check=True
    ) if shutil.which("editcap") else pytest.skip("editcap (Wireshark) is not installed")
    assert _decode(str(empty), "--jobs", "2") == _decode(str(empty), "--jobs", "1")
    assert _decode("--json", str(empty), "--jobs", "2") == _decode("--json", str(empty))


def test_processes_by_default_only_for_big_files_written_to_a_file_or_pipe(
    tmp_path: Path,
) -> None:
    import argparse

    small, big = tmp_path / "small.pcap", tmp_path / "big.pcap"
    small.write_bytes(b"\0" * 100)
    with open(big, "wb") as f:
        f.truncate(9 << 20)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    args = argparse.Namespace(jobs=0)
    cores = os.cpu_count() or 1
    assert _decode_jobs(args, str(big), io.StringIO()) == cores
    assert _decode_jobs(args, str(big), Tty()) == 1
    assert _decode_jobs(args, str(small), io.StringIO()) == 1
    assert _decode_jobs(argparse.Namespace(jobs=3), str(small), Tty()) == 3


@pytest.mark.parametrize("jobs", [2, 3, 4, 7])
def test_every_connection_has_one_process_and_this_one_fewer(jobs: int) -> None:
    """The port buckets are shared out whole: each pair of ports belongs to
    exactly one process, and the merging process takes fewer than the others."""
    shards = port_shards(jobs)
    owners = [
        sum(in_shard(a, b, s) for s in shards)
        for a, b in [(p, 443) for p in range(1024, 1024 + 4096)] + [(50000, 50001), (0, 0)]
    ]
    assert set(owners) == {1}
    counts = [sum(in_shard(p, 443, s) for p in range(1024, 65536)) for s in shards]
    assert counts[0] < min(counts[1:]) and max(counts) < 1.3 * min(counts)
