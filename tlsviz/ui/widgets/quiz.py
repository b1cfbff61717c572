"""One quiz prompt of a lesson: ask, take an answer, say why it was right or wrong.

The widget shows the question and how to answer (numbers for options, a line
for numbers and orders, a field or a byte picked in the explorer beside it),
reveals hints one at a time, and after each answer shows the grade, the
feedback of the options chosen, the explanation and, after a wrong answer, the
right one; a wrong answer may be followed by another try.  Grading is
:func:`tlsviz.lessons.grade`; the screen records progress (messages up).
"""

from __future__ import annotations

import random
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Markdown, Static

from ...lessons.grading import Grade
from ...lessons.model import Quiz, QuizKind

OPTION_KINDS = (QuizKind.CHOICE, QuizKind.TRUE_FALSE, QuizKind.NEXT)
PICK_KINDS = (QuizKind.FIELD, QuizKind.BYTES)


def shuffled_items(quiz: Quiz) -> list[str]:
    """An order quiz's items shuffled, the same way every time (never in the right order)."""
    items = list(quiz.items)
    random.Random(quiz.id).shuffle(items)
    if items == list(quiz.items) and len(items) > 1:
        items.reverse()
    return items


class QuizView(Vertical, can_focus=True):
    """A quiz; posts :class:`Answered` with the learner's answer."""

    DEFAULT_CSS = """
    QuizView { height: auto; border: round $accent; padding: 0 1; margin: 1 0; }
    QuizView:focus-within, QuizView:focus { border: round $success; }
    QuizView .quiz-title { text-style: bold; color: $accent; }
    QuizView .quiz-how { color: $text-muted; }
    QuizView Input { margin: 0 0 1 0; }
    QuizView .quiz-result { height: auto; }
    """

    class Answered(Message):
        """The learner answered (``answer`` as :func:`grade` takes it) or skipped."""

        def __init__(self, view: QuizView, answer: Any) -> None:
            super().__init__()
            self.view = view
            self.answer = answer

    def __init__(self, quiz: Quiz, *, number: int = 1, answered: bool = False) -> None:
        super().__init__(classes=f"quiz-{quiz.id}")
        self.quiz = quiz
        self.number = number
        self.hints_shown = 0
        self.toggled: set[int] = set()
        self.attempts: list[Grade] = []
        self.done = answered
        self.shuffled = shuffled_items(quiz)

    def compose(self) -> ComposeResult:
        q = self.quiz
        req = " · required" if q.required else ""
        yield Static(f"Question {self.number}{req} — commit to an answer", classes="quiz-title")
        yield Markdown(q.question, classes="quiz-question")
        yield Static(self._choices(), id="quiz-choices")
        if q.kind in (QuizKind.NUMERIC, QuizKind.ORDER):
            placeholder = (
                f"a number{' in ' + q.unit if q.unit else ''}, then enter"
                if q.kind == QuizKind.NUMERIC
                else "the numbers in the right order, e.g. 2 1 3, then enter"
            )
            yield Input(placeholder=placeholder, id="quiz-input", compact=True)
        yield Static(self._how(), classes="quiz-how")
        yield Static(id="quiz-hints")
        yield Vertical(id="quiz-result", classes="quiz-result")

    # -- the prompt -------------------------------------------------------------------
    def _choices(self) -> Text:
        q = self.quiz
        out = Text()
        if q.kind in OPTION_KINDS:
            for i, o in enumerate(q.options):
                mark = "[x]" if i in self.toggled else "   " if not self._multi else "[ ]"
                out.append(f" {i + 1} ", style="bold reverse")
                out.append(f" {mark} " if self._multi else " ")
                out.append(o.text + "\n")
        elif q.kind == QuizKind.ORDER:
            for i, item in enumerate(self.shuffled):
                out.append(f" {i + 1} ", style="bold reverse")
                out.append(f" {item}\n")
        return out

    @property
    def _multi(self) -> bool:
        return self.quiz.kind == QuizKind.CHOICE and len(self.quiz.right_options) > 1

    def _how(self) -> str:
        q = self.quiz
        hint = " · h: a hint" if q.hints else ""
        skip = "" if q.required else " · s: skip"
        if q.kind in OPTION_KINDS:
            if self._multi:
                how = "numbers tick the options (several are right), enter answers"
            else:
                how = f"press 1–{len(q.options)} to answer"
        elif q.kind == QuizKind.FIELD:
            how = "select the field in the explorer's tree (tab goes there), then enter"
        elif q.kind == QuizKind.BYTES:
            how = "click one of its bytes in the hex view (x shows it), then enter"
        else:
            how = "type the answer below"
        return how + hint + skip

    # -- input -----------------------------------------------------------------------
    def key_digit(self, digit: int) -> bool:
        """A number key: choose (or tick) an option.  True when it was used."""
        q = self.quiz
        if q.kind not in OPTION_KINDS or not 1 <= digit <= len(q.options):
            return False
        i = digit - 1
        if self._multi:
            self.toggled ^= {i}
            self.query_one("#quiz-choices", Static).update(self._choices())
            return True
        answer: Any = i
        if q.kind == QuizKind.TRUE_FALSE:
            answer = q.options[i].text.strip().lower() in ("true", "yes")
        self.post_message(self.Answered(self, answer))
        return True

    def submit_ticked(self) -> bool:
        if self._multi and self.toggled:
            self.post_message(self.Answered(self, set(self.toggled)))
            return True
        return False

    @on(Input.Submitted, "#quiz-input")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        if self.quiz.kind == QuizKind.ORDER:
            try:
                picks = [int(x) - 1 for x in text.replace(",", " ").split()]
                answer: Any = [self.shuffled[i] for i in picks]
            except (ValueError, IndexError):
                self.notify("Give each item's number once, e.g. 2 1 3.", severity="warning")
                return
        else:
            answer = text
        self.post_message(self.Answered(self, answer))

    def hint(self) -> None:
        hints = self.quiz.hints
        if not hints:
            self.notify("This question has no hint.", timeout=2)
            return
        self.hints_shown = min(len(hints), self.hints_shown + 1)
        text = "\n".join(f"Hint {i + 1}: {h}" for i, h in enumerate(hints[: self.hints_shown]))
        self.query_one("#quiz-hints", Static).update(Text(text, style="italic yellow"))

    # -- the grade --------------------------------------------------------------------
    def show_grade(self, g: Grade) -> None:
        self.attempts.append(g)
        box = self.query_one("#quiz-result", Vertical)
        if g.skipped:
            head = Text("Skipped.", style="bold yellow")
        elif g.correct:
            head = Text("✔ Right.", style="bold green")
        else:
            head = Text("✘ Not quite.", style="bold red")
        parts: list[Any] = [Static(head)]
        for fb in g.feedback:
            parts.append(Static(Text("• " + fb)))
        if not g.correct:
            parts.append(Static(Text(f"The right answer: {g.right_answer}", style="bold")))
        if g.explanation:
            parts.append(Markdown(g.explanation))
        if not g.correct and not g.skipped:
            parts.append(Static(Text("You may try again.", style="italic")))
        box.mount_all(parts)
        self.done = self.done or g.correct or g.skipped
        self.scroll_visible()
