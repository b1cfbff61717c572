"""Command line of the classroom: ``tlsviz present``, ``tlsviz follow``, ``tlsviz serve``.

As for ``open``: everything that can go wrong before the first frame (a
capture or lesson that is not there, key files that cannot be read, a
classroom name that is not one, a port that is not a port) is one sentence and
exit status 2, before any screen is drawn or any socket opened.  textual and
textual-serve are imported only when the UI or the server actually starts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any, TextIO

from .cli_ui import THEMES

#: A classroom's presenter, followers and browser sessions, with one word each.
HIGH_CONTRAST = "tlsviz-high-contrast"


def add_parsers(sub: Any) -> None:
    from .cli_common import DEFAULT_CAPTURE, add_key_options

    p = sub.add_parser(
        "present",
        help="show a capture or a lesson one step at a time, in large blocks, for a projector",
        description="Present a capture (one message per screen: the ladder, the fields that "
        "matter, why) or a lesson (one step per screen, answers hidden until revealed), in "
        "high contrast, with the next step previewed at the bottom. With --classroom every "
        "move is published for tlsviz follow and tlsviz serve --classroom.",
    )
    p.add_argument(
        "target",
        nargs="?",
        metavar="LESSON|CAPTURE",
        help="a lesson (a bundled lesson's id or a lesson file .md), a pcap/pcapng file, or a "
        f"bundled capture's name (default: the bundled {DEFAULT_CAPTURE}, with its key log)",
    )
    add_key_options(p)
    p.add_argument(
        "--connection", type=int, metavar="ID", help="present this connection (default: the first)"
    )
    p.add_argument(
        "--step",
        type=int,
        default=1,
        metavar="N",
        help="start at step (or message) N, counted from 1",
    )
    p.add_argument(
        "--timer",
        type=float,
        metavar="S",
        help="move on by itself every S seconds (t pauses and resumes)",
    )
    p.add_argument(
        "--classroom",
        metavar="NAME",
        help="publish every move to classroom NAME, for tlsviz follow NAME and "
        "tlsviz serve --classroom NAME (this machine only)",
    )
    p.add_argument("--theme", choices=THEMES, help=f"colour theme (default: {HIGH_CONTRAST})")
    p.set_defaults(func=cmd_present)

    f = sub.add_parser(
        "follow",
        help="follow a presenter's classroom in the terminal UI",
        description="Open the explorer (or the lesson) where the presenter of classroom NAME "
        "is, and move with it. Any key that moves you steps away to explore on your own; "
        "t follows the teacher again.",
    )
    f.add_argument("classroom", metavar="NAME", help="the classroom (tlsviz present --classroom)")
    f.add_argument("--theme", choices=THEMES, help="colour theme (default: dark)")
    f.set_defaults(func=cmd_follow)

    s = sub.add_parser(
        "serve",
        help="serve the terminal UI to web browsers (textual-serve)",
        description="Serve tlsviz to web browsers: one app per browser tab, at most "
        "--max-sessions at once. textual-serve has no authentication: whoever can reach the "
        "address gets a tlsviz session running as you, so it listens on this machine only "
        "unless --host says otherwise.",
    )
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    s.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000)")
    s.add_argument(
        "--max-sessions",
        type=int,
        default=20,
        metavar="N",
        help="browser sessions at once (default: 20); more get a page saying so",
    )
    s.add_argument(
        "--classroom", metavar="NAME", help="every session follows the presenter of classroom NAME"
    )
    s.add_argument("--theme", choices=THEMES, help="colour theme (default: dark)")
    s.set_defaults(func=cmd_serve)


# -- present ------------------------------------------------------------------------------
def cmd_present(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_common import UserError
    from .cli_export import _lesson

    name = _classroom(args.classroom)
    if args.timer is not None and not args.timer > 0:
        raise UserError("--timer takes a number of seconds above zero.")
    if args.step < 1:
        raise UserError("--step counts from 1.")
    lesson = _lesson(args.target)
    kwargs: dict[str, Any]
    if lesson is not None:
        if args.keylog or args.key or args.psk or args.ephemeral_key or args.connection:
            raise UserError("a lesson names its own captures and keys: give no key options.")
        if args.step > len(lesson.steps):
            raise UserError(f"lesson {lesson.id} has {len(lesson.steps)} steps, not {args.step}.")
        kwargs = {"lesson": lesson}
    else:
        kwargs = _capture(args)
        conn = kwargs["connection_obj"]
        if args.step > len(conn.messages):
            raise UserError(
                f"connection {conn.id} has {len(conn.messages)} messages, not {args.step}."
            )
        del kwargs["connection_obj"]
    _need_terminal("present", "tlsviz export writes a handout to print instead")
    from .ui.present_app import PresenterApp

    app = PresenterApp(
        timer=args.timer,
        classroom=name,
        theme=args.theme or HIGH_CONTRAST,
        start=args.step - 1,
        **kwargs,
    )
    try:
        app.run()
    finally:
        if name is not None:
            _end(name)
    return 0


def _capture(args: argparse.Namespace) -> dict[str, Any]:
    """The capture to present, decoded, with what a follower needs to open it too."""
    from .capture import CaptureError
    from .classroom import capture_info
    from .cli_common import UserError, _resolve_capture, load_material, use_bundled_keys
    from .source import open_capture

    label = None
    bundled = _bundled(args.target)
    if bundled is not None:
        path = str(bundled.path)
        label = bundled.name
        if not (args.keylog or args.key or args.psk or args.ephemeral_key):
            args.keylog = [str(bundled.keylog)] if bundled.keylog else []
            args.key = [str(bundled.rsa_key)] if bundled.rsa_key else []
            args.psk = [f"@{bundled.psk}"] if bundled.psk else []
    else:
        path = _resolve_capture(args.target)
        args.capture = args.target  # (what use_bundled_keys reads)
        use_bundled_keys(args, path)
    material = load_material(args)
    try:
        conns = list(open_capture(path, material=material, streams=True))
    except CaptureError as err:
        raise UserError(str(err)) from err
    conns = [c for c in conns if c.messages]
    if not conns:
        raise UserError(f"{path} holds no TLS connection to present.")
    conn = conns[0]
    if args.connection is not None:
        found = [c for c in conns if c.id == args.connection]
        if not found:
            have = ", ".join(str(c.id) for c in conns)
            raise UserError(
                f"the capture has no connection {args.connection} (its connections: {have})."
            )
        conn = found[0]
    if args.key_password and args.classroom:
        print(
            "tlsviz: warning: a key file's password is never published, so followers "
            "open the capture without that key.",
            file=sys.stderr,
        )
    info = capture_info(
        path,
        label or os.path.basename(path),
        keylog=args.keylog,
        key=[] if args.key_password else args.key,
        psk=args.psk,
        ephemeral_key=args.ephemeral_key,
    )
    return {"connections": conns, "connection": conn.id, "capture": info, "connection_obj": conn}


def _bundled(name: str | None) -> Any:
    """The bundled capture called ``name`` (``tls13-hrr``), unless a file is meant."""
    if not name or os.path.exists(name) or "/" in name or "." in name:
        return None
    from .bundled import bundled_captures

    return next((b for b in bundled_captures() if b.name == name), None)


def _end(name: str) -> None:
    """Tell the followers the presenter has stopped (they stay where they are)."""
    from . import classroom as room

    state = room.read(name) or {}
    with contextlib.suppress(OSError, room.ClassroomError):
        room.publish(name, {**state, "live": False})


# -- follow --------------------------------------------------------------------------------
def cmd_follow(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_ui import _theme

    name = _classroom(args.classroom)
    assert name is not None
    _need_terminal("follow", f"tlsviz serve --classroom {name} follows in a browser instead")
    from .ui.follow import FollowerApp

    FollowerApp(name, theme=_theme(args)).run()
    return 0


# -- serve ---------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_common import UserError

    if not 1 <= args.port <= 65535:
        raise UserError(f"{args.port} is not a TCP port (1 to 65535).")
    if args.max_sessions < 1:
        raise UserError("--max-sessions takes a number of sessions, at least 1.")
    name = _classroom(args.classroom)
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        raise UserError(
            "tlsviz serve needs the textual-serve package (pip install 'tlsviz[serve]')."
        ) from None
    import shlex

    from .ui.serve import ClassroomServer

    command = [sys.executable, "-m", "tlsviz.ui.served"]
    if name is not None:
        command += ["--classroom", name]
    theme = getattr(args, "theme", None) or os.environ.get("TLSVIZ_THEME")
    if theme:
        command += ["--theme", theme]
    server = ClassroomServer(
        shlex.join(command),
        host=args.host,
        port=args.port,
        max_sessions=args.max_sessions,
        classroom=name,
        out=out,
    )
    try:
        server.serve()
    except OSError as err:
        reason = (err.strerror or str(err)).lower()
        raise UserError(f"cannot listen on {args.host} port {args.port} ({reason}).") from None
    return 0


# -- shared --------------------------------------------------------------------------------
def _classroom(name: str | None) -> str | None:
    """A valid classroom name whose folder can be used (or None)."""
    if name is None:
        return None
    from . import classroom as room
    from .cli_common import UserError

    try:
        room.check_name(name)
        room.state_dir()
    except room.ClassroomError as err:
        raise UserError(str(err)) from None
    return name


def _need_terminal(command: str, instead: str) -> None:
    from .cli_common import UserError

    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise UserError(f"tlsviz {command} needs a terminal; {instead}.")
