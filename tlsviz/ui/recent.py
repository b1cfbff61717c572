"""Recently opened files, for the home screen (kept in the XDG state folder)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

MAX_RECENT = 8


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "tlsviz"


def _file() -> Path:
    return state_dir() / "recent.json"


def recent() -> list[dict[str, str | None]]:
    """The recent files, newest first; a damaged file reads as none."""
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [d for d in data if isinstance(d, dict) and isinstance(d.get("path"), str)]


def remember(path: str, keylog: str | None = None) -> None:
    """Put ``path`` first (written atomically; failures are ignored: it is a convenience)."""
    from .. import bundled

    path = os.path.abspath(path)
    try:
        if Path(path).is_relative_to(bundled.captures_root()):
            return  # bundled captures have their own list
    except (OSError, ValueError):
        pass
    items = [d for d in recent() if d.get("path") != path]
    items.insert(0, {"path": path, "keylog": os.path.abspath(keylog) if keylog else None})
    try:
        folder = state_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".recent-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(items[:MAX_RECENT], f)
        os.replace(tmp, _file())
    except OSError:
        pass
