"""What a lesson file becomes: frozen values the player, the checker and the exports read.

A :class:`Lesson` is a list of :class:`Step` objects; a step is prose and quizzes in the
order the learner meets them (a quiz that asks to commit to an answer must come before the
prose that gives it away), and may point the explorer at some bytes with a :class:`Target`.
Everything carries the line it came from, so that every later complaint (a field that does
not exist in the capture, a numeric answer the bytes contradict) can name ``file:line``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class QuizKind(enum.StrEnum):
    """The kinds of quiz prompt (the ``kind`` attribute of a ``<quiz>`` block)."""

    CHOICE = "choice"  # one or more right options
    TRUE_FALSE = "truefalse"  # options "True" and "False"
    ORDER = "order"  # put the items in order (written in the right order)
    NEXT = "next"  # predict the message that follows the one shown
    FIELD = "field"  # pick the field in the tree that does X (answer: field keys)
    BYTES = "bytes"  # pick the bytes in the hex view (answer: field keys, as spans)
    NUMERIC = "numeric"  # a number, with a tolerance


#: Explorer panes a target may bring forward (the player decides how).
PANELS = ("ladder", "tree", "hex", "keys", "certificates", "cost", "records", "data")

#: Which key material a target opens its capture with.
KEY_MODES = ("all", "keylog", "rsa", "psk", "none")

#: What a numeric quiz's ``measure`` can compare its answer with (see ``check``).
MEASURES = (
    "length",  # bytes of the target field, else of the target message
    "value",  # the integer value of the target field
    "children",  # how many items the target field holds (suites in a list, ...)
    "bytes",  # bytes of the connection, both directions (TLS payload of TCP)
    "bytes.client",
    "bytes.server",
    "messages",  # messages in the connection
    "handshake_messages",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a lesson, located like a compiler error."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LessonError(Exception):
    """Lessons that cannot be used; ``problems`` says where and why (at least one)."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid lesson"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more)" if more > 0 else ""))


@dataclass(frozen=True, slots=True)
class Target:
    """Where the explorer goes: a capture, a connection, a message, a field.

    Never a byte offset: ``message`` is a type (``ServerHello``), optionally with a
    direction and an occurrence (``client:Finished``, ``ApplicationData#2``), and ``field``
    a field key as ``decode --json`` writes it (``ext.key_share.key_exchange``), optionally
    with an occurrence (``cipher_suite#3``), so targets survive re-made captures.
    ``connection`` counts connections in capture order from 1.  ``keys`` chooses the key
    material the capture is opened with; ``panel`` and ``key_step`` point at a pane and at
    one step of the key derivation.
    """

    capture: str
    connection: int = 1
    message: str | None = None
    field: str | None = None
    keys: str = "all"
    panel: str | None = None
    key_step: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Option:
    """One answer offered (choice, true/false, next) or one field key (field, bytes)."""

    text: str
    correct: bool
    feedback: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Quiz:
    """A prompt: the question, how to answer it, hints, and what to say afterwards.

    ``options`` for choice, true/false, next, field and bytes quizzes (for the last two the
    texts are field keys: the right ones, and wrong ones worth a word of feedback);
    ``items`` in the right order for order quizzes; ``answer``/``tolerance``/``unit`` and
    an optional ``measure`` (checked against the capture) for numeric ones.
    """

    id: str
    kind: QuizKind
    question: str
    explanation: str
    options: tuple[Option, ...] = ()
    items: tuple[str, ...] = ()
    answer: float | None = None
    tolerance: float = 0.0
    unit: str = ""
    measure: str | None = None
    hints: tuple[str, ...] = ()
    required: bool = False
    covers: tuple[str, ...] = ()
    target: Target | None = None
    line: int = 0

    @property
    def right_options(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.correct)

    @property
    def right_answer(self) -> str:
        """The right answer in words: what the player shows after a wrong one."""
        if self.kind == QuizKind.ORDER:
            return " → ".join(self.items)
        if self.kind == QuizKind.NUMERIC:
            value = _number(self.answer if self.answer is not None else 0.0)
            within = f" (± {_number(self.tolerance)})" if self.tolerance else ""
            return f"{value}{' ' + self.unit if self.unit else ''}{within}"
        return " / ".join(o.text for o in self.right_options)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True, slots=True)
class Prose:
    """Markdown text between quizzes."""

    text: str
    line: int = 0


Block = Prose | Quiz


@dataclass(frozen=True, slots=True)
class Step:
    """One screen of a lesson: prose and quizzes in order, and where the explorer looks."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    target: Target | None = None
    covers: tuple[str, ...] = ()
    line: int = 0

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Quiz))

    @property
    def text(self) -> str:
        """All the prose of the step (quizzes left out)."""
        return "\n\n".join(b.text for b in self.blocks if isinstance(b, Prose))


@dataclass(frozen=True, slots=True)
class Lesson:
    """A lesson file, parsed and checked for form (not yet against the captures)."""

    id: str
    title: str
    path: str
    steps: tuple[Step, ...]
    topics: tuple[str, ...] = ()
    summary: str = ""
    level: str = ""
    order: int = 0
    minutes: int = 0
    capture: str | None = None
    intro: str = ""

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        return tuple(q for s in self.steps for q in s.quizzes)

    @property
    def covers(self) -> tuple[str, ...]:
        """Every course item a step or quiz of this lesson declares, in order, once."""
        seen: dict[str, None] = {}
        for step in self.steps:
            for item in step.covers:
                seen.setdefault(item)
            for quiz in step.quizzes:
                for item in quiz.covers:
                    seen.setdefault(item)
        return tuple(seen)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes if q.id == quiz_id), None)

    def targets(self) -> list[tuple[Target, Step, Quiz | None]]:
        """Every target of the lesson with the step (and quiz) it belongs to."""
        out: list[tuple[Target, Step, Quiz | None]] = []
        for step in self.steps:
            if step.target is not None:
                out.append((step.target, step, None))
            for quiz in step.quizzes:
                if quiz.target is not None:
                    out.append((quiz.target, step, quiz))
        return out
