"""TLS 1.2 machinery both sides share: master secret, key block, CCS, Finished.

TLS 1.2 (RFC 5246) derives one master secret from the pre-master secret (an
ECDHE shared secret or, for PSK suites, RFC 4279's construction) and both
randoms — or, with the extended master secret (RFC 7627), from the hash of
the handshake so far — then cuts a key block into write keys and IVs (§6.3).
A ChangeCipherSpec switches each direction to the new keys (§7.1), and
Finished (§7.4.9) proves both sides saw the same handshake.

The derivations are the decoder's :class:`~tlsviz.keys.schedule12.KeySchedule12`.
"""

from __future__ import annotations

from ..keys.prf import session_hash
from ..keys.protection import RecordDecryptor
from ..keys.schedule12 import KeySchedule12
from ..keys.seal import RecordSealer
from ..keys.steps import Step
from ..keys.verify import verify_finished
from ..wire import registry as reg
from ..wire.messages import Finished
from ..wire.registry import AlertDescription, ContentType
from . import build
from .base import PeerBase
from .keyshare import KeyPair
from .parse import PeerAlert, parse_message

__all__ = ["Tls12Mixin"]

TLS12 = 0x0303


class Tls12Mixin(PeerBase):
    """Keys, ChangeCipherSpec and Finished of TLS 1.2."""

    ks12: KeySchedule12 | None = None
    master: bytes | None = None
    ems = False
    _pending_read: RecordDecryptor | None = None
    _ccs_expected = False
    _tampered12 = False
    _own_keys: tuple[bytes, bytes] = (b"", b"")

    def _schedule12(self) -> KeySchedule12:
        assert self.suite is not None
        if self.ks12 is None:
            self.ks12 = KeySchedule12(TLS12, self.suite.prf_hash)
            self.schedule = self.ks12
        return self.ks12

    def _premaster_ecdhe(self, pair: KeyPair, peer_public: bytes) -> bytes:
        """Pre-master = the ECDH shared secret (RFC 8422 §5.10), recorded with its inputs."""
        ks = self._schedule12()
        ks.add_step(
            Step(
                "private_key",
                "Input",
                pair.private_bytes(),
                explain=f"This side's {reg.group_name(pair.group)} private key, for this "
                "handshake only.",
            )
        )
        try:
            value = ks.ecdhe(pair.group, pair.private, peer_public)
        except ValueError as err:
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                f"the {self.other}'s ECDH point is invalid: {err}",
            ) from None
        self.group = pair.group
        return value

    def _master_secret(self, pre_master: bytes) -> None:
        """RFC 5246 §8.1, or RFC 7627 §4 when the extended master secret was agreed."""
        ks = self._schedule12()
        assert self.suite is not None
        if self.ems:
            hashed = session_hash(TLS12, self.suite.prf_hash, bytes(self.transcript))
            self.master = ks.extended_master_secret(pre_master, hashed)
        else:
            self.master = ks.master_secret(pre_master, self.client_random, self.server_random)
        self._log("CLIENT_RANDOM", self.master)

    def _key_block(self) -> None:
        """Write keys and IVs of both sides (RFC 5246 §6.3); read keys wait for the CCS."""
        ks = self._schedule12()
        assert self.suite is not None and self.master is not None
        parts = ks.key_block_for_suite(
            self.master, self.client_random, self.server_random, self.suite
        )
        own = (parts.client_write_key, parts.client_write_iv)
        peer = (parts.server_write_key, parts.server_write_iv)
        if not self.is_client:
            own, peer = peer, own
        self._own_keys = own
        self._pending_read = RecordDecryptor.for_suite(
            self.suite, key=peer[0], iv=peer[1], version=TLS12
        )

    def _send_ccs(self) -> None:
        """ChangeCipherSpec, then everything this side sends is protected (§7.1)."""
        assert self.suite is not None
        self.records.send(ContentType.change_cipher_spec, b"\x01")
        key, iv = self._own_keys
        sealer = RecordSealer(self.suite, key, iv, tls13=False)
        if self.config.experiment == "flip-bit" and not self._tampered12:
            sealer.tamper = self._tampered12 = True
        self.records.set_writer("session", sealer)

    def _ccs12(self, data: bytes) -> None:
        if data != b"\x01" or not self._ccs_expected or self._pending_read is None:
            raise PeerAlert(AlertDescription.unexpected_message, "an unexpected ChangeCipherSpec")
        self._ccs_expected = False
        self.records.set_reader("session", self._pending_read)

    def _finished12(self, side: str) -> bytes:
        """verify_data = PRF(master, "<side> finished", Hash(handshake))[0..11] (§7.4.9)."""
        ks = self._schedule12()
        assert self.master is not None
        return ks.finished(self.master, side, bytes(self.transcript))

    def _send_finished12(self) -> None:
        self._send_handshake(build.finished(self._finished_data(self._finished12(self.side))))

    def _check_finished12(self, raw: bytes) -> None:
        fin = parse_message(raw, tls13=False)
        assert isinstance(fin, Finished)
        check = verify_finished(
            f"{self.other} Finished", self._finished12(self.other), fin.verify_data, ""
        )
        if not check.ok:
            raise PeerAlert(AlertDescription.decrypt_error, f"the {self.other}'s {check.detail}")
        self.transcript += raw
