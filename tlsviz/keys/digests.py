"""Hash and HMAC helpers shared by the key-derivation and record modules.

TLS names its hashes in several spellings: cipher-suite names say ``SHA`` for
SHA-1 and ``SHA256``/``SHA384`` for the SHA-2 family, the PRF and HKDF code
here says ``sha256``/``sha384``.  :func:`normalize_hash_name` maps all of them
to one lowercase spelling so that the rest of the package never has to care.
Every digest goes through the ``cryptography`` package.
"""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac

__all__ = [
    "digest",
    "hash_algorithm",
    "hash_len",
    "hmac_digest",
    "normalize_hash_name",
]

_ALIASES: dict[str, str] = {
    "md5": "md5",
    "sha": "sha1",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
}

_LENGTHS: dict[str, int] = {
    "md5": 16,
    "sha1": 20,
    "sha224": 28,
    "sha256": 32,
    "sha384": 48,
    "sha512": 64,
}


@functools.lru_cache(maxsize=64)
def normalize_hash_name(name: str) -> str:
    """Return the canonical lowercase name (``"SHA"`` → ``"sha1"``).

    Raises :class:`ValueError` for a hash this package does not know; that is a
    programming or configuration error, not a property of captured traffic.
    """
    key = name.strip().lower().replace("-", "").replace("_", "")
    key = key.removeprefix("hmac")
    canonical = _ALIASES.get(key)
    if canonical is None:
        raise ValueError(f"unsupported hash {name!r}")
    return canonical


@functools.lru_cache(maxsize=64)
def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """The ``cryptography`` hash object for ``name`` (any accepted spelling)."""
    canonical = normalize_hash_name(name)
    if canonical == "md5":
        return hashes.MD5()
    if canonical == "sha1":
        return hashes.SHA1()
    if canonical == "sha224":
        return hashes.SHA224()
    if canonical == "sha256":
        return hashes.SHA256()
    if canonical == "sha384":
        return hashes.SHA384()
    return hashes.SHA512()


def hash_len(name: str) -> int:
    """Output length in bytes of the hash ``name``."""
    return _LENGTHS[normalize_hash_name(name)]


@functools.lru_cache(maxsize=64)
def _fresh(name: str) -> hashes.Hash:
    """A hash context that never takes data: copied for each digest (a copy
    costs half of a new context, which looks the algorithm up in OpenSSL)."""
    return hashes.Hash(hash_algorithm(name))


def digest(name: str, data: bytes) -> bytes:
    """One-shot hash of ``data``."""
    h = _fresh(name).copy()
    h.update(data)
    return h.finalize()


@functools.lru_cache(maxsize=256)
def _keyed(name: str, key: bytes) -> _hmac.HMAC:
    """An HMAC context holding ``key`` and no data, copied for each MAC: most
    keys serve several (the TLS 1.2 PRF's master secret keys a dozen, each
    TLS 1.3 traffic secret a key, an IV and a finished key; a record MAC key
    every record), and a copy costs a third of a new context."""
    return _hmac.HMAC(key, hash_algorithm(name))


def hmac_digest(name: str, key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) of ``data`` under ``key`` with the hash ``name``."""
    # (a bytearray or a view cannot be a cache key)
    mac = _keyed(name, key).copy() if type(key) is bytes else _hmac.HMAC(key, hash_algorithm(name))
    mac.update(data)
    return mac.finalize()
