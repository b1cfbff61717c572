"""Sans-IO DTLS record framing, one datagram at a time (RFC 6347 §4.1,
RFC 9146 §4, RFC 9147 §4).

TCP hands TLS a byte stream and a record may span segments; UDP hands DTLS
datagrams, and a record never crosses one (RFC 6347 §4.1.1: "each DTLS
record MUST fit within a single datagram").  A datagram may hold several
records, and its bytes that do not frame as a record are reported as
:class:`~.records.RecordNoise` on exactly those bytes; the next datagram
starts afresh.

Offsets: a direction's datagrams are numbered by where they would start if
their payloads were laid end to end, in the order they arrived.  That
concatenation is the direction's buffer (``"client"``, ``"server"``) for
every span, exactly as the TCP stream is for TLS; :attr:`datagrams` says
where each datagram starts, so that views can draw its boundaries.

Three header forms:

* DTLSPlaintext / DTLS 1.2 DTLSCiphertext (13 bytes): type, version, epoch,
  48-bit sequence number, length;
* tls12_cid (RFC 9146): the same with the connection ID before the length;
  its length is not on the wire, it was agreed in the hellos
  (:attr:`DatagramRecordReader.cid_length`);
* the DTLS 1.3 unified header (RFC 9147 §4): one byte ``001CSLEE`` (C: a
  connection ID follows, S: 16-bit rather than 8-bit sequence number, L: a
  length follows, EE: the low two bits of the epoch), then those fields; the
  sequence number bits are encrypted (§4.2.3), so :class:`Record` leaves
  ``seq`` None for the keys to fill in.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from .dtls_framing import (
    DTLS_CONTENT_TYPES,
    DTLS_VERSIONS,
    MAX_DTLS_RECORD,
    RECORD_HEADER_LEN,
    TLS12_CID,
    UNIFIED_CID,
    UNIFIED_EPOCH,
    UNIFIED_LENGTH,
    UNIFIED_SEQ16,
    is_unified,
)
from .fields import Severity
from .records import NEED_DATA, Record, RecordNoise

#: The outer type a unified-header record is shown with: its real type is
#: inside the encryption, as TLS 1.3's opaque_type (RFC 9147 §4).
UNIFIED_TYPE: Final = 23

_RFC: Final = "RFC 6347 §4.1"


class DatagramRecordReader:
    """Record framing for one direction of one DTLS association."""

    def __init__(self) -> None:
        self._queue: deque[tuple[int, bytes, float | None]] = deque()
        self._cur: tuple[int, bytes, float | None] | None = None
        self._pos = 0
        self._end = 0  # buffer offset after the last datagram received
        #: (offset, length, time) of every datagram, in arrival order
        self.datagrams: list[tuple[int, int, float | None]] = []
        #: the length of the connection IDs in the records this direction
        #: sends (set from the hellos: the peer chose it); None: not agreed
        self.cid_length: int | None = None
        self.closed = False
        self.truncated = False

    @property
    def offset(self) -> int:
        """Buffer offset of the next byte to be framed."""
        if self._cur is not None:
            return self._cur[0] + self._pos
        return self._queue[0][0] if self._queue else self._end

    @property
    def buffered(self) -> int:
        left = sum(len(d) for _, d, _ in self._queue)
        return left + (len(self._cur[1]) - self._pos if self._cur is not None else 0)

    def receive_data(self, data: bytes, time: float | None = None) -> None:
        """One datagram's payload (an empty datagram is still a datagram)."""
        self._queue.append((self._end, bytes(data), time))
        self.datagrams.append((self._end, len(data), time))
        self._end += len(data)

    def receive_gap(self, length: int, time: float | None = None) -> None:
        """Datagrams lost by the capture leave no hole in the buffer: a lost
        datagram is simply absent (DTLS itself copes with that)."""

    def close(self, *, truncated: bool = False) -> None:
        self.closed = True
        self.truncated = truncated

    def next_record(self) -> Record | RecordNoise | str:
        while True:
            if self._cur is None:
                if not self._queue:
                    return NEED_DATA
                self._cur = self._queue.popleft()
                self._pos = 0
            base, data, time = self._cur
            pos = self._pos
            if pos >= len(data):
                self._cur = None
                continue
            out = self._frame(base, data, pos, time)
            if isinstance(out, Record):
                self._pos = pos + len(out.header) + len(out.fragment)
            else:
                self._pos = len(data)  # the rest of a datagram cannot be framed
            return out

    def _frame(self, base: int, data: bytes, pos: int, time: float | None) -> Record | RecordNoise:
        b0 = data[pos]
        left = len(data) - pos
        if is_unified(b0):
            return self._unified(base, data, pos, time)
        if left < RECORD_HEADER_LEN:
            return _noise(base + pos, left, f"{left} bytes at the end of a datagram, too few "
                          "for a DTLS record header (13 bytes)")  # fmt: skip
        version = (data[pos + 1] << 8) | data[pos + 2]
        if b0 not in DTLS_CONTENT_TYPES or version not in DTLS_VERSIONS:
            return _noise(base + pos, left, "bytes that are not a DTLS record header")
        epoch = (data[pos + 3] << 8) | data[pos + 4]
        seq = int.from_bytes(data[pos + 5 : pos + 11], "big")
        hlen = RECORD_HEADER_LEN
        cid: bytes | None = None
        if b0 == TLS12_CID:
            # RFC 9146 §4: the CID sits between the sequence number and the
            # length, and only the hellos said how long it is.
            if self.cid_length is None:
                return _noise(base + pos, left, "a tls12_cid record whose connection ID "
                              "length the hellos did not show", "RFC 9146 §4")  # fmt: skip
            hlen += self.cid_length
            if left < hlen:
                return _noise(base + pos, left, "a tls12_cid record header cut short by the "
                              "end of its datagram", "RFC 9146 §4")  # fmt: skip
            cid = bytes(data[pos + 11 : pos + 11 + self.cid_length])
        length = (data[pos + hlen - 2] << 8) | data[pos + hlen - 1]
        if length > MAX_DTLS_RECORD or hlen + length > left:
            return _noise(base + pos, left, f"a DTLS record of {length} bytes that runs past "
                          "the end of its datagram (a record never crosses datagrams)")  # fmt: skip
        header = bytes(data[pos : pos + hlen])
        fragment = bytes(data[pos + hlen : pos + hlen + length])
        return Record(b0, version, base + pos, fragment, time, header,
                      epoch=epoch, seq=seq, cid=cid)  # fmt: skip

    def _unified(
        self, base: int, data: bytes, pos: int, time: float | None
    ) -> Record | RecordNoise:
        """RFC 9147 §4: the DTLSCiphertext unified header."""
        b0 = data[pos]
        left = len(data) - pos
        hlen = 1
        cid: bytes | None = None
        if b0 & UNIFIED_CID:
            if self.cid_length is None:
                return _noise(base + pos, left, "a DTLS 1.3 record with a connection ID whose "
                              "length the handshake did not show", "RFC 9147 §4")  # fmt: skip
            cid = bytes(data[pos + 1 : pos + 1 + self.cid_length])
            hlen += self.cid_length
        hlen += 2 if b0 & UNIFIED_SEQ16 else 1
        if b0 & UNIFIED_LENGTH:
            hlen += 2
        if left < hlen:
            return _noise(base + pos, left, "a DTLS 1.3 unified header cut short by the end "
                          "of its datagram", "RFC 9147 §4")  # fmt: skip
        if b0 & UNIFIED_LENGTH:
            length = (data[pos + hlen - 2] << 8) | data[pos + hlen - 1]
            if hlen + length > left:
                return _noise(base + pos, left, f"a DTLS 1.3 record of {length} bytes that runs "
                              "past the end of its datagram", "RFC 9147 §4")  # fmt: skip
        else:
            length = left - hlen  # no length: the record fills the datagram
        header = bytes(data[pos : pos + hlen])
        fragment = bytes(data[pos + hlen : pos + hlen + length])
        return Record(UNIFIED_TYPE, 0, base + pos, fragment, time, header,
                      epoch=b0 & UNIFIED_EPOCH, cid=cid, unified=True)  # fmt: skip


def _noise(offset: int, length: int, reason: str, rfc: str = _RFC) -> RecordNoise:
    return RecordNoise(offset, length, reason, b"", Severity.ERROR, rfc)


def unified_seq_span(rec: Record) -> tuple[int, int]:
    """(offset in the header, length) of a unified header's sequence number."""
    start = 1 + (len(rec.cid) if rec.cid is not None else 0)
    return start, 2 if rec.header[0] & UNIFIED_SEQ16 else 1
