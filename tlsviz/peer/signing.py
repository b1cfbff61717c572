"""Signatures the peer makes: which scheme fits its key, and the signing itself.

A TLS 1.3 CertificateVerify (RFC 8446 §4.4.3) and a TLS 1.2 ServerKeyExchange
or CertificateVerify (RFC 5246 §7.4.3, §7.4.8) are signed with one
SignatureScheme (RFC 8446 §4.2.3) that both the key and the other side's
``signature_algorithms`` allow.  TLS 1.3 forbids RSASSA-PKCS1-v1_5 in
CertificateVerify; ECDSA schemes bind the curve in TLS 1.3 only.

ECDSA signatures are deterministic here (RFC 6979: the nonce comes from the key
and the message), so a seeded peer signs the same bytes every run; RSA-PSS
draws a random salt that ``cryptography`` does not let us choose, so a peer
with an RSA key is reproducible in TLS 1.2 (where it prefers PKCS#1 v1.5 when
seeded) but not in a TLS 1.3 CertificateVerify.  Verifying the other side's
signatures is the decoder's job (:mod:`tlsviz.keys.verify`).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from ..wire.registry import SignatureScheme as SS
from .config import SigningKey

__all__ = ["choose_scheme", "schemes_for_key", "sign"]

_EC_SCHEMES = {
    "secp256r1": SS.ecdsa_secp256r1_sha256,
    "secp384r1": SS.ecdsa_secp384r1_sha384,
    "secp521r1": SS.ecdsa_secp521r1_sha512,
}
_HASHES: dict[int, type[hashes.HashAlgorithm]] = {
    SS.ecdsa_secp256r1_sha256: hashes.SHA256,
    SS.ecdsa_secp384r1_sha384: hashes.SHA384,
    SS.ecdsa_secp521r1_sha512: hashes.SHA512,
    SS.rsa_pss_rsae_sha256: hashes.SHA256,
    SS.rsa_pss_rsae_sha384: hashes.SHA384,
    SS.rsa_pss_rsae_sha512: hashes.SHA512,
    SS.rsa_pkcs1_sha256: hashes.SHA256,
    SS.rsa_pkcs1_sha384: hashes.SHA384,
    SS.rsa_pkcs1_sha512: hashes.SHA512,
}
_PSS = (SS.rsa_pss_rsae_sha256, SS.rsa_pss_rsae_sha384, SS.rsa_pss_rsae_sha512)
_PKCS1 = (SS.rsa_pkcs1_sha256, SS.rsa_pkcs1_sha384, SS.rsa_pkcs1_sha512)


def schemes_for_key(key: SigningKey, *, tls13: bool, prefer_pkcs1: bool = False) -> list[int]:
    """The schemes ``key`` can sign with, best first."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return [SS.ed25519]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        own = _EC_SCHEMES.get(key.curve.name)
        if tls13:  # RFC 8446 §4.2.3: the scheme names the curve
            return [own] if own is not None else []
        # TLS 1.2: the hash is free; the curve comes from the certificate
        others: list[int] = [s for s in _EC_SCHEMES.values() if s != own]
        return [own, *others] if own is not None else []
    if tls13:
        return list(_PSS)
    return list(_PKCS1 + _PSS) if prefer_pkcs1 else list(_PSS + _PKCS1)


def choose_scheme(
    key: SigningKey, offered: Sequence[int], *, tls13: bool, prefer_pkcs1: bool = False
) -> int | None:
    """The first scheme of ours for ``key`` that the other side offered."""
    for scheme in schemes_for_key(key, tls13=tls13, prefer_pkcs1=prefer_pkcs1):
        if scheme in offered:
            return scheme
    return None


def sign(key: SigningKey, scheme: int, data: bytes) -> bytes:
    """Sign ``data`` with ``scheme`` (which :func:`choose_scheme` found for ``key``)."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    algorithm = _HASHES[scheme]()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(algorithm, deterministic_signing=True))
    assert isinstance(key, rsa.RSAPrivateKey)
    if scheme in _PSS:
        # RFC 8446 §4.2.3: the salt is as long as the hash output
        pss = padding.PSS(padding.MGF1(algorithm), padding.PSS.DIGEST_LENGTH)
        return key.sign(data, pss, algorithm)
    return key.sign(data, padding.PKCS1v15(), algorithm)
