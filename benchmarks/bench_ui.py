"""Time to the first frame of the explorer, and to the first rows of a huge capture.

Runs the real ``tlsviz open`` on a pseudo-terminal (as a user's terminal
would) and watches what it draws:

* first frame: from the start of the process to the first screen that shows
  the bundled capture's ladder (its ServerHello arrow);
* first rows: on the 200,000-packet benchmark capture (``benchmarks/out/big.pcap``,
  made by ``bench_summary.py``), from the start to the first connection row, and
  to the last; the peak memory of the process; then the time to open one
  connection (enter) until its ladder is drawn.

tshark is timed on the same big file in the same run, from its start to its
first output line (``-Y tls.handshake.type==1``), and the ratio is printed.

    .venv/bin/python benchmarks/bench_ui.py [--runs 3]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TLSVIZ = str(ROOT / ".venv" / "bin" / "tlsviz")
ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b."
)


class Terminal:
    """A process on a pseudo-terminal of 120x40; reads what it draws."""

    def __init__(self, argv: list[str], size: tuple[int, int] = (120, 40)) -> None:
        import pty

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     env={**os.environ, "TERM": "xterm-256color"},
                                     start_new_session=True)  # fmt: skip
        os.close(slave)
        self.text = ""
        self.peak_kb = 0

    def wait_for(self, pattern: str, timeout: float) -> float | None:
        """Seconds since the start when ``pattern`` first appears on screen."""
        rx = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        raw = b""
        while time.perf_counter() < deadline:
            self._sample_memory()
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if ready:
                try:
                    chunk = os.read(self.master, 1 << 16)
                except OSError:
                    return None
                raw += chunk
                self.text += ANSI.sub("", chunk.decode("utf-8", "replace"))
                if rx.search(self.text):
                    return time.perf_counter() - self.start
        return None

    def _sample_memory(self) -> None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
        except OSError:
            pass

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> int | None:
        self._sample_memory()
        self.send(b"q")
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return None
        finally:
            os.close(self.master)


def first_frame() -> float | None:
    cap = ROOT / "captures" / "tls13-aes128gcm.pcap"
    t = Terminal([TLSVIZ, "open", str(cap), "--keylog", str(cap.with_suffix(".keys"))])
    try:
        return t.wait_for(r"ServerHello", 30)
    finally:
        t.close()


def big_rows(path: Path, keylog: Path | None) -> dict[str, float | None]:
    argv = [TLSVIZ, "open", str(path)] + (["--keylog", str(keylog)] if keylog else [])
    t = Terminal(argv)
    try:
        first = t.wait_for(r"127\.0\.0\.1:\d+ ", 60)
        last = t.wait_for(r"TLS connections · enter opens one", 300)
        before = time.perf_counter()
        t.send(b"\r")
        t.text = ""
        opened = t.wait_for(r"ServerHello", 60)
        open_s = time.perf_counter() - before if opened is not None else None
        # back to the list, the next connection: the explorer's widgets are kept
        t.send(b"l")
        t.wait_for(r"TLS connections", 30)
        time.sleep(0.5)
        before = time.perf_counter()
        t.text = ""
        t.send(b"\x1b[B\r")
        again = t.wait_for(r"ServerHello", 60)
        again_s = time.perf_counter() - before if again is not None else None
        return {"first": first, "last": last, "open": open_s, "again": again_s,
                "peak_mb": t.peak_kb / 1024}  # fmt: skip
    finally:
        t.close()


def tshark_first_line(path: Path) -> float | None:
    if shutil.which("tshark") is None:
        return None
    start = time.perf_counter()
    proc = subprocess.Popen(["tshark", "-r", str(path), "-Y", "tls.handshake.type==1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.readline()
    t = time.perf_counter() - start
    proc.kill()
    proc.wait()
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--big", type=Path, default=ROOT / "benchmarks" / "out" / "big.pcap")
    args = ap.parse_args()
    frames = [f for f in (first_frame() for _ in range(args.runs)) if f is not None]
    print(f"first frame (bundled capture, ladder drawn): median {statistics.median(frames):.3f} s,"
          f" best {min(frames):.3f} s over {len(frames)} runs")  # fmt: skip
    if not args.big.exists():
        print(f"{args.big} is missing: run benchmarks/bench_summary.py first to make it.")
        return 0
    keylog = args.big.with_suffix(".keys")
    for label, key in (("without keys", None), ("with the key log", keylog)):
        runs = [big_rows(args.big, key) for _ in range(args.runs)]
        shark = [t for t in (tshark_first_line(args.big) for _ in range(args.runs)) if t]
        firsts = [r["first"] for r in runs if r["first"] is not None]
        lasts = [r["last"] for r in runs if r["last"] is not None]
        opens = [r["open"] for r in runs if r["open"] is not None]
        agains = [r["again"] for r in runs if r["again"] is not None]
        peak = max(float(r["peak_mb"] or 0) for r in runs)
        line = (f"big capture {label}: first rows {statistics.median(firsts):.2f} s, "
                f"all rows {statistics.median(lasts):.2f} s, open one connection "
                f"{statistics.median(opens):.2f} s, the next one "
                f"{statistics.median(agains):.2f} s, peak memory {peak:.0f} MB")  # fmt: skip
        if shark:
            ratio = statistics.median(shark) / statistics.median(firsts)
            line += f"; tshark's first line {statistics.median(shark):.2f} s ({ratio:.1f}x)"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
