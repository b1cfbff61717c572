"""``tlsviz serve``: textual-serve's server, with a limit and its own pages.

textual-serve runs one app process per browser websocket.  This server counts
them: at the limit, the page is a plain one saying every session is in use
(HTTP 503, retried by the browser every few seconds), and a websocket that
comes anyway (a page loaded just before the last place went) gets the same
sentence in its terminal and is closed.  The pages are tlsviz's own templates:
nothing is fetched from elsewhere (textual-serve's stock page asks a web font
service for its font), and the websocket address is the one the browser used,
so the page works whatever name or address the server was reached by.
"""

from __future__ import annotations

import asyncio
import getpass
import ipaddress
import logging
import signal
from pathlib import Path
from typing import Any, TextIO

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

TEMPLATES = Path(__file__).parent / "templates"

#: Seconds after which the "full" page tries again.
RETRY = 10


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class ClassroomServer(Server):
    """textual-serve's server with at most ``max_sessions`` apps at once."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        max_sessions: int,
        classroom: str | None,
        out: TextIO,
    ) -> None:
        super().__init__(command, host=host, port=port, title="tlsviz", templates_path=TEMPLATES)
        self.max_sessions = max_sessions
        self.classroom = classroom
        self.active = 0
        self.out = out

    # -- start ---------------------------------------------------------------------------
    def initialize_logging(self) -> None:
        """Only problems (textual-serve logs every request otherwise)."""
        logging.basicConfig(level="WARNING", format="tlsviz serve: %(message)s")

    def serve(self, debug: bool = False) -> None:
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        try:
            web.run_app(
                self._make_app(),
                host=self.host,
                port=self.port,
                handle_signals=False,
                loop=loop,
                print=self._listening,
            )
        finally:
            loop.close()

    async def on_startup(self, app: web.Application) -> None:
        """(textual-serve prints a banner here; ours waits until the port is open.)"""

    def _listening(self, _text: str) -> None:
        url = url_of(self.host, self.port)
        say = self.out.write
        limit = f"at most {self.max_sessions} at once"
        what = f"following classroom {self.classroom}" if self.classroom else "the home screen"
        say(f"tlsviz serve: {url}/ (one tlsviz per browser tab, {what}, {limit})\n")
        who = getpass.getuser()
        if is_loopback(self.host):
            say(
                f"Warning: textual-serve has no authentication: anyone who can open {url} on "
                f"this machine gets a tlsviz session running as {who}.\n"
            )
        else:
            say(
                f"Warning: {url} is open to the network and textual-serve has no "
                f"authentication: anyone who can reach it gets a tlsviz session running as "
                f"{who} on this machine, which can open the files {who} can read. Serve a "
                f"trusted network only.\n"
            )
        say("Ctrl+C stops the server.\n")
        self.out.flush()

    # -- pages ---------------------------------------------------------------------------
    @property
    def full(self) -> bool:
        return self.active >= self.max_sessions

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full:
            response = aiohttp_jinja2.render_template(
                "full.html", request, {"sessions": self.max_sessions, "retry": RETRY}
            )
            response.set_status(503)
            response.headers["Retry-After"] = str(RETRY)
            return response
        base = f"{request.scheme}://{request.host}"
        ws = ("wss" if request.scheme == "https" else "ws") + base[len(request.scheme) :]
        size = request.query.get("fontsize", "16")
        context: dict[str, Any] = {
            "font_size": int(size) if size.isdigit() and 6 <= int(size) <= 64 else 16,
            "app_websocket_url": f"{ws}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if self.full:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            text = (
                f"\x1b[2J\x1b[H\r\n  Every tlsviz session is in use (at most "
                f"{self.max_sessions}).\r\n  Close a tlsviz tab, or reload this page "
                f"in a moment.\r\n"
            )
            await ws.send_bytes(text.encode())
            await ws.close()
            return ws
        self.active += 1
        self._note("opened")
        try:
            return await super().handle_websocket(request)
        finally:
            self.active -= 1
            self._note("closed")

    def _note(self, what: str) -> None:
        self.out.write(
            f"tlsviz serve: a session {what} ({self.active} of {self.max_sessions} in use)\n"
        )
        self.out.flush()
