#!/usr/bin/env python3
"""X.509 certificates and DER: every way tlsviz reads a certificate's bytes.

The input is one DER certificate.  It goes through the field-tree walker of
``wire/der.py`` (what the explorer and ``decode`` show, every level deep),
the facts of ``keys/x509.py`` (subject, names, key; through ``cryptography``)
as ``decode --json`` and the text form print them, the RSASSA-PSS parameter
reader, and the chain check with itself as issuer.  Whatever the bytes, each
must give a field tree with diagnostics or a one-sentence problem.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import corpus_files, main

from tlsviz.keys.verify import verify_chain
from tlsviz.keys.x509 import CertProblem, cert_info, pss_params, pss_params_of
from tlsviz.session.text import _cert_summary
from tlsviz.wire.der import parse_der
from tlsviz.wire.explain import explanation

MAX_LEN = 4096


def test_one_input(data: bytes) -> None:
    root, diags = parse_der(data, 1000, max_depth=64, buffer="client@1000")
    for f in root.walk():
        if f.key:
            explanation(f.key)
        assert f.offset >= 1000 and f.end <= 1000 + len(data), (f.name, f.offset, f.length)
    for d in diags:
        str(d.message)
    info = cert_info(data)
    json.dumps(info.to_json())
    if isinstance(info, CertProblem):
        assert info.message
    list(_cert_summary(0, data))
    for read in (pss_params, pss_params_of):
        try:  # documented: ValueError for parameters that do not decode
            read(data)
        except ValueError as err:
            assert str(err)
    for check in verify_chain([data, data]):
        json.dumps(check.to_json())


def _ders(corpus: Path | None) -> Iterator[bytes]:
    """Certificates of the bundled captures (decrypted with their key logs)
    and of the corpus (DER and PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from tlsviz.bundled import bundled_captures
    from tlsviz.source import open_capture

    for b in bundled_captures(seeded=True):
        keys = [b.keylog] if b.keylog else []
        rsa = [b.rsa_key] if b.rsa_key else []
        psk = f"@{b.psk}" if b.psk else ()
        for conn in open_capture(b.path, keylog=keys, rsa_key=rsa, psk=psk):
            for cert in conn.certificates():
                yield bytes(cert.der)
    for path in corpus_files(corpus, ".der", ".crt", ".pem", ".cer"):
        raw = path.read_bytes()
        if b"-----BEGIN CERTIFICATE" in raw:
            try:
                for cert in x509.load_pem_x509_certificates(raw):
                    yield cert.public_bytes(Encoding.DER)
            except ValueError:
                continue
        else:
            yield raw


def seeds(corpus: Path | None) -> Iterator[bytes]:
    yield from _ders(corpus)


if __name__ == "__main__":
    main("x509", test_one_input, seeds, MAX_LEN)
