"""The explorer under Pilot: stepping, the tree and the hex view selecting each
other (on a message split over records), the keys and record panes, compare,
the live form and the connection list of a big capture."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CAPTURES, need_tool
from tlsviz.ui.app import TlsvizApp
from tlsviz.ui.messages import FieldSelected
from tlsviz.ui.screens.explorer import ExplorerScreen
from tlsviz.ui.sources import Source, bundled_source
from tlsviz.ui.widgets.field_tree import FieldTree
from tlsviz.ui.widgets.hex_view import HexView
from tlsviz.ui.widgets.ladder import Ladder

SIZE = (120, 40)


def _text(widget: Any) -> str:
    """What a Static-based panel shows, as plain text."""
    from rich.console import Console

    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    from textual.widgets import Static

    static = widget if isinstance(widget, Static) else widget.query_one(Static)
    console.print(static.content)
    return console.export_text()


async def _explorer(app: TlsvizApp, pilot: Any) -> ExplorerScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, ExplorerScreen), type(app.screen).__name__
    return app.screen


async def test_stepping_from_every_pane() -> None:
    app = TlsvizApp(bundled_source("tls13-aes128gcm"))
    async with app.run_test(size=SIZE) as pilot:
        ex = await _explorer(app, pilot)
        conn = ex.conn
        assert ex.pos.message == 0
        for pane in ("#ladder", "#tree", "#hex"):
            app.screen.query_one(pane).focus()
            before = ex.pos.message
            await pilot.press("n")
            assert ex.pos.message == before + 1, pane
        await pilot.press("p")
        assert ex.pos.message == 2
        await pilot.press("end")
        assert ex.pos.message == len(conn.messages) - 1
        assert app.screen.query_one(Ladder).message_index == ex.pos.message
        await pilot.press("home")
        assert ex.pos.message == 0
        # the field selected in a message is still selected when coming back to it
        ex.go_to(1, "server_hello.random")
        assert ex.selected is not None and ex.selected.key == "server_hello.random"
        await pilot.press("n", "p")
        assert ex.selected is not None and ex.selected.key == "server_hello.random"


async def test_play_steps_by_itself() -> None:
    app = TlsvizApp(bundled_source("tls13-aes128gcm"))
    async with app.run_test(size=SIZE) as pilot:
        ex = await _explorer(app, pilot)
        ex.pace = 0.5
        await pilot.press("space")
        await pilot.pause(1.3)
        await pilot.press("space")
        assert ex.pos.message >= 2


async def test_keys_and_record_panes_tls13() -> None:
    app = TlsvizApp(bundled_source("tls13-aes128gcm"))
    async with app.run_test(size=SIZE) as pilot:
        ex = await _explorer(app, pilot)
        conn = ex.conn
        sh = next(i for i, m in enumerate(conn.messages) if m.type == "ServerHello")
        ex.go_to(sh)
        await pilot.press("k")
        keys = _text(app.screen.query_one("#keys"))
        # the ServerHello makes the handshake secrets: from the key log, keys derived
        assert "client_handshake_traffic_secret" in keys and "key log" in keys
        assert "server_handshake_write_key" in keys and "derived" in keys
        assert "ephemeral private key" in keys  # what is missing, in one sentence
        fin = next(i for i, m in enumerate(conn.messages)
                   if m.type == "Finished" and m.direction == "server")  # fmt: skip
        ex.go_to(fin)
        await pilot.press("r")
        record = _text(app.screen.query_one("#record"))
        (rc,) = conn.key_state(fin).records
        d = rc.decryption
        assert "authenticated" in record and "handshake keys" in record
        assert d.iv.hex(" ") in record and d.nonce is not None and d.nonce.hex(" ") in record
        assert "⊕ seq" in record and "= nonce" in record
        # the Finished messages carry their verification mark in the ladder
        ladder = app.screen.query_one(Ladder)
        prompts = [str(ladder.get_option_at_index(i).prompt) for i in range(ladder.option_count)]
        assert sum("Finished ✔" in p for p in prompts) == 2


async def test_keys_and_record_panes_tls12() -> None:
    app = TlsvizApp(bundled_source("tls12-ecdhe-rsa-aes128gcm"))
    async with app.run_test(size=SIZE) as pilot:
        ex = await _explorer(app, pilot)
        conn = ex.conn
        cke = next(i for i, m in enumerate(conn.messages) if m.type == "ClientKeyExchange")
        ex.go_to(cke)
        await pilot.press("k")
        assert "master_secret" in _text(app.screen.query_one("#keys"))
        data = next(i for i, m in enumerate(conn.messages) if m.type == "ApplicationData")
        ex.go_to(data)
        await pilot.press("r")
        record = _text(app.screen.query_one("#record"))
        (rc,) = conn.key_state(data).records
        # TLS 1.2 GCM: a 4-byte salt and an explicit 8-byte nonce part (RFC 5288 §3)
        assert rc.decryption.key.hex(" ") in record
        assert rc.decryption.nonce is not None and rc.decryption.nonce.hex(" ") in record
        await pilot.press("c")
        certs = _text(app.screen.query_one("#certificates"))
        assert "Server chain" in certs and "localhost" in certs
        await pilot.press("o")
        cost = _text(app.screen.query_one("#cost"))
        assert "2 round trips" in cost
        await pilot.press("a")
        assert "HTTP/1." in _text(app.screen.query_one("#conversation"))


async def test_a_pick_made_in_the_tree_of_another_message_is_stale() -> None:
    """The tree's picks come as messages: one that arrives after the explorer
    moved on (a follower driven by its classroom) must not select that path
    in the new message (it left followers 'exploring on their own')."""
    app = TlsvizApp(bundled_source("tls13-aes128gcm"))
    async with app.run_test(size=SIZE) as pilot:
        ex = await _explorer(app, pilot)
        tree = app.screen.query_one(FieldTree)
        ex.go_to(0, "client_hello.random")
        await pilot.pause()
        first, deep = tree.message, ex.pos.path
        tree.post_message(FieldSelected((), deep, first))  # picked, not yet handled
        ex.go_to(1, "server_hello.cipher_suite")
        wanted = ex.pos.path
        assert wanted != deep
        await pilot.pause()
        await pilot.pause()
        assert ex.pos.message == 1 and ex.pos.path == wanted
        assert ex.selected is not None and ex.selected.key == "server_hello.cipher_suite"
        # a pick in the tree that is shown still selects
        tree.post_message(FieldSelected((), (0,), tree.message))
        await pilot.pause()
        assert ex.pos.path == (0,)


async def test_tree_and_hex_select_each_other_on_a_bundled_message() -> None:
    app = TlsvizApp(bundled_source("tls13-aes128gcm"))
    async with app.run_test(size=SIZE) as pilot:
        ex = await _explorer(app, pilot)
        ex.go_to(0, "client_hello.random")
        hexv = app.screen.query_one(HexView)
        ref = ex.selected
        assert ref is not None
        expected = {(s.buffer, o) for s in ref.spans for o in range(s.offset, s.end)}
        assert hexv.selected == expected
        # a click on the first byte of the cipher suites selects that field
        field = ex.message.find("client_hello.cipher_suites")
        assert field is not None
        (span,) = ex.message.spans(field)
        await _click_byte(pilot, hexv, span.buffer, span.offset + 1)
        assert ex.selected is not None and ex.selected.field is not None
        assert ex.selected.field.name in ("cipher_suites", "cipher_suite")
        assert app.screen.query_one(FieldTree).cursor_node.data is ex.selected  # type: ignore[union-attr]


async def _click_byte(pilot: Any, hexv: HexView, buffer: Any, offset: int) -> None:
    """Click the hex cell of one byte (computed from the view's own layout)."""
    y = hexv._line_of(buffer, offset)
    assert y is not None
    hexv.scroll_to(y=y, animate=False)
    await pilot.pause()
    line = hexv._lines[y]
    k = offset - line.first
    x = 8 + 3 * k + (1 if hexv._per_line == 16 and k >= 8 else 0)
    # +1: the view's border
    await pilot.click(HexView, offset=(x + 1, y - hexv.scroll_offset.y + 1))


@pytest.fixture(scope="module")
def split_capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh TLS 1.2 handshake whose server writes 512-byte records: its
    Certificate message is split over two records in the TCP stream."""
    for tool in ("openssl", "tcpdump"):
        need_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("tcpdump on lo needs root")
    from captures.peers import Scenario, record_handshake

    sc = Scenario("uisplit", version="1.2", cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                  pki="rsa", server_extra=("-max_send_frag", "512"))  # fmt: skip
    rec = record_handshake(sc, tmp_path_factory.mktemp("uisplit"))
    return rec.pcap, rec.keylog


async def test_tree_and_hex_on_a_message_split_over_records(split_capture) -> None:  # type: ignore[no-untyped-def]
    from tlsviz.keys.loading import load_key_material

    pcap, keylog = split_capture
    app = TlsvizApp(Source("split", str(pcap), load_key_material([keylog])))
    async with app.run_test(size=(160, 50)) as pilot:
        ex = await _explorer(app, pilot)
        cert = next(i for i, m in enumerate(ex.conn.messages) if m.type == "Certificate")
        ex.go_to(cert, "certificate.cert_data")
        ref = ex.selected
        assert ref is not None and len(ref.spans) == 2  # cut at the record boundary
        hexv = app.screen.query_one(HexView)
        first, second = ref.spans
        # the 5-byte header between the two pieces is not highlighted
        gap = {(first.buffer, o) for o in range(first.end, second.offset)}
        assert len(gap) == 5 and not gap & hexv.selected
        assert {(second.buffer, second.offset)} <= hexv.selected
        # a click in the second piece selects the deepest field there, in the tree
        app.screen.query_one(HexView).focus()
        await _click_byte(pilot, hexv, second.buffer, second.offset + 40)
        sel = ex.selected
        assert sel is not None and sel.depth > ref.depth
        assert any(s.offset <= second.offset + 40 < s.end for s in sel.spans)
        # while the tree has focus, the hex cursor does not move the tree (no loop)
        app.screen.query_one(FieldTree).focus()
        before = ex.selected
        hexv.action_move(1, 0)
        await pilot.pause()
        assert ex.selected is before


async def test_compare_two_bundled_connections() -> None:
    app = TlsvizApp(bundled_source("tls13-resumption"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.open_connection(1)
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        from tlsviz.ui.screens.compare import CompareScreen, PickOther

        assert isinstance(app.screen, PickOther)
        await pilot.press("enter")  # the first choice: the other connection of this capture
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        summary = _text(app.screen.query_one("#compare-summary"))
        assert "handshake bytes" in summary


async def test_live_form_runs_a_handshake_and_opens_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = TlsvizApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_new_live()
        await pilot.pause()
        from textual.widgets import Checkbox, Select

        from tlsviz.ui.screens.live_form import LiveForm

        form = app.screen
        assert isinstance(form, LiveForm)
        form.query_one("#version", Select).value = "1.2"
        form.query_one("#resume", Checkbox).value = True
        form.query_one("#no_ticket", Checkbox).value = True
        await pilot.click("#run")
        for _ in range(100):
            await pilot.pause(0.1)
            await app.workers.wait_for_complete()
            if isinstance(app.screen, ExplorerScreen) or len(app.connections) >= 2:
                break
        assert len(app.connections) == 2
        second = app.connections[max(app.connections)]
        assert second.version == "TLS 1.2" and second.keys is not None
        assert second.keys.status()[0] == "verified"
        from tlsviz.session.export import resumption_of

        assert resumption_of(second) is not None
        assert list((tmp_path / "tlsviz" / "recordings").iterdir())
        # tlsviz's own client was one side: the key schedule starts at the shared secret
        first = app.connections[min(app.connections)]
        ops = {r.step.operation for r in first.keys.step_reports()} if first.keys else set()
        assert "ECDHE" in ops


async def test_big_capture_fills_rows_then_opens_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A capture over the big-capture threshold lists summary rows first and
    decodes a connection only when it is opened."""
    import tlsviz.ui.sources as sources

    monkeypatch.setattr(sources, "BIG_CAPTURE", 1000)
    source = bundled_source("tls13-resumption")
    assert source.big
    app = TlsvizApp(source)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [r["id"] for r in app.rows] == [1, 18]
        assert app.connections == {}  # nothing decoded yet
        app.open_connection(18)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExplorerScreen)
        assert app.screen.conn.id == 18 and app.screen.conn.keys is not None
        assert app.screen.conn.keys.status()[0] == "verified"


async def test_a_broken_capture_is_one_sentence_in_a_dialog(tmp_path: Path) -> None:
    bad = tmp_path / "cut.pcap"
    data = (CAPTURES / "tls13-aes128gcm.pcap").read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    app = TlsvizApp(Source("cut", str(bad)))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        # a capture cut short still opens, with a warning rather than a traceback
        assert not any(type(s).__name__ == "ErrorDialog" for s in app.screen_stack)


async def test_themes_and_help() -> None:
    app = TlsvizApp(bundled_source("tls13-aes128gcm"), theme="tlsviz-high-contrast")
    async with app.run_test(size=(80, 24)) as pilot:
        await _explorer(app, pilot)
        assert app.theme == "tlsviz-high-contrast"
        await pilot.press("ctrl+t")
        assert app.theme != "tlsviz-high-contrast"
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert isinstance(app.screen, ExplorerScreen)
        assert app.screen.explorer.has_class("compact")
        await pilot.press("x")
        assert app.screen.query_one(HexView).display and not app.screen.query_one("#upper").display


async def test_a_dtls_association_in_every_pane() -> None:
    """DTLS like TLS: the ladder with the cookie exchange, the tree with the
    DTLS header fields, the hex view on the datagrams (the client buffer is its
    datagrams end to end), the keys and record panes with the epoch and
    sequence number each record names, the CoAP exchange in the conversation."""
    app = TlsvizApp(bundled_source("dtls12-psk-coap"))
    async with app.run_test(size=SIZE) as pilot:
        ex = await _explorer(app, pilot)
        conn = ex.conn
        assert conn.transport == "udp"
        ladder = app.screen.query_one(Ladder)
        prompts = [str(ladder.get_option_at_index(i).prompt) for i in range(ladder.option_count)]
        assert any("HelloVerifyRequest" in p for p in prompts)
        assert sum("Finished ✔" in p for p in prompts) == 2
        ex.go_to(0, "dtls.handshake.message_seq")
        assert ex.selected is not None and ex.selected.key == "dtls.handshake.message_seq"
        hexv = app.screen.query_one(HexView)
        expected = {(s.buffer, o) for s in ex.selected.spans for o in range(s.offset, s.end)}
        assert hexv.selected == expected
        # a click on the cookie's bytes in the second ClientHello selects the cookie
        again = next(i for i, m in enumerate(conn.messages) if m.type == "ClientHello" and i)
        ex.go_to(again)
        field = ex.message.find("client_hello.cookie")
        assert field is not None and field.length > 0
        (span,) = ex.message.spans(field)
        await _click_byte(pilot, hexv, span.buffer, span.offset + 1)
        assert ex.selected is not None and ex.selected.key == "client_hello.cookie"
        psk = next(i for i, m in enumerate(conn.messages) if m.type == "ClientKeyExchange")
        ex.go_to(psk)
        await pilot.press("k")
        assert "master_secret" in _text(app.screen.query_one("#keys"))
        data = next(i for i, m in enumerate(conn.messages) if m.type == "ApplicationData")
        ex.go_to(data)
        await pilot.press("r")
        record = _text(app.screen.query_one("#record"))
        (rc,) = conn.key_state(data).records
        assert "epoch 1" in record and rc.decryption.key.hex(" ") in record
        await pilot.press("a")
        assert "CoAP ACK 2.05 Content" in _text(app.screen.query_one("#conversation"))
        await pilot.press("o")
        assert "3 round trips" in _text(app.screen.query_one("#cost"))


async def test_each_connection_opens_where_it_was_left() -> None:
    """List, open one, step, back to the list ('l'), open the other, back, the
    first again: each shows its own messages from where the user left it (the
    explorer's widgets are kept between openings, their contents are not)."""
    from tlsviz.ui.screens.connections import ConnectionsScreen

    app = TlsvizApp(bundled_source("tls13-resumption"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)
        first, second = sorted(app.connections)
        app.open_connection(first)
        await pilot.pause()
        ex = app.screen
        assert isinstance(ex, ExplorerScreen) and ex.conn.id == first
        await pilot.press("n", "n", "n")
        assert ex.explorer.pos.message == 3
        await pilot.press("l")
        assert isinstance(app.screen, ConnectionsScreen)
        app.open_connection(second)
        await pilot.pause()
        again = app.screen
        assert isinstance(again, ExplorerScreen) and again.conn.id == second
        assert again.explorer.pos.message == 0
        shown = app.connections[second].messages
        assert again.query_one(Ladder).message_index == 0 and len(shown) != len(
            app.connections[first].messages
        )
        header = str(again.query_one("#explorer-header").render())
        assert "2 of 2" in header
        await pilot.press("n")
        await pilot.press("l")
        app.open_connection(first)
        await pilot.pause()
        back = app.screen
        assert isinstance(back, ExplorerScreen) and back.conn.id == first
        assert back.explorer.pos.message == 3 and back.query_one(Ladder).message_index == 3
        assert "1 of 2" in str(back.query_one("#explorer-header").render())
        assert back.explorer.message is app.connections[first].messages[3]


async def test_a_preloaded_capture_of_several_connections_lists_them() -> None:
    """``tlsviz open FILE`` reads the file in a thread while the interface starts;
    with more than one connection the list shows them all (it stayed empty,
    "reading…", when the thread had finished first)."""
    from tlsviz.ui.screens.connections import ConnectionsScreen
    from tlsviz.ui.sources import Preload

    source = bundled_source("tls13-resumption")
    preload = Preload(source)
    assert preload.done.wait(30) and len(preload.connections) == 2
    app = TlsvizApp(source, preload=preload)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        header = ""
        for _ in range(100):  # the rows and the header come from the reading thread
            await pilot.pause(0.05)
            screen = app.screen
            assert isinstance(screen, ConnectionsScreen)
            header = str(screen.query_one("#connections-header").render())
            if "TLS connections" in header:
                break
        assert "2 TLS connections" in header
        assert screen.count == 2 and sorted(app.connections) == [1, 18]
