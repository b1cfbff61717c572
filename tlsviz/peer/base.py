"""What the client and the server have in common: the sans-IO shell.

A peer is driven from outside, the way h11 and aioquic's ``tls.py`` are: the
driver hands it the bytes that arrived (:meth:`PeerBase.receive_data`), takes
the bytes it wants sent (:meth:`PeerBase.data_to_send`) and reads what
happened (:meth:`PeerBase.next_event`).  Feeding one byte at a time gives the
same result as feeding everything at once.

Handshake order is a transition table: ``_expect`` maps each message type
the peer will accept next to the method that handles it; anything else is
answered with an unexpected_message alert that says what was expected
(RFC 8446 §6.2).  Errors travel as :class:`~tlsviz.peer.parse.PeerAlert`
and end in one place, :meth:`PeerBase._fail`, which sends the alert.

Every secret the peer derives goes to ``keylog`` (NSS key log lines, the
format Wireshark reads) and every secret a key log cannot hold (its ephemeral
private keys, a PSK) to ``secrets`` (:mod:`tlsviz.keys.peer_secrets`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import ClassVar

from ..keys.peer_secrets import ephemeral_line, experiment_line, psk_line
from ..keys.steps import StepRecorder
from ..wire import registry as reg
from ..wire.registry import AlertDescription, AlertLevel, ContentType
from .config import PeerConfig
from .events import (
    AlertReceived,
    ApplicationData,
    ConnectionClosed,
    Event,
    HandshakeFailed,
)
from .keyshare import KeyPair
from .parse import PeerAlert
from .records import RecordLayer

__all__ = ["Handler", "PeerAlert", "PeerBase"]

Handler = Callable[[bytes], None]


def _a(word: str) -> str:
    """``word`` with its indefinite article: "a decrypt_error", "an unknown_ca"."""
    return ("an " if word[:1] in "aeiou" else "a ") + word


class PeerBase:
    """State and plumbing shared by :class:`~tlsviz.peer.client.Client` and
    :class:`~tlsviz.peer.server.Server`."""

    is_client: ClassVar[bool]

    def __init__(self, config: PeerConfig) -> None:
        self.config = config
        self.entropy = config.entropy
        self.records = RecordLayer()
        self._events: deque[Event] = deque()
        #: NSS key log lines of this connection (the SSLKEYLOGFILE format)
        self.keylog: list[str] = []
        #: the secrets a key log cannot hold (see tlsviz.keys.peer_secrets)
        self.secrets: list[str] = []
        #: the derivation steps of this side's key schedule(s), as the decoder records them
        self.schedule: StepRecorder | None = None
        self.transcript = bytearray()
        self.version: int | None = None
        self.suite: reg.SuiteInfo | None = None
        self.group: int | None = None
        self.alpn: str | None = None
        self.client_random = b""
        self.server_random = b""
        self.resumed = False
        self.peer_chain: tuple[bytes, ...] = ()
        #: "handshake", "connected", "closed" (close_notify seen or sent) or "failed"
        self.state = "handshake"
        self._expect: dict[int, Handler] = {}
        self._close_sent = False

    @property
    def side(self) -> str:
        return "client" if self.is_client else "server"

    @property
    def other(self) -> str:
        return "server" if self.is_client else "client"

    # -- the driver's interface ------------------------------------------------------
    def receive_data(self, data: bytes) -> None:
        """Bytes that arrived from the other side, in order, any amount."""
        if self.state in ("failed", "closed"):
            return
        self.records.feed(data)
        try:
            while self.state not in ("failed", "closed"):
                record = self.records.next_record()
                if record is None:
                    break
                self._record(*record)
        except PeerAlert as err:
            self._fail(err.alert, err.reason)

    def data_to_send(self) -> bytes:
        """The bytes to send now (possibly none)."""
        return self.records.pending()

    def next_event(self) -> Event | None:
        """The next thing that happened, or None when there is nothing new."""
        return self._events.popleft() if self._events else None

    def send(self, data: bytes) -> None:
        """Application data, once the handshake is complete."""
        if self.state != "connected":
            raise RuntimeError(f"cannot send application data while {self.state}")
        self.records.send(ContentType.application_data, data)

    def close(self) -> None:
        """Say goodbye: a close_notify alert (RFC 8446 §6.1)."""
        if self.state in ("failed",) or self._close_sent:
            return
        self._close_sent = True
        self._send_alert(AlertDescription.close_notify, AlertLevel.warning)
        if self.state == "connected":
            self.state = "closing"

    @property
    def failed(self) -> bool:
        return self.state == "failed"

    # -- records ------------------------------------------------------------------------
    def _record(self, ctype: int, data: bytes) -> None:
        if ctype == ContentType.handshake:
            if not data:
                raise PeerAlert(AlertDescription.unexpected_message, "an empty handshake record")
            for raw in self.records.handshake_fragment(data):
                self._message(raw)
        elif ctype == ContentType.alert:
            self._alert(data)
        elif ctype == ContentType.change_cipher_spec:
            self._change_cipher_spec(data)
        elif ctype == ContentType.application_data:
            self._application_data(data)
        else:
            raise PeerAlert(
                AlertDescription.unexpected_message,
                f"a record of content type {reg.content_type_name(ctype)}",
            )

    def _message(self, raw: bytes) -> None:
        handler = self._expect.get(raw[0])
        if handler is None:
            got = reg.handshake_name(raw[0])
            wanted = " or ".join(reg.handshake_name(t) for t in self._expect) or "nothing more"
            raise PeerAlert(
                AlertDescription.unexpected_message, f"expected {wanted}, but got a {got}"
            )
        handler(raw)

    def _application_data(self, data: bytes) -> None:
        if self.state not in ("connected", "closing"):
            raise PeerAlert(
                AlertDescription.unexpected_message, "application data before the handshake ended"
            )
        self._events.append(ApplicationData(data))

    def _change_cipher_spec(self, data: bytes) -> None:
        if self.version == 0x0303:
            self._ccs12(data)
            return
        # RFC 8446 §5: a TLS 1.3 peer drops a ChangeCipherSpec {0x01} during the handshake
        if data != b"\x01" or self.state != "handshake":
            raise PeerAlert(AlertDescription.unexpected_message, "an unexpected ChangeCipherSpec")

    def _ccs12(self, data: bytes) -> None:  # TLS 1.2's, in tls12.Tls12Mixin
        raise PeerAlert(AlertDescription.unexpected_message, "an unexpected ChangeCipherSpec")

    def _alert(self, data: bytes) -> None:
        if len(data) != 2:
            raise PeerAlert(AlertDescription.decode_error, "an alert record of the wrong length")
        level, desc = data[0], data[1]
        self._events.append(AlertReceived(level, desc))
        if desc == AlertDescription.close_notify:
            if not self._close_sent:
                self.close()  # RFC 8446 §6.1: answer close_notify with close_notify
            self.state = "closed"
            self._events.append(ConnectionClosed(True))
            return
        if desc == AlertDescription.user_canceled and level == AlertLevel.warning:
            return
        # a TLS 1.3 server refuses a client's certificate after the client's handshake
        # ended: still a failed handshake for whoever reads the events
        what = "handshake" if self.state == "handshake" else "connection"
        self._events.append(
            HandshakeFailed(
                f"the {self.other} ended the {what} with {_a(reg.alert_name(desc))} alert",
                None,
                by_peer=True,
            )
        )
        self.state = "failed"
        self._events.append(ConnectionClosed(False))

    def _send_alert(self, desc: int, level: int = AlertLevel.fatal) -> None:
        self.records.send(ContentType.alert, bytes([level, desc]))

    def _fail(self, alert: int, reason: str) -> None:
        """Abort: send a fatal ``alert`` and stop (RFC 8446 §6.2)."""
        if self.state == "failed":
            return
        self._send_alert(alert)
        self._events.append(HandshakeFailed(reason, alert))
        self._events.append(ConnectionClosed(False))
        self.state = "failed"

    # -- the handshake -------------------------------------------------------------------
    def _send_handshake(self, raw: bytes, *, transcript: bool = True) -> None:
        self.records.send(ContentType.handshake, raw)
        if transcript:
            self.transcript += raw

    def _expecting(self, *pairs: tuple[int, Handler]) -> None:
        self._expect = dict(pairs)

    # -- what goes on the record ---------------------------------------------------------
    def _log(self, label: str, secret: bytes) -> None:
        line = f"{label} {self.client_random.hex()} {secret.hex()}"
        if line not in self.keylog:
            self.keylog.append(line)

    def _log_key(self, pair: KeyPair) -> None:
        try:
            group = reg.NamedGroup(pair.group).name
        except ValueError:
            return
        from ..keys.premaster import ECDHE_GROUPS

        if group in ECDHE_GROUPS:  # groups the decoder can derive from
            self.secrets.append(
                ephemeral_line(self.client_random, self.side, group, pair.private_bytes())
            )

    def _log_psk(self, kind: str, identity: bytes, psk: bytes) -> None:
        self.secrets.append(psk_line(self.client_random, kind, identity, psk))

    def _log_experiment(self) -> None:
        if self.config.experiment is not None:
            self.secrets.append(
                experiment_line(self.client_random, self.side, self.config.experiment)
            )

    def _finished_data(self, verify_data: bytes) -> bytes:
        """The experiment "wrong-finished" flips the last bit of our verify_data."""
        if self.config.experiment == "wrong-finished":
            return verify_data[:-1] + bytes([verify_data[-1] ^ 0x01])
        return verify_data
