"""``tlsviz record`` without a target: the in-process handshake, checked with
tshark as the oracle (no key options: the key log travels in the file) and
with ``tlsviz decode --json`` (every connection's keys verify)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tshark_oracle import follow_tls, tshark_connections, tshark_expert_warnings
from tlsviz.capture import CaptureReader, Secrets
from tlsviz.capture.embedded import EmbeddedOptions, run_embedded
from tlsviz.cli import main

needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")

# Handshake types (RFC 8446 §4, RFC 5246 §7.4).
CH, SH, NST, EE, CERT, SKE, CR, SHD, CV, CKE, FIN = 1, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20
PRE_SHARED_KEY = 41


def record(tmp_path: Path, *flags: str, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "x.pcapng"
    keys = tmp_path / "x.keys"
    assert main(["record", "-o", str(path), "--keylog-out", str(keys), *flags]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].endswith(f": {path}")
    assert keys.read_text().strip()
    return path


def decode_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(["decode", "--json", str(path)]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def psk_selected(path: Path) -> list[str]:
    """Per ServerHello, the selected PSK identity (empty: none), as tshark sees it."""
    out = subprocess.run(
        ["tshark", "-r", str(path), "-Y", "tls.handshake.type == 2", "-T", "fields",
         "-e", "tls.handshake.extensions.psk.identity.selected"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return out.splitlines()


VARIANTS = {
    "default": ((), "TLS 1.3", 1),
    "tls12": (("--tls1.2",), "TLS 1.2", 1),
    "mtls": (("--mtls",), "TLS 1.3", 1),
    "resume13": (("--resume",), "TLS 1.3", 2),
    "resume12-ticket": (("--tls1.2", "--resume"), "TLS 1.2", 2),
    "resume12-id": (("--tls1.2", "--resume", "--no-ticket"), "TLS 1.2", 2),
    "alpn-h2": (("--alpn", "h2,http/1.1"), "TLS 1.3", 1),
    "mqtt": (("--mqtt",), "TLS 1.3", 1),
    "rsa": (("--rsa", "--tls1.2", "--cipher", "TLS_RSA_WITH_AES_128_GCM_SHA256"), "TLS 1.2", 1),
    "ipv6": (("--ipv6", "--sni", "demo.example"), "TLS 1.3", 1),
}


@needs_tshark
@pytest.mark.tshark
@pytest.mark.parametrize("name", list(VARIANTS))
def test_tshark_decrypts_with_no_key_options(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags, version, count = VARIANTS[name]
    path = record(tmp_path, *flags, capsys=capsys)
    conns = list(tshark_connections(path).values())
    assert {c.version for c in conns} == {0x0304 if version == "TLS 1.3" else 0x0303}
    assert len(conns) == count
    for stream, c in enumerate(conns):
        assert c.server.endswith(":8883" if "--mqtt" in flags else ":443")
        assert c.handshake["client"][0] == CH and c.handshake["server"][0] == SH
        data = follow_tls(path, stream, client=c.client)
        if "--mqtt" in flags:
            assert data["client"].startswith(b"\x10") and b"MQTT" in data["client"]
            assert data["server"] == b"\x20\x02\x00\x00"  # CONNACK, accepted
        elif "--alpn" in flags:
            assert data["client"].startswith(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            assert b"hello from tlsviz" in data["server"]
        else:
            host = "demo.example" if "--sni" in flags else "localhost"
            assert data["client"].startswith(b"GET / HTTP/1.1\r\nHost: " + host.encode())
            assert data["server"].startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"hello from tlsviz over " in data["server"]
        if "--mtls" in flags:
            assert CR in c.handshake["server"] and CERT in c.handshake["client"]
            assert CV in c.handshake["client"]
    first, *rest = conns
    if name == "resume13":
        assert psk_selected(path) == ["", "0"]  # the second ServerHello accepts PSK 0
        assert CERT not in rest[0].handshake["server"]
    elif name.startswith("resume12"):
        assert SKE in first.handshake["server"] and CERT in first.handshake["server"]
        # abbreviated handshake (RFC 5246 §7.3): ServerHello, then Finished
        assert rest[0].handshake["server"] == [SH, FIN]
        assert (NST in rest[0].handshake["server"]) is False
    if name == "rsa":
        assert first.suite == 0x009C and CKE in first.handshake["client"]
        assert SKE not in first.handshake["server"]  # RSA key exchange


@needs_tshark
@pytest.mark.tshark
def test_tshark_expert_has_no_tcp_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = record(tmp_path, "--resume", "--mtls", capsys=capsys)
    expert = tshark_expert_warnings(path)
    assert "TCP" not in expert and "Malformed" not in expert, expert


@pytest.mark.parametrize("name", ["default", "tls12", "mtls", "resume13", "resume12-id"])
def test_decode_verifies_every_connection(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags, version, count = VARIANTS[name]
    path = record(tmp_path, *flags, capsys=capsys)
    doc = decode_json(path, capsys)
    conns = doc["connections"]
    assert len(conns) == count
    for c in conns:
        assert c["version"] == version
        assert c["keys"]["status"] == "verified"
        assert c["closed"] == "fin" and not [
            d for d in c["diagnostics"] if d["severity"] == "error"
        ]
    if count == 2:
        assert [c["resumed"] for c in conns] == [False, True]


def test_the_file_carries_the_key_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = record(tmp_path, capsys=capsys)
    keys = (tmp_path / "x.keys").read_text()
    secrets = [e for e in CaptureReader(path) if isinstance(e, Secrets)]
    assert [s.data.decode() for s in secrets] == [keys]
    labels = {line.split()[0] for line in keys.splitlines()}
    assert {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"} <= labels


def test_recording_endpoints_and_times() -> None:
    run = run_embedded(EmbeddedOptions(resume=True))
    a, b = run.recording.connections
    assert a.client[0] == a.server[0] == "127.0.0.1" and a.server[1] == 443
    assert 49152 <= a.client[1] < 65535 and b.client[1] == a.client[1] + 1
    times = [c.time for conv in (a, b) for c in conv.chunks]
    assert times == sorted(times)
    assert [h.resumed for h in run.handshakes] == [False, True]
    assert run.pki is not None and b"PRIVATE KEY" in run.pki.server_key


def test_default_output_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["record", "--tls1.2"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    path = Path(line.rsplit(": ", 1)[1])
    assert path.parent == tmp_path / "tlsviz" / "recordings"
    assert path.name.endswith("-embedded-tls12.pcapng") and path.stat().st_size > 1000


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--cipher", "NOPE"], "not a cipher suite"),
        (["--cipher", "TLS_CHACHA20_POLY1305_SHA256"], "cannot choose TLS 1.3"),
        (["--cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "--tls1.3"], "not a TLS 1.3 suite"),
        (["--cipher", "ECDHE-RSA-AES128-GCM-SHA256"], "add --rsa"),
        (["--cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "--rsa"], "leave out --rsa"),
        (["--cipher", "PSK-AES128-GCM-SHA256"], "authenticates with PSK"),
        (["--resume", "--no-ticket"], "TLS 1.3 resumes only with a ticket"),
        (["--cafile", "ca.pem"], "--cafile applies only"),
        (["-o", "/no/such/folder/x.pcapng"], "does not exist"),
    ],
)
def test_option_errors_are_one_sentence(
    flags: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", *flags]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and err.startswith("tlsviz: ")


def test_chosen_tls12_suite_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = record(tmp_path, "--cipher", "ecdhe-ecdsa-aes128-sha", capsys=capsys)
    doc = decode_json(path, capsys)
    [c] = doc["connections"]
    assert c["cipher_suite"] == "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"
    assert c["version"] == "TLS 1.2" and c["keys"]["status"] == "verified"
