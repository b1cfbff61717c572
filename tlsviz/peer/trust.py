"""Should this certificate chain be believed?  The checks a TLS client makes.

A client that receives the server's Certificate message (RFC 8446 §4.4.2)
checks, in the spirit of RFC 5280 §6.1 and RFC 6125 §6:

1. each certificate is within its validity period (RFC 5280 §4.1.2.5):
   otherwise the alert is certificate_expired;
2. the end-entity certificate names the server the client asked for, in its
   subjectAltName (a DNS name, ``*.`` matching one label, or an IP address)
   (RFC 6125 §6.4): otherwise bad_certificate;
3. each certificate is signed by the next, and the last one by a CA the
   client trusts, every issuer being a CA (basicConstraints, RFC 5280
   §4.2.1.9): otherwise unknown_ca.

These are the checks a learner can see fail one at a time (the experiments
make certificates that fail each); a production verifier does more (policy,
name constraints, revocation, key usage...).  Signatures are checked with
``cryptography`` through :func:`tlsviz.keys.x509.verify_signed_by`.
"""

from __future__ import annotations

import datetime
import ipaddress
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from ..keys.x509 import verify_signed_by
from ..wire.registry import AlertDescription

__all__ = ["Verdict", "check_chain"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """``alert`` is None when the chain passed; otherwise ``problem`` says why."""

    alert: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.alert is None


def _names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    dns = [n.lower() for n in san.get_values_for_type(x509.DNSName)]
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return dns, ips


def _name_matches(cert: x509.Certificate, wanted: str) -> bool:
    dns, ips = _names(cert)
    try:
        return str(ipaddress.ip_address(wanted)) in ips
    except ValueError:
        pass
    wanted = wanted.lower().rstrip(".")
    for name in dns:
        if name == wanted:
            return True
        # RFC 6125 §6.4.3: "*" stands for exactly one left-most label
        if name.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == name[2:]:
            return True
    return False


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _load_anchor(der: bytes) -> x509.Certificate | None:
    """A trusted CA certificate; a system store may hold some that ``cryptography``
    frowns upon (a negative serial number): those are skipped quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return x509.load_der_x509_certificate(der)
        except ValueError:
            return None


def check_chain(
    chain: Sequence[bytes], trust: Sequence[bytes], name: str | None, now: float
) -> Verdict:
    """Check a chain (DER, end-entity first) against trusted CA certificates.

    ``name`` is the server name to find in the end-entity certificate (None
    for client certificates, which name no host).
    """
    if not chain:
        return Verdict(AlertDescription.certificate_required, "no certificate was sent")
    try:
        certs = [x509.load_der_x509_certificate(der) for der in chain]
    except ValueError as err:
        return Verdict(AlertDescription.bad_certificate, f"a certificate does not decode: {err}")
    when = datetime.datetime.fromtimestamp(now, datetime.UTC)
    for i, cert in enumerate(certs):
        start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
        if not start <= when <= end:
            which = "the certificate" if i == 0 else f"certificate {i + 1} of the chain"
            state = "expired on" if when > end else "is not valid before"
            return Verdict(
                AlertDescription.certificate_expired,
                f"{which} {state} {(end if when > end else start):%Y-%m-%d %H:%M} UTC",
            )
    if name is not None and not _name_matches(certs[0], name):
        dns, ips = _names(certs[0])
        listed = ", ".join(dns + ips) or "no subjectAltName at all"
        return Verdict(
            AlertDescription.bad_certificate,
            f"the certificate is for {listed}, not for {name}",
        )
    for child, issuer, issuer_der in zip(chain, certs[1:], chain[1:], strict=False):
        ok, why = verify_signed_by(child, issuer_der)
        if not ok or not _is_ca(issuer):
            return Verdict(
                AlertDescription.bad_certificate,
                f"the chain is broken: {why if not ok else 'an issuer is not a CA'}",
            )
    last, last_der = certs[-1], chain[-1]
    for anchor_der in trust:
        if last_der == anchor_der:
            return Verdict(None, "the chain ends at a trusted CA")
        anchor = _load_anchor(anchor_der)
        if anchor is not None and last.issuer == anchor.subject and _is_ca(anchor):
            ok, _ = verify_signed_by(last_der, anchor_der)
            if ok:
                return Verdict(None, "the chain leads to a trusted CA")
    root = last.issuer.rfc4514_string()
    return Verdict(
        AlertDescription.unknown_ca,
        f"the chain leads to {root}, which is not a CA this side trusts",
    )
