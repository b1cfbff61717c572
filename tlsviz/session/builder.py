"""Builds the timeline from per-connection byte streams, sans-IO.

The capture layer (or a live recorder) reports TCP connections opening, data
arriving in each direction, holes, and connections closing; the builder finds
which connections are TLS *by content* (the first bytes must frame as a TLS
handshake record or an SSLv2 hello, whatever the port), decodes them, and hands
each :class:`Connection` back as soon as it is complete, so that a huge capture
is processed in memory proportional to the connections open at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..keys.engine import ConnectionKeys, KeyMaterial
from ..wire.connection import ConnectionDecoder
from ..wire.dtls_connection import DatagramDecoder
from ..wire.fields import Diagnostic, Severity
from ..wire.message import Message
from .buffers import StreamBytes
from .detect import Pending, PendingTable, flip, roles
from .model import Connection, DtlsAssociation

#: Called for each event the decoder produces, before it is stored; the keys
#: layer uses it to install decryptors at the right moment.
Observer = Callable[[Connection, ConnectionDecoder, "Message | Diagnostic"], None]


@dataclass(slots=True)
class _Live:
    conn: Connection
    decoder: ConnectionDecoder
    swap: bool


class TimelineBuilder:
    """Feed it capture events (as method calls); it returns finished connections."""

    def __init__(
        self,
        *,
        record_fields: bool = True,
        certificates: bool = True,
        observer: Observer | None = None,
        ignore: Callable[[int], None] | None = None,
        material: KeyMaterial | None = None,
        streams: bool = False,
        lazy_fields: bool = False,
    ) -> None:
        self.material = material if material is not None else KeyMaterial()
        #: keep each direction's bytes on the connection (what hex views and
        #: ``decode --json --buffers`` show); costs memory for whole streams
        self.streams = streams
        self.record_fields = record_fields
        #: build each message's field tree when it is first asked for
        self.lazy_fields = lazy_fields
        self.certificates = certificates
        self.observer = observer
        self._ignore = ignore
        self._pending = PendingTable(ignore)
        self._live: dict[int, _Live] = {}

    # -- events in ----------------------------------------------------------------
    def opened(
        self,
        conn: int,
        client: str,
        server: str,
        time: float,
        syn_seen: bool,
        packet: int = 0,
        transport: str = "tcp",
    ) -> None:
        self._pending.opened(conn, client, server, time, syn_seen, packet, transport=transport)

    def data(self, conn: int, direction: str, data: bytes, time: float) -> list[Connection]:
        live = self._live.get(conn)
        if live is not None:
            self._feed(live, direction, data, time)
        else:
            pend = self._pending.data(conn, direction, data, time)
            if pend is not None:
                self._start(conn, pend)
        return []

    def gap(self, conn: int, direction: str, length: int, time: float) -> None:
        live = self._live.get(conn)
        if live is None:
            self._pending.gap(conn, direction, length, time)
            return
        d = flip(direction) if live.swap else direction
        if live.conn.streams is not None:
            live.conn.streams[d].gap(length)
        live.decoder.receive_gap(d, length, time)
        live.conn.diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                f"{length} bytes missing from the capture (TCP gap)",
                live.decoder.readers[d].offset - length,
                length,
                None,
                d,
                d,
            )
        )
        self._drain(live)

    def closed(self, conn: int, time: float, reason: str) -> list[Connection]:
        self._pending.pending.pop(conn, None)
        live = self._live.pop(conn, None)
        if live is None:
            return []
        live.decoder.close(truncated=reason == "eof")
        self._drain(live)
        live.conn.end_time = time
        live.conn.closed = reason
        return [live.conn]

    def finish(self, time: float | None = None) -> list[Connection]:
        """End of input: close whatever is still open, in id order."""
        out: list[Connection] = []
        for conn in sorted(self._live, key=lambda c: self._live[c].conn.id):
            out.extend(self.closed(conn, time or 0.0, "eof"))
        self._pending.pending.clear()
        return out

    @property
    def open_connections(self) -> int:
        return len(self._live) + len(self._pending.pending)

    # -- internals ----------------------------------------------------------------
    def _start(self, conn: int, pend: Pending) -> None:
        client, server, swap = roles(pend)
        # A connection is named by the packet that opened it (Wireshark's frame
        # number), so every view - and Wireshark - names it alike.
        c = Connection(pend.number, client, server, pend.transport, start_time=pend.time)
        c.keys = ConnectionKeys(self.material, c.id)
        if self.streams:
            c.streams = {"client": StreamBytes(), "server": StreamBytes()}
        cls: type[ConnectionDecoder] = ConnectionDecoder
        if pend.transport == "udp":
            cls = DatagramDecoder
        dec = cls(
            record_fields=self.record_fields,
            certificates=self.certificates,
            mid_stream=not pend.syn_seen and pend.transport == "tcp",
            lazy_fields=self.lazy_fields,
        )
        if isinstance(dec, DatagramDecoder):
            c.dtls = DtlsAssociation(dec.datagrams, dec.connection_ids)
        live = _Live(c, dec, swap)
        self._live[conn] = live
        for direction, chunk, time in pend.chunks:
            if isinstance(chunk, int):
                self.gap(conn, direction, chunk, time)
            else:
                self._feed(live, direction, chunk, time)

    def _feed(self, live: _Live, direction: str, data: bytes, time: float) -> None:
        d = flip(direction) if live.swap else direction
        live.conn.bytes[d] += len(data)
        if live.conn.streams is not None:
            live.conn.streams[d].append(data)
        live.decoder.receive_data(d, data, time)
        self._drain(live)

    def _drain(self, live: _Live) -> None:
        dec = live.decoder
        conn = live.conn
        obs = self.observer
        keys = conn.keys
        while True:
            ev = dec.next_event()
            if isinstance(ev, str):
                break
            if keys is not None:
                # before the next record is decoded: keys may change right here
                keys.observe(dec, ev)
            if obs is not None:
                obs(conn, dec, ev)
            if isinstance(ev, Message):
                conn.messages.append(ev)
            else:
                conn.diagnostics.append(ev)
        conn.neg = dec.neg
