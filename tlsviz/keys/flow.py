"""Which key schedule a connection follows, decided by its ServerHello.

Every connection starts with a ClientHello; the ServerHello says whether the
TLS 1.3 schedule (:mod:`.flow13`) or the older one (:mod:`.flow12`) applies.
0-RTT data is the exception: it is protected before any ServerHello, so a
ClientHello that offers early data starts the TLS 1.3 flow at once.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from ..wire.connection import is_tls13
from ..wire.hello import ClientHello, ServerHello
from ..wire.message import Message
from ..wire.registry import ExtensionType as EXT
from ..wire.registry import HandshakeType as HT
from .flow12 import Tls12Flow
from .flow13 import Tls13Flow

if TYPE_CHECKING:
    from .host import KeyHost


class Flow:
    """Routes each message to the flow of the negotiated version."""

    def __init__(self, keys: KeyHost) -> None:
        # a proxy: the keys hold this flow (no cycle for the garbage collector)
        self.keys = weakref.proxy(keys)
        self.pending: list[Message] = []  # messages before the version is known
        self.impl: Tls12Flow | Tls13Flow | None = None

    def message(self, msg: Message) -> None:
        if msg.dtls is not None and msg.dtls.retransmission:
            return  # a DTLS repeat of a message already counted (RFC 6347 §4.2.4)
        if msg.type == "ChangeCipherSpec":
            if isinstance(self.impl, Tls12Flow):
                rec = msg.records[0] if msg.records else None
                # DTLS: the keys are those of the epoch after the CCS record's own
                epoch = rec.epoch + 1 if rec is not None and rec.epoch is not None else None
                self.impl.change_cipher_spec(msg.direction, epoch)
            return
        body = msg.body
        if self.impl is None:
            if (
                isinstance(body, ClientHello)
                and body.offers_tls13
                and body.ext(EXT.early_data) is not None
            ):
                self._start13()
            elif isinstance(body, ServerHello) and msg.handshake_type == HT.server_hello:
                if is_tls13(body.version):
                    self._start13()
                else:
                    self.impl = Tls12Flow(self.keys)
            if self.impl is None:
                if msg.handshake_type is not None:
                    self.pending.append(msg)
                return
            for early in self.pending:
                self.impl.message(early)
            self.pending.clear()
        self.impl.message(msg)

    def _start13(self) -> None:
        self.impl = Tls13Flow(self.keys)
