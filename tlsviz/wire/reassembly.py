"""Handshake message reassembly across records (RFC 8446 §5.1, RFC 5246 §6.2.1).

Handshake messages may be split over several records, and one record may carry
several messages.  The reassembler takes the handshake-typed fragments of one
direction in order and hands back whole messages, each with the list of
segments (where its bytes were) and the records that carried it.

What it holds is bounded.  The length field allows 16 MiB a message, and a
message may come one byte a record; real ones stay far below both limits
(certificate chains, the biggest, are tens of KiB in a handful of records;
OpenSSL refuses chains over 100 KiB by default).  A message that declares more
than :data:`MAX_MESSAGE` bytes, or that has taken more than
:data:`MAX_MESSAGE_RECORDS` records without completing, is not held: the rest
of its declared length is counted off as it arrives, and it comes out as one
:class:`Oversized` over the records that carried it (the decoder makes it a
diagnostic), so the stream's later messages still frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from .framing import MAX_HANDSHAKE_MESSAGE
from .message import Buffer, Segment
from .records import Record

#: RFC 8446 §4: a handshake message header is a type byte and a 24-bit length.
HEADER_LEN = 4

#: The longest handshake message reassembled (its body; see framing).
MAX_MESSAGE: Final = MAX_HANDSHAKE_MESSAGE
#: The most records one message may take while it is reassembled.
MAX_MESSAGE_RECORDS: Final = 1024


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
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


@dataclass(frozen=True, slots=True)
class Oversized:
    """A handshake message too big to hold (see :data:`MAX_MESSAGE`), skipped:
    its type, declared body length, the bytes of it that arrived, and the
    first and last records that carried it."""

    msg_type: int
    length: int
    received: int
    first: Record
    last: Record
    complete: bool


@dataclass(slots=True)
class _Skipping:
    """An oversized message being counted off."""

    msg_type: int
    length: int
    received: int
    first: Record
    last: Record
    left: int  # bytes of it still to come

    def done(self, complete: bool) -> Oversized:
        return Oversized(self.msg_type, self.length, self.received, self.first, self.last, complete)


class HandshakeReassembler:
    """Reassembles the handshake messages of one direction."""

    __slots__ = ("_buf", "_records", "_segments", "_skipping", "_time")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._segments: list[Segment] = []
        self._records: list[Record] = []
        self._time: float | None = None
        self._skipping: _Skipping | None = None

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message waiting for the next record (of an
        oversized one: those that went by)."""
        sk = self._skipping
        return sk.received if sk is not None else len(self._buf)

    def pending_segments(self) -> tuple[Segment, ...]:
        return tuple(self._segments)

    def discard(self) -> tuple[bytes, tuple[Segment, ...], tuple[Record, ...]]:
        """Drop an incomplete message (e.g. interrupted by another record type)."""
        data, segs, recs = bytes(self._buf), tuple(self._segments), tuple(self._records)
        self._buf.clear()
        self._segments.clear()
        self._records.clear()
        return data, segs, recs

    def discard_oversized(self) -> Oversized | None:
        """The oversized message being skipped, dropped (the stream ended or
        another record type interrupted it); None when there is none."""
        sk, self._skipping = self._skipping, None
        return sk.done(False) if sk is not None else None

    def feed(
        self, fragment: bytes, buffer: Buffer, offset: int, record: Record
    ) -> list[RawHandshake | Oversized]:
        """Add one record's handshake bytes (``offset`` is where ``fragment[0]``
        is in ``buffer``); return the messages completed by it (an oversized
        one as :class:`Oversized`, once all its declared bytes went by)."""
        out: list[RawHandshake | Oversized] = []
        pos = 0
        n = len(fragment)
        while pos < n:
            sk = self._skipping
            if sk is not None:
                take = min(n - pos, sk.left)
                sk.left -= take
                sk.received += take
                sk.last = record
                pos += take
                if not sk.left:
                    out.append(sk.done(True))
                    self._skipping = None
                continue
            if self._buf or n - pos < HEADER_LEN:
                take = self._want(n - pos)
                chunk = fragment[pos : pos + take]
                self._append(chunk, buffer, offset + pos, record)
                pos += take
                done = self._complete()
                if done is not None:
                    out.append(done)
                else:
                    self._check_size(record)
                continue
            # Fast path: a whole message inside this fragment.
            length = int.from_bytes(fragment[pos + 1 : pos + 4], "big")
            if length > MAX_MESSAGE:
                self._skipping = _Skipping(
                    fragment[pos], length, 0, record, record, HEADER_LEN + length
                )
                continue
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

    def _check_size(self, record: Record) -> None:
        """Give up holding the pending message when it is too big (declared or
        in records): what arrived is dropped, the rest will be counted off."""
        buf = self._buf
        if len(buf) < HEADER_LEN:
            return
        length = int.from_bytes(buf[1:4], "big")
        if length > MAX_MESSAGE or len(self._records) > MAX_MESSAGE_RECORDS:
            msg_type, have, first = buf[0], len(buf), self._records[0]
            self.discard()
            self._skipping = _Skipping(
                msg_type, length, have, first, record, HEADER_LEN + length - have
            )

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
