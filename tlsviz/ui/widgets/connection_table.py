"""The connection list: one row per connection, made for hundreds of thousands.

Written on the Line API like the hex view: rows are plain tuples, appended
in batches as the summary path finds them, and only the rows on screen are
drawn, so appending 12,000 rows costs a list extend, not 12,000 layouts.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: (header, width); the last column takes what is left
COLUMNS: tuple[tuple[str, int], ...] = (
    ("#", 7),
    ("client", 22),
    ("server", 22),
    ("SNI", 18),
    ("version", 8),
    ("suite", 30),
    ("keys", 11),
    ("resumed", 10),
    ("msgs", 5),
)

STATUS_STYLE = {
    "✔ verified": "green",
    "◐ partial": "yellow",
    "✘ mismatch": "bold red",
}


class ConnectionTable(ScrollView, can_focus=True):
    """Rows of connection facts; enter or a click opens one."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"table--header", "table--cursor"}

    DEFAULT_CSS = """
    ConnectionTable { background: $surface; }
    ConnectionTable > .table--header { text-style: bold; background: $panel; }
    ConnectionTable > .table--cursor { background: $accent 60%; text-style: bold; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("pageup", "move(-20)", "page up", show=False),
        Binding("pagedown", "move(20)", "page down", show=False),
        Binding("home", "move(-1000000000)", "first", show=False),
        Binding("end", "move(1000000000)", "last", show=False),
        Binding("enter", "choose", "open", show=False),
    ]

    class Chosen(Message):
        def __init__(self, conn_id: int) -> None:
            super().__init__()
            self.conn_id = conn_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[tuple[str, ...]] = []
        self.ids: list[int] = []
        self.cursor = 0
        self._index: dict[int, int] = {}

    def add(self, conn_id: int, cells: tuple[str, ...]) -> None:
        self.extend([(conn_id, cells)])

    def extend(self, rows: list[tuple[int, tuple[str, ...]]]) -> None:
        for conn_id, cells in rows:
            if conn_id in self._index:
                self.rows[self._index[conn_id]] = cells
                continue
            self._index[conn_id] = len(self.rows)
            self.ids.append(conn_id)
            self.rows.append(cells)
        width = sum(w + 1 for _, w in COLUMNS)
        self.virtual_size = Size(width, len(self.rows) + 1)
        self.refresh()

    def __len__(self) -> int:
        return len(self.rows)

    # -- drawing --------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if y == 0:  # the header stays put
            header = self.get_component_rich_style("table--header")
            text = "".join(_cell(name, w) for name, w in COLUMNS)
            return Strip([Segment(text, base + header)]).adjust_cell_length(width, base + header)
        index = y - 1 + self.scroll_offset.y
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        style = base
        if index == self.cursor:
            style += self.get_component_rich_style("table--cursor")
        segs = []
        for (name, w), value in zip(COLUMNS, self.rows[index], strict=False):
            cell_style = style
            if name == "keys" and value in STATUS_STYLE:
                cell_style = style + Style.parse(STATUS_STYLE[value])
            segs.append(Segment(_cell(value, w), cell_style))
        strip = Strip(segs).adjust_cell_length(max(width, self.virtual_size.width), style)
        return strip.crop(self.scroll_offset.x, self.scroll_offset.x + width)

    # -- input ----------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))
        visible = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)
        self.refresh()

    def action_choose(self) -> None:
        if self.rows:
            self.post_message(self.Chosen(self.ids[self.cursor]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = offset.y - 1 + self.scroll_offset.y
        if 0 <= index < len(self.rows):
            self.cursor = index
            self.refresh()
            if event.chain >= 2:  # a double click opens, as enter does
                self.post_message(self.Chosen(self.ids[index]))


def _cell(value: str, width: int) -> str:
    value = str(value)
    if len(value) > width:
        value = value[: width - 1] + "…"
    return value.ljust(width) + " "
