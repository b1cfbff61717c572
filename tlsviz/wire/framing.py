"""What a TLS record header may look like: the few checks that find TLS in a
byte stream, without the record reader (:mod:`.records`) or its field trees,
so that the summary of a big capture loads no more than it needs."""

from __future__ import annotations

from typing import Final

#: RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14; §5.2 allows 2^14+256
#: for TLSCiphertext; RFC 5246 §6.2.3 allows 2^14+2048.  Anything longer is not
#: a record header but noise.
MAX_RECORD_LENGTH: Final = 2**14 + 2048

#: RFC 8446 §4 allows a handshake message 2^24-1 bytes; tlsviz holds at most
#: this much of one (1 MiB, ten times what OpenSSL accepts for a certificate
#: chain by default) and counts the rest of a longer one off: see
#: :mod:`.reassembly`, and the summary's readers, which skip such a message.
MAX_HANDSHAKE_MESSAGE: Final = 1 << 20


def pending_need(pending: bytes | bytearray, header: int, size: int) -> int:
    """How many bytes the unit begun in ``pending`` has in all (its header of
    ``header`` bytes ends with a ``size``-byte length), or 0 while the header
    itself is incomplete: a reader that keeps adding to ``pending`` until it
    has that many does one copy a unit, not one a chunk."""
    if len(pending) < header:
        return 0
    return header + int.from_bytes(pending[header - size : header], "big")


#: Content types a TLS (not DTLS) stream carries: change_cipher_spec, alert,
#: handshake, application_data, heartbeat.
STREAM_CONTENT_TYPES: Final = frozenset({20, 21, 22, 23, 24})


def plausible_header(b0: int, b1: int, b2: int, length: int) -> bool:
    """Could these five bytes start a TLS record?  (type, major, minor, length)."""
    return b0 in STREAM_CONTENT_TYPES and b1 == 3 and b2 <= 4 and length <= MAX_RECORD_LENGTH


def looks_like_sslv2_client_hello(data: bytes) -> bool:
    """An SSLv2-framed CLIENT-HELLO: 2-byte header with the high bit set, type 1,
    a version SSL 2.0 .. TLS 1.2 (RFC 5246 Appendix E.2; RFC 6101 Appendix E)."""
    if len(data) < 5 or not data[0] & 0x80:
        return False
    length = ((data[0] & 0x7F) << 8) | data[1]
    return (
        data[2] == 1
        and length >= 9
        and (data[3], data[4]) in {(0, 2), (3, 0), (3, 1), (3, 2), (3, 3)}
    )
