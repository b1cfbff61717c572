"""Files that hold secrets are their owner's alone: every recording, key log and
ephemeral key tlsviz writes is 0600 and the folders it makes for them 0700,
under the usual umask 022 (which would give 0644 and 0755); reading a key
file that others can read still works, with one warning line."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from captures.peers import free_port, missing_tools
from tlsviz.private import exposure, open_private, private_dirs, write_private

ROOT = Path(__file__).resolve().parents[1]
MAIN = "import sys; from tlsviz.cli import main; sys.exit(main(sys.argv[1:]))"
BUNDLED = ROOT / "captures" / "tls13-aes128gcm.pcap"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _tlsviz(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command line in a process whose umask is the usual 022."""
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        capture_output=True, text=True, timeout=120, env=env,
        preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# -- the command line ------------------------------------------------------------------


def test_record_output_and_keylog_out_are_0600(tmp_path: Path) -> None:
    out, keys = tmp_path / "F.pcapng", tmp_path / "K"
    out.write_bytes(b"an older file")
    out.chmod(0o644)  # replaced by a private file, not written through
    res = _tlsviz("record", "-o", str(out), "--keylog-out", str(keys))
    assert res.returncode == 0, res.stderr
    assert _mode(out) == 0o600 and _mode(keys) == 0o600
    assert b"CLIENT_HANDSHAKE_TRAFFIC_SECRET" in out.read_bytes()  # the DSB is in it
    assert "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in keys.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_record_dtls_output_and_keylog_out_are_0600(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    out, keys = tmp_path / "D.pcapng", tmp_path / "DK"
    res = _tlsviz("record", "--dtls", "-o", str(out), "--keylog-out", str(keys))
    assert res.returncode == 0, res.stderr
    assert _mode(out) == 0o600 and _mode(keys) == 0o600
    assert b"CLIENT_RANDOM" in out.read_bytes()  # the DSB is in it


def test_default_recordings_folder_is_0700(tmp_path: Path) -> None:
    data = tmp_path / "data"  # does not exist: tlsviz makes every level
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    res = _tlsviz("record", env=env)
    assert res.returncode == 0, res.stderr
    folder = data / "tlsviz" / "recordings"
    [rec] = folder.iterdir()
    assert str(rec) in res.stdout
    assert _mode(rec) == 0o600
    assert _mode(folder) == _mode(folder.parent) == _mode(data) == 0o700


def test_a_recordings_folder_left_open_is_closed(tmp_path: Path) -> None:
    """An older tlsviz made the folder 0755: tlsviz's own folders are closed
    again, the folders above them (the user's) are left alone."""
    data = tmp_path / "data"
    folder = data / "tlsviz" / "recordings"
    folder.mkdir(parents=True)
    for d in (data, folder.parent, folder):
        d.chmod(0o755)
    res = _tlsviz("record", env={**os.environ, "XDG_DATA_HOME": str(data)})
    assert res.returncode == 0, res.stderr
    assert _mode(folder) == _mode(folder.parent) == 0o700
    assert _mode(data) == 0o755


def test_glassbox_secrets_out_is_0600(tmp_path: Path) -> None:
    out, keys, secrets = tmp_path / "g.pcapng", tmp_path / "g.keys", tmp_path / "S"
    res = _tlsviz("record", "--client", "tlsviz", "--seed", "7", "-o", str(out),
                  "--keylog-out", str(keys), "--secrets-out", str(secrets))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert {_mode(p) for p in (out, keys, secrets)} == {0o600}
    assert secrets.read_text().startswith("EPHEMERAL_KEY ")
    assert b"EPHEMERAL_KEY " in out.read_bytes()  # the TVZK secrets block


def test_world_readable_keylog_warns_in_one_line_and_still_decrypts(tmp_path: Path) -> None:
    keys = tmp_path / "k.keys"
    shutil.copy(BUNDLED.with_suffix(".keys"), keys)
    keys.chmod(0o644)
    res = _tlsviz("decode", "--brief", str(BUNDLED), "--keylog", str(keys))
    assert res.returncode == 0, res.stderr
    assert "keys: verified" in res.stdout
    warnings = [line for line in res.stderr.splitlines() if str(keys) in line]
    assert warnings == [
        f"tlsviz: warning: the key log {keys} can be read by everyone (mode 0644): "
        f"run chmod 600 {keys} so that only you can decrypt with it."
    ]
    keys.chmod(0o600)
    res = _tlsviz("decode", "--brief", str(BUNDLED), "--keylog", str(keys))
    assert res.returncode == 0 and "keys: verified" in res.stdout
    assert str(keys) not in res.stderr
    # the bundled key logs are published on purpose: no warning for them
    res = _tlsviz("decode", "--brief")
    assert res.returncode == 0 and "warning" not in res.stderr, res.stderr


def test_group_readable_key_file_and_psk_file_warn(tmp_path: Path) -> None:
    psk = tmp_path / "psk.hex"
    psk.write_text("00112233445566778899aabbccddeeff\n")
    psk.chmod(0o640)
    res = _tlsviz("decode", "--brief", str(BUNDLED), "--psk", f"@{psk}")
    assert res.returncode == 0, res.stderr
    assert f"the PSK file {psk} can be read by its group (mode 0640)" in res.stderr


# -- the explorer's "new live handshake" form ------------------------------------------


def test_explorer_live_form_saves_privately(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    """run_demo and run_glassbox (what the form's worker calls) save through the
    same private writer, into a 0700 recordings folder."""
    from tlsviz.ui.sources import run_demo, run_glassbox

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    demo, _ = run_demo({"version": "1.3"})
    glass, _ = run_glassbox({"client": "tlsviz", "server": "tlsviz", "seed": 3})
    chosen, _ = run_glassbox({"client": "tlsviz", "output": str(tmp_path / "mine.pcapng")})
    for path in (demo, glass, chosen):
        assert _mode(Path(path)) == 0o600, path
    folder = tmp_path / "data" / "tlsviz" / "recordings"
    assert Path(demo).parent == folder and _mode(folder) == 0o700


# -- the writer itself ------------------------------------------------------------------


def test_open_private_replaces_atomically(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "t"
    target.write_text("old")
    target.chmod(0o644)
    with pytest.raises(RuntimeError), open_private(target) as f:
        f.write(b"half")
        raise RuntimeError("the write failed")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["t"]
    link = tmp_path / "link"
    link.symlink_to(target)
    write_private(link, "new")
    assert link.is_symlink() and target.read_text() == "new" and _mode(target) == 0o600
    write_private(os.devnull, b"nothing is created")  # not a regular file: in place
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_private_dirs_makes_each_level_0700(tmp_path: Path, umask_022: None) -> None:
    private_dirs(tmp_path / "a" / "b" / "c")
    for d in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert _mode(d) == 0o700
    private_dirs(tmp_path / "a")  # exists: fine
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError):
        private_dirs(tmp_path / "file" / "x")


def test_exposure_only_for_regular_files_others_can_read(tmp_path: Path) -> None:
    p = tmp_path / "k"
    p.write_text("x")
    p.chmod(0o600)
    assert exposure(p, "key log") is None
    p.chmod(0o604)
    assert "can be read by everyone (mode 0604)" in (exposure(p, "key log") or "")
    assert exposure(tmp_path / "missing", "key log") is None
    assert exposure(os.devnull, "key log") is None


# -- sniff -o (root: a live capture on lo) -----------------------------------------------


@pytest.mark.skipif(
    os.geteuid() != 0 or bool(missing_tools("openssl")), reason="needs root and openssl"
)
def test_sniff_output_is_0600(tmp_path: Path) -> None:
    from captures.peers import _Proc
    from tlsviz.capture.pki import make_pki

    p = make_pki("localhost")
    for name, data in (("server.pem", p.server_cert), ("server.key", p.server_key),
                       ("ca.pem", p.ca_cert)):  # fmt: skip
        (tmp_path / name).write_bytes(data)
    port = free_port()
    keylog, out = tmp_path / "keys.log", tmp_path / "F2.pcapng"
    sniff = _Proc(
        ["sh", "-c", 'umask 022 && exec "$0" "$@"', sys.executable, "-c", MAIN, "sniff",
         "-i", "lo", "--timeout", "4", "--bpf", f"port {port}", "--keylog", str(keylog),
         "-o", str(out)],
    )  # fmt: skip
    try:
        sniff.wait_for(b"capturing TLS on lo", 15, stream="stderr")
        time.sleep(0.3)
        server = _Proc(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-www", "-naccept", "1",
             "-cert", "server.pem", "-key", "server.key"], cwd=tmp_path,
        )  # fmt: skip
        try:
            server.wait_for(b"ACCEPT", 10)
            subprocess.run(
                ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile",
                 str(tmp_path / "ca.pem"), "-keylogfile", str(keylog), "-ign_eof", "-quiet"],
                input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=10, check=True,
            )  # fmt: skip
        finally:
            server.stop()
        assert sniff.wait(15) == 0, sniff.output()
    finally:
        sniff.stop()
    assert "1 TLS connection" in sniff.stdout.decode(), sniff.output()
    assert _mode(out) == 0o600
    assert b"CLIENT_HANDSHAKE_TRAFFIC_SECRET" in out.read_bytes()


def test_a_handout_showing_secrets_is_0600(tmp_path: Path) -> None:
    """``export`` prints the key log's secrets beside each key step: that page is
    private; one of a capture without keys is not."""
    keys = tmp_path / "k.keys"
    shutil.copy(BUNDLED.with_suffix(".keys"), keys)
    keys.chmod(0o600)
    with_keys, without = tmp_path / "with.html", tmp_path / "without.md"
    res = _tlsviz("export", str(BUNDLED), "--keylog", str(keys), "--html", str(with_keys))
    assert res.returncode == 0, res.stderr
    res = _tlsviz("export", str(BUNDLED), "--markdown", str(without))
    assert res.returncode == 0, res.stderr
    assert _mode(with_keys) == 0o600 and _mode(without) == 0o644
