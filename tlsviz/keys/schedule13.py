"""The TLS 1.3 key schedule (RFC 8446 §7.1), recorded step by step.

:class:`KeySchedule13` is fed what the handshake reveals as it progresses — a
PSK, the (EC)DHE shared secret, transcript hashes — and derives every secret,
key and IV.  Each derivation is appended to ``steps`` as a
:class:`~tlsviz.keys.steps.Step` that names its inputs, HKDF label, context and
RFC section, and (where one exists) the NSS key-log label it must match.

It can also start in the middle: a key log gives only traffic secrets, and
:meth:`~tlsviz.keys.derive13.Tls13Deriver.keylog_secret` records them so that
keys, Finished MACs and later generations can be derived below them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .derive13 import Tls13Deriver, TrafficKeys, rfc_name_for_label
from .digests import digest
from .hkdf import TLS13_LABEL_PREFIX, hkdf_extract

__all__ = [
    "EarlyTrafficSecrets",
    "HandshakeSecrets",
    "KeySchedule13",
    "MasterSecrets",
    "TrafficKeys",
    "hrr_message_hash",
    "rfc_name_for_label",
]

_RFC_SCHEDULE = "RFC 8446 §7.1"


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class EarlyTrafficSecrets:
    """Secrets derived from the early secret and the ClientHello."""

    client_early_traffic_secret: bytes
    early_exporter_master_secret: bytes


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class HandshakeSecrets:
    """Secrets derived once ServerHello is known."""

    handshake_secret: bytes
    client_handshake_traffic_secret: bytes
    server_handshake_traffic_secret: bytes


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class MasterSecrets:
    """Secrets derived once the server Finished is known."""

    master_secret: bytes
    client_application_traffic_secret_0: bytes
    server_application_traffic_secret_0: bytes
    exporter_master_secret: bytes


def hrr_message_hash(hash_name: str, client_hello1: bytes) -> bytes:
    """The synthetic ``message_hash`` handshake message that replaces ClientHello1.

    RFC 8446 §4.4.1: after a HelloRetryRequest the transcript starts with
    ``handshake_type 254 || uint24 Hash.length || Hash(ClientHello1)`` instead
    of the first ClientHello itself.
    """
    inner = digest(hash_name, client_hello1)
    return bytes([254]) + len(inner).to_bytes(3, "big") + inner


class KeySchedule13(Tls13Deriver):
    """Derive and record the TLS 1.3 secrets of one connection, stage by stage.

    ``hash_name`` is the cipher suite's hash (``sha256`` or ``sha384``).
    ``label_prefix`` is ``"tls13 "``; drafts ≤ 19 used ``"TLS 1.3, "``.
    The per-secret derivations (keys, Finished, binders, tickets, KeyUpdate,
    exporters) come from :class:`~tlsviz.keys.derive13.Tls13Deriver`.
    """

    def __init__(self, hash_name: str = "sha256", *, label_prefix: str = TLS13_LABEL_PREFIX):
        super().__init__(hash_name, label_prefix=label_prefix)
        self.early_secret: bytes | None = None
        self.handshake_secret: bytes | None = None
        self.master_secret: bytes | None = None

    def _derived(self, from_name: str, secret: bytes) -> bytes:
        return self._derive(
            f"derived_{from_name.removesuffix('_secret')}",
            from_name,
            secret,
            "derived",
            'transcript_hash:""',
            self._empty_hash,
            explain="The previous stage's secret, passed through HKDF once more so it can "
            "be used as the salt of the next Extract.",
        )

    # -- the schedule ------------------------------------------------------

    def early(self, psk: bytes | None = None, *, external: bool = False) -> bytes:
        """Early Secret = HKDF-Extract(0, PSK) and, with a PSK, its binder key.

        RFC 8446 §7.1: without a PSK the IKM is HashLen zero bytes.  The binder
        key uses ``"ext binder"`` for external PSKs and ``"res binder"`` for
        resumption PSKs (tickets).
        """
        ikm = psk if psk is not None else bytes(self.hash_len)
        ikm_name = self._input(
            "psk" if psk is not None else "psk:zeros",
            ikm,
            explain="The pre-shared key, or zeros when the handshake uses none.",
        )
        self.early_secret = self._record(
            "early_secret",
            "HKDF-Extract",
            hkdf_extract(self.hash_name, None, ikm),
            ("salt:zeros", ikm_name),
            rfc=_RFC_SCHEDULE,
            explain="The first stage of the schedule: it mixes in the PSK, if there is one.",
        )
        if psk is not None:
            self._derive(
                "binder_key",
                "early_secret",
                self.early_secret,
                "ext binder" if external else "res binder",
                'transcript_hash:""',
                self._empty_hash,
                explain="Key for the PSK binder, which proves the client really holds the PSK.",
            )
        return self.early_secret

    def early_traffic(self, client_hello_hash: bytes) -> EarlyTrafficSecrets:
        """client_early_traffic_secret and early_exporter_master_secret (0-RTT)."""
        if self.early_secret is None:
            self.early(None)
        assert self.early_secret is not None
        ctx = self._transcript("ClientHello", client_hello_hash)
        cets = self._derive(
            "client_early_traffic_secret",
            "early_secret",
            self.early_secret,
            "c e traffic",
            ctx,
            client_hello_hash,
            keylog_label="CLIENT_EARLY_TRAFFIC_SECRET",
            explain="Protects 0-RTT data the client sends right after its ClientHello.",
        )
        eems = self._derive(
            "early_exporter_master_secret",
            "early_secret",
            self.early_secret,
            "e exp master",
            ctx,
            client_hello_hash,
            keylog_label="EARLY_EXPORTER_SECRET",
            explain="Lets applications derive their own keys from the 0-RTT stage.",
        )
        return EarlyTrafficSecrets(cets, eems)

    def client_early_traffic_secret(self, client_hello_hash: bytes) -> bytes:
        """Shortcut for ``early_traffic(...).client_early_traffic_secret``."""
        return self.early_traffic(client_hello_hash).client_early_traffic_secret

    def handshake(self, shared_secret: bytes | None, hello_hash: bytes) -> HandshakeSecrets:
        """Handshake Secret and the two handshake traffic secrets.

        RFC 8446 §7.1: Handshake Secret = HKDF-Extract(Derive-Secret(Early
        Secret, "derived", ""), (EC)DHE); a PSK-only handshake uses zeros.
        ``hello_hash`` is Transcript-Hash(ClientHello..ServerHello).
        """
        if self.early_secret is None:
            self.early(None)
        assert self.early_secret is not None
        salt = self._derived("early_secret", self.early_secret)
        if shared_secret is None:
            ikm = bytes(self.hash_len)
            ikm_name = self._input("dhe:zeros", ikm, explain="PSK-only handshake: no (EC)DHE.")
        else:
            ikm = shared_secret
            ikm_name = self._name_of(ikm, "shared_secret")
        self.handshake_secret = self._record(
            "handshake_secret",
            "HKDF-Extract",
            hkdf_extract(self.hash_name, salt, ikm),
            ("derived_early", ikm_name),
            rfc=_RFC_SCHEDULE,
            explain="The second stage: mixes in the fresh (EC)DHE shared secret.",
        )
        ctx = self._transcript("ClientHello..ServerHello", hello_hash)
        chts = self._derive(
            "client_handshake_traffic_secret",
            "handshake_secret",
            self.handshake_secret,
            "c hs traffic",
            ctx,
            hello_hash,
            keylog_label="CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            explain="Protects the client's handshake messages (its Finished, certificate).",
        )
        shts = self._derive(
            "server_handshake_traffic_secret",
            "handshake_secret",
            self.handshake_secret,
            "s hs traffic",
            ctx,
            hello_hash,
            keylog_label="SERVER_HANDSHAKE_TRAFFIC_SECRET",
            explain="Protects everything the server sends after ServerHello, up to Finished.",
        )
        return HandshakeSecrets(self.handshake_secret, chts, shts)

    def master(self, server_finished_hash: bytes) -> MasterSecrets:
        """Master Secret, application traffic secrets #0 and exporter master secret.

        RFC 8446 §7.1: Master Secret = HKDF-Extract(Derive-Secret(Handshake
        Secret, "derived", ""), 0); the context is
        Transcript-Hash(ClientHello..server Finished).
        """
        if self.handshake_secret is None:
            raise ValueError("handshake() must come before master()")
        salt = self._derived("handshake_secret", self.handshake_secret)
        zeros = self._input("ikm:zeros", bytes(self.hash_len))
        self.master_secret = self._record(
            "master_secret",
            "HKDF-Extract",
            hkdf_extract(self.hash_name, salt, bytes(self.hash_len)),
            ("derived_handshake", zeros),
            rfc=_RFC_SCHEDULE,
            explain="The last stage; no new input, it only separates application keys "
            "from handshake keys.",
        )
        ctx = self._transcript("ClientHello..server Finished", server_finished_hash)
        out = [
            self._derive(
                name,
                "master_secret",
                self.master_secret,
                label,
                ctx,
                server_finished_hash,
                keylog_label=keylog,
                explain=explain,
            )
            for name, label, keylog, explain in (
                (
                    "client_application_traffic_secret_0",
                    "c ap traffic",
                    "CLIENT_TRAFFIC_SECRET_0",
                    "Protects the client's application data.",
                ),
                (
                    "server_application_traffic_secret_0",
                    "s ap traffic",
                    "SERVER_TRAFFIC_SECRET_0",
                    "Protects the server's application data.",
                ),
                (
                    "exporter_master_secret",
                    "exp master",
                    "EXPORTER_SECRET",
                    "Lets applications derive their own keys bound to this connection.",
                ),
            )
        ]
        return MasterSecrets(self.master_secret, out[0], out[1], out[2])

    def resumption(self, client_finished_hash: bytes) -> bytes:
        """resumption_master_secret, context ClientHello..client Finished (§7.1)."""
        if self.master_secret is None:
            raise ValueError("master() must come before resumption()")
        ctx = self._transcript("ClientHello..client Finished", client_finished_hash)
        return self._derive(
            "resumption_master_secret",
            "master_secret",
            self.master_secret,
            "res master",
            ctx,
            client_finished_hash,
            explain="Source of the PSKs the server hands out in NewSessionTicket messages.",
        )
