"""(EC)DH shared secrets and pre-master constructions; step bookkeeping."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tlsviz.keys.premaster import (
    ecdhe_shared_secret,
    load_private_key,
    normalize_group,
    rsa_decrypt_premaster,
)
from tlsviz.keys.schedule12 import KeySchedule12
from tlsviz.keys.steps import OPERATIONS, Step, StepRecorder

# RFC 7748 §6.1 (X25519) and §6.2 (X448) test vectors.
X25519_A = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
X25519_B_PUB = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
X25519_K = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
X448_A = (
    "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
    "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b"
)
X448_B_PUB = (
    "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
    "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609"
)
X448_K = (
    "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
    "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"
)


def test_rfc7748_vectors() -> None:
    k = ecdhe_shared_secret("x25519", bytes.fromhex(X25519_A), bytes.fromhex(X25519_B_PUB))
    assert k.hex() == X25519_K
    k = ecdhe_shared_secret(30, bytes.fromhex(X448_A), bytes.fromhex(X448_B_PUB))
    assert k.hex() == X448_K


@pytest.mark.parametrize(
    ("group", "curve"),
    [("secp384r1", ec.SECP384R1()), ("secp521r1", ec.SECP521R1()), ("P-256", ec.SECP256R1())],
)
def test_nist_curves_from_raw_scalar_and_uncompressed_point(
    group: str, curve: ec.EllipticCurve
) -> None:
    """Raw big-endian scalar + 04||X||Y share give cryptography's own ECDH result."""
    a, b = ec.generate_private_key(curve), ec.generate_private_key(curve)
    size = (curve.key_size + 7) // 8
    a_raw = a.private_numbers().private_value.to_bytes(size, "big")
    b_point = b.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    expected = b.exchange(ec.ECDH(), a.public_key())
    assert ecdhe_shared_secret(group, a_raw, b_point) == expected
    assert ecdhe_shared_secret(group, a, b_point) == expected
    assert len(expected) == size  # RFC 8446 §7.4.2: fixed length, zeros kept


def test_invalid_inputs_raise_valueerror() -> None:
    with pytest.raises(ValueError):
        normalize_group("brainpoolP256r1")
    with pytest.raises(ValueError):
        normalize_group(0x0100)
    with pytest.raises(ValueError):
        ecdhe_shared_secret("secp256r1", b"\x01" * 32, b"\x04" + b"\x00" * 64)  # not on curve
    with pytest.raises(ValueError):
        ecdhe_shared_secret("x25519", b"\x01" * 31, b"\x09" * 32)
    key = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ValueError):
        ecdhe_shared_secret("secp256r1", key, b"\x04" + b"\x00" * 64)
    assert [normalize_group(g) for g in ("prime256v1", "X25519", 24, "p-521")] == [
        "secp256r1", "x25519", "secp384r1", "secp521r1",
    ]  # fmt: skip


def test_rsa_decrypt_reports_instead_of_raising() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert isinstance(load_private_key(der), ec.EllipticCurvePrivateKey)
    not_rsa = rsa_decrypt_premaster(der, b"\x00" * 256)
    assert not not_rsa.ok and not_rsa.error and "not an RSA key" in not_rsa.error
    garbage = rsa_decrypt_premaster(b"-----BEGIN PRIVATE KEY-----\nnope\n", b"x")
    assert not garbage.ok and garbage.error


def test_psk_schedule_steps() -> None:
    ks = KeySchedule12(0x0303)
    pms = ks.psk(b"\x1a\x2b\x3c\x4d", other_secret=b"\x05" * 48)
    assert pms[:2] == b"\x00\x30" and pms[-6:] == b"\x00\x04\x1a\x2b\x3c\x4d"
    step = ks.step("pre_master_secret")
    assert step is not None and step.operation == "PSK-Premaster"
    assert step.inputs == ("other_secret", "psk") and step.rfc.startswith("RFC 4279")
    assert all(s.operation in OPERATIONS for s in ks.steps)
    assert ks.version_name == "TLS 1.2"


def test_step_recorder_basics() -> None:
    rec = StepRecorder()
    step = rec.add_step(Step("x", "Input", b"\xab\xcd"))
    assert step.hex == "abcd" and rec.value("x") == b"\xab\xcd" and rec.step("y") is None
    with pytest.raises(AttributeError):
        step.name = "z"  # type: ignore[misc]
