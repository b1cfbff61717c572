"""ServerKeyExchange and ClientKeyExchange (RFC 5246 §7.4.3, §7.4.7).

Before TLS 1.3 the bodies of these two messages depend on the negotiated cipher
suite's key exchange: an ECDHE suite carries a curve and a point, a DHE suite
the group parameters and a public value, a PSK suite an identity (hint), and so
on (RFC 4492 §5.4 and §5.7, RFC 4279 §2-4, RFC 5489).  The decoder therefore
needs the suite from the ServerHello; without it the body stays raw.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import facts
from . import registry as reg
from .fields import Severity
from .reader import Reader


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class ServerKeyExchange:
    kind: str
    psk_hint: bytes | None = None
    curve_type: int | None = None
    group: int | None = None
    public: bytes | None = None  # ECDH point or DH Ys
    dh_p: bytes | None = None
    dh_g: bytes | None = None
    params: bytes = b""  # the signed ServerParams, as on the wire
    sig_scheme: int | None = None  # TLS 1.2 SignatureAndHashAlgorithm as one u16
    signature: bytes | None = None


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class ClientKeyExchange:
    kind: str
    psk_identity: bytes | None = None
    public: bytes | None = None  # ECDH point or DH Yc
    encrypted_pms: bytes | None = None


def _kx_of(suite: reg.SuiteInfo | None) -> str | None:
    if suite is None:
        return None
    return suite.kx


def signed_by_server(suite: reg.SuiteInfo) -> bool:
    """Does this suite's ServerKeyExchange carry a signature?  Not for
    anonymous and PSK-authenticated exchanges."""
    return facts.signed_by_server(suite.kx, suite.auth)


def parse_server_key_exchange(
    r: Reader, suite: reg.SuiteInfo | None, version: int | None
) -> ServerKeyExchange:
    kx = _kx_of(suite)
    if kx is None or suite is None:
        r.note(
            "cannot decode ServerKeyExchange without the negotiated cipher suite",
            r.offset,
            r.remaining,
            Severity.NOTE,
        )
        r.rest("params", "server_key_exchange.raw")
        return ServerKeyExchange("unknown")
    hint = None
    if kx in facts.PSK_KEY_EXCHANGES:
        hint = r.opaque("psk_identity_hint", 2, "server_key_exchange.psk_identity_hint")
        if kx in ("PSK", "RSA_PSK"):
            return ServerKeyExchange(kx, psk_hint=hint)
    start = r.pos
    curve_type = group = None
    public = dh_p = dh_g = None
    if kx in ("ECDHE", "ECDHE_PSK", "ECDH"):
        with r.group("ec_diffie_hellman_server_params", "server_key_exchange.ecdh_params"):
            curve_type = r.u8(
                "curve_type",
                "server_key_exchange.curve_type",
                fmt=lambda v: reg.enum_display(reg.ECCurveType, v, 2),
            )
            if curve_type == 3:
                group = r.u16(
                    "named_curve", "server_key_exchange.named_curve", fmt=reg.group_display
                )
            else:
                r.rest("explicit_curve", "server_key_exchange.explicit_curve")
                return ServerKeyExchange(kx, hint, curve_type)
            public = r.opaque("public", 1, "server_key_exchange.public")
    elif kx in ("DHE", "DH", "DHE_PSK"):
        with r.group("server_dh_params", "server_key_exchange.dh_params"):
            dh_p = r.opaque("dh_p", 2, "server_key_exchange.dh_p")
            dh_g = r.opaque("dh_g", 2, "server_key_exchange.dh_g")
            public = r.opaque("dh_Ys", 2, "server_key_exchange.dh_ys")
    elif kx == "RSA_EXPORT" or (kx == "RSA" and r.remaining):
        with r.group("server_rsa_params", "server_key_exchange.rsa_params"):
            r.opaque("rsa_modulus", 2, "server_key_exchange.rsa_modulus")
            r.opaque("rsa_exponent", 2, "server_key_exchange.rsa_exponent")
    elif kx == "SRP":
        with r.group("server_srp_params", "server_key_exchange.srp_params"):
            r.opaque("srp_N", 2, "server_key_exchange.srp_n")
            r.opaque("srp_g", 2, "server_key_exchange.srp_g")
            r.opaque("srp_s", 1, "server_key_exchange.srp_s")
            public = r.opaque("srp_B", 2, "server_key_exchange.srp_b")
    else:
        r.rest("params", "server_key_exchange.raw")
        return ServerKeyExchange(kx, hint)
    params = r.data[start : r.pos]
    sig_scheme = signature = None
    if signed_by_server(suite) and (r.remaining or kx not in ("DH", "ECDH")):
        with r.group("signature", "server_key_exchange.signature"):
            if version is None or version >= 0x0303:
                sig_scheme = r.u16("algorithm", "signature.algorithm", fmt=reg.sigscheme_display)
            signature = r.opaque("signature", 2, "signature.value")
    return ServerKeyExchange(
        kx, hint, curve_type, group, public, dh_p, dh_g, params, sig_scheme, signature
    )


def parse_client_key_exchange(
    r: Reader, suite: reg.SuiteInfo | None, version: int | None
) -> ClientKeyExchange:
    kx = _kx_of(suite)
    if kx is None:
        r.note(
            "cannot decode ClientKeyExchange without the negotiated cipher suite",
            r.offset,
            r.remaining,
            Severity.NOTE,
        )
        r.rest("exchange_keys", "client_key_exchange.raw")
        return ClientKeyExchange("unknown")
    identity = None
    if kx in ("PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK"):
        identity = r.opaque("psk_identity", 2, "client_key_exchange.psk_identity")
    if kx in ("RSA", "RSA_EXPORT", "RSA_PSK"):
        if version in (0x0300, 0x0100) and kx != "RSA_PSK":
            # SSL 3.0 sends the encrypted pre-master secret without a length
            # prefix (RFC 6101 §5.6.7.1); TLS added the prefix.  OpenSSL's
            # pre-standard DTLS (0x0100) kept the SSL 3.0 form.
            epms = r.rest(
                "encrypted_pre_master_secret", "client_key_exchange.encrypted_pre_master_secret"
            )
        else:
            epms = r.opaque(
                "encrypted_pre_master_secret", 2, "client_key_exchange.encrypted_pre_master_secret"
            )
        return ClientKeyExchange(kx, identity, None, epms)
    if kx in ("ECDHE", "ECDH", "ECDHE_PSK"):
        pub = r.opaque("ecdh_Yc", 1, "client_key_exchange.ecdh_yc")
        return ClientKeyExchange(kx, identity, pub)
    if kx in ("DHE", "DH", "DHE_PSK"):
        pub = r.opaque("dh_Yc", 2, "client_key_exchange.dh_yc") if r.remaining else b""
        return ClientKeyExchange(kx, identity, pub)
    if kx == "SRP":
        pub = r.opaque("srp_A", 2, "client_key_exchange.srp_a")
        return ClientKeyExchange(kx, identity, pub)
    if kx == "PSK":
        return ClientKeyExchange(kx, identity)
    if r.remaining:
        r.rest("exchange_keys", "client_key_exchange.raw")
    return ClientKeyExchange(kx, identity)
