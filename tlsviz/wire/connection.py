"""Sans-IO decoder of one TLS connection (both directions).

Feed each direction's bytes as they arrive (:meth:`ConnectionDecoder.receive_data`),
pull events (:meth:`ConnectionDecoder.next_event`) until :data:`NEED_DATA`.
Events are :class:`Message` values and stand-alone :class:`Diagnostic` values
(noise between records, capture gaps).  The decoder keeps the state that the
bytes alone do not tell: the negotiated version and suite (the bodies of the
key exchange messages depend on them) and whether each direction is encrypted.

Decryption is plugged in from outside (the keys layer): :meth:`set_decryptor`
installs a function that turns an encrypted record into plaintext.  Because
records are only processed when the caller asks for the next event, the caller
can install a decryptor right after the message that made the keys derivable
(ServerHello in TLS 1.3, ChangeCipherSpec before TLS 1.3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from . import registry as reg
from .dispatch import (
    ParseContext,
    decode_alerts,
    decode_application_data,
    decode_ccs,
    decode_encrypted,
    decode_handshake,
    decode_heartbeat,
    decode_sslv2_hello,
    decode_unknown_content,
)
from .extensions import find
from .facts import connection_group
from .facts import is_tls13 as is_tls13
from .fields import Diagnostic, Severity
from .hello import ClientHello, ServerHello
from .keyexchange import ServerKeyExchange
from .message import STREAM, Buffer, Message, Segment
from .messages import EncryptedExtensions
from .order import OrderChecker
from .reassembly import MAX_MESSAGE, MAX_MESSAGE_RECORDS, HandshakeReassembler, Oversized
from .records import NEED_DATA, Framer, Record, RecordNoise, RecordReader
from .registry import ContentType as CT
from .registry import HandshakeType as HT

CLIENT = "client"
SERVER = "server"
DIRECTIONS = (CLIENT, SERVER)

Event = Message | Diagnostic


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class Decrypted:
    """What a decryptor returns for one record.

    ``content_type`` is the real type (TLS 1.3 hides it inside the plaintext,
    RFC 8446 §5.2).  ``ok`` False means authentication failed: the record is
    then shown as still encrypted, with ``error`` as the reason.
    """

    plaintext: bytes
    content_type: int
    ok: bool = True
    error: str | None = None
    detail: Any = None


Decryptor = Callable[[Record], Decrypted | None]


@dataclass(slots=True)
class Negotiation:
    """What the hellos settled, for summaries and for the keys layer."""

    client_hellos: list[ClientHello] = field(default_factory=list)
    server_hello: ServerHello | None = None
    hello_retry: ServerHello | None = None
    version: int | None = None
    suite: reg.SuiteInfo | None = None
    cipher_suite: int | None = None
    handshakes: int = 0  # ClientHellos seen (more than one: HRR or renegotiation)
    encrypted_extensions: EncryptedExtensions | None = None
    server_key_exchange: ServerKeyExchange | None = None

    @property
    def client_hello(self) -> ClientHello | None:
        return self.client_hellos[0] if self.client_hellos else None

    @property
    def tls13(self) -> bool:
        return is_tls13(self.version)

    @property
    def sni(self) -> str | None:
        ch = self.client_hello
        return ch.sni if ch is not None else None

    @property
    def alpn(self) -> str | None:
        """The protocol the server selected: in the ServerHello before TLS 1.3,
        in the (encrypted) EncryptedExtensions from TLS 1.3 on."""
        sh = self.server_hello
        if sh is not None and sh.alpn is not None:
            return sh.alpn
        ee = self.encrypted_extensions
        if ee is not None:
            v = find(ee.extensions, 16)
            if v is not None and isinstance(v.value, list) and v.value:
                return str(v.value[0])
        return None

    @property
    def group(self) -> int | None:
        """The key-exchange group (:func:`~.facts.connection_group`): the key
        share (TLS 1.3), the ServerKeyExchange's named curve (TLS 1.2 and
        older), or the group a HelloRetryRequest asked for."""
        sh, ske, hrr = self.server_hello, self.server_key_exchange, self.hello_retry
        return connection_group(
            sh.selected_group if sh is not None else None,
            ske.group if ske is not None else None,
            hrr.selected_group if hrr is not None else None,
        )


class ConnectionDecoder:
    """Decodes both directions of one connection into a stream of events."""

    def __init__(
        self,
        *,
        record_fields: bool = True,
        certificates: bool = True,
        mid_stream: bool = False,
        skip_application_data: bool = False,
        lazy_fields: bool = False,
    ) -> None:
        """``lazy_fields``: field trees are built when first asked for (see
        :class:`~.message.Message`), not while decoding."""
        # A capture that starts after the connection did usually still starts
        # at a record boundary: frame normally, only after gaps re-synchronise.
        self.readers: dict[str, Framer] = {d: RecordReader() for d in DIRECTIONS}
        self.reassemblers = {d: HandshakeReassembler() for d in DIRECTIONS}
        self.decryptors: dict[str, Decryptor | None] = {CLIENT: None, SERVER: None}
        self.cipher_on = {CLIENT: False, SERVER: False}
        self.neg = Negotiation()
        self.order = OrderChecker(mid_stream=mid_stream)
        self.record_fields = record_fields
        self.certificates = certificates
        self.skip_application_data = skip_application_data
        # Events not handed out yet are _events[_head:] (a list and an index:
        # a deque's first block is 600 bytes, and hundreds of connections are
        # open at once); the directions with records to read, at most two.
        self._events: list[Event] = []
        self._head = 0
        self._dirty: list[str] = []
        #: a DTLS association (see :class:`~.dtls_connection.DatagramDecoder`)
        self.dtls = False
        self.lazy_fields = lazy_fields and record_fields
        self._ctx = ParseContext(
            record_fields=record_fields, certificates=certificates, lazy=self.lazy_fields
        )

    # -- input ----------------------------------------------------------------
    def receive_data(self, direction: str, data: bytes, time: float | None = None) -> None:
        self.readers[direction].receive_data(data, time)
        self._mark(direction)

    def receive_gap(self, direction: str, length: int, time: float | None = None) -> None:
        self.readers[direction].receive_gap(length, time)
        self._mark(direction)

    def close(self, direction: str | None = None, *, truncated: bool = False) -> None:
        """No more bytes will come; ``truncated`` if the capture (not the
        connection) ended, so that incomplete messages are warnings."""
        for d in (direction,) if direction else DIRECTIONS:
            self.readers[d].close(truncated=truncated)
            self._mark(d)

    def _mark(self, direction: str) -> None:
        if direction not in self._dirty:
            self._dirty.append(direction)

    def set_decryptor(self, direction: str, decryptor: Decryptor | None) -> None:
        self.decryptors[direction] = decryptor

    # -- output ---------------------------------------------------------------
    def next_event(self) -> Event | str:
        events = self._events
        while self._head == len(events):
            if self._head:
                events.clear()
                self._head = 0
            if not self._dirty:
                return NEED_DATA
            direction = self._dirty[0]
            item = self.readers[direction].next_record()
            if item is NEED_DATA:
                del self._dirty[0]
                if self.readers[direction].closed:
                    self._close_reassembler(direction)
                continue
            if isinstance(item, RecordNoise):
                self._events.append(
                    Diagnostic(
                        item.severity,
                        item.reason,
                        item.offset,
                        item.length,
                        item.rfc,
                        direction,
                        direction,
                    )
                )
            elif isinstance(item, Record):
                self._record(direction, item)
        event = events[self._head]
        self._head += 1
        return event

    def events(self) -> Iterator[Event]:
        while True:
            ev = self.next_event()
            if isinstance(ev, str):
                return
            yield ev

    # -- records --------------------------------------------------------------
    def _context(self) -> ParseContext:
        ctx = self._ctx
        neg = self.neg
        if ctx.version != neg.version or ctx.suite is not neg.suite:
            ctx = ParseContext(
                neg.version, neg.suite, neg.tls13, self.record_fields, self.certificates, self.dtls,
                self.lazy_fields,
            )  # fmt: skip
            self._ctx = ctx
        return ctx

    def _record(self, direction: str, rec: Record) -> None:
        ctx = self._context()
        if rec.sslv2:
            msg = decode_sslv2_hello(rec, direction, ctx)
            self._handshake_message(direction, msg)
            return
        ctype = rec.content_type
        encrypted = self.cipher_on[direction] or ctype == CT.application_data
        if ctype == CT.change_cipher_spec and not self.cipher_on[direction]:
            encrypted = False
        if not encrypted:
            self._content(
                direction,
                rec,
                ctype,
                rec.fragment,
                Segment(0, STREAM[direction], rec.offset + rec.header_length, rec.length),
                False,
            )
            return
        if (
            ctype == CT.application_data
            and self.skip_application_data
            and self._handshake_done(direction)
        ):
            return
        dec = self.decryptors[direction]
        result = dec(rec) if dec is not None else None
        if self._cleartext(direction, rec, result):
            return
        if result is None or not result.ok:
            msg = decode_encrypted(rec, direction, ctx)
            if result is not None and result.error:
                diag = Diagnostic(
                    Severity.WARNING, result.error, 0, len(rec.fragment), None, direction
                )
                msg = _with(msg, diagnostics=(*msg.diagnostics, diag))
            self._discard_partial(direction, "an encrypted record")
            self._events.append(msg)
            return
        buf = Buffer(direction, rec.offset)
        self._content(
            direction,
            rec,
            result.content_type,
            result.plaintext,
            Segment(0, buf, 0, len(result.plaintext)),
            True,
        )

    def _cleartext_suite(self) -> reg.SuiteInfo | None:
        """The negotiated suite if its records encrypt nothing (RFC 5246 §6.2.3.1:
        with the NULL cipher a record is the content followed by its MAC), and the
        content is not compressed either; None otherwise."""
        suite, sh = self.neg.suite, self.neg.server_hello
        if suite is None or suite.tls13 or suite.scsv or suite.mode != "null":
            return None
        if sh is None or sh.compression_method != 0:
            return None
        return suite

    def _cleartext(self, direction: str, rec: Record, result: Decrypted | None) -> bool:
        """Decode a NULL-cipher record as the plaintext it is, with or without keys.

        Without keys the MAC is not checked; with keys ``result`` says whether it
        verified.  The message's bytes are the stream's own bytes, since nothing
        was encrypted.  False when the record is not of such a suite.
        """
        suite = self._cleartext_suite()
        if suite is None:
            return False
        n = len(rec.fragment) - suite.mac_len
        if n < 0 or (result is not None and result.ok and result.plaintext != rec.fragment[:n]):
            return False
        mac = f"{suite.mac_len}-byte MAC" if suite.mac_len else "no MAC"
        if result is None:
            check = "Its MAC was not checked: no keys were given."
        elif result.ok:
            check = "Its MAC verifies with the MAC key derived for this direction."
        else:
            check = "Its MAC does NOT verify with the derived MAC key."
        note = (
            f"Sent in the clear: {suite.name} encrypts nothing, so this record carried the "
            f"content as plaintext followed by a {mac}, which protects integrity only; anyone "
            f"on the path can read it (RFC 5246 §6.2.3.1). {check}"
        )
        extra: tuple[Diagnostic, ...] = ()
        if result is not None and not result.ok:
            why = getattr(result.detail, "error", None) or result.error
            extra = (
                Diagnostic(
                    Severity.WARNING,
                    f"the MAC of this cleartext record does not verify: {why}",
                    0,
                    0,
                    "RFC 5246 §6.2.3.1",
                    direction,
                ),
            )
        start = len(self._events)
        if suite.mac_len:  # the MAC's bytes become a field of the record
            rec = replace(rec, mac_length=suite.mac_len)
        seg = Segment(0, STREAM[direction], rec.offset + rec.header_length, n)
        self._content(direction, rec, rec.content_type, rec.fragment[:n], seg, True)
        for i in range(start, len(self._events)):
            ev = self._events[i]
            if isinstance(ev, Message):
                self._events[i] = _with(
                    ev,
                    cleartext=True,
                    notes=(*ev.notes, note),
                    diagnostics=(*ev.diagnostics, *extra),
                )
        return True

    def _handshake_done(self, direction: str) -> bool:
        return self.order.finished.get(direction, False)

    def _content(
        self, direction: str, rec: Record, ctype: int, data: bytes, seg: Segment, encrypted: bool
    ) -> None:
        ctx = self._context()
        if ctype != CT.handshake and self.reassemblers[direction].pending:
            self._discard_partial(direction, f"a {reg.content_type_name(ctype)} record")
        segs = (seg,)
        if ctype == CT.handshake:
            if not data:
                self._events.append(
                    Diagnostic(
                        Severity.WARNING,
                        "empty handshake record",
                        rec.offset,
                        rec.header_length,
                        "RFC 8446 §5.1",
                        direction,
                        direction,
                    )
                )
                return
            for hs in self.reassemblers[direction].feed(data, seg.buffer, seg.offset, rec):
                if isinstance(hs, Oversized):
                    self._oversized(direction, hs, "")
                    continue
                msg = decode_handshake(hs, direction, self._context(), encrypted)
                self._handshake_message(direction, msg)
        elif ctype == CT.change_cipher_spec:
            msg = decode_ccs(data, segs, rec, direction, ctx, encrypted)
            self._events.append(msg)
            self._after_ccs(direction)
        elif ctype == CT.alert:
            self._events.extend(decode_alerts(data, seg, rec, direction, ctx, encrypted))
        elif ctype == CT.application_data:
            self._events.append(decode_application_data(data, segs, rec, direction, ctx, encrypted))
        elif ctype == CT.heartbeat:
            self._events.append(decode_heartbeat(data, segs, rec, direction, ctx, encrypted))
        else:
            self._events.append(
                decode_unknown_content(data, segs, rec, direction, ctx, ctype, encrypted)
            )

    def _after_ccs(self, direction: str) -> None:
        """RFC 5246 §7.1: after ChangeCipherSpec the sender's records are
        protected.  Not in TLS 1.3, where it is a compatibility no-op (§D.4);
        a client that offered TLS 1.3 may send it before the ServerHello."""
        neg = self.neg
        if neg.tls13:
            return
        if neg.version is None:
            ch = neg.client_hello
            if direction == CLIENT and ch is not None and ch.offers_tls13:
                return
        self.cipher_on[direction] = True

    def _handshake_message(self, direction: str, msg: Message) -> None:
        neg = self.neg
        body = msg.body
        if msg.handshake_type == HT.client_hello and isinstance(body, ClientHello):
            neg.client_hellos.append(body)
            neg.handshakes += 1
        elif msg.handshake_type == HT.server_hello and isinstance(body, ServerHello):
            if body.is_hrr:
                neg.hello_retry = body
                neg.version = body.version
            elif neg.server_hello is None or not msg.encrypted:
                neg.server_hello = body
                neg.version = body.version
                neg.cipher_suite = body.cipher_suite
                neg.suite = reg.SUITES.get(body.cipher_suite)
        elif isinstance(body, EncryptedExtensions) and neg.encrypted_extensions is None:
            neg.encrypted_extensions = body
        elif isinstance(body, ServerKeyExchange) and neg.server_key_exchange is None:
            neg.server_key_exchange = body
        extra = self.order.check(direction, msg, neg.version)
        if extra:
            msg = _with(msg, diagnostics=(*msg.diagnostics, *extra))
        self._events.append(msg)

    def _discard_partial(self, direction: str, why: str) -> None:
        if self.reassemblers[direction].pending:
            self._partial(
                direction,
                Severity.ERROR,
                "incomplete handshake message ({n} bytes) interrupted by " + why,
                f"; then {why} interrupted it",
            )

    def _close_reassembler(self, direction: str) -> None:
        if self.reassemblers[direction].pending:
            truncated = self.readers[direction].truncated
            where = "capture" if truncated else "stream"
            self._partial(
                direction,
                Severity.WARNING if truncated else Severity.ERROR,
                f"the {where} ends inside a handshake message ({{n}} bytes received)",
                f"; then the {where} ended",
            )

    def _oversized(self, direction: str, big: Oversized, why: str) -> None:
        """A handshake message too big to hold was skipped (see
        :mod:`.reassembly`): one diagnostic over the records that carried it."""
        name = reg.handshake_name(big.msg_type)
        limit = (
            f"longer than the {MAX_MESSAGE} bytes tlsviz reassembles"
            if big.length > MAX_MESSAGE
            else f"spread over more than the {MAX_MESSAGE_RECORDS} records tlsviz reassembles"
        )
        what = f"all {big.received} of its bytes" if big.complete else f"{big.received} bytes of it"
        self._events.append(
            Diagnostic(
                Severity.ERROR,
                f"a {name} message of {big.length} bytes is {limit}: {what} were skipped{why}",
                big.first.offset,
                big.last.end - big.first.offset,
                "RFC 8446 §4",
                direction,
                direction,
            )
        )

    def _partial(self, direction: str, severity: Severity, message: str, then: str) -> None:
        """Report a dropped partial message on the records that carried it
        (headers included, so that every byte stays accounted for); ``then``
        ends the sentence about an oversized one being skipped."""
        big = self.reassemblers[direction].discard_oversized()
        if big is not None:
            self._oversized(direction, big, then)
            return
        data, _segs, recs = self.reassemblers[direction].discard()
        start = recs[0].offset
        self._events.append(
            Diagnostic(
                severity,
                message.format(n=len(data)),
                start,
                recs[-1].end - start,
                "RFC 8446 §5.1",
                direction,
                direction,
            )
        )


def _with(msg: Message, **changes: Any) -> Message:
    return msg.replace(**changes)
