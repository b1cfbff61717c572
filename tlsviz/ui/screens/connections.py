"""The connections of a capture: one row each, filled as they are decoded.

For a big capture the rows come from the summary path (one line per
connection, no field trees) with a progress bar; a connection is decoded in
full only when it is opened.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from ...session.model import Connection
from ...wire.fields import printable
from ..widgets.connection_table import ConnectionTable

STATUS = {"verified": "✔ verified", "partial": "◐ partial", "mismatch": "✘ mismatch"}


def row_of_connection(c: Connection) -> tuple[str, ...]:
    from ...session.export import resumption_of

    status = c.keys.status()[0] if c.keys is not None else "—"
    return (str(c.id), c.client, c.server, printable(c.sni or ""), c.version or "?",
            (c.cipher_suite or "").removeprefix("TLS_"), STATUS.get(status, status),
            resumption_of(c) or "", str(len(c.messages)))  # fmt: skip


def row_of_summary(r: dict[str, Any]) -> tuple[str, ...]:
    keys = r.get("keys") or {}
    status = keys.get("status") if isinstance(keys, dict) else None
    resumed = r.get("resumption") or ("resumed" if r.get("resumed") else "")
    return (str(r["id"]), r.get("client", ""), r.get("server", ""), printable(r.get("sni") or ""),
            r.get("version") or "?", (r.get("cipher_suite") or "").removeprefix("TLS_"),
            STATUS.get(status or "", status or "—"), resumed, "")  # fmt: skip


class ConnectionsScreen(Screen[None]):
    """Pick a connection (enter) to explore it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "open", show=True),
        Binding("escape", "back", "back", show=False),
    ]

    def __init__(self, *, waiting: str | None = None, show_existing: bool = False) -> None:
        super().__init__()
        self.waiting = waiting
        self.show_existing = show_existing
        self._label = ""

    def compose(self) -> ComposeResult:
        yield Static(id="connections-header")
        yield ProgressBar(id="connections-progress", show_eta=False)
        yield ConnectionTable(id="connections-table")
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        source = app.source
        # a file's name: shown as it is, never read as markup
        self._label = escape(source.label) if source is not None else ""
        self.query_one("#connections-progress", ProgressBar).display = bool(
            source is not None and source.big
        )
        if self.waiting:
            self._set_header(f"[b]tlsviz[/b] · {escape(self.waiting)}")
        else:
            self._set_header(f"[b]tlsviz[/b] · {self._label} · reading…")
        if self.show_existing:
            if app.rows:
                self.add_rows(app.rows, 0)
            else:
                for c in app.connections.values():
                    self.add_connection(c)
        if app.loading_done:  # the reading may end before this screen is up
            self.done()
        self.query_one(ConnectionTable).focus()

    @property
    def count(self) -> int:
        return len(self.query_one(ConnectionTable))

    def _set_header(self, text: str) -> None:
        self.query_one("#connections-header", Static).update(text)

    def add_connection(self, c: Connection) -> None:
        self.query_one(ConnectionTable).add(c.id, row_of_connection(c))
        n = self.count
        self._set_header(f"[b]tlsviz[/b] · {self._label} · {n} TLS connection"
                         f"{'s' if n != 1 else ''} so far…")  # fmt: skip

    def add_rows(self, rows: list[dict[str, Any]], progress: int) -> None:
        self.query_one(ConnectionTable).extend([(r["id"], row_of_summary(r)) for r in rows])
        app: Any = self.app
        source = app.source
        if source is not None and source.big and source.path:
            bar = self.query_one("#connections-progress", ProgressBar)
            bar.update(total=max(1, os.path.getsize(source.path)), progress=progress)
        self._set_header(f"[b]tlsviz[/b] · {self._label} · {self.count:,} TLS connections "
                         "so far… (enter opens one)")  # fmt: skip

    def done(self) -> None:
        bar = self.query_one("#connections-progress", ProgressBar)
        if bar.display:
            bar.update(progress=bar.total or 1)
        n = self.count
        if n == 0:
            self._set_header(f"[b]tlsviz[/b] · {self._label} · no TLS connection was found in "
                             "this capture.")  # fmt: skip
        else:
            self._set_header(f"[b]tlsviz[/b] · {self._label} · {n:,} TLS connection"
                             f"{'s' if n != 1 else ''} · enter opens one")  # fmt: skip

    @on(ConnectionTable.Chosen)
    def _chosen(self, event: ConnectionTable.Chosen) -> None:
        event.stop()
        app: Any = self.app
        app.open_connection(event.conn_id)

    def action_open(self) -> None:
        self.query_one(ConnectionTable).action_choose()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
