"""TLS 1.3 key schedule and record protection against RFC 8448 (every value from the RFC text)."""

from __future__ import annotations

import pytest
from test_keys_support import CORPUS, Trace, corpus_file, parse_rfc8448_section, rfc8448

from tlsviz.keys.hkdf import hkdf_label, transcript_hash
from tlsviz.keys.premaster import ecdhe_shared_secret
from tlsviz.keys.protection import RecordDecryptor
from tlsviz.keys.schedule13 import KeySchedule13, hrr_message_hash
from tlsviz.keys.steps import compare_with_keylog

pytestmark = pytest.mark.corpus

S = "{server}"
C = "{client}"


def h(*messages: bytes) -> bytes:
    return transcript_hash("sha256", *messages)


def open_record(decryptor: RecordDecryptor, record: bytes) -> tuple[bytes, int]:
    result = decryptor.decrypt(record[0], int.from_bytes(record[1:3], "big"), record[5:])
    assert result.ok, result.error
    return result.plaintext, result.content_type


def aes128gcm13(keys_key: bytes, keys_iv: bytes) -> RecordDecryptor:
    return RecordDecryptor(cipher="AES_128_GCM", key=keys_key, iv=keys_iv, version=0x0304)


@pytest.fixture(scope="module")
def section3() -> Trace:
    return rfc8448(3)


@pytest.fixture(scope="module")
def section4() -> Trace:
    return rfc8448(4)


def test_parser_agrees_with_the_tabulated_values() -> None:
    """The RFC-text parser used below reproduces the 109-row table of §3 exactly."""
    text = corpus_file("rfc8448", "rfc8448.txt").read_text(encoding="utf-8")
    parsed = [(v.step, v.field, v.value.hex()) for v in parse_rfc8448_section(text, 3)]
    rows = [
        [part.strip() for part in line.split(" | ")]
        for line in corpus_file("rfc8448", "rfc8448-simple-1rtt-values.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith("#")
    ]
    assert len(rows) == 109
    table = [
        (step, field, "" if value == "(empty)" else value)
        for step, field, octets, value in rows
        if octets != "-"
    ]
    assert parsed == table


class TestSimple1RTT:
    """RFC 8448 §3: x25519, TLS_AES_128_GCM_SHA256, server-authenticated 1-RTT."""

    @pytest.fixture
    def t(self, section3: Trace) -> Trace:
        return section3

    @pytest.fixture
    def msgs(self, section3: Trace) -> dict[str, bytes]:
        t = section3
        return {
            "ch": t.get(C + " construct a ClientHello", "ClientHello"),
            "sh": t.get(S + " construct a ServerHello", "ServerHello"),
            "ee": t.get(S + " construct an EncryptedExtensions", "EncryptedExtensions"),
            "cert": t.get(S + " construct a Certificate", "Certificate"),
            "cv": t.get(S + " construct a CertificateVerify", "CertificateVerify"),
            "sfin": t.get(S + " construct a Finished", "Finished"),
            "cfin": t.get(C + " construct a Finished", "Finished"),
        }

    def test_shared_secret_from_either_private_key(self, t: Trace) -> None:
        cpriv = t.get(C + " create an ephemeral x25519", "private key")
        cpub = t.get(C + " create an ephemeral x25519", "public key")
        spriv = t.get(S + " create an ephemeral x25519", "private key")
        spub = t.get(S + " create an ephemeral x25519", "public key")
        expected = t.get(S + ' extract secret "handshake"', "IKM")
        assert ecdhe_shared_secret("x25519", cpriv, spub) == expected
        assert ecdhe_shared_secret(29, spriv, cpub) == expected

    def test_full_schedule(self, t: Trace, msgs: dict[str, bytes]) -> None:
        ks = KeySchedule13("sha256")
        assert ks.early(None) == t.get(S + ' extract secret "early"', "secret")
        shared = ecdhe_shared_secret(
            "x25519",
            t.get(C + " create an ephemeral x25519", "private key"),
            t.get(S + " create an ephemeral x25519", "public key"),
        )
        hello_hash = h(msgs["ch"], msgs["sh"])
        assert hello_hash == t.get(S + ' derive secret "tls13 c hs traffic"', "hash")
        hs = ks.handshake(shared, hello_hash)
        assert ks.value("derived_early") == t.get(S + " derive secret for handshake", "expanded")
        assert hs.handshake_secret == t.get(S + ' extract secret "handshake"', "secret")
        assert hs.client_handshake_traffic_secret == t.get(
            S + ' derive secret "tls13 c hs traffic"', "expanded"
        )
        assert hs.server_handshake_traffic_secret == t.get(
            S + ' derive secret "tls13 s hs traffic"', "expanded"
        )
        # The HkdfLabel bytes themselves (RFC 8446 §7.1) are printed as "info".
        assert hkdf_label("c hs traffic", hello_hash, 32) == t.get(
            S + ' derive secret "tls13 c hs traffic"', "info"
        )

        skeys = ks.traffic_keys(hs.server_handshake_traffic_secret, 16, 12, "server_handshake")
        assert skeys.key == t.get(S + " derive write traffic keys for handshake", "key expanded")
        assert skeys.iv == t.get(S + " derive write traffic keys for handshake", "iv expanded")
        ckeys = ks.traffic_keys(hs.client_handshake_traffic_secret, 16, 12, "client_handshake")
        assert ckeys.key == t.get(S + " derive read traffic keys for handshake", "key expanded")
        assert ckeys.iv == t.get(S + " derive read traffic keys for handshake", "iv expanded")

        sfk = ks.finished_key(hs.server_handshake_traffic_secret)
        assert sfk == t.get(S + " calculate finished", "expanded")
        sverify = ks.finished_verify_data(
            sfk, h(msgs["ch"], msgs["sh"], msgs["ee"], msgs["cert"], msgs["cv"])
        )
        assert sverify == t.get(S + " calculate finished", "finished")
        assert msgs["sfin"] == b"\x14\x00\x00\x20" + sverify

        server_finished_hash = h(*(msgs[k] for k in ("ch", "sh", "ee", "cert", "cv", "sfin")))
        ms = ks.master(server_finished_hash)
        assert ks.value("derived_handshake") == t.get(S + " derive secret for master", "expanded")
        assert ms.master_secret == t.get(S + ' extract secret "master"', "secret")
        assert ms.client_application_traffic_secret_0 == t.get(
            S + ' derive secret "tls13 c ap traffic"', "expanded"
        )
        assert ms.server_application_traffic_secret_0 == t.get(
            S + ' derive secret "tls13 s ap traffic"', "expanded"
        )
        assert ms.exporter_master_secret == t.get(
            S + ' derive secret "tls13 exp master"', "expanded"
        )
        sap = ks.traffic_keys(ms.server_application_traffic_secret_0, 16, 12, "server_app")
        assert sap.key == t.get(S + " derive write traffic keys for application", "key expanded")
        assert sap.iv == t.get(S + " derive write traffic keys for application", "iv expanded")
        cap = ks.traffic_keys(ms.client_application_traffic_secret_0, 16, 12, "client_app")
        assert cap.key == t.get(C + " derive write traffic keys for application", "key expanded")
        assert cap.iv == t.get(C + " derive write traffic keys for application", "iv expanded")

        cfk = ks.finished_key(hs.client_handshake_traffic_secret)
        assert cfk == t.get(C + " calculate finished", "expanded")
        cverify = ks.finished_verify_data(cfk, server_finished_hash)
        assert cverify == t.get(C + " calculate finished", "finished")
        assert msgs["cfin"] == b"\x14\x00\x00\x20" + cverify

        rms = ks.resumption(h(*(msgs[k] for k in ("ch", "sh", "ee", "cert", "cv", "sfin", "cfin"))))
        assert rms == t.get(C + ' derive secret "tls13 res master"', "expanded")
        nonce = t.get(S + ' generate resumption secret "tls13 resumption"', "hash")
        assert ks.ticket_psk(rms, nonce) == t.get(S + " generate resumption secret", "expanded")

        # Step bookkeeping: key-log labels and RFC sections are where the UI expects them.
        names = {s.name: s for s in ks.steps}
        assert names["client_handshake_traffic_secret"].keylog_label == (
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
        )
        assert names["server_application_traffic_secret_0"].keylog_label == (
            "SERVER_TRAFFIC_SECRET_0"
        )
        assert names["handshake_secret"].inputs == ("derived_early", "shared_secret")
        assert names["client_handshake_traffic_secret"].label == "c hs traffic"
        assert names["client_handshake_traffic_secret"].context == hello_hash
        assert all(s.rfc for s in ks.steps if s.operation not in ("Input", "Transcript-Hash"))

    def test_records(self, t: Trace) -> None:
        shs = aes128gcm13(
            t.get(S + " derive write traffic keys for handshake", "key expanded"),
            t.get(S + " derive write traffic keys for handshake", "iv expanded"),
        )
        records = t.all(S + " send handshake record", "complete record")
        payloads = t.all(S + " send handshake record", "payload")
        plain, ctype = open_record(shs, records[1])
        assert (plain, ctype) == (payloads[1], 22)

        chs = aes128gcm13(
            t.get(S + " derive read traffic keys for handshake", "key expanded"),
            t.get(S + " derive read traffic keys for handshake", "iv expanded"),
        )
        client_records = t.all(C + " send handshake record", "complete record")
        plain, ctype = open_record(chs, client_records[1])
        assert (plain, ctype) == (t.get(C + " construct a Finished", "Finished"), 22)

        sap = aes128gcm13(
            t.get(S + " derive write traffic keys for application", "key expanded"),
            t.get(S + " derive write traffic keys for application", "iv expanded"),
        )
        cap = aes128gcm13(
            t.get(C + " derive write traffic keys for application", "key expanded"),
            t.get(C + " derive write traffic keys for application", "iv expanded"),
        )
        # NewSessionTicket (server app seq 0), then application data, then alerts.
        assert open_record(sap, records[2]) == (payloads[2], 22)
        assert open_record(cap, t.get(C + " send application_data", "complete record")) == (
            t.get(C + " send application_data", "payload"),
            23,
        )
        assert open_record(sap, t.get(S + " send application_data", "complete record")) == (
            t.get(S + " send application_data", "payload"),
            23,
        )
        assert open_record(cap, t.get(C + " send alert", "complete record")) == (b"\x01\x00", 21)
        assert open_record(sap, t.get(S + " send alert", "complete record")) == (b"\x01\x00", 21)
        assert (cap.seq, sap.seq) == (2, 3)

    def test_wrong_sequence_number_fails_without_advancing(self, t: Trace) -> None:
        sap = aes128gcm13(
            t.get(S + " derive write traffic keys for application", "key expanded"),
            t.get(S + " derive write traffic keys for application", "iv expanded"),
        )
        record = t.get(S + " send application_data", "complete record")  # was sent with seq 1
        bad = sap.decrypt(23, 0x0303, record[5:])
        assert not bad.ok and bad.error and "tag" in bad.error
        assert sap.seq == 0
        good = sap.decrypt(23, 0x0303, record[5:], seq=1)
        assert good.ok and good.nonce is not None and good.aad == record[:5]


class TestResumed0RTT:
    """RFC 8448 §4: resumption with the §3 ticket, 0-RTT early data."""

    @pytest.fixture
    def t(self, section4: Trace) -> Trace:
        return section4

    def test_psk_is_the_section3_ticket(self, t: Trace) -> None:
        t3 = rfc8448(3)
        ks3 = KeySchedule13()
        psk = ks3.ticket_psk(
            t3.get(C + ' derive secret "tls13 res master"', "expanded"),
            t3.get(S + ' generate resumption secret "tls13 resumption"', "hash"),
        )
        assert psk == t.get(C + ' extract secret "early"', "IKM")

    def test_binder_early_data_and_handshake(self, t: Trace) -> None:
        ks = KeySchedule13()
        psk = t.get(C + ' extract secret "early"', "IKM")
        assert ks.early(psk) == t.get(C + ' extract secret "early"', "secret")
        binder_key = ks.value("binder_key")
        assert binder_key == t.get(C + " calculate PSK binder", "PRK")
        prefix = t.get(C + " calculate PSK binder", "ClientHello prefix")
        assert h(prefix) == t.get(C + " calculate PSK binder", "binder hash")
        binder = ks.psk_binder(binder_key, h(prefix))
        assert ks.value("binder_finished_key") == t.get(C + " calculate PSK binder", "expanded")
        assert binder == t.get(C + " calculate PSK binder", "finished")

        ch = t.get(C + " send handshake record", "payload")
        assert ch.endswith(binder)
        early = ks.early_traffic(h(ch))
        assert early.client_early_traffic_secret == t.get(
            C + ' derive secret "tls13 c e traffic"', "expanded"
        )
        assert early.early_exporter_master_secret == t.get(
            C + ' derive secret "tls13 e exp master"', "expanded"
        )
        ekeys = ks.traffic_keys(early.client_early_traffic_secret, 16, 12, "client_early")
        assert ekeys.key == t.get(C + " derive write traffic keys for early", "key expanded")
        assert ekeys.iv == t.get(C + " derive write traffic keys for early", "iv expanded")
        early_dec = aes128gcm13(ekeys.key, ekeys.iv)
        assert open_record(early_dec, t.get(C + " send application_data", "complete record")) == (
            t.get(C + " send application_data", "payload"),
            23,
        )
        client_hs_records = t.all(C + " send handshake record", "complete record")
        eoed = t.get(C + " construct an EndOfEarlyData", "EndOfEarlyData")
        assert open_record(early_dec, client_hs_records[1]) == (eoed, 22)

        shared = ecdhe_shared_secret(
            "x25519",
            t.get(S + " create an ephemeral x25519", "private key"),
            t.get(C + " create an ephemeral x25519", "public key"),
        )
        assert shared == t.get(S + ' extract secret "handshake"', "IKM")
        sh = t.get(S + " construct a ServerHello", "ServerHello")
        hs = ks.handshake(shared, h(ch, sh))
        assert hs.handshake_secret == t.get(S + ' extract secret "handshake"', "secret")
        assert hs.client_handshake_traffic_secret == t.get(
            S + ' derive secret "tls13 c hs traffic"', "expanded"
        )
        skeys = ks.traffic_keys(hs.server_handshake_traffic_secret, 16, 12, "server_handshake")
        assert skeys.key == t.get(S + " derive write traffic keys for handshake", "key expanded")
        server_records = t.all(S + " send handshake record", "complete record")
        ee = t.get(S + " construct an EncryptedExtensions", "EncryptedExtensions")
        sfin = t.get(S + " construct a Finished", "Finished")
        assert open_record(aes128gcm13(skeys.key, skeys.iv), server_records[1]) == (ee + sfin, 22)

        ms = ks.master(h(ch, sh, ee, sfin))
        assert ms.master_secret == t.get(S + ' extract secret "master"', "secret")
        ckeys = ks.traffic_keys(hs.client_handshake_traffic_secret, 16, 12, "client_handshake")
        assert ckeys.key == t.get(C + " derive write traffic keys for handshake", "key expanded")
        cfin = t.get(C + " construct a Finished", "Finished")
        assert open_record(aes128gcm13(ckeys.key, ckeys.iv), client_hs_records[2]) == (cfin, 22)
        assert ks.resumption(h(ch, sh, ee, sfin, eoed, cfin)) == t.get(
            C + ' derive secret "tls13 res master"', "expanded"
        )


class TestHelloRetryRequest:
    """RFC 8448 §5: x25519 offered, HelloRetryRequest asks for P-256."""

    def test_p256_and_message_hash_transcript(self) -> None:
        t = rfc8448(5)
        shared = ecdhe_shared_secret(
            "secp256r1",
            t.get(C + " create an ephemeral P-256", "private key"),
            t.get(S + " create an ephemeral P-256", "public key"),
        )
        assert shared == t.get(S + ' extract secret "handshake"', "IKM")
        assert shared == ecdhe_shared_secret(
            "P-256",
            t.get(S + " create an ephemeral P-256", "private key"),
            t.get(C + " create an ephemeral P-256", "public key"),
        )
        ch1, ch2 = t.all(C + " construct a ClientHello", "ClientHello")
        hrr, sh = t.all(S + " construct a ServerHello", "ServerHello")
        hello_hash = h(hrr_message_hash("sha256", ch1), hrr, ch2, sh)
        assert hello_hash == t.get(S + ' derive secret "tls13 c hs traffic"', "hash")
        ks = KeySchedule13()
        hs = ks.handshake(shared, hello_hash)
        assert hs.server_handshake_traffic_secret == t.get(
            S + ' derive secret "tls13 s hs traffic"', "expanded"
        )
        skeys = ks.traffic_keys(hs.server_handshake_traffic_secret, 16, 12, "server_handshake")
        assert skeys.iv == t.get(S + " derive write traffic keys for handshake", "iv expanded")
        record = t.all(S + " send handshake record", "complete record")[-1]
        payload = t.all(S + " send handshake record", "payload")[-1]
        assert open_record(aes128gcm13(skeys.key, skeys.iv), record) == (payload, 22)


def test_keylog_comparison_marks_matches() -> None:
    """Steps carry NSS labels; a key log built from the RFC values matches them."""
    t = rfc8448(3)
    from tlsviz.keys.keylog import KeyLog

    ch = t.get(C + " construct a ClientHello", "ClientHello")
    client_random = ch[6:38]
    log = KeyLog()
    chts = t.get(S + ' derive secret "tls13 c hs traffic"', "expanded")
    log.add_text(f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {client_random.hex()} {chts.hex()}\n")
    ks = KeySchedule13()
    shared = t.get(S + ' extract secret "handshake"', "IKM")
    ks.handshake(shared, h(ch, t.get(S + " construct a ServerHello", "ServerHello")))
    result = {c.step.name: c.matches for c in compare_with_keylog(ks.steps, log, client_random)}
    assert result == {
        "client_handshake_traffic_secret": True,
        "server_handshake_traffic_secret": None,
    }


def test_corpus_location() -> None:
    """The RFC's text is where the corpus's manifest says it is."""
    assert (CORPUS / "rfc8448" / "rfc8448.txt").is_file()
