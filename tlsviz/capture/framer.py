"""TCP/IP framing of a recorded conversation: the packets a capture would hold.

Pure (stdlib only, no clock, no sockets).  A live recording knows what each
side *sent* (``(direction, bytes, time)`` chunks), not the packets the kernel
put on the wire, so to store it in a pcapng file that Wireshark reads like any
other capture we frame those bytes the way a TCP stack would:

* a three-way handshake (SYN, SYN/ACK, ACK), each SYN carrying an MSS option;
* data cut into segments of at most MSS bytes (``mtu`` less the IP and TCP
  headers), ACK on every segment, PSH on the last segment of each chunk;
* sequence and acknowledgement numbers that follow RFC 9293 §3.4 (SYN and FIN
  each take one sequence number), starting at random initial sequence numbers;
* a pure ACK from the receiver whenever the sender would otherwise fill the
  receiver's 65535-byte window (no window scaling), so that tshark's TCP
  analysis never reports a full window;
* FIN/ACK from each side when it closes, and the last ACK; or a RST.

Packets are raw IP (pcap link type ``LINKTYPE_RAW``, 101): IPv4 (RFC 791, DF
set, TTL 64) or IPv6 (RFC 8200, hop limit 64), with valid header and TCP
checksums (RFC 1071, RFC 9293 §3.1, RFC 8200 §8.1).  Raw IP needs no made-up
MAC addresses and keeps every frame honest about what was recorded.
"""

from __future__ import annotations

import ipaddress
import random
from struct import Struct
from typing import Final

__all__ = ["LINKTYPE_RAW", "Packet", "TcpFramer", "checksum"]

#: pcap/pcapng link type of raw IPv4/IPv6 packets (https://www.tcpdump.org/linktypes.html).
LINKTYPE_RAW: Final = 101

#: ``(time, packet bytes)``: one frame of the capture.
Packet = tuple[float, bytes]

# TCP flags, RFC 9293 §3.1.
FIN: Final = 0x01
SYN: Final = 0x02
RST: Final = 0x04
PSH: Final = 0x08
ACK: Final = 0x10

WINDOW: Final = 65535
_MASK: Final = 0xFFFFFFFF
_DIRS: Final = ("client", "server")

_IP4: Final = Struct("!BBHHHBBH4s4s")
_IP6: Final = Struct("!IHBB16s16s")
_TCP: Final = Struct("!HHIIBBHHH")
_PSEUDO4: Final = Struct("!4s4sBBH")
_PSEUDO6: Final = Struct("!16s16sI3xB")
_MSS_OPTION: Final = Struct("!BBH")  # kind 2, length 4, MSS (RFC 9293 §3.2)


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): one's complement of the one's complement
    sum of 16-bit words.  Because 2**16 ≡ 1 (mod 0xFFFF), that sum is the big
    number the bytes spell, taken modulo 0xFFFF (0xFFFF itself when it is a
    non-zero multiple): one big-integer operation instead of a Python loop."""
    if len(data) % 2:
        data += b"\x00"
    n = int.from_bytes(data, "big")
    if n == 0:
        return 0xFFFF
    s = n % 0xFFFF or 0xFFFF
    return ~s & 0xFFFF


def _direction(direction: str) -> int:
    try:
        return _DIRS.index(direction)
    except ValueError:
        raise ValueError(f"direction must be 'client' or 'server', not {direction!r}") from None


class TcpFramer:
    """Frames one TCP connection's conversation as IP packets.

    ``client`` and ``server`` are ``(ip, port)`` (IPv4 or IPv6, both the same
    family).  Call :meth:`open`, then :meth:`send` for each chunk in the order
    it happened, then :meth:`fin` for each side that closed (or :meth:`reset`);
    each returns the packets for that event.  ``isn`` fixes the initial
    sequence numbers (tests); by default they are random, as RFC 9293 §3.4.1
    wants.
    """

    def __init__(
        self,
        client: tuple[str, int],
        server: tuple[str, int],
        *,
        mtu: int = 1500,
        isn: tuple[int, int] | None = None,
    ) -> None:
        ips = (ipaddress.ip_address(client[0]), ipaddress.ip_address(server[0]))
        if ips[0].version != ips[1].version:
            raise ValueError("client and server must both be IPv4 or both IPv6")
        self._v6 = ips[0].version == 6
        self._addr = (ips[0].packed, ips[1].packed)
        self._port = (client[1], server[1])
        self.mss = mtu - (60 if self._v6 else 40)
        if self.mss < 64:
            raise ValueError(f"an MTU of {mtu} leaves no room for TCP data")
        rnd = random.SystemRandom()
        # fixed sequence numbers make fixed IP ids too: the same packets every run
        ip_id = [isn[0] & 0xFFFF, isn[1] & 0xFFFF] if isn is not None else None
        if isn is None:
            isn = (rnd.getrandbits(32), rnd.getrandbits(32))
        self._next = [isn[0] & _MASK, isn[1] & _MASK]  # next sequence number to send
        self._acked = [self._next[0], self._next[1]]  # what the peer last ACKed of it
        self._ip_id = ip_id or [rnd.getrandbits(16), rnd.getrandbits(16)]
        self._opened = False
        self._fin = [False, False]
        self._closed = False

    # -- events ------------------------------------------------------------------

    def open(self, time: float, established: float | None = None) -> list[Packet]:
        """SYN at ``time``; SYN/ACK and ACK at ``established`` (default: ``time``)."""
        if self._opened:
            raise ValueError("the connection is already open")
        self._opened = True
        t1 = time if established is None else established
        mss = _MSS_OPTION.pack(2, 4, self.mss)
        c, s = self._next
        out = [
            (time, self._segment(0, c, 0, SYN, b"", mss)),
            (t1, self._segment(1, s, (c + 1) & _MASK, SYN | ACK, b"", mss)),
        ]
        self._next = [(c + 1) & _MASK, (s + 1) & _MASK]
        self._acked = list(self._next)
        out.append((t1, self._ack(0)))
        return out

    def send(self, direction: str, data: bytes, time: float) -> list[Packet]:
        """``data`` sent by ``direction`` at ``time``: MSS-sized segments."""
        d = _direction(direction)
        self._check_open(d)
        out: list[Packet] = []
        view = memoryview(data)
        for start in range(0, len(data), self.mss):
            piece = bytes(view[start : start + self.mss])
            if ((self._next[d] - self._acked[d]) & _MASK) + len(piece) >= WINDOW:
                # The receiver's kernel would have ACKed long before: say so.
                out.append((time, self._ack(1 - d)))
            flags = ACK | (PSH if start + self.mss >= len(data) else 0)
            out.append((time, self._data(d, flags, piece)))
        return out

    def fin(self, direction: str, time: float) -> list[Packet]:
        """``direction`` closes its side (FIN/ACK); after the second FIN, the
        side that closed first sends the last ACK."""
        d = _direction(direction)
        self._check_open(d)
        out = [(time, self._data(d, FIN | ACK, b""))]
        self._fin[d] = True
        if self._fin[1 - d]:
            out.append((time, self._ack(1 - d)))
            self._closed = True
        return out

    def reset(self, direction: str, time: float) -> list[Packet]:
        """``direction`` aborts the connection (RST/ACK, RFC 9293 §3.5.2)."""
        d = _direction(direction)
        if not self._opened or self._closed:
            raise ValueError("the connection is not open")
        self._closed = True
        return [(time, self._segment(d, self._next[d], self._next[1 - d], RST | ACK, b""))]

    def close(self, time: float, first: str = "client") -> list[Packet]:
        """Both sides close, ``first`` before the other (whichever have not yet)."""
        out: list[Packet] = []
        f = _direction(first)
        for d in (f, 1 - f):
            if not self._fin[d] and not self._closed:
                out += self.fin(_DIRS[d], time)
        return out

    @property
    def closed(self) -> bool:
        return self._closed

    # -- packets -----------------------------------------------------------------

    def _check_open(self, d: int) -> None:
        if not self._opened:
            raise ValueError("open() the connection first")
        if self._closed or self._fin[d]:
            raise ValueError(f"the {_DIRS[d]} has already closed its side")

    def _ack(self, d: int) -> bytes:
        """A pure ACK from ``d`` for everything the peer sent so far."""
        return self._segment(d, self._next[d], self._next[1 - d], ACK, b"")

    def _data(self, d: int, flags: int, payload: bytes) -> bytes:
        """A segment from ``d`` at its next sequence number, ACKing the peer."""
        seq = self._next[d]
        pkt = self._segment(d, seq, self._next[1 - d], flags, payload)
        self._next[d] = (seq + len(payload) + (1 if flags & FIN else 0)) & _MASK
        return pkt

    def _segment(
        self, d: int, seq: int, ack: int, flags: int, payload: bytes, options: bytes = b""
    ) -> bytes:
        src, dst = self._addr[d], self._addr[1 - d]
        if flags & ACK:
            self._acked[1 - d] = ack
        doff = (20 + len(options)) // 4
        header = _TCP.pack(
            self._port[d], self._port[1 - d], seq, ack, doff << 4, flags, WINDOW, 0, 0
        )
        tcp = header + options + payload
        if self._v6:
            pseudo = _PSEUDO6.pack(src, dst, len(tcp), 6)
        else:
            pseudo = _PSEUDO4.pack(src, dst, 0, 6, len(tcp))
        csum = checksum(pseudo + tcp)
        tcp = tcp[:16] + csum.to_bytes(2, "big") + tcp[18:]
        if self._v6:
            return _IP6.pack(0x60000000, len(tcp), 6, 64, src, dst) + tcp
        ident = self._ip_id[d]
        self._ip_id[d] = (ident + 1) & 0xFFFF
        ip = _IP4.pack(0x45, 0, 20 + len(tcp), ident, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + checksum(ip).to_bytes(2, "big") + ip[12:]
        return ip + tcp
