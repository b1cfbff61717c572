"""Keys for one connection, step by step as its messages arrive.

:class:`ConnectionKeys` watches the decoder's messages (sans-IO: it is handed
each :class:`~tlsviz.wire.message.Message` in order), derives every secret it
can from the key material it was given, compares each derived secret with the
key log, installs record decryptors in the decoder at the exact record where
the keys change, and checks Finished messages and signatures.

The per-version logic lives in :mod:`tlsviz.keys.flow13` and
:mod:`tlsviz.keys.flow12`; this module holds what both share: the key
material, the decryptor that is installed in the decoder, and the report.
"""

from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..wire.connection import ConnectionDecoder, Decrypted
from ..wire.fields import Diagnostic
from ..wire.message import Message
from ..wire.records import Record
from ..wire.registry import HandshakeType as HT
from . import status
from .keyring import KeyMaterial, Ticket13
from .record import RecordDecryption
from .steps import Step, StepRecorder

__all__ = ["ConnectionKeys", "KeyMaterial", "Protection", "StepReport", "Ticket13"]

if TYPE_CHECKING:  # kept out of the import path of summaries without keys
    from .protection import RecordDecryptor
    from .verify import Check


class Protection:
    """The decryptor installed in the decoder for one direction.

    It holds the current epoch's :class:`RecordDecryptor` and, where the next
    epoch cannot be told from the records themselves, candidates to try next:
    in TLS 1.3 every protected record looks alike on the wire, so when 0-RTT
    data is rejected the client's next record is simply tried with the
    handshake keys.  A candidate that decrypts becomes the current epoch.
    """

    def __init__(self, owner: ConnectionKeys, direction: str) -> None:
        # a proxy: the owner holds this object, and a cycle would leave each
        # finished connection's keys to the garbage collector
        self.owner = weakref.proxy(owner)
        self.direction = direction
        self.epochs: list[tuple[str, RecordDecryptor]] = []
        #: DTLS: the keys of each epoch by its number, which every record
        #: carries (all of it in DTLS 1.2, its two low bits in DTLS 1.3)
        self.dtls: dict[int, tuple[str, Any]] = {}

    def set(self, epoch: str, dec: RecordDecryptor) -> None:
        self.epochs = [(epoch, dec)]

    def set_epoch(self, number: int, name: str, opener: Any) -> None:
        """DTLS: the keys of epoch ``number`` (a :class:`RecordDecryptor` in
        DTLS 1.0/1.2, a :class:`~.dtls13.Dtls13Opener` in DTLS 1.3)."""
        self.dtls[number] = (name, opener)

    def add_next(self, epoch: str, dec: RecordDecryptor) -> None:
        self.epochs.append((epoch, dec))

    def drop_current(self) -> None:
        if len(self.epochs) > 1:
            self.epochs.pop(0)

    @property
    def epoch(self) -> str | None:
        if self.dtls:
            return self.dtls[max(self.dtls)][0]
        return self.epochs[0][0] if self.epochs else None

    def __call__(self, rec: Record) -> Decrypted | None:
        if rec.epoch is not None:
            return self._dtls(rec)
        if not self.epochs:
            return None
        first: RecordDecryption | None = None
        for i, (epoch, dec) in enumerate(self.epochs):
            res = dec.decrypt(rec.content_type, rec.version, rec.fragment)
            if res.ok:
                del self.epochs[:i]
                self.owner.decryptions[(self.direction, rec.offset)] = (epoch, res)
                return Decrypted(res.plaintext, res.content_type, True, None, res)
            if first is None:
                first = res
        assert first is not None
        return self._failed(rec, self.epochs[0][0], first)

    def _dtls(self, rec: Record) -> Decrypted | None:
        """A DTLS record opened with the keys of the epoch it names."""
        from .dtls13 import open_dtls_record

        found = open_dtls_record(self.dtls, rec)
        if found is None:
            return None
        name, res = found
        if res.ok:
            self.owner.decryptions[(self.direction, rec.offset)] = (name, res)
            return Decrypted(res.plaintext, res.content_type, True, None, res)
        return self._failed(rec, name, res)

    def _failed(self, rec: Record, name: str, first: RecordDecryption) -> Decrypted:
        self.owner.decryptions[(self.direction, rec.offset)] = (name, first)
        self.owner.failed_records += 1
        if self.owner.first_failure is None:
            why = first.error or "authentication failed"
            self.owner.first_failure = (self.direction, name, why)
        why = first.error or "authentication failed"
        return Decrypted(
            b"", rec.content_type, False,
            f"this record does not decrypt with the {name} keys: {why}",
            first,
        )  # fmt: skip


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class StepReport:
    """A step next to the key log's value for it.

    ``message`` is the index (in the connection's messages) of the message
    whose arrival made the step possible: a view showing the keys "as of
    message N" shows the steps whose ``message`` is at most N.
    """

    step: Step
    from_keylog: bytes | None
    handshake: int = 0
    message: int | None = None

    @property
    def match(self) -> bool | None:
        if self.from_keylog is None or self.step.operation == "Input":
            return None
        return self.from_keylog == self.step.value

    def to_json(self) -> dict[str, Any]:
        s = self.step
        return {
            "name": s.name,
            "operation": s.operation,
            "label": s.label,
            "inputs": list(s.inputs),
            "context": s.context.hex() if s.context is not None else None,
            "value": s.value.hex(),
            "from_keylog": self.from_keylog.hex() if self.from_keylog is not None else None,
            "keylog_label": s.keylog_label,
            "match": self.match,
            "rfc": s.rfc,
            "explain": s.explain,
            "handshake": self.handshake,
            "message": self.message,
        }


class ConnectionKeys:
    """Derivation, decryption and verification state of one connection."""

    def __init__(
        self, material: KeyMaterial, connection: int = 0, *, signatures: bool = True
    ) -> None:
        self.material = material
        #: check signatures and certificate chains (summaries skip them: only
        #: the Finished messages decide a connection's status)
        self.signatures = signatures
        self.connection = connection
        self.schedules: list[tuple[int, StepRecorder, bytes]] = []  # (handshake, recorder, CR)
        self.checks: list[Check] = []
        self.decryptions: dict[tuple[str, int], tuple[str, RecordDecryption]] = {}
        self.protection = {d: Protection(self, d) for d in ("client", "server")}
        self.failed_records = 0
        self.problems: list[str] = []  # why something could not be derived
        self.mismatches: list[str] = []
        self.flow: Any = None
        self._installed = False
        #: where the keys came from, for plain reasons ("the key log", "the given PSK")
        self.source: str | None = None
        self.first_failure: tuple[str, str, str] | None = None  # direction, epoch, error
        self.resumed_from: int | None = None  # the connection whose ticket this one uses
        self.unsupported: str | None = None  # keys known, cipher not available
        #: the timeline: how many messages were observed, and for each step
        #: (per recorder) and each check the index of the message after which
        #: it existed
        self.messages_seen = 0
        self._step_origin: dict[int, list[int]] = {}
        self.check_origin: list[int] = []

    # -- feeding ----------------------------------------------------------------
    def observe(self, decoder: ConnectionDecoder, event: Message | Diagnostic) -> None:
        if not self._installed:
            for d, p in self.protection.items():
                decoder.set_decryptor(d, p)
            self._installed = True
        if not isinstance(event, Message):
            return
        index = self.messages_seen
        self.messages_seen += 1
        if self.flow is None:
            if event.handshake_type == HT.client_hello and event.type == "ClientHello":
                from .flow import Flow

                self.flow = Flow(self)
            else:
                return
        self.flow.message(event)
        self._attribute(index)

    def _attribute(self, index: int) -> None:
        """Tie the steps and checks that message ``index`` made possible to it."""
        for _, rec, _ in self.schedules:
            origin = self._step_origin.setdefault(id(rec), [])
            if len(origin) < len(rec.steps):
                origin.extend([index] * (len(rec.steps) - len(origin)))
        if len(self.check_origin) < len(self.checks):
            self.check_origin.extend([index] * (len(self.checks) - len(self.check_origin)))

    # -- used by the flows --------------------------------------------------------
    def add_schedule(self, handshake: int, recorder: StepRecorder, client_random: bytes) -> None:
        self.schedules.append((handshake, recorder, client_random))

    def keylog(self, label: str, client_random: bytes) -> bytes | None:
        return self.material.keylog.lookup(label, client_random)

    def compare(self, recorder: StepRecorder, client_random: bytes, start: int = 0) -> None:
        """Compare new steps (from index ``start``) with the key log; note mismatches."""
        for step in recorder.steps[start:]:
            if step.keylog_label is None or step.operation == "Input":
                continue
            key = client_random
            if step.keylog_label == "RSA" and step.context is not None:
                key = step.context[:8]
            logged = self.material.keylog.lookup(step.keylog_label, key)
            if logged is not None and logged != step.value:
                self.mismatches.append(
                    f"the derived {step.name} differs from the key log's {step.keylog_label} "
                    "entry for this connection"
                )

    def check(self, check: Check) -> None:
        self.checks.append(check)

    def chain(self, direction: str, ders: list[bytes]) -> None:
        """Each certificate's signature checked with the next one's key."""
        from .verify import Check, verify_chain

        if not ders or not self.signatures:
            return
        for c in verify_chain(ders):  # the same sentences in every connection: made once
            name, detail = sys.intern(f"{direction} {c.name}"), sys.intern(c.detail)
            self.checks.append(Check(name, c.ok, detail, c.rfc))

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    # -- results ------------------------------------------------------------------
    def step_reports(self) -> list[StepReport]:
        out: list[StepReport] = []
        seen: set[int] = set()
        for handshake, rec, cr in self.schedules:
            if id(rec) in seen:  # one recorder registered twice (0-RTT, then ServerHello)
                continue
            seen.add(id(rec))
            origin = self._step_origin.get(id(rec), [])
            for i, step in enumerate(rec.steps):
                logged = None
                if step.keylog_label is not None:
                    key = cr
                    if step.keylog_label == "RSA" and step.context is not None:
                        key = step.context[:8]
                    logged = self.material.keylog.lookup(step.keylog_label, key)
                at = origin[i] if i < len(origin) else None
                out.append(StepReport(step, logged, handshake, at))
        return out

    def check_at(self, i: int) -> int | None:
        """The index of the message after which check ``i`` was made."""
        return self.check_origin[i] if i < len(self.check_origin) else None

    def finished_checks(self) -> dict[str, bool | None]:
        out: dict[str, bool | None] = {"client": None, "server": None}
        for c in self.checks:
            for side in ("client", "server"):
                if c.name == f"{side} Finished" and out[side] is not False:
                    out[side] = c.ok
        return out

    def status(self) -> tuple[str, str]:
        """(status, reason): verified, partial, missing or mismatch."""
        fin = self.finished_checks()
        bad = [c for c in self.checks if c.ok is False and c.name.endswith("Finished")]
        both = bool(fin["client"] and fin["server"])
        if self.mismatches:
            return "mismatch", _sentence(self.mismatches[0])
        if self.first_failure is not None and not both:
            return "mismatch", _sentence(self._failure_reason())
        if bad:
            return "mismatch", _sentence(bad[0].detail)
        if both:
            if self.failed_records:
                why = f": {self.problems[0]}" if self.problems else ""
                return "partial", _sentence(
                    f"both Finished messages verify, but {self.failed_records} record(s) "
                    f"did not decrypt{why}"
                )
            return status.VERIFIED, status.BOTH_VERIFIED
        if self.unsupported:
            return "partial", _sentence(self.unsupported)
        if not self.schedules or not any(r.steps for _, r, _ in self.schedules):
            if not self.material.given:
                # before any problem: without key material, "the key log has
                # no entry" would blame a key log nobody gave
                return status.MISSING, status.NO_KEYS
            if self.problems:
                return status.MISSING, _sentence(self.problems[0])
            if self.flow is not None and getattr(self.flow, "impl", None) is not None:
                return status.MISSING, status.NO_KEY_EXCHANGE
            return status.MISSING, status.NO_SERVER_HELLO
        if self.problems and not self.decryptions:
            return "missing", _sentence(self.problems[0])
        done = [s for s, v in fin.items() if v]
        why = (
            self.problems[0]
            if self.problems
            else (status.only_finished(done[0]) if done else status.NOT_FINISHED)
        )
        return "partial", _sentence(why)

    def _failure_reason(self) -> str:
        assert self.first_failure is not None
        direction, epoch, error = self.first_failure
        source = self.source or "the key material"
        hint = {
            "the key log": "the key log's entries do not belong to this connection or are "
            "corrupted",
            "the given PSK": "it is not this connection's pre-shared key",
            "the given RSA key": "it is not this server's key",
        }.get(source, "the key material does not belong to this connection")
        return (
            f"the {direction}'s records do not decrypt with the {epoch} keys derived from "
            f"{source} ({error.split(':')[0]}): {hint}"
        )


_sentence = status.sentence
