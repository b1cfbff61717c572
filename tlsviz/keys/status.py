"""The sentences of a connection's key status, written once.

``decode --json`` (:meth:`tlsviz.keys.engine.ConnectionKeys.status` and the
key flows) and ``decode --summary`` (its quick Finished check) give the same
status with the same reason for the same connection; both take their
sentences from here.  A light module: the summary imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

#: the four statuses, best first
VERIFIED: Final = "verified"
PARTIAL: Final = "partial"
MISSING: Final = "missing"
MISMATCH: Final = "mismatch"

BOTH_VERIFIED: Final = "Both Finished messages verify with the derived keys."
NO_KEYS: Final = "No key log or keys were given."
NO_SERVER_HELLO: Final = "No ServerHello was seen, so no keys were agreed."
NO_KEY_EXCHANGE: Final = "The handshake ended before its key exchange, so no keys were agreed."
NOT_FINISHED: Final = "the handshake did not reach its Finished messages in the capture"

_HANDSHAKE_SECRETS: Final = ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET")


def sentence(text: str) -> str:
    """A reason as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def only_finished(side: str) -> str:
    return f"only the {side} Finished could be checked"


def missing_handshake_secrets(
    given: bool, keylog_lines: int, logged: Collection[str], client_random: bytes
) -> str:
    """TLS 1.3 without the handshake traffic secrets: why.  ``logged``: the
    labels the key log holds for this client random."""
    if not given:
        return "no key log or keys were given"
    if keylog_lines == 0:
        return (
            "without a key log, the handshake secrets need the (EC)DHE private key of "
            "one side (--ephemeral-key)"
        )
    if logged:
        lacking = [label for label in _HANDSHAKE_SECRETS if label not in logged]
        return (
            f"the key log has {', '.join(sorted(logged))} for this client random but no "
            f"{' or '.join(lacking)} (is it cut short?)"
        )
    return f"the key log has no entry for this client random ({client_random.hex()})"


def missing_master_secret(
    given: bool, rsa_keys: bool, psks: bool, key_exchange: str, client_random: bytes
) -> str:
    """TLS 1.2 and older without the master secret: why, for the key
    exchange the suite names (RSA needs the server's key, PSK the PSK)."""
    if not given:
        return "no key log or keys were given"
    if key_exchange in ("RSA", "RSA_EXPORT") and not rsa_keys:
        return (
            "the key log has no entry for this client random, and RSA key exchange "
            "needs the server's private key (--key)"
        )
    if key_exchange == "PSK" and not psks:
        return "the key log has no entry for this client random, and no --psk was given"
    if key_exchange in ("RSA", "RSA_EXPORT"):
        return "none of the given RSA keys decrypts this connection's pre-master secret"
    return f"the key log has no entry for this client random ({client_random.hex()})"


def unknown_session(client_random: bytes) -> str:
    """An abbreviated handshake resuming a session the capture does not show,
    with no key log entry for it."""
    return (
        f"the key log has no entry for this client random ({client_random.hex()}), "
        "so its keys are unknown"
    )
