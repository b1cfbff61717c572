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

from . import __version__
from .cli_common import DEFAULT_CAPTURE, UserError, add_key_options, load_material
from .cli_decode import cmd_decode, write_json

__all__ = [
    "DEFAULT_CAPTURE",
    "UserError",
    "add_key_options",
    "build_parser",
    "cmd_decode",
    "load_material",
    "main",
    "write_json",
]


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
        help="processes (default: one per core for files over 8 MB, and for decode and "
        "decode --json when the output is not a terminal)",
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


if __name__ == "__main__":  # pragma: no cover
    # run the module proper (not this copy, __main__): the sub-commands raise
    # tlsviz.cli.UserError, which main must recognise as its own
    from tlsviz.cli import main as _main

    sys.exit(_main())
