"""The hex view: bytes of one message's buffers, with the field tree's selection.

Textual has no hex widget, so this one is written on the Line API: a
:class:`~textual.scroll_view.ScrollView` whose :meth:`render_line` draws one
row of bytes at a time, so a 16 KB record costs the rows on screen, not the
whole record.  Three highlight levels, as Wireshark's byte view has: the bytes
of the selected message (faint), the selected field (every one of its spans,
strong) and the byte under the mouse or the keyboard cursor.  The hex and ASCII
columns mirror each other.

The view never selects a field by itself: a click or a cursor move posts
:class:`ByteSelected`, and the screen decides (it ignores cursor moves while
the field tree has focus, so the two panes never move each other in a loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...wire.message import Buffer, Span
from ..messages import ByteSelected


@dataclass(frozen=True, slots=True)
class HexSection:
    """``data`` is bytes ``start ..`` of ``buffer``; ``title`` heads it."""

    buffer: Buffer
    start: int
    data: bytes
    title: str
    missing: tuple[tuple[int, int], ...] = ()  # holes in the capture (buffer offsets)

    @property
    def end(self) -> int:
        return self.start + len(self.data)


@dataclass(frozen=True, slots=True)
class _Line:
    section: int
    first: int  # buffer offset of the line's first column (aligned), or -1: title


class HexView(ScrollView, can_focus=True):
    """Bytes with highlights; arrows move a byte cursor, the mouse hovers and clicks."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "hex--offset",
        "hex--title",
        "hex--context",
        "hex--selected",
        "hex--hover",
        "hex--cursor",
        "hex--missing",
        "hex--dim",
    }

    DEFAULT_CSS = """
    HexView {
        background: $surface;
    }
    HexView > .hex--offset { color: $text-muted; }
    HexView > .hex--title { color: $accent; text-style: bold; }
    HexView > .hex--context { background: $primary 20%; }
    HexView > .hex--selected { background: $accent; color: $text; text-style: bold; }
    HexView > .hex--hover { text-style: underline reverse; }
    HexView > .hex--cursor { text-style: reverse; }
    HexView > .hex--missing { color: $error; }
    HexView > .hex--dim { color: $text-disabled; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1, 0)", "byte left", show=False),
        Binding("right", "move(1, 0)", "byte right", show=False),
        Binding("up", "move(0, -1)", "line up", show=False),
        Binding("down", "move(0, 1)", "line down", show=False),
        Binding("enter", "pick", "select field", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sections: list[HexSection] = []
        self.context: set[tuple[Buffer, int]] = set()
        self.selected: set[tuple[Buffer, int]] = set()
        self.hover: tuple[Buffer, int] | None = None
        self.cursor: tuple[Buffer, int] | None = None
        self._lines: list[_Line] = []
        self._per_line = 16

    # -- attributes down ------------------------------------------------------------
    def show(self, sections: list[HexSection], context: tuple[Span, ...]) -> None:
        """Show new bytes; ``context`` (the message's own bytes) is tinted."""
        self.sections = sections
        self.context = _bytes_of(context)
        self.selected = set()
        self.hover = None
        self.cursor = None
        self._layout()
        self.scroll_to(0, 0, animate=False)

    def select(self, spans: tuple[Span, ...], *, scroll: bool = True) -> None:
        """Highlight a field's bytes (all its spans) and bring the first into view."""
        self.selected = _bytes_of(spans)
        if spans and scroll:
            first = spans[0]
            self.cursor = (first.buffer, first.offset)
            y = self._line_of(first.buffer, first.offset)
            if y is not None:
                top = self.scroll_offset.y
                height = self.scrollable_content_region.height or self.size.height
                if not (top <= y < top + height):
                    self.scroll_to(y=max(0, y - 1), animate=False)
        self.refresh()

    # -- layout ---------------------------------------------------------------------
    def _bytes_per_line(self) -> int:
        width = self.scrollable_content_region.width or self.size.width or 80
        for n in (16, 8, 4):
            if _line_width(n) <= width:
                return n
        return 4

    def _layout(self) -> None:
        self._per_line = n = self._bytes_per_line()
        lines: list[_Line] = []
        for i, sec in enumerate(self.sections):
            lines.append(_Line(i, -1))
            first = sec.start - sec.start % n
            while first < sec.end:
                lines.append(_Line(i, first))
                first += n
        self._lines = lines
        self.virtual_size = Size(_line_width(n), len(lines))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self._bytes_per_line() != self._per_line:
            self._layout()

    def _line_of(self, buffer: Buffer, offset: int) -> int | None:
        for y, line in enumerate(self._lines):
            if line.first < 0:
                continue
            sec = self.sections[line.section]
            if (
                sec.buffer == buffer
                and line.first <= offset < line.first + self._per_line
                and sec.start <= offset < sec.end
            ):
                return y
        return None

    # -- drawing --------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width or self.size.width
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, self.rich_style)
        line = self._lines[index]
        sec = self.sections[line.section]
        base = self.rich_style
        if line.first < 0:
            title = self.get_component_rich_style("hex--title")
            text = sec.title[:width]
            return Strip([Segment(text, base + title)]).adjust_cell_length(width, base)
        return self._byte_line(sec, line.first, width, base).crop(self.scroll_offset.x)

    def _byte_line(self, sec: HexSection, first: int, width: int, base: Style) -> Strip:
        n = self._per_line
        styles = {
            name: self.get_component_rich_style(f"hex--{name}")
            for name in ("offset", "context", "selected", "hover", "cursor", "missing", "dim")
        }
        segs = [Segment(f"{first:>6x}  ", base + styles["offset"])]
        ascii_segs: list[Segment] = []
        for k in range(n):
            off = first + k
            sep = " " if (k != n - 1) else ""
            if k == 8 and n == 16:
                segs.append(Segment(" ", base))
            if not sec.start <= off < sec.end:
                segs.append(Segment("  " + sep, base))
                ascii_segs.append(Segment(" ", base))
                continue
            b = sec.data[off - sec.start]
            style = base
            key = (sec.buffer, off)
            missing = any(g <= off < g + m for g, m in sec.missing)
            if missing:
                style += styles["missing"]
            elif key in self.selected:
                style += styles["selected"]
            elif key in self.context:
                style += styles["context"]
            else:
                style += styles["dim"]
            if key == self.hover:
                style += styles["hover"]
            elif key == self.cursor and self.has_focus:
                style += styles["cursor"]
            text = "??" if missing else f"{b:02x}"
            segs.append(Segment(text, style))
            if sep:
                # the gap between two selected bytes is selected too
                nxt = (sec.buffer, off + 1)
                joined = key in self.selected and nxt in self.selected and k != 7
                segs.append(Segment(sep, style if joined else base))
            ch = chr(b) if 32 <= b < 127 else "·"
            ascii_segs.append(Segment("?" if missing else ch, style))
        segs.append(Segment("  ", base))
        segs.extend(ascii_segs)
        return Strip(segs).adjust_cell_length(max(width, _line_width(n)), base)

    # -- input ----------------------------------------------------------------------
    def _byte_at(self, x: int, y: int) -> tuple[Buffer, int] | None:
        index = y + self.scroll_offset.y
        x += self.scroll_offset.x
        if not 0 <= index < len(self._lines):
            return None
        line = self._lines[index]
        if line.first < 0:
            return None
        sec = self.sections[line.section]
        n = self._per_line
        col = x - 8
        k: int | None = None
        if col >= 0:
            # hex columns: 3 cells a byte, one more space after the 8th of 16
            if n == 16 and col >= 24:
                col -= 1
            if col < 3 * n:
                k = col // 3
            else:
                ascii_start = 3 * n + 1
                if ascii_start <= col < ascii_start + n:
                    k = col - ascii_start
        if k is None:
            return None
        off = line.first + k
        if sec.start <= off < sec.end:
            return sec.buffer, off
        return None

    def _event_byte(self, event: events.MouseEvent) -> tuple[Buffer, int] | None:
        offset = event.get_content_offset(self)
        return None if offset is None else self._byte_at(offset.x, offset.y)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        at = self._event_byte(event)
        if at != self.hover:
            self.hover = at
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self.hover is not None:
            self.hover = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        at = self._event_byte(event)
        if at is not None:
            self.cursor = at
            self.post_message(ByteSelected(Span(at[0], at[1], 1), by_keyboard=False))
            self.refresh()

    def action_move(self, dx: int, dy: int) -> None:
        flat = [(sec.buffer, off) for sec in self.sections for off in range(sec.start, sec.end)]
        if not flat:
            return
        try:
            pos = flat.index(self.cursor) if self.cursor is not None else 0
        except ValueError:
            pos = 0
        pos = max(0, min(len(flat) - 1, pos + dx + dy * self._per_line))
        self.cursor = flat[pos]
        self.post_message(ByteSelected(Span(flat[pos][0], flat[pos][1], 1), by_keyboard=True))
        y = self._line_of(*flat[pos])
        if y is not None:
            self.scroll_to_region_line(y)
        self.refresh()

    def action_pick(self) -> None:
        if self.cursor is not None:
            span = Span(self.cursor[0], self.cursor[1], 1)
            self.post_message(ByteSelected(span, by_keyboard=False))

    def scroll_to_region_line(self, y: int) -> None:
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height or self.size.height
        if y < top:
            self.scroll_to(y=y, animate=False)
        elif y >= top + height:
            self.scroll_to(y=y - height + 1, animate=False)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def _line_width(n: int) -> int:
    return 8 + 3 * n - 1 + (1 if n == 16 else 0) + 2 + n


def _bytes_of(spans: tuple[Span, ...]) -> set[tuple[Buffer, int]]:
    out: set[tuple[Buffer, int]] = set()
    for s in spans:
        out.update((s.buffer, o) for o in range(s.offset, s.end))
    return out
