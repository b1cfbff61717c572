"""The secrets a key log cannot hold, as tlsviz's own peer records them.

An NSS key log (``SSLKEYLOGFILE``) holds traffic secrets, never the (EC)DHE
private keys they were derived from, so a capture with a key log can only show
the TLS 1.3 key schedule from the traffic secrets down.  tlsviz's own client
and server (:mod:`tlsviz.peer`) know their private keys, and write them, with
any pre-shared key they used, into recordings as a second pcapng Decryption
Secrets Block of type :data:`SECRETS_TYPE` ("TVZK").  Wireshark and tshark
skip a Decryption Secrets Block whose type they do not know (they still use
the TLS key log block beside it), and ``editcap``/``mergecap`` copy it along.

The block is text, one entry per line, in the spirit of the key log
(``#`` starts a comment; fields are separated by one space; hex in lower case)::

    EPHEMERAL_KEY <client_random> <side> <group> <private key>
    PSK <client_random> <kind> <identity> <psk>
    EXPERIMENT <client_random> <side> <name>

* ``EPHEMERAL_KEY``: one side's (EC)DHE private key: ``side`` is ``client``
  or ``server``, ``group`` the IANA group name (``x25519``, ``secp256r1``,
  ``secp384r1``...), the key is the raw X25519/X448 private key (RFC 7748 §6)
  or the big-endian private scalar of a NIST curve.
* ``PSK``: a pre-shared key: ``kind`` is ``external`` (configured on both
  sides; RFC 8446 §4.2.11, RFC 4279) or ``resumption`` (from a ticket,
  RFC 8446 §4.6.1); ``identity`` is the PSK identity as sent, in hex.
* ``EXPERIMENT``: the peer misbehaved on purpose in this connection
  (:mod:`tlsviz.peer.experiments` names them), so the decoder can say so.

``tlsviz decode`` reads the block with no options; the same text saved to a
file is accepted by ``decode --ephemeral-key`` (see :func:`parse_peer_secrets`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .ephemeral import EphemeralKey, ephemeral_of, from_scalar

__all__ = [
    "SECRETS_TYPE",
    "PeerSecrets",
    "ephemeral_line",
    "experiment_line",
    "looks_like_peer_secrets",
    "parse_peer_secrets",
    "psk_line",
]

#: Decryption Secrets Block type of this format: "TVZK" (tlsviz keys).
SECRETS_TYPE = 0x54565A4B

_LABELS = ("EPHEMERAL_KEY", "PSK", "EXPERIMENT")
_HEX = re.compile(r"[0-9a-fA-F]*\Z")


def ephemeral_line(client_random: bytes, side: str, group: str, private: bytes) -> str:
    """One ``EPHEMERAL_KEY`` line (without its newline)."""
    return f"EPHEMERAL_KEY {client_random.hex()} {side} {group} {private.hex()}"


def psk_line(client_random: bytes, kind: str, identity: bytes, psk: bytes) -> str:
    """One ``PSK`` line; ``kind`` is ``external`` or ``resumption``."""
    return f"PSK {client_random.hex()} {kind} {identity.hex() or '-'} {psk.hex()}"


def experiment_line(client_random: bytes, side: str, name: str) -> str:
    """One ``EXPERIMENT`` line."""
    return f"EXPERIMENT {client_random.hex()} {side} {name}"


def looks_like_peer_secrets(text: str) -> bool:
    """Does ``text`` start (after comments) with a line of this format?"""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line.split(" ", 1)[0] in _LABELS
    return False


@dataclass(slots=True)
class PeerSecrets:
    """What one block (or file) held, parsed.

    ``psks`` maps an identity to ``(kind, psk)``; ``experiments`` maps a
    client random to ``(side, name)``; ``problems`` lists lines that could not
    be read (``"line N: why"``), which the caller reports and skips.
    """

    ephemeral: list[EphemeralKey] = field(default_factory=list)
    psks: dict[bytes, tuple[str, bytes]] = field(default_factory=dict)
    experiments: dict[bytes, tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _hex(value: str) -> bytes | None:
    if value == "-":
        return b""
    if len(value) % 2 or not _HEX.match(value):
        return None
    return bytes.fromhex(value)


def parse_peer_secrets(text: str, origin: str = "") -> PeerSecrets:
    """Read the block's text; never raises (bad lines land in ``problems``)."""
    from .premaster import ECDHE_GROUPS

    out = PeerSecrets()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        label = parts[0]
        why = None
        random = _hex(parts[1]) if len(parts) > 1 else None
        if label not in _LABELS:
            why = f"unknown label {label}"
        elif random is None or len(random) != 32:
            why = "the client random is not 32 bytes of hex"
        elif label == "EPHEMERAL_KEY":
            if len(parts) != 5 or parts[3] not in ECDHE_GROUPS or (key := _hex(parts[4])) is None:
                why = "expected EPHEMERAL_KEY <client_random> <side> <group> <hex key>"
            else:
                try:
                    found = ephemeral_of(from_scalar(parts[3], key), f"{origin} line {number}")
                except ValueError as err:
                    why = f"not a valid {parts[3]} key ({err})"
                else:
                    if isinstance(found, EphemeralKey):
                        out.ephemeral.append(found)
        elif label == "PSK":
            ident = _hex(parts[3]) if len(parts) == 5 else None
            psk = _hex(parts[4]) if len(parts) == 5 else None
            if ident is None or not psk or parts[2] not in ("external", "resumption"):
                why = "expected PSK <client_random> external|resumption <identity> <psk>"
            else:
                out.psks[ident] = (parts[2], psk)
        elif len(parts) != 4 or parts[2] not in ("client", "server"):
            why = "expected EXPERIMENT <client_random> client|server <name>"
        else:
            assert random is not None
            out.experiments[random] = (parts[2], parts[3])
        if why is not None:
            out.problems.append(f"line {number}: {why}")
    return out
