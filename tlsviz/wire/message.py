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

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
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


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Segment:
    """``length`` bytes at ``start`` in the message are at ``offset`` in ``buffer``.

    A segment never crosses a record boundary: a message split over records has
    one segment per record (see :class:`Buffer` for what a buffer is).
    """

    start: int
    buffer: Buffer
    offset: int
    length: int


#: What :meth:`Message.fields` calls once, on first use, when the decoder
#: left the field tree for later (see :class:`Message`).
FieldBuilder = Callable[[], "tuple[Field, ...]"]

_MESSAGE_SLOTS = (
    "direction", "type", "content_type", "encrypted", "raw", "segments", "time", "body",
    "diagnostics", "records", "handshake_type", "notes", "cleartext", "dtls",
)  # fmt: skip


class Message:
    """One decoded message (a value: never changed once made; :meth:`replace`
    makes a changed copy).

    Its field tree can be built when first asked for: a decoder that knows
    nobody may look at most trees (the explorer opening one connection, a
    lesson pointing at one field) passes ``build``, a function that parses the
    message's bytes again with fields, instead of ``fields``.  The tree is
    then built on the first access of :attr:`fields` (or :meth:`find`,
    :meth:`spans` of one of its fields...), once; the body and diagnostics
    were read in the first pass, so nothing else waits for it.
    """

    __slots__ = (*_MESSAGE_SLOTS, "_fields", "_build")

    direction: str
    type: str
    content_type: int
    encrypted: bool
    raw: bytes
    segments: tuple[Segment, ...]
    time: float | None
    body: Any
    diagnostics: tuple[Diagnostic, ...]
    records: tuple[Record, ...]
    handshake_type: int | None
    notes: tuple[str, ...]
    #: carried by a protected record that encrypts nothing (a NULL-cipher suite):
    #: the bytes crossed the wire as plaintext plus a MAC
    cleartext: bool
    #: a DTLS handshake message's :class:`~.dtls_reassembly.DtlsInfo`
    #: (message_seq, fragments, retransmission); None in TLS
    dtls: Any
    _fields: tuple[Field, ...] | None
    _build: FieldBuilder | None

    def __init__(
        self,
        direction: str,
        type: str,
        content_type: int,
        encrypted: bool,
        raw: bytes,
        segments: tuple[Segment, ...],
        time: float | None,
        fields: tuple[Field, ...] = (),
        body: Any = None,
        diagnostics: tuple[Diagnostic, ...] = (),
        records: tuple[Record, ...] = (),
        handshake_type: int | None = None,
        notes: tuple[str, ...] = (),
        cleartext: bool = False,
        dtls: Any = None,
        *,
        build: FieldBuilder | None = None,
    ) -> None:
        # each slot set through its own descriptor (see _SET below): the
        # class refuses plain assignment, and object.__setattr__ looks each
        # name up again (a decode makes a dozen messages a connection)
        s = _SET
        s.direction(self, direction)
        s.type(self, type)
        s.content_type(self, content_type)
        s.encrypted(self, encrypted)
        s.raw(self, raw)
        s.segments(self, segments)
        s.time(self, time)
        s.body(self, body)
        s.diagnostics(self, diagnostics)
        s.records(self, records)
        s.handshake_type(self, handshake_type)
        s.notes(self, notes)
        s.cleartext(self, cleartext)
        s.dtls(self, dtls)
        s._fields(self, None if build is not None else fields)
        s._build(self, build)

    @property
    def fields(self) -> tuple[Field, ...]:
        """The field tree (top-level fields), built now if it was left for later."""
        got = self._fields
        if got is None:
            build = self._build
            got = build() if build is not None else ()
            object.__setattr__(self, "_fields", got)
            object.__setattr__(self, "_build", None)
        return got

    @property
    def fields_built(self) -> bool:
        """Whether the field tree exists yet (for tests and benchmarks)."""
        return self._fields is not None

    def replace(self, **changes: Any) -> Message:
        """A copy with ``changes`` (any constructor argument by name); a tree
        not built yet stays to be built, unless ``fields`` is given."""
        args = {name: getattr(self, name) for name in _MESSAGE_SLOTS}
        if "fields" not in changes:
            if self._fields is None and self._build is not None:
                args["build"] = self._build
            else:
                args["fields"] = self._fields
        args.update(changes)
        return Message(**args)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Message cannot be changed (use replace): {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Message cannot be changed: {name}")

    def _key(self) -> tuple[Any, ...]:
        return (*(getattr(self, n) for n in _MESSAGE_SLOTS), self.fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Message:
            return NotImplemented
        assert isinstance(other, Message)
        return self is other or self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.direction, self.type, self.raw, self.segments, self.time))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in _MESSAGE_SLOTS[:7])
        return f"Message({inner}, fields={self.fields!r}, ...)"

    def __getstate__(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in _MESSAGE_SLOTS}
        state["fields"] = self.fields  # a builder is a closure: not for pickle
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        Message.__init__(self, **state)

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


#: each slot of :class:`Message` by name: its descriptor's setter
_SET: Any = SimpleNamespace(
    **{name: Message.__dict__[name].__set__ for name in (*_MESSAGE_SLOTS, "_fields", "_build")}
)
