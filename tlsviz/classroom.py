"""A classroom: where a presenter says what it shows, for the followers to read.

A presenter started with ``--classroom NAME`` writes its position (the capture
and its key files, the connection, the message, the selected field; for a
lesson also the lesson and the step) to one small JSON file; ``tlsviz follow
NAME`` and the apps of ``tlsviz serve --classroom NAME`` read it and go there.
Everything stays on this machine and with this user: the file lives in
``$XDG_RUNTIME_DIR/tlsviz`` (a private folder the login session owns; without
it ``/tmp/tlsviz-UID``), the folder is 0700 and the file 0600, and it is
replaced whole (written beside it, then renamed), so a reader never sees half
of it.  Standard library only: the UI and the command line both use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
import time
from typing import Any

#: A classroom name: letters, digits, ``-`` and ``_``, at most 64 (never a path).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

#: Bumped if a reader could misread what a newer presenter writes.
FORMAT = 1


class ClassroomError(ValueError):
    """A classroom name or folder that cannot be used; the message is one sentence."""


def check_name(name: str) -> str:
    """``name`` if it is a valid classroom name (it becomes part of a file name)."""
    if not NAME.fullmatch(name):
        raise ClassroomError(
            f"{name!r} is not a classroom name: use up to 64 letters, digits, - and _ "
            "(starting with a letter or digit)."
        )
    return name


def state_dir(create: bool = True) -> str:
    """The private folder of classroom files, made 0700 if it is not there yet.

    Refused when it is not a folder of this user's that only this user can enter
    (a folder in ``/tmp`` someone else made first must never be trusted).
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        folder = os.path.join(runtime, "tlsviz")
    else:
        folder = os.path.join(tempfile.gettempdir(), f"tlsviz-{os.getuid()}")
    if create:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError as err:
            raise ClassroomError(
                f"the classroom folder {folder} cannot be made ({err.strerror})."
            ) from None
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return folder
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise ClassroomError(f"{folder} is not a folder of yours: classrooms cannot use it.")
    if st.st_mode & 0o077:
        raise ClassroomError(
            f"{folder} can be read by other users: make it private (chmod 700 {folder})."
        )
    return folder


def state_path(name: str, *, create: bool = True) -> str:
    """The file of classroom ``name`` (validated)."""
    return os.path.join(state_dir(create), f"classroom-{check_name(name)}.json")


def publish(name: str, state: dict[str, Any]) -> str:
    """Replace the classroom's file with ``state`` (plus format, name and time), atomically."""
    path = state_path(name)
    doc = {**state, "format": FORMAT, "classroom": name, "updated": time.time()}
    data = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    fd, tmp = tempfile.mkstemp(
        prefix=f".classroom-{name}.", suffix=".tmp", dir=os.path.dirname(path)
    )
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def read(name: str) -> dict[str, Any] | None:
    """The classroom's state, or None when nobody has presented in it (or the file is
    not a state this version understands)."""
    try:
        with open(state_path(name, create=False), "rb") as f:
            doc = json.loads(f.read())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None
    return doc


def capture_info(
    path: str,
    label: str,
    *,
    keylog: list[str] | tuple[str, ...] = (),
    key: list[str] | tuple[str, ...] = (),
    psk: list[str] | tuple[str, ...] = (),
    ephemeral_key: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    """How a follower opens the capture a presenter shows: its file and the key
    options of ``decode`` (files as absolute paths; a PSK as hex or ``@FILE``).
    A key file's password is never published: such a key is left out."""

    def absolute(files: list[str] | tuple[str, ...]) -> list[str]:
        return [os.path.abspath(f) for f in files]

    return {
        "path": os.path.abspath(path),
        "label": label,
        "keylog": absolute(keylog),
        "key": absolute(key),
        "psk": [p if not p.startswith("@") else "@" + os.path.abspath(p[1:]) for p in psk],
        "ephemeral_key": absolute(ephemeral_key),
    }


class Watch:
    """Polls one classroom's file; :meth:`poll` returns its state when it changed."""

    def __init__(self, name: str) -> None:
        self.name = check_name(name)
        self.path = state_path(name, create=False)
        self._seen: tuple[int, int, int] | None = None

    def poll(self) -> dict[str, Any] | None:
        """The new state if the file was replaced since the last call, else None."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        mark = (st.st_ino, st.st_mtime_ns, st.st_size)
        if mark == self._seen:
            return None
        state = read(self.name)
        if state is not None:
            self._seen = mark
        return state
