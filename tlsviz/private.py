"""Files that hold key material, written for their owner's eyes only.

A recording's Decryption Secrets Block, a key log, an ephemeral private key:
whoever can read one can decrypt the connections it belongs to (a browser's
``SSLKEYLOGFILE`` holds real sessions, bank logins included).  So every such
file tlsviz writes is created with mode 0600 from its first byte — never
created with the umask's 0644 and tightened afterwards, which leaves a window
in which another account can open it and keep the descriptor — and every
folder tlsviz creates for them is 0700 (as the XDG Base Directory
specification asks of the folders it makes, and as OpenSSH insists on for
``~/.ssh``).

A file is written to a temporary name in its own folder, created 0600 with
``O_EXCL``, then renamed over the target: an existing file is replaced by a
private one (its old mode is not inherited), and a failed write leaves the
old file as it was.  A target that is not a regular file (``/dev/stdout``, a
pipe) is written to directly: there is nothing to create.

Reading works the other way round: a key log or key that others can read is
still used (it is the user's file, and refusing it would help no one), with a
one-sentence warning that says how to fix it.

Standard library only (``os``, ``stat``): the summary path may import it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import BinaryIO, cast

__all__ = [
    "PRIVATE_DIR",
    "PRIVATE_FILE",
    "exposure",
    "open_private",
    "private_dirs",
    "write_private",
]

#: Read and write for the owner, nothing for the group or others.
PRIVATE_FILE = 0o600
#: A folder only its owner can list, enter or write.
PRIVATE_DIR = 0o700

PathLike = str | os.PathLike[str]


def private_dirs(folder: PathLike) -> None:
    """Create ``folder`` and any missing parent, each 0700 (``os.makedirs``
    gives the intermediate folders the umask's mode, so each level is made here).
    Folders that exist already are left as they are."""
    folder = os.path.abspath(os.fspath(folder))
    missing: list[str] = []
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, PRIVATE_DIR)
        except FileExistsError:
            if not os.path.isdir(path):
                raise


@contextmanager
def open_private(path: PathLike) -> Iterator[BinaryIO]:
    """A file object to write ``path`` with, mode 0600 from the first byte.

    The bytes go to a temporary file created 0600 in the same folder, renamed
    over ``path`` when the block ends without an exception (removed
    otherwise).  A symbolic link is followed: the file it points to is the one
    replaced.
    """
    target = os.path.realpath(os.fspath(path))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        # a device or a pipe (/dev/stdout, a FIFO): written in place, nothing is created
        with open(target, "wb") as f:
            yield cast(BinaryIO, f)
        return
    folder, name = os.path.split(target)
    fd, tmp = _create_unique(folder, name)
    try:
        with os.fdopen(fd, "wb") as f:
            yield cast(BinaryIO, f)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _create_unique(folder: str, name: str) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` in ``folder``, created 0600 with
    O_EXCL (no one else's file, no symbolic link, is ever opened instead)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, PRIVATE_FILE), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {folder}")  # pragma: no cover


def write_private(path: PathLike, data: bytes | str) -> None:
    """Write ``data`` (text is UTF-8) to ``path``, mode 0600 from the first byte."""
    with open_private(path) as f:
        f.write(data.encode() if isinstance(data, str) else data)


def exposure(path: PathLike, what: str) -> str | None:
    """One sentence when ``path``, a ``what`` ("key log", "key file ..."), is a
    regular file that other accounts can read (its group or everyone); None
    otherwise (and when it cannot be examined: reading it will say why)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode) or not st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    who = "everyone" if st.st_mode & stat.S_IROTH else "its group"
    name = os.fspath(path)
    return (
        f"the {what} {name} can be read by {who} (mode {stat.S_IMODE(st.st_mode):04o}): "
        f"run chmod 600 {name} so that only you can decrypt with it."
    )
