"""Find a field of the selected message by name, key or value."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..widgets.field_tree import FieldRef


class FindField(ModalScreen[tuple[int, ...] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "close")]

    def __init__(self, refs: list[FieldRef]) -> None:
        super().__init__()
        self.refs = [r for r in refs if r.field is not None]

    def compose(self) -> ComposeResult:
        with Vertical(id="find-box", classes="dialog"):
            yield Input(placeholder="field name, key or value…", id="find-input")
            yield OptionList(id="find-results")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value.strip().lower())

    def _fill(self, needle: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        self._hits: list[tuple[int, ...]] = []
        for r in self.refs:
            f = r.field
            assert f is not None
            hay = f"{f.name} {f.key} {f.display}".lower()
            if needle in hay:
                self._hits.append(r.path)
                label = Text(f.name, style="bold")
                label.append(f"  {f.display[:50]}", style="italic")
                results.add_option(Option(label))
            if len(self._hits) >= 200:
                break

    @on(Input.Submitted)
    def _submitted(self) -> None:
        if self._hits:
            self.dismiss(self._hits[0])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._hits[event.option_index])
