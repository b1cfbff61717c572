"""Wireshark's own decryption tests and the Illustrated TLS pages, through
``tlsviz decode``: the expectations are quoted in ../shared/corpus/MANIFEST.md."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest

from tests.conftest import corpus_file
from tlsviz.cli import main

pytestmark = pytest.mark.corpus


def decode(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["decode", "--json", *args])
    assert rc == 0, err.getvalue()
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def ws(rel: str) -> str:
    return str(corpus_file(f"wireshark/{rel}"))


def data(conn: dict[str, Any], direction: str | None = None) -> bytes:
    return b"".join(
        bytes.fromhex(d["hex"])
        for d in conn["application_data"]
        if direction is None or d["direction"] == direction
    )


def statuses(doc: dict[str, Any]) -> list[str]:
    return [c["keys"]["status"] for c in doc["connections"]]


def test_tls13_rfc8446_with_early_secret() -> None:
    doc = decode(ws("captures/tls13-rfc8446.pcap"), "--keylog", ws("keys/tls13-rfc8446.keys"))
    assert statuses(doc) == ["verified", "verified"]
    c1, c2 = doc["connections"]
    assert b"GET /first" in data(c1, "client")
    assert b"Request for /first, version TLSv1.3, Early data: no\n" in data(c1, "server")
    # the second connection resumes with a ticket of the first and sends 0-RTT data
    assert c2["resumed"]
    assert b"GET /early" in data(c2, "client") and b"GET /second" in data(c2, "client")
    assert b"Request for /early, version TLSv1.3, Early data: yes\n" in data(c2, "server")
    assert b"Request for /second, version TLSv1.3, Early data: yes\n" in data(c2, "server")
    names = {s["name"] for s in c2["keys"]["steps"]}
    assert "client_early_traffic_secret" in names


def test_tls13_rfc8446_without_early_secret() -> None:
    doc = decode(
        ws("captures/tls13-rfc8446.pcap"), "--keylog", ws("keys/tls13-rfc8446-noearly.keys")
    )
    c1, c2 = doc["connections"]
    assert c1["keys"]["status"] == "verified"
    # the 0-RTT request stays encrypted; everything after it decrypts and verifies
    assert c2["keys"]["status"] == "partial"
    assert c2["verification"]["client_finished"] and c2["verification"]["server_finished"]
    assert b"GET /early" not in data(c2, "client")
    assert b"GET /second" in data(c2, "client")
    assert b"Request for /early, version TLSv1.3, Early data: yes\n" in data(c2, "server")


def test_tls12_decryption_secrets_block() -> None:
    doc = decode(ws("captures/tls12-dsb.pcapng"))  # no key options: the DSBs suffice
    assert statuses(doc) == ["verified", "verified"]
    hosts = [data(c, "client") for c in doc["connections"]]
    assert b"Host: example.com" in hosts[0] and b"Host: example.net" in hosts[1]
    assert all(data(c, "server").startswith(b"HTTP/1.1 200") for c in doc["connections"])


def test_tls12_chacha20_all_seven_suites() -> None:
    doc = decode(
        ws("captures/tls12-chacha20poly1305.pcap"),
        "--keylog",
        ws("keys/tls12-chacha20poly1305.keys"),
    )
    ciphers = [
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-CHACHA20-POLY1305",
        "RSA-PSK-CHACHA20-POLY1305",
        "DHE-PSK-CHACHA20-POLY1305",
        "ECDHE-PSK-CHACHA20-POLY1305",
        "PSK-CHACHA20-POLY1305",
    ]
    assert statuses(doc) == ["verified"] * 7
    for conn, cipher in zip(doc["connections"], ciphers, strict=True):
        assert f"Cipher is {cipher}".encode() in data(conn, "server")


def test_tls13_draft20_chacha20() -> None:
    doc = decode(
        ws("captures/tls13-20-chacha20poly1305.pcap"),
        "--keylog",
        ws("keys/tls13-20-chacha20poly1305.keys"),
    )
    assert statuses(doc) == ["verified", "verified"]
    assert doc["connections"][0]["version"] == "TLS 1.3 (draft 20)"
    assert b"TLS13-CHACHA20-POLY1305-SHA256" in data(doc["connections"][0], "server")


@pytest.mark.parametrize("name", ["tls12-aes128ccm.pcap", "tls12-aes256gcm.pcap"])
def test_tls12_psk(name: str) -> None:
    doc = decode(ws(f"captures/{name}"), "--psk", "ca19e028a8a372ad2d325f950fcaceed")
    assert statuses(doc) == ["verified"]
    assert b"http://www.gnu.org/software/gnutls" in data(doc["connections"][0])
    step = {s["name"]: s for s in doc["connections"][0]["keys"]["steps"]}
    assert step["pre_master_secret"]["operation"] == "PSK-Premaster"


def test_dhe_tls10_cbc() -> None:
    doc = decode(ws("captures/dhe1.pcapng.gz"), "--keylog", ws("keys/dhe1_keylog.dat"))
    assert statuses(doc) == ["verified"]
    assert b"GET /test HTTP/1.0" in data(doc["connections"][0], "client")


def test_rsasnakeoil2_sslv3_with_rsa_key() -> None:
    doc = decode(ws("captures/rsasnakeoil2.pcap"), "--key", ws("keys/rsasnakeoil2.key"))
    assert set(statuses(doc)) == {"verified"}
    client = b"".join(data(c, "client") for c in doc["connections"])
    assert b"GET /favicon.ico" in client
    # RSA key exchange: the pre-master secret was decrypted with the server's key
    ops = {s["operation"] for c in doc["connections"] for s in c["keys"]["steps"]}
    assert "RSA-Decrypt" in ops


def test_tls_renegotiation_with_rsa_key() -> None:
    doc = decode(ws("captures/tls-renegotiation.pcap"), "--key", ws("keys/rsasnakeoil2.key"))
    (c,) = doc["connections"]
    assert c["keys"]["status"] == "verified"
    assert c["handshakes"] >= 5
    server = data(c, "server")
    assert b"Content-Length: 2151" in server and b"Content-Length: 0" in server


def test_dmgr_pkcs12_with_password() -> None:
    doc = decode(ws("captures/dmgr.pcapng"), "--key", ws("keys/key.p12"), "--key-password", "WebAS")
    assert "verified" in statuses(doc)
    client = b"".join(data(c, "client") for c in doc["connections"])
    assert b"unsecureLogon.jsp" in client


def _steps(conn: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["value"] for s in conn["keys"]["steps"]}


def test_illustrated_tls13_from_the_ephemeral_key() -> None:
    """Every secret derived from the published x25519 key, not from the key log;
    the values the site publishes are reproduced, and match the key log."""
    base = "illustrated-tls13"
    doc = decode(
        str(corpus_file(f"{base}/capture.pcap")),
        "--keylog",
        str(corpus_file(f"{base}/keylog.txt")),
        "--ephemeral-key",
        str(corpus_file(f"{base}/client-ephemeral-private.key")),
    )
    (c,) = doc["connections"]
    assert c["keys"]["status"] == "verified"
    v = _steps(c)
    assert v["shared_secret"] == "df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624"
    assert v["handshake_secret"] == (
        "bdbbe8757494bef20de932598294ea65b5e6bf6dc5c02a960a2de2eaa9b07c92"
        "9078d2caa0936231c38d1725f179d299"
    )
    assert v["server_handshake_write_key"] == (
        "9f13575ce3f8cfc1df64a77ceaffe89700b492ad31b4fab01c4792be1b266b7f"
    )
    assert v["server_handshake_write_iv"] == "9563bc8b590f671f488d2da3"
    assert v["client_handshake_write_key"] == (
        "1135b4826a9a70257e5a391ad93093dfd7c4214812f493b3e3daae1eb2b1ac69"
    )
    assert v["client_handshake_write_iv"] == "4256d2e0e88babdd05eb2f27"
    assert v["server_application_write_key"] == (
        "01f78623f17e3edcc09e944027ba3218d57c8e0db93cd3ac419309274700ac27"
    )
    assert v["server_application_write_iv"] == "196a750b0c5049c0cc51a541"
    assert v["client_application_write_key"] == (
        "de2f4c7672723a692319873e5c227606691a32d1c59d8b9f51dbb9352e9ca9cc"
    )
    assert v["client_application_write_iv"] == "bb007956f474b25de902432f"
    logged = [s for s in c["keys"]["steps"] if s["from_keylog"] is not None]
    assert len(logged) >= 4 and all(s["match"] is True for s in logged)
    assert data(c, "client") == b"ping" and data(c, "server") == b"pong"


def test_illustrated_tls12_from_the_ephemeral_key() -> None:
    base = "illustrated-tls12"
    doc = decode(
        str(corpus_file(f"{base}/capture.pcap")),
        "--ephemeral-key",
        str(corpus_file(f"{base}/server-ephemeral-private.key")),
    )
    (c,) = doc["connections"]
    assert c["keys"]["status"] == "verified"
    v = _steps(c)
    assert v["pre_master_secret"] == (
        "df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624"
    )
    assert v["master_secret"] == (
        "916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049"
        "781c8e19fc1eb2a7387ac06ae237344c"
    )
    assert v["client_write_mac_key"] == "1b7d117c7d5f690bc263cae8ef60af0f1878acc2"
    assert v["server_write_mac_key"] == "2ad8bdd8c601a617126f63540eb20906f781fad2"
    assert v["client_write_key"] == "f656d037b173ef3e11169f27231a84b6"
    assert v["server_write_key"] == "752a18e7a9fcb7cbcdd8f98dd8f769eb"
    # The Illustrated TLS 1.2 page also cuts two IVs from the key block, but a TLS 1.2
    # CBC key block holds none (RFC 5246 §6.3): each record sends its own IV.
    assert "client_write_iv" not in v and "server_write_iv" not in v
    assert data(c, "client") == b"ping" and data(c, "server") == b"pong"
    # and the key log agrees with the derivation
    doc2 = decode(
        str(corpus_file(f"{base}/capture.pcap")),
        "--keylog",
        str(corpus_file(f"{base}/keylog.txt")),
        "--ephemeral-key",
        str(corpus_file(f"{base}/client-ephemeral-private.key")),
    )
    ms = next(s for s in doc2["connections"][0]["keys"]["steps"] if s["name"] == "master_secret")
    assert ms["match"] is True and ms["operation"] == "PRF"
