"""NULL-encryption suites: records are plaintext plus a MAC, and tlsviz says so.

With a NULL cipher (RFC 5246 §6.2.3.1) a protected record is its content
followed by a MAC: anyone on the path reads it.  Without any key tlsviz must
decode those records as the plaintext they are (Finished included), marked as
sent in the clear; with keys it verifies the MAC.  tshark is the oracle: it
dissects the same handshake messages and follows the same application data.
The corpus captures come from Voev/snet and Peter Wu's notes; fresh ones are
made here between real OpenSSL peers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, need_tool
from tests.tshark_oracle import follow_tls, tshark_connections

ROOT = Path(__file__).resolve().parents[1]

CORPUS_NULL = [
    "snet/decrypt_by_keylog/TLS1_ECDHE-RSA-NULL-SHA.pcap",
    "snet/decrypt_by_keylog/TLS1_ECDHE-ECDSA-NULL-SHA.pcap",
    "snet/decrypt_by_keylog/TLS1_AECDH-NULL-SHA.pcap",
    "snet/decrypt_by_keylog/TLS1_1_ECDHE-RSA-NULL-SHA.pcap",
    "snet/decrypt_by_keylog/TLS1_1_AECDH-NULL-SHA.pcap",
    "lekensteyn-wireshark-notes/tls-null.pcapng",
]


def decode(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", "decode", "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def protected(c: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages that came in protected records (after ChangeCipherSpec)."""
    return [m for m in c["messages"] if m["encrypted"]]


def assert_like_tshark(pcap: Path, doc: dict[str, Any], options: tuple[str, ...] = ()) -> None:
    """Same handshake messages per direction, same application data, as tshark."""
    theirs = tshark_connections(pcap)
    assert doc["connections"]
    for c in doc["connections"]:
        t = theirs[(c["client"], c["server"])]
        for direction in ("client", "server"):
            types = [
                m["handshake_type"]
                for m in c["messages"]
                if m["direction"] == direction and "handshake_type" in m
            ]
            assert types == t.handshake[direction], (pcap.name, direction)
            assert types[-1] == 20, "the Finished message is read in the clear"
        expected = follow_tls(pcap, t.stream, options, c["client"])
        for direction in ("client", "server"):
            got = b"".join(
                bytes.fromhex(d["hex"])
                for d in c["application_data"]
                if d["direction"] == direction
            )
            assert got == expected[direction], (pcap.name, direction)


def assert_in_the_clear(c: dict[str, Any]) -> None:
    """Nothing left as "Encrypted"; every protected message marked and explained."""
    assert c["cipher_suite"] is not None and "_NULL_" in c["cipher_suite"]
    assert [m for m in c["messages"] if m["type"] == "Encrypted"] == []
    prot = protected(c)
    assert {m["direction"] for m in prot if m["type"] == "Finished"} == {"client", "server"}
    for m in prot:
        assert m["cleartext"] is True
        assert any(n.startswith("Sent in the clear") for n in m["notes"]), m["type"]
        # the bytes are the stream's own: nothing was decrypted
        assert m["buffer"] == m["direction"]
    assert [m for m in c["messages"] if m["cleartext"] and not m["encrypted"]] == []


@pytest.mark.corpus
@pytest.mark.tshark
@pytest.mark.parametrize("rel", CORPUS_NULL, ids=[Path(r).stem for r in CORPUS_NULL])
def test_corpus_null_suites_without_keys_read_like_tshark(rel: str) -> None:
    need_tool("tshark")
    pcap = CORPUS / rel
    if not pcap.exists():
        pytest.skip(f"corpus file {rel} is not available")
    doc = decode(str(pcap))
    for c in doc["connections"]:
        assert_in_the_clear(c)
        assert c["keys"]["status"] == "missing"
    assert_like_tshark(pcap, doc)
    assert "message.Finished" in doc["explanations"]


@pytest.mark.corpus
def test_corpus_null_suite_with_keys_verifies_the_mac() -> None:
    pcap = CORPUS / "snet/decrypt_by_keylog/TLS1_ECDHE-RSA-NULL-SHA.pcap"
    keylog = pcap.with_suffix(".txt")
    if not (pcap.exists() and keylog.exists()):
        pytest.skip("snet corpus not available")
    (c,) = decode(str(pcap), "--keylog", str(keylog))["connections"]
    assert c["keys"]["status"] == "verified"
    assert_in_the_clear(c)
    for m in protected(c):
        (rec,) = m["records"]
        assert rec["decryption"]["mac_ok"] is True
        assert m["notes"][-1].endswith(
            "Its MAC verifies with the MAC key derived for this direction."
        )


@pytest.mark.corpus
def test_corpus_null_suite_with_a_wrong_key_says_the_mac_fails(tmp_path: Path) -> None:
    """The content is still shown (it is plaintext), but the MAC is reported bad."""
    pcap = CORPUS / "snet/decrypt_by_keylog/TLS1_ECDHE-RSA-NULL-SHA.pcap"
    keylog = pcap.with_suffix(".txt")
    if not (pcap.exists() and keylog.exists()):
        pytest.skip("snet corpus not available")
    lines = keylog.read_text().split("\n")
    label, cr, _secret = next(ln for ln in lines if ln.startswith("CLIENT_RANDOM")).split()
    wrong = tmp_path / "wrong.keys"
    wrong.write_text(f"{label} {cr} {bytes(48).hex()}\n")
    (c,) = decode(str(pcap), "--keylog", str(wrong))["connections"]
    assert c["keys"]["status"] == "mismatch"
    assert_in_the_clear(c)
    for m in protected(c):
        assert any("MAC of this cleartext record does not verify" in d["message"]
                   for d in m["diagnostics"])  # fmt: skip


# -- fresh NULL-suite handshakes between real OpenSSL peers ---------------------------------


@pytest.fixture(scope="module")
def fresh_null(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    for tool in ("openssl", "tcpdump", "tshark"):
        need_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from captures.peers import Scenario, make_pki, record_handshake

    out = tmp_path_factory.mktemp("null")
    pki = make_pki(out / "pki", "rsa")
    made = {}
    for name, cipher in (
        ("null-ecdhe-rsa-sha", "TLS_ECDHE_RSA_WITH_NULL_SHA"),
        ("null-rsa-sha256", "TLS_RSA_WITH_NULL_SHA256"),
    ):
        sc = Scenario(name, version="1.2", cipher=cipher, pki="rsa", restrict_client=True)
        made[name] = record_handshake(sc, out, pki=pki).pcap
    return made


@pytest.mark.peers
@pytest.mark.tshark
def test_fresh_null_suites_without_keys(fresh_null: dict[str, Path]) -> None:
    from captures.peers import HTTP_BODY

    for name, pcap in fresh_null.items():
        doc = decode(str(pcap))
        (c,) = doc["connections"]
        assert_in_the_clear(c)
        assert_like_tshark(pcap, doc)
        text = b"".join(bytes.fromhex(d["hex"]) for d in c["application_data"])
        assert b"GET /hello.txt" in text and HTTP_BODY in text, name


@pytest.mark.peers
@pytest.mark.tshark
def test_fresh_null_suites_with_keys_verify_every_mac(fresh_null: dict[str, Path]) -> None:
    for name, pcap in fresh_null.items():
        keys = pcap.with_suffix(".keys")
        doc = decode(str(pcap), "--keylog", str(keys))
        (c,) = doc["connections"]
        assert c["keys"]["status"] == "verified", (name, c["keys"]["reason"])
        assert_in_the_clear(c)
        macs = [m["records"][0]["decryption"] for m in protected(c)]
        assert macs and all(d["mac_ok"] is True and d["key"] == "" for d in macs), name
        assert_like_tshark(pcap, doc, ("-o", f"tls.keylog_file:{keys}"))
