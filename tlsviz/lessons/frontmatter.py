"""The front matter of a lesson: the small part of YAML that teachers write there.

Lesson files open with ``key: value`` lines between two ``---`` lines, as static-site
generators and quiz tools expect.  Only what lessons need is understood — strings (bare or
quoted), integers, ``[a, b]`` lists and ``- item`` lists — so no YAML library is needed and
every mistake is reported on its line instead of being read as something unexpected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Value = str | int | list[str]


@dataclass(frozen=True, slots=True)
class Entry:
    value: Value
    line: int


class FrontMatterError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def unquote(text: str, line: int) -> str:
    """A bare or quoted scalar; quotes must match."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        inner = text[1:-1]
        return inner.replace('\\"', '"') if text[0] == '"' else inner.replace("''", "'")
    if text[:1] in ("'", '"'):
        raise FrontMatterError(line, f"the quote that opens {text!r} is never closed")
    return text


_INTEGER = re.compile(r"-?[0-9]+")


def _scalar(text: str, line: int) -> str | int:
    text = text.strip()
    if text[:1] in ("'", '"'):
        return unquote(text, line)
    if _INTEGER.fullmatch(text):  # not str.isdigit: "--20" and "²" are text
        return int(text)
    if text.startswith(("{", "&", "*", "!", "|", ">")):
        raise FrontMatterError(line, f"{text[:1]!r} values are not supported here; quote the text")
    return text


def _flow_list(text: str, line: int) -> list[str]:
    inner = text.strip()[1:-1]
    if not inner.strip():
        return []
    items = []
    for part in _split_commas(inner, line):
        value = _scalar(part, line)
        if str(value) == "":
            raise FrontMatterError(line, "an empty item in a [...] list")
        items.append(str(value))
    return items


def _split_commas(text: str, line: int) -> list[str]:
    parts, cur, quote = [], [], ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
            cur.append(ch)
        elif ch == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if quote:
        raise FrontMatterError(line, "a quote inside the [...] list is never closed")
    parts.append("".join(cur))
    return parts


def parse_front_matter(
    lines: list[str], first_line: int
) -> tuple[dict[str, Entry], list[FrontMatterError]]:
    """``lines`` are those between the ``---`` fences; ``first_line`` is the number of the
    first of them.  Returns the entries read and an error for each line that could not be
    read (those lines are skipped, the others still read)."""
    out: dict[str, Entry] = {}
    errors: list[FrontMatterError] = []
    state: list[str | None] = [None]  # key whose "- item" list is being read
    for i, raw in enumerate(lines):
        try:
            _line(out, state, first_line + i, raw)
        except FrontMatterError as err:
            errors.append(err)
            state[0] = None
    return out, errors


def _line(out: dict[str, Entry], state: list[str | None], n: int, raw: str) -> None:
    """Read one line into ``out``; ``state[0]`` is the key of an open '- item' list."""
    current = state[0]
    text = raw.rstrip()
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return
    if "\t" in text[: len(text) - len(text.lstrip())]:
        raise FrontMatterError(n, "indent with spaces, not tabs")
    if stripped.startswith("- "):
        if current is None:
            raise FrontMatterError(n, "a '- item' line must follow a 'key:' line")
        entry = out[current]
        assert isinstance(entry.value, list)
        entry.value.append(str(_scalar(stripped[2:], n)))
        return
    if text[0].isspace():
        raise FrontMatterError(n, "unexpected indentation (only '- item' lines are indented)")
    key, sep, rest = text.partition(":")
    key = key.strip()
    if not sep or not key or not key.replace("_", "").replace("-", "").isalnum():
        raise FrontMatterError(n, f"expected 'key: value', found {stripped[:40]!r}")
    if key in out:
        raise FrontMatterError(n, f"{key!r} is given twice (first on line {out[key].line})")
    rest = rest.strip()
    state[0] = None
    if not rest:
        out[key] = Entry([], n)
        state[0] = key
    elif rest.startswith("["):
        if not rest.endswith("]"):
            raise FrontMatterError(n, f"the list of {key!r} must end with ']' on the same line")
        out[key] = Entry(_flow_list(rest, n), n)
    else:
        out[key] = Entry(_scalar(rest, n), n)
