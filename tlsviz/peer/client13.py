"""The TLS 1.3 client after the ServerHello (RFC 8446 §2, §4.3-§4.6).

ServerHello -> [key change] -> EncryptedExtensions -> (CertificateRequest) ->
Certificate -> CertificateVerify -> Finished (a PSK handshake skips the
certificate messages), then the client's own (Certificate, CertificateVerify)
and Finished; afterwards NewSessionTicket and KeyUpdate may arrive at any time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..keys.schedule13 import KeySchedule13
from ..keys.steps import Step
from ..keys.verify import verify_certificate_verify13
from ..wire import registry as reg
from ..wire.extensions import KeyShareEntry
from ..wire.hello import ServerHello
from ..wire.messages import Certificate, CertificateRequest, CertificateVerify, NewSessionTicket
from ..wire.registry import AlertDescription, PskKeyExchangeMode
from ..wire.registry import ExtensionType as Ext
from ..wire.registry import HandshakeType as HT
from . import build
from .base import Handler
from .config import Session13
from .events import (
    CertificateProblem,
    EarlyDataRejected,
    HandshakeComplete,
    SessionReady,
)
from .experiments import EXPERIMENTS
from .parse import PeerAlert, parse_message
from .signing import choose_scheme, sign
from .tls13 import TLS13, Tls13Mixin
from .trust import check_chain

if TYPE_CHECKING:
    from .client import OfferedPsk
    from .keyshare import KeyPair

__all__ = ["Client13Mixin", "accept_certificate"]


def accept_certificate(peer: Tls13Mixin, chain: tuple[bytes, ...], name: str | None) -> None:
    """Check the other side's chain; refuse it (an alert) unless told to go on.

    A client goes on only when verification is turned off or an experiment
    asks it to accept a bad certificate; it reports the problem either way.
    """
    cfg = peer.config
    verdict = check_chain(chain, cfg.trust, name, peer.entropy.now())
    if verdict.ok:
        return
    exp = EXPERIMENTS.get(cfg.experiment or "")
    accept = not cfg.verify_peer or (exp is not None and exp.certificate is not None)
    assert verdict.alert is not None
    peer._events.append(CertificateProblem(verdict.problem, verdict.alert, accept))
    if not accept:
        raise PeerAlert(
            verdict.alert, f"the {peer.other}'s certificate is refused: {verdict.problem}"
        )


class Client13Mixin(Tls13Mixin):
    """The client's TLS 1.3 handlers."""

    _psks: list[OfferedPsk]
    _shares: dict[int, KeyPair]
    _session_id: bytes
    _early: bool
    _ccs_sent: bool
    _hrr_suite: int | None
    _cert_request: CertificateRequest | None = None
    _early_accepted = False
    _psk_used: OfferedPsk | None = None

    def _send_compat_ccs(self) -> None:  # in client.Client
        raise NotImplementedError

    def _server_hello13(self, sh: ServerHello, raw: bytes) -> None:
        suite = reg.SUITES[sh.cipher_suite]
        if not suite.tls13 or (self._hrr_suite is not None and suite.code != self._hrr_suite):
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                f"{suite.name} cannot be used here (TLS 1.3, the suite of the HelloRetryRequest)",
            )
        if sh.session_id != self._session_id:  # RFC 8446 §4.1.3: an echo of ours
            raise PeerAlert(AlertDescription.illegal_parameter, "the session id is not echoed")
        psk = self._selected_psk(sh, suite)
        entry = sh.key_share
        if psk is None and entry is None:
            raise PeerAlert(AlertDescription.missing_extension, "neither a PSK nor a key share")
        if entry is not None and not isinstance(entry, KeyShareEntry):
            raise PeerAlert(AlertDescription.illegal_parameter, "a malformed key share")
        if (
            psk is not None
            and entry is None
            and PskKeyExchangeMode.psk_ke not in self.config.psk_modes
        ):
            raise PeerAlert(AlertDescription.illegal_parameter, "psk_ke was not offered")
        self.suite = suite
        self.transcript += raw
        reuse = psk is not None and psk is self._psks[0] and self.ks is not None
        reuse = reuse and self.ks is not None and self.ks.hash_name == suite.prf_hash
        if not reuse:
            self.ks = KeySchedule13(suite.prf_hash)
            self.schedule = self.ks
            if psk is not None:
                self.ks.add_step(Step("psk", "Input", psk.psk, explain="The PSK being used."))
            self.ks.early(psk.psk if psk is not None else None, external=bool(psk and psk.external))
        shared = None
        if entry is not None:
            pair = self._shares.get(entry.group)
            if pair is None:
                raise PeerAlert(
                    AlertDescription.illegal_parameter,
                    f"the server's key share is for {reg.group_name(entry.group)}, "
                    "for which the client sent none",
                )
            shared = self._shared_secret(pair, entry.key_exchange)
        if psk is not None:
            self.resumed = True
            self._psk_used = psk
            self._log_psk("external" if psk.external else "resumption", psk.identity, psk.psk)
        self._handshake_secrets(shared)
        self._read_keys("handshake", self._hs["server"])
        if not self._early:
            self._write_keys("handshake", self._hs["client"])
        self._expecting((HT.encrypted_extensions, self._encrypted_extensions))

    def _selected_psk(self, sh: ServerHello, suite: reg.SuiteInfo) -> OfferedPsk | None:
        index = sh.psk_selected
        if index is None:
            return None
        if index >= len(self._psks):
            raise PeerAlert(
                AlertDescription.illegal_parameter, "the server chose a PSK not offered"
            )
        psk = self._psks[index]
        if psk.hash_name != suite.prf_hash:  # RFC 8446 §4.2.11: same hash as the suite
            raise PeerAlert(AlertDescription.illegal_parameter, "the suite does not fit the PSK")
        return psk

    def _encrypted_extensions(self, raw: bytes) -> None:
        ee = parse_message(raw, tls13=True)
        self.transcript += raw
        for e in ee.extensions:
            if e.type == Ext.application_layer_protocol_negotiation:
                chosen = e.value[0] if isinstance(e.value, list) and e.value else None
                if chosen not in self.config.alpn:
                    raise PeerAlert(
                        AlertDescription.illegal_parameter,
                        f"the server chose the ALPN protocol {chosen!r}, which was not offered",
                    )
                self.alpn = chosen
            elif e.type == Ext.early_data:
                if not self._early:
                    raise PeerAlert(
                        AlertDescription.unsupported_extension, "early_data was not offered"
                    )
                self._early_accepted = True
        if self._early and not self._early_accepted:
            self._events.append(EarlyDataRejected(self.config.early_data))
            self._write_keys("handshake", self._hs["client"])
        if self.resumed:
            self._expecting((HT.finished, self._server_finished))
        else:
            self._expecting(
                (HT.certificate_request, self._certificate_request),
                (HT.certificate, self._certificate),
            )

    def _certificate_request(self, raw: bytes) -> None:
        cr = parse_message(raw, tls13=True)
        assert isinstance(cr, CertificateRequest)
        self._cert_request = cr
        self.transcript += raw
        self._expecting((HT.certificate, self._certificate))

    def _certificate(self, raw: bytes) -> None:
        cert = parse_message(raw, tls13=True)
        assert isinstance(cert, Certificate)
        self.peer_chain = tuple(e.der for e in cert.entries)
        if not self.peer_chain:  # RFC 8446 §4.4.2.4
            raise PeerAlert(AlertDescription.decode_error, "the server sent no certificate")
        accept_certificate(self, self.peer_chain, self.config.server_name)
        self.transcript += raw
        self._expecting((HT.certificate_verify, self._certificate_verify))

    def _certificate_verify(self, raw: bytes) -> None:
        """RFC 8446 §4.4.3: the signature over the transcript proves the server holds the key."""
        cv = parse_message(raw, tls13=True)
        assert isinstance(cv, CertificateVerify) and cv.scheme is not None
        if cv.scheme not in self.config.signature_schemes:
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                f"the server signed with {reg.sigscheme_name(cv.scheme)}, which was not offered",
            )
        check = verify_certificate_verify13(
            self.peer_chain[0], cv.scheme, cv.signature, self._hash(), server=True
        )
        if not check.ok:
            raise PeerAlert(AlertDescription.decrypt_error, check.detail)
        self.transcript += raw
        self._expecting((HT.finished, self._server_finished))

    def _server_finished(self, raw: bytes) -> None:
        self._check_finished(raw)
        self._application_secrets()
        self._read_keys("application", self._app["server"])
        if self._early_accepted:
            # RFC 8446 §4.5: EndOfEarlyData, still under the early keys
            self._send_handshake(build.end_of_early_data())
            self._write_keys("handshake", self._hs["client"])
        if self.config.middlebox_compat and not self._ccs_sent:
            self._send_compat_ccs()
        if self._cert_request is not None:
            self._send_client_certificate(self._cert_request)
        self._send_finished()
        self._write_keys("application", self._app["client"])
        assert self.ks is not None
        self._resumption_secret = self.ks.resumption(self._hash())
        self._connected13()
        assert self.suite is not None
        self._events.append(
            HandshakeComplete(
                TLS13,
                self.suite.code,
                self.group,
                self.alpn,
                self.resumed,
                self._early_accepted,
                self._cert_request is not None and self.config.identity is not None,
            )
        )

    def _send_client_certificate(self, cr: CertificateRequest) -> None:
        """RFC 8446 §4.4.2: the client's chain (maybe empty) and, with one, its signature."""
        identity = self.config.identity
        context = cr.context or b""
        offered = next((e.value for e in cr.extensions if e.type == Ext.signature_algorithms), None)
        schemes = offered if isinstance(offered, list) else []
        scheme = choose_scheme(identity.key, schemes, tls13=True) if identity else None
        if identity is None or scheme is None:
            self._send_handshake(build.certificate13(context, []))
            return
        self._send_handshake(build.certificate13(context, identity.chain))
        content = b"\x20" * 64 + b"TLS 1.3, client CertificateVerify\x00" + self._hash()
        self._send_handshake(build.certificate_verify(scheme, sign(identity.key, scheme, content)))

    # -- after the handshake ----------------------------------------------------------------
    def _post_handshake(self) -> list[tuple[int, Handler]]:
        return [
            (HT.new_session_ticket, self._new_session_ticket),
            (HT.key_update, self._received_key_update),
        ]

    def _new_session_ticket(self, raw: bytes) -> None:
        """RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption secret, "resumption", nonce)."""
        nst = parse_message(raw, tls13=True)
        assert isinstance(nst, NewSessionTicket) and nst.nonce is not None
        assert self.ks is not None and self.suite is not None and nst.age_add is not None
        psk = self.ks.ticket_psk(self._resumption_secret, nst.nonce)
        early = next((e.value for e in nst.extensions if e.type == Ext.early_data), 0)
        session = Session13(
            nst.ticket,
            psk,
            self.suite.code,
            self.ks.hash_name,
            nst.age_add,
            self.entropy.now(),
            nst.lifetime,
            early if isinstance(early, int) else 0,
            self.alpn,
            self.config.server_name,
        )
        self._events.append(SessionReady(session))

    _resumption_secret = b""
