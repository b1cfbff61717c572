"""Conveniences the lesson player calls (the rest of the API is in the modules)."""

from __future__ import annotations

from pathlib import Path

from .model import Lesson, Target
from .resolve import Resolved, Resolver


def resolve_target(lesson: Lesson, target: Target, resolver: Resolver | None = None) -> Resolved:
    """``target`` (of a step or quiz of ``lesson``) found in its capture; captures named by
    path are looked up beside the lesson file.  Raises ``TargetError`` (one sentence)."""
    return (resolver or Resolver()).resolve(target, Path(lesson.path).parent)


def catalogue(paths: list[str | Path] | None = None) -> list[tuple[str, str, str]]:
    """(id, title, summary) of each lesson, in menu order: what a home screen lists.  The
    bundled lessons by default; raises ``LessonError`` if a lesson file is broken."""
    from .parser import load_lessons

    return [(ls.id, ls.title, ls.summary) for ls in load_lessons(paths)]
