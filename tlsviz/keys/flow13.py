"""The TLS 1.3 flow: from ClientHello to KeyUpdate (RFC 8446 §2, §4, §7).

Keys change at fixed points of the handshake, and this flow installs each new
key in the decoder right after the message that ends the previous epoch:

* client: early traffic keys after a ClientHello offering 0-RTT; handshake
  keys after EndOfEarlyData (or at once without 0-RTT); application keys after
  its Finished; the next generation after each KeyUpdate it sends;
* server: handshake keys after ServerHello; application keys after its
  Finished; the next generation after each KeyUpdate.

With an (EC)DHE private key (or a PSK-only handshake with a known PSK) every
secret is derived from the start and compared with the key log; with only a
key log the traffic secrets are taken from it and everything below them
(keys, IVs, Finished MACs, KeyUpdates) is still derived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..wire import registry as reg
from ..wire.dtls_reassembly import transcript_form
from ..wire.extensions import KeyShareEntry
from ..wire.hello import ClientHello, ServerHello
from ..wire.message import Message
from ..wire.messages import (
    Certificate,
    CertificateVerify,
    EncryptedExtensions,
    Finished,
    KeyUpdate,
    NewSessionTicket,
)
from ..wire.registry import ExtensionType as EXT
from . import status
from .digests import digest
from .dtls13 import Dtls13Opener
from .hkdf import DTLS13_LABEL_PREFIX, hkdf_expand_label
from .keyring import Ticket13, ticket_key
from .premaster import ecdhe_shared_secret
from .protection import RecordDecryptor, classify_cipher
from .schedule13 import KeySchedule13, hrr_message_hash
from .steps import Step
from .verify import verify_certificate_verify13, verify_finished

if TYPE_CHECKING:
    from .host import KeyHost

_HASH_LEN = {32: "sha256", 48: "sha384"}


class Tls13Flow:
    def __init__(self, keys: KeyHost) -> None:
        self.keys = keys
        self.transcript: list[bytes] = []
        self.client_random = b""
        self.ch: ClientHello | None = None
        self.hrr = False
        self.suite: reg.SuiteInfo | None = None
        self.ks: KeySchedule13 | None = None
        self.hs_secret: dict[str, bytes] = {}
        self.app_secret: dict[str, bytes] = {}
        self.generation = {"client": 0, "server": 0}
        self.certs: dict[str, list[bytes]] = {}
        self.rms: bytes | None = None
        self.done = False
        self.early = False
        self.ch_prefix = b""  # transcript before the last ClientHello (after a HRR)
        self.ch_raw = b""
        self.tickets: list[Message] = []
        self.version = 0x0304  # or a draft's 0x7fNN
        self.early_accepted = False  # the server's EncryptedExtensions accepted 0-RTT
        self.eoed_seen = False
        self._dh_inputs: list[Step] = []  # the private key and share behind shared_secret
        #: DTLS 1.3: "dtls13" labels, record number keys, keys by epoch number
        self.dtls = False

    # -- helpers ------------------------------------------------------------------
    def _hash(self) -> bytes:
        assert self.ks is not None
        return digest(self.ks.hash_name, b"".join(self.transcript))

    def _decryptor(self, suite: reg.SuiteInfo, key: bytes, iv: bytes) -> RecordDecryptor:
        return RecordDecryptor.for_suite(suite, key=key, iv=iv, version=self.version)

    def _schedule(self, hash_name: str) -> KeySchedule13:
        if self.dtls:
            return KeySchedule13(hash_name, label_prefix=DTLS13_LABEL_PREFIX)
        return KeySchedule13(hash_name)

    def _keys_for(self, direction: str, epoch: str, secret: bytes, *, replace: bool) -> None:
        assert self.ks is not None and self.suite is not None
        start = len(self.ks.steps)
        prefix = f"{direction}_{epoch.replace(' ', '_')}"
        tk = self.ks.traffic_keys(secret, self.suite.key_len, self.suite.iv_len, prefix)
        prot = self.keys.protection[direction]
        if self.dtls:
            sn = self.ks.sn_key(secret, self.suite.key_len, prefix)
            self.keys.compare(self.ks, self.client_random, start)
            number = _dtls_epoch(epoch)
            kind = classify_cipher(self.suite.cipher, self.suite.mode)
            opener = Dtls13Opener(kind, tk.key, tk.iv, sn, number, self.suite.tag_len)
            prot.set_epoch(number, epoch, opener)
            return
        self.keys.compare(self.ks, self.client_random, start)
        dec = self._decryptor(self.suite, tk.key, tk.iv)
        if replace:
            prot.set(epoch, dec)
        else:
            prot.add_next(epoch, dec)

    def _track(self, start: int) -> None:
        if self.ks is not None:
            self.keys.compare(self.ks, self.client_random, start)

    def _logged(self, label: str) -> bytes | None:
        return self.keys.keylog(label, self.client_random)

    # -- messages -----------------------------------------------------------------
    def message(self, msg: Message) -> None:
        body = msg.body
        t = msg.handshake_type
        if t is None:
            return
        if msg.dtls is not None:
            # DTLS 1.3: its own labels (RFC 9147 §5.9), and the transcript takes
            # each message in its TLS 1.3 form (RFC 9147 §5.2)
            self.dtls = True
            msg = msg.replace(raw=transcript_form(msg.raw, True), dtls=None)
        start = len(self.ks.steps) if self.ks is not None else 0
        if isinstance(body, ClientHello):
            self._client_hello(msg, body)
        elif isinstance(body, ServerHello):
            self._server_hello(msg, body)
        elif self.done or t in (4, 24):
            # NewSessionTicket and KeyUpdate are never part of the transcript; a
            # server may send tickets before the client's Finished (RFC 8446 §4.6).
            self._post_handshake(msg)
        elif isinstance(body, CertificateVerify):
            self._certificate_verify(msg, body)
        elif isinstance(body, Finished):
            self._finished(msg, body)
        else:
            if isinstance(body, Certificate):
                self.certs[msg.direction] = [e.der for e in body.entries]
                self.keys.chain(msg.direction, self.certs[msg.direction])
            if isinstance(body, EncryptedExtensions):
                self.early_accepted = any(e.type == 42 for e in body.extensions)
                self.early = self.early and self.early_accepted
            if t == 5:  # EndOfEarlyData: the client's next records use handshake keys
                self.eoed_seen = True
                self.keys.protection["client"].drop_current()
            self.transcript.append(msg.raw)
        self._track(start)

    def _client_hello(self, msg: Message, ch: ClientHello) -> None:
        if self.hrr:
            self.ch_prefix = b"".join(self.transcript)
            self.ch_raw = msg.raw
            self.transcript.append(msg.raw)
            self.ch = ch
            return
        if self.ch is not None:
            return
        self.ch = ch
        self.ch_prefix, self.ch_raw = b"", msg.raw
        self.client_random = ch.random
        self.transcript = [msg.raw]
        if ch.ext(EXT.early_data) is not None:
            self._early_data(msg, ch)

    def _early_data(self, msg: Message, ch: ClientHello) -> None:
        """0-RTT (RFC 8446 §4.2.10): keys from the first offered PSK and the ClientHello."""
        offer = ch.psk
        tickets = self.keys.material.tickets13
        ticket = tickets.get(ticket_key(offer.identities[0][0])) if offer else None
        if ticket is not None and (suite := reg.SUITES.get(ticket.suite)) is not None:
            ks = self._schedule(ticket.hash_name)
            self.ks, self.suite = ks, suite
            self.keys.add_schedule(0, ks, self.client_random)
            ks.add_step(
                Step(
                    "psk",
                    "Input",
                    ticket.psk,
                    explain=f"The PSK of a ticket from connection {ticket.connection}.",
                    rfc="RFC 8446 §4.6.1",
                )
            )
            ks.early(ticket.psk)
            self._check_binder(ks, 0)
            cets = ks.client_early_traffic_secret(digest(ks.hash_name, msg.raw))
            self.early = True
            self._keys_for("client", "early", cets, replace=True)
            return
        logged = self._logged("CLIENT_EARLY_TRAFFIC_SECRET")
        if logged is None:
            self.keys.problem(
                "the client sent 0-RTT data, but neither the key log nor an "
                "earlier connection in the capture gives its early secret"
            )
            return
        hash_name = _HASH_LEN.get(len(logged))
        suites = [
            s
            for c in ch.cipher_suites
            if (s := reg.SUITES.get(c)) is not None
            and s.tls13
            and s.prf_hash == hash_name
            and s.mode == "aead"
        ]
        if hash_name is None or not suites:
            return
        ks = self._schedule(hash_name)
        self.ks, self.suite = ks, suites[0]
        self.keys.add_schedule(0, ks, self.client_random)
        ks.keylog_secret("CLIENT_EARLY_TRAFFIC_SECRET", logged)
        self.early = True
        self._keys_for("client", "early", logged, replace=True)
        for other in suites[1:]:  # the PSK's suite is not on the wire: try the others too
            key = hkdf_expand_label(hash_name, logged, "key", b"", other.key_len)
            iv = hkdf_expand_label(hash_name, logged, "iv", b"", other.iv_len)
            self.keys.protection["client"].add_next("early", self._decryptor(other, key, iv))

    def _check_binder(self, ks: KeySchedule13, index: int) -> None:
        """RFC 8446 §4.2.11.2: the binder is an HMAC over the transcript up to
        the ClientHello truncated before its binders list; after a
        HelloRetryRequest that transcript starts with message_hash and the HRR."""
        offer = self.ch.psk if self.ch is not None else None
        binder_key = ks.value("binder_key")
        if offer is None or binder_key is None or index >= len(offer.binders):
            return
        prefix = self.ch_prefix + self.ch_raw[: offer.binders_offset]
        transcript = "message_hash..ClientHello(truncated)" if self.ch_prefix else None
        expected = ks.psk_binder(binder_key, digest(ks.hash_name, prefix), transcript=transcript)
        self.keys.check(
            verify_finished(
                "PSK binder", expected, offer.binders[index], "RFC 8446 §4.2.11.2", binder=True
            )
        )

    def _server_hello(self, msg: Message, sh: ServerHello) -> None:
        suite = reg.SUITES.get(sh.cipher_suite)
        if suite is None or not suite.tls13:
            self.keys.problem(
                f"the server chose cipher suite {reg.suite_name(sh.cipher_suite)}, "
                "which tlsviz cannot decrypt"
            )
            return
        if sh.is_hrr:
            # RFC 8446 §4.4.1: ClientHello1 is replaced by a message_hash.
            self.hrr = True
            self.transcript = [hrr_message_hash(suite.prf_hash, self.transcript[0]), msg.raw]
            return
        if self.ch is None:
            self.keys.problem("the capture does not show the ClientHello")
            return
        self.transcript.append(msg.raw)
        self.version = sh.version
        psk, external = self._selected_psk(sh)
        shared = self._shared_secret(sh)
        needs_psk = sh.psk_selected is not None
        needs_dhe = sh.key_share is not None
        reuse = (
            self.ks is not None
            and self.ks.hash_name == suite.prf_hash
            and self.ks.early_secret is not None
            and needs_psk
            and psk is not None
        )
        if not reuse:
            self.ks = self._schedule(suite.prf_hash)
            self.keys.add_schedule(0, self.ks, self.client_random)
        ks = self.ks
        assert ks is not None
        ks.after_hrr = self.hrr
        self.suite = suite
        if not reuse and psk is not None and needs_psk:
            # The early secret and the binder need the PSK alone, even when the
            # (EC)DHE part of the handshake is known only from the key log.
            ks.add_step(
                Step(
                    "psk",
                    "Input",
                    psk,
                    rfc="RFC 8446 §7.1",
                    explain="The pre-shared key this handshake "
                    + ("uses (an external PSK)." if external else "resumes with."),
                )
            )
            ks.early(psk, external=external)
            if self.ch.psk is not None and sh.psk_selected is not None:
                self._check_binder(ks, sh.psk_selected)
        if (psk is not None or not needs_psk) and (shared is not None or not needs_dhe):
            if shared is not None:
                for given in self._dh_inputs:
                    ks.add_step(given)
                ks.add_step(shared)
            hs = ks.handshake(shared.value if shared else None, self._hash())
            self.keys.source = (
                "the given ephemeral key" if shared is not None else "the pre-shared key"
            )
            chts, shts = hs.client_handshake_traffic_secret, hs.server_handshake_traffic_secret
        else:
            c_log = self._logged("CLIENT_HANDSHAKE_TRAFFIC_SECRET")
            s_log = self._logged("SERVER_HANDSHAKE_TRAFFIC_SECRET")
            if c_log is None or s_log is None:
                # e.g. a client that rejected the server's certificate logged
                # only the server's secret: decrypt what can be decrypted
                self.keys.problem(self._missing_reason())
                if c_log is None and s_log is None:
                    return
            self.keys.source = "the key log"
            self.hs_secret = {}
            if s_log is not None:
                self.hs_secret["server"] = ks.keylog_secret(
                    "SERVER_HANDSHAKE_TRAFFIC_SECRET", s_log
                )
            if c_log is not None:
                self.hs_secret["client"] = ks.keylog_secret(
                    "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c_log
                )
            for side, secret in self.hs_secret.items():
                self._keys_for(
                    side, "handshake", secret, replace=side == "server" or not self.early
                )
            return
        self.hs_secret = {"client": chts, "server": shts}
        self._keys_for("server", "handshake", shts, replace=True)
        self._keys_for("client", "handshake", chts, replace=not self.early)

    def _missing_reason(self) -> str:
        m = self.keys.material
        return status.missing_handshake_secrets(
            m.given, len(m.keylog), m.keylog.secrets_for(self.client_random), self.client_random
        )

    def _selected_psk(self, sh: ServerHello) -> tuple[bytes | None, bool]:
        idx = sh.psk_selected
        ch = self.ch
        if idx is None or ch is None or ch.psk is None or idx >= len(ch.psk.identities):
            return None, False
        identity = ch.psk.identities[idx][0]
        key = ticket_key(identity)
        self.keys.resumed_from = self.keys.material.ticket_origin.get(key)
        ticket = self.keys.material.tickets13.get(key)
        if ticket is not None:
            return ticket.psk, False
        known = self.keys.material.psk_identities.get(identity)
        if known is not None:
            return known[1], known[0] == "external"
        for psk in self.keys.material.psks:
            return psk, True
        return None, False

    def _shared_secret(self, sh: ServerHello) -> Step | None:
        """(EC)DHE from a known private key of either side (RFC 8446 §7.4)."""
        entry = sh.key_share
        ch = self.ch
        if entry is None or ch is None or not self.keys.material.ephemeral:
            return None
        from .material import find_ephemeral

        client: KeyShareEntry | None = next(
            (s for s in ch.key_shares if s.group == entry.group), None
        )
        if client is None:
            return None
        sides = (
            ("client", client.key_exchange, entry.key_exchange),
            ("server", entry.key_exchange, client.key_exchange),
        )
        for side, own, peer in sides:
            key = find_ephemeral(self.keys.material.ephemeral, entry.group, own)
            if key is None:
                continue
            try:
                value = ecdhe_shared_secret(entry.group, key.private, peer)
            except ValueError as err:
                self.keys.problem(f"the {side}'s ephemeral key does not fit: {err}")
                return None
            other = "server" if side == "client" else "client"
            raw = key.private_bytes_raw()
            self._dh_inputs = [
                Step(
                    f"{side}_private_key",
                    "Input",
                    raw,
                    explain=f"The {side}'s {reg.group_name(entry.group)} private key, made for "
                    "this handshake only and known here because its owner recorded it.",
                ),
                Step(f"{other}_key_share", "Input", peer, explain=f"The {other}'s key share."),
            ]
            return Step(
                "shared_secret",
                "ECDHE",
                value,
                (f"{side}_private_key", f"{other}_key_share"),
                rfc="RFC 8446 §7.4.2",
                explain=f"{reg.group_name(entry.group)}: the {side}'s private key "
                f"combined with the {other}'s public key share.",
            )
        return None

    def _certificate_verify(self, msg: Message, cv: CertificateVerify) -> None:
        certs = self.certs.get(msg.direction)
        if certs and cv.scheme is not None and self.ks is not None and self.keys.signatures:
            self.keys.check(
                verify_certificate_verify13(
                    certs[0],
                    cv.scheme,
                    cv.signature,
                    self._hash(),
                    server=msg.direction == "server",
                )
            )
        self.transcript.append(msg.raw)

    def _finished(self, msg: Message, fin: Finished) -> None:
        side = msg.direction
        ks = self.ks
        if side == "client" and self.early_accepted and not self.eoed_seen and not self.dtls:
            # RFC 8446 §4.5: after accepted 0-RTT the client sent EndOfEarlyData
            # under the early keys; its bytes are fixed, so the transcript can
            # include it even when those keys are unknown.
            self.transcript.append(b"\x05\x00\x00\x00")
            self.eoed_seen = True
        secret = self.hs_secret.get(side)
        if ks is not None and secret is not None:
            fk = ks.finished_key(secret, name=f"{side}_finished_key")
            last = "server Finished" if side == "client" else "the server's last message"
            expected = ks.finished_verify_data(
                fk,
                self._hash(),
                name=f"{side}_finished_verify_data",
                transcript=f"ClientHello..{last}",
            )
            self.keys.check(
                verify_finished(f"{side} Finished", expected, fin.verify_data, "RFC 8446 §4.4.4")
            )
        self.transcript.append(msg.raw)
        if ks is None or self.suite is None:
            return
        if side == "server":
            self._application_secrets()
        else:
            self.done = True
            cats = self.app_secret.get("client")
            if cats is not None:
                self._keys_for("client", "application", cats, replace=True)
            if ks.master_secret is not None:
                self.rms = ks.resumption(self._hash())
            for early in self.tickets:
                self._post_handshake(early)
            self.tickets.clear()

    def _application_secrets(self) -> None:
        ks = self.ks
        assert ks is not None
        if ks.handshake_secret is not None:
            m = ks.master(self._hash())
            cats, sats = (
                m.client_application_traffic_secret_0,
                m.server_application_traffic_secret_0,
            )
        else:
            c_log = self._logged("CLIENT_TRAFFIC_SECRET_0")
            s_log = self._logged("SERVER_TRAFFIC_SECRET_0")
            if c_log is None or s_log is None:
                missing = "CLIENT" if c_log is None else "SERVER"
                self.keys.problem(
                    f"the key log has no {missing}_TRAFFIC_SECRET_0 for this "
                    "connection, so its application data stays encrypted"
                )
            self.app_secret = {}
            if c_log is not None:
                self.app_secret["client"] = ks.keylog_secret("CLIENT_TRAFFIC_SECRET_0", c_log)
            if s_log is not None:
                sats = ks.keylog_secret("SERVER_TRAFFIC_SECRET_0", s_log)
                self.app_secret["server"] = sats
                self._keys_for("server", "application", sats, replace=True)
            else:
                self.keys.protection["server"].epochs = []
            return
        self.app_secret = {"client": cats, "server": sats}
        self._keys_for("server", "application", sats, replace=True)

    def _post_handshake(self, msg: Message) -> None:
        body = msg.body
        ks = self.ks
        if isinstance(body, NewSessionTicket):
            # which connection issued this ticket, even when its PSK is unknown
            origin = self.keys.material.ticket_origin
            origin.setdefault(ticket_key(body.ticket), self.keys.connection)
        if isinstance(body, NewSessionTicket) and ks is not None and self.suite is not None:
            if not self.done:
                self.tickets.append(msg)  # its PSK needs the client Finished first
            elif self.rms is not None and body.nonce is not None:
                psk = ks.ticket_psk(self.rms, body.nonce)
                early = next((e.value for e in body.extensions if e.type == 42), None)
                self.keys.material.tickets13[ticket_key(body.ticket)] = Ticket13(
                    psk,
                    self.suite.code,
                    ks.hash_name,
                    self.keys.connection,
                    early if isinstance(early, int) else None,
                )
        elif isinstance(body, KeyUpdate) and ks is not None and self.suite is not None:
            side = msg.direction
            current = self.app_secret.get(side)
            if current is None:
                return
            gen = self.generation[side] + 1
            self.generation[side] = gen
            new = ks.next_generation(current, side=side, generation=gen)
            self.app_secret[side] = new
            self._keys_for(side, f"application {gen}", new, replace=True)


def _dtls_epoch(name: str) -> int:
    """RFC 9147 §6.1: epoch 1 protects 0-RTT data, 2 the handshake, 3 the
    first application data, and each KeyUpdate the next."""
    if name == "early":
        return 1
    if name == "handshake":
        return 2
    generation = name.removeprefix("application").strip()
    return 3 + (int(generation) if generation else 0)
