"""``decode --summary`` (the fast path for big captures) says what the full
decode says, connection by connection, on one process or several."""

from __future__ import annotations

import contextlib
import glob
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CAPTURES, CORPUS
from tlsviz.capture.fastread import fast_records
from tlsviz.capture.pcapfile import _CaptureFile
from tlsviz.cli import main

FIELDS = ("id", "client", "server", "version", "cipher_suite", "sni", "alpn", "group")


def run(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["decode", *args]) == 0
    return out.getvalue()


def full(path: str, *keys: str) -> list[dict[str, Any]]:
    return json.loads(run("--json", path, *keys))["connections"]  # type: ignore[no-any-return]


def summary(path: str, *args: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run("--summary", "--json", path, *args).splitlines()]


def _keyed() -> list[tuple[str, str]]:
    out = [(str(p), str(p.with_suffix(".keys"))) for p in sorted(CAPTURES.glob("*.pcap"))]
    for rel, keys in [
        ("wireshark/captures/tls13-rfc8446.pcap", "wireshark/keys/tls13-rfc8446.keys"),
        (
            "wireshark/captures/tls12-chacha20poly1305.pcap",
            "wireshark/keys/tls12-chacha20poly1305.keys",
        ),
        ("wireshark/captures/dhe1.pcapng.gz", "wireshark/keys/dhe1_keylog.dat"),
        (
            "wireshark/captures/tls13-20-chacha20poly1305.pcap",
            "wireshark/keys/tls13-20-chacha20poly1305.keys",
        ),
        ("illustrated-tls13/capture.pcap", "illustrated-tls13/keylog.txt"),
        ("wireshark/captures/challenge01_ooo_stream.pcapng.gz", ""),
        ("wireshark/captures/tls12-dsb.pcapng", ""),
    ]:
        if (CORPUS / rel).exists():
            out.append((str(CORPUS / rel), str(CORPUS / keys) if keys else ""))
    return out


@pytest.mark.parametrize("path, keylog", _keyed(), ids=lambda v: Path(v).name)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_summary_agrees_with_full_decode(path: str, keylog: str, jobs: str) -> None:
    keys = ("--keylog", keylog) if keylog else ()
    whole = {c["id"]: c for c in full(path, *keys)}
    rows = summary(path, "--jobs", jobs, *keys)
    assert sorted(r["id"] for r in rows) == sorted(whole)
    for r in rows:
        c = whole[r["id"]]
        assert {k: r[k] for k in FIELDS} == {k: c[k] for k in FIELDS}
        assert r["keys"]["status"] == c["keys"]["status"], (r["id"], c["keys"]["reason"])


def test_summary_without_keys_on_the_corpus() -> None:
    paths = [
        p
        for p in sorted(glob.glob(str(CORPUS / "**" / "*.pcap*"), recursive=True))
        if "dtls" not in p and not p.endswith(".json")
    ][:80]
    if not paths:
        pytest.skip("corpus not available")
    for path in paths:
        whole = {c["id"]: c for c in full(path)}
        rows = summary(path)
        assert sorted(r["id"] for r in rows) == sorted(whole), path
        for r in rows:
            c = whole[r["id"]]
            assert {k: r[k] for k in FIELDS} == {k: c[k] for k in FIELDS}, path


def test_fast_reader_gives_the_same_records_as_scapy() -> None:
    paths = [
        p
        for p in sorted(glob.glob(str(CORPUS / "**" / "*.pcap*"), recursive=True))
        if not p.endswith((".gz", ".json"))
    ]
    paths += [str(p) for p in CAPTURES.glob("*.pcap")]
    checked = 0
    for path in paths:
        fast = fast_records(path)
        assert fast is not None
        ours = list(fast)
        cf = _CaptureFile(path)
        try:
            theirs = list(cf.records())
        finally:
            cf.close()
        assert len(ours) == len(theirs), path
        for number, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if isinstance(a, tuple):
                assert isinstance(b, tuple)
                n, t, lt, frame = a
                assert lt == b[1] and bytes(frame) == bytes(b[2]), path
                assert t == pytest.approx(b[0], abs=1e-6), path
                assert n >= 1 and n <= number + 1
            else:
                assert type(a) is type(b), path
        checked += 1
    assert checked >= 10
