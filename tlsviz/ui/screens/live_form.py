"""New live handshake: the choices of ``tlsviz record``, run in a worker, then explored."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

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
                "[b]New live handshake[/b] — a real TLS handshake performed now "
                "(Python's ssl, OpenSSL on both sides, in this process: no network), "
                "recorded with its keys and opened.",
                classes="dialog-text",
            )
            yield Label("Server: leave empty for the in-process server, or HOST:PORT")
            yield Input(placeholder="e.g. 127.0.0.1:8443", id="target")
            with Horizontal(classes="form-row"):
                yield Select(VERSIONS, value="1.3", allow_blank=False, id="version")
                yield Select(SUITES, value="", allow_blank=False, id="cipher")
            with Horizontal(classes="form-row"):
                yield Input(placeholder="ALPN, e.g. h2,http/1.1", id="alpn")
                yield Input(placeholder="SNI (default localhost)", id="sni")
            with Horizontal(classes="form-row"):
                yield Checkbox("mutual TLS", id="mtls")
                yield Checkbox("resume a second time", id="resume")
                yield Checkbox("no tickets (1.2 resumes by session ID)", id="no_ticket")
            with Horizontal(classes="form-row"):
                yield Checkbox("RSA certificates", id="rsa")
                yield Checkbox("MQTT instead of HTTP", id="mqtt")
                yield Checkbox("IPv6 (::1)", id="ipv6")
            with Horizontal(classes="form-row"):
                yield Button("Run it", variant="primary", id="run")
                yield Button("Cancel", id="cancel")

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
        return {
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
