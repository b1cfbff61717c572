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
from ..wire.connection import CLIENT, SERVER, ConnectionDecoder
from ..wire.fields import Diagnostic, Severity
from ..wire.message import Message
from .detect import Pending, flip, guess_swap, verdict
from .model import Connection

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
    ) -> None:
        self.material = material if material is not None else KeyMaterial()
        self.record_fields = record_fields
        self.certificates = certificates
        self.observer = observer
        self._ignore = ignore
        self._pending: dict[int, Pending] = {}
        self._live: dict[int, _Live] = {}
        self._next_id = 1

    # -- events in ----------------------------------------------------------------
    def opened(
        self, conn: int, client: str, server: str, time: float, syn_seen: bool, packet: int = 0
    ) -> None:
        self._pending[conn] = Pending(client, server, time, syn_seen, packet or conn)

    def data(self, conn: int, direction: str, data: bytes, time: float) -> list[Connection]:
        live = self._live.get(conn)
        if live is not None:
            self._feed(live, direction, data, time)
            return []
        pend = self._pending.get(conn)
        if pend is None:
            return []
        pend.chunks.append((direction, data, time))
        head = pend.head[direction]
        if len(head) < 6:
            head += data[: 6 - len(head)]
        verdicts = {d: verdict(bytes(pend.head[d]), pend.syn_seen) for d in (CLIENT, SERVER)}
        if True in verdicts.values():
            self._start(conn, pend, verdicts)
        elif verdicts[CLIENT] is False or (verdicts[SERVER] is False and not pend.head[CLIENT]):
            self._drop(conn)
        return []

    def gap(self, conn: int, direction: str, length: int, time: float) -> None:
        live = self._live.get(conn)
        if live is not None:
            d = flip(direction) if live.swap else direction
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
            return
        pend = self._pending.get(conn)
        if pend is not None:
            pend.gaps.append((direction, length, time))

    def closed(self, conn: int, time: float, reason: str) -> list[Connection]:
        self._pending.pop(conn, None)
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
        self._pending.clear()
        return out

    @property
    def open_connections(self) -> int:
        return len(self._live) + len(self._pending)

    # -- internals ----------------------------------------------------------------
    def _drop(self, conn: int) -> None:
        self._pending.pop(conn, None)
        if self._ignore is not None:
            self._ignore(conn)

    def _start(self, conn: int, pend: Pending, verdicts: dict[str, bool | None]) -> None:
        del self._pending[conn]
        swap = False
        if not pend.syn_seen:
            swap = guess_swap(pend)
        client, server = (pend.server, pend.client) if swap else (pend.client, pend.server)
        # A connection is named by the packet that opened it (Wireshark's frame
        # number), so every view - and Wireshark - names it alike.
        c = Connection(pend.number, client, server, start_time=pend.time)
        c.keys = ConnectionKeys(self.material, c.id)
        self._next_id += 1
        dec = ConnectionDecoder(
            record_fields=self.record_fields,
            certificates=self.certificates,
            mid_stream=not pend.syn_seen,
        )
        live = _Live(c, dec, swap)
        self._live[conn] = live
        for direction, data, time in pend.chunks:
            self._feed(live, direction, data, time)

    def _feed(self, live: _Live, direction: str, data: bytes, time: float) -> None:
        d = flip(direction) if live.swap else direction
        live.conn.bytes[d] += len(data)
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
