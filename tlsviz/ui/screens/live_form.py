"""New live handshake: the choices of ``tlsviz record``, run in a worker, then explored."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

SIDES = [("Python's ssl (OpenSSL)", "openssl"), ("tlsviz glass-box peer", "tlsviz")]
GROUPS = [
    ("default", ""),
    ("x25519", "x25519"),
    ("secp256r1", "secp256r1"),
    ("secp384r1", "secp384r1"),
    ("HelloRetryRequest: offer P-256, server x25519", "hrr"),
]


def _experiments() -> list[tuple[str, str]]:
    from ...peer.experiments import EXPERIMENTS

    return [("none", "")] + [(f"{e.name}: {e.title}", e.name) for e in EXPERIMENTS.values()]


VERSIONS = [("TLS 1.3", "1.3"), ("TLS 1.2", "1.2"), ("either (1.3 wins)", "")]
SUITES = [
    ("default", ""),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (1.2)", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (1.2)",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 (1.2)", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (1.2, RSA)", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256 (1.2, RSA key exchange)", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
]


class LiveForm(ModalScreen[dict[str, Any] | None]):
    """Returns the options for :func:`tlsviz.ui.sources.run_demo` (or a remote run)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "cancel")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog live-dialog"):
            yield Static(
                "[b]New live handshake[/b] — a real TLS handshake performed now, in this "
                "process over loopback, recorded with its keys and opened. With tlsviz's "
                "glass-box peer on one side, every secret is on the record: the key schedule "
                "starts at the ephemeral keys and the shared secret.",
                classes="dialog-text",
            )
            with Grid(classes="form-grid"):
                yield Label("client")
                yield Select(SIDES, value="tlsviz", allow_blank=False, id="client", compact=True)
                yield Label("server")
                yield Select(SIDES, value="openssl", allow_blank=False, id="server", compact=True)
                yield Label("or a server")
                yield Input(
                    placeholder="HOST:PORT (empty: in this process)", id="target", compact=True
                )
                yield Label("version")
                yield Select(VERSIONS, value="1.3", allow_blank=False, id="version", compact=True)
                yield Label("cipher suite")
                yield Select(SUITES, value="", allow_blank=False, id="cipher", compact=True)
                yield Label("groups")
                yield Select(GROUPS, value="", allow_blank=False, id="group", compact=True)
                yield Label("experiment")
                yield Select(
                    _experiments(), value="", allow_blank=False, id="experiment", compact=True
                )
                yield Label("ALPN")
                yield Input(placeholder="e.g. h2,http/1.1", id="alpn", compact=True)
                yield Label("SNI")
                yield Input(placeholder="localhost", id="sni", compact=True)
                yield Label("seed")
                yield Input(
                    placeholder="a number: the same bytes every run", id="seed", compact=True
                )
            with Horizontal(classes="form-checks"):
                yield Checkbox("mutual TLS", id="mtls", compact=True)
                yield Checkbox("resume", id="resume", compact=True)
                yield Checkbox("no tickets", id="no_ticket", compact=True)
                yield Checkbox("RSA certs", id="rsa", compact=True)
                yield Checkbox("MQTT", id="mqtt", compact=True)
                yield Checkbox("IPv6", id="ipv6", compact=True)
            with Horizontal(classes="form-row"):
                yield Button("Run it", variant="primary", id="run", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#run", Button).focus()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#run")
    def _run(self) -> None:
        self.dismiss(self.options())

    def options(self) -> dict[str, Any]:
        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value.strip()

        def flag(name: str) -> bool:
            return self.query_one(f"#{name}", Checkbox).value

        version = self.query_one("#version", Select).value
        cipher = self.query_one("#cipher", Select).value
        alpn = [a for a in text("alpn").split(",") if a.strip()]
        seed = text("seed")
        return {
            "client": self.query_one("#client", Select).value,
            "server": self.query_one("#server", Select).value,
            "group": self.query_one("#group", Select).value or None,
            "experiment": self.query_one("#experiment", Select).value or None,
            "seed": int(seed) if seed.isdigit() else None,
            "target": text("target") or None,
            "version": version or None,
            "cipher": cipher or None,
            "alpn": alpn,
            "sni": text("sni") or None,
            "mtls": flag("mtls"),
            "resume": flag("resume"),
            "no_ticket": flag("no_ticket"),
            "rsa": flag("rsa"),
            "mqtt": flag("mqtt"),
            "ipv6": flag("ipv6"),
        }
