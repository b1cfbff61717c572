"""Quizzes as Moodle GIFT text, for teachers who want them in their course platform.

GIFT has no notion of captures or of picking bytes, so each kind maps onto the nearest
GIFT question: choice, next and true/false as themselves; order as a matching question
(each item against its place); numeric as a numerical question with its tolerance; field
and bytes quizzes as a choice among field keys when wrong keys were written, otherwise as a
short answer.  Option feedback follows ``#``, the explanation becomes the general feedback
(``####``), hints become comment lines (GIFT has no hints).

Escaping follows Moodle's GIFT importer: ``\\``, ``~ = # { } :`` are preceded by a
backslash and line breaks are written as ``\\n``, so every question stays on one logical
block (a blank line would end it).
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Lesson, Quiz, QuizKind

_RESERVED = str.maketrans(
    {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:"}
)


def escape(text: str) -> str:
    """GIFT text: reserved characters escaped, line breaks as ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_RESERVED)
    return text.replace("\n", "\\n")


def _weight(k: int) -> str:
    """Each of ``k`` right answers is worth 100/k percent (Moodle rounds to its list)."""
    return f"{100 / k:.5f}".rstrip("0").rstrip(".")


def _comment(text: str) -> list[str]:
    return [f"// {line}".rstrip() for line in text.splitlines() or [""]]


def quiz_gift(quiz: Quiz, lesson: Lesson) -> str:
    """One quiz as one GIFT question (with its comment lines)."""
    lines = [f"// {lesson.id} / {quiz.id} ({quiz.kind}{', required' if quiz.required else ''})"]
    for hint in quiz.hints:
        lines += _comment(f"hint: {hint}")
    name = f"::{escape(f'{lesson.id}/{quiz.id}')}::"
    question = quiz.question
    if quiz.kind == QuizKind.NEXT and quiz.target is not None:
        question += f"\n\n(In the capture: the message after {quiz.target.message}.)"
    if quiz.kind == QuizKind.ORDER:
        question += "\n\nMatch each item with its place in the order (1 is the first)."
    if quiz.kind in (QuizKind.FIELD, QuizKind.BYTES):
        question += "\n\n(In tlsviz the answer is picked in the field tree; give its field key.)"
    general = f"####{escape(quiz.explanation)}" if quiz.explanation else ""
    head = f"{name}[markdown]{escape(question)}"
    body = _answers(quiz)
    lines.append(head + "{")
    lines += [f"\t{b}" for b in body]
    if general:
        lines.append(f"\t{general}")
    lines.append("}")
    return "\n".join(lines)


def _feedback(text: str) -> str:
    return f"#{escape(text)}" if text else ""


def _answers(quiz: Quiz) -> list[str]:
    kind = quiz.kind
    if kind == QuizKind.TRUE_FALSE:
        yes = quiz.right_options[0]
        no = next(o for o in quiz.options if not o.correct)
        # Moodle: {TRUE#shown when answered wrong#shown when answered right}
        return [f"{'TRUE' if yes.text.lower() == 'true' else 'FALSE'}"
                f"#{escape(no.feedback)}#{escape(yes.feedback)}"]  # fmt: skip
    if kind == QuizKind.NUMERIC:
        assert quiz.answer is not None
        value = f"{quiz.answer:g}:{quiz.tolerance:g}"
        said = f"The answer is {quiz.right_answer}."
        return [f"#={value}{_feedback('')}", f"~{_feedback(said)}"]
    if kind == QuizKind.ORDER:
        return [
            f"={escape(item.replace('->', '→'))} -> {i}" for i, item in enumerate(quiz.items, 1)
        ]
    wrong = [o for o in quiz.options if not o.correct]
    right = quiz.right_options
    if kind in (QuizKind.FIELD, QuizKind.BYTES) and not wrong:
        return [f"={escape(o.text)}{_feedback(o.feedback)}" for o in right]
    out = []
    for o in quiz.options:
        if o.correct:
            mark = "=" if len(right) == 1 else f"~%{_weight(len(right))}%"
        else:
            mark = "~" if len(right) == 1 else "~%-100%"
        out.append(f"{mark}{escape(o.text)}{_feedback(o.feedback)}")
    return out


def lessons_gift(lessons: Iterable[Lesson]) -> str:
    """Every quiz of ``lessons``, one GIFT category per lesson."""
    blocks = ["// Quizzes of the tlsviz lessons, in Moodle GIFT format."]
    for lesson in lessons:
        if not lesson.quizzes:
            continue
        blocks.append(f"$CATEGORY: tlsviz/{lesson.id}")
        blocks.extend(quiz_gift(q, lesson) for q in lesson.quizzes)
    return "\n\n".join(blocks) + "\n"
