"""The captures and lessons that ship with tlsviz.

Every part of tlsviz that opens a bundled capture (``decode`` without a file,
the home screen, the lessons, the classroom) or a bundled lesson asks this
module where it is, so there is one place that knows how they are installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The bundled capture that ``tlsviz decode`` opens when given no file.
DEFAULT_CAPTURE = "tls13-aes128gcm.pcap"


def captures_root() -> Path:
    """The folder of the bundled captures (their key logs, keys and manifest)."""
    return Path(__file__).resolve().parent.parent / "captures"


def lessons_root() -> Path:
    """The folder of the bundled lessons."""
    return Path(__file__).resolve().parent.parent / "lessons"


def capture_path(name: str) -> Path:
    """A bundled capture by file name (``tls13-hrr.pcap``) or by stem (``tls13-hrr``)."""
    root = captures_root()
    if "." not in name:
        name += ".pcap"
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


def bundled_captures() -> list[BundledCapture]:
    """The bundled captures in the order of their manifest."""
    import json

    root = captures_root()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    out: list[BundledCapture] = []
    for entry in manifest.get("captures", []):
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
