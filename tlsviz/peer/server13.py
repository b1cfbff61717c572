"""The TLS 1.3 server (RFC 8446 §2, §4): from ClientHello to NewSessionTicket.

The server decides everything in its first flight: suite, PSK (a ticket of
its own or an external key, its binder checked), key exchange group — or a
HelloRetryRequest when the client sent no usable key share — and whether to
take 0-RTT data.  Then ServerHello, EncryptedExtensions, (CertificateRequest),
Certificate, CertificateVerify and Finished leave in one go; the client's
(Certificate, CertificateVerify) and Finished come back; tickets follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..keys.digests import digest
from ..keys.schedule13 import KeySchedule13
from ..keys.steps import Step
from ..keys.verify import verify_certificate_verify13, verify_finished
from ..wire import registry as reg
from ..wire.hello import HRR_RANDOM, ClientHello
from ..wire.messages import Certificate, CertificateVerify
from ..wire.registry import AlertDescription, ContentType, NamedGroup, PskKeyExchangeMode
from ..wire.registry import ExtensionType as Ext
from ..wire.registry import HandshakeType as HT
from . import build
from .config import ServerState
from .events import ApplicationData, HandshakeComplete
from .keyshare import SUPPORTED_GROUPS, make_key_pair
from .parse import PeerAlert, parse_message
from .signing import choose_scheme, sign
from .tickets import TicketState, open_ticket, seal_ticket
from .tls13 import TLS13, Tls13Mixin
from .trust import check_chain

__all__ = ["Server13Mixin"]

#: How long a ticket may be used, in seconds (RFC 8446 §4.6.1 allows up to 7 days).
TICKET_LIFETIME = 7200
#: 0-RTT bytes skipped when it is refused (RFC 8446 §4.2.10: up to max_early_data_size).
_SKIP_REFUSED_EARLY = 1 << 16


@dataclass(frozen=True, slots=True)
class _Psk:
    index: int
    identity: bytes
    psk: bytes
    external: bool
    schedule: KeySchedule13
    ticket: TicketState | None


class Server13Mixin(Tls13Mixin):
    """The server's TLS 1.3 handlers."""

    _ch: ClientHello
    state_shared: ServerState
    _hrr_done = False
    _early_accepted13 = False
    _cert_requested = False
    _client_chain: tuple[bytes, ...] = ()

    def _client_hello13(self, ch: ClientHello, raw: bytes) -> None:
        cfg = self.config
        exp = cfg.experiment
        suite = next((s for s in cfg.suite_infos() if s.tls13 and s.code in ch.cipher_suites), None)
        if exp == "unsupported-suite":
            self._answer_unoffered(ch, raw, suite=True)
            return
        if suite is None:
            raise PeerAlert(AlertDescription.handshake_failure, "no TLS 1.3 suite in common")
        if self._hrr_done and suite.code != self._hrr_suite13:
            raise PeerAlert(AlertDescription.illegal_parameter, "the suite changed after the HRR")
        prefix = bytes(self.transcript)
        psk = self._choose_psk(ch, raw, prefix, suite)
        modes = ch.ext_value(Ext.psk_key_exchange_modes) or []
        shares = {s.group: s.key_exchange for s in ch.key_shares}
        offered_groups = ch.ext_value(Ext.supported_groups) or []
        group = next((g for g in cfg.groups if g in shares), None)
        dhe = psk is None or (
            PskKeyExchangeMode.psk_dhe_ke in modes
            and PskKeyExchangeMode.psk_dhe_ke in cfg.psk_modes
        )
        if exp == "unsupported-group":
            self._answer_unoffered(ch, raw, suite=False)
            return
        if dhe and group is None:
            wanted = next((g for g in cfg.groups if g in offered_groups), None)
            if wanted is not None and not self._hrr_done:
                self._hello_retry(ch, raw, suite, wanted)
                return
            if psk is None or PskKeyExchangeMode.psk_ke not in modes:
                raise PeerAlert(
                    AlertDescription.handshake_failure, "no key exchange group in common"
                )
            dhe = False
        self.suite = suite
        self.transcript += raw
        self.ks = psk.schedule if psk is not None else KeySchedule13(suite.prf_hash)
        self.schedule = self.ks
        if psk is None:
            self.ks.early(None)
        self._early_accepted13 = self._take_early_data(ch, psk, raw)
        self.server_random = self.entropy.bytes(32, "server random")
        exts = [build.ext_supported_versions_server(TLS13)]
        pair = None
        if dhe:
            assert group is not None
            pair = make_key_pair(group, self.entropy, f"server {reg.group_name(group)} key")
            self._log_key(pair)
            exts.append(build.ext_key_share_server(group, pair.public))
        if psk is not None:
            exts.append(build.ext_pre_shared_key_server(psk.index))
            self.resumed = True
            self._log_psk("external" if psk.external else "resumption", psk.identity, psk.psk)
        self._send_handshake(
            build.server_hello(self.server_random, ch.session_id, suite.code, exts)
        )
        shared = self._shared_secret(pair, shares[pair.group]) if pair is not None else None
        self._handshake_secrets(shared)
        if cfg.middlebox_compat and ch.session_id and not self._hrr_done:
            self.records.send_plain(ContentType.change_cipher_spec, b"\x01")
        self._write_keys("handshake", self._hs["server"])
        if not self._early_accepted13:
            self._read_keys("handshake", self._hs["client"])
            if ch.ext(Ext.early_data) is not None:
                self.records.skip_budget = _SKIP_REFUSED_EARLY
        self._send_first_flight(ch, psk is not None)

    def _hello_retry(self, ch: ClientHello, raw: bytes, suite: reg.SuiteInfo, group: int) -> None:
        """RFC 8446 §4.1.4: ask for a key share of ``group``; the transcript restarts."""
        self._hrr_done = True
        self._hrr_suite13 = suite.code
        inner = digest(suite.prf_hash, raw)
        self.transcript = bytearray(
            bytes([HT.message_hash]) + len(inner).to_bytes(3, "big") + inner
        )
        exts = [build.ext_supported_versions_server(TLS13), build.ext_key_share_hrr(group)]
        self._send_handshake(build.server_hello(HRR_RANDOM, ch.session_id, suite.code, exts))
        if self.config.middlebox_compat and ch.session_id:
            self.records.send_plain(ContentType.change_cipher_spec, b"\x01")
        self._hrr_group = group
        self._expecting((HT.client_hello, self._client_hello_again))

    def _client_hello_again(self, raw: bytes) -> None:
        ch = parse_message(raw, tls13=False)
        assert isinstance(ch, ClientHello)
        if ch.random != self.client_random or all(
            s.group != self._hrr_group for s in ch.key_shares
        ):
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                "the second ClientHello does not answer the HelloRetryRequest",
            )
        if ch.ext(Ext.early_data) is not None:  # RFC 8446 §4.2.10: no 0-RTT after a HRR
            raise PeerAlert(AlertDescription.illegal_parameter, "early_data after a HRR")
        self._ch = ch
        self._client_hello13(ch, raw)

    def _choose_psk(
        self, ch: ClientHello, raw: bytes, prefix: bytes, suite: reg.SuiteInfo
    ) -> _Psk | None:
        """The first offered PSK this server knows, its binder checked (RFC 8446 §4.2.11)."""
        offer, cfg = ch.psk, self.config
        modes = ch.ext_value(Ext.psk_key_exchange_modes) or []
        if offer is None or not modes:
            return None
        for index, (identity, obfuscated_age) in enumerate(offer.identities):
            ticket = open_ticket(self.state_shared, identity)
            if ticket is not None and ticket.version == TLS13:
                info = reg.SUITES.get(ticket.suite)
                # RFC 8446 §4.2.11.1: age = obfuscated_age - age_add; too old means expired
                age = ((obfuscated_age - ticket.age_add) % (1 << 32)) / 1000
                if info is None or info.prf_hash != suite.prf_hash or age > TICKET_LIFETIME:
                    continue
                psk, external = ticket.secret, False
            elif cfg.psk is not None and identity == cfg.psk.identity:
                if cfg.psk.hash_name != suite.prf_hash:
                    continue
                psk, external = cfg.psk.key, True
            else:
                continue
            ks = KeySchedule13(suite.prf_hash)
            ks.add_step(Step("psk", "Input", psk, explain="The PSK the client offered."))
            ks.early(psk, external=external)
            binder_key = ks.value("binder_key")
            assert binder_key is not None
            partial = prefix + raw[: offer.binders_offset]
            expected = ks.psk_binder(binder_key, digest(suite.prf_hash, partial))
            check = verify_finished("PSK binder", expected, offer.binders[index], "")
            if not check.ok:
                raise PeerAlert(AlertDescription.decrypt_error, f"the PSK binder: {check.detail}")
            return _Psk(index, identity, psk, external, ks, ticket)
        return None

    def _take_early_data(self, ch: ClientHello, psk: _Psk | None, raw: bytes) -> bool:
        """0-RTT is taken only with the first PSK, a ticket that allowed it, the same
        suite and ALPN, and no HelloRetryRequest (RFC 8446 §4.2.10)."""
        ticket = psk.ticket if psk is not None else None
        if (
            ch.ext(Ext.early_data) is None
            or psk is None
            or psk.index != 0
            or ticket is None
            or not ticket.max_early_data
            or not self.config.max_early_data
            or self.suite is None
            or ticket.suite != self.suite.code
            or self._hrr_done
            or (ch.alpn[0] if ch.alpn else None) != ticket.alpn
        ):
            return False
        assert self.ks is not None
        early = self.ks.early_traffic(digest(self.ks.hash_name, raw))
        cets = early.client_early_traffic_secret
        self._log("CLIENT_EARLY_TRAFFIC_SECRET", cets)
        self._log("EARLY_EXPORTER_SECRET", early.early_exporter_master_secret)
        self._read_keys("early", cets)
        return True

    def _send_first_flight(self, ch: ClientHello, with_psk: bool) -> None:
        cfg = self.config
        exts: list[bytes] = []
        if ch.alpn and cfg.alpn:
            chosen = next((p for p in cfg.alpn if p in ch.alpn), None)
            if chosen is None:  # RFC 7301 §3.2
                raise PeerAlert(
                    AlertDescription.no_application_protocol, "no ALPN protocol in common"
                )
            self.alpn = chosen
            exts.append(build.ext_alpn([chosen]))
        if self._early_accepted13:
            exts.append(build.ext_early_data())
        self._send_handshake(build.encrypted_extensions(exts))
        if not with_psk:
            identity = cfg.identity
            if identity is None:
                raise PeerAlert(AlertDescription.internal_error, "the server has no certificate")
            offered = ch.ext_value(Ext.signature_algorithms) or []
            scheme = choose_scheme(identity.key, offered, tls13=True)
            if scheme is None:
                raise PeerAlert(
                    AlertDescription.handshake_failure,
                    "no signature scheme in common for the server's key",
                )
            if cfg.request_client_certificate:
                self._cert_requested = True
                self._send_handshake(build.certificate_request13(b"", cfg.signature_schemes))
            self._send_handshake(build.certificate13(b"", identity.chain))
            content = b"\x20" * 64 + b"TLS 1.3, server CertificateVerify\x00" + self._hash()
            signature = sign(identity.key, scheme, content)
            self._send_handshake(build.certificate_verify(scheme, signature))
        self._send_finished()
        self._application_secrets()
        self._write_keys("application", self._app["server"])
        if self._early_accepted13:
            self._expecting((HT.end_of_early_data, self._end_of_early_data))
        else:
            self._expect_client_auth()

    def _expect_client_auth(self) -> None:
        if self._cert_requested:
            self._expecting((HT.certificate, self._client_certificate))
        else:
            self._expecting((HT.finished, self._client_finished))

    def _application_data(self, data: bytes) -> None:
        if self.state == "handshake" and self.records.read_epoch == "early":
            self._events.append(ApplicationData(data, early=True))
            return
        super()._application_data(data)

    def _end_of_early_data(self, raw: bytes) -> None:
        self.transcript += raw
        self._read_keys("handshake", self._hs["client"])
        self._expect_client_auth()

    def _client_certificate(self, raw: bytes) -> None:
        cert = parse_message(raw, tls13=True)
        assert isinstance(cert, Certificate)
        self._client_chain = tuple(e.der for e in cert.entries)
        self.transcript += raw
        if not self._client_chain:
            if self.config.require_client_certificate:  # RFC 8446 §4.4.2.4
                raise PeerAlert(
                    AlertDescription.certificate_required, "the client sent no certificate"
                )
            self._expecting((HT.finished, self._client_finished))
            return
        if self.config.verify_peer:
            verdict = check_chain(self._client_chain, self.config.trust, None, self.entropy.now())
            if verdict.alert is not None:
                raise PeerAlert(verdict.alert, f"the client's certificate: {verdict.problem}")
        self.peer_chain = self._client_chain
        self._expecting((HT.certificate_verify, self._client_certificate_verify))

    def _client_certificate_verify(self, raw: bytes) -> None:
        cv = parse_message(raw, tls13=True)
        assert isinstance(cv, CertificateVerify) and cv.scheme is not None
        check = verify_certificate_verify13(
            self._client_chain[0], cv.scheme, cv.signature, self._hash(), server=False
        )
        if not check.ok:
            raise PeerAlert(AlertDescription.decrypt_error, check.detail)
        self.transcript += raw
        self._expecting((HT.finished, self._client_finished))

    def _client_finished(self, raw: bytes) -> None:
        self._check_finished(raw)
        self._read_keys("application", self._app["client"])
        assert self.ks is not None and self.suite is not None
        resumption = self.ks.resumption(self._hash())
        self._send_tickets(resumption)
        self._connected13()
        self._events.append(
            HandshakeComplete(
                TLS13,
                self.suite.code,
                self.group,
                self.alpn,
                self.resumed,
                self._early_accepted13,
                bool(self._client_chain),
            )
        )

    def _send_tickets(self, resumption: bytes) -> None:
        """RFC 8446 §4.6.1: each ticket has its own nonce, so its own PSK."""
        assert self.ks is not None and self.suite is not None
        cfg, state = self.config, self.state_shared
        for _ in range(cfg.tickets):
            nonce = state.issued.to_bytes(2, "big")
            state.issued += 1
            age_add = int.from_bytes(self.entropy.bytes(4, "ticket age_add"), "big")
            psk = self.ks.ticket_psk(resumption, nonce)
            ticket = seal_ticket(
                state,
                TicketState(TLS13, self.suite.code, self.entropy.now(), age_add,
                            cfg.max_early_data, False, psk, self.alpn),
                self.entropy,
            )  # fmt: skip
            message = build.new_session_ticket13(
                TICKET_LIFETIME, age_add, nonce, ticket, cfg.max_early_data or None
            )
            self._send_handshake(message, transcript=False)

    def _answer_unoffered(self, ch: ClientHello, raw: bytes, *, suite: bool) -> None:
        """Experiments: a ServerHello with a suite or a group the client did not offer."""
        self.transcript += raw
        self.server_random = self.entropy.bytes(32, "server random")
        offered_suites = set(ch.cipher_suites)
        codes = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]
        chosen_suite = next((c for c in codes if c not in offered_suites), 0xC02B)
        if not suite:
            chosen_suite = next((c for c in ch.cipher_suites if c in codes), 0x1301)
        offered_groups = set(ch.ext_value(Ext.supported_groups) or [])
        # brainpool first: clients hardly ever offer it in TLS 1.3
        candidates = (NamedGroup.brainpoolP256r1tls13, *SUPPORTED_GROUPS)
        group = next((g for g in candidates if suite or g not in offered_groups), candidates[0])
        if suite:
            group = next((s.group for s in ch.key_shares if s.group in SUPPORTED_GROUPS), 29)
        pair = make_key_pair(group, self.entropy, f"server {reg.group_name(group)} key")
        exts = [
            build.ext_supported_versions_server(TLS13),
            build.ext_key_share_server(group, pair.public),
        ]
        hello = build.server_hello(self.server_random, ch.session_id, chosen_suite, exts)
        self._send_handshake(hello)
        self._expecting()

    _hrr_suite13 = 0
    _hrr_group = 0
