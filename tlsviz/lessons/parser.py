"""Lesson files (Markdown with front matter and ``<quiz>`` blocks) -> :class:`Lesson`.

The format is described for teachers in ``lessons/README.md``.  The parser reads a file
line by line and collects every problem it finds, each with its line, the way a compiler
does, rather than stopping at the first; it never raises anything but
:class:`~tlsviz.lessons.model.LessonError`, whatever the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .frontmatter import Entry, parse_front_matter
from .model import Block, Lesson, LessonError, Problem, Prose, Step, Target
from .quizparse import QuizParser
from .specs import is_slug, parse_target

_STEP = re.compile(r"^##\s+(.*?)\s*(?:\{#([^}]*)\})?\s*$")
_TITLE = re.compile(r"^#\s+(.*\S)\s*$")
_QUIZ_OPEN = re.compile(r"^<quiz(\s[^>]*)?>\s*$")
_QUIZ_CLOSE = re.compile(r"^</quiz>\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")

#: Front matter keys and whether they must be there.
FRONT_MATTER = {
    "id": True,
    "title": True,
    "topics": True,
    "summary": False,
    "level": False,
    "order": False,
    "minutes": False,
    "capture": False,
}
LEVELS = ("beginner", "intermediate", "advanced")


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "step"


class _StepBuilder:
    def __init__(self, title: str, step_id: str, line: int) -> None:
        self.title = title
        self.id = step_id
        self.line = line
        self.blocks: list[Block] = []
        self.prose: list[tuple[int, str]] = []
        self.target: Target | None = None
        self.covers: list[str] = []
        self.quiz_count = 0

    def flush_prose(self) -> None:
        lines = self.prose
        while lines and not lines[0][1].strip():
            lines.pop(0)
        while lines and not lines[-1][1].strip():
            lines.pop()
        if lines:
            self.blocks.append(Prose("\n".join(t for _, t in lines), lines[0][0]))
        self.prose = []


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.lstrip("\ufeff").splitlines()
        self.problems: list[Problem] = []

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    # -- front matter ----------------------------------------------------------
    def front_matter(self) -> tuple[dict[str, Entry], int]:
        if not self.lines or self.lines[0].strip() != "---":
            self.error(
                1, "a lesson starts with front matter: a '---' line, 'key: value' lines, '---'"
            )
            return {}, 0
        for i in range(1, len(self.lines)):
            if self.lines[i].strip() in ("---", "..."):
                entries, errors = parse_front_matter(self.lines[1:i], 2)
                for err in errors:
                    self.error(err.line, err.message)
                return entries, i + 1
        self.error(1, "the front matter opened here is never closed with a '---' line")
        return {}, len(self.lines)

    def meta(self, fm: dict[str, Entry]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, entry in fm.items():
            if key not in FRONT_MATTER:
                known = ", ".join(FRONT_MATTER)
                self.error(entry.line, f"unknown front matter key {key!r} (known: {known})")
                continue
            out[key] = entry.value
        for key, required in FRONT_MATTER.items():
            if required and key not in fm:
                self.error(1, f"the front matter lacks {key!r}")
        lesson_id = out.get("id")
        if lesson_id is not None and not (isinstance(lesson_id, str) and is_slug(lesson_id)):
            self.error(fm["id"].line, f"id {lesson_id!r} must be lower-case letters, digits, '-'")
        for key in ("title", "summary", "level", "capture"):
            if key in out and not isinstance(out[key], str):
                self.error(fm[key].line, f"{key!r} must be text")
                del out[key]
        if "topics" in out:
            topics = out["topics"]
            if not isinstance(topics, list) or not topics:
                self.error(
                    fm["topics"].line, "'topics' must be a non-empty list, e.g. [tls13, keys]"
                )
        for key in ("order", "minutes"):
            if key in out and not isinstance(out[key], int):
                self.error(fm[key].line, f"{key!r} must be a whole number")
                del out[key]
        if "level" in out and out["level"] not in LEVELS:
            self.error(fm["level"].line, f"level must be one of {', '.join(LEVELS)}")
        return out

    # -- body ------------------------------------------------------------------
    def parse(self) -> Lesson | None:
        fm, start = self.front_matter()
        meta = self.meta(fm)
        capture = meta.get("capture") if isinstance(meta.get("capture"), str) else None
        default_capture = str(capture) if capture is not None else None
        title_line: str | None = None
        intro: list[str] = []
        steps: list[_StepBuilder] = []
        quiz_ids: dict[str, int] = {}
        step_ids: dict[str, int] = {}
        fence: str | None = None
        i = start
        while i < len(self.lines):
            n = i + 1
            line = self.lines[i]
            step = steps[-1] if steps else None
            fence_m = _FENCE.match(line)
            if fence is not None:
                if fence_m and fence_m.group(1) == fence:
                    fence = None
                self._prose(step, intro, n, line)
                i += 1
                continue
            if fence_m:
                fence = fence_m.group(1)
                self._prose(step, intro, n, line)
                i += 1
                continue
            if line.startswith("## ") or line.strip() == "##":
                m = _STEP.match(line)
                title = (m.group(1) if m else "").strip()
                if not title:
                    self.error(n, "a step heading '## ' needs a title")
                    title = f"step {len(steps) + 1}"
                explicit = m.group(2) if m else None
                step_id = explicit.strip() if explicit is not None else slugify(title)
                if explicit is not None and not is_slug(step_id):
                    self.error(n, f"step id {step_id!r} must be lower-case letters, digits, '-'")
                if step_id in step_ids:
                    self.error(
                        n, f"step id {step_id!r} is already used on line {step_ids[step_id]}"
                    )
                step_ids.setdefault(step_id, n)
                if step is not None:
                    step.flush_prose()
                steps.append(_StepBuilder(title, step_id, n))
            elif _TITLE.match(line):
                if steps:
                    self.error(n, "a '# ' heading inside the lesson: steps start with '## '")
                elif title_line is None:
                    title_line = _TITLE.match(line).group(1)  # type: ignore[union-attr]
                else:
                    self.error(n, "a second '# ' title")
            elif line.startswith("@"):
                self._directive(step, n, line, default_capture)
            elif _QUIZ_OPEN.match(line):
                i = self._quiz(step, i, default_capture, quiz_ids)
                continue
            elif _QUIZ_CLOSE.match(line):
                self.error(n, "'</quiz>' without a '<quiz>' before it")
            else:
                self._prose(step, intro, n, line)
            i += 1
        if fence is not None:
            self.error(len(self.lines), f"a code block ({fence}) is never closed")
        if steps:
            steps[-1].flush_prose()
        else:
            self.error(max(start, 1), "the lesson has no steps (a step starts with '## title')")
        title = meta.get("title") or title_line
        if self.problems:
            return None
        return Lesson(
            id=str(meta["id"]),
            title=str(title),
            path=self.path,
            steps=tuple(
                Step(s.id, s.title, tuple(s.blocks), s.target, tuple(s.covers), s.line)
                for s in steps
            ),
            topics=tuple(str(t) for t in meta.get("topics", [])),  # type: ignore[attr-defined]
            summary=str(meta.get("summary", "")),
            level=str(meta.get("level", "")),
            order=int(meta.get("order", 0)),  # type: ignore[call-overload]
            minutes=int(meta.get("minutes", 0)),  # type: ignore[call-overload]
            capture=default_capture,
            intro="\n".join(intro).strip(),
        )

    def _prose(self, step: _StepBuilder | None, intro: list[str], n: int, line: str) -> None:
        if step is None:
            intro.append(line)
        else:
            step.prose.append((n, line))

    def _directive(
        self, step: _StepBuilder | None, n: int, line: str, default_capture: str | None
    ) -> None:
        name, _, rest = line[1:].partition(" ")
        if step is None:
            self.error(n, f"@{name} before the first step ('## title')")
            return
        if name == "show":
            if step.target is not None:
                self.error(
                    n, f"a second @show in step {step.id!r} (first on line {step.target.line})"
                )
                return
            try:
                step.target = parse_target(rest, n, default_capture)
            except ValueError as err:
                self.error(n, str(err))
        elif name == "covers":
            items = [c.strip() for c in rest.replace(",", " ").split()]
            if not items:
                self.error(n, "@covers names no course item")
            for item in items:
                if not is_slug(item):
                    self.error(n, f"course item {item!r} must be lower-case letters, digits, '-'")
            step.covers.extend(items)
        else:
            self.error(n, f"unknown directive @{name} (known: @show, @covers)")

    def _quiz(
        self,
        step: _StepBuilder | None,
        i: int,
        default_capture: str | None,
        quiz_ids: dict[str, int],
    ) -> int:
        """Read a ``<quiz>`` block opened on line ``i + 1``; return the index after it."""
        n = i + 1
        end = i + 1
        while end < len(self.lines) and not _QUIZ_CLOSE.match(self.lines[end]):
            if _QUIZ_OPEN.match(self.lines[end]):
                break
            end += 1
        if end >= len(self.lines) or not _QUIZ_CLOSE.match(self.lines[end]):
            self.error(n, "this <quiz> is never closed with '</quiz>'")
            return end
        if step is None:
            self.error(n, "a quiz must be inside a step ('## title' first)")
            return end + 1
        step.quiz_count += 1
        qp = QuizParser(self.path, n, self.lines[i + 1 : end], default_capture)
        quiz = qp.parse(self.lines[i], f"{step.id}-{step.quiz_count}")
        self.problems.extend(qp.problems)
        if quiz is not None:
            if quiz.id in quiz_ids:
                self.error(n, f"quiz id {quiz.id!r} is already used on line {quiz_ids[quiz.id]}")
            quiz_ids.setdefault(quiz.id, n)
            step.flush_prose()
            step.blocks.append(quiz)
        return end + 1


def parse_lesson(text: str, path: str = "<lesson>") -> Lesson:
    """Parse one lesson; raises :class:`LessonError` listing every problem found."""
    parser = _Parser(text, path)
    try:
        lesson = parser.parse()
    except RecursionError:  # pragma: no cover - nothing here recurses on input
        parser.error(1, "the lesson is too deeply nested to read")
        lesson = None
    if lesson is None or parser.problems:
        raise LessonError(parser.problems or [Problem(path, 1, "invalid lesson")])
    return lesson


def load_lesson(path: str | Path) -> Lesson:
    """Read and parse one lesson file; unreadable files are a :class:`LessonError` too."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LessonError([Problem(str(p), 1, "the file is not UTF-8 text")]) from None
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise LessonError([Problem(str(p), 1, f"the file cannot be read ({reason})")]) from None
    return parse_lesson(text, str(p))


def lesson_files(path: str | Path) -> list[Path]:
    """The lesson files of a folder (``*.md`` except ``README.md``, in name order), or the
    file itself."""
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.glob("*.md") if f.name.lower() != "readme.md")
    return [p]


def load_lessons(paths: Iterable[str | Path] | None = None) -> list[Lesson]:
    """Every lesson under ``paths`` (files or folders; the bundled lessons by default),
    sorted by their ``order`` then id.  Raises :class:`LessonError` with the problems of
    every file (and lesson ids used twice) if any file is wrong."""
    if paths is None:
        from ..bundled import lessons_root

        paths = [lessons_root()]
    lessons: list[Lesson] = []
    problems: list[Problem] = []
    for root in paths:
        if not Path(root).exists():
            problems.append(Problem(str(root), 1, "no such file or folder"))
            continue
        for f in lesson_files(root):
            try:
                lessons.append(load_lesson(f))
            except LessonError as err:
                problems.extend(err.problems)
    seen: dict[str, Lesson] = {}
    for lesson in lessons:
        if lesson.id in seen:
            problems.append(
                Problem(
                    lesson.path,
                    1,
                    f"lesson id {lesson.id!r} is also used by {seen[lesson.id].path}",
                )
            )
        seen.setdefault(lesson.id, lesson)
    if problems:
        raise LessonError(problems)
    return sorted(lessons, key=lambda ls: (ls.order, ls.id))
