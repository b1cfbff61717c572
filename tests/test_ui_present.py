"""The presenter and its classroom under Pilot: a capture stepped through message by
message (what each slide says comes from the decoded message), a lesson with its
answers hidden until revealed, the timer moving on by itself, and a follower app
going where a presenter app goes (and staying away when the student steps away)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tlsviz import classroom as room
from tlsviz.classroom import capture_info
from tlsviz.lessons import load_lessons
from tlsviz.source import open_capture
from tlsviz.ui.follow import FollowerApp, FollowExplorerScreen, FollowLessonScreen
from tlsviz.ui.present_app import PresenterApp
from tlsviz.ui.screens.explorer import ExplorerScreen
from tlsviz.ui.screens.present import PresentCaptureScreen
from tlsviz.ui.screens.present_lesson import PresentLessonScreen
from tlsviz.ui.sources import bundled_source
from tlsviz.ui.widgets.bigtext import BigText
from tlsviz.ui.widgets.ladder import Ladder
from tlsviz.ui.widgets.shown_quiz import ShownQuiz
from tlsviz.ui.widgets.slide import Slide
from tlsviz.wire.explain import explanation, message_key

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))


def _presenter(name: str = "tls13-aes128gcm", **kw: Any) -> PresenterApp:
    s = bundled_source(name)
    assert s.path is not None
    conns = list(open_capture(s.path, s.material, streams=True))
    info = capture_info(s.path, s.label, keylog=[s.keylog] if s.keylog else [])
    return PresenterApp(connections=conns, capture=info, **kw)


def _plain(widget: Any) -> str:
    return str(widget.render()) if isinstance(widget, BigText) else str(widget.content)


async def test_a_capture_one_message_per_screen() -> None:
    app = _presenter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PresentCaptureScreen)
        conn = screen.conn
        slide = screen.query_one(Slide)
        ladder = screen.query_one(Ladder)
        seen = []
        for i, m in enumerate(conn.messages):
            assert screen.index == i and ladder.message_index == i
            name = slide.query_one(".slide-name", BigText).text
            seen.append(name)
            # the sentence of why is the message's own explanation, cut to its first sentence
            why = _plain(slide.query_one(".slide-why"))
            first = (explanation(message_key(name)) or "").split(". ")[0]
            assert first[:40] in why.replace("\n", " "), (name, why)
            for f in slide.fields:  # every value shown is the decoded field's
                found = m.find(f.key)
                assert found is not None, f.key
            nxt = _plain(screen.query_one("#present-next"))
            if i + 1 < len(conn.messages):
                assert f"{i + 2}." in nxt
            await pilot.press("n")
        assert seen[:3] == ["ClientHello", "ServerHello", "ChangeCipherSpec"]
        assert "the end" in _plain(screen.query_one("#present-next"))
        # the ServerHello's slide: the suite the server chose, as the decoder read it
        await pilot.press("home", "right")
        assert screen.index == 1
        chosen = {f.key: f.value for f in slide.fields}
        assert chosen["server_hello.cipher_suite"].startswith(conn.cipher_suite or "?")
        # hidden values for the room to guess, then revealed
        await pilot.press("r")
        assert "r reveals" in _plain(slide.query(".slide-field").first())
        await pilot.press("r")
        assert conn.cipher_suite in _plain(slide.query(".slide-field").first())
        # the full explorer on this message, and back to the slides where it was left
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen) and app.screen.message.type == "ServerHello"
        await pilot.press("n", "n", "e")
        await pilot.pause()
        assert app.screen is screen and screen.index == 3


async def test_timer_moves_on_by_itself() -> None:
    app = _presenter(timer=0.4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PresentCaptureScreen)
        await pilot.pause(1.0)
        moved = screen.index
        assert moved >= 2, moved
        await pilot.press("t")  # paused
        await pilot.pause(0.9)
        assert screen.index == moved
        assert "timer" in _plain(screen.query_one("#present-status"))


async def test_a_lesson_with_answers_hidden_until_revealed() -> None:
    lesson = next(ls for ls in load_lessons() if ls.id == "handshake")
    app = PresenterApp(lesson=lesson)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PresentLessonScreen)
        quizzes = list(screen.query(ShownQuiz))
        assert quizzes, "the first step of the handshake lesson asks a question"
        quiz = quizzes[0]
        right = next(o.text for o in quiz.quiz.options if o.correct)
        answer = quiz.query_one(".shown-quiz-answer")
        assert "hidden" in _plain(answer) and "✔" not in _plain(
            quiz.query_one(".shown-quiz-options")
        )
        await pilot.press("r")
        assert "Answer: " in _plain(answer)
        options = _plain(quiz.query_one(".shown-quiz-options"))
        line = next(x for x in options.splitlines() if right[:30] in x)
        assert "✔" in line
        await pilot.press("r")
        assert "hidden" in _plain(answer)
        # the step's bytes: the target message's slide beside the prose
        await pilot.press("n")
        target = screen.query_one("#present-target", Slide)
        assert screen.index == 1 and target.display
        assert target.query_one(".slide-name", BigText).text == "ClientHello"
        assert [f.key for f in target.fields] == ["client_hello.cipher_suites"]
        # moving on hides the answers again
        assert all(not q.revealed for q in screen.query(ShownQuiz))


async def test_a_follower_goes_where_the_presenter_goes() -> None:
    presenter = _presenter(classroom="room1")
    follower = FollowerApp("room1", poll=0.05)
    async with presenter.run_test(size=SIZE) as pp, follower.run_test(size=(120, 40)) as fp:
        await pp.pause()
        path = room.state_path("room1")
        for _ in range(100):  # the presenter publishes its first position once its screen is up
            if os.path.exists(path):
                break
            await pp.pause(0.05)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
        state = json.loads(Path(path).read_text())
        assert state["kind"] == "capture" and state["message"] == 0 and state["live"]

        async def settle() -> FollowExplorerScreen:
            for _ in range(100):
                await fp.pause(0.05)
                s = follower.screen
                if isinstance(s, FollowExplorerScreen) and s.is_mounted:
                    want = presenter.screen.index  # type: ignore[attr-defined]
                    if s.explorer.pos.message == want:
                        return s
            raise AssertionError(f"the follower is on {follower.screen!r}")

        screen = await settle()
        assert screen.message.type == "ClientHello"
        for _ in range(3):
            await pp.press("n")
            screen = await settle()
        assert screen.message.type == "EncryptedExtensions"
        # the field the presenter selects is selected in the follower's tree
        await pp.press("down")
        await fp.pause(0.3)
        assert screen.selected is not None and screen.selected.key == "extensions"
        assert "following room1" in _plain(screen.query_one("#explorer-header"))
        # the student steps away: the presenter's moves no longer move them
        await fp.press("p")
        await fp.pause(0.3)
        assert not follower.following
        assert "on your own" in _plain(screen.query_one("#explorer-header"))
        await pp.press("n")
        await fp.pause(0.3)
        assert screen.explorer.pos.message == 2
        # t: straight back to where the teacher is, and following again
        await fp.press("t")
        screen = await settle()
        assert follower.following and screen.message.type == "Certificate"
        await pp.press("n")
        screen = await settle()
        assert screen.message.type == "CertificateVerify"


async def test_a_follower_follows_a_lesson(tmp_path: Path) -> None:
    lesson = next(ls for ls in load_lessons() if ls.id == "handshake")
    presenter = PresenterApp(lesson=lesson, classroom="lesson-room")
    follower = FollowerApp("lesson-room", poll=0.05)
    async with presenter.run_test(size=SIZE) as pp, follower.run_test(size=(160, 45)) as fp:
        await pp.press("n", "n")
        for _ in range(100):
            await fp.pause(0.05)
            s = follower.screen
            if isinstance(s, FollowLessonScreen) and s.index == 2:
                break
        else:
            raise AssertionError(f"the follower is on {follower.screen!r}")
        assert s.lesson.id == "handshake"
        # the student's answers stay in the session: nothing is written to the state folder
        assert not (tmp_path / "state" / "tlsviz" / "lessons").exists()


async def test_a_follower_waits_for_the_screen_it_just_opened() -> None:
    """Two moves read before the lesson screen the first one opened is up:
    the second is applied once the screen is mounted (it used to reach for
    widgets not composed yet and stop the follower with a traceback)."""
    lesson = next(ls for ls in load_lessons() if ls.id == "handshake")
    follower = FollowerApp("quick-room", poll=60)  # polled by hand below

    def state(step: int) -> dict[str, Any]:
        return {"kind": "lesson", "live": True, "lesson": {"path": lesson.path, "step": step}}

    async with follower.run_test(size=(160, 45)) as fp:
        await fp.pause()
        room.publish("quick-room", state(0))
        follower.poll()
        assert isinstance(follower.screen, FollowLessonScreen)
        assert not follower.screen.is_mounted
        room.publish("quick-room", state(2))
        follower.poll()  # the same tick: the screen is not mounted
        for _ in range(40):
            await fp.pause(0.05)
            follower.poll()
            s = follower.screen
            if isinstance(s, FollowLessonScreen) and s.is_mounted and s.index == 2:
                break
        else:
            raise AssertionError(f"the follower is on {follower.screen!r}")
        assert follower.following


def test_classroom_names_and_folder(tmp_path: Path) -> None:
    for bad in ("", "../x", "a/b", ".hidden", "x" * 65, "a b", "é"):
        with pytest.raises(room.ClassroomError):
            room.check_name(bad)
    assert room.check_name("Room_2-b") == "Room_2-b"
    folder = Path(room.state_dir())
    folder.chmod(0o755)  # someone made it readable: refused, never used
    with pytest.raises(room.ClassroomError, match="chmod 700"):
        room.publish("x", {})
    folder.chmod(0o700)
    room.publish("x", {"live": True})
    watch = room.Watch("x")
    assert watch.poll() is not None and watch.poll() is None
    room.publish("x", {"live": False})
    again = watch.poll()
    assert again is not None and again["live"] is False
    assert [p.name for p in folder.iterdir()] == ["classroom-x.json"]  # no temporary left
