"""Glass-box runs over TCP: tlsviz's client against a real server, or its
server waiting for one real client (curl, a browser, ``openssl s_client``).

Every byte crossing the socket is recorded with its time, as in
:mod:`.remote`; the key log is tlsviz's own (the real peer keeps its own, if
it writes one), and the secrets no key log holds go with it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..peer.client import Client
from ..peer.server import Server
from .exchange import client_messages, http1_reply
from .glassbox_config import Material, peer_config
from .glassbox_sides import OurSide, RealPeer, SocketEnd
from .record import Conversation, RecordError
from .remote import _connect
from .tcp import Endpoint

if TYPE_CHECKING:
    from .glassbox import GlassboxOptions, GlassboxRun

__all__ = ["run_listen", "run_target"]


def run_target(opts: GlassboxOptions, m: Material, run: GlassboxRun) -> None:
    """tlsviz's client against ``opts.target``, once (twice with ``resume``)."""
    from .glassbox import _collect, _finish, _next_session

    assert opts.target is not None
    host, port = opts.target
    session = None
    for index in range(2 if opts.resume else 1):
        sock, start, up = _connect(host, port, opts.timeout)
        local, peer = sock.getsockname()[:2], sock.getpeername()[:2]
        conv = Conversation((local[0], local[1]), (peer[0], peer[1]), start, up)
        run.recording.connections.append(conv)
        client = Client(peer_config(opts, m, "client", session=session, index=index))
        client.start()
        side = OurSide(client)
        m.peers.append(side)
        end = SocketEnd(sock, side, conv, time.time, opts.timeout)
        outcome = end.run_until(_settled(side))
        if side.done and not side.stuck:
            if opts.key_update and client.version == 0x0304:
                client.key_update(request=True)
            request, after = client_messages(opts.app, side.alpn, opts.sni or host, "GET")
            client.send(request)
            end.run_until(lambda: False, idle=opts.idle)
            if after and not side.stuck and client.state == "connected":
                client.send(after)
        elif outcome == "timeout" and side.failed is None:
            side.failed = f"{Endpoint(host, port)} did not answer the handshake in time."
        end.close(1.0)
        _collect(opts, run, side, RealPeer("server", side), conv)
        if run.failed is not None:
            break
        session = _next_session(side)
    _finish(run, m)
    if run.failed is not None and not m.experiment:
        problems = [p for s in m.peers if isinstance(s, OurSide) for p in s.certificate_problems]
        cert = any(not p.accepted for p in problems)
        raise RecordError(run.failed, run.recording, 3 if cert else 4)


def run_listen(opts: GlassboxOptions, m: Material, run: GlassboxRun) -> None:
    """tlsviz's server on ``opts.listen``: one real client (two with ``resume``,
    the second resuming the first), one request and one reply each."""
    from ..peer.config import ServerState
    from .glassbox import _collect, _finish

    assert opts.listen is not None
    host, port = opts.listen
    try:
        listener = socket.create_server((host, port), family=_family(host))
    except OSError as err:
        raise RecordError(f"Cannot listen on {Endpoint(host, port)}: {err.strerror}.") from None
    state = ServerState.new(m.server_entropy)
    with listener:
        bound = listener.getsockname()[:2]
        if opts.announce is not None:
            opts.announce(f"waiting for a client on {Endpoint(bound[0], bound[1])}.")
        listener.settimeout(opts.timeout)
        for _ in range(2 if opts.resume else 1):
            try:
                sock, addr = listener.accept()
            except TimeoutError:
                if run.recording.connections:
                    break  # the client did not come back: keep what was recorded
                raise RecordError(
                    f"No client connected to {Endpoint(host, port)} within {opts.timeout:g} s."
                ) from None
            start = time.time()
            conv = Conversation((addr[0], addr[1]), (bound[0], bound[1]), start, start)
            run.recording.connections.append(conv)
            server = Server(peer_config(opts, m, "server", state=state))
            side = OurSide(server)
            m.peers.append(side)
            end = SocketEnd(sock, side, conv, time.time, opts.timeout)
            end.run_until(_settled(side))
            if side.done and not side.stuck:
                end.run_until(_request_in(side), idle=opts.idle)
                if not side.stuck and server.state == "connected":
                    body = f"hello from tlsviz's server over {side.version} with {side.cipher}\n"
                    server.send(http1_reply(body.encode()))
            end.close(opts.idle)
            _collect(opts, run, RealPeer("client", side), side, conv)
            if run.failed is not None:
                break
    _finish(run, m)


def _settled(side: OurSide) -> Callable[[], bool]:
    return lambda: side.done or side.stuck


def _request_in(side: OurSide) -> Callable[[], bool]:
    """The end of an HTTP request's head has arrived (RFC 9112 §2.1)."""
    return lambda: b"\r\n\r\n" in side.received


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
