"""What one slide of the presenter shows for a message (no textual here).

A projector has room for little: the message's name, which way it travels,
the two or three fields that carry its point, and one sentence of why.  Which
fields those are is a teacher's choice, made here once per message type; the
texts come from the explanations every view shares (:mod:`tlsviz.wire.explain`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..session.model import Connection
from ..wire.explain import explanation, message_key
from ..wire.fields import Field
from ..wire.message import Message

#: The fields that carry each message's point, most telling first, with the label a
#: room reads; the first three a message has are shown.
KEY_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "ClientHello": (
        ("ext.server_name.host_name", "Server name (SNI)"),
        ("client_hello.cipher_suites", "Cipher suites offered"),
        ("ext.key_share.client_shares", "Key shares (groups)"),
        ("ext.supported_groups", "Groups offered"),
        ("ext.supported_versions.list", "Versions offered"),
        ("client_hello.random", "Client random"),
    ),
    "ServerHello": (
        ("server_hello.cipher_suite", "Cipher suite chosen"),
        ("ext.supported_versions.selected", "Version chosen"),
        ("ext.key_share.group", "Key share group"),
        ("ext.key_share.key_exchange", "Server's public key share"),
        ("server_hello.random", "Server random"),
    ),
    "HelloRetryRequest": (
        ("ext.key_share.selected_group", "Group asked for"),
        ("server_hello.cipher_suite", "Cipher suite chosen"),
        ("ext.supported_versions.selected", "Version chosen"),
    ),
    "EncryptedExtensions": (
        ("ext.alpn.protocol", "Application protocol (ALPN)"),
        ("ext.supported_groups", "Server's groups"),
        ("extensions", "Extensions"),
    ),
    "Certificate": (
        ("x509.subject", "Subject"),
        ("x509.issuer", "Issuer"),
        ("x509.ext.subjectAltName", "Names it is valid for"),
        ("x509.validity", "Valid"),
        ("certificate.list", "Certificates"),
    ),
    "CertificateRequest": (
        ("ext.signature_algorithms", "Signature schemes accepted"),
        ("ext.certificate_authorities", "Authorities accepted"),
    ),
    "CertificateVerify": (
        ("certificate_verify.algorithm", "Signature scheme"),
        ("certificate_verify.signature", "Signature over the transcript"),
    ),
    "Finished": (("finished.verify_data", "Verify data (MAC of the transcript)"),),
    "NewSessionTicket": (
        ("new_session_ticket.lifetime", "Lifetime"),
        ("new_session_ticket.ticket", "Ticket"),
    ),
    "ServerKeyExchange": (
        ("server_key_exchange.named_curve", "Curve"),
        ("server_key_exchange.public", "Server's public key"),
        ("signature.algorithm", "Signed with"),
    ),
    "ClientKeyExchange": (
        ("client_key_exchange.ecdh_yc", "Client's public key"),
        ("client_key_exchange.encrypted_pre_master_secret", "Encrypted premaster secret"),
    ),
    "ServerHelloDone": (("handshake.length", "Length"),),
    "ChangeCipherSpec": (("ccs.type", "Value"),),
    "ApplicationData": (("application_data", "Data"),),
    "Alert": (("alert.level", "Level"), ("alert.description", "Description")),
}

#: Fields that say nothing on a slide when nothing better is there.
_DULL = {"handshake.msg_type", "handshake.length", "extensions_length"}

_HEX = re.compile(r"[0-9a-f]+")
_CUT_HEX = re.compile(r"([0-9a-f]+)… \((\d+) bytes\)")
_COUNT = re.compile(r"\d+ ")
_CODE = re.compile(r" \(0x[0-9a-f]+\)$|\s\(\d+\)$")
_RFC = re.compile(r"\s*\((RFC [^()]*)\)\.?\s*$")


@dataclass(frozen=True, slots=True)
class SlideField:
    """One field on a slide: its label, its value as a room reads it, where it is."""

    label: str
    key: str
    value: str
    path: tuple[int, ...]  # the field tree's path: (2, top-level index, ...)


def message_name(m: Message) -> str:
    """The name a room knows the message by (a HelloRetryRequest is one)."""
    return "HelloRetryRequest" if getattr(m.body, "is_hrr", False) else m.type


def _walk(
    fields: tuple[Field, ...], path: tuple[int, ...]
) -> Iterator[tuple[Field, tuple[int, ...]]]:
    for i, f in enumerate(fields):
        yield f, (*path, i)
        yield from _walk(f.children, (*path, i))


def find_field(m: Message, key: str) -> tuple[Field, tuple[int, ...]] | None:
    """The first field with ``key`` and its tree path."""
    for f, path in _walk(m.fields, (2,)):
        if f.key == key:
            return f, path
    return None


def slide_fields(m: Message, limit: int = 3) -> list[SlideField]:
    """The fields that carry ``m``'s point (at most ``limit``)."""
    out: list[SlideField] = []
    for key, label in KEY_FIELDS.get(message_name(m), ()):
        found = find_field(m, key)
        if found is not None:
            value = value_text(found[0])
            if value != "(empty)":
                out.append(SlideField(label, key, value, found[1]))
        if len(out) == limit:
            return out
    if not out:  # a message nobody chose fields for: its first telling ones
        for f, path in _walk(m.fields, (2,)):
            if f.key not in _DULL and (f.display or f.children) and len(path) <= 3:
                out.append(SlideField(f.name.replace("_", " "), f.key, value_text(f), path))
            if len(out) == limit:
                break
    return out


def value_text(f: Field) -> str:
    """A field's value as a room reads it: a list as its items, long hex in groups."""
    items = list(_items(f)) if f.children else []
    if items and (not f.display or _COUNT.match(f.display)):
        shown = [_CODE.sub("", c.display or c.name) for c in items[:5]]
        more = f" … ({len(items)} in all)" if len(items) > len(shown) else ""
        return " · ".join(shown) + more
    text = f.display or ""
    cut = _CUT_HEX.fullmatch(text)
    if cut is not None:
        return f"{cut.group(2)} bytes: {_groups(cut.group(1))} …"
    if len(text) > 16 and _HEX.fullmatch(text):
        return f"{len(text) // 2} bytes: {_groups(text)}"
    return text or "(empty)"


def _items(f: Field) -> Iterator[Field]:
    """The entries of a list field (length prefixes left out), one level down at most."""
    for c in f.children:
        if c.key.endswith("_length"):
            continue
        if c.children and (not c.display or _COUNT.match(c.display)):
            yield from (g for g in c.children if not g.key.endswith("_length"))
        else:
            yield c


def _groups(hextext: str, most: int = 64) -> str:
    """Hex in groups of four bytes (at most ``most`` digits, then an ellipsis)."""
    shown = " ".join(hextext[i : i + 8] for i in range(0, min(len(hextext), most), 8))
    return shown + (" …" if len(hextext) > most else "")


def first_sentence(text: str | None) -> str:
    """The first sentence of an explanation, with the RFC section it names."""
    if not text:
        return ""
    first = re.split(r"(?<=[.!?)])\s+(?=[A-Z])", text.strip(), maxsplit=1)[0].rstrip(".")
    own = _RFC.search(first + ".")
    if own is not None:
        return f"{first[: own.start()].rstrip()}. ({own.group(1)})"
    rfcs = re.findall(r"\((RFC [^()]*)\)", text)
    return f"{first}." + (f" ({rfcs[-1]})" if rfcs else "")


def why(m: Message) -> str:
    """One sentence on what ``m`` is for."""
    return first_sentence(explanation(message_key(message_name(m))))


def field_why(key: str) -> str:
    return first_sentence(explanation(key))


def travel(conn: Connection, index: int) -> str:
    """Which way message ``index`` goes, its size, and how it was protected."""
    from ..session.timeline import record_crypto

    m = conn.messages[index]
    arrow = "client → server" if m.direction == "client" else "server → client"
    size = f"{len(m.raw)} byte{'s' if len(m.raw) != 1 else ''}"
    parts = [arrow, size]
    if m.encrypted:
        epochs = [rc.epoch for rc in record_crypto(conn, index)]
        parts.append(f"encrypted with {epochs[0]} keys" if epochs else "encrypted")
    return " · ".join(parts)


def finished_mark(conn: Connection, m: Message) -> str:
    """For a Finished message, whether it checked out ("" otherwise)."""
    if m.type != "Finished" or conn.keys is None:
        return ""
    ok = conn.keys.finished_checks().get(m.direction)
    if ok is None:
        return ""
    return "✔ verified: both sides hold the same keys" if ok else "✘ does not verify"
