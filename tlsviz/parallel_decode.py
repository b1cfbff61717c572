"""``decode`` and ``decode --json`` of a big capture on several cores.

Every process reads the whole file (a memory map: the pages are shared) and
follows one n-th of the connections, chosen by a hash of their two ports
(:class:`~.capture.CaptureReader`'s ``shard``, the same split as the summary
path's for pcapng files); the memory-mapped reader skips the other
processes' packets before looking at them (but for their times: a reset
connection's grace period ends on the same packet in every process).  Each
process renders its connections (text or JSON) and writes them to an unnamed
temporary file with the place where the one-process reading would have handed
them on (``CaptureSession.order``): the packet whose reading completed them (a
FIN, a RST, the end of a grace period, the end of the capture), how, and their
id.  This process merges the files in that order, so the output is the one a
single process writes, byte for byte.  It is one of the
``jobs`` processes: it forks the others (Linux: the key material is
inherited, not copied) and decodes the first share itself, a connection at a
time, whenever the next connection to write is not ready yet.

A resumed connection needs what its first connection left behind (a TLS 1.3
ticket's PSK, a TLS 1.2 session's master secret), and the two have different
client ports.  So the summary path first reads the hellos (a tenth of a
second a hundred thousand packets); when any connection was resumed, the
connections are split by id instead: each resumed connection goes with every
connection from the same client to the same server or server name, the rest
in turn.
"""

from __future__ import annotations

import errno
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from .capture.fastread import Shard
from .keys.keyring import KeyMaterial
from .session.model import Connection

#: a rendered connection and the explanation keys it uses
Rendered = tuple[str, list[str]]
#: where a connection comes in the one-process order (CaptureSession.order)
Order = tuple[int, int]
#: connections a worker writes at once
_BATCH = 16
#: ... or fewer, when their text is this long (a connection's JSON is tens of
#: kilobytes: a batch is held twice, as text and as bytes, until written)
_BATCH_CHARS = 1 << 18
#: what the merging costs this process (reading the workers' spools, copying
#: their output), as a share of one process's decoding: the workers take
#: that much more of the connections, so that all end together
_MERGE_SHARE = 0.06
#: port-hash buckets shared out between the processes
_BUCKETS = 1024


def shares(jobs: int) -> list[float]:
    """Each process's share of the connections, this one's first: with w the
    others' share, this one's is w less the merging, w * (1 - _MERGE_SHARE)."""
    if jobs <= 1:
        return [1.0]
    other = 1 / (jobs - _MERGE_SHARE)
    return [1 - (jobs - 1) * other, *([other] * (jobs - 1))]


def port_shards(jobs: int) -> list[Shard]:
    """Each process's buckets of the port hash, (first, _BUCKETS, count), in
    proportion to :func:`shares`."""
    if jobs <= 1:
        return [(0, 1, 1)]
    out: list[Shard] = []
    start, due = 0, 0.0
    for share in shares(jobs):
        due += share * _BUCKETS
        width = max(1, round(due) - start)
        out.append((start, _BUCKETS, width))
        start += width
    return out


def decode_sharded(
    path: str,
    material: KeyMaterial,
    jobs: int,
    render: Callable[[Connection], Rendered],
    *,
    streams: bool = False,
    notes: list[str] | None = None,
    keys: set[str] | None = None,
    raw: bool = False,
) -> Iterator[Any]:
    """The rendered connections of ``path``, decoded by ``jobs`` processes, in
    the order one process gives them.  ``notes`` receives the capture's notes
    (each once) and ``keys`` the explanation keys of what was rendered, both
    complete when the iterator ends.  A worker's failure is raised here as
    ``RuntimeError``.

    Each connection comes as its text, or with ``raw`` as a :class:`Chunk`:
    where its UTF-8 bytes are in a worker's spool file, for the caller to
    copy to its output without reading them (see :func:`copy_chunk`)."""
    from .summary.parallel import _fork, _Region, _spool_file

    wanted = _families(path, jobs)
    shards = port_shards(jobs)
    regions = [_Region(0) for _ in range(jobs)]
    pending: list[deque[tuple[Order, int, Any, list[str]]]] = [deque() for _ in range(jobs)]
    ended = [False] * jobs
    found: list[list[str]] = [[] for _ in range(jobs)]
    own: list[Iterator[None]] = []  # this process's shard (0), one connection a step

    def step_own() -> bool:
        """Decode this process's next connection into its spool; False when
        there is none left."""
        if not own:
            return False
        try:
            next(own[0])
        except StopIteration:
            own.clear()
        except Exception as err:  # said like a worker's failure
            raise RuntimeError(f"{type(err).__name__}: {err}") from err
        return True

    def pull(k: int) -> None:
        """Wait until shard k has a connection ready, or has ended; while a
        worker is behind, this process decodes its own shard meanwhile."""
        reg = regions[k]
        delay = 0.0005
        while not pending[k] and not ended[k]:
            exited = reg.pid and os.waitpid(reg.pid, os.WNOHANG)[0] == reg.pid
            if exited:
                reg.pid = 0
            while not pending[k] and not ended[k]:
                message = _next_message(reg)
                if message is None:
                    break
                kind, payload = message
                if kind == "rows":
                    pending[k].extend(payload)
                elif kind == "raw":
                    pending[k].extend(
                        (position, conn, Chunk(reg.fd, offset, n), used)
                        for position, conn, offset, n, used in payload
                    )
                elif kind == "end":
                    ended[k] = True
                    found[k] = payload
                else:
                    raise RuntimeError(payload)
            if not pending[k] and not ended[k]:
                if step_own():
                    continue
                if k == 0:
                    raise RuntimeError("this process's shard ended without its end")
                if exited or not reg.pid:
                    raise RuntimeError(f"decode worker {k + 1} stopped unexpectedly")
                time.sleep(delay)
                delay = min(delay * 2, 0.02)

    try:
        for k, reg in enumerate(regions):
            reg.fd = _spool_file()
            args = (path, material, (k, shards[k]), render, streams, reg.fd, wanted, raw)
            if k == 0:  # this process's own share, decoded between the merges
                own.append(_shard_steps(*args, batch=1))
            else:  # (the steps start in the worker: a generator runs when iterated)
                reg.pid = _fork(_run_steps, _shard_steps(*args), reg.fd)
        while True:
            best = -1
            for k in range(jobs):
                pull(k)
                if pending[k] and (best < 0 or pending[k][0][:2] < pending[best][0][:2]):
                    best = k
            if best < 0:
                break
            _, _, text, used = pending[best].popleft()
            if keys is not None:
                keys.update(used)
            yield text
    finally:
        own.clear()
        for reg in regions:
            reg.stop()
    if notes is not None:
        seen = set(notes)
        for note in (n for shard_notes in found for n in shard_notes):
            if note not in seen:
                seen.add(note)
                notes.append(note)


def _next_message(reg: Any) -> tuple[str, Any] | None:
    """The next whole message in a worker's spool file, if it has written one.
    One at a time: a worker that runs ahead of the others waits on disk, not
    in this process's memory."""
    from .summary.parallel import _load

    size = os.fstat(reg.fd).st_size
    if size - reg.read < 4:
        return None
    n = int.from_bytes(os.pread(reg.fd, 4, reg.read), "little")
    if size - reg.read - 4 < n:
        return None
    blob = os.pread(reg.fd, n, reg.read + 4)
    kind, payload = _load(blob)
    after = reg.read + 4 + n
    if kind == "raw":  # the rows' bytes follow the message: all there yet?
        total = sum(row[2] for row in payload)
        if size - after < total:
            return None
        rows = []
        for position, conn, length, used in payload:
            rows.append((position, conn, after, length, used))
            after += length
        payload = rows
    reg.read = after
    return str(kind), payload


class Chunk:
    """``length`` bytes at ``offset`` of the open file ``fd``."""

    __slots__ = ("fd", "length", "offset")

    def __init__(self, fd: int, offset: int, length: int) -> None:
        self.fd, self.offset, self.length = fd, offset, length


def copy_chunk(chunk: Chunk, out_fd: int) -> None:
    """Copy ``chunk`` to ``out_fd`` in the kernel (sendfile); by reading and
    writing where the kernel cannot (an output it does not support)."""
    offset, left = chunk.offset, chunk.length
    try:
        while left:
            sent = os.sendfile(out_fd, chunk.fd, offset, left)
            if sent == 0:
                break
            offset += sent
            left -= sent
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
    while left:
        data = os.pread(chunk.fd, min(left, 1 << 20), offset)
        if not data:
            raise OSError(errno.EIO, "a decoding process's output ended early")
        view = memoryview(data)
        while view:
            view = view[os.write(out_fd, view) :]
        offset += len(data)
        left -= len(data)


def _run_steps(steps: Iterator[None], spool: int) -> None:
    """One worker's job (forked): a shard's :func:`_shard_steps` to the end;
    an exception as ("error", text) in its spool."""
    from .summary.parallel import _say

    try:
        for _ in steps:
            pass
    except Exception as err:  # reported by the parent
        _say(spool, "error", f"{type(err).__name__}: {err}")


def _shard_steps(
    path: str,
    material: KeyMaterial,
    shard: tuple[int, Shard],
    render: Callable[[Connection], Rendered],
    streams: bool,
    spool: int,
    wanted: dict[int, int] | None,
    raw: bool = False,
    *,
    batch: int = _BATCH,
) -> Iterator[None]:
    """Process k's connections (``shard``: k and its port buckets, see
    :func:`port_shards`; with ``wanted`` those it maps to k), rendered, to
    ``spool`` as ("rows", [(position,
    id, text, keys)...]) messages (with ``raw``: ("raw", [(position, id,
    length, keys)...]) followed by the texts in UTF-8), then ("end", notes).
    Steps once per message written."""
    from .capture.pcapfile import CaptureReader
    from .source import CaptureSession
    from .summary.parallel import _say

    notes: list[str] = []
    k, buckets = shard
    if wanted is None:  # by ports, filtered as the file is read
        reader = CaptureReader(path, fast=True, shard=buckets)
        mine = None
    else:  # by id: the others are dropped as they open
        reader = CaptureReader(path, fast=True)
        assigned = wanted

        def mine(conn: int) -> bool:
            # what the summary did not list is no connection of one
            # process: packets of a flow another process follows, after
            # it dropped them long enough to be forgotten
            return assigned.get(conn, -1) == k

    session = CaptureSession(
        path, material=material, reader=reader, notes=notes, streams=streams,
        lazy_fields=False, wanted=mine,
    )  # fmt: skip
    say = _say_raw if raw else _say
    kind = "raw" if raw else "rows"
    rows: list[tuple[Order, int, str, list[str]]] = []
    size = 0
    for conn in session:
        text, used = render(conn)
        rows.append((session.order, conn.id, text, used))
        size += len(text)
        if len(rows) >= batch or size >= _BATCH_CHARS:
            say(spool, kind, rows)
            rows, size = [], 0
            yield
    say(spool, kind, rows)
    _say(spool, "end", notes)


def _say_raw(spool: int, kind: str, batch: list[tuple[Order, int, str, list[str]]]) -> None:
    """A "raw" message: the rows without their texts, then the texts' bytes
    (one write: a reader that sees the message may still wait for them)."""
    from .summary.parallel import _say

    texts = [text.encode("utf-8") for _, _, text, _ in batch]
    _say(spool, kind, [(p, c, len(t), u) for (p, c, _, u), t in zip(batch, texts, strict=True)])
    view = memoryview(b"".join(texts))
    while view:
        view = view[os.write(spool, view) :]


def _families(path: str, jobs: int) -> dict[int, int] | None:
    """None when no connection of ``path`` was resumed (the split by ports
    will do); else the process of each connection: a resumed one's family
    together, the others in turn."""
    from .summary.parallel import summarize_parallel

    def row(s: Any) -> tuple[int, str, str, str | None, bool]:
        return s.id, s.client, s.server, s.facts.sni, s.facts.resumption is not None

    def renumber(r: tuple[Any, ...], old: int, new: int) -> tuple[Any, ...]:
        return (new, *r[1:])

    # the quick look itself on every core: it is the one part of the decode
    # that runs before the workers start
    found = list(summarize_parallel(path, None, jobs, render=row, renumber=renumber))
    if not any(r[4] for r in found):
        return None  # (before the workers fork: they need none of this)
    rows = [dict(zip(("id", "client", "server", "sni", "resumed"), r, strict=True)) for r in found]
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: object, b: object) -> None:
        parent[find(a)] = find(b)

    for r in rows:
        client_ip = str(r["client"]).rsplit(":", 1)[0]
        union(("conn", r["id"]), ("server", client_ip, r["server"]))
        if r["sni"]:
            union(("conn", r["id"]), ("name", client_ip, r["sni"]))
    resumed_roots = {find(("conn", r["id"])) for r in rows if r["resumed"]}
    members: dict[object, list[int]] = {}
    for r in rows:
        root = find(("conn", r["id"]))
        if root in resumed_roots:
            members.setdefault(root, []).append(r["id"])
    weights = shares(jobs)
    load = [0] * jobs

    def lightest() -> int:  # the process furthest below its share
        return min(range(jobs), key=lambda k: load[k] / weights[k])

    out: dict[int, int] = {}
    for ids in sorted(members.values(), key=len, reverse=True):
        k = lightest()
        load[k] += len(ids)
        out.update(dict.fromkeys(ids, k))
    for r in rows:
        if r["id"] not in out:
            k = lightest()
            load[k] += 1
            out[r["id"]] = k
    return out
