"""AEAD record protection: AES-GCM, AES-CCM(-8), ChaCha20-Poly1305.

An AEAD cipher encrypts and authenticates in one operation; what differs
between TLS versions is only how the nonce and the additional data are built:

* TLS 1.3 (RFC 8446 §5.2-5.3): nonce = write_iv XOR padded sequence number;
  AAD = the 5-byte record header; the plaintext hides the real content type
  and optional zero padding at its end.
* TLS 1.2 GCM/CCM (RFC 5288 §3, RFC 6655 §3): nonce = 4-byte implicit salt ||
  8-byte explicit nonce sent at the start of each record; AAD = seq_num ||
  type || version || plaintext length (RFC 5246 §6.2.3.3).
* TLS 1.2 ChaCha20-Poly1305 (RFC 7905 §2): nonce as in TLS 1.3, AAD as in
  TLS 1.2, no explicit nonce.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from .record import RecordDecryption, failure, nonce_xor_seq, seq_bytes

__all__ = ["AeadProtection"]

_TAG_MISMATCH = (
    "authentication tag mismatch: wrong key or IV, wrong sequence number, or the record was altered"
)


class AeadProtection:
    """Opens AEAD-protected records of one direction (stateless apart from keys).

    ``kind`` is ``"aes-gcm"``, ``"aes-ccm"`` or ``"chacha20-poly1305"``.
    ``iv`` is the 12-byte write IV (TLS 1.3, ChaCha20) or 4-byte salt (TLS 1.2
    GCM/CCM).  Raises ``ValueError`` for unusable key or IV lengths.
    """

    def __init__(
        self,
        kind: str,
        key: bytes,
        iv: bytes,
        *,
        tls13: bool,
        tag_len: int = 16,
        empty_aad: bool = False,
    ):
        self.kind = kind
        self.key = key
        self.iv = iv
        self.tls13 = tls13
        #: TLS 1.3 drafts before -25 authenticated no additional data; the
        #: final RFC authenticates the record header (RFC 8446 §5.2).
        self.empty_aad = empty_aad
        self.tag_len = tag_len
        self.cipher: AESGCM | AESCCM | ChaCha20Poly1305
        if kind == "aes-gcm":
            self.cipher = AESGCM(key)
            if tag_len != 16:
                raise ValueError("TLS uses 16-byte GCM tags")
        elif kind == "aes-ccm":
            self.cipher = AESCCM(key, tag_length=tag_len)
        elif kind == "chacha20-poly1305":
            self.cipher = ChaCha20Poly1305(key)
        else:
            raise ValueError(f"not an AEAD cipher: {kind}")
        self.explicit_nonce_len = 0 if tls13 or kind == "chacha20-poly1305" else 8
        wanted_iv = 12 if self.explicit_nonce_len == 0 else 4
        if len(iv) != wanted_iv:
            raise ValueError(f"{kind} needs a {wanted_iv}-byte IV here, got {len(iv)}")

    def decrypt(
        self, content_type: int, version: int, fragment: bytes, seq: int, aad: bytes | None = None
    ) -> RecordDecryption:
        """Open one record's fragment (the bytes after the 5-byte header).
        ``aad`` replaces the additional data built from the header fields
        (DTLS 1.3 authenticates its unified header, RFC 9147 §4; a DTLS 1.2
        record with a connection ID its own layout, RFC 9146 §5)."""
        if self.tls13:
            return self._open13(content_type, version, fragment, seq, aad)
        return self._open12(content_type, version, fragment, seq, aad)

    def _aad13(self, content_type: int, version: int, length: int) -> bytes:
        # RFC 8446 §5.2: AAD = opaque_type || legacy_record_version || length.
        if self.empty_aad:
            return b""
        return bytes((content_type, version >> 8, version & 0xFF, length >> 8, length & 0xFF))

    def inner13(self, content_type: int, version: int, fragment: bytes, seq: int) -> bytes | None:
        """TLS 1.3: the inner plaintext (content, then its type) of one record
        without its zero padding, or None if it does not open; :meth:`decrypt`
        without the account of how, for the quick check of big captures."""
        if len(fragment) <= self.tag_len:
            return None
        aad = self._aad13(content_type, version, len(fragment))
        try:
            inner = self.cipher.decrypt(nonce_xor_seq(self.iv, seq), fragment, aad)
        except InvalidTag:
            return None
        return inner.rstrip(b"\x00") or None

    def _open13(
        self, content_type: int, version: int, fragment: bytes, seq: int, aad: bytes | None = None
    ) -> RecordDecryption:
        if aad is None:
            aad = self._aad13(content_type, version, len(fragment))
        nonce = nonce_xor_seq(self.iv, seq)
        common = {"nonce": nonce, "aad": aad}
        if len(fragment) < self.tag_len + 1:
            return failure(
                f"record of {len(fragment)} bytes is shorter than tag plus content type",
                content_type,
                seq,
                self.key,
                self.iv,
                **common,
            )
        tag = fragment[-self.tag_len :]
        try:
            inner = self.cipher.decrypt(nonce, fragment, aad)
        except InvalidTag:
            return failure(_TAG_MISMATCH, content_type, seq, self.key, self.iv, tag=tag, **common)
        # RFC 8446 §5.4: strip zero padding; the last non-zero byte is the real type.
        body = inner.rstrip(b"\x00")
        padding = len(inner) - len(body)
        if not body:
            return failure(
                "decrypted record is all zeros: no inner content type (RFC 8446 §5.4)",
                content_type,
                seq,
                self.key,
                self.iv,
                tag=tag,
                **common,
            )
        return RecordDecryption(
            plaintext=body[:-1],
            ok=True,
            error=None,
            content_type=body[-1],
            padding_len=padding,
            seq=seq,
            key=self.key,
            iv=self.iv,
            nonce=nonce,
            aad=aad,
            tag=tag,
        )

    def _open12(
        self, content_type: int, version: int, fragment: bytes, seq: int, aad: bytes | None = None
    ) -> RecordDecryption:
        explicit = fragment[: self.explicit_nonce_len] if self.explicit_nonce_len else None
        body = fragment[self.explicit_nonce_len :]
        # RFC 5288 §3: salt || nonce_explicit;  RFC 7905 §2: iv XOR seq.
        nonce = self.iv + explicit if explicit is not None else nonce_xor_seq(self.iv, seq)
        plain_len = len(body) - self.tag_len
        if plain_len < 0 or (explicit is not None and len(explicit) < self.explicit_nonce_len):
            return failure(
                f"record of {len(fragment)} bytes is too short for explicit nonce and tag",
                content_type,
                seq,
                self.key,
                self.iv,
                explicit_iv=explicit,
            )
        # RFC 5246 §6.2.3.3: additional_data = seq_num + type + version + length.
        if aad is None:
            aad = (
                seq_bytes(seq)
                + bytes([content_type])
                + version.to_bytes(2, "big")
                + plain_len.to_bytes(2, "big")
            )
        else:
            aad += plain_len.to_bytes(2, "big")
        tag = body[-self.tag_len :]
        common: dict[str, object] = {
            "nonce": nonce,
            "aad": aad,
            "tag": tag,
            "explicit_iv": explicit,
        }
        try:
            plain = self.cipher.decrypt(nonce, body, aad)
        except InvalidTag:
            return failure(_TAG_MISMATCH, content_type, seq, self.key, self.iv, **common)
        return RecordDecryption(
            plaintext=plain,
            ok=True,
            error=None,
            content_type=content_type,
            padding_len=0,
            seq=seq,
            key=self.key,
            iv=self.iv,
            nonce=nonce,
            aad=aad,
            tag=tag,
            explicit_iv=explicit,
        )
