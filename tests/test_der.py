"""tlsviz.wire.der against ``openssl asn1parse`` on real certificates, and against bad bytes.

Certificates are made with the openssl CLI or come from the public corpus; the
oracle for offsets and lengths is ``openssl asn1parse -inform DER -i``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS
from tlsviz.wire.der import parse_der, read_header
from tlsviz.wire.fields import Diagnostic, Field, Severity

CORPUS_CERTS = [
    "rfc8448/rfc8448-server-cert.der",
    "illustrated-tls13/server.crt",
    "illustrated-tls12/ca.crt",
    "illustrated-tls12/server.crt",
]
WEB_PCAP = CORPUS / "ja4" / "browsers-x509.pcapng"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

LEAF_EXT = """\
subjectAltName=DNS:leaf.example,DNS:*.leaf.example,IP:192.0.2.7
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
authorityInfoAccess=OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.der
crlDistributionPoints=URI:http://crl.example/ca.crl
certificatePolicies=2.23.140.1.2.1
1.3.6.1.4.1.11129.2.4.2=DER:04:02:00:00
"""
EXT_NAMES = {  # what asn1parse prints for an extension OID -> our field name
    "X509v3 Subject Alternative Name": "subjectAltName",
    "X509v3 Basic Constraints": "basicConstraints",
    "X509v3 Key Usage": "keyUsage",
    "X509v3 Extended Key Usage": "extKeyUsage",
    "X509v3 Subject Key Identifier": "subjectKeyIdentifier",
    "X509v3 Authority Key Identifier": "authorityKeyIdentifier",
    "Authority Information Access": "authorityInfoAccess",
    "X509v3 CRL Distribution Points": "cRLDistributionPoints",
    "X509v3 Certificate Policies": "certificatePolicies",
    "CT Precertificate SCTs": "ct_precert_scts",
}


def openssl(*args: str | Path, cwd: Path | None = None) -> str:
    r = subprocess.run(
        ["openssl", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """DER certificates made by openssl: RSA, EC P-384, Ed25519, a CA and two leaves."""
    d = tmp_path_factory.mktemp("der")
    (d / "leaf.ext").write_text(LEAF_EXT)

    def req(name: str, key: list[str], subj: str, *extra: str) -> None:
        openssl(
            "req",
            "-x509",
            *key,
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-outform",
            "DER",
            "-out",
            f"{name}.der",
            "-subj",
            subj,
            "-days",
            "30",
            *extra,
            cwd=d,
        )

    def issue(name: str, key: list[str], subj: str, *extra: str) -> None:
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
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "0xc0ffee0123456789",
            "-days",
            "30",
            "-extfile",
            "leaf.ext",
            "-outform",
            "DER",
            "-out",
            f"{name}.der",
            *extra,
            cwd=d,
        )

    req("rsa", ["-newkey", "rsa:2048"], "/C=US/O=Example, Inc./CN=rsa.example", "-sha256")
    req("p384", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"], "/CN=p384", "-sha384")
    req("ed25519", ["-newkey", "ed25519"], "/CN=ed25519.example/emailAddress=a@ed.example")
    req(
        "ca",
        ["-newkey", "rsa:2048"],
        "/C=US/O=Example CA/CN=Example Root",
        "-sha256",
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    openssl("x509", "-inform", "DER", "-in", "ca.der", "-out", "ca.pem", cwd=d)
    issue(
        "leaf",
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "/CN=leaf.example",
        "-sha256",
    )
    issue(
        "leaf_pss",
        ["-newkey", "rsa:2048"],
        "/CN=pss.example",
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
    )
    return {p.stem: p.read_bytes() for p in d.glob("*.der")}


def der_of(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw.startswith(b"-----"):
        return base64.b64decode(b"".join(x for x in raw.splitlines() if not x.startswith(b"-")))
    return raw


def corpus_cert(rel: str) -> bytes:
    if not (CORPUS / rel).exists():
        pytest.skip(f"corpus file {rel} absent")
    return der_of(CORPUS / rel)


def web_certs() -> list[bytes]:
    """The certificate chains of three real browser connections (tshark pulls them out)."""
    if shutil.which("tshark") is None or not WEB_PCAP.exists():
        return []
    out = subprocess.run(
        [
            "tshark",
            "-r",
            str(WEB_PCAP),
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
    return [bytes.fromhex(h) for line in out.split() for h in line.split(",") if h]


@pytest.fixture(params=["rsa", "p384", "ed25519", "ca", "leaf", "leaf_pss", *CORPUS_CERTS])
def cert(request: pytest.FixtureRequest, made: dict[str, bytes]) -> bytes:
    name: str = request.param
    return corpus_cert(name) if "/" in name else made[name]


# -- the asn1parse oracle --------------------------------------------------------------
LINE = re.compile(r"\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(prim|cons):\s*(.*?)\s*$")


def asn1parse(der: bytes, tmp: Path) -> list[tuple[int, int, int, int, str]]:
    """(offset, depth, header length, content length, type and value) per element."""
    path = tmp / "cert.der"
    path.write_bytes(der)
    rows = []
    for line in openssl("asn1parse", "-inform", "DER", "-i", "-in", path).splitlines():
        m = LINE.match(line)
        assert m, line
        off, depth, hl, ln, _, rest = m.groups()
        rows.append((int(off), int(depth), int(hl), int(ln), rest))
    return rows


def check_against_asn1parse(der: bytes, tmp: Path) -> Field:
    rows = asn1parse(der, tmp)
    spans = {(off, hl + ln): (hl, rest) for off, _, hl, ln, rest in rows}
    root, diags = parse_der(der)
    assert diags == []
    # the top level and tbsCertificate: offsets, header lengths, lengths, in order
    off, _, hl, ln, _ = rows[0]
    assert (root.offset, root.length, read_header(der, root.offset).header_length) == (
        off,
        hl + ln,
        hl,
    )
    level1 = [r for r in rows if r[1] == 1]
    assert [(c.offset, c.length) for c in root.children] == [(o, h + n) for o, _, h, n, _ in level1]
    assert [c.name for c in root.children] == [
        "tbsCertificate",
        "signatureAlgorithm",
        "signatureValue",
    ]
    tbs = root.children[0]
    level2 = [r for r in rows if r[1] == 2 and r[0] < tbs.end]
    assert [(c.offset, c.length) for c in tbs.children] == [(o, h + n) for o, _, h, n, _ in level2]
    for child, (_, _, h, _, _) in zip(tbs.children, level2, strict=True):
        assert read_header(der, child.offset).header_length == h
    # every field the default tree shows is one of the elements asn1parse sees
    for f in root.walk():
        assert (f.offset, f.length) in spans, f
        assert read_header(der, f.offset).header_length == spans[(f.offset, f.length)][0]
    # one field per extension, named after its OID
    ext = tbs.find("extensions")
    if ext is not None:
        ext_rows = [r for r in rows if r[1] == 4 and ext.offset < r[0] < ext.end]
        names = [
            r[4].split(":", 1)[1]
            for r in rows
            if r[1] == 5 and ext.offset < r[0] < ext.end and r[4].startswith("OBJECT")
        ]
        assert [(c.offset, c.length) for c in ext.children] == [
            (o, h + n) for o, _, h, n, _ in ext_rows
        ]
        assert [c.name for c in ext.children] == [EXT_NAMES.get(n, n) for n in names]
    return root


def test_spans_match_asn1parse(cert: bytes, tmp_path: Path) -> None:
    root = check_against_asn1parse(cert, tmp_path)
    tbs = root.children[0]
    names = [c.name for c in tbs.children]
    expected = [
        "version",
        "serialNumber",
        "signature",
        "issuer",
        "validity",
        "subject",
        "subjectPublicKeyInfo",
        "extensions",
    ]
    assert names == expected[: len(names)] and len(names) >= 7
    for f in root.walk():
        assert f.key.startswith("x509."), f


@pytest.mark.tshark
@pytest.mark.corpus
def test_real_web_certificates(tmp_path: Path) -> None:
    certs = web_certs()
    if not certs:
        pytest.skip("tshark or the ja4 corpus capture is absent")
    seen: set[str] = set()
    for der in certs:
        root = check_against_asn1parse(der, tmp_path)
        ext = root.find("extensions")
        seen |= {c.name for c in ext.children} if ext else set()
    assert {
        "ct_precert_scts",
        "authorityInfoAccess",
        "cRLDistributionPoints",
        "certificatePolicies",
        "subjectAltName",
    } <= seen


def test_leaf_fields_and_displays(made: dict[str, bytes], tmp_path: Path) -> None:
    root, diags = parse_der(made["leaf"], max_depth=4)
    assert diags == []
    ext = root.find("extensions")
    assert ext is not None
    by_name = {c.name: c for c in ext.children}
    assert list(by_name) == [
        "subjectAltName",
        "authorityKeyIdentifier",
        "subjectKeyIdentifier",
        "basicConstraints",
        "keyUsage",
        "extKeyUsage",
        "authorityInfoAccess",
        "cRLDistributionPoints",
        "certificatePolicies",
        "ct_precert_scts",
    ]
    assert {c.key for c in ext.children} == {f"x509.ext.{n}" for n in by_name}
    assert by_name["subjectAltName"].display == (
        "DNS:leaf.example, DNS:*.leaf.example, IP:192.0.2.7"
    )
    assert by_name["basicConstraints"].display == "critical; CA:FALSE"
    assert by_name["keyUsage"].display == "critical; digitalSignature"
    assert by_name["extKeyUsage"].display == "serverAuth, clientAuth"
    path = tmp_path / "leaf.der"
    path.write_bytes(made["leaf"])
    text = openssl("x509", "-inform", "DER", "-in", path, "-noout", "-text")
    aki = re.search(r"Authority Key Identifier: *\n\s+(?:keyid:)?([0-9A-F:]+)", text)
    ski = re.search(r"Subject Key Identifier: *\n\s+([0-9A-F:]+)", text)
    assert aki and ski
    assert (
        by_name["authorityKeyIdentifier"].display
        == "keyid:" + aki.group(1).replace(":", "").lower()
    )
    assert by_name["subjectKeyIdentifier"].display == ski.group(1).replace(":", "").lower()
    # depth 4 shows the parts of each extension
    san = by_name["subjectAltName"]
    assert [c.name for c in san.children] == ["extnID", "extnValue"]
    assert [c.name for c in by_name["basicConstraints"].children] == [
        "extnID",
        "critical",
        "extnValue",
    ]
    spki = root.find("subjectPublicKeyInfo")
    assert spki is not None and spki.display == "id-ecPublicKey, prime256v1"
    serial = root.find("serialNumber")
    assert serial is not None and serial.value == 0xC0FFEE0123456789
    assert "0xc0ffee0123456789" in serial.display
    sig = root.find("signatureAlgorithm")
    assert sig is not None and sig.display == "sha256WithRSAEncryption"
    assert at(root, "issuer").display == "CN=Example Root, O=Example CA, C=US"
    dates = openssl("x509", "-inform", "DER", "-in", path, "-noout", "-dates")
    for line in dates.splitlines():
        label, value = line.split("=", 1)
        when = dt.datetime.strptime(value, "%b %d %H:%M:%S %Y %Z").strftime("%Y-%m-%dT%H:%M:%SZ")
        assert at(root, label).value == when
    assert at(root, "validity").display.startswith(str(at(root, "notBefore").value))


def test_other_displays(made: dict[str, bytes], tmp_path: Path) -> None:
    ca, _ = parse_der(made["ca"])
    assert at(ca, "basicConstraints").display == "critical; CA:TRUE, pathlen:0"
    assert at(ca, "keyUsage").display == "critical; keyCertSign, cRLSign"
    rsa, _ = parse_der(made["rsa"], max_depth=9)
    assert at(rsa, "subject").value == r"CN=rsa.example,O=Example\, Inc.,C=US"
    assert at(rsa, "subject").display == r"CN=rsa.example, O=Example\, Inc., C=US"
    assert at(rsa, "version").display == "v3 (2)"
    spki = rsa.find("subjectPublicKeyInfo")
    assert spki is not None and spki.display == "rsaEncryption, 2048-bit"
    modulus, exponent = rsa.find("modulus"), rsa.find("publicExponent")
    assert modulus is not None and exponent is not None
    path = tmp_path / "rsa.der"
    path.write_bytes(made["rsa"])
    text = openssl("x509", "-inform", "DER", "-in", path, "-noout", "-modulus")
    assert modulus.value == int(text.split("=")[1], 16)
    assert exponent.value == 65537 and exponent.display == "65537 (0x10001)"
    assert made["rsa"][modulus.offset] == 0x02 and modulus.end == exponent.offset
    ed, _ = parse_der(made["ed25519"])
    assert at(ed, "subjectPublicKeyInfo").display == "Ed25519"
    assert at(ed, "subject").value == "emailAddress=a@ed.example,CN=ed25519.example"
    p384, _ = parse_der(made["p384"])
    assert at(p384, "signatureAlgorithm").display == "ecdsa-with-SHA384"
    assert at(p384, "subjectPublicKeyInfo").display == "id-ecPublicKey, secp384r1"
    pss, _ = parse_der(made["leaf_pss"], max_depth=9)
    params = pss.children[1].find("parameters")
    assert pss.children[1].display == "rsassaPss" and params is not None
    assert any(f.display == "sha256 (2.16.840.1.101.3.4.2.1)" for f in params.walk())


def test_max_depth_and_base(made: dict[str, bytes]) -> None:
    der = made["leaf"]
    flat, _ = parse_der(der, max_depth=0)
    assert flat.children == () and flat.length == len(der)
    one, _ = parse_der(der, max_depth=1)
    assert all(c.children == () for c in one.children)
    deep, _ = parse_der(der, max_depth=12)
    assert max(depth_of(deep)) > 4
    default, _ = parse_der(der)
    assert max(depth_of(default)) == 3
    moved, _ = parse_der(der, base=1000, name="cert[0]")
    assert moved.name == "cert[0]"
    pairs = zip(moved.walk(), default.walk(), strict=True)
    assert all(a.offset == b.offset + 1000 and a.length == b.length for a, b in pairs)


def at(root: Field, name: str) -> Field:
    """The first field called ``name`` (the test fails if there is none)."""
    found = root.find(name)
    assert found is not None, name
    return found


def depth_of(f: Field, d: int = 0) -> list[int]:
    return [d, *(x for c in f.children for x in depth_of(c, d + 1))]


# -- malformed input ---------------------------------------------------------------------
def check_invariants(data: bytes, base: int, root: Field, diags: list[Diagnostic]) -> None:
    """Every byte lies in a field or a diagnostic; children lie inside their parents."""
    covered = bytearray(len(data))
    lo, hi = base, base + len(data)

    def visit(f: Field) -> None:
        assert f.length >= 0 and lo <= f.offset and f.end <= hi, f
        covered[f.offset - base : f.end - base] = b"\x01" * f.length
        for c in f.children:
            assert f.offset <= c.offset and c.end <= f.end, (f, c)
            visit(c)

    visit(root)
    for d in diags:
        assert d.length >= 0 and lo <= d.offset and d.offset + d.length <= hi, d
        covered[d.offset - base : d.offset - base + d.length] = b"\x01" * d.length
    assert all(covered), [i for i, c in enumerate(covered) if not c][:10]


def errors(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity is Severity.ERROR]


def test_truncated(made: dict[str, bytes]) -> None:
    der = made["leaf"]
    for cut in range(0, len(der), 7):
        root, diags = parse_der(der[:cut], base=5)
        check_invariants(der[:cut], 5, root, diags)
        assert errors(diags)
        if cut > 4:
            assert root.length == cut and "claims" in errors(diags)[0].message
            assert errors(diags)[0].offset == 5  # reported on the certificate's header


def test_trailing_bytes(made: dict[str, bytes]) -> None:
    der = made["p384"]
    root, diags = parse_der(der + b"\x00\x01\x02")
    assert root.length == len(der) and len(root.children) == 3
    assert [(d.offset, d.length, d.severity) for d in diags] == [(len(der), 3, Severity.ERROR)]


def test_bad_lengths(made: dict[str, bytes]) -> None:
    der = bytearray(made["rsa"])
    issuer_at = at(parse_der(bytes(der))[0], "issuer").offset
    der[issuer_at + 1] = 0x7F  # the issuer now claims to run into the validity and beyond
    root, diags = parse_der(bytes(der))
    check_invariants(bytes(der), 0, root, diags)
    assert any("claims" in d.message or "expected" in d.message for d in errors(diags))
    indefinite = bytes([0x30, 0x80]) + made["rsa"][4:]
    root, diags = parse_der(indefinite)
    check_invariants(indefinite, 0, root, diags)
    assert "indefinite" in errors(diags)[0].message and errors(diags)[0].rfc == "X.690 §10.1"
    assert parse_der(b"")[0].length == 0 and errors(parse_der(b"")[1])
    root, diags = parse_der(b"\x31\x03\x02\x01\x05")
    assert "SEQUENCE" in errors(diags)[0].message and root.length == 5


def test_non_minimal_length_is_a_warning(made: dict[str, bytes]) -> None:
    """Re-encode the serial's length in long form (valid BER, not DER: X.690 §10.1)."""
    der = made["leaf"]
    root, _ = parse_der(der)
    serial = root.find("serialNumber")
    assert serial is not None and der[0:2] == der[4:6] == b"\x30\x82"
    grown = bytearray(der[: serial.offset + 1] + b"\x81" + der[serial.offset + 1 :])
    for pos in (2, 6):  # Certificate and tbsCertificate lengths grow by one
        grown[pos : pos + 2] = (int.from_bytes(grown[pos : pos + 2], "big") + 1).to_bytes(2, "big")
    root, diags = parse_der(bytes(grown))
    assert [(d.severity, d.offset) for d in diags] == [(Severity.WARNING, serial.offset)]
    assert at(root, "serialNumber").value == 0xC0FFEE0123456789


def test_extension_value_that_is_not_der(made: dict[str, bytes]) -> None:
    der = bytearray(made["leaf"])
    root, _ = parse_der(bytes(der), max_depth=5)
    value = at(root, "extKeyUsage").children[-1]
    der[value.offset + 3] = 0x80  # the SEQUENCE inside now has an (illegal) indefinite length
    root, diags = parse_der(bytes(der), max_depth=5)
    check_invariants(bytes(der), 0, root, diags)
    assert any(d.offset == value.offset + 2 and "extnValue" in d.message for d in diags)
    assert at(root, "extKeyUsage").children[-1].children[-1].name == "undecoded"


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=300), base=st.integers(0, 10_000), depth=st.integers(0, 8))
def test_random_bytes(data: bytes, base: int, depth: int) -> None:
    for blob in (data, b"\x30\x82" + len(data).to_bytes(2, "big") + data):
        root, diags = parse_der(blob, base=base, max_depth=depth)
        check_invariants(blob, base, root, diags)


@pytest.fixture(scope="module")
def samples(made: dict[str, bytes]) -> list[bytes]:
    return list(made.values())


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    which=st.integers(0, 5),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["set", "insert", "delete", "truncate"]),
            st.integers(0, 2000),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=5,
    ),
    depth=st.integers(0, 12),
)
def test_mutated_certificates(
    samples: list[bytes], which: int, edits: list[tuple[str, int, int]], depth: int
) -> None:
    der = bytearray(samples[which % len(samples)])
    for op, pos, value in edits:
        pos %= len(der) + 1
        if op == "set" and pos < len(der):
            der[pos] = value
        elif op == "insert":
            der[pos:pos] = bytes([value])
        elif op == "delete":
            del der[pos : pos + 1 + value % 4]
        elif op == "truncate":
            del der[pos:]
    root, diags = parse_der(bytes(der), base=17, max_depth=depth)
    check_invariants(bytes(der), 17, root, diags)
