"""Reading the other side's handshake messages with the decoder's own parsers.

The peer does not parse TLS a second way: every message goes through the
``parse_*`` functions of :mod:`tlsviz.wire` (the ones ``tlsviz decode`` uses),
with field recording turned off.  A message the decoder flags as malformed is
refused with a decode_error alert (RFC 8446 §6.2), as a real endpoint would.
"""

from __future__ import annotations

from typing import Any

from ..wire import registry as reg
from ..wire.fields import Severity
from ..wire.hello import parse_client_hello, parse_server_hello
from ..wire.keyexchange import parse_client_key_exchange, parse_server_key_exchange
from ..wire.messages import (
    parse_certificate,
    parse_certificate_request,
    parse_certificate_verify,
    parse_empty,
    parse_encrypted_extensions,
    parse_finished,
    parse_key_update,
    parse_new_session_ticket,
)
from ..wire.reader import DecodeError, Reader
from ..wire.registry import AlertDescription
from ..wire.registry import HandshakeType as HT

__all__ = ["PeerAlert", "parse_message"]


class PeerAlert(Exception):
    """A reason to abort: the alert to send and one sentence saying why."""

    def __init__(self, alert: int, reason: str) -> None:
        super().__init__(reason)
        self.alert = alert
        self.reason = reason


def parse_message(
    raw: bytes, *, tls13: bool, version: int | None = None, suite: reg.SuiteInfo | None = None
) -> Any:
    """The parsed body of one whole handshake message (header included in ``raw``).

    Raises :class:`PeerAlert` (decode_error) when the decoder cannot read it,
    and unexpected_message for a type the peer never accepts.
    """
    msg_type = raw[0]
    r = Reader(raw, 0, record=False)
    r.skip(4)
    name = reg.handshake_name(msg_type)
    try:
        body = _body(r, msg_type, tls13, version, suite)
        r.trailing(name)
    except DecodeError as err:
        raise PeerAlert(
            AlertDescription.decode_error, f"the {name} is malformed: {err.message}"
        ) from None
    bad = [d for d in r.diagnostics if d.severity in (Severity.ERROR, Severity.WARNING)]
    if bad:
        raise PeerAlert(AlertDescription.decode_error, f"the {name} is malformed: {bad[0].message}")
    return body


def _body(
    r: Reader, msg_type: int, tls13: bool, version: int | None, suite: reg.SuiteInfo | None
) -> Any:
    notes: list[str] = []
    if msg_type == HT.client_hello:
        return parse_client_hello(r, notes)
    if msg_type == HT.server_hello:
        return parse_server_hello(r, notes)
    if msg_type in (HT.server_hello_done, HT.end_of_early_data, HT.hello_request):
        return parse_empty(r, reg.handshake_name(msg_type))
    if msg_type == HT.new_session_ticket:
        return parse_new_session_ticket(r, tls13)
    if msg_type == HT.encrypted_extensions:
        return parse_encrypted_extensions(r)
    if msg_type == HT.certificate:
        return parse_certificate(r, tls13, [], False)
    if msg_type == HT.server_key_exchange:
        return parse_server_key_exchange(r, suite, version)
    if msg_type == HT.certificate_request:
        return parse_certificate_request(r, version, tls13)
    if msg_type == HT.certificate_verify:
        return parse_certificate_verify(r, version)
    if msg_type == HT.client_key_exchange:
        return parse_client_key_exchange(r, suite, version)
    if msg_type == HT.finished:
        return parse_finished(r)
    if msg_type == HT.key_update:
        return parse_key_update(r)
    raise PeerAlert(
        AlertDescription.unexpected_message,
        f"tlsviz's peer does not accept a {reg.handshake_name(msg_type)} message",
    )
