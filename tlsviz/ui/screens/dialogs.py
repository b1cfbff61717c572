"""Small dialogs: an error in one sentence, a message with an OK."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ErrorDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "dismiss(None)", "close")]

    def __init__(self, title: str, sentence: str) -> None:
        super().__init__()
        self.title_text = title
        self.sentence = sentence

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Static(f"[b]{self.title_text}[/b]", classes="dialog-title")
            yield Static(self.sentence, classes="dialog-text", markup=False)
            yield Button("OK", variant="primary", id="ok")

    def on_button_pressed(self) -> None:
        self.dismiss(None)
