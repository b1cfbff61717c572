"""The hellos of a connection, scanned without field trees, for its summary.

A connection list needs a few facts per connection (version, suite, SNI,
ALPN, group, HelloRetryRequest, resumption).  :class:`HelloFacts` collects
them as the messages pass: each message is read by the parsers of
:mod:`tlsviz.wire.facts_hello` (the ones the decoder's answers are checked
against),
and each connection-level answer (the group, how it resumed) comes from the
functions there too.  What this module decides itself is only when a summary
is *settled* (:func:`settled_by_message`, :func:`settled_by_record`): when
nothing later in the connection can change it without keys.

:class:`HelloScanner` follows one connection's two byte streams with these
functions and says when the summary is settled, so that the capture reader can
stop buffering the rest of the connection.
"""

from __future__ import annotations

from .._slots import Slotted
from ..wire.facts import (
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    CLIENT_HELLO,
    FLIGHT_ABBREVIATED,
    HANDSHAKE,
    SERVER_HELLO,
    SERVER_HELLO_DONE,
    SERVER_KEY_EXCHANGE,
    connection_group,
    flight_step,
    is_tls13,
    psk_origin,
    resumption,
)
from ..wire.facts_hello import (
    ClientHelloFacts,
    ServerHelloFacts,
    client_hello_facts,
    server_hello_facts,
    server_key_exchange_group,
    sslv2_client_hello_facts,
)
from ..wire.framing import MAX_HANDSHAKE_MESSAGE, looks_like_sslv2_client_hello, pending_need


class HelloFacts(Slotted):
    """What the hellos settled (None: not seen or not present), as the
    decoder's negotiation would hold it: the first ClientHello that decodes,
    the last ServerHello in the clear, any HelloRetryRequest, the first
    ServerKeyExchange that decodes."""

    __slots__ = (
        "alpn",
        "cipher_suite",
        "client",
        "client_hellos",
        "flight",
        "hello_retry",
        "key_exchange",
        "key_exchange_group",
        "psk_selected",
        "retry_group",
        "server_group",
        "server_session_id",
        "server_version",
        "version",
    )

    def __init__(self) -> None:
        #: the first ClientHello that decodes
        self.client: ClientHelloFacts | None = None
        self.client_hellos = 0
        #: the negotiated version, from the last ServerHello or HelloRetryRequest
        self.version: int | None = None
        #: the last ServerHello's (None: no ServerHello decoded)
        self.server_version: int | None = None
        self.cipher_suite: int | None = None
        self.server_session_id: bytes | None = None
        self.server_group: int | None = None
        self.alpn: str | None = None
        self.psk_selected: int | None = None
        self.hello_retry = False
        self.retry_group: int | None = None
        #: a ServerKeyExchange decoded (its named group, if any)
        self.key_exchange = False
        self.key_exchange_group: int | None = None
        #: the server's flight so far (see tlsviz.wire.facts.flight_step)
        self.flight = 0

    @property
    def sni(self) -> str | None:
        c = self.client
        return c.sni if c is not None else None

    @property
    def client_random(self) -> bytes | None:
        c = self.client
        return c.random if c is not None else None

    @property
    def group(self) -> int | None:
        return connection_group(self.server_group, self.key_exchange_group, self.retry_group)

    @property
    def resumption(self) -> str | None:
        c = self.client
        return resumption(
            self.server_version,
            c.session_id if c is not None else None,
            self.server_session_id,
            c.ticket if c is not None else None,
            self.psk_selected,
            self.flight == FLIGHT_ABBREVIATED,
        )

    @property
    def psk_origin(self) -> str | None:
        c = self.client
        if c is None or not is_tls13(self.server_version):
            return None
        return psk_origin(self.psk_selected, c.psk_identities())


# -- one message at a time (the scanner below, the capture loop's hello lane,
# -- and the quick Finished check call these) -----------------------------------


def client_hello(facts: HelloFacts, data: bytes, start: int, end: int) -> None:
    """A ClientHello body at ``data[start:end]``."""
    c = client_hello_facts(data, start, end)
    if c is not None:
        facts.client_hellos += 1
        if facts.client is None:
            facts.client = c


def sslv2_client_hello(facts: HelloFacts, data: bytes, start: int, end: int) -> None:
    """An SSLv2-framed CLIENT-HELLO (after its 2-byte header)."""
    c = sslv2_client_hello_facts(data, start, end)
    if c is not None:
        facts.client_hellos += 1
        if facts.client is None:
            facts.client = c


def server_hello(
    facts: HelloFacts, data: bytes, start: int, end: int, server: bool = True
) -> ServerHelloFacts | None:
    """A ServerHello or HelloRetryRequest body in the clear (``server``:
    sent by the server, as it should be); its facts (None: it does not
    decode)."""
    f = server_hello_facts(data, start, end)
    if f is None:
        return None
    facts.version = f.version
    if f.hello_retry:
        facts.hello_retry = True
        facts.retry_group = f.group
        return f
    if server:
        facts.flight = flight_step(facts.flight, "ServerHello")
    facts.server_version = f.version
    facts.cipher_suite = f.cipher_suite
    facts.server_session_id = f.session_id
    facts.server_group = f.group
    facts.alpn = f.alpn
    facts.psk_selected = f.psk_selected
    return f


def server_key_exchange(facts: HelloFacts, data: bytes, start: int, end: int) -> None:
    """A ServerKeyExchange body: the first that decodes names the group."""
    if facts.key_exchange:
        return
    ok, group = server_key_exchange_group(data, start, end, facts.cipher_suite, facts.version)
    if ok:
        facts.key_exchange = True
        facts.key_exchange_group = group


def settled_by_message(facts: HelloFacts, msg_type: int) -> bool:
    """Is the summary settled once the server's handshake message of this
    type is read?  After a TLS 1.3 ServerHello everything else is encrypted;
    before TLS 1.3, the ServerHelloDone ends the hellos."""
    if msg_type == SERVER_HELLO_DONE:
        facts.flight = flight_step(facts.flight, "ServerHelloDone")
        return True
    return msg_type == SERVER_HELLO and facts.cipher_suite is not None and is_tls13(facts.version)


def settled_by_record(facts: HelloFacts, content_type: int) -> bool:
    """Is the summary settled by a server record of this content type?
    Application data, or a ChangeCipherSpec before TLS 1.3 (a resumed
    handshake's: no ServerHelloDone came; in TLS 1.3 it is only there for
    middleboxes, RFC 8446 §D.4)."""
    if content_type == CHANGE_CIPHER_SPEC:
        facts.flight = flight_step(facts.flight, "ChangeCipherSpec")
        return not is_tls13(facts.version)
    return content_type == APPLICATION_DATA


class HelloScanner:
    """Reads the hellos of one connection from its two byte streams.

    ``done`` becomes True once the summary is settled (see
    :func:`settled_by_message`, :func:`settled_by_record`).  Bytes are only
    copied when a record or message spans two chunks.
    """

    __slots__ = ("_first", "_hs", "_skip", "bufs", "done", "facts")

    def __init__(self, facts: HelloFacts | None = None) -> None:
        self.facts = facts if facts is not None else HelloFacts()
        self.bufs: dict[str, bytes | bytearray] = {"client": b"", "server": b""}
        self._hs = {"client": bytearray(), "server": bytearray()}
        self._skip = {"client": 0, "server": 0}  # bytes of an oversized message left
        self._first = {"client": True, "server": True}
        self.done = False

    def feed(self, direction: str, data: bytes) -> None:
        if self.done:
            return
        pend = self.bufs[direction]
        if pend:
            # a record arriving in small pieces is copied once, when complete
            need = 0 if self._first[direction] else pending_need(pend, 5, 2)
            if len(pend) + len(data) < need:
                if not isinstance(pend, bytearray):
                    pend = self.bufs[direction] = bytearray(pend)
                pend += data
                return
            data = bytes(pend) + data
        n = len(data)
        pos = 0
        if self._first[direction]:
            if n < 5:
                self.bufs[direction] = data
                return
            self._first[direction] = False
            if data[0] & 0x80 and looks_like_sslv2_client_hello(data[:5]):
                length = ((data[0] & 0x7F) << 8) | data[1]
                if n < 2 + length:
                    self._first[direction] = True
                    self.bufs[direction] = data
                    return
                sslv2_client_hello(self.facts, data, 2, 2 + length)
                pos = 2 + length
        server = direction == "server"
        while pos + 5 <= n:
            end = pos + 5 + ((data[pos + 3] << 8) | data[pos + 4])
            if end > n:
                break
            ctype = data[pos]
            if ctype == HANDSHAKE:
                self._handshake(direction, data, pos + 5, end)
            elif server and settled_by_record(self.facts, ctype):
                self.done = True
            pos = end
            if self.done:
                return
        self.bufs[direction] = data[pos:] if pos < n else b""

    def _handshake(self, direction: str, data: bytes, start: int, end: int) -> None:
        skip = self._skip[direction]
        if skip:  # a message too long to be a hello is counted off, not held
            taken = min(skip, end - start)
            self._skip[direction] = skip - taken
            start += taken
            if start == end:
                return
        pend = self._hs[direction]
        if pend:
            need = pending_need(pend, 4, 3)
            if len(pend) + end - start < need:
                if need - 4 > MAX_HANDSHAKE_MESSAGE:
                    self._skip[direction] = need - len(pend) - (end - start)
                    pend.clear()
                else:  # a message arriving in small records is copied once, when complete
                    pend += data[start:end]
                return
            data = bytes(pend) + data[start:end]
            pend.clear()
            start, end = 0, len(data)
        pos = start
        facts = self.facts
        while pos + 4 <= end:
            t = data[pos]
            stop = pos + 4 + ((data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3])
            if stop > end:
                break
            # each side's messages as the decoder takes them: by type, whoever
            # sent them (a hello from the wrong side is its diagnostic)
            server = direction == "server"
            if t == CLIENT_HELLO:
                client_hello(facts, data, pos + 4, stop)
            elif t == SERVER_HELLO:
                server_hello(facts, data, pos + 4, stop, server)
            elif t == SERVER_KEY_EXCHANGE:
                server_key_exchange(facts, data, pos + 4, stop)
            if server and settled_by_message(facts, t):
                self.done = True
                return
            pos = stop
        if pos < end:
            pend += data[pos:end]
