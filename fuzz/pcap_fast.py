#!/usr/bin/env python3
"""Capture files through the memory-mapped reader (``capture/fastread.py``:
``decode --summary`` and big files in the explorer): pcap and pcapng walked
in place, packets of dropped flows skipped inside the loop, and the region
cuts of ``--jobs`` (a packet record found from any byte offset, the SYNs of a
region).

Input: a capture file's bytes.  The same rules as the scapy-based reader's
harness; ``fast_records`` may also answer None (a file it does not map).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import capture_files, main, one_sentence, scratch_file
from pcap_scapy import read_all

from tlsviz.capture.fastread import (
    CaptureEnd,
    DroppedFlows,
    RegionMark,
    fast_records,
    opened_between,
    pcap_boundary,
)
from tlsviz.capture.tcp import CaptureNote, Secrets

MAX_LEN = 16384


def test_one_input(data: bytes) -> None:
    path = scratch_file(data, "capture")
    read_all(path, fast=True)
    half = len(data) // 2
    cut = pcap_boundary(path, half)
    assert cut is None or half <= cut <= len(data), cut
    dropped = DroppedFlows(8)
    starts = sorted({24, *(x for x in (cut,) if x is not None)})
    records = fast_records(path, dropped, (0, 2, 1), [0], 0, starts)
    if records is None:
        return
    for rec in records:
        if type(rec) is tuple:
            number, _t, _lt, frame = rec
            assert number >= 1 and isinstance(frame, bytes | memoryview)
        elif isinstance(rec, CaptureNote):
            one_sentence(Exception(rec.message))
        else:
            assert isinstance(rec, Secrets | CaptureEnd | RegionMark), rec
    if cut is not None:
        opened_between(path, 24, cut)
        opened_between(path, cut, len(data))


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for path in capture_files(corpus):
        if not path.name.endswith(".gz"):
            yield path.read_bytes()[:MAX_LEN]


if __name__ == "__main__":
    main("pcap_fast", test_one_input, seeds, MAX_LEN)
