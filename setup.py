"""The build step that puts the bundled captures and lessons inside the package.

The repository keeps ``captures/`` and ``lessons/`` at its top level, where the
tests, the script that re-makes the captures and the people who write lessons
use them. An installed tlsviz has nothing but its package, so every build maps
those folders into ``tlsviz/_bundled/`` (and lists them in the sdist, from which
a wheel is built the same way); ``tlsviz/bundled.py`` finds them there at run
time. Nothing is copied into the repository: an editable install stays a plain
path and reads the top-level folders themselves.

Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import json
import os

from setuptools import setup
from setuptools.command.build_py import build_py

#: Where the folders go inside the package (``tlsviz.bundled`` reads the same name).
PACKAGED = os.path.join("tlsviz", "_bundled")

#: One tuple of build_py's ``data_files``: package, source folder, build folder,
#: files relative to the source folder.
DataFiles = tuple[str, str, str, list[str]]


def capture_files() -> list[str]:
    """The captures' data: the manifest, the README, and every file the
    manifest names (capture, key log, RSA key, PSK). ``peers.py``,
    ``make_captures.py`` and ``pki/`` (the throwaway CA and keys the peers
    used) only serve to make the captures again, so they stay out."""
    with open(os.path.join("captures", "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    names = {"manifest.json", "README.md"}
    # "seeded": the captures tlsviz's own peer made with a seed (captures/seeded.py);
    # "dtls": the DTLS captures (captures/dtls.py)
    for entry in [*manifest["captures"], *manifest.get("dtls", []), *manifest.get("seeded", [])]:
        names.update(entry["files"].values())
    missing = sorted(n for n in names if not os.path.isfile(os.path.join("captures", n)))
    if missing:
        raise SystemExit(f"captures/manifest.json names files that are missing: {missing}")
    return sorted(names)


def lesson_files() -> list[str]:
    """Every file under ``lessons/`` (lessons, their README, pictures, any
    subfolder), except hidden files and Python's caches."""
    found: list[str] = []
    for folder, subfolders, files in os.walk("lessons"):
        subfolders[:] = sorted(d for d in subfolders if d[0] != "." and d != "__pycache__")
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith((".pyc", "~")):
                found.append(os.path.relpath(os.path.join(folder, name), "lessons"))
    return found


class BuildPy(build_py):
    """build_py that also maps the bundled folders into the package.

    They are added as package data (not copied in ``run``) so that the wheel,
    the sdist's file list and the editable install's file mapping all see them.
    """

    def _bundled_data(self) -> list[DataFiles]:
        out: list[DataFiles] = []
        for folder, files in (("captures", capture_files()), ("lessons", lesson_files())):
            target = os.path.join(self.build_lib, PACKAGED, folder)
            if files:
                out.append(("tlsviz", folder, target, files))
        return out

    def _get_data_files(self) -> list[DataFiles]:
        return list(super()._get_data_files()) + self._bundled_data()

    def get_data_files_without_manifest(self) -> list[DataFiles]:
        return list(super().get_data_files_without_manifest()) + self._bundled_data()


setup(cmdclass={"build_py": BuildPy})
