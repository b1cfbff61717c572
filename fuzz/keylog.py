#!/usr/bin/env python3
"""The key log parser (``SSLKEYLOGFILE`` lines, pcapng Decryption Secrets
Blocks, a key log followed while it grows) and tlsviz's own secrets block.

Input: ``[mode][text]``.  The text goes into a :class:`~tlsviz.keys.keylog.KeyLog`
at once, or in pieces of ``mode >> 1`` bytes with ``final=False`` as
``sniff --keylog`` feeds a growing file; then every query the key flows make
is asked.  The same text is read as the "TVZK" block of tlsviz's own peer
(ephemeral keys, PSKs, experiments).  Bad lines must become problems, never
exceptions.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Cursor, bundled_files, chunked, corpus_files, main

from tlsviz.keys.keylog import KeyLog
from tlsviz.keys.peer_secrets import looks_like_peer_secrets, parse_peer_secrets

MAX_LEN = 8192


def query(log: KeyLog, text: bytes) -> None:
    """Every question the key flows and the views ask of a key log."""
    for e in list(log)[:64]:
        assert log.lookup(e.label, e.key) is not None
        log.entry(e.label, e.key)
    for random in log.client_randoms()[:64]:
        log.secrets_for(random)
        log.master_secret(random)
        assert random in log
    log.rsa_premaster(text[:8])
    log.lookup("CLIENT_HANDSHAKE_TRAFFIC_SECRET", text[:32])
    log.labels()
    len(log)
    for p in log.problems:
        assert p.message and "\n" not in p.message, p


def test_one_input(data: bytes) -> None:
    c = Cursor(data)
    mode = c.u8()
    text = c.rest()
    log = KeyLog()
    if mode & 1:
        for piece in chunked(text, mode >> 1):
            log.add_text(piece, "followed", final=False)
        log.add_text(b"", "followed")
    else:
        log.add_text(text, "pcapng secrets block")
    query(log, text)
    decoded = text.decode("utf-8", "replace")
    looks_like_peer_secrets(decoded)
    found = parse_peer_secrets(decoded, "pcapng secrets block")
    for problem in found.problems:
        assert problem and "\n" not in problem


def keylog_seeds(corpus: Path | None) -> Iterator[bytes]:
    kinds = (".keys", ".keylog", ".log", "keylog.txt", ".dat")
    for path in bundled_files(".keys") + corpus_files(corpus, *kinds, limit=1 << 16):
        yield path.read_bytes()[:MAX_LEN]
    from tlsviz.bundled import bundled_captures
    from tlsviz.source import open_capture

    for b in bundled_captures(seeded=True):  # tlsviz's own secrets blocks
        if b.path.suffix == ".pcapng":
            blocks: list[bytes] = []
            session = open_capture(b.path)
            session.on_secrets = lambda kind, data, blocks=blocks: blocks.append(bytes(data))
            for _ in session:
                pass
            yield from blocks


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for text in keylog_seeds(corpus):
        yield b"\0" + text
        yield b"\x41" + text  # fed 32 bytes at a time


if __name__ == "__main__":
    main("keylog", test_one_input, seeds, MAX_LEN)
