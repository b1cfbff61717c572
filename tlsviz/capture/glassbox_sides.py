"""The two ends of a recorded conversation, whoever they are, and what moves bytes.

A :class:`Side` is one TLS endpoint seen from outside: bytes in, bytes out,
"has the handshake finished?", the application data it received.  Two kinds:

* :class:`OurSide`: tlsviz's own sans-IO peer (:mod:`tlsviz.peer`), its events read;
* :class:`SslSide`: OpenSSL through Python's ``ssl.SSLObject`` over memory.

:func:`pump` carries bytes between two sides in this process; :class:`SocketEnd`
carries them between one side and a real peer over TCP.  Both record every
transfer as a chunk of a :class:`~.record.Conversation`, with the time taken
from a clock (the real one, or a seeded peer's, for reproducible files).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable

from ..peer import events as ev
from ..peer.client import Client
from ..peer.server import Server
from ..wire import registry as reg
from .record import Conversation
from .tlsopts import handshake_error

__all__ = ["OurSide", "RealPeer", "Side", "SocketEnd", "SslSide", "pump"]

Clock = Callable[[], float]
_ROUNDS = 64


class Side:
    """One endpoint; subclasses fill in the I/O."""

    name = "?"  # "tlsviz" or "openssl"

    def __init__(self, role: str) -> None:
        self.role = role  # "client" or "server"
        self.done = False
        self.failed: str | None = None
        self.closed = False  # the other side's close_notify (or EOF) arrived
        self.received = bytearray()
        self.version: str | None = None
        self.cipher: str | None = None
        self.alpn: str | None = None
        self.resumed = False

    def incoming(self, data: bytes) -> None:
        raise NotImplementedError

    def outgoing(self) -> bytes:
        raise NotImplementedError

    def advance(self) -> None:
        """Let the endpoint act on what it has (a handshake step, a read)."""

    def send_app(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @property
    def stuck(self) -> bool:
        return self.failed is not None or self.closed


class OurSide(Side):
    """tlsviz's peer: what it says comes out of its events."""

    name = "tlsviz"

    def __init__(self, peer: Client | Server) -> None:
        super().__init__(peer.side)
        self.peer = peer
        self.sessions: list[ev.SessionReady] = []
        self.alerts_received: list[str] = []
        self.alert_sent: str | None = None
        self.certificate_problems: list[ev.CertificateProblem] = []
        self.early_accepted = False
        self.early_rejected = False

    def incoming(self, data: bytes) -> None:
        self.peer.receive_data(data)
        self.advance()

    def outgoing(self) -> bytes:
        return self.peer.data_to_send()

    def advance(self) -> None:
        while (e := self.peer.next_event()) is not None:
            self._event(e)

    def _event(self, e: ev.Event) -> None:
        if isinstance(e, ev.HandshakeComplete):
            self.done = True
            self.version = reg.version_name(e.version).replace("TLS ", "TLSv")
            self.cipher = reg.suite_name(e.suite)
            self.alpn, self.resumed = e.alpn, e.resumed
            self.early_accepted = e.early_data_accepted
        elif isinstance(e, ev.ApplicationData):
            self.received += e.data
        elif isinstance(e, ev.SessionReady):
            self.sessions.append(e)
        elif isinstance(e, ev.AlertReceived):
            if e.description != 0:
                self.alerts_received.append(e.name)
        elif isinstance(e, ev.HandshakeFailed) and self.failed is None:
            self.failed = e.reason[:1].upper() + e.reason[1:] + "."
            if e.alert is not None:
                self.alert_sent = reg.alert_name(e.alert)
        elif isinstance(e, ev.CertificateProblem):
            self.certificate_problems.append(e)
        elif isinstance(e, ev.EarlyDataRejected):
            self.early_rejected = True
        elif isinstance(e, ev.ConnectionClosed):
            self.closed = True

    def send_app(self, data: bytes) -> None:
        if self.peer.state == "connected":
            self.peer.send(data)

    def close(self) -> None:
        self.peer.close()


class RealPeer(Side):
    """A real peer over TCP, known only by what tlsviz's side saw of it."""

    def __init__(self, role: str, ours: Side) -> None:
        super().__init__(role)
        self.name = f"the real {role}"
        self.done = ours.done


class SslSide(Side):
    """OpenSSL, as Python's ``ssl`` module drives it, over memory BIOs."""

    name = "openssl"

    def __init__(self, role: str, obj: ssl.SSLObject, inbio: ssl.MemoryBIO, out: ssl.MemoryBIO):
        super().__init__(role)
        self.obj, self.inbio, self.outbio = obj, inbio, out

    def incoming(self, data: bytes) -> None:
        self.inbio.write(data)

    def outgoing(self) -> bytes:
        return self.outbio.read()

    def advance(self) -> None:
        if self.stuck:
            return
        other = "the server" if self.role == "client" else "the client"
        try:
            if not self.done:
                self.obj.do_handshake()
                self.done = True
                self.version, self.alpn = self.obj.version(), self.obj.selected_alpn_protocol()
                suite = self.obj.cipher()
                info = reg.suite_by_name(suite[0]) if suite else None
                self.cipher = info.name if info is not None else None
                self.resumed = self.obj.session_reused
            while piece := self.obj.read(65536):
                self.received += piece
            self.closed = True  # read() returns b"" only after close_notify
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            self.closed = True
        except ssl.SSLError as err:
            self.failed = handshake_error(err, other)

    def send_app(self, data: bytes) -> None:
        with contextlib.suppress(ssl.SSLError):
            self.obj.write(data)

    def close(self) -> None:
        with contextlib.suppress(ssl.SSLError, ValueError):
            self.obj.unwrap()


def pump(
    client: Side, server: Side, conv: Conversation, clock: Clock, until: Callable[[], bool]
) -> None:
    """Carry bytes both ways, recording them, until ``until()`` or nothing moves."""
    for _ in range(_ROUNDS):
        moved = False
        for src, dst, direction in ((client, server, "client"), (server, client, "server")):
            src.advance()
            data = src.outgoing()
            if data:
                conv.add(direction, data, clock())
                dst.incoming(data)
                dst.advance()
                moved = True
        if until() or not moved:
            return


class SocketEnd:
    """One side of ours over a TCP socket to a real peer, every byte recorded."""

    def __init__(self, sock: socket.socket, side: Side, conv: Conversation, clock: Clock,
                 timeout: float) -> None:  # fmt: skip
        self.sock, self.side, self.conv, self.clock = sock, side, conv, clock
        self.deadline = time.monotonic() + timeout
        self.peer_closed = False
        self.other = "server" if side.role == "client" else "client"

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def flush(self) -> None:
        data = self.side.outgoing()
        if data:
            when = self.clock()
            try:
                self.sock.sendall(data)
            except OSError:
                return  # never reached the wire
            self.conv.add(self.side.role, data, when)

    def receive(self, wait: float) -> str:
        """Read once: "data", "closed", or "idle" after ``wait`` seconds."""
        if self.peer_closed:
            return "closed"
        self.sock.settimeout(max(0.01, wait))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return "idle"
        except OSError:
            self.conv.close(self.other, "rst", self.clock())
            data = b""
        if not data:
            self.peer_closed = True
            self.conv.close(self.other, "fin", self.clock())
            return "closed"
        self.conv.add(self.other, data, self.clock())
        self.side.incoming(data)
        self.side.advance()
        return "data"

    def run_until(self, done: Callable[[], bool], idle: float | None = None) -> str:
        """Exchange bytes until ``done()``, the peer closes, an error, or a timeout."""
        while True:
            self.side.advance()
            self.flush()
            if done():
                return "done"
            if self.side.failed is not None:
                return "failed"
            wait = self.left() if idle is None else min(idle, self.left())
            if wait <= 0:
                return "timeout"
            got = self.receive(wait)
            if got != "data":
                self.side.advance()
                self.flush()
                return "done" if done() else got

    def close(self, linger: float) -> None:
        """close_notify and FIN, then a moment for the peer's (recorded)."""
        self.side.close()
        self.flush()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.conv.close(self.side.role, "fin", self.clock())
        end = time.monotonic() + linger
        while not self.peer_closed and time.monotonic() < end:
            if self.receive(end - time.monotonic()) == "idle":
                break
        self.sock.close()
