"""The lesson player: a lesson's prose and quizzes beside the explorer it drives.

Each step may point at bytes (capture, connection, message, field: never an
offset); the player opens that capture with its key material in the
explorer panes and selects the message and field, so the learner reads about
a field while it is highlighted, and may poke around and come back.  Quizzes
are answered with the keyboard alone; progress (position, answers, score) is
saved after every step and answer, so "where was I" resumes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

from ...lessons.api import resolve_target
from ...lessons.grading import SKIP, BytePick, FieldPick, grade
from ...lessons.model import Lesson, Prose, Quiz, QuizKind, Target
from ...lessons.progress import LessonProgress, ProgressStore
from ...lessons.resolve import Resolved, Resolver, TargetError
from ..widgets.explorer_view import ExplorerView, Position
from ..widgets.quiz import PICK_KINDS, QuizView

#: A target's pane, as the explorer names its views.
PANELS = {"ladder": "fields", "tree": "fields", "hex": "hex", "keys": "keys",
          "certificates": "certificates", "cost": "cost", "records": "record",
          "data": "conversation"}  # fmt: skip

#: Below this width the explorer hides behind `e` and the prose takes the screen.
SIDE_BY_SIDE = 130


class LessonScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+right,right_square_bracket", "step(1)", "next", priority=True, key_display="]"
        ),
        Binding(
            "ctrl+left,left_square_bracket", "step(-1)", "back", priority=True, key_display="["
        ),
        Binding("right", "step(1)", "next step", show=False),
        Binding("left", "step(-1)", "previous step", show=False),
        Binding("enter", "answer", "answer", show=False),
        Binding("h", "hint", "hint"),
        Binding("s", "skip", "skip", show=False),
        Binding("e", "toggle_explorer", "explorer"),
        Binding("o", "open_explorer", "open in explorer", show=False),
        Binding("escape", "menu", "lessons", show=False),
    ]

    def __init__(self, lesson: Lesson, *, resolver: Resolver | None = None,
                 store: ProgressStore | None = None, start: int | None = None) -> None:  # fmt: skip
        super().__init__()
        self.lesson = lesson
        self.resolver = resolver if resolver is not None else Resolver()
        self.store = store if store is not None else ProgressStore()
        self.progress: LessonProgress = self.store.load(lesson.id)
        self.index = start if start is not None else self.progress.resume_index(lesson)
        self.resolved: Resolved | None = None
        self._shown_conn: Any = None
        self._position = Position()
        #: on a narrow terminal one of the two shows at a time
        self.showing = "text"
        self._driven: Target | None = None
        self._driven_by: QuizView | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-header")
        with Horizontal(id="lesson-main"):
            yield VerticalScroll(id="lesson-text")
            yield ExplorerView(id="lesson-explorer")
        yield Footer()

    def on_mount(self) -> None:
        for warning in self.store.warnings:
            self.notify(warning, severity="warning", timeout=8)
        self._layout(self.app.size.width)
        self.show_step(self.index)

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        wide = width >= SIDE_BY_SIDE
        self.set_class(wide, "side-by-side")
        self.query_one("#lesson-explorer").display = wide or self.showing == "explorer"
        self.query_one("#lesson-text").display = wide or self.showing == "text"

    # -- steps ------------------------------------------------------------------------
    @property
    def step(self) -> Any:
        return self.lesson.steps[self.index]

    def show_step(self, index: int) -> None:
        lesson = self.lesson
        self.index = max(0, min(index, len(lesson.steps) - 1))
        step = self.step
        self.progress.visit(lesson, self.index)
        self._save()
        self._header(*self.progress.score(lesson))
        text = self.query_one("#lesson-text", VerticalScroll)
        text.remove_children()
        blocks: list[Any] = [Markdown(f"## {step.title}")]
        n = sum(len(s.quizzes) for s in lesson.steps[: self.index])
        for b in step.blocks:
            if isinstance(b, Prose):
                blocks.append(Markdown(b.text))
            else:
                n += 1
                blocks.append(QuizView(b, number=n, answered=self.progress.answered(b)))
        nav = "[ or ctrl+← previous step · ] or ctrl+→ next step · e the explorer · esc lessons"
        if self.index == len(lesson.steps) - 1:
            nav = "last step: ] finishes the lesson · " + nav
        blocks.append(Static(Text(nav, style="dim")))
        text.mount_all(blocks)
        text.scroll_home(animate=False)
        self.drive(step.target)
        first = next(iter(text.query(QuizView)), None)
        # the first question gets the keyboard; the explorer stays on the step's
        # bytes until the learner moves to a question that points elsewhere
        self._driven_by = first
        (first or text).focus()

    def _header(self, right: int, total: int) -> None:
        note = self.header_note()
        self.query_one("#lesson-header", Static).update(
            (f"{note} · " if note else "")
            + f"[b]{escape(self.lesson.title)}[/b] · step {self.index + 1} of "
            f"{len(self.lesson.steps)}: {escape(self.step.title)} · {right}/{total} right"
        )

    def header_note(self) -> str:
        """Markup shown first in the header (a follower says whom it follows)."""
        return ""

    def drive(self, target: Target | None) -> None:
        """Point the explorer at a target: its capture, message, field and pane."""
        if target is None:
            return
        try:
            resolved = resolve_target(self.lesson, target, self.resolver)
        except TargetError as err:
            self.notify(str(err), severity="error")
            return
        self.resolved = resolved
        self._driven = target
        view = self.query_one(ExplorerView)
        conn = resolved.connection
        if conn is not self._shown_conn:
            self._shown_conn = conn
            self._position = Position()
            view.show(conn, self._position)
        if resolved.message_index is not None:
            key = resolved.field.key if resolved.field is not None else None
            view.go_to(resolved.message_index, None)
            if resolved.field_path:
                view.select_path((2, *resolved.field_path))
            elif key:
                view.go_to(resolved.message_index, key)
        if target.panel in PANELS:
            view.action_view(PANELS[target.panel])

    def action_step(self, delta: int) -> None:
        if delta > 0 and not self.progress.can_advance(self.lesson, self.index):
            self.notify("Answer the required question first (a wrong answer is fine: "
                        "you will see the right one).", severity="warning")  # fmt: skip
            return
        if delta > 0 and self.index == len(self.lesson.steps) - 1:
            done = self.progress.finish(self.lesson)
            self._save()
            right, total = self.progress.score(self.lesson)
            if done:
                self.notify(f"Lesson complete: {right} of {total} questions right.", timeout=6)
            self.action_menu()
            return
        self.show_step(self.index + delta)

    # -- quizzes ----------------------------------------------------------------------
    def _active_quiz(self) -> QuizView | None:
        views = list(self.query(QuizView))
        focused = self.focused
        for v in views:
            if focused is v or (focused is not None and v in focused.ancestors):
                return v
        return next((v for v in views if not v.done), views[0] if views else None)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A quiz with a target of its own points the explorer there when it is
        reached (and back at the step's target when the learner moves on)."""
        widget: Any = event.widget
        quiz = widget if isinstance(widget, QuizView) else next(
            (a for a in widget.ancestors if isinstance(a, QuizView)), None
        )  # fmt: skip
        if quiz is None or quiz is self._driven_by or quiz.quiz not in self.step.quizzes:
            return  # (a question of the step just left, on its way out, is not news)
        self._driven_by = quiz
        target = quiz.quiz.target or self.step.target
        if target is not None and target != self._driven:
            self.drive(target)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            quiz = self._active_quiz()
            focused = self.focused
            typing = focused is not None and focused.id == "quiz-input"
            if quiz is not None and not typing and quiz.key_digit(int(event.character)):
                event.stop()

    def action_answer(self) -> None:
        quiz = self._active_quiz()
        if quiz is None:
            return
        q = quiz.quiz
        if quiz.submit_ticked():
            return
        if q.kind in PICK_KINDS:
            answer = self._pick(q)
            if answer is None:
                self.notify("Pick it in the explorer first.", severity="warning")
                return
            self._answered(quiz, answer)

    def _pick(self, q: Quiz) -> Any:
        view = self.query_one(ExplorerView)
        if q.kind == QuizKind.FIELD:
            ref = view.selected
            if ref is None or ref.field is None:
                return None
            return FieldPick(ref.field.key, view.pos.message)
        hexv: Any = view.query_one("#hex")
        cursor = hexv.cursor
        if cursor is None:
            return None
        return BytePick(cursor[0], cursor[1])

    def action_hint(self) -> None:
        quiz = self._active_quiz()
        if quiz is not None:
            quiz.hint()

    def action_skip(self) -> None:
        quiz = self._active_quiz()
        if quiz is None:
            return
        if not self.progress.can_skip(quiz.quiz):
            self.notify("This question cannot be skipped: any answer will do.",
                        severity="warning")  # fmt: skip
            return
        self._answered(quiz, SKIP)

    @on(QuizView.Answered)
    def _on_answered(self, event: QuizView.Answered) -> None:
        event.stop()
        self._answered(event.view, event.answer)

    def _answered(self, view: QuizView, answer: Any) -> None:
        q = view.quiz
        resolved = self.resolved
        if q.target is not None:
            try:
                resolved = resolve_target(self.lesson, q.target, self.resolver)
            except TargetError:
                resolved = self.resolved
        g = grade(q, answer, resolved)
        self.progress.record(q, answer, g)
        self._save()
        view.show_grade(g)
        right, total = self.progress.score(self.lesson)
        self._header(right, total)
        if g.correct or g.skipped:
            # out of the answer line, so that ] goes on (typed into a line it would not)
            nxt = next((v for v in self.query(QuizView) if not v.done), None)
            (nxt or view).focus()

    def _save(self) -> None:
        try:
            self.store.save(self.progress)
        except OSError as err:
            self.notify(f"Progress could not be saved ({err.strerror}).", severity="error")

    # -- the explorer -----------------------------------------------------------------
    def action_toggle_explorer(self) -> None:
        if self.has_class("side-by-side"):
            self.query_one(ExplorerView).query_one("#ladder").focus()
            return
        self.showing = "explorer" if self.showing == "text" else "text"
        self._layout(self.app.size.width)
        if self.showing == "explorer":
            self.query_one(ExplorerView).query_one("#ladder").focus()

    def action_open_explorer(self) -> None:
        from .explorer import ExplorerScreen

        if self._shown_conn is not None:
            view = self.query_one(ExplorerView)
            self.app.push_screen(ExplorerScreen(self._shown_conn, source_label=self.lesson.title,
                                                position=view.pos))  # fmt: skip

    def action_menu(self) -> None:
        self.app.pop_screen()
