"""A live DTLS 1.2 handshake between real peers, recorded (``tlsviz record --dtls``).

The peers are OpenSSL's ``s_server -dtls1_2`` and ``s_client -dtls1_2``, or
GnuTLS's ``gnutls-serv --udp`` and ``gnutls-cli --udp``, on loopback.  They
talk through a relay in this process: the client sends to the relay's port,
the relay passes each datagram on and back unchanged and notes it with its
time and direction.  That is what a capture on ``lo`` would hold, without
root; the recording's packets are framed as UDP over IPv4 from the client's
address to the relay's (:class:`DatagramConversation`).  Both peers write
their key logs, which go into the pcapng file's Decryption Secrets Block.

The application data is a small CoAP exchange (RFC 7252), the protocol DTLS
mostly carries on constrained devices: the client sends a confirmable GET
for ``/hello``; the OpenSSL server answers with a piggybacked 2.05 Content
(tlsviz writes both messages to the peers' standard input), the GnuTLS
server, an echo server, sends the request back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .framer import checksum
from .record import Chunk, RecordError, Recording, merge_keylogs

__all__ = ["DatagramConversation", "DtlsOptions", "coap_message", "run_dtls"]

PEERS: Final = ("openssl", "gnutls")
_DEFAULT_PSK_IDENTITY: Final = "tlsviz"


def coap_message(mtype: int, code: int, mid: int, token: bytes, path: str = "",
                 payload: bytes = b"", content_format: int | None = None) -> bytes:  # fmt: skip
    """A CoAP message (RFC 7252 §3): version 1, type, token length, code,
    message ID, token, options (Uri-Path 11, Content-Format 12) as deltas,
    then 0xff and the payload."""
    out = bytearray([0x40 | (mtype << 4) | len(token), code]) + mid.to_bytes(2, "big") + token
    options: list[tuple[int, bytes]] = [(11, seg.encode()) for seg in path.split("/") if seg]
    if content_format is not None:
        options.append((12, bytes([content_format]) if content_format else b""))
    last = 0
    for number, value in options:
        delta, size = number - last, len(value)
        assert delta < 13 and size < 13  # the short forms are enough here
        out += bytes([(delta << 4) | size]) + value
        last = number
    if payload:
        out += b"\xff" + payload
    return bytes(out)


#: the exchange: a confirmable GET /hello, and its piggybacked answer
COAP_GET: Final = coap_message(0, 0x01, 0x7A10, b"\x5e\x11", "/hello")
COAP_CONTENT: Final = coap_message(2, 0x45, 0x7A10, b"\x5e\x11", payload=b"Hello, DTLS!",
                                   content_format=0)  # fmt: skip


@dataclass
class DtlsOptions:
    """What ``record --dtls`` can choose."""

    peer: str = "openssl"
    #: a PSK (hex) makes it the IoT case: TLS_PSK_WITH_AES_128_CCM_8, no certificates
    psk: str | None = None
    psk_identity: str = _DEFAULT_PSK_IDENTITY
    #: a HelloVerifyRequest before the handshake (OpenSSL: ``-listen``)
    cookie: bool = True
    timeout: float = 10.0


@dataclass
class DatagramConversation:
    """One UDP flow as recorded: endpoints and datagrams, in order."""

    client: tuple[str, int]
    server: tuple[str, int]
    chunks: list[Chunk] = field(default_factory=list)

    def add(self, direction: str, data: bytes, when: float) -> None:
        self.chunks.append(Chunk(direction, bytes(data), when))

    def sent(self, direction: str) -> bytes:
        return b"".join(c.data for c in self.chunks if c.direction == direction)

    def packets(self, *, mtu: int = 1500, isn: object = None) -> list[tuple[float, bytes]]:
        """Each datagram as an IPv4/UDP packet (RFC 791, RFC 768) with valid
        checksums; UDP has no connection set-up to frame."""
        del mtu, isn  # a datagram is sent whole (the peers size them)
        out = []
        for ident, c in enumerate(self.chunks):
            src, dst = (self.client, self.server) if c.direction == "client" else (
                self.server, self.client)  # fmt: skip
            out.append((c.time, _udp_packet(src, dst, c.data, ident)))
        return out


def _udp_packet(src: tuple[str, int], dst: tuple[str, int], data: bytes, ident: int) -> bytes:
    s, d = socket.inet_aton(src[0]), socket.inet_aton(dst[0])
    length = 8 + len(data)
    udp = src[1].to_bytes(2, "big") + dst[1].to_bytes(2, "big") + length.to_bytes(2, "big")
    pseudo = s + d + b"\x00\x11" + length.to_bytes(2, "big")
    csum = checksum(pseudo + udp + b"\x00\x00" + data)
    udp += csum.to_bytes(2, "big") + data
    total, ident16 = (20 + length).to_bytes(2, "big"), (ident & 0xFFFF).to_bytes(2, "big")
    # RFC 791: version 4, IHL 5, DF, TTL 64, protocol 17 (UDP), checksum filled below
    ip = bytearray(b"\x45\x00" + total + ident16 + b"\x40\x00\x40\x11\x00\x00" + s + d)
    ip[10:12] = checksum(bytes(ip)).to_bytes(2, "big")
    return bytes(ip) + udp


class _Relay:
    """Passes datagrams between a client and a server, noting each one."""

    def __init__(self, server_port: int, conv: DatagramConversation) -> None:
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect(("127.0.0.1", server_port))
        self.port = self.front.getsockname()[1]
        self.conv = conv
        self.client: tuple[str, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        while not self._stop.is_set():
            ready, _, _ = select.select([self.front, self.back], [], [], 0.05)
            for sock in ready:
                with contextlib.suppress(OSError):
                    data, addr = sock.recvfrom(65535)
                    now = time.time()
                    if sock is self.front:
                        self.client = addr
                        self.conv.client = (addr[0], addr[1])
                        self.conv.add("client", data, now)
                        self.back.send(data)
                    elif self.client is not None:
                        self.conv.add("server", data, now)
                        self.front.sendto(data, self.client)

    def count(self, direction: str, content_type: int) -> int:
        """Records of this type ``direction`` sent (DTLS 1.2 headers, RFC 6347 §4.1)."""
        n = 0
        for c in list(self.conv.chunks):
            if c.direction != direction:
                continue
            p, data = 0, c.data
            while p + 13 <= len(data):
                n += data[p] == content_type
                p += 13 + int.from_bytes(data[p + 11 : p + 13], "big")
        return n

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.front.close()
        self.back.close()


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(cond: object, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise RecordError(f"The DTLS peers did not {what} within {timeout:g} s.")


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tlsviz-dtls-") as tmp:
        os.chmod(tmp, 0o700)
        yield Path(tmp)


def _commands(opts: DtlsOptions, work: Path, port: int, relay: int) -> tuple[list[str], list[str]]:
    """The server's and the client's command lines."""
    if opts.peer == "openssl":
        server = ["openssl", "s_server", "-dtls1_2", "-accept", f"127.0.0.1:{port}",
                  "-naccept", "1", "-keylogfile", str(work / "server.keys"), "-quiet"]  # fmt: skip
        client = ["openssl", "s_client", "-dtls1_2", "-connect", f"127.0.0.1:{relay}",
                  "-keylogfile", str(work / "client.keys"), "-quiet", "-no_ign_eof",
                  "-nocommands"]  # fmt: skip
        if opts.cookie:
            server.append("-listen")
        if opts.psk:
            server += ["-psk", opts.psk, "-psk_identity", opts.psk_identity, "-nocert",
                       "-cipher", "PSK-AES128-CCM8"]  # fmt: skip
            client += ["-psk", opts.psk, "-psk_identity", opts.psk_identity,
                       "-cipher", "PSK-AES128-CCM8"]  # fmt: skip
        else:
            server += ["-cert", str(work / "server.crt"), "-key", str(work / "server.key")]
            client += ["-CAfile", str(work / "ca.crt"), "-verify_return_error"]
        return server, client
    prio = "NORMAL:-VERS-ALL:+VERS-DTLS1.2"
    server = ["gnutls-serv", "--udp", "--port", str(port), "--echo"]
    client = ["gnutls-cli", "--udp", "127.0.0.1", "--port", str(relay)]
    if not opts.cookie:
        server.append("--nocookie")
    if opts.psk:
        prio += ":-KX-ALL:+PSK:-CIPHER-ALL:+AES-128-CCM-8"
        (work / "psk.txt").write_text(f"{opts.psk_identity}:{opts.psk}\n")
        server += ["--pskpasswd", str(work / "psk.txt")]
        client += ["--pskusername", opts.psk_identity, "--pskkey", opts.psk]
    else:
        server += ["--x509certfile", str(work / "server.crt"),
                   "--x509keyfile", str(work / "server.key")]  # fmt: skip
        client += ["--x509cafile", str(work / "ca.crt")]
    return [*server, "--priority", prio], [*client, "--priority", prio]


def run_dtls(opts: DtlsOptions) -> Recording:
    """Perform the handshake and the CoAP exchange; the recording with the
    peers' key logs.  :class:`RecordError` (one sentence) when a peer is
    missing or fails."""
    if opts.peer not in PEERS:
        raise RecordError(f"--dtls-peer must be one of {', '.join(PEERS)}.")
    tools = ("openssl",) if opts.peer == "openssl" else ("gnutls-serv", "gnutls-cli")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise RecordError(f"{missing[0]} is not installed: it is the DTLS peer tlsviz runs.")
    rec = Recording()
    with _workdir() as work:
        if not opts.psk:
            from .pki import make_pki

            pki = make_pki()
            (work / "ca.crt").write_bytes(pki.ca_cert)
            (work / "server.crt").write_bytes(pki.server_cert)
            fd = os.open(work / "server.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pki.server_key)
        port = _free_udp_port()
        conv = DatagramConversation(("127.0.0.1", 0), ("127.0.0.1", 0))
        relay = _Relay(port, conv)
        conv.server = ("127.0.0.1", relay.port)
        server_argv, client_argv = _commands(opts, work, port, relay.port)
        env = dict(os.environ, SSLKEYLOGFILE=str(work / "server.keys"))
        procs: list[subprocess.Popen[bytes]] = []
        try:
            server = subprocess.Popen(server_argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, env=env, cwd=work)  # fmt: skip
            procs.append(server)
            time.sleep(0.4)  # let it bind its port
            env["SSLKEYLOGFILE"] = str(work / "client.keys")
            client = subprocess.Popen(client_argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, env=env, cwd=work)  # fmt: skip
            procs.append(client)
            _wait(lambda: relay.count("server", 20) > 0, opts.timeout, "finish the handshake")
            time.sleep(0.2)
            assert client.stdin is not None and server.stdin is not None
            client.stdin.write(COAP_GET)
            client.stdin.flush()
            _wait(lambda: relay.count("client", 23) > 0, opts.timeout, "carry the CoAP request")
            if opts.peer == "openssl":
                server.stdin.write(COAP_CONTENT)
                server.stdin.flush()
            _wait(lambda: relay.count("server", 23) > 0, opts.timeout, "carry the CoAP answer")
            time.sleep(0.2)
            client.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                client.wait(opts.timeout)
            time.sleep(0.2)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        p.wait(3)
                if p.poll() is None:
                    p.kill()
            relay.close()
        logs = [(work / n).read_text() for n in ("client.keys", "server.keys")
                if (work / n).exists()]  # fmt: skip
        rec.keylog = merge_keylogs(logs)
    rec.connections.append(conv)  # type: ignore[arg-type]
    who = "OpenSSL s_server/s_client" if opts.peer == "openssl" else "GnuTLS gnutls-serv/gnutls-cli"
    rec.notes.append(f"DTLS 1.2 between {who} over loopback, recorded by tlsviz's relay; "
                     "the application data is a CoAP GET (RFC 7252).")  # fmt: skip
    return rec
