"""The connection-wide sections of the HTML handout: key schedule, certificates,
cost, application data, diagnostics (the messages are in :mod:`.html`).

:func:`esc` is the one door through which text from a capture enters a page.
"""

from __future__ import annotations

import html
import re

from ..keys.x509 import CertProblem
from ..wire.dispatch import text_of
from . import handout as h
from .model import Connection

# C0/C1 controls (but tab and newline) and the characters that reorder or hide
# text (bidirectional overrides and isolates, invisible marks) would let a
# capture make its text read differently from what it is: show them as escapes.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)

#: The most characters of one message's decrypted text shown in the data section.
TEXT_LIMIT = 65536


def esc(text: object) -> str:
    """``text`` made safe for HTML text and (quoted) attribute values."""
    s = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))
    return html.escape(s, quote=True)


def _message_link(c: Connection, index: int | None) -> str:
    if index is None or not 0 <= index < len(c.messages):
        return "–"
    m = c.messages[index]
    return (f'<a href="#{h.message_anchor(c, index)}">#{index} {esc(m.type)}</a> '
            f'<span class="meta">({m.direction})</span>')  # fmt: skip


def keys_section(c: Connection) -> str:
    """Every key step in derivation order, grouped by the message whose arrival
    made it possible, beside the key log's value; then every check."""
    out = [f'<section id="{h.section_anchor(c, "keys")}">\n<h3>Key schedule</h3>\n']
    if c.keys is None:
        out.append("<p>No keys were derived for this connection.</p>\n</section>\n")
        return "".join(out)
    status, reason = c.keys.status()
    out.append(f"<p><strong>{esc(status)}</strong>: {esc(reason)}</p>\n")
    reports = c.keys.step_reports()
    targets = h.input_targets(c)
    if reports:
        out.append('<p class="meta">Each step in the order it was computed, under the message '
                   "whose arrival made it possible; a value the key log also holds is compared "
                   "with it.</p>\n")  # fmt: skip
        group: object = object()
        for n, r in enumerate(reports):
            if r.message != group:
                if n:
                    out.append("</ol>\n")
                group = r.message
                out.append(f"<h4>After {_message_link(c, r.message)}</h4>\n"
                           f'<ol class="steps" start="{n}">\n')  # fmt: skip
            s = r.step
            why = s.explain
            if s.rfc and s.rfc not in why:
                why = f"{why} ({s.rfc})" if why else s.rfc
            op = esc(s.operation) + (f" “{esc(s.label)}”" if s.label else "")
            inputs = ", ".join(
                f'<a href="#{h.step_anchor(c, targets[n][i])}">{esc(i)}</a>'
                if i in targets[n] else esc(i)
                for i in s.inputs
            )  # fmt: skip
            cls = {True: "ok", False: "bad", None: "meta"}[r.match]
            log = f'<span class="{cls}">{esc(h.match_text(r))}</span>'
            if s.keylog_label:
                log += f' <span class="meta">({esc(s.keylog_label)})</span>'
            if r.from_keylog is not None and r.match is False:
                log += f"<br>key log: <code>{r.from_keylog.hex()}</code>"
            out.append(
                f'<li id="{h.step_anchor(c, n)}"><strong>{esc(s.name)}</strong> = {op}'
                + (f"({inputs})" if inputs else "")
                + f'<br><code class="val">{s.value.hex()}</code><br>{log}'
                + (f'<p class="why">{esc(why)}</p>' if why else "")
                + "</li>\n"
            )
        out.append("</ol>\n")
    if c.keys.checks:
        out.append("<h4>Checks</h4>\n<table>\n<thead><tr><th>Check</th><th>Result</th>"
                   "<th>Detail</th><th>After</th></tr></thead>\n<tbody>\n")  # fmt: skip
        for i, chk in enumerate(c.keys.checks):
            cls = {True: "ok", False: "bad", None: "meta"}[chk.ok]
            rfc = f" ({esc(chk.rfc)})" if chk.rfc else ""
            out.append(f'<tr><td>{esc(chk.name)}</td><td class="{cls}">{h.mark(chk.ok)}</td>'
                       f"<td>{esc(chk.detail)}{rfc}</td>"
                       f"<td>{_message_link(c, c.keys.check_at(i))}</td></tr>\n")  # fmt: skip
        out.append("</tbody></table>\n")
    out.append("</section>\n")
    return "".join(out)


def certificates_section(c: Connection) -> str:
    out = [f'<section id="{h.section_anchor(c, "certs")}">\n<h3>Certificates</h3>\n']
    certs = c.certificates()
    if not certs:
        out.append("<p>No certificate was sent.</p>\n</section>\n")
        return "".join(out)
    for n, cs in enumerate(certs):
        last = n + 1 == len(certs) or certs[n + 1].direction != cs.direction
        who = "The server" if cs.direction == "server" else "The client"
        role = "its own certificate" if cs.index == 0 else f"issuer {cs.index}"
        info = cs.info
        head = esc(info.subject) if not isinstance(info, CertProblem) else "cannot be decoded"
        out.append(f'<section id="{h.cert_anchor(c, n)}">\n<h4>{who}, {role}: {head}</h4>\n'
                   f'<p class="meta">In {_message_link(c, cs.message)}, {len(cs.der)} bytes '
                   "of DER.</p>\n")  # fmt: skip
        if isinstance(info, CertProblem):
            out.append(f'<p class="diag">{esc(info.message)}</p>\n</section>\n')
            continue
        key = f"{info.public_key_type} {info.public_key_bits}-bit"
        if info.curve:
            key += f" ({info.curve})"
        limit = f", path length ≤ {info.path_len}" if info.path_len is not None else ""
        ca = {True: f"yes{limit}", False: "no", None: "(no basicConstraints)"}[info.is_ca]
        rows = [
            ("Subject", info.subject), ("Issuer", info.issuer), ("Serial", info.serial),
            ("Valid", f"{info.not_before} to {info.not_after}"),
            ("Names (SAN)", ", ".join(info.san) or "(none)"), ("Public key", key),
            ("Signed with", info.signature_algorithm), ("CA", ca),
            ("Key usage", ", ".join(info.key_usage) or "(none)"),
            ("Extended key usage", ", ".join(info.ext_key_usage) or "(none)"),
            ("Self-signed", "yes" if info.self_signed else "no"),
            ("SHA-256", info.sha256_fingerprint),
        ]  # fmt: skip
        rows += [("Problem", p) for p in info.problems]
        out.append('<dl class="cert">\n' + "".join(
            f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>\n" for k, v in rows) + "</dl>\n")  # fmt: skip
        out.append("</section>\n")
        if last:
            checks = h.certificate_checks(c, cs.direction)
            if checks:
                out.append("<ul>\n")
                for name, ok, detail, rfc in checks:
                    cls = {True: "ok", False: "bad", None: "meta"}[ok]
                    ref = f" ({esc(rfc)})" if rfc else ""
                    out.append(f'<li><span class="{cls}">{h.mark(ok)}</span> {esc(name)}: '
                               f"{esc(detail)}{ref}</li>\n")  # fmt: skip
                out.append("</ul>\n")
    out.append("</section>\n")
    return "".join(out)


def cost_section(c: Connection) -> str:
    out = [f'<section id="{h.section_anchor(c, "cost")}">\n<h3>Cost</h3>\n']
    if not c.messages:
        return out[0] + "<p>No messages.</p>\n</section>\n"
    cost = c.cost()
    rt = "unknown" if cost.round_trips is None else str(cost.round_trips)
    out.append(
        f"<p>The handshake took <strong>{cost.handshake_bytes}</strong> bytes on the wire in "
        f"{cost.handshake_messages} handshake messages and <strong>{rt}</strong> TLS round "
        f"trip{'s' if rt != '1' else ''} before the client could send data"
        + (" (inferred: its Finished messages could not be decrypted)" if cost.inferred else "")
        + "; TCP's own handshake adds one more. The certificates took "
        f"{cost.certificate_bytes} bytes ({cost.certificate_share:.0%}).</p>\n"
    )
    out.append(f"<p>Client: {cost.by_direction['client']} bytes in {cost.records['client']} "
               f"records; server: {cost.by_direction['server']} bytes in "
               f"{cost.records['server']} records.</p>\n")  # fmt: skip
    top = max((mc.wire for mc in cost.messages), default=1) or 1
    out.append('<table>\n<thead><tr><th class="num">#</th><th>Message</th><th class="num">Own '
               'bytes</th><th class="num">Record overhead</th><th class="num">On the wire</th>'
               "<th>Share</th></tr></thead>\n<tbody>\n")  # fmt: skip
    for mc in cost.messages:
        out.append(
            f'<tr><td class="num">{mc.index}</td><td>{_message_link(c, mc.index)}</td>'
            f'<td class="num">{mc.bytes}</td><td class="num">{mc.overhead}</td>'
            f'<td class="num">{mc.wire}</td><td><meter min="0" max="{top}" value="{mc.wire}">'
            f"{mc.wire}</meter></td></tr>\n"
        )
    out.append("</tbody></table>\n")
    out.append('<table>\n<thead><tr><th class="num">Flight</th><th>From</th><th>Messages</th>'
               '<th class="num">Bytes</th></tr></thead>\n<tbody>\n')  # fmt: skip
    for f in cost.flights:
        msgs = ", ".join(f'<a href="#{h.message_anchor(c, i)}">#{i}</a>' for i in f.messages)
        out.append(f'<tr><td class="num">{f.number}</td><td>{f.direction}</td><td>{msgs}</td>'
                   f'<td class="num">{f.bytes}</td></tr>\n')  # fmt: skip
    out.append("</tbody></table>\n</section>\n")
    return "".join(out)


def data_section(c: Connection) -> str:
    """The decrypted application data, client and server in turn."""
    out = [f'<section id="{h.section_anchor(c, "data")}">\n<h3>Application data</h3>\n']
    count = 0
    for i, m in enumerate(c.messages):
        if m.type != "ApplicationData" or not m.encrypted:
            continue
        count += 1
        text = text_of(m.raw)
        out.append(f'<figure class="data from-{m.direction}">\n<figcaption>'
                   f'<span class="dir-{m.direction}">{h.arrow(m.direction)}</span>, '
                   f'{len(m.raw)} bytes, <a href="#{h.message_anchor(c, i)}">#{i}</a>'
                   "</figcaption>\n")  # fmt: skip
        if text is not None:
            shown = text[:TEXT_LIMIT]
            more = f"\n… {len(text) - len(shown)} more characters" if len(shown) < len(text) else ""
            out.append(f"<pre>{esc(shown)}{esc(more)}</pre>\n")
        else:
            shown_b = m.raw[: h.DUMP_LIMIT]
            more = (
                f"\n… {len(m.raw) - len(shown_b)} more bytes" if len(shown_b) < len(m.raw) else ""
            )
            out.append(f'<pre class="mono">{shown_b.hex(" ")}{esc(more)}</pre>\n')
        out.append("</figure>\n")
    if count == 0:
        seen = any(m.type in ("ApplicationData", "Encrypted") for m in c.messages)
        out.append("<p>" + ("The application data could not be decrypted (no keys for it)."
                            if seen else "No application data was sent.") + "</p>\n")  # fmt: skip
    out.append("</section>\n")
    return "".join(out)


def diagnostics_section(c: Connection) -> str:
    diags = c.all_diagnostics()
    out = [f'<section id="{h.section_anchor(c, "diagnostics")}">\n<h3>Diagnostics</h3>\n']
    if not diags:
        out.append("<p>None: every byte was decoded.</p>\n")
    else:
        out.append("<ul>\n")
        for d in diags:
            rfc = f" ({esc(d.rfc)})" if d.rfc else ""
            out.append(f'<li class="diag">{esc(d.severity)}, {esc(d.direction or "")}: '
                       f"{esc(d.message)}{rfc} [{esc(d.buffer or d.direction or '')} offset "
                       f"{d.offset}, {d.length} bytes]</li>\n")  # fmt: skip
        out.append("</ul>\n")
    out.append("</section>\n")
    return "".join(out)
