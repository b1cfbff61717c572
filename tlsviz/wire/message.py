"""The decoded message: one step of the handshake timeline.

A :class:`Message` is what the explorer steps through and what
``decode --json`` writes: a handshake message, a ChangeCipherSpec, an alert,
application data, or a record that could not (yet) be decrypted.

Field offsets inside a message are relative to ``raw`` (the message's own bytes,
starting at the handshake header).  ``segments`` says where those bytes lie in
the buffers they came from, because a handshake message can be split over
several records (RFC 8446 §5.1) and its bytes are then not contiguous in the
TCP stream: between two pieces lies the next record's header.
:meth:`Message.spans` maps any field to the exact runs of buffer bytes it came
from, cut at those record boundaries, so a hex view highlights the field's
bytes and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .fields import Diagnostic, Field
from .records import Record


class Buffer(NamedTuple):
    """A run of bytes that spans point into.

    Either the whole byte stream of one direction (``record`` is None) or the
    plaintext of one decrypted record (``record`` is the stream offset of that
    record's header in the same direction).  Its :attr:`name` is what the JSON
    document writes: ``"client"``, ``"server@1234"``.
    """

    direction: str
    record: int | None = None

    @property
    def name(self) -> str:
        return self.direction if self.record is None else f"{self.direction}@{self.record}"

    @property
    def decrypted(self) -> bool:
        return self.record is not None

    @property
    def label(self) -> str:
        """A short human label for a list of buffers or a hex view's title."""
        if self.record is None:
            return f"{self.direction} stream"
        return f"{self.direction} record at {self.record}, decrypted"

    @classmethod
    def parse(cls, name: str) -> Buffer:
        """The buffer a JSON ``buffer`` name stands for (``"client@1234"``)."""
        direction, sep, rest = name.partition("@")
        if direction not in ("client", "server") or (sep and not rest.isdigit()):
            raise ValueError(f"not a buffer name: {name!r}")
        return cls(direction, int(rest) if sep else None)

    def __str__(self) -> str:
        return self.name


#: The two stream buffers, made once (every plaintext segment points at one).
STREAM: dict[str, Buffer] = {"client": Buffer("client"), "server": Buffer("server")}


class Span(NamedTuple):
    """``length`` bytes at ``offset`` in ``buffer``: where a field's bytes are."""

    buffer: Buffer
    offset: int
    length: int

    @property
    def end(self) -> int:
        return self.offset + self.length

    def to_json(self) -> list[Any]:
        return [self.buffer.name, self.offset, self.length]


@dataclass(frozen=True, slots=True)
class Segment:
    """``length`` bytes at ``start`` in the message are at ``offset`` in ``buffer``.

    A segment never crosses a record boundary: a message split over records has
    one segment per record (see :class:`Buffer` for what a buffer is).
    """

    start: int
    buffer: Buffer
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Message:
    direction: str
    type: str
    content_type: int
    encrypted: bool
    raw: bytes
    segments: tuple[Segment, ...]
    time: float | None
    fields: tuple[Field, ...] = ()
    body: Any = None
    diagnostics: tuple[Diagnostic, ...] = ()
    records: tuple[Record, ...] = ()
    handshake_type: int | None = None
    notes: tuple[str, ...] = field(default=())
    #: carried by a protected record that encrypts nothing (a NULL-cipher suite):
    #: the bytes crossed the wire as plaintext plus a MAC
    cleartext: bool = False
    #: a DTLS handshake message's :class:`~.dtls_reassembly.DtlsInfo`
    #: (message_seq, fragments, retransmission); None in TLS
    dtls: Any = None

    @property
    def length(self) -> int:
        return len(self.raw)

    @property
    def buffer(self) -> Buffer:
        return self.segments[0].buffer if self.segments else STREAM[self.direction]

    @property
    def offset(self) -> int:
        return self.segments[0].offset if self.segments else 0

    def locate(self, rel: int) -> tuple[Buffer, int]:
        """Where byte ``rel`` of this message lies: (buffer, offset in it)."""
        for seg in self.segments:
            if seg.start <= rel < seg.start + seg.length:
                return seg.buffer, seg.offset + (rel - seg.start)
        if self.segments:
            last = self.segments[-1]
            return last.buffer, last.offset + (rel - last.start)
        return STREAM[self.direction], rel

    def spans_of(self, rel: int, length: int) -> tuple[Span, ...]:
        """The buffer runs holding bytes ``rel .. rel+length`` of this message,
        one per segment they touch (so never across a record header)."""
        if length <= 0:
            buffer, offset = self.locate(rel)
            return (Span(buffer, offset, 0),)
        end = rel + length
        out: list[Span] = []
        for seg in self.segments:
            lo = max(rel, seg.start)
            hi = min(end, seg.start + seg.length)
            if lo < hi:
                out.append(Span(seg.buffer, seg.offset + (lo - seg.start), hi - lo))
        if not out:  # past the recorded segments (never for a well-formed message)
            buffer, offset = self.locate(rel)
            out.append(Span(buffer, offset, length))
        return tuple(out)

    def spans(self, f: Field) -> tuple[Span, ...]:
        """Where the bytes of field ``f`` (a field of this message) lie."""
        return self.spans_of(f.offset, f.length)

    def field_bytes(self, f: Field) -> bytes:
        """The bytes of field ``f``, read from the message itself."""
        return self.raw[f.offset : f.offset + f.length]

    def find(self, key: str) -> Field | None:
        """The first field whose key (``server_hello.random``) or name is ``key``."""
        for top in self.fields:
            for f in top.walk():
                if f.key == key or f.name == key:
                    return f
        return None

    @property
    def is_handshake(self) -> bool:
        return self.handshake_type is not None
