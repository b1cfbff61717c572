"""The handshake messages other than the hellos and key exchanges.

One ``parse_<message>`` per message (RFC 8446 §4.3-4.6, RFC 5246 §7.4), each
returning a value (never changed once made); the TLS 1.2 and 1.3 forms of a message share a
function and are told apart by the negotiated version.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import registry as reg
from .der import der_diagnostics, parse_der_cached
from .extensions import CR, CT, EE, NST, Extension, parse_extensions
from .reader import Reader


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Empty:
    """HelloRequest, ServerHelloDone, EndOfEarlyData: their arrival is the message."""


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class NewSessionTicket:
    lifetime: int
    ticket: bytes
    age_add: int | None = None  # TLS 1.3 only
    nonce: bytes | None = None  # TLS 1.3 only
    extensions: tuple[Extension, ...] = ()


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class EncryptedExtensions:
    extensions: tuple[Extension, ...]


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class CertificateEntry:
    der: bytes
    offset: int  # of the DER bytes, relative to the message
    extensions: tuple[Extension, ...] = ()


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Certificate:
    entries: tuple[CertificateEntry, ...]
    context: bytes | None = None  # TLS 1.3 certificate_request_context


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class CompressedCertificate:
    algorithm: int
    uncompressed_length: int
    compressed: bytes


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class CertificateRequest:
    context: bytes | None = None  # TLS 1.3
    extensions: tuple[Extension, ...] = ()  # TLS 1.3
    certificate_types: tuple[int, ...] = ()  # TLS 1.2 and older
    signature_algorithms: tuple[int, ...] = ()  # TLS 1.2
    authorities: tuple[bytes, ...] = ()


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class CertificateVerify:
    scheme: int | None
    signature: bytes


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Finished:
    verify_data: bytes


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class KeyUpdate:
    request_update: int


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class CertificateStatus:
    status_type: int
    response: bytes


def parse_empty(r: Reader, name: str) -> Empty:
    if r.remaining:
        r.note(f"{name} should have an empty body", r.offset, r.remaining)
        r.rest("unexpected_data", "unparsed")
    return Empty()


def parse_new_session_ticket(r: Reader, tls13: bool) -> NewSessionTicket:
    if not tls13:
        # RFC 5077 §3.3
        lifetime = r.u32(
            "ticket_lifetime_hint", "new_session_ticket.lifetime_hint", fmt=lambda v: f"{v} seconds"
        )
        ticket = r.opaque("ticket", 2, "new_session_ticket.ticket")
        return NewSessionTicket(lifetime, ticket)
    # RFC 8446 §4.6.1
    lifetime = r.u32("ticket_lifetime", "new_session_ticket.lifetime", fmt=lambda v: f"{v} seconds")
    age_add = r.u32("ticket_age_add", "new_session_ticket.age_add")
    nonce = r.opaque("ticket_nonce", 1, "new_session_ticket.nonce")
    ticket = r.opaque("ticket", 2, "new_session_ticket.ticket")
    exts = parse_extensions(r, NST, optional=False)
    return NewSessionTicket(lifetime, ticket, age_add, nonce, exts)


def parse_encrypted_extensions(r: Reader) -> EncryptedExtensions:
    return EncryptedExtensions(parse_extensions(r, EE, optional=False))


def _cert_data(r: Reader, n: int, decode_der: bool) -> bytes:
    """One certificate's DER bytes; with ``decode_der`` its top-level ASN.1
    structure becomes the field's children (RFC 5280 §4.1)."""
    with r.sized("cert_data", n, "certificate.cert_data") as node:
        der = r.data[r.pos : r.pos + n]
        node.value = der
        node.display = f"{n} bytes of DER"
        if r.record and decode_der:
            root, diags = parse_der_cached(der, r.offset, buffer=r.buffer)
            node.children.extend(root.children)
            r.diagnostics.extend(diags)
            subject = root.display
            if subject:
                node.display = f"{subject} ({n} bytes of DER)"
        elif r.lazy and decode_der:  # the tree comes later, its diagnostics now
            r.diagnostics.extend(der_diagnostics(der, r.offset, buffer=r.buffer))
        r.pos += n
    return der


def parse_certificate(
    r: Reader, tls13: bool, certs: list[tuple[bytes, int]], decode_der: bool = True
) -> Certificate:
    """RFC 8446 §4.4.2 / RFC 5246 §7.4.2.  ``certs`` collects (DER, offset) so
    the caller can attach each certificate's structure."""
    context = None
    if tls13:
        context = r.opaque("certificate_request_context", 1, "certificate.context")
    entries: list[CertificateEntry] = []
    with r.block("certificate_list", 3, "certificate.list") as node:
        while r.remaining:
            with r.group(
                "certificate_entry" if tls13 else "certificate", "certificate.entry"
            ) as entry:
                n = r.u24("cert_data_length", "certificate.cert_length")
                offset = r.offset
                der = _cert_data(r, n, decode_der)
                certs.append((der, offset))
                exts: tuple[Extension, ...] = ()
                if tls13:
                    exts = parse_extensions(r, CT, optional=False)
                entry.display = f"certificate {len(entries) + 1}"
            entries.append(CertificateEntry(der, offset, exts))
        node.display = f"{len(entries)} certificate{'s' if len(entries) != 1 else ''}"
    return Certificate(tuple(entries), context)


def parse_compressed_certificate(r: Reader) -> CompressedCertificate:
    """RFC 8879 §4."""
    alg = r.u16(
        "algorithm",
        "compressed_certificate.algorithm",
        fmt=lambda v: reg.enum_display(reg.CertificateCompressionAlgorithm, v, 4),
    )
    length = r.u24("uncompressed_length", "compressed_certificate.uncompressed_length")
    data = r.opaque("compressed_certificate_message", 3, "compressed_certificate.data")
    return CompressedCertificate(alg, length, data)


def parse_certificate_request(r: Reader, version: int | None, tls13: bool) -> CertificateRequest:
    if tls13:
        # RFC 8446 §4.3.2
        context = r.opaque("certificate_request_context", 1, "certificate_request.context")
        exts = parse_extensions(r, CR, optional=False)
        return CertificateRequest(context, exts)
    # RFC 5246 §7.4.4
    types: list[int] = []
    with r.block("certificate_types", 1, "certificate_request.types") as node:
        while r.remaining:
            types.append(
                r.u8(
                    "certificate_type",
                    "certificate_request.type",
                    fmt=lambda v: reg.enum_display(reg.ClientCertificateType, v, 2),
                )
            )
        node.value = types
    algs: list[int] = []
    if version is None or version >= 0x0303:
        with r.block(
            "supported_signature_algorithms", 2, "certificate_request.signature_algorithms"
        ) as node:
            while r.remaining:
                algs.append(
                    r.u16(
                        "signature_scheme",
                        "ext.signature_algorithms.item",
                        fmt=reg.sigscheme_display,
                    )
                )
            node.display = f"{len(algs)} signature algorithms"
    names: list[bytes] = []
    with r.block("certificate_authorities", 2, "certificate_request.authorities") as node:
        while r.remaining:
            names.append(r.opaque("distinguished_name", 2, "ext.certificate_authorities.name"))
        node.display = f"{len(names)} names"
    return CertificateRequest(None, (), tuple(types), tuple(algs), tuple(names))


def parse_certificate_verify(r: Reader, version: int | None) -> CertificateVerify:
    """RFC 8446 §4.4.3 / RFC 5246 §7.4.8 (TLS 1.0/1.1: no algorithm field)."""
    scheme = None
    if version is None or version >= 0x0303:
        scheme = r.u16("algorithm", "certificate_verify.algorithm", fmt=reg.sigscheme_display)
    sig = r.opaque("signature", 2, "certificate_verify.signature")
    return CertificateVerify(scheme, sig)


def parse_finished(r: Reader) -> Finished:
    """RFC 8446 §4.4.4 / RFC 5246 §7.4.9: an HMAC (or PRF output) over the transcript."""
    return Finished(r.rest("verify_data", "finished.verify_data"))


def parse_key_update(r: Reader) -> KeyUpdate:
    """RFC 8446 §4.6.3."""
    return KeyUpdate(
        r.u8(
            "request_update",
            "key_update.request_update",
            fmt=lambda v: reg.enum_display(reg.KeyUpdateRequest, v, 2),
        )
    )


def parse_certificate_status(r: Reader) -> CertificateStatus:
    """RFC 6066 §8: a stapled OCSP response."""
    kind = r.u8(
        "status_type",
        "certificate_status.status_type",
        fmt=lambda v: reg.enum_display(reg.CertificateStatusType, v, 2),
    )
    data = r.opaque("ocsp_response", 3, "certificate_status.ocsp_response")
    return CertificateStatus(kind, data)
