"""A base for the small mutable record classes on the start-up path of
``decode --summary``.

``@dataclass`` imports :mod:`inspect` (with ``ast``, ``dis``, ``tokenize``:
about 9 ms) and generates each class's methods at import (about 0.7 ms a
class): together a tenth of the time to summarise a 12,000-handshake capture
on two cores.  These classes write their ``__init__`` by hand; this base gives
them the ``__repr__`` and ``__eq__`` a dataclass would, from ``__slots__``.
"""

from __future__ import annotations

from typing import Any


class Slotted:
    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name, None)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq
