#!/usr/bin/env python3
"""TCP reassembly (``capture/tcp.py``): segments in, byte streams out.

Input: a sequence of segments, each ``[what][flags][seq: 2][ack: 2][n][payload:
n bytes]``.  ``what`` picks one of four connections (bits 0-1) and the
direction (bit 2), stretches the snap length (bit 3: the wire carried more than
was captured), lets the capture clock jump (bit 4), and asks the consumer to
ignore (bit 5) or forget (bit 6) the connection; ``flags`` are the TCP flags;
sequence and acknowledgement numbers are signed 16-bit offsets from each
direction's initial sequence number near 2**32, so that the streams wrap, and
segments overlap, repeat and leave holes at will.

Besides never raising, the reassembler's own promises are checked on what it
emits: every connection is opened once before anything else is said of it and
closed at most once; each direction's data and gaps follow one another with no
hole and no overlap (a hole is never bridged silently).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Cursor, capture_files, main

from tlsviz.capture.packets import parse_frame
from tlsviz.capture.tcp import (
    CaptureEvent,
    CaptureNote,
    StreamClosed,
    StreamData,
    StreamGap,
    StreamOpened,
    TcpReassembler,
)

MAX_LEN = 4096

_HOSTS = [
    (b"\x0a\x00\x00\x01", 40000 + i, b"\x0a\x00\x00\x02", 443 if i < 3 else 8443) for i in range(4)
]
_ISN = (0xFFFFFF00, 0x7FFFFFF0)  # the client's wraps after 256 bytes


class Checker:
    """The promises of the reassembler's events, checked as they come."""

    def __init__(self) -> None:
        self.open: set[int] = set()
        self.closed: set[int] = set()
        self.next: dict[tuple[int, str], int] = {}

    def check(self, events: list[CaptureEvent]) -> None:
        for ev in events:
            if isinstance(ev, StreamOpened):
                assert ev.conn not in self.open and ev.conn not in self.closed, ev
                self.open.add(ev.conn)
                continue
            if isinstance(ev, CaptureNote):
                assert ev.message.endswith(".") and "\n" not in ev.message, ev
                continue
            conn = getattr(ev, "conn", None)
            assert conn in self.open, ev
            if isinstance(ev, StreamClosed):
                self.open.discard(ev.conn)
                self.closed.add(ev.conn)
            elif isinstance(ev, StreamData | StreamGap):
                key = (ev.conn, ev.direction)
                length = len(ev.data) if isinstance(ev, StreamData) else ev.length
                assert length > 0, ev
                expected = self.next.get(key)
                assert expected is None or ev.offset == expected, (ev, expected)
                assert expected is not None or ev.offset >= 0, ev
                self.next[key] = ev.offset + length


def test_one_input(data: bytes) -> None:
    c = Cursor(data)
    r = TcpReassembler()
    checker = Checker()
    t = 1.0
    count = 0
    conns: dict[int, int] = {}  # connection slot -> the id it was given
    while c.remaining and count < 512:
        count += 1
        what, flags = c.u8(), c.u8()
        seq_off = c.uint(2) - 0x8000
        ack_off = c.uint(2) - 0x8000
        payload = c.take(c.u8())
        slot, back = what & 3, bool(what & 4)
        src, sport, dst, dport = _HOSTS[slot]
        d = 1 if back else 0
        if back:
            src, sport, dst, dport = dst, dport, src, sport
        seq = (_ISN[d] + seq_off) & 0xFFFFFFFF
        ack = (_ISN[1 - d] + ack_off) & 0xFFFFFFFF
        wire = len(payload) + (16 if what & 8 else 0)
        t += 300.0 if what & 16 else 0.01
        r.packet = count
        out = r.feed(t, src, sport, dst, dport, seq, ack, flags, payload, wire)
        for ev in out:
            if isinstance(ev, StreamOpened):
                conns[slot] = ev.conn
        checker.check(out)
        if what & 0x60 and slot in conns:
            if what & 0x20:
                r.ignore(conns[slot])
            else:
                r.forget(conns[slot], t, remember=bool(what & 0x80))
                checker.open.discard(conns[slot])
                checker.closed.add(conns[slot])
    out = []
    r.tick(out, t + 2)
    checker.check(out)
    checker.check(r.finish(t + 3))


def _encode(segments: list[tuple[int, int, int, int, bytes]]) -> bytes:
    out = bytearray()
    for what, flags, seq_off, ack_off, payload in segments:
        payload = payload[:255]
        out += bytes([what, flags])
        out += ((seq_off + 0x8000) & 0xFFFF).to_bytes(2, "big")
        out += ((ack_off + 0x8000) & 0xFFFF).to_bytes(2, "big")
        out += bytes([len(payload)]) + payload
    return bytes(out)


def seeds(corpus: Path | None) -> Iterator[bytes]:
    """The packets of the captures, their sequence numbers made relative to
    each direction's first one, payloads split into segments of 255 bytes."""
    from tlsviz.capture.pcapfile import CaptureError, iter_packets

    for path in capture_files(corpus):
        try:
            packets = list(iter_packets(path))
        except CaptureError:
            continue
        slots: dict[tuple[object, ...], int] = {}
        bases: dict[tuple[object, ...], int] = {}
        segments = []
        for _, lt, frame in packets[:200]:
            seg = parse_frame(lt, frame)
            if seg is None or isinstance(seg, int):
                continue
            src, sport, dst, dport, seq, ack, flags, payload, _ = seg
            key, rev = (src, sport, dst, dport), (dst, dport, src, sport)
            back = rev in slots
            conn = rev if back else key
            if conn not in slots:
                if len(slots) == 4:
                    continue
                slots[conn] = len(slots)
            base = bases.setdefault(key, seq)
            ack_base = bases.get(rev)
            ack_off = ((ack - ack_base) & 0xFFFFFFFF) if ack_base is not None else 0
            what = slots[conn] | (4 if back else 0)
            pieces = [payload[i : i + 255] for i in range(0, len(payload), 255)] or [b""]
            for i, piece in enumerate(pieces):
                seq_off = (seq + 255 * i - base) & 0xFFFFFFFF
                last = i == len(pieces) - 1
                segments.append(
                    (what, flags if last else flags & ~1, min(seq_off, 0x7FFF),
                     min(ack_off, 0x7FFF), piece)
                )  # fmt: skip
        if segments:
            yield _encode(segments)


if __name__ == "__main__":
    main("tcp", test_one_input, seeds, MAX_LEN)
