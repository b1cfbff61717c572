"""What a DTLS record looks like: the few checks that find DTLS in a datagram,
and the version arithmetic every layer shares, without the record reader
(:mod:`.dtls_records`) or its field trees, so that the summary of a big
capture loads no more than it needs.

DTLS (RFC 6347 for 1.0 and 1.2, RFC 9147 for 1.3) is TLS made to survive a
transport that loses, repeats and reorders datagrams.  Its record header adds
an epoch and an explicit 48-bit sequence number to TLS's (13 bytes instead of
5), its handshake header adds a message sequence number and a fragment offset
and length (12 bytes instead of 4), and its version numbers count down from
0xfeff, the one's complement of the TLS version they are based on.
"""

from __future__ import annotations

from typing import Final

#: ProtocolVersion values (RFC 6347 §4.1, RFC 9147 §5.3).  0x0100 is the
#: version OpenSSL wrote before 0.9.8f, when DTLS 1.0 was still a draft.
DTLS10: Final = 0xFEFF
DTLS12: Final = 0xFEFD
DTLS13: Final = 0xFEFC
DTLS10_OPENSSL_PRE: Final = 0x0100
DTLS_VERSIONS: Final = frozenset({DTLS10, DTLS12, DTLS13, DTLS10_OPENSSL_PRE})

#: The TLS version each DTLS version is defined against: DTLS 1.0 is TLS 1.1
#: made datagram-safe (RFC 4347 §1), DTLS 1.2 is TLS 1.2 (RFC 6347 §1), DTLS
#: 1.3 is TLS 1.3 (RFC 9147 §1).  Every decision that depends on the version
#: (explicit IVs, the PRF, signature algorithms) follows the TLS version.
_TLS_OF: Final = {DTLS10: 0x0302, DTLS10_OPENSSL_PRE: 0x0302, DTLS12: 0x0303, DTLS13: 0x0304}

#: RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2).
RECORD_HEADER_LEN: Final = 13
#: RFC 6347 §4.2.2: msg_type(1) length(3) message_seq(2) fragment_offset(3)
#: fragment_length(3).
HANDSHAKE_HEADER_LEN: Final = 12

#: ContentType values DTLS adds: tls12_cid (RFC 9146 §4) and ack (RFC 9147 §7).
TLS12_CID: Final = 25
ACK: Final = 26
#: The content types a DTLSPlaintext (or DTLS 1.2 ciphertext) header may carry.
DTLS_CONTENT_TYPES: Final = frozenset({20, 21, 22, 23, 24, 25, 26})

#: HandshakeType hello_verify_request (RFC 6347 §4.2.1).
HELLO_VERIFY_REQUEST: Final = 3
#: Handshake types a DTLS association may open with (client, or a server's
#: answer when the capture missed the ClientHello).
_OPENING_TYPES: Final = frozenset({1, 2, 3})

#: RFC 9147 §4: the first byte of a unified header is 0b001CSLEE.
UNIFIED_MASK: Final = 0xE0
UNIFIED_BITS: Final = 0x20
UNIFIED_CID: Final = 0x10
UNIFIED_SEQ16: Final = 0x08
UNIFIED_LENGTH: Final = 0x04
UNIFIED_EPOCH: Final = 0x03

#: Same bound as TLS (RFC 6347 §4.1 keeps 2^14 plus expansion).
MAX_DTLS_RECORD: Final = 2**14 + 2048


def is_dtls_version(version: int | None) -> bool:
    return version in DTLS_VERSIONS


def tls_version(version: int) -> int:
    """The TLS version a (D)TLS version behaves as (TLS versions unchanged)."""
    return _TLS_OF.get(version, version)


def is_unified(first: int) -> bool:
    """Does a record start with a DTLS 1.3 unified header (RFC 9147 §4)?"""
    return first & UNIFIED_MASK == UNIFIED_BITS


def plausible_dtls_header(data: bytes, pos: int = 0) -> bool:
    """Could ``data[pos:]`` start a DTLSPlaintext (or DTLS 1.2 ciphertext)
    header: a known content type, a DTLS version, a length that fits?"""
    if len(data) - pos < RECORD_HEADER_LEN:
        return False
    version = (data[pos + 1] << 8) | data[pos + 2]
    length = (data[pos + 11] << 8) | data[pos + 12]
    return (
        data[pos] in DTLS_CONTENT_TYPES
        and version in DTLS_VERSIONS
        and length <= MAX_DTLS_RECORD
        and pos + RECORD_HEADER_LEN + length <= len(data)
    )


def looks_like_dtls(datagram: bytes) -> bool:
    """Is this datagram the start of a DTLS association?  Found by content,
    whatever the port: its first record is an epoch-0 handshake record whose
    first handshake fragment is a ClientHello, HelloVerifyRequest or
    ServerHello with a consistent fragment header (RFC 6347 §4.2.2).  Strict
    on purpose: any UDP protocol may begin with a byte between 20 and 26."""
    if not plausible_dtls_header(datagram) or datagram[0] != 22:
        return False
    if datagram[3] or datagram[4]:  # epoch 0: the first flight is in the clear
        return False
    length = (datagram[11] << 8) | datagram[12]
    p = RECORD_HEADER_LEN
    if length < HANDSHAKE_HEADER_LEN or datagram[p] not in _OPENING_TYPES:
        return False
    total = int.from_bytes(datagram[p + 1 : p + 4], "big")
    offset = int.from_bytes(datagram[p + 6 : p + 9], "big")
    frag = int.from_bytes(datagram[p + 9 : p + 12], "big")
    return offset + frag <= total and HANDSHAKE_HEADER_LEN + frag <= length
