"""What each kind of message is for, as a whole, and how a record was protected.

Keys ``message.<type>`` use the message type names of ``decode --json``
(``message.EncryptedExtensions``); the text view prints them under each
message with ``--explain``.  Keys ``protection.*`` explain the parts of record
protection (nonce, additional data, the TLS 1.3 inner plaintext, MAC) that the
explain view shows for each decrypted record.  Merged into
:data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

MESSAGE_TYPES: dict[str, str] = {
    # -- the hellos (RFC 8446 §4.1, RFC 5246 §7.4.1) -------------------------------------
    "message.ClientHello": (
        "The client's opening message: its random, the versions, cipher suites, groups and "
        "signature schemes it supports, and extensions such as the server name. In TLS 1.3 it "
        "usually carries key shares already, so the server can answer with keys in one round "
        "trip (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2)."
    ),
    "message.ServerHello": (
        "The server's choices from the ClientHello: version, cipher suite and, in TLS 1.3, its "
        "key share and any PSK it accepts. In TLS 1.3 everything the server sends after it is "
        "encrypted (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3)."
    ),
    "message.HelloRetryRequest": (
        "A ServerHello with a fixed random asking the client to try again, usually because "
        "none of its key shares is in a group the server accepts. The client answers with a "
        "second ClientHello, and the transcript replaces the first one by message_hash "
        "(RFC 8446 §4.1.4, §4.4.1)."
    ),
    "message.HelloRequest": (
        "TLS 1.2 and older: the server asks the client to start a new handshake "
        "(renegotiation), which the client may decline. It is empty and, unlike the other "
        "handshake messages, not part of the Finished hash (RFC 5246 §7.4.1.1)."
    ),
    # -- TLS 1.3 server flight (RFC 8446 §4.3) -------------------------------------------
    "message.EncryptedExtensions": (
        "TLS 1.3: the server's first encrypted message, right after ServerHello. It answers "
        "the client's extensions that are not needed to set up keys, such as ALPN, server_name "
        "or early_data, so that an observer no longer sees them (RFC 8446 §4.3.1)."
    ),
    "message.CertificateRequest": (
        "The server asks the client to authenticate with a certificate, saying which signature "
        "schemes, key types or CAs it accepts (RFC 8446 §4.3.2, RFC 5246 §7.4.4)."
    ),
    # -- authentication (RFC 8446 §4.4, RFC 5246 §7.4.2-7.4.9) --------------------------
    "message.Certificate": (
        "The sender's certificate chain, its own certificate first (RFC 8446 §4.4.2, "
        "RFC 5246 §7.4.2). A client sends one only when the server asked for it; in TLS 1.3 "
        "the message is encrypted."
    ),
    "message.CompressedCertificate": (
        "A Certificate message compressed with an algorithm the peer offered in "
        "compress_certificate; it replaces the Certificate (RFC 8879 §4)."
    ),
    "message.CertificateStatus": (
        "TLS 1.2: a stapled OCSP response sent right after the server's Certificate, showing "
        "that the certificate is not revoked (RFC 6066 §8)."
    ),
    "message.CertificateVerify": (
        "A signature proving the sender holds the private key of the certificate it just sent: "
        "over 64 spaces, a context string, a zero byte and the transcript hash in TLS 1.3, over "
        "all handshake messages so far in TLS 1.2 (RFC 8446 §4.4.3, RFC 5246 §7.4.8)."
    ),
    "message.Finished": (
        "A MAC over the handshake transcript, keyed with a secret of this handshake, that ends "
        "each side's part of the handshake. Checking the peer's Finished proves nobody altered "
        "the handshake and both sides hold the same keys (RFC 8446 §4.4.4, RFC 5246 §7.4.9)."
    ),
    # -- TLS 1.2 key exchange (RFC 5246 §7.4.3-7.4.7) -----------------------------------
    "message.ServerKeyExchange": (
        "TLS 1.2 and older: the server's ephemeral key-exchange parameters, such as an (EC)DHE "
        "public key or a PSK hint, signed with its certificate key when the suite authenticates "
        "that way; RSA key exchange sends none (RFC 5246 §7.4.3, RFC 8422 §5.4)."
    ),
    "message.ServerHelloDone": (
        "TLS 1.2 and older: the server's hello flight is complete and it now waits for the "
        "client's key exchange. The message is empty: its arrival says it all (RFC 5246 §7.4.5)."
    ),
    "message.ClientKeyExchange": (
        "TLS 1.2 and older: the client's half of the key exchange, its (EC)DHE public key or "
        "the premaster secret encrypted to the server's RSA key. After it both sides can "
        "compute the master secret (RFC 5246 §7.4.7)."
    ),
    # -- after the handshake (RFC 8446 §4.5, §4.6) ---------------------------------------
    "message.EndOfEarlyData": (
        "TLS 1.3, from the client: the last message under the 0-RTT keys, saying that early "
        "data ends here; the client's next records use its handshake keys. It has an empty "
        "body and is sent only when the server accepted early data (RFC 8446 §4.5)."
    ),
    "message.NewSessionTicket": (
        "A ticket the client can present later to resume without a full handshake. In TLS 1.3 "
        "the server sends it after the handshake, encrypted, each ticket giving its own PSK; in "
        "TLS 1.2 it comes just before the server's ChangeCipherSpec (RFC 8446 §4.6.1, "
        "RFC 5077 §3.3)."
    ),
    "message.KeyUpdate": (
        "TLS 1.3: the sender switches to the next generation of its traffic keys, derived from "
        "the current ones, and may ask the peer to do the same (RFC 8446 §4.6.3)."
    ),
    # -- the other content types ---------------------------------------------------------
    "message.ChangeCipherSpec": (
        "Not a handshake message but a record type of its own. Up to TLS 1.2 it switches the "
        "sender's records to the new keys; in TLS 1.3 it is a leftover sent only for the sake "
        "of middleboxes (RFC 5246 §7.1, RFC 8446 Appendix D.4)."
    ),
    "message.Alert": (
        "A warning or an error that ends the connection, or the polite close_notify at its end "
        "(RFC 8446 §6, RFC 5246 §7.2)."
    ),
    "message.ApplicationData": (
        "Data of the protocol running over TLS, protected with the traffic keys "
        "(RFC 8446 §5, RFC 5246 §10)."
    ),
    "message.Heartbeat": (
        "A heartbeat request or response, the extension behind Heartbleed (RFC 6520 §3)."
    ),
    "message.Encrypted": (
        "A protected record that could not be decrypted: without the keys its content, and in "
        "TLS 1.3 even its real type, stay hidden (RFC 8446 §5.2, RFC 5246 §6.2.3)."
    ),
}

PROTECTION: dict[str, str] = {
    # -- record protection (RFC 8446 §5.2-5.4, RFC 5246 §6.2.3) -------------------------
    "protection.key": (
        "The write key that protected this record: derived for one direction and one stage "
        "of the connection, it changes when the keys change and is never sent (RFC 8446 §7.3, "
        "RFC 5246 §6.3)."
    ),
    "protection.iv": (
        "The write IV of this direction, derived beside the key and never sent: the base that "
        "each record's nonce is made from (in TLS 1.2 AES-GCM only a 4-byte salt, and for CBC "
        "the IV the record was decrypted with) (RFC 8446 §7.3, RFC 5246 §6.3)."
    ),
    "protection.seq": (
        "The record's sequence number: both sides count records from 0 at each key change "
        "and never send the count. It enters the nonce or the MAC, so a record removed, "
        "repeated or reordered fails to authenticate (RFC 8446 §5.3, RFC 5246 §6.1)."
    ),
    "protection.nonce": (
        "This record's AEAD nonce: the write IV XOR the sequence number, padded on the left "
        "with zeros to the IV's length. Each record gets a fresh nonce without sending one "
        "(RFC 8446 §5.3, RFC 7905 §2)."
    ),
    "protection.nonce12": (
        "This record's AEAD nonce: the 4-byte implicit salt from the key block followed by the "
        "8 explicit bytes sent at the start of the record (RFC 5288 §3, RFC 6655 §3)."
    ),
    "protection.aad": (
        "The additional data the AEAD authenticates without encrypting: in TLS 1.3 the 5-byte "
        "record header itself, so a changed type, version or length fails the tag check "
        "(RFC 8446 §5.2)."
    ),
    "protection.aad12": (
        "The additional data the AEAD authenticates without encrypting: the 64-bit sequence "
        "number, the content type, the version and the plaintext length, 13 bytes "
        "(RFC 5246 §6.2.3.3)."
    ),
    "protection.inner_type": (
        "TLS 1.3 keeps the real content type inside the encryption: the decrypted "
        "TLSInnerPlaintext is the content, then this one byte, then any zero padding, and the "
        "receiver takes the last non-zero byte as the type (RFC 8446 §5.2, §5.4)."
    ),
    "protection.padding": (
        "Zero bytes a TLS 1.3 sender may put after the content type to hide how long its "
        "messages really are; the receiver strips them (RFC 8446 §5.4)."
    ),
    "protection.cbc_padding": (
        "CBC padding: bytes that fill content and MAC up to a whole number of cipher blocks, "
        "each holding the padding length (RFC 5246 §6.2.3.2)."
    ),
    "protection.mac": (
        "The record's MAC: an HMAC, keyed with this direction's MAC key, over the sequence "
        "number, content type, version, length and content (RFC 5246 §6.2.3.1). It detects any "
        "change but hides nothing by itself: with a NULL cipher the content beside it travels "
        "as plain text."
    ),
}
