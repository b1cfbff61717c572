"""Summaries of big captures on several cores.

Classic pcap files are cut into regions, one per process, at packet records
found by their headers (:func:`~tlsviz.capture.fastread.pcap_boundary`): each
process reads only its region, then follows the connections it already knows
past the region's end until they are done.  A boundary is a guess until the
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
import math
import os
import pickle
import re
import signal
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .keys.keyring import KeyMaterial
from .source import summary_rows

if TYPE_CHECKING:
    from .session.summary import Summary

_BATCH = 256
#: regions smaller than this are not worth a process (``--jobs`` on a small
#: file still splits it: the tests use that)
MIN_REGION = 1 << 20
#: how much smaller the parent's region is than the others' (a fraction)
_PARENT_LESS = 0.08
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
    # the first region, read by the parent, is a little smaller: the parent
    # also numbers, merges and writes every other region's rows
    first = int(size * (1 - _PARENT_LESS)) // n
    for k in range(1, n):
        b = pcap_boundary(path, first + (size - first) * (k - 1) // (n - 1))
        if b is not None and b < size and (not out or b > out[-1]):
            out.append(b)
    return out


# -- regions --------------------------------------------------------------------


def _worker(
    source: Callable[[list[str], list[int]], Iterable[Any] | None],
    spool: int,
    render: Callable[[Summary], Any],
) -> None:
    """One worker process (forked): the summaries of ``source(notes,
    progress)``, a region's or a port shard's.  Everything it has to say goes
    to ``spool``, an unnamed temporary file, as length-prefixed pickled
    messages: ("rows", batch), ("mark", boundary), ("end", notes) or ("error",
    text), each with how far the walk has come.  The parent reads the file when
    it can number the rows: no process holds a region's worth of rows in
    memory."""
    from .fastsummary import Boundary

    notes: list[str] = []
    batch: list[tuple[Any, ...]] = []
    cell = [0]

    def say(kind: str, payload: Any) -> None:
        data = pickle.dumps((kind, payload, cell[0]), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(len(data).to_bytes(4, "little") + data)
        while view:
            view = view[os.write(spool, view) :]

    try:
        items = source(notes, cell)
        assert items is not None
        for item in items:
            if isinstance(item, Boundary):
                say("rows", batch)
                batch = []
                m = item.mark
                say("mark", (m.index, m.packets, m.reached, item.known))
                continue
            # the address keys matter only for rows picked up without a SYN
            key = None if item.by_syn else _key(item.client, item.server)
            batch.append((item.id, item.by_syn, key, item.start_time, render(item)))
            if len(batch) >= _BATCH:
                say("rows", batch)
                batch = []
        say("rows", batch)
        say("end", notes)
    except Exception as err:  # reported by the parent as one sentence
        say("error", f"{type(err).__name__}: {err}")


def _spool_file() -> int:
    """A file descriptor of an unnamed temporary file."""
    try:
        return os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    except (AttributeError, OSError):  # no O_TMPFILE here
        import tempfile

        with tempfile.TemporaryFile(prefix="tlsviz-summary-") as f:
            return os.dup(f.fileno())


def _fork_worker(*args: Any) -> int:
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 1
        try:
            _worker(*args)
            code = 0
        finally:
            os._exit(code)
    return pid


class _Region:
    """What the parent knows of one region (or port shard) and its process."""

    __slots__ = (
        "cutoff", "done", "fd", "known", "offset", "pid", "pos", "read", "start", "valid"
    )  # fmt: skip

    def __init__(self, start: int) -> None:
        self.start = start
        self.valid: bool | None = None  # None: its boundary is not checked yet
        self.offset = 0  # packets before the region
        self.known: dict[bytes, float] = {}  # the previous process's connections
        self.cutoff = 1 << 62  # its process's packets past this are the next region's
        self.pid = 0
        self.fd = -1
        self.read = 0  # how far its spool file has been read
        self.done = False
        self.pos = start

    def start_worker(
        self, source: Callable[[list[str], list[int]], Iterable[Any] | None], render: Any
    ) -> None:
        self.fd = _spool_file()
        self.pid = _fork_worker(source, self.fd, render)

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
            kind, payload, self.pos = pickle.loads(data[pos + 4 : pos + 4 + n])
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
    notes: list[str] | None,
    progress: Any,
    render: Callable[[Summary], Any],
    renumber: Callable[[Any, int, int], Any],
) -> Iterator[Any]:
    from .fastsummary import Boundary, region_summaries

    regions = [_Region(24)] + [_Region(b) for b in bounds]
    regions[0].valid = True
    found: list[str] = []
    size = max(os.path.getsize(path), 1)

    def mark(r: int, payload: Any) -> None:
        """Region r's process came to a boundary: the next region is vouched for, or void."""
        index, packets, reached, known = payload
        j = r + index + 1
        if j < len(regions):
            nxt = regions[j]
            nxt.valid = reached
            if reached:
                nxt.offset = regions[r].offset + packets
                nxt.known = known
                regions[r].cutoff = packets
            else:
                nxt.stop()
                nxt.done = True

    def keep(reg: _Region, row: tuple[Any, ...]) -> Any:
        rel, by_syn, key, start_time, text = row
        if rel > reg.cutoff:
            return None  # opened past the region's end (a SYN on a port still followed)
        if reg.known and _orphan(reg.known, by_syn, key, start_time):
            return None
        return renumber(text, rel, rel + reg.offset) if reg.offset else text

    def pump(r: int, block: bool) -> Iterator[Any]:
        """The rows region r's process has written so far (with ``block``, all
        of them, once it has ended)."""
        reg = regions[r]
        for kind, payload in reg.messages(block):
            if kind == "rows":
                for row in payload:
                    got = keep(reg, row)
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
            raise RuntimeError(f"summary worker {r} stopped unexpectedly")

    def drain(block: bool) -> Iterator[Any]:
        for r in range(1, len(regions)):
            reg = regions[r]
            if reg.valid is None and block:
                reg.valid = False  # no process came to it: the capture ended before
                reg.stop()
            if reg.valid is None:
                break  # neither it nor the regions after it can be numbered yet
            if reg.valid is False:
                continue
            if not reg.done:
                yield from pump(r, block)

    try:
        for k in range(1, len(regions)):
            regions[k].start_worker(
                functools.partial(_region_source, path, material, bounds[k - 1], bounds[k:]),
                render,
            )
        own = regions[0]
        cell = [0]
        own_notes: list[str] = []
        items = region_summaries(path, material, 24, bounds, notes=own_notes, progress=cell)
        if items is None:  # pragma: no cover - the boundaries were found in this file
            raise RuntimeError("the capture cannot be read in regions")
        for count, item in enumerate(items, 1):
            if isinstance(item, Boundary):
                m = item.mark
                mark(0, (m.index, m.packets, m.reached, item.known))
            elif item.id <= own.cutoff:
                yield render(item)  # the first region's: numbered from the file's start
            if count % 64 == 0:
                yield from drain(False)
                if progress is not None:
                    own.pos = cell[0]
                    done = sum(max(r.pos, r.start) - r.start for r in regions)
                    progress(min(done, size))
        found.extend(n for n in own_notes if n not in found)
        yield from drain(True)
        if notes is not None:
            notes.extend(found)
    finally:
        for reg in regions[1:]:
            reg.stop()


def _region_source(
    path: str | os.PathLike[str],
    material: KeyMaterial,
    start: int,
    bounds: list[int],
    notes: list[str],
    progress: list[int],
) -> Iterable[Any] | None:
    from .fastsummary import region_summaries

    return region_summaries(path, material, start, bounds, notes=notes, progress=progress)


def _shift_note(note: str, offset: int) -> str:
    if not offset:
        return note
    return re.sub(r"after packet (\d+)", lambda m: f"after packet {int(m[1]) + offset}", note)


def _key(client: str, server: str) -> tuple[bytes, bytes] | None:
    """The address+port keys of a connection, both ways (as the capture loop
    makes them: addresses, then ports), from its endpoints' text."""
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
    return a + b + pa + pb, b + a + pb + pa


def _orphan(
    known: dict[bytes, float],
    by_syn: bool,
    key: tuple[bytes, bytes] | None,
    start: float | None,
) -> bool:
    """Did the process before this region follow this connection already?
    Only if this region's process picked it up without its SYN (from a
    SYN/ACK, or in the middle) on addresses the one before was following at
    the boundary, or had closed shortly before (whose late packets it would
    have skipped).  A connection opened by a SYN in this region is this
    region's, even on the ports of one that was still open: the one before
    leaves it alone."""
    if by_syn or key is None:
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
            reg.start_worker(functools.partial(_shard_source, path, material, (k, workers)), render)
        cell = [0]
        rows = summary_rows(path, material, notes=notes, shard=(0, workers), progress=cell)
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
    shard: tuple[int, int],
    notes: list[str],
    progress: list[int],
) -> Iterable[Any]:
    return summary_rows(path, material, notes=notes, shard=shard, progress=progress)
