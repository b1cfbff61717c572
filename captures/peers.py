"""Real TLS handshakes between real peers over loopback, recorded with tcpdump.

Used by ``captures/make_captures.py`` (which re-makes the bundled captures) and by the test
suite. Standard library only; the peers are the command-line tools ``openssl s_server`` /
``s_client`` (OpenSSL 3.x), ``gnutls-serv`` / ``gnutls-cli`` and the ``mosquitto`` broker,
and the captures are taken with ``tcpdump`` on ``lo``. Every wait has a timeout and every
process started here is stopped in a ``finally``.

Typical use::

    sc = Scenario("tls13-demo", version="1.3", cipher="TLS_AES_128_GCM_SHA256")
    rec = record_handshake(sc, out_dir)
    check = verify_capture(rec.pcap, keylog=rec.keylog)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "DEFAULT_TIMEOUT",
    "GROUPS",
    "HTTP_BODY",
    "LOOPBACK",
    "MQTT_PAYLOAD",
    "SUITES",
    "CaptureCheck",
    "ClientImpl",
    "Exchange",
    "Group",
    "KeyKind",
    "PeerError",
    "PeerRun",
    "Pki",
    "Psk",
    "Recorded",
    "Scenario",
    "ServerImpl",
    "Suite",
    "Version",
    "free_port",
    "gnutls_priority",
    "http_exchange",
    "make_leaf",
    "make_pki",
    "missing_tools",
    "mqtt_exchange",
    "record_handshake",
    "run_gnutls",
    "run_openssl",
    "run_peers",
    "tcpdump",
    "tool_version",
    "verify_capture",
]

LOOPBACK = "127.0.0.1"
DEFAULT_TIMEOUT = 15.0
"""Seconds allowed for any single wait (server start-up, one reply, process exit)."""

KeyKind = Literal["ec", "rsa", "ed25519"]
Version = Literal["1.0", "1.1", "1.2", "1.3"]

#: OpenSSL's command-line switch and protocol name for each version.
OPENSSL_VERSION_FLAG = {"1.0": "-tls1", "1.1": "-tls1_1", "1.2": "-tls1_2", "1.3": "-tls1_3"}
OPENSSL_PROTOCOL = {"1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}
ServerImpl = Literal["openssl", "gnutls", "mosquitto"]
ClientImpl = Literal["openssl", "gnutls"]


class PeerError(RuntimeError):
    """A peer or capture tool failed, timed out or produced something unexpected."""


# --------------------------------------------------------------------------------------------
# Tools and processes
# --------------------------------------------------------------------------------------------


def missing_tools(*names: str) -> list[str]:
    """Return the names among ``names`` that are not on ``PATH``."""
    return [n for n in names if shutil.which(n) is None]


def tool_version(name: str) -> str:
    """One-line version string of a peer tool (``openssl``, ``gnutls-cli``, ``mosquitto``...)."""
    argv = {
        "openssl": ["openssl", "version"],
        "mosquitto": ["mosquitto", "-h"],
        "tcpdump": ["tcpdump", "--version"],
        "tshark": ["tshark", "--version"],
    }.get(name, [name, "--version"])
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return f"{name}: unavailable"
    for line in (res.stdout + res.stderr).splitlines():
        if line.strip() and "dangerous" not in line:
            return line.strip()
    return name


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the kernel picks it),
    and that no Wireshark dissector claims: a recording on a port tshark gives
    to another protocol (48049 is 3GPP CBSP) shows tshark no TLS at all."""
    claimed = _claimed_ports()
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            port: int = s.getsockname()[1]
        if port not in claimed:
            break
    return port


@functools.cache
def _claimed_ports() -> frozenset[int]:
    """The TCP and UDP ports tshark decodes as some protocol by default (empty
    without tshark)."""
    if shutil.which("tshark") is None:
        return frozenset()
    try:
        out = subprocess.run(
            ["tshark", "-G", "decodes"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    ports = set()
    for line in out.splitlines():
        table, _, rest = line.partition("\t")
        value = rest.partition("\t")[0]
        if table in ("tcp.port", "udp.port") and value.isdigit():
            ports.add(int(value))
    return frozenset(ports)


class _Proc:
    """A child process whose stdout/stderr are collected by threads, so that we can wait for a
    line (with a timeout) without ever blocking on a pipe."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        stdin: bool = False,
    ) -> None:
        self.argv = [str(a) for a in argv]
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self._cond = threading.Condition()
        self._out = bytearray()
        self._err = bytearray()
        self._open = 2
        self.popen = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.popen.stdout is not None and self.popen.stderr is not None
        self._threads = [
            threading.Thread(target=self._pump, args=(self.popen.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.popen.stderr, self._err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _pump(self, stream: Any, buf: bytearray) -> None:
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._open -= 1
                    self._cond.notify_all()
                    return
                buf.extend(chunk)
                self._cond.notify_all()

    @property
    def name(self) -> str:
        return Path(self.argv[0]).name

    @property
    def stdout(self) -> bytes:
        with self._cond:
            return bytes(self._out)

    @property
    def stderr(self) -> bytes:
        with self._cond:
            return bytes(self._err)

    def output(self) -> str:
        """stdout followed by stderr, decoded leniently."""
        text = self.stdout.decode("utf-8", "replace")
        err = self.stderr.decode("utf-8", "replace")
        return text + (("\n--- stderr ---\n" + err) if err.strip() else "")

    def wait_for(self, needle: bytes, timeout: float, *, stream: str = "stdout") -> None:
        """Wait until ``needle`` appears in the chosen stream ("stdout", "stderr" or "any")."""
        deadline = time.monotonic() + timeout

        def found() -> bool:
            if stream in ("stdout", "any") and needle in self._out:
                return True
            return stream in ("stderr", "any") and needle in self._err

        with self._cond:
            while not found():
                left = deadline - time.monotonic()
                if left <= 0 or self._open == 0:
                    break
                self._cond.wait(min(left, 0.1))
            if found():
                return
        state = "timed out" if self.popen.poll() is None else f"exited ({self.popen.returncode})"
        raise PeerError(
            f"{self.name} {state} before printing {needle!r}\n"
            f"command: {shlex.join(self.argv)}\n{self.output()[-3000:]}"
        )

    def write(self, data: bytes) -> None:
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.write(data)
            self.popen.stdin.flush()
        except BrokenPipeError as exc:
            raise PeerError(f"{self.name} closed its input early\n{self.output()}") from exc

    def close_stdin(self) -> None:
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()

    def wait(self, timeout: float) -> int:
        try:
            rc = self.popen.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise PeerError(
                f"{self.name} did not exit within {timeout:.0f}s\n{self.output()[-3000:]}"
            ) from exc
        for t in self._threads:
            t.join(2)
        return rc

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> int | None:
        """Signal the process (if still running), wait, and kill it as a last resort."""
        self.close_stdin()
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.popen.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.popen.wait(timeout)
        for t in self._threads:
            t.join(2)
        for s in (self.popen.stdout, self.popen.stderr):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()
        return self.popen.returncode


# --------------------------------------------------------------------------------------------
# tcpdump
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def tcpdump(
    out: Path,
    port: int,
    *,
    iface: str = "lo",
    pcapng: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    proto: str = "tcp",
) -> Iterator[Path]:
    """Capture ``tcp port PORT`` (``proto`` "udp": UDP; port 0: any port) on
    ``iface`` into ``out`` for the duration of the block.

    Returns only once tcpdump is really capturing; on exit it is stopped with SIGINT so the
    file is complete. tcpdump 4.99 writes pcap only, so with ``pcapng=True`` the capture is
    converted afterwards with ``editcap -F pcapng``.
    """
    out = Path(out)
    raw = out.with_name(out.name + ".tmp.pcap") if pcapng else out
    argv = ["tcpdump", "-i", iface, "-U", "--immediate-mode", "-n", "-w", str(raw)]
    if os.geteuid() == 0:
        argv += ["-Z", "root"]  # do not drop to the tcpdump user (it could not write here)
    argv.append(f"{proto} port {port}" if port else proto)
    proc = _Proc(argv)
    try:
        proc.wait_for(b"listening on", timeout, stream="stderr")
        time.sleep(0.3)  # the filter is attached just after the message; leave it a moment
        yield out
        time.sleep(0.3)  # let the last FIN/ACK reach the capture
    finally:
        proc.stop(signal.SIGINT)
    if proc.popen.returncode not in (0, -signal.SIGINT):
        raise PeerError(f"tcpdump failed ({proc.popen.returncode}):\n{proc.output()}")
    if pcapng:
        try:
            subprocess.run(
                ["editcap", "-F", "pcapng", str(raw), str(out)],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
        finally:
            raw.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Throwaway PKI
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """A CA, a server certificate (CN/SAN localhost + IP 127.0.0.1) and a client certificate."""

    dir: Path
    kind: KeyKind

    @property
    def ca_crt(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.dir / "ca.key"

    @property
    def server_crt(self) -> Path:
        return self.dir / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.dir / "server.key"

    @property
    def client_crt(self) -> Path:
        return self.dir / "client.crt"

    @property
    def client_key(self) -> Path:
        return self.dir / "client.key"

    def leaf(self, name: str) -> tuple[Path, Path]:
        """Certificate and key of a leaf by name (``server``, ``client`` or one made by
        :func:`make_leaf`)."""
        return self.dir / f"{name}.crt", self.dir / f"{name}.key"

    def files(self) -> list[Path]:
        return [
            self.ca_crt,
            self.ca_key,
            self.server_crt,
            self.server_key,
            self.client_crt,
            self.client_key,
        ]


_KEYGEN: dict[str, list[str]] = {
    "ec": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "ed25519": ["-algorithm", "ED25519"],
}


def _openssl(*args: str | Path, timeout: float = 60.0) -> None:
    argv = ["openssl", *(str(a) for a in args)]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        raise PeerError(f"{shlex.join(argv)} failed:\n{res.stdout}{res.stderr}")


def make_pki(
    directory: Path, kind: KeyKind = "ec", *, overwrite: bool = False, days: int = 10000
) -> Pki:
    """Create ``ca.crt/ca.key/server.crt/server.key/client.crt/client.key`` in ``directory``.

    All keys are of ``kind`` (EC P-256, RSA 2048 or Ed25519). The server certificate is for
    ``localhost`` and ``127.0.0.1``; the client certificate has CN ``tlsviz client``. An existing
    complete set is kept unless ``overwrite`` is true.
    """
    if kind not in _KEYGEN:
        raise ValueError(f"unknown key kind {kind!r}")
    pki = Pki(Path(directory), kind)
    if not overwrite and all(p.exists() for p in pki.files()):
        return pki
    pki.dir.mkdir(parents=True, exist_ok=True)
    digest = [] if kind == "ed25519" else ["-sha256"]
    for key in (pki.ca_key, pki.server_key, pki.client_key):
        _openssl("genpkey", *_KEYGEN[kind], "-out", key)
        key.chmod(0o600)
    _openssl(
        "req", "-x509", "-new", "-key", pki.ca_key, "-subj", f"/CN=tlsviz test CA ({kind})",
        "-days", str(days), *digest,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", pki.ca_crt,
    )  # fmt: skip
    leaves: tuple[tuple[Path, Path, str, str, list[str]], ...] = (
        (pki.server_key, pki.server_crt, "/CN=localhost", "serverAuth",
         ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]),
        (pki.client_key, pki.client_crt, "/CN=tlsviz client", "clientAuth", []),
    )  # fmt: skip
    for key, crt, subj, eku, extra in leaves:
        _openssl(
            "req", "-x509", "-new", "-key", key, "-subj", subj, "-days", str(days), *digest,
            "-CA", pki.ca_crt, "-CAkey", pki.ca_key,
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", f"extendedKeyUsage={eku}", *extra,
            "-out", crt,
        )  # fmt: skip
    return pki


_CA_CONFIG = """\
[ca]
default_ca = tlsviz
[tlsviz]
database = {work}/index.txt
new_certs_dir = {work}
serial = {work}/serial
default_md = sha256
policy = anything
unique_subject = no
x509_extensions = leaf
[anything]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = {san}
"""


def make_leaf(
    pki: Pki, name: str, *, cn: str, san: str, start: str, end: str, overwrite: bool = False
) -> tuple[Path, Path]:
    """A server certificate ``<name>.crt``/``.key`` signed by the PKI's CA with fixed validity
    dates (``YYYYMMDDHHMMSSZ``), e.g. one that expired long ago.  ``openssl ca`` is used
    because OpenSSL 3.0's ``req``/``x509`` cannot set a start date.  Kept if it exists."""
    crt, key = pki.leaf(name)
    if not overwrite and crt.exists() and key.exists():
        return crt, key
    _openssl("genpkey", *_KEYGEN[pki.kind], "-out", key)
    key.chmod(0o600)
    with tempfile.TemporaryDirectory(prefix="tlsviz-ca-") as tmp:
        work = Path(tmp)
        (work / "index.txt").write_text("")
        (work / "serial").write_text("1000\n")
        config = work / "ca.cnf"
        config.write_text(_CA_CONFIG.format(work=work, san=san))
        csr = work / "leaf.csr"
        _openssl("req", "-new", "-key", key, "-subj", f"/CN={cn}", "-out", csr)
        _openssl(
            "ca", "-batch", "-config", config, "-cert", pki.ca_crt, "-keyfile", pki.ca_key,
            "-in", csr, "-out", crt, "-startdate", start, "-enddate", end, "-notext",
        )  # fmt: skip
    return crt, key


# --------------------------------------------------------------------------------------------
# Names: cipher suites and groups in the three vocabularies (IANA, OpenSSL, GnuTLS)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suite:
    iana: str
    code: int
    openssl: str
    version: Version
    gnutls_cipher: str
    gnutls_mac: str
    gnutls_kx: str | None = None  # TLS 1.2 only


SUITES: dict[str, Suite] = {
    s.iana: s
    for s in (
        Suite("TLS_AES_128_GCM_SHA256", 0x1301, "TLS_AES_128_GCM_SHA256", "1.3",
              "AES-128-GCM", "AEAD"),
        Suite("TLS_AES_256_GCM_SHA384", 0x1302, "TLS_AES_256_GCM_SHA384", "1.3",
              "AES-256-GCM", "AEAD"),
        Suite("TLS_CHACHA20_POLY1305_SHA256", 0x1303, "TLS_CHACHA20_POLY1305_SHA256", "1.3",
              "CHACHA20-POLY1305", "AEAD"),
        Suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F, "ECDHE-RSA-AES128-GCM-SHA256",
              "1.2", "AES-128-GCM", "AEAD", "ECDHE-RSA"),
        Suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02B,
              "ECDHE-ECDSA-AES128-GCM-SHA256", "1.2", "AES-128-GCM", "AEAD", "ECDHE-ECDSA"),
        Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC023, "ECDHE-ECDSA-AES128-SHA256",
              "1.2", "AES-128-CBC", "SHA256", "ECDHE-ECDSA"),
        Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC009, "ECDHE-ECDSA-AES128-SHA",
              "1.2", "AES-128-CBC", "SHA1", "ECDHE-ECDSA"),
        Suite("TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009C, "AES128-GCM-SHA256", "1.2",
              "AES-128-GCM", "AEAD", "RSA"),
        Suite("TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "AES256-SHA", "1.2",
              "AES-256-CBC", "SHA1", "RSA"),
        Suite("TLS_PSK_WITH_AES_128_CCM_8", 0xC0A8, "PSK-AES128-CCM8", "1.2",
              "AES-128-CCM-8", "AEAD", "PSK"),
        Suite("TLS_PSK_WITH_AES_128_GCM_SHA256", 0x00A8, "PSK-AES128-GCM-SHA256", "1.2",
              "AES-128-GCM", "AEAD", "PSK"),
        Suite("TLS_AES_128_CCM_SHA256", 0x1304, "TLS_AES_128_CCM_SHA256", "1.3",
              "AES-128-CCM", "AEAD"),
        Suite("TLS_AES_128_CCM_8_SHA256", 0x1305, "TLS_AES_128_CCM_8_SHA256", "1.3",
              "AES-128-CCM-8", "AEAD"),
        Suite("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA8,
              "ECDHE-RSA-CHACHA20-POLY1305", "1.2", "CHACHA20-POLY1305", "AEAD", "ECDHE-RSA"),
        Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", 0xC0AE, "ECDHE-ECDSA-AES128-CCM8", "1.2",
              "AES-128-CCM-8", "AEAD", "ECDHE-ECDSA"),
        Suite("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009E, "DHE-RSA-AES128-GCM-SHA256", "1.2",
              "AES-128-GCM", "AEAD", "DHE-RSA"),
        Suite("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", 0x0033, "DHE-RSA-AES128-SHA", "1.2",
              "AES-128-CBC", "SHA1", "DHE-RSA"),
        # NULL encryption: records are plaintext plus a MAC (OpenSSL needs security level 0)
        Suite("TLS_ECDHE_RSA_WITH_NULL_SHA", 0xC010, "ECDHE-RSA-NULL-SHA@SECLEVEL=0", "1.2",
              "NULL", "SHA1", "ECDHE-RSA"),
        Suite("TLS_RSA_WITH_NULL_SHA256", 0x003B, "NULL-SHA256@SECLEVEL=0", "1.2",
              "NULL", "SHA256", "RSA"),
        # old and weak: only for the "spot the problem" captures (OpenSSL needs @SECLEVEL=0)
        Suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC013, "ECDHE-RSA-AES128-SHA", "1.0",
              "AES-128-CBC", "SHA1", "ECDHE-RSA"),
    )
}  # fmt: skip
SUITE_BY_CODE: dict[int, Suite] = {s.code: s for s in SUITES.values()}


@dataclass(frozen=True)
class Group:
    iana: str
    code: int
    openssl: str
    gnutls: str


GROUPS: dict[str, Group] = {
    g.iana: g
    for g in (
        Group("x25519", 0x001D, "X25519", "GROUP-X25519"),
        Group("x448", 0x001E, "X448", "GROUP-X448"),
        Group("secp256r1", 0x0017, "P-256", "GROUP-SECP256R1"),
        Group("secp384r1", 0x0018, "P-384", "GROUP-SECP384R1"),
        Group("secp521r1", 0x0019, "P-521", "GROUP-SECP521R1"),
        Group("ffdhe2048", 0x0100, "ffdhe2048", "GROUP-FFDHE2048"),
    )
}
GROUP_BY_CODE: dict[int, Group] = {g.code: g for g in GROUPS.values()}


# --------------------------------------------------------------------------------------------
# Scenarios and what the client says
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Psk:
    """An external pre-shared key (TLS 1.2 PSK suites)."""

    identity: str
    key: str  # hex
    hint: str | None = None


@dataclass(frozen=True)
class Exchange:
    """What the client sends once the handshake is done.

    ``steps`` are (bytes to send, bytes to wait for in the client's output). With
    ``peer_closes`` the client waits (briefly) for the server to close first; otherwise the
    client closes by seeing EOF on its standard input.
    """

    steps: tuple[tuple[bytes, bytes | None], ...]
    peer_closes: bool
    plaintext: tuple[bytes, ...]  # what the decrypted capture must contain
    label: str = ""


HTTP_PATH = "/hello.txt"
HTTP_BODY = b"hello from tlsviz\n"
MQTT_TOPIC = b"tlsviz/demo"
MQTT_PAYLOAD = b"hello from tlsviz over MQTT"


def http_exchange(host: str = "localhost") -> Exchange:
    """One HTTP/1.0 GET of a tiny file; the server answers and closes."""
    req = f"GET {HTTP_PATH} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode()
    return Exchange(
        ((req, HTTP_BODY),),
        True,
        (b"GET " + HTTP_PATH.encode(), HTTP_BODY),
        f"HTTP/1.0 GET {HTTP_PATH} -> {len(HTTP_BODY)}-byte text body, server closes",
    )


def _mqtt_str(s: bytes) -> bytes:
    return len(s).to_bytes(2, "big") + s


def _mqtt_packet(first: int, body: bytes) -> bytes:
    n, rem = len(body), bytearray()
    while True:
        n, digit = divmod(n, 128)
        rem.append(digit | (0x80 if n else 0))
        if not n:
            break
    return bytes([first]) + bytes(rem) + body


def mqtt_exchange(client_id: bytes = b"tlsviz") -> Exchange:
    """MQTT 3.1.1: CONNECT -> CONNACK, PUBLISH (QoS 1, id 1) -> PUBACK, DISCONNECT."""
    connect = _mqtt_packet(
        0x10, _mqtt_str(b"MQTT") + bytes([4, 0x02]) + (60).to_bytes(2, "big") + _mqtt_str(client_id)
    )
    publish = _mqtt_packet(0x32, _mqtt_str(MQTT_TOPIC) + (1).to_bytes(2, "big") + MQTT_PAYLOAD)
    disconnect = _mqtt_packet(0xE0, b"")
    connack = bytes([0x20, 0x02, 0x00, 0x00])
    puback = bytes([0x40, 0x02, 0x00, 0x01])
    return Exchange(
        ((connect, connack), (publish, puback), (disconnect, None)),
        True,
        (connect, connack, publish, puback, disconnect),
        "MQTT 3.1.1 CONNECT/CONNACK, PUBLISH (QoS 1)/PUBACK, DISCONNECT",
    )


@dataclass(frozen=True)
class Scenario:
    """One capture: who talks to whom, and what gets negotiated.

    ``cipher`` is an IANA name from ``SUITES``; ``groups`` / ``server_groups`` are IANA group
    names (the client's first group is the one it sends a TLS 1.3 key share for). The server
    is always restricted to ``cipher``; the client only with ``restrict_client`` (otherwise it
    offers its default list, as a real client would).
    """

    name: str
    server: ServerImpl = "openssl"
    client: ClientImpl = "openssl"
    version: Version = "1.3"
    cipher: str | None = None
    groups: tuple[str, ...] = ()
    server_groups: tuple[str, ...] = ()
    pki: KeyKind = "ec"
    mtls: bool = False
    resume: bool = False
    psk: Psk | None = None
    alpn: tuple[str, ...] = ()
    sni: str | None = "localhost"
    etm: bool = True
    ems: bool = True  # False: the client does not offer extended_master_secret (RFC 7627)
    tickets: int = 1  # TLS 1.3 NewSessionTickets sent by an openssl server
    ticket: bool = True  # TLS 1.2 with resume: by ticket (RFC 5077); False: by session id
    restrict_client: bool = False
    description: str = ""
    server_extra: tuple[str, ...] = ()  # more s_server options, e.g. ("-max_send_frag", "512")
    # Knobs for deliberately bad configurations (the "spot the problem" captures, openssl only):
    seclevel: int | None = None  # OpenSSL @SECLEVEL on both sides (0 allows TLS 1.0, NULL...)
    client_ciphers: str | None = None  # OpenSSL cipher list the client offers instead of its own
    client_min_version: Version | None = None  # client offers every version from this one up
    verify: bool = True  # False: the client goes on whatever is wrong with the certificate
    server_leaf: str = "server"  # which certificate of the PKI the server presents

    @property
    def suite(self) -> Suite | None:
        if self.cipher is None:
            return None
        try:
            suite = SUITES[self.cipher]
        except KeyError:
            raise ValueError(f"{self.name}: unknown cipher suite {self.cipher!r}") from None
        if suite.version != self.version:
            raise ValueError(f"{self.name}: {self.cipher} is not a TLS {self.version} suite")
        return suite

    @property
    def connections(self) -> int:
        return 2 if self.resume else 1

    def exchange(self) -> Exchange:
        if self.server == "mosquitto":
            return mqtt_exchange()
        return http_exchange(self.sni or LOOPBACK)


def _groups(names: Sequence[str]) -> list[Group]:
    try:
        return [GROUPS[n] for n in names]
    except KeyError as exc:
        raise ValueError(f"unknown group {exc.args[0]!r}; known: {sorted(GROUPS)}") from None


def gnutls_priority(sc: Scenario, *, server: bool) -> str:
    """A GnuTLS priority string for the scenario (version, suite, groups, EtM)."""
    parts = ["NORMAL", "-VERS-ALL", f"+VERS-TLS{sc.version}"]
    suite = sc.suite
    if suite is not None and (server or sc.restrict_client or sc.psk is not None):
        parts += ["-CIPHER-ALL", f"+{suite.gnutls_cipher}", "-MAC-ALL", f"+{suite.gnutls_mac}"]
        if suite.gnutls_kx:
            parts += ["-KX-ALL", f"+{suite.gnutls_kx}"]
    elif sc.psk is not None:
        parts.append("+PSK")
    groups = sc.server_groups if server else sc.groups
    if groups:
        parts += ["-GROUP-ALL", *(f"+{g.gnutls}" for g in _groups(groups))]
    if not sc.etm:
        parts.append("%NO_ETM")
    if not sc.ems:
        parts.append("%NO_SESSION_HASH")
    return ":".join(parts)


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


@dataclass
class _Server:
    proc: _Proc
    keylog: Path | None
    exits_by_itself: bool
    config: str | None = None  # configuration file written for the server, if any


def _start_openssl_server(sc: Scenario, pki: Pki, work: Path, port: int, timeout: float) -> _Server:
    www = work / "www"
    www.mkdir(exist_ok=True)
    (www / HTTP_PATH.lstrip("/")).write_bytes(HTTP_BODY)
    keylog = work / "server.keys"
    argv = [
        "openssl", "s_server", "-accept", f"{LOOPBACK}:{port}", "-naccept", str(sc.connections),
        "-keylogfile", str(keylog), "-WWW", OPENSSL_VERSION_FLAG[sc.version],
    ]  # fmt: skip
    suite = sc.suite
    level = f":@SECLEVEL={sc.seclevel}" if sc.seclevel is not None else ""
    if suite is not None:
        tls13 = sc.version == "1.3"
        own = tls13 or "@SECLEVEL" in suite.openssl  # the suite's name may carry its own
        argv += ["-ciphersuites" if tls13 else "-cipher", suite.openssl + ("" if own else level)]
    if level and (suite is None or sc.version == "1.3"):
        argv += ["-cipher", "DEFAULT" + level]
    if sc.server_groups:
        argv += ["-groups", ":".join(g.openssl for g in _groups(sc.server_groups))]
    if sc.psk is not None:
        argv += ["-nocert", "-psk", sc.psk.key, "-psk_identity", sc.psk.identity]
        if sc.psk.hint:
            argv += ["-psk_hint", sc.psk.hint]
    else:
        crt, key = pki.leaf(sc.server_leaf)
        argv += ["-cert", str(crt), "-key", str(key)]
    if sc.mtls:
        argv += ["-Verify", "1", "-CAfile", str(pki.ca_crt), "-verify_return_error"]
    if sc.alpn:
        argv += ["-alpn", ",".join(sc.alpn)]
    if sc.version == "1.3":
        argv += ["-num_tickets", str(sc.tickets)]
    elif not (sc.resume and sc.ticket):
        argv += ["-no_ticket"]
    if not sc.etm:
        argv += ["-no_etm"]
    argv += list(sc.server_extra)
    proc = _Proc(argv, cwd=www)
    try:
        proc.wait_for(b"ACCEPT", timeout)
    except BaseException:
        proc.stop()
        raise
    return _Server(proc, keylog, exits_by_itself=True)


def _start_gnutls_server(sc: Scenario, pki: Pki, work: Path, port: int, timeout: float) -> _Server:
    # gnutls-serv has no option to choose its address: it listens on every interface (only
    # for the second or so that a capture takes); we only ever connect to 127.0.0.1.
    body = work / "httpdata"
    body.write_bytes(HTTP_BODY)
    keylog = work / "server.keys"
    argv = [
        "gnutls-serv", "--port", str(port), "--http", "--httpdata", str(body),
        "--priority", gnutls_priority(sc, server=True),
    ]  # fmt: skip
    if sc.psk is not None:
        passwd = work / "psk.passwd"
        passwd.write_text(f"{sc.psk.identity}:{sc.psk.key}\n")
        argv += ["--pskpasswd", str(passwd)]
        if sc.psk.hint:
            argv += ["--pskhint", sc.psk.hint]
    else:
        argv += ["--x509certfile", str(pki.server_crt), "--x509keyfile", str(pki.server_key)]
    if sc.mtls:
        argv += ["--require-client-cert", "--verify-client-cert", "--x509cafile", str(pki.ca_crt)]
    else:
        argv += ["--disable-client-cert"]
    for proto in sc.alpn:
        argv += ["--alpn", proto]
    proc = _Proc(argv, cwd=work, env={"SSLKEYLOGFILE": str(keylog)})
    try:
        # "... listening on IPv4 0.0.0.0 port N..." is printed before the socket is
        # bound, "done" once it listens: waiting for the first alone lost a race
        proc.wait_for(f" port {port}...done".encode(), timeout, stream="any")
    except BaseException:
        proc.stop()
        raise
    return _Server(proc, keylog, exits_by_itself=False)


def _start_mosquitto(sc: Scenario, pki: Pki, work: Path, port: int, timeout: float) -> _Server:
    # mosquitto (OpenSSL inside) has no key-log option; the key log comes from the client.
    conf = work / "mosquitto.conf"
    lines = [
        f"listener {port} {LOOPBACK}",
        f"cafile {pki.ca_crt}",
        f"certfile {pki.server_crt}",
        f"keyfile {pki.server_key}",
        f"require_certificate {'true' if sc.mtls else 'false'}",
        f"tls_version tlsv{sc.version}",
        "allow_anonymous true",
        "persistence false",
        "log_dest stderr",  # stderr is unbuffered: we wait for the "running" line
        "log_type all",
        # stay the current user: the default (drop root to "mosquitto") could not read the keys
        f"user {pwd.getpwuid(os.geteuid()).pw_name}",
    ]
    suite = sc.suite
    if suite is not None:
        lines.append(f"{'ciphers_tls1.3' if sc.version == '1.3' else 'ciphers'} {suite.openssl}")
    conf.write_text("\n".join(lines) + "\n")
    proc = _Proc(["mosquitto", "-c", str(conf)], cwd=work)
    try:
        proc.wait_for(b" running", timeout, stream="any")
    except BaseException:
        proc.stop()
        raise
    return _Server(proc, None, exits_by_itself=False, config=conf.read_text())


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


def _openssl_client_argv(
    sc: Scenario, pki: Pki, port: int, keylog: Path, session: Path, index: int
) -> list[str]:
    argv = [
        "openssl", "s_client", "-connect", f"{LOOPBACK}:{port}", "-nocommands",
        "-keylogfile", str(keylog),
    ]  # fmt: skip
    if sc.client_min_version is not None:
        argv += ["-min_protocol", OPENSSL_PROTOCOL[sc.client_min_version]]
    else:
        argv.append(OPENSSL_VERSION_FLAG[sc.version])
    argv += ["-servername", sc.sni] if sc.sni else ["-noservername"]
    suite = sc.suite
    if sc.client_ciphers is not None or sc.seclevel is not None:
        level = f":@SECLEVEL={sc.seclevel}" if sc.seclevel is not None else ""
        argv += ["-cipher", (sc.client_ciphers or "DEFAULT") + level]
    elif suite is not None and (sc.restrict_client or sc.psk is not None):
        argv += ["-ciphersuites" if sc.version == "1.3" else "-cipher", suite.openssl]
    if sc.groups:
        argv += ["-groups", ":".join(g.openssl for g in _groups(sc.groups))]
    if sc.psk is not None:
        argv += ["-psk", sc.psk.key, "-psk_identity", sc.psk.identity]
    else:
        argv += ["-CAfile", str(pki.ca_crt)]
        if sc.verify:
            argv += ["-verify_return_error", "-verify_hostname", sc.sni or "localhost"]
    if sc.mtls:
        argv += ["-cert", str(pki.client_crt), "-key", str(pki.client_key)]
    if sc.alpn:
        argv += ["-alpn", ",".join(sc.alpn)]
    if not sc.etm:
        argv += ["-no_etm"]
    if sc.resume:
        argv += ["-sess_out" if index == 0 else "-sess_in", str(session)]
    if sc.version != "1.3" and not (sc.resume and sc.ticket):
        argv += ["-no_ticket"]
    return argv


def _gnutls_client_argv(sc: Scenario, pki: Pki, port: int) -> list[str]:
    if sc.resume:
        raise PeerError("resumption captures need an openssl client (-sess_out/-sess_in)")
    argv = ["gnutls-cli", LOOPBACK, "--port", str(port)]
    argv += ["--priority", gnutls_priority(sc, server=False)]
    argv += ["--sni-hostname", sc.sni] if sc.sni else ["--disable-sni"]
    if sc.psk is not None:
        argv += ["--pskusername", sc.psk.identity, "--pskkey", sc.psk.key]
    else:
        argv += ["--x509cafile", str(pki.ca_crt), "--verify-hostname", sc.sni or "localhost"]
    if sc.mtls:
        argv += ["--x509certfile", str(pki.client_crt), "--x509keyfile", str(pki.client_key)]
    for proto in sc.alpn:
        argv += ["--alpn", proto]
    if sc.version == "1.3" and sc.groups:
        argv += ["--single-key-share"]  # like OpenSSL: one share, for the first group
    return argv


def _no_ems_config(work: Path) -> Path:
    """An OpenSSL configuration whose default context does not offer
    extended_master_secret (``SSL_OP_NO_EXTENDED_MASTER_SECRET``; s_client has no
    option for it)."""
    conf = work / "no-ems.cnf"
    conf.write_text(
        "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_module\n"
        "[ssl_module]\nsystem_default = tlsviz_defaults\n"
        "[tlsviz_defaults]\nOptions = -ExtendedMasterSecret\n"
    )
    return conf


def _converse(proc: _Proc, exchange: Exchange, timeout: float) -> int:
    """Play ``exchange`` through the client's stdin/stdout and wait for it to exit."""
    for send, expect in exchange.steps:
        proc.write(send)
        if expect is not None:
            proc.wait_for(expect, timeout)
    if exchange.peer_closes:
        # Let the server close first (so the client does not write to a closed socket).
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(min(3.0, timeout))
    proc.close_stdin()
    return proc.wait(timeout)


# --------------------------------------------------------------------------------------------
# Running both peers
# --------------------------------------------------------------------------------------------


@dataclass
class PeerRun:
    """The result of one scenario run (one or two connections)."""

    keylog: Path  # merged NSS key log (client and server lines, de-duplicated)
    server_output: str
    client_outputs: list[str]
    commands: list[list[str]]  # server argv first, then one per client connection
    server_config: str | None = None


def _merge_keylogs(paths: Sequence[Path], out: Path) -> Path:
    seen: dict[str, None] = {}
    for p in paths:
        if p.exists():
            for line in p.read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    seen.setdefault(line.strip(), None)
    if not seen:
        raise PeerError("no key log lines were written by either peer")
    out.write_text("".join(f"{line}\n" for line in seen))
    return out


_SERVERS = {
    "openssl": _start_openssl_server,
    "gnutls": _start_gnutls_server,
    "mosquitto": _start_mosquitto,
}


def run_peers(
    sc: Scenario, pki: Pki, work: Path, port: int, *, timeout: float = DEFAULT_TIMEOUT
) -> PeerRun:
    """Start the scenario's server on 127.0.0.1:``port``, run the client(s), stop the server.

    ``work`` is a scratch directory (server files, session file, per-peer key logs).
    """
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    sc.suite  # noqa: B018 - validates the cipher/version pair early
    exchange = sc.exchange()
    server = _SERVERS[sc.server](sc, pki, work, port, timeout)
    commands = [server.proc.argv]
    client_outputs: list[str] = []
    client_keylogs: list[Path] = []
    try:
        for index in range(sc.connections):
            keylog = work / f"client-{index}.keys"
            client_keylogs.append(keylog)
            env: dict[str, str] = {}
            if sc.client == "openssl":
                argv = _openssl_client_argv(sc, pki, port, keylog, work / "session.pem", index)
                if not sc.ems:
                    env["OPENSSL_CONF"] = str(_no_ems_config(work))
            else:
                argv = _gnutls_client_argv(sc, pki, port)
                env["SSLKEYLOGFILE"] = str(keylog)
            commands.append(argv)
            client = _Proc(argv, cwd=work, env=env, stdin=True)
            try:
                rc = _converse(client, exchange, timeout)
            finally:
                client.stop()
            client_outputs.append(client.output())
            if rc != 0:
                raise PeerError(f"client exited with {rc}:\n{client.output()[-3000:]}")
        if server.exits_by_itself:
            server.proc.wait(timeout)
    finally:
        server.proc.stop()
    logs = [*client_keylogs, *([server.keylog] if server.keylog else [])]
    return PeerRun(
        keylog=_merge_keylogs(logs, work / "merged.keys"),
        server_output=server.proc.output(),
        client_outputs=client_outputs,
        commands=commands,
        server_config=server.config,
    )


def run_openssl(
    sc: Scenario, pki: Pki, work: Path, port: int, *, timeout: float = DEFAULT_TIMEOUT
) -> PeerRun:
    """``openssl s_server -WWW`` against ``openssl s_client`` (whatever ``sc`` says)."""
    return run_peers(
        dataclasses.replace(sc, server="openssl", client="openssl"), pki, work, port,
        timeout=timeout,
    )  # fmt: skip


def run_gnutls(
    sc: Scenario, pki: Pki, work: Path, port: int, *, timeout: float = DEFAULT_TIMEOUT
) -> PeerRun:
    """``gnutls-serv --http`` against ``gnutls-cli`` (whatever ``sc`` says)."""
    return run_peers(
        dataclasses.replace(sc, server="gnutls", client="gnutls"), pki, work, port,
        timeout=timeout,
    )  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    pcap: Path
    keylog: Path
    extra: dict[str, Any] = field(default_factory=dict)


def record_handshake(
    sc: Scenario,
    out_dir: Path,
    *,
    pki: Pki | None = None,
    port: int | None = None,
    pcapng: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Recorded:
    """Run ``sc`` with tcpdump listening; write ``<name>.pcap[ng]`` and ``<name>.keys``.

    Without ``pki`` a throwaway one of kind ``sc.pki`` is made in a temporary directory.
    ``extra`` holds the commands (with scratch paths), the peers' outputs and the port.
    """
    if port is None:
        # A port found free can be taken by someone else before the server
        # binds it; try a few fresh ones before giving up.
        for attempt in range(4):
            try:
                return record_handshake(
                    sc, out_dir, pki=pki, port=free_port(), pcapng=pcapng, timeout=timeout
                )
            except PeerError as err:
                if "Address already in use" not in str(err) or attempt == 3:
                    raise
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pcap = out_dir / f"{sc.name}.{'pcapng' if pcapng else 'pcap'}"
    keys = out_dir / f"{sc.name}.keys"
    assert port is not None
    with tempfile.TemporaryDirectory(prefix=f"tlsviz-{sc.name}-") as tmp:
        work = Path(tmp)
        if pki is None:
            pki = make_pki(work / "pki", sc.pki)
        with tcpdump(pcap, port, pcapng=pcapng, timeout=timeout):
            run = run_peers(sc, pki, work / "run", port, timeout=timeout)
        shutil.copyfile(run.keylog, keys)
        scratch = str(work / "run")
        commands = [shlex.join(c).replace(scratch, "$WORK") for c in run.commands]
        config = run.server_config.replace(scratch, "$WORK") if run.server_config else None
    return Recorded(
        pcap=pcap,
        keylog=keys,
        extra={
            "port": port,
            "commands": commands,
            "server_config": config,
            "server_output": run.server_output,
            "client_outputs": run.client_outputs,
            "plaintext": sc.exchange().plaintext,
        },
    )


# --------------------------------------------------------------------------------------------
# Checking a capture with tshark
# --------------------------------------------------------------------------------------------


@dataclass
class CaptureCheck:
    """What tshark (with the key material) sees in a capture."""

    client_hellos: int = 0
    server_hellos: int = 0
    hello_retry_requests: int = 0
    suites: list[str] = field(default_factory=list)  # per ServerHello (HRR excluded), IANA
    groups: list[str] = field(default_factory=list)  # key share / ServerKeyExchange group
    psk_accepted: int = 0  # ServerHellos with pre_shared_key (TLS 1.3 resumption)
    etm: int = 0  # ServerHellos with encrypt_then_mac (TLS 1.2 CBC)
    handshake_types: list[int] = field(default_factory=list)  # every handshake message seen
    alpn: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # per ServerHello: "TLS 1.2", ...
    streams: int = 0
    plaintext: bytes = b""  # decrypted application data of all streams, concatenated

    def summary(self) -> str:
        return (
            f"hellos={self.client_hellos}/{self.server_hellos} hrr={self.hello_retry_requests} "
            f"suites={','.join(self.suites)} groups={','.join(self.groups)} "
            f"psk={self.psk_accepted} etm={self.etm} alpn={','.join(self.alpn) or '-'} "
            f"streams={self.streams} app_data={len(self.plaintext)}B"
        )


# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest (as tshark prints it)
_HRR_RANDOM = ":".join(
    f"{b:02x}"
    for b in bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
)


_VERSION_NAMES = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2",
                  0x0304: "TLS 1.3"}  # fmt: skip


def _tshark_opts(
    pcap: Path, keylog: Path | None, rsa_key: Path | None, psk: str | None
) -> list[str]:
    argv = ["tshark", "-n", "-r", str(pcap)]
    if keylog is not None:
        argv += ["-o", f"tls.keylog_file:{keylog}"]
    if rsa_key is not None:
        argv += ["-o", f'uat:rsa_keys:"{rsa_key}",""']
    if psk is not None:
        argv += ["-o", f"tls.psk:{psk}"]
    return argv


def _walk(node: Any, key: str) -> Iterator[Any]:
    """Every value stored under ``key`` anywhere inside a tshark JSON tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                if isinstance(v, list):
                    yield from v
                else:
                    yield v
            yield from _walk(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)


def _first(node: Any, key: str) -> str | None:
    return next((str(v) for v in _walk(node, key)), None)


def _name(code: str | None, table: Mapping[int, Suite] | Mapping[int, Group]) -> str:
    if code is None:
        return "?"
    value = int(code, 0)
    item = table.get(value)
    return item.iana if item is not None else f"0x{value:04x}"


def verify_capture(
    pcap: Path,
    *,
    keylog: Path | None = None,
    rsa_key: Path | None = None,
    psk: str | None = None,
    port: int | None = None,
    timeout: float = 60.0,
) -> CaptureCheck:
    """Dissect ``pcap`` with tshark and the given key material; return what was seen.

    ``port`` (if known) is decoded as TLS even where tshark would not guess it.
    """
    base = _tshark_opts(Path(pcap), keylog, rsa_key, psk)
    if port is not None:
        base += ["-d", f"tcp.port=={port},tls"]

    def tshark(*args: str) -> str:
        res = subprocess.run(
            [*base, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if res.returncode != 0:
            raise PeerError(f"tshark failed on {pcap}:\n{res.stderr}")
        return res.stdout

    check = CaptureCheck()
    packets = json.loads(tshark("-Y", "tls.handshake", "-T", "json", "--no-duplicate-keys"))
    streams = sorted({int(s) for pkt in packets if (s := _first(pkt, "tcp.stream")) is not None})
    check.streams = len(streams)
    for pkt in packets:
        for hs in _walk(pkt, "tls.handshake"):
            if not isinstance(hs, dict) or "tls.handshake.type" not in hs:
                continue
            htype = int(hs["tls.handshake.type"])
            check.handshake_types.append(htype)
            if htype == 1:
                check.client_hellos += 1
            elif htype == 2:
                if _first(hs, "tls.handshake.random") == _HRR_RANDOM:
                    check.hello_retry_requests += 1
                    continue
                check.server_hellos += 1
                check.suites.append(_name(_first(hs, "tls.handshake.ciphersuite"), SUITE_BY_CODE))
                version = _first(hs, "tls.handshake.extensions.supported_version") or _first(
                    hs, "tls.handshake.version"
                )
                check.versions.append(_VERSION_NAMES.get(int(version or "0", 0), str(version)))
                group = _first(hs, "tls.handshake.extensions_key_share_group")
                if group is not None:
                    check.groups.append(_name(group, GROUP_BY_CODE))
                if _first(hs, "tls.handshake.extensions.psk.identity.selected") is not None:
                    check.psk_accepted += 1
                if "22" in {str(t) for t in _walk(hs, "tls.handshake.extension.type")}:
                    check.etm += 1
            elif htype == 12:
                curve = _first(hs, "tls.handshake.server_named_curve")
                if curve is not None:
                    check.groups.append(_name(curve, GROUP_BY_CODE))
            if htype in (2, 8):  # ALPN: ServerHello up to TLS 1.2, EncryptedExtensions in 1.3
                check.alpn += [str(a) for a in _walk(hs, "tls.handshake.extensions_alpn_str")]
    for stream in streams:
        check.plaintext += _follow_raw(tshark("-q", "-z", f"follow,tls,raw,{stream}"))
    return check


def _follow_raw(text: str) -> bytes:
    """The payload bytes of ``-z follow,tls,raw`` output (both directions, in order)."""
    data = bytearray()
    body = text.split("=" * 20)
    for block in body:
        for line in block.splitlines():
            hexpart = line.strip()
            if not hexpart or ":" in hexpart or " " in hexpart:
                continue
            try:
                data += bytes.fromhex(hexpart)
            except ValueError:
                continue
    return bytes(data)
