"""Plain explanations of every field: what it is for and why it exists.

The explorer shows them beside the field tree, ``decode --explain`` prints
them, the lessons quote them.  Keys are the ``key`` of each :class:`Field`.
"""

from __future__ import annotations

EXPLANATIONS: dict[str, str] = {}


def explanation(key: str) -> str | None:
    """The explanation for a field key; falls back from ``a.b.c`` to ``a.b``."""
    text = EXPLANATIONS.get(key)
    if text is not None:
        return text
    while "." in key:
        key = key.rsplit(".", 1)[0]
        text = EXPLANATIONS.get(key)
        if text is not None:
            return text
    return None
