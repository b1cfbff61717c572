"""The command line: exit codes, one-sentence errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CAPTURES


def tlsviz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def one_sentence(stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tlsviz: ") and lines[0].endswith(".")


def test_default_capture_decodes() -> None:
    proc = tlsviz("decode")
    assert proc.returncode == 0, proc.stderr
    assert "ClientHello" in proc.stdout and "TLS_AES_128_GCM_SHA256" in proc.stdout


def test_explain_prints_explanations() -> None:
    proc = tlsviz("decode", str(CAPTURES / "tls13-hrr.pcap"), "--explain")
    assert proc.returncode == 0
    assert "HelloRetryRequest" in proc.stdout
    assert "  | " in proc.stdout  # explanation lines


def test_missing_file(tmp_path: Path) -> None:
    proc = tlsviz("decode", str(tmp_path / "nope.pcap"))
    assert proc.returncode == 2
    one_sentence(proc.stderr)
    assert proc.stdout == ""


@pytest.mark.parametrize("content", [b"", b"hello, this is text\n", bytes(range(256)) * 4])
def test_not_a_capture(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(content)
    proc = tlsviz("decode", str(path), "--json")
    assert proc.returncode == 2
    one_sentence(proc.stderr)


def test_directory_is_not_a_capture(tmp_path: Path) -> None:
    proc = tlsviz("decode", str(tmp_path))
    assert proc.returncode == 2
    one_sentence(proc.stderr)


def test_truncated_capture_warns_and_decodes(tmp_path: Path) -> None:
    data = (CAPTURES / "tls12-ecdhe-rsa-aes128gcm.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    proc = tlsviz("decode", str(cut), "--json")
    assert proc.returncode == 0
    one_sentence(proc.stderr.replace("tlsviz: warning: ", "tlsviz: "))
    doc = json.loads(proc.stdout)
    (conn,) = doc["connections"]
    assert conn["messages"][0]["type"] == "ClientHello"
    assert doc["notes"]


def test_malformed_tls_in_a_good_capture(tmp_path: Path) -> None:
    """Flip bytes inside the ServerHello of a real capture: exit 0, the damage
    is a diagnostic, the other messages still decode."""
    data = bytearray((CAPTURES / "tls12-ecdhe-rsa-aes128gcm.pcap").read_bytes())
    # the ServerHello's extensions length: find the server's hello by its fixed prefix
    idx = data.find(bytes.fromhex("160303")) + 5  # first server record? find the SH
    sh = data.find(b"\x02\x00\x00", idx)
    assert sh > 0
    data[sh + 4 + 2 + 32 + 1 + 32 + 3] ^= 0xFF  # extensions length (after sid of 32)
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(bytes(data))
    proc = tlsviz("decode", str(bad), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    (conn,) = doc["connections"]
    types = [m["type"] for m in conn["messages"]]
    assert "Certificate" in types and "ServerHelloDone" in types
    assert any(d["severity"] == "error" for d in conn["diagnostics"])


def test_json_contract_keys() -> None:
    proc = tlsviz("decode", str(CAPTURES / "tls13-aes128gcm.pcap"), "--json")
    doc = json.loads(proc.stdout)
    assert {"tlsviz", "source", "connections"} <= set(doc)
    (c,) = doc["connections"]
    assert {
        "id",
        "transport",
        "client",
        "server",
        "version",
        "cipher_suite",
        "sni",
        "alpn",
        "group",
        "messages",
        "diagnostics",
    } <= set(c)
    assert c["transport"] == "tcp" and c["version"] == "TLS 1.3"
    assert c["cipher_suite"] == "TLS_AES_128_GCM_SHA256" and c["group"] == "x25519"
    assert c["sni"] == "localhost"
    m = c["messages"][0]
    assert {
        "direction",
        "type",
        "content_type",
        "encrypted",
        "offset",
        "length",
        "time",
        "fields",
    } <= set(m)
    f = m["fields"][0]
    assert {"name", "offset", "length", "value", "display", "children"} <= set(f)
    assert any(m["type"] == "Encrypted" and m["encrypted"] for m in c["messages"])


def test_field_offsets_point_at_their_bytes() -> None:
    """A field's stream offset and length select exactly its bytes."""
    from tests.wirecheck import capture_pieces

    pcap = CAPTURES / "tls12-ecdhe-ecdsa-cbc.pcap"
    doc = json.loads(tlsviz("decode", str(pcap), "--json").stdout)
    pieces = capture_pieces(str(pcap))[1]
    streams = {d: b"".join(p for dr, p in pieces if dr == d) for d in ("client", "server")}
    checked = 0

    def walk(fields):  # type: ignore[no-untyped-def]
        for f in fields:
            yield f
            yield from walk(f["children"])

    for m in doc["connections"][0]["messages"]:
        if m["buffer"] not in streams or "segments" in m:
            continue
        stream = streams[m["buffer"]]
        for f in walk(m["fields"]):
            if (
                type(f["value"]) is int
                and 0 < f["length"] <= 4
                and not f["children"]
                and not f.get("key", "").startswith("x509.")
            ):
                got = int.from_bytes(stream[f["offset"] : f["offset"] + f["length"]], "big")
                assert got == f["value"], f
                checked += 1
    assert checked > 50
