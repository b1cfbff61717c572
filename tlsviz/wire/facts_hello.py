"""The hellos and the ServerKeyExchange read without field trees.

:func:`server_hello_facts`, :func:`client_hello_facts`,
:func:`sslv2_client_hello_facts` and :func:`server_key_exchange_group` give
what the summary, the quick Finished check and the decoder without field
trees (:mod:`.quickhello`) need of these messages, and accept exactly what
the decoder accepts (see :mod:`.facts`; tests/test_facts.py holds them to
the decoder field by field).  They run once per connection of a big capture,
so they read with index arithmetic and build one small object each.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from .._slots import Slotted
from .facts import (
    ALPN,
    DRAFT_KEY_SHARE,
    ENCRYPT_THEN_MAC,
    HRR_RANDOM,
    KEY_SHARE,
    NAMED_CURVE,
    PRE_SHARED_KEY,
    PSK_KEY_EXCHANGES,
    SERVER_NAME,
    SESSION_TICKET,
    SUPPORTED_VERSIONS,
    signed_by_server,
)
from .facts_ext import (
    _ext_end,
    _u16,
    alpn_names,
    extension_spans,
    key_share_entry,
    psk_offer,
    server_name,
)

# -- ServerHello ------------------------------------------------------------------


class ServerHelloFacts(Slotted):
    """What a ServerHello (or HelloRetryRequest) settles."""

    __slots__ = (
        "_end",
        "_extensions_at",
        "alpn",
        "cipher_suite",
        "compression_method",
        "data",
        "encrypt_then_mac",
        "group",
        "hello_retry",
        "key_share",
        "legacy_version",
        "psk_selected",
        "random",
        "session_id",
        "version",
    )

    def __init__(
        self,
        legacy_version: int,
        random: bytes,
        session_id: bytes,
        cipher_suite: int,
        compression_method: int,
        hello_retry: bool,
    ) -> None:
        self.legacy_version = legacy_version
        self.random = random
        self.session_id = session_id
        self.cipher_suite = cipher_suite
        self.compression_method = compression_method
        self.hello_retry = hello_retry
        #: the negotiated version (see negotiated_version)
        self.version = legacy_version
        #: the key share's group, or the group a HelloRetryRequest asks for
        self.group: int | None = None
        #: (group, key_exchange, offset of the key) of a ServerHello's key share
        self.key_share: tuple[int, bytes, int] | None = None
        self.alpn: str | None = None
        #: pre_shared_key's selected_identity: the server accepted that PSK
        self.psk_selected: int | None = None
        #: RFC 7366: records are MACed after encryption (CBC suites)
        self.encrypt_then_mac = False
        self.data = b""
        self._extensions_at = self._end = 0

    @property
    def extensions(self) -> list[tuple[int, int, int]]:
        """(type, start, end) of each extension, in the bytes given to
        :func:`server_hello_facts`."""
        return extension_spans(self.data, self._extensions_at, self._end) or []

    def has(self, etype: int) -> bool:
        return any(t == etype for t, _, _ in self.extensions)


def server_hello_facts(data: bytes, start: int = 0, end: int = -1) -> ServerHelloFacts | None:
    """The facts of the ServerHello body at ``data[start:end]`` (after the
    4-byte handshake header; ``end`` -1: the end of ``data``); None when the
    decoder cannot decode it.  RFC 8446 §4.1.3, RFC 5246 §7.4.1.3.

    The extensions are walked here rather than with :func:`extension_spans`
    (the same framing): this runs once per connection of a big capture."""
    if end < 0:
        end = len(data)
    sv = ks = dks = alpn = psk = -1
    try:
        p = start
        legacy = (data[p] << 8) | data[p + 1]
        random = data[p + 2 : p + 34]
        p += 34
        if (legacy >> 8) == 0x7F and (legacy & 0xFF) < 22:  # old_draft(legacy)
            # drafts before -22: no session id echo, no compression method, and
            # no HelloRetryRequest by random (it was a message type of its own)
            f = ServerHelloFacts(legacy, random, b"", (data[p] << 8) | data[p + 1], 0, False)
            p += 2
        else:
            sid = data[p + 1 : p + 1 + data[p]]
            p += 1 + data[p]
            f = ServerHelloFacts(
                legacy, random, sid, (data[p] << 8) | data[p + 1], data[p + 2], random == HRR_RANDOM
            )
            p += 3
        if p >= end:
            return f if p == end else None  # no extensions (TLS 1.2 allows it)
        f.data, f._extensions_at, f._end = data, p, end
        stop = p + 2 + ((data[p] << 8) | data[p + 1])
        if stop > end:
            return None
        p += 2
        # the first of each type counts (the decoder warns about the others);
        # an extension that runs past the vector leaves p past its end
        while p < stop:
            if data[p + 1] in _SERVER_WANTS and not data[p]:
                t = data[p + 1]
                if t == SUPPORTED_VERSIONS:
                    if sv < 0:
                        sv = p
                elif t == KEY_SHARE:
                    if ks < 0:
                        ks = p
                elif t == ALPN:
                    if alpn < 0:
                        alpn = p
                elif t == PRE_SHARED_KEY:
                    if psk < 0:
                        psk = p
                elif t == DRAFT_KEY_SHARE:
                    if dks < 0:
                        dks = p
                else:  # the decoder reads it as a flag, whatever it holds
                    f.encrypt_then_mac = True
            p += 4 + ((data[p + 2] << 8) | data[p + 3])
    except IndexError:  # a field past the end of the bytes
        return None
    if p != stop:
        return None
    # each value as the decoder's extension parsers read it: a 2-byte value
    # needs 2 bytes (more is a warning), anything shorter has no value
    if sv >= 0 and ((data[sv + 2] << 8) | data[sv + 3]) >= 2:
        f.version = (data[sv + 4] << 8) | data[sv + 5]  # negotiated_version
    if alpn >= 0:
        names = alpn_names(data, alpn + 4, alpn + 4 + ((data[alpn + 2] << 8) | data[alpn + 3]))
        f.alpn = names[0] if names else None
    hrr = f.hello_retry
    if psk >= 0 and not hrr and ((data[psk + 2] << 8) | data[psk + 3]) >= 2:
        # (in a HelloRetryRequest the extension would be read as an offer)
        f.psk_selected = (data[psk + 4] << 8) | data[psk + 5]
    if ks >= 0 or dks >= 0:
        # key_share, or the draft's key_share when the first is absent or
        # does not parse
        for at in (ks, dks):
            if at < 0:
                continue
            e = at + 4 + ((data[at + 2] << 8) | data[at + 3])
            if hrr:
                f.group = _u16(data, at + 4, e)
            else:
                f.key_share = entry = key_share_entry(data, at + 4, e)
                f.group = entry[0] if entry is not None else None
            if f.group is not None:
                break
    return f


#: the extension types the readers below look at (all below 256)
_SERVER_WANTS: Final = frozenset(
    {SUPPORTED_VERSIONS, KEY_SHARE, ALPN, PRE_SHARED_KEY, DRAFT_KEY_SHARE, ENCRYPT_THEN_MAC}
)
_CLIENT_WANTS: Final = frozenset({SERVER_NAME, SESSION_TICKET, PRE_SHARED_KEY})


# -- ClientHello ------------------------------------------------------------------


class ClientHelloFacts(Slotted):
    """What a ClientHello offers, as far as the summary and resumption ask:
    its random, session id, server name, and where its session ticket and
    PSK offer are (read on demand: most connections never ask)."""

    __slots__ = ("_psk", "_ticket", "data", "random", "session_id", "sni", "sslv2")

    def __init__(self, data: bytes, random: bytes, session_id: bytes, sslv2: bool = False) -> None:
        self.data = data
        self.random = random
        self.session_id = session_id
        self.sni: str | None = None
        self.sslv2 = sslv2
        self._ticket: tuple[int, int] | None = None
        self._psk: tuple[int, int] | None = None

    @property
    def ticket(self) -> bytes | None:
        """RFC 5077 §3.2: the SessionTicket extension's ticket (empty: 'I
        support tickets'); None without the extension."""
        t = self._ticket
        return self.data[t[0] : t[1]] if t is not None else None

    def psk_identities(self) -> tuple[tuple[bytes, int], ...] | None:
        """The PSK identities offered, with their obfuscated ticket ages;
        None without a pre_shared_key extension that parses."""
        if self._psk is None:
            return None
        offer = psk_offer(self.data, *self._psk)
        return offer[0] if offer is not None else None


def _client_hello_prefix(
    data: bytes, start: int, end: int, dtls: bool = False
) -> tuple[int, int, int] | None:
    """Where a ClientHello body's session id, cipher suites and compression
    methods end; None when the decoder cannot decode them (RFC 8446 §4.1.2:
    the suites are a list of 2-byte values).  In DTLS a cookie follows the
    session id (RFC 6347 §4.2.1); the suites then start after it."""
    try:
        p = start + 34
        sid_end = p + 1 + data[p]
        s = sid_end
        if dtls:
            s += 1 + data[s]
            if s > end:
                return None
        p = s + 2 + ((data[s] << 8) | data[s + 1])
        if (p - s) & 1 or p >= end:
            return None
        methods_end = p + 1 + data[p]
    except IndexError:
        return None
    return (sid_end, p, methods_end) if methods_end <= end else None


def client_hello_layout(
    data: bytes, start: int, end: int, *, dtls: bool = False
) -> tuple[int, int, list[tuple[int, int, int]]] | None:
    """Where a ClientHello body's parts end: (session id, cipher suites,
    extensions' spans); the compression methods lie between the suites and
    the extensions (in DTLS the cookie lies between the session id and the
    suites).  None when the decoder cannot decode the message."""
    prefix = _client_hello_prefix(data, start, end, dtls)
    if prefix is None:
        return None
    spans = extension_spans(data, prefix[2], end)
    return (prefix[0], prefix[1], spans) if spans is not None else None


def client_hello_facts(
    data: bytes, start: int = 0, end: int = -1, *, dtls: bool = False
) -> ClientHelloFacts | None:
    """The facts of the ClientHello body at ``data[start:end]``; None when the
    decoder cannot decode it.  RFC 8446 §4.1.2, RFC 5246 §7.4.1.2.

    The extensions are walked here rather than with :func:`extension_spans`
    (the same framing, which a test holds it to): this runs once per
    connection of a big capture, and a list of every extension would cost a
    tenth of the summary's time."""
    if end < 0:
        end = len(data)
    prefix = _client_hello_prefix(data, start, end, dtls)
    if prefix is None:
        return None
    sid_end, _, p = prefix
    sni = ticket = psk = -1
    if p < end:
        try:
            stop = p + 2 + ((data[p] << 8) | data[p + 1])
            if stop > end:
                return None
            p += 2
            # the first of each type counts; an extension that runs past the
            # vector leaves p past its end
            while p < stop:
                if data[p + 1] in _CLIENT_WANTS and not data[p]:
                    t = data[p + 1]
                    if t == SERVER_NAME:
                        if sni < 0:
                            sni = p
                    elif t == SESSION_TICKET:
                        if ticket < 0:
                            ticket = p
                    elif t == PRE_SHARED_KEY and psk < 0:
                        psk = p
                p += 4 + ((data[p + 2] << 8) | data[p + 3])
        except IndexError:  # a header past the end of the bytes
            return None
        if p != stop:
            return None
    facts = ClientHelloFacts(data, data[start + 2 : start + 34], data[start + 35 : sid_end])
    if sni >= 0:
        facts.sni = server_name(data, sni + 4, sni + 4 + ((data[sni + 2] << 8) | data[sni + 3]))
    if ticket >= 0:
        facts._ticket = (ticket + 4, _ext_end(data, ticket))
    if psk >= 0:
        facts._psk = (psk + 4, _ext_end(data, psk))
    return facts


def sslv2_client_hello_facts(data: bytes, start: int = 0, end: int = -1) -> ClientHelloFacts | None:
    """An SSLv2-framed CLIENT-HELLO's facts (RFC 5246 Appendix E.2), from the
    message (after the 2-byte record header): its challenge is the client
    random, left-padded with zeros to 32 bytes."""
    if end < 0:
        end = len(data)
    p = start
    if p + 9 > end:
        return None
    spec = (data[p + 3] << 8) | data[p + 4]
    sid = (data[p + 5] << 8) | data[p + 6]
    chal = (data[p + 7] << 8) | data[p + 8]
    p += 9
    if spec % 3 or p + spec + sid + chal > end:
        return None
    p += spec
    session_id = data[p : p + sid]
    challenge = data[p + sid : p + sid + chal]
    return ClientHelloFacts(data, challenge[-32:].rjust(32, b"\0"), session_id, sslv2=True)


# -- ServerKeyExchange ----------------------------------------------------------


@functools.cache
def _suites() -> dict[int, Any]:
    """The cipher suites' registry, loaded on first use (only servers of TLS
    1.2 and older send a ServerKeyExchange)."""
    from .registry import SUITES

    return SUITES


#: the length prefixes (bytes) of each key exchange's ServerKeyExchange
#: parameters, other than a named curve's (RFC 5246 §7.4.3, RFC 5054 §2.8)
_PARAMS: Final = {
    "DHE": (2, 2, 2),
    "DH": (2, 2, 2),
    "DHE_PSK": (2, 2, 2),
    "RSA_EXPORT": (2, 2),
    "RSA": (2, 2),
    "SRP": (2, 2, 1, 2),
}


def _vector(data: bytes, p: int, end: int, size: int) -> int:
    """The end of the ``size``-byte-length-prefixed vector at ``p``, or -1
    when it runs past ``end``."""
    if p + size > end:
        return -1
    n = data[p] if size == 1 else (data[p] << 8) | data[p + 1]
    return p + size + n if p + size + n <= end else -1


def server_key_exchange_group(
    data: bytes, start: int, end: int, cipher_suite: int | None, version: int | None
) -> tuple[bool, int | None]:
    """(decodes, named group) of the ServerKeyExchange body at
    ``data[start:end]`` under the negotiated suite and version, as the
    decoder reads it: RFC 8422 §5.4 (ECDHE: curve type, named curve, point),
    RFC 5246 §7.4.3 (DHE, RSA_EXPORT), RFC 5054 §2.8 (SRP), then the
    signature unless the suite is anonymous or PSK-authenticated; RFC 4279
    §2-4 and RFC 5489 §2 (PSK: an identity hint first).  ``decodes`` is False
    when the decoder would reject the message; the group is None when the
    message names none."""
    info = _suites().get(cipher_suite) if cipher_suite is not None else None
    if info is None:
        return True, None  # without a suite the decoder keeps the bytes raw
    kx = info.kx
    p = start
    if kx in PSK_KEY_EXCHANGES:
        p = _vector(data, p, end, 2)  # psk_identity_hint
        if p < 0:
            return False, None
        if kx in ("PSK", "RSA_PSK"):
            return True, None
    group = None
    if kx in ("ECDHE", "ECDHE_PSK", "ECDH"):
        if p >= end:
            return False, None
        if data[p] != NAMED_CURVE:
            return True, None  # explicit curves: kept raw
        if p + 3 > end:
            return False, None
        group = (data[p + 1] << 8) | data[p + 2]
        p = _vector(data, p + 3, end, 1)  # the point
    elif kx in _PARAMS and (kx != "RSA" or p < end):
        for size in _PARAMS[kx]:
            p = _vector(data, p, end, size)
            if p < 0:
                break
    else:
        return True, None  # parameters the decoder keeps raw
    if p < 0:
        return False, None
    if signed_by_server(kx, info.auth) and (p < end or kx not in ("DH", "ECDH")):
        if version is None or version >= 0x0303:
            p += 2  # SignatureAndHashAlgorithm
        if p > end or _vector(data, p, end, 2) < 0:
            return False, None
    return True, group
