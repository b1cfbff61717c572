"""HKDF (RFC 5869) and the TLS PRFs against published vectors and OpenSSL's own KDFs."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tlsviz.keys.digests import hash_len, normalize_hash_name
from tlsviz.keys.hkdf import (
    DRAFT_LABEL_PREFIX,
    hkdf_expand,
    hkdf_expand_blocks,
    hkdf_expand_label,
    hkdf_extract,
    hkdf_label,
)
from tlsviz.keys.premaster import dhe_shared_secret, psk_premaster
from tlsviz.keys.prf import (
    finished_verify_data,
    key_block,
    master_secret,
    prf_family,
    prf_tls10,
    prf_tls12,
    split_key_block,
)

# ---------------------------------------------------------------------------
# RFC 5869 Appendix A, test cases A.1-A.4 (quoted from the RFC; the same values
# appear in many independent test suites).
# ---------------------------------------------------------------------------
RFC5869 = [
    pytest.param(
        "sha256",
        "0b" * 22,
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        42,
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        id="A.1",
    ),
    pytest.param(
        "sha256",
        bytes(range(0x00, 0x50)).hex(),
        bytes(range(0x60, 0xB0)).hex(),
        bytes(range(0xB0, 0x100)).hex(),
        82,
        "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
        "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
        "cc30c58179ec3e87c14c01d5c1f3434f1d87",
        id="A.2",
    ),
    pytest.param(
        "sha256",
        "0b" * 22,
        "",
        "",
        42,
        "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        id="A.3",
    ),
    pytest.param(
        "sha1",
        "0b" * 11,
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        42,
        "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
        "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896",
        id="A.4",
    ),
]


@pytest.mark.parametrize(("hash_name", "ikm", "salt", "info", "length", "prk", "okm"), RFC5869)
def test_hkdf_rfc5869(
    hash_name: str, ikm: str, salt: str, info: str, length: int, prk: str, okm: str
) -> None:
    got_prk = hkdf_extract(hash_name, bytes.fromhex(salt), bytes.fromhex(ikm))
    assert got_prk.hex() == prk
    assert hkdf_expand(hash_name, got_prk, bytes.fromhex(info), length).hex() == okm
    blocks = hkdf_expand_blocks(hash_name, got_prk, bytes.fromhex(info), length)
    assert len(blocks) == -(-length // hash_len(hash_name))


def test_hkdf_limits() -> None:
    with pytest.raises(ValueError):
        hkdf_expand("sha256", b"k" * 32, b"", 255 * 32 + 1)
    assert len(hkdf_expand("sha256", b"k" * 32, b"", 255 * 32)) == 255 * 32


def test_hkdf_label_structure_and_draft_prefix() -> None:
    # RFC 8446 §7.1 HkdfLabel: uint16 length, opaque label<7..255>, opaque context<0..255>.
    assert hkdf_label("key", b"", 16) == bytes.fromhex("001009746c73313320") + b"key" + b"\x00"
    draft = hkdf_label("key", b"", 16, DRAFT_LABEL_PREFIX)
    assert draft[3 : 3 + len(b"TLS 1.3, key")] == b"TLS 1.3, key"
    assert hkdf_expand_label("sha256", b"s" * 32, "key", b"", 16) != hkdf_expand_label(
        "sha256", b"s" * 32, "key", b"", 16, DRAFT_LABEL_PREFIX
    )


# ---------------------------------------------------------------------------
# TLS 1.2 PRF: the P_SHA256 / P_SHA384 vectors circulated on the IETF TLS list
# (msg03416), label "test label".
# ---------------------------------------------------------------------------


def test_prf_tls12_sha256_vector() -> None:
    out = prf_tls12(
        "sha256",
        bytes.fromhex("9bbe436ba940f017b17652849a71db35"),
        "test label",
        bytes.fromhex("a0ba9f936cda311827a6f796ffd5198c"),
        100,
    )
    assert out.hex() == (
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
        "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
        "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
        "87347b66"
    )


def test_prf_tls12_sha384_vector() -> None:
    out = prf_tls12(
        "sha384",
        bytes.fromhex("b80b733d6ceefcdc71566ea48e5567df"),
        b"test label",
        bytes.fromhex("cd665cf6a8447dd6ff8b27555edb7465"),
        148,
    )
    assert out.hex() == (
        "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
        "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
        "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
        "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
        "91c8f3a26854308d5eaa3be85e0990703d73e56f"
    )


def _openssl_tls1_prf(digest: str, secret: bytes, seed: bytes, length: int) -> bytes:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl CLI not installed")
    proc = subprocess.run(
        [
            openssl, "kdf", "-keylen", str(length), "-kdfopt", f"digest:{digest}",
            "-kdfopt", f"hexsecret:{secret.hex()}", "-kdfopt", f"hexseed:{seed.hex()}",
            "TLS1-PRF",
        ],
        capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.skip(f"openssl kdf TLS1-PRF unavailable: {proc.stderr.strip()}")
    return bytes.fromhex(proc.stdout.strip().replace(":", ""))


@pytest.mark.parametrize("secret_len", [1, 16, 47, 48])
def test_prf_tls10_against_openssl(secret_len: int) -> None:
    """OpenSSL's TLS1-PRF with MD5-SHA1 is the TLS 1.0/1.1 PRF (odd lengths share a byte)."""
    secret = bytes((7 * i + 3) % 256 for i in range(secret_len))
    seed = bytes(range(40, 104))
    expected = _openssl_tls1_prf("MD5-SHA1", secret, b"master secret" + seed, 104)
    assert prf_tls10(secret, "master secret", seed, 104) == expected


@pytest.mark.parametrize("digest", ["SHA256", "SHA384"])
def test_prf_tls12_against_openssl(digest: str) -> None:
    secret, seed = b"\x42" * 48, bytes(range(64))
    expected = _openssl_tls1_prf(digest, secret, b"key expansion" + seed, 200)
    assert prf_tls12(normalize_hash_name(digest), secret, "key expansion", seed, 200) == expected


def test_prf_family() -> None:
    assert [prf_family(v) for v in (0x0300, 0x0301, 0x0302, 0x0303, 0xFEFF, 0xFEFD)] == [
        "ssl3", "tls10", "tls10", "tls12", "tls10", "tls12",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        prf_family(0x0304)


def test_key_block_split_order() -> None:
    block = bytes(range(2 * (20 + 16 + 16)))
    kb = split_key_block(block, 20, 16, 16)
    assert kb.client_write_mac_key == block[:20] and kb.server_write_mac_key == block[20:40]
    assert kb.client_write_key == block[40:56] and kb.server_write_iv == block[88:104]
    aead = split_key_block(block[:40], 0, 16, 4)  # GCM: no MAC keys, 4-byte salts
    assert aead.client_write_mac_key == b"" and aead.server_write_iv == block[36:40]
    with pytest.raises(ValueError):
        split_key_block(b"short", 20, 16, 16)


def test_psk_premaster_rfc4279() -> None:
    # RFC 4279 §2: N zero bytes as other_secret; §3: the DH result instead.
    psk = bytes.fromhex("ca19e028a8a372ad2d325f950fcaceed")
    assert psk_premaster(psk) == b"\x00\x10" + bytes(16) + b"\x00\x10" + psk
    assert psk_premaster(psk, b"\x01\x02\x03") == b"\x00\x03\x01\x02\x03\x00\x10" + psk


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_dhe_leading_zero_handling() -> None:
    """TLS 1.2 strips leading zero bytes of Z (RFC 5246 §8.1.2), TLS 1.3 keeps them (§7.4.1).

    The expected Z comes from cryptography's own DH exchange of a freshly generated pair;
    we look for a pair whose Z starts with a zero byte (about 1 in 256).
    """
    from cryptography.hazmat.primitives.asymmetric import dh

    params = dh.generate_parameters(generator=2, key_size=512)
    numbers = params.parameter_numbers()
    p_len = (numbers.p.bit_length() + 7) // 8
    b = params.generate_private_key()
    peer = b.public_key().public_numbers().y
    for _ in range(4000):
        a = params.generate_private_key()
        reference = a.exchange(b.public_key()).rjust(p_len, b"\x00")
        if reference[0] != 0:
            continue
        x = a.private_numbers().x
        stripped = dhe_shared_secret(numbers.p, numbers.g, x, peer, strip_leading_zeros=True)
        padded = dhe_shared_secret(numbers.p, numbers.g, x, peer, strip_leading_zeros=False)
        assert padded == reference
        assert stripped == reference.lstrip(b"\x00") and len(stripped) < p_len
        return
    pytest.fail("no shared secret with a leading zero byte in 4000 tries")


def test_verify_data_lengths() -> None:
    master = bytes(48)
    assert len(finished_verify_data(0x0303, "sha384", master, "client", b"m")) == 12
    assert len(finished_verify_data(0x0301, "sha256", master, "server", b"m")) == 12
    assert len(finished_verify_data(0x0300, "sha256", master, "server", b"m")) == 36
    assert len(master_secret(0x0300, "", bytes(48), bytes(32), bytes(32))) == 48
    assert len(key_block(0x0300, "", master, bytes(32), bytes(32), 104)) == 104
