"""A memory-mapped pcap/pcapng packet reader for big captures.

scapy's raw readers cost about 6 µs a packet (a ``read`` call per header and
per frame, and an object per packet); over a memory map, one ``unpack_from``
per record and one slice per frame cost well under 1 µs.  ``decode`` keeps
scapy's readers; the summary of big captures (``decode --summary``) uses this
one, and a test checks that both give the same records on every capture of the
corpus.  Uncompressed files only: gzip ones go through scapy's readers.

The records are those of the capture layer: ``(time, linktype, frame)`` tuples,
:class:`Secrets` for Decryption Secrets Blocks, :class:`CaptureNote` when the
file ends mid-packet or is damaged.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final, NamedTuple, Protocol

from .tcp import CLOSED_TUPLE_SECONDS, CaptureNote, Secrets

TRUNCATED: Final = "The capture ends in the middle of a packet; the last packet was ignored."
_MAX_CAPLEN: Final = 1 << 26


def _damaged(packets: int) -> str:
    return f"The capture file is damaged after packet {packets}; the rest of it was ignored."


class Cell(Protocol):
    """Where a walk writes how far it has come (item 0): a one-item list, or
    a view of memory shared with the processes of a parallel summary."""

    def __getitem__(self, index: int, /) -> int: ...

    def __setitem__(self, index: int, value: int, /) -> None: ...


def flow_key(src: Any, sport: int, dst: Any, dport: int) -> bytes | None:
    """The key of a 4-tuple as the filter reads it from a frame (addresses,
    then ports); None for addresses that are not packed bytes."""
    if isinstance(src, bytes) and isinstance(dst, bytes):
        return src + dst + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
    return None


def reverse_key(key: bytes) -> bytes:
    """The :func:`flow_key` of the other direction."""
    return key[4:8] + key[:4] + key[10:12] + key[8:10]


#: Classic pcap file header magics (draft-ietf-opsawg-pcap, "File Header"):
#: micro- and nanosecond time stamps, either byte order.
PCAP_MAGICS: Final = frozenset(
    {b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1"}
)


class _PcapFormat(NamedTuple):
    """What a classic pcap file header says about the records after it."""

    endian: str  # struct's byte order mark
    nano: bool  # nanosecond time stamps (else microseconds)
    snaplen: int
    linktype: int
    #: a record header: (seconds, fraction, captured length, original length)
    record: Callable[..., tuple[Any, ...]]
    #: a record header, then the Ethernet/IPv4/TCP fields of _ETH_IPV4_TCP
    record_and_tcp: Callable[..., tuple[Any, ...]]
    #: EtherType IPv4 as ``record_and_tcp`` reads it (the network's 16-bit
    #: fields are read in the file's byte order, and compared as read)
    ipv4: int


def _pcap_format(head: bytes) -> _PcapFormat:
    endian = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"M<\xb2\xa1") else ">"
    snaplen, linktype = struct.unpack_from(endian + "II", head, 16)
    return _PcapFormat(
        endian,
        head[:4] in (b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1"),
        snaplen,
        linktype & 0x0FFFFFFF,
        struct.Struct(endian + "IIII").unpack_from,
        struct.Struct(endian + "IIII" + _ETH_IPV4_TCP).unpack_from,
        _as_read(0x0800, endian),
    )


class DroppedFlows(dict[bytes, float]):
    """The flows a consumer wants nothing more of, by :func:`flow_key`, with
    when it dropped them: :func:`fast_records` skips their packets (but for a
    fresh SYN, which takes the key out).  A key is forgotten after
    :data:`~.tcp.CLOSED_TUPLE_SECONDS` or beyond ``limit`` keys, as the
    reassembler forgets closed tuples, so memory stays bounded however many
    connections the capture holds."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self._order: deque[tuple[float, bytes]] = deque()

    def drop(self, keys: Iterable[bytes], now: float) -> None:
        order = self._order
        for key in keys:
            self[key] = now
            order.append((now, key))
        while order and (now - order[0][0] >= CLOSED_TUPLE_SECONDS or len(order) > self.limit):
            t0, key = order.popleft()
            if self.get(key) == t0:  # not dropped again since (ports are reused)
                del self[key]


class CaptureEnd(NamedTuple):
    """The last record: the time of the capture's last packet (whether or
    not the filter let it through), for what is still open at the end."""

    time: float


class RegionMark(NamedTuple):
    """Yielded (region reading only) when the walk comes to a region boundary:
    ``reached`` when a packet record starts exactly there (the boundary is
    right, and ``packets`` records lie between the start and it), not when the
    records run across it (the boundary was guessed wrong)."""

    boundary: int  # which of the boundaries (0: the first)
    packets: int
    reached: bool


def pcap_boundary(path: str | os.PathLike[str], target: int) -> int | None:
    """The start of a packet record at or after byte ``target`` of a classic
    pcap file, found without reading what comes before: the first offset from
    which a chain of plausible record headers runs (eight of them, or up to the
    end of the file exactly).  A guess — the reader of the region before it
    checks it (:class:`RegionMark`).  None when none is found nearby."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            if len(head) < 24 or head[:4] not in PCAP_MAGICS:
                return None
            f.seek(max(target, 24))
            window = f.read(_SYNC_WINDOW + 8 * (_MAX_SYNC_CAPLEN + 16))
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    fmt = _pcap_format(head)
    fraction = 10**9 if fmt.nano else 10**6
    limit = min(max(fmt.snaplen, 0x40000), _MAX_CAPLEN)
    rec = fmt.record
    base = max(target, 24)
    for p in range(min(_SYNC_WINDOW, len(window))):
        q, prev, good = p, -1, 0
        while good < 8:
            if base + q == size:
                good = 8 if good else 0  # the chain ends exactly at the end of the file
                break
            if q + 16 > len(window):
                break
            sec, frac, caplen, orig = rec(window, q)
            if frac >= fraction or caplen > limit or caplen > orig or orig > _MAX_CAPLEN:
                break
            if prev >= 0 and abs(sec - prev) > 86400:
                break
            prev = sec
            q += 16 + caplen
            good += 1
        if good >= 8:
            return base + p
    return None


_SYNC_WINDOW: Final = 1 << 18
_MAX_SYNC_CAPLEN: Final = 1 << 16


def fast_records(
    path: str | os.PathLike[str],
    dropped: dict[bytes, float] | None = None,
    shard: Shard | None = None,
    progress: Cell | None = None,
    start: int = 0,
    boundaries: Sequence[int] = (),
    number: int = 0,
    deadlines: Sequence[tuple[Any, ...]] | None = None,
) -> Iterator[object] | None:
    """Records of an uncompressed capture, or None when this reader does not
    apply (gzip, or a file it cannot map).

    Packet records are ``(number, time, linktype, frame)``.  With ``dropped``
    (address+port keys of flows the consumer no longer wants, with when it
    dropped them; it may grow while reading) and ``shard``, Ethernet/IPv4
    frames that are certainly not wanted are skipped inside the loop, before
    anything else is done with them: packets of dropped flows (but for a SYN
    that opens a new connection), packets of other shards (see
    :class:`~.pcapfile.CaptureReader`), and bare ACKs (no data, no
    SYN/FIN/RST), which summaries do not need.

    ``start`` (classic pcap only, a packet record's offset, see
    :func:`pcap_boundary` and :func:`packet_index`) reads from there,
    numbering packets from ``number + 1``;
    each offset of ``boundaries`` (increasing) is reported by a
    :class:`RegionMark` when the walk comes to it.

    ``deadlines`` (a heap of tuples, the first item a time, that the
    consumer keeps up to date: its reset connections' grace periods) makes a
    skipped packet count as the capture's clock: when its time is past the
    first deadline, it comes as ``(number, time, linktype, None)``.  A
    connection's end then falls on the same packet whether or not the
    reader skips the packets of other connections."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the generator
    except OSError:
        return None
    try:
        head = f.read(4)
        if len(head) < 4 or head[:2] == b"\x1f\x8b":
            f.close()
            return None
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        f.close()
        return None
    cell = progress if progress is not None else [0]
    if head == b"\x0a\x0d\x0d\x0a":
        return _closing(_pcapng(mm, dropped, shard, cell, deadlines), mm, f)
    if start or boundaries or number or deadlines is not None:
        return _closing(
            _pcap(mm, dropped, shard, cell, start, boundaries, number, deadlines), mm, f
        )
    return _closing(_pcap(mm, dropped, shard, cell), mm, f)


#: packets between two entries of a :func:`packet_index`
INDEX_EVERY = 256


class PacketIndex(NamedTuple):
    """Where every ``every``-th packet of a classic pcap file starts:
    ``offsets[i]`` is the record offset of packet ``i * every + 1``."""

    every: int
    offsets: list[int]

    def before(self, packet: int) -> tuple[int, int]:
        """(offset, packets before it) of the indexed packet at or before ``packet``."""
        slot = min(max(packet - 1, 0) // self.every, len(self.offsets) - 1)
        return self.offsets[slot], slot * self.every


def packet_index(path: str | os.PathLike[str], every: int = INDEX_EVERY) -> PacketIndex | None:
    """Where packets 1, 1 + every, 1 + 2 * every, ... of a classic pcap file
    start (their record's offset), found by walking the record headers only;
    None for other files (pcapng, gzip) or when a record is damaged.  With it
    a reader can start near any packet (``fast_records(start=, number=)``):
    the explorer opens one connection of a huge capture without reading what
    comes before it."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            if len(head) < 24 or head[:4] not in PCAP_MAGICS:
                return None
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        fmt = _pcap_format(head)
        read = struct.Struct(fmt.endian + "8xI").unpack_from  # a record's captured length
        limit = min(max(fmt.snaplen, 0x40000), _MAX_CAPLEN)
        end = len(mm)
        out: list[int] = []
        pos, n = 24, 0
        while pos + 16 <= end:
            if not n % every:
                out.append(pos)
            caplen = read(mm, pos)[0]
            if caplen > limit:
                return None
            pos += 16 + caplen
            n += 1
        return PacketIndex(every, out) if out else None
    finally:
        mm.close()


def port_shard(sport: int, dport: int, n: int) -> int:
    """Which of n buckets a connection falls in: a hash of its two ports,
    the same in both directions.  Mixed (Knuth's multiplicative hash) so that
    consecutive client ports, which often alternate kinds of connections,
    spread evenly."""
    return (((sport ^ dport) * 2654435761) >> 16) % n


#: A process's share of the connections: ``(k, n, width)``, buckets k to
#: k + width - 1 of n (see :func:`port_shard`; a process with other work to
#: do takes fewer)
Shard = tuple[int, int, int]


def in_shard(sport: int, dport: int, shard: Shard) -> bool:
    """Does the process of ``shard`` follow the connection of these ports?"""
    k, n, width = shard
    return k <= port_shard(sport, dport, n) < k + width


def _skip(frame: bytes, dropped: dict[bytes, float] | None, shard: Shard | None) -> bool:
    """Is this Ethernet frame certainly of no interest (see :func:`fast_records`)?"""
    if frame[12:15] != b"\x08\x00\x45" or frame[23] != 6:
        return False
    if shard is not None and not in_shard(
        (frame[34] << 8) | frame[35], (frame[36] << 8) | frame[37], shard
    ):
        return True
    flags = frame[47]
    if not flags & 0x07 and ((frame[16] << 8) | frame[17]) == 20 + ((frame[46] >> 4) << 2):
        return True
    if dropped:
        key = frame[26:38]
        if key in dropped:
            if flags & 0x12 != 0x02:
                return True
            dropped.pop(key, None)  # a fresh SYN: a new connection on the same ports
            dropped.pop(reverse_key(key), None)
    return False


def _closing(gen: Iterator[object], mm: mmap.mmap, f: object) -> Iterator[object]:
    try:
        yield from gen
    finally:
        mm.close()
        f.close()  # type: ignore[attr-defined]


def _pcap(
    mm: mmap.mmap,
    dropped: dict[bytes, float] | None,
    shard: Shard | None,
    progress: Cell,
    first: int = 0,
    boundaries: Sequence[int] = (),
    number: int = 0,
    deadlines: Sequence[tuple[Any, ...]] | None = None,
) -> Iterator[object]:
    """Classic pcap (draft-ietf-opsawg-pcap): 24-byte file header, 16-byte records."""
    if len(mm) < 24:
        yield CaptureNote(TRUNCATED)
        return
    fmt = _pcap_format(mm[:24])
    scale = 1e-9 if fmt.nano else 1e-6
    linktype = fmt.linktype
    limit = min(max(fmt.snaplen, 0x40000), _MAX_CAPLEN)
    rec = fmt.record
    # one unpack reads a record's header and the fields of an Ethernet/IPv4/
    # TCP frame the filter needs
    one, ipv4 = fmt.record_and_tcp, fmt.ipv4
    bare = [_as_read(20 + ((o >> 4) << 2), fmt.endian) for o in range(256)]
    end = len(mm)
    pos = max(first, 24)
    n = number
    filtering = linktype == 1 and (dropped is not None or shard is not None)
    k, m, width = shard if shard is not None else (0, 1, 1)
    kw = k + width
    released = 0
    marks = list(boundaries)
    mark = 0
    bound = marks[0] if marks else end + 1
    # past ``edge`` the loop checks boundaries and the end of the file; before
    # it a record's 64 bytes (header + frame fields) are all in the file
    edge = min(bound, end - 63)
    note = None
    last = -1  # where the last whole packet record starts
    while True:
        if pos >= edge:
            if pos >= bound and pos < end:
                yield RegionMark(mark, n, pos == bound)
                mark += 1
                bound = marks[mark] if mark < len(marks) else end + 1
                edge = min(bound, end - 63)
                continue
            if pos >= end:
                break
            if pos + 16 > end:
                note = TRUNCATED
                break
            # a record this close to the end holds under 48 bytes of frame
            # (or is cut short): the filter does not look at it
            sec, frac, caplen, _ = rec(mm, pos)
            proto = 0
        else:
            sec, frac, caplen, _, ethertype, vihl, total, proto, key, offset, flags = one(mm, pos)
        if caplen > limit:
            note = _damaged(n)
            break
        start = pos + 16
        if start + caplen > end:
            note = TRUNCATED
            break
        last = pos
        pos = start + caplen
        n += 1
        if proto == 6 and filtering and caplen >= 48 and ethertype == ipv4 and vihl == 0x45:
            # _skip, inlined: this loop runs for every packet of a big capture
            skip = not flags & 0x07 and total == bare[offset]  # a bare ACK
            if not skip and m > 1:  # another process's connection?
                x = ((key[8] ^ key[10]) << 8) | (key[9] ^ key[11])  # port_shard, inlined
                skip = not k <= ((x * 2654435761) >> 16) % m < kw
            if not skip and dropped and key in dropped:
                if flags & 0x12 == 0x02:
                    _skip(mm[start:pos], dropped, None)  # a fresh SYN reopens the ports
                else:
                    skip = True
            if skip:
                if deadlines and sec + frac * scale > deadlines[0][0]:
                    yield (n, sec + frac * scale, linktype, None)  # the clock, see fast_records
                continue
        progress[0] = pos
        if pos - released > _RELEASE:
            released = _release(mm, pos)
        yield (n, sec + frac * scale, linktype, mm[start:pos])
    if note is not None:
        yield CaptureNote(note)
    if last >= 0:
        sec, frac = rec(mm, last)[:2]
        yield CaptureEnd(sec + frac * scale)


def opened_between(
    path: str | os.PathLike[str], begin: int, end: int
) -> list[tuple[float, bytes]] | None:
    """(time, address+port key) of each Ethernet/IPv4 SYN or SYN/ACK (no
    RST or FIN) in the packet records of a classic pcap file from byte
    ``begin`` to ``end``; None if the records found from ``begin`` do not
    lead exactly to ``end`` (``begin`` was not a record's start)."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            if len(head) < 24 or head[:4] not in PCAP_MAGICS or not 24 <= begin <= end:
                return None
            f.seek(begin)
            data = f.read(end - begin)
    except OSError:
        return None
    fmt = _pcap_format(head)
    if fmt.linktype != 1:
        return []  # not Ethernet
    scale = 1e-9 if fmt.nano else 1e-6
    rec, one, ipv4 = fmt.record, fmt.record_and_tcp, fmt.ipv4
    size = len(data)
    pos = 0
    found: list[tuple[float, bytes]] = []
    while pos + 64 <= size:
        sec, frac, caplen, _, ethertype, vihl, _, proto, key, _, flags = one(data, pos)
        pos += 16 + caplen
        if (
            flags & 0x17 in (0x02, 0x12)
            and proto == 6
            and ethertype == ipv4
            and vihl == 0x45
            and caplen >= 48
            and pos <= size
        ):
            found.append((sec + frac * scale, key))
    while pos + 16 <= size:  # the last records, too short to hold a TCP header
        pos += 16 + rec(data, pos)[2]
    return found if pos == size else None


def _as_read(v: int, endian: str) -> int:
    """A big-endian 16-bit network field's value as a struct of ``endian`` reads it."""
    return v if endian == ">" else ((v & 0xFF) << 8) | (v >> 8)


#: The fields of an Ethernet/IPv4/TCP header the filter reads: EtherType,
#: version+IHL, total length, protocol, addresses+ports, data offset, flags
#: (48 bytes, after the 16 of the record header).
_ETH_IPV4_TCP: Final = "12xHBxH5xB2x12s8xBB"


def _pcapng(
    mm: mmap.mmap,
    dropped: dict[bytes, float] | None,
    shard: Shard | None,
    progress: Cell,
    deadlines: Sequence[tuple[Any, ...]] | None = None,
) -> Iterator[object]:
    """pcapng (draft-ietf-opsawg-pcapng): sections, interfaces, EPB/SPB/DSB."""
    end = len(mm)
    pos = 0
    endian = "<"
    filtering = dropped is not None or shard is not None
    released = 0
    interfaces: list[tuple[int, int]] = []  # (linktype, ticks per second)
    n = 0
    note = None
    last: tuple[int, int, int] | None = None  # the last packet's time stamp
    while pos < end:
        if pos + 12 > end:
            note = TRUNCATED
            break
        if mm[pos : pos + 4] == b"\x0a\x0d\x0d\x0a":
            bom = mm[pos + 8 : pos + 12]
            endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            interfaces = []
        btype, blen = struct.unpack_from(endian + "II", mm, pos)
        if blen < 12 or blen % 4 or blen > _MAX_CAPLEN:
            note = _damaged(n)
            break
        if pos + blen > end:
            note = TRUNCATED
            break
        body = pos + 8
        if btype == 6:  # Enhanced Packet Block
            iface, hi, lo, caplen = struct.unpack_from(endian + "IIII", mm, body)
            if iface < len(interfaces) and body + 20 + caplen <= pos + blen:
                lt, tick = interfaces[iface]
                n += 1
                last = (hi, lo, tick)
                frame = mm[body + 20 : body + 20 + caplen]
                if not filtering or lt != 1 or not _skip(frame, dropped, shard):
                    yield (n, ((hi << 32) | lo) / tick, lt, frame)
                elif deadlines and ((hi << 32) | lo) / tick > deadlines[0][0]:
                    yield (n, ((hi << 32) | lo) / tick, lt, None)  # the clock, see fast_records
        elif btype == 1:  # Interface Description Block
            lt = struct.unpack_from(endian + "H", mm, body)[0]
            interfaces.append((lt, _tsresol(mm, body + 8, pos + blen - 4, endian)))
        elif btype == 3 and interfaces:  # Simple Packet Block: no time of its own
            orig = struct.unpack_from(endian + "I", mm, body)[0]
            caplen = min(orig, blen - 16)
            n += 1
            frame = mm[body + 4 : body + 4 + caplen]
            if not filtering or interfaces[0][0] != 1 or not _skip(frame, dropped, shard):
                yield (n, 0.0, interfaces[0][0], frame)
        elif btype == 0x0A:  # Decryption Secrets Block
            kind, length = struct.unpack_from(endian + "II", mm, body)
            if body + 8 + length <= pos + blen:
                yield Secrets(kind, mm[body + 8 : body + 8 + length], None)
            else:
                yield CaptureNote("A decryption secrets block is cut short; it was ignored.")
        pos += blen
        progress[0] = pos
        if pos - released > _RELEASE:
            released = _release(mm, pos)
    if note is not None:
        yield CaptureNote(note)
    if last is not None:
        hi, lo, tick = last
        yield CaptureEnd(((hi << 32) | lo) / tick)


#: Pages already read are given back every this many bytes: mapped pages count
#: in the process's resident memory, which would otherwise grow with the file.
_RELEASE: Final = 2 << 20


def _release(mm: mmap.mmap, pos: int) -> int:
    """Drop the pages before ``pos`` from the process (they stay in the page
    cache); returns the page-aligned position released up to."""
    upto = pos - pos % mmap.PAGESIZE
    if upto > 0 and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):
            mm.madvise(mmap.MADV_DONTNEED, 0, upto)
    return upto


def _tsresol(mm: mmap.mmap, pos: int, end: int, endian: str) -> int:
    """if_tsresol (option 9): ticks per second, 10^n or 2^n (a one-byte
    option; the first one counts); microseconds by default.  Times are
    ticks divided by this integer, as the capture layer's reader computes
    them: multiplying by a float 10^-n rounds differently in the last bit."""
    while pos + 4 <= end:
        code, length = struct.unpack_from(endian + "HH", mm, pos)
        if code == 0:
            break
        if code == 9:
            if length != 1:
                break
            v = mm[pos + 4]
            return int((2 if v & 0x80 else 10) ** (v & 0x7F))
        pos += 4 + length + (-length % 4)
    return 1000000
