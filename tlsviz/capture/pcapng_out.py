"""Writing pcapng files: packets plus the TLS key log that decrypts them.

The block layouts follow draft-ietf-opsawg-pcapng ("PCAP Now Generic"); every
block is written little-endian (the Section Header's byte-order magic tells
readers so), every variable field is padded to 32 bits, and every option list
ends with ``opt_endofopt``.  The writer emits:

* one Section Header Block, with ``shb_userappl`` ("tlsviz 0.1.0") and one
  ``opt_comment`` per note (how the file was made, ``--insecure`` ...);
* one Interface Description Block per call of :meth:`PcapngWriter.interface`
  (the first is added by the constructor), with ``if_name`` and
  ``if_tsresol`` = 6: timestamps count microseconds (a float of seconds since
  1970 holds no finer truth than that);
* Decryption Secrets Blocks (block type 0x0000000A) of secrets type
  0x544c534b ("TLSK"): the NSS key log text.  Wireshark applies a DSB to the
  packets that follow it, so callers write it *before* the first packet that
  needs it (:func:`write_capture` puts it before every packet).  Recordings of
  tlsviz's own peer add a second one of type 0x54565a4b ("TVZK", see
  :mod:`tlsviz.keys.peer_secrets`), which Wireshark skips;
* Enhanced Packet Blocks.

Sans-IO at heart: the ``*_block`` functions return bytes; :class:`PcapngWriter`
only adds a binary file to write them to.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import BinaryIO, Final

from .. import __version__

__all__ = [
    "SECRETS_TLS_KEYLOG",
    "PcapngWriter",
    "dsb_block",
    "epb_block",
    "idb_block",
    "shb_block",
    "write_capture",
]

SHB_TYPE: Final = 0x0A0D0D0A
IDB_TYPE: Final = 0x00000001
EPB_TYPE: Final = 0x00000006
DSB_TYPE: Final = 0x0000000A
BYTE_ORDER_MAGIC: Final = 0x1A2B3C4D
#: Decryption Secrets Block secrets type of an NSS key log ("TLSK").
SECRETS_TLS_KEYLOG: Final = 0x544C534B

OPT_ENDOFOPT: Final = 0
OPT_COMMENT: Final = 1
SHB_USERAPPL: Final = 4
IF_NAME: Final = 2
IF_TSRESOL: Final = 9

#: Microsecond timestamps: ``if_tsresol`` = 6 (a power of ten).
TSRESOL: Final = 6
_TICKS: Final = 10**TSRESOL


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _options(options: Sequence[tuple[int, bytes]]) -> bytes:
    if not options:
        return b""
    out = b"".join(struct.pack("<HH", code, len(v)) + _pad(v) for code, v in options)
    return out + struct.pack("<HH", OPT_ENDOFOPT, 0)


def _block(block_type: int, body: bytes) -> bytes:
    """Type, total length, body (already padded), total length again."""
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def shb_block(comments: Iterable[str] = (), application: str | None = None) -> bytes:
    """Section Header Block: version 1.0, section length unknown (-1)."""
    opts = [(OPT_COMMENT, c.encode()) for c in comments]
    opts.append((SHB_USERAPPL, (application or f"tlsviz {__version__}").encode()))
    body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1) + _options(opts)
    return _block(SHB_TYPE, body)


def idb_block(linktype: int, name: str | None = None, snaplen: int = 0) -> bytes:
    """Interface Description Block; snap length 0 means "no limit"."""
    opts = [(IF_NAME, name.encode())] if name else []
    opts.append((IF_TSRESOL, bytes([TSRESOL])))
    return _block(IDB_TYPE, struct.pack("<HHI", linktype, 0, snaplen) + _options(opts))


def epb_block(time: float, data: bytes, interface: int = 0, original: int | None = None) -> bytes:
    """Enhanced Packet Block; ``time`` in seconds since 1970."""
    ts = round(time * _TICKS)
    head = struct.pack(
        "<IIIII", interface, ts >> 32, ts & 0xFFFFFFFF, len(data), original or len(data)
    )
    return _block(EPB_TYPE, head + _pad(data))


def dsb_block(secrets: bytes, kind: int = SECRETS_TLS_KEYLOG) -> bytes:
    """Decryption Secrets Block: secrets type, length, the secrets padded to 32 bits."""
    return _block(DSB_TYPE, struct.pack("<II", kind, len(secrets)) + _pad(secrets))


class PcapngWriter:
    """Writes one pcapng section to a binary file, block by block.

    The Section Header and the first Interface Description (``linktype``,
    ``if_name`` = ``interface``) are written at once; then call
    :meth:`secrets` and :meth:`packet` in file order.
    """

    def __init__(
        self,
        out: BinaryIO,
        linktype: int,
        *,
        interface: str | None = None,
        comments: Iterable[str] = (),
    ) -> None:
        self._out = out
        self._interfaces = 0
        out.write(shb_block(comments))
        self.interface(linktype, interface)

    def interface(self, linktype: int, name: str | None = None) -> int:
        """Describe another interface; returns its id for :meth:`packet`."""
        self._out.write(idb_block(linktype, name))
        self._interfaces += 1
        return self._interfaces - 1

    def secrets(self, keylog: str | bytes) -> None:
        """A TLS key log (NSS format) as a Decryption Secrets Block; nothing
        is written for an empty one."""
        data = keylog.encode() if isinstance(keylog, str) else keylog
        if data:
            self._out.write(dsb_block(data))

    def packet(self, time: float, data: bytes, interface: int = 0) -> None:
        self._out.write(epb_block(time, data, interface))


def write_capture(
    out: BinaryIO,
    linktype: int,
    packets: Iterable[tuple[float, bytes]],
    *,
    keylog: str | bytes = "",
    comments: Iterable[str] = (),
    interface: str | None = None,
    more_secrets: Iterable[tuple[int, bytes]] = (),
) -> int:
    """A whole capture: header, the key log as a DSB before every packet (and
    ``more_secrets``, ``(secrets type, data)`` pairs, as DSBs after it), then
    the packets.  Returns how many packets were written."""
    w = PcapngWriter(out, linktype, interface=interface, comments=comments)
    w.secrets(keylog)
    for kind, data in more_secrets:
        if data:
            out.write(dsb_block(data, kind))
    n = 0
    for t, data in packets:
        w.packet(t, data)
        n += 1
    return n
