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
#: The one place the tests learn where it is: ``TLSVIZ_CORPUS`` names another
#: directory (a missing one runs the suite as a machine without the corpus
#: would: every test that needs it skips).
CORPUS = Path(os.environ.get("TLSVIZ_CORPUS") or ROOT.parent / "shared" / "corpus")
HAVE_CORPUS = CORPUS.is_dir()
#: for tests that read the corpus without naming a file (marked ``corpus`` too)
needs_corpus = pytest.mark.skipif(not HAVE_CORPUS, reason="the corpus is not available")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def corpus_file(*parts: str) -> Path:
    """A corpus file (its path relative to the corpus, in one or more parts),
    or skip the test when the corpus or the file is not there."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus file {'/'.join(parts)} is not available")
    return path


def corpus_captures(*suffixes: str) -> list[Path]:
    """Every capture of the corpus (``.pcap``, ``.pcapng``, gzipped too), in
    order; none when the corpus is absent.  ``suffixes`` narrows the names."""
    if not HAVE_CORPUS:
        return []
    found = [
        p for p in sorted(CORPUS.rglob("*.pcap*")) if p.is_file() and not p.name.endswith(".json")
    ]
    return [p for p in found if not suffixes or p.name.endswith(suffixes)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``corpus`` skip, as a whole, when the corpus is absent."""
    if HAVE_CORPUS:
        return
    skip = pytest.mark.skip(reason=f"the corpus is not available ({CORPUS})")
    for item in items:
        if item.get_closest_marker("corpus") is not None:
            item.add_marker(skip)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def corpus() -> Path:
    if not HAVE_CORPUS:
        pytest.skip("the corpus is not available")
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
