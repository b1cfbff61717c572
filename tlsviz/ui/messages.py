"""Messages that cross widgets: a widget says what the user picked, its
screen decides what the other widgets show (attributes down, messages up)."""

from __future__ import annotations

from textual.message import Message

from ..wire.message import Span


class MessageSelected(Message):
    """The user picked message ``index`` of the current connection."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class FieldSelected(Message):
    """A field (or a whole message or record) was picked in the field tree.
    ``shown`` is the decoded message whose tree it was picked in: a pick that
    arrives after the tree moved on to another message is stale."""

    def __init__(self, spans: tuple[Span, ...], path: tuple[int, ...], shown: object) -> None:
        super().__init__()
        self.spans = spans
        self.path = path
        self.shown = shown


class ByteSelected(Message):
    """A byte was clicked (or the hex cursor moved onto it)."""

    def __init__(self, span: Span, by_keyboard: bool) -> None:
        super().__init__()
        self.span = span
        self.by_keyboard = by_keyboard


class ConnectionChosen(Message):
    """A connection (by id) was chosen in a list."""

    def __init__(self, conn_id: int) -> None:
        super().__init__()
        self.conn_id = conn_id
