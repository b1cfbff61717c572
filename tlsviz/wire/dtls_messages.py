"""The parts of DTLS that TLS does not have, as field trees: the record
headers (RFC 6347 §4.1, RFC 9146 §4, RFC 9147 §4), the handshake header's
three extra fields (RFC 6347 §4.2.2), HelloVerifyRequest (RFC 6347 §4.2.1),
the DTLS 1.3 ACK (RFC 9147 §7) and the connection ID messages (RFC 9147 §9).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import registry as reg
from .dtls_framing import UNIFIED_CID, UNIFIED_EPOCH, UNIFIED_LENGTH, UNIFIED_SEQ16
from .fields import Field
from .reader import DecodeError, Reader
from .records import Record


@dataclass(frozen=True, slots=True)
class HelloVerifyRequest:
    """RFC 6347 §4.2.1: the server's stateless "prove you can hear me"."""

    server_version: int
    cookie: bytes


@dataclass(frozen=True, slots=True)
class Ack:
    """RFC 9147 §7: the records received, each as (epoch, sequence_number)."""

    record_numbers: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class NewConnectionId:
    """RFC 9147 §9: connection IDs the peer may use from now on."""

    cids: tuple[bytes, ...]
    usage: int


@dataclass(frozen=True, slots=True)
class RequestConnectionId:
    """RFC 9147 §9: ask the peer for more connection IDs."""

    num_cids: int


def _u(data: bytes, offset: int, length: int) -> int:
    return int.from_bytes(data[offset : offset + length], "big")


def dtls_record_header_fields(rec: Record) -> tuple[Field, ...]:
    """A DTLS record's header as fields, offsets from the record's first byte."""
    h = rec.header
    if rec.unified:
        return _unified_fields(rec)
    ctype = h[0]
    out = [
        Field("content_type", 0, 1, ctype, reg.content_type_display(ctype), (),
              "record.content_type"),
        Field("version", 1, 2, rec.version, reg.version_display(rec.version), (),
              "dtls.record.version"),
        Field("epoch", 3, 2, rec.epoch, str(rec.epoch), (), "dtls.record.epoch"),
        Field("sequence_number", 5, 6, rec.seq, str(rec.seq), (), "dtls.record.sequence_number"),
    ]  # fmt: skip
    if rec.cid is not None:
        out.append(Field("connection_id", 11, len(rec.cid), rec.cid, rec.cid.hex() or "(empty)",
                         (), "dtls.record.connection_id"))  # fmt: skip
    n = len(h)
    out.append(Field("length", n - 2, 2, rec.length, str(rec.length), (), "dtls.record.length"))
    return tuple(out)


def _unified_fields(rec: Record) -> tuple[Field, ...]:
    """RFC 9147 §4: 0b001CSLEE, then the connection ID, the (encrypted) low
    bits of the sequence number and the length, each only when announced."""
    h = rec.header
    b0 = h[0]
    bits = (
        Field("fixed_bits", 0, 1, b0 >> 5, f"{b0 >> 5:03b} (a unified header)", (),
              "dtls.unified.fixed_bits"),
        Field("cid_present", 0, 1, bool(b0 & UNIFIED_CID), _flag(b0 & UNIFIED_CID, "C"), (),
              "dtls.unified.c"),
        Field("seq_16_bits", 0, 1, bool(b0 & UNIFIED_SEQ16),
              "S=1: 16-bit sequence number" if b0 & UNIFIED_SEQ16 else
              "S=0: 8-bit sequence number", (), "dtls.unified.s"),
        Field("length_present", 0, 1, bool(b0 & UNIFIED_LENGTH), _flag(b0 & UNIFIED_LENGTH, "L"),
              (), "dtls.unified.l"),
        Field("epoch_bits", 0, 1, b0 & UNIFIED_EPOCH,
              f"{b0 & UNIFIED_EPOCH:02b} (the epoch's two low bits)", (), "dtls.unified.epoch"),
    )  # fmt: skip
    out = [Field("flags", 0, 1, b0, f"0x{b0:02x} = 0b{b0:08b}", bits, "dtls.unified.flags")]
    p = 1
    if rec.cid is not None:
        out.append(Field("connection_id", 1, len(rec.cid), rec.cid, rec.cid.hex() or "(empty)",
                         (), "dtls.unified.connection_id"))  # fmt: skip
        p += len(rec.cid)
    n = 2 if b0 & UNIFIED_SEQ16 else 1
    enc = h[p : p + n]
    out.append(Field("sequence_number", p, n, enc, f"{enc.hex()} (encrypted: the low "
                     f"{8 * n} bits of the sequence number, masked)", (),
                     "dtls.unified.sequence_number"))  # fmt: skip
    p += n
    if b0 & UNIFIED_LENGTH:
        out.append(Field("length", p, 2, rec.length, str(rec.length), (), "dtls.record.length"))
    return tuple(out)


def _flag(on: int, letter: str) -> str:
    what = {"C": "a connection ID follows", "L": "a length field follows"}[letter]
    return f"{letter}=1: {what}" if on else f"{letter}=0: no " + what.split(" ", 1)[1]


def handshake_header_fields(r: Reader) -> tuple[int, int, int]:
    """The three fields DTLS adds to a handshake header (RFC 6347 §4.2.2)."""
    seq = r.u16("message_seq", "dtls.handshake.message_seq")
    off = r.u24("fragment_offset", "dtls.handshake.fragment_offset")
    length = r.u24("fragment_length", "dtls.handshake.fragment_length")
    return seq, off, length


def parse_hello_verify_request(r: Reader) -> HelloVerifyRequest:
    version = r.u16("server_version", "hello_verify_request.server_version",
                    fmt=reg.version_display)  # fmt: skip
    cookie = r.opaque("cookie", 1, "hello_verify_request.cookie")
    return HelloVerifyRequest(version, cookie)


def parse_new_connection_id(r: Reader) -> NewConnectionId:
    cids: list[bytes] = []
    with r.block("cids", 2, "new_connection_id.cids") as node:
        while r.remaining:
            cids.append(r.opaque("cid", 1, "new_connection_id.cid"))
        node.display = f"{len(cids)} connection ID{'s' if len(cids) != 1 else ''}"
    usage = r.u8("usage", "new_connection_id.usage", fmt=lambda v: {
        0: "cid_immediate (0)", 1: "cid_spare (1)"}.get(v, str(v)))  # fmt: skip
    return NewConnectionId(tuple(cids), usage)


def parse_request_connection_id(r: Reader) -> RequestConnectionId:
    return RequestConnectionId(r.u8("num_cids", "request_connection_id.num_cids"))


def parse_ack(r: Reader) -> Ack:
    """RFC 9147 §7: ``RecordNumber record_numbers<0..2^16-1>``, each a 64-bit
    epoch and a 64-bit sequence number."""
    numbers: list[tuple[int, int]] = []
    with r.block("record_numbers", 2, "ack.record_numbers") as node:
        if r.remaining % 16:
            raise DecodeError("record_numbers is not a whole number of 16-byte entries",
                              r.offset, r.remaining, "RFC 9147 §7")  # fmt: skip
        while r.remaining:
            with r.group("record_number", "ack.record_number") as entry:
                epoch = r.uint("epoch", 8, "ack.epoch")
                seq = r.uint("sequence_number", 8, "ack.sequence_number")
                entry.display = f"epoch {epoch}, record {seq}"
            numbers.append((epoch, seq))
        node.display = f"{len(numbers)} record{'s' if len(numbers) != 1 else ''} acknowledged"
    return Ack(tuple(numbers))
