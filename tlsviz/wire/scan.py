"""A fast scan of the hellos, for summaries of big captures.

The full decoder builds a field tree for every byte; a connection list needs
five facts per connection (version, suite, SNI, ALPN, group).  This module
reads just those from the ClientHello, ServerHello and (before TLS 1.3)
ServerKeyExchange, with plain index arithmetic and no objects per field.  It
never raises on bad bytes: a malformed hello simply yields fewer facts (the
full decoder is the tool that explains why).

:class:`HelloScanner` follows one connection's two byte streams and says when
the summary is complete, so that the capture reader can stop buffering the
rest of the connection.
"""

from __future__ import annotations

from .._slots import Slotted
from .framing import looks_like_sslv2_client_hello

#: RFC 8446 §4.1.3: SHA-256("HelloRetryRequest").
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


class HelloFacts(Slotted):
    """What the hellos settled (None: not seen or not present)."""

    __slots__ = (
        "alpn",
        "cipher_suite",
        "client_hellos",
        "client_random",
        "group",
        "hello_retry",
        "psk_accepted",
        "server_key_exchange",
        "session_id_echo",
        "sni",
        "version",
    )

    def __init__(self) -> None:
        self.client_random: bytes | None = None
        self.sni: str | None = None
        self.version: int | None = None
        self.cipher_suite: int | None = None
        self.group: int | None = None
        self.alpn: str | None = None
        self.hello_retry = False
        self.psk_accepted = False
        self.session_id_echo = False
        self.client_hellos = 0
        self.server_key_exchange = False


def _exts(data: bytes, pos: int, end: int) -> list[tuple[int, int, int]]:
    """(type, start, end) of each extension in data[pos:end] (a 2-byte-prefixed list)."""
    out: list[tuple[int, int, int]] = []
    if pos + 2 > end:
        return out
    stop = min(end, pos + 2 + ((data[pos] << 8) | data[pos + 1]))
    pos += 2
    while pos + 4 <= stop:
        etype = (data[pos] << 8) | data[pos + 1]
        n = (data[pos + 2] << 8) | data[pos + 3]
        s = pos + 4
        if s + n > stop:
            break
        out.append((etype, s, s + n))
        pos = s + n
    return out


def scan_client_hello(body: bytes, facts: HelloFacts) -> None:
    """ClientHello body (after the 4-byte handshake header), RFC 8446 §4.1.2:
    its random and server name (the walk ends at the server_name extension)."""
    n = len(body)
    facts.client_hellos += 1
    if n < 38:
        return
    if facts.client_random is None:
        facts.client_random = body[2:34]
    pos = 34
    pos += 1 + body[pos]  # session id
    if pos + 2 > n:
        return
    pos += 2 + ((body[pos] << 8) | body[pos + 1])  # cipher suites
    if pos + 1 > n:
        return
    pos += 1 + body[pos]  # compression methods
    if pos + 2 > n:
        return
    stop = min(n, pos + 2 + ((body[pos] << 8) | body[pos + 1]))
    pos += 2
    while pos + 4 <= stop:
        s = pos + 4
        e = s + ((body[pos + 2] << 8) | body[pos + 3])
        if e > stop:
            return
        if body[pos] == 0 and body[pos + 1] == 0:  # server_name
            if facts.sni is None and e - s >= 5 and body[s + 2] == 0:
                ln = (body[s + 3] << 8) | body[s + 4]
                facts.sni = body[s + 5 : min(e, s + 5 + ln)].decode("ascii", "backslashreplace")
            return
        pos = e


def scan_sslv2_hello(data: bytes, facts: HelloFacts) -> None:
    """An SSLv2-framed CLIENT-HELLO (RFC 5246 Appendix E.2): its challenge is the random."""
    facts.client_hellos += 1
    if len(data) < 9:
        return
    spec = (data[3] << 8) | data[4]
    sid = (data[5] << 8) | data[6]
    chal = (data[7] << 8) | data[8]
    start = 9 + spec + sid
    challenge = data[start : start + chal]
    if facts.client_random is None and challenge:
        facts.client_random = challenge[-32:].rjust(32, b"\0")


def scan_server_hello(body: bytes, facts: HelloFacts) -> None:
    """ServerHello or HelloRetryRequest body (RFC 8446 §4.1.3)."""
    n = len(body)
    if n < 38:
        return
    legacy = (body[0] << 8) | body[1]
    hrr = body[2:34] == HRR_RANDOM
    pos = 34
    draft = (legacy >> 8) == 0x7F and (legacy & 0xFF) < 22
    if not draft:
        sid_len = body[pos]
        pos += 1 + sid_len
        facts.session_id_echo = sid_len > 0
    if pos + 2 > n:
        return
    suite = (body[pos] << 8) | body[pos + 1]
    pos += 2 if draft else 3
    version = legacy
    group = None
    alpn = None
    psk = False
    for etype, s, e in _exts(body, pos, n):
        if etype == 43 and e - s == 2:
            version = (body[s] << 8) | body[s + 1]
        elif etype in (51, 40) and e - s >= 2:
            group = (body[s] << 8) | body[s + 1]
        elif etype == 16 and e - s >= 3:
            ln = body[s + 2]
            alpn = body[s + 3 : s + 3 + ln].decode("ascii", "backslashreplace")
        elif etype == 41:
            psk = True
    if hrr:
        facts.hello_retry = True
        if facts.version is None:
            facts.version = version
        if facts.group is None:
            facts.group = group
        return
    if facts.cipher_suite is not None:
        return  # renegotiation: the summary keeps the first handshake
    facts.version = version
    facts.cipher_suite = suite
    facts.group = group if group is not None else facts.group
    facts.alpn = alpn
    facts.psk_accepted = psk


def scan_server_key_exchange(body: bytes, facts: HelloFacts) -> None:
    """The named curve of an ECDHE ServerKeyExchange (RFC 8422 §5.4); ECDHE_PSK
    puts a PSK identity hint first (RFC 5489 §2)."""
    from .registry import SUITES

    facts.server_key_exchange = True
    info = SUITES.get(facts.cipher_suite) if facts.cipher_suite is not None else None
    if info is None or info.kx not in ("ECDHE", "ECDHE_PSK", "ECDH"):
        return
    pos = 2 + ((body[0] << 8) | body[1]) if info.kx == "ECDHE_PSK" and len(body) >= 2 else 0
    if len(body) >= pos + 3 and body[pos] == 3 and facts.group is None:
        facts.group = (body[pos + 1] << 8) | body[pos + 2]


class HelloScanner:
    """Reads the hellos of one connection from its two byte streams.

    ``done`` becomes True once the summary cannot change any more: after a
    TLS 1.3 ServerHello (everything after it is encrypted), or before TLS 1.3
    after the ServerHelloDone (or the server's ChangeCipherSpec when resuming).
    Bytes are only copied when a record or message spans two chunks.
    """

    __slots__ = ("_first", "_hs", "bufs", "done", "facts")

    def __init__(self, facts: HelloFacts | None = None) -> None:
        self.facts = facts if facts is not None else HelloFacts()
        self.bufs = {"client": b"", "server": b""}
        self._hs = {"client": b"", "server": b""}
        self._first = {"client": True, "server": True}
        self.done = False

    def feed(self, direction: str, data: bytes) -> None:
        if self.done:
            return
        pend = self.bufs[direction]
        if pend:
            data = pend + data
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
                scan_sslv2_hello(data[2 : 2 + length], self.facts)
                pos = 2 + length
        server = direction == "server"
        while pos + 5 <= n:
            end = pos + 5 + ((data[pos + 3] << 8) | data[pos + 4])
            if end > n:
                break
            ctype = data[pos]
            if ctype == 22:
                self._handshake(direction, data, pos + 5, end)
            elif server and (ctype == 20 or ctype == 23):
                # a resumed handshake's ChangeCipherSpec, or data: the hellos are
                # over (a TLS 1.3 compatibility ChangeCipherSpec is not a sign)
                v = self.facts.version
                tls13 = v is not None and (v == 0x0304 or (v >> 8) == 0x7F)
                self.done = ctype == 23 or not tls13
            pos = end
            if self.done:
                return
        self.bufs[direction] = data[pos:] if pos < n else b""

    def _handshake(self, direction: str, data: bytes, start: int, end: int) -> None:
        pend = self._hs[direction]
        if pend:
            data = pend + data[start:end]
            start, end = 0, len(data)
        pos = start
        facts = self.facts
        while pos + 4 <= end:
            t = data[pos]
            stop = pos + 4 + ((data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3])
            if stop > end:
                break
            if direction == "client":
                if t == 1:
                    scan_client_hello(data[pos + 4 : stop], facts)
            elif t == 2:
                scan_server_hello(data[pos + 4 : stop], facts)
                v = facts.version
                settled = not facts.hello_retry or facts.cipher_suite is not None
                if settled and v is not None and (v == 0x0304 or (v >> 8) == 0x7F):
                    self.done = True
                    return
            elif t == 12:
                scan_server_key_exchange(data[pos + 4 : stop], facts)
            elif t == 14:
                self.done = True
                return
            pos = stop
        self._hs[direction] = data[pos:end] if pos < end else b""
