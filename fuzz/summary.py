#!/usr/bin/env python3
"""The summary path of ``decode --summary`` (one row per connection, the hellos
read without field trees, keys checked only as far as the Finished messages),
on a capture file; a pcapng's Decryption Secrets Blocks bring the keys.

Input: a capture file's bytes.  Each row must render as ``--summary`` and
``--summary --json`` render it; the documented errors are one sentence.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import capture_files, main, one_sentence, scratch_file

from tlsviz.capture import CaptureError
from tlsviz.keys.keyring import KeyMaterial
from tlsviz.summary.rows import summary_rows

MAX_LEN = 16384


def test_one_input(data: bytes) -> None:
    path = scratch_file(data, "capture")
    notes: list[str] = []
    try:
        for row in summary_rows(path, KeyMaterial(), notes=notes):
            json.dumps(row.to_json())
            assert "\n" not in str(row.line())
    except CaptureError as err:
        one_sentence(err)
    for note in notes:
        one_sentence(Exception(note))


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for path in capture_files(corpus):
        yield path.read_bytes()[:MAX_LEN]


if __name__ == "__main__":
    main("summary", test_one_input, seeds, MAX_LEN)
