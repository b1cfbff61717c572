"""The lesson menu: every lesson with its topics, size and the learner's progress."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...lessons.model import Lesson
from ...lessons.progress import ProgressStore


class LessonMenu(Screen[None]):
    """Choose a lesson (enter resumes where you left it; r starts it again)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "open", show=True),
        Binding("r", "restart", "start again"),
        Binding("escape", "app.pop_screen", "back"),
    ]

    def __init__(self, lessons: list[Lesson], store: ProgressStore | None = None) -> None:
        super().__init__()
        self.lessons = lessons
        self.store = store if store is not None else ProgressStore()

    def compose(self) -> ComposeResult:
        yield Static(id="lessons-header")
        yield OptionList(id="lessons-list")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_list()
        for warning in self.store.warnings:
            self.notify(warning, severity="warning", timeout=8)
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_list()

    def refresh_list(self) -> None:
        lst = self.query_one(OptionList)
        keep = lst.highlighted
        options = []
        done = 0
        for i, lesson in enumerate(self.lessons, 1):
            p = self.store.load(lesson.id)
            right, total = p.score(lesson)
            seen = len(set(p.visited) & {s.id for s in lesson.steps})
            if p.completed:
                done += 1
                state = Text(f"✔ done · {right}/{total} right", style="green")
            elif seen:
                state = Text(f"◐ step {p.resume_index(lesson) + 1} of {len(lesson.steps)} · "
                             f"{right}/{total} right", style="yellow")  # fmt: skip
            else:
                state = Text(f"{len(lesson.steps)} steps · {len(lesson.quizzes)} questions",
                             style="dim")  # fmt: skip
            label = Text(f"{i:>2}. ", style="bold")
            label.append(lesson.title, style="bold")
            label.append("  ")
            label.append_text(state)
            if lesson.summary:
                label.append(f"\n     {lesson.summary}", style="italic")
            if lesson.topics:
                label.append(f"\n     topics: {', '.join(lesson.topics)}", style="dim")
            options.append(Option(label))
        lst.set_options(options)
        if keep is not None:
            lst.highlighted = keep
        elif options:
            lst.highlighted = 0
        self.query_one("#lessons-header", Static).update(
            f"[b]tlsviz lessons[/b] · {len(self.lessons)} lessons · {done} done · "
            "enter opens (resumes) · r starts again"
        )

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option_index, restart=False)

    def action_open(self) -> None:
        lst = self.query_one(OptionList)
        if lst.highlighted is not None:
            self._open(lst.highlighted, restart=False)

    def action_restart(self) -> None:
        lst = self.query_one(OptionList)
        if lst.highlighted is not None:
            self._open(lst.highlighted, restart=True)

    def _open(self, index: int, *, restart: bool) -> None:
        from .lesson import LessonScreen

        app: Any = self.app
        lesson = self.lessons[index]
        if restart:
            self.store.reset(lesson.id)
        self.app.push_screen(LessonScreen(lesson, resolver=app.resolver, store=self.store,
                                          start=0 if restart else None))  # fmt: skip
