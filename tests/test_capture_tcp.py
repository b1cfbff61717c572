"""TcpReassembler on hand-made segment sequences, plus property tests.

Each test spells out the segments as (direction, seq, payload, flags) so the
expected stream can be read off the test itself.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tlsviz.capture import (
    CaptureEvent,
    Endpoint,
    StreamClosed,
    StreamData,
    StreamGap,
    StreamOpened,
    TcpReassembler,
)
from tlsviz.capture.tcp import (
    ACK,
    CLOSED_TUPLE_SECONDS,
    FIN,
    MAX_BUFFER_BYTES,
    MAX_BUFFER_SEGMENTS,
    RST,
    RST_GRACE_MIN_SECONDS,
    RST_GRACE_RTTS,
    RST_GRACE_SECONDS,
    SYN,
)

E = TypeVar("E")
CLIENT = ("10.0.0.1", 40000)
SERVER = ("10.0.0.2", 443)
PA = ACK | 0x08  # ACK+PSH, what data segments usually carry


class Conv:
    """A conversation between CLIENT and SERVER fed into one reassembler."""

    def __init__(self) -> None:
        self.r = TcpReassembler()
        self.events: list[CaptureEvent] = []
        self.t = 0.0

    def send(
        self,
        d: str,
        seq: int,
        data: bytes = b"",
        flags: int = PA,
        ack: int = 0,
        wire_len: int | None = None,
        src: tuple[str, int] | None = None,
    ) -> list[CaptureEvent]:
        a, b = (CLIENT, SERVER) if d == "c" else (SERVER, CLIENT)
        if src is not None:
            a = src
        self.t += 0.001
        evs = self.r.feed(self.t, a[0], a[1], b[0], b[1], seq, ack, flags, data, wire_len)
        self.events += evs
        return evs

    def handshake(self, cisn: int = 1000, sisn: int = 5000) -> None:
        self.send("c", cisn, flags=SYN)
        self.send("s", sisn, flags=SYN | ACK, ack=cisn + 1)
        self.send("c", cisn + 1, flags=ACK, ack=sisn + 1)

    def closed_by_fins(self) -> None:
        """A handshake, three bytes from the client, then both FINs and the last ACK."""
        self.handshake()
        self.send("c", 1001, b"one")
        self.send("c", 1004, flags=FIN | ACK, ack=5001)
        self.send("s", 5001, flags=FIN | ACK, ack=1005)
        self.send("c", 1005, flags=ACK, ack=5002)  # last ACK: swallowed

    def finish(self) -> list[CaptureEvent]:
        evs = self.r.finish(self.t + 1)
        self.events += evs
        return evs

    def stream(self, direction: str, conn: int = 1) -> bytes:
        return b"".join(
            e.data
            for e in self.events
            if isinstance(e, StreamData) and e.conn == conn and e.direction == direction
        )

    def of(self, kind: type[E], conn: int | None = None) -> list[E]:
        return [
            e
            for e in self.events
            if isinstance(e, kind) and (conn is None or getattr(e, "conn", None) == conn)
        ]


def check_tiling(events: list[CaptureEvent]) -> None:
    """Data and gaps of each direction are contiguous from offset 0, nothing
    follows StreamClosed, and every connection was opened first."""
    nxt: dict[tuple[int, str], int] = defaultdict(int)
    opened: set[int] = set()
    closed: set[int] = set()
    for e in events:
        if isinstance(e, StreamOpened):
            assert e.conn not in opened
            opened.add(e.conn)
        elif isinstance(e, StreamData | StreamGap):
            assert e.conn in opened and e.conn not in closed
            key = (e.conn, e.direction)
            assert e.offset == nxt[key], (e, nxt[key])
            n = len(e.data) if isinstance(e, StreamData) else e.length
            assert n > 0
            nxt[key] += n
        elif isinstance(e, StreamClosed):
            assert e.conn in opened and e.conn not in closed
            closed.add(e.conn)


def test_in_order_with_handshake_and_fin() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"hello", ack=5001)
    c.send("s", 5001, b"world!", ack=1006)
    c.send("c", 1006, flags=FIN | ACK, ack=5007)
    assert not c.of(StreamClosed)
    c.send("s", 5007, flags=FIN | ACK, ack=1007)
    opened = c.of(StreamOpened)
    assert opened == [StreamOpened(1, Endpoint(*CLIENT), Endpoint(*SERVER), opened[0].time, True)]
    data = c.of(StreamData)
    assert [(e.direction, e.data, e.offset) for e in data] == [
        ("client", b"hello", 0),
        ("server", b"world!", 0),
    ]
    assert [e.reason for e in c.of(StreamClosed)] == ["fin"]
    assert c.r.open_connections == 0
    check_tiling(c.events)


def test_out_of_order_is_buffered_until_the_hole_fills() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1007, b"ghi")
    c.send("c", 1010, b"jk")
    assert c.stream("client") == b"abc"
    c.send("c", 1004, b"def")
    data = c.of(StreamData)
    assert [(e.data, e.offset) for e in data] == [(b"abc", 0), (b"defghijk", 3)]
    check_tiling(c.events)


def test_exact_duplicate_is_dropped() -> None:
    c = Conv()
    c.handshake()
    for _ in range(3):
        c.send("c", 1001, b"abcdef")
    c.send("c", 1007, b"gh")
    c.send("c", 1007, b"gh")
    assert [e.data for e in c.of(StreamData)] == [b"abcdef", b"gh"]


def test_overlap_keeps_first_received_bytes() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1005, b"XXXX")  # offset 4..8, buffered
    c.send("c", 1001, b"abcdefghij")  # 0..10, overlaps the buffered bytes
    assert c.stream("client") == b"abcdXXXXij"
    c.send("c", 1001, b"zzzzzzzzzzkl")  # rewrites delivered bytes: only 'kl' is new
    assert c.stream("client") == b"abcdXXXXijkl"
    check_tiling(c.events)


def test_overlapping_out_of_order_segments() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1011, b"KLMN")  # 10..14
    c.send("c", 1006, b"fghijklmnopq")  # 5..17: keeps KLMN, adds fghij and opq
    c.send("c", 1009, b"...")  # inside
    c.send("c", 1001, b"abcde")
    assert c.stream("client") == b"abcdefghijKLMNopq"
    check_tiling(c.events)


def test_partial_retransmission() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abcd")
    c.send("c", 1003, b"cdef")
    assert [(e.data, e.offset) for e in c.of(StreamData)] == [(b"abcd", 0), (b"ef", 4)]


def test_sequence_wrap_around() -> None:
    isn = 2**32 - 4
    c = Conv()
    c.handshake(cisn=isn)
    c.send("c", (isn + 1) & 0xFFFFFFFF, b"abc")  # last 3 numbers before the wrap
    c.send("c", (isn + 7) % 2**32, b"ghi")  # after the wrap, out of order
    c.send("c", (isn + 4) % 2**32, b"def")  # straddles 0
    c.send("c", (isn + 1) % 2**32, b"abc")  # old retransmission
    assert c.stream("client") == b"abcdefghi"
    c.send("c", (isn + 10) % 2**32, flags=FIN | ACK)
    c.send("s", 5001, flags=FIN | ACK, ack=(isn + 11) % 2**32)
    assert c.of(StreamClosed) and not c.of(StreamGap)
    check_tiling(c.events)


def test_long_stream_crosses_wrap_more_than_once() -> None:
    c = Conv()
    c.handshake(cisn=0)
    chunk = b"x" * 60000
    seq = 1
    total = 0
    # 4.3 GB in offsets, but only a few segments: jump with ACKed gaps would
    # be unrealistic, so feed many chunks and check offsets keep growing.
    for _ in range(2000):
        c.send("c", seq % 2**32, chunk)
        seq += len(chunk)
        total += len(chunk)
    data = c.of(StreamData)
    assert data[-1].offset == total - len(chunk)
    assert len(data) == 2000


def test_gap_at_close_is_reported_before_the_later_data() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1007, b"ghi")  # 3..6 never arrives
    c.send("c", 1010, flags=FIN | ACK)
    c.send("s", 5001, flags=FIN | ACK, ack=1011)  # ACKs the hole and the FIN
    c.send("c", 1011, flags=ACK, ack=5002)  # both FINs ACKed: the hole is lost
    kinds = [(type(e).__name__, getattr(e, "offset", None)) for e in c.events[1:]]
    assert kinds == [
        ("StreamData", 0),
        ("StreamGap", 3),
        ("StreamData", 6),
        ("StreamClosed", None),
    ]
    gap = c.of(StreamGap)[0]
    assert (gap.offset, gap.length, gap.direction) == (3, 3, "client")
    check_tiling(c.events)


def test_fin_waits_for_missing_data_then_eof_reports_it() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1010, flags=FIN | ACK)  # bytes 3..9 missing before the FIN
    c.send("s", 5001, flags=FIN | ACK, ack=1004)  # peer has not ACKed them
    assert not c.of(StreamClosed)
    c.send("c", 1004, b"defghi")  # they arrive late: now complete
    assert c.stream("client") == b"abcdefghi"
    assert [e.reason for e in c.of(StreamClosed)] == ["fin"]
    assert not c.of(StreamGap)


def test_keep_alive_probe_is_not_data() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc", ack=5001)
    c.send("c", 1003, b"\x00", flags=ACK, ack=5001)  # keep-alive: SEG.SEQ = SND.NXT-1
    c.send("c", 1003, b"", flags=ACK, ack=5001)
    c.send("c", 1004, b"def", ack=5001)
    assert c.stream("client") == b"abcdef"
    check_tiling(c.events)


def test_keep_alive_first_seen_midstream_uses_the_peer_ack() -> None:
    c = Conv()
    c.send("s", 7000, b"", flags=ACK, ack=3000)  # server ACKs client up to 3000
    c.send("c", 2999, b"\x00", flags=ACK, ack=7000)  # client keep-alive
    c.send("c", 3000, b"data", ack=7000)
    assert [(e.data, e.offset) for e in c.of(StreamData)] == [(b"data", 0)]
    opened = c.of(StreamOpened)[0]
    assert opened.client == Endpoint(*SERVER) and not opened.syn_seen


def test_zero_window_probe_then_retransmission() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1004, b"d", flags=ACK)  # zero-window probe: one new byte
    c.send("c", 1004, b"d", flags=ACK)
    c.send("c", 1004, b"defg")  # window opened: resent with more
    assert c.stream("client") == b"abcdefg"
    check_tiling(c.events)


def test_hole_acked_by_peer_is_declared_after_more_data() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1011, b"klm")  # 3..10 lost by the capture
    c.send("s", 5001, flags=ACK, ack=1014)  # ... but the server got everything
    assert not c.of(StreamGap)
    c.send("c", 1014, b"nop")
    gaps = c.of(StreamGap)
    assert [(g.offset, g.length) for g in gaps] == [(3, 7)]
    assert c.stream("client") == b"abcklmnop"
    check_tiling(c.events)


def test_ack_only_gives_up_the_acked_part_of_a_hole() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1021, b"uvw")  # 3..20 missing
    c.send("s", 5001, flags=ACK, ack=1008)  # server has 3..7: the capture lost them
    c.send("c", 1024, b"xyz")
    assert [(g.offset, g.length) for g in c.of(StreamGap)] == [(3, 4)]
    c.send("c", 1008, b"hijklmnopqrst")  # 7..20 retransmitted later: fills the rest
    assert c.stream("client") == b"abchijklmnopqrstuvwxyz"
    check_tiling(c.events)


def test_buffer_limit_gives_up_the_hole() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"a")
    seq = 1003  # offset 1 is missing
    seg = b"y" * 1400
    while not c.of(StreamGap):
        c.send("c", seq, seg)
        seq += len(seg)
        assert seq - 1003 < MAX_BUFFER_BYTES + 2 * len(seg)
    assert [(g.offset, g.length) for g in c.of(StreamGap)] == [(1, 1)]
    check_tiling(c.events)


def test_segment_count_limit_gives_up_the_hole() -> None:
    c = Conv()
    c.handshake()
    for i in range(MAX_BUFFER_SEGMENTS + 1):
        c.send("c", 1003 + 2 * i, b"z")  # every other byte: many tiny holes
    assert c.of(StreamGap)
    check_tiling(c.events)


def test_rst_closes_after_in_flight_data_and_late_packets_do_not_reopen() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1007, b"ghi")
    c.send("s", 5001, flags=RST | ACK, ack=1004)
    assert not c.of(StreamClosed)  # the client's in-flight data may follow
    c.send("c", 1004, b"def")  # sent before the RST reached the client
    c.send("s", 5001, flags=ACK, ack=1010)  # the resetting side: ignored
    assert c.stream("client") == b"abcdefghi"
    c.t += RST_GRACE_SECONDS + 0.5
    c.send("c", 1010, b"jkl")  # too late: the connection is closed first
    assert [e.reason for e in c.of(StreamClosed)] == ["rst"]
    assert c.stream("client") == b"abcdefghi" and not c.of(StreamGap)
    c.send("c", 1000, flags=SYN)  # late copy of the original SYN
    assert len(c.of(StreamOpened)) == 1
    assert c.r.open_connections == 0
    check_tiling(c.events)


def test_rst_after_the_other_sides_complete_fin_closes_at_once() -> None:
    """The server has sent all it ever will (its FIN, every byte before it):
    the client's RST ends the connection there, with nothing to wait for."""
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"hello")
    c.send("s", 5001, b"bye", flags=FIN | ACK, ack=1006)
    c.send("c", 1006, b"late", ack=5005)
    c.send("c", 1010, flags=RST)
    assert [(e.reason, e.time) for e in c.of(StreamClosed)] == [("rst", c.t)]
    assert c.r.open_connections == 0
    assert c.stream("client") == b"hellolate" and c.stream("server") == b"bye"
    c.send("s", 5004, flags=ACK, ack=1010)  # late: swallowed by the closed tuple
    assert len(c.of(StreamOpened)) == 1
    check_tiling(c.events)


def test_rst_waits_while_the_other_sides_fin_has_a_hole_before_it() -> None:
    c = Conv()
    c.handshake()
    c.send("s", 5004, b"def", flags=FIN | ACK, ack=1001)  # 5001..5003 not here yet
    c.send("c", 1001, flags=RST)
    assert not c.of(StreamClosed)
    c.send("s", 5001, b"abc", ack=1001)  # in flight when the RST was sent
    c.t += RST_GRACE_SECONDS + 0.5
    c.send("c", 1, src=("10.0.0.9", 1))  # any later packet lets the grace run out
    assert [e.reason for e in c.of(StreamClosed, 1)] == ["rst"]
    assert c.stream("server") == b"abcdef"
    check_tiling(c.events)


def _reset_then(c: Conv, wait: float) -> None:
    """The server resets; ``wait`` seconds later the client's in-flight bytes
    arrive, then (another second later) a packet of another connection."""
    c.send("c", 1001, b"abc")
    c.send("s", 5001, flags=RST)
    c.t += wait
    c.send("c", 1004, b"def")
    c.t += 1.0
    c.send("c", 1, src=("10.0.0.9", 1))


def test_the_wait_after_a_rst_follows_the_connections_round_trip() -> None:
    """The other side's in-flight data comes within about one round trip of
    the RST: a connection whose handshake shows a 2 ms round trip waits
    RST_GRACE_MIN_SECONDS; one with 200 ms waits four of them; one whose
    handshake was not captured waits RST_GRACE_SECONDS."""
    assert RST_GRACE_RTTS * 0.002 < RST_GRACE_MIN_SECONDS < RST_GRACE_RTTS * 0.2 < 1.0
    quick = Conv()
    quick.handshake()  # a packet a millisecond: SYN to ACK in 2 ms
    _reset_then(quick, RST_GRACE_MIN_SECONDS / 2)
    assert quick.stream("client") == b"abcdef"  # within the wait
    late = Conv()
    late.handshake()
    _reset_then(late, RST_GRACE_MIN_SECONDS * 2)
    assert late.stream("client") == b"abc"  # after it: the connection was closed
    far = Conv()
    far.send("c", 1000, flags=SYN)
    far.t += 0.1
    far.send("s", 5000, flags=SYN | ACK, ack=1001)
    far.t += 0.1
    far.send("c", 1001, flags=ACK, ack=5001)
    _reset_then(far, 0.5)  # 0.5 s < 4 x 0.2 s
    assert far.stream("client") == b"abcdef"
    unknown = Conv()
    unknown.send("c", 1001, b"abc")  # no handshake in the capture
    unknown.send("s", 5001, flags=RST)
    unknown.t += RST_GRACE_SECONDS - 0.1
    unknown.send("c", 1004, b"def")
    assert unknown.stream("client") == b"abcdef"
    for c in (quick, late, far, unknown):
        c.finish()
        assert [e.reason for e in c.of(StreamClosed, 1)] == ["rst"]
        check_tiling(c.events)


def test_rst_from_both_sides_closes_at_once_with_gaps() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1007, b"ghi")
    c.send("c", 1010, flags=RST)
    assert not c.of(StreamClosed)
    c.send("s", 5001, flags=RST)
    assert [e.reason for e in c.of(StreamClosed)] == ["rst"]
    assert [(g.offset, g.length) for g in c.of(StreamGap)] == [(3, 3)]
    check_tiling(c.events)


def test_reset_connection_still_open_at_the_end_closes_as_rst() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, flags=RST)
    reset_at = c.t
    c.t += 0.4  # the end comes within the grace period: no packet closed it
    c.finish()
    assert [e.reason for e in c.of(StreamClosed)] == ["rst"]
    # it ended when it was reset, not when the capture did (so the answer does
    # not depend on which other packets happened to pass meanwhile)
    assert [e.time for e in c.of(StreamClosed)] == [reset_at]


def test_port_reuse_after_close_is_a_new_connection() -> None:
    c = Conv()
    c.closed_by_fins()
    c.handshake(cisn=90000, sisn=70000)
    c.send("c", 90001, b"two")
    assert [e.conn for e in c.of(StreamOpened)] == [1, 2]
    assert c.stream("client", 2) == b"two"
    check_tiling(c.events)


def test_a_closed_tuple_swallows_late_packets_from_either_side_until_it_expires() -> None:
    c = Conv()
    c.closed_by_fins()
    assert len(c.of(StreamClosed)) == 1
    c.send("s", 5000, flags=SYN | ACK, ack=1001)  # late copy of the server's SYN/ACK
    c.send("s", 5002, b"late", ack=1005)  # a late server segment
    c.send("c", 1000, flags=SYN)  # late copy of the client's SYN
    c.send("c", 1005, b"late", ack=5002)
    assert len(c.of(StreamOpened)) == 1 and c.r.open_connections == 0
    closed_at = c.of(StreamClosed)[0].time
    assert sorted(c.r.closed_tuples()) == [
        ((*CLIENT, *SERVER), closed_at),
        ((*SERVER, *CLIENT), closed_at),
    ]
    c.t += CLOSED_TUPLE_SECONDS
    c.send("s", 5002, b"much later", ack=1005)  # the tuple is forgotten: a new one
    assert [e.conn for e in c.of(StreamOpened)] == [1, 2]
    assert c.stream("client", 2) == b"much later"  # without a SYN, the first sender
    check_tiling(c.events)


def test_new_syn_on_an_open_tuple_ends_the_old_connection() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"one")  # its close is not in the capture
    c.handshake(cisn=90000, sisn=70000)
    c.send("c", 90001, b"two")
    assert [(e.conn, e.reason) for e in c.of(StreamClosed)] == [(1, "eof")]
    assert c.stream("client", 1) == b"one" and c.stream("client", 2) == b"two"
    c.send("c", 1000, flags=SYN)  # retransmitted SYN of the new one? no: other ISN
    check_tiling(c.events)


def test_retransmitted_syn_is_the_same_connection() -> None:
    c = Conv()
    c.send("c", 1000, flags=SYN)
    c.send("c", 1000, flags=SYN)
    c.send("s", 5000, flags=SYN | ACK, ack=1001)
    c.send("s", 5000, flags=SYN | ACK, ack=1001)
    c.send("c", 1001, b"x", ack=5001)
    assert len(c.of(StreamOpened)) == 1 and c.stream("client") == b"x"


def test_synack_first_gives_the_roles() -> None:
    c = Conv()
    c.send("s", 5000, flags=SYN | ACK, ack=1001)
    c.send("c", 1001, b"hello", ack=5001)
    opened = c.of(StreamOpened)[0]
    assert opened.client == Endpoint(*CLIENT) and opened.syn_seen
    assert c.stream("client") == b"hello"


def test_midstream_start_uses_first_sender_as_client() -> None:
    c = Conv()
    c.send("s", 123456, b"late server bytes", ack=777)
    c.send("c", 777, b"client bytes", ack=123456 + 17)
    opened = c.of(StreamOpened)[0]
    assert opened.client == Endpoint(*SERVER) and not opened.syn_seen
    # "client" here is the first sender, so the real server's bytes are "client".
    assert c.stream("client") == b"late server bytes"
    assert c.stream("server") == b"client bytes"


def test_ignore_stops_everything_for_that_connection() -> None:
    c = Conv()
    c.handshake()
    other = ("10.0.0.9", 50000)
    c.send("c", 1, flags=SYN, src=other)
    c.r.ignore(1)
    before = len(c.events)
    c.send("c", 1001, b"abc")
    c.send("c", 1007, b"ghi")
    c.send("c", 1010, flags=FIN | ACK)
    c.send("s", 5001, flags=FIN | ACK, ack=1011)
    assert all(getattr(e, "conn", None) != 1 for e in c.events[before:])
    assert c.r.open_connections == 1  # conn 1 freed on its FINs
    c.send("c", 2, b"still here", src=other)
    assert c.stream("client", 2) == b"still here"
    c.finish()
    assert [e.conn for e in c.of(StreamClosed)] == [2]


def test_finish_flushes_with_gaps_and_eof() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abc")
    c.send("c", 1010, b"jkl")
    c.send("s", 5001, flags=ACK, ack=1020)  # server got up to offset 18 (+maybe a FIN)
    evs = c.finish()
    assert [type(e).__name__ for e in evs] == [
        "StreamGap",
        "StreamData",
        "StreamGap",
        "StreamClosed",
    ]
    assert [(g.offset, g.length) for g in c.of(StreamGap)] == [(3, 6), (12, 6)]
    assert evs[-1] == StreamClosed(1, c.t + 1, "eof")
    assert c.r.open_connections == 0
    check_tiling(c.events)


def test_snaplen_cut_segment_reports_its_tail_at_once() -> None:
    c = Conv()
    c.handshake()
    c.send("c", 1001, b"abcd", wire_len=10)  # 6 bytes not captured
    c.send("c", 1011, b"klm")
    assert [(type(e).__name__, getattr(e, "offset", None)) for e in c.events[1:]] == [
        ("StreamData", 0),
        ("StreamGap", 4),
        ("StreamData", 10),
    ]
    check_tiling(c.events)


def test_ipv6_and_packed_addresses() -> None:
    r = TcpReassembler()
    evs = r.feed(
        0.0, b"\x00" * 15 + b"\x01", 5000, b"\x7f\x00\x00\x01"[:4] * 4, 443, 9, 0, SYN, b""
    )
    opened = evs[0]
    assert isinstance(opened, StreamOpened)
    assert str(opened.client) == "[::1]:5000"
    assert str(Endpoint("127.0.0.1", 443)) == "127.0.0.1:443"


def test_rst_for_unknown_tuple_is_ignored() -> None:
    c = Conv()
    c.send("c", 1, flags=RST)
    assert c.events == []


# -- property tests -----------------------------------------------------------

_FLAG = st.sampled_from([ACK, PA, FIN | ACK, SYN, SYN | ACK, RST, 0, FIN])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.integers(0, 2**32 - 1) | st.integers(0, 60),
            st.binary(max_size=40),
            _FLAG,
            st.integers(0, 2**32 - 1) | st.integers(0, 60),
            st.integers(0, 50),
            st.integers(0, 2),
        ),
        max_size=60,
    )
)
def test_random_segments_never_crash_and_always_tile(
    segs: list[tuple[bool, int, bytes, int, int, int, int]],
) -> None:
    r = TcpReassembler()
    events: list[CaptureEvent] = []
    t = 0.0
    for to_server, seq, data, flags, ack, extra, port in segs:
        a, b = (("1.1.1.1", 1000 + port), ("2.2.2.2", 443))
        if not to_server:
            a, b = b, a
        t += 0.5
        events += r.feed(t, a[0], a[1], b[0], b[1], seq, ack, flags, data, len(data) + extra % 3)
    events += r.finish(t)
    check_tiling(events)
    assert r.open_connections == 0


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.binary(min_size=1, max_size=300),
    st.lists(st.tuples(st.integers(-20, 320), st.integers(1, 60)), max_size=40),
    st.booleans(),
)
def test_random_segmentation_reproduces_the_stream(
    isn: int, truth: bytes, cuts: list[tuple[int, int]], deliver_all: bool
) -> None:
    """Segments cut from one true stream, in any order, with overlaps and
    retransmissions: every emitted byte is the true byte at its offset."""
    c = Conv()
    c.handshake(cisn=isn)
    segs = [(max(0, s), s + n) for s, n in cuts]
    if deliver_all:
        segs.append((0, len(truth)))
    for s, e in segs:
        piece = truth[s:e]
        if piece:
            c.send("c", (isn + 1 + s) % 2**32, piece, ack=5001)
    c.finish()
    check_tiling(c.events)
    for d in c.of(StreamData):
        assert truth[d.offset : d.offset + len(d.data)] == d.data
    if deliver_all:
        assert c.stream("client") == truth and not c.of(StreamGap)
