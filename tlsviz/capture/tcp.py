"""TCP reassembly: turns segments into per-connection, per-direction byte streams.

Pure (no files, sockets or scapy) so that a live sniffer can feed it too.
Sequence numbers follow RFC 9293 §3.4: SYN and FIN each occupy one sequence
number, and all arithmetic is modulo 2**32.  Internally every direction keeps
an unbounded *offset* (0 = first payload byte after the SYN) so wrap-around
is handled once, in :meth:`_Half.offset`.

Overlaps keep the first-received bytes (like Wireshark's and Linux's receive
path: once bytes have been handed on they cannot be taken back, and a
buffered out-of-order segment is just as final).

Gap policy (when a hole is given up on and reported as :class:`StreamGap`):

* the connection closes (both FINs, RST) or the capture ends: every hole is
  reported, and so is a missing tail before a FIN or below what the peer ACKed
  (less one: that last ACKed number may be an uncaptured FIN);
* more than :data:`MAX_BUFFER_BYTES` bytes or :data:`MAX_BUFFER_SEGMENTS`
  segments are buffered beyond the hole, which bounds memory per direction;
* the peer has ACKed past the start of the hole - so the peer *did* receive
  those bytes and the sender will never retransmit them: only the capture lost
  them - and :data:`ACKED_HOLE_EVENTS` further events (segments in this
  direction, or further ACK advances) confirm it.  Waiting for confirmation
  tolerates captures that record an ACK slightly before the data it acks
  (multi-queue NICs reorder); only the acknowledged part of the hole is given up;
* a segment cut short by the snap length whose place in the stream is next:
  its missing tail is reported at once (the bytes were on the wire, not here).

A hole is never bridged silently: data after it is emitted only after the
:class:`StreamGap` that accounts for it.

Ends (:class:`StreamClosed` reasons): "fin" once both FINs are in and either
both streams are complete up to them or both FINs are ACKed; "rst" when the
other side resets too, at once when the other side had already sent its FIN
and everything before it, or else a wait after the RST that follows the
connection's round trip (see :data:`RST_GRACE_SECONDS`; the other side's
in-flight data is still taken meanwhile); a reset
connection ends at the time of its RST even when that is noticed only at the
end of the capture; "eof" at the
end of the capture, or when a SYN with a new ISN reuses a busy 4-tuple (the
old connection's end was not captured).  A closed 4-tuple then ignores late
packets without a SYN (and late copies of its SYNs) for
:data:`CLOSED_TUPLE_SECONDS`; a new SYN there is a new connection.
"""

from __future__ import annotations

import heapq
import struct
from bisect import bisect_right, insort
from collections import deque
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, Final, NamedTuple

__all__ = [
    "ACKED_HOLE_EVENTS",
    "CLOSED_TUPLE_SECONDS",
    "MAX_BUFFER_BYTES",
    "MAX_BUFFER_SEGMENTS",
    "RST_GRACE_MIN_SECONDS",
    "RST_GRACE_RTTS",
    "RST_GRACE_SECONDS",
    "CaptureEvent",
    "CaptureNote",
    "Endpoint",
    "Secrets",
    "StreamClosed",
    "StreamData",
    "StreamGap",
    "StreamOpened",
    "TcpReassembler",
]


class Endpoint(NamedTuple):
    """One side of a TCP connection."""

    ip: str
    port: int

    def __str__(self) -> str:
        # RFC 3986 §3.2.2: an IPv6 literal is bracketed when a port follows.
        if ":" in self.ip:
            return f"[{self.ip}]:{self.port}"
        return f"{self.ip}:{self.port}"


class StreamOpened(NamedTuple):
    """A new connection.  ``client`` sent the SYN (or received the SYN/ACK);
    without either, ``syn_seen`` is False and ``client`` is merely the sender
    of the first packet, so the consumer may swap roles by content."""

    conn: int
    client: Endpoint
    server: Endpoint
    time: float
    syn_seen: bool
    #: the number of the packet that opened it (1 = the capture's first packet,
    #: as Wireshark counts frames); 0 when the feeder does not count packets
    packet: int = 0
    #: the packet that opened it was the server's SYN/ACK (the client's SYN was
    #: not captured); with ``syn_seen`` and not this, it was the client's SYN
    syn_ack: bool = False
    #: "tcp", or "udp" for a flow of datagrams (:mod:`.udp`): each of its
    #: StreamData events is then one datagram
    transport: str = "tcp"

    @property
    def by_syn(self) -> bool:
        """Opened by the client's SYN itself."""
        return self.syn_seen and not self.syn_ack


class StreamData(NamedTuple):
    """In-order, de-duplicated payload; ``offset`` is the position of
    ``data[0]`` in that direction's stream."""

    conn: int
    direction: str
    data: bytes
    time: float
    offset: int


class StreamGap(NamedTuple):
    """Bytes that never arrived; the stream continues at ``offset + length``."""

    conn: int
    direction: str
    offset: int
    length: int
    time: float


class StreamClosed(NamedTuple):
    """The end of a connection: ``reason`` is "fin", "rst" or "eof"."""

    conn: int
    time: float
    reason: str


class Secrets(NamedTuple):
    """A pcapng Decryption Secrets Block; ``kind`` 0x544c534b is a TLS key log.
    ``time`` is None because the block carries no timestamp."""

    kind: int
    data: bytes
    time: float | None


class CaptureNote(NamedTuple):
    """Something the user should know about the capture, as one plain sentence."""

    message: str


CaptureEvent = StreamOpened | StreamData | StreamGap | StreamClosed | Secrets | CaptureNote

# TCP header flags, RFC 9293 §3.1.
FIN: Final = 0x01
SYN: Final = 0x02
RST: Final = 0x04
ACK: Final = 0x10

MAX_BUFFER_BYTES: Final = 1 << 20
MAX_BUFFER_SEGMENTS: Final = 1024
ACKED_HOLE_EVENTS: Final = 2
#: How long a closed 4-tuple swallows late packets that carry no SYN: twice
#: the Maximum Segment Lifetime of RFC 9293 §3.4.2 (MSL = 2 minutes).
CLOSED_TUPLE_SECONDS: Final = 240.0
MAX_CLOSED: Final = 65536  # closed connections remembered at most
#: After a RST, how long (capture time) the other side's in-flight data is
#: still taken: it was sent before the RST reached it, so it is part of the
#: conversation (tshark's "follow" shows it too).  That data reaches the
#: capture at most about one round trip after the RST: a connection whose
#: handshake was captured waits RST_GRACE_RTTS of its round-trip times
#: (SYN to the ACK of the SYN/ACK, as the capture saw them), at least
#: RST_GRACE_MIN_SECONDS and at most RST_GRACE_SECONDS, the wait of one
#: whose round trip is unknown.  (A busy capture has thousands of reset
#: connections a second, each holding its decoded state until it closes.)
RST_GRACE_SECONDS: Final = 1.0
RST_GRACE_MIN_SECONDS: Final = 0.05
RST_GRACE_RTTS: Final = 4

_MASK: Final = 0xFFFFFFFF
_HALF: Final = 0x80000000
_DIRS: Final = ("client", "server")
_start = itemgetter(0)

# An IP as the parser hands it over: packed bytes (fast path) or text.
Addr = bytes | str
_Key = tuple[Addr, int, Addr, int]

#: A closed connection's tombstone: when it closed, then the initial sequence
#: number of the side whose address sorts first and the other side's (-1:
#: never seen).  One packed value under one key for both directions: a busy
#: capture closes thousands of connections within CLOSED_TUPLE_SECONDS, and
#: a tuple of tuples per direction cost 850 bytes a connection.
_TOMB = struct.Struct("<dqq")


def _tomb_key(key: _Key) -> tuple[bytes, bool]:
    """The 4-tuple's key in the closed table (the same for both directions),
    and whether ``key``'s sender is the side that sorts first."""
    a, b = _side(key[0], key[1]), _side(key[2], key[3])
    return (a + b, True) if a <= b else (b + a, False)


def _side(addr: Addr, port: int) -> bytes:
    """One side of a tomb key: the address's length (+128 for a text
    address), the address, the port."""
    if isinstance(addr, bytes):
        return bytes((len(addr),)) + addr + port.to_bytes(2, "big")
    raw = addr.encode()
    return bytes((128 | len(raw),)) + raw + port.to_bytes(2, "big")


def _untomb(tomb_key: bytes) -> _Key:
    """The 4-tuple (sorted side first) of a :func:`_tomb_key`."""
    sides: list[Any] = []
    pos = 0
    for _ in range(2):
        n = tomb_key[pos] & 127
        raw = tomb_key[pos + 1 : pos + 1 + n]
        addr: Addr = raw.decode() if tomb_key[pos] & 128 else raw
        sides += (addr, int.from_bytes(tomb_key[pos + 1 + n : pos + 3 + n], "big"))
        pos += 3 + n
    return (sides[0], sides[1], sides[2], sides[3])


class _Half:
    """One direction's reassembly state."""

    __slots__ = (
        "acked",
        "base",
        "fin",
        "hole_acked",
        "last_ack",
        "next",
        "pend",
        "pend_bytes",
        "raw_ack",
    )

    def __init__(self) -> None:
        self.base = -1  # sequence number of offset 0, -1 until known
        self.next = 0  # offset of the next byte to emit
        self.fin = -1  # offset of the FIN, -1 if none seen
        self.acked = -1  # offset the peer has acknowledged up to
        self.raw_ack = -1  # a peer ACK seen before ``base`` was known
        self.last_ack = -1  # the peer's last raw ACK number, to skip repeats
        self.hole_acked = 0  # confirmations that an ACKed hole is lost
        self.pend: list[tuple[int, bytes]] = []  # sorted, non-overlapping
        self.pend_bytes = 0

    def offset(self, seq: int) -> int:
        """Map a 32-bit sequence number to the offset nearest to ``next``."""
        nxt = self.next
        return nxt + ((((seq - self.base) & _MASK) - nxt + _HALF) & _MASK) - _HALF


class _Conn:
    __slots__ = (
        "awaiting",
        "capped",
        "fins",
        "halves",
        "id",
        "ignored",
        "isn",
        "keys",
        "packet",
        "reset",
        "reset_at",
        "rtt",
        "syn_at",
    )

    def __init__(self, cid: int, keys: tuple[_Key, _Key], packet: int = 0) -> None:
        self.id = cid
        self.packet = packet  # the packet that opened it (StreamOpened.packet)
        self.capped = 0  # bit d set once direction d's buffer limit was reached
        self.keys = keys  # (client->server, server->client)
        self.halves = (_Half(), _Half())
        self.ignored = False
        self.fins = 0  # bit d set once direction d sent a FIN
        self.reset = False  # a RST was seen: closing after its grace()
        self.reset_at = 0.0  # ...and when
        self.isn = [-1, -1]  # ISNs announced by SYNs, to recognise late copies
        self.syn_at = -1.0  # when the SYN (without ACK) was seen
        self.awaiting = -1  # the direction whose next packet ends the round trip
        self.rtt = -1.0  # SYN to the ACK of the SYN/ACK; -1 while unknown

    def grace(self) -> float:
        """How long after a RST the other side's in-flight data is taken."""
        if self.rtt < 0:
            return RST_GRACE_SECONDS
        return min(RST_GRACE_SECONDS, max(RST_GRACE_MIN_SECONDS, RST_GRACE_RTTS * self.rtt))


def _ip_text(addr: Addr) -> str:
    if isinstance(addr, str):
        return addr
    import socket  # once per connection; keeps ``import tlsviz.capture`` light

    return socket.inet_ntop(socket.AF_INET if len(addr) == 4 else socket.AF_INET6, addr)


class TcpReassembler:
    """Reassembles TCP connections from segments fed in capture order.

    Memory grows with the number of open connections (plus bounded
    out-of-order buffers), never with the amount of traffic: a connection's
    state is freed when it closes.
    """

    def __init__(self) -> None:
        self._flows: dict[_Key, tuple[_Conn, int]] = {}
        self._closed: dict[bytes, bytes] = {}  # _tomb_key -> _TOMB
        self._expiry: deque[tuple[float, bytes]] = deque()
        self._conns: dict[int, _Conn] = {}
        # reset connections by when their grace ends: (deadline, id, connection)
        self._resets: list[tuple[float, int, _Conn]] = []
        self._next_id = 1
        #: set by the feeder to the current packet's number (see StreamOpened.packet)
        self.packet = 0

    # -- public API ----------------------------------------------------------

    def feed(
        self,
        time: float,
        src_ip: Addr,
        src_port: int,
        dst_ip: Addr,
        dst_port: int,
        seq: int,
        ack: int,
        flags: int,
        payload: bytes,
        wire_len: int | None = None,
    ) -> list[CaptureEvent]:
        """Process one segment.  IPs may be text or packed bytes (4 or 16).
        ``wire_len`` is the payload length on the wire if the capture holds
        fewer bytes than that (snap length)."""
        out: list[CaptureEvent] = []
        self.feed_into(
            out,
            time,
            src_ip,
            src_port,
            dst_ip,
            dst_port,
            seq,
            ack,
            flags,
            payload,
            len(payload) if wire_len is None else wire_len,
        )
        return out

    def closed_tuples(self) -> Iterator[tuple[_Key, float]]:
        """The 4-tuples of the connections closed lately (both directions of
        each), with when they closed."""
        for tomb_key, tomb in self._closed.items():
            t = _TOMB.unpack(tomb)[0]
            src, sport, dst, dport = _untomb(tomb_key)
            yield (src, sport, dst, dport), t
            yield (dst, dport, src, sport), t

    def finish(self, time: float) -> list[CaptureEvent]:
        """Flush every open connection and close it with reason "eof"."""
        out: list[CaptureEvent] = []
        for conn in list(self._conns.values()):
            self._close(out, conn, time, "eof")
        self._closed.clear()
        self._expiry.clear()
        self._resets.clear()
        return out

    def ignore(self, conn: int) -> None:
        """Stop buffering and emitting anything for ``conn`` (not TLS, say)."""
        c = self._conns.get(conn)
        if c is not None:
            c.ignored = True
            for h in c.halves:
                h.pend = []
                h.pend_bytes = 0

    def forget(self, conn: int, time: float, *, remember: bool = True) -> None:
        """Drop all state of ``conn`` now, emitting nothing, as if it had
        closed: memory then follows the connections still being read, even
        when the consumer stops reading connections long before they end.
        With ``remember`` its tuple is kept for a while, so that its late
        packets do not open a new connection (the caller may filter those
        itself, as the memory-mapped reader does)."""
        c = self._conns.get(conn)
        if c is None:
            return
        c.ignored = True
        if remember:
            self._close([], c, time, "eof")
            return
        del self._conns[conn]
        for key in c.keys:
            entry = self._flows.get(key)
            if entry is not None and entry[0] is c:
                del self._flows[key]

    def in_order(self, key: _Key, seq: int, n: int) -> tuple[int, int, int] | None:
        """The common case, decided without events: a data segment (no
        SYN/FIN/RST) that continues its direction exactly, nothing buffered.
        Returns (connection, direction index, stream offset) and advances the
        stream; None when :meth:`feed_into` must handle the segment."""
        entry = self._flows.get(key)
        if entry is None:
            return None
        conn, d = entry
        half = conn.halves[d]
        if conn.ignored or half.base < 0 or half.pend or self._resets or conn.awaiting == d:
            return None
        nxt = half.next
        if ((seq - half.base) & _MASK) != nxt & _MASK:
            return None
        half.next = nxt + n
        return conn.id, d, nxt

    @property
    def deadlines(self) -> Sequence[tuple[Any, ...]]:
        """The reset connections' heap by deadline, for a reader that skips
        packets: the time of a skipped packet past the first deadline is given
        to :meth:`tick` (the list stays the same object while reading)."""
        return self._resets

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    # -- the per-packet path -------------------------------------------------

    def tick(self, out: list[CaptureEvent], time: float) -> None:
        """The capture's clock moved on (a packet this reassembler is not
        given): reset connections whose grace period is over are closed."""
        if self._resets and time > self._resets[0][0]:
            self._expire_resets(out, time)

    def feed_into(
        self,
        out: list[CaptureEvent],
        time: float,
        src: Addr,
        sport: int,
        dst: Addr,
        dport: int,
        seq: int,
        ack: int,
        flags: int,
        payload: bytes,
        wire_len: int,
    ) -> None:
        """Like :meth:`feed` but appends to ``out`` (no list per packet)."""
        if self._resets and time > self._resets[0][0]:
            self._expire_resets(out, time)
        entry = self._flows.get((src, sport, dst, dport))
        if entry is None:
            entry = self._open(out, time, (src, sport, dst, dport), seq, flags)
            if entry is None:
                return
        conn, d = entry
        half = conn.halves[d]
        if conn.awaiting == d:  # the SYN/ACK's receiver answers: a round trip
            conn.awaiting = -1
            conn.rtt = time - conn.syn_at
        if flags & (SYN | RST) or half.base < 0:
            off = self._control(out, conn, d, time, seq, flags)
            if off is None:
                if not flags & RST and self._flows.get((src, sport, dst, dport)) is None:
                    # A SYN closed the old connection: start the new one.
                    self.feed_into(
                        out, time, src, sport, dst, dport, seq, ack, flags, payload, wire_len
                    )
                return
        else:
            # Inline _Half.offset: this is the per-packet hot path.
            nxt = half.next
            off = nxt + ((((seq - half.base) & _MASK) - nxt + _HALF) & _MASK) - _HALF
        if flags & ACK:
            peer = conn.halves[1 - d]
            if ack != peer.last_ack:  # most segments repeat the previous ACK
                peer.last_ack = ack
                if peer.base < 0:
                    peer.raw_ack = ack
                else:
                    a = peer.offset(ack)
                    if a > peer.acked:
                        peer.acked = a
                        if peer.pend and a > peer.next and not conn.ignored:
                            self._confirm_acked_hole(out, conn, 1 - d, peer, time)
        if conn.ignored:
            if flags & FIN:
                conn.fins |= 1 << d
                if conn.fins == 3:
                    self._close(out, conn, time, "fin")
            return
        n = len(payload)
        if n or wire_len:
            end = off + n
            if n:
                nxt = half.next
                if off == nxt and not half.pend:
                    # Fast path: the next bytes, in order, nothing buffered.
                    out.append(StreamData(conn.id, _DIRS[d], payload, time, off))
                    half.next = end
                elif end > nxt:
                    if off < nxt:
                        _insert(half, nxt, payload[nxt - off :])
                    else:
                        _insert(half, off, payload)
                    if half.pend[0][0] <= half.next:
                        self._drain(out, conn, d, half, time)
                    else:
                        self._hole_grew(out, conn, d, half, time)
            if wire_len > n and half.next == end:
                # Snap length cut this segment: its tail is gone for good.
                self._gap(out, conn, d, half, off + wire_len, time)
                self._drain(out, conn, d, half, time)
        if flags & FIN:
            if half.fin < 0:
                half.fin = off + wire_len
                conn.fins |= 1 << d
            if conn.fins == 3:
                self._maybe_closed(out, conn, time)
        elif conn.fins == 3:
            self._maybe_closed(out, conn, time)

    def _control(
        self, out: list[CaptureEvent], conn: _Conn, d: int, time: float, seq: int, flags: int
    ) -> int | None:
        """RST, SYN, and a direction's first segment: returns the segment's
        offset, or None when the segment ends the connection."""
        half = conn.halves[d]
        if flags & RST:
            other = conn.halves[1 - d]
            if conn.reset:
                self._close(out, conn, time, "rst")  # the other side resets too
            elif 0 <= other.fin <= other.next and not other.pend:
                # The other side had sent all it ever will (its FIN, and every
                # byte before it is in): nothing of it can still be in flight.
                self._close(out, conn, time, "rst")
            else:
                # The sender is gone: its further packets are ignored (as for
                # a closed connection), but the other side's in-flight data
                # is still taken for a moment.
                conn.reset = True
                conn.reset_at = time
                key = conn.keys[d]
                del self._flows[key]
                self._bury(key, time, conn.isn[d], conn.isn[1 - d])
                heapq.heappush(self._resets, (time + conn.grace(), conn.id, conn))
            return None
        if flags & SYN:
            if not flags & ACK:
                conn.syn_at = time
            elif conn.syn_at >= 0:
                conn.awaiting = 1 - d
            isn = seq & _MASK
            if conn.isn[d] != isn:
                if not flags & ACK and (conn.isn[d] >= 0 or _has_data(conn)):
                    # A fresh SYN on a busy tuple: the old connection is over
                    # though its end was not captured (port reuse).
                    self._close(out, conn, time, "eof")
                    return None
                conn.isn[d] = isn
                if not (half.next or half.pend):
                    _rebase(half, seq + 1)
                    conn.fins &= ~(1 << d)
            return half.offset(seq + 1)
        # No SYN: offset 0 is the first sequence number seen, unless the peer
        # already ACKed further (then this is old data, e.g. a keep-alive
        # probe at ACK-1).
        raw = half.raw_ack
        _rebase(half, raw if raw >= 0 and 0 < ((raw - seq) & _MASK) < _HALF else seq)
        return half.offset(seq)

    # -- helpers -------------------------------------------------------------

    def _open(
        self, out: list[CaptureEvent], time: float, key: _Key, seq: int, flags: int
    ) -> tuple[_Conn, int] | None:
        """Start tracking a connection on first sight of its 4-tuple."""
        if flags & RST:
            return None  # a reset of something we never saw
        src, sport, dst, dport = key
        rev = (dst, dport, src, sport)
        if self._closed:
            tomb_key, first = _tomb_key(key)
            tomb = self._closed.get(tomb_key)
            if tomb is not None:
                t0, isn_a, isn_b = _TOMB.unpack(tomb)
                isn_fwd = isn_a if first else isn_b
                if time - t0 < CLOSED_TUPLE_SECONDS and (not flags & SYN or isn_fwd == seq & _MASK):
                    return None  # a late packet, or late copy of the SYN, of the closed connection
                del self._closed[tomb_key]
        # The SYN's sender is the client; a SYN/ACK's receiver is.
        swap = flags & (SYN | ACK) == SYN | ACK
        cid = self._next_id
        self._next_id += 1
        if swap:
            conn = _Conn(cid, (rev, key), self.packet)
            client, server = Endpoint(_ip_text(dst), dport), Endpoint(_ip_text(src), sport)
        else:
            conn = _Conn(cid, (key, rev), self.packet)
            client, server = Endpoint(_ip_text(src), sport), Endpoint(_ip_text(dst), dport)
        d = 1 if swap else 0
        entry = (conn, d)
        self._flows[key] = entry
        self._flows[rev] = (conn, 1 - d)
        self._conns[cid] = conn
        out.append(StreamOpened(cid, client, server, time, bool(flags & SYN), self.packet, swap))
        return entry

    def _drain(self, out: list[CaptureEvent], conn: _Conn, d: int, half: _Half, t: float) -> None:
        """Emit buffered bytes that have become contiguous with ``next``."""
        pend = half.pend
        start = half.next
        chunks: list[bytes] = []
        i = 0
        while i < len(pend) and pend[i][0] <= half.next:
            s, data = pend[i]
            e = s + len(data)
            if e > half.next:
                chunks.append(data[half.next - s :] if s < half.next else data)
                half.next = e
            half.pend_bytes -= len(data)
            i += 1
        if i:
            del pend[:i]
        if not pend or half.acked <= half.next:
            half.hole_acked = 0
        if chunks:
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            out.append(StreamData(conn.id, _DIRS[d], data, t, start))

    def _gap(
        self, out: list[CaptureEvent], conn: _Conn, d: int, half: _Half, upto: int, t: float
    ) -> None:
        if upto > half.next:
            out.append(StreamGap(conn.id, _DIRS[d], half.next, upto - half.next, t))
            half.next = upto

    def _skip_hole(
        self, out: list[CaptureEvent], conn: _Conn, d: int, half: _Half, upto: int, t: float
    ) -> None:
        """Give up on the hole before the first buffered segment (up to ``upto``)."""
        self._gap(out, conn, d, half, min(half.pend[0][0], upto), t)
        self._drain(out, conn, d, half, t)

    def _hole_grew(
        self, out: list[CaptureEvent], conn: _Conn, d: int, half: _Half, t: float
    ) -> None:
        """A segment was buffered behind a hole: apply the size and ACK rules."""
        if half.pend_bytes > MAX_BUFFER_BYTES or len(half.pend) > MAX_BUFFER_SEGMENTS:
            if not conn.capped & (1 << d):
                conn.capped |= 1 << d
                where = f" opened by packet {conn.packet}" if conn.packet else ""
                out.append(
                    CaptureNote(
                        f"In the connection{where}, more than {MAX_BUFFER_BYTES} bytes "
                        f"or {MAX_BUFFER_SEGMENTS} segments of the {_DIRS[d]}'s data arrived "
                        "after a hole in its stream; tlsviz stopped waiting for the missing "
                        "bytes, which are reported as gaps."
                    )
                )
            while half.pend and (
                half.pend_bytes > MAX_BUFFER_BYTES or len(half.pend) > MAX_BUFFER_SEGMENTS
            ):
                self._skip_hole(out, conn, d, half, half.pend[0][0], t)
        if half.pend and half.acked > half.next:
            self._confirm_acked_hole(out, conn, d, half, t)

    def _confirm_acked_hole(
        self, out: list[CaptureEvent], conn: _Conn, d: int, half: _Half, t: float
    ) -> None:
        half.hole_acked += 1
        if half.hole_acked >= ACKED_HOLE_EVENTS:
            # Only the acknowledged part is given up: the rest may still come.
            while half.pend and half.acked > half.next:
                self._skip_hole(out, conn, d, half, half.acked, t)
            half.hole_acked = 0

    def _expire_resets(self, out: list[CaptureEvent], time: float) -> None:
        """Close reset connections whose grace period has passed."""
        resets = self._resets
        while resets and time > resets[0][0]:
            conn = heapq.heappop(resets)[2]
            self._close(out, conn, conn.reset_at, "rst")

    def _maybe_closed(self, out: list[CaptureEvent], conn: _Conn, t: float) -> None:
        """Close once both FINs are in and either both streams are complete
        up to them or both FINs have been ACKed (then the holes are lost)."""
        c, s = conn.halves
        if c.fin < 0 or s.fin < 0:
            return
        if (c.next >= c.fin and s.next >= s.fin) or (c.acked > c.fin and s.acked > s.fin):
            self._close(out, conn, t, "fin")

    def _close(self, out: list[CaptureEvent], conn: _Conn, t: float, reason: str) -> None:
        """Flush, report what is missing, emit StreamClosed, free the state."""
        if self._conns.get(conn.id) is not conn:
            return  # already closed (say, by both RSTs before its grace ran out)
        if conn.reset:
            if reason == "eof":
                # it ended when it was reset, however late the end is noticed
                # (the grace period runs on other connections' packets)
                t = conn.reset_at
            reason = "rst"
        if not conn.ignored:
            for d, half in enumerate(conn.halves):
                while half.pend:
                    self._skip_hole(out, conn, d, half, half.pend[0][0], t)
                # Without a FIN, the last number the peer ACKed may be an
                # uncaptured FIN rather than data: leave it out.
                end = half.fin if half.fin >= 0 else half.acked - 1
                self._gap(out, conn, d, half, end, t)
            out.append(StreamClosed(conn.id, t, reason))
        del self._conns[conn.id]
        for key in conn.keys:
            entry = self._flows.get(key)
            if entry is not None and entry[0] is conn:
                del self._flows[key]
        tomb_key = self._bury(conn.keys[0], t, conn.isn[0], conn.isn[1])
        # Forget tuples closed long ago.  A deque, not the dict's own order:
        # next(iter(dict)) after many deletions from the front is O(n).
        closed, expiry = self._closed, self._expiry
        expiry.append((t, tomb_key))
        while expiry and (t - expiry[0][0] >= CLOSED_TUPLE_SECONDS or len(expiry) > MAX_CLOSED):
            t0, old = expiry.popleft()
            tomb = closed.get(old)
            if tomb is not None and _TOMB.unpack(tomb)[0] == t0:
                del closed[old]

    def _bury(self, key: _Key, t: float, isn_fwd: int, isn_rev: int) -> bytes:
        """Remember that ``key``'s connection closed at ``t`` (its sender's
        initial sequence number ``isn_fwd``, the peer's ``isn_rev``)."""
        tomb_key, first = _tomb_key(key)
        self._closed[tomb_key] = (
            _TOMB.pack(t, isn_fwd, isn_rev) if first else _TOMB.pack(t, isn_rev, isn_fwd)
        )
        return tomb_key


def _has_data(conn: _Conn) -> bool:
    return any(h.next or h.pend or h.fin >= 0 for h in conn.halves)


def _rebase(half: _Half, base: int) -> None:
    """(Re)start a direction at sequence number ``base`` (offset 0)."""
    half.base = base & _MASK
    half.next = 0
    half.fin = -1
    half.acked = -1
    half.hole_acked = 0
    half.last_ack = -1
    half.pend = []
    half.pend_bytes = 0
    if half.raw_ack >= 0:
        a = half.offset(half.raw_ack)
        if a > 0:
            half.acked = a
        half.raw_ack = -1


def _insert(half: _Half, s: int, data: bytes) -> None:
    """Buffer ``data`` at offset ``s``, keeping bytes already buffered where
    they overlap (first received wins), so ``pend`` stays non-overlapping."""
    pend = half.pend
    e = s + len(data)
    if not pend:
        pend.append((s, data))
        half.pend_bytes += len(data)
        return
    s0 = s
    i = bisect_right(pend, s, key=_start)
    if i:
        ps, pd = pend[i - 1]
        pe = ps + len(pd)
        if pe >= e:
            return
        if pe > s:
            s = pe
    pieces: list[tuple[int, bytes]] = []
    while i < len(pend) and s < e:
        ns, nd = pend[i]
        if ns >= e:
            break
        if ns > s:
            pieces.append((s, data[s - s0 : ns - s0]))
        s = max(s, ns + len(nd))
        i += 1
    if s < e:
        pieces.append((s, data[s - s0 :] if s > s0 else data))
    for piece in pieces:
        insort(pend, piece, key=_start)
        half.pend_bytes += len(piece[1])
