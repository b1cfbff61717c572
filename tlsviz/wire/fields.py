"""The values every view shows: fields with byte spans, and diagnostics.

A :class:`Field` is one named piece of a decoded structure together with the
exact bytes it came from.  The explorer highlights those bytes in its hex view,
the lessons point at them, the JSON export writes them.  Offsets are relative to
a *buffer*: the direction's TCP byte stream for cleartext, or a plaintext buffer
for decrypted records (see :class:`tlsviz.wire.handshake.Message`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .printable import printable as printable  # re-exported: where the views look for it


class Severity(enum.StrEnum):
    """How bad a diagnostic is (Wireshark's expert-info levels, minus 'chat')."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Diagnostic:
    """Something wrong (or worth noticing) about a run of bytes.

    ``offset``/``length`` are in the same buffer as the fields around it.  The
    decoder never raises on bad input: it produces one of these instead.
    """

    severity: Severity
    message: str
    offset: int
    length: int = 0
    rfc: str | None = None
    direction: str | None = None
    buffer: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": str(self.severity),
            "message": self.message,
            "direction": self.direction,
            "offset": self.offset,
            "length": self.length,
        }
        if self.rfc:
            out["rfc"] = self.rfc
        if self.buffer:
            out["buffer"] = self.buffer
        return out


@dataclass(slots=True, unsafe_hash=True)
class Field:
    """A decoded field: what it is, where its bytes are, what they mean.

    ``key`` names the explanation (see :mod:`tlsviz.wire.explain`) shared by all
    fields of the same kind, e.g. ``"client_hello.random"``.  ``value`` is a
    plain Python value (int, str, bytes, bool, list or None); ``display`` is the
    human text ("TLS 1.2 (0x0303)").

    Treat it as immutable: it hashes and compares by value like a frozen
    dataclass, but is not declared ``frozen``, because a decode makes a few
    hundred per connection and a frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per attribute) costs three times as much.  The
    other records made per message or per record (``Record``, ``Segment``,
    ``Extension``, the message bodies...) follow the same rule.
    """

    name: str
    offset: int
    length: int
    value: Any = None
    display: str = ""
    children: tuple[Field, ...] = ()
    key: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length

    def walk(self) -> Iterator[Field]:
        """This field and every descendant, depth first, in byte order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, name: str) -> Field | None:
        """The first descendant (or self) called ``name``."""
        for f in self.walk():
            if f.name == name:
                return f
        return None


#: Field trees handed to more than one connection, by ``id`` (they are kept
#: alive here, so an id is never another tree's): a view may keep what it
#: made of one (the text form keeps its lines).  See :func:`share`.
SHARED: dict[int, Field] = {}
_SHARED_MAX = 8192


def share(f: Field) -> None:
    """Note that ``f`` (and its subtree) is handed to several connections."""
    if len(SHARED) >= _SHARED_MAX:
        SHARED.clear()
    SHARED[id(f)] = f


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Repeats(Generic[K, V]):
    """A cache that keeps a value only from its key's second sighting on:
    what comes once (a random key share, a certificate at a new place) costs
    a hash in :attr:`once`, not the value.  Each table is emptied when full."""

    def __init__(self, kept: int, once: int = 16384) -> None:
        self.kept: dict[K, V] = {}
        self.once: set[int] = set()
        self._kept_max, self._once_max = kept, once

    def get(self, key: K) -> V | None:
        return self.kept.get(key)

    def offer(self, key: K, value: V) -> bool:
        """Keep ``value`` if ``key`` was offered before; True when kept."""
        digest = hash(key)
        if digest not in self.once:
            if len(self.once) >= self._once_max:
                self.once.clear()
            self.once.add(digest)
            return False
        if len(self.kept) >= self._kept_max:
            self.kept.clear()
        self.kept[key] = value
        return True

    def clear(self) -> None:
        self.kept.clear()
        self.once.clear()

    def __len__(self) -> int:
        return len(self.kept)


def walk_fields(fields: tuple[Field, ...] | list[Field]) -> Iterator[Field]:
    for f in fields:
        yield from f.walk()


def find_field(fields: tuple[Field, ...] | list[Field], name: str) -> Field | None:
    for f in walk_fields(fields):
        if f.name == name:
            return f
    return None


def json_value(value: Any) -> Any:
    """Turn a field value into something ``json.dumps`` accepts (bytes -> hex)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


@dataclass(slots=True)
class Node:
    """A field under construction (see :meth:`Reader.block`); mutable on purpose."""

    name: str
    offset: int
    key: str
    value: Any = None
    display: str = ""
    children: list[Field] = field(default_factory=list)
    length: int | None = None

    def freeze(self, end: int) -> Field:
        length = self.length if self.length is not None else end - self.offset
        return Field(
            self.name, self.offset, length, self.value, self.display, tuple(self.children), self.key
        )
