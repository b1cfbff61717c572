"""Spans and buffers on fresh handshakes whose server writes 512-byte records.

A Certificate message then straddles several records: in TLS 1.2 its bytes are
interrupted by the next record's 5-byte header in the TCP stream, in TLS 1.3
it lies in the plaintext of several decrypted records.  For every field of
every message, the bytes read through the field's spans must be the field's
bytes, and stream spans must never cover a record header.  tshark is the
independent oracle for the stream bytes and the ClientHello random; the
certificate DER read through its spans must hash to the fingerprint that
``cryptography`` computed from the decoded message.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need_tool
from tests.tshark_oracle import run_tshark

pytestmark = [pytest.mark.tshark, pytest.mark.peers]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    for tool in ("openssl", "tcpdump", "tshark"):
        need_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    from captures.peers import Scenario, record_handshake

    out = tmp_path_factory.mktemp("spans")
    frag = ("-max_send_frag", "512")
    made = {}
    for sc in (
        Scenario("split13", version="1.3", cipher="TLS_AES_128_GCM_SHA256", pki="rsa",
                 server_extra=frag),
        Scenario("split12", version="1.2", cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                 pki="rsa", server_extra=frag),
    ):  # fmt: skip
        rec = record_handshake(sc, out)
        proc = subprocess.run(
            [sys.executable, "-m", "tlsviz.cli", "decode", str(rec.pcap), "--json", "--buffers",
             "--keylog", str(rec.keylog)],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        made[sc.name] = {"pcap": rec.pcap, "keylog": rec.keylog, "doc": json.loads(proc.stdout)}
    return made


def _fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for f in fields:
        out.append(f)
        out.extend(_fields(f["children"]))
    return out


def _read(buffers: dict[str, str], spans: list[list[Any]]) -> bytes:
    data = b""
    for name, offset, length in spans:
        buf = bytes.fromhex(buffers[name])
        assert offset + length <= len(buf), (name, offset, length)
        data += buf[offset : offset + length]
    return data


def _tcp_payloads(pcap: Path) -> dict[str, bytes]:
    """Each direction's TCP payload as tshark reassembles it (follow,tcp,raw)."""
    out = subprocess.run(
        ["tshark", "-r", str(pcap), "-q", "-z", "follow,tcp,raw,0"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    data = {"client": bytearray(), "server": bytearray()}
    started = False
    for line in out.splitlines():
        if line.startswith("Node 1:"):
            started = True
            continue
        if not started or line.startswith("===") or not line.strip():
            continue
        # node 0 is the side that sent the first segment: the client here
        data["server" if line.startswith("\t") else "client"] += bytes.fromhex(line.strip())
    return {k: bytes(v) for k, v in data.items()}


@pytest.mark.parametrize("name", ["split13", "split12"])
def test_spans_hold_exactly_the_fields_bytes(fresh: dict[str, Any], name: str) -> None:
    doc = fresh[name]["doc"]
    (conn,) = doc["connections"]
    assert conn["keys"]["status"] == "verified"
    buffers = conn["buffers"]
    headers = {"client": set(), "server": set()}
    for m in conn["messages"]:
        for r in m["records"]:
            header = 2 if r["sslv2"] else 5
            headers[m["direction"]].update(range(r["offset"], r["offset"] + header))
    straddling = [m for m in conn["messages"] if len(m.get("segments", [])) > 1]
    assert any(m["type"] == "Certificate" for m in straddling), "no message crossed records"
    checked = 0
    for m in conn["messages"]:
        for f in _fields(m["fields"]):
            spans = f["spans"]
            assert sum(length for _, _, length in spans) == f["length"], (m["type"], f["name"])
            for buf, offset, length in spans:
                if "@" not in buf:  # a stream span never covers a record header
                    assert not headers[buf] & set(range(offset, offset + length)), f["name"]
            data = _read(buffers, spans)
            assert len(data) == f["length"]
            value = f["value"]
            if isinstance(value, str) and len(value) == 2 * f["length"] and f["length"] > 0:
                try:
                    expected = bytes.fromhex(value)
                except ValueError:
                    continue
                assert data == expected, (m["type"], f["name"])
                checked += 1
            elif (
                type(value) is int
                and 0 < f["length"] <= 3
                and not f["children"]
                and not f.get("key", "").startswith("x509.")  # DER: tag and length included
            ):
                # integers of one to three bytes (types, versions, lengths, codes)
                assert int.from_bytes(data, "big") == value, (m["type"], f["name"])
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("name", ["split13", "split12"])
def test_stream_buffers_are_the_tcp_payload_tshark_sees(fresh: dict[str, Any], name: str) -> None:
    (conn,) = fresh[name]["doc"]["connections"]
    payloads = _tcp_payloads(fresh[name]["pcap"])
    assert bytes.fromhex(conn["buffers"]["client"]) == payloads["client"]
    assert bytes.fromhex(conn["buffers"]["server"]) == payloads["server"]
    assert conn["buffer_gaps"] == {}


@pytest.mark.parametrize("name", ["split13", "split12"])
def test_certificate_and_random_read_through_spans(fresh: dict[str, Any], name: str) -> None:
    (conn,) = fresh[name]["doc"]["connections"]
    buffers = conn["buffers"]
    cert_msg = next(m for m in conn["messages"] if m["type"] == "Certificate")
    ders = [f for f in _fields(cert_msg["fields"]) if f.get("key") == "certificate.cert_data"]
    assert ders
    fingerprints = [c["sha256_fingerprint"] for c in conn["certificates"]]
    for f in ders:
        assert hashlib.sha256(_read(buffers, f["spans"])).hexdigest() in fingerprints
    # the leaf certificate is larger than one 512-byte record
    assert len(ders[0]["spans"]) > 1
    hello = next(m for m in conn["messages"] if m["type"] == "ClientHello")
    random = next(f for f in _fields(hello["fields"]) if f["name"] == "random")
    packets = run_tshark(fresh[name]["pcap"])
    tshark_random = None
    for p in packets:
        tls = p["_source"]["layers"].get("tls")
        text = json.dumps(tls) if tls else ""
        if '"tls.handshake.type": "1"' in text:
            tshark_random = text.split('"tls.handshake.random": "', 1)[1].split('"', 1)[0]
            break
    assert tshark_random is not None
    assert _read(buffers, random["spans"]).hex() == tshark_random.replace(":", "")


def test_api_spans_and_buffers_agree_with_message_bytes(fresh: dict[str, Any]) -> None:
    """The Python API: for every field, Connection.read over Message.spans
    gives the same bytes as the message's own reassembled bytes."""
    from tlsviz.session import open_capture

    for name in ("split13", "split12"):
        session = open_capture(fresh[name]["pcap"], keylog=fresh[name]["keylog"])
        (conn,) = list(session)
        names = {b.name for b in conn.buffers()}
        assert {"client", "server"} <= names
        assert any("@" in n for n in names)  # decrypted records
        for m in conn.messages:
            for top in m.fields:
                for f in top.walk():
                    got = b"".join(conn.read(s) for s in m.spans(f))
                    assert got == m.field_bytes(f), (name, m.type, f.name)
