"""Plain explanations of every field: what it is for and why it exists.

The explorer shows them beside the field tree, ``decode --explain`` prints
them, the lessons quote them.  Keys are the ``key`` of each :class:`Field`.

The texts live in topic modules (``explain_records``, ``explain_hello``,
``explain_ext``, ``explain_ext_more``, ``explain_messages``, ``explain_x509``,
and ``explain_types`` for whole messages and record protection) and are merged
into :data:`EXPLANATIONS` here.  :func:`explanation` adds the
generic fallbacks: length prefixes, extensions kept as raw bytes, GREASE, and
certificate extensions without their own entry.
"""

from __future__ import annotations

from .explain_dtls import DTLS
from .explain_ext import EXTENSIONS_13
from .explain_ext_more import EXTENSIONS_MORE
from .explain_hello import HELLOS
from .explain_messages import MESSAGES
from .explain_records import RECORDS
from .explain_types import MESSAGE_TYPES, PROTECTION
from .explain_x509 import X509, X509_EXTENSION_FALLBACK

#: The topic tables in the order they are merged; a key is in exactly one of them.
TABLES: tuple[dict[str, str], ...] = (
    RECORDS,
    HELLOS,
    EXTENSIONS_13,
    EXTENSIONS_MORE,
    MESSAGES,
    X509,
    MESSAGE_TYPES,
    PROTECTION,
    DTLS,
)

EXPLANATIONS: dict[str, str] = {k: v for table in TABLES for k, v in table.items()}

#: Readable names for length prefixes whose key does not give a good one by itself,
#: keyed by the key of the field the length belongs to.
_LENGTH_NAMES: dict[str, str] = {
    "certificate.context": "certificate request context",
    "certificate_request.context": "certificate request context",
    "certificate_request.types": "certificate type list",
    "certificate_request.authorities": "certificate authorities list",
    "certificate.list": "certificate chain",
    "client_key_exchange.dh_yc": "client's Diffie-Hellman public value Yc",
    "client_key_exchange.ecdh_yc": "client's ECDH public key",
    "client_key_exchange.encrypted_pre_master_secret": "encrypted premaster secret",
    "client_key_exchange.srp_a": "client's SRP public value A",
    "compressed_certificate.data": "compressed Certificate message",
    "ext.cert_type.list": "certificate type list",
    "ext.alpn.protocol": "ALPN protocol name",
    "ext.alps.list": "ALPS protocol list",
    "ext.certificate_authorities.name": "distinguished name",
    "ext.compress_certificate.list": "certificate compression algorithm list",
    "ext.ech.enc": "HPKE encapsulated key",
    "ext.ech.payload": "encrypted inner ClientHello",
    "ext.key_share.client_shares": "client key share list",
    "ext.key_share.key_exchange": "public key",
    "ext.oid_filters.oid": "certificate extension OID",
    "ext.oid_filters.values": "certificate extension values",
    "ext.pre_shared_key.binder": "PSK binder",
    "ext.pre_shared_key.binders": "PSK binder list",
    "ext.pre_shared_key.identities": "PSK identity list",
    "ext.pre_shared_key.identity": "PSK identity",
    "ext.renegotiation_info.value": "renegotiated_connection data",
    "ext.sct.extensions": "SCT extensions",
    "ext.sct.signature": "SCT signature",
    "ext.use_srtp.mki": "SRTP master key identifier",
    "ext.use_srtp.profiles": "SRTP protection profile list",
    "new_session_ticket.nonce": "ticket nonce",
    "server_key_exchange.dh_g": "Diffie-Hellman generator g",
    "server_key_exchange.dh_p": "Diffie-Hellman prime p",
    "server_key_exchange.dh_ys": "server's Diffie-Hellman public value Ys",
    "server_key_exchange.public": "server's ECDH public key",
    "server_key_exchange.srp_b": "server's SRP public value B",
    "server_key_exchange.srp_g": "SRP generator g",
    "server_key_exchange.srp_n": "SRP prime N",
    "server_key_exchange.srp_s": "SRP salt",
}

#: Words written differently in prose than in keys.
_WORDS: dict[str, str] = {
    "alpn": "ALPN",
    "alps": "ALPS",
    "dh": "DH",
    "ec": "EC",
    "ech": "ECH",
    "ecdh": "ECDH",
    "id": "ID",
    "mki": "MKI",
    "ocsp": "OCSP",
    "oid": "OID",
    "psk": "PSK",
    "rsa": "RSA",
    "sct": "SCT",
    "srp": "SRP",
}

#: Last key components too vague to name a thing alone ("list" of what?).
_VAGUE = frozenset({"data", "entry", "item", "list", "name", "value", "values"})


def length_subject(key: str) -> str:
    """A readable name for what the length prefix ``key`` measures.

    ``"client_hello.cipher_suites_length"`` gives ``"cipher suites"``,
    ``"ext.alpn.list_length"`` gives ``"ALPN list"``.
    """
    base = key.removesuffix("_length")
    if base in _LENGTH_NAMES:
        return _LENGTH_NAMES[base]
    parts = [p for p in base.split(".") if p and p != "ext"]
    if not parts:
        return "field"
    tail = parts[-2:] if len(parts) >= 2 and parts[-1] in _VAGUE else parts[-1:]
    words = " ".join(tail).replace("_", " ").split()
    return " ".join(_WORDS.get(w, w) for w in words)


def _length_text(key: str) -> str:
    return (
        f"Length prefix of the {length_subject(key)}, in bytes. Every variable-size field in "
        "TLS starts with its length, so a receiver knows where it ends even without "
        "understanding it (RFC 8446 §3.4)."
    )


def _raw_extension_text(name: str) -> str:
    which = f"extension {name}" if name.startswith("0x") else f"the {name} extension"
    return (
        f"The data of {which}, an extension this decoder keeps as raw bytes. A server that "
        "does not know an extension offered in a ClientHello skips it by its length, which is "
        "how TLS gains new features without breaking older software (RFC 8446 §4.2)."
    )


def message_key(type_name: str) -> str:
    """The explanation key of a whole message: ``message.<type>``."""
    return f"message.{type_name}"


def explanation(key: str) -> str | None:
    """The explanation for a field key, or ``None`` for a key nobody produces.

    Keys without an entry of their own fall back to a generic text when they
    are a length prefix (``..._length``), the data of an extension the decoder
    keeps as raw bytes (``ext.<name>``), GREASE, or a certificate extension
    (``x509.ext.<name>``).
    """
    text = EXPLANATIONS.get(key)
    if text is not None:
        return text
    if key.endswith("_length") and len(key) > len("_length"):
        return _length_text(key)
    if key.startswith("x509.ext.") and len(key) > len("x509.ext."):
        return X509_EXTENSION_FALLBACK
    if key.startswith("ext."):
        name = key[len("ext.") :]
        if name.lower().startswith("grease"):
            return EXPLANATIONS["ext.grease"]
        if name and "." not in name:
            return _raw_extension_text(name)
    return None
