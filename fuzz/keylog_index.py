#!/usr/bin/env python3
"""The indexed key log (``--keylog`` files: located at load, parsed when a
client random is looked up), as ``decode`` and ``decode --summary`` load it.

Input: a key log file's bytes, given to :meth:`KeyLog.add_indexed` as bytes
and, through :func:`tlsviz.keys.loading.map_keylog`, memory-mapped from a
file; then the same queries as the line parser's harness.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import main, scratch_file
from keylog import keylog_seeds, query

from tlsviz.keys.keylog import KeyLog
from tlsviz.keys.loading import map_keylog

MAX_LEN = 8192


def test_one_input(data: bytes) -> None:
    log = KeyLog()
    log.add_indexed(data, "k.keys")
    query(log, data)
    mapped = KeyLog()
    mapped.add_indexed(map_keylog(scratch_file(data, "k.keys")), "k.keys")
    query(mapped, data)
    assert len(mapped) == len(log)


def seeds(corpus: Path | None) -> Iterator[bytes]:
    yield from keylog_seeds(corpus)


if __name__ == "__main__":
    main("keylog_index", test_one_input, seeds, MAX_LEN)
