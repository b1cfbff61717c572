"""The SSL 3.0 - TLS 1.2 flow (RFC 5246 §7-8, RFC 6101 §5-6, RFC 4279, RFC 7627).

One connection may hold several handshakes (renegotiation, RFC 5746), each
with its own randoms, master secret and keys; and a handshake may be
abbreviated, resuming the master secret of an earlier session (by session id
or ticket, RFC 5077) — which this flow finds in earlier connections of the
same capture, or in the key log.  Keys take effect for a direction right after
its ChangeCipherSpec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..wire import registry as reg
from ..wire.dtls_reassembly import transcript_form
from ..wire.hello import ClientHello, ServerHello
from ..wire.keyexchange import ClientKeyExchange, ServerKeyExchange
from ..wire.message import Message
from ..wire.messages import Certificate, CertificateVerify, Finished, NewSessionTicket
from ..wire.registry import ExtensionType as EXT
from . import status
from .keyring import ticket_key
from .prf import prf_family, session_hash
from .protection import RecordDecryptor
from .schedule12 import KeySchedule12
from .steps import Step
from .verify import (
    verify_certificate_verify12,
    verify_finished,
    verify_server_key_exchange,
)

if TYPE_CHECKING:
    from .host import KeyHost


class Handshake12:
    """One full or abbreviated handshake inside the connection."""

    def __init__(self, index: int, ch: ClientHello, raw: bytes) -> None:
        self.index = index
        self.ch = ch
        self.client_random = ch.random
        self.transcript: list[bytes] = [raw]
        self.sh: ServerHello | None = None
        self.suite: reg.SuiteInfo | None = None
        self.version = 0
        self.ks: KeySchedule12 | None = None
        self.master: bytes | None = None
        self.parts: Any = None
        self.certs: dict[str, list[bytes]] = {}
        self.ske: ServerKeyExchange | None = None
        self.ems = self.etm = False
        self.compression = 0
        self.resumed = False
        self.finished: dict[str, bool] = {}
        self.saw_done = False


class Tls12Flow:
    def __init__(self, keys: KeyHost) -> None:
        self.keys = keys
        self.hs: Handshake12 | None = None
        self.count = 0
        self._pms_source = "the key material"

    def message(self, msg: Message) -> None:
        body = msg.body
        t = msg.handshake_type
        # HelloRequest is not part of the handshake hash; nor, in DTLS, is a
        # HelloVerifyRequest or the ClientHello it answers (RFC 6347 §4.2.6)
        if t is None or t in (0, 3):
            return
        raw = _hashed(msg)
        if isinstance(body, ClientHello):
            hs = self.hs
            if hs is not None and hs.sh is None and msg.dtls is not None:
                # DTLS: the ClientHello again, with the HelloVerifyRequest's
                # cookie: the same handshake starts over from it
                self.hs = Handshake12(hs.index, body, raw)
                return
            self.hs = Handshake12(self.count, body, raw)
            self.count += 1
            return
        hs = self.hs
        if hs is None:
            return
        start = len(hs.ks.steps) if hs.ks is not None else 0
        if isinstance(body, ServerHello):
            hs.transcript.append(raw)
            self._server_hello(hs, body)
        elif isinstance(body, Finished):
            self._finished(hs, msg, body)
        elif isinstance(body, CertificateVerify):
            certs = hs.certs.get("client")
            if certs and self.keys.signatures:
                self.keys.check(
                    verify_certificate_verify12(
                        certs[0],
                        body.scheme,
                        body.signature,
                        b"".join(hs.transcript),
                        version=hs.version,
                    )
                )
            hs.transcript.append(raw)
        else:
            hs.transcript.append(raw)
            if isinstance(body, Certificate):
                hs.certs[msg.direction] = [e.der for e in body.entries]
                self.keys.chain(msg.direction, hs.certs[msg.direction])
            elif isinstance(body, ServerKeyExchange):
                hs.ske = body
                self._check_ske(hs, body)
            elif isinstance(body, ClientKeyExchange):
                self._client_key_exchange(hs, body)
            elif isinstance(body, NewSessionTicket) and hs.master is not None:
                entry = (hs.master, self.keys.connection)
                self.keys.material.tickets12[ticket_key(body.ticket)] = entry
            elif t == 14:
                hs.saw_done = True
        if hs.ks is not None:
            self.keys.compare(hs.ks, hs.client_random, start)

    def change_cipher_spec(self, direction: str, epoch: int | None = None) -> None:
        """Keys take effect for ``direction`` after its ChangeCipherSpec; in
        DTLS for the records of ``epoch`` (RFC 6347 §4.1: each
        ChangeCipherSpec starts the next epoch), whatever order they arrive in."""
        hs = self.hs
        if hs is None or hs.suite is None:
            return
        prot = self.keys.protection[direction]
        if epoch is not None and epoch in prot.dtls:
            return  # a retransmitted ChangeCipherSpec: that epoch is set already
        if hs.master is None and hs.ks is not None:
            # An abbreviated handshake resuming a session this capture does
            # not show: only the key log can tell its master secret.
            self._resume(hs, None, "session")
            if hs.master is None:
                self.keys.problem(status.unknown_session(hs.client_random))
        if hs.parts is None and hs.master is not None:
            self._key_block(hs)
        if hs.parts is None:
            prot.epochs = []
            return
        p = hs.parts
        key, iv, mac_key = (
            (p.client_write_key, p.client_write_iv, p.client_write_mac_key)
            if direction == "client"
            else (p.server_write_key, p.server_write_iv, p.server_write_mac_key)
        )
        dec = RecordDecryptor.for_suite(
            hs.suite,
            key=key,
            iv=iv,
            version=hs.version,
            mac_key=mac_key,
            encrypt_then_mac=hs.etm,
            compression=hs.compression,
        )
        if dec.setup_error:
            # keys are known, but this cipher cannot run here: leave records as they are
            self.keys.unsupported = f"the records cannot be decrypted: {dec.setup_error}"
            prot.epochs = []
            return
        if epoch is not None:
            prot.set_epoch(epoch, _epoch(hs.index), dec)
        else:
            prot.set(_epoch(hs.index), dec)

    # -- the steps ----------------------------------------------------------------
    def _server_hello(self, hs: Handshake12, sh: ServerHello) -> None:
        hs.sh = sh
        hs.version = sh.version
        hs.suite = reg.SUITES.get(sh.cipher_suite)
        if hs.suite is None:
            self.keys.problem(f"unknown cipher suite {reg.suite_name(sh.cipher_suite)}")
            return
        try:
            prf_family(hs.version)
        except ValueError:
            self.keys.problem(f"no key derivation is defined for {reg.version_name(hs.version)}")
            return
        hs.ems = sh.ext(EXT.extended_master_secret) is not None
        hs.etm = sh.ext(EXT.encrypt_then_mac) is not None and hs.suite.mode == "cbc"
        hs.compression = sh.compression_method
        hs.ks = KeySchedule12(hs.version, hs.suite.prf_hash)
        self.keys.add_schedule(hs.index, hs.ks, hs.client_random)
        ch = hs.ch
        ext = ch.ext(EXT.session_ticket)
        ticket = ext.value if ext is not None and isinstance(ext.value, bytes) else b""
        material = self.keys.material
        from_ticket = material.tickets12.get(ticket_key(ticket)) if ticket else None
        if sh.session_id and sh.session_id == ch.session_id:
            # Abbreviated handshake (RFC 5246 §7.3).  With a ticket, the client
            # may also send a session id that the server echoes to accept the
            # ticket (RFC 5077 §3.4).
            hs.resumed = True
            known = material.sessions12.get(sh.session_id)
            how = "session id"
            if known is None and from_ticket is not None:
                known, how = from_ticket, "ticket"
            self._resume(hs, known, how)
        elif from_ticket is not None:
            hs.resumed = True
            self._resume(hs, from_ticket, "ticket")

    def _resume(self, hs: Handshake12, known: tuple[bytes, int] | None, how: str) -> None:
        assert hs.ks is not None
        if known is not None:
            master, conn = known
            self.keys.source = f"the session of connection {conn}"
            hs.master = hs.ks.add_step(
                Step(
                    "master_secret",
                    "Input",
                    master,
                    keylog_label="CLIENT_RANDOM",
                    rfc="RFC 5246 §7.3" if how == "session id" else "RFC 5077 §3.1",
                    explain=f"Resumed by {how}: the master secret of connection {conn}.",
                )
            ).value
            return
        logged = self.keys.keylog("CLIENT_RANDOM", hs.client_random)
        if logged is not None:
            self.keys.source = "the key log"
            hs.master = hs.ks.add_step(
                Step(
                    "master_secret",
                    "Input",
                    logged,
                    keylog_label="CLIENT_RANDOM",
                    explain="Resumed session: the master secret, from the key log.",
                )
            ).value

    def _check_ske(self, hs: Handshake12, ske: ServerKeyExchange) -> None:
        certs = hs.certs.get("server")
        if not certs or ske.signature is None or hs.sh is None or not self.keys.signatures:
            return
        self.keys.check(
            verify_server_key_exchange(
                certs[0],
                ske.sig_scheme,
                ske.signature,
                hs.client_random,
                hs.sh.random,
                ske.params,
                version=hs.version,
            )
        )

    def _client_key_exchange(self, hs: Handshake12, cke: ClientKeyExchange) -> None:
        ks, sh, suite = hs.ks, hs.sh, hs.suite
        if ks is None or sh is None or suite is None:
            return
        pms = self._pre_master(hs, cke)
        if pms is not None:
            self.keys.source = self._pms_source
            if hs.ems:
                # RFC 7627 §3: the session hash covers ClientHello..ClientKeyExchange.
                sh_hash = session_hash(hs.version, suite.prf_hash, b"".join(hs.transcript))
                hs.master = ks.extended_master_secret(pms, sh_hash)
            else:
                hs.master = ks.master_secret(pms, hs.client_random, sh.random)
            return
        logged = self.keys.keylog("CLIENT_RANDOM", hs.client_random)
        if logged is not None:
            self.keys.source = "the key log"
            explain = "Taken from the key log (CLIENT_RANDOM line) written by a peer."
            label, rfc = "master secret", ks._rfc("master")
            if hs.ems:
                # RFC 7627 §4: the peers computed it over the session hash.
                label, rfc = "extended master secret", "RFC 7627 §4"
                explain += " " + _EMS_FROM_LOG
            hs.master = ks.add_step(
                Step(
                    "master_secret",
                    "Input",
                    logged,
                    label=label if ks.family != "ssl3" else None,
                    keylog_label="CLIENT_RANDOM",
                    rfc=rfc,
                    explain=explain,
                )
            ).value
            return
        self.keys.problem(self._missing_reason(hs, cke))

    def _missing_reason(self, hs: Handshake12, cke: ClientKeyExchange) -> str:
        m = self.keys.material
        return status.missing_master_secret(
            m.given, bool(m.rsa_keys), bool(m.psks), cke.kind, hs.client_random
        )

    def _pre_master(self, hs: Handshake12, cke: ClientKeyExchange) -> bytes | None:
        ks, material = hs.ks, self.keys.material
        assert ks is not None
        kx = cke.kind
        if kx in ("RSA", "RSA_EXPORT") and cke.encrypted_pms is not None and kx != "RSA_PSK":
            logged = material.keylog.lookup("RSA", cke.encrypted_pms[:8])
            keys = list(material.rsa_keys)
            certs = hs.certs.get("server")
            if certs and keys:
                from .material import rsa_key_for_certificate

                match = rsa_key_for_certificate(keys, certs[0])
                keys = [match] if match is not None else keys
            for key in keys:
                res = ks.rsa(key, cke.encrypted_pms, expected_version=hs.ch.legacy_version)
                if res.ok and res.premaster is not None:
                    self._pms_source = "the given RSA key"
                    return res.premaster
            if keys:
                self.keys.problem(
                    "the given RSA key does not decrypt the pre-master secret: "
                    "it is not this server's key"
                )
            if logged is not None:
                return ks.pre_master_secret(
                    logged,
                    keylog_label="RSA",
                    context=cke.encrypted_pms[:8],
                    explain="The pre-master secret from the key log (RSA line).",
                )
            return None
        known = material.psk_identities.get(cke.psk_identity or b"")
        if kx == "PSK" and (known is not None or material.psks):
            self._pms_source = "the given PSK"
            return ks.psk(known[1] if known is not None else material.psks[0], kx=kx)
        if kx == "RSA_PSK" and material.psks and cke.encrypted_pms is not None:
            # RFC 4279 §4: other_secret is the RSA-encrypted 48-byte secret.
            for key in material.rsa_keys:
                res = ks.rsa(key, cke.encrypted_pms, expected_version=hs.ch.legacy_version)
                if res.ok and res.premaster is not None:
                    self._pms_source = "the given PSK"
                    return ks.psk(material.psks[0], res.premaster, kx=kx)
            return None
        if (
            kx in ("ECDHE", "ECDHE_PSK")
            and hs.ske is not None
            and hs.ske.group is not None
            and material.ephemeral
        ):
            from .material import find_ephemeral

            group = hs.ske.group
            for own, peer in ((cke.public, hs.ske.public), (hs.ske.public, cke.public)):
                if own is None or peer is None:
                    continue
                key = find_ephemeral(material.ephemeral, group, own)
                if key is not None:
                    ks._input(
                        "private_key",
                        key.private_bytes_raw(),
                        explain="The (EC)DHE private key of one side, recorded by its owner.",
                    )
                    try:
                        other = ks.ecdhe(group, key.private, peer)
                    except ValueError as err:
                        self.keys.problem(f"the ephemeral key does not fit: {err}")
                        return None
                    self._pms_source = "the given ephemeral key"
                    if kx == "ECDHE_PSK":
                        self._pms_source = "the given PSK"
                        return ks.psk(material.psks[0], other, kx=kx) if material.psks else None
                    return other
        return None

    def _key_block(self, hs: Handshake12) -> None:
        if hs.ks is None or hs.sh is None or hs.suite is None or hs.master is None:
            return
        start = len(hs.ks.steps)
        hs.parts = hs.ks.key_block_for_suite(hs.master, hs.client_random, hs.sh.random, hs.suite)
        self.keys.compare(hs.ks, hs.client_random, start)

    def _finished(self, hs: Handshake12, msg: Message, fin: Finished) -> None:
        side = msg.direction
        if hs.ks is not None and hs.master is not None:
            expected = hs.ks.finished(hs.master, side, b"".join(hs.transcript))
            self.keys.check(
                verify_finished(
                    f"{side} Finished", expected, fin.verify_data, hs.ks._rfc("finished")
                )
            )
        hs.transcript.append(_hashed(msg))
        hs.finished[side] = True
        done = len(hs.finished) == 2 and hs.master is not None and hs.sh is not None
        if done and hs.sh is not None and hs.master is not None and hs.sh.session_id:
            self.keys.material.sessions12[hs.sh.session_id] = (hs.master, self.keys.connection)


_EMS_FROM_LOG = (
    "extended_master_secret was negotiated, so the peers computed it from the label "
    "'extended master secret' and the session hash (ClientHello up to and including "
    "ClientKeyExchange), not from the randoms."
)


def _hashed(msg: Message) -> bytes:
    """The message's bytes as the handshake hash takes them (DTLS: see
    :func:`~tlsviz.wire.dtls_reassembly.transcript_form`)."""
    return msg.raw if msg.dtls is None else transcript_form(msg.raw, False)


def _epoch(index: int) -> str:
    """How the keys of handshake ``index`` are named in reasons."""
    return "session" if index == 0 else f"renegotiated (handshake {index + 1})"
