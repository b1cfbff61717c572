"""One line per connection, for captures of any size (``decode --summary``).

:class:`SummaryBuilder` takes the same calls as the timeline builder (opened,
data, gap, closed, finish) but keeps no messages.  Without key material it
only scans the hellos (:mod:`tlsviz.wire.scan`); with key material it runs the
decoder without field trees and the key derivation without signature checks,
until both Finished messages are checked.  Either way, as soon as a
connection's summary cannot change any more it is handed back and the capture
reader is told to drop the rest of that connection's packets: memory follows
the connections open at once, and time follows the handshakes, not the data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._slots import Slotted
from ..keys.keyring import KeyMaterial
from ..wire.scan import HelloFacts, HelloScanner
from .detect import CLIENT, SERVER, Pending, PendingTable, flip, roles

if TYPE_CHECKING:  # the full decoder is imported only when keys need it
    from ..keys.engine import ConnectionKeys
    from ..wire.connection import ConnectionDecoder


@functools.cache
def _registry() -> Any:
    """The IANA names, loaded at the first row (after the summary has forked
    its workers, so that each loads them alongside the others)."""
    from ..wire import registry

    return registry


# the names of the codes met so far (a capture has few versions, suites and
# groups; every row names three)


@functools.cache
def _version_name(v: int) -> str:
    return str(_registry().version_name(v))


@functools.cache
def _suite_name(v: int) -> str:
    return str(_registry().suite_name(v))


@functools.cache
def _group_name(v: int) -> str:
    return str(_registry().group_name(v))


class Summary(Slotted):
    """The facts of one connection; the keys are those of ``decode --json``."""

    __slots__ = (
        "by_syn",
        "client",
        "closed",
        "end_time",
        "errors",
        "facts",
        "id",
        "keys",
        "server",
        "start_time",
    )

    def __init__(
        self,
        id: int,
        client: str,
        server: str,
        start_time: float | None = None,
        *,
        facts: HelloFacts | None = None,
        by_syn: bool = False,
    ) -> None:
        self.id = id
        self.client = client
        self.server = server
        self.start_time = start_time
        self.end_time: float | None = None
        self.facts = facts if facts is not None else HelloFacts()
        self.keys: tuple[str, str] | None = None  # (status, reason)
        self.closed: str | None = None
        self.errors = 0
        #: opened by the client's SYN itself (not from a SYN/ACK, nor mid-stream)
        self.by_syn = by_syn

    @property
    def version(self) -> str | None:
        v = self.facts.version
        return _version_name(v) if v is not None else None

    @property
    def cipher_suite(self) -> str | None:
        s = self.facts.cipher_suite
        return _suite_name(s) if s is not None else None

    @property
    def group(self) -> str | None:
        g = self.facts.group
        return _group_name(g) if g is not None else None

    def to_json(self) -> dict[str, Any]:
        f = self.facts
        out: dict[str, Any] = {
            "id": self.id,
            "transport": "tcp",
            "client": self.client,
            "server": self.server,
            "version": self.version,
            "cipher_suite": self.cipher_suite,
            "sni": f.sni,
            "alpn": f.alpn,
            "group": self.group,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "closed": self.closed,
            "resumed": f.psk_accepted,
            "hello_retry": f.hello_retry,
        }
        if self.keys is not None:
            out["keys"] = {"status": self.keys[0], "reason": self.keys[1]}
        return out

    def line(self) -> str:
        parts = [
            f"{self.id:>6}",
            f"{self.client} -> {self.server}",
            self.version or "?",
            self.cipher_suite or "?",
        ]
        f = self.facts
        if f.sni:
            parts.append(f"sni={f.sni}")
        if f.alpn:
            parts.append(f"alpn={f.alpn}")
        if self.group:
            parts.append(f"group={self.group}")
        if self.keys is not None:
            parts.append(f"keys={self.keys[0]}")
        return "  ".join(parts)


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
        self.quick = quick  # a tlsviz.keys.quick.QuickVerifier (imported only with keys)
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
    ) -> None:
        self._pending.opened(conn, client, server, time, syn_seen, packet, by_syn)

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
        return self._final(_Live(s, False, quick=quick), time, None)

    def gap(self, conn: int, direction: str, length: int, time: float) -> None:
        live = self._live.get(conn)
        if live is None:
            self._pending.gap(conn, direction, length, time)
        elif live.decoder is not None:
            d = flip(direction) if live.swap else direction
            live.decoder.receive_gap(d, length, time)
            self._drain(live)
        else:
            live.summary.errors += 1  # the hellos cannot be scanned across a hole
            live.done = True

    def discard(self, conn: int) -> None:
        """Forget ``conn`` without a word (its events are about to be replayed)."""
        self._pending.pending.pop(conn, None)
        self._live.pop(conn, None)

    def closed(self, conn: int, time: float, reason: str) -> list[Summary]:
        self._pending.pending.pop(conn, None)
        live = self._live.pop(conn, None)
        if live is None or live.done:
            return []
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
        live = _Live(s, swap, mid_stream=not pend.syn_seen)
        if self.keyed:
            assert self.material is not None
            m = self.material
            if not (m.rsa_keys or m.psks or m.ephemeral):
                # a key log only: the quick verifier (which reads the hellos'
                # facts too), with the full flow as fallback
                from ..keys.quick import QuickVerifier

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

        assert self.material is not None
        live.decoder = ConnectionDecoder(
            record_fields=False,
            certificates=False,
            mid_stream=live.mid_stream,
            skip_application_data=True,
        )
        live.keys = ConnectionKeys(self.material, live.summary.id, signatures=False)
        live.quick = None
        for d, data, time in live.chunks or ():
            live.decoder.receive_data(d, data, time)
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
            else:
                live.summary.errors += 1
        neg = dec.neg
        facts.version = neg.version
        facts.cipher_suite = neg.cipher_suite
        facts.group = neg.group
        facts.alpn = neg.alpn
        facts.sni = neg.sni
        facts.hello_retry = neg.hello_retry is not None
        sh = neg.server_hello
        facts.psk_accepted = sh is not None and sh.psk_selected is not None
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
            if q.status is not None:
                s.keys = (q.status, _sentence(q.reason))
            elif q.finished:
                s.keys = ("partial", "Only one Finished message was seen.")
            elif q.suite is None:
                s.keys = ("missing", "No ServerHello was seen, so no keys were agreed.")
            else:
                s.keys = (
                    "partial",
                    "The handshake did not reach its Finished messages in the capture.",
                )
        elif self.material is not None:
            s.keys = _NO_KEYS
        return s


_NO_KEYS = ("missing", "No key log or keys were given.")


def _sentence(text: str) -> str:
    text = text.strip()
    if text:
        text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."
