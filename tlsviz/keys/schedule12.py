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

_VERSION_NAMES = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2"}
# Where each computation is defined, by PRF family (TLS 1.1, RFC 4346, repeats RFC 2246).
_RFC_SECTIONS = {
    "master": {"ssl3": "RFC 6101 §6.1", "tls10": "RFC 2246 §8.1", "tls12": "RFC 5246 §8.1"},
    "key_block": {"ssl3": "RFC 6101 §6.2.2", "tls10": "RFC 2246 §6.3", "tls12": "RFC 5246 §6.3"},
    "finished": {"ssl3": "RFC 6101 §5.6.9", "tls10": "RFC 2246 §7.4.9", "tls12": "RFC 5246 §7.4.9"},
    "rsa": {"ssl3": "RFC 6101 §5.6.7.1", "tls10": "RFC 2246 §7.4.7.1",
            "tls12": "RFC 5246 §7.4.7.1"},
}  # fmt: skip


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
        return _RFC_SECTIONS[what][self.family]

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
        self._input("peer_key_share", peer_public)
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
            operation="ECDHE",
            inputs=("dh_p", "dh_g", "private_key", "peer_public"),
            rfc="RFC 5246 §8.1.2",
            explain="Finite-field Diffie-Hellman; TLS 1.2 drops leading zero bytes of the result.",
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
            self._input("encrypted_pre_master", encrypted_pms)
            self.pre_master_secret(
                result.premaster,
                operation="RSA-Decrypt",
                inputs=("server_private_key", "encrypted_pre_master"),
                rfc=self._rfc("rsa"),
                keylog_label="RSA",
                context=encrypted_pms[:8],
                explain="The client chose 48 random bytes and encrypted them to the server's "
                "RSA key; whoever holds that key can read them, even years later.",
            )
        return result

    def psk(self, psk: bytes, other_secret: bytes | None = None) -> bytes:
        """Pre-master for (DHE-/ECDHE-/RSA-)PSK suites (RFC 4279 §2-§4, RFC 5489)."""
        self._input("psk", psk)
        inputs = ("psk",) if other_secret is None else ("other_secret", "psk")
        if other_secret is not None:
            self._input("other_secret", other_secret)
        return self.pre_master_secret(
            psk_premaster(psk, other_secret),
            operation="PSK-Premaster",
            inputs=inputs,
            rfc="RFC 4279 §2" if other_secret is None else "RFC 4279 §3, RFC 5489 §2",
            explain="Length-prefixed other_secret followed by the length-prefixed PSK.",
        )

    # -- master secret and keys --------------------------------------------

    def master_secret(self, pre_master: bytes, client_random: bytes, server_random: bytes) -> bytes:
        """master_secret = PRF(pre_master, "master secret", client_random + server_random)."""
        self._input("client_random", client_random)
        self._input("server_random", server_random)
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
            explain="Binds the master secret to the whole handshake so far, not only to the "
            "randoms (this defeats the triple-handshake attack).",
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
        """
        if self.value("master_secret") != master:
            self._input("master_secret", master, explain="The master secret from the key log.")
        self._input("client_random", client_random)
        self._input("server_random", server_random)
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
            explain="As many pseudorandom bytes as the cipher suite needs, cut into keys below.",
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
                    rfc=self._rfc("key_block"),
                    explain="A slice of the key block, in the order the RFC fixes.",
                )
        return parts

    def key_block_for_suite(
        self, master: bytes, client_random: bytes, server_random: bytes, suite: SuiteLike
    ) -> _prf.KeyBlock:
        """:meth:`key_block` with the sizes of a registry ``SuiteInfo`` (or alike)."""
        return self.key_block(
            master, client_random, server_random, suite.mac_len, suite.key_len, suite.iv_len
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
            explain="Proves both sides saw the same handshake and derived the same master secret.",
        )

    @property
    def version_name(self) -> str:
        """Human name of the version this schedule follows."""
        return _VERSION_NAMES.get(self.version, f"0x{self.version:04x}")
