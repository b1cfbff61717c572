"""Explanations for ClientHello, ServerHello and the extension framing.

The hellos are where the teaching points pile up: the frozen legacy_version,
the random legacy_session_id of middlebox compatibility mode, the downgrade
sentinels and the HelloRetryRequest random.  Merged into
:data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

HELLOS: dict[str, str] = {
    # -- ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) --------------------------------
    "client_hello.legacy_version": (
        "Up to TLS 1.2 this was the highest version the client could speak. A TLS 1.3 client "
        "freezes it at 0x0303 (TLS 1.2), because too many servers and middleboxes failed on "
        "numbers they did not know; the versions it really offers are listed in the "
        "supported_versions extension (RFC 8446 §4.1.2, §4.2.1)."
    ),
    "client_hello.random": (
        "32 bytes from the client's random number generator. They are mixed into every key of "
        "the connection, so each connection gets fresh keys and a recorded handshake cannot be "
        "replayed (RFC 8446 §4.1.2). TLS 1.2 and older defined the first 4 bytes as the "
        "sender's clock, gmt_unix_time (RFC 5246 §7.4.1.2), which many implementations "
        "later filled with random bytes too."
    ),
    "client_hello.session_id": (
        "In TLS 1.2 the id of an earlier session the client wants to resume, or empty. A TLS "
        "1.3 client resumes with pre-shared keys instead and puts here the id of a cached TLS "
        "1.2 session if it holds one, otherwise 32 fresh random bytes in middlebox "
        "compatibility mode (the server echoes them, so the exchange resembles a TLS 1.2 "
        "resumption), or nothing (RFC 8446 §4.1.2, Appendix D.4)."
    ),
    "client_hello.cipher_suites": (
        "The cipher suites the client accepts, most preferred first; the server picks one. "
        "The list may also hold signalling values that are not real suites, such as "
        "TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3), TLS_FALLBACK_SCSV (RFC 7507) or "
        "GREASE values (RFC 8446 §4.1.2, RFC 8701)."
    ),
    "cipher_suite": (
        "One 2-byte cipher suite code. A TLS 1.2 suite names the whole recipe, key exchange, "
        "authentication, cipher and hash, as in TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; a TLS "
        "1.3 suite names only the AEAD cipher and the hash (TLS_AES_128_GCM_SHA256), since key "
        "exchange and signatures are negotiated in extensions (RFC 8446 Appendix B.4)."
    ),
    "client_hello.compression_methods": (
        "The compression methods the client supports. Compressing secrets together with "
        "attacker-chosen data leaks them through the compressed size (the CRIME attack, 2012), "
        "so today the list is just null (0), and TLS 1.3 requires exactly that "
        "(RFC 8446 §4.1.2)."
    ),
    "compression_method": (
        "One compression method: null (0) means no compression, DEFLATE (1) was the one used in "
        "practice (RFC 3749). Record compression has been abandoned since the CRIME attack."
    ),
    # -- ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4) --------------------
    "server_hello.legacy_version": (
        "Up to TLS 1.2 the version the server chose (RFC 5246 §7.4.1.3). A TLS 1.3 server "
        "always writes 0x0303 (TLS 1.2) here and states the version it really chose in the "
        "supported_versions extension; a client that finds that extension must ignore this "
        "field (RFC 8446 §4.1.3, §4.2.1)."
    ),
    "server_hello.random": (
        "32 random bytes from the server, mixed into the keys like the client's. A "
        "HelloRetryRequest is a ServerHello whose random is the fixed SHA-256 of "
        "'HelloRetryRequest'. The last 8 bytes may carry a downgrade sentinel: DOWNGRD\\x01 when "
        "a TLS 1.3 server negotiates TLS 1.2, DOWNGRD\\x00 when a TLS 1.3 server (or, as "
        "recommended, a TLS 1.2 one) negotiates TLS 1.1 or below, so a client that supports "
        "the newer version can catch an attacker forcing an older one (RFC 8446 §4.1.3)."
    ),
    "server_hello.session_id": (
        "In TLS 1.2 the session id: a new id, the client's own id when the server agrees to "
        "resume, or empty when it will not cache the session. In TLS 1.3 this "
        "legacy_session_id_echo must simply copy the client's value, a piece of middlebox "
        "compatibility mode (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3)."
    ),
    "server_hello.cipher_suite": (
        "The one cipher suite the server picked from the client's list. From here on it "
        "decides which key exchange (TLS 1.2), which record cipher and which hash for key "
        "derivation the connection uses (RFC 8446 §4.1.3)."
    ),
    "server_hello.compression_method": (
        "The compression method the server picked; in practice and in TLS 1.3 always null (0), "
        "meaning no compression (RFC 8446 §4.1.3)."
    ),
    # -- the extension framing (RFC 8446 §4.2, RFC 5246 §7.4.1.4) -----------------------
    "extensions": (
        "The list of extensions. Almost everything added to TLS since 2003 travels here, and "
        "TLS 1.3 negotiates its version, groups, keys and resumption this way; a server skips "
        "ClientHello extensions it does not know, which lets new features spread without "
        "breaking old software (RFC 8446 §4.2)."
    ),
    "extension": (
        "One extension: a 2-byte type, a 2-byte length and the data, whose format depends on "
        "the type. A server may answer only with extensions the client offered (the cookie "
        "is the exception), and no type may appear twice in one message (RFC 8446 §4.2)."
    ),
    "extension.type": (
        "The extension's code from the IANA registry, such as 0 for server_name or 51 for "
        "key_share. A server ignores codes it does not know in a ClientHello, a rule GREASE "
        "keeps exercised by sending made-up ones (RFC 8701); but an endpoint that receives an "
        "extension it never asked for must abort with unsupported_extension (RFC 8446 §4.2)."
    ),
    "extension.length": (
        "Length in bytes of the extension's data. Thanks to it a server can step over a "
        "ClientHello extension it does not understand and go on with the next one "
        "(RFC 8446 §4.2)."
    ),
    "ext.raw": (
        "The data of an extension that this decoder does not break down, kept byte for byte. "
        "A server that does not know a ClientHello extension steps over it the same way, by "
        "its length."
    ),
    "ext.unexpected_data": (
        "Bytes inside an extension that should have been empty in this message. The "
        "specification gives the extension no content here, so a strict peer would reject it."
    ),
    "ext.grease": (
        "GREASE (RFC 8701): a reserved value such as 0x0a0a or 0x3a3a that clients mix into "
        "their cipher suites, extensions, groups and versions. It means nothing; servers must "
        "ignore values they do not know, and by exercising that rule all the time GREASE keeps "
        "them tolerant, so that future real values do not break connections."
    ),
}

# The data node of a GREASE extension is keyed by its display name.
HELLOS["ext.GREASE"] = HELLOS["ext.grease"]
