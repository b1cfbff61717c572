"""Explanations for the handshake messages after the hellos.

Certificates, CertificateRequest, CertificateVerify, Finished, tickets,
KeyUpdate, stapled OCSP, compressed certificates and the TLS 1.2 key exchange
messages.  Merged into :data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # -- Certificate (RFC 8446 §4.4.2, RFC 5246 §7.4.2) ---------------------------------
    "certificate.context": (
        "certificate_request_context, TLS 1.3 only: empty in the server's certificate; in a "
        "client's certificate a copy of the value from the CertificateRequest it answers, so "
        "requests made after the handshake can be matched (RFC 8446 §4.4.2)."
    ),
    "certificate.list": (
        "The certificate chain: the sender's own certificate first, then the intermediate CA "
        "certificates, each vouching for the one before it. The root is usually left out "
        "because the receiver must already trust it (RFC 8446 §4.4.2)."
    ),
    "certificate.entry": (
        "One certificate of the chain; in TLS 1.3 followed by its own extensions, such as a "
        "stapled OCSP response or SCTs (RFC 8446 §4.4.2)."
    ),
    "certificate.cert_length": (
        "Size of the DER-encoded certificate in 3 bytes; certificates are typically 1 to 2 KB "
        "(RFC 8446 §4.4.2)."
    ),
    "certificate.cert_data": (
        "The X.509 certificate in DER encoding: a name, a public key and a validity period, "
        "signed by a certificate authority. In TLS 1.2 it travels in clear, in TLS 1.3 it is "
        "encrypted (RFC 5280 §4.1, RFC 8446 §4.4.2)."
    ),
    # -- CertificateRequest (RFC 8446 §4.3.2, RFC 5246 §7.4.4) --------------------------
    "certificate_request.context": (
        "TLS 1.3: an id the client must echo in its Certificate. It is empty during the "
        "handshake and unique for requests sent after it (RFC 8446 §4.3.2)."
    ),
    "certificate_request.types": (
        "TLS 1.2 and older: the kinds of client certificate keys the server accepts "
        "(RFC 5246 §7.4.4)."
    ),
    "certificate_request.type": (
        "One accepted client certificate type, such as rsa_sign (1) or ecdsa_sign (64) "
        "(RFC 5246 §7.4.4, RFC 8422 §5.5)."
    ),
    "certificate_request.signature_algorithms": (
        "TLS 1.2: the signature schemes the server accepts in the client's CertificateVerify "
        "and certificates (RFC 5246 §7.4.4)."
    ),
    "certificate_request.authorities": (
        "The distinguished names of the CAs whose certificates the server accepts; empty means "
        "any (RFC 5246 §7.4.4)."
    ),
    # -- CertificateVerify and Finished (RFC 8446 §4.4.3, §4.4.4) -----------------------
    "certificate_verify.algorithm": (
        "The signature scheme used, one the peer listed in signature_algorithms, such as "
        "rsa_pss_rsae_sha256 or ecdsa_secp256r1_sha256; absent before TLS 1.2 "
        "(RFC 8446 §4.4.3)."
    ),
    "certificate_verify.signature": (
        "A signature with the private key of the certificate just sent: anyone can copy a "
        "certificate, but this proves the sender possesses the matching key. In TLS 1.3 the "
        "signed bytes are 64 spaces (0x20), the context string 'TLS 1.3, server "
        "CertificateVerify' (or 'client'), a zero byte and the transcript hash up to the "
        "Certificate (RFC 8446 §4.4.3); in TLS 1.2 the client signs all handshake messages so "
        "far (RFC 5246 §7.4.8)."
    ),
    "finished.verify_data": (
        "A MAC over the transcript, the hash of every handshake message so far: an HMAC in TLS "
        "1.3, a 12-byte PRF output in TLS 1.2, keyed with a secret from this handshake "
        "(RFC 8446 §4.4.4, RFC 5246 §7.4.9). If an attacker changed any message, such as "
        "removing strong cipher suites, the values differ and the handshake fails; a match also "
        "shows both sides derived the same keys. Only handshake messages count: "
        "ChangeCipherSpec, alerts and record headers are not part of the transcript."
    ),
    # -- NewSessionTicket (RFC 8446 §4.6.1, RFC 5077 §3.3) ------------------------------
    "new_session_ticket.lifetime": (
        "How many seconds the ticket may be used to resume, at most 7 days (604800) "
        "(RFC 8446 §4.6.1)."
    ),
    "new_session_ticket.age_add": (
        "A random 32-bit number the client adds to the ticket's age when it offers the ticket, "
        "so that observers cannot link connections by the age (RFC 8446 §4.6.1)."
    ),
    "new_session_ticket.nonce": (
        "A value unique per ticket, mixed with the resumption secret to give each ticket its "
        "own PSK (RFC 8446 §4.6.1)."
    ),
    "new_session_ticket.ticket": (
        "The ticket itself, opaque to the client: usually the session state encrypted with a "
        "key only the server knows. The client presents it to resume later (RFC 8446 §4.6.1, "
        "RFC 5077 §4)."
    ),
    "new_session_ticket.lifetime_hint": (
        "TLS 1.2: a hint, in seconds, of how long the ticket will be accepted; 0 means "
        "unspecified (RFC 5077 §3.3)."
    ),
    # -- KeyUpdate, CertificateStatus, CompressedCertificate ---------------------------
    "key_update.request_update": (
        "TLS 1.3: the sender now encrypts with new keys derived from the old ones, which limits "
        "how much data any one key protects. update_requested (1) asks the peer to update its "
        "keys too, update_not_requested (0) does not (RFC 8446 §4.6.3)."
    ),
    "certificate_status.status_type": (
        "The kind of status in this CertificateStatus message; ocsp (1) (RFC 6066 §8)."
    ),
    "certificate_status.ocsp_response": (
        "The stapled OCSP response: a statement signed by the CA that the server's certificate "
        "is not revoked, so the client need not ask the CA itself (RFC 6066 §8, RFC 6960)."
    ),
    "compressed_certificate.algorithm": (
        "The algorithm the Certificate message was compressed with: zlib (1), brotli (2) or "
        "zstd (3), one the peer offered in compress_certificate (RFC 8879 §4)."
    ),
    "compressed_certificate.uncompressed_length": (
        "The size of the Certificate message once decompressed. The receiver knows in advance "
        "how much to expect and can refuse a 'decompression bomb' (RFC 8879 §4)."
    ),
    "compressed_certificate.data": (
        "The compressed Certificate message, which replaces the usual Certificate (RFC 8879 §4)."
    ),
    # -- ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 4279) -----------------
    "server_key_exchange.ecdh_params": (
        "The server's ephemeral ECDH parameters: the curve and a public point made for this "
        "connection only (RFC 8422 §5.4)."
    ),
    "server_key_exchange.curve_type": (
        "How the curve is given: named_curve (3), a registered curve by number, is the only "
        "form still allowed; explicit curves (1, 2) are deprecated (RFC 8422 §5.4)."
    ),
    "server_key_exchange.named_curve": (
        "The curve for the key exchange, such as x25519 or secp256r1; one the client listed in "
        "supported_groups (RFC 8422 §5.4)."
    ),
    "server_key_exchange.explicit_curve": (
        "Curve parameters spelled out in full instead of a curve name, a deprecated form; kept "
        "as raw bytes (RFC 8422 §5.4)."
    ),
    "server_key_exchange.public": (
        "The server's ephemeral ECDH public key. The client combines it with its own key pair "
        "to reach the premaster secret; since the private half is discarded after the "
        "handshake, the connection has forward secrecy (RFC 8422 §5.4)."
    ),
    "server_key_exchange.dh_params": (
        "The server's ephemeral finite-field Diffie-Hellman parameters: the prime p, the "
        "generator g and the server's public value Ys (RFC 5246 §7.4.3)."
    ),
    "server_key_exchange.dh_p": (
        "The prime modulus p of the Diffie-Hellman group; its size sets the strength "
        "(RFC 5246 §7.4.3). Logjam (2015) broke the 512-bit export groups in practice and "
        "estimated that a nation-state could do the same for a widely shared 1024-bit prime; "
        "RFC 7919 names groups of 2048 bits and more."
    ),
    "server_key_exchange.dh_g": (
        "The generator g of the Diffie-Hellman group, usually 2 (RFC 5246 §7.4.3)."
    ),
    "server_key_exchange.dh_ys": (
        "The server's ephemeral Diffie-Hellman public value Ys = g^x mod p; x stays secret and "
        "is discarded after the handshake (RFC 5246 §7.4.3)."
    ),
    "server_key_exchange.rsa_params": (
        "A temporary RSA key, sent only with the old export suites, whose keys were limited to "
        "512 bits (RFC 2246 §7.4.3). The FREAK attack (2015) made clients that had not offered "
        "an export suite accept such a key, which could then be factored within hours."
    ),
    "server_key_exchange.rsa_modulus": (
        "The modulus of the temporary export RSA key (RFC 2246 §7.4.3)."
    ),
    "server_key_exchange.rsa_exponent": (
        "The public exponent of the temporary export RSA key (RFC 2246 §7.4.3)."
    ),
    "server_key_exchange.srp_params": (
        "SRP parameters: a password-based key exchange in which the password never crosses the "
        "network (RFC 5054 §2.5.3)."
    ),
    "server_key_exchange.srp_n": "The SRP group's prime modulus N (RFC 5054 §2.5.3).",
    "server_key_exchange.srp_g": "The SRP group's generator g (RFC 5054 §2.5.3).",
    "server_key_exchange.srp_s": (
        "The salt stored with the user's password verifier (RFC 5054 §2.5.3)."
    ),
    "server_key_exchange.srp_b": "The server's SRP public value B (RFC 5054 §2.5.3).",
    "server_key_exchange.psk_identity_hint": (
        "A hint from the server to help the client choose which pre-shared key to use; often "
        "empty (RFC 4279 §2). Plain PSK and (EC)DHE_PSK suites need no certificates, which "
        "suits constrained IoT devices provisioned with a shared key; RSA_PSK suites also "
        "authenticate the server with a certificate (RFC 4279 §4)."
    ),
    "server_key_exchange.raw": (
        "The body of a ServerKeyExchange this decoder cannot break down, because its format "
        "depends on a cipher suite it does not know."
    ),
    "server_key_exchange.signature": (
        "The server's signature, with its certificate key, over both randoms and the key "
        "exchange parameters. It binds the ephemeral key to the certificate and to this "
        "connection; without it a man in the middle could swap in his own key "
        "(RFC 5246 §7.4.3)."
    ),
    "signature.algorithm": (
        "The signature scheme (TLS 1.2 hash and signature algorithm pair), one the peer listed "
        "in signature_algorithms; TLS 1.0 and 1.1 have no such field (RFC 5246 §7.4.1.4.1)."
    ),
    "signature.value": (
        "The signature bytes, checked with the public key from the certificate (RFC 5246 §4.7)."
    ),
    # -- ClientKeyExchange (RFC 5246 §7.4.7, RFC 8422 §5.7, RFC 4279) ------------------
    "client_key_exchange.ecdh_yc": (
        "The client's ephemeral ECDH public key. With the server's public key each side can "
        "now compute the same premaster secret, which never travels itself (RFC 8422 §5.7)."
    ),
    "client_key_exchange.dh_yc": (
        "The client's ephemeral Diffie-Hellman public value Yc = g^y mod p (RFC 5246 §7.4.7.2)."
    ),
    "client_key_exchange.encrypted_pre_master_secret": (
        "RSA key exchange: the 48-byte premaster secret, the client's offered version (2 bytes, "
        "against rollback) then 46 random bytes, encrypted with PKCS#1 v1.5 to the server's "
        "certificate key (RFC 5246 §7.4.7.1). A server must treat a bad padding or version "
        "exactly like a good one, or it becomes a Bleichenbacher (ROBOT) oracle. There is no "
        "forward secrecy: whoever gets that private key later can decrypt every recorded "
        "session, which is why TLS 1.3 dropped RSA key exchange."
    ),
    "client_key_exchange.psk_identity": (
        "Which pre-shared key the client uses, named in clear (RFC 4279 §2). Plain PSK suites "
        "authenticate both sides with the shared secret instead of certificates, which suits "
        "constrained IoT devices; RSA_PSK suites add the server's certificate and an "
        "RSA-encrypted secret (RFC 4279 §4)."
    ),
    "client_key_exchange.srp_a": "The client's SRP public value A (RFC 5054 §2.5.4).",
    "client_key_exchange.raw": (
        "The body of a ClientKeyExchange this decoder cannot break down, because its format "
        "depends on a cipher suite it does not know."
    ),
}
