"""The connections of a capture: one row each, filled as they are decoded.

For a big capture the rows come from the summary path (one line per
connection, no field trees) with a progress bar; a connection is decoded in
full only when it is opened.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from ...session.model import Connection

COLUMNS = ("#", "client", "server", "SNI", "version", "suite", "keys", "resumed", "msgs")


def _status_cell(status: str | None) -> Text:
    if status is None:
        return Text("—", style="dim")
    style = {"verified": "green", "partial": "yellow", "mismatch": "bold red"}.get(status, "dim")
    mark = {"verified": "✔ ", "partial": "◐ ", "mismatch": "✘ "}.get(status, "")
    return Text(mark + status, style=style)


def row_of_connection(c: Connection) -> tuple[Any, ...]:
    from ...session.export import resumption_of

    status = c.keys.status()[0] if c.keys is not None else None
    resumed = resumption_of(c)
    return (
        c.id,
        c.client,
        c.server,
        c.sni or "",
        c.version or "?",
        (c.cipher_suite or "").removeprefix("TLS_"),
        _status_cell(status),
        resumed or "",
        len(c.messages),
    )


def row_of_summary(r: dict[str, Any]) -> tuple[Any, ...]:
    keys = r.get("keys") or {}
    status = keys.get("status") if isinstance(keys, dict) else None
    resumed = r.get("resumption") or ("yes" if r.get("resumed") else "")
    return (
        r["id"],
        r.get("client", ""),
        r.get("server", ""),
        r.get("sni") or "",
        r.get("version") or "?",
        (r.get("cipher_suite") or "").removeprefix("TLS_"),
        _status_cell(status),
        resumed,
        "",
    )


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
        self._count = 0
        self._label = ""

    def compose(self) -> ComposeResult:
        yield Static(id="connections-header")
        yield ProgressBar(id="connections-progress", show_eta=False)
        yield DataTable(id="connections-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def _table(self) -> DataTable[Any]:
        """The table, with its columns (rows can arrive before this screen is mounted)."""
        table: DataTable[Any] = self.query_one(DataTable)
        if not table.columns:
            for c in COLUMNS:
                table.add_column(c, key=c)
        return table

    def on_mount(self) -> None:
        table = self._table()
        app: Any = self.app
        source = app.source
        label = source.label if source is not None else ""
        self._label = label
        self._count = getattr(self, "_count", 0)
        self.query_one("#connections-progress", ProgressBar).display = bool(
            source is not None and source.big
        )
        if self.waiting:
            self._set_header(f"[b]tlsviz[/b] · {self.waiting}")
        else:
            self._set_header(f"[b]tlsviz[/b] · {label} · reading…")
        if self.show_existing:
            if app.rows:
                self.add_rows(app.rows, 0)
            else:
                for c in app.connections.values():
                    self.add_connection(c)
            if app.loading_done:
                self.done()
        table.focus()

    def _set_header(self, text: str) -> None:
        self.query_one("#connections-header", Static).update(text)

    def add_connection(self, c: Connection) -> None:
        table = self._table()
        if str(c.id) in table.rows:
            return
        table.add_row(*row_of_connection(c), key=str(c.id))
        self._count += 1
        self._set_header(
            f"[b]tlsviz[/b] · {self._label} · {self._count} TLS connection"
            f"{'s' if self._count != 1 else ''} so far…"
        )

    def add_rows(self, rows: list[dict[str, Any]], progress: int) -> None:
        table = self._table()
        for r in rows:
            key = str(r["id"])
            if key not in table.rows:
                table.add_row(*row_of_summary(r), key=key)
                self._count += 1
        app: Any = self.app
        source = app.source
        if source is not None and source.big and source.path:
            import os

            bar = self.query_one("#connections-progress", ProgressBar)
            bar.update(total=max(1, os.path.getsize(source.path)), progress=progress)
        self._set_header(
            f"[b]tlsviz[/b] · {self._label} · {self._count:,} TLS connections "
            "so far… (enter opens one)"
        )

    def done(self) -> None:
        bar = self.query_one("#connections-progress", ProgressBar)
        if bar.display:
            bar.update(progress=bar.total or 1)
        n = self._count
        if n == 0:
            self._set_header(
                f"[b]tlsviz[/b] · {self._label} · no TLS connection was found in this capture."
            )
        else:
            self._set_header(
                f"[b]tlsviz[/b] · {self._label} · {n:,} TLS connection"
                f"{'s' if n != 1 else ''} · enter opens one"
            )

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self._open(key.value)

    def _open(self, key: str | None) -> None:
        if key is None:
            return
        app: Any = self.app
        app.open_connection(int(key))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
