"""The small languages inside a lesson: targets (``@show``), message and field addresses.

``@show capture=tls13-aes128gcm message=ServerHello field=ext.key_share.key_exchange``
reads as key=value pairs (quotes allowed).  A message is addressed by its type, with an
optional direction and occurrence (``client:Finished``, ``ApplicationData#2``); a field by
its key, with an optional occurrence (``cipher_suite#3``).  These are parsed here, without
any capture, so that the parser can report a typo on its line; whether the capture really
has such a message is for :mod:`tlsviz.lessons.resolve` to say.
"""

from __future__ import annotations

import re
import shlex
from typing import NamedTuple

from .model import KEY_MODES, PANELS, Target

_MESSAGE = re.compile(r"^(?:(client|server):)?([A-Za-z]+)(?:#([1-9][0-9]*))?$")
_FIELD = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*)(?:#([1-9][0-9]*))?$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")

#: Message types besides the handshake messages (the ``type`` of ``decode --json``).
OTHER_TYPES = ("ChangeCipherSpec", "Alert", "ApplicationData", "Heartbeat", "Encrypted", "ACK")


def message_types() -> frozenset[str]:
    """Every message type a target may name (the decoder's own spellings)."""
    from ..wire.registry import HANDSHAKE_RFC_NAMES

    return frozenset(HANDSHAKE_RFC_NAMES.values()) | frozenset(OTHER_TYPES)


class MessageSpec(NamedTuple):
    type: str
    direction: str | None = None
    occurrence: int = 1

    def __str__(self) -> str:
        where = f"{self.direction}:" if self.direction else ""
        return f"{where}{self.type}" + (f"#{self.occurrence}" if self.occurrence > 1 else "")


class FieldSpec(NamedTuple):
    key: str
    occurrence: int = 1


def parse_message_spec(text: str) -> MessageSpec:
    """``[client:|server:]Type[#n]``; raises ValueError with a sentence."""
    m = _MESSAGE.match(text.strip())
    if not m:
        raise ValueError(
            f"message {text!r} is not written as Type, client:Type or Type#n "
            "(e.g. ServerHello, client:Finished, ApplicationData#2)"
        )
    direction, kind, occurrence = m.groups()
    known = message_types()
    if kind not in known:
        from difflib import get_close_matches

        close = get_close_matches(kind, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ValueError(f"{kind!r} is not a message type{hint}")
    return MessageSpec(kind, direction, int(occurrence or 1))


def parse_field_spec(text: str) -> FieldSpec:
    """``key[#n]``; raises ValueError with a sentence."""
    m = _FIELD.match(text.strip())
    if not m:
        raise ValueError(
            f"field {text!r} is not a field key (as decode --json writes them, "
            "e.g. ext.key_share.key_exchange, optionally #n for the n-th)"
        )
    return FieldSpec(m.group(1), int(m.group(2) or 1))


def is_slug(text: str) -> bool:
    return bool(_SLUG.match(text))


_TARGET_KEYS = ("capture", "connection", "message", "field", "keys", "panel", "step")


def parse_target(text: str, line: int, default_capture: str | None) -> Target:
    """The arguments of an ``@show`` line; raises ValueError with a sentence."""
    try:
        words = shlex.split(text, comments=False, posix=True)
    except ValueError as err:
        raise ValueError(f"@show cannot be read ({err})") from None
    values: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"@show takes key=value pairs; {word!r} has no '='")
        if key not in _TARGET_KEYS:
            raise ValueError(f"@show does not know {key!r} (it knows {', '.join(_TARGET_KEYS)})")
        if key in values:
            raise ValueError(f"@show is given {key!r} twice")
        if not value:
            raise ValueError(f"@show {key}= is empty")
        values[key] = value
    capture = values.get("capture", default_capture)
    if capture is None:
        raise ValueError("@show names no capture, and the front matter gives no default 'capture'")
    connection = 1
    if "connection" in values:
        if not values["connection"].isdigit() or int(values["connection"]) < 1:
            raise ValueError(
                "connection= counts connections in capture order from 1 "
                f"(found {values['connection']!r})"
            )
        connection = int(values["connection"])
    message = values.get("message")
    if message is not None:
        parse_message_spec(message)
    field = values.get("field")
    if field is not None:
        if message is None:
            raise ValueError("@show field= needs message= (a field lives in a message)")
        parse_field_spec(field)
    keys = values.get("keys", "all")
    if keys not in KEY_MODES:
        raise ValueError(f"keys={keys!r} is not one of {', '.join(KEY_MODES)}")
    panel = values.get("panel")
    if panel is not None and panel not in PANELS:
        raise ValueError(f"panel={panel!r} is not one of {', '.join(PANELS)}")
    return Target(
        capture=capture,
        connection=connection,
        message=message,
        field=field,
        keys=keys,
        panel=panel,
        key_step=values.get("step"),
        line=line,
    )
