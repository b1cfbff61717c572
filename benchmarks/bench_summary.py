"""tlsviz decode --summary against tshark on the same big captures, in one run.

Makes (or reuses) a capture of N real loopback handshakes with its key log
(benchmarks/make_capture.py) and a second one 4x larger, then for each file
times (wall clock; peak resident memory from /usr/bin/time -v), each pair of
commands in alternating turns so that both meet the same phases of a machine
whose speed drifts (best of N each, and the median of the paired ratios):

* ``tlsviz decode --summary F``           vs ``tshark -r F -Y 'tls.handshake.type==1'``
* ``tlsviz decode --summary --keylog K F`` vs ``tshark -r F -o tls.keylog_file:K
  -Y 'tls.handshake.type==20'`` (Finished messages: visible only once decrypted)

and checks that both tools found the same handshakes (client and server
endpoints of every ClientHello) and that tlsviz verified every connection
tshark could decrypt.  Prints the figures and ratios; writes them as JSON too.

    sudo python benchmarks/bench_summary.py [--handshakes 12000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def timed(argv: list[str], stdout: Path) -> tuple[float, int]:
    """Wall seconds (measured here, to the microsecond: /usr/bin/time prints
    hundredths) and peak RSS (KiB, as /usr/bin/time -v reports it) of one run."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t, stdout.open("wb") as out:
        start = time.perf_counter()
        subprocess.run(
            ["/usr/bin/time", "-v", "-o", t.name, *argv],
            stdout=out,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        seconds = time.perf_counter() - start
        text = Path(t.name).read_text()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    assert rss, text
    return seconds, int(rss.group(1))


def paired(
    theirs: list[str], ours: list[str], stdout: Path, runs: int
) -> tuple[tuple[float, int], tuple[float, int], float]:
    """Both commands ``runs`` times, in alternating order (tshark then tlsviz,
    tlsviz then tshark, ...), so that both meet the same phases of a machine
    whose speed drifts: the best time and the peak memory of each, and the
    median of the rounds' ratios (tshark's time / tlsviz's, same round)."""
    a: list[tuple[float, int]] = []
    b: list[tuple[float, int]] = []
    for i in range(runs):
        if i % 2:
            b.append(timed(ours, stdout))
            a.append(timed(theirs, stdout))
        else:
            a.append(timed(theirs, stdout))
            b.append(timed(ours, stdout))
    ratio = statistics.median(x[0] / y[0] for x, y in zip(a, b, strict=True))
    return (
        (min(x[0] for x in a), max(x[1] for x in a)),
        (min(y[0] for y in b), max(y[1] for y in b)),
        ratio,
    )


def ensure_capture(name: str, handshakes: int) -> tuple[Path, Path]:
    pcap = OUT / f"{name}.pcap"
    keys = pcap.with_suffix(".keys")
    if not (pcap.exists() and keys.exists()):
        subprocess.run(
            [
                sys.executable,
                str(HERE / "make_capture.py"),
                "--handshakes",
                str(handshakes),
                "--out",
                str(pcap),
            ],
            check=True,
        )
    return pcap, keys


def tshark_hellos(pcap: Path) -> set[int]:
    """The connections in which tshark sees a ClientHello, named as tlsviz names
    them: by the frame number of the connection's first packet."""
    out = subprocess.run(
        [
            "tshark",
            "-r",
            str(pcap),
            "-Y",
            "tls.handshake.type==1 || tcp.flags.syn==1",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "tcp.stream",
            "-e",
            "tls.handshake.type",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    first: dict[str, int] = {}
    hello: set[str] = set()
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 2:
            continue
        first.setdefault(f[1], int(f[0]))
        if len(f) > 2 and "1" in f[2].split(","):
            hello.add(f[1])
    return {first[s] for s in hello}


def tlsviz_rows(pcap: Path, keys: Path | None) -> list[dict[str, object]]:
    argv = [str(Path(sys.executable).parent / "tlsviz"), "decode", "--summary", "--json", str(pcap)]
    if keys is not None:
        argv += ["--keylog", str(keys)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def measure(pcap: Path, keys: Path, runs: int) -> dict[str, object]:
    tlsviz = str(Path(sys.executable).parent / "tlsviz")
    sink = OUT / "sink.txt"
    r: dict[str, object] = {"file": pcap.name, "bytes": pcap.stat().st_size}
    packets = subprocess.run(
        ["capinfos", "-c", "-M", str(pcap)], capture_output=True, text=True
    ).stdout
    m = re.search(r"Number of packets:\s+(\d+)", packets)
    r["packets"] = int(m.group(1)) if m else None
    r["tshark_hellos"], r["tlsviz_summary"], r["summary_ratio_median"] = paired(
        ["tshark", "-r", str(pcap), "-Y", "tls.handshake.type==1"],
        [tlsviz, "decode", "--summary", str(pcap)],
        sink,
        runs,
    )
    r["tshark_decrypt"], r["tlsviz_keys"], r["keys_ratio_median"] = paired(
        [
            "tshark",
            "-r",
            str(pcap),
            "-o",
            f"tls.keylog_file:{keys}",
            "-Y",
            "tls.handshake.type==20",
        ],
        [tlsviz, "decode", "--summary", "--keylog", str(keys), str(pcap)],
        sink,
        runs,
    )
    theirs = tshark_hellos(pcap)
    rows = tlsviz_rows(pcap, keys)
    ours = {int(x["id"]) for x in rows}  # type: ignore[call-overload]
    r["handshakes_tshark"] = len(theirs)
    r["handshakes_tlsviz"] = len(ours)
    # tshark picks dissectors by port first: a client port that is some other
    # protocol's (48898 is AMS) hides a TLS connection from its filter, while
    # tlsviz finds TLS by content.  Every handshake tshark finds must be ours.
    r["same_handshakes"] = theirs <= ours
    r["only_tlsviz"] = sorted(ours - theirs)
    statuses: dict[str, int] = {}
    for x in rows:
        k = str(x["keys"]["status"])  # type: ignore[index]
        statuses[k] = statuses.get(k, 0) + 1
    r["statuses"] = statuses
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--handshakes", type=int, default=12000)
    ap.add_argument("--runs", type=int, default=3, help="best of N runs per command")
    ap.add_argument("--no-4x", action="store_true", help="skip the 4x larger file")
    args = ap.parse_args()
    for tool in ("tshark", "tcpdump", "capinfos"):
        if shutil.which(tool) is None:
            print(f"bench_summary: {tool} is needed.", file=sys.stderr)
            return 2
    OUT.mkdir(exist_ok=True)
    # compile once, so every timed run starts from bytecode (PYTHONDONTWRITEBYTECODE);
    # forced: compileall trusts a cached file whose source changed within the same
    # second (it compares modification times only, the importer sizes too), and
    # every run would then compile those modules again
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-f", str(HERE.parent / "tlsviz")], check=True
    )
    sizes = [("big", args.handshakes)]
    if not args.no_4x:
        sizes.append(("big4x", 4 * args.handshakes))
    results = []
    for name, n in sizes:
        pcap, keys = ensure_capture(name, n)
        results.append(measure(pcap, keys, args.runs))
    print(f"{'file':8} {'packets':>8} {'tool':28} {'seconds':>8} {'peak MiB':>9}")
    for r in results:
        for label, key in (
            ("tshark -Y handshake", "tshark_hellos"),
            ("tlsviz --summary", "tlsviz_summary"),
            ("tshark decrypting", "tshark_decrypt"),
            ("tlsviz --summary --keylog", "tlsviz_keys"),
        ):
            sec, kib = r[key]  # type: ignore[misc]
            print(f"{r['file']:8} {r['packets']!s:>8} {label:28} {sec:8.2f} {kib / 1024:9.1f}")
        ts, tv = r["tshark_hellos"], r["tlsviz_summary"]  # type: ignore[misc]
        td, tk = r["tshark_decrypt"], r["tlsviz_keys"]  # type: ignore[misc]
        print(
            f"  summary: {ts[0] / tv[0]:.1f}x faster (best vs best; median of paired runs "
            f"{r['summary_ratio_median']:.1f}x), memory {tv[1] / ts[1]:.2f} of tshark's; "
            f"with keys: {td[0] / tk[0]:.1f}x faster (paired median "
            f"{r['keys_ratio_median']:.1f}x), memory {tk[1] / td[1]:.2f}; "
            f"handshakes tshark {r['handshakes_tshark']} tlsviz {r['handshakes_tlsviz']} "
            f"same={r['same_handshakes']}; statuses {r['statuses']}"
        )
    if len(results) == 2:
        a, b = results
        print(
            f"4x file: summary time x{b['tlsviz_summary'][0] / a['tlsviz_summary'][0]:.2f}, "  # type: ignore[index]
            f"memory x{b['tlsviz_summary'][1] / a['tlsviz_summary'][1]:.2f}; "  # type: ignore[index]
            f"with keys time x{b['tlsviz_keys'][0] / a['tlsviz_keys'][0]:.2f}, "  # type: ignore[index]
            f"memory x{b['tlsviz_keys'][1] / a['tlsviz_keys'][1]:.2f}"
        )  # type: ignore[index]
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
