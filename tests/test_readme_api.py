"""The README's Python API example runs as written and prints what it says."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_readme_api_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    (code,) = re.findall(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    assert len(code.strip().splitlines()) <= 14
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/"
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "TLS 1.3 TLS_AES_128_GCM_SHA256" in out
    # the ServerHello line lists the handshake secrets it made possible
    sh = next(line for line in out.splitlines() if " ServerHello " in line)
    assert "client_handshake_traffic_secret" in sh
    assert "random" in out and "client[" in out and "server@" in out
