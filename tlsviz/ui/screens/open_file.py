"""Open a capture file (and its key log) with a file picker."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, Static

from ..sources import Source

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".gz")


class CaptureTree(DirectoryTree):
    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".")
            and (
                p.is_dir()
                or p.name.endswith(CAPTURE_SUFFIXES)
                or p.suffix in (".keys", ".log", ".txt")
            )
        ]


class OpenFile(ModalScreen[Source | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog open-dialog"):
            yield Static("[b]Open a capture[/b] — pick a file, or type its path")
            yield CaptureTree(os.getcwd(), id="open-tree")
            yield Label("Capture")
            yield Input(placeholder="path to a .pcap or .pcapng", id="open-path")
            yield Label("Key log (optional; pcapng secrets are used automatically)")
            yield Input(placeholder="path to an SSLKEYLOGFILE", id="open-keylog")
            with Horizontal(classes="form-row"):
                yield Button("Open", variant="primary", id="open")
                yield Button("Cancel", id="cancel")

    @on(DirectoryTree.FileSelected)
    def _file(self, event: DirectoryTree.FileSelected) -> None:
        path = str(event.path)
        if path.endswith((".keys", ".log", ".txt")):
            self.query_one("#open-keylog", Input).value = path
        else:
            self.query_one("#open-path", Input).value = path
            guess = Path(path).with_suffix(".keys")
            if guess.exists() and not self.query_one("#open-keylog", Input).value:
                self.query_one("#open-keylog", Input).value = str(guess)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#open")
    @on(Input.Submitted)
    def _open(self) -> None:
        from ...capture import CaptureError, CaptureReader
        from ...keys.loading import load_key_material
        from ...keys.material import MaterialError

        path = self.query_one("#open-path", Input).value.strip()
        keylog = self.query_one("#open-keylog", Input).value.strip()
        if not path:
            self.notify("Pick a capture file first.", severity="warning")
            return
        try:
            CaptureReader(path).close()
            material = load_key_material([keylog] if keylog else [])
        except (CaptureError, MaterialError) as err:
            self.notify(str(err), severity="error")
            return
        self.dismiss(Source(os.path.basename(path), path, material, keylog=keylog or None))
