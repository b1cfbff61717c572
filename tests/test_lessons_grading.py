"""Grading every kind of quiz, right and wrong: each grade carries the explanation, the
right answer in words, and the feedback of the options chosen."""

from __future__ import annotations

import pytest

from tlsviz.lessons import (
    SKIP,
    AnswerError,
    BytePick,
    FieldPick,
    Lesson,
    Quiz,
    QuizKind,
    Resolver,
    answer_spans,
    grade,
    load_lessons,
    resolve_target,
)


@pytest.fixture(scope="module")
def lessons() -> dict[str, Lesson]:
    return {ls.id: ls for ls in load_lessons()}


def quiz(lessons: dict[str, Lesson], lesson: str, quiz_id: str) -> Quiz:
    q = lessons[lesson].quiz(quiz_id)
    assert q is not None, (lesson, quiz_id)
    return q


def test_choice_single(lessons: dict[str, Lesson]) -> None:
    q = quiz(lessons, "trust", "trust-or-verify")
    assert q.kind == QuizKind.CHOICE
    right = next(i for i, o in enumerate(q.options) if o.correct)
    wrong = next(i for i, o in enumerate(q.options) if not o.correct)
    g = grade(q, right)
    assert g.correct and g.score == 1.0 and g.explanation == q.explanation
    assert g.feedback == (q.options[right].feedback,)
    g = grade(q, wrong)
    assert not g.correct and g.score == 0.0
    assert g.feedback == (q.options[wrong].feedback,)
    assert g.explanation == q.explanation and g.right_answer == q.options[right].text


def test_choice_select_all(lessons: dict[str, Lesson]) -> None:
    q = quiz(lessons, "myths", "what-tls-stops")
    right = {i for i, o in enumerate(q.options) if o.correct}
    assert len(right) == 2
    assert grade(q, right).correct
    one = {min(right)}
    g = grade(q, one)
    assert not g.correct and g.score == 0.5
    g = grade(q, set(range(len(q.options))))
    assert not g.correct and g.score == 0.0
    assert len(g.feedback) == len(q.options)


def test_true_false(lessons: dict[str, Lesson]) -> None:
    q = quiz(lessons, "tls-and-ssl", "myth-same")
    assert q.kind == QuizKind.TRUE_FALSE
    assert grade(q, False).correct and not grade(q, True).correct
    assert grade(q, True).right_answer == "False"
    index_of_false = next(i for i, o in enumerate(q.options) if o.text == "False")
    assert grade(q, index_of_false).correct


def test_order(lessons: dict[str, Lesson]) -> None:
    q = quiz(lessons, "handshake", "tls13-order")
    assert q.kind == QuizKind.ORDER
    assert grade(q, list(q.items)).correct
    assert grade(q, list(range(len(q.items)))).correct
    swapped = [q.items[1], q.items[0], *q.items[2:]]
    g = grade(q, swapped)
    assert not g.correct and g.right_answer.startswith("ClientHello → ServerHello")
    with pytest.raises(AnswerError):
        grade(q, ["ClientHello"])


def test_next(lessons: dict[str, Lesson]) -> None:
    q = quiz(lessons, "handshake", "what-next")
    assert q.kind == QuizKind.NEXT
    assert grade(q, "EncryptedExtensions").correct
    g = grade(q, "Certificate")
    assert not g.correct and g.feedback == ("Close: it comes one message later.",)
    assert g.right_answer == "EncryptedExtensions"
    assert not grade(q, "NotAMessage").correct
    with pytest.raises(AnswerError):
        grade(q, {0, 1})


def test_numeric(lessons: dict[str, Lesson]) -> None:
    q = quiz(lessons, "iot-constraints", "ccm8-tag")
    assert grade(q, 8).correct and grade(q, "8").correct and grade(q, 8.0).correct
    g = grade(q, 16)
    assert not g.correct and g.right_answer == "8 bytes"
    g = grade(q, "eight")
    assert not g.correct and g.feedback == ("That is not a number.",)
    tolerant = quiz(lessons, "iot-constraints", "psk-bytes")
    assert grade(tolerant, 640).correct and grade(tolerant, 460).correct
    assert not grade(tolerant, 700).correct
    assert tolerant.right_answer == "550 bytes (± 100)"
    with pytest.raises(AnswerError):
        grade(q, True)


def test_field_by_key_and_by_message(lessons: dict[str, Lesson]) -> None:
    lesson = lessons["handshake"]
    q = quiz(lessons, "handshake", "client-share")
    assert q.kind == QuizKind.FIELD and q.target is not None
    r = resolve_target(lesson, q.target, Resolver())
    assert grade(q, "ext.key_share.key_exchange").correct
    g = grade(q, "client_hello.random")
    assert not g.correct and g.feedback[0].startswith("Also 32 bytes")
    assert grade(q, FieldPick("ext.key_share.key_exchange", r.message_index), r).correct
    # the same key in another message (the ServerHello's key share) is not the answer
    g = grade(q, FieldPick("ext.key_share.key_exchange", 1), r)
    assert not g.correct and "another message" in g.feedback[0]
    with pytest.raises(AnswerError):
        grade(q, 3)


def test_bytes_picked_in_the_hex_view(lessons: dict[str, Lesson]) -> None:
    lesson = lessons["versions"]
    q = quiz(lessons, "versions", "find-tls10")
    assert q.kind == QuizKind.BYTES and q.target is not None
    r = resolve_target(lesson, q.target, Resolver())
    assert r.message is not None
    from tlsviz.lessons.resolve import find_field
    from tlsviz.lessons.specs import FieldSpec

    version = find_field(r.message, FieldSpec("server_hello.legacy_version"))
    suite = find_field(r.message, FieldSpec("server_hello.cipher_suite"))
    assert version is not None and suite is not None
    (span,) = version[3]
    for offset in range(span.offset, span.end):
        assert grade(q, BytePick(span.buffer, offset), r).correct
    assert not grade(q, BytePick(span.buffer, span.end + 100), r).correct
    (suite_span,) = suite[3]
    g = grade(q, BytePick(suite_span.buffer.name, suite_span.offset), r)
    assert not g.correct and g.feedback == ("That is the suite; the version comes earlier.",)
    # the record header's length: a record.* key resolves in the record's bytes
    q2 = quiz(lessons, "encryption-basics", "length-bytes")
    assert q2.target is not None
    r2 = resolve_target(lessons["encryption-basics"], q2.target, Resolver())
    rec = r2.message.records[0]  # type: ignore[union-attr]
    assert grade(q2, BytePick(r2.message.direction, rec.offset + 3), r2).correct  # type: ignore[union-attr]
    assert not grade(q2, BytePick(r2.message.direction, rec.offset), r2).correct  # type: ignore[union-attr]
    with pytest.raises(AnswerError):
        grade(q, BytePick("server", 0))  # a byte needs the resolved target
    assert answer_spans(q, r) == version[3]
    assert answer_spans(quiz(lessons, "trust", "trust-or-verify"), r) == ()


def test_skip(lessons: dict[str, Lesson]) -> None:
    q = quiz(lessons, "handshake", "suite-list-length")
    g = grade(q, SKIP)
    assert g.skipped and not g.correct and g.explanation == q.explanation
    assert g.right_answer == "8 bytes"


def test_every_bundled_quiz_grades_its_own_right_answer(lessons: dict[str, Lesson]) -> None:
    """The right answer, as the model states it, is graded right for all of them."""
    for lesson in lessons.values():
        for q in lesson.quizzes:
            if q.kind in (QuizKind.CHOICE, QuizKind.TRUE_FALSE, QuizKind.NEXT):
                answer: object = {i for i, o in enumerate(q.options) if o.correct}
            elif q.kind == QuizKind.ORDER:
                answer = list(q.items)
            elif q.kind == QuizKind.NUMERIC:
                answer = q.answer
            else:
                answer = q.right_options[0].text.split("#")[0]
            assert grade(q, answer).correct, (lesson.id, q.id)
            assert q.explanation and q.right_answer
