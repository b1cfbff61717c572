"""The embedded default: a real TLS handshake between Python's ``ssl`` client
and server (OpenSSL on both sides) inside one process.

No sockets, no network, no root: each side is an :class:`ssl.SSLObject` over
a pair of :class:`ssl.MemoryBIO` s, and :class:`_Pair` carries the bytes one
side wrote to the other side's input, recording each transfer as a
:class:`~.record.Chunk` with the time it happened.  The bytes are the real
ones; only the TCP connection around them is framed afterwards
(:mod:`.framer`), on plausible loopback endpoints (127.0.0.1 or ::1, an
ephemeral client port, server port 443, or 8883 for MQTT).

Both contexts write the NSS key log (``SSLContext.keylog_filename``) to one
private temporary file; client and server log the same secrets, so the lines
are deduplicated (:func:`~.record.merge_keylogs`).

Resumption (``resume``): the second connection passes the first one's
``SSLSession`` to ``wrap_bio``.  In TLS 1.3 the server sends its
NewSessionTicket after the handshake, so the session is taken only after the
client has read the reply (which makes OpenSSL process the ticket); in TLS 1.2
it is the session ticket (RFC 5077) or, with ``tickets=False``, the session ID
the server keeps in its context's session cache (RFC 5246 §7.4.1.2).
"""

from __future__ import annotations

import random
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path

from .exchange import embedded_steps
from .pki import Pki, make_pki, pem_files
from .record import Conversation, RecordError, Recording, keylog_into
from .tlsopts import (
    CipherChoice,
    Handshake,
    OptionError,
    handshake_error,
    resolve_cipher,
    set_cipher,
    set_version,
)

__all__ = ["EmbeddedOptions", "EmbeddedRun", "run_embedded"]

_MAX_ROUNDS = 32
#: The ffdhe2048 group of RFC 7919 §A.1 (as ``openssl genpkey -genparam -algorithm DH
#: -pkeyopt group:ffdhe2048`` writes it): without DH parameters an OpenSSL server
#: offers no DHE suite, and Python's ssl module can only load them from a file.
FFDHE2048_PEM = b"""-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""


@dataclass(frozen=True, slots=True)
class EmbeddedOptions:
    """The choices of ``tlsviz record`` without a target (see the CLI help)."""

    version: str | None = None  # "1.2", "1.3" or None (both allowed: 1.3 wins)
    cipher: str | None = None  # IANA or OpenSSL name
    mtls: bool = False
    resume: bool = False
    tickets: bool = True
    alpn: tuple[str, ...] = ()
    sni: str = "localhost"
    app: str = "http"  # "http" or "mqtt"
    rsa: bool = False
    ipv6: bool = False


@dataclass(slots=True)
class EmbeddedRun:
    recording: Recording
    handshakes: list[Handshake] = field(default_factory=list)
    pki: Pki | None = None


class _Pair:
    """A client and a server SSLObject wired to each other through memory."""

    def __init__(
        self,
        cctx: ssl.SSLContext,
        sctx: ssl.SSLContext,
        sni: str,
        session: ssl.SSLSession | None,
        conv: Conversation,
    ) -> None:
        self.cin, self.cout = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.sin, self.sout = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.client = cctx.wrap_bio(self.cin, self.cout, server_hostname=sni, session=session)
        self.server = sctx.wrap_bio(self.sin, self.sout, server_side=True)
        self.conv = conv

    def flush(self) -> None:
        """Carry what each side wrote to the other, recording it."""
        for src, dst, direction in (
            (self.cout, self.sin, "client"),
            (self.sout, self.cin, "server"),
        ):
            data = src.read()
            if data:
                self.conv.add(direction, data)
                dst.write(data)

    def handshake(self) -> None:
        sides = (("client", self.client), ("server", self.server))
        done = {"client": False, "server": False}
        for _ in range(_MAX_ROUNDS):
            for side, obj in sides:
                if not done[side]:
                    try:
                        obj.do_handshake()
                        done[side] = True
                    except ssl.SSLWantReadError:
                        pass
                    except ssl.SSLError as err:
                        self.flush()  # keep the alert it sent
                        other = "the server" if side == "client" else "the client"
                        raise RecordError(handshake_error(err, other)) from None
                self.flush()
            if done["client"] and done["server"]:
                return
        raise RecordError("The in-process handshake did not finish.")

    def deliver(self, direction: str, data: bytes) -> None:
        """``direction`` sends ``data``; the other side reads all of it."""
        sender, receiver = (
            (self.client, self.server) if direction == "client" else (self.server, self.client)
        )
        sender.write(data)
        self.flush()
        got = bytearray()
        while len(got) < len(data):
            try:
                piece = receiver.read(65536)
            except ssl.SSLWantReadError:
                piece = b""
            if not piece:
                raise RecordError(f"The {direction}'s message did not arrive whole.")
            got += piece
            self.flush()

    def close(self) -> None:
        """close_notify from the client, the server's in reply (RFC 8446
        §6.1), then TCP FINs in the same order."""
        for obj in (self.client, self.server, self.client):
            try:
                obj.unwrap()
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                break  # already shut down
            self.flush()
        self.flush()
        self.conv.close("client")
        self.conv.close("server")


def _check(opts: EmbeddedOptions) -> tuple[str | None, CipherChoice | None]:
    """Validate the options together; returns the version and the suite."""
    version, choice = opts.version, None
    if opts.cipher is not None:
        choice = resolve_cipher(opts.cipher, version)
        version = choice.version
        auth = choice.info.auth
        if auth == "ECDSA" and opts.rsa:
            raise OptionError(f"{choice.iana} needs an ECDSA certificate: leave out --rsa.")
        if auth == "RSA" and not opts.rsa:
            raise OptionError(f"{choice.iana} needs an RSA certificate: add --rsa.")
        if auth not in ("ECDSA", "RSA", "ANY"):
            raise OptionError(
                f"{choice.iana} authenticates with {auth}, but the in-process handshake "
                "uses certificates."
            )
    if opts.resume and not opts.tickets and version != "1.2":
        raise OptionError("TLS 1.3 resumes only with a ticket: add --tls1.2 or drop --no-ticket.")
    return version, choice


def _contexts(
    opts: EmbeddedOptions, version: str | None, choice: CipherChoice | None, pki: Pki, keylog: str
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
    cctx.load_verify_locations(cadata=pki.ca_cert.decode())
    with pem_files(pki.server_cert, pki.server_key) as (cert, key):
        sctx.load_cert_chain(cert, key)
    if opts.mtls:
        sctx.verify_mode = ssl.CERT_REQUIRED
        sctx.load_verify_locations(cadata=pki.ca_cert.decode())
        with pem_files(pki.client_cert, pki.client_key) as (cert, key):
            cctx.load_cert_chain(cert, key)
    for ctx in (cctx, sctx):
        set_version(ctx, version)
        if choice is not None:
            set_cipher(ctx, choice)
        if opts.alpn:
            ctx.set_alpn_protocols(list(opts.alpn))
        ctx.keylog_filename = keylog
    if choice is not None and choice.info.kx == "DHE":
        dh = Path(keylog).with_name("ffdhe2048.pem")
        dh.write_bytes(FFDHE2048_PEM)
        sctx.load_dh_params(str(dh))
    # One ticket is enough to resume, and keeps the picture small.
    sctx.num_tickets = 1 if opts.tickets else 0
    if not opts.tickets:
        sctx.options |= ssl.OP_NO_TICKET
    return cctx, sctx


def run_embedded(opts: EmbeddedOptions) -> EmbeddedRun:
    """Perform the handshake(s) and return the recording.

    Raises :class:`~.tlsopts.OptionError` for options that cannot work
    together and :class:`~.record.RecordError` if a handshake fails.
    """
    version, choice = _check(opts)
    pki = make_pki(opts.sni, use_rsa=opts.rsa)
    host = "::1" if opts.ipv6 else "127.0.0.1"
    server = (host, 8883 if opts.app == "mqtt" else 443)
    port = random.SystemRandom().randrange(49152, 65535 - 2)
    run = EmbeddedRun(Recording(), pki=pki)
    with keylog_into(run.recording) as keylog:
        cctx, sctx = _contexts(opts, version, choice, pki, keylog)
        session: ssl.SSLSession | None = None
        for index in range(2 if opts.resume else 1):
            client = (host, port + index)
            t0 = time.time()
            conv = Conversation(client, server, t0, time.time())
            run.recording.connections.append(conv)
            pair = _Pair(cctx, sctx, opts.sni, session, conv)
            try:
                pair.handshake()
                shake = Handshake.of(pair.client, client, server, opts.sni)
                body = f"hello from tlsviz over {shake.version} with {shake.cipher}\n".encode()
                for direction, data in embedded_steps(opts.app, shake.alpn, opts.sni, body):
                    pair.deliver(direction, data)
                session = pair.client.session
                pair.close()
            except RecordError as err:
                err.recording = run.recording
                raise
            run.handshakes.append(shake)
    return run
