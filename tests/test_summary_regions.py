"""``decode --summary`` on several processes, each reading one region of the
file: the rows must be those of one process reading it all, wherever the
regions are cut (in the middle of connections, at a wrong guess of where a
packet record starts) and however many there are."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CAPTURES, corpus_captures
from tlsviz.capture.fastread import (
    DroppedFlows,
    RegionMark,
    fast_records,
    opened_between,
    pcap_boundary,
)
from tlsviz.capture.tcp import MAX_CLOSED
from tlsviz.cli import main
from tlsviz.keys.keyring import KeyMaterial
from tlsviz.summary import loop, parallel
from tlsviz.summary.rows import summary_rows


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


def _starts(recs: list[bytes]) -> list[int]:
    """The offsets of packet records 2.. (each a possible region start)."""
    out, pos = [], 24
    for rec in recs[:-1]:
        pos += len(rec)
        out.append(pos)
    return out


@pytest.mark.parametrize("lead_in", [0, None])
def test_a_region_at_every_packet(
    mixed: tuple[Path, KeyMaterial], monkeypatch: Any, lead_in: int | None
) -> None:
    """Every packet record a region of its own: each connection outlasts
    many regions, and the process of every one of them but the first picks
    it up in the middle.  Those rows are the first process's only: the
    knowledge of what earlier processes followed (or summarised, whose later
    packets one process would skip) must reach every later region, not only
    the next.  With and without the look back for SYNs before a region."""
    path, _ = mixed
    one = _single(path)
    _, recs = _records(path)
    cuts = _starts(recs)[: parallel.MAX_REGIONS - 1]
    monkeypatch.setattr(parallel, "_boundaries", lambda *_a: cuts)
    if lead_in is not None:
        monkeypatch.setattr(loop, "LEAD_IN", lead_in)
    for jobs in (2, 3):
        assert _split(path, jobs) == one, jobs


def test_syns_before_a_region_are_those_the_walk_finds(mixed: tuple[Path, KeyMaterial]) -> None:
    """The look back before a region (fastread.opened_between) against the
    packet walk over the same records."""
    path, _ = mixed
    _, recs = _records(path)
    starts = [24, *_starts(recs)]
    for i in range(0, len(starts), 7):
        for j in (i, i + 1, i + 13, len(starts) - 1):
            if j >= len(starts) or j < i:
                continue
            begin, end = starts[i], starts[j]
            walk = fast_records(path, None, None, None, begin, [end])
            assert walk is not None
            want = []
            for rec in walk:
                if isinstance(rec, RegionMark):
                    break
                if type(rec) is tuple:
                    _, t, _, frame = rec
                    if (
                        frame[12:14] == b"\x08\x00"
                        and frame[23] == 6
                        and frame[47] & 0x17 in (2, 0x12)
                    ):
                        want.append((pytest.approx(t, abs=1e-6), bytes(frame[26:38])))
            assert opened_between(path, begin, end) == want, (begin, end)
    assert opened_between(path, starts[3] + 1, starts[9]) is None  # not a record's start


@pytest.fixture(scope="module")
def reset_then_more(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A connection that ends with a FIN, data, then a RST (as mqtt-mtls
    does), followed by other connections over the next seconds."""
    head, first = _records(CAPTURES / "mqtt-mtls.pcap")
    _, other = _records(CAPTURES / "tls13-aes128gcm.pcap")
    endian: Any = "little" if head[:4] == b"\xd4\xc3\xb2\xa1" else "big"
    t_end = int.from_bytes(first[-1][:4], endian)
    client = other[0][16 + 34 : 16 + 36]  # the SYN's source port
    body = list(first)
    for k in range(1, 4):
        for r in other:
            rec = bytearray(r)
            rec[:4] = (t_end + 2 * k).to_bytes(4, endian)
            at = 16 + 34 if rec[16 + 34 : 16 + 36] == client else 16 + 36
            rec[at : at + 2] = (40000 + k).to_bytes(2, "big")  # a client port each
            body.append(bytes(rec))
    path = tmp_path_factory.mktemp("reset") / "reset-then-more.pcap"
    path.write_bytes(head + b"".join(body))
    return path


@pytest.mark.parametrize("lead_in", [0, None])
def test_a_region_reader_stops_once_nothing_is_left_to_follow(
    reset_then_more: Path, lead_in: int | None
) -> None:
    """A region that starts between a connection's FIN and RST (at the
    data the other side still sends): its reader
    picks the rest up in the middle (without the look back) and follows it
    past the region's end until it is over, which for a RST is a second of
    capture time later (told by packets it does not follow); then it stops,
    well before the end of the file.  Before, the grace period only ran on
    packets it followed: it walked to the end of the file."""
    path = reset_then_more
    one = _single(path)
    _, recs = _records(path)
    starts = _starts(recs)
    n = len(_records(CAPTURES / "mqtt-mtls.pcap")[1])
    cut, nxt = starts[n - 3], starts[n - 1]  # the data after the FIN; the packet after the RST
    cell = [0]
    items = loop.region_summaries(path, KeyMaterial(), cut, [nxt], progress=cell, lead_in=lead_in)
    assert items is not None
    marks = [i for i in items if isinstance(i, loop.Boundary)]
    assert marks and marks[0].mark.reached
    assert cell[0] < path.stat().st_size - 2 * sum(len(r) for r in recs[n:]) // 3  # in copy 1
    # and the rows are those of one process, cut there or anywhere
    for c in starts:
        for jobs in (2, 3):
            assert _split_at(path, jobs, [c, *(x for x in (nxt,) if x > c)]) == one, c


def _split_at(path: Path, jobs: int, cuts: list[int]) -> list[Any]:
    saved = parallel._boundaries
    parallel._boundaries = lambda *_a: cuts  # type: ignore[assignment]
    try:
        return _split(path, jobs)
    finally:
        parallel._boundaries = saved


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
    paths = [p for p in corpus_captures(".pcap") if "dtls" not in str(p)][:60]
    if not paths:
        pytest.skip("corpus not available")
    for p in paths:
        one = _single(p)
        for jobs in (2, 3):
            assert _split(p, jobs) == one, (p, jobs)


def test_progress_counts_every_region(mixed: tuple[Path, KeyMaterial]) -> None:
    """The progress bar adds up how far each region's walk has come (in
    memory the processes share), not only the parent's own region."""
    path, _ = mixed
    size = path.stat().st_size
    seen: list[int] = []
    rows = list(parallel.summarize_parallel(path, None, 2, progress=seen.append, min_region=1))
    assert rows and seen
    assert all(0 <= x <= size for x in seen)
    # the parent reads only a few of the eight regions: more than those
    # regions' bytes means the workers' walks were counted
    assert seen[-1] > size // 2, (seen[-1], size)


def test_a_worker_that_dies_is_an_error_not_a_shorter_list(
    mixed: tuple[Path, KeyMaterial], monkeypatch: Any
) -> None:
    path, _ = mixed

    def dies(*_args: Any) -> None:
        os._exit(3)

    monkeypatch.setattr(parallel, "_worker", dies)
    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        _split(path, 2)


def test_a_worker_error_reaches_the_parent(
    mixed: tuple[Path, KeyMaterial], monkeypatch: Any
) -> None:
    """An exception in a worker comes back as one sentence; the CLI prints it
    (never a traceback, never a silently shorter list)."""
    path, _ = mixed
    walk = loop.region_summaries

    def broken(path: Any, material: Any, start: int, *args: Any, **kw: Any) -> Any:
        if start > 24:  # the worker's region, not the parent's
            raise ValueError("the walk broke")
        return walk(path, material, start, *args, **kw)

    monkeypatch.setattr(loop, "region_summaries", broken)
    with pytest.raises(RuntimeError, match="ValueError: the walk broke"):
        _split(path, 2)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(["decode", "--summary", "--jobs", "2", str(path)]) == 70
    assert "the walk broke" in err.getvalue()
    assert "Traceback" not in err.getvalue()


_FLIPS = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=6)


def _damage(path: Path, tmp: Path, flips: list[tuple[int, int]]) -> Path:
    data = bytearray(path.read_bytes())
    for pos, val in flips:
        data[pos % len(data)] = val
    out = tmp / "damaged.pcap"
    out.write_bytes(data)
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flips=_FLIPS, jobs=st.sampled_from([2, 3]), keyed=st.booleans())
def test_damaged_captures_give_the_same_rows_in_regions(
    mixed: tuple[Path, KeyMaterial],
    tmp_path: Path,
    flips: list[tuple[int, int]],
    jobs: int,
    keyed: bool,
) -> None:
    """Bytes changed anywhere (record headers, TCP headers, hellos, records):
    the regions still give what one process gives, and nothing raises."""
    path = _damage(mixed[0], tmp_path, flips)
    material = mixed[1] if keyed else None
    assert _split(path, jobs, material) == _single(path, material)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flips=_FLIPS, keyed=st.booleans())
def test_damaged_captures_give_the_same_rows_with_and_without_lanes(
    mixed: tuple[Path, KeyMaterial], tmp_path: Path, flips: list[tuple[int, int]], keyed: bool
) -> None:
    """The lanes read hellos and records straight from the segments; on
    damaged bytes they must give up exactly where the builder would differ."""
    path = _damage(mixed[0], tmp_path, flips)
    rows = {}
    for lanes in (True, False):
        material = mixed[1] if keyed else KeyMaterial()
        dropped = DroppedFlows(MAX_CLOSED)
        records = fast_records(path, dropped)
        assert records is not None
        run = loop._run(records, material, dropped, [], None, lanes=lanes)
        rows[lanes] = sorted((s.to_json() for _, s in run), key=lambda r: r["id"])
    assert rows[True] == rows[False]


@given(st.binary(max_size=4096), st.integers(0, 5000))
def test_boundary_guesses_on_random_bytes_never_raise(data: bytes, target: int) -> None:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
        f.write(
            b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(8) + b"\x00\x00\x04\x00\x01\x00\x00\x00"
        )
        f.write(data)
        f.flush()
        b = pcap_boundary(f.name, target)
        assert b is None or 24 <= b < 24 + len(data)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flips=_FLIPS)
def test_damaged_captures_with_keys_decode_without_internal_errors(
    mixed: tuple[Path, KeyMaterial], tmp_path: Path, flips: list[tuple[int, int]]
) -> None:
    """The full decode and the summary, with the key log, on damaged bytes: a
    version no key derivation knows, a retry request out of place, a frame too
    short for its headers... are reported, never an internal error."""
    path = _damage(mixed[0], tmp_path, flips)
    keys = tmp_path / "mixed.keys"
    keys.write_bytes(b"".join(p.read_bytes() for p in sorted(CAPTURES.glob("*.keys"))))
    keys.chmod(0o600)  # a key log others could read would be warned about
    for args in (["--json"], ["--summary", "--jobs", "1"], ["--summary", "--jobs", "2"]):
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(["decode", *args, "--keylog", str(keys), str(path)])
        # 2: damage that makes the file no capture at all, said in one sentence
        assert code in (0, 2), (args, err.getvalue())
        assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue()
        if code == 2:
            assert err.getvalue().count("\n") == 1, err.getvalue()


# -- what random damage found (each once a traceback or a row that differed) --


def _payload_at(rec: bytes | bytearray) -> int:
    """Where the TCP payload of a pcap record (Ethernet/IPv4) starts."""
    frame = rec[16:]
    return 16 + 34 + ((frame[46] >> 4) << 2)


def _rewrite(tmp: Path, src: Path, change: Any) -> Path:
    head, recs = _records(src)
    editable = [bytearray(r) for r in recs]
    change(editable)
    out = tmp / f"changed-{src.name}"
    out.write_bytes(head + b"".join(bytes(r) for r in editable))
    return out


def _decodes_cleanly(path: Path, keys: Path) -> None:
    for args in (["--json"], ["--summary", "--jobs", "1"], ["--summary", "--jobs", "2"]):
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            assert main(["decode", *args, "--keylog", str(keys), str(path)]) == 0, err.getvalue()
        assert "internal error" not in err.getvalue()


def test_a_server_hello_of_an_unknown_version_with_keys(tmp_path: Path) -> None:
    """TLS 1.2's ServerHello says version 0x0346: no PRF is defined for it."""
    src = CAPTURES / "tls12-ecdhe-rsa-aes128gcm.pcap"

    def change(recs: list[bytearray]) -> None:
        for r in recs:
            p = _payload_at(r)
            if r[p : p + 1] == b"\x16" and r[p + 5] == 2:
                r[p + 9 : p + 11] = b"\x03\x46"
                return
        raise AssertionError("no ServerHello")

    path = _rewrite(tmp_path, src, change)
    _decodes_cleanly(path, src.with_suffix(".keys"))
    rows = _single(path, _material(src))
    assert rows and rows[0]["keys"]["status"] != "verified"


def test_a_retry_request_before_any_client_hello() -> None:
    """A HelloRetryRequest with nothing before it: the quick check gives the
    connection to the full flow instead of failing."""
    from tlsviz.summary.quickkeys import QuickVerifier
    from tlsviz.wire.facts import HRR_RANDOM

    ext = b"\x00\x2b\x00\x02\x03\x04" + b"\x00\x33\x00\x02\x00\x1d"
    body = b"\x03\x03" + HRR_RANDOM + b"\x00" + b"\x13\x01" + b"\x00"
    body += len(ext).to_bytes(2, "big") + ext
    msg = b"\x02" + len(body).to_bytes(3, "big") + body
    q = QuickVerifier(_material(CAPTURES / "tls13-hrr.pcap").keylog)
    q.feed("server", b"\x16\x03\x03" + len(msg).to_bytes(2, "big") + msg)
    assert q.unsure


def test_a_frame_too_short_for_its_headers(tmp_path: Path) -> None:
    """An Ethernet frame cut after 30 bytes that claims IPv4 and TCP."""
    src = CAPTURES / "tls13-aes128gcm.pcap"

    def change(recs: list[bytearray]) -> None:
        short = bytearray(recs[3][: 16 + 30])
        short[8:12] = (30).to_bytes(4, "little")
        short[12:16] = (30).to_bytes(4, "little")
        recs.insert(3, short)

    path = _rewrite(tmp_path, src, change)
    _decodes_cleanly(path, src.with_suffix(".keys"))
    assert _split(path, 2) == _single(path)


def test_a_stray_packet_open_at_the_end(mixed: tuple[Path, KeyMaterial], tmp_path: Path) -> None:
    """A packet whose address was damaged opens a connection of its own that
    never ends: it ends with the capture, at the capture's last packet
    (whether or not the filter let that packet through), in every region."""
    path, _ = mixed

    def change(recs: list[bytearray]) -> None:
        r = recs[len(recs) // 3]
        r[16 + 29] ^= 0x70  # the source address's last byte

    stray = _rewrite(tmp_path, path, change)
    one = _single(stray)
    assert any(r["closed"] == "eof" for r in one)
    for jobs in (2, 3, 4):
        assert _split(stray, jobs) == one, jobs


def _material(src: Path) -> KeyMaterial:
    m = KeyMaterial()
    keys = src.with_suffix(".keys")
    m.keylog.add_text(keys.read_bytes(), source=str(keys))
    return m


@pytest.fixture(scope="module")
def reused(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One connection's packets three times over, two seconds apart: the
    same addresses and ports, each time opened by a new SYN with new initial
    sequence numbers (ports are reused all the time in a capture of thousands
    of connections)."""
    src = CAPTURES / "tls13-aes128gcm.pcap"
    head, recs = _records(src)
    endian: Any = "little" if head[:4] == b"\xd4\xc3\xb2\xa1" else "big"
    body = []
    for k in range(3):
        for r in recs:
            rec = bytearray(r)
            sec = int.from_bytes(rec[:4], endian) + 2 * k
            rec[:4] = sec.to_bytes(4, endian)
            for at in (16 + 38, 16 + 42):  # TCP sequence and acknowledgment numbers
                n = int.from_bytes(rec[at : at + 4], "big")
                rec[at : at + 4] = ((n + k * 0x10000000) & 0xFFFFFFFF).to_bytes(4, "big")
            body.append(bytes(rec))
    path = tmp_path_factory.mktemp("reused") / "reused.pcap"
    path.write_bytes(head + b"".join(body))
    return path


def test_ports_reused_across_a_cut(reused: Path, monkeypatch: Any) -> None:
    """A SYN in a region on the ports of a connection the region before was
    still following at the cut: the new connection is the new region's."""
    one = _single(reused)
    assert len(one) == 3
    _, recs = _records(reused)
    pos = 24
    for rec in recs[:-1]:
        pos += len(rec)
        monkeypatch.setattr(parallel, "_boundaries", lambda *_a, c=pos: [c])
        assert _split(reused, 2) == one, pos


def test_a_reused_port_stays_filtered_when_its_older_drop_expires(
    reused: Path, monkeypatch: Any
) -> None:
    """The memory of summarised connections is bounded; forgetting an older
    connection on the same ports must not forget the newer one (whose late
    packets would then open a connection of their own)."""
    one = _single(reused)
    monkeypatch.setattr(loop, "MAX_CLOSED", 3)
    assert _single(reused) == one
    # the capture reader's own filter (gzip files take that path)
    from tlsviz.capture import pcapfile

    gz = reused.with_suffix(".pcap.gz")
    gz.write_bytes(gzip.compress(reused.read_bytes()))
    whole = _single(gz)
    assert [r["id"] for r in whole] == [r["id"] for r in one]
    monkeypatch.setattr(pcapfile, "MAX_CLOSED", 3)
    assert _single(gz) == whole
