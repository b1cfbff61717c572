"""Pre-master secrets (TLS ≤ 1.2) and (EC)DHE shared secrets (all versions).

tlsviz can only derive keys itself when it knows a private input: the
server's RSA key, one side's ephemeral (EC)DH private key, or a PSK.  These
functions turn such an input plus what the wire shows into the shared value
that feeds the master secret (TLS ≤ 1.2) or the handshake secret (TLS 1.3).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec, padding, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.utils import CryptographyDeprecationWarning

__all__ = [
    "ECDHE_GROUPS",
    "RsaPremaster",
    "dhe_shared_secret",
    "ecdhe_shared_secret",
    "load_private_key",
    "normalize_group",
    "psk_premaster",
    "rsa_decrypt_premaster",
]

#: Named groups (RFC 8446 §4.2.7 / RFC 8422 §5.1.1 code points) handled by
#: :func:`ecdhe_shared_secret`.
ECDHE_GROUPS: dict[str, int] = {
    "secp256r1": 23,
    "secp384r1": 24,
    "secp521r1": 25,
    "x25519": 29,
    "x448": 30,
}

_GROUP_ALIASES: dict[str, str] = {
    "p256": "secp256r1",
    "prime256v1": "secp256r1",
    "p384": "secp384r1",
    "p521": "secp521r1",
}

_CURVES: dict[str, ec.EllipticCurve] = {
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "secp521r1": ec.SECP521R1(),
}


def normalize_group(group: str | int) -> str:
    """Canonical group name for a name (``"P-256"``) or a code point (``23``)."""
    if isinstance(group, int):
        for name, code in ECDHE_GROUPS.items():
            if code == group:
                return name
        raise ValueError(f"unsupported named group {group}")
    key = group.strip().lower().replace("-", "").replace("_", "")
    key = _GROUP_ALIASES.get(key, key)
    if key not in ECDHE_GROUPS:
        raise ValueError(f"unsupported named group {group!r}")
    return key


def load_private_key(data: bytes, password: bytes | None = None) -> PrivateKeyTypes:
    """Load a PEM or DER private key (PKCS#1, PKCS#8, SEC1)."""
    if b"-----BEGIN" in data:
        return serialization.load_pem_private_key(data, password)
    return serialization.load_der_private_key(data, password)


def psk_premaster(psk: bytes, other_secret: bytes | None = None) -> bytes:
    """uint16 len(other) + other_secret + uint16 len(psk) + psk.

    RFC 4279 §2: for plain PSK suites other_secret is len(psk) zero bytes;
    §3/§4 and RFC 5489: for DHE/ECDHE-PSK it is the (EC)DH result, for RSA-PSK
    the 48-byte RSA-encrypted pre-master.
    """
    other = bytes(len(psk)) if other_secret is None else other_secret
    return len(other).to_bytes(2, "big") + other + len(psk).to_bytes(2, "big") + psk


@dataclass(frozen=True, slots=True)
class RsaPremaster:
    """Outcome of decrypting an RSA ClientKeyExchange.

    Decryption failure is a normal outcome here (wrong key file, or a client
    that sent garbage on purpose), so it is reported, never raised.
    ``client_version`` is the first two bytes of the pre-master, which
    RFC 5246 §7.4.7.1 requires to equal ClientHello.client_version.
    """

    premaster: bytes | None
    ok: bool
    error: str | None = None
    client_version: int | None = None


def rsa_decrypt_premaster(
    private_key: rsa.RSAPrivateKey | bytes,
    encrypted: bytes,
    *,
    expected_version: int | None = None,
) -> RsaPremaster:
    """Decrypt EncryptedPreMasterSecret with PKCS #1 v1.5 (RFC 5246 §7.4.7.1).

    ``encrypted`` is the ciphertext without the TLS ≥ 1.0 two-byte length
    prefix.  Since OpenSSL 3.2 a padding error does not raise but yields a
    pseudo-random message ("implicit rejection", the Marvin-attack defence),
    so a result that is not 48 bytes is reported as a wrong key.  Even a
    48-byte result may be synthetic; ``expected_version`` (the ClientHello
    version) catches most of those.
    """
    try:
        key = load_private_key(private_key) if isinstance(private_key, bytes) else private_key
        if not isinstance(key, rsa.RSAPrivateKey):
            return RsaPremaster(None, False, "the private key is not an RSA key")
        plain = key.decrypt(encrypted, padding.PKCS1v15())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return RsaPremaster(None, False, f"RSA decryption failed: {exc}")
    if len(plain) != 48:
        return RsaPremaster(
            None,
            False,
            f"RSA decryption gave {len(plain)} bytes, not 48: wrong private key "
            "(or a corrupted ClientKeyExchange)",
        )
    version = int.from_bytes(plain[:2], "big")
    if expected_version is not None and version != expected_version:
        return RsaPremaster(
            plain,
            False,
            f"pre-master version 0x{version:04x} differs from ClientHello 0x{expected_version:04x}"
            ": probably the wrong private key",
            version,
        )
    return RsaPremaster(plain, True, None, version)


def ecdhe_shared_secret(
    group: str | int, private_key: bytes | PrivateKeyTypes, peer_public: bytes
) -> bytes:
    """The (EC)DHE shared secret from one side's private key and the peer's share.

    X25519/X448 (RFC 7748 §6): the 32/56-byte u-coordinate result.  NIST
    curves (RFC 8422 §5.10, RFC 8446 §7.4.2): the x-coordinate of the shared
    point, fixed length, leading zeros kept; ``peer_public`` is the
    uncompressed point 04||X||Y.  ``private_key`` is the raw private key
    (scalar, big-endian, for NIST curves) or a loaded key object.
    Raises ``ValueError`` for an invalid share or key.
    """
    name = normalize_group(group)
    if name == "x25519":
        priv25519 = (
            x25519.X25519PrivateKey.from_private_bytes(private_key)
            if isinstance(private_key, bytes)
            else private_key
        )
        if not isinstance(priv25519, x25519.X25519PrivateKey):
            raise ValueError("private key is not an X25519 key")
        return priv25519.exchange(x25519.X25519PublicKey.from_public_bytes(peer_public))
    if name == "x448":
        priv448 = (
            x448.X448PrivateKey.from_private_bytes(private_key)
            if isinstance(private_key, bytes)
            else private_key
        )
        if not isinstance(priv448, x448.X448PrivateKey):
            raise ValueError("private key is not an X448 key")
        return priv448.exchange(x448.X448PublicKey.from_public_bytes(peer_public))
    curve = _CURVES[name]
    priv_ec = (
        ec.derive_private_key(int.from_bytes(private_key, "big"), curve)
        if isinstance(private_key, bytes)
        else private_key
    )
    if not isinstance(priv_ec, ec.EllipticCurvePrivateKey) or priv_ec.curve.name != curve.name:
        raise ValueError(f"private key is not a {name} key")
    peer = ec.EllipticCurvePublicKey.from_encoded_point(curve, peer_public)
    return priv_ec.exchange(ec.ECDH(), peer)


def _to_int(value: int | bytes) -> int:
    return value if isinstance(value, int) else int.from_bytes(value, "big")


def dhe_shared_secret(
    p: int | bytes,
    g: int | bytes,
    private_value: int | bytes,
    peer_public: int | bytes,
    *,
    strip_leading_zeros: bool,
) -> bytes:
    """Finite-field Diffie-Hellman Z = peer_public ^ private_value mod p.

    The encoding of Z differs between versions, which matters because a single
    leading zero byte changes every derived key:

    * TLS ≤ 1.2 (RFC 5246 §8.1.2): "Leading bytes of Z that contain all zero
      bits are stripped" — pass ``strip_leading_zeros=True``.
    * TLS 1.3 (RFC 8446 §7.4.1): Z is left-padded with zeros to the size of p
      — pass ``strip_leading_zeros=False``.

    ``p``/``g`` come from ServerKeyExchange (TLS ≤ 1.2) or the RFC 7919 group.
    Raises ``ValueError`` for values ``cryptography`` rejects.
    """
    p_int, g_int = _to_int(p), _to_int(g)
    own_x = _to_int(private_value)
    with warnings.catch_warnings():
        # cryptography 50 deprecates finite-field DH; TLS captures still contain it.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        numbers = dh.DHParameterNumbers(p_int, g_int)
        peer_key = dh.DHPublicNumbers(_to_int(peer_public), numbers).public_key()
        # DHPrivateNumbers wants the matching public value y = g^x mod p as well.
        own_y = pow(g_int, own_x, p_int)
        own = dh.DHPrivateNumbers(own_x, dh.DHPublicNumbers(own_y, numbers)).private_key()
        z = own.exchange(peer_key)
    z = z.lstrip(b"\x00")
    if strip_leading_zeros:
        return z
    return z.rjust((p_int.bit_length() + 7) // 8, b"\x00")
