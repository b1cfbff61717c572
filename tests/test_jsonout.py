"""The streaming writer of ``decode --json`` (session/jsonout.py) writes exactly
the text of the value builder (session/export.py), on every capture at hand:
the bundled ones with their keys (decrypted messages, plaintext buffers,
key steps), the corpus without keys, a few corpus captures with theirs."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from tests.conftest import corpus_captures, corpus_file
from tlsviz.bundled import bundled_captures
from tlsviz.cli import main
from tlsviz.session.export import connection_json, document
from tlsviz.session.jsonout import connection_text
from tlsviz.session.model import Connection
from tlsviz.source import open_bundled, open_capture


def same_text(conns: list[Connection]) -> int:
    for c in conns:
        keys_a: set[str] = set()
        keys_b: set[str] = set()
        ours = connection_text(c, keys=keys_a)
        theirs = json.dumps(connection_json(c, keys=keys_b), separators=(",", ":"))
        assert ours == theirs, c.id
        assert keys_a == keys_b
    return len(conns)


@pytest.mark.parametrize("name", [b.name for b in bundled_captures(seeded=True)])
def test_bundled_with_keys(name: str) -> None:
    assert same_text(list(open_bundled(name))) > 0


@pytest.mark.corpus
def test_every_corpus_capture() -> None:
    count = 0
    for path in corpus_captures():
        try:
            conns = list(open_capture(path))
        except Exception:  # files that are not captures: not this test's
            continue
        count += same_text(conns)
    assert count > 400


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("capture", "keylog"),
    [
        ("captures/tls13-rfc8446.pcap", "keys/tls13-rfc8446.keys"),
        ("captures/dhe1.pcapng.gz", "keys/dhe1_keylog.dat"),
        ("captures/tls12-chacha20poly1305.pcap", "keys/tls12-chacha20poly1305.keys"),
    ],
)
def test_corpus_with_keys(capture: str, keylog: str) -> None:
    base = "wireshark"
    path = corpus_file(f"{base}/{capture}")
    keys = corpus_file(f"{base}/{keylog}")
    conns = list(open_capture(path, keylog=keys))
    assert any(c.keys is not None and c.keys.decryptions for c in conns)
    same_text(conns)


def test_cli_document_is_the_value_builders() -> None:
    """The whole ``decode --json`` output parses to ``export.document``."""
    b = next(b for b in bundled_captures() if b.name == "tls13-resumption")
    out = io.StringIO()
    argv = ["decode", "--json", str(b.path)]
    if b.keylog:
        argv += ["--keylog", str(b.keylog)]
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    session = open_capture(b.path, keylog=[b.keylog] if b.keylog else [], streams=False)
    conns = list(session)
    expected = document(str(b.path), conns, notes=session.notes)
    assert json.loads(out.getvalue()) == expected
