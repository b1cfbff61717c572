"""Summaries of big captures on several cores.

Each worker process reads the whole capture (a memory map: the pages are
shared) but follows only one n-th of the connections, chosen by their ports;
connections are named by the packet that opened them, which every worker
counts the same way, so the results merge into the stream a single process
would give, ordered by the packet that completed each summary.
Workers are forked (Linux): the key material is inherited, not copied.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from .keys.keyring import KeyMaterial
from .source import summary_rows

if TYPE_CHECKING:
    from .session.summary import Summary

_BATCH = 256


def _worker(
    path: str,
    material: KeyMaterial,
    k: int,
    n: int,
    out: Connection,
    render: Callable[[Summary], Any],
) -> None:
    notes: list[str] = []
    batch: list[tuple[int, int, Any]] = []
    cell = [0]
    try:
        for s in summary_rows(path, material, notes=notes, shard=(k, n), progress=cell):
            batch.append((cell[0], s.id, render(s)))
            if len(batch) >= _BATCH:
                out.send(("rows", batch, cell[0]))
                batch = []
        out.send(("rows", batch, cell[0]))
        out.send(("end", [], cell[0]))
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
    render: Callable[[Summary], Any] = lambda s: s,
) -> Iterator[Any]:
    """Like :func:`tlsviz.source.summarize`, on ``workers`` processes.

    Each summary is passed through ``render`` in its worker (e.g. formatted as
    the output line), so that only the rendering crosses the process boundary.
    """
    ctx = mp.get_context("fork")
    material = material if material is not None else KeyMaterial()
    pipes: list[Connection] = []
    procs = []
    # shard 0 runs in this process (it merges the others' rows as it goes), so
    # n shards use n processes: no core is left to a process that only waits
    for k in range(1, workers):
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(
            target=_worker,
            args=(os.fspath(path), material, k, workers, child, render),
            daemon=True,
        )
        p.start()
        child.close()
        pipes.append(parent)
        procs.append(p)

    def own() -> Iterator[tuple[int, int, Any]]:
        cell = [0]
        rows = summary_rows(path, material, notes=notes, shard=(0, workers), progress=cell)
        for count, s in enumerate(rows, 1):
            if progress is not None and count % 256 == 0:
                progress(cell[0])
            yield cell[0], s.id, render(s)

    def drain(block: bool) -> Iterator[Any]:
        """Rows the workers have sent so far (all of them, with ``block``)."""
        for k, conn in enumerate(pipes):
            while live[k] and (block or conn.poll()):
                try:
                    kind, payload, _ = conn.recv()
                except EOFError:
                    # a worker that ends without saying so has died: never a
                    # silently shorter listing
                    raise RuntimeError(f"summary worker {k + 1} stopped unexpectedly") from None
                if kind == "rows":
                    for row in payload:
                        yield row[2]
                elif kind == "end":
                    live[k] = False
                else:
                    raise RuntimeError(payload)

    # Rows are written as they come: this process's own as it makes them, the
    # workers' whenever a batch has arrived (no waiting on a slower worker).
    live = [True] * len(pipes)
    try:
        for n, (_, _, row) in enumerate(own()):
            yield row
            if n % 64 == 0:
                yield from drain(False)
        yield from drain(True)
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
