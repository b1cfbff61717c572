"""HKDF and the TLS 1.3 labelled forms of it, one visible step at a time.

``cryptography`` has an HKDF class, but it hides the pseudorandom key between
Extract and Expand and the T(1), T(2)… blocks of Expand.  tlsviz wants to show
those, so HKDF is written out here with HMAC exactly as RFC 5869 defines it.
"""

from __future__ import annotations

import functools

from .digests import digest, hash_len, hmac_digest

__all__ = [
    "DRAFT_LABEL_PREFIX",
    "DTLS13_LABEL_PREFIX",
    "TLS13_LABEL_PREFIX",
    "derive_secret",
    "hkdf_expand",
    "hkdf_expand_blocks",
    "hkdf_expand_label",
    "hkdf_extract",
    "hkdf_label",
    "transcript_hash",
]

#: Prefix of every HkdfLabel in RFC 8446 (§7.1).
TLS13_LABEL_PREFIX = "tls13 "
#: RFC 9147 §5.9: DTLS 1.3 labels start with "dtls13" (no space), so that a
#: TLS 1.3 key can never be mistaken for a DTLS 1.3 one
DTLS13_LABEL_PREFIX = "dtls13"
#: Prefix used by TLS 1.3 drafts up to -19 (before "tls13 " was chosen).
DRAFT_LABEL_PREFIX = "TLS 1.3, "


def hkdf_extract(hash_name: str, salt: bytes | None, ikm: bytes) -> bytes:
    """PRK = HMAC-Hash(salt, IKM).

    RFC 5869 §2.2: a missing salt means HashLen zero bytes.  TLS 1.3 uses a
    zero salt for the early secret and an all-zero IKM where no PSK or no
    (EC)DHE input exists (RFC 8446 §7.1).
    """
    if not salt:
        salt = bytes(hash_len(hash_name))
    return hmac_digest(hash_name, salt, ikm)


def hkdf_expand_blocks(hash_name: str, prk: bytes, info: bytes, length: int) -> list[bytes]:
    """The blocks T(1), T(2), … of HKDF-Expand, for showing the chaining.

    RFC 5869 §2.3: T(0) is empty, T(i) = HMAC-Hash(PRK, T(i-1) | info | i),
    and at most 255 blocks may be produced.
    """
    size = hash_len(hash_name)
    if length < 0 or length > 255 * size:
        raise ValueError(f"HKDF-Expand length {length} outside 0..{255 * size}")
    blocks: list[bytes] = []
    previous = b""
    for counter in range(1, -(-length // size) + 1):
        previous = hmac_digest(hash_name, prk, previous + info + bytes([counter]))
        blocks.append(previous)
    return blocks


def hkdf_expand(hash_name: str, prk: bytes, info: bytes, length: int) -> bytes:
    """OKM = the first ``length`` bytes of T(1) | T(2) | … (RFC 5869 §2.3)."""
    if 0 < length <= hash_len(hash_name):  # one block: TLS 1.3's keys, IVs and secrets
        return hmac_digest(hash_name, prk, info + b"\x01")[:length]
    return b"".join(hkdf_expand_blocks(hash_name, prk, info, length))[:length]


def hkdf_label(
    label: str | bytes, context: bytes, length: int, prefix: str = TLS13_LABEL_PREFIX
) -> bytes:
    """The serialized HkdfLabel structure that becomes HKDF's ``info``.

    RFC 8446 §7.1::

        struct {
            uint16 length = Length;
            opaque label<7..255> = "tls13 " + Label;
            opaque context<0..255> = Context;
        } HkdfLabel;
    """
    if not context and isinstance(label, str):
        return _bare_label(label, length, prefix)  # key, iv, finished...: the same each time
    raw_label = label.encode("ascii") if isinstance(label, str) else bytes(label)
    full = prefix.encode("ascii") + raw_label
    if len(full) > 255 or len(context) > 255 or not 0 <= length <= 0xFFFF:
        raise ValueError("HkdfLabel field too long")
    return length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context


@functools.lru_cache(maxsize=256)
def _bare_label(label: str, length: int, prefix: str) -> bytes:
    return hkdf_label(label.encode("ascii"), b"", length, prefix)


def hkdf_expand_label(
    hash_name: str,
    secret: bytes,
    label: str | bytes,
    context: bytes,
    length: int,
    prefix: str = TLS13_LABEL_PREFIX,
) -> bytes:
    """HKDF-Expand-Label(Secret, Label, Context, Length), RFC 8446 §7.1."""
    return hkdf_expand(hash_name, secret, hkdf_label(label, context, length, prefix), length)


def derive_secret(
    hash_name: str,
    secret: bytes,
    label: str | bytes,
    messages_hash: bytes,
    prefix: str = TLS13_LABEL_PREFIX,
) -> bytes:
    """Derive-Secret(Secret, Label, Messages), RFC 8446 §7.1.

    Takes Transcript-Hash(Messages) already computed, because the handshake
    code hashes the transcript incrementally; the output length is always the
    hash length.
    """
    return hkdf_expand_label(hash_name, secret, label, messages_hash, hash_len(hash_name), prefix)


def transcript_hash(hash_name: str, *messages: bytes) -> bytes:
    """Hash of the concatenated handshake messages (RFC 8446 §4.4.1).

    Messages are the handshake structures with their 4-byte headers, without
    record headers.  (The HelloRetryRequest ``message_hash`` substitution is
    done by the caller, see :func:`tlsviz.keys.schedule13.hrr_message_hash`.)
    """
    return digest(hash_name, b"".join(messages))
