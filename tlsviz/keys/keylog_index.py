"""A key log too big to parse up front: located now, parsed when looked up.

A capture of tens of thousands of handshakes comes with a key log of a
hundred thousand lines or more.  Parsing every line into entries costs about
a second and some 250 bytes an entry, most of it for connections the reader
never asks about, or asks about once (a summary).  This index finds the
well-formed lines with one regular-expression pass (in C) and keeps, per line,
8 bytes: the first 3 bytes of the client random and the line's offset, sorted.
A lookup bisects to the candidates and parses only those lines.

Only lines whose label and lengths are certainly right are indexed
(``CLIENT_RANDOM`` and the TLS 1.3 labels, with the secret lengths
:func:`~tlsviz.keys.keylog._check_lengths` allows); every other line that is
not blank or a comment (``RSA`` lines, unknown labels, odd spacing, mistakes)
is handed to the ordinary line parser at once, so that the problems of a key
log are reported when it is loaded, as before.  What differs: two lines with
the same label and client random but different secrets are reported when
that client random is first looked up, not at load time.
"""

from __future__ import annotations

import contextlib
import mmap
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from typing import Protocol

__all__ = ["KeyLogIndex"]


class _Buffer(Protocol):  # bytes or mmap
    def __len__(self) -> int: ...
    def __getitem__(self, s: slice, /) -> bytes: ...
    def find(self, sub: bytes, start: int = ..., end: int = ..., /) -> int: ...


_HEX = rb"[0-9a-fA-F]"
_LABELS13 = (
    rb"(?:CLIENT_EARLY_TRAFFIC_SECRET|CLIENT_HANDSHAKE_TRAFFIC_SECRET|"
    rb"SERVER_HANDSHAKE_TRAFFIC_SECRET|EXPORTER_SECRET|EARLY_EXPORTER_SECRET|"
    rb"(?:CLIENT|SERVER)_TRAFFIC_SECRET_(?:\d+|N))"
)
# One match a line: group 1 or 2 is the client random of a line that the
# line parser would certainly accept as is; a blank line or a comment matches
# no group; group 3 is any other line.
_LINE = re.compile(
    rb"^(?:(?:CLIENT_RANDOM (" + _HEX + rb"{6})" + _HEX + rb"{58} " + _HEX + rb"{96}"
    rb"|" + _LABELS13 + rb" (" + _HEX + rb"{6})" + _HEX + rb"{58} (?:" + _HEX + rb"{32}){2,4})"
    rb"[ \t]*\r?$"
    rb"|[ \t]*(?:#[^\n]*)?\r?$"
    rb"|([^\n]+))",
    re.MULTILINE,
)

_OFFSET_BITS = 40
_OFFSET_MASK = (1 << _OFFSET_BITS) - 1
_CHUNK = 1 << 10  # newline counts are kept per KiB, for line numbers


#: A mapped key log's pages count in the process's memory once read; they are
#: given back (they stay in the page cache) after this many lookups.
_RELEASE_EVERY = 256


def _release(buf: object) -> None:
    if isinstance(buf, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):
            buf.madvise(mmap.MADV_DONTNEED)


class KeyLogIndex:
    """The well-formed lines of one key log, by client random."""

    def __init__(self, buf: _Buffer, source: str) -> None:
        self.buf = buf
        self.source = source
        index = array("Q")
        add = index.append
        self._other: list[int] = []
        other = self._other.append
        for m in _LINE.finditer(buf):  # type: ignore[call-overload]
            g = m.lastindex  # 1 or 2: the first 6 hex digits of a client random
            if g is None:
                continue  # blank, or a comment
            if g == 3:
                other(m.start(3))
            else:
                add((int(m[g], 16) << _OFFSET_BITS) | m.start())
        self._index = array("Q", sorted(index))
        self._reads = 0
        self._newlines: array[int] | None = None  # made when a line number is asked for
        _release(buf)  # read again from the page cache when needed

    def __len__(self) -> int:
        return len(self._index)

    def other_lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, text) of the lines the index leaves to the line parser."""
        for offset in self._other:
            end = self.buf.find(b"\n", offset)
            yield self.line_number(offset), self.buf[offset : end if end >= 0 else len(self.buf)]

    def line_number(self, offset: int) -> int:
        """1-based number of the line at ``offset`` (lines end with a newline)."""
        newlines = self._newlines
        if newlines is None:  # newlines before each KiB, counted once
            newlines = self._newlines = array("Q", [0])
            total = 0
            for start in range(0, len(self.buf), _CHUNK):
                total += self.buf[start : start + _CHUNK].count(b"\n")
                newlines.append(total)
        chunk = offset // _CHUNK
        return int(newlines[chunk]) + self.buf[chunk * _CHUNK : offset].count(b"\n") + 1

    def lines_for(self, client_random: bytes) -> Iterator[tuple[int, str, bytes]]:
        """(offset, label, secret) of every indexed line whose client random
        is ``client_random``, in file order (:meth:`line_number` says where)."""
        if len(client_random) != 32:
            return
        prefix = int.from_bytes(client_random[:3], "big")
        index = self._index
        i = bisect_left(index, prefix << _OFFSET_BITS)
        wanted = client_random.hex()
        self._reads += 1
        if self._reads % _RELEASE_EVERY == 0:
            _release(self.buf)
        while i < len(index) and index[i] >> _OFFSET_BITS == prefix:
            offset = index[i] & _OFFSET_MASK
            i += 1
            end = self.buf.find(b"\n", offset)
            label, key, secret = self.buf[offset : end if end >= 0 else len(self.buf)].split()
            if key.decode("ascii").lower() == wanted:
                yield offset, label.decode("ascii"), bytes.fromhex(secret.decode("ascii"))

    def client_randoms(self) -> Iterator[bytes]:
        """The client random of every indexed line, in file order."""
        for m in _LINE.finditer(self.buf):  # type: ignore[call-overload]
            key = max(m.start(1), m.start(2))
            if key >= 0:
                yield bytes.fromhex(self.buf[key : key + 64].decode("ascii"))

    def labels(self) -> set[str]:
        """The labels of the indexed lines."""
        return {
            m.group().split(b" ", 1)[0].decode("ascii")
            for m in _LINE.finditer(self.buf)  # type: ignore[call-overload]
            if max(m.start(1), m.start(2)) >= 0
        }
