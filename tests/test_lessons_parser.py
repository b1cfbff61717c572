"""Lesson files -> models: the format of lessons/README.md, problems located as
file:line, and never a traceback whatever the text (hypothesis)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tlsviz.lessons import LessonError, QuizKind, Target, parse_lesson
from tlsviz.lessons.model import Prose, Quiz

BROKEN = Path(__file__).parent / "lessons_broken"
README = ROOT / "lessons" / "README.md"


def readme_example() -> str:
    """The worked example of lessons/README.md (the first ````markdown block)."""
    text = README.read_text(encoding="utf-8")
    m = re.search(r"````markdown\n(.*?)\n````", text, re.S)
    assert m, "the README lost its worked example"
    return m.group(1) + "\n"


def problems_of(text: str, path: str = "x.md") -> list[str]:
    try:
        parse_lesson(text, path)
    except LessonError as err:
        return [str(p) for p in err.problems]
    return []


def test_the_worked_example_parses_into_the_documented_model() -> None:
    lesson = parse_lesson(readme_example(), "server-key.md")
    assert (lesson.id, lesson.title, lesson.level, lesson.minutes) == (
        "server-key", "Where the server's key share is", "beginner", 5,
    )  # fmt: skip
    assert lesson.topics == ("tls13", "key-exchange")
    assert lesson.intro.startswith("An optional introduction")
    assert [s.id for s in lesson.steps] == ["server-hello", "pick-it-yourself"]
    first = lesson.steps[0]
    assert first.target == Target("tls13-aes128gcm", 1, "ServerHello", line=first.target.line)
    assert first.covers == ("handshake",)
    assert isinstance(first.blocks[0], Prose) and isinstance(first.blocks[1], Quiz)
    q = first.quizzes[0]
    assert (q.id, q.kind, q.required) == ("which-group", QuizKind.CHOICE, True)
    assert q.hints == ("The group is named inside the key_share extension.",)
    assert [(o.text, o.correct) for o in q.options] == [
        ("x25519", True), ("secp256r1", False), ("RSA", False),
    ]  # fmt: skip
    assert q.options[1].feedback.startswith("The client supports it")
    assert q.explanation.startswith("X25519 is an elliptic-curve")
    assert q.target is not None and q.target.field == "ext.key_share.group"
    field_quiz, numeric = lesson.steps[1].quizzes
    assert field_quiz.kind == QuizKind.FIELD and field_quiz.id == "pick-it-yourself-1"
    assert [o.text for o in field_quiz.right_options] == ["ext.key_share.key_exchange"]
    assert numeric.kind == QuizKind.NUMERIC
    assert (numeric.answer, numeric.tolerance, numeric.unit, numeric.measure) == (
        32.0, 0.0, "bytes", "length",
    )  # fmt: skip
    assert numeric.right_answer == "32 bytes"


def test_kinds_are_inferred_and_order_items_kept() -> None:
    text = """---
id: kinds
title: Kinds
topics: [t]
---
## S
<quiz>
Is it?
- [x] False
- [ ] True

Because.
</quiz>
<quiz>
Order them.
1. ClientHello
2. ServerHello
3. Finished

So.
</quiz>
<quiz>
How many?
answer: 2 ± 0.5 round trips

Two.
</quiz>
"""
    q1, q2, q3 = parse_lesson(text).quizzes
    assert q1.kind == QuizKind.TRUE_FALSE
    assert q2.kind == QuizKind.ORDER and q2.items == ("ClientHello", "ServerHello", "Finished")
    assert (q3.answer, q3.tolerance, q3.unit) == (2.0, 0.5, "round trips")
    assert q3.right_answer == "2 round trips (± 0.5)"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("no-front-matter.md", ["no-front-matter.md:1: a lesson starts with front matter"]),
        (
            "bad-quiz.md",
            [
                "bad-quiz.md:9: no option is marked right",
                "bad-quiz.md:18: the quiz has no answers",
                "bad-quiz.md:25: answer: 'lots' is not a number",
            ],
        ),
    ],
)
def test_broken_files_are_reported_with_file_and_line(name: str, expected: list[str]) -> None:
    found = problems_of((BROKEN / name).read_text(), name)
    for want in expected:
        assert any(p.startswith(want) for p in found), (want, found)


@pytest.mark.parametrize(
    ("snippet", "line", "message"),
    [
        ("@show message=ServerHelo", 8, "'ServerHelo' is not a message type; did you mean"),
        ("@show message=ServerHello connection=0", 8, "connection= counts connections"),
        ("@show field=x", 8, "@show field= needs message="),
        ("@show keys=maybe message=ClientHello", 8, "keys='maybe' is not one of"),
        ("@frobnicate", 8, "unknown directive @frobnicate"),
        ("<quiz kind=essay>\nQ\n- [x] a\n- [ ] b\n\nE\n</quiz>", 8, "kind='essay' is not a"),
        ("<quiz>\nQ\n- [x] a\n- [ ] b\n</quiz>", 8, "the quiz has no explanation"),
        ("<quiz kind=next>\nQ\n- [x] Finished\n- [ ] Alert\n\nE\n</quiz>", 8, "a next quiz needs"),
        ("<quiz kind=field>\n@show message=ServerHello\nQ\n- [x] not a key!\n\nE\n</quiz>", 11,
         "field 'not a key!' is not a field key"),
        ("<quiz>\nQ\n1. a\n2. b\n\nE\n</quiz>", 8, "an order quiz needs at least three items"),
        ("<quiz>\nQ\n- [x] a\n- [ ] b\n\nE\n", 8, "this <quiz> is never closed"),
        ("</quiz>", 8, "'</quiz>' without a '<quiz>'"),
        ("<quiz id=a>\nQ\n- [x] a\n- [ ] b\n\nE\n</quiz>\n" * 2, 15,
         "quiz id 'a' is already used on line 8"),
    ],
)  # fmt: skip
def test_mistakes_are_located(snippet: str, line: int, message: str) -> None:
    text = f"---\nid: t\ntitle: T\ntopics: [a]\ncapture: tls13-aes128gcm\n---\n## Step\n{snippet}\n"
    found = problems_of(text, "t.md")
    assert any(p.startswith(f"t.md:{line}: {message}") for p in found), found


def test_front_matter_mistakes() -> None:
    text = "---\nid: Bad Id\ntitle: [x\ntopics: a\ncolour: red\n---\n## S\nText\n"
    found = problems_of(text, "f.md")
    assert "f.md:2: id 'Bad Id' must be lower-case letters, digits, '-'" in found
    assert "f.md:3: the list of 'title' must end with ']' on the same line" in found


def test_unknown_front_matter_key_and_missing_title() -> None:
    found = problems_of("---\nid: a\ntopics: [x]\ncolour: red\n---\n## S\n", "f.md")
    assert any(p.startswith("f.md:4: unknown front matter key 'colour'") for p in found)
    assert "f.md:1: the front matter lacks 'title'" in found


def test_code_blocks_are_prose() -> None:
    text = "---\nid: c\ntitle: C\ntopics: [a]\n---\n## S\n```\n@show nothing\n<quiz>\n```\nok\n"
    (step,) = parse_lesson(text).steps
    assert "@show nothing" in step.text and step.target is None and not step.quizzes


# -- never a traceback ---------------------------------------------------------------


def _assert_only_lesson_errors(text: str) -> None:
    try:
        lesson = parse_lesson(text, "fuzz.md")
    except LessonError as err:
        assert err.problems
        n = max(len(text.splitlines()), 1)
        for p in err.problems:
            assert p.path == "fuzz.md" and 1 <= p.line <= n + 1, (p, n)
            assert str(p).startswith(f"fuzz.md:{p.line}: ")
        return
    assert lesson.steps


LINES = st.sampled_from(
    [
        "---", "id: x", "title: T", "topics: [a, b]", "topics:", "- a", "## Step", "## ",
        "# Title", "@show message=ServerHello", "@show field=x", "@covers a b", "<quiz>",
        "<quiz kind=field required>", "<quiz id='q' kind=\"numeric\">", "</quiz>", "> hint",
        "- [x] right", "- [ ] wrong", "  > feedback", "1. first", "2. second",
        "answer: 3 ± 1", "tolerance: x", "measure: length", "```", "text", "", "  ",
        "@show capture=\"unclosed", "<quiz x=>", "- [x]", "answer:",
    ]
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=40))
def test_random_lesson_lines_never_raise(lines: list[str]) -> None:
    _assert_only_lesson_errors("\n".join(lines))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    _assert_only_lesson_errors(text)


LESSON_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "lessons").glob("*.md"))
                if p.name != "README.md"]  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(LESSON_TEXTS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3), LINES),
             max_size=6),
)  # fmt: skip
def test_mutated_real_lessons_never_raise(text: str, edits: list[tuple[int, int, str]]) -> None:
    lines = text.splitlines()
    for pos, op, new in edits:
        i = pos % (len(lines) + 1)
        if op == 0:
            lines.insert(i, new)
        elif op == 1 and i < len(lines):
            del lines[i]
        elif op == 2 and i < len(lines):
            lines[i] = new
        elif op == 3 and i < len(lines):
            lines[i] = lines[i][: pos % (len(lines[i]) + 1)]
    _assert_only_lesson_errors("\n".join(lines))


def test_cli_reports_a_broken_folder_with_file_line_and_status_1() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", "lesson", "check", str(BROKEN)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("tlsviz: ") and "problem(s)" in lines[-1]
    for line in lines[:-1]:
        assert re.match(r"^\S+\.md:\d+: \S", line), line


def test_every_public_name_resolves() -> None:
    import tlsviz.lessons as lessons

    for name in lessons.__all__:
        assert getattr(lessons, name) is not None, name
    with pytest.raises(AttributeError):
        lessons.no_such_name  # noqa: B018
