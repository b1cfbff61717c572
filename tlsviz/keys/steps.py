"""The data model of one key-derivation step.

tlsviz never treats a secret as a black box: every value it derives is
recorded as a :class:`Step` that says which operation produced it, from which
earlier values, with which label and context, and where the RFC defines it.
The UI walks this list to draw the key schedule, and puts next to each step the
value the key log holds (``keylog_label``) so a learner can see that the
independent derivation and the application's own secret agree.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import NamedTuple, Protocol

__all__ = [
    "OPERATIONS",
    "KeylogComparison",
    "SecretLookup",
    "Step",
    "StepRecorder",
    "compare_with_keylog",
]

#: Operation names used in :attr:`Step.operation`.
OPERATIONS: tuple[str, ...] = (
    "Input",  # a value given to us (a PSK, a key-log secret, a transcript hash)
    "Transcript-Hash",  # Hash(handshake messages)
    "HKDF-Extract",  # RFC 5869 §2.2
    "HKDF-Expand",  # RFC 5869 §2.3
    "HKDF-Expand-Label",  # RFC 8446 §7.1
    "Derive-Secret",  # RFC 8446 §7.1
    "HMAC",  # Finished / binder MAC, RFC 8446 §4.4.4
    "ECDHE",  # elliptic-curve (EC)DH shared secret, RFC 8422 §5.10 / RFC 8446 §7.4.2
    "DHE",  # finite-field Diffie-Hellman shared secret, RFC 5246 §8.1.2 / RFC 8446 §7.4.1
    "RSA-Decrypt",  # RSA-encrypted pre-master secret, RFC 5246 §7.4.7.1
    "PSK-Premaster",  # RFC 4279 pre-master construction
    "PRF",  # TLS 1.0-1.2 PRF, RFC 2246 §5 / RFC 5246 §5
    "SSL3-KDF",  # SSL 3.0 MD5/SHA-1 construction, RFC 6101 §6
    "Split",  # a slice of a key block, RFC 5246 §6.3
    "Hash",  # Finished hashes of TLS 1.0/1.1 and SSL 3.0
)


class Step(NamedTuple):
    """One derived (or given) value and how it came to be.

    ``inputs`` names earlier steps (or inputs such as
    ``"transcript_hash:ClientHello..ServerHello"``) in the order the operation
    consumes them.  ``keylog_label`` is the NSS key-log label whose value this
    step must equal when a key log is available, e.g.
    ``"CLIENT_HANDSHAKE_TRAFFIC_SECRET"``.

    A named tuple: immutable, and made at a tuple's cost (a decode makes a
    dozen a connection; a frozen dataclass sets each attribute through
    ``object.__setattr__``).
    """

    name: str
    operation: str
    value: bytes
    inputs: tuple[str, ...] = ()
    label: str | None = None
    context: bytes | None = None
    rfc: str = ""
    keylog_label: str | None = None
    explain: str = ""

    @property
    def hex(self) -> str:
        """The value as lowercase hex, the way key logs and RFCs print it."""
        return self.value.hex()


class StepRecorder:
    """Base for classes that append :class:`Step` objects as they compute.

    Keeps the list in order and an index by name (the latest step of a name
    wins), so views can ask "what is ``handshake_secret``?" in O(1).
    """

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self._by_name: dict[str, Step] = {}

    def add_step(self, step: Step) -> Step:
        """Append ``step`` (also used by callers to record their own inputs)."""
        self.steps.append(step)
        self._by_name[step.name] = step
        return step

    def step(self, name: str) -> Step | None:
        """The latest step called ``name``, if any."""
        return self._by_name.get(name)

    def value(self, name: str) -> bytes | None:
        """The value of the latest step called ``name``, if any."""
        found = self._by_name.get(name)
        return None if found is None else found.value

    def _record(
        self,
        name: str,
        operation: str,
        value: bytes,
        inputs: tuple[str, ...] = (),
        *,
        label: str | None = None,
        context: bytes | None = None,
        rfc: str = "",
        keylog_label: str | None = None,
        explain: str = "",
    ) -> bytes:
        # The names and sentences are made afresh in every connection but
        # come back in all of them: one copy of each (sys.intern).
        intern = sys.intern
        step = Step(
            intern(name),
            operation,
            value,
            tuple(map(intern, inputs)) if inputs else (),
            label,
            context,
            intern(rfc) if rfc else "",
            keylog_label,
            intern(explain) if explain else "",
        )
        self.add_step(step)
        return value

    def _input(
        self, name: str, value: bytes, *, operation: str = "Input", explain: str = ""
    ) -> str:
        """Record ``value`` under ``name`` unless an equal step already exists."""
        existing = self._by_name.get(name)
        if existing is None or existing.value != value:
            self._record(name, operation, value, explain=explain)
        return name


class SecretLookup(Protocol):
    """What :func:`compare_with_keylog` needs from a key log."""

    def lookup(self, label: str, client_random: bytes) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class KeylogComparison:
    """A step next to the value the key log holds for its label.

    ``matches`` is ``None`` when the key log has no such entry.
    """

    step: Step
    keylog_value: bytes | None

    @property
    def matches(self) -> bool | None:
        if self.keylog_value is None:
            return None
        return self.keylog_value == self.step.value


def compare_with_keylog(
    steps: list[Step], keylog: SecretLookup, client_random: bytes
) -> list[KeylogComparison]:
    """Pair every step that has a ``keylog_label`` with the key log's value.

    The ``RSA`` label is keyed by the encrypted pre-master prefix, not by the
    client random, so those steps carry the prefix in their ``context``.
    """
    out: list[KeylogComparison] = []
    for step in steps:
        if step.keylog_label is None:
            continue
        key = client_random
        if step.keylog_label == "RSA" and step.context is not None:
            key = step.context[:8]
        out.append(KeylogComparison(step, keylog.lookup(step.keylog_label, key)))
    return out
