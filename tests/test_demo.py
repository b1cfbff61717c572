"""``tlsviz demo``: the in-process handshake, recorded, then shown decoded and
verified by the same code path as ``tlsviz decode``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tlsviz.cli import main


def test_demo_shows_the_handshake_decrypted_and_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.pcapng"
    assert main(["demo", "-o", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Connection 1: 127.0.0.1:") and "  TLS 1.3  " in lines[0]
    assert lines[1] == f"Recorded 1 connection with its key log: {path}"
    for want in (
        "-> client: ClientHello",
        "<- server: Certificate (decrypted)",
        "-> client: Finished (decrypted)",
        "keys: verified",
        "GET / HTTP/1.1",
    ):
        assert want in out, want


def test_demo_json_is_the_decode_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.pcapng"
    assert main(["demo", "--json", "--tls1.2", "--resume", "-o", str(path)]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)  # stdout is the document alone
    assert str(path) in captured.err
    assert doc["source"] == str(path)
    assert [(c["version"], c["resumed"], c["keys"]["status"]) for c in doc["connections"]] == [
        ("TLS 1.2", False, "verified"),
        ("TLS 1.2", True, "verified"),
    ]
    assert main(["decode", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == doc


def test_demo_explain_adds_explanations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--explain", "--mqtt", "-o", str(tmp_path / "d.pcapng")]) == 0
    out = capsys.readouterr().out
    assert "legacy_version" in out and ":8883" in out


def test_demo_runs_as_a_command_without_network_or_traceback(tmp_path: Path) -> None:
    start = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-c", "import sys; from tlsviz.cli import main; sys.exit(main())",
         "demo", "-o", str(tmp_path / "d.pcapng")],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert res.stderr == "" and "keys: verified" in res.stdout
    assert time.monotonic() - start < 20


def test_demo_option_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--cipher", "TLS_AES_128_CCM_SHA256"]) == 2
    assert "cannot choose TLS 1.3" in capsys.readouterr().err
