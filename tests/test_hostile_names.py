"""Names a peer chose are shown, never obeyed: a server name holding a newline,
a terminal escape sequence or Textual markup comes out escaped in the text
output, the summary line and the explorer (which must not fail on it).

The captures are the bundled TLS 1.3 handshake with the nine bytes of its
server name ("localhost") replaced: record and handshake lengths stay right,
the handshake just names another host (the key log's traffic secrets still
decrypt it; the Finished messages no longer verify, the transcript changed)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tests.conftest import CAPTURES
from tlsviz.cli import main
from tlsviz.keys.loading import load_key_material
from tlsviz.wire.fields import printable

ORIGINAL = CAPTURES / "tls13-aes128gcm.pcap"
HOSTILE = {
    "newline": b"loc\nal\r\nt",
    "escape": b"\x1b[2J\x1b]0;x",
    "markup": b"[/b][red]",
}


def _renamed(tmp_path: Path, name: bytes) -> Path:
    data = ORIGINAL.read_bytes()
    assert data.count(b"localhost") == 1 and len(name) == 9
    out = tmp_path / "renamed.pcap"
    out.write_bytes(data.replace(b"localhost", name))
    return out


def _run(*args: str) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(list(args)) == 0
    return buf.getvalue()


def test_printable_escapes_control_characters_only() -> None:
    assert printable("example.com") == "example.com"
    assert printable("a\nb\x1b[2J\x7f\x85é") == "a\\x0ab\\x1b[2J\\x7f\\x85é"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_text_and_summary_show_the_name_escaped(tmp_path: Path, kind: str) -> None:
    path = _renamed(tmp_path, HOSTILE[kind])
    keys = str(ORIGINAL.with_suffix(".keys"))
    want = printable(HOSTILE[kind].decode())
    text = _run("decode", str(path), "--keylog", keys)
    header = text.splitlines()[0]
    assert header.startswith("Connection ") and f"SNI {want}" in header
    assert "\x1b" not in text and "\r" not in text
    assert f"host_name: {want}\n" in text
    line = _run("decode", "--summary", str(path), "--keylog", keys)
    assert line.count("\n") == 1 and f"sni={want}" in line and "keys=mismatch" in line
    (conn,) = json.loads(_run("decode", "--json", str(path), "--keylog", keys))["connections"]
    assert conn["sni"] == HOSTILE[kind].decode()  # the value itself, JSON-escaped


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_the_explorer_shows_the_name_literally(tmp_path: Path, kind: str) -> None:
    from textual.widgets import Static

    from tlsviz.ui.app import TlsvizApp
    from tlsviz.ui.screens.explorer import ExplorerScreen
    from tlsviz.ui.sources import Source

    path = _renamed(tmp_path, HOSTILE[kind])
    material = load_key_material([ORIGINAL.with_suffix(".keys")])
    app = TlsvizApp(Source(f"{kind}[/].pcap", str(path), material))
    async with app.run_test(size=(160, 45)) as pilot:
        shown = ""
        for _ in range(100):  # the explorer comes up, then its header is written
            await pilot.pause(0.05)
            if isinstance(app.screen, ExplorerScreen):
                shown = str(app.screen.query_one("#explorer-header", Static).render())
                if "SNI" in shown:
                    break
        assert f"SNI {printable(HOSTILE[kind].decode())}" in shown
        assert f"{kind}[/].pcap" in shown
