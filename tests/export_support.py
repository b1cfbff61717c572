"""Helpers for the handout tests: a strict reading of the HTML we write, and
the handshake message names tshark reports by number."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from html.parser import HTMLParser

#: Handshake type numbers (RFC 8446 §4, RFC 5246 §7.4) and tlsviz's names
HANDSHAKE_NAMES = {0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket",
                   5: "EndOfEarlyData", 8: "EncryptedExtensions", 11: "Certificate",
                   12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone",
                   15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished",
                   24: "KeyUpdate"}  # fmt: skip

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class Page(HTMLParser):
    """Reads a page and notes what the tests check: every element closes in
    order, ids, links, anything that could load or run, the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: Counter[str] = Counter()
        self.links: list[str] = []
        self.loads: list[str] = []  # src=, external href=, srcset, url(...)
        self.handlers: list[str] = []  # on*= attributes
        self.outside: list[str] = []  # links out of the page (followed only when clicked)
        self.tags: Counter[str] = Counter()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.csp = ""
        self.sections: list[tuple[str, str, str]] = []  # (id, class, data-type) of messages
        self.headings: list[str] = []
        self._in: str | None = None
        self._heading: list[str] | None = None
        self.text: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"never closed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] += 1
        for k, v in a.items():
            if k.startswith("on"):
                self.handlers.append(f"{tag} {k}={v}")
            if k in ("src", "srcset", "poster", "action", "formaction", "data", "background"):
                self.loads.append(f"{tag} {k}={v}")
            if k == "style" and "url(" in v:
                self.loads.append(f"{tag} style={v}")
        href = a.get("href")
        if href is not None:
            if href.startswith("#"):
                self.links.append(href[1:])
            elif tag == "a" and href.startswith(("https://", "http://")):
                self.outside.append(href)  # a link to follow, not a load
            elif not href.startswith("data:"):
                self.loads.append(f"{tag} href={href}")
        if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = a.get("content", "")
        if tag == "section" and "msg" in a.get("class", "").split():
            self.sections.append((a.get("id", ""), a.get("class", ""), a.get("data-type", "")))
        if tag in ("script", "style"):
            self._in = tag
        if tag in ("h3",):
            self._heading = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"<{tag}/> is not a void element")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"</{tag}> closes a void element")
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> while {self.stack[-3:]} are open")
            return
        self.stack.pop()
        if tag in ("script", "style"):
            self._in = None
        if tag == "h3" and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)
        else:
            self.text.append(data)
            if self._heading is not None:
                self._heading.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


def sha256_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def message_headings(page: Page) -> list[tuple[int, str, str]]:
    """(index, direction, type) of each message heading: "#3 server → client: Certificate"."""
    out = []
    for text in page.headings:
        m = re.match(r"#(\d+) (client|server) → \w+: (\w+)", text)
        if m:
            out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


def check_page(text: str) -> Page:
    """The checks every handout must pass; returns the parsed page."""
    page = Page(text)
    assert page.errors == [], page.errors[:5]
    assert text.startswith("<!DOCTYPE html>")
    dupes = [k for k, n in page.ids.items() if n > 1]
    assert dupes == [], dupes[:5]
    dangling = sorted({x for x in page.links if x not in page.ids})
    assert dangling == [], dangling[:5]
    assert page.loads == [], page.loads[:5]
    assert page.handlers == [], page.handlers[:5]
    assert page.tags["script"] == 1 and page.tags["style"] == 1
    assert page.tags["img"] == page.tags["iframe"] == page.tags["object"] == 0
    # the policy admits exactly the page's own script and style, and loads nothing
    assert f"'sha256-{sha256_b64(''.join(page.scripts))}'" in page.csp
    assert f"'sha256-{sha256_b64(''.join(page.styles))}'" in page.csp
    assert "default-src 'none'" in page.csp
    return page
