"""DTLS captures of others, with the values their own tests expect.

Wireshark's test suite (``test_dtls_psk_aes128ccm8``, ``test_dtls_dsb_aes128ccm8``,
``test_dtls_rsa``, ``test_dtls_udt``), the hotplace DTLS 1.2 captures with their
key log, the Illustrated DTLS 1.3 connection with its key log and the record
keys the site publishes, and Zeek's DTLS captures (no keys) with what its
baseline logs say.  All found by content on their UDP ports, whatever the port.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import corpus_file
from tlsviz.session.model import Connection
from tlsviz.source import open_capture

pytestmark = pytest.mark.corpus

PSK = "ca19e028a8a372ad2d325f950fcaceed"


def _one(path: Path, **keys: object) -> Connection:
    conns = list(open_capture(path, **keys))  # type: ignore[arg-type]
    assert len(conns) == 1
    assert conns[0].transport == "udp"
    return conns[0]


def _data(c: Connection) -> list[tuple[str, bytes]]:
    return [(m.direction, m.raw) for m in c.messages if m.type == "ApplicationData"]


def _decrypted(c: Connection) -> int:
    assert c.keys is not None
    return sum(1 for _, d in c.keys.decryptions.values() if d.ok)


@pytest.mark.parametrize("name", ["dtls12-aes128ccm8.pcap", "dtls12-aes128ccm8-dsb.pcapng"])
def test_wireshark_psk_ccm8(name: str) -> None:
    """Wireshark expects 7 decrypted records, 2 of them "Works for me!"."""
    path = corpus_file("wireshark", "captures", name)
    c = _one(path, psk=PSK) if "dsb" not in name else _one(path)
    assert (c.version, c.cipher_suite) == ("DTLS 1.2", "TLS_PSK_WITH_AES_128_CCM_8")
    assert c.keys is not None and c.keys.status()[0] == "verified"
    assert _decrypted(c) == 7
    works = [d for d in _data(c) if d[1] == b"Works for me!\n"]
    assert [d for d, _ in works] == ["client", "server"]
    types = [m.type for m in c.messages if m.direction == "server"][:2]
    assert types == ["HelloVerifyRequest", "ServerHello"]
    assert c.neg.handshakes == 1  # the ClientHello with the cookie is the same handshake


def test_wireshark_psk_without_the_key_stays_encrypted() -> None:
    c = _one(corpus_file("wireshark", "captures", "dtls12-aes128ccm8.pcap"))
    assert c.keys is not None and c.keys.status()[0] == "missing"
    assert not _data(c)
    assert sum(m.type == "Encrypted" for m in c.messages) == 7


def test_wireshark_rsa_pre_standard_openssl() -> None:
    """OpenSSL's DTLS before 0.9.8f (0x0100): "it work !\\n" (697420776f726b20210a)."""
    path = corpus_file("wireshark", "captures", "snakeoil-dtls.pcap")
    c = _one(path, rsa_key=corpus_file("wireshark", "keys", "snakeoil-rsa.key"))
    assert c.version == "DTLS 1.0 (OpenSSL pre-0.9.8f)"
    assert bytes.fromhex("697420776f726b20210a") in [raw for _, raw in _data(c)]
    # its ChangeCipherSpec took a message_seq: nothing is held back waiting for it
    assert not [d for d in c.diagnostics if "never arrived" in d.message]


def test_wireshark_udt_over_dtls10() -> None:
    path = corpus_file("wireshark", "captures", "udt-dtls.pcapng.gz")
    c = _one(path, rsa_key=corpus_file("wireshark", "keys", "udt-dtls.key"))
    assert (c.version, c.cipher_suite) == ("DTLS 1.0", "TLS_RSA_WITH_AES_256_CBC_SHA")
    assert c.keys is not None and c.keys.status()[0] == "verified"
    # UDT control packets start with the control bit set: "UDT type: ack" frames
    assert sum(raw[:2] == b"\x80\x02" for _, raw in _data(c)) >= 2


HOTPLACE = [
    ("dtls12.pcapng", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", b"hello\r\n"),
    ("dtls12mtu1500.pcapng", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", b"hello\r\n"),
    ("dtls12netclient.pcapng", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", b"hello\x17"),
    # the file name says ECDSA/AES-128, the ServerHello chose this
    ("dtls12_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.pcapng",
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", b"test\r\n"),
    # tshark 4.0 cannot decrypt this one although its key is in the log
    ("dtls12_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256.pcapng",
     "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", b"test\r\n"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "suite", "data"), HOTPLACE, ids=[h[0] for h in HOTPLACE])
def test_hotplace_fragments_and_cookies(name: str, suite: str, data: bytes) -> None:
    path = corpus_file("hotplace-dtls12", name)
    c = _one(path, keylog=corpus_file("hotplace-dtls12", "sslkeylog"))
    assert (c.version, c.cipher_suite) == ("DTLS 1.2", suite)
    assert c.keys is not None and c.keys.status()[0] == "verified"
    assert ("client", data) in _data(c)
    assert "HelloVerifyRequest" in [m.type for m in c.messages]


def test_hotplace_reassembles_fragmented_messages() -> None:
    c = _one(corpus_file("hotplace-dtls12", "dtls12.pcapng"))
    certs = [m for m in c.messages if m.type == "Certificate"]
    assert len(certs) == 1 and len(certs[0].dtls.fragments) > 1
    assert len(certs[0].segments) == len(certs[0].dtls.fragments) + 0  # one run per piece
    # the reassembled bytes are those the spans point at, piece by piece
    m = certs[0]
    assert b"".join(c.read(s) for s in m.spans_of(0, m.length)) == m.raw


#: captures/caps/Makefile of the Illustrated DTLS connection: the keys it publishes
ILLUSTRATED_KEYS = {
    "server_handshake_sn_key": "7173fac51194e775001d625ef69d7c9f",
    "client_handshake_sn_key": "beed6218676635c2cb46a45694144fec",
    "server_handshake_write_key": "004e03e64ab6cba6b542775ec230e20a",
    "server_handshake_write_iv": "6d9924be044ee97c624913f2",
    "client_handshake_write_key": "6caa2633d5e48f10051e69dc45549c97",
    "client_handshake_write_iv": "106dc6e393b7a9ea8ef29dd7",
    "server_application_sn_key": "57ba02596c6a1352d7fe8416c7e17d5a",
    "client_application_sn_key": "5cb5bd8bac29777c650c0dde22d16d47",
    "server_application_write_key": "2b65fffbbc8189474aa2003c43c32d4d",
    "server_application_write_iv": "582f5a11bdaf973fe3ffeb4e",
    "client_application_write_key": "9ba90dbce8857bc1fcb81d41a0465cfe",
    "client_application_write_iv": "682219974631fa0656ee4eff",
}

#: the site's protected records and the plaintext it publishes for each
ILLUSTRATED_RECORDS = {
    "03-encext-shs-prot": "record-encext",
    "04-cert-shs-prot": "record-cert",
    "05-cverify-shs-prot": "record-cverify",
    "06-fin-shs-prot": "record-sfin",
    "07-fin-chs-prot": "record-cfin",
    "08-ack-sap-prot": "record-sack",
    "09-data-cap-prot": "record-cdata",
    "10-data-sap-prot": "record-sdata",
    "11-bye-sap-prot": "record-sbye",
}


def _illustrated(*extra: str) -> Connection:
    d = ("illustrated-dtls",)
    keys: dict[str, object] = {"keylog": corpus_file(*d, "keylog.txt")}
    if "ephemeral" in extra:
        keys["ephemeral_key"] = corpus_file(*d, "client-ephemeral-private.key")
    return _one(corpus_file(*d, "capture.pcap"), **keys)


@pytest.mark.parametrize("extra", [(), ("ephemeral",)], ids=["keylog", "ephemeral"])
def test_illustrated_dtls13_ping_pong(extra: tuple[str, ...]) -> None:
    c = _illustrated(*extra)
    assert (c.version, c.cipher_suite) == ("DTLS 1.3", "TLS_AES_128_GCM_SHA256")
    assert c.keys is not None and c.keys.status()[0] == "verified"
    assert _data(c) == [("client", b"ping"), ("server", b"pong")]
    steps = {r.step.name: r for r in c.keys.step_reports()}
    for name, value in ILLUSTRATED_KEYS.items():
        assert steps[name].step.value.hex() == value, name
    if extra:  # from the shared secret: every traffic secret agrees with the key log
        assert steps["server_application_traffic_secret_0"].match is True
        assert steps["shared_secret"].step.operation == "ECDHE"
    assert "ACK" in [m.type for m in c.messages]


def test_illustrated_dtls13_records_open_to_the_published_plaintext() -> None:
    c = _illustrated()
    assert c.keys is not None and c.streams is not None
    opened = {}
    for (direction, offset), (_, d) in c.keys.decryptions.items():
        assert d.ok and d.record_number is not None
        wire = c.streams[direction].read(offset, 1 << 16)
        opened[direction, offset] = (wire, d.plaintext + bytes([d.content_type]))
    for prot, plain in ILLUSTRATED_RECORDS.items():
        record = corpus_file("illustrated-dtls", "records", prot).read_bytes()
        expected = corpus_file("illustrated-dtls", "records", plain).read_bytes()
        found = [p for wire, p in opened.values() if wire.startswith(record)]
        assert found == [expected], prot


def test_zeek_dtls12_with_cookie() -> None:
    """Zeek's dtls.ssl1_2.log: DTLSv12 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 secp256r1."""
    c = _one(corpus_file("zeek", "dtls1_2.pcap"))
    assert (c.client, c.server) == ("192.168.17.58:60934", "165.227.57.17:4400")
    assert (c.version, c.cipher_suite, c.group) == (
        "DTLS 1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "secp256r1")  # fmt: skip


def test_zeek_dtls13_with_connection_ids() -> None:
    """dtls-13.ssl-all.log: the handshakes that got an answer are DTLSv13 with
    TLS_AES_128_GCM_SHA256 and secp256r1; the others are ClientHellos only,
    sent again and again (Zeek's history "CCC")."""
    conns = {c.id: c for c in open_capture(corpus_file("zeek", "dtls13-cid.pcap"))}
    answered = [c for c in conns.values() if c.version is not None]
    assert answered and all(
        (c.version, c.cipher_suite, c.group) == ("DTLS 1.3", "TLS_AES_128_GCM_SHA256", "secp256r1")
        for c in answered
    )
    # the connection IDs from the hellos frame every protected record
    assert any(c.dtls is not None and c.dtls.connection_ids for c in answered)
    for c in answered:
        assert not [d for d in c.diagnostics if "connection ID" in d.message]
    silent = [c for c in conns.values() if c.version is None]
    assert silent
    for c in silent:
        hellos = [m for m in c.messages if m.type == "ClientHello"]
        assert len(hellos) >= 3 and all(m.dtls.retransmission for m in hellos[1:])
