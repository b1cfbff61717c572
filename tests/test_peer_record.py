"""``tlsviz record`` with tlsviz's own peer, end to end through the command line.

The "done when" checks of the glass-box peer: against a fresh ``openssl
s_server -keylogfile`` (TLS 1.3, X25519) and a fresh ``gnutls-serv``, ``record
HOST:PORT --client tlsviz`` records a handshake whose ``decode --json`` shows
the (EC)DHE shared secret and handshake traffic secrets derived from it that
equal the server's own key log; ``openssl s_client`` completes TLS 1.3 and 1.2
handshakes and an HTTP exchange with ``record --server tlsviz --listen``; and
two runs with the same ``--seed`` give the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from peer_support import (
    REQUEST,
    TIMEOUT,
    gnutls_server,
    keylog_map,
    need,
    openssl_server,
    pki_files,
)

from captures.peers import _Proc, free_port
from tlsviz.cli import main

pytestmark = pytest.mark.peers


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _decode(path: Path) -> dict[str, Any]:
    code, out, err = _cli("decode", "--json", str(path))
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def _steps(conn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in conn["keys"]["steps"]}


def _client_random(conn: dict[str, Any]) -> str:
    hello = next(m for m in conn["messages"] if m["type"] == "ClientHello")
    return str(next(f for f in hello["fields"] if f["name"] == "random")["value"])


def _assert_derived_and_matching(conn: dict[str, Any], peer_log: str) -> None:
    """The shared secret step, and traffic secrets derived from it equal to the peer's log."""
    steps, logged = _steps(conn), keylog_map(peer_log)
    random = _client_random(conn)
    assert conn["keys"]["status"] == "verified", conn["keys"]["reason"]
    assert steps["shared_secret"]["operation"] == "ECDHE"
    assert steps["handshake_secret"]["inputs"][1] == "shared_secret"
    for name, label in (
        ("client_handshake_traffic_secret", "CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
        ("server_handshake_traffic_secret", "SERVER_HANDSHAKE_TRAFFIC_SECRET"),
        ("client_application_traffic_secret_0", "CLIENT_TRAFFIC_SECRET_0"),
        ("server_application_traffic_secret_0", "SERVER_TRAFFIC_SECRET_0"),
    ):
        step = steps[name]
        assert step["operation"] == "Derive-Secret"  # derived, not read from a key log
        assert step["match"] is True
        assert step["value"] == logged[(label, random)], name


@pytest.mark.parametrize("server", ["openssl", "gnutls"])
def test_record_client_tlsviz_against_a_fresh_server(tmp_path: Path, server: str) -> None:
    pki = pki_files(tmp_path / "pki", "ec")
    out = tmp_path / "rec.pcapng"
    if server == "openssl":
        peer = openssl_server(tmp_path, ["-tls1_3", "-groups", "X25519"], pki=pki)
    else:
        peer = gnutls_server(tmp_path, ["--priority", "NORMAL"], pki=pki)
    with peer as (port, keylog):
        code, stdout, err = _cli(
            "record", f"127.0.0.1:{port}", "--client", "tlsviz", "--cafile", str(pki.ca),
            "--sni", "localhost", "-o", str(out),
        )  # fmt: skip
    assert code == 0, err
    assert "TLS 1.3" in stdout and "with every secret" in stdout
    doc = _decode(out)
    (conn,) = doc["connections"]
    assert conn["group"] == "x25519"
    _assert_derived_and_matching(conn, keylog.read_text())
    assert any(a["text"] and a["text"].startswith("HTTP/1.") for a in conn["application_data"])


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_listen_for_openssl_s_client(tmp_path: Path, version: str) -> None:
    """A real client (openssl s_client) against ``record --server tlsviz --listen PORT``."""
    need("openssl")
    port, ca, out = free_port(), tmp_path / "ca.pem", tmp_path / "rec.pcapng"
    code = "import sys; from tlsviz.cli import main; sys.exit(main())"
    recorder = _Proc(
        [sys.executable, "-c", code, "record", "--server", "tlsviz", "--listen", str(port),
         "--ca-out", str(ca), "-o", str(out), "--timeout", str(TIMEOUT)],
    )  # fmt: skip
    keys = tmp_path / "client.keys"
    try:
        recorder.wait_for(b"waiting for a client", TIMEOUT, stream="stderr")
        client = _Proc(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(ca),
             "-servername", "localhost", "-verify_return_error", "-ign_eof",
             f"-tls1_{version[-1]}", "-keylogfile", str(keys)],
            stdin=True,
        )  # fmt: skip
        try:
            client.write(REQUEST)
            assert client.wait(TIMEOUT) == 0
        finally:
            client.stop()
        assert recorder.wait(TIMEOUT) == 0, recorder.output()
    finally:
        recorder.stop()
    assert "HTTP/1.1 200 OK" in client.output()
    assert "Verify return code: 0 (ok)" in client.output()
    (conn,) = _decode(out)["connections"]
    assert conn["version"] == f"TLS {version}"
    if version == "1.3":
        _assert_derived_and_matching(conn, keys.read_text())
    else:
        steps = _steps(conn)
        assert steps["pre_master_secret"]["operation"] == "ECDHE"
        assert steps["master_secret"]["operation"] == "PRF"
        assert steps["master_secret"]["match"] is True
        logged = keylog_map(keys.read_text())[("CLIENT_RANDOM", _client_random(conn))]
        assert steps["master_secret"]["value"] == logged
    texts = [a["text"] or "" for a in conn["application_data"]]
    assert any(t.startswith("GET / HTTP/1.1") for t in texts)
    assert any("HTTP/1.1 200 OK" in t for t in texts)


@pytest.mark.parametrize(
    "extra",
    [pytest.param([], id="tls13"), pytest.param(["--tls1.2", "--resume"], id="tls12-resume"),
     pytest.param(["--resume", "--early-data", "--key-update"], id="tls13-0rtt-keyupdate")],
)  # fmt: skip
def test_same_seed_same_bytes(tmp_path: Path, extra: list[str]) -> None:
    """Both sides ours, the same --seed: the same file, byte for byte (and so the
    same handshake bytes); another seed: other randoms and keys."""
    files = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        path = tmp_path / f"{name}.pcapng"
        code, _, err = _cli("record", "--client", "tlsviz", "--server", "tlsviz", "--seed", seed,
                            *extra, "-o", str(path))  # fmt: skip
        assert code == 0, err
        files.append(path.read_bytes())
    assert files[0] == files[1]
    assert files[0] != files[2]
    doc = _decode(tmp_path / "a.pcapng")
    assert all(c["keys"]["status"] == "verified" for c in doc["connections"])
    assert doc["connections"][0]["start_time"] == pytest.approx(1735689600.0, abs=60)


def test_recording_opens_in_tshark_and_secrets_travel(tmp_path: Path) -> None:
    """tshark reads the file (the tlsviz secrets block is skipped, the key log
    used); without the blocks, --keylog and --ephemeral-key give the same keys."""
    if shutil.which("tshark") is None or shutil.which("editcap") is None:
        pytest.skip("tshark and editcap are needed")
    rec, keys, secrets = tmp_path / "r.pcapng", tmp_path / "k.log", tmp_path / "s.txt"
    code, _, err = _cli(
        "record", "--client", "tlsviz", "--server", "tlsviz", "--tls1.2", "-o", str(rec),
        "--keylog-out", str(keys), "--secrets-out", str(secrets),
    )  # fmt: skip
    assert code == 0, err
    shark = subprocess.run(["tshark", "-r", str(rec), "-Y", "http"], capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert shark.returncode == 0 and "GET / HTTP/1.1" in shark.stdout, shark.stderr
    info = subprocess.run(["capinfos", "-D", str(rec)], capture_output=True, text=True, timeout=60)
    assert "decryption secrets in file: 2" in info.stdout
    bare = tmp_path / "bare.pcapng"
    subprocess.run(["editcap", "--discard-all-secrets", str(rec), str(bare)], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    code, out, err = _cli("decode", "--json", str(bare), "--keylog", str(keys),
                          "--ephemeral-key", str(secrets))  # fmt: skip
    (conn,) = json.loads(out)["connections"]
    steps = _steps(conn)
    assert steps["pre_master_secret"]["operation"] == "ECDHE" and steps["master_secret"]["match"]


def test_record_options_errors() -> None:
    for argv, words in (
        (["record", "--seed", "1"], "--seed applies only to tlsviz's own peer"),
        (["record", "--listen", "1", "--client", "tlsviz"], "the server is tlsviz's"),
        (["record", "127.0.0.1:1", "--server", "tlsviz"], "leave out --server tlsviz"),
        (["record", "--client", "tlsviz", "--early-data"], "needs --resume"),
        (
            ["record", "--client", "tlsviz", "--cipher", "TLS_RSA_WITH_RC4_128_SHA"],
            "does not speak",
        ),
        (
            ["record", "--client", "tlsviz", "--server", "tlsviz", "--groups", "ffdhe2048"],
            "not a group",
        ),
    ):
        code, _, err = _cli(*argv)
        assert code == 2 and words in err and "Traceback" not in err, (argv, err)
