"""tlsviz.capture: the only package that touches capture files (and scapy).

It turns a pcap/pcapng file into per-TCP-connection byte streams for the TLS
decoder: :class:`CaptureReader` yields :data:`CaptureEvent` s in packet order.
Importing it is cheap; scapy is loaded only when a file is opened.
"""

from .packets import parse_frame
from .pcapfile import CaptureError, CaptureReader, iter_packets, read_capture
from .tcp import (
    CaptureEvent,
    CaptureNote,
    Endpoint,
    Secrets,
    StreamClosed,
    StreamData,
    StreamGap,
    StreamOpened,
    TcpReassembler,
)

__all__ = [
    "CaptureError",
    "CaptureEvent",
    "CaptureNote",
    "CaptureReader",
    "Endpoint",
    "Secrets",
    "StreamClosed",
    "StreamData",
    "StreamGap",
    "StreamOpened",
    "TcpReassembler",
    "iter_packets",
    "parse_frame",
    "read_capture",
]
