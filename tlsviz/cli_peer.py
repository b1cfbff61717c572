"""Command line of glass-box recordings: ``tlsviz record --client tlsviz`` and kin.

With ``--client tlsviz``, ``--server tlsviz`` or ``--listen``, ``record``
puts tlsviz's own TLS peer (:mod:`tlsviz.peer`) on one side or both, and the
recording carries every secret: the key log and our ephemeral private keys.
The options are turned into :class:`tlsviz.capture.glassbox.GlassboxOptions`,
the same value the explorer's live-handshake form builds.  Nothing heavy is
imported until the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .capture.glassbox import GlassboxOptions

__all__ = ["GLASSBOX_ONLY", "add_options", "is_glassbox", "record_glassbox"]

#: options that mean nothing without tlsviz's own peer
GLASSBOX_ONLY = (
    "seed", "experiment", "groups", "key_share", "server_groups", "psk", "psk_mode",
    "ed25519", "early_data", "key_update", "no_ems", "secrets_out", "ca_out",
)  # fmt: skip

EXPERIMENT_NAMES = (
    "wrong-finished", "flip-bit", "expired-cert", "wrong-name-cert", "untrusted-cert",
    "unsupported-suite", "unsupported-group", "old-version",
)  # fmt: skip


def add_options(p: argparse.ArgumentParser) -> None:
    """The glass-box options of ``record``."""
    g = p.add_argument_group(
        "tlsviz's own peer (every secret recorded, the ephemeral keys too; for teaching only)"
    )
    for side in ("client", "server"):
        g.add_argument(f"--{side}", choices=("openssl", "tlsviz"),
                       help=f"who is the {side} (default: openssl, Python's ssl)")  # fmt: skip
    g.add_argument("--listen", metavar="[HOST:]PORT",
                   help="tlsviz's server waits there (127.0.0.1 unless told) for one real "
                        "client: curl, a browser, openssl s_client")  # fmt: skip
    g.add_argument("--seed", type=int, metavar="N",
                   help="reproducible randoms, keys, tickets and times: the same bytes every "
                        "run when both sides are tlsviz")  # fmt: skip
    g.add_argument(
        "--experiment",
        choices=EXPERIMENT_NAMES,
        metavar="NAME",
        help="tlsviz's side breaks a rule on purpose: " + ", ".join(EXPERIMENT_NAMES),
    )
    g.add_argument(
        "--groups",
        action="append",
        metavar="LIST",
        help="groups tlsviz's side offers or prefers (x25519,secp256r1,secp384r1...)",
    )
    g.add_argument(
        "--key-share",
        action="append",
        metavar="LIST",
        help="groups tlsviz's client sends key shares for at first",
    )
    g.add_argument("--server-groups", action="append", metavar="LIST",
                   help="the only groups the server accepts (a HelloRetryRequest shows when the "
                        "client's key share is not among them)")  # fmt: skip
    g.add_argument("--psk", metavar="HEX", help="an external pre-shared key (hex or @FILE)")
    g.add_argument("--psk-identity", metavar="ID", default="tlsviz-client",
                   help="its identity (default: tlsviz-client)")  # fmt: skip
    g.add_argument("--psk-mode", choices=("ke", "dhe"),
                   help="TLS 1.3 PSK mode: psk_ke (no (EC)DHE) or psk_dhe_ke")  # fmt: skip
    for name, text in (
        ("--ed25519", "Ed25519 certificates"),
        ("--early-data", "with --resume: the second connection sends 0-RTT data"),
        ("--key-update", "after the handshake, tlsviz's side sends a KeyUpdate (TLS 1.3)"),
        ("--no-ems", "TLS 1.2 without the extended master secret"),
    ):
        g.add_argument(name, action="store_true", help=text)
    g.add_argument("--ca-out", metavar="FILE",
                   help="write the throwaway CA certificate here first, for a real client to "
                        "trust (curl --cacert FILE)")  # fmt: skip
    g.add_argument(
        "--secrets-out",
        metavar="FILE",
        help="also write tlsviz's ephemeral keys (decode --ephemeral-key reads them)",
    )


def is_glassbox(args: argparse.Namespace) -> bool:
    return "tlsviz" in (args.client, args.server) or args.listen is not None


def _error(message: str) -> Exception:
    from .cli_common import UserError

    return UserError(message)


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


def options(args: argparse.Namespace) -> GlassboxOptions:
    """The command line as :class:`GlassboxOptions` (one-sentence errors)."""
    from .capture.glassbox import GlassboxOptions
    from .capture.remote import parse_target
    from .capture.tlsopts import OptionError, alpn_list

    try:
        target = parse_target(args.target, 8883 if args.mqtt else 443) if args.target else None
        listen = None
        if args.listen is not None:
            text = args.listen if ":" in args.listen else f"127.0.0.1:{args.listen}"
            listen = parse_target(text, 443)
        alpn = tuple(alpn_list(args.alpn))
    except OptionError as err:
        raise _error(str(err)) from None
    client = args.client or ("openssl" if listen is not None else "tlsviz")
    server = args.server or ("tlsviz" if listen is not None or args.client == "openssl"
                             else "openssl")  # fmt: skip
    if listen is not None and (args.client == "tlsviz" or args.server == "openssl"):
        raise _error("--listen waits for a real client, so the server is tlsviz's.")
    if listen is not None and target is not None:
        raise _error("--listen and HOST do not go together: one waits, the other connects.")
    if target is not None and args.server == "tlsviz":
        raise _error("With HOST, the server is the one at HOST: leave out --server tlsviz.")
    psk = None
    if args.psk:
        from .keys.material import MaterialError, parse_psk

        try:
            psk = parse_psk(args.psk)
        except MaterialError as err:
            raise _error(str(err)) from None
    if args.rsa and args.ed25519:
        raise _error("--rsa and --ed25519 do not go together: choose one key type.")
    timeout = args.timeout if args.timeout is not None else (60.0 if listen else 10.0)
    if timeout <= 0:
        raise _error("--timeout must be a positive number of seconds.")
    return GlassboxOptions(
        client=client if listen is None else "openssl",
        server=server if target is None else "openssl",
        target=target,
        listen=listen,
        version=args.version,
        cipher=args.cipher,
        groups=_split(args.groups),
        key_share=_split(args.key_share),
        server_groups=_split(args.server_groups),
        key_type="rsa" if args.rsa else "ed25519" if args.ed25519 else "ec",
        mtls=args.mtls,
        resume=args.resume,
        tickets=not args.no_ticket,
        psk=psk,
        psk_identity=args.psk_identity.encode(),
        psk_mode=args.psk_mode,
        early_data=args.early_data,
        key_update=args.key_update,
        ems=not args.no_ems,
        alpn=alpn,
        sni=args.sni,
        app="mqtt" if args.mqtt else "http",
        ipv6=args.ipv6,
        seed=args.seed,
        experiment=args.experiment,
        cafile=args.cafile,
        client_cert=args.client_cert,
        client_key=args.client_key,
        insecure=args.insecure,
        timeout=timeout,
        announce=_announce,
        ca_out=args.ca_out,
    )


def _announce(text: str) -> None:
    print(f"tlsviz: {text}", file=sys.stderr, flush=True)


def record_glassbox(args: argparse.Namespace, out: TextIO) -> int:
    """``record`` with tlsviz's peer on one side or both; returns the exit status."""
    from .capture.glassbox import run_glassbox
    from .capture.record import RecordError
    from .capture.tlsopts import OptionError

    if args.client_key and not args.client_cert:
        raise _error("--client-key needs --client-cert.")
    for name in ("head",):
        if getattr(args, name, None):
            raise _error(f"--{name.replace('_', '-')} does not apply to tlsviz's own peer.")
    opts = options(args)
    if opts.insecure:
        print("tlsviz: warning: --insecure: the server's certificate is not checked, "
              "so nothing proves who answers.", file=sys.stderr)  # fmt: skip
    try:
        run = run_glassbox(opts)
    except OptionError as err:
        raise _error(str(err)) from None
    except RecordError as err:
        if err.recording is None:
            raise _error(str(err)) from None
        path = _save(err.recording, args, opts)
        out.write(f"Recorded the failed handshake with every secret: {path}\n")
        out.flush()
        print(f"tlsviz: {err}", file=sys.stderr)
        return err.status
    path = _save(run.recording, args, opts)
    for i, shake in enumerate(run.handshakes, 1):
        out.write(shake.line(i) + "\n")
    for finding in run.findings:
        out.write(finding + "\n")
    what = "the failed handshake" if run.failed else (
        f"{len(run.recording.connections)} connection"
        f"{'s' if len(run.recording.connections) != 1 else ''}"
    )  # fmt: skip
    out.write(f"Recorded {what} with every secret (key log and ephemeral keys): {path}\n")
    out.flush()
    if run.failed:
        print(f"tlsviz: {run.failed}", file=sys.stderr)
    return run.status


def _save(recording: Any, args: argparse.Namespace, opts: GlassboxOptions) -> Any:
    from .capture.glassbox import recording_name
    from .capture.record import RecordError, save_recording
    from .private import write_private

    try:
        path = save_recording(recording, args.output, recording_name(opts), args.keylog_out)
        if args.secrets_out:  # ephemeral private keys and PSKs: 0600 from the first byte
            write_private(args.secrets_out, recording.secrets)
    except RecordError as err:
        raise _error(str(err)) from None
    except OSError as err:
        raise _error(f"Cannot write {args.secrets_out}: {err.strerror}.") from None
    return path
