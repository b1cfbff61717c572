"""What each kind of message is for, shown when a whole message is selected.

Keys are ``message.<Type>`` with the type names of ``decode --json``.  The
field-level texts (the other ``explain_*`` modules) say what each byte means;
these say why the message exists and where it sits in the handshake.
"""

from __future__ import annotations

OVERVIEW: dict[str, str] = {
    "message.ClientHello": (
        "The client opens the handshake: the versions, cipher suites and groups it supports, "
        "a fresh random value, and extensions such as the server name it wants (SNI). In TLS "
        "1.3 it also sends its half of the key agreement right away (key_share), guessing the "
        "group the server will choose, which is how TLS 1.3 saves a round trip (RFC 8446 "
        "§4.1.2)."
    ),
    "message.ServerHello": (
        "The server's choices: the version, the cipher suite and, in TLS 1.3, its own key share "
        "for the group it picked. Once it is sent, both sides can compute the handshake keys, "
        "so everything the server sends after it in TLS 1.3 is encrypted (RFC 8446 §4.1.3)."
    ),
    "message.HelloRetryRequest": (
        "A ServerHello with a special fixed random value: the server supports none of the "
        "groups the client sent key shares for, and asks it to try again with the group named "
        "here. The client sends a second ClientHello; the exchange costs one extra round trip "
        "(RFC 8446 §4.1.4)."
    ),
    "message.EncryptedExtensions": (
        "The first encrypted handshake message of TLS 1.3: the server's answers to extensions "
        "that are not needed to agree on keys (the ALPN protocol, the server name "
        "acknowledgement, the maximum fragment length...). TLS 1.2 put these in the ServerHello, "
        "where anyone could read them (RFC 8446 §4.3.1)."
    ),
    "message.Certificate": (
        "The sender's certificate chain: its own certificate first, then the certificates of "
        "the authorities that issued it. The receiver checks each signature up to an authority "
        "it already trusts and that the name matches; the key in the first certificate is the "
        "one the CertificateVerify (or, in TLS 1.2, the key exchange) must prove possession of "
        "(RFC 8446 §4.4.2, RFC 5246 §7.4.2)."
    ),
    "message.CertificateRequest": (
        "The server asks the client to authenticate with a certificate too (mutual TLS), and "
        "says which signature algorithms and, optionally, which authorities it accepts "
        "(RFC 8446 §4.3.2, RFC 5246 §7.4.4)."
    ),
    "message.CertificateVerify": (
        "A signature, made with the private key of the certificate just sent, over a hash of "
        "the handshake so far. It proves the sender holds that key and ties it to this very "
        "handshake, so a recorded signature cannot be replayed elsewhere (RFC 8446 §4.4.3; in "
        "TLS 1.2 only a client sends it, RFC 5246 §7.4.8)."
    ),
    "message.Finished": (
        "An HMAC over the whole handshake transcript, keyed from the handshake secrets. Each "
        "side checks the other's: if anyone had changed a single byte of the handshake, or the "
        "two sides did not derive the same keys, the values would not match and the connection "
        "would be dropped (RFC 8446 §4.4.4, RFC 5246 §7.4.9)."
    ),
    "message.NewSessionTicket": (
        "Sent after the handshake: a ticket the client can present in a later connection to "
        "resume this session without a full handshake and without the certificate chain "
        "(RFC 8446 §4.6.1; in TLS 1.2 it comes before the server's Finished, RFC 5077 §3.3)."
    ),
    "message.ServerKeyExchange": (
        "TLS 1.2 and older: the server's ephemeral (EC)DH public value and its parameters, "
        "signed with the certificate's key so the client knows who sent it; for PSK suites, an "
        "identity hint. With the RSA key exchange it is not sent at all (RFC 5246 §7.4.3)."
    ),
    "message.ServerHelloDone": (
        "TLS 1.2 and older: the server has sent its whole first flight and now waits for the "
        "client. It carries no data (RFC 5246 §7.4.5)."
    ),
    "message.ClientKeyExchange": (
        "TLS 1.2 and older: the client's half of the key exchange: its ephemeral (EC)DH public "
        "value, or, with the RSA key exchange, the premaster secret encrypted with the server's "
        "public key, or a PSK identity. After it both sides can compute the master secret "
        "(RFC 5246 §7.4.7)."
    ),
    "message.ChangeCipherSpec": (
        "Not a handshake message but a one-byte record of its own. In TLS 1.2 and older it "
        "says that the sender's next records are protected with the keys just agreed "
        "(RFC 5246 §7.1). In TLS 1.3 it does nothing and is sent only so that middleboxes "
        "that expect a TLS 1.2 handshake let the connection through (RFC 8446 Appendix D.4)."
    ),
    "message.Alert": (
        "A two-byte notice: a level and a description. close_notify says the sender is done; "
        "any other alert reports an error, and a fatal one ends the connection. Once keys are "
        "in use, alerts are encrypted like everything else (RFC 8446 §6)."
    ),
    "message.ApplicationData": (
        "The data the application sends (an HTTP request, an MQTT packet...), protected by the "
        "traffic keys: encrypted and authenticated, so an observer sees only its length "
        "(RFC 8446 §5.2)."
    ),
    "message.KeyUpdate": (
        "TLS 1.3: the sender switches to the next generation of traffic keys, derived from the "
        "current ones, and may ask the other side to do the same. Long-lived connections use it "
        "to limit how much data one key protects (RFC 8446 §4.6.3)."
    ),
    "message.EndOfEarlyData": (
        "TLS 1.3: the client has finished sending 0-RTT data with the early keys; what follows "
        "is protected with the handshake keys (RFC 8446 §4.5)."
    ),
    "message.CertificateStatus": (
        "An OCSP response the server staples to its certificate, so the client learns it was not "
        "revoked without asking the authority itself (RFC 6066 §8)."
    ),
    "message.HelloRequest": (
        "TLS 1.2 and older: the server asks the client to start a new handshake "
        "(renegotiation) on the same connection (RFC 5246 §7.4.1.1)."
    ),
    "message.Encrypted": (
        "A protected record that tlsviz could not decrypt, so its true content type is hidden: "
        "with the connection's key log (--keylog) or key, it would be opened and decoded "
        "(RFC 8446 §5.2)."
    ),
}
