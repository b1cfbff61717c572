"""Record protection, encrypt direction: what a sender does to each record.

:mod:`tlsviz.keys.protection` opens records; :class:`RecordSealer` is its
mirror for tlsviz's own peer (:mod:`tlsviz.peer`), which has to *send*
protected records.  Only the AEAD constructions are here, because they are all
TLS 1.3 allows and all the TLS 1.2 suites the peer speaks use:

* TLS 1.3 (RFC 8446 §5.2): the plaintext is wrapped as ``TLSInnerPlaintext``
  (content, the real content type, optional zero padding); the outer record
  always says application_data and version 0x0303; the additional data is the
  record header; nonce = write_iv XOR the padded sequence number (§5.3).
* TLS 1.2 AES-GCM/CCM (RFC 5288 §3, RFC 6655 §3): an 8-byte explicit nonce is
  sent in front of the ciphertext (this sealer uses the sequence number, as
  most implementations do); nonce = 4-byte salt || explicit nonce; additional
  data = seq_num || type || version || plaintext length (RFC 5246 §6.2.3.3).
* TLS 1.2 ChaCha20-Poly1305 (RFC 7905 §2): nonce as in TLS 1.3, additional
  data as in TLS 1.2, no explicit nonce.

A sealer can also flip one bit of the next ciphertext on purpose (``tamper``):
the receiver must then refuse the record with a bad_record_mac alert
(RFC 8446 §5.2, RFC 5246 §7.2.2), which is one of the peer's experiments.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from .protection import classify_cipher
from .record import nonce_xor_seq, seq_bytes
from .suites import SuiteLike

__all__ = ["RecordSealer"]

_APPLICATION_DATA = 23
_LEGACY_RECORD_VERSION = 0x0303


class RecordSealer:
    """Protects the records of one direction and epoch, in order.

    ``key``/``iv`` are the write key and IV (TLS 1.3, ChaCha20: 12-byte IV;
    TLS 1.2 GCM/CCM: the 4-byte salt).  ``tls13`` selects the TLS 1.3 record
    format.  Raises ``ValueError`` for a suite that is not AEAD.
    """

    def __init__(self, suite: SuiteLike, key: bytes, iv: bytes, *, tls13: bool) -> None:
        kind = classify_cipher(suite.cipher, suite.mode)
        self.cipher: AESGCM | AESCCM | ChaCha20Poly1305
        if kind == "aes-gcm":
            self.cipher = AESGCM(key)
        elif kind == "aes-ccm":
            self.cipher = AESCCM(key, tag_length=suite.tag_len)
        elif kind == "chacha20-poly1305":
            self.cipher = ChaCha20Poly1305(key)
        else:
            raise ValueError(f"{suite.cipher} is not an AEAD cipher")
        self.kind = kind
        self.key = key
        self.iv = iv
        self.tls13 = tls13
        self.tag_len = suite.tag_len
        self.seq = 0
        #: flip one bit of the next record's ciphertext (an experiment)
        self.tamper = False
        self.explicit_nonce = not tls13 and kind != "chacha20-poly1305"

    def seal(
        self, content_type: int, payload: bytes, *, version: int = 0x0303, padding: int = 0
    ) -> bytes:
        """One whole protected record: 5-byte header and fragment."""
        if self.tls13:
            record = self._seal13(content_type, payload, padding)
        else:
            record = self._seal12(content_type, payload, version)
        self.seq += 1
        if self.tamper:
            self.tamper = False
            # the first ciphertext byte (after the header and any explicit nonce)
            at = 5 + (8 if self.explicit_nonce else 0)
            record = record[:at] + bytes([record[at] ^ 0x01]) + record[at + 1 :]
        return record

    def _seal13(self, content_type: int, payload: bytes, padding: int) -> bytes:
        # RFC 8446 §5.2: TLSInnerPlaintext = content || type || zeros.
        inner = payload + bytes([content_type]) + bytes(padding)
        length = len(inner) + self.tag_len
        header = bytes([_APPLICATION_DATA]) + _LEGACY_RECORD_VERSION.to_bytes(2, "big")
        header += length.to_bytes(2, "big")
        nonce = nonce_xor_seq(self.iv, self.seq)
        return header + self.cipher.encrypt(nonce, inner, header)

    def _seal12(self, content_type: int, payload: bytes, version: int) -> bytes:
        # RFC 5246 §6.2.3.3: additional_data = seq_num + type + version + length.
        aad = (
            seq_bytes(self.seq)
            + bytes([content_type])
            + version.to_bytes(2, "big")
            + len(payload).to_bytes(2, "big")
        )
        if self.explicit_nonce:
            explicit = seq_bytes(self.seq)
            fragment = explicit + self.cipher.encrypt(self.iv + explicit, payload, aad)
        else:
            fragment = self.cipher.encrypt(nonce_xor_seq(self.iv, self.seq), payload, aad)
        header = bytes([content_type]) + version.to_bytes(2, "big")
        return header + len(fragment).to_bytes(2, "big") + fragment
