"""Drive the summary from a capture file: one :class:`~.row.Summary` per
connection, each as soon as it is final.

:func:`summary_rows` is what ``decode --summary`` reads on one process; the
tight loop of :mod:`.loop` takes uncompressed pcap and pcapng files, and
:func:`summarize` feeds the :class:`~.builder.SummaryBuilder` from the capture
layer's reader for the others (gzip, damaged files) and for tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..capture import (
    CaptureNote,
    CaptureReader,
    Secrets,
    StreamClosed,
    StreamData,
    StreamGap,
    StreamOpened,
)
from ..keys.keyring import KeyMaterial

if TYPE_CHECKING:
    from ..capture.fastread import Cell, Shard
    from .row import Summary

#: pcapng Decryption Secrets Block type of an NSS key log ("TLSK").
TLS_KEY_LOG = 0x544C534B


def summarize(
    path: str | os.PathLike[str],
    material: KeyMaterial | None = None,
    *,
    notes: list[str] | None = None,
    reader: CaptureReader | None = None,
    shard: Shard | None = None,
) -> Iterator[Summary]:
    """Connection summaries of a capture, each yielded as soon as it is final.

    With ``shard=(k, n, 1)`` only one n-th of the connections (chosen by their
    ports, see :class:`~tlsviz.capture.CaptureReader`) are read, so that n
    processes can share a capture (see :mod:`.parallel`)."""
    from .builder import SummaryBuilder

    if reader is None:
        from .loop import lean_summaries

        lean = lean_summaries(
            path, material if material is not None else KeyMaterial(), shard=shard, notes=notes
        )
        if lean is not None:
            for _, s in lean:
                yield s
            return
    reader = reader if reader is not None else CaptureReader(path, fast=True, shard=shard)
    material = material if material is not None else KeyMaterial()
    builder = SummaryBuilder(material=material, ignore=reader.ignore)
    last = 0.0
    for ev in reader:
        if isinstance(ev, StreamData):
            yield from builder.data(ev.conn, ev.direction, ev.data, ev.time)
            last = ev.time
        elif isinstance(ev, StreamOpened):
            builder.opened(
                ev.conn, str(ev.client), str(ev.server), ev.time, ev.syn_seen, ev.packet,
                ev.by_syn, ev.transport,
            )  # fmt: skip
        elif isinstance(ev, StreamClosed):
            yield from builder.closed(ev.conn, ev.time, ev.reason)
        elif isinstance(ev, StreamGap):
            builder.gap(ev.conn, ev.direction, ev.length, ev.time)
        elif isinstance(ev, Secrets):
            if ev.kind == TLS_KEY_LOG:
                material.keylog.add_text(ev.data, source="pcapng secrets block")
        elif isinstance(ev, CaptureNote) and notes is not None:
            notes.append(ev.message)
    yield from builder.finish(last)


def summary_rows(
    path: str | os.PathLike[str],
    material: KeyMaterial | None = None,
    *,
    shard: Shard | None = None,
    notes: list[str] | None = None,
    progress: Cell | None = None,
) -> Iterator[Summary]:
    """The summaries of ``decode --summary``: the tight loop of
    :mod:`.loop` when the file allows it (uncompressed pcap or pcapng),
    :func:`summarize` otherwise.  ``progress[0]`` follows the bytes read."""
    from .loop import lean_summaries

    material = material if material is not None else KeyMaterial()
    cell = progress if progress is not None else [0]
    lean = lean_summaries(path, material, shard=shard, notes=notes, progress=cell)
    if lean is not None:
        for _, s in lean:
            yield s
        return
    reader = CaptureReader(path, fast=True, shard=shard)
    for s in summarize(path, material, notes=notes, reader=reader, shard=shard):
        cell[0] = reader.bytes_read
        yield s
