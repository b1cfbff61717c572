"""Tests for tlsviz.wire.registry: completeness, spot facts, GREASE, fallbacks.

The external cross-checks compare against what OpenSSL and Wireshark print on
this machine; they are skipped where the tool is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from enum import IntEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tlsviz.wire import registry as r
from tlsviz.wire.registry import (
    EXTRA_EXTENSION_NAMES,
    EXTRA_GROUP_NAMES,
    GROUP_INFO,
    HANDSHAKE_RFC_NAMES,
    SUITE_OPENSSL_NAMES,
    SUITES,
    AlertDescription,
    CipherSuite,
    ContentType,
    ExtensionType,
    HandshakeType,
    NamedGroup,
    SignatureScheme,
)

# ---------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------

# Assigned values counted in the IANA registries (2025 versions) this module
# was written from; the registries only grow.
IANA_MIN_COUNTS: dict[type[IntEnum], int] = {
    CipherSuite: 352,
    ExtensionType: 64,
    NamedGroup: 55,
    SignatureScheme: 37,
    AlertDescription: 37,
    HandshakeType: 25,
    ContentType: 7,
}


@pytest.mark.parametrize("enum_cls", list(IANA_MIN_COUNTS), ids=lambda c: c.__name__)
def test_registry_counts(enum_cls: type[IntEnum]) -> None:
    assert len(enum_cls) >= IANA_MIN_COUNTS[enum_cls]


def test_every_suite_has_info() -> None:
    assert set(SUITES) == {s.value for s in CipherSuite}
    for code, info in SUITES.items():
        assert info.code == code
        assert info.name == CipherSuite(code).name


def test_every_group_has_info() -> None:
    assert set(GROUP_INFO) == {g.value for g in NamedGroup} | set(EXTRA_GROUP_NAMES)
    for code, info in GROUP_INFO.items():
        assert info.code == code
        assert info.name == r.group_name(code)


def test_handshake_rfc_names_cover_the_enum() -> None:
    assert set(HANDSHAKE_RFC_NAMES) == {h.value for h in HandshakeType}
    for value, rfc_name in HANDSHAKE_RFC_NAMES.items():
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", rfc_name).lower()
        member = HandshakeType(value).name
        assert snake.replace("_u_r_l", "_url") == member


def test_no_value_registered_twice() -> None:
    for enum_cls in (*IANA_MIN_COUNTS, r.HashAlgorithm, r.SignatureAlgorithm):
        values = [m.value for m in enum_cls]
        assert len(values) == len(set(values)), enum_cls


def test_extra_names_do_not_shadow_iana() -> None:
    assert not set(EXTRA_EXTENSION_NAMES) & {e.value for e in ExtensionType}
    assert not set(EXTRA_GROUP_NAMES) & {g.value for g in NamedGroup}
    assert not set(r.EXTRA_SIGSCHEME_NAMES) & {s.value for s in SignatureScheme}


def test_no_grease_value_is_registered() -> None:
    for enum_cls in (CipherSuite, ExtensionType, NamedGroup, SignatureScheme):
        assert not [m for m in enum_cls if r.is_grease(m.value)]


def test_stdlib_only() -> None:
    code = (
        "import sys, tlsviz.wire.registry\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'scapy', 'cryptography', 'textual', 'rich'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------------------
# Spot checks against the RFCs
# ---------------------------------------------------------------------------


def _props(code: int) -> tuple[object, ...]:
    i = SUITES[code]
    return (i.kx, i.auth, i.cipher, i.mode, i.key_len, i.iv_len, i.block_size, i.tag_len,
            i.mac, i.mac_len, i.prf_hash)  # fmt: skip


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0x002F, ("RSA", "RSA", "AES_128_CBC", "cbc", 16, 16, 16, 0, "SHA", 20, "sha256")),
        (0xC02F, ("ECDHE", "RSA", "AES_128_GCM", "aead", 16, 4, 0, 16, "AEAD", 0, "sha256")),
        (0xC030, ("ECDHE", "RSA", "AES_256_GCM", "aead", 32, 4, 0, 16, "AEAD", 0, "sha384")),
        (0xC0A8, ("PSK", "PSK", "AES_128_CCM_8", "aead", 16, 4, 0, 8, "AEAD", 0, "sha256")),
        (0xCCA8, ("ECDHE", "RSA", "CHACHA20_POLY1305", "aead", 32, 12, 0, 16, "AEAD", 0, "sha256")),
        (0x1301, ("ANY", "ANY", "AES_128_GCM", "aead", 16, 12, 0, 16, "AEAD", 0, "sha256")),
        (0x1302, ("ANY", "ANY", "AES_256_GCM", "aead", 32, 12, 0, 16, "AEAD", 0, "sha384")),
        (0x1305, ("ANY", "ANY", "AES_128_CCM_8", "aead", 16, 12, 0, 8, "AEAD", 0, "sha256")),
        (0x000A, ("RSA", "RSA", "3DES_EDE_CBC", "cbc", 24, 8, 8, 0, "SHA", 20, "sha256")),
        (0x0004, ("RSA", "RSA", "RC4_128", "stream", 16, 0, 0, 0, "MD5", 16, "sha256")),
        (0x0003, ("RSA_EXPORT", "RSA", "RC4_40", "stream", 5, 0, 0, 0, "MD5", 16, "sha256")),
        (0x0000, ("NULL", "NULL", "NULL", "null", 0, 0, 0, 0, "NULL", 0, "sha256")),
        (0x003B, ("RSA", "RSA", "NULL", "null", 0, 0, 0, 0, "SHA256", 32, "sha256")),
        (0x0034, ("DH", "anon", "AES_128_CBC", "cbc", 16, 16, 16, 0, "SHA", 20, "sha256")),
        (0xC028, ("ECDHE", "RSA", "AES_256_CBC", "cbc", 32, 16, 16, 0, "SHA384", 48, "sha384")),
        (0x00AA, ("DHE_PSK", "PSK", "AES_128_GCM", "aead", 16, 4, 0, 16, "AEAD", 0, "sha256")),
        (0xC0AA, ("DHE_PSK", "PSK", "AES_128_CCM_8", "aead", 16, 4, 0, 8, "AEAD", 0, "sha256")),
        (0x0094, ("RSA_PSK", "RSA", "AES_128_CBC", "cbc", 16, 16, 16, 0, "SHA", 20, "sha256")),
        (0xC01E, ("SRP", "RSA", "AES_128_CBC", "cbc", 16, 16, 16, 0, "SHA", 20, "sha256")),
        (0x001F, ("KRB5", "KRB5", "3DES_EDE_CBC", "cbc", 24, 8, 8, 0, "SHA", 20, "sha256")),
        (0xC0B0, ("ECCPWD", "ECCPWD", "AES_128_GCM", "aead", 16, 4, 0, 16, "AEAD", 0, "sha256")),
        (0x00C6, ("ANY", "ANY", "SM4_GCM", "aead", 16, 12, 0, 16, "AEAD", 0, "sm3")),
        (
            0xC100,
            (
                "GOST",
                "GOST",
                "KUZNYECHIK_CTR_OMAC",
                "stream",
                32,
                8,
                0,
                0,
                "KUZNYECHIK_OMAC",
                16,
                "streebog256",
            ),
        ),
        (0xC0B4, ("ANY", "ANY", "HMAC_SHA256", "aead", 32, 32, 0, 32, "AEAD", 0, "sha256")),
    ],
)
def test_suite_properties(code: int, expected: tuple[object, ...]) -> None:
    assert _props(code) == expected


def test_suite_flags() -> None:
    assert SUITES[0x1302].tls13 and not SUITES[0xC030].tls13
    assert SUITES[0xC105].tls13  # GOST MGM suites are TLS 1.3 suites
    assert SUITES[0x00FF].scsv and SUITES[0x5600].scsv
    assert SUITES[0x00FF].name == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"
    assert SUITES[0x5600].name == "TLS_FALLBACK_SCSV"
    assert SUITES[0x0003].export and SUITES[0x0003].expanded_key_len == 16
    assert SUITES[0x0008].expanded_key_len == 8
    assert SUITES[0x002F].expanded_key_len == 16
    assert not SUITES[0x0002].confidential and not SUITES[0xC0B4].confidential
    assert SUITES[0x1301].confidential and SUITES[0x1301].aead
    with pytest.raises(AttributeError):  # read-only
        SUITES[0x1301].key_len = 1  # type: ignore[misc]


@pytest.mark.parametrize("info", list(SUITES.values()), ids=lambda i: i.name)
def test_suite_invariants(info: r.SuiteInfo) -> None:
    name = info.name
    assert name.startswith("TLS_")
    assert info.mode in {"stream", "cbc", "aead", "null"}
    assert info.export == ("EXPORT" in name)
    assert info.scsv == name.endswith("_SCSV")
    assert info.tls13 == (info.kx == "ANY")
    if info.mode == "aead":
        assert (info.mac, info.mac_len, info.block_size) == ("AEAD", 0, 0)
        assert info.tag_len in (8, 16, 32, 48) and info.iv_len > 0
    else:
        assert info.tag_len == 0
    if info.mode == "cbc":
        assert info.iv_len == info.block_size in (8, 16)
    if info.mode in ("stream", "null"):
        assert info.block_size == 0
    if info.mode == "null":
        assert info.key_len == info.iv_len == 0
    if info.tls13 and info.cipher.startswith(("AES", "CHACHA", "SM4")):
        assert info.iv_len == 12
    if not info.tls13 and ("_GCM" in name or "_CCM" in name):
        assert info.iv_len == 4
    if "CHACHA20" in name:
        assert info.iv_len == 12
    for bits, size in (("_128_", 16), ("_256_", 32)):
        if bits in name and info.cipher != "CHACHA20_POLY1305":
            assert info.key_len == size
    if name.endswith("SHA384"):
        assert info.prf_hash == "sha384"
    elif name.endswith("_SHA"):
        assert (info.mac, info.mac_len) == ("SHA", 20)
    elif name.endswith("_MD5"):
        assert (info.mac, info.mac_len) == ("MD5", 16)
    if info.mac in ("SHA256", "SHA384") or name.endswith(("_CCM", "_CCM_8")):
        assert not info.tls13


def test_suite_by_name() -> None:
    info = r.suite_by_name("ECDHE-RSA-AES128-GCM-SHA256")
    assert info is not None and info.code == 0xC02F
    assert r.suite_by_name("TLS_AES_128_GCM_SHA256") is SUITES[0x1301]
    assert r.suite_by_name("NO-SUCH-SUITE") is None


def test_openssl_name_map() -> None:
    assert len(SUITE_OPENSSL_NAMES) >= 60
    assert SUITE_OPENSSL_NAMES["ECDHE-RSA-AES128-GCM-SHA256"] == (
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    )
    assert SUITE_OPENSSL_NAMES["AES128-SHA"] == "TLS_RSA_WITH_AES_128_CBC_SHA"
    assert SUITE_OPENSSL_NAMES["PSK-AES128-CCM8"] == "TLS_PSK_WITH_AES_128_CCM_8"
    assert SUITE_OPENSSL_NAMES["ECDHE-ECDSA-CHACHA20-POLY1305"] == (
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    )
    assert SUITE_OPENSSL_NAMES["TLS_AES_256_GCM_SHA384"] == "TLS_AES_256_GCM_SHA384"
    iana = {s.name for s in CipherSuite}
    assert set(SUITE_OPENSSL_NAMES.values()) <= iana


def test_enum_values() -> None:
    assert ContentType.handshake == 22 and ContentType.ack == 26
    assert HandshakeType.message_hash == 254 and HandshakeType.key_update == 24
    assert CipherSuite.TLS_AES_128_CCM_8_SHA256 == 0x1305
    assert CipherSuite.TLS_SM4_GCM_SM3 == 0x00C6
    assert CipherSuite.TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC == 0xC100
    assert ExtensionType.quic_transport_parameters == 57
    assert ExtensionType.encrypted_client_hello == 0xFE0D
    assert ExtensionType.renegotiation_info == 0xFF01
    assert NamedGroup.x25519 == 29 and NamedGroup.ffdhe8192 == 260
    assert NamedGroup.X25519MLKEM768 == 0x11EC and NamedGroup.MLKEM1024 == 514
    assert NamedGroup.arbitrary_explicit_char2_curves == 0xFF02
    assert SignatureScheme.ed25519 == 0x0807 and SignatureScheme.mldsa87 == 0x0906
    assert AlertDescription.ech_required == 121 and r.AlertLevel.fatal == 2
    assert r.HashAlgorithm.intrinsic == 8 and r.SignatureAlgorithm.ed448 == 8
    assert r.ECCurveType.named_curve == 3 and r.CertificateStatusType.ocsp_multi == 2
    assert r.ClientCertificateType.ecdsa_fixed_ecdh == 66
    assert r.CertificateCompressionAlgorithm.zstd == 3
    assert r.CompressionMethod.LZS == 64 and r.PskKeyExchangeMode.psk_dhe_ke == 1
    assert r.MaxFragmentLength.LEN_4096.length == 4096
    assert r.MaxFragmentLength(1).length == 512


def test_current_registry_spellings() -> None:
    assert r.alert_name(21) == "decryption_failed_RESERVED"
    assert r.extension_name(10) == "supported_groups"  # not "elliptic_curves"
    assert r.extension_name(34) == "delegated_credential"  # not "delegated_credentials"
    assert r.suite_name(0x1306) == "TLS_AEGIS_256_SHA512"  # not "..._SHA384"


def test_name_of() -> None:
    assert r.name_of(CipherSuite, 0x1301) == "TLS_AES_128_GCM_SHA256"
    assert r.name_of(CipherSuite, 0x1234) is None
    assert r.name_of(ExtensionType, 53) == "connection_id (deprecated)"
    assert r.name_of(ExtensionType, 17513) == "application_settings"
    assert r.name_of(NamedGroup, 0x6399) == "X25519Kyber768Draft00"
    assert r.name_of(r.CertificateType, 0) == "X.509"
    assert r.name_of(r.CertificateType, 2) == "Raw Public Key"
    assert r.name_of(r.CertificateType, 3) == "1609Dot2"
    assert r.name_of(r.MaxFragmentLength, 1) == "2^9"
    assert r.name_of(SignatureScheme, 0x0202) == "dsa_sha1_RESERVED"
    assert r.name_of(ContentType, -1) is None


def test_group_info() -> None:
    sizes = {
        NamedGroup.x25519: (32, 32),
        NamedGroup.x448: (56, 56),
        NamedGroup.secp256r1: (65, 65),
        NamedGroup.secp384r1: (97, 97),
        NamedGroup.secp521r1: (133, 133),
        NamedGroup.ffdhe2048: (256, 256),
        NamedGroup.ffdhe8192: (1024, 1024),
        NamedGroup.MLKEM768: (1184, 1088),
        NamedGroup.X25519MLKEM768: (1216, 1120),
        NamedGroup.SecP256r1MLKEM768: (1249, 1153),
        NamedGroup.SecP384r1MLKEM1024: (1665, 1665),
    }
    for group, (client, server) in sizes.items():
        info = GROUP_INFO[group]
        assert (info.key_share_len, info.server_key_share_len) == (client, server), group
    kinds = {"ec", "ecx", "ffdhe", "pqc", "hybrid", "char2", "other"}
    assert {g.kind for g in GROUP_INFO.values()} == kinds
    assert GROUP_INFO[NamedGroup.x25519].kind == "ecx"
    assert GROUP_INFO[NamedGroup.sect163k1].kind == "char2"
    assert GROUP_INFO[0x6399].kind == "hybrid"
    for info in GROUP_INFO.values():
        if info.kind in ("ec", "char2") and info.key_share_len is not None:
            assert info.key_share_len % 2 == 1  # 0x04 || X || Y


def test_legacy_sigalg_pairs() -> None:
    assert r.legacy_sigalg_name(0x0301) == "rsa_sha224"
    assert r.legacy_sigalg_name(0x0303) == "ecdsa_sha224"
    assert r.legacy_sigalg_name(0x0101) == "rsa_md5"
    assert r.legacy_sigalg_name(0x0840) == "gostr34102012_256"
    assert r.legacy_sigalg_name(0x0001) is None
    assert r.legacy_sigalg_name(0x0700) is None
    assert r.sigscheme_name(0x0302) == "dsa_sha224"
    assert r.sigscheme_display(0x0303) == "ecdsa_sha224 (0x0303)"
    assert r.sigscheme_name(0x0804) == "rsa_pss_rsae_sha256"


# ---------------------------------------------------------------------------
# GREASE
# ---------------------------------------------------------------------------


def test_grease_values() -> None:
    found = [v for v in range(0x10000) if r.is_grease(v)]
    assert found == [0x0A0A + 0x1010 * i for i in range(16)]
    assert tuple(found) == r.GREASE_VALUES
    assert found[-1] == 0xFAFA
    for v in (0x0A0B, 0x1A2A, 0x0A, 0xAAAA0, -0x0A0A, 0x1A1A1A):
        assert not r.is_grease(v)


def test_grease_u8() -> None:
    assert sorted(v for v in range(256) if r.is_grease_u8(v)) == [
        0x0B, 0x2A, 0x49, 0x68, 0x87, 0xA6, 0xC5, 0xE4,
    ]  # fmt: skip
    assert r.psk_mode_name(0x2A) == "GREASE (0x2a)"
    assert r.psk_mode_name(1) == "psk_dhe_ke"


# ---------------------------------------------------------------------------
# Display text and fallbacks
# ---------------------------------------------------------------------------


def test_names_and_fallbacks() -> None:
    assert r.suite_name(0x1301) == "TLS_AES_128_GCM_SHA256"
    assert r.suite_name(0x0A0A) == "GREASE (0x0a0a)"
    assert r.suite_name(0xABCD) == "0xabcd"
    assert r.suite_name(0x0001) == "TLS_RSA_WITH_NULL_MD5"
    assert r.extension_name(51) == "key_share"
    assert r.extension_name(0xDADA) == "GREASE (0xdada)"
    assert r.extension_name(0x0FFF) == "0x0fff"
    assert r.group_name(29) == "x25519"
    assert r.group_name(0x1111) == "0x1111"
    assert r.sigscheme_name(0xFEFE) == "0xfefe"
    assert r.sigscheme_name(0x3A3A) == "GREASE (0x3a3a)"
    assert r.alert_name(40) == "handshake_failure"
    assert r.alert_name(0xFF) == "0xff"
    assert r.alert_level_name(2) == "fatal"
    assert r.handshake_name(1) == "ClientHello"
    assert r.handshake_name(21) == "CertificateURL"
    assert r.handshake_name(99) == "0x63"
    assert r.content_type_name(22) == "handshake"
    assert r.content_type_name(0x63) == "0x63"
    assert r.cert_compression_name(2) == "brotli"
    assert r.cert_compression_name(0x4242) == "0x4242"
    assert r.ec_point_format_name(0) == "uncompressed"
    assert r.compression_method_name(1) == "DEFLATE"
    assert r.certificate_type_name(0) == "X.509"
    assert r.client_certificate_type_name(64) == "ecdsa_sign"


def test_display() -> None:
    assert r.describe("TLS_AES_128_GCM_SHA256", 0x1301) == "TLS_AES_128_GCM_SHA256 (0x1301)"
    assert r.describe(None, 0x1301) == "0x1301"
    assert r.describe("handshake", 22, 2) == "handshake (0x16)"
    assert r.suite_display(0x1301) == "TLS_AES_128_GCM_SHA256 (0x1301)"
    assert r.suite_display(0x2A2A) == "GREASE (0x2a2a)"
    assert r.suite_display(0xABCD) == "0xabcd"
    assert r.group_display(0x001D) == "x25519 (0x001d)"
    assert r.group_display(0x6399) == "X25519Kyber768Draft00 (0x6399)"
    assert r.extension_display(0) == "server_name (0x0000)"
    assert r.extension_display(0x7A7A) == "GREASE (0x7a7a)"
    assert r.sigscheme_display(0x0807) == "ed25519 (0x0807)"
    assert r.version_display(0x0303) == "TLS 1.2 (0x0303)"
    assert r.version_display(0x7A7A) == "GREASE (0x7a7a)"
    assert r.version_display(0x1234) == "0x1234"
    assert r.alert_display(0) == "close_notify (0x00)"
    assert r.content_type_display(23) == "application_data (0x17)"
    assert r.handshake_display(2) == "ServerHello (0x02)"
    assert r.handshake_display(0x63) == "0x63"


@pytest.mark.parametrize(
    ("v", "name"),
    [
        (0x0002, "SSL 2.0"),
        (0x0300, "SSL 3.0"),
        (0x0301, "TLS 1.0"),
        (0x0302, "TLS 1.1"),
        (0x0303, "TLS 1.2"),
        (0x0304, "TLS 1.3"),
        (0x7F17, "TLS 1.3 (draft 23)"),
        (0x7F1C, "TLS 1.3 (draft 28)"),
        (0xFB1A, "TLS 1.3 (Facebook draft 26)"),
        (0xFEFF, "DTLS 1.0"),
        (0xFEFD, "DTLS 1.2"),
        (0xFEFC, "DTLS 1.3"),
        (0x0100, "DTLS 1.0 (OpenSSL pre-0.9.8f)"),
        (0x7A7A, "GREASE (0x7a7a)"),
        (0x0305, "0x0305"),
        (0x7F00, "0x7f00"),
    ],
)
def test_version_name(v: int, name: str) -> None:
    assert r.version_name(v) == name


_HELPERS = [
    r.suite_name, r.extension_name, r.group_name, r.sigscheme_name, r.alert_name,
    r.alert_level_name, r.handshake_name, r.content_type_name, r.cert_compression_name,
    r.psk_mode_name, r.ec_point_format_name, r.compression_method_name,
    r.certificate_type_name, r.client_certificate_type_name, r.version_name,
    r.suite_display, r.extension_display, r.group_display, r.sigscheme_display,
    r.version_display, r.alert_display, r.content_type_display, r.handshake_display,
]  # fmt: skip


@given(st.integers(min_value=-(2**20), max_value=2**20))
def test_helpers_never_raise(v: int) -> None:
    for helper in _HELPERS:
        assert isinstance(helper(v), str)
    assert r.suite_info(v) is None or r.suite_info(v) is SUITES[v]
    for enum_cls in IANA_MIN_COUNTS:
        r.name_of(enum_cls, v)


@given(st.integers(min_value=0, max_value=0xFFFF))
def test_u16_fallback_is_hex(v: int) -> None:
    for fn, enum_cls in ((r.suite_name, CipherSuite), (r.group_name, NamedGroup)):
        if r.name_of(enum_cls, v) is None and not r.is_grease(v):
            assert fn(v) == f"0x{v:04x}"


# ---------------------------------------------------------------------------
# OpenSSL: every suite it knows must be here under the same IANA name
# ---------------------------------------------------------------------------

_OSSL_LINE = re.compile(
    r"0x(?P<hi>[0-9A-F]{2}),0x(?P<lo>[0-9A-F]{2}) - (?P<iana>\S+)\s+- (?P<ossl>\S+)\s+"
    r"(?P<ver>\S+) Kx=(?P<kx>\S+)\s+Au=(?P<au>\S+)\s+Enc=(?P<enc>\S+)\s+Mac=(?P<mac>\S+)"
)

# OpenSSL's Kx/Au/Mac spellings -> ours.
_OSSL_KX = {"RSA": "RSA", "DH": "DHE", "ECDH": "ECDHE", "PSK": "PSK", "RSAPSK": "RSA_PSK",
            "DHEPSK": "DHE_PSK", "ECDHEPSK": "ECDHE_PSK", "SRP": "SRP", "any": "ANY"}  # fmt: skip
_OSSL_AU = {"RSA": "RSA", "ECDSA": "ECDSA", "DSS": "DSS", "PSK": "PSK", "SRP": "SRP",
            "None": "anon", "any": "ANY"}  # fmt: skip
_OSSL_MAC = {"AEAD": "AEAD", "SHA1": "SHA", "SHA256": "SHA256", "SHA384": "SHA384", "MD5": "MD5"}


@pytest.fixture(scope="module")
def openssl_suites() -> list[dict[str, str]]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed")
    out = subprocess.run(
        [openssl, "ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = [m.groupdict() for m in map(_OSSL_LINE.search, out.splitlines()) if m]
    assert len(rows) >= 50, out
    return rows


def test_openssl_suites_are_registered(openssl_suites: list[dict[str, str]]) -> None:
    for row in openssl_suites:
        code = int(row["hi"] + row["lo"], 16)
        assert r.name_of(CipherSuite, code) == row["iana"], row
        assert SUITE_OPENSSL_NAMES.get(row["ossl"]) == row["iana"], row
        assert r.suite_by_name(row["ossl"]) is SUITES[code]


def test_openssl_suite_properties(openssl_suites: list[dict[str, str]]) -> None:
    for row in openssl_suites:
        info = SUITES[int(row["hi"] + row["lo"], 16)]
        kx = _OSSL_KX[row["kx"]]
        if info.auth == "anon":  # OpenSSL says Kx=DH/ECDH for anonymous (ephemeral) DH
            kx = kx.removesuffix("E")
        assert (info.kx, info.auth) == (kx, _OSSL_AU[row["au"]]), row
        assert info.mac == _OSSL_MAC[row["mac"]], row
        assert info.tls13 == (row["ver"] == "TLSv1.3"), row
        enc = re.fullmatch(r"(?P<alg>[^()]+)(?:\((?P<bits>\d+)\))?", row["enc"])
        assert enc is not None, row
        alg, bits = enc["alg"], int(enc["bits"] or 0)
        if alg == "None":
            assert info.cipher == "NULL" and info.key_len == 0, row
        elif alg == "3DES":
            assert (info.cipher, info.key_len, bits) == ("3DES_EDE_CBC", 24, 168), row
        else:
            assert info.key_len * 8 == bits, row
            family = {"AESGCM": "AES_GCM", "AESCCM": "AES_CCM", "AESCCM8": "AES_CCM_8",
                      "ARIAGCM": "ARIA_GCM", "Camellia": "CAMELLIA_CBC", "AES": "AES_CBC",
                      "ARIA": "ARIA_CBC", "SEED": "SEED_CBC", "IDEA": "IDEA_CBC",
                      "RC4": "RC4", "CHACHA20/POLY1305": "CHACHA20_POLY1305"}[alg]  # fmt: skip
            assert info.cipher.replace(f"_{bits}", "") == family, row


# ---------------------------------------------------------------------------
# Wireshark: its dissector tables agree with our IANA names
# ---------------------------------------------------------------------------

# Where Wireshark 4.0 differs from the current registries on purpose.
_WIRESHARK_RENAMED = {
    ("tls.handshake.extension.type", 34),  # delegated_credentials -> delegated_credential
    ("tls.handshake.ciphersuite", 0x1306),  # TLS_AEGIS_256_SHA384 -> TLS_AEGIS_256_SHA512
}


@pytest.fixture(scope="module")
def tshark_values() -> dict[str, dict[int, str]]:
    tshark = "/usr/bin/tshark"
    if shutil.which(tshark) is None:
        pytest.skip("tshark not installed")
    out = subprocess.run(
        [tshark, "-G", "values"], capture_output=True, text=True, check=True
    ).stdout
    values: dict[str, dict[int, str]] = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "V" and parts[1].startswith("tls."):
            try:
                values.setdefault(parts[1], {})[int(parts[2], 0)] = parts[3]
            except ValueError:
                continue
    return values


@pytest.mark.tshark
@pytest.mark.parametrize(
    ("field", "enum_cls"),
    [
        ("tls.handshake.ciphersuite", CipherSuite),
        ("tls.handshake.extension.type", ExtensionType),
        ("tls.handshake.sig_hash_alg", SignatureScheme),
    ],
)
def test_wireshark_agrees(
    tshark_values: dict[str, dict[int, str]], field: str, enum_cls: type[IntEnum]
) -> None:
    theirs = tshark_values.get(field)
    if not theirs:
        pytest.skip(f"this tshark has no value table for {field}")
    both = [m for m in enum_cls if m.value in theirs]
    assert len(both) >= 10
    for member in both:
        if (field, member.value) in _WIRESHARK_RENAMED:
            continue
        assert r.name_of(enum_cls, member.value) == theirs[member.value], member


@pytest.mark.tshark
def test_wireshark_knows_no_suite_we_miss(tshark_values: dict[str, dict[int, str]]) -> None:
    """Every TLS_ suite Wireshark names in an IANA-assigned range is registered here."""
    theirs = tshark_values.get("tls.handshake.ciphersuite", {})
    # Wireshark also names draft, vendor and SSL 2 suites; those ranges are not IANA's.
    not_iana = {0x001C, 0x001D, 0xC0FF, 0xCC13, 0xCC14, 0xCC15, *range(0x0060, 0x0067),
                *range(0x0080, 0x0084)}  # fmt: skip
    missing = [
        (hex(code), name)
        for code, name in theirs.items()
        if name.startswith("TLS_") and code <= 0xD0FF and code not in not_iana
        and not r.is_grease(code) and code not in SUITES
    ]  # fmt: skip
    assert missing == []
