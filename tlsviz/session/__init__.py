"""The public Python API of tlsviz: open a capture, walk its handshakes.

Example::

    from tlsviz.session import open_capture

    for conn in open_capture("capture.pcap", keylog="capture.keys"):
        print(conn.client, "->", conn.server, conn.version, conn.cipher_suite)
        for i, msg in enumerate(conn.messages):
            state = conn.key_state(i)
            print(i, msg.direction, msg.type, [s.step.name for s in state.new_steps])
            for f in msg.fields:
                print("   ", f.name, f.display, msg.spans(f))

Names are imported on first use (PEP 562), so ``import tlsviz.session`` costs
nothing on paths that need only part of it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = [
    "Buffer",
    "BufferData",
    "CaptureError",
    "CaptureSession",
    "CertificateSummary",
    "Connection",
    "Cost",
    "Diagnostic",
    "Field",
    "KeyMaterial",
    "KeyState",
    "MaterialError",
    "Message",
    "Span",
    "StepReport",
    "load_key_material",
    "open_bundled",
    "open_capture",
]

_WHERE = {
    "Buffer": "tlsviz.wire.message",
    "Span": "tlsviz.wire.message",
    "Message": "tlsviz.wire.message",
    "Field": "tlsviz.wire.fields",
    "Diagnostic": "tlsviz.wire.fields",
    "BufferData": "tlsviz.session.buffers",
    "Connection": "tlsviz.session.model",
    "CertificateSummary": "tlsviz.session.model",
    "Cost": "tlsviz.session.cost",
    "KeyState": "tlsviz.session.timeline",
    "StepReport": "tlsviz.keys.engine",
    "KeyMaterial": "tlsviz.keys.keyring",
    "MaterialError": "tlsviz.keys.material",
    "load_key_material": "tlsviz.keys.loading",
    # the seam between captures and the timeline (tlsviz.source) is imported
    # only when asked for: the session package itself never touches capture/
    "open_capture": "tlsviz.source",
    "open_bundled": "tlsviz.source",
    "CaptureSession": "tlsviz.source",
    "CaptureError": "tlsviz.capture",
}

if TYPE_CHECKING:
    from ..capture import CaptureError
    from ..keys.engine import StepReport
    from ..keys.keyring import KeyMaterial
    from ..keys.loading import load_key_material
    from ..keys.material import MaterialError
    from ..source import CaptureSession, open_bundled, open_capture
    from ..wire.fields import Diagnostic, Field
    from ..wire.message import Buffer, Message, Span
    from .buffers import BufferData
    from .cost import Cost
    from .model import CertificateSummary, Connection
    from .timeline import KeyState


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'tlsviz.session' has no attribute {name!r}")
    value = getattr(import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
