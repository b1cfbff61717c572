"""CoAP messages (RFC 7252 §3), the application protocol DTLS mostly carries
on constrained devices: read enough to follow a conversation (type, code,
message ID, token, options with the URI path, payload), never more.

A decrypted DTLS record is read as CoAP only when it is one: version 1, a
token of at most 8 bytes, a code of a request or a response class, and
options that end exactly where the payload marker or the message does
(:func:`looks_like_coap`).  Anything else stays bytes.
"""

from __future__ import annotations

from typing import Final

from .reader import Reader

TYPES: Final = {0: "CON", 1: "NON", 2: "ACK", 3: "RST"}
METHODS: Final = {1: "GET", 2: "POST", 3: "PUT", 4: "DELETE", 5: "FETCH", 6: "PATCH", 7: "iPATCH"}
#: RFC 7252 §12.2 (and RFC 7641, RFC 7959 for Observe and the blocks)
OPTIONS: Final = {
    1: "If-Match", 3: "Uri-Host", 4: "ETag", 5: "If-None-Match", 6: "Observe", 7: "Uri-Port",
    8: "Location-Path", 11: "Uri-Path", 12: "Content-Format", 14: "Max-Age", 15: "Uri-Query",
    17: "Accept", 20: "Location-Query", 23: "Block2", 27: "Block1", 28: "Size2",
    35: "Proxy-Uri", 39: "Proxy-Scheme", 60: "Size1",
}  # fmt: skip
_TEXT_OPTIONS: Final = frozenset({3, 8, 11, 15, 20, 35, 39})


#: RFC 7252 §5.9 (the response codes a learner meets most)
RESPONSES: Final = {
    65: "Created", 66: "Deleted", 67: "Valid", 68: "Changed", 69: "Content", 95: "Continue",
    128: "Bad Request", 129: "Unauthorized", 132: "Not Found", 133: "Method Not Allowed",
    160: "Internal Server Error", 163: "Service Unavailable",
}  # fmt: skip


def code_text(code: int) -> str:
    """``0.01 GET``, ``2.05 Content``: class.detail, and what it means."""
    text = f"{code >> 5}.{code & 0x1F:02d}"
    if code >> 5 == 0 and code in METHODS:
        text += f" {METHODS[code]}"
    elif code == 0:
        text += " (empty)"
    elif code in RESPONSES:
        text += f" {RESPONSES[code]}"
    return text


def _extended(data: bytes, p: int, nibble: int) -> tuple[int, int] | None:
    """RFC 7252 §3.1: 13 and 14 announce one or two more bytes; 15 is reserved."""
    if nibble < 13:
        return nibble, p
    if nibble == 13:
        return (data[p] + 13, p + 1) if p < len(data) else None
    if nibble == 14:
        return (int.from_bytes(data[p : p + 2], "big") + 269, p + 2) if p + 2 <= len(data) else None
    return None


def looks_like_coap(data: bytes) -> bool:
    if len(data) < 4 or data[0] >> 6 != 1 or data[0] & 0x0F > 8 or data[1] >> 5 not in (0, 2, 4, 5):
        return False
    p = 4 + (data[0] & 0x0F)
    if p > len(data):
        return False
    while p < len(data):
        if data[p] == 0xFF:
            return p + 1 < len(data)  # a marker must be followed by a payload
        b = data[p]
        delta = _extended(data, p + 1, b >> 4)
        if delta is None:
            return False
        length = _extended(data, delta[1], b & 0x0F)
        if length is None or length[1] + length[0] > len(data):
            return False
        p = length[1] + length[0]
    return True


def parse_coap(r: Reader) -> str:
    """The message's fields (the reader holds exactly one message); returns
    a one-line summary such as ``CON GET /hello (message ID 0x7a10)``."""
    b0 = r.u8("version_type_tkl", "coap.header", fmt=lambda v: (
        f"version {v >> 6}, {TYPES[(v >> 4) & 3]}, token length {v & 0x0F}"))  # fmt: skip
    mtype = TYPES[(b0 >> 4) & 3]
    code = r.u8("code", "coap.code", fmt=code_text)
    mid = r.u16("message_id", "coap.message_id", fmt=lambda v: f"0x{v:04x}")
    if b0 & 0x0F:
        r.raw("token", b0 & 0x0F, "coap.token")
    number = 0
    path: list[str] = []
    while r.remaining and r.peek(1) != b"\xff":
        head = r.peek(1)[0]
        with r.group("option", "coap.option") as node:
            r.u8(
                "delta_length",
                "coap.option_header",
                fmt=lambda v: f"delta {v >> 4}, length {v & 15}",
            )
            delta = _ext(r, head >> 4)
            length = _ext(r, head & 0x0F)
            number += delta
            name = OPTIONS.get(number, f"option {number}")
            text = number in _TEXT_OPTIONS
            value = r.raw("value", length, "coap.option_value", fmt=_text if text else _uint)
            if number == 11:
                path.append(value.decode("utf-8", "replace"))
            node.value = number
            node.display = f"{name}: {_text(value) if text else _uint(value)}"
    if r.remaining:
        r.u8("payload_marker", "coap.payload_marker", fmt=lambda v: "0xff: the payload follows")
        r.rest("payload", "coap.payload", fmt=_payload)
    what = code_text(code)
    where = " /" + "/".join(path) if path else ""
    return f"CoAP {mtype} {what}{where} (message ID 0x{mid:04x})"


def _ext(r: Reader, nibble: int) -> int:
    if nibble == 13:
        return r.u8("extended", "coap.option_extended") + 13
    if nibble == 14:
        return r.u16("extended", "coap.option_extended") + 269
    return nibble


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _uint(data: bytes) -> str:
    return str(int.from_bytes(data, "big")) if data else "(empty)"


def _payload(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{len(data)} bytes"
    return repr(text) if text.isprintable() else f"{len(data)} bytes"
