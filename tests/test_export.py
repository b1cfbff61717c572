"""``tlsviz export``: the HTML and Markdown handouts of real captures.

Every bundled capture's page must be well-formed (each element closes in
order), self-contained (nothing that could load, no inline handlers, a
policy admitting only its own script and style), carry an anchor for every
message, record and field, and show the values the model computed: each
record's key, IV, nonce, additional data and tag (compared with the JSON of
``decode --json``, another view of the same facts), the key schedule beside
the key log, the certificates, the decrypted data.  A capture whose server
name carries markup is escaped in both formats.  The browser tests are in
``test_export_browser.py``.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.conftest import CAPTURES, ROOT
from tests.export_support import Page, check_page, message_headings
from tlsviz.bundled import bundled_captures
from tlsviz.cli import main
from tlsviz.session import handout as h
from tlsviz.session import html as html_export
from tlsviz.session import markdown as md_export
from tlsviz.session import open_bundled
from tlsviz.session.html_parts import esc

BUNDLED = {b.name: b for b in bundled_captures(seeded=True)}
HOSTILE_SNI = "<script>alert(1)</script>"


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_handout_is_well_formed_self_contained_and_anchored(name: str) -> None:
    conns = list(open_bundled(name))
    text = html_export.document(str(BUNDLED[name].path), conns)
    page = check_page(text)
    for c in conns:
        assert h.connection_anchor(c) in page.ids
        for s in h.SECTIONS:
            assert h.section_anchor(c, s) in page.ids
        for i, m in enumerate(c.messages):
            assert h.message_anchor(c, i) in page.ids
            for path_, _ in h.walk_paths(m.fields):
                assert h.field_anchor(c, i, path_) in page.ids, (i, path_)
        owners = h.record_owners(c)
        for (_, _), i in owners.items():
            assert h.record_anchor(c, i, 0) in page.ids
        if c.keys is not None:
            for n, _ in enumerate(c.keys.step_reports()):
                assert h.step_anchor(c, n) in page.ids
        for n, _ in enumerate(c.certificates()):
            assert h.cert_anchor(c, n) in page.ids
    # every message has its section and heading, in order, with its type
    expected = [(i, m.direction, m.type) for c in conns for i, m in enumerate(c.messages)]
    assert message_headings(page) == expected
    assert [t for _, _, t in page.sections] == [t for _, _, t in expected]


def _decode_json(name: str) -> dict[str, Any]:
    b = BUNDLED[name]
    argv = ["decode", "--json", str(b.path)]
    for option, value in (("--keylog", b.keylog), ("--key", b.rsa_key), ("--psk", b.psk)):
        if value is not None:
            argv += [option, f"@{value}" if option == "--psk" else str(value)]
    out = io.StringIO()
    sys_stdout = sys.stdout
    sys.stdout = out
    try:
        assert main(argv) == 0
    finally:
        sys.stdout = sys_stdout
    return dict(json.loads(out.getvalue()))


@pytest.mark.parametrize("name", ["tls13-aes128gcm", "tls12-ecdhe-ecdsa-cbc", "tls12-psk-ccm8"])
def test_handout_shows_every_record_protection_key_step_and_the_data(name: str) -> None:
    """The JSON of ``decode --json`` is the yardstick: every value it gives for
    a record's protection and for a key step is on the page and in the Markdown."""
    (conn,) = open_bundled(name)
    text = html_export.document(name, [conn])
    page = Page(text)
    visible = page.visible
    mdtext = md_export.document(name, [conn])
    doc = _decode_json(name)
    (jc,) = doc["connections"]
    shown = 0
    for jm in jc["messages"]:
        for rec in jm["records"]:
            d = rec.get("decryption")
            if d is None or not d["ok"]:
                continue
            for k in ("key", "iv", "nonce", "aad", "tag", "mac", "explicit_iv"):
                if d[k]:
                    assert d[k] in visible and d[k] in mdtext, (jm["type"], k)
                    shown += 1
            assert f"sequence_number{d['seq']}" in visible.replace(" ", "")
    assert shown >= 20
    for step in jc["keys"]["steps"]:
        assert step["value"] in visible and step["value"] in mdtext, step["name"]
        assert step["name"] in visible
    keys = Page(text[text.index('<section id="c1-keys">') : text.index('<section id="c1-certs">')])
    assert keys.visible.count("✔ equals the key log") == sum(
        1 for s in jc["keys"]["steps"] if s["match"] is True
    )
    assert keys.visible.count("read from the key log") == sum(
        1 for s in jc["keys"]["steps"] if s["operation"] == "Input" and s["from_keylog"]
    )
    for cert in jc["certificates"]:
        assert cert["sha256_fingerprint"] in visible and cert["subject"] in visible
    for data in jc["application_data"]:
        assert data["text"] is not None
        assert data["text"].replace("\r\n", "\n") in visible.replace("\r\n", "\n")
        assert data["text"].split("\r\n")[0] in mdtext
    assert str(jc["cost"]["handshake_bytes"]) in visible
    assert f"{jc['sni']}" in visible and jc["version"] in visible


def test_nonce_is_shown_as_iv_xor_sequence_number() -> None:
    """TLS 1.3: each record's nonce is written out as the write IV XOR the
    padded sequence number, and the three lines agree (RFC 8446 §5.3)."""
    (conn,) = open_bundled("tls13-chacha20")
    text = html_export.document("x", [conn])
    blocks = re.findall(r'<pre class="xor"[^>]*>(.*?)</pre>', text, re.S)
    records = [rc for i in range(len(conn.messages)) for rc in conn.key_state(i).records
               if rc.decryption.protected]  # fmt: skip
    assert len(blocks) == len(records) == 10
    for block, rc in zip(blocks, records, strict=True):
        iv, seq, nonce = (bytes.fromhex(line.split()[-1]) for line in block.splitlines())
        assert bytes(x ^ y for x, y in zip(iv, seq, strict=True)) == nonce
        assert int.from_bytes(seq, "big") == rc.decryption.seq and nonce == rc.decryption.nonce


def test_markdown_renders_to_the_same_anchors_and_tables() -> None:
    (conn,) = open_bundled("tls13-aes128gcm")
    text = md_export.document("tls13-aes128gcm.pcap", [conn])
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    page = Page(rendered)
    assert page.errors == []
    for i, m in enumerate(conn.messages):
        assert h.message_anchor(conn, i) in page.ids
        for path_, _ in h.walk_paths(m.fields):
            assert h.field_anchor(conn, i, path_) in page.ids
    assert not [x for x in page.links if x not in page.ids]
    # summary, ladder, a header table per record, keys, checks, certificate, cost, flights
    assert page.tags["table"] >= 8 + len(h.record_owners(conn))
    assert page.tags["script"] == 0
    assert "GET /hello.txt HTTP/1.0" in page.visible


def test_hostile_text_is_escaped_in_both_formats() -> None:
    """A server name, a certificate subject or decrypted data with markup in it
    stays text; control and bidirectional-override characters are shown."""
    assert esc('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert esc("a\u202eb\x1b") == "a\\u202eb\\u001b"
    assert md_export.md("<b>*x*</b> | [a](b)") == r"&lt;b&gt;\*x\*&lt;/b&gt; \| \[a\](b)"
    assert md_export.fence("``` <x>").startswith("````\n``` <x>")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real handshake by the in-process recorder whose client sends a server
    name (and so an HTTP Host header) that is a script."""
    out = tmp_path_factory.mktemp("hostile") / "hostile.pcapng"
    subprocess.run([sys.executable, "-m", "tlsviz", "record", "--sni", HOSTILE_SNI, "-o", str(out)],
                   check=True, capture_output=True, timeout=120, cwd=ROOT)  # fmt: skip
    return out


def test_hostile_server_name_is_escaped(hostile: Path, tmp_path: Path) -> None:
    html_out, md_out = tmp_path / "h.html", tmp_path / "h.md"
    assert main(["export", str(hostile), "--html", str(html_out), "--markdown", str(md_out)]) == 0
    text = html_out.read_text()
    assert HOSTILE_SNI not in text and "alert(1)</" not in text
    page = check_page(text)
    assert page.visible.count(HOSTILE_SNI) >= 3  # summary, headings, the Host header
    md = md_out.read_text()
    # literally only inside fenced blocks (the decrypted Host header), escaped elsewhere
    assert HOSTILE_SNI in md and HOSTILE_SNI not in re.sub(r"(?ms)^(`{3,})text\n.*?^\1$", "", md)
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in rendered and Page(rendered).visible.count(HOSTILE_SNI) >= 3


def test_cli_errors_are_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.html"
    cases = [
        (["export", str(tmp_path / "missing.pcap"), "--html", str(out)], "does not exist"),
        (["export", "--html", str(tmp_path / "no" / "x.html")], "does not exist"),
        (["export", "--html", str(tmp_path)], "it is a folder"),
        (["export", str(CAPTURES / "manifest.json"), "--html", str(out)], "not a pcap"),
        (["export", str(CAPTURES / "README.md"), "--html", str(out)], "front matter"),
        (["export"], "--html"),
        (["export", "--html", "-", "--markdown", "-"], "standard output"),
        (["export", "--html", str(out), "--connection", "99"], "no connection 99"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err and "Traceback" not in err, (argv, err)
        assert not out.exists()


def test_cli_writes_both_formats_of_the_bundled_capture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no capture named, the bundled TLS 1.3 handshake with its key log."""
    html_out, md_out = tmp_path / "a.html", tmp_path / "a.md"
    assert main(["export", "--html", str(html_out), "--markdown", str(md_out)]) == 0
    said = capsys.readouterr().out
    assert f"wrote {html_out}" in said and f"wrote {md_out}" in said
    page = check_page(html_out.read_text())
    assert "verified: Both Finished messages verify" in page.visible
    assert [p.name for p in tmp_path.iterdir()] == ["a.html", "a.md"] or sorted(
        p.name for p in tmp_path.iterdir()) == ["a.html", "a.md"]  # fmt: skip
    assert main(["export", "--markdown", "-"]) == 0
    assert capsys.readouterr().out.startswith("# TLS handshake: tls13-aes128gcm.pcap")


# -- a lesson's handout -----------------------------------------------------------------


def test_every_bundled_lesson_makes_a_well_formed_handout() -> None:
    from tlsviz.lessons import Resolver, load_lessons
    from tlsviz.lessons.handout import lesson_document

    resolver = Resolver()  # each capture decoded once for all the lessons
    for lesson in load_lessons():
        for answers in (False, True):
            page = check_page(lesson_document(lesson, answers=answers, resolver=resolver))
            for step in lesson.steps:
                assert f"step-{step.id}" in page.ids, (lesson.id, step.id)
            for quiz in lesson.quizzes:
                assert f"quiz-{quiz.id}" in page.ids
            assert page.tags["details"] >= len(lesson.quizzes) * answers
            # the explanation of the first quiz only in the teacher's copy
            first = lesson.quizzes[0].explanation.split("\n")[0] if lesson.quizzes else None
            if first:
                first = re.sub(r"[*_`\[\]]", "", first)[:40]
                assert (first in page.visible) == answers, (lesson.id, first)


def test_lesson_handout_marks_what_each_step_points_at(tmp_path: Path) -> None:
    from tlsviz.lessons import Resolver, load_lessons, resolve_target

    lesson = next(ls for ls in load_lessons() if ls.id == "encryption-basics")
    out = tmp_path / "lesson.html"
    assert main(["export", "encryption-basics", "--html", str(out)]) == 0
    text = out.read_text()
    page = check_page(text)
    resolver = Resolver()
    for step in lesson.steps:
        if step.target is None or step.target.field is None:
            continue
        res = resolve_target(lesson, step.target, resolver)
        assert res.field is not None and res.message_index is not None
        # the field's bytes are marked in the step's excerpt, and linked to the appendix
        section = text[text.index(f'id="step-{step.id}"') :]
        section = section[: section.index("</section>")]
        assert 'class="f mark' in section
        data = h.read_field(res.connection, res.connection.messages[res.message_index], res.field)
        assert data[:16].hex(" ") in section
    assert any(i.startswith("x1-c1-m") for i in page.ids)  # the appendix, under a prefix


def test_lesson_prose_cannot_put_markup_into_the_page(tmp_path: Path) -> None:
    """A lesson file is Markdown from anyone: raw HTML and images stay out."""
    source = (ROOT / "lessons" / "01-encryption-basics.md").read_text()
    head, _, rest = source.partition("\n---\n")
    hostile = (
        "<script>alert(9)</script> ![pixel](http://example.invalid/p.png) "
        "[click](javascript:alert(8)) <img src=x onerror=alert(7)>\n\n"
    )
    lesson_file = tmp_path / "hostile.md"
    lesson_file.write_text(head + "\n---\n\n" + hostile + rest)
    out = tmp_path / "hostile.html"
    assert main(["export", str(lesson_file), "--html", str(out), "--answers"]) == 0
    text = out.read_text()
    page = check_page(text)
    assert "<script>alert" not in text and "<img" not in text and 'href="javascript' not in text
    assert page.outside == ["http://example.invalid/p.png"]  # a link, never an image
    assert "&lt;script&gt;alert(9)&lt;/script&gt;" in text


def test_lesson_export_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "x.html")
    for argv, words in [
        (["export", "encryption-basics", "--markdown", str(tmp_path / "x.md")], "HTML page"),
        (["export", "encryption-basics", "--html", out, "--keylog", "k"], "no key options"),
        (["export", "--html", out, "--answers"], "with a lesson"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, (argv, err)
