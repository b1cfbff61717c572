"""Helpers for the tlsviz.keys tests: corpus location, RFC 8448 text parser, record splitter.

Nothing here computes an expected value: the parser only reads hex blocks out of
the RFC text, and the record splitter only cuts 5-byte-header records.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPUS as CORPUS
from tests.conftest import corpus_file as corpus_file

# -- RFC 8448 ---------------------------------------------------------------

_SECTION_TITLES = {
    3: "Simple 1-RTT Handshake",
    4: "Resumed 0-RTT Handshake",
    5: "HelloRetryRequest",
    6: "Client Authentication",
    7: "Compatibility Mode",
    8: "Security Considerations",
}
_FIELD = re.compile(r"^ {6}(\S[^(:]*?) \((\d+) octets\):\s*(.*)$")
_HEXLINE = re.compile(r"^\s+((?:[0-9a-f]{2}\s*)+)$")
_PAGE_NOISE = re.compile(r"^(RFC 8448 {2,}TLS 1\.3 Traces|Thomson {2,}Informational)")


@dataclass(frozen=True)
class TraceValue:
    """One ``field (N octets): hex`` block of an RFC 8448 trace step."""

    step: str  # e.g. '{server}  derive secret "tls13 c hs traffic"'
    field: str  # e.g. "expanded"
    value: bytes


def _strip_hex(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


def parse_rfc8448_section(text: str, section: int) -> list[TraceValue]:
    """Every hex value of one section of RFC 8448, in document order."""
    start = re.search(rf"^{section}\.  {re.escape(_SECTION_TITLES[section])}$", text, re.M)
    end = re.search(rf"^{section + 1}\.  {re.escape(_SECTION_TITLES[section + 1])}$", text, re.M)
    assert start and end, f"section {section} not found"
    lines = [
        line
        for line in text[start.end() : end.start()].replace("\f", "\n").splitlines()
        if not _PAGE_NOISE.match(line)
    ]
    out: list[TraceValue] = []
    step = ""
    in_step_header = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("   {"):
            step = " ".join(line.split()).rstrip(":")
            in_step_header = True
            i += 1
            continue
        if in_step_header and line.strip() and not _FIELD.match(line):
            step = (step + " " + " ".join(line.split())).rstrip(":")
            i += 1
            continue
        in_step_header = False
        match = _FIELD.match(line)
        if match:
            name, octets, rest = match.group(1), int(match.group(2)), match.group(3)
            hex_text = "" if rest.strip() == "(empty)" else rest
            i += 1
            while len(_strip_hex(hex_text)) < octets and i < len(lines):
                cont = _HEXLINE.match(lines[i])
                if cont:
                    hex_text += " " + cont.group(1)
                i += 1
            value = _strip_hex(hex_text)
            assert len(value) == octets, (step, name, octets, len(value))
            out.append(TraceValue(" ".join(step.split()), name, value))
            continue
        i += 1
    return out


class Trace:
    """Lookup over the values of one RFC 8448 section."""

    def __init__(self, values: list[TraceValue]) -> None:
        self.values = values

    def all(self, step_part: str, field: str) -> list[bytes]:
        return [v.value for v in self.values if step_part in v.step and v.field == field]

    def get(self, step_part: str, field: str, nth: int = 0) -> bytes:
        found = self.all(step_part, field)
        assert len(found) > nth, f"no {field!r} #{nth} in a step containing {step_part!r}"
        return found[nth]


def rfc8448(section: int) -> Trace:
    text = corpus_file("rfc8448", "rfc8448.txt").read_text(encoding="utf-8")
    return Trace(parse_rfc8448_section(text, section))


# -- records ----------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    content_type: int
    version: int
    fragment: bytes

    @property
    def raw(self) -> bytes:
        return (
            bytes([self.content_type])
            + self.version.to_bytes(2, "big")
            + len(self.fragment).to_bytes(2, "big")
            + self.fragment
        )


def split_records(stream: bytes) -> list[Record]:
    """Cut a TLS byte stream into records by their 5-byte headers (no validation)."""
    out: list[Record] = []
    pos = 0
    while pos + 5 <= len(stream):
        length = int.from_bytes(stream[pos + 3 : pos + 5], "big")
        out.append(
            Record(
                stream[pos],
                int.from_bytes(stream[pos + 1 : pos + 3], "big"),
                stream[pos + 5 : pos + 5 + length],
            )
        )
        pos += 5 + length
    return out


def handshake_messages(records: list[Record]) -> list[bytes]:
    """The cleartext handshake messages (with 4-byte headers) of handshake records."""
    data = b"".join(r.fragment for r in records if r.content_type == 22)
    out = []
    pos = 0
    while pos + 4 <= len(data):
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        out.append(data[pos : pos + 4 + length])
        pos += 4 + length
    return out


# -- tshark (only to cut TCP payloads out of corpus pcaps) ------------------


def tcp_segments(pcap: Path) -> dict[int, list[tuple[str, bytes]]]:
    """TCP payloads per stream in capture order, as (side, bytes); the client sent the SYN
    (or, if the capture starts later, the first payload).

    Uses tshark only to read the capture file; skips when tshark is absent.
    The corpus captures used here have no retransmissions.
    """
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark not installed")

    def fields(display_filter: str, *names: str) -> list[list[str]]:
        args = [tshark, "-r", str(pcap), "-o", "tcp.desegment_tcp_streams:FALSE",
                "-Y", display_filter, "-T", "fields"]  # fmt: skip
        for name in names:
            args += ["-e", name]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        return [line.split("\t") for line in out.splitlines()]

    client_port: dict[int, str] = {}
    for stream, port in fields("tcp.flags.syn==1 && tcp.flags.ack==0", "tcp.stream", "tcp.srcport"):
        client_port.setdefault(int(stream), port)
    segments: dict[int, list[tuple[str, bytes]]] = {}
    for stream_s, src, payload in fields("tcp.len > 0", "tcp.stream", "tcp.srcport", "tcp.payload"):
        stream = int(stream_s)
        # Captures that start after the SYN: the first payload (the ClientHello) names the client.
        side = "client" if client_port.setdefault(stream, src) == src else "server"
        segments.setdefault(stream, []).append((side, bytes.fromhex(payload.replace(":", ""))))
    return segments
