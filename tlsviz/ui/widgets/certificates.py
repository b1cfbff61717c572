"""The certificate chains the two sides sent, and which checks passed."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...keys.x509 import CertInfo
from ...session.model import Connection


class CertificatesPanel(VerticalScroll):
    DEFAULT_CSS = """
    CertificatesPanel { padding: 0 1; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="certs-body")

    def show(self, conn: Connection, index: int) -> None:
        # the chains do not depend on the selected message: drawn once per connection
        if getattr(self, "_shown", None) is not conn:
            self._shown = conn
            self.query_one("#certs-body", Static).update(render_certificates(conn))


def render_certificates(conn: Connection) -> RenderableType:
    certs = conn.certificates()
    if not certs:
        if any(m.encrypted and m.type == "Encrypted" for m in conn.messages):
            return Text(
                "No certificate could be read: in TLS 1.3 they travel encrypted; "
                "give the key log to see them.",
                style="italic",
            )
        return Text(
            "No certificate was sent (a resumed or PSK handshake needs none).", style="italic"
        )
    parts: list[RenderableType] = []
    checks = conn.keys.checks if conn.keys is not None else []
    for side in ("server", "client"):
        chain = [c for c in certs if c.direction == side]
        if not chain:
            continue
        parts.append(Text(f"{side.capitalize()} chain ({len(chain)})", style="bold underline"))
        for c in chain:
            info = c.info
            role = "end entity" if c.index == 0 else f"issuer {c.index}"
            if not isinstance(info, CertInfo):
                parts.append(Text(f"  {role}: could not be decoded ({info})", style="red"))
                continue
            t = Table(box=None, show_header=False, pad_edge=False)
            t.add_column(style="bold", no_wrap=True)
            t.add_column(overflow="fold")
            t.add_row(f"  {role}", Text(info.subject, style="bold"))
            t.add_row("  issuer", info.issuer + ("  (self-signed)" if info.self_signed else ""))
            t.add_row("  valid", f"{info.not_before} → {info.not_after}")
            if info.san:
                t.add_row("  names", ", ".join(info.san))
            key = f"{info.public_key_type} {info.public_key_bits} bits"
            t.add_row("  key", key + (f" ({info.curve})" if info.curve else ""))
            t.add_row("  signed with", info.signature_algorithm)
            if info.is_ca is not None:
                t.add_row("  CA", "yes" if info.is_ca else "no")
            t.add_row("  SHA-256", info.sha256_fingerprint)
            parts.append(t)
        mine = [k for k in checks if k.name.startswith(side + " ")]
        if mine:
            line = Text("  checks: ")
            for chk in mine:
                mark, style = (
                    ("✔", "green")
                    if chk.ok
                    else ("✘", "red")
                    if chk.ok is False
                    else ("?", "yellow")
                )
                line.append(f"{mark} {chk.name.split(' ', 1)[1]}  ", style=style)
            parts.append(line)
        parts.append(Text(""))
    return Group(*parts)
