"""``tlsviz lesson check`` and ``list``: every bundled lesson's references resolve in the
real captures, and references that do not exist are reported with file:line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_lessons_parser import BROKEN, readme_example
from tlsviz.bundled import lessons_root
from tlsviz.lessons import Resolver, check_paths, load_lessons, parse_lesson, resolve_target
from tlsviz.lessons.check import check_lesson


def tlsviz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tlsviz.cli", *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver()


def test_bundled_lessons_check_clean() -> None:
    proc = tlsviz("lesson", "check", "lessons/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "all good" in proc.stdout


def test_list_json_has_the_lessons_and_their_quizzes() -> None:
    proc = tlsviz("lesson", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc) >= 12
    assert sum(d["quizzes"] for d in doc) >= 40
    for d in doc:
        assert {"id", "title", "topics", "steps", "quizzes"} <= set(d)
        assert isinstance(d["topics"], list) and d["topics"]
        assert d["steps"] >= 1
    assert len({d["id"] for d in doc}) == len(doc)
    kinds = {k for d in doc for k in d["kinds"]}
    assert kinds == {"choice", "truefalse", "order", "next", "field", "bytes", "numeric"}


def test_list_text_and_a_broken_folder() -> None:
    proc = tlsviz("lesson", "list")
    assert proc.returncode == 0 and "derive-it-yourself" in proc.stdout
    proc = tlsviz("lesson", "list", str(BROKEN))
    assert proc.returncode == 1 and "no-front-matter.md:1:" in proc.stderr


def test_targets_that_do_not_exist_are_located(resolver: Resolver) -> None:
    report = check_paths([BROKEN / "bad-target.md"], resolver)
    found = [str(p) for p in report.problems]
    expected = [
        ":9: connection 1 of 'tls13-aes128gcm' has no message ServerKeyExchange (it has: ",
        ":14: message ServerHello of connection 1 of 'tls13-aes128gcm' has no field "
        "ext.no_such_field",
        ":19: there is no bundled capture 'no-such-capture'",
        ":29: the message after ServerHello is server:EncryptedExtensions, not Certificate",
        ":37: the capture measures length = 32, outside 16 bytes",
    ]
    assert len(found) == len(expected), found
    for want, got in zip(expected, found, strict=True):
        assert want in got and got.startswith(str(BROKEN / "bad-target.md")), (want, got)


def test_wrong_order_and_wrong_field_keys_are_found(resolver: Resolver) -> None:
    text = """---
id: o
title: O
topics: [t]
capture: tls12-rsa-kx
---
## S
<quiz>
@show connection=1
Order.
1. ClientHello
2. ClientKeyExchange
3. Certificate

E.
</quiz>
<quiz kind=field>
@show message=ServerHello
Pick.
- [x] ext.key_share.key_exchange
- [ ] no.such.key

E.
</quiz>
<quiz>
@show message=ClientKeyExchange keys=rsa panel=keys
Order.
1. master_secret
2. pre_master_secret
3. key_block

E.
</quiz>
"""
    problems = [
        f"{p.line}: {p.message}" for p in check_lesson(parse_lesson(text, "o.md"), resolver)
    ]
    assert problems[0].startswith("8: the capture has these messages in another order")
    assert "20: ServerHello has no field ext.key_share.key_exchange" in problems
    assert "21: no message of this connection has a field no.such.key" in problems
    assert problems[-1].startswith("25: the key steps are derived in another order")


def test_the_worked_example_checks(resolver: Resolver, tmp_path: Path) -> None:
    (tmp_path / "server-key.md").write_text(readme_example())
    report = check_paths([tmp_path], resolver)
    assert report.problems == [] and len(report.lessons) == 1


def test_a_lesson_folder_with_its_own_capture(resolver: Resolver, tmp_path: Path) -> None:
    """A teacher's capture beside the lesson, with its key log as <stem>.keys."""
    src = ROOT / "captures"
    (tmp_path / "caps").mkdir()
    (tmp_path / "caps" / "mine.pcap").write_bytes((src / "tls13-chacha20.pcap").read_bytes())
    (tmp_path / "caps" / "mine.keys").write_bytes((src / "tls13-chacha20.keys").read_bytes())
    (tmp_path / "l.md").write_text(
        "---\nid: mine\ntitle: Mine\ntopics: [t]\ncapture: caps/mine.pcap\n---\n"
        "## S\n@show message=EncryptedExtensions field=ext.record_size_limit.value\nText.\n"
    )
    report = check_paths([tmp_path], resolver)
    assert report.problems == []
    lesson = report.lessons[0]
    target = lesson.steps[0].target
    assert target is not None
    r = resolve_target(lesson, target, resolver)
    assert r.capture.keylog == tmp_path / "caps" / "mine.keys"
    assert r.message is not None and r.message.encrypted and r.field is not None


def test_resolved_targets_point_at_the_right_bytes(resolver: Resolver) -> None:
    """A field's spans hold exactly the field's bytes (cleartext: the TCP stream;
    decrypted: the record's plaintext buffer), found from the decoded capture."""
    lessons = {ls.id: ls for ls in load_lessons([lessons_root()])}
    lesson = lessons["handshake"]
    target = lesson.step("client-hello").target  # type: ignore[union-attr]
    assert target is not None
    r = resolve_target(lesson, target, resolver)
    assert r.connection_index == 1 and r.connection.id == 1
    assert r.message is not None and r.message.type == "ClientHello" and r.message_index == 0
    assert r.field is not None and r.field.key == "client_hello.cipher_suites"
    (span,) = r.spans
    assert span.buffer.name == "client" and span.length == r.field.length
    assert r.message.raw[r.field.offset : r.field.offset + r.field.length] == r.connection.read(
        span
    )
    # the field path leads to the field through the tree
    node = r.message.fields[r.field_path[0]]
    for i in r.field_path[1:]:
        node = node.children[i]
    assert node is r.field
    # a decrypted message: its bytes are in a plaintext buffer
    lesson = lessons["derive-it-yourself"]
    q = lesson.quiz("verify-data-length")
    assert q is not None and q.target is not None
    r = resolve_target(lesson, q.target, resolver)
    assert r.keys == "rsa" and r.capture.rsa_key is not None
    (span,) = r.spans
    assert span.buffer.decrypted and span.length == 12
