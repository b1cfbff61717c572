"""tlsviz's sans-IO peer on its own: both ends in memory, no sockets.

These check the machinery the interop tests rely on: feeding one byte at a
time equals feeding everything; every suite, group and mode completes with the
two ends agreeing on every secret; records sealed here open with the decoder's
own record protection; bad input becomes the alert the RFC names; the secrets
block parser never raises.
"""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from tlsviz.capture.pki import make_pki
from tlsviz.keys.peer_secrets import parse_peer_secrets
from tlsviz.keys.protection import RecordDecryptor
from tlsviz.keys.seal import RecordSealer
from tlsviz.peer import Client, Entropy, ExternalPsk, Identity, PeerConfig, Server, ServerState
from tlsviz.peer.events import AlertReceived, HandshakeComplete, HandshakeFailed, SessionReady
from tlsviz.peer.keyshare import SUPPORTED_GROUPS
from tlsviz.peer.tickets import TicketState, open_ticket, seal_ticket
from tlsviz.peer.trust import check_chain
from tlsviz.wire import registry as reg
from tlsviz.wire.registry import AlertDescription, PskKeyExchangeMode

TLS12, TLS13 = 0x0303, 0x0304


def _der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def pki() -> dict[str, object]:
    out: dict[str, object] = {}
    for kind in ("ec", "rsa"):
        p = make_pki("localhost", kind=kind, entropy=Entropy(1).child("pki"))
        key = serialization.load_pem_private_key(p.server_key, None)
        out[kind] = (Identity((_der(p.server_cert),), key), _der(p.ca_cert))  # type: ignore[arg-type]
    return out


def _pair(
    pki: dict[str, object], kind: str = "ec", *, seed: int | None = 3,
    state: ServerState | None = None,
    client: dict[str, object] | None = None, server: dict[str, object] | None = None,
) -> tuple[Client, Server]:  # fmt: skip
    identity, ca = pki[kind]  # type: ignore[misc]
    root = Entropy(seed)
    c = Client(
        PeerConfig(
            server_name="localhost", trust=(ca,), entropy=root.child("client"), **(client or {})
        )
    )  # type: ignore[arg-type]
    s = Server(
        PeerConfig(
            identity=identity,
            entropy=root.child("server"),
            server_state=state or ServerState.new(root.child("server")),
            **(server or {}),
        )
    )  # type: ignore[arg-type]
    return c, s


def _run(c: Client, s: Server, *, chunk: int | None = None) -> tuple[list[object], list[object]]:
    c.start()
    events: tuple[list[object], list[object]] = ([], [])
    for _ in range(50):
        moved = False
        for src, dst in ((c, s), (s, c)):
            data = src.data_to_send()
            moved = moved or bool(data)
            step = chunk or max(1, len(data))
            for i in range(0, len(data), step):
                dst.receive_data(data[i : i + step])
        for peer, out in ((c, events[0]), (s, events[1])):
            while (e := peer.next_event()) is not None:
                out.append(e)
        if not moved:
            break
    return events


def _complete(events: list[object]) -> HandshakeComplete:
    done = [e for e in events if isinstance(e, HandshakeComplete)]
    assert done, events
    return done[0]


def test_byte_at_a_time_equals_all_at_once(pki: dict[str, object]) -> None:
    """STYLE habit 1: feeding one byte at a time gives the same bytes and secrets."""
    results = []
    for chunk in (None, 1):
        c, s = _pair(pki, client={"versions": (TLS13,)})
        events = _run(c, s, chunk=chunk)
        _complete(events[0])
        results.append((c.keylog, s.keylog, bytes(c.transcript), bytes(s.transcript)))
    assert results[0] == results[1]
    assert results[0][0] == results[0][1]  # both ends derived the same secrets


@pytest.mark.parametrize("suite", [0x1301, 0x1302, 0x1303, 0x1304, 0x1305])
@pytest.mark.parametrize("group", SUPPORTED_GROUPS)
def test_every_tls13_suite_and_group(pki: dict[str, object], suite: int, group: int) -> None:
    c, s = _pair(pki, client={"suites": (suite,), "groups": (group,)},
                 server={"suites": (suite,), "groups": (group,)})  # fmt: skip
    cev, sev = _run(c, s)
    done = _complete(cev)
    assert (done.suite, done.group) == (suite, group)
    assert c.keylog == s.keylog and len(c.keylog) == 5
    _complete(sev)


@pytest.mark.parametrize(
    ("suite", "kind"),
    [(0xC02B, "ec"), (0xC02C, "ec"), (0xCCA9, "ec"), (0xC02F, "rsa"), (0xC030, "rsa"),
     (0xCCA8, "rsa"), (0xC0AE, "ec")],
)  # fmt: skip
@pytest.mark.parametrize("ems", [True, False])
def test_tls12_suites(pki: dict[str, object], suite: int, kind: str, ems: bool) -> None:
    cfg = {"versions": (TLS12,), "suites": (suite,), "ems": ems}
    c, s = _pair(pki, kind, client=cfg, server=cfg)
    done = _complete(_run(c, s)[0])
    assert done.suite == suite and c.ems is ems and s.ems is ems
    assert c.keylog == s.keylog


def test_hello_retry_and_tls13_resumption_modes(pki: dict[str, object]) -> None:
    # the real clock for both connections: a ticket's age must come out right
    c, s = _pair(pki, seed=None, client={"groups": (29, 23), "key_share_groups": (23,)},
                 server={"groups": (29,)})  # fmt: skip
    cev, _ = _run(c, s)
    assert _complete(cev).group == 29 and c._hrr
    session = next(e.session for e in cev if isinstance(e, SessionReady))
    for mode, with_share in (
        (PskKeyExchangeMode.psk_dhe_ke, True),
        (PskKeyExchangeMode.psk_ke, False),
    ):
        c2, s2 = _pair(pki, seed=None, state=s.state_shared,
                       client={"session": session, "psk_modes": (mode,)},
                       server={"psk_modes": (mode,)})  # fmt: skip
        done = _complete(_run(c2, s2)[0])
        assert done.resumed and (done.group is not None) is with_share
        assert c2.keylog == s2.keylog


def test_external_psk_tls13_and_tls12(pki: dict[str, object]) -> None:
    psk = ExternalPsk(b"device-7", bytes(range(32)), hint=b"hint")
    c, s = _pair(pki, client={"psk": psk, "versions": (TLS13,)}, server={"psk": psk})
    assert _complete(_run(c, s)[0]).resumed
    cfg = {"psk": psk, "versions": (TLS12,), "suites": (0xC0A8,)}
    c, s = _pair(pki, client=cfg, server=cfg)
    assert _complete(_run(c, s)[0]).suite == 0xC0A8
    wrong = ExternalPsk(b"device-7", bytes(32))
    c, s = _pair(pki, client={"psk": wrong, "versions": (TLS13,)}, server={"psk": psk})
    _, sev = _run(c, s)
    assert any(isinstance(e, HandshakeFailed) and e.alert == AlertDescription.decrypt_error
               for e in sev)  # the binder does not verify (RFC 8446 §4.2.11)  # fmt: skip


def test_unexpected_message_gets_unexpected_message(pki: dict[str, object]) -> None:
    _, s = _pair(pki)
    finished = bytes([22, 3, 3, 0, 8, 20, 0, 0, 4]) + bytes(4)
    s.receive_data(finished)
    failed = [e for e in iter(s.next_event, None) if isinstance(e, HandshakeFailed)]
    assert failed[0].alert == AlertDescription.unexpected_message
    assert "expected ClientHello" in failed[0].reason
    assert s.data_to_send() == bytes([21, 3, 3, 0, 2, 2, AlertDescription.unexpected_message])


def test_close_notify_is_answered(pki: dict[str, object]) -> None:
    c, s = _pair(pki)
    _run(c, s)
    c.close()
    s.receive_data(c.data_to_send())
    assert any(
        isinstance(e, AlertReceived) and e.description == 0 for e in iter(s.next_event, None)
    )
    assert s.state == "closed" and s.data_to_send()  # its own close_notify


@pytest.mark.parametrize("code", [0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xC02B, 0xC02C,
                                  0xCCA9, 0xC0A8, 0xC0AE])  # fmt: skip
def test_sealed_records_open_with_the_decoders_protection(code: int) -> None:
    info = reg.SUITES[code]
    key, iv = bytes(range(info.key_len)), bytes(range(100, 100 + info.iv_len))
    version = TLS13 if info.tls13 else TLS12
    sealer = RecordSealer(info, key, iv, tls13=info.tls13)
    opener = RecordDecryptor.for_suite(info, key=key, iv=iv, version=version)
    for payload in (b"hello", b"", bytes(300)):
        record = sealer.seal(23, payload)
        result = opener.decrypt(record[0], int.from_bytes(record[1:3], "big"), record[5:])
        assert result.ok and result.plaintext == payload and result.content_type == 23
    sealer.tamper = True
    record = sealer.seal(22, b"one flipped bit")
    assert not opener.decrypt(record[0], 0x0303, record[5:]).ok


def test_tickets_open_only_when_untouched() -> None:
    state = ServerState.new(Entropy(9))
    ticket = TicketState(TLS13, 0x1301, 1.5, 77, 0, False, bytes(32), "h2", "localhost")
    sealed = seal_ticket(state, ticket, Entropy(9))
    assert open_ticket(state, sealed) == ticket
    assert open_ticket(state, sealed[:-1] + bytes([sealed[-1] ^ 1])) is None
    assert open_ticket(ServerState.new(Entropy(10)), sealed) is None


def test_certificate_checks() -> None:
    now = Entropy(1).now()
    for flaw, alert in (("expired", "certificate_expired"), ("wrong-name", "bad_certificate"),
                        ("untrusted", "unknown_ca"), (None, None)):  # fmt: skip
        p = make_pki("localhost", entropy=Entropy(1).child("pki"), flaw=flaw)
        verdict = check_chain([_der(p.server_cert)], [_der(p.ca_cert)], "localhost", now)
        assert (reg.alert_name(verdict.alert) if verdict.alert else None) == alert, verdict


def test_entropy_is_reproducible_and_labelled() -> None:
    a, b = Entropy(4), Entropy(4)
    assert a.bytes(40, "x") == b.bytes(40, "x") != Entropy(5).bytes(40, "x")
    assert a.child("client").bytes(8, "r") != a.child("server").bytes(8, "r")
    assert Entropy(None).bytes(16, "x") != Entropy(None).bytes(16, "x")


@given(st.text(max_size=400))
def test_peer_secrets_parser_never_raises(text: str) -> None:
    found = parse_peer_secrets(text)
    assert len(found.problems) <= len(text.splitlines())


def test_peer_secrets_round_trip(pki: dict[str, object]) -> None:
    c, s = _pair(pki, client={"psk": ExternalPsk(b"id", bytes(32)), "versions": (TLS13,)},
                 server={"psk": ExternalPsk(b"id", bytes(32))})  # fmt: skip
    _run(c, s)
    found = parse_peer_secrets("\n".join(c.secrets + s.secrets))
    assert not found.problems
    assert found.psks == {b"id": ("external", bytes(32))}
    assert {k.group for k in found.ephemeral} == {"x25519"}
