"""Two connections side by side: ladders and costs (full vs resumed, 1.2 vs 1.3...)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...session.model import Connection
from ..widgets.ladder import Ladder


def _label(c: Connection, where: str) -> str:
    resumed = " · resumed" if _resumed(c) else ""
    suite = (c.cipher_suite or "").removeprefix("TLS_")
    return f"{where} #{c.id} · {c.version or '?'} · {suite}{resumed}"


def _resumed(c: Connection) -> bool:
    from ...session.export import resumption_of

    return resumption_of(c) is not None


def summary_table(a: Connection, b: Connection) -> Table:
    ca, cb = a.cost(), b.cost()
    t = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    t.add_column("")
    t.add_column("left", justify="right")
    t.add_column("right", justify="right")
    rows = [
        ("TLS round trips", ca.round_trips, cb.round_trips),
        ("messages in the handshake", ca.handshake_messages, cb.handshake_messages),
        ("handshake bytes", f"{ca.handshake_bytes:,}", f"{cb.handshake_bytes:,}"),
        ("certificate bytes", f"{ca.certificate_bytes:,}", f"{cb.certificate_bytes:,}"),
        (
            "client → server bytes",
            f"{ca.by_direction['client']:,}",
            f"{cb.by_direction['client']:,}",
        ),
        (
            "server → client bytes",
            f"{ca.by_direction['server']:,}",
            f"{cb.by_direction['server']:,}",
        ),
        ("records", sum(ca.records.values()), sum(cb.records.values())),
    ]
    for name, x, y in rows:
        t.add_row(name, str(x if x is not None else "?"), str(y if y is not None else "?"))
    return t


class CompareScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,m", "app.pop_screen", "back")]

    def __init__(
        self, left: Connection, right: Connection, labels: tuple[str, str] = ("", "")
    ) -> None:
        super().__init__()
        self.left, self.right = left, right
        self.labels = labels

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Compare: the two handshakes side by side", style="bold"), id="compare-header"
        )
        with Horizontal(id="compare-main"):
            with Vertical(classes="compare-side"):
                yield Static(_label(self.left, self.labels[0] or "left"), classes="compare-title")
                yield Ladder(id="compare-left")
            with Vertical(classes="compare-side"):
                yield Static(_label(self.right, self.labels[1] or "right"), classes="compare-title")
                yield Ladder(id="compare-right")
        yield Static(summary_table(self.left, self.right), id="compare-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#compare-left", Ladder).show(self.left)
        self.query_one("#compare-right", Ladder).show(self.right)


class PickOther(ModalScreen[Connection | None]):
    """Choose the connection to compare with: this capture's or a bundled one's."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, choices: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("[b]Compare with…[/b]")
            yield OptionList(*[Option(label) for label, _ in self.choices], id="pick-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        _, target = self.choices[event.option_index]
        if isinstance(target, Connection):
            self.dismiss(target)
            return
        from ...source import open_bundled

        name, index = target
        conns = list(open_bundled(name))
        self.dismiss(conns[index] if index < len(conns) else None)


def pick_other(app: Any, left: Connection) -> PickOther:
    choices: list[tuple[str, Any]] = []
    for c in app.connections.values():
        if c is not left:
            choices.append((_label(c, "this capture"), c))
    from ...bundled import bundled_captures

    for b in bundled_captures():
        choices.append((f"bundled {b.name} — {b.description}", (b.name, 0)))
        if "resum" in b.name:
            choices.append((f"bundled {b.name} — its resumed connection", (b.name, 1)))
    return PickOther(choices)
