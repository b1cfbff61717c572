"""What a certificate says, and whether one certificate signed another.

:mod:`tlsviz.wire.der` shows a certificate's *bytes*; this module answers the
questions a learner asks next: who is it for (RFC 5280 §4.1.2.6 subject and
§4.2.1.6 subjectAltName), who vouches for it (§4.1.2.4 issuer), what key does
it carry (§4.1.2.7), may it sign other certificates (§4.2.1.9), and does the
issuer's key really verify its signature (§4.1.1.3, §6.1.3 (a)(1)).  Decoding
and cryptography go through the ``cryptography`` package; RSASSA-PSS
parameters (RFC 4055 §3.1) are read from the DER directly so the manual
verification path does not depend on what that package exposes.

Nothing here raises on bad input: undecodable certificates become a
:class:`CertProblem`, checks that cannot be made say so in their result.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import (
    dsa,
    ec,
    ed448,
    ed25519,
    padding,
    rsa,
    x448,
    x25519,
)
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from tlsviz.wire.der import (
    KEY_USAGE_BITS,
    OID,
    SEQUENCE,
    Header,
    decode_oid,
    oid_name,
    parse_der,
    read_header,
)
from tlsviz.wire.reader import DecodeError

#: Attribute types RFC 4514 has no short name for but everybody (OpenSSL too) writes by name.
NAME_OVERRIDES = {NameOID.EMAIL_ADDRESS: "emailAddress", NameOID.SERIAL_NUMBER: "serialNumber"}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_SIGNATURE_NAMES = {"Ed25519": "ed25519", "Ed448": "ed448"}


@dataclass(frozen=True, slots=True)
class CertProblem:
    """Why a certificate could not be decoded at all."""

    message: str

    def to_json(self) -> dict[str, Any]:
        return {"problem": self.message}


@dataclass(frozen=True, slots=True)
class CertInfo:
    """The facts of one certificate, as plain strings and numbers.

    * ``subject``/``issuer``: RFC 4514 strings (most specific RDN first, no
      space after commas), with ``emailAddress``/``serialNumber`` by name.
    * ``serial``: lower-case hex without ``0x`` (``-`` prefix if negative).
    * ``not_before``/``not_after``: ISO 8601 in UTC, ``2019-10-05T01:38:17Z``.
    * ``san``: ``DNS:x``, ``IP:x``, ``email:x``, ``URI:x``, ``DirName:x``,
      ``RID:x``, ``otherName:<oid>``.
    * ``public_key_bits``: the modulus or group size; for the RFC 8410 keys
      (Ed25519, Ed448, X25519, X448) the size of the encoded public key.
    * ``curve``: the EC curve (``secp256r1``…) or, for RFC 8410 keys, the
      RFC 7748 curve (``edwards25519``…); ``None`` for RSA/DSA.
    * ``is_ca``/``path_len``: basicConstraints; ``is_ca`` is ``None`` when the
      extension is absent (RFC 5280 §4.2.1.9).
    * ``key_usage``: RFC 5280 §4.2.1.3 bit names; ``ext_key_usage``: §4.2.1.12
      purpose names (dotted OID when unknown).
    * ``sha256_fingerprint``: plain lower-case hex of SHA-256 over the DER.
    * ``self_signed``: subject equals issuer *and* the certificate's own key
      verifies its signature.
    * ``problems``: parts that could not be decoded (the rest still are).
    """

    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    san: tuple[str, ...]
    public_key_type: str
    public_key_bits: int
    curve: str | None
    signature_algorithm: str
    signature_hash: str | None
    is_ca: bool | None
    path_len: int | None
    key_usage: tuple[str, ...]
    ext_key_usage: tuple[str, ...]
    sha256_fingerprint: str
    self_signed: bool
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, slots=True)
class PssParams:
    """RSASSA-PSS-params (RFC 4055 §3.1), defaults included."""

    hash: str = "sha1"
    mgf_hash: str = "sha1"
    salt_length: int = 20
    trailer_field: int = 1


def _load(der: bytes) -> x509.Certificate | CertProblem:
    try:
        return x509.load_der_x509_certificate(bytes(der))
    except Exception as err:  # anything the parser rejects, whatever it raises
        return CertProblem(f"not a certificate that decodes: {err}")


def _iso(value: Any) -> str:
    return str(value.isoformat()).replace("+00:00", "Z")


def _general_name(name: x509.GeneralName) -> str:
    """One subjectAltName entry in OpenSSL-like ``TYPE:value`` form (RFC 5280 §4.2.1.6)."""
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{name.value.rfc4514_string(NAME_OVERRIDES)}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        return f"otherName:{name.type_id.dotted_string}"
    return str(name)


def key_facts(key: CertificatePublicKeyTypes) -> tuple[str, int, str | None]:
    """(type, bits, curve) of a public key, as :class:`CertInfo` reports them."""
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size, key.curve.name
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, None
    rfc8410: list[tuple[type, str, int, str]] = [
        (ed25519.Ed25519PublicKey, "Ed25519", 256, "edwards25519"),
        (ed448.Ed448PublicKey, "Ed448", 456, "edwards448"),
        (x25519.X25519PublicKey, "X25519", 256, "curve25519"),
        (x448.X448PublicKey, "X448", 448, "curve448"),
    ]
    for cls, name, bits, curve in rfc8410:
        if isinstance(key, cls):
            return name, bits, curve
    return type(key).__name__, 0, None


def signature_algorithm_name(cert: x509.Certificate) -> str:
    """``sha256WithRSAEncryption``, ``ecdsa-with-SHA256``, ``ed25519``, ``rsassaPss``…"""
    name = oid_name(cert.signature_algorithm_oid.dotted_string)
    return _SIGNATURE_NAMES.get(name, name)


#: How many certificates (and pairs of them) keep what was learnt from them.
#: The certificates of a capture repeat (each connection to a server sends the
#: same chain), and loading and verifying one costs more than decoding every
#: other message of its handshake; the results are immutable values.
MEMO = 512


def cert_info(der: bytes) -> CertInfo | CertProblem:
    """Decode ``der`` into a :class:`CertInfo`; never raises."""
    return _cert_info(bytes(der))


@functools.lru_cache(maxsize=MEMO)
def _cert_info(der: bytes) -> CertInfo | CertProblem:
    cert = _load(der)
    if isinstance(cert, CertProblem):
        return cert
    try:
        return _info(cert)
    except Exception as err:  # a decoder bug must not take the explorer down
        return CertProblem(f"certificate decodes but cannot be described: {err}")


def _info(cert: x509.Certificate) -> CertInfo:
    problems: list[str] = []
    try:
        key_type, bits, curve = key_facts(cert.public_key())
    except (ValueError, UnsupportedAlgorithm) as err:
        key_type, bits, curve = oid_name(cert.public_key_algorithm_oid.dotted_string), 0, None
        problems.append(f"public key: {err}")
    try:
        sig_hash = cert.signature_hash_algorithm
    except UnsupportedAlgorithm as err:
        sig_hash = None
        problems.append(f"signature hash: {err}")
    san: tuple[str, ...] = ()
    is_ca: bool | None = None
    path_len: int | None = None
    usage: tuple[str, ...] = ()
    ext_usage: tuple[str, ...] = ()
    try:
        for ext in cert.extensions:
            v = ext.value
            if isinstance(v, x509.SubjectAlternativeName):
                san = tuple(_general_name(g) for g in v)
            elif isinstance(v, x509.BasicConstraints):
                is_ca, path_len = v.ca, v.path_length
            elif isinstance(v, x509.KeyUsage):
                usage = _key_usage(v)
            elif isinstance(v, x509.ExtendedKeyUsage):
                ext_usage = tuple(oid_name(o.dotted_string) for o in v)
    except ValueError as err:  # malformed or duplicate extensions (RFC 5280 §4.2)
        problems.append(f"extensions: {err}")
    subject, issuer, same = _names(cert, problems)
    try:
        self_signed = same and _verify(cert, cert)[0] is True
    except ValueError as err:
        self_signed = False
        problems.append(f"self-signature: {err}")
    serial = cert.serial_number
    return CertInfo(
        subject=subject,
        issuer=issuer,
        serial=("-" if serial < 0 else "") + format(abs(serial), "x"),
        not_before=_iso(cert.not_valid_before_utc),
        not_after=_iso(cert.not_valid_after_utc),
        san=san,
        public_key_type=key_type,
        public_key_bits=bits,
        curve=curve,
        signature_algorithm=signature_algorithm_name(cert),
        signature_hash=sig_hash.name if sig_hash is not None else None,
        is_ca=is_ca,
        path_len=path_len,
        key_usage=usage,
        ext_key_usage=ext_usage,
        sha256_fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        self_signed=self_signed,
        problems=tuple(problems),
    )


def _names(cert: x509.Certificate, problems: list[str]) -> tuple[str, str, bool]:
    """Subject, issuer (RFC 4514) and whether they are equal (RFC 5280 §7.1 matching).

    ``cryptography`` rejects some names it cannot decode; the DER walker still
    renders them, so the learner sees what is there.
    """
    try:
        subject, issuer = cert.subject, cert.issuer
        return (
            subject.rfc4514_string(NAME_OVERRIDES),
            issuer.rfc4514_string(NAME_OVERRIDES),
            subject == issuer,
        )
    except ValueError as err:
        problems.append(f"names: {err}")
    root, _ = parse_der(cert.public_bytes(Encoding.DER), max_depth=2)
    found = [root.find(n) for n in ("subject", "issuer")]
    texts = [str(f.value) if f is not None else "?" for f in found]
    return texts[0], texts[1], False


def _key_usage(v: x509.KeyUsage) -> tuple[str, ...]:
    bits = [
        v.digital_signature,
        v.content_commitment,
        v.key_encipherment,
        v.data_encipherment,
        v.key_agreement,
        v.key_cert_sign,
        v.crl_sign,
        v.key_agreement and v.encipher_only,
        v.key_agreement and v.decipher_only,
    ]
    return tuple(name for name, on in zip(KEY_USAGE_BITS, bits, strict=True) if on)


def public_key_of(der: bytes) -> CertificatePublicKeyTypes | CertProblem:
    """The subject public key (for CertificateVerify checks, RFC 8446 §4.4.3)."""
    cert = _load(der)
    if isinstance(cert, CertProblem):
        return cert
    try:
        return cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as err:
        return CertProblem(f"unsupported public key: {err}")


def verify_signed_by(child_der: bytes, issuer_der: bytes) -> tuple[bool | None, str]:
    """Does the issuer's public key verify the child's signature (RFC 5280 §6.1.3 (a)(1))?

    ``(True, why)`` / ``(False, why)``, or ``(None, "cannot check: …")`` when a
    certificate does not decode or the algorithm is not supported.  Name
    chaining is not required: a signature that verifies under a certificate
    with a different subject still counts, with a note.
    """
    return _verify_signed_by(bytes(child_der), bytes(issuer_der))


@functools.lru_cache(maxsize=MEMO)
def _verify_signed_by(child_der: bytes, issuer_der: bytes) -> tuple[bool | None, str]:
    child, issuer = _load(child_der), _load(issuer_der)
    if isinstance(child, CertProblem):
        return None, f"cannot check: child: {child.message}"
    if isinstance(issuer, CertProblem):
        return None, f"cannot check: issuer: {issuer.message}"
    try:
        return _verify(child, issuer)
    except Exception as err:  # never raise to the UI
        return None, f"cannot check: {err}"


def _verify(child: x509.Certificate, issuer: x509.Certificate) -> tuple[bool | None, str]:
    try:
        key = issuer.public_key()
    except (ValueError, UnsupportedAlgorithm) as err:
        return None, f"cannot check: the issuer's public key is not usable: {err}"
    alg, kind = signature_algorithm_name(child), key_facts(key)[0]
    if child.issuer == issuer.subject:
        try:
            child.verify_directly_issued_by(issuer)
            return True, f"the issuer's {kind} key verifies the {alg} signature"
        except InvalidSignature:
            return False, f"the issuer's {kind} key does not verify the {alg} signature"
        except (ValueError, TypeError, UnsupportedAlgorithm):
            pass  # e.g. an algorithm the shortcut does not handle: check by hand
    ok, why = verify_manually(child, key)
    if child.issuer != issuer.subject and ok is not None:
        why += (
            f"; note: the child's issuer {child.issuer.rfc4514_string(NAME_OVERRIDES)!r} is "
            f"not the issuer's subject {issuer.subject.rfc4514_string(NAME_OVERRIDES)!r}"
        )
    return ok, why


def verify_manually(
    child: x509.Certificate, key: CertificatePublicKeyTypes
) -> tuple[bool | None, str]:
    """Verify the signature over tbsCertificate (RFC 5280 §4.1.1.3) with ``key``.

    The algorithm comes from signatureAlgorithm; RSASSA-PSS parameters are
    parsed from the DER (RFC 4055 §3.1).
    """
    alg, kind = signature_algorithm_name(child), key_facts(key)[0]
    tbs, sig = child.tbs_certificate_bytes, child.signature
    wrong = (False, f"a {kind} key cannot verify a {alg} signature")
    try:
        if alg == "rsassaPss":
            if not isinstance(key, rsa.RSAPublicKey):
                return wrong
            p = pss_params_of(child.public_bytes(Encoding.DER))
            if p.trailer_field != 1:
                return None, f"cannot check: PSS trailerField {p.trailer_field}"
            key.verify(
                sig,
                tbs,
                padding.PSS(padding.MGF1(_HASHES[p.mgf_hash]()), p.salt_length),
                _HASHES[p.hash](),
            )
        elif alg.endswith("WithRSAEncryption"):
            if not isinstance(key, rsa.RSAPublicKey):
                return wrong
            key.verify(sig, tbs, padding.PKCS1v15(), _HASHES[alg.split("With")[0]]())
        elif alg.startswith(("ecdsa-with-", "dsa-with-")):
            digest = _HASHES[alg.rsplit("-", 1)[1].lower()]()
            if isinstance(key, ec.EllipticCurvePublicKey) and alg[0] == "e":
                key.verify(sig, tbs, ec.ECDSA(digest))
            elif isinstance(key, dsa.DSAPublicKey) and alg[0] == "d":
                key.verify(sig, tbs, digest)
            else:
                return wrong
        elif alg in ("ed25519", "ed448"):
            want = ed25519.Ed25519PublicKey if alg == "ed25519" else ed448.Ed448PublicKey
            if not isinstance(key, want):
                return wrong
            key.verify(sig, tbs)
        else:
            return None, f"cannot check: unsupported signature algorithm {alg}"
    except InvalidSignature:
        return False, f"the {kind} key does not verify the {alg} signature"
    except (ValueError, KeyError, UnsupportedAlgorithm) as err:
        return None, f"cannot check {alg}: {err}"
    return True, f"the {kind} key verifies the {alg} signature"


def pss_params_of(cert_der: bytes) -> PssParams:
    """The RSASSA-PSS-params of a certificate's signatureAlgorithm.

    Raises :class:`ValueError` when they are absent or malformed: for a
    signature they MUST be present (RFC 4055 §3.1).
    """
    root, _ = parse_der(cert_der, max_depth=2)
    alg = next((f for f in root.children if f.name == "signatureAlgorithm"), None)
    params = alg.find("parameters") if alg else None
    if params is None or (params.length == 2 and cert_der[params.offset] == 0x05):
        raise ValueError("RSASSA-PSS signature without parameters")
    return pss_params(cert_der[params.offset : params.end])


def pss_params(der: bytes) -> PssParams:
    """Parse ``RSASSA-PSS-params ::= SEQUENCE { [0] hash, [1] mgf, [2] salt, [3] trailer }``.

    Raises :class:`ValueError` when they do not decode or name an unknown hash.
    """
    try:
        return _pss_params(der)
    except DecodeError as err:
        raise ValueError(f"RSASSA-PSS-params: {err.message}") from err


def _pss_params(der: bytes) -> PssParams:
    top = read_header(der)
    if top.tag != SEQUENCE or top.end != len(der):
        raise ValueError("RSASSA-PSS-params is not one SEQUENCE")
    found: dict[int, Any] = {}
    pos = top.content
    while pos < top.end:
        tagged = read_header(der, pos, top.end)
        if tagged.tag_class != 2 or tagged.number > 3 or tagged.end > top.end:
            raise ValueError(f"unexpected element in RSASSA-PSS-params at {pos}")
        inner = read_header(der, tagged.content, tagged.end)  # EXPLICIT tagging
        if inner.end > tagged.end:
            raise ValueError(f"element at {tagged.content} overruns its [{tagged.number}]")
        if tagged.number == 0:
            found[0] = _alg_oid(der, inner)[0]
        elif tagged.number == 1:
            oid, rest = _alg_oid(der, inner)
            if oid != "1.2.840.113549.1.1.8" or rest is None:
                raise ValueError(f"mask generation {oid_name(oid)} is not MGF1")
            found[1] = _alg_oid(der, rest)[0]
        else:
            if inner.tag != (0, False, 2) or not 0 < inner.length <= 8:
                raise ValueError(f"[{tagged.number}] is not a small INTEGER")
            found[tagged.number] = int.from_bytes(
                der[inner.content : inner.end], "big", signed=True
            )
        pos = tagged.end
    if found.get(2, 20) < 0:
        raise ValueError("negative PSS salt length")
    names = {k: oid_name(v) for k, v in found.items() if k < 2}
    for name in names.values():
        if name not in _HASHES:
            raise ValueError(f"unsupported PSS hash {name}")
    return PssParams(names.get(0, "sha1"), names.get(1, "sha1"), found.get(2, 20), found.get(3, 1))


def _alg_oid(der: bytes, h: Header) -> tuple[str, Header | None]:
    """(algorithm OID, parameters header) of the AlgorithmIdentifier ``h``."""
    if h.tag != SEQUENCE:
        raise ValueError("AlgorithmIdentifier is not a SEQUENCE")
    o = read_header(der, h.content, h.end)
    if o.tag != OID or o.end > h.end:
        raise ValueError("AlgorithmIdentifier without an OID")
    rest = read_header(der, o.end, h.end) if o.end < h.end else None
    return decode_oid(der[o.content : o.end]), rest
