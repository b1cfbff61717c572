"""Re-make the bundled captures with real peers over loopback, then check each with tshark.

Usage: ``python captures/make_captures.py [--out captures/] [--only NAME ...] [--pcapng]``

Needs root (tcpdump on ``lo``), ``openssl``, ``gnutls-cli``/``gnutls-serv``, ``mosquitto``,
``tcpdump`` and ``tshark``. Each capture is written as ``<name>.pcap`` + ``<name>.keys``
(NSS key log); the PKI is kept (and re-used) under ``pki/``. The names, peers, suites and
groups are fixed; the randoms, keys exchanged and ports differ on every run.

Every capture is dissected with tshark using its key material and must show the expected
ServerHello(s), suite, group and the decrypted application data; otherwise the script stops
with an error. ``manifest.json`` records what was made and what tshark saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``captures`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from captures.dtls import DTLS, make_dtls
from captures.peers import (
    CaptureCheck,
    KeyKind,
    Pki,
    Psk,
    Scenario,
    make_leaf,
    make_pki,
    missing_tools,
    record_handshake,
    tool_version,
    verify_capture,
)
from captures.seeded import SEEDED, make_seeded

HERE = Path(__file__).resolve().parent

PSK = Psk(
    identity="tlsviz-client",
    key=hashlib.sha256(b"tlsviz demo PSK").hexdigest()[:32],  # 16 bytes, fixed on purpose
    hint="tlsviz",
)


@dataclass(frozen=True)
class Expect:
    """What tshark must see in the capture."""

    suite: str
    group: str | None  # ECDHE group of every full handshake (None: no ECDHE, e.g. PSK/RSA)
    client_hellos: int = 1
    hrr: int = 0
    psk_accepted: int = 0
    alpn: str | None = None
    etm: bool = False  # encrypt_then_mac accepted in the ServerHello
    handshake_types: frozenset[int] = field(default_factory=frozenset)
    version: str | None = None  # negotiated version of every ServerHello ("TLS 1.0"), if checked
    client_says: tuple[str, ...] = ()  # lines the client must have printed (e.g. a verify error)


@dataclass(frozen=True)
class Leaf:
    """A server certificate made besides the PKI's own (``pki/<kind>/<name>.crt``)."""

    name: str
    cn: str
    san: str
    start: str  # YYYYMMDDHHMMSSZ
    end: str


@dataclass(frozen=True)
class Capture:
    scenario: Scenario
    expect: Expect
    key_file: str | None = None  # "rsa": keep the server key; "psk": keep the PSK
    leaf: Leaf | None = None  # the certificate the server presents, if not pki's server.crt
    problem: str | None = None  # what is wrong on purpose (the "spot the problem" captures)


TLS13_FULL = frozenset({1, 2, 8, 11, 15, 20})  # CH SH EE Certificate CertificateVerify Finished

CAPTURES: list[Capture] = [
    Capture(
        Scenario(
            "tls13-aes128gcm", version="1.3", cipher="TLS_AES_128_GCM_SHA256",
            groups=("x25519", "secp256r1"), server_groups=("x25519",), alpn=("http/1.1",),
            description="TLS 1.3 full handshake, one HTTP/1.0 request and response",
        ),
        Expect("TLS_AES_128_GCM_SHA256", "x25519", alpn="http/1.1",
               handshake_types=TLS13_FULL | {4}),
    ),
    Capture(
        Scenario(
            "tls13-chacha20", server="gnutls", client="gnutls", version="1.3",
            cipher="TLS_CHACHA20_POLY1305_SHA256", groups=("x25519",), alpn=("http/1.1",),
            description="TLS 1.3 with ChaCha20-Poly1305; gnutls-cli against gnutls-serv",
        ),
        Expect("TLS_CHACHA20_POLY1305_SHA256", "x25519", alpn="http/1.1",
               handshake_types=TLS13_FULL | {4}),
    ),
    Capture(
        Scenario(
            "tls13-hrr", version="1.3", cipher="TLS_AES_128_GCM_SHA256",
            groups=("secp256r1", "x25519"), server_groups=("x25519",),
            description="TLS 1.3 HelloRetryRequest: key share for P-256, server wants X25519",
        ),
        Expect("TLS_AES_128_GCM_SHA256", "x25519", client_hellos=2, hrr=1,
               handshake_types=TLS13_FULL),
    ),
    Capture(
        Scenario(
            "tls13-resumption", version="1.3", cipher="TLS_AES_128_GCM_SHA256",
            groups=("x25519",), resume=True,
            description="TLS 1.3 full handshake with a ticket, then a PSK (ticket) resumption",
        ),
        Expect("TLS_AES_128_GCM_SHA256", "x25519", client_hellos=2, psk_accepted=1,
               handshake_types=TLS13_FULL | {4}),
    ),
    Capture(
        Scenario(
            "tls13-mtls", version="1.3", cipher="TLS_AES_256_GCM_SHA384",
            groups=("secp256r1",), mtls=True,
            description="TLS 1.3 with a client certificate (CertificateRequest), SHA-384 suite",
        ),
        Expect("TLS_AES_256_GCM_SHA384", "secp256r1", handshake_types=TLS13_FULL | {13}),
    ),
    Capture(
        Scenario(
            "tls12-ecdhe-rsa-aes128gcm", version="1.2",
            cipher="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", pki="rsa",
            server_groups=("secp256r1",),
            description="TLS 1.2 ECDHE with an RSA certificate, AES-128-GCM",
        ),
        Expect("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "secp256r1",
               handshake_types=frozenset({1, 2, 11, 12, 14, 16, 20})),
    ),
    Capture(
        Scenario(
            "tls12-ecdhe-ecdsa-cbc", server="openssl", client="gnutls", version="1.2",
            cipher="TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", groups=("x25519", "secp256r1"),
            restrict_client=True,  # GnuTLS' NORMAL does not offer CBC with HMAC-SHA256
            description="TLS 1.2 CBC + HMAC-SHA256 (encrypt_then_mac); gnutls-cli client",
        ),
        Expect("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "x25519", etm=True,
               handshake_types=frozenset({1, 2, 11, 12, 14, 16, 20})),
    ),
    Capture(
        Scenario(
            "tls12-rsa-kx", version="1.2", cipher="TLS_RSA_WITH_AES_128_GCM_SHA256", pki="rsa",
            description="TLS 1.2 static RSA key exchange (decryptable with the server key)",
        ),
        Expect("TLS_RSA_WITH_AES_128_GCM_SHA256", None,
               handshake_types=frozenset({1, 2, 11, 14, 16, 20})),
        key_file="rsa",
    ),
    Capture(
        Scenario(
            "tls12-psk-ccm8", version="1.2", cipher="TLS_PSK_WITH_AES_128_CCM_8", psk=PSK,
            description="TLS 1.2 plain PSK with AES-128-CCM-8 (8-byte tag), no certificates",
        ),
        Expect("TLS_PSK_WITH_AES_128_CCM_8", None,
               handshake_types=frozenset({1, 2, 12, 14, 16, 20})),
        key_file="psk",
    ),
    Capture(
        Scenario(
            "mqtt-mtls", server="mosquitto", client="openssl", version="1.3",
            cipher="TLS_AES_128_GCM_SHA256", groups=("x25519",), mtls=True,
            description="MQTT 3.1.1 CONNECT/PUBLISH/DISCONNECT to mosquitto, client certificate",
        ),
        Expect("TLS_AES_128_GCM_SHA256", "x25519", handshake_types=TLS13_FULL | {13}),
    ),
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# "Spot the problem": captures of deliberately bad configurations, for the lessons.  Each is a
# real handshake between real peers that should not have happened: the peers were told to
# lower their guard (OpenSSL's @SECLEVEL=0, a client that does not verify).
# --------------------------------------------------------------------------------------------

EXPIRED = Leaf(
    "expired", cn="old.tlsviz.example", san="DNS:old.tlsviz.example",
    start="20190101000000Z", end="20200101000000Z",
)  # fmt: skip

PITFALL_CAPTURES: list[Capture] = [
    Capture(
        Scenario(
            "pitfall-tls10", version="1.0", cipher="TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            pki="rsa", seclevel=0, client_min_version="1.0",
            description="TLS 1.0 negotiated: the client offers up to TLS 1.3 but accepts 1.0",
        ),
        Expect("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", None, version="TLS 1.0", etm=True,
               handshake_types=frozenset({1, 2, 11, 12, 14, 16, 20})),
        problem="old version: a server that speaks only TLS 1.0 and a client whose minimum is "
        "TLS 1.0 (both at OpenSSL @SECLEVEL=0, which TLS 1.0 needs in OpenSSL 3)",
    ),
    Capture(
        Scenario(
            "pitfall-bad-cert", version="1.2", cipher="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            groups=("x25519", "secp256r1"), server_leaf="expired", verify=False,
            description="A certificate that expired in 2020, for another name, accepted anyway",
        ),
        Expect("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "x25519", version="TLS 1.2",
               handshake_types=frozenset({1, 2, 11, 12, 14, 16, 20}),
               client_says=("certificate has expired",)),
        leaf=EXPIRED,
        problem="certificate not checked: the server presents a certificate for "
        "old.tlsviz.example that expired on 2020-01-01; the client asked for localhost and "
        "runs without -verify_return_error/-verify_hostname, so it prints the verify error "
        "and carries on",
    ),
    Capture(
        Scenario(
            "pitfall-null-cipher", version="1.2", cipher="TLS_RSA_WITH_NULL_SHA256", pki="rsa",
            seclevel=0, client_ciphers="ALL:eNULL",
            description="NULL cipher chosen: records authenticated but not encrypted",
        ),
        Expect("TLS_RSA_WITH_NULL_SHA256", None, version="TLS 1.2", etm=True,
               handshake_types=frozenset({1, 2, 11, 14, 16, 20})),
        key_file="rsa",
        problem="weak suites: the client offers everything OpenSSL has, NULL and anonymous "
        "suites included (ALL:eNULL at @SECLEVEL=0); the server picks NULL-SHA256, so the "
        "application data crosses the wire in clear text",
    ),
]  # fmt: skip
CAPTURES += PITFALL_CAPTURES


def _pitfall_entry(cap: Capture) -> dict[str, object]:
    """Manifest keys only the "spot the problem" captures have."""
    sc = cap.scenario
    return {
        "problem": cap.problem,
        "openssl": tool_version("openssl"),
        "client_verifies": sc.verify,
        "seclevel": sc.seclevel,
        "client_min_version": sc.client_min_version,
        "client_ciphers": sc.client_ciphers,
        **({"certificate": {"cn": cap.leaf.cn, "san": cap.leaf.san, "not_before": cap.leaf.start,
                            "not_after": cap.leaf.end}} if cap.leaf else {}),
    }  # fmt: skip


def check(cap: Capture, result: CaptureCheck, how: str) -> None:
    """Raise SystemExit with a readable message unless ``result`` matches ``cap.expect``."""
    exp, sc = cap.expect, cap.scenario
    problems: list[str] = []
    full = exp.client_hellos - exp.hrr  # ServerHellos (not counting the HRR)
    if result.client_hellos != exp.client_hellos:
        problems.append(f"{result.client_hellos} ClientHello(s), expected {exp.client_hellos}")
    if result.hello_retry_requests != exp.hrr:
        problems.append(f"{result.hello_retry_requests} HRR, expected {exp.hrr}")
    if result.suites != [exp.suite] * full:
        problems.append(f"suites {result.suites}, expected {exp.suite} x{full}")
    if exp.group is not None and result.groups != [exp.group] * full:
        problems.append(f"groups {result.groups}, expected {exp.group} x{full}")
    if result.psk_accepted != exp.psk_accepted:
        problems.append(f"{result.psk_accepted} PSK acceptances, expected {exp.psk_accepted}")
    if result.etm != (full if exp.etm else 0):
        problems.append(f"encrypt_then_mac in {result.etm} ServerHello(s), expected {exp.etm}")
    if exp.alpn is not None and exp.alpn not in result.alpn:
        problems.append(f"ALPN {result.alpn}, expected {exp.alpn}")
    if exp.version is not None and result.versions != [exp.version] * full:
        problems.append(f"versions {result.versions}, expected {exp.version} x{full}")
    missing_types = exp.handshake_types - set(result.handshake_types)
    if missing_types:
        problems.append(f"handshake messages {sorted(missing_types)} not seen (not decrypted?)")
    for piece in sc.exchange().plaintext:
        if piece not in result.plaintext:
            problems.append(f"decrypted application data lacks {piece!r}")
    if problems:
        raise SystemExit(
            f"{sc.name}: tshark check with {how} FAILED:\n  - "
            + "\n  - ".join(problems)
            + f"\n  tshark saw: {result.summary()}"
        )
    print(f"  ok ({how}): {result.summary()}")


def make_one(cap: Capture, out: Path, pkis: dict[KeyKind, Pki], pcapng: bool) -> dict[str, object]:
    sc = cap.scenario
    print(f"{sc.name}: {sc.description}")
    rec = record_handshake(sc, out, pki=pkis[sc.pki], pcapng=pcapng)
    said = "\n".join(rec.extra["client_outputs"])
    for line in cap.expect.client_says:
        if line not in said:
            raise SystemExit(f"{sc.name}: the client did not print {line!r}:\n{said[-2000:]}")
    files = {"capture": rec.pcap.name, "keylog": rec.keylog.name}
    port = int(rec.extra["port"])
    check(cap, verify_capture(rec.pcap, keylog=rec.keylog, port=port), "the key log")
    if cap.key_file == "rsa":
        key = out / f"{sc.name}.key"
        shutil.copyfile(pkis[sc.pki].server_key, key)
        files["rsa_key"] = key.name
        check(cap, verify_capture(rec.pcap, rsa_key=key, port=port), "the RSA key only")
    elif cap.key_file == "psk":
        assert sc.psk is not None
        psk_file = out / f"{sc.name}.psk"
        psk_file.write_text(sc.psk.key + "\n")
        files["psk"] = psk_file.name
        check(cap, verify_capture(rec.pcap, psk=sc.psk.key, port=port), "the PSK only")
    root = str(out.resolve().parent) + "/"
    return {
        "name": sc.name,
        "description": sc.description,
        "files": files,
        "bytes": rec.pcap.stat().st_size,
        "server": sc.server,
        "client": sc.client,
        "version": f"TLS {sc.version}",
        "suite": cap.expect.suite,
        "group": cap.expect.group,
        "hello_retry": cap.expect.hrr > 0,
        "resumption": sc.resume,
        "client_certificate": sc.mtls,
        "encrypt_then_mac": cap.expect.etm,
        "alpn": list(sc.alpn),
        "sni": sc.sni,
        "psk_identity": sc.psk.identity if sc.psk else None,
        "port": port,
        "application_data": sc.exchange().label,
        "commands": [c.replace(root, "") for c in rec.extra["commands"]],
        **(
            {"server_config": rec.extra["server_config"].replace(root, "")}
            if rec.extra["server_config"]
            else {}
        ),
        **(_pitfall_entry(cap) if cap.problem else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output directory")
    parser.add_argument("--only", nargs="*", metavar="NAME", help="make only these captures")
    parser.add_argument("--pcapng", action="store_true", help="write .pcapng instead of .pcap")
    parser.add_argument("--new-pki", action="store_true", help="replace the PKI under pki/")
    args = parser.parse_args(argv)

    chosen = [c for c in CAPTURES if not args.only or c.scenario.name in args.only]
    seeded = [c.name for c in SEEDED if not args.only or c.name in args.only]
    dtls = {c.name for c in DTLS if not args.only or c.name in args.only}
    unknown = set(args.only or ()) - {c.scenario.name for c in CAPTURES} - set(seeded) - dtls
    if unknown:
        raise SystemExit(f"unknown capture(s): {', '.join(sorted(unknown))}")
    missing = missing_tools(
        "openssl", "gnutls-cli", "gnutls-serv", "mosquitto", "tcpdump", "tshark", "editcap"
    )
    if missing and chosen:
        raise SystemExit(f"missing tools: {', '.join(missing)} (tshark is required to check)")

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    pkis = {
        kind: make_pki(out / "pki" / kind, kind, overwrite=args.new_pki)
        for kind in sorted({c.scenario.pki for c in chosen})
    }
    for cap in chosen:
        if cap.leaf is not None:
            lf = cap.leaf
            make_leaf(pkis[cap.scenario.pki], lf.name, cn=lf.cn, san=lf.san, start=lf.start,
                      end=lf.end, overwrite=args.new_pki)  # fmt: skip
    manifest_path = out / "manifest.json"
    entries: dict[str, dict[str, object]] = {}
    old: dict[str, object] = {}
    if manifest_path.exists() and args.only:
        old = json.loads(manifest_path.read_text())
        entries = {e["name"]: e for e in old["captures"]}  # type: ignore[index, union-attr]
    for cap in chosen:
        entries[cap.scenario.name] = make_one(cap, out, pkis, args.pcapng)
    order = [c.scenario.name for c in CAPTURES]
    made = [entries[n] for n in order if n in entries]
    tools = (
        old.get("tools")
        if not chosen
        else {t: tool_version(t) for t in ("openssl", "gnutls-cli", "mosquitto", "tshark")}
    )
    if args.only and old.get("tools"):
        # the captures not re-made were made with the tools listed before: keep that list
        tools = old["tools"]
    manifest = {
        "tools": tools,
        # before "captures": new real-peer captures are appended at the very end
        "seeded": _seeded_entries(out, set(seeded), old),
        "captures": made,
        "dtls": _dtls_entries(out, dtls, old),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(int(str(e["bytes"])) for e in made)
    print(f"done: {len(chosen)} capture(s) checked; all captures {total} bytes; {manifest_path}")
    return 0


def _seeded_entries(out: Path, names: set[str], old: dict[str, object]) -> list[object]:
    """The seeded glass-box captures (captures/seeded.py): made again if chosen, else kept."""
    kept = {e["name"]: e for e in old.get("seeded", [])}  # type: ignore[attr-defined]
    if names:
        print("seeded captures (tlsviz's own client and server):")
        for entry in make_seeded(out, names):
            kept[str(entry["name"])] = entry
    return [kept[c.name] for c in SEEDED if c.name in kept]


def _dtls_entries(out: Path, names: set[str], old: dict[str, object]) -> list[object]:
    """The DTLS captures (captures/dtls.py): made again if chosen, else kept."""
    kept = {e["name"]: e for e in old.get("dtls", [])}  # type: ignore[attr-defined]
    for entry in make_dtls(out, names):
        kept[str(entry["name"])] = entry
    return [kept[c.name] for c in DTLS if c.name in kept]


if __name__ == "__main__":
    sys.exit(main())
