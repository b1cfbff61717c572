"""Extensions, field by field (RFC 8446 §4.2 and the RFCs that define each one).

A dispatch table maps an extension type to its parser.  The same extension
type has different bodies in different messages (``key_share`` in a ClientHello
is a list of shares, in a ServerHello one share, in a HelloRetryRequest just a
group), so each parser gets the message it is in.  Unknown extensions keep
their raw bytes and span; GREASE ones (RFC 8701) are named as GREASE.  A
malformed extension becomes a diagnostic on its own bytes and the next
extension is decoded as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import registry as reg
from .fields import Field, Repeats, printable, share
from .reader import DecodeError, Reader, hex_display

#: The messages an extension can appear in (RFC 8446 §4.2 table).
CH, SH, HRR, EE, CT, CR, NST = (
    "client_hello",
    "server_hello",
    "hello_retry_request",
    "encrypted_extensions",
    "certificate",
    "certificate_request",
    "new_session_ticket",
)


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Extension:
    """One extension: its type, raw data, where it starts in the message, and
    the parsed value (``None`` for unknown or malformed ones)."""

    type: int
    data: bytes
    offset: int
    value: Any = None

    @property
    def name(self) -> str:
        return reg.extension_name(self.type)


@dataclass(frozen=True, slots=True)
class KeyShareEntry:
    group: int
    key_exchange: bytes
    offset: int  # of the key_exchange bytes, relative to the message


@dataclass(frozen=True, slots=True)
class PskOffer:
    """The ClientHello ``pre_shared_key`` extension (RFC 8446 §4.2.11).

    ``binders_offset`` is where the binders list (its length prefix) starts in
    the ClientHello message: the binder is computed over the message truncated
    there (§4.2.11.2).
    """

    identities: tuple[tuple[bytes, int], ...]
    binders: tuple[bytes, ...]
    binders_offset: int


Parser = Callable[[Reader, str], Any]


def _text(data: bytes) -> str:
    """Bytes that should be ASCII, as a value (non-ASCII as \\xNN)."""
    return data.decode("ascii", errors="backslashreplace")


def _shown(data: bytes) -> str:
    """:func:`_text` as displayed: control characters escaped too."""
    return printable(_text(data))


def _u16_list(r: Reader, name: str, item: str, key: str, fmt: Callable[[int], str]) -> list[int]:
    values: list[int] = []
    with r.block(name, 2, key) as node:
        if r.remaining % 2:
            raise DecodeError(f"{name} has an odd length", r.offset, r.remaining)
        while r.remaining:
            values.append(r.u16(item, key=f"{key}.item", fmt=fmt))
        node.value = values
        node.display = f"{len(values)} {item.replace('_', ' ')}{'s' if len(values) != 1 else ''}"
    return values


def _empty(what: str) -> Parser:
    def parse(r: Reader, msg: str) -> Any:
        if r.remaining:
            r.rest("unexpected_data", key="ext.unexpected_data")
            r.note(f"{what} should be empty", r.offset, 0)
        return True

    return parse


# -- individual extensions --------------------------------------------------------


def parse_server_name(r: Reader, msg: str) -> Any:
    """RFC 6066 §3: a list of names; only host_name (0) is defined."""
    if msg != CH:
        return _empty("server_name in a server message")(r, msg)
    host: str | None = None
    with r.block("server_name_list", 2, "ext.server_name.list") as node:
        while r.remaining:
            with r.group("server_name", "ext.server_name.entry") as entry:
                kind = r.u8(
                    "name_type",
                    "ext.server_name.name_type",
                    fmt=lambda v: "host_name (0)" if v == 0 else f"0x{v:02x}",
                )
                name = r.opaque("host_name", 2, "ext.server_name.host_name", fmt=_shown)
                entry.value = _text(name)
                entry.display = _shown(name)
                if kind == 0 and host is None:
                    host = _text(name)
        node.display = printable(host or "")
    return host


def parse_max_fragment_length(r: Reader, msg: str) -> Any:
    """RFC 6066 §4: 2^9 .. 2^12 encoded as 1 .. 4."""
    return r.u8(
        "max_fragment_length",
        "ext.max_fragment_length.value",
        fmt=lambda v: f"2^{v + 8} = {2 ** (v + 8)} bytes ({v})" if 1 <= v <= 4 else f"0x{v:02x}",
    )


def parse_status_request(r: Reader, msg: str) -> Any:
    """RFC 6066 §8 (ClientHello) / RFC 8446 §4.4.2.1 (CertificateEntry)."""
    if msg in (SH, EE, CR) and not r.remaining:
        return True
    kind = r.u8(
        "status_type",
        "ext.status_request.status_type",
        fmt=lambda v: {1: "ocsp (1)", 2: "ocsp_multi (2)"}.get(v, f"0x{v:02x}"),
    )
    if msg == CT:
        r.opaque("ocsp_response", 3, "ext.status_request.ocsp_response")
        return kind
    if kind == 1:
        with r.block("responder_id_list", 2, "ext.status_request.responder_id_list"):
            while r.remaining:
                r.opaque("responder_id", 2, "ext.status_request.responder_id")
        r.opaque("request_extensions", 2, "ext.status_request.request_extensions")
    elif r.remaining:
        r.rest("request", "ext.status_request.request")
    return kind


def parse_supported_groups(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.7 / RFC 8422 §5.1.1: the key-exchange groups the client can use."""
    return _u16_list(
        r, "named_group_list", "named_group", "ext.supported_groups", reg.group_display
    )


def parse_ec_point_formats(r: Reader, msg: str) -> Any:
    """RFC 8422 §5.1.2: only 'uncompressed' (0) is still in use."""
    formats: list[int] = []
    with r.block("ec_point_format_list", 1, "ext.ec_point_formats") as node:
        while r.remaining:
            formats.append(
                r.u8(
                    "ec_point_format",
                    "ext.ec_point_formats.item",
                    fmt=lambda v: reg.enum_display(reg.ECPointFormat, v, 2),
                )
            )
        node.value = formats
        node.display = f"{len(formats)} formats"
    return formats


def parse_signature_algorithms(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.3: signature schemes the peer accepts, most preferred first."""
    return _u16_list(
        r,
        "supported_signature_algorithms",
        "signature_scheme",
        "ext.signature_algorithms",
        reg.sigscheme_display,
    )


def parse_signature_algorithms_cert(r: Reader, msg: str) -> Any:
    return _u16_list(
        r,
        "supported_signature_algorithms",
        "signature_scheme",
        "ext.signature_algorithms_cert",
        reg.sigscheme_display,
    )


def parse_use_srtp(r: Reader, msg: str) -> Any:
    """RFC 5764 §4.1.1 (DTLS-SRTP)."""
    profiles = _u16_list(
        r, "srtp_protection_profiles", "profile", "ext.use_srtp.profiles", lambda v: f"0x{v:04x}"
    )
    r.opaque("srtp_mki", 1, "ext.use_srtp.mki")
    return profiles


def parse_connection_id(r: Reader, msg: str) -> Any:
    """RFC 9146 §3: the connection ID the sender wants to find in the records
    its peer sends it (empty: it sends CIDs but wants none)."""
    return r.opaque("cid", 1, "ext.connection_id.cid")


def parse_heartbeat(r: Reader, msg: str) -> Any:
    """RFC 6520 §2."""
    return r.u8(
        "mode",
        "ext.heartbeat.mode",
        fmt=lambda v: {1: "peer_allowed_to_send (1)", 2: "peer_not_allowed_to_send (2)"}.get(
            v, f"0x{v:02x}"
        ),
    )


def parse_alpn(r: Reader, msg: str) -> Any:
    """RFC 7301 §3.1: the client lists protocols, the server picks exactly one."""
    names: list[str] = []
    with r.block("protocol_name_list", 2, "ext.alpn.list") as node:
        while r.remaining:
            names.append(_text(r.opaque("protocol_name", 1, "ext.alpn.protocol", fmt=_shown)))
        node.value = names
        node.display = printable(", ".join(names))
    if msg != CH and len(names) != 1:
        r.note(
            "the server must select exactly one ALPN protocol", node.offset, 0, rfc="RFC 7301 §3.1"
        )
    return names


def parse_sct(r: Reader, msg: str) -> Any:
    """RFC 6962 §3.3: Signed Certificate Timestamps from Certificate Transparency logs."""
    if msg == CH:
        return _empty("signed_certificate_timestamp in ClientHello")(r, msg)
    count = 0
    with r.block("sct_list", 2, "ext.sct.list") as node:
        while r.remaining:
            with r.block("sct", 2, "ext.sct.entry"):
                version = r.u8("version", "ext.sct.version")
                if version == 0 and r.remaining >= 43:
                    r.raw("log_id", 32, "ext.sct.log_id")
                    r.uint("timestamp", 8, "ext.sct.timestamp")
                    r.opaque("extensions", 2, "ext.sct.extensions")
                    r.u8("hash_algorithm", "ext.sct.hash")
                    r.u8("signature_algorithm", "ext.sct.signature_algorithm")
                    r.opaque("signature", 2, "ext.sct.signature")
                else:
                    r.rest("sct_data", "ext.sct.data")
            count += 1
        node.display = f"{count} SCTs"
    return count


def parse_cert_type(r: Reader, msg: str) -> Any:
    """RFC 7250 §3: raw public keys instead of X.509 certificates."""
    fmt = lambda v: reg.enum_display(reg.CertificateType, v, 2)  # noqa: E731
    if msg == CH:
        types: list[int] = []
        with r.block("certificate_types", 1, "ext.cert_type.list") as node:
            while r.remaining:
                types.append(r.u8("certificate_type", "ext.cert_type.item", fmt=fmt))
            node.value = types
        return types
    return r.u8("certificate_type", "ext.cert_type.item", fmt=fmt)


def parse_padding(r: Reader, msg: str) -> Any:
    """RFC 7685: zero bytes that pad the ClientHello past sizes some servers mishandle."""
    data = r.rest("padding", "ext.padding.data", fmt=lambda b: f"{len(b)} zero bytes")
    if any(data):
        r.note(
            "padding extension contains non-zero bytes",
            r.offset - len(data),
            len(data),
            rfc="RFC 7685 §3",
        )
    return len(data)


def parse_compress_certificate(r: Reader, msg: str) -> Any:
    """RFC 8879 §3: algorithms the peer can decompress certificates with."""
    algs: list[int] = []
    with r.block("algorithms", 1, "ext.compress_certificate.list") as node:
        if r.remaining % 2:
            raise DecodeError("algorithms has an odd length", r.offset, r.remaining)
        while r.remaining:
            algs.append(
                r.u16(
                    "algorithm",
                    "ext.compress_certificate.item",
                    fmt=lambda v: reg.enum_display(reg.CertificateCompressionAlgorithm, v, 4),
                )
            )
        node.value = algs
    return algs


def parse_record_size_limit(r: Reader, msg: str) -> Any:
    """RFC 8449 §4: the largest record the sender is willing to receive."""
    return r.u16("record_size_limit", "ext.record_size_limit.value")


def parse_session_ticket(r: Reader, msg: str) -> Any:
    """RFC 5077 §3.2: a ticket to resume with (empty = 'I support tickets')."""
    if not r.remaining:
        return b""
    return r.rest("ticket", "ext.session_ticket.ticket")


def parse_pre_shared_key(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.11: PSK identities offered (ClientHello) or chosen (ServerHello)."""
    if msg == SH:
        return r.u16("selected_identity", "ext.pre_shared_key.selected_identity")
    identities: list[tuple[bytes, int]] = []
    with r.block("identities", 2, "ext.pre_shared_key.identities") as node:
        while r.remaining:
            with r.group("identity", "ext.pre_shared_key.identity_entry"):
                ident = r.opaque("identity", 2, "ext.pre_shared_key.identity")
                age = r.u32("obfuscated_ticket_age", "ext.pre_shared_key.obfuscated_ticket_age")
                identities.append((ident, age))
        node.display = f"{len(identities)} identities"
    binders_offset = r.offset
    binders: list[bytes] = []
    with r.block("binders", 2, "ext.pre_shared_key.binders") as node:
        while r.remaining:
            binders.append(r.opaque("binder", 1, "ext.pre_shared_key.binder"))
        node.display = f"{len(binders)} binders"
    if len(binders) != len(identities):
        r.note(
            "the number of binders differs from the number of identities",
            binders_offset,
            0,
            rfc="RFC 8446 §4.2.11",
        )
    return PskOffer(tuple(identities), tuple(binders), binders_offset)


def parse_early_data(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.10: 0-RTT.  Empty, except in NewSessionTicket."""
    if msg == NST:
        return r.u32("max_early_data_size", "ext.early_data.max_early_data_size")
    return _empty("early_data")(r, msg)


def parse_supported_versions(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.1: the real version negotiation of TLS 1.3."""
    if msg in (SH, HRR):
        return r.u16("selected_version", "ext.supported_versions.selected", fmt=reg.version_display)
    versions: list[int] = []
    with r.block("versions", 1, "ext.supported_versions.list") as node:
        if r.remaining % 2:
            raise DecodeError("versions has an odd length", r.offset, r.remaining)
        while r.remaining:
            versions.append(
                r.u16("version", "ext.supported_versions.item", fmt=reg.version_display)
            )
        node.value = versions
        node.display = ", ".join(reg.version_name(v) for v in versions)
    return versions


def parse_cookie(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.2: state the server asks the client to echo after a HelloRetryRequest."""
    return r.opaque("cookie", 2, "ext.cookie.value")


def parse_psk_key_exchange_modes(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.9: may a resumption skip (EC)DHE (psk_ke) or not (psk_dhe_ke)?"""
    modes: list[int] = []
    with r.block("ke_modes", 1, "ext.psk_key_exchange_modes.list") as node:
        while r.remaining:
            modes.append(
                r.u8(
                    "ke_mode",
                    "ext.psk_key_exchange_modes.item",
                    fmt=lambda v: reg.enum_display(reg.PskKeyExchangeMode, v, 2),
                )
            )
        node.value = modes
    return modes


def parse_certificate_authorities(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.4: the CAs whose certificates the sender would accept."""
    names: list[bytes] = []
    with r.block("authorities", 2, "ext.certificate_authorities.list") as node:
        while r.remaining:
            names.append(r.opaque("distinguished_name", 2, "ext.certificate_authorities.name"))
        node.display = f"{len(names)} names"
    return names


def parse_oid_filters(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.5."""
    with r.block("filters", 2, "ext.oid_filters.list"):
        while r.remaining:
            with r.group("filter", "ext.oid_filters.filter"):
                r.opaque("certificate_extension_oid", 1, "ext.oid_filters.oid")
                r.opaque("certificate_extension_values", 2, "ext.oid_filters.values")
    return True


def parse_key_share(r: Reader, msg: str) -> Any:
    """RFC 8446 §4.2.8: the (EC)DHE public keys themselves."""
    if msg == HRR:
        return r.u16("selected_group", "ext.key_share.selected_group", fmt=reg.group_display)
    if msg == SH:
        return _key_share_entry(r)
    shares: list[KeyShareEntry] = []
    with r.block("client_shares", 2, "ext.key_share.client_shares") as node:
        while r.remaining:
            shares.append(_key_share_entry(r))
        node.display = ", ".join(reg.group_name(s.group) for s in shares) or "(none)"
    return shares


def _key_share_entry(r: Reader) -> KeyShareEntry:
    with r.group("key_share_entry", "ext.key_share.entry") as node:
        group = r.u16("group", "ext.key_share.group", fmt=reg.group_display)
        n = r.u16("key_exchange_length", "ext.key_share.key_exchange_length")
        offset = r.offset
        key = r.raw("key_exchange", n, "ext.key_share.key_exchange")
        node.display = f"{reg.group_name(group)}, {n} bytes"
        node.value = group
    return KeyShareEntry(group, key, offset)


def parse_renegotiation_info(r: Reader, msg: str) -> Any:
    """RFC 5746 §3.2: binds a renegotiation to the handshake before it."""
    return r.opaque("renegotiated_connection", 1, "ext.renegotiation_info.value")


def parse_ech(r: Reader, msg: str) -> Any:
    """draft-ietf-tls-esni (Encrypted Client Hello): the outer fields; the
    encrypted inner ClientHello stays an opaque payload."""
    if msg == HRR:
        return r.raw("confirmation", 8, "ext.ech.confirmation")
    if msg == EE:
        return r.rest("retry_configs", "ext.ech.retry_configs")
    kind = r.u8(
        "type", "ext.ech.type", fmt=lambda v: {0: "outer (0)", 1: "inner (1)"}.get(v, f"0x{v:02x}")
    )
    if kind == 0:
        with r.group("cipher_suite", "ext.ech.cipher_suite"):
            r.u16("kdf_id", "ext.ech.kdf_id", fmt=lambda v: f"0x{v:04x}")
            r.u16("aead_id", "ext.ech.aead_id", fmt=lambda v: f"0x{v:04x}")
        r.u8("config_id", "ext.ech.config_id")
        r.opaque("enc", 2, "ext.ech.enc")
        r.opaque("payload", 2, "ext.ech.payload")
    return kind


def parse_application_settings(r: Reader, msg: str) -> Any:
    """ALPS (draft-vvv-tls-alps): settings per ALPN protocol."""
    if msg != CH:
        return r.rest("settings", "ext.alps.settings")
    names: list[str] = []
    with r.block("supported_protocols", 2, "ext.alps.list"):
        while r.remaining:
            names.append(_text(r.opaque("protocol_name", 1, "ext.alpn.protocol", fmt=_shown)))
    return names


PARSERS: dict[int, Parser] = {
    0: parse_server_name,
    1: parse_max_fragment_length,
    5: parse_status_request,
    10: parse_supported_groups,
    11: parse_ec_point_formats,
    13: parse_signature_algorithms,
    14: parse_use_srtp,
    15: parse_heartbeat,
    16: parse_alpn,
    18: parse_sct,
    19: parse_cert_type,
    20: parse_cert_type,
    21: parse_padding,
    22: _empty("encrypt_then_mac"),
    23: _empty("extended_master_secret"),
    27: parse_compress_certificate,
    28: parse_record_size_limit,
    35: parse_session_ticket,
    41: parse_pre_shared_key,
    42: parse_early_data,
    43: parse_supported_versions,
    44: parse_cookie,
    45: parse_psk_key_exchange_modes,
    47: parse_certificate_authorities,
    48: parse_oid_filters,
    49: _empty("post_handshake_auth"),
    50: parse_signature_algorithms_cert,
    51: parse_key_share,
    53: parse_connection_id,  # the draft's code point, now "connection_id (deprecated)"
    54: parse_connection_id,
    17513: parse_application_settings,
    65037: parse_ech,
    65281: parse_renegotiation_info,
}

#: Before RFC 8446 was final, key_share was extension 40 (drafts ≤ 22).
DRAFT_KEY_SHARE = 40


def parse_extensions(r: Reader, msg: str, *, optional: bool = True) -> tuple[Extension, ...]:
    """The ``extensions`` vector of a message.  With ``optional`` an absent
    vector (nothing left in the message, as TLS 1.2 allows) is fine."""
    if optional and not r.remaining:
        return ()
    exts: list[Extension] = []
    seen: set[int] = set()
    with r.block("extensions", 2, "extensions") as node:
        while r.remaining:
            exts.append(_parse_one(r, msg, seen))
        node.value = len(exts)
        node.display = f"{len(exts)} extension{'s' if len(exts) != 1 else ''}"
    return tuple(exts)


#: Extensions decoded before, by where they are and what they hold: (buffer,
#: message offset, offset in the message, message, bytes) -> (the extension's
#: field, its value, its type).  A client sends the same supported_groups,
#: signature_algorithms, server_name... in every ClientHello, at the same
#: place; a decode of many connections reads each such extension once and
#: shares its field tree (fields are never changed once built).  Only
#: extensions that raised no diagnostic are kept, only while field trees are
#: being recorded, and only from their second sighting: most key shares and
#: PSK identities never come back.
_SEEN_BEFORE: Repeats[tuple[Any, ...], tuple[Field, Any, int]] = Repeats(1024, 4096)


def _parse_one(r: Reader, msg: str, seen: set[int]) -> Extension:
    start = r.offset
    key: tuple[Any, ...] | None = None
    if r.record and r.remaining >= 4:
        pos = r.pos
        data = r.data
        end = pos + 4 + ((data[pos + 2] << 8) | data[pos + 3])
        if end <= r.end:
            key = (r.buffer, r.base, pos, msg, data[pos:end])
            hit = _SEEN_BEFORE.get(key)
            if hit is not None:
                field, value, etype = hit
                r.add(field)
                r.pos = end
                _seen(r, seen, etype, reg.is_grease(etype), field.name, start)
                if isinstance(value, list):
                    value = list(value)
                return Extension(etype, data[pos + 4 : end], start, value)
    found = len(r.diagnostics)
    ext = _parse_new(r, msg, seen)
    if key is not None and len(r.diagnostics) == found and _shareable(ext.value):
        field = r.fields_here()[-1]
        if _SEEN_BEFORE.offer(key, (field, ext.value, ext.type)):
            share(field)
            if isinstance(ext.value, list):  # the caller's own, as on every hit
                ext.value = list(ext.value)
    return ext


def _seen(r: Reader, seen: set[int], etype: int, grease: bool, name: str, start: int) -> None:
    """Note ``etype`` as seen in this message, and a repeat of it as a warning."""
    if etype in seen and not grease:
        r.note(f"duplicate {name} extension", start, r.offset - start, rfc="RFC 8446 §4.2")
    seen.add(etype)


def _shareable(value: Any) -> bool:
    """Whether a parsed value can be handed to another connection: plain
    immutable data (lists are copied), or frozen records of it."""
    if value is None or isinstance(value, bool | int | str | bytes):
        return True
    if isinstance(value, list | tuple):
        return all(_shareable(v) for v in value)
    params = getattr(value, "__dataclass_params__", None)
    if params is not None and params.frozen:
        return all(_shareable(getattr(value, f)) for f in value.__slots__)
    return False


def _parse_new(r: Reader, msg: str, seen: set[int]) -> Extension:
    start = r.offset
    grease = False
    if r.remaining >= 2:
        etype = int.from_bytes(r.peek(2), "big")
        grease = reg.is_grease(etype)
    name = "GREASE" if grease else reg.extension_name(etype) if r.remaining >= 2 else "extension"
    value: Any = None
    with r.group(name, "extension") as node:
        etype = r.u16("type", "extension.type", fmt=reg.extension_display)
        data_start = r.offset + 2
        with r.block(
            "data", 2, f"ext.{name}", length_name="length", length_key="extension.length"
        ) as data_node:
            parser = None if grease else PARSERS.get(etype)
            if etype == DRAFT_KEY_SHARE:
                parser = parse_key_share
            if parser is None:
                if r.remaining:
                    r.rest("extension_data", "ext.raw" if not grease else "ext.grease")
            else:
                with r.guard(f"{name} extension"):
                    value = parser(r, msg)
            data_node.value = _plain(value)
        node.value = etype
        node.display = reg.extension_display(etype)
    _seen(r, seen, etype, grease, name, start)
    data = r.data[data_start - r.base : r.pos]
    return Extension(etype, bytes(data), start, value)


def _plain(value: Any) -> Any:
    """The parsed value as a field value: only plain data goes into fields."""
    if isinstance(value, bool | int | str | bytes):
        return value
    if isinstance(value, list) and all(isinstance(v, int | str | bytes) for v in value):
        return value
    return None


def find(exts: tuple[Extension, ...], etype: int) -> Extension | None:
    for e in exts:
        if e.type == etype:
            return e
    return None


def describe_bytes(data: bytes) -> str:
    return hex_display(data)
