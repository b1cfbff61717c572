"""What the tests of tlsviz's own peer share: real peers over loopback, key logs.

The real peers are the command-line tools (``openssl s_server``/``s_client``,
``gnutls-serv``/``gnutls-cli``) started on a free port of 127.0.0.1 with their
key log going to a file, and Python's ``ssl`` inside the glass-box run.  Every
process started here is stopped in a ``finally``.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from captures.peers import PeerError, _Proc, free_port
from tlsviz.capture.glassbox import GlassboxOptions, GlassboxRun, run_glassbox
from tlsviz.capture.pki import make_pki
from tlsviz.source import open_capture

TIMEOUT = 15.0
REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
PSK_HEX = "0123456789abcdef0123456789abcdef"
PSK_ID = "tlsviz-client"


def need(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


@dataclass(frozen=True)
class PkiFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def pki_files(folder: Path, kind: str) -> PkiFiles:
    """A throwaway PKI of ``kind`` (ec, rsa, ed25519) written as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    p = make_pki("localhost", kind=kind)
    files = PkiFiles(*(folder / f"{n}.pem" for n in ("ca", "scert", "skey", "ccert", "ckey")))
    for path, data in zip(
        files.__dict__.values(),
        (p.ca_cert, p.server_cert, p.server_key, p.client_cert, p.client_key),
        strict=True,
    ):
        path.write_bytes(data)
    return files


def keylog_map(text: str) -> dict[tuple[str, str], str]:
    """``(label, client random) -> secret`` of an NSS key log."""
    out: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            out[(parts[0], parts[1].lower())] = parts[2].lower()
    return out


def assert_same_secrets(peer_log: str, own_log: str, *, least: int = 1) -> int:
    """Every secret the real peer logged equals the one tlsviz's side derived."""
    theirs, ours = keylog_map(peer_log), keylog_map(own_log)
    assert len(theirs) >= least, f"the peer logged {len(theirs)} secrets:\n{peer_log}"
    for key, value in theirs.items():
        if key[0].endswith("_TRAFFIC_SECRET_N"):
            # OpenSSL 3.0 logs each KeyUpdate's secret as <SIDE>_TRAFFIC_SECRET_N;
            # tlsviz numbers them (the one update of these tests: _1)
            key = (key[0].removesuffix("N") + "1", key[1])
        assert key in ours, f"tlsviz's peer did not derive {key}; it logged {sorted(ours)}"
        assert ours[key] == value, f"{key}: peer {value}, tlsviz {ours[key]}"
    return len(theirs)


def decode_checks(path: Path, peer_log: str, connections: int = 1) -> list[Any]:
    """Decode the recording (no options): every connection verified, its key
    schedule started at the shared secret (or a PSK), and each derived secret
    the peer also logged marked as matching and equal to the peer's value."""
    theirs = keylog_map(peer_log)
    conns = list(open_capture(path))
    assert len(conns) == connections, [c.id for c in conns]
    for conn in conns:
        assert conn.keys is not None
        status, reason = conn.keys.status()
        assert status == "verified", reason
        reports = conn.keys.step_reports()
        names = {r.step.name: r for r in reports}
        # the schedule starts at the shared secret, a PSK, or (TLS 1.2 resumption)
        # the master secret of the connection resumed, earlier in the same capture
        assert names.keys() & {"shared_secret", "psk", "pre_master_secret", "master_secret"}
        if "shared_secret" in names:
            assert names["shared_secret"].step.operation == "ECDHE"
        ch = conn.neg.client_hello
        assert ch is not None
        for r in reports:
            label = r.step.keylog_label
            if label is None or r.step.operation == "Input":
                continue
            logged = theirs.get((label, ch.random.hex()))
            if logged is not None:
                assert r.match is True, r.step.name
                assert r.step.value.hex() == logged, r.step.name
    return conns


@contextlib.contextmanager
def openssl_server(work: Path, args: Sequence[str], *, pki: PkiFiles | None, accepts: int = 1
                   ) -> Iterator[tuple[int, Path]]:  # fmt: skip
    """``openssl s_server -www`` on a free port; yields the port and its key log path."""
    need("openssl")
    port, keylog = free_port(), work / f"s_server-{free_port()}.keys"
    # s_server cannot take 0-RTT data in its -www mode: then it only prints what comes
    www = [] if "-early_data" in args else ["-www"]
    argv = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", str(accepts),
            "-keylogfile", str(keylog), *www, *args]  # fmt: skip
    if pki is not None:
        argv += ["-cert", str(pki.server_cert), "-key", str(pki.server_key)]
    proc = _Proc(argv, cwd=work, stdin=not www)  # an open stdin: its end would stop it
    try:
        proc.wait_for(b"ACCEPT", TIMEOUT)
        yield port, keylog
    finally:
        proc.stop()


@contextlib.contextmanager
def gnutls_server(work: Path, args: Sequence[str], *, pki: PkiFiles) -> Iterator[tuple[int, Path]]:
    need("gnutls-serv")
    port, keylog = free_port(), work / f"gnutls-serv-{free_port()}.keys"
    argv = ["gnutls-serv", "--port", str(port), "--http", "--disable-client-cert",
            "--x509certfile", str(pki.server_cert), "--x509keyfile", str(pki.server_key),
            *args]  # fmt: skip
    proc = _Proc(argv, cwd=work, env={"SSLKEYLOGFILE": str(keylog)})
    try:
        proc.wait_for(f" port {port}...done".encode(), TIMEOUT, stream="any")
        yield port, keylog
    finally:
        proc.stop()


def glassbox_client(port: int, pki: PkiFiles, **kw: Any) -> GlassboxRun:
    """tlsviz's client against 127.0.0.1:port."""
    opts = GlassboxOptions(
        client="tlsviz", server="openssl", target=("127.0.0.1", port), sni="localhost",
        cafile=str(pki.ca), timeout=TIMEOUT, **kw,
    )  # fmt: skip
    return run_glassbox(opts)


def glassbox_listen(
    work: Path, client_argv: Sequence[Sequence[str]], env: dict[str, str] | None = None,
    stdin: bytes | None = REQUEST, **kw: Any,
) -> tuple[GlassboxRun, list[str]]:  # fmt: skip
    """tlsviz's server on a free port; each argv in ``client_argv`` runs in turn
    against it (``{port}`` and ``{ca}`` are filled in).  Returns the run and
    each client's output."""
    port = free_port()
    ca = work / f"listen-ca-{port}.pem"
    ready = threading.Event()
    result: dict[str, Any] = {}

    def serve() -> None:
        try:
            result["run"] = run_glassbox(
                GlassboxOptions(
                    client="openssl", server="tlsviz", listen=("127.0.0.1", port),
                    timeout=TIMEOUT, ca_out=str(ca), announce=lambda _: ready.set(), **kw,
                )
            )  # fmt: skip
        except BaseException as err:  # reported in the test's thread
            result["error"] = err
            ready.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(TIMEOUT)
    outputs: list[str] = []
    for argv in client_argv:
        args = [a.format(port=port, ca=ca, work=work) for a in argv]
        proc = _Proc(args, cwd=work, env=env, stdin=stdin is not None)
        try:
            if stdin is not None:
                # a client may be done before it reads its input (0-RTT data
                # answered, the connection closed): what it printed decides
                with contextlib.suppress(PeerError):
                    proc.write(stdin)
            proc.wait(TIMEOUT)
        finally:
            proc.stop()
            outputs.append(proc.output())
    thread.join(TIMEOUT + 5)
    if "error" in result:
        raise result["error"]
    return result["run"], outputs
