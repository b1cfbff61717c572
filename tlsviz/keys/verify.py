"""Signature, chain and Finished checks: did each peer prove what the handshake claims?

A TLS handshake authenticates the server (and optionally the client) with one
signature (with RSA key exchange, by decrypting the pre-master secret instead,
which shows only in a correct Finished), and both sides with a MAC over
everything they saw:

* TLS 1.3 CertificateVerify (RFC 8446 §4.4.3) signs a padded *transcript hash*;
* TLS 1.0-1.2 CertificateVerify (RFC 5246 §7.4.8) signs the raw handshake
  messages; ServerKeyExchange (RFC 5246 §7.4.3, RFC 4492 §5.4) signs the two
  randoms plus the (EC)DH parameters, which is what stops a man in the middle
  from substituting his own key share;
* the certificates chain to a root (RFC 5280 §6.1.3);
* Finished (RFC 8446 §4.4.4, RFC 5246 §7.4.9) compares a MAC both sides compute.

Each check returns a :class:`Check` with one plain sentence for a learner; none
of them raises, whatever bytes a capture holds.  All cryptography goes through
the ``cryptography`` package.
"""

from __future__ import annotations

import functools
import hmac
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from tlsviz.keys.digests import digest, hash_algorithm, hash_len
from tlsviz.keys.x509 import MEMO, CertProblem, cert_info, verify_signed_by
from tlsviz.wire.registry import is_grease, sigscheme_name

__all__ = [
    "Check",
    "describe_key",
    "scheme_description",
    "verify_certificate_verify12",
    "verify_certificate_verify13",
    "verify_chain",
    "verify_finished",
    "verify_server_key_exchange",
]

_RSASSA_PSS = "1.2.840.113549.1.1.10"
_HASH_CODES = {1: "md5", 2: "sha1", 3: "sha224", 4: "sha256", 5: "sha384", 6: "sha512"}
_HASH_TEXT = {n: "MD5" if n == "md5" else f"SHA-{n[3:]}" for n in _HASH_CODES.values()}
_CURVE_TEXT = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
#: Signature kinds: how to say them, the key type that makes them, and that type in words.
_KINDS: dict[str, tuple[str, type, str]] = {
    "rsa_pkcs1": ("RSA PKCS#1 v1.5", rsa.RSAPublicKey, "an RSA key"),
    "rsa_pss_rsae": ("RSA-PSS", rsa.RSAPublicKey, "an RSA key"),
    "rsa_pss_pss": ("RSA-PSS", rsa.RSAPublicKey, "an RSA key"),
    "ecdsa": ("ECDSA", ec.EllipticCurvePublicKey, "an ECDSA key"),
    "dsa": ("DSA", dsa.DSAPublicKey, "a DSA key"),
    "ed25519": ("Ed25519", ed25519.Ed25519PublicKey, "an Ed25519 key"),
    "ed448": ("Ed448", ed448.Ed448PublicKey, "an Ed448 key"),
}


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Check:
    """The outcome of one verification.

    ``ok`` is True (verified), False (checked and wrong) or None (could not be
    checked; ``detail`` says why).  ``detail`` is one sentence for a learner.
    """

    name: str
    ok: bool | None
    detail: str
    rfc: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "rfc": self.rfc}


@dataclass(frozen=True, slots=True)
class _Scheme:
    """What a SignatureScheme / SignatureAndHashAlgorithm code means (RFC 8446 §4.2.3)."""

    kind: str  # a key of _KINDS
    hash: str | None  # None: EdDSA hashes by itself (RFC 8032)
    curve: str | None = None  # ECDSA curve bound by the scheme in TLS 1.3 only
    tls13: bool = True  # may appear in a TLS 1.3 CertificateVerify
    legacy_pkcs1: bool = False  # draft-ietf-tls-tls13-pkcs1: TLS 1.3 client auth only


def _scheme_table() -> dict[int, _Scheme]:
    # TLS 1.2 pairs (RFC 5246 §7.4.1.4.1): hash byte, then rsa(1)/dsa(2)/ecdsa(3).
    table = {
        (h << 8) | s: _Scheme(kind, name, tls13=False)
        for h, name in _HASH_CODES.items()
        for s, kind in ((1, "rsa_pkcs1"), (2, "dsa"), (3, "ecdsa"))
    }
    for i, (name, bits) in enumerate((("sha256", 256), ("sha384", 384), ("sha512", 512))):
        table[0x0403 + 0x100 * i] = _Scheme("ecdsa", name, f"secp{521 if bits == 512 else bits}r1")
        table[0x081A + i] = _Scheme("ecdsa", name, f"brainpoolP{bits}r1")
        table[0x0804 + i] = _Scheme("rsa_pss_rsae", name)
        table[0x0809 + i] = _Scheme("rsa_pss_pss", name)
        table[0x0420 + 0x100 * i] = _Scheme("rsa_pkcs1", name, legacy_pkcs1=True)
    table[0x0807] = _Scheme("ed25519", None)
    table[0x0808] = _Scheme("ed448", None)
    return table


_SCHEMES = _scheme_table()


def _scheme_text(s: _Scheme) -> str:
    kind = _KINDS[s.kind][0]
    if s.hash is None:
        return kind
    hash_text = _HASH_TEXT[s.hash]
    if s.curve is not None:
        return f"{kind} with {_CURVE_TEXT.get(s.curve, s.curve)} and {hash_text}"
    return f"{kind} with {hash_text}"


def scheme_description(scheme: int) -> str:
    """A signature scheme in words: ``0x0403`` -> ``"ECDSA with P-256 and SHA-256"``."""
    spec = _SCHEMES.get(scheme)
    if spec is not None:
        return _scheme_text(spec)
    if is_grease(scheme):
        return f"GREASE (0x{scheme:04x}), a placeholder that never signs anything"
    return f"{sigscheme_name(scheme)} (0x{scheme:04x}), a scheme tlsviz cannot check"


def _cert_key(cert_der: bytes) -> tuple[cx509.Certificate, CertificatePublicKeyTypes] | str:
    """The certificate and its public key, or why there is none."""
    return _loaded_key(bytes(cert_der))


@functools.lru_cache(maxsize=MEMO)
def _loaded_key(cert_der: bytes) -> tuple[cx509.Certificate, CertificatePublicKeyTypes] | str:
    """:func:`_cert_key`, once per certificate (``cryptography``'s objects are immutable)."""
    try:
        cert = cx509.load_der_x509_certificate(bytes(cert_der))
    except Exception as err:  # whatever the parser raises on garbage
        return f"the certificate does not decode ({err})"
    try:
        return cert, cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as err:
        return f"its public key is not usable ({err})"


def _describe(cert: cx509.Certificate, key: CertificatePublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        pss = cert.public_key_algorithm_oid.dotted_string == _RSASSA_PSS
        return f"a {key.key_size}-bit {'RSA-PSS' if pss else 'RSA'} key"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"an ECDSA {_CURVE_TEXT.get(key.curve.name, key.curve.name)} key"
    if isinstance(key, dsa.DSAPublicKey):
        return f"a {key.key_size}-bit DSA key"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "an Ed25519 key"
    if isinstance(key, ed448.Ed448PublicKey):
        return "an Ed448 key"
    return f"a {type(key).__name__.removesuffix('PublicKey')} key, which cannot sign"


@functools.lru_cache(maxsize=MEMO)
def _key_words(cert_der: bytes) -> tuple[str, str]:
    """A usable certificate's key in words, and what TLS 1.0/1.1 sign with it:
    worked out once per certificate, not in each connection it comes in."""
    found = _loaded_key(cert_der)
    assert not isinstance(found, str)
    cert, key = found
    legacy = next((v for k, v in _LEGACY.items() if isinstance(key, k)), "a TLS 1.0 signature")
    return _describe(cert, key), legacy


@functools.lru_cache(maxsize=MEMO)
def _misfit_of(cert_der: bytes, spec: _Scheme | None, tls13: bool) -> str | None:
    """:func:`_misfit` for a usable certificate, once per certificate and scheme."""
    found = _loaded_key(cert_der)
    assert not isinstance(found, str)
    return _misfit(spec, found[0], found[1], tls13)


def describe_key(cert_der: bytes) -> str:
    """The certificate's key in words: ``"a 2048-bit RSA key"``, ``"an ECDSA P-256 key"``."""
    found = _cert_key(cert_der)
    return f"no usable key: {found}" if isinstance(found, str) else _describe(*found)


#: What TLS 1.0/1.1 sign with each key type; other keys cannot sign there.
_LEGACY: dict[type, str] = {
    rsa.RSAPublicKey: "RSA PKCS#1 v1.5 over MD5 and SHA-1",
    ec.EllipticCurvePublicKey: "ECDSA with SHA-1",
    dsa.DSAPublicKey: "DSA with SHA-1",
}


def _misfit(
    spec: _Scheme | None, cert: cx509.Certificate, key: CertificatePublicKeyTypes, tls13: bool
) -> str | None:
    """Why ``key`` cannot have made a ``spec`` (None: pre-1.2) signature; None when it fits.

    RFC 8446 §4.2.3: rsa_pss_rsae_* need an rsaEncryption key, rsa_pss_pss_* an
    RSASSA-PSS key (RFC 4055 also forbids PKCS#1 v1.5 signatures with the latter),
    and in TLS 1.3 an ECDSA scheme names its curve.  TLS 1.0/1.1 know only RSA,
    DSA and ECDSA signatures (RFC 2246 §7.4.3, RFC 4492 §5.4).
    """
    if spec is None:
        return (
            None
            if isinstance(key, tuple(_LEGACY))
            else "TLS 1.0 and 1.1 sign only with RSA, DSA or ECDSA keys"
        )
    oid = cert.public_key_algorithm_oid.dotted_string
    text, wanted, needs = _KINDS[spec.kind]
    if not isinstance(key, wanted):
        return f"{text} signatures need {needs}"
    if spec.kind == "rsa_pss_pss" and oid != _RSASSA_PSS:
        return "rsa_pss_pss schemes need a key marked RSASSA-PSS, not rsaEncryption"
    if spec.kind in ("rsa_pss_rsae", "rsa_pkcs1") and oid == _RSASSA_PSS:
        return "a key marked RSASSA-PSS may only make rsa_pss_pss signatures"
    if tls13 and spec.curve and getattr(getattr(key, "curve", None), "name", "") != spec.curve:
        return f"in TLS 1.3 this scheme needs a {_CURVE_TEXT.get(spec.curve)} key"
    return None


def _verify(key: CertificatePublicKeyTypes, spec: _Scheme, signature: bytes, data: bytes) -> None:
    """Raise InvalidSignature unless ``signature`` is ``spec`` over ``data`` under ``key``."""
    algo = hash_algorithm(spec.hash) if spec.hash else hashes.SHA256()
    if isinstance(key, rsa.RSAPublicKey):
        if spec.kind == "rsa_pkcs1":
            key.verify(signature, data, padding.PKCS1v15(), algo)
        else:  # RFC 8446 §4.2.3: MGF1 with the same hash, salt as long as the hash
            pss = padding.PSS(padding.MGF1(algo), hash_len(spec.hash or "sha256"))
            key.verify(signature, data, pss, algo)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(algo))
    elif isinstance(key, dsa.DSAPublicKey):
        key.verify(signature, data, algo)
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        key.verify(signature, data)
    else:
        raise InvalidSignature


def _verify_legacy(key: CertificatePublicKeyTypes, signature: bytes, data: bytes) -> None:
    """TLS 1.0/1.1 and SSL 3.0 signatures, which name no algorithm (see :data:`_LEGACY`).

    RFC 2246 §7.4.3/§7.4.8: RSA signs the 36 bytes MD5(data) || SHA-1(data) with
    PKCS#1 v1.5 padding but *without* a DigestInfo, so the recovered block is
    compared with those bytes; DSA (and ECDSA, RFC 4492 §5.4) sign SHA-1(data).
    """
    if isinstance(key, rsa.RSAPublicKey):
        recovered = key.recover_data_from_signature(signature, padding.PKCS1v15(), None)
        if not hmac.compare_digest(recovered, digest("md5", data) + digest("sha1", data)):
            raise InvalidSignature
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(hashes.SHA1()))
    elif isinstance(key, dsa.DSAPublicKey):
        key.verify(signature, data, hashes.SHA1())


def _version_rfc(version: int, section: str) -> tuple[int, str]:
    """(TLS version whose rules apply, RFC section) for a pre-1.3 ``version``.

    DTLS 1.0 signs like TLS 1.1, DTLS 1.2 like TLS 1.2 (RFC 6347 §4.2); SSL 3.0
    is RFC 6101, TLS 1.0/1.1/1.2 are RFC 2246/4346/5246.
    """
    version = {0xFEFF: 0x0302, 0xFEFD: 0x0303}.get(version, version)
    if version <= 0x0300:
        return version, f"RFC 6101 §{ {'7.4.3': '5.6.3', '7.4.8': '5.6.8'}[section] }"
    rfc = {0x0301: "RFC 2246", 0x0302: "RFC 4346"}.get(version, "RFC 5246")
    return version, f"{rfc} §{section}"


#: The sentences of the checks, filled in with str.format.
_SAY = {
    "ok": "{signer}'s signature ({how}) over {what} verifies with the public key in its "
    "certificate, {key}.",
    "bad": "{signer}'s signature ({how}) over {what} does NOT verify with the public key in its "
    "certificate, {key}: the signature, the signed bytes or the certificate differ from what "
    "the signer used.",
    "misfit": "{signer} claims {how} but its certificate holds {key}: {why}.",
    "unusable": "{signer}'s signature cannot be checked: {why}.",
    "no_scheme": "{signer}'s message names no signature algorithm, so its signature cannot be "
    "checked.",
    "unknown": "{signer} used {how}.",
    "error": "{signer}'s signature ({how}) cannot be checked with {key}: {why}.",
    "pkcs1_13": "The {side} signed with {how}, but RSASSA-PKCS1-v1_5 signatures are not allowed "
    "in a TLS 1.3 CertificateVerify.",
    "old_13": "The {side} signed with {how}, a TLS 1.2 algorithm that TLS 1.3 does not allow.",
    "ssl3_cv": "SSL 3.0 CertificateVerify signs hashes keyed with the master secret (its own "
    "MAC-based construction), which is not checked here.",
    "no_chain": "The peer sent no certificates, so there is no chain to check.",
    "signed": "{Parent} signed {child}: {why}.",
    "not_signed": "{Parent} did not sign {child}: {why}.",
    "unknown_signer": "Whether {parent} signed {child} cannot be checked: {why}.",
    "undecodable": "Certificate {n} does not decode ({why}), so its issuer is unknown.",
    "root": "Certificate {n} ({subject}) is a self-signed root: its own key verifies its "
    "signature, and it is trusted only if the client already has it in its trust store.",
    "fake_root": "Certificate {n} ({subject}) names itself as its issuer, but its own key does "
    "not verify its signature.",
    "ca_elsewhere": "Certificate {n} ({subject}) was issued by {issuer}, a CA not sent in the "
    "handshake (normal: the client has it in its trust store).",
    "fin_none": "No expected verify_data was computed (the keys are unknown), so this Finished "
    "message cannot be checked.",
    "fin_ok": "The received verify_data ({n} bytes) equals the value computed from the handshake "
    "transcript: both sides saw the same handshake and hold the same keys.",
    "fin_bad": "The received verify_data {got} differs from the expected {want}: the handshake "
    "messages or the derived keys differ from what the sender used.",
    "binder_none": "No expected binder was computed (the PSK is unknown), so it cannot be checked.",
    "binder_ok": "The binder ({n} bytes) equals the HMAC computed from the PSK over the "
    "transcript up to the truncated ClientHello: the client holds this PSK.",
    "binder_bad": "The binder {got} differs from the expected {want}: the client used another "
    "PSK, or the ClientHello differs from what it hashed.",
}


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class _Job:
    """Everything one signature check needs: the bytes, and words for its sentence."""

    name: str
    signer: str  # "The server", "The client"
    what: str  # what was signed, in words
    rfc: str
    cert_der: bytes
    signature: bytes
    data: bytes


def _run(job: _Job, scheme: int | None, *, tls13: bool, legacy: bool) -> Check:
    """Check ``job`` with ``scheme`` (or the pre-1.2 rules when ``legacy``); never raises."""
    words: dict[str, Any] = {"signer": job.signer, "what": job.what, "how": "", "key": ""}

    def say(ok: bool | None, key: str, **more: Any) -> Check:
        # the same few sentences in every connection: one copy of each
        return Check(job.name, ok, sys.intern(_SAY[key].format(**(words | more))), job.rfc)

    der = bytes(job.cert_der)
    found = _loaded_key(der)
    if isinstance(found, str):
        return say(None, "unusable", why=found)
    key = found[1]
    words["key"], legacy_how = _key_words(der)
    spec = None if legacy or scheme is None else _SCHEMES.get(scheme)
    if not legacy and scheme is None:
        return say(None, "no_scheme")
    if not legacy and spec is None:
        return say(None, "unknown", how=scheme_description(scheme or 0))
    words["how"] = legacy_how if spec is None else _scheme_text(spec)
    why = _misfit_of(der, spec, tls13)
    if why is not None:
        return say(False, "misfit", why=why)
    try:
        if spec is None:
            _verify_legacy(key, job.signature, job.data)
        else:
            _verify(key, spec, job.signature, job.data)
    except InvalidSignature:
        return say(False, "bad")
    except Exception as err:  # unsupported or malformed: say so, never raise to the UI
        return say(None, "error", why=str(err) or type(err).__name__)
    return say(True, "ok")


def verify_certificate_verify13(
    cert_der: bytes, scheme: int, signature: bytes, transcript_hash: bytes, *, server: bool
) -> Check:
    """TLS 1.3 CertificateVerify (RFC 8446 §4.4.3).

    The signed content is 64 spaces, the context string ``TLS 1.3, server
    CertificateVerify`` (or ``client``), a zero byte and the transcript hash: the
    padding and context keep a TLS 1.3 signature from being replayed as a TLS 1.2
    one or as the other side's.  RSASSA-PKCS1-v1_5 and SHA-1 are not allowed
    (RFC 8446 §4.4.3, §4.2.3); the ``*_legacy`` PKCS#1 codes of
    draft-ietf-tls-tls13-pkcs1 are accepted from clients only.
    """
    side = "server" if server else "client"
    name, rfc = f"{side} CertificateVerify", "RFC 8446 §4.4.3"
    spec = _SCHEMES.get(scheme)
    if spec is not None and (not spec.tls13 or (spec.legacy_pkcs1 and server)):
        which = "pkcs1_13" if spec.kind == "rsa_pkcs1" else "old_13"
        return Check(name, False, _SAY[which].format(side=side, how=_scheme_text(spec)), rfc)
    data = b"\x20" * 64 + f"TLS 1.3, {side} CertificateVerify".encode() + b"\x00"
    what = (
        f"64 spaces, the context string 'TLS 1.3, {side} CertificateVerify', a zero byte and "
        "the transcript hash up to and including its Certificate"
    )
    job = _Job(name, f"The {side}", what, rfc, cert_der, bytes(signature), data + transcript_hash)
    return _run(job, scheme, tls13=True, legacy=False)


def verify_certificate_verify12(
    cert_der: bytes,
    scheme: int | None,
    signature: bytes,
    handshake_messages: bytes,
    *,
    version: int,
) -> Check:
    """The client's CertificateVerify in SSL 3.0-TLS 1.2 (RFC 5246 §7.4.8).

    The client signs every handshake message so far (from ClientHello up to,
    not including, this one) to prove it holds the key of the certificate it sent.
    TLS 1.2 names the algorithm (``scheme``); TLS 1.0/1.1 (RFC 2246/4346 §7.4.8)
    do not, and ``scheme`` is ignored there.  SSL 3.0 (RFC 6101 §5.6.8) signs a
    MAC keyed with the master secret, which this check does not have: ok=None.
    DTLS versions are accepted (RFC 6347 §4.2).
    """
    name, (version, rfc) = "client CertificateVerify", _version_rfc(version, "7.4.8")
    if version <= 0x0300:
        return Check(name, None, _SAY["ssl3_cv"], rfc)
    what, data = "all handshake messages so far", bytes(handshake_messages)
    job = _Job(name, "The client", what, rfc, cert_der, bytes(signature), data)
    return _run(job, scheme, tls13=False, legacy=version < 0x0303)


def verify_server_key_exchange(
    cert_der: bytes,
    scheme: int | None,
    signature: bytes,
    client_random: bytes,
    server_random: bytes,
    params: bytes,
    *,
    version: int,
) -> Check:
    """The signature on ServerKeyExchange (RFC 5246 §7.4.3, RFC 4492/8422 §5.4).

    The server signs ``client_random + server_random + params`` (the encoded
    ServerDHParams or ServerECDHParams): the randoms bind the signature to this
    connection, the params bind the server's key share to its certificate.  TLS
    1.2 names the algorithm; TLS 1.0/1.1 and SSL 3.0 (RFC 6101 §5.6.3) use
    MD5||SHA-1 without DigestInfo for RSA and SHA-1 for DSA/ECDSA (``scheme``
    is ignored there).
    """
    version, rfc = _version_rfc(version, "7.4.3")
    data = bytes(client_random) + bytes(server_random) + bytes(params)
    what = "the two hello randoms and its key exchange parameters"
    job = _Job("ServerKeyExchange signature", "The server", what, rfc, cert_der, signature, data)
    return _run(job, scheme, tls13=False, legacy=version < 0x0303)


def _subject(der: bytes) -> str:
    info = cert_info(der)
    return "an undecodable certificate" if isinstance(info, CertProblem) else info.subject


def verify_chain(ders: Sequence[bytes]) -> list[Check]:
    """Does each certificate sign the one before it, and where does the chain end?

    RFC 8446 §4.4.2 / RFC 5246 §7.4.2: the sender's certificate comes first and
    each following one certifies the one before it; RFC 5280 §6.1.3 (a)(1) is the
    signature check.  The last certificate is either a self-signed root (which
    proves nothing by itself: trust comes from the client's store) or was issued
    by a CA the client is expected to have already.  Never raises.
    """
    rfc = "RFC 5280 §6.1.3"
    if not ders:
        return [Check("certificate chain", None, _SAY["no_chain"], "RFC 8446 §4.4.2")]
    subjects = [_subject(bytes(d)) for d in ders]
    out: list[Check] = []
    for i in range(len(ders) - 1):
        ok, why = verify_signed_by(bytes(ders[i]), bytes(ders[i + 1]))
        which = {True: "signed", False: "not_signed", None: "unknown_signer"}[ok]
        parent = f"certificate {i + 2} ({subjects[i + 1]})"
        text = _SAY[which].format(
            Parent=parent[:1].upper() + parent[1:],
            parent=parent,
            child=f"certificate {i + 1} ({subjects[i]})",
            why=why.removeprefix("cannot check: "),
        )
        out.append(Check(f"certificate {i + 1} signed by certificate {i + 2}", ok, text, rfc))
    n, info = len(ders), cert_info(bytes(ders[-1]))
    if isinstance(info, CertProblem):
        ok, which, extra = None, "undecodable", {"why": info.message}
    elif info.self_signed:  # RFC 5280 §6.1: a trust anchor is trusted by configuration
        ok, which, extra = True, "root", {}
    elif info.subject == info.issuer:
        ok, which, extra = False, "fake_root", {}
    else:
        ok, which, extra = None, "ca_elsewhere", {"issuer": info.issuer}
    text = _SAY[which].format(n=n, subject=subjects[-1], **extra)
    out.append(Check(f"certificate {n} issuer", ok, text, rfc))
    return out


def verify_finished(
    name: str, expected: bytes, received: bytes, rfc: str, *, binder: bool = False
) -> Check:
    """Compare a received Finished verify_data with the value computed from the transcript.

    Finished (RFC 8446 §4.4.4, RFC 5246 §7.4.9) is a MAC over the whole handshake
    under a key only the two endpoints know, so equality proves both saw the same
    messages and derived the same secrets.  A PSK binder (``binder``, RFC 8446
    §4.2.11.2) is computed the same way but proves something else: that the
    client holds the PSK.  The comparison is constant-time
    (``hmac.compare_digest``), as a real endpoint's must be.
    """
    expected, received = bytes(expected), bytes(received)
    kind = "binder" if binder else "fin"
    if not expected:
        return Check(name, None, _SAY[f"{kind}_none"], rfc)
    if hmac.compare_digest(expected, received):
        return Check(name, True, sys.intern(_SAY[f"{kind}_ok"].format(n=len(received))), rfc)
    got = received.hex() or "(empty)"
    return Check(name, False, _SAY[f"{kind}_bad"].format(got=got, want=expected.hex()), rfc)
