"""Typed hellos without field trees.

The decoder without field trees (``record_fields=False``, the fallback of
``decode --summary`` with keys) needs a ClientHello or ServerHello as the key
schedule reads it (versions, suites, key shares, PSK offers), not the
byte-by-byte explanation.  The message is framed and its facts read by
:mod:`.facts_hello` (the one reader the decoder and the summary share); this module
only puts the values the key schedule reads into the decoder's classes, so
that a hello read either way answers alike (a test compares them on every
hello at hand).
"""

from __future__ import annotations

from .extensions import Extension, KeyShareEntry, PskOffer
from .facts import (
    ALPN,
    DRAFT_KEY_SHARE,
    ENCRYPT_THEN_MAC,
    EXTENDED_MASTER_SECRET,
    KEY_SHARE,
    PRE_SHARED_KEY,
    SERVER_NAME,
    SESSION_TICKET,
    SUPPORTED_VERSIONS,
)
from .facts_ext import alpn_names, key_share_entry, psk_offer, server_name
from .facts_hello import client_hello_layout, server_hello_facts
from .hello import ClientHello, ServerHello

#: extensions whose value is True when present (their bodies are empty)
_FLAGS = frozenset({ENCRYPT_THEN_MAC, EXTENDED_MASTER_SECRET, 42, 49})


def _server_value(raw: bytes, etype: int, s: int, e: int, hrr: bool) -> object:
    """An extension's value in a ServerHello, as :mod:`.extensions` gives it."""
    if etype == SUPPORTED_VERSIONS or (etype == PRE_SHARED_KEY and not hrr):
        return (raw[s] << 8) | raw[s + 1] if e - s >= 2 else None
    if etype in (KEY_SHARE, DRAFT_KEY_SHARE):
        if hrr:
            return (raw[s] << 8) | raw[s + 1] if e - s >= 2 else None
        entry = key_share_entry(raw, s, e)
        return KeyShareEntry(*entry) if entry is not None else None
    if etype == ALPN:
        return alpn_names(raw, s, e)
    if etype in _FLAGS:
        return True
    if etype == SESSION_TICKET:
        return raw[s:e]
    return None


def _client_value(raw: bytes, etype: int, s: int, e: int) -> object:
    """An extension's value in a ClientHello, as :mod:`.extensions` gives it."""
    if etype == SUPPORTED_VERSIONS:
        if e - s < 1 or s + 1 + raw[s] > e or raw[s] % 2:
            return None
        return [(raw[p] << 8) | raw[p + 1] for p in range(s + 1, s + 1 + raw[s], 2)]
    if etype in (KEY_SHARE, DRAFT_KEY_SHARE):
        if e - s < 2 or s + 2 + ((raw[s] << 8) | raw[s + 1]) > e:
            return None
        stop = s + 2 + ((raw[s] << 8) | raw[s + 1])
        shares = []
        p = s + 2
        while p < stop:
            entry = key_share_entry(raw, p, stop)
            if entry is None:
                return None
            shares.append(KeyShareEntry(*entry))
            p = entry[2] + len(entry[1])
        return shares
    if etype == PRE_SHARED_KEY:
        offer = psk_offer(raw, s, e)
        return PskOffer(*offer) if offer is not None else None
    if etype == ALPN:
        return alpn_names(raw, s, e)
    if etype == SERVER_NAME:
        return server_name(raw, s, e)
    if etype in _FLAGS:
        return True
    if etype == SESSION_TICKET:
        return raw[s:e]
    return None


def quick_client_hello(raw: bytes, head: int = 4, *, dtls: bool = False) -> ClientHello | None:
    """A ClientHello from the whole message bytes (a ``head``-byte header
    included: 12 in DTLS), or None when the decoder would not decode it."""
    layout = client_hello_layout(raw, head, len(raw), dtls=dtls)
    if layout is None:
        return None
    sid_end, suites_end, spans = layout
    cookie = None
    if dtls:
        cookie = raw[sid_end + 1 : sid_end + 1 + raw[sid_end]]
        sid_end += 1 + raw[sid_end]
    suites = tuple((raw[p] << 8) | raw[p + 1] for p in range(sid_end + 2, suites_end, 2))
    methods = tuple(raw[suites_end + 1 : suites_end + 1 + raw[suites_end]])
    exts = tuple(Extension(t, raw[s:e], s - 4, _client_value(raw, t, s, e)) for t, s, e in spans)
    sid = raw[head + 35 : head + 35 + raw[head + 34]]
    version = (raw[head] << 8) | raw[head + 1]
    return ClientHello(
        version, raw[head + 2 : head + 34], sid, suites, methods, exts, cookie=cookie
    )


def quick_server_hello(raw: bytes, head: int = 4) -> ServerHello | None:
    """A ServerHello (or HelloRetryRequest) from the whole message bytes."""
    f = server_hello_facts(raw, head)
    if f is None:
        return None
    hrr = f.hello_retry
    exts = tuple(
        Extension(t, raw[s:e], s - 4, _server_value(raw, t, s, e, hrr)) for t, s, e in f.extensions
    )
    return ServerHello(
        f.legacy_version, f.random, f.session_id, f.cipher_suite, f.compression_method, exts, hrr
    )
