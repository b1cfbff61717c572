"""A NULL cipher hides nothing: without any key the records after ChangeCipherSpec are
read as they are (RFC 5246 §6.2.3.1) and the MAC that ends each is a field of its record."""

from __future__ import annotations

from tests.conftest import CAPTURES
from tlsviz.source import open_capture
from tlsviz.wire.dispatch import record_header_fields

CAPTURE = CAPTURES / "pitfall-null-cipher.pcap"


def test_null_records_are_read_without_keys_and_their_mac_is_a_field() -> None:
    (conn,) = list(open_capture(CAPTURE))
    types = [m.type for m in conn.messages]
    assert "Encrypted" not in types and types.count("Finished") == 2
    request = next(m for m in conn.messages if m.type == "ApplicationData")
    assert request.direction == "client" and request.raw.startswith(b"GET /hello.txt HTTP/1.0")
    (rec,) = request.records
    (mac,) = [f for f in record_header_fields(rec) if f.key == "record.mac"]
    assert mac.length == 32  # HMAC-SHA256
    assert mac.offset + mac.length == rec.header_length + len(rec.fragment)
    assert rec.header_length + len(request.raw) == mac.offset
