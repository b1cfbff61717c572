"""Make a large capture of real TLS handshakes over loopback, with its key log.

Python's ssl module (OpenSSL) on both sides, a real TCP connection per
handshake, alternating TLS 1.3 and TLS 1.2 (ECDHE-ECDSA AES-GCM / ChaCha20 /
AES-CBC), each carrying one small HTTP-like request and reply; tcpdump records
the loopback traffic.  Needs root (tcpdump on lo) and tcpdump.

    python benchmarks/make_capture.py --handshakes 12000 --out benchmarks/out/big.pcap
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TLS12_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES256-SHA384",
]


def make_cert(work: Path) -> tuple[Path, Path]:
    key, crt = work / "key.pem", work / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(crt),
            "-subj",
            "/CN=bench.local",
            "-days",
            "30",
            "-addext",
            "subjectAltName=DNS:bench.local",
        ],
        check=True,
        capture_output=True,
    )
    return crt, key


def serve(sock: socket.socket, ctx: ssl.SSLContext, stop: threading.Event) -> None:
    def handle(conn: socket.socket) -> None:
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                data = tls.recv(4096)
                if data:
                    body = b"hello " + data[:16]
                    tls.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                    )
        except (OSError, ssl.SSLError):
            pass

    with ThreadPoolExecutor(max_workers=8) as pool:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                break
            pool.submit(handle, conn)


def client(port: int, n: int, cafile: Path, keylog: Path, first: int) -> None:
    ctx13 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx13.minimum_version = ctx13.maximum_version = ssl.TLSVersion.TLSv1_3
    ctxs = [ctx13]
    for cipher in TLS12_CIPHERS:
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        c.maximum_version = ssl.TLSVersion.TLSv1_2
        c.set_ciphers(cipher)
        ctxs.append(c)
    for c in ctxs:
        c.load_verify_locations(cafile)
        c.keylog_filename = str(keylog)
    for i in range(first, first + n):
        ctx = ctxs[0] if i % 2 == 0 else ctxs[1 + (i // 2) % len(TLS12_CIPHERS)]
        raw = socket.create_connection(("127.0.0.1", port))
        with raw, ctx.wrap_socket(raw, server_hostname="bench.local") as tls:
            tls.sendall(b"GET /%d HTTP/1.1\r\nHost: bench.local\r\n\r\n" % i)
            while tls.recv(4096):
                pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--handshakes", type=int, default=12000)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out/big.pcap"))
    ap.add_argument("--clients", type=int, default=2, help="parallel client threads")
    args = ap.parse_args()
    if shutil.which("tcpdump") is None or os.geteuid() != 0:
        print("make_capture: needs tcpdump and root to capture on lo.", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    keylog = args.out.with_suffix(".keys")
    keylog.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        crt, key = make_cert(Path(tmp))
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(crt, key)
        sctx.set_ciphers(":".join(TLS12_CIPHERS))
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(512)
        port = srv.getsockname()[1]
        dump = subprocess.Popen(
            [
                "tcpdump",
                "-i",
                "lo",
                "-U",
                "--immediate-mode",
                "-B",
                "65536",
                "-s",
                "0",
                "-Z",
                "root",
                "-w",
                str(args.out),
                f"tcp port {port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        stop = threading.Event()
        t = threading.Thread(target=serve, args=(srv, sctx, stop), daemon=True)
        t.start()
        started = time.time()
        per = args.handshakes // args.clients
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            jobs = [
                pool.submit(
                    client,
                    port,
                    per + (args.handshakes % args.clients if k == 0 else 0),
                    crt,
                    keylog,
                    k * per,
                )
                for k in range(args.clients)
            ]
            for j in jobs:
                j.result()
        took = time.time() - started
        time.sleep(1.0)
        dump.send_signal(signal.SIGINT)
        err = dump.communicate(timeout=30)[1].decode(errors="replace")
        stop.set()
        srv.close()
    print(
        f"{args.handshakes} handshakes in {took:.1f} s -> {args.out} "
        f"({args.out.stat().st_size / 1e6:.1f} MB), key log {keylog}"
    )
    for line in err.splitlines():
        if "dropped" in line or "captured" in line:
            print("tcpdump:", line.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
