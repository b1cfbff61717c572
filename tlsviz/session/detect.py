"""Which TCP connections are TLS, which UDP flows are DTLS, and which side
is the client.

TLS is found by content, not by port: a connection is TLS when a side's first
bytes frame as a TLS handshake record (or an SSLv2-compatible hello).  When the
capture missed the SYN, the handshake types tell the client from the server,
and well-known TLS ports break ties.  A UDP flow is DTLS when its first
datagram opens a DTLS handshake (:func:`~tlsviz.wire.dtls_framing.looks_like_dtls`);
a flow that starts otherwise is dropped at once, so that the datagrams of
other protocols cost nothing more.  Shared by the timeline and the summary
builders; a light module (records only).
"""

from __future__ import annotations

from collections.abc import Callable

from .._slots import Slotted
from ..wire.dtls_framing import RECORD_HEADER_LEN, looks_like_dtls
from ..wire.framing import looks_like_sslv2_client_hello, plausible_header

CLIENT = "client"
SERVER = "server"


class Pending(Slotted):
    """A TCP connection whose protocol is not known yet."""

    __slots__ = ("by_syn", "chunks", "client", "head", "number", "server", "swap", "syn_seen",
                 "time", "transport")  # fmt: skip

    def __init__(
        self,
        client: str,
        server: str,
        time: float,
        syn_seen: bool,
        number: int = 0,
        *,
        by_syn: bool = False,
        transport: str = "tcp",
    ) -> None:
        self.client = client
        self.server = server
        self.time = time
        self.syn_seen = syn_seen
        #: the connection's number: the packet that opened it (Wireshark's frame number)
        self.number = number
        #: opened by the client's SYN (not picked up from a SYN/ACK or mid-stream)
        self.by_syn = by_syn
        #: "udp": a flow of datagrams, DTLS if anything
        self.transport = transport
        #: (UDP) the first datagram says its sender is the server
        self.swap = False
        self.head = {CLIENT: bytearray(), SERVER: bytearray()}
        #: what arrived so far, in order: (direction, data, time), or for a hole in
        #: the capture (direction, number of missing bytes, time)
        self.chunks: list[tuple[str, bytes | int, float]] = []


def verdict(data: bytes, syn_seen: bool) -> bool | None:
    """Is a stream starting with ``data`` TLS?  None: not enough bytes yet."""
    if len(data) < 5:
        if data and not (data[0] in (20, 21, 22, 23, 24) or data[0] & 0x80):
            return False
        return None
    if looks_like_sslv2_client_hello(data):
        return True
    length = (data[3] << 8) | data[4]
    if not plausible_header(data[0], data[1], data[2], length):
        return False
    if syn_seen:
        return data[0] == 22
    return True


#: Handshake types only a client sends first / only a server sends.
_CLIENT_TYPES = frozenset({1, 16})
_SERVER_TYPES = frozenset({0, 2, 4, 12, 13, 14, 22})
#: Ports where a server usually speaks TLS (a tie-breaker only).
_TLS_PORTS = frozenset(
    {
        443,
        465,
        563,
        636,
        853,
        989,
        990,
        992,
        993,
        994,
        995,
        4433,
        5061,
        5223,
        5671,
        8443,
        8883,
        9443,
    }
)


def guess_swap(pend: Pending) -> bool:
    """Without the SYN, who is the client?  The side whose first handshake
    message only a client sends; failing that, the side not on a TLS port."""
    ct = _hello_type(bytes(pend.head[CLIENT]))
    st = _hello_type(bytes(pend.head[SERVER]))
    if st in _CLIENT_TYPES or ct in _SERVER_TYPES:
        return True
    if ct in _CLIENT_TYPES or st in _SERVER_TYPES:
        return False
    return _port(pend.client) in _TLS_PORTS and _port(pend.server) not in _TLS_PORTS


def _port(endpoint: str) -> int:
    try:
        return int(endpoint.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return -1


def _hello_type(head: bytes) -> int | None:
    """The handshake type of a stream's first record, if it is a handshake record."""
    if looks_like_sslv2_client_hello(head):
        return 1
    if len(head) >= 6 and head[0] == 22:
        return head[5]
    return None


def flip(direction: str) -> str:
    return SERVER if direction == CLIENT else CLIENT


class PendingTable:
    """The TCP connections whose protocol is not known yet, shared by the
    timeline and the summary builders: data is kept until one side's first
    bytes say TLS (the connection is then handed over) or not (it is dropped,
    and the capture reader told to stop reading it)."""

    def __init__(self, ignore: Callable[[int], None] | None) -> None:
        self.pending: dict[int, Pending] = {}
        self._ignore = ignore

    def opened(
        self,
        conn: int,
        client: str,
        server: str,
        time: float,
        syn_seen: bool,
        packet: int,
        by_syn: bool = False,
        transport: str = "tcp",
    ) -> None:
        self.pending[conn] = Pending(
            client, server, time, syn_seen, packet or conn, by_syn=by_syn, transport=transport
        )

    def data(self, conn: int, direction: str, data: bytes, time: float) -> Pending | None:
        """Keep ``data``; the entry (now removed) once the connection is TLS."""
        pend = self.pending.get(conn)
        if pend is None:
            return None
        pend.chunks.append((direction, data, time))
        if pend.transport != "tcp":
            # a datagram: DTLS starts with a handshake, or the flow is not DTLS
            if not looks_like_dtls(data):
                self.drop(conn)
                return None
            del self.pending[conn]
            first = data[RECORD_HEADER_LEN]  # the first handshake message's type
            pend.swap = (first == 1) == (direction == SERVER)
            return pend
        head = pend.head[direction]
        if len(head) < 6:
            head += data[: 6 - len(head)]
        v = verdict(bytes(head), pend.syn_seen)
        if v:
            del self.pending[conn]
            return pend
        if v is False and (direction == CLIENT or not pend.head[CLIENT]):
            self.drop(conn)  # not TLS (a server that speaks first is no sign yet)
        return None

    def gap(self, conn: int, direction: str, length: int, time: float) -> None:
        pend = self.pending.get(conn)
        if pend is not None:
            pend.chunks.append((direction, length, time))

    def drop(self, conn: int) -> None:
        self.pending.pop(conn, None)
        if self._ignore is not None:
            self._ignore(conn)


def roles(pend: Pending) -> tuple[str, str, bool]:
    """(client, server, swapped): without the SYN, roles come from content."""
    if pend.transport != "tcp":
        swap = pend.swap  # the sender of the ClientHello is the client
    else:
        swap = guess_swap(pend) if not pend.syn_seen else False
    if swap:
        return pend.server, pend.client, True
    return pend.client, pend.server, False
