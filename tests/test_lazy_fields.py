"""Field trees built on first access (``Message.fields`` from a builder) are
exactly those built while decoding, and so are the bodies and diagnostics
of the first pass that records no fields: on every capture at hand."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from tests.conftest import corpus_captures
from tlsviz.bundled import bundled_captures
from tlsviz.session.model import Connection
from tlsviz.source import open_capture, open_connection
from tlsviz.wire.message import Message


def same(eager: list[Connection], lazy: list[Connection]) -> int:
    """Every message and diagnostic of both decodes equal; the lazy trees
    are built only by the comparison."""
    assert [c.id for c in eager] == [c.id for c in lazy]
    count = 0
    for a, b in zip(eager, lazy, strict=True):
        assert len(a.messages) == len(b.messages), a.id
        for ma, mb in zip(a.messages, b.messages, strict=True):
            assert ma.fields_built
            assert repr(ma.body) == repr(mb.body), (a.id, ma.type)
            assert ma.diagnostics == mb.diagnostics, (a.id, ma.type)
            assert ma == mb, (a.id, ma.type)  # builds mb's tree and compares all
            count += 1
        assert a.all_diagnostics() == b.all_diagnostics()
        assert a.keys is not None and b.keys is not None
        assert a.keys.status() == b.keys.status()
    return count


def both(path: Path, **keys: object) -> tuple[list[Connection], list[Connection]]:
    eager = list(open_capture(path, lazy_fields=False, **keys))  # type: ignore[arg-type]
    lazy = list(open_capture(path, lazy_fields=True, **keys))  # type: ignore[arg-type]
    return eager, lazy


@pytest.mark.parametrize("name", [b.name for b in bundled_captures(seeded=True)])
def test_bundled_with_keys(name: str) -> None:
    b = next(b for b in bundled_captures(seeded=True) if b.name == name)
    eager = list(open_capture(b.path, material=_material(b), lazy_fields=False))
    lazy = list(open_capture(b.path, material=_material(b), lazy_fields=True))
    assert same(eager, lazy) > 0


def _material(b: object) -> object:
    from tlsviz.keys.loading import load_key_material

    return load_key_material(
        [b.keylog] if b.keylog else [],  # type: ignore[attr-defined]
        [b.rsa_key] if b.rsa_key else [],  # type: ignore[attr-defined]
        [f"@{b.psk}"] if b.psk else [],  # type: ignore[attr-defined]
    )


@pytest.mark.corpus
def test_every_corpus_capture() -> None:
    count = 0
    for path in corpus_captures():
        try:
            eager, lazy = both(path)
        except Exception:  # files that are not captures: not this test's
            continue
        count += same(eager, lazy)
    assert count > 2000


def test_trees_wait_until_asked() -> None:
    """Opening a connection builds no tree; asking for one field builds that
    message's tree only; a pickled message carries its tree."""
    b = next(b for b in bundled_captures() if b.name == "tls13-aes128gcm")
    conn = open_connection(b.path, next(iter(open_capture(b.path))).id, _material(b))  # type: ignore[arg-type]
    assert conn is not None
    # a ChangeCipherSpec's or an alert's one or two fields are made at once
    later = [m for m in conn.messages if m.type not in ("ChangeCipherSpec", "Alert")]
    assert len(later) > 8 and not any(m.fields_built for m in later)
    sh = next(m for m in conn.messages if m.type == "ServerHello")
    random = sh.find("server_hello.random")
    assert random is not None and random.length == 32
    assert [m.fields_built for m in later] == [m is sh for m in later]
    ch = next(m for m in conn.messages if m.type == "ClientHello")
    copy = pickle.loads(pickle.dumps(ch))
    assert isinstance(copy, Message) and copy == ch and copy.fields_built
    changed = ch.replace(notes=("n",))
    assert changed.notes == ("n",) and changed.fields == ch.fields
    with pytest.raises(AttributeError):
        ch.type = "x"  # type: ignore[misc]
