"""Whole connections from corpus captures: derive keys, verify every Finished, decrypt every record.

tshark is used only to cut the TCP payloads out of the capture files (skipped when
absent); the TLS work is all tlsviz.keys.  Expected plaintexts are the strings the
origins' own tests look for (quoted in the corpus MANIFEST.md).  Beyond those, every
record must pass its MAC/AEAD check and every Finished must verify — which a wrong
key, IV, sequence number or transcript would break.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from test_keys_support import Record, corpus_file, tcp_segments

from tlsviz.keys.hkdf import transcript_hash
from tlsviz.keys.keylog import KeyLog
from tlsviz.keys.premaster import psk_premaster
from tlsviz.keys.prf import session_hash
from tlsviz.keys.protection import RecordDecryption, RecordDecryptor, classify_cipher
from tlsviz.keys.schedule12 import KeySchedule12
from tlsviz.keys.schedule13 import KeySchedule13, hrr_message_hash
from tlsviz.keys.suites import SuiteLike, lookup_suite

pytestmark = [pytest.mark.corpus, pytest.mark.tshark]

HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def _extensions(data: bytes, pos: int) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    if pos + 2 > len(data):
        return out
    end = pos + 2 + int.from_bytes(data[pos : pos + 2], "big")
    pos += 2
    while pos + 4 <= end:
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        out[int.from_bytes(data[pos : pos + 2], "big")] = data[pos + 4 : pos + 4 + length]
        pos += 4 + length
    return out


@dataclass
class Conn:
    """Follows one TCP connection (SSL 3.0 - TLS 1.3) the way tlsviz will."""

    keylog: KeyLog = field(default_factory=KeyLog)
    rsa_key: bytes | None = None
    psk: bytes | None = None
    sessions: dict[bytes, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.buf = {"client": b"", "server": b""}
        self.hsbuf = {"client": b"", "server": b""}
        self.dec: dict[str, RecordDecryptor | None] = {"client": None, "server": None}
        self.app = {"client": b"", "server": b""}
        self.results: list[RecordDecryption] = []
        self.undecrypted = 0
        self.finished_ok = 0
        self.transcript: list[bytes] = []
        self.client_random = self.server_random = b""
        self.client_sid = self.server_sid = b""
        self.client_exts: dict[int, bytes] = {}
        self.suite: SuiteLike | None = None
        self.version = 0
        self.tls13 = False
        self.master: bytes | None = None
        self.ems = self.etm = False
        self.compression = 0
        self.pending: list[Record] = []
        self.early_stage = self.early_accepted = False
        self.ks13: KeySchedule13 | None = None
        self.secret13: dict[str, bytes] = {}
        self.hs_dec13: RecordDecryptor | None = None
        self.app_secret: dict[str, bytes] = {}
        self.key_updates = 0

    # -- records -------------------------------------------------------------

    def feed(self, side: str, data: bytes) -> None:
        self.buf[side] += data
        b = self.buf[side]
        if side == "client" and not self.client_random and b[:1] and b[0] & 0x80:
            length = ((b[0] & 0x7F) << 8) | b[1]
            if len(b) < 2 + length:
                return
            self._sslv2_hello(b[2 : 2 + length])
            b = b[2 + length :]
        while len(b) >= 5 and len(b) >= 5 + int.from_bytes(b[3:5], "big"):
            n = int.from_bytes(b[3:5], "big")
            rec = Record(b[0], int.from_bytes(b[1:3], "big"), b[5 : 5 + n])
            b = b[5 + n :]
            self._record(side, rec)
        self.buf[side] = b

    def _sslv2_hello(self, msg: bytes) -> None:
        """SSL 2.0-format ClientHello (RFC 6101 Appendix E, RFC 5246 Appendix E.2)."""
        assert msg[0] == 1
        cs_len, sid_len, ch_len = (int.from_bytes(msg[i : i + 2], "big") for i in (3, 5, 7))
        challenge = msg[9 + cs_len + sid_len : 9 + cs_len + sid_len + ch_len]
        self.client_random = challenge.rjust(32, b"\x00")
        self.transcript = [msg]

    def _record(self, side: str, rec: Record) -> None:
        if self.tls13:
            self._record13(side, rec)
            return
        dec = self.dec[side]
        if dec is None:
            if self.suite is None and rec.content_type in (20, 23):
                # Before ServerHello: the TLS 1.3 compatibility CCS, or 0-RTT early data
                # (kept until the ServerHello tells which suite protects it).
                if rec.content_type == 23:
                    self.pending.append(rec)
                return
            self._content(side, rec.content_type, rec.fragment)
            return
        result = dec.decrypt(rec.content_type, rec.version, rec.fragment)
        self.results.append(result)
        if not result.ok:
            self.undecrypted += 1
            return
        self._content(side, result.content_type, result.plaintext)

    def _content(self, side: str, ctype: int, data: bytes) -> None:
        if ctype == 20:
            self.dec[side] = self._decryptor12(side)
        elif ctype == 22:
            self.hsbuf[side] += data
            buf = self.hsbuf[side]
            while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big"):
                n = 4 + int.from_bytes(buf[1:4], "big")
                msg, buf = buf[:n], buf[n:]
                self._handshake(side, msg)
                if self.tls13:  # the rest of this record's messages cannot exist
                    break
            self.hsbuf[side] = buf
        elif ctype == 23:
            self.app[side] += data

    # -- TLS <= 1.2 ------------------------------------------------------------

    def _handshake(self, side: str, msg: bytes) -> None:
        t = msg[0]
        if t == 0:
            return  # HelloRequest is not part of the transcript (RFC 5246 §7.4.1.1)
        if t == 1:
            if self.transcript and self.transcript[0][0] == 254:
                self.transcript.append(msg)  # ClientHello2 after HelloRetryRequest
            else:
                self.transcript = [msg]
            self.client_random = msg[6:38]
            self.client_sid = msg[39 : 39 + msg[38]]
            pos = 39 + msg[38]
            pos += 2 + int.from_bytes(msg[pos : pos + 2], "big")
            pos += 1 + msg[pos]
            self.client_exts = _extensions(msg, pos)
            return
        if t == 2:
            self._server_hello(msg)
            return
        if t == 20:
            self._finished(side, msg)
            return
        self.transcript.append(msg)
        if t == 16:
            self._client_key_exchange(msg)
        elif t == 4 and self.master is not None:  # RFC 5077 ticket: remember its master secret
            self.sessions[msg[10:]] = self.master

    def _server_hello(self, msg: bytes) -> None:
        random = msg[6:38]
        sid_len = msg[38]
        code = int.from_bytes(msg[39 + sid_len : 41 + sid_len], "big")
        exts = _extensions(msg, 42 + sid_len)
        if random == HRR_RANDOM:
            self.transcript = [hrr_message_hash("sha384" if code == 0x1302 else "sha256",
                                                self.transcript[0]), msg]  # fmt: skip
            return
        self.transcript.append(msg)
        self.server_random, self.server_sid = random, msg[39 : 39 + sid_len]
        self.suite = lookup_suite(code)
        assert self.suite is not None, f"suite 0x{code:04x} unknown to the registry"
        self.version = (
            int.from_bytes(exts[43], "big") if 43 in exts else int.from_bytes(msg[4:6], "big")
        )
        self.ems, self.etm = 23 in exts, 22 in exts
        self.compression = msg[41 + sid_len]
        if self.version == 0x0304:
            self._start13()
            return
        if self.server_sid and self.server_sid == self.client_sid:  # abbreviated handshake
            self.master = (
                self.keylog.master_secret(self.client_random)
                or self.sessions.get(self.server_sid)
                or self.sessions.get(self.client_exts.get(35, b"-"))
            )
        else:
            self.master = None

    def _client_key_exchange(self, msg: bytes) -> None:
        assert self.suite is not None
        ks = KeySchedule12(self.version, self.suite.prf_hash)
        pms = None
        if self.suite.kx == "RSA" and self.rsa_key is not None:
            encrypted = msg[4:] if self.version == 0x0300 else msg[6:]
            result = ks.rsa(self.rsa_key, encrypted)
            assert result.ok, result.error
            pms = result.premaster
        elif self.suite.kx == "PSK" and self.psk is not None:
            pms = psk_premaster(self.psk)
        logged = self.keylog.master_secret(self.client_random)
        if pms is not None:
            if self.ems:
                shash = session_hash(self.version, self.suite.prf_hash, b"".join(self.transcript))
                self.master = ks.extended_master_secret(pms, shash)
            else:
                self.master = ks.master_secret(pms, self.client_random, self.server_random)
            assert logged in (None, self.master)
        else:
            self.master = logged
        if self.server_sid and self.master:
            self.sessions[self.server_sid] = self.master

    def _decryptor12(self, side: str) -> RecordDecryptor:
        assert self.suite is not None
        assert self.master is not None, "no master secret for this connection"
        ks = KeySchedule12(self.version, self.suite.prf_hash)
        kb = ks.key_block(
            self.master, self.client_random, self.server_random,
            self.suite.mac_len, self.suite.key_len, self.suite.iv_len,
        )  # fmt: skip
        dec = RecordDecryptor.for_suite(
            self.suite, key=getattr(kb, f"{side}_write_key"), iv=getattr(kb, f"{side}_write_iv"),
            version=self.version, mac_key=getattr(kb, f"{side}_write_mac_key"),
            encrypt_then_mac=self.etm, compression=self.compression,
        )  # fmt: skip
        return dec  # an unsupported cipher shows up as failed results (dec.setup_error)

    def _finished(self, side: str, msg: bytes) -> None:
        if self.tls13:
            self._finished13(side, msg)
        else:
            assert self.suite is not None and self.master is not None
            ks = KeySchedule12(self.version, self.suite.prf_hash)
            assert msg[4:] == ks.finished(self.master, side, b"".join(self.transcript)), side
            self.finished_ok += 1
        self.transcript.append(msg)

    # -- TLS 1.3 ---------------------------------------------------------------

    def _dec13(self, secret: bytes, prefix: str) -> RecordDecryptor:
        assert self.suite is not None and self.ks13 is not None
        keys = self.ks13.traffic_keys(secret, self.suite.key_len, 12, prefix)
        return RecordDecryptor.for_suite(self.suite, key=keys.key, iv=keys.iv, version=0x0304)

    def _start13(self) -> None:
        assert self.suite is not None
        self.tls13 = True
        self.ks13 = KeySchedule13(self.suite.prf_hash)
        self.secret13 = self.keylog.secrets_for(self.client_random)
        for label, value in self.secret13.items():
            self.ks13.keylog_secret(label, value)
        self.hs_dec13 = self._dec13(self.secret13["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], "client_hs")
        self.dec["server"] = self._dec13(
            self.secret13["SERVER_HANDSHAKE_TRAFFIC_SECRET"], "server_hs"
        )
        early = self.secret13.get("CLIENT_EARLY_TRAFFIC_SECRET")
        self.early_stage = 42 in self.client_exts
        if self.early_stage and early is not None:
            self.dec["client"] = self._dec13(early, "client_early")
        else:
            self.dec["client"] = self.hs_dec13
        for rec in self.pending:
            self._record13("client", rec)
        self.pending = []

    def _record13(self, side: str, rec: Record) -> None:
        dec = self.dec[side]
        assert dec is not None
        result = dec.decrypt(rec.content_type, rec.version, rec.fragment)
        if not result.ok and side == "client" and self.early_stage:
            # Early data rejected, or its secret unknown: the handshake keys take over
            # once a record opens with them (failed tries do not advance sequence numbers).
            assert self.hs_dec13 is not None
            retry = self.hs_dec13.decrypt(rec.content_type, rec.version, rec.fragment)
            if retry.ok:
                self.dec["client"], result = self.hs_dec13, retry
        client_hs = side == "client" and self.dec["client"] is self.hs_dec13
        if result.ok and client_hs and self.early_stage:
            self.early_stage = False
            if self.early_accepted:
                # The sealed EndOfEarlyData is still in the transcript; its content is fixed.
                self.transcript.append(b"\x05\x00\x00\x00")
        self.results.append(result)
        if not result.ok:
            self.undecrypted += 1
            return
        if not result.protected:
            return
        if result.content_type == 22:
            self.hsbuf[side] += result.plaintext
            buf = self.hsbuf[side]
            while len(buf) >= 4 and len(buf) >= 4 + int.from_bytes(buf[1:4], "big"):
                n = 4 + int.from_bytes(buf[1:4], "big")
                msg, buf = buf[:n], buf[n:]
                self._handshake13(side, msg)
            self.hsbuf[side] = buf
        elif result.content_type == 23:
            self.app[side] += result.plaintext

    def _handshake13(self, side: str, msg: bytes) -> None:
        t = msg[0]
        if t == 20:
            self._finished(side, msg)
            self.app_secret[side] = self.secret13[f"{side.upper()}_TRAFFIC_SECRET_0"]
            self.dec[side] = self._dec13(self.app_secret[side], f"{side}_app")
        elif t == 5:  # EndOfEarlyData: the client's handshake keys follow (RFC 8446 §4.5)
            self.transcript.append(msg)
            self.early_stage = False
            self.dec["client"] = self.hs_dec13
        elif t == 24:  # KeyUpdate (RFC 8446 §4.6.3): the sender's next generation
            assert self.ks13 is not None
            self.app_secret[side] = self.ks13.next_generation(self.app_secret[side])
            self.key_updates += 1
            self.dec[side] = self._dec13(self.app_secret[side], f"{side}_app_{self.key_updates}")
        elif t != 4:  # NewSessionTicket is post-handshake: not in the transcript
            if t == 8:  # EncryptedExtensions: did the server accept 0-RTT data?
                self.early_accepted = 42 in _extensions(msg, 4)
            self.transcript.append(msg)

    def _finished13(self, side: str, msg: bytes) -> None:
        assert self.ks13 is not None and self.suite is not None
        base = self.secret13[f"{side.upper()}_HANDSHAKE_TRAFFIC_SECRET"]
        key = self.ks13.finished_key(base)
        th = transcript_hash(self.suite.prf_hash, *self.transcript)
        assert msg[4:] == self.ks13.finished_verify_data(key, th), side
        self.finished_ok += 1


def run_capture(parts: tuple[str, ...], **kwargs: object) -> list[Conn]:
    if lookup_suite(0x1301) is None:
        pytest.skip("tlsviz.wire.registry not available")
    pcap = corpus_file(*parts)
    conns = []
    sessions: dict[bytes, bytes] = {}
    for _stream, segments in sorted(tcp_segments(pcap).items()):
        conn = Conn(sessions=sessions, **kwargs)  # type: ignore[arg-type]
        for side, data in segments:
            conn.feed(side, data)
        conns.append(conn)
    return conns


def keylog_of(*parts: str) -> KeyLog:
    log = KeyLog()
    log.add_text(corpus_file(*parts).read_bytes(), source=parts[-1])
    return log


def all_ok(conn: Conn) -> bool:
    return bool(conn.results) and all(r.ok for r in conn.results)


# -- Wireshark test suite captures -----------------------------------------


def test_sslv3_rsasnakeoil2_renegotiation_and_resumption() -> None:
    """SSL 3.0 with an SSLv2 ClientHello, AES-256/3DES CBC, SSL 3.0 MAC and Finished."""
    key = corpus_file("wireshark", "keys", "rsasnakeoil2.key").read_bytes()
    conns = run_capture(("wireshark", "captures", "rsasnakeoil2.pcap"), rsa_key=key)
    assert [c.version for c in conns] == [0x0300, 0x0300]
    assert all(all_ok(c) for c in conns)
    assert conns[0].finished_ok == 4 and conns[1].finished_ok == 2  # renegotiated; resumed
    requests = conns[0].app["client"] + conns[1].app["client"]
    assert b"GET /favicon.ico" in requests  # suite_decryption.py test_tls_rsa


def test_tls12_renegotiation_five_handshakes() -> None:
    key = corpus_file("wireshark", "keys", "rsasnakeoil2.key").read_bytes()
    (conn,) = run_capture(("wireshark", "captures", "tls-renegotiation.pcap"), rsa_key=key)
    assert all_ok(conn) and conn.finished_ok == 10
    assert b"Content-Length: 2151" in conn.app["server"]
    assert b"Content-Length: 0\r\n" in conn.app["client"] + conn.app["server"]


def test_tls10_dhe_keylog() -> None:
    conns = run_capture(
        ("wireshark", "captures", "dhe1.pcapng.gz"),
        keylog=keylog_of("wireshark", "keys", "dhe1_keylog.dat"),
    )
    assert all(all_ok(c) for c in conns)
    assert any(b"GET /test HTTP/1.0" in c.app["client"] for c in conns)


@pytest.mark.parametrize("name", ["tls12-aes128ccm.pcap", "tls12-aes256gcm.pcap"])
def test_tls12_psk_from_the_psk_alone(name: str) -> None:
    """No key log: the master secret comes from the PSK (RFC 4279 §2)."""
    psk = bytes.fromhex("ca19e028a8a372ad2d325f950fcaceed")
    (conn,) = run_capture(("wireshark", "captures", name), psk=psk)
    assert all_ok(conn) and conn.finished_ok == 2
    assert b"http://www.gnu.org/software/gnutls" in conn.app["client"] + conn.app["server"]


def test_tls12_chacha20_poly1305_seven_suites() -> None:
    conns = run_capture(
        ("wireshark", "captures", "tls12-chacha20poly1305.pcap"),
        keylog=keylog_of("wireshark", "keys", "tls12-chacha20poly1305.keys"),
    )
    expected = [
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-CHACHA20-POLY1305",
        "RSA-PSK-CHACHA20-POLY1305", "DHE-PSK-CHACHA20-POLY1305", "ECDHE-PSK-CHACHA20-POLY1305",
        "PSK-CHACHA20-POLY1305",
    ]  # fmt: skip
    assert len(conns) == 7
    for conn, cipher in zip(conns, expected, strict=True):
        assert all_ok(conn) and conn.finished_ok == 2
        assert f"Cipher is {cipher}".encode() in conn.app["server"]


@pytest.mark.parametrize("keys", ["tls13-rfc8446.keys", "tls13-rfc8446-noearly.keys"])
def test_tls13_resumption_with_early_data(keys: str) -> None:
    conns = run_capture(
        ("wireshark", "captures", "tls13-rfc8446.pcap"), keylog=keylog_of("wireshark", "keys", keys)
    )
    first, second = conns
    assert first.tls13 and second.tls13
    assert all_ok(first) and first.finished_ok == 2
    assert first.app["server"] == b"Request for /first, version TLSv1.3, Early data: no\n" or (
        b"Request for /first, version TLSv1.3, Early data: no\n" in first.app["server"]
    )
    server = second.app["server"]
    assert b"Request for /early, version TLSv1.3, Early data: yes\n" in server
    assert b"Request for /second, version TLSv1.3, Early data: yes\n" in server
    assert second.finished_ok == 2
    if keys == "tls13-rfc8446.keys":
        assert all_ok(second) and b"GET /early" in second.app["client"]
    else:  # without the early secret the 0-RTT request stays sealed, the rest still opens
        assert second.undecrypted >= 1 and b"GET /early" not in second.app["client"]
        assert b"GET /second" in second.app["client"]


# -- Peter Wu's (Lekensteyn) suite matrices and Voev/snet --------------------


def _decryptable(conn: Conn) -> bool:
    if conn.suite is None:
        return False
    try:
        classify_cipher(conn.suite.cipher, conn.suite.mode)
    except ValueError:
        return False
    return not getattr(conn.suite, "export", False)


def test_sslv3_every_suite() -> None:
    """39 SSL 3.0 connections, one per suite (RC4, 3DES, DES, IDEA, SEED, AES, Camellia…)."""
    conns = run_capture(
        ("lekensteyn-wireshark-notes", "ssl3", "dump.pcapng"),
        keylog=keylog_of("lekensteyn-wireshark-notes", "ssl3", "premaster.txt"),
    )
    checked = [c for c in conns if _decryptable(c)]
    assert len(checked) >= 30
    kinds = set()
    for conn in checked:
        assert conn.version == 0x0300
        assert all_ok(conn), (conn.suite, [r.error for r in conn.results if not r.ok][:2])
        assert conn.finished_ok == 2 and conn.app["client"].startswith(b"GET /")
        assert conn.suite is not None
        kinds.add(classify_cipher(conn.suite.cipher, conn.suite.mode))
    assert {"rc4", "3des-cbc", "aes-cbc"} <= kinds


def test_tls12_every_suite() -> None:
    """73 TLS 1.2 connections with a key log; PSK suites use psk 1a2b3c4d."""
    conns = run_capture(
        ("lekensteyn-wireshark-notes", "all-tls12-suites", "dump.pcapng"),
        keylog=keylog_of("lekensteyn-wireshark-notes", "all-tls12-suites", "premaster.txt"),
        psk=bytes.fromhex("1a2b3c4d"),
    )
    checked = [c for c in conns if _decryptable(c)]
    assert len(checked) >= 60
    kinds = set()
    for conn in checked:
        assert all_ok(conn), (conn.suite, [r.error for r in conn.results if not r.ok][:2])
        assert conn.finished_ok == 2 and conn.app["client"].startswith(b"GET /")
        assert conn.suite is not None
        kinds.add(classify_cipher(conn.suite.cipher, conn.suite.mode))
    assert {
        "aes-gcm", "aes-cbc", "camellia-cbc", "rc4", "3des-cbc", "seed-cbc", "idea-cbc", "des-cbc",
    } <= kinds  # fmt: skip


# A cross-section of Voev/snet's captures: (capture stem, key log file).
SNET_CASES = [
    ("ssl3_0", "ssl3_0.keylog"),  # SSL 3.0 DHE-RSA-AES256-SHA
    ("TLS1_ECDHE-RSA-NULL-SHA", "TLS1_ECDHE-RSA-NULL-SHA.txt"),  # NULL cipher, MAC only
    ("TLS1_1_AECDH-NULL-SHA", "TLS1_1_AECDH-NULL-SHA.txt"),
    ("TLS1_ECDHE-ECDSA-AES256-SHA", "TLS1_ECDHE-ECDSA-AES256-SHA.txt"),
    ("TLS1_1_ECDHE-RSA-AES128-SHA", "TLS1_1_ECDHE-RSA-AES128-SHA.txt"),
    ("TLS1_2_AES128-CCM8_auth", "TLS1_2_AES128-CCM8_auth.txt"),
    ("TLS1_2_DHE-RSA-AES256-CCM_auth", "TLS1_2_DHE-RSA-AES256-CCM_auth.txt"),
    ("TLS1_2_ECDHE-ECDSA-CAMELLIA256-SHA384_auth",
     "TLS1_2_ECDHE-ECDSA-CAMELLIA256-SHA384_auth.txt"),
    ("TLS1_2_ECDHE-RSA-AES256-SHA384_auth", "TLS1_2_ECDHE-RSA-AES256-SHA384_auth.txt"),
    ("TLS1_2_DHE-RSA-CHACHA20-POLY1305_auth", "TLS1_2_DHE-RSA-CHACHA20-POLY1305_auth.txt"),
    ("TLS1_2_ARIA128-GCM-SHA256_auth", "TLS1_2_ARIA128-GCM-SHA256_auth.txt"),  # skipped: no ARIA
    ("TLS1_3_TLS_AES_128_CCM_8_SHA256", "TLS1_3_TLS_AES_128_CCM_8_SHA256.txt"),
    ("TLS1_3_TLS_AES_128_CCM_SHA256", "TLS1_3_TLS_AES_128_CCM_SHA256.txt"),
    ("TLS1_3_TLS_CHACHA20_POLY1305_SHA256", "TLS1_3_TLS_CHACHA20_POLY1305_SHA256.txt"),
    ("tls1.3_keyupdates_aes256", "log.txt"),  # several KeyUpdates
    ("tls1.3_session_resumption", "log.txt"),  # PSK resumption
    ("mTLS1_3_RSA", "mTLS1_3_RSA.txt"),  # client certificate in the transcript
]  # fmt: skip


@pytest.mark.parametrize(("stem", "keys"), SNET_CASES, ids=[c[0] for c in SNET_CASES])
def test_snet_keylog_captures(stem: str, keys: str) -> None:
    folder = ("snet", "decrypt_by_keylog")
    conns = run_capture((*folder, f"{stem}.pcap"), keylog=keylog_of(*folder, keys))
    conns = [c for c in conns if c.suite is not None]
    if not any(_decryptable(c) for c in conns):
        pytest.skip(f"{stem}: cipher not available in the cryptography package")
    for conn in conns:
        assert all_ok(conn), [r.error for r in conn.results if not r.ok][:2]
        assert conn.finished_ok == 2
        assert conn.app["client"] or conn.app["server"]
    if "keyupdates" in stem:
        assert sum(c.key_updates for c in conns) >= 2
