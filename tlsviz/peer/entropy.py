"""Where the peer's randomness and time come from: the system, or a seed.

A TLS endpoint draws random bytes for its hello random, its (EC)DHE private
keys, session ids, ticket keys and nonces, and reads the clock for ticket
ages.  With a seed (``tlsviz record --seed N``) every one of those values is
derived from the seed instead, so that running the same command twice, with
both sides ours, gives the same bytes on the wire — which is what lessons,
screenshots and tests need.  A seeded peer is as predictable as its seed: the
whole point here is teaching, never protection.

Each draw has a *label* (``"client random"``, ``"client x25519 key"``...)
so that the values do not depend on the order in which the two sides happen to
ask: value = HMAC-SHA256(key = SHA-256("tlsviz seed" || seed), label || counter),
repeated as needed (the counter is per label).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable

__all__ = ["SEEDED_EPOCH", "Entropy"]

#: Where a seeded clock starts: 2025-01-01 00:00:00 UTC.
SEEDED_EPOCH = 1735689600.0


class Entropy:
    """Random bytes and the time, from the system (``seed=None``) or a seed.

    ``clock`` overrides the time source; a seeded entropy's clock starts at
    :data:`SEEDED_EPOCH` and advances one millisecond each time it is read,
    so timestamps in a recording are reproducible too.
    """

    def __init__(self, seed: int | None = None, clock: Callable[[], float] | None = None) -> None:
        self.seed = seed
        self._key = (
            hashlib.sha256(b"tlsviz seed" + str(seed).encode()).digest()
            if seed is not None
            else b""
        )
        self._counters: dict[str, int] = {}
        self._ticks = 0
        self._clock = clock

    @property
    def seeded(self) -> bool:
        return self.seed is not None

    def bytes(self, n: int, label: str) -> bytes:
        """``n`` random bytes for the purpose ``label``."""
        if self.seed is None:
            return os.urandom(n)
        out = b""
        while len(out) < n:
            count = self._counters.get(label, 0)
            self._counters[label] = count + 1
            out += hmac.new(self._key, f"{label}/{count}".encode(), hashlib.sha256).digest()
        return out[:n]

    def integer(self, below: int, label: str) -> int:
        """A number in ``range(below)`` (slightly biased for big ranges; fine for ports)."""
        return int.from_bytes(self.bytes(8, label), "big") % below

    def now(self) -> float:
        """Seconds since 1970: the real time, or the seeded clock."""
        if self._clock is not None:
            return self._clock()
        if self.seed is None:
            return time.time()
        self._ticks += 1
        return SEEDED_EPOCH + self._ticks / 1000

    def child(self, label: str) -> Entropy:
        """An independent stream for one party (``"client"``, ``"server"``),
        sharing the clock: each side's values do not depend on the other's."""
        sub = Entropy(None, self.now)
        sub.seed = self.seed
        if self.seed is not None:
            sub._key = hmac.new(self._key, label.encode(), hashlib.sha256).digest()
        return sub
