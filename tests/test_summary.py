"""``decode --summary`` (the fast path for big captures): its tight loop and
readers against the capture layer's, on every capture at hand (that its rows
say what the full decode says is tests/test_summary_agrees.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CAPTURES, HAVE_CORPUS, corpus_captures
from tests.test_summary_agrees import rows_agree
from tlsviz.capture.fastread import CaptureEnd, DroppedFlows, fast_records
from tlsviz.capture.pcapfile import _CaptureFile
from tlsviz.capture.tcp import MAX_CLOSED


def test_fast_reader_gives_the_same_records_as_scapy() -> None:
    paths = [str(p) for p in corpus_captures(".pcap", ".pcapng")]
    paths += [str(p) for p in CAPTURES.glob("*.pcap")]
    checked = 0
    for path in paths:
        fast = fast_records(path)
        assert fast is not None
        ours = [r for r in fast if not isinstance(r, CaptureEnd)]
        cf = _CaptureFile(path)
        try:
            theirs = list(cf.records())
        finally:
            cf.close()
        assert len(ours) == len(theirs), path
        for number, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if type(a) is tuple:  # a packet (the other records are named tuples)
                assert type(b) is tuple
                n, t, lt, frame = a
                assert lt == b[1] and bytes(frame) == bytes(b[2]), path
                # the same float, not a near one: rows show times as they are
                assert t == b[0], (path, number)
                assert n >= 1 and n <= number + 1
            else:
                assert type(a) is type(b), path
        checked += 1
    assert checked >= 10


def _pcap_records(path: Path) -> tuple[bytes, list[bytes]]:
    data = path.read_bytes()
    head, pos, recs = data[:24], 24, []
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    while pos + 16 <= len(data):
        caplen = int.from_bytes(data[pos + 8 : pos + 12], "little" if order == "<" else "big")
        recs.append(data[pos : pos + 16 + caplen])
        pos += 16 + caplen
    return head, recs


def _payload_len(rec: bytes) -> int:
    frame = rec[16:]
    if frame[12:14] != b"\x08\x00":
        return 0
    ihl = (frame[14] & 15) * 4
    total = (frame[16] << 8) | frame[17]
    return total - ihl - ((frame[14 + ihl + 12] >> 4) * 4)


@pytest.mark.parametrize("change", ["retransmit", "swap", "no-syn", "dup-syn"])
def test_irregular_tcp_takes_the_full_path_and_agrees(tmp_path: Path, change: str) -> None:
    """Retransmissions, reordering, a missing SYN: the tight loop of the
    summary hands such connections to the full reassembler; the result must
    still equal the full decode of the same file."""
    for src in sorted(CAPTURES.glob("tls1[23]-*.pcap"))[:4]:
        head, recs = _pcap_records(src)
        data = [i for i, r in enumerate(recs) if _payload_len(r) > 0]
        if change == "retransmit":
            recs.insert(data[1] + 1, recs[data[1]])
        elif change == "swap":
            # two data segments of the same direction, in the wrong order
            i = next(
                j for j in data
                if j + 1 < len(recs) and _payload_len(recs[j + 1]) > 0
                and recs[j][16 + 34 : 16 + 36] == recs[j + 1][16 + 34 : 16 + 36]
            )  # fmt: skip
            recs[i], recs[i + 1] = recs[i + 1], recs[i]
        elif change == "no-syn":
            recs.pop(0)
        else:
            recs.insert(1, recs[0])
        path = tmp_path / f"{change}-{src.name}"
        path.write_bytes(head + b"".join(recs))
        rows_agree(path, "--keylog", str(src.with_suffix(".keys")))
        rows_agree(path)


def test_hello_lane_gives_what_the_builder_gives() -> None:
    """The tight loop follows ordinary connections itself (the hello lane
    without keys, the key lane with a key log) and hands anything else to the
    summary builder: both ways must give the same rows, on every capture at
    hand."""
    from tlsviz.keys.keyring import KeyMaterial
    from tlsviz.summary import loop

    paths = [str(p) for p in sorted(CAPTURES.glob("*.pcap"))]
    paths += [str(p) for p in corpus_captures(".pcap", ".pcapng")]
    laned = keyed = 0
    for path in paths:
        keys = Path(path).with_suffix(".keys")
        for with_keys in (False, True) if keys.exists() else (False,):
            rows = {}
            for lanes in (True, False):
                material = KeyMaterial()
                if with_keys:
                    material.keylog.add_text(keys.read_bytes(), source=str(keys))
                dropped = DroppedFlows(MAX_CLOSED)
                records = fast_records(path, dropped)
                assert records is not None
                run = loop._run(records, material, dropped, [], None, lanes=lanes)
                rows[lanes] = sorted((s.to_json() for _, s in run), key=lambda r: r["id"])
            assert rows[True] == rows[False], (path, with_keys)
            laned += len(rows[True])
            keyed += sum(r.get("keys", {}).get("status") == "verified" for r in rows[True])
    assert laned >= (50 if HAVE_CORPUS else 20)
    assert keyed >= 10
