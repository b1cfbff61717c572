"""Every field key the decoder produces has a plain explanation (tlsviz.wire.explain).

Keys are gathered three ways: by decoding the bundled captures and a selection
of public ones, by decoding hand-built messages that exercise every extension
parser and every message form, and by reading the decoder's source for the
keys it passes to the :class:`Reader` (so that keys of code paths no capture
reaches are covered too).
"""

from __future__ import annotations

import ast
import base64
import io
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import CAPTURES, ROOT, corpus_file
from tlsviz.cli import main
from tlsviz.source import open_capture
from tlsviz.wire import registry as reg
from tlsviz.wire.der import OID_NAMES, parse_der
from tlsviz.wire.dispatch import (
    ParseContext,
    decode_alerts,
    decode_application_data,
    decode_ccs,
    decode_encrypted,
    decode_handshake,
    decode_heartbeat,
    decode_sslv2_hello,
    decode_unknown_content,
    record_header_fields,
)
from tlsviz.wire.explain import EXPLANATIONS, TABLES, explanation, length_subject, message_key
from tlsviz.wire.extensions import DRAFT_KEY_SHARE, PARSERS
from tlsviz.wire.fields import Field, Severity, walk_fields
from tlsviz.wire.hello import DOWNGRADE_TLS12, HRR_RANDOM
from tlsviz.wire.message import Message, Segment
from tlsviz.wire.messages import Certificate
from tlsviz.wire.reassembly import RawHandshake
from tlsviz.wire.records import Record

WIRE = ROOT / "tlsviz" / "wire"
BUNDLED = sorted(CAPTURES.glob("*.pcap"))

#: Public captures that between them reach what the bundled ones do not: GREASE,
#: alerts, ALPS, ECH, NPN, draft key_share, SCTs, DHE/export RSA/SSLv2, stapled
#: OCSP, TLS 1.2 tickets, 0-RTT, CertificateRequest with authorities.
CORPUS_SELECTION = [
    "ja4/badcurveball.pcap",
    "ja4/browsers-x509.pcapng",
    "ja4/tls12.pcap",
    "zeek/tls13-ech.pcap",
    "zeek/hrr.pcap",
    "gowireshark/https.pcapng",
    "illustrated-tls12/capture.pcap",
    "lekensteyn-wireshark-notes/all-tls12-suites/dump.pcapng",
    "mqtt-over-tls/TLS_12/mqtt_short_con_tls12_ses_res.pcapng",
    "mqtt-over-tls/TLS_13/mqtt_short_con_tls13_ses_res.pcapng",
    "snet/decrypt_by_keylog/TLS1_2_AES128-CCM8_auth.pcap",
    "wireshark/captures/tls13-20-chacha20poly1305.pcap",
    "wireshark/captures/dtls12-aes128ccm8.pcap",
    "wireshark/captures/snakeoil-dtls.pcap",
    "hotplace-dtls12/dtls12.pcapng",
    "illustrated-dtls/capture.pcap",
    "zeek/dtls13-cid.pcap",
]

SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9'(])")


# -- helpers ------------------------------------------------------------------------------


def text_problem(key: str, text: str | None) -> str | None:
    """What is wrong with the explanation of ``key``, or None."""
    if text is None:
        return f"{key}: no explanation"
    if not text.strip():
        return f"{key}: empty explanation"
    if len(text) > 600:
        return f"{key}: {len(text)} characters (at most 600)"
    if not text.endswith("."):
        return f"{key}: does not end with a period"
    if len(SENTENCE_BREAK.split(text)) > 3:
        return f"{key}: more than 3 sentences"
    return None


def problems(keys: Iterable[str]) -> list[str]:
    out = [text_problem(k, explanation(k)) for k in sorted(set(keys)) if k]
    return [p for p in out if p is not None]


def field_keys(fields: Iterable[Field]) -> set[str]:
    return {f.key for f in walk_fields(tuple(fields)) if f.key}


def message_keys(m: Message) -> set[str]:
    keys = field_keys(m.fields)
    for rec in m.records:
        keys |= field_keys(record_header_fields(rec))
    if isinstance(m.body, Certificate):
        for entry in m.body.entries:
            root, _ = parse_der(entry.der, max_depth=99)
            keys |= field_keys([root])
    return keys


def capture_keys(path: Path) -> set[str]:
    keys: set[str] = set()
    for conn in open_capture(path):
        for m in conn.messages:
            keys |= message_keys(m)
    return keys


def pem_certificates() -> list[bytes]:
    ders = []
    for path in sorted((CAPTURES / "pki").glob("*/*.crt")):
        text = path.read_text()
        for block in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END", text, re.S):
            ders.append(base64.b64decode("".join(block.split())))
    return ders


# -- byte builders for hand-made messages -------------------------------------------------


def u8(v: int) -> bytes:
    return v.to_bytes(1, "big")


def u16(v: int) -> bytes:
    return v.to_bytes(2, "big")


def u24(v: int) -> bytes:
    return v.to_bytes(3, "big")


def u32(v: int) -> bytes:
    return v.to_bytes(4, "big")


def vec(size: int, data: bytes) -> bytes:
    return len(data).to_bytes(size, "big") + data


def ext(etype: int, body: bytes) -> bytes:
    return u16(etype) + vec(2, body)


def exts(*items: bytes) -> bytes:
    return vec(2, b"".join(items))


def suite(name: str) -> reg.SuiteInfo:
    (info,) = [s for s in reg.SUITES.values() if s.name == name]
    return info


def der_seq(content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return b"\x30" + u8(n) + content
    size = (n.bit_length() + 7) // 8
    return b"\x30" + u8(0x80 | size) + n.to_bytes(size, "big") + content


TLS13 = ParseContext(0x0304, suite("TLS_AES_128_GCM_SHA256"), tls13=True)
SCT = vec(
    2,
    vec(
        2,
        u8(0)
        + b"\x42" * 32
        + (1_700_000_000_000).to_bytes(8, "big")
        + vec(2, b"")
        + u8(4)
        + u8(3)
        + vec(2, b"sig"),
    )
    + vec(2, u8(1) + b"future"),
)
KEY = b"\x01" * 32
LEAF = pem_certificates()[0] if pem_certificates() else der_seq(b"")

#: Extensions per message, with a body in that message's form.
CH_EXTS = [
    ext(0x0A0A, b"\x00"),  # GREASE
    ext(0, vec(2, u8(0) + vec(2, b"example.com"))),
    ext(1, u8(1)),
    ext(5, u8(1) + vec(2, vec(2, b"\x30\x00")) + vec(2, b"")),
    ext(10, vec(2, u16(0x1A1A) + u16(0x001D) + u16(0x0017))),
    ext(11, vec(1, b"\x00")),
    ext(13, vec(2, u16(0x0403) + u16(0x0804))),
    ext(14, vec(2, u16(1) + u16(7)) + vec(1, b"")),
    ext(15, u8(1)),
    ext(16, vec(2, vec(1, b"h2") + vec(1, b"http/1.1"))),
    ext(18, b""),
    ext(19, vec(1, b"\x00\x02")),
    ext(20, vec(1, b"\x02")),
    ext(21, b"\x00" * 8),
    ext(22, b""),
    ext(23, b""),
    ext(27, vec(1, u16(1) + u16(2))),
    ext(28, u16(16385)),
    ext(35, b"ticket from an earlier connection"),
    ext(42, b""),
    ext(43, vec(1, u16(0x2A2A) + u16(0x0304) + u16(0x0303))),
    ext(44, vec(2, b"cookie")),
    ext(45, vec(1, b"\x01")),
    ext(47, vec(2, vec(2, b"\x30\x00"))),
    ext(49, b""),
    ext(50, vec(2, u16(0x0804))),
    ext(51, vec(2, u16(0x001D) + vec(2, KEY))),
    ext(53, vec(1, b"\x01\x02")),
    ext(54, vec(1, b"\x03\x04")),
    ext(DRAFT_KEY_SHARE, vec(2, u16(0x001D) + vec(2, KEY))),
    ext(17513, vec(2, vec(1, b"h2"))),
    ext(65037, u8(0) + u16(1) + u16(1) + u8(7) + vec(2, KEY) + vec(2, b"\x03" * 40)),
    ext(65281, vec(1, b"")),
    ext(0x1234, b"\xab\xcd"),  # unknown: kept raw
    ext(41, vec(2, vec(2, b"identity") + u32(1234)) + vec(2, vec(1, b"\x11" * 32))),
]
SH_EXTS = [
    ext(0, b""),
    ext(5, b""),
    ext(16, vec(2, vec(1, b"h2"))),
    ext(18, SCT),
    ext(19, u8(2)),
    ext(20, u8(0)),
    ext(22, b""),
    ext(23, b""),
    ext(35, b""),
    ext(41, u16(0)),
    ext(43, u16(0x0304)),
    ext(51, u16(0x001D) + vec(2, KEY)),
    ext(65281, vec(1, b"\x22" * 24)),
]
HRR_EXTS = [
    ext(43, u16(0x0304)),
    ext(51, u16(0x0017)),
    ext(44, vec(2, b"state")),
    ext(65037, b"\x44" * 8),
]
EE_EXTS = [
    ext(0, b"\x00"),  # server_name must be empty here: unexpected data
    ext(10, vec(2, u16(0x001D))),
    ext(16, vec(2, vec(1, b"h2"))),
    ext(42, b""),
    ext(28, u16(16385)),
    ext(17513, b"\x00\x01settings"),
    ext(65037, b"\x00\x04conf"),
]
CT_EXTS = [
    ext(5, u8(1) + vec(3, b"\x30\x03\x0a\x01\x00")),
    ext(18, SCT),
]
CR_EXTS = [
    ext(13, vec(2, u16(0x0403))),
    ext(47, vec(2, vec(2, b"\x30\x00"))),
    ext(48, vec(2, vec(1, b"\x55\x1d\x25") + vec(2, b"\x30\x00"))),
    ext(49, b""),
    ext(50, vec(2, u16(0x0403))),
]
NST_EXTS = [ext(42, u32(16384))]


def handshake(msg_type: int, body: bytes) -> bytes:
    return u8(msg_type) + u24(len(body)) + body


def client_hello(extensions: list[bytes], session_id: bytes = b"\x5a" * 32) -> bytes:
    suites = b"".join(u16(s) for s in (0x3A3A, 0x1301, 0x1302, 0xC02F, 0x00FF, 0x5600))
    body = u16(0x0303) + b"\x11" * 32 + vec(1, session_id) + vec(2, suites) + vec(1, b"\x00")
    return handshake(1, body + exts(*extensions))


def server_hello(
    extensions: list[bytes], random: bytes = b"\x22" * 32, suite: int = 0x1301
) -> bytes:
    body = u16(0x0303) + random + vec(1, b"\x5a" * 32) + u16(suite) + u8(0)
    return handshake(2, body + exts(*extensions))


def decode(raw: bytes, ctx: ParseContext = TLS13, direction: str = "server") -> Message:
    return decode_handshake(RawHandshake(raw[0], raw, (), (), None), direction, ctx, False)


TLS12_ECDHE = ParseContext(0x0303, suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
TLS12_DHE = ParseContext(0x0303, suite("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"))
TLS12_RSA = ParseContext(0x0303, suite("TLS_RSA_WITH_AES_128_GCM_SHA256"))
TLS12_PSK = ParseContext(0x0303, suite("TLS_PSK_WITH_AES_128_GCM_SHA256"))
TLS12_DHE_PSK = ParseContext(0x0303, suite("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"))
TLS12_SRP = ParseContext(0x0303, suite("TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA"))
TLS12_CBC = ParseContext(0x0303, suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"))
TLS10_EXPORT = ParseContext(0x0301, suite("TLS_RSA_EXPORT_WITH_RC4_40_MD5"))
SSL3_RSA = ParseContext(0x0300, suite("TLS_RSA_WITH_AES_128_CBC_SHA"))
UNKNOWN_SUITE = ParseContext(0x0303, None)

SIG = u16(0x0804) + vec(2, b"signature")
ECDH_PARAMS = u8(3) + u16(0x001D) + vec(1, KEY)
DH_PARAMS = vec(2, b"\xff" * 256) + vec(2, b"\x02") + vec(2, b"\x33" * 256)


def handmade_messages() -> list[Message]:
    """One message of every form the decoder knows, built byte by byte."""
    cert13 = vec(1, b"") + vec(3, vec(3, LEAF) + exts(*CT_EXTS))
    cert12 = vec(3, vec(3, LEAF))
    hs: list[tuple[bytes, ParseContext]] = [
        (client_hello(CH_EXTS), TLS13),
        (client_hello([ext(5, u8(2) + b"\x00\x00")], b""), TLS12_ECDHE),  # ocsp_multi
        (server_hello(SH_EXTS), TLS13),
        (server_hello(HRR_EXTS, HRR_RANDOM), TLS13),
        (server_hello([], b"\x22" * 24 + DOWNGRADE_TLS12, 0xC02F), TLS12_ECDHE),
        (handshake(2, u16(0x7F12) + b"\x22" * 32 + u16(0x1301) + exts(*SH_EXTS[-2:])), TLS13),
        (
            handshake(4, u32(7200) + u32(99) + vec(1, b"\x00") + vec(2, b"t") + exts(*NST_EXTS)),
            TLS13,
        ),
        (handshake(8, exts(*EE_EXTS)), TLS13),
        (handshake(11, cert13), TLS13),
        (handshake(13, vec(1, b"") + exts(*CR_EXTS)), TLS13),
        (handshake(15, u16(0x0403) + vec(2, b"signature")), TLS13),
        (handshake(20, b"\x77" * 32), TLS13),
        (handshake(24, u8(1)), TLS13),
        (handshake(5, b""), TLS13),
        (handshake(5, b"\x00"), TLS13),  # EndOfEarlyData with a stray byte: unparsed
        (handshake(25, u16(2) + u24(1500) + vec(3, b"compressed")), TLS13),
        (handshake(254, b"\x00" * 32), TLS13),  # message_hash: shown raw
        (handshake(1, u16(0x0303) + b"\x11" * 20), TLS13),  # truncated: undecoded
        # TLS 1.2 and older
        (handshake(0, b""), TLS12_ECDHE),
        (handshake(4, u32(300) + vec(2, b"ticket")), TLS12_ECDHE),
        (handshake(11, cert12), TLS12_ECDHE),
        (handshake(12, ECDH_PARAMS + SIG), TLS12_ECDHE),
        (handshake(12, u8(1) + b"explicit curve"), TLS12_ECDHE),
        (handshake(12, DH_PARAMS + SIG), TLS12_DHE),
        (handshake(12, vec(2, b"hint")), TLS12_PSK),
        (handshake(12, vec(2, b"hint") + DH_PARAMS), TLS12_DHE_PSK),
        (
            handshake(
                12, vec(2, b"\xff" * 64) + vec(2, b"\x03") + vec(1, b"salt") + vec(2, KEY) + SIG
            ),
            TLS12_SRP,
        ),
        (
            handshake(12, vec(2, b"\xff" * 64) + vec(2, b"\x01\x00\x01") + vec(2, b"sig")),
            TLS10_EXPORT,
        ),
        (handshake(12, b"opaque params"), UNKNOWN_SUITE),
        (
            handshake(13, vec(1, b"\x01\x40") + vec(2, u16(0x0401)) + vec(2, vec(2, b"\x30\x00"))),
            TLS12_ECDHE,
        ),
        (handshake(14, b""), TLS12_ECDHE),
        (handshake(15, vec(2, b"signature")), TLS10_EXPORT),
        (handshake(16, vec(1, KEY)), TLS12_ECDHE),
        (handshake(16, vec(2, b"\x44" * 256)), TLS12_DHE),
        (handshake(16, vec(2, b"\x55" * 256)), TLS12_RSA),
        (handshake(16, b"\x55" * 64), SSL3_RSA),
        (handshake(16, vec(2, b"client-identity")), TLS12_PSK),
        (handshake(16, vec(2, KEY)), TLS12_SRP),
        (handshake(16, b"opaque"), UNKNOWN_SUITE),
        (handshake(20, b"\x77" * 12), TLS12_ECDHE),
        (handshake(22, u8(1) + vec(3, b"\x30\x00")), TLS12_ECDHE),
    ]
    messages = [decode(raw, ctx) for raw, ctx in hs]

    seg = (Segment(0, "client", 5, 0),)

    def rec(ctype: int, fragment: bytes, version: int = 0x0303) -> Record:
        return Record(
            ctype, version, 0, fragment, None, u8(ctype) + u16(version) + u16(len(fragment))
        )

    ccs = rec(20, b"\x01")
    messages.append(decode_ccs(b"\x01", seg, ccs, "client", TLS13, False))
    messages += decode_alerts(b"\x02\x28", seg[0], rec(21, b"\x02\x28"), "server", TLS13, False)
    app = rec(23, b"GET / HTTP/1.0\r\n\r\n")
    messages.append(decode_application_data(app.fragment, seg, app, "client", TLS13, True))
    # under a NULL cipher, read as cleartext: the content, then the record's MAC
    null = replace(rec(23, b"GET / HTTP/1.0\r\n\r\n" + b"\x88" * 32), mac_length=32)
    messages.append(
        decode_application_data(null.fragment[:-32], seg, null, "client", TLS12_ECDHE, False)
    )
    for payload in (u8(1) + u16(4) + b"ping" + b"\x00" * 16, u8(1) + u16(16384) + b"x"):
        beat = rec(24, payload)
        messages.append(decode_heartbeat(payload, seg, beat, "client", TLS12_ECDHE, False))
    for ctx in (TLS13, TLS12_ECDHE, TLS12_CBC, TLS10_EXPORT):
        messages.append(decode_encrypted(rec(23, b"\x66" * 80), "server", ctx))
    odd = rec(99, b"mystery")
    messages.append(decode_unknown_content(odd.fragment, seg, odd, "client", TLS13, 99, False))
    # An SSLv2-framed ClientHello (RFC 5246 Appendix E.2).
    v2_body = (
        u8(1) + u16(0x0301) + u16(6) + u16(0) + u16(16) + b"\x00\x00\x2f\x01\x00\x80" + b"\x99" * 16
    )
    v2 = Record(22, 0x0301, 0, v2_body, None, u16(0x8000 | len(v2_body)), sslv2=True)
    messages.append(decode_sslv2_hello(v2, "client", TLS12_ECDHE))
    messages += handmade_dtls_messages()
    return messages


def handmade_dtls_messages() -> list[Message]:
    """DTLS (RFC 6347, RFC 9146, RFC 9147): the 12-byte handshake header, the
    cookie, HelloVerifyRequest, the connection ID messages, ACK, and the three
    record header forms."""
    from tlsviz.wire.dtls_connection import decode_ack
    from tlsviz.wire.dtls_reassembly import DtlsInfo

    dtls12 = replace(TLS12_ECDHE, version=0xFEFD, dtls=True)
    dtls13 = replace(TLS13, version=0xFEFC, dtls=True)
    seg = (Segment(0, "client", 13, 0),)

    def hs(t: int, body: bytes, ctx: ParseContext, direction: str = "client") -> Message:
        raw = u8(t) + u24(len(body)) + u16(0) + u24(0) + u24(len(body)) + body
        info = DtlsInfo(0, ((0, len(body), 0),))
        return decode_handshake(RawHandshake(t, raw, seg, (), None, info), direction, ctx, False)

    hello = u16(0xFEFD) + b"\x11" * 32 + vec(1, b"") + vec(1, b"cookie") + vec(2, u16(0xC02F))
    out = [
        hs(1, hello + vec(1, b"\x00") + exts(ext(54, vec(1, b""))), dtls12),
        hs(3, u16(0xFEFF) + vec(1, b"cookie"), dtls12, "server"),
        hs(10, vec(2, vec(1, b"\x01\x02")) + u8(0), dtls13, "server"),
        hs(9, u8(2), dtls13),
    ]
    plain = Record(22, 0xFEFD, 0, b"", None, u8(22) + u16(0xFEFD) + u16(0) + b"\0" * 5
                   + b"\x01" + u16(0), epoch=0, seq=1)  # fmt: skip
    cid = Record(25, 0xFEFD, 0, b"\x00" * 24, None, u8(25) + u16(0xFEFD) + u16(1) + b"\0" * 6
                 + b"\xca\xfe" + u16(24), epoch=1, seq=0, cid=b"\xca\xfe")  # fmt: skip
    unified = Record(23, 0, 0, b"\x00" * 24, None, b"\x3e\xca\xfe\x12\x34" + u16(24),
                     epoch=2, cid=b"\xca\xfe", unified=True)  # fmt: skip
    ack = u16(16) + (2).to_bytes(8, "big") + (0).to_bytes(8, "big")
    out.append(decode_ack(ack, seg, unified, "server", dtls13, True))
    out.append(decode_encrypted(cid, "client", dtls12))
    old = replace(plain, content_type=20, version=0x0100)
    out.append(decode_ccs(b"\x01\x00\x03", seg, old, "client", replace(dtls12, version=0x0100),
                          False))  # fmt: skip
    out.append(decode_ccs(b"\x01", seg, plain, "client", dtls12, False))
    # CoAP (RFC 7252) inside a decrypted DTLS record: GET /s with a Size1 option
    # (an extended delta), and a 2.05 answer with a payload
    get = b"\x42\x01\x12\x34\xaa\xbb\xb1s\xd1\x24\x10"
    answer = b"\x62\x45\x12\x34\xaa\xbb\xc0\xffhi"
    for data in (get, answer):
        app = replace(plain, content_type=23, fragment=data)
        out.append(decode_application_data(data, seg, app, "client", dtls12, True))
    return out


# -- the source of the decoder: every key it can produce --------------------------------

#: Reader method -> position of its ``key`` argument.
KEY_ARGUMENT = {
    "u8": 1, "u16": 1, "u24": 1, "u32": 1, "uint": 2, "raw": 2, "rest": 1,
    "opaque": 2, "block": 2, "sized": 2, "group": 1,
}  # fmt: skip


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _strings(node: ast.expr | None) -> list[str]:
    """The string constants ``node`` can evaluate to (a literal or a conditional)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def source_keys() -> set[str]:
    """The field keys written literally in the decoder's source (``tlsviz/wire/*.py``),
    plus the ones it builds: ``ext.<IANA name>`` for each parsed extension,
    ``x509.<element>`` for each element of the certificate schema."""
    keys: set[str] = set()
    for path in sorted(WIRE.glob("*.py")):
        if path.name.startswith("explain"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Tuple) and path.name == "der.py":
                # schema slots: ("tbsCertificate", (SEQUENCE,), self.tbs, False)
                elts = node.elts
                if (
                    len(elts) == 4
                    and _strings(elts[0])
                    and isinstance(elts[2], ast.Attribute)
                    and isinstance(elts[2].value, ast.Name)
                    and elts[2].value.id == "self"
                ):
                    keys.add("x509." + _strings(elts[0])[0])
            if (
                path.name == "der.py"
                and isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"x509(\.\w+)+", node.value)
            ):
                keys.add(node.value)  # defaults and conditionals: "x509.asn1", "x509.ext.unknown"
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if isinstance(func, ast.Attribute) and name in KEY_ARGUMENT:
                found = _strings(_argument(node, KEY_ARGUMENT[name], "key"))
                keys.update(found)
                if name in ("opaque", "block"):
                    length_key = _strings(_argument(node, 99, "length_key"))
                    keys.update(length_key or [f"{k}_length" for k in found if k])
            elif name == "Field":
                keys.update(_strings(_argument(node, 6, "key")))
            elif name in ("field", "generic") and path.name == "der.py":
                keys.update(_strings(_argument(node, 2 if name == "field" else 3, "key")))
            elif name == "_u16_list":
                for k in _strings(_argument(node, 3, "key")):
                    keys |= {k, f"{k}_length", f"{k}.item"}
    keys |= {f"ext.{reg.extension_name(t)}" for t in PARSERS}
    keys.discard("")
    return keys


# -- the tests ------------------------------------------------------------------------------


def test_tables_are_disjoint_and_well_formed() -> None:
    assert sum(len(t) for t in TABLES) == len(EXPLANATIONS), "a key is in two topic tables"
    assert problems(EXPLANATIONS) == []
    for key, text in EXPLANATIONS.items():
        assert "  " not in text, key
        assert "TODO" not in text, key


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_capture_keys_are_explained(path: Path) -> None:
    keys = capture_keys(path)
    assert {"record.content_type", "handshake.msg_type", "client_hello.random"} <= keys
    assert problems(keys) == []


def test_bundled_captures_reach_hellos_and_certificates() -> None:
    keys: set[str] = set()
    for path in BUNDLED:
        keys |= capture_keys(path)
    assert {
        "server_hello.random",
        "server_hello.session_id",
        "ext.key_share.key_exchange",
        "ext.pre_shared_key.binder",
        "ext.key_share.selected_group",
        "x509.tbsCertificate",
        "x509.ext.subjectAltName",
        "client_key_exchange.encrypted_pre_master_secret",
        "server_key_exchange.psk_identity_hint",
        "encrypted.explicit_nonce",
        "encrypted.iv",
        "ccs.type",
    } <= keys


@pytest.mark.corpus
@pytest.mark.parametrize("rel", CORPUS_SELECTION)
def test_corpus_capture_keys_are_explained(rel: str) -> None:
    keys = capture_keys(corpus_file(rel))
    assert keys
    assert problems(keys) == []


def test_certificate_structure_keys_are_explained() -> None:
    keys: set[str] = set()
    for der in pem_certificates():
        root, diags = parse_der(der, max_depth=99)
        assert not [d for d in diags if d.severity == Severity.ERROR]
        keys |= field_keys([root])
    # malformed: an element too many at the end, and a truncated certificate
    keys |= field_keys([parse_der(der_seq(LEAF[4:] + b"\x02\x01\x00"), max_depth=99)[0]])
    keys |= field_keys([parse_der(b"\x30\x10\x02\x01", max_depth=99)[0]])
    assert {"x509.subjectPublicKeyInfo", "x509.unexpected", "x509.extnValue"} <= keys
    assert problems(keys) == []


#: The hand-made messages that are broken on purpose.
EXPECTED_ERRORS = ("Heartbleed pattern", "malformed ClientHello")


def test_handmade_messages_cover_every_extension_parser() -> None:
    messages = handmade_messages()
    exercised = {
        f.value for m in messages for f in walk_fields(m.fields) if f.key == "extension.type"
    }
    assert set(PARSERS) | {DRAFT_KEY_SHARE} <= exercised
    errors = [
        (m.type, d.message)
        for m in messages
        for d in m.diagnostics
        if d.severity == Severity.ERROR and not any(e in d.message for e in EXPECTED_ERRORS)
    ]
    assert errors == []
    keys: set[str] = set()
    for m in messages:
        keys |= message_keys(m)
    assert problems(keys) == []


def test_handmade_messages_reach_every_source_key() -> None:
    """The hand-made messages are thorough: they produce every key the message
    decoder's source names (the certificate schema is tested on its own)."""
    keys: set[str] = set()
    for m in handmade_messages():
        keys |= message_keys(m)
    missing = {k for k in source_keys() - keys if not k.startswith("x509.")}
    # "length" is the Reader's key for a length prefix of a field without a key;
    # no parser leaves the key out today.
    assert missing - {"length"} == set()


def test_every_key_in_the_source_is_explained() -> None:
    keys = source_keys()
    assert len(keys) > 250, "the source scan found too few keys: has the Reader API changed?"
    assert problems(keys) == []
    # Only length prefixes may rely on the generic text: everything else has its own.
    own = {k for k in keys if not k.endswith("_length")}
    assert sorted(own - set(EXPLANATIONS)) == []


def test_every_parsed_extension_has_its_own_entry() -> None:
    for etype in PARSERS:
        key = f"ext.{reg.extension_name(etype)}"
        assert key in EXPLANATIONS, key
        assert "raw bytes" not in EXPLANATIONS[key], key


def test_every_named_certificate_extension_has_its_own_entry() -> None:
    arcs = ("2.5.29.", "1.3.6.1.5.5.7.1.", "1.3.6.1.4.1.11129.2.4.")
    names = {n for oid, n in OID_NAMES.items() if oid.startswith(arcs) and oid != "2.5.29.32.0"}
    assert names
    assert sorted(f"x509.ext.{n}" for n in names if f"x509.ext.{n}" not in EXPLANATIONS) == []


def test_record_header_keys() -> None:
    plain = Record(22, 0x0301, 0, b"\x00" * 4, None, b"\x16\x03\x01\x00\x04")
    v2 = Record(22, 0x0301, 0, b"\x01" * 9, None, b"\x80\x09", sslv2=True)
    keys = field_keys(record_header_fields(plain)) | field_keys(record_header_fields(v2))
    assert keys == {"record.content_type", "record.version", "record.length", "sslv2.record_length"}
    assert problems(keys) == []


# -- teaching points ------------------------------------------------------------------------

TEACHING = {
    "client_hello.legacy_version": ["0x0303", "supported_versions", "TLS 1.3"],
    "server_hello.legacy_version": ["0x0303", "supported_versions", "TLS 1.3"],
    "client_hello.session_id": ["random", "echo", "middlebox compatibility mode", "TLS 1.3"],
    "server_hello.session_id": ["copy", "middlebox compatibility mode"],
    "server_hello.random": [
        "downgrade sentinel",
        "DOWNGRD\\x01",
        "DOWNGRD\\x00",
        "last 8 bytes",
        "HelloRetryRequest",
        "SHA-256",
    ],
    "ccs.type": ["TLS 1.3", "compatibility", "middlebox"],
    "record.version": ["0x0301", "0x0303", "compatibility"],
    "record.length": ["2^14"],
    "ext.grease": ["RFC 8701", "ignore", "tolerant"],
    "ext.GREASE": ["RFC 8701"],
    "cipher_suite": ["TLS 1.3", "TLS 1.2"],
    "ext.supported_versions": ["TLS 1.3", "version"],
    "ext.supported_versions.selected": ["legacy_version"],
    "ext.key_share": ["public keys", "1-RTT", "(EC)DHE"],
    "ext.key_share.key_exchange": ["public key"],
    "ext.key_share.selected_group": ["HelloRetryRequest"],
    "ext.pre_shared_key.binder": ["HMAC", "proves", "PSK"],
    "ext.pre_shared_key.binders": ["binder"],
    "ext.server_name": ["clear", "Encrypted Client Hello"],
    "ext.encrypted_client_hello": ["server name", "encrypted"],
    "ext.application_layer_protocol_negotiation": ["HTTP/2", "http/1.1", "handshake"],
    "ext.extended_master_secret": ["triple-handshake", "RFC 7627"],
    "ext.encrypt_then_mac": ["CBC", "padding-oracle", "RFC 7366"],
    "ext.renegotiation_info": ["renegotiat", "RFC 5746", "binds"],
    "finished.verify_data": ["HMAC", "transcript"],
    "certificate_verify.signature": ["private key", "proves"],
    "server_key_exchange.signature": ["binds", "ephemeral key", "certificate"],
    "client_key_exchange.encrypted_pre_master_secret": ["forward secrecy", "RSA"],
    "server_key_exchange.psk_identity_hint": ["IoT", "certificates"],
    "client_key_exchange.psk_identity": ["IoT", "certificates"],
    "encrypted.explicit_nonce": ["nonce", "AEAD"],
    "encrypted.tag": ["authentication tag"],
    "encrypted.iv": ["CBC", "IV"],
    "heartbeat.payload_length": ["Heartbleed"],
    "compression_method": ["CRIME"],
}


@pytest.mark.parametrize("key", sorted(TEACHING))
def test_teaching_points(key: str) -> None:
    text = explanation(key)
    assert text is not None
    for phrase in TEACHING[key]:
        assert phrase.lower() in text.lower(), f"{key} should mention {phrase!r}"


# -- fallbacks --------------------------------------------------------------------------------


def test_length_fallback_names_the_thing() -> None:
    assert length_subject("client_hello.cipher_suites_length") == "cipher suites"
    assert length_subject("ext.alpn.list_length") == "ALPN list"
    assert length_subject("ext.key_share.key_exchange_length") == "public key"
    text = explanation("client_hello.cipher_suites_length")
    assert text is not None and "Length prefix of the cipher suites" in text
    assert "client_hello.cipher_suites_length" not in EXPLANATIONS
    text = explanation("made_up.widget_list_length")
    assert text is not None and "widget list" in text


def test_extension_fallbacks() -> None:
    raw = explanation("ext.some_future_extension")
    assert raw is not None and "raw bytes" in raw and "some_future_extension" in raw
    unassigned = explanation("ext.0x002e")
    assert unassigned is not None and "extension 0x002e" in unassigned
    assert explanation("ext.grease") == explanation("ext.GREASE")
    assert "GREASE" in (explanation("ext.GREASE (0x0a0a)") or "")
    assert explanation("x509.ext.futureExtension") is not None
    assert "draft" in (explanation("ext.0x0028") or "")


def test_unknown_keys_have_no_explanation() -> None:
    for key in ("", "no.such.key", "client_hello", "ext.key_share.no_such_field", "x509.ext."):
        assert explanation(key) is None, key


# -- the CLI ----------------------------------------------------------------------------------


def test_decode_explain_prints_an_explanation_under_each_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = CAPTURES / "tls13-aes128gcm.pcap"
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["decode", "--explain", str(path)]) == 0
    lines = out.getvalue().splitlines()
    explained = [line for line in lines if " | " in line]
    assert explained and all(len(line) <= 100 for line in explained)
    # one block of "|" lines under each field that has a key
    blocks = sum(
        1 for i, line in enumerate(lines) if " | " in line and (i == 0 or " | " not in lines[i - 1])
    )
    fields = 0  # each kind of field is explained once per message, and each message once
    for conn in open_capture(path):
        for m in conn.messages:
            keys = {f.key for f in walk_fields(m.fields) if f.key}
            if m.records:
                keys |= {f.key for f in record_header_fields(m.records[0]) if f.key}
            assert explanation(message_key(m.type)) is not None, m.type
            fields += len(keys) + 1
    assert blocks == fields
    text = "\n".join(lines)
    assert "supported_versions" in text and "middlebox compatibility mode" in text


def test_decode_explain_shows_how_each_record_was_protected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TLS 1.3: nonce, additional data, inner content type and padding under each
    decrypted message, the same values the keys layer used (the JSON's decryption)."""
    path = CAPTURES / "tls13-aes128gcm.pcap"
    keys = ["--keylog", str(path.with_suffix(".keys"))]
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["decode", "--explain", str(path), *keys]) == 0
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    assert main(["decode", "--json", str(path), *keys]) == 0
    (conn,) = json.loads(out.getvalue())["connections"]
    ee = next(m for m in conn["messages"] if m["type"] == "EncryptedExtensions")
    dec = ee["records"][0]["decryption"]
    block = text[text.index("<- server: EncryptedExtensions") :]
    block = block[: block.index("msg_type:")]
    assert "Record protection (handshake keys):" in block
    assert f"nonce: {dec['nonce']}" in block and f"additional_data: {dec['aad']}" in block
    assert dec["aad"].startswith("1703030") and "inner_content_type: handshake (0x16)" in block
    assert f"padding: {dec['padding_length']} zero bytes" in block
    for key in ("protection.nonce", "protection.aad", "protection.inner_type", "message."):
        why = explanation(key + ("EncryptedExtensions" if key == "message." else ""))
        assert why is not None and " ".join(why.split()[:4]) in block, key
    assert ee["key"] == "message.EncryptedExtensions" and ee["cleartext"] is False


@pytest.mark.parametrize("kind", ["EncryptedExtensions", "ServerHelloDone", "EndOfEarlyData"])
def test_messages_without_fields_of_their_own_are_explained(kind: str) -> None:
    text = explanation(message_key(kind))
    assert text is not None and text_problem(message_key(kind), text) is None
