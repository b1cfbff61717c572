"""Real handshakes between ``openssl s_server -rev`` and ``openssl s_client`` over loopback.

A small TCP proxy in this process records the raw bytes of each direction; the
key logs written by OpenSSL (``-keylogfile``) are the expected values.  tlsviz
must derive the same master secret where it can (RSA with the server key, PSK),
verify both Finished messages, and decrypt every record to what was sent.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from test_keys_support import Record, handshake_messages, split_records

from tlsviz.keys.hkdf import transcript_hash
from tlsviz.keys.keylog import KeyLog
from tlsviz.keys.prf import session_hash
from tlsviz.keys.protection import RecordDecryption, RecordDecryptor
from tlsviz.keys.schedule12 import KeySchedule12
from tlsviz.keys.schedule13 import KeySchedule13

pytestmark = [
    pytest.mark.peers,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed"),
]

PSK = "ca19e028a8a372ad2d325f950fcaceed"
TIMEOUT = 20.0


# -- plumbing ---------------------------------------------------------------


class Proxy:
    """Accept one connection, forward it to ``target`` and log each direction's bytes."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(TIMEOUT)
        self.port: int = self.listener.getsockname()[1]
        self.c2s = bytearray()
        self.s2c = bytearray()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, log: bytearray) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                log += data
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def _run(self) -> None:
        with contextlib.suppress(OSError):
            client, _ = self.listener.accept()
            server = socket.create_connection(("127.0.0.1", self.target), timeout=TIMEOUT)
            pumps = [
                threading.Thread(target=self._pump, args=(client, server, self.c2s)),
                threading.Thread(target=self._pump, args=(server, client, self.s2c)),
            ]
            for t in pumps:
                t.start()
            for t in pumps:
                t.join(TIMEOUT)
            client.close()
            server.close()
        self.listener.close()


def _wait_for(path: Path, text: bytes, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_bytes():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.02)
    raise AssertionError(f"{text!r} never appeared in {path}:\n{path.read_text(errors='replace')}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Session:
    c2s: list[Record]
    s2c: list[Record]
    client_log: KeyLog
    server_log: KeyLog
    client_random: bytes = field(init=False)
    server_random: bytes = field(init=False)

    def __post_init__(self) -> None:
        self.client_random = self.c2s[0].fragment[6:38]
        self.server_random = self.s2c[0].fragment[6:38]


@pytest.fixture(scope="module")
def server_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("pki")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = time.time()
    import datetime

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime.fromtimestamp(now - 3600, datetime.UTC))
        .not_valid_after(datetime.datetime.fromtimestamp(now + 86400, datetime.UTC))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = d / "key.pem", d / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def run_pair(
    tmp: Path,
    server_key: tuple[Path, Path],
    common: list[str],
    *,
    server_extra: list[str] = (),  # type: ignore[assignment]
    client_extra: list[str] = (),  # type: ignore[assignment]
    lines: list[tuple[bytes, bytes]],
) -> Session:
    """Run one connection; ``lines`` = (what the client types, what it must then see)."""
    openssl = shutil.which("openssl")
    assert openssl
    port = _free_port()
    srv_out, cli_out = tmp / "server.out", tmp / "client.out"
    srv_keys, cli_keys = tmp / "server.keys", tmp / "client.keys"
    key, cert = server_key
    server = subprocess.Popen(
        [openssl, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(cert),
         "-key", str(key), "-keylogfile", str(srv_keys), "-rev", "-naccept", "1",
         *common, *server_extra],
        stdin=subprocess.DEVNULL, stdout=srv_out.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        try:
            _wait_for(srv_out, b"ACCEPT", server)
        except AssertionError:
            if b"no cipher match" in srv_out.read_bytes():
                pytest.skip(f"this openssl build lacks {' '.join(common)}")
            raise
        proxy = Proxy(port)
        client = subprocess.Popen(
            [openssl, "s_client", "-connect", f"127.0.0.1:{proxy.port}", "-keylogfile",
             str(cli_keys), "-no_ign_eof", *common, *client_extra],
            stdin=subprocess.PIPE, stdout=cli_out.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert client.stdin is not None
        try:
            for typed, expected in lines:
                client.stdin.write(typed)
                client.stdin.flush()
                _wait_for(cli_out, expected, client)
            client.stdin.close()
            client.wait(TIMEOUT)
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
        proxy.thread.join(TIMEOUT)
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(TIMEOUT)
    logs = []
    for path in (cli_keys, srv_keys):
        log = KeyLog()
        log.add_text(path.read_text(), source=path.name)
        logs.append(log)
    return Session(split_records(bytes(proxy.c2s)), split_records(bytes(proxy.s2c)), *logs)


def sh_extensions(server_hello: bytes) -> set[int]:
    """Extension types of a ServerHello handshake message (4-byte header included)."""
    pos = 4 + 2 + 32
    pos += 1 + server_hello[pos] + 2 + 1
    end = pos + 2 + int.from_bytes(server_hello[pos : pos + 2], "big")
    pos += 2
    found = set()
    while pos + 4 <= end:
        found.add(int.from_bytes(server_hello[pos : pos + 2], "big"))
        pos += 4 + int.from_bytes(server_hello[pos + 2 : pos + 4], "big")
    return found


# -- TLS 1.2 and 1.0 --------------------------------------------------------


@dataclass(frozen=True)
class Suite12:
    openssl: str
    cipher: str
    mode: str
    mac: str
    mac_len: int
    key_len: int
    iv_len: int
    tag_len: int = 16
    prf_hash: str = "sha256"


SUITES_12 = {
    "ECDHE-RSA-AES128-GCM-SHA256": Suite12("ECDHE-RSA-AES128-GCM-SHA256", "AES_128_GCM", "aead",
                                           "AEAD", 0, 16, 4),
    "ECDHE-RSA-AES256-GCM-SHA384": Suite12("ECDHE-RSA-AES256-GCM-SHA384", "AES_256_GCM", "aead",
                                           "AEAD", 0, 32, 4, prf_hash="sha384"),
    "AES128-SHA": Suite12("AES128-SHA", "AES_128_CBC", "cbc", "SHA", 20, 16, 16),
    "AES256-SHA256": Suite12("AES256-SHA256", "AES_256_CBC", "cbc", "SHA256", 32, 32, 16),
    "DES-CBC3-SHA": Suite12("DES-CBC3-SHA@SECLEVEL=0", "3DES_EDE_CBC", "cbc", "SHA", 20, 24, 8),
    "CAMELLIA128-SHA": Suite12("CAMELLIA128-SHA", "CAMELLIA_128_CBC", "cbc", "SHA", 20, 16, 16),
    "ECDHE-RSA-CHACHA20-POLY1305": Suite12("ECDHE-RSA-CHACHA20-POLY1305", "CHACHA20_POLY1305",
                                           "aead", "AEAD", 0, 32, 12),
    "PSK-AES128-CCM8": Suite12("PSK-AES128-CCM8", "AES_128_CCM_8", "aead", "AEAD", 0, 16, 4, 8),
    "PSK-AES128-GCM-SHA256": Suite12("PSK-AES128-GCM-SHA256", "AES_128_GCM", "aead", "AEAD", 0,
                                     16, 4),
}  # fmt: skip

CASES_12 = [
    # (suite, version flag, encrypt-then-MAC wanted)
    pytest.param("ECDHE-RSA-AES128-GCM-SHA256", "-tls1_2", True, id="ecdhe-aes128gcm"),
    pytest.param("ECDHE-RSA-AES256-GCM-SHA384", "-tls1_2", True, id="ecdhe-aes256gcm-sha384"),
    pytest.param("AES128-SHA", "-tls1_2", True, id="rsa-aes128cbc-etm"),
    pytest.param("AES128-SHA", "-tls1_2", False, id="rsa-aes128cbc-no_etm"),
    pytest.param("AES256-SHA256", "-tls1_2", False, id="rsa-aes256cbc-sha256"),
    pytest.param("DES-CBC3-SHA", "-tls1_2", False, id="rsa-3des"),
    pytest.param("CAMELLIA128-SHA", "-tls1_2", True, id="rsa-camellia-etm"),
    pytest.param("ECDHE-RSA-CHACHA20-POLY1305", "-tls1_2", True, id="ecdhe-chacha20"),
    pytest.param("PSK-AES128-CCM8", "-tls1_2", True, id="psk-aes128ccm8"),
    pytest.param("PSK-AES128-GCM-SHA256", "-tls1_2", True, id="psk-aes128gcm"),
    pytest.param("AES128-SHA", "-tls1", False, id="tls10-rsa-aes128cbc-implicit-iv"),
    pytest.param("AES128-SHA", "-tls1", True, id="tls10-rsa-aes128cbc-implicit-iv-etm"),
    pytest.param("AES128-SHA", "-tls1_1", False, id="tls11-rsa-aes128cbc"),
]

HELLO = b"hello tlsviz, this is a longer line to span a few blocks\n"


def _decrypt_direction(
    records: list[Record], dec: RecordDecryptor
) -> tuple[list[bytes], list[RecordDecryption]]:
    """Cleartext handshake messages before ChangeCipherSpec, decryptions after it."""
    clear: list[Record] = []
    results: list[RecordDecryption] = []
    after_ccs = False
    for rec in records:
        if after_ccs:
            results.append(dec.decrypt(rec.content_type, rec.version, rec.fragment))
        elif rec.content_type == 20:
            after_ccs = True
        else:
            clear.append(rec)
    return handshake_messages(clear), results


@pytest.mark.parametrize(("suite_name", "version_flag", "etm"), CASES_12)
def test_tls12_family(
    tmp_path: Path, server_key: tuple[Path, Path], suite_name: str, version_flag: str, etm: bool
) -> None:
    suite = SUITES_12[suite_name]
    cipher = suite.openssl
    if version_flag != "-tls1_2" and "@SECLEVEL" not in cipher:
        cipher += "@SECLEVEL=0"
    common = [version_flag, "-cipher", cipher]
    extra_srv: list[str] = []
    extra_cli: list[str] = []
    if suite_name.startswith("PSK"):
        extra_srv += ["-psk", PSK, "-nocert"]
        extra_cli += ["-psk", PSK]
    if not etm:
        extra_cli.append("-no_etm")
    session = run_pair(
        tmp_path, server_key, common, server_extra=extra_srv, client_extra=extra_cli,
        lines=[(HELLO, HELLO[:-1][::-1])],
    )  # fmt: skip
    version = {"-tls1": 0x0301, "-tls1_1": 0x0302, "-tls1_2": 0x0303}[version_flag]
    cr, sr = session.client_random, session.server_random
    master = session.client_log.master_secret(cr)
    assert master is not None and session.server_log.master_secret(cr) == master

    ks = KeySchedule12(version, suite.prf_hash)
    kb = ks.key_block(master, cr, sr, suite.mac_len, suite.key_len, suite.iv_len)

    def decryptor(side: str) -> RecordDecryptor:
        return RecordDecryptor(
            cipher=suite.cipher, mode=suite.mode, version=version, tag_len=suite.tag_len,
            key=getattr(kb, f"{side}_write_key"), iv=getattr(kb, f"{side}_write_iv"),
            mac=suite.mac, mac_key=getattr(kb, f"{side}_write_mac_key"), encrypt_then_mac=etm,
        )  # fmt: skip

    client_msgs, client_results = _decrypt_direction(session.c2s, decryptor("client"))
    server_msgs, server_results = _decrypt_direction(session.s2c, decryptor("server"))
    sh = server_msgs[0]
    extensions = sh_extensions(sh)
    # encrypt_then_mac (22) is only negotiated for CBC suites.
    assert (22 in extensions) == (etm and suite.mode == "cbc")
    ems = 23 in extensions
    assert ems  # OpenSSL negotiates extended master secret by default

    # Finished messages (RFC 5246 §7.4.9): the first protected record of each side.
    transcript = b"".join([client_msgs[0], *server_msgs[: len(server_msgs)], *client_msgs[1:]])
    nst = [m for m in server_msgs if m[0] == 4]  # NewSessionTicket precedes the server CCS
    transcript_before_nst = b"".join([client_msgs[0], *(m for m in server_msgs if m[0] != 4),
                                      *client_msgs[1:]])  # fmt: skip
    assert all(r.ok for r in client_results + server_results), [
        r.error for r in client_results + server_results if not r.ok
    ]
    cfin, sfin = client_results[0].plaintext, server_results[0].plaintext
    assert cfin == b"\x14\x00\x00\x0c" + ks.finished(master, "client", transcript_before_nst)
    assert sfin == b"\x14\x00\x00\x0c" + ks.finished(
        master, "server", transcript_before_nst + cfin + b"".join(nst)
    )
    assert transcript  # (kept for debugging)

    def app(results: list[RecordDecryption]) -> bytes:
        return b"".join(r.plaintext for r in results if r.content_type == 23)

    assert app(client_results) == HELLO
    assert HELLO[:-1][::-1] in app(server_results)
    assert (client_results[-1].content_type, client_results[-1].plaintext) == (21, b"\x01\x00")
    if suite.mode == "cbc":
        assert all(r.mac_ok for r in client_results + server_results)
        assert all(r.explicit_iv is None for r in client_results) == (version == 0x0301)

    # The pre-master secret, where tlsviz can know it without the key log.
    cke = client_msgs[1]
    assert cke[0] == 16
    shash = session_hash(
        version,
        suite.prf_hash,
        transcript_before_nst[: transcript_before_nst.index(cke) + len(cke)],
    )
    if suite_name.startswith("PSK"):
        # RFC 4279 §2 pre-master from the PSK alone; the key log has only the master secret.
        pms = ks.psk(bytes.fromhex(PSK))
        assert ks.extended_master_secret(pms, shash) == master
    elif suite_name.startswith(("AES", "DES", "CAMELLIA")):
        encrypted = cke[6:]
        rsa_result = ks.rsa(server_key[0].read_bytes(), encrypted, expected_version=version)
        assert rsa_result.ok and rsa_result.premaster is not None
        assert session.client_log.rsa_premaster(encrypted[:8]) == rsa_result.premaster
        assert ks.extended_master_secret(rsa_result.premaster, shash) == master
        assert ks.step("master_secret") is not None
        assert ks.step("master_secret").keylog_label == "CLIENT_RANDOM"  # type: ignore[union-attr]


def test_registry_wrapper_matches_explicit_parameters(
    tmp_path: Path, server_key: tuple[Path, Path]
) -> None:
    """RecordDecryptor.for_suite with tlsviz.wire.registry's SuiteInfo (skipped if absent)."""
    from tlsviz.keys.suites import lookup_suite

    suite = lookup_suite(0xCCA8)  # TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    if suite is None:
        pytest.skip("tlsviz.wire.registry not available")
    session = run_pair(
        tmp_path, server_key, ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"],
        lines=[(HELLO, HELLO[:-1][::-1])],
    )  # fmt: skip
    master = session.client_log.master_secret(session.client_random)
    assert master is not None
    ks = KeySchedule12(0x0303, suite.prf_hash)
    kb = ks.key_block(
        master, session.client_random, session.server_random,
        suite.mac_len, suite.key_len, suite.iv_len,
    )  # fmt: skip
    dec = RecordDecryptor.for_suite(
        suite, key=kb.client_write_key, iv=kb.client_write_iv, version=0x0303
    )
    _, results = _decrypt_direction(session.c2s, dec)
    assert all(r.ok for r in results)
    assert b"".join(r.plaintext for r in results if r.content_type == 23) == HELLO


# -- TLS 1.3 ----------------------------------------------------------------

SUITES_13 = [
    pytest.param("TLS_AES_128_GCM_SHA256", "AES_128_GCM", 16, "sha256", 16, id="aes128gcm"),
    pytest.param("TLS_AES_256_GCM_SHA384", "AES_256_GCM", 32, "sha384", 16, id="aes256gcm"),
    pytest.param("TLS_CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305", 32, "sha256", 16,
                 id="chacha20"),
    pytest.param("TLS_AES_128_CCM_8_SHA256", "AES_128_CCM_8", 16, "sha256", 8, id="aes128ccm8"),
]  # fmt: skip


def _messages(plaintext: bytes) -> Iterator[bytes]:
    pos = 0
    while pos + 4 <= len(plaintext):
        length = int.from_bytes(plaintext[pos + 1 : pos + 4], "big")
        yield plaintext[pos : pos + 4 + length]
        pos += 4 + length


@pytest.mark.parametrize(("openssl_name", "cipher", "key_len", "hash_name", "tag_len"), SUITES_13)
def test_tls13_with_key_update(
    tmp_path: Path,
    server_key: tuple[Path, Path],
    openssl_name: str,
    cipher: str,
    key_len: int,
    hash_name: str,
    tag_len: int,
) -> None:
    session = run_pair(
        tmp_path, server_key, ["-tls1_3", "-ciphersuites", openssl_name],
        lines=[(HELLO, HELLO[:-1][::-1]), (b"K\n", b"KEYUPDATE"), (b"again\n", b"niaga")],
    )  # fmt: skip
    cr = session.client_random
    secrets = session.client_log.secrets_for(cr)
    assert secrets == session.server_log.secrets_for(cr)
    ks = KeySchedule13(hash_name)
    for label, value in secrets.items():
        if not label.endswith("_N"):
            ks.keylog_secret(label, value)

    def side_decryptor(label: str, prefix: str) -> RecordDecryptor:
        keys = ks.traffic_keys(secrets[label], key_len, 12, prefix)
        return RecordDecryptor(
            cipher=cipher, key=keys.key, iv=keys.iv, version=0x0304, tag_len=tag_len
        )

    transcript = [session.c2s[0].fragment, session.s2c[0].fragment]  # ClientHello, ServerHello

    def walk(records: list[Record], side: str) -> list[tuple[int, bytes]]:
        """Decrypt one direction, switching keys at Finished and KeyUpdate."""
        upper = side.upper()
        dec = side_decryptor(f"{upper}_HANDSHAKE_TRAFFIC_SECRET", f"{side}_handshake")
        secret = secrets[f"{upper}_TRAFFIC_SECRET_0"]
        out = []
        for rec in records[1:]:
            result = dec.decrypt(rec.content_type, rec.version, rec.fragment)
            assert result.ok, result.error
            if not result.protected:
                continue  # middlebox-compatibility ChangeCipherSpec
            out.append((result.content_type, result.plaintext))
            if result.content_type != 22:
                continue
            for msg in _messages(result.plaintext):
                if msg[0] == 20:  # Finished: application keys from now on
                    dec = side_decryptor(f"{upper}_TRAFFIC_SECRET_0", f"{side}_app")
                elif msg[0] == 24:  # KeyUpdate (RFC 8446 §4.6.3): next generation
                    secret = ks.next_generation(secret)
                    keys = ks.traffic_keys(secret, key_len, 12, f"{side}_app_1")
                    dec = RecordDecryptor(
                        cipher=cipher, key=keys.key, iv=keys.iv, version=0x0304, tag_len=tag_len
                    )
        return out

    server_plain = walk(session.s2c, "server")
    client_plain = walk(session.c2s, "client")

    # Server Finished: HMAC(finished_key, Hash(ClientHello..CertificateVerify)), RFC 8446 §4.4.4.
    server_hs = [m for t, p in server_plain if t == 22 for m in _messages(p)]
    types = [m[0] for m in server_hs]
    fin_index = types.index(20)
    assert types[:fin_index] == [8, 11, 15]  # EncryptedExtensions, Certificate, CertificateVerify
    before_fin = transcript + server_hs[:fin_index]
    sfk = ks.finished_key(secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"])
    assert server_hs[fin_index][4:] == ks.finished_verify_data(
        sfk, transcript_hash(hash_name, *before_fin)
    )
    client_hs = [m for t, p in client_plain if t == 22 for m in _messages(p)]
    assert client_hs[0][0] == 20
    cfk = ks.finished_key(secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"])
    assert client_hs[0][4:] == ks.finished_verify_data(
        cfk, transcript_hash(hash_name, *before_fin, server_hs[fin_index])
    )

    # KeyUpdate: our next generation equals what OpenSSL logged as *_TRAFFIC_SECRET_N.
    assert ks.value("client_application_traffic_secret_1") == secrets["CLIENT_TRAFFIC_SECRET_N"]
    assert ks.value("server_application_traffic_secret_1") == secrets["SERVER_TRAFFIC_SECRET_N"]
    assert [m[0] for m in client_hs] == [20, 24]
    app_c = b"".join(p for t, p in client_plain if t == 23)
    app_s = b"".join(p for t, p in server_plain if t == 23)
    assert app_c == HELLO + b"again\n"
    assert HELLO[:-1][::-1] in app_s and b"niaga" in app_s
    assert client_plain[-1] == (21, b"\x01\x00")
