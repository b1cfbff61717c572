"""A throwaway PKI for the in-process handshake: a CA, a server and a client
certificate, made with ``cryptography`` and kept in memory.

Nothing here is ever written into the project: the keys live in this process
(and, for as long as ``ssl`` needs files to load them, in a private temporary
folder, see :func:`pem_files`).  EC P-256 keys by default, RSA-2048 or Ed25519
on request; every certificate is signed with SHA-256 (ECDSA deterministically,
RFC 6979) and valid from an hour ago for a day.  With a seeded
:class:`~tlsviz.peer.entropy.Entropy` the keys come from the seed (RSA: the
fixed keys of :mod:`.pki_fixed`) and the validity is a fixed wide window, so
the same PKI comes out every time.  The experiments of tlsviz's peer spoil the
server certificate on purpose: expired, issued for another name, or issued by
a CA nobody trusts.

The extensions are the ones a real deployment needs (RFC 5280 §4.2.1): the CA
has ``basicConstraints CA:TRUE`` and ``keyUsage keyCertSign, cRLSign``; the
leaves have ``CA:FALSE``, a key usage fitting their key, an extended key usage
(serverAuth / clientAuth), and the server a subjectAltName naming the host the
client checks (``--sni`` or ``localhost``) plus 127.0.0.1 and ::1.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..peer.entropy import Entropy
from .pki_fixed import FIXED_RSA_KEYS

__all__ = ["FLAWS", "WRONG_NAME", "Pki", "make_pki", "pem_files"]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

#: The validity window of a seeded PKI: fixed, so its certificates are the same
#: every run, and wide, so that real peers checking against today accept them.
_SEEDED_VALIDITY = (
    datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2049, 12, 31, tzinfo=datetime.UTC),
)
#: "expired-cert": a server certificate that ended long before anyone runs this.
_EXPIRED = (
    datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC),
)
#: "wrong-name-cert": the host the server certificate names instead.
WRONG_NAME = "wrong-name.example"
FLAWS = ("expired", "wrong-name", "untrusted")


@dataclass(frozen=True, slots=True)
class Pki:
    """PEM bytes of the CA certificate and of each leaf's certificate and key.

    ``ca_cert`` is the CA the clients trust; with the "untrusted" flaw the
    server certificate was issued by another CA, which nobody trusts.
    """

    ca_cert: bytes
    server_cert: bytes
    server_key: bytes
    client_cert: bytes
    client_key: bytes
    kind: str  # "ec", "rsa" or "ed25519"
    flaw: str | None = None


class _Keys:
    """Fresh keys, or keys derived from ``entropy`` when it is seeded
    (RSA keys: the fixed ones of :mod:`.pki_fixed`)."""

    def __init__(self, kind: str, entropy: Entropy | None) -> None:
        self.kind = kind
        self.entropy = entropy if entropy is not None and entropy.seeded else None
        self.rsa_used = 0

    def make(self, label: str, kind: str | None = None) -> PrivateKey:
        kind = kind or self.kind
        if self.entropy is None:
            if kind == "rsa":
                return rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "ed25519":
                return ed25519.Ed25519PrivateKey.generate()
            return ec.generate_private_key(ec.SECP256R1())
        if kind == "rsa":
            key = serialization.load_pem_private_key(FIXED_RSA_KEYS[self.rsa_used % 2], None)
            self.rsa_used += 1
            assert isinstance(key, rsa.RSAPrivateKey)
            return key
        raw = self.entropy.bytes(32, f"pki {label} key")
        if kind == "ed25519":
            return ed25519.Ed25519PrivateKey.from_private_bytes(raw)
        while True:
            try:
                return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            except ValueError:
                raw = self.entropy.bytes(32, f"pki {label} key")

    def serial(self, label: str) -> int:
        if self.entropy is None:
            return x509.random_serial_number()
        return int.from_bytes(self.entropy.bytes(16, f"pki {label} serial"), "big") >> 1


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tlsviz (throwaway)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _leaf_usage(key: PrivateKey) -> x509.KeyUsage:
    # RSA keys also encipher (TLS 1.2 RSA key exchange); EC keys only sign.
    rsa_key = isinstance(key, rsa.RSAPrivateKey)
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=rsa_key,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _san(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    for ip in ("127.0.0.1", "::1"):
        entry = x509.IPAddress(ipaddress.ip_address(ip))
        if entry not in names:
            names.append(entry)
    return names


def _sign(builder: x509.CertificateBuilder, key: PrivateKey) -> x509.Certificate:
    """Sign a certificate; ECDSA deterministically (RFC 6979), so a seeded PKI repeats."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return builder.sign(key, None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    return builder.sign(key, hashes.SHA256())


def _ca(
    name: str, keys: _Keys, validity: tuple[datetime.datetime, datetime.datetime]
) -> tuple[x509.Certificate, PrivateKey]:
    # A seeded CA is EC even for RSA leaves: its key comes from the seed too.
    ca_key = keys.make(name, "ec" if keys.kind == "rsa" and keys.entropy else None)
    ca_name = _name(name)
    ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(keys.serial(name))
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
    )
    return _sign(builder, ca_key), ca_key


def make_pki(
    host: str = "localhost",
    *,
    use_rsa: bool = False,
    kind: str | None = None,
    entropy: Entropy | None = None,
    flaw: str | None = None,
) -> Pki:
    """A CA, a server certificate for ``host`` and a client certificate.

    ``kind`` is ``ec`` (P-256, the default), ``rsa`` (2048 bits; also
    ``use_rsa``) or ``ed25519``.  A seeded ``entropy`` makes the same PKI every
    time.  ``flaw`` spoils the server certificate for the experiments:
    ``expired``, ``wrong-name`` (issued for :data:`WRONG_NAME`) or
    ``untrusted`` (issued by a CA that is not ``ca_cert``).
    """
    kind = kind or ("rsa" if use_rsa else "ec")
    keys = _Keys(kind, entropy)
    if keys.entropy is not None:
        validity = _SEEDED_VALIDITY
    else:
        now = datetime.datetime.now(datetime.UTC)
        validity = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1))
    ca, ca_key = _ca("tlsviz throwaway CA", keys, validity)
    issuer, issuer_key = ca, ca_key
    if flaw == "untrusted":
        issuer, issuer_key = _ca("tlsviz untrusted CA", keys, validity)
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
        issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    )

    def leaf(
        cn: str, usage: x509.ObjectIdentifier, san: str | None, flawed: bool
    ) -> tuple[bytes, bytes]:
        key = keys.make(cn)
        when = _EXPIRED if flawed and flaw == "expired" else validity
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(issuer.subject if flawed else ca.subject)
            .public_key(key.public_key())
            .serial_number(keys.serial(cn))
            .not_valid_before(when[0])
            .not_valid_after(when[1])
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_usage(key), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(aki if flawed else ca_aki, critical=False)
        )
        if san is not None:
            builder = builder.add_extension(x509.SubjectAlternativeName(_san(san)), critical=False)
        cert = _sign(builder, issuer_key if flawed else ca_key)
        return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)

    ca_aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
        ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    )
    server_name = WRONG_NAME if flaw == "wrong-name" else host
    server_cert, server_key = leaf(server_name, ExtendedKeyUsageOID.SERVER_AUTH, server_name, True)
    client_cert, client_key = leaf("tlsviz client", ExtendedKeyUsageOID.CLIENT_AUTH, None, False)
    return Pki(
        ca.public_bytes(serialization.Encoding.PEM),
        server_cert,
        server_key,
        client_cert,
        client_key,
        kind,
        flaw,
    )


@contextlib.contextmanager
def pem_files(cert: bytes, key: bytes) -> Iterator[tuple[str, str]]:
    """``ssl.SSLContext.load_cert_chain`` reads files only: give it a
    certificate and key in a private (0700) temporary folder, removed on exit."""
    with tempfile.TemporaryDirectory(prefix="tlsviz-pki-") as tmp:
        os.chmod(tmp, 0o700)
        cert_path, key_path = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        cert_path.write_bytes(cert)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        yield str(cert_path), str(key_path)
