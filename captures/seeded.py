"""Bundled captures made by tlsviz's own client and server with a fixed seed.

Both ends are tlsviz's glass-box peer, so each file carries every secret — the
key log *and* both sides' ephemeral private keys — and ``tlsviz decode`` shows
the key schedule from the (EC)DHE shared secret on.  With a fixed ``--seed``
the files are the same byte for byte every time they are made, which is what
lessons and screenshots need (``tests/test_peer_bundled.py`` re-makes them
and compares).  The real-peer captures of ``make_captures.py`` stay beside
them; these have their own list in ``manifest.json`` (``"seeded"``).

Each capture is made with ``tlsviz record --client tlsviz --server tlsviz
--seed N ...`` and checked: tlsviz decodes every connection with its keys
verified (or, for an experiment, the expected mismatch), and tshark decrypts
the HTTP exchange with nothing but the file.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SEEDED", "Seeded", "make_seeded"]


@dataclass(frozen=True)
class Seeded:
    name: str
    description: str
    options: tuple[str, ...]
    seed: int = 1  # each its own: two captures must never share a client random
    status: str = "verified"  # what decode must say of every connection


SEEDED: list[Seeded] = [
    Seeded("glassbox-tls13", "TLS 1.3 full handshake, every key from the X25519 shared secret",
           ("--cipher", "TLS_AES_128_GCM_SHA256")),
    Seeded("glassbox-tls13-hrr", "HelloRetryRequest: the client's key share is P-256, the "
           "server takes X25519 only", ("--key-share", "secp256r1", "--server-groups", "x25519"),
           seed=2),
    Seeded("glassbox-tls13-resumption-0rtt", "a ticket, then a resumption with psk_dhe_ke and "
           "0-RTT data, then a KeyUpdate", ("--resume", "--early-data", "--key-update"), seed=3),
    Seeded("glassbox-tls13-psk-ke", "external PSK only (psk_ke, no (EC)DHE, no certificate): "
           "the IoT case", ("--tls1.3", "--psk", "000102030405060708090a0b0c0d0e0f",
                            "--psk-mode", "ke"), seed=4),
    Seeded("glassbox-tls13-mtls-p384", "mutual TLS over secp384r1 with AES-256-GCM",
           ("--mtls", "--groups", "secp384r1", "--cipher", "TLS_AES_256_GCM_SHA384"), seed=5),
    Seeded("glassbox-tls12-ecdhe-resumption", "TLS 1.2 ECDHE-ECDSA with extended master secret, "
           "then a session-ID resumption", ("--tls1.2", "--resume", "--no-ticket"), seed=6),
    Seeded("glassbox-wrong-finished", "experiment: the client's Finished has one wrong bit; "
           "the server answers decrypt_error", ("--experiment", "wrong-finished"),
           seed=7, status="mismatch"),
]  # fmt: skip


def _tlsviz(*argv: str) -> tuple[int, str]:
    from tlsviz.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def make_one(cap: Seeded, out: Path) -> dict[str, object]:
    """Make one capture (and its key log) in ``out``; check it; its manifest entry."""
    from tlsviz.source import open_capture

    path, keys = out / f"{cap.name}.pcapng", out / f"{cap.name}.keys"
    argv = ("record", "--client", "tlsviz", "--server", "tlsviz", "--seed", str(cap.seed),
            *cap.options, "-o", str(path), "--keylog-out", str(keys))  # fmt: skip
    code, said = _tlsviz(*argv)
    if code != 0:
        raise SystemExit(f"{cap.name}: tlsviz record failed ({code}):\n{said}")
    conns = list(open_capture(path))
    for conn in conns:
        assert conn.keys is not None
        status, reason = conn.keys.status()
        if status != cap.status:
            raise SystemExit(f"{cap.name}: connection {conn.id} is {status}: {reason}")
    if shutil.which("tshark") and cap.status == "verified":
        shark = subprocess.run(["tshark", "-r", str(path), "-Y", "http"], capture_output=True,
                               text=True, timeout=120)  # fmt: skip
        if "HTTP/1.1 200 OK" not in shark.stdout:
            said = shark.stdout + shark.stderr
            raise SystemExit(f"{cap.name}: tshark did not decrypt it:\n{said}")
    first = conns[0]
    print(f"  ok: {cap.name}: {len(conns)} connection(s), {first.version}, {first.cipher_suite}")
    return {
        "name": cap.name,
        "description": cap.description,
        "files": {"capture": path.name, "keylog": keys.name},
        "bytes": path.stat().st_size,
        "server": "tlsviz",
        "client": "tlsviz",
        "version": first.version,
        "suite": first.cipher_suite,
        "group": first.group,
        "seed": cap.seed,
        "secrets": "key log and both ephemeral private keys, in the pcapng",
        "command": "tlsviz " + " ".join(argv).replace(f"{out}/", ""),
    }


def make_seeded(out: Path, only: set[str] | None = None) -> list[dict[str, object]]:
    """Make the seeded captures (all, or those named in ``only``)."""
    return [make_one(cap, out) for cap in SEEDED if not only or cap.name in only]
