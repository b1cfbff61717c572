#!/usr/bin/env python3
"""The decoder after decryption: what a protected record's plaintext turns into.

A real connection's records in the clear (its hellos, and before TLS 1.3 the
rest of the handshake up to ChangeCipherSpec; one of the bundled captures,
chosen by the first byte, whose top bit leaves certificates' DER undecoded)
are fed to a :class:`~tlsviz.wire.connection.ConnectionDecoder`.  Then come the
input's plaintexts: ``[flags][content type][length: 2 bytes][plaintext]``
repeated; for each, one small protected record is fed in the direction flag 4
names, and the decryptor answers it with that plaintext (flag 1: its
authentication failed; flag 2: no keys for it).  So the fuzzer writes what TLS
1.3 and TLS 1.2 decrypted records contain — handshake messages split or merged
at will, alerts, KeyUpdates, inner content types, NULL-cipher records —
without having to find keys.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Cursor, capture_chunks, main
from decoder import drain

from tlsviz.wire.connection import ConnectionDecoder, Decrypted
from tlsviz.wire.records import Record

MAX_LEN = 8192

#: the connections the plaintexts are put into: TLS 1.3 (GCM, ChaCha20, HRR,
#: resumption with 0-RTT), TLS 1.2 (GCM, CBC, RSA, PSK-CCM8, NULL), TLS 1.0
CAPTURES = (
    "tls13-aes128gcm.pcap",
    "tls12-ecdhe-rsa-aes128gcm.pcap",
    "tls13-hrr.pcap",
    "tls12-ecdhe-ecdsa-cbc.pcap",
    "glassbox-tls13-resumption-0rtt.pcapng",
    "pitfall-null-cipher.pcap",
    "tls12-psk-ccm8.pcap",
    "pitfall-tls10.pcap",
)
#: the protected record each plaintext answers (its own bytes do not matter)
DUMMY = bytes([23, 3, 3, 0, 1, 0])

_prefixes: dict[str, list[tuple[str, bytes]]] = {}


def prefix(name: str) -> list[tuple[str, bytes]]:
    """The records of a bundled capture's first connection that travel in the
    clear, in capture order (each direction cut at its first protected
    record); read once."""
    got = _prefixes.get(name)
    if got is None:
        from tlsviz.bundled import bundled_captures
        from tlsviz.source import open_capture

        b = next(b for b in bundled_captures(seeded=True) if b.path.name == name)
        first: dict[str, int] = {}
        with _recording_decryptors(first=first):
            for _ in open_capture(b.path, keylog=[b.keylog] if b.keylog else []):
                break
        got, seen = [], {"client": 0, "server": 0}
        for direction, data in capture_chunks(b.path)[0]:
            cut = first.get(direction, 1 << 62) - seen[direction]
            seen[direction] += len(data)
            if cut > 0:
                got.append((direction, data[:cut]))
        _prefixes[name] = got
    return got


class Plaintexts:
    """The decryptor: each protected record gets the plaintext it was fed for."""

    def __init__(self) -> None:
        self.next: Decrypted | None = None

    def __call__(self, rec: Record) -> Decrypted | None:
        out, self.next = self.next, None
        return out


def test_one_input(data: bytes) -> None:
    c = Cursor(data)
    choice = c.u8()
    dec = ConnectionDecoder(certificates=not choice & 0x80)
    plaintexts = Plaintexts()
    dec.set_decryptor("client", plaintexts)
    dec.set_decryptor("server", plaintexts)
    real = prefix(CAPTURES[(choice & 0x7F) % len(CAPTURES)])
    for i, (direction, chunk) in enumerate(real):
        dec.receive_data(direction, chunk, float(i))
        drain(dec, only_encrypted=True)
    n = 0
    while c.remaining and n < 64:
        n += 1
        flags, ctype = c.u8(), c.u8()
        plaintext = c.take(c.uint(2))
        if flags & 2:
            plaintexts.next = None
        elif flags & 1:
            plaintexts.next = Decrypted(
                plaintext, ctype, False, "the record's tag does not verify."
            )
        else:
            plaintexts.next = Decrypted(plaintext, ctype)
        dec.receive_data("server" if flags & 4 else "client", DUMMY, 100.0 + n)
        drain(dec, only_encrypted=True)
    dec.close()
    drain(dec, only_encrypted=True)


@contextlib.contextmanager
def _recording_decryptors(
    log: list[bytes] | None = None, first: dict[str, int] | None = None
) -> Iterator[None]:
    """While inside, the decryptors the keys layer installs are watched: each
    plaintext is appended to ``log`` as an input entry, and ``first`` gets
    each direction's first protected record's stream offset."""
    from tlsviz.wire import connection

    real = connection.ConnectionDecoder.set_decryptor

    def watching(self: ConnectionDecoder, direction: str, decryptor: object) -> None:
        def wrapped(rec: Record) -> Decrypted | None:
            if first is not None:
                first.setdefault(direction, rec.offset)
            out = decryptor(rec)  # type: ignore[operator]
            if out is not None and log is not None:
                flags = (0 if out.ok else 1) | (4 if direction == "server" else 0)
                body = out.plaintext[:0xFFFF]
                log.append(
                    bytes([flags, out.content_type & 0xFF]) + len(body).to_bytes(2, "big") + body
                )
            return out

        real(self, direction, wrapped if decryptor is not None else None)

    connection.ConnectionDecoder.set_decryptor = watching  # type: ignore[method-assign]
    try:
        yield
    finally:
        connection.ConnectionDecoder.set_decryptor = real  # type: ignore[method-assign]


def seeds(corpus: Path | None) -> Iterator[bytes]:
    """Each bundled connection's real plaintexts, recorded while the session
    layer decrypts it with its key log."""
    from tlsviz.bundled import bundled_captures
    from tlsviz.source import open_capture

    by_name = {b.path.name: b for b in bundled_captures(seeded=True)}
    for i, name in enumerate(CAPTURES):
        b = by_name[name]
        log: list[bytes] = []
        keys = [b.keylog] if b.keylog else []
        psk = f"@{b.psk}" if b.psk else ()
        rsa = [b.rsa_key] if b.rsa_key else []
        with _recording_decryptors(log=log):
            for _ in open_capture(b.path, keylog=keys, rsa_key=rsa, psk=psk):
                break  # the first connection, in the order its records were decrypted
        yield bytes([i]) + b"".join(log)
        yield bytes([i | 0x80]) + b"".join(log)


if __name__ == "__main__":
    main("decrypted", test_one_input, seeds, MAX_LEN)
