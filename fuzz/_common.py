"""What every harness shares: running under atheris, seeds, scratch files, and
the rule for what counts as a crash.

A harness is a module of this folder with

- ``test_one_input(data: bytes) -> None``: feeds ``data`` to one entry point
  of tlsviz that takes untrusted bytes, the way tlsviz itself does, and raises
  only when tlsviz misbehaves (an uncaught exception, or an error that is not
  one of tlsviz's documented one-sentence errors);
- ``seeds(corpus: Path | None) -> Iterator[bytes]``: starting inputs made at
  run time from the bundled captures (and the public corpus when given),
  never stored in the repository;
- ``MAX_LEN``: the longest input worth trying.

``python fuzz/<harness>.py [libFuzzer options] [CORPUS_DIR...]`` fuzzes it
with atheris (``pip install atheris``).  Without a corpus folder the seeds are
written to ``$TMPDIR/tlsviz-fuzz/<harness>`` and used from there (with more
from the public corpus when present, found where the tests find it:
``TLSVIZ_CORPUS``, see ``tests/conftest.py``).  The same functions run in the
test suite on the seeds and on a few hundred deterministic mutations of them
(``tests/test_fuzz_harnesses.py``),
and every input that ever crashed one is replayed there
(``tests/fuzz_regressions/<harness>/``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TestOneInput = Callable[[bytes], None]


def corpus_root() -> Path | None:
    """The public corpus, when it is at hand (never copied into the repository)."""
    env = os.environ.get("TLSVIZ_CORPUS")
    path = Path(env) if env else ROOT.parent / "shared" / "corpus"
    return path if path.is_dir() else None


def bundled_files(*suffixes: str) -> list[Path]:
    """The bundled captures' files with these suffixes, sorted."""
    from tlsviz.bundled import captures_root

    root = captures_root()
    return sorted(p for p in root.iterdir() if p.is_file() and p.name.endswith(suffixes))


def corpus_files(corpus: Path | None, *suffixes: str, limit: int = 1 << 20) -> list[Path]:
    """The corpus's files with these suffixes and at most ``limit`` bytes."""
    if corpus is None:
        return []
    return sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and p.name.endswith(suffixes) and p.stat().st_size <= limit
    )


_scratch: dict[str, str] = {}


def scratch_file(data: bytes, name: str = "input") -> str:
    """``data`` in a file (for the entry points that read files), in a folder
    private to this process; the same file is reused for every input."""
    path = _scratch.get(name)
    if path is None:
        base = "/dev/shm" if os.path.isdir("/dev/shm") else os.environ.get("TMPDIR", "/tmp")
        folder = os.path.join(base, f"tlsviz-fuzz-{os.getpid()}")
        if not os.path.isdir(folder):
            import atexit
            import shutil

            os.makedirs(folder, mode=0o700, exist_ok=True)
            atexit.register(shutil.rmtree, folder, True)
        path = _scratch[name] = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def one_sentence(err: BaseException) -> None:
    """Accept ``err`` only as a documented error: one plain sentence, one line.
    Anything else is re-raised as the finding it is."""
    text = str(err)
    if not text or "\n" in text or "Traceback" in text or not text.rstrip().endswith("."):
        raise AssertionError(f"not a one-sentence error: {type(err).__name__}: {text!r}") from err


class Cursor:
    """Reads a fuzz input as a sequence of small decisions, never failing:
    past the end every number is 0 and every slice empty (libFuzzer's
    FuzzedDataProvider, without the dependency on atheris)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def u8(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n).ljust(n, b"\0"), "big")

    def take(self, n: int) -> bytes:
        out = self.data[self.pos : self.pos + max(n, 0)]
        self.pos += len(out)
        return out

    def rest(self) -> bytes:
        return self.take(self.remaining)


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` in pieces of ``size`` bytes (all of it at once when 0)."""
    if size <= 0:
        if data:
            yield data
        return
    for i in range(0, len(data), size):
        yield data[i : i + size]


def write_seeds(name: str, seeds: Iterator[bytes], folder: Path, max_len: int) -> int:
    """Write each distinct seed (cut to ``max_len``) to ``folder``; returns how many."""
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    seen = set()
    for seed in seeds:
        seed = seed[:max_len]
        digest = hashlib.sha1(seed).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        (folder / f"seed-{name}-{digest[:16]}").write_bytes(seed)
    return len(seen)


def _instrument() -> None:
    """Coverage for tlsviz's code only: every function already loaded, and
    every tlsviz module imported from now on (several are imported lazily)."""
    import gc
    import types

    import atheris

    atheris.instrument_imports(include=["tlsviz"]).__enter__()
    for obj in gc.get_objects():
        if (
            isinstance(obj, types.FunctionType)
            and str(getattr(obj, "__module__", "")).startswith("tlsviz")
            and isinstance(obj.__code__, types.CodeType)
        ):
            try:
                atheris.instrument_func(obj)
            except Exception:
                continue


def main(
    name: str,
    test_one_input: TestOneInput,
    seeds: Callable[[Path | None], Iterator[bytes]],
    max_len: int,
) -> None:
    """``python fuzz/<name>.py [options] [corpus...]``: fuzz with atheris.
    ``python fuzz/<name>.py --write-seeds DIR`` only writes the seeds to DIR."""
    argv = list(sys.argv)
    if len(argv) == 3 and argv[1] == "--write-seeds":
        n = write_seeds(name, seeds(corpus_root()), Path(argv[2]), max_len)
        print(f"{n} seeds for {name} in {argv[2]}")
        return
    import atheris

    if not any(a.startswith("-max_len=") for a in argv):
        argv.append(f"-max_len={max_len}")
    if not any(a.startswith("-timeout=") for a in argv):
        argv.append("-timeout=30")
    if not any(a.startswith("-rss_limit_mb=") for a in argv):
        argv.append("-rss_limit_mb=3072")
    if not [a for a in argv[1:] if not a.startswith("-")]:
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / "tlsviz-fuzz" / name
        if folder.is_dir():
            for old in folder.iterdir():
                old.unlink()
        n = write_seeds(name, seeds(corpus_root()), folder, max_len)
        print(f"INFO: {n} seeds for {name} in {folder}", file=sys.stderr)
        argv.append(str(folder))
    _instrument()
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


def capture_streams(path: Path) -> list[tuple[bytes, bytes]]:
    """Each TCP connection of a capture as (client bytes, server bytes), holes
    left out; for seeds."""
    from tlsviz.capture import CaptureError, CaptureReader
    from tlsviz.capture.tcp import StreamData, StreamOpened

    try:
        reader = CaptureReader(path)
    except CaptureError:
        return []
    conns: dict[int, list[bytearray]] = {}
    for ev in reader:
        if isinstance(ev, StreamOpened):
            conns[ev.conn] = [bytearray(), bytearray()]
        elif isinstance(ev, StreamData) and ev.conn in conns:
            conns[ev.conn][ev.direction == "server"] += ev.data
    return [(bytes(c), bytes(s)) for c, s in conns.values() if c or s]


def capture_files(corpus: Path | None, limit: int = 1 << 16) -> list[Path]:
    """Bundled captures, and the corpus's pcap/pcapng files of at most ``limit`` bytes."""
    kinds = (".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".cap")
    return bundled_files(".pcap", ".pcapng") + corpus_files(corpus, *kinds, limit=limit)


def capture_chunks(path: Path) -> list[list[tuple[str, bytes]]]:
    """Each TCP connection of a capture as its data in capture order:
    ``(direction, bytes)``, holes left out."""
    from tlsviz.capture import CaptureReader
    from tlsviz.capture.tcp import StreamData, StreamOpened

    conns: dict[int, list[tuple[str, bytes]]] = {}
    for ev in CaptureReader(path):
        if isinstance(ev, StreamOpened):
            conns[ev.conn] = []
        elif isinstance(ev, StreamData) and ev.conn in conns:
            conns[ev.conn].append((ev.direction, ev.data))
    return [c for c in conns.values() if c]
