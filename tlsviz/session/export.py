"""The JSON document of ``tlsviz decode --json``.

The keys written here are a contract (scripts rely on them): add keys freely,
never rename or drop one.  Offsets are stream offsets: a field's ``offset`` is
where its first byte lies in its direction's TCP byte stream (for DTLS: its
datagrams laid end to end, see ``dtls.datagrams``), or, for decrypted
messages, in the plaintext of its record (named by ``buffer``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import __version__
from ..keys.record import RecordDecryption
from ..keys.x509 import cert_info
from ..wire.dispatch import record_header_fields, text_of
from ..wire.explain import explanation, message_key
from ..wire.fields import Field, json_value
from ..wire.message import Message
from ..wire.messages import Certificate
from ..wire.records import Record
from .model import Connection


def field_json(f: Field, msg: Message, keys: set[str] | None = None) -> dict[str, Any]:
    spans = msg.spans(f)
    buffer, offset = spans[0].buffer, spans[0].offset
    out: dict[str, Any] = {
        "name": f.name,
        "offset": offset,
        "length": f.length,
        "value": json_value(f.value),
        "display": f.display,
        "children": [field_json(c, msg, keys) for c in f.children],
        "spans": [s.to_json() for s in spans],
    }
    if f.key:
        out["key"] = f.key
        if keys is not None:
            keys.add(f.key)
    if buffer != msg.buffer:
        out["buffer"] = buffer.name
    return out


def _record_field_json(
    f: Field, rec: Record, keys: set[str] | None, stream: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": f.name,
        "offset": rec.offset + f.offset,
        "length": f.length,
        "value": json_value(f.value),
        "display": f.display,
        "children": [_record_field_json(c, rec, keys, stream) for c in f.children],
    }
    if stream:
        out["spans"] = [[stream, rec.offset + f.offset, f.length]]
    if f.key:
        out["key"] = f.key
        if keys is not None:
            keys.add(f.key)
    return out


def record_json(
    rec: Record, keys: set[str] | None = None, decryption: Any = None, direction: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "offset": rec.offset,
        "length": rec.header_length + rec.length,
        "content_type": rec.content_type,
        "version": rec.version,
        "sslv2": rec.sslv2,
        "fields": [_record_field_json(f, rec, keys, direction) for f in record_header_fields(rec)],
    }
    if rec.epoch is not None:  # DTLS: what the record says of itself
        out["epoch"] = rec.epoch
        out["sequence_number"] = rec.seq
        out["connection_id"] = rec.cid.hex() if rec.cid is not None else None
        out["unified_header"] = rec.unified
    if decryption is not None:
        out["decryption"] = decryption_json(*decryption)
    return out


def decryption_json(epoch: str, d: RecordDecryption) -> dict[str, Any]:
    """How one record was opened: every input of record protection."""

    def h(b: bytes | None) -> str | None:
        return b.hex() if b is not None else None

    out: dict[str, Any] = {
        "epoch": epoch,
        "ok": d.ok,
        "error": d.error,
        "seq": d.seq,
        "key": h(d.key),
        "iv": h(d.iv),
        "explicit_iv": h(d.explicit_iv),
        "nonce": h(d.nonce),
        "aad": h(d.aad),
        "tag": h(d.tag),
        "mac": h(d.mac),
        "expected_mac": h(d.expected_mac),
        "mac_ok": d.mac_ok,
        "content_type": d.content_type,
        "padding_length": d.padding_len,
        "plaintext_length": len(d.plaintext),
    }
    rn = d.record_number
    if rn is not None:  # DTLS 1.3: how the encrypted sequence number was recovered
        out["record_number"] = {
            "epoch": rn.epoch,
            "sn_key": rn.sn_key.hex(),
            "sample": rn.sample.hex(),
            "mask": rn.mask.hex(),
            "encrypted": rn.encrypted.hex(),
            "decrypted": rn.decrypted.hex(),
            "sequence_number": rn.seq,
        }
    return out


def message_json(
    m: Message,
    keys: set[str] | None = None,
    decryptions: dict[tuple[str, int], Any] | None = None,
) -> dict[str, Any]:
    from ..wire import registry as reg

    dec = decryptions or {}
    key = message_key(m.type)
    if keys is not None:
        keys.add(key)

    out: dict[str, Any] = {
        "direction": m.direction,
        "type": m.type,
        "content_type": reg.content_type_name(m.content_type),
        "encrypted": m.encrypted,
        "cleartext": m.cleartext,
        "key": key,
        "offset": m.offset,
        "length": m.length,
        "time": m.time,
        "buffer": m.buffer.name,
        "fields": [field_json(f, m, keys) for f in m.fields],
        "records": [
            record_json(
                r, keys, dec.get((m.direction, r.offset)) if m.encrypted else None, m.direction
            )
            for r in m.records
        ],
        "notes": list(m.notes),
        "diagnostics": [
            _diag_json(m, d.severity, d.message, d.offset, d.length, d.rfc) for d in m.diagnostics
        ],
    }
    if m.handshake_type is not None:
        out["handshake_type"] = m.handshake_type
    if m.dtls is not None:
        out["dtls"] = {
            "message_seq": m.dtls.message_seq,
            "fragments": [list(f) for f in m.dtls.fragments],
            "retransmission": m.dtls.retransmission,
            "reordered": m.dtls.reordered,
        }
    if len(m.segments) > 1:
        out["segments"] = [[s.start, s.buffer.name, s.offset, s.length] for s in m.segments]
    return out


def _diag_json(
    m: Message, severity: str, message: str, offset: int, length: int, rfc: str | None
) -> dict[str, Any]:
    buffer, off = m.locate(offset)
    out: dict[str, Any] = {
        "severity": str(severity),
        "message": message,
        "direction": m.direction,
        "offset": off,
        "length": length,
        "buffer": buffer.name,
    }
    if rfc:
        out["rfc"] = rfc
    return out


def connection_head_json(c: Connection) -> dict[str, Any]:
    """A connection's keys before ``"messages"``, in their order (the JSON
    writer of ``decode --json`` writes the same head, see jsonout)."""
    return {
        "id": c.id,
        "transport": c.transport,
        "client": c.client,
        "server": c.server,
        "version": c.version,
        "cipher_suite": c.cipher_suite,
        "sni": c.sni,
        "alpn": c.alpn,
        "group": c.group,
        "start_time": c.start_time,
        "end_time": c.end_time,
        "closed": c.closed,
        "bytes": dict(c.bytes),
        "handshakes": c.neg.handshakes,
        "resumed": _resumed(c),
        "resumption": _resumption(c),
        "psk_origin": c.psk_origin,
        "hello_retry": c.neg.hello_retry is not None,
        "certificates": certificates_json(c),
    }


def dtls_json(c: Connection) -> dict[str, Any]:
    """``"dtls"`` of a DTLS association: each direction's datagrams and connection ID."""
    assert c.dtls is not None
    return {
        "datagrams": {d: [list(g) for g in gs] for d, gs in c.dtls.datagrams.items()},
        "connection_ids": {d: cid.hex() for d, cid in c.dtls.connection_ids.items()},
    }


def connection_json(
    c: Connection, *, messages: bool = True, keys: set[str] | None = None, buffers: bool = False
) -> dict[str, Any]:
    out = connection_head_json(c)
    decryptions = c.keys.decryptions if c.keys is not None else None
    if messages:
        out["messages"] = [message_json(m, keys, decryptions) for m in c.messages]
    out["keys"] = keys_json(c, steps=messages)
    out["verification"] = verification_json(c)
    out["application_data"] = application_data_json(c)
    out["diagnostics"] = [d.to_json() for d in c.all_diagnostics()]
    if messages:
        out["cost"] = c.cost().to_json()
    if c.dtls is not None:
        out["dtls"] = dtls_json(c)
    if buffers:
        out.update(buffers_json(c))
    for k, v in c.extra.items():
        out[k] = v
    return out


def buffers_json(c: Connection) -> dict[str, Any]:
    """``"buffers"``: every buffer's bytes in hex, so any span can be read;
    ``"buffer_gaps"``: holes the capture left in a stream (their bytes read as
    zero), per buffer that has any."""
    data: dict[str, str] = {}
    gaps: dict[str, list[list[int]]] = {}
    for b in c.buffers():
        content = c.buffer(b)
        data[b.name] = content.data.hex()
        if content.gaps:
            gaps[b.name] = [[o, n] for o, n in content.gaps]
    return {"buffers": data, "buffer_gaps": gaps}


def keys_json(c: Connection, *, steps: bool = True) -> dict[str, Any]:
    """Status of the key derivation and every step next to the key log."""
    if c.keys is None:
        return {"status": "missing", "reason": "Keys were not derived.", "steps": []}
    status, reason = c.keys.status()
    out: dict[str, Any] = {
        "status": status,
        "reason": reason,
        "decrypted_records": sum(1 for _, d in c.keys.decryptions.values() if d.ok),
        "failed_records": c.keys.failed_records,
        "source": c.keys.source,
        "resumed_from": c.keys.resumed_from,
    }
    out["steps"] = [r.to_json() for r in c.keys.step_reports()] if steps else []
    return out


def verification_json(c: Connection) -> dict[str, Any]:
    if c.keys is None:
        return {"client_finished": None, "server_finished": None, "checks": []}
    fin = c.keys.finished_checks()
    return {
        "client_finished": fin["client"],
        "server_finished": fin["server"],
        "checks": [
            {**chk.to_json(), "message": c.keys.check_at(i)} for i, chk in enumerate(c.keys.checks)
        ],
    }


def application_data_json(c: Connection) -> list[dict[str, Any]]:
    """Decrypted application data, in the order it was sent."""
    out: list[dict[str, Any]] = []
    for m in c.messages:
        if m.type != "ApplicationData" or not m.encrypted:
            continue
        rec = m.records[0] if m.records else None
        out.append({
            "direction": m.direction,
            "offset": rec.offset if rec is not None else m.offset,
            "length": len(m.raw),
            "buffer": m.buffer.name,
            "time": m.time,
            "hex": m.raw.hex(),
            "text": text_of(m.raw),
        })  # fmt: skip
    return out


def certificates_json(c: Connection) -> list[dict[str, Any]]:
    """Each certificate sent, decoded with ``cryptography`` (subject, issuer,
    validity, SANs, key, signature algorithm, constraints, fingerprint)."""
    out: list[dict[str, Any]] = []
    for m in c.messages:
        if not isinstance(m.body, Certificate):
            continue
        for i, entry in enumerate(m.body.entries):
            info = cert_info(entry.der).to_json()
            info["direction"] = m.direction
            info["index"] = i
            out.append(info)
    return out


def _resumed(c: Connection) -> bool:
    return _resumption(c) is not None


def _resumption(c: Connection) -> str | None:
    return c.resumption


def document(
    source: str,
    connections: Iterable[Connection],
    *,
    messages: bool = True,
    notes: Iterable[str] = (),
    buffers: bool = False,
) -> dict[str, Any]:
    keys: set[str] = set()
    conns = [connection_json(c, messages=messages, keys=keys, buffers=buffers) for c in connections]
    out: dict[str, Any] = {
        "tlsviz": __version__,
        "source": source,
        "connections": conns,
        "notes": list(notes),
    }
    if messages:
        out["explanations"] = {k: t for k in sorted(keys) if (t := explanation(k)) is not None}
    return out


def resumption_of(c: Connection) -> str | None:
    """How the connection resumed an earlier session, for views (None: a full handshake)."""
    return c.resumption
