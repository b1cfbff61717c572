"""The tlsviz terminal app: screens, bindings, themes, commands, workers.

Slow work (reading a capture, decoding a connection, a live handshake, a live
capture) runs in thread workers; a worker talks to the UI only through
``call_from_thread``.  One handler turns any failed worker into a dialog with
one plain sentence, never a traceback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ..session.model import Connection
from .screens.dialogs import ErrorDialog
from .screens.explorer import ExplorerScreen, Position
from .sources import Source
from .theme import THEMES


class TlsvizApp(App[None]):
    """Explore TLS handshakes byte by byte."""

    CSS_PATH = "app.tcss"
    TITLE = "tlsviz"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "help", "help"),
        Binding("ctrl+s", "save_svg", "screenshot", show=False),
        Binding("ctrl+t", "next_theme", "theme", show=False),
        Binding("h", "home", "home", show=False),
    ]

    def __init__(
        self,
        source: Source | None = None,
        *,
        theme: str | None = None,
        demo: dict[str, Any] | None = None,
        open_id: int | None = None,
        preload: Any = None,
        lessons: list[str] | None = None,
        lesson: str | None = None,
    ) -> None:
        super().__init__()
        self.preload = preload
        #: lesson folders given on the command line (None: the bundled lessons)
        self.lesson_paths = lessons
        self.start_lesson = lesson
        self._resolver: Any = None
        for t in THEMES:
            self.register_theme(t)
        self.theme = theme or "textual-dark"
        self.source = source
        self.demo = demo
        self.open_id = open_id
        #: connections decoded so far, by id; rows of a big capture's summary
        self.connections: dict[int, Connection] = {}
        self.rows: list[dict[str, Any]] = []
        self.positions: dict[int, Position] = {}
        #: the first explorer screen, installed: leaving it keeps its widgets,
        #: and the next connection opened is shown in it (see _show)
        self._explorer: ExplorerScreen | None = None
        self.loading_done = False
        self.notes: list[str] = []
        self.started = time.monotonic()

    # -- start ----------------------------------------------------------------------
    def trace(self, event: str) -> None:
        """With TLSVIZ_TRACE=FILE, note when start-up milestones happen (benchmarks)."""
        path = os.environ.get("TLSVIZ_TRACE")
        if path:
            with open(path, "a", encoding="utf-8") as f:
                f.write(f"{time.time():.6f} {event}\n")

    def on_mount(self) -> None:
        self.trace("app mounted")
        self.start()

    def start(self) -> None:
        """The first screen (the presenter and the follower start elsewhere)."""
        if self.start_lesson is not None:
            self.open_lessons(self.start_lesson or None)
        elif self.demo is not None:
            from .screens.connections import ConnectionsScreen

            self.push_screen(ConnectionsScreen(waiting="Performing a live TLS handshake…"))
            self.run_live_handshake(self.demo)
        elif self.source is None:
            from .screens.home import HomeScreen

            self.push_screen(HomeScreen())
        else:
            self.open_source(self.source, self.preload)

    def open_source(self, source: Source, preload: Any = None) -> None:
        """Read a capture (or follow a live one) and show its connections."""
        from .recent import remember
        from .screens.connections import ConnectionsScreen

        self.source = source
        self.connections = {}
        self.rows = []
        self.positions = {}
        self.loading_done = False
        if source.kind == "file" and source.path:
            remember(source.path, source.keylog)
        if (
            preload is not None
            and preload.done.is_set()
            and preload.error is None
            and len(preload.connections) == 1
            and self.open_id is None
        ):
            # one connection, read while the interface started: the explorer at once
            conn = preload.connections[0]
            self.connections[conn.id] = conn
            self.loading_done = True
            self._show(conn, replace=False)
            return
        self.push_screen(ConnectionsScreen())
        if preload is not None:
            self.wait_preload(preload)
        elif source.kind == "live":
            self.follow_live(source)
        elif source.big:
            self.load_rows(source)
        else:
            self.load_file(source)

    # -- workers --------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="reading")
    def load_file(self, source: Source) -> None:
        from .sources import load_file

        notes: list[str] = []
        load_file(source, lambda c: self.call_from_thread(self._add_connection, c), notes)
        self.call_from_thread(self._loaded, notes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="reading")
    def wait_preload(self, preload: Any) -> None:
        preload.done.wait()
        if preload.error is not None:
            raise preload.error
        for conn in preload.connections:
            if conn.id not in self.connections:
                self.call_from_thread(self._add_connection, conn)
        self.call_from_thread(self._loaded, preload.notes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="summarising")
    def load_rows(self, source: Source) -> None:
        from .sources import load_rows

        notes: list[str] = []
        progress = [0]
        batch: list[dict[str, Any]] = []
        last = time.monotonic()

        def row(r: dict[str, Any]) -> None:
            nonlocal last
            batch.append(r)
            now = time.monotonic()
            if now - last > 0.1 or len(batch) >= 500:
                self.call_from_thread(self._add_rows, list(batch), progress[0])
                batch.clear()
                last = now

        load_rows(source, row, progress, notes)
        self.call_from_thread(self._add_rows, list(batch), progress[0])
        self.call_from_thread(self._loaded, notes)

    @work(thread=True, exclusive=True, exit_on_error=False, group="open", name="opening")
    def open_row(self, conn_id: int) -> None:
        from .sources import open_one

        assert self.source is not None
        conn = open_one(self.source, conn_id)
        if conn is None:
            raise LookupError(f"connection {conn_id} could not be decoded again.")
        self.call_from_thread(self._opened, conn)

    @work(thread=True, exclusive=True, exit_on_error=False, group="live", name="handshake")
    def run_live_handshake(self, options: dict[str, Any]) -> None:
        from .sources import run_demo, run_glassbox, run_remote_handshake

        ours = "tlsviz" in (options.get("client"), options.get("server"))
        if ours or options.get("experiment") or options.get("seed") is not None:
            path, lines = run_glassbox(options)
        elif options.get("target"):
            path, lines = run_remote_handshake(options)
        else:
            path, lines = run_demo(options)
        self.call_from_thread(self._recorded, path, lines)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="capturing")
    def follow_live(self, source: Source) -> None:
        from ..capture.live import LiveCapture
        from ..source import CaptureSession

        opts = source.live
        capture = LiveCapture(
            opts.get("interface"),
            opts.get("bpf"),
            keylog=source.material.keylog,
            keylog_path=opts.get("keylog"),
            timeout=None,
            spool=False,
        )
        capture.open()
        session = CaptureSession(source.label, material=source.material, reader=capture)  # type: ignore[arg-type]
        self._live_capture = capture
        try:
            for conn in session:
                self.call_from_thread(self._add_connection, conn)
        finally:
            capture.close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every failure of slow work becomes one sentence in a dialog."""
        if event.state != WorkerState.ERROR:
            return
        err = event.worker.error
        self.push_screen(ErrorDialog(f"{event.worker.name.capitalize()} failed", sentence_of(err)))

    # -- results (on the UI thread) -------------------------------------------------
    def _add_connection(self, conn: Connection) -> None:
        from .screens.connections import ConnectionsScreen

        self.connections[conn.id] = conn
        screen = self._find(ConnectionsScreen)
        if screen is not None:
            screen.add_connection(conn)

    def _add_rows(self, rows: list[dict[str, Any]], progress: int) -> None:
        from .screens.connections import ConnectionsScreen

        self.rows.extend(rows)
        screen = self._find(ConnectionsScreen)
        if screen is not None:
            screen.add_rows(rows, progress)

    def _loaded(self, notes: list[str]) -> None:
        from .screens.connections import ConnectionsScreen

        self.loading_done = True
        self.notes = notes
        for note in notes:
            self.notify(note, severity="warning", timeout=8)
        screen = self._find(ConnectionsScreen)
        if screen is not None:
            screen.done()
        count = len(self.connections) or len(self.rows)
        if self.open_id is not None:
            self.open_connection(self.open_id)
        elif count == 1 and self.connections and isinstance(self.screen, ConnectionsScreen):
            self.open_connection(next(iter(self.connections)), replace=True)

    def _opened(self, conn: Connection) -> None:
        self.connections[conn.id] = conn
        self._show(conn, replace=False)

    def _recorded(self, path: str, lines: list[str]) -> None:
        from .sources import Source

        for line in lines:
            self.notify(line, timeout=6)
        if isinstance(self.screen, Screen) and type(self.screen).__name__ == "ConnectionsScreen":
            self.pop_screen()
        self.open_source(Source(os.path.basename(path), path))

    def _find(self, kind: type[Screen[Any]]) -> Any:
        for s in reversed(self.screen_stack):
            if isinstance(s, kind):
                return s
        return None

    # -- navigation -----------------------------------------------------------------
    def open_connection(self, conn_id: int, *, replace: bool = False) -> None:
        conn = self.connections.get(conn_id)
        if conn is None:
            self.notify(f"Decoding connection {conn_id}…", timeout=2)
            self.open_row(conn_id)
            return
        self._show(conn, replace=replace)

    def _show(self, conn: Connection, *, replace: bool) -> None:
        ids = [r["id"] for r in self.rows] if self.rows else sorted(self.connections)
        number = ids.index(conn.id) + 1 if conn.id in ids else 1
        pos = self.positions.setdefault(conn.id, Position())
        label = self.source.label if self.source is not None else ""
        spare = self._explorer
        if spare is not None and replace and self.screen is spare:
            spare.retarget(conn, source_label=label, position=pos, total=len(ids), number=number)
            return
        if spare is not None and spare not in self.screen_stack:
            # the explorer the user left: shown again with this connection
            spare.retarget(conn, source_label=label, position=pos, total=len(ids), number=number)
            screen: ExplorerScreen = spare
        else:
            screen = ExplorerScreen(
                conn, source_label=label, position=pos, total=len(ids), number=number
            )
            if spare is None:  # kept when popped, for the next connection opened
                self._explorer = screen
                self.install_screen(screen, name="explorer")
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # -- lessons ---------------------------------------------------------------------
    @property
    def resolver(self) -> Any:
        """One resolver for all lessons: each capture is decoded once per session."""
        if self._resolver is None:
            from ..lessons.resolve import Resolver

            self._resolver = Resolver()
        return self._resolver

    def open_lessons(self, lesson_id: str | None = None) -> None:
        """The lesson menu, and a lesson opened from it when ``lesson_id`` is given."""
        from ..lessons.model import LessonError
        from ..lessons.parser import load_lessons
        from .screens.lesson import LessonScreen
        from .screens.lessons import LessonMenu

        try:
            lessons = load_lessons(self.lesson_paths)
        except LessonError as err:
            self.push_screen(ErrorDialog("The lessons cannot be read", str(err)))
            return
        menu = LessonMenu(lessons)
        self.push_screen(menu)
        if lesson_id:
            found = [ls for ls in lessons if ls.id == lesson_id]
            if not found:
                self.notify(f"There is no lesson called {lesson_id}.", severity="error")
                return
            self.push_screen(LessonScreen(found[0], resolver=self.resolver, store=menu.store))

    def open_lesson(self, lesson_id: str) -> None:
        self.open_lessons(lesson_id)

    def action_lessons(self) -> None:
        self.open_lessons()

    def action_connections(self) -> None:
        from .screens.connections import ConnectionsScreen

        if self._find(ConnectionsScreen) is None:
            self.push_screen(ConnectionsScreen(show_existing=True))
            return
        while not isinstance(self.screen, ConnectionsScreen) and len(self.screen_stack) > 2:
            self.pop_screen()

    def action_home(self) -> None:
        from .screens.home import HomeScreen

        if isinstance(self.screen, HomeScreen):
            return
        self.push_screen(HomeScreen())

    def action_compare(self) -> None:
        from .screens.compare import CompareScreen, pick_other

        screen = self.screen
        if not isinstance(screen, ExplorerScreen):
            return
        left = screen.conn

        def chosen(other: Connection | None) -> None:
            if other is not None:
                self.push_screen(CompareScreen(left, other))

        self.push_screen(pick_other(self, left), chosen)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_next_theme(self) -> None:
        names = ["textual-dark", "textual-light", *(t.name for t in THEMES)]
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=1.5)

    def action_save_svg(self) -> None:
        name = time.strftime("tlsviz-%Y%m%d-%H%M%S.svg")
        path = self.save_screenshot(filename=name, path=os.getcwd())
        self.notify(f"Screenshot saved: {path}", timeout=4)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Home", "Lessons, bundled captures, live handshakes, recent files", self.action_home
        )
        yield SystemCommand("Lessons", "Guided lessons with questions", self.action_lessons)
        yield SystemCommand(
            "New live handshake", "Perform and record a real TLS handshake", self.action_new_live
        )
        yield SystemCommand(
            "Open a capture file", "pcap or pcapng, with its key log", self.action_open_file
        )
        yield SystemCommand(
            "Connections", "All connections of this capture", self.action_connections
        )
        yield SystemCommand(
            "Save screenshot (SVG)", "Into the current folder", self.action_save_svg
        )
        yield SystemCommand("Next theme", "Dark, light, high contrast", self.action_next_theme)
        if isinstance(screen, ExplorerScreen):
            for key, title in (
                ("step(1)", "Next message"),
                ("step(-1)", "Previous message"),
                ("first", "First message"),
                ("last", "Last message"),
                ("play", "Play / pause"),
                ("compare", "Compare with another connection"),
                ("find", "Find a field"),
            ):
                yield SystemCommand(title, "Explorer", _runner(screen, key))
            for view in (
                "fields",
                "hex",
                "keys",
                "record",
                "certificates",
                "cost",
                "conversation",
                "diagnostics",
            ):
                yield SystemCommand(
                    f"Show {view}", "Explorer pane", _runner(screen, f"view('{view}')")
                )

    def action_new_live(self) -> None:
        from .screens.live_form import LiveForm

        def chosen(options: dict[str, Any] | None) -> None:
            if options is not None:
                from .screens.connections import ConnectionsScreen

                self.push_screen(ConnectionsScreen(waiting="Performing a live TLS handshake…"))
                self.run_live_handshake(options)

        self.push_screen(LiveForm(), chosen)

    def action_open_file(self) -> None:
        from .screens.open_file import OpenFile

        def chosen(source: Source | None) -> None:
            if source is not None:
                self.open_source(source)

        self.push_screen(OpenFile(), chosen)


def _runner(screen: Screen[Any], action: str) -> Any:
    async def run() -> None:
        await screen.run_action(action)

    return run


def sentence_of(err: BaseException | None) -> str:
    """One plain sentence for a failure, never a traceback."""
    if err is None:
        return "Something went wrong."
    text = str(err).strip() or type(err).__name__
    known = (
        "CaptureError",
        "MaterialError",
        "RecordError",
        "OptionError",
        "LiveError",
        "LookupError",
        "FileNotFoundError",
        "PermissionError",
        "OSError",
    )
    if type(err).__name__ not in known:
        text = f"internal error ({type(err).__name__}: {text})"
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."
