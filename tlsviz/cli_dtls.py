"""``tlsviz record --dtls``: a live DTLS 1.2 handshake between real peers.

The options are turned into :class:`tlsviz.capture.dtls_live.DtlsOptions`;
the recording is saved as every recording is (:func:`save_recording`).
"""

from __future__ import annotations

import argparse
from typing import TextIO

__all__ = ["add_options", "record_dtls"]


def add_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("DTLS (UDP)")
    g.add_argument("--dtls", nargs="?", const="openssl", choices=("openssl", "gnutls"),
                   metavar="PEERS", help="a real DTLS 1.2 handshake over loopback between "
                   "OpenSSL's s_server/s_client (the default) or GnuTLS's gnutls-serv/gnutls-cli "
                   "(gnutls), with a CoAP GET as the application data; --psk HEX makes it "
                   "the IoT case (TLS_PSK_WITH_AES_128_CCM_8)")  # fmt: skip
    g.add_argument(
        "--no-cookie",
        action="store_true",
        help="with --dtls: no HelloVerifyRequest before the handshake",
    )


def record_dtls(args: argparse.Namespace, out: TextIO) -> int:
    """``record --dtls``; returns the exit status (2: a sentence on stderr)."""
    from .capture.dtls_live import DtlsOptions, run_dtls
    from .capture.record import RecordError, save_recording
    from .cli_live import _user_error

    psk = None
    if getattr(args, "psk", None):
        from .keys.material import MaterialError, parse_psk

        try:
            psk = parse_psk(args.psk).hex()
        except MaterialError as err:
            raise _user_error(str(err)) from None
    timeout = 10.0 if args.timeout is None else args.timeout
    opts = DtlsOptions(args.dtls, psk=psk, cookie=not args.no_cookie, timeout=timeout)
    try:
        recording = run_dtls(opts)
        path = save_recording(recording, args.output, f"dtls-{args.dtls}", args.keylog_out)
    except RecordError as err:
        raise _user_error(str(err)) from None
    conv = recording.connections[0]
    n = len(conv.chunks)
    keys = " with its key log" if recording.keylog else ""
    out.write(f"DTLS 1.2 {args.dtls}: {n} datagrams recorded{keys}: {path}\n")
    out.flush()
    return 0
