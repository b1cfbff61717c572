"""What every sub-command shares: the user error, the key options, the key material.

Sub-command modules import from here (and from :mod:`.cli_decode`), never
from :mod:`tlsviz.cli`, which imports them to build the parser: no module of
the command line imports another one back.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

#: The bundled capture that ``tlsviz decode`` opens when given no file, named
#: here for the help text without importing :mod:`.bundled` (pathlib,
#: dataclasses) at every start; a test holds it equal to bundled.DEFAULT_CAPTURE.
DEFAULT_CAPTURE = "tls13-aes128gcm.pcap"


class UserError(Exception):
    """A problem the user can fix; the message is one plain sentence."""


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


def warn_exposed(files: Sequence[tuple[str, str | None]]) -> None:
    """One warning line on stderr for each key file (``(what, path)``) that
    other accounts can read: it is still used, and the line says how to close
    it.  The bundled captures' key logs and keys are published on purpose."""
    from .private import exposure

    for what, path in files:
        text = exposure(path, what) if path else None
        if text and not _bundled(str(path)):
            print(f"tlsviz: warning: {text}", file=sys.stderr)


def _bundled(path: str) -> bool:
    from .bundled import captures_root

    root = os.path.realpath(captures_root())
    return os.path.realpath(path).startswith(root + os.sep)


def load_material(args: argparse.Namespace) -> Any:
    """The key material named on the command line; one-sentence errors (and a
    warning for each key file others can read)."""
    from .keys.loading import load_key_material

    psks = [p.strip()[1:] for p in getattr(args, "psk", []) if p.strip().startswith("@")]
    warn_exposed(
        [("key log", p) for p in getattr(args, "keylog", [])]
        + [("key file", p) for p in getattr(args, "key", [])]
        + [("PSK file", p) for p in psks]
        + [("ephemeral key file", p) for p in getattr(args, "ephemeral_key", [])]
    )
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
