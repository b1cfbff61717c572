"""Command line of the terminal UI: ``tlsviz`` (home), ``tlsviz open``, ``tlsviz demo``.

Everything that can go wrong before the first frame (a missing file, a file
that is not a capture, a key log that cannot be read) is checked here and
reported in one sentence with exit status 2, before any screen is drawn.
textual is imported only when the UI actually starts.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TextIO

THEMES = ("textual-dark", "textual-light", "tlsviz-high-contrast")


def add_parsers(sub: Any) -> None:
    from .cli_common import add_key_options

    o = sub.add_parser(
        "open",
        help="explore a capture in the terminal UI",
        description="Open the explorer on a pcap/pcapng capture (or follow a live capture): "
        "step through each handshake message by message.",
    )
    o.add_argument(
        "capture", nargs="?", help="pcap or pcapng file (default: the bundled TLS 1.3 handshake)"
    )
    add_key_options(o)
    live = o.add_argument_group("live capture (root or CAP_NET_RAW)")
    live.add_argument("--live", action="store_true", help="follow a live capture instead")
    live.add_argument("-i", "--interface", metavar="IFACE", help="interface (default: any)")
    live.add_argument("--bpf", metavar="FILTER", help="capture filter (tcpdump syntax)")
    o.add_argument("--connection", type=int, metavar="ID", help="open this connection first")
    o.add_argument("--theme", choices=THEMES, help="colour theme (default: dark)")
    o.set_defaults(func=cmd_open)

    learn = sub.add_parser(
        "learn",
        help="guided lessons with questions, on real handshakes (terminal UI)",
        description="Play the lessons: the lesson menu with your progress, or one lesson. "
        "Each step drives the explorer to the bytes it talks about.",
    )
    learn.add_argument("lesson", nargs="?", help="a lesson id (see tlsviz lesson list)")
    learn.add_argument("--dir", action="append", metavar="PATH",
                       help="play the lessons of this folder (or file) instead of the "
                       "bundled ones")  # fmt: skip
    learn.add_argument("--theme", choices=THEMES, help="colour theme (default: dark)")
    learn.set_defaults(func=cmd_learn)


def cmd_learn(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_common import UserError
    from .lessons.model import LessonError
    from .lessons.parser import load_lessons

    try:
        lessons = load_lessons(args.dir)
    except LessonError as err:
        raise UserError(f"the lessons cannot be read: {err}") from None
    except OSError as err:
        raise UserError(f"the lessons cannot be read ({err.strerror}).") from None
    if not lessons:
        raise UserError("there is no lesson to play.")
    if args.lesson and args.lesson not in {ls.id for ls in lessons}:
        ids = ", ".join(ls.id for ls in lessons)
        raise UserError(f"there is no lesson called {args.lesson} (the lessons are: {ids}).")
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise UserError("tlsviz learn needs a terminal; tlsviz lesson list shows the lessons.")
    from .ui.app import TlsvizApp

    app = TlsvizApp(None, theme=_theme(args), lessons=args.dir, lesson=args.lesson or "")
    app.run()
    return 0


def _theme(args: argparse.Namespace | None = None) -> str | None:
    theme = getattr(args, "theme", None) if args is not None else None
    return theme or os.environ.get("TLSVIZ_THEME") or None


def cmd_open(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_common import UserError, load_material

    if args.live:
        if args.capture:
            raise UserError("give either a capture file or --live, not both.")
        if len(args.keylog) > 1:
            raise UserError("--live follows one key log.")
        from .cli_common import warn_exposed

        warn_exposed([("key log", p) for p in args.keylog])
        from .ui.sources import Source

        material = load_material(
            argparse.Namespace(
                key=args.key,
                psk=args.psk,
                ephemeral_key=args.ephemeral_key,
                key_password=args.key_password,
                keylog=[],
            )
        )
        source = Source(
            f"live on {args.interface or 'any'}",
            kind="live",
            material=material,
            live={
                "interface": args.interface,
                "bpf": args.bpf,
                "keylog": args.keylog[0] if args.keylog else None,
            },
        )
        _check_live(source)
        return _run(source, args)
    if not args.capture:
        from .bundled import DEFAULT_CAPTURE, bundled_captures

        for b in bundled_captures():
            if b.path.name == DEFAULT_CAPTURE:
                args.capture = str(b.path)
                if not (args.keylog or args.key or args.psk or args.ephemeral_key):
                    args.keylog = [str(b.keylog)] if b.keylog else []
        if not args.capture:
            raise UserError("give a capture file to open, e.g. tlsviz open capture.pcap.")
    from .capture import CaptureError, CaptureReader

    try:
        CaptureReader(args.capture).close()
    except CaptureError as err:
        raise UserError(str(err)) from err
    material = load_material(args)
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        # no terminal to draw on: the same connections as text
        from .cli_decode import cmd_decode

        print("tlsviz: not a terminal, so the capture is printed (tlsviz decode).",
              file=sys.stderr)  # fmt: skip
        brief = {"json": False, "explain": False, "brief": True, "summary": False,
                 "buffers": False}  # fmt: skip
        decode = argparse.Namespace(**{**vars(args), **brief})
        return cmd_decode(decode, out)
    from .ui.sources import Source

    keylog = args.keylog[0] if args.keylog else None
    source = Source(os.path.basename(args.capture), args.capture, material, keylog=keylog)
    preload = None
    if not source.big:
        from .ui.sources import Preload

        preload = Preload(source)  # reads while the interface starts
    return _run(source, args, open_id=args.connection, preload=preload)


def _check_live(source: Any) -> None:
    from .capture.live import LiveCapture, LiveError
    from .cli_common import UserError

    probe = LiveCapture(
        source.live.get("interface"),
        source.live.get("bpf"),
        keylog=source.material.keylog,
        timeout=None,
        spool=False,
    )
    try:
        probe.open()
    except LiveError as err:
        raise UserError(str(err)) from None
    finally:
        probe.close()


def _run(
    source: Any,
    args: argparse.Namespace | None = None,
    open_id: int | None = None,
    demo: dict[str, Any] | None = None,
    preload: Any = None,
) -> int:
    from .ui.app import TlsvizApp

    app = TlsvizApp(source, theme=_theme(args), demo=demo, open_id=open_id, preload=preload)
    app.run()
    return 0


def run_home() -> int:
    """``tlsviz`` with no arguments on a terminal."""
    return _run(None)


def run_demo_explorer(args: argparse.Namespace) -> int:
    """``tlsviz demo`` on a terminal: perform the handshake in a worker, then explore it."""
    options = {
        "version": args.version,
        "cipher": args.cipher,
        "mtls": args.mtls,
        "resume": args.resume,
        "no_ticket": args.no_ticket,
        "alpn": args.alpn or [],
        "sni": args.sni,
        "mqtt": args.mqtt,
        "rsa": args.rsa,
        "ipv6": args.ipv6,
        "output": args.output,
    }
    return _run(None, args, demo=options)


def main_stdout_is_terminal() -> bool:
    return sys.stdout.isatty() and sys.stdin.isatty()
