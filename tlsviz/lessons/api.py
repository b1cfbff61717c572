"""Conveniences the lesson player calls (the rest of the API is in the modules)."""

from __future__ import annotations

from pathlib import Path

from .model import Lesson, Target
from .resolve import Resolved, Resolver


def resolve_target(lesson: Lesson, target: Target, resolver: Resolver | None = None) -> Resolved:
    """``target`` (of a step or quiz of ``lesson``) found in its capture; captures named by
    path are looked up beside the lesson file.  Raises ``TargetError`` (one sentence)."""
    return (resolver or Resolver()).resolve(target, Path(lesson.path).parent)
