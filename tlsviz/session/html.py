"""The HTML handout of a capture (``tlsviz export CAPTURE --html OUT.html``).

One self-contained page: inline style sheet, no web fonts, no images, nothing
fetched; readable and printable with JavaScript off (``<details>`` to
collapse, a print style sheet that opens everything); a stable anchor for
every connection, message, record and field (see :mod:`.handout`).

Captures are hostile input: a server name, a certificate's subject or the
decrypted data can hold markup.  Every text that comes from a capture goes
through :func:`esc`, which also shows control and bidirectional-override
characters as visible escapes, and the page's Content-Security-Policy runs
only the page's own script and style.

The pieces are public so that other handouts (a lesson's) can reuse them:
:func:`page` wraps any body in the document shell, :func:`connection_section`
renders a whole connection, :func:`message_section` one message (with an
optional field key to mark), :func:`hex_dump` a run of bytes with its fields.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .. import __version__
from ..wire.explain import explanation, message_key
from . import handout as h
from .html_assets import CSS, JS
from .html_bytes import _title, field_tree, hex_dump
from .html_parts import (
    certificates_section,
    cost_section,
    data_section,
    diagnostics_section,
    esc,
    keys_section,
)
from .model import Connection

__all__ = [
    "Context",
    "connection_section",
    "document",
    "esc",
    "field_tree",
    "hex_dump",
    "message_section",
    "page",
]


@dataclass(slots=True)
class Context:
    """What the sections of one connection share: which message shows each
    record, and which kinds of record-layer field were already explained
    (a record header is explained once per connection, not once per record)."""

    owners: dict[tuple[str, int], int]
    explained: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, c: Connection) -> Context:
        return cls(h.record_owners(c))

    def why(self, key: str) -> str:
        """The explanation of ``key`` as a paragraph, the first time only."""
        text = explanation(key) if key else None
        if not text or key in self.explained:
            return ""
        self.explained.add(key)
        return f'<p class="why">{esc(text)}</p>'


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def csp() -> str:
    """Nothing may load; only the page's own style and script (by hash) apply."""
    return (
        f"default-src 'none'; style-src 'sha256-{_digest(CSS)}'; "
        f"script-src 'sha256-{_digest(JS)}'; img-src data:; base-uri 'none'; form-action 'none'"
    )


def page(title: str, body: str, *, lead: str = "", toc: str = "") -> str:
    """The document shell around ``body`` (already HTML); ``title`` is text."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp()}">\n'
        f'<meta name="generator" content="tlsviz {esc(__version__)}">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="page">\n<h1>{esc(title)}</h1>\n{lead}{toc}</header>\n'
        f"<main>\n{body}</main>\n"
        '<footer class="page">\n<p>Made by tlsviz ' + esc(__version__) + " from the capture "
        "alone: every value on this page was decoded, derived or decrypted from its bytes. "
        "Anchors: <code>#c1</code> connection 1, <code>#c1-m3</code> its message 3, "
        "<code>#c1-m3-f2-0</code> a field (its place in the tree), <code>#c1-m3-r0</code> a "
        "record, <code>#c1-k5</code> a key step, <code>#c1-cert0</code> a certificate.</p>\n"
        "</footer>\n"
        f"<script>{JS}</script>\n</body>\n</html>\n"
    )


def document(source: str, connections: Sequence[Connection], notes: Iterable[str] = ()) -> str:
    """The whole handout of a capture: every connection, in order."""
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    title = f"TLS handshake: {name}" if len(connections) == 1 else f"TLS handshakes: {name}"
    lead = (
        f'<p class="meta">{len(connections)} TLS connection'
        f"{'s' if len(connections) != 1 else ''} in <code>{esc(source)}</code>.</p>\n"
    )
    for note in notes:
        lead += f'<p class="diag">{esc(note)}</p>\n'
    items = "".join(
        f'<li><a href="#{h.connection_anchor(c)}">Connection {c.id}</a>: '
        f"{esc(c.client)} → {esc(c.server)}{_sni_suffix(c)}, {esc(c.version or 'version unknown')}"
        "</li>\n"
        for c in connections
    )
    toc = f'<nav class="toc" aria-label="Connections">\n<ul>\n{items}</ul>\n</nav>\n' if len(
        connections) > 1 else ""  # fmt: skip
    body = "".join(connection_section(c) for c in connections)
    if not connections:
        body = "<p>No TLS connections were found in this capture.</p>\n"
    return page(title, body, lead=lead, toc=toc)


def _sni_suffix(c: Connection) -> str:
    return f" ({esc(c.sni)})" if c.sni else ""


def connection_section(c: Connection) -> str:
    """A connection: summary, ladder, every message, keys, certificates, cost, data."""
    a = h.connection_anchor(c)
    out = [f'<article class="conn" id="{a}" aria-labelledby="{a}-h">\n']
    ends = f"{esc(c.client)} → {esc(c.server)}{_sni_suffix(c)}"
    out.append(f'<h2 id="{a}-h">Connection {c.id}: {ends}</h2>\n')
    parts = [("summary", "Summary"), ("ladder", "Messages"), ("keys", "Key schedule"),
             ("certs", "Certificates"), ("cost", "Cost"), ("data", "Application data"),
             ("diagnostics", "Diagnostics")]  # fmt: skip
    out.append('<nav class="toc sections" aria-label="Sections"><ul>' + "".join(
        f'<li><a href="#{h.section_anchor(c, s)}">{t}</a></li>' for s, t in parts
    ) + "</ul></nav>\n")  # fmt: skip
    out.append(summary_section(c))
    out.append(ladder_section(c))
    ctx = Context.of(c)
    for i in range(len(c.messages)):
        out.append(message_section(c, i, ctx))
    out.append(keys_section(c))
    out.append(certificates_section(c))
    out.append(cost_section(c))
    out.append(data_section(c))
    out.append(diagnostics_section(c))
    out.append("</article>\n")
    return "".join(out)


def summary_section(c: Connection) -> str:
    rows = "".join(
        f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>\n' for k, v in h.summary_rows(c)
    )
    out = f'<section id="{h.section_anchor(c, "summary")}">\n<h3>Summary</h3>\n'
    out += f'<table class="summary">\n<tbody>\n{rows}</tbody>\n</table>\n'
    experiment = c.extra.get("experiment")
    if isinstance(experiment, dict):
        out += (
            f'<p class="diag"><strong>Experiment {esc(experiment.get("name", ""))}</strong>: '
            f"{esc(experiment.get('what', ''))} {esc(experiment.get('expect', ''))} "
            f"({esc(experiment.get('rfc', ''))}) {esc(experiment.get('verdict', ''))}</p>\n"
        )
    return out + "</section>\n"


def ladder_section(c: Connection) -> str:
    """The messages as arrows between the two sides: flights, round trips,
    where new keys take over, the result of each check."""
    out = [f'<section id="{h.section_anchor(c, "ladder")}">\n<h3>The handshake, message by '
           "message</h3>\n"]  # fmt: skip
    out.append(
        '<p class="meta">A double line: the message travelled in a protected record. '
        "A dashed rule starts a new flight; RT n: the server flight that completes round trip "
        "n. Select a message to see its bytes.</p>\n"
    )
    out.append(f'<ol class="ladder" aria-label="Messages of connection {c.id}">\n')
    out.append(f'<li class="head" aria-hidden="true"><span>Client<br><span class="meta">'
               f'{esc(c.client)}</span></span><span></span><span>Server<br><span class="meta">'
               f"{esc(c.server)}</span></span></li>\n")  # fmt: skip
    for r in h.ladder(c):
        cls = ["to-server" if r.direction == "client" else "to-client"]
        if r.protected:
            cls.append("prot")
        if r.first_of_flight:
            cls.append("flight")
        check = ""
        if r.checked is not None:
            check = f' <span class="{"ok" if r.checked else "bad"}">{h.mark(r.checked)}</span>'
        keys = f'<span class="keys">{esc(r.keys_change)} from here</span>' if r.keys_change else ""
        when = f"+{r.time_ms:.3f} ms" if r.time_ms is not None else ""
        info = f"{when}<br>{r.wire_bytes} B" if when else f"{r.wire_bytes} B"
        rt = f'<span class="rt">RT {r.round_trip}</span>' if r.round_trip else ""
        left = info if r.direction == "client" else ""
        right = f"{rt}{info}" if r.direction == "server" else ""
        out.append(
            f'<li class="{" ".join(cls)}"><span class="side">{left}</span>'
            f'<a class="arrow" href="#{h.message_anchor(c, r.index)}">{keys}'
            f"#{r.index} {esc(r.label)}{check}</a>"
            f'<span class="side r">{right}</span></li>\n'
        )
    out.append("</ol>\n</section>\n")
    return "".join(out)


def message_section(
    c: Connection,
    index: int,
    ctx: Context | None = None,
    *,
    highlight: str | None = None,
) -> str:
    """One message: what it is for, its records (and how each was protected),
    its bytes and its annotated field tree, the keys and checks it made possible.

    ``highlight`` marks the fields with that key (``server_hello.random``) in
    the tree and in the bytes: what a lesson step points at.
    """
    m = c.messages[index]
    ctx = ctx if ctx is not None else Context.of(c)
    a = h.message_anchor(c, index)
    out = [
        f'<section class="msg from-{m.direction}" id="{a}" aria-labelledby="{a}-h" '
        f'data-type="{esc(m.type)}">\n'
    ]
    out.append(
        f'<h3 id="{a}-h"><a href="#{a}">#{index}</a> <span class="dir-{m.direction}">'
        f"{h.arrow(m.direction)}</span>: {esc(h.message_label(m))}</h3>\n"
    )
    start = next((x.time for x in c.messages if x.time is not None), None)
    when = f", +{(m.time - start) * 1000:.3f} ms" if m.time is not None and start else ""
    where = f"{m.buffer.label} offset {m.offset}"
    split = f", in {len(m.records)} records" if len(m.records) > 1 else ""
    out.append(f'<p class="meta">{m.length} bytes at {esc(where)}{when}{split}</p>\n')
    about = explanation(message_key(m.type))
    if about:
        out.append(f'<p class="about">{esc(about)}</p>\n')
    for note in m.notes:
        out.append(f'<p class="meta">Note: {esc(note)}</p>\n')
    for d in m.diagnostics:
        buffer, offset = m.locate(d.offset)
        rfc = f" ({esc(d.rfc)})" if d.rfc else ""
        out.append(f'<p class="diag">{esc(d.severity)}: {esc(d.message)}{rfc} '
                   f"[{esc(buffer.name)} offset {offset}, {d.length} bytes]</p>\n")  # fmt: skip
    for view in h.record_views(c, index, ctx.owners):
        out.append(_record_html(c, index, view, ctx))
    limit = None if m.is_handshake else h.DUMP_LIMIT
    cuts = {s.start for s in m.segments[1:]}
    what = "decrypted message" if m.encrypted and m.type != "Encrypted" else "message"
    out.append('<div class="pair">\n<details class="box bytes" open><summary>Bytes of the '
               f"{what} ({m.length})</summary>\n")  # fmt: skip
    out.append(hex_dump(m.raw, m.fields, base=a, cuts=cuts, limit=limit, highlight=highlight))
    out.append("</details>\n")
    if m.fields:
        out.append('<details class="box fields" open><summary>Fields</summary>\n')
        out.append(field_tree(c, index, highlight=highlight))
        out.append("</details>\n")
    out.append("</div>\n")
    out.append(_keys_of_message(c, index))
    out.append("</section>\n")
    return "".join(out)


def _record_html(c: Connection, index: int, v: h.RecordView, ctx: Context) -> str:
    m = c.messages[index]
    rec = v.record
    size = rec.header_length + rec.length
    if v.owner != index:
        return (
            f'<p class="meta rec">Carried in the record at {m.direction} stream offset '
            f'{rec.offset} ({size} bytes), shown with <a href="#{h.record_anchor(c, v.owner, 0)}">'
            f"message #{v.owner}</a>.</p>\n"
        )
    a = h.record_anchor(c, index, v.n)
    out = [f'<div class="rec" id="{a}">\n<h4>Record at {m.direction} stream offset {rec.offset}: '
           f"{size} bytes</h4>\n"]  # fmt: skip
    out.append(hex_dump(rec.header, v.header, base=a, box="hdr"))
    out.append('<ul class="tree">\n')
    for n, f in enumerate(v.header):
        out.append(
            f'<li class="fld" id="{a}-f{n}"><span class="row" data-f="{n}" data-in="hdr">'
            f'<a class="fn" href="#{a}-f{n}"{_title(f.key)}>{esc(f.name)}</a><span class="fv">'
            f'{esc(f.display)}</span><code class="fx">{rec.header[f.offset : f.end].hex(" ")}'
            f"</code></span>{ctx.why(f.key)}</li>\n"
        )
    out.append("</ul>\n")
    if m.encrypted:
        shown = rec.fragment[: h.DUMP_LIMIT]
        more = len(rec.fragment) - len(shown)
        out.append(f'<details class="box" open><summary>Protected bytes ({rec.length})</summary>\n')
        out.append(hex_dump(shown, (), base=a, box="ct"))
        if more > 0:
            out.append(f'<p class="meta">… and {more} more bytes.</p>\n')
        out.append("</details>\n")
    title, fields = v.protection
    if fields:
        out.append(f"<h4>{esc(title)}</h4>\n")
        out.append('<table class="prot">\n<tbody>\n')
        for f in fields:
            out.append(f"<tr><td{_title(f.key)}>{esc(f.name)}</td><td><code>{esc(f.display)}"
                       f"</code>{ctx.why(f.key)}</td></tr>\n")  # fmt: skip
        out.append("</tbody>\n</table>\n")
        if v.nonce_xor is not None:
            iv, seq, nonce = v.nonce_xor
            out.append(
                '<pre class="xor" aria-label="nonce = IV XOR sequence number">'
                f"  write_iv  {iv.hex()}\n⊕ sequence  {seq.hex()}\n"
                f"= nonce     {nonce.hex()}</pre>\n"
            )
    if v.crypto is not None and not v.crypto.decryption.ok:
        out.append(f'<p class="diag">Not decrypted: {esc(v.crypto.decryption.error or "")}</p>\n')
    out.append("</div>\n")
    return "".join(out)


def _keys_of_message(c: Connection, index: int) -> str:
    state = c.key_state(index)
    if not state.new_steps and not state.new_checks:
        return ""
    numbers = h.step_numbers(c)
    out = ['<details class="box" open><summary>What this message made possible</summary>\n<ul>\n']
    for r in state.new_steps:
        n = numbers.get(id(r.step))
        name = esc(r.step.name)
        link = f'<a href="#{h.step_anchor(c, n)}">{name}</a>' if n is not None else name
        out.append(f'<li>{link} <span class="meta">({esc(h.match_text(r))})</span></li>\n')
    for chk in state.new_checks:
        cls = {True: "ok", False: "bad", None: "muted"}[chk.check.ok]
        out.append(f'<li><span class="{cls}">{h.mark(chk.check.ok)}</span> '
                   f"{esc(chk.check.name)}: {esc(chk.check.detail)}</li>\n")  # fmt: skip
    out.append("</ul>\n</details>\n")
    return "".join(out)
