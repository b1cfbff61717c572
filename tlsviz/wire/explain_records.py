"""Explanations for the record layer and the non-handshake content types.

Record headers, ChangeCipherSpec, alerts, heartbeats, application data,
records that are still encrypted, the SSL 2.0-style hello, and the handshake
message header.  Merged into :data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

RECORDS: dict[str, str] = {
    # -- record header (RFC 8446 §5.1, RFC 5246 §6.2.1) ---------------------------------
    "record.content_type": (
        "Which protocol the record carries: change_cipher_spec (20), alert (21), handshake (22), "
        "application_data (23) or heartbeat (24). Once TLS 1.3 encryption starts, every "
        "protected record claims to be application_data on the outside and the true type "
        "travels inside the encrypted part, so an observer cannot tell handshake messages from "
        "data (RFC 8446 §5.2). The exception is the compatibility ChangeCipherSpec, which stays "
        "an unencrypted record of type 20 (RFC 8446 §5)."
    ),
    "record.version": (
        "The record's protocol version, never used to negotiate anything. In TLS 1.0 to 1.2 it "
        "carries the negotiated version once the ServerHello is out, though a client's first "
        "record may show a lower one such as 0x0301 (RFC 5246 §6.2.1, Appendix E.1). TLS 1.3 "
        "freezes it at 0x0303 (TLS 1.2), or 0x0301 in an initial ClientHello, for "
        "compatibility with middleboxes that drop unexpected numbers, and receivers ignore it "
        "(RFC 8446 §5.1)."
    ),
    "record.length": (
        "How many bytes follow the 5-byte record header. The contents of one record may not "
        "exceed 2^14 = 16384 bytes of plaintext (encryption may add up to 256 bytes in TLS 1.3, "
        "2048 in TLS 1.2), so longer messages and data are split across several records "
        "(RFC 8446 §5.1, §5.2)."
    ),
    "record.mac": (
        "The message authentication code that ends a record protected by a NULL cipher: the "
        "bytes before it are the content itself, readable by anyone on the path. The MAC, "
        "keyed with a secret from the key block, lets the receiver detect changes; it hides "
        "nothing (RFC 5246 §6.2.3.1)."
    ),
    "record.unknown_content": (
        "The body of a record whose content type this decoder does not know. Unknown content "
        "types are a protocol error in TLS, so such bytes usually mean the stream is not TLS or "
        "the capture lost its place (RFC 8446 §5)."
    ),
    # -- the handshake header (RFC 8446 §4, RFC 5246 §7.4) -------------------------------
    "handshake.msg_type": (
        "One byte naming the handshake message: client_hello (1), server_hello (2), "
        "new_session_ticket (4), encrypted_extensions (8), certificate (11), certificate_verify "
        "(15), finished (20) and so on. Together with the length it forms a 4-byte header that "
        "every handshake message starts with in all TLS versions (RFC 8446 §4)."
    ),
    "handshake.length": (
        "Length of the handshake message body, in 3 bytes, so a message can be up to 16 MB. "
        "Because a record holds at most 16 KB, a big message such as a certificate chain is cut "
        "into several records and put back together by the receiver; several small messages may "
        "also share one record."
    ),
    "handshake.body": (
        "The body of a handshake message type that this decoder shows only as raw bytes. Its "
        "meaning depends on the message type given in the header."
    ),
    # -- ChangeCipherSpec (RFC 5246 §7.1, RFC 8446 Appendix D.4) -------------------------
    "ccs.type": (
        "The single byte 1 of a ChangeCipherSpec. Up to TLS 1.2 it announces that the sender's "
        "next records use the keys just negotiated; being its own content type, not a "
        "handshake message, it is not in the transcript that Finished covers (RFC 5246 §7.1, "
        "§7.4.9). In TLS 1.3 it does nothing: in the optional middlebox compatibility mode a "
        "server sends one, unencrypted, right after its ServerHello or HelloRetryRequest and a "
        "client right before its second flight (or after a ClientHello offering 0-RTT), and the "
        "receiver drops it (RFC 8446 §5, Appendix D.4)."
    ),
    # -- alerts (RFC 8446 §6, RFC 5246 §7.2) ---------------------------------------------
    "alert.level": (
        "How serious the alert is: warning (1) or fatal (2); after a fatal alert the connection "
        "is closed at once. TLS 1.3 makes the level almost meaningless, since each alert type has "
        "a fixed severity and only close_notify and user_canceled are not errors (RFC 8446 §6)."
    ),
    "alert.description": (
        "The reason for the alert, such as close_notify (0), handshake_failure (40), "
        "bad_certificate (42) or decrypt_error (51). A close_notify is the polite goodbye: it "
        "lets the peer tell a real end of data from an attacker cutting the connection short "
        "(RFC 8446 §6.1, §6.2)."
    ),
    # -- application data ----------------------------------------------------------------
    "application_data": (
        "The bytes of the protocol running on top of TLS, such as an HTTP request or an MQTT "
        "packet. TLS carries them without looking inside; protecting them is the point of the "
        "whole handshake (RFC 8446 §5, RFC 5246 §10)."
    ),
    # -- records that are still encrypted (RFC 8446 §5.2, RFC 5246 §6.2.3) --------------
    "encrypted.data": (
        "Ciphertext: the protected content of the record. Without the traffic keys it looks "
        "like random bytes; given the keys, from a key log file for instance, it can be "
        "decrypted to show what is inside (RFC 8446 §5.2)."
    ),
    "encrypted.explicit_nonce": (
        "8 bytes sent in front of every TLS 1.2 AES-GCM or AES-CCM record: the per-record part of "
        "the nonce, joined with 4 secret bytes from the key block to make the 12-byte AEAD nonce. "
        "A nonce must never repeat under the same key; TLS 1.3 and ChaCha20-Poly1305 derive it "
        "from the record sequence number instead and send nothing (RFC 5288 §3, RFC 6655 §3, "
        "RFC 7905 §2, RFC 8446 §5.3)."
    ),
    "encrypted.tag": (
        "The AEAD authentication tag, usually 16 bytes (8 for the CCM_8 suites). It is a "
        "checksum only the key holders can compute: if a single bit of the record was changed, "
        "the tag does not match and the receiver rejects the record instead of using it "
        "(RFC 5116, RFC 8446 §5.2)."
    ),
    "encrypted.iv": (
        "The initialization vector of a CBC-mode record, one cipher block sent in clear before "
        "the ciphertext. Since TLS 1.1 every record carries its own unpredictable IV and the "
        "key block holds none (RFC 4346 §6.2.3.2, §6.3); TLS 1.0 took the first IV from the key "
        "block and then the last ciphertext block of the previous record, which an attacker "
        "could predict: the BEAST attack (2011)."
    ),
    "encrypted.cbc_data": (
        "CBC ciphertext: the data, a MAC and padding up to a whole number of blocks, encrypted "
        "together (with encrypt_then_mac the MAC comes after the ciphertext instead, RFC 7366). "
        "The order 'MAC, then encrypt' is what made padding-oracle attacks such as Lucky "
        "Thirteen possible (RFC 5246 §6.2.3.2)."
    ),
    # -- heartbeat (RFC 6520) ------------------------------------------------------------
    "heartbeat.type": (
        "heartbeat_request (1) or heartbeat_response (2). A heartbeat checks that the peer is "
        "still alive without a new handshake: the peer must send the payload back (RFC 6520 §4)."
    ),
    "heartbeat.payload_length": (
        "How many payload bytes the peer must echo back. Heartbleed (2014) was exactly this "
        "field: vulnerable OpenSSL versions believed it without checking it against the real "
        "record size and replied with up to 64 KB of whatever lay in their memory, keys included "
        "(RFC 6520 §4)."
    ),
    "heartbeat.payload": (
        "Arbitrary bytes chosen by the sender of a heartbeat request; the response must return "
        "them unchanged, which proves the peer really received this request (RFC 6520 §4)."
    ),
    "heartbeat.padding": (
        "At least 16 random bytes that end a heartbeat message; the receiver ignores them "
        "(RFC 6520 §4)."
    ),
    # -- the SSL 2.0-compatible ClientHello (RFC 5246 Appendix E.2) ---------------------
    "sslv2.record_length": (
        "The 2-byte header of an SSL 2.0 record: the top bit is set and the other 15 bits give "
        "the length. Old clients framed their first ClientHello this way so that SSL 2.0-only "
        "servers could still answer; SSL 2.0 itself is forbidden since 2011 (RFC 6176)."
    ),
    "sslv2.msg_type": (
        "The SSL 2.0 message type; 1 means CLIENT-HELLO, the only message ever sent in this "
        "form to a TLS server. A TLS 1.0-1.2 server may accept it (RFC 5246 Appendix E.2); RFC "
        "8446 forbids sending it and recommends against accepting it (Appendix D.5)."
    ),
    "sslv2.version": (
        "The highest protocol version the client supports, such as 0x0301 for TLS 1.0: although "
        "the hello is framed the SSL 2.0 way, the client can speak something newer "
        "(RFC 5246 Appendix E.2)."
    ),
    "sslv2.cipher_spec_length": (
        "Total size in bytes of the cipher spec list, a multiple of 3. SSL 2.0 puts all lengths "
        "up front and the variable-size fields after them (RFC 5246 Appendix E.2)."
    ),
    "sslv2.session_id_length": (
        "Size of the session id that follows the cipher specs. A client that can speak TLS "
        "sends 0 here (RFC 5246 Appendix E.2)."
    ),
    "sslv2.challenge_length": (
        "Size of the challenge, between 16 and 32 bytes; a TLS server uses the challenge as the "
        "client random (RFC 5246 Appendix E.2)."
    ),
    "sslv2.cipher_specs": (
        "The ciphers the client offers, 3 bytes each. Codes starting with 0x00 are ordinary TLS "
        "cipher suites; the others name old SSL 2.0 ciphers (RFC 5246 Appendix E.2)."
    ),
    "sslv2.cipher_spec": (
        "One offered cipher in 3 bytes: a TLS cipher suite when the first byte is 0, otherwise "
        "an SSL 2.0 cipher kind (RFC 5246 Appendix E.2)."
    ),
    "sslv2.session_id": (
        "A session id the client would like to resume; it is normally empty (RFC 5246 "
        "Appendix E.2)."
    ),
    "sslv2.challenge": (
        "Random bytes from the client that play the role of ClientHello.random: a TLS server "
        "pads them on the left with zeros to 32 bytes and uses them in key derivation "
        "(RFC 5246 Appendix E.2)."
    ),
    # -- generic pieces ------------------------------------------------------------------
    "length": (
        "A length prefix: how many bytes the field after it occupies. TLS writes every "
        "variable-size field as a length followed by the contents, so a receiver always knows "
        "where a field ends (RFC 8446 §3.4)."
    ),
    # -- what the decoder could not take apart ------------------------------------------
    "unparsed": (
        "Bytes left over inside a structure after all of its known fields were read. A length "
        "promised more than the fields used, so the sender either added data this decoder does "
        "not know or encoded the structure wrongly; a diagnostic points at them."
    ),
    "undecoded": (
        "Bytes that could not be decoded because they break the format, such as a length "
        "running past the end of its container. The decoder reports them in a diagnostic and "
        "carries on after them instead of giving up on the whole capture."
    ),
}
