"""ruff and mypy --strict stay clean (configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

#: What ruff checks (mypy --strict checks tlsviz/, as configured in pyproject.toml).
PATHS = ("tlsviz", "tests", "captures", "fuzz", "setup.py")


def _tool(name: str) -> list[str]:
    if shutil.which(name) is None and not (ROOT / ".venv" / "bin" / name).exists():
        try:
            __import__(name)
        except ImportError:
            pytest.skip(f"{name} is not installed")
    return [sys.executable, "-m", name]


def test_ruff_check() -> None:
    proc = subprocess.run(
        [*_tool("ruff"), "check", *PATHS, "--output-format", "concise"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict() -> None:
    proc = subprocess.run(
        [*_tool("mypy"), "tlsviz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
