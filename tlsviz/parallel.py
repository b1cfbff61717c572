"""Summaries of big captures on several cores.

Classic pcap files are cut into regions, one per process, at packet records
found by their headers (:func:`~tlsviz.capture.fastread.pcap_boundary`): each
process reads only its region, then follows the connections it already knows
past the region's end until they are done.  A boundary is a guess until the
process before it walks onto it; if that process walks across it instead, it
reads the next region itself and the results of the process that started at
the wrong place are thrown away.  Packets are numbered from each region's
start, and renumbered here once the packets before the region are counted.
Past its region's end a process follows only the connections it knows (and
what happens on their addresses); the next process drops what it saw of
those: a connection whose addresses the process before it was following at
the boundary, or had closed shortly before and that the next one picked up
without a SYN.

Other files (pcapng, gzip) are shared by ports instead: every process reads
the whole capture (a memory map: the pages are shared) but follows only one
n-th of the connections.

Either way connections are named by the packet that opened them, so the rows
are those a single process would give.  Workers are forked (Linux): the key
material is inherited, not copied.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import pickle
import re
import socket
import tempfile
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from .keys.keyring import KeyMaterial
from .source import summary_rows

if TYPE_CHECKING:
    from .session.summary import Summary

_BATCH = 256
#: regions smaller than this are not worth a process (``--jobs`` on a small
#: file still splits it: the tests use that)
MIN_REGION = 1 << 20
#: see tlsviz.capture.tcp.CLOSED_TUPLE_SECONDS
_LATE = 240.0


def _same(s: Any) -> Any:
    return s


def _renumber_summary(s: Any, old: int, new: int) -> Any:
    s.id = new
    return s


def summarize_parallel(
    path: str | os.PathLike[str],
    material: KeyMaterial | None,
    workers: int,
    *,
    notes: list[str] | None = None,
    progress: Any = None,
    render: Callable[[Summary], Any] = _same,
    renumber: Callable[[Any, int, int], Any] = _renumber_summary,
    min_region: int = MIN_REGION,
) -> Iterator[Any]:
    """Like :func:`tlsviz.source.summarize`, on ``workers`` processes.

    Each summary is passed through ``render`` in its worker (e.g. formatted as
    the output line), so that only the rendering crosses the process boundary;
    ``renumber(row, old, new)`` gives a rendered row another connection id.
    """
    material = material if material is not None else KeyMaterial()
    bounds = _boundaries(path, workers, min_region)
    if bounds:
        return _by_region(path, material, bounds, notes, progress, render, renumber)
    return _by_ports(path, material, workers, notes, progress, render)


def _boundaries(path: str | os.PathLike[str], workers: int, min_region: int) -> list[int]:
    from .capture.fastread import pcap_boundary

    try:
        size = os.path.getsize(path)
    except OSError:
        return []
    n = max(1, min(workers, size // max(min_region, 1)))
    out: list[int] = []
    for k in range(1, n):
        b = pcap_boundary(path, size * k // n)
        if b is not None and b < size and (not out or b > out[-1]):
            out.append(b)
    return out


# -- regions --------------------------------------------------------------------


def _region_worker(
    path: str,
    material: KeyMaterial,
    start: int,
    bounds: list[int],
    out: Connection,
    spool: int,
    render: Callable[[Summary], Any],
) -> None:
    """One region's process.  Its rows go to ``spool`` (a file descriptor of
    an unnamed temporary file, length-prefixed pickled batches) and the pipe
    only says how far the file is written: the parent reads them when it can
    number them, and no process holds a region's worth of rows in memory."""
    from .fastsummary import Boundary, region_summaries

    notes: list[str] = []
    batch: list[tuple[Any, ...]] = []
    cell = [0]
    written = 0

    def flush() -> None:
        nonlocal batch, written
        if batch:
            data = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(len(data).to_bytes(4, "little") + data)
            while view:
                view = view[os.write(spool, view) :]
            written += 4 + len(data)
            batch = []
        out.send(("rows", written, cell[0]))

    try:
        items = region_summaries(path, material, start, bounds, notes=notes, progress=cell)
        assert items is not None
        for item in items:
            if isinstance(item, Boundary):
                flush()
                m = item.mark
                out.send(("mark", (m.index, m.packets, m.reached, item.known), cell[0]))
                continue
            batch.append((item.id, item.syn_seen, item.client, item.server, item.start_time,
                          render(item)))  # fmt: skip
            if len(batch) >= _BATCH:
                flush()
        flush()
        out.send(("end", notes, cell[0]))
    except Exception as err:  # reported by the parent as one sentence
        out.send(("error", f"{type(err).__name__}: {err}", 0))
    finally:
        out.close()


def _spooled(fd: int, start: int, end: int) -> Iterator[tuple[Any, ...]]:
    """The rows a worker wrote to its spool between two offsets."""
    data = os.pread(fd, end - start, start)
    pos = 0
    while pos + 4 <= len(data):
        n = int.from_bytes(data[pos : pos + 4], "little")
        yield from pickle.loads(data[pos + 4 : pos + 4 + n])
        pos += 4 + n


class _Region:
    """What the parent knows of one region's process."""

    __slots__ = ("done", "events", "known", "offset", "pos", "read", "start", "valid")

    def __init__(self, start: int) -> None:
        self.start = start
        self.valid: bool | None = None  # None: its boundary is not checked yet
        self.offset = 0  # packets before the region
        self.known: dict[bytes, float] = {}  # the previous process's connections
        self.events: list[tuple[str, Any]] = []
        self.read = 0  # how far its spool file has been read
        self.done = False
        self.pos = start


def _by_region(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    bounds: list[int],
    notes: list[str] | None,
    progress: Any,
    render: Callable[[Summary], Any],
    renumber: Callable[[Any, int, int], Any],
) -> Iterator[Any]:
    from .fastsummary import Boundary, region_summaries

    ctx = mp.get_context("fork")
    regions = [_Region(24)] + [_Region(b) for b in bounds]
    regions[0].valid = True
    pipes: dict[int, Connection] = {}
    procs: dict[int, Any] = {}
    spools: dict[int, Any] = {}
    for k in range(1, len(regions)):
        parent, child = ctx.Pipe(duplex=False)
        spools[k] = tempfile.TemporaryFile(prefix="tlsviz-summary-")  # noqa: SIM115 - closed below
        p = ctx.Process(
            target=_region_worker,
            args=(os.fspath(path), material, bounds[k - 1], bounds[k:], child,
                  spools[k].fileno(), render),
            daemon=True,
        )  # fmt: skip
        p.start()
        child.close()
        pipes[k] = parent
        procs[k] = p
    size = max(os.path.getsize(path), 1)
    found: list[str] = []

    def settle(k: int) -> Iterator[Any]:
        """Rows of region k (and of those it vouches for) that can be given."""
        for r in range(k, len(regions)):
            reg = regions[r]
            if reg.valid is not True:
                if reg.valid is False:
                    reg.events.clear()
                continue
            events, reg.events = reg.events, []
            for kind, payload in events:
                if kind == "row":
                    row = _keep(reg, r, payload)
                    if row is not None:
                        yield row
                elif kind == "spool":
                    for got in _spooled(spools[r].fileno(), reg.read, payload):
                        row = _keep(reg, r, got)
                        if row is not None:
                            yield row
                    reg.read = payload
                elif kind == "mark":
                    index, packets, reached, known = payload
                    j = r + index + 1
                    if j >= len(regions):
                        continue
                    nxt = regions[j]
                    nxt.valid = reached
                    if reached:
                        nxt.offset = reg.offset + packets
                        nxt.known = known
                    elif j in procs:
                        procs[j].kill()
                elif kind == "error":
                    raise RuntimeError(payload)
                elif kind == "notes":
                    for note in payload:
                        note = _shift_note(note, reg.offset)
                        if note not in found:
                            found.append(note)

    def _keep(reg: _Region, r: int, row: tuple[Any, ...]) -> Any:
        rel, syn_seen, client, server, start_time, text = row
        if r and reg.known and _orphan(reg.known, syn_seen, client, server, start_time):
            return None
        return renumber(text, rel, rel + reg.offset) if reg.offset else text

    def drain(block: bool) -> Iterator[Any]:
        for k, conn in list(pipes.items()):
            reg = regions[k]
            while not reg.done and (block or conn.poll()):
                if reg.valid is False:
                    reg.done = True
                    break
                try:
                    kind, payload, pos = conn.recv()
                except EOFError:
                    # a worker that ends without saying so has died: never a
                    # silently shorter listing (unless its region was void)
                    kind, payload, pos = "error", f"summary worker {k} stopped unexpectedly", 0
                reg.pos = max(reg.pos, pos)
                if kind == "rows":
                    if payload > reg.read:
                        reg.events.append(("spool", payload))
                elif kind == "mark":
                    reg.events.append(("mark", payload))
                else:
                    reg.events.append(("notes" if kind == "end" else "error", payload))
                    reg.done = True
            yield from settle(k)

    own = regions[0]
    cell = [0]
    own_notes: list[str] = []
    items = region_summaries(path, material, 24, bounds, notes=own_notes, progress=cell)
    if items is None:  # pragma: no cover - the boundaries were found in this file
        raise RuntimeError("the capture cannot be read in regions")
    try:
        for count, item in enumerate(items, 1):
            if isinstance(item, Boundary):
                m = item.mark
                own.events.append(("mark", (m.index, m.packets, m.reached, item.known)))
            else:
                own.events.append(("row", (item.id, item.syn_seen, item.client, item.server,
                                           item.start_time, render(item))))  # fmt: skip
            yield from settle(0)
            if count % 64 == 0:
                yield from drain(False)
                if progress is not None:
                    own.pos = cell[0]
                    done = sum(max(r.pos, r.start) - r.start for r in regions)
                    progress(min(done, size))
        own.events.append(("notes", own_notes))
        yield from settle(0)
        yield from drain(True)
        for k, reg in enumerate(regions):
            if reg.valid is None:
                reg.valid = False  # no process came to it: the capture ended before
            if k:
                reg.events.clear()
        if notes is not None:
            notes.extend(found)
    finally:
        for p in procs.values():
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
        for f in spools.values():
            f.close()


def _shift_note(note: str, offset: int) -> str:
    if not offset:
        return note
    return re.sub(r"after packet (\d+)", lambda m: f"after packet {int(m[1]) + offset}", note)


def _key(endpoint: str) -> tuple[bytes, bytes] | None:
    host, _, port = endpoint.rpartition(":")
    host = host.strip("[]")
    try:
        raw = socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return raw, int(port).to_bytes(2, "big")
    except (OSError, ValueError, OverflowError):
        return None


def _orphan(
    known: dict[bytes, float], syn_seen: bool, client: str, server: str, start: float | None
) -> bool:
    """Did the process before this region follow this connection already?"""
    a, b = _key(client), _key(server)
    if a is None or b is None:
        return False
    t = known.get(a[0] + b[0] + a[1] + b[1])
    if t is None:
        t = known.get(b[0] + a[0] + b[1] + a[1])
    if t is None:
        return False
    if t == math.inf:
        return True  # still open when the region began
    return not syn_seen and (start or 0.0) - t < _LATE


# -- ports ----------------------------------------------------------------------


def _port_worker(
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


def _by_ports(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    workers: int,
    notes: list[str] | None,
    progress: Any,
    render: Callable[[Summary], Any],
) -> Iterator[Any]:
    ctx = mp.get_context("fork")
    pipes: list[Connection] = []
    procs = []
    # shard 0 runs in this process (it merges the others' rows as it goes), so
    # n shards use n processes: no core is left to a process that only waits
    for k in range(1, workers):
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(
            target=_port_worker,
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
