"""Explanations for the other extensions: TLS 1.2 fixes, sizes, certificates, oddities.

Also a few extensions the decoder keeps as raw bytes but that are common
enough in captures to deserve their own words.  Merged into
:data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

EXTENSIONS_MORE: dict[str, str] = {
    # -- security fixes for TLS 1.2 and older --------------------------------------------
    "ext.extended_master_secret": (
        "Empty: both sides compute the master secret with the label 'extended master secret' "
        "over the session hash, the hash of the handshake from ClientHello up to and including "
        "ClientKeyExchange, instead of over the two randoms (RFC 7627 §3, §4). This defeats "
        "the triple-handshake attack (2014), in which an attacker made two different "
        "connections end up with the same master secret; TLS 1.3 has this built in."
    ),
    "ext.encrypt_then_mac": (
        "Empty: for CBC cipher suites, encrypt first and compute the MAC over the ciphertext. "
        "The receiver then checks integrity before it decrypts and looks at the padding, which "
        "closes the padding-oracle attacks such as Lucky Thirteen that the old "
        "MAC-then-encrypt order allowed (RFC 7366)."
    ),
    "ext.renegotiation_info": (
        "Secure renegotiation: empty in a first handshake, it carries the Finished values of "
        "the previous handshake when the connection renegotiates. That binds the new handshake "
        "to the old one and stops the 2009 attack in which a man in the middle spliced his own "
        "session in front of the victim's; TLS 1.3 has no renegotiation (RFC 5746 §3.2)."
    ),
    "ext.renegotiation_info.value": (
        "renegotiated_connection: empty in an initial handshake; during a renegotiation the "
        "client's verify_data from the previous Finished, followed by the server's in the "
        "server's reply (RFC 5746 §3.2)."
    ),
    # -- sizes ---------------------------------------------------------------------------
    "ext.max_fragment_length": (
        "A client with little memory asks for records smaller than the usual 16 KB. It can "
        "only choose among four sizes and the server cannot propose one, so record_size_limit "
        "replaces it (RFC 6066 §4)."
    ),
    "ext.max_fragment_length.value": (
        "The requested maximum record size: 1 means 2^9 = 512 bytes, 2 means 1024, 3 means "
        "2048 and 4 means 4096 (RFC 6066 §4)."
    ),
    "ext.record_size_limit": (
        "The largest record the sender is willing to receive, so that small devices do not "
        "have to buffer 16 KB records; each side announces its own limit (RFC 8449)."
    ),
    "ext.record_size_limit.value": (
        "The limit in bytes of a record's plaintext, at least 64. In TLS 1.3 it counts the "
        "inner content type byte and padding too, so the largest value there is 2^14 + 1, and "
        "2^14 before TLS 1.3 (RFC 8449 §4)."
    ),
    "ext.padding": (
        "Filler that makes the ClientHello longer. Some servers and load balancers broke on "
        "ClientHellos between 256 and 511 bytes long, so clients pad theirs past that range "
        "(RFC 7685)."
    ),
    "ext.padding.data": "Zero bytes, there only for their length (RFC 7685 §3).",
    # -- resumption in TLS 1.2 -----------------------------------------------------------
    "ext.session_ticket": (
        "Stateless resumption for TLS 1.2: the server hands the client a ticket holding the "
        "session state encrypted under a server key, and the client presents it to resume. "
        "Empty in a ClientHello it only says 'I support tickets'; TLS 1.3 uses pre_shared_key "
        "instead (RFC 5077 §3.2)."
    ),
    "ext.session_ticket.ticket": (
        "A ticket from an earlier connection, which the client returns to resume that session "
        "without a full handshake. Only the server can decrypt it (RFC 5077 §3.2)."
    ),
    # -- certificate status and transparency ---------------------------------------------
    "ext.status_request": (
        "OCSP stapling: the client asks the server to include a fresh, CA-signed statement "
        "that its certificate is not revoked. The client then need not contact the CA itself, "
        "which is faster and does not tell the CA which sites it visits (RFC 6066 §8)."
    ),
    "ext.status_request.status_type": (
        "The kind of status wanted or given; ocsp (1) is the one in use (RFC 6066 §8)."
    ),
    "ext.status_request.responder_id_list": (
        "OCSP responders the client trusts; usually empty, meaning the server should use the "
        "responder it knows (RFC 6066 §8)."
    ),
    "ext.status_request.responder_id": (
        "One trusted OCSP responder, as a DER-encoded ResponderID (RFC 6066 §8, RFC 6960)."
    ),
    "ext.status_request.request_extensions": (
        "DER-encoded OCSP request extensions, such as a nonce, that the server should pass on "
        "to the responder; usually empty (RFC 6066 §8)."
    ),
    "ext.status_request.request": (
        "The request data of a status type other than plain OCSP, kept as raw bytes (RFC 6961)."
    ),
    "ext.status_request.ocsp_response": (
        "In a TLS 1.3 certificate entry: the stapled OCSP response, signed by the CA, stating "
        "that this certificate has not been revoked (RFC 8446 §4.4.2.1, RFC 6960)."
    ),
    "ext.signed_certificate_timestamp": (
        "Certificate Transparency: signed certificate timestamps (SCTs), each a public log's "
        "promise to add the server's certificate to the log within its maximum merge delay, "
        "so a wrongly issued certificate cannot stay secret (RFC 6962 §3). The client asks with "
        "an empty extension, the server answers with the list (RFC 6962 §3.3)."
    ),
    "ext.sct.list": "The signed certificate timestamps, one per log (RFC 6962 §3.3).",
    "ext.sct.entry": (
        "One SCT: a log's signed promise that the certificate it received at the given time "
        "will appear in the log within the maximum merge delay (RFC 6962 §3, §3.2)."
    ),
    "ext.sct.version": "The SCT format version; v1 (0) is the only one here (RFC 6962 §3.2).",
    "ext.sct.log_id": (
        "Which log issued the SCT: the SHA-256 hash of the log's public key (RFC 6962 §3.2)."
    ),
    "ext.sct.timestamp": (
        "When the log received the certificate, in milliseconds since 1970 (RFC 6962 §3.2)."
    ),
    "ext.sct.extensions": "Extensions of the SCT; none are defined for v1 (RFC 6962 §3.2).",
    "ext.sct.hash": "The hash algorithm of the log's signature, such as SHA-256 (RFC 6962 §3.2).",
    "ext.sct.signature_algorithm": (
        "The signature algorithm of the log's signature, ECDSA or RSA (RFC 6962 §3.2)."
    ),
    "ext.sct.signature": (
        "The log's signature over the certificate and the timestamp; the client checks it with "
        "the log's public key (RFC 6962 §3.2)."
    ),
    "ext.sct.data": "An SCT of a version this decoder does not know, kept as raw bytes.",
    "ext.client_certificate_type": (
        "The kinds of credentials the client can authenticate with: an X.509 certificate or a "
        "bare public key (RawPublicKey), which suits small devices that cannot handle X.509 "
        "(RFC 7250 §3)."
    ),
    "ext.server_certificate_type": (
        "The kinds of server credentials the client accepts, X.509 or a raw public key, or in "
        "the server's reply the kind it will use (RFC 7250 §3)."
    ),
    "ext.cert_type.list": "The credential types, most preferred first (RFC 7250 §3).",
    "ext.cert_type.item": (
        "One credential type: X509 (0), OpenPGP (1, deprecated) or RawPublicKey (2) (RFC 7250 §3)."
    ),
    "ext.compress_certificate": (
        "The algorithms the sender can decompress certificates with. Certificate chains are "
        "often the largest part of a handshake, and since they are public, compressing them "
        "leaks nothing (RFC 8879 §3)."
    ),
    "ext.compress_certificate.list": "The supported compression algorithms (RFC 8879 §3).",
    "ext.compress_certificate.item": (
        "One algorithm: zlib (1), brotli (2) or zstd (3) (RFC 8879 §3)."
    ),
    # -- older protocol features ---------------------------------------------------------
    "ext.ec_point_formats": (
        "How elliptic-curve points may be encoded; in practice only uncompressed (0) is used, "
        "and TLS 1.3 ignores the extension (RFC 8422 §5.1.2)."
    ),
    "ext.ec_point_formats.item": (
        "One point format: uncompressed (0), or the deprecated compressed forms (1, 2) "
        "(RFC 8422 §5.1.2)."
    ),
    "ext.heartbeat": (
        "Announces support for heartbeat messages, which check that the peer is alive. Its "
        "OpenSSL implementation caused Heartbleed (2014), and most software has dropped it "
        "since (RFC 6520 §2)."
    ),
    "ext.heartbeat.mode": (
        "peer_allowed_to_send (1) lets the peer send heartbeat requests, "
        "peer_not_allowed_to_send (2) forbids it (RFC 6520 §2)."
    ),
    "ext.use_srtp": (
        "DTLS-SRTP, used by WebRTC and VoIP: the handshake only sets up keys for media sent "
        "over SRTP, and this extension picks the SRTP protection profile (RFC 5764 §4.1.1)."
    ),
    "ext.use_srtp.profiles": (
        "The SRTP protection profiles offered, or the one selected (RFC 5764 §4.1.1)."
    ),
    "ext.use_srtp.profiles.item": (
        "One profile, such as SRTP_AES128_CM_HMAC_SHA1_80 (0x0001) or SRTP_AEAD_AES_128_GCM "
        "(0x0007) (RFC 5764 §4.1.2, RFC 7714)."
    ),
    "ext.use_srtp.mki": "The SRTP master key identifier, usually empty (RFC 5764 §4.1.1).",
    # -- ALPS (draft-vvv-tls-alps) ---------------------------------------------------------
    "ext.application_settings": (
        "ALPS, a Chrome experiment: each side sends settings for the chosen ALPN protocol, such "
        "as HTTP/2 SETTINGS, during the handshake instead of after it (draft-vvv-tls-alps)."
    ),
    "ext.alps.list": (
        "The ALPN protocols for which the client supports application settings "
        "(draft-vvv-tls-alps)."
    ),
    "ext.alps.settings": (
        "The server's settings for the negotiated protocol, kept as raw bytes (draft-vvv-tls-alps)."
    ),
    # -- common extensions this decoder keeps as raw bytes -------------------------------
    "ext.application_settings_new": (
        "ALPS under the newer code point Chrome moved to; the same settings exchange as "
        "application_settings. This decoder keeps its data as raw bytes."
    ),
    "ext.next_protocol_negotiation": (
        "NPN, Google's forerunner of ALPN from the SPDY days: the client picked the protocol "
        "and sent its choice encrypted. ALPN replaced it; this decoder keeps its data as raw "
        "bytes."
    ),
    "ext.delegated_credential": (
        "Delegated credentials: a short-lived key signed by the certificate's key, so a server "
        "can use keys it may lose without risking the long-lived one (RFC 9345). This decoder "
        "keeps its data as raw bytes."
    ),
    "ext.quic_transport_parameters": (
        "QUIC's own connection settings, carried inside the TLS handshake that QUIC uses to "
        "set up its keys (RFC 9001 §8.2). This decoder keeps its data as raw bytes."
    ),
    "ext.encrypted_server_name": (
        "ESNI, the early drafts that encrypted only the server name; it was replaced by "
        "Encrypted Client Hello. This decoder keeps its data as raw bytes."
    ),
    "ext.channel_id": (
        "Channel ID, a former Google extension that tied a client key pair to its TLS "
        "connections; this decoder keeps its data as raw bytes."
    ),
    "ext.status_request_v2": (
        "Multiple-certificate OCSP stapling, a successor of status_request that TLS 1.3 made "
        "unnecessary (RFC 6961). This decoder keeps its data as raw bytes."
    ),
    "ext.token_binding": (
        "Negotiates Token Binding, which tied cookies and tokens to a TLS connection "
        "(RFC 8472); browsers have dropped it. This decoder keeps its data as raw bytes."
    ),
    "ext.ticket_request": (
        "Lets the client say how many TLS 1.3 session tickets it wants (RFC 9149). This "
        "decoder keeps its data as raw bytes."
    ),
}
