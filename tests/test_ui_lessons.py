"""The lesson player under Pilot: whole lessons end to end, every quiz answered
wrong and then right with the keyboard (fields and bytes picked in the explorer),
both explanations shown, the steps driving the explorer, progress kept across a
restart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tlsviz.lessons import load_lessons
from tlsviz.lessons.grading import answer_spans
from tlsviz.lessons.model import QuizKind
from tlsviz.ui.app import TlsvizApp
from tlsviz.ui.screens.lesson import LessonScreen
from tlsviz.ui.screens.lessons import LessonMenu
from tlsviz.ui.widgets.explorer_view import ExplorerView
from tlsviz.ui.widgets.quiz import QuizView

SIZE = (160, 50)


async def _wrong_then_right(pilot: Any, screen: LessonScreen, view: QuizView) -> None:
    """Answer ``view``'s quiz wrong (when a wrong answer exists), then right."""
    q = view.quiz
    view.focus()
    await pilot.pause()
    if q.kind in (QuizKind.CHOICE, QuizKind.TRUE_FALSE, QuizKind.NEXT):
        right = [i for i, o in enumerate(q.options) if o.correct]
        wrong = [i for i, o in enumerate(q.options) if not o.correct]
        for digits in ([wrong[0]] if wrong else [], right):
            if not digits:
                continue
            for i in digits:
                await pilot.press(str(i + 1))
            if len(right) > 1:
                await pilot.press("enter")
            await pilot.pause()
    elif q.kind in (QuizKind.NUMERIC, QuizKind.ORDER):
        if q.kind == QuizKind.NUMERIC:
            assert q.answer is not None
            answers = [str(q.answer + q.tolerance + 1000), f"{q.answer:g}"]
        else:
            order = [view.shuffled.index(item) + 1 for item in q.items]
            answers = [" ".join(map(str, reversed(order))), " ".join(map(str, order))]
        box = view.query_one("#quiz-input")
        for text in answers:
            box.focus()
            box.value = text  # type: ignore[attr-defined]
            await pilot.press("enter")
            await pilot.pause()
    else:  # a field or bytes picked in the explorer, where the question points
        if q.target is not None:
            screen.drive(q.target)
            await pilot.pause()
        resolved = screen.resolved
        assert resolved is not None
        explorer = screen.query_one(ExplorerView)
        right_key = next(o.text for o in q.options if o.correct)
        wrong_key = (
            "handshake.msg_type" if right_key != "handshake.msg_type" else "handshake.length"
        )
        for key in (wrong_key, right_key):
            explorer.go_to(explorer.pos.message, key)
            if q.kind == QuizKind.BYTES:
                hexv: Any = explorer.query_one("#hex")
                spans = answer_spans(q, resolved) if key == right_key else ()
                ref = explorer.selected
                first = spans[0] if spans else (ref.spans[0] if ref else None)
                assert first is not None
                hexv.cursor = (first.buffer, first.offset)
            view.focus()
            await pilot.press("enter")
            await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("lesson_id", ["handshake", "derive-it-yourself"])
async def test_a_whole_lesson_wrong_then_right(
    lesson_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    lesson = next(ls for ls in load_lessons() if ls.id == lesson_id)
    app = TlsvizApp(lesson=lesson_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        for index, step in enumerate(lesson.steps):
            assert screen.index == index
            if step.target is not None and step.target.message:
                # the step drives the explorer to the message (and field) it talks about
                explorer = screen.query_one(ExplorerView)
                resolved = screen.resolved
                assert resolved is not None and explorer.pos.message == resolved.message_index
                if resolved.field is not None:
                    assert explorer.selected is not None
                    assert explorer.selected.field == resolved.field
            for view in list(screen.query(QuizView)):
                await _wrong_then_right(pilot, screen, view)
                grades = view.attempts
                assert grades and grades[-1].correct, (view.quiz.id, grades)
                # a wrong answer first: both explanations are on screen, the right
                # answer named after the wrong one
                wrong_possible = view.quiz.kind != QuizKind.TRUE_FALSE or len(view.quiz.options)
                if len(grades) > 1 and wrong_possible:
                    assert not grades[0].correct
                    texts = [str(s.content) for s in view.query("#quiz-result Static")]
                    assert any("Not quite" in t for t in texts)
                    assert any("Right." in t for t in texts)
                    assert any("The right answer" in t for t in texts)
            await pilot.press("right_square_bracket")
            await pilot.pause()
        # the last ] finished the lesson and went back to the menu
        assert isinstance(app.screen, LessonMenu)
    saved = json.loads((tmp_path / "tlsviz" / "lessons" / f"{lesson_id}.json").read_text())
    assert saved["completed"] is True
    assert all(a["attempts"] >= 1 for a in saved["answers"].values())
    # a new session: the menu shows the lesson done, and it reopens where it was left
    app = TlsvizApp(lesson="")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, LessonMenu)
        listed = str(
            app.screen.query_one("#lessons-list")
            .get_option_at_index(  # type: ignore[attr-defined]
                [ls.id for ls in app.screen.lessons].index(lesson_id)
            )
            .prompt
        )
        assert "done" in listed


async def test_required_quiz_blocks_the_next_step(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = TlsvizApp(lesson="handshake")
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        quiz = screen.query_one(QuizView)
        assert quiz.quiz.required
        await pilot.press("right_square_bracket")
        assert screen.index == 0  # not before answering
        await pilot.press("s")  # nor by skipping
        assert not quiz.attempts
        await pilot.press("1")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.index == 1
        # on a narrow terminal the explorer is one key away
        assert not screen.query_one(ExplorerView).display
        await pilot.press("e")
        assert screen.query_one(ExplorerView).display


async def test_a_damaged_progress_file_is_set_aside(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    folder = tmp_path / "tlsviz" / "lessons"
    folder.mkdir(parents=True)
    (folder / "handshake.json").write_text("{ not json")
    app = TlsvizApp(lesson="handshake")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        assert isinstance(app.screen, LessonScreen) and app.screen.index == 0
    assert (folder / "handshake.json").exists()  # a fresh one, written by the player
    assert len(list(folder.iterdir())) == 2  # and the damaged one, kept aside
