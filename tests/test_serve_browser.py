"""``tlsviz serve`` for real: the server on 127.0.0.1 answers HTTP with the page, a
headless Chromium (Debian's, through Playwright) gets a tlsviz of its own over the
websocket, the session limit gives the "in use" page, and with ``--classroom`` the
browser's tlsviz follows a presenter running in a terminal (tmux)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, need_tool
from tests.test_ui_terminal import TLSVIZ, Tmux

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("textual_serve")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """``tlsviz serve`` in the background; its output read as it comes."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen([*TLSVIZ, "serve", "--port", str(self.port), *args],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)  # fmt: skip
        assert self.proc.stdout is not None
        self.banner = [self.proc.stdout.readline() for _ in range(3)]

    def get(self) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    out = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out.update(XDG_RUNTIME_DIR=str(run), XDG_STATE_HOME=str(tmp_path / "state"))
    return out


class Tab:
    """A browser tab on the server, with the terminal text its websocket received."""

    def __init__(self, browser: Any, url: str) -> None:
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.ctx.new_page()
        self.frames: list[str] = []
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("websocket", self._socket)
        self.page.goto(url)

    def _socket(self, ws: Any) -> None:
        def frame(payload: Any) -> None:
            data = payload if isinstance(payload, bytes) else payload.encode()
            self.frames.append(data.decode("utf-8", "replace"))

        ws.on("framereceived", frame)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in "".join(self.frames):
                return
            self.page.wait_for_timeout(200)
        raise AssertionError(f"{text!r} never reached the browser")

    def close(self) -> None:
        self.ctx.close()


def test_serve_answers_on_loopback_and_limits_sessions(browser: Any, env: dict[str, str]) -> None:
    served = Served(env, "--max-sessions", "1")
    try:
        head = "".join(served.banner)
        assert f"http://127.0.0.1:{served.port}/" in head and "no authentication" in head
        status, page = served.get()
        assert status == 200 and 'class="textual-terminal"' in page
        assert f"ws://127.0.0.1:{served.port}/ws" in page
        assert "https://" not in page  # nothing fetched from elsewhere
        # a browser gets an app of its own: the home screen's text over the websocket
        tab = Tab(browser, served.url)
        tab.wait_for("New live handshake")
        tab.page.wait_for_selector("body.-first-byte .xterm-screen", timeout=10_000)
        assert all(u.startswith(served.url) for u in tab.requests), tab.requests
        # a key typed in the browser reaches the app: ? opens the explorer's help
        tab.page.click(".xterm-screen")
        tab.page.keyboard.press("?")
        tab.wait_for("one message at a time")
        # the one session is in use: the next visitor reads so, in words
        status, page = served.get()
        assert status == 503 and "Every tlsviz session is in use" in page
        other = Tab(browser, served.url)
        text = other.page.inner_text("body")
        assert "Every tlsviz session is in use" in text and "at most 1 session" in text
        other.close()
        # the first tab leaves: the place is free again
        tab.close()
        deadline = time.monotonic() + 20
        while served.get()[0] != 200:
            assert time.monotonic() < deadline, "the session was never given back"
            time.sleep(0.3)
    finally:
        assert served.stop() == 0


def test_served_apps_follow_a_classroom(browser: Any, env: dict[str, str]) -> None:
    need_tool("tmux")
    served = Served(env, "--classroom", "lab")
    assert "following classroom lab" in "".join(served.banner)
    run, state = env["XDG_RUNTIME_DIR"], env["XDG_STATE_HOME"]
    cli = f"cd {ROOT} && XDG_RUNTIME_DIR={run} XDG_STATE_HOME={state} {sys.executable} -m tlsviz"
    teacher = Tmux(f"{cli} present --classroom lab", 100, 30)
    try:
        teacher.wait_for(r"1 / 14")
        tab = Tab(browser, served.url)
        tab.wait_for("following lab")
        tab.wait_for("ext.server_name.host_name")  # the field the first slide marks
        teacher.keys("n")
        teacher.wait_for(r"2 / 14")  # the presenter moved on (a busy machine is slow to show it)
        tab.wait_for("server_hello.cipher_suite", timeout=60)
        tab.close()
    finally:
        teacher.kill()
        assert served.stop() == 0
