"""Verify a connection's Finished messages from a key log, with nothing else.

``decode --summary --keylog`` on a capture of thousands of handshakes needs one
answer per connection: do both Finished messages verify with the key log's
secrets?  The full flow (:mod:`tlsviz.keys.flow13`, :mod:`tlsviz.keys.flow12`)
records every derivation step, checks signatures and decodes every message;
this one frames records, keeps the transcript as bytes, decrypts only the
handshake records and computes the two verify_data values with the same
primitives (:mod:`.hkdf`, :mod:`.prf`, :class:`.protection.RecordDecryptor`).
It handles the common case — a key log and a full or resumed handshake — and
says :attr:`QuickVerifier.unsure` for anything else (0-RTT, an SSLv2 hello,
renegotiation, unknown suites), so the caller can fall back to the full flow.
It decides only two statuses itself: ``verified`` (both Finished messages
verify) and ``missing`` when the key log has nothing for the connection, with
the reasons of :mod:`tlsviz.keys.status`; any other outcome is the full flow's
to explain (a mismatch, a record that does not decrypt), so the caller falls
back to it then too.  The hellos' facts are read on the way with the
functions of :mod:`.hellos`.  A test checks that both give the same status
and reason on every capture at hand, with right, wrong and corrupted key logs.
"""

from __future__ import annotations

import hmac

from ..keys import status as st
from ..keys.digests import digest, hash_len, hmac_digest
from ..keys.hkdf import hkdf_expand_label
from ..keys.keylog import KeyLog
from ..keys.prf import KeyBlock, finished_verify_data, key_block, split_key_block
from ..keys.protection import RecordDecryptor
from ..wire import registry as reg
from ..wire.facts import (
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    CLIENT_HELLO,
    CLIENT_KEY_EXCHANGE,
    ENCRYPTED_EXTENSIONS,
    FINISHED,
    HANDSHAKE,
    HRR_RANDOM,
    KEY_UPDATE,
    NEW_SESSION_TICKET,
    SERVER_HELLO,
    SERVER_HELLO_DONE,
    SERVER_KEY_EXCHANGE,
    flight_step,
    is_tls13,
)
from ..wire.facts_ext import encrypted_extensions_alpn
from ..wire.facts_hello import ServerHelloFacts
from ..wire.framing import MAX_HANDSHAKE_MESSAGE, pending_need
from .hellos import HelloFacts, client_hello, server_hello, server_key_exchange


class QuickVerifier:
    """Follows one connection's two byte streams until both Finished are checked."""

    def __init__(self, keylog: KeyLog, facts: HelloFacts | None = None) -> None:
        self.keylog = keylog
        #: what a summary shows of the hellos, read on the way (see .hellos)
        self.facts = facts if facts is not None else HelloFacts()
        self.bufs = {"client": bytearray(), "server": bytearray()}
        self.hs = {"client": bytearray(), "server": bytearray()}
        self.dec: dict[str, RecordDecryptor | None] = {"client": None, "server": None}
        self.transcript: list[bytes] = []
        self.client_random = b""
        self.server_random = b""
        self.suite: reg.SuiteInfo | None = None
        self.version = 0
        self.tls13 = False
        self.hash = "sha256"
        self.secrets: dict[str, bytes] = {}
        self.master: bytes | None = None
        self.etm = False
        self.finished: dict[str, bool] = {}
        self.status: str | None = None
        self.reason = ""
        self.unsure = False
        self.started = False
        self.alpn: str | None = None
        self.encrypted_extensions = False
        self.key_exchange = False  # a ClientKeyExchange came (not an abbreviated handshake)
        self.compression = 0
        self._key_block: KeyBlock | None = None

    @property
    def done(self) -> bool:
        return self.status is not None or self.unsure

    def _end(self, status: str, reason: str) -> None:
        """The verdict: only ``verified`` and ``missing`` are decided here
        (see the module's docstring); anything else is the full flow's."""
        if status not in (st.VERIFIED, st.MISSING):
            self.unsure = True
        elif self.status is None:
            self.status, self.reason = status, st.sentence(reason)

    # -- records ------------------------------------------------------------------
    def feed(self, direction: str, data: bytes) -> None:
        if self.status is not None or self.unsure:
            return
        pend = self.bufs[direction]
        if pend:
            if len(pend) + len(data) < pending_need(pend, 5, 2):
                pend += data  # a record arriving in small pieces is copied once, when complete
                return
            data = bytes(pend) + data
            pend.clear()
        if not self.started and data[:1] and data[0] & 0x80:
            self.unsure = True  # SSLv2-framed hello: the full flow knows it
            return
        pos, n = 0, len(data)
        while pos + 5 <= n:
            end = pos + 5 + ((data[pos + 3] << 8) | data[pos + 4])
            if end > n:
                break
            self.started = True
            try:
                self._record(
                    direction, data[pos], (data[pos + 1] << 8) | data[pos + 2], data[pos + 5 : end]
                )
            except (ValueError, IndexError, KeyError, OverflowError):
                self.unsure = True  # bytes this check does not expect: the full flow explains them
                return
            pos = end
            if self.status is not None or self.unsure:
                return
        if pos < n:
            pend += data[pos:]

    def _record(self, direction: str, ctype: int, version: int, fragment: bytes) -> None:
        if direction in self.finished:
            return  # its handshake is over: later records use keys not needed here
        if ctype == CHANGE_CIPHER_SPEC:
            if direction == "server":
                self.facts.flight = flight_step(self.facts.flight, "ChangeCipherSpec")
            if not self.tls13:
                self._change_cipher_spec(direction)
            return
        dec = self.dec[direction]
        if dec is not None and (ctype == APPLICATION_DATA or not self.tls13):
            opened = dec.open(ctype, version, fragment)
            if opened is None:
                self._end(
                    "mismatch",
                    f"the {direction}'s records do not decrypt with the "
                    "key log's secrets: they do not belong to this connection",
                )
                return
            ctype, fragment = opened
        elif ctype == APPLICATION_DATA:
            if direction == "client" and not self.suite:
                self.unsure = True  # 0-RTT data
            return
        if ctype == HANDSHAKE:
            self._handshake(direction, fragment)

    def _handshake(self, direction: str, data: bytes) -> None:
        hs = self.hs[direction]
        if hs:  # a message begun in an earlier record
            need = pending_need(hs, 4, 3)
            if len(hs) + len(data) < need:
                if need - 4 > MAX_HANDSHAKE_MESSAGE:
                    self.unsure = True  # no handshake message is that long: the full flow says so
                    return
                hs += data  # copied once, when complete
                return
            hs += data
            data = bytes(hs)
            hs.clear()
        pos, n = 0, len(data)
        while pos + 4 <= n:
            end = pos + 4 + ((data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3])
            if end > n:
                break
            self._message(direction, data[pos], data[pos:end] if pos or end < n else data)
            pos = end
            if self.status is not None or self.unsure:
                return
        if pos < n:
            hs += data[pos:]

    # -- messages -----------------------------------------------------------------
    def _message(self, direction: str, t: int, raw: bytes) -> None:
        server = direction == "server"
        if t == CLIENT_HELLO:
            if self.client_random and not self.hrr_pending():
                self.unsure = True  # renegotiation
                return
            self.client_random = self.client_random or raw[6:38]
            client_hello(self.facts, raw, 4, len(raw))
        elif t == SERVER_HELLO:
            # read once: for the summary's facts and for the key schedule
            self._server_hello(raw, server_hello(self.facts, raw, 4, len(raw), server))
            return
        elif t == SERVER_KEY_EXCHANGE:
            server_key_exchange(self.facts, raw, 4, len(raw))
        elif t == SERVER_HELLO_DONE and server:
            self.facts.flight = flight_step(self.facts.flight, "ServerHelloDone")
        elif t == CLIENT_KEY_EXCHANGE:
            self.key_exchange = True
        elif t == FINISHED:
            self._finished(direction, raw)
            return
        elif t in (NEW_SESSION_TICKET, KEY_UPDATE) and self.tls13:
            return  # tickets and key updates are not part of the transcript
        elif t == ENCRYPTED_EXTENSIONS and server and not self.encrypted_extensions:
            # TLS 1.3 moved the selected ALPN protocol here (RFC 8446 §4.3.1):
            # the first EncryptedExtensions that decodes answers
            self.encrypted_extensions, self.alpn = encrypted_extensions_alpn(raw, 4, len(raw))
        self.transcript.append(raw)

    def hrr_pending(self) -> bool:
        return self.suite is not None and self.tls13 and not self.secrets

    def _server_hello(self, raw: bytes, sh: ServerHelloFacts | None) -> None:
        suite = reg.SUITES.get(sh.cipher_suite) if sh is not None else None
        if sh is None or suite is None:
            self.unsure = True
            return
        version = sh.version
        if not (0x0300 <= version <= 0x0304 or (version >> 8) == 0x7F):
            self.unsure = True  # not a version this check knows
            return
        self.suite = suite
        self.version = version
        self.tls13 = is_tls13(version)
        self.hash = suite.prf_hash
        self.server_random = random = sh.random
        if self.tls13 and random == HRR_RANDOM:
            if len(self.transcript) != 1:
                self.unsure = True  # a retry request that follows no single ClientHello
                return
            # RFC 8446 §4.4.1: ClientHello1 becomes a message_hash
            inner = digest(self.hash, self.transcript[0])
            self.transcript = [bytes([254]) + len(inner).to_bytes(3, "big") + inner]
            self.transcript.append(raw)
            return
        self.transcript.append(raw)
        if self.tls13:
            c = self.keylog.lookup("CLIENT_HANDSHAKE_TRAFFIC_SECRET", self.client_random)
            s = self.keylog.lookup("SERVER_HANDSHAKE_TRAFFIC_SECRET", self.client_random)
            if c is None and s is None:
                logged = self.keylog.secrets_for(self.client_random)
                reason = st.missing_handshake_secrets(
                    True, len(self.keylog), logged, self.client_random
                )
                self._end(st.MISSING, reason)
                return
            if c is None or s is None:
                self.unsure = True  # one side's secret: the full flow decrypts what it can
                return
            self.secrets = {"client": c, "server": s}
            for side, secret in self.secrets.items():
                self.dec[side] = self._aead13(secret)
        else:
            self.etm = sh.encrypt_then_mac and suite.mode == "cbc"
            self.compression = sh.compression_method
            self.master = self.keylog.lookup("CLIENT_RANDOM", self.client_random)

    def _aead13(self, secret: bytes) -> RecordDecryptor:
        assert self.suite is not None
        key = hkdf_expand_label(self.hash, secret, "key", b"", self.suite.key_len)
        iv = hkdf_expand_label(self.hash, secret, "iv", b"", self.suite.iv_len)
        return RecordDecryptor.for_suite(self.suite, key=key, iv=iv, version=self.version)

    def _change_cipher_spec(self, direction: str) -> None:
        suite = self.suite
        if suite is None:
            return
        if self.master is None:
            if suite.kx in ("RSA", "RSA_EXPORT"):
                self.unsure = True  # the key log may hold the pre-master secret (RSA lines)
                return
            if self.key_exchange:
                reason = st.missing_master_secret(True, False, False, suite.kx, self.client_random)
            else:
                reason = st.unknown_session(self.client_random)
            self._end(st.MISSING, reason)
            return
        kb = self._key_block
        if kb is None:  # one key block for both directions
            block = key_block(
                self.version,
                suite.prf_hash,
                self.master,
                self.client_random,
                self.server_random,
                2 * (suite.mac_len + suite.key_len + suite.iv_len),
            )
            kb = self._key_block = split_key_block(
                block, suite.mac_len, suite.key_len, suite.iv_len
            )
        if direction == "client":
            key, iv, mac = kb.client_write_key, kb.client_write_iv, kb.client_write_mac_key
        else:
            key, iv, mac = kb.server_write_key, kb.server_write_iv, kb.server_write_mac_key
        dec = RecordDecryptor.for_suite(
            suite,
            key=key,
            iv=iv,
            version=self.version,
            mac_key=mac,
            encrypt_then_mac=self.etm,
            compression=self.compression,
        )
        if dec.setup_error:
            self._end("partial", f"the records cannot be decrypted: {dec.setup_error}")
            return
        self.dec[direction] = dec

    def _finished(self, direction: str, raw: bytes) -> None:
        received = raw[4:]
        if self.tls13:
            secret = self.secrets[direction]
            fk = hkdf_expand_label(self.hash, secret, "finished", b"", hash_len(self.hash))
            expected = hmac_digest(self.hash, fk, digest(self.hash, b"".join(self.transcript)))
        else:
            assert self.suite is not None and self.master is not None
            expected = finished_verify_data(
                self.version, self.suite.prf_hash, self.master, direction, b"".join(self.transcript)
            )
        self.transcript.append(raw)
        ok = hmac.compare_digest(expected, received)
        self.finished[direction] = ok
        if not ok:
            self._end(
                "mismatch",
                f"the {direction} Finished does not verify: the key log's "
                "secrets or the handshake differ from what the sender used",
            )
        elif len(self.finished) == 2:
            self._end(st.VERIFIED, st.BOTH_VERIFIED)
