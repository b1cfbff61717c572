"""What the selected field is, why it exists, what this value means, where its bytes are."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...session.model import Connection
from ...wire.explain import explanation
from ...wire.message import Message, Span
from .field_tree import FieldRef

_RFC = re.compile(r"\((RFC \d+[^)]*)\)\.?\s*$")


def split_rfc(text: str) -> tuple[str, str | None]:
    """Explanations end with their source, "(RFC 8446 §4.2.8)": shown apart."""
    m = _RFC.search(text)
    if m is None:
        return text, None
    return text[: m.start()].rstrip() + ".", m.group(1)


class Explanation(VerticalScroll):
    """The explanation of the field under the tree's cursor."""

    DEFAULT_CSS = """
    Explanation { background: $surface; padding: 0 1; }
    Explanation > Static { width: 1fr; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="explain-body")

    def show(self, conn: Connection, msg: Message, ref: FieldRef | None) -> None:
        body = self.query_one("#explain-body", Static)
        body.update(render_explanation(conn, msg, ref))
        self.scroll_home(animate=False)


def render_explanation(conn: Connection, msg: Message, ref: FieldRef | None) -> RenderableType:
    parts: list[RenderableType] = []
    if ref is None or ref.path == (0,):
        title = Text(msg.type, style="bold")
        title.append(
            f"  {msg.direction} → {'server' if msg.direction == 'client' else 'client'}"
            f" · {len(msg.raw)} bytes",
            style="dim",
        )
        parts.append(title)
        name = "HelloRetryRequest" if getattr(msg.body, "is_hrr", False) else msg.type
        text = explanation(f"message.{name}")
        if text:
            parts.append(_body(text))
        for note in msg.notes:
            parts.append(Text("• " + note))
        if msg.encrypted and msg.type != "Encrypted":
            parts.append(
                Text(
                    "It travelled encrypted; tlsviz decrypted it with the keys "
                    "shown in the Keys and Record tabs.",
                    style="italic",
                )
            )
    elif ref.record is not None and ref.field is None:
        parts.append(Text("Record header", style="bold"))
        parts.append(
            _body(
                explanation("record.header")
                or (
                    "Every TLS record starts with 5 bytes: the content type, a legacy version and "
                    "the length of what follows (RFC 8446 §5.1)."
                )
            )
        )
    else:
        f = ref.field
        assert f is not None
        title = Text(f.name, style="bold")
        if f.key:
            title.append(f"  {f.key}", style="dim")
        parts.append(title)
        text = explanation(f.key) if f.key else None
        if text:
            parts.append(_body(text))
        else:
            parts.append(Text("No explanation is written for this field yet.", style="dim"))
        value = Text("This value: ", style="bold")
        value.append(f.display or "(empty)")
        parts.append(value)
    for d in msg.diagnostics:
        if (
            ref is None
            or ref.field is None
            or (ref.field.offset <= d.offset < ref.field.end or d.offset == ref.field.offset)
        ):
            parts.append(Text(f"{d.severity}: {d.message}", style="bold red"))
    if ref is not None and ref.spans:
        parts.append(Text(_where(ref.spans), style="dim"))
        parts.append(Text(_hex_preview(conn, ref.spans), style="dim"))
    return Group(*parts)


def _body(text: str) -> RenderableType:
    prose, rfc = split_rfc(text)
    out = Text(prose)
    if rfc:
        out.append("\n")
        out.append(rfc, style="bold underline")
    return out


def _where(spans: tuple[Span, ...]) -> str:
    total = sum(s.length for s in spans)
    runs = ", ".join(f"{s.buffer.label} {s.offset}–{s.end - 1}" for s in spans[:4])
    more = f" and {len(spans) - 4} more" if len(spans) > 4 else ""
    split = f" in {len(spans)} pieces" if len(spans) > 1 else ""
    return f"{total} bytes{split}: {runs}{more}"


def _hex_preview(conn: Connection, spans: tuple[Span, ...]) -> str:
    data = b""
    for s in spans:
        try:
            data += conn.read(s)
        except KeyError:
            return ""
        if len(data) >= 32:
            break
    shown = data[:32].hex(" ")
    return shown + (" …" if sum(s.length for s in spans) > 32 else "")
