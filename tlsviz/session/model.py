"""The handshake timeline: one model for every view.

A :class:`Connection` is what the explorer steps through, what the lessons
point into and what ``decode --json`` writes: the messages of both directions
in the order they were seen, the diagnostics, and what the hellos negotiated.
Views only format what it says: the bytes behind any field
(:meth:`Connection.buffer`, :meth:`Message.spans`), the keys as of any message
(:meth:`Connection.key_state`), what the handshake cost
(:meth:`Connection.cost`), the certificates (:meth:`Connection.certificates`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..keys.engine import ConnectionKeys
from ..wire import registry as reg
from ..wire.connection import Negotiation
from ..wire.fields import Diagnostic, Severity
from ..wire.message import STREAM, Buffer, Message, Span
from .buffers import BufferData, StreamBytes, stream_data

if TYPE_CHECKING:
    from ..keys.x509 import CertInfo, CertProblem
    from .cost import Cost
    from .timeline import KeyState


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    """One certificate a side sent, decoded, with where it sits in the chain."""

    direction: str
    index: int  # 0: the sender's own certificate, then its issuers
    message: int  # the Certificate message's index
    info: CertInfo | CertProblem
    der: bytes


@dataclass(slots=True)
class DtlsAssociation:
    """What a DTLS association adds to a connection: where each datagram lies
    in its direction's buffer (``(offset, length, time)``: the buffer of a
    UDP flow is its datagrams' payloads laid end to end, in the order they
    arrived), and the connection IDs each side asked its peer to use
    (RFC 9146 §3).  The lists fill as the datagrams arrive."""

    datagrams: dict[str, list[tuple[int, int, float | None]]]
    connection_ids: dict[str, bytes] = field(default_factory=dict)

    def datagram_at(self, direction: str, offset: int) -> int | None:
        """The index of the datagram holding buffer offset ``offset``."""
        import bisect

        grams = self.datagrams.get(direction, [])
        i = bisect.bisect_right(grams, offset, key=lambda g: g[0]) - 1
        if i >= 0 and grams[i][0] <= offset < grams[i][0] + max(grams[i][1], 1):
            return i
        return None


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
    #: each direction's bytes, kept when the session was opened with streams
    streams: dict[str, StreamBytes] | None = None
    #: a DTLS association's datagrams and connection IDs (``transport`` "udp")
    dtls: DtlsAssociation | None = None

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

    @property
    def resumption(self) -> str | None:
        """How this handshake resumed an earlier session: ``"session_id"``,
        ``"ticket"`` (TLS 1.2, RFC 5077), ``"psk"`` (TLS 1.3) or None for a full
        handshake; decided by :func:`tlsviz.wire.facts.resumption`, as the
        summary decides it."""
        from ..wire.facts import abbreviated_handshake, resumption_of

        server = (m.type for m in self.messages if m.direction == "server")
        return resumption_of(
            self.neg.client_hello, self.neg.server_hello, abbreviated_handshake(server)
        )

    @property
    def psk_origin(self) -> str | None:
        """For a TLS 1.3 PSK handshake: ``"ticket"`` or ``"external"``."""
        from ..wire.facts import psk_origin_of

        return psk_origin_of(self.neg.client_hello, self.neg.server_hello)

    def all_diagnostics(self) -> list[Diagnostic]:
        """Stand-alone diagnostics and those inside messages, in stream terms."""
        out = list(self.diagnostics)
        for m in self.messages:
            for d in m.diagnostics:
                buffer, offset = m.locate(d.offset)
                out.append(
                    Diagnostic(
                        d.severity, d.message, offset, d.length, d.rfc, m.direction, buffer.name
                    )
                )
        return out

    # -- buffers: the bytes every span points into --------------------------------
    def buffers(self) -> list[Buffer]:
        """Every buffer a span of this connection can name: the two streams
        (those kept), then each decrypted record's plaintext in stream order."""
        out: list[Buffer] = [STREAM[d] for d in ("client", "server") if self.streams]
        if self.keys is not None:
            out.extend(
                Buffer(d, off)
                for (d, off), (_, dec) in sorted(self.keys.decryptions.items())
                if dec.ok
            )
        return out

    def buffer(self, buffer: Buffer | str) -> BufferData:
        """The bytes of ``buffer`` (a :class:`Buffer` or its JSON name).

        Raises ``KeyError`` for a buffer this connection does not have: a
        stream when the session was opened without ``streams``, a record that
        was not decrypted.
        """
        if isinstance(buffer, str):
            buffer = Buffer.parse(buffer)
        if buffer.record is None:
            if not self.streams:
                raise KeyError(f"the {buffer.direction} stream was not kept")
            return stream_data(buffer, self.streams[buffer.direction])
        found = self.keys.decryptions.get((buffer.direction, buffer.record)) if self.keys else None
        if found is None or not found[1].ok:
            raise KeyError(f"no decrypted record at {buffer.name}")
        return BufferData(buffer, found[1].plaintext)

    def read(self, span: Span) -> builtins.bytes:
        """The bytes at ``span``."""
        if span.buffer.record is None and self.streams:
            return self.streams[span.buffer.direction].read(span.offset, span.length)
        return self.buffer(span.buffer).read(span)

    # -- the timeline of keys, and facts derived from the messages ---------------
    def key_state(self, index: int) -> KeyState:
        """The keys as of message ``index``: secrets so far, checks passed, the
        keys protecting each direction, how this message's records were opened."""
        from .timeline import key_state

        return key_state(self, index)

    def cost(self) -> Cost:
        """Bytes per message, flight and direction; round trips; the chain's share."""
        from .cost import handshake_cost

        return handshake_cost(self.messages)

    def certificates(self) -> list[CertificateSummary]:
        """Every certificate sent, decoded, in the order sent."""
        from ..keys.x509 import cert_info
        from ..wire.messages import Certificate

        out: list[CertificateSummary] = []
        for i, m in enumerate(self.messages):
            if isinstance(m.body, Certificate):
                for n, entry in enumerate(m.body.entries):
                    out.append(
                        CertificateSummary(m.direction, n, i, cert_info(entry.der), entry.der)
                    )
        return out

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.all_diagnostics() if d.severity == Severity.ERROR]

    def handshake_messages(self) -> list[Message]:
        return [m for m in self.messages if m.handshake_type is not None]
