"""``tlsviz lesson check``: lessons read, and every claim they make about bytes verified.

Reading a lesson catches mistakes of form; this also opens each capture a lesson points
into and checks what the lesson says against it: every target exists (capture,
connection, message, field, key step), a "predict the next message" quiz names the message
that really comes next, the field keys of a "pick the field" quiz are in that message, an
order quiz over messages follows the capture, and a numeric answer with a ``measure`` is
within its tolerance of what the bytes measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .model import Lesson, LessonError, Problem, Quiz, QuizKind
from .parser import lesson_files, load_lesson
from .resolve import (
    Resolved,
    Resolver,
    TargetError,
    count_fields,
    find_message,
    next_message,
    step_names,
)
from .specs import parse_field_spec, parse_message_spec

if TYPE_CHECKING:
    from ..session.model import Connection


@dataclass
class CheckReport:
    lessons: list[Lesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def check_paths(paths: Iterable[str | Path], resolver: Resolver | None = None) -> CheckReport:
    """Read every lesson under ``paths`` (files or folders) and check it against its
    captures; lesson ids must be unique across all of them."""
    resolver = resolver or Resolver()
    report = CheckReport()
    seen: dict[str, str] = {}
    for root in paths:
        p = Path(root)
        if not p.exists():
            report.problems.append(Problem(str(p), 1, "no such file or folder"))
            continue
        files = lesson_files(p)
        if p.is_dir() and not files:
            report.problems.append(Problem(str(p), 1, "the folder holds no lesson (*.md) files"))
        for f in files:
            report.files += 1
            try:
                lesson = load_lesson(f)
            except LessonError as err:
                report.problems.extend(err.problems)
                continue
            if lesson.id in seen:
                report.problems.append(
                    Problem(
                        lesson.path, 1, f"lesson id {lesson.id!r} is used by {seen[lesson.id]} too"
                    )
                )
            seen.setdefault(lesson.id, lesson.path)
            report.lessons.append(lesson)
            report.problems.extend(check_lesson(lesson, resolver))
    return report


def check_lesson(lesson: Lesson, resolver: Resolver) -> list[Problem]:
    """Problems of one parsed lesson against its captures."""
    problems: list[Problem] = []
    base = Path(lesson.path).parent
    for target, _step, quiz in lesson.targets():
        try:
            resolved = resolver.resolve(target, base)
        except TargetError as err:
            problems.append(Problem(lesson.path, target.line, str(err)))
            continue
        if quiz is not None:
            for line, message in check_quiz(quiz, resolved):
                problems.append(Problem(lesson.path, line, message))
    return problems


def check_quiz(quiz: Quiz, r: Resolved) -> list[tuple[int, str]]:
    """What the capture says against the quiz: (line, problem) pairs."""
    out: list[tuple[int, str]] = []
    conn = r.connection
    if quiz.kind == QuizKind.NEXT and r.message_index is not None:
        j = next_message(conn, r.message_index)
        actual = conn.messages[j] if j is not None else None
        for o in quiz.right_options:
            spec = parse_message_spec(o.text)
            if actual is None:
                out.append((o.line, f"no message follows {r.target.message} in the capture"))
            elif spec.type != actual.type or spec.direction not in (None, actual.direction):
                out.append((o.line, f"the message after {r.target.message} is "
                                    f"{actual.direction}:{actual.type}, not {o.text}"))  # fmt: skip
    if quiz.kind in (QuizKind.FIELD, QuizKind.BYTES) and r.message is not None:
        if r.field is not None:
            line = quiz.target.line if quiz.target else quiz.line
            out.append((line, f"a {quiz.kind} quiz must not select a field (it shows the answer)"))
        for o in quiz.options:
            key = parse_field_spec(o.text).key
            if o.correct and count_fields(r.message, key) == 0:
                out.append((o.line, f"{r.target.message} has no field {key}"))
            elif not o.correct and not any(count_fields(m, key) for m in conn.messages):
                out.append((o.line, f"no message of this connection has a field {key}"))
    if quiz.kind == QuizKind.ORDER:
        out.extend(_check_order(quiz, r))
    if quiz.kind == QuizKind.NUMERIC and quiz.measure is not None:
        value = measure(quiz.measure, r)
        if value is None:
            out.append((quiz.line, f"measure {quiz.measure} needs a target that has it"))
        elif quiz.answer is not None and abs(value - quiz.answer) > quiz.tolerance:
            out.append((quiz.line, f"the capture measures {quiz.measure} = {value:g}, "
                                   f"outside {quiz.right_answer}"))  # fmt: skip
    return out


def _check_order(quiz: Quiz, r: Resolved) -> list[tuple[int, str]]:
    conn = r.connection
    try:
        specs = [parse_message_spec(item) for item in quiz.items]
    except ValueError:
        specs = []
    if specs:
        positions = [find_message(conn, s) for s in specs]
        for item, pos in zip(quiz.items, positions, strict=True):
            if pos is None:
                return [(quiz.line, f"the capture's connection has no message {item}")]
        if positions != sorted(positions):  # type: ignore[type-var]
            have = ", ".join(f"{m.direction}:{m.type}" for m in conn.messages)
            return [(quiz.line, f"the capture has these messages in another order ({have})")]
        return []
    names = step_names(conn)
    if names and all(item in names for item in quiz.items):
        firsts = [names.index(item) for item in quiz.items]
        if firsts != sorted(firsts):
            return [(quiz.line, "the key steps are derived in another order: " + ", ".join(
                n for n in names if n in quiz.items))]  # fmt: skip
    return []


def measure(name: str, r: Resolved) -> float | None:
    """What the capture says for a numeric quiz's ``measure``."""
    conn: Connection = r.connection
    if name == "length":
        if r.field is not None:
            return float(r.field.length)
        return float(r.message.length) if r.message is not None else None
    if name == "value":
        value = r.field.value if r.field is not None else None
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if name == "children":
        return float(len(r.field.children)) if r.field is not None else None
    if name == "bytes":
        return float(conn.bytes["client"] + conn.bytes["server"])
    if name in ("bytes.client", "bytes.server"):
        return float(conn.bytes[name.split(".")[1]])
    if name == "messages":
        return float(len(conn.messages))
    if name == "handshake_messages":
        return float(len(conn.handshake_messages()))
    return None
