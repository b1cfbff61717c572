"""The home screen: lessons, bundled captures, a live handshake, a file, recent files."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..recent import recent

WELCOME = (
    "[b]tlsviz[/b] — open a real TLS handshake and step through it: every byte decoded and "
    "explained, every key derived and checked, every record decrypted.\n"
    "[dim]↑↓ choose · enter open · ? help · q quit[/dim]"
)


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "open", show=True),
        Binding("o", "open_file", "open a file"),
        Binding("L", "live", "live handshake"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(WELCOME, id="home-welcome")
        yield OptionList(id="home-list")
        yield Footer()

    def on_mount(self) -> None:
        self._targets: dict[int, tuple[str, Any]] = {}
        options: list[Option] = []

        def heading(text: str) -> None:
            options.append(Option(Text(text, style="bold underline"), disabled=True))

        def item(label: Text, target: tuple[str, Any]) -> None:
            self._targets[len(options)] = target
            options.append(Option(label))

        lessons = _lessons()
        heading("Lessons")
        if lessons:
            item(Text(f"  ▸ All {len(lessons)} lessons…  ", style="bold").append(
                "the menu, with your progress", style="dim"), ("lessons", None))  # fmt: skip
            resume = _last_lesson()
            if resume is not None:
                lesson_id, title = resume
                item(Text("  ▸ Continue: ", style="bold").append(title), ("lesson", lesson_id))
            else:
                lesson_id, title, summary = lessons[0]
                label = Text("  ▸ Start with: ", style="bold").append(title)
                label.append(f" — {summary}" if summary else "", style="dim")
                label.no_wrap = True
                label.overflow = "ellipsis"
                item(label, ("lesson", lesson_id))
        else:
            options.append(Option(Text("  (no lessons are installed)", style="dim"), disabled=True))
        heading("Bundled captures (with their keys)")
        from ...bundled import bundled_captures

        for b in bundled_captures():
            label = Text(f"  {b.name:<28}", style="bold")
            label.append(b.description, style="dim")
            label.no_wrap = True
            label.overflow = "ellipsis"
            item(label, ("bundled", b.name))
        heading("Make one")
        item(
            Text("  ▸ New live handshake…  ", style="bold").append(
                "perform a real TLS handshake now and explore it", style="dim"
            ),
            ("live", None),
        )
        item(
            Text("  ▸ Open a file…  ", style="bold").append(
                "a pcap or pcapng capture, with its key log", style="dim"
            ),
            ("file", None),
        )
        files = recent()
        if files:
            heading("Recent files")
            for d in files:
                path = str(d["path"])
                label = Text(f"  {os.path.basename(path)}", style="bold")
                label.append(f"  {os.path.dirname(path)}", style="dim")
                item(label, ("recent", d))
        lst = self.query_one(OptionList)
        lst.set_options(options)
        lst.focus()
        first = next(iter(self._targets), None)
        if first is not None:
            lst.highlighted = first

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._go(self._targets.get(event.option_index))

    def action_choose(self) -> None:
        lst = self.query_one(OptionList)
        if lst.highlighted is not None:
            self._go(self._targets.get(lst.highlighted))

    def action_open_file(self) -> None:
        self._go(("file", None))

    def action_live(self) -> None:
        self._go(("live", None))

    def _go(self, target: tuple[str, Any] | None) -> None:
        if target is None:
            return
        app: Any = self.app
        kind, value = target
        if kind == "bundled":
            from ..sources import bundled_source

            app.open_source(bundled_source(value))
        elif kind == "recent":
            from ...keys.loading import load_key_material
            from ..sources import Source

            keylog = value.get("keylog")
            keylogs = [keylog] if keylog and os.path.exists(keylog) else []
            path = value["path"]
            if not os.path.exists(path):
                self.notify(f"{path} no longer exists.", severity="error")
                return
            app.open_source(
                Source(os.path.basename(path), path, load_key_material(keylogs), keylog=keylog)
            )
        elif kind == "live":
            app.action_new_live()
        elif kind == "file":
            app.action_open_file()
        elif kind == "lesson":
            app.open_lesson(value)
        elif kind == "lessons":
            app.action_lessons()


def _last_lesson() -> tuple[str, str] | None:
    """The lesson the learner worked on last and has not finished: (id, title)."""
    try:
        from ...lessons.parser import load_lessons
        from ...lessons.progress import ProgressStore

        progress = ProgressStore().all()
        if not progress:
            return None
        lessons = {ls.id: ls for ls in load_lessons()}
    except Exception:
        return None
    open_ = [p for p in progress.values() if not p.completed and p.lesson in lessons]
    if not open_:
        return None
    last = max(open_, key=lambda p: p.updated)
    return last.lesson, lessons[last.lesson].title


def _lessons() -> list[tuple[str, str, str]]:
    """(id, title, one line) of each installed lesson, if the lessons package has them."""
    try:
        from ...lessons import catalogue
    except ImportError:
        return []
    try:
        return list(catalogue())
    except Exception:
        return []
