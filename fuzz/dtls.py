#!/usr/bin/env python3
"""The DTLS decoder (:class:`~tlsviz.wire.dtls_connection.DatagramDecoder`):
datagrams of both directions, in the clear.

Input: ``[flags]`` then datagrams, each ``[direction and length: 2 bytes][bytes]``
(the top bit of the two bytes is the direction, the other 15 the length).
Each datagram is one ``receive_data`` call, as the capture layer hands a UDP
flow's datagrams on; every event is pulled and every message's fields are
rendered as the views render them.  DTLS brings what TLS has not: records
framed inside one datagram, epochs and unified headers, handshake fragments
in any order, retransmissions, HelloVerifyRequest cookies, connection IDs and
ACKs.  The decoder must turn any datagrams into messages and diagnostics,
never raise.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Cursor, capture_files, main
from decoder import drain

from tlsviz.wire.dtls_connection import DatagramDecoder

MAX_LEN = 4096


def test_one_input(data: bytes) -> None:
    c = Cursor(data)
    flags = c.u8()
    dec = DatagramDecoder(
        record_fields=not flags & 1,
        certificates=not flags & 2,
        mid_stream=bool(flags & 4),
        skip_application_data=bool(flags & 8),
    )
    i = 0
    while c.remaining:
        head = c.uint(2)
        direction = "server" if head & 0x8000 else "client"
        dec.receive_data(direction, c.take(head & 0x7FFF), float(i))
        drain(dec)
        i += 1
    dec.close(truncated=bool(flags & 0x10))
    drain(dec)


def encode(datagrams: list[tuple[str, bytes]], flags: int = 0) -> bytes:
    out = bytearray([flags])
    for direction, d in datagrams:
        d = d[:0x7FFF]
        out += (len(d) | (0x8000 if direction == "server" else 0)).to_bytes(2, "big") + d
    return bytes(out)


def udp_flows(path: Path) -> list[list[tuple[str, bytes]]]:
    """Each UDP flow of a capture as its datagrams in capture order."""
    from tlsviz.capture import CaptureError, CaptureReader
    from tlsviz.capture.tcp import StreamData, StreamOpened

    flows: dict[int, list[tuple[str, bytes]]] = {}
    try:
        for ev in CaptureReader(path):
            if isinstance(ev, StreamOpened) and ev.transport == "udp":
                flows[ev.conn] = []
            elif isinstance(ev, StreamData) and ev.conn in flows:
                flows[ev.conn].append((ev.direction, ev.data))
    except CaptureError:
        return []
    return [f for f in flows.values() if f]


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for path in capture_files(corpus):
        for flow in udp_flows(path):
            kept: list[tuple[str, bytes]] = []
            size = 1
            for d in flow:
                if size + 2 + len(d) > MAX_LEN:
                    break
                kept.append(d)
                size += 2 + len(d)
            if kept:
                yield encode(kept)
                yield encode(kept[::-1], 0x11)  # reordered, and cut short


if __name__ == "__main__":
    main("dtls", test_one_input, seeds, MAX_LEN)
