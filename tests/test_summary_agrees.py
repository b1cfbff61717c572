"""``decode --summary --json`` and ``decode --json`` agree on every key both
give, for every connection: on every bundled capture, every corpus capture,
and fresh handshakes made here over loopback (TLS 1.2 resumption by session
id and by ticket, TLS 1.3 resumption by PSK and with an external PSK, a
HelloRetryRequest), each without key material, with its own, with another
capture's key log and with a corrupted one.

The two paths share the protocol's facts (:mod:`tlsviz.wire.facts`,
:mod:`tlsviz.keys.status`) but not their bookkeeping: the summary reads the
hellos with its own scanner, follows most connections in a tight loop of its
own, and checks keys with a quick check of its own.  This test is what holds
them to one answer.  Which keys are compared is not chosen: every key of a
summary row must be a key of the full decode and equal to it, except where a
difference is the point of the summary (``EXEMPT``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CAPTURES, CORPUS, corpus_captures, need_tool
from tlsviz.bundled import bundled_captures
from tlsviz.cli import main

#: The keys of a summary row (a contract: keys are added, never renamed or
#: dropped).  The keys only ``decode --json`` gives are not compared, as the
#: summary keeps no messages: messages, certificates, bytes, handshakes,
#: verification, application_data, diagnostics, and in ``keys`` everything
#: but status and reason (the derivation steps, records decrypted).
ROW_KEYS = {
    "id",
    "transport",
    "client",
    "server",
    "version",
    "cipher_suite",
    "sni",
    "alpn",
    "group",
    "start_time",
    "end_time",
    "closed",
    "resumed",
    "resumption",
    "psk_origin",
    "hello_retry",
}

#: Keys both paths give that may differ, and why.  ``end_time`` and
#: ``closed``: the summary stops following a connection once its row is
#: settled (that is what makes it fast); its ``closed`` is then None and its
#: ``end_time`` the time of the packet that settled the row.  When the summary
#: did follow a connection to its end (``closed`` not None), they must agree.
EXEMPT = {"end_time", "closed"}


def _resumes_a_renegotiation(full: dict[str, Any], whole: dict[int, dict[str, Any]]) -> bool:
    """``keys`` may differ for a connection that resumes a session agreed by a
    renegotiation of another connection: the summary checks each connection's
    keys only as far as its first Finished messages and never sees that
    second handshake, so to it the session is unknown (``missing``)."""
    m = re.match(r"the session of connection (\d+)", full["keys"].get("source") or "")
    return m is not None and whole.get(int(m[1]), {}).get("handshakes", 1) > 1


def _run(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["decode", *args]) == 0, args
    return out.getvalue()


def rows_agree(path: Path | str, *options: str, jobs: str = "1") -> list[dict[str, Any]]:
    """Both decodes of ``path`` with ``options``; asserts that they agree on
    every key both give, connection by connection; returns the summary rows."""
    whole = {c["id"]: c for c in json.loads(_run("--json", str(path), *options))["connections"]}
    rows = [
        json.loads(line)
        for line in _run("--summary", "--json", "--jobs", jobs, str(path), *options).splitlines()
    ]
    where = (Path(path).name, *options)
    assert sorted(r["id"] for r in rows) == sorted(whole), where
    for row in rows:
        full = whole[row["id"]]
        assert set(row) - {"keys"} == ROW_KEYS, where
        assert set(row) <= set(full), (where, set(row) - set(full))
        for key, value in row.items():
            theirs = full[key]
            if key in EXEMPT and row["closed"] is None:
                if key == "end_time" and value is not None and theirs is not None:
                    assert row["start_time"] <= value <= theirs, (where, row["id"], key)
                continue
            if isinstance(value, dict):  # nested ("keys"): every key both give
                assert set(value) <= set(theirs), (where, row["id"], key)
                theirs = {k: theirs[k] for k in value}
                if key == "keys" and value != theirs and _resumes_a_renegotiation(full, whole):
                    assert value["status"] == "missing", (where, row["id"], value)
                    continue
            assert value == theirs, (where, row["id"], key, value, theirs)
    return rows


# -- key material -----------------------------------------------------------------


def _corrupted(keylog: Path, out: Path) -> Path:
    """The key log with every secret's last byte changed: the right client
    randoms, the wrong secrets."""
    lines = []
    for line in keylog.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            secret = bytearray.fromhex(parts[2])
            secret[-1] ^= 0x5A
            parts[2] = secret.hex()
        lines.append(" ".join(parts))
    out.write_text("\n".join(lines) + "\n")
    return out


def _bundled_variants(tmp: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    caps = bundled_captures()
    for i, cap in enumerate(caps):
        yield cap.path, ()
        other = caps[(i + 1) % len(caps)].keylog
        if other is not None:
            yield cap.path, ("--keylog", str(other))  # another capture's secrets
        if cap.keylog is None:
            continue
        yield cap.path, ("--keylog", str(cap.keylog))
        bad = _corrupted(cap.keylog, tmp / f"{cap.path.stem}.corrupted.keys")
        yield cap.path, ("--keylog", str(bad))
        extra: tuple[str, ...] = ()
        if cap.rsa_key is not None:
            extra += ("--key", str(cap.rsa_key))
        if cap.psk is not None:
            extra += ("--psk", f"@{cap.psk}")
        if extra:  # material beyond a key log: the summary runs the full key flow
            yield cap.path, ("--keylog", str(cap.keylog), *extra)
            yield cap.path, extra


def test_bundled_captures(tmp_path: Path) -> None:
    compared = resumed = 0
    for path, options in _bundled_variants(tmp_path):
        rows = rows_agree(path, *options)
        compared += len(rows)
        resumed += sum(r["resumed"] for r in rows)
    assert compared >= 40 and resumed >= 1


def test_bundled_captures_on_two_processes() -> None:
    for cap in bundled_captures():
        keys = ("--keylog", str(cap.keylog)) if cap.keylog is not None else ()
        rows_agree(cap.path, *keys, jobs="2")


_KEYLOG_SUFFIXES = (".keys", ".keys.txt", ".txt", "_keylog.dat", ".dsb-keylog.txt")


def _stem(path: Path) -> str:
    name = path.name.removesuffix(".gz")
    return name.removesuffix(".pcapng").removesuffix(".pcap")


def _corpus_keylogs(path: Path) -> list[Path]:
    """The key logs the corpus holds for a capture: beside it by name (or
    ``keylog.txt``), in a sibling ``keys`` folder, or named by snet's
    tests.conf."""
    stem = _stem(path)
    found = [
        d / (stem + suffix)
        for d in (path.parent, path.parent.parent / "keys")
        for suffix in _KEYLOG_SUFFIXES
    ]
    found.append(path.parent / "keylog.txt")
    conf = CORPUS / "snet" / "tests.conf"
    if path.parent.name == "decrypt_by_keylog" and conf.exists():
        import configparser

        cp = configparser.ConfigParser()
        cp.read(conf)
        for section in cp.sections():
            if Path(cp[section]["pcap"]).name == path.name:
                keylog = path.parent / Path(cp[section]["keylog"]).name
                found += [keylog, keylog.with_suffix(".txt")]
    return [k for k in dict.fromkeys(found) if k.is_file()]


def _rsa_keys(path: Path) -> list[Path]:
    keys = CORPUS / "wireshark" / "keys" / f"{_stem(path)}.key"
    return [keys] if keys.is_file() else []


CORPUS_CAPTURES = corpus_captures()


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS_CAPTURES, reason="the corpus is not available")
@pytest.mark.parametrize(
    "path", CORPUS_CAPTURES, ids=[str(p.relative_to(CORPUS)) for p in CORPUS_CAPTURES]
)
def test_corpus_capture(path: Path) -> None:
    """Without keys (but for what the file itself holds), with each key log
    and RSA key the corpus has for it, and with a bundled capture's key log
    (the wrong secrets for every connection)."""
    rows_agree(path)
    for keylog in _corpus_keylogs(path):
        rows_agree(path, "--keylog", str(keylog))
    for key in _rsa_keys(path):
        rows_agree(path, "--key", str(key))
    rows_agree(path, "--keylog", str(CAPTURES / "tls13-aes128gcm.keys"))


@pytest.mark.corpus
def test_corpus_resumption_drift_is_gone() -> None:
    """The TLS 1.2 session resumptions of the MQTT captures, which the summary
    once called not resumed: both paths now say how they resumed."""
    caps = [
        p
        for p in CORPUS_CAPTURES
        if p.parent.name == "TLS_12" and p.name.endswith("_ses_res.pcapng")
    ]
    if not caps:
        pytest.skip("the MQTT captures of the corpus are not available")
    for path in caps:
        rows = rows_agree(path)
        assert [r["resumed"] for r in rows] == [True], path.name
        assert rows[0]["resumption"] in ("session_id", "ticket"), path.name


# -- fresh handshakes ---------------------------------------------------------------

#: what each fresh capture's connections must say (made to be so, below)
EXPECTED = {
    # the project's recorder (Python's ssl on both sides, no root needed)
    "rec12-session-id": [(None, None), ("session_id", None)],
    "rec12-ticket": [(None, None), ("ticket", None)],
    "rec13-psk": [(None, None), ("psk", "ticket")],
    # openssl s_server / s_client, captured by tcpdump on lo (root)
    "o12-session-id": [(None, None), ("session_id", None)],
    "o12-ticket": [(None, None), ("ticket", None)],
    "o13-resume": [(None, None), ("psk", "ticket")],
    "o13-external-psk": [("psk", "external")],
    "o13-hrr": [(None, None)],
}


def _record(out: Path, name: str, *flags: str) -> tuple[Path, Path]:
    """A handshake and its resumption by ``tlsviz record`` (the key log goes
    into the file, and beside it)."""
    path, keylog = out / f"{name}.pcapng", out / f"{name}.keys"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["record", *flags, "-o", str(path), "--keylog-out", str(keylog)]) == 0
    return path, keylog


def _openssl_captures(out: Path) -> dict[str, tuple[Path, Path]]:
    if missing := [t for t in ("openssl", "tcpdump") if shutil.which(t) is None]:
        pytest.skip(f"{', '.join(missing)} not installed")
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    from captures.peers import Psk, Scenario, record_handshake

    scenarios = [
        Scenario("o12-session-id", version="1.2", resume=True, ticket=False),
        Scenario("o12-ticket", version="1.2", resume=True),
        Scenario("o13-resume", version="1.3", resume=True),
        Scenario(
            "o13-external-psk",
            version="1.3",
            cipher="TLS_AES_128_GCM_SHA256",
            psk=Psk("device-17", "00112233445566778899aabbccddeeff", None),
        ),
        Scenario(
            "o13-hrr", version="1.3", groups=("secp256r1", "x25519"), server_groups=("x25519",)
        ),
    ]
    made = {}
    for sc in scenarios:
        rec = record_handshake(sc, out)
        made[sc.name] = (rec.pcap, rec.keylog)
    return made


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """name -> (capture, its key log)."""
    out = tmp_path_factory.mktemp("fresh")
    made = {
        "rec12-session-id": _record(out, "rec12-session-id", "--tls1.2", "--resume", "--no-ticket"),
        "rec12-ticket": _record(out, "rec12-ticket", "--tls1.2", "--resume"),
        "rec13-psk": _record(out, "rec13-psk", "--tls1.3", "--resume"),
    }
    with contextlib.suppress(pytest.skip.Exception):  # the recorder's three still count
        made.update(_openssl_captures(out))
    return made


def _without_secrets(path: Path) -> Path:
    """The capture without its Decryption Secrets Block, if it has one (editcap)."""
    if path.suffix != ".pcapng":
        return path
    need_tool("editcap")
    out = path.with_name(path.stem + "-nokeys.pcapng")
    subprocess.run(
        ["editcap", "--discard-all-secrets", str(path), str(out)], check=True, capture_output=True
    )
    return out


def test_fresh_handshakes(fresh: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    """Each fresh capture with its keys, without, with another capture's and
    with corrupted ones: the two paths agree, and they say what was made."""
    for name, (path, keylog) in fresh.items():
        rows = rows_agree(path, "--keylog", str(keylog))
        assert [(r["resumption"], r["psk_origin"]) for r in rows] == EXPECTED[name], name
        assert [r["resumed"] for r in rows] == [how is not None for how, _ in EXPECTED[name]]
        assert all(r["keys"]["status"] == "verified" for r in rows), name
        assert all(r["hello_retry"] == (name == "o13-hrr") for r in rows), name
        bare = _without_secrets(path)
        rows = rows_agree(bare)
        assert [(r["resumption"], r["psk_origin"]) for r in rows] == EXPECTED[name], name
        assert all(r["keys"]["status"] == "missing" for r in rows), name
        wrong = ("--keylog", str(CAPTURES / "tls12-rsa-kx.keys"))
        assert all(r["keys"]["status"] == "missing" for r in rows_agree(bare, *wrong)), name
        bad = _corrupted(keylog, tmp_path / f"{name}.corrupted.keys")
        rows = rows_agree(bare, "--keylog", str(bad))
        assert all(r["keys"]["status"] != "verified" for r in rows), name
    if os.geteuid() == 0 and shutil.which("tcpdump") and shutil.which("openssl"):
        assert "o13-hrr" in fresh
