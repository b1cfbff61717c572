"""Progress per lesson in the XDG state directory: kept across runs, written atomically,
and a damaged file set aside with one sentence instead of a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tlsviz.lessons import (
    SKIP,
    Lesson,
    LessonProgress,
    ProgressStore,
    QuizKind,
    grade,
    load_lessons,
)
from tlsviz.lessons.progress import state_dir


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    return next(ls for ls in load_lessons() if ls.id == "handshake")


def test_state_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert state_dir() == tmp_path / "state" / "tlsviz"
    assert ProgressStore().root == tmp_path / "state" / "tlsviz" / "lessons"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "tlsviz"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # not absolute: ignored (XDG spec)
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "tlsviz"


def test_progress_survives_a_restart(tmp_path: Path, lesson: Lesson) -> None:
    store = ProgressStore(tmp_path)
    p = store.load(lesson.id)
    assert p.answers == {} and p.resume_index(lesson) == 0
    q = lesson.quiz("keys-open-or-secret")
    assert q is not None and q.required
    wrong = next(i for i, o in enumerate(q.options) if not o.correct)
    right = next(i for i, o in enumerate(q.options) if o.correct)
    p.visit(lesson, 0)
    assert not p.can_advance(lesson, 0)
    p.record(q, wrong, grade(q, wrong))
    assert p.can_advance(lesson, 0)  # answered (wrong): the right answer was shown
    p.record(q, right, grade(q, right))
    p.visit(lesson, 2)
    store.save(p)

    again = ProgressStore(tmp_path).load(lesson.id)
    rec = again.answers[q.id]
    assert (rec.answer, rec.correct, rec.attempts, rec.first_try) == (right, True, 2, False)
    assert again.resume_index(lesson) == 2 and again.step == lesson.steps[2].id
    assert again.score(lesson) == (1, len(lesson.quizzes))
    assert not again.completed
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_completion_and_skipping(tmp_path: Path, lesson: Lesson) -> None:
    p = LessonProgress(lesson.id)
    optional = next(q for q in lesson.quizzes if not q.required)
    required = next(q for q in lesson.quizzes if q.required)
    p.record(optional, SKIP, grade(optional, SKIP))
    assert p.answers[optional.id].skipped and not p.answered(optional)
    with pytest.raises(ValueError, match="required"):
        p.record(required, SKIP, grade(required, SKIP))
    for i in range(len(lesson.steps)):
        p.visit(lesson, i)
    assert not p.finish(lesson)  # required quizzes still open
    for q in lesson.quizzes:
        if q.required:
            answer: object = list(q.items) if q.items else 0
            if q.kind in (QuizKind.FIELD, QuizKind.BYTES):
                answer = "some.field"
            p.record(q, answer, grade(q, answer))
    assert p.finish(lesson) and p.completed
    ProgressStore(tmp_path).save(p)
    assert ProgressStore(tmp_path).load(lesson.id).completed


def test_resume_finds_a_step_that_moved(lesson: Lesson) -> None:
    p = LessonProgress(lesson.id, step=lesson.steps[1].id, step_index=3)
    assert p.resume_index(lesson) == 1  # by id, not by the stale index
    p = LessonProgress(lesson.id, step="removed-step", step_index=99)
    assert p.resume_index(lesson) == len(lesson.steps) - 1


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        json.dumps({"format": 1, "lesson": "handshake", "answers": {"q": 5}}).encode(),
        json.dumps({"format": 1, "lesson": "handshake", "step_index": "x"}).encode(),
        json.dumps({"format": 1, "lesson": "other"}).encode(),
        json.dumps({"format": 99, "lesson": "handshake"}).encode(),
    ],
)
def test_a_damaged_file_is_set_aside_with_one_sentence(
    tmp_path: Path, lesson: Lesson, content: bytes
) -> None:
    store = ProgressStore(tmp_path)
    path = store.path(lesson.id)
    path.write_bytes(content)
    p = store.load(lesson.id)
    assert p.answers == {} and p.lesson == lesson.id
    (warning,) = store.warnings
    assert warning.count(". ") == 0 and warning.endswith("starts afresh.")
    assert str(path) in warning
    assert not path.exists()
    (aside,) = tmp_path.glob(f"{path.name}.corrupt-*")
    assert aside.read_bytes() == content
    store.save(p)  # and the lesson goes on
    assert ProgressStore(tmp_path).load(lesson.id).lesson == lesson.id


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, lesson: Lesson, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProgressStore(tmp_path)
    p = LessonProgress(lesson.id)
    p.visit(lesson, 1)
    store.save(p)
    before = store.path(lesson.id).read_bytes()
    p.visit(lesson, 3)

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save(p)
    monkeypatch.undo()
    assert store.path(lesson.id).read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == [f"{lesson.id}.json"]
    assert ProgressStore(tmp_path).load(lesson.id).step_index == 1


def test_all_lists_lessons_with_progress(tmp_path: Path, lesson: Lesson) -> None:
    store = ProgressStore(tmp_path)
    assert store.all() == {}
    p = LessonProgress(lesson.id)
    p.visit(lesson, 0)
    store.save(p)
    (tmp_path / "broken.json").write_text("{")
    found = store.all()
    assert list(found) == [lesson.id] and len(store.warnings) == 1
    store.reset(lesson.id)
    assert store.all() == {}
    with pytest.raises(ValueError):
        store.path("../escape")
