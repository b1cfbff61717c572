"""The TLS 1.2 server (RFC 5246 §7.3, RFC 8422, RFC 4279, RFC 5077, RFC 7627).

A full handshake sends ServerHello, Certificate, ServerKeyExchange (an ECDHE
share signed with the certificate's key, or a PSK identity hint),
(CertificateRequest) and ServerHelloDone, then reads the client's flight.
A client that brings back a ticket of ours, or a session id we remember, gets
the abbreviated handshake: the old master secret, new keys from new randoms.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ..keys.verify import verify_certificate_verify12
from ..wire import registry as reg
from ..wire.hello import ClientHello
from ..wire.keyexchange import ClientKeyExchange
from ..wire.messages import Certificate, CertificateVerify
from ..wire.registry import AlertDescription, ClientCertificateType
from ..wire.registry import ExtensionType as Ext
from ..wire.registry import HandshakeType as HT
from . import build
from .config import ServerState, Session12
from .events import HandshakeComplete
from .keyshare import KeyPair, make_key_pair
from .parse import PeerAlert, parse_message
from .signing import choose_scheme, sign
from .tickets import TicketState, open_ticket, seal_ticket
from .tls12 import TLS12, Tls12Mixin
from .tls13 import Tls13Mixin
from .trust import check_chain

__all__ = ["Server12Mixin"]

_RENEGOTIATION_SCSV = 0x00FF


class Server12Mixin(Tls12Mixin, Tls13Mixin):
    """The server's TLS 1.2 handlers."""

    _ch: ClientHello
    state_shared: ServerState
    _pair12: KeyPair | None = None
    _issue_ticket12 = False
    _cr12_sent = False
    _client_chain12: tuple[bytes, ...] = ()

    def _suite12(self, ch: ClientHello) -> reg.SuiteInfo | None:
        """The first of our suites the client offered that our key (or PSK) can serve."""
        key = self.config.identity.key if self.config.identity else None
        ecdsa = isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey)
        for info in self.config.suite_infos():
            if info.tls13 or info.code not in ch.cipher_suites:
                continue
            usable = {
                "PSK": self.config.psk is not None,
                "RSA": isinstance(key, rsa.RSAPrivateKey),
                "ECDSA": ecdsa,
            }.get(info.auth, False)
            if usable:
                return info
        return None

    def _client_hello12(self, ch: ClientHello, raw: bytes) -> None:
        cfg = self.config
        suite = self._suite12(ch)
        if suite is None:
            raise PeerAlert(AlertDescription.handshake_failure, "no TLS 1.2 suite in common")
        self.suite = suite
        self.transcript += raw
        self.ems = cfg.ems and ch.ext(Ext.extended_master_secret) is not None
        self.server_random = self.entropy.bytes(32, "server random")
        if ch.alpn and cfg.alpn:
            self.alpn = next((p for p in cfg.alpn if p in ch.alpn), None)
            if self.alpn is None:
                raise PeerAlert(
                    AlertDescription.no_application_protocol, "no ALPN protocol in common"
                )
        wants_ticket = ch.ext(Ext.session_ticket) is not None
        self._issue_ticket12 = wants_ticket and cfg.tickets > 0
        session = self._session_to_resume(ch, suite)
        session_id = ch.session_id if session is not None else self.entropy.bytes(32, "session id")
        exts: list[bytes] = []
        if ch.ext(Ext.renegotiation_info) is not None or _RENEGOTIATION_SCSV in ch.cipher_suites:
            exts.append(build.ext(Ext.renegotiation_info, b"\x00"))  # RFC 5746 §3.6
        if suite.kx == "ECDHE" and ch.ext(Ext.ec_point_formats) is not None:
            exts.append(build.ext_ec_point_formats())
        if self.ems:
            exts.append(build.ext(Ext.extended_master_secret))
        if self._issue_ticket12:
            exts.append(build.ext(Ext.session_ticket))
        if self.alpn is not None:
            exts.append(build.ext_alpn([self.alpn]))
        self._session_id12 = session_id
        self._send_handshake(build.server_hello(self.server_random, session_id, suite.code, exts))
        if session is not None:
            self._resume_session12(session)
            return
        if suite.kx == "PSK":
            assert cfg.psk is not None
            if cfg.psk.hint:
                self._send_handshake(build.server_key_exchange_psk(cfg.psk.hint))
        else:
            self._send_certificate_and_key(ch)
        if cfg.request_client_certificate and suite.kx != "PSK":
            types = [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign]
            self._send_handshake(build.certificate_request12(types, cfg.signature_schemes))
            self._cr12_sent = True
            self._expecting((HT.certificate, self._client_certificate12))
        else:
            self._expecting((HT.client_key_exchange, self._client_key_exchange))
        self._send_handshake(build.server_hello_done())

    def _session_to_resume(self, ch: ClientHello, suite: reg.SuiteInfo) -> Session12 | None:
        """A ticket of ours (RFC 5077 §3.1) or a remembered session id (RFC 5246 §7.4.1.2)."""
        ticket = ch.ext_value(Ext.session_ticket)
        found: Session12 | None = None
        if isinstance(ticket, bytes) and ticket:
            state = open_ticket(self.state_shared, ticket)
            if state is not None and state.version == TLS12:
                found = Session12(ch.session_id, state.secret, state.suite, state.ems, ticket)
        elif ch.session_id:
            found = self.state_shared.sessions12.get(ch.session_id)
        # RFC 7627 §5.3: never resume across a change of extended_master_secret
        if found is None or found.suite != suite.code or found.ems != self.ems:
            return None
        if not ch.session_id:  # a ticket without a session id: nothing to echo
            return None
        return found

    def _send_certificate_and_key(self, ch: ClientHello) -> None:
        cfg = self.config
        identity = cfg.identity
        if identity is None:
            raise PeerAlert(AlertDescription.internal_error, "the server has no certificate")
        self._send_handshake(build.certificate12(identity.chain))
        groups = ch.ext_value(Ext.supported_groups) or list(cfg.groups)
        group = next((g for g in cfg.groups if g in groups), None)
        if group is None:
            raise PeerAlert(AlertDescription.handshake_failure, "no curve in common")
        offered = ch.ext_value(Ext.signature_algorithms) or []
        scheme = choose_scheme(identity.key, offered, tls13=False, prefer_pkcs1=self.entropy.seeded)
        if scheme is None:
            raise PeerAlert(AlertDescription.handshake_failure, "no signature scheme in common")
        self._pair12 = make_key_pair(group, self.entropy, f"server {reg.group_name(group)} key")
        self._log_key(self._pair12)
        params = build.ecdh_params(group, self._pair12.public)
        # RFC 8422 §5.4: the signature covers both randoms and the params
        signature = sign(identity.key, scheme, self.client_random + self.server_random + params)
        self._send_handshake(build.server_key_exchange_ecdhe(params, scheme, signature))

    def _resume_session12(self, session: Session12) -> None:
        assert self.suite is not None
        self.resumed = True
        self.master = session.master
        self._schedule12()._input("master_secret", session.master)
        self._log("CLIENT_RANDOM", session.master)
        self._key_block()
        self._send_ticket12()
        self._send_ccs()
        self._send_finished12()
        self._ccs_expected = True
        self._expecting((HT.finished, self._client_finished12))

    def _client_certificate12(self, raw: bytes) -> None:
        cert = parse_message(raw, tls13=False, version=TLS12)
        assert isinstance(cert, Certificate)
        self._client_chain12 = tuple(e.der for e in cert.entries)
        self.transcript += raw
        if not self._client_chain12 and self.config.require_client_certificate:
            # RFC 5246 §7.4.6: a server may abort with handshake_failure
            raise PeerAlert(AlertDescription.handshake_failure, "the client sent no certificate")
        if self._client_chain12 and self.config.verify_peer:
            verdict = check_chain(self._client_chain12, self.config.trust, None, self.entropy.now())
            if verdict.alert is not None:
                raise PeerAlert(verdict.alert, f"the client's certificate: {verdict.problem}")
        self.peer_chain = self._client_chain12
        self._expecting((HT.client_key_exchange, self._client_key_exchange))

    def _client_key_exchange(self, raw: bytes) -> None:
        assert self.suite is not None
        cke = parse_message(raw, tls13=False, version=TLS12, suite=self.suite)
        assert isinstance(cke, ClientKeyExchange)
        self.transcript += raw
        if self.suite.kx == "PSK":
            psk = self.config.psk
            if psk is None or cke.psk_identity != psk.identity:  # RFC 4279 §2
                raise PeerAlert(
                    AlertDescription.unknown_psk_identity, "the client's PSK identity is unknown"
                )
            self._log_psk("external", psk.identity, psk.key)
            pre_master = self._schedule12().psk(psk.key)
        else:
            assert self._pair12 is not None and cke.public is not None
            pre_master = self._premaster_ecdhe(self._pair12, cke.public)
        self._master_secret(pre_master)
        self._key_block()
        self._ccs_expected = True
        if self._client_chain12:
            self._expecting((HT.certificate_verify, self._client_certificate_verify12))
        else:
            self._expecting((HT.finished, self._client_finished12))

    def _client_certificate_verify12(self, raw: bytes) -> None:
        cv = parse_message(raw, tls13=False, version=TLS12)
        assert isinstance(cv, CertificateVerify)
        check = verify_certificate_verify12(
            self._client_chain12[0], cv.scheme, cv.signature, bytes(self.transcript), version=TLS12
        )
        if not check.ok:
            raise PeerAlert(AlertDescription.decrypt_error, check.detail)
        self.transcript += raw
        self._expecting((HT.finished, self._client_finished12))

    def _client_finished12(self, raw: bytes) -> None:
        if self.records.reader is None:
            raise PeerAlert(AlertDescription.unexpected_message, "Finished before ChangeCipherSpec")
        self._check_finished12(raw)
        if not self.resumed:
            self._send_ticket12()
            self._send_ccs()
            self._send_finished12()
        assert self.suite is not None and self.master is not None
        if self._session_id12:
            self.state_shared.sessions12[self._session_id12] = Session12(
                self._session_id12, self.master, self.suite.code, self.ems
            )
        self.state = "connected"
        self._expecting()
        self._events.append(
            HandshakeComplete(TLS12, self.suite.code, self.group, self.alpn, self.resumed,
                              client_certificate=bool(self._client_chain12))
        )  # fmt: skip

    def _send_ticket12(self) -> None:
        """RFC 5077 §3.3: the sealed session, before the server's ChangeCipherSpec."""
        if not self._issue_ticket12:
            return
        assert self.suite is not None and self.master is not None
        state = TicketState(
            TLS12, self.suite.code, self.entropy.now(), 0, 0, self.ems, self.master, self.alpn
        )
        ticket = seal_ticket(self.state_shared, state, self.entropy)
        self._send_handshake(build.new_session_ticket12(7200, ticket))

    _session_id12 = b""
