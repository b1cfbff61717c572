"""Everything the decoder found wrong or worth noticing, on the bytes it concerns."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...session.model import Connection
from ..messages import MessageSelected


class DiagnosticsPanel(OptionList):
    """Pick a diagnostic to jump to its message."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._targets: dict[int, int] = {}

    def show(self, conn: Connection, index: int) -> None:
        options: list[Option] = []
        self._targets = {}
        for i, m in enumerate(conn.messages):
            for d in m.diagnostics:
                self._targets[len(options)] = i
                options.append(
                    Option(_line(str(d.severity), f"message {i + 1} {m.type}: {d.message}"))
                )
        for d in conn.diagnostics:
            options.append(
                Option(
                    _line(str(d.severity), f"{d.direction or ''} stream at {d.offset}: {d.message}")
                )
            )
        if conn.keys is not None:
            for p in conn.keys.problems:
                options.append(Option(_line("note", f"keys: {p}")))
        if not options:
            options.append(
                Option(
                    Text("Nothing to report: every byte decoded cleanly.", style="green"),
                    disabled=True,
                )
            )
        self.set_options(options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        target = self._targets.get(event.option_index)
        if target is not None:
            self.post_message(MessageSelected(target))


def _line(severity: str, text: str) -> Text:
    style = {"error": "bold red", "warning": "yellow"}.get(severity, "dim")
    out = Text(f"{severity:<8}", style=style)
    out.append(text)
    return out
