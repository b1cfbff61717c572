"""Extensions seen before are decoded once (``extensions._SEEN_BEFORE``):
the repeat gets the same field tree, value and diagnostics as a first
decode, and what is wrong with an extension is said every time."""

from __future__ import annotations

import pytest

from tlsviz.bundled import capture_path
from tlsviz.session.text import render_connection
from tlsviz.source import open_capture
from tlsviz.wire import der, extensions, fields
from tlsviz.wire.dispatch import ParseContext, decode_handshake
from tlsviz.wire.message import Message
from tlsviz.wire.reassembly import RawHandshake

CAPTURE = "glassbox-tls13-resumption-0rtt.pcapng"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    extensions._SEEN_BEFORE.clear()
    der._MOVED.clear()
    fields.SHARED.clear()


def _decode(raw: bytes) -> Message:
    ctx = ParseContext(0x0303, None)
    return decode_handshake(RawHandshake(raw[0], raw, (), (), None), "client", ctx, False)


def _client_hello() -> bytes:
    conn = next(iter(open_capture(capture_path(CAPTURE), lazy_fields=False)))
    first = conn.messages[0]
    assert first.type == "ClientHello"
    return first.raw


def _with_extensions(raw: bytes, exts: list[bytes]) -> bytes:
    """``raw`` (a real ClientHello) with its extension vector replaced."""
    msg = _decode(raw)
    start = msg.body.extensions[0].offset - 2  # the vector's length
    body = raw[4:start] + len(b"".join(exts)).to_bytes(2, "big") + b"".join(exts)
    return raw[:1] + len(body).to_bytes(3, "big") + body


def _ext_bytes(raw: bytes) -> list[bytes]:
    return [e.type.to_bytes(2, "big") + len(e.data).to_bytes(2, "big") + e.data
            for e in _decode(raw).body.extensions]  # fmt: skip


def test_a_repeat_decode_shares_the_trees_and_matches_the_first() -> None:
    path = capture_path(CAPTURE)
    first = list(open_capture(path, lazy_fields=False))
    again = list(open_capture(path, lazy_fields=False))
    assert extensions._SEEN_BEFORE, "nothing was kept"
    shared = 0
    for a, b in zip(first, again, strict=True):
        assert len(a.messages) == len(b.messages)
        for ma, mb in zip(a.messages, b.messages, strict=True):
            assert ma == mb, ma.type
            assert repr(ma.body) == repr(mb.body), ma.type
            assert ma.diagnostics == mb.diagnostics
            shared += sum(1 for fa, fb in zip(ma.fields, mb.fields, strict=True)
                          for ca, cb in zip(fa.children, fb.children, strict=True)
                          if ca is cb)  # fmt: skip
        assert list(render_connection(a)) == list(render_connection(b))
    assert shared > 0, "no extension was shared"


def test_a_duplicate_is_reported_when_the_extension_was_seen_before() -> None:
    raw = _client_hello()
    e = _ext_bytes(raw)
    # an unknown extension (0xfe00) as long as e[1], so that what follows
    # sits at the same place in both hellos
    stand_in = b"\xfe\x00" + (len(e[1]) - 4).to_bytes(2, "big") + b"\x00" * (len(e[1]) - 4)
    once = _with_extensions(raw, [e[0], stand_in, *e[2:], e[1]])
    twice = _with_extensions(raw, [e[0], e[1], *e[2:], e[1]])
    for _ in range(2):  # seen twice: kept
        assert not [d for d in _decode(once).diagnostics if d.message.startswith("duplicate")]
    for _ in range(2):  # the last e[1] is now one seen before, at the same place
        msg = _decode(twice)
        dups = [d for d in msg.diagnostics if d.message.startswith("duplicate")]
        assert len(dups) == 1, msg.diagnostics


def test_a_malformed_extension_is_reported_every_time() -> None:
    raw = _client_hello()
    # supported_groups (10) whose list length is odd
    bad = b"\x00\x0a\x00\x05\x00\x03\x00\x1d\x00"
    odd = _with_extensions(raw, [*_ext_bytes(raw), bad])
    for _ in range(3):
        msg = _decode(odd)
        assert any("odd length" in d.message for d in msg.diagnostics), msg.diagnostics


def test_values_handed_out_are_copies() -> None:
    raw = _client_hello()
    extensions._SEEN_BEFORE.clear()
    for _ in range(3):  # seen once, kept, found
        got = _decode(raw).body.ext_value(10)
        assert isinstance(got, list) and got, "a value was changed through another's copy"
        got.clear()  # a caller that changes what it got


def test_a_certificate_at_the_same_place_shares_its_tree() -> None:
    path = capture_path(CAPTURE)
    decodes = [list(open_capture(path, lazy_fields=False)) for _ in range(3)]

    def cert_children(conns: list[object]) -> list[object]:
        out = []
        for c in conns:
            for m in c.messages:  # type: ignore[attr-defined]
                for f in m.fields:
                    for g in f.walk():
                        if g.name == "cert_data":
                            out.extend(g.children)
        return out

    first, second, third = (cert_children(d) for d in decodes)
    assert first and first == second == third  # the same tree...
    assert not any(a is b for a, b in zip(first, second, strict=True))
    assert all(a is b for a, b in zip(second, third, strict=True))  # ...shared once seen twice
    for a, b in zip(decodes[0], decodes[2], strict=True):
        assert list(render_connection(a)) == list(render_connection(b))
