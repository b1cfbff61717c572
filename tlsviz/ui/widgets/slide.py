"""One message as a projector shows it: big number and name, the fields that
matter, one sentence of why.

The presenter shows one of these per message of a capture, and one beside a
lesson's prose for the bytes the step points at.  What it says comes from
:mod:`tlsviz.ui.slides`; this widget only lays it out in large blocks.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Static

from ...session.model import Connection
from .. import slides
from .bigtext import BigText

#: Fields a slide has room for.
MAX_FIELDS = 3


class Slide(Vertical):
    """A message: its number, name, way, key fields (one selected) and why."""

    def __init__(self, *, id: str | None = None, numbered: bool = True) -> None:
        super().__init__(id=id, classes="slide")
        self.numbered = numbered
        self.fields: list[slides.SlideField] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="slide-head"):
            yield BigText(classes="slide-number")
            yield BigText(classes="slide-name")
        yield Static(classes="slide-travel")
        yield Static(classes="slide-mark")
        with Vertical(classes="slide-fields"):
            for _ in range(MAX_FIELDS):
                yield Static(classes="slide-field")
        yield Static(classes="slide-why")

    def on_mount(self) -> None:
        self.query_one(".slide-number", BigText).display = self.numbered

    def set_compact(self, compact: bool) -> None:
        """Short on room: the name in one line of text, the number left out."""
        self.set_class(compact, "-compact")
        for big in self.query(BigText):
            big.set_plain(compact)

    def show(
        self,
        conn: Connection,
        index: int,
        *,
        selected: int = 0,
        hidden: bool = False,
        only: str | None = None,
    ) -> None:
        """Show message ``index`` of ``conn``; field ``selected`` is marked, values are
        hidden (for the room to guess first) when ``hidden``.  ``only`` names the one
        field to show (a lesson step's), with its own sentence of why."""
        m = conn.messages[index]
        self.fields = slides.slide_fields(m, MAX_FIELDS)
        why = slides.why(m)
        if only is not None:
            found = slides.find_field(m, only)
            if found is not None:
                found_field, path = found
                label = found_field.name.replace("_", " ")
                value = slides.value_text(found_field)
                self.fields = [slides.SlideField(label, only, value, path)]
                why = slides.field_why(only) or why
        self.query_one(".slide-number", BigText).update(str(index + 1))
        self.query_one(".slide-name", BigText).update(slides.message_name(m))
        self.query_one(".slide-travel", Static).update(slides.travel(conn, index))
        mark = slides.finished_mark(conn, m)
        mark_w = self.query_one(".slide-mark", Static)
        mark_w.update(mark)
        mark_w.display = bool(mark)
        mark_w.set_class(mark.startswith("✘"), "-bad")
        for i, w in enumerate(self.query(".slide-field").results(Static)):
            if i >= len(self.fields):
                w.display = False
                continue
            f = self.fields[i]
            value = "[dim]▒▒▒▒▒▒▒▒▒▒▒▒   r reveals[/]" if hidden else f"[b]{escape(f.value)}[/]"
            w.update(f"[b $secondary]{escape(f.label)}[/]\n{value}")
            w.display = True
            w.set_class(i == selected and len(self.fields) > 1, "-selected")
        self.query_one(".slide-why", Static).update(f"[b $primary]Why[/]  {escape(why)}")
