"""The indexed key log (``KeyLog.add_indexed``) answers exactly as the parsed one.

Oracle: ``KeyLog.add_text``, the line parser, on the same text.  Inputs: the
bundled key logs (written by OpenSSL, GnuTLS and Python's ssl), every key log
of the corpus, and random or mutated key logs from hypothesis.
"""

from __future__ import annotations

import mmap
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_keys_keylog import _corpus_keylogs

from tlsviz.keys.keylog import KeyLog

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "captures").glob("*.keys"))
LABELS13 = [
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
    "CLIENT_EARLY_TRAFFIC_SECRET",
]


def _both(data: bytes) -> tuple[KeyLog, KeyLog]:
    eager, lazy = KeyLog(), KeyLog()
    eager.add_text(data, source="k")
    lazy.add_indexed(data, source="k")
    return eager, lazy


def _same_answers(eager: KeyLog, lazy: KeyLog, *, conflicts: bool = False) -> None:
    randoms = eager.client_randoms()
    assert sorted(lazy.client_randoms()) == sorted(randoms)
    assert lazy.labels() == eager.labels()
    for random in randoms:
        assert lazy.secrets_for(random) == eager.secrets_for(random)
        assert random in lazy
    for entry in eager:
        got = lazy.entry(entry.label, entry.key)
        assert got is not None, entry
        assert (got.secret, got.line, got.source) == (entry.secret, entry.line, entry.source)
        assert lazy.lookup(entry.label, entry.key) == entry.secret
    assert sorted((e.label, e.key, e.secret) for e in lazy) == sorted(
        (e.label, e.key, e.secret) for e in eager
    )
    assert bytes(32) not in lazy or bytes(32) in eager
    assert lazy.lookup("CLIENT_RANDOM", b"\x55" * 32) == eager.lookup("CLIENT_RANDOM", b"\x55" * 32)
    # an indexed key log counts a repeated line twice
    assert len(lazy) >= len(eager) and bool(len(lazy)) == bool(len(eager))
    if not conflicts:
        assert _problems(lazy) == _problems(eager)


def _problems(log: KeyLog) -> list[tuple[int, str, str]]:
    return sorted((p.line, p.message, p.source) for p in log.problems)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_keylogs_indexed_as_parsed(path: Path) -> None:
    eager, lazy = _both(path.read_bytes())
    assert len(eager) > 0
    _same_answers(eager, lazy)


@pytest.mark.corpus
def test_corpus_keylogs_indexed_as_parsed() -> None:
    paths = _corpus_keylogs()
    if not paths:
        pytest.skip("corpus not available")
    for path in paths:
        eager, lazy = _both(path.read_bytes())
        _same_answers(eager, lazy, conflicts=any("differs" in p.message for p in eager.problems))


def test_memory_map_with_crlf_comments_and_bad_lines(tmp_path: Path) -> None:
    text = b"".join(path.read_bytes() for path in BUNDLED)
    lines = text.splitlines()
    mixed = [b"# written by hand", b"", *lines[:5], b"CLIENT_RANDOM 00 11", b"  ", *lines[5:]]
    mixed.insert(7, b"UNKNOWN_LABEL " + b"ab" * 32 + b" " + b"cd" * 32)
    mixed.insert(9, b"RSA 0102030405060708 " + b"03" * 48)
    data = b"\r\n".join(mixed) + b"\r\n"
    path = tmp_path / "mixed.keys"
    path.write_bytes(data)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        lazy = KeyLog()
        lazy.add_indexed(mm, source="k")
        eager = KeyLog()
        eager.add_text(data, source="k")
        assert len(eager.problems) == 2  # the short line, the unknown label
        _same_answers(eager, lazy)
        assert lazy.rsa_premaster(bytes.fromhex("0102030405060708")) == b"\x03" * 48


def test_conflicting_lines_reported_on_lookup() -> None:
    cr, a, b = "11" * 32, "22" * 48, "33" * 48
    data = f"CLIENT_RANDOM {cr} {a}\n# again\nCLIENT_RANDOM {cr} {b}\n".encode()
    lazy = KeyLog()
    lazy.add_indexed(data, source="f")
    assert lazy.problems == []
    assert lazy.master_secret(bytes.fromhex(cr)) == bytes.fromhex(b)  # the newer value
    assert len(lazy.problems) == 1
    assert "differs from line 1 of f" in lazy.problems[0].message
    assert lazy.problems[0].line == 3
    lazy.master_secret(bytes.fromhex(cr))
    assert len(lazy.problems) == 1  # told once


def test_text_added_later_takes_precedence() -> None:
    cr, a, b = "44" * 32, "55" * 48, "66" * 48
    log = KeyLog()
    log.add_indexed(f"CLIENT_RANDOM {cr} {a}\n".encode(), source="file")
    assert log.master_secret(bytes.fromhex(cr)) == bytes.fromhex(a)
    log.add_text(f"CLIENT_RANDOM {cr} {b}\n", source="pcapng secrets block")
    assert log.master_secret(bytes.fromhex(cr)) == bytes.fromhex(b)


def test_many_randoms_with_shared_prefixes() -> None:
    # client randoms that share their first 3 bytes land next to each other in
    # the index; each must still find only its own lines, at the right line
    rows = []
    for i in range(3000):
        random = bytes([i % 5, 0, 7]) + i.to_bytes(29, "big")
        label = LABELS13[i % len(LABELS13)] if i % 3 else "CLIENT_RANDOM"
        secret = (i.to_bytes(4, "big") * 12)[: 48 if label == "CLIENT_RANDOM" else 32]
        rows.append(f"{label} {random.hex()} {secret.hex()}")
    data = ("\n".join(rows) + "\n").encode()
    eager, lazy = _both(data)
    assert len(eager) == 3000
    _same_answers(eager, lazy)


_hex = st.binary(min_size=1, max_size=64).map(bytes.hex)
_line = st.one_of(
    st.builds(
        lambda label, r, s: f"{label} {r.hex()} {s.hex()}",
        st.sampled_from(["CLIENT_RANDOM", *LABELS13]),
        st.binary(min_size=32, max_size=32),
        st.sampled_from([32, 48, 64]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    ),
    st.builds(lambda a, b, c: f"{a} {b} {c}", st.sampled_from(["RSA", "X", *LABELS13]), _hex, _hex),
    st.text(alphabet="ABCDEF0123456789 _#\t", max_size=40),
)


@given(st.lists(_line, max_size=30), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_random_keylogs_indexed_as_parsed(lines: list[str], eol: str, upper: bool) -> None:
    text = eol.join(lines)
    if upper:
        text = text.upper()
    eager, lazy = _both(text.encode())
    _same_answers(eager, lazy, conflicts=any("differs" in p.message for p in eager.problems))


@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    lazy = KeyLog()
    lazy.add_indexed(data, source="x")
    lazy.lookup("CLIENT_RANDOM", bytes(32))
    assert all(p.line >= 1 for p in lazy.problems)


def test_cli_loads_a_big_keylog_lazily(tmp_path: Path) -> None:
    """`decode --keylog` indexes the file: the bundled capture still verifies
    with its key log buried among 100,000 lines of other connections."""
    keys = ROOT / "captures" / "tls13-aes128gcm.keys"
    filler = "".join(
        f"CLIENT_RANDOM {i.to_bytes(32, 'big').hex()} {'ab' * 48}\n" for i in range(100_000)
    )
    big = tmp_path / "big.keys"
    big.write_text(filler[: len(filler) // 2] + keys.read_text() + filler[len(filler) // 2 :])
    big.chmod(0o600)  # a key log others could read would be warned about
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tlsviz.cli",
            "decode",
            "--summary",
            "--keylog",
            str(big),
            str(ROOT / "captures" / "tls13-aes128gcm.pcap"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "keys=verified" in out.stdout and out.stderr == ""
