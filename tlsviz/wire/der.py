"""A small ASN.1 DER walker that turns an X.509 certificate into :class:`Field` spans.

The Certificate message (RFC 8446 §4.4.2, RFC 5246 §7.4.2) carries opaque DER
blobs; to *show* a certificate the explorer needs every element with its exact
bytes, which a certificate library does not give.  So this module reads the
TLV structure itself (ITU-T X.690 §8.1: identifier, length, contents) and names
the elements after the ASN.1 of RFC 5280 §4.1.  It does not validate anything
cryptographic (see :mod:`tlsviz.keys.x509` for that) and, like the rest of
:mod:`tlsviz.wire`, it never raises on bad input: lengths that overrun their
container are clipped and reported, bytes that do not decode become an
``undecoded`` field, trailing bytes get a diagnostic.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from .fields import Diagnostic, Field, Repeats, Severity, printable, share
from .reader import DecodeError, hex_display

X690 = "X.690 §8.1"
DER = "X.690 §10.1"
RFC5280 = "RFC 5280 §4.1"

#: Names for the OIDs a TLS certificate usually contains (RFC 5280, RFC 4055, RFC 5758,
#: RFC 8410, RFC 6962).  Attribute types use their RFC 4514 short names.
OID_NAMES: dict[str, str] = {
    "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.8": "mgf1",
    "1.2.840.113549.1.1.10": "rsassaPss",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.2.840.10040.4.1": "dsa",
    "2.16.840.1.101.3.4.3.2": "dsa-with-SHA256",
    "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.2.840.10045.3.1.7": "prime256v1",
    "1.3.132.0.34": "secp384r1",
    "1.3.132.0.35": "secp521r1",
    "1.3.101.110": "X25519",
    "1.3.101.111": "X448",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.5.4.3": "CN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "STREET",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
    "1.2.840.113549.1.9.1": "emailAddress",
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.18": "issuerAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.30": "nameConstraints",
    "2.5.29.31": "cRLDistributionPoints",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.35": "authorityKeyIdentifier",
    "2.5.29.37": "extKeyUsage",
    "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
    "1.3.6.1.4.1.11129.2.4.2": "ct_precert_scts",
    "1.3.6.1.4.1.11129.2.4.3": "ct_precert_poison",
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
    "1.3.6.1.5.5.7.48.1": "OCSP",
    "1.3.6.1.5.5.7.48.2": "caIssuers",
    "2.5.29.32.0": "anyPolicy",
}
#: The KeyUsage bits in order (RFC 5280 §4.2.1.3).
KEY_USAGE_BITS = (
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
)
_UNIVERSAL = {
    1: "BOOLEAN",
    2: "INTEGER",
    3: "BIT STRING",
    4: "OCTET STRING",
    5: "NULL",
    6: "OBJECT IDENTIFIER",
    10: "ENUMERATED",
    12: "UTF8String",
    16: "SEQUENCE",
    17: "SET",
    18: "NumericString",
    19: "PrintableString",
    20: "T61String",
    22: "IA5String",
    23: "UTCTime",
    24: "GeneralizedTime",
    26: "VisibleString",
    28: "UniversalString",
    30: "BMPString",
}
_CODECS = {12: "utf-8", 20: "latin-1", 28: "utf-32-be", 30: "utf-16-be"}
_STRINGS = frozenset({12, 18, 19, 20, 22, 26, 28, 30})
_TIME = {
    n: re.compile(f"([0-9]{{{w}}})" + "([0-9]{2})" * 5 + r"Z\Z")  # RFC 5280 §4.1.2.5
    for n, w in ((23, 2), (24, 4))
}
_NESTING_LIMIT = 32  # deeper than any real certificate; stops recursion bombs

Tag = tuple[int, bool, int]  # (class, constructed, number)
SEQUENCE: Tag = (0, True, 16)
INTEGER: Tag = (0, False, 2)
OID: Tag = (0, False, 6)
BIT_STRING: Tag = (0, False, 3)
TIMES: tuple[Tag, ...] = ((0, False, 23), (0, False, 24))


def oid_name(oid: str) -> str:
    """The short name of ``oid``, or the dotted form when it is not in :data:`OID_NAMES`."""
    return OID_NAMES.get(oid, oid)


def decode_oid(content: bytes) -> str:
    """The dotted form of an OBJECT IDENTIFIER's contents (X.690 §8.19).

    Raises :class:`ValueError` on an empty, truncated or non-minimal encoding.
    """
    if not content or content[-1] & 0x80:
        raise ValueError("truncated OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for b in content:
        if value == 0 and b == 0x80:
            raise ValueError("OBJECT IDENTIFIER arc has a leading 0x80 (X.690 §8.19.2)")
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    top = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [top, arcs[0] - 40 * top, *arcs[1:]])


@dataclass(frozen=True, slots=True)
class Header:
    """One TLV header: where it starts, its tag, and how long header and contents are."""

    offset: int
    tag_class: int
    constructed: bool
    number: int
    header_length: int
    length: int
    minimal: bool = True

    @property
    def tag(self) -> Tag:
        return (self.tag_class, self.constructed, self.number)

    @property
    def content(self) -> int:
        return self.offset + self.header_length

    @property
    def end(self) -> int:
        return self.content + self.length

    @property
    def size(self) -> int:
        return self.header_length + self.length


def read_header(data: bytes, pos: int = 0, end: int | None = None) -> Header:
    """Decode the identifier and length octets at ``pos`` (X.690 §8.1.2, §8.1.3).

    Raises :class:`DecodeError` (offsets relative to ``data``) when the header
    does not fit before ``end`` or uses a form DER forbids.  Whether the
    *contents* fit is the caller's business.
    """
    end = len(data) if end is None else min(end, len(data))
    if pos >= end:
        raise DecodeError("expected a tag but the data ends", pos, 0, X690)
    first, i = data[pos], pos + 1
    number = first & 0x1F
    if number == 0x1F:  # high-tag-number form, X.690 §8.1.2.4
        number = 0
        while True:
            if i >= end or i - pos > 5:
                raise DecodeError("tag number is truncated or too long", pos, i - pos, X690)
            number, i = (number << 7) | (data[i] & 0x7F), i + 1
            if not data[i - 1] & 0x80:
                break
    if i >= end:
        raise DecodeError("the length octets are missing", pos, i - pos, X690)
    b, i = data[i], i + 1
    length, minimal = b, True
    if b == 0x80:
        raise DecodeError("indefinite length is BER, not DER", pos, i - pos, DER)
    if b > 0x80:
        n = b & 0x7F
        if n > 4 or i + n > end:
            raise DecodeError(f"a {n}-octet length does not fit", pos, min(i + n, end) - pos, X690)
        length = int.from_bytes(data[i : i + n], "big")
        minimal = length >= 0x80 and data[i] != 0
        i += n
    return Header(pos, first >> 6, bool(first & 0x20), number, i - pos, length, minimal)


def tag_name(tag: Tag) -> str:
    """``SEQUENCE``, ``INTEGER``…, or ``[3]`` for context-specific tags (X.690 §8.1.2)."""
    cls, _, number = tag
    if cls == 0:
        return _UNIVERSAL.get(number, f"UNIVERSAL {number}")
    return f"[{'' if cls == 2 else ('APPLICATION ', '', '', 'PRIVATE ')[cls]}{number}]"


def _int_display(v: int) -> str:
    """Small INTEGERs in decimal and hex, big ones (moduli, serials) in shortened hex."""
    sign = "-" if v < 0 else ""
    if abs(v) < 1 << 64:
        return f"{v} ({sign}0x{abs(v):x})"
    return f"{sign}0x{hex_display(abs(v).to_bytes((abs(v).bit_length() + 7) // 8, 'big'), 24)}"


def _escape(value: str) -> str:
    """Escape an attribute value the way RFC 4514 §2.4 asks."""
    for ch in '\\"+,;<>':
        value = value.replace(ch, "\\" + ch)
    value = value.replace("\0", "\\00")
    if value.endswith(" "):
        value = value[:-1] + "\\ "
    return "\\" + value if value[:1] in ("#", " ") else value


Builder = Callable[[Header, str, int], Field]
Slot = tuple[str, tuple[Tag, ...], Builder, bool]  # name, allowed tags (none: any), optional


class _Walker:
    """Builds the field tree; holds the buffer, the diagnostics and the depth limit."""

    def __init__(self, data: bytes, base: int, max_depth: int, buffer: str | None) -> None:
        self.data, self.base, self.max_depth, self.buffer = data, base, max_depth, buffer
        self.diags: list[Diagnostic] = []
        self.clipped: set[int] = set()
        self.subject = ""

    def diag(
        self,
        sev: Severity,
        msg: str,
        at: Header | int,
        length: int | None = None,
        rfc: str | None = RFC5280,
    ) -> None:
        """Report on the bytes of element ``at`` (or ``length`` bytes from position ``at``)."""
        pos = at.offset if isinstance(at, Header) else at
        size = at.size if length is None and isinstance(at, Header) else length or 0
        self.diags.append(Diagnostic(sev, msg, self.base + pos, size, rfc, buffer=self.buffer))

    def field(
        self,
        name: str,
        h: Header,
        key: str,
        depth: int,
        value: object = None,
        display: str = "",
        children: list[Field] | None = None,
    ) -> Field:
        """A field over ``h``; its children only if ``depth`` is above ``max_depth``."""
        return Field(
            name,
            self.base + h.offset,
            h.size,
            value,
            display,
            self.limit(depth, children or []),
            key,
        )

    def limit(self, depth: int, kids: list[Field]) -> tuple[Field, ...]:
        return tuple(kids) if depth < self.max_depth else ()

    def body(self, h: Header) -> bytes:
        return self.data[h.content : h.end]

    def tlv(self, pos: int, end: int, what: str) -> Header:
        """The header at ``pos``, clipped to ``end`` (and reported once) if it overruns."""
        h = read_header(self.data, pos, end)
        if not h.minimal:
            self.diag(
                Severity.WARNING,
                f"{what}: length not in the shortest form",
                pos,
                h.header_length,
                DER,
            )
        if h.end > end:
            if end not in self.clipped:  # inside a clipped element, overrunning is expected
                self.diag(
                    Severity.ERROR,
                    f"{tag_name(h.tag)} in {what} claims {h.length} bytes"
                    f" but only {end - h.content} remain",
                    pos,
                    h.header_length,
                    X690,
                )
            h = replace(h, length=end - h.content)
            self.clipped.add(end)
        return h

    def elements(self, start: int, end: int, what: str) -> tuple[list[Header], list[Field]]:
        """The TLVs in ``[start, end)``; what does not decode becomes an ``undecoded`` field."""
        out: list[Header] = []
        while start < end:
            try:
                h = self.tlv(start, end, what)
            except DecodeError as err:
                self.diag(
                    Severity.ERROR, f"malformed {what}: {err.message}", start, end - start, err.rfc
                )
                raw = self.data[start:end]
                return out, [
                    Field(
                        "undecoded",
                        self.base + start,
                        end - start,
                        raw,
                        hex_display(raw),
                        (),
                        "undecoded",
                    )
                ]
            out.append(h)
            start = h.end
        return out, []

    def scalar(self, h: Header, what: str) -> tuple[object, str]:
        """Value and display of a primitive element, reporting contents that do not decode."""
        raw, number = self.body(h), h.number
        if h.tag_class != 0 or h.constructed:
            return raw, hex_display(raw)
        if {1: len(raw) != 1, 2: not raw, 3: not raw or raw[0] > 7, 5: bool(raw)}.get(number):
            self.diag(
                Severity.ERROR, f"{what}: invalid {tag_name(h.tag)} contents", h, rfc="X.690 §8"
            )
        elif number == 1:
            return raw != b"\0", "TRUE" if raw != b"\0" else "FALSE"
        elif number in (2, 10):
            v = int.from_bytes(raw, "big", signed=True)
            return v, _int_display(v)
        elif number == 3:
            return raw[1:], hex_display(raw[1:])
        elif number == 5:
            return None, "NULL"
        elif number == 6:
            try:
                oid = decode_oid(raw)
                return oid, f"{OID_NAMES[oid]} ({oid})" if oid in OID_NAMES else oid
            except ValueError as err:
                self.diag(Severity.ERROR, f"{what}: {err}", h, rfc="X.690 §8.19")
        elif number in _STRINGS:
            text = raw.decode(_CODECS.get(number, "ascii"), "replace")
            return text, printable(text)
        elif number in _TIME:
            return self.time(h, what)
        return raw, hex_display(raw)

    def time(self, h: Header, what: str) -> tuple[object, str]:
        """UTCTime/GeneralizedTime in the profile of RFC 5280 §4.1.2.5, as ISO 8601."""
        text = self.body(h).decode("ascii", "replace")
        m = _TIME[h.number].match(text)
        try:
            if not m:
                raise ValueError("not YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ")
            y, mo, d, hh, mm, ss = (int(g) for g in m.groups())
            if h.number == 23:
                y += 1900 if y >= 50 else 2000  # RFC 5280 §4.1.2.5.1
            dt.datetime(y, mo, d, hh, mm, ss)
        except ValueError as err:
            self.diag(
                Severity.ERROR, f"{what}: bad time {text!r}: {err}", h, rfc="RFC 5280 §4.1.2.5"
            )
            return text, text
        if h.number == 24 and y < 2050:
            self.diag(
                Severity.NOTE,
                f"{what}: dates before 2050 must be UTCTime",
                h,
                rfc="RFC 5280 §4.1.2.5",
            )
        iso = f"{y:04d}-{mo:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}Z"
        return iso, iso

    def generic(self, h: Header, name: str, depth: int, key: str = "x509.asn1") -> Field:
        """Any element, named by its tag when the schema has no better name."""
        if not h.constructed:
            return self.field(name, h, key, depth, *self.scalar(h, name))
        kids: list[Field] = []
        if depth < _NESTING_LIMIT:
            elems, kids = self.elements(h.content, h.end, name)
            kids[:0] = [self.generic(e, tag_name(e.tag), depth + 1) for e in elems]
        return self.field(name, h, key, depth, None, f"{len(kids)} element(s)", kids)

    def named(self, h: Header, name: str, depth: int) -> Field:
        return self.generic(h, name, depth, f"x509.{name}")

    def schema(self, h: Header, what: str, depth: int, slots: list[Slot]) -> list[Field]:
        """Match the elements inside ``h`` against ``slots``, reporting what does not fit."""
        elems, bad = self.elements(h.content, h.end, what)
        out: list[Field] = []
        i, missing = 0, False
        for name, tags, build, optional in slots:
            if i < len(elems) and (elems[i].tag in tags or not tags):
                out.append(build(elems[i], name, depth + 1))
                i += 1
            elif i < len(elems) and not optional:
                self.diag(
                    Severity.ERROR,
                    f"{what}: expected {tag_name(tags[0])} for {name}, "
                    f"found {tag_name(elems[i].tag)}",
                    elems[i],
                )
                out.append(self.named(elems[i], name, depth + 1))
                i += 1
            elif not optional and not missing and not bad:
                self.diag(Severity.ERROR, f"{what} ends before {name}", h.end, 0)
                missing = True
        for e in elems[i:]:
            self.diag(Severity.WARNING, f"unexpected {tag_name(e.tag)} at the end of {what}", e)
            out.append(self.generic(e, "unexpected", depth + 1, "x509.unexpected"))
        return out + bad

    # -- RFC 5280 §4.1 -----------------------------------------------------------
    def certificate(self, name: str) -> Field:
        data = self.data
        try:
            h = self.tlv(0, len(data), name)
        except DecodeError as err:
            self.diag(Severity.ERROR, f"malformed {name}: {err.message}", 0, len(data), err.rfc)
            return Field(
                name, self.base, len(data), data, hex_display(data), (), "x509.certificate"
            )
        if h.end < len(data):
            self.diag(
                Severity.ERROR,
                f"{len(data) - h.end} trailing bytes after the {name}",
                h.end,
                len(data) - h.end,
            )
        if h.tag != SEQUENCE:
            self.diag(
                Severity.ERROR,
                f"a Certificate is a SEQUENCE, not {tag_name(h.tag)}",
                0,
                h.header_length,
            )
            return self.generic(h, name, 0, "x509.certificate")
        kids = self.schema(
            h,
            name,
            0,
            [
                ("tbsCertificate", (SEQUENCE,), self.tbs, False),
                ("signatureAlgorithm", (SEQUENCE,), self.algorithm, False),
                ("signatureValue", (BIT_STRING,), self.bits, False),
            ],
        )
        return self.field(name, h, "x509.certificate", 0, None, self.subject, kids)

    def tbs(self, h: Header, name: str, depth: int) -> Field:
        """TBSCertificate (RFC 5280 §4.1.2); unique IDs and extensions are optional."""
        kids = self.schema(
            h,
            name,
            depth,
            [
                ("version", ((2, True, 0),), self.version, True),
                ("serialNumber", (INTEGER,), self.serial, False),
                ("signature", (SEQUENCE,), self.algorithm, False),
                ("issuer", (SEQUENCE,), self.name, False),
                ("validity", (SEQUENCE,), self.validity, False),
                ("subject", (SEQUENCE,), self.name, False),
                ("subjectPublicKeyInfo", (SEQUENCE,), self.spki, False),
                ("issuerUniqueID", ((2, False, 1),), self.named, True),
                ("subjectUniqueID", ((2, False, 2),), self.named, True),
                ("extensions", ((2, True, 3),), self.extensions, True),
            ],
        )
        self.subject = next((k.display for k in kids if k.name == "subject"), "")
        return self.field(name, h, f"x509.{name}", depth, None, f"{len(kids)} fields", kids)

    def bits(self, h: Header, name: str, depth: int) -> Field:
        value, display = self.scalar(h, name)
        if isinstance(value, bytes):
            display = f"{len(value)} bytes: {display}"
        return self.field(name, h, f"x509.{name}", depth, value, display)

    def version(self, h: Header, name: str, depth: int) -> Field:
        """[0] EXPLICIT Version DEFAULT v1 (RFC 5280 §4.1.2.1)."""
        inner = self.schema(h, name, depth, [("versionNumber", (INTEGER,), self.named, False)])
        v = inner[0].value if inner and isinstance(inner[0].value, int) else None
        if v is not None and not 0 <= v <= 2:
            self.diag(
                Severity.ERROR, f"unknown certificate version {v}", h, rfc="RFC 5280 §4.1.2.1"
            )
        elif v == 0:
            self.diag(
                Severity.WARNING, "v1 is the DEFAULT: it must be omitted", h, rfc="X.690 §11.5"
            )
        shown = f"v{v + 1} ({v})" if v is not None and 0 <= v <= 2 else str(v)
        return self.field(name, h, f"x509.{name}", depth, v, shown, inner)

    def serial(self, h: Header, name: str, depth: int) -> Field:
        """A positive INTEGER of at most 20 octets (RFC 5280 §4.1.2.2)."""
        value, display = self.scalar(h, name)
        if isinstance(value, int) and (value <= 0 or h.length > 20):
            self.diag(
                Severity.WARNING,
                "serial number should be positive and at most 20 octets",
                h,
                rfc="RFC 5280 §4.1.2.2",
            )
        return self.field(name, h, f"x509.{name}", depth, value, display)

    def algorithm(self, h: Header, name: str, depth: int) -> Field:
        """AlgorithmIdentifier (RFC 5280 §4.1.1.2): an OID plus parameters (ANY)."""
        kids = self.schema(
            h,
            name,
            depth,
            [("algorithm", (OID,), self.named, False), ("parameters", (), self.named, True)],
        )
        oid = kids[0].value if kids and isinstance(kids[0].value, str) else None
        shown = oid_name(oid or "?")
        if len(kids) > 1 and isinstance(kids[1].value, str):  # a named curve (RFC 5480 §2.1.1)
            shown += f", {oid_name(kids[1].value)}"
        return self.field(name, h, f"x509.{name}", depth, oid, shown, kids)

    def name(self, h: Header, name: str, depth: int) -> Field:
        """Name: a SEQUENCE of RDNs (RFC 5280 §4.1.2.4), shown in RFC 4514 order."""
        rdns, bad = self.elements(h.content, h.end, name)
        kids: list[Field] = []
        for rdn in rdns:
            atvs, sub = self.elements(rdn.content, rdn.end, f"RDN in {name}")
            parts, names, pairs = [], [], []
            for atv in atvs:
                pair = self.schema(
                    atv,
                    f"attribute in {name}",
                    depth + 1,
                    [("type", (OID,), self.named, False), ("value", (), self.named, False)],
                )
                if [f.name for f in pair[:2]] == ["type", "value"]:
                    v = pair[1]
                    text = (
                        _escape(v.value)
                        if isinstance(v.value, str)
                        else "#" + self.data[v.offset - self.base : v.end - self.base].hex()
                    )  # RFC 4514 §2.4
                    names.append(oid_name(str(pair[0].value)))
                    parts.append(f"{names[-1]}={text}")
                pairs += pair
            kids.append(
                self.field(
                    "+".join(names) or "RDN",
                    rdn,
                    "x509.rdn",
                    depth + 1,
                    "+".join(parts),
                    "+".join(parts),
                    pairs + sub,
                )
            )
        order = [str(k.value) for k in reversed(kids)]
        return self.field(
            name, h, f"x509.{name}", depth, ",".join(order), ", ".join(order), kids + bad
        )

    def validity(self, h: Header, name: str, depth: int) -> Field:
        """Validity (RFC 5280 §4.1.2.5): two times, shown as ISO 8601."""
        kids = self.schema(
            h,
            name,
            depth,
            [("notBefore", TIMES, self.named, False), ("notAfter", TIMES, self.named, False)],
        )
        return self.field(
            name, h, f"x509.{name}", depth, None, " → ".join(str(k.value) for k in kids[:2]), kids
        )

    def spki(self, h: Header, name: str, depth: int) -> Field:
        """SubjectPublicKeyInfo (RFC 5280 §4.1.2.7); RSA keys (RFC 8017 A.1.1) show their size."""
        kids = self.schema(
            h,
            name,
            depth,
            [
                ("algorithm", (SEQUENCE,), self.algorithm, False),
                ("subjectPublicKey", (BIT_STRING,), self.bits, False),
            ],
        )
        ok = len(kids) > 1 and [k.name for k in kids[:2]] == ["algorithm", "subjectPublicKey"]
        shown = kids[0].display if ok else "?"
        if ok and kids[0].value == "1.2.840.113549.1.1.1" and isinstance(kids[1].value, bytes):
            end = kids[1].end - self.base
            rsa, parts = self.elements(end - len(kids[1].value), end, "RSAPublicKey")
            if len(rsa) == 1 and rsa[0].tag == SEQUENCE and not parts:
                parts = self.schema(
                    rsa[0],
                    "RSAPublicKey",
                    depth + 1,
                    [
                        ("modulus", (INTEGER,), self.named, False),
                        ("publicExponent", (INTEGER,), self.named, False),
                    ],
                )
                if parts and isinstance(parts[0].value, int):
                    shown += f", {parts[0].value.bit_length()}-bit"
            else:
                parts[:0] = [self.generic(r, tag_name(r.tag), depth + 2) for r in rsa]
            kids[1] = replace(kids[1], children=self.limit(depth + 1, parts))
        return self.field(
            name,
            h,
            f"x509.{name}",
            depth,
            oid_name(str(kids[0].value)) if ok else None,
            shown,
            kids,
        )

    def extensions(self, h: Header, name: str, depth: int) -> Field:
        """[3] EXPLICIT Extensions: one field per Extension (RFC 5280 §4.1.2.9, §4.2)."""
        seq, bad = self.elements(h.content, h.end, name)
        kids: list[Field] = []
        if not seq and not bad:
            self.diag(Severity.ERROR, f"{name} is empty (SIZE (1..MAX))", h)
        for i, s in enumerate(seq):
            if i or s.tag != SEQUENCE:
                self.diag(Severity.ERROR, f"unexpected {tag_name(s.tag)} in {name}", s)
                kids.append(self.generic(s, "unexpected", depth + 1, "x509.unexpected"))
                continue
            exts, ebad = self.elements(s.content, s.end, name)
            seen: set[object] = set()
            for e in exts:
                kids.append(self.extension(e, depth + 1))
                if kids[-1].key.startswith("x509.ext.") and kids[-1].value in seen:
                    self.diag(
                        Severity.WARNING,
                        f"duplicate extension {kids[-1].name}",
                        e,
                        rfc="RFC 5280 §4.2",
                    )
                seen.add(kids[-1].value)
            kids += ebad
        count = sum(1 for k in kids if k.key.startswith("x509.ext."))
        return self.field(name, h, f"x509.{name}", depth, None, f"{count} extensions", kids + bad)

    def extension(self, h: Header, depth: int) -> Field:
        """Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }.

        extnValue is an OCTET STRING holding the DER of the extension's own
        ASN.1 (RFC 5280 §4.1.2.9), so it is walked too.
        """
        if h.tag != SEQUENCE:
            self.diag(Severity.ERROR, f"an Extension is a SEQUENCE, not {tag_name(h.tag)}", h)
            return self.generic(h, "unexpected", depth, "x509.unexpected")
        kids = self.schema(
            h,
            "extension",
            depth,
            [
                ("extnID", (OID,), self.named, False),
                ("critical", ((0, False, 1),), self.named, True),
                ("extnValue", ((0, False, 4),), self.named, False),
            ],
        )
        oid = str(kids[0].value) if kids and kids[0].name == "extnID" else "?"
        name = oid_name(oid)
        flags = {k.value for k in kids if k.name == "critical"}
        if False in flags:
            self.diag(
                Severity.WARNING,
                "critical FALSE is the DEFAULT: it must be omitted",
                h,
                rfc="X.690 §11.5",
            )
        shown = ["critical"] if True in flags else []
        for i, k in enumerate(kids):
            if k.name == "extnValue" and k.length >= 2:
                at, end = k.offset - self.base, k.end - self.base
                start = at + read_header(self.data, at).header_length
                elems, tree = self.elements(start, end, f"{name} extnValue")
                summary = self.quietly(self.summary(name), elems[0]) if elems else ""
                shown.append(summary or f"{end - start}-byte value")
                tree[:0] = [self.generic(e, tag_name(e.tag), depth + 2) for e in elems]
                kids[i] = replace(k, children=self.limit(depth + 1, tree))
        key = f"x509.ext.{name}" if oid in OID_NAMES else "x509.ext.unknown"
        return self.field(name, h, key, depth, oid, "; ".join(shown), kids)

    def quietly(self, fn: Callable[[Header], str], h: Header) -> str:
        """Run a display-only decoder without letting it report (the tree reports)."""
        saved = self.diags, self.clipped
        self.diags, self.clipped = [], set()
        try:
            return fn(h)
        except (DecodeError, ValueError, IndexError):
            return "(malformed)"
        finally:
            self.diags, self.clipped = saved

    def summary(self, ext: str) -> Callable[[Header], str]:
        """A one-line reading of common extension values (RFC 5280 §4.2.1)."""

        def items(h: Header) -> list[Header]:
            return self.elements(h.content, h.end, ext)[0]

        def gn(g: Header) -> str:  # GeneralName, RFC 5280 §4.2.1.6
            raw = self.body(g)
            label = {1: "email", 2: "DNS", 6: "URI", 8: "RID"}.get(g.number)
            if g.number == 7:
                return f"IP:{ipaddress.ip_address(raw)}"
            if g.number == 4:
                return "DirName:" + str(self.name(items(g)[0], "dirName", 99).display)
            return f"{label}:{raw.decode('ascii', 'replace')}" if label else f"[{g.number}]"

        def bc(h: Header) -> str:
            vals = [self.scalar(e, ext)[0] for e in items(h)]
            return f"CA:{'TRUE' if vals[:1] == [True] else 'FALSE'}" + "".join(
                f", pathlen:{v}" for v in vals if not isinstance(v, bool)
            )

        def ku(h: Header) -> str:
            raw = self.body(h)[1:]
            return ", ".join(
                n
                for i, n in enumerate(KEY_USAGE_BITS)
                if i // 8 < len(raw) and raw[i // 8] & (0x80 >> i % 8)
            )

        table: dict[str, Callable[[Header], str]] = {
            "subjectAltName": lambda h: ", ".join(gn(g) for g in items(h)),
            "basicConstraints": bc,
            "keyUsage": ku,
            "extKeyUsage": lambda h: ", ".join(
                oid_name(decode_oid(self.body(e))) for e in items(h)
            ),
            "subjectKeyIdentifier": lambda h: self.body(h).hex(),
            "authorityKeyIdentifier": lambda h: ", ".join(
                f"keyid:{self.body(e).hex()}" for e in items(h) if e.number == 0
            ),
        }
        return table.get(ext, lambda h: "")


def parse_der(
    data: bytes,
    base: int = 0,
    name: str = "certificate",
    max_depth: int = 3,
    *,
    buffer: str | None = None,
) -> tuple[Field, list[Diagnostic]]:
    """Decode an X.509 certificate (RFC 5280 §4.1) into one :class:`Field` tree.

    Offsets are ``base`` + position in ``data``.  ``max_depth`` limits how deep
    the returned tree goes (the certificate is depth 0, ``tbsCertificate`` 1,
    ``extensions`` 2, each extension 3); deeper elements are still decoded and
    checked, their bytes simply stay inside their ancestor's span.  Never
    raises: problems come back as diagnostics, and every byte of ``data`` lies
    in the returned field or in a diagnostic.
    """
    walker = _Walker(bytes(data), base, max_depth, buffer)
    return walker.certificate(name), walker.diags


def der_diagnostics(data: bytes, base: int = 0, *, buffer: str | None = None) -> list[Diagnostic]:
    """The diagnostics :func:`parse_der` gives for ``data``, without keeping its
    tree: what a first pass that leaves field trees for later must still report.
    Certificates repeat within a capture, so the walk is made once per
    certificate (see :func:`parse_der_cached`)."""
    return _moved_diagnostics(_parsed_der(bytes(data))[1], base, buffer)


def parse_der_cached(
    data: bytes, base: int = 0, *, buffer: str | None = None
) -> tuple[Field, list[Diagnostic]]:
    """:func:`parse_der` (default name and depth) of a certificate seen before:
    its tree is walked once and moved to ``base``.  A server sends the same
    chain to every client, so a capture decodes each certificate once."""
    data = bytes(data)
    root, diags = _parsed_der(data)
    tree = _MOVED.get((data, base))
    if tree is None:
        tree = _moved(root, base)
        if _MOVED.offer((data, base), tree):  # the same place again: the next ones share it
            share(tree)
            for child in tree.children:
                share(child)
    return tree, _moved_diagnostics(diags, base, buffer)


#: Certificate trees already moved, by (DER, offset): connections alike put
#: their certificate at the same offset, and share its tree from the second
#: one on.
_MOVED: Repeats[tuple[bytes, int], Field] = Repeats(64, 4096)


def _moved(f: Field, base: int) -> Field:
    """``f`` and its descendants, ``base`` bytes further on."""
    kids = f.children
    return Field(
        f.name, f.offset + base, f.length, f.value, f.display,
        tuple([_moved(c, base) for c in kids]) if kids else kids, f.key,
    )  # fmt: skip


def _moved_diagnostics(
    diags: tuple[Diagnostic, ...], base: int, buffer: str | None
) -> list[Diagnostic]:
    return [
        Diagnostic(d.severity, d.message, d.offset + base, d.length, d.rfc, d.direction, buffer)
        for d in diags
    ]


@functools.lru_cache(maxsize=256)
def _parsed_der(data: bytes) -> tuple[Field, tuple[Diagnostic, ...]]:
    """A certificate's tree and diagnostics at offset 0 (kept for the next
    connection that sends it: a tree is immutable)."""
    root, diags = parse_der(data, 0)
    return root, tuple(diags)
