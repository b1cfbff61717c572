"""Where each learner is in each lesson, kept between runs.

One small JSON file per lesson in the XDG state directory
(``$XDG_STATE_HOME/tlsviz/lessons/<lesson id>.json``, by default under
``~/.local/state``): the step reached, every quiz answered (the last answer, whether it
was right, how many tries, skipped or not), and whether the lesson is complete.  A file is
written to a temporary name in the same folder, flushed and renamed over the old one, so a
crash never leaves half a file.  A file that cannot be read (damaged, or written by
something else) is renamed aside and reported in one sentence; the lesson starts afresh
rather than failing.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .grading import BytePick, FieldPick, Grade
from .model import Lesson, Quiz

FORMAT = 1


def state_dir() -> Path:
    """``$XDG_STATE_HOME/tlsviz`` (``~/.local/state/tlsviz`` when it is not set)."""
    base = os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "tlsviz"


@dataclass
class QuizRecord:
    """The latest answer to one quiz (JSON-friendly: see :func:`answer_json`)."""

    answer: Any = None
    correct: bool = False
    attempts: int = 0
    skipped: bool = False
    first_try: bool = False  # right on the first attempt
    time: float = 0.0


@dataclass
class LessonProgress:
    """One learner's state in one lesson (mutable: the player updates it as they go)."""

    lesson: str
    step: str | None = None  # id of the step reached (position)
    step_index: int = 0
    completed: bool = False
    answers: dict[str, QuizRecord] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)
    updated: float = 0.0

    # -- the player's calls ----------------------------------------------------
    def visit(self, lesson: Lesson, index: int) -> None:
        """The learner is on step ``index`` of ``lesson``."""
        if not 0 <= index < len(lesson.steps):
            raise IndexError(f"lesson {lesson.id!r} has no step {index}")
        self.step_index = index
        self.step = lesson.steps[index].id
        if self.step not in self.visited:
            self.visited.append(self.step)

    def record(self, quiz: Quiz, answer: Any, grade: Grade) -> QuizRecord:
        """Keep ``answer`` and its ``grade`` (a skip of a required quiz is refused)."""
        if grade.skipped and not self.can_skip(quiz):
            raise ValueError(f"quiz {quiz.id!r} is required: it cannot be skipped")
        rec = self.answers.get(quiz.id) or QuizRecord()
        first = rec.attempts == 0
        if not grade.skipped:
            rec.attempts += 1
        rec.answer = None if grade.skipped else answer_json(answer)
        rec.correct = rec.correct or grade.correct
        rec.skipped = grade.skipped and not rec.correct
        rec.first_try = rec.first_try or (first and grade.correct)
        rec.time = time.time()
        self.answers[quiz.id] = rec
        return rec

    def can_skip(self, quiz: Quiz) -> bool:
        return not quiz.required

    def answered(self, quiz: Quiz) -> bool:
        rec = self.answers.get(quiz.id)
        return rec is not None and rec.attempts > 0

    def can_advance(self, lesson: Lesson, index: int) -> bool:
        """May the learner leave step ``index``?  Not while a required quiz of it is
        unanswered (any answer will do: the right one is shown after a wrong one)."""
        return all(self.answered(q) for q in lesson.steps[index].quizzes if q.required)

    def resume_index(self, lesson: Lesson) -> int:
        """The step to reopen: the one reached, found by id (steps may have moved since)."""
        for i, step in enumerate(lesson.steps):
            if step.id == self.step:
                return i
        return min(self.step_index, max(len(lesson.steps) - 1, 0))

    def score(self, lesson: Lesson) -> tuple[int, int]:
        """(quizzes answered right, quizzes in the lesson)."""
        ids = {q.id for q in lesson.quizzes}
        right = sum(1 for k, r in self.answers.items() if k in ids and r.correct)
        return right, len(ids)

    def finish(self, lesson: Lesson) -> bool:
        """Mark the lesson complete if every step was seen and every required quiz
        answered; returns whether it is complete."""
        seen = set(self.visited)
        done = all(s.id in seen for s in lesson.steps) and all(
            self.answered(q) for q in lesson.quizzes if q.required
        )
        self.completed = self.completed or done
        return self.completed

    # -- (de)serialisation -----------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "lesson": self.lesson,
            "step": self.step,
            "step_index": self.step_index,
            "completed": self.completed,
            "visited": list(self.visited),
            "updated": self.updated,
            "answers": {k: vars(r) for k, r in sorted(self.answers.items())},
        }

    @classmethod
    def from_json(cls, data: Any, lesson_id: str) -> LessonProgress:
        """Raises ValueError (one sentence) if ``data`` is not a progress record."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("it is not a tlsviz progress file of this version")
        if data.get("lesson") != lesson_id:
            raise ValueError(f"it belongs to lesson {data.get('lesson')!r}")
        answers = data.get("answers", {})
        visited = data.get("visited", [])
        step = data.get("step")
        index = data.get("step_index", 0)
        if (
            not isinstance(answers, dict)
            or not isinstance(visited, list)
            or not all(isinstance(v, str) for v in visited)
            or not (step is None or isinstance(step, str))
            or not isinstance(index, int)
            or isinstance(index, bool)
            or index < 0
        ):
            raise ValueError("its fields have the wrong types")
        records: dict[str, QuizRecord] = {}
        for key, rec in answers.items():
            if not isinstance(rec, dict):
                raise ValueError(f"the answer to {key!r} is not a record")
            try:
                records[str(key)] = QuizRecord(**rec)
            except TypeError:
                raise ValueError(f"the answer to {key!r} has unknown fields") from None
            r = records[str(key)]
            if not isinstance(r.attempts, int) or not isinstance(r.correct, bool):
                raise ValueError(f"the answer to {key!r} has fields of the wrong types")
        return cls(
            lesson=lesson_id,
            step=step,
            step_index=index,
            completed=bool(data.get("completed", False)),
            answers=records,
            visited=list(visited),
            updated=float(data.get("updated", 0.0) or 0.0),
        )


def answer_json(answer: Any) -> Any:
    """An answer as JSON can hold it."""
    if isinstance(answer, FieldPick):
        return {"key": answer.key, "message_index": answer.message_index}
    if isinstance(answer, BytePick):
        buffer = answer.buffer if isinstance(answer.buffer, str) else answer.buffer.name
        return {"buffer": buffer, "offset": answer.offset}
    if isinstance(answer, set | frozenset):
        return sorted(answer)
    if isinstance(answer, tuple):
        return list(answer)
    if answer is None or isinstance(answer, bool | int | float | str | list | dict):
        return answer
    return str(answer)


class ProgressStore:
    """Progress files in one folder (the XDG state directory unless told otherwise).

    ``warnings`` collects the one-sentence reports of files that had to be set aside; the
    player shows them.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else state_dir() / "lessons"
        self.warnings: list[str] = []

    def path(self, lesson_id: str) -> Path:
        if "/" in lesson_id or lesson_id.startswith("."):
            raise ValueError(f"{lesson_id!r} is not a lesson id")
        return self.root / f"{lesson_id}.json"

    def load(self, lesson_id: str) -> LessonProgress:
        """The progress in a lesson (new if none); a damaged file is set aside."""
        path = self.path(lesson_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return LessonProgress(lesson_id)
        except (OSError, UnicodeDecodeError) as err:
            return self._set_aside(path, lesson_id, getattr(err, "strerror", None) or str(err))
        try:
            return LessonProgress.from_json(json.loads(text), lesson_id)
        except json.JSONDecodeError:
            return self._set_aside(path, lesson_id, "it is not valid JSON")
        except (ValueError, TypeError) as err:
            return self._set_aside(path, lesson_id, str(err))

    def _set_aside(self, path: Path, lesson_id: str, reason: str) -> LessonProgress:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while aside.exists():
            n += 1
            aside = aside.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        try:
            os.replace(path, aside)
            moved = f"it was renamed to {aside.name}"
        except OSError:
            moved = "it could not be renamed and will be overwritten"
        self.warnings.append(
            f"The progress file {path} could not be read ({reason}); {moved} and lesson "
            f"{lesson_id!r} starts afresh."
        )
        return LessonProgress(lesson_id)

    def save(self, progress: LessonProgress) -> Path:
        """Write atomically: a temporary file in the same folder, fsync, rename."""
        path = self.path(progress.lesson)
        path.parent.mkdir(parents=True, exist_ok=True)
        progress.updated = time.time()
        data = json.dumps(progress.to_json(), indent=1, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def all(self) -> dict[str, LessonProgress]:
        """Every lesson with a progress file (damaged ones are set aside and left out)."""
        out: dict[str, LessonProgress] = {}
        if not self.root.is_dir():
            return out
        for f in sorted(self.root.glob("*.json")):
            progress = self.load(f.stem)
            if progress.answers or progress.visited or progress.completed:
                out[f.stem] = progress
        return out

    def reset(self, lesson_id: str) -> None:
        self.path(lesson_id).unlink(missing_ok=True)
