"""Record protection, decrypt direction: one :class:`RecordDecryptor` per direction.

A TLS connection has two independent record streams (client→server and
server→client), each with its own keys and sequence number, and for SSL 3.0 /
TLS 1.0 CBC or RC4 also its own running cipher state.  A
:class:`RecordDecryptor` holds that state for one direction and one epoch and
turns each record's fragment into a :class:`RecordDecryption` that shows every
intermediate value.  It never raises on record contents: a record that does not
decrypt yields ``ok=False`` and an ``error`` sentence.

The constructor takes the cipher parameters explicitly; the convenience
:meth:`RecordDecryptor.for_suite` takes anything with the fields of
``tlsviz.wire.registry.SuiteInfo``.
"""

from __future__ import annotations

import dataclasses
import functools
import zlib

from ..wire.facts import is_tls13
from .aead import AeadProtection
from .blockcipher import MacProtection
from .record import RecordDecryption, failure
from .suites import SuiteLike

__all__ = [
    "RecordDecryption",
    "RecordDecryptor",
    "classify_cipher",
]

_TLS13 = 0x0304
_APPLICATION_DATA = 23
#: Cipher-name fragments of ciphers the ``cryptography`` package cannot run.
_UNAVAILABLE = ("ARIA", "SM4", "GOST", "28147", "MAGMA", "KUZNYECHIK", "AEGIS", "HMAC_", "RC2")


@functools.lru_cache(maxsize=256)
def classify_cipher(cipher: str, mode: str | None = None) -> str:
    """Map a cipher name (``"AES_128_GCM"``, ``"3DES_EDE_CBC"``, ``"CHACHA20_POLY1305"``,
    ``"RC4_128"``, ``"NULL"``…) and optional mode to the implementation kind.

    Returns one of ``aes-gcm``, ``aes-ccm``, ``chacha20-poly1305``, the keys of
    :data:`~tlsviz.keys.blockcipher.BLOCK_CIPHERS`, ``rc4`` or ``null``;
    raises ``ValueError`` for ciphers ``cryptography`` cannot run (ARIA, SM4,
    GOST…).
    """
    name = cipher.upper().replace("-", "_")
    mode_l = (mode or "").lower()
    if any(word in name for word in _UNAVAILABLE):
        raise ValueError(f"cipher {cipher} is not available in the cryptography package")
    if "CHACHA20" in name:
        return "chacha20-poly1305"
    if "GCM" in name:
        if "CAMELLIA" in name:
            raise ValueError(f"cipher {cipher} is not available in the cryptography package")
        return "aes-gcm"
    if "CCM" in name:
        return "aes-ccm"
    if mode_l == "null" or name in ("NULL", ""):
        return "null"
    if "RC4" in name:
        return "rc4"
    if "3DES" in name or "DES_EDE" in name or "DES_CBC3" in name or "DES3" in name:
        return "3des-cbc"
    for word, kind in (
        ("CAMELLIA", "camellia-cbc"),
        ("SEED", "seed-cbc"),
        ("IDEA", "idea-cbc"),
        ("AES", "aes-cbc"),
        ("DES", "des-cbc"),
    ):
        if word in name:
            if mode_l == "aead":
                raise ValueError(f"AEAD mode of {cipher} not understood (expected GCM or CCM)")
            return kind
    raise ValueError(f"unsupported cipher {cipher!r}")


class RecordDecryptor:
    """Decrypts the records of one direction and epoch, in order.

    Parameters are explicit so that this works without the suite registry:

    * ``cipher``/``mode`` — cipher name and ``"stream"|"cbc"|"aead"|"null"``;
    * ``key``/``iv`` — write key and IV (TLS 1.3 or ChaCha20: 12-byte IV;
      TLS 1.2 GCM/CCM: 4-byte salt; CBC: the key-block IV, used by SSL 3.0 and
      TLS 1.0 as the first implicit IV; unused by TLS 1.1+ CBC);
    * ``version`` — the negotiated version (0x0300 … 0x0304, DTLS values too);
    * ``mac``/``mac_key`` — HMAC hash (``"SHA"``, ``"SHA256"``, ``"MD5"``…) for
      non-AEAD ciphers;
    * ``tag_len`` — 16, or 8 for CCM_8;
    * ``encrypt_then_mac`` — RFC 7366 negotiated;
    * ``seq`` — first sequence number (0 after every key change);
    * ``compression`` — the ServerHello compression method: 0 (null) or
      1 (DEFLATE, RFC 3749; one zlib stream per direction, checked by the MAC
      in its compressed form — the property the CRIME attack exploits).

    A record whose decryption fails does not advance the sequence number, so
    a caller can try another key (e.g. rejected 0-RTT data) and go on.
    Configuration errors (bad key length, unsupported cipher) do not raise
    either: they are kept in :attr:`setup_error` and returned by every call.
    """

    def __init__(
        self,
        *,
        cipher: str,
        key: bytes,
        iv: bytes = b"",
        version: int,
        mode: str | None = None,
        mac: str = "AEAD",
        mac_key: bytes = b"",
        tag_len: int = 16,
        encrypt_then_mac: bool = False,
        seq: int = 0,
        compression: int = 0,
    ) -> None:
        self.version = version
        # TLS 1.3 and its drafts (0x7fNN): record protection of RFC 8446 §5.2
        self.tls13 = is_tls13(version)
        draft = version & 0xFF if (version >> 8) == 0x7F else None
        self.key = key
        self.iv = iv
        self.seq = seq
        self.setup_error: str | None = None
        self.kind = ""
        self._impl: AeadProtection | MacProtection | None = None
        self._inflate = zlib.decompressobj() if compression == 1 else None
        try:
            if compression not in (0, 1):
                raise ValueError(f"unsupported compression method {compression}")
            self.kind = classify_cipher(cipher, mode)
            if self.kind in ("aes-gcm", "aes-ccm", "chacha20-poly1305"):
                self._impl = AeadProtection(
                    self.kind, key, iv, tls13=self.tls13, tag_len=tag_len,
                    empty_aad=draft is not None and draft < 25,
                )  # fmt: skip
            elif self.tls13:
                raise ValueError(f"TLS 1.3 only uses AEAD ciphers, not {cipher}")
            else:
                self._impl = MacProtection(
                    self.kind,
                    key,
                    iv,
                    version=version,
                    mac=mac,
                    mac_key=mac_key,
                    encrypt_then_mac=encrypt_then_mac,
                )
        except ValueError as exc:
            self.setup_error = str(exc)

    @classmethod
    def for_suite(
        cls,
        suite: SuiteLike,
        *,
        key: bytes,
        iv: bytes,
        version: int,
        mac_key: bytes = b"",
        encrypt_then_mac: bool = False,
        seq: int = 0,
        compression: int = 0,
    ) -> RecordDecryptor:
        """Build a decryptor from a registry ``SuiteInfo`` (or anything alike)."""
        return cls(
            cipher=suite.cipher,
            mode=suite.mode,
            key=key,
            iv=iv,
            version=(version if (version >> 8) == 0x7F else _TLS13) if suite.tls13 else version,
            mac=suite.mac,
            mac_key=mac_key,
            tag_len=suite.tag_len,
            encrypt_then_mac=encrypt_then_mac,
            seq=seq,
            compression=compression,
        )

    @property
    def implicit_iv(self) -> bytes:
        """The IV the next SSL 3.0/TLS 1.0 CBC record will use (else the configured IV)."""
        return self._impl.iv if isinstance(self._impl, MacProtection) else self.iv

    def skip(self, count: int = 1) -> None:
        """Advance the sequence number without decrypting (e.g. a record that is missing)."""
        self.seq += count

    def decrypt(
        self, content_type: int, version: int, fragment: bytes, *, seq: int | None = None
    ) -> RecordDecryption:
        """Decrypt one record: its header's type and version, and the fragment after it.

        ``seq`` overrides the running sequence number (DTLS records carry
        their own epoch and sequence number); the running number is then left
        alone.  In TLS 1.3 a record whose outer type is not application_data
        (the compatibility ChangeCipherSpec) is returned as is, unprotected.
        """
        use_seq = self.seq if seq is None else seq
        fragment = bytes(fragment)
        if self._impl is None:
            return failure(
                self.setup_error or "no cipher", content_type, use_seq, self.key, self.iv
            )
        if self.tls13 and content_type != _APPLICATION_DATA:
            return RecordDecryption(
                fragment, True, None, content_type, 0, use_seq, self.key, self.iv, protected=False
            )
        try:
            result = self._impl.decrypt(content_type, version, fragment, use_seq)
        except (ValueError, TypeError, OverflowError, IndexError) as exc:  # defensive: never raise
            result = failure(f"decryption error: {exc}", content_type, use_seq, self.key, self.iv)
        if result.ok and self._inflate is not None:
            result = self._decompress(result)
        if result.ok and seq is None:
            self.seq += 1
        return result

    def open(self, content_type: int, version: int, fragment: bytes) -> tuple[int, bytes] | None:
        """The next record's content type and plaintext, or None if it does
        not decrypt: :meth:`decrypt` without the account of how (keys, nonce,
        tag), for the quick Finished check of big captures."""
        impl = self._impl
        if self.tls13 and content_type == _APPLICATION_DATA and type(impl) is AeadProtection:
            inner = impl.inner13(content_type, version, fragment, self.seq)
            if inner is None:
                return None
            self.seq += 1
            return inner[-1], inner[:-1]
        res = self.decrypt(content_type, version, fragment)
        return (res.content_type, res.plaintext) if res.ok else None

    def _decompress(self, result: RecordDecryption) -> RecordDecryption:
        """Undo DEFLATE (RFC 3749 §2): the stream continues across records."""
        assert self._inflate is not None
        try:
            plain = self._inflate.decompress(result.plaintext)
        except zlib.error as exc:
            return dataclasses.replace(
                result, ok=False, error=f"DEFLATE decompression failed: {exc}",
                compressed=result.plaintext,
            )  # fmt: skip
        return dataclasses.replace(result, plaintext=plain, compressed=result.plaintext)

    def __repr__(self) -> str:
        return f"RecordDecryptor(kind={self.kind!r}, version=0x{self.version:04x}, seq={self.seq})"
