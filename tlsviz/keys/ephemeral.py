"""One side's (EC)DHE private key, and how a key object becomes one.

Shared by the key files a user gives (:mod:`.material`) and the secrets that
tlsviz's own peer records (:mod:`.peer_secrets`), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from .premaster import ECDHE_GROUPS

__all__ = ["EphemeralKey", "EphemeralPrivateKey", "ephemeral_of", "from_scalar"]

EphemeralPrivateKey: TypeAlias = (
    x25519.X25519PrivateKey | x448.X448PrivateKey | ec.EllipticCurvePrivateKey
)


@dataclass(frozen=True, slots=True)
class EphemeralKey:
    """One side's (EC)DHE private key of a handshake.

    ``group`` is the IANA NamedGroup name (``x25519``, ``secp256r1``…);
    ``public`` is the public value as the wire carries it: 32/56 raw bytes for
    X25519/X448 (RFC 7748 §6), the uncompressed point 04||X||Y for the NIST
    curves (RFC 8446 §4.2.8.2); ``origin`` says where it was read from.
    """

    group: str
    private: EphemeralPrivateKey
    public: bytes
    origin: str = ""

    @property
    def code(self) -> int:
        """The NamedGroup code point (RFC 8446 §4.2.7)."""
        return ECDHE_GROUPS[self.group]

    def private_bytes_raw(self) -> bytes:
        """The raw private key (X25519/X448, RFC 7748) or big-endian scalar (NIST curves)."""
        key = self.private
        if isinstance(key, ec.EllipticCurvePrivateKey):
            size = (key.curve.key_size + 7) // 8
            return key.private_numbers().private_value.to_bytes(size, "big")
        return key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )


def ephemeral_of(key: PrivateKeyTypes, origin: str) -> EphemeralKey | None:
    if isinstance(key, x25519.X25519PrivateKey | x448.X448PrivateKey):
        group = "x25519" if isinstance(key, x25519.X25519PrivateKey) else "x448"
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        return EphemeralKey(group, key, key.public_key().public_bytes(*raw), origin)
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in ECDHE_GROUPS:
        point = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        return EphemeralKey(key.curve.name, key, key.public_key().public_bytes(*point), origin)
    return None


def from_scalar(group: str, raw: bytes) -> EphemeralPrivateKey:
    """A private key from its raw bytes (RFC 7748 §5 / big-endian scalar for NIST curves)."""
    if group == "x25519":
        return x25519.X25519PrivateKey.from_private_bytes(raw)
    if group == "x448":
        return x448.X448PrivateKey.from_private_bytes(raw)
    curves = {"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1(), "secp521r1": ec.SECP521R1()}
    return ec.derive_private_key(int.from_bytes(raw, "big"), curves[group])
