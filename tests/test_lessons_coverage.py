"""Every item of the course has a lesson step or quiz: its build-up steps, the questions
it asks the reader to commit to, its myths, expert notes, production patterns,
connections, pitfalls and takeaways.  The list below names the items (facts, not the
course's text), so this runs without the course; lessons declare what they cover with
``@covers`` and ``covers="..."``."""

from __future__ import annotations

import pytest

from tlsviz.lessons import Lesson, load_lessons

#: Items of the course, by kind.  Questions and myths need a quiz (a prompt to commit to
#: an answer), the rest a step or a quiz.
COURSE_ITEMS: dict[str, tuple[str, ...]] = {
    "overview": ("mental-model",),
    "build-up step": (
        "encryption-basics",  # 1: basics of data encryption
        "tls-vs-ssl",  # 2: what TLS and SSL are
        "trust",  # 3: how trust is established
        "handshake",  # 4: the handshake
        "certificates-and-cas",  # 5: certificates and certificate authorities
        "versions",  # 6: versions and their improvements
        "iot-constraints",  # 7: TLS on constrained IoT devices
    ),
    "question": (
        "q-trust-or-verify",  # step 3: trusts any server, or verifies first?
        "q-keys-open-or-secret",  # step 4: keys shared openly or secretly?
        "q-old-versions-safe",  # step 6: are older versions still safe?
        "q-iot-same-as-server",  # step 7: same on tiny devices as on servers?
    ),
    "myth": (
        "myth-https-total-safety",
        "myth-ssl-tls-same",
        "myth-valid-cert-trustworthy",
        "myth-tls-too-heavy-for-iot",
    ),
    "under the hood": ("under-the-hood", "design-why"),
    "expert note": (
        "expert-tls13-simplified",
        "expert-session-resumption",
        "expert-certificate-pinning",
    ),
    "when not to use": ("when-not-to-use",),
    "production pattern": (
        "prod-automated-certificates",
        "prod-strict-suites",
        "prod-expiry-monitoring",
        "prod-mtls-devices",
        "prod-lightweight-stacks",
    ),
    "connection": ("conn-public-key-crypto", "conn-zero-trust", "conn-sealed-envelope"),
    "pitfall": ("pitfall-outdated-protocols", "pitfall-skipped-validation", "pitfall-weak-ciphers"),
    "takeaway": (
        "takeaway-privacy",
        "takeaway-tls-replaces-ssl",
        "takeaway-identity",
        "takeaway-key-agreement",
        "takeaway-iot-balance",
    ),
}
ALL_ITEMS = {item for items in COURSE_ITEMS.values() for item in items}
NEEDS_QUIZ = set(COURSE_ITEMS["question"]) | set(COURSE_ITEMS["myth"])


@pytest.fixture(scope="module")
def lessons() -> list[Lesson]:
    return load_lessons()


def _covered(lessons: list[Lesson]) -> tuple[set[str], set[str]]:
    by_step = {i for ls in lessons for s in ls.steps for i in s.covers}
    by_quiz = {i for ls in lessons for q in ls.quizzes for i in q.covers}
    return by_step, by_quiz


@pytest.mark.parametrize("kind", sorted(COURSE_ITEMS))
def test_every_course_item_has_a_step_or_quiz(lessons: list[Lesson], kind: str) -> None:
    by_step, by_quiz = _covered(lessons)
    missing = [i for i in COURSE_ITEMS[kind] if i not in by_step | by_quiz]
    assert not missing, f"no lesson step or quiz covers the {kind}(s) {missing}"


def test_questions_and_myths_are_quizzes(lessons: list[Lesson]) -> None:
    _, by_quiz = _covered(lessons)
    assert NEEDS_QUIZ - by_quiz == set()


def test_commit_prompts_cannot_be_skipped(lessons: list[Lesson]) -> None:
    """The first prompt on each question or myth is required: the learner commits to an
    answer before the lesson reveals it."""
    first = {}
    for lesson in lessons:
        for quiz in lesson.quizzes:
            for item in set(quiz.covers) & NEEDS_QUIZ:
                first.setdefault(item, quiz)
    assert [i for i, q in first.items() if not q.required] == []


def test_lessons_name_only_known_course_items(lessons: list[Lesson]) -> None:
    by_step, by_quiz = _covered(lessons)
    assert (by_step | by_quiz) - ALL_ITEMS == set()


def test_the_coverage_test_can_fail(lessons: list[Lesson]) -> None:
    """Drop the lesson that covers a myth and the check notices."""
    without = [ls for ls in lessons if "myth-https-total-safety" not in ls.covers]
    _, by_quiz = _covered(without)
    assert "myth-https-total-safety" not in by_quiz
