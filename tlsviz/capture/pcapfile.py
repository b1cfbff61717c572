"""Capture files: opening, format detection, and the reader that turns a
pcap/pcapng file into per-connection TCP byte streams.

Packets are read with scapy's *raw* readers (``RawPcapReader`` and
``RawPcapNgReader``): they handle both pcap byte orders and the nanosecond
magic, pcapng sections, Interface Description Blocks with ``if_tsresol``,
Enhanced/Simple/obsolete Packet Blocks, and gzip.  They are imported lazily,
inside :class:`_CaptureFile`, because importing scapy costs a quarter of a
second and ``import tlsviz.capture`` should not.

scapy 2.8's ``RawPcapNgReader`` does parse Decryption Secrets Blocks
(``_read_block_dsb``), but it only installs TLS key-log lines into scapy's
global ``conf`` when scapy's TLS layer is loaded, and never hands the bytes
to the caller.  Rather than writing a second pcapng parser, we replace that
one entry of the reader's per-instance ``blocktypes`` table with a handler
that queues a :class:`Secrets` event; the queue is drained before the next
packet is handed on, so secrets keep their place in file order.  The
Enhanced Packet Block entry is replaced too, for speed (see :meth:`_epb`);
block framing, sections and interfaces stay scapy's.  Likewise a
new Section Header Block must reset the interface list (pcapng interface ids
are per section), which scapy does not do, so that hook is wrapped too.
Known limitation: ``if_tsoffset`` is ignored (scapy does not expose it).
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from collections.abc import Iterator
from typing import IO, Any, Final

from .fastread import PCAP_MAGICS, CaptureEnd, DroppedFlows, Shard, flow_key, in_shard
from .packets import SKIP_FRAGMENT, parse_frame
from .tcp import (
    _DIRS,
    MAX_CLOSED,
    CaptureEvent,
    CaptureNote,
    Secrets,
    StreamData,
    TcpReassembler,
)
from .udp import UdpFlows, parse_datagram

__all__ = ["CaptureError", "CaptureReader", "iter_packets", "read_capture"]

# Magic numbers: pcap File Header (fastread.PCAP_MAGICS); pcapng Section
# Header Block type (draft-ietf-opsawg-pcapng, "Section Header Block").
_PCAPNG_MAGIC: Final = b"\x0a\x0d\x0d\x0a"
_GZIP_MAGIC: Final = b"\x1f\x8b"  # RFC 1952 §2.3.1
_EPB_TYPE: Final = 0x00000006  # pcapng Enhanced Packet Block
_DSB_TYPE: Final = 0x0000000A  # pcapng Decryption Secrets Block
_EPB_HEADER: Final = {e: struct.Struct(e + "5I") for e in "<>!"}
#: Largest frame kept whole.  scapy's default (65535) would clip loopback
#: frames (MTU 65536 plus link header) and GSO super-packets.
_MAX_FRAME: Final = 1 << 20
#: scapy's pcap reader reads at most this much of one record (MTU * 4).
_SCAPY_CHUNK: Final = 0xFFFF * 4
#: A record longer than this is corruption, not a packet.
_MAX_CAPLEN: Final = 1 << 26

TRUNCATED: Final = "The capture ends in the middle of a packet; the last packet was ignored."
Record = tuple[float, int, bytes] | Secrets | CaptureNote

#: how a connection's end came among its packet's events (CaptureReader.rank)
RANK_GRACE: Final = 0
RANK_IDLE: Final = 1
RANK_PACKET: Final = 2
RANK_END: Final = 3


def _conn_of(ev: CaptureEvent) -> int:
    return getattr(ev, "conn", -1)  # (a note of the reassembler has none)


class CaptureError(Exception):
    """A file that cannot be read as a capture; ``str(e)`` is one plain sentence."""


def _damaged(packets: int) -> str:
    return f"The capture file is damaged after packet {packets}; the rest of it was ignored."


def _quiet_scapy(record: Any) -> bool:
    """Drop scapy's per-packet reader warnings (a logging filter): we report
    problems ourselves, as one sentence, instead of log lines spilling into
    the terminal UI."""
    # scapy says "more Pcap..." when a warning repeats
    return not str(record.msg).removeprefix("more ").startswith("Pcap")


_quiet_installed = False


def _scapy_readers() -> tuple[Any, Any]:
    global _quiet_installed
    import logging

    from scapy.utils import RawPcapNgReader, RawPcapReader

    if not _quiet_installed:
        logging.getLogger("scapy.runtime").addFilter(_quiet_scapy)
        _quiet_installed = True
    return RawPcapReader, RawPcapNgReader


class _CaptureFile:
    """An open capture file: validated at construction, then read once."""

    def __init__(self, path: str | os.PathLike[str], *, lazy: bool = False) -> None:
        """``lazy``: for an uncompressed file, check only the header and load
        scapy's readers when records are first asked for (the memory-mapped
        reader of :mod:`.fastread` may never need them)."""
        name = os.fspath(path)
        self.name = name
        self._opened = False
        self.link_type: int = -1
        try:
            raw = open(name, "rb")  # noqa: SIM115 - closed in close()
        except FileNotFoundError:
            raise CaptureError(f"'{name}' does not exist.") from None
        except IsADirectoryError:
            raise CaptureError(f"'{name}' is a folder, not a capture file.") from None
        except PermissionError:
            raise CaptureError(f"'{name}' cannot be read: permission denied.") from None
        except OSError as e:
            raise CaptureError(f"'{name}' cannot be read: {e.strerror or e}.") from None
        self._raw: IO[bytes] = raw
        try:
            self.file_size = os.fstat(raw.fileno()).st_size
            self.kind, self.compressed = self._detect(raw)
            raw.seek(0)
            if lazy and not self.compressed:
                self.link_type = -1
                if self.kind == "pcap":
                    header = raw.read(24)
                    raw.seek(0)
                    if len(header) < 24:
                        raise CaptureError(f"'{name}' is damaged: its pcap header cannot be read.")
                    order = "<" if header[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
                    self.link_type = struct.unpack_from(order + "I", header, 20)[0] & 0x0FFFFFFF
                else:  # pcapng: the section header's length and byte-order magic
                    header = raw.read(12)
                    raw.seek(0)
                    bom = header[8:12]
                    endian = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}.get(bom)
                    if endian is None or struct.unpack_from(endian + "I", header, 4)[0] < 28:
                        raise CaptureError(
                            f"'{name}' is damaged: its pcapng header cannot be read."
                        )
            else:
                self._open_reader()
        except CaptureError:
            raw.close()
            raise
        except Exception as e:  # scapy, zlib, struct: the header is unusable
            raw.close()
            raise CaptureError(
                f"'{name}' is damaged: its {self.kind} header cannot be read."
            ) from e

    def _detect(self, raw: IO[bytes]) -> tuple[str, bool]:
        """Recognise the format by magic number, never by file extension."""
        self.kind = "capture"
        head = raw.read(4)
        compressed = head[:2] == _GZIP_MAGIC
        if compressed:
            import gzip  # lazily: only compressed captures need it

            raw.seek(0)
            try:
                with gzip.GzipFile(fileobj=raw) as gz:
                    head = gz.read(4)
            except (OSError, EOFError, zlib.error):
                raise CaptureError(
                    f"'{self.name}' is a gzip file that cannot be decompressed."
                ) from None
        if not head:
            raise CaptureError(f"'{self.name}' is empty.")
        if head in PCAP_MAGICS:
            return "pcap", compressed
        if head == _PCAPNG_MAGIC:
            return "pcapng", compressed
        if compressed:
            raise CaptureError(f"'{self.name}' is compressed but holds no pcap or pcapng capture.")
        raise CaptureError(f"'{self.name}' is not a pcap or pcapng file.")

    def _open_reader(self) -> None:
        self._opened = True
        pcap_cls, pcapng_cls = _scapy_readers()
        self._pending: list[Record] = []
        self._stash: list[Record] = []
        if self.kind == "pcap":
            rdr = pcap_cls(self._raw)
            self.link_type = rdr.linktype
        else:
            rdr = pcapng_cls(self._raw)
            rdr.blocktypes[_DSB_TYPE] = self._dsb
            rdr.blocktypes[_EPB_TYPE] = self._epb
            new_section = rdr._read_block_shb

            def shb() -> None:
                rdr.interfaces.clear()  # interface ids restart in each section
                new_section()

            rdr._read_block_shb = shb
            self.link_type = -1
        self._rdr = rdr
        self._gen = self._read_pcap() if self.kind == "pcap" else self._read_pcapng()
        if self.kind == "pcapng":
            # Read ahead to the first Interface Description Block so that
            # link_type is known before iteration, as it is for pcap.
            for rec in self._gen:
                self._stash.append(rec)
                if rdr.interfaces or len(self._stash) > 16:
                    break
            if rdr.interfaces:
                self.link_type = rdr.interfaces[0][0]

    def _epb(self, block: bytes, size: int) -> tuple[bytes, tuple[int, float]] | None:
        """Enhanced Packet Block (draft-ietf-opsawg-pcapng, "Enhanced Packet
        Block"): interface id, 64-bit timestamp in the interface's if_tsresol
        units, captured and original length, data, options.  Replaces scapy's
        handler, which also decodes every block's options into a dict and
        builds a 9-field namedtuple: half the cost of reading a pcapng file,
        for fields we drop."""
        rdr = self._rdr
        intid, hi, lo, caplen, _ = _EPB_HEADER[rdr.endian].unpack_from(block)
        if intid >= len(rdr.interfaces):
            return None  # no such interface: a damaged block, skip it like scapy does
        linktype, _, opts = rdr.interfaces[intid]
        return block[20 : 20 + caplen], (linktype, ((hi << 32) | lo) / opts["tsresol"])

    def _dsb(self, block: bytes, size: int) -> None:
        """Decryption Secrets Block (draft-ietf-opsawg-pcapng, "Decryption
        Secrets Block"): secrets type, secrets length, data padded to 32 bits,
        options.  Type 0x544c534b ("TLSK") is an NSS key log."""
        if len(block) < 8:
            self._pending.append(
                CaptureNote("A decryption secrets block is too short; it was ignored.")
            )
            return None
        kind, length = struct.unpack_from(self._rdr.endian + "II", block)
        data = block[8 : 8 + length]
        if len(data) < length:
            self._pending.append(
                CaptureNote("A decryption secrets block is cut short; it was ignored.")
            )
            return None
        self._pending.append(Secrets(kind, bytes(data), None))
        return None

    @property
    def bytes_read(self) -> int:
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return self.file_size

    def records(self) -> Iterator[Record]:
        """Packets as ``(time, linktype, frame)``, plus Secrets and notes."""
        if not self._opened:
            self._open_reader()
        yield from self._stash
        self._stash.clear()
        yield from self._gen

    def _end(self, expected: int, packets: int) -> CaptureNote | None:
        """Classify the end of reading: clean end of file, cut mid-packet, or damage."""
        f = self._rdr.f
        try:
            at = f.tell()
            more = f.read(1)
        except (OSError, EOFError, zlib.error, ValueError):
            return CaptureNote(TRUNCATED)  # compressed stream cut short or corrupt
        if more:
            return CaptureNote(_damaged(packets))
        if at != expected:
            return CaptureNote(TRUNCATED)
        return None

    def _read_pcap(self) -> Iterator[Record]:
        rdr = self._rdr
        read = rdr._read_packet
        lt = rdr.linktype
        scale = 1e-9 if rdr.nano else 1e-6
        # A record longer than the snap length (or 256 KiB, tcpdump's maximum,
        # for files that state none) means the record headers are garbage.
        limit = min(max(rdr.snaplen, 0x40000), _MAX_CAPLEN)
        pos = 24  # after the file header
        n = 0
        try:
            while True:
                try:
                    data, meta = read(_MAX_FRAME)
                except EOFError:
                    note = self._end(pos, n)
                    if note is not None:
                        yield note
                    return
                caplen = meta.caplen
                if caplen > limit:
                    yield CaptureNote(_damaged(n))
                    return
                if len(data) < caplen and len(data) < _SCAPY_CHUNK:
                    yield CaptureNote(TRUNCATED)
                    return
                pos += 16 + caplen
                n += 1
                yield (meta.sec + meta.usec * scale, lt, data)
        except Exception:  # never a traceback for a bad file
            yield CaptureNote(_damaged(n))

    def _read_pcapng(self) -> Iterator[Record]:
        rdr = self._rdr
        read_block = rdr._read_block
        tell = rdr.f.tell
        pending = self._pending
        n = 0
        t = 0.0
        try:
            while True:
                start = tell()
                try:
                    res = read_block(_MAX_FRAME)
                except EOFError:
                    yield from pending
                    note = self._end(start, n)
                    if note is not None:
                        yield note
                    return
                if pending:
                    yield from pending
                    pending.clear()
                if res is None:
                    continue
                data, meta = res
                n += 1
                if type(meta) is tuple:  # from _epb
                    linktype, t = meta
                    yield (t, linktype, data)
                    continue
                # scapy's Simple (no time of its own) or obsolete Packet Block
                if meta.tshigh is not None:
                    t = ((meta.tshigh << 32) | meta.tslow) / meta.tsresol
                yield (t, meta.linktype, data)
        except Exception:  # never a traceback for a bad file
            yield from pending
            yield CaptureNote(_damaged(n))

    def close(self) -> None:
        if self._opened:
            with contextlib.suppress(Exception):  # scapy's close may trip on a damaged stream
                self._rdr.close()
        self._raw.close()


def iter_packets(path: str | os.PathLike[str]) -> Iterator[tuple[float, int, bytes]]:
    """Every packet in the file as ``(time, linktype, frame)``.

    Raises :class:`CaptureError` at once (not on first ``next``) when the file
    is not a readable capture.  Damage later in the file ends the iteration.
    """
    cf = _CaptureFile(path)

    def gen() -> Iterator[tuple[float, int, bytes]]:
        try:
            for rec in cf.records():
                if not isinstance(rec, (Secrets, CaptureNote)):
                    yield rec
        finally:
            cf.close()

    return gen()


class CaptureReader:
    """Streams :data:`CaptureEvent` s from a capture file, in packet order.

    The file is opened and its header checked at construction (raising
    :class:`CaptureError`); iterating reads it once and closes it.  Iterating
    again starts over from the beginning.  ``packets`` and ``bytes_read``
    (compressed bytes for gzip files, to compare with ``file_size``) drive a
    progress bar.  A reader that is never iterated should be closed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fast: bool = False,
        shard: Shard | None = None,
        start: tuple[int, int] | None = None,
    ) -> None:
        self._path = path
        #: with ``fast``: ``(offset, packets before it)`` of a classic pcap
        #: packet record to start reading at (see :func:`.fastread.packet_index`)
        self.start = start
        #: with ``(k, n, width)``, only the connections whose ports hash to
        #: buckets k to k + width - 1 of n are read, the same in both directions
        #: (:func:`.fastread.in_shard`): processes share a capture
        self.shard = shard
        #: memory-mapped reading and a per-packet filter for the connections the
        #: consumer has dropped (see :mod:`.fastread`); for big captures
        self.fast = fast
        self._file: _CaptureFile | None = _CaptureFile(path, lazy=fast)
        self._current = self._file
        self.link_type: int = self._file.link_type
        self.file_size: int = self._file.file_size
        self.packets = 0
        self._reasm = TcpReassembler()
        self._udp = UdpFlows()
        self._ignored: set[int] = set()
        self._dropped = DroppedFlows(MAX_CLOSED)  # ignored flows, skipped by the mapped reader
        self._now = 0.0  # the time of the packet being read
        self._progress = [0]  # file position of the memory-mapped reader
        self._mapped = False  # the memory-mapped reader (and its key filter) is in use

    @property
    def position(self) -> int:
        """The number of the packet being read (whose reading made the last event)."""
        return self._reasm.packet

    #: Where the last event falls among the events of its packet (:attr:`position`):
    #: the connections whose reset grace period ran out before it (RANK_GRACE),
    #: then the UDP flows it found idle (RANK_IDLE), each in order of id, then
    #: what the packet itself brought (RANK_PACKET), then at the capture's end
    #: whatever was still open (RANK_END), in order of id.  One reader of the
    #: whole file, or several that each follow some of the connections, place
    #: every connection's end at the same (position, rank, id).
    rank: int = RANK_PACKET

    @property
    def bytes_read(self) -> int:
        if self.fast and self._progress[0]:
            return self._progress[0]
        return self._current.bytes_read

    def close(self) -> None:
        """Release the file (iteration does this by itself when it ends)."""
        self._current.close()
        self._file = None

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ignore(self, conn: int) -> None:
        """Stop buffering and emitting anything more for ``conn``."""
        self._ignored.add(conn)
        if self._udp.owns(conn):
            self._udp.ignore(conn)
            return
        self._reasm.ignore(conn)
        if self.fast:
            c = self._reasm._conns.get(conn)
            if c is not None:
                keys = (flow_key(*k) for k in c.keys)
                self._dropped.drop([k for k in keys if k is not None], self._now)
            # nothing more is wanted from it: free its state at once (its late
            # packets are filtered by their keys, for a while)
            self._reasm.forget(conn, self._now, remember=not (self._mapped and self.link_type == 1))

    def __iter__(self) -> Iterator[CaptureEvent]:
        cf = self._file if self._file is not None else _CaptureFile(self._path, lazy=self.fast)
        self._file = None
        self._current = cf
        self.packets = 0
        self._reasm = reasm = TcpReassembler()
        self._udp = UdpFlows()
        self._ignored = ignored = set[int]()
        self._dropped = DroppedFlows(MAX_CLOSED)
        return self._events(cf, reasm, ignored)

    def _events(
        self, cf: _CaptureFile, reasm: TcpReassembler, ignored: set[int]
    ) -> Iterator[CaptureEvent]:
        out: list[CaptureEvent] = []
        feed = reasm.feed_into
        parse = parse_frame
        count = 0
        t = 0.0
        noted: set[int] = set()
        records: Iterator[Record] | None = None
        resets = reasm.deadlines
        udp = self._udp
        if self.fast:
            from .fastread import fast_records

            offset, before = self.start if self.start is not None else (0, 0)
            records = fast_records(  # type: ignore[assignment]
                cf.name, self._dropped, self.shard, self._progress, offset, number=before,
                deadlines=resets,
            )  # fmt: skip
            self._mapped = records is not None
        shard = self.shard
        in_order = reasm.in_order if self.fast else None
        # packets are plain tuples, the other records named ones: told apart
        # by type (one test a packet), so the loop takes them untyped
        source: Iterator[Any] = records if records is not None else cf.records()
        try:
            for rec in source:
                if type(rec) is not tuple:
                    if isinstance(rec, CaptureEnd):
                        # the last packet's time, whether or not it was skipped:
                        # what is still open ends with the capture
                        self._now = t = rec.time
                        continue
                    self.packets = count
                    yield rec  # Secrets or CaptureNote
                    continue
                if len(rec) == 4:
                    # the fast reader numbers packets and has already skipped
                    # those of no interest (see fastread.fast_records)
                    count, t, lt, frame = rec
                else:
                    t, lt, frame = rec
                    count += 1
                reasm.packet = count
                self._now = t
                if resets and t > resets[0][0]:
                    # grace periods over: those connections end before this
                    # packet is handled, whether it is followed or skipped
                    reasm.tick(out, t)
                    if out:
                        self.packets = count
                        yield from self._ranked(out, ignored, RANK_GRACE)
                if frame is None:
                    continue  # a skipped packet's time (see fast_records)
                if (
                    in_order is not None
                    and lt == 1
                    and len(frame) >= 54
                    and frame[23] == 6
                    and not frame[47] & 0x07
                    and frame[12:15] == b"\x08\x00\x45"
                ):
                    # Ethernet/IPv4/TCP data continuing its stream: the common
                    # case, handled without a Segment or the full reassembler.
                    total = (frame[16] << 8) | frame[17]
                    start = 34 + ((frame[46] >> 4) << 2)
                    n = total + 14 - start
                    if n > 0 and len(frame) >= total + 14:
                        hit = in_order(
                            (frame[26:30], (frame[34] << 8) | frame[35], frame[30:34],
                             (frame[36] << 8) | frame[37]),
                            int.from_bytes(frame[38:42], "big"),
                            n,
                        )  # fmt: skip
                        if hit is not None:
                            cid, d, off = hit
                            if cid not in ignored:
                                self.packets = count
                                yield StreamData(cid, _DIRS[d], frame[start : start + n], t, off)
                            continue
                seg = parse(lt, frame)
                if seg is None:
                    # not TCP: a UDP datagram (DTLS is found in them by content)?
                    dg = parse_datagram(lt, frame)
                    if dg is None:
                        continue
                    if isinstance(dg, int):
                        note = self._skip_note(dg, lt, noted)
                        if note is not None:
                            self.packets = count
                            yield note
                        continue
                    udp.expire(out, t)  # (followed or not, as above)
                    if out:
                        self.packets = count
                        yield from self._ranked(out, ignored, RANK_IDLE)
                    if shard is not None and not in_shard(dg[1], dg[3], shard):
                        continue
                    udp.feed(out, t, count, dg)
                    self.packets = count
                    for ev in out:
                        if ev.conn not in ignored:  # type: ignore[union-attr]
                            yield ev
                    out.clear()
                    continue
                if (
                    shard is not None
                    and not isinstance(seg, int)
                    and not in_shard(seg[1], seg[3], shard)
                ):
                    continue
                if isinstance(seg, int):
                    note = self._skip_note(seg, lt, noted)
                    if note is not None:
                        self.packets = count
                        yield note
                    continue
                feed(out, t, *seg)
                if out:
                    # The consumer only looks between yields, so counting in a
                    # local and publishing here costs nothing per packet.
                    self.packets = count
                    # ignore() may be called between two events of one packet
                    # (a connection opened by a packet that carries data), so
                    # each event is checked when its turn comes
                    for ev in out:
                        if not ignored or getattr(ev, "conn", 0) not in ignored:
                            yield ev  # (a CaptureNote of the reassembler has no conn)
                    out.clear()
            self.packets = count
            out.extend(reasm.finish(t))
            out.extend(udp.finish(t))
            yield from self._ranked(out, ignored, RANK_END)
        finally:
            cf.close()

    def _ranked(
        self, out: list[CaptureEvent], ignored: set[int], rank: int
    ) -> Iterator[CaptureEvent]:
        """The events of connections ended together, in order of id, with
        :attr:`rank` saying how they ended; ``out`` is emptied."""
        out.sort(key=_conn_of)  # (stable: each connection's own events keep their order)
        self.rank = rank
        try:
            for ev in out:
                if _conn_of(ev) not in ignored:
                    yield ev
        finally:
            self.rank = RANK_PACKET
            out.clear()

    @staticmethod
    def _skip_note(code: int, linktype: int, noted: set[int]) -> CaptureNote | None:
        """One note per kind of skipped packet, not one per packet."""
        key = -1 if code == SKIP_FRAGMENT else linktype
        if key in noted:
            return None
        noted.add(key)
        if code == SKIP_FRAGMENT:
            return CaptureNote(
                "The capture contains IP fragments; tlsviz skips all but the first piece "
                "of a TCP segment and every piece of a UDP datagram, so some data will be "
                "missing."
            )
        return CaptureNote(f"Packets with link type {linktype} are not supported and were skipped.")


def read_capture(path: str | os.PathLike[str]) -> CaptureReader:
    """Open ``path`` for reading; see :class:`CaptureReader`."""
    return CaptureReader(path)
