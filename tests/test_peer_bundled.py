"""The bundled captures tlsviz's own peer made with a seed (captures/seeded.py).

Each is made again here with the same command and must come out identical,
byte for byte: the seed fixes every random, key, ticket, port and time.  Each
decodes with every key derived from the shared secret (or the PSK), with no
key options at all, since the pcapng carries the key log and the ephemeral keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from captures.seeded import SEEDED, _tlsviz
from tests.conftest import CAPTURES
from tlsviz.bundled import bundled_captures
from tlsviz.source import open_capture


@pytest.mark.parametrize("cap", SEEDED, ids=[c.name for c in SEEDED])
def test_seeded_capture_is_remade_identically(tmp_path: Path, cap: object) -> None:
    from captures.seeded import Seeded

    assert isinstance(cap, Seeded)
    bundled = CAPTURES / f"{cap.name}.pcapng"
    if not bundled.exists():
        pytest.skip("run captures/make_captures.py to make the seeded captures")
    again = tmp_path / bundled.name
    code, said = _tlsviz("record", "--client", "tlsviz", "--server", "tlsviz", "--seed",
                         str(cap.seed), *cap.options, "-o", str(again))  # fmt: skip
    assert code == 0, said
    assert again.read_bytes() == bundled.read_bytes(), (
        f"{cap.name} changed: re-make it with captures/make_captures.py --only {cap.name}"
    )
    for conn in open_capture(bundled):
        assert conn.keys is not None
        assert conn.keys.status()[0] == cap.status, conn.keys.status()
        names = {r.step.name for r in conn.keys.step_reports()}
        resumed12 = "master_secret" in names and "pre_master_secret" not in names
        assert names & {"shared_secret", "psk", "pre_master_secret"} or resumed12


def test_seeded_captures_are_listed() -> None:
    names = {c.name for c in bundled_captures(seeded=True)}
    assert {c.name for c in SEEDED} <= names
    assert not {c.name for c in SEEDED} & {c.name for c in bundled_captures()}
