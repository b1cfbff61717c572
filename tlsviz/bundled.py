"""The captures and lessons that ship with tlsviz.

Every part of tlsviz that opens a bundled capture (``decode`` without a file,
the home screen, the lessons, the classroom) or a bundled lesson asks this
module where it is, so there is one place that knows how they are installed.

The repository keeps them in its top-level ``captures/`` and ``lessons/``;
building a wheel or an sdist maps both into the package as
``tlsviz/_bundled/captures`` and ``tlsviz/_bundled/lessons`` (see setup.py),
so an installed tlsviz finds them among its own resources wherever it was
installed. An editable install from a checkout is a plain path to the
repository, which has no ``_bundled`` folder: there the repository's own
folders are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: The bundled capture that ``tlsviz decode`` opens when given no file.
DEFAULT_CAPTURE = "tls13-aes128gcm.pcap"

#: The folder inside the package that holds them (setup.py writes the same name).
_PACKAGED = "_bundled"

_roots: dict[str, Path] = {}


def captures_root() -> Path:
    """The folder of the bundled captures (their key logs, keys and manifest)."""
    return _root("captures")


def lessons_root() -> Path:
    """The folder of the bundled lessons."""
    return _root("lessons")


def _root(name: str) -> Path:
    """A bundled folder as a directory on disk: inside the installed package,
    else (a source checkout) the repository's own folder. When neither is
    there, the place it should be in the package, so that an error names it."""
    root = _roots.get(name)
    if root is None:
        from importlib.resources import files

        package = files("tlsviz")
        packaged = package / _PACKAGED / name
        if packaged.is_dir():
            root = _on_disk(packaged)
        elif isinstance(package, Path) and (package.parent / "pyproject.toml").is_file():
            # a checkout: the package directory sits beside the repository's
            # captures/ and lessons/ (a pyproject.toml tells a checkout from an
            # installation, whose site-packages may hold others' folders)
            root = package.parent / name
        else:
            root = Path(str(packaged))
        _roots[name] = root
    return root


def _on_disk(folder: Traversable) -> Path:
    """A folder of the package as a real directory: itself when the package is
    installed as files (a wheel, always), else (imported from a zip archive) a
    copy made once in a temporary directory that goes away when tlsviz exits.
    Callers hand these paths to code that opens files (mmap, scapy), so a
    Traversable that is not a file would not do."""
    if isinstance(folder, Path):
        return folder
    import atexit
    import shutil
    import tempfile

    copy = Path(tempfile.mkdtemp(prefix="tlsviz-bundled-")) / folder.name
    atexit.register(shutil.rmtree, copy.parent, True)
    _copy_tree(folder, copy)
    return copy


def _copy_tree(src: Traversable, dst: Path) -> None:
    dst.mkdir()
    for item in src.iterdir():
        if item.is_dir():
            _copy_tree(item, dst / item.name)
        else:
            (dst / item.name).write_bytes(item.read_bytes())


def capture_path(name: str) -> Path:
    """A bundled capture by file name (``tls13-hrr.pcap``) or by stem
    (``tls13-hrr``; a ``.pcapng`` when there is no ``.pcap`` of that name)."""
    root = captures_root()
    if "." not in name:
        name += ".pcap" if (root / f"{name}.pcap").exists() or not (
            root / f"{name}.pcapng").exists() else ".pcapng"  # fmt: skip
    return root / name


@dataclass(frozen=True, slots=True)
class BundledCapture:
    """One bundled capture and the key material that comes with it."""

    name: str
    description: str
    path: Path
    keylog: Path | None
    rsa_key: Path | None = None
    psk: Path | None = None


def bundled_captures(*, seeded: bool = False) -> list[BundledCapture]:
    """The bundled captures in the order of their manifest (the real peers'
    TLS captures, then the DTLS ones: ``"dtls"``); with ``seeded``
    also, after them, those tlsviz's own peer made with a seed (the manifest's
    ``"seeded"`` list: every secret inside the pcapng)."""
    import json

    root = captures_root()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    out: list[BundledCapture] = []
    more = manifest.get("seeded", []) if seeded else []
    for entry in [*manifest.get("captures", []), *manifest.get("dtls", []), *more]:
        files: dict[str, str] = entry.get("files", {})

        def opt(key: str, files: dict[str, str] = files) -> Path | None:
            name = files.get(key)
            return root / name if name else None

        path = opt("capture")
        if path is None:
            continue
        out.append(
            BundledCapture(
                name=entry["name"],
                description=entry.get("description", ""),
                path=path,
                keylog=opt("keylog"),
                rsa_key=opt("rsa_key"),
                psk=opt("psk"),
            )
        )
    return out
