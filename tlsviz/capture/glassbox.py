"""Recordings with tlsviz's own peer on one side (or both): every secret on the record.

:func:`run_glassbox` performs one or two handshakes where at least one end is
tlsviz's client or server (:mod:`tlsviz.peer`) and returns the recording:
the bytes, the key log — the real peer's own where it writes one, ours for
the rest — and the secrets no key log holds (our ephemeral private keys, a
PSK, the experiment), so that ``tlsviz decode`` derives every key from the
shared secret and compares it with the key log.

The other end is OpenSSL through Python's ``ssl`` in this process, a real
server at ``target``, a real client that connects to ``listen``, or tlsviz's
own peer again (then a ``seed`` makes the whole file repeat byte for byte).

This is also the function the explorer's "new live handshake" form calls:
:class:`GlassboxOptions` holds every choice of the command line.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..peer.config import PeerConfig, ServerState
from ..peer.experiments import EXPERIMENTS
from .exchange import embedded_steps
from .glassbox_config import ConfigError, Material, peer_config, prepare
from .glassbox_net import run_listen, run_target
from .glassbox_sides import OurSide, Side, SslSide, pump
from .record import Conversation, RecordError, Recording, keylog_into
from .tlsopts import Handshake, OptionError

__all__ = ["GlassboxOptions", "GlassboxRun", "record_to_file", "recording_name", "run_glassbox"]


@dataclass(frozen=True, slots=True)
class GlassboxOptions:
    """What to record.  ``client``/``server`` are ``"tlsviz"`` or ``"openssl"``
    (Python's ``ssl``, in this process); ``target`` a real server for our
    client, ``listen`` an address where our server waits for one real client.
    Names are IANA names (suites, groups) or OpenSSL names for suites."""

    client: str = "tlsviz"
    server: str = "openssl"
    target: tuple[str, int] | None = None
    listen: tuple[str, int] | None = None
    version: str | None = None  # "1.2", "1.3" or None (both)
    cipher: str | None = None
    groups: tuple[str, ...] = ()  # our client's offer / our server's preference
    key_share: tuple[str, ...] = ()  # our client's first key shares (default: its first group)
    server_groups: tuple[str, ...] = ()  # the server's groups (a HelloRetryRequest demo)
    key_type: str = "ec"  # "ec", "rsa" or "ed25519"
    mtls: bool = False
    resume: bool = False
    tickets: bool = True
    psk: bytes | None = None  # an external PSK
    psk_identity: bytes = b"tlsviz-client"
    psk_mode: str | None = None  # "ke" or "dhe" (None: both, dhe first)
    early_data: bool = False  # 0-RTT on the resumed connection
    key_update: bool = False
    ems: bool = True
    alpn: tuple[str, ...] = ()
    sni: str | None = None
    app: str = "http"
    ipv6: bool = False
    seed: int | None = None
    experiment: str | None = None
    cafile: str | None = None  # more CAs for a real server's certificate
    client_cert: str | None = None  # tlsviz's client certificate for a real server (PEM)
    client_key: str | None = None  # ... and its private key (PEM)
    insecure: bool = False  # do not refuse a real server's certificate
    timeout: float = 10.0
    #: seconds of silence after which a reply counts as complete (a server that keeps
    #: the connection open, a client that sends no request)
    idle: float = 2.0
    #: told one sentence when the run waits (where ``listen`` listens)
    announce: Callable[[str], None] | None = None
    #: write the throwaway CA certificate (PEM) here before starting, for a real
    #: client to trust (curl --cacert, openssl s_client -CAfile)
    ca_out: str | None = None


@dataclass(slots=True)
class GlassboxRun:
    """The recording, a line per handshake, and what the experiment showed."""

    recording: Recording
    handshakes: list[Handshake] = field(default_factory=list)
    #: sentences about the run: the experiment's outcome, certificates accepted anyway...
    findings: list[str] = field(default_factory=list)
    failed: str | None = None  # why the (last) handshake failed, if it did
    status: int = 0  # the exit status the command line should use
    #: the real peer's own key log (Python's ssl in this process), and tlsviz's, apart
    peer_keylog: str = ""
    own_keylog: str = ""


def run_glassbox(opts: GlassboxOptions) -> GlassboxRun:
    """Perform the handshake(s); raises :class:`OptionError` for options that
    cannot work together, :class:`RecordError` when nothing could be recorded."""
    try:
        material = prepare(opts)
    except ConfigError as err:
        raise OptionError(str(err)) from None
    if opts.ca_out:
        try:
            with open(opts.ca_out, "wb") as f:
                f.write(material.pki.ca_cert)
        except OSError as err:
            raise RecordError(f"Cannot write {opts.ca_out}: {err.strerror}.") from None
    run = GlassboxRun(Recording())
    if material.entropy.seeded:
        ent = material.entropy
        run.recording.isn = (ent.integer(1 << 32, "client isn"), ent.integer(1 << 32, "server isn"))
    if opts.target is not None:
        run_target(opts, material, run)
    elif opts.listen is not None:
        run_listen(opts, material, run)
    else:
        _run_in_process(opts, material, run)
    return run


def record_to_file(
    opts: GlassboxOptions, output: str | os.PathLike[str] | None = None
) -> tuple[Path, GlassboxRun]:
    """Run and save: what the explorer's "new live handshake" form calls.

    The recording goes to ``output`` or a new file in the recordings folder
    (see :func:`~.record.save_recording`); returns where, and the run (its
    ``handshakes`` lines, ``findings``, ``failed`` and ``status``).  A failed
    handshake is saved too.  Raises :class:`OptionError` (options that cannot
    work together) or :class:`RecordError` (nothing recorded), each one sentence.
    """
    from .record import save_recording

    try:
        run = run_glassbox(opts)
    except RecordError as err:
        if err.recording is None:
            raise
        run = GlassboxRun(err.recording, failed=str(err), status=err.status)
    return save_recording(run.recording, output, recording_name(opts)), run


def recording_name(opts: GlassboxOptions) -> str:
    """The name a recording gets in the recordings folder."""
    where = opts.target[0] if opts.target else f"{opts.client}-{opts.server}"
    return "glassbox-" + ("listen" if opts.listen else where)


def _run_in_process(opts: GlassboxOptions, m: Material, run: GlassboxRun) -> None:
    host = "::1" if opts.ipv6 else "127.0.0.1"
    server_addr = (host, 8883 if opts.app == "mqtt" else 443)
    port = 49152 + m.entropy.integer(16000, "client port")
    state = ServerState.new(m.server_entropy)
    session = None
    with keylog_into(run.recording) as keylog_path:
        for index in range(2 if opts.resume else 1):
            clock = m.entropy.now
            conv = Conversation((host, port + index), server_addr, clock(), clock())
            run.recording.connections.append(conv)
            client = _side(opts, m, "client", keylog_path, session, state, index)
            server = _side(opts, m, "server", keylog_path, None, state, index)
            _converse(opts, client, server, conv, clock)
            _collect(opts, run, client, server, conv)
            if run.failed is not None:
                break
            session = _next_session(client)
    _finish(run, m)


def _side(
    opts: GlassboxOptions, m: Material, role: str, keylog_path: str,
    session: object, state: ServerState, index: int,
) -> Side:  # fmt: skip
    from ..peer.client import Client
    from ..peer.server import Server

    ours = (opts.client if role == "client" else opts.server) == "tlsviz"
    if ours:
        cfg: PeerConfig = peer_config(opts, m, role, session=session, state=state, index=index)
        if role == "client":
            client = Client(cfg)
            client.start()
            side: Side = OurSide(client)
        else:
            side = OurSide(Server(cfg))
        m.peers.append(side)
        return side
    ctx = m.ssl_context(role, keylog_path)
    inbio, outbio = ssl.MemoryBIO(), ssl.MemoryBIO()
    sess = session if isinstance(session, ssl.SSLSession) else None
    obj = ctx.wrap_bio(
        inbio, outbio, server_side=role == "server",
        server_hostname=(opts.sni or "localhost") if role == "client" else None,
        session=sess,
    )  # fmt: skip
    return SslSide(role, obj, inbio, outbio)


def _converse(opts: GlassboxOptions, client: Side, server: Side, conv: Conversation,
              tick: Callable[[], float]) -> None:  # fmt: skip
    both = lambda: (client.done and server.done) or client.stuck or server.stuck  # noqa: E731
    pump(client, server, conv, tick, both)
    if client.stuck or server.stuck or not (client.done and server.done):
        pump(client, server, conv, tick, lambda: False)  # let the alert travel
        conv.close("client", "fin", tick())
        conv.close("server", "fin", tick())
        return
    for side in (client, server):
        if opts.key_update and isinstance(side, OurSide) and side.peer.version == 0x0304:
            side.peer.key_update(request=True)
            pump(client, server, conv, tick, lambda: False)
            break
    body = f"hello from tlsviz over {client.version} with {client.cipher}\n".encode()
    for direction, data in embedded_steps(opts.app, client.alpn, opts.sni or "localhost", body):
        sender, receiver = (client, server) if direction == "client" else (server, client)
        want = len(receiver.received) + len(data)
        sender.send_app(data)
        pump(client, server, conv, tick, _received(receiver, want))
    client.close()
    pump(client, server, conv, tick, lambda: False)
    server.close()
    pump(client, server, conv, tick, lambda: False)
    conv.close("client", "fin", tick())
    conv.close("server", "fin", tick())


def _received(side: Side, count: int) -> Callable[[], bool]:
    """A condition for :func:`pump`: ``side`` has received ``count`` bytes in all."""
    return lambda: len(side.received) >= count


def _collect(opts: GlassboxOptions, run: GlassboxRun, client: Side, server: Side,
             conv: Conversation) -> None:  # fmt: skip
    """A summary line per handshake, and what the experiment showed."""
    from ..capture.tcp import Endpoint

    ours = [s for s in (client, server) if isinstance(s, OurSide)]
    ok = client.done and server.done and not (client.failed or server.failed)
    if ok:
        known = ours[0] if ours else client
        run.handshakes.append(
            Handshake(
                str(Endpoint(*conv.client)), str(Endpoint(*conv.server)), known.version,
                known.cipher, known.alpn, opts.sni or "localhost", known.resumed,
            )
        )  # fmt: skip
    else:
        why = [s.failed for s in (*ours, client, server) if s.failed]
        run.failed = why[0] if why else "The handshake did not finish."
    for side in ours:
        for problem in side.certificate_problems:
            if problem.accepted:
                run.findings.append(
                    f"tlsviz's {side.role} accepted a certificate it should have refused: "
                    f"{problem.problem}."
                )
        if side.early_rejected:
            run.findings.append("The server did not accept the 0-RTT data.")
        elif side.early_accepted and side.role == "client":
            run.findings.append("The server accepted the 0-RTT data.")
    exp = EXPERIMENTS.get(opts.experiment or "")
    if exp is None or not ours:
        return
    culprit = next((s for s in ours if s.peer.config.experiment), ours[0])
    other = server if culprit is client else client
    if exp.certificate is not None and culprit.role == "client":
        reaction = "could not know: only the client checks the server's certificate"
    elif culprit.alerts_received:
        first = culprit.alerts_received[0]
        reaction = f"answered with {'an' if first[0] in 'aeiou' else 'a'} {first} alert"
    elif not ok:
        reaction = f"stopped: {(run.failed or '').rstrip('.')}"
    else:
        reaction = "went on as if nothing were wrong"
    name = other.name if other.name.startswith("the ") else f"the {other.role} ({other.name})"
    run.findings.append(f"Experiment {exp.name} (tlsviz's {culprit.role}): {name} {reaction}.")


def _next_session(client: Side) -> object:
    if isinstance(client, OurSide):
        return client.sessions[-1].session if client.sessions else None
    if isinstance(client, SslSide):
        return client.obj.session
    return None


def _finish(run: GlassboxRun, m: Material) -> None:
    """The key log (the real peer's lines first, ours for what it lacks) and our secrets."""
    from .record import merge_keylogs

    ours: list[str] = []
    secrets: list[str] = []
    for side in m.peers:
        assert isinstance(side, OurSide)
        ours += side.peer.keylog
        secrets += side.peer.secrets
    run.peer_keylog = run.recording.keylog
    run.own_keylog = merge_keylogs(["\n".join(ours)])
    have = {tuple(line.split()[:2]) for line in run.recording.keylog.splitlines() if line.strip()}
    extra = [line for line in ours if tuple(line.split()[:2]) not in have]
    run.recording.keylog = merge_keylogs([run.recording.keylog, "\n".join(extra)])
    run.recording.secrets = merge_keylogs(["\n".join(secrets)])
    run.recording.notes += m.notes
    if run.failed is not None and not m.experiment:
        run.status = 4
