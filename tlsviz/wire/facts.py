"""Protocol facts: the decisions every view of a handshake shares.

Which version a ServerHello negotiates (drafts included), whether it is a
HelloRetryRequest, which group, ALPN protocol and PSK it selects, what a
ClientHello offers, which group a ServerKeyExchange names, and whether (and
how) a handshake resumed an earlier session: each is decided here, once.

Two kinds of caller read the hellos.  The decoder (:mod:`.hello`,
:mod:`.extensions`) builds a field tree for every byte and takes its
decisions from the predicates below (:data:`HRR_RANDOM`, :func:`old_draft`,
:func:`negotiated_version`, :func:`is_tls13`).  The fast paths (the decoder
without field trees in :mod:`.quickhello`, the summary of big captures in
:mod:`tlsviz.summary`, the quick Finished check) need a handful of values and
no fields: they call the parsers here (:func:`server_hello_facts`,
:func:`client_hello_facts`, :func:`server_key_exchange_group`), which read
with plain index arithmetic and accept exactly the messages the decoder
accepts (a message the decoder rejects gives None; an extension it cannot
parse gives no value), a property the tests check field by field on every
capture at hand and on mutated hellos.

The module is stdlib-only and light (no dataclasses, no registry at import):
``decode --summary`` loads it at start-up.  Numbers are named after their IANA
names; a test checks them against :mod:`.registry`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, Final

from .._slots import Slotted

# -- IANA numbers the fast paths compare against -----------------------------------

#: TLS ContentType (RFC 8446 §5.1)
CHANGE_CIPHER_SPEC: Final = 20
ALERT: Final = 21
HANDSHAKE: Final = 22
APPLICATION_DATA: Final = 23
#: HandshakeType (RFC 8446 §4, RFC 5246 §7.4)
CLIENT_HELLO: Final = 1
SERVER_HELLO: Final = 2
NEW_SESSION_TICKET: Final = 4
ENCRYPTED_EXTENSIONS: Final = 8
SERVER_KEY_EXCHANGE: Final = 12
SERVER_HELLO_DONE: Final = 14
CLIENT_KEY_EXCHANGE: Final = 16
FINISHED: Final = 20
KEY_UPDATE: Final = 24
#: ExtensionType
SERVER_NAME: Final = 0
ALPN: Final = 16
ENCRYPT_THEN_MAC: Final = 22
EXTENDED_MASTER_SECRET: Final = 23
SESSION_TICKET: Final = 35
DRAFT_KEY_SHARE: Final = 40  # key_share before TLS 1.3 draft 23
PRE_SHARED_KEY: Final = 41
SUPPORTED_VERSIONS: Final = 43
KEY_SHARE: Final = 51
#: ProtocolVersion
TLS13: Final = 0x0304
#: ECCurveType named_curve (RFC 8422 §5.4)
NAMED_CURVE: Final = 3

#: RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is
#: SHA-256("HelloRetryRequest") (a test checks the digest).
HRR_RANDOM: Final = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
)


# -- versions ---------------------------------------------------------------------


def is_tls13(version: int | None) -> bool:
    """TLS 1.3 or one of its drafts (0x7fNN): everything after the
    ServerHello is encrypted, and the version lives in supported_versions."""
    return version is not None and (version == TLS13 or (version >> 8) == 0x7F)


def old_draft(legacy_version: int) -> bool:
    """A ServerHello in the format of TLS 1.3 drafts before -22: the version
    itself in legacy_version, no session id echo, no compression method."""
    return (legacy_version >> 8) == 0x7F and (legacy_version & 0xFF) < 22


def negotiated_version(legacy_version: int, selected: Any) -> int:
    """RFC 8446 §4.2.1: supported_versions' selected_version when the
    ServerHello has one (TLS 1.3), otherwise legacy_version."""
    return selected if isinstance(selected, int) else legacy_version


# -- extensions -------------------------------------------------------------------


def extension_spans(data: bytes, pos: int, end: int) -> list[tuple[int, int, int]] | None:
    """(type, start, end) of each extension of the ``extensions`` vector at
    ``data[pos:end]``, as the decoder frames them: an absent vector (nothing
    left, as TLS 1.2 allows) is empty; a vector or an extension that claims
    more bytes than there are makes the whole message undecodable (None).
    Bytes after the vector are the decoder's warning, not a failure."""
    if pos >= end:
        return []
    if pos + 2 > end:
        return None
    stop = pos + 2 + ((data[pos] << 8) | data[pos + 1])
    if stop > end:
        return None
    pos += 2
    out: list[tuple[int, int, int]] = []
    while pos < stop:
        if pos + 4 > stop:
            return None
        s = pos + 4
        e = s + ((data[pos + 2] << 8) | data[pos + 3])
        if e > stop:
            return None
        out.append(((data[pos] << 8) | data[pos + 1], s, e))
        pos = e
    return out


def _first(spans: list[tuple[int, int, int]], etype: int) -> tuple[int, int, int] | None:
    """The first extension of a type: the decoder reads the first and warns
    about duplicates."""
    for span in spans:
        if span[0] == etype:
            return span
    return None


def _u16(data: bytes, s: int, e: int) -> int | None:
    """A 2-byte value at the start of an extension (bytes after it are a
    warning, too few bytes no value)."""
    return (data[s] << 8) | data[s + 1] if e - s >= 2 else None


def alpn_names(data: bytes, s: int, e: int) -> list[str] | None:
    """RFC 7301 §3.1: the protocol_name_list of an ALPN extension; None when
    it does not parse."""
    if e - s < 2:
        return None
    stop = s + 2 + ((data[s] << 8) | data[s + 1])
    if stop > e:
        return None
    names: list[str] = []
    p = s + 2
    while p < stop:
        n = data[p]
        if p + 1 + n > stop:
            return None
        names.append(data[p + 1 : p + 1 + n].decode("ascii", "backslashreplace"))
        p += 1 + n
    return names


def key_share_entry(data: bytes, s: int, e: int) -> tuple[int, bytes, int] | None:
    """RFC 8446 §4.2.8: one KeyShareEntry (group, key_exchange, where the key
    starts); None when it does not parse."""
    if e - s < 4:
        return None
    n = (data[s + 2] << 8) | data[s + 3]
    if s + 4 + n > e:
        return None
    return (data[s] << 8) | data[s + 1], data[s + 4 : s + 4 + n], s + 4


def server_name(data: bytes, s: int, e: int) -> str | None:
    """RFC 6066 §3: the first host_name of a ClientHello's server_name list;
    None when the extension does not parse or names no host."""
    if e - s < 2:
        return None
    stop = s + 2 + ((data[s] << 8) | data[s + 1])
    if stop > e:
        return None
    host = None
    p = s + 2
    while p < stop:
        if p + 3 > stop:
            return None
        n = (data[p + 1] << 8) | data[p + 2]
        if p + 3 + n > stop:
            return None
        if data[p] == 0 and host is None:
            host = data[p + 3 : p + 3 + n].decode("ascii", "backslashreplace")
        p += 3 + n
    return host


def psk_offer(
    data: bytes, s: int, e: int
) -> tuple[tuple[tuple[bytes, int], ...], tuple[bytes, ...], int] | None:
    """RFC 8446 §4.2.11: a ClientHello's pre_shared_key (identities with
    their obfuscated ticket ages, binders, where the binders vector starts);
    None when it does not parse."""
    if e - s < 2:
        return None
    stop = s + 2 + ((data[s] << 8) | data[s + 1])
    if stop > e:
        return None
    identities: list[tuple[bytes, int]] = []
    p = s + 2
    while p < stop:
        if p + 2 > stop:
            return None
        n = (data[p] << 8) | data[p + 1]
        if p + 6 + n > stop:
            return None
        age = int.from_bytes(data[p + 2 + n : p + 6 + n], "big")
        identities.append((data[p + 2 : p + 2 + n], age))
        p += 6 + n
    binders_at = p
    if p + 2 > e:
        return None
    stop = p + 2 + ((data[p] << 8) | data[p + 1])
    if stop > e:
        return None
    binders: list[bytes] = []
    p += 2
    while p < stop:
        n = data[p]
        if p + 1 + n > stop:
            return None
        binders.append(data[p + 1 : p + 1 + n])
        p += 1 + n
    return tuple(identities), tuple(binders), binders_at


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
        while p < stop:  # the first of each type counts (the decoder warns about the others)
            e = p + 4 + ((data[p + 2] << 8) | data[p + 3])
            if e > stop:
                return None
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
                elif t == DRAFT_KEY_SHARE and dks < 0:
                    dks = p
            p = e
    except IndexError:  # a field past the end of the bytes
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
    {SUPPORTED_VERSIONS, KEY_SHARE, ALPN, PRE_SHARED_KEY, DRAFT_KEY_SHARE}
)
_CLIENT_WANTS: Final = frozenset({SERVER_NAME, SESSION_TICKET, PRE_SHARED_KEY})


def _ext_end(data: bytes, at: int) -> int:
    """Where the extension whose header is at ``at`` ends."""
    return at + 4 + ((data[at + 2] << 8) | data[at + 3])


def encrypted_extensions_alpn(data: bytes, start: int, end: int) -> tuple[bool, str | None]:
    """(decodes, selected ALPN protocol) of an EncryptedExtensions body: TLS
    1.3 moved the server's ALPN answer there (RFC 8446 §4.3.1).  Its
    extensions vector is not optional."""
    spans = extension_spans(data, start, end) if start < end else None
    if spans is None:
        return False, None
    span = _first(spans, ALPN)
    names = alpn_names(data, span[1], span[2]) if span is not None else None
    return True, names[0] if names else None


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


def _client_hello_prefix(data: bytes, start: int, end: int) -> tuple[int, int, int] | None:
    """Where a ClientHello body's session id, cipher suites and compression
    methods end; None when the decoder cannot decode them (RFC 8446 §4.1.2:
    the suites are a list of 2-byte values)."""
    try:
        p = start + 34
        sid_end = p + 1 + data[p]
        p = sid_end + 2 + ((data[sid_end] << 8) | data[sid_end + 1])
        if (p - sid_end) & 1 or p >= end:
            return None
        methods_end = p + 1 + data[p]
    except IndexError:
        return None
    return (sid_end, p, methods_end) if methods_end <= end else None


def client_hello_layout(
    data: bytes, start: int, end: int
) -> tuple[int, int, list[tuple[int, int, int]]] | None:
    """Where a ClientHello body's parts end: (session id, cipher suites,
    extensions' spans); the compression methods lie between the suites and
    the extensions.  None when the decoder cannot decode the message."""
    prefix = _client_hello_prefix(data, start, end)
    if prefix is None:
        return None
    spans = extension_spans(data, prefix[2], end)
    return (prefix[0], prefix[1], spans) if spans is not None else None


def client_hello_facts(data: bytes, start: int = 0, end: int = -1) -> ClientHelloFacts | None:
    """The facts of the ClientHello body at ``data[start:end]``; None when the
    decoder cannot decode it.  RFC 8446 §4.1.2, RFC 5246 §7.4.1.2.

    The extensions are walked here rather than with :func:`extension_spans`
    (the same framing, which a test holds it to): this runs once per
    connection of a big capture, and a list of every extension would cost a
    tenth of the summary's time."""
    if end < 0:
        end = len(data)
    prefix = _client_hello_prefix(data, start, end)
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
            while p < stop:  # the first of each type counts
                e = p + 4 + ((data[p + 2] << 8) | data[p + 3])
                if e > stop:
                    return None
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
                p = e
        except IndexError:  # a header past the end of the bytes
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


# -- ServerKeyExchange ------------------------------------------------------------

#: key exchanges whose ServerKeyExchange carries a PSK identity hint first
#: (RFC 4279 §2-4, RFC 5489 §2)
PSK_KEY_EXCHANGES: Final = frozenset({"PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK"})


def signed_by_server(kx: str, auth: str) -> bool:
    """Does a ServerKeyExchange of this key exchange and authentication carry
    a signature?  Not for anonymous and PSK-authenticated exchanges."""
    return auth not in ("anon", "PSK", "NULL") and kx not in PSK_KEY_EXCHANGES


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


# -- connection facts -------------------------------------------------------------


def connection_group(
    server_hello_group: int | None, key_exchange_group: int | None, retry_group: int | None
) -> int | None:
    """The key-exchange group of a connection: the ServerHello's key share
    (TLS 1.3), else the ServerKeyExchange's named curve (TLS 1.2 and older),
    else the group a HelloRetryRequest asked for (the handshake went no
    further)."""
    if server_hello_group is not None:
        return server_hello_group
    if key_exchange_group is not None:
        return key_exchange_group
    return retry_group


#: the server's flight as far as resumption asks (:func:`flight_step`)
FLIGHT_START: Final = 0
FLIGHT_HELLO: Final = 1  # a ServerHello, nothing that settles the question yet
FLIGHT_ABBREVIATED: Final = 2
FLIGHT_FULL: Final = 3


def flight_step(state: int, message: str) -> int:
    """The server's flight after one more of its messages (its type name, as
    the decoder names it).  RFC 5246 §7.3: a resumed handshake goes from the
    ServerHello straight to the server's ChangeCipherSpec (a NewSessionTicket
    may come between, RFC 5077 §3.1), with no ServerHelloDone."""
    if state >= FLIGHT_ABBREVIATED:
        return state
    if message == "ChangeCipherSpec":
        return FLIGHT_ABBREVIATED if state == FLIGHT_HELLO else FLIGHT_FULL
    if message == "ServerHelloDone":
        return FLIGHT_FULL
    if message == "ServerHello":
        return FLIGHT_HELLO
    return state


def abbreviated_handshake(server_messages: Iterable[str]) -> bool:
    """Did the server resume with an abbreviated handshake (see
    :func:`flight_step`)?  ``server_messages``: the type names of the
    server's messages in order."""
    state = FLIGHT_START
    for name in server_messages:
        state = flight_step(state, name)
        if state >= FLIGHT_ABBREVIATED:
            break
    return state == FLIGHT_ABBREVIATED


def resumption(
    version: int | None,
    client_session_id: bytes | None,
    server_session_id: bytes | None,
    client_ticket: bytes | None,
    psk_selected: int | None,
    abbreviated: bool,
) -> str | None:
    """How a handshake resumed an earlier session: ``"session_id"``,
    ``"ticket"`` (TLS 1.2 and older, RFC 5077), ``"psk"`` (TLS 1.3), or None
    for a full handshake (or no ServerHello).

    - TLS 1.3 (RFC 8446 §2.2, §4.2.11): the server selected one of the
      client's pre-shared keys.  The session id echo means nothing there
      (middlebox compatibility, §4.1.3).
    - Before (RFC 5246 §7.4.1.3): the server echoed the client's non-empty
      session id, or went from ServerHello straight to ChangeCipherSpec
      (``abbreviated``, see :func:`abbreviated_handshake`; a ticket may be
      accepted with an empty session id).  It resumed by ticket when the
      client offered a non-empty SessionTicket: a server that accepts a
      ticket echoes the session id the client sent with it (RFC 5077 §3.4),
      so the echo alone cannot tell the two apart; a server that rejects the
      ticket and still finds the session id in its cache is not told from
      the wire.
    """
    if version is None:
        return None
    if is_tls13(version):
        return "psk" if psk_selected is not None else None
    echoed = bool(server_session_id) and server_session_id == client_session_id
    if not (echoed or abbreviated):
        return None
    return "ticket" if client_ticket else "session_id"


def psk_origin(
    psk_selected: int | None, identities: Sequence[tuple[bytes, int]] | None
) -> str | None:
    """Where the PSK a TLS 1.3 server selected came from: ``"ticket"`` (a
    NewSessionTicket of an earlier connection) or ``"external"`` (agreed out
    of band); None when no PSK was selected or the offer cannot be read.
    RFC 8446 §4.2.11: a client sends an obfuscated_ticket_age of 0 for an
    external identity; a ticket's age is masked with a random 32-bit
    ticket_age_add, so it is 0 only by a 1-in-2^32 chance."""
    if psk_selected is None or identities is None or psk_selected >= len(identities):
        return None
    return "external" if identities[psk_selected][1] == 0 else "ticket"


def resumption_of(client_hello: Any, server_hello: Any, abbreviated: bool) -> str | None:
    """:func:`resumption` of the decoder's first ClientHello and its
    ServerHello (:class:`~.hello.ClientHello`, :class:`~.hello.ServerHello`;
    either may be None)."""
    if server_hello is None:
        return None
    ticket = client_hello.ext_value(SESSION_TICKET) if client_hello is not None else None
    return resumption(
        server_hello.version,
        client_hello.session_id if client_hello is not None else None,
        server_hello.session_id,
        ticket if isinstance(ticket, bytes) else None,
        server_hello.psk_selected,
        abbreviated,
    )


def psk_origin_of(client_hello: Any, server_hello: Any) -> str | None:
    """:func:`psk_origin` of the decoder's first ClientHello and its ServerHello."""
    if server_hello is None or client_hello is None or not is_tls13(server_hello.version):
        return None
    offer = client_hello.psk
    return psk_origin(server_hello.psk_selected, offer.identities if offer is not None else None)
