"""``decode --summary`` on several processes, each reading one region of the
file: the rows must be those of one process reading it all, wherever the
regions are cut (in the middle of connections, at a wrong guess of where a
packet record starts) and however many there are."""

from __future__ import annotations

import contextlib
import glob
import io
import os
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CAPTURES, CORPUS
from tlsviz import fastsummary, parallel
from tlsviz.capture.fastread import RegionMark, fast_records, pcap_boundary
from tlsviz.cli import main
from tlsviz.keys.keyring import KeyMaterial
from tlsviz.source import summary_rows


def _rows(rows: Any) -> list[dict[str, Any]]:
    return sorted((s.to_json() for s in rows), key=lambda r: r["id"])


def _single(path: Path | str, material: KeyMaterial | None = None) -> list[dict[str, Any]]:
    return _rows(summary_rows(path, material))


def _split(path: Path | str, jobs: int, material: KeyMaterial | None = None) -> list[Any]:
    notes: list[str] = []
    rows = _rows(parallel.summarize_parallel(path, material, jobs, notes=notes, min_region=1))
    return rows


def _records(path: Path) -> tuple[bytes, list[bytes]]:
    data = path.read_bytes()
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos, out = 24, []
    while pos + 16 <= len(data):
        caplen = struct.unpack_from(order + "I", data, pos + 8)[0]
        out.append(data[pos : pos + 16 + caplen])
        pos += 16 + caplen
    return data[:24], out


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, KeyMaterial]:
    """The bundled Ethernet captures one after another, with their key logs:
    connections of every kind, TLS 1.2 and 1.3, many regions' worth."""
    head = b""
    body: list[bytes] = []
    material = KeyMaterial()
    for src in sorted(CAPTURES.glob("*.pcap")):
        h, recs = _records(src)
        if h[20:24] != b"\x01\x00\x00\x00":
            continue
        head = head or h
        body += recs
        keys = src.with_suffix(".keys")
        if keys.exists():
            material.keylog.add_text(keys.read_bytes(), source=str(keys))
    path = tmp_path_factory.mktemp("regions") / "mixed.pcap"
    path.write_bytes(head + b"".join(body))
    return path, material


@pytest.mark.parametrize("jobs", [2, 3, 5, 8])
def test_regions_give_the_rows_of_one_process(mixed: tuple[Path, KeyMaterial], jobs: int) -> None:
    path, _ = mixed
    one = _single(path)
    assert len(one) >= 10
    assert parallel._boundaries(path, jobs, 1), "the file was not cut"
    assert _split(path, jobs) == one


@pytest.mark.parametrize("jobs", [2, 4])
def test_regions_verify_with_keys_like_one_process(
    mixed: tuple[Path, KeyMaterial], jobs: int
) -> None:
    path, material = mixed
    one = _single(path, material)
    assert {r["keys"]["status"] for r in one} >= {"verified"}
    assert _split(path, jobs, material) == one


def test_every_cut_of_a_small_capture(mixed: tuple[Path, KeyMaterial], monkeypatch: Any) -> None:
    """Cut at every packet record in turn: in a handshake, between the
    hellos, in the closing packets — the rows never change."""
    path, _ = mixed
    one = _single(path)
    _, recs = _records(path)
    offsets, pos = [], 24
    for rec in recs:
        offsets.append(pos)
        pos += len(rec)
    for cut in offsets[1::3]:
        monkeypatch.setattr(parallel, "_boundaries", lambda *_a, c=cut: [c])
        assert _split(path, 2) == one, cut


def test_a_wrong_guess_is_caught(mixed: tuple[Path, KeyMaterial], monkeypatch: Any) -> None:
    """A boundary that is not the start of a packet record: the process
    before it walks across it, reads on, and the other's rows are dropped."""
    path, _ = mixed
    one = _single(path)
    _, recs = _records(path)
    middle = 24 + sum(len(r) for r in recs[: len(recs) // 2])
    for wrong in (middle + 1, middle + 17, middle + 40):
        monkeypatch.setattr(parallel, "_boundaries", lambda *_a, w=wrong: [w])
        assert _split(path, 2) == one, wrong
    # a wrong guess among right ones
    third = 24 + sum(len(r) for r in recs[: len(recs) // 3])
    monkeypatch.setattr(parallel, "_boundaries", lambda *_a: [third, middle + 3])
    assert _split(path, 3) == one


def test_boundary_guesses_are_checked_by_the_walk(mixed: tuple[Path, KeyMaterial]) -> None:
    path, _ = mixed
    _, recs = _records(path)
    starts, pos = set(), 24
    for rec in recs:
        starts.add(pos)
        pos += len(rec)
    size = path.stat().st_size
    guesses = [b for k in range(1, 50) if (b := pcap_boundary(path, size * k // 50)) is not None]
    assert guesses
    walk = fast_records(path, None, None, None, 24, sorted(set(guesses)))
    assert walk is not None
    marks = [r for r in walk if isinstance(r, RegionMark)]
    assert len(marks) == len(set(guesses))
    for m, g in zip(marks, sorted(set(guesses)), strict=True):
        assert m.reached == (g in starts)
        if m.reached:
            assert m.packets == sum(1 for s in starts if s < g)


def test_regions_on_the_corpus() -> None:
    paths = [
        p
        for p in sorted(glob.glob(str(CORPUS / "**" / "*.pcap"), recursive=True))
        if "dtls" not in p
    ][:60]
    if not paths:
        pytest.skip("corpus not available")
    for p in paths:
        one = _single(p)
        for jobs in (2, 3):
            assert _split(p, jobs) == one, (p, jobs)


def test_a_worker_that_dies_is_an_error_not_a_shorter_list(
    mixed: tuple[Path, KeyMaterial], monkeypatch: Any
) -> None:
    path, _ = mixed

    def dies(*_args: Any) -> None:
        os._exit(3)

    monkeypatch.setattr(parallel, "_region_worker", dies)
    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        _split(path, 2)


def test_a_worker_error_reaches_the_parent(
    mixed: tuple[Path, KeyMaterial], monkeypatch: Any
) -> None:
    """An exception in a worker comes back as one sentence; the CLI prints it
    (never a traceback, never a silently shorter list)."""
    path, _ = mixed
    walk = fastsummary.region_summaries

    def broken(path: Any, material: Any, start: int, *args: Any, **kw: Any) -> Any:
        if start > 24:  # the worker's region, not the parent's
            raise ValueError("the walk broke")
        return walk(path, material, start, *args, **kw)

    monkeypatch.setattr(fastsummary, "region_summaries", broken)
    with pytest.raises(RuntimeError, match="ValueError: the walk broke"):
        _split(path, 2)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(["decode", "--summary", "--jobs", "2", str(path)]) == 70
    assert "the walk broke" in err.getvalue()
    assert "Traceback" not in err.getvalue()
