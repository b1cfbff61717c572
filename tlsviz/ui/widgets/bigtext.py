"""Big letters for a projector: three lines of half blocks per line of text.

textual's ``Digits`` draws numbers large; a message's name needs letters.  Each
glyph is a classic 3x5 pixel letter; two pixel rows make one terminal row
(``▀`` ``▄`` ``█``), so a letter is 3 rows high and 4 columns wide with its gap.
The widget falls back to one line of bold text when its width is too small.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

#: 3x5 pixels per glyph, rows top to bottom, "#" lit.
GLYPHS = {
    "A": ".#. #.# ### #.# #.#", "B": "##. #.# ##. #.# ##.", "C": ".## #.. #.. #.. .##",
    "D": "##. #.# #.# #.# ##.", "E": "### #.. ##. #.. ###", "F": "### #.. ##. #.. #..",
    "G": ".## #.. #.# #.# .##", "H": "#.# #.# ### #.# #.#", "I": "### .#. .#. .#. ###",
    "J": "..# ..# ..# #.# .#.", "K": "#.# #.# ##. #.# #.#", "L": "#.. #.. #.. #.. ###",
    "M": "#.# ### ### #.# #.#", "N": "##. #.# #.# #.# #.#", "O": ".#. #.# #.# #.# .#.",
    "P": "##. #.# ##. #.. #..", "Q": ".#. #.# #.# ##. .##", "R": "##. #.# ##. #.# #.#",
    "S": ".## #.. .#. ..# ##.", "T": "### .#. .#. .#. .#.", "U": "#.# #.# #.# #.# ###",
    "V": "#.# #.# #.# #.# .#.", "W": "#.# #.# ### ### #.#", "X": "#.# #.# .#. #.# #.#",
    "Y": "#.# #.# .#. .#. .#.", "Z": "### ..# .#. #.. ###", "0": "### #.# #.# #.# ###",
    "1": ".#. ##. .#. .#. ###", "2": "##. ..# .#. #.. ###", "3": "##. ..# .#. ..# ##.",
    "4": "#.# #.# ### ..# ..#", "5": "### #.. ##. ..# ##.", "6": ".## #.. ### #.# ###",
    "7": "### ..# .#. .#. .#.", "8": "### #.# ### #.# ###", "9": "### #.# ### ..# ##.",
    " ": "... ... ... ... ...", "-": "... ... ### ... ...", ".": "... ... ... ... .#.",
}  # fmt: skip

_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def words(name: str) -> str:
    """``ServerHello`` -> ``SERVER HELLO`` (a name in capitals needs its spaces)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).upper()


def big_lines(text: str) -> list[str] | None:
    """Three lines drawing ``text`` large, or None if a character has no glyph."""
    rows: list[list[str]] = [[], [], []]
    for ch in words(text):
        glyph = GLYPHS.get(ch)
        if glyph is None:
            return None
        px = [[c == "#" for c in row] for row in glyph.split()] + [[False] * 3]
        for r in range(3):
            top, bottom = px[2 * r], px[2 * r + 1]
            rows[r].append("".join(_HALF[(t, b)] for t, b in zip(top, bottom, strict=True)) + " ")
    return ["".join(r).rstrip() for r in rows]


class BigText(Widget):
    """A line of text drawn in big letters when it fits, in bold when it does not."""

    DEFAULT_CSS = "BigText { height: auto; }"

    def __init__(self, text: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.text = text
        #: one line of bold text whatever the width (where room is short)
        self.plain = False

    def update(self, text: str) -> None:
        self.text = text
        self.refresh(layout=True)

    def set_plain(self, plain: bool) -> None:
        if plain != self.plain:
            self.plain = plain
            self.refresh(layout=True)

    def _big(self, width: int) -> list[str] | None:
        lines = None if self.plain else big_lines(self.text)
        if lines is None or max(len(line) for line in lines) > width:
            return None
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 3 if self._big(width) is not None else 1

    def render(self) -> Text:
        lines = self._big(self.content_region.width)
        return Text("\n".join(lines) if lines is not None else self.text, style="bold")
