"""Key material from files and the command line, with one-sentence errors.

tlsviz can only decrypt what it has keys for.  Besides key logs, a learner
may hold:

* the server's RSA private key, which decrypts the pre-master secret of an RSA
  key exchange (RFC 5246 §7.4.7.1): :func:`load_rsa_keys` reads it from PEM,
  DER or PKCS#12 files, however it was exported;
* the (EC)DHE private keys of one handshake, which some published traces print
  (RFC 8448 §3, The Illustrated TLS Connection): :func:`load_ephemeral_keys`
  reads them and :func:`find_ephemeral` picks the one whose public value is on
  the wire (RFC 8446 §4.2.8, RFC 8422 §5.4);
* an external pre-shared key (RFC 4279, RFC 8446 §4.2.11): :func:`parse_psk`.

Every failure is a :class:`MaterialError` whose text is one plain sentence
naming the file and the problem, fit to print as it is.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from tlsviz.keys.premaster import ECDHE_GROUPS, normalize_group
from tlsviz.keys.x509 import public_key_of

from .ephemeral import EphemeralKey, EphemeralPrivateKey, ephemeral_of, from_scalar

__all__ = [
    "EphemeralKey",
    "EphemeralPrivateKey",
    "MaterialError",
    "find_ephemeral",
    "load_ephemeral_keys",
    "load_rsa_keys",
    "parse_psk",
    "rsa_key_for_certificate",
]

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
#: PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (pkcs7-data) ...} (RFC 7292 §4)
_PKCS7_DATA = bytes.fromhex("06092a864886f70d010701")
_KEYLOG_LABEL = re.compile(rb"^(CLIENT_RANDOM|[A-Z_]+_SECRET(_\d+)?)\s", re.M)


class MaterialError(Exception):
    """Key material that cannot be used; ``str(e)`` is one plain sentence naming the file."""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _read(path: str | os.PathLike[str], name: str) -> bytes:
    """The bytes of ``path``; ``name`` ("key file x.pem") starts each error sentence."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise MaterialError(f"{_cap(name)} does not exist.") from None
    except IsADirectoryError:
        raise MaterialError(f"{_cap(name)} is a directory, not a file.") from None
    except OSError as err:
        raise MaterialError(f"{_cap(name)} cannot be read: {err.strerror or err}.") from None
    if not data.strip():
        raise MaterialError(f"{_cap(name)} is empty.")
    return data


def _password_bytes(password: str | bytes | None) -> bytes | None:
    return password.encode("utf-8") if isinstance(password, str) else password


_Loader: TypeAlias = Callable[[bytes, bytes | None], PrivateKeyTypes]


def _load_one(
    load: _Loader, data: bytes, password: bytes | None, name: str
) -> PrivateKeyTypes | None:
    """One PEM block or DER blob through a ``cryptography`` loader.

    None when it is not a private key at all; :class:`MaterialError` when it is
    one but locked: encrypted without a password, or the password is wrong.
    Trying without a password first tells "encrypted" (TypeError) apart from
    "not a key" (ValueError), which the loaders' messages do not.
    """
    try:
        return load(data, None)
    except TypeError:  # "Password was not given but private key is encrypted"
        if password is None:
            raise MaterialError(
                f"{_cap(name)} is encrypted; give its password with --key-password."
            ) from None
    except Exception:  # not a key, an unsupported algorithm, a parser surprise
        return None
    try:
        return load(data, password)
    except UnsupportedAlgorithm as err:
        raise MaterialError(f"{_cap(name)} uses an encryption tlsviz cannot read: {err}.") from None
    except Exception:  # "Incorrect password, could not decrypt key" and kin
        raise MaterialError(f"Wrong password for {name}.") from None


def _is_pkcs12(data: bytes) -> bool:
    return data[:1] == b"\x30" and b"\x02\x01\x03" in data[:8] and _PKCS7_DATA in data[:40]


def _load_pkcs12(data: bytes, password: bytes | None, name: str) -> list[PrivateKeyTypes]:
    """The key of a PKCS#12 bundle (RFC 7292); the certificates are not needed here."""
    # cryptography says "Invalid password or PKCS12 data" for both; the caller checked the
    # structure, so it is the password.  Unprotected bundles use no or an empty password.
    for attempt in (password,) if password is not None else (None, b""):
        try:
            with warnings.catch_warnings():  # BER bundles (Java keytool) load with a warning
                warnings.simplefilter("ignore")
                key = pkcs12.load_key_and_certificates(data, attempt)[0]
            return [key] if key is not None else []
        except Exception:
            continue
    if password is None:
        raise MaterialError(f"{_cap(name)} is encrypted; give its password with --key-password.")
    raise MaterialError(f"Wrong password for {name}.")


def _private_keys(data: bytes, password: bytes | None, name: str) -> list[PrivateKeyTypes]:
    """Every private key in ``data``: PEM blocks, a DER key or a PKCS#12 bundle."""
    if b"-----BEGIN" in data:
        keys: list[PrivateKeyTypes] = []
        for match in _PEM.finditer(data):
            if b"PRIVATE KEY" in match.group(1):  # skip certificates, public keys, parameters
                key = _load_one(serialization.load_pem_private_key, match.group(0), password, name)
                keys += [key] if key is not None else []
        return keys
    key = _load_one(serialization.load_der_private_key, data, password, name)
    if key is not None:
        return [key]
    return _load_pkcs12(data, password, name) if _is_pkcs12(data) else []


def _kind(key: PrivateKeyTypes) -> str:
    return type(key).__name__.removesuffix("PrivateKey").removeprefix("EllipticCurve") or "EC"


def load_rsa_keys(
    path: str | os.PathLike[str], password: str | bytes | None = None
) -> list[rsa.RSAPrivateKey]:
    """Every RSA private key in a file (for RSA key exchange, RFC 5246 §7.4.7.1).

    Reads PEM (PKCS#1 ``RSA PRIVATE KEY``, PKCS#8 ``PRIVATE KEY``, encrypted
    ``ENCRYPTED PRIVATE KEY``, also mixed with certificates), DER (PKCS#1 or
    PKCS#8) and PKCS#12 (.p12/.pfx).  Keys of other types cannot decrypt a
    pre-master secret and are left out; when no RSA key remains the error says
    what was found.  The same key twice is returned once.
    """
    name = f"key file {os.fspath(path)}"
    data = _read(path, name)
    try:
        found = _private_keys(data, _password_bytes(password), name)
    except MaterialError:
        raise
    except Exception as err:  # never let a parser surprise escape as anything else
        raise MaterialError(f"{_cap(name)} cannot be read as a key: {err}.") from None
    out: list[rsa.RSAPrivateKey] = []
    for key in found:
        if isinstance(key, rsa.RSAPrivateKey) and all(
            k.private_numbers() != key.private_numbers() for k in out
        ):
            out.append(key)
    if out:
        return out
    if found:
        kinds = ", ".join(sorted({_kind(k) for k in found}))
        raise MaterialError(
            f"{_cap(name)} holds no RSA private key (only {kinds}), and only an RSA key can "
            "decrypt an RSA key exchange."
        )
    _not_a_key(data, name)
    raise MaterialError(
        f"{_cap(name)} holds no private key (it should be PEM, DER or PKCS#12 with the "
        "server's key)."
    )


def _not_a_key(data: bytes, name: str) -> None:
    """Name the usual mix-ups: a key log or a certificate given as a key file."""
    if _KEYLOG_LABEL.search(data):
        raise MaterialError(f"{_cap(name)} looks like a key log file; give it with --keylog.")
    if b"CERTIFICATE-----" in data or b"PUBLIC KEY-----" in data:
        raise MaterialError(
            f"{_cap(name)} holds certificates or public keys but no private key; the private key "
            "is usually a separate .key file."
        )


def _hex(text: str) -> bytes | str:
    """Bytes of a hex string (optional 0x, colons, spaces), or why it is not hex."""
    cleaned = re.sub(r"[\s:]", "", text)
    cleaned = cleaned[2:] if cleaned[:2].lower() == "0x" else cleaned
    bad = re.search(r"[^0-9a-fA-F]", cleaned)
    if not cleaned:
        return "it is empty"
    if bad:
        return f"{bad.group(0)!r} is not a hex digit"
    if len(cleaned) % 2:
        return f"it has an odd number ({len(cleaned)}) of hex digits"
    return bytes.fromhex(cleaned)


def _hex_lines(text: str, name: str) -> list[EphemeralKey]:
    """``[group:]hex`` lines; an unprefixed 32-byte value is X25519, 56 bytes X448."""
    out: list[EphemeralKey] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"line {number} of {name}"
        group, value = None, line
        prefix = re.match(r"([A-Za-z][\w-]*)\s*[:=]\s*(.*)$", line)
        if prefix and not re.fullmatch(r"[0-9a-fA-F]+", prefix.group(1)):
            try:
                group = normalize_group(prefix.group(1))
            except ValueError:
                raise MaterialError(
                    f"The group {prefix.group(1)!r} on {where} is not one of "
                    f"{', '.join(ECDHE_GROUPS)}."
                ) from None
            value = prefix.group(2)
        raw = _hex(value)
        if isinstance(raw, str):
            raise MaterialError(f"The key on {where} is not hex: {raw}.")
        group = group or {32: "x25519", 56: "x448"}.get(len(raw))
        if group is None:
            raise MaterialError(
                f"The {len(raw)}-byte key on {where} needs a group prefix such as secp256r1:."
            )
        try:
            key = ephemeral_of(from_scalar(group, raw), where)
        except ValueError as err:
            raise MaterialError(f"The key on {where} is not a valid {group} key: {err}.") from None
        out += [key] if key is not None else []
    if not out:
        raise MaterialError(f"{_cap(name)} holds no key, only blank or comment lines.")
    return out


def load_ephemeral_keys(path: str | os.PathLike[str]) -> list[EphemeralKey]:
    """The (EC)DHE private keys in a file, for handshakes whose ephemeral keys are published.

    Accepts PEM or DER private keys (PKCS#8 X25519/X448, PKCS#8 or SEC1 EC on
    P-256/P-384/P-521, the groups of RFC 8446 §4.2.7) and text files with one
    hex private key per line, optionally prefixed ``x25519:``/``secp256r1:``…
    (``#`` starts a comment).  Raises :class:`MaterialError` for anything else.
    """
    name = f"ephemeral key file {os.fspath(path)}"
    data = _read(path, name)
    try:
        found = _private_keys(data, None, name)
    except MaterialError as err:
        if "encrypted" in str(err):
            raise MaterialError(
                f"{_cap(name)} is encrypted; write it out unencrypted first "
                f"(openssl pkey -in {os.fspath(path)} -out plain.pem)."
            ) from None
        raise
    keys = [k for k in (ephemeral_of(key, name) for key in found) if k is not None]
    if keys:
        return keys
    if found:
        kinds = ", ".join(sorted({_kind(k) for k in found}))
        raise MaterialError(
            f"{_cap(name)} holds no X25519, X448 or P-256/384/521 private key (only {kinds})."
        )
    from .peer_secrets import looks_like_peer_secrets, parse_peer_secrets

    if looks_like_peer_secrets(data.decode("utf-8", "replace")):
        # what `tlsviz record --secrets-out` writes (tlsviz.keys.peer_secrets)
        peer = parse_peer_secrets(data.decode("utf-8", "replace"), name)
        if peer.problems:
            raise MaterialError(f"{_cap(name)}: {peer.problems[0]}.")
        if not peer.ephemeral:
            raise MaterialError(f"{_cap(name)} holds no EPHEMERAL_KEY line.")
        return peer.ephemeral
    _not_a_key(data, name)
    if b"-----BEGIN" in data:
        raise MaterialError(f"{_cap(name)} holds no private key that can be read.")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise MaterialError(
            f"{_cap(name)} is neither a PEM/DER private key nor hex text."
        ) from None
    return _hex_lines(text, name)


def find_ephemeral(
    keys: Sequence[EphemeralKey], group: int | str | None, public: bytes
) -> EphemeralKey | None:
    """The key whose public value is ``public`` (a key_share or ECDH point on the wire).

    ``group`` is a NamedGroup code or name (None: any).  A compressed NIST point
    (RFC 8422 §5.4.1 still allows one in TLS 1.2) matches its key as well.
    """
    try:
        wanted = None if group is None else normalize_group(group)
    except ValueError:
        return None
    public = bytes(public)
    for key in keys:
        if wanted is not None and key.group != wanted:
            continue
        if key.public == public:
            return key
        if isinstance(key.private, ec.EllipticCurvePrivateKey) and public[:1] in (b"\2", b"\3"):
            compressed = key.private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
            if compressed == public:
                return key
    return None


def rsa_key_for_certificate(
    keys: Sequence[rsa.RSAPrivateKey], cert_der: bytes
) -> rsa.RSAPrivateKey | None:
    """The key whose public half (n, e) is the certificate's (RFC 5280 §4.1.2.7), if any."""
    public = public_key_of(cert_der)
    if not isinstance(public, rsa.RSAPublicKey):
        return None
    numbers = public.public_numbers()
    return next((k for k in keys if k.public_key().public_numbers() == numbers), None)


def parse_psk(text: str) -> bytes:
    """A PSK from the command line: hex (``0x``, colons and spaces allowed) or ``@FILE``.

    RFC 4279 §5.4 and RFC 8446 §4.2.11 treat the PSK as opaque bytes; people
    write it in hex, so that is what is accepted.  ``@FILE`` reads the hex from a
    file (``#`` comments allowed).
    """
    source = "The PSK"
    if text.strip().startswith("@"):
        path = text.strip()[1:]
        content = _read(path, f"PSK file {path}").decode("utf-8", "replace")
        text = "\n".join(line.split("#", 1)[0] for line in content.splitlines())
        source = f"The PSK in {path}"
    raw = _hex(text)
    if isinstance(raw, str):
        raise MaterialError(f"{source} is not hex: {raw}.")
    return raw
