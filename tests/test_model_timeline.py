"""The timeline of keys and the facts derived from the messages, on the
bundled real captures: which message made each key step and check possible,
how each record was opened, what the handshake cost."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import CAPTURES
from tlsviz.session import Connection, open_bundled, open_capture


def _conn(name: str, keys: bool = True) -> Connection:
    session = open_bundled(name) if keys else open_capture(CAPTURES / f"{name}.pcap")
    return next(iter(session))


def _index(conn: Connection, direction: str, type_: str) -> int:
    return next(
        i for i, m in enumerate(conn.messages) if m.direction == direction and m.type == type_
    )


def test_tls13_steps_and_checks_belong_to_the_message_that_enabled_them() -> None:
    c = _conn("tls13-aes128gcm")
    sh = _index(c, "server", "ServerHello")
    sfin = _index(c, "server", "Finished")
    cfin = _index(c, "client", "Finished")
    reports = c.keys.step_reports() if c.keys else []
    assert reports and all(r.message is not None for r in reports)
    by_name = {r.step.name: r.message for r in reports}
    # RFC 8446 §7.1: handshake secrets need the ServerHello, application
    # secrets the server's Finished (its transcript hash ends there)
    assert by_name["client_handshake_traffic_secret"] == sh
    assert by_name["server_handshake_write_key"] == sh
    assert by_name["client_application_traffic_secret_0"] == sfin
    assert by_name["client_finished_verify_data"] == cfin
    assert not c.key_state(sh - 1).steps
    checks = {x.check.name: x.message for x in c.key_state(len(c.messages) - 1).checks}
    assert checks["server Finished"] == sfin
    assert checks["client Finished"] == cfin
    # as of the ServerHello nothing is verified yet; as of the end both are
    assert not c.key_state(sh).checks
    assert c.key_state(len(c.messages) - 1).status == "verified"


def test_tls13_records_name_their_keys_and_nonces() -> None:
    c = _conn("tls13-aes128gcm")
    ee = _index(c, "server", "EncryptedExtensions")
    state = c.key_state(ee)
    assert state.epochs == {"client": None, "server": "handshake"}
    (rc,) = state.records
    assert rc.epoch == "handshake" and rc.decryption.seq == 0
    key = next(r for r in state.steps if r.step.name == "server_handshake_write_key")
    iv = next(r for r in state.steps if r.step.name == "server_handshake_write_iv")
    assert rc.decryption.key == key.step.value and rc.decryption.iv == iv.step.value
    # every record: nonce = IV XOR the sequence number, left-padded (RFC 8446 §5.3)
    for i in range(len(c.messages)):
        for rc in c.key_state(i).records:
            d = rc.decryption
            seq = d.seq.to_bytes(len(d.iv), "big")
            assert d.nonce == bytes(a ^ b for a, b in zip(d.iv, seq, strict=True))
    last = c.key_state(len(c.messages) - 1)
    assert last.epochs == {"client": "application", "server": "application"}


def test_tls12_master_secret_comes_with_the_client_key_exchange() -> None:
    c = _conn("tls12-ecdhe-rsa-aes128gcm")
    cke = _index(c, "client", "ClientKeyExchange")
    by_name = {r.step.name: r.message for r in (c.keys.step_reports() if c.keys else [])}
    assert by_name["master_secret"] == cke
    assert by_name["client_finished_verify_data"] == _index(c, "client", "Finished")


# TLS round trips before the client may send data: 1 for a TLS 1.3 handshake
# (RFC 8446 §2), 2 with a HelloRetryRequest, 2 for a full TLS 1.2 handshake
# (RFC 5246 §7.3); the same whether or not the records could be decrypted.
ROUND_TRIPS = {
    "tls13-aes128gcm": 1,
    "tls13-chacha20": 1,
    "tls13-hrr": 2,
    "tls13-mtls": 1,
    "tls13-resumption": 1,
    "tls12-ecdhe-rsa-aes128gcm": 2,
    "tls12-ecdhe-ecdsa-cbc": 2,
    "tls12-rsa-kx": 2,
    "tls12-psk-ccm8": 2,
    "mqtt-mtls": 1,
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_cost_accounts_for_every_byte_and_counts_round_trips(name: str) -> None:
    for keys in (True, False):
        session = open_bundled(name) if keys else open_capture(CAPTURES / f"{name}.pcap")
        for c in session:
            cost = c.cost()
            assert cost.round_trips == ROUND_TRIPS[name], (name, keys)
            # every record byte is charged to exactly one message
            for d in ("client", "server"):
                charged = sum(m.wire for m in cost.messages if m.direction == d)
                assert charged == cost.by_direction[d] == c.bytes[d], (name, d)
            assert sum(f.bytes for f in cost.flights) == sum(cost.by_direction.values())
            assert cost.inferred is (not keys)


def test_cost_matches_tshark_tcp_lengths() -> None:
    """tshark's sum of TCP payload lengths per direction is what the messages cost."""
    if subprocess.run(["which", "tshark"], capture_output=True).returncode:
        pytest.skip("tshark is not installed")
    c = _conn("tls13-mtls")
    client_port = c.client.rsplit(":", 1)[1]
    out = subprocess.run(
        ["tshark", "-r", str(CAPTURES / "tls13-mtls.pcap"), "-T", "fields", "-e", "tcp.srcport",
         "-e", "tcp.len"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    sent = {"client": 0, "server": 0}
    for line in out.splitlines():
        port, length = line.split("\t")
        sent["client" if port == client_port else "server"] += int(length)
    assert c.cost().by_direction == sent


def test_certificate_share_and_summaries() -> None:
    c = _conn("tls13-mtls")
    certs = c.certificates()
    assert {x.direction for x in certs} == {"client", "server"}
    cost = c.cost()
    cert_wire = sum(m.wire for m in cost.messages if m.type == "Certificate")
    assert cost.certificate_bytes == cert_wire
    assert 0 < cost.certificate_share < 1
    # a resumed TLS 1.3 handshake sends no certificate at all
    second = list(open_bundled("tls13-resumption"))[1]
    assert second.certificates() == [] and second.cost().certificate_bytes == 0
    assert second.cost().handshake_bytes < c.cost().handshake_bytes
