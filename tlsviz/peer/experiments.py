"""Experiments: tlsviz's peer breaks a rule on purpose, the real peer reacts.

Each experiment makes *our* side (client or server) do one thing a correct
endpoint never does, so that a learner can watch a real implementation refuse
it, with the alert the RFC asks for.  The recording marks the connection
(an ``EXPERIMENT`` line in the secrets block, see
:mod:`tlsviz.keys.peer_secrets`) and ``tlsviz decode`` explains it with
:func:`explain` next to the alert it finds in the capture.

Pure data and text: no cryptography, importable by the decoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["EXPERIMENTS", "Experiment", "explain"]


@dataclass(frozen=True, slots=True)
class Experiment:
    name: str
    title: str
    client: str  # what tlsviz's client does
    server: str  # what tlsviz's server does
    expect: str  # what the other side must do, and why
    alerts: tuple[str, ...]  # the alerts a correct peer sends (any of them)
    rfc: str
    #: the certificate flaw the in-process PKI gives the server (None: a good one)
    certificate: str | None = None


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment(
            "wrong-finished",
            "a Finished message with one wrong bit",
            "The client sent a Finished whose verify_data has its last bit flipped.",
            "The server sent a Finished whose verify_data has its last bit flipped.",
            "Finished is a MAC over the whole handshake under a key only the two sides hold; "
            "a receiver recomputes it and must abort with decrypt_error when it differs.",
            ("decrypt_error",),
            "RFC 8446 §4.4.4, RFC 5246 §7.4.9",
        ),
        Experiment(
            "flip-bit",
            "one flipped bit in a protected record",
            "The client flipped one bit of the ciphertext of its first protected record.",
            "The server flipped one bit of the ciphertext of its first protected record.",
            "AEAD protection authenticates every bit of a record; a record whose tag does not "
            "verify must be refused with a bad_record_mac alert, without using any of it.",
            ("bad_record_mac",),
            "RFC 8446 §5.2, RFC 5246 §7.2.2",
        ),
        Experiment(
            "expired-cert",
            "an expired server certificate",
            "The server's certificate had expired; the client noticed and went on anyway.",
            "The server presented a certificate whose validity period has ended.",
            "A certificate is only good inside its validity period; a client must refuse an "
            "expired one (certificate_expired).",
            ("certificate_expired", "bad_certificate", "certificate_unknown"),
            "RFC 5280 §4.1.2.5, RFC 8446 §6.2",
            certificate="expired",
        ),
        Experiment(
            "wrong-name-cert",
            "a certificate for another name",
            "The server's certificate names another host; the client noticed and went on anyway.",
            "The server presented a certificate issued for another host name.",
            "The certificate must name the server the client wanted to reach, or anyone with a "
            "certificate for some other name could impersonate it (bad_certificate).",
            ("bad_certificate", "certificate_unknown", "handshake_failure"),
            "RFC 6125 §6, RFC 8446 §4.4.2.4",
            certificate="wrong-name",
        ),
        Experiment(
            "untrusted-cert",
            "a certificate from an unknown CA",
            "The server's certificate comes from a CA the client does not trust; the client "
            "noticed and went on anyway.",
            "The server presented a certificate signed by a CA the client does not trust.",
            "Trust comes from the CA the chain leads to; a chain that ends at an unknown CA "
            "proves nothing (unknown_ca).",
            ("unknown_ca", "bad_certificate", "certificate_unknown"),
            "RFC 5280 §6.1, RFC 8446 §4.4.2.4",
            certificate="untrusted",
        ),
        Experiment(
            "unsupported-suite",
            "a cipher suite the other side does not have",
            "The client offered only a cipher suite the server does not enable.",
            "The server chose a cipher suite the client had not offered.",
            "A server with no suite in common must refuse with handshake_failure; a client "
            "must refuse a suite it did not offer with illegal_parameter.",
            ("handshake_failure", "illegal_parameter", "insufficient_security"),
            "RFC 8446 §4.1.1, §4.1.3",
        ),
        Experiment(
            "unsupported-group",
            "a key exchange group the other side does not have",
            "The client offered only a group (brainpoolP256r1) the server does not support.",
            "The server chose a key exchange group the client had not offered.",
            "Without a group in common no shared secret can be agreed: the server refuses with "
            "handshake_failure; a client refuses a group it did not offer with "
            "illegal_parameter.",
            ("handshake_failure", "illegal_parameter", "insufficient_security"),
            "RFC 8446 §4.2.7, §4.2.8",
        ),
        Experiment(
            "old-version",
            "an old protocol version",
            "The client offered only TLS 1.1.",
            "The server answered with TLS 1.1.",
            "TLS 1.0 and 1.1 are deprecated; a peer that does not accept them must abort with "
            "protocol_version.",
            ("protocol_version", "handshake_failure", "insufficient_security"),
            "RFC 8996 §5, RFC 8446 §4.2.1",
        ),
    )
}


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def explain(name: str, side: str, alerts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """What happened in an experiment's connection, for ``decode``.

    ``side`` is the side that misbehaved (``client`` or ``server``);
    ``alerts`` are the ``(direction, alert name)`` pairs seen, in order.  The
    result carries ``name``, ``side``, ``title``, ``what`` (our side's deed),
    ``expect``, ``rfc``, ``reaction`` (the other side's first alert, or None)
    and ``verdict``: one sentence on whether the other side did as expected.
    """
    exp = EXPERIMENTS.get(name)
    other = "server" if side == "client" else "client"
    reaction = next((a for d, a in alerts if d == other), None)
    out: dict[str, Any] = {"name": name, "side": side, "reaction": reaction}
    if exp is None:
        out.update(title=name, what="", expect="", rfc="", verdict=f"Unknown experiment {name}.")
        return out
    out.update(
        title=exp.title,
        what=exp.client if side == "client" else exp.server,
        expect=exp.expect,
        rfc=exp.rfc,
    )
    if reaction is None:
        verdict = f"The {other} sent no alert: it did not refuse what it should have refused."
        if exp.certificate is not None and side == "client":
            verdict = (
                "The server could not know: only the client checks the server's certificate, "
                "and tlsviz's client accepted it against the rules."
            )
    elif reaction in exp.alerts:
        verdict = f"The {other} refused it with {_a(reaction)} alert, as the RFC asks."
    else:
        verdict = (
            f"The {other} refused it with {_a(reaction)} alert (the RFC suggests "
            f"{' or '.join(exp.alerts)})."
        )
    out["verdict"] = verdict
    return out
