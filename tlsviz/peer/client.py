"""tlsviz's TLS client: the ClientHello, and which version the server picked.

The client speaks first (RFC 8446 §2): one ClientHello offers everything the
configuration allows — versions, suites, groups with key shares, signature
schemes, a PSK to resume with — and the ServerHello says what was taken.
From there the TLS 1.3 flow (:mod:`.client13`) or the TLS 1.2 flow
(:mod:`.client12`) carries on.  For teaching, never for protecting real data.

Usage (sans-IO)::

    client = Client(PeerConfig(server_name="localhost", trust=(ca_der,)))
    client.start()
    sock.sendall(client.data_to_send())
    while (event := client.next_event()) is None or ...:
        client.receive_data(sock.recv(4096)); sock.sendall(client.data_to_send())
"""

from __future__ import annotations

from dataclasses import dataclass

from ..keys.digests import digest
from ..keys.schedule13 import KeySchedule13
from ..keys.steps import Step
from ..wire import registry as reg
from ..wire.hello import DOWNGRADE_TLS11, DOWNGRADE_TLS12, ServerHello
from ..wire.registry import AlertDescription, ContentType, NamedGroup
from ..wire.registry import CipherSuite as CS
from ..wire.registry import ExtensionType as Ext
from ..wire.registry import HandshakeType as HT
from . import build
from .client12 import Client12Mixin
from .client13 import Client13Mixin
from .config import TLS12, TLS13, PeerConfig, Session12, Session13
from .keyshare import KeyPair, make_key_pair
from .parse import PeerAlert, parse_message

__all__ = ["Client"]

#: The "old-version" experiment offers TLS 1.1 with suites TLS 1.1 had.
_TLS11 = 0x0302
_TLS11_SUITES = (
    CS.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    CS.TLS_RSA_WITH_AES_128_CBC_SHA,
)
#: The "unsupported" experiments' defaults: rarely enabled suites and groups.
UNSUPPORTED_SUITE13 = CS.TLS_AES_128_CCM_8_SHA256
UNSUPPORTED_SUITE12 = CS.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
UNSUPPORTED_GROUP13 = NamedGroup.brainpoolP256r1tls13
UNSUPPORTED_GROUP12 = NamedGroup.brainpoolP256r1


@dataclass(frozen=True, slots=True)
class OfferedPsk:
    """A PSK the ClientHello offers (RFC 8446 §4.2.11)."""

    identity: bytes
    psk: bytes
    external: bool
    hash_name: str
    obfuscated_age: int
    session: Session13 | None = None


class Client(Client13Mixin, Client12Mixin):
    """A TLS 1.3 / 1.2 client.  Call :meth:`start`, then drive it (see the module)."""

    is_client = True

    def __init__(self, config: PeerConfig) -> None:
        super().__init__(config)
        self._init13()
        self._shares: dict[int, KeyPair] = {}
        self._psks: list[OfferedPsk] = []
        self._ch_prefix = b""  # the transcript before the last ClientHello (after a HRR)
        self._ch_raw = b""
        self._hrr = False
        self._hrr_suite: int | None = None
        self._cookie: bytes | None = None
        self._ccs_sent = False
        self._early = False  # 0-RTT data was sent
        self._session_id = b""
        self._offered_suites: tuple[int, ...] = ()
        self._offered_versions: tuple[int, ...] = ()
        self._offered_groups: tuple[int, ...] = ()

    # -- the first flight ------------------------------------------------------------------
    def start(self) -> None:
        """Queue the ClientHello (and 0-RTT data, when resuming with some)."""
        cfg, exp = self.config, self.config.experiment
        self.client_random = self.entropy.bytes(32, "client random")
        self._log_experiment()
        versions = tuple(v for v in cfg.versions if v in (TLS13, TLS12))
        suites = tuple(
            info.code
            for info in cfg.suite_infos()
            if (info.tls13 and TLS13 in versions) or (not info.tls13 and TLS12 in versions)
        )
        groups = cfg.groups
        if exp == "unsupported-suite":
            suites = tuple(
                s for s in (UNSUPPORTED_SUITE13, UNSUPPORTED_SUITE12)
                if (s == UNSUPPORTED_SUITE13) == (TLS13 in versions) or TLS12 in versions
            )  # fmt: skip
        if exp == "unsupported-group":
            groups = (UNSUPPORTED_GROUP13,) if TLS13 in versions else (UNSUPPORTED_GROUP12,)
        if exp == "old-version":
            versions, suites = (_TLS11,), _TLS11_SUITES
        if not suites:
            raise ValueError("no cipher suite the client can offer for these versions")
        self._offered_versions, self._offered_suites, self._offered_groups = (
            versions,
            suites,
            groups,
        )
        session = cfg.session
        if isinstance(session, Session12) and TLS12 in versions:
            # RFC 5077 §3.4: with a ticket, a fresh id the server echoes if it accepts
            fresh = session.ticket is not None
            self._session_id = (
                self.entropy.bytes(32, "client session id") if fresh else session.session_id
            )
        elif TLS13 in versions and cfg.middlebox_compat:
            self._session_id = self.entropy.bytes(32, "client session id")
        if TLS13 in versions:
            share_groups = cfg.key_share_groups or groups[:1]
            for group in share_groups:
                pair = make_key_pair(group, self.entropy, f"client {reg.group_name(group)} key")
                self._shares[group] = pair
                self._log_key(pair)
            self._psks = self._psk_offers()
        # RFC 8446 §5.1: the first ClientHello's record says TLS 1.0, for old middleboxes
        self.records.record_version = 0x0301
        self._send_client_hello()
        self.records.record_version = 0x0303
        if self._psks and cfg.early_data and self._early_allowed():
            self._send_early_data()
        self._expecting((HT.server_hello, self._server_hello))

    def _psk_offers(self) -> list[OfferedPsk]:
        cfg = self.config
        out: list[OfferedPsk] = []
        s = cfg.session
        if isinstance(s, Session13) and s.suite in self._offered_suites:
            # RFC 8446 §4.2.11.1: the age in ms plus age_add, modulo 2^32
            age = (round((self.entropy.now() - s.received) * 1000) + s.age_add) % (1 << 32)
            out.append(OfferedPsk(s.ticket, s.psk, False, s.hash_name, age, s))
        if cfg.psk is not None:
            out.append(OfferedPsk(cfg.psk.identity, cfg.psk.key, True, cfg.psk.hash_name, 0))
        return out

    def _early_allowed(self) -> bool:
        first = self._psks[0]
        return first.session is not None and first.session.max_early_data > 0

    def _extensions(self) -> list[bytes]:
        cfg = self.config
        versions = self._offered_versions
        exts: list[bytes] = []
        if cfg.server_name:
            exts.append(build.ext_server_name(cfg.server_name))
        if TLS12 in versions or _TLS11 in versions:
            exts.append(build.ext_ec_point_formats())
        exts.append(build.ext_supported_groups(self._offered_groups))
        if TLS12 in versions:
            s = cfg.session
            ticket = s.ticket if isinstance(s, Session12) and s.ticket else b""
            exts.append(build.ext(Ext.session_ticket, ticket))
        if cfg.alpn:
            exts.append(build.ext_alpn(cfg.alpn))
        if TLS12 in versions:
            if cfg.ems:
                exts.append(build.ext(Ext.extended_master_secret))
            exts.append(build.ext(Ext.renegotiation_info, b"\x00"))  # RFC 5746 §3.4
        exts.append(build.ext_signature_algorithms(cfg.signature_schemes))
        if TLS13 in versions:
            exts.append(build.ext_supported_versions_client(versions))
            if self._cookie is not None:
                exts.append(build.ext_cookie(self._cookie))
            exts.append(build.ext_psk_modes(cfg.psk_modes))
            exts.append(
                build.ext_key_share_client([(g, p.public) for g, p in self._shares.items()])
            )
            if self._psks and cfg.early_data and self._early_allowed() and not self._hrr:
                exts.append(build.ext_early_data())
        return exts

    def _send_client_hello(self) -> None:
        """Build the ClientHello; with PSKs, compute their binders (RFC 8446 §4.2.11.2)."""
        legacy = _TLS11 if self._offered_versions == (_TLS11,) else TLS12
        exts = self._extensions()
        if not self._psks:
            raw = build.client_hello(
                self.client_random, self._session_id, self._offered_suites, exts, legacy
            )
        else:
            identities = [(p.identity, p.obfuscated_age) for p in self._psks]
            dummy = [bytes(len(digest(p.hash_name, b""))) for p in self._psks]
            draft = build.client_hello(
                self.client_random,
                self._session_id,
                self._offered_suites,
                [*exts, build.ext_pre_shared_key_client(identities, dummy)],
                legacy,
            )
            # the binders list (2-byte length, then each binder) ends the message
            binders_len = 2 + sum(1 + len(b) for b in dummy)
            partial = bytes(self._ch_prefix) + draft[:-binders_len]
            binders = [self._binder(p, partial) for p in self._psks]
            raw = draft[:-binders_len] + build.vec(b"".join(build.vec(b, 1) for b in binders), 2)
        self._ch_raw = raw
        if self._hrr and self.config.middlebox_compat and not self._ccs_sent:
            self._send_compat_ccs()
        self._send_handshake(raw)

    def _binder(self, offer: OfferedPsk, partial: bytes) -> bytes:
        """HMAC over the transcript up to the truncated ClientHello with the binder key."""
        ks = KeySchedule13(offer.hash_name)
        ks.add_step(
            Step(
                "psk",
                "Input",
                offer.psk,
                explain="An external PSK." if offer.external else "The PSK of a ticket.",
            )
        )
        ks.early(offer.psk, external=offer.external)
        binder_key = ks.value("binder_key")
        assert binder_key is not None
        value = ks.psk_binder(binder_key, digest(offer.hash_name, partial))
        if offer is self._psks[0]:
            self.ks = ks  # the early secret of the first PSK also protects 0-RTT data
            self.schedule = ks
        return value

    def _send_compat_ccs(self) -> None:
        """RFC 8446 Appendix D.4: a dummy ChangeCipherSpec, in clear."""
        self.records.send_plain(ContentType.change_cipher_spec, b"\x01")
        self._ccs_sent = True

    def _send_early_data(self) -> None:
        """0-RTT: application data under client_early_traffic_secret (RFC 8446 §4.2.10)."""
        assert self.ks is not None
        first = self._psks[0]
        assert first.session is not None
        self.suite = reg.SUITES[first.session.suite]
        early = self.ks.early_traffic(digest(self.ks.hash_name, self._ch_raw))
        cets = early.client_early_traffic_secret
        self._log("CLIENT_EARLY_TRAFFIC_SECRET", cets)
        self._log("EARLY_EXPORTER_SECRET", early.early_exporter_master_secret)
        self._log_psk("resumption", first.identity, first.psk)
        if self.config.middlebox_compat:
            self._send_compat_ccs()
        self._write_keys("early", cets)
        self.records.send(ContentType.application_data, self.config.early_data)
        self._early = True

    # -- the ServerHello ---------------------------------------------------------------------
    def _server_hello(self, raw: bytes) -> None:
        sh = parse_message(raw, tls13=False)
        assert isinstance(sh, ServerHello)
        if sh.is_hrr:
            self._hello_retry(sh, raw)
            return
        version = sh.version
        if version not in self._offered_versions:
            raise PeerAlert(
                AlertDescription.protocol_version,
                f"the server chose {reg.version_name(version)}, which the client did not offer",
            )
        if version == _TLS11:
            raise PeerAlert(
                AlertDescription.protocol_version,
                "the server accepted TLS 1.1, which tlsviz's peer does not speak",
            )
        # RFC 8446 §4.1.3: a TLS 1.3 server negotiating less marks its random
        downgraded = sh.random[24:] in (DOWNGRADE_TLS12, DOWNGRADE_TLS11)
        if TLS13 in self._offered_versions and version != TLS13 and downgraded:
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                "the server's random carries the downgrade sentinel",
            )
        if sh.cipher_suite not in self._offered_suites:
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                f"the server chose {reg.suite_name(sh.cipher_suite)}, which was not offered",
            )
        self.server_random = sh.random
        self.version = version
        if version == TLS13:
            self._server_hello13(sh, raw)
        else:
            self._server_hello12(sh, raw)

    def _hello_retry(self, hrr: ServerHello, raw: bytes) -> None:
        """RFC 8446 §4.1.4: a new ClientHello with the key share the server asked for."""
        group = hrr.selected_group
        if self._hrr or TLS13 not in self._offered_versions or hrr.version != TLS13:
            raise PeerAlert(AlertDescription.unexpected_message, "a second HelloRetryRequest")
        if hrr.cipher_suite not in self._offered_suites:
            raise PeerAlert(AlertDescription.illegal_parameter, "the HRR names a suite not offered")
        cookie = hrr.ext_value(Ext.cookie)
        if group is None and cookie is None:
            raise PeerAlert(
                AlertDescription.illegal_parameter, "the HelloRetryRequest would change nothing"
            )
        if group is not None and (group not in self._offered_groups or group in self._shares):
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                f"the server asked for {reg.group_name(group)}, offered already or not at all",
            )
        self._hrr = True
        self._hrr_suite = hrr.cipher_suite
        suite = reg.SUITES[hrr.cipher_suite]
        # RFC 8446 §4.4.1: ClientHello1 is replaced by a synthetic message_hash
        inner = digest(suite.prf_hash, bytes(self.transcript))
        self.transcript = bytearray(
            bytes([HT.message_hash]) + len(inner).to_bytes(3, "big") + inner + raw
        )
        self._ch_prefix = bytes(self.transcript)
        self._cookie = cookie if isinstance(cookie, bytes) else None
        if group is not None:
            self._shares = {
                group: make_key_pair(group, self.entropy, f"client {reg.group_name(group)} key")
            }
            self._log_key(self._shares[group])
        self._psks = [p for p in self._psks if p.hash_name == suite.prf_hash]
        self.ks, self._early = None, False
        self._send_client_hello()
        self._expecting((HT.server_hello, self._server_hello))
