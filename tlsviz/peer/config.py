"""What a peer is told before it starts: versions, suites, groups, keys, sessions.

:class:`PeerConfig` is one frozen value for both sides; fields that only
make sense on one side say so.  The defaults are a modern client or server:
TLS 1.3 and 1.2, the AEAD suites every implementation offers, X25519 first,
the middlebox-compatible TLS 1.3 handshake (RFC 8446 Appendix D.4), extended
master secret for TLS 1.2 (RFC 7627).

The sessions a client resumes (:class:`Session13`, :class:`Session12`) come
out of an earlier connection as :class:`~tlsviz.peer.events.SessionReady`
events; a server keeps what it needs to accept them in a :class:`ServerState`
shared by its connections (the ticket key and the TLS 1.2 session cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ..wire import registry as reg
from ..wire.registry import CipherSuite as CS
from ..wire.registry import PskKeyExchangeMode, SignatureScheme
from .entropy import Entropy
from .keyshare import SUPPORTED_GROUPS

__all__ = [
    "DEFAULT_SCHEMES",
    "DEFAULT_SUITES",
    "TLS12",
    "TLS13",
    "ExternalPsk",
    "Identity",
    "PeerConfig",
    "ServerState",
    "Session12",
    "Session13",
    "SigningKey",
    "supported_suite",
]

TLS12 = 0x0303
TLS13 = 0x0304

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

#: Offered (client) or accepted (server) unless told otherwise, in preference order.
DEFAULT_SUITES: tuple[int, ...] = (
    CS.TLS_AES_128_GCM_SHA256,
    CS.TLS_AES_256_GCM_SHA384,
    CS.TLS_CHACHA20_POLY1305_SHA256,
    CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CS.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CS.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CS.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CS.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CS.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
)

#: Signature schemes offered and accepted, in preference order (RFC 8446 §4.2.3).
DEFAULT_SCHEMES: tuple[int, ...] = (
    SignatureScheme.ecdsa_secp256r1_sha256,
    SignatureScheme.ecdsa_secp384r1_sha384,
    SignatureScheme.ecdsa_secp521r1_sha512,
    SignatureScheme.ed25519,
    SignatureScheme.rsa_pss_rsae_sha256,
    SignatureScheme.rsa_pss_rsae_sha384,
    SignatureScheme.rsa_pss_rsae_sha512,
    SignatureScheme.rsa_pkcs1_sha256,
    SignatureScheme.rsa_pkcs1_sha384,
    SignatureScheme.rsa_pkcs1_sha512,
)

_AEAD_CIPHERS = ("AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305", "AES_128_CCM", "AES_256_CCM")


def supported_suite(code: int) -> reg.SuiteInfo | None:
    """The suite if the peer can run it: an AEAD cipher with, before TLS 1.3,
    ECDHE (signed with ECDSA or RSA) or plain PSK key exchange."""
    info = reg.SUITES.get(code)
    if info is None or info.mode != "aead":
        return None
    if not any(info.cipher.startswith(c) for c in _AEAD_CIPHERS):
        return None
    if info.tls13 or (info.kx == "ECDHE" and info.auth in ("ECDSA", "RSA")) or info.kx == "PSK":
        return info
    return None


@dataclass(frozen=True, slots=True)
class Identity:
    """A certificate chain (DER, the end-entity first) and its private key."""

    chain: tuple[bytes, ...]
    key: SigningKey


@dataclass(frozen=True, slots=True)
class ExternalPsk:
    """A key both sides were given beforehand (RFC 8446 §4.2.11; RFC 4279 in TLS 1.2).

    TLS 1.3 needs to know the hash the key goes with; SHA-256 unless told
    otherwise (RFC 8446 §4.2.11: "MUST be provisioned with the PSK").
    """

    identity: bytes
    key: bytes
    hash_name: str = "sha256"
    hint: bytes = b""  # TLS 1.2 psk_identity_hint the server sends


@dataclass(frozen=True, slots=True)
class Session13:
    """What a client keeps from a TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1)."""

    ticket: bytes
    psk: bytes
    suite: int
    hash_name: str
    age_add: int
    received: float  # when the ticket arrived (the client's clock)
    lifetime: int
    max_early_data: int
    alpn: str | None
    sni: str | None


@dataclass(frozen=True, slots=True)
class Session12:
    """A TLS 1.2 session to resume: by its id (RFC 5246 §7.4.1.2) or ticket (RFC 5077)."""

    session_id: bytes
    master: bytes
    suite: int
    ems: bool
    ticket: bytes | None = None


@dataclass(slots=True)
class ServerState:
    """What a server's connections share: the key that seals its tickets and
    the TLS 1.2 sessions it remembers by id."""

    ticket_key: bytes
    sessions12: dict[bytes, Session12] = field(default_factory=dict)
    issued: int = 0  # tickets issued so far (numbers their nonces)

    @classmethod
    def new(cls, entropy: Entropy) -> ServerState:
        return cls(entropy.bytes(32, "server ticket key"))


@dataclass(frozen=True, slots=True)
class PeerConfig:
    """Everything one endpoint is configured with.  See the module docstring."""

    versions: tuple[int, ...] = (TLS13, TLS12)
    suites: tuple[int, ...] = DEFAULT_SUITES
    groups: tuple[int, ...] = SUPPORTED_GROUPS
    #: client: groups that get a key share in the first ClientHello (default: the first)
    key_share_groups: tuple[int, ...] | None = None
    signature_schemes: tuple[int, ...] = DEFAULT_SCHEMES
    #: the server's certificate, or the client's for mutual TLS
    identity: Identity | None = None
    #: CA certificates (DER) the peer's chain must lead to
    trust: tuple[bytes, ...] = ()
    #: check the peer's certificate (client: always sent; server: when requested)
    verify_peer: bool = True
    #: client: the SNI sent and the name the server's certificate must carry
    server_name: str | None = None
    #: server: ask for a client certificate (mutual TLS), and refuse clients without one
    request_client_certificate: bool = False
    require_client_certificate: bool = True
    alpn: tuple[str, ...] = ()
    psk: ExternalPsk | None = None
    #: client: modes offered; server: modes accepted, in preference order (RFC 8446 §4.2.9)
    psk_modes: tuple[int, ...] = (PskKeyExchangeMode.psk_dhe_ke, PskKeyExchangeMode.psk_ke)
    #: client: a session of an earlier connection to resume
    session: Session13 | Session12 | None = None
    #: client: application data sent as 0-RTT with a resumed session (RFC 8446 §4.2.10)
    early_data: bytes = b""
    #: server: 0-RTT bytes accepted (and announced in tickets); 0 refuses 0-RTT
    max_early_data: int = 0
    #: server: NewSessionTicket messages after a TLS 1.3 handshake; TLS 1.2: 0 means none
    tickets: int = 1
    #: TLS 1.2: offer/accept the extended master secret (RFC 7627)
    ems: bool = True
    #: TLS 1.3: the compatibility ChangeCipherSpec and session id (RFC 8446 Appendix D.4)
    middlebox_compat: bool = True
    entropy: Entropy = field(default_factory=Entropy)
    server_state: ServerState | None = None
    #: the name of an experiment from :mod:`tlsviz.peer.experiments`, or None
    experiment: str | None = None

    def suite_infos(self) -> list[reg.SuiteInfo]:
        """The configured suites the peer can run, in order."""
        return [info for c in self.suites if (info := supported_suite(c)) is not None]
