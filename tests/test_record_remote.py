"""``tlsviz record HOST:PORT`` against a real ``openssl s_server`` on loopback.

The recording is compared with what tcpdump saw of the same run, both read by
tshark: the same handshake messages per direction, the same suite, the same
decrypted application data (the tcpdump capture decrypted with the key log
tlsviz wrote).  Certificate failures, alerts, refused ports and unknown
names: a non-zero exit, one sentence, no traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from captures.peers import _Proc, free_port, missing_tools, tcpdump
from tests.tshark_oracle import follow_tls, tshark_connections
from tlsviz.capture.pki import Pki, make_pki

pytestmark = pytest.mark.peers
needs_openssl = pytest.mark.skipif(bool(missing_tools("openssl")), reason="needs openssl")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pki, Path]]:
    d = tmp_path_factory.mktemp("pki")
    p = make_pki("localhost")
    for name, data in {
        "ca.pem": p.ca_cert,
        "server.pem": p.server_cert,
        "server.key": p.server_key,
        "client.pem": p.client_cert,
        "client.key": p.client_key,
    }.items():
        (d / name).write_bytes(data)
    yield p, d


def s_server(pki_dir: Path, port: int, *extra: str) -> _Proc:
    proc = _Proc(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-naccept", "1",
         "-cert", str(pki_dir / "server.pem"), "-key", str(pki_dir / "server.key"), *extra],
        cwd=pki_dir,
    )  # fmt: skip
    proc.wait_for(b"ACCEPT", 10)
    return proc


#: The command line, as a user runs it (a fresh process: its exit status, its stderr).
MAIN = "import sys; from tlsviz.cli import main; sys.exit(main(sys.argv[1:]))"


def tlsviz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_sentence(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if not line.startswith("tlsviz: warning")]
    assert len(lines) == 1 and lines[0].startswith("tlsviz: ") and lines[0].endswith(".")
    return lines[0]


@needs_openssl
@pytest.mark.tshark
@pytest.mark.skipif(
    bool(missing_tools("tcpdump", "tshark")) or os.geteuid() != 0,
    reason="needs root, tcpdump and tshark",
)
def test_recording_equals_tcpdump_of_the_same_run(pki: tuple[Pki, Path], tmp_path: Path) -> None:
    _, d = pki
    port = free_port()
    server = s_server(d, port)
    rec, keys, dump = tmp_path / "rec.pcapng", tmp_path / "rec.keys", tmp_path / "dump.pcap"
    try:
        with tcpdump(dump, port):
            res = tlsviz("record", f"127.0.0.1:{port}", "--cafile", str(d / "ca.pem"),
                         "-o", str(rec), "--keylog-out", str(keys))  # fmt: skip
    finally:
        server.stop()
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[-1].endswith(str(rec))
    ours = tshark_connections(rec)
    theirs = tshark_connections(dump, ["-o", f"tls.keylog_file:{keys}"])
    assert list(ours) == list(theirs)  # the same real endpoints
    [(key, a)] = ours.items()
    b = theirs[key]
    assert a.handshake == b.handshake
    assert 20 in a.handshake["client"] and 11 in a.handshake["server"]  # decrypted, both
    assert (a.version, a.suite, a.group, a.sni) == (b.version, b.suite, b.group, b.sni)
    data_a = follow_tls(rec, a.stream, client=a.client)
    data_b = follow_tls(dump, b.stream, ["-o", f"tls.keylog_file:{keys}"], client=b.client)
    assert data_a == data_b
    assert data_a["client"].startswith(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    assert data_a["server"].startswith(b"HTTP/1.0 200 ok\r\n")
    # and tlsviz decodes both alike: messages, suite, decrypted data, verified keys
    mine = decoded(rec)
    theirs_doc = decoded(dump, "--keylog", str(keys))
    for c in (mine, theirs_doc):
        assert c["keys"]["status"] == "verified"
    for k in ("client", "server", "version", "cipher_suite", "group"):
        assert mine[k] == theirs_doc[k]
    for side in ("client", "server"):
        # per direction: across directions, the order in which a user-space
        # client sees bytes may differ from the order they crossed lo
        assert [m["type"] for m in mine["messages"] if m["direction"] == side] == [
            m["type"] for m in theirs_doc["messages"] if m["direction"] == side
        ]
    assert app_data(mine) == app_data(theirs_doc) == data_a


def decoded(path: Path, *options: str) -> dict:  # type: ignore[type-arg]
    res = tlsviz("decode", "--json", str(path), *options)
    assert res.returncode == 0, res.stderr
    [c] = json.loads(res.stdout)["connections"]
    return c  # type: ignore[no-any-return]


def app_data(c: dict) -> dict[str, bytes]:  # type: ignore[type-arg]
    out = {"client": b"", "server": b""}
    for piece in c["application_data"]:
        out[piece["direction"]] += bytes.fromhex(piece["hex"])
    return out


@pytest.fixture(scope="module")
def refused(pki: tuple[Pki, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A recording of a server whose certificate the system does not trust."""
    if missing_tools("openssl"):
        pytest.skip("needs openssl")
    _, d = pki
    rec = tmp_path_factory.mktemp("refused") / "rec.pcapng"
    port = free_port()
    server = s_server(d, port)
    try:
        res = tlsviz("record", f"127.0.0.1:{port}", "-o", str(rec))
    finally:
        server.stop()
    assert res.returncode == 3
    assert str(rec) in res.stdout
    return rec, one_sentence(res.stderr)


def test_untrusted_certificate_is_refused_with_one_sentence(refused: tuple[Path, str]) -> None:
    _, line = refused
    assert line == (
        "tlsviz: The server's certificate could not be verified: "
        "unable to get local issuer certificate."
    )


@pytest.mark.tshark
@pytest.mark.skipif(bool(missing_tools("tshark")), reason="needs tshark")
def test_refused_handshake_is_recorded(refused: tuple[Path, str]) -> None:
    """The server's Certificate (decrypted with the key log in the file) and
    the client's unknown_ca alert are in the recording."""
    rec, _ = refused
    [c] = tshark_connections(rec).values()
    assert c.handshake["server"] == [2, 8, 11, 15, 20]
    alerts = subprocess.run(
        ["tshark", "-r", str(rec), "-Y", "tls.alert_message", "-T", "fields",
         "-e", "tls.alert_message.desc"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert alerts == ["48"]  # unknown_ca (RFC 8446 §6.2), sent by the client


def test_decode_shows_the_refused_certificate(refused: tuple[Path, str]) -> None:
    rec, _ = refused
    doc = json.loads(tlsviz("decode", "--json", str(rec)).stdout)
    [c] = doc["connections"]
    types = [(m["direction"], m["type"]) for m in c["messages"]]
    assert ("client", "Alert") in types
    assert ("server", "Certificate") in types


@needs_openssl
def test_insecure_proceeds_and_says_so(pki: tuple[Pki, Path], tmp_path: Path) -> None:
    _, d = pki
    port = free_port()
    server = s_server(d, port)
    rec = tmp_path / "rec.pcapng"
    try:
        res = tlsviz("record", f"localhost:{port}", "--insecure", "--tls1.2", "-o", str(rec))
    finally:
        server.stop()
    assert res.returncode == 0, res.stderr
    assert "--insecure" in res.stderr and "Traceback" not in res.stderr
    assert "  TLS 1.2  " in res.stdout
    if shutil.which("capinfos"):
        comments = subprocess.run(
            ["capinfos", "-k", str(rec)], capture_output=True, text=True, timeout=30
        ).stdout
        assert "Recorded with --insecure" in comments


@needs_openssl
def test_client_certificate_for_a_server_that_asks(pki: tuple[Pki, Path], tmp_path: Path) -> None:
    _, d = pki
    ask = ("-Verify", "1", "-CAfile", str(d / "ca.pem"), "-verify_return_error")
    ca = ("--cafile", str(d / "ca.pem"))
    port = free_port()
    server = s_server(d, port, *ask)
    try:
        res = tlsviz("record", f"localhost:{port}", *ca, "-o", str(tmp_path / "no.pcapng"))
    finally:
        server.stop()
    assert res.returncode == 4
    line = one_sentence(res.stderr)
    assert "alert" in line and "--client-cert" in line
    port = free_port()
    server = s_server(d, port, *ask)
    try:
        mine = ("--client-cert", str(d / "client.pem"), "--client-key", str(d / "client.key"))
        res = tlsviz("record", f"localhost:{port}", *ca, *mine, "-o", str(tmp_path / "y.pcapng"))
    finally:
        server.stop()
    assert res.returncode == 0, res.stderr


def test_refused_port() -> None:
    port = free_port()  # nobody listens there
    res = tlsviz("record", f"127.0.0.1:{port}")
    assert res.returncode == 2
    assert "refused" in one_sentence(res.stderr)


def test_unknown_host() -> None:
    res = tlsviz("record", "no-such-host.invalid")
    assert res.returncode == 2
    assert "could not be resolved" in one_sentence(res.stderr)


@pytest.mark.parametrize(
    ("target", "words"),
    [("localhost:99999", "not a port number"), ("[::1]:x", "not a port number")],
)
def test_bad_targets(target: str, words: str) -> None:
    res = tlsviz("record", target)
    assert res.returncode == 2 and words in one_sentence(res.stderr)
