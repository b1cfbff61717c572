"""Fresh DTLS 1.2 handshakes between real peers, decoded as tshark decodes them.

OpenSSL's ``s_server``/``s_client`` and GnuTLS's ``gnutls-serv``/``gnutls-cli``
talk over loopback through tlsviz's recording relay (``record --dtls``) while
tcpdump captures ``lo``: on the wire that is two DTLS associations (client to
relay, relay to server) with the same messages.  tshark, given the peers' key
log, is the oracle: the same handshake messages in each direction, the same
decrypted application data.  The relay's own recording must decode alike,
with no key option (its Decryption Secrets Block).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from tests.conftest import need_tool
from tests.tshark_oracle import tshark_dtls
from tlsviz.cli import main
from tlsviz.session.model import Connection
from tlsviz.source import open_capture

PSK = "00112233445566778899aabbccddeeff"


def _tcpdump_lo(out: Path, run: object) -> object:
    """Run ``run()`` while tcpdump captures UDP on lo; returns what it returned."""
    from captures.peers import tcpdump

    with tcpdump(out, 0, proto="udp") as _:
        result = run()  # type: ignore[operator]
    return result


def _messages(c: Connection, direction: str) -> list[tuple[int, int]]:
    return [
        (m.dtls.message_seq, m.handshake_type)
        for m in c.messages
        if m.direction == direction and m.dtls is not None and not m.dtls.retransmission
    ]


def _data(c: Connection, direction: str) -> bytes:
    return b"".join(
        m.raw for m in c.messages if m.direction == direction and m.type == "ApplicationData"
    )


@pytest.mark.parametrize(
    ("peers", "psk"),
    [("openssl", None), ("gnutls", None), ("openssl", PSK), ("gnutls", PSK)],
    ids=["openssl", "gnutls", "openssl-psk", "gnutls-psk"],
)
def test_real_peers_match_tshark(tmp_path: Path, peers: str, psk: str | None) -> None:
    need_tool("tshark")
    need_tool("tcpdump")
    need_tool("openssl" if peers == "openssl" else "gnutls-cli")
    if os.geteuid() != 0:
        pytest.skip("capturing on lo needs root")
    from tlsviz.capture.dtls_live import DtlsOptions, run_dtls

    wire = tmp_path / "lo.pcap"
    recording = _tcpdump_lo(wire, lambda: run_dtls(DtlsOptions(peers, psk=psk)))
    keylog = tmp_path / "peers.keys"
    keylog.write_text(recording.keylog)  # type: ignore[attr-defined]
    oracle = tshark_dtls(wire, ["-o", f"tls.keylog_file:{keylog}"])
    ours = {(c.client, c.server): c for c in open_capture(wire, keylog=keylog)}
    assert len(ours) == 2 and set(ours) == set(oracle)  # client-relay, relay-server
    for key, c in ours.items():
        t = oracle[key]
        assert c.version == "DTLS 1.2" and c.transport == "udp"
        assert c.keys is not None and c.keys.status()[0] == "verified", c.keys.status()
        for d in ("client", "server"):
            assert _messages(c, d) == t.handshake[d], (key, d)
            assert _data(c, d) == bytes(t.app_data[d]) != b"", (key, d)
        if psk:
            assert c.cipher_suite == "TLS_PSK_WITH_AES_128_CCM_8"
    # the relay's recording: the same association, decrypted by its own secrets block
    saved = tmp_path / "relay.pcapng"
    recording.write_pcapng(saved)  # type: ignore[attr-defined]
    (rec,) = list(open_capture(saved))
    assert rec.keys is not None and rec.keys.status()[0] == "verified"
    first = next(iter(ours.values()))
    assert _data(rec, "client") == _data(first, "client")
    assert "HelloVerifyRequest" in [m.type for m in rec.messages]


def test_record_dtls_command_writes_a_verified_recording(tmp_path: Path) -> None:
    """``tlsviz record --dtls`` then ``tlsviz decode --json``: decrypted and
    verified with no key option, the CoAP GET and its 2.05 answer readable."""
    need_tool("openssl")
    path = tmp_path / "dtls.pcapng"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["record", "--dtls", "-o", str(path)]) == 0
    assert "DTLS 1.2 openssl" in out.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["decode", "--json", str(path)]) == 0
    (c,) = json.loads(out.getvalue())["connections"]
    assert c["transport"] == "udp" and c["version"] == "DTLS 1.2"
    assert c["keys"]["status"] == "verified"
    assert c["verification"]["client_finished"] and c["verification"]["server_finished"]
    notes = [n for m in c["messages"] for n in m["notes"] if n.startswith("CoAP")]
    assert notes == [
        "CoAP CON 0.01 GET /hello (message ID 0x7a10).",
        "CoAP ACK 2.05 Content (message ID 0x7a10).",
    ]
    assert {d["text"] for d in c["application_data"] if d["direction"] == "server"} == {None}
    assert c["dtls"]["datagrams"]["client"][0][0] == 0
    hs = [m for m in c["messages"] if m.get("dtls")]
    assert [m["dtls"]["message_seq"] for m in hs if m["direction"] == "client"][:2] == [0, 1]


def test_record_dtls_refuses_a_host() -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["record", "example.com", "--dtls"]) == 2
    assert "--dtls" in err.getvalue()
