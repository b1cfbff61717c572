"""From the options of a glass-box run to the configuration of each end.

:func:`prepare` checks the options together (one plain sentence when they
cannot work) and makes what both ends share: the randomness (seeded or not),
the throwaway PKI (flawed for the certificate experiments), the suites and
groups by code.  :func:`peer_config` then gives tlsviz's client or server its
:class:`~tlsviz.peer.config.PeerConfig`, and :meth:`Material.ssl_context` the
OpenSSL end its ``ssl.SSLContext``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..peer.config import (
    TLS12,
    TLS13,
    ExternalPsk,
    Identity,
    PeerConfig,
    ServerState,
    Session12,
    Session13,
    supported_suite,
)
from ..peer.entropy import Entropy
from ..peer.experiments import EXPERIMENTS
from ..peer.keyshare import SUPPORTED_GROUPS
from ..wire import registry as reg
from ..wire.registry import PskKeyExchangeMode
from .pki import Pki, make_pki, pem_files
from .tlsopts import set_version

if TYPE_CHECKING:
    from .glassbox import GlassboxOptions
    from .glassbox_sides import Side

__all__ = ["ConfigError", "Material", "peer_config", "prepare"]

#: OpenSSL's names for the groups Python's ``set_ecdh_curve`` takes.
_OPENSSL_CURVES = {"x25519": "X25519", "secp256r1": "prime256v1", "secp384r1": "secp384r1",
                   "secp521r1": "secp521r1", "x448": "X448"}  # fmt: skip


class ConfigError(ValueError):
    """Options that cannot work together; ``str(e)`` is one plain sentence."""


@dataclass(slots=True)
class Material:
    """What both ends of one run share."""

    opts: GlassboxOptions
    entropy: Entropy
    client_entropy: Entropy
    server_entropy: Entropy
    pki: Pki
    suites: tuple[int, ...] | None
    groups: tuple[int, ...] | None
    key_share: tuple[int, ...] | None
    server_groups: tuple[int, ...] | None
    extra_trust: tuple[bytes, ...] = ()
    notes: list[str] = field(default_factory=list)
    peers: list[Side] = field(default_factory=list)  # tlsviz's ends, for their secrets
    #: the side that misbehaves in an experiment ("client"/"server"), or None
    experiment: str | None = None
    contexts: dict[str, ssl.SSLContext] = field(default_factory=dict)

    def der(self, pem: bytes) -> bytes:
        return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)

    def identity(self, role: str) -> Identity:
        cert, key = (
            (self.pki.server_cert, self.pki.server_key)
            if role == "server"
            else (self.pki.client_cert, self.pki.client_key)
        )
        private: Any = serialization.load_pem_private_key(key, None)
        return Identity((self.der(cert),), private)

    def ssl_context(self, role: str, keylog: str) -> ssl.SSLContext:
        """OpenSSL's end, in this process (Python's ``ssl``): one context per
        role and run, so that a second connection can resume the first."""
        if role not in self.contexts:
            self.contexts[role] = self._ssl_context(role, keylog)
        return self.contexts[role]

    def _ssl_context(self, role: str, keylog: str) -> ssl.SSLContext:
        o, p = self.opts, self.pki
        server = role == "server"
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
        mine = (p.server_cert, p.server_key) if server else (p.client_cert, p.client_key)
        if server or o.mtls:
            with pem_files(*mine) as (cert, key):
                ctx.load_cert_chain(cert, key)
        if not server or o.mtls:
            ctx.load_verify_locations(cadata=p.ca_cert.decode())
        if server and o.mtls:
            ctx.verify_mode = ssl.CERT_REQUIRED
        set_version(ctx, o.version)
        if self.suites is not None and not reg.SUITES[self.suites[0]].tls13:
            iana = reg.suite_name(self.suites[0])
            name = next((k for k, v in reg.SUITE_OPENSSL_NAMES.items() if v == iana), None)
            if name:
                ctx.set_ciphers(f"{name}:@SECLEVEL=0")
        if o.alpn:
            ctx.set_alpn_protocols(list(o.alpn))
        if server and self.server_groups:
            ctx.set_ecdh_curve(_OPENSSL_CURVES.get(reg.group_name(self.server_groups[0]), "X25519"))
        ctx.keylog_filename = keylog
        if server:
            ctx.num_tickets = 1 if o.tickets else 0
            if not o.tickets:
                ctx.options |= ssl.OP_NO_TICKET
        return ctx


def _group(name: str) -> int:
    for code in SUPPORTED_GROUPS:
        if reg.group_name(code) == name.strip().lower().replace("p-256", "secp256r1"):
            return code
    aliases = {"p-256": 23, "p256": 23, "prime256v1": 23, "p-384": 24, "p384": 24, "p-521": 25}
    alias = aliases.get(name.strip().lower())
    if alias is None:
        names = ", ".join(reg.group_name(g) for g in SUPPORTED_GROUPS)
        raise ConfigError(f"'{name}' is not a group tlsviz's peer supports ({names}).")
    return alias


def _groups(names: tuple[str, ...]) -> tuple[int, ...] | None:
    out = tuple(_group(n) for item in names for n in item.split(",") if n.strip())
    return out or None


def _suite(name: str, version: str | None) -> int:
    info = reg.suite_by_name(name) or reg.suite_by_name(name.upper())
    if info is None:
        raise ConfigError(f"'{name}' is not a cipher suite name tlsviz knows.")
    if supported_suite(info.code) is None:
        raise ConfigError(
            f"tlsviz's peer does not speak {info.name} (it runs AEAD suites: TLS 1.3, "
            "ECDHE-ECDSA/ECDHE-RSA and PSK with AES-GCM, AES-CCM or ChaCha20-Poly1305)."
        )
    if (version == "1.2" and info.tls13) or (version == "1.3" and not info.tls13):
        raise ConfigError(f"{info.name} does not go with --tls{version}.")
    return info.code


def prepare(o: GlassboxOptions) -> Material:
    """Check the options together and make the shared material."""
    if "tlsviz" not in (o.client, o.server):
        raise ConfigError("A glass-box run needs tlsviz's own client or server on one side.")
    if o.target is not None and o.server == "tlsviz":
        raise ConfigError("With HOST, the server is the one at HOST: leave out --server tlsviz.")
    exp = EXPERIMENTS.get(o.experiment) if o.experiment else None
    if o.experiment and exp is None:
        raise ConfigError(
            f"'{o.experiment}' is not an experiment; choose one of {', '.join(EXPERIMENTS)}."
        )
    suites = (_suite(o.cipher, o.version),) if o.cipher else None
    info = reg.SUITES[suites[0]] if suites else None
    if info is not None and info.kx == "PSK" and o.psk is None:
        raise ConfigError(f"{info.name} needs a pre-shared key: add --psk HEX.")
    if info is not None and info.auth == "RSA" and o.key_type != "rsa":
        raise ConfigError(f"{info.name} needs an RSA certificate: add --rsa.")
    if info is not None and info.auth == "ECDSA" and o.key_type == "rsa":
        raise ConfigError(f"{info.name} needs an ECDSA certificate: leave out --rsa.")
    in_process_openssl = o.target is None and o.listen is None and "openssl" in (o.client, o.server)
    if o.psk is not None and in_process_openssl:
        raise ConfigError(
            "Python's ssl module cannot use external PSKs: use --client tlsviz --server tlsviz, "
            "or a real server (openssl s_server -psk HEX)."
        )
    if o.early_data and (not o.resume or o.version == "1.2"):
        raise ConfigError("0-RTT (--early-data) needs --resume and TLS 1.3.")
    if o.resume and not o.tickets and o.version != "1.2":
        raise ConfigError("TLS 1.3 resumes only with a ticket: add --tls1.2 or drop --no-ticket.")
    groups = _groups(o.groups)
    key_share = _groups(o.key_share)
    if key_share and groups and not set(key_share) <= set(groups):
        raise ConfigError("--key-share must name groups that --groups offers.")
    if key_share and not groups:
        groups = key_share + tuple(g for g in SUPPORTED_GROUPS if g not in key_share)
    root = Entropy(o.seed)
    pki = make_pki(
        o.sni or "localhost",
        kind=o.key_type,
        entropy=root.child("pki"),
        flaw=exp.certificate if exp is not None else None,
    )
    m = Material(
        o, root, root.child("client"), root.child("server"), pki, suites, groups, key_share,
        _groups(o.server_groups),
    )  # fmt: skip
    if o.experiment:
        m.experiment = "client" if o.client == "tlsviz" and o.listen is None else "server"
    if o.seed is not None and "openssl" in (o.client, o.server):
        m.notes.append(
            f"Recorded with --seed {o.seed}: tlsviz's side is reproducible, OpenSSL's is not."
        )
    if o.cafile:
        m.extra_trust = _load_cafile(o.cafile)
    return m


def _load_cafile(path: str) -> tuple[bytes, ...]:
    try:
        with open(path, "rb") as f:
            certs = x509.load_pem_x509_certificates(f.read())
    except OSError as err:
        raise ConfigError(f"The CA file {path} cannot be read ({err.strerror}).") from None
    except ValueError:
        raise ConfigError(f"The CA file {path} holds no PEM certificate.") from None
    return tuple(c.public_bytes(serialization.Encoding.DER) for c in certs)


def _load_identity(cert_path: str, key_path: str) -> Identity:
    """A client certificate chain and key from PEM files (one sentence on failure)."""
    try:
        with open(cert_path, "rb") as f:
            certs = x509.load_pem_x509_certificates(f.read())
        with open(key_path, "rb") as f:
            key: Any = serialization.load_pem_private_key(f.read(), None)
    except OSError as err:
        raise ConfigError(f"{err.filename} cannot be read ({err.strerror}).") from None
    except (ValueError, TypeError) as err:
        raise ConfigError(f"The client certificate or key cannot be used: {err}.") from None
    return Identity(tuple(c.public_bytes(serialization.Encoding.DER) for c in certs), key)


def system_trust() -> tuple[bytes, ...]:
    """The system's trusted CAs (for a real server's certificate)."""
    ctx = ssl.create_default_context()
    return tuple(ctx.get_ca_certs(binary_form=True))


def peer_config(
    o: GlassboxOptions,
    m: Material,
    role: str,
    *,
    session: object = None,
    state: ServerState | None = None,
    index: int = 0,
) -> PeerConfig:
    """tlsviz's ``role`` end of this run."""
    versions = {None: (TLS13, TLS12), "1.3": (TLS13,), "1.2": (TLS12,)}[o.version]
    client = role == "client"
    kw: dict[str, Any] = {"versions": versions, "ems": o.ems, "tickets": 1 if o.tickets else 0}
    if m.suites is not None:
        kw["suites"] = m.suites
    groups = m.groups if client else (m.server_groups or m.groups)
    if groups:
        kw["groups"] = groups
    if client and m.key_share:
        kw["key_share_groups"] = m.key_share
    trust = (m.der(m.pki.ca_cert), *m.extra_trust)
    if o.target is not None:
        trust = (*trust, *system_trust())
    kw["trust"] = trust
    if client:
        kw["server_name"] = o.sni or (o.target[0] if o.target else "localhost")
        kw["verify_peer"] = not o.insecure
        if o.client_cert:
            kw["identity"] = _load_identity(o.client_cert, o.client_key or o.client_cert)
        elif o.mtls:
            kw["identity"] = m.identity("client")
        if isinstance(session, Session12 | Session13):
            kw["session"] = session
            if o.early_data and index == 1:
                kw["early_data"] = b"0-RTT data from tlsviz's client\n"
    else:
        kw["identity"] = m.identity("server")
        kw["request_client_certificate"] = o.mtls
        kw["server_state"] = state
        if o.early_data:
            kw["max_early_data"] = 1 << 14
    alpn = o.alpn or (("http/1.1",) if not client and o.listen is not None else ())
    kw["alpn"] = alpn
    if o.psk is not None:
        kw["psk"] = ExternalPsk(o.psk_identity, o.psk)
    if o.psk_mode is not None:
        kw["psk_modes"] = (
            (PskKeyExchangeMode.psk_ke,) if o.psk_mode == "ke" else (PskKeyExchangeMode.psk_dhe_ke,)
        )
    kw["entropy"] = m.client_entropy if client else m.server_entropy
    if m.experiment == role:
        kw["experiment"] = o.experiment
    return PeerConfig(**kw)
