"""The layering of STYLE.md, proved: the core imports neither textual nor scapy,
and no path of the command line imports ``scapy.all``."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tlsviz
from tests.conftest import CAPTURES

#: a file given by name (the bundled default is found with pathlib)
BUNDLED = CAPTURES / "tls13-aes128gcm.pcap"

CORE = ("tlsviz.wire", "tlsviz.keys", "tlsviz.session", "tlsviz.lessons", "tlsviz.peer")


def _modules(package: str) -> list[str]:
    pkg = __import__(package, fromlist=["_"])
    return [package] + [f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return set(out.split())


def test_core_imports_neither_textual_nor_scapy() -> None:
    mods = [m for p in CORE for m in _modules(p)]
    loaded = _loaded_after("\n".join(f"import {m}" for m in mods))
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "scapy")}


def test_wire_is_stdlib_only() -> None:
    loaded = _loaded_after("\n".join(f"import {m}" for m in _modules("tlsviz.wire")))
    third_party = {m.split(".")[0] for m in loaded} & {"cryptography", "textual", "scapy"}
    assert third_party == set()


def test_decode_never_imports_scapy_all() -> None:
    code = (
        "from tlsviz.cli import main\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['decode', '--json'])\n"
    )
    loaded = _loaded_after(code)
    assert "scapy.all" not in loaded and "scapy.layers.inet" not in loaded
    assert not {m for m in loaded if m.startswith("textual")}


def test_export_loads_neither_textual_nor_scapy_all() -> None:
    """``tlsviz export`` (a capture's handout and a lesson's) renders from the model
    alone: no UI, no packet layers, no peer."""
    code = (
        "from tlsviz.cli import main\n"
        "import io, contextlib, tempfile, os\n"
        "d = tempfile.mkdtemp()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['export', '--html', os.path.join(d, 'a.html'), '--markdown', "
        "os.path.join(d, 'a.md')])\n"
        "    main(['export', 'encryption-basics', '--html', os.path.join(d, 'l.html')])\n"
    )
    loaded = _loaded_after(code)
    assert {"tlsviz.session.html", "tlsviz.session.markdown", "tlsviz.lessons.handout"} <= loaded
    assert not {m for m in loaded if m.startswith(("textual", "scapy.all", "scapy.layers"))}
    assert not {m for m in loaded if m.startswith("tlsviz.peer.")}


def test_the_peer_stays_out_of_other_commands() -> None:
    """tlsviz's own TLS peer is imported by ``record --client/--server tlsviz``
    only: neither building the command line nor decoding loads it, and
    ``import tlsviz.peer`` alone costs nothing (its names load on first use)."""
    code = (
        "from tlsviz.cli import main, build_parser\n"
        "import io, contextlib\n"
        "build_parser()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['decode', '--json'])\n"
        "import tlsviz.peer\n"
    )
    loaded = _loaded_after(code)
    assert not {m for m in loaded if m.startswith("tlsviz.peer.")}, loaded
    assert "tlsviz.capture.glassbox" not in loaded


def test_version() -> None:
    assert tlsviz.__version__


def test_summary_loads_neither_the_decoder_nor_crypto() -> None:
    """``decode --summary`` without keys (on one process or several) reads
    the hellos with the scanner: the decoder's message classes, field trees,
    key flows, the cryptography package, scapy and multiprocessing stay out,
    and so do modules that only cost start-up time here (pathlib, json,
    pickle: the workers' rows travel as marshal data; dataclasses, see
    tlsviz._slots)."""
    for jobs in ("1", "2"):
        code = (
            "from tlsviz.cli import main\n"
            "import io, contextlib\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    main(['decode', '--summary', '--jobs', '{jobs}', {str(BUNDLED)!r}])\n"
        )
        loaded = _loaded_after(code)
        heavy = {
            "tlsviz.wire.fields",
            "tlsviz.wire.records",
            "tlsviz.wire.hello",
            "tlsviz.wire.extensions",
            "tlsviz.wire.connection",
            # DTLS: UDP flows are found by content (capture.udp, wire.dtls_framing, both
            # light); the DTLS decoder loads only when a capture holds DTLS
            "tlsviz.wire.dtls_connection",
            "tlsviz.wire.dtls_records",
            "tlsviz.wire.dtls_reassembly",
            "tlsviz.wire.coap",
            "tlsviz.keys.engine",
            "tlsviz.summary.quickkeys",
            "tlsviz.wire.quickhello",
            "tlsviz.wire.reader",
            "tlsviz.wire.dispatch",
            "tlsviz.session.builder",
            "tlsviz.session.model",
            "cryptography",
            "scapy",
            "multiprocessing",
            "pathlib",
            "json",
            "pickle",
            "dataclasses",
        }
        assert not heavy & loaded, (jobs, heavy & loaded)


def test_bundled_and_python_m_tlsviz_stay_light() -> None:
    """Finding the bundled captures and lessons (what the home screen and the
    lessons ask first) and ``python -m tlsviz --version`` load none of the
    third-party packages."""
    loaded = _loaded_after(
        "import tlsviz.bundled as b\n"
        "b.captures_root(); b.lessons_root(); b.bundled_captures()\n"
        "import runpy, contextlib, io, sys\n"
        "sys.argv = ['tlsviz', '--version']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    runpy.run_module('tlsviz', run_name='__main__')\n"
    )
    assert "tlsviz.cli" in loaded and "tlsviz.bundled" in loaded
    assert not {m.split(".")[0] for m in loaded} & {"textual", "scapy", "cryptography"}


def test_lesson_list_decodes_nothing() -> None:
    """Listing lessons reads Markdown only: no capture, key or UI code is loaded, and
    building the command line does not even import the lessons package."""
    code = (
        "from tlsviz.cli import main\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['lesson', 'list', '--json'])\n"
    )
    loaded = _loaded_after(code)
    assert "tlsviz.lessons.parser" in loaded
    heavy = {"cryptography", "scapy", "textual", "tlsviz.keys", "tlsviz.capture", "tlsviz.source"}
    assert not {m for m in loaded if m.split(".")[0] in heavy or m.rsplit(".", 1)[0] in heavy}
    assert not {m for m in loaded if m.startswith(("tlsviz.keys", "tlsviz.capture"))}
    parser_only = _loaded_after("from tlsviz.cli import build_parser\nbuild_parser()\n")
    assert not {m for m in parser_only if m.startswith("tlsviz.lessons")}


def test_summary_package_imports_nothing_heavy() -> None:
    """Every module of tlsviz.summary (but the quick Finished check, loaded
    with a key log), and the facts it asks wire/ and keys/ for, import
    nothing heavy at module level: the decoder, cryptography and the start-up
    costs above come only with the keys that need them."""
    mods = [m for m in _modules("tlsviz.summary") if m != "tlsviz.summary.quickkeys"]
    mods += ["tlsviz.wire.facts", "tlsviz.wire.facts_hello", "tlsviz.wire.facts_ext"]
    mods += ["tlsviz.keys.status"]
    loaded = _loaded_after("\n".join(f"import {m}" for m in mods))
    heavy = {"dataclasses", "json", "pathlib", "pickle", "cryptography", "scapy", "textual"}
    heavy |= {"tlsviz.wire.hello", "tlsviz.wire.connection", "tlsviz.keys.engine"}
    assert not heavy & loaded, heavy & loaded


def test_the_classroom_loads_only_what_it_uses() -> None:
    """The classroom file (written by ``present --classroom``, read by followers) is
    the standard library alone; building the command line, which names ``present``,
    ``follow`` and ``serve``, loads neither textual nor textual-serve's web server."""
    loaded = _loaded_after("import tlsviz.classroom")
    third_party = {m.split(".")[0] for m in loaded} & {
        "textual", "textual_serve", "aiohttp", "cryptography", "scapy"
    }  # fmt: skip
    assert third_party == set()
    loaded = _loaded_after("from tlsviz.cli import build_parser\nbuild_parser()\n")
    assert not {m for m in loaded if m.startswith(("textual", "aiohttp", "rich"))}


def test_the_private_writer_is_stdlib_and_light() -> None:
    """Writing a recording or a key log 0600 (``tlsviz.private``) needs the
    standard library only, and none of what the summary path keeps out."""
    loaded = _loaded_after("import tlsviz.private")
    ours = {m for m in loaded if m.startswith("tlsviz")}
    assert ours == {"tlsviz", "tlsviz.private"}
    assert not loaded & {"pathlib", "tempfile", "json", "dataclasses", "cryptography"}
