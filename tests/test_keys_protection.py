"""Record decryptors: robustness on arbitrary input, configuration errors, edge cases.

Positive vectors live in the RFC 8448, Illustrated, scapy, peers and capture tests;
here the records are random or deliberately broken.
"""

from __future__ import annotations

import contextlib
import os
import zlib

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from tlsviz.keys.protection import RecordDecryptor, classify_cipher

K16, K32 = bytes(range(16)), bytes(range(32))

CONFIGS = {
    "tls13-aes128gcm": {"cipher": "AES_128_GCM", "key": K16, "iv": bytes(12), "version": 0x0304},
    "tls13-ccm8": {"cipher": "AES_128_CCM_8", "key": K16, "iv": bytes(12), "version": 0x0304,
                   "tag_len": 8},
    "tls13-chacha": {"cipher": "CHACHA20_POLY1305", "key": K32, "iv": bytes(12), "version": 0x0304},
    "tls12-gcm": {"cipher": "AES_256_GCM", "key": K32, "iv": bytes(4), "version": 0x0303},
    "tls12-ccm": {"cipher": "AES_128_CCM", "key": K16, "iv": bytes(4), "version": 0x0303},
    "tls12-chacha": {"cipher": "CHACHA20_POLY1305", "key": K32, "iv": bytes(12),
                     "version": 0x0303},
    "tls12-cbc": {"cipher": "AES_128_CBC", "mode": "cbc", "key": K16, "version": 0x0303,
                  "mac": "SHA256", "mac_key": K32},
    "tls12-cbc-etm": {"cipher": "AES_128_CBC", "mode": "cbc", "key": K16, "version": 0x0303,
                      "mac": "SHA", "mac_key": K16, "encrypt_then_mac": True},
    "tls10-cbc": {"cipher": "AES_256_CBC", "mode": "cbc", "key": K32, "iv": bytes(16),
                  "version": 0x0301, "mac": "SHA", "mac_key": K16},
    "tls10-3des-etm": {"cipher": "3DES_EDE_CBC", "mode": "cbc", "key": bytes(range(24)),
                       "iv": bytes(8), "version": 0x0301, "mac": "MD5", "mac_key": K16,
                       "encrypt_then_mac": True},
    "ssl3-cbc": {"cipher": "CAMELLIA_128_CBC", "mode": "cbc", "key": K16, "iv": bytes(16),
                 "version": 0x0300, "mac": "SHA", "mac_key": K16},
    "rc4": {"cipher": "RC4_128", "mode": "stream", "key": K16, "version": 0x0303, "mac": "SHA",
            "mac_key": K16},
    "null-sha": {"cipher": "NULL", "mode": "null", "key": b"", "version": 0x0302, "mac": "SHA",
                 "mac_key": K16},
    "deflate-gcm": {"cipher": "AES_128_GCM", "key": K16, "iv": bytes(4), "version": 0x0303,
                    "compression": 1},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CONFIGS))
@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(
        st.tuples(st.integers(0, 255), st.integers(0, 0xFFFF), st.binary(max_size=300)),
        min_size=1,
        max_size=6,
    )
)
def test_random_records_never_raise(name: str, records: list[tuple[int, int, bytes]]) -> None:
    dec = RecordDecryptor(**CONFIGS[name])  # type: ignore[arg-type]
    assert dec.setup_error is None
    for ctype, version, fragment in records:
        before = dec.seq
        result = dec.decrypt(ctype, version, fragment)
        assert isinstance(result.ok, bool)
        if not result.ok:
            assert result.error and dec.seq == before
        elif result.protected:
            assert dec.seq == before + 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["aead", "cbc", "stream", "null", None]))
def test_classify_never_raises_anything_but_valueerror(name: str, mode: str | None) -> None:
    with contextlib.suppress(ValueError):
        classify_cipher(name, mode)


@pytest.mark.parametrize(
    ("cipher", "mode", "kind"),
    [
        ("AES_128_GCM", "aead", "aes-gcm"),
        ("AES_256_CCM_8", "aead", "aes-ccm"),
        ("CHACHA20_POLY1305", "aead", "chacha20-poly1305"),
        ("AES_256_CBC", "cbc", "aes-cbc"),
        ("3DES_EDE_CBC", "cbc", "3des-cbc"),
        ("DES_CBC", "cbc", "des-cbc"),
        ("CAMELLIA_128_CBC", "cbc", "camellia-cbc"),
        ("SEED_CBC", "cbc", "seed-cbc"),
        ("IDEA_CBC", "cbc", "idea-cbc"),
        ("RC4_128", "stream", "rc4"),
        ("NULL", "null", "null"),
    ],
)
def test_classify_registry_names(cipher: str, mode: str, kind: str) -> None:
    assert classify_cipher(cipher, mode) == kind


@pytest.mark.parametrize("cipher", ["ARIA_128_GCM", "CAMELLIA_128_GCM", "SM4_GCM", "AEGIS_256",
                                    "HMAC_SHA256", "RC2_CBC_40", "MAGMA_MGM_L", "FOO"])  # fmt: skip
def test_unavailable_ciphers_are_setup_errors(cipher: str) -> None:
    dec = RecordDecryptor(cipher=cipher, mode="aead", key=K16, iv=bytes(4), version=0x0303)
    assert dec.setup_error
    result = dec.decrypt(23, 0x0303, b"x" * 40)
    assert not result.ok and result.error == dec.setup_error


def test_bad_key_and_iv_lengths_are_setup_errors() -> None:
    assert RecordDecryptor(cipher="AES_128_GCM", key=b"short", iv=bytes(12),
                           version=0x0304).setup_error  # fmt: skip
    assert RecordDecryptor(cipher="AES_128_GCM", key=K16, iv=bytes(4), version=0x0304).setup_error
    assert RecordDecryptor(cipher="AES_128_CBC", mode="cbc", key=K16, iv=b"", version=0x0301,
                           mac="SHA").setup_error  # fmt: skip
    assert RecordDecryptor(cipher="AES_128_CBC", mode="cbc", key=K16, version=0x0304).setup_error
    lzs = RecordDecryptor(cipher="AES_128_GCM", key=K16, iv=bytes(4), version=0x0303,
                          compression=64)  # fmt: skip
    assert lzs.setup_error and lzs.decrypt(23, 0x0303, bytes(40)).error == lzs.setup_error


def test_tls13_all_zero_inner_plaintext_is_rejected() -> None:
    """RFC 8446 §5.4: a record with no non-zero byte has no content type."""
    key, iv = os.urandom(16), os.urandom(12)
    header = bytes([23, 3, 3, 0, 16 + 16])
    sealed = AESGCM(key).encrypt(iv, bytes(16), header)  # seq 0: nonce = iv
    result = RecordDecryptor(cipher="AES_128_GCM", key=key, iv=iv, version=0x0304).decrypt(
        23, 0x0303, sealed
    )
    assert not result.ok and result.error and "content type" in result.error


def test_tls13_padding_is_counted() -> None:
    key, iv = os.urandom(16), os.urandom(12)
    inner = b"hi" + bytes([23]) + bytes(5)
    header = bytes([23, 3, 3, 0, len(inner) + 16])
    sealed = AESGCM(key).encrypt(iv, inner, header)
    result = RecordDecryptor(cipher="AES_128_GCM", key=key, iv=iv, version=0x0304).decrypt(
        23, 0x0303, sealed
    )
    assert result.ok and result.plaintext == b"hi" and result.padding_len == 5
    assert result.content_type == 23 and result.aad == header and result.nonce == iv


def test_cbc_bad_padding_and_short_records() -> None:
    key, iv = os.urandom(16), os.urandom(16)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    block = b"A" * 31 + b"\x05"  # claims 5 padding bytes that are not 0x05
    fragment = iv + enc.update(block) + enc.finalize()
    dec = RecordDecryptor(cipher="AES_128_CBC", mode="cbc", key=key, version=0x0303,
                          mac="SHA", mac_key=K16)  # fmt: skip
    result = dec.decrypt(23, 0x0303, fragment)
    assert not result.ok and result.error and "padding" in result.error
    assert result.explicit_iv == iv and dec.seq == 0
    short = dec.decrypt(23, 0x0303, iv + b"x" * 7)
    assert not short.ok and short.error and "block size" in short.error


def test_cbc_mac_mismatch_reports_both_macs() -> None:
    key, iv = os.urandom(16), os.urandom(16)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    plain = b"hello" + bytes(20) + b"\x06" * 7  # content, a wrong 20-byte MAC, padding
    fragment = iv + enc.update(plain) + enc.finalize()
    result = RecordDecryptor(cipher="AES_128_CBC", mode="cbc", key=key, version=0x0302,
                             mac="SHA", mac_key=K16).decrypt(23, 0x0302, fragment)  # fmt: skip
    assert not result.ok and result.mac_ok is False
    assert result.plaintext == b"hello" and result.mac == bytes(20)
    assert result.expected_mac is not None and len(result.expected_mac) == 20
    assert result.padding_len == 6


def test_tls13_ccs_passthrough_and_explicit_seq() -> None:
    dec = RecordDecryptor(cipher="AES_128_GCM", key=K16, iv=bytes(12), version=0x0304)
    ccs = dec.decrypt(20, 0x0303, b"\x01")
    assert ccs.ok and not ccs.protected and ccs.plaintext == b"\x01" and dec.seq == 0
    bad = dec.decrypt(23, 0x0303, b"\x00" * 40, seq=7)
    assert bad.seq == 7 and dec.seq == 0
    dec.skip(3)
    assert dec.seq == 3 and "seq=3" in repr(dec)


def test_deflate_decompression_error_is_reported() -> None:
    key, salt, explicit = os.urandom(16), os.urandom(4), os.urandom(8)
    body = b"\xff\xff not a zlib stream"
    aad = bytes(8) + bytes([23, 3, 3]) + len(body).to_bytes(2, "big")
    fragment = explicit + AESGCM(key).encrypt(salt + explicit, body, aad)
    dec = RecordDecryptor(cipher="AES_128_GCM", key=key, iv=salt, version=0x0303, compression=1)
    result = dec.decrypt(23, 0x0303, fragment)
    assert not result.ok and result.error and "DEFLATE" in result.error
    assert result.compressed == body
    # And a real DEFLATE stream (RFC 3749: zlib format, sync-flushed per record).
    comp = zlib.compressobj()
    body = comp.compress(b"GET / HTTP/1.0\r\n") + comp.flush(zlib.Z_SYNC_FLUSH)
    aad = bytes(8) + bytes([23, 3, 3]) + len(body).to_bytes(2, "big")
    fragment = explicit + AESGCM(key).encrypt(salt + explicit, body, aad)
    dec = RecordDecryptor(cipher="AES_128_GCM", key=key, iv=salt, version=0x0303, compression=1)
    result = dec.decrypt(23, 0x0303, fragment)
    assert result.ok and result.plaintext == b"GET / HTTP/1.0\r\n" and result.compressed == body
