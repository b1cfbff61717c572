"""From framed bytes to :class:`Message` values: one function per content type.

Each function builds the message's field tree with a :class:`Reader` and
catches malformed bytes at the message boundary (STYLE habit 4): what decoded
stays decoded, the rest becomes one diagnostic on exactly the bytes that could
not be parsed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

from . import registry as reg
from .fields import Diagnostic, Field, Severity
from .hello import parse_client_hello, parse_server_hello, parse_sslv2_client_hello
from .keyexchange import parse_client_key_exchange, parse_server_key_exchange
from .message import STREAM, Message, Segment
from .messages import (
    parse_certificate,
    parse_certificate_request,
    parse_certificate_status,
    parse_certificate_verify,
    parse_compressed_certificate,
    parse_empty,
    parse_encrypted_extensions,
    parse_finished,
    parse_key_update,
    parse_new_session_ticket,
)
from .quickhello import quick_client_hello, quick_server_hello
from .reader import Reader
from .reassembly import RawHandshake
from .records import Record
from .registry import HandshakeType as HT


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class ParseContext:
    """What the body of some messages depends on: the negotiated version and suite."""

    version: int | None = None
    suite: reg.SuiteInfo | None = None
    tls13: bool = False
    record_fields: bool = True
    certificates: bool = True  # decode each certificate's DER structure
    dtls: bool = False  # DTLS: 12-byte handshake headers, cookies (RFC 6347 §4.2)
    #: with ``record_fields``: read bodies and diagnostics now, and give each
    #: message whose tree is worth leaving for later (handshake messages,
    #: application data, undecryptable records) a builder instead of its fields
    #: (see :class:`~.message.Message`)
    lazy: bool = False

    def reader(self, data: bytes) -> Reader:
        """A reader of ``data`` as this context wants it: recording fields, or
        not (the summary; the first pass of a lazy decoder)."""
        if self.lazy:
            return Reader(data, 0, record=False, lazy=True)
        return Reader(data, 0, record=self.record_fields)

    def eager(self) -> ParseContext:
        """This context, building field trees at once (what a builder runs)."""
        return replace(self, lazy=False) if self.lazy else self


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Alert:
    level: int
    description: int


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class ChangeCipherSpec:
    value: int


@dataclass(frozen=True, slots=True)
class Heartbeat:
    type: int
    payload_length: int


def record_header_fields(rec: Record) -> tuple[Field, ...]:
    """The record header as fields, offsets relative to the record's first byte."""
    if header_only(rec):
        return header_fields(rec.header, rec.sslv2)
    return _record_header_fields(rec)


def header_only(rec: Record) -> bool:
    """Whether a record's header fields come from its header bytes alone
    (a TLS record's, without a NULL cipher's MAC): :func:`header_fields`."""
    return rec.epoch is None and not rec.mac_length


@functools.lru_cache(maxsize=1024)
def header_fields(header: bytes, sslv2: bool) -> tuple[Field, ...]:
    """The fields of a TLS record header: the same few headers recur all
    through a capture (views ask for every record's)."""
    return _record_header_fields(Record(0, 0, 0, b"", None, header, sslv2=sslv2))


def _record_header_fields(rec: Record) -> tuple[Field, ...]:
    if rec.epoch is not None:
        from .dtls_messages import dtls_record_header_fields

        return dtls_record_header_fields(rec)
    r = Reader(rec.header, 0)
    if rec.sslv2:
        r.u16(
            "length",
            "sslv2.record_length",
            fmt=lambda v: f"{v & 0x7FFF} (high bit set: 2-byte SSLv2 header)",
        )
        return tuple(r.fields)
    r.u8("content_type", "record.content_type", fmt=reg.content_type_display)
    r.u16("legacy_record_version", "record.version", fmt=reg.version_display)
    r.u16("length", "record.length")
    fields = tuple(r.fields)
    if rec.mac_length:
        # RFC 5246 §6.2.3.1: a NULL cipher's fragment ends with the record's MAC
        n = len(rec.fragment) - rec.mac_length
        mac = rec.fragment[n:]
        start = rec.header_length + n
        fields += (Field("mac", start, rec.mac_length, mac, mac.hex(), (), "record.mac"),)
    return fields


def _finish(
    r: Reader,
    direction: str,
    type_name: str,
    content_type: int,
    encrypted: bool,
    raw: bytes,
    segments: tuple[Segment, ...],
    records: tuple[Record, ...],
    time: float | None,
    body: Any,
    notes: list[str],
    handshake_type: int | None = None,
    dtls: Any = None,
) -> Message:
    diags = (
        tuple(
            Diagnostic(d.severity, d.message, d.offset, d.length, d.rfc, direction, d.buffer)
            for d in r.diagnostics
        )
        if r.diagnostics
        else ()
    )
    return Message(
        direction,
        type_name,
        content_type,
        encrypted,
        raw,
        segments,
        time,
        tuple(r.fields),
        body,
        diags,
        records,
        handshake_type,
        tuple(notes),
        dtls=dtls,
    )


def decode_handshake(
    hs: RawHandshake, direction: str, ctx: ParseContext, encrypted: bool
) -> Message:
    msg = _decode_handshake(hs, direction, ctx, encrypted)
    if ctx.lazy:
        full = ctx.eager()
        msg = msg.replace(build=lambda: _decode_handshake(hs, direction, full, encrypted).fields)
    return msg


def _decode_handshake(
    hs: RawHandshake, direction: str, ctx: ParseContext, encrypted: bool
) -> Message:
    raw = hs.raw
    msg_type = hs.msg_type
    head = 4 if hs.dtls is None else 12
    if not ctx.record_fields and msg_type in (HT.client_hello, HT.server_hello):
        # Without field trees: the hellos as the key schedule reads them (see .quickhello).
        quick = (
            quick_client_hello(raw, head, dtls=ctx.dtls)
            if msg_type == HT.client_hello
            else quick_server_hello(raw, head)
        )
        if quick is not None:
            name = (
                "HelloRetryRequest"
                if getattr(quick, "is_hrr", False)
                else ("ClientHello" if msg_type == HT.client_hello else "ServerHello")
            )
            return Message(
                direction,
                name,
                22,
                encrypted,
                raw,
                hs.segments,
                hs.time,
                (),
                quick,
                (),
                hs.records,
                msg_type,
                dtls=hs.dtls,
            )
    r = ctx.reader(raw)
    notes: list[str] = []
    name = reg.handshake_name(msg_type)
    r.u8("msg_type", "handshake.msg_type", fmt=reg.handshake_display)
    r.u24("length", "handshake.length")
    if hs.dtls is not None:
        from .dtls_messages import handshake_header_fields

        handshake_header_fields(r)
    body: Any = None
    with r.guard(name):
        body = _parse_body(r, msg_type, direction, ctx, notes)
        r.trailing(name)
        if body is not None and msg_type == HT.server_hello and getattr(body, "is_hrr", False):
            name = "HelloRetryRequest"
    return _finish(
        r,
        direction,
        name,
        22,
        encrypted,
        raw,
        hs.segments,
        hs.records,
        hs.time,
        body,
        notes,
        msg_type,
        hs.dtls,
    )


def _parse_body(
    r: Reader, msg_type: int, direction: str, ctx: ParseContext, notes: list[str]
) -> Any:
    if msg_type == HT.client_hello:
        return parse_client_hello(r, notes, dtls=ctx.dtls)
    if msg_type == HT.server_hello:
        return parse_server_hello(r, notes)
    if msg_type in (HT.hello_request, HT.server_hello_done, HT.end_of_early_data):
        return parse_empty(r, reg.handshake_name(msg_type))
    if msg_type == HT.new_session_ticket:
        return parse_new_session_ticket(r, ctx.tls13)
    if msg_type == HT.encrypted_extensions:
        return parse_encrypted_extensions(r)
    if msg_type == HT.certificate:
        certs: list[tuple[bytes, int]] = []
        body = parse_certificate(r, ctx.tls13, certs, ctx.certificates)
        return body
    if msg_type == HT.compressed_certificate:
        return parse_compressed_certificate(r)
    if msg_type == HT.server_key_exchange:
        return parse_server_key_exchange(r, ctx.suite, ctx.version)
    if msg_type == HT.certificate_request:
        return parse_certificate_request(r, ctx.version, ctx.tls13)
    if msg_type == HT.certificate_verify:
        return parse_certificate_verify(r, ctx.version)
    if msg_type == HT.client_key_exchange:
        return parse_client_key_exchange(r, ctx.suite, ctx.version)
    if msg_type == HT.finished:
        return parse_finished(r)
    if msg_type == HT.key_update:
        return parse_key_update(r)
    if msg_type == HT.certificate_status:
        return parse_certificate_status(r)
    if msg_type in (HT.hello_verify_request, HT.request_connection_id, HT.new_connection_id):
        from . import dtls_messages as dm  # DTLS (RFC 6347 §4.2.1, RFC 9147 §9)

        if msg_type == HT.hello_verify_request:
            return dm.parse_hello_verify_request(r)
        if msg_type == HT.new_connection_id:
            return dm.parse_new_connection_id(r)
        return dm.parse_request_connection_id(r)
    if r.remaining:
        r.rest("body", "handshake.body")
    return None


def decode_sslv2_hello(rec: Record, direction: str, ctx: ParseContext) -> Message:
    msg = _decode_sslv2_hello(rec, direction, ctx)
    if ctx.lazy:
        full = ctx.eager()
        msg = msg.replace(build=lambda: _decode_sslv2_hello(rec, direction, full).fields)
    return msg


def _decode_sslv2_hello(rec: Record, direction: str, ctx: ParseContext) -> Message:
    raw = rec.fragment
    r = ctx.reader(raw)
    notes: list[str] = []
    body = None
    with r.guard("SSLv2 ClientHello"):
        body = parse_sslv2_client_hello(r, notes)
        r.trailing("SSLv2 ClientHello")
    seg = (Segment(0, STREAM[direction], rec.offset + rec.header_length, len(raw)),)
    return _finish(
        r, direction, "ClientHello", 22, False, raw, seg, (rec,), rec.time, body, notes, 1
    )


def decode_ccs(
    data: bytes,
    seg: tuple[Segment, ...],
    rec: Record,
    direction: str,
    ctx: ParseContext,
    encrypted: bool,
) -> Message:
    r = Reader(data, 0, record=ctx.record_fields)
    notes: list[str] = []
    body = None
    with r.guard("ChangeCipherSpec"):
        value = r.u8(
            "type", "ccs.type", fmt=lambda v: "change_cipher_spec (1)" if v == 1 else str(v)
        )
        if value != 1:
            r.note("ChangeCipherSpec must be the single byte 1", 0, 1, rfc="RFC 5246 §7.1")
        if ctx.dtls and ctx.version == 0x0100 and r.remaining == 2:
            # OpenSSL before 0.9.8f numbered its ChangeCipherSpec like a handshake message
            r.u16("message_seq", "dtls.ccs.message_seq")
            notes.append(
                "OpenSSL's pre-standard DTLS (version 0x0100) put a message_seq in "
                "ChangeCipherSpec; RFC 4347 (DTLS 1.0) dropped it."
            )
        if r.remaining:
            r.note("ChangeCipherSpec has extra bytes", r.offset, r.remaining)
            r.rest("unparsed", "unparsed")
        body = ChangeCipherSpec(value)
    if ctx.tls13:
        when = (
            "a server sends it right after its ServerHello or HelloRetryRequest"
            if direction == "server"
            else "a client sends it right before its second flight, or right after a "
            "ClientHello offering 0-RTT"
        )
        notes.append(
            "In TLS 1.3 this ChangeCipherSpec does nothing and is never encrypted: it belongs "
            f"to the optional middlebox compatibility mode, in which {when}, so that "
            "middleboxes expecting a TLS 1.2 handshake let the connection through; the "
            "receiver drops it (RFC 8446 §5, Appendix D.4)."
        )
    return _finish(
        r, direction, "ChangeCipherSpec", 20, encrypted, data, seg, (rec,), rec.time, body, notes
    )


def decode_alerts(
    data: bytes,
    seg_base: Segment,
    rec: Record,
    direction: str,
    ctx: ParseContext,
    encrypted: bool,
) -> list[Message]:
    """A record of alerts: normally exactly one (level, description) pair."""
    out: list[Message] = []
    pos = 0
    while pos < len(data) or not out:
        chunk = data[pos : pos + 2]
        r = Reader(chunk, 0, record=ctx.record_fields)
        body = None
        with r.guard("Alert"):
            level = r.u8(
                "level", "alert.level", fmt=lambda v: reg.enum_display(reg.AlertLevel, v, 2)
            )
            desc = r.u8("description", "alert.description", fmt=reg.alert_display)
            body = Alert(level, desc)
        seg = (Segment(0, seg_base.buffer, seg_base.offset + pos, len(chunk)),)
        notes = []
        if body is not None:
            notes.append(_alert_note(body))
        out.append(
            _finish(r, direction, "Alert", 21, encrypted, chunk, seg, (rec,), rec.time, body, notes)
        )
        pos += 2
        if not chunk:
            break
    return out


def _alert_note(a: Alert) -> str:
    desc = reg.alert_name(a.description)
    if a.description == 0:
        return "close_notify: the sender will send no more data on this connection."
    level = "fatal" if a.level == 2 else "warning" if a.level == 1 else f"level {a.level}"
    return f"A {level} alert: {desc}."


def decode_application_data(
    data: bytes,
    seg: tuple[Segment, ...],
    rec: Record,
    direction: str,
    ctx: ParseContext,
    encrypted: bool,
) -> Message:
    msg = _decode_application_data(data, seg, rec, direction, ctx, encrypted)
    if ctx.lazy:
        full = ctx.eager()

        def build() -> tuple[Field, ...]:
            return _decode_application_data(data, seg, rec, direction, full, encrypted).fields

        msg = msg.replace(build=build)
    return msg


def _decode_application_data(
    data: bytes,
    seg: tuple[Segment, ...],
    rec: Record,
    direction: str,
    ctx: ParseContext,
    encrypted: bool,
) -> Message:
    r = ctx.reader(data)
    notes: list[str] = []
    if data and ctx.dtls and encrypted and ctx.record_fields:
        from .coap import looks_like_coap, parse_coap

        if looks_like_coap(data):  # DTLS on constrained devices carries CoAP (RFC 7252)
            with (
                r.sized("application_data", len(data), "application_data") as node,
                r.guard("CoAP message"),
            ):
                node.display = parse_coap(r)
                notes.append(f"{node.display}.")
            return _finish(
                r, direction, "ApplicationData", 23, encrypted, data, seg, (rec,), rec.time,
                None, notes,
            )  # fmt: skip
    if data:
        r.raw("application_data", len(data), "application_data", fmt=_text_preview)
    return _finish(
        r, direction, "ApplicationData", 23, encrypted, data, seg, (rec,), rec.time, None, notes
    )


def decode_heartbeat(
    data: bytes,
    seg: tuple[Segment, ...],
    rec: Record,
    direction: str,
    ctx: ParseContext,
    encrypted: bool,
) -> Message:
    """RFC 6520 §4 (the extension behind Heartbleed)."""
    r = Reader(data, 0, record=ctx.record_fields)
    body = None
    with r.guard("Heartbeat"):
        kind = r.u8(
            "type",
            "heartbeat.type",
            fmt=lambda v: {1: "heartbeat_request (1)", 2: "heartbeat_response (2)"}.get(v, str(v)),
        )
        n = r.u16("payload_length", "heartbeat.payload_length")
        if n + 16 > r.remaining:
            r.note(
                f"payload_length {n} exceeds what the record holds (the Heartbleed pattern)",
                r.offset - 2,
                2,
                Severity.ERROR,
                rfc="RFC 6520 §4",
            )
            r.rest("payload", "heartbeat.payload")
        else:
            r.raw("payload", n, "heartbeat.payload")
            r.rest("padding", "heartbeat.padding")
        body = Heartbeat(kind, n)
    return _finish(r, direction, "Heartbeat", 24, encrypted, data, seg, (rec,), rec.time, body, [])


def decode_encrypted(rec: Record, direction: str, ctx: ParseContext) -> Message:
    """A record we cannot (yet) decrypt: show its parts as far as the suite tells."""
    msg = _decode_encrypted(rec, direction, ctx)
    if ctx.lazy:
        full = ctx.eager()
        msg = msg.replace(build=lambda: _decode_encrypted(rec, direction, full).fields)
    return msg


def _decode_encrypted(rec: Record, direction: str, ctx: ParseContext) -> Message:
    data = rec.fragment
    r = ctx.reader(data)
    suite = ctx.suite
    n = len(data)
    if ctx.record_fields:
        if suite is not None and suite.mode == "aead" and n >= suite.tag_len:
            explicit = 8 if (not ctx.tls13 and suite.iv_len == 4) else 0
            if n >= explicit + suite.tag_len:
                if explicit:
                    r.raw("explicit_nonce", explicit, "encrypted.explicit_nonce")
                r.raw(
                    "encrypted_data",
                    n - explicit - suite.tag_len,
                    "encrypted.data",
                    fmt=lambda b: f"{len(b)} bytes of ciphertext",
                )
                r.raw("auth_tag", suite.tag_len, "encrypted.tag")
        elif (
            suite is not None
            and suite.mode == "cbc"
            and ctx.version is not None
            and ctx.version >= 0x0302
            and n >= suite.block_size
        ):
            r.raw("iv", suite.block_size, "encrypted.iv")
            r.rest(
                "encrypted_data",
                "encrypted.cbc_data",
                fmt=lambda b: f"{len(b)} bytes of ciphertext",
            )
        if r.remaining:
            r.rest(
                "encrypted_data", "encrypted.data", fmt=lambda b: f"{len(b)} bytes of ciphertext"
            )
    seg = (Segment(0, STREAM[direction], rec.offset + rec.header_length, n),)
    return _finish(
        r, direction, "Encrypted", rec.content_type, True, data, seg, (rec,), rec.time, None, []
    )


def decode_unknown_content(
    data: bytes,
    seg: tuple[Segment, ...],
    rec: Record,
    direction: str,
    ctx: ParseContext,
    content_type: int,
    encrypted: bool,
) -> Message:
    r = Reader(data, 0, record=ctx.record_fields)
    if data:
        r.rest("data", "record.unknown_content")
    r.note(
        f"unknown content type {content_type}", 0, len(data), Severity.WARNING, rfc="RFC 8446 §5.1"
    )
    return _finish(
        r,
        direction,
        reg.content_type_name(content_type),
        content_type,
        encrypted,
        data,
        seg,
        (rec,),
        rec.time,
        None,
        [],
    )


def _text_preview(data: bytes) -> str:
    text = text_of(data)
    if text is None:
        return f"{len(data)} bytes"
    preview = text if len(text) <= 60 else text[:60] + "…"
    return repr(preview)


def text_of(data: bytes) -> str | None:
    """The data as text when it is printable (UTF-8 with ordinary whitespace)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # isprintable() over the whole string runs in C; what it rejects is
    # checked again without the three whitespace characters allowed here
    # (removed by replace: str.translate looks each character up in a dict)
    if text.isprintable() or (
        text.replace("\r", "").replace("\n", "").replace("\t", "").isprintable()
    ):
        return text
    return None
