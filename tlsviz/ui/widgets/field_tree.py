"""The field tree of one message: its record headers and every decoded field.

Each node carries the spans of its bytes (from :meth:`Message.spans`), so the
screen can highlight them in the hex view without knowing how fields map to
buffers.  Moving the cursor posts :class:`FieldSelected`; :meth:`select_path`
moves the cursor from outside (a click in the hex view) without the screen
needing to know the tree's nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...wire.dispatch import record_header_fields
from ...wire.fields import Field
from ...wire.message import STREAM, Message, Span
from ...wire.records import Record
from ..messages import FieldSelected


@dataclass(frozen=True, slots=True)
class FieldRef:
    """What a tree node stands for: the message, a record header, or a field."""

    path: tuple[int, ...]  # (0,) message; (1, r, ...) record r's header; (2, i, ...) field
    spans: tuple[Span, ...]
    field: Field | None = None
    record: Record | None = None
    depth: int = 0

    @property
    def key(self) -> str | None:
        if self.field is not None:
            return self.field.key or None
        if self.record is not None:
            return "record.header"
        return None


class FieldTree(Tree[FieldRef]):
    """Fields of the selected message, with their values."""

    DEFAULT_CSS = """
    FieldTree { background: $surface; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.show_root = True
        self.guide_depth = 2
        self.auto_expand = False
        self.message: Message | None = None
        self._by_path: dict[tuple[int, ...], TreeNode[FieldRef]] = {}
        self.refs: list[FieldRef] = []
        self._pending: tuple[int, ...] | None = None

    # -- attributes down ------------------------------------------------------------
    def show(self, msg: Message, title: str) -> None:
        self.message = msg
        self._by_path = {}
        self.refs = []
        root_ref = FieldRef((0,), msg.spans_of(0, len(msg.raw)) if msg.raw else ())
        self.reset(Text(title, style="bold"), root_ref)
        self._by_path[(0,)] = self.root
        self.refs.append(root_ref)
        for r, rec in enumerate(msg.records):
            header = record_header_fields(rec)
            where = STREAM[msg.direction]
            spans = (Span(where, rec.offset, rec.header_length),)
            label = _label(
                "record header",
                f"{rec.header_length} bytes at {msg.direction} {rec.offset}"
                + (", protected" if msg.encrypted else ""),
            )
            ref = FieldRef((1, r), spans, record=rec, depth=1)
            node = self.root.add(label, ref, expand=False)
            self._by_path[ref.path] = node
            self.refs.append(ref)
            for k, f in enumerate(header):
                fspans = (Span(where, rec.offset + f.offset, f.length),)
                fref = FieldRef((1, r, k), fspans, field=f, record=rec, depth=2)
                self._by_path[fref.path] = node.add_leaf(_label(f.name, f.display), fref)
                self.refs.append(fref)
        for i, f in enumerate(msg.fields):
            self._add(self.root, f, (2, i), 1, msg)
        self.root.expand()
        for child in self.root.children:
            data = child.data
            if data is not None and data.field is not None and len(data.field.children) < 40:
                child.expand()
        self._pending = (0,)  # the caller shows the message itself: not news
        self.move_cursor(self.root)
        self.call_after_refresh(self._settle)

    def _add(
        self, parent: TreeNode[FieldRef], f: Field, path: tuple[int, ...], depth: int, msg: Message
    ) -> None:
        ref = FieldRef(path, msg.spans(f), field=f, depth=depth)
        self.refs.append(ref)
        label = _label(f.name, f.display)
        if f.children:
            node = parent.add(label, ref, expand=depth < 2 and len(f.children) < 40)
            for i, c in enumerate(f.children):
                self._add(node, c, (*path, i), depth + 1, msg)
        else:
            node = parent.add_leaf(label, ref)
        self._by_path[path] = node

    def select_path(self, path: tuple[int, ...]) -> None:
        """Move the cursor to the node at ``path``, opening its parents."""
        node = self._by_path.get(path)
        if node is None:
            return
        opened = False
        parent = node.parent
        while parent is not None:
            if not parent.is_expanded:
                parent.expand()
                opened = True
            parent = parent.parent
        # the caller already knows what is selected: the highlights this move causes
        # (and those of the tree's rebuild after expanding) are not news
        self._pending = path
        if opened:
            # the tree's lines are rebuilt on the next refresh: only then does the
            # node have a line for the cursor to go to
            self.call_after_refresh(self._move_to, node)
        else:
            self._move_to(node)

    def _move_to(self, node: TreeNode[FieldRef]) -> None:
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)
        self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        self._pending = None

    def path_for_key(self, key: str) -> tuple[int, ...] | None:
        """The first node whose field key (or name) is ``key``."""
        for ref in self.refs:
            f = ref.field
            if f is not None and key in (f.key, f.name):
                return ref.path
        return None

    def deepest_at(self, span: Span) -> FieldRef | None:
        """The most specific node whose bytes include ``span``'s first byte."""
        best: FieldRef | None = None
        ref: FieldRef
        for ref in self.refs:
            for s in ref.spans:
                if s.buffer == span.buffer and s.offset <= span.offset < s.end:
                    if (
                        best is None
                        or ref.depth > best.depth
                        or (ref.depth == best.depth and _size(ref) < _size(best))
                    ):
                        best = ref
                    break
        return best

    # -- messages up ----------------------------------------------------------------
    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[FieldRef]) -> None:
        event.stop()
        ref = event.node.data
        if ref is None or self._pending is not None:
            return
        if self._by_path.get(ref.path) is not event.node:
            return  # a node of the tree as it was before it showed another message
        self.post_message(FieldSelected(ref.spans, ref.path, self.message))


def _size(ref: FieldRef) -> int:
    return sum(s.length for s in ref.spans)


def _label(name: str, display: str) -> Text:
    text = Text(name, style="bold")
    if display:
        shown = display if len(display) <= 80 else display[:77] + "…"
        text.append("  ")
        text.append(shown, style="italic")
    return text
