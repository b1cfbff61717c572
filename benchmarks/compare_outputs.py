"""Does a change keep ``decode`` and ``decode --json`` the same?  Byte for byte.

Runs this checkout's tlsviz and another one's (``--ref``: a directory holding
an older ``tlsviz`` package, e.g. ``git archive BASE | tar -x -C /tmp/ref``) on
the bundled captures with their keys, every capture of the corpus (without
keys, and the Wireshark ones that come with a key log, with it) and, if made,
the first packets of the benchmark capture with its key log; prints each
file whose outputs differ and exits non-zero if any does.

    .venv/bin/python benchmarks/compare_outputs.py --ref /tmp/ref [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = Path(os.environ.get("TLSVIZ_CORPUS") or ROOT.parent / "shared" / "corpus")


def cases(packets: int) -> list[tuple[str, list[str]]]:
    """(label, decode arguments) of every input compared."""
    sys.path.insert(0, str(ROOT))
    from tlsviz.bundled import bundled_captures

    out: list[tuple[str, list[str]]] = []
    for b in bundled_captures(seeded=True):
        args = [str(b.path)]
        if b.keylog:
            args += ["--keylog", str(b.keylog)]
        if b.rsa_key:
            args += ["--key", str(b.rsa_key)]
        if b.psk:
            args += ["--psk", f"@{b.psk}"]
        out.append((b.name, args))
    if CORPUS.is_dir():
        for p in sorted(CORPUS.rglob("*.pcap*")):
            if p.is_file() and not p.name.endswith(".json"):
                out.append((str(p.relative_to(CORPUS)), [str(p)]))
        keys = CORPUS / "wireshark" / "keys"
        for cap, log in (
            ("tls13-rfc8446.pcap", "tls13-rfc8446.keys"),
            ("tls12-chacha20poly1305.pcap", "tls12-chacha20poly1305.keys"),
            ("tls13-20-chacha20poly1305.pcap", "tls13-20-chacha20poly1305.keys"),
            ("dhe1.pcapng.gz", "dhe1_keylog.dat"),
        ):
            path = CORPUS / "wireshark" / "captures" / cap
            if path.exists() and (keys / log).exists():
                out.append((f"{cap} + keys", [str(path), "--keylog", str(keys / log)]))
    big = HERE / "out" / "big.pcap"
    if packets and big.exists():
        cut = Path(tempfile.gettempdir()) / f"tlsviz-compare-{packets}.pcap"
        if not cut.exists():
            subprocess.run(["editcap", "-r", str(big), str(cut), f"1-{packets}"], check=True)
        out.append(
            (f"big.pcap, {packets} packets", [str(cut), "--keylog", str(big.with_suffix(".keys"))])
        )
    return out


def run(ref: Path | None, form: list[str], args: list[str]) -> bytes:
    env = dict(os.environ)
    if ref is not None:
        env["PYTHONPATH"] = str(ref)
    proc = subprocess.run(
        [sys.executable, "-m", "tlsviz", "decode", *form, *args],
        capture_output=True,
        env=env,
        cwd=tempfile.gettempdir(),  # not this checkout: PYTHONPATH decides
    )
    # whether a key log is bundled depends on where the package is: not compared
    err = b"".join(
        line for line in proc.stderr.splitlines(keepends=True) if b"can be read by" not in line
    )
    return proc.stdout + b"\n[exit %d]\n" % proc.returncode + err


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", type=Path, required=True, help="directory holding the old tlsviz")
    ap.add_argument(
        "--new", type=Path, default=None, help="directory holding the new tlsviz (default: ours)"
    )
    ap.add_argument("--packets", type=int, default=20000, help="of the benchmark capture (0: none)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="labels containing this")
    args = ap.parse_args()
    todo = [(label, a) for label, a in cases(args.packets) if args.only in label]

    def one(item: tuple[str, list[str]]) -> list[str]:
        label, a = item
        bad = []
        for form in (["--json"], []):
            if run(args.ref, form, a) != run(args.new, form, [*a]):
                bad.append(f"{label}: decode {' '.join(form)} differs")
        return bad

    with ThreadPoolExecutor(args.jobs) as pool:
        bad = [line for lines in pool.map(one, todo) for line in lines]
    for line in bad:
        print(line)
    print(f"{len(todo)} inputs, {len(bad)} outputs differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
