"""Typed hellos without field trees.

The decoder without field trees (``record_fields=False``) and the quick
Finished check of ``decode --summary --keylog`` need a ClientHello or
ServerHello as the key schedule reads it (versions, suites, key shares, PSK
offers), not the byte-by-byte explanation; these read them with plain index
arithmetic.  Kept apart from :mod:`.scan` so that a summary without keys does
not load the message classes.
"""

from __future__ import annotations

from .extensions import Extension, KeyShareEntry, PskOffer
from .hello import ClientHello, ServerHello
from .scan import HRR_RANDOM, _exts


def _ext_values(raw: bytes, pos: int, end: int, server: bool, hrr: bool) -> tuple[Extension, ...]:
    """Extensions with the values the key schedule reads; offsets are
    relative to ``raw``, the whole handshake message (header included)."""
    out: list[Extension] = []
    for etype, s, e in _exts(raw, pos, end):
        value: object = None
        try:
            if etype == 43:
                if server:
                    value = (raw[s] << 8) | raw[s + 1]
                else:
                    value = [(raw[p] << 8) | raw[p + 1] for p in range(s + 1, e - 1, 2)]
            elif etype in (51, 40):
                if hrr:
                    value = (raw[s] << 8) | raw[s + 1]
                elif server:
                    n = (raw[s + 2] << 8) | raw[s + 3]
                    value = KeyShareEntry((raw[s] << 8) | raw[s + 1], raw[s + 4 : s + 4 + n], s + 4)
                else:
                    shares = []
                    p = s + 2
                    while p + 4 <= e:
                        n = (raw[p + 2] << 8) | raw[p + 3]
                        shares.append(
                            KeyShareEntry((raw[p] << 8) | raw[p + 1], raw[p + 4 : p + 4 + n], p + 4)
                        )
                        p += 4 + n
                    value = shares
            elif etype == 41:
                value = raw[s] << 8 | raw[s + 1] if server else _psk_offer(raw, s, e)
            elif etype == 16:
                names = []
                p = s + 2
                while p < e:
                    n = raw[p]
                    names.append(raw[p + 1 : p + 1 + n].decode("ascii", "backslashreplace"))
                    p += 1 + n
                value = names
            elif etype == 0 and not server and e - s >= 5:
                n = (raw[s + 3] << 8) | raw[s + 4]
                value = raw[s + 5 : s + 5 + n].decode("ascii", "backslashreplace")
            elif etype in (22, 23, 42) and e == s:
                value = True
            elif etype == 35:
                value = raw[s:e]
        except IndexError:
            value = None
        out.append(Extension(etype, raw[s:e], s - 4, value))
    return tuple(out)


def _psk_offer(raw: bytes, s: int, e: int) -> PskOffer:
    n = (raw[s] << 8) | raw[s + 1]
    p, stop = s + 2, s + 2 + n
    identities = []
    while p + 2 <= stop:
        ln = (raw[p] << 8) | raw[p + 1]
        ident = raw[p + 2 : p + 2 + ln]
        age = int.from_bytes(raw[p + 2 + ln : p + 6 + ln], "big")
        identities.append((ident, age))
        p += 6 + ln
    binders_offset = stop
    binders = []
    p = stop + 2
    while p < e:
        ln = raw[p]
        binders.append(raw[p + 1 : p + 1 + ln])
        p += 1 + ln
    return PskOffer(tuple(identities), tuple(binders), binders_offset)


def quick_client_hello(raw: bytes) -> ClientHello | None:
    """A ClientHello from the whole message bytes, or None if it is malformed."""
    try:
        pos = 4 + 34
        sid = raw[pos + 1 : pos + 1 + raw[pos]]
        pos += 1 + raw[pos]
        n = (raw[pos] << 8) | raw[pos + 1]
        suites = tuple((raw[p] << 8) | raw[p + 1] for p in range(pos + 2, pos + 2 + n - 1, 2))
        pos += 2 + n
        methods = tuple(raw[pos + 1 : pos + 1 + raw[pos]])
        pos += 1 + raw[pos]
        exts = _ext_values(raw, pos, len(raw), False, False)
        return ClientHello((raw[4] << 8) | raw[5], raw[6:38], sid, suites, methods, exts)
    except IndexError:
        return None


def quick_server_hello(raw: bytes) -> ServerHello | None:
    """A ServerHello (or HelloRetryRequest) from the whole message bytes."""
    try:
        legacy = (raw[4] << 8) | raw[5]
        random = raw[6:38]
        hrr = random == HRR_RANDOM
        pos = 38
        if (legacy >> 8) == 0x7F and (legacy & 0xFF) < 22:
            suite = (raw[pos] << 8) | raw[pos + 1]
            exts = _ext_values(raw, pos + 2, len(raw), True, False)
            return ServerHello(legacy, random, b"", suite, 0, exts, False)
        sid = raw[pos + 1 : pos + 1 + raw[pos]]
        pos += 1 + raw[pos]
        suite = (raw[pos] << 8) | raw[pos + 1]
        method = raw[pos + 2]
        exts = _ext_values(raw, pos + 3, len(raw), True, hrr)
        return ServerHello(legacy, random, sid, suite, method, exts, hrr)
    except IndexError:
        return None
