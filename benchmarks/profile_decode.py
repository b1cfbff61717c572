"""Where the time of ``tlsviz decode`` goes, stage by stage.

Samples the real command with py-spy (``pip install py-spy``; cProfile in this
process when it is missing) and charges each sample to the stage of the
innermost frame that belongs to one: reading, TCP, records, messages, field
trees, explanations, certificates, keys, decryption, JSON, text, start-up.
Prints one table per command (share of the samples and seconds).

    .venv/bin/python benchmarks/profile_decode.py [--packets 10000] [--json] [--text]

A message's body and its field tree are read by the same parser in one pass:
"field trees" is the reader's own work (a :class:`Field` per value, the
display texts, the DER walker), "messages" the parsers' logic around it.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"

#: (stage, pattern over a frame "function (file:line)"); the innermost frame
#: matching any rule decides, rules tried in this order for that frame
RULES: list[tuple[str, str]] = [
    ("start-up (imports)", r"importlib|<frozen |_compile|compileall|sre_"),
    ("JSON", r"json/|session/jsonout\.py|session/export\.py|_write_json|json_value"),
    ("text", r"session/text\.py|textwrap\.py"),
    ("explanations", r"wire/explain"),
    ("certificates (x509)", r"keys/x509\.py|keys/verify\.py|cryptography/x509|x509/"),
    ("field trees", r"wire/(reader|fields|der|registry)\.py|enum\.py|contextlib\.py"),
    ("decryption", r"keys/(aead|blockcipher|protection|record|seal|dtls13)\.py|ciphers/"),
    ("keys", r"keys/|hazmat/"),
    (
        "messages",
        r"wire/(dispatch|hello|extensions|messages|keyexchange|quickhello|order|facts\w*|"
        r"message|dtls_messages|coap)\.py",
    ),
    ("records", r"wire/(records|framing|reassembly|dtls_records|dtls_reassembly)\.py"),
    ("TCP", r"capture/(tcp|udp)\.py"),
    ("reading", r"capture/|scapy/"),
    ("timeline (builder, model)", r"session/|wire/connection\.py|source\.py|dtls_connection"),
    ("output (write)", r"cli_decode\.py"),
]
_COMPILED = [(name, re.compile(p)) for name, p in RULES]


def stage_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, rx in _COMPILED:
            if rx.search(frame):
                return name
    return "other (interpreter, GC)"


def fold(path: Path) -> collections.Counter[str]:
    """Samples per stage from py-spy's raw (collapsed stacks) output."""
    per: collections.Counter[str] = collections.Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if stack:
            per[stage_of(stack.split(";"))] += int(n)
    return per


def profile_pyspy(argv: list[str], rate: int) -> tuple[collections.Counter[str], float]:
    with tempfile.NamedTemporaryFile(suffix=".folded") as tmp:
        start = time.perf_counter()
        subprocess.run(
            ["py-spy", "record", "-r", str(rate), "-f", "raw", "-o", tmp.name, "--", *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return fold(Path(tmp.name)), time.perf_counter() - start


def profile_cprofile(args: list[str]) -> tuple[collections.Counter[str], float]:
    """Fallback: cProfile in this process, each function's own time charged to
    its stage (callers' frames are unknown there, so the JSON writer's calls
    into field code count as field trees)."""
    import cProfile
    import io
    import pstats

    from tlsviz.cli import main

    pr = cProfile.Profile()
    out = io.StringIO()
    start = time.perf_counter()
    saved = sys.stdout
    sys.stdout = out
    try:
        pr.runcall(main, args)
    finally:
        sys.stdout = saved
    seconds = time.perf_counter() - start
    per: collections.Counter[str] = collections.Counter()
    for (fn, line, name), (_cc, _nc, tt, _ct, _callers) in pstats.Stats(pr).stats.items():  # type: ignore[attr-defined]
        per[stage_of([f"{name} ({fn}:{line})"])] += int(tt * 1e6)
    return per, seconds


def table(title: str, per: collections.Counter[str], seconds: float) -> str:
    total = sum(per.values()) or 1
    lines = [f"{title}: {seconds:.1f} s wall (sampled)", f"  {'stage':28} {'share':>6} {'s':>7}"]
    for name, n in per.most_common():
        lines.append(f"  {name:28} {100 * n / total:5.1f}% {seconds * n / total:7.2f}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--capture", type=Path, default=OUT / "big.pcap")
    ap.add_argument("--keys", type=Path, default=None, help="default: the capture's .keys")
    ap.add_argument("--packets", type=int, default=10000, help="profile the first N packets")
    ap.add_argument("--rate", type=int, default=200, help="py-spy samples a second")
    ap.add_argument("--json", action="store_true", help="decode --json only")
    ap.add_argument("--text", action="store_true", help="decode (text) only")
    ap.add_argument("--jobs", type=int, default=1, help="decode --jobs (1: one process)")
    args = ap.parse_args()
    keys = args.keys or args.capture.with_suffix(".keys")
    capture = args.capture
    if args.packets:
        cut = Path(tempfile.gettempdir()) / f"tlsviz-profile-{args.packets}.pcap"
        subprocess.run(["editcap", "-r", str(capture), str(cut), f"1-{args.packets}"], check=True)
        capture = cut
    tlsviz = [sys.executable, "-m", "tlsviz"]
    kinds = [k for k, on in (("json", args.json), ("text", args.text)) if on] or ["json", "text"]
    for kind in kinds:
        cmd = ["decode", "--jobs", str(args.jobs), "--keylog", str(keys), str(capture)]
        if kind == "json":
            cmd.insert(1, "--json")
        if shutil.which("py-spy"):
            per, seconds = profile_pyspy([*tlsviz, *cmd], args.rate)
        else:
            per, seconds = profile_cprofile(cmd)
        print(table(f"tlsviz {' '.join(cmd[:-3])} ({capture.name})", per, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
