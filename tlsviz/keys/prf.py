"""Key derivation of SSL 3.0 and TLS 1.0-1.2: the PRF and what is built on it.

Before TLS 1.3 every secret comes from one pseudorandom function (PRF) that
stretches a secret with a label and a seed.  Its definition changed twice:

* SSL 3.0 (RFC 6101 §6) nests MD5 around SHA-1 with salts 'A', 'BB', 'CCC'…
* TLS 1.0/1.1 (RFC 2246 §5, RFC 4346 §5) XORs P_MD5 and P_SHA1, each keyed
  with one half of the secret, so a break of one hash does not break the PRF.
* TLS 1.2 (RFC 5246 §5) uses one P_hash, normally SHA-256 or the suite's hash.

Protocol versions are the wire values: 0x0300 SSL 3.0, 0x0301 TLS 1.0, 0x0302
TLS 1.1, 0x0303 TLS 1.2; DTLS 1.0 (0xfeff, and OpenSSL's old 0x0100) derives
like TLS 1.1 and DTLS 1.2 (0xfefd) like TLS 1.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .digests import digest, hmac_digest

__all__ = [
    "KeyBlock",
    "extended_master_secret",
    "finished_verify_data",
    "key_block",
    "key_block_length",
    "master_secret",
    "p_hash",
    "prf",
    "prf_family",
    "prf_tls10",
    "prf_tls12",
    "session_hash",
    "split_key_block",
    "ssl3_finished",
    "ssl3_key_block",
    "ssl3_master_secret",
]

PrfFamily = Literal["ssl3", "tls10", "tls12"]

_SSL3_PAD1 = 0x36
_SSL3_PAD2 = 0x5C
_SSL3_SENDERS = {"client": b"CLNT", "server": b"SRVR"}
_FINISHED_LABELS = {"client": b"client finished", "server": b"server finished"}


def prf_family(version: int) -> PrfFamily:
    """Which PRF a protocol version uses (``ValueError`` for TLS 1.3 and unknown)."""
    if version == 0x0300:
        return "ssl3"
    if version in (0x0301, 0x0302, 0xFEFF, 0x0100):
        return "tls10"
    if version in (0x0303, 0xFEFD):
        return "tls12"
    raise ValueError(f"no PRF for version 0x{version:04x}")


def _label(label: str | bytes) -> bytes:
    return label.encode("ascii") if isinstance(label, str) else bytes(label)


def p_hash(hash_name: str, secret: bytes, seed: bytes, length: int) -> bytes:
    """P_hash(secret, seed), the data expansion function of RFC 5246 §5.

    A(0) = seed, A(i) = HMAC_hash(secret, A(i-1)), and the output is
    HMAC_hash(secret, A(1) + seed) + HMAC_hash(secret, A(2) + seed) + …
    truncated to ``length``.
    """
    out = bytearray()
    a = seed
    while len(out) < length:
        a = hmac_digest(hash_name, secret, a)
        out += hmac_digest(hash_name, secret, a + seed)
    return bytes(out[:length])


def prf_tls12(hash_name: str, secret: bytes, label: str | bytes, seed: bytes, length: int) -> bytes:
    """PRF(secret, label, seed) = P_<hash>(secret, label + seed), RFC 5246 §5."""
    return p_hash(hash_name, secret, _label(label) + seed, length)


def prf_tls10(secret: bytes, label: str | bytes, seed: bytes, length: int) -> bytes:
    """TLS 1.0/1.1 PRF = P_MD5(S1, label + seed) XOR P_SHA-1(S2, label + seed).

    RFC 2246 §5: S1 is the first and S2 the last ceil(len/2) bytes of the
    secret; for an odd length they share the middle byte.
    """
    half = (len(secret) + 1) // 2
    s1, s2 = secret[:half], secret[len(secret) - half :]
    full_seed = _label(label) + seed
    md5 = p_hash("md5", s1, full_seed, length)
    sha = p_hash("sha1", s2, full_seed, length)
    return bytes(x ^ y for x, y in zip(md5, sha, strict=True))


def prf(
    version: int, prf_hash: str, secret: bytes, label: str | bytes, seed: bytes, length: int
) -> bytes:
    """The PRF of ``version`` (TLS 1.0-1.2; SSL 3.0 has no labelled PRF)."""
    family = prf_family(version)
    if family == "tls12":
        return prf_tls12(prf_hash, secret, label, seed, length)
    if family == "tls10":
        return prf_tls10(secret, label, seed, length)
    raise ValueError("SSL 3.0 has no labelled PRF; use ssl3_master_secret/ssl3_key_block")


def _ssl3_expand(secret: bytes, seed: bytes, length: int) -> bytes:
    """MD5(secret + SHA(salt + secret + seed)) for salt = 'A', 'BB', 'CCC', …"""
    out = bytearray()
    i = 0
    while len(out) < length:
        salt = bytes([ord("A") + i]) * (i + 1)
        out += digest("md5", secret + digest("sha1", salt + secret + seed))
        i += 1
    return bytes(out[:length])


def ssl3_master_secret(pre_master: bytes, client_random: bytes, server_random: bytes) -> bytes:
    """SSL 3.0 master secret (RFC 6101 §6.1): three MD5/SHA rounds, 48 bytes."""
    return _ssl3_expand(pre_master, client_random + server_random, 48)


def ssl3_key_block(master: bytes, server_random: bytes, client_random: bytes, length: int) -> bytes:
    """SSL 3.0 key block (RFC 6101 §6.2.2); note server random comes first."""
    return _ssl3_expand(master, server_random + client_random, length)


def master_secret(
    version: int, prf_hash: str, pre_master: bytes, client_random: bytes, server_random: bytes
) -> bytes:
    """master_secret = PRF(pre_master, "master secret", client_random + server_random)[0..47].

    RFC 5246 §8.1 (RFC 2246/4346 §8.1 for TLS 1.0/1.1; RFC 6101 §6.1 for SSL 3.0).
    """
    if prf_family(version) == "ssl3":
        return ssl3_master_secret(pre_master, client_random, server_random)
    return prf(version, prf_hash, pre_master, b"master secret", client_random + server_random, 48)


def session_hash(version: int, prf_hash: str, handshake_messages: bytes) -> bytes:
    """The RFC 7627 §3 session hash: the Finished hash over ClientHello..ClientKeyExchange.

    TLS 1.2 uses the PRF hash; TLS 1.0/1.1 use MD5(m) + SHA-1(m).
    """
    if prf_family(version) == "tls12":
        return digest(prf_hash, handshake_messages)
    return digest("md5", handshake_messages) + digest("sha1", handshake_messages)


def extended_master_secret(
    version: int, prf_hash: str, pre_master: bytes, session_hash_value: bytes
) -> bytes:
    """master_secret = PRF(pre_master, "extended master secret", session_hash)[0..47].

    RFC 7627 §4: binding the master secret to the whole handshake defeats the
    triple-handshake attack.
    """
    return prf(version, prf_hash, pre_master, b"extended master secret", session_hash_value, 48)


def key_block(
    version: int,
    prf_hash: str,
    master: bytes,
    client_random: bytes,
    server_random: bytes,
    length: int,
) -> bytes:
    """key_block = PRF(master, "key expansion", server_random + client_random).

    RFC 5246 §6.3: the randoms are in the opposite order from the master
    secret derivation.
    """
    if prf_family(version) == "ssl3":
        return ssl3_key_block(master, server_random, client_random, length)
    return prf(version, prf_hash, master, b"key expansion", server_random + client_random, length)


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class KeyBlock:
    """The key block cut into its six parts, in RFC 5246 §6.3 order."""

    client_write_mac_key: bytes
    server_write_mac_key: bytes
    client_write_key: bytes
    server_write_key: bytes
    client_write_iv: bytes
    server_write_iv: bytes


def key_block_length(mac_len: int, key_len: int, iv_len: int) -> int:
    """Bytes of key block needed: two MAC keys, two keys, two IVs."""
    return 2 * (mac_len + key_len + iv_len)


def split_key_block(block: bytes, mac_len: int, key_len: int, iv_len: int) -> KeyBlock:
    """Cut a key block (RFC 5246 §6.3).

    For AEAD suites ``mac_len`` is 0 and ``iv_len`` is the implicit part of the
    nonce: 4 bytes for GCM/CCM (RFC 5288 §3, RFC 6655 §3), 12 for
    ChaCha20-Poly1305 (RFC 7905 §2).  For CBC suites of TLS 1.1+ the IVs are
    cut but unused, since each record carries its own.
    """
    if len(block) < key_block_length(mac_len, key_len, iv_len):
        raise ValueError("key block too short")
    parts = []
    offset = 0
    for size in (mac_len, mac_len, key_len, key_len, iv_len, iv_len):
        parts.append(block[offset : offset + size])
        offset += size
    return KeyBlock(*parts)


def ssl3_finished(master: bytes, sender: str, handshake_messages: bytes) -> bytes:
    """SSL 3.0 Finished (RFC 6101 §5.6.9): md5_hash + sha_hash, 36 bytes.

    hash(master + pad2 + hash(handshake_messages + Sender + master + pad1)),
    with Sender 'CLNT' or 'SRVR' and pads of 48 (MD5) or 40 (SHA) bytes.
    """
    code = _SSL3_SENDERS[sender]
    out = b""
    for name, pad_len in (("md5", 48), ("sha1", 40)):
        inner = digest(name, handshake_messages + code + master + bytes([_SSL3_PAD1]) * pad_len)
        out += digest(name, master + bytes([_SSL3_PAD2]) * pad_len + inner)
    return out


def finished_verify_data(
    version: int,
    prf_hash: str,
    master: bytes,
    sender: str,
    handshake_messages: bytes,
    *,
    length: int = 12,
) -> bytes:
    """verify_data of a Finished message for ``sender`` ("client" or "server").

    TLS 1.2 (RFC 5246 §7.4.9): PRF(master, finished_label, Hash(messages))[0..11];
    TLS 1.0/1.1 (RFC 2246 §7.4.9): the hash is MD5(messages) + SHA-1(messages);
    SSL 3.0: see :func:`ssl3_finished` (36 bytes, ``length`` ignored).
    """
    family = prf_family(version)
    if family == "ssl3":
        return ssl3_finished(master, sender, handshake_messages)
    seed = session_hash(version, prf_hash, handshake_messages)
    return prf(version, prf_hash, master, _FINISHED_LABELS[sender], seed, length)
