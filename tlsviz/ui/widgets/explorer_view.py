"""The explorer's panes for one connection: ladder, field tree, hex, explanation, tabs.

Every pane follows the selected message and field.  The explorer screen wraps
one of these with a header and a footer; the lesson player drives one beside
its prose.  Sized by its own width and height: below COMPACT_WIDTH x
COMPACT_HEIGHT it shows the ladder and one pane at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import TabbedContent, TabPane

from ...session.model import Connection
from ...wire.message import STREAM, Buffer, Message, Span
from ..messages import ByteSelected, FieldSelected, MessageSelected
from .certificates import CertificatesPanel
from .conversation import ConversationPanel
from .cost import CostPanel
from .diagnostics import DiagnosticsPanel
from .explanation import Explanation
from .field_tree import FieldRef, FieldTree
from .hex_view import HexSection, HexView
from .keys_panel import KeysPanel
from .ladder import Ladder
from .record_crypto import RecordPanel

#: Below this size the explorer shows one pane at a time beside the ladder.
COMPACT_WIDTH = 118
COMPACT_HEIGHT = 32

TABS = ("keys", "record", "certificates", "cost", "conversation", "diagnostics")
VIEWS = ("fields", "hex", *TABS)


@dataclass
class Position:
    """Where the user is in one connection (kept when switching connections)."""

    message: int = 0
    path: tuple[int, ...] = (0,)
    fields_by_message: dict[int, tuple[int, ...]] = field(default_factory=dict)


class ExplorerView(Vertical):
    """Step through one connection: the panes and the selection they share."""

    def __init__(self, conn: Connection | None = None, position: Position | None = None, *,
                 id: str | None = None) -> None:  # fmt: skip
        super().__init__(id=id)
        self.conn: Connection = conn  # type: ignore[assignment]
        self.pos = position if position is not None else Position()
        self.view = "fields"
        self.pace = 1.5
        self._timer: Timer | None = None
        self._stale: set[str] = set(TABS)
        self._ref: FieldRef | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="explorer-main"):
            yield Ladder(id="ladder")
            with Vertical(id="center"):
                with Horizontal(id="upper"):
                    yield FieldTree(id="tree")
                    yield Explanation(id="explain")
                yield HexView(id="hex")
                with TabbedContent(id="bottom", initial="tab-keys"):
                    with TabPane("Keys", id="tab-keys"):
                        yield KeysPanel(id="keys")
                    with TabPane("Record", id="tab-record"):
                        yield RecordPanel(id="record")
                    with TabPane("Certificates", id="tab-certificates"):
                        yield CertificatesPanel(id="certificates")
                    with TabPane("Cost", id="tab-cost"):
                        yield CostPanel(id="cost")
                    with TabPane("Conversation", id="tab-conversation"):
                        yield ConversationPanel(id="conversation")
                    with TabPane("Diagnostics", id="tab-diagnostics"):
                        yield DiagnosticsPanel(id="diagnostics")

    def on_mount(self) -> None:
        self._apply_view()
        if self.conn is not None:
            self.show(self.conn, self.pos)

    def show(self, conn: Connection, position: Position | None = None) -> None:
        """Explore ``conn`` (from ``position``, kept and updated as the user moves)."""
        if self._timer is not None:  # playing the connection shown before
            self._timer.stop()
            self._timer = None
        self.conn = conn
        self.pos = position if position is not None else Position()
        cert_panel: Any = self.query_one(CertificatesPanel)
        cert_panel._shown = None
        self.query_one(Ladder).show(conn, self.pos.message)
        self._show_message(self.pos.message, self.pos.fields_by_message.get(self.pos.message))

    def on_resize(self, event: events.Resize) -> None:
        w, h = event.size
        self.set_class(w < COMPACT_WIDTH or h < COMPACT_HEIGHT, "compact")
        self.set_class(h < 28, "short")

    def _apply_view(self) -> None:
        for v in VIEWS:
            self.set_class(self.view == v, f"view-{v}")
        self.set_class(self.view in TABS, "view-tab")

    # -- the selection --------------------------------------------------------------
    @property
    def message(self) -> Message:
        return self.conn.messages[self.pos.message]

    def _show_message(self, index: int, path: tuple[int, ...] | None = None) -> None:
        if not self.conn.messages:
            return
        index = max(0, min(index, len(self.conn.messages) - 1))
        self.pos.message = index
        m = self.message
        tree = self.query_one(FieldTree)
        tree.show(m, _title(m, index))
        self.query_one(HexView).show(self._sections(m), m.spans_of(0, len(m.raw)))
        self._stale = set(TABS)
        self._refresh_tab()
        self._ref = None
        target = path or self.pos.fields_by_message.get(index) or (0,)
        if target != (0,):
            tree.select_path(target)
        self._field_changed(tree.refs[0] if target == (0,) or not tree.refs else None, target)

    def _refresh_tab(self) -> None:
        """Bring the visible tab up to date (the others wait until they are shown:
        stepping through messages redraws one panel, not six)."""
        bottom = self.query_one("#bottom", TabbedContent)
        if self.conn is None or (not bottom.display and self.has_class("compact")):
            return
        view = (bottom.active or "tab-keys").removeprefix("tab-")
        if view in self._stale:
            self._stale.discard(view)
            panel: Any = self.query_one(f"#{view}")
            panel.show(self.conn, self.pos.message)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self._refresh_tab()

    def _field_changed(self, ref: FieldRef | None, path: tuple[int, ...]) -> None:
        tree = self.query_one(FieldTree)
        if ref is None:
            ref = next((r for r in tree.refs if r.path == path), None)
        self._ref = ref
        self.pos.path = path
        self.pos.fields_by_message[self.pos.message] = path
        self.query_one(Explanation).show(self.conn, self.message, ref)
        spans = ref.spans if ref is not None and ref.path != (0,) else ()
        self.query_one(HexView).select(spans)

    def _sections(self, m: Message) -> list[HexSection]:
        """The bytes to show for ``m``: each carrying record (header and all)
        for cleartext; for decrypted records, the record header and the
        decrypted plaintext."""
        out: list[HexSection] = []
        conn = self.conn
        stream = STREAM[m.direction]
        for rec in m.records:
            if (
                m.encrypted
                and conn.keys is not None
                and (m.direction, rec.offset) in (conn.keys.decryptions)
            ):
                epoch, dec = conn.keys.decryptions[(m.direction, rec.offset)]
                if dec.ok:
                    hdr = self._read(stream, rec.offset, rec.header_length)
                    out.append(
                        HexSection(
                            stream,
                            rec.offset,
                            hdr,
                            f"{m.direction} stream · record header at {rec.offset} "
                            f"(then {rec.length} bytes of ciphertext)",
                        )
                    )
                    buf = Buffer(m.direction, rec.offset)
                    out.append(
                        HexSection(
                            buf,
                            0,
                            dec.plaintext,
                            f"decrypted with the {epoch} keys · "
                            f"{len(dec.plaintext)} bytes of plaintext",
                        )
                    )
                    continue
            data = self._read(stream, rec.offset, rec.header_length + rec.length)
            missing: tuple[tuple[int, int], ...] = ()
            if conn.streams is not None:
                s = conn.streams[m.direction]
                missing = tuple(g for g in s.gaps if s.missing(rec.offset, len(data)))
            out.append(
                HexSection(
                    stream,
                    rec.offset,
                    data,
                    f"{m.direction} stream · record at {rec.offset} · "
                    f"{rec.header_length + rec.length} bytes",
                    missing,
                )
            )
        if not out:  # no record (never for decoded messages): the message bytes alone
            span = m.spans_of(0, len(m.raw))[0]
            out.append(HexSection(span.buffer, span.offset, m.raw, m.type))
        return out

    def _read(self, buffer: Buffer, offset: int, length: int) -> bytes:
        try:
            return self.conn.read(Span(buffer, offset, length))
        except KeyError:
            return b""

    # -- messages from the panes ----------------------------------------------------
    @on(MessageSelected)
    def _message_selected(self, event: MessageSelected) -> None:
        event.stop()
        if event.index != self.pos.message:
            self._show_message(event.index)
            self.query_one(Ladder).select_message(event.index)

    @on(FieldSelected)
    def _field_selected(self, event: FieldSelected) -> None:
        event.stop()
        if event.shown is not self.query_one(FieldTree).message:
            return  # picked in the tree of a message no longer shown
        if self._ref is not None and self._ref.path == event.path:
            return  # already selected (the tree confirming a move made from here)
        self._field_changed(None, event.path)

    @on(ByteSelected)
    def _byte_selected(self, event: ByteSelected) -> None:
        event.stop()
        tree = self.query_one(FieldTree)
        if event.by_keyboard and tree.has_focus:
            return  # the tree leads while it has focus: no loop between the two
        ref = tree.deepest_at(event.span)
        if ref is not None:
            tree.select_path(ref.path)
            self._field_changed(ref, ref.path)

    # -- actions --------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        self._goto(self.pos.message + delta)

    def action_first(self) -> None:
        self._goto(0)

    def action_last(self) -> None:
        self._goto(len(self.conn.messages) - 1)

    def _goto(self, index: int) -> None:
        index = max(0, min(index, len(self.conn.messages) - 1))
        if index != self.pos.message:
            self._show_message(index)
            self.query_one(Ladder).select_message(index)

    def action_play(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self.notify("Paused.", timeout=1.5)
            return
        self._timer = self.set_interval(self.pace, self._tick)
        self.notify(
            f"Playing: one message every {self.pace:g} s (space pauses, +/- pace).", timeout=2
        )

    def _tick(self) -> None:
        if self.pos.message >= len(self.conn.messages) - 1:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            return
        self.action_step(1)

    def action_pace(self, delta: float) -> None:
        self.pace = max(0.5, min(10.0, self.pace + delta))
        if self._timer is not None:
            self._timer.stop()
            self._timer = self.set_interval(self.pace, self._tick)
        self.notify(f"One message every {self.pace:g} s.", timeout=1.5)

    def action_view(self, view: str) -> None:
        """Show a pane (on a small terminal) or focus it (on a large one)."""
        self.view = view
        self._apply_view()
        if view in TABS:
            self.query_one("#bottom", TabbedContent).active = f"tab-{view}"
            self._refresh_tab()
            target = self.query_one(f"#{view}")
        elif view == "hex":
            target = self.query_one(HexView)
        else:
            target = self.query_one(FieldTree)
        target.focus()

    def action_find(self) -> None:
        from ..screens.find import FindField

        def chosen(path: tuple[int, ...] | None) -> None:
            if path is not None:
                tree = self.query_one(FieldTree)
                tree.select_path(path)
                self._field_changed(None, path)
                tree.focus()

        self.app.push_screen(FindField(self.query_one(FieldTree).refs), chosen)

    def action_back(self) -> None:
        if self.view != "fields":
            self.action_view("fields")

    # -- for lessons and tests: drive the explorer from outside ---------------------
    def go_to(self, message: int, key: str | None = None) -> None:
        """Select message ``message`` and, if given, the first field with ``key``."""
        self._goto(message)
        if key:
            tree = self.query_one(FieldTree)
            path = tree.path_for_key(key)
            if path is not None:
                tree.select_path(path)
                self._field_changed(None, path)

    def select_path(self, path: tuple[int, ...]) -> None:
        """Select the field at ``path`` of the current message's tree."""
        tree = self.query_one(FieldTree)
        tree.select_path(path)
        self._field_changed(None, path)

    @property
    def selected(self) -> FieldRef | None:
        return self._ref


def _title(m: Message, index: int) -> str:
    arrow = "client → server" if m.direction == "client" else "server → client"
    lock = ""
    if m.encrypted:
        lock = " · protected, decrypted" if m.type != "Encrypted" else " · protected"
    name = "HelloRetryRequest" if getattr(m.body, "is_hrr", False) else m.type
    size = f"{len(m.raw)} byte{'s' if len(m.raw) != 1 else ''}"
    return f"{index + 1}. {name} · {size} · {arrow}{lock}"
