"""The bundled DTLS captures: real peers over loopback, recorded by tlsviz's relay.

``python captures/make_captures.py --only dtls12-psk-coap`` makes them again
(``make_dtls``).  Each is a DTLS 1.2 association between OpenSSL's
``s_server -dtls1_2`` and ``s_client -dtls1_2`` (the IoT case: a pre-shared
key and AES-128-CCM-8), with a HelloVerifyRequest, and a CoAP GET and its
2.05 answer as the application data; the peers' key log is in the pcapng
(Decryption Secrets Block) and beside it, with the PSK.  Every capture is
checked with tshark (the decrypted CoAP request must be there) and with
tlsviz (both Finished messages verified).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DTLS", "DtlsCapture", "make_dtls"]


@dataclass(frozen=True)
class DtlsCapture:
    name: str
    description: str
    peer: str
    psk: str | None


DTLS = [
    DtlsCapture(
        "dtls12-psk-coap",
        "DTLS 1.2 with a PSK and AES-128-CCM-8, a cookie exchange, a CoAP GET over UDP",
        "openssl",
        "5b9e6c3d0a7f41e28c1d94b6f2a07e35",
    ),
]


def make_dtls(out: Path, names: set[str]) -> list[dict[str, object]]:
    from tlsviz.capture.dtls_live import COAP_GET, DtlsOptions, run_dtls
    from tlsviz.source import open_capture

    entries = []
    for cap in DTLS:
        if cap.name not in names:
            continue
        rec = run_dtls(DtlsOptions(cap.peer, psk=cap.psk))
        pcap, keys = out / f"{cap.name}.pcapng", out / f"{cap.name}.keys"
        rec.write_pcapng(pcap)
        keys.write_text(rec.keylog)
        files = {"capture": pcap.name, "keylog": keys.name}
        if cap.psk:
            (out / f"{cap.name}.psk").write_text(cap.psk + "\n")
            files["psk"] = f"{cap.name}.psk"
        shown = subprocess.run(["tshark", "-r", str(pcap), "-x"], capture_output=True,
                               text=True, check=True, timeout=60).stdout  # fmt: skip
        if "Decrypted DTLS" not in shown or COAP_GET[:4].hex(" ") not in shown:
            raise SystemExit(f"{cap.name}: tshark does not show the decrypted CoAP request")
        (conn,) = list(open_capture(pcap))
        assert conn.keys is not None
        if conn.keys.status()[0] != "verified":
            raise SystemExit(f"{cap.name}: tlsviz does not verify it: {conn.keys.status()}")
        print(f"{cap.name}: {conn.version} {conn.cipher_suite}, checked with tshark")
        entries.append({
            "name": cap.name, "description": cap.description, "files": files,
            "bytes": pcap.stat().st_size, "server": f"{cap.peer} s_server -dtls1_2",
            "client": f"{cap.peer} s_client -dtls1_2", "version": conn.version,
            "suite": conn.cipher_suite, "transport": "udp",
            "application_data": "CoAP CON GET /hello -> ACK 2.05 Content 'Hello, DTLS!'",
            "command": f"tlsviz record --dtls {cap.peer} --psk {cap.psk} -o {pcap.name} "
                       f"--keylog-out {keys.name}",
        })  # fmt: skip
    return entries
