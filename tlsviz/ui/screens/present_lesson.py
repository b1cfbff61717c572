"""The presenter on a lesson: one step per screen, its prose and questions large,
the answers hidden until revealed, the bytes the step points at beside them.

The step's target (capture, message, field) is found as the lesson player finds
it (:func:`tlsviz.lessons.resolve_target`) and shown as a slide of that message
with that field; on a narrow screen the slide goes under the prose.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Markdown, Static

from ...classroom import capture_info
from ...lessons.api import resolve_target
from ...lessons.model import Lesson, Prose
from ...lessons.resolve import Resolved, Resolver, TargetError
from .. import slides
from ..widgets.shown_quiz import ShownQuiz
from ..widgets.slide import Slide
from .present import PresentBase


class PresentLessonScreen(PresentBase):
    """A lesson, step by step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll(3)", "scroll down", show=False, priority=True),
        Binding("up,k", "scroll(-3)", "scroll up", show=False, priority=True),
    ]

    def __init__(
        self,
        lesson: Lesson,
        *,
        resolver: Resolver | None = None,
        timer: float | None = None,
        start: int = 0,
    ) -> None:
        super().__init__(timer=timer)
        self.lesson = lesson
        self.resolver = resolver if resolver is not None else Resolver()
        self.index = max(0, min(start, len(lesson.steps) - 1))
        self.resolved: Resolved | None = None
        self.revealed = False

    @property
    def count(self) -> int:
        return len(self.lesson.steps)

    def body(self) -> ComposeResult:
        with Horizontal(id="present-main"):
            yield VerticalScroll(id="present-prose")
            yield Slide(id="present-target", numbered=False)

    def wide(self, wide: bool) -> None:
        super().wide(wide)
        self.query_one("#present-target", Slide).set_compact(not wide)

    def show_step(self) -> None:
        step = self.lesson.steps[self.index]
        self.revealed = False
        prose = self.query_one("#present-prose", VerticalScroll)
        prose.remove_children()
        blocks: list[Any] = [Static(step.title, classes="present-step-title")]
        n = sum(len(s.quizzes) for s in self.lesson.steps[: self.index])
        for b in step.blocks:
            if isinstance(b, Prose):
                blocks.append(Markdown(b.text, classes="present-prose-text"))
            else:
                n += 1
                blocks.append(ShownQuiz(b, n))
        prose.mount_all(blocks)
        prose.scroll_home(animate=False)
        self._show_target()

    def _show_target(self) -> None:
        target = self.lesson.steps[self.index].target
        slide = self.query_one("#present-target", Slide)
        self.resolved = None
        if target is not None:
            try:
                self.resolved = resolve_target(self.lesson, target, self.resolver)
            except TargetError as err:
                self.notify(str(err), severity="error")
        r = self.resolved
        slide.display = r is not None and r.message_index is not None
        if r is not None and r.message_index is not None:
            slide.show(r.connection, r.message_index, only=r.field_key)

    def title_text(self) -> str:
        step = self.lesson.steps[self.index]
        return f"[b]{self.lesson.title}[/b] · {step.title}"

    def next_text(self) -> str:
        if self.index + 1 >= self.count:
            return ""
        return f"step {self.index + 2}: {self.lesson.steps[self.index + 1].title}"

    def position(self) -> dict[str, Any]:
        step = self.lesson.steps[self.index]
        out: dict[str, Any] = {
            "lesson": {
                "id": self.lesson.id,
                "title": self.lesson.title,
                "path": self.lesson.path,
                "step": self.index,
                "steps": self.count,
                "step_title": step.title,
            },
        }
        r = self.resolved
        if r is not None:
            files = r.capture.key_files(r.keys)
            out["capture"] = capture_info(
                str(r.capture.path),
                r.capture.name,
                keylog=[str(files["keylog"])] if "keylog" in files else [],
                key=[str(files["rsa"])] if "rsa" in files else [],
                psk=[f"@{files['psk']}"] if "psk" in files else [],
            )
            out["connection"] = r.connection.id
            if r.message_index is not None and r.message is not None:
                out["message"] = r.message_index
                out["message_type"] = slides.message_name(r.message)
                out["field"] = r.field_key
                out["field_path"] = [2, *r.field_path] if r.field is not None else None
        return out

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        quizzes = list(self.query(ShownQuiz))
        for q in quizzes:
            q.reveal(self.revealed)
        if not quizzes:
            self.notify("This step has no question.", timeout=1.5)
        elif self.revealed:
            self.query_one("#present-prose", VerticalScroll).scroll_to_widget(
                quizzes[0], animate=False, top=True
            )

    def action_scroll(self, lines: int) -> None:
        prose = self.query_one("#present-prose", VerticalScroll)
        prose.scroll_relative(y=lines, animate=False)

    def action_explore(self) -> None:
        from ..widgets.explorer_view import Position
        from .explorer import ExplorerScreen

        r = self.resolved
        if r is None:
            self.notify("This step points at no bytes.", timeout=1.5)
            return
        index = r.message_index or 0
        path = (2, *r.field_path) if r.field is not None else (0,)
        pos = Position(message=index, path=path, fields_by_message={index: path})
        self.app.push_screen(
            ExplorerScreen(r.connection, source_label=r.capture.name, position=pos)
        )
