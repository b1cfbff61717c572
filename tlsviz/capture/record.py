"""Recordings of live TLS connections: what each side sent, when, and the key log.

A live run (the in-process handshake of :mod:`.embedded`, a real server in
:mod:`.remote`) records every byte that crosses the wire as a :class:`Chunk`
``(direction, data, time)``, plus when the TCP connection opened and which
side closed first.  That is exactly what a capture holds once TCP is
reassembled, so :meth:`Recording.packets` frames it back into packets
(:class:`~.framer.TcpFramer`) and :meth:`Recording.write_pcapng` stores them
with the key log as a Decryption Secrets Block: the file opens decrypted in
Wireshark, tshark and ``tlsviz decode`` alike, with no key options.  A run of
tlsviz's own peer adds its ephemeral private keys in a second block
(:mod:`tlsviz.keys.peer_secrets`), so the decoder derives from the start.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .framer import LINKTYPE_RAW, Packet, TcpFramer
from .pcapng_out import write_capture

__all__ = [
    "Chunk",
    "Conversation",
    "RecordError",
    "Recording",
    "check_output",
    "default_recording_path",
    "keylog_into",
    "merge_keylogs",
    "recordings_dir",
    "save_recording",
]


class RecordError(Exception):
    """A live run that failed; ``str(e)`` is one plain sentence.

    ``recording`` holds what was recorded up to the failure (a refused
    certificate, an alert ...), or None when nothing was; ``status`` is the
    exit status the command line should use.
    """

    def __init__(self, message: str, recording: Recording | None = None, status: int = 2) -> None:
        super().__init__(message)
        self.recording = recording
        self.status = status


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes one side handed to TCP in one go: ``direction`` is "client" or
    "server", ``time`` seconds since 1970."""

    direction: str
    data: bytes
    time: float


@dataclass(slots=True)
class Conversation:
    """One TCP connection as recorded: endpoints, chunks and closes, in order.

    ``opened`` is when the client started connecting (its SYN), ``established``
    when the connection was up (SYN/ACK and ACK).  ``closes`` lists
    ``(direction, time, how)`` with ``how`` "fin" or "rst", in order.
    """

    client: tuple[str, int]
    server: tuple[str, int]
    opened: float
    established: float
    chunks: list[Chunk] = field(default_factory=list)
    closes: list[tuple[str, float, str]] = field(default_factory=list)

    def add(self, direction: str, data: bytes, when: float | None = None) -> None:
        if data:
            self.chunks.append(Chunk(direction, bytes(data), time.time() if when is None else when))

    def close(self, direction: str, how: str = "fin", when: float | None = None) -> None:
        """Record that ``direction`` closed (once per direction; a RST ends both)."""
        if any(d == direction or h == "rst" for d, _, h in self.closes):
            return
        self.closes.append((direction, time.time() if when is None else when, how))

    def sent(self, direction: str) -> bytes:
        """Everything ``direction`` sent, joined (for checks and tests)."""
        return b"".join(c.data for c in self.chunks if c.direction == direction)

    def packets(self, *, mtu: int = 1500, isn: tuple[int, int] | None = None) -> list[Packet]:
        """The conversation framed as raw-IP packets, in time order."""
        f = TcpFramer(self.client, self.server, mtu=mtu, isn=isn)
        out = f.open(self.opened, self.established)
        for c in self.chunks:
            out += f.send(c.direction, c.data, c.time)
        for direction, when, how in self.closes:
            if f.closed:
                break
            out += f.reset(direction, when) if how == "rst" else f.fin(direction, when)
        return out


@dataclass(slots=True)
class Recording:
    """Everything a live run recorded: its connections, the NSS key log
    (deduplicated lines) and notes for the reader of the file."""

    connections: list[Conversation] = field(default_factory=list)
    keylog: str = ""
    notes: list[str] = field(default_factory=list)
    #: what the key log cannot hold: tlsviz's own peer's ephemeral keys, PSKs and
    #: experiments (the format of :mod:`tlsviz.keys.peer_secrets`)
    secrets: str = ""
    #: fixed TCP initial sequence numbers (a seeded run): the file repeats byte for byte
    isn: tuple[int, int] | None = None

    def packets(self, *, mtu: int = 1500) -> list[Packet]:
        """Every connection's packets, merged in time order (stable)."""
        out: list[Packet] = []
        for conv in self.connections:
            out += conv.packets(mtu=mtu, isn=self.isn)
        out.sort(key=lambda p: p[0])
        return out

    def write_pcapng(self, path: str | os.PathLike[str], *, mtu: int = 1500) -> int:
        """Write the capture (key log as a DSB before the first packet, notes as
        section comments); returns the number of packets."""
        from ..keys.peer_secrets import SECRETS_TYPE
        from ..private import open_private

        # the key log is in the file: its owner's eyes only, from the first byte
        with open_private(path) as out:
            return write_capture(
                out,
                LINKTYPE_RAW,
                self.packets(mtu=mtu),
                keylog=self.keylog,
                comments=self.notes,
                more_secrets=[(SECRETS_TYPE, self.secrets.encode())],
            )


def merge_keylogs(texts: Iterable[str]) -> str:
    """Key log lines from several writers (client and server both log the same
    secrets) as one text: comments and blank lines dropped, duplicates kept
    once, first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                seen.setdefault(line, None)
    return "".join(f"{line}\n" for line in seen)


@contextlib.contextmanager
def keylog_into(recording: Recording) -> Iterator[str]:
    """A private (0600, in a 0700 folder) temporary file to give
    ``SSLContext.keylog_filename``; on leaving, even by an exception, its lines
    become ``recording.keylog`` and the file is gone."""
    with tempfile.TemporaryDirectory(prefix="tlsviz-keys-") as tmp:
        os.chmod(tmp, 0o700)
        path = Path(tmp) / "keys.log"
        path.touch(mode=0o600)
        try:
            yield str(path)
        finally:
            recording.keylog = merge_keylogs([path.read_text()])


def data_dir() -> Path:
    """``$XDG_DATA_HOME/tlsviz`` or ``~/.local/share/tlsviz`` (XDG Base Directory)."""
    base = os.environ.get("XDG_DATA_HOME")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "tlsviz"


def _names(stem: str) -> Iterator[str]:
    yield f"{stem}.pcapng"
    n = 2
    while True:
        yield f"{stem}-{n}.pcapng"
        n += 1


def recordings_dir() -> Path:
    """``<data dir>/recordings``, created 0700 with any missing parent: every
    file in it holds the secrets of its connections.  A recordings folder made
    open by an older tlsviz (0755) is closed again; only tlsviz's own folders
    are touched, never the data directory's parents."""
    from ..private import PRIVATE_DIR, private_dirs

    folder = data_dir() / "recordings"
    private_dirs(folder)
    for own in (folder.parent, folder):
        st = own.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            own.chmod(PRIVATE_DIR)
    return folder


def default_recording_path(name: str, when: float | None = None) -> Path:
    """A new file ``<data dir>/recordings/<YYYYmmdd-HHMMSS>-<name>.pcapng``
    (the directory is created 0700; an existing file is never reused)."""
    folder = recordings_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "recording"
    for candidate in _names(f"{stamp}-{safe}"):
        path = folder / candidate
        if not path.exists():
            return path
    raise AssertionError("unreachable")  # pragma: no cover


def check_output(output: str | os.PathLike[str]) -> Path:
    """``output`` as a path whose folder exists (RecordError otherwise)."""
    path = Path(output)
    if not path.parent.is_dir():
        raise RecordError(f"The folder {path.parent} does not exist.")
    return path


def save_recording(
    recording: Recording,
    output: str | os.PathLike[str] | None,
    name: str,
    keylog_out: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``recording`` to ``output`` or a new default path named after
    ``name``, and its key log to ``keylog_out`` (both 0600: they hold the
    connections' secrets); returns where.  Failures are
    a :class:`RecordError` of one sentence, with no recording attached."""
    try:
        path = check_output(output) if output else default_recording_path(name)
    except OSError as err:
        raise RecordError(f"Cannot create the recordings folder ({err.strerror}).") from None
    try:
        recording.write_pcapng(path)
        if keylog_out:
            from ..private import write_private

            write_private(keylog_out, recording.keylog)
    except OSError as err:
        where = err.filename or path
        raise RecordError(f"Cannot write {where}: {(err.strerror or str(err)).lower()}.") from None
    return path
