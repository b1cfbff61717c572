"""Protocol facts: the decisions every view of a handshake shares.

Which version a ServerHello negotiates (drafts included), whether a
HelloRetryRequest came, which group the connection uses, whether (and how) a
handshake resumed an earlier session, which PSK came from where: each is
decided here, once, and the numbers the fast paths compare against are named
here after their IANA names (a test checks them against :mod:`.registry`).

Two kinds of caller read the messages these decisions need.  The decoder
(:mod:`.hello`, :mod:`.extensions`, :mod:`.keyexchange`) builds a field tree
for every byte and takes its decisions from the predicates here
(:data:`HRR_RANDOM`, :func:`old_draft`, :func:`negotiated_version`,
:func:`is_tls13`, :func:`signed_by_server`, :func:`connection_group`).  The
fast paths (the decoder without field trees in :mod:`.quickhello`, the
summary of big captures in :mod:`tlsviz.summary`, its quick Finished check)
need a handful of values and no fields: they read them with
:mod:`.facts_hello` and :mod:`.facts_ext`, which accept exactly the messages
the decoder accepts (a message the decoder rejects gives None; an extension it
cannot parse gives no value), a property the tests check field by field on
every capture at hand and on mutated messages.

These modules are stdlib-only and light (no dataclasses, no registry at
import): ``decode --summary`` loads them at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

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
DTLS13: Final = 0xFEFC  # RFC 9147 §5.3
#: ECCurveType named_curve (RFC 8422 §5.4)
NAMED_CURVE: Final = 3

#: RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is
#: SHA-256("HelloRetryRequest") (a test checks the digest).
HRR_RANDOM: Final = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
)


# -- versions ---------------------------------------------------------------------


def is_tls13(version: int | None) -> bool:
    """TLS 1.3, one of its drafts (0x7fNN) or DTLS 1.3: everything after the
    ServerHello is encrypted, and the version lives in supported_versions."""
    return version is not None and (version in (TLS13, DTLS13) or (version >> 8) == 0x7F)


def old_draft(legacy_version: int) -> bool:
    """A ServerHello in the format of TLS 1.3 drafts before -22: the version
    itself in legacy_version, no session id echo, no compression method."""
    return (legacy_version >> 8) == 0x7F and (legacy_version & 0xFF) < 22


def negotiated_version(legacy_version: int, selected: Any) -> int:
    """RFC 8446 §4.2.1: supported_versions' selected_version when the
    ServerHello has one (TLS 1.3), otherwise legacy_version."""
    return selected if isinstance(selected, int) else legacy_version


# -- ServerKeyExchange ------------------------------------------------------------

#: key exchanges whose ServerKeyExchange carries a PSK identity hint first
#: (RFC 4279 §2-4, RFC 5489 §2)
PSK_KEY_EXCHANGES: Final = frozenset({"PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK"})


def signed_by_server(kx: str, auth: str) -> bool:
    """Does a ServerKeyExchange of this key exchange and authentication carry
    a signature?  Not for anonymous and PSK-authenticated exchanges."""
    return auth not in ("anon", "PSK", "NULL") and kx not in PSK_KEY_EXCHANGES


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
