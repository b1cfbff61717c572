"""The classroom commands for real: ``tlsviz present`` in a terminal (tmux) shows the
handshake, ``tlsviz follow NAME`` in a second terminal moves when the presenter
moves, and the command lines refuse what they cannot use in one sentence."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT, need_tool
from tests.test_ui_terminal import TLSVIZ, Tmux
from tlsviz.source import open_capture
from tlsviz.ui.slides import message_name
from tlsviz.ui.sources import bundled_source

TLS13 = ROOT / "captures" / "tls13-aes128gcm.pcap"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TLSVIZ, *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, env=env)  # fmt: skip


def test_present_shows_the_handshake_in_tmux() -> None:
    need_tool("tmux")
    keys = bundled_source("tls13-aes128gcm").material  # what present opens it with
    (conn,) = open_capture(TLS13, keys, streams=False)
    names = [message_name(m) for m in conn.messages]
    t = Tmux(f"cd {ROOT} && {' '.join(TLSVIZ)} present", 80, 24)
    try:
        screen = t.wait_for(r"1 / 14")
        assert "ClientHello" in screen and "Server name (SNI)" in screen
        assert "localhost" in screen  # the SNI's value
        assert "next ▸ 2. ServerHello" in screen
        shown = []
        for i in range(len(names)):
            screen = t.wait_for(rf"\b{i + 1} / {len(names)}")
            m = re.search(r"next ▸ \d+\. (\w+)", screen)
            shown.append(m.group(1) if m else None)
            t.keys("n")
        # each slide previews the message that follows it, in the capture's order
        assert shown[:-1] == names[1:] and shown[-1] is None
        assert "the end" in screen
        t.keys("q")
        t.wait_for(r"EXIT=0")
    finally:
        t.kill()


def test_follow_moves_with_the_presenter_in_tmux(tmp_path: Path) -> None:
    need_tool("tmux")
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    env = f"XDG_RUNTIME_DIR={run} XDG_STATE_HOME={tmp_path / 'state'}"
    cli = f"cd {ROOT} && {env} {' '.join(TLSVIZ)}"
    teacher = Tmux(f"{cli} present --classroom room-7", 100, 30)
    student = Tmux(f"{cli} follow room-7", 120, 40)
    try:
        teacher.wait_for(r"1 / 14")
        # the explanation pane names the selected field: the one the slide marks
        student.wait_for(r"● following room-7.*ext\.server_name\.host_name")
        teacher.keys("n")
        student.wait_for(r"server_hello\.cipher_suite")
        teacher.keys("n")
        student.wait_for(r"ccs\.type")
        # the student steps away (back one message) and stays there while the teacher moves
        student.keys("p")
        student.wait_for(r"on your own.*server_hello\.cipher_suite")
        teacher.keys("n", "n")
        teacher.wait_for(r"5 / 14")
        time.sleep(1)
        screen = student.screen()
        assert "on your own" in screen and "server_hello.cipher_suite" in screen
        # t: back to where the teacher is (the certificate's subject)
        student.keys("t")
        student.wait_for(r"● following room-7.*x509\.subject")
        teacher.keys("q")
        teacher.wait_for(r"EXIT=0")
        student.wait_for(r"the teacher stopped presenting")
        student.keys("q")
        student.wait_for(r"EXIT=0")
    finally:
        teacher.kill()
        student.kill()


def test_the_classroom_commands_refuse_bad_input(tmp_path: Path) -> None:
    for args, words in (
        (["present", "--classroom", "../etc"], "not a classroom name"),
        (["present", "no-such-thing"], "no-such-thing"),
        (["present", "handshake", "--keylog", "x.keys"], "lesson names its own"),
        (["present", "--connection", "999"], "no connection 999"),
        (["present", "--timer", "0"], "--timer"),
        (["present", "--step", "99"], "14 messages"),
        (["present"], "needs a terminal"),
        (["follow", "a/b"], "not a classroom name"),
        (["follow", "room"], "needs a terminal"),
        (["serve", "--port", "70000"], "not a TCP port"),
        (["serve", "--max-sessions", "0"], "at least 1"),
        (["serve", "--classroom", "x y"], "not a classroom name"),
    ):
        p = _cli(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith("tlsviz: ") and p.stderr.count("\n") == 1, (args, p.stderr)
        assert words in p.stderr, (args, p.stderr)
        assert "Traceback" not in p.stderr and p.stdout == ""
