"""Voev/snet's decryption suite: each capture with its key log, and the number
of records its own tests expect decrypted (tests.conf, decrypted_records_count)."""

from __future__ import annotations

import configparser
import contextlib
import io
import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tlsviz.cli import main

pytestmark = pytest.mark.corpus

SNET = CORPUS / "snet"


def _cases() -> list[tuple[str, str, str, int]]:
    conf = SNET / "tests.conf"
    if not conf.exists():
        return []
    cp = configparser.ConfigParser()
    cp.read(conf)
    out = []
    for sec in cp.sections():
        d = cp[sec]
        pcap = SNET / "decrypt_by_keylog" / Path(d["pcap"]).name
        keylog = SNET / "decrypt_by_keylog" / Path(d["keylog"]).name
        if not keylog.exists():
            keylog = keylog.with_suffix(".txt")
        if pcap.exists() and keylog.exists():
            out.append(
                (
                    sec.split(".", 1)[1],
                    str(pcap),
                    str(keylog),
                    int(d.get("decrypted_records_count", "-1")),
                )
            )
    return out


CASES = _cases()


@pytest.mark.skipif(not CASES, reason="snet corpus not available")
@pytest.mark.parametrize("name, pcap, keylog, expected", CASES, ids=[c[0] for c in CASES])
def test_snet_case(name: str, pcap: str, keylog: str, expected: int) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["decode", "--json", pcap, "--keylog", keylog]) == 0
    conns = json.loads(out.getvalue())["connections"]
    # a connection aborted before its key exchange has nothing to decrypt
    keyed = [c for c in conns if "no keys were agreed" not in c["keys"]["reason"]]
    if "ARIA" in name:
        # keys are derived, but the cryptography package has no ARIA cipher
        assert all(
            c["keys"]["status"] == "partial" and "ARIA" in c["keys"]["reason"] for c in keyed
        )
        return
    assert [c["keys"]["status"] for c in keyed] == ["verified"] * len(keyed)
    decrypted = sum(c["keys"]["decrypted_records"] for c in keyed)
    if "NULL" in name:
        # snet does not count NULL-cipher records as decrypted; their MACs still check
        assert decrypted > 0
    else:
        assert decrypted == expected
