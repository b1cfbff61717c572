"""Command line of ``tlsviz export``: a handout of a capture, as one HTML page
(``--html OUT.html``) or a Markdown file (``--markdown OUT.md``), or both; or of a
lesson (a bundled lesson's id or a lesson file), as one HTML page.

The capture is decoded once, with the key options of ``decode``, and the
handout is rendered from the model (:mod:`tlsviz.session.html`,
:mod:`tlsviz.session.markdown`).  Problems the user can fix (a missing
capture, an output folder that does not exist, a file that cannot be written)
are one sentence and exit status 2; outputs are checked before the capture is
read, and written whole or not at all (a temporary file renamed into place).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any, TextIO


def add_parsers(sub: Any) -> None:
    from .cli_common import DEFAULT_CAPTURE, add_key_options

    e = sub.add_parser(
        "export",
        help="write an illustrated handout of a capture (one HTML page, or Markdown)",
        description="Write a handout of every TLS connection of a capture: a summary, the "
        "ladder of messages, every record and message with its bytes and annotated fields, "
        "the key schedule beside the key log, how each record was protected, the "
        "certificates, the cost and the decrypted data. The HTML page is self-contained "
        "(nothing is fetched) and reads and prints without JavaScript.",
    )
    e.add_argument(
        "capture", nargs="?", metavar="CAPTURE|LESSON",
        help=f"pcap or pcapng file (default: the bundled {DEFAULT_CAPTURE}, with its key "
             "log), or a lesson: a bundled lesson's id or a lesson file (.md)",
    )  # fmt: skip
    out = e.add_argument_group("output (one or both; - writes to standard output)")
    out.add_argument("--html", metavar="OUT.html", help="the handout as one self-contained page")
    out.add_argument("--markdown", metavar="OUT.md", help="the same handout in Markdown")
    e.add_argument(
        "--connection", type=int, action="append", default=[], metavar="ID",
        help="only this connection (its id as decode prints it; repeat for more)",
    )  # fmt: skip
    e.add_argument(
        "--answers", action="store_true",
        help="with a lesson: each quiz's answer, feedback and explanation (a teacher's copy)",
    )  # fmt: skip
    add_key_options(e)
    e.set_defaults(func=cmd_export)


def _lesson(name: str | None) -> Any:
    """The lesson ``name`` stands for (a lesson file, or a bundled lesson's id), or None
    when it names a capture."""
    from .cli_common import UserError

    if name is None:
        return None
    is_file = os.path.isfile(name)
    if is_file and not name.endswith(".md"):
        return None
    if not is_file and ("/" in name or os.sep in name or "." in name):
        return None  # a path to a capture that is not there: the capture's error
    from .lessons import LessonError, load_lesson, load_lessons

    try:
        if is_file:
            return load_lesson(name)
        found = [ls for ls in load_lessons() if ls.id == name]
    except LessonError as err:
        raise UserError(str(err.problems[0]) if err.problems else str(err)) from None
    return found[0] if found else None


def _check_output(path: str) -> None:
    """Refuse an output that cannot be written before any work is done."""
    from .cli_common import UserError

    if path == "-":
        return
    if os.path.isdir(path):
        raise UserError(f"cannot write {path}: it is a folder.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserError(f"cannot write {path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied.")


def _write(path: str, text: str, out: TextIO, *, private: bool = False) -> None:
    """Write ``text`` whole: to a temporary file beside ``path``, then renamed;
    ``private`` (a handout showing secrets) makes it 0600 from the first byte."""
    from .cli_common import UserError

    if path == "-":
        out.write(text)
        out.flush()
        return
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        if private:
            from .private import write_private

            write_private(path, text)
            return
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        reason = (err.strerror or str(err)).lower()
        raise UserError(f"cannot write {path}: {reason}.") from None


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_common import UserError, _resolve_capture, load_material, use_bundled_keys

    targets = [(kind, p) for kind, p in (("html", args.html), ("markdown", args.markdown)) if p]
    if not targets:
        raise UserError("say what to write: --html OUT.html, --markdown OUT.md, or both.")
    if sum(1 for _, p in targets if p == "-") > 1:
        raise UserError("only one of --html and --markdown can write to standard output.")
    for _, p in targets:
        _check_output(p)
    lesson = _lesson(args.capture)
    if lesson is not None:
        return _export_lesson(args, lesson, out)
    if args.answers:
        raise UserError("--answers goes with a lesson, not a capture.")
    path = _resolve_capture(args.capture)
    use_bundled_keys(args, path)
    material = load_material(args)
    from .capture import CaptureError
    from .source import open_capture

    try:
        session = open_capture(path, material=material, streams=True, lazy_fields=False)
        connections = list(session)
    except CaptureError as err:
        raise UserError(str(err)) from err
    if args.connection:
        wanted = set(args.connection)
        missing = sorted(wanted - {c.id for c in connections})
        if missing:
            have = ", ".join(str(c.id) for c in connections) or "none"
            raise UserError(
                f"the capture has no connection {missing[0]} (its connections: {have})."
            )
        connections = [c for c in connections if c.id in wanted]
    status = sys.stderr if any(p == "-" for _, p in targets) else out
    for kind, p in targets:
        if kind == "html":
            from .session.html import document
        else:
            from .session.markdown import document
        text = document(path, connections, session.notes)
        _write(p, text, out, private=_shows_secrets(session.material))
        if p != "-":
            messages = sum(len(c.messages) for c in connections)
            print(f"tlsviz: wrote {p} ({len(connections)} connection"
                  f"{'s' if len(connections) != 1 else ''}, {messages} messages, "
                  f"{len(text.encode()) // 1024} KB)", file=status)  # fmt: skip
    for note in session.notes:
        print(f"tlsviz: warning: {note}", file=sys.stderr)
    if not connections:
        print("tlsviz: warning: no TLS connections found.", file=sys.stderr)
    return 0


def _shows_secrets(material: Any) -> bool:
    """Does a handout of this capture show key material?  It shows the key
    log's secrets and everything derived from them beside each key step."""
    m = material
    return bool(len(m.keylog) or m.rsa_keys or m.psks or m.psk_identities or m.ephemeral)


def _export_lesson(args: argparse.Namespace, lesson: Any, out: TextIO) -> int:
    from .cli_common import UserError

    if args.markdown:
        raise UserError("a lesson's handout is an HTML page (--html); the lesson is Markdown.")
    if args.keylog or args.key or args.psk or args.ephemeral_key or args.connection:
        raise UserError("a lesson names its own captures and keys: give no key options.")
    from .lessons.handout import lesson_document

    text = lesson_document(lesson, answers=args.answers)
    _write(args.html, text, out)
    if args.html != "-":
        print(f"tlsviz: wrote {args.html} (lesson {lesson.id}, {len(lesson.steps)} steps, "
              f"{len(text.encode()) // 1024} KB)", file=out)  # fmt: skip
    return 0
