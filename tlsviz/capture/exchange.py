"""What the two sides say once the handshake is done: one application message
each way, so that a recording has application data to decrypt.

Three small, real protocols, written out byte for byte (no library):

* HTTP/1.1 (RFC 9112): a ``GET``/``HEAD`` request and a short text reply;
* HTTP/2 (RFC 9113) when ALPN picked ``h2``: the connection preface, SETTINGS,
  a HEADERS frame with HPACK (RFC 7541) static-table and literal fields, and
  for the reply HEADERS + DATA;
* MQTT 3.1.1 (OASIS, ``--mqtt``): CONNECT, CONNACK, a PUBLISH at QoS 0 and
  DISCONNECT.
"""

from __future__ import annotations

import struct
from typing import Final

from .. import __version__

__all__ = [
    "MQTT_CONNACK",
    "Step",
    "client_messages",
    "embedded_steps",
    "http1_reply",
    "http1_request",
]

#: ``(direction, bytes)``: one application message.
Step = tuple[str, bytes]

USER_AGENT: Final = f"tlsviz/{__version__}"
MQTT_TOPIC: Final = b"tlsviz/demo"
MQTT_PAYLOAD: Final = b"hello from tlsviz over MQTT"
#: CONNACK: session present 0, return code 0 (accepted); MQTT 3.1.1 §3.2.
MQTT_CONNACK: Final = bytes([0x20, 0x02, 0x00, 0x00])
MQTT_DISCONNECT: Final = bytes([0xE0, 0x00])
H2_PREFACE: Final = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  # RFC 9113 §3.4


def http1_request(host: str, method: str = "GET") -> bytes:
    return (
        f"{method} / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode()


def http1_reply(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


# -- HTTP/2 --------------------------------------------------------------------


def _frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    """RFC 9113 §4.1: 24-bit length, type, flags, 31-bit stream id."""
    return struct.pack("!I", len(payload))[1:] + struct.pack("!BBI", kind, flags, stream) + payload


def _hpack_literal(index: int, value: str) -> bytes:
    """RFC 7541 §6.2.1: literal with incremental indexing, indexed name
    (6-bit prefix), value as a plain (not Huffman) string (7-bit length)."""
    raw = value.encode()
    assert index < 63 and len(raw) < 127
    return bytes([0x40 | index, len(raw)]) + raw


# RFC 7541 Appendix A static table indexes.
_H_AUTHORITY, _H_METHOD, _H_METHOD_GET, _H_PATH_ROOT, _H_SCHEME_HTTPS = 1, 2, 2, 4, 7
_H_STATUS_200, _H_CONTENT_LENGTH, _H_CONTENT_TYPE, _H_USER_AGENT = 8, 28, 31, 58
_SETTINGS, _HEADERS, _DATA, _GOAWAY = 4, 1, 0, 7
_END_STREAM, _END_HEADERS, _ACK = 0x1, 0x4, 0x1


def h2_request(host: str, method: str = "GET") -> bytes:
    """Preface, an empty SETTINGS, and HEADERS for ``method /`` on stream 1."""
    fields = bytes([0x80 | _H_METHOD_GET]) if method == "GET" else _hpack_literal(_H_METHOD, method)
    fields += bytes([0x80 | _H_SCHEME_HTTPS, 0x80 | _H_PATH_ROOT])
    fields += _hpack_literal(_H_AUTHORITY, host) + _hpack_literal(_H_USER_AGENT, USER_AGENT)
    return (
        H2_PREFACE
        + _frame(_SETTINGS, 0, 0)
        + _frame(_HEADERS, _END_STREAM | _END_HEADERS, 1, fields)
    )


def h2_reply(body: bytes) -> bytes:
    """SETTINGS, the ACK of the client's, and a 200 with a text body on stream 1."""
    fields = bytes([0x80 | _H_STATUS_200])
    fields += _hpack_literal(_H_CONTENT_TYPE, "text/plain; charset=utf-8")
    fields += _hpack_literal(_H_CONTENT_LENGTH, str(len(body)))
    return (
        _frame(_SETTINGS, 0, 0)
        + _frame(_SETTINGS, _ACK, 0)
        + _frame(_HEADERS, _END_HEADERS, 1, fields)
        + _frame(_DATA, _END_STREAM, 1, body)
    )


def h2_goodbye() -> bytes:
    """The ACK of the server's SETTINGS and GOAWAY (last stream 1, NO_ERROR)."""
    return _frame(_SETTINGS, _ACK, 0) + _frame(_GOAWAY, 0, 0, struct.pack("!II", 1, 0))


# -- MQTT 3.1.1 ----------------------------------------------------------------


def _mqtt_string(s: bytes) -> bytes:
    return struct.pack("!H", len(s)) + s


def _mqtt_packet(first: int, body: bytes) -> bytes:
    """Fixed header: type/flags byte and the Remaining Length varint (§2.2.3)."""
    n, rem = len(body), bytearray()
    while True:
        n, digit = divmod(n, 128)
        rem.append(digit | (0x80 if n else 0))
        if not n:
            return bytes([first]) + bytes(rem) + body


def mqtt_connect(client_id: bytes = b"tlsviz") -> bytes:
    """CONNECT: protocol "MQTT" level 4, clean session, keep-alive 60 s (§3.1)."""
    body = _mqtt_string(b"MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60)
    return _mqtt_packet(0x10, body + _mqtt_string(client_id))


def mqtt_publish() -> bytes:
    """PUBLISH at QoS 0: no packet identifier, no acknowledgement (§3.3)."""
    return _mqtt_packet(0x30, _mqtt_string(MQTT_TOPIC) + MQTT_PAYLOAD)


# -- the exchanges -------------------------------------------------------------


def embedded_steps(app: str, alpn: str | None, host: str, body: bytes) -> list[Step]:
    """The in-process conversation, each message with its sender."""
    if app == "mqtt":
        return [
            ("client", mqtt_connect()),
            ("server", MQTT_CONNACK),
            ("client", mqtt_publish() + MQTT_DISCONNECT),
        ]
    if alpn == "h2":
        return [
            ("client", h2_request(host)),
            ("server", h2_reply(body)),
            ("client", h2_goodbye()),
        ]
    return [("client", http1_request(host)), ("server", http1_reply(body))]


def client_messages(app: str, alpn: str | None, host: str, method: str) -> tuple[bytes, bytes]:
    """What a client says to a real server: the request, and what it sends
    after the reply before closing (may be empty)."""
    if app == "mqtt":
        return mqtt_connect(), mqtt_publish() + MQTT_DISCONNECT
    if alpn == "h2":
        return h2_request(host, method), h2_goodbye()
    return http1_request(host, method), b""
