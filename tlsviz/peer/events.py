"""What a peer reports to the code that drives it (``next_event()``).

The peer never does I/O: the driver feeds it the bytes that arrived
(``receive_data``), sends what it has to send (``data_to_send``), and reads
these events to learn what happened, as with h11 or aioquic.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Session12, Session13

__all__ = [
    "AlertReceived",
    "ApplicationData",
    "CertificateProblem",
    "ConnectionClosed",
    "EarlyDataRejected",
    "Event",
    "HandshakeComplete",
    "HandshakeFailed",
    "KeyUpdated",
    "SessionReady",
]


@dataclass(frozen=True, slots=True)
class HandshakeComplete:
    """Both Finished messages exchanged; application data may flow."""

    version: int
    suite: int
    group: int | None
    alpn: str | None
    resumed: bool
    early_data_accepted: bool = False
    client_certificate: bool = False


@dataclass(frozen=True, slots=True)
class ApplicationData:
    """Application data the other side sent (``early`` for 0-RTT data)."""

    data: bytes
    early: bool = False


@dataclass(frozen=True, slots=True)
class AlertReceived:
    """An alert from the other side (RFC 8446 §6): a closure or an error."""

    level: int
    description: int

    @property
    def name(self) -> str:
        from ..wire.registry import alert_name

        return alert_name(self.description)


@dataclass(frozen=True, slots=True)
class HandshakeFailed:
    """This side gave up: ``alert`` is the alert it sent (None if it sent none),
    ``reason`` one sentence, ``by_peer`` True when the other side's alert ended it."""

    reason: str
    alert: int | None
    by_peer: bool = False


@dataclass(frozen=True, slots=True)
class CertificateProblem:
    """The other side's certificate failed a check; ``accepted`` says whether
    this side went on anyway (an experiment, or verification turned off)."""

    problem: str
    alert: int
    accepted: bool


@dataclass(frozen=True, slots=True)
class SessionReady:
    """A session the client can resume later (a ticket, or a TLS 1.2 session)."""

    session: Session13 | Session12


@dataclass(frozen=True, slots=True)
class EarlyDataRejected:
    """The server did not accept the 0-RTT data: send it again if it matters."""

    data: bytes


@dataclass(frozen=True, slots=True)
class KeyUpdated:
    """New application traffic keys (RFC 8446 §4.6.3): ``direction`` is
    ``"send"`` or ``"receive"``, ``generation`` the new N."""

    direction: str
    generation: int


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The other side sent close_notify, or this side failed and stops."""

    clean: bool


Event = (
    HandshakeComplete
    | ApplicationData
    | AlertReceived
    | HandshakeFailed
    | CertificateProblem
    | SessionReady
    | EarlyDataRejected
    | KeyUpdated
    | ConnectionClosed
)
