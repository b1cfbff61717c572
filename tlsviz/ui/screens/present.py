"""The presenter: one step at a time, in large blocks, for a projector.

A capture is shown one message per screen (the ladder with the current arrow
marked, the fields that matter, one sentence of why); a lesson one step per
screen (:mod:`.present_lesson`).  Both share what is here: the keys a
presenter's remote sends (arrows, page up/down), a timer that moves on by
itself, the next step previewed in the bottom line for the presenter's eyes
only, and the position the app publishes to a classroom after every move.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

from ...session.model import Connection
from .. import slides
from ..messages import MessageSelected
from ..widgets.ladder import Ladder
from ..widgets.slide import Slide

#: Seconds per step when the timer is started without ``--timer``.
DEFAULT_TIMER = 30.0

#: Width from which a screen counts as a projector's (wider blocks, more room).
WIDE = 120


class PresentLadder(Ladder):
    """The ladder with the current arrow drawn in reverse, plain to see from the back
    of a room (the option list's own highlight only tints the background)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._marked: tuple[int, Any] | None = None

    def select_message(self, index: int) -> None:
        super().select_message(index)
        if self._marked is not None:
            old, prompt = self._marked
            if old < self.option_count:
                self.replace_option_prompt_at_index(old, prompt)
            self._marked = None
        opt = self._option_of.get(index)
        if opt is None:
            return
        prompt = self.get_option_at_index(opt).prompt
        if isinstance(prompt, Text):
            marked = prompt.copy()
            marked.stylize("reverse bold")
            self.replace_option_prompt_at_index(opt, marked)
            self._marked = (opt, prompt)

    def _build(self) -> None:
        self._marked = None
        super()._build()


class PresentBase(Screen[None]):
    """Steps, the timer, the header and the preview line; subclasses show a step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,right,pagedown,space", "go(1)", "next", priority=True),
        Binding("p,left,pageup,backspace", "go(-1)", "previous", priority=True),
        Binding("home,g", "first", "first", show=False, priority=True),
        Binding("end,G", "last", "last", show=False, priority=True),
        Binding("r", "reveal", "reveal"),
        Binding("t", "timer", "timer"),
        Binding("e", "explore", "explorer", show=False),
        Binding("question_mark", "help", "keys", priority=True),
    ]

    def __init__(self, *, timer: float | None = None) -> None:
        super().__init__()
        self.index = 0
        #: seconds per step; the timer runs when ``deadline`` is set
        self.timer = timer
        self.deadline: float | None = None

    # -- for subclasses ----------------------------------------------------------------
    @property
    def count(self) -> int:
        raise NotImplementedError

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def show_step(self) -> None:
        """Show step ``self.index``."""
        raise NotImplementedError

    def title_text(self) -> str:
        raise NotImplementedError

    def next_text(self) -> str:
        """The presenter's preview of the next step."""
        raise NotImplementedError

    def position(self) -> dict[str, Any]:
        """What a classroom is told (see :mod:`tlsviz.classroom`)."""
        raise NotImplementedError

    # -- the frame ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="present-header"):
            yield Static(id="present-title")
            yield Static(id="present-status")
        yield from self.body()
        yield Static(id="present-next")

    def on_mount(self) -> None:
        self.wide(self.app.size.width >= WIDE)
        self.set_interval(0.2, self._tick)
        if self.timer is not None:
            self.deadline = time.monotonic() + self.timer
        self._refresh()

    def on_resize(self) -> None:
        self.wide(self.app.size.width >= WIDE)

    def wide(self, wide: bool) -> None:
        """A projector's width, or a small terminal's."""
        self.set_class(wide, "-wide")

    def _refresh(self) -> None:
        self.show_step()
        self.query_one("#present-title", Static).update(self.title_text())
        nxt = self.next_text()
        self.query_one("#present-next", Static).update(
            f"[b]next ▸[/b] {nxt}" if nxt else "[b]■[/b] the end · q quits"
        )
        self._status()
        publish = getattr(self.app, "publish", None)
        if publish is not None:
            publish()

    def _status(self) -> None:
        parts = [f"[b]{self.index + 1}[/b] / {self.count}"]
        if self.deadline is not None:
            left = max(0, int(self.deadline - time.monotonic() + 0.999))
            parts.append(f"⏱ {left} s")
        elif self.timer is not None:
            parts.append("⏸ timer")
        room = getattr(self.app, "classroom", None)
        if room:
            parts.append(f"classroom {room}")
        parts.append("? keys")
        self.query_one("#present-status", Static).update(" · ".join(parts))

    def _tick(self) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            if self.index < self.count - 1:
                self.go_to(self.index + 1)
            else:
                self.deadline = None
        self._status()

    # -- moving ------------------------------------------------------------------------
    def go_to(self, index: int) -> None:
        index = max(0, min(index, self.count - 1))
        if self.deadline is not None and self.timer is not None:
            self.deadline = time.monotonic() + self.timer  # a full step after any move
        if index != self.index:
            self.index = index
            self._refresh()

    def action_go(self, delta: int) -> None:
        self.go_to(self.index + delta)

    def action_first(self) -> None:
        self.go_to(0)

    def action_last(self) -> None:
        self.go_to(self.count - 1)

    def action_timer(self) -> None:
        if self.deadline is not None:
            self.deadline = None
            self.notify("Timer paused.", timeout=1.5)
        else:
            if self.timer is None:
                self.timer = DEFAULT_TIMER
            self.deadline = time.monotonic() + self.timer
            self.notify(f"Moving on every {self.timer:g} s.", timeout=1.5)
        self._status()

    def action_reveal(self) -> None:
        pass

    def action_explore(self) -> None:
        pass

    def action_help(self) -> None:
        self.app.push_screen(PresentHelp())


class PresentCaptureScreen(PresentBase):
    """One message of a connection per screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j,tab", "field(1)", "next field", show=False, priority=True),
        Binding("up,k,shift+tab", "field(-1)", "previous field", show=False, priority=True),
    ]

    def __init__(
        self, conn: Connection, *, label: str = "", timer: float | None = None, start: int = 0
    ) -> None:
        super().__init__(timer=timer)
        self.conn = conn
        self.label = label
        self.index = max(0, min(start, len(conn.messages) - 1))
        self.selected = 0
        self.hidden = False

    @property
    def count(self) -> int:
        return len(self.conn.messages)

    def body(self) -> ComposeResult:
        with Horizontal(id="present-main"):
            yield PresentLadder(id="present-ladder")
            yield Slide(id="present-slide")

    def on_mount(self) -> None:
        ladder = self.query_one(Ladder)
        ladder.can_focus = False
        ladder.show(self.conn, self.index)

    def show_step(self) -> None:
        if self.selected >= len(slides.slide_fields(self.conn.messages[self.index])):
            self.selected = 0
        self.query_one(Slide).show(
            self.conn, self.index, selected=self.selected, hidden=self.hidden
        )
        self.query_one(Ladder).select_message(self.index)

    def go_to(self, index: int) -> None:
        if index != self.index:
            self.selected = 0
            self.hidden = False
        super().go_to(index)

    def title_text(self) -> str:
        from .explorer import status_text

        c = self.conn
        status, style = status_text(c)
        parts = [
            f"[b]{escape(self.label)}[/b]" if self.label else "",
            c.version or "",
            (c.cipher_suite or "").removeprefix("TLS_"),
            f"[${style}]{status}[/]",
        ]
        return " · ".join(p for p in parts if p)

    def next_text(self) -> str:
        if self.index + 1 >= self.count:
            return ""
        m = self.conn.messages[self.index + 1]
        way = "client → server" if m.direction == "client" else "server → client"
        return f"{self.index + 2}. {slides.message_name(m)} ({way})"

    def position(self) -> dict[str, Any]:
        m = self.conn.messages[self.index]
        fields = self.query_one(Slide).fields
        f = fields[self.selected] if self.selected < len(fields) else None
        return {
            "connection": self.conn.id,
            "message": self.index,
            "message_type": slides.message_name(m),
            "field": f.key if f else None,
            "field_path": list(f.path) if f else None,
        }

    def action_field(self, delta: int) -> None:
        n = len(self.query_one(Slide).fields)
        if n > 1:
            self.selected = (self.selected + delta) % n
            self._refresh()

    def action_reveal(self) -> None:
        self.hidden = not self.hidden
        self._refresh()

    def action_explore(self) -> None:
        from ..widgets.explorer_view import Position
        from .explorer import ExplorerScreen

        fields = self.query_one(Slide).fields
        path = fields[self.selected].path if self.selected < len(fields) else (0,)
        pos = Position(message=self.index, path=path, fields_by_message={self.index: path})
        self.app.push_screen(ExplorerScreen(self.conn, source_label=self.label, position=pos))

    @on(MessageSelected)
    def _clicked(self, event: MessageSelected) -> None:
        event.stop()
        self.go_to(event.index)


HELP = """\
# Presenting

| key | does |
|---|---|
| `n` `→` `page down` `space` | next step |
| `p` `←` `page up` `backspace` | previous step |
| `g` `home` / `G` `end` | first / last step |
| `↑` `↓` | a capture: select the field the room should look at |
| `r` | reveal: a lesson's answers; a capture's values (hide them to ask first) |
| `t` | start / pause the timer (moves on by itself; `--timer S` sets the pace) |
| `e` | the full explorer here (`e` again comes back) |
| `ctrl+t` | theme · `ctrl+s` screenshot · `q` quit |

The bottom line previews the next step. With `--classroom NAME` every move is
published: `tlsviz follow NAME` and `tlsviz serve --classroom NAME` follow it.
"""


class PresentHelp(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss(None)", "close")
    ]

    def compose(self) -> ComposeResult:
        yield Markdown(HELP, classes="dialog present-help")
