"""The explorer: one connection, one message at a time, every pane following.

The ladder picks the message; the field tree shows its fields and picks a
field; the hex view shows the message's bytes and highlights the field's
spans; the explanation says what the field is; the tabs below show what is
true as of the selected message (keys, this record's decryption, the
certificates, the cost, the conversation, the diagnostics).  The panes and
their logic are :class:`~tlsviz.ui.widgets.explorer_view.ExplorerView`; this
screen adds the header, the footer and the bindings.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...session.model import Connection
from ...wire.fields import printable
from ...wire.message import Message
from ..widgets.explorer_view import COMPACT_WIDTH, ExplorerView, Position
from ..widgets.field_tree import FieldRef

__all__ = ["ExplorerScreen", "Position", "status_text"]


def status_text(conn: Connection) -> tuple[str, str]:
    if conn.keys is None:
        return "no keys", "warning"
    status, _ = conn.keys.status()
    mark = {"verified": "✔ verified", "partial": "◐ partial", "mismatch": "✘ mismatch"}
    style = {"verified": "success", "partial": "warning"}.get(status, "error")
    return mark.get(status, "🔑 no keys"), style


class ExplorerScreen(Screen[None]):
    """Step through one connection."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "step(1)", "next", priority=True),
        Binding("p", "step(-1)", "prev", priority=True),
        Binding("home,g", "first", "first", show=False),
        Binding("end,G", "last", "last", show=False),
        Binding("space", "play", "play", priority=True, show=False),
        Binding("plus,equals_sign", "pace(-0.5)", "faster", show=False),
        Binding("minus", "pace(0.5)", "slower", show=False),
        Binding("f", "view('fields')", "fields"),
        Binding("x", "view('hex')", "hex"),
        Binding("k", "view('keys')", "keys"),
        Binding("r", "view('record')", "record", show=False),
        Binding("c", "view('certificates')", "certs", show=False),
        Binding("o", "view('cost')", "cost", show=False),
        Binding("a", "view('conversation')", "app data", show=False),
        Binding("d", "view('diagnostics')", "diagnostics", show=False),
        Binding("l", "connections", "list", show=False),
        Binding("m", "compare", "compare", show=False),
        Binding("slash", "find", "find field", show=False),
        Binding("escape", "back", "back", show=False),
    ]

    def __init__(
        self,
        conn: Connection,
        *,
        source_label: str = "",
        position: Position | None = None,
        total: int = 1,
        number: int = 1,
    ) -> None:
        super().__init__()
        self.conn = conn
        self.source_label = source_label
        self.pos = position if position is not None else Position()
        self.total = total
        self.number = number

    def compose(self) -> ComposeResult:
        yield Static(id="explorer-header")
        yield ExplorerView(self.conn, self.pos, id="explorer")
        yield Footer()

    def on_mount(self) -> None:
        self._header()
        self.query_one("#ladder").focus()
        app: Any = self.app
        app.trace("explorer mounted")
        self.call_after_refresh(app.trace, "explorer drawn")

    def on_resize(self) -> None:
        self._header()

    def retarget(
        self, conn: Connection, *, source_label: str, position: Position, total: int, number: int
    ) -> None:
        """Show another connection in this screen: its widgets stay where they
        are, so opening a connection costs its panes' contents, not a layout."""
        self.conn = conn
        self.source_label = source_label
        self.pos = position
        self.total = total
        self.number = number
        self.explorer.show(conn, position)
        self._header()
        self.query_one("#ladder").focus()

    @property
    def explorer(self) -> ExplorerView:
        return self.query_one(ExplorerView)

    def _header(self) -> None:
        c = self.conn
        status, style = status_text(c)
        parts = [
            f"[b]tlsviz[/b] · {escape(self.source_label)}",
            f"{self.number} of {self.total}" if self.total > 1 else "",
            f"{c.client} → {c.server}",
            c.version or "version ?",
            (c.cipher_suite or "").removeprefix("TLS_"),
            c.group or "",
            f"SNI {escape(printable(c.sni))}" if c.sni else "",
            f"[${style}]{status}[/]",
        ]
        header = self.query_one("#explorer-header", Static)
        if self.app.size.width < COMPACT_WIDTH:
            parts = [
                f"[b]{escape(self.source_label)}[/b]",
                parts[1],
                parts[3],
                (c.cipher_suite or "").removeprefix("TLS_").split("_WITH_")[-1],
                parts[7],
            ]
        header.update(" · ".join(p for p in [self.header_note(), *parts] if p))
        header.tooltip = c.keys.status()[1] if c.keys is not None else None

    def header_note(self) -> str:
        """Markup shown first in the header (a follower says whom it follows)."""
        return ""

    # -- what the view knows, for the app, lessons and tests ------------------------
    @property
    def message(self) -> Message:
        return self.explorer.message

    @property
    def selected(self) -> FieldRef | None:
        return self.explorer.selected

    @property
    def pace(self) -> float:
        return self.explorer.pace

    @pace.setter
    def pace(self, value: float) -> None:
        self.explorer.pace = value

    def go_to(self, message: int, key: str | None = None) -> None:
        self.explorer.go_to(message, key)

    # -- bindings: the view does the work -----------------------------------------------
    def action_step(self, delta: int) -> None:
        self.explorer.action_step(delta)

    def action_first(self) -> None:
        self.explorer.action_first()

    def action_last(self) -> None:
        self.explorer.action_last()

    def action_play(self) -> None:
        self.explorer.action_play()

    def action_pace(self, delta: float) -> None:
        self.explorer.action_pace(delta)

    def action_view(self, view: str) -> None:
        self.explorer.action_view(view)

    def action_find(self) -> None:
        self.explorer.action_find()

    def action_back(self) -> None:
        self.explorer.action_back()

    def action_connections(self) -> None:
        self.app.action_connections()  # type: ignore[attr-defined]

    def action_compare(self) -> None:
        self.app.action_compare()  # type: ignore[attr-defined]
