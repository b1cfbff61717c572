"""Ephemeral (EC)DHE key pairs: made, encoded for the wire, combined.

A key share is the public half of a key pair made for one handshake only
(RFC 8446 §4.2.8; RFC 8422 §5.4 for TLS 1.2's ServerKeyExchange): X25519 and
X448 send the raw 32/56-byte public key (RFC 7748 §6), the NIST and brainpool
curves the uncompressed point ``04 || X || Y``.  Both sides combine their own
private key with the other's public key and reach the same shared secret,
which never crosses the wire (:func:`tlsviz.keys.premaster.ecdhe_shared_secret`).

The private keys come from :class:`~tlsviz.peer.entropy.Entropy`, so a seeded
peer makes the same key pair every time; :meth:`KeyPair.private_bytes` is
what the recording stores so the decoder can start at the shared secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

from ..keys.premaster import ecdhe_shared_secret
from ..wire.registry import NamedGroup
from .entropy import Entropy

__all__ = ["SUPPORTED_GROUPS", "KeyPair", "make_key_pair"]

#: NIST and brainpool curves by group code.  The brainpool groups are here for
#: the "unsupported group" experiment only: tlsviz can make their key shares
#: but its decoder does not derive from them.
_CURVES: dict[int, ec.EllipticCurve] = {
    NamedGroup.secp256r1: ec.SECP256R1(),
    NamedGroup.secp384r1: ec.SECP384R1(),
    NamedGroup.secp521r1: ec.SECP521R1(),
    NamedGroup.brainpoolP256r1: ec.BrainpoolP256R1(),
    NamedGroup.brainpoolP256r1tls13: ec.BrainpoolP256R1(),
}

#: The groups the peer completes handshakes with, in its default preference.
SUPPORTED_GROUPS: tuple[int, ...] = (
    NamedGroup.x25519,
    NamedGroup.secp256r1,
    NamedGroup.secp384r1,
    NamedGroup.x448,
    NamedGroup.secp521r1,
)

PrivateKey = x25519.X25519PrivateKey | x448.X448PrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class KeyPair:
    """One ephemeral key pair: its group code, private key and wire-format public key."""

    group: int
    private: PrivateKey
    public: bytes

    def private_bytes(self) -> bytes:
        """The raw private key (X25519/X448) or big-endian scalar (NIST curves)."""
        if isinstance(self.private, ec.EllipticCurvePrivateKey):
            size = (self.private.curve.key_size + 7) // 8
            return self.private.private_numbers().private_value.to_bytes(size, "big")
        return self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def exchange(self, peer_public: bytes) -> bytes:
        """The shared secret with the peer's key share; ``ValueError`` if it is invalid."""
        if self.group in (NamedGroup.brainpoolP256r1, NamedGroup.brainpoolP256r1tls13):
            assert isinstance(self.private, ec.EllipticCurvePrivateKey)
            curve = self.private.curve
            peer = ec.EllipticCurvePublicKey.from_encoded_point(curve, peer_public)
            return self.private.exchange(ec.ECDH(), peer)
        return ecdhe_shared_secret(self.group, self.private, peer_public)


def make_key_pair(group: int, entropy: Entropy, label: str) -> KeyPair:
    """A fresh key pair for ``group``; ``ValueError`` for a group the peer cannot make."""
    if group == NamedGroup.x25519:
        x = x25519.X25519PrivateKey.from_private_bytes(entropy.bytes(32, label))
        raw = x.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return KeyPair(group, x, raw)
    if group == NamedGroup.x448:
        y = x448.X448PrivateKey.from_private_bytes(entropy.bytes(56, label))
        raw = y.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return KeyPair(group, y, raw)
    curve = _CURVES.get(group)
    if curve is None:
        raise ValueError(f"tlsviz cannot make a key share for group {group}")
    size = (curve.key_size + 7) // 8
    while True:  # a scalar outside 1..n-1 is drawn again (rare: about 2^-32 for P-256)
        scalar = int.from_bytes(entropy.bytes(size, label), "big")
        if curve.key_size == 521:
            scalar &= (1 << 521) - 1
        try:
            key = ec.derive_private_key(scalar, curve)
        except ValueError:
            continue
        point = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return KeyPair(group, key, point)
