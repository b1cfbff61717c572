"""What the key flows need from the connection they derive keys for.

The flows (:mod:`.flow`, :mod:`.flow13`, :mod:`.flow12`) are driven by
:class:`~tlsviz.keys.engine.ConnectionKeys` and report back to it: they name
its interface here, as protocols, rather than importing the engine, so the
engine imports the flows and nothing imports the engine back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..wire.connection import Decrypted
    from ..wire.records import Record
    from .keyring import KeyMaterial
    from .protection import RecordDecryptor
    from .steps import StepRecorder
    from .verify import Check


class EpochSwitch(Protocol):
    """The decryptor of one direction, with the keys of its current epoch."""

    epochs: list[tuple[str, RecordDecryptor]]
    #: DTLS: the keys of each epoch by its number (see Protection.set_epoch)
    dtls: dict[int, tuple[str, Any]]

    def set(self, epoch: str, dec: RecordDecryptor) -> None: ...

    def set_epoch(self, number: int, name: str, opener: Any) -> None: ...

    def add_next(self, epoch: str, dec: RecordDecryptor) -> None: ...

    def drop_current(self) -> None: ...

    def __call__(self, rec: Record) -> Decrypted | None: ...


class KeyHost(Protocol):
    """The connection's key state, as the flows see it."""

    material: KeyMaterial
    connection: int
    signatures: bool
    source: str | None
    resumed_from: int | None
    unsupported: str | None

    @property
    def protection(self) -> Mapping[str, EpochSwitch]: ...

    def add_schedule(
        self, handshake: int, recorder: StepRecorder, client_random: bytes
    ) -> None: ...

    def keylog(self, label: str, client_random: bytes) -> bytes | None: ...

    def compare(self, recorder: StepRecorder, client_random: bytes, start: int = 0) -> None: ...

    def check(self, check: Check) -> None: ...

    def chain(self, direction: str, ders: list[bytes]) -> None: ...

    def problem(self, text: str) -> None: ...
