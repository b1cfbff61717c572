"""What the explorer opens, and how connections reach it (no textual here).

A :class:`Source` names a capture file (with its key material), a bundled
capture, a live capture or the in-process demo handshake.  The loaders run in
worker threads and hand each connection (or, for a big capture, each summary
row) to a callback as soon as it is complete.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..keys.keyring import KeyMaterial
from ..session.model import Connection

#: Files larger than this are listed from the summary path first; a connection
#: is decoded in full only when it is opened.
BIG_CAPTURE = 8 << 20


@dataclass
class Source:
    """Something to explore."""

    label: str
    path: str | None = None
    material: KeyMaterial = field(default_factory=KeyMaterial)
    kind: str = "file"  # "file", "live", "demo"
    live: dict[str, Any] = field(default_factory=dict)  # interface, bpf, keylog
    #: a key log's path, shown in the header (and used again by compare)
    keylog: str | None = None
    #: where the packets of a big classic pcap file start, every few hundred
    #: (made once, after the rows): a connection opens without reading what
    #: comes before it
    index: Any = None
    indexed: bool = False

    def packet_index(self) -> Any:
        """The capture's :class:`~tlsviz.capture.fastread.PacketIndex` (None
        for files it cannot index), made on first use."""
        if not self.indexed and self.path is not None:
            from ..capture.fastread import packet_index

            self.index = packet_index(self.path)
            self.indexed = True
        return self.index

    @property
    def big(self) -> bool:
        if self.kind != "file" or self.path is None:
            return False
        try:
            return os.path.getsize(self.path) > BIG_CAPTURE
        except OSError:
            return False


def bundled_source(name: str) -> Source:
    """A bundled capture with the key material that ships with it."""
    from ..bundled import bundled_captures
    from ..keys.loading import load_key_material

    for b in bundled_captures():
        if name in (b.name, b.path.name):
            material = load_key_material(
                [b.keylog] if b.keylog else [],
                [b.rsa_key] if b.rsa_key else [],
                [f"@{b.psk}"] if b.psk else [],
            )
            return Source(
                b.name,
                str(b.path),
                material,
                keylog=str(b.keylog) if b.keylog else None,
            )
    raise FileNotFoundError(f"there is no bundled capture called {name}.")


def load_file(
    source: Source,
    on_connection: Callable[[Connection], None],
    notes: list[str],
) -> int:
    """Decode every connection of a capture, handing each over as it completes."""
    from ..source import open_capture

    assert source.path is not None
    session = open_capture(source.path, source.material, streams=True, notes=notes)
    count = 0
    for conn in session:
        count += 1
        on_connection(conn)
    return count


class Preload:
    """Decode a small capture in a thread started before the UI: the interface
    starts (imports, terminal set-up) while the capture is being read, and the
    first screen can be the explorer itself."""

    def __init__(self, source: Source) -> None:
        import threading

        self.source = source
        self.connections: list[Connection] = []
        self.notes: list[str] = []
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tlsviz-preload", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            load_file(self.source, self.connections.append, self.notes)
        except BaseException as err:  # handed to the UI, which shows one sentence
            self.error = err
        finally:
            self.done.set()


def load_rows(
    source: Source,
    on_row: Callable[[dict[str, Any]], None],
    progress: list[int],
    notes: list[str],
) -> int:
    """The summary rows of a big capture (``decode --summary --json`` rows)."""
    from ..summary.rows import summary_rows

    assert source.path is not None
    count = 0
    for row in summary_rows(source.path, source.material, notes=notes, progress=progress):
        count += 1
        on_row(row.to_json())
    source.packet_index()
    return count


def open_one(source: Source, conn_id: int) -> Connection | None:
    """Decode the one connection opened by packet ``conn_id`` of a capture."""
    from ..source import open_connection

    assert source.path is not None
    index = source.packet_index() if source.big else None
    return open_connection(source.path, conn_id, source.material, index=index)


def run_demo(options: dict[str, Any]) -> tuple[str, list[str]]:
    """Perform the in-process handshake (``tlsviz demo``/``record``), save the
    recording; return its path and one line per handshake."""
    from ..capture.embedded import EmbeddedOptions, run_embedded
    from ..capture.record import save_recording
    from ..capture.tlsopts import alpn_list

    opts = EmbeddedOptions(
        version=options.get("version"),
        cipher=options.get("cipher") or None,
        mtls=bool(options.get("mtls")),
        resume=bool(options.get("resume")),
        tickets=not options.get("no_ticket"),
        alpn=tuple(alpn_list(options.get("alpn") or [])),
        sni=options.get("sni") or "localhost",
        app="mqtt" if options.get("mqtt") else "http",
        rsa=bool(options.get("rsa")),
        ipv6=bool(options.get("ipv6")),
    )
    run = run_embedded(opts)
    version = run.handshakes[0].version if run.handshakes else None
    name = "embedded-" + (version or "tls").lower().replace("v", "").replace(".", "")
    path = save_recording(run.recording, options.get("output"), name, None)
    return str(path), [h.line(i) for i, h in enumerate(run.handshakes, 1)]


def run_glassbox(options: dict[str, Any]) -> tuple[str, list[str]]:
    """A handshake with tlsviz's own peer on one side or both (every secret recorded)."""
    from ..capture.glassbox import GlassboxOptions, record_to_file
    from ..capture.remote import parse_target
    from ..capture.tlsopts import alpn_list

    group = options.get("group")
    groups: tuple[str, ...] = ()
    server_groups: tuple[str, ...] = ()
    if group == "hrr":  # the client's only key share is refused: a HelloRetryRequest
        groups, server_groups = ("secp256r1", "x25519"), ("x25519",)
    elif group:
        groups = (group,)
    target = parse_target(options["target"], 443) if options.get("target") else None
    opts = GlassboxOptions(
        client=options.get("client") or "tlsviz",
        server=options.get("server") or "openssl",
        target=target,
        version=options.get("version"),
        cipher=options.get("cipher") or None,
        groups=groups,
        server_groups=server_groups,
        key_type="rsa" if options.get("rsa") else "ec",
        mtls=bool(options.get("mtls")),
        resume=bool(options.get("resume")),
        tickets=not options.get("no_ticket"),
        alpn=tuple(alpn_list(options.get("alpn") or [])),
        sni=options.get("sni") or None,
        app="mqtt" if options.get("mqtt") else "http",
        ipv6=bool(options.get("ipv6")),
        seed=options.get("seed"),
        experiment=options.get("experiment"),
    )
    path, run = record_to_file(opts, options.get("output"))
    lines = [h.line(i) for i, h in enumerate(run.handshakes, 1)] + list(run.findings)
    if run.failed:
        lines.append(f"The handshake failed: {run.failed}")
    return str(path), lines


def run_remote_handshake(options: dict[str, Any]) -> tuple[str, list[str]]:
    """A real client against HOST:PORT, recorded (``tlsviz record HOST``)."""
    from ..capture.record import RecordError, save_recording
    from ..capture.remote import RemoteOptions, parse_target, run_remote
    from ..capture.tlsopts import alpn_list

    host, port = parse_target(options["target"], 443)
    opts = RemoteOptions(
        host=host,
        port=port,
        version=options.get("version"),
        cipher=options.get("cipher") or None,
        alpn=tuple(alpn_list(options.get("alpn") or [])),
        sni=options.get("sni") or None,
        cafile=None,
        insecure=bool(options.get("insecure")),
        client_cert=None,
        client_key=None,
        timeout=10.0,
        app="http",
        method="GET",
        resume=bool(options.get("resume")),
    )
    try:
        run = run_remote(opts)
    except RecordError as err:
        if err.recording is None:
            raise
        path = save_recording(err.recording, None, host, None)
        return str(path), [f"The handshake failed: {err}"]
    path = save_recording(run.recording, None, host, None)
    return str(path), [h.line(i) for i, h in enumerate(run.handshakes, 1)]
