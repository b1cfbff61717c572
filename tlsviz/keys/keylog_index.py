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
# a whole line that the line parser would certainly accept as is
_WHOLE = (
    rb"(?:CLIENT_RANDOM " + _HEX + rb"{64} " + _HEX + rb"{96}"
    rb"|" + _LABELS13 + rb" " + _HEX + rb"{64} (?:" + _HEX + rb"{32}){2,4})"
    rb"[ \t]*\r?$"
)
# matches at the start of such a line and ends where its client random starts
_GOOD = re.compile(rb"^(?=" + _WHOLE + rb")[A-Z0-9_]+ ", re.MULTILINE)
# every other line that is not blank and not a comment
_OTHER = re.compile(rb"^(?!" + _WHOLE + rb")(?![ \t]*(?:#|\r?$))[^\n]+", re.MULTILINE)

_OFFSET_BITS = 40
_OFFSET_MASK = (1 << _OFFSET_BITS) - 1
_CHUNK = 1 << 12  # newline counts are kept per 4 KiB, for line numbers


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
        for m in _GOOD.finditer(buf):  # type: ignore[call-overload]
            key = m.end()
            add((int(buf[key : key + 6], 16) << _OFFSET_BITS) | m.start())
        self._index = array("Q", sorted(index))
        self._reads = 0
        self._newlines = array("Q", [0])
        total = 0
        for start in range(0, len(buf), _CHUNK):
            total += buf[start : start + _CHUNK].count(b"\n")
            self._newlines.append(total)
        _release(buf)  # read again from the page cache when needed

    def __len__(self) -> int:
        return len(self._index)

    def other_lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, text) of the lines the index leaves to the line parser."""
        for m in _OTHER.finditer(self.buf):  # type: ignore[call-overload]
            yield self.line_number(m.start()), m.group()

    def line_number(self, offset: int) -> int:
        """1-based number of the line at ``offset`` (lines end with a newline)."""
        chunk = offset // _CHUNK
        return int(self._newlines[chunk]) + self.buf[chunk * _CHUNK : offset].count(b"\n") + 1

    def lines_for(self, client_random: bytes) -> Iterator[tuple[int, str]]:
        """(line number, text) of every indexed line whose client random is
        ``client_random``, in file order."""
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
            text = self.buf[offset : end if end >= 0 else len(self.buf)].decode("ascii")
            fields = text.split()
            if fields[1].lower() == wanted:
                yield self.line_number(offset), text

    def client_randoms(self) -> Iterator[bytes]:
        """The client random of every indexed line, in file order."""
        for m in _GOOD.finditer(self.buf):  # type: ignore[call-overload]
            yield bytes.fromhex(self.buf[m.end() : m.end() + 64].decode("ascii"))

    def labels(self) -> set[str]:
        """The labels of the indexed lines."""
        return {
            m.group()[:-1].decode("ascii")
            for m in _GOOD.finditer(self.buf)  # type: ignore[call-overload]
        }
