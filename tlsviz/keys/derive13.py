"""The TLS 1.3 derivations that work from any secret, recorded step by step.

:class:`Tls13Deriver` holds what every TLS 1.3 derivation below a traffic
secret needs — keys and IVs, Finished MACs, PSK binders, ticket PSKs,
KeyUpdate generations, exporters — so that tlsviz can show them whether the
secret was derived from the handshake (:class:`~tlsviz.keys.schedule13.KeySchedule13`)
or read from a key log (:meth:`Tls13Deriver.keylog_secret`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .digests import digest, hash_len, hmac_digest, normalize_hash_name
from .hkdf import TLS13_LABEL_PREFIX, derive_secret, hkdf_expand_label
from .steps import StepRecorder

__all__ = ["Tls13Deriver", "TrafficKeys", "rfc_name_for_label"]

_RFC_SCHEDULE = "RFC 8446 §7.1"
_GENERATION = re.compile(r"(client|server)_application_traffic_secret_(\d+)\Z")
_KEYLOG_GENERATION = re.compile(r"(CLIENT|SERVER)_TRAFFIC_SECRET_(\d+)\Z")
_KEYLOG_NAMES = {
    "CLIENT_EARLY_TRAFFIC_SECRET": "client_early_traffic_secret",
    "EARLY_EXPORTER_SECRET": "early_exporter_master_secret",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET": "client_handshake_traffic_secret",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET": "server_handshake_traffic_secret",
    "EXPORTER_SECRET": "exporter_master_secret",
}


def rfc_name_for_label(label: str) -> str | None:
    """The RFC 8446 name of the secret an NSS key-log label holds (None if not TLS 1.3)."""
    match = _KEYLOG_GENERATION.match(label)
    if match:
        return f"{match.group(1).lower()}_application_traffic_secret_{match.group(2)}"
    return _KEYLOG_NAMES.get(label)


@dataclass(slots=True, unsafe_hash=True)  # see fields.Field
class TrafficKeys:
    """write_key and write_iv for one direction and epoch (RFC 8446 §7.3)."""

    key: bytes
    iv: bytes


class Tls13Deriver(StepRecorder):
    """TLS 1.3 derivations below the key schedule's stages (RFC 8446 §4.4.4, §4.6, §7).

    ``hash_name`` is the cipher suite's hash (``sha256`` or ``sha384``).
    ``label_prefix`` is ``"tls13 "``; drafts ≤ 19 used ``"TLS 1.3, "``.
    """

    def __init__(self, hash_name: str = "sha256", *, label_prefix: str = TLS13_LABEL_PREFIX):
        super().__init__()
        self.hash_name = normalize_hash_name(hash_name)
        self.hash_len = hash_len(self.hash_name)
        self.label_prefix = label_prefix
        #: a HelloRetryRequest came first: the transcript starts with message_hash
        self.after_hrr = False

    def _record(
        self,
        name: str,
        operation: str,
        value: bytes,
        inputs: tuple[str, ...] = (),
        *,
        label: str | None = None,
        context: bytes | None = None,
        rfc: str = "",
        keylog_label: str | None = None,
        explain: str = "",
    ) -> bytes:
        """Record a step; labelled expansions also spell out their HkdfLabel (§7.1)."""
        if operation in ("HKDF-Expand-Label", "Derive-Secret") and label is not None:
            explain = _label_explained(
                explain,
                operation,
                self.label_prefix + label,
                len(context) if context else 0,
                len(value),
            )
        return super()._record(
            name,
            operation,
            value,
            inputs,
            label=label,
            context=context,
            rfc=rfc,
            keylog_label=keylog_label,
            explain=explain,
        )

    # -- helpers -----------------------------------------------------------

    @property
    def _empty_hash(self) -> bytes:
        return digest(self.hash_name, b"")

    def _name_of(self, value: bytes, default: str) -> str:
        """Name of the latest step holding ``value``; record it as an input if none."""
        for step in reversed(self.steps):
            if step.value == value:
                return step.name
        return self._input(
            default, value, explain="A secret given to tlsviz (e.g. from a key log)."
        )

    def _transcript(self, transcript: str, value: bytes) -> str:
        explain = "Hash of the handshake messages so far; it ties each secret to this handshake."
        if self.after_hrr and transcript.startswith("ClientHello.."):
            # RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced.
            transcript = "message_hash" + transcript.removeprefix("ClientHello")
        if transcript.startswith("message_hash"):
            explain = (
                "Hash of the handshake messages so far. After a HelloRetryRequest they begin "
                "with message_hash, a synthetic message (type 254) holding the hash of the first "
                "ClientHello, then the HelloRetryRequest and the second ClientHello "
                "(RFC 8446 §4.4.1)."
            )
        return self._input(
            f"transcript_hash:{transcript}",
            value,
            operation="Transcript-Hash",
            explain=explain,
        )

    def _derive(
        self,
        name: str,
        secret_name: str,
        secret: bytes,
        label: str,
        context_name: str,
        context: bytes,
        *,
        keylog_label: str | None = None,
        explain: str = "",
    ) -> bytes:
        value = derive_secret(self.hash_name, secret, label, context, self.label_prefix)
        return self._record(
            name,
            "Derive-Secret",
            value,
            (secret_name, context_name),
            label=label,
            context=context,
            rfc=_RFC_SCHEDULE,
            keylog_label=keylog_label,
            explain=explain,
        )

    def keylog_secret(self, label: str, value: bytes) -> bytes:
        """Record a secret taken from a key log under its RFC name.

        Lets the schedule start in the middle: with only a key log, tlsviz
        cannot compute the handshake secret, but every key, IV, Finished MAC
        and later generation below a logged secret can still be derived and
        shown.
        """
        name = rfc_name_for_label(label) or label.lower()
        existing = self.step(name)
        if existing is None or existing.value != value:
            self._record(
                name,
                "Input",
                value,
                keylog_label=label,
                explain="Taken from the key log written by the client or server.",
            )
        return value

    # -- derivations from a given secret ----------------------------------

    def psk_binder(
        self, binder_key: bytes, partial_client_hello_hash: bytes, *, transcript: str | None = None
    ) -> bytes:
        """The PSK binder: HMAC(finished_key(binder_key), Transcript-Hash(truncated ClientHello)).

        RFC 8446 §4.2.11.2: the binder is computed like a Finished over the
        transcript up to the ClientHello cut before its binders list.  After a
        HelloRetryRequest that transcript starts with message_hash and the HRR:
        ``transcript`` then names it (``"message_hash..ClientHello(truncated)"``).
        """
        rfc = "RFC 8446 §4.2.11.2"
        key = self.finished_key(
            binder_key,
            name="binder_finished_key",
            rfc=rfc,
            explain="binder_key expanded as a Finished key is, keying the binder's HMAC.",
        )
        return self.finished_verify_data(
            key,
            partial_client_hello_hash,
            name="psk_binder",
            transcript=transcript or "ClientHello(truncated)",
            rfc=rfc,
            explain="The binder: an HMAC over the transcript hash up to the ClientHello cut "
            "before its binders list; it proves the client holds the PSK.",
        )

    def ticket_psk(self, resumption_master_secret: bytes, nonce: bytes) -> bytes:
        """PSK of one ticket: HKDF-Expand-Label(rms, "resumption", nonce, Hash.length).

        RFC 8446 §4.6.1: each NewSessionTicket carries its own nonce so that
        every ticket yields a different PSK.
        """
        source = self._name_of(resumption_master_secret, "resumption_master_secret")
        return self._record(
            f"ticket_psk:{nonce.hex()}",
            "HKDF-Expand-Label",
            hkdf_expand_label(
                self.hash_name,
                resumption_master_secret,
                "resumption",
                nonce,
                self.hash_len,
                self.label_prefix,
            ),
            (source, f"ticket_nonce:{nonce.hex()}"),
            label="resumption",
            context=nonce,
            rfc="RFC 8446 §4.6.1",
            explain="The PSK a later connection uses to resume with this ticket.",
        )

    def traffic_keys(self, secret: bytes, key_len: int, iv_len: int, prefix: str) -> TrafficKeys:
        """write_key and write_iv from a traffic secret (RFC 8446 §7.3).

        ``prefix`` names the epoch and direction, e.g. ``"server_handshake"``;
        the steps are called ``<prefix>_write_key`` and ``<prefix>_write_iv``.
        """
        source = self._name_of(secret, f"{prefix}_traffic_secret")
        parts: list[bytes] = []
        for what, label, length in (("key", "key", key_len), ("iv", "iv", iv_len)):
            parts.append(
                self._record(
                    f"{prefix}_write_{what}",
                    "HKDF-Expand-Label",
                    hkdf_expand_label(
                        self.hash_name, secret, label, b"", length, self.label_prefix
                    ),
                    (source,),
                    label=label,
                    context=b"",
                    rfc="RFC 8446 §7.3",
                    explain="The AEAD key of this direction's records in this epoch."
                    if what == "key"
                    else "Each record's nonce is this IV XOR the 64-bit record sequence number, "
                    "left-padded with zeros (RFC 8446 §5.3).",
                )
            )
        return TrafficKeys(parts[0], parts[1])

    def sn_key(self, secret: bytes, key_len: int, prefix: str) -> bytes:
        """DTLS 1.3's record number key (RFC 9147 §4.2.3): it masks each
        record's sequence number, so that an observer cannot count records."""
        return self._record(
            f"{prefix}_sn_key",
            "HKDF-Expand-Label",
            hkdf_expand_label(self.hash_name, secret, "sn", b"", key_len, self.label_prefix),
            (self._name_of(secret, f"{prefix}_traffic_secret"),),
            label="sn",
            context=b"",
            rfc="RFC 9147 §4.2.3",
            explain="DTLS 1.3 encrypts the sequence number bits of every protected record "
            "header: the mask is this key applied to the first 16 bytes of the record's "
            "ciphertext.",
        )

    def finished_key(
        self,
        secret: bytes,
        *,
        name: str | None = None,
        rfc: str = "RFC 8446 §4.4.4",
        explain: str = "A MAC key used only for the Finished message.",
    ) -> bytes:
        """finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (§4.4.4)."""
        source = self._name_of(secret, "base_key")
        if name is None:
            side = source.split("_", 1)[0]
            name = f"{side}_finished_key" if side in ("client", "server") else "finished_key"
        return self._record(
            name,
            "HKDF-Expand-Label",
            hkdf_expand_label(
                self.hash_name, secret, "finished", b"", self.hash_len, self.label_prefix
            ),
            (source,),
            label="finished",
            context=b"",
            rfc=rfc,
            explain=explain,
        )

    def finished_verify_data(
        self,
        finished_key: bytes,
        transcript_hash: bytes,
        *,
        name: str | None = None,
        transcript: str = "handshake",
        rfc: str = "RFC 8446 §4.4.4",
        explain: str = "Proves the sender saw the same handshake and holds the keys.",
    ) -> bytes:
        """verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4)."""
        source = self._name_of(finished_key, "finished_key")
        ctx = self._transcript(transcript, transcript_hash)
        if name is None:
            name = source.removesuffix("_key") + "_verify_data"
        return self._record(
            name,
            "HMAC",
            hmac_digest(self.hash_name, finished_key, transcript_hash),
            (source, ctx),
            context=transcript_hash,
            rfc=rfc,
            explain=explain,
        )

    def next_generation(
        self, secret: bytes, *, side: str | None = None, generation: int | None = None
    ) -> bytes:
        """application_traffic_secret_N+1 = HKDF-Expand-Label(_N, "traffic upd", "", Hash.length).

        RFC 8446 §7.2 (KeyUpdate).  The side and new generation are taken from
        the name of the step holding ``secret`` unless given.
        """
        source = self._name_of(secret, f"{side or 'unknown'}_application_traffic_secret_N")
        match = _GENERATION.match(source)
        if side is None:
            side = match.group(1) if match else source.split("_", 1)[0]
            if side not in ("client", "server"):
                side = "unknown"
        if generation is None:
            generation = int(match.group(2)) + 1 if match else 1
        keylog = f"{side.upper()}_TRAFFIC_SECRET_{generation}" if side != "unknown" else None
        return self._record(
            f"{side}_application_traffic_secret_{generation}",
            "HKDF-Expand-Label",
            hkdf_expand_label(
                self.hash_name, secret, "traffic upd", b"", self.hash_len, self.label_prefix
            ),
            (source,),
            label="traffic upd",
            context=b"",
            rfc="RFC 8446 §7.2",
            keylog_label=keylog,
            explain="After a KeyUpdate, the next traffic secret is derived from the current one.",
        )

    def exporter(self, secret: bytes, label: str, context: bytes, length: int) -> bytes:
        """TLS-Exporter(label, context_value, key_length) (RFC 8446 §7.5)."""
        source = self._name_of(secret, "exporter_master_secret")
        inner = self._derive(
            f"exporter_secret:{label}",
            source,
            secret,
            label,
            'transcript_hash:""',
            self._empty_hash,
        )
        context_hash = digest(self.hash_name, context)
        return self._record(
            f"exporter:{label}",
            "HKDF-Expand-Label",
            hkdf_expand_label(
                self.hash_name, inner, "exporter", context_hash, length, self.label_prefix
            ),
            (f"exporter_secret:{label}",),
            label="exporter",
            context=context_hash,
            rfc="RFC 8446 §7.5",
            explain="Keying material exported to the application (RFC 5705 style).",
        )


@functools.lru_cache(maxsize=1024)
def _label_explained(explain: str, operation: str, full_label: str, n: int, length: int) -> str:
    """``explain`` followed by the HkdfLabel of one expansion in words (RFC 8446
    §7.1 builds HKDF-Expand's info from the output length (2 bytes), the full
    label and the context of ``n`` bytes, each after a 1-byte length); the same
    few texts come back in every connection, so each is made once."""
    ctx = f"{n:02x} then the {n}-byte context" if n else "00 (no context)"
    text = (
        f"HKDF-Expand-Label: HKDF-Expand whose info is the HkdfLabel {length:04x} "
        f'(the {length}-byte output length) | {len(full_label):02x} "{full_label}" | {ctx} '
        "(RFC 8446 §7.1)."
    )
    if operation == "Derive-Secret":
        lead = "Derive-Secret is HKDF-Expand-Label with a transcript hash as context:"
        text = f"{lead} {text}"
    return (explain + " " + text).strip()
