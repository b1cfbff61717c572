"""scapy's "TLS session compromised" notebook data: TLS 1.0, RSA key exchange,
TLS_RSA_WITH_AES_128_CBC_SHA with implicit (chained) CBC IVs, and the server's RSA key.

Expected: the second application-data record reads
"To boldly go where no man has gone before...\\n" (MANIFEST.md, scapy section).
"""

from __future__ import annotations

import pytest
from test_keys_support import corpus_file, handshake_messages, split_records

from tlsviz.keys.protection import RecordDecryptor
from tlsviz.keys.schedule12 import KeySchedule12

pytestmark = pytest.mark.corpus


def _records(name: str) -> list:  # type: ignore[type-arg]
    return split_records(corpus_file("scapy", "tls_session_compromised", name).read_bytes())


def test_rsa_tls10_cbc_implicit_iv_session() -> None:
    cli1, srv2, cli3, srv4, cli5 = (
        _records(n) for n in ("01_cli.raw", "02_srv.raw", "03_cli.raw", "04_srv.raw", "05_cli.raw")
    )
    (ch,) = handshake_messages(cli1)
    sh, cert, shd = handshake_messages(srv2)
    client_random, server_random = ch[6:38], sh[6:38]
    assert sh[4:6] == b"\x03\x01" and sh[39 + sh[38] : 41 + sh[38]] == b"\x00\x2f"

    cke_record = cli3[0]
    assert cke_record.content_type == 22 and cke_record.fragment[0] == 16
    cke = cke_record.fragment[: 4 + int.from_bytes(cke_record.fragment[1:4], "big")]
    encrypted = cke[6:]  # TLS 1.0+: uint16 length before the RSA ciphertext
    assert int.from_bytes(cke[4:6], "big") == len(encrypted)

    ks = KeySchedule12(0x0301)
    key_pem = corpus_file("scapy", "pki", "srv_key.pem").read_bytes()
    rsa = ks.rsa(key_pem, encrypted, expected_version=0x0301)
    assert rsa.ok and rsa.premaster is not None and rsa.client_version == 0x0301
    assert ks.step("pre_master_secret") is not None
    assert ks.steps[-1].keylog_label == "RSA" and ks.steps[-1].context == encrypted[:8]

    master = ks.master_secret(rsa.premaster, client_random, server_random)
    kb = ks.key_block(master, client_random, server_random, 20, 16, 16)

    def decryptor(side: str) -> RecordDecryptor:
        return RecordDecryptor(
            cipher="AES_128_CBC",
            mode="cbc",
            version=0x0301,
            key=getattr(kb, f"{side}_write_key"),
            iv=getattr(kb, f"{side}_write_iv"),
            mac="SHA",
            mac_key=getattr(kb, f"{side}_write_mac_key"),
        )

    client, server = decryptor("client"), decryptor("server")
    assert [r.content_type for r in cli3] == [22, 20, 22]
    fin = client.decrypt(22, cli3[2].version, cli3[2].fragment)
    assert fin.ok, fin.error
    assert fin.iv == kb.client_write_iv and fin.explicit_iv is None
    transcript = ch + sh + cert + shd + cke
    assert fin.plaintext == b"\x14\x00\x00\x0c" + ks.finished(master, "client", transcript)
    # TLS 1.0 chaining: the next IV is the last ciphertext block of this record.
    assert client.implicit_iv == cli3[2].fragment[-16:]

    nst_record, ccs, sfin_record = srv4
    assert (nst_record.content_type, ccs.content_type) == (22, 20)
    sfin = server.decrypt(22, sfin_record.version, sfin_record.fragment)
    assert sfin.ok, sfin.error
    transcript += fin.plaintext + nst_record.fragment
    assert sfin.plaintext == b"\x14\x00\x00\x0c" + ks.finished(master, "server", transcript)

    first, second = (client.decrypt(r.content_type, r.version, r.fragment) for r in cli5)
    assert first.ok and first.plaintext == b""  # the 1/n-1 record split against BEAST
    assert first.iv == cli3[2].fragment[-16:]
    assert second.ok and second.plaintext == b"To boldly go where no man has gone before...\n"
    assert (first.seq, second.seq, client.seq) == (1, 2, 3)


def test_wrong_rsa_key_is_reported_not_raised() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    (cke_record, *_rest) = _records("03_cli.raw")
    encrypted = cke_record.fragment[6 : 4 + int.from_bytes(cke_record.fragment[1:4], "big")]
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ks = KeySchedule12(0x0301)
    result = ks.rsa(other, encrypted, expected_version=0x0301)
    assert not result.ok and result.error
    assert ks.step("pre_master_secret") is None
