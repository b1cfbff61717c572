"""Recording a real client handshake with a server: ``tlsviz record HOST[:PORT]``.

A plain TCP socket carries the bytes; TLS runs in an :class:`ssl.SSLObject`
over two :class:`ssl.MemoryBIO` s, so that every byte that goes out or comes
in passes through :class:`_Client` first and is recorded with its direction
and the time it was sent or received.  The endpoints are the socket's real
ones.  After the handshake the client sends one request (HTTP ``GET /`` or
``HEAD /``, HTTP/2 when ALPN picks ``h2``, or MQTT CONNECT), reads the reply
until the server closes or stays quiet for ``idle`` seconds, then closes with
close_notify and a FIN.

Certificates are checked by default (the system trust store plus ``cafile``).
When the check fails, OpenSSL sends its alert and the recording, which holds
the server's Certificate and that alert, is kept: :class:`~.record.RecordError`
carries it with exit status 3.  Other handshake failures carry status 4;
failures before any byte was exchanged (a name that does not resolve, a
refused connection, a timeout) carry no recording and status 2.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field

from .exchange import client_messages
from .record import Conversation, RecordError, Recording, keylog_into
from .tcp import Endpoint
from .tlsopts import (
    Handshake,
    OptionError,
    handshake_error,
    resolve_cipher,
    set_cipher,
    set_version,
)

__all__ = [
    "CERT_FAILED",
    "HANDSHAKE_FAILED",
    "RemoteOptions",
    "RemoteRun",
    "parse_target",
    "run_remote",
]

#: Exit statuses of the command line for failures that still leave a recording.
CERT_FAILED = 3
HANDSHAKE_FAILED = 4
#: Stop reading a reply after this many bytes (a big home page is not the point).
MAX_REPLY = 1 << 20


@dataclass(frozen=True, slots=True)
class RemoteOptions:
    """The choices of ``tlsviz record HOST[:PORT]`` (see the CLI help)."""

    host: str
    port: int = 443
    version: str | None = None
    cipher: str | None = None
    alpn: tuple[str, ...] = ()
    sni: str | None = None  # None: the host name (no SNI for an IP address)
    cafile: str | None = None
    insecure: bool = False
    client_cert: str | None = None
    client_key: str | None = None
    timeout: float = 10.0
    idle: float = 1.5
    app: str = "http"
    method: str = "GET"
    resume: bool = False


@dataclass(slots=True)
class RemoteRun:
    recording: Recording
    handshakes: list[Handshake] = field(default_factory=list)


def parse_target(target: str, default_port: int) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port``, a bare IPv6 address, or an
    ``https://``/``mqtts://`` URL (its path ignored)."""
    text = target.strip()
    for scheme in ("https://", "mqtts://", "tls://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :].split("/", 1)[0]
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    if not host:
        raise OptionError(f"'{target}' does not name a server.")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise OptionError(f"'{port_text}' is not a port number (1 to 65535).")
    return host, int(port_text)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _context(opts: RemoteOptions, keylog: str) -> ssl.SSLContext:
    """The client context: system trust store (+ ``cafile``), or no checks."""
    version = opts.version
    choice = None
    if opts.cipher is not None:
        choice = resolve_cipher(opts.cipher, version)
        version = choice.version
    ctx = ssl.create_default_context()
    if opts.cafile is not None:
        try:
            ctx.load_verify_locations(cafile=opts.cafile)
        except FileNotFoundError:
            raise OptionError(f"The CA file {opts.cafile} does not exist.") from None
        except (ssl.SSLError, OSError, ValueError):
            raise OptionError(f"The CA file {opts.cafile} holds no usable certificate.") from None
    if opts.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if opts.client_cert is not None:
        try:
            ctx.load_cert_chain(opts.client_cert, opts.client_key)
        except FileNotFoundError as err:
            raise OptionError(
                f"The file {err.filename or opts.client_cert} does not exist."
            ) from None
        except (ssl.SSLError, OSError):
            raise OptionError(
                "The client certificate and key could not be loaded (PEM files, key unencrypted)."
            ) from None
    set_version(ctx, version)
    if choice is not None:
        set_cipher(ctx, choice)
    if opts.alpn:
        ctx.set_alpn_protocols(list(opts.alpn))
    ctx.keylog_filename = keylog
    return ctx


def _connect(host: str, port: int, timeout: float) -> tuple[socket.socket, float, float]:
    """A connected socket and the times the connection started and was up."""
    where = str(Endpoint(host, port))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RecordError(f"The name '{host}' could not be resolved.") from None
    last: OSError | None = None
    for family, kind, proto, _, addr in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        start = time.time()
        try:
            sock.connect(addr)
        except OSError as err:
            sock.close()
            last = err
            continue
        return sock, start, time.time()
    if isinstance(last, ConnectionRefusedError):
        msg = f"The connection to {where} was refused: nothing is listening on port {port}."
    elif isinstance(last, TimeoutError):
        msg = f"{where} did not answer within {timeout:g} seconds."
    else:
        why = (last.strerror if last is not None and last.strerror else "no address").lower()
        msg = f"Could not connect to {where}: {why}."
    raise RecordError(msg)


class _Timeout(Exception):
    pass


class _Client:
    """One connection: the socket, the SSLObject over memory, the recording."""

    def __init__(
        self, sock: socket.socket, ctx: ssl.SSLContext, opts: RemoteOptions, conv: Conversation,
        session: ssl.SSLSession | None,
    ) -> None:  # fmt: skip
        self.sock = sock
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        name = opts.sni or opts.host
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname=name, session=session)
        self.conv = conv
        self.deadline = time.monotonic() + opts.timeout
        self.peer_closed = False

    def send_pending(self) -> None:
        data = self.out.read()
        if data:
            when = time.time()
            try:
                self.sock.sendall(data)
            except OSError:
                return  # never reached the wire: not part of the recording
            self.conv.add("client", data, when)

    def receive(self, wait: float) -> str:
        """Read once from the socket: "data", "closed", or "idle" after ``wait`` s."""
        if self.peer_closed:
            return "closed"
        self.sock.settimeout(max(0.01, wait))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return "idle"
        except OSError:  # reset
            self.conv.close("server", "rst")
            data = b""
        if not data:
            self.peer_closed = True
            self.conv.close("server")
            self.inc.write_eof()
            return "closed"
        self.conv.add("server", data)
        self.inc.write(data)
        return "data"

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def handshake(self) -> None:
        while True:
            try:
                self.obj.do_handshake()
            except ssl.SSLWantReadError:
                self.send_pending()
                if self.left() <= 0 or self.receive(self.left()) == "idle":
                    raise _Timeout from None
                continue
            except ssl.SSLError:
                self.send_pending()  # the alert OpenSSL sends
                raise
            self.send_pending()
            return

    def converse(self, request: bytes, after: bytes, idle: float, expect: int | None) -> int:
        """Send ``request``, read the reply until the server closes, goes quiet,
        or (``expect``) that many bytes came; then send ``after``."""
        self.obj.write(request)
        self.send_pending()
        got = 0
        notified = False  # the server's close_notify arrived
        while got < MAX_REPLY and not notified:
            try:
                while piece := self.obj.read(65536):
                    got += len(piece)
                notified = True  # read() returns b"" only after close_notify
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                notified = True
            self.send_pending()
            if notified or (expect is not None and got >= expect):
                break
            if self.receive(min(idle, max(self.left(), 0.01))) != "data":
                break
        if after and not self.peer_closed:
            self.obj.write(after)
            self.send_pending()
        return got

    def close(self, linger: float) -> None:
        """close_notify and FIN; then a moment for the server's (recorded)."""
        with contextlib.suppress(ssl.SSLError, ValueError):
            self.obj.unwrap()
        self.send_pending()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.conv.close("client")
        end = time.monotonic() + linger
        while not self.peer_closed and time.monotonic() < end:
            if self.receive(end - time.monotonic()) == "idle":
                break
        self.sock.close()


def run_remote(opts: RemoteOptions) -> RemoteRun:
    """Connect, handshake, converse, close, once (twice with ``resume``).

    Raises :class:`~.tlsopts.OptionError` for unusable options and
    :class:`~.record.RecordError` for failures (see the module docstring).
    """
    run = RemoteRun(Recording())
    if opts.insecure:
        run.recording.notes.append(
            "Recorded with --insecure: the server's certificate was not verified."
        )
    sni = opts.sni or (None if _is_ip(opts.host) else opts.host)
    with keylog_into(run.recording) as keylog:
        ctx = _context(opts, keylog)
        session: ssl.SSLSession | None = None
        for _ in range(2 if opts.resume else 1):
            session = _one(opts, ctx, run, sni, session)
    return run


def _one(
    opts: RemoteOptions, ctx: ssl.SSLContext, run: RemoteRun, sni: str | None,
    session: ssl.SSLSession | None,
) -> ssl.SSLSession | None:  # fmt: skip
    sock, start, up = _connect(opts.host, opts.port, opts.timeout)
    local, peer = sock.getsockname()[:2], sock.getpeername()[:2]
    conv = Conversation((local[0], local[1]), (peer[0], peer[1]), start, up)
    run.recording.connections.append(conv)
    client = _Client(sock, ctx, opts, conv, session)
    where = str(Endpoint(opts.host, opts.port))
    try:
        client.handshake()
    except (_Timeout, ssl.SSLError) as err:
        if isinstance(err, _Timeout):
            status = HANDSHAKE_FAILED
            msg = f"{where} did not answer the handshake within {opts.timeout:g} s."
        else:
            cert = isinstance(err, ssl.SSLCertVerificationError)
            status = CERT_FAILED if cert else HANDSHAKE_FAILED
            msg = handshake_error(err, "the server", remote=True)
        client.close(0.5)
        raise RecordError(msg, run.recording, status) from None
    shake = Handshake.of(client.obj, conv.client, conv.server, sni)
    request, after = client_messages(opts.app, shake.alpn, opts.sni or opts.host, opts.method)
    try:
        client.converse(request, after, opts.idle, 4 if opts.app == "mqtt" else None)
    except ssl.SSLError as err:
        # TLS 1.3: the client finishes first, so a server that rejects it (no
        # client certificate, say) says so after the client's handshake ended.
        client.close(0.5)
        msg = handshake_error(err, "the server", remote=True)
        raise RecordError(msg, run.recording, HANDSHAKE_FAILED) from None
    run.handshakes.append(shake)
    new_session = client.obj.session
    client.close(1.0)
    return new_session
