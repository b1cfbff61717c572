"""Session tickets a server can forget: its state, sealed with a key only it knows.

A ticket (RFC 8446 §4.6.1 for TLS 1.3, RFC 5077 for TLS 1.2) is opaque to the
client; the server puts in it everything it needs to resume the session and
encrypts it, so it keeps no state per client (RFC 5077 §4 recommends this
layout: a key name, an IV, the encrypted state and a MAC; here AES-128-GCM
does the encryption and the MAC at once).  The state holds the resumption PSK
(TLS 1.3) or the master secret (TLS 1.2), the suite, when the ticket was
issued and its age_add, so the server can check the ticket's age.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .config import ServerState
from .entropy import Entropy

__all__ = ["TicketState", "open_ticket", "seal_ticket"]

_KEY_NAME_LEN = 8
_NONCE_LEN = 12
#: version, suite, issued (ms), age_add, max_early_data, ems, secret, alpn, sni
_HEAD = struct.Struct("!HHQIIB")


@dataclass(frozen=True, slots=True)
class TicketState:
    """What a ticket carries back to the server."""

    version: int
    suite: int
    issued: float
    age_add: int
    max_early_data: int
    ems: bool
    secret: bytes  # TLS 1.3 resumption PSK, or TLS 1.2 master secret
    alpn: str | None = None
    sni: str | None = None


def _key_name(state: ServerState) -> bytes:
    return state.ticket_key[:_KEY_NAME_LEN]


def seal_ticket(state: ServerState, ticket: TicketState, entropy: Entropy) -> bytes:
    """The ticket for ``ticket``: key name || nonce || AES-GCM(state)."""
    body = _HEAD.pack(
        ticket.version,
        ticket.suite,
        round(ticket.issued * 1000),
        ticket.age_add,
        ticket.max_early_data,
        int(ticket.ems),
    )
    for text in (ticket.secret, (ticket.alpn or "").encode(), (ticket.sni or "").encode()):
        body += bytes([len(text)]) + text
    nonce = entropy.bytes(_NONCE_LEN, "ticket nonce")
    name = _key_name(state)
    return name + nonce + AESGCM(state.ticket_key[16:]).encrypt(nonce, body, name)


def open_ticket(state: ServerState, ticket: bytes) -> TicketState | None:
    """The state inside one of our tickets, or None (not ours, altered, or garbled)."""
    name, nonce = ticket[:_KEY_NAME_LEN], ticket[_KEY_NAME_LEN : _KEY_NAME_LEN + _NONCE_LEN]
    if name != _key_name(state) or len(nonce) != _NONCE_LEN:
        return None
    try:
        body = AESGCM(state.ticket_key[16:]).decrypt(
            nonce, ticket[_KEY_NAME_LEN + _NONCE_LEN :], name
        )
        version, suite, issued, age_add, max_early, ems = _HEAD.unpack_from(body)
        pos, texts = _HEAD.size, []
        for _ in range(3):
            n = body[pos]
            texts.append(body[pos + 1 : pos + 1 + n])
            pos += 1 + n
    except (InvalidTag, struct.error, IndexError):
        return None
    return TicketState(
        version,
        suite,
        issued / 1000,
        age_add,
        max_early,
        bool(ems),
        texts[0],
        texts[1].decode() or None,
        texts[2].decode() or None,
    )
