"""The DTLS record and fragment parsers on random and mutated datagrams:
diagnostics, never exceptions, and every byte of a datagram accounted for
(framed as a record or reported as noise).  Seeds are the datagrams of real
associations (the bundled DTLS capture), mutated the way a bad network or an
attacker would: bytes flipped, cut, repeated, reordered."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlsviz.bundled import capture_path
from tlsviz.capture import CaptureReader, StreamData
from tlsviz.wire.dtls_connection import DatagramDecoder
from tlsviz.wire.dtls_framing import looks_like_dtls
from tlsviz.wire.dtls_reassembly import DtlsReassembler
from tlsviz.wire.dtls_records import DatagramRecordReader
from tlsviz.wire.fields import Diagnostic
from tlsviz.wire.message import Buffer, Message
from tlsviz.wire.records import NEED_DATA, Record, RecordNoise


def _datagrams() -> list[tuple[str, bytes]]:
    out = []
    for ev in CaptureReader(capture_path("dtls12-psk-coap")):
        if isinstance(ev, StreamData):
            out.append((ev.direction, ev.data))
    return out


REAL = _datagrams()


def _frame(datagrams: list[bytes], cid: int | None = None) -> list[Record | RecordNoise]:
    reader = DatagramRecordReader()
    reader.cid_length = cid
    for d in datagrams:
        reader.receive_data(d)
    out = []
    while (item := reader.next_record()) is not NEED_DATA:
        assert isinstance(item, Record | RecordNoise)
        out.append(item)
    return out


def test_real_datagrams_frame_whole() -> None:
    assert REAL and looks_like_dtls(REAL[0][1])
    items = _frame([d for _, d in REAL])
    assert all(isinstance(i, Record) for i in items)
    assert sum(len(r.header) + len(r.fragment) for r in items) == sum(len(d) for _, d in REAL)


def _accounted(datagrams: list[bytes], cid: int | None) -> None:
    items = _frame(datagrams, cid)
    size = sum(len(i.header) + len(i.fragment) if isinstance(i, Record) else i.length
               for i in items)  # fmt: skip
    assert size == sum(len(d) for d in datagrams)
    pos = 0
    for i in items:  # in order, no overlaps, none across a datagram's end
        assert i.offset == pos
        pos += len(i.header) + len(i.fragment) if isinstance(i, Record) else i.length


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=120), max_size=6), st.sampled_from([None, 0, 2, 8]))
def test_random_datagrams(datagrams: list[bytes], cid: int | None) -> None:
    _accounted(datagrams, cid)


@st.composite
def _mutated(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    grams = list(REAL)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(grams) - 1))
        d, data = grams[i]
        what = draw(st.sampled_from(["flip", "cut", "repeat", "swap", "drop"]))
        if what == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
            grams[i] = (d, data)
        elif what == "cut":
            grams[i] = (d, data[: draw(st.integers(0, len(data)))])
        elif what == "repeat":
            grams.insert(i, grams[i])
        elif what == "swap" and i + 1 < len(grams):
            grams[i], grams[i + 1] = grams[i + 1], grams[i]
        elif what == "drop" and len(grams) > 1:
            del grams[i]
    return grams


def _decode(grams: list[tuple[str, bytes]]) -> list[Message | Diagnostic]:
    dec = DatagramDecoder()
    events: list[Message | Diagnostic] = []
    for d, data in grams:
        dec.receive_data(d, data)
        events.extend(dec.events())
    dec.close()
    events.extend(dec.events())
    return events


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_mutated())
def test_mutated_associations_decode_without_exceptions(grams: list[tuple[str, bytes]]) -> None:
    _accounted([g for _, g in grams], None)
    for ev in _decode(grams):
        assert isinstance(ev, Message | Diagnostic)


def test_repeated_and_reordered_flights() -> None:
    """A flight sent twice is shown twice, the copy marked; a flight whose
    datagrams swap places is still handed on in message_seq order."""
    grams = list(REAL)
    server = [i for i, (d, _) in enumerate(grams) if d == "server"]
    hello = server[1]  # ServerHello ... ServerHelloDone
    again = [*grams[: hello + 1], grams[hello], *grams[hello + 1 :]]
    msgs = [e for e in _decode(again) if isinstance(e, Message) and e.dtls is not None]
    repeats = [m for m in msgs if m.dtls.retransmission]
    assert repeats and all(m.direction == "server" for m in repeats)
    assert {m.type for m in repeats} <= {"ServerHello", "ServerKeyExchange", "ServerHelloDone"}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40), st.integers(0, 40),
                          st.integers(0, 40)), max_size=8))  # fmt: skip
def test_fragments_in_any_order(pieces: list[tuple[int, int, int, int]]) -> None:
    """Fragments of made-up messages, overlapping, out of range, in any order:
    messages or problems come out, never an exception, and a message's bytes
    are exactly its length."""
    reasm = DtlsReassembler()
    rec = Record(22, 0xFEFD, 0, b"", None, b"", epoch=0, seq=0)
    body = bytes(range(64))
    for seq, length, off, n in pieces:
        frag = body[off : off + n]
        header = bytes([1]) + length.to_bytes(3, "big") + seq.to_bytes(2, "big")
        header += off.to_bytes(3, "big") + len(frag).to_bytes(3, "big")
        for item in reasm.feed(header + frag, Buffer("client"), 0, rec):
            if not hasattr(item, "message"):
                assert len(item.raw) == 12 + int.from_bytes(item.raw[1:4], "big")
    for item in reasm.discard():
        assert item is not None
