"""The SSL 3.0 / TLS 1.0-1.2 key schedule, recorded step by step.

The older schedule is short: a pre-master secret (from RSA, (EC)DHE or a PSK)
becomes a 48-byte master secret through the PRF, and the master secret is
stretched into a key block that is cut into MAC keys, cipher keys and IVs.
:class:`KeySchedule12` records each of these as a
:class:`~tlsviz.keys.steps.Step`, so the master secret can be shown next to the
key log's ``CLIENT_RANDOM`` line.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from . import prf as _prf
from .premaster import (
    RsaPremaster,
    dhe_shared_secret,
    ecdhe_shared_secret,
    psk_premaster,
    rsa_decrypt_premaster,
)
from .steps import StepRecorder
from .suites import SuiteLike

__all__ = ["KeySchedule12"]

_EMS_EXPLAIN = (
    "With extended_master_secret negotiated the master secret is the PRF of the pre-master "
    "secret, the label 'extended master secret' and the session hash (the hash of every "
    "handshake message from ClientHello up to and including ClientKeyExchange) instead of "
    "the two randoms: this defeats the triple-handshake attack."
)

_VERSION_NAMES = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2"}
# Where each computation is defined.  TLS 1.0 and 1.1 share the PRF, but each has its
# own RFC (2246, 4346; DTLS 1.0 derives as TLS 1.1 does); the section numbers agree.
_RFC_SECTIONS = {
    "master": {"ssl3": "RFC 6101 §6.1", "tls12": "§8.1"},
    "key_block": {"ssl3": "RFC 6101 §6.2.2", "tls12": "§6.3"},
    "finished": {"ssl3": "RFC 6101 §5.6.9", "tls12": "§7.4.9"},
    "rsa": {"ssl3": "RFC 6101 §5.6.7.1", "tls12": "§7.4.7.1"},
}
_TLS_RFCS = {0x0301: "RFC 2246", 0x0302: "RFC 4346", 0xFEFF: "RFC 4346", 0x0100: "RFC 4346"}

#: What the inputs of the schedule are, in words.
_INPUTS = {
    "client_random": "The 32-byte random of the ClientHello.",
    "server_random": "The 32-byte random of the ServerHello.",
    "peer_key_share": "The peer's ephemeral ECDH public key, as it crossed the wire.",
    "encrypted": "The encrypted pre-master secret, as the ClientKeyExchange carried it.",
    "psk": "The pre-shared key given to tlsviz.",
    "other_secret": "The secret the key exchange added to the PSK.",
    "session_hash": "The session hash: the hash of every handshake message from ClientHello up "
    "to and including ClientKeyExchange (RFC 7627 §3; MD5 and SHA-1 side by side before TLS "
    "1.2).",
}

#: What each slice of the key block is for (RFC 5246 §6.3).
_SLICES = {
    "client_write_mac_key": "The key of the HMAC on every record the client sends.",
    "server_write_mac_key": "The key of the HMAC on every record the server sends.",
    "client_write_key": "The cipher key of the records the client sends.",
    "server_write_key": "The cipher key of the records the server sends.",
    "client_write_iv": "",
    "server_write_iv": "",
}


class KeySchedule12(StepRecorder):
    """Derive and record the secrets of one SSL 3.0 - TLS 1.2 connection.

    ``version`` is the negotiated wire version; ``prf_hash`` the suite's PRF
    hash (only used by TLS 1.2: ``sha256`` unless the suite says ``sha384``).
    """

    def __init__(self, version: int = 0x0303, prf_hash: str = "sha256") -> None:
        super().__init__()
        self.version = version
        self.prf_hash = prf_hash
        self.family = _prf.prf_family(version)
        self.pre_master: bytes | None = None
        self.master: bytes | None = None

    def _rfc(self, what: str) -> str:
        """The section defining ``what`` in the RFC of this version."""
        if self.family == "ssl3":
            return _RFC_SECTIONS[what]["ssl3"]
        return f"{_TLS_RFCS.get(self.version, 'RFC 5246')} {_RFC_SECTIONS[what]['tls12']}"

    @property
    def explicit_iv(self) -> bool:
        """Does each CBC record carry its own IV?  From TLS 1.1 on (RFC 4346 §6.2.3.2)."""
        return self.version not in (0x0300, 0x0301)

    @property
    def _prf_op(self) -> str:
        return "SSL3-KDF" if self.family == "ssl3" else "PRF"

    # -- pre-master secret -------------------------------------------------

    def pre_master_secret(
        self,
        value: bytes,
        *,
        operation: str = "Input",
        inputs: tuple[str, ...] = (),
        rfc: str = "",
        keylog_label: str | None = None,
        context: bytes | None = None,
        explain: str = "The pre-master secret both sides agreed on.",
    ) -> bytes:
        """Record a pre-master secret obtained elsewhere (e.g. a key log)."""
        self.pre_master = self._record(
            "pre_master_secret",
            operation,
            value,
            inputs,
            rfc=rfc,
            keylog_label=keylog_label,
            context=context,
            explain=explain,
        )
        return value

    def ecdhe(
        self, group: str | int, private_key: bytes | PrivateKeyTypes, peer_public: bytes
    ) -> bytes:
        """Pre-master = ECDH(own private key, peer share) (RFC 8422 §5.10)."""
        value = ecdhe_shared_secret(group, private_key, peer_public)
        self._input("peer_key_share", peer_public, explain=_INPUTS["peer_key_share"])
        return self.pre_master_secret(
            value,
            operation="ECDHE",
            inputs=("private_key", "peer_key_share"),
            rfc="RFC 8422 §5.10",
            explain="Both sides combine their private key with the other's public key and "
            "reach the same value, which never crosses the wire.",
        )

    def dhe(
        self, p: int | bytes, g: int | bytes, private_value: int | bytes, peer_public: int | bytes
    ) -> bytes:
        """Pre-master = g^xy mod p with leading zero bytes stripped (RFC 5246 §8.1.2)."""
        value = dhe_shared_secret(p, g, private_value, peer_public, strip_leading_zeros=True)
        return self.pre_master_secret(
            value,
            operation="DHE",
            inputs=("dh_p", "dh_g", "private_key", "peer_public"),
            rfc="RFC 5246 §8.1.2",
            explain="Finite-field Diffie-Hellman: the peer's public value raised to the own "
            "private exponent, modulo p; TLS 1.0-1.2 drop the leading zero bytes of the result.",
        )

    def rsa(
        self,
        private_key: rsa.RSAPrivateKey | bytes,
        encrypted_pms: bytes,
        *,
        expected_version: int | None = None,
    ) -> RsaPremaster:
        """Pre-master = RSA-decrypt(ClientKeyExchange) (RFC 5246 §7.4.7.1).

        On failure nothing is recorded and the result says why.
        """
        result = rsa_decrypt_premaster(
            private_key, encrypted_pms, expected_version=expected_version
        )
        if result.premaster is not None and result.ok:
            self._input("encrypted_pre_master", encrypted_pms, explain=_INPUTS["encrypted"])
            self.pre_master_secret(
                result.premaster,
                operation="RSA-Decrypt",
                inputs=("server_private_key", "encrypted_pre_master"),
                rfc=self._rfc("rsa"),
                keylog_label="RSA",
                context=encrypted_pms[:8],
                explain="48 bytes the client made: its offered version (ClientHello.client_version"
                f", here 0x{result.premaster[:2].hex()}) then 46 random bytes, encrypted to the "
                "server's RSA key. The version defeats rollback; whoever holds the key can read "
                "the secret, even years later.",
            )
        return result

    def psk(self, psk: bytes, other_secret: bytes | None = None, *, kx: str = "PSK") -> bytes:
        """Pre-master for (DHE-/ECDHE-/RSA-)PSK suites (RFC 4279 §2-§4, RFC 5489).

        ``kx`` names the key exchange (``PSK``, ``DHE_PSK``, ``RSA_PSK``,
        ``ECDHE_PSK``) so that the step cites the section defining its other_secret.
        """
        self._input("psk", psk, explain=_INPUTS["psk"])
        inputs = ("psk",) if other_secret is None else ("other_secret", "psk")
        if other_secret is not None:
            self._input("other_secret", other_secret, explain=_INPUTS["other_secret"])
        rfc = {"DHE_PSK": "RFC 4279 §3", "RSA_PSK": "RFC 4279 §4", "ECDHE_PSK": "RFC 5489 §2"}
        other = {
            "DHE_PSK": "the Diffie-Hellman result",
            "RSA_PSK": "the 48-byte secret the client encrypted to the server's RSA key",
            "ECDHE_PSK": "the ECDH result",
        }
        what = (
            "as many zero bytes as the PSK is long"
            if other_secret is None
            else other.get(kx, "the key exchange result")
        )
        return self.pre_master_secret(
            psk_premaster(psk, other_secret),
            operation="PSK-Premaster",
            inputs=inputs,
            rfc="RFC 4279 §2" if other_secret is None else rfc.get(kx, "RFC 4279 §3"),
            explain=f"The length-prefixed other_secret ({what}) followed by the "
            "length-prefixed PSK.",
        )

    # -- master secret and keys --------------------------------------------

    def master_secret(self, pre_master: bytes, client_random: bytes, server_random: bytes) -> bytes:
        """master_secret = PRF(pre_master, "master secret", client_random + server_random)."""
        self._input("client_random", client_random, explain=_INPUTS["client_random"])
        self._input("server_random", server_random, explain=_INPUTS["server_random"])
        pms_name = "pre_master_secret"
        if self.value(pms_name) != pre_master:
            self.pre_master_secret(pre_master)
        self.master = self._record(
            "master_secret",
            self._prf_op,
            _prf.master_secret(
                self.version, self.prf_hash, pre_master, client_random, server_random
            ),
            (pms_name, "client_random", "server_random"),
            label=None if self.family == "ssl3" else "master secret",
            context=client_random + server_random,
            rfc=self._rfc("master"),
            keylog_label="CLIENT_RANDOM",
            explain="The pre-master secret stretched with both randoms, so every connection "
            "gets a fresh master secret.",
        )
        return self.master

    def extended_master_secret(self, pre_master: bytes, session_hash_value: bytes) -> bytes:
        """master_secret = PRF(pre_master, "extended master secret", session_hash) (RFC 7627 §4)."""
        self._input(
            "transcript_hash:ClientHello..ClientKeyExchange",
            session_hash_value,
            operation="Transcript-Hash",
            explain=_INPUTS["session_hash"],
        )
        if self.value("pre_master_secret") != pre_master:
            self.pre_master_secret(pre_master)
        self.master = self._record(
            "master_secret",
            "PRF",
            _prf.extended_master_secret(
                self.version, self.prf_hash, pre_master, session_hash_value
            ),
            ("pre_master_secret", "transcript_hash:ClientHello..ClientKeyExchange"),
            label="extended master secret",
            context=session_hash_value,
            rfc="RFC 7627 §4",
            keylog_label="CLIENT_RANDOM",
            explain=_EMS_EXPLAIN,
        )
        return self.master

    def key_block(
        self,
        master: bytes,
        client_random: bytes,
        server_random: bytes,
        mac_len: int,
        key_len: int,
        iv_len: int,
    ) -> _prf.KeyBlock:
        """key_block = PRF(master, "key expansion", server_random + client_random), then cut.

        RFC 5246 §6.3; ``iv_len`` is the CBC block size (used by SSL 3.0/TLS 1.0
        as the first IV), the implicit AEAD salt (4) or ChaCha20's 12-byte IV.
        :meth:`key_block_for_suite` passes 0 for CBC from TLS 1.1 on, whose key
        block holds no IV.
        """
        if self.value("master_secret") != master:
            self._input("master_secret", master, explain="The master secret from the key log.")
        self._input("client_random", client_random, explain=_INPUTS["client_random"])
        self._input("server_random", server_random, explain=_INPUTS["server_random"])
        length = _prf.key_block_length(mac_len, key_len, iv_len)
        block = self._record(
            "key_block",
            self._prf_op,
            _prf.key_block(
                self.version, self.prf_hash, master, client_random, server_random, length
            ),
            ("master_secret", "server_random", "client_random"),
            label=None if self.family == "ssl3" else "key expansion",
            context=server_random + client_random,
            rfc=self._rfc("key_block"),
            explain="As many pseudorandom bytes as the cipher suite needs, cut in a fixed order "
            "into MAC keys, cipher keys and (for SSL 3.0/TLS 1.0 CBC and the AEAD ciphers) IVs.",
        )
        parts = _prf.split_key_block(block, mac_len, key_len, iv_len)
        for name in (
            "client_write_mac_key",
            "server_write_mac_key",
            "client_write_key",
            "server_write_key",
            "client_write_iv",
            "server_write_iv",
        ):
            value: bytes = getattr(parts, name)
            if value:
                self._record(
                    name,
                    "Split",
                    value,
                    ("key_block",),
                    rfc=self._iv_rfc(iv_len) if name.endswith("_iv") else self._rfc("key_block"),
                    explain=_SLICES[name] or self._iv_explain(name, iv_len),
                )
        return parts

    def _iv_rfc(self, iv_len: int) -> str:
        if iv_len == 4:
            return "RFC 5288 §3"
        if iv_len == 12 and self.explicit_iv:
            return "RFC 7905 §2"
        return self._rfc("key_block")

    def _iv_explain(self, name: str, iv_len: int) -> str:
        side = name.split("_", 1)[0]
        if iv_len == 4:
            return (
                f"The implicit, secret part (salt) of the {side}'s AEAD nonce; each record "
                "sends the other 8 bytes (RFC 5288 §3, RFC 6655 §3)."
            )
        if iv_len == 12 and self.explicit_iv:
            return (
                f"The {side}'s 12-byte nonce base, combined (XOR) with each record's sequence "
                "number (RFC 7905 §2)."
            )
        return (
            f"The IV of the {side}'s first CBC record; every later record uses the last "
            "ciphertext block of the one before it."
        )

    def key_block_for_suite(
        self, master: bytes, client_random: bytes, server_random: bytes, suite: SuiteLike
    ) -> _prf.KeyBlock:
        """:meth:`key_block` with the sizes of a registry ``SuiteInfo`` (or alike).

        From TLS 1.1 on a CBC record carries its own IV, so the key block holds
        none (RFC 4346 §6.3; RFC 5246 §6.3 takes IVs only for AEAD ciphers with
        an implicit nonce part).
        """
        iv_len = 0 if suite.mode == "cbc" and self.explicit_iv else suite.iv_len
        return self.key_block(
            master, client_random, server_random, suite.mac_len, suite.key_len, iv_len
        )

    def finished(self, master: bytes, sender: str, handshake_messages: bytes) -> bytes:
        """verify_data of the ``sender``'s Finished (RFC 5246 §7.4.9 / RFC 6101 §5.6.9)."""
        label = f"{sender} finished"
        return self._record(
            f"{sender}_finished_verify_data",
            "SSL3-KDF" if self.family == "ssl3" else "PRF",
            _prf.finished_verify_data(
                self.version, self.prf_hash, master, sender, handshake_messages
            ),
            ("master_secret", "handshake_messages"),
            label=None if self.family == "ssl3" else label,
            context=_prf.session_hash(self.version, self.prf_hash, handshake_messages)
            if self.family != "ssl3"
            else None,
            rfc=self._rfc("finished"),
            explain=f"The PRF of the master secret, the label '{label}' and the hash of every "
            "handshake message before this Finished (ChangeCipherSpec is not one): a match "
            "proves the sender saw the same handshake and holds the same master secret."
            if self.family != "ssl3"
            else "Hashes of the master secret, 'CLNT' or 'SRVR' and every handshake message "
            "before this Finished: a match proves the sender saw the same handshake and holds "
            "the same master secret.",
        )

    @property
    def version_name(self) -> str:
        """Human name of the version this schedule follows."""
        return _VERSION_NAMES.get(self.version, f"0x{self.version:04x}")
