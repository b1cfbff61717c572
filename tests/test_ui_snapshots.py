"""How the explorer looks, at fixed sizes, on bundled captures (pytest-textual-snapshot).

Update after an intended change of looks with ``pytest tests/test_ui_snapshots.py
--snapshot-update`` and look at the new SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tlsviz.ui.app import TlsvizApp
from tlsviz.ui.sources import bundled_source


def _explorer(name: str, message: int, key: str | None = None, view: str | None = None) -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.screen.go_to(message, key)
        if view:
            await pilot.press(view)
        await pilot.pause()

    return run_before


@pytest.fixture(autouse=True)
def _no_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


def test_tls13_key_share_large(snap_compare: Any) -> None:
    app = TlsvizApp(bundled_source("tls13-aes128gcm"))
    assert snap_compare(
        app,
        terminal_size=(160, 45),
        run_before=_explorer("tls13-aes128gcm", 1, "ext.key_share.key_exchange"),
    )


def test_tls13_small_terminal(snap_compare: Any) -> None:
    app = TlsvizApp(bundled_source("tls13-aes128gcm"))
    assert snap_compare(
        app,
        terminal_size=(80, 24),
        run_before=_explorer("tls13-aes128gcm", 1, "server_hello.random"),
    )


def test_tls12_record_pane(snap_compare: Any) -> None:
    app = TlsvizApp(bundled_source("tls12-ecdhe-rsa-aes128gcm"))
    assert snap_compare(
        app,
        terminal_size=(120, 40),
        run_before=_explorer("tls12-ecdhe-rsa-aes128gcm", 9, None, "r"),
    )


def test_hrr_keys_pane_high_contrast(snap_compare: Any) -> None:
    app = TlsvizApp(bundled_source("tls13-hrr"), theme="tlsviz-high-contrast")
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=_explorer("tls13-hrr", 4, None, "k")
    )


def _presenter() -> Any:
    from tlsviz.classroom import capture_info
    from tlsviz.source import open_capture
    from tlsviz.ui.present_app import PresenterApp

    s = bundled_source("tls13-aes128gcm")
    assert s.path is not None
    conns = list(open_capture(s.path, s.material, streams=True))
    info = capture_info(s.path, s.label, keylog=[s.keylog] if s.keylog else [])
    return PresenterApp(connections=conns, capture=info)


def _steps(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


def test_present_small_terminal(snap_compare: Any) -> None:
    """The presenter at 80x24: the ServerHello's slide beside the ladder."""
    assert snap_compare(_presenter(), terminal_size=(80, 24), run_before=_steps("n"))


def test_present_projector(snap_compare: Any) -> None:
    """The presenter at 160x45: the name in big letters, the second field selected."""
    assert snap_compare(_presenter(), terminal_size=(160, 45), run_before=_steps("n", "down"))
