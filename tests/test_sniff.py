"""``tlsviz sniff``: following a growing key log (pure), and live capture on
``lo`` of a real ``openssl s_client`` / ``s_server`` handshake whose key log
is written while tlsviz listens (root only)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from captures.peers import _Proc, free_port, missing_tools
from tlsviz.capture.keylog_follow import KeyLogFollower, KeyLogTail, keylog_for
from tlsviz.capture.pki import make_pki
from tlsviz.keys.keylog import KeyLog

R1, R2 = "aa" * 32, "bb" * 32
LINE1 = f"CLIENT_RANDOM {R1} {'11' * 48}\n"
LINE2 = f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {R2} {'22' * 32}\n"
MAIN = "import sys; from tlsviz.cli import main; sys.exit(main(sys.argv[1:]))"


# -- following a key log (pure) -------------------------------------------------------


def test_tail_takes_lines_as_they_complete() -> None:
    log = KeyLog()
    tail = KeyLogTail(log, "k")
    data = (LINE1 + LINE2).encode()
    cut = len(LINE1) + 10  # the second line is half written
    assert tail.plan(("dev", 1), cut) == 0
    assert tail.feed(data[:cut]) == 1
    assert log.master_secret(bytes.fromhex(R1)) == bytes.fromhex("11" * 48)
    assert bytes(tail.text) == LINE1.encode()
    assert tail.plan(("dev", 1), cut) is None  # nothing new
    assert tail.plan(("dev", 1), len(data)) == cut
    assert tail.feed(data[cut:]) == 1
    assert log.lookup("CLIENT_HANDSHAKE_TRAFFIC_SECRET", bytes.fromhex(R2)) is not None
    assert bytes(tail.text) == data
    assert not log.problems


def test_byte_at_a_time_equals_all_at_once() -> None:
    data = (LINE1 + "# a comment\n" + LINE2).encode()
    one, many = KeyLog(), KeyLog()
    KeyLogTail(one, "k").feed(data)
    tail = KeyLogTail(many, "k")
    for i in range(len(data)):
        tail.feed(data[i : i + 1])
    assert sorted((e.label, e.key) for e in one) == sorted((e.label, e.key) for e in many)
    assert bytes(tail.text) == data and not many.problems


@pytest.mark.parametrize("how", ["truncated", "replaced"])
def test_a_rewritten_file_is_read_again(how: str) -> None:
    log = KeyLog()
    tail = KeyLogTail(log, "k")
    tail.plan(1, len(LINE1))
    tail.feed(LINE1.encode())
    ident, size = (1, len(LINE2) - 5) if how == "truncated" else (2, len(LINE1) + 9)
    if how == "truncated":
        assert len(LINE2) - 5 < len(LINE1)
    assert tail.plan(ident, size) == 0  # start over
    assert tail.source == "k (rewritten 1)"
    tail.feed(LINE2.encode())
    assert len(log) == 2 and not log.problems


def test_follower_waits_for_the_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.log"
    log = KeyLog()
    f = KeyLogFollower(str(path), log)
    assert f.poll() == 0
    path.write_text(LINE1[:20])
    assert f.poll() == 0
    with path.open("a") as out:
        out.write(LINE1[20:] + LINE2)
    assert f.poll() == 2
    path.unlink()
    path.write_text(LINE1)  # a new file (new inode): read from the start
    assert f.poll() == 0 and f.tail.generation == 1  # nothing new: same secret
    assert len(log) == 2


def test_keylog_for_keeps_only_captured_connections() -> None:
    text = (LINE1 + LINE2 + f"RSA {'cc' * 8} {'dd' * 48}\n").encode()
    assert (
        keylog_for(text, [bytes.fromhex(R2)]) == (LINE2 + f"RSA {'cc' * 8} {'dd' * 48}\n").encode()
    )


# -- live -------------------------------------------------------------------------------

needs_live = pytest.mark.skipif(
    os.geteuid() != 0 or bool(missing_tools("openssl")),
    reason="needs root (capture on lo) and openssl",
)


@pytest.fixture(scope="module")
def server_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    p = make_pki("localhost")
    (d / "server.pem").write_bytes(p.server_cert)
    (d / "server.key").write_bytes(p.server_key)
    (d / "ca.pem").write_bytes(p.ca_cert)
    return d


def _handshake(d: Path, port: int, keylog: Path) -> None:
    """An openssl client and server talk once; the client logs its secrets."""
    server = _Proc(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-naccept", "1",
         "-cert", str(d / "server.pem"), "-key", str(d / "server.key")],
        cwd=d,
    )  # fmt: skip
    try:
        server.wait_for(b"ACCEPT", 10)
        client = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile",
             str(d / "ca.pem"), "-keylogfile", str(keylog), "-ign_eof", "-quiet"],
            input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=10,
        )  # fmt: skip
        assert b"HTTP/1.0 200 ok" in client.stdout, client.stderr
    finally:
        server.stop()


def _sniff(*args: str) -> _Proc:
    proc = _Proc([sys.executable, "-c", MAIN, "sniff", "-i", "lo", *args])
    proc.wait_for(b"capturing TLS on lo", 15, stream="stderr")
    return proc


@needs_live
def test_sniff_decodes_a_live_handshake_with_a_growing_key_log(
    server_files: Path, tmp_path: Path
) -> None:
    port = free_port()
    keylog = tmp_path / "keys.log"  # does not exist yet: s_client creates it
    out = tmp_path / "live.pcapng"
    sniff = _sniff("--timeout", "4", "--keylog", str(keylog), "--bpf", f"port {port}",
                   "-o", str(out))  # fmt: skip
    try:
        time.sleep(0.3)
        _handshake(server_files, port, keylog)
        assert sniff.wait(15) == 0, sniff.output()
    finally:
        sniff.stop()
    text = sniff.stdout.decode()
    assert f"-> 127.0.0.1:{port}  TLS 1.3" in text, sniff.output()
    assert "ClientHello" in text and "ServerHello" in text
    assert "1 TLS connection" in text and str(out) in text
    assert "Traceback" not in sniff.stderr.decode()
    # decrypted live: the key log lines arrived while tlsviz listened
    assert "Certificate (decrypted)" in text and "keys: verified" in text, text
    assert "GET / HTTP/1.0" in text
    # the written file carries only this connection's secrets, and decodes the same
    doc = json.loads(
        subprocess.run(
            [sys.executable, "-c", MAIN, "decode", "--json", str(out)],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout
    )  # fmt: skip
    [c] = doc["connections"]
    assert c["server"] == f"127.0.0.1:{port}" and c["keys"]["status"] == "verified"


@needs_live
def test_ctrl_c_stops_cleanly_and_prints_the_json(server_files: Path, tmp_path: Path) -> None:
    port = free_port()
    keylog = tmp_path / "keys.log"
    sniff = _sniff("--json", "--keylog", str(keylog), "--bpf", f"port {port}")
    try:
        time.sleep(0.3)
        _handshake(server_files, port, keylog)
        time.sleep(0.2)
        sniff.popen.send_signal(signal.SIGINT)
        assert sniff.wait(15) == 0, sniff.output()
    finally:
        sniff.stop()
    doc = json.loads(sniff.stdout)
    assert doc["source"] == "live:lo"
    [c] = doc["connections"]
    assert c["server"] == f"127.0.0.1:{port}" and c["version"] == "TLS 1.3"
    assert c["keys"]["status"] == "verified"
    assert "Traceback" not in sniff.stderr.decode()


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv"
)
def test_without_privileges_one_sentence() -> None:
    res = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
         sys.executable, "-c", MAIN, "sniff", "-i", "lo", "--timeout", "1"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": "/tmp"},
    )  # fmt: skip
    if "No module named" in res.stderr:
        pytest.skip("the test user cannot import tlsviz")
    assert res.returncode == 2
    assert res.stderr == ("tlsviz: Capturing packets needs root or the CAP_NET_RAW capability.\n")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-i", "no-such-if0"], "There is no network interface named 'no-such-if0'."),
        (["-i", "lo", "--bpf", "port and"], "The capture filter 'port and' is not valid."),
    ],
)
def test_capture_errors_are_one_sentence(args: list[str], words: str) -> None:
    res = subprocess.run(
        [sys.executable, "-c", MAIN, "sniff", *args, "--timeout", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2 and res.stderr == f"tlsviz: {words}\n"


def test_capture_loads_only_the_scapy_module_it_needs() -> None:
    """Opening a live capture imports scapy's Linux socket module, not all of
    scapy (it would cost a second of start-up)."""
    code = (
        "import sys\n"
        "from tlsviz.capture.live import LiveCapture\n"
        "try:\n"
        "    LiveCapture('lo').open()\n"
        "except Exception:\n"
        "    pass\n"
        "print('scapy.all' in sys.modules, 'scapy.layers.inet' in sys.modules,"
        " 'scapy.arch.linux' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.split() == ["False", "False", "True"]
