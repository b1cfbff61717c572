"""The keys "as of" a message: what a view shows beside the selected message.

Keys come into existence step by step as messages arrive: the ClientHello
gives the client random, the ServerHello lets the handshake secrets be
derived, the server's Finished the application secrets.  The keys layer ties
every derivation step and every check to the message whose arrival made it
possible (:attr:`~tlsviz.keys.engine.StepReport.message`), and every record
decryption to its record; :func:`key_state` gathers them for one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..keys.engine import StepReport
from ..keys.record import RecordDecryption
from ..wire.records import Record

if TYPE_CHECKING:
    from ..keys.verify import Check
    from .model import Connection


@dataclass(frozen=True, slots=True)
class RecordCrypto:
    """How one record of a message was protected and opened."""

    record: Record
    epoch: str  # "handshake", "application", "early", "application 1" ...
    decryption: RecordDecryption


@dataclass(frozen=True, slots=True)
class CheckAt:
    """A verification and the message after which it was made."""

    check: Check
    message: int | None


@dataclass(frozen=True, slots=True)
class KeyState:
    """Everything known about the keys once message ``index`` has been seen."""

    index: int
    #: every step that exists by now, in derivation order
    steps: tuple[StepReport, ...]
    #: the steps this very message made possible
    new_steps: tuple[StepReport, ...]
    checks: tuple[CheckAt, ...]
    new_checks: tuple[CheckAt, ...]
    #: the keys protecting each direction's records at this point (None: cleartext)
    epochs: dict[str, str | None]
    #: this message's records and how each was decrypted (empty when in the clear)
    records: tuple[RecordCrypto, ...]
    status: str
    reason: str

    @property
    def from_keylog(self) -> tuple[StepReport, ...]:
        """Steps whose value was read from the key log, not derived."""
        return tuple(s for s in self.steps if s.step.operation == "Input" and s.from_keylog)

    @property
    def derived(self) -> tuple[StepReport, ...]:
        return tuple(s for s in self.steps if s.step.operation != "Input")


def record_crypto(conn: Connection, index: int) -> tuple[RecordCrypto, ...]:
    """How the records of message ``index`` were opened."""
    keys = conn.keys
    m = conn.messages[index]
    if keys is None or not m.encrypted:
        return ()
    out: list[RecordCrypto] = []
    for rec in m.records:
        found = keys.decryptions.get((m.direction, rec.offset))
        if found is not None:
            out.append(RecordCrypto(rec, found[0], found[1]))
    return tuple(out)


def key_state(conn: Connection, index: int) -> KeyState:
    keys = conn.keys
    if keys is None or not conn.messages:
        return KeyState(index, (), (), (), (), {"client": None, "server": None}, (), "missing",
                        "Keys were not derived.")  # fmt: skip
    index = max(0, min(index, len(conn.messages) - 1))
    reports = keys.step_reports()
    steps = tuple(r for r in reports if r.message is not None and r.message <= index)
    new = tuple(r for r in steps if r.message == index)
    checks = tuple(CheckAt(c, keys.check_at(i)) for i, c in enumerate(keys.checks))
    known = tuple(c for c in checks if c.message is not None and c.message <= index)
    epochs: dict[str, str | None] = {"client": None, "server": None}
    for i, m in enumerate(conn.messages[: index + 1]):
        if m.encrypted:
            for rc in record_crypto(conn, i):
                epochs[m.direction] = rc.epoch
    status, reason = keys.status()
    return KeyState(
        index,
        steps,
        new,
        known,
        tuple(c for c in known if c.message == index),
        epochs,
        record_crypto(conn, index),
        status,
        reason,
    )
