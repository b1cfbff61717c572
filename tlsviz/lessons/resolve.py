"""From a lesson's :class:`Target` to real bytes: decode the capture and find the field.

This is what both ``tlsviz lesson check`` and the lesson player use: the capture is opened
through :func:`tlsviz.source.open_capture` with the key material that comes with it (the
bundled captures' key logs, RSA keys and PSKs, from :mod:`tlsviz.bundled`), decoded once
per capture and key mode (:class:`Resolver` caches it), and the target is looked up by
connection, message type and field key.  Nothing is addressed by byte offset: the byte
spans are worked out here, from the decoded fields, every time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..wire.message import STREAM, Buffer, Span
from .specs import FieldSpec, MessageSpec, parse_field_spec, parse_message_spec

if TYPE_CHECKING:
    from ..keys.keyring import KeyMaterial
    from ..session.model import Connection
    from ..wire.fields import Field
    from ..wire.message import Message
    from .model import Target


class TargetError(ValueError):
    """A target that does not exist in its capture; the message is one sentence."""


@dataclass(frozen=True, slots=True)
class CaptureRef:
    """A capture file and the key material files that come with it."""

    name: str
    path: Path
    keylog: Path | None = None
    rsa_key: Path | None = None
    psk: Path | None = None

    def key_files(self, mode: str) -> dict[str, Path]:
        """The key files used with key mode ``mode`` (see ``KEY_MODES``)."""
        files = {"keylog": self.keylog, "rsa": self.rsa_key, "psk": self.psk}
        if mode == "none":
            return {}
        if mode == "all":
            return {k: v for k, v in files.items() if v is not None}
        chosen = files.get(mode)
        if chosen is None:
            raise TargetError(f"capture {self.name!r} comes with no {mode} key material")
        return {mode: chosen}


def contains(span: Span, buffer: Buffer | str, offset: int) -> bool:
    """Is byte ``offset`` of ``buffer`` (a :class:`Buffer` or its name, ``"client@1234"``)
    inside ``span``?"""
    name = buffer if isinstance(buffer, str) else buffer.name
    return span.buffer.name == name and span.offset <= offset < span.end


@dataclass(frozen=True, slots=True)
class Resolved:
    """A target found in its capture: everything the player needs to drive the explorer.

    ``connection_index`` counts from 1 in capture order (as targets do); ``connection.id``
    is the id every view shows (the packet that opened it).  ``message_index`` indexes
    ``connection.messages``; ``field_path`` is the chain of child indexes from the
    message's top-level fields down to the field (to expand the tree); ``spans`` are the
    field's bytes (or the message's, without a field) as ``tlsviz.wire.message.Span``
    values (buffer, offset, length): the coordinates of the hex view.
    """

    target: Target
    capture: CaptureRef
    keys: str
    connection: Connection
    connection_index: int
    message_index: int | None = None
    message: Message | None = None
    field: Field | None = None
    field_path: tuple[int, ...] = ()
    record_index: int | None = None  # for record.* keys: which record of the message
    spans: tuple[Span, ...] = ()
    key_step: str | None = None

    @property
    def field_key(self) -> str | None:
        return self.field.key if self.field is not None else None


def capture_ref(name: str, base: str | Path | None = None) -> CaptureRef:
    """A bundled capture by name (``tls13-aes128gcm``, or a seeded one such as those tlsviz's
    own peer made, whose secrets travel inside the pcapng), or a capture file by path
    relative to ``base`` (the lesson's folder); a path's key log is ``<stem>.keys`` beside
    it."""
    from ..bundled import bundled_captures

    if "/" not in name and not name.endswith((".pcap", ".pcapng", ".gz")):
        for cap in bundled_captures(seeded=True):
            if cap.name == name:
                return CaptureRef(cap.name, cap.path, cap.keylog, cap.rsa_key, cap.psk)
        raise TargetError(f"there is no bundled capture {name!r}")
    path = Path(base or ".") / name
    if not path.is_file():
        raise TargetError(f"the capture {name!r} does not exist (looked at {path})")
    keylog = path.with_suffix(".keys")
    return CaptureRef(name, path, keylog if keylog.is_file() else None)


def key_material(ref: CaptureRef, mode: str) -> KeyMaterial:
    """The capture's key material for ``mode``, loaded from its files."""
    from ..keys.keyring import KeyMaterial

    material = KeyMaterial()
    files = ref.key_files(mode)
    try:
        if "keylog" in files:
            material.keylog.add_text(files["keylog"].read_bytes(), source=str(files["keylog"]))
        if "rsa" in files:
            from ..keys.material import load_rsa_keys

            material.rsa_keys.extend(load_rsa_keys(str(files["rsa"]), None))
        if "psk" in files:
            from ..keys.material import parse_psk

            material.psks.append(parse_psk(files["psk"].read_text(encoding="ascii").strip()))
    except (OSError, ValueError) as err:
        raise TargetError(
            f"the key material of capture {ref.name!r} cannot be read ({err})"
        ) from None
    return material


class Resolver:
    """Decodes each capture once per key mode and looks targets up in it."""

    def __init__(self) -> None:
        self._decoded: dict[tuple[str, str], list[Connection]] = {}

    def connections(self, ref: CaptureRef, mode: str = "all") -> list[Connection]:
        key = (os.fspath(ref.path), mode)
        if key not in self._decoded:
            from ..capture import CaptureError
            from ..source import open_capture

            material = key_material(ref, mode)
            try:
                self._decoded[key] = list(open_capture(ref.path, material=material))
            except CaptureError as err:
                raise TargetError(f"the capture {ref.name!r} cannot be read ({err})") from None
        return self._decoded[key]

    def resolve(self, target: Target, base: str | Path | None = None) -> Resolved:
        """Find ``target``; raises :class:`TargetError` saying what is missing."""
        ref = capture_ref(target.capture, base)
        conns = self.connections(ref, target.keys)
        if not 1 <= target.connection <= len(conns):
            raise TargetError(
                f"capture {ref.name!r} has {len(conns)} connection(s), not {target.connection}"
            )
        conn = conns[target.connection - 1]
        where = f"connection {target.connection} of {ref.name!r}"
        if target.key_step is not None:
            names = step_names(conn)
            if target.key_step not in names:
                shown = ", ".join(names) or "none: no key material opened it"
                raise TargetError(f"{where} has no key step {target.key_step!r} (it has: {shown})")
        if target.message is None:
            return Resolved(target, ref, target.keys, conn, target.connection,
                            key_step=target.key_step)  # fmt: skip
        index = find_message(conn, parse_message_spec(target.message))
        if index is None:
            have = ", ".join(_message_label(m) for m in conn.messages)
            raise TargetError(f"{where} has no message {target.message} (it has: {have})")
        msg = conn.messages[index]
        if target.field is None:
            spans = message_spans(msg)
            return Resolved(target, ref, target.keys, conn, target.connection, index, msg,
                            spans=spans, key_step=target.key_step)  # fmt: skip
        spec = parse_field_spec(target.field)
        found = find_field(msg, spec)
        if found is None:
            raise TargetError(
                f"message {target.message} of {where} has no field {target.field} "
                f"({count_fields(msg, spec.key)} field(s) with that key)"
            )
        fld, path, record_index, spans = found
        return Resolved(target, ref, target.keys, conn, target.connection, index, msg, fld,
                        path, record_index, spans, target.key_step)  # fmt: skip


def step_names(conn: Connection) -> list[str]:
    """The names of the key derivation steps of a connection, in order."""
    if conn.keys is None:
        return []
    return [r.step.name for r in conn.keys.step_reports()]


def _message_label(m: Message) -> str:
    return f"{m.direction}:{m.type}"


def find_message(conn: Connection, spec: MessageSpec) -> int | None:
    """Index of the ``spec.occurrence``-th message of that type (and direction)."""
    seen = 0
    for i, m in enumerate(conn.messages):
        if m.type == spec.type and (spec.direction is None or m.direction == spec.direction):
            seen += 1
            if seen == spec.occurrence:
                return i
    return None


def next_message(conn: Connection, index: int) -> int | None:
    """The message after ``index``, skipping ChangeCipherSpec records (a one-byte signal
    that TLS 1.3 keeps only for middleboxes, RFC 8446 Appendix D.4)."""
    for j in range(index + 1, len(conn.messages)):
        if conn.messages[j].type != "ChangeCipherSpec":
            return j
    return None


def _walk(
    fields: tuple[Field, ...], path: tuple[int, ...] = ()
) -> list[tuple[Field, tuple[int, ...]]]:
    out: list[tuple[Field, tuple[int, ...]]] = []
    for i, f in enumerate(fields):
        out.append((f, (*path, i)))
        out.extend(_walk(f.children, (*path, i)))
    return out


#: keys of record header fields (TLS, and DTLS's own headers), not message fields
RECORD_KEYS = ("record.", "dtls.record.", "dtls.unified.")


def count_fields(msg: Message, key: str) -> int:
    if key.startswith(RECORD_KEYS):
        from ..wire.dispatch import record_header_fields

        return sum(1 for r in msg.records for f in record_header_fields(r) if f.key == key)
    return sum(1 for f, _ in _walk(msg.fields) if f.key == key)


def find_field(
    msg: Message, spec: FieldSpec
) -> tuple[Field, tuple[int, ...], int | None, tuple[Span, ...]] | None:
    """The field, its path in the tree, its record (for ``record.*`` keys) and its spans."""
    if spec.key.startswith(RECORD_KEYS):
        from ..wire.dispatch import record_header_fields

        seen = 0
        for ri, rec in enumerate(msg.records):
            for fi, f in enumerate(record_header_fields(rec)):
                if f.key == spec.key:
                    seen += 1
                    if seen == spec.occurrence:
                        span = Span(STREAM[msg.direction], rec.offset + f.offset, f.length)
                        return f, (fi,), ri, (span,)
        return None
    seen = 0
    for f, path in _walk(msg.fields):
        if f.key == spec.key:
            seen += 1
            if seen == spec.occurrence:
                return f, path, None, msg.spans(f)
    return None


def message_spans(msg: Message) -> tuple[Span, ...]:
    return tuple(Span(s.buffer, s.offset, s.length) for s in msg.segments)


def deepest_field_at(msg: Message, buffer: Buffer | str, offset: int) -> Field | None:
    """The deepest field of ``msg`` whose bytes include ``offset`` of ``buffer`` (what the
    hex view selects under the cursor)."""
    best: Field | None = None
    best_len = -1
    for f, path in _walk(msg.fields):
        if len(path) <= best_len or not f.length:
            continue
        if any(contains(s, buffer, offset) for s in msg.spans(f)):
            best, best_len = f, len(path)
    return best
