"""The TLS 1.2 client after the ServerHello (RFC 5246 §7.3).

Full handshake: Certificate -> ServerKeyExchange -> (CertificateRequest) ->
ServerHelloDone; the client answers (Certificate), ClientKeyExchange,
(CertificateVerify), ChangeCipherSpec, Finished; the server ends with
(NewSessionTicket), ChangeCipherSpec, Finished.  A PSK suite (RFC 4279) has
no certificates and maybe a ServerKeyExchange with an identity hint.

Abbreviated handshake (resuming a session by its id, or by a ticket, RFC 5077):
ServerHello -> (NewSessionTicket) -> ChangeCipherSpec -> Finished, then the
client's ChangeCipherSpec and Finished.
"""

from __future__ import annotations

from ..keys.verify import verify_server_key_exchange
from ..wire import registry as reg
from ..wire.hello import ServerHello
from ..wire.keyexchange import ServerKeyExchange
from ..wire.messages import Certificate, CertificateRequest, NewSessionTicket
from ..wire.registry import AlertDescription
from ..wire.registry import ExtensionType as Ext
from ..wire.registry import HandshakeType as HT
from . import build
from .client13 import accept_certificate
from .config import Session12
from .events import HandshakeComplete, SessionReady
from .keyshare import make_key_pair
from .parse import PeerAlert, parse_message
from .signing import choose_scheme, sign
from .tls12 import TLS12, Tls12Mixin
from .tls13 import Tls13Mixin

__all__ = ["Client12Mixin"]


class Client12Mixin(Tls12Mixin, Tls13Mixin):
    """The client's TLS 1.2 handlers."""

    _session_id: bytes
    _ske: ServerKeyExchange | None = None
    _cr12: CertificateRequest | None = None
    _ticket12: bytes | None = None
    _sh_session_id = b""
    _ticket_promised = False

    def _server_hello12(self, sh: ServerHello, raw: bytes) -> None:
        self.suite = reg.SUITES[sh.cipher_suite]
        if self.suite.tls13:
            raise PeerAlert(AlertDescription.illegal_parameter, "a TLS 1.3 suite with TLS 1.2")
        self.transcript += raw
        self._sh_session_id = sh.session_id
        self.ems = sh.ext(Ext.extended_master_secret) is not None
        if self.ems and not self.config.ems:
            raise PeerAlert(
                AlertDescription.unsupported_extension, "extended_master_secret was not offered"
            )
        alpn = sh.alpn
        if alpn is not None and alpn not in self.config.alpn:
            raise PeerAlert(AlertDescription.illegal_parameter, f"ALPN {alpn!r} was not offered")
        self.alpn = alpn
        self._ticket_promised = sh.ext(Ext.session_ticket) is not None
        session = self.config.session
        if isinstance(session, Session12) and sh.session_id and sh.session_id == self._session_id:
            self._resume12(session)
            return
        if self.suite.kx == "PSK":
            self._expecting(
                (HT.server_key_exchange, self._server_key_exchange),
                (HT.server_hello_done, self._server_hello_done),
            )
        else:
            self._expecting((HT.certificate, self._certificate12))

    def _resume12(self, session: Session12) -> None:
        """RFC 5246 §7.3: the server kept the session; the old master secret carries on."""
        assert self.suite is not None
        if session.suite != self.suite.code or session.ems != self.ems:
            # RFC 7627 §5.3: a session resumed must keep its extended_master_secret status
            raise PeerAlert(
                AlertDescription.handshake_failure, "the resumed session does not match the old"
            )
        self.resumed = True
        self.master = session.master
        self._schedule12()._input("master_secret", session.master)
        self._log("CLIENT_RANDOM", session.master)
        self._key_block()
        self._ccs_expected = True
        self._expecting(
            (HT.new_session_ticket, self._new_session_ticket12),
            (HT.finished, self._server_finished12),
        )

    def _certificate12(self, raw: bytes) -> None:
        cert = parse_message(raw, tls13=False, version=TLS12)
        assert isinstance(cert, Certificate)
        self.peer_chain = tuple(e.der for e in cert.entries)
        if not self.peer_chain:
            raise PeerAlert(AlertDescription.decode_error, "the server sent no certificate")
        accept_certificate(self, self.peer_chain, self.config.server_name)
        self.transcript += raw
        self._expecting((HT.server_key_exchange, self._server_key_exchange))

    def _server_key_exchange(self, raw: bytes) -> None:
        """RFC 8422 §5.4: the server's ECDH share, signed with its certificate's key."""
        assert self.suite is not None
        ske = parse_message(raw, tls13=False, version=TLS12, suite=self.suite)
        assert isinstance(ske, ServerKeyExchange)
        if self.suite.kx == "ECDHE":
            if ske.group not in self.config.groups or ske.public is None:
                raise PeerAlert(
                    AlertDescription.illegal_parameter,
                    f"the server chose {reg.group_name(ske.group or 0)}, which was not offered",
                )
            if ske.sig_scheme not in self.config.signature_schemes or ske.signature is None:
                raise PeerAlert(AlertDescription.illegal_parameter, "an unoffered signature scheme")
            check = verify_server_key_exchange(
                self.peer_chain[0],
                ske.sig_scheme,
                ske.signature,
                self.client_random,
                self.server_random,
                ske.params,
                version=TLS12,
            )
            if not check.ok:
                raise PeerAlert(AlertDescription.decrypt_error, check.detail)
        self._ske = ske
        self.transcript += raw
        self._expecting(
            (HT.certificate_request, self._certificate_request12),
            (HT.server_hello_done, self._server_hello_done),
        )

    def _certificate_request12(self, raw: bytes) -> None:
        cr = parse_message(raw, tls13=False, version=TLS12)
        assert isinstance(cr, CertificateRequest)
        self._cr12 = cr
        self.transcript += raw
        self._expecting((HT.server_hello_done, self._server_hello_done))

    def _server_hello_done(self, raw: bytes) -> None:
        """The server has said everything: the client's whole flight goes out."""
        assert self.suite is not None
        if self.suite.kx == "ECDHE" and self._ske is None:
            raise PeerAlert(AlertDescription.unexpected_message, "no ServerKeyExchange came")
        self.transcript += raw
        identity = self.config.identity
        scheme = None
        if self._cr12 is not None:
            offered = self._cr12.signature_algorithms
            if identity is not None:
                scheme = choose_scheme(identity.key, offered, tls13=False)
            self._send_handshake(
                build.certificate12(identity.chain if identity and scheme is not None else [])
            )
        if self.suite.kx == "ECDHE":
            assert self._ske is not None and self._ske.group is not None
            pair = make_key_pair(
                self._ske.group, self.entropy, f"client {reg.group_name(self._ske.group)} key"
            )
            self._log_key(pair)
            assert self._ske.public is not None
            pre_master = self._premaster_ecdhe(pair, self._ske.public)
            self._send_handshake(build.client_key_exchange_ecdhe(pair.public))
        else:
            psk = self.config.psk
            if psk is None:
                raise PeerAlert(AlertDescription.internal_error, "a PSK suite but no PSK")
            self._send_handshake(build.client_key_exchange_psk(psk.identity))
            self._log_psk("external", psk.identity, psk.key)
            pre_master = self._schedule12().psk(psk.key)
        self._master_secret(pre_master)
        if scheme is not None and identity is not None:
            # RFC 5246 §7.4.8: sign every handshake message so far
            signature = sign(identity.key, scheme, bytes(self.transcript))
            self._send_handshake(build.certificate_verify(scheme, signature))
        self._key_block()
        self._send_ccs()
        self._send_finished12()
        self._ccs_expected = True
        self._expecting(
            (HT.new_session_ticket, self._new_session_ticket12),
            (HT.finished, self._server_finished12),
        )

    def _new_session_ticket12(self, raw: bytes) -> None:
        """RFC 5077 §3.3: a ticket, sent just before the server's ChangeCipherSpec."""
        nst = parse_message(raw, tls13=False)
        assert isinstance(nst, NewSessionTicket)
        self._ticket12 = nst.ticket or None
        self.transcript += raw
        self._expecting((HT.finished, self._server_finished12))

    def _server_finished12(self, raw: bytes) -> None:
        if self.records.reader is None:
            raise PeerAlert(AlertDescription.unexpected_message, "Finished before ChangeCipherSpec")
        self._check_finished12(raw)
        if self.resumed:
            self._send_ccs()
            self._send_finished12()
        assert self.suite is not None and self.master is not None
        self.state = "connected"
        self._expecting()
        if self._sh_session_id or self._ticket12:
            session = Session12(
                self._sh_session_id, self.master, self.suite.code, self.ems, self._ticket12
            )
            self._events.append(SessionReady(session))
        client_cert = self._cr12 is not None and self.config.identity is not None
        self._events.append(
            HandshakeComplete(TLS12, self.suite.code, self.group, self.alpn, self.resumed,
                              client_certificate=client_cert)
        )  # fmt: skip
