"""DTLS handshake reassembly: fragments in any order, repeats, and gaps
(RFC 6347 §4.2.2-4.2.4, RFC 9147 §5.2-5.5).

A datagram can be lost, repeated or overtaken, and it has a size limit, so
every DTLS handshake fragment carries the whole message's ``length``, its
``message_seq`` (the message's place in the handshake) and its own
``fragment_offset`` and ``fragment_length``.  The receiver can then put a
message together from pieces that arrive in any order, spot a piece it has
already seen, and hand messages on in ``message_seq`` order whatever the
order of the datagrams.  This module does what a receiver does and keeps what
a learner wants to see: where every piece came from.

A message is handed on as a :class:`~.reassembly.RawHandshake` whose ``raw``
is the 12-byte header of the fragment at offset 0 followed by the whole body,
and whose segments say where each byte lies.  A message that repeats one
already handed on (same ``message_seq``, type and length) is handed on too,
marked as a retransmission, so that the ladder shows the repeat; the keys
layer leaves it out of the transcript.  A message overtaken by a later one
is held until its predecessors are complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from .dtls_framing import HANDSHAKE_HEADER_LEN
from .fields import Severity
from .message import Buffer, Segment
from .reassembly import RawHandshake
from .records import Record

#: how many handed-on messages are remembered to recognise repeats
_REMEMBERED = 64


@dataclass(frozen=True, slots=True)
class DtlsInfo:
    """What DTLS adds to one handshake message: its ``message_seq``, the
    fragments it was put together from (``fragment_offset``,
    ``fragment_length``, and the buffer offset of the record that carried
    each), and whether it repeats a message already received."""

    message_seq: int
    fragments: tuple[tuple[int, int, int], ...]
    retransmission: bool = False
    #: held back because a message with a lower message_seq arrived later
    reordered: bool = False


@dataclass(frozen=True, slots=True)
class FragmentProblem:
    """Bytes of a handshake record that are not a usable fragment."""

    buffer: Buffer
    offset: int
    length: int
    message: str
    severity: Severity = Severity.ERROR
    rfc: str = "RFC 6347 §4.2.2"


class _Partial:
    """One message being put together."""

    __slots__ = ("body", "fragments", "have", "header", "length", "msg_type", "pieces",
                 "records", "seq", "time")  # fmt: skip

    def __init__(self, seq: int, msg_type: int, length: int) -> None:
        self.seq = seq
        self.msg_type = msg_type
        self.length = length
        self.body = bytearray(length)
        self.have: list[tuple[int, int]] = []  # covered body ranges, sorted, disjoint
        #: (body offset, buffer, buffer offset, length) of each piece used
        self.pieces: list[tuple[int, Buffer, int, int]] = []
        self.header: tuple[bytes, Buffer, int] | None = None  # the offset-0 fragment's
        self.records: list[Record] = []
        self.fragments: list[tuple[int, int, int]] = []
        self.time: float | None = None

    def add(self, frag_off: int, data: bytes, header: bytes, buffer: Buffer, at: int,
            record: Record) -> None:  # fmt: skip
        """Take the bytes of one fragment (``at``: where its header is in
        ``buffer``) that no earlier fragment gave (the first bytes received win,
        as TCP reassembly keeps them)."""
        lo, hi = frag_off, frag_off + len(data)
        if frag_off == 0 and self.header is None:
            self.header = (header, buffer, at)
        self.fragments.append((frag_off, len(data), record.offset))
        if not self.records or self.records[-1] is not record:
            self.records.append(record)
        self.time = record.time
        cursor = lo
        for a, b in self.have:
            if b <= cursor:
                continue
            if a >= hi:
                break
            if a > cursor:
                self._take(cursor, a, data, lo, buffer, at)
            cursor = max(cursor, b)
        if cursor < hi:
            self._take(cursor, hi, data, lo, buffer, at)
        self.have = _merge(self.have, lo, hi)

    def _take(self, a: int, b: int, data: bytes, lo: int, buffer: Buffer, at: int) -> None:
        self.body[a:b] = data[a - lo : b - lo]
        self.pieces.append((a, buffer, at + HANDSHAKE_HEADER_LEN + (a - lo), b - a))

    @property
    def complete(self) -> bool:
        if self.header is None:
            return False
        return self.length == 0 or self.have == [(0, self.length)]

    def message(self, retransmission: bool, reordered: bool = False) -> RawHandshake:
        assert self.header is not None
        head, buffer, at = self.header
        segs = [Segment(0, buffer, at, HANDSHAKE_HEADER_LEN)]
        for start, buf, off, n in sorted(self.pieces, key=lambda p: p[0]):
            last = segs[-1]
            if last.buffer == buf and last.offset + last.length == off:
                segs[-1] = Segment(last.start, buf, last.offset, last.length + n)
            else:
                segs.append(Segment(HANDSHAKE_HEADER_LEN + start, buf, off, n))
        info = DtlsInfo(self.seq, tuple(self.fragments), retransmission, reordered)
        return RawHandshake(self.msg_type, head + bytes(self.body), tuple(segs),
                            tuple(self.records), self.time, info)  # fmt: skip


def transcript_form(raw: bytes, tls13: bool) -> bytes:
    """A DTLS handshake message as the Finished and CertificateVerify hashes
    take it.  DTLS 1.2 hashes the 12-byte header as if the message had come
    in one piece: fragment_offset 0, fragment_length the whole length
    (RFC 6347 §4.2.6).  DTLS 1.3 hashes the TLS 1.3 form, without
    message_seq and the fragment fields (RFC 9147 §5.2)."""
    if tls13:
        return raw[:4] + raw[HANDSHAKE_HEADER_LEN:]
    return raw[:6] + b"\0\0\0" + raw[1:4] + raw[HANDSHAKE_HEADER_LEN:]


def _merge(have: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted([*have, (lo, hi)]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class DtlsReassembler:
    """Reassembles the handshake messages of one direction of a DTLS association."""

    def __init__(self) -> None:
        self._partial: dict[int, _Partial] = {}
        self._repeats: dict[int, _Partial] = {}
        self._held: dict[int, _Partial] = {}  # complete, waiting for lower message_seqs
        #: message_seq -> (type, length, hash of the body) of the messages handed on
        self._done: dict[int, tuple[int, int, int]] = {}
        self.next_seq: int | None = None

    @property
    def pending(self) -> int:
        """Bytes of messages still incomplete or held back."""
        return sum(p.length for p in (*self._partial.values(), *self._held.values()))

    def feed(self, data: bytes, buffer: Buffer, offset: int,
             record: Record) -> list[RawHandshake | FragmentProblem]:  # fmt: skip
        """One record's handshake bytes (``offset``: where ``data[0]`` is in
        ``buffer``): every fragment in it, and the messages they complete."""
        out: list[RawHandshake | FragmentProblem] = []
        pos, n = 0, len(data)
        while pos < n:
            if n - pos < HANDSHAKE_HEADER_LEN:
                out.append(FragmentProblem(buffer, offset + pos, n - pos,
                           f"{n - pos} bytes left in the record, too few for a DTLS "
                           "handshake header (12 bytes)"))  # fmt: skip
                break
            h = data[pos : pos + HANDSHAKE_HEADER_LEN]
            msg_type, length = h[0], int.from_bytes(h[1:4], "big")
            seq = (h[4] << 8) | h[5]
            frag_off, frag_len = int.from_bytes(h[6:9], "big"), int.from_bytes(h[9:12], "big")
            end = pos + HANDSHAKE_HEADER_LEN + frag_len
            if end > n or frag_off + frag_len > length:
                why = (
                    "the fragment runs past the end of its record"
                    if end > n
                    else f"fragment_offset {frag_off} + fragment_length {frag_len} exceeds the "
                    f"message length {length}"
                )
                out.append(FragmentProblem(buffer, offset + pos, n - pos, why))
                break
            body = data[pos + HANDSHAKE_HEADER_LEN : end]
            out.extend(self._fragment(seq, msg_type, length, frag_off, body, h, buffer,
                                      offset + pos, record))  # fmt: skip
            pos = end
        return out

    def _fragment(self, seq: int, msg_type: int, length: int, frag_off: int, body: bytes,
                  header: bytes, buffer: Buffer, at: int,
                  record: Record) -> list[RawHandshake | FragmentProblem]:  # fmt: skip
        done = self._done.get(seq)
        if done is not None and done[:2] == (msg_type, length):
            # RFC 6347 §4.2.4: a peer that thinks its flight was lost sends it again.
            rep = self._repeats.get(seq)
            if rep is None or rep.msg_type != msg_type or rep.length != length:
                rep = self._repeats[seq] = _Partial(seq, msg_type, length)
            rep.add(frag_off, body, header, buffer, at, record)
            if not rep.complete:
                return []
            del self._repeats[seq]
            if hash(bytes(rep.body)) == done[2]:
                return [rep.message(True)]
            # the same numbers, other bytes: a new message (a new handshake)
            self.next_seq = seq
            return [self._hand_on(rep, False)]
        if self.next_seq is None or (not self._done and seq < self.next_seq):
            self.next_seq = seq
        part = self._partial.get(seq)
        if part is None or part.msg_type != msg_type or part.length != length:
            part = self._partial[seq] = _Partial(seq, msg_type, length)
        part.add(frag_off, body, header, buffer, at, record)
        if not part.complete:
            return []
        del self._partial[seq]
        if seq < self.next_seq:
            # a new handshake that starts its numbering again (or a stateless
            # server answering a second ClientHello): take it as it comes
            self.next_seq = seq
        if seq > self.next_seq:
            self._held[seq] = part
            return []
        out: list[RawHandshake | FragmentProblem] = [self._hand_on(part, False)]
        while self.next_seq in self._held:
            out.append(self._hand_on(self._held.pop(self.next_seq), True))
        return out

    def _hand_on(self, part: _Partial, reordered: bool) -> RawHandshake:
        self._done[part.seq] = (part.msg_type, part.length, hash(bytes(part.body)))
        if len(self._done) > _REMEMBERED:
            del self._done[next(iter(self._done))]
        self.next_seq = part.seq + 1
        return part.message(False, reordered)

    def numbered(self, seq: int) -> list[RawHandshake | FragmentProblem]:
        """Something other than a handshake message took ``seq`` (OpenSSL's
        pre-standard DTLS numbered its ChangeCipherSpec): the messages held
        behind it go on."""
        out: list[RawHandshake | FragmentProblem] = []
        if self.next_seq == seq:
            self.next_seq = seq + 1
            while self.next_seq in self._held:
                out.append(self._hand_on(self._held.pop(self.next_seq), True))
        return out

    def discard(self) -> list[RawHandshake | FragmentProblem]:
        """End of the association: messages held back are handed on (with a
        problem naming the message_seq that never came), incomplete ones
        become problems on the bytes received."""
        out: list[RawHandshake | FragmentProblem] = []
        for seq in sorted(self._held):
            missing = f"message_seq {self.next_seq}" if self.next_seq is not None else "an earlier"
            msg = self._hand_on(self._held.pop(seq), True)
            out.append(FragmentProblem(
                msg.segments[0].buffer, msg.segments[0].offset, HANDSHAKE_HEADER_LEN,
                f"handed on out of order: {missing} never arrived", Severity.WARNING,
                "RFC 6347 §4.2.2"))  # fmt: skip
            out.append(msg)
        for part in (*self._partial.values(), *self._repeats.values()):
            got = sum(b - a for a, b in part.have)
            first = part.pieces[0] if part.pieces else None
            buffer, at = (first[1], first[2]) if first else (Buffer("client"), 0)
            if part.header is not None:
                buffer, at = part.header[1], part.header[2]
            what = "a retransmission of " if part in self._repeats.values() else ""
            sev = Severity.NOTE if what else Severity.WARNING
            out.append(FragmentProblem(
                buffer, at, 0, f"{what}handshake message_seq {part.seq} ended incomplete "
                f"({got} of {part.length} bytes received)", sev))  # fmt: skip
        self._partial.clear()
        self._repeats.clear()
        return out
