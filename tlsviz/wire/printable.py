"""Text a peer chose, made safe to show (no imports: the summary path uses it)."""

from __future__ import annotations

#: C0 and C1 control characters and DEL, as ``\xNN``
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


def printable(text: str) -> str:
    """``text`` with its control characters written as ``\\xNN``: a name a
    peer chose (a server name, an ALPN protocol, a certificate's subject) may
    hold a newline or a terminal escape sequence, and is shown, not obeyed."""
    return text.translate(_CONTROLS) if not text.isprintable() else text
