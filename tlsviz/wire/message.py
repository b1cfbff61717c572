"""The decoded message: one step of the handshake timeline.

A :class:`Message` is what the explorer steps through and what
``decode --json`` writes: a handshake message, a ChangeCipherSpec, an alert,
application data, or a record that could not (yet) be decrypted.

Field offsets inside a message are relative to ``raw`` (the message's own bytes,
starting at the handshake header).  ``segments`` says where those bytes lie in
the buffers they came from, because a handshake message can be split over
several records (RFC 8446 §5.1) and its bytes are then not contiguous in the
TCP stream.  :meth:`Message.locate` maps a message offset back to a buffer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fields import Diagnostic, Field
from .records import Record


@dataclass(frozen=True, slots=True)
class Segment:
    """``length`` bytes at ``start`` in the message are at ``offset`` in ``buffer``.

    Buffers are named ``"client"``/``"server"`` (the direction's TCP byte
    stream) or ``"client@1234"`` (the plaintext of the record that starts at
    stream offset 1234 of the client direction).
    """

    start: int
    buffer: str
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

    @property
    def length(self) -> int:
        return len(self.raw)

    @property
    def buffer(self) -> str:
        return self.segments[0].buffer if self.segments else self.direction

    @property
    def offset(self) -> int:
        return self.segments[0].offset if self.segments else 0

    def locate(self, rel: int) -> tuple[str, int]:
        """Where byte ``rel`` of this message lies: (buffer, offset in it)."""
        for seg in self.segments:
            if seg.start <= rel < seg.start + seg.length:
                return seg.buffer, seg.offset + (rel - seg.start)
        if self.segments:
            last = self.segments[-1]
            return last.buffer, last.offset + (rel - last.start)
        return self.direction, rel

    @property
    def is_handshake(self) -> bool:
        return self.handshake_type is not None
