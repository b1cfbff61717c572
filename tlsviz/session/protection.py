"""How one record was protected, as fields a learner can read (``decode --explain``).

The record layer's work does not show in a message's own field tree: the
sequence number, the nonce, the additional data, the TLS 1.3 inner content type
and padding, the tag or the MAC.  :func:`protection_fields` turns the keys
layer's account of a record (:class:`~tlsviz.keys.record.RecordDecryption`)
into fields with explanation keys (``protection.*``), and for a NULL-cipher
record read without keys shows the MAC it carries.
"""

from __future__ import annotations

from typing import Any

from ..wire.fields import Field
from ..wire.message import Message
from ..wire.records import Record
from ..wire.registry import content_type_display
from .model import Connection


def _hex(key: str, name: str, data: bytes, note: str = "") -> Field:
    return Field(name, 0, 0, data, data.hex() + note, key=key)


def protection_fields(c: Connection, m: Message) -> tuple[str, tuple[Field, ...]]:
    """A title and the fields of the protection of ``m``'s first record.

    Empty for messages that were not protected or could not be opened.
    """
    if not m.encrypted or not m.records or m.type == "Encrypted":
        return "", ()
    return record_protection(c, m, m.records[0])


def record_protection(
    c: Connection, m: Message, rec: Record, *, secrets: bool = False
) -> tuple[str, tuple[Field, ...]]:
    """A title and the fields of the protection of record ``rec`` of ``m``;
    with ``secrets`` the write key and IV come first (the HTML handout shows
    every input of record protection, ``decode --explain`` leaves them to the
    key steps)."""
    if not m.encrypted or m.type == "Encrypted":
        return "", ()
    found = c.keys.decryptions.get((m.direction, rec.offset)) if c.keys is not None else None
    suite = c.neg.suite
    if found is None:
        if m.cleartext and suite is not None and suite.mac_len:
            mac = rec.fragment[len(rec.fragment) - suite.mac_len :]
            return "Record protection (NULL cipher, MAC only)", (
                _hex("protection.mac", "mac", mac, " (not checked: no keys)"),
            )
        return "", ()
    epoch, d = found
    out: list[Field] = []
    if secrets and d.protected:
        out.append(_hex("protection.key", "write_key", d.key))
        out.append(_hex("protection.iv", "write_iv", d.iv))
    if rec.epoch is not None:
        out += _dtls_numbers(rec, d)
    else:
        out.append(Field("sequence_number", 0, 0, d.seq, str(d.seq), key="protection.seq"))
    aead = d.tag is not None
    if d.explicit_iv is not None:
        key = "encrypted.explicit_nonce" if aead else "encrypted.iv"
        out.append(_hex(key, "explicit_nonce" if aead else "iv", d.explicit_iv))
    if d.nonce is not None:
        key = "protection.nonce12" if d.explicit_iv is not None else "protection.nonce"
        out.append(_hex(key, "nonce", d.nonce))
    if d.aad is not None:
        key = "protection.aad" if c.neg.tls13 else "protection.aad12"
        if rec.epoch is not None:
            key = "protection.aad_dtls13" if rec.unified else "protection.aad_dtls"
        out.append(_hex(key, "additional_data", d.aad))
    if c.neg.tls13 and d.protected:
        out.append(
            Field(
                "inner_content_type",
                0,
                0,
                d.content_type,
                content_type_display(d.content_type),
                key="protection.inner_type",
            )
        )
        pad = d.padding_len
        text = f"{pad} zero byte{'s' if pad != 1 else ''}"
        out.append(Field("padding", 0, 0, pad, text, key="protection.padding"))
    elif not aead and d.padding_len:
        text = f"{d.padding_len} bytes"
        out.append(Field("padding", 0, 0, d.padding_len, text, key="protection.cbc_padding"))
    if d.tag is not None:
        out.append(_hex("encrypted.tag", "tag", d.tag, " (authenticates)" if d.ok else ""))
    if d.mac is not None:
        verdict = {True: " (verifies)", False: " (does NOT verify)", None: ""}[d.mac_ok]
        out.append(_hex("protection.mac", "mac", d.mac, verdict))
    what = "NULL cipher, MAC only" if m.cleartext else f"{epoch} keys"
    return f"Record protection ({what})", tuple(out)


def _dtls_numbers(rec: Record, d: Any) -> list[Field]:
    """DTLS: the epoch and sequence number the record names (RFC 6347 §4.1),
    and for DTLS 1.3 how its encrypted sequence number bits were recovered
    (RFC 9147 §4.2.3)."""
    rn = d.record_number
    out: list[Field] = []
    if rn is not None:
        out.append(_hex("protection.sn_key", "sn_key", rn.sn_key))
        out.append(_hex("protection.sn_sample", "sample", rn.sample))
        out.append(_hex("protection.sn_mask", "mask", rn.mask))
        text = f"{rn.encrypted.hex()} XOR {rn.mask.hex()} = {rn.decrypted.hex()}"
        out.append(Field("sequence_bits", 0, 0, rn.decrypted, text, key="protection.sn_bits"))
        epoch, seq = rn.epoch, rn.seq
    else:
        epoch, seq = d.seq >> 48, d.seq & 0xFFFF_FFFF_FFFF
    text = f"epoch {epoch}, record {seq}"
    if rn is None:
        text += f" (the 64-bit number {d.seq:#018x})"
    out.append(Field("epoch_and_sequence", 0, 0, d.seq, text, key="protection.dtls_seq"))
    return out
