"""tlsviz's TLS server: reads the ClientHello and picks the version.

The server waits for a ClientHello and chooses, by its own preferences, what
the client offered: TLS 1.3 when ``supported_versions`` lists it, otherwise
TLS 1.2 (RFC 8446 §4.2.1, §D.1).  The TLS 1.3 flow (:mod:`.server13`) or the
TLS 1.2 flow (:mod:`.server12`) takes over from there.  For teaching, never for
protecting real data.

Usage (sans-IO)::

    server = Server(PeerConfig(identity=Identity(chain, key), server_state=state))
    server.receive_data(first_bytes)
    sock.sendall(server.data_to_send())
"""

from __future__ import annotations

from ..wire import registry as reg
from ..wire.hello import ClientHello
from ..wire.registry import AlertDescription
from ..wire.registry import HandshakeType as HT
from . import build
from .config import TLS12, TLS13, PeerConfig, ServerState
from .parse import PeerAlert, parse_message
from .server12 import Server12Mixin
from .server13 import Server13Mixin

__all__ = ["Server"]

_TLS11 = 0x0302


class Server(Server13Mixin, Server12Mixin):
    """A TLS 1.3 / 1.2 server (see the module)."""

    is_client = False

    def __init__(self, config: PeerConfig) -> None:
        super().__init__(config)
        self._init13()
        self.state_shared = config.server_state or ServerState.new(config.entropy)
        self._expecting((HT.client_hello, self._client_hello))

    def _client_hello(self, raw: bytes) -> None:
        ch = parse_message(raw, tls13=False)
        assert isinstance(ch, ClientHello)
        self.client_random = ch.random
        self._log_experiment()
        self._ch = ch
        offered = ch.supported_versions or [ch.legacy_version]
        if self.config.experiment == "old-version":
            self._answer_old_version(ch)
            return
        if TLS13 in offered and TLS13 in self.config.versions:
            self.version = TLS13
            self._client_hello13(ch, raw)
        elif TLS12 in self.config.versions and (
            TLS12 in offered or (not ch.supported_versions and ch.legacy_version >= TLS12)
        ):
            self.version = TLS12
            self._client_hello12(ch, raw)
        else:
            best = reg.version_name(max(offered)) if offered else "nothing"
            raise PeerAlert(
                AlertDescription.protocol_version,
                f"the client offers at best {best}, which this server does not accept",
            )

    def _answer_old_version(self, ch: ClientHello) -> None:
        """Experiment: answer with TLS 1.1 (RFC 8996 deprecated it; the client must refuse)."""
        suite = next((s for s in ch.cipher_suites if not reg.SUITES.get(s, _NONE).tls13), None)
        random = self.entropy.bytes(32, "server random")
        self.server_random = random
        hello = build.server_hello(random, b"", suite or 0x002F, [], legacy_version=_TLS11)
        self._send_handshake(hello)
        # nothing this side can do next: wait for the client's alert
        self._expecting()


class _NoSuite:
    tls13 = False


_NONE = _NoSuite()
