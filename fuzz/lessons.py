#!/usr/bin/env python3
"""The lesson-file parser (``lessons/parser.py``: front matter, steps, ``@show``
lines, quiz blocks), as ``lesson check``, ``lesson list`` and the lesson player
load a teacher's file.

Input: a lesson file's bytes.  Loading must give a lesson or a
:class:`~tlsviz.lessons.model.LessonError` whose problems each say
``file:line: message`` on one line; a lesson loaded must list as
``lesson list --json`` lists it and export as ``lesson export --gift`` does.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import corpus_files, main, scratch_file

from tlsviz.cli_lessons import lesson_json
from tlsviz.lessons.gift import lessons_gift
from tlsviz.lessons.model import LessonError
from tlsviz.lessons.parser import load_lesson

MAX_LEN = 12288


def test_one_input(data: bytes) -> None:
    path = scratch_file(data, "lesson.md")
    try:
        lesson = load_lesson(path)
    except LessonError as err:
        assert err.problems
        for p in err.problems:
            text = str(p)
            assert p.line >= 1 and "\n" not in text and text.startswith(path), text
        return
    json.dumps(lesson_json(lesson))
    lessons_gift([lesson])


def seeds(corpus: Path | None) -> Iterator[bytes]:
    from _common import ROOT

    from tlsviz.bundled import lessons_root

    broken = ROOT / "tests" / "lessons_broken"  # a teacher's mistakes, one a file
    for path in sorted([*lessons_root().glob("*.md"), *broken.glob("*.md")]):
        yield path.read_bytes()
    for path in corpus_files(corpus, ".md", limit=1 << 16):
        yield path.read_bytes()


if __name__ == "__main__":
    main("lessons", test_one_input, seeds, MAX_LEN)
