"""Smoke test of captures/peers.py: real handshakes over loopback, checked with tshark.

Makes one TLS 1.3 and one TLS 1.2 capture (openssl s_server/s_client, tcpdump on lo) in a
temporary directory. Skipped without openssl/tcpdump/tshark or without root (tcpdump).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from captures.peers import (  # noqa: E402 - needs the repository root on sys.path
    HTTP_BODY,
    Pki,
    Scenario,
    make_pki,
    missing_tools,
    record_handshake,
    verify_capture,
)

pytestmark = [pytest.mark.peers, pytest.mark.tshark]

_missing = missing_tools("openssl", "tcpdump", "tshark")
needs_peers = pytest.mark.skipif(
    bool(_missing) or os.geteuid() != 0,
    reason=f"needs root and openssl, tcpdump, tshark (missing: {', '.join(_missing) or '-'})",
)

SCENARIOS = [
    Scenario(
        "smoke-tls13",
        version="1.3",
        cipher="TLS_AES_128_GCM_SHA256",
        groups=("x25519",),
        alpn=("http/1.1",),
    ),
    Scenario(
        "smoke-tls12",
        version="1.2",
        cipher="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        groups=("secp256r1",),
    ),
]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"), "ec")


@needs_peers
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_real_handshake_is_captured_and_decrypts(
    scenario: Scenario, pki: Pki, tmp_path: Path
) -> None:
    rec = record_handshake(scenario, tmp_path, pki=pki, timeout=10)
    assert rec.pcap == tmp_path / f"{scenario.name}.pcap"
    assert 1000 < rec.pcap.stat().st_size < 20_000
    assert rec.keylog.read_text().strip()

    port = int(rec.extra["port"])
    seen = verify_capture(rec.pcap, keylog=rec.keylog, port=port)
    assert seen.client_hellos == 1
    assert seen.suites == [scenario.cipher]
    assert seen.groups == list(scenario.groups)
    assert b"GET /hello.txt" in seen.plaintext
    assert HTTP_BODY in seen.plaintext
    if scenario.version == "1.3":
        assert {8, 11, 15, 20} <= set(seen.handshake_types)  # decrypted handshake messages
        assert seen.alpn == ["http/1.1"]

    blind = verify_capture(rec.pcap, port=port)  # without the key log nothing decrypts
    assert blind.client_hellos == 1
    assert blind.plaintext == b""


def test_bundled_captures_are_listed_and_small() -> None:
    manifest_path = ROOT / "captures" / "manifest.json"
    if not manifest_path.exists():
        pytest.skip("no captures/manifest.json (run captures/make_captures.py)")
    entries = json.loads(manifest_path.read_text())["captures"]
    assert entries
    total = 0
    for entry in entries:
        for name in entry["files"].values():
            assert (ROOT / "captures" / name).is_file(), name
        size = (ROOT / "captures" / entry["files"]["capture"]).stat().st_size
        assert size == entry["bytes"]
        total += size
    assert total < 80_000
