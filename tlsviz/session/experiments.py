"""Connections where tlsviz's own peer misbehaved on purpose, explained.

A recording of an experiment (``tlsviz record --experiment NAME``) names the
connection and the side that broke a rule in its secrets block; the decoder
puts the explanation beside the connection as ``experiment`` (in
``decode --json`` and the text form): what our side did, what the RFC asks of
the other side, and the alert the other side actually sent.
"""

from __future__ import annotations

from ..wire.dispatch import Alert
from ..wire.registry import alert_name
from .model import Connection

__all__ = ["annotate"]


def annotate(conn: Connection, experiments: dict[bytes, tuple[str, str]]) -> None:
    """Set ``conn.extra["experiment"]`` when the connection is one of ``experiments``."""
    ch = conn.neg.client_hello
    found = experiments.get(ch.random) if ch is not None else None
    if found is None:
        return
    from ..peer.experiments import explain

    side, name = found
    alerts = [
        (m.direction, alert_name(m.body.description))
        for m in conn.messages
        if isinstance(m.body, Alert) and m.body.description != 0
    ]
    conn.extra["experiment"] = explain(name, side, alerts)
