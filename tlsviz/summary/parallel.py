"""Summaries of big captures on several cores.

Classic pcap files are cut into regions at packet records found by their
headers (:func:`~tlsviz.capture.fastread.pcap_boundary`), several per process:
each process starts with one region and, when done, takes the next region no
process has taken yet, so that a slower core (another program, a busy host)
holds the end back by one small region, not by half the file.  A process
reads only its region, then follows the connections it already knows past
the region's end until they are done.  A boundary is a guess until the
process before it walks onto it; if that process walks across it instead, it
reads the next region itself and the results of the process that started at
the wrong place are thrown away.  Packets are numbered from each region's
start, and renumbered here once the packets before the region are counted.
Past its region's end a process follows only the connections it knows, and
what it opens there is dropped (the next process has it from its SYN); the
next process drops what it picked up without a SYN on addresses the one
before was following at the boundary, or had closed shortly before.

Other files (pcapng, gzip) are shared by ports instead: every process reads
the whole capture (a memory map: the pages are shared) but follows only one
n-th of the connections.

Either way connections are named by the packet that opened them, so the rows
are those a single process would give.  Workers are forked (Linux): the key
material is inherited, not copied.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import math
import mmap
import os
import re
import select
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..capture.fastread import Cell, Shard, reverse_key
from ..keys.keyring import KeyMaterial
from .rows import summary_rows

if TYPE_CHECKING:
    from .loop import Boundary
    from .row import Summary

_BATCH = 256
#: regions smaller than this are not worth a process (``--jobs`` on a small
#: file still splits it: the tests use that)
MIN_REGION = 1 << 20
#: regions per process (see the module's docstring)
REGIONS_PER_PROCESS = 4
#: each region has a spool file open until the end
MAX_REGIONS = 256
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
    """Like :func:`.rows.summarize`, on ``workers`` processes.

    Each summary is passed through ``render`` in its worker (e.g. formatted as
    the output line), so that only the rendering crosses the process boundary;
    ``renumber(row, old, new)`` gives a rendered row another connection id.
    """
    material = material if material is not None else KeyMaterial()
    bounds = _boundaries(path, workers * REGIONS_PER_PROCESS, min_region)
    if bounds:
        return _by_region(path, material, bounds, workers, notes, progress, render, renumber)
    return _by_ports(path, material, workers, notes, progress, render)


def _boundaries(path: str | os.PathLike[str], regions: int, min_region: int) -> list[int]:
    """The starts of regions 1.. of about equal size (region 0 starts after
    the file header): guesses, see :func:`~tlsviz.capture.fastread.pcap_boundary`."""
    from ..capture.fastread import pcap_boundary

    try:
        size = os.path.getsize(path)
    except OSError:
        return []
    n = max(1, min(regions, size // max(min_region, 1), MAX_REGIONS))
    out: list[int] = []
    for k in range(1, n):
        b = pcap_boundary(path, size * k // n)
        if b is not None and b < size and (not out or b > out[-1]):
            out.append(b)
    return out


# -- regions --------------------------------------------------------------------


def _worker(
    source: Callable[[list[str], Cell], Iterable[Any] | None],
    spool: int,
    render: Callable[[Summary], Any],
    cell: Cell | None = None,
) -> None:
    """One worker's job (in a forked process): the summaries of
    ``source(notes, progress)``, a region's or a port shard's, written to
    ``spool`` (see :func:`_spooled`); an exception is written there as
    ("error", text)."""
    for _ in _worker_steps(source, spool, render, cell):
        pass


def _worker_steps(
    source: Callable[[list[str], Cell], Iterable[Any] | None],
    spool: int,
    render: Callable[[Summary], Any],
    cell: Cell | None = None,
) -> Iterator[None]:
    """:func:`_worker`, a step at a time (the parent, reading a region
    itself, drains the others' between steps).  ``cell`` receives how far the
    walk has come."""
    cell = cell if cell is not None else [0]
    try:
        yield from _spooled(source, spool, render, cell)
    except Exception as err:  # reported by the parent as one sentence
        _say(spool, "error", f"{type(err).__name__}: {err}")


def _say(spool: int, kind: str, payload: Any) -> None:
    message = (kind, payload)
    try:  # rows rendered as text (the command line's) are plain data
        data = b"m" + marshal.dumps(message)
    except ValueError:  # rows that are objects (the default rendering)
        import pickle

        data = b"p" + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(4, "little") + data)
    while view:
        view = view[os.write(spool, view) :]


def _load(blob: bytes) -> Any:
    if blob[:1] == b"m":
        return marshal.loads(blob[1:])
    import pickle

    return pickle.loads(blob[1:])


def _spooled(
    source: Callable[[list[str], Cell], Iterable[Any] | None],
    spool: int,
    render: Callable[[Summary], Any],
    cell: Cell,
) -> Iterator[None]:
    """Write the summaries of ``source(notes, cell)`` to ``spool``, an unnamed
    temporary file, as length-prefixed messages (marshal, or pickle for
    objects marshal does not take): ("rows", batch), ("mark", boundary), then
    ("end", notes); ``cell`` tells how far the walk has come.  The parent
    reads the file when it can number the rows: no process holds a region's
    worth of rows in memory.  Yields now and then (the parent drains the
    other regions meanwhile)."""
    from .loop import Boundary

    notes: list[str] = []
    batch: list[tuple[Any, ...]] = []
    items = source(notes, cell)
    assert items is not None
    for item in items:
        if isinstance(item, Boundary):
            _say(spool, "rows", batch)
            batch = []
            _say(spool, "mark", _mark_payload(item))
            continue
        # the address keys matter only for rows picked up without a SYN
        key = None if item.by_syn else _key(item.client, item.server)
        batch.append((item.id, item.by_syn, key, item.start_time, render(item)))
        if len(batch) >= _BATCH:
            _say(spool, "rows", batch)
            batch = []
            yield None
    _say(spool, "rows", batch)
    _say(spool, "end", notes)


def _mark_payload(item: Boundary) -> tuple[int, int, bool, bytes, bool]:
    """A boundary as the parent takes it: which, packets before it, whether
    reached, what was known there (marshal data, read only if a row asks), tail."""
    m = item.mark
    return m.boundary, m.packets, m.reached, marshal.dumps(item.known), item.tail


def _spool_file() -> int:
    """A file descriptor of an unnamed temporary file."""
    try:
        return os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    except (AttributeError, OSError):  # no O_TMPFILE here
        import tempfile

        with tempfile.TemporaryFile(prefix="tlsviz-summary-") as f:
            return os.dup(f.fileno())


def _fork(job: Callable[..., None], *args: Any) -> int:
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 1
        try:
            job(*args)
            code = 0
        finally:
            os._exit(code)
    return pid


def _claim(queue: int) -> int:
    """The next region no process has taken (0: none left).  Reads of two
    bytes from a pipe are atomic: each region goes to one process."""
    got = os.read(queue, 2)
    return int.from_bytes(got, "little") if len(got) == 2 else 0


def _regions_job(
    first: int,
    queue: int,
    sources: list[Callable[[list[str], Cell], Iterable[Any] | None]],
    spools: list[int],
    cells: list[Cell],
    render: Callable[[Summary], Any],
) -> None:
    """A region worker (forked): its first region, then any left."""
    j = first
    while j:
        _worker(sources[j], spools[j], render, cells[j])
        j = _claim(queue)


class _Region:
    """What the parent knows of one region (or port shard) and its process."""

    __slots__ = (
        "cutoff", "done", "fd", "known", "offset", "passed", "pid", "read", "reports",
        "start", "valid",
    )  # fmt: skip

    def __init__(self, start: int) -> None:
        self.start = start
        self.valid: bool | None = None  # None: its boundary is not checked yet
        self.offset = 0  # packets before the region
        #: what the processes before knew at its start (see .loop.Boundary),
        #: as they reported it (marshal data: compact; read only if a row asks)
        self.reports: list[bytes] = []
        self.known: dict[bytes, float] | None = None
        self.cutoff = 1 << 62  # its process's packets past this are the next region's
        self.passed = 0  # the last region whose start its process has walked to
        self.pid = 0
        self.fd = -1
        self.read = 0  # how far its spool file has been read
        self.done = False

    def start_worker(
        self, source: Callable[[list[str], Cell], Iterable[Any] | None], render: Any
    ) -> None:
        self.fd = _spool_file()
        self.pid = _fork(_worker, source, self.fd, render)

    def messages(self, block: bool) -> Iterator[tuple[str, Any]]:
        """The whole messages its worker has written since the last read
        (with ``block``: all of them, once the worker has ended)."""
        if block and self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0
        data = os.pread(self.fd, os.fstat(self.fd).st_size - self.read, self.read)
        pos = 0
        while pos + 4 <= len(data):
            n = int.from_bytes(data[pos : pos + 4], "little")
            if pos + 4 + n > len(data):
                break
            kind, payload = _load(data[pos + 4 : pos + 4 + n])
            pos += 4 + n
            self.read += 4 + n
            yield kind, payload

    def stop(self) -> None:
        """End its worker (if still running) and free its spool."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _by_region(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    bounds: list[int],
    workers: int,
    notes: list[str] | None,
    progress: Any,
    render: Callable[[Summary], Any],
    renumber: Callable[[Any, int, int], Any],
) -> Iterator[Any]:
    from .loop import Boundary, region_summaries

    bounds = bounds[: MAX_REGIONS - 1]
    regions = [_Region(24)] + [_Region(b) for b in bounds]
    regions[0].valid = True
    found: list[str] = []
    size = max(os.path.getsize(path), 1)

    def mark(r: int, payload: Any) -> None:
        """Region r's process came to a boundary: the next region is vouched
        for, or void (``tail``: a later one, walked to while following the
        connections it knows; they are the later region's to drop too)."""
        index, packets, reached, known, tail = payload
        j = r + index + 1
        if j >= len(regions):
            return
        nxt = regions[j]
        regions[r].passed = j
        nxt.reports.append(known)
        if tail:
            return
        nxt.valid = reached
        if reached:
            nxt.offset = regions[r].offset + packets
            regions[r].cutoff = packets
        else:
            nxt.done = True  # whoever reads it, its rows are not wanted

    def known(j: int) -> dict[bytes, float]:
        """What the processes before region j knew at its start, all reports merged."""
        reg = regions[j]
        if reg.known is None:
            reg.known = {}
            for blob in reg.reports:
                for key, t in marshal.loads(blob).items():
                    if reg.known.get(key, -math.inf) < t:
                        reg.known[key] = t
            reg.reports = []
        return reg.known

    def ready(j: int) -> bool:
        """Has every process before region j walked past its start, or
        ended?  Until then, one may still be following a connection into it
        (its rows there are not region j's to give)."""
        return all(reg.done or reg.passed >= j or reg.valid is False for reg in regions[:j])

    def keep(r: int, row: tuple[Any, ...]) -> Any:
        rel, by_syn, key, start_time, text = row
        reg = regions[r]
        if rel > reg.cutoff:
            return None  # opened past the region's end (a SYN on a port still followed)
        # what the processes before knew at this region's start, or at an
        # earlier one (a connection summarised there is ignored for a while)
        if not by_syn and any(_orphan(known(i), key, start_time) for i in range(r, 0, -1)):
            return None
        return renumber(text, rel, rel + reg.offset) if reg.offset else text

    def pump(r: int, block: bool) -> Iterator[Any]:
        """The rows region r's process has written so far (with ``block``, all
        of them: every process has ended)."""
        reg = regions[r]
        for kind, payload in reg.messages(block):
            if kind == "rows":
                for row in payload:
                    got = keep(r, row)
                    if got is not None:
                        yield got
            elif kind == "mark":
                mark(r, payload)
            elif kind == "end":
                reg.done = True
                for note in payload:
                    note = _shift_note(note, reg.offset)
                    if note not in found:
                        found.append(note)
                break
            else:
                raise RuntimeError(payload)
        if block and not reg.done:
            # a worker that ends without saying so has died: never a silently
            # shorter listing
            raise RuntimeError(f"summary worker of region {r} stopped unexpectedly")

    def drain(block: bool) -> Iterator[Any]:
        for r in range(1, len(regions)):
            reg = regions[r]
            if reg.valid is None and block:
                reg.valid = False  # no process came to it: the capture ended before
            if reg.valid is None:
                break  # neither it nor the regions after it can be numbered yet
            if reg.valid is False or reg.done:
                continue
            if block or ready(r):
                yield from pump(r, block)

    # regions 1..n-1 of the n processes are theirs to begin with; the others
    # wait in a pipe, taken in order by whichever process is free first
    n = max(1, min(workers, len(regions)))
    pids: list[int] = []
    fds: list[int] = []
    try:
        for reg in regions[1:]:
            reg.fd = _spool_file()
            fds.append(reg.fd)
        queue, queue_w = os.pipe()
        fds.append(queue)
        with open(queue_w, "wb") as f:  # the pipe holds them all (512 bytes at most)
            f.write(b"".join(j.to_bytes(2, "little") for j in range(n, len(regions))))
        alive, alive_w = os.pipe()  # reads end (EOF) once every worker has ended
        fds.append(alive)
        # how far each region's walk has come, in memory the forked processes
        # share: the progress bar does not wait for the rows to be read
        shared = mmap.mmap(-1, 8 * len(regions))
        cells = [memoryview(shared)[8 * j : 8 * j + 8].cast("q") for j in range(len(regions))]
        ends = [*bounds, size]

        def show() -> None:
            if progress is not None:
                progress(
                    sum(
                        min(max(c[0] - reg.start, 0), end - reg.start)
                        for c, reg, end in zip(cells, regions, ends, strict=True)
                    )
                )

        try:
            spools = [reg.fd for reg in regions]
            sources = [
                functools.partial(_region_source, path, material, reg.start, bounds[j:])
                for j, reg in enumerate(regions)
            ]
            for k in range(1, n):
                pids.append(_fork(_regions_job, k, queue, sources, spools, cells, render))
        finally:
            os.close(alive_w)
        own = regions[0]
        own_notes: list[str] = []
        items = region_summaries(path, material, 24, bounds, notes=own_notes, progress=cells[0])
        if items is None:  # pragma: no cover - the boundaries were found in this file
            raise RuntimeError("the capture cannot be read in regions")
        for count, item in enumerate(items, 1):
            if isinstance(item, Boundary):
                mark(0, _mark_payload(item))
            elif item.id <= own.cutoff:
                yield render(item)  # the first region's: numbered from the file's start
            if count % 64 == 0:
                yield from drain(False)
                show()
        own.done = True
        found.extend(n for n in own_notes if n not in found)
        # then, like the workers, the regions no process has taken yet
        while j := _claim(queue):
            if regions[j].done:
                continue  # a wrong guess: the process before read it already
            for _ in _worker_steps(sources[j], regions[j].fd, render, cells[j]):
                yield from drain(False)
                show()
        while pids:  # the last regions' rows, as the workers write them
            yield from drain(False)
            show()
            if select.select([alive], [], [], 0.1)[0] and not os.read(alive, 1):
                break
        for pid in pids:
            os.waitpid(pid, 0)
        pids = []
        show()
        yield from drain(True)
        if notes is not None:
            notes.extend(found)
    finally:
        for pid in pids:  # stopped early (an error, or the reader stopped reading)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        for fd in fds:
            os.close(fd)


def _region_source(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    start: int,
    bounds: list[int],
    notes: list[str],
    progress: Cell,
) -> Iterable[Any] | None:
    from .loop import region_summaries

    return region_summaries(path, material, start, bounds, notes=notes, progress=progress)


def _shift_note(note: str, offset: int) -> str:
    if not offset:
        return note
    return re.sub(r"after packet (\d+)", lambda m: f"after packet {int(m[1]) + offset}", note)


def _key(client: str, server: str) -> tuple[bytes, bytes] | None:
    """The address+port keys of a connection, both ways (as the capture loop
    makes them: addresses, then ports), from its endpoints' text."""
    import socket  # rows picked up without a SYN are few

    raw = []
    for endpoint in (client, server):
        host, _, port = endpoint.rpartition(":")
        host = host.strip("[]")
        try:
            ip = socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
            raw.append((ip, int(port).to_bytes(2, "big")))
        except (OSError, ValueError, OverflowError):
            return None
    (a, pa), (b, pb) = raw
    key = a + b + pa + pb
    return key, reverse_key(key)


def _orphan(
    known: dict[bytes, float],
    key: tuple[bytes, bytes] | None,
    start: float | None,
) -> bool:
    """Did a process before this region follow this connection already?
    Asked only of connections a region's process picked up without their SYN
    (from a SYN/ACK, or in the middle): yes if ``known`` (what the processes
    before knew at a region's start) has its addresses still followed, or
    closed shortly before (their late packets would have been skipped).  A
    connection opened by a SYN in a region is that region's, even on the
    ports of one still open: the one before leaves it alone."""
    if key is None or not known:
        return False
    t = known.get(key[0])
    if t is None:
        t = known.get(key[1])
    return t is not None and (t == math.inf or (start or 0.0) - t < _LATE)


# -- ports ----------------------------------------------------------------------


def _by_ports(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    workers: int,
    notes: list[str] | None,
    progress: Any,
    render: Callable[[Summary], Any],
) -> Iterator[Any]:
    """Every process reads the whole file and follows one n-th of the
    connections; shard 0 runs in this process (it merges the others' rows as
    it goes), so n shards use n processes.  Its notes are those of the file:
    the workers' are the same."""
    shards = [_Region(0) for _ in range(1, workers)]

    def drain(block: bool) -> Iterator[Any]:
        """Rows the workers have written so far (all of them, with ``block``)."""
        for k, reg in enumerate(shards, 1):
            for kind, payload in () if reg.done else reg.messages(block):
                if kind == "rows":
                    for row in payload:
                        yield row[4]
                elif kind == "end":
                    reg.done = True
                    break
                else:
                    raise RuntimeError(payload)
            if block and not reg.done:
                raise RuntimeError(f"summary worker {k} stopped unexpectedly")

    # Rows are written as they come: this process's own as it makes them, the
    # workers' whenever a batch has arrived (no waiting on a slower worker).
    try:
        for k, reg in enumerate(shards, 1):
            reg.start_worker(
                functools.partial(_shard_source, path, material, (k, workers, 1)), render
            )
        cell = [0]
        rows = summary_rows(path, material, notes=notes, shard=(0, workers, 1), progress=cell)
        for count, s in enumerate(rows, 1):
            yield render(s)
            if count % 64 == 0:
                yield from drain(False)
                if progress is not None:
                    progress(cell[0])
        yield from drain(True)
    finally:
        for reg in shards:
            reg.stop()


def _shard_source(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    shard: Shard,
    notes: list[str],
    progress: Cell,
) -> Iterable[Any]:
    return summary_rows(path, material, notes=notes, shard=shard, progress=progress)
