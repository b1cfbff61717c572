"""The record layer (RFC 8446 §5, RFC 5246 §6): bytes in and out, keys per direction.

Incoming bytes are cut into records (5-byte header, at most 2^14 bytes of
plaintext plus the expansion the version allows), opened with the current read
keys (:class:`~tlsviz.keys.protection.RecordDecryptor`, the decoder's own), and
handshake records are joined into whole handshake messages.  Outgoing content
is cut into records of at most 2^14 bytes and protected with the current write
keys (:class:`~tlsviz.keys.seal.RecordSealer`).
"""

from __future__ import annotations

from ..keys.protection import RecordDecryptor
from ..keys.seal import RecordSealer
from ..wire.registry import AlertDescription, ContentType
from .parse import PeerAlert

__all__ = ["RecordLayer"]

MAX_PLAINTEXT = 1 << 14
#: RFC 8446 §5.2: a TLS 1.3 record's fragment is at most 2^14 + 256 bytes;
#: RFC 5246 §6.2.3: a TLS 1.2 one at most 2^14 + 2048.
MAX_FRAGMENT = MAX_PLAINTEXT + 2048


class RecordLayer:
    """Records of one endpoint: read and write protection change independently."""

    def __init__(self) -> None:
        self._in = bytearray()
        self._out = bytearray()
        self._handshake = bytearray()
        self.reader: RecordDecryptor | None = None
        self.writer: RecordSealer | None = None
        self.read_epoch = "plaintext"
        self.write_epoch = "plaintext"
        #: the version in the header of records sent (RFC 8446 §5.1: 0x0301 for the
        #: first ClientHello, 0x0303 afterwards)
        self.record_version = 0x0303
        #: bytes of records that may be skipped when they do not decrypt: 0-RTT
        #: data the server refused (RFC 8446 §4.2.10)
        self.skip_budget = 0

    # -- incoming ---------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._in += data

    def next_record(self) -> tuple[int, bytes] | None:
        """The next record's content type and plaintext, or None until it is whole.

        Raises :class:`PeerAlert` for a record that is too long or does not
        open with the current keys.
        """
        while True:
            if len(self._in) < 5:
                return None
            ctype, version = self._in[0], int.from_bytes(self._in[1:3], "big")
            length = int.from_bytes(self._in[3:5], "big")
            if length > MAX_FRAGMENT:
                raise PeerAlert(
                    AlertDescription.record_overflow,
                    f"a record of {length} bytes is longer than TLS allows",
                )
            if len(self._in) < 5 + length:
                return None
            fragment = bytes(self._in[5 : 5 + length])
            del self._in[: 5 + length]
            opened = self._open(ctype, version, fragment)
            if opened is not None:
                return opened

    def _open(self, ctype: int, version: int, fragment: bytes) -> tuple[int, bytes] | None:
        dec = self.reader
        if dec is None or (dec.tls13 and ctype != ContentType.application_data):
            # TLS 1.3 sends ChangeCipherSpec (and, before it has keys, alerts) in clear
            return ctype, fragment
        result = dec.decrypt(ctype, version, fragment)
        if result.ok:
            self.skip_budget = 0
            return result.content_type, result.plaintext
        if self.skip_budget >= len(fragment):
            self.skip_budget -= len(fragment)
            return None
        raise PeerAlert(
            AlertDescription.bad_record_mac,
            f"a record does not decrypt with the {self.read_epoch} keys ({result.error})",
        )

    def handshake_fragment(self, data: bytes) -> list[bytes]:
        """Add a handshake record's content; return the messages it completed."""
        self._handshake += data
        out: list[bytes] = []
        while len(self._handshake) >= 4:
            length = int.from_bytes(self._handshake[1:4], "big")
            if len(self._handshake) < 4 + length:
                break
            out.append(bytes(self._handshake[: 4 + length]))
            del self._handshake[: 4 + length]
        return out

    def set_reader(self, epoch: str, dec: RecordDecryptor | None) -> None:
        """New read keys.  RFC 8446 §5.1: a handshake message may not span a key change."""
        if self._handshake:
            raise PeerAlert(
                AlertDescription.unexpected_message,
                "a handshake message was split across a change of keys",
            )
        self.reader, self.read_epoch = dec, epoch

    # -- outgoing ---------------------------------------------------------------
    def set_writer(self, epoch: str, sealer: RecordSealer | None) -> None:
        self.writer, self.write_epoch = sealer, epoch

    def send(self, ctype: int, data: bytes) -> None:
        """Queue ``data`` as records of ``ctype`` (protected if there are write keys)."""
        pieces = [data[i : i + MAX_PLAINTEXT] for i in range(0, len(data), MAX_PLAINTEXT)]
        for piece in pieces or [b""]:
            if self.writer is not None:
                self._out += self.writer.seal(ctype, piece, version=self.record_version)
            else:
                header = bytes([ctype]) + self.record_version.to_bytes(2, "big")
                self._out += header + len(piece).to_bytes(2, "big") + piece

    def send_plain(self, ctype: int, data: bytes) -> None:
        """A record in clear whatever the keys (TLS 1.3's compatibility ChangeCipherSpec)."""
        header = bytes([ctype]) + self.record_version.to_bytes(2, "big")
        self._out += header + len(data).to_bytes(2, "big") + data

    def pending(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out
