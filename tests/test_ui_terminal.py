"""The real ``tlsviz`` in a real terminal (tmux): a fresh capture it has never
seen, stepped through with ``n`` to the end, at 120x40 then 80x24; and the
command line around the UI (one sentence and exit 2 before any screen)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CAPTURES, ROOT, need_tool
from tests.tshark_oracle import tshark_connections

TLSVIZ = [sys.executable, "-m", "tlsviz"]

#: RFC 8446 §4 handshake type numbers and names, to read tshark's numbers
RFC_NAMES = {1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket",
             8: "EncryptedExtensions", 11: "Certificate", 13: "CertificateRequest",
             15: "CertificateVerify", 20: "Finished"}  # fmt: skip


class Tmux:
    """A private tmux server running one command; keys in, screen text out."""

    def __init__(self, command: str, cols: int, rows: int) -> None:
        self.sock = f"tlsviz-test-{os.getpid()}-{time.monotonic_ns()}"
        # COLUMNS/LINES (which pytest may set) would override the pane's size
        self.run("new-session", "-d", "-s", "t", "-x", str(cols), "-y", str(rows),
                 f"unset COLUMNS LINES; {command}; echo EXIT=$?; sleep 60")  # fmt: skip

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True,
                              timeout=30, check=True).stdout  # fmt: skip

    def keys(self, *keys: str) -> None:
        for k in keys:
            self.run("send-keys", "-t", "t", k)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        rx = re.compile(pattern, re.S)
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if rx.search(text):
                return self._settled(text)
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{text}")

    def _settled(self, text: str) -> str:
        """The screen once it stops changing (a frame is drawn in pieces)."""
        for _ in range(20):
            time.sleep(0.3)
            again = self.screen()
            if again == text:
                break
            text = again
        return text

    def resize(self, cols: int, rows: int) -> None:
        self.run("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    for tool in ("openssl", "tcpdump", "tmux"):
        need_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    from captures.peers import Scenario, record_handshake

    sc = Scenario("tmux13", version="1.3", cipher="TLS_CHACHA20_POLY1305_SHA256")
    rec = record_handshake(sc, tmp_path_factory.mktemp("tmux"))
    return rec.pcap, rec.keylog


def test_open_a_fresh_capture_in_tmux(fresh: tuple[Path, Path]) -> None:
    pcap, keylog = fresh
    cmd = " ".join([*TLSVIZ, "open", str(pcap), "--keylog", str(keylog)])
    t = Tmux(f"cd {ROOT} && {cmd}", 120, 40)
    try:
        t.wait_for(r"RTT · \d+ flights")  # the whole ladder is drawn
        # step with n to the end; the field tree's title names each message in turn
        shown: list[tuple[str, str]] = []  # (direction, type)
        for k in range(1, 40):
            screen = t.wait_for(rf"▼ {k}\. \w+ · \d+ bytes? · \w+")
            m = re.search(rf"▼ {k}\. (\w+) · \d+ bytes? · (\w+)", screen)
            assert m is not None
            shown.append((m.group(2), m.group(1)))
            if [x for x in shown if x[1] == "Alert"] == [("server", "Alert"), ("client", "Alert")]:
                break
            t.keys("n")
        # the same handshake messages in each direction, in the same order, as tshark
        # sees them (its numbers read with RFC 8446 §4's names)
        if shutil.which("tshark"):
            (conn,) = tshark_connections(pcap, ["-o", f"tls.keylog_file:{keylog}"]).values()
            for d in ("client", "server"):
                theirs = [RFC_NAMES[t] for t in conn.handshake[d]]
                ours = [n for dd, n in shown if dd == d and n in RFC_NAMES.values()]
                assert ours == theirs, (d, ours, theirs)
        assert screen.count("Finished ✔") == 2, screen
        t.keys("r")
        screen = t.wait_for(r"= nonce")
        assert "IV" in screen and "⊕ seq" in screen and "authenticated" in screen
        t.keys("k")
        t.wait_for(r"Keys as of message")
        t.resize(80, 24)
        screen = t.wait_for(r"CHACHA20_POLY1305_SHA256 · ✔ verified")
        assert "ClientHello" in screen  # the ladder is still there
        t.keys("p", "f")
        t.wait_for(r"▼ \d+\. ")  # the field tree of the selected message
        t.keys("q")
        t.wait_for(r"EXIT=0")
    finally:
        t.kill()


def test_home_screen_in_tmux() -> None:
    need_tool("tmux")
    # tall enough for the lessons, which come first, and the captures after them
    t = Tmux(f"cd {ROOT} && {' '.join(TLSVIZ)}", 100, 90)
    try:
        screen = t.wait_for(r"New live handshake")
        assert "tls13-hrr" in screen and "Bundled captures" in screen
        assert "Lessons" in screen and "What encryption hides" in screen
        t.keys("q")
        t.wait_for(r"EXIT=0")
    finally:
        t.kill()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TLSVIZ, *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def test_open_refuses_bad_input_before_any_screen(tmp_path: Path) -> None:
    missing = _cli("open", str(tmp_path / "nope.pcap"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("tlsviz: ") and missing.stderr.count("\n") == 1
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture at all")
    bad = _cli("open", str(junk))
    assert bad.returncode == 2 and "\x1b[" not in bad.stdout + bad.stderr
    assert bad.stderr.count("\n") == 1
    keylog = _cli("open", str(CAPTURES / "tls13-hrr.pcap"), "--keylog", str(tmp_path / "x"))
    assert keylog.returncode == 2 and "key log" in keylog.stderr
    # not on a terminal, open prints the bundled capture as decode does
    default = _cli("open")
    assert default.returncode == 0 and "keys: verified" in default.stdout


def test_not_on_a_terminal_prints_as_before() -> None:
    help_ = _cli()
    assert help_.returncode == 0 and help_.stdout.startswith("usage: tlsviz")
    assert "open" in help_.stdout
    demo = _cli("demo")
    assert demo.returncode == 0 and "verified" in demo.stdout


def test_learn_in_tmux(tmp_path: Path) -> None:
    """tlsviz learn in a real terminal: the menu, a lesson driving the explorer, a
    question answered wrong then right, and the progress still there after a restart."""
    need_tool("tmux")
    env = f"XDG_STATE_HOME={tmp_path}"
    cmd = f"cd {ROOT} && {env} {' '.join(TLSVIZ)} learn"
    t = Tmux(cmd, 160, 45)
    try:
        screen = t.wait_for(r"4\. The handshake")
        assert "1. What encryption hides" in screen
        t.keys("Down", "Down", "Down", "Enter")  # the fourth lesson: the handshake
        screen = t.wait_for(r"step 1 of \d+")
        assert "ClientHello" in screen  # the explorer beside the prose
        t.keys("1")  # keys sent in the open: wrong
        screen = t.wait_for(r"Not quite")
        assert "The right answer" in screen
        t.keys("3")  # each side sends a public value: right
        screen = t.wait_for(r"Right\.")
        assert "Not quite" in screen  # both explanations stay on screen
        t.keys("q")
        t.wait_for(r"EXIT=0")
    finally:
        t.kill()
    t = Tmux(cmd, 160, 45)
    try:
        screen = t.wait_for(r"4\. The handshake")
        assert re.search(r"The handshake.*step 1 of 4 · 1/\d+ right", screen), screen
        t.keys("q")
    finally:
        t.kill()
