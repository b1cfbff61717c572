"""Extensions read without field trees, as :mod:`.extensions` reads them.

The framing of an ``extensions`` vector and the values the fast paths need
(server_name, ALPN, key_share, pre_shared_key), each with the decoder's
checks: a vector or an extension that claims more bytes than there are makes
the message undecodable; a value that does not parse is no value; bytes left
after a value are the decoder's warning, not a failure.  See :mod:`.facts`.
"""

from __future__ import annotations

from .facts import ALPN

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
