"""``tlsviz decode``: the text, JSON and summary forms of a capture."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from typing import Any, TextIO

from .cli_common import UserError, _resolve_capture, load_material, use_bundled_keys


def decode_args(capture: str, **options: Any) -> argparse.Namespace:
    """The arguments ``tlsviz decode CAPTURE`` would have, for commands that
    decode what they made (``demo``) without parsing a command line again."""
    args = argparse.Namespace(
        capture=capture, json=False, explain=False, buffers=False, brief=False,
        summary=False, jobs=0, keylog=[], key=[], key_password=None, psk=[],
        ephemeral_key=[], func=cmd_decode,
    )  # fmt: skip
    for name, value in options.items():
        setattr(args, name, value)
    return args


def cmd_decode(args: argparse.Namespace, out: TextIO) -> int:
    from .capture import CaptureError
    from .source import open_capture

    path = _resolve_capture(args.capture)
    use_bundled_keys(args, path)
    material = load_material(args)
    if getattr(args, "summary", False):
        return cmd_summary(args, path, material, out)
    _batch_gc()
    jobs = _decode_jobs(args, path, out)
    if jobs > 1:
        return _decode_parallel(args, path, material, jobs, out)
    try:
        # every field tree is written: built at once, not on first access (a
        # second pass over each message costs more than holding the trees)
        session = open_capture(
            path,
            material=material,
            streams=bool(args.json and getattr(args, "buffers", False)),
            lazy_fields=False,
        )
    except CaptureError as err:
        raise UserError(str(err)) from err
    if args.json:
        _write_json(session, path, out, buffers=getattr(args, "buffers", False))
    else:
        from .session.text import connection_block

        count = 0
        for conn in session:
            count += 1
            out.write(connection_block(conn, explain=args.explain, fields=not args.brief))
        if count == 0:
            out.write("No TLS connections found.\n")
    out.flush()
    for note in session.notes:
        print(f"tlsviz: warning: {note}", file=sys.stderr)
    return 0


def _batch_gc() -> None:
    """Garbage collection for a decode that makes millions of short-lived
    objects (fields, records) and holds few: what is loaded so far (modules,
    the key material) is set aside for good, and the collector waits for a
    million more objects alive than freed instead of 700.  A finished
    connection is freed by reference counting alone (its key state holds no
    cycle), so collecting less often costs no memory; but the connections
    still open at a time hold a few hundred thousand objects on a busy
    capture, and a collector that walks them every 10,000 allocations spends
    a sixth of the decode doing it.  The threshold still bounds what a cycle
    left behind could grow to."""
    import gc

    gc.freeze()
    gc.set_threshold(1_000_000, 20, 50)


def _decode_jobs(args: argparse.Namespace, path: str, out: TextIO) -> int:
    """Processes for the full decode: ``--jobs N``, or one per core for a
    capture over 8 MB written to a file or a pipe (a terminal reads slower
    than one process writes)."""
    jobs = int(getattr(args, "jobs", 0) or 0)
    if jobs > 0:
        return jobs
    try:
        big = os.path.getsize(path) > 8 << 20
    except OSError:
        return 1
    isatty = getattr(out, "isatty", None)
    if not big or (isatty is not None and isatty()) or not hasattr(os, "fork"):
        return 1
    return os.cpu_count() or 1


def _decode_parallel(
    args: argparse.Namespace, path: str, material: Any, jobs: int, out: TextIO
) -> int:
    """``decode`` / ``decode --json`` on ``jobs`` processes (see parallel_decode)."""
    from .capture import CaptureError, CaptureReader
    from .parallel_decode import copy_chunk, decode_sharded

    try:  # the file's errors, said once, here (its header: scapy is not needed)
        CaptureReader(path, fast=True).close()
    except CaptureError as err:
        raise UserError(str(err)) from err
    buffers = bool(getattr(args, "buffers", False))
    notes: list[str] = []
    keys: set[str] = set()
    out_fd = _utf8_fd(out)  # the workers' bytes go straight to it
    copy = None
    if out_fd is not None:
        out.flush()
        copy = functools.partial(copy_chunk, out_fd=out_fd)
    if args.json:
        from .session.jsonout import connection_text, write_texts

        def render(conn: Any) -> tuple[str, list[str]]:
            used: set[str] = set()
            return connection_text(conn, keys=used, buffers=buffers), sorted(used)

        texts = decode_sharded(
            path, material, jobs, render, streams=buffers, notes=notes, keys=keys,
            raw=copy is not None,
        )  # fmt: skip
        try:
            write_texts(texts, path, out, notes=lambda: notes, keys=keys, copy=copy)
        except RuntimeError as err:
            raise UserError(f"A decoding process failed ({err}).") from err
    else:
        from .session.text import connection_block

        explain, fields = args.explain, not args.brief

        def render_text(conn: Any) -> tuple[str, list[str]]:
            return connection_block(conn, explain=explain, fields=fields), []

        count = 0
        try:
            for item in decode_sharded(
                path, material, jobs, render_text, notes=notes, raw=copy is not None
            ):
                count += 1
                if copy is None:
                    out.write(item)
                else:  # the worker's bytes, copied by the kernel
                    copy(item)
        except RuntimeError as err:
            raise UserError(f"A decoding process failed ({err}).") from err
        if count == 0:
            out.write("No TLS connections found.\n")
    out.flush()
    for note in notes:
        print(f"tlsviz: warning: {note}", file=sys.stderr)
    return 0


def _utf8_fd(out: TextIO) -> int | None:
    """The file descriptor behind ``out`` when it writes UTF-8 (the workers'
    bytes can then go to it as they are); None otherwise."""
    import codecs

    try:
        fd = out.fileno()
        encoding = codecs.lookup(out.encoding or "").name
    except (AttributeError, OSError, LookupError, ValueError):
        return None
    return fd if encoding == "utf-8" else None


def cmd_summary(args: argparse.Namespace, path: str, material: Any, out: TextIO) -> int:
    """``decode --summary``: one line (or JSON object) per connection, as each completes."""
    from .capture import CaptureError, CaptureReader

    try:
        reader = CaptureReader(path, fast=True)
    except CaptureError as err:
        raise UserError(str(err)) from err
    size = reader.file_size
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1) if size > 8 << 20 else 1
    progress = _Progress(size) if sys.stderr.isatty() and size > 8 << 20 else None
    notes: list[str] = []
    if args.json:
        import json

        def render(s: Any) -> str:
            return json.dumps(s.to_json(), separators=(",", ":")) + "\n"

        def renumber(row: str, old: int, new: int) -> str:
            return f'{{"id":{new}' + row[6 + len(str(old)) :]  # "id" comes first
    else:

        def render(s: Any) -> str:
            return str(s.line()) + "\n"

        def renumber(row: str, old: int, new: int) -> str:
            return f"{new:>6}" + row[max(6, len(str(old))) :]  # the line starts with the id

    if jobs > 1:
        from .summary.parallel import MIN_REGION, summarize_parallel

        reader.close()
        lines: Any = summarize_parallel(
            path,
            material,
            jobs,
            notes=notes,
            render=render,
            renumber=renumber,
            progress=progress.update if progress else None,
            # an explicit --jobs splits even a small file (the tests rely on it)
            min_region=1 if args.jobs > 0 else MIN_REGION,
        )
    else:
        from .summary.rows import summary_rows

        reader.close()
        cell = [0]
        lines = map(render, summary_rows(path, material, notes=notes, progress=cell))
    count = 0
    write = out.write
    for line in lines:
        count += 1
        write(line)
        if progress is not None and jobs == 1 and count % 256 == 0:
            progress.update(cell[0])
    if progress is not None:
        progress.done()
    if count == 0 and not args.json:
        write("No TLS connections found.\n")
    out.flush()
    for note in notes:
        print(f"tlsviz: warning: {note}", file=sys.stderr)
    return 0


class _Progress:
    """A one-line progress bar on stderr (only when it is a terminal)."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.shown = -1

    def update(self, done: int) -> None:
        pct = min(100, done * 100 // self.total)
        if pct != self.shown:
            self.shown = pct
            bar = "#" * (pct // 4)
            sys.stderr.write(f"\r[{bar:<25}] {pct:3d}%")
            sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r" + " " * 34 + "\r")
        sys.stderr.flush()


def write_json(session: Any, path: str, out: TextIO) -> None:
    """Public name of the streaming JSON writer (used by ``sniff --json``)."""
    _write_json(session, path, out)


def _write_json(session: Any, path: str, out: TextIO, *, buffers: bool = False) -> None:
    """Stream the document: one connection at a time, as each completes."""
    from .session.jsonout import write_document

    write_document(session, path, out, notes=lambda: list(session.notes), buffers=buffers)
