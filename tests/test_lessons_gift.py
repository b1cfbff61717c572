"""Moodle GIFT export: read back with a reader that follows Moodle's own importer
(question/format/gift/format.php: escapes, answer section, type detection, feedback
order), every quiz must come back as the right question type with its texts intact."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tlsviz.lessons import Lesson, QuizKind, load_lessons, parse_lesson
from tlsviz.lessons.gift import escape, lessons_gift

# -- a GIFT reader, after Moodle's importer ----------------------------------------------

_ESCAPES = {"\\:": "\x01", "\\#": "\x02", "\\=": "\x03", "\\{": "\x04", "\\}": "\x05",
            "\\~": "\x06", "\\n": "\x07"}  # fmt: skip
_BACK = {"\x01": ":", "\x02": "#", "\x03": "=", "\x04": "{", "\x05": "}", "\x06": "~",
         "\x07": "\n", "\x08": "\\"}  # fmt: skip


def _pre(text: str) -> str:
    text = text.replace("\\\\", "\x08")
    for k, v in _ESCAPES.items():
        text = text.replace(k, v)
    return text


def _post(text: str) -> str:
    for k, v in _BACK.items():
        text = text.replace(k, v)
    return text.strip()


def _fmt(text: str) -> tuple[str, str]:
    text = text.strip()
    m = re.match(r"^\[(moodle|html|plain|markdown)\]", text)
    return (m.group(1), _post(text[m.end() :])) if m else ("moodle", _post(text))


@dataclass
class Question:
    name: str
    qtype: str
    text: str
    fmt: str
    general: str
    answers: list[tuple[str, float, str]] = field(default_factory=list)  # text, fraction, fb
    tf: tuple[bool, str, str] | None = None  # answer, feedback if wrong, feedback if right
    numeric: list[tuple[float, float, str]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _comment(answer: str) -> tuple[str, str]:
    bits = answer.split("#", 1)
    return _fmt(bits[0])[1], _fmt(bits[1])[1] if len(bits) > 1 else ""


def read_question(lines: list[str]) -> Question | None:
    text = "\n".join(" " if ln.strip().startswith("//") else ln for ln in lines).strip()
    if not text or text.startswith("$CATEGORY:"):
        return None
    text = _pre(text)
    assert text.startswith("::"), text[:80]
    end = text.index("::", 2)
    name, text = _post(text[2:end]), text[end + 2 :].strip()
    start, finish = text.index("{"), text.index("}")
    assert finish > start and text.endswith("}"), "answers must close the question"
    answer = text[start + 1 : finish].strip()
    fmt, qtext = _fmt(text[:start])
    general = ""
    if "####" in answer:
        cut = answer.rindex("####")
        general, answer = _fmt(answer[cut + 4 :])[1], answer[:cut].strip()
    q = Question(name, "", qtext, fmt, general)
    if answer.startswith("#"):
        q.qtype = "numerical"
        body, _, _ = answer[1:].partition("~")
        for a in filter(None, (a.strip() for a in body.split("="))):
            value, fb = _comment(a)
            ans, _, tol = value.partition(":")
            q.numeric.append((float(ans), float(tol or 0), fb))
    elif "~" in answer:
        q.qtype = "multichoice"
        for a in filter(None, (a.strip() for a in answer.replace("=", "~=").split("~"))):
            if a.startswith("="):
                frac, a = 1.0, a[1:]
            elif m := re.match(r"^%(-?[0-9.]+)%", a):
                frac, a = float(m.group(1)) / 100, a[m.end() :]
            else:
                frac = 0.0
            q.answers.append((*_comment(a)[:1], frac, _comment(a)[1]))
    elif "=" in answer and "->" in answer:
        q.qtype = "match"
        for a in filter(None, (a.strip() for a in answer.split("="))):
            sub, _, ans = a.partition("->")
            q.pairs.append((_post(sub), _post(ans)))
    else:
        head = answer.split("#", 1)[0].strip()
        if head in ("T", "TRUE", "F", "FALSE"):
            q.qtype = "truefalse"
            bits = [*answer.split("#", 2), "", ""]
            q.tf = (head in ("T", "TRUE"), _fmt(bits[1])[1], _fmt(bits[2])[1])
        else:
            q.qtype = "shortanswer"
            for a in filter(None, (a.strip() for a in answer.split("="))):
                text_, fb = _comment(a)
                q.answers.append((text_, 1.0, fb))
    return q


def read_gift(text: str) -> list[Question]:
    blocks, cur = [], []
    for line in text.splitlines():
        if line.strip():
            cur.append(line)
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    return [q for b in blocks if (q := read_question(b)) is not None]


# -- the tests -----------------------------------------------------------------------------


def _flat(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


@pytest.fixture(scope="module")
def lessons() -> list[Lesson]:
    return load_lessons()


def test_every_quiz_comes_back(lessons: list[Lesson]) -> None:
    questions = {q.name: q for q in read_gift(lessons_gift(lessons))}
    quizzes = [(ls, q) for ls in lessons for q in ls.quizzes]
    assert len(questions) == len(quizzes)
    expected_type = {
        QuizKind.CHOICE: "multichoice", QuizKind.NEXT: "multichoice",
        QuizKind.TRUE_FALSE: "truefalse", QuizKind.ORDER: "match",
        QuizKind.NUMERIC: "numerical",
    }  # fmt: skip
    for lesson, quiz in quizzes:
        g = questions[f"{lesson.id}/{quiz.id}"]
        assert g.fmt == "markdown"
        assert g.text.startswith(_flat(quiz.question))
        assert g.general == _flat(quiz.explanation)
        if quiz.kind in (QuizKind.FIELD, QuizKind.BYTES):
            has_wrong = any(not o.correct for o in quiz.options)
            assert g.qtype == ("multichoice" if has_wrong else "shortanswer")
        else:
            assert g.qtype == expected_type[quiz.kind], (lesson.id, quiz.id)
        if g.qtype == "multichoice":
            assert [a[0] for a in g.answers] == [o.text for o in quiz.options]
            assert [a[2] for a in g.answers] == [_flat(o.feedback) for o in quiz.options]
            right = [a[1] for a in g.answers if a[1] > 0]
            assert len(right) == len(quiz.right_options)
            assert abs(sum(right) - 1.0) < 1e-3
        elif g.qtype == "truefalse":
            assert g.tf is not None
            yes = quiz.right_options[0]
            no = next(o for o in quiz.options if not o.correct)
            assert g.tf == (yes.text == "True", _flat(no.feedback), _flat(yes.feedback))
        elif g.qtype == "numerical":
            assert g.numeric[0][:2] == (quiz.answer, quiz.tolerance)
        elif g.qtype == "match":
            assert g.pairs == [(item, str(i)) for i, item in enumerate(quiz.items, 1)]


SPECIAL = """---
id: special
title: Special characters
topics: [gift]
---
## Step
<quiz id="odd">
What do ~ = # { } : and \\ do in GIFT?
Two lines, and a blank one:

still the question. Also -> here.

- [x] They are {reserved}: escape them = \\~
  > Right #1: see ~docs~.
- [ ] Nothing at all:
  > Wrong, sadly {really}.

Explanation with #### and a trailing colon:
</quiz>
<quiz id="tf">
Is 1 = 1?
- [x] True
  > yes {1}
- [ ] False
  > no: #2

Because: math.
</quiz>
"""


def test_special_characters_are_escaped_and_come_back() -> None:
    lesson = parse_lesson(SPECIAL, "special.md")
    text = lessons_gift([lesson])
    body = text.split("::special/odd::", 1)[1]
    assert "\n\n" not in body.split("}\n", 1)[0], "a blank line would end the question"
    odd, tf = read_gift(text)
    q = lesson.quizzes[0]
    assert odd.text == _flat(q.question)
    assert [(a[0], a[2]) for a in odd.answers] == [(o.text, o.feedback) for o in q.options]
    assert odd.general == q.explanation
    assert tf.tf == (True, "no: #2", "yes {1}")
    assert tf.general == "Because: math."
    assert escape("a\\b~c=d#e{f}g:h\ni\r\nj") == "a\\\\b\\~c\\=d\\#e\\{f\\}g\\:h\\ni\\nj"


def test_cli_export(tmp_path: Path) -> None:
    out = tmp_path / "all.gift"
    proc = subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", "lesson", "export", "--gift", str(out)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("wrote ") and out.exists()
    assert len(read_gift(out.read_text(encoding="utf-8"))) >= 40
    bad = subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", "lesson", "export", "--gift",
         str(tmp_path / "missing" / "x.gift")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert (
        bad.returncode == 2 and bad.stderr.startswith("tlsviz: ") and "Traceback" not in bad.stderr
    )
