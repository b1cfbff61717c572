"""One row of ``decode --summary``: the facts of one connection.

The keys of :meth:`Summary.to_json` are those of ``decode --json`` (a test
compares every key both give, connection by connection); names of versions,
suites and groups come from the same registry.
"""

from __future__ import annotations

import functools
from typing import Any

from .._slots import Slotted
from ..wire.printable import printable
from .hellos import HelloFacts


@functools.cache
def _registry() -> Any:
    """The IANA names, loaded at the first row (after the summary has forked
    its workers, so that each loads them alongside the others)."""
    from ..wire import registry

    return registry


# the names of the codes met so far (a capture has few versions, suites and
# groups; every row names three)


@functools.cache
def _version_name(v: int) -> str:
    return str(_registry().version_name(v))


@functools.cache
def _suite_name(v: int) -> str:
    return str(_registry().suite_name(v))


@functools.cache
def _group_name(v: int) -> str:
    return str(_registry().group_name(v))


class Summary(Slotted):
    """The facts of one connection; the keys are those of ``decode --json``."""

    __slots__ = (
        "by_syn",
        "client",
        "closed",
        "end_time",
        "errors",
        "facts",
        "id",
        "keys",
        "server",
        "start_time",
        "transport",
    )

    def __init__(
        self,
        id: int,
        client: str,
        server: str,
        start_time: float | None = None,
        *,
        facts: HelloFacts | None = None,
        by_syn: bool = False,
    ) -> None:
        self.id = id
        self.client = client
        self.server = server
        self.start_time = start_time
        self.end_time: float | None = None
        self.facts = facts if facts is not None else HelloFacts()
        self.keys: tuple[str, str] | None = None  # (status, reason)
        self.closed: str | None = None
        self.errors = 0
        #: opened by the client's SYN itself (not from a SYN/ACK, nor mid-stream)
        self.by_syn = by_syn
        #: "tcp", or "udp" for a DTLS association
        self.transport = "tcp"

    @property
    def version(self) -> str | None:
        v = self.facts.version
        return _version_name(v) if v is not None else None

    @property
    def cipher_suite(self) -> str | None:
        s = self.facts.cipher_suite
        return _suite_name(s) if s is not None else None

    @property
    def group(self) -> str | None:
        g = self.facts.group
        return _group_name(g) if g is not None else None

    def to_json(self) -> dict[str, Any]:
        f = self.facts
        how = f.resumption
        out: dict[str, Any] = {
            "id": self.id,
            "transport": self.transport,
            "client": self.client,
            "server": self.server,
            "version": self.version,
            "cipher_suite": self.cipher_suite,
            "sni": f.sni,
            "alpn": f.alpn,
            "group": self.group,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "closed": self.closed,
            "resumed": how is not None,
            "resumption": how,
            "psk_origin": f.psk_origin,
            "hello_retry": f.hello_retry,
        }
        if self.keys is not None:
            out["keys"] = {"status": self.keys[0], "reason": self.keys[1]}
        return out

    def line(self) -> str:
        f = self.facts
        v, s, g = f.version, f.cipher_suite, f.group
        parts = [
            f"{self.id:>6}",
            f"{self.client} -> {self.server}",
            _version_name(v) if v is not None else "?",
            _suite_name(s) if s is not None else "?",
        ]
        sni = f.sni
        if sni:
            parts.append(f"sni={printable(sni)}")
        if f.alpn:
            parts.append(f"alpn={printable(f.alpn)}")
        if g is not None:
            parts.append(f"group={_group_name(g)}")
        if self.keys is not None:
            parts.append(f"keys={self.keys[0]}")
        return "  ".join(parts)
