"""tlsviz.wire.facts, the protocol facts every view shares, held to the decoder.

The fast paths (the summary of big captures, the decoder without field trees)
read hellos with the readers of :mod:`tlsviz.wire.facts_hello` and
:mod:`tlsviz.wire.facts_ext`; the decoder reads
them field by field.  Here both read every hello, ServerKeyExchange and
EncryptedExtensions of every capture at hand, and of hypothesis's mutations
of them, and must give the same answer, field by field: the same values, and
None exactly where the decoder cannot decode the message.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import HAVE_CORPUS, corpus_captures
from tlsviz.bundled import bundled_captures
from tlsviz.keys.keyring import KeyMaterial
from tlsviz.source import open_capture
from tlsviz.wire import facts as F
from tlsviz.wire import facts_ext as X
from tlsviz.wire import facts_hello as H
from tlsviz.wire import registry as reg
from tlsviz.wire.dispatch import ParseContext, decode_handshake
from tlsviz.wire.hello import ClientHello, ServerHello
from tlsviz.wire.keyexchange import ServerKeyExchange
from tlsviz.wire.messages import EncryptedExtensions
from tlsviz.wire.quickhello import quick_client_hello, quick_server_hello
from tlsviz.wire.reassembly import RawHandshake

# -- what each side says -------------------------------------------------------------


def decoded(raw: bytes, version: int | None = None, suite: int | None = None) -> Any:
    """The decoder's body of a whole handshake message (None: it could not
    decode it), through the decoder's own dispatch."""
    info = reg.SUITES.get(suite) if suite is not None else None
    ctx = ParseContext(version, info, F.is_tls13(version), True, False)
    msg = decode_handshake(RawHandshake(raw[0], raw, (), (), None), "server", ctx, False)
    return msg.body


def server_view(body: ServerHello) -> dict[str, Any]:
    ks = body.key_share
    return {
        "legacy_version": body.legacy_version,
        "random": body.random,
        "session_id": body.session_id,
        "cipher_suite": body.cipher_suite,
        "compression_method": body.compression_method,
        "hello_retry": body.is_hrr,
        "version": body.version,
        "group": body.selected_group,
        "key_share": (ks.group, ks.key_exchange, ks.offset) if ks is not None else None,
        "alpn": body.alpn,
        "psk_selected": body.psk_selected,
        "encrypt_then_mac": body.ext(F.ENCRYPT_THEN_MAC) is not None,
        "extensions": [(e.type, e.offset + 4, e.offset + 4 + len(e.data)) for e in body.extensions],
    }


def server_facts_view(f: H.ServerHelloFacts) -> dict[str, Any]:
    return {
        "legacy_version": f.legacy_version,
        "random": f.random,
        "session_id": f.session_id,
        "cipher_suite": f.cipher_suite,
        "compression_method": f.compression_method,
        "hello_retry": f.hello_retry,
        "version": f.version,
        "group": f.group,
        "key_share": f.key_share,
        "alpn": f.alpn,
        "psk_selected": f.psk_selected,
        "encrypt_then_mac": f.encrypt_then_mac,
        "extensions": f.extensions,
    }


def client_view(body: ClientHello) -> dict[str, Any]:
    ticket = body.ext_value(F.SESSION_TICKET)
    psk = body.psk
    return {
        "random": body.random,
        "session_id": body.session_id,
        "sni": body.sni,
        "ticket": ticket if isinstance(ticket, bytes) else None,
        "psk_identities": psk.identities if psk is not None else None,
    }


def client_facts_view(f: H.ClientHelloFacts) -> dict[str, Any]:
    return {
        "random": f.random,
        "session_id": f.session_id,
        "sni": f.sni,
        "ticket": f.ticket,
        "psk_identities": f.psk_identities(),
    }


def hello_view(h: ClientHello | ServerHello) -> dict[str, Any]:
    """What the key schedule and the summary read of a hello (the decoder's
    classes, built by the full parser or by tlsviz.wire.quickhello)."""
    out: dict[str, Any] = {
        "fields": [getattr(h, f) for f in h.__dataclass_fields__ if f != "extensions"],
        "extensions": [(e.type, e.data, e.offset) for e in h.extensions],
        "flags": [h.ext(t) is not None for t in (22, 23, 35, 42, 43)],
        "ticket": h.ext_value(35),
    }
    if isinstance(h, ClientHello):
        out |= {
            "sni": h.sni,
            "alpn": h.alpn,
            "versions": h.supported_versions,
            "shares": h.key_shares,
            "psk": h.psk,
            "tls13": h.offers_tls13,
        }
    else:
        out |= {
            "version": h.version,
            "share": h.key_share,
            "group": h.selected_group,
            "alpn": h.alpn,
            "psk": h.psk_selected,
        }
    return out


def check_server_hello(raw: bytes) -> None:
    body = decoded(raw)
    f = H.server_hello_facts(raw, 4)
    if not isinstance(body, ServerHello):
        assert f is None and quick_server_hello(raw) is None, raw.hex()
        return
    assert f is not None, raw.hex()
    assert server_facts_view(f) == server_view(body), raw.hex()
    assert f.has(F.ENCRYPT_THEN_MAC) == (body.ext(F.ENCRYPT_THEN_MAC) is not None)
    quick = quick_server_hello(raw)
    assert quick is not None and hello_view(quick) == hello_view(body), raw.hex()


def check_client_hello(raw: bytes) -> None:
    body = decoded(raw)
    f = H.client_hello_facts(raw, 4)
    if not isinstance(body, ClientHello):
        assert f is None and quick_client_hello(raw) is None, raw.hex()
        assert H.client_hello_layout(raw, 4, len(raw)) is None
        return
    assert f is not None, raw.hex()
    assert client_facts_view(f) == client_view(body), raw.hex()
    layout = H.client_hello_layout(raw, 4, len(raw))
    assert layout is not None
    assert [(t, s - 4, e - s) for t, s, e in layout[2]] == [
        (x.type, x.offset, len(x.data)) for x in body.extensions
    ]
    quick = quick_client_hello(raw)
    assert quick is not None and hello_view(quick) == hello_view(body), raw.hex()


def check_key_exchange(raw: bytes, suite: int | None, version: int | None) -> None:
    body = decoded(raw, version, suite)
    ok, group = H.server_key_exchange_group(raw, 4, len(raw), suite, version)
    assert ok == isinstance(body, ServerKeyExchange), (raw.hex(), suite, version)
    if ok:
        assert group == body.group, (raw.hex(), suite)


def check_encrypted_extensions(raw: bytes) -> None:
    body = decoded(raw, F.TLS13)
    ok, alpn = X.encrypted_extensions_alpn(raw, 4, len(raw))
    assert ok == isinstance(body, EncryptedExtensions), raw.hex()
    if ok:
        ext = body.extensions
        first = next((e for e in ext if e.type == F.ALPN), None)
        names = first.value if first is not None else None
        assert alpn == (names[0] if names else None), raw.hex()


# -- every message at hand -----------------------------------------------------------


class Messages:
    def __init__(self) -> None:
        self.client: dict[bytes, None] = {}
        self.server: dict[bytes, None] = {}
        self.sslv2: dict[bytes, bytes] = {}  # raw -> the decoder's (random + session id)
        self.key_exchange: dict[tuple[bytes, int | None, int | None], None] = {}
        self.encrypted_extensions: dict[bytes, None] = {}


def _captures() -> Iterator[tuple[Path, KeyMaterial]]:
    for cap in bundled_captures():
        material = KeyMaterial()
        if cap.keylog is not None:
            material.keylog.add_text(cap.keylog.read_bytes(), source=str(cap.keylog))
        yield cap.path, material
    for path in corpus_captures():
        yield path, KeyMaterial()


@functools.cache
def messages() -> Messages:
    found = Messages()
    for path, material in _captures():
        for conn in open_capture(path, material=material, certificates=False):
            neg = conn.neg
            for m in conn.messages:
                if m.handshake_type == 1 and m.body is not None and m.body.sslv2:
                    found.sslv2[m.raw] = m.body.random + m.body.session_id
                elif m.handshake_type == 1:
                    found.client[m.raw] = None
                elif m.handshake_type == 2:
                    found.server[m.raw] = None
                elif m.handshake_type == 12:
                    found.key_exchange[(m.raw, neg.cipher_suite, neg.version)] = None
                elif m.handshake_type == 8:
                    found.encrypted_extensions[m.raw] = None
    return found


def test_every_hello_at_hand_reads_alike() -> None:
    found = messages()
    for raw in found.client:
        check_client_hello(raw)
    for raw in found.server:
        check_server_hello(raw)
    for raw, suite, version in found.key_exchange:
        check_key_exchange(raw, suite, version)
    for raw in found.encrypted_extensions:
        check_encrypted_extensions(raw)
    for raw, expected in found.sslv2.items():
        f = H.sslv2_client_hello_facts(raw)
        assert f is not None and f.random + f.session_id == expected
    least = 100 if HAVE_CORPUS else 10  # the bundled captures alone have a dozen of each
    assert len(found.client) >= least and len(found.server) >= least
    assert found.key_exchange and found.encrypted_extensions


# -- mutations ---------------------------------------------------------------------


def _mutate(raw: bytes, data: st.DataObject) -> bytes:
    """A real message with a byte changed, bytes cut or inserted somewhere
    (often in a length), its header's length kept right."""
    body = bytearray(raw[4:])
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["set", "cut", "insert", "truncate"]))
        i = data.draw(st.integers(0, max(0, len(body) - 1)))
        if kind == "set" and body:
            body[i] = data.draw(st.sampled_from([0, 1, 2, 0x16, 0x2B, 0x33, 0x7F, 0xFF]))
        elif kind == "cut" and body:
            del body[i : i + data.draw(st.integers(1, 4))]
        elif kind == "insert":
            body[i:i] = data.draw(st.binary(min_size=1, max_size=4))
        else:
            del body[i:]
    return bytes([raw[0]]) + len(body).to_bytes(3, "big") + bytes(body)


def _sample(kind: str) -> list[Any]:
    found = messages()
    items = list(getattr(found, kind))
    if not items:
        pytest.skip(f"no {kind} at hand")
    return items[:: max(1, len(items) // 40)]  # a spread of them


MUTATIONS = settings(
    max_examples=int(os.environ.get("TLSVIZ_FUZZ", "400")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@MUTATIONS
@given(data=st.data())
def test_mutated_server_hellos_read_alike(data: st.DataObject) -> None:
    check_server_hello(_mutate(data.draw(st.sampled_from(_sample("server"))), data))


@MUTATIONS
@given(data=st.data())
def test_mutated_client_hellos_read_alike(data: st.DataObject) -> None:
    check_client_hello(_mutate(data.draw(st.sampled_from(_sample("client"))), data))


@MUTATIONS
@given(data=st.data())
def test_mutated_key_exchanges_read_alike(data: st.DataObject) -> None:
    raw, suite, version = data.draw(st.sampled_from(_sample("key_exchange")))
    check_key_exchange(_mutate(raw, data), suite, version)


@MUTATIONS
@given(data=st.data())
def test_mutated_encrypted_extensions_read_alike(data: st.DataObject) -> None:
    check_encrypted_extensions(
        _mutate(data.draw(st.sampled_from(_sample("encrypted_extensions"))), data)
    )


@given(st.binary(max_size=80))
def test_random_bytes_never_raise(body: bytes) -> None:
    raw = b"\x02" + len(body).to_bytes(3, "big") + body
    check_server_hello(raw)
    check_client_hello(b"\x01" + raw[1:])
    H.sslv2_client_hello_facts(body)
    H.server_key_exchange_group(body, 0, len(body), 0xC02F, 0x0303)


# -- the numbers and the decisions -------------------------------------------------


def test_numbers_are_the_registry_s() -> None:
    assert hashlib.sha256(b"HelloRetryRequest").digest() == F.HRR_RANDOM
    for name in ("CHANGE_CIPHER_SPEC", "ALERT", "HANDSHAKE", "APPLICATION_DATA"):
        assert getattr(F, name) == reg.ContentType[name.lower()]
    for name in (
        "CLIENT_HELLO",
        "SERVER_HELLO",
        "NEW_SESSION_TICKET",
        "ENCRYPTED_EXTENSIONS",
        "SERVER_KEY_EXCHANGE",
        "SERVER_HELLO_DONE",
        "CLIENT_KEY_EXCHANGE",
        "FINISHED",
        "KEY_UPDATE",
    ):
        assert getattr(F, name) == reg.HandshakeType[name.lower()], name
    ext = reg.ExtensionType
    assert (
        ext.server_name,
        ext.application_layer_protocol_negotiation,
        ext.encrypt_then_mac,
        ext.extended_master_secret,
    ) == (F.SERVER_NAME, F.ALPN, F.ENCRYPT_THEN_MAC, F.EXTENDED_MASTER_SECRET)
    assert (
        ext.session_ticket,
        ext.pre_shared_key,
        ext.supported_versions,
        ext.key_share,
    ) == (F.SESSION_TICKET, F.PRE_SHARED_KEY, F.SUPPORTED_VERSIONS, F.KEY_SHARE)


def test_resumption_rules() -> None:
    """RFC 5246 §7.4.1.3 and §7.3, RFC 5077 §3.4, RFC 8446 §4.2.11, §4.1.3."""
    sid, other = b"\x01" * 32, b"\x02" * 32
    r = F.resumption
    assert r(None, sid, sid, None, None, False) is None  # no ServerHello
    assert r(0x0303, sid, other, None, None, False) is None  # a new session
    assert r(0x0303, sid, sid, None, None, False) == "session_id"
    assert r(0x0303, sid, sid, b"", None, False) == "session_id"  # an empty ticket: none
    assert r(0x0303, sid, sid, b"ticket", None, False) == "ticket"
    assert r(0x0303, b"", b"", b"ticket", None, True) == "ticket"  # echo of nothing
    assert r(0x0303, b"", b"", None, None, False) is None  # nothing echoed, full handshake
    assert r(0x0304, sid, sid, None, None, False) is None  # TLS 1.3: an echo is no sign
    assert r(0x0304, sid, sid, None, 0, False) == "psk"
    assert r(0x7F17, b"", b"", None, 0, False) == "psk"  # a draft
    assert F.psk_origin(0, [(b"id", 0)]) == "external"
    assert F.psk_origin(1, [(b"a", 0), (b"b", 7)]) == "ticket"
    assert F.psk_origin(2, [(b"a", 0)]) is None and F.psk_origin(None, [(b"a", 5)]) is None


def test_abbreviated_handshake() -> None:
    full = ["ServerHello", "Certificate", "ServerHelloDone", "ChangeCipherSpec", "Finished"]
    assert not F.abbreviated_handshake(full)
    assert F.abbreviated_handshake(["ServerHello", "ChangeCipherSpec", "Finished"])
    assert F.abbreviated_handshake(["ServerHello", "NewSessionTicket", "ChangeCipherSpec"])
    assert not F.abbreviated_handshake(["ChangeCipherSpec", "ServerHello"])
    assert not F.abbreviated_handshake(["ServerHello"])


def test_connection_group() -> None:
    assert F.connection_group(29, 23, 24) == 29
    assert F.connection_group(None, 23, 24) == 23
    assert F.connection_group(None, None, 24) == 24
    assert F.connection_group(None, None, None) is None
