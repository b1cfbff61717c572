"""A bounds-checked reader that records a :class:`Field` for everything it reads.

Parsers are written as straight-line code against this reader::

    version = r.u16("legacy_version", key="client_hello.legacy_version", fmt=version_name)
    with r.block("cipher_suites", 2, key="client_hello.cipher_suites") as node:
        while r.remaining:
            suites.append(r.u16("cipher_suite", key="cipher_suite", fmt=suite_name))
        node.display = f"{len(suites)} suites"

Every length prefix is checked (RFC 8446 §3.4: a vector's length counts bytes):
a block may not read past its declared end, and bytes left over at its end
become an ``unparsed`` field plus a diagnostic.  Running out of bytes raises
:class:`DecodeError`, which :meth:`Reader.guard` turns into a diagnostic on
exactly the bytes that could not be decoded, so the caller carries on.

With ``record=False`` the reader builds no fields at all: the same parser then
serves the fast summary path of big captures, and the first pass of a decoder
that builds field trees only when they are asked for (``lazy``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .fields import Diagnostic, Field, Node, Severity

Fmt = Callable[[Any], str]


class DecodeError(Exception):
    """Bytes that do not decode.  Carries where (``offset``, ``length``) and why."""

    def __init__(self, message: str, offset: int, length: int = 0, rfc: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = length
        self.rfc = rfc


#: The text of the numbers most fields hold (lengths, counts, small types),
#: made once: a decode shows a few hundred of them a connection.
_NUMBERS: tuple[str, ...] = tuple(str(n) for n in range(1024))


@functools.lru_cache(maxsize=4096)
def _length_of(name: str) -> str:
    """``name + "_length"``, the same string object each time: a length
    field's name and key are otherwise a new string per field."""
    return name + "_length"


def hex_display(data: bytes, limit: int = 32) -> str:
    if len(data) <= limit:
        return data.hex() if data else "(empty)"
    return f"{data[:limit].hex()}… ({len(data)} bytes)"


class Reader:
    """Reads big-endian integers and vectors from ``data``.

    ``base`` is the offset of ``data[0]`` in the buffer the fields refer to.
    """

    __slots__ = (
        "_stack", "base", "buffer", "data", "diagnostics", "end", "lazy", "pos", "record",
    )  # fmt: skip

    def __init__(
        self,
        data: bytes,
        base: int = 0,
        *,
        record: bool = True,
        buffer: str | None = None,
        lazy: bool = False,
    ) -> None:
        self.data = bytes(data)
        self.pos = 0
        self.end = len(self.data)
        self.base = base
        self.record = record
        #: a first pass that records no fields because they will be built later
        #: (see :class:`~.message.Message`): it must still find every diagnostic
        self.lazy = lazy
        self.buffer = buffer
        self._stack: list[list[Field]] = [[]]
        self.diagnostics: list[Diagnostic] = []

    # -- position -------------------------------------------------------------
    @property
    def offset(self) -> int:
        """Where the next byte is, in buffer coordinates."""
        return self.base + self.pos

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    @property
    def fields(self) -> list[Field]:
        """The top-level fields recorded so far."""
        return self._stack[0]

    def fields_here(self) -> list[Field]:
        """The fields recorded so far in the node being built."""
        return self._stack[-1]

    def _need(self, n: int, what: str) -> None:
        if self.pos + n > self.end:
            left = self.end - self.pos
            raise DecodeError(
                f"{what} needs {n} byte{'s' if n != 1 else ''} but only {left} "
                f"{'is' if left == 1 else 'are'} left",
                self.base + self.pos,
                left,
            )

    def add(self, f: Field) -> None:
        """Attach a ready-made field to the node being built."""
        if self.record:
            self._stack[-1].append(f)

    def note(
        self,
        message: str,
        offset: int,
        length: int,
        severity: Severity = Severity.WARNING,
        rfc: str | None = None,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(severity, message, offset, length, rfc, buffer=self.buffer)
        )

    # -- scalars --------------------------------------------------------------
    # The scalar readers are the decoder's innermost loop (a hundred calls a
    # handshake): each does its own bounds check and builds its field inline.
    def uint(self, name: str, size: int, key: str = "", fmt: Fmt | None = None) -> int:
        start = self.pos
        end = start + size
        if end > self.end:
            self._need(size, name)
        value = int.from_bytes(self.data[start:end], "big")
        self.pos = end
        if self.record:
            if fmt is not None:
                display = fmt(value)
            else:
                display = _NUMBERS[value] if value < 1024 else str(value)
            self._stack[-1].append(Field(name, self.base + start, size, value, display, (), key))
        return value

    def u8(self, name: str, key: str = "", fmt: Fmt | None = None) -> int:
        start = self.pos
        if start >= self.end:
            self._need(1, name)
        value = self.data[start]
        self.pos = start + 1
        if self.record:
            display = fmt(value) if fmt is not None else _NUMBERS[value]
            self._stack[-1].append(Field(name, self.base + start, 1, value, display, (), key))
        return value

    def u16(self, name: str, key: str = "", fmt: Fmt | None = None) -> int:
        start = self.pos
        if start + 2 > self.end:
            self._need(2, name)
        data = self.data
        value = (data[start] << 8) | data[start + 1]
        self.pos = start + 2
        if self.record:
            if fmt is not None:
                display = fmt(value)
            else:
                display = _NUMBERS[value] if value < 1024 else str(value)
            self._stack[-1].append(Field(name, self.base + start, 2, value, display, (), key))
        return value

    def u24(self, name: str, key: str = "", fmt: Fmt | None = None) -> int:
        return self.uint(name, 3, key, fmt)

    def u32(self, name: str, key: str = "", fmt: Fmt | None = None) -> int:
        return self.uint(name, 4, key, fmt)

    def raw(
        self, name: str, n: int, key: str = "", fmt: Fmt | None = None, value: Any = None
    ) -> bytes:
        """``n`` bytes as they are (a fixed-size array such as ``Random``)."""
        start = self.pos
        if start + n > self.end:
            self._need(n, name)
        data = self.data[start : start + n]
        self.pos = start + n
        if self.record:
            display = fmt(data) if fmt is not None else hex_display(data)
            self._stack[-1].append(
                Field(
                    name, self.base + start, n, data if value is None else value, display, (), key
                )
            )
        return data

    def rest(self, name: str, key: str = "", fmt: Fmt | None = None) -> bytes:
        """Everything up to the end of the enclosing block."""
        return self.raw(name, self.remaining, key, fmt)

    def skip(self, n: int) -> None:
        self._need(n, "data")
        self.pos += n

    def peek(self, n: int) -> bytes:
        return self.data[self.pos : min(self.pos + n, self.end)]

    def opaque(self, name: str, length_size: int, key: str = "", fmt: Fmt | None = None) -> bytes:
        """A length-prefixed byte vector, as two fields: ``<name>_length`` and ``<name>``."""
        n = self.uint(_length_of(name), length_size, _length_of(key) if key else "length")
        return self.raw(name, n, key, fmt)

    # -- structure ------------------------------------------------------------
    # The context managers below are small classes, not @contextmanager
    # generators: a message enters dozens of them, and a generator-based
    # manager costs several times more to enter and leave.
    def block(
        self,
        name: str,
        length_size: int,
        key: str = "",
        *,
        length_name: str | None = None,
        length_key: str | None = None,
    ) -> _Sized:
        """A length-prefixed vector whose content is parsed by the ``with`` body.

        Records ``<name>_length`` then a node called ``name`` spanning the
        content.  The body cannot read past the declared end; what it leaves
        unread becomes an ``unparsed`` field and a warning.
        """
        n = self.uint(
            length_name or _length_of(name),
            length_size,
            length_key or (_length_of(key) if key else "length"),
        )
        if self.pos + n > self.end:
            raise DecodeError(
                f"{name} claims {n} bytes but only {self.end - self.pos} remain",
                self.base + self.pos - length_size,
                length_size,
            )
        return _Sized(self, name, n, key)

    def sized(self, name: str, n: int, key: str = "") -> _Sized:
        """A node over the next ``n`` bytes (the length is known from elsewhere)."""
        if self.pos + n > self.end:
            raise DecodeError(
                f"{name} needs {n} bytes but only {self.end - self.pos} remain",
                self.base + self.pos,
                self.end - self.pos,
            )
        return _Sized(self, name, n, key)

    def group(self, name: str, key: str = "") -> _Group:
        """A node around whatever the body reads (no length prefix of its own)."""
        return _Group(self, name, key)

    def trailing(self, name: str) -> None:
        """Bytes the parser did not read up to the current end: record them."""
        if self.pos < self.end:
            self._leftover(name, self.end)

    def _leftover(self, name: str, limit: int) -> None:
        extra = limit - self.pos
        start = self.base + self.pos
        if self.record:
            data = self.data[self.pos : limit]
            self._stack[-1].append(
                Field("unparsed", start, extra, data, hex_display(data), (), "unparsed")
            )
        self.note(
            f"{extra} byte{'s' if extra != 1 else ''} left over at the end of {name}",
            start,
            extra,
            Severity.WARNING,
        )
        self.pos = limit

    def guard(self, what: str) -> _Guard:
        """Turn a :class:`DecodeError` in the body into a diagnostic and skip to the end.

        Use around each unit that has a known end (a message, an extension): a
        fault inside it is reported on exactly the bytes from the fault to that
        end, and decoding resumes after it.
        """
        return _Guard(self, what)

    def _undecoded(self, what: str, err: DecodeError, depth: int, end: int) -> None:
        """What :meth:`guard` does with a fault: the rest of the unit becomes an
        ``undecoded`` field and an error."""
        del self._stack[depth:]
        self.end = end
        start = min(max(self.pos, 0), end)
        err_at = err.offset - self.base
        if self.pos <= err_at <= end:
            start = err_at
        length = end - start
        if length > 0 and self.record:
            data = self.data[start:end]
            self._stack[-1].append(
                Field(
                    "undecoded",
                    self.base + start,
                    length,
                    data,
                    hex_display(data),
                    (),
                    "undecoded",
                )
            )
        self.diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                f"malformed {what}: {err.message}",
                self.base + start,
                length,
                err.rfc,
                buffer=self.buffer,
            )
        )
        self.pos = end


class _Sized:
    """:meth:`Reader.sized` (and :meth:`Reader.block`): a node over ``n`` bytes."""

    __slots__ = ("limit", "n", "name", "node", "outer_end", "r")

    def __init__(self, r: Reader, name: str, n: int, key: str) -> None:
        self.r, self.name, self.n = r, name, n
        start = r.pos
        self.limit = start + n
        self.outer_end = r.end
        self.node = Node(name, r.base + start, key)

    def __enter__(self) -> Node:
        r = self.r
        r._stack.append(self.node.children)
        r.end = self.limit
        return self.node

    def __exit__(self, kind: object, err: object, tb: object) -> None:
        r = self.r
        node = self.node
        if kind is None:
            if r.pos < self.limit:
                r._leftover(self.name, self.limit)
        else:
            node.length = self.n
        r.end = self.outer_end
        r._stack.pop()
        if r.record:
            r._stack[-1].append(node.freeze(r.base + r.pos))


class _Group:
    """:meth:`Reader.group`: a node around whatever the body reads."""

    __slots__ = ("node", "r")

    def __init__(self, r: Reader, name: str, key: str) -> None:
        self.r = r
        self.node = Node(name, r.base + r.pos, key)

    def __enter__(self) -> Node:
        self.r._stack.append(self.node.children)
        return self.node

    def __exit__(self, kind: object, err: object, tb: object) -> None:
        r = self.r
        r._stack.pop()
        if r.record:
            r._stack[-1].append(self.node.freeze(r.base + r.pos))


class _Guard:
    """:meth:`Reader.guard`: a :class:`DecodeError` in the body becomes a diagnostic."""

    __slots__ = ("depth", "end", "r", "what")

    def __init__(self, r: Reader, what: str) -> None:
        self.r, self.what = r, what

    def __enter__(self) -> None:
        r = self.r
        self.depth = len(r._stack)
        self.end = r.end

    def __exit__(self, kind: object, err: object, tb: object) -> bool:
        if kind is None or not isinstance(err, DecodeError):
            return False
        self.r._undecoded(self.what, err, self.depth, self.end)
        return True
