"""The lessons are in our own words: no run of eight consecutive words of the course they
mirror appears in any lesson (or in the lessons' README).  Skipped when the course is not
beside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

COURSE = ROOT.parent / "shared" / "course"
RUN = 8


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


def _course_runs() -> set[tuple[str, ...]]:
    files = sorted(COURSE.glob("*.txt")) if COURSE.is_dir() else []
    if not files:
        pytest.skip("the course is not available beside the repository")
    runs: set[tuple[str, ...]] = set()
    for f in files:
        runs |= _runs(_words(f.read_text(encoding="utf-8")))
    return runs


def test_the_check_itself_finds_a_copied_sentence() -> None:
    course = _course_runs()
    copied = " ".join(next(iter(sorted(course))))
    assert _runs(_words(f"Some words of ours. {copied.upper()}, and more.")) & course


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "lessons").glob("*.md")),
    ids=lambda p: Path(p).name,
)
def test_no_eight_words_of_the_course_in_a_lesson(path: Path) -> None:
    shared = _runs(_words(path.read_text(encoding="utf-8"))) & _course_runs()
    assert not shared, f"{path.name} repeats the course: " + "; ".join(
        " ".join(run) for run in sorted(shared)[:5]
    )
