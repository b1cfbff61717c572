"""? : what every pane shows and every key does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# tlsviz explorer

**One connection, one message at a time.** Every pane follows the selected message and field.

| key | does |
|---|---|
| `n` / `p` | next / previous message (from any pane) |
| `g` / `G`, `home` / `end` | first / last message |
| `space` | play / pause; `+` / `-` change the pace |
| `tab` / `shift+tab` | move between panes |
| `f` | the field tree; `/` finds a field |
| `x` | the hex view (arrows move a byte cursor; `enter` or a click selects the field there) |
| `k` `r` `c` `o` `a` `d` | keys · record · certificates · cost · application data · diagnostics |
| `l` | all connections of the capture · `m` compare with another connection |
| `h` | home · `ctrl+p` every command · `ctrl+t` theme (dark, light, high contrast) |
| `ctrl+s` | save an SVG screenshot in the current folder · `q` quit |

**Ladder.** Client on the left, server on the right, one arrow per message. 🔒 marks a protected
record; ✔ / ✘ a Finished message that was verified / failed. Dotted lines mark each completed
round trip and the moment a direction's records start being protected by new keys.

**Fields and hex.** Selecting a field highlights exactly its bytes (all of its pieces when it
is split over records); the rest of the message is tinted. Clicking a byte selects the most
specific field there.

**Keys.** The key schedule as of the selected message: each step's operation and inputs, its
value, and whether it was derived here and matches the key log (✔), differs (✘), was derived
with nothing to compare (·), or was read from the key log. ● marks what this message made
possible.

**Record.** How this message's records were opened: key, IV, sequence number, the nonce as
IV ⊕ sequence number, additional data, tag, ciphertext and plaintext.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss(None)", "close")
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Markdown(HELP)
