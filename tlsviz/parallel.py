"""Summaries of big captures on several cores.

Each worker process reads the whole capture (a memory map: the pages are
shared) but follows only one n-th of the connections, chosen by their ports;
connections are named by the packet that opened them, which every worker
counts the same way, so the results merge into the stream a single process
would give, ordered by the packet that completed each summary.
Workers are forked (Linux): the key material is inherited, not copied.
"""

from __future__ import annotations

import heapq
import multiprocessing as mp
import os
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from .keys.keyring import KeyMaterial
from .source import summarize

if TYPE_CHECKING:
    from .session.summary import Summary

_BATCH = 256


def _worker(path: str, material: KeyMaterial, k: int, n: int, out: Connection) -> None:
    from .capture import CaptureReader

    reader = CaptureReader(path, fast=True, shard=(k, n))
    notes: list[str] = []
    batch: list[tuple[int, int, Summary]] = []
    try:
        for s in summarize(path, material, notes=notes, reader=reader, shard=(k, n)):
            batch.append((reader.packets, s.id, s))
            if len(batch) >= _BATCH:
                out.send(("rows", batch, reader.bytes_read))
                batch = []
        out.send(("rows", batch, reader.bytes_read))
        out.send(("end", notes if k == 0 else [], reader.bytes_read))
    except Exception as err:  # reported by the parent as one sentence
        out.send(("error", f"{type(err).__name__}: {err}", 0))
    finally:
        out.close()


def summarize_parallel(
    path: str | os.PathLike[str],
    material: KeyMaterial | None,
    workers: int,
    *,
    notes: list[str] | None = None,
    progress: Any = None,
) -> Iterator[Summary]:
    """Like :func:`tlsviz.source.summarize`, on ``workers`` processes."""
    ctx = mp.get_context("fork")
    material = material if material is not None else KeyMaterial()
    pipes: list[Connection] = []
    procs = []
    for k in range(workers):
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(
            target=_worker, args=(os.fspath(path), material, k, workers, child), daemon=True
        )
        p.start()
        child.close()
        pipes.append(parent)
        procs.append(p)

    def stream(k: int, conn: Connection) -> Iterator[tuple[int, int, Summary]]:
        while True:
            try:
                kind, payload, done = conn.recv()
            except EOFError:
                return
            if kind == "rows":
                if k == 0 and progress is not None:
                    progress(done)
                yield from payload
            elif kind == "end":
                if notes is not None:
                    notes.extend(payload)
                return
            else:
                raise RuntimeError(payload)

    try:
        for _, _, s in heapq.merge(*(stream(k, c) for k, c in enumerate(pipes))):
            yield s
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
