"""Follow the teacher: ``tlsviz follow NAME`` and the apps ``tlsviz serve
--classroom NAME`` runs.

The app polls the classroom file (:mod:`tlsviz.classroom`) a few times a
second and goes where the presenter is: the lesson player at the step shown,
or the explorer on the same capture (opened with the same key files), the same
connection, message and field.  A student may step away at any moment (any
key or click that moves the explorer or the lesson, or another screen): the
app notices that it is no longer where it put the student, stops following and
says so in the header; ``t`` follows again, straight to where the teacher is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from .. import classroom as room
from ..lessons.progress import LessonProgress, ProgressStore
from ..session.model import Connection
from .app import TlsvizApp
from .screens.explorer import ExplorerScreen
from .screens.lesson import LessonScreen
from .widgets.explorer_view import Position

#: How often the classroom file is looked at, in seconds.
POLL = 0.25


class FollowExplorerScreen(ExplorerScreen):
    """The explorer, with the follow status first in its header."""

    def header_note(self) -> str:
        return self.app.follow_note()  # type: ignore[attr-defined,no-any-return]


class FollowLessonScreen(LessonScreen):
    """The lesson player, with the follow status first in its header."""

    def header_note(self) -> str:
        return self.app.follow_note()  # type: ignore[attr-defined,no-any-return]


class WaitingScreen(Screen[None]):
    """Before the teacher shows anything (and under everything a follower opens)."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(self.text, id="follow-waiting")
        yield Footer()

    def say(self, text: str) -> None:
        self.text = text
        if self.is_mounted:
            self.query_one("#follow-waiting", Static).update(text)


class MemoryStore(ProgressStore):
    """A follower's answers, kept for the session only: a room of followers served
    by one account must not write over each other's (or the teacher's) progress."""

    def __init__(self) -> None:
        super().__init__(Path("/nonexistent"))
        self._kept: dict[str, LessonProgress] = {}

    def load(self, lesson_id: str) -> LessonProgress:
        return self._kept.get(lesson_id) or LessonProgress(lesson_id)

    def save(self, progress: LessonProgress) -> Path:
        self._kept[progress.lesson] = progress
        return self.root


@dataclass
class Applied:
    """Where the follower put the student last: on which screen, at which place."""

    screen: Screen[Any]
    where: tuple[Any, ...]


class FollowerApp(TlsvizApp):
    """Goes where the presenter of a classroom goes, until the student steps away."""

    CSS_PATH: ClassVar[Any] = ["app.tcss", "classroom.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "follow", "follow"),
    ]

    def __init__(self, classroom: str, *, theme: str | None = None, poll: float = POLL) -> None:
        super().__init__(None, theme=theme)
        self.classroom = room.check_name(classroom)
        self.room_watch = room.Watch(classroom)
        self.poll_every = poll
        self.following = True
        self.latest: dict[str, Any] | None = None
        self._unapplied = False  # the latest state came after the last one applied
        self.applied: Applied | None = None
        self.waiting = WaitingScreen()
        self._decoded: dict[tuple[Any, ...], list[Connection]] = {}
        self._opening: set[tuple[Any, ...]] = set()
        self._lessons: dict[str, Any] = {}

    def start(self) -> None:
        self.push_screen(self.waiting)
        self.call_after_refresh(self._status)
        self.set_interval(self.poll_every, self.poll)
        self.poll()

    # -- the loop --------------------------------------------------------------------------
    def poll(self) -> None:
        state = self.room_watch.poll()
        if state is not None:
            self.latest = state
            self._unapplied = True
        a = self.applied
        if a is not None and not a.screen.is_mounted and a.screen in self.screen_stack:
            return  # the screen just opened is not up yet: a later tick applies the latest
        if self.following and self._stepped_away():
            self.following = False
            self.notify(
                f"You are exploring on your own: t follows {self.classroom} again.", timeout=4
            )
            self._status()
        elif self._unapplied and self.latest is not None:
            self._unapplied = False
            if self.following:
                self.apply(self.latest)
            self._status()

    def _top(self) -> Screen[Any]:
        top: Screen[Any] = self.screen
        for s in reversed(self.screen_stack):
            if not isinstance(s, ModalScreen):
                top = s
                break
        return top

    def _where(self, screen: Screen[Any]) -> tuple[Any, ...]:
        """Where ``screen`` is now; () while it is still being built or torn down."""
        if isinstance(screen, ExplorerScreen):
            try:
                pos = screen.explorer.pos
            except NoMatches:
                return ()
            return (screen.conn.id, pos.message, tuple(pos.path))
        if isinstance(screen, LessonScreen):
            return (screen.lesson.path, screen.index)
        return ()

    def _stepped_away(self) -> bool:
        a = self.applied
        if a is None or not a.screen.is_mounted:
            return False
        if self._top() is not a.screen:
            return True
        where = self._where(a.screen)
        return where != () and where != a.where

    # -- going where the teacher is ---------------------------------------------------------
    def apply(self, state: dict[str, Any]) -> None:
        if not state.get("live"):
            return
        lesson = state.get("lesson")
        if state.get("kind") == "lesson" and isinstance(lesson, dict):
            found = self._lesson(str(lesson.get("path", "")))
            if found is not None:
                self._show_lesson(found, int(lesson.get("step", 0)))
                return
        capture = state.get("capture")
        if not isinstance(capture, dict) or not capture.get("path"):
            return
        key = _capture_key(capture)
        conns = self._decoded.get(key)
        if conns is None:
            if key not in self._opening:
                self._opening.add(key)
                self._clear()
                self.waiting.say(f"Opening {capture.get('label') or capture['path']}…")
                self.open_capture(key, capture)
            return
        conn = next((c for c in conns if c.id == state.get("connection")), None)
        if conn is None:
            conn = conns[0] if conns else None
        if conn is not None:
            self._show_message(conn, capture, state)

    def _lesson(self, path: str) -> Any:
        if path not in self._lessons:
            from ..lessons.model import LessonError
            from ..lessons.parser import load_lesson

            try:
                self._lessons[path] = load_lesson(path)
            except (LessonError, OSError):
                self._lessons[path] = None
        return self._lessons[path]

    def _clear(self) -> None:
        """Back to the waiting screen (what the follower opened is closed)."""
        while self.screen is not self.waiting and len(self.screen_stack) > 2:
            self.pop_screen()
        self.applied = None

    def _raise(self, screen: Screen[Any]) -> bool:
        """Bring ``screen`` back on top if it is still open."""
        if screen not in self.screen_stack:
            return False
        while self.screen is not screen:
            self.pop_screen()
        return True

    def _show_message(
        self, conn: Connection, capture: dict[str, Any], state: dict[str, Any]
    ) -> None:
        index = max(0, min(int(state.get("message") or 0), len(conn.messages) - 1))
        path = tuple(state.get("field_path") or (0,))
        a = self.applied
        if (
            a is not None
            and isinstance(a.screen, FollowExplorerScreen)
            and a.screen.conn is conn
            and self._where(a.screen) != ()
            and self._raise(a.screen)
        ):
            screen = a.screen
            screen.go_to(index)
            screen.explorer.select_path(path)
        else:
            self._clear()
            pos = Position(message=index, path=path, fields_by_message={index: path})
            screen = FollowExplorerScreen(
                conn, source_label=str(capture.get("label", "")), position=pos
            )
            self.push_screen(screen)
        self.applied = Applied(screen, (conn.id, index, path))

    def _show_lesson(self, lesson: Any, step: int) -> None:
        step = max(0, min(step, len(lesson.steps) - 1))
        a = self.applied
        if (
            a is not None
            and isinstance(a.screen, FollowLessonScreen)
            and a.screen.lesson.path == lesson.path
            and self._raise(a.screen)
        ):
            screen = a.screen
            if screen.index != step:
                screen.show_step(step)
        else:
            self._clear()
            screen = FollowLessonScreen(
                lesson, resolver=self.resolver, store=MemoryStore(), start=step
            )
            self.push_screen(screen)
        self.applied = Applied(screen, (lesson.path, step))

    @work(thread=True, exit_on_error=False, group="follow", name="opening the teacher's capture")
    def open_capture(self, key: tuple[Any, ...], capture: dict[str, Any]) -> None:
        from ..keys.loading import load_key_material
        from ..source import open_capture

        material = load_key_material(
            capture.get("keylog", []),
            capture.get("key", []),
            capture.get("psk", []),
            capture.get("ephemeral_key", []),
        )
        conns = list(open_capture(capture["path"], material=material, streams=True))
        self.call_from_thread(self._opened_capture, key, capture, material, conns)

    def _opened_capture(
        self, key: tuple[Any, ...], capture: dict[str, Any], material: Any, conns: list[Connection]
    ) -> None:
        from .sources import Source

        self._decoded[key] = conns
        self.connections = {c.id: c for c in conns}
        keylog = capture.get("keylog") or [None]
        self.source = Source(
            str(capture.get("label", "")), capture["path"], material, keylog=keylog[0]
        )
        self.waiting.say(self._waiting_text())
        if self.following and self.latest is not None:
            self.apply(self.latest)

    # -- coming back --------------------------------------------------------------------------
    def action_follow(self) -> None:
        """Follow the teacher again, from wherever the student is."""
        self.following = True
        a = self.applied
        if a is not None and not self._raise(a.screen):
            self.applied = None
        if self.latest is not None:
            self.apply(self.latest)
        if self.applied is not None:
            self.applied.where = self._where(self.applied.screen) or self.applied.where
        self._status()

    # -- saying so ----------------------------------------------------------------------------
    def follow_note(self) -> str:
        name = self.classroom
        if self.latest is not None and not self.latest.get("live"):
            return f"[b]○ {name}: the teacher stopped presenting[/b]"
        if self.following:
            return f"[reverse b] ● following {name} [/]"
        return f"[reverse b] ○ on your own [/] [b]t[/b] follows {name}"

    def _waiting_text(self) -> str:
        name = self.classroom
        if self.latest is None:
            return (
                f"[b]Classroom {name}[/b]\n\nWaiting for the teacher to start presenting "
                f"(tlsviz present --classroom {name})."
            )
        if not self.latest.get("live"):
            return f"[b]Classroom {name}[/b]\n\nThe teacher stopped presenting."
        if not self.following:
            return f"[b]Classroom {name}[/b]\n\nYou are on your own: t follows the teacher."
        return f"[b]Classroom {name}[/b]\n\nFollowing the teacher…"

    def _status(self) -> None:
        self.waiting.say(self._waiting_text())
        for s in self.screen_stack:
            try:
                if isinstance(s, FollowExplorerScreen) and s.is_mounted:
                    s._header()
                elif isinstance(s, FollowLessonScreen) and s.is_mounted:
                    s._header(*s.progress.score(s.lesson))
            except NoMatches:  # still being built: its own mount draws the header
                pass


def _capture_key(capture: dict[str, Any]) -> tuple[Any, ...]:
    files = (tuple(capture.get(k) or ()) for k in ("keylog", "key", "psk", "ephemeral_key"))
    return (capture.get("path"), *files)
