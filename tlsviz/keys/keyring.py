"""Key material shared by the connections of a capture (a light module: the
summary of a capture without keys imports it, and nothing heavier)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .._slots import Slotted
from .keylog import KeyLog

if TYPE_CHECKING:
    from .material import EphemeralKey


class Ticket13(NamedTuple):
    """A TLS 1.3 ticket seen in this capture, with the PSK it stands for."""

    psk: bytes
    suite: int
    hash_name: str
    connection: int
    max_early_data: int | None = None


def ticket_key(ticket: bytes) -> int:
    """What the ticket tables are keyed by.  They keep every ticket a capture
    issues (any later connection may resume with one), and a ticket is a
    couple of hundred bytes: its length and 64-bit hash (keyed at random per
    run) stand for it; two tickets alike in both by chance: about one pair in
    10^19."""
    return (len(ticket) << 64) | (hash(ticket) & 0xFFFF_FFFF_FFFF_FFFF)


class KeyMaterial(Slotted):
    """Everything that can unlock connections, shared by all connections of a
    capture: key logs (files and pcapng secrets blocks), RSA server keys,
    pre-shared keys, known ephemeral keys, and what earlier connections in the
    same capture taught (tickets and session ids to resume from)."""

    __slots__ = (
        "ephemeral",
        "keylog",
        "psk_identities",
        "psks",
        "rsa_keys",
        "sessions12",
        "ticket_origin",
        "tickets12",
        "tickets13",
    )

    def __init__(self) -> None:
        self.keylog = KeyLog()
        self.rsa_keys: list[Any] = []
        self.psks: list[bytes] = []
        #: PSKs by identity, each with its kind ("external" or "resumption"): what
        #: tlsviz's own peer records (tlsviz.keys.peer_secrets)
        self.psk_identities: dict[bytes, tuple[str, bytes]] = {}
        self.ephemeral: list[EphemeralKey] = []
        #: the tickets' tables, by :func:`ticket_key`
        self.tickets13: dict[int, Ticket13] = {}
        self.sessions12: dict[bytes, tuple[bytes, int]] = {}
        self.tickets12: dict[int, tuple[bytes, int]] = {}
        self.ticket_origin: dict[int, int] = {}  # ticket -> connection id

    @property
    def given(self) -> bool:
        """Was any key material given at all (a key log, a key, a PSK)?"""
        return bool(
            len(self.keylog) or self.rsa_keys or self.psks or self.ephemeral or self.psk_identities
        )
