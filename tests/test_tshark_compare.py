"""tlsviz and tshark agree on fresh handshakes between real peers.

Each test run records new handshakes (openssl and gnutls, over loopback, with
tcpdump) that neither tool has seen, then compares ``tlsviz decode --json``
with tshark's dissection of the same file, connection by connection: the
handshake messages in each direction, version, cipher suite, SNI and
key-exchange group.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CAPTURES, need_tool
from tests.tshark_oracle import follow_tls, tshark_connections

pytestmark = [pytest.mark.tshark, pytest.mark.peers]


def _scenarios():  # type: ignore[no-untyped-def]
    from captures.peers import Psk, Scenario

    return [
        Scenario("o13-gcm", version="1.3", cipher="TLS_AES_128_GCM_SHA256", alpn=("h2",)),
        Scenario(
            "o13-aes256",
            version="1.3",
            cipher="TLS_AES_256_GCM_SHA384",
            groups=("secp384r1",),
            server_groups=("secp384r1",),
        ),
        Scenario(
            "g13-chacha",
            server="gnutls",
            client="gnutls",
            version="1.3",
            cipher="TLS_CHACHA20_POLY1305_SHA256",
        ),
        Scenario(
            "o13-hrr",
            version="1.3",
            cipher="TLS_AES_128_GCM_SHA256",
            groups=("secp256r1", "x25519"),
            server_groups=("x25519",),
        ),
        Scenario("o13-mtls", version="1.3", mtls=True, pki="rsa"),
        Scenario("g13-o-mtls", server="openssl", client="gnutls", version="1.3", mtls=True),
        Scenario("o13-resume", version="1.3", resume=True),
        Scenario(
            "o12-gcm", version="1.2", cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", pki="rsa"
        ),
        Scenario(
            "g12-cbc",
            server="openssl",
            client="gnutls",
            version="1.2",
            cipher="TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            groups=("x25519", "secp256r1"),
        ),
        Scenario(
            "o12-cbc-noetm", version="1.2", cipher="TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", etm=False
        ),
        Scenario(
            "g12-rsa",
            server="gnutls",
            client="gnutls",
            version="1.2",
            cipher="TLS_RSA_WITH_AES_256_CBC_SHA",
            pki="rsa",
        ),
        Scenario(
            "o12-mtls", version="1.2", cipher="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", mtls=True
        ),
        Scenario(
            "o12-psk",
            version="1.2",
            cipher="TLS_PSK_WITH_AES_128_CCM_8",
            psk=Psk("device-17", "00112233445566778899aabbccddeeff", "hint"),
        ),
        Scenario(
            "o12-resume",
            version="1.2",
            cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            pki="rsa",
            resume=True,
        ),
    ]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    for tool in ("openssl", "gnutls-cli", "tcpdump", "tshark"):
        need_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    from captures.peers import record_handshake

    out = tmp_path_factory.mktemp("fresh")
    made = {}
    for sc in _scenarios():
        made[sc.name] = record_handshake(sc, out).pcap
    return made


def tlsviz_json(pcap: Path) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", "decode", str(pcap), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def compare_with_tshark(pcap: Path) -> int:
    from tlsviz.wire import registry as reg

    doc = tlsviz_json(pcap)
    ours = {(c["client"], c["server"]): c for c in doc["connections"]}
    theirs = tshark_connections(pcap)
    theirs = {k: v for k, v in theirs.items() if v.handshake["client"] or v.handshake["server"]}
    assert set(ours) == set(theirs), pcap
    for key, t in theirs.items():
        c = ours[key]
        for direction in ("client", "server"):
            types = [
                m["handshake_type"]
                for m in c["messages"]
                if m["direction"] == direction and "handshake_type" in m
            ]
            assert types == t.handshake[direction], (pcap.name, key, direction)
        assert c["version"] == (reg.version_name(t.version) if t.version else None)
        assert c["cipher_suite"] == (reg.suite_name(t.suite) if t.suite is not None else None)
        assert c["sni"] == t.sni
        group = t.group if t.group is not None else t.hrr_group
        assert c["group"] == (reg.group_name(group) if group is not None else None), pcap.name
        assert [d for d in c["diagnostics"] if d["severity"] == "error"] == []
    return len(theirs)


def compare_decryption_with_tshark(pcap: Path, keylog: Path) -> int:
    """Every connection verified; decrypted data equal to tshark's, byte for byte."""
    doc = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tlsviz.cli",
                "decode",
                str(pcap),
                "--json",
                "--keylog",
                str(keylog),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    )
    theirs = tshark_connections(pcap)
    for c in doc["connections"]:
        assert c["keys"]["status"] == "verified", (pcap.name, c["id"], c["keys"]["reason"])
        t = theirs[(c["client"], c["server"])]
        expected = follow_tls(pcap, t.stream, ["-o", f"tls.keylog_file:{keylog}"], c["client"])
        for direction in ("client", "server"):
            got = b"".join(
                bytes.fromhex(d["hex"])
                for d in c["application_data"]
                if d["direction"] == direction
            )
            assert got == expected[direction], (pcap.name, c["id"], direction)
        assert expected["client"] and expected["server"]
    return len(doc["connections"])


def test_fresh_handshakes_verify_and_decrypt_like_tshark(fresh: dict[str, Path]) -> None:
    for name, pcap in fresh.items():
        assert compare_decryption_with_tshark(pcap, pcap.with_suffix(".keys")) >= 1, name


def test_fresh_handshakes_match_tshark(fresh: dict[str, Path]) -> None:
    total = 0
    for name, pcap in fresh.items():
        n = compare_with_tshark(pcap)
        assert n >= 1, name
        total += n
    assert total >= len(fresh) + 2  # two resumption scenarios have two connections


def test_bundled_captures_match_tshark() -> None:
    need_tool("tshark")
    pcaps = sorted(CAPTURES.glob("*.pcap"))
    if not pcaps:
        pytest.skip("no bundled captures")
    for pcap in pcaps:
        compare_with_tshark(pcap)
