"""TLS 1.3 machinery both sides share: keys per epoch, Finished, KeyUpdate.

The key schedule is the decoder's own :class:`~tlsviz.keys.schedule13.KeySchedule13`:
the peer derives every secret through it, so its steps (with labels, contexts
and RFC sections) are exactly what ``tlsviz decode`` later re-derives from the
recording, and can be compared step by step.
"""

from __future__ import annotations

from ..keys.digests import digest
from ..keys.protection import RecordDecryptor
from ..keys.schedule13 import KeySchedule13
from ..keys.seal import RecordSealer
from ..keys.steps import Step
from ..keys.verify import verify_finished
from ..wire import registry as reg
from ..wire.messages import Finished, KeyUpdate
from ..wire.registry import AlertDescription
from ..wire.registry import HandshakeType as HT
from . import build
from .base import Handler, PeerBase
from .events import KeyUpdated
from .keyshare import KeyPair
from .parse import PeerAlert, parse_message

__all__ = ["Tls13Mixin"]

TLS13 = 0x0304


class Tls13Mixin(PeerBase):
    """Epoch changes, Finished and KeyUpdate for TLS 1.3 (RFC 8446 §4.4.4, §4.6.3, §7)."""

    ks: KeySchedule13 | None = None
    #: the current application traffic secret of each side, and its generation
    _app: dict[str, bytes]
    _generation: dict[str, int]
    _hs: dict[str, bytes]
    _tampered = False

    def _init13(self) -> None:
        self._app = {}
        self._generation = {"client": 0, "server": 0}
        self._hs = {}

    def _hash(self) -> bytes:
        assert self.ks is not None
        return digest(self.ks.hash_name, bytes(self.transcript))

    # -- keys -------------------------------------------------------------------------
    def _traffic(self, side: str, epoch: str, secret: bytes) -> tuple[bytes, bytes]:
        assert self.ks is not None and self.suite is not None
        prefix = f"{side}_{epoch.replace(' ', '_')}"
        tk = self.ks.traffic_keys(secret, self.suite.key_len, self.suite.iv_len, prefix)
        return tk.key, tk.iv

    def _read_keys(self, epoch: str, secret: bytes) -> None:
        assert self.suite is not None
        key, iv = self._traffic(self.other, epoch, secret)
        dec = RecordDecryptor.for_suite(self.suite, key=key, iv=iv, version=TLS13)
        self.records.set_reader(epoch, dec)

    def _write_keys(self, epoch: str, secret: bytes) -> None:
        assert self.suite is not None
        key, iv = self._traffic(self.side, epoch, secret)
        sealer = RecordSealer(self.suite, key, iv, tls13=True)
        if self.config.experiment == "flip-bit" and not self._tampered:
            sealer.tamper = self._tampered = True
        self.records.set_writer(epoch, sealer)

    def _shared_secret(self, pair: KeyPair, peer_public: bytes) -> bytes:
        """The (EC)DHE shared secret, recorded as the decoder records it (RFC 8446 §7.4)."""
        assert self.ks is not None
        try:
            value = pair.exchange(peer_public)
        except ValueError as err:
            raise PeerAlert(
                AlertDescription.illegal_parameter,
                f"the {self.other}'s key share is invalid: {err}",
            ) from None
        name = reg.group_name(pair.group)
        self.ks.add_step(
            Step(
                f"{self.side}_private_key",
                "Input",
                pair.private_bytes(),
                explain=f"This side's {name} private key, made for this handshake only.",
            )
        )
        self.ks.add_step(Step(f"{self.other}_key_share", "Input", peer_public))
        self.ks.add_step(
            Step(
                "shared_secret",
                "ECDHE",
                value,
                (f"{self.side}_private_key", f"{self.other}_key_share"),
                rfc="RFC 8446 §7.4",
                explain=f"{name}: this side's private key combined with the other's key share.",
            )
        )
        self.group = pair.group
        return value

    def _handshake_secrets(self, shared: bytes | None) -> None:
        """Handshake secrets from the transcript up to ServerHello; logged."""
        assert self.ks is not None
        hs = self.ks.handshake(shared, self._hash())
        self._hs = {
            "client": hs.client_handshake_traffic_secret,
            "server": hs.server_handshake_traffic_secret,
        }
        self._log("CLIENT_HANDSHAKE_TRAFFIC_SECRET", self._hs["client"])
        self._log("SERVER_HANDSHAKE_TRAFFIC_SECRET", self._hs["server"])

    def _application_secrets(self) -> None:
        """Master secret and traffic secrets #0 from the transcript up to the server Finished."""
        assert self.ks is not None
        m = self.ks.master(self._hash())
        self._app = {
            "client": m.client_application_traffic_secret_0,
            "server": m.server_application_traffic_secret_0,
        }
        self._log("CLIENT_TRAFFIC_SECRET_0", self._app["client"])
        self._log("SERVER_TRAFFIC_SECRET_0", self._app["server"])
        self._log("EXPORTER_SECRET", m.exporter_master_secret)

    # -- Finished -----------------------------------------------------------------------
    def _finished_for(self, side: str) -> bytes:
        """verify_data = HMAC(finished_key, Transcript-Hash) (RFC 8446 §4.4.4)."""
        assert self.ks is not None
        key = self.ks.finished_key(self._hs[side], name=f"{side}_finished_key")
        return self.ks.finished_verify_data(
            key, self._hash(), name=f"{side}_finished_verify_data", transcript="handshake"
        )

    def _send_finished(self) -> None:
        verify_data = self._finished_data(self._finished_for(self.side))
        self._send_handshake(build.finished(verify_data))

    def _check_finished(self, raw: bytes) -> None:
        """The other side's Finished; RFC 8446 §4.4.4: decrypt_error when it differs."""
        fin = parse_message(raw, tls13=True)
        assert isinstance(fin, Finished)
        check = verify_finished(
            f"{self.other} Finished", self._finished_for(self.other), fin.verify_data, ""
        )
        if not check.ok:
            raise PeerAlert(AlertDescription.decrypt_error, f"the {self.other}'s {check.detail}")
        self.transcript += raw

    # -- after the handshake ---------------------------------------------------------------
    def key_update(self, request: bool = False) -> None:
        """Send a KeyUpdate and move to the next sending keys (RFC 8446 §4.6.3)."""
        if self.state != "connected":
            raise RuntimeError("KeyUpdate needs a finished handshake")
        self._send_handshake(build.key_update(request), transcript=False)
        self._next_generation(self.side)

    def _next_generation(self, side: str) -> None:
        assert self.ks is not None
        gen = self._generation[side] + 1
        self._generation[side] = gen
        self._app[side] = self.ks.next_generation(self._app[side], side=side, generation=gen)
        self._log(f"{side.upper()}_TRAFFIC_SECRET_{gen}", self._app[side])
        epoch = f"application {gen}"
        if side == self.side:
            self._write_keys(epoch, self._app[side])
            self._events.append(KeyUpdated("send", gen))
        else:
            self._read_keys(epoch, self._app[side])
            self._events.append(KeyUpdated("receive", gen))

    def _received_key_update(self, raw: bytes) -> None:
        body = parse_message(raw, tls13=True)
        assert isinstance(body, KeyUpdate)
        if body.request_update not in (0, 1):
            raise PeerAlert(AlertDescription.illegal_parameter, "a KeyUpdate with a bad request")
        self._next_generation(self.other)
        if body.request_update == 1:
            self.key_update(False)

    def _connected13(self) -> None:
        """After both Finished: only post-handshake messages may come."""
        self.state = "connected"
        self._expecting(*self._post_handshake())

    def _post_handshake(self) -> list[tuple[int, Handler]]:
        return [(HT.key_update, self._received_key_update)]
