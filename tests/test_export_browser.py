"""The HTML handout in a real browser: Debian's headless Chromium, through Playwright.

With JavaScript on and off: no console error, nothing requested but the file itself, a
screenshot that is not blank, and the same elements the standard library's parser reads
(the browser did not have to repair the markup).  The hex view lights the field under
the pointer with CSS alone; the print style sheet shows what the reader collapsed; the
script links a field's row to its bytes.  A fresh handshake between real peers over
loopback gives a page with every message tshark sees, the server name and the decrypted
request and reply.  Captures whose server name and certificate hold scripts never run
them, even with the page's Content-Security-Policy taken away.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, need_tool
from tests.export_support import HANDSHAKE_NAMES, Page, check_page, message_headings
from tlsviz.cli import main

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_SNI = "<script>alert(1)</script>"
HOSTILE_CN = "<script>alert(2)</script>"
HOSTILE_O = '"><img src=x onerror=alert(3)>'


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@dataclass
class Visit:
    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def visit(browser: Any, path: Path, *, js: bool = True) -> Visit:
    ctx = browser.new_context(java_script_enabled=js, viewport={"width": 1280, "height": 900})
    v = Visit(ctx.new_page())
    v.page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
    v.page.on("pageerror", lambda e: v.errors.append(str(e)))
    v.page.on("request", lambda r: v.requests.append(r.url))

    def dialog(d: Any) -> None:
        v.dialogs.append(d.message)
        d.dismiss()

    v.page.on("dialog", dialog)
    v.page.goto(path.as_uri())
    v.page.wait_for_load_state("load")
    return v


def colours(browser: Any, png: bytes) -> int:
    """How many distinct colours a screenshot has (a blank page has one or two)."""
    page = browser.new_page()
    try:
        url = "data:image/png;base64," + base64.b64encode(png).decode()
        return int(page.evaluate(
            """async (url) => {
                const img = new Image(); img.src = url; await img.decode();
                const c = document.createElement('canvas');
                c.width = img.width; c.height = img.height;
                const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
                for (let i = 0; i < d.length; i += 4 * 7)
                    seen.add((d[i] << 16) | (d[i+1] << 8) | d[i+2]);
                return seen.size;
            }""",
            url,
        ))  # fmt: skip
    finally:
        page.close()


def rendered_like_written(v: Visit, page: Page) -> None:
    """The browser built exactly the elements the page spells out: nothing was repaired."""
    counts = v.page.evaluate(
        "() => { const c = {}; for (const e of document.getElementsByTagName('*')) "
        "{ const t = e.tagName.toLowerCase(); c[t] = (c[t] || 0) + 1; } return c; }"
    )
    ours = dict(page.tags)
    assert counts == ours


def check_visit(browser: Any, v: Visit, path: Path, shot: Path) -> None:
    assert v.errors == [], v.errors[:3]
    assert v.requests == [path.as_uri()]
    assert v.dialogs == []
    png = v.page.screenshot(path=str(shot))
    assert colours(browser, png) >= 20


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handout") / "tls13.html"
    assert main(["export", "--html", str(out)]) == 0
    return out


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_bundled_handout_renders(browser: Any, bundled: Path, js: bool, tmp_path: Path) -> None:
    page = check_page(bundled.read_text())
    v = visit(browser, bundled, js=js)
    check_visit(browser, v, bundled, tmp_path / "shot.png")
    p = v.page
    assert p.locator(".tools button").count() == (2 if js else 0)
    if js:
        page.tags["div"] += 1  # the script's toolbar and its two buttons
        page.tags["button"] += 2
    rendered_like_written(v, page)
    assert "TLS_AES_128_GCM_SHA256" in p.inner_text("#c1-summary")
    # nothing wider than the window: long hex values wrap
    assert p.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # CSS alone: the innermost field under the pointer lights up, not its parents
    inner = p.locator("#c1-m0 .hex .f[data-f='7-1']")
    outer = p.locator("#c1-m0 .hex .f[data-f='7']")
    inner.hover()
    bg = "e => getComputedStyle(e).backgroundColor"
    assert inner.evaluate(bg) == "rgb(255, 226, 122)" != outer.evaluate(bg)
    if js:
        # comfort: a row of the tree lights its bytes; a byte goes to its field's row
        p.locator("#c1-m0-f3 > .row").hover()
        assert p.locator("#c1-m0 .hex .f.hot").count() == 1
        assert p.locator("#c1-m0 .hex .f.hot").get_attribute("data-f") == "3"
        p.locator("#c1-m1 .hex .f[data-f='5']").click()
        assert p.evaluate("location.hash") == "#c1-m1-f5"
    # printing shows what the reader collapsed, with or without the script
    p.locator("#c1-m4 details.bytes > summary").click()
    hexview = p.locator("#c1-m4 details.bytes .hex")
    assert not hexview.is_visible()
    p.emulate_media(media="print")
    assert hexview.is_visible()
    assert p.locator("#c1-m4 .fields li.fld").first.is_visible()


def test_lesson_handout_renders(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "lesson.html"
    assert main(["export", "derive-it-yourself", "--html", str(out), "--answers"]) == 0
    page = check_page(out.read_text())
    v = visit(browser, out)
    check_visit(browser, v, out, tmp_path / "lesson.png")
    page.tags["div"] += 1
    page.tags["button"] += 2
    rendered_like_written(v, page)
    assert v.page.locator(".quiz").count() == page.visible.count("Question")
    assert v.page.evaluate("document.documentElement.scrollWidth <= innerWidth")


# -- a fresh handshake between real peers -------------------------------------------


def _record(scenario: Any, out: Path, **kw: Any) -> Any:
    for tool in ("openssl", "tcpdump"):
        need_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    from captures.peers import record_handshake

    return record_handshake(scenario, out, **kw)


def _export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tlsviz", "export", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)  # fmt: skip


@pytest.mark.peers
@pytest.mark.tshark
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_fresh_capture_gives_one_page_with_every_message(
    browser: Any, tmp_path: Path, version: str
) -> None:
    """Done when: one HTML file with every message (tshark's handshake messages), the
    server name, the decrypted request and reply; nothing external; it renders."""
    need_tool("tshark")
    from captures.peers import Scenario
    from tests.tshark_oracle import follow_tls, tshark_connections

    cipher = {"1.3": "TLS_AES_128_GCM_SHA256", "1.2": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}
    # 512-byte records split the certificate chain over several of them
    sc = Scenario(f"fresh{version[-1]}", version=version, cipher=cipher[version], pki="rsa",
                  server_extra=("-max_send_frag", "512"))  # fmt: skip
    rec = _record(sc, tmp_path)
    out, md = tmp_path / "fresh.html", tmp_path / "fresh.md"
    proc = _export(str(rec.pcap), "--keylog", str(rec.keylog), "--html", str(out),
                   "--markdown", str(md))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out} (1 connection" in proc.stdout
    page = check_page(out.read_text())
    keys = ["-o", f"tls.keylog_file:{rec.keylog}"]
    (conn,) = tshark_connections(rec.pcap, keys).values()
    shown = message_headings(page)
    for direction in ("client", "server"):
        seen = [HANDSHAKE_NAMES[t] for t in conn.handshake[direction]]
        ours = [t for _, d, t in shown if d == direction and t in HANDSHAKE_NAMES.values()]
        assert ours == seen, (direction, ours, seen)
    assert conn.sni == "localhost"
    assert "Server name (SNI)localhost" in page.visible.replace("\n", "")
    data = follow_tls(rec.pcap, conn.stream, keys, client=conn.client)
    request = data["client"].decode().split("\r\n")[0]
    reply = data["server"].decode()
    assert request.startswith("GET ") and reply
    for text in (request, reply.split("\r\n")[-1] or reply.split("\r\n")[-2]):
        assert text in page.visible, text
        assert text in md.read_text()
    v = visit(browser, out)
    check_visit(browser, v, out, tmp_path / "fresh.png")
    body = v.page.inner_text("#c1-data")
    assert request in body and (reply.split("\r\n")[-1] or reply.split("\r\n")[-2]) in body
    assert v.page.locator("section.msg").count() == len(shown)


# -- hostile captures -----------------------------------------------------------------


def _never_runs(browser: Any, out: Path, tmp_path: Path, needles: list[str]) -> None:
    text = out.read_text()
    page = check_page(text)
    for markup in ("<script>alert", "<img src=x", "<\\/script"):
        assert markup not in text, markup
    for needle in needles:
        assert needle in page.visible, needle
    v = visit(browser, out)
    check_visit(browser, v, out, tmp_path / "hostile.png")
    body = v.page.inner_text("body")
    for needle in needles:
        assert needle in body, needle
    # escaping alone holds: the same page without its Content-Security-Policy
    bare = tmp_path / "bare.html"
    bare.write_text(text.replace('http-equiv="Content-Security-Policy"', 'name="x-no-policy"'))
    v = visit(browser, bare)
    assert v.dialogs == [] and v.errors == []


def test_hostile_server_name_never_runs(browser: Any, tmp_path: Path) -> None:
    """The in-process recorder's client sends a server name that is a script (so is the
    HTTP Host header it then sends)."""
    pcap = tmp_path / "sni.pcapng"
    subprocess.run([sys.executable, "-m", "tlsviz", "record", "--sni", HOSTILE_SNI, "-o",
                    str(pcap)], check=True, capture_output=True, timeout=120, cwd=ROOT)  # fmt: skip
    out = tmp_path / "sni.html"
    proc = _export(str(pcap), "--html", str(out))
    assert proc.returncode == 0, proc.stderr
    _never_runs(browser, out, tmp_path, [HOSTILE_SNI])


@pytest.mark.peers
def test_hostile_certificate_never_runs(browser: Any, tmp_path: Path) -> None:
    """openssl s_server presents a certificate whose subject holds a script and an
    attribute-breaking image tag, signed by the test CA (so s_client accepts it)."""
    need_tool("openssl")
    from captures.peers import Scenario, make_pki

    pki = make_pki(tmp_path / "pki", "ec")
    subprocess.run(["openssl", "req", "-x509", "-new", "-key", str(pki.server_key), "-subj",
                    f"/CN={HOSTILE_CN.replace('/', chr(92) + '/')}/O={HOSTILE_O}", "-days", "30",
                    "-CA", str(pki.ca_crt), "-CAkey", str(pki.ca_key), "-addext",
                    "subjectAltName=DNS:localhost,URI:javascript:alert(4)", "-out",
                    str(pki.server_crt)], check=True, capture_output=True, timeout=60)  # fmt: skip
    rec = _record(Scenario("hostile", version="1.3"), tmp_path, pki=pki)
    out = tmp_path / "cert.html"
    proc = _export(str(rec.pcap), "--keylog", str(rec.keylog), "--html", str(out))
    assert proc.returncode == 0, proc.stderr
    # subjects are written as RFC 4514 strings, which put a backslash before <, >, "
    subject = [r"CN=\<script\>alert(2)\</script\>", r"O=\"\>\<img src=x onerror=alert(3)\>"]
    _never_runs(browser, out, tmp_path, [*subject, "URI:javascript:alert(4)"])
