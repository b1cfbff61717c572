#!/usr/bin/env python3
"""Capture files through the reader built on scapy's raw pcap and pcapng
readers (``capture/pcapfile.py``: ``decode``, the explorer, gzip files), with
TCP reassembly behind it.

Input: a capture file's bytes (pcap, pcapng or gzip).  Opening may fail only
with :class:`~tlsviz.capture.CaptureError` (one sentence: not a capture, a
damaged header); once open, damage anywhere must end the reading with a note,
and the events must keep the reassembler's promises (see ``tcp.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import capture_files, main, one_sentence, scratch_file
from tcp import Checker

from tlsviz.capture import CaptureError, CaptureReader
from tlsviz.capture.pcapfile import iter_packets
from tlsviz.capture.tcp import CaptureNote, Secrets

MAX_LEN = 16384


def read_all(path: str, *, fast: bool) -> None:
    """Every event of the file, as ``decode`` reads them; checked."""
    try:
        reader = CaptureReader(path, fast=fast)
    except CaptureError as err:
        one_sentence(err)
        return
    checker = Checker()
    ignored = 0
    for ev in reader:
        if isinstance(ev, CaptureNote):
            one_sentence(Exception(ev.message))
        elif isinstance(ev, Secrets):
            assert isinstance(ev.data, bytes)
        else:
            checker.check([ev])
            conn = getattr(ev, "conn", 0)
            if conn % 3 == 2 and conn > ignored:  # the consumer drops some connections
                ignored = conn
                reader.ignore(conn)
                checker.open.discard(conn)
                checker.closed.add(conn)


def test_one_input(data: bytes) -> None:
    path = scratch_file(data, "capture")
    read_all(path, fast=False)
    try:
        packets = iter_packets(path)
    except CaptureError as err:
        one_sentence(err)
        return
    for t, lt, frame in packets:
        assert isinstance(frame, bytes) and isinstance(lt, int) and t == t


def seeds(corpus: Path | None) -> Iterator[bytes]:
    for path in capture_files(corpus):
        yield path.read_bytes()[:MAX_LEN]


if __name__ == "__main__":
    main("pcap_scapy", test_one_input, seeds, MAX_LEN)
