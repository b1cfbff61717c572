"""A lesson's question as the presenter shows it to a room: the question and its
options, the answer hidden until the presenter reveals it.

Nobody answers here (the room answers aloud, or in their own ``tlsviz follow``);
:meth:`ShownQuiz.reveal` shows which options are right, the right order or
number, and the explanation.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

from ...lessons.model import Quiz, QuizKind
from .quiz import OPTION_KINDS, shuffled_items


class ShownQuiz(Vertical):
    """One question; ``revealed`` says whether its answer shows."""

    def __init__(self, quiz: Quiz, number: int) -> None:
        super().__init__(classes="shown-quiz")
        self.quiz = quiz
        self.number = number
        self.revealed = False
        self.items = shuffled_items(quiz) if quiz.kind == QuizKind.ORDER else []

    def compose(self) -> ComposeResult:
        yield Static(f"Question {self.number}", classes="shown-quiz-title")
        yield Markdown(self.quiz.question, classes="shown-quiz-question")
        yield Static(self._options(), classes="shown-quiz-options")
        yield Static(self._answer(), classes="shown-quiz-answer")
        yield Markdown(self.quiz.explanation or "", classes="shown-quiz-explanation")

    def on_mount(self) -> None:
        self.reveal(False)

    def reveal(self, on: bool) -> None:
        self.revealed = on
        self.set_class(on, "-revealed")
        self.query_one(".shown-quiz-options", Static).update(self._options())
        answer = self.query_one(".shown-quiz-answer", Static)
        answer.update(self._answer())
        explanation = self.query_one(".shown-quiz-explanation", Markdown)
        explanation.display = on and bool(self.quiz.explanation)

    def _options(self) -> Text:
        q = self.quiz
        out = Text()
        if q.kind in OPTION_KINDS:
            for i, o in enumerate(q.options):
                if self.revealed:
                    mark, style = ("✔", "bold green") if o.correct else ("✗", "dim")
                else:
                    mark, style = " ", ""
                out.append(f" {i + 1} ", style="bold reverse")
                out.append(f" {mark} ", style=style)
                out.append(o.text + "\n", style=style)
        elif q.kind == QuizKind.ORDER:
            for i, item in enumerate(self.items):
                out.append(f" {i + 1} ", style="bold reverse")
                out.append(f" {item}\n")
        return out

    def _answer(self) -> Text:
        q = self.quiz
        if not self.revealed:
            return Text("the answer is hidden: r reveals it", style="dim italic")
        if q.kind in OPTION_KINDS:
            right = ", ".join(str(i + 1) for i, o in enumerate(q.options) if o.correct)
            return Text(f"Answer: {right}", style="bold green")
        text = Text("Answer: ", style="bold green")
        text.append(q.right_answer, style="bold")
        return text
