"""ClientHello and ServerHello (RFC 8446 §4.1.2-4.1.4, RFC 5246 §7.4.1).

The hellos carry the whole negotiation, so they are decoded field by field
with the teaching points attached: TLS 1.3 freezes ``legacy_version`` at TLS
1.2 and moves the real version into ``supported_versions``; a TLS 1.3 server
echoes the client's session id for middlebox compatibility; a
HelloRetryRequest is a ServerHello with a fixed random; downgrade sentinels in
ServerHello.random reveal a server that could have negotiated a newer version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import registry as reg
from .extensions import CH, HRR, SH, Extension, KeyShareEntry, PskOffer, find, parse_extensions
from .facts import HRR_RANDOM as HRR_RANDOM
from .facts import is_tls13, negotiated_version, old_draft
from .reader import DecodeError, Reader
from .registry import ExtensionType as EXT

#: RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random when a TLS 1.3
#: server negotiates TLS 1.2 (…01), or a TLS 1.3 (MUST) or TLS 1.2 (SHOULD)
#: server negotiates TLS 1.1 or below (…00).
DOWNGRADE_TLS12 = b"DOWNGRD\x01"
DOWNGRADE_TLS11 = b"DOWNGRD\x00"


class _Hello:
    __slots__ = ()
    extensions: tuple[Extension, ...]

    def ext(self, etype: int) -> Extension | None:
        return find(self.extensions, etype)

    def ext_value(self, etype: int) -> Any:
        e = find(self.extensions, etype)
        return e.value if e is not None else None


#: key_share's code before TLS 1.3 draft 23 (no longer in the IANA registry)
KEY_SHARE_DRAFT = 40


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class ClientHello(_Hello):
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suites: tuple[int, ...]
    compression_methods: tuple[int, ...]
    extensions: tuple[Extension, ...]
    sslv2: bool = False
    #: DTLS 1.0/1.2: the cookie echoed from a HelloVerifyRequest (RFC 6347
    #: §4.2.1); None in TLS
    cookie: bytes | None = None

    @property
    def sni(self) -> str | None:
        v = self.ext_value(EXT.server_name)
        return v if isinstance(v, str) else None

    @property
    def alpn(self) -> list[str]:
        v = self.ext_value(EXT.application_layer_protocol_negotiation)
        return v if isinstance(v, list) else []

    @property
    def supported_versions(self) -> list[int]:
        v = self.ext_value(EXT.supported_versions)
        return v if isinstance(v, list) else []

    @property
    def key_shares(self) -> list[KeyShareEntry]:
        v = self.ext_value(EXT.key_share)
        if v is None:
            v = self.ext_value(KEY_SHARE_DRAFT)
        return v if isinstance(v, list) else []

    @property
    def psk(self) -> PskOffer | None:
        v = self.ext_value(EXT.pre_shared_key)
        return v if isinstance(v, PskOffer) else None

    @property
    def offers_tls13(self) -> bool:
        return any(is_tls13(v) for v in self.supported_versions)


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class ServerHello(_Hello):
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suite: int
    compression_method: int
    extensions: tuple[Extension, ...]
    is_hrr: bool = False

    @property
    def version(self) -> int:
        """The negotiated version: supported_versions if present (TLS 1.3),
        otherwise legacy_version (RFC 8446 §4.2.1)."""
        return negotiated_version(self.legacy_version, self.ext_value(EXT.supported_versions))

    @property
    def key_share(self) -> KeyShareEntry | None:
        v = self.ext_value(EXT.key_share)
        if v is None:
            v = self.ext_value(KEY_SHARE_DRAFT)
        return v if isinstance(v, KeyShareEntry) else None

    @property
    def selected_group(self) -> int | None:
        """The group of the key share, or the group a HelloRetryRequest asks for."""
        v = self.ext_value(EXT.key_share)
        if v is None:
            v = self.ext_value(KEY_SHARE_DRAFT)  # key_share before TLS 1.3 draft 23
        if isinstance(v, KeyShareEntry):
            return v.group
        if isinstance(v, int):
            return v
        return None

    @property
    def alpn(self) -> str | None:
        v = self.ext_value(EXT.application_layer_protocol_negotiation)
        return v[0] if isinstance(v, list) and v else None

    @property
    def psk_selected(self) -> int | None:
        v = self.ext_value(EXT.pre_shared_key)
        return v if isinstance(v, int) else None


def _random_display(data: bytes) -> str:
    return data.hex()


def parse_client_hello(r: Reader, notes: list[str], *, dtls: bool = False) -> ClientHello:
    """RFC 8446 §4.1.2, RFC 5246 §7.4.1.2; with ``dtls``, the cookie that
    follows the session id in DTLS (RFC 6347 §4.2.1; RFC 9147 §5.3 keeps it,
    always empty, as legacy_cookie)."""
    version = r.u16("legacy_version", "client_hello.legacy_version", fmt=reg.version_display)
    random = r.raw("random", 32, "client_hello.random", fmt=_random_display)
    session_id = r.opaque("legacy_session_id", 1, "client_hello.session_id")
    cookie = r.opaque("cookie", 1, "client_hello.cookie") if dtls else None
    suites: list[int] = []
    with r.block("cipher_suites", 2, "client_hello.cipher_suites") as node:
        if r.remaining % 2:
            raise DecodeError(
                "cipher_suites has an odd length", r.offset, r.remaining, "RFC 8446 §4.1.2"
            )
        while r.remaining:
            suites.append(r.u16("cipher_suite", "cipher_suite", fmt=reg.suite_display))
        node.value = len(suites)
        node.display = f"{len(suites)} cipher suites"
    methods: list[int] = []
    with r.block("legacy_compression_methods", 1, "client_hello.compression_methods") as node:
        while r.remaining:
            methods.append(
                r.u8(
                    "compression_method",
                    "compression_method",
                    fmt=lambda v: reg.enum_display(reg.CompressionMethod, v, 2),
                )
            )
        node.value = methods
        node.display = ", ".join(reg.enum_display(reg.CompressionMethod, m, 2) for m in methods)
    exts = parse_extensions(r, CH)
    hello = ClientHello(
        version, random, session_id, tuple(suites), tuple(methods), exts, cookie=cookie
    )
    if cookie:
        notes.append(
            "This ClientHello echoes the cookie of the server's HelloVerifyRequest: proof "
            "that the client really receives datagrams at its source address (RFC 6347 §4.2.1)."
        )
    if hello.offers_tls13:
        notes.append(
            "The client offers TLS 1.3 in supported_versions; legacy_version stays "
            f"{reg.version_name(version)} so that old servers and middleboxes are not confused."
        )
        if len(session_id) == 32:
            notes.append(
                "TLS 1.3 does not resume by session id: this 32-byte legacy_session_id is "
                "either a cached TLS 1.2 session the client could still resume with an older "
                "server, or random bytes of middlebox compatibility mode that the server "
                "echoes (RFC 8446 §4.1.2)."
            )
    if 0x5600 in suites:
        notes.append("TLS_FALLBACK_SCSV: the client is retrying with a lower version (RFC 7507).")
    return hello


def parse_server_hello(r: Reader, notes: list[str]) -> ServerHello:
    """A ServerHello, or a HelloRetryRequest recognised by its random."""
    version = r.u16("legacy_version", "server_hello.legacy_version", fmt=reg.version_display)
    random = r.raw("random", 32, "server_hello.random", fmt=_hrr_random_display)
    is_hrr = random == HRR_RANDOM
    if old_draft(version):
        # TLS 1.3 drafts before -22 had no session id echo or compression
        # method, and carried the version itself in legacy_version.
        suite = r.u16("cipher_suite", "server_hello.cipher_suite", fmt=reg.suite_display)
        exts = parse_extensions(r, SH)
        notes.append(f"A ServerHello in the pre-final {reg.version_name(version)} format.")
        return ServerHello(version, random, b"", suite, 0, exts, False)
    session_id = r.opaque("legacy_session_id_echo", 1, "server_hello.session_id")
    suite = r.u16("cipher_suite", "server_hello.cipher_suite", fmt=reg.suite_display)
    method = r.u8(
        "legacy_compression_method",
        "server_hello.compression_method",
        fmt=lambda v: reg.enum_display(reg.CompressionMethod, v, 2),
    )
    exts = parse_extensions(r, HRR if is_hrr else SH)
    hello = ServerHello(version, random, session_id, suite, method, exts, is_hrr)
    negotiated = hello.version
    if is_hrr:
        group = hello.selected_group
        notes.append(
            "This ServerHello is a HelloRetryRequest: its random is the fixed SHA-256 of "
            "'HelloRetryRequest' (RFC 8446 §4.1.3). The server wants a new ClientHello"
            + (f" with a key share for {reg.group_name(group)}." if group is not None else ".")
        )
        notes.append(
            "From here on the transcript no longer holds the first ClientHello: it starts with "
            "message_hash, a synthetic handshake message (type 254) carrying the hash of that "
            "ClientHello, followed by this HelloRetryRequest, so that a stateless server need "
            "keep only that hash, in the cookie (RFC 8446 §4.4.1)."
        )
    elif is_tls13(negotiated):
        notes.append(
            "legacy_version says TLS 1.2 but supported_versions selects "
            f"{reg.version_name(negotiated)}: TLS 1.3 negotiates its version in an extension "
            "(RFC 8446 §4.2.1)."
        )
    tail = random[24:]
    if not is_hrr and tail == DOWNGRADE_TLS12:
        notes.append(
            "The random ends with the downgrade sentinel DOWNGRD\\x01: a TLS 1.3 server "
            "negotiated TLS 1.2, so a client that supports TLS 1.3 must abort "
            "(RFC 8446 §4.1.3)."
        )
    elif not is_hrr and tail == DOWNGRADE_TLS11:
        notes.append(
            "The random ends with the downgrade sentinel DOWNGRD\\x00: a server supporting "
            "TLS 1.2 or 1.3 negotiated TLS 1.1 or below, so a client that supports TLS 1.3 "
            "must abort, and a TLS 1.2 client should (RFC 8446 §4.1.3)."
        )
    return hello


def _hrr_random_display(data: bytes) -> str:
    if data == HRR_RANDOM:
        return f"{data.hex()} (HelloRetryRequest)"
    if data[24:] == DOWNGRADE_TLS12:
        return f"{data.hex()} (ends with DOWNGRD 01: TLS 1.2 downgrade sentinel)"
    if data[24:] == DOWNGRADE_TLS11:
        return f"{data.hex()} (ends with DOWNGRD 00: TLS 1.1-or-below downgrade sentinel)"
    return data.hex()


def _v2_spec_display(data: bytes) -> str:
    value = int.from_bytes(data, "big")
    if data[0] == 0:
        return reg.suite_display(value & 0xFFFF)
    return f"SSLv2 cipher kind 0x{value:06x}"


def parse_sslv2_client_hello(r: Reader, notes: list[str]) -> ClientHello:
    """An SSL 2.0-compatible CLIENT-HELLO (RFC 5246 Appendix E.2, RFC 6101 Appendix E).

    Old clients sent it so that SSL 2.0-only servers could answer too.  Cipher
    specs are three bytes; those starting with 0x00 are TLS cipher suites.  The
    challenge becomes the client random, left-padded with zeros to 32 bytes.
    """
    r.u8("msg_type", "sslv2.msg_type", fmt=lambda v: "CLIENT-HELLO (1)" if v == 1 else str(v))
    version = r.u16("version", "sslv2.version", fmt=reg.version_display)
    spec_len = r.u16("cipher_spec_length", "sslv2.cipher_spec_length")
    sid_len = r.u16("session_id_length", "sslv2.session_id_length")
    chal_len = r.u16("challenge_length", "sslv2.challenge_length")
    if spec_len % 3:
        raise DecodeError("cipher_spec_length is not a multiple of 3", r.offset - 6, 2)
    suites: list[int] = []
    with r.sized("cipher_specs", spec_len, "sslv2.cipher_specs") as node:
        while r.remaining >= 3:
            spec = r.raw("cipher_spec", 3, "sslv2.cipher_spec", fmt=_v2_spec_display)
            if spec[0] == 0:
                suites.append(int.from_bytes(spec[1:], "big"))
        node.display = f"{spec_len // 3} cipher specs"
    session_id = r.raw("session_id", sid_len, "sslv2.session_id")
    challenge = r.raw("challenge", chal_len, "sslv2.challenge")
    if not 16 <= chal_len <= 32:
        r.note(
            "the challenge must be 16 to 32 bytes long",
            r.offset - chal_len,
            chal_len,
            rfc="RFC 5246 Appendix E.2",
        )
    random = challenge[-32:].rjust(32, b"\0")
    notes.append(
        "An SSLv2-compatible ClientHello: the client can speak "
        f"{reg.version_name(version)} but frames its first message the SSL 2.0 way."
    )
    return ClientHello(version, random, session_id, tuple(suites), (0,), (), sslv2=True)
