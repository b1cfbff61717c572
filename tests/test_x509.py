"""tlsviz.keys.x509 against certificates made by the openssl CLI and public corpus certificates.

The oracle is OpenSSL itself: ``openssl x509`` prints what it decodes,
``openssl verify`` says whether a signature chains.  Nothing here is built by
the code under test.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS
from tlsviz.keys.x509 import (
    CertInfo,
    CertProblem,
    PssParams,
    cert_info,
    pss_params,
    pss_params_of,
    public_key_of,
    verify_manually,
    verify_signed_by,
)
from tlsviz.wire.der import parse_der
from tlsviz.wire.fields import Field

CORPUS_CERTS = {
    "rfc8448": "rfc8448/rfc8448-server-cert.der",
    "tls13_server": "illustrated-tls13/server.crt",
    "tls12_ca": "illustrated-tls12/ca.crt",
    "tls12_server": "illustrated-tls12/server.crt",
}
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

LEAF_EXT = """\
subjectAltName=DNS:leaf.example,DNS:*.leaf.example,IP:192.0.2.7,email:ops@leaf.example
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=serverAuth,clientAuth
authorityInfoAccess=OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.der
crlDistributionPoints=URI:http://crl.example/ca.crl
certificatePolicies=2.23.140.1.2.1
"""
KEYS = {
    "rsa": ["-newkey", "rsa:2048"],
    "p256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "p384": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "ed25519": ["-newkey", "ed25519"],
    "ed448": ["-newkey", "ed448"],
}
CA_EXT = [
    "-addext",
    "basicConstraints=critical,CA:TRUE,pathlen:0",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
]
PSS = ["-sigopt", "rsa_padding_mode:pss", "-sigopt"]


def openssl(*args: str | Path, cwd: Path | None = None, ok: bool = True) -> str:
    r = subprocess.run(
        ["openssl", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )
    if ok:
        assert r.returncode == 0, r.stderr
    return r.stdout if r.returncode == 0 else "FAILED " + r.stdout + r.stderr


def self_signed(d: Path, name: str, key: list[str], subj: str, *extra: str) -> None:
    openssl(
        "req",
        "-x509",
        *key,
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.pem",
        "-subj",
        subj,
        "-days",
        "30",
        *extra,
        cwd=d,
    )


def issue(d: Path, name: str, ca: str, key: list[str], subj: str, *extra: str) -> None:
    (d / "leaf.ext").write_text(LEAF_EXT)
    openssl(
        "req",
        "-new",
        *key,
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.csr",
        "-subj",
        subj,
        cwd=d,
    )
    openssl(
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        f"{ca}.pem",
        "-CAkey",
        f"{ca}.key",
        "-set_serial",
        "0x00c0ffee0123456789",
        "-days",
        "30",
        "-extfile",
        "leaf.ext",
        *extra,
        "-out",
        f"{name}.pem",
        cwd=d,
    )


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PEM files made by openssl: one per key type, a PSS-signed one, a CA and its leaves."""
    d = tmp_path_factory.mktemp("x509")
    self_signed(
        d,
        "rsa",
        KEYS["rsa"],
        "/C=US/O=Example, Inc./CN=rsa.example/emailAddress=admin@rsa.example",
        "-sha256",
        "-addext",
        "subjectAltName=DNS:rsa.example,IP:127.0.0.1,IP:2001:db8::1",
        "-addext",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "-addext",
        "extendedKeyUsage=serverAuth",
    )
    self_signed(d, "p256", KEYS["p256"], "/CN=p256.example", "-sha256")
    self_signed(d, "p384", KEYS["p384"], "/CN=p384.example", "-sha384")
    self_signed(d, "ed25519", KEYS["ed25519"], "/CN=ed25519.example")
    self_signed(d, "ed448", KEYS["ed448"], "/CN=ed448.example")
    self_signed(d, "pss", KEYS["rsa"], "/CN=pss.example", "-sha256", *PSS, "rsa_pss_saltlen:32")
    openssl(
        "genpkey",
        "-algorithm",
        "rsa-pss",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "psskey.key",
        cwd=d,
    )
    openssl(
        "req",
        "-x509",
        "-key",
        "psskey.key",
        "-out",
        "psskey.pem",
        "-subj",
        "/CN=psskey.example",
        "-days",
        "30",
        cwd=d,
    )
    self_signed(d, "ca", KEYS["rsa"], "/C=US/O=Example CA/CN=Example Root", "-sha256", *CA_EXT)
    self_signed(d, "other_ca", KEYS["p384"], "/CN=Other Root", "-sha384", *CA_EXT)
    openssl(
        "req",
        "-x509",
        "-key",
        "ca.key",
        "-out",
        "twin.pem",
        "-subj",
        "/CN=Same Key Twin",
        "-days",
        "30",
        *CA_EXT,
        cwd=d,
    )
    issue(d, "leaf", "ca", KEYS["p256"], "/CN=leaf.example", "-sha256")
    issue(
        d,
        "leaf_pss",
        "ca",
        KEYS["ed25519"],
        "/CN=pss-leaf.example",
        "-sha384",
        *PSS,
        "rsa_pss_saltlen:48",
    )
    issue(d, "leaf_ec", "other_ca", KEYS["rsa"], "/CN=ec-signed.example", "-sha384")
    return {p.stem: p for p in d.glob("*.pem")}


def der_of(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw.startswith(b"-----"):
        body = b"".join(line for line in raw.splitlines() if not line.startswith(b"-----"))
        return base64.b64decode(body)
    return raw


def corpus(name: str) -> Path:
    path = CORPUS / CORPUS_CERTS[name]
    if not path.exists():
        pytest.skip(f"corpus file {path} absent")
    return path


def pem_of(path: Path, tmp: Path) -> Path:
    """A PEM copy (openssl verify wants PEM; the corpus has a DER file)."""
    out = tmp / (path.stem + ".pem")
    if not out.exists():
        b64 = base64.encodebytes(der_of(path)).decode()
        out.write_text(f"-----BEGIN CERTIFICATE-----\n{b64}-----END CERTIFICATE-----\n")
    return out


ALL = [
    *sorted(
        {
            "rsa",
            "p256",
            "p384",
            "ed25519",
            "ed448",
            "pss",
            "psskey",
            "ca",
            "other_ca",
            "twin",
            "leaf",
            "leaf_pss",
            "leaf_ec",
        }
    ),
    *(f"corpus:{c}" for c in CORPUS_CERTS),
]


@pytest.fixture(params=ALL)
def cert(
    request: pytest.FixtureRequest, made: dict[str, Path], tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    name: str = request.param
    path = corpus(name.split(":")[1]) if name.startswith("corpus:") else made[name]
    yield name, pem_of(path, tmp_path)


# -- the OpenSSL oracle ----------------------------------------------------------------
KU_NAMES = {
    "Digital Signature": "digitalSignature",
    "Non Repudiation": "nonRepudiation",
    "Key Encipherment": "keyEncipherment",
    "Data Encipherment": "dataEncipherment",
    "Key Agreement": "keyAgreement",
    "Certificate Sign": "keyCertSign",
    "CRL Sign": "cRLSign",
    "Encipher Only": "encipherOnly",
    "Decipher Only": "decipherOnly",
}
EKU_NAMES = {
    "TLS Web Server Authentication": "serverAuth",
    "TLS Web Client Authentication": "clientAuth",
    "Code Signing": "codeSigning",
    "E-mail Protection": "emailProtection",
    "Time Stamping": "timeStamping",
    "OCSP Signing": "OCSPSigning",
}
KEY_TYPES = {
    "rsaEncryption": "RSA",
    "rsassaPss": "RSA",
    "id-ecPublicKey": "EC",
    "ED25519": "Ed25519",
    "ED448": "Ed448",
}
CURVES = {"prime256v1": "secp256r1", "secp384r1": "secp384r1"}


def openssl_view(pem: Path) -> dict[str, object]:
    """What ``openssl x509`` prints, in CertInfo's vocabulary."""
    head = openssl(
        "x509",
        "-in",
        pem,
        "-noout",
        "-subject",
        "-issuer",
        "-serial",
        "-dates",
        "-fingerprint",
        "-sha256",
        "-nameopt",
        "RFC2253",
    )
    lines = dict(line.split("=", 1) for line in head.splitlines())
    text = openssl("x509", "-in", pem, "-noout", "-text", "-nameopt", "RFC2253")
    san = openssl("x509", "-in", pem, "-noout", "-ext", "subjectAltName")

    def after(label: str) -> str | None:
        m = re.search(rf"{re.escape(label)}[^\n]*\n\s+([^\n]*)", text)
        return m.group(1).strip() if m else None

    def when(s: str) -> str:
        t = dt.datetime.strptime(s.strip(), "%b %d %H:%M:%S %Y %Z")
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    bc = after("X509v3 Basic Constraints")
    ku, eku = after("X509v3 Key Usage"), after("X509v3 Extended Key Usage")
    key_alg = re.search(r"Public Key Algorithm: (\S+)", text)
    bits = re.search(r"Public-Key: \((\d+) bit\)", text)
    curve = re.search(r"ASN1 OID: (\S+)", text)
    sig = re.search(r"Signature Algorithm: (\S+)", text)
    assert key_alg and sig
    san_lines = san.splitlines()[1:]
    return {
        "subject": lines["subject"],
        "issuer": lines["issuer"],
        "serial": int(lines["serial"], 16),
        "not_before": when(lines["notBefore"]),
        "not_after": when(lines["notAfter"]),
        "fingerprint": lines["sha256 Fingerprint"].replace(":", "").lower(),
        "san": [s.strip().replace("IP Address:", "IP:") for s in san_lines[0].split(",")]
        if san_lines
        else [],
        "key_type": KEY_TYPES[key_alg.group(1)],
        "bits": int(bits.group(1)) if bits else None,
        "curve": CURVES[curve.group(1)] if curve else None,
        "sig": sig.group(1),
        "hash": re.search(r"Hash Algorithm: (\S+)", text),
        "is_ca": None if bc is None else bc.startswith("CA:TRUE"),
        "path_len": int(bc.split("pathlen:")[1]) if bc and "pathlen:" in bc else None,
        "ku": [KU_NAMES[k.strip()] for k in ku.split(",")] if ku else [],
        "eku": [EKU_NAMES[k.strip()] for k in eku.split(",")] if eku else [],
        "text": text,
    }


def norm_ip(entry: str) -> str:
    """OpenSSL prints IPv6 uncompressed and upper case; compare the addresses."""
    import ipaddress

    if entry.startswith("IP:"):
        return "IP:" + str(ipaddress.ip_address(entry[3:].lower()))
    return entry


def test_cert_info_matches_openssl(cert: tuple[str, Path]) -> None:
    assert_matches_openssl(cert[1])


def assert_matches_openssl(pem: Path) -> None:
    """Every CertInfo field against what ``openssl x509`` prints for the same file."""
    info = cert_info(der_of(pem))
    assert isinstance(info, CertInfo), info
    want = openssl_view(pem)
    assert info.problems == ()
    assert info.subject == want["subject"]
    assert info.issuer == want["issuer"]
    assert int(info.serial, 16) == want["serial"]
    assert re.fullmatch(r"-?[0-9a-f]+", info.serial)
    assert (info.not_before, info.not_after) == (want["not_before"], want["not_after"])
    assert info.sha256_fingerprint == want["fingerprint"]
    want_san = want["san"]
    assert isinstance(want_san, list)
    assert [norm_ip(s) for s in info.san] == [norm_ip(s) for s in want_san]
    assert info.public_key_type == want["key_type"]
    if want["bits"] is not None:
        assert info.public_key_bits == want["bits"]
    assert info.curve == (
        want["curve"]
        if info.public_key_type == "EC"
        else {"Ed25519": "edwards25519", "Ed448": "edwards448"}.get(info.public_key_type)
    )
    assert info.signature_algorithm.lower() == str(want["sig"]).lower()
    hash_match = want["hash"]
    if isinstance(hash_match, re.Match):  # RSASSA-PSS prints its hash
        assert info.signature_hash == hash_match.group(1)
    elif info.signature_algorithm in ("ed25519", "ed448"):
        assert info.signature_hash is None
    else:
        assert info.signature_hash is not None
        assert info.signature_hash.upper() in info.signature_algorithm.upper().replace("-", "")
    assert info.is_ca == want["is_ca"]
    assert info.path_len == want["path_len"]
    assert list(info.key_usage) == want["ku"]
    assert list(info.ext_key_usage) == want["eku"]
    blob = json.loads(json.dumps(info.to_json()))
    assert blob["subject"] == info.subject and blob["san"] == list(info.san)


def at(root: Field, name: str) -> Field:
    found = root.find(name)
    assert found is not None, name
    return found


def test_der_tree_agrees_with_cryptography(cert: tuple[str, Path]) -> None:
    """The hand-written DER walker and the cryptography-based view name things alike."""
    _, pem = cert
    der = der_of(pem)
    info = cert_info(der)
    assert isinstance(info, CertInfo)
    root, diags = parse_der(der)
    assert diags == []
    subject, issuer = root.find("subject"), root.find("issuer")
    assert subject is not None and issuer is not None
    assert (subject.value, issuer.value) == (info.subject, info.issuer)
    assert at(root, "notBefore").value == info.not_before
    assert at(root, "notAfter").value == info.not_after
    assert at(root, "serialNumber").value == int(info.serial, 16)
    algorithm = root.find("signatureAlgorithm")
    assert algorithm is not None
    assert algorithm.display.lower() == info.signature_algorithm.lower()


ASN1_LINE = re.compile(r"\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(?:prim|cons):\s*(.*)")


def openssl_signature_ok(child: Path, issuer: Path) -> bool:
    """Check the signature with ``openssl dgst``/``pkeyutl`` alone: no chain or policy rules.

    tbsCertificate and the signature bits are cut out at the offsets
    ``openssl asn1parse`` reports; the algorithm comes from ``openssl x509 -text``.
    """
    work = child.parent / f"sig-{child.stem}-{issuer.stem}"
    work.mkdir(exist_ok=True)
    der = der_of(child)
    top = [
        m
        for m in map(ASN1_LINE.match, openssl("asn1parse", "-in", child, "-i").splitlines())
        if m and m.group(2) == "1"
    ]
    (o, _, hl, ln, _), (so, _, shl, sln, _) = top[0].groups(), top[-1].groups()
    (work / "tbs.bin").write_bytes(der[int(o) : int(o) + int(hl) + int(ln)])
    (work / "sig.bin").write_bytes(der[int(so) + int(shl) + 1 : int(so) + int(shl) + int(sln)])
    (work / "pub.pem").write_text(openssl("x509", "-in", issuer, "-noout", "-pubkey"))
    text = openssl_view(child)["text"]
    assert isinstance(text, str)
    alg = text.split("Signature Algorithm: ")[-1].split()[0]
    if alg in ("ED25519", "ED448"):
        out = openssl(
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-in",
            "tbs.bin",
            "-sigfile",
            "sig.bin",
            cwd=work,
            ok=False,
        )
        return "Signature Verified Successfully" in out
    opts: list[str] = []
    if alg == "rsassaPss":
        params = text.split("Signature Algorithm: rsassaPss")[-1]
        digest = re.findall(r"Hash Algorithm: (\S+)", params)[0]
        mgf = re.findall(r"mgf1 with (\S+)", params)[0]
        salt = int(re.findall(r"Salt Length: 0x([0-9A-Fa-f]+)", params)[0], 16)
        opts = [
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            f"rsa_pss_saltlen:{salt}",
            "-sigopt",
            f"rsa_mgf1_md:{mgf}",
        ]
    else:
        digest = re.findall(r"(?i)sha\d+", alg)[0].lower()
    out = openssl(
        "dgst",
        f"-{digest}",
        "-verify",
        "pub.pem",
        *opts,
        "-signature",
        "sig.bin",
        "tbs.bin",
        cwd=work,
        ok=False,
    )
    return "Verified OK" in out


def test_self_signed_matches_openssl(cert: tuple[str, Path]) -> None:
    _, pem = cert
    info = cert_info(der_of(pem))
    assert isinstance(info, CertInfo)
    view = openssl_view(pem)
    expect = view["subject"] == view["issuer"] and openssl_signature_ok(pem, pem)
    assert info.self_signed == expect


def tampered(der: bytes) -> bytes:
    """The same certificate with the last signature byte flipped."""
    return der[:-1] + bytes([der[-1] ^ 0x01])


@pytest.mark.parametrize("name", ["rsa", "p256", "p384", "ed25519", "ed448", "pss", "psskey"])
def test_tampered_signature_is_not_self_signed(made: dict[str, Path], name: str) -> None:
    der = der_of(made[name])
    info = cert_info(tampered(der))
    assert isinstance(info, CertInfo)
    assert info.self_signed is False
    ok, why = verify_signed_by(tampered(der), der)
    assert ok is False, why


@pytest.mark.parametrize(
    ("child", "issuer"),
    [
        ("leaf", "ca"),
        ("leaf_pss", "ca"),
        ("leaf_ec", "other_ca"),
        ("leaf", "other_ca"),
        ("leaf_ec", "ca"),
        ("ca", "ca"),
        ("pss", "pss"),
        ("leaf", "leaf"),
        ("ca", "leaf"),
    ],
)
def test_verify_signed_by_matches_openssl_verify(
    made: dict[str, Path], child: str, issuer: str
) -> None:
    ok, why = verify_signed_by(der_of(made[child]), der_of(made[issuer]))
    assert ok is openssl_signature_ok(made[child], made[issuer]), why
    assert why
    if ok:  # a chain OpenSSL accepts too (name chaining, CA flags, key usage)
        out = openssl("verify", "-partial_chain", "-CAfile", made[issuer], made[child])
        assert out.strip().endswith(": OK")


def web_chains() -> list[list[bytes]]:
    """Certificate chains of three real browser connections, pulled out by tshark."""
    pcap = CORPUS / "ja4" / "browsers-x509.pcapng"
    if shutil.which("tshark") is None or not pcap.exists():
        return []
    out = subprocess.run(
        [
            "tshark",
            "-r",
            str(pcap),
            "-Y",
            "tls.handshake.certificate",
            "-T",
            "fields",
            "-e",
            "tls.handshake.certificate",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [[bytes.fromhex(h) for h in line.split(",")] for line in out.split()]


@pytest.mark.tshark
@pytest.mark.corpus
def test_real_web_chains(tmp_path: Path) -> None:
    chains = web_chains()
    if not chains:
        pytest.skip("tshark or the ja4 corpus capture is absent")
    for n, chain in enumerate(chains):
        pems = []
        for i, der in enumerate(chain):
            (tmp_path / f"c{n}-{i}.der").write_bytes(der)
            pems.append(pem_of(tmp_path / f"c{n}-{i}.der", tmp_path))
            assert_matches_openssl(pems[-1])
        for child, issuer in itertools.pairwise(pems):
            ok, why = verify_signed_by(der_of(child), der_of(issuer))
            assert ok is True is openssl_signature_ok(child, issuer), why
        ok, why = verify_signed_by(der_of(pems[0]), der_of(pems[0]))
        assert ok is False is openssl_signature_ok(pems[0], pems[0]), why


def test_verify_corpus_chains(tmp_path: Path) -> None:
    ca = pem_of(corpus("tls12_ca"), tmp_path)
    rfc = pem_of(corpus("rfc8448"), tmp_path)
    for leaf in (corpus("tls12_server"), corpus("tls13_server")):
        leaf = pem_of(leaf, tmp_path)
        ok, why = verify_signed_by(der_of(leaf), der_of(ca))
        assert ok is True is openssl_signature_ok(leaf, ca), why
        out = openssl("verify", "-no_check_time", "-CAfile", ca, leaf)
        assert out.strip().endswith(": OK")
        assert verify_signed_by(der_of(ca), der_of(leaf))[0] is False
        assert verify_signed_by(der_of(leaf), der_of(rfc))[0] is False
    assert verify_signed_by(der_of(rfc), der_of(rfc))[0] is True is openssl_signature_ok(rfc, rfc)
    assert verify_signed_by(der_of(rfc), der_of(ca))[0] is False


def test_manual_path_when_names_do_not_chain(made: dict[str, Path]) -> None:
    """A certificate with the CA's key but another subject: the shortcut refuses, we check."""
    for child in ("leaf", "leaf_pss"):
        ok, why = verify_signed_by(der_of(made[child]), der_of(made["twin"]))
        assert ok is True, why
        assert "not the issuer's subject" in why
        ok, why = verify_signed_by(tampered(der_of(made[child])), der_of(made["twin"]))
        assert ok is False, why


@pytest.mark.parametrize("name", ["rsa", "p256", "p384", "ed25519", "ed448", "pss", "psskey", "ca"])
def test_manual_verification_agrees_with_cryptography(made: dict[str, Path], name: str) -> None:
    der = der_of(made[name])
    cert = x509.load_der_x509_certificate(der)
    cert.verify_directly_issued_by(cert)  # the library's own answer: valid
    assert verify_manually(cert, cert.public_key())[0] is True
    bad = x509.load_der_x509_certificate(tampered(der))
    assert verify_manually(bad, cert.public_key())[0] is False
    other = x509.load_der_x509_certificate(der_of(made["other_ca"])).public_key()
    if name != "other_ca":
        assert verify_manually(cert, other)[0] is False


@pytest.mark.parametrize("name", ["pss", "psskey", "leaf_pss"])
def test_pss_params_match_openssl(made: dict[str, Path], name: str) -> None:
    params = pss_params_of(der_of(made[name]))
    text = openssl_view(made[name])["text"]
    assert isinstance(text, str)
    sig = text.split("Signature Algorithm: rsassaPss")[-1]  # the outer signatureAlgorithm
    hash_name = re.search(r"Hash Algorithm: (\S+)", sig)
    mgf = re.search(r"Mask Algorithm: mgf1 with (\S+)", sig)
    salt = re.search(r"Salt Length: 0x([0-9A-Fa-f]+)", sig)
    assert hash_name and mgf and salt
    assert params.hash == hash_name.group(1)
    assert params.mgf_hash == mgf.group(1)
    assert params.salt_length == int(salt.group(1), 16)
    assert params.trailer_field == 1


def test_pss_params_defaults_and_errors() -> None:
    assert pss_params(bytes.fromhex("3000")) == PssParams("sha1", "sha1", 20, 1)
    for bad in (
        "",
        "3001",
        "0500",
        "3003a20100",
        "3005a1033001ff",
        "3008a006300406022a03",
        "3008a106300406022a03",
        "3006a2040202ff",
        "3005a203020180",
    ):
        with pytest.raises(ValueError):
            pss_params(bytes.fromhex(bad))


def test_public_key_of_matches_openssl(made: dict[str, Path]) -> None:
    for name in ("rsa", "p256", "ed25519", "ed448", "psskey"):
        key = public_key_of(der_of(made[name]))
        assert not isinstance(key, CertProblem), key
        pem = openssl("x509", "-in", made[name], "-noout", "-pubkey")
        mine = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
        if name == "psskey":  # cryptography re-encodes RSA-PSS keys as rsaEncryption
            continue
        assert mine == pem
    assert isinstance(public_key_of(b"\x30\x03\x02\x01\x00"), CertProblem)


def test_undecodable_inputs_give_problems(made: dict[str, Path]) -> None:
    der = der_of(made["rsa"])
    for junk in (b"", b"\x00", der[:100], b"hello world", der + b"\x00"):
        result = cert_info(junk)
        if isinstance(result, CertProblem):
            assert result.message and result.to_json() == {"problem": result.message}
    assert isinstance(cert_info(der[:100]), CertProblem)
    ok, why = verify_signed_by(b"junk", der)
    assert ok is None and why.startswith("cannot check")
    ok, why = verify_signed_by(der, b"junk")
    assert ok is None and why.startswith("cannot check")


def test_parts_cryptography_rejects_degrade_to_problems(made: dict[str, Path]) -> None:
    """A bad name or extension costs that part, not the whole description."""
    der = bytearray(der_of(made["leaf"]))
    root, _ = parse_der(bytes(der), max_depth=9)
    cn = [f for f in at(root, "issuer").walk() if f.name == "value"][-1]
    der[cn.offset] = 0xC9  # a private tag where a DirectoryString belongs
    info = cert_info(bytes(der))
    assert isinstance(info, CertInfo)
    assert any(p.startswith("names:") for p in info.problems)
    # the DER walker renders it as RFC 4514 §2.4 asks: '#' and the hex of the whole encoding
    assert info.issuer == "CN=#" + bytes(der[cn.offset : cn.end]).hex() + ",O=Example CA,C=US"
    assert info.subject == "CN=leaf.example" and info.self_signed is False
    der = bytearray(der_of(made["leaf"]))
    san = at(root, "subjectAltName")
    dns = der.index(b"\x82\x0cleaf.example", san.offset)
    der[dns] = 0x89  # GeneralName [9] does not exist
    info = cert_info(bytes(der))
    assert isinstance(info, CertInfo)
    assert [p.split(":")[0] for p in info.problems] == ["extensions"]
    assert info.san == () and info.subject == "CN=leaf.example"
    assert parse_der(bytes(der))[0].length == len(der)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(cert_info(data), CertInfo | CertProblem)
    assert verify_signed_by(data, data)[0] in (True, False, None)
    assert isinstance(public_key_of(data), CertProblem) or public_key_of(data) is not None


@pytest.mark.skipif(not (CORPUS / CORPUS_CERTS["tls12_server"]).exists(), reason="no corpus")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, 804), st.integers(0, 255)), max_size=4))
def test_mutated_certificates_never_raise(edits: list[tuple[int, int]]) -> None:
    der = bytearray(der_of(CORPUS / CORPUS_CERTS["tls12_server"]))
    for pos, value in edits:
        der[pos % len(der)] = value
    result = cert_info(bytes(der))
    assert isinstance(result, CertInfo | CertProblem)
    ca = der_of(CORPUS / CORPUS_CERTS["tls12_ca"])
    ok, why = verify_signed_by(bytes(der), ca)
    if not edits:
        assert ok is True, why
