"""Sans-IO TLS record framing (RFC 8446 §5.1, RFC 5246 §6.2.1, RFC 6101 §5.2.1).

Feed the bytes of one direction of a connection as they arrive
(:meth:`RecordReader.receive_data`), pull complete records out
(:meth:`RecordReader.next_record`) until it answers :data:`NEED_DATA`.  Feeding
one byte at a time gives exactly the same records as feeding everything at
once: the reader keeps no state that depends on how the bytes were chunked.

Bytes that cannot be a record header (garbage, or the middle of a record after a
capture gap) are reported as a :class:`RecordNoise` on exactly those bytes, and
the reader re-synchronises on the next plausible header.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Final, Protocol

from .fields import Diagnostic, Severity
from .framing import MAX_RECORD_LENGTH as MAX_RECORD_LENGTH
from .framing import STREAM_CONTENT_TYPES as STREAM_CONTENT_TYPES
from .framing import looks_like_sslv2_client_hello as looks_like_sslv2_client_hello
from .framing import plausible_header as plausible_header

#: Returned by :meth:`RecordReader.next_record` when more bytes are needed.
NEED_DATA: Final = "NEED_DATA"

#: Long runs of noise are reported in pieces of this size (by stream position,
#: so the pieces do not depend on how the input was chunked).
NOISE_CHUNK: Final = 65536

#: Where a record header may start: a stream content type, then major version 3
#: and a minor version up to 4 (what :func:`plausible_header` asks of the first
#: three bytes; the length is checked there).
_HEADER_START: Final = re.compile(rb"[\x14-\x18]\x03[\x00-\x04]")


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Record:
    """One record as it was on the wire.

    ``offset`` is the stream offset of the first header byte; ``fragment`` the
    bytes after the header.  ``sslv2`` marks an SSL 2.0-compatible
    CLIENT-HELLO (RFC 5246 Appendix E.2), whose header is only two bytes long.
    ``mac_length`` is set on a record under a NULL cipher, read as cleartext: its
    last ``mac_length`` bytes are the MAC, the rest is the content itself.

    DTLS records (:mod:`.dtls_records`) also carry their ``epoch`` and 48-bit
    ``seq`` (None on TLS records), their connection ``cid`` if any (RFC 9146),
    and ``unified`` for a DTLS 1.3 unified header (RFC 9147 §4), whose
    ``epoch`` holds only the two low bits the header carries and whose ``seq``
    is None: the sequence number is encrypted until the keys undo it.
    """

    content_type: int
    version: int
    offset: int
    fragment: bytes
    time: float | None
    header: bytes
    sslv2: bool = False
    mac_length: int = 0
    epoch: int | None = None
    seq: int | None = None
    cid: bytes | None = None
    unified: bool = False

    @property
    def header_length(self) -> int:
        return len(self.header)

    @property
    def length(self) -> int:
        """Length of the fragment (what the header's length field says)."""
        return len(self.fragment)

    @property
    def end(self) -> int:
        return self.offset + len(self.header) + len(self.fragment)


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class RecordNoise:
    """Bytes skipped because no record could start there."""

    offset: int
    length: int
    reason: str
    data: bytes
    severity: Severity = Severity.ERROR
    rfc: str = "RFC 8446 §5.1"

    def diagnostic(self, direction: str | None = None) -> Diagnostic:
        return Diagnostic(self.severity, self.reason, self.offset, self.length, self.rfc, direction)


def looks_like_tls(data: bytes) -> bool:
    """Does a stream starting with ``data`` look like TLS?  Used to find TLS by
    content rather than by port: a handshake record (or an SSLv2 hello)."""
    if looks_like_sslv2_client_hello(data):
        return True
    if len(data) < 5:
        return False
    length = (data[3] << 8) | data[4]
    return data[0] == 22 and plausible_header(data[0], data[1], data[2], length) and length > 0


class Framer(Protocol):
    """What the connection decoder asks of a direction's record framing: the
    TCP stream's :class:`RecordReader` or DTLS's datagram reader
    (:class:`~.dtls_records.DatagramRecordReader`)."""

    closed: bool
    truncated: bool

    @property
    def offset(self) -> int: ...

    def receive_data(self, data: bytes, time: float | None = None) -> None: ...

    def receive_gap(self, length: int, time: float | None = None) -> None: ...

    def close(self, *, truncated: bool = False) -> None: ...

    def next_record(self) -> Record | RecordNoise | str: ...


class RecordReader:
    """Record framing for one direction of one connection.

    Timestamps: each chunk of data carries the time it arrived; a record gets the
    time of the chunk that completed it (as Wireshark shows a reassembled PDU in
    the frame that completed it).
    """

    def __init__(self, *, allow_sslv2: bool = True, resync: bool = False) -> None:
        self._buf = bytearray()
        self._pos = 0  # index in _buf of the next unread byte
        self._base = 0  # stream offset of _buf[0]
        self._times: list[tuple[int, float | None]] = []  # (stream offset, time) per chunk
        self._allow_sslv2 = allow_sslv2
        self._seen_record = False
        self._pending: list[RecordNoise] = []
        self._resync = resync  # after a gap: the next bytes may be mid-record
        self._noise_from: int | None = None  # stream offset where unframed bytes began
        self.closed = False
        self.truncated = False

    # -- input ----------------------------------------------------------------
    @property
    def offset(self) -> int:
        """Stream offset of the next byte to be framed."""
        return self._base + self._pos

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    def receive_data(self, data: bytes, time: float | None = None) -> None:
        if not data:
            return
        end = self._base + len(self._buf)
        if not self._times or self._times[-1][1] != time:
            self._times.append((end, time))
        self._buf += data

    def receive_gap(self, length: int, time: float | None = None) -> None:
        """Bytes of the stream were lost.  A partial record before the gap comes
        out as noise; after it, records are framed only from a header that is
        confirmed by the header of the record after it."""
        end = self._base + len(self._buf)
        noise = self._flush_noise(self._base + self._pos)
        if noise is not None:
            self._pending.append(noise)
        if end > self._base + self._pos:
            self._pending.append(
                RecordNoise(
                    self._base + self._pos,
                    end - self._base - self._pos,
                    f"record cut short by {length} missing bytes in the capture",
                    b"",
                )
            )
        self._base = end + length
        self._buf = bytearray()
        self._pos = 0
        self._times = []
        self._resync = True

    # -- output ---------------------------------------------------------------
    def _time_at(self, stream_offset: int) -> float | None:
        times = self._times
        if not times:
            return None
        last = times[-1]
        if last[0] <= stream_offset:  # most records end in the latest chunk
            return last[1]
        i = bisect.bisect_right(times, stream_offset, key=lambda t: t[0]) - 1
        return times[max(i, 0)][1]

    def _compact(self) -> None:
        if self._pos > 65536 or self._pos == len(self._buf):
            del self._buf[: self._pos]
            self._base += self._pos
            self._pos = 0
            # keep the chunk covering the first remaining byte
            times = self._times
            i = bisect.bisect_right(times, self._base, key=lambda t: t[0]) - 1
            if i > 0:
                del times[:i]

    def next_record(self) -> Record | RecordNoise | str:
        """The next complete record, a run of noise, or :data:`NEED_DATA`.

        Noise is reported as one run from where it starts to where the next
        record starts (or the stream ends), whatever the chunking of the input.
        """
        if self._pending:
            return self._pending.pop(0)
        buf = self._buf
        while True:
            pos = self._pos
            avail = len(buf) - pos
            if self._noise_from is not None and (
                self._base + pos - self._noise_from >= NOISE_CHUNK
            ):
                return self._flush_noise(self._base + pos) or NEED_DATA
            if avail == 0:
                if self.closed:
                    return self._flush_noise(self._base + pos) or NEED_DATA
                self._compact()
                return NEED_DATA
            if (
                not self._seen_record
                and self._allow_sslv2
                and buf[pos] & 0x80
                and self._noise_from is None
            ):
                if avail < 5 and not self.closed:
                    return NEED_DATA
                if looks_like_sslv2_client_hello(bytes(buf[pos : pos + 5])):
                    length = ((buf[pos] & 0x7F) << 8) | buf[pos + 1]
                    if avail < 2 + length:
                        return NEED_DATA if not self.closed else self._flush_tail()
                    return self._emit(2, length, 22, (buf[pos + 3] << 8) | buf[pos + 4], True)
            if avail < 5:
                return NEED_DATA if not self.closed else self._flush_tail()
            b0, b1, b2 = buf[pos], buf[pos + 1], buf[pos + 2]
            length = (buf[pos + 3] << 8) | buf[pos + 4]
            ok = plausible_header(b0, b1, b2, length)
            if ok and self._resync:
                confirmed = self._confirm(pos, length)
                if confirmed is None:
                    if not self.closed:
                        return NEED_DATA
                elif not confirmed:
                    ok = False
            if ok:
                if self._noise_from is not None:
                    return self._flush_noise(self._base + pos) or NEED_DATA
                if avail < 5 + length:
                    return NEED_DATA if not self.closed else self._flush_tail()
                self._resync = False
                return self._emit(5, length, b0, (b1 << 8) | b2, False)
            # Not a record header: this byte is noise; look at the next one
            # that could start a header (found in C: a long run of noise costs
            # no Python step a byte), but stop where a chunk of noise is reported.
            if self._noise_from is None:
                self._noise_from = self._base + pos
            stop = min(len(buf) - 4, self._noise_from + NOISE_CHUNK - self._base)
            found = _HEADER_START.search(buf, pos + 1, max(stop + 2, pos + 1))
            self._pos = found.start() if found is not None else max(stop, pos + 1)

    def _flush_noise(self, upto: int) -> RecordNoise | None:
        start = self._noise_from
        self._noise_from = None
        if start is None or upto <= start:
            return None
        why = (
            "bytes after a capture gap that do not start a record"
            if self._resync
            else "bytes that are not a TLS record header"
        )
        return RecordNoise(start, upto - start, why, b"")

    def _flush_tail(self) -> RecordNoise | str:
        """Closed with an incomplete record (or noise) left: report it once."""
        noise = self._flush_noise(self._base + self._pos)
        if noise is not None:
            return noise
        pending = len(self._buf) - self._pos
        if not pending:
            return NEED_DATA
        start = self._base + self._pos
        self._pos = len(self._buf)
        if self.truncated:
            return RecordNoise(
                start,
                pending,
                f"the capture ends inside a record ({pending} bytes of it were captured)",
                b"",
                Severity.WARNING,
            )
        return RecordNoise(
            start,
            pending,
            f"the stream ends inside a record ({pending} bytes of an incomplete record)",
            b"",
        )

    def _confirm(self, pos: int, length: int) -> bool | None:
        """After a gap, accept a header only if the record after it also looks
        like one; ``None`` while those bytes have not arrived yet."""
        nxt = pos + 5 + length
        buf = self._buf
        if nxt + 5 <= len(buf):
            n_len = (buf[nxt + 3] << 8) | buf[nxt + 4]
            return plausible_header(buf[nxt], buf[nxt + 1], buf[nxt + 2], n_len)
        if self.closed and nxt >= len(buf):
            return True
        return None

    def _emit(self, hlen: int, length: int, ctype: int, version: int, sslv2: bool) -> Record:
        pos = self._pos
        header = bytes(self._buf[pos : pos + hlen])
        fragment = bytes(self._buf[pos + hlen : pos + hlen + length])
        offset = self._base + pos
        self._pos = pos + hlen + length
        self._seen_record = True
        time = self._time_at(self._base + self._pos - 1)
        if self._pos - pos > 0 and self._pos >= 65536:
            self._compact()
        return Record(ctype, version, offset, fragment, time, header, sslv2)

    def close(self, *, truncated: bool = False) -> None:
        """End of stream: what is left will come out as an incomplete record.

        ``truncated`` says the capture stopped rather than the connection: an
        incomplete record then is a limit of the capture (a warning), not a
        malformed stream (an error)."""
        self.closed = True
        self.truncated = truncated
