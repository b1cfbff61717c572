"""The IANA TLS registries: every number on the wire, with its registered name.

A TLS handshake is mostly numbers: a record says ``22``, a ClientHello offers
``0x1301``, an extension is ``51``, a key share is for group ``29``.  This module
turns them into the names IANA registered, spelled exactly as in the registry
(``TLS_AES_128_GCM_SHA256``, ``key_share``, ``x25519``), so that what tlsviz shows
can be looked up in the RFCs and matched against Wireshark or ``openssl`` output.

Why each registry is here (all from https://www.iana.org/assignments/tls-parameters
and tls-extensiontype-values, unless a comment says otherwise):

* :class:`ContentType` -- the first byte of every record: which sub-protocol the
  record carries (handshake, alert, application data, ...).
* :class:`HandshakeType` -- the first byte of every handshake message;
  :data:`HANDSHAKE_RFC_NAMES` gives the CamelCase names the RFCs use in prose.
* :class:`CipherSuite` -- the whole suite registry, so that any ClientHello,
  however old or exotic, is named.  :data:`SUITES` adds what a suite means:
  key exchange, authentication, record cipher and key sizes, MAC, PRF hash --
  the facts key derivation and record decryption need.
* :class:`ExtensionType` -- the hello extensions.  Common values that IANA never
  assigned (ALPS, NPN, Channel ID, old QUIC) are named in
  :data:`EXTRA_EXTENSION_NAMES`, kept apart so the enum stays IANA-only.
* :class:`NamedGroup` -- the (EC)DH/KEM groups of ``supported_groups`` and
  ``key_share``; :data:`GROUP_INFO` gives each group's key-share size.
* :class:`SignatureScheme` -- TLS 1.3 ``signature_algorithms``; the TLS 1.2
  (hash, signature) byte pairs behind it are :class:`HashAlgorithm` and
  :class:`SignatureAlgorithm`.
* :class:`AlertLevel` / :class:`AlertDescription` -- the two bytes of an alert.
* The small ones: :class:`ECPointFormat`, :class:`ECCurveType`,
  :class:`CertificateStatusType`, :class:`PskKeyExchangeMode`,
  :class:`CertificateType`, :class:`ClientCertificateType`,
  :class:`CertificateCompressionAlgorithm`, :class:`KeyUpdateRequest`,
  :class:`MaxFragmentLength`, :class:`NameType`, :class:`CompressionMethod`,
  :class:`HeartbeatMode`, :class:`HeartbeatMessageType`.
* Protocol versions are not an IANA registry; :func:`version_name` knows the
  released versions, the TLS 1.3 drafts and DTLS.
* GREASE (RFC 8701): reserved values that clients sprinkle in to keep servers
  tolerant; :func:`is_grease` and :func:`is_grease_u8` recognise them.

The ``*_name`` and ``*_display`` helpers never raise: a value nobody registered
is shown as its hex code (``0x%04x`` for two-byte fields, ``0x%02x`` for one-byte
fields), which is also what the JSON export promises.

Enum members are named with the IANA name.  Where the IANA name is not a Python
identifier the member has a close spelling and the real name comes from
:func:`name_of` (``connection_id (deprecated)``, ``X.509``, ``Raw Public Key``).
Where the registry renamed a value, the member has the current name and a
comment gives the old one.

Stdlib only, and cheap to import: everything here is plain data.
"""

from __future__ import annotations

import functools
from enum import IntEnum
from typing import Final, NamedTuple

# ---------------------------------------------------------------------------
# GREASE (RFC 8701)
# ---------------------------------------------------------------------------

#: The one-byte GREASE values RFC 8701 reserves for PskKeyExchangeModes.
GREASE_U8_VALUES: Final[frozenset[int]] = frozenset(0x0B + 0x1F * i for i in range(8))

#: The sixteen two-byte GREASE values: 0x0a0a, 0x1a1a, ... 0xfafa.
GREASE_VALUES: Final[tuple[int, ...]] = tuple(0x0A0A + 0x1010 * i for i in range(16))


def is_grease(v: int) -> bool:
    """True for the sixteen two-byte GREASE values (both bytes equal, low nibble 0xa).

    RFC 8701 reserves them in the cipher suite, extension, group, signature
    scheme, version and ALPN registries.
    """
    return 0 <= v <= 0xFFFF and (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def is_grease_u8(v: int) -> bool:
    """True for the one-byte GREASE values of PskKeyExchangeModes (0x0b, 0x2a, ... 0xe4)."""
    return v in GREASE_U8_VALUES


# ---------------------------------------------------------------------------
# Records and handshake messages
# ---------------------------------------------------------------------------


class ContentType(IntEnum):
    """TLS ContentType (tls-parameters-5): the first byte of a record."""

    change_cipher_spec = 20
    alert = 21
    handshake = 22
    application_data = 23
    heartbeat = 24  # RFC 6520
    tls12_cid = 25  # RFC 9146: DTLS 1.2 record with a connection ID
    ack = 26  # RFC 9147: DTLS 1.3
    return_routability_check = 27  # draft-ietf-tls-dtls-rrc (early allocation)


class HandshakeType(IntEnum):
    """TLS HandshakeType (tls-parameters-7): the first byte of a handshake message.

    Some of these are ``_RESERVED`` for TLS 1.3 in the registry; the members
    keep the protocol names, which TLS 1.2 and DTLS still use.
    """

    hello_request = 0
    client_hello = 1
    server_hello = 2
    hello_verify_request = 3  # DTLS
    new_session_ticket = 4
    end_of_early_data = 5
    hello_retry_request = 6  # draft TLS 1.3 only; RFC 8446 sends a special ServerHello
    encrypted_extensions = 8
    request_connection_id = 9  # DTLS 1.3
    new_connection_id = 10  # DTLS 1.3
    certificate = 11
    server_key_exchange = 12
    certificate_request = 13
    server_hello_done = 14
    certificate_verify = 15
    client_key_exchange = 16
    client_certificate_request = 17  # RFC 9261 exported authenticators
    finished = 20
    certificate_url = 21
    certificate_status = 22
    supplemental_data = 23
    key_update = 24
    compressed_certificate = 25  # RFC 8879
    ekt_key = 26  # RFC 8870
    message_hash = 254  # only ever in the transcript hash, never on the wire


#: The names the RFCs use in prose and diagrams ("the ClientHello").
HANDSHAKE_RFC_NAMES: Final[dict[int, str]] = {
    0: "HelloRequest",
    1: "ClientHello",
    2: "ServerHello",
    3: "HelloVerifyRequest",
    4: "NewSessionTicket",
    5: "EndOfEarlyData",
    6: "HelloRetryRequest",
    8: "EncryptedExtensions",
    9: "RequestConnectionId",
    10: "NewConnectionId",
    11: "Certificate",
    12: "ServerKeyExchange",
    13: "CertificateRequest",
    14: "ServerHelloDone",
    15: "CertificateVerify",
    16: "ClientKeyExchange",
    17: "ClientCertificateRequest",
    20: "Finished",
    21: "CertificateURL",
    22: "CertificateStatus",
    23: "SupplementalData",
    24: "KeyUpdate",
    25: "CompressedCertificate",
    26: "EktKey",
    254: "MessageHash",
}


# ---------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------


class AlertLevel(IntEnum):
    """TLS alert level (RFC 5246 section 7.2; ignored by TLS 1.3 receivers)."""

    warning = 1
    fatal = 2


class AlertDescription(IntEnum):
    """TLS Alerts (tls-parameters-6).

    The ``_RESERVED`` names are the registry's: those codes are retired (mostly
    SSL 3.0 / TLS 1.0 era, where they were plain ``decryption_failed`` etc.) but
    old stacks still send them.
    """

    close_notify = 0
    unexpected_message = 10
    bad_record_mac = 20
    decryption_failed_RESERVED = 21
    record_overflow = 22
    decompression_failure_RESERVED = 30
    handshake_failure = 40
    no_certificate_RESERVED = 41
    bad_certificate = 42
    unsupported_certificate = 43
    certificate_revoked = 44
    certificate_expired = 45
    certificate_unknown = 46
    illegal_parameter = 47
    unknown_ca = 48
    access_denied = 49
    decode_error = 50
    decrypt_error = 51
    too_many_cids_requested = 52  # RFC 9147
    export_restriction_RESERVED = 60
    protocol_version = 70
    insufficient_security = 71
    internal_error = 80
    inappropriate_fallback = 86  # RFC 7507
    user_canceled = 90
    no_renegotiation_RESERVED = 100
    missing_extension = 109
    unsupported_extension = 110
    certificate_unobtainable_RESERVED = 111
    unrecognized_name = 112
    bad_certificate_status_response = 113
    bad_certificate_hash_value_RESERVED = 114
    unknown_psk_identity = 115
    certificate_required = 116
    general_error = 117  # RFC 9846
    no_application_protocol = 120  # RFC 7301
    ech_required = 121  # RFC 9849


# ---------------------------------------------------------------------------
# Cipher suites
# ---------------------------------------------------------------------------


class CipherSuite(IntEnum):
    """TLS Cipher Suites (tls-parameters-4): every assigned value.

    GREASE values (0x0a0a ...) are reserved, not suites; see :func:`is_grease`.
    """

    TLS_NULL_WITH_NULL_NULL = 0x0000
    TLS_RSA_WITH_NULL_MD5 = 0x0001
    TLS_RSA_WITH_NULL_SHA = 0x0002
    TLS_RSA_EXPORT_WITH_RC4_40_MD5 = 0x0003
    TLS_RSA_WITH_RC4_128_MD5 = 0x0004
    TLS_RSA_WITH_RC4_128_SHA = 0x0005
    TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 = 0x0006
    TLS_RSA_WITH_IDEA_CBC_SHA = 0x0007
    TLS_RSA_EXPORT_WITH_DES40_CBC_SHA = 0x0008
    TLS_RSA_WITH_DES_CBC_SHA = 0x0009
    TLS_RSA_WITH_3DES_EDE_CBC_SHA = 0x000A
    TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA = 0x000B
    TLS_DH_DSS_WITH_DES_CBC_SHA = 0x000C
    TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA = 0x000D
    TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA = 0x000E
    TLS_DH_RSA_WITH_DES_CBC_SHA = 0x000F
    TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA = 0x0010
    TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA = 0x0011
    TLS_DHE_DSS_WITH_DES_CBC_SHA = 0x0012
    TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA = 0x0013
    TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA = 0x0014
    TLS_DHE_RSA_WITH_DES_CBC_SHA = 0x0015
    TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA = 0x0016
    TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 = 0x0017
    TLS_DH_anon_WITH_RC4_128_MD5 = 0x0018
    TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA = 0x0019
    TLS_DH_anon_WITH_DES_CBC_SHA = 0x001A
    TLS_DH_anon_WITH_3DES_EDE_CBC_SHA = 0x001B
    TLS_KRB5_WITH_DES_CBC_SHA = 0x001E
    TLS_KRB5_WITH_3DES_EDE_CBC_SHA = 0x001F
    TLS_KRB5_WITH_RC4_128_SHA = 0x0020
    TLS_KRB5_WITH_IDEA_CBC_SHA = 0x0021
    TLS_KRB5_WITH_DES_CBC_MD5 = 0x0022
    TLS_KRB5_WITH_3DES_EDE_CBC_MD5 = 0x0023
    TLS_KRB5_WITH_RC4_128_MD5 = 0x0024
    TLS_KRB5_WITH_IDEA_CBC_MD5 = 0x0025
    TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA = 0x0026
    TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA = 0x0027
    TLS_KRB5_EXPORT_WITH_RC4_40_SHA = 0x0028
    TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5 = 0x0029
    TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5 = 0x002A
    TLS_KRB5_EXPORT_WITH_RC4_40_MD5 = 0x002B
    TLS_PSK_WITH_NULL_SHA = 0x002C
    TLS_DHE_PSK_WITH_NULL_SHA = 0x002D
    TLS_RSA_PSK_WITH_NULL_SHA = 0x002E
    TLS_RSA_WITH_AES_128_CBC_SHA = 0x002F
    TLS_DH_DSS_WITH_AES_128_CBC_SHA = 0x0030
    TLS_DH_RSA_WITH_AES_128_CBC_SHA = 0x0031
    TLS_DHE_DSS_WITH_AES_128_CBC_SHA = 0x0032
    TLS_DHE_RSA_WITH_AES_128_CBC_SHA = 0x0033
    TLS_DH_anon_WITH_AES_128_CBC_SHA = 0x0034
    TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035
    TLS_DH_DSS_WITH_AES_256_CBC_SHA = 0x0036
    TLS_DH_RSA_WITH_AES_256_CBC_SHA = 0x0037
    TLS_DHE_DSS_WITH_AES_256_CBC_SHA = 0x0038
    TLS_DHE_RSA_WITH_AES_256_CBC_SHA = 0x0039
    TLS_DH_anon_WITH_AES_256_CBC_SHA = 0x003A
    TLS_RSA_WITH_NULL_SHA256 = 0x003B
    TLS_RSA_WITH_AES_128_CBC_SHA256 = 0x003C
    TLS_RSA_WITH_AES_256_CBC_SHA256 = 0x003D
    TLS_DH_DSS_WITH_AES_128_CBC_SHA256 = 0x003E
    TLS_DH_RSA_WITH_AES_128_CBC_SHA256 = 0x003F
    TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 = 0x0040
    TLS_RSA_WITH_CAMELLIA_128_CBC_SHA = 0x0041
    TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA = 0x0042
    TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA = 0x0043
    TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA = 0x0044
    TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA = 0x0045
    TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA = 0x0046
    TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 = 0x0067
    TLS_DH_DSS_WITH_AES_256_CBC_SHA256 = 0x0068
    TLS_DH_RSA_WITH_AES_256_CBC_SHA256 = 0x0069
    TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 = 0x006A
    TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 = 0x006B
    TLS_DH_anon_WITH_AES_128_CBC_SHA256 = 0x006C
    TLS_DH_anon_WITH_AES_256_CBC_SHA256 = 0x006D
    TLS_RSA_WITH_CAMELLIA_256_CBC_SHA = 0x0084
    TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA = 0x0085
    TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA = 0x0086
    TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA = 0x0087
    TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA = 0x0088
    TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA = 0x0089
    TLS_PSK_WITH_RC4_128_SHA = 0x008A
    TLS_PSK_WITH_3DES_EDE_CBC_SHA = 0x008B
    TLS_PSK_WITH_AES_128_CBC_SHA = 0x008C
    TLS_PSK_WITH_AES_256_CBC_SHA = 0x008D
    TLS_DHE_PSK_WITH_RC4_128_SHA = 0x008E
    TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA = 0x008F
    TLS_DHE_PSK_WITH_AES_128_CBC_SHA = 0x0090
    TLS_DHE_PSK_WITH_AES_256_CBC_SHA = 0x0091
    TLS_RSA_PSK_WITH_RC4_128_SHA = 0x0092
    TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA = 0x0093
    TLS_RSA_PSK_WITH_AES_128_CBC_SHA = 0x0094
    TLS_RSA_PSK_WITH_AES_256_CBC_SHA = 0x0095
    TLS_RSA_WITH_SEED_CBC_SHA = 0x0096
    TLS_DH_DSS_WITH_SEED_CBC_SHA = 0x0097
    TLS_DH_RSA_WITH_SEED_CBC_SHA = 0x0098
    TLS_DHE_DSS_WITH_SEED_CBC_SHA = 0x0099
    TLS_DHE_RSA_WITH_SEED_CBC_SHA = 0x009A
    TLS_DH_anon_WITH_SEED_CBC_SHA = 0x009B
    TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009C
    TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009D
    TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 = 0x009E
    TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 = 0x009F
    TLS_DH_RSA_WITH_AES_128_GCM_SHA256 = 0x00A0
    TLS_DH_RSA_WITH_AES_256_GCM_SHA384 = 0x00A1
    TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 = 0x00A2
    TLS_DHE_DSS_WITH_AES_256_GCM_SHA384 = 0x00A3
    TLS_DH_DSS_WITH_AES_128_GCM_SHA256 = 0x00A4
    TLS_DH_DSS_WITH_AES_256_GCM_SHA384 = 0x00A5
    TLS_DH_anon_WITH_AES_128_GCM_SHA256 = 0x00A6
    TLS_DH_anon_WITH_AES_256_GCM_SHA384 = 0x00A7
    TLS_PSK_WITH_AES_128_GCM_SHA256 = 0x00A8
    TLS_PSK_WITH_AES_256_GCM_SHA384 = 0x00A9
    TLS_DHE_PSK_WITH_AES_128_GCM_SHA256 = 0x00AA
    TLS_DHE_PSK_WITH_AES_256_GCM_SHA384 = 0x00AB
    TLS_RSA_PSK_WITH_AES_128_GCM_SHA256 = 0x00AC
    TLS_RSA_PSK_WITH_AES_256_GCM_SHA384 = 0x00AD
    TLS_PSK_WITH_AES_128_CBC_SHA256 = 0x00AE
    TLS_PSK_WITH_AES_256_CBC_SHA384 = 0x00AF
    TLS_PSK_WITH_NULL_SHA256 = 0x00B0
    TLS_PSK_WITH_NULL_SHA384 = 0x00B1
    TLS_DHE_PSK_WITH_AES_128_CBC_SHA256 = 0x00B2
    TLS_DHE_PSK_WITH_AES_256_CBC_SHA384 = 0x00B3
    TLS_DHE_PSK_WITH_NULL_SHA256 = 0x00B4
    TLS_DHE_PSK_WITH_NULL_SHA384 = 0x00B5
    TLS_RSA_PSK_WITH_AES_128_CBC_SHA256 = 0x00B6
    TLS_RSA_PSK_WITH_AES_256_CBC_SHA384 = 0x00B7
    TLS_RSA_PSK_WITH_NULL_SHA256 = 0x00B8
    TLS_RSA_PSK_WITH_NULL_SHA384 = 0x00B9
    TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256 = 0x00BA
    TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256 = 0x00BB
    TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256 = 0x00BC
    TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256 = 0x00BD
    TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 = 0x00BE
    TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256 = 0x00BF
    TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256 = 0x00C0
    TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256 = 0x00C1
    TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256 = 0x00C2
    TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256 = 0x00C3
    TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256 = 0x00C4
    TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256 = 0x00C5
    TLS_SM4_GCM_SM3 = 0x00C6
    TLS_SM4_CCM_SM3 = 0x00C7
    TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF
    TLS_AES_128_GCM_SHA256 = 0x1301
    TLS_AES_256_GCM_SHA384 = 0x1302
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303
    TLS_AES_128_CCM_SHA256 = 0x1304
    TLS_AES_128_CCM_8_SHA256 = 0x1305
    TLS_AEGIS_256_SHA512 = 0x1306  # first registered as TLS_AEGIS_256_SHA384
    TLS_AEGIS_128L_SHA256 = 0x1307
    TLS_FALLBACK_SCSV = 0x5600
    TLS_ECDH_ECDSA_WITH_NULL_SHA = 0xC001
    TLS_ECDH_ECDSA_WITH_RC4_128_SHA = 0xC002
    TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA = 0xC003
    TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA = 0xC004
    TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA = 0xC005
    TLS_ECDHE_ECDSA_WITH_NULL_SHA = 0xC006
    TLS_ECDHE_ECDSA_WITH_RC4_128_SHA = 0xC007
    TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA = 0xC008
    TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xC009
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xC00A
    TLS_ECDH_RSA_WITH_NULL_SHA = 0xC00B
    TLS_ECDH_RSA_WITH_RC4_128_SHA = 0xC00C
    TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA = 0xC00D
    TLS_ECDH_RSA_WITH_AES_128_CBC_SHA = 0xC00E
    TLS_ECDH_RSA_WITH_AES_256_CBC_SHA = 0xC00F
    TLS_ECDHE_RSA_WITH_NULL_SHA = 0xC010
    TLS_ECDHE_RSA_WITH_RC4_128_SHA = 0xC011
    TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA = 0xC012
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xC013
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xC014
    TLS_ECDH_anon_WITH_NULL_SHA = 0xC015
    TLS_ECDH_anon_WITH_RC4_128_SHA = 0xC016
    TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA = 0xC017
    TLS_ECDH_anon_WITH_AES_128_CBC_SHA = 0xC018
    TLS_ECDH_anon_WITH_AES_256_CBC_SHA = 0xC019
    TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA = 0xC01A
    TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA = 0xC01B
    TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA = 0xC01C
    TLS_SRP_SHA_WITH_AES_128_CBC_SHA = 0xC01D
    TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA = 0xC01E
    TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA = 0xC01F
    TLS_SRP_SHA_WITH_AES_256_CBC_SHA = 0xC020
    TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA = 0xC021
    TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA = 0xC022
    TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 = 0xC023
    TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 = 0xC024
    TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256 = 0xC025
    TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384 = 0xC026
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 = 0xC027
    TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 = 0xC028
    TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256 = 0xC029
    TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384 = 0xC02A
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C
    TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02D
    TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02E
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030
    TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256 = 0xC031
    TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384 = 0xC032
    TLS_ECDHE_PSK_WITH_RC4_128_SHA = 0xC033
    TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA = 0xC034
    TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA = 0xC035
    TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA = 0xC036
    TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 = 0xC037
    TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384 = 0xC038
    TLS_ECDHE_PSK_WITH_NULL_SHA = 0xC039
    TLS_ECDHE_PSK_WITH_NULL_SHA256 = 0xC03A
    TLS_ECDHE_PSK_WITH_NULL_SHA384 = 0xC03B
    TLS_RSA_WITH_ARIA_128_CBC_SHA256 = 0xC03C
    TLS_RSA_WITH_ARIA_256_CBC_SHA384 = 0xC03D
    TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256 = 0xC03E
    TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384 = 0xC03F
    TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256 = 0xC040
    TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384 = 0xC041
    TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256 = 0xC042
    TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384 = 0xC043
    TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256 = 0xC044
    TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384 = 0xC045
    TLS_DH_anon_WITH_ARIA_128_CBC_SHA256 = 0xC046
    TLS_DH_anon_WITH_ARIA_256_CBC_SHA384 = 0xC047
    TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256 = 0xC048
    TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384 = 0xC049
    TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256 = 0xC04A
    TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384 = 0xC04B
    TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256 = 0xC04C
    TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384 = 0xC04D
    TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256 = 0xC04E
    TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384 = 0xC04F
    TLS_RSA_WITH_ARIA_128_GCM_SHA256 = 0xC050
    TLS_RSA_WITH_ARIA_256_GCM_SHA384 = 0xC051
    TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256 = 0xC052
    TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384 = 0xC053
    TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256 = 0xC054
    TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384 = 0xC055
    TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256 = 0xC056
    TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384 = 0xC057
    TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256 = 0xC058
    TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384 = 0xC059
    TLS_DH_anon_WITH_ARIA_128_GCM_SHA256 = 0xC05A
    TLS_DH_anon_WITH_ARIA_256_GCM_SHA384 = 0xC05B
    TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256 = 0xC05C
    TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384 = 0xC05D
    TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256 = 0xC05E
    TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384 = 0xC05F
    TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256 = 0xC060
    TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384 = 0xC061
    TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256 = 0xC062
    TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384 = 0xC063
    TLS_PSK_WITH_ARIA_128_CBC_SHA256 = 0xC064
    TLS_PSK_WITH_ARIA_256_CBC_SHA384 = 0xC065
    TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256 = 0xC066
    TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384 = 0xC067
    TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256 = 0xC068
    TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384 = 0xC069
    TLS_PSK_WITH_ARIA_128_GCM_SHA256 = 0xC06A
    TLS_PSK_WITH_ARIA_256_GCM_SHA384 = 0xC06B
    TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256 = 0xC06C
    TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384 = 0xC06D
    TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256 = 0xC06E
    TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384 = 0xC06F
    TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256 = 0xC070
    TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384 = 0xC071
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256 = 0xC072
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384 = 0xC073
    TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256 = 0xC074
    TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384 = 0xC075
    TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 = 0xC076
    TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384 = 0xC077
    TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256 = 0xC078
    TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384 = 0xC079
    TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256 = 0xC07A
    TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384 = 0xC07B
    TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 = 0xC07C
    TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 = 0xC07D
    TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256 = 0xC07E
    TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384 = 0xC07F
    TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256 = 0xC080
    TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384 = 0xC081
    TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256 = 0xC082
    TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384 = 0xC083
    TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256 = 0xC084
    TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384 = 0xC085
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256 = 0xC086
    TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384 = 0xC087
    TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256 = 0xC088
    TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384 = 0xC089
    TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 = 0xC08A
    TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 = 0xC08B
    TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256 = 0xC08C
    TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384 = 0xC08D
    TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256 = 0xC08E
    TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384 = 0xC08F
    TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256 = 0xC090
    TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384 = 0xC091
    TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256 = 0xC092
    TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384 = 0xC093
    TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256 = 0xC094
    TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384 = 0xC095
    TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256 = 0xC096
    TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384 = 0xC097
    TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256 = 0xC098
    TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384 = 0xC099
    TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256 = 0xC09A
    TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384 = 0xC09B
    TLS_RSA_WITH_AES_128_CCM = 0xC09C
    TLS_RSA_WITH_AES_256_CCM = 0xC09D
    TLS_DHE_RSA_WITH_AES_128_CCM = 0xC09E
    TLS_DHE_RSA_WITH_AES_256_CCM = 0xC09F
    TLS_RSA_WITH_AES_128_CCM_8 = 0xC0A0
    TLS_RSA_WITH_AES_256_CCM_8 = 0xC0A1
    TLS_DHE_RSA_WITH_AES_128_CCM_8 = 0xC0A2
    TLS_DHE_RSA_WITH_AES_256_CCM_8 = 0xC0A3
    TLS_PSK_WITH_AES_128_CCM = 0xC0A4
    TLS_PSK_WITH_AES_256_CCM = 0xC0A5
    TLS_DHE_PSK_WITH_AES_128_CCM = 0xC0A6
    TLS_DHE_PSK_WITH_AES_256_CCM = 0xC0A7
    TLS_PSK_WITH_AES_128_CCM_8 = 0xC0A8
    TLS_PSK_WITH_AES_256_CCM_8 = 0xC0A9
    TLS_PSK_DHE_WITH_AES_128_CCM_8 = 0xC0AA
    TLS_PSK_DHE_WITH_AES_256_CCM_8 = 0xC0AB
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM = 0xC0AC
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM = 0xC0AD
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xC0AE
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 = 0xC0AF
    TLS_ECCPWD_WITH_AES_128_GCM_SHA256 = 0xC0B0
    TLS_ECCPWD_WITH_AES_256_GCM_SHA384 = 0xC0B1
    TLS_ECCPWD_WITH_AES_128_CCM_SHA256 = 0xC0B2
    TLS_ECCPWD_WITH_AES_256_CCM_SHA384 = 0xC0B3
    TLS_SHA256_SHA256 = 0xC0B4
    TLS_SHA384_SHA384 = 0xC0B5
    TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC = 0xC100
    TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC = 0xC101
    TLS_GOSTR341112_256_WITH_28147_CNT_IMIT = 0xC102
    TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L = 0xC103
    TLS_GOSTR341112_256_WITH_MAGMA_MGM_L = 0xC104
    TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S = 0xC105
    TLS_GOSTR341112_256_WITH_MAGMA_MGM_S = 0xC106
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA8
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9
    TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCAA
    TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 = 0xCCAB
    TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256 = 0xCCAC
    TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256 = 0xCCAD
    TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256 = 0xCCAE
    TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256 = 0xD001
    TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384 = 0xD002
    TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256 = 0xD003
    TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256 = 0xD005


class SuiteInfo(NamedTuple):
    """What a cipher suite means for the handshake and the record layer.

    Sizes are in bytes.  ``key_len`` is the key material taken from the key
    block (for the 40-bit EXPORT ciphers that is 5 bytes, expanded afterwards:
    see :attr:`expanded_key_len`).  ``iv_len`` is the CBC block size (the TLS 1.0
    key-block IV), the implicit/fixed AEAD IV (4 for TLS 1.2 GCM/CCM, 12 for
    ChaCha20-Poly1305 and TLS 1.3) or 0.  ``prf_hash`` is the TLS 1.2 PRF hash
    or the TLS 1.3 HKDF hash (SSL 3.0 - TLS 1.1 use MD5+SHA-1 whatever it says).
    """

    code: int
    name: str
    kx: str
    auth: str
    cipher: str
    mode: str
    key_len: int
    iv_len: int
    block_size: int
    tag_len: int
    mac: str
    mac_len: int
    prf_hash: str
    tls13: bool
    export: bool
    scsv: bool

    @property
    def aead(self) -> bool:
        """True when records are protected by an AEAD (no separate MAC)."""
        return self.mode == "aead"

    @property
    def confidential(self) -> bool:
        """False for the NULL-cipher and integrity-only suites: records are readable."""
        return self.cipher != "NULL" and not self.cipher.startswith("HMAC_")

    @property
    def expanded_key_len(self) -> int:
        """The cipher key actually used: EXPORT key material is stretched (RFC 2246 6.3)."""
        return _EXPORT_EXPANDED.get(self.cipher, self.key_len)


# The "Expanded Key Material" column of RFC 2246 section 6.3 for EXPORT ciphers.
_EXPORT_EXPANDED: Final[dict[str, int]] = {
    "RC4_40": 16,
    "RC2_CBC_40": 16,
    "DES40_CBC": 8,
    "DES_CBC_40": 8,
}

# Key exchange / authentication: the part of the name before "_WITH_"
# (without "_EXPORT").  -> (kx, auth)
_KX_AUTH: Final[dict[str, tuple[str, str]]] = {
    "NULL": ("NULL", "NULL"),
    "RSA": ("RSA", "RSA"),
    "DH_DSS": ("DH", "DSS"),
    "DH_RSA": ("DH", "RSA"),
    "DHE_DSS": ("DHE", "DSS"),
    "DHE_RSA": ("DHE", "RSA"),
    "DH_anon": ("DH", "anon"),
    "ECDH_ECDSA": ("ECDH", "ECDSA"),
    "ECDH_RSA": ("ECDH", "RSA"),
    "ECDHE_ECDSA": ("ECDHE", "ECDSA"),
    "ECDHE_RSA": ("ECDHE", "RSA"),
    "ECDH_anon": ("ECDH", "anon"),
    "KRB5": ("KRB5", "KRB5"),
    "PSK": ("PSK", "PSK"),
    "DHE_PSK": ("DHE_PSK", "PSK"),
    "PSK_DHE": ("DHE_PSK", "PSK"),  # IANA's word order for 0xc0aa/0xc0ab
    "RSA_PSK": ("RSA_PSK", "RSA"),
    "ECDHE_PSK": ("ECDHE_PSK", "PSK"),
    "SRP_SHA": ("SRP", "SRP"),
    "SRP_SHA_RSA": ("SRP", "RSA"),
    "SRP_SHA_DSS": ("SRP", "DSS"),
    "ECCPWD": ("ECCPWD", "ECCPWD"),  # RFC 8492
    "GOSTR341112_256": ("GOST", "GOST"),  # RFC 9189
}

# Record cipher -> (mode, key_len, iv_len, block_size, tag_len).  iv_len is the
# TLS 1.2 value; TLS 1.3 AES-GCM/CCM use a 12-byte IV (RFC 8446 section 5.3).
_CIPHERS: Final[dict[str, tuple[str, int, int, int, int]]] = {
    "NULL": ("null", 0, 0, 0, 0),
    "RC4_40": ("stream", 5, 0, 0, 0),
    "RC4_128": ("stream", 16, 0, 0, 0),
    "RC2_CBC_40": ("cbc", 5, 8, 8, 0),
    "IDEA_CBC": ("cbc", 16, 8, 8, 0),
    "DES40_CBC": ("cbc", 5, 8, 8, 0),
    "DES_CBC_40": ("cbc", 5, 8, 8, 0),
    "DES_CBC": ("cbc", 8, 8, 8, 0),
    "3DES_EDE_CBC": ("cbc", 24, 8, 8, 0),
    "SEED_CBC": ("cbc", 16, 16, 16, 0),
    "AES_128_CBC": ("cbc", 16, 16, 16, 0),
    "AES_256_CBC": ("cbc", 32, 16, 16, 0),
    "CAMELLIA_128_CBC": ("cbc", 16, 16, 16, 0),
    "CAMELLIA_256_CBC": ("cbc", 32, 16, 16, 0),
    "ARIA_128_CBC": ("cbc", 16, 16, 16, 0),
    "ARIA_256_CBC": ("cbc", 32, 16, 16, 0),
    "AES_128_GCM": ("aead", 16, 4, 0, 16),
    "AES_256_GCM": ("aead", 32, 4, 0, 16),
    "CAMELLIA_128_GCM": ("aead", 16, 4, 0, 16),
    "CAMELLIA_256_GCM": ("aead", 32, 4, 0, 16),
    "ARIA_128_GCM": ("aead", 16, 4, 0, 16),
    "ARIA_256_GCM": ("aead", 32, 4, 0, 16),
    "AES_128_CCM": ("aead", 16, 4, 0, 16),
    "AES_256_CCM": ("aead", 32, 4, 0, 16),
    "AES_128_CCM_8": ("aead", 16, 4, 0, 8),
    "AES_256_CCM_8": ("aead", 32, 4, 0, 8),
    "CHACHA20_POLY1305": ("aead", 32, 12, 0, 16),  # RFC 7905: 12-byte IV in TLS 1.2 too
    "SM4_GCM": ("aead", 16, 12, 0, 16),  # RFC 8998, TLS 1.3 only
    "SM4_CCM": ("aead", 16, 12, 0, 16),
    "AEGIS_128L": ("aead", 16, 16, 0, 16),  # nonce = 128 bits
    "AEGIS_256": ("aead", 32, 32, 0, 16),  # nonce = 256 bits
    # RFC 9150 integrity-only TLS 1.3 suites: HMAC used through the AEAD interface.
    "HMAC_SHA256": ("aead", 32, 32, 0, 32),
    "HMAC_SHA384": ("aead", 48, 48, 0, 48),
    # RFC 9189 (TLS 1.2): CTR/CNT stream modes with a separate OMAC/IMIT MAC.
    "KUZNYECHIK_CTR_OMAC": ("stream", 32, 8, 0, 0),
    "MAGMA_CTR_OMAC": ("stream", 32, 4, 0, 0),
    "28147_CNT_IMIT": ("stream", 32, 8, 0, 0),
    # RFC 9367 (TLS 1.3): MGM AEAD; L/S is the TLSTREE re-keying schedule.
    "KUZNYECHIK_MGM_L": ("aead", 32, 16, 0, 16),
    "KUZNYECHIK_MGM_S": ("aead", 32, 16, 0, 16),
    "MAGMA_MGM_L": ("aead", 32, 8, 0, 8),
    "MAGMA_MGM_S": ("aead", 32, 8, 0, 8),
}

# Hash at the end of the name -> (mac, mac_len) for MAC-then-encrypt suites.
_MACS: Final[dict[str, tuple[str, int]]] = {
    "NULL": ("NULL", 0),
    "MD5": ("MD5", 16),
    "SHA": ("SHA", 20),
    "SHA256": ("SHA256", 32),
    "SHA384": ("SHA384", 48),
}

# The GOST TLS 1.2 suites name their MAC in the cipher part.
_GOST_MACS: Final[dict[str, tuple[str, int]]] = {
    "KUZNYECHIK_CTR_OMAC": ("KUZNYECHIK_OMAC", 16),
    "MAGMA_CTR_OMAC": ("MAGMA_OMAC", 8),
    "28147_CNT_IMIT": ("GOST28147_IMIT", 4),
}

_PRF_HASHES: Final[dict[str, str]] = {"SHA384": "sha384", "SHA512": "sha512", "SM3": "sm3"}
_NAME_HASHES: Final[frozenset[str]] = frozenset(
    {"NULL", "MD5", "SHA", "SHA256", "SHA384", "SHA512", "SM3"}
)


def _suite_info(code: int, name: str) -> SuiteInfo:
    """Read a suite's properties off its IANA name (the names are systematic)."""
    if name.endswith("_SCSV"):
        return SuiteInfo(
            code, name, kx="SCSV", auth="SCSV", cipher="NULL", mode="null",
            key_len=0, iv_len=0, block_size=0, tag_len=0, mac="NULL", mac_len=0,
            prf_hash="sha256", tls13=False, export=False, scsv=True,
        )  # fmt: skip
    body = name.removeprefix("TLS_")
    left, sep, right = body.partition("_WITH_")
    if not sep:  # TLS 1.3 style: TLS_<AEAD>_<HASH>
        left, right = "", body
    export = left.endswith("_EXPORT")
    left = left.removesuffix("_EXPORT")
    head, _, last = right.rpartition("_")
    cipher, hash_name = (head, last) if head and last in _NAME_HASHES else (right, "")
    tls13 = not left or "_MGM_" in cipher
    if not left and cipher in ("SHA256", "SHA384"):
        cipher = "HMAC_" + cipher
    mode, key_len, iv_len, block_size, tag_len = _CIPHERS[cipher]
    if tls13:
        kx, auth = "ANY", "ANY"
        if cipher.startswith("AES_"):
            iv_len = 12
    else:
        kx, auth = _KX_AUTH[left]
        if export and kx == "RSA":
            kx = "RSA_EXPORT"
    gost = left.startswith("GOSTR") or "_MGM_" in cipher
    if mode == "aead":
        mac, mac_len = "AEAD", 0
    elif gost:
        mac, mac_len = _GOST_MACS[cipher]
    else:
        mac, mac_len = _MACS[hash_name]
    prf_hash = "streebog256" if gost else _PRF_HASHES.get(hash_name, "sha256")
    return SuiteInfo(
        code, name, kx, auth, cipher, mode, key_len, iv_len, block_size, tag_len,
        mac, mac_len, prf_hash, tls13, export, scsv=False,
    )  # fmt: skip


#: One :class:`SuiteInfo` per :class:`CipherSuite` member, by code.
SUITES: Final[dict[int, SuiteInfo]] = {s.value: _suite_info(s.value, s.name) for s in CipherSuite}


def suite_info(v: int) -> SuiteInfo | None:
    """The :class:`SuiteInfo` for a suite code, or None if it is not assigned."""
    return SUITES.get(v)


#: OpenSSL cipher names -> IANA names, as printed by
#: ``openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`` (OpenSSL 3.0).
#: TLS 1.3 suites have the same name in both.
SUITE_OPENSSL_NAMES: Final[dict[str, str]] = {
    "NULL-MD5": "TLS_RSA_WITH_NULL_MD5",
    "NULL-SHA": "TLS_RSA_WITH_NULL_SHA",
    "PSK-NULL-SHA": "TLS_PSK_WITH_NULL_SHA",
    "DHE-PSK-NULL-SHA": "TLS_DHE_PSK_WITH_NULL_SHA",
    "RSA-PSK-NULL-SHA": "TLS_RSA_PSK_WITH_NULL_SHA",
    "AES128-SHA": "TLS_RSA_WITH_AES_128_CBC_SHA",
    "DHE-DSS-AES128-SHA": "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    "DHE-RSA-AES128-SHA": "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "ADH-AES128-SHA": "TLS_DH_anon_WITH_AES_128_CBC_SHA",
    "AES256-SHA": "TLS_RSA_WITH_AES_256_CBC_SHA",
    "DHE-DSS-AES256-SHA": "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
    "DHE-RSA-AES256-SHA": "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "ADH-AES256-SHA": "TLS_DH_anon_WITH_AES_256_CBC_SHA",
    "NULL-SHA256": "TLS_RSA_WITH_NULL_SHA256",
    "AES128-SHA256": "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "AES256-SHA256": "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "DHE-DSS-AES128-SHA256": "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
    "CAMELLIA128-SHA": "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
    "DHE-DSS-CAMELLIA128-SHA": "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
    "DHE-RSA-CAMELLIA128-SHA": "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
    "ADH-CAMELLIA128-SHA": "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA",
    "DHE-RSA-AES128-SHA256": "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "DHE-DSS-AES256-SHA256": "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
    "DHE-RSA-AES256-SHA256": "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "ADH-AES128-SHA256": "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
    "ADH-AES256-SHA256": "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
    "CAMELLIA256-SHA": "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
    "DHE-DSS-CAMELLIA256-SHA": "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
    "DHE-RSA-CAMELLIA256-SHA": "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
    "ADH-CAMELLIA256-SHA": "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA",
    "PSK-AES128-CBC-SHA": "TLS_PSK_WITH_AES_128_CBC_SHA",
    "PSK-AES256-CBC-SHA": "TLS_PSK_WITH_AES_256_CBC_SHA",
    "DHE-PSK-AES128-CBC-SHA": "TLS_DHE_PSK_WITH_AES_128_CBC_SHA",
    "DHE-PSK-AES256-CBC-SHA": "TLS_DHE_PSK_WITH_AES_256_CBC_SHA",
    "RSA-PSK-AES128-CBC-SHA": "TLS_RSA_PSK_WITH_AES_128_CBC_SHA",
    "RSA-PSK-AES256-CBC-SHA": "TLS_RSA_PSK_WITH_AES_256_CBC_SHA",
    "AES128-GCM-SHA256": "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "AES256-GCM-SHA384": "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "DHE-RSA-AES128-GCM-SHA256": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "DHE-RSA-AES256-GCM-SHA384": "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "DHE-DSS-AES128-GCM-SHA256": "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
    "DHE-DSS-AES256-GCM-SHA384": "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
    "ADH-AES128-GCM-SHA256": "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
    "ADH-AES256-GCM-SHA384": "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
    "PSK-AES128-GCM-SHA256": "TLS_PSK_WITH_AES_128_GCM_SHA256",
    "PSK-AES256-GCM-SHA384": "TLS_PSK_WITH_AES_256_GCM_SHA384",
    "DHE-PSK-AES128-GCM-SHA256": "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
    "DHE-PSK-AES256-GCM-SHA384": "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384",
    "RSA-PSK-AES128-GCM-SHA256": "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256",
    "RSA-PSK-AES256-GCM-SHA384": "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384",
    "PSK-AES128-CBC-SHA256": "TLS_PSK_WITH_AES_128_CBC_SHA256",
    "PSK-AES256-CBC-SHA384": "TLS_PSK_WITH_AES_256_CBC_SHA384",
    "PSK-NULL-SHA256": "TLS_PSK_WITH_NULL_SHA256",
    "PSK-NULL-SHA384": "TLS_PSK_WITH_NULL_SHA384",
    "DHE-PSK-AES128-CBC-SHA256": "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256",
    "DHE-PSK-AES256-CBC-SHA384": "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384",
    "DHE-PSK-NULL-SHA256": "TLS_DHE_PSK_WITH_NULL_SHA256",
    "DHE-PSK-NULL-SHA384": "TLS_DHE_PSK_WITH_NULL_SHA384",
    "RSA-PSK-AES128-CBC-SHA256": "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256",
    "RSA-PSK-AES256-CBC-SHA384": "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384",
    "RSA-PSK-NULL-SHA256": "TLS_RSA_PSK_WITH_NULL_SHA256",
    "RSA-PSK-NULL-SHA384": "TLS_RSA_PSK_WITH_NULL_SHA384",
    "CAMELLIA128-SHA256": "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "DHE-DSS-CAMELLIA128-SHA256": "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
    "DHE-RSA-CAMELLIA128-SHA256": "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "ADH-CAMELLIA128-SHA256": "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
    "CAMELLIA256-SHA256": "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    "DHE-DSS-CAMELLIA256-SHA256": "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
    "DHE-RSA-CAMELLIA256-SHA256": "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    "ADH-CAMELLIA256-SHA256": "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
    "TLS_AES_128_GCM_SHA256": "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384": "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256": "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-NULL-SHA": "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
    "ECDHE-ECDSA-AES128-SHA": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "ECDHE-ECDSA-AES256-SHA": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "ECDHE-RSA-NULL-SHA": "TLS_ECDHE_RSA_WITH_NULL_SHA",
    "ECDHE-RSA-AES128-SHA": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "ECDHE-RSA-AES256-SHA": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "AECDH-NULL-SHA": "TLS_ECDH_anon_WITH_NULL_SHA",
    "AECDH-AES128-SHA": "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
    "AECDH-AES256-SHA": "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
    "SRP-AES-128-CBC-SHA": "TLS_SRP_SHA_WITH_AES_128_CBC_SHA",
    "SRP-RSA-AES-128-CBC-SHA": "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA",
    "SRP-DSS-AES-128-CBC-SHA": "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA",
    "SRP-AES-256-CBC-SHA": "TLS_SRP_SHA_WITH_AES_256_CBC_SHA",
    "SRP-RSA-AES-256-CBC-SHA": "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA",
    "SRP-DSS-AES-256-CBC-SHA": "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA",
    "ECDHE-ECDSA-AES128-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-ECDSA-AES256-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "ECDHE-RSA-AES128-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-RSA-AES256-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-PSK-AES128-CBC-SHA": "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
    "ECDHE-PSK-AES256-CBC-SHA": "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
    "ECDHE-PSK-AES128-CBC-SHA256": "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
    "ECDHE-PSK-AES256-CBC-SHA384": "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
    "ECDHE-PSK-NULL-SHA": "TLS_ECDHE_PSK_WITH_NULL_SHA",
    "ECDHE-PSK-NULL-SHA256": "TLS_ECDHE_PSK_WITH_NULL_SHA256",
    "ECDHE-PSK-NULL-SHA384": "TLS_ECDHE_PSK_WITH_NULL_SHA384",
    "ARIA128-GCM-SHA256": "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
    "ARIA256-GCM-SHA384": "TLS_RSA_WITH_ARIA_256_GCM_SHA384",
    "DHE-RSA-ARIA128-GCM-SHA256": "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
    "DHE-RSA-ARIA256-GCM-SHA384": "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
    "DHE-DSS-ARIA128-GCM-SHA256": "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
    "DHE-DSS-ARIA256-GCM-SHA384": "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384",
    "ECDHE-ECDSA-ARIA128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
    "ECDHE-ECDSA-ARIA256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
    "ECDHE-ARIA128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
    "ECDHE-ARIA256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
    "PSK-ARIA128-GCM-SHA256": "TLS_PSK_WITH_ARIA_128_GCM_SHA256",
    "PSK-ARIA256-GCM-SHA384": "TLS_PSK_WITH_ARIA_256_GCM_SHA384",
    "DHE-PSK-ARIA128-GCM-SHA256": "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256",
    "DHE-PSK-ARIA256-GCM-SHA384": "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384",
    "RSA-PSK-ARIA128-GCM-SHA256": "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256",
    "RSA-PSK-ARIA256-GCM-SHA384": "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384",
    "ECDHE-ECDSA-CAMELLIA128-SHA256": "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
    "ECDHE-ECDSA-CAMELLIA256-SHA384": "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
    "ECDHE-RSA-CAMELLIA128-SHA256": "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "ECDHE-RSA-CAMELLIA256-SHA384": "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    "PSK-CAMELLIA128-SHA256": "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256",
    "PSK-CAMELLIA256-SHA384": "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384",
    "DHE-PSK-CAMELLIA128-SHA256": "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
    "DHE-PSK-CAMELLIA256-SHA384": "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384",
    "RSA-PSK-CAMELLIA128-SHA256": "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256",
    "RSA-PSK-CAMELLIA256-SHA384": "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384",
    "ECDHE-PSK-CAMELLIA128-SHA256": "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256",
    "ECDHE-PSK-CAMELLIA256-SHA384": "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384",
    "AES128-CCM": "TLS_RSA_WITH_AES_128_CCM",
    "AES256-CCM": "TLS_RSA_WITH_AES_256_CCM",
    "DHE-RSA-AES128-CCM": "TLS_DHE_RSA_WITH_AES_128_CCM",
    "DHE-RSA-AES256-CCM": "TLS_DHE_RSA_WITH_AES_256_CCM",
    "AES128-CCM8": "TLS_RSA_WITH_AES_128_CCM_8",
    "AES256-CCM8": "TLS_RSA_WITH_AES_256_CCM_8",
    "DHE-RSA-AES128-CCM8": "TLS_DHE_RSA_WITH_AES_128_CCM_8",
    "DHE-RSA-AES256-CCM8": "TLS_DHE_RSA_WITH_AES_256_CCM_8",
    "PSK-AES128-CCM": "TLS_PSK_WITH_AES_128_CCM",
    "PSK-AES256-CCM": "TLS_PSK_WITH_AES_256_CCM",
    "DHE-PSK-AES128-CCM": "TLS_DHE_PSK_WITH_AES_128_CCM",
    "DHE-PSK-AES256-CCM": "TLS_DHE_PSK_WITH_AES_256_CCM",
    "PSK-AES128-CCM8": "TLS_PSK_WITH_AES_128_CCM_8",
    "PSK-AES256-CCM8": "TLS_PSK_WITH_AES_256_CCM_8",
    "DHE-PSK-AES128-CCM8": "TLS_PSK_DHE_WITH_AES_128_CCM_8",
    "DHE-PSK-AES256-CCM8": "TLS_PSK_DHE_WITH_AES_256_CCM_8",
    "ECDHE-ECDSA-AES128-CCM": "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    "ECDHE-ECDSA-AES256-CCM": "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
    "ECDHE-ECDSA-AES128-CCM8": "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
    "ECDHE-ECDSA-AES256-CCM8": "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
    "ECDHE-RSA-CHACHA20-POLY1305": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "DHE-RSA-CHACHA20-POLY1305": "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "PSK-CHACHA20-POLY1305": "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-PSK-CHACHA20-POLY1305": "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    "DHE-PSK-CHACHA20-POLY1305": "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    "RSA-PSK-CHACHA20-POLY1305": "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256",
}

_SUITES_BY_NAME: Final[dict[str, int]] = {info.name: code for code, info in SUITES.items()}


def suite_by_name(name: str) -> SuiteInfo | None:
    """Look a suite up by IANA name or OpenSSL name; None if unknown."""
    code = _SUITES_BY_NAME.get(SUITE_OPENSSL_NAMES.get(name, name))
    return None if code is None else SUITES[code]


# ---------------------------------------------------------------------------
# Extensions
# ---------------------------------------------------------------------------


class ExtensionType(IntEnum):
    """TLS ExtensionType Values (tls-extensiontype-values-1)."""

    server_name = 0
    max_fragment_length = 1
    client_certificate_url = 2
    trusted_ca_keys = 3
    truncated_hmac = 4
    status_request = 5
    user_mapping = 6
    client_authz = 7
    server_authz = 8
    cert_type = 9
    supported_groups = 10  # was "elliptic_curves"
    ec_point_formats = 11
    srp = 12
    signature_algorithms = 13
    use_srtp = 14
    heartbeat = 15
    application_layer_protocol_negotiation = 16
    status_request_v2 = 17
    signed_certificate_timestamp = 18
    client_certificate_type = 19
    server_certificate_type = 20
    padding = 21
    encrypt_then_mac = 22
    extended_master_secret = 23
    token_binding = 24
    cached_info = 25
    tls_lts = 26
    compress_certificate = 27
    record_size_limit = 28
    pwd_protect = 29
    pwd_clear = 30
    password_salt = 31
    ticket_pinning = 32
    tls_cert_with_extern_psk = 33
    delegated_credential = 34  # was "delegated_credentials"
    session_ticket = 35  # was "SessionTicket TLS"
    TLMSP = 36
    TLMSP_proxying = 37
    TLMSP_delegate = 38
    supported_ekt_ciphers = 39
    pre_shared_key = 41
    early_data = 42
    supported_versions = 43
    cookie = 44
    psk_key_exchange_modes = 45
    certificate_authorities = 47
    oid_filters = 48
    post_handshake_auth = 49
    signature_algorithms_cert = 50
    key_share = 51
    transparency_info = 52
    connection_id_deprecated = 53  # IANA: "connection_id (deprecated)"
    connection_id = 54
    external_id_hash = 55
    external_session_id = 56
    quic_transport_parameters = 57
    ticket_request = 58
    dnssec_chain = 59
    sequence_number_encryption_algorithms = 60
    rrc = 61
    tls_flags = 62
    ech_outer_extensions = 64768  # 0xfd00
    encrypted_client_hello = 65037  # 0xfe0d
    renegotiation_info = 65281  # 0xff01


#: Extension codes seen in real traffic that IANA never assigned.
EXTRA_EXTENSION_NAMES: Final[dict[int, str]] = {
    13172: "next_protocol_negotiation",  # 0x3374, NPN (draft-agl-tls-nextprotoneg)
    17513: "application_settings",  # 0x4469, ALPS (draft-vvv-tls-alps), first codepoint
    17613: "application_settings_new",  # 0x44cd, ALPS codepoint Chrome moved to
    30031: "channel_id_old",  # 0x754f
    30032: "channel_id",  # 0x7550
    65445: "quic_transport_parameters_draft",  # 0xffa5, QUIC drafts before RFC 9001
    65486: "encrypted_server_name",  # 0xffce, ESNI drafts
}


# ---------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------


class NamedGroup(IntEnum):
    """TLS Supported Groups (tls-parameters-8)."""

    sect163k1 = 1
    sect163r1 = 2
    sect163r2 = 3
    sect193r1 = 4
    sect193r2 = 5
    sect233k1 = 6
    sect233r1 = 7
    sect239k1 = 8
    sect283k1 = 9
    sect283r1 = 10
    sect409k1 = 11
    sect409r1 = 12
    sect571k1 = 13
    sect571r1 = 14
    secp160k1 = 15
    secp160r1 = 16
    secp160r2 = 17
    secp192k1 = 18
    secp192r1 = 19
    secp224k1 = 20
    secp224r1 = 21
    secp256k1 = 22
    secp256r1 = 23
    secp384r1 = 24
    secp521r1 = 25
    brainpoolP256r1 = 26
    brainpoolP384r1 = 27
    brainpoolP512r1 = 28
    x25519 = 29
    x448 = 30
    brainpoolP256r1tls13 = 31
    brainpoolP384r1tls13 = 32
    brainpoolP512r1tls13 = 33
    GC256A = 34
    GC256B = 35
    GC256C = 36
    GC256D = 37
    GC512A = 38
    GC512B = 39
    GC512C = 40
    curveSM2 = 41
    ffdhe2048 = 256
    ffdhe3072 = 257
    ffdhe4096 = 258
    ffdhe6144 = 259
    ffdhe8192 = 260
    MLKEM512 = 512
    MLKEM768 = 513
    MLKEM1024 = 514
    SecP256r1MLKEM768 = 4587  # 0x11eb
    X25519MLKEM768 = 4588  # 0x11ec
    SecP384r1MLKEM1024 = 4589  # 0x11ed
    curveSM2MLKEM768 = 4590  # 0x11ee
    arbitrary_explicit_prime_curves = 0xFF01
    arbitrary_explicit_char2_curves = 0xFF02


#: Pre-standard hybrids, listed by IANA only as "(OBSOLETE)", still in old captures.
EXTRA_GROUP_NAMES: Final[dict[int, str]] = {
    0x6399: "X25519Kyber768Draft00",
    0x639A: "SecP256r1Kyber768Draft00",
}


class GroupInfo(NamedTuple):
    """What a group is, and how long its KeyShareEntry.key_exchange is.

    ``key_share_len`` is the client's share (for ECDH/FFDH also the server's);
    ``server_key_share_len`` differs for KEMs, where the server sends a
    ciphertext.  None where the size is not fixed or not tabulated.
    """

    code: int
    name: str
    kind: str  # "ec" | "ecx" | "ffdhe" | "pqc" | "hybrid" | "char2" | "other"
    key_share_len: int | None
    server_key_share_len: int | None


# code -> (kind, client share bytes, server share bytes).  EC shares are
# uncompressed points, 1 + 2 * field bytes.
_GROUP_SHARES: Final[dict[int, tuple[str, int | None, int | None]]] = {
    1: ("char2", 43, 43),
    2: ("char2", 43, 43),
    3: ("char2", 43, 43),
    4: ("char2", 51, 51),
    5: ("char2", 51, 51),
    6: ("char2", 61, 61),
    7: ("char2", 61, 61),
    8: ("char2", 61, 61),
    9: ("char2", 73, 73),
    10: ("char2", 73, 73),
    11: ("char2", 105, 105),
    12: ("char2", 105, 105),
    13: ("char2", 145, 145),
    14: ("char2", 145, 145),
    15: ("ec", 41, 41),
    16: ("ec", 41, 41),
    17: ("ec", 41, 41),
    18: ("ec", 49, 49),
    19: ("ec", 49, 49),
    20: ("ec", 57, 57),
    21: ("ec", 57, 57),
    22: ("ec", 65, 65),
    23: ("ec", 65, 65),
    24: ("ec", 97, 97),
    25: ("ec", 133, 133),
    26: ("ec", 65, 65),
    27: ("ec", 97, 97),
    28: ("ec", 129, 129),
    29: ("ecx", 32, 32),
    30: ("ecx", 56, 56),
    31: ("ec", 65, 65),
    32: ("ec", 97, 97),
    33: ("ec", 129, 129),
    34: ("ec", None, None),  # GOST curves: share encoding per RFC 9367, not tabulated
    35: ("ec", None, None),
    36: ("ec", None, None),
    37: ("ec", None, None),
    38: ("ec", None, None),
    39: ("ec", None, None),
    40: ("ec", None, None),
    41: ("ec", 65, 65),
    256: ("ffdhe", 256, 256),
    257: ("ffdhe", 384, 384),
    258: ("ffdhe", 512, 512),
    259: ("ffdhe", 768, 768),
    260: ("ffdhe", 1024, 1024),
    512: ("pqc", 800, 768),  # ML-KEM: encapsulation key / ciphertext
    513: ("pqc", 1184, 1088),
    514: ("pqc", 1568, 1568),
    4587: ("hybrid", 65 + 1184, 65 + 1088),
    4588: ("hybrid", 1184 + 32, 1088 + 32),  # ML-KEM part first, then X25519
    4589: ("hybrid", 97 + 1568, 97 + 1568),
    4590: ("hybrid", 65 + 1184, 65 + 1088),
    0xFF01: ("other", None, None),
    0xFF02: ("other", None, None),
    0x6399: ("hybrid", 32 + 1184, 32 + 1088),
    0x639A: ("hybrid", 65 + 1184, 65 + 1088),
}

#: One :class:`GroupInfo` per NamedGroup member and per EXTRA_GROUP_NAMES entry.
GROUP_INFO: Final[dict[int, GroupInfo]] = {
    code: GroupInfo(code, EXTRA_GROUP_NAMES.get(code) or NamedGroup(code).name, *shares)
    for code, shares in _GROUP_SHARES.items()
}


# ---------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------


class SignatureScheme(IntEnum):
    """TLS SignatureScheme (tls-signaturescheme)."""

    rsa_pkcs1_sha1 = 0x0201
    ecdsa_sha1 = 0x0203
    rsa_pkcs1_sha256 = 0x0401
    ecdsa_secp256r1_sha256 = 0x0403
    rsa_pkcs1_sha256_legacy = 0x0420
    rsa_pkcs1_sha384 = 0x0501
    ecdsa_secp384r1_sha384 = 0x0503
    rsa_pkcs1_sha384_legacy = 0x0520
    rsa_pkcs1_sha512 = 0x0601
    ecdsa_secp521r1_sha512 = 0x0603
    rsa_pkcs1_sha512_legacy = 0x0620
    eccsi_sha256 = 0x0704
    iso_ibs1 = 0x0705
    iso_ibs2 = 0x0706
    iso_chinese_ibs = 0x0707
    sm2sig_sm3 = 0x0708
    gostr34102012_256a = 0x0709
    gostr34102012_256b = 0x070A
    gostr34102012_256c = 0x070B
    gostr34102012_256d = 0x070C
    gostr34102012_512a = 0x070D
    gostr34102012_512b = 0x070E
    gostr34102012_512c = 0x070F
    rsa_pss_rsae_sha256 = 0x0804
    rsa_pss_rsae_sha384 = 0x0805
    rsa_pss_rsae_sha512 = 0x0806
    ed25519 = 0x0807
    ed448 = 0x0808
    rsa_pss_pss_sha256 = 0x0809
    rsa_pss_pss_sha384 = 0x080A
    rsa_pss_pss_sha512 = 0x080B
    ecdsa_brainpoolP256r1tls13_sha256 = 0x081A
    ecdsa_brainpoolP384r1tls13_sha384 = 0x081B
    ecdsa_brainpoolP512r1tls13_sha512 = 0x081C
    mldsa44 = 0x0904
    mldsa65 = 0x0905
    mldsa87 = 0x0906


#: Codes RFC 8446 names but the registry lists only as "Reserved for backward compatibility".
EXTRA_SIGSCHEME_NAMES: Final[dict[int, str]] = {
    0x0202: "dsa_sha1_RESERVED",
    0x0402: "dsa_sha256_RESERVED",
    0x0502: "dsa_sha384_RESERVED",
    0x0602: "dsa_sha512_RESERVED",
}


class HashAlgorithm(IntEnum):
    """TLS HashAlgorithm (tls-parameters-18): first byte of a TLS 1.2 SignatureAndHashAlgorithm."""

    none = 0
    md5 = 1
    sha1 = 2
    sha224 = 3
    sha256 = 4
    sha384 = 5
    sha512 = 6
    intrinsic = 8  # RFC 8422: the signature algorithm hashes by itself (EdDSA, GOST)


class SignatureAlgorithm(IntEnum):
    """TLS SignatureAlgorithm (tls-parameters-16): second byte of SignatureAndHashAlgorithm."""

    anonymous = 0
    rsa = 1
    dsa = 2
    ecdsa = 3
    ed25519 = 7
    ed448 = 8
    gostr34102012_256 = 64
    gostr34102012_512 = 65


def legacy_sigalg_name(v: int) -> str | None:
    """Name a TLS 1.2 (hash, signature) pair that has no SignatureScheme name.

    ``0x0301`` -> ``"rsa_sha224"``; with the ``intrinsic`` hash just the
    signature (``0x0840`` -> ``"gostr34102012_256"``).  None if either byte is
    unregistered or the hash is ``none``.
    """
    if not 0 <= v <= 0xFFFF:
        return None
    hash_ = HashAlgorithm._value2member_map_.get(v >> 8)
    sig = SignatureAlgorithm._value2member_map_.get(v & 0xFF)
    if hash_ is None or sig is None or hash_.value == 0 or sig.value == 0:
        return None
    if hash_.value == HashAlgorithm.intrinsic:
        return sig.name
    return f"{sig.name}_{hash_.name}"


# ---------------------------------------------------------------------------
# The small registries
# ---------------------------------------------------------------------------


class ECPointFormat(IntEnum):
    """TLS EC Point Formats (tls-parameters-9)."""

    uncompressed = 0
    ansiX962_compressed_prime = 1
    ansiX962_compressed_char2 = 2


class ECCurveType(IntEnum):
    """TLS EC Curve Types (tls-parameters-10), in a TLS 1.2 ServerKeyExchange."""

    explicit_prime = 1
    explicit_char2 = 2
    named_curve = 3


class CertificateStatusType(IntEnum):
    """TLS Certificate Status Types (status_request / status_request_v2)."""

    ocsp = 1
    ocsp_multi = 2


class PskKeyExchangeMode(IntEnum):
    """TLS PskKeyExchangeMode (RFC 8446 section 4.2.9)."""

    psk_ke = 0
    psk_dhe_ke = 1


class CertificateType(IntEnum):
    """TLS Certificate Types (tls-extensiontype-values-3); real names via :func:`name_of`."""

    X509 = 0  # "X.509"
    OpenPGP = 1
    RawPublicKey = 2  # "Raw Public Key", RFC 7250
    IEEE1609Dot2 = 3  # "1609Dot2", RFC 8902


class ClientCertificateType(IntEnum):
    """TLS ClientCertificateType Identifiers (tls-parameters-2), in a TLS 1.2 CertificateRequest."""

    rsa_sign = 1
    dss_sign = 2
    rsa_fixed_dh = 3
    dss_fixed_dh = 4
    rsa_ephemeral_dh_RESERVED = 5
    dss_ephemeral_dh_RESERVED = 6
    fortezza_dms_RESERVED = 20
    ecdsa_sign = 64
    rsa_fixed_ecdh = 65
    ecdsa_fixed_ecdh = 66
    gost_sign256 = 67
    gost_sign512 = 68


class CertificateCompressionAlgorithm(IntEnum):
    """TLS Certificate Compression Algorithm IDs (RFC 8879)."""

    zlib = 1
    brotli = 2
    zstd = 3


class KeyUpdateRequest(IntEnum):
    """KeyUpdateRequest (RFC 8446 section 4.6.3)."""

    update_not_requested = 0
    update_requested = 1


class MaxFragmentLength(IntEnum):
    """MaxFragmentLength (RFC 6066 section 4); the RFC names are ``2^9`` ... ``2^12``."""

    LEN_512 = 1
    LEN_1024 = 2
    LEN_2048 = 3
    LEN_4096 = 4

    @property
    def length(self) -> int:
        """The negotiated maximum fragment length in bytes."""
        return 1 << (8 + self.value)


class NameType(IntEnum):
    """server_name NameType (RFC 6066 section 3)."""

    host_name = 0


class CompressionMethod(IntEnum):
    """TLS Compression Method Identifiers (RFC 3749; LZS is RFC 3943)."""

    null = 0
    DEFLATE = 1
    LZS = 64


class HeartbeatMode(IntEnum):
    """Heartbeat Modes (RFC 6520)."""

    peer_allowed_to_send = 1
    peer_not_allowed_to_send = 2


class HeartbeatMessageType(IntEnum):
    """Heartbeat Message Types (RFC 6520)."""

    heartbeat_request = 1
    heartbeat_response = 2


# ---------------------------------------------------------------------------
# Protocol versions
# ---------------------------------------------------------------------------

#: The versions that have a name of their own.
VERSION_NAMES: Final[dict[int, str]] = {
    0x0002: "SSL 2.0",
    0x0300: "SSL 3.0",
    0x0301: "TLS 1.0",
    0x0302: "TLS 1.1",
    0x0303: "TLS 1.2",
    0x0304: "TLS 1.3",
    0xFEFF: "DTLS 1.0",
    0xFEFD: "DTLS 1.2",
    0xFEFC: "DTLS 1.3",
    0x0100: "DTLS 1.0 (OpenSSL pre-0.9.8f)",
}


def version_name(v: int) -> str:
    """Version name: "TLS 1.2", "TLS 1.3 (draft 23)", "GREASE (0x7a7a)", or "0x%04x"."""
    name = VERSION_NAMES.get(v)
    if name is not None:
        return name
    if is_grease(v):
        return f"GREASE (0x{v:04x})"
    if v >> 8 == 0x7F and v & 0xFF:
        return f"TLS 1.3 (draft {v & 0xFF})"
    if v >> 8 == 0xFB and v & 0xFF:
        return f"TLS 1.3 (Facebook draft {v & 0xFF})"
    return _hex(v, 4)


# ---------------------------------------------------------------------------
# Names and display text
# ---------------------------------------------------------------------------

# Registry names that are not Python identifiers.
_NAME_OVERRIDES: Final[dict[type[IntEnum], dict[int, str]]] = {
    ExtensionType: {53: "connection_id (deprecated)"},
    CertificateType: {0: "X.509", 1: "OpenPGP", 2: "Raw Public Key", 3: "1609Dot2"},
    MaxFragmentLength: {1: "2^9", 2: "2^10", 3: "2^11", 4: "2^12"},
}

# Unregistered-but-seen names consulted after the enum.
_EXTRA_NAMES: Final[dict[type[IntEnum], dict[int, str]]] = {
    ExtensionType: EXTRA_EXTENSION_NAMES,
    NamedGroup: EXTRA_GROUP_NAMES,
    SignatureScheme: EXTRA_SIGSCHEME_NAMES,
}


def _hex(v: int, width: int) -> str:
    return f"0x{v:0{width}x}" if v >= 0 else str(v)


# Names and display texts are cached: every field of a capture asks for them
# again (an enum member's .name is a slow property before Python 3.12).
@functools.lru_cache(maxsize=4096)
def name_of(enum_cls: type[IntEnum], value: int) -> str | None:
    """The registered name of ``value`` in ``enum_cls``, or None.

    Also consults the extra-name tables kept for ExtensionType, NamedGroup and
    SignatureScheme.  Never raises for an int.
    """
    overrides = _NAME_OVERRIDES.get(enum_cls)
    if overrides is not None and value in overrides:
        return overrides[value]
    member = enum_cls._value2member_map_.get(value)
    if member is not None:
        return member.name
    extra = _EXTRA_NAMES.get(enum_cls)
    return None if extra is None else extra.get(value)


def describe(name_or_none: str | None, v: int, width: int = 4) -> str:
    """``"TLS_AES_128_GCM_SHA256 (0x1301)"``; just the hex code when there is no name."""
    if name_or_none is None:
        return _hex(v, width)
    return f"{name_or_none} ({_hex(v, width)})"


def _name_or_grease(enum_cls: type[IntEnum], v: int) -> str | None:
    name = name_of(enum_cls, v)
    if name is None and is_grease(v):
        return "GREASE"
    return name


def _u16_name(enum_cls: type[IntEnum], v: int) -> str:
    name = name_of(enum_cls, v)
    if name is not None:
        return name
    if is_grease(v):
        return f"GREASE ({_hex(v, 4)})"
    return _hex(v, 4)


def _u8_name(enum_cls: type[IntEnum], v: int) -> str:
    name = name_of(enum_cls, v)
    return _hex(v, 2) if name is None else name


@functools.lru_cache(maxsize=1024)
def suite_name(v: int) -> str:
    """IANA cipher suite name, "GREASE (0x0a0a)", or "0x%04x"."""
    return _u16_name(CipherSuite, v)


@functools.lru_cache(maxsize=4096)
def extension_name(v: int) -> str:
    """IANA (or well-known unregistered) extension name, "GREASE (0x....)", or "0x%04x"."""
    return _u16_name(ExtensionType, v)


@functools.lru_cache(maxsize=1024)
def group_name(v: int) -> str:
    """Supported group name, "GREASE (0x....)", or "0x%04x"."""
    return _u16_name(NamedGroup, v)


@functools.lru_cache(maxsize=4096)
def sigscheme_name(v: int) -> str:
    """SignatureScheme name, a TLS 1.2 pair name (``rsa_sha224``), GREASE, or "0x%04x"."""
    name = name_of(SignatureScheme, v)
    if name is not None:
        return name
    if is_grease(v):
        return f"GREASE ({_hex(v, 4)})"
    return legacy_sigalg_name(v) or _hex(v, 4)


def cert_compression_name(v: int) -> str:
    """Certificate compression algorithm name or "0x%04x"."""
    return _u16_name(CertificateCompressionAlgorithm, v)


@functools.lru_cache(maxsize=4096)
def alert_name(v: int) -> str:
    """Alert description name or "0x%02x"."""
    return _u8_name(AlertDescription, v)


def alert_level_name(v: int) -> str:
    """Alert level name: "warning", "fatal" or "0x%02x"."""
    return _u8_name(AlertLevel, v)


@functools.lru_cache(maxsize=4096)
def content_type_name(v: int) -> str:
    """Record content type name ("handshake") or "0x%02x"."""
    return _u8_name(ContentType, v)


def handshake_name(v: int) -> str:
    """The RFC's CamelCase message name ("ClientHello") or "0x%02x"."""
    return HANDSHAKE_RFC_NAMES.get(v) or _hex(v, 2)


def psk_mode_name(v: int) -> str:
    """PskKeyExchangeMode name, "GREASE (0x..)" or "0x%02x"."""
    if is_grease_u8(v):
        return f"GREASE ({_hex(v, 2)})"
    return _u8_name(PskKeyExchangeMode, v)


def ec_point_format_name(v: int) -> str:
    """EC point format name or "0x%02x"."""
    return _u8_name(ECPointFormat, v)


def compression_method_name(v: int) -> str:
    """Compression method name or "0x%02x"."""
    return _u8_name(CompressionMethod, v)


def certificate_type_name(v: int) -> str:
    """Certificate type name ("X.509", "Raw Public Key") or "0x%02x"."""
    return _u8_name(CertificateType, v)


def client_certificate_type_name(v: int) -> str:
    """ClientCertificateType name or "0x%02x"."""
    return _u8_name(ClientCertificateType, v)


@functools.lru_cache(maxsize=4096)
def suite_display(v: int) -> str:
    """``"TLS_AES_128_GCM_SHA256 (0x1301)"``, ``"GREASE (0x0a0a)"`` or ``"0x1234"``."""
    return describe(_name_or_grease(CipherSuite, v), v)


@functools.lru_cache(maxsize=4096)
def extension_display(v: int) -> str:
    """``"key_share (0x0033)"``, ``"GREASE (0x0a0a)"`` or ``"0x1234"``."""
    return describe(_name_or_grease(ExtensionType, v), v)


@functools.lru_cache(maxsize=4096)
def group_display(v: int) -> str:
    """``"x25519 (0x001d)"``, ``"GREASE (0x0a0a)"`` or ``"0x1234"``."""
    return describe(_name_or_grease(NamedGroup, v), v)


@functools.lru_cache(maxsize=4096)
def sigscheme_display(v: int) -> str:
    """``"rsa_pss_rsae_sha256 (0x0804)"``, ``"GREASE (0x0a0a)"`` or ``"0x1234"``."""
    name = _name_or_grease(SignatureScheme, v)
    return describe(name if name is not None else legacy_sigalg_name(v), v)


@functools.lru_cache(maxsize=4096)
def version_display(v: int) -> str:
    """``"TLS 1.2 (0x0303)"``, ``"GREASE (0x7a7a)"`` or ``"0x1234"``."""
    name = version_name(v)
    if name.startswith(("GREASE", "0x")):
        return name
    return describe(name, v)


@functools.lru_cache(maxsize=4096)
def alert_display(v: int) -> str:
    """``"handshake_failure (0x28)"`` or ``"0xff"``."""
    return describe(name_of(AlertDescription, v), v, 2)


@functools.lru_cache(maxsize=4096)
def content_type_display(v: int) -> str:
    """``"handshake (0x16)"`` or ``"0x63"``."""
    return describe(name_of(ContentType, v), v, 2)


@functools.lru_cache(maxsize=4096)
def handshake_display(v: int) -> str:
    """``"ClientHello (0x01)"`` or ``"0x63"``."""
    return describe(HANDSHAKE_RFC_NAMES.get(v), v, 2)


@functools.lru_cache(maxsize=4096)
def enum_display(enum_cls: type[IntEnum], v: int, width: int = 4) -> str:
    """Display text "<name> (0x..)" for any registry enum, the hex code alone when unknown."""
    return describe(name_of(enum_cls, v), v, width)
