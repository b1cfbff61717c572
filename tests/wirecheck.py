"""Test helpers for the decoder: run a stream through it, check byte coverage."""

from __future__ import annotations

from collections.abc import Iterable

from tlsviz.wire.connection import ConnectionDecoder
from tlsviz.wire.dispatch import record_header_fields
from tlsviz.wire.fields import Diagnostic, walk_fields
from tlsviz.wire.message import Message


def decode_pieces(
    pieces: Iterable[tuple[str, bytes]], *, chunk: int | None = None, truncated: bool = False
) -> list[Message | Diagnostic]:
    """Decode (direction, bytes) pieces in order; with ``chunk``, each piece is
    fed ``chunk`` bytes at a time (the result must not change)."""
    dec = ConnectionDecoder()
    events: list[Message | Diagnostic] = []
    for d, data in pieces:
        size = chunk or max(len(data), 1)
        for i in range(0, len(data), size):
            dec.receive_data(d, data[i : i + size], 1.0)
            events.extend(dec.events())
    dec.close(truncated=truncated)
    events.extend(dec.events())
    return events


def decode_streams(client: bytes, server: bytes = b"", **kw: object) -> list[Message | Diagnostic]:
    return decode_pieces([("client", client), ("server", server)], **kw)  # type: ignore[arg-type]


def capture_pieces(path: str) -> dict[int, list[tuple[str, bytes]]]:
    """The TCP payload pieces of each connection of a capture, in order."""
    from tlsviz.capture import CaptureReader, StreamData

    out: dict[int, list[tuple[str, bytes]]] = {}
    for ev in CaptureReader(path):
        if isinstance(ev, StreamData):
            out.setdefault(ev.conn, []).append((ev.direction, ev.data))
    return out


def stream_coverage(events: Iterable[Message | Diagnostic], direction: str) -> list[bool]:
    """Which bytes of a direction's stream are inside some field or diagnostic."""
    spans: list[tuple[int, int]] = []
    for ev in events:
        if isinstance(ev, Diagnostic):
            if ev.direction == direction and (ev.buffer in (None, direction)):
                spans.append((ev.offset, ev.offset + ev.length))
            continue
        if ev.direction != direction:
            continue
        for rec in ev.records:
            for f in record_header_fields(rec):
                spans.append((rec.offset + f.offset, rec.offset + f.end))
        for f in walk_fields(ev.fields):
            if f.length == 0:
                continue
            # map every byte: a field may cross a record boundary
            for rel in range(f.offset, f.end):
                buf, off = ev.locate(rel)
                if buf.name == direction:
                    spans.append((off, off + 1))
        for d in ev.diagnostics:
            for rel in range(d.offset, d.offset + d.length):
                buf, off = ev.locate(rel)
                if buf.name == direction:
                    spans.append((off, off + 1))
    if not spans:
        return []
    end = max(e for _, e in spans)
    covered = [False] * end
    for s, e in spans:
        for i in range(max(s, 0), e):
            covered[i] = True
    return covered


def uncovered(events: list[Message | Diagnostic], direction: str, data: bytes) -> list[int]:
    cov = stream_coverage(events, direction)
    cov += [False] * (len(data) - len(cov))
    return [i for i in range(len(data)) if not cov[i]]
