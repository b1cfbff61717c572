"""The keys as of the selected message: the derivation chain beside the key log.

Each step shows its operation and inputs, its value, and where the value came
from: derived here and matching the key log (✔), derived and differing (✘),
derived with nothing to compare (·), or read from the key log (⟵ key log).
Steps the selected message made possible are marked ●.  What cannot be
derived is said in one sentence.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...keys.engine import StepReport
from ...session.model import Connection
from ...session.timeline import KeyState


class KeysPanel(VerticalScroll):
    DEFAULT_CSS = """
    KeysPanel { padding: 0 1; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="keys-body")

    def show(self, conn: Connection, index: int) -> None:
        width = self.scrollable_content_region.width or 100
        self.query_one("#keys-body", Static).update(render_keys(conn, conn.key_state(index), width))


def source_mark(r: StepReport) -> Text:
    if r.step.operation == "Input":
        if r.from_keylog is not None:
            return Text("⟵ key log", style="yellow")
        return Text("given", style="yellow")
    if r.match is True:
        return Text("✔ = key log", style="bold green")
    if r.match is False:
        return Text("✘ ≠ key log", style="bold red")
    return Text("· derived", style="cyan")


def how(r: StepReport) -> str:
    s = r.step
    label = f' "{s.label}"' if s.label else ""
    inputs = ", ".join(i.split(":", 1)[0] for i in s.inputs[:3])
    more = ", …" if len(s.inputs) > 3 else ""
    return f"{s.operation}{label}({inputs}{more})"


def render_keys(conn: Connection, state: KeyState, width: int) -> RenderableType:
    head = Text()
    color = {"verified": "green", "partial": "yellow", "mismatch": "red"}.get(state.status, "red")
    head.append(f"Keys as of message {state.index + 1}: ", style="bold")
    head.append(state.status, style=f"bold {color}")
    head.append(f" — {state.reason}")
    parts: list[RenderableType] = [head]
    missing = missing_sentence(conn, state)
    if missing:
        parts.append(Text(missing, style="italic"))
    if not state.steps:
        parts.append(
            Text("No key has been derived yet at this point of the handshake.", style="dim")
        )
    else:
        value_w = max(16, min(64, width - 90))
        table = Table(box=None, pad_edge=False, expand=True, show_header=True, header_style="bold")
        table.add_column("", width=1)
        table.add_column(
            "step", min_width=min(36, max(12, width // 3)), no_wrap=True, overflow="ellipsis"
        )
        table.add_column("how", ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("value", width=value_w, no_wrap=True, overflow="ellipsis")
        table.add_column("source", width=12, no_wrap=True)
        for r in state.steps:
            new = "●" if r.message == state.index else ""
            value = r.step.value.hex()
            table.add_row(
                Text(new, style="bold yellow"),
                Text(r.step.name, style="bold" if new else ""),
                how(r),
                value if len(value) <= value_w else value[: value_w - 1] + "…",
                source_mark(r),
            )
        parts.append(table)
    if state.checks:
        checks = Text("\nChecks: ", style="bold")
        for c in state.checks:
            mark, style = (
                ("✔", "green")
                if c.check.ok
                else ("✘", "red")
                if c.check.ok is False
                else ("?", "yellow")
            )
            checks.append(f"{mark} {c.check.name}  ", style=style)
        parts.append(checks)
    return Group(*parts)


def missing_sentence(conn: Connection, state: KeyState) -> str | None:
    """One sentence on what is missing, when something is."""
    keys = conn.keys
    if keys is None:
        return "Keys were not derived for this connection."
    if state.status == "missing":
        return None  # the reason says it
    ops = {r.step.operation for r in keys.step_reports()}
    tls13 = conn.neg.tls13
    if tls13 and "ECDHE" not in ops and "HKDF-Extract" not in ops:
        return (
            "The key log holds traffic secrets only: the (EC)DHE shared secret and the "
            "early, handshake and master secrets before them need an ephemeral private "
            "key (--ephemeral-key), which real peers never reveal."
        )
    return None
