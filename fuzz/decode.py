#!/usr/bin/env python3
"""``tlsviz decode`` whole: a capture file read, reassembled, decoded, its keys
derived from the Decryption Secrets Blocks it carries (the key log, tlsviz's own
ephemeral keys and PSKs), its records decrypted and verified, then printed as
``decode --brief`` prints it, its keys asked for as of every message, and (for
inputs under 4 KiB: it costs as much as the rest) written as the
``--json --buffers`` document.

Input: a capture file's bytes (the pcapng recordings of tlsviz's own peer are
the seeds that carry every secret).  Opening may fail only with a one-sentence
:class:`~tlsviz.capture.CaptureError`; everything after that must become
messages, diagnostics and notes.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import capture_files, main, one_sentence, scratch_file

from tlsviz.capture import CaptureError
from tlsviz.cli_decode import _write_json
from tlsviz.session.text import render_connection
from tlsviz.source import open_capture

MAX_LEN = 6144


def test_one_input(data: bytes) -> None:
    path = scratch_file(data, "capture.pcapng")
    try:
        session = open_capture(path, streams=True)
    except CaptureError as err:
        one_sentence(err)
        return
    conns = list(session)
    for note in session.notes:
        one_sentence(Exception(note))
    for conn in conns:
        for line in render_connection(conn, fields=False):
            assert isinstance(line, str)
        for i in range(len(conn.messages)):
            conn.key_state(i)
        conn.cost()
    if len(data) < 4096:  # the whole document (it costs as much as the rest)
        out = io.StringIO()
        _write_json(open_capture(path, streams=True), path, out, buffers=True)
        json.loads(out.getvalue())


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for path in capture_files(corpus):
        yield path.read_bytes()[:MAX_LEN]


if __name__ == "__main__":
    main("decode", test_one_input, seeds, MAX_LEN)
