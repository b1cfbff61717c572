"""Link layer -> IP -> TCP header parsing over raw frame bytes.

Pure functions over ``bytes``: no scapy, no sockets.  Dissecting every frame
with scapy's layer classes would cost tens of microseconds per packet, and a
TLS visualizer only needs a TCP segment's addresses, ports, sequence numbers,
flags and payload.  Each header is read with one precompiled
:class:`struct.Struct` and ``unpack_from``, so a frame costs a few hundred
nanoseconds and the application bytes are sliced once, never parsed.

:func:`parse_frame` returns a :data:`Segment` tuple, ``None`` for anything that
is not a TCP segment we can use, or one of the ``SKIP_*`` codes when the frame
was skipped for a reason the reader should tell the user about.
"""

from __future__ import annotations

from struct import Struct
from struct import error as StructError
from typing import Final

__all__ = [
    "SKIP_FRAGMENT",
    "SKIP_LINKTYPE",
    "SUPPORTED_LINKTYPES",
    "Segment",
    "parse_frame",
]

#: ``(src_addr, src_port, dst_addr, dst_port, seq, ack, flags, payload, wire_len)``.
#: Addresses are the packed 4- or 16-byte network addresses (converting them to
#: text for every packet would be wasted work: the reassembler only does it
#: once per connection).  ``payload`` holds the bytes present in the capture;
#: ``wire_len`` is the payload length the IP header announces, larger than
#: ``len(payload)`` when the capture's snap length cut the packet short.
Segment = tuple[bytes, int, bytes, int, int, int, int, bytes, int]

#: A non-first IP fragment: its bytes belong to a TCP segment whose header is
#: elsewhere, and tlsviz does not reassemble IP fragments.
SKIP_FRAGMENT: Final = 1
#: A link type this module cannot decode.
SKIP_LINKTYPE: Final = 2

# Link-layer header types, https://www.tcpdump.org/linktypes.html
LINKTYPE_NULL: Final = 0
LINKTYPE_ETHERNET: Final = 1
DLT_RAW_12: Final = 12  # DLT_RAW on most BSDs and Linux
DLT_RAW_14: Final = 14  # DLT_RAW on OpenBSD
LINKTYPE_RAW: Final = 101
LINKTYPE_LOOP: Final = 108
LINKTYPE_LINUX_SLL: Final = 113
LINKTYPE_IPV4: Final = 228
LINKTYPE_IPV6: Final = 229
LINKTYPE_LINUX_SLL2: Final = 276

SUPPORTED_LINKTYPES: Final = frozenset(
    {
        LINKTYPE_NULL,
        LINKTYPE_ETHERNET,
        DLT_RAW_12,
        DLT_RAW_14,
        LINKTYPE_RAW,
        LINKTYPE_LOOP,
        LINKTYPE_LINUX_SLL,
        LINKTYPE_IPV4,
        LINKTYPE_IPV6,
        LINKTYPE_LINUX_SLL2,
    }
)

ETHERTYPE_IPV4: Final = 0x0800
ETHERTYPE_IPV6: Final = 0x86DD
# IEEE 802.1Q C-tag, 802.1ad S-tag, and the pre-standard 0x9100 QinQ tag.
_VLAN_TPIDS: Final = frozenset({0x8100, 0x88A8, 0x9100})

# BSD loopback address families (the value of AF_INET6 differs by OS:
# 24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS), https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html
_AF_INET: Final = 2
_AF_INET6: Final = frozenset({24, 28, 30})

IPPROTO_TCP: Final = 6
# IPv6 extension headers we step over (RFC 8200 §4): hop-by-hop, routing,
# destination options, and AH (RFC 4302, length in 4-byte units).
_IP6_HOPOPTS: Final = 0
_IP6_ROUTING: Final = 43
_IP6_FRAGMENT: Final = 44
_IP6_AH: Final = 51
_IP6_DSTOPTS: Final = 60

_U16: Final = Struct("!H")
_U32_LE: Final = Struct("<I")
_U32_BE: Final = Struct("!I")
# IPv4 header (RFC 791 §3.1): ver/ihl, tos, total length, id, flags/frag off,
# ttl, protocol, checksum, source, destination.
_IP4: Final = Struct("!BxHxxHxBxx4s4s")
# IPv6 fixed header (RFC 8200 §3): ver/class/label, payload length, next header,
# hop limit, source, destination.
_IP6: Final = Struct("!HxxHBx16s16s")
# TCP header (RFC 9293 §3.1): ports, seq, ack, data offset, flags.
_TCP: Final = Struct("!HHIIBB")
_EXT: Final = Struct("!BB")


def ip_header(linktype: int, frame: bytes) -> tuple[int, int] | int | None:
    """Where the IP header of a captured frame is: ``(IP version, offset)``,
    ``None`` for frames that carry no IP (ARP, an unknown loopback family),
    or :data:`SKIP_LINKTYPE`.  Raises ``struct.error``/``IndexError`` on a
    frame cut short (the callers turn those into None).  One walk of the link
    layer for the TCP and the UDP parsers."""
    if linktype == LINKTYPE_ETHERNET:
        # Ethernet II: 6+6 byte MACs then the EtherType (IEEE 802.3).
        etype = _U16.unpack_from(frame, 12)[0]
        off = 14
    elif linktype in (LINKTYPE_RAW, DLT_RAW_12, DLT_RAW_14):
        # Raw IP: the version nibble tells IPv4 from IPv6.
        version = frame[0] >> 4
        return (version, 0) if version in (4, 6) else None
    elif linktype == LINKTYPE_LINUX_SLL:
        # Linux cooked v1: 16-byte header, protocol type last.
        # https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
        etype = _U16.unpack_from(frame, 14)[0]
        off = 16
    elif linktype == LINKTYPE_LINUX_SLL2:
        # Linux cooked v2: 20-byte header, protocol type first.
        # https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
        etype = _U16.unpack_from(frame, 0)[0]
        off = 20
    elif linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        return _loopback(frame)
    elif linktype == LINKTYPE_IPV4:
        return 4, 0
    elif linktype == LINKTYPE_IPV6:
        return 6, 0
    else:
        return SKIP_LINKTYPE
    # Stacked VLAN tags (802.1Q / 802.1ad): each is a 2-byte TCI followed
    # by the next EtherType.
    while etype in _VLAN_TPIDS:
        etype = _U16.unpack_from(frame, off + 2)[0]
        off += 4
    if etype == ETHERTYPE_IPV4:
        return 4, off
    if etype == ETHERTYPE_IPV6:
        return 6, off
    return None


def parse_frame(linktype: int, frame: bytes) -> Segment | int | None:
    """Find the TCP segment in one captured frame.

    Returns a :data:`Segment`, ``None`` for frames that carry no usable TCP
    (ARP, UDP, a header cut short by the snap length ...), or a ``SKIP_*``
    code.  Never raises for malformed input: a capture is untrusted data.
    """
    try:
        where = ip_header(linktype, frame)
        if where is None or isinstance(where, int):
            return where
        version, off = where
        return _ipv4(frame, off) if version == 4 else _ipv6(frame, off)
    except (StructError, IndexError):
        return None


def _loopback(frame: bytes) -> tuple[int, int] | None:
    """BSD loopback (DLT_NULL, 0) and OpenBSD loop (DLT_LOOP, 108): the IP
    header after the 4-byte family.

    The family is in the capturing host's byte order for NULL and network
    order for LOOP, but files moved between machines (and some writers) get
    this wrong, so both orders are accepted; the valid values never collide
    (2 << 24 is not a family).
    """
    family = _U32_LE.unpack_from(frame, 0)[0]
    if family > 0xFFFF:
        family = _U32_BE.unpack_from(frame, 0)[0]
    if family == _AF_INET:
        return 4, 4
    if family in _AF_INET6:
        return 6, 4
    return None


def _ipv4(frame: bytes, off: int) -> Segment | int | None:
    """IPv4 (RFC 791), options skipped via IHL."""
    vihl, total, frag, proto, src, dst = _IP4.unpack_from(frame, off)
    if vihl >> 4 != 4 or proto != IPPROTO_TCP:
        return None
    ihl = (vihl & 0x0F) * 4
    if ihl < 20:
        return None
    if frag & 0x1FFF:
        # Fragment offset != 0: a later piece of a fragmented datagram.
        return SKIP_FRAGMENT
    present = len(frame) - off
    # Total length 0 appears in captures of TSO/GSO super-packets: trust the
    # captured bytes.  Otherwise the header is authoritative: it trims
    # Ethernet padding and reveals snap-length truncation.
    if total == 0:
        total = present
    elif total < ihl:
        return None
    if frag & 0x2000:
        # First fragment (More Fragments set): the rest of this TCP segment
        # is in fragments we skip, so its length on the wire is unknown; use
        # what this fragment carries.
        total = min(total, present)
    # The TCP header, inlined from _tcp() because this is the per-packet hot path.
    ip_end = off + total
    off += ihl
    sport, dport, seq, ack, doff, flags = _TCP.unpack_from(frame, off)
    start = off + (doff >> 4) * 4
    if start < off + 20 or start > ip_end:
        return None
    if ip_end <= len(frame):
        return (src, sport, dst, dport, seq, ack, flags, frame[start:ip_end], ip_end - start)
    return _tcp(frame, off, ip_end, len(frame), src, dst)  # snap length cut it short


def _ipv6(frame: bytes, off: int) -> Segment | int | None:
    """IPv6 (RFC 8200), stepping over extension headers to reach TCP."""
    vtc, plen, nxt, src, dst = _IP6.unpack_from(frame, off)
    if vtc >> 12 != 6:
        return None
    end = off + 40 + plen
    if plen == 0:
        # Jumbogram (RFC 2675) or TSO capture: trust the captured bytes.
        end = len(frame)
    off += 40
    while nxt != IPPROTO_TCP:
        if nxt in (_IP6_HOPOPTS, _IP6_ROUTING, _IP6_DSTOPTS):
            # Hdr Ext Len is in 8-octet units, not counting the first 8.
            nxt, hlen = _EXT.unpack_from(frame, off)
            off += (hlen + 1) * 8
        elif nxt == _IP6_FRAGMENT:
            # RFC 8200 §4.5: fixed 8 bytes; offset in the top 13 bits.
            frag = _U16.unpack_from(frame, off + 2)[0]
            if frag & 0xFFF8:
                return SKIP_FRAGMENT
            nxt = frame[off]
            off += 8
        elif nxt == _IP6_AH:
            # RFC 4302 §2.2: Payload Len is in 4-octet units, minus 2.
            nxt, hlen = _EXT.unpack_from(frame, off)
            off += (hlen + 2) * 4
        else:
            return None  # no next header (59), ESP, UDP, ICMPv6, ...
    return _tcp(frame, off, end, len(frame), src, dst)


def _tcp(frame: bytes, off: int, end: int, caplen: int, src: bytes, dst: bytes) -> Segment | None:
    """TCP header (RFC 9293 §3.1); ``end`` is where the IP payload ends on the wire."""
    sport, dport, seq, ack, doff, flags = _TCP.unpack_from(frame, off)
    start = off + (doff >> 4) * 4
    if start < off + 20 or start > end:
        return None
    wire_len = end - start
    if end > caplen:
        end = caplen  # snap length cut the payload short
    if start > end:
        # The options themselves were cut off: the payload start is unknown
        # to the byte but the header says where it is; nothing is present.
        return (src, sport, dst, dport, seq, ack, flags, b"", wire_len)
    return (src, sport, dst, dport, seq, ack, flags, frame[start:end], wire_len)
