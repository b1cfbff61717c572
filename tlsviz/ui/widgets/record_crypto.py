"""How the selected message's records were opened: every input of record protection.

For an AEAD record the nonce is shown as the XOR it is: the static IV, the
64-bit sequence number left-padded to the IV's length, and their XOR (RFC 8446
§5.3, RFC 5288 §3 for TLS 1.2 GCM's explicit part); then the additional data,
the tag, the ciphertext and the plaintext.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...session.model import Connection
from ...session.timeline import RecordCrypto, record_crypto


class RecordPanel(VerticalScroll):
    DEFAULT_CSS = """
    RecordPanel { padding: 0 1; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="record-body")

    def show(self, conn: Connection, index: int) -> None:
        width = self.scrollable_content_region.width or 100
        self.query_one("#record-body", Static).update(render_records(conn, index, width))


def _hex(b: bytes | None, width: int) -> str:
    if b is None:
        return "—"
    h = b.hex(" ")
    return h if len(h) <= width else h[: width - 1] + "…"


def render_records(conn: Connection, index: int, width: int) -> RenderableType:
    m = conn.messages[index]
    crypto = record_crypto(conn, index)
    if not m.encrypted:
        return Text(
            f"{m.type} travelled in the clear: its record"
            f"{'s are' if len(m.records) > 1 else ' is'} not protected, so anyone on the "
            "path reads these bytes as they are.",
        )
    if not crypto:
        return Text(
            "This record is protected, but tlsviz has no keys for it: with the connection's "
            "key log (--keylog) the record would be decrypted here step by step.",
            style="italic",
        )
    parts: list[RenderableType] = []
    w = max(24, width - 20)
    for rc in crypto:
        parts.append(_one(rc, w))
    return Group(*parts)


def _one(rc: RecordCrypto, w: int) -> RenderableType:
    d = rc.decryption
    rec = rc.record
    number = f"sequence number {d.seq}"
    rn = d.record_number
    if rn is not None:  # DTLS 1.3: the epoch and the unmasked sequence number
        number = f"epoch {rn.epoch}, record {rn.seq}"
    elif rec.epoch is not None:  # DTLS 1.0/1.2: epoch and sequence number from the record
        number = f"epoch {d.seq >> 48}, record {d.seq & 0xFFFF_FFFF_FFFF}"
    title = Text(
        f"Record at {rec.offset}: {rec.length} bytes, {rc.epoch} keys, {number} — ",
        style="bold",
    )
    title.append(
        "authenticated ✔" if d.ok else f"failed ✘ ({d.error})",
        style="bold green" if d.ok else "bold red",
    )
    t = Table(box=None, show_header=False, pad_edge=False)
    t.add_column(style="bold", no_wrap=True, min_width=16)
    t.add_column(no_wrap=True, overflow="ellipsis")
    t.add_row("key", _hex(d.key, w))
    if rn is not None:  # RFC 9147 §4.2.3: the mask that hid the sequence number bits
        t.add_row("sn_key", _hex(rn.sn_key, w))
        t.add_row("sample", _hex(rn.sample, w))
        t.add_row("seq bits", f"{rn.encrypted.hex()} ⊕ mask {rn.mask.hex()} = {rn.decrypted.hex()}")
    if d.nonce is not None and len(d.iv) == len(d.nonce):
        seq = d.seq.to_bytes(len(d.iv), "big")
        t.add_row("  IV", _hex(d.iv, w))
        t.add_row("⊕ seq", _hex(seq, w))
        t.add_row("= nonce", Text(_hex(d.nonce, w), style="bold"))
    else:
        t.add_row("IV" if d.explicit_iv is None else "salt", _hex(d.iv, w))
        if d.explicit_iv is not None:
            t.add_row("explicit IV", _hex(d.explicit_iv, w))
        if d.nonce is not None:
            t.add_row("nonce", Text(_hex(d.nonce, w), style="bold"))
    if d.aad is not None:
        t.add_row("additional data", _hex(d.aad, w))
    if d.tag is not None:
        t.add_row("tag", _hex(d.tag, w))
    if d.mac is not None:
        ok = "" if d.mac_ok is None else " ✔" if d.mac_ok else " ✘"
        t.add_row("MAC", _hex(d.mac, w) + ok)
    t.add_row("ciphertext", _hex(rec.fragment, w))
    t.add_row("plaintext", _hex(d.plaintext, w))
    if d.content_type and d.protected:
        t.add_row("inner type", str(d.content_type))
    if d.padding_len:
        t.add_row("padding", f"{d.padding_len} bytes")
    return Group(title, t, Text(""))
