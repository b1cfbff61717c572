"""Command line of the live commands: ``record``, ``sniff``, ``demo``.

Each command registers its sub-parser here with ``set_defaults(func=...)``;
``func(args, out) -> int`` returns the exit status and raises
:class:`tlsviz.cli.UserError` (one plain sentence) for problems the user can fix.
Nothing heavy is imported until a command runs (``ssl``, ``cryptography``
and scapy stay out of ``tlsviz --help``).

Exit statuses: 0 done; 2 a problem with the options or the target (a name
that does not resolve, a refused connection, no answer, no capture
privileges), nothing recorded; 3 the server's certificate was refused; 4 the
handshake failed otherwise (an alert, the server closed or went quiet).  With
3 and 4 the failed handshake is still recorded and its file named.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:  # pathlib too: building the parser must stay light
    from pathlib import Path

    from .capture.live import LiveCapture
    from .capture.record import Recording
    from .capture.tlsopts import Handshake


def _user_error(message: str) -> Exception:
    from .cli_common import UserError

    return UserError(message)


# -- parsers ------------------------------------------------------------------------


def _flags(group: Any, *specs: tuple[str, str]) -> None:
    for name, text in specs:
        group.add_argument(name, action="store_true", help=text)


def _tls_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("TLS")
    v = g.add_mutually_exclusive_group()
    for version in ("1.2", "1.3"):
        v.add_argument(f"--tls{version}", dest="version", action="store_const", const=version,
                       help=f"TLS {version} only")  # fmt: skip
    g.add_argument("--cipher", metavar="SUITE",
                   help="IANA or OpenSSL suite name (a 1.2 suite implies --tls1.2)")  # fmt: skip
    g.add_argument("--alpn", action="append", metavar="PROTO",
                   help="offer these ALPN protocols (comma-separated or repeated)")  # fmt: skip
    g.add_argument("--sni", metavar="NAME", help="server name (default: localhost, or HOST)")
    _flags(
        g,
        ("--resume", "a second handshake resuming the first (ticket, PSK or session ID)"),
        ("--mqtt", "speak MQTT (CONNECT/CONNACK) instead of HTTP after the handshake"),
    )


def _embedded_options(p: argparse.ArgumentParser) -> None:
    _flags(
        p.add_argument_group("in-process handshake (no HOST)"),
        ("--mtls", "the server asks for a client certificate"),
        ("--rsa", "RSA-2048 certificates (default: EC P-256)"),
        ("--no-ticket", "no session tickets: TLS 1.2 --resume uses the session ID"),
        ("--ipv6", "frame it on ::1 instead of 127.0.0.1"),
    )


def _output_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output")
    g.add_argument("-o", "--output", metavar="FILE.pcapng",
                   help="the recording (default: a new file in "
                        "~/.local/share/tlsviz/recordings)")  # fmt: skip
    g.add_argument("--keylog-out", metavar="FILE", help="also write the NSS key log here")


def add_parsers(sub: Any) -> None:
    """Register the live commands on the main parser's sub-parsers."""
    r = sub.add_parser(
        "record",
        help="perform a real TLS handshake and record it (pcapng with its key log)",
        description=(
            "Perform a real TLS handshake and record every byte: without HOST, between "
            "Python's ssl client and server inside this process (no network, no root); "
            "with HOST, as a client of that server over TCP.  The pcapng file carries the "
            "key log, so Wireshark, tshark and tlsviz decode show it decrypted.  With "
            "--client tlsviz, --server tlsviz or --listen, tlsviz's own TLS peer (for "
            "teaching, never for protecting real data) takes one side or both and also "
            "records its ephemeral private keys: decode then derives every key from the "
            "shared secret."
        ),
        epilog="Exit status: 0 recorded (also an --experiment, whatever the peer did); "
        "2 bad options or target unreachable; 3 certificate refused (recorded); "
        "4 handshake failed (recorded).",
    )
    r.add_argument("target", nargs="?", metavar="HOST[:PORT]",
                   help="server to connect to (default port 443, 8883 with --mqtt)")  # fmt: skip
    _tls_options(r)
    _embedded_options(r)
    g = r.add_argument_group("real server (with HOST)")
    g.add_argument("--cafile", metavar="FILE", help="trust this CA too (PEM), besides the system's")
    g.add_argument("--client-cert", metavar="FILE", help="client certificate (PEM)")
    g.add_argument("--client-key", metavar="FILE", help="its private key (PEM)")
    g.add_argument("--timeout", type=float, metavar="S",
                   help="give up after S seconds without an answer (default 10; with "
                        "--listen, 60 for a client to come)")  # fmt: skip
    _flags(
        g,
        ("--insecure", "do not verify the server's certificate (noted in the recording)"),
        ("--head", "send HEAD / instead of GET /"),
    )
    from . import cli_peer

    cli_peer.add_options(r)
    from . import cli_dtls

    cli_dtls.add_options(r)
    _output_options(r)
    r.set_defaults(func=cmd_record)

    d = sub.add_parser(
        "demo",
        help="record the in-process handshake and show it decoded and verified",
        description="Record the in-process handshake (as 'tlsviz record' with no target) "
        "and show it decoded, decrypted and verified.",
    )
    _tls_options(d)
    _embedded_options(d)
    _output_options(d)
    _flags(
        d.add_argument_group("display"),
        ("--fields", "show every message's field tree"),
        ("--explain", "field trees with explanations"),
        ("--json", "print the decode --json document"),
        # on a terminal demo opens the explorer; --text keeps the printout
        ("--text", "print the handshake as text instead of opening the explorer"),
    )
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser(
        "sniff",
        help="capture TLS handshakes live and decode them",
        description=(
            "Capture packets on an interface (needs root or CAP_NET_RAW) and print each "
            "TLS connection decoded when it ends.  With --keylog, follow the key log a "
            "browser or curl writes (SSLKEYLOGFILE) as it grows, to decrypt."
        ),
    )
    s.add_argument("-i", "--interface", metavar="IFACE",
                   help="interface (default: the default route's, else lo)")  # fmt: skip
    s.add_argument("--bpf", metavar="FILTER", help="capture filter (tcpdump syntax), with 'tcp'")
    s.add_argument("--keylog", metavar="FILE", help="key log to follow as it grows")
    s.add_argument("--timeout", type=float, metavar="S", help="stop after S seconds")
    _flags(s, ("--json", "when it stops, print the document of 'decode --json'"))
    s.add_argument("-o", "--output", metavar="FILE.pcapng",
                   help="write what was captured, with the key log, here")  # fmt: skip
    s.set_defaults(func=cmd_sniff)


# -- record and demo -------------------------------------------------------------------


def _misplaced(args: argparse.Namespace, names: tuple[str, ...], where: str) -> None:
    for attr in names:
        if getattr(args, attr, None):
            raise _user_error(f"--{attr.replace('_', '-')} applies only {where}.")


_EMBEDDED_ONLY = ("mtls", "rsa", "no_ticket", "ipv6")
_TARGET_ONLY = ("cafile", "insecure", "client_cert", "client_key", "head")


def _embedded(args: argparse.Namespace) -> tuple[Recording, list[Handshake], str]:
    """Run the in-process handshake; every failure is one sentence (exit 2):
    with both sides ours, a failure comes from the options chosen."""
    from .capture.embedded import EmbeddedOptions, run_embedded
    from .capture.record import RecordError
    from .capture.tlsopts import alpn_list

    opts = EmbeddedOptions(
        version=args.version,
        cipher=args.cipher,
        mtls=args.mtls,
        resume=args.resume,
        tickets=not args.no_ticket,
        alpn=tuple(_checked(alpn_list, args.alpn)),
        sni=args.sni or "localhost",
        app="mqtt" if args.mqtt else "http",
        rsa=args.rsa,
        ipv6=args.ipv6,
    )
    try:
        run = _checked(run_embedded, opts)
    except RecordError as err:  # both sides are ours: the options made it fail
        raise _user_error(str(err)) from None
    version = run.handshakes[0].version if run.handshakes else None
    name = "embedded-" + (version or "tls").lower().replace("v", "").replace(".", "")
    return run.recording, run.handshakes, name


def _checked(fn: Any, *a: Any) -> Any:
    """Call ``fn``; an OptionError, or a RecordError before anything was
    recorded (one sentence each), becomes a UserError: exit status 2."""
    from .capture.record import RecordError
    from .capture.tlsopts import OptionError

    try:
        return fn(*a)
    except OptionError as err:
        raise _user_error(str(err)) from None
    except RecordError as err:
        if err.recording is not None:
            raise
        raise _user_error(str(err)) from None


def _save(recording: Recording, args: argparse.Namespace, name: str) -> Path:
    from .capture.record import save_recording

    path: Path = _checked(save_recording, recording, args.output, name, args.keylog_out)
    return path


def _report(out: TextIO, shakes: list[Handshake], recording: Recording, path: Path) -> None:
    for i, h in enumerate(shakes, 1):
        out.write(h.line(i) + "\n")
    n = len(recording.connections)
    what = f"{n} connection{'s' if n != 1 else ''}"
    keys = " with its key log" if recording.keylog else ""
    out.write(f"Recorded {what}{keys}: {path}\n")
    out.flush()


def cmd_record(args: argparse.Namespace, out: TextIO) -> int:
    from .cli_common import warn_exposed
    from .cli_peer import GLASSBOX_ONLY, is_glassbox, record_glassbox

    psk = (getattr(args, "psk", None) or "").strip()
    warn_exposed([("client key", getattr(args, "client_key", None)),
                  ("PSK file", psk[1:] if psk.startswith("@") else None)])  # fmt: skip

    if args.dtls:
        from .cli_dtls import record_dtls

        if args.target is not None:
            raise _user_error("--dtls records a handshake over loopback: give no HOST.")
        return record_dtls(args, out)

    if is_glassbox(args):
        return record_glassbox(args, out)
    _misplaced(args, GLASSBOX_ONLY, "to tlsviz's own peer (--client tlsviz or --server tlsviz)")
    if args.target is None:
        _misplaced(args, _TARGET_ONLY, "when recording a server (tlsviz record HOST)")
        recording, shakes, name = _embedded(args)
        path = _save(recording, args, name)
        _report(out, shakes, recording, path)
        _warn_not_resumed(args, shakes)
        return 0
    _misplaced(args, _EMBEDDED_ONLY, "to the in-process handshake (tlsviz record, no HOST)")
    return _record_remote(args, out)


def _record_remote(args: argparse.Namespace, out: TextIO) -> int:
    from .capture.record import RecordError
    from .capture.remote import RemoteOptions, parse_target, run_remote
    from .capture.tlsopts import alpn_list

    host, port = _checked(parse_target, args.target, 8883 if args.mqtt else 443)
    if args.client_key and not args.client_cert:
        raise _user_error("--client-key needs --client-cert.")
    timeout = 10.0 if args.timeout is None else args.timeout
    if timeout <= 0:
        raise _user_error("--timeout must be a positive number of seconds.")
    opts = RemoteOptions(
        host=host,
        port=port,
        version=args.version,
        cipher=args.cipher,
        alpn=tuple(_checked(alpn_list, args.alpn)),
        sni=args.sni,
        cafile=args.cafile,
        insecure=args.insecure,
        client_cert=args.client_cert,
        client_key=args.client_key,
        timeout=timeout,
        app="mqtt" if args.mqtt else "http",
        method="HEAD" if args.head else "GET",
        resume=args.resume,
    )
    if args.insecure:
        print(
            "tlsviz: warning: --insecure: the server's certificate is not checked, "
            "so nothing proves who answers.",
            file=sys.stderr,
        )
    try:
        run = _checked(run_remote, opts)
    except RecordError as err:
        assert err.recording is not None
        path = _save(err.recording, args, host)
        keys = " with its key log" if err.recording.keylog else ""
        out.write(f"Recorded the failed handshake{keys}: {path}\n")
        out.flush()
        print(f"tlsviz: {err}", file=sys.stderr)
        return err.status
    path = _save(run.recording, args, host)
    _report(out, run.handshakes, run.recording, path)
    _warn_not_resumed(args, run.handshakes)
    return 0


def _warn_not_resumed(args: argparse.Namespace, shakes: list[Handshake]) -> None:
    if args.resume and len(shakes) > 1 and not shakes[1].resumed:
        print(
            "tlsviz: warning: the second handshake did not resume the first session.",
            file=sys.stderr,
        )


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    text = args.text or args.json or args.fields or args.explain
    if not text and out is sys.stdout and sys.stdout.isatty() and sys.stdin.isatty():
        from .cli_ui import run_demo_explorer

        return run_demo_explorer(args)
    recording, shakes, name = _embedded(args)
    path = _save(recording, args, name)
    _report(sys.stderr if args.json else out, shakes, recording, path)
    if not args.json:
        out.write("\n")
    from .cli_decode import decode_args

    decode = decode_args(
        str(path),
        json=bool(args.json),
        explain=bool(args.explain),
        brief=not (args.json or args.explain or args.fields),
    )
    return int(decode.func(decode, out))


# -- sniff ----------------------------------------------------------------------------


def cmd_sniff(args: argparse.Namespace, out: TextIO) -> int:
    from .capture.keylog_follow import keylog_for
    from .capture.live import LiveCapture, LiveError
    from .keys.engine import KeyMaterial
    from .session.text import render_connection
    from .source import CaptureSession

    if args.timeout is not None and args.timeout <= 0:
        raise _user_error("--timeout must be a positive number of seconds.")
    if args.output:
        from .capture.record import check_output

        _checked(check_output, args.output)
    if args.keylog and os.path.isdir(args.keylog):
        raise _user_error(f"The key log {args.keylog} is a folder, not a file.")
    if args.keylog:
        from .cli_common import warn_exposed

        warn_exposed([("key log", args.keylog)])
    material = KeyMaterial()
    capture = LiveCapture(
        args.interface,
        args.bpf,
        keylog=material.keylog,
        keylog_path=args.keylog,
        timeout=args.timeout,
        spool=bool(args.output or args.json),
    )
    try:
        capture.open()
    except LiveError as err:
        raise _user_error(str(err)) from None
    until = f"for {args.timeout:g} s" if args.timeout else "until Ctrl-C"
    print(f"tlsviz: capturing TLS on {capture.iface} {until}.", file=sys.stderr, flush=True)
    # The same loop as decode: CaptureSession's reader is typed as a file reader,
    # and LiveCapture has its interface (iterate the events, ignore(conn)).
    session = CaptureSession(f"live:{capture.iface}", material=material, reader=cast(Any, capture))
    randoms: set[bytes] = set()
    count = 0
    try:
        with capture.stopping_on_signals():
            for conn in session:
                count += 1
                randoms.update(ch.random for ch in conn.neg.client_hellos)
                if not args.json:
                    for line in render_connection(conn, fields=False):
                        out.write(line + "\n")
                    out.flush()
        keylog = keylog_for(capture.keylog_text, randoms)
        if args.output:
            capture.write_pcapng(args.output, keylog)
        if args.json:
            _sniff_json(capture, args, keylog, out)
        else:
            saved = f"; written to {args.output}" if args.output else ""
            out.write(
                f"{capture.packets} packets captured, {count} TLS "
                f"connection{'s' if count != 1 else ''}{saved}.\n"
            )
    finally:
        capture.close()
    notes = list(session.notes)
    if args.keylog and not capture.keylog_text:
        notes.append(f"Nothing was written to the key log {args.keylog}.")
    for note in notes:
        print(f"tlsviz: warning: {note}", file=sys.stderr)
    return 0


def _sniff_json(capture: LiveCapture, args: argparse.Namespace, keylog: bytes, out: TextIO) -> None:
    """The document of ``decode --json``, made by decoding what was captured
    with the whole key log known from the start (secrets that came late apply)."""
    import tempfile

    from .cli_decode import write_json
    from .source import open_capture

    with tempfile.TemporaryDirectory(prefix="tlsviz-sniff-") as tmp:
        path = args.output or os.path.join(tmp, "live.pcapng")
        if not args.output:
            capture.write_pcapng(path, keylog)
        session = open_capture(path, lazy_fields=False)
        write_json(session, args.output or f"live:{capture.iface}", out)
