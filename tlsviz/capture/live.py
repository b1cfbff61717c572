"""Live capture for ``tlsviz sniff``: packets from an interface, a key log that
grows while we watch, and the same events a capture file gives.

Packets come from scapy's :class:`scapy.arch.linux.L2ListenSocket` (an
``AF_PACKET`` socket with the BPF filter compiled by libpcap, promiscuous
mode and kernel timestamps).  Only that module is imported, and lazily:
``import scapy.arch.linux`` costs about 0.3 s, loading all of scapy's layers
about three times more.  Frames are read through the socket's ``_recv_raw``
(to get the packet type, and the kernel's timestamp) and parsed by
:func:`~.packets.parse_frame`; a plain ``AF_PACKET`` socket is used instead,
without BPF, only when scapy cannot be imported.  On the loopback interface
every packet is seen twice (sent, then received): like libpcap, the outgoing
copy is dropped.

:class:`LiveCapture` is an event source just like
:class:`~.pcapfile.CaptureReader`: iterate it for :data:`~.tcp.CaptureEvent`
s, ``ignore(conn)`` what is not TLS.  It holds each packet back for ``hold``
seconds before handing it on, and reads the key log just before: a client
writes its secrets the moment it derives them, while its packets are already
on the wire, so the delay lets those secrets apply to the very handshake that
made them.  Secrets that come even later still reach the file written with
``-o`` (its Decryption Secrets Block is written when the capture ends), and
``sniff --json`` decodes that file, so they apply there too.

The key log is followed by :class:`~.keylog_follow.KeyLogFollower`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from typing import IO, Any, Final

from ..keys.keylog import KeyLog
from .framer import LINKTYPE_RAW
from .keylog_follow import KeyLogFollower
from .packets import LINKTYPE_ETHERNET, parse_frame
from .pcapng_out import PcapngWriter, epb_block
from .tcp import CaptureEvent, TcpReassembler

__all__ = ["NEED_PRIVILEGES", "LiveCapture", "LiveError", "default_interface"]

NEED_PRIVILEGES: Final = "Capturing packets needs root or the CAP_NET_RAW capability."
# Linux ARPHRD_* hardware types (if_arp.h) -> pcap link types of the frames an
# AF_PACKET/SOCK_RAW socket returns for them.
_ETHERNET_LIKE: Final = frozenset({1, 772})  # ARPHRD_ETHER, ARPHRD_LOOPBACK
_RAW_IP: Final = frozenset({512, 776, 778, 65534})  # PPP, SIT, IPGRE, NONE (tun)
_ARPHRD_LOOPBACK: Final = 772
_PACKET_OUTGOING: Final = 4
_ETH_P_ALL: Final = 0x0003
_MAX_FRAME: Final = 1 << 18


class LiveError(Exception):
    """Capture cannot start; ``str(e)`` is one plain sentence."""


def default_interface() -> str:
    """The interface of the default IPv4 route (``/proc/net/route``), else "lo"."""
    with contextlib.suppress(OSError), open("/proc/net/route") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if len(fields) > 2 and fields[1] == "00000000":
                return fields[0]
    return "lo"


class _Source:
    """An open packet socket: scapy's L2ListenSocket, or a bare AF_PACKET one."""

    def __init__(self, iface: str, bpf: str | None) -> None:
        self.scapy: Any = None
        listen: Any = None
        with contextlib.suppress(ImportError):
            from scapy.arch.linux import L2ListenSocket as listen
        if listen is not None:
            self.scapy = self._open_scapy(listen, iface, bpf)
            self.sock: socket.socket = self.scapy.ins
        else:
            if bpf:
                raise LiveError("--bpf needs scapy, which cannot be imported here.")
            self.sock = self._open_raw(iface)
        name, _, _, hatype, _ = self.sock.getsockname()
        self.loopback = hatype == _ARPHRD_LOOPBACK
        if hatype in _ETHERNET_LIKE:
            self.linktype = LINKTYPE_ETHERNET
        elif hatype in _RAW_IP:
            self.linktype = LINKTYPE_RAW
        else:
            self.close()
            raise LiveError(f"tlsviz cannot read the frames of '{name}' (hardware type {hatype}).")
        self.sock.setblocking(False)

    @staticmethod
    def _open_scapy(cls: Any, iface: str, bpf: str | None) -> Any:
        log = logging.getLogger("scapy.runtime")
        level = log.level
        log.setLevel(logging.ERROR)  # "Unable to guess type": we do not use its layers
        try:
            flt = f"tcp and ({bpf})" if bpf else "tcp"
            try:
                return cls(iface=iface, filter=flt)
            except PermissionError:
                raise LiveError(NEED_PRIVILEGES) from None
            except ValueError:
                raise LiveError(f"There is no network interface named '{iface}'.") from None
            except OSError as err:
                raise LiveError(_os_sentence(err, iface)) from None
            except Exception:  # scapy's Scapy_Exception: the filter did not compile
                if bpf:
                    raise LiveError(f"The capture filter '{bpf}' is not valid.") from None
            # libpcap cannot compile even "tcp": capture everything, parse_frame sorts it out.
            return cls(iface=iface, filter=None)
        finally:
            log.setLevel(level)

    @staticmethod
    def _open_raw(iface: str) -> socket.socket:
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(_ETH_P_ALL))
        except PermissionError:
            raise LiveError(NEED_PRIVILEGES) from None
        try:
            sock.bind((iface, 0))
        except OSError as err:
            sock.close()
            raise LiveError(_os_sentence(err, iface)) from None
        return sock

    def recv(self) -> tuple[bytes, float] | None:
        """One frame and its time; None when no frame is waiting; an empty
        frame for one to skip (the outgoing copy of a loopback packet)."""
        try:
            if self.scapy is not None:
                frame, sa_ll, ts = self.scapy._recv_raw(self.sock, _MAX_FRAME)
            else:
                frame, sa_ll = self.sock.recvfrom(_MAX_FRAME)
                ts = None
        except (BlockingIOError, InterruptedError):
            return None
        if self.loopback and sa_ll[2] == _PACKET_OUTGOING:
            return b"", 0.0
        return frame, ts if ts is not None else time.time()

    def close(self) -> None:
        if self.scapy is not None:
            self.scapy.close()
        else:
            self.sock.close()


def _os_sentence(err: OSError, iface: str) -> str:
    if isinstance(err, PermissionError):
        return NEED_PRIVILEGES
    if err.errno == 19:  # ENODEV
        return f"There is no network interface named '{iface}'."
    return f"Cannot capture on '{iface}': {(err.strerror or str(err)).lower()}."


class LiveCapture:
    """Capture events from a network interface (see the module docstring).

    :meth:`open` starts capturing (raising :class:`LiveError`); iterating
    yields events until ``timeout`` seconds have passed or :meth:`stop` is
    called (from a signal handler, say); then held packets are released and
    every open connection is closed as at the end of a file.  ``keylog``
    receives the followed key log's secrets; with ``spool`` every frame is
    also kept (in a temporary file) for :meth:`write_pcapng`.
    """

    def __init__(
        self,
        iface: str | None = None,
        bpf: str | None = None,
        *,
        keylog: KeyLog | None = None,
        keylog_path: str | None = None,
        timeout: float | None = None,
        hold: float = 0.5,
        spool: bool = False,
    ) -> None:
        self.iface = iface or default_interface()
        self.bpf = bpf
        self.keylog = keylog if keylog is not None else KeyLog()
        self.follower = KeyLogFollower(keylog_path, self.keylog) if keylog_path else None
        self.timeout = timeout
        self.hold = hold
        self.packets = 0
        self.linktype = LINKTYPE_ETHERNET
        # Closed by close(); a spool outlives this method by design.
        self._spool: IO[bytes] | None = tempfile.TemporaryFile() if spool else None  # noqa: SIM115
        self._source: _Source | None = None
        self._stopped = False
        self._reasm = TcpReassembler()
        self._ignored: set[int] = set()  # the consumer's ignore(): nothing more of them
        self._last = 0.0  # time of the last packet handed on

    @property
    def position(self) -> int:
        """The number of the packet being read (see CaptureReader.position)."""
        return self.packets

    def open(self) -> None:
        if self._source is None:
            self._source = _Source(self.iface, self.bpf)
            self.linktype = self._source.linktype

    def stop(self) -> None:
        self._stopped = True

    @contextlib.contextmanager
    def stopping_on_signals(self) -> Iterator[None]:
        """While inside, Ctrl-C (SIGINT) and SIGTERM :meth:`stop` the capture
        instead of raising, so that what was captured is still decoded and
        written.  Outside the main thread no handler can be set: no change."""

        def handler(signum: int, frame: object) -> None:
            self.stop()

        saved: list[tuple[signal.Signals, Any]] = []
        with contextlib.suppress(ValueError):
            for sig in (signal.SIGINT, signal.SIGTERM):
                saved.append((sig, signal.signal(sig, handler)))
        try:
            yield
        finally:
            for sig, old in saved:
                signal.signal(sig, old)

    def ignore(self, conn: int) -> None:
        self._ignored.add(conn)
        self._reasm.ignore(conn)

    def poll_keylog(self) -> int:
        return self.follower.poll() if self.follower is not None else 0

    @property
    def keylog_text(self) -> bytes:
        return bytes(self.follower.tail.text) if self.follower is not None else b""

    def __iter__(self) -> Iterator[CaptureEvent]:
        self.open()
        assert self._source is not None
        return self._events(self._source)

    def _events(self, src: _Source) -> Iterator[CaptureEvent]:
        held: deque[tuple[float, float, bytes]] = deque()
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        self._last = time.time()
        try:
            while not self._stopped:
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    break
                wait = 0.1 if deadline is None else max(0.0, min(0.1, deadline - now))
                if select.select([src.sock], [], [], wait)[0]:
                    self._drain(src, held)
                self.poll_keylog()
                yield from self._release(held, time.monotonic() - self.hold)
            self.poll_keylog()
            yield from self._release(held, float("inf"))
            yield from self._reasm.finish(max(self._last, time.time()))
        finally:
            src.close()

    def _release(
        self, held: deque[tuple[float, float, bytes]], cutoff: float
    ) -> Iterator[CaptureEvent]:
        """Hand on the packets that arrived before ``cutoff`` (monotonic)."""
        out: list[CaptureEvent] = []
        while held and held[0][0] <= cutoff:
            _, t, frame = held.popleft()
            self._last = t
            seg = parse_frame(self.linktype, frame)
            if seg is None or isinstance(seg, int):
                continue
            self._reasm.feed_into(out, t, *seg)
            # ignore() may come between two events of one packet: each is checked
            for ev in out:
                if getattr(ev, "conn", 0) not in self._ignored:
                    yield ev  # (a CaptureNote of the reassembler has no conn)
            out.clear()

    def _drain(self, src: _Source, held: deque[tuple[float, float, bytes]]) -> None:
        for _ in range(256):
            got = src.recv()
            if got is None:
                return
            frame, t = got
            if not frame:
                continue
            self.packets += 1
            held.append((time.monotonic(), t, frame))
            if self._spool is not None:
                self._spool.write(epb_block(t, frame))

    def write_pcapng(self, path: str | os.PathLike[str], keylog: bytes) -> None:
        """Everything captured, with ``keylog`` as a Decryption Secrets Block
        before the first packet (needs ``spool=True``); the file is 0600."""
        from ..private import open_private

        if self._spool is None:
            raise ValueError("this capture was not spooled")
        # the secrets of a browser's sessions: its owner's eyes only, from the first byte
        with open_private(path) as out:
            w = PcapngWriter(out, self.linktype, interface=self.iface)
            w.secrets(keylog)
            self._spool.seek(0)
            while block := self._spool.read(1 << 20):
                out.write(block)
            self._spool.seek(0, os.SEEK_END)

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
