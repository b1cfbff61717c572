"""A throwaway PKI for the in-process handshake: a CA, a server and a client
certificate, made with ``cryptography`` and kept in memory.

Nothing here is ever written into the project: the keys live in this process
(and, for as long as ``ssl`` needs files to load them, in a private temporary
folder, see :func:`pem_files`).  EC P-256 keys by default, RSA-2048 on request;
every certificate is signed with SHA-256 and valid from an hour ago for a day.

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
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Pki", "make_pki", "pem_files"]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True, slots=True)
class Pki:
    """PEM bytes of the CA certificate and of each leaf's certificate and key."""

    ca_cert: bytes
    server_cert: bytes
    server_key: bytes
    client_cert: bytes
    client_key: bytes
    kind: str  # "ec" or "rsa"


def _key(use_rsa: bool) -> PrivateKey:
    if use_rsa:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


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


def make_pki(host: str = "localhost", *, use_rsa: bool = False) -> Pki:
    """A CA, a server certificate for ``host`` and a client certificate."""
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)
    ca_key = _key(use_rsa)
    ca_name = _name("tlsviz throwaway CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
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
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski)

    def leaf(cn: str, usage: x509.ObjectIdentifier, san: bool) -> tuple[bytes, bytes]:
        key = _key(use_rsa)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_usage(key), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(aki, critical=False)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(_san(host)), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)

    server_cert, server_key = leaf(host, ExtendedKeyUsageOID.SERVER_AUTH, True)
    client_cert, client_key = leaf("tlsviz client", ExtendedKeyUsageOID.CLIENT_AUTH, False)
    return Pki(
        ca.public_bytes(serialization.Encoding.PEM),
        server_cert,
        server_key,
        client_cert,
        client_key,
        "rsa" if use_rsa else "ec",
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
