"""The decrypted conversation: what client and server said, in two colours."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...session.model import Connection
from ...wire.dispatch import text_of
from ...wire.registry import ContentType as CT


class ConversationPanel(VerticalScroll):
    DEFAULT_CSS = """
    ConversationPanel { padding: 0 1; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="conversation-body")

    def show(self, conn: Connection, index: int) -> None:
        self.query_one("#conversation-body", Static).update(render_conversation(conn, index))


def render_conversation(conn: Connection, index: int) -> RenderableType:
    parts: list[RenderableType] = []
    hidden = 0
    for i, m in enumerate(conn.messages):
        if m.type == "Encrypted" and m.content_type == CT.application_data:
            hidden += 1
            continue
        if m.type != "ApplicationData":
            continue
        color = "cyan" if m.direction == "client" else "magenta"
        head = Text(
            f"{'▶' if i == index else ' '} {i + 1} {m.direction} · {len(m.raw)} bytes"
            + (" (decrypted)" if m.encrypted else " (sent in the clear)"),
            style=f"bold {color}",
        )
        text = text_of(m.raw)
        top = m.fields[0] if m.fields else None
        if text is None and top is not None and top.children:
            # a protocol the decoder reads (CoAP over DTLS): its summary, then the bytes
            text = f"{top.display}\n{m.raw[:256].hex(' ')}"
        body = Text(
            text if text is not None else m.raw[:256].hex(" ") + (" …" if len(m.raw) > 256 else ""),
            style=color,
        )
        parts.extend([head, body])
    if hidden:
        parts.append(
            Text(
                f"{hidden} application data record(s) could not be decrypted: "
                "give the key log to read them.",
                style="italic",
            )
        )
    if not parts:
        parts.append(Text("No application data was exchanged.", style="italic"))
    return Group(*parts)
