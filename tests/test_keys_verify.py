"""Signature, chain and Finished checks against real handshakes.

Every signature checked here was made by someone else: RFC 8448's traces, the
Illustrated TLS 1.2/1.3 captures, and live ``openssl s_server``/``s_client``
handshakes recorded by a small proxy in this file.  The helpers below only cut
messages out of bytes by their length headers; they compute no expected value.
Negatives flip one bit, swap the key, or change what was signed.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import corpus_file
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st
from test_keys_support import Record, Trace, handshake_messages, rfc8448, split_records

from tlsviz.keys.digests import hmac_digest
from tlsviz.keys.hkdf import hkdf_expand_label, transcript_hash
from tlsviz.keys.prf import finished_verify_data
from tlsviz.keys.protection import RecordDecryptor
from tlsviz.keys.verify import (
    Check,
    describe_key,
    scheme_description,
    verify_certificate_verify12,
    verify_certificate_verify13,
    verify_chain,
    verify_finished,
    verify_server_key_exchange,
)

TIMEOUT = 20.0
S, C = "{server}", "{client}"


# -- cutting messages out of bytes (no computation) ---------------------------


def flip(data: bytes, index: int | None = None) -> bytes:
    """The same bytes with one bit flipped (in the middle unless told)."""
    i = len(data) // 2 if index is None else index
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


def u(data: bytes, pos: int, n: int) -> int:
    return int.from_bytes(data[pos : pos + n], "big")


def vector(data: bytes, pos: int, n: int) -> tuple[bytes, int]:
    """A length-prefixed vector (``n``-byte length) at ``pos``, and the position after it."""
    length = u(data, pos, n)
    return data[pos + n : pos + n + length], pos + n + length


def find(msgs: list[bytes], htype: int) -> bytes:
    found = [m for m in msgs if m[0] == htype]
    assert found, f"no handshake message of type {htype} in {[m[0] for m in msgs]}"
    return found[0]


def certs12(msg: bytes) -> list[bytes]:
    """DER certificates of a TLS 1.2 Certificate message (RFC 5246 §7.4.2)."""
    body, _ = vector(msg, 4, 3)
    out, pos = [], 0
    while pos < len(body):
        der, pos = vector(body, pos, 3)
        out.append(der)
    return out


def certs13(msg: bytes) -> list[bytes]:
    """DER certificates of a TLS 1.3 Certificate message (RFC 8446 §4.4.2)."""
    _, pos = vector(msg, 4, 1)
    body, _ = vector(msg, pos, 3)
    out, pos = [], 0
    while pos < len(body):
        der, pos = vector(body, pos, 3)
        _, pos = vector(body, pos, 2)
        out.append(der)
    return out


def signed(msg: bytes, pos: int, *, tls12: bool) -> tuple[int | None, bytes]:
    """(scheme, signature) of a digitally-signed struct at ``pos`` (RFC 5246 §4.7)."""
    scheme = u(msg, pos, 2) if tls12 else None
    sig, _ = vector(msg, pos + (2 if tls12 else 0), 2)
    return scheme, sig


def ske_parts(msg: bytes, *, tls12: bool) -> tuple[bytes, int | None, bytes]:
    """(params, scheme, signature) of an ECDHE or DHE ServerKeyExchange."""
    if msg[4] == 3:  # ECParameters.curve_type named_curve (RFC 8422 §5.4)
        _, end = vector(msg, 7, 1)
    else:  # ServerDHParams: dh_p, dh_g, dh_Ys (RFC 5246 §7.4.3)
        end = 4
        for _ in range(3):
            _, end = vector(msg, end, 2)
    return (msg[4:end], *signed(msg, end, tls12=tls12))


def hello_random(msg: bytes) -> bytes:
    return msg[6:38]


def der_of_pem(path: Path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


# -- published traces ----------------------------------------------------------


@pytest.fixture(scope="module")
def rfc3() -> Trace:
    return rfc8448(3)


@pytest.fixture(scope="module")
def rfc6() -> Trace:
    return rfc8448(6)


@pytest.mark.corpus
class TestRfc8448:
    def test_server_certificate_verify_rsa_pss(self, rfc3: Trace) -> None:
        t = rfc3
        ch = t.get(C + " construct a ClientHello", "ClientHello")
        sh = t.get(S + " construct a ServerHello", "ServerHello")
        ee = t.get(S + " construct an EncryptedExtensions", "EncryptedExtensions")
        cert = t.get(S + " construct a Certificate", "Certificate")
        cv = t.get(S + " construct a CertificateVerify", "CertificateVerify")
        der, th = certs13(cert)[0], transcript_hash("sha256", ch, sh, ee, cert)
        scheme, sig = signed(cv, 4, tls12=True)
        assert scheme == 0x0804
        check = verify_certificate_verify13(der, scheme, sig, th, server=True)
        assert check.ok is True, check.detail
        assert check.name == "server CertificateVerify" and check.rfc == "RFC 8446 §4.4.3"
        assert "RSA-PSS with SHA-256" in check.detail and "1024-bit RSA key" in check.detail
        # The signature binds the side, the transcript and the key.
        assert verify_certificate_verify13(der, scheme, sig, th, server=False).ok is False
        assert verify_certificate_verify13(der, scheme, flip(sig), th, server=True).ok is False
        assert verify_certificate_verify13(der, scheme, sig, flip(th), server=True).ok is False
        other = transcript_hash("sha256", ch, sh, ee)
        assert verify_certificate_verify13(der, scheme, sig, other, server=True).ok is False
        assert verify_certificate_verify13(der, 0x0805, sig, th, server=True).ok is False
        # rsa_pss_pss needs an RSASSA-PSS key; PKCS#1 v1.5 is banned outright.
        pss = verify_certificate_verify13(der, 0x0809, sig, th, server=True)
        assert pss.ok is False and "RSASSA-PSS" in pss.detail
        pkcs1 = verify_certificate_verify13(der, 0x0401, sig, th, server=True)
        assert pkcs1.ok is False and "not allowed" in pkcs1.detail

    def test_server_finished(self, rfc3: Trace) -> None:
        t = rfc3
        msgs = [
            t.get(C + " construct a ClientHello", "ClientHello"),
            t.get(S + " construct a ServerHello", "ServerHello"),
            t.get(S + " construct an EncryptedExtensions", "EncryptedExtensions"),
            t.get(S + " construct a Certificate", "Certificate"),
            t.get(S + " construct a CertificateVerify", "CertificateVerify"),
        ]
        fin = t.get(S + " construct a Finished", "Finished")
        secret = t.get(S + ' derive secret "tls13 s hs traffic"', "expanded")
        key = hkdf_expand_label("sha256", secret, "finished", b"", 32)
        expected = hmac_digest("sha256", key, transcript_hash("sha256", *msgs))
        ok = verify_finished("server Finished", expected, fin[4:], "RFC 8446 §4.4.4")
        assert ok == Check("server Finished", True, ok.detail, "RFC 8446 §4.4.4")
        bad = verify_finished("server Finished", expected, flip(fin[4:]), "RFC 8446 §4.4.4")
        assert bad.ok is False
        assert expected.hex() in bad.detail and flip(fin[4:]).hex() in bad.detail

    def test_self_signed_certificate(self, rfc3: Trace) -> None:
        der = certs13(rfc3.get(S + " construct a Certificate", "Certificate"))[0]
        [check] = verify_chain([der])
        assert check.ok is True and "self-signed root" in check.detail

    def test_client_auth_trace(self, rfc6: Trace) -> None:
        """RFC 8448 §6: an ECDSA P-256 server and an RSA-PSS client CertificateVerify."""
        t = rfc6
        names = [
            (C, "a ClientHello", "ClientHello"),
            (S, "a ServerHello", "ServerHello"),
            (S, "an EncryptedExtensions", "EncryptedExtensions"),
            (S, "a CertificateRequest", "CertificateRequest"),
            (S, "a Certificate", "Certificate"),
        ]
        msgs = [t.get(f"{who} construct {what}", field) for who, what, field in names]
        scv = t.get(S + " construct a CertificateVerify", "CertificateVerify")
        sfin = t.get(S + " construct a Finished", "Finished")
        ccert = t.get(C + " construct a Certificate", "Certificate")
        ccv = t.get(C + " construct a CertificateVerify", "CertificateVerify")

        sder = certs13(msgs[-1])[0]
        scheme, sig = signed(scv, 4, tls12=True)
        assert (scheme, describe_key(sder)) == (0x0403, "an ECDSA P-256 key")
        th = transcript_hash("sha256", *msgs)
        check = verify_certificate_verify13(sder, scheme, sig, th, server=True)
        assert check.ok is True and "ECDSA with P-256 and SHA-256" in check.detail
        assert verify_certificate_verify13(sder, scheme, flip(sig), th, server=True).ok is False
        # In TLS 1.3 the scheme names the curve: the same signature as P-384 is refused.
        p384 = verify_certificate_verify13(sder, 0x0503, sig, th, server=True)
        assert p384.ok is False and "P-384" in p384.detail

        cder = certs13(ccert)[0]
        scheme, sig = signed(ccv, 4, tls12=True)
        th = transcript_hash("sha256", *msgs, scv, sfin, ccert)
        check = verify_certificate_verify13(cder, scheme, sig, th, server=False)
        assert check.ok is True and check.name == "client CertificateVerify"
        assert verify_certificate_verify13(cder, scheme, sig, th, server=True).ok is False
        assert verify_certificate_verify13(sder, scheme, sig, th, server=False).ok is False


@pytest.mark.corpus
class TestIllustrated:
    def test_tls13_certificate_verify_and_finished(self) -> None:
        rec = corpus_file("illustrated-tls13/records/clienthello").parent
        ch, sh = (rec / "clienthello").read_bytes()[5:], (rec / "serverhello").read_bytes()[5:]
        # The decrypted records end with their inner content type (RFC 8446 §5.2).
        ee, cert, cv, fin = (
            (rec / name).read_bytes()[:-1]
            for name in ("serverextensions", "servercert", "servercertverify", "serverfinished")
        )
        der = certs13(cert)[0]
        assert der == der_of_pem(corpus_file("illustrated-tls13/server.crt"))
        scheme, sig = signed(cv, 4, tls12=True)
        th = transcript_hash("sha384", ch, sh, ee, cert)  # TLS_AES_256_GCM_SHA384
        check = verify_certificate_verify13(der, scheme, sig, th, server=True)
        assert check.ok is True and "2048-bit RSA key" in check.detail
        assert verify_certificate_verify13(der, scheme, flip(sig), th, server=True).ok is False

        keylog = corpus_file("illustrated-tls13/keylog.txt").read_text().split()
        secret = bytes.fromhex(keylog[keylog.index("SERVER_HANDSHAKE_TRAFFIC_SECRET") + 2])
        key = hkdf_expand_label("sha384", secret, "finished", b"", 48)
        expected = hmac_digest("sha384", key, transcript_hash("sha384", ch, sh, ee, cert, cv))
        assert verify_finished("server Finished", expected, fin[4:], "RFC 8446 §4.4.4").ok

    def test_tls12_server_key_exchange_chain_and_finished(self) -> None:
        rec = corpus_file("illustrated-tls12/records/clienthello").parent
        names = (
            "clienthello",
            "serverhello",
            "servercert",
            "serverkeyexchange",
            "serverhellodone",
            "clientkeyexchange",
        )
        ch, sh, cert, ske, shd, cke = ((rec / n).read_bytes()[5:] for n in names)
        der = certs12(cert)[0]
        params, scheme, sig = ske_parts(ske, tls12=True)
        assert scheme == 0x0401 and params[:3] == b"\x03\x00\x1d"  # rsa_pkcs1_sha256, x25519
        cr, sr = hello_random(ch), hello_random(sh)
        check = verify_server_key_exchange(der, scheme, sig, cr, sr, params, version=0x0303)
        assert check.ok is True, check.detail
        assert check.name == "ServerKeyExchange signature" and check.rfc == "RFC 5246 §7.4.3"
        assert "RSA PKCS#1 v1.5 with SHA-256" in check.detail
        for bad in (
            verify_server_key_exchange(der, scheme, flip(sig), cr, sr, params, version=0x0303),
            verify_server_key_exchange(der, scheme, sig, sr, cr, params, version=0x0303),
            verify_server_key_exchange(der, scheme, sig, cr, sr, flip(params), version=0x0303),
            verify_server_key_exchange(der, 0x0501, sig, cr, sr, params, version=0x0303),
            verify_server_key_exchange(der, 0x0804, sig, cr, sr, params, version=0x0303),
            # A TLS 1.2 signature is not the TLS 1.0 MD5||SHA-1 construction.
            verify_server_key_exchange(der, None, sig, cr, sr, params, version=0x0301),
        ):
            assert bad.ok is False, bad.detail
        mismatch = verify_server_key_exchange(der, 0x0403, sig, cr, sr, params, version=0x0303)
        assert mismatch.ok is False and "2048-bit RSA key" in mismatch.detail

        ca = der_of_pem(corpus_file("illustrated-tls12/ca.crt"))
        chain = verify_chain([der, ca])
        assert [c.ok for c in chain] == [True, True]
        assert chain[0].name == "certificate 1 signed by certificate 2"

        keylog = corpus_file("illustrated-tls12/keylog.txt").read_text().split()
        master = bytes.fromhex(keylog[2])
        transcript = b"".join((ch, sh, cert, ske, shd, cke))
        expected = finished_verify_data(0x0303, "sha256", master, "client", transcript)
        fin = (rec / "clientfinishedplain").read_bytes()
        assert verify_finished("client Finished", expected, fin[4:], "RFC 5246 §7.4.9").ok
        assert not verify_finished("client Finished", expected, fin[4:15], "RFC 5246 §7.4.9").ok


# -- live OpenSSL peers ----------------------------------------------------------

_CERTS = {
    "rsa": "-newkey rsa:2048",
    "rsa-b": "-newkey rsa:2048",
    "rsapss": "-newkey rsa-pss -pkeyopt rsa_keygen_bits:2048",
    "ec256": "-newkey ec -pkeyopt ec_paramgen_curve:P-256",
    "ec256-b": "-newkey ec -pkeyopt ec_paramgen_curve:P-256",
    "ec384": "-newkey ec -pkeyopt ec_paramgen_curve:P-384",
    "ed25519": "-newkey ed25519",
    "ed25519-b": "-newkey ed25519",
    "ed448": "-newkey ed448",
    "dsa": "-newkey dsa:dsaparam.pem",
    "dsa-b": "-newkey dsa:dsaparam.pem",
}
#: A different key of the same kind, for "wrong key" negatives.
OTHER = {
    "rsa": "rsa-b",
    "rsa-b": "rsa",
    "ec256": "ec256-b",
    "ec384": "ec256",
    "ed25519": "ed25519-b",
    "dsa": "dsa-b",
    "rsapss": "rsa",
    "ed448": "ed25519",
}


@dataclass(frozen=True)
class Cred:
    cert: Path
    key: Path
    der: bytes


def openssl(command: str, cwd: Path) -> str:
    """Run ``openssl`` with a shell-like argument string (no shell involved)."""
    tool = shutil.which("openssl")
    if tool is None:
        pytest.skip("openssl CLI not installed")
    args = [tool, *shlex.split(command)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Cred]:
    d = tmp_path_factory.mktemp("verify-pki")
    openssl("dsaparam -out dsaparam.pem 2048", d)
    out = {}
    for name, newkey in _CERTS.items():
        openssl(
            f"req -x509 {newkey} -nodes -keyout {name}.key -out {name}.crt "
            f"-subj /CN={name} -days 2",
            d,
        )
        out[name] = Cred(d / f"{name}.crt", d / f"{name}.key", der_of_pem(d / f"{name}.crt"))
    return out


class Proxy:
    """Accept one connection on 127.0.0.1, forward it to ``port`` and keep both directions."""

    def __init__(self, port: int) -> None:
        self.port_to = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.logs = {"c2s": bytearray(), "s2c": bytearray()}
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
        with contextlib.suppress(OSError), self.listener:
            client, _ = self.listener.accept()
            server = socket.create_connection(("127.0.0.1", self.port_to), timeout=TIMEOUT)
            with client, server:
                pumps = [
                    threading.Thread(target=self._pump, args=(client, server, self.logs["c2s"])),
                    threading.Thread(target=self._pump, args=(server, client, self.logs["s2c"])),
                ]
                for t in pumps:
                    t.start()
                for t in pumps:
                    t.join(TIMEOUT)


@dataclass
class Live:
    c2s: bytes
    s2c: bytes
    keylog: dict[str, bytes]

    def cleartext(self, stream: bytes) -> list[bytes]:
        """Handshake messages sent before the first ChangeCipherSpec or encrypted record."""
        records = split_records(stream)
        cut = next((i for i, r in enumerate(records) if r.content_type in (20, 23)), None)
        return handshake_messages(records[:cut])

    @property
    def client(self) -> list[bytes]:
        return self.cleartext(self.c2s)

    @property
    def server(self) -> list[bytes]:
        return self.cleartext(self.s2c)

    def decrypted13(self, stream: bytes, label: str) -> list[bytes]:
        """TLS 1.3 handshake messages protected with the ``label`` secret (AES-128-GCM)."""
        secret = self.keylog[label]
        key = hkdf_expand_label("sha256", secret, "key", b"", 16)
        iv = hkdf_expand_label("sha256", secret, "iv", b"", 12)
        dec = RecordDecryptor(cipher="AES_128_GCM", key=key, iv=iv, version=0x0304)
        plain = b""
        for r in split_records(stream):
            if r.content_type != 23:
                continue
            result = dec.decrypt(r.content_type, r.version, r.fragment)
            if not result.ok:
                break  # application data under the next keys
            plain += result.plaintext
        return handshake_messages([Record(22, 0x0303, plain)])


def handshake(tmp: Path, server: list[str], client: list[str]) -> Live:
    """One real handshake: s_server <- proxy <- s_client, all on 127.0.0.1."""
    tool = shutil.which("openssl")
    if tool is None:
        pytest.skip("openssl CLI not installed")
    keylog = tmp / "keylog.txt"
    srv = subprocess.Popen(
        [tool, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", *server],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert srv.stdout is not None
        port = None
        for line in srv.stdout:  # "ACCEPT 127.0.0.1:40365" once it listens
            if line.startswith("ACCEPT"):
                port = int(line.rsplit(":", 1)[1])
                break
        assert port is not None, "s_server did not start"
        proxy = Proxy(port)
        cli = subprocess.run(
            [
                tool,
                "s_client",
                "-connect",
                f"127.0.0.1:{proxy.port}",
                "-keylogfile",
                str(keylog),
                *client,
            ],
            input="",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        proxy.thread.join(TIMEOUT)
    finally:
        if srv.poll() is None:
            srv.terminate()
        srv.wait(TIMEOUT)
    assert "Cipher is (NONE)" not in cli.stdout, cli.stdout + cli.stderr
    lines = [line.split() for line in keylog.read_text().splitlines() if line.strip()]
    return Live(
        bytes(proxy.logs["c2s"]),
        bytes(proxy.logs["s2c"]),
        {p[0]: bytes.fromhex(p[2]) for p in lines if len(p) == 3},
    )


def serve(cred: Cred, *extra: str) -> list[str]:
    return ["-cert", str(cred.cert), "-key", str(cred.key), *extra]


LOW = "ALL@SECLEVEL=0"
SKE_CASES = [
    # id, cert, client options, expected scheme (None: TLS 1.0/1.1, no scheme field)
    ("rsa-pkcs1-sha256", "rsa", ["-tls1_2", "-sigalgs", "RSA+SHA256"], 0x0401),
    ("rsa-pkcs1-sha384", "rsa", ["-tls1_2", "-sigalgs", "RSA+SHA384"], 0x0501),
    ("rsa-pkcs1-sha1", "rsa", ["-tls1_2", "-cipher", LOW, "-sigalgs", "RSA+SHA1"], 0x0201),
    ("rsa-pss-rsae", "rsa", ["-tls1_2", "-sigalgs", "rsa_pss_rsae_sha256"], 0x0804),
    ("rsa-pss-pss", "rsapss", ["-tls1_2", "-sigalgs", "rsa_pss_pss_sha256"], 0x0809),
    ("dhe-rsa", "rsa", ["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"], 0x0804),
    ("ecdsa-p256", "ec256", ["-tls1_2", "-sigalgs", "ECDSA+SHA256"], 0x0403),
    ("ecdsa-p256-sha512", "ec256", ["-tls1_2", "-sigalgs", "ECDSA+SHA512"], 0x0603),
    ("ecdsa-p384", "ec384", ["-tls1_2", "-sigalgs", "ECDSA+SHA384"], 0x0503),
    ("ecdsa-sha1", "ec256", ["-tls1_2", "-cipher", LOW, "-sigalgs", "ECDSA+SHA1"], 0x0203),
    ("ed25519", "ed25519", ["-tls1_2", "-sigalgs", "ed25519"], 0x0807),
    ("ed448", "ed448", ["-tls1_2", "-sigalgs", "ed448"], 0x0808),
    ("dhe-dss", "dsa", ["-tls1_2", "-cipher", LOW, "-sigalgs", "DSA+SHA256"], 0x0402),
    ("dhe-dss-sha224", "dsa", ["-tls1_2", "-cipher", "DHE-DSS-AES128-SHA256@SECLEVEL=0"], 0x0302),
    ("tls1.0-rsa", "rsa", ["-tls1", "-cipher", "ECDHE-RSA-AES128-SHA@SECLEVEL=0"], None),
    ("tls1.1-rsa", "rsa", ["-tls1_1", "-cipher", "ECDHE-RSA-AES128-SHA@SECLEVEL=0"], None),
    ("tls1.0-dhe-rsa", "rsa", ["-tls1", "-cipher", "DHE-RSA-AES128-SHA@SECLEVEL=0"], None),
    ("tls1.0-ecdsa", "ec256", ["-tls1", "-cipher", "ECDHE-ECDSA-AES128-SHA@SECLEVEL=0"], None),
    ("tls1.0-dss", "dsa", ["-tls1", "-cipher", "DHE-DSS-AES128-SHA@SECLEVEL=0"], None),
]


@pytest.mark.peers
@pytest.mark.parametrize(
    ("cert", "client", "want"), [c[1:] for c in SKE_CASES], ids=[c[0] for c in SKE_CASES]
)
def test_live_server_key_exchange(
    pki: dict[str, Cred], tmp_path: Path, cert: str, client: list[str], want: int | None
) -> None:
    live = handshake(tmp_path, serve(pki[cert], "-cipher", LOW), client)
    ch, server = live.client[0], live.server
    sh, ske = find(server, 2), find(server, 12)
    version = u(sh, 4, 2)
    assert (version >= 0x0303) == (want is not None)
    der = certs12(find(server, 11))[0]
    assert der == pki[cert].der
    params, scheme, sig = ske_parts(ske, tls12=version == 0x0303)
    assert scheme == want
    cr, sr = hello_random(ch), hello_random(sh)

    check = verify_server_key_exchange(der, scheme, sig, cr, sr, params, version=version)
    assert check.ok is True, check.detail
    assert check.rfc == {0x0301: "RFC 2246 §7.4.3", 0x0302: "RFC 4346 §7.4.3"}.get(
        version, "RFC 5246 §7.4.3"
    )
    assert describe_key(der) in check.detail
    if want is None:
        assert "SHA-1" in check.detail
    else:
        assert scheme_description(want) in check.detail

    other = pki[OTHER[cert]].der
    for bad in (
        verify_server_key_exchange(der, scheme, flip(sig), cr, sr, params, version=version),
        verify_server_key_exchange(other, scheme, sig, cr, sr, params, version=version),
        verify_server_key_exchange(der, scheme, sig, flip(cr, 0), sr, params, version=version),
        verify_server_key_exchange(der, scheme, sig, cr, sr, flip(params, 5), version=version),
    ):
        assert bad.ok is False, bad.detail
    # DTLS 1.0/1.2 sign like TLS 1.1/1.2 (RFC 6347 §4.2).
    dtls = {0x0302: 0xFEFF, 0x0303: 0xFEFD}.get(version)
    if dtls is not None:
        assert verify_server_key_exchange(der, scheme, sig, cr, sr, params, version=dtls).ok


TLS10 = ["-cipher", "ECDHE-RSA-AES128-SHA@SECLEVEL=0"]
CV12_CASES = [
    # id, client cert, client options, server options, expected scheme
    ("tls1.2-rsa-pss", "rsa-b", ["-tls1_2"], [], 0x0804),
    ("tls1.2-rsa-pkcs1", "rsa-b", ["-tls1_2"], ["-client_sigalgs", "RSA+SHA384"], 0x0501),
    ("tls1.2-ecdsa", "ec256", ["-tls1_2"], [], 0x0403),
    (
        "tls1.2-ecdsa-sha1",
        "ec256",
        ["-tls1_2", "-cipher", LOW],
        ["-client_sigalgs", "ECDSA+SHA1"],
        0x0203,
    ),
    ("tls1.2-ed25519", "ed25519", ["-tls1_2"], [], 0x0807),
    ("tls1.2-dsa", "dsa", ["-tls1_2", "-cipher", LOW], ["-client_sigalgs", "DSA+SHA256"], 0x0402),
    ("tls1.0-rsa", "rsa-b", ["-tls1", *TLS10], [], None),
    ("tls1.0-ecdsa", "ec256", ["-tls1", *TLS10], [], None),
    ("tls1.1-dsa", "dsa", ["-tls1_1", *TLS10], [], None),
]


@pytest.mark.peers
@pytest.mark.parametrize(
    ("cert", "client", "server", "want"),
    [c[1:] for c in CV12_CASES],
    ids=[c[0] for c in CV12_CASES],
)
def test_live_client_certificate_verify(
    pki: dict[str, Cred],
    tmp_path: Path,
    cert: str,
    client: list[str],
    server: list[str],
    want: int | None,
) -> None:
    server_args = serve(pki["rsa"], "-verify", "1", "-cipher", LOW, *server)
    live = handshake(tmp_path, server_args, [*client, *serve(pki[cert])])
    sent, flight = live.client, live.server
    flight = flight[: flight.index(find(flight, 14)) + 1]  # up to ServerHelloDone
    version = u(find(flight, 2), 4, 2)
    cv = find(sent, 15)
    before = sent[: sent.index(cv)]  # ClientHello, Certificate, ClientKeyExchange
    transcript = b"".join([before[0], *flight, *before[1:]])
    der = certs12(find(sent, 11))[0]
    assert der == pki[cert].der
    scheme, sig = signed(cv, 4, tls12=version == 0x0303)
    assert scheme == want

    check = verify_certificate_verify12(der, scheme, sig, transcript, version=version)
    assert check.ok is True, check.detail
    assert check.name == "client CertificateVerify"
    assert check.rfc.endswith("§7.4.8")
    other = pki[OTHER[cert]].der
    for bad in (
        verify_certificate_verify12(der, scheme, flip(sig), transcript, version=version),
        verify_certificate_verify12(other, scheme, sig, transcript, version=version),
        verify_certificate_verify12(der, scheme, sig, transcript[:-1], version=version),
    ):
        assert bad.ok is False, bad.detail
    ssl3 = verify_certificate_verify12(der, scheme, sig, transcript, version=0x0300)
    assert ssl3.ok is None and "SSL 3.0" in ssl3.detail


CV13_CASES = [
    # id, server cert, extra client options, expected scheme
    ("rsa", "rsa", [], 0x0804),
    ("rsa-pss-pss", "rsapss", [], 0x0809),
    ("ecdsa-p256", "ec256", [], 0x0403),
    ("ecdsa-p384", "ec384", [], 0x0503),
    ("ed25519", "ed25519", [], 0x0807),
    ("ed448", "ed448", [], 0x0808),
]


@pytest.mark.peers
@pytest.mark.parametrize(
    ("cert", "client", "want"), [c[1:] for c in CV13_CASES], ids=[c[0] for c in CV13_CASES]
)
def test_live_tls13_server_certificate_verify(
    pki: dict[str, Cred], tmp_path: Path, cert: str, client: list[str], want: int
) -> None:
    live = handshake(
        tmp_path, serve(pki[cert]), ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", *client]
    )
    hello = [live.client[0], find(live.server, 2)]
    flight = live.decrypted13(live.s2c, "SERVER_HANDSHAKE_TRAFFIC_SECRET")
    cv = find(flight, 15)
    before = flight[: flight.index(cv)]
    der = certs13(find(before, 11))[0]
    assert der == pki[cert].der
    scheme, sig = signed(cv, 4, tls12=True)
    assert scheme == want
    th = transcript_hash("sha256", *hello, *before)

    check = verify_certificate_verify13(der, want, sig, th, server=True)
    assert check.ok is True, check.detail
    assert scheme_description(want) in check.detail and describe_key(der) in check.detail
    other = pki[OTHER[cert]].der
    for bad in (
        verify_certificate_verify13(der, want, flip(sig), th, server=True),
        verify_certificate_verify13(der, want, sig, th, server=False),
        verify_certificate_verify13(other, want, sig, th, server=True),
        verify_certificate_verify13(der, want, sig, transcript_hash("sha256", *hello), server=True),
    ):
        assert bad.ok is False, bad.detail


@pytest.mark.peers
@pytest.mark.parametrize("cert", ["ec256", "rsa-b", "ed25519"])
def test_live_tls13_client_certificate_verify(
    pki: dict[str, Cred], tmp_path: Path, cert: str
) -> None:
    live = handshake(
        tmp_path,
        serve(pki["rsa"], "-verify", "1"),
        ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", *serve(pki[cert])],
    )
    hello = [live.client[0], find(live.server, 2)]
    sflight = live.decrypted13(live.s2c, "SERVER_HANDSHAKE_TRAFFIC_SECRET")
    cflight = live.decrypted13(live.c2s, "CLIENT_HANDSHAKE_TRAFFIC_SECRET")
    ccert, ccv = find(cflight, 11), find(cflight, 15)
    der = certs13(ccert)[0]
    assert der == pki[cert].der
    scheme, sig = signed(ccv, 4, tls12=True)
    assert scheme is not None
    th = transcript_hash("sha256", *hello, *sflight, ccert)
    check = verify_certificate_verify13(der, scheme, sig, th, server=False)
    assert check.ok is True and check.name == "client CertificateVerify", check.detail
    assert verify_certificate_verify13(der, scheme, sig, th, server=True).ok is False
    assert verify_certificate_verify13(der, scheme, flip(sig), th, server=False).ok is False


# -- chains made with the openssl CLI ---------------------------------------------


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """root (RSA) -> intermediate (ECDSA P-384) -> leaf (Ed25519), plus a fake root."""
    d = tmp_path_factory.mktemp("chain")
    (d / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n")
    openssl(
        "req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 2 "
        "-subj '/CN=Test Root' -addext basicConstraints=critical,CA:TRUE",
        d,
    )

    def issue(name: str, subject: str, newkey: str, ca: str, ext: str = "") -> None:
        openssl(f"req -new {newkey} -nodes -keyout {name}.key -out {name}.csr -subj '{subject}'", d)
        openssl(
            f"x509 -req -in {name}.csr -CA {ca}.pem -CAkey {ca}.key -CAcreateserial "
            f"-days 2 -out {name}.pem {ext}",
            d,
        )

    issue(
        "inter",
        "/CN=Test Intermediate",
        "-newkey ec -pkeyopt ec_paramgen_curve:P-384",
        "root",
        "-extfile ca.ext",
    )
    issue("leaf", "/CN=leaf.example", "-newkey ed25519", "inter")
    # Claims to be "Test Root" (issuer == subject) but the real root signed it.
    issue("fake", "/CN=Test Root", "-newkey rsa:2048", "root")
    return {n: der_of_pem(d / f"{n}.pem") for n in ("root", "inter", "leaf", "fake")}


class TestChain:
    def test_full_chain(self, chain: dict[str, bytes]) -> None:
        checks = verify_chain([chain["leaf"], chain["inter"], chain["root"]])
        assert [c.ok for c in checks] == [True, True, True]
        assert [c.name for c in checks] == [
            "certificate 1 signed by certificate 2",
            "certificate 2 signed by certificate 3",
            "certificate 3 issuer",
        ]
        assert "CN=Test Intermediate" in checks[0].detail and "CN=leaf.example" in checks[0].detail
        assert "self-signed root" in checks[2].detail
        assert all(c.rfc == "RFC 5280 §6.1.3" for c in checks)

    def test_root_not_sent(self, chain: dict[str, bytes]) -> None:
        checks = verify_chain([chain["leaf"], chain["inter"]])
        assert [c.ok for c in checks] == [True, None]
        assert "CN=Test Root" in checks[1].detail and "trust store" in checks[1].detail

    def test_broken_chains(self, chain: dict[str, bytes]) -> None:
        gap = verify_chain([chain["leaf"], chain["root"]])
        assert [c.ok for c in gap] == [False, True]
        assert "did not sign" in gap[0].detail
        assert verify_chain([chain["inter"], chain["leaf"]])[0].ok is False
        fake = verify_chain([chain["fake"]])
        assert fake[0].ok is False and "names itself" in fake[0].detail

    def test_garbage_never_raises(self, chain: dict[str, bytes]) -> None:
        checks = verify_chain([chain["leaf"], b"\x30\x03\x02\x01\x00"])
        assert [c.ok for c in checks] == [None, None]
        assert all(c.detail.endswith(".") and "\n" not in c.detail for c in checks)
        assert verify_chain([])[0].ok is None
        assert verify_chain([b""])[0].ok is None


# -- descriptions, garbage and JSON ------------------------------------------------


def test_descriptions(pki: dict[str, Cred]) -> None:
    assert describe_key(pki["rsa"].der) == "a 2048-bit RSA key"
    assert describe_key(pki["rsapss"].der) == "a 2048-bit RSA-PSS key"
    assert describe_key(pki["ec384"].der) == "an ECDSA P-384 key"
    assert describe_key(pki["ed25519"].der) == "an Ed25519 key"
    assert describe_key(pki["ed448"].der) == "an Ed448 key"
    assert describe_key(pki["dsa"].der) == "a 2048-bit DSA key"
    assert describe_key(b"junk").startswith("no usable key: the certificate does not decode")
    assert scheme_description(0x0403) == "ECDSA with P-256 and SHA-256"
    assert scheme_description(0x0603) == "ECDSA with P-521 and SHA-512"
    assert scheme_description(0x0804) == "RSA-PSS with SHA-256"
    assert scheme_description(0x0201) == "RSA PKCS#1 v1.5 with SHA-1"
    assert scheme_description(0x0402) == "DSA with SHA-256"
    assert scheme_description(0x0807) == "Ed25519"
    assert "GREASE" in scheme_description(0x0A0A)
    assert "sm2sig_sm3" in scheme_description(0x0708)


def test_unusable_inputs_say_why(pki: dict[str, Cred]) -> None:
    der = pki["ec256"].der
    garbage = verify_certificate_verify13(b"\x00" * 10, 0x0403, b"sig", b"h" * 32, server=True)
    assert garbage.ok is None and "does not decode" in garbage.detail
    unknown = verify_certificate_verify13(der, 0x0708, b"sig", b"h" * 32, server=True)
    assert unknown.ok is None and "cannot check" in unknown.detail
    grease = verify_certificate_verify13(der, 0x1A1A, b"sig", b"h" * 32, server=True)
    assert grease.ok is None and "GREASE" in grease.detail
    sha1 = verify_certificate_verify13(der, 0x0203, b"sig", b"h" * 32, server=True)
    assert sha1.ok is False and "TLS 1.3 does not allow" in sha1.detail
    no_scheme = verify_certificate_verify12(der, None, b"sig", b"msgs", version=0x0303)
    assert no_scheme.ok is None and "names no signature algorithm" in no_scheme.detail
    ed_in_tls10 = verify_server_key_exchange(
        pki["ed25519"].der, None, b"sig", b"c" * 32, b"s" * 32, b"p", version=0x0301
    )
    assert ed_in_tls10.ok is False and "TLS 1.0 and 1.1" in ed_in_tls10.detail
    assert verify_finished("x", b"", b"abc", "RFC 5246 §7.4.9").ok is None
    check = verify_certificate_verify12(der, 0x0403, b"\x30\x00", b"msgs", version=0x0303)
    assert check.ok is False
    assert check.to_json() == {
        "name": check.name,
        "ok": False,
        "detail": check.detail,
        "rfc": "RFC 5246 §7.4.8",
    }


@settings(max_examples=150, deadline=None)
@given(
    der=st.binary(max_size=64),
    scheme=st.integers(0, 0xFFFF) | st.none(),
    sig=st.binary(max_size=80),
    version=st.sampled_from([0x0300, 0x0301, 0x0302, 0x0303, 0xFEFD, 0xFEFF, 0x0304, 0]),
)
def test_garbage_never_raises(der: bytes, scheme: int | None, sig: bytes, version: int) -> None:
    checks = [
        verify_certificate_verify13(der, scheme or 0, sig, sig, server=True),
        verify_certificate_verify12(der, scheme, sig, sig, version=version),
        verify_server_key_exchange(der, scheme, sig, sig, sig, sig, version=version),
        *verify_chain([der, sig]),
        verify_finished("f", sig, der, ""),
    ]
    assert all(isinstance(c, Check) and c.detail.endswith(".") for c in checks)
    assert isinstance(describe_key(der), str) and isinstance(scheme_description(scheme or 0), str)
