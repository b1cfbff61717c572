"""Shared test fixtures: where the corpus and bundled captures are, and tools."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests run the same examples on every run (CI must not fail by luck);
# HYPOTHESIS_PROFILE=explore searches new ones, TLSVIZ_FUZZ=N makes some longer.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = ROOT / "captures"
#: Public captures and vectors, kept beside the project (never copied into it).
CORPUS = ROOT.parent / "shared" / "corpus"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def corpus_file(rel: str) -> Path:
    """A corpus file, or skip the test when the corpus is not there."""
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"corpus file {rel} is not available")
    return path


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not available")
    return CORPUS


@pytest.fixture(autouse=True)
def _private_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never write into the user's state folder (recent files, lesson progress)."""
    if "XDG_STATE_HOME" not in os.environ or not os.environ["XDG_STATE_HOME"].startswith(
        str(tmp_path_factory.getbasetemp())
    ):
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
