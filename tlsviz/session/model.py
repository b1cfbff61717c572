"""The handshake timeline: one model for every view.

A :class:`Connection` is what the explorer steps through, what the lessons
point into and what ``decode --json`` writes: the messages of both directions
in the order they were seen, the diagnostics, and what the hellos negotiated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..keys.engine import ConnectionKeys
from ..wire import registry as reg
from ..wire.connection import Negotiation
from ..wire.fields import Diagnostic, Severity
from ..wire.message import Message


@dataclass(slots=True)
class Connection:
    id: int
    client: str
    server: str
    transport: str = "tcp"
    messages: list[Message] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    neg: Negotiation = field(default_factory=Negotiation)
    start_time: float | None = None
    end_time: float | None = None
    closed: str | None = None  # "fin", "rst", "eof"
    bytes: dict[str, int] = field(default_factory=lambda: {"client": 0, "server": 0})
    extra: dict[str, Any] = field(default_factory=dict)
    keys: ConnectionKeys | None = None  # derivation, decryption, verification

    # -- what the hellos negotiated, in IANA spellings --------------------------
    @property
    def version(self) -> str | None:
        v = self.neg.version
        return reg.version_name(v) if v is not None else None

    @property
    def cipher_suite(self) -> str | None:
        s = self.neg.cipher_suite
        return reg.suite_name(s) if s is not None else None

    @property
    def sni(self) -> str | None:
        return self.neg.sni

    @property
    def alpn(self) -> str | None:
        return self.neg.alpn

    @property
    def group(self) -> str | None:
        g = self.neg.group
        if g is None:
            hrr = self.neg.hello_retry
            g = hrr.selected_group if hrr is not None else None
        return reg.group_name(g) if g is not None else None

    def all_diagnostics(self) -> list[Diagnostic]:
        """Stand-alone diagnostics and those inside messages, in stream terms."""
        out = list(self.diagnostics)
        for m in self.messages:
            for d in m.diagnostics:
                buffer, offset = m.locate(d.offset)
                out.append(
                    Diagnostic(d.severity, d.message, offset, d.length, d.rfc, m.direction, buffer)
                )
        return out

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.all_diagnostics() if d.severity == Severity.ERROR]

    def handshake_messages(self) -> list[Message]:
        return [m for m in self.messages if m.handshake_type is not None]
