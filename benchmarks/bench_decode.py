"""The full decode against tshark's, on the same file with the same key log, in one run.

Times ``tlsviz decode --json`` against ``tshark -T json`` and ``tlsviz
decode`` against ``tshark -V`` (each writing to a file, as a user who keeps
the output does), with the peak memory of each (the proportional set sizes of
every process of the command, sampled from /proc), and checks that both found
the same handshake messages (the encrypted ones of TLS 1.3 included: only a
decryption shows them) and the same decrypted HTTP requests. With ``--four``
the same on a capture four times as long (four copies one after the other, on
other addresses and each later in time), to show that the cost grows linearly and the memory stays
flat. Then the time to decode one connection as the explorer opens it (from
its packet index), the median over connections spread across the capture.

    .venv/bin/python benchmarks/bench_decode.py [--capture benchmarks/out/big.pcap]
        [--packets N] [--four] [--jobs N] [--opens 60] [--rounds 3] [--four-rounds 1]

The benchmark capture is made by ``benchmarks/make_capture.py`` (see
``bench_summary.py``); its key log is the file beside it (``.keys``).
"""

from __future__ import annotations

import argparse
import collections
import compileall
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TLSVIZ = str(ROOT / ".venv" / "bin" / "tlsviz")
#: tshark's IRC dissector claims TCP port 57000, which the benchmark capture's
#: clients use too: without this tshark shows one of its handshakes as IRC
#: (tlsviz finds TLS by content, whatever the port)
NOT_IRC = ["--disable-protocol", "irc"]


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def _pss_kb(pid: int) -> int:
    """The proportional set size of ``pid``: pages it shares with other
    processes (forked workers share their parent's) count a share each, so
    summing over processes counts them once; VmRSS where smaps is missing."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def timed(argv: list[str], out: Path) -> tuple[float, float]:
    """Run ``argv`` with its output to ``out``: (seconds, peak MB of all its
    processes together, by their proportional set sizes)."""
    peak = [0]
    with open(out, "wb") as f:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.DEVNULL)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], sum(_pss_kb(p) for p in _tree(proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rc = proc.wait()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    if rc != 0:
        raise SystemExit(f"{argv[0]} failed (exit {rc}): {' '.join(argv)}")
    return seconds, peak[0] / 1024


def our_counts(json_out: Path) -> tuple[collections.Counter[int], int]:
    """Handshake messages by type, and decrypted HTTP requests, from our
    ``decode --json`` (one connection a line)."""
    types: collections.Counter[int] = collections.Counter()
    gets = 0
    with open(json_out) as f:
        for line in f:
            line = line.rstrip().rstrip(",")
            if not line.startswith('{"id"'):
                continue
            c = json.loads(line)
            for m in c["messages"]:
                if m.get("handshake_type") is not None:
                    types[m["handshake_type"]] += 1
            texts = (d.get("text") or "" for d in c["application_data"])
            gets += sum(1 for t in texts if t.startswith("GET "))
    return types, gets


def tshark_counts(capture: Path, keylog: Path) -> tuple[collections.Counter[int], int]:
    """The same from tshark (not timed)."""
    proc = subprocess.run(
        ["tshark", "-r", str(capture), "-o", f"tls.keylog_file:{keylog}", *NOT_IRC, "-T", "fields",
         "-e", "tls.handshake.type", "-e", "http.request.method"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    types: collections.Counter[int] = collections.Counter()
    gets = 0
    for line in proc.stdout.splitlines():
        hs, _, method = line.partition("\t")
        for t in filter(None, hs.split(",")):
            types[int(t)] += 1
        gets += method.split(",").count("GET")
    return types, gets


def compare(
    capture: Path, keylog: Path, work: Path, jobs: int, label: str, rounds: int = 1
) -> None:
    """Each command ``rounds`` times, tlsviz and tshark taking turns (which goes
    first alternates): this machine's speed drifts by a fifth within minutes,
    so each round's ratio compares two commands run a few seconds apart, and
    the median round is the verdict."""
    print(f"\n{label}: {capture.name}, {capture.stat().st_size / 1e6:.0f} MB")
    k = ["--keylog", str(keylog)] + (["--jobs", str(jobs)] if jobs else [])
    ko = ["-o", f"tls.keylog_file:{keylog}", *NOT_IRC]
    pairs = [
        (
            ("tlsviz decode --json", [TLSVIZ, "decode", "--json", str(capture), *k], "ours.json"),
            ("tshark -T json", ["tshark", "-r", str(capture), *ko, "-T", "json"], "shark.json"),
        ),
        (
            ("tlsviz decode", [TLSVIZ, "decode", str(capture), *k], "ours.txt"),
            ("tshark -V", ["tshark", "-r", str(capture), *ko, "-V"], "shark.txt"),
        ),
    ]
    got: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    for r in range(rounds):
        if rounds > 1:
            print(f"  round {r + 1} of {rounds}")
        for pair in pairs:
            for name, argv, out in pair if r % 2 == 0 else pair[::-1]:
                seconds, mb = timed(argv, work / out)
                got[name].append((seconds, mb))
                size = (work / out).stat().st_size / 1e6
                print(f"    {name:22} {seconds:7.2f} s  peak {mb:6.0f} MB  output {size:6.0f} MB")
            (ours, _, _), (theirs, _, _) = pair
            t, m = got[ours][-1], got[theirs][-1]
            print(f"    {ours} / {theirs}: time {t[0] / m[0]:.2f}x, memory {t[1] / m[1]:.2f}x")
    if rounds > 1:
        print(f"  over {rounds} rounds (median time, highest peak):")
        for pair in pairs:
            (ours, _, _), (theirs, _, _) = pair
            ratios = sorted(a[0] / b[0] for a, b in zip(got[ours], got[theirs], strict=True))
            t = statistics.median(s for s, _ in got[ours])
            m = statistics.median(s for s, _ in got[theirs])
            peak = max(mb for _, mb in got[ours]) / max(mb for _, mb in got[theirs])
            each = ", ".join(f"{x:.2f}" for x in ratios)
            print(
                f"    {ours} / {theirs}: {t:.2f} / {m:.2f} s, time ratio median "
                f"{statistics.median(ratios):.2f}x (rounds {each}), memory {peak:.2f}x"
            )
    mine, shark = our_counts(work / "ours.json"), tshark_counts(capture, keylog)
    same = "same" if mine == shark else "DIFFERENT"
    names = {1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 8: "EncryptedExtensions",
             11: "Certificate", 15: "CertificateVerify", 20: "Finished"}  # fmt: skip
    shown = ", ".join(f"{names.get(t, t)} {n}" for t, n in sorted(mine[0].items()) if t in names)
    print(f"  handshake messages and decrypted requests: {same} ({shown}; GET {mine[1]})")
    if mine != shark:
        print(f"    tlsviz {dict(sorted(mine[0].items()))} GET {mine[1]}")
        print(f"    tshark {dict(sorted(shark[0].items()))} GET {shark[1]}")
    for name in ("ours.json", "shark.json", "ours.txt", "shark.txt"):
        (work / name).unlink()


def _fold(x: int) -> int:
    while x >> 16:
        x = (x & 0xFFFF) + (x >> 16)
    return x


def _adjusted(checksum: int, old: int, new: int) -> int:
    """An Internet checksum after one 16-bit word changed (RFC 1624, eqn. 3)."""
    return ~_fold((~checksum & 0xFFFF) + (~old & 0xFFFF) + new) & 0xFFFF


def _copy(src: Path, dst: Path, k: int, shift: float) -> None:
    """``src`` (classic pcap, Ethernet) with every IPv4 address's third byte
    XORed with ``k`` (checksums kept right) and its times ``shift`` seconds
    later: the same handshakes, as other connections (a copy with the same
    addresses, ports and sequence numbers would be taken for retransmissions)."""
    import struct

    data = bytearray(src.read_bytes())
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"M<\xb2\xa1") else ">"
    rec = struct.Struct(endian + "IIII")
    nano = data[:4] in (b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1")
    scale = 10**9 if nano else 10**6
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, orig = rec.unpack_from(data, pos)
        t = sec * scale + frac + int(shift * scale)
        rec.pack_into(data, pos, t // scale, t % scale, caplen, orig)
        f = pos + 16
        if caplen >= 34 and data[f + 12 : f + 14] == b"\x08\x00":
            ip = f + 14
            ihl = (data[ip] & 0x0F) * 4
            words = []
            for a in (ip + 12, ip + 16):
                old = (data[a + 2] << 8) | data[a + 3]
                data[a + 2] ^= k
                words.append((old, (data[a + 2] << 8) | data[a + 3]))
            ipsum = (data[ip + 10] << 8) | data[ip + 11]
            for old, new in words:
                ipsum = _adjusted(ipsum, old, new)
            data[ip + 10 : ip + 12] = ipsum.to_bytes(2, "big")
            l4 = ip + ihl
            where = {6: 16, 17: 6}.get(data[ip + 9])
            if where is not None and l4 + where + 2 <= f + caplen:
                c = (data[l4 + where] << 8) | data[l4 + where + 1]
                if not (data[ip + 9] == 17 and c == 0):  # UDP: 0 means none
                    for old, new in words:
                        c = _adjusted(c, old, new)
                    data[l4 + where : l4 + where + 2] = c.to_bytes(2, "big")
        pos = f + caplen
    dst.write_bytes(data)


def four_times(capture: Path, work: Path) -> Path:
    """Four copies of ``capture`` one after the other, each later than the
    last and on other addresses (see :func:`_copy`)."""
    out = capture.with_name(capture.stem + "4x.pcap")
    if out.exists():
        return out
    info = subprocess.run(["capinfos", "-u", "-M", str(capture)], capture_output=True, text=True)
    span = float(info.stdout.split("Capture duration:")[1].split()[0]) + 60
    parts = [str(capture)]
    for i in range(1, 4):
        part = work / f"part{i}.pcap"
        _copy(capture, part, i, span * i)
        parts.append(str(part))
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", str(out), *parts], check=True)
    for p in parts[1:]:
        os.unlink(p)
    return out


def opens(capture: Path, keylog: Path, n: int) -> None:
    """Decoding one connection as the explorer opens one of a big capture
    (``ui.sources.open_one``: from the packet index), in this process."""
    sys.path.insert(0, str(ROOT))
    from tlsviz.capture.fastread import packet_index
    from tlsviz.keys.loading import load_key_material
    from tlsviz.source import open_connection
    from tlsviz.summary.rows import summary_rows

    material = load_key_material([keylog], [], [], [])
    ids = [row.id for row in summary_rows(str(capture), material)]
    start = time.perf_counter()
    index = packet_index(capture)
    index_s = time.perf_counter() - start
    rng = random.Random(7)
    picked = rng.sample(ids, min(n, len(ids)))
    with_index, without = [], []
    for cid in picked:
        t = time.perf_counter()
        assert open_connection(capture, cid, material, index=index) is not None
        with_index.append(time.perf_counter() - t)
    for cid in picked[: max(5, n // 4)]:
        t = time.perf_counter()
        assert open_connection(capture, cid, material) is not None
        without.append(time.perf_counter() - t)
    ms = sorted(x * 1000 for x in with_index)
    print(
        f"\nopening one connection as the explorer does ({len(picked)} connections spread over "
        f"{len(ids)}): median {statistics.median(ms):.1f} ms, 90th percentile "
        f"{ms[int(len(ms) * 0.9)]:.1f} ms (the packet index: {index_s * 1000:.0f} ms, once); "
        f"reading from the first packet instead: median "
        f"{statistics.median(without) * 1000:.1f} ms"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--capture", type=Path, default=HERE / "out" / "big.pcap")
    ap.add_argument("--packets", type=int, default=0, help="only the first N packets")
    ap.add_argument("--four", action="store_true", help="also a capture four times as long")
    ap.add_argument("--jobs", type=int, default=0, help="tlsviz's --jobs (default: its own)")
    ap.add_argument("--opens", type=int, default=60, help="connections to open")
    ap.add_argument(
        "--rounds", type=int, default=3, help="rounds on the benchmark capture (median wins)"
    )
    ap.add_argument("--four-rounds", type=int, default=1, help="rounds on the four-times file")
    args = ap.parse_args()
    for tool in ("tshark", "editcap", "mergecap", "capinfos"):
        if shutil.which(tool) is None:
            print(f"{tool} (Wireshark) is needed.")
            return 1
    if not args.capture.exists():
        print(f"{args.capture} is missing: make it with benchmarks/make_capture.py.")
        return 1
    keylog = args.capture.with_suffix(".keys")
    # measured as installed: the modules byte-compiled, whatever
    # PYTHONDONTWRITEBYTECODE says (else each run would compile what changed)
    compileall.compile_dir(str(ROOT / "tlsviz"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="tlsviz-bench-") as tmp:
        work = Path(tmp)
        capture = args.capture
        if args.packets:
            capture = work / f"first{args.packets}.pcap"
            subprocess.run(
                ["editcap", "-r", str(args.capture), str(capture), f"1-{args.packets}"], check=True
            )
        compare(capture, keylog, work, args.jobs, "benchmark capture", max(1, args.rounds))
        if args.four:
            four = four_times(capture, work)
            compare(four, keylog, work, args.jobs, "four times as long", max(1, args.four_rounds))
        opens(capture, keylog, args.opens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
