"""UDP datagrams and the flows they belong to, for DTLS.

Pure (no files, sockets or scapy), like :mod:`.tcp`.  :func:`parse_datagram`
finds the UDP datagram in a captured frame; :class:`UdpFlows` groups
datagrams by their address and port pairs into flows and reports them with
the capture layer's events: :class:`~.tcp.StreamOpened` (``transport`` "udp",
the sender of the first datagram as the client until content says
otherwise), one :class:`~.tcp.StreamData` per datagram (its ``offset`` is
where the datagram starts in the direction's datagrams laid end to end, the
buffer every span of a DTLS association points into), and
:class:`~.tcp.StreamClosed` when the flow has been quiet for
:data:`IDLE_SECONDS` of capture time ("idle") or the capture ends ("eof").
UDP has no connection set-up, no order and no retransmission of its own:
there is nothing to reassemble, and a lost datagram leaves no hole.
"""

from __future__ import annotations

import socket
from collections import OrderedDict
from struct import Struct
from struct import error as StructError
from typing import Final

from .packets import SKIP_FRAGMENT, ip_header
from .tcp import CaptureEvent, Endpoint, StreamClosed, StreamData, StreamOpened

__all__ = ["IDLE_SECONDS", "UDP_ID_BASE", "Datagram", "UdpFlows", "parse_datagram"]

#: ``(src_addr, src_port, dst_addr, dst_port, payload)``; addresses packed.
Datagram = tuple[bytes, int, bytes, int, bytes]

IPPROTO_UDP: Final = 17
#: A flow quiet this long (capture time) has ended: UDP never says so itself.
#: DTLS retransmission timers back off to 60 s at most (RFC 6347 §4.2.4.1).
IDLE_SECONDS: Final = 120.0
#: UDP flows are numbered from here, apart from TCP connections' numbers.
UDP_ID_BASE: Final = 1 << 40
#: Dropped flows remembered at most (their datagrams are then skipped).
MAX_DROPPED: Final = 65536

_IP4: Final = Struct("!BxHxxHxBxx4s4s")
_IP6: Final = Struct("!HxxHBx16s16s")
_UDP: Final = Struct("!HHH")
#: IPv6 extension headers stepped over (RFC 8200 §4): hop-by-hop, routing, destination.
_IP6_EXT: Final = frozenset({0, 43, 60})


def parse_datagram(linktype: int, frame: bytes) -> Datagram | int | None:
    """The UDP datagram in one captured frame, None (not UDP, cut short), or
    :data:`~.packets.SKIP_FRAGMENT` for a piece of a fragmented IP datagram
    (not reassembled here).  Never raises: a capture is untrusted data."""
    try:
        where = ip_header(linktype, frame)
        if where is None or isinstance(where, int):
            return None  # no IP, or a link type the TCP parser already reported
        version, off = where
        return _ipv4(frame, off) if version == 4 else _ipv6(frame, off)
    except (StructError, IndexError):
        return None


def _ipv4(frame: bytes, off: int) -> Datagram | int | None:
    """IPv4 (RFC 791): a whole (unfragmented) datagram of protocol 17."""
    vihl, total, frag, proto, src, dst = _IP4.unpack_from(frame, off)
    ihl = (vihl & 0x0F) * 4
    if vihl >> 4 != 4 or proto != IPPROTO_UDP or ihl < 20:
        return None
    if frag & 0x3FFF:  # More Fragments, or a fragment offset
        return SKIP_FRAGMENT
    end = off + total if total else len(frame)
    return _udp(frame, off + ihl, min(end, len(frame)), src, dst)


def _ipv6(frame: bytes, off: int) -> Datagram | int | None:
    """IPv6 (RFC 8200), over hop-by-hop, routing and destination options."""
    vtc, plen, nxt, src, dst = _IP6.unpack_from(frame, off)
    if vtc >> 12 != 6:
        return None
    end = off + 40 + plen if plen else len(frame)
    off += 40
    while nxt in _IP6_EXT:
        nxt, hlen = frame[off], frame[off + 1]
        off += (hlen + 1) * 8
    if nxt == 44 and frame[off] == IPPROTO_UDP:  # RFC 8200 §4.5: a fragment of UDP
        return SKIP_FRAGMENT
    if nxt != IPPROTO_UDP:
        return None
    return _udp(frame, off, min(end, len(frame)), src, dst)


def _udp(frame: bytes, off: int, end: int, src: bytes, dst: bytes) -> Datagram | None:
    """RFC 768: source port, destination port, length (header included)."""
    sport, dport, length = _UDP.unpack_from(frame, off)
    if length < 8:
        return None
    stop = min(off + length, end)
    return (src, sport, dst, dport, frame[off + 8 : stop])


def _text(addr: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET if len(addr) == 4 else socket.AF_INET6, addr)


class _Flow:
    __slots__ = ("conn", "keys", "last", "offsets")

    def __init__(self, conn: int, keys: tuple[tuple[bytes, int, bytes, int], ...], t: float):
        self.conn = conn
        self.keys = keys
        self.last = t
        self.offsets = [0, 0]


class UdpFlows:
    """Groups datagrams into flows by their two endpoints."""

    def __init__(self, id_base: int = UDP_ID_BASE) -> None:
        self._next = id_base
        self._by_key: dict[tuple[bytes, int, bytes, int], tuple[_Flow, int]] = {}
        #: open flows, least recently active first
        self._flows: OrderedDict[int, _Flow] = OrderedDict()
        self._dropped: OrderedDict[tuple[bytes, int, bytes, int], None] = OrderedDict()

    def owns(self, conn: int) -> bool:
        return conn in self._flows

    def feed(self, out: list[CaptureEvent], time: float, packet: int, dg: Datagram) -> None:
        """One datagram: its events (a new flow first) are appended to ``out``."""
        self.expire(out, time)
        src, sport, dst, dport, payload = dg
        key = (src, sport, dst, dport)
        hit = self._by_key.get(key)
        if not payload:  # an empty datagram: nothing to hand on, no flow opened
            if hit is not None:
                hit[0].last = time
            return
        if hit is None:
            if key in self._dropped:
                return
            flow = _Flow(self._next, (key, (dst, dport, src, sport)), time)
            self._next += 1
            self._by_key[key] = (flow, 0)
            self._by_key[(dst, dport, src, sport)] = (flow, 1)
            self._flows[flow.conn] = flow
            out.append(StreamOpened(flow.conn, Endpoint(_text(src), sport),
                                    Endpoint(_text(dst), dport), time, False, packet,
                                    transport="udp"))  # fmt: skip
            hit = (flow, 0)
        flow, d = hit
        flow.last = time
        self._flows.move_to_end(flow.conn)
        out.append(StreamData(flow.conn, "client" if d == 0 else "server", payload, time,
                              flow.offsets[d]))  # fmt: skip
        flow.offsets[d] += len(payload)

    def expire(self, out: list[CaptureEvent], now: float) -> None:
        """Close the flows idle for :data:`IDLE_SECONDS` at ``now`` (a
        datagram's time, whether or not it is fed)."""
        flows = self._flows
        while flows:
            conn, flow = next(iter(flows.items()))
            if now - flow.last < IDLE_SECONDS:
                return
            self._close(conn)
            out.append(StreamClosed(conn, flow.last, "idle"))

    def _close(self, conn: int) -> None:
        flow = self._flows.pop(conn, None)
        if flow is not None:
            for k in flow.keys:
                self._by_key.pop(k, None)

    def ignore(self, conn: int) -> None:
        """Nothing more is wanted of ``conn``: its datagrams are skipped."""
        flow = self._flows.get(conn)
        if flow is None:
            return
        self._close(conn)
        for k in flow.keys:
            self._dropped[k] = None
        while len(self._dropped) > MAX_DROPPED:
            self._dropped.popitem(last=False)

    def finish(self, time: float) -> list[CaptureEvent]:
        """The capture ended: every open flow ends with it."""
        out: list[CaptureEvent] = [StreamClosed(c, time, "eof") for c in self._flows]
        self._flows.clear()
        self._by_key.clear()
        return out
