"""Command line: ``tlsviz decode CAPTURE [--json] [--explain]``.

Bad input never produces a traceback: a missing file or a file that is not a
capture exits with status 2 and one plain sentence on stderr; a capture cut
short is decoded as far as it goes, with a one-sentence warning.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from . import __version__

#: The bundled capture that ``tlsviz decode`` opens when given no file, named
#: here for the help text without importing :mod:`.bundled` (pathlib,
#: dataclasses) at every start; a test holds it equal to bundled.DEFAULT_CAPTURE.
DEFAULT_CAPTURE = "tls13-aes128gcm.pcap"


class UserError(Exception):
    """A problem the user can fix; the message is one plain sentence."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tlsviz",
        description="Explore TLS handshakes byte by byte: decode, explain, derive keys.",
    )
    p.add_argument("--version", action="version", version=f"tlsviz {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser(
        "decode",
        help="decode the TLS connections of a pcap/pcapng capture",
        description="Decode every TLS connection of a capture, message by message.",
    )
    d.add_argument(
        "capture", nargs="?", help=f"pcap or pcapng file (default: the bundled {DEFAULT_CAPTURE})"
    )
    d.add_argument("--json", action="store_true", help="print the JSON document")
    d.add_argument(
        "--explain", action="store_true", help="print what each field is for under it (text form)"
    )
    d.add_argument(
        "--buffers",
        action="store_true",
        help="with --json: add each connection's buffers (stream and decrypted-record bytes, hex)",
    )
    d.add_argument(
        "--brief", action="store_true", help="list messages without their field trees (text form)"
    )
    d.add_argument(
        "--summary",
        action="store_true",
        help="one line per connection (with --json: one JSON object per line), streamed as "
        "each handshake completes; made for big captures",
    )
    d.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="processes for --summary (default: one per core for files over 8 MB)",
    )
    add_key_options(d)
    d.set_defaults(func=cmd_decode)
    from . import cli_live

    cli_live.add_parsers(sub)
    from . import cli_ui

    cli_ui.add_parsers(sub)
    from . import cli_lessons

    cli_lessons.add_parsers(sub)
    from . import cli_export

    cli_export.add_parsers(sub)
    from . import cli_classroom

    cli_classroom.add_parsers(sub)
    return p


def add_key_options(p: argparse.ArgumentParser) -> None:
    """The key material options shared by ``decode`` and ``open``."""
    k = p.add_argument_group("key material (any number of each)")
    k.add_argument(
        "--keylog",
        action="append",
        default=[],
        metavar="FILE",
        help="NSS key log (SSLKEYLOGFILE) with the connection's secrets",
    )
    k.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="FILE",
        help="RSA server private key (PEM, DER, PKCS#8, PKCS#12) for RSA key exchange",
    )
    k.add_argument("--key-password", metavar="PW", help="password of an encrypted --key file")
    k.add_argument(
        "--psk",
        action="append",
        default=[],
        metavar="HEX",
        help="pre-shared key in hex (or @FILE) for PSK cipher suites",
    )
    k.add_argument(
        "--ephemeral-key",
        action="append",
        default=[],
        metavar="FILE",
        help="(EC)DHE private key of one side, to derive from the shared secret",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if argv is None and sys.stdin.isatty() and sys.stdout.isatty():
            from .cli_ui import run_home

            return run_home()
        parser.print_help()
        return 0
    try:
        return int(args.func(args, sys.stdout))
    except UserError as err:
        print(f"tlsviz: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # pragma: no cover - last line of defence
        if os.environ.get("TLSVIZ_DEBUG"):
            raise
        print(
            f"tlsviz: internal error ({type(err).__name__}: {err}); "
            "set TLSVIZ_DEBUG=1 to see where.",
            file=sys.stderr,
        )
        return 70


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _resolve_capture(arg: str | None) -> str:
    if arg is None:
        from .bundled import capture_path

        path = capture_path(DEFAULT_CAPTURE)
        if not path.exists():
            raise UserError(f"the bundled capture {path} is missing; give a capture file.")
        return str(path)
    return arg


def use_bundled_keys(args: argparse.Namespace, path: str) -> None:
    """With no capture named, the bundled one comes with its key log: shown
    decrypted and verified (unless key options were given)."""
    if args.capture is None and not (args.keylog or args.key or args.psk or args.ephemeral_key):
        from .bundled import bundled_captures

        for b in bundled_captures():
            if str(b.path) == path and b.keylog is not None:
                args.keylog = [str(b.keylog)]


def load_material(args: argparse.Namespace) -> Any:
    """The key material named on the command line; one-sentence errors."""
    from .keys.loading import load_key_material

    try:
        return load_key_material(
            getattr(args, "keylog", []),
            getattr(args, "key", []),
            getattr(args, "psk", []),
            getattr(args, "ephemeral_key", []),
            key_password=getattr(args, "key_password", None),
            warn=lambda text: print(f"tlsviz: warning: {text}", file=sys.stderr),
        )
    except Exception as err:
        from .keys.material import MaterialError

        if isinstance(err, MaterialError):
            raise UserError(str(err)) from err
        raise


def cmd_decode(args: argparse.Namespace, out: TextIO) -> int:
    from .capture import CaptureError
    from .source import open_capture

    path = _resolve_capture(args.capture)
    use_bundled_keys(args, path)
    material = load_material(args)
    if getattr(args, "summary", False):
        return cmd_summary(args, path, material, out)
    try:
        session = open_capture(
            path, material=material, streams=bool(args.json and getattr(args, "buffers", False))
        )
    except CaptureError as err:
        raise UserError(str(err)) from err
    if args.json:
        _write_json(session, path, out, buffers=getattr(args, "buffers", False))
    else:
        from .session.text import render_connection

        count = 0
        for conn in session:
            count += 1
            for line in render_connection(conn, explain=args.explain, fields=not args.brief):
                out.write(line + "\n")
        if count == 0:
            out.write("No TLS connections found.\n")
    out.flush()
    for note in session.notes:
        print(f"tlsviz: warning: {note}", file=sys.stderr)
    return 0


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
    import json

    from .session.export import connection_json
    from .wire.explain import explanation

    keys: set[str] = set()
    out.write(
        f'{{"tlsviz": {json.dumps(__version__)}, "source": {json.dumps(path)}, "connections": ['
    )
    first = True
    for conn in session:
        if not first:
            out.write(",")
        first = False
        out.write("\n")
        json.dump(connection_json(conn, keys=keys, buffers=buffers), out, separators=(",", ":"))
    out.write("\n],\n")
    out.write(f'"notes": {json.dumps(session.notes)},\n')
    expl = {k: t for k in sorted(keys) if (t := explanation(k)) is not None}
    out.write(f'"explanations": {json.dumps(expl, indent=None)}}}\n')


if __name__ == "__main__":  # pragma: no cover
    # run the module proper (not this copy, __main__): the sub-commands raise
    # tlsviz.cli.UserError, which main must recognise as its own
    from tlsviz.cli import main as _main

    sys.exit(_main())
