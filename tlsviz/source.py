"""Open a source of TLS connections: drive the timeline builder from a capture.

This is the seam between I/O (``tlsviz.capture``) and the pure timeline
(``tlsviz.session``): the CLI, the coming terminal UI and the benchmarks all
get their connections here, one at a time as each completes.  (The one-line
summaries of big captures have their own driver: :mod:`tlsviz.summary.rows`.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from ._slots import Slotted
from .capture import (
    CaptureNote,
    CaptureReader,
    Secrets,
    StreamClosed,
    StreamData,
    StreamGap,
    StreamOpened,
)
from .capture.pcapfile import RANK_END, RANK_PACKET
from .keys.keyring import KeyMaterial

if TYPE_CHECKING:
    from .capture.fastread import PacketIndex
    from .session.builder import Observer
    from .session.model import Connection

#: the position of what the capture's end closed (after every packet)
_LAST = 1 << 62
#: pcapng Decryption Secrets Block type of an NSS key log ("TLSK").
TLS_KEY_LOG = 0x544C534B
#: ... and of the secrets tlsviz's own peer records ("TVZK", tlsviz.keys.peer_secrets).
PEER_SECRETS = 0x54565A4B


class CaptureSession(Slotted):
    """Connections from one capture file, streamed as they complete."""

    __slots__ = (
        "certificates",
        "experiments",
        "lazy_fields",
        "material",
        "notes",
        "observer",
        "on_secrets",
        "order",
        "path",
        "reader",
        "record_fields",
        "streams",
        "wanted",
    )

    def __init__(
        self,
        path: str,
        record_fields: bool = True,
        certificates: bool = True,
        observer: Observer | None = None,
        on_secrets: Callable[[int, bytes], None] | None = None,
        notes: list[str] | None = None,
        reader: CaptureReader | None = None,
        material: KeyMaterial | None = None,
        streams: bool = False,
        lazy_fields: bool = True,
        wanted: Callable[[int], bool] | None = None,
    ) -> None:
        self.path = path
        #: which connections to decode, by id (the packet that opened them);
        #: the others are dropped when they open (all: None)
        self.wanted = wanted
        self.streams = streams
        #: each message's field tree is built when first asked for (a view that
        #: shows every tree, such as ``decode``, asks for them at once instead)
        self.lazy_fields = lazy_fields
        self.record_fields = record_fields
        self.certificates = certificates
        self.observer = observer
        self.on_secrets = on_secrets
        self.notes: list[str] = notes if notes is not None else []
        self.reader = reader
        self.material = material if material is not None else KeyMaterial()
        #: client random -> (side, experiment name), from tlsviz's secrets block
        self.experiments: dict[bytes, tuple[str, str]] = {}
        #: while iterating: where the connection just handed on ended, (the
        #: packet whose reading completed it, rank: see CaptureReader.rank;
        #: after every packet for what the capture's end closed): with the
        #: connection's id, the order in which one reader of the whole file
        #: hands connections on
        self.order: tuple[int, int] = (0, 0)

    def open(self) -> CaptureReader:
        if self.reader is None:
            self.reader = CaptureReader(self.path, fast=True)
        return self.reader

    def __iter__(self) -> Iterator[Connection]:
        from .session.builder import TimelineBuilder

        reader = self.open()
        builder = TimelineBuilder(
            record_fields=self.record_fields,
            certificates=self.certificates,
            observer=self.observer,
            ignore=reader.ignore,
            material=self.material,
            streams=self.streams,
            lazy_fields=self.lazy_fields,
        )
        last_time = 0.0
        for ev in reader:
            if isinstance(ev, StreamData):
                builder.data(ev.conn, ev.direction, ev.data, ev.time)
                last_time = ev.time
            elif isinstance(ev, StreamOpened):
                if self.wanted is not None and not self.wanted(ev.packet):
                    reader.ignore(ev.conn)
                    continue
                builder.opened(
                    ev.conn, str(ev.client), str(ev.server), ev.time, ev.syn_seen, ev.packet,
                    ev.transport,
                )  # fmt: skip
            elif isinstance(ev, StreamClosed):
                rank = getattr(reader, "rank", RANK_PACKET)
                # what the capture's end closed comes last, whichever packet
                # this reader saw last
                self.order = (reader.position if rank != RANK_END else _LAST, rank)
                yield from self._annotated(builder.closed(ev.conn, ev.time, ev.reason))
            elif isinstance(ev, StreamGap):
                builder.gap(ev.conn, ev.direction, ev.length, ev.time)
            elif isinstance(ev, Secrets):
                if ev.kind == TLS_KEY_LOG:
                    self.material.keylog.add_text(ev.data, source="pcapng secrets block")
                elif ev.kind == PEER_SECRETS:
                    self._peer_secrets(ev.data)
                if self.on_secrets is not None:
                    self.on_secrets(ev.kind, ev.data)
            elif isinstance(ev, CaptureNote):
                self.notes.append(ev.message)
        self.order = (_LAST, RANK_END + 1)
        yield from self._annotated(builder.finish(last_time))

    def _peer_secrets(self, data: bytes) -> None:
        """The block tlsviz's own peer writes: its ephemeral keys, PSKs, experiments."""
        from .keys.peer_secrets import parse_peer_secrets

        found = parse_peer_secrets(bytes(data).decode("utf-8", "replace"), "pcapng secrets block")
        self.material.ephemeral.extend(found.ephemeral)
        self.material.psk_identities.update(found.psks)
        self.experiments.update(found.experiments)
        for problem in found.problems:
            self.notes.append(f"tlsviz's secrets block, {problem}; the line was skipped.")

    def _annotated(self, conns: list[Connection]) -> Iterator[Connection]:
        for conn in conns:
            if self.experiments:
                from .session.experiments import annotate

                annotate(conn, self.experiments)
            yield conn


def open_capture(
    path: str | os.PathLike[str],
    material: KeyMaterial | None = None,
    *,
    keylog: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = (),
    rsa_key: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = (),
    psk: str | Sequence[str] = (),
    ephemeral_key: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = (),
    key_password: str | None = None,
    streams: bool = True,
    **options: object,
) -> CaptureSession:
    """The TLS connections of a capture file, decoded as you iterate.

    Key material can be given ready-made (``material``) or as files
    (``keylog``, ``rsa_key``, ``ephemeral_key``: a path or a list of paths;
    ``psk``: hex or ``@FILE``); pcapng Decryption Secrets Blocks are used
    automatically.  ``streams`` keeps each direction's bytes so that
    :meth:`Connection.buffer` can give the bytes behind any span.  Raises
    ``CaptureError`` or ``MaterialError`` (one plain sentence) when the file
    cannot be read as a capture or the key material cannot be used.
    """
    if keylog or rsa_key or psk or ephemeral_key:
        from .keys.loading import load_key_material

        material = load_key_material(
            _paths(keylog), _paths(rsa_key), [psk] if isinstance(psk, str) else list(psk),
            _paths(ephemeral_key), key_password=key_password, material=material,
        )  # fmt: skip
    session = CaptureSession(
        os.fspath(path),
        material=material,
        streams=streams,
        **options,  # type: ignore[arg-type]
    )
    session.open()
    return session


def open_connection(
    path: str | os.PathLike[str],
    conn_id: int,
    material: KeyMaterial | None = None,
    *,
    streams: bool = True,
    index: PacketIndex | None = None,
) -> Connection | None:
    """Decode only the connection opened by packet ``conn_id`` (its ``id``).

    Every other connection is dropped as soon as it opens, so the memory-mapped
    reader skips its packets: a connection of a huge capture opens without
    decoding the rest.  The reading stops when that connection is complete.
    With ``index`` (:func:`~.capture.fastread.packet_index` of a classic pcap
    file) the reading starts near packet ``conn_id`` instead of at the first.
    """
    if index is not None:
        found = _open_one(path, conn_id, material, streams, index.before(conn_id))
        if found is not None:
            return found
    return _open_one(path, conn_id, material, streams, None)


def _open_one(
    path: str | os.PathLike[str],
    conn_id: int,
    material: KeyMaterial | None,
    streams: bool,
    start: tuple[int, int] | None,
) -> Connection | None:
    from .session.builder import TimelineBuilder

    material = material if material is not None else KeyMaterial()
    reader = CaptureReader(os.fspath(path), fast=True, start=start)
    builder = TimelineBuilder(
        ignore=reader.ignore, material=material, streams=streams, lazy_fields=True
    )
    wanted: int | None = None
    last = 0.0
    try:
        for ev in reader:
            if isinstance(ev, StreamOpened):
                if ev.packet != conn_id or wanted is not None:
                    reader.ignore(ev.conn)
                    continue
                wanted = ev.conn
                builder.opened(
                    ev.conn, str(ev.client), str(ev.server), ev.time, ev.syn_seen, ev.packet,
                    ev.transport,
                )  # fmt: skip
            elif isinstance(ev, StreamData):
                if ev.conn == wanted:
                    builder.data(ev.conn, ev.direction, ev.data, ev.time)
                    last = ev.time
            elif isinstance(ev, StreamGap):
                if ev.conn == wanted:
                    builder.gap(ev.conn, ev.direction, ev.length, ev.time)
            elif isinstance(ev, StreamClosed):
                if ev.conn == wanted:
                    done = builder.closed(ev.conn, ev.time, ev.reason)
                    return done[0] if done else None
            elif isinstance(ev, Secrets) and ev.kind == TLS_KEY_LOG:
                material.keylog.add_text(ev.data, source="pcapng secrets block")
        done = builder.finish(last)
        return done[0] if done else None
    finally:
        reader.close()


def open_bundled(name: str, *, streams: bool = True) -> CaptureSession:
    """A bundled capture (``"tls13-hrr"``) opened with the key material that ships with it."""
    from .bundled import bundled_captures
    from .capture import CaptureError

    for b in bundled_captures(seeded=True):
        if name in (b.name, b.path.name):
            return open_capture(
                b.path,
                keylog=[b.keylog] if b.keylog else [],
                rsa_key=[b.rsa_key] if b.rsa_key else [],
                psk=[f"@{b.psk}"] if b.psk else [],
                streams=streams,
            )
    raise CaptureError(f"there is no bundled capture called {name}.")


def _paths(
    value: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> list[str | os.PathLike[str]]:
    if isinstance(value, str | os.PathLike):
        return [value]
    return list(value)
