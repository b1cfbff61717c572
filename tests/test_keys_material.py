"""Key material loaders against keys made by the openssl CLI and published keys.

Expected values come from elsewhere: ``openssl rsa -modulus`` and ``openssl pkey
-text`` print the numbers a loaded key must have; the Illustrated TLS captures
and RFC 8448 carry the key_share values the published ephemeral keys must
produce.  Error sentences are checked for the file name and the reason.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import corpus_file
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
    pkcs12,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from test_keys_support import rfc8448

from tlsviz.keys.material import (
    MaterialError,
    find_ephemeral,
    load_ephemeral_keys,
    load_rsa_keys,
    parse_psk,
    rsa_key_for_certificate,
)

WIRESHARK_PSK = "ca19e028a8a372ad2d325f950fcaceed"  # tls12-aes128ccm.pcap's PSK (MANIFEST.md)


def openssl(command: str, cwd: Path) -> str:
    """Run ``openssl`` with a shell-like argument string (no shell involved)."""
    tool = shutil.which("openssl")
    if tool is None:
        pytest.skip("openssl CLI not installed")
    args = [tool, *shlex.split(command)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def modulus(path: Path, *extra: str) -> int:
    """The modulus as ``openssl rsa -modulus`` prints it."""
    out = openssl(f"rsa -in '{path}' -noout -modulus {' '.join(extra)}", cwd=path.parent)
    return int(out.strip().removeprefix("Modulus="), 16)


def text_block(text: str, label: str) -> bytes:
    """The colon-hex block after ``label:`` in ``openssl pkey -text`` output."""
    m = re.search(rf"^{label}:\n((?:\s+[0-9a-f:]+\n)+)", text, re.M)
    assert m, text
    return bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))


def one_sentence(err: pytest.ExceptionInfo[MaterialError], *parts: str) -> str:
    text = str(err.value)
    assert text.endswith(".") and "\n" not in text, text
    for part in parts:
        assert part in text, text
    return text


# -- RSA keys --------------------------------------------------------------------


#: One key, written out in every way people export RSA keys.
RSA_COMMANDS = [
    "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out base.pem",
    "rsa -in base.pem -traditional -out pkcs1.pem",
    "pkcs8 -topk8 -nocrypt -in pkcs1.pem -out p8.pem",
    "pkcs8 -topk8 -v2 aes256 -passout pass:x -in pkcs1.pem -out p8enc.pem",
    "rsa -in pkcs1.pem -traditional -aes256 -passout pass:x -out legacy-enc.pem",
    "rsa -in pkcs1.pem -traditional -outform DER -out pkcs1.der",
    "pkcs8 -topk8 -nocrypt -in pkcs1.pem -outform DER -out p8.der",
    "pkcs8 -topk8 -v2 aes256 -passout pass:x -in pkcs1.pem -outform DER -out p8enc.der",
    "req -x509 -new -key pkcs1.pem -subj /CN=material -days 2 -out cert.pem",
    "pkcs12 -export -inkey pkcs1.pem -in cert.pem -passout pass:x -out k.p12",
    "pkcs12 -export -inkey pkcs1.pem -in cert.pem -passout pass: -out nopass.p12",
    "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out other.pem",
    "req -x509 -new -key other.pem -subj /CN=other -days 2 -out other-cert.pem",
    "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem",
]


@pytest.fixture(scope="module")
def rsa_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key in every format, a second key, a certificate, and some non-keys."""
    d = tmp_path_factory.mktemp("material")

    for command in RSA_COMMANDS:
        openssl(command, cwd=d)
    # A server bundle: certificate, its key, another key and the first key again.
    parts = ("cert.pem", "pkcs1.pem", "other.pem", "p8.pem")
    (d / "bundle.pem").write_bytes(b"".join((d / p).read_bytes() for p in parts))
    return d


FORMATS = [
    ("pkcs1.pem", None),
    ("p8.pem", None),
    ("p8enc.pem", "x"),
    ("p8enc.pem", b"x"),
    ("legacy-enc.pem", "x"),
    ("pkcs1.der", None),
    ("p8.der", None),
    ("p8enc.der", "x"),
    ("k.p12", "x"),
    ("nopass.p12", None),
    ("pkcs1.pem", "not needed"),  # a password for a plain key is ignored
]


@pytest.mark.parametrize(("name", "password"), FORMATS, ids=[f"{n}-{p!r}" for n, p in FORMATS])
def test_every_format_gives_the_same_key(
    rsa_files: Path, name: str, password: str | bytes | None
) -> None:
    [key] = load_rsa_keys(rsa_files / name, password)
    assert key.private_numbers().public_numbers.n == modulus(rsa_files / "pkcs1.pem")
    assert key.key_size == 2048


def test_bundle_with_certificate_and_several_keys(rsa_files: Path) -> None:
    keys = load_rsa_keys(str(rsa_files / "bundle.pem"))
    assert [k.key_size for k in keys] == [2048, 1024]  # the repeated key counted once
    assert keys[1].private_numbers().public_numbers.n == modulus(rsa_files / "other.pem")
    for cert_name, want in (("cert.pem", keys[0]), ("other-cert.pem", keys[1])):
        der = x509.load_pem_x509_certificate((rsa_files / cert_name).read_bytes()).public_bytes(
            Encoding.DER
        )
        assert rsa_key_for_certificate(keys, der) is want
    assert rsa_key_for_certificate(keys[1:], _der(rsa_files / "cert.pem")) is None
    assert rsa_key_for_certificate(keys, b"not a certificate") is None


def _der(path: Path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


ERRORS = [
    # file (relative to the fixture dir), password, words the sentence must contain
    ("missing.pem", None, "does not exist"),
    (".", None, "is a directory"),
    ("empty.pem", None, "is empty"),
    ("notes.txt", None, "holds no private key"),
    ("cert.pem", None, "certificates or public keys but no private key"),
    ("keylog.txt", None, "looks like a key log file; give it with --keylog"),
    ("ec.pem", None, "holds no RSA private key (only EC)"),
    ("p8enc.pem", None, "is encrypted; give its password with --key-password"),
    ("legacy-enc.pem", None, "is encrypted; give its password with --key-password"),
    ("p8enc.der", None, "is encrypted; give its password with --key-password"),
    ("k.p12", None, "is encrypted; give its password with --key-password"),
    ("p8enc.pem", "wrong", "Wrong password for key file"),
    ("legacy-enc.pem", "wrong", "Wrong password for key file"),
    ("p8enc.der", "wrong", "Wrong password for key file"),
    ("k.p12", "wrong", "Wrong password for key file"),
]


@pytest.mark.parametrize(
    ("name", "password", "words"), ERRORS, ids=[f"{n}-{w[:20]}" for n, _, w in ERRORS]
)
def test_error_sentences(rsa_files: Path, name: str, password: str | None, words: str) -> None:
    (rsa_files / "empty.pem").write_bytes(b"\n")
    (rsa_files / "notes.txt").write_text("this is not a key\n")
    (rsa_files / "keylog.txt").write_text(f"CLIENT_RANDOM {'00' * 32} {'11' * 48}\n")
    path = rsa_files / name
    with pytest.raises(MaterialError) as err:
        load_rsa_keys(path, password)
    one_sentence(err, str(path), words)


@pytest.mark.corpus
class TestCorpusRsaKeys:
    def test_snakeoil(self) -> None:
        path = corpus_file("wireshark/keys/rsasnakeoil2.key")
        [key] = load_rsa_keys(path)
        assert key.private_numbers().public_numbers.n == modulus(path)

    def test_p_less_than_q_in_two_formats(self) -> None:
        pem = corpus_file("wireshark/keys/rsa-p-lt-q.key")
        [a], [b] = load_rsa_keys(pem), load_rsa_keys(corpus_file("wireshark/keys/rsa-p-lt-q.p8"))
        assert a.private_numbers() == b.private_numbers()
        assert a.private_numbers().p < a.private_numbers().q  # what the file is named after
        assert a.private_numbers().public_numbers.n == modulus(pem)

    def test_pkcs12_with_password(self) -> None:
        path = corpus_file("wireshark/keys/key.p12")
        [key] = load_rsa_keys(path, "WebAS")
        # The bundle's own certificate carries the matching public key.
        with pytest.warns(UserWarning):  # the Java-made bundle is BER, not DER
            cert = pkcs12.load_key_and_certificates(path.read_bytes(), b"WebAS")[1]
        assert cert is not None
        assert rsa_key_for_certificate([key], cert.public_bytes(Encoding.DER)) is key
        with pytest.raises(MaterialError) as err:
            load_rsa_keys(path)
        one_sentence(err, str(path), "--key-password")
        with pytest.raises(MaterialError) as err:
            load_rsa_keys(path, "webas")
        one_sentence(err, "Wrong password", str(path))

    def test_certificate_and_key_in_one_file(self) -> None:
        path = corpus_file("scapy-ssl_tls/openssl_1_0_1_f_server.pem")
        [key] = load_rsa_keys(path)
        assert rsa_key_for_certificate([key], _der(path)) is key
        assert key.private_numbers().public_numbers.n == modulus(path)


# -- ephemeral keys -----------------------------------------------------------------


def extensions(hello: bytes) -> dict[int, bytes]:
    """Extensions of a ClientHello/ServerHello handshake message, cut by their lengths."""
    pos = 4 + 2 + 32
    pos += 1 + hello[pos]  # legacy_session_id
    if hello[0] == 1:  # ClientHello: cipher_suites, compression_methods
        pos += 2 + int.from_bytes(hello[pos : pos + 2], "big")
        pos += 1 + hello[pos]
    else:  # ServerHello: cipher_suite, compression_method
        pos += 3
    end = pos + 2 + int.from_bytes(hello[pos : pos + 2], "big")
    pos += 2
    out = {}
    while pos < end:
        etype, length = (int.from_bytes(hello[pos + i : pos + i + 2], "big") for i in (0, 2))
        out[etype] = hello[pos + 4 : pos + 4 + length]
        pos += 4 + length
    return out


def key_shares(hello: bytes) -> dict[int, bytes]:
    """group -> key_exchange of the key_share extension (RFC 8446 §4.2.8)."""
    ext = extensions(hello)[0x0033]
    entries, pos, out = ext[2:] if hello[0] == 1 else ext, 0, {}
    while pos < len(entries):
        group, length = (int.from_bytes(entries[pos + i : pos + i + 2], "big") for i in (0, 2))
        out[group] = entries[pos + 4 : pos + 4 + length]
        pos += 4 + length
    return out


@pytest.mark.corpus
def test_illustrated_tls13_ephemeral_keys() -> None:
    base = corpus_file("illustrated-tls13/records/clienthello").parent.parent
    for side, record in (("client", "clienthello"), ("server", "serverhello")):
        [key] = load_ephemeral_keys(base / f"{side}-ephemeral-private.key")
        share = key_shares((base / "records" / record).read_bytes()[5:])[29]
        published = load_pem_public_key((base / f"{side}-ephemeral-public.key").read_bytes())
        assert key.group == "x25519" and key.code == 29
        assert key.public == share == published.public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert find_ephemeral([key], 29, share) is key
        assert find_ephemeral([key], "X25519", share) is key
        assert find_ephemeral([key], None, share) is key
        assert find_ephemeral([key], 23, share) is None
        assert find_ephemeral([key], 29, share[::-1]) is None
        assert find_ephemeral([key], 0x0A0A, share) is None


@pytest.mark.corpus
def test_illustrated_tls12_ephemeral_keys() -> None:
    """TLS 1.2 carries the shares in ServerKeyExchange and ClientKeyExchange (RFC 8422 §5.4/5.7)."""
    base = corpus_file("illustrated-tls12/records/serverkeyexchange").parent.parent
    ske = (base / "records" / "serverkeyexchange").read_bytes()[5:]
    cke = (base / "records" / "clientkeyexchange").read_bytes()[5:]
    server_share, client_share = ske[8 : 8 + ske[7]], cke[5 : 5 + cke[4]]
    keys = [
        *load_ephemeral_keys(base / "server-ephemeral-private.key"),
        *load_ephemeral_keys(base / "client-ephemeral-private.key"),
    ]
    assert find_ephemeral(keys, 29, server_share) is keys[0]
    assert find_ephemeral(keys, 29, client_share) is keys[1]


@pytest.mark.corpus
def test_rfc8448_private_keys_as_hex(tmp_path: Path) -> None:
    t = rfc8448(3)
    c_priv = t.get("{client} create an ephemeral x25519", "private key")
    s_priv = t.get("{server} create an ephemeral x25519", "private key")
    spaced = " ".join(c_priv.hex()[i : i + 2] for i in range(0, 64, 2))
    path = tmp_path / "rfc8448.keys"
    path.write_text(
        f"# RFC 8448 section 3\nx25519: {spaced}\n\n0x{s_priv.hex().upper()}  # server\n"
    )
    client, server = load_ephemeral_keys(path)
    assert client.public == t.get("{client} create an ephemeral x25519", "public key")
    assert server.public == t.get("{server} create an ephemeral x25519", "public key")
    assert "line 2" in client.origin and "line 4" in server.origin
    hello = t.get("{client} construct a ClientHello", "ClientHello")
    assert find_ephemeral([server, client], 29, key_shares(hello)[29]) is client
    server_hello = t.get("{server} construct a ServerHello", "ServerHello")
    assert find_ephemeral([client, server], "x25519", key_shares(server_hello)[29]) is server


@pytest.fixture(scope="module")
def ec_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ephemeral")

    for curve in ("P-256", "P-384", "P-521"):
        openssl(f"genpkey -algorithm EC -pkeyopt ec_paramgen_curve:{curve} -out {curve}.pem", d)
    for algorithm in ("X25519", "X448", "ED25519"):
        openssl(f"genpkey -algorithm {algorithm} -out {algorithm}.pem", d)
    for name in ("P-256", "P-384", "P-521", "X25519", "X448", "ED25519"):
        (d / f"{name}.txt").write_text(openssl(f"pkey -in {name}.pem -noout -text", d))
    openssl("ec -in P-256.pem -out P-256-sec1.pem", d)
    openssl("pkey -in P-256.pem -outform DER -out P-256.der", d)
    openssl("ec -in P-256.pem -pubout -conv_form compressed -outform DER -out P-256-c.der", d)
    openssl("pkcs8 -topk8 -v2 aes256 -passout pass:x -in P-256.pem -out P-256-enc.pem", d)
    return d


NIST = {"P-256": ("secp256r1", 23), "P-384": ("secp384r1", 24), "P-521": ("secp521r1", 25)}


@pytest.mark.parametrize("curve", list(NIST))
def test_nist_keys_in_pem_and_hex(ec_files: Path, curve: str, tmp_path: Path) -> None:
    group, code = NIST[curve]
    text = (ec_files / f"{curve}.txt").read_text()
    [key] = load_ephemeral_keys(ec_files / f"{curve}.pem")
    assert (key.group, key.code) == (group, code)
    assert key.public == text_block(text, "pub")  # 04 || X || Y, as openssl prints it
    # The same scalar as hex, written with openssl's colons and a group prefix.
    hex_file = tmp_path / "nist.txt"
    priv = text_block(text, "priv").hex(":")
    hex_file.write_text(f"{curve.lower().replace('-', '')}: {priv}\n")
    [again] = load_ephemeral_keys(hex_file)
    assert again.public == key.public and again.group == group
    assert find_ephemeral([again], code, key.public) is again


def test_other_ephemeral_formats(ec_files: Path) -> None:
    pub256 = text_block((ec_files / "P-256.txt").read_text(), "pub")
    for name in ("P-256-sec1.pem", "P-256.der"):
        [key] = load_ephemeral_keys(ec_files / name)
        assert key.public == pub256
    compressed = (ec_files / "P-256-c.der").read_bytes()[-33:]
    assert compressed[0] in (2, 3)
    assert find_ephemeral([key], 23, compressed) is key
    for algorithm, group in (("X25519", "x25519"), ("X448", "x448")):
        [key] = load_ephemeral_keys(ec_files / f"{algorithm}.pem")
        assert key.group == group
        assert key.public == text_block((ec_files / f"{algorithm}.txt").read_text(), "pub")


def test_x448_hex_without_prefix(ec_files: Path, tmp_path: Path) -> None:
    text = (ec_files / "X448.txt").read_text()
    path = tmp_path / "x448.txt"
    path.write_text(text_block(text, "priv").hex() + "\n")
    [key] = load_ephemeral_keys(path)
    assert key.group == "x448" and key.public == text_block(text, "pub")


EPHEMERAL_ERRORS = [
    ("ED25519.pem", None, "holds no X25519, X448 or P-256/384/521 private key (only Ed25519)"),
    ("P-256-enc.pem", None, "is encrypted; write it out unencrypted first"),
    ("missing.txt", None, "does not exist"),
    ("keylog", f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {'00' * 32} {'11' * 32}\n", "--keylog"),
    ("bad-hex", "x25519: 00zz\n", "line 1 of ephemeral key file"),
    ("odd-hex", "abc\n", "odd number (3) of hex digits"),
    ("group", "brainpoolP256r1: " + "11" * 32 + "\n", "'brainpoolP256r1' on line 1"),
    ("no-prefix", "# P-384?\n" + "22" * 48 + "\n", "48-byte key on line 2"),
    ("zero-scalar", "secp256r1:" + "00" * 32 + "\n", "not a valid secp256r1 key"),
    ("binary", b"\xff\xfe\x00garbage", "neither a PEM/DER private key nor hex text"),
    ("public", None, "no private key"),
]


@pytest.mark.parametrize(
    ("name", "content", "words"), EPHEMERAL_ERRORS, ids=[e[0] for e in EPHEMERAL_ERRORS]
)
def test_ephemeral_error_sentences(
    ec_files: Path, tmp_path: Path, name: str, content: str | bytes | None, words: str
) -> None:
    path = ec_files / name
    if name == "public":
        path = tmp_path / "public.pem"
        path.write_text(openssl(f"pkey -in '{ec_files / 'X25519.pem'}' -pubout", tmp_path))
    elif isinstance(content, str):
        path = tmp_path / name
        path.write_text(content)
    elif isinstance(content, bytes):
        path = tmp_path / name
        path.write_bytes(content)
    with pytest.raises(MaterialError) as err:
        load_ephemeral_keys(path)
    one_sentence(err, words)
    assert str(path) in str(err.value)


# -- PSKs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        WIRESHARK_PSK,
        "0x" + WIRESHARK_PSK.upper(),
        ":".join(WIRESHARK_PSK[i : i + 2] for i in range(0, 32, 2)),
        " ca19e028 a8a372ad 2d325f95 0fcaceed\n",
    ],
)
def test_psk_spellings(text: str) -> None:
    assert parse_psk(text) == bytes.fromhex(WIRESHARK_PSK)


def test_psk_from_file(tmp_path: Path) -> None:
    path = tmp_path / "psk.txt"
    path.write_text(f"# the PSK of tls12-aes128ccm.pcap\n{WIRESHARK_PSK}\n")
    assert parse_psk(f"@{path}") == bytes.fromhex(WIRESHARK_PSK)
    with pytest.raises(MaterialError) as err:
        parse_psk(f"@{tmp_path / 'missing.txt'}")
    one_sentence(err, "PSK file", "missing.txt", "does not exist")
    path.write_text("hello\n")
    with pytest.raises(MaterialError) as err:
        parse_psk(f"@{path}")
    one_sentence(err, f"The PSK in {path} is not hex")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is empty"),
        ("0x", "is empty"),
        ("secret", "'s' is not a hex digit"),
        ("abc", "odd number (3)"),
    ],
)
def test_psk_errors(text: str, words: str) -> None:
    with pytest.raises(MaterialError) as err:
        parse_psk(text)
    one_sentence(err, "The PSK is not hex", words)


# -- nothing but MaterialError, whatever the input --------------------------------------


@settings(max_examples=120, deadline=None)
@given(
    data=st.binary(max_size=300) | st.text(max_size=200).map(str.encode),
    password=st.none() | st.text(max_size=5),
)
def test_loaders_raise_only_material_error(data: bytes, password: str | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "random.bin"
        path.write_bytes(data)
        for load in (lambda: load_rsa_keys(path, password), lambda: load_ephemeral_keys(path)):
            try:
                keys = load()
            except MaterialError as err:
                assert str(err).endswith(".") and str(path) in str(err)
            else:
                assert isinstance(keys, list) and keys
        with contextlib.suppress(MaterialError):
            assert isinstance(parse_psk(data.decode("latin-1")), bytes)
