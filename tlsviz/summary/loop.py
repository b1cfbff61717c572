"""The summary of a big capture in one tight loop.

Most connections in a big capture are ordinary: a SYN, a SYN/ACK, data in
order in each direction, and the summary is settled after a few packets (see
:mod:`.builder`).  This loop follows such connections itself,
straight from the memory-mapped frames: no segment tuples, no event objects,
no reassembly buffers.  The moment a connection does anything else (a
retransmission that is not an exact repeat, data out of order, a FIN or RST
before its summary is settled, no SYN, IPv6, another link type), its packets
so far are replayed into the capture layer's full TCP reassembler, which
follows it from then on: the answer is the same, only the path differs.  A
test compares the two on every capture at hand.

While a connection stays ordinary, the loop does not even hand its data to
the summary builder: the *hello lane* reads its hellos straight from the
segments (without keys), the *key lane* feeds the quick Finished check
(with a key log only); anything unexpected and the builder is given the
connection from its first packet.  A test compares both ways on every
capture at hand.

Connections are named by the packet that opened them, so both paths name
them alike.  :func:`region_summaries` reads one region of a file for
:mod:`.parallel`.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from .._slots import Slotted
from ..capture import CaptureNote, Secrets, StreamClosed, StreamData, StreamGap, StreamOpened
from ..capture.fastread import (
    CaptureEnd,
    Cell,
    DroppedFlows,
    RegionMark,
    Shard,
    fast_records,
    flow_key,
    in_shard,
    opened_between,
    pcap_boundary,
    reverse_key,
)
from ..capture.packets import parse_frame
from ..capture.tcp import MAX_CLOSED, CaptureEvent, TcpReassembler
from ..capture.udp import UdpFlows, parse_datagram
from ..keys.keyring import KeyMaterial
from ..session.detect import verdict
from ..wire.dtls_framing import looks_like_dtls
from ..wire.facts import (
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    CLIENT_HELLO,
    HANDSHAKE,
    SERVER_HELLO,
    SERVER_KEY_EXCHANGE,
)
from ..wire.framing import plausible_header
from .builder import SummaryBuilder
from .hellos import (
    HelloFacts,
    client_hello,
    server_hello,
    server_key_exchange,
    settled_by_message,
    settled_by_record,
)
from .row import Summary

TLS_KEY_LOG = 0x544C534B
_NO_UDP_IN_REGIONS = (
    "The capture holds DTLS, which decode --summary follows on one process only: "
    "run it with --jobs 1 to list the DTLS associations too."
)
_MASK = 0xFFFFFFFF
_SYN, _ACK = 0x02, 0x10


class _Flow(Slotted):
    """A connection followed by the tight loop: opened by a SYN, in order."""

    __slots__ = ("client_key", "facts", "frames", "id", "lane", "next", "quick")

    def __init__(self, id: int, client_key: bytes, next: list[int]) -> None:
        self.id = id
        self.client_key = client_key  # the 12 address+port bytes of client -> server packets
        self.next = next  # next expected sequence number: [client, server]; -1 unknown
        self.frames: list[tuple[int, float, bytes]] = []  # for a replay
        #: the lane (see :func:`_lane`, :func:`_key_lane`) following the connection
        #: without the summary builder: 0 no data yet, 1 hellos, 2 keys; -1 none
        self.lane = -1
        self.facts: HelloFacts | None = None
        self.quick: Any = None  # the key lane's .quickkeys.QuickVerifier


def _endpoint(ip: bytes, port: bytes) -> str:
    """An IPv4 address and port as text (what socket.inet_ntop writes)."""
    text = _IPV4_TEXT.get(ip)
    if text is None:
        if len(_IPV4_TEXT) >= 4096:
            _IPV4_TEXT.clear()
        text = _IPV4_TEXT[ip] = f"{ip[0]}.{ip[1]}.{ip[2]}.{ip[3]}:"
    return f"{text}{(port[0] << 8) | port[1]}"


def _endpoints(key: bytes) -> tuple[str, str]:
    """Client and server of a :func:`~.capture.fastread.flow_key` (client first)."""
    return _endpoint(key[:4], key[8:10]), _endpoint(key[4:8], key[10:12])


#: the text of addresses met lately (a capture's connections share a few)
_IPV4_TEXT: dict[bytes, str] = {}


def lean_summaries(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    *,
    shard: Shard | None = None,
    notes: list[str] | None = None,
    progress: Cell | None = None,
) -> Iterator[tuple[int, Summary]] | None:
    """(packet number, summary) pairs, each as soon as it is final; None when
    the file is not one the memory-mapped reader takes (then use
    :func:`tlsviz.source.summarize`)."""
    dropped = DroppedFlows(MAX_CLOSED)
    records = fast_records(path, dropped, shard, progress)
    if records is None:
        return None
    return _run(records, material, dropped, notes, shard)


#: how far before its start a region's reader looks for SYNs (see
#: :func:`region_summaries`); connections opened earlier and still going at
#: the start are dropped by the parent instead (:mod:`.parallel`)
LEAD_IN = 1 << 18


class Boundary(NamedTuple):
    """Region reading (:func:`region_summaries`) came to the start of the
    next region: ``mark.reached`` says whether the guessed boundary was right;
    if it was, ``known`` holds the address+port keys (both directions) of the
    connections this reader still follows or closed lately, with the time
    they closed (infinity: still open), and from then on the reader only
    follows those connections to their end.  Past that, each boundary the
    reader walks across while it still follows connections is reported too
    (``tail``), with what it follows there: a connection can outlast several
    regions."""

    mark: RegionMark
    known: dict[bytes, float]
    tail: bool = False


def region_summaries(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    start: int,
    boundaries: list[int],
    *,
    notes: list[str] | None = None,
    progress: Cell | None = None,
    lead_in: int | None = None,
) -> Iterator[Summary | Boundary] | None:
    """The summaries of one region of a classic pcap file, for
    :mod:`.parallel`: from the packet record at byte ``start`` (packets
    numbered from 1 there), across any boundary guessed wrong, up to the
    first boundary that is right; then only the connections already followed,
    until they are all done.  :class:`Boundary` items report the
    boundaries.

    Connections opened by a SYN in the ``lead_in`` bytes before ``start``
    are the earlier regions' (their processes follow them to their end): their
    packets are skipped from the start, as one process reading the whole file
    would skip them once summarised."""
    dropped = DroppedFlows(MAX_CLOSED)
    for t, keys in _opened_before(path, start, LEAD_IN if lead_in is None else lead_in):
        dropped.drop(keys, t)
    records = fast_records(path, dropped, None, progress, start, boundaries)
    if records is None:
        return None
    return (item for _, item in _run(records, material, dropped, notes, None, udp=False))


def _opened_before(
    path: str | os.PathLike[str], start: int, span: int
) -> list[tuple[float, tuple[bytes, bytes]]]:
    """(time, keys both ways) of the SYNs and SYN/ACKs in the ``span`` bytes
    before the packet record at ``start`` (none if the records found there do
    not lead exactly to it)."""
    if start <= 24 or span <= 0:
        return []
    begin = pcap_boundary(path, max(24, start - span))
    if begin is None or begin >= start:
        return []
    found = opened_between(path, begin, start) or []
    return [(t, (k, reverse_key(k))) for t, k in found]


def _run(
    records: Iterator[object],
    material: KeyMaterial,
    dropped: DroppedFlows,
    notes: list[str] | None,
    shard: Shard | None,
    *,
    lanes: bool = True,
    udp: bool = True,
) -> Iterator[tuple[int, Any]]:
    """``udp``: follow UDP flows (DTLS) too.  A region's reader does not: an
    association that straddles a region boundary would be seen by two, and
    nothing marks where one starts as a SYN does; it notes the first DTLS
    datagram it skips instead."""
    flows: dict[bytes, _Flow] = {}
    datagrams = UdpFlows()
    skipped_dtls = False
    by_id: dict[int, _Flow] = {}
    reasm = TcpReassembler()
    full_ids: dict[int, int] = {}  # reassembler connection -> our id (its first packet)
    full_by_id: dict[int, int] = {}
    now = 0.0

    def drop(conn: int) -> None:
        """The builder wants nothing more of ``conn``: filter its packets."""
        udp_conn = full_by_id.get(conn)
        if udp_conn is not None and datagrams.owns(udp_conn):
            datagrams.ignore(udp_conn)
            del full_by_id[conn]
            return
        fl = by_id.pop(conn, None)
        if fl is not None:
            k = fl.client_key
            rk = reverse_key(k)
            flows.pop(k, None)
            flows.pop(rk, None)
            dropped.drop((k, rk), now)
            return
        cid = full_by_id.pop(conn, None)
        if cid is None:
            return
        c = reasm._conns.get(cid)
        keys: list[bytes] = []
        if c is not None:  # the filter reads IPv4 frames only
            keys = [x for t in c.keys if len(t[0]) == 4 and (x := flow_key(*t)) is not None]
        reasm.forget(cid, now, remember=True)
        dropped.drop(keys, now)

    builder = SummaryBuilder(material=material, ignore=drop)
    out: list[CaptureEvent] = []

    def general(n: int, t: float, lt: int, frame: bytes) -> Iterator[tuple[int, Summary]]:
        nonlocal skipped_dtls
        seg = parse_frame(lt, frame)
        if seg is None:  # not TCP: a datagram, DTLS if its flow says so
            dg = parse_datagram(lt, frame)
            if dg is None or isinstance(dg, int):
                return
            if shard is not None and not in_shard(dg[1], dg[3], shard):
                return
            if not udp:
                if not skipped_dtls and looks_like_dtls(dg[4]) and notes is not None:
                    skipped_dtls = True
                    notes.append(_NO_UDP_IN_REGIONS)
                return
            datagrams.feed(out, t, n, dg)
            yield from flush(n)
            return
        if isinstance(seg, int):
            return
        # the fast reader shards only Ethernet frames: the others here
        if shard is not None and not in_shard(seg[1], seg[3], shard):
            return
        reasm.packet = n
        reasm.feed_into(out, t, *seg)
        yield from flush(n)

    def flush(n: int) -> Iterator[tuple[int, Summary]]:
        """Hand the reassembler's events so far to the builder."""
        if out:
            events = out[:]
            out.clear()
            yield from dispatch(events, n)

    def dispatch(events: list[CaptureEvent], n: int) -> Iterator[tuple[int, Summary]]:
        for ev in events:
            if isinstance(ev, StreamData):
                conn = full_ids.get(ev.conn)
                if conn is not None:
                    for s in builder.data(conn, ev.direction, ev.data, ev.time):
                        yield n, s
            elif isinstance(ev, StreamOpened):
                conn = ev.packet or ev.conn
                full_ids[ev.conn] = conn
                full_by_id[conn] = ev.conn
                client, server = str(ev.client), str(ev.server)
                builder.opened(
                    conn, client, server, ev.time, ev.syn_seen, conn, ev.by_syn, ev.transport
                )
            elif isinstance(ev, StreamClosed):
                conn = full_ids.pop(ev.conn, 0)
                full_by_id.pop(conn, None)
                for s in builder.closed(conn, ev.time, ev.reason):
                    yield n, s
            elif isinstance(ev, StreamGap):
                conn = full_ids.get(ev.conn)
                if conn is not None:
                    builder.gap(conn, ev.direction, ev.length, ev.time)
            elif isinstance(ev, CaptureNote) and notes is not None:
                notes.append(ev.message)  # the reassembler's buffer limit was reached

    def convert(fl: _Flow) -> Iterator[tuple[int, Summary]]:
        """Hand a connection to the full reassembler: replay its packets."""
        by_id.pop(fl.id, None)
        k = fl.client_key
        flows.pop(k, None)
        flows.pop(reverse_key(k), None)
        builder.discard(fl.id)
        for n, t, frame in fl.frames:
            yield from general(n, t, 1, frame)

    tail = False  # region reading past its end: only known connections
    # the lanes take connections the summary builder would follow with the
    # hello scanner or the quick verifier (not with the full key flow)
    lane_ok = lanes and not (material.rsa_keys or material.psks or material.ephemeral)
    keyed = builder.keyed  # key material comes at the start, or in secrets blocks
    for rec in records:
        if type(rec) is not tuple:
            if isinstance(rec, Secrets) and rec.kind == TLS_KEY_LOG:
                material.keylog.add_text(bytes(rec.data), source="pcapng secrets block")
                keyed = builder.keyed
            elif isinstance(rec, CaptureNote) and notes is not None:
                notes.append(rec.message)
            elif isinstance(rec, CaptureEnd):
                now = rec.time  # connections still open end with the capture
            elif isinstance(rec, RegionMark):
                if tail:
                    yield 0, Boundary(rec, _known(flows, dropped, reasm), tail=True)
                elif rec.reached:
                    tail = True
                    yield 0, Boundary(rec, _known(flows, dropped, reasm))
                    if not flows and not reasm._conns:
                        break
                else:
                    yield 0, Boundary(rec, {})
            continue
        n, t, lt, frame = rec
        now = t
        if tail:
            # past the region's end: packets of connections not followed
            # belong to the next region's reader
            if not flows and not reasm._conns:
                break
            if not _followed(lt, frame, flows, reasm):
                if reasm._resets:  # the packets not followed still tell the time
                    reasm.tick(out, t)
                    yield from flush(n)
                continue
        if lt != 1 or len(frame) < 54 or frame[23] != 6 or frame[12:15] != b"\x08\x00\x45":
            yield from general(n, t, lt, frame)
            continue
        key = frame[26:38]
        flags = frame[47]
        fl = flows.get(key)
        if fl is None:
            if (
                flags & 0x17 == _SYN
                and ((frame[16] << 8) | frame[17]) == 20 + ((frame[46] >> 4) << 2)
                and not (reasm._flows and _tuple(frame) in reasm._flows)
            ):
                # a fresh SYN (without data: TCP Fast Open's goes to the
                # reassembler): the tight loop follows this connection
                fl = _Flow(n, key, [(int.from_bytes(frame[38:42], "big") + 1) & _MASK, -1])
                fl.frames.append((n, t, frame))
                flows[key] = fl
                flows[reverse_key(key)] = fl
                by_id[n] = fl
                if lane_ok:
                    fl.lane = 0  # the builder hears of it only if the lane gives up
                else:
                    _open(builder, fl)
                continue
            yield from general(n, t, lt, frame)
            continue
        d = 0 if key == fl.client_key else 1
        seq = int.from_bytes(frame[38:42], "big")
        fl.frames.append((n, t, frame))
        if flags & 0x07:  # SYN, FIN or RST
            if flags & 0x17 == _SYN | _ACK and d == 1 and fl.next[1] < 0:
                fl.next[1] = (seq + 1) & _MASK
                continue
            if flags & 0x17 == _SYN and d == 0 and (seq + 1) & _MASK == fl.next[0]:
                continue  # the SYN again
            yield from convert(fl)
            continue
        total = (frame[16] << 8) | frame[17]
        start = 34 + ((frame[46] >> 4) << 2)
        size = total + 14 - start
        if size <= 0:
            continue
        expect = fl.next[d]
        if expect < 0 or seq != expect or len(frame) < total + 14:
            yield from convert(fl)
            continue
        fl.next[d] = (seq + size) & _MASK
        if fl.lane >= 0:
            if fl.lane == 0:  # its first data: which lane, decided as the builder would
                fl.lane = 2 if keyed else 1
            if fl.lane == 2:
                step = _key_lane(fl, d, frame[start : start + size], material)
            else:
                step = _lane(fl, d, frame, start, start + size)
            if step is None:
                continue
            if step:
                k = fl.client_key
                q = fl.quick
                facts = q.facts if q is not None else fl.facts
                assert facts is not None
                done = builder.settled(fl.id, *_endpoints(k), fl.frames[0][1], facts, t, q)
                drop(fl.id)
                yield n, done
                continue
            for s in _replay(builder, fl):
                yield n, s
            continue
        for s in builder.data(
            fl.id, "client" if d == 0 else "server", frame[start : start + size], t
        ):
            yield n, s
    for fl in list(by_id.values()):
        for s in _replay(builder, fl):
            yield 1 << 62, s
    yield from dispatch(datagrams.finish(now), 1 << 62)
    yield from _finish(builder, reasm, now, dispatch)


def _open(builder: SummaryBuilder, fl: _Flow) -> None:
    n, t, _ = fl.frames[0]
    builder.opened(n, *_endpoints(fl.client_key), t, True, n, True)


def _replay(builder: SummaryBuilder, fl: _Flow) -> Iterator[Summary]:
    """A lane gives up on ``fl``: the builder follows it from its start."""
    if fl.lane < 0:
        return
    fl.lane = -1
    fl.facts = fl.quick = None
    _open(builder, fl)
    for _, t, frame in fl.frames:
        total = (frame[16] << 8) | frame[17]
        start = 34 + ((frame[46] >> 4) << 2)
        if total + 14 > start:
            direction = "client" if frame[26:38] == fl.client_key else "server"
            yield from builder.data(fl.id, direction, frame[start : total + 14], t)


@functools.cache
def _quick_verifier() -> Any:
    """The quick verifier's class, imported on first use (only with keys)."""
    from .quickkeys import QuickVerifier

    return QuickVerifier


def _key_lane(fl: _Flow, d: int, data: bytes, material: KeyMaterial) -> bool | None:
    """With a key log: the quick Finished check (:mod:`.quickkeys`),
    fed straight from the segments of a connection whose client spoke first
    and in TLS (as the summary builder would find).  True: done; None: go on;
    False: the builder takes the connection over (and may fall back to the
    full key flow)."""
    q = fl.quick
    if q is None:
        if d or len(data) < 6 or not verdict(data[:6], True):
            return False
        fl.quick = q = _quick_verifier()(material.keylog)
    q.feed("server" if d else "client", data)
    if q.unsure:
        return False
    return True if q.status is not None else None


def _lane(fl: _Flow, d: int, frame: bytes, pos: int, end: int) -> bool | None:
    """The hellos of the common connection, read straight from its segments:
    the client's first segment is one record holding its whole ClientHello,
    and the server's segments are whole records of whole messages up to the
    point where the summary is settled (as :class:`~.hellos.HelloScanner`
    decides it, with the same functions of :mod:`.hellos`).  True: settled;
    None: go on; False: anything else (the builder then replays the
    connection)."""
    facts = fl.facts
    if facts is None:
        if d or end - pos < 9 or frame[pos] != HANDSHAKE or frame[pos + 5] != CLIENT_HELLO:
            return False
        length = (frame[pos + 3] << 8) | frame[pos + 4]
        if pos + 5 + length != end or not plausible_header(
            HANDSHAKE, frame[pos + 1], frame[pos + 2], length
        ):
            return False
        if ((frame[pos + 6] << 16) | (frame[pos + 7] << 8) | frame[pos + 8]) + 4 != length:
            return False
        fl.facts = facts = HelloFacts()
        client_hello(facts, frame, pos + 9, end)
        return None
    if not d:
        return False
    while pos < end:
        if pos + 5 > end:
            return False
        ctype = frame[pos]
        stop = pos + 5 + ((frame[pos + 3] << 8) | frame[pos + 4])
        if stop > end:
            return False
        if ctype != HANDSHAKE:
            if ctype in (APPLICATION_DATA, CHANGE_CIPHER_SPEC):
                # data, or a resumed handshake's ChangeCipherSpec: the hellos are over
                return facts.cipher_suite is not None and settled_by_record(facts, ctype)
            return False
        p = pos + 5
        while p < stop:
            if p + 4 > stop:
                return False
            mend = p + 4 + ((frame[p + 1] << 16) | (frame[p + 2] << 8) | frame[p + 3])
            if mend > stop:
                return False
            t = frame[p]
            if t == SERVER_HELLO:
                f = server_hello(facts, frame, p + 4, mend)
                if f is not None and f.hello_retry:
                    return False  # a HelloRetryRequest: the builder follows the rest
            elif t == SERVER_KEY_EXCHANGE:
                server_key_exchange(facts, frame, p + 4, mend)
            elif t == CLIENT_HELLO:
                return False  # from the server: the builder reads it as the decoder does
            if settled_by_message(facts, t):
                return True
            p = mend
        pos = stop
    return None


def _tuple(f: bytes) -> tuple[bytes, int, bytes, int]:
    """An Ethernet/IPv4/TCP frame's 4-tuple, as the reassembler keys it."""
    return (f[26:30], (f[34] << 8) | f[35], f[30:34], (f[36] << 8) | f[37])


def _followed(lt: int, frame: bytes, flows: dict[bytes, _Flow], reasm: TcpReassembler) -> bool:
    """Is this packet one of a connection this loop or the reassembler follows?"""
    if lt == 1 and len(frame) >= 54 and frame[23] == 6 and frame[12:15] == b"\x08\x00\x45":
        return frame[26:38] in flows or _tuple(frame) in reasm._flows
    seg = parse_frame(lt, frame)
    return seg is not None and not isinstance(seg, int) and seg[:4] in reasm._flows


def _known(
    flows: dict[bytes, _Flow],
    dropped: DroppedFlows,
    reasm: TcpReassembler,
) -> dict[bytes, float]:
    """Keys (addresses then ports) of the connections followed or lately
    closed, with when they closed (infinity: not yet)."""
    known = dict(dropped)
    for tup, t in reasm.closed_tuples():
        if (key := flow_key(*tup)) is not None:
            known[key] = t
    for tup in reasm._flows:
        if (key := flow_key(*tup)) is not None:
            known[key] = math.inf
    for key in flows:
        known[key] = math.inf
    return known


def _finish(
    builder: SummaryBuilder,
    reasm: TcpReassembler,
    now: float,
    dispatch: Callable[[list[CaptureEvent], int], Iterator[tuple[int, Summary]]],
) -> Iterator[tuple[int, Summary]]:
    yield from dispatch(reasm.finish(now), 1 << 62)
    for s in builder.finish(now):
        yield 1 << 62, s
