"""Wrong or missing key material: a plain status and reason, exit 0, and the
cleartext decode left intact."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CAPTURES, corpus_file
from tlsviz.cli import main


def decode(*args: str) -> tuple[dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["decode", "--json", *args])
    assert rc == 0, err.getvalue()
    return json.loads(out.getvalue()), err.getvalue()


def cap(name: str) -> str:
    return str(CAPTURES / f"{name}.pcap")


def keys(name: str) -> str:
    return str(CAPTURES / f"{name}.keys")


def cleartext_intact(conn: dict[str, Any]) -> None:
    types = [m["type"] for m in conn["messages"]]
    assert types[0] == "ClientHello" and "ServerHello" in types
    assert not [d for d in conn["diagnostics"] if d["severity"] == "error"]


def test_key_log_of_another_connection() -> None:
    doc, _ = decode(cap("tls13-aes128gcm"), "--keylog", keys("tls12-rsa-kx"))
    (c,) = doc["connections"]
    assert c["keys"]["status"] == "missing"
    assert "no entry for this client random" in c["keys"]["reason"]
    cleartext_intact(c)
    assert all(
        m["type"] in ("ClientHello", "ServerHello", "ChangeCipherSpec", "Encrypted")
        for m in c["messages"]
    )


def test_truncated_key_log(tmp_path: Path) -> None:
    text = Path(keys("tls13-aes128gcm")).read_bytes()
    cut = tmp_path / "cut.keys"
    first_line = text.index(b"\n") + 1
    cut.write_bytes(text[: first_line + 40])  # one whole line, then half of the next
    doc, err = decode(cap("tls13-aes128gcm"), "--keylog", str(cut))
    (c,) = doc["connections"]
    # the surviving line is the server's handshake secret: its side decrypts
    assert c["keys"]["status"] == "partial"
    assert "cut short" in c["keys"]["reason"]
    assert c["verification"]["server_finished"] is True
    assert c["verification"]["client_finished"] is None
    assert "line 2" in err and "Traceback" not in err
    cleartext_intact(c)


@pytest.mark.parametrize("name", ["tls13-aes128gcm", "tls12-ecdhe-rsa-aes128gcm"])
def test_corrupted_key_log(tmp_path: Path, name: str) -> None:
    lines = Path(keys(name)).read_text().splitlines()
    bad = []
    for line in lines:
        label, cr, secret = line.split()
        flipped = ("0" if secret[0] != "0" else "1") + secret[1:]
        bad.append(f"{label} {cr} {flipped}")
    path = tmp_path / "bad.keys"
    path.write_text("\n".join(bad) + "\n")
    doc, _ = decode(cap(name), "--keylog", str(path))
    (c,) = doc["connections"]
    assert c["keys"]["status"] == "mismatch"
    assert "do not decrypt" in c["keys"]["reason"] and "key log" in c["keys"]["reason"]
    cleartext_intact(c)


def test_wrong_psk() -> None:
    doc, _ = decode(cap("tls12-psk-ccm8"), "--psk", "00112233445566778899aabbccddeeff")
    (c,) = doc["connections"]
    assert c["keys"]["status"] == "mismatch"
    assert "pre-shared key" in c["keys"]["reason"]
    cleartext_intact(c)


def test_right_psk_alone_verifies() -> None:
    psk = Path(CAPTURES / "tls12-psk-ccm8.psk").read_text().split()[0]
    doc, _ = decode(cap("tls12-psk-ccm8"), "--psk", psk)
    assert doc["connections"][0]["keys"]["status"] == "verified"


def test_wrong_rsa_key() -> None:
    other = corpus_file("wireshark/keys/rsasnakeoil2.key")
    doc, _ = decode(cap("tls12-rsa-kx"), "--key", str(other))
    (c,) = doc["connections"]
    assert c["keys"]["status"] in ("missing", "mismatch")
    assert "not this server's key" in c["keys"]["reason"]
    cleartext_intact(c)


def test_right_rsa_key_alone_verifies() -> None:
    doc, _ = decode(cap("tls12-rsa-kx"), "--key", str(CAPTURES / "tls12-rsa-kx.key"))
    (c,) = doc["connections"]
    assert c["keys"]["status"] == "verified"
    assert any(s["operation"] == "RSA-Decrypt" for s in c["keys"]["steps"])


def test_no_key_material() -> None:
    doc, _ = decode(cap("tls13-aes128gcm"))
    (c,) = doc["connections"]
    assert c["keys"] == {**c["keys"], "status": "missing"}
    assert c["keys"]["reason"] == "No key log or keys were given."


@pytest.mark.parametrize(
    "args, words",
    [
        (["--keylog", "/nonexistent/k.log"], "does not exist"),
        (["--key", "/nonexistent/k.pem"], "k.pem"),
        (["--psk", "not-hex"], "psk"),
        (["--ephemeral-key", "/nonexistent/e.pem"], "e.pem"),
    ],
)
def test_bad_key_options_are_one_sentence(args: list[str], words: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["decode", cap("tls13-aes128gcm"), *args])
    assert rc == 2
    lines = [ln for ln in err.getvalue().splitlines() if ln]
    assert len(lines) == 1 and words.lower() in lines[0].lower(), lines


def test_text_marks_the_step_that_differs_from_the_key_log(tmp_path: Path) -> None:
    """With the server's RSA key the premaster and master secrets are derived
    and set beside the key log's: a flipped master secret is marked as
    differing (the text form and the JSON say the same), the premaster agrees."""
    name = "pitfall-null-cipher"
    lines = Path(keys(name)).read_text().splitlines()
    flipped = []
    for line in lines:
        label, cr, secret = line.split()
        if label == "CLIENT_RANDOM":
            secret = ("0" if secret[0] != "0" else "1") + secret[1:]
        flipped.append(f"{label} {cr} {secret}")
    path = tmp_path / "one-wrong.keys"
    path.write_text("\n".join(flipped) + "\n")
    path.chmod(0o600)
    args = [cap(name), "--keylog", str(path), "--key", str(CAPTURES / f"{name}.key")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["decode", *args]) == 0
    marks = {
        line.split(":")[0].strip(): line.rsplit("  ", 1)[-1]
        for line in out.getvalue().splitlines()
        if line.startswith("    ") and ("RSA-Decrypt" in line or '"extended master' in line)
    }
    assert marks == {"pre_master_secret": "= key log", "master_secret": "≠ key log!"}
    doc, _ = decode(*args)
    steps = {s["name"]: s["match"] for s in doc["connections"][0]["keys"]["steps"]}
    assert steps["master_secret"] is False and steps["pre_master_secret"] is True
