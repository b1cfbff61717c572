"""Guided lessons: lesson files -> Lesson/Step/Quiz models, targets, grading, progress.

Pure (no textual, no scapy): the lesson player of the terminal UI, ``tlsviz lesson`` and
the tests all use this package.  Names are imported lazily, so ``import tlsviz.lessons``
costs nothing until one is used.

Typical use by a player::

    lessons = load_lessons()                      # bundled, or load_lessons([folder])
    lesson = lessons[0]
    resolver = Resolver()                         # decodes each capture once
    resolved = resolve_target(lesson, lesson.steps[0].target, resolver)
    result = grade(quiz, answer, resolved)        # Grade: correct, feedback, explanation
    store = ProgressStore()                       # $XDG_STATE_HOME/tlsviz/lessons
    progress = store.load(lesson.id); progress.record(quiz, answer, result); store.save(progress)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Block": "model",
    "Lesson": "model",
    "LessonError": "model",
    "Option": "model",
    "Problem": "model",
    "Prose": "model",
    "Quiz": "model",
    "QuizKind": "model",
    "Step": "model",
    "Target": "model",
    "load_lesson": "parser",
    "load_lessons": "parser",
    "lesson_files": "parser",
    "parse_lesson": "parser",
    "CaptureRef": "resolve",
    "Resolved": "resolve",
    "Resolver": "resolve",
    "Span": "resolve",
    "TargetError": "resolve",
    "resolve_target": "api",
    "catalogue": "api",
    "AnswerError": "grading",
    "BytePick": "grading",
    "FieldPick": "grading",
    "Grade": "grading",
    "SKIP": "grading",
    "answer_spans": "grading",
    "grade": "grading",
    "LessonProgress": "progress",
    "ProgressStore": "progress",
    "QuizRecord": "progress",
    "state_dir": "progress",
    "CheckReport": "check",
    "check_paths": "check",
    "lessons_gift": "gift",
}

__all__ = [
    "SKIP",
    "AnswerError",
    "Block",
    "BytePick",
    "CaptureRef",
    "CheckReport",
    "FieldPick",
    "Grade",
    "Lesson",
    "LessonError",
    "LessonProgress",
    "Option",
    "Problem",
    "ProgressStore",
    "Prose",
    "Quiz",
    "QuizKind",
    "QuizRecord",
    "Resolved",
    "Resolver",
    "Span",
    "Step",
    "Target",
    "TargetError",
    "answer_spans",
    "catalogue",
    "check_paths",
    "grade",
    "lesson_files",
    "lessons_gift",
    "load_lesson",
    "load_lessons",
    "parse_lesson",
    "resolve_target",
    "state_dir",
]

if TYPE_CHECKING:
    from ..wire.message import Span
    from .api import catalogue, resolve_target
    from .check import CheckReport, check_paths
    from .gift import lessons_gift
    from .grading import SKIP, AnswerError, BytePick, FieldPick, Grade, answer_spans, grade
    from .model import (
        Block,
        Lesson,
        LessonError,
        Option,
        Problem,
        Prose,
        Quiz,
        QuizKind,
        Step,
        Target,
    )
    from .parser import lesson_files, load_lesson, load_lessons, parse_lesson
    from .progress import LessonProgress, ProgressStore, QuizRecord, state_dir
    from .resolve import CaptureRef, Resolved, Resolver, TargetError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tlsviz.lessons' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
