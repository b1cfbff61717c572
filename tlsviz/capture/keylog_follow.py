"""Following a key log that a browser, curl or openssl writes while we watch.

``SSLKEYLOGFILE`` grows a line per secret, the moment the secret is derived.
:class:`KeyLogTail` is the pure part (sans-IO): told the file's identity and
size, it says where to read; given the new bytes, it feeds a
:class:`~tlsviz.keys.keylog.KeyLog` and keeps the whole lines for a pcapng
Decryption Secrets Block.  A file that shrank or was replaced (truncated,
rotated, deleted and written again) is read from the start.
:class:`KeyLogFollower` adds the ``stat``/``read``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..keys.keylog import KeyLog

__all__ = ["KeyLogFollower", "KeyLogTail", "keylog_for"]


class KeyLogTail:
    """Following one key log file, without touching it (sans-IO).

    Call :meth:`plan` with the file's identity (device, inode) and size: it
    returns the offset to read from, or None when nothing is new.  Then
    :meth:`feed` the bytes read: they go to ``keylog`` at once
    (``add_text(..., final=False)``: a line still being written waits for its
    end), and whole lines are kept in :attr:`text` for the Decryption Secrets
    Block.  A file that shrank or was replaced starts a new *generation*, read
    from offset 0 under a new source name, so its line numbers are its own.
    """

    def __init__(self, keylog: KeyLog, name: str) -> None:
        self.keylog = keylog
        self.name = name
        self.generation = 0
        self.text = bytearray()
        self._ident: object = None
        self._offset = 0
        self._partial = b""

    @property
    def source(self) -> str:
        return self.name if self.generation == 0 else f"{self.name} (rewritten {self.generation})"

    def plan(self, ident: object, size: int) -> int | None:
        if ident != self._ident or size < self._offset:
            if self._ident is not None:
                self.generation += 1
            self._ident = ident
            self._offset = 0
            self._partial = b""
        return self._offset if size > self._offset else None

    def feed(self, data: bytes) -> int:
        """Take the bytes that follow the last ones; returns entries added."""
        self._offset += len(data)
        whole, sep, rest = (self._partial + data).rpartition(b"\n")
        self._partial = rest
        if sep:
            self.text += whole + sep
        return self.keylog.add_text(data, source=self.source, final=False)


class KeyLogFollower:
    """The I/O half: stats and reads the file for a :class:`KeyLogTail`.
    A file that does not exist yet is waited for."""

    def __init__(self, path: str, keylog: KeyLog) -> None:
        self.path = path
        self.tail = KeyLogTail(keylog, path)

    def poll(self) -> int:
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                offset = self.tail.plan((st.st_dev, st.st_ino), st.st_size)
                if offset is None:
                    return 0
                f.seek(offset)
                data = f.read(st.st_size - offset)
        except OSError:
            return 0
        return self.tail.feed(data)


def keylog_for(text: bytes, client_randoms: Iterable[bytes]) -> bytes:
    """The lines of ``text`` for these client randoms (and every RSA line):
    a browser's key log holds the secrets of all its browsing, and a
    recording should carry only those of the connections it captured."""
    wanted = {r.hex() for r in client_randoms}
    out = []
    for line in text.decode("ascii", "replace").splitlines():
        fields = line.split()
        if len(fields) == 3 and (fields[0] == "RSA" or fields[1].lower() in wanted):
            out.append(line + "\n")
    return "".join(out).encode()
