"""The Illustrated TLS 1.2 / TLS 1.3 Connection: published keys, key logs and record files.

Expected values are the ones the sites publish (quoted in the corpus MANIFEST.md)
and the key logs their servers wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from test_keys_support import corpus_file

from tlsviz.keys.hkdf import transcript_hash
from tlsviz.keys.keylog import KeyLog
from tlsviz.keys.premaster import ecdhe_shared_secret, load_private_key
from tlsviz.keys.protection import RecordDecryptor
from tlsviz.keys.schedule12 import KeySchedule12
from tlsviz.keys.schedule13 import KeySchedule13
from tlsviz.keys.steps import compare_with_keylog

pytestmark = pytest.mark.corpus

CLIENT_RANDOM = bytes(range(32))
SERVER_RANDOM = bytes(range(0x70, 0x90))
# Published by both sites (generate/index.html.template; MANIFEST.md §3a/§3b).
SHARED_SECRET = bytes.fromhex("df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624")


def record(site: str, name: str) -> bytes:
    return corpus_file(site, "records", name).read_bytes()


def keylog(site: str) -> KeyLog:
    log = KeyLog()
    path = corpus_file(site, "keylog.txt")
    log.add_text(path.read_text(encoding="ascii"), source=str(path))
    assert not log.problems
    return log


def x25519_private(path: Path) -> x25519.X25519PrivateKey:
    key = load_private_key(path.read_bytes())
    assert isinstance(key, x25519.X25519PrivateKey)
    return key


def x25519_public_raw(path: Path) -> bytes:
    pub = serialization.load_pem_public_key(path.read_bytes())
    assert isinstance(pub, x25519.X25519PublicKey)
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def decrypt(dec: RecordDecryptor, raw: bytes) -> tuple[bytes, int]:
    result = dec.decrypt(raw[0], int.from_bytes(raw[1:3], "big"), raw[5:])
    assert result.ok, result.error
    return result.plaintext, result.content_type


class TestIllustratedTLS12:
    """TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, x25519, TLS 1.2 explicit IVs."""

    site = "illustrated-tls12"

    def test_key_schedule_matches_site_and_keylog(self) -> None:
        ske = record(self.site, "serverkeyexchange")
        # ServerKeyExchange: header(5) hs(4) curve_type(1) named_curve(2) len(1) point(32)
        assert ske[9:12] == b"\x03\x00\x1d" and ske[12] == 32
        server_pub = ske[13:45]
        published = corpus_file(self.site, "server-ephemeral-public.key")
        assert server_pub == x25519_public_raw(published)
        assert record(self.site, "clienthello")[11:43] == CLIENT_RANDOM
        assert record(self.site, "serverhello")[11:43] == SERVER_RANDOM

        ks = KeySchedule12(0x0303, "sha256")
        client_priv = x25519_private(corpus_file(self.site, "client-ephemeral-private.key"))
        assert ks.ecdhe("x25519", client_priv, server_pub) == SHARED_SECRET
        master = ks.master_secret(SHARED_SECRET, CLIENT_RANDOM, SERVER_RANDOM)
        assert master == bytes.fromhex(
            "916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049"
            "781c8e19fc1eb2a7387ac06ae237344c"
        )
        log = keylog(self.site)
        assert log.master_secret(CLIENT_RANDOM) == master
        comparison = compare_with_keylog(ks.steps, log, CLIENT_RANDOM)
        assert [(c.step.name, c.matches) for c in comparison] == [("master_secret", True)]

        kb = ks.key_block(master, CLIENT_RANDOM, SERVER_RANDOM, 20, 16, 16)
        assert kb.client_write_mac_key.hex() == "1b7d117c7d5f690bc263cae8ef60af0f1878acc2"
        assert kb.server_write_mac_key.hex() == "2ad8bdd8c601a617126f63540eb20906f781fad2"
        assert kb.client_write_key.hex() == "f656d037b173ef3e11169f27231a84b6"
        assert kb.server_write_key.hex() == "752a18e7a9fcb7cbcdd8f98dd8f769eb"
        assert kb.client_write_iv.hex() == "a0d2550c9238eebfef5c32251abb67d6"
        assert kb.server_write_iv.hex() == "434528db4937d540d393135e06a11bb8"
        assert [s.name for s in ks.steps if s.operation == "Split"] == [
            "client_write_mac_key",
            "server_write_mac_key",
            "client_write_key",
            "server_write_key",
            "client_write_iv",
            "server_write_iv",
        ]

    def test_records_decrypt_and_finished_verify(self) -> None:
        master = keylog(self.site).master_secret(CLIENT_RANDOM)
        assert master is not None
        ks = KeySchedule12(0x0303, "sha256")
        kb = ks.key_block(master, CLIENT_RANDOM, SERVER_RANDOM, 20, 16, 16)
        client = RecordDecryptor(
            cipher="AES_128_CBC", mode="cbc", key=kb.client_write_key, iv=kb.client_write_iv,
            version=0x0303, mac="SHA", mac_key=kb.client_write_mac_key,
        )  # fmt: skip
        server = RecordDecryptor(
            cipher="AES_128_CBC", mode="cbc", key=kb.server_write_key, iv=kb.server_write_iv,
            version=0x0303, mac="SHA", mac_key=kb.server_write_mac_key,
        )  # fmt: skip
        hs_names = [
            "clienthello", "serverhello", "servercert", "serverkeyexchange", "serverhellodone",
            "clientkeyexchange",
        ]  # fmt: skip
        messages = b"".join(record(self.site, n)[5:] for n in hs_names)

        cfin, ctype = decrypt(client, record(self.site, "clientfinished"))
        assert ctype == 22
        assert cfin == b"\x14\x00\x00\x0c" + ks.finished(master, "client", messages)
        assert record(self.site, "clientfinishedplain").startswith(cfin)
        sfin, _ = decrypt(server, record(self.site, "serverfinished"))
        assert sfin == b"\x14\x00\x00\x0c" + ks.finished(master, "server", messages + cfin)
        assert record(self.site, "serverfinishedplain").startswith(sfin)

        for dec, name, text in ((client, "clientdata", b"ping"), (server, "serverdata", b"pong")):
            raw = record(self.site, name)
            result = dec.decrypt(raw[0], 0x0303, raw[5:])
            assert result.ok and result.plaintext == text
            assert result.explicit_iv == raw[5:21] and result.iv == raw[5:21]
            assert result.mac_ok and result.mac == result.expected_mac
            # The site's *plain file: content || MAC || padding_length byte.
            plain_file = record(self.site, name + "plain")
            assert plain_file == text + (result.mac or b"") + bytes([result.padding_len])
        alert, ctype = decrypt(client, record(self.site, "clientalert"))
        assert (alert, ctype) == (b"\x01\x00", 21)
        assert record(self.site, "clientalertplain").startswith(alert)


class TestIllustratedTLS13:
    """TLS_AES_256_GCM_SHA384, x25519; key log with SHA-384 secrets."""

    site = "illustrated-tls13"

    def _plain(self, name: str) -> bytes:
        """The decrypted inner plaintext files end with the inner content type byte."""
        return record(self.site, name)

    def test_schedule_keys_and_records(self) -> None:
        ch = record(self.site, "clienthello")[5:]
        sh = record(self.site, "serverhello")[5:]
        assert ch[6:38] == CLIENT_RANDOM
        client_priv = x25519_private(corpus_file(self.site, "client-ephemeral-private.key"))
        server_pub = x25519_public_raw(corpus_file(self.site, "server-ephemeral-public.key"))
        assert server_pub in sh
        shared = ecdhe_shared_secret("x25519", client_priv, server_pub)
        assert shared == SHARED_SECRET

        ks = KeySchedule13("sha384")
        hello_hash = transcript_hash("sha384", ch, sh)
        assert hello_hash.hex() == (
            "e05f64fcd082bdb0dce473adf669c2769f257a1c75a51b7887468b5e0e7a7de4"
            "f4d34555112077f16e079019d5a845bd"
        )
        hs = ks.handshake(shared, hello_hash)
        assert hs.handshake_secret.hex() == (
            "bdbbe8757494bef20de932598294ea65b5e6bf6dc5c02a960a2de2eaa9b07c92"
            "9078d2caa0936231c38d1725f179d299"
        )
        log = keylog(self.site)
        assert log.lookup("CLIENT_HANDSHAKE_TRAFFIC_SECRET", CLIENT_RANDOM) == (
            hs.client_handshake_traffic_secret
        )
        assert log.lookup("SERVER_HANDSHAKE_TRAFFIC_SECRET", CLIENT_RANDOM) == (
            hs.server_handshake_traffic_secret
        )
        sk = ks.traffic_keys(hs.server_handshake_traffic_secret, 32, 12, "server_handshake")
        ck = ks.traffic_keys(hs.client_handshake_traffic_secret, 32, 12, "client_handshake")
        assert sk.key.hex() == "9f13575ce3f8cfc1df64a77ceaffe89700b492ad31b4fab01c4792be1b266b7f"
        assert sk.iv.hex() == "9563bc8b590f671f488d2da3"
        assert ck.key.hex() == "1135b4826a9a70257e5a391ad93093dfd7c4214812f493b3e3daae1eb2b1ac69"
        assert ck.iv.hex() == "4256d2e0e88babdd05eb2f27"

        server_hs = RecordDecryptor(cipher="AES_256_GCM", key=sk.key, iv=sk.iv, version=0x0304)
        messages = [ch, sh]
        for enc, plain in (
            ("serverencextensions", "serverextensions"),
            ("serverenccert", "servercert"),
            ("serverenccertverify", "servercertverify"),
            ("serverencfinished", "serverfinished"),
        ):
            content, ctype = decrypt(server_hs, record(self.site, enc))
            assert content + bytes([ctype]) == self._plain(plain)
            messages.append(content)
        server_finished_hash = transcript_hash("sha384", *messages)
        assert server_finished_hash.hex() == (
            "fa6800169a6baac19159524fa7b9721b41be3c9db6f3f93fa5ff7e3db3ece204"
            "d2b456c51046e40ec5312c55a86126f5"
        )
        sfk = ks.finished_key(hs.server_handshake_traffic_secret)
        assert messages[-1][4:] == ks.finished_verify_data(
            sfk, transcript_hash("sha384", *messages[:-1])
        )

        ms = ks.master(server_finished_hash)
        assert all(c.matches for c in compare_with_keylog(ks.steps, log, CLIENT_RANDOM))
        assert log.lookup("EXPORTER_SECRET", CLIENT_RANDOM) == ms.exporter_master_secret
        sap = ks.traffic_keys(ms.server_application_traffic_secret_0, 32, 12, "server_app")
        cap = ks.traffic_keys(ms.client_application_traffic_secret_0, 32, 12, "client_app")
        assert sap.key.hex() == "01f78623f17e3edcc09e944027ba3218d57c8e0db93cd3ac419309274700ac27"
        assert sap.iv.hex() == "196a750b0c5049c0cc51a541"
        assert cap.key.hex() == "de2f4c7672723a692319873e5c227606691a32d1c59d8b9f51dbb9352e9ca9cc"
        assert cap.iv.hex() == "bb007956f474b25de902432f"

        client_hs = RecordDecryptor(cipher="AES_256_GCM", key=ck.key, iv=ck.iv, version=0x0304)
        ccs = client_hs.decrypt(20, 0x0303, b"\x01")
        assert ccs.ok and not ccs.protected and client_hs.seq == 0
        content, ctype = decrypt(client_hs, record(self.site, "clientencfinished"))
        assert content + bytes([ctype]) == self._plain("clientfinished")

        client_app = RecordDecryptor(cipher="AES_256_GCM", key=cap.key, iv=cap.iv, version=0x0304)
        server_app = RecordDecryptor(cipher="AES_256_GCM", key=sap.key, iv=sap.iv, version=0x0304)
        content, ctype = decrypt(client_app, record(self.site, "clientencdata"))
        assert content + bytes([ctype]) == self._plain("clientdata") == b"ping\x17"
        for enc, plain in (
            ("serverencticket1", "serverticket1"),
            ("serverencticket2", "serverticket2"),
            ("serverencdata", "serverdata"),
        ):
            content, ctype = decrypt(server_app, record(self.site, enc))
            assert content + bytes([ctype]) == self._plain(plain)
        assert content == b"pong"

    def test_keys_from_keylog_alone(self) -> None:
        """Without any private key, the key log's secrets are enough to read the records."""
        log = keylog(self.site)
        secret = log.lookup("SERVER_TRAFFIC_SECRET_0", CLIENT_RANDOM)
        assert secret is not None
        ks = KeySchedule13("sha384")
        keys = ks.traffic_keys(secret, 32, 12, "server_application")
        assert ks.steps[0].name == "server_application_traffic_secret"
        assert ks.steps[0].operation == "Input"
        dec = RecordDecryptor(cipher="AES_256_GCM", key=keys.key, iv=keys.iv, version=0x0304)
        dec.skip(2)  # two NewSessionTicket records come first
        assert decrypt(dec, record(self.site, "serverencdata")) == (b"pong", 23)
