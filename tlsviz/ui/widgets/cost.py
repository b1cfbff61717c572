"""What the handshake cost: bytes per flight and message, round trips, the chain's share."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...session.model import Connection


class CostPanel(VerticalScroll):
    DEFAULT_CSS = """
    CostPanel { padding: 0 1; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="cost-body")

    def show(self, conn: Connection, index: int) -> None:
        width = self.scrollable_content_region.width or 100
        self.query_one("#cost-body", Static).update(render_cost(conn, index, width))


def render_cost(conn: Connection, index: int, width: int) -> RenderableType:
    cost = conn.cost()
    head = Text()
    rt = "?" if cost.round_trips is None else str(cost.round_trips)
    head.append(f"{rt} round trip{'s' if rt != '1' else ''}", style="bold")
    head.append(" of TLS before the client may send data (plus one for TCP)")
    head.append(
        f" · handshake {cost.handshake_bytes:,} bytes in {cost.handshake_messages} messages",
        style="bold",
    )
    if cost.certificate_bytes:
        head.append(
            f" · certificates {cost.certificate_bytes:,} bytes ({cost.certificate_share:.0%})"
        )
    parts: list[RenderableType] = [head]
    if cost.inferred:
        parts.append(
            Text(
                "The Finished messages could not be decrypted: where the handshake "
                "ends was inferred from the records.",
                style="italic",
            )
        )
    sent = cost.by_direction
    parts.append(
        Text(
            f"client sent {sent['client']:,} bytes in {cost.records['client']} "
            f"records · server sent {sent['server']:,} bytes in "
            f"{cost.records['server']} records"
        )
    )
    biggest = max((m.wire for m in cost.messages), default=1) or 1
    bar_w = max(8, width - 52)
    t = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    t.add_column("flight", no_wrap=True)
    t.add_column("message", no_wrap=True)
    t.add_column("bytes", justify="right", no_wrap=True)
    t.add_column("+records", justify="right", no_wrap=True)
    t.add_column("", no_wrap=True)
    for f in cost.flights:
        for n, i in enumerate(f.messages):
            m = cost.messages[i]
            arrow = "→" if f.direction == "client" else "←"
            label = f"{f.number} {arrow} {f.bytes:,}" if n == 0 else ""
            bar = "█" * max(1, round(bar_w * m.wire / biggest))
            style = "bold reverse" if i == index else ""
            t.add_row(
                label,
                Text(f"{i + 1:>3} {m.type}", style=style),
                f"{m.bytes:,}",
                f"{m.overhead:,}",
                Text(bar, style="cyan" if m.direction == "client" else "magenta"),
            )
    parts.append(t)
    return Group(*parts)
