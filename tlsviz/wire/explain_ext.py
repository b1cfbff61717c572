"""Explanations for the extensions that carry TLS 1.3 itself, plus SNI, ALPN and ECH.

Keys ``ext.<IANA name>`` describe an extension's data as a whole; the shorter
keys under them (``ext.alpn.protocol``) its fields.  Merged into
:data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

EXTENSIONS_13: dict[str, str] = {
    # -- supported_versions (RFC 8446 §4.2.1) --------------------------------------------
    "ext.supported_versions": (
        "The real version negotiation of TLS 1.3. The client lists the versions it speaks and "
        "the server answers with the one it chose, while the old version fields stay frozen at "
        "TLS 1.2 so that software that has never heard of TLS 1.3 is not upset "
        "(RFC 8446 §4.2.1)."
    ),
    "ext.supported_versions.list": (
        "The versions the client is willing to use, most preferred first, such as TLS 1.3 and "
        "TLS 1.2; browsers add a GREASE value too (RFC 8446 §4.2.1)."
    ),
    "ext.supported_versions.item": (
        "One offered version: 0x0304 is TLS 1.3, 0x0303 TLS 1.2 (RFC 8446 §4.2.1); 0x7fXX is "
        "how the TLS 1.3 drafts numbered themselves (0x7f17 for draft 23)."
    ),
    "ext.supported_versions.selected": (
        "The version the server chose, in a ServerHello or HelloRetryRequest. This, not the "
        "legacy_version field, is what says the connection uses TLS 1.3 (RFC 8446 §4.2.1)."
    ),
    # -- key_share (RFC 8446 §4.2.8) -----------------------------------------------------
    "ext.key_share": (
        "The (EC)DHE public keys themselves. Because the client sends them with its very first "
        "message, the server can finish the key exchange in its reply and everything after the "
        "ServerHello is already encrypted: TLS 1.3 needs one round trip (1-RTT) where TLS 1.2 "
        "needed two (RFC 8446 §4.2.8)."
    ),
    "ext.key_share.client_shares": (
        "The client's key shares, one per group it guesses the server will accept, usually "
        "just one or two to save space. If none fits, the server answers with a "
        "HelloRetryRequest naming a group it supports (RFC 8446 §4.2.8)."
    ),
    "ext.key_share.entry": (
        "One key share: a group and the sender's public key in that group. A ServerHello "
        "contains exactly one, in a group the client offered (RFC 8446 §4.2.8)."
    ),
    "ext.key_share.group": (
        "The group this public key belongs to, such as x25519, secp256r1 or the post-quantum "
        "hybrid X25519MLKEM768; it must be one of the groups in supported_groups "
        "(RFC 8446 §4.2.8)."
    ),
    "ext.key_share.key_exchange_length": (
        "Size of the public key in bytes, fixed by the group: 32 for x25519, 65 for secp256r1 "
        "(RFC 8446 §4.2.8.2), 1216 for a client's X25519MLKEM768 share "
        "(draft-ietf-tls-ecdhe-mlkem)."
    ),
    "ext.key_share.key_exchange": (
        "The ephemeral public key: a Diffie-Hellman value or elliptic-curve point created for "
        "this connection alone. Each side combines its own private key with the other's public "
        "key to get the same shared secret; the private keys are thrown away afterwards, so "
        "recorded traffic stays safe even if a server key leaks later (RFC 8446 §4.2.8)."
    ),
    "ext.key_share.selected_group": (
        "In a HelloRetryRequest: the group the server wants a key share for, because none of "
        "the client's shares was acceptable. The client then sends a second ClientHello with a "
        "share in that group, at the cost of an extra round trip (RFC 8446 §4.2.8)."
    ),
    "ext.0x0028": (
        "Extension 40, the number key_share had in the TLS 1.3 drafts up to draft 22 before "
        "it moved to 51; the decoder reads it like key_share."
    ),
    # -- pre_shared_key and psk_key_exchange_modes (RFC 8446 §4.2.9, §4.2.11) -----------
    "ext.pre_shared_key": (
        "Resumption and external pre-shared keys in TLS 1.3: the client offers keys it shares "
        "with the server, the server accepts at most one. It must be the last extension of the "
        "ClientHello, because its binders are computed over everything before them "
        "(RFC 8446 §4.2.11)."
    ),
    "ext.pre_shared_key.identities": (
        "The PSKs the client offers, each named by an identity; for resumption the identity is a "
        "ticket the server handed out earlier (RFC 8446 §4.2.11)."
    ),
    "ext.pre_shared_key.identity_entry": (
        "One offered PSK: its identity and the obfuscated age of the ticket (RFC 8446 §4.2.11)."
    ),
    "ext.pre_shared_key.identity": (
        "The label of the offered key: a session ticket from a NewSessionTicket message, or the "
        "name of a key configured out of band. The server uses it to find the secret "
        "(RFC 8446 §4.2.11)."
    ),
    "ext.pre_shared_key.obfuscated_ticket_age": (
        "How long ago the client received the ticket, in milliseconds, plus the ticket's "
        "ticket_age_add modulo 2^32. The server uses the age to reject stale replays of early "
        "data, and the added value stops observers from linking connections by it; it is 0 for "
        "external PSKs (RFC 8446 §4.2.11.1)."
    ),
    "ext.pre_shared_key.binders": (
        "One binder per offered identity, in the same order (RFC 8446 §4.2.11.2)."
    ),
    "ext.pre_shared_key.binder": (
        "An HMAC, keyed with a value derived from the PSK, over the transcript hash of this "
        "ClientHello cut off before the binders list; after a HelloRetryRequest that transcript "
        "starts with message_hash (standing for the first ClientHello) and the "
        "HelloRetryRequest. It proves that the client really holds the PSK, not just its "
        "identity, and ties the key to this handshake (RFC 8446 §4.2.11.2)."
    ),
    "ext.pre_shared_key.selected_identity": (
        "In the ServerHello: the zero-based index of the offered identity the server accepted. "
        "Its presence means this handshake resumes a session or uses an external PSK "
        "(RFC 8446 §4.2.11)."
    ),
    "ext.psk_key_exchange_modes": (
        "How the client is willing to use a PSK: psk_ke (0) uses the PSK alone, psk_dhe_ke (1) "
        "adds a fresh (EC)DHE exchange and so keeps forward secrecy. It must accompany "
        "pre_shared_key (RFC 8446 §4.2.9)."
    ),
    "ext.psk_key_exchange_modes.list": (
        "The PSK key exchange modes the client supports (RFC 8446 §4.2.9)."
    ),
    "ext.psk_key_exchange_modes.item": (
        "One mode: psk_ke (0), resumption without a new key exchange, or psk_dhe_ke (1), "
        "resumption with an (EC)DHE exchange (RFC 8446 §4.2.9)."
    ),
    # -- early_data and cookie (RFC 8446 §4.2.10, §4.2.2) -------------------------------
    "ext.early_data": (
        "0-RTT: empty in a ClientHello, it says application data follows at once, protected "
        "with keys from client_early_traffic_secret (derived from the PSK and this ClientHello); "
        "empty in EncryptedExtensions, it says the server accepted it (RFC 8446 §4.2.10). TLS "
        "cannot stop an attacker from replaying early data to another connection: servers "
        "narrow the window (single-use tickets, ClientHello recording, ticket age checks, "
        "RFC 8446 §8), and only requests that are safe to repeat should travel in it."
    ),
    "ext.early_data.max_early_data_size": (
        "In a NewSessionTicket: the most 0-RTT data, in bytes, the client may send when "
        "resuming with this ticket (RFC 8446 §4.2.10, §4.6.1)."
    ),
    "ext.cookie": (
        "Data a server puts in a HelloRetryRequest, which the client must copy into its second "
        "ClientHello. The server can pack its state into the cookie instead of remembering it, "
        "and a client that returns the cookie shows it can receive packets at its address "
        "(RFC 8446 §4.2.2)."
    ),
    "ext.cookie.value": (
        "The cookie's bytes, opaque to the client, which just echoes them (RFC 8446 §4.2.2)."
    ),
    # -- signatures, groups, authorities (RFC 8446 §4.2.3-§4.2.7) -----------------------
    "ext.signature_algorithms": (
        "The signature schemes the sender accepts from its peer, most preferred first, such as "
        "ecdsa_secp256r1_sha256 or rsa_pss_rsae_sha256. The peer must sign its handshake "
        "(CertificateVerify, or ServerKeyExchange in TLS 1.2) with one of them "
        "(RFC 8446 §4.2.3)."
    ),
    "ext.signature_algorithms.item": (
        "One signature scheme, 2 bytes: the algorithm and its hash, such as ed25519 (0x0807) or "
        "ecdsa_secp256r1_sha256 (0x0403); TLS 1.2 reads the two bytes as hash and signature "
        "separately (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1)."
    ),
    "ext.signature_algorithms_cert": (
        "The signature schemes accepted in certificates, when they differ from those accepted "
        "for handshake signatures; without it, signature_algorithms covers both "
        "(RFC 8446 §4.2.3)."
    ),
    "ext.signature_algorithms_cert.item": (
        "One signature scheme acceptable on a certificate in the chain (RFC 8446 §4.2.3)."
    ),
    "ext.supported_groups": (
        "The groups the client can do (EC)DHE in, most preferred first: elliptic curves like "
        "x25519 and secp256r1, finite-field groups like ffdhe2048, and post-quantum hybrids. "
        "It used to be called elliptic_curves (RFC 8446 §4.2.7, RFC 8422 §5.1.1)."
    ),
    "ext.supported_groups.item": (
        "One group the sender supports for key exchange; browsers also slip a GREASE value in "
        "(RFC 8446 §4.2.7)."
    ),
    "ext.certificate_authorities": (
        "The certificate authorities the sender trusts, given by their distinguished names, to "
        "help the peer pick a certificate chain that will be accepted (RFC 8446 §4.2.4)."
    ),
    "ext.certificate_authorities.list": (
        "The list of distinguished names of accepted certificate authorities (RFC 8446 §4.2.4)."
    ),
    "ext.certificate_authorities.name": (
        "The DER-encoded distinguished name of one certificate authority whose certificates "
        "the sender would accept (RFC 8446 §4.2.4, RFC 5246 §7.4.4)."
    ),
    "ext.oid_filters": (
        "Only in a CertificateRequest: conditions a client certificate must meet, as pairs of "
        "a certificate extension OID and the values required for it (RFC 8446 §4.2.5)."
    ),
    "ext.oid_filters.list": "The list of certificate extension filters (RFC 8446 §4.2.5).",
    "ext.oid_filters.filter": (
        "One filter: a certificate extension and the values the client certificate must have "
        "in it (RFC 8446 §4.2.5)."
    ),
    "ext.oid_filters.oid": (
        "The DER-encoded object identifier of the certificate extension being filtered, such "
        "as extended key usage (RFC 8446 §4.2.5)."
    ),
    "ext.oid_filters.values": (
        "The DER-encoded values that extension must contain in the client's certificate "
        "(RFC 8446 §4.2.5)."
    ),
    "ext.post_handshake_auth": (
        "Empty: the client is willing to authenticate with a certificate later, after the "
        "handshake, when the server sends a CertificateRequest (RFC 8446 §4.2.6, §4.6.2)."
    ),
    # -- server_name (RFC 6066 §3) -------------------------------------------------------
    "ext.server_name": (
        "Server Name Indication (SNI): the host name the client wants to reach, so that one IP "
        "address can serve many sites, each with its own certificate. It is sent in clear, so "
        "anyone on the path sees which site is visited; Encrypted Client Hello hides it "
        "(RFC 6066 §3)."
    ),
    "ext.server_name.list": (
        "The names the client asks for; in practice exactly one host name (RFC 6066 §3)."
    ),
    "ext.server_name.entry": "One requested name: its type and the name itself (RFC 6066 §3).",
    "ext.server_name.name_type": (
        "The kind of name; host_name (0) is the only one ever defined (RFC 6066 §3)."
    ),
    "ext.server_name.host_name": (
        "The DNS name of the server, in ASCII and without a trailing dot; IP addresses are not "
        "allowed here (RFC 6066 §3)."
    ),
    # -- ALPN (RFC 7301) -----------------------------------------------------------------
    "ext.application_layer_protocol_negotiation": (
        "ALPN: the application protocol is chosen inside the handshake. The client lists what "
        "it speaks, such as h2 (HTTP/2) and http/1.1, and the server names the one it picked, "
        "so no extra round trip is needed after the connection is up (RFC 7301 §3)."
    ),
    "ext.alpn.list": (
        "The protocol names: the client's offers, most preferred first, or in the server's "
        "reply exactly one, the choice (RFC 7301 §3.1)."
    ),
    "ext.alpn.protocol": (
        "One protocol name as registered with IANA, such as h2, http/1.1 or mqtt "
        "(RFC 7301 §3.1, §6)."
    ),
    # -- Encrypted Client Hello (draft-ietf-tls-esni) -----------------------------------
    "ext.encrypted_client_hello": (
        "Encrypted Client Hello (ECH): the real ClientHello, with the true server name, is "
        "encrypted to a key the server published in DNS, while the visible outer ClientHello "
        "shows only a generic public name. Clients also send fake ECH extensions (GREASE) so "
        "that real ones do not stand out (draft-ietf-tls-esni)."
    ),
    "ext.ech.type": (
        "outer (0) in the visible ClientHello, which carries the encrypted inner one; inner (1) "
        "inside the encrypted ClientHello (draft-ietf-tls-esni)."
    ),
    "ext.ech.cipher_suite": (
        "The HPKE algorithms used to encrypt the inner ClientHello: a key derivation function "
        "and an AEAD (draft-ietf-tls-esni, RFC 9180)."
    ),
    "ext.ech.kdf_id": (
        "The HPKE key derivation function, such as 0x0001 for HKDF-SHA256 (RFC 9180)."
    ),
    "ext.ech.aead_id": (
        "The HPKE AEAD cipher, such as 0x0001 for AES-128-GCM or 0x0003 for ChaCha20-Poly1305 "
        "(RFC 9180)."
    ),
    "ext.ech.config_id": (
        "Which of the server's published ECH configurations, and so which of its keys, the "
        "client used (draft-ietf-tls-esni)."
    ),
    "ext.ech.enc": (
        "The HPKE encapsulated key: the client's ephemeral public key, from which the server "
        "derives the decryption key. It is empty in a ClientHello sent after a "
        "HelloRetryRequest (draft-ietf-tls-esni)."
    ),
    "ext.ech.payload": (
        "The encrypted inner ClientHello. Only the server holding the ECH private key can read "
        "it, and with it the real server name (draft-ietf-tls-esni)."
    ),
    "ext.ech.confirmation": (
        "8 bytes in a HelloRetryRequest that prove the server could decrypt the inner "
        "ClientHello, that is, that it accepted ECH (draft-ietf-tls-esni)."
    ),
    "ext.ech.retry_configs": (
        "Sent in EncryptedExtensions when the server rejected ECH: fresh ECH configurations the "
        "client can retry with (draft-ietf-tls-esni)."
    ),
}
