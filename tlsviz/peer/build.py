"""Handshake messages and extensions, written byte by byte.

The decoder (:mod:`tlsviz.wire`) reads these structures; this module writes
them, one function per message or extension, each a direct transcription of
the presentation language of the RFC (RFC 8446 §3-§4, RFC 5246 §7.4).  A
vector ``<0..2^16-1>`` becomes :func:`vec` with a 2-byte length, and so on.
Every function returns bytes; nothing here knows about state or keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..wire.registry import ExtensionType as Ext
from ..wire.registry import HandshakeType as HT

__all__ = [
    "certificate12",
    "certificate13",
    "certificate_request12",
    "certificate_request13",
    "certificate_verify",
    "client_hello",
    "client_key_exchange_ecdhe",
    "client_key_exchange_psk",
    "ext",
    "ext_alpn",
    "ext_cookie",
    "ext_early_data",
    "ext_key_share_client",
    "ext_key_share_hrr",
    "ext_key_share_server",
    "ext_pre_shared_key_client",
    "ext_pre_shared_key_server",
    "ext_psk_modes",
    "ext_server_name",
    "ext_signature_algorithms",
    "ext_supported_groups",
    "ext_supported_versions_client",
    "ext_supported_versions_server",
    "finished",
    "handshake",
    "key_update",
    "new_session_ticket12",
    "new_session_ticket13",
    "server_hello",
    "server_key_exchange_ecdhe",
    "server_key_exchange_psk",
    "u16",
    "vec",
]


def u8(v: int) -> bytes:
    return v.to_bytes(1, "big")


def u16(v: int) -> bytes:
    return v.to_bytes(2, "big")


def u24(v: int) -> bytes:
    return v.to_bytes(3, "big")


def u32(v: int) -> bytes:
    return v.to_bytes(4, "big")


def vec(data: bytes, length_size: int) -> bytes:
    """A variable-length vector: its length in ``length_size`` bytes, then the data."""
    if len(data) >= 1 << (8 * length_size):
        raise ValueError(f"{len(data)} bytes do not fit a {length_size}-byte length")
    return len(data).to_bytes(length_size, "big") + data


def u16_list(values: Iterable[int], length_size: int = 2) -> bytes:
    return vec(b"".join(u16(v) for v in values), length_size)


def handshake(msg_type: int, body: bytes) -> bytes:
    """Handshake header (RFC 8446 §4): msg_type, uint24 length, body."""
    return u8(msg_type) + u24(len(body)) + body


def ext(ext_type: int, data: bytes = b"") -> bytes:
    """One Extension: type and opaque extension_data<0..2^16-1> (RFC 8446 §4.2)."""
    return u16(ext_type) + vec(data, 2)


def extensions(items: Sequence[bytes]) -> bytes:
    return vec(b"".join(items), 2)


# -- extensions ------------------------------------------------------------------


def ext_server_name(name: str) -> bytes:
    """RFC 6066 §3: a ServerNameList with one host_name (type 0)."""
    entry = u8(0) + vec(name.encode("idna"), 2)
    return ext(Ext.server_name, vec(entry, 2))


def ext_supported_groups(groups: Sequence[int]) -> bytes:
    """RFC 8446 §4.2.7 (RFC 8422 §5.1.1 for TLS 1.2)."""
    return ext(Ext.supported_groups, u16_list(groups))


def ext_ec_point_formats() -> bytes:
    """RFC 8422 §5.1.2: only ``uncompressed`` (0) is left."""
    return ext(Ext.ec_point_formats, vec(u8(0), 1))


def ext_signature_algorithms(schemes: Sequence[int]) -> bytes:
    """RFC 8446 §4.2.3."""
    return ext(Ext.signature_algorithms, u16_list(schemes))


def ext_alpn(protocols: Sequence[str]) -> bytes:
    """RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>."""
    names = b"".join(vec(p.encode(), 1) for p in protocols)
    return ext(Ext.application_layer_protocol_negotiation, vec(names, 2))


def ext_supported_versions_client(versions: Sequence[int]) -> bytes:
    """RFC 8446 §4.2.1: ProtocolVersion versions<2..254>."""
    return ext(Ext.supported_versions, u16_list(versions, 1))


def ext_supported_versions_server(version: int) -> bytes:
    return ext(Ext.supported_versions, u16(version))


def ext_key_share_client(shares: Sequence[tuple[int, bytes]]) -> bytes:
    """RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>."""
    entries = b"".join(u16(group) + vec(public, 2) for group, public in shares)
    return ext(Ext.key_share, vec(entries, 2))


def ext_key_share_server(group: int, public: bytes) -> bytes:
    return ext(Ext.key_share, u16(group) + vec(public, 2))


def ext_key_share_hrr(group: int) -> bytes:
    """In a HelloRetryRequest the extension names only the group wanted."""
    return ext(Ext.key_share, u16(group))


def ext_psk_modes(modes: Sequence[int]) -> bytes:
    """RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255>."""
    return ext(Ext.psk_key_exchange_modes, vec(bytes(modes), 1))


def ext_early_data(max_early_data: int | None = None) -> bytes:
    """RFC 8446 §4.2.10: empty, or max_early_data_size in a NewSessionTicket."""
    return ext(Ext.early_data, u32(max_early_data) if max_early_data is not None else b"")


def ext_cookie(cookie: bytes) -> bytes:
    """RFC 8446 §4.2.2."""
    return ext(Ext.cookie, vec(cookie, 2))


def pre_shared_key_identities(identities: Sequence[tuple[bytes, int]]) -> bytes:
    """OfferedPsks.identities (RFC 8446 §4.2.11): identity and obfuscated ticket age."""
    return vec(b"".join(vec(ident, 2) + u32(age) for ident, age in identities), 2)


def ext_pre_shared_key_client(
    identities: Sequence[tuple[bytes, int]], binders: Sequence[bytes]
) -> bytes:
    """RFC 8446 §4.2.11: must be the last extension of the ClientHello."""
    body = pre_shared_key_identities(identities) + vec(b"".join(vec(b, 1) for b in binders), 2)
    return ext(Ext.pre_shared_key, body)


def ext_pre_shared_key_server(selected: int) -> bytes:
    return ext(Ext.pre_shared_key, u16(selected))


# -- hellos ------------------------------------------------------------------------


def client_hello(
    random: bytes,
    session_id: bytes,
    suites: Sequence[int],
    exts: Sequence[bytes],
    legacy_version: int = 0x0303,
) -> bytes:
    """RFC 8446 §4.1.2 (RFC 5246 §7.4.1.2): compression methods are just ``null``."""
    body = (
        u16(legacy_version)
        + random
        + vec(session_id, 1)
        + u16_list(suites)
        + vec(b"\x00", 1)
        + extensions(exts)
    )
    return handshake(HT.client_hello, body)


def server_hello(
    random: bytes,
    session_id: bytes,
    suite: int,
    exts: Sequence[bytes],
    legacy_version: int = 0x0303,
) -> bytes:
    """RFC 8446 §4.1.3 (also a HelloRetryRequest, with its special random)."""
    body = u16(legacy_version) + random + vec(session_id, 1) + u16(suite) + u8(0)
    return handshake(HT.server_hello, body + (extensions(exts) if exts else b""))


def encrypted_extensions(exts: Sequence[bytes]) -> bytes:
    """RFC 8446 §4.3.1."""
    return handshake(HT.encrypted_extensions, extensions(exts))


# -- authentication ------------------------------------------------------------------


def certificate13(context: bytes, chain: Sequence[bytes]) -> bytes:
    """RFC 8446 §4.4.2: each CertificateEntry carries its own (empty) extensions."""
    entries = b"".join(vec(der, 3) + vec(b"", 2) for der in chain)
    return handshake(HT.certificate, vec(context, 1) + vec(entries, 3))


def certificate12(chain: Sequence[bytes]) -> bytes:
    """RFC 5246 §7.4.2: ASN.1Cert certificate_list<0..2^24-1>."""
    return handshake(HT.certificate, vec(b"".join(vec(der, 3) for der in chain), 3))


def certificate_request13(context: bytes, schemes: Sequence[int]) -> bytes:
    """RFC 8446 §4.3.2: signature_algorithms is the one required extension."""
    return handshake(
        HT.certificate_request, vec(context, 1) + extensions([ext_signature_algorithms(schemes)])
    )


def certificate_request12(cert_types: Sequence[int], schemes: Sequence[int]) -> bytes:
    """RFC 5246 §7.4.4: types, supported_signature_algorithms, no CA names."""
    body = vec(bytes(cert_types), 1) + u16_list(schemes) + vec(b"", 2)
    return handshake(HT.certificate_request, body)


def certificate_verify(scheme: int, signature: bytes) -> bytes:
    """RFC 8446 §4.4.3 (the same layout as TLS 1.2's digitally-signed struct)."""
    return handshake(HT.certificate_verify, u16(scheme) + vec(signature, 2))


def finished(verify_data: bytes) -> bytes:
    """RFC 8446 §4.4.4 / RFC 5246 §7.4.9: the verify_data, without a length."""
    return handshake(HT.finished, verify_data)


# -- after the handshake ---------------------------------------------------------------


def new_session_ticket13(
    lifetime: int, age_add: int, nonce: bytes, ticket: bytes, max_early_data: int | None
) -> bytes:
    """RFC 8446 §4.6.1."""
    exts = [ext_early_data(max_early_data)] if max_early_data else []
    body = u32(lifetime) + u32(age_add) + vec(nonce, 1) + vec(ticket, 2) + extensions(exts)
    return handshake(HT.new_session_ticket, body)


def new_session_ticket12(lifetime: int, ticket: bytes) -> bytes:
    """RFC 5077 §3.3."""
    return handshake(HT.new_session_ticket, u32(lifetime) + vec(ticket, 2))


def key_update(request_update: bool) -> bytes:
    """RFC 8446 §4.6.3."""
    return handshake(HT.key_update, u8(1 if request_update else 0))


# -- TLS 1.2 key exchange -----------------------------------------------------------------


def ecdh_params(group: int, public: bytes) -> bytes:
    """ServerECDHParams (RFC 8422 §5.4): curve_type named_curve (3), the group, the point."""
    return u8(3) + u16(group) + vec(public, 1)


def server_key_exchange_ecdhe(params: bytes, scheme: int, signature: bytes) -> bytes:
    """RFC 8422 §5.4: the params, then the digitally-signed struct (RFC 5246 §4.7)."""
    return handshake(HT.server_key_exchange, params + u16(scheme) + vec(signature, 2))


def server_key_exchange_psk(hint: bytes) -> bytes:
    """RFC 4279 §2: psk_identity_hint<0..2^16-1>."""
    return handshake(HT.server_key_exchange, vec(hint, 2))


def server_hello_done() -> bytes:
    return handshake(HT.server_hello_done, b"")


def client_key_exchange_ecdhe(public: bytes) -> bytes:
    """RFC 8422 §5.7: ClientECDiffieHellmanPublic, the point in a 1-byte vector."""
    return handshake(HT.client_key_exchange, vec(public, 1))


def client_key_exchange_psk(identity: bytes) -> bytes:
    """RFC 4279 §2: psk_identity<0..2^16-1>."""
    return handshake(HT.client_key_exchange, vec(identity, 2))


def end_of_early_data() -> bytes:
    """RFC 8446 §4.5: an empty message."""
    return handshake(HT.end_of_early_data, b"")
