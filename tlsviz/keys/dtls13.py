"""Opening DTLS records: the epoch and sequence number come from the record.

A TLS decryptor counts records, because TCP delivers them in order.  A DTLS
receiver cannot: datagrams are lost and reordered, so every record names its
epoch (which keys) and sequence number (the nonce and the additional data)
itself (RFC 6347 §4.1).

* DTLS 1.0/1.2: the 64-bit number the MAC or AEAD takes is the 16-bit epoch
  followed by the 48-bit sequence number (RFC 6347 §4.1.2.1); everything else
  is TLS record protection.  A record with a connection ID (tls12_cid,
  RFC 9146 §5) authenticates its own header layout and hides its real
  content type inside, as TLS 1.3 does.
* DTLS 1.3 (RFC 9147 §4): the unified header carries only the low 8 or 16
  bits of the sequence number, and encrypted: the mask is the record number
  key applied to the first 16 bytes of the ciphertext (§4.2.3).  Undone, they
  give the full number, the one closest to the next expected (§4.2.2); the
  nonce is the write IV XOR that number, and the additional data is the
  header as sent but with the sequence bits in the clear (§4.2.3).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..wire.dtls_records import unified_seq_span
from ..wire.records import Record
from .aead import AeadProtection
from .record import RecordDecryption, failure

__all__ = ["Dtls13Opener", "RecordNumber", "open_dtls_record", "sn_mask"]

_TLS12_CID = 25
_OPENSSL_PRE = 0x0100


@dataclasses.dataclass(frozen=True, slots=True)
class RecordNumber:
    """How a DTLS 1.3 record's sequence number was recovered (RFC 9147 §4.2.3)."""

    epoch: int
    sn_key: bytes
    sample: bytes
    mask: bytes
    encrypted: bytes
    decrypted: bytes
    seq: int


def sn_mask(kind: str, sn_key: bytes, sample: bytes) -> bytes:
    """RFC 9147 §4.2.3: AES-ECB of the sample for the AES suites; for
    ChaCha20, the key stream whose counter is the sample's first 4 bytes
    (little-endian) and nonce the other 12."""
    if kind == "chacha20-poly1305":
        # cryptography's 16-byte ChaCha20 nonce is the counter then the nonce
        enc = Cipher(algorithms.ChaCha20(sn_key, sample[:16]), mode=None).encryptor()
        return enc.update(bytes(16))
    enc = Cipher(algorithms.AES(sn_key), modes.ECB()).encryptor()
    return enc.update(sample) + enc.finalize()


def reconstruct(low: int, bits: int, expected: int) -> int:
    """RFC 9147 §4.2.2: the full sequence number whose low ``bits`` are
    ``low``, closest to the ``expected`` next one."""
    window = 1 << bits
    base = expected - (expected % window)
    best = base + low
    for candidate in (best - window, best + window):
        if candidate >= 0 and abs(candidate - expected) < abs(best - expected):
            best = candidate
    return best


class Dtls13Opener:
    """Opens the unified-header records of one direction and epoch."""

    def __init__(self, kind: str, key: bytes, iv: bytes, sn_key: bytes, epoch: int,
                 tag_len: int = 16) -> None:  # fmt: skip
        self.kind = kind
        self.key = key
        self.iv = iv
        self.sn_key = sn_key
        self.epoch = epoch
        self.next_seq = 0
        self.setup_error: str | None = None
        self.aead: AeadProtection | None = None
        try:
            self.aead = AeadProtection(kind, key, iv, tls13=True, tag_len=tag_len)
        except ValueError as err:
            self.setup_error = str(err)

    def open(self, rec: Record) -> RecordDecryption:
        ct = rec.fragment
        if self.aead is None:
            return failure(self.setup_error or "no cipher", rec.content_type, 0, self.key, self.iv)
        if len(ct) < 16:
            return failure("a DTLS 1.3 record shorter than the 16-byte sample the record number "
                           "mask needs (RFC 9147 §4.2.3)", rec.content_type, 0, self.key,
                           self.iv)  # fmt: skip
        start, n = unified_seq_span(rec)
        sample = ct[:16]
        mask = sn_mask(self.kind, self.sn_key, sample)
        enc = rec.header[start : start + n]
        low = bytes(a ^ b for a, b in zip(enc, mask, strict=False))
        seq = reconstruct(int.from_bytes(low, "big"), 8 * n, self.next_seq)
        header = rec.header[:start] + low + rec.header[start + n :]
        number = RecordNumber(self.epoch, self.sn_key, sample, mask[:n], enc, low, seq)
        res = self.aead.decrypt(rec.content_type, 0, ct, seq, aad=header)
        if res.ok:
            self.next_seq = max(self.next_seq, seq + 1)
        return dataclasses.replace(res, record_number=number)


def _cid_aad(rec: Record) -> bytes:
    """RFC 9146 §5: the additional data of a tls12_cid record, less its last
    two bytes (the inner plaintext's length, added by the AEAD)."""
    cid = rec.cid or b""
    h = rec.header
    return b"\xff" * 8 + bytes([_TLS12_CID, len(cid), _TLS12_CID]) + h[1:3] + h[3:11] + cid


def _open12(dec: Any, rec: Record, epoch: int) -> RecordDecryption:
    assert rec.seq is not None
    seq = (epoch << 48) | rec.seq
    if rec.content_type != _TLS12_CID:
        res: RecordDecryption = dec.decrypt(rec.content_type, rec.version, rec.fragment, seq=seq)
        if not res.ok and rec.version == _OPENSSL_PRE and res.mac_ok is False:
            # OpenSSL before 0.9.8f MACed its DTLS records the TLS 1.0 way:
            # the 48-bit sequence number alone, version 0x0301
            old: RecordDecryption = dec.decrypt(rec.content_type, 0x0301, rec.fragment,
                                                seq=rec.seq)  # fmt: skip
            if old.ok:
                return old
        return res
    impl = getattr(dec, "_impl", None)
    if not isinstance(impl, AeadProtection):
        return failure("records with a connection ID are opened here for AEAD suites only",
                       rec.content_type, seq, dec.key, dec.iv)  # fmt: skip
    res = impl.decrypt(rec.content_type, rec.version, rec.fragment, seq, aad=_cid_aad(rec))
    if not res.ok:
        return res
    # RFC 9146 §4: DTLSInnerPlaintext = content, real type, zero padding
    inner = res.plaintext.rstrip(b"\0")
    if not inner:
        return dataclasses.replace(res, ok=False, error="no inner content type (RFC 9146 §4)")
    return dataclasses.replace(res, plaintext=inner[:-1], content_type=inner[-1],
                               padding_len=len(res.plaintext) - len(inner))  # fmt: skip


def open_dtls_record(table: dict[int, tuple[str, Any]],
                     rec: Record) -> tuple[str, RecordDecryption] | None:  # fmt: skip
    """(epoch name, decryption) of a DTLS record with the keys of its epoch;
    None when no keys are known for it.  A unified header names only the
    epoch's two low bits: the latest matching epoch is tried first."""
    assert rec.epoch is not None
    if not rec.unified:
        found = table.get(rec.epoch)
        if found is None:
            return None
        return found[0], _open12(found[1], rec, rec.epoch)
    numbers = sorted((n for n in table if n & 3 == rec.epoch), reverse=True)
    first: tuple[str, RecordDecryption] | None = None
    for n in numbers:
        name, opener = table[n]
        res = opener.open(rec)
        if res.ok:
            return name, res
        first = first or (name, res)
    return first
