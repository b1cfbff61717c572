"""Sans-IO decoder of one DTLS association: datagrams in, the same events as
TLS out (:class:`~.connection.ConnectionDecoder`'s interface).

What differs from TLS, and why it is handled here:

* each :meth:`receive_data` call is one datagram; records are framed inside
  it (:mod:`.dtls_records`), never across two;
* whether a record is protected is written in it: its epoch (0: in the
  clear) or its unified header (always protected), not the order of
  ChangeCipherSpec and the records after it, which datagrams may reorder
  (RFC 6347 §4.1, RFC 9147 §4);
* handshake messages are put together from fragments in any order, and a
  repeat of a message already received is shown as a retransmission
  (:mod:`.dtls_reassembly`); a HelloVerifyRequest and the ClientHello that
  answers it belong to one handshake (RFC 6347 §4.2.1);
* the connection IDs agreed in the hellos (RFC 9146 §3) tell the record
  reader how long the CID in the peer's records is.
"""

from __future__ import annotations

from .connection import CLIENT, DIRECTIONS, SERVER, ConnectionDecoder, _with
from .dispatch import (
    ParseContext,
    _finish,
    decode_alerts,
    decode_application_data,
    decode_ccs,
    decode_encrypted,
    decode_handshake,
    decode_heartbeat,
    decode_unknown_content,
)
from .dtls_framing import ACK
from .dtls_messages import HelloVerifyRequest, parse_ack
from .dtls_reassembly import DtlsReassembler, FragmentProblem
from .dtls_records import DatagramRecordReader
from .extensions import find
from .fields import Diagnostic, Severity
from .hello import ClientHello, ServerHello
from .message import STREAM, Buffer, Message, Segment
from .messages import EncryptedExtensions
from .reader import Reader
from .reassembly import RawHandshake
from .records import Record

#: ExtensionType connection_id (RFC 9146 §3)
CONNECTION_ID = 54


class DatagramDecoder(ConnectionDecoder):
    """Decodes both directions of one DTLS association into events."""

    def __init__(
        self,
        *,
        record_fields: bool = True,
        certificates: bool = True,
        mid_stream: bool = False,
        skip_application_data: bool = False,
        lazy_fields: bool = False,
    ) -> None:
        super().__init__(
            record_fields=record_fields,
            certificates=certificates,
            mid_stream=mid_stream,
            skip_application_data=skip_application_data,
            lazy_fields=lazy_fields,
        )
        self.dtls = True
        self.datagram_readers = {d: DatagramRecordReader() for d in DIRECTIONS}
        self.readers = dict(self.datagram_readers)
        self.dtls_reassemblers = {d: DtlsReassembler() for d in DIRECTIONS}
        self._ctx = ParseContext(
            record_fields=record_fields, certificates=certificates, dtls=True, lazy=self.lazy_fields
        )
        #: the server's HelloVerifyRequest, until a ServerHello follows it
        self.hello_verify: HelloVerifyRequest | None = None
        #: the connection IDs each side asked the other to use (RFC 9146 §3)
        self.connection_ids: dict[str, bytes] = {}

    @property
    def datagrams(self) -> dict[str, list[tuple[int, int, float | None]]]:
        """(offset, length, time) of each direction's datagrams."""
        return {d: self.datagram_readers[d].datagrams for d in DIRECTIONS}

    # -- records --------------------------------------------------------------
    def _record(self, direction: str, rec: Record) -> None:
        ctx = self._context()
        protected = rec.unified or (rec.epoch or 0) > 0
        if not protected:
            seg = Segment(0, STREAM[direction], rec.offset + rec.header_length, rec.length)
            self._content(direction, rec, rec.content_type, rec.fragment, seg, False)
            return
        if (
            self.skip_application_data
            and self._handshake_done(direction)
            and (rec.unified or rec.content_type == 23)
        ):
            return
        dec = self.decryptors[direction]
        result = dec(rec) if dec is not None else None
        if result is None or not result.ok:
            msg = decode_encrypted(rec, direction, ctx)
            if result is not None and result.error:
                diag = Diagnostic(
                    Severity.WARNING, result.error, 0, len(rec.fragment), None, direction
                )
                msg = _with(msg, diagnostics=(*msg.diagnostics, diag))
            self._events.append(msg)
            return
        buf = Buffer(direction, rec.offset)
        seg = Segment(0, buf, 0, len(result.plaintext))
        self._content(direction, rec, result.content_type, result.plaintext, seg, True)

    def _content(
        self, direction: str, rec: Record, ctype: int, data: bytes, seg: Segment, encrypted: bool
    ) -> None:
        ctx = self._context()
        segs = (seg,)
        if ctype == 22:
            if not data:
                self._events.append(Diagnostic(
                    Severity.WARNING, "empty handshake record", rec.offset, rec.header_length,
                    "RFC 6347 §4.1", direction, direction))  # fmt: skip
                return
            items = self.dtls_reassemblers[direction].feed(data, seg.buffer, seg.offset, rec)
            self._hand_on(direction, items, encrypted)
        elif ctype == 20:
            self._events.append(decode_ccs(data, segs, rec, direction, ctx, encrypted))
            if rec.version == 0x0100 and len(data) == 3:  # its message_seq (see decode_ccs)
                seq = (data[1] << 8) | data[2]
                self._hand_on(direction, self.dtls_reassemblers[direction].numbered(seq), encrypted)
        elif ctype == 21:
            self._events.extend(decode_alerts(data, seg, rec, direction, ctx, encrypted))
        elif ctype == 23:
            self._events.append(decode_application_data(data, segs, rec, direction, ctx, encrypted))
        elif ctype == 24:
            self._events.append(decode_heartbeat(data, segs, rec, direction, ctx, encrypted))
        elif ctype == ACK:
            self._events.append(decode_ack(data, segs, rec, direction, ctx, encrypted))
        else:
            self._events.append(
                decode_unknown_content(data, segs, rec, direction, ctx, ctype, encrypted)
            )

    def _hand_on(
        self, direction: str, items: list[RawHandshake | FragmentProblem], encrypted: bool
    ) -> None:
        for item in items:
            if isinstance(item, FragmentProblem):
                self._events.append(Diagnostic(
                    item.severity, item.message, item.offset, item.length, item.rfc, direction,
                    item.buffer.name))  # fmt: skip
                continue
            # a message completed in a decrypted record was protected, whatever
            # the record that carried its first fragment
            msg = decode_handshake(item, direction, self._context(), encrypted)
            self._handshake_message(direction, msg)

    def _handshake_message(self, direction: str, msg: Message) -> None:
        info = msg.dtls
        if info is not None and info.retransmission:
            note = (
                f"A retransmission: message_seq {info.message_seq} was already received. A "
                "DTLS peer that gets no answer to a flight in time sends the whole flight "
                "again; the receiver recognises the message_seq and drops the copy "
                "(RFC 6347 §4.2.4)."
            )
            self._events.append(_with(msg, notes=(*msg.notes, note)))
            return
        neg = self.neg
        body = msg.body
        again = (
            isinstance(body, ClientHello)
            and self.hello_verify is not None
            and neg.server_hello is None
        )
        if isinstance(body, HelloVerifyRequest):
            self.hello_verify = body
        super()._handshake_message(direction, msg)
        if again:
            neg.handshakes -= 1  # the ClientHello with the cookie: the same handshake
        if isinstance(body, ClientHello | ServerHello | EncryptedExtensions):
            cid = find(body.extensions, CONNECTION_ID) or find(body.extensions, CONNECTION_ID - 1)
            if cid is not None and isinstance(cid.value, bytes):
                # the sender asks its peer to put this CID in the records it sends
                self.connection_ids[direction] = cid.value
                peer = SERVER if direction == CLIENT else CLIENT
                self.datagram_readers[peer].cid_length = len(cid.value)

    def _discard_partial(self, direction: str, why: str) -> None:
        """Fragments of different messages interleave in DTLS: nothing to drop."""

    def _close_reassembler(self, direction: str) -> None:
        items = self.dtls_reassemblers[direction].discard()
        if items:
            self._hand_on(direction, items, False)


def decode_ack(
    data: bytes,
    seg: tuple[Segment, ...],
    rec: Record,
    direction: str,
    ctx: ParseContext,
    encrypted: bool,
) -> Message:
    """RFC 9147 §7: which records the sender received."""
    r = Reader(data, 0, record=ctx.record_fields)
    body = None
    with r.guard("ACK"):
        body = parse_ack(r)
        r.trailing("ACK")
    notes = []
    if body is not None:
        got = ", ".join(f"{e}/{s}" for e, s in body.record_numbers) or "none"
        notes.append(
            f"Acknowledges records (epoch/sequence number): {got}. DTLS 1.3 acknowledges "
            "handshake records explicitly, so a sender resends only what was lost rather than "
            "a whole flight (RFC 9147 §7)."
        )
    return _finish(r, direction, "ACK", ACK, encrypted, data, seg, (rec,), rec.time, body, notes)
