"""tlsviz as users install it.

The sdist and the wheel are built as a release would build them (``python -m
build``: the sdist first, then the wheel from the sdist), the wheel is installed
into a fresh virtual environment, and every command runs from a folder outside
the checkout with a clean environment, so nothing can come from the repository:
the bundled captures, key material and lessons must travel inside the wheel.

Building and installing take about 15 s (once for the module); each command
after that well under a second. The first tests need no build: they hold the
checkout to what the wheel is made from.
"""

from __future__ import annotations

import contextlib
import email.parser
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import tlsviz
from tests.conftest import CAPTURES, ROOT
from tlsviz import bundled, cli

pytestmark = pytest.mark.wheel

LESSONS = ROOT / "lessons"

#: File endings of capture data in captures/ (every such file must be named
#: by the manifest, which is what the build takes into the wheel).
CAPTURE_DATA = (".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".keys", ".key", ".psk")

#: Variables that would let a command find the checkout or another Python.
_LEAKY = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")


def _manifest_files() -> set[str]:
    manifest = json.loads((CAPTURES / "manifest.json").read_text(encoding="utf-8"))
    names = {"manifest.json", "README.md"}
    for entry in [*manifest["captures"], *manifest.get("dtls", []), *manifest.get("seeded", [])]:
        names.update(entry["files"].values())
    return names


def _lesson_files() -> set[str]:
    """Every lesson file a checkout has (hidden files and caches aside)."""
    if not LESSONS.is_dir():
        return set()
    return {
        p.relative_to(LESSONS).as_posix()
        for p in LESSONS.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in p.parts)
        and p.suffix != ".pyc"
    }


# -- the checkout: what the wheel is made from ---------------------------------------


def test_checkout_reads_its_own_folders() -> None:
    """An editable install (the README's quick start, CI) is a plain path to
    the repository, where the bundled folders are the top-level ones."""
    assert bundled.captures_root() == CAPTURES
    assert bundled.lessons_root() == LESSONS
    assert bundled.capture_path(bundled.DEFAULT_CAPTURE).is_file()
    assert cli.DEFAULT_CAPTURE == bundled.DEFAULT_CAPTURE
    assert bundled.bundled_captures()[0].path.name == bundled.DEFAULT_CAPTURE


def test_every_capture_file_is_in_the_manifest() -> None:
    """The wheel takes the captures the manifest names: a capture left out of
    it would open from a checkout and be missing once installed."""
    data = {p.name for p in CAPTURES.iterdir() if p.name.endswith(CAPTURE_DATA)}
    assert data <= _manifest_files(), sorted(data - _manifest_files())


def test_python_m_tlsviz_in_the_checkout() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tlsviz", "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout == f"tlsviz {tlsviz.__version__}\n"


# -- the wheel, installed -------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    env.update(extra)
    return env


@dataclass
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    #: an empty folder outside the checkout, where every command runs
    elsewhere: Path
    #: HOME and XDG_DATA_HOME point into the temporary folder (demo records there)
    home: Path

    def env(self) -> dict[str, str]:
        return _env(HOME=str(self.home), XDG_DATA_HOME=str(self.home / "data"))

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.venv / "bin" / program), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.elsewhere,
            env=self.env(),
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def python(self, code: str) -> str:
        proc = self.run("python", "-c", code)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def site_packages(self) -> Path:
        return Path(
            self.python("import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if importlib.util.find_spec("build") is None:
        pytest.skip("the build package is not installed (it is in the test extra)")
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    (wheel,) = dist.glob("tlsviz-*.whl")
    (sdist,) = dist.glob("tlsviz-*.tar.gz")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300, env=_env())
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return Installed(wheel, sdist, venv, elsewhere, tmp / "home")


def test_wheel_and_sdist_carry_the_bundled_files(installed: Installed) -> None:
    """Captures, their key logs, RSA key and PSK, the manifest, every lesson
    file and the UI's styles, byte for byte; not the scripts or the PKI that
    made the captures."""
    want = {f"tlsviz/_bundled/captures/{n}": CAPTURES / n for n in _manifest_files()}
    want |= {f"tlsviz/_bundled/lessons/{n}": LESSONS / n for n in _lesson_files()}
    styles = {f"tlsviz/ui/{p.name}": p for p in (ROOT / "tlsviz" / "ui").glob("*.tcss")}
    with zipfile.ZipFile(installed.wheel) as whl:
        names = set(whl.namelist())
        assert {n for n in names if n.startswith("tlsviz/_bundled/")} == set(want)
        for name, source in {**want, **styles}.items():
            assert whl.read(name) == source.read_bytes(), name
    tops = {n.split("/")[0] for n in names}
    assert tops == {"tlsviz", f"tlsviz-{tlsviz.__version__}.dist-info"}, tops
    with tarfile.open(installed.sdist) as sdist:
        prefix = f"tlsviz-{tlsviz.__version__}/"
        members = {m.name.removeprefix(prefix) for m in sdist.getmembers() if m.isfile()}
    assert {f"captures/{n}" for n in _manifest_files()} <= members
    assert {f"lessons/{n}" for n in _lesson_files()} <= members
    assert {"LICENSE", "README.md", "setup.py", "pyproject.toml"} <= members


def test_wheel_metadata(installed: Installed) -> None:
    """What a package index shows: summary, license, classifiers, the README."""
    with zipfile.ZipFile(installed.wheel) as whl:
        info = f"tlsviz-{tlsviz.__version__}.dist-info"
        meta = email.parser.Parser().parsestr(whl.read(f"{info}/METADATA").decode())
        license_text = whl.read(f"{info}/licenses/LICENSE").decode()
    assert meta["Name"] == "tlsviz" and meta["Version"] == tlsviz.__version__
    assert meta["Summary"] and "TLS" in meta["Summary"]
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert license_text.startswith("MIT License") and "the tlsviz authors" in license_text
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()
    classifiers = set(meta.get_all("Classifier") or [])
    assert {
        "Environment :: Console",
        "Topic :: Security :: Cryptography",
        "Topic :: Education",
        "Programming Language :: Python :: 3.11",
    } <= classifiers
    assert meta["Project-URL"] is None  # none invented


def test_installed_tlsviz_is_the_wheels(installed: Installed) -> None:
    """The commands below run the installed package, never the checkout."""
    site = installed.site_packages()
    out = installed.python(
        "import tlsviz, tlsviz.bundled as b\n"
        "print(tlsviz.__file__); print(b.captures_root()); print(b.lessons_root())"
    )
    package, captures, lessons = (Path(line) for line in out.splitlines())
    assert package.is_relative_to(site) and not package.is_relative_to(ROOT)
    assert captures == site / "tlsviz" / "_bundled" / "captures"
    assert lessons == site / "tlsviz" / "_bundled" / "lessons"


def test_decode_opens_the_bundled_default(installed: Installed) -> None:
    """``tlsviz decode --brief`` with no file: the bundled capture, decoded
    as the checkout decodes it."""
    proc = installed.run("tlsviz", "decode", "--brief")
    assert proc.returncode == 0, proc.stderr
    assert "ClientHello" in proc.stdout and "TLS_AES_128_GCM_SHA256" in proc.stdout
    here = subprocess.run(
        [sys.executable, "-m", "tlsviz", "decode", "--brief"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout == here.stdout


def test_bundled_key_material_verifies(installed: Installed) -> None:
    """The key log, the RSA server key and the PSK are installed too, and each
    alone decrypts and verifies its capture."""
    listed = json.loads(
        installed.python(
            "import json, tlsviz.bundled as b\n"
            "print(json.dumps([[c.name, str(c.path), str(c.keylog), str(c.rsa_key), str(c.psk)]"
            " for c in b.bundled_captures()]))"
        )
    )
    by_name = {name: rest for name, *rest in listed}
    manifest = json.loads((CAPTURES / "manifest.json").read_text(encoding="utf-8"))
    listed_names = [entry["name"] for entry in [*manifest["captures"], *manifest.get("dtls", [])]]
    assert list(by_name) == listed_names
    site = installed.site_packages()
    default, keylog, _, _ = by_name[bundled.DEFAULT_CAPTURE.removesuffix(".pcap")]
    _, _, rsa_key, _ = by_name["tls12-rsa-kx"]
    _, _, _, psk = by_name["tls12-psk-ccm8"]
    for path in (default, keylog, rsa_key, psk):
        assert Path(path).is_relative_to(site) and Path(path).is_file(), path
    for args in (
        ["--keylog", keylog],
        ["--key", rsa_key, by_name["tls12-rsa-kx"][0]],
        ["--psk", f"@{psk}", by_name["tls12-psk-ccm8"][0]],
    ):
        proc = installed.run("tlsviz", "decode", "--brief", *args)
        assert proc.returncode == 0, proc.stderr
        assert "keys: verified" in proc.stdout, (args, proc.stdout)


def test_python_m_tlsviz_prints_the_version(installed: Installed) -> None:
    proc = installed.run("python", "-m", "tlsviz", "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"tlsviz {tlsviz.__version__}\n"
    assert installed.wheel.name.startswith(f"tlsviz-{tlsviz.__version__}-")


def test_demo_text(installed: Installed) -> None:
    """The in-process handshake, recorded where a user's recordings go."""
    proc = installed.run("tlsviz", "demo", "--text")
    assert proc.returncode == 0, proc.stderr
    assert "Recorded 1 connection" in proc.stdout
    assert "keys: verified" in proc.stdout and "Finished (decrypted)" in proc.stdout
    recordings = installed.home / "data" / "tlsviz" / "recordings"
    assert len(list(recordings.glob("*.pcapng"))) >= 1


def _is_command(installed: Installed, *words: str) -> bool:
    proc = installed.run("tlsviz", *words, "--help")
    return proc.returncode == 0


def test_lesson_list_json(installed: Installed) -> None:
    """Every lesson travels: the installed list is the checkout's list."""
    if not _is_command(installed, "lesson", "list"):
        pytest.skip("`tlsviz lesson list` is not a command yet (the lessons issue adds it)")
    proc = installed.run("tlsviz", "lesson", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    here = subprocess.run(
        [sys.executable, "-m", "tlsviz", "lesson", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert here.returncode == 0, here.stderr
    keys = ("id", "title", "topics", "steps", "quizzes")
    got = [{k: lesson[k] for k in keys} for lesson in json.loads(proc.stdout)]
    assert got, "no lessons listed"
    assert got == [{k: lesson[k] for k in keys} for lesson in json.loads(here.stdout)]


# -- the home screen in a real terminal --------------------------------------------------

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b."
)


@contextlib.contextmanager
def _terminal(
    cmd: list[str], cwd: Path, env: dict[str, str], size: tuple[int, int] = (100, 30)
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``cmd`` on a pseudo-terminal of ``size`` (columns, rows): the process
    and the terminal's master side. The process is killed on the way out."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    proc = subprocess.Popen(
        cmd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env={**env, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(slave)
    try:
        yield proc, master
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        os.close(master)


def _read_screen(
    master: int, proc: subprocess.Popen[bytes], until: re.Pattern[str], s: float
) -> str:
    """What the terminal shows (escape sequences removed) once ``until``
    matches, the process has ended, or ``s`` seconds have passed."""
    import select

    raw = b""
    deadline = time.monotonic() + s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            raw += chunk
            if until.search(_ANSI.sub("", raw.decode("utf-8", "replace"))):
                break
        elif proc.poll() is not None:
            break
    return _ANSI.sub("", raw.decode("utf-8", "replace"))


def test_home_screen_in_a_terminal(installed: Installed) -> None:
    """``tlsviz`` with no arguments on a terminal opens the home screen, which
    lists the bundled lessons and captures (read from the installed package); ``q`` quits.

    This is the hook for the explorer: until it exists ``tlsviz`` prints its
    help on a terminal too, and the test says so and skips.
    """
    from tlsviz.lessons import catalogue

    # the lessons come first on the home screen and may fill it: either proves that the
    # screen lists what the installed package holds
    captures = [c.name for c in bundled.bundled_captures()]
    captures += [title for _, title, _ in catalogue()]
    shown = re.compile("usage: tlsviz|" + "|".join(map(re.escape, captures)))
    command = [str(installed.venv / "bin" / "tlsviz")]
    with _terminal(command, installed.elsewhere, installed.env()) as (proc, master):
        screen = _read_screen(master, proc, shown, 20)
        if screen.lstrip().startswith("usage: tlsviz"):
            pytest.skip("no home screen yet: `tlsviz` on a terminal prints its help")
        assert any(name in screen for name in captures), screen[-2000:]
        os.write(master, b"q")
        assert proc.wait(timeout=20) == 0


# -- the package imported from a zip archive ---------------------------------------------


def test_bundled_files_from_a_zip_import(installed: Installed) -> None:
    """Imported straight from the wheel (a zip archive on sys.path, as zipapps
    do), the bundled folders are copied out once into a temporary directory,
    real files for mmap and scapy, which is gone when tlsviz exits."""
    code = (
        "import hashlib, json, tlsviz, tlsviz.bundled as b\n"
        "digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()\n"
        "print(json.dumps([tlsviz.__file__, str(b.captures_root()),"
        " [[str(c.path), digest(c.path), digest(c.keylog)] for c in b.bundled_captures()]]))"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],  # -S: no site-packages, no editable checkout
        capture_output=True,
        text=True,
        timeout=120,
        cwd=installed.elsewhere,
        env=_env(PYTHONPATH=str(installed.wheel)),
    )
    assert proc.returncode == 0, proc.stderr
    package, root, files = json.loads(proc.stdout)
    assert package.startswith(str(installed.wheel) + os.sep)
    assert not Path(root).exists()  # removed at exit
    assert all(Path(path).parent == Path(root) for path, _, _ in files)

    def digest(p: Path | None) -> str:
        assert p is not None
        return hashlib.sha256(p.read_bytes()).hexdigest()

    want = [[c.path.name, digest(c.path), digest(c.keylog)] for c in bundled.bundled_captures()]
    assert [[Path(path).name, a, b] for path, a, b in files] == want
