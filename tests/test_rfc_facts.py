"""Structural facts of the RFCs, pinned on fresh handshakes between real OpenSSL peers.

What a learner reads in the key steps must be what the RFC says, and what the
peers really did (their key logs and the server's RSA key are the oracle):

* a TLS 1.1+ CBC key block holds no IVs (RFC 4346 §6.3, RFC 5246 §6.3);
* with extended_master_secret the master secret is labelled and cited as
  RFC 7627 §4, without it as RFC 5246 §8.1 — and derived that way, it equals
  the key log's;
* the RSA pre-master secret is the offered version plus 46 random bytes;
* finite-field DHE is named DHE, never ECDHE;
* after a HelloRetryRequest the transcript steps start at message_hash, and a
  PSK binder is named after the transcript it really hashes (RFC 8446 §4.2.11.2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need_tool
from tlsviz.keys.schedule12 import KeySchedule12
from tlsviz.keys.steps import OPERATIONS
from tlsviz.wire.explain import explanation

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parents[1]
PSK = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
HRR_GROUPS = {"groups": ("secp256r1", "x25519"), "server_groups": ("x25519",)}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One capture (and key log) per scenario, made by openssl over loopback."""
    for tool in ("openssl", "tcpdump"):
        need_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from captures.peers import Psk, Scenario, make_pki, record_handshake

    out = tmp_path_factory.mktemp("rfc")
    pki = make_pki(out / "pki", "rsa")
    cbc = "TLS_RSA_WITH_AES_256_CBC_SHA"
    scenarios = [
        Scenario("rsa-cbc-ems", version="1.2", cipher=cbc, pki="rsa"),
        Scenario("rsa-cbc-noems", version="1.2", cipher=cbc, pki="rsa", ems=False),
        Scenario("dhe-cbc", version="1.2", cipher="TLS_DHE_RSA_WITH_AES_128_CBC_SHA", pki="rsa"),
        Scenario("t13-hrr-resume", version="1.3", pki="rsa", resume=True, **HRR_GROUPS),
        Scenario(
            "t13-psk-hrr",
            version="1.3",
            cipher="TLS_AES_128_GCM_SHA256",
            psk=Psk("tlsviz-device", PSK),
            **HRR_GROUPS,
        ),
    ]
    made = {sc.name: record_handshake(sc, out, pki=pki).pcap for sc in scenarios}
    made["server.key"] = pki.server_key
    return made


def decode(pcap: Path, *options: str, keylog: Path | None = None) -> list[dict[str, Any]]:
    keylog = keylog or pcap.with_suffix(".keys")
    proc = subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", "decode", "--json", str(pcap),
         "--keylog", str(keylog), *options],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    conns: list[dict[str, Any]] = json.loads(proc.stdout)["connections"]
    for c in conns:
        assert c["keys"]["status"] == "verified", (pcap.name, c["keys"]["reason"])
    return conns


def steps(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in c["keys"]["steps"]}


def has_extension(c: dict[str, Any], message: str, name: str) -> bool:
    def walk(fields: list[dict[str, Any]]) -> Any:
        for f in fields:
            yield f
            yield from walk(f["children"])

    (m,) = [m for m in c["messages"] if m["type"] == message]
    return any(f.get("key") == f"ext.{name}" for f in walk(m["fields"]))


# -- TLS 1.2 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rsa-cbc-ems", "rsa-cbc-noems", "dhe-cbc"])
def test_cbc_key_block_holds_no_iv(fresh: dict[str, Path], name: str) -> None:
    """Since TLS 1.1 each CBC record sends its own IV: no IV is cut from the key block."""
    (c,) = decode(fresh[name], "--key", str(fresh["server.key"]))
    s = steps(c)
    assert {"client_write_mac_key", "server_write_mac_key", "client_write_key"} <= set(s)
    assert [n for n in s if n.endswith("_iv")] == []
    key_len = 16 if name == "dhe-cbc" else 32  # AES-128 / AES-256, HMAC-SHA1 (20 bytes)
    assert len(bytes.fromhex(s["key_block"]["value"])) == 2 * (20 + key_len)
    # every record still decrypted, each with the IV it carried
    ivs = [
        r["decryption"]["explicit_iv"]
        for m in c["messages"]
        if m["encrypted"]
        for r in m["records"]
    ]
    assert ivs and all(iv is not None and len(iv) == 32 for iv in ivs)


def test_extended_master_secret_is_cited_and_labelled(
    fresh: dict[str, Path], tmp_path: Path
) -> None:
    """The derivation from the server's RSA key must equal the key log's master
    secret, so the label and citation shown are the ones the peers used."""
    for name, ems in (("rsa-cbc-ems", True), ("rsa-cbc-noems", False)):
        (c,) = decode(fresh[name], "--key", str(fresh["server.key"]))
        assert has_extension(c, "ServerHello", "extended_master_secret") is ems
        ms = steps(c)["master_secret"]
        assert ms["operation"] == "PRF" and ms["match"] is True, name
        if ems:
            assert (ms["label"], ms["rfc"]) == ("extended master secret", "RFC 7627 §4")
            assert "transcript_hash:ClientHello..ClientKeyExchange" in ms["inputs"]
        else:
            assert (ms["label"], ms["rfc"]) == ("master secret", "RFC 5246 §8.1")
            assert "client_random" in ms["inputs"]
        # from the key log's master secret alone (its RSA line dropped), the step
        # still says how the peers computed it
        only_master = tmp_path / f"{name}.keys"
        lines = fresh[name].with_suffix(".keys").read_text().splitlines()
        only_master.write_text("".join(f"{x}\n" for x in lines if x.startswith("CLIENT_RANDOM")))
        (c,) = decode(fresh[name], keylog=only_master)
        logged = steps(c)["master_secret"]
        assert logged["operation"] == "Input" and logged["from_keylog"] == ms["value"]
        assert logged["rfc"] == ms["rfc"] and logged["label"] == ms["label"]
        assert ("session hash" in logged["explain"]) is ems
    text = explanation("ext.extended_master_secret") or ""
    assert "ClientKeyExchange" in text and "RFC 7627 §3" in text


def test_rsa_pre_master_is_version_and_46_random_bytes(fresh: dict[str, Path]) -> None:
    (c,) = decode(fresh["rsa-cbc-ems"], "--key", str(fresh["server.key"]))
    pms = steps(c)["pre_master_secret"]
    value = bytes.fromhex(pms["value"])
    (hello,) = [m for m in c["messages"] if m["type"] == "ClientHello"]
    (version,) = [f["value"] for f in hello["fields"] if f["name"] == "legacy_version"]
    assert len(value) == 48 and int.from_bytes(value[:2], "big") == version == 0x0303
    assert pms["operation"] == "RSA-Decrypt" and pms["match"] is True
    assert pms["rfc"] == "RFC 5246 §7.4.7.1"
    assert "46 random bytes" in pms["explain"] and "0x0303" in pms["explain"]
    text = explanation("client_key_exchange.encrypted_pre_master_secret") or ""
    assert "46 random bytes" in text and "Bleichenbacher" in text


def test_dhe_is_named_dhe(fresh: dict[str, Path]) -> None:
    (c,) = decode(fresh["dhe-cbc"])
    assert c["cipher_suite"] == "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"
    assert all("ECDH" not in s["operation"] for s in c["keys"]["steps"])
    (ske,) = [m for m in c["messages"] if m["type"] == "ServerKeyExchange"]
    keys = {f["key"] for f in ske["fields"][2]["children"]}
    assert {"server_key_exchange.dh_p", "server_key_exchange.dh_g"} <= keys
    for key in keys - {k for k in keys if k.endswith("_length")}:
        text = explanation(key) or ""
        assert "Diffie-Hellman" in text and "ECDH" not in text, key


def test_finite_field_pre_master_step_is_dhe() -> None:
    """KeySchedule12.dhe: the RFC 7919 ffdhe2048 group, two private values."""
    from cryptography.hazmat.primitives.asymmetric import dh

    with warnings.catch_warnings():  # cryptography deprecates finite-field DH
        warnings.simplefilter("ignore")
        params = dh.DHParameterNumbers(FFDHE2048_P, 2).parameters()
        a, b = params.generate_private_key(), params.generate_private_key()
    ks = KeySchedule12(0x0303)
    value = ks.dhe(FFDHE2048_P, 2, a.private_numbers().x, b.public_key().public_numbers().y)
    assert value == a.exchange(b.public_key()).lstrip(b"\0")
    step = ks.step("pre_master_secret")
    assert step is not None and step.operation == "DHE" and "DHE" in OPERATIONS
    assert step.rfc == "RFC 5246 §8.1.2"


# -- TLS 1.3 ----------------------------------------------------------------------------------


def test_hrr_transcripts_start_at_message_hash(fresh: dict[str, Path]) -> None:
    first, resumed = decode(fresh["t13-hrr-resume"])
    assert first["hello_retry"] and resumed["hello_retry"] and resumed["resumed"]
    for c in (first, resumed):
        names = [s["name"] for s in c["keys"]["steps"] if s["operation"] == "Transcript-Hash"]
        assert names and all(n.startswith("transcript_hash:message_hash..") for n in names)
        (hrr,) = [m for m in c["messages"] if m["type"] == "HelloRetryRequest"]
        assert any("message_hash" in n and "§4.4.1" in n for n in hrr["notes"])


def test_binder_after_hrr_names_its_transcript(fresh: dict[str, Path]) -> None:
    (c,) = decode(fresh["t13-psk-hrr"], "--psk", PSK)
    assert c["hello_retry"]
    s = steps(c)
    assert s["binder_key"]["label"] == "ext binder"
    binder = s["psk_binder"]
    assert binder["rfc"] == "RFC 8446 §4.2.11.2"
    assert binder["inputs"] == [
        "binder_finished_key",
        "transcript_hash:message_hash..ClientHello(truncated)",
    ]
    assert s["binder_finished_key"]["rfc"] == "RFC 8446 §4.2.11.2"
    (check,) = [k for k in c["verification"]["checks"] if k["name"] == "PSK binder"]
    assert check["ok"] is True and "holds this PSK" in check["detail"]
    # the HkdfLabel of each labelled expansion is spelled out
    assert '0e "tls13 finished"' in s["binder_finished_key"]["explain"]
    assert '"tls13 ext binder"' in s["binder_key"]["explain"]
    # a wrong PSK: the binder check fails, the traffic secrets from the key log still work
    (c,) = decode(fresh["t13-psk-hrr"], "--psk", "ff" * 32)
    (check,) = [k for k in c["verification"]["checks"] if k["name"] == "PSK binder"]
    assert check["ok"] is False


#: RFC 7919 Appendix A.1, ffdhe2048.
FFDHE2048_P = int(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FB"
    "CC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0"
    "856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE735"
    "30ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF"
    "8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA"
    "886B423861285C97FFFFFFFFFFFFFFFF",
    16,
)
