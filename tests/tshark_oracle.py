"""tshark as an independent oracle: what Wireshark's dissector sees in a capture.

Connections are keyed by (client endpoint, server endpoint) as tlsviz writes
them ("127.0.0.1:443", "[::1]:443").  For each: the handshake message types per
direction in order, and from the ServerHello / ServerKeyExchange the version,
cipher suite and key-exchange group; from the ClientHello the SNI.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TsharkConnection:
    client: str
    server: str
    stream: int
    handshake: dict[str, list[int]] = field(default_factory=lambda: {"client": [], "server": []})
    version: int | None = None
    suite: int | None = None
    group: int | None = None
    hrr_group: int | None = None
    sni: str | None = None
    app_data: dict[str, bytearray] = field(
        default_factory=lambda: {"client": bytearray(), "server": bytearray()}
    )


def _endpoint(ip: str, port: str) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _walk(node: Any, key: str) -> Iterator[Any]:
    """Every value stored under ``key`` anywhere below ``node``, in order."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield from _as_list(v)
            else:
                yield from _walk(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)


def _first(node: Any, key: str) -> Any:
    for v in _walk(node, key):
        return v
    return None


def tshark_expert_warnings(pcap: Path | str) -> str:
    """tshark's expert-info report of warnings and worse for a capture."""
    return subprocess.run(
        ["tshark", "-r", str(pcap), "-q", "-z", "expert,warn"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def run_tshark(pcap: Path | str, options: Sequence[str] = ()) -> list[dict[str, Any]]:
    out = subprocess.run(
        ["tshark", "-r", str(pcap), "-T", "json", "--no-duplicate-keys", *options],
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


#: RFC 8446 §4.1.3: SHA-256("HelloRetryRequest"), as tshark prints bytes.
HRR_RANDOM = ":".join(
    f"{b:02x}" for b in __import__("hashlib").sha256(b"HelloRetryRequest").digest()
)


def tshark_connections(
    pcap: Path | str, options: Sequence[str] = ()
) -> dict[tuple[str, str], TsharkConnection]:
    conns: dict[int, TsharkConnection] = {}
    for pkt in run_tshark(pcap, options):
        layers = pkt["_source"]["layers"]
        tcp = layers.get("tcp")
        if tcp is None:
            continue
        tcp = _as_list(tcp)[0]
        ip = layers.get("ip") or layers.get("ipv6")
        ip = _as_list(ip)[0]
        if "ip.src" in ip:
            src, dst = ip["ip.src"], ip["ip.dst"]
        else:
            src, dst = ip["ipv6.src"], ip["ipv6.dst"]
        stream = int(tcp["tcp.stream"])
        a = _endpoint(src, tcp["tcp.srcport"])
        b = _endpoint(dst, tcp["tcp.dstport"])
        flags = int(tcp["tcp.flags"], 16)
        c = conns.get(stream)
        if c is None:
            # the SYN sender is the client; without a SYN, the first sender
            client, server = (b, a) if flags & 0x12 == 0x12 else (a, b)
            c = conns[stream] = TsharkConnection(client, server, stream)
        direction = "client" if a == c.client else "server"
        for tls in _as_list(layers.get("tls")):
            for hs in _walk(tls, "tls.handshake"):
                for h in _as_list(hs):
                    if not isinstance(h, dict) or "tls.handshake.type" not in h:
                        continue
                    t = int(h["tls.handshake.type"])
                    c.handshake[direction].append(t)
                    _hello_facts(c, t, h)
    return {(c.client, c.server): c for c in conns.values()}


def _hello_facts(c: TsharkConnection, t: int, h: dict[str, Any]) -> None:
    if t == 1 and c.sni is None:
        sni = _first(h, "tls.handshake.extensions_server_name")
        if sni is not None:
            c.sni = sni
    elif t == 2:
        is_hrr = _first(h, "tls.handshake.random") == HRR_RANDOM
        sv = _first(h, "tls.handshake.extensions.supported_version")
        version = int(sv or h.get("tls.handshake.version"), 16)
        group = _first(h, "tls.handshake.extensions_key_share_group")
        if is_hrr:
            c.hrr_group = int(group) if group is not None else None
            c.version = c.version or version
            return
        if c.suite is None:
            c.version = version
            c.suite = int(_first(h, "tls.handshake.ciphersuite"), 16)
            if group is not None:
                c.group = int(group)
    elif t == 12 and c.group is None:
        curve = _first(h, "tls.handshake.server_named_curve")
        if curve is not None:
            c.group = int(curve, 16) if str(curve).startswith("0x") else int(curve)


def follow_tls(
    pcap: Path | str, stream: int, options: Sequence[str] = (), client: str | None = None
) -> dict[str, bytes]:
    """Decrypted application data of one TCP stream per direction, as tshark's
    ``-z follow,tls,raw`` prints it.  Lines of "Node 0" are unindented; which
    side node 0 is varies, so ``client`` (the client endpoint) tells."""
    out = subprocess.run(
        ["tshark", "-r", str(pcap), "-q", "-z", f"follow,tls,raw,{stream}", *options],
        capture_output=True,
        check=True,
        text=True,
        timeout=300,
    ).stdout
    data = {"client": bytearray(), "server": bytearray()}
    started = False
    node0_is_client = True
    for line in out.splitlines():
        if line.startswith("Node 0:"):
            node0 = line.split(":", 1)[1].strip()
            node0_is_client = client is None or node0 == client
            continue
        if line.startswith("Node 1:"):
            started = True
            continue
        if not started or line.startswith("===") or not line.strip():
            continue
        first = "client" if node0_is_client else "server"
        second = "server" if node0_is_client else "client"
        data[second if line.startswith("\t") else first] += bytes.fromhex(line.strip())
    return {k: bytes(v) for k, v in data.items()}


@dataclass
class TsharkDtls:
    """One DTLS association as tshark shows it: each direction's handshake
    messages as (message_seq, type) in order, repeats left out, and the
    application data it decrypted."""

    client: str
    server: str
    handshake: dict[str, list[tuple[int, int]]] = field(
        default_factory=lambda: {"client": [], "server": []}
    )
    app_data: dict[str, bytearray] = field(
        default_factory=lambda: {"client": bytearray(), "server": bytearray()}
    )


def tshark_dtls(pcap: Path | str, options: Sequence[str] = ()) -> dict[tuple[str, str], TsharkDtls]:
    """The DTLS associations of a capture, keyed as tlsviz names them (the
    sender of the first datagram is the client)."""
    conns: dict[int, TsharkDtls] = {}
    for pkt in run_tshark(pcap, options):
        layers = pkt["_source"]["layers"]
        udp, dtls = layers.get("udp"), layers.get("dtls")
        if udp is None or dtls is None:
            continue
        udp = _as_list(udp)[0]
        ip = _as_list(layers.get("ip") or layers.get("ipv6"))[0]
        v = "ip" if "ip.src" in ip else "ipv6"
        src, dst = ip[f"{v}.src"], ip[f"{v}.dst"]
        a, b = _endpoint(src, udp["udp.srcport"]), _endpoint(dst, udp["udp.dstport"])
        stream = int(udp["udp.stream"])
        c = conns.setdefault(stream, TsharkDtls(a, b))
        direction = "client" if a == c.client else "server"
        for h in _walk(dtls, "dtls.handshake"):
            for m in _as_list(h):
                if not isinstance(m, dict) or "dtls.handshake.type" not in m:
                    continue
                if m.get("dtls.handshake.fragment_offset", "0") != "0":
                    continue  # a later piece of a fragmented message
                seq = int(m.get("dtls.handshake.message_seq", "0"))
                entry = (seq, int(m["dtls.handshake.type"]))
                if entry not in c.handshake[direction]:
                    c.handshake[direction].append(entry)
        for d in _as_list(layers.get("data")):
            for v in _walk(d, "data.data"):
                c.app_data[direction] += bytes.fromhex(str(v).replace(":", ""))
    return {(c.client, c.server): c for c in conns.values()}
