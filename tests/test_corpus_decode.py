"""Public captures from Wireshark's, FoxIO's and others' test suites, checked
against what those projects' own tests assert (see ../shared/corpus/MANIFEST.md)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import corpus_file
from tlsviz.session.model import Connection
from tlsviz.source import open_capture
from tlsviz.wire.fields import walk_fields
from tlsviz.wire.registry import is_grease

pytestmark = pytest.mark.corpus


def decode(rel: str) -> list[Connection]:
    return list(open_capture(corpus_file(rel)))


def no_errors(conns: list[Connection]) -> None:
    errors = [(c.id, d.message) for c in conns for d in c.errors]
    assert errors == []


def test_fragmented_handshakes_recover_all_1000_extension_values() -> None:
    """Wireshark test_tls_handshake_reassembly: the extension data across all
    fragmented ClientHellos is exactly 0001 .. 03e8."""
    conns = decode("wireshark/captures/tls-fragmented-handshakes.pcap.gz")
    no_errors(conns)
    values = []
    for c in conns:
        for m in c.messages:
            for f in walk_fields(m.fields):
                if f.name == "extension_data":
                    values.append(f.value.hex())
    assert values == [f"{i:04x}" for i in range(1, 1001)]
    # many of those ClientHellos came from more than one record
    hellos = [m for c in conns for m in c.messages if m.type == "ClientHello"]
    assert any(len(m.records) > 1 for m in hellos)


def test_retransmission_splitting_a_record() -> None:
    """Wireshark test_tcp_reassembly_more_data: one 16-byte record."""
    conns = decode("wireshark/captures/retrans-tls.pcap")
    no_errors(conns)
    records = {r.offset: r for c in conns for m in c.messages for r in m.records}
    assert [r.length for r in records.values()] == [16]


def test_out_of_order_tcp_stream() -> None:
    conns = decode("wireshark/captures/challenge01_ooo_stream.pcapng.gz")
    no_errors(conns)
    (c,) = [c for c in conns if c.sni == "25th.syn-bit.nl"][:1]
    assert c.version == "TLS 1.3"
    assert c.cipher_suite == "TLS_AES_256_GCM_SHA384"


def test_rsasnakeoil2_sslv2_hello_and_sslv3() -> None:
    conns = decode("wireshark/captures/rsasnakeoil2.pcap")
    no_errors(conns)
    assert {c.version for c in conns} == {"SSL 3.0"}
    sslv2 = [m for c in conns for m in c.messages if m.records and m.records[0].sslv2]
    assert sslv2 and all(m.type == "ClientHello" for m in sslv2)
    assert {c.cipher_suite for c in conns} >= {
        "TLS_RSA_WITH_AES_256_CBC_SHA",
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    }


def test_tls_renegotiation() -> None:
    conns = decode("wireshark/captures/tls-renegotiation.pcap")
    no_errors(conns)
    (c,) = conns
    assert c.version == "TLS 1.2" and c.cipher_suite == "TLS_RSA_WITH_AES_128_CBC_SHA"


JA4 = [
    "ja4/badcurveball.pcap",
    "ja4/browsers-x509.pcapng",
    "ja4/tls-alpn-h2.pcap",
    "ja4/tls-non-ascii-alpn.pcapng",
    "ja4/tls-sni.pcapng",
    "ja4/tls12.pcap",
]


@pytest.mark.parametrize("rel", JA4)
def test_ja4_captures_decode_without_errors_and_match_fingerprint_inputs(rel: str) -> None:
    """FoxIO's expected JA4 output lists each ClientHello's ciphers and
    extensions in original order (JA4_ro); ours must hold the same values."""
    conns = decode(rel)
    no_errors(conns)
    expected = json.loads(corpus_file(f"ja4/expected/{rel.split('/')[1]}.json").read_text())
    hellos = {}
    for c in conns:
        hellos[(c.client, c.server)] = c.neg.client_hellos
    checked = 0
    for entry in expected:
        src = _endpoint(entry["src"], entry["srcport"])
        dst = _endpoint(entry["dst"], entry["dstport"])
        for key, ro in entry.items():
            if not key.startswith("JA4_ro"):
                continue
            index = int(key.split(".")[1]) - 1 if "." in key else 0
            chs = hellos.get((src, dst))
            assert chs is not None and len(chs) > index, (src, dst)
            ch = chs[index]
            parts = ro.split("_")
            ciphers = [int(x, 16) for x in parts[1].split(",") if x]
            exts = [int(x, 16) for x in parts[2].split(",") if x]
            assert [s for s in ch.cipher_suites if not is_grease(s)] == ciphers
            assert [e.type for e in ch.extensions if not is_grease(e.type)] == exts
            if entry.get("domain") and index == 0:
                assert ch.sni == entry["domain"]
            checked += 1
    assert checked > 0


def _endpoint(ip: str, port: str) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
