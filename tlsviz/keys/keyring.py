"""Key material shared by the connections of a capture (a light module: the
summary of a capture without keys imports it, and nothing heavier)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

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


@dataclass(slots=True)
class KeyMaterial:
    """Everything that can unlock connections, shared by all connections of a
    capture: key logs (files and pcapng secrets blocks), RSA server keys,
    pre-shared keys, known ephemeral keys, and what earlier connections in the
    same capture taught (tickets and session ids to resume from)."""

    keylog: KeyLog = field(default_factory=KeyLog)
    rsa_keys: list[Any] = field(default_factory=list)
    psks: list[bytes] = field(default_factory=list)
    ephemeral: list[EphemeralKey] = field(default_factory=list)
    tickets13: dict[bytes, Ticket13] = field(default_factory=dict)
    sessions12: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)
    tickets12: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)
    ticket_origin: dict[bytes, int] = field(default_factory=dict)  # ticket -> connection id

    @property
    def given(self) -> bool:
        """Was any key material given at all (a key log, a key, a PSK)?"""
        return bool(len(self.keylog) or self.rsa_keys or self.psks or self.ephemeral)
