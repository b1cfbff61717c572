"""Explanations for what DTLS adds to TLS: the record and handshake header
fields a datagram transport needs, the cookie exchange, ACKs and connection
IDs.  Each says why the field exists, not only what it holds.  Merged into
:data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

DTLS: dict[str, str] = {
    # -- the record header (RFC 6347 §4.1) ----------------------------------------------
    "dtls.record.version": (
        "The record's DTLS version. DTLS numbers its versions downwards from 0xfeff, the one's "
        "complement of 1.0, so that a DTLS record can never be taken for a TLS one: 0xfeff is "
        "DTLS 1.0, 0xfefd DTLS 1.2 (there was no DTLS 1.1), and DTLS 1.3 keeps 0xfefd in the "
        "few records it still sends with this header (RFC 6347 §4.1, RFC 9147 §5.3)."
    ),
    "dtls.record.epoch": (
        "Which keys protect this record: 0 before any ChangeCipherSpec (in the clear), then one "
        "more after each. TLS can infer the keys from the order of the records, because TCP "
        "delivers them in order; over UDP a record sent after the ChangeCipherSpec may arrive "
        "before it, so each record says which epoch it belongs to (RFC 6347 §4.1)."
    ),
    "dtls.record.sequence_number": (
        "The record's 48-bit sequence number, starting at 0 in each epoch. TLS counts records "
        "implicitly; a datagram can be lost or come twice, so DTLS writes the number out. The "
        "epoch and this number together are the 64-bit value that the MAC or the AEAD takes, "
        "and a receiver uses them to drop replayed records (RFC 6347 §4.1, §4.1.2.6)."
    ),
    "dtls.record.connection_id": (
        "The connection ID the receiver asked for in the hellos. A DTLS association is normally "
        "found by the sender's address and port; when a NAT rebinding or a sleeping IoT device "
        "changes them, this ID still tells the receiver which keys to use. Its length is not "
        "on the wire: only the hellos tell it (RFC 9146 §4)."
    ),
    "dtls.record.length": (
        "How many bytes of the record follow its header, which is 13 bytes in DTLS 1.0 and "
        "1.2 (plus the connection ID, if any) and 1 to 5 bytes in DTLS 1.3's unified header "
        "(more with a connection ID). A record never crosses a datagram, so a datagram can "
        "hold several records but never part of one (RFC 6347 §4.1.1, RFC 9147 §4)."
    ),
    "dtls.ccs.message_seq": (
        "A message sequence number inside ChangeCipherSpec, written only by OpenSSL's DTLS "
        "before version 0.9.8f (record version 0x0100); standard DTLS does not number it "
        "(RFC 4347 §4.1)."
    ),
    # -- the DTLS 1.3 unified header (RFC 9147 §4) ----------------------------------------
    "dtls.unified.flags": (
        "The first byte of a DTLS 1.3 protected record, 0b001CSLEE. DTLS 1.3 shrinks the "
        "13-byte header of earlier versions to as little as 2 bytes, which matters on "
        "low-power radio links: the fixed bits 001 tell it from other protocols sharing the "
        "port, C, S and L say which fields follow, EE are the epoch's two low bits "
        "(RFC 9147 §4)."
    ),
    "dtls.unified.fixed_bits": (
        "The bits 001: a unified header. They keep DTLS 1.3 records apart from the other "
        "protocols that may share the same UDP port, such as STUN and RTP in WebRTC "
        "(RFC 9147 §4.1, RFC 7983)."
    ),
    "dtls.unified.c": (
        "C: whether a connection ID follows. It is there only when the peers agreed on one "
        "(RFC 9147 §4, RFC 9146)."
    ),
    "dtls.unified.s": (
        "S: whether the sequence number on the wire is 16 bits (1) or 8 (0). Only its low "
        "bits are sent; the receiver rebuilds the full number as the one closest to the next "
        "it expects (RFC 9147 §4, §4.2.2)."
    ),
    "dtls.unified.l": (
        "L: whether a length field follows. Without it the record runs to the end of the "
        "datagram, which saves two bytes on the last record of each datagram (RFC 9147 §4)."
    ),
    "dtls.unified.epoch": (
        "The epoch's two low bits. DTLS 1.3 numbers epochs 0 (plaintext), 1 (0-RTT data), 2 "
        "(handshake), 3 (application data) and one more per KeyUpdate; two bits are enough to "
        "tell the few epochs that can be in flight at once (RFC 9147 §4, §6.1)."
    ),
    "dtls.unified.connection_id": (
        "The connection ID the receiver asked for: it finds the association even when the "
        "sender's address has changed (RFC 9147 §9, RFC 9146)."
    ),
    "dtls.unified.sequence_number": (
        "The low 8 or 16 bits of the record's sequence number, encrypted. DTLS 1.3 hides them "
        "so that an observer cannot count and link records: they are XORed with a mask made "
        "from the record number key (sn_key) and the first 16 bytes of the ciphertext. The "
        "receiver undoes the mask, rebuilds the full number, and only then decrypts the record "
        "(RFC 9147 §4.2.3)."
    ),
    # -- the handshake header (RFC 6347 §4.2.2) -----------------------------------------
    "dtls.handshake.message_seq": (
        "The message's place in the handshake, from 0 for each side's first message. Datagrams "
        "can arrive out of order or twice: with this number the receiver processes messages "
        "in order and recognises a retransmitted copy (RFC 6347 §4.2.2)."
    ),
    "dtls.handshake.fragment_offset": (
        "Where this piece starts in the whole message. A handshake message such as a "
        "certificate chain can be larger than a datagram may safely be (IP fragments are lost "
        "as a whole and often dropped), so DTLS cuts it into pieces that each fit in one "
        "datagram and can be reassembled in any order (RFC 6347 §4.2.3)."
    ),
    "dtls.handshake.fragment_length": (
        "How many bytes of the message this piece carries. A message sent in one piece has "
        "fragment_offset 0 and fragment_length equal to its length; the handshake hash always "
        "takes it in that unfragmented form (RFC 6347 §4.2.2, §4.2.6)."
    ),
    # -- the cookie exchange (RFC 6347 §4.2.1) ------------------------------------------
    "client_hello.cookie": (
        "The cookie from the server's HelloVerifyRequest, echoed back (empty in a first "
        "ClientHello). A UDP source address can be forged, so a server that answered every "
        "ClientHello with its big certificate flight could be made to flood a victim; the "
        "cookie proves the client receives at its address before the server spends anything "
        "(RFC 6347 §4.2.1). DTLS 1.3 keeps the field empty and uses a HelloRetryRequest "
        "cookie extension instead (RFC 9147 §5.3)."
    ),
    "hello_verify_request.server_version": (
        "The server's version in a HelloVerifyRequest: DTLS 1.0 (0xfeff) whatever it will "
        "negotiate, since the version is settled by the ServerHello that follows "
        "(RFC 6347 §4.2.1)."
    ),
    "hello_verify_request.cookie": (
        "A value the server can check later without keeping state, typically a MAC of the "
        "client's address and hello under a secret of the server. The client must send it "
        "back in a second ClientHello; only then does the server commit memory and send its "
        "flight (RFC 6347 §4.2.1)."
    ),
    # -- ACK (RFC 9147 §7) -------------------------------------------------------------
    "ack.record_numbers": (
        "The records the sender has received. In DTLS 1.2 a lost datagram means sending the "
        "whole flight again; DTLS 1.3 acknowledges each record, so a sender resends only what "
        "was missed (RFC 9147 §7)."
    ),
    "ack.record_number": (
        "One acknowledged record, named by its epoch and sequence number (RFC 9147 §7)."
    ),
    "ack.epoch": "The epoch of the acknowledged record, as a 64-bit number (RFC 9147 §7).",
    "ack.sequence_number": (
        "The full sequence number of the acknowledged record, not the truncated bits of its "
        "header (RFC 9147 §7)."
    ),
    # -- connection IDs (RFC 9146, RFC 9147 §9) -----------------------------------------
    "ext.connection_id": (
        "connection_id: the connection ID the sender wants to find in the records its peer "
        "sends to it, so that the association survives a change of address or port (NATs, "
        "sleeping devices). An empty value means the sender will use IDs but wants none "
        "itself (RFC 9146 §3)."
    ),
    "ext.connection_id (deprecated)": (
        "The code point a draft of RFC 9146 used for connection_id; some implementations "
        "still send it (RFC 9146 §3, IANA)."
    ),
    "ext.connection_id.cid": "The connection ID itself, 0 to 255 bytes (RFC 9146 §3).",
    "new_connection_id.cids": (
        "Further connection IDs the peer may switch to, so that consecutive records after an "
        "address change cannot be linked by their ID (RFC 9147 §9)."
    ),
    "new_connection_id.cid": "One connection ID offered for use (RFC 9147 §9).",
    "new_connection_id.usage": (
        "cid_immediate (0): switch to one of these IDs now; cid_spare (1): keep them for "
        "later (RFC 9147 §9)."
    ),
    "request_connection_id.num_cids": (
        "How many new connection IDs the sender asks its peer for (RFC 9147 §9)."
    ),
    # -- the messages as a whole ---------------------------------------------------------
    "message.HelloVerifyRequest": (
        "The server's stateless answer to a first ClientHello over DTLS: a cookie, and "
        "nothing else. The client must repeat its ClientHello with the cookie, proving its "
        "address is real before the server sends a large flight or keeps state; this costs a "
        "round trip and is why a DTLS 1.2 handshake with cookies takes three (RFC 6347 §4.2.1)."
    ),
    "message.ACK": (
        "A DTLS 1.3 acknowledgement of handshake records received. It replaces the implicit "
        "acknowledgement of DTLS 1.2, where only the next flight showed that a flight had "
        "arrived (RFC 9147 §7)."
    ),
    "message.NewConnectionId": (
        "DTLS 1.3: connection IDs the peer may use from now on (RFC 9147 §9)."
    ),
    "message.RequestConnectionId": "DTLS 1.3: a request for more connection IDs (RFC 9147 §9).",
    # -- record protection (shown under each decrypted DTLS record) ---------------------
    "protection.dtls_seq": (
        "The epoch and sequence number this record was opened with, read from the record "
        "itself. DTLS 1.0 and 1.2 feed the MAC or AEAD the 16-bit epoch followed by the "
        "48-bit sequence number, the same 64 bits TLS counts implicitly, so that a record "
        "replayed into another epoch or position fails (RFC 6347 §4.1.2.1); DTLS 1.3 builds "
        "the nonce from the sequence number as TLS 1.3 does (RFC 9147 §4)."
    ),
    "protection.aad_dtls": (
        "The additional data the AEAD authenticated: epoch, sequence number, content type, "
        "version and plaintext length, the TLS 1.2 layout with the record's own epoch and "
        "sequence number in place of the implicit counter (RFC 6347 §4.1.2.1, RFC 5246 "
        "§6.2.3.3)."
    ),
    "protection.aad_dtls13": (
        "The additional data the AEAD authenticated: the unified header exactly as sent, "
        "except that the sequence number bits are in the clear, since their encryption is "
        "applied after the AEAD (RFC 9147 §4.2.3)."
    ),
    "protection.sn_key": (
        "The record number key of this epoch and direction, derived from its traffic secret "
        'with the label "sn" (RFC 9147 §4.2.3).'
    ),
    "protection.sn_sample": (
        "The first 16 bytes of the record's ciphertext: the input of the mask. Ciphertext "
        "looks random, so every record gets a different mask (RFC 9147 §4.2.3)."
    ),
    "protection.sn_mask": (
        "The mask: AES-ECB of the sample under sn_key (for ChaCha20 suites, the ChaCha20 key "
        "stream), cut to the length of the sequence number field (RFC 9147 §4.2.3)."
    ),
    "protection.sn_bits": (
        "The sequence number bits on the wire XOR the mask: the low bits of the real sequence "
        "number; the receiver extends them to the number closest to the next one it expects "
        "(RFC 9147 §4.2.2, §4.2.3)."
    ),
    # -- CoAP (RFC 7252), read from decrypted DTLS application data ----------------------
    "coap.header": (
        "CoAP's first byte: version 1, the message type (CON confirmable, NON "
        "non-confirmable, ACK, RST) and the token's length. CoAP is HTTP's ideas (methods, "
        "URIs, response codes) squeezed into a 4-byte header for devices with kilobytes of "
        "memory; it runs over UDP, and DTLS is what secures it (RFC 7252 §3, §9)."
    ),
    "coap.code": (
        "The method of a request (0.01 GET, 0.02 POST, 0.03 PUT, 0.04 DELETE) or the class and "
        "detail of a response (2.05 Content, 4.04 Not Found), written c.dd as in HTTP's status "
        "codes (RFC 7252 §3, §12.1)."
    ),
    "coap.message_id": (
        "Matches a confirmable message with its ACK and lets the receiver drop duplicates. UDP "
        "may lose or repeat datagrams, so CoAP brings its own light reliability, as DTLS does "
        "for its handshake (RFC 7252 §4)."
    ),
    "coap.token": (
        "Matches a response with its request, even when the response comes later in a "
        "separate message rather than in the ACK (RFC 7252 §5.3.1)."
    ),
    "coap.option": (
        "One option, such as a segment of the URI path or the payload's format. Options are "
        "sorted by number and each stores only the difference from the previous number, which "
        "keeps them to a byte or two (RFC 7252 §3.1, §5.10)."
    ),
    "coap.option_header": (
        "The option's delta (its number minus the previous option's) and its length, four bits "
        "each; 13 and 14 mean that one or two more bytes follow (RFC 7252 §3.1)."
    ),
    "coap.option_extended": (
        "The rest of a delta or length too big for four bits: plus 13 after a 13, plus 269 "
        "after a 14 (RFC 7252 §3.1)."
    ),
    "coap.option_value": (
        "The option's value: text for Uri-Path and Uri-Query, a number for Content-Format "
        "(0 is text/plain) or Observe (RFC 7252 §5.10)."
    ),
    "coap.payload_marker": (
        "0xff: the options end and the payload follows. A message without a payload has no "
        "marker (RFC 7252 §3)."
    ),
    "coap.payload": "The message's payload, the resource's representation (RFC 7252 §5.5).",
}
