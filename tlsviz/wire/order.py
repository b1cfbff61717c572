"""Handshake message order as a transition table (RFC 8446 §2 and Appendix A,
RFC 5246 §7.3).

An unexpected message is not an error of the decoder: it is worth a warning
that says what was expected instead, because teaching the order is half the
point of the tool.  The table is permissive where real peers legitimately
differ (optional messages, resumption, renegotiation, post-handshake messages).
"""

from __future__ import annotations

from .facts import is_tls13
from .fields import Diagnostic, Severity
from .message import Message

START = -1

# Handshake types (RFC names in comments).
HR, CH, SH, NST, EOED, EE, CERT, SKE, CR, SHD, CV, CKE, FIN, CS, KU, CCERT = (
    0,
    1,
    2,
    4,
    5,
    8,
    11,
    12,
    13,
    14,
    15,
    16,
    20,
    22,
    24,
    25,
)
HRR = 6  # pseudo type used below for a HelloRetryRequest (a ServerHello on the wire)
HVR = 3  # DTLS HelloVerifyRequest (RFC 6347 §4.2.1)

_ANY_CERT = {CERT, CCERT}

#: TLS 1.2 and older.
CLIENT_12: dict[int, set[int]] = {
    START: {CH},
    CH: {CERT, CKE, FIN, CH},
    CERT: {CKE},
    CKE: {CV, FIN},
    CV: {FIN},
    FIN: {CH},
}
SERVER_12: dict[int, set[int]] = {
    START: {SH, HR, HVR},
    HVR: {SH, HVR},
    HR: {SH, HR, HVR},
    SH: {CERT, SKE, SHD, CR, NST, FIN, CS},
    CERT: {CS, SKE, CR, SHD},
    CS: {SKE, CR, SHD},
    SKE: {CR, SHD},
    CR: {SHD},
    SHD: {NST, FIN},
    NST: {FIN},
    FIN: {HR, SH, HVR},
}

#: TLS 1.3 (Finished may be followed by post-handshake messages).
CLIENT_13: dict[int, set[int]] = {
    START: {CH},
    CH: {CH, EOED, FIN, *_ANY_CERT},
    EOED: {FIN, *_ANY_CERT},
    CERT: {CV, FIN},
    CCERT: {CV, FIN},
    CV: {FIN},
    FIN: {KU, *_ANY_CERT},
    KU: {KU, *_ANY_CERT},
}
SERVER_13: dict[int, set[int]] = {
    START: {SH, HRR},
    HRR: {SH},
    SH: {EE},
    EE: {CR, FIN, *_ANY_CERT},
    CR: {*_ANY_CERT},
    CERT: {CV},
    CCERT: {CV},
    CV: {FIN},
    FIN: {NST, KU, CR},
    NST: {NST, KU, CR},
    KU: {NST, KU, CR},
}


class OrderChecker:
    """Remembers the last handshake message of each direction."""

    def __init__(self, *, mid_stream: bool = False) -> None:
        #: The capture started after the connection did: the first message
        #: seen in each direction may be any message.
        self.mid_stream = mid_stream
        self.last: dict[str, int] = {}
        self.finished: dict[str, bool] = {}

    def check(self, direction: str, msg: Message, version: int | None) -> list[Diagnostic]:
        t = msg.handshake_type
        if t is None:
            return []
        if msg.type == "HelloRetryRequest":
            t = HRR
        if t == FIN:
            self.finished[direction] = True
        tls13 = is_tls13(version)
        if direction == "client":
            table = CLIENT_13 if tls13 else CLIENT_12
        else:
            table = SERVER_13 if tls13 else SERVER_12
        last = self.last.get(direction, START)
        self.last[direction] = t
        if last == START and self.mid_stream:
            return []
        allowed = table.get(last)
        if allowed is None or t in allowed:
            return []
        # A new ClientHello (renegotiation, or TLS 1.3 after HRR) always restarts.
        if t == CH or (t in (SH, HR) and direction == "server" and not tls13):
            return []
        expected = ", ".join(_name(x) for x in sorted(allowed))
        return [
            Diagnostic(
                Severity.WARNING,
                f"unexpected {msg.type} after {_name(last)}: expected {expected}",
                0,
                min(4, len(msg.raw)),
                "RFC 8446 §4" if tls13 else "RFC 5246 §7.3",
                direction,
            )
        ]


_NAMES = {
    START: "the start",
    HR: "HelloRequest",
    HVR: "HelloVerifyRequest",
    CH: "ClientHello",
    SH: "ServerHello",
    HRR: "HelloRetryRequest",
    NST: "NewSessionTicket",
    EOED: "EndOfEarlyData",
    EE: "EncryptedExtensions",
    CERT: "Certificate",
    SKE: "ServerKeyExchange",
    CR: "CertificateRequest",
    SHD: "ServerHelloDone",
    CV: "CertificateVerify",
    CKE: "ClientKeyExchange",
    FIN: "Finished",
    CS: "CertificateStatus",
    KU: "KeyUpdate",
    CCERT: "CompressedCertificate",
}


def _name(t: int) -> str:
    return _NAMES.get(t, f"message type {t}")
