"""Bytes and field trees in the HTML handout: the hex view with each field's bytes
wrapped in nested elements, and the annotated field tree of a message."""

from __future__ import annotations

from collections.abc import Sequence

from ..wire.explain import explanation
from ..wire.fields import Field
from . import handout as h
from .html_parts import esc
from .model import Connection

_HEX = [f"{b:02x}" for b in range(256)]


def hex_dump(
    data: bytes,
    fields: Sequence[Field],
    *,
    base: str,
    box: str = "msg",
    cuts: set[int] | frozenset[int] = frozenset(),
    limit: int | None = None,
    highlight: str | None = None,
) -> str:
    """``data`` as hex, 16 bytes a line, each field's bytes wrapped in an
    element (nested as the fields are) whose title names the field; ``cuts``
    are the offsets where a new record's bytes begin (a red bar); ``base`` is
    the anchor the fields' paths extend (``#<base>-f<path>``)."""
    n = len(data) if limit is None else min(len(data), limit)
    out: list[str] = [f'<div class="hex mono" data-in="{box}" data-base="{base}">']

    def raw(lo: int, hi: int) -> None:
        for k in range(lo, hi):
            if k % 16 == 0:
                out.append(f'{"<br>" if k else ""}<span class="off">{k:04x}</span>')
            if k in cuts:
                out.append('<span class="cut" title="the next record starts here"></span>')
            out.append(_HEX[data[k]] + " ")

    def walk(fs: Sequence[Field], lo: int, hi: int, prefix: tuple[int, ...]) -> None:
        pos = lo
        for idx, f in enumerate(fs):
            a, b = f.offset, min(f.end, hi)
            if a < pos or a >= b:
                continue  # empty, overlapping or past the shown bytes: the tree has it
            raw(pos, a)
            path = (*prefix, idx)
            mark = " mark" if highlight and f.key == highlight else ""
            if not prefix:
                mark += f" t{idx % 4}"
            out.append(f'<span class="f{mark}" data-f="{h.path_text(path)}" '
                       f'title="{esc(f.name)} = {esc(_short(f.display))}">')  # fmt: skip
            walk(f.children, a, b, path)
            out.append("</span>")
            pos = b
        raw(pos, hi)

    walk(fields, 0, n, ())
    if n < len(data):
        out.append(f'<br><span class="more">… {len(data) - n} more bytes</span>')
    out.append("</div>\n")
    return "".join(out)


def _title(key: str) -> str:
    text = explanation(key) if key else None
    return f' title="{esc(text)}"' if text else ""


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_tree(c: Connection, index: int, *, highlight: str | None = None) -> str:
    """The message's fields as a nested list: name, value, bytes (read through
    the field's spans), where they lie, and what the field is for (each kind
    of field explained once per message; its name's title always has it)."""
    m = c.messages[index]
    seen: set[str] = set()
    out: list[str] = []

    def item(f: Field, path: tuple[int, ...]) -> None:
        a = h.field_anchor(c, index, path)
        why = explanation(f.key) if f.key else None
        first = bool(why) and f.key not in seen
        # the first field of a kind carries its explanation below it; the
        # others carry it in their title, for the pointer
        title = f' title="{esc(why)}"' if why and not first else ""
        data = h.read_field(c, m, f)
        if f.children:
            hexes = f"{len(data)} bytes"
        elif not data:
            hexes = "(empty)"
        else:
            shown = data[: h.FIELD_LIMIT].hex(" ")
            more = f" … ({len(data)} bytes)" if len(data) > h.FIELD_LIMIT else ""
            hexes = f"<code>{shown}</code>{more}"
        mark = " mark" if highlight and f.key == highlight else ""
        row = (
            f'<span class="row" data-f="{h.path_text(path)}" data-in="msg"><a class="fn" '
            f'href="#{a}"{title}>{esc(f.name)}</a>'
            + (f'<span class="fv">{esc(f.display)}</span>' if f.display else "")
            + f'<span class="fx">{hexes}</span><span class="at">{esc(h.span_text(m, f))}</span>'
            "</span>"
        )
        text = ""
        if first:
            seen.add(f.key)
            text = f'<p class="why">{esc(why)}</p>'
        if f.children:
            out.append(f'<li class="fld{mark}" id="{a}"><details open><summary>{row}</summary>'
                       f'{text}<ul class="tree">\n')  # fmt: skip
            for n, child in enumerate(f.children):
                item(child, (*path, n))
            out.append("</ul></details></li>\n")
        else:
            out.append(f'<li class="fld{mark}" id="{a}">{row}{text}</li>\n')

    out.append('<ul class="tree">\n')
    for n, f in enumerate(m.fields):
        item(f, (n,))
    out.append("</ul>\n")
    return "".join(out)
