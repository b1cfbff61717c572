"""tlsviz's own TLS client and server: a glass box, for teaching only.

Real TLS libraries never reveal their ephemeral private keys, so a capture
with a key log shows the TLS 1.3 key schedule from the traffic secrets down,
not from the (EC)DHE shared secret.  This package is a small TLS 1.3 and 1.2
client and server, written to be read, that records every secret it uses —
key log lines and its own ephemeral private keys — so that ``tlsviz record``
can put them all in the recording and ``tlsviz decode`` can derive the whole
chain.  It can also be made deterministic (a seed) and made to misbehave on
purpose (:mod:`.experiments`).

**It is for teaching, never for protecting real data**: it has had no
security review, keeps no secret from anyone who reads its recordings, and a
seeded peer's keys are as predictable as its seed.

Sans-IO (bytes in, bytes and events out), like h11 and aioquic's ``tls.py``:
:class:`Client` and :class:`Server` (:mod:`.client`, :mod:`.server`) are
driven by code that owns the sockets (``tlsviz.capture.glassbox``).  All
cryptography goes through the ``cryptography`` package and the key schedule is
the decoder's own (:mod:`tlsviz.keys`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import Client
    from .config import ExternalPsk, Identity, PeerConfig, ServerState, Session12, Session13
    from .entropy import Entropy
    from .server import Server

__all__ = [
    "Client",
    "Entropy",
    "ExternalPsk",
    "Identity",
    "PeerConfig",
    "Server",
    "ServerState",
    "Session12",
    "Session13",
]

_WHERE = {
    "Client": "client",
    "Server": "server",
    "Entropy": "entropy",
    "ExternalPsk": "config",
    "Identity": "config",
    "PeerConfig": "config",
    "ServerState": "config",
    "Session12": "config",
    "Session13": "config",
}


def __getattr__(name: str) -> Any:
    """Import on first use: ``import tlsviz.peer`` alone costs nothing."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
