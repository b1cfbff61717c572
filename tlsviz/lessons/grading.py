"""Grading an answer: right or wrong, and always something to read afterwards.

Every :class:`Grade` carries the quiz's explanation and the right answer in words, whether
the answer was right or wrong (the player shows the right answer after a wrong one), plus
the feedback written under the options the learner chose.  What counts as an answer
depends on the kind of quiz:

========== ==============================================================================
choice     an option index, or a collection of indexes (all the right ones, no wrong one)
truefalse  a bool (or the index of the option)
next       an option index, or a message type (``"EncryptedExtensions"``)
order      the items as the learner ordered them (texts), or their indexes in ``items``
numeric    a number (or its text); right within the quiz's tolerance
field      a field key, or :class:`FieldPick` (key and the message it was picked in)
bytes      :class:`BytePick` (a byte of a hex-view buffer) with the target resolved, or a
           field key / :class:`FieldPick` (the field the hex view selected)
any        :data:`SKIP` (not allowed for required quizzes: see ``Progress.can_skip``)
========== ==============================================================================
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import Quiz, QuizKind
from .specs import parse_field_spec, parse_message_spec

if TYPE_CHECKING:
    from ..wire.message import Buffer, Span
    from .resolve import Resolved


class AnswerError(TypeError):
    """An answer of the wrong shape for the quiz (a bug in the caller, not the learner)."""


class _Skip:
    def __repr__(self) -> str:
        return "SKIP"


#: The learner chose to skip the quiz.
SKIP: Any = _Skip()


@dataclass(frozen=True, slots=True)
class FieldPick:
    """A field chosen in the tree: its key, and the index of the message it belongs to
    (``None`` when the player does not know; then only the key is compared)."""

    key: str
    message_index: int | None = None


@dataclass(frozen=True, slots=True)
class BytePick:
    """A byte chosen in the hex view: its buffer (a ``tlsviz.wire.message.Buffer`` or its
    name, ``"client"``, ``"server@1234"``) and its offset in it."""

    buffer: Buffer | str
    offset: int


@dataclass(frozen=True, slots=True)
class Grade:
    correct: bool
    explanation: str
    right_answer: str
    feedback: tuple[str, ...] = ()  # the chosen options' feedback, in option order
    skipped: bool = False
    score: float = 0.0  # 1.0 right, partial for choice quizzes with several right options


def grade(quiz: Quiz, answer: Any, resolved: Resolved | None = None) -> Grade:
    """Grade ``answer`` to ``quiz``.  ``resolved`` is the quiz's target found in its
    capture (:meth:`Resolver.resolve`), needed to grade a :class:`BytePick`."""
    if answer is SKIP:
        return Grade(False, quiz.explanation, quiz.right_answer, skipped=True)
    kind = quiz.kind
    if kind in (QuizKind.CHOICE, QuizKind.TRUE_FALSE, QuizKind.NEXT):
        chosen = _chosen(quiz, answer)
        right = {i for i, o in enumerate(quiz.options) if o.correct}
        feedback = tuple(
            quiz.options[i].feedback for i in sorted(chosen) if quiz.options[i].feedback
        )
        correct = chosen == right
        hits = len(chosen & right) - len(chosen - right)
        score = 1.0 if correct else max(0.0, hits / len(right)) if right else 0.0
        return Grade(correct, quiz.explanation, quiz.right_answer, feedback, score=score)
    if kind == QuizKind.ORDER:
        order = _order(quiz, answer)
        correct = order == list(quiz.items)
        return Grade(correct, quiz.explanation, quiz.right_answer, score=float(correct))
    if kind == QuizKind.NUMERIC:
        value = _number(answer)
        if value is None:
            note = ("That is not a number.",)
            return Grade(False, quiz.explanation, quiz.right_answer, note)
        assert quiz.answer is not None
        correct = abs(value - quiz.answer) <= quiz.tolerance + 1e-9
        return Grade(correct, quiz.explanation, quiz.right_answer, score=float(correct))
    return _grade_field(quiz, answer, resolved)


def _grade_field(quiz: Quiz, answer: Any, resolved: Resolved | None) -> Grade:
    pick: FieldPick
    if isinstance(answer, str):
        pick = FieldPick(answer)
    elif isinstance(answer, FieldPick):
        pick = answer
    elif isinstance(answer, BytePick):
        if resolved is None or resolved.message is None:
            raise AnswerError("a byte picked in the hex view is graded with the resolved target")
        from .resolve import contains, deepest_field_at, find_field

        msg = resolved.message
        for o in quiz.right_options:
            found = find_field(msg, parse_field_spec(o.text))
            spans = found[3] if found is not None else ()
            if any(contains(s, answer.buffer, answer.offset) for s in spans):
                return Grade(
                    True, quiz.explanation, quiz.right_answer, _fb(quiz, o.text), score=1.0
                )
        under = deepest_field_at(msg, answer.buffer, answer.offset)
        pick = FieldPick(under.key if under is not None else "", resolved.message_index)
    else:
        raise AnswerError(f"a {quiz.kind} quiz takes a field key, FieldPick or BytePick")
    same_message = (
        pick.message_index is None
        or resolved is None
        or resolved.message_index is None
        or pick.message_index == resolved.message_index
    )
    right = {parse_field_spec(o.text).key for o in quiz.right_options}
    correct = same_message and pick.key in right
    feedback = _fb(quiz, pick.key)
    if not same_message:
        feedback = ("That field is in another message than the one the question is about.",)
    return Grade(correct, quiz.explanation, quiz.right_answer, feedback, score=float(correct))


def _fb(quiz: Quiz, key: str) -> tuple[str, ...]:
    return tuple(
        o.feedback for o in quiz.options if parse_field_spec(o.text).key == key and o.feedback
    )


def _chosen(quiz: Quiz, answer: Any) -> set[int]:
    n = len(quiz.options)
    if quiz.kind == QuizKind.TRUE_FALSE and isinstance(answer, bool):
        return {i for i, o in enumerate(quiz.options) if (o.text.lower() == "true") == answer}
    if quiz.kind == QuizKind.NEXT and isinstance(answer, str):
        try:
            spec = parse_message_spec(answer)
        except ValueError:
            return set()
        return {
            i for i, o in enumerate(quiz.options) if parse_message_spec(o.text).type == spec.type
        }
    if isinstance(answer, int) and not isinstance(answer, bool):
        indexes: Collection[Any] = (answer,)
    elif isinstance(answer, Collection) and not isinstance(answer, str | bytes):
        indexes = answer
    else:
        raise AnswerError(f"a {quiz.kind} quiz takes option indexes")
    out: set[int] = set()
    for i in indexes:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < n:
            raise AnswerError(f"option index {i!r} is not between 0 and {n - 1}")
        out.add(i)
    if quiz.kind != QuizKind.CHOICE and len(out) != 1:
        raise AnswerError(f"a {quiz.kind} quiz takes exactly one option")
    return out


def _order(quiz: Quiz, answer: Any) -> list[str]:
    if not isinstance(answer, Sequence) or isinstance(answer, str | bytes):
        raise AnswerError("an order quiz takes the items in the learner's order")
    if all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        if sorted(answer) != list(range(len(quiz.items))):
            raise AnswerError("item indexes must be a permutation of the quiz's items")
        return [quiz.items[i] for i in answer]
    if sorted(map(str, answer)) != sorted(quiz.items):
        raise AnswerError("the answer must hold exactly the quiz's items")
    return [str(a) for a in answer]


def _number(answer: Any) -> float | None:
    """The number answered; None for text that is not one (the learner typed it)."""
    if isinstance(answer, bool):
        raise AnswerError("a numeric quiz takes a number")
    if isinstance(answer, int | float):
        return float(answer)
    if isinstance(answer, str):
        try:
            value = float(answer.strip().replace(",", "."))
        except ValueError:
            return None
        return value if value == value and abs(value) != float("inf") else None
    raise AnswerError("a numeric quiz takes a number")


def answer_spans(quiz: Quiz, resolved: Resolved) -> tuple[Span, ...]:
    """The bytes of the right answer of a field or bytes quiz in the resolved message (what
    the hex view highlights after the learner answered); empty for other kinds."""
    if quiz.kind not in (QuizKind.FIELD, QuizKind.BYTES) or resolved.message is None:
        return ()
    from .resolve import find_field

    spans: list[Span] = []
    for o in quiz.right_options:
        found = find_field(resolved.message, parse_field_spec(o.text))
        if found is not None:
            spans.extend(found[3])
    return tuple(spans)
