"""Choices shared by the live runs: protocol version, cipher suite, ALPN, and
the plain sentences for what ``ssl`` raises.

Python's ``ssl`` module (3.11) can restrict TLS 1.2 suites
(``SSLContext.set_ciphers``) but not TLS 1.3 ones: it has no
``set_ciphersuites``, so both sides use OpenSSL's default TLS 1.3 list and the
server picks its first, ``TLS_AES_256_GCM_SHA384``.  :func:`resolve_cipher`
accepts that one suite for TLS 1.3 and explains the rest in one sentence.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from ..wire import registry as reg
from .tcp import Endpoint

__all__ = [
    "CipherChoice",
    "Handshake",
    "OptionError",
    "alpn_list",
    "default_tls13_suite",
    "handshake_error",
    "resolve_cipher",
    "set_cipher",
    "set_version",
]


class OptionError(ValueError):
    """Options that cannot work together; ``str(e)`` is one plain sentence."""


@dataclass(frozen=True, slots=True)
class CipherChoice:
    """A ``--cipher`` resolved: the OpenSSL name to give ``set_ciphers`` (None
    for a TLS 1.3 suite, which cannot be set) and the version it implies."""

    iana: str
    openssl: str | None
    version: str
    info: reg.SuiteInfo


def _available() -> dict[int, str]:
    """Every suite the linked OpenSSL offers, by code, with its OpenSSL name."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
    return {c["id"] & 0xFFFF: c["name"] for c in ctx.get_ciphers()}


def default_tls13_suite() -> str:
    """The TLS 1.3 suite two default contexts negotiate (the first on the list)."""
    for c in ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).get_ciphers():
        if c["protocol"] == "TLSv1.3":
            return reg.suite_name(c["id"] & 0xFFFF)
    return "TLS_AES_256_GCM_SHA384"  # pragma: no cover - OpenSSL without TLS 1.3


def resolve_cipher(name: str, version: str | None) -> CipherChoice:
    """Resolve an IANA or OpenSSL suite name (any case) against ``--tls1.x``."""
    info = reg.suite_by_name(name) or reg.suite_by_name(name.upper())
    if info is None:
        raise OptionError(
            f"'{name}' is not a cipher suite name tlsviz knows; give an IANA name such as "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or an OpenSSL name such as "
            "ECDHE-RSA-AES128-GCM-SHA256."
        )
    if info.tls13:
        if version == "1.2":
            raise OptionError(f"{info.name} is a TLS 1.3 suite, so it cannot go with --tls1.2.")
        default = default_tls13_suite()
        if info.name != default:
            raise OptionError(
                "Python's ssl module cannot choose TLS 1.3 cipher suites, so TLS 1.3 here "
                f"always uses {default}; choose a TLS 1.2 suite (with --tls1.2) instead."
            )
        return CipherChoice(info.name, None, "1.3", info)
    if version == "1.3":
        raise OptionError(f"{info.name} is not a TLS 1.3 suite; use it with --tls1.2.")
    openssl_name = _available().get(info.code)
    if openssl_name is None:
        raise OptionError(
            f"The OpenSSL library Python uses ({ssl.OPENSSL_VERSION}) does not offer {info.name}."
        )
    return CipherChoice(info.name, openssl_name, "1.2", info)


def set_cipher(ctx: ssl.SSLContext, choice: CipherChoice) -> None:
    """Restrict a context to one TLS 1.2 suite (SECLEVEL 0 so that legacy
    suites a learner asks for by name, say RSA key exchange with CBC, work)."""
    if choice.openssl is None:
        return
    try:
        ctx.set_ciphers(f"{choice.openssl}:@SECLEVEL=0")
    except ssl.SSLError:
        raise OptionError(f"OpenSSL refused the cipher suite {choice.iana}.") from None


def set_version(ctx: ssl.SSLContext, version: str | None) -> None:
    """Pin a context to TLS 1.2 or 1.3 (None: the defaults, 1.2 to 1.3)."""
    if version is None:
        return
    v = ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = v
    ctx.maximum_version = v


def alpn_list(values: list[str] | None) -> list[str]:
    """``--alpn h2,http/1.1`` and repeated ``--alpn`` flags, in order, once each."""
    out: list[str] = []
    for v in values or []:
        for p in v.split(","):
            p = p.strip()
            if p and p not in out:
                if len(p.encode()) > 255:
                    raise OptionError(f"The ALPN protocol name '{p[:20]}…' is too long.")
                out.append(p)
    return out


@dataclass(frozen=True, slots=True)
class Handshake:
    """What one finished handshake settled, for the command's summary line."""

    client: str
    server: str
    version: str | None
    cipher: str | None
    alpn: str | None
    sni: str | None
    resumed: bool

    @classmethod
    def of(
        cls,
        obj: ssl.SSLObject,
        client: tuple[str, int],
        server: tuple[str, int],
        sni: str | None,
    ) -> Handshake:
        suite = obj.cipher()
        iana = None
        if suite is not None:
            info = reg.suite_by_name(suite[0])
            iana = info.name if info is not None else suite[0]
        return cls(
            str(Endpoint(*client)),
            str(Endpoint(*server)),
            obj.version(),
            iana,
            obj.selected_alpn_protocol(),
            sni,
            obj.session_reused,
        )

    def line(self, index: int) -> str:
        parts = [f"Connection {index}: {self.client} -> {self.server}"]
        if self.version:  # OpenSSL's "TLSv1.3" as the decoder writes it
            parts.append(self.version.replace("TLSv", "TLS "))
        if self.cipher:
            parts.append(self.cipher)
        if self.sni:
            parts.append(f"SNI {self.sni}")
        if self.alpn:
            parts.append(f"ALPN {self.alpn}")
        if self.resumed:
            parts.append("resumed")
        return "  ".join(parts)


def _alert_name(reason: str) -> str | None:
    """OpenSSL's reason for a received alert, as the alert's RFC name:
    ``SSLV3_ALERT_HANDSHAKE_FAILURE`` -> ``handshake_failure``."""
    if reason == "TLSV1_UNRECOGNIZED_NAME":
        return "unrecognized_name"
    head, sep, name = reason.partition("ALERT_")
    if sep and head.startswith(("SSLV3_", "TLSV1_", "TLSV13_")):
        return name.lower()
    return None


def handshake_error(err: ssl.SSLError, peer: str, *, remote: bool = False) -> str:
    """One sentence for a failed handshake.  ``peer`` names the side that did
    it ("the server", "the client"); ``remote``: a real server, which may want
    a client certificate the command can give it."""
    if isinstance(err, ssl.SSLCertVerificationError):
        why = (err.verify_message or err.reason or "unknown problem").rstrip(".")
        why = why[:1].lower() + why[1:]
        return f"The server's certificate could not be verified: {why}."
    reason = err.reason or ""
    alert = _alert_name(reason)
    if alert is not None:
        hint = ""
        if remote and alert in ("certificate_required", "bad_certificate", "handshake_failure"):
            hint = " (it may want a client certificate: --client-cert and --client-key)"
        return f"{peer[:1].upper()}{peer[1:]} ended the handshake with a {alert} alert{hint}."
    if isinstance(err, ssl.SSLEOFError) or reason == "UNEXPECTED_EOF_WHILE_READING":
        return f"{peer[:1].upper()}{peer[1:]} closed the connection during the handshake."
    if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"):
        return f"{peer[:1].upper()}{peer[1:]} did not answer with TLS."
    if reason in ("UNSUPPORTED_PROTOCOL", "NO_PROTOCOLS_AVAILABLE"):
        return "The two sides have no TLS version in common."
    if reason == "NO_SHARED_CIPHER":
        return "The two sides have no cipher suite in common."
    text = reason.replace("_", " ").lower() if reason else str(err)
    return f"The handshake failed: {text}."
