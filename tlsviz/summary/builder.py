"""The summary builder: capture events in, one :class:`~.row.Summary` per
connection out (``decode --summary``).

:class:`SummaryBuilder` takes the same calls as the timeline builder (opened,
data, gap, closed, finish) but keeps no messages.  Without key material it
only scans the hellos (:mod:`.hellos`); with a key log it runs the quick
Finished check (:mod:`.quickkeys`), and with other key material, or whenever
the quick check has no verdict of its own, the decoder without field trees
and the key derivation without signature checks (the full decode's own code),
until both Finished messages are checked.  Either way, as soon as a
connection's summary cannot change any more it is handed back and the capture
reader is told to drop the rest of that connection's packets: memory follows
the connections open at once, and time follows the handshakes, not the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._slots import Slotted
from ..keys import status as st
from ..keys.keyring import KeyMaterial
from ..session.detect import CLIENT, SERVER, Pending, PendingTable, flip, roles
from ..wire.facts import flight_step
from ..wire.facts_hello import client_hello_facts, sslv2_client_hello_facts
from .hellos import HelloFacts, HelloScanner
from .row import Summary

if TYPE_CHECKING:  # the full decoder is imported only when keys need it
    from ..keys.engine import ConnectionKeys
    from ..wire.connection import ConnectionDecoder


class _Live(Slotted):
    __slots__ = (
        "chunks",
        "decoder",
        "done",
        "keys",
        "mid_stream",
        "quick",
        "scanner",
        "summary",
        "swap",
    )

    def __init__(
        self, summary: Summary, swap: bool, *, quick: Any = None, mid_stream: bool = False
    ) -> None:
        self.summary = summary
        self.swap = swap
        self.scanner: HelloScanner | None = None
        self.decoder: ConnectionDecoder | None = None
        self.keys: ConnectionKeys | None = None
        self.quick = quick  # a .quickkeys.QuickVerifier (imported only with keys)
        self.chunks: list[tuple[str, bytes, float]] | None = None  # kept for a fallback
        self.done = False
        self.mid_stream = mid_stream


class SummaryBuilder:
    """Feed it capture events (as method calls); it returns finished summaries."""

    def __init__(
        self,
        *,
        material: KeyMaterial | None = None,
        ignore: Callable[[int], None] | None = None,
    ) -> None:
        self.material = material
        self._ignore = ignore
        self._pending = PendingTable(ignore)
        self._live: dict[int, _Live] = {}

    @property
    def keyed(self) -> bool:
        return self.material is not None and self.material.given

    def opened(
        self,
        conn: int,
        client: str,
        server: str,
        time: float,
        syn_seen: bool,
        packet: int = 0,
        by_syn: bool = False,
        transport: str = "tcp",
    ) -> None:
        self._pending.opened(conn, client, server, time, syn_seen, packet, by_syn, transport)

    def data(self, conn: int, direction: str, data: bytes, time: float) -> list[Summary]:
        live = self._live.get(conn)
        if live is not None:
            return self._feed(conn, live, direction, data, time)
        pend = self._pending.data(conn, direction, data, time)
        return self._start(conn, pend) if pend is not None else []

    def settled(
        self,
        conn: int,
        client: str,
        server: str,
        start: float,
        facts: HelloFacts,
        time: float,
        quick: Any = None,
    ) -> Summary:
        """The summary of a connection followed elsewhere (the capture loop's
        lanes): its hellos' facts, and the quick verifier's verdict if it had
        keys; settled at ``time``."""
        s = Summary(conn, client, server, start, facts=facts, by_syn=True)
        if quick is None:  # _final, for a connection followed without keys
            s.end_time = time
            if self.material is not None:
                s.keys = _NO_KEYS
            return s
        assert quick.status is not None  # the lane hands over connections without a verdict
        return self._final(_Live(s, False, quick=quick), time, None)

    def gap(self, conn: int, direction: str, length: int, time: float) -> None:
        live = self._live.get(conn)
        if live is None:
            self._pending.gap(conn, direction, length, time)
        elif live.decoder is not None or live.quick is not None:
            if live.decoder is None:
                self._full(live)  # the quick check cannot cross a hole: the full flow can
            assert live.decoder is not None
            d = flip(direction) if live.swap else direction
            live.decoder.receive_gap(d, length, time)
            self._drain(live)
        else:
            # the hellos cannot be scanned across a hole: the row is settled as
            # it stands, and handed on with the next event of the connection
            live.summary.errors += 1
            assert live.scanner is not None
            live.scanner.done = True

    def discard(self, conn: int) -> None:
        """Forget ``conn`` without a word (its events are about to be replayed)."""
        self._pending.pending.pop(conn, None)
        self._live.pop(conn, None)

    def closed(self, conn: int, time: float, reason: str) -> list[Summary]:
        self._pending.pending.pop(conn, None)
        live = self._live.pop(conn, None)
        if live is None or live.done:
            return []
        if live.quick is not None and live.quick.status is None:
            self._full(live)  # the quick check came to no verdict: the full flow's
        if live.decoder is not None:
            live.decoder.close(truncated=reason == "eof")
            self._drain(live)
        return [self._final(live, time, reason)]

    def finish(self, time: float | None = None) -> list[Summary]:
        out: list[Summary] = []
        for conn in sorted(self._live, key=lambda c: self._live[c].summary.id):
            out.extend(self.closed(conn, time or 0.0, "eof"))
        self._pending.pending.clear()
        return out

    # -- internals ----------------------------------------------------------------
    def _start(self, conn: int, pend: Pending) -> list[Summary]:
        client, server, swap = roles(pend)
        s = Summary(pend.number, client, server, pend.time, by_syn=pend.by_syn)
        s.transport = pend.transport
        live = _Live(s, swap, mid_stream=not pend.syn_seen and pend.transport == "tcp")
        if pend.transport != "tcp":
            # DTLS associations are few: the decoder itself (without field
            # trees) follows them, datagram by datagram
            self._full(live)
        elif self.keyed:
            assert self.material is not None
            m = self.material
            if not (m.rsa_keys or m.psks or m.ephemeral):
                # a key log only: the quick verifier (which reads the hellos'
                # facts too), with the full flow as fallback
                from .quickkeys import QuickVerifier

                live.quick = QuickVerifier(m.keylog, s.facts)
                live.chunks = []
            else:
                self._full(live)
        else:
            live.scanner = HelloScanner(s.facts)
        self._live[conn] = live
        out: list[Summary] = []
        for direction, chunk, time in pend.chunks:
            if isinstance(chunk, int):
                self.gap(conn, direction, chunk, time)
            else:
                out.extend(self._feed(conn, live, direction, chunk, time))
        return out

    def _feed(
        self, conn: int, live: _Live, direction: str, data: bytes, time: float
    ) -> list[Summary]:
        if live.done:
            return []
        d = flip(direction) if live.swap else direction
        if live.decoder is not None:
            live.decoder.receive_data(d, data, time)
            done = self._drain(live)
        elif live.quick is not None:
            assert live.chunks is not None
            live.chunks.append((d, data, time))
            live.quick.feed(d, data)
            if live.quick.unsure:
                self._full(live)
                done = self._drain(live)
            else:
                done = live.quick.done
        else:
            assert live.scanner is not None
            live.scanner.feed(d, data)
            done = live.scanner.done
        if not done:
            return []
        live.done = True
        del self._live[conn]
        if self._ignore is not None:
            self._ignore(conn)
        return [self._final(live, time, None)]

    def _full(self, live: _Live) -> None:
        """The full decoder and key flow (without field trees or signature
        checks); replays what the quick path had seen."""
        from ..keys.engine import ConnectionKeys
        from ..wire.connection import ConnectionDecoder
        from ..wire.dtls_connection import DatagramDecoder

        material = self.material if self.material is not None else KeyMaterial()
        cls = DatagramDecoder if live.summary.transport != "tcp" else ConnectionDecoder
        live.decoder = cls(
            record_fields=False,
            certificates=False,
            mid_stream=live.mid_stream,
            skip_application_data=True,
        )
        live.keys = ConnectionKeys(material, live.summary.id, signatures=False)
        live.quick = None
        live.summary.facts = HelloFacts()  # read again, from the decoder's answers
        # chunk by chunk, as the full decode feeds it: which record fails
        # first (and so the reason given) depends on the order
        for d, data, time in live.chunks or ():
            live.decoder.receive_data(d, data, time)
            self._drain(live)
        live.chunks = None

    def _drain(self, live: _Live) -> bool:
        from ..wire.message import Message

        dec, keys = live.decoder, live.keys
        assert dec is not None and keys is not None
        facts = live.summary.facts
        while True:
            ev = dec.next_event()
            if isinstance(ev, str):
                break
            keys.observe(dec, ev)
            if isinstance(ev, Message):
                if ev.diagnostics:
                    live.summary.errors += 1
                if ev.dtls is not None and ev.dtls.retransmission:
                    continue
                if ev.direction == SERVER:
                    facts.flight = flight_step(facts.flight, ev.type)
                if facts.client is None and ev.type == "ClientHello" and ev.body is not None:
                    # the decoder's first ClientHello, read by the same facts parser
                    if getattr(ev.body, "sslv2", False):
                        facts.client = sslv2_client_hello_facts(ev.raw)
                    elif ev.dtls is not None:
                        facts.client = client_hello_facts(ev.raw, 12, dtls=True)
                    else:
                        facts.client = client_hello_facts(ev.raw, 4)
            else:
                live.summary.errors += 1
        neg = dec.neg
        facts.version = neg.version
        facts.cipher_suite = neg.cipher_suite
        facts.alpn = neg.alpn
        sh, hrr, ske = neg.server_hello, neg.hello_retry, neg.server_key_exchange
        facts.server_version = sh.version if sh is not None else None
        facts.server_session_id = sh.session_id if sh is not None else None
        facts.server_group = sh.selected_group if sh is not None else None
        facts.psk_selected = sh.psk_selected if sh is not None else None
        facts.hello_retry = hrr is not None
        facts.retry_group = hrr.selected_group if hrr is not None else None
        facts.key_exchange = ske is not None
        facts.key_exchange_group = ske.group if ske is not None else None
        fin = dec.order.finished
        return bool(fin.get(CLIENT) and fin.get(SERVER))

    def _final(self, live: _Live, time: float, reason: str | None) -> Summary:
        s = live.summary
        s.end_time = time
        s.closed = reason
        if live.keys is not None:
            s.keys = live.keys.status()
        elif live.quick is not None:
            q = live.quick
            if q.alpn is not None and s.facts.alpn is None:
                s.facts.alpn = q.alpn
            # only verdicts of its own: see closed(), which gives the others
            # to the full flow
            assert q.status is not None
            s.keys = (q.status, q.reason)
        elif self.material is not None:
            s.keys = _NO_KEYS
        return s


_NO_KEYS = (st.MISSING, st.NO_KEYS)
