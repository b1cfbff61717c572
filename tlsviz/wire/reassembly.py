"""Handshake message reassembly across records (RFC 8446 §5.1, RFC 5246 §6.2.1).

Handshake messages may be split over several records, and one record may carry
several messages.  The reassembler takes the handshake-typed fragments of one
direction in order and hands back whole messages, each with the list of
segments (where its bytes were) and the records that carried it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .message import Buffer, Segment
from .records import Record

#: RFC 8446 §4: a handshake message header is a type byte and a 24-bit length.
HEADER_LEN = 4


@dataclass(frozen=True, slots=True)
class RawHandshake:
    """A complete handshake message before parsing."""

    msg_type: int
    raw: bytes  # header + body
    segments: tuple[Segment, ...]
    records: tuple[Record, ...]
    time: float | None
    #: DTLS: the message's :class:`~.dtls_reassembly.DtlsInfo` (None in TLS)
    dtls: Any = None

    @property
    def body(self) -> bytes:
        return self.raw[HEADER_LEN if self.dtls is None else 12 :]


class HandshakeReassembler:
    """Reassembles the handshake messages of one direction."""

    __slots__ = ("_buf", "_records", "_segments", "_time")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._segments: list[Segment] = []
        self._records: list[Record] = []
        self._time: float | None = None

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message waiting for the next record."""
        return len(self._buf)

    def pending_segments(self) -> tuple[Segment, ...]:
        return tuple(self._segments)

    def discard(self) -> tuple[bytes, tuple[Segment, ...], tuple[Record, ...]]:
        """Drop an incomplete message (e.g. interrupted by another record type)."""
        data, segs, recs = bytes(self._buf), tuple(self._segments), tuple(self._records)
        self._buf.clear()
        self._segments.clear()
        self._records.clear()
        return data, segs, recs

    def feed(
        self, fragment: bytes, buffer: Buffer, offset: int, record: Record
    ) -> list[RawHandshake]:
        """Add one record's handshake bytes (``offset`` is where ``fragment[0]``
        is in ``buffer``); return the messages completed by it."""
        out: list[RawHandshake] = []
        pos = 0
        n = len(fragment)
        while pos < n:
            if self._buf or n - pos < HEADER_LEN:
                take = self._want(n - pos)
                chunk = fragment[pos : pos + take]
                self._append(chunk, buffer, offset + pos, record)
                pos += take
                done = self._complete()
                if done is not None:
                    out.append(done)
                continue
            # Fast path: a whole message inside this fragment.
            length = int.from_bytes(fragment[pos + 1 : pos + 4], "big")
            end = pos + HEADER_LEN + length
            if end <= n:
                out.append(
                    RawHandshake(
                        fragment[pos],
                        fragment[pos:end],
                        (Segment(0, buffer, offset + pos, end - pos),),
                        (record,),
                        record.time,
                    )
                )
                pos = end
                continue
            self._append(fragment[pos:], buffer, offset + pos, record)
            pos = n
        return out

    def _want(self, available: int) -> int:
        """How many more bytes the pending message needs (at most ``available``)."""
        have = len(self._buf)
        if have < HEADER_LEN:
            return min(available, HEADER_LEN - have)
        length = int.from_bytes(self._buf[1:4], "big")
        return min(available, HEADER_LEN + length - have)

    def _append(self, chunk: bytes, buffer: Buffer, offset: int, record: Record) -> None:
        start = len(self._buf)
        segs = self._segments
        if segs and segs[-1].buffer == buffer and segs[-1].offset + segs[-1].length == offset:
            last = segs[-1]
            segs[-1] = Segment(last.start, buffer, last.offset, last.length + len(chunk))
        else:
            segs.append(Segment(start, buffer, offset, len(chunk)))
        if not self._records or self._records[-1] is not record:
            self._records.append(record)
        self._buf += chunk
        self._time = record.time

    def _complete(self) -> RawHandshake | None:
        buf = self._buf
        if len(buf) < HEADER_LEN:
            return None
        length = int.from_bytes(buf[1:4], "big")
        if len(buf) < HEADER_LEN + length:
            return None
        msg = RawHandshake(
            buf[0], bytes(buf), tuple(self._segments), tuple(self._records), self._time
        )
        self._buf = bytearray()
        self._segments = []
        self._records = []
        return msg
