"""The bytes behind every span: each direction's stream and each decrypted record.

A :class:`~tlsviz.wire.message.Span` names a buffer and a range in it; this
module gives the bytes of a buffer.  Stream buffers are what the capture
carried in one direction (TCP payload in order); where the capture lost bytes
(a TCP gap) the buffer keeps the hole's place, so offsets stay stream offsets,
and the hole is listed in :attr:`BufferData.gaps` rather than silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wire.message import Buffer, Span

#: A hole larger than this is not filled with zeros when a whole buffer is
#: materialised (a TCP sequence jump can claim gigabytes).
MAX_FILLED_GAP = 1 << 20


class StreamBytes:
    """The bytes of one direction as they arrive, with the holes the capture left."""

    __slots__ = ("_pieces", "gaps", "length")

    def __init__(self) -> None:
        self._pieces: list[tuple[int, bytearray]] = []  # (stream offset, bytes), in order
        self.gaps: list[tuple[int, int]] = []  # (stream offset, length)
        self.length = 0

    def append(self, data: bytes) -> None:
        if not data:
            return
        if self._pieces:
            start, piece = self._pieces[-1]
            if start + len(piece) == self.length:
                piece += data
                self.length += len(data)
                return
        self._pieces.append((self.length, bytearray(data)))
        self.length += len(data)

    def gap(self, length: int) -> None:
        if length > 0:
            self.gaps.append((self.length, length))
            self.length += length

    def read(self, offset: int, length: int) -> bytes:
        """Bytes ``offset .. offset+length``; bytes in a hole read as zero."""
        end = min(offset + length, self.length)
        if end <= offset:
            return b""
        out = bytearray(end - offset)
        for start, piece in self._pieces:
            lo, hi = max(offset, start), min(end, start + len(piece))
            if lo < hi:
                out[lo - offset : hi - offset] = piece[lo - start : hi - start]
            if start >= end:
                break
        return bytes(out)

    def missing(self, offset: int, length: int) -> bool:
        """Does any byte of this range fall in a hole?"""
        end = offset + length
        return any(g < end and offset < g + n for g, n in self.gaps)


@dataclass(frozen=True, slots=True)
class BufferData:
    """The bytes of one buffer (holes read as zero, listed in ``gaps``)."""

    buffer: Buffer
    data: bytes
    gaps: tuple[tuple[int, int], ...] = ()
    #: True when a hole too large to fill cut the data short
    cut: bool = False

    def read(self, span: Span) -> bytes:
        return self.data[span.offset : span.end]

    def missing(self, offset: int, length: int) -> bool:
        end = offset + length
        return any(g < end and offset < g + n for g, n in self.gaps)

    def __len__(self) -> int:
        return len(self.data)


def stream_data(buffer: Buffer, stream: StreamBytes) -> BufferData:
    """A whole stream as one :class:`BufferData` (cut at a hole too large to fill)."""
    length = stream.length
    cut = False
    for g, n in stream.gaps:
        if n > MAX_FILLED_GAP:
            length, cut = g, True
            break
    return BufferData(buffer, stream.read(0, length), tuple(stream.gaps), cut)
