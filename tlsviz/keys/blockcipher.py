"""MAC-based record protection: CBC block ciphers, RC4 and NULL, with HMAC.

Before AEAD, TLS protected records in two separate steps, a MAC for integrity
and a cipher for secrecy.  The default order is MAC-then-encrypt (RFC 5246
§6.2.3.1-6.2.3.2): the MAC covers the plaintext, then plaintext || MAC ||
padding is encrypted.  RFC 7366 (encrypt-then-MAC) reverses that, so the MAC
can be checked before any padding is looked at (padding oracles such as
Lucky Thirteen need the opposite order).

CBC needs an IV per record.  TLS 1.1+ sends it as the first block of each
record; SSL 3.0 and TLS 1.0 use the last ciphertext block of the previous
record (this predictability is what BEAST exploited), so their decryptor has
to remember it between records.
"""

from __future__ import annotations

import hmac as _hmac_compare

from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit
from cryptography.hazmat.primitives.ciphers import (
    BlockCipherAlgorithm,
    Cipher,
    CipherContext,
    algorithms,
    modes,
)

from .digests import digest, hash_len, hmac_digest, normalize_hash_name
from .record import RecordDecryption, failure, seq_bytes

__all__ = ["BLOCK_CIPHERS", "MacProtection", "ssl3_mac", "tls_mac"]

#: Block-cipher kinds handled here → block size.
BLOCK_CIPHERS: dict[str, int] = {
    "aes-cbc": 16,
    "camellia-cbc": 16,
    "3des-cbc": 8,
    "des-cbc": 8,
    "seed-cbc": 16,
    "idea-cbc": 8,
}


def _block_algorithm(kind: str, key: bytes) -> BlockCipherAlgorithm:
    if kind == "aes-cbc":
        return algorithms.AES(key)
    if kind == "camellia-cbc":
        return decrepit.Camellia(key)
    if kind == "3des-cbc":
        return decrepit.TripleDES(key)
    if kind == "des-cbc":
        # Single DES is 3DES-EDE with K1 = K2 = K3 (the middle decrypt cancels the first encrypt).
        return decrepit.TripleDES(key * 3)
    if kind == "seed-cbc":
        return decrepit.SEED(key)
    if kind == "idea-cbc":
        return decrepit.IDEA(key)
    raise ValueError(f"unsupported block cipher {kind}")


def tls_mac(
    mac_name: str, mac_key: bytes, seq: int, content_type: int, version: int, data: bytes
) -> bytes:
    """HMAC(MAC_write_key, seq_num + type + version + length + data).

    RFC 5246 §6.2.3.1 (and RFC 2246 §6.2.3.1 for TLS 1.0).  With
    encrypt-then-MAC, ``data`` is IV + ciphertext (RFC 7366 §3).
    """
    header = seq_bytes(seq) + bytes([content_type]) + version.to_bytes(2, "big")
    return hmac_digest(mac_name, mac_key, header + len(data).to_bytes(2, "big") + data)


def ssl3_mac(mac_name: str, mac_secret: bytes, seq: int, content_type: int, data: bytes) -> bytes:
    """SSL 3.0 MAC (RFC 6101 §5.2.3.1), an early form of HMAC without the version.

    hash(secret + pad_2 + hash(secret + pad_1 + seq_num + type + length + content)),
    pad_1 = 0x36 and pad_2 = 0x5c repeated 48 times for MD5, 40 for SHA-1.
    """
    pad_len = 48 if normalize_hash_name(mac_name) == "md5" else 40
    inner = digest(
        mac_name,
        mac_secret
        + b"\x36" * pad_len
        + seq_bytes(seq)
        + bytes([content_type])
        + len(data).to_bytes(2, "big")
        + data,
    )
    return digest(mac_name, mac_secret + b"\x5c" * pad_len + inner)


class MacProtection:
    """Opens CBC, RC4 or NULL records of one direction, MAC included.

    ``kind`` is one of :data:`BLOCK_CIPHERS`, ``"rc4"`` or ``"null"``.
    ``iv`` is the key-block IV, used as the first implicit IV by SSL 3.0 and
    TLS 1.0.  The object is stateful: it keeps the implicit IV (CBC) or the
    key stream position (RC4).  Raises ``ValueError`` for unusable keys.
    """

    def __init__(
        self,
        kind: str,
        key: bytes,
        iv: bytes,
        *,
        version: int,
        mac: str,
        mac_key: bytes,
        encrypt_then_mac: bool = False,
    ) -> None:
        self.kind = kind
        self.key = key
        self.version = version
        self.ssl3 = version == 0x0300
        self.explicit_iv = version not in (0x0300, 0x0301)
        self.encrypt_then_mac = encrypt_then_mac and kind in BLOCK_CIPHERS
        self.mac_name = None if mac.upper() == "NULL" else normalize_hash_name(mac)
        self.mac_len = 0 if self.mac_name is None else hash_len(self.mac_name)
        self.mac_key = mac_key
        self.block_size = BLOCK_CIPHERS.get(kind, 0)
        self.iv = iv
        self._rc4: CipherContext | None = None
        if kind in BLOCK_CIPHERS:
            _block_algorithm(kind, key)  # validate the key length now
            if not self.explicit_iv and len(iv) != self.block_size:
                raise ValueError(f"{kind} needs a {self.block_size}-byte IV, got {len(iv)}")
        elif kind == "rc4":
            self._rc4 = Cipher(decrepit.ARC4(key), mode=None).decryptor()
        elif kind != "null":
            raise ValueError(f"unsupported cipher {kind}")

    # -- MAC ---------------------------------------------------------------

    def _mac(self, seq: int, content_type: int, version: int, data: bytes) -> bytes:
        assert self.mac_name is not None
        if self.ssl3:
            return ssl3_mac(self.mac_name, self.mac_key, seq, content_type, data)
        return tls_mac(self.mac_name, self.mac_key, seq, content_type, version, data)

    # -- records -----------------------------------------------------------

    def decrypt(
        self, content_type: int, version: int, fragment: bytes, seq: int
    ) -> RecordDecryption:
        """Open one record fragment with sequence number ``seq``."""
        if self.kind in BLOCK_CIPHERS:
            return self._open_cbc(content_type, version, fragment, seq)
        plain = self._rc4.update(fragment) if self._rc4 is not None else fragment
        return self._check_mac_then_done(content_type, version, plain, seq, self.iv, None, 0)

    def _check_mac_then_done(
        self,
        content_type: int,
        version: int,
        plain: bytes,
        seq: int,
        iv: bytes,
        explicit: bytes | None,
        padding_len: int,
    ) -> RecordDecryption:
        """MAC-then-encrypt: ``plain`` is content || MAC with padding already removed."""
        if self.mac_name is None:
            return RecordDecryption(
                plain,
                True,
                None,
                content_type,
                padding_len,
                seq,
                self.key,
                iv,
                explicit_iv=explicit,
            )
        if len(plain) < self.mac_len:
            return failure(
                f"decrypted record ({len(plain)} bytes) is shorter than the "
                f"{self.mac_len}-byte MAC",
                content_type,
                seq,
                self.key,
                iv,
                explicit_iv=explicit,
            )
        content, mac = plain[: len(plain) - self.mac_len], plain[len(plain) - self.mac_len :]
        expected = self._mac(seq, content_type, version, content)
        mac_ok = _hmac_compare.compare_digest(mac, expected)
        return RecordDecryption(
            plaintext=content,
            ok=mac_ok,
            error=None
            if mac_ok
            else "MAC mismatch: wrong MAC key or sequence number, or the record was altered",
            content_type=content_type,
            padding_len=padding_len,
            seq=seq,
            key=self.key,
            iv=iv,
            mac=mac,
            mac_ok=mac_ok,
            explicit_iv=explicit,
            expected_mac=expected,
        )

    def _open_cbc(
        self, content_type: int, version: int, fragment: bytes, seq: int
    ) -> RecordDecryption:
        bs = self.block_size
        mac: bytes | None = None
        expected: bytes | None = None
        body = fragment
        if self.encrypt_then_mac:
            if len(fragment) < self.mac_len:
                return failure("record shorter than its MAC", content_type, seq, self.key, self.iv)
            body, mac = (
                fragment[: len(fragment) - self.mac_len],
                fragment[len(fragment) - self.mac_len :],
            )
            # RFC 7366 §3: MAC over seq + type + version + length(IV + ciphertext)
            # + IV + ciphertext.
            expected = self._mac(seq, content_type, version, body)
        if self.explicit_iv:
            iv, ciphertext, explicit = body[:bs], body[bs:], body[:bs]
        else:
            iv, ciphertext, explicit = self.iv, body, None
        if not ciphertext or len(ciphertext) % bs or len(iv) != bs:
            return failure(
                f"CBC ciphertext of {len(ciphertext)} bytes is not a positive multiple of the "
                f"{bs}-byte block size",
                content_type,
                seq,
                self.key,
                iv,
                explicit_iv=explicit,
                mac=mac,
                expected_mac=expected,
            )
        if not self.explicit_iv:
            # SSL 3.0 / TLS 1.0: the next record's IV is this record's last ciphertext block.
            self.iv = ciphertext[-bs:]
        if (
            mac is not None
            and expected is not None
            and not _hmac_compare.compare_digest(mac, expected)
        ):
            return failure(
                "MAC mismatch (checked before decryption, RFC 7366): wrong MAC key or sequence "
                "number, or the record was altered",
                content_type,
                seq,
                self.key,
                iv,
                mac=mac,
                mac_ok=False,
                expected_mac=expected,
                explicit_iv=explicit,
            )
        decryptor = Cipher(_block_algorithm(self.kind, self.key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        pad_len = padded[-1]
        padding_error = self._padding_error(padded, pad_len)
        if padding_error is not None:
            return failure(
                padding_error,
                content_type,
                seq,
                self.key,
                iv,
                explicit_iv=explicit,
                mac=mac,
                mac_ok=None if mac is None else True,
                expected_mac=expected,
            )
        unpadded = padded[: len(padded) - pad_len - 1]
        if self.encrypt_then_mac:
            return RecordDecryption(
                plaintext=unpadded,
                ok=True,
                error=None,
                content_type=content_type,
                padding_len=pad_len,
                seq=seq,
                key=self.key,
                iv=iv,
                mac=mac,
                mac_ok=True,
                explicit_iv=explicit,
                expected_mac=expected,
            )
        return self._check_mac_then_done(
            content_type, version, unpadded, seq, iv, explicit, pad_len
        )

    def _padding_error(self, padded: bytes, pad_len: int) -> str | None:
        """Check CBC padding; None if valid.

        TLS (RFC 5246 §6.2.3.2): every padding byte equals padding_length.
        SSL 3.0 (RFC 6101 §5.2.3.2): padding content is arbitrary and shorter
        than one block — the looseness the POODLE attack relies on.
        """
        needed = pad_len + 1 + (0 if self.encrypt_then_mac else self.mac_len)
        if needed > len(padded):
            return (
                f"padding length {pad_len} does not fit in the {len(padded)}-byte plaintext: "
                "wrong key or IV"
            )
        if self.ssl3:
            if pad_len >= self.block_size:
                return f"SSL 3.0 padding of {pad_len} bytes is not shorter than one block"
            return None
        padding = padded[len(padded) - pad_len - 1 : -1]
        if any(b != pad_len for b in padding):
            return "bad CBC padding bytes: wrong key or IV"
        return None
