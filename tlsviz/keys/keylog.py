"""Parse NSS key log text (the ``SSLKEYLOGFILE`` format).

Browsers, OpenSSL, GnuTLS, BoringSSL, Python's ``ssl`` module and pcapng
Decryption Secrets Blocks all write the same line format::

    <LABEL> <client_random or RSA prefix, hex> <secret, hex>

``#`` starts a comment, blank lines are ignored.  The format was defined by NSS
and is now described in draft-ietf-tls-keylogfile.  A key log is user input, so
nothing here raises: a line that cannot be used becomes a
:class:`KeyLogProblem` with its line number, and the rest of the file still
counts.  Labels we do not know are kept (lookups work) and reported once.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .keylog_index import KeyLogIndex

__all__ = [
    "KNOWN_LABELS",
    "TLS13_LABELS",
    "KeyLog",
    "KeyLogEntry",
    "KeyLogProblem",
    "is_known_label",
]

#: Labels whose key is the 32-byte client random and whose secret is a
#: TLS 1.3 secret of the handshake hash's length (draft-ietf-tls-keylogfile §3).
TLS13_LABELS: frozenset[str] = frozenset(
    {
        "CLIENT_TRAFFIC_SECRET",  # generation 0, as wolfSSL writes it
        "SERVER_TRAFFIC_SECRET",
        "CLIENT_EARLY_TRAFFIC_SECRET",
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "EXPORTER_SECRET",
        "EARLY_EXPORTER_SECRET",
    }
)

#: Every fixed label understood here (the numbered traffic-secret labels
#: ``CLIENT_TRAFFIC_SECRET_<N>``/``SERVER_TRAFFIC_SECRET_<N>`` are matched by
#: pattern; OpenSSL 3 writes a literal ``_N`` for the latest KeyUpdate generation).
KNOWN_LABELS: frozenset[str] = TLS13_LABELS | {"CLIENT_RANDOM", "RSA"}

# OpenSSL 3 logs secrets after a KeyUpdate with a literal "N" instead of the number.
_GENERATION = re.compile(r"(?:CLIENT|SERVER)_TRAFFIC_SECRET_(?:\d+|N)\Z")
_HEX = frozenset("0123456789abcdefABCDEF")
_TLS13_SECRET_LENGTHS = (32, 48, 64)


#: the first application traffic secrets, as other key logs name them
_UNNUMBERED: dict[str, str] = {
    "CLIENT_TRAFFIC_SECRET_0": "CLIENT_TRAFFIC_SECRET",
    "SERVER_TRAFFIC_SECRET_0": "SERVER_TRAFFIC_SECRET",
}


def is_known_label(label: str) -> bool:
    """True for the labels this module validates (see :data:`KNOWN_LABELS`)."""
    return label in KNOWN_LABELS or _GENERATION.match(label) is not None


class KeyLogProblem(NamedTuple):
    """A line that could not be used as is, and why.

    ``line`` is 1-based within its ``source`` (several sources can feed one
    :class:`KeyLog`: a file, the DSBs of a pcapng, pasted text).
    """

    line: int
    message: str
    source: str = ""


class KeyLogEntry(NamedTuple):
    """One usable key-log line.

    ``key`` is the client random (32 bytes) or, for the ``RSA`` label, the
    first 8 bytes of the encrypted pre-master secret.
    """

    label: str
    key: bytes
    secret: bytes
    source: str
    line: int


class KeyLog:
    """All secrets learned so far, indexed by label and client random.

    :meth:`add_text` can be called any number of times: for a key log that
    grows while tlsviz watches it, for each Decryption Secrets Block of a
    pcapng, for text pasted by the user.  Line numbers continue per source, and
    with ``final=False`` an incomplete last line waits for the next chunk.
    """

    def __init__(self) -> None:
        self.problems: list[KeyLogProblem] = []
        self._entries: dict[str, dict[bytes, KeyLogEntry]] = {}
        self._by_random: dict[bytes, dict[str, bytes]] = {}
        self._lines_seen: dict[str, int] = {}
        self._pending: dict[str, str] = {}
        self._unknown: dict[str, int] = {}
        self._count = 0
        # key logs indexed, not parsed (add_indexed), and the entries of the
        # client randoms looked up in them lately
        self._indexes: list[KeyLogIndex] = []
        self._resolved: dict[bytes, dict[str, _Located]] = {}
        self._conflicts_told: set[tuple[str, bytes]] = set()

    # -- input -------------------------------------------------------------

    def add_text(self, text: str | bytes, source: str = "", *, final: bool = True) -> int:
        """Parse ``text`` and return the number of entries added or changed.

        Bytes are decoded as UTF-8 (invalid bytes replaced), as found in pcapng
        DSBs.  With ``final=False`` a trailing line without a newline is kept
        until the next call for the same ``source``.
        """
        if isinstance(text, bytes | bytearray | memoryview):
            text = bytes(text).decode("utf-8", errors="replace")
        text = self._pending.pop(source, "") + text
        lines = text.splitlines(keepends=True)
        if not final and lines and not lines[-1].endswith(("\n", "\r")):
            self._pending[source] = lines.pop()
        added = 0
        first = self._lines_seen.get(source, 0)
        for offset, raw in enumerate(lines, start=1):
            if self._parse_line(raw, source, first + offset):
                added += 1
        self._lines_seen[source] = first + len(lines)
        return added

    def add_indexed(self, buf: bytes | mmap.mmap, source: str = "") -> int:
        """Take a whole key log (bytes, or a memory map of the file) without
        parsing it: its well-formed lines are parsed when their client random
        is looked up (see :mod:`tlsviz.keys.keylog_index`).  Lines that are
        not plainly well formed are parsed now, so their problems are known
        at once.  Returns the number of lines indexed or added.

        Entries added later with :meth:`add_text` take precedence over
        indexed ones (the usual order: key log files first, then the secrets
        found in the capture)."""
        from .keylog_index import KeyLogIndex

        index = KeyLogIndex(buf, source)
        added = sum(self._parse_line(text.decode("utf-8", errors="replace"), source, line)
                    for line, text in index.other_lines())  # fmt: skip
        if len(index):
            self._indexes.append(index)
            self._resolved.clear()
        return added + len(index)

    def _lazy(self, client_random: bytes) -> dict[str, _Located]:
        """The indexed secrets of ``client_random`` (with where they are),
        parsed on first use and kept for the last few thousand client randoms."""
        found = self._resolved.get(client_random)
        if found is not None:
            return found
        found = {}
        for index in self._indexes:
            for offset, label, secret in index.lines_for(client_random):
                old = found.get(label)
                if old is not None:
                    if old[0] == secret:
                        continue  # a repeat: the first line stands, as with add_text
                    if (label, client_random) not in self._conflicts_told:
                        self._conflicts_told.add((label, client_random))
                        new = _entry(label, client_random, (secret, index, offset))
                        self._problem(
                            new.source, new.line, _conflict(new, _entry(label, client_random, old))
                        )
                found[label] = (secret, index, offset)
        if len(self._resolved) >= _RESOLVED_KEPT:
            del self._resolved[next(iter(self._resolved))]
        self._resolved[client_random] = found
        return found

    def _problem(self, source: str, line: int, message: str) -> None:
        self.problems.append(KeyLogProblem(line, message, source))

    def _parse_line(self, raw: str, source: str, line: int) -> bool:
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            return False
        fields = stripped.split()
        if len(fields) < 3:
            self._problem(
                source, line, f"expected 3 fields (label, key, secret), got {len(fields)}"
            )
            return False
        if len(fields) > 3:
            self._problem(source, line, f"expected 3 fields, got {len(fields)}; line ignored")
            return False
        label, key_hex, secret_hex = fields
        key = _unhex(key_hex)
        secret = _unhex(secret_hex)
        if key is None or secret is None:
            which = "second" if key is None else "third"
            self._problem(source, line, f"{_shown(label)}: {which} field is not valid hex")
            return False
        error = _check_lengths(label, key, secret)
        if error is not None:
            self._problem(source, line, error)
            return False
        if not is_known_label(label):
            if label not in self._unknown:
                self._problem(
                    source,
                    line,
                    f"unknown label {_shown(label)!r}: kept, but tlsviz does not use it",
                )
            self._unknown[label] = self._unknown.get(label, 0) + 1
        return self._store(KeyLogEntry(label, key, secret, source, line))

    def _store(self, entry: KeyLogEntry) -> bool:
        by_key = self._entries.setdefault(entry.label, {})
        old = by_key.get(entry.key)
        if old is not None:
            if old.secret == entry.secret:
                return False
            self._problem(entry.source, entry.line, _conflict(entry, old))
        else:
            self._count += 1
        by_key[entry.key] = entry
        if entry.label != "RSA":
            self._by_random.setdefault(entry.key, {})[entry.label] = entry.secret
        return True

    # -- queries -----------------------------------------------------------

    def lookup(self, label: str, client_random: bytes) -> bytes | None:
        """The secret logged under ``label`` for ``client_random`` (or RSA prefix)."""
        key = bytes(client_random)
        entry = self._entries.get(label, {}).get(key)
        if entry is not None:
            return entry.secret
        if self._indexes and label != "RSA":
            found = self._lazy(key).get(label)
            if found is not None:
                return found[0]
        if label in _UNNUMBERED:
            # wolfSSL's DTLS 1.3 key logs name the first traffic secrets without "_0"
            return self.lookup(_UNNUMBERED[label], client_random)
        return None

    def entry(self, label: str, key: bytes) -> KeyLogEntry | None:
        """The full entry (with source and line number), for "where did this come from"."""
        key = bytes(key)
        entry = self._entries.get(label, {}).get(key)
        if entry is None and self._indexes and label != "RSA":
            found = self._lazy(key).get(label)
            if found is not None:
                return _entry(label, key, found)
        return entry

    def master_secret(self, client_random: bytes) -> bytes | None:
        """TLS ≤ 1.2 master secret (``CLIENT_RANDOM`` label)."""
        return self.lookup("CLIENT_RANDOM", client_random)

    def rsa_premaster(self, encrypted_pms_prefix8: bytes) -> bytes | None:
        """Pre-master secret logged under ``RSA`` for this encrypted pre-master.

        Accepts the whole encrypted pre-master too; only its first 8 bytes are
        the key.
        """
        return self.lookup("RSA", bytes(encrypted_pms_prefix8[:8]))

    def secrets_for(self, client_random: bytes) -> dict[str, bytes]:
        """Every secret logged for ``client_random``, by label (a copy)."""
        key = bytes(client_random)
        found = {}
        if self._indexes:
            found = {label: e[0] for label, e in self._lazy(key).items()}
        found.update(self._by_random.get(key, {}))
        return found

    def client_randoms(self) -> list[bytes]:
        """Every client random that has at least one secret, in first-seen order
        (those of indexed key logs after the others: this reads them whole)."""
        seen = dict.fromkeys(self._by_random)
        for index in self._indexes:
            seen.update(dict.fromkeys(index.client_randoms()))
        return list(seen)

    def labels(self) -> set[str]:
        """Every label present (indexed key logs are read whole for this)."""
        found = set(self._entries)
        for index in self._indexes:
            found.update(index.labels())
        return found

    @property
    def unknown_labels(self) -> dict[str, int]:
        """Labels not understood here, with how many lines used them."""
        return dict(self._unknown)

    def __iter__(self) -> Iterator[KeyLogEntry]:
        for by_key in self._entries.values():
            yield from by_key.values()
        if not self._indexes:
            return
        for random in self.client_randoms():
            for label, found in self._lazy(random).items():
                if random not in self._entries.get(label, {}):
                    yield _entry(label, random, found)

    def __len__(self) -> int:
        """Entries parsed, plus lines indexed (where a line repeats an
        earlier one, an indexed key log counts it again)."""
        return self._count + sum(len(index) for index in self._indexes)

    def __contains__(self, client_random: object) -> bool:
        if not isinstance(client_random, bytes):
            return False
        return client_random in self._by_random or bool(self._indexes and self._lazy(client_random))


#: A secret of an indexed key log: (secret, index, offset of its line).
_Located = tuple[bytes, "KeyLogIndex", int]


def _entry(label: str, key: bytes, found: _Located) -> KeyLogEntry:
    secret, index, offset = found
    return KeyLogEntry(label, key, secret, index.source, index.line_number(offset))


#: How many looked-up client randoms of indexed key logs keep their entries
#: (a connection looks its own up again when it is shown, after its
#: handshake: more than the connections open at a time on a busy capture;
#: one not kept is read again from the index).
_RESOLVED_KEPT = 1024


def _conflict(entry: KeyLogEntry, old: KeyLogEntry) -> str:
    return (
        f"{entry.label} for {entry.key.hex()[:16]}… differs from line {old.line}"
        f"{' of ' + old.source if old.source else ''}; using the newer value"
    )


def _shown(label: str) -> str:
    """A label as a problem quotes it: a line of a megabyte makes a label no
    one can read, and a warning line that floods the terminal."""
    return label if len(label) <= 48 else label[:48] + "…"


def _unhex(text: str) -> bytes | None:
    # bytes.fromhex checks the digits itself (the fields have no spaces: the
    # line was split on them); an odd length or a non-hex digit is ValueError
    try:
        return bytes.fromhex(text) if text else None
    except ValueError:
        return None


def _check_lengths(label: str, key: bytes, secret: bytes) -> str | None:
    if label == "RSA":
        if len(key) != 8:
            return f"RSA: key must be the first 8 bytes of the encrypted pre-master, got {len(key)}"
        if len(secret) != 48:
            return f"RSA: pre-master secret must be 48 bytes, got {len(secret)}"
        return None
    if len(key) != 32:
        return f"{_shown(label)}: client random must be 32 bytes, got {len(key)}"
    if label == "CLIENT_RANDOM" and len(secret) != 48:
        return f"CLIENT_RANDOM: master secret must be 48 bytes, got {len(secret)}"
    if (label in TLS13_LABELS or _GENERATION.match(label)) and (
        len(secret) not in _TLS13_SECRET_LENGTHS
    ):
        return f"{label}: TLS 1.3 secret must be 32, 48 or 64 bytes, got {len(secret)}"
    return None
