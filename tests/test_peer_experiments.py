"""Experiments: tlsviz's peer breaks one rule on purpose and a real peer must refuse.

Each experiment runs once with tlsviz's client against OpenSSL's server and
once with tlsviz's server against OpenSSL's client (Python's ``ssl``, in this
process), and a few against the ``openssl`` and ``gnutls`` binaries.  The
recording must hold the real peer's alert, ``decode`` must explain the
experiment beside it, and tshark must still open the file.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from peer_support import gnutls_server, need, openssl_server, pki_files

from tlsviz.capture.glassbox import GlassboxOptions, run_glassbox
from tlsviz.peer.experiments import EXPERIMENTS
from tlsviz.source import open_capture

pytestmark = pytest.mark.peers

#: experiment -> (the alert OpenSSL's server sends, the alert OpenSSL's client sends);
#: None: no alert (tlsviz's client accepted the bad certificate; the server cannot know)
OPENSSL_REACTIONS = {
    "wrong-finished": ("decrypt_error", "decrypt_error"),
    "flip-bit": ("bad_record_mac", "bad_record_mac"),
    "expired-cert": (None, "certificate_expired"),
    "wrong-name-cert": (None, "bad_certificate"),
    "untrusted-cert": (None, "unknown_ca"),
    "unsupported-suite": ("handshake_failure", "illegal_parameter"),
    "unsupported-group": ("handshake_failure", "illegal_parameter"),
    "old-version": ("protocol_version", "protocol_version"),
}


def test_every_experiment_has_a_case() -> None:
    assert set(OPENSSL_REACTIONS) == set(EXPERIMENTS)


def _experiment(path: Path) -> dict[str, object]:
    conns = list(open_capture(path))
    assert len(conns) == 1
    exp = conns[0].extra.get("experiment")
    assert isinstance(exp, dict)
    return exp


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("name", sorted(OPENSSL_REACTIONS))
def test_experiment_against_openssl(tmp_path: Path, name: str, side: str) -> None:
    ours = {"client": "tlsviz", "server": "openssl"} if side == "client" else {
        "client": "openssl", "server": "tlsviz"}  # fmt: skip
    run = run_glassbox(GlassboxOptions(experiment=name, **ours))
    expected = OPENSSL_REACTIONS[name][0 if side == "client" else 1]
    path = tmp_path / "exp.pcapng"
    run.recording.write_pcapng(path)
    exp = _experiment(path)
    assert exp["name"] == name and exp["side"] == side
    assert exp["reaction"] == expected, exp
    if expected is not None:
        assert run.failed is not None and run.status == 0  # an experiment is recorded, exit 0
        assert (
            f"with {'an' if expected[0] in 'aeiou' else 'a'} {expected} alert, as the RFC asks"
            in str(exp["verdict"])
        )
        assert any(expected in f for f in run.findings), run.findings
    else:
        assert run.failed is None
        assert any("accepted a certificate it should have refused" in f for f in run.findings)
    if name in ("wrong-finished", "flip-bit"):  # the keys are known: the decoder sees why
        conn = next(iter(open_capture(path)))
        assert conn.keys is not None and conn.keys.status()[0] == "mismatch"
    tshark = subprocess.run(["tshark", "-r", str(path)], capture_output=True, text=True, timeout=60)
    if tshark.returncode != 127:
        assert tshark.returncode == 0 and "TLS" in tshark.stdout


def test_experiments_against_the_binaries(tmp_path: Path) -> None:
    """The same reactions from ``openssl s_server`` and ``gnutls-serv`` over TCP."""
    pki = pki_files(tmp_path / "pki", "ec")
    for name, alert in (("wrong-finished", "decrypt_error"), ("flip-bit", "bad_record_mac")):
        with openssl_server(tmp_path, ["-tls1_3"], pki=pki) as (port, _):
            run = run_glassbox(GlassboxOptions(target=("127.0.0.1", port), sni="localhost",
                                               cafile=str(pki.ca), experiment=name))  # fmt: skip
        assert run.findings[-1].endswith(f"answered with a {alert} alert."), run.findings
        need("gnutls-serv")
        with gnutls_server(tmp_path, ["--priority", "NORMAL"], pki=pki) as (port, _):
            run = run_glassbox(GlassboxOptions(target=("127.0.0.1", port), sni="localhost",
                                               cafile=str(pki.ca), experiment=name))  # fmt: skip
        assert f"answered with a {alert} alert" in run.findings[-1], run.findings
    run = run_glassbox(GlassboxOptions(client="tlsviz", server="tlsviz", experiment="flip-bit"))
    assert run.findings[-1].endswith("answered with a bad_record_mac alert."), run.findings
