"""The ladder: client and server columns, one arrow per message.

Messages are grouped into flights (what one side sends before it waits for
the other); a line marks each round trip and each point where a direction's
records start being protected by new keys; a tick or a cross marks the
Finished messages that were checked.  It is an
:class:`~textual.widgets.OptionList`: the markers are disabled options, so the
cursor steps over them from message to message.  Protected messages travel on
a double line (the record layer's tunnel), cleartext ones on a single line.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...session.model import Connection
from ...session.timeline import record_crypto
from ..messages import MessageSelected

#: Protected messages travel on a double line: the record layer's tunnel.
CLEAR, PROTECTED = "─", "═"

#: Shorter names when the column is narrow.
SHORT = {
    "EncryptedExtensions": "EncryptedExt.",
    "CertificateVerify": "CertVerify",
    "ChangeCipherSpec": "ChangeCipherSp.",
    "ServerKeyExchange": "ServerKeyExch.",
    "ClientKeyExchange": "ClientKeyExch.",
    "NewSessionTicket": "NewSessionTkt",
    "HelloRetryRequest": "HelloRetryReq.",
    "CertificateRequest": "CertRequest",
    "ApplicationData": "AppData",
}


class Ladder(OptionList):
    """The messages of one connection as arrows between client and server."""

    DEFAULT_CSS = """
    Ladder { background: $surface; }
    Ladder > .option-list--option-disabled { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.conn: Connection | None = None
        self._option_of: dict[int, int] = {}  # message index -> option index
        self._message_of: dict[int, int] = {}
        self._width = 0
        self._expect: int | None = None

    # -- attributes down ------------------------------------------------------------
    def show(self, conn: Connection, index: int = 0) -> None:
        self.conn = conn
        self._build()
        self.select_message(index)

    def select_message(self, index: int) -> None:
        """Move the highlight without telling anyone (the caller knows): the
        highlight events this causes arrive later and are not news."""
        opt = self._option_of.get(index)
        if opt is not None and opt != self.highlighted:
            self._expect = opt
            self.highlighted = opt

    @property
    def message_index(self) -> int | None:
        if self.highlighted is None:
            return None
        return self._message_of.get(self.highlighted)

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if self.conn is not None and width != self._width:
            current = self.message_index
            self._build()
            if current is not None:
                self.select_message(current)

    # -- building -------------------------------------------------------------------
    def _build(self) -> None:
        conn = self.conn
        assert conn is not None
        width = max(self.scrollable_content_region.width, 24)
        self._width = self.scrollable_content_region.width
        options: list[Option] = []
        self._option_of.clear()
        self._message_of.clear()
        cost = conn.cost()
        fin = conn.keys.finished_checks() if conn.keys is not None else {}
        epochs: dict[str, str | None] = {"client": None, "server": None}
        rtt = 0
        prev_dir: str | None = None
        heading = Text("client".ljust(width - 6) + "server", style="bold")
        options.append(Option(heading, disabled=True))
        for i, m in enumerate(conn.messages):
            handshake_rtt = cost.round_trips is None or rtt < cost.round_trips
            if prev_dir == "server" and m.direction == "client" and handshake_rtt:
                # only the round trips of the handshake itself are counted
                rtt += 1
                done = f"round trip {rtt} done" if width >= 28 else f"RTT {rtt}"
                options.append(Option(_rule(done, width), disabled=True))
            prev_dir = m.direction
            for rc in record_crypto(conn, i):
                if epochs[m.direction] != rc.epoch:
                    epochs[m.direction] = rc.epoch
                    text = f"{m.direction} → {rc.epoch} keys"
                    if len(text) + 4 > width:
                        text = f"{m.direction}: {rc.epoch} keys"
                    if len(text) + 4 > width:
                        text = f"{m.direction}: {rc.epoch.replace('application', 'app')} keys"
                    options.append(Option(_rule(text, width, style="yellow"), disabled=True))
                break
            self._option_of[i] = len(options)
            self._message_of[len(options)] = i
            options.append(
                Option(
                    _arrow(
                        m.direction,
                        _name(m.type, m, width),
                        width,
                        m.encrypted,
                        _mark(m, fin),
                        bool(m.diagnostics),
                    )
                )
            )
        total = sum(cost.by_direction.values())
        rt = "?" if cost.round_trips is None else str(cost.round_trips)
        foot = f"{rt} RTT · {len(cost.flights)} flights · {total:,} B"
        options.append(Option(Text(foot[:width], style="italic"), disabled=True))
        legend = f"{CLEAR} clear  {PROTECTED} protected"
        options.append(Option(Text(legend[:width], style="dim"), disabled=True))
        self.set_options(options)

    # -- messages up ----------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self._expect is not None:
            if event.option_index == self._expect:
                self._expect = None
            return  # ours, or older than ours
        index = self._message_of.get(event.option_index)
        if index is not None:
            self.post_message(MessageSelected(index))


def _name(type_: str, m: object, width: int) -> str:
    if type_ == "ServerHello" and getattr(getattr(m, "body", None), "is_hrr", False):
        type_ = "HelloRetryRequest"
    if len(type_) > width - 10:
        type_ = SHORT.get(type_, type_)
    return type_


def _mark(m: object, fin: dict[str, bool | None]) -> str:
    if getattr(m, "type", "") != "Finished":
        return ""
    ok = fin.get(getattr(m, "direction", ""))
    return " ✔" if ok else " ✘" if ok is False else ""


def _arrow(direction: str, name: str, width: int, locked: bool, mark: str, warn: bool) -> Text:
    label = f"{name}{mark}{' ⚠' if warn else ''}"
    line = PROTECTED if locked else CLEAR
    shaft = max(2, width - len(label) - 3)
    text = Text()
    if direction == "client":
        text.append(label, style="bold cyan" if not warn else "bold red")
        text.append(" " + line * shaft + "▶", style="cyan")
    else:
        text.append("◀" + line * shaft + " ", style="magenta")
        text.append(label, style="bold magenta" if not warn else "bold red")
    return text


def _rule(label: str, width: int, style: str = "dim") -> Text:
    label = f" {label} "
    side = max(0, width - len(label))
    left = side // 2
    return Text("┈" * left + label + "┈" * (side - left), style=style)
