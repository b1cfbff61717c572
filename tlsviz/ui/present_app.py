"""``tlsviz present``: the app around the presenter's screens, and its classroom.

With a classroom name, the app publishes where it is after every move (and
polls for moves the screens do not report, such as those made in the full
explorer the presenter may open on a slide): the capture and its key files,
the connection, the message, the selected field, and for a lesson the lesson
and the step.  Followers read that file (:mod:`tlsviz.classroom`).
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from .. import classroom as room
from ..session.model import Connection
from .app import TlsvizApp
from .screens.explorer import ExplorerScreen
from .screens.present import PresentBase, PresentCaptureScreen


class PresenterApp(TlsvizApp):
    """Present a capture (one connection) or a lesson."""

    CSS_PATH: ClassVar[Any] = ["app.tcss", "classroom.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "slides", "back to the slides", show=False),
    ]

    def __init__(
        self,
        *,
        connections: list[Connection] | None = None,
        connection: int | None = None,
        capture: dict[str, Any] | None = None,
        lesson: Any = None,
        timer: float | None = None,
        classroom: str | None = None,
        theme: str | None = None,
        start: int = 0,
    ) -> None:
        super().__init__(None, theme=theme or "tlsviz-high-contrast")
        self.present_connections = connections or []
        self.present_connection = connection
        self.capture = capture
        self.lesson = lesson
        self.step_seconds = timer
        self.classroom = classroom
        self.start_at = start
        self._published: dict[str, Any] | None = None
        self._publish_failed = False

    def start(self) -> None:
        screen: PresentBase
        if self.lesson is not None:
            from .screens.present_lesson import PresentLessonScreen

            screen = PresentLessonScreen(
                self.lesson, resolver=self.resolver, timer=self.step_seconds, start=self.start_at
            )
        else:
            conns = self.present_connections
            conn = next((c for c in conns if c.id == self.present_connection), conns[0])
            for c in conns:  # for the explorer's connection list and compare
                self.connections[c.id] = c
            label = self.capture["label"] if self.capture else ""
            screen = PresentCaptureScreen(
                conn, label=label, timer=self.step_seconds, start=self.start_at
            )
        self.push_screen(screen)
        if self.classroom:
            self.set_interval(0.25, self.publish)

    # -- the classroom -------------------------------------------------------------------
    def _base(self) -> tuple[Screen[Any] | None, PresentBase | None]:
        """The screen on top (dialogs aside) and the presenter screen under it."""
        top: Screen[Any] | None = None
        base: PresentBase | None = None
        for s in reversed(self.screen_stack):
            if isinstance(s, ModalScreen):
                continue
            if top is None:
                top = s
            if isinstance(s, PresentBase):
                base = s
                break
        return top, base

    def position(self) -> dict[str, Any] | None:
        """Where the presenter is, as the classroom file says it."""
        top, base = self._base()
        if base is None or not base.is_mounted:
            return None
        pos = base.position()
        if self.lesson is None:
            pos = {"kind": "capture", "capture": self.capture, **pos}
        else:
            pos = {"kind": "lesson", **pos}
        if isinstance(top, ExplorerScreen) and top.is_mounted:
            ref = top.selected
            field = ref.field if ref is not None else None
            pos.update(
                connection=top.conn.id,
                message=top.explorer.pos.message,
                message_type=top.message.type,
                field=field.key if field is not None else None,
                field_path=list(ref.path) if ref is not None else None,
            )
        return pos

    def publish(self) -> None:
        """Write the position to the classroom file if it changed."""
        if not self.classroom or self._publish_failed:
            return
        pos = self.position()
        if pos is None or pos == self._published:
            return
        try:
            room.publish(self.classroom, {**pos, "live": True, "presenter": os.getpid()})
        except (OSError, room.ClassroomError) as err:
            self._publish_failed = True
            reason = getattr(err, "strerror", None) or str(err)
            self.notify(
                f"The classroom cannot be told where you are ({reason}).",
                severity="error",
                timeout=8,
            )
            return
        self._published = pos

    # -- the full explorer and back ----------------------------------------------------------
    def action_slides(self) -> None:
        """From the full explorer back to the slides, at the message explored."""
        top, base = self._base()
        if not isinstance(top, ExplorerScreen) or base is None:
            return
        message = top.explorer.pos.message
        while self.screen is not base and len(self.screen_stack) > 2:
            self.pop_screen()
        if isinstance(base, PresentCaptureScreen) and base.conn is top.conn:
            base.go_to(message)

    def action_home(self) -> None:
        """No home screen while presenting."""
