"""The fuzz harnesses of ``fuzz/`` in the test suite, without atheris.

- Every input that ever made a harness fail (an uncaught exception, a broken
  promise of the code under test, a hang) is kept in
  ``tests/fuzz_regressions/<harness>/`` and replayed here through the same
  harness function: the bug stays fixed.
- A short run of each harness: its seeds (made from the bundled captures and
  lessons at run time) and a few hundred deterministic mutations of them, so
  that a harness that stops working, or a parser that starts raising on the
  simplest damage, is noticed in CI.  The long runs are atheris's
  (``python fuzz/<harness>.py``, see ``fuzz/README.md``).
"""

from __future__ import annotations

import importlib
import random
import sys
import time
from itertools import islice
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
REGRESSIONS = Path(__file__).resolve().parent / "fuzz_regressions"
HARNESSES = sorted(
    p.stem for p in FUZZ.glob("*.py") if not p.name.startswith("_") and p.stem != "README"
)
#: mutations per harness, and the time a harness may take at most (a loaded CI
#: machine runs fewer of them: the run is short by design, atheris's are long)
MUTATIONS = 300
BUDGET = 1.5

pytestmark = pytest.mark.fuzz


def harness(name: str) -> ModuleType:
    if str(FUZZ) not in sys.path:
        sys.path.insert(0, str(FUZZ))
    return importlib.import_module(name)


def test_every_harness_is_known() -> None:
    assert set(HARNESSES) >= {
        "decoder", "decrypted", "extensions", "x509", "keylog", "keylog_index",
        "pcap_scapy", "pcap_fast", "tcp", "summary", "lessons", "dtls",
    }  # fmt: skip
    for name in HARNESSES:
        h = harness(name)
        assert callable(h.test_one_input) and callable(h.seeds) and h.MAX_LEN > 0
    assert {p.name for p in REGRESSIONS.iterdir()} <= set(HARNESSES)


def _regressions() -> list[tuple[str, Path]]:
    return sorted(
        (d.name, f) for d in REGRESSIONS.iterdir() if d.is_dir() for f in d.iterdir() if f.is_file()
    )


@pytest.mark.parametrize(("name", "path"), _regressions(), ids=lambda v: getattr(v, "name", v))
def test_regression(name: str, path: Path) -> None:
    """An input that once crashed this harness runs through it cleanly now."""
    harness(name).test_one_input(path.read_bytes())


def mutate(rng: random.Random, data: bytes, max_len: int) -> bytes:
    """One to four of libFuzzer's simplest mutations, deterministic for ``rng``."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:  # flip a bit
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:  # an interesting byte
            b[rng.randrange(len(b))] = rng.choice((0, 1, 0x7F, 0x80, 0xFF))
        elif op == 2:  # insert bytes
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 3:  # erase a run
            del b[i : i + rng.randint(1, 64)]
        elif op == 4 and b:  # repeat a run elsewhere
            j = rng.randrange(len(b))
            b[i:i] = b[j : j + rng.randint(1, 32)]
        else:  # cut short
            del b[i:]
    return bytes(b[:max_len])


@pytest.mark.parametrize("name", HARNESSES)
def test_short_run(name: str) -> None:
    h = harness(name)
    seeds = [s[: h.MAX_LEN] for s in islice(h.seeds(None), 12)]
    assert seeds, f"{name} has no seeds"
    start = time.monotonic()
    for seed in seeds:
        h.test_one_input(seed)
    rng = random.Random(name)
    for n in range(MUTATIONS):
        h.test_one_input(mutate(rng, rng.choice(seeds), h.MAX_LEN))
        if time.monotonic() - start > BUDGET and n >= 20:
            break
