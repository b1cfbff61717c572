"""Command line of the lessons: ``tlsviz lesson check|list|export``.

``check`` reads lesson files and folders and verifies every reference to a capture,
connection, message, field and key step by decoding the captures; each problem is printed
as ``file:line: message`` on stderr and the exit status is 1 when there is any.  ``list``
shows the lessons (``--json``: one object per lesson).  ``export --gift`` writes the
quizzes in Moodle's GIFT format.  Without a PATH, each works on the bundled lessons.
Building these parsers imports nothing from :mod:`tlsviz.lessons`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO


def add_parsers(sub: Any) -> None:
    """Register ``lesson`` and its sub-commands on the main parser's sub-parsers."""
    p = sub.add_parser(
        "lesson",
        help="check, list and export guided lessons",
        description="Check, list and export the guided lessons (Markdown files with quizzes; "
        "the format is in lessons/README.md). Without PATH: the bundled lessons.",
    )
    lsub = p.add_subparsers(dest="lesson_command", metavar="ACTION")
    c = lsub.add_parser(
        "check",
        help="validate lesson files and folders against their captures",
        description="Read lesson files and folders and check every reference to a capture, "
        "connection, message, field and key step by decoding the captures.",
        epilog="Exit status: 0 all good; 1 problems (each printed as file:line: message).",
    )
    c.add_argument("paths", nargs="*", metavar="PATH", help="lesson files or folders")
    c.set_defaults(func=cmd_check)
    ls = lsub.add_parser("list", help="list lessons with their topics, steps and quizzes")
    ls.add_argument("paths", nargs="*", metavar="PATH", help="lesson files or folders")
    ls.add_argument("--json", action="store_true", help="a JSON list, one object per lesson")
    ls.set_defaults(func=cmd_list)
    e = lsub.add_parser(
        "export",
        help="write the quizzes in another format (Moodle GIFT)",
        description="Write every quiz of the lessons in Moodle's GIFT format, one category "
        "per lesson, with option feedback and the explanation as general feedback.",
    )
    e.add_argument("--gift", required=True, metavar="OUT.gift", help="file to write")
    e.add_argument("paths", nargs="*", metavar="PATH", help="lesson files or folders")
    e.set_defaults(func=cmd_export)
    p.set_defaults(func=lambda args, out: _usage(p))


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help()
    return 0


def _roots(args: argparse.Namespace) -> list[str]:
    if args.paths:
        return list(args.paths)
    from .bundled import lessons_root

    return [str(lessons_root())]


def _load(args: argparse.Namespace) -> list[Any] | None:
    """The lessons, or None after printing their problems on stderr."""
    from .lessons import LessonError, load_lessons

    try:
        return load_lessons(_roots(args))
    except LessonError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"tlsviz: {len(err.problems)} problem(s) in the lessons.", file=sys.stderr)
        return None


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from .lessons import check_paths

    report = check_paths(_roots(args))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    steps = sum(len(ls.steps) for ls in report.lessons)
    quizzes = sum(len(ls.quizzes) for ls in report.lessons)
    targets = sum(len(ls.targets()) for ls in report.lessons)
    if report.problems:
        files = len({p.path for p in report.problems})
        print(
            f"tlsviz: {len(report.problems)} problem(s) in {files} file(s).",
            file=sys.stderr,
        )
        return 1
    out.write(
        f"{len(report.lessons)} lesson(s), {steps} steps, {quizzes} quizzes, "
        f"{targets} references to captures: all good.\n"
    )
    return 0


def lesson_json(lesson: Any) -> dict[str, Any]:
    """The ``lesson list --json`` object of one lesson."""
    kinds: dict[str, int] = {}
    for q in lesson.quizzes:
        kinds[str(q.kind)] = kinds.get(str(q.kind), 0) + 1
    return {
        "id": lesson.id,
        "title": lesson.title,
        "topics": list(lesson.topics),
        "steps": len(lesson.steps),
        "quizzes": len(lesson.quizzes),
        "required": sum(1 for q in lesson.quizzes if q.required),
        "kinds": kinds,
        "covers": list(lesson.covers),
        "summary": lesson.summary,
        "level": lesson.level or None,
        "minutes": lesson.minutes or None,
        "order": lesson.order,
        "capture": lesson.capture,
        "path": lesson.path,
    }


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    lessons = _load(args)
    if lessons is None:
        return 1
    if args.json:
        import json

        json.dump([lesson_json(ls) for ls in lessons], out, indent=1)
        out.write("\n")
        return 0
    width = max((len(ls.id) for ls in lessons), default=2)
    out.write(f"{'id':<{width}}  steps  quizzes  title  [topics]\n")
    for ls in lessons:
        out.write(
            f"{ls.id:<{width}}  {len(ls.steps):>5}  {len(ls.quizzes):>7}  {ls.title}"
            f"  [{', '.join(ls.topics)}]\n"
        )
    total = sum(len(ls.quizzes) for ls in lessons)
    out.write(f"{len(lessons)} lesson(s), {total} quizzes\n")
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_common import UserError
    from .lessons import lessons_gift

    lessons = _load(args)
    if lessons is None:
        return 1
    text = lessons_gift(lessons)
    try:
        with open(args.gift, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise UserError(f"{args.gift} cannot be written ({err.strerror}).") from None
    count = sum(len(ls.quizzes) for ls in lessons)
    out.write(f"wrote {count} quizzes of {len(lessons)} lesson(s) to {args.gift}\n")
    return 0
