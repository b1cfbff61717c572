"""tlsviz's own client and server against real TLS implementations over loopback.

Each case makes a real handshake and an HTTP exchange between tlsviz's peer and
OpenSSL (``s_server``/``s_client`` and, through Python's ``ssl``, the library)
or GnuTLS (``gnutls-serv``/``gnutls-cli``), then checks two things with the
real peer as the oracle: every secret in the real peer's own key log equals
the one tlsviz's peer derived, and ``decode`` of the recording (no options)
derives every key from the shared secret, verifies both Finished messages and
marks each secret the peer logged as matching.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from peer_support import (
    PSK_HEX,
    PSK_ID,
    PkiFiles,
    assert_same_secrets,
    decode_checks,
    glassbox_client,
    glassbox_listen,
    gnutls_server,
    need,
    openssl_server,
    pki_files,
)

from tlsviz.capture.glassbox import GlassboxOptions, GlassboxRun, run_glassbox
from tlsviz.capture.pki import make_pki
from tlsviz.peer.entropy import Entropy

pytestmark = pytest.mark.peers


@pytest.fixture(scope="module")
def pkis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PkiFiles]:
    root = tmp_path_factory.mktemp("pki")
    return {kind: pki_files(root / kind, kind) for kind in ("ec", "rsa", "ed25519")}


def _recorded(run: GlassboxRun, work: Path, name: str = "rec.pcapng") -> Path:
    assert run.failed is None, run.failed
    path = work / name
    run.recording.write_pcapng(path)
    return path


# -- tlsviz's client against openssl s_server ------------------------------------------------

#: (id, s_server options, glass-box options, key type)
CLIENT_VS_OPENSSL: list[tuple[str, list[str], dict[str, Any], str]] = [
    ("tls13-aes128gcm-x25519", ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"],
     {"groups": ("x25519",)}, "ec"),
    ("tls13-aes256gcm-p256", ["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
     {"groups": ("secp256r1",), "cipher": "TLS_AES_256_GCM_SHA384"}, "ec"),
    ("tls13-chacha20-p384", ["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
     {"groups": ("secp384r1",), "cipher": "TLS_CHACHA20_POLY1305_SHA256"}, "ec"),
    ("tls13-aes128ccm", ["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"],
     {"cipher": "TLS_AES_128_CCM_SHA256"}, "ec"),
    ("tls13-aes128ccm8", ["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_8_SHA256"],
     {"cipher": "TLS_AES_128_CCM_8_SHA256"}, "ec"),
    ("tls13-rsa-pss", ["-tls1_3"], {}, "rsa"),
    ("tls13-ed25519", ["-tls1_3"], {}, "ed25519"),
    ("tls13-hrr", ["-tls1_3", "-groups", "X25519"],
     {"groups": ("secp256r1", "x25519"), "key_share": ("secp256r1",)}, "ec"),
    ("tls13-mtls", ["-tls1_3", "-Verify", "1", "-verify_return_error"], {"mtls": True}, "ec"),
    ("tls13-key-update", ["-tls1_3"], {"key_update": True}, "ec"),
    ("tls13-resumption-psk-dhe-ke", ["-tls1_3", "-num_tickets", "1"], {"resume": True}, "ec"),
    ("tls13-resumption-psk-ke", ["-tls1_3", "-allow_no_dhe_kex"],
     {"resume": True, "psk_mode": "ke"}, "ec"),
    ("tls13-0rtt", ["-tls1_3", "-early_data"],  # s_server answers nothing here: short idle
     {"resume": True, "early_data": True, "idle": 0.3}, "ec"),
    ("tls12-ecdhe-ecdsa-aes128gcm", ["-tls1_2"],
     {"cipher": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, "ec"),
    ("tls12-ecdhe-ecdsa-chacha20", ["-tls1_2"],
     {"cipher": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}, "ec"),
    ("tls12-ecdhe-rsa-aes256gcm", ["-tls1_2"],
     {"cipher": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}, "rsa"),
    ("tls12-ecdhe-rsa-chacha20-no-ems", ["-tls1_2"],
     {"cipher": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ems": False}, "rsa"),
    ("tls12-mtls", ["-tls1_2", "-Verify", "1", "-verify_return_error"],
     {"mtls": True, "version": "1.2"}, "ec"),
    ("tls12-resumption-ticket", ["-tls1_2"], {"version": "1.2", "resume": True}, "ec"),
    ("tls12-resumption-session-id", ["-tls1_2", "-no_ticket"],
     {"version": "1.2", "resume": True, "tickets": False}, "ec"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "opts", "kind"),
    [pytest.param(a, o, k, id=i) for i, a, o, k in CLIENT_VS_OPENSSL],
)
def test_client_against_openssl_s_server(
    tmp_path: Path, pkis: dict[str, PkiFiles], args: list[str], opts: dict[str, Any], kind: str
) -> None:
    pki = pkis[kind]
    if opts.pop("mtls", False):  # the server asks for the client certificate of this PKI
        args = [*args, "-CAfile", str(pki.ca)]
        opts = {**opts, "client_cert": str(pki.client_cert), "client_key": str(pki.client_key)}
    accepts = 2 if opts.get("resume") else 1
    opts = {"key_type": kind, **opts}
    mtls = "client_cert" in opts
    with openssl_server(tmp_path, args, pki=pki, accepts=accepts) as (port, keylog):
        run = glassbox_client(port, pki, **opts)
    path = _recorded(run, tmp_path)
    peer_log = keylog.read_text()
    assert_same_secrets(peer_log, run.own_keylog)
    conns = decode_checks(path, peer_log, connections=accepts)
    if opts.get("resume"):
        assert run.handshakes[1].resumed
    if mtls:  # the client's Certificate and CertificateVerify were checked by the decoder too
        checks = {c.name: c.ok for c in conns[0].keys.checks}
        assert checks.get("client CertificateVerify") is True, checks
    if "-groups" in args:  # the HelloRetryRequest came and was answered
        assert conns[0].neg.hello_retry is not None and conns[0].group == "x25519"
    if opts.get("early_data"):
        assert "The server accepted the 0-RTT data." in run.findings
        early = [
            s for s in conns[1].keys.step_reports() if s.step.name == "client_early_traffic_secret"
        ]
        assert early and early[0].match is True


def test_client_external_psk_tls13_and_tls12(tmp_path: Path) -> None:
    """The IoT case: no certificates, a key both sides were given (RFC 8446 §4.2.11, RFC 4279)."""
    psk = bytes.fromhex(PSK_HEX)
    common = ["-nocert", "-psk", PSK_HEX, "-psk_identity", PSK_ID]
    with openssl_server(tmp_path, ["-tls1_3", *common], pki=None) as (port, keylog):
        run = glassbox_client(port, pki_files(tmp_path / "pki", "ec"), psk=psk, version="1.3")
    path = _recorded(run, tmp_path, "psk13.pcapng")
    assert_same_secrets(keylog.read_text(), run.own_keylog)
    decode_checks(path, keylog.read_text())
    args12 = ["-tls1_2", "-cipher", "PSK-AES128-CCM8", *common, "-psk_hint", "tlsviz"]
    with openssl_server(tmp_path, args12, pki=None) as (port, keylog):
        run = glassbox_client(
            port, pki_files(tmp_path / "pki", "ec"), psk=psk, cipher="TLS_PSK_WITH_AES_128_CCM_8"
        )
    path = _recorded(run, tmp_path, "psk12.pcapng")
    assert_same_secrets(keylog.read_text(), run.own_keylog)
    conns = decode_checks(path, keylog.read_text())
    assert conns[0].cipher_suite == "TLS_PSK_WITH_AES_128_CCM_8"


# -- tlsviz's client against gnutls-serv ------------------------------------------------------

CLIENT_VS_GNUTLS: list[tuple[str, str, dict[str, Any]]] = [
    ("tls13-default", "NORMAL", {}),
    ("tls13-chacha20-p256", "NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-SECP256R1",
     {"groups": ("secp256r1",), "cipher": "TLS_CHACHA20_POLY1305_SHA256"}),
    ("tls13-aes128ccm-p384", "NORMAL:+AES-128-CCM:-GROUP-ALL:+GROUP-SECP384R1",
     {"groups": ("secp384r1",), "cipher": "TLS_AES_128_CCM_SHA256"}),
    ("tls13-hrr", "NORMAL:-GROUP-ALL:+GROUP-X25519",
     {"groups": ("secp256r1", "x25519"), "key_share": ("secp256r1",)}),
    ("tls12-ecdhe-ecdsa-aes256gcm", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
     {"cipher": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("priority", "opts"), [pytest.param(p, o, id=i) for i, p, o in CLIENT_VS_GNUTLS]
)
def test_client_against_gnutls_serv(
    tmp_path: Path, pkis: dict[str, PkiFiles], priority: str, opts: dict[str, Any]
) -> None:
    pki = pkis["ec"]
    with gnutls_server(tmp_path, ["--priority", priority], pki=pki) as (port, keylog):
        run = glassbox_client(port, pki, **opts)
    path = _recorded(run, tmp_path)
    peer_log = keylog.read_text()
    assert_same_secrets(peer_log, run.own_keylog)
    decode_checks(path, peer_log)


# -- tlsviz's server, real clients ------------------------------------------------------------

S_CLIENT = ["openssl", "s_client", "-connect", "127.0.0.1:{port}", "-CAfile", "{ca}",
            "-servername", "localhost", "-verify_return_error", "-ign_eof",
            "-keylogfile", "{work}/s_client.keys"]  # fmt: skip

SERVER_VS_S_CLIENT: list[tuple[str, list[str], dict[str, Any]]] = [
    ("tls13-aes128gcm-x25519", ["-tls1_3", "-groups", "X25519"], {}),
    ("tls13-aes256gcm-p384", ["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384",
                              "-groups", "P-384"], {}),
    ("tls13-chacha20-p256", ["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256",
                             "-groups", "P-256"], {}),
    ("tls13-aes128ccm8", ["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_8_SHA256"],
     {"cipher": "TLS_AES_128_CCM_8_SHA256"}),
    ("tls13-aes128ccm", ["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"],
     {"cipher": "TLS_AES_128_CCM_SHA256"}),
    ("tls13-hrr", ["-tls1_3", "-groups", "P-256:X25519"], {"server_groups": ("x25519",)}),
    ("tls13-rsa-pss", ["-tls1_3"], {"key_type": "rsa"}),
    ("tls13-ed25519", ["-tls1_3"], {"key_type": "ed25519"}),
    ("tls12-ecdhe-ecdsa-aes128gcm", ["-tls1_2"], {}),
    ("tls12-ecdhe-rsa-chacha20", ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"],
     {"key_type": "rsa"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "opts"), [pytest.param(a, o, id=i) for i, a, o in SERVER_VS_S_CLIENT]
)
def test_server_against_openssl_s_client(
    tmp_path: Path, args: list[str], opts: dict[str, Any]
) -> None:
    need("openssl")
    run, outputs = glassbox_listen(tmp_path, [[*S_CLIENT, *args]], **opts)
    assert "HTTP/1.1 200 OK" in outputs[0], outputs[0]
    path = _recorded(run, tmp_path)
    peer_log = (tmp_path / "s_client.keys").read_text()
    assert_same_secrets(peer_log, run.own_keylog)
    conns = decode_checks(path, peer_log)
    if "server_groups" in opts:
        assert conns[0].neg.hello_retry is not None


def test_server_mtls_psk_and_resumption_with_s_client(tmp_path: Path) -> None:
    """Mutual TLS; an external PSK in TLS 1.3 and TLS 1.2 (PSK-AES128-CCM8);
    a ticket, then a resumption by ticket with 0-RTT data (s_client -sess_out/-sess_in)."""
    need("openssl")
    work = tmp_path
    # a seeded run makes the same throwaway PKI as this: its client certificate is trusted
    seeded = make_pki("localhost", entropy=Entropy(5).child("pki"))
    (work / "ccert.pem").write_bytes(seeded.client_cert)
    (work / "ckey.pem").write_bytes(seeded.client_key)
    for version in ("-tls1_3", "-tls1_2"):
        run, out = glassbox_listen(
            work, [[*S_CLIENT, version, "-cert", "{work}/ccert.pem", "-key", "{work}/ckey.pem"]],
            mtls=True, seed=5,
        )  # fmt: skip
        assert "HTTP/1.1 200 OK" in out[0], out[0]
        conns = decode_checks(
            _recorded(run, work, "mtls.pcapng"), (work / "s_client.keys").read_text()
        )
        assert {c.name: c.ok for c in conns[0].keys.checks}["client CertificateVerify"] is True
    psk = ["-psk", PSK_HEX, "-psk_identity", PSK_ID]
    run, out = glassbox_listen(work, [[*S_CLIENT, "-tls1_3", *psk]], psk=bytes.fromhex(PSK_HEX))
    assert "HTTP/1.1 200 OK" in out[0]
    decode_checks(_recorded(run, work, "psk13.pcapng"), (work / "s_client.keys").read_text())
    run, out = glassbox_listen(
        work, [[*S_CLIENT, "-tls1_2", "-cipher", "PSK-AES128-CCM8", *psk]],
        psk=bytes.fromhex(PSK_HEX), cipher="TLS_PSK_WITH_AES_128_CCM_8",
    )  # fmt: skip
    assert "HTTP/1.1 200 OK" in out[0]
    decode_checks(_recorded(run, work, "psk12.pcapng"), (work / "s_client.keys").read_text())
    early = work / "early.txt"
    early.write_bytes(b"GET /early HTTP/1.1\r\nHost: localhost\r\n\r\n")
    sess = str(work / "sess.pem")
    run, out = glassbox_listen(
        work,
        [[*S_CLIENT, "-tls1_3", "-sess_out", sess],
         [*S_CLIENT, "-tls1_3", "-sess_in", sess, "-early_data", str(early)]],
        resume=True, early_data=True,
    )  # fmt: skip
    assert "Reused, TLSv1.3" in out[1] and "Early data was accepted" in out[1], out[1]
    conns = decode_checks(
        _recorded(run, work, "resume.pcapng"), (work / "s_client.keys").read_text(), 2
    )
    assert conns[1].keys.resumed_from == conns[0].id


def test_server_against_gnutls_cli(tmp_path: Path) -> None:
    need("gnutls-cli")
    cli = ["gnutls-cli", "-p", "{port}", "--x509cafile", "{ca}", "localhost"]
    keys = tmp_path / "gnutls-cli.keys"
    for priority in (
        "NORMAL",
        "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        "NORMAL:-GROUP-ALL:+GROUP-SECP384R1",
    ):
        keys.unlink(missing_ok=True)
        run, out = glassbox_listen(
            tmp_path, [[*cli, "--priority", priority]], env={"SSLKEYLOGFILE": str(keys)}
        )
        assert "HTTP/1.1 200 OK" in out[0], out[0]
        path = _recorded(run, tmp_path)
        assert_same_secrets(keys.read_text(), run.own_keylog)
        decode_checks(path, keys.read_text())


# -- Python's ssl (OpenSSL, in this process) ------------------------------------------------------

PYTHON_SSL: list[tuple[str, dict[str, Any]]] = [
    ("client-tls13", {}),
    ("client-tls13-hrr", {"key_share": ("secp384r1",), "groups": ("secp384r1", "x25519"),
                          "server_groups": ("x25519",)}),
    ("client-tls13-resume-keyupdate", {"resume": True, "key_update": True}),
    ("client-tls13-mtls-rsa", {"mtls": True, "key_type": "rsa"}),
    ("client-tls12-session-id", {"version": "1.2", "resume": True, "tickets": False}),
    ("server-tls13", {"client": "openssl", "server": "tlsviz"}),
    ("server-tls13-resume-mtls", {"client": "openssl", "server": "tlsviz", "resume": True,
                                  "mtls": True}),
    ("server-tls12-ticket-resume", {"client": "openssl", "server": "tlsviz", "version": "1.2",
                                    "resume": True}),
    ("server-tls12-rsa-no-ems", {"client": "openssl", "server": "tlsviz", "version": "1.2",
                                 "key_type": "rsa", "ems": False}),
]  # fmt: skip


@pytest.mark.parametrize("opts", [pytest.param(o, id=i) for i, o in PYTHON_SSL])
def test_with_python_ssl(tmp_path: Path, opts: dict[str, Any]) -> None:
    run = run_glassbox(GlassboxOptions(**opts))
    path = _recorded(run, tmp_path)
    count = 2 if opts.get("resume") else 1
    assert_same_secrets(run.peer_keylog, run.own_keylog, least=count)
    decode_checks(path, run.peer_keylog, count)
    if opts.get("resume"):
        assert run.handshakes[1].resumed
