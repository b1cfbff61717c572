"""What a handshake costs: bytes per message, flight and direction, round trips.

Every byte of every record is charged to exactly one message: a message pays
for its own bytes, and the first message a record carries also pays for that
record's overhead (the 5-byte header, and for a protected record the explicit
IV, MAC or tag, TLS 1.3's inner content type and padding).  So the messages of
a direction add up to the bytes of its records.  These are the figures a
constrained device cares about (see the IoT lessons): they compare a full
handshake with a resumed one, TLS 1.2 with TLS 1.3, with or without a
certificate chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wire.connection import is_tls13
from ..wire.hello import ServerHello
from ..wire.message import Message
from ..wire.records import Record


@dataclass(frozen=True, slots=True)
class MessageCost:
    index: int
    direction: str
    type: str
    bytes: int  # the message's own bytes
    overhead: int  # record headers and protection charged to it

    @property
    def wire(self) -> int:
        return self.bytes + self.overhead


@dataclass(frozen=True, slots=True)
class Flight:
    """Consecutive messages in one direction: what one side sends before it waits."""

    number: int
    direction: str
    messages: tuple[int, ...]
    bytes: int  # wire bytes


@dataclass(frozen=True, slots=True)
class Cost:
    messages: tuple[MessageCost, ...]
    flights: tuple[Flight, ...]
    #: record bytes sent by each side, and records
    by_direction: dict[str, int]
    records: dict[str, int]
    #: wire bytes from the ClientHello up to the last Finished of the first handshake
    handshake_bytes: int
    #: of those, the Certificate messages (both sides)
    certificate_bytes: int
    #: TLS round trips before the client may send application data (the server
    #: flights up to the one with the server's Finished); TCP's own handshake
    #: adds one more.  None when the handshake did not complete in the capture.
    round_trips: int | None
    #: server flights before the client's first application data was seen
    #: (0 for 0-RTT early data); None when the client sent none
    round_trips_to_first_data: int | None
    handshake_messages: int
    #: True when the end of the handshake was inferred from record positions
    #: because its Finished messages could not be decrypted
    inferred: bool = False

    @property
    def certificate_share(self) -> float:
        return self.certificate_bytes / self.handshake_bytes if self.handshake_bytes else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "by_direction": dict(self.by_direction),
            "records": dict(self.records),
            "handshake_bytes": self.handshake_bytes,
            "handshake_messages": self.handshake_messages,
            "certificate_bytes": self.certificate_bytes,
            "certificate_share": round(self.certificate_share, 4),
            "round_trips": self.round_trips,
            "round_trips_to_first_data": self.round_trips_to_first_data,
            "inferred": self.inferred,
            "flights": [
                {"direction": f.direction, "messages": list(f.messages), "bytes": f.bytes}
                for f in self.flights
            ],
            "messages": [[m.bytes, m.overhead] for m in self.messages],
        }


def _record_key(direction: str, rec: Record) -> tuple[str, int]:
    return direction, rec.offset


def handshake_cost(messages: list[Message]) -> Cost:
    # Bytes of each record that messages account for; the rest is overhead.
    used: dict[tuple[str, int], int] = {}
    sizes: dict[tuple[str, int], int] = {}
    first: dict[tuple[str, int], int] = {}
    for i, m in enumerate(messages):
        for rec in m.records:
            key = _record_key(m.direction, rec)
            sizes[key] = rec.header_length + rec.length
            first.setdefault(key, i)
        if len(m.records) == 1:
            key = _record_key(m.direction, m.records[0])
            used[key] = used.get(key, 0) + len(m.raw)
        else:  # split over records: each segment lies in one of them
            for seg in m.segments:
                carrier = _carrier(m, seg.buffer.record, seg.offset)
                if carrier is not None:
                    key = _record_key(m.direction, carrier)
                    used[key] = used.get(key, 0) + seg.length
    overhead = [0] * len(messages)
    for key, i in first.items():
        overhead[i] += max(0, sizes[key] - used.get(key, 0))
    costs = tuple(
        MessageCost(i, m.direction, m.type, len(m.raw), overhead[i]) for i, m in enumerate(messages)
    )
    by_direction = {"client": 0, "server": 0}
    records = {"client": 0, "server": 0}
    for (d, _), size in sizes.items():
        by_direction[d] += size
        records[d] += 1

    flights: list[Flight] = []
    members: list[int] = []
    for i, m in enumerate(messages):
        if members and messages[members[-1]].direction != m.direction:
            flights.append(_flight(len(flights) + 1, messages, members, costs))
            members = []
        members.append(i)
    if members:
        flights.append(_flight(len(flights) + 1, messages, members, costs))

    end = _handshake_end(messages)
    inferred = end is None
    last = end if end is not None else _last_handshake(messages)
    if end is None:
        end = _handshake_end_encrypted(messages)
        last = end if end is not None else last
    hs = costs[: last + 1] if last is not None else ()
    cert = sum(c.wire for c in hs if c.type == "Certificate")
    return Cost(
        messages=costs,
        flights=tuple(flights),
        by_direction=by_direction,
        records=records,
        handshake_bytes=sum(c.wire for c in hs),
        certificate_bytes=cert,
        round_trips=_round_trips(messages, flights, end),
        round_trips_to_first_data=_first_data(messages, flights),
        handshake_messages=sum(1 for m in messages[: (last or -1) + 1] if m.is_handshake),
        inferred=inferred,
    )


def _carrier(m: Message, record: int | None, offset: int) -> Record | None:
    for rec in m.records:
        if record is not None:
            if rec.offset == record:
                return rec
        elif rec.offset + rec.header_length <= offset < rec.end:
            return rec
    return None


def _flight(
    number: int, messages: list[Message], members: list[int], costs: tuple[MessageCost, ...]
) -> Flight:
    return Flight(
        number, messages[members[0]].direction, tuple(members), sum(costs[i].wire for i in members)
    )


def _handshake_end(messages: list[Message]) -> int | None:
    """The index of the later Finished of the first handshake (both sides sent one)."""
    seen: set[str] = set()
    for i, m in enumerate(messages):
        if m.type == "Finished":
            seen.add(m.direction)
            if len(seen) == 2:
                return i
    return None


def _handshake_end_encrypted(messages: list[Message]) -> int | None:
    """Where the handshake ends when its Finished messages could not be
    decrypted: each side's Finished is its first protected record after its
    ChangeCipherSpec (TLS 1.2) or, for the client in TLS 1.3, its first
    protected record after the server's Finished."""
    server_fin = _server_finished(messages)
    if server_fin is None:
        return None
    tls13 = _tls13(messages)
    client_fin = None
    ccs_seen = False
    for i, m in enumerate(messages):
        if m.direction != "client":
            continue
        if m.type == "ChangeCipherSpec":
            ccs_seen = True
            continue
        if m.encrypted and ((tls13 and i > server_fin) or (not tls13 and ccs_seen)):
            client_fin = i
            # TLS 1.3: a client Certificate and CertificateVerify come first
            # in the same flight; the Finished ends it
            while tls13 and client_fin + 1 < len(messages):
                if messages[client_fin + 1].direction != "client":
                    break
                client_fin += 1
            break
    if client_fin is None:
        return None
    return max(server_fin, client_fin)


def _last_handshake(messages: list[Message]) -> int | None:
    last = None
    for i, m in enumerate(messages):
        if m.type == "ApplicationData":
            break
        last = i
    return last


def _server_flights_before(flights: list[Flight], index: int) -> int:
    return sum(1 for f in flights if f.direction == "server" and f.messages[0] < index)


def _server_finished(messages: list[Message]) -> int | None:
    """Where the server's Finished is, also when it could not be decrypted: in
    TLS 1.3 it ends the flight of the ServerHello (RFC 8446 §2), in TLS 1.2 it
    is the first record after the server's ChangeCipherSpec (RFC 5246 §7.3)."""
    for i, m in enumerate(messages):
        if m.type == "Finished" and m.direction == "server":
            return i
    for i, m in enumerate(messages):
        if m.direction != "server":
            continue
        if m.type == "ChangeCipherSpec" and not _tls13(messages):
            return i + 1 if i + 1 < len(messages) else None
        body = m.body
        if isinstance(body, ServerHello) and not body.is_hrr and _tls13(messages):
            j = i
            while j + 1 < len(messages) and messages[j + 1].direction == "server":
                j += 1
            return j
    return None


def _tls13(messages: list[Message]) -> bool:
    for m in messages:
        body = m.body
        if isinstance(body, ServerHello) and not body.is_hrr:
            return is_tls13(body.version)
    return False


def _round_trips(messages: list[Message], flights: list[Flight], end: int | None) -> int | None:
    server_fin = _server_finished(messages)
    if server_fin is None:
        return None
    return _server_flights_before(flights, server_fin + 1)


def _first_data(messages: list[Message], flights: list[Flight]) -> int | None:
    for i, m in enumerate(messages):
        if m.type == "ApplicationData" and m.direction == "client":
            return _server_flights_before(flights, i)
    return None
