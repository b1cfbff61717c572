"""The result of decrypting one TLS record, and helpers shared by the ciphers.

A :class:`RecordDecryption` keeps every intermediate value of record
protection — key, IV or nonce, additional data, tag or MAC — so the UI can show
*how* a record was opened, not only what was inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RecordDecryption", "failure", "nonce_xor_seq", "seq_bytes"]


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class RecordDecryption:
    """Everything about one record's decryption.

    ``content_type`` is the TLS 1.3 inner type, or the outer type otherwise.
    ``padding_len`` counts padding bytes removed, not the CBC padding_length
    byte nor the TLS 1.3 content-type byte.  ``iv`` is the IV or nonce base
    actually used: the TLS 1.3 / ChaCha20 static IV, the 4-byte GCM/CCM salt,
    the explicit CBC IV, or the implicit CBC IV (the previous record's last
    ciphertext block).  ``mac`` is the MAC found in the record and
    ``expected_mac`` the one computed here.  ``protected`` is False for records
    that were passed through unencrypted (TLS 1.3 ChangeCipherSpec).
    ``compressed`` holds the TLSCompressed fragment when DEFLATE compression
    (RFC 3749) was negotiated; ``plaintext`` is then the decompressed data.
    """

    plaintext: bytes
    ok: bool
    error: str | None
    content_type: int
    padding_len: int
    seq: int
    key: bytes
    iv: bytes
    nonce: bytes | None = None
    aad: bytes | None = None
    tag: bytes | None = None
    mac: bytes | None = None
    mac_ok: bool | None = None
    explicit_iv: bytes | None = None
    expected_mac: bytes | None = None
    protected: bool = True
    compressed: bytes | None = None
    #: DTLS 1.3: how the encrypted sequence number was recovered
    #: (:class:`~.dtls13.RecordNumber`)
    record_number: Any = None


def failure(
    error: str, content_type: int, seq: int, key: bytes, iv: bytes, **extra: object
) -> RecordDecryption:
    """A failed decryption carrying whatever was computed before the failure."""
    plaintext = extra.pop("plaintext", b"")
    assert isinstance(plaintext, bytes)
    return RecordDecryption(
        plaintext=plaintext,
        ok=False,
        error=error,
        content_type=content_type,
        padding_len=0,
        seq=seq,
        key=key,
        iv=iv,
        **extra,  # type: ignore[arg-type]
    )


def seq_bytes(seq: int) -> bytes:
    """The 64-bit big-endian sequence number (RFC 5246 §6.1)."""
    return (seq & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "big")


def nonce_xor_seq(iv: bytes, seq: int) -> bytes:
    """Per-record nonce: the sequence number, left-padded to len(iv), XOR the IV.

    RFC 8446 §5.3 (TLS 1.3) and RFC 7905 §2 (ChaCha20-Poly1305 in TLS 1.2).
    """
    n = len(iv)
    return (int.from_bytes(iv, "big") ^ (seq & 0xFFFF_FFFF_FFFF_FFFF)).to_bytes(n, "big")
