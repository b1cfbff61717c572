"""The cipher-suite facts key derivation and record protection need.

Functions in this package take cipher names and sizes explicitly, so they work
without any registry.  The convenience wrappers accept any object with the
fields of ``tlsviz.wire.registry.SuiteInfo`` (described by :class:`SuiteLike`),
and :func:`lookup_suite` fetches one by code when the registry is installed.
"""

from __future__ import annotations

import importlib
from typing import Protocol

__all__ = ["SuiteLike", "lookup_suite"]


class SuiteLike(Protocol):
    """The fields of ``tlsviz.wire.registry.SuiteInfo`` used here."""

    @property
    def cipher(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def key_len(self) -> int: ...
    @property
    def iv_len(self) -> int: ...
    @property
    def tag_len(self) -> int: ...
    @property
    def mac(self) -> str: ...
    @property
    def mac_len(self) -> int: ...
    @property
    def prf_hash(self) -> str: ...
    @property
    def tls13(self) -> bool: ...


def lookup_suite(code: int) -> SuiteLike | None:
    """``tlsviz.wire.registry.SUITES[code]``, imported lazily; None if unknown or absent."""
    try:
        registry = importlib.import_module("tlsviz.wire.registry")
    except ImportError:
        return None
    suites = getattr(registry, "SUITES", None)
    if not isinstance(suites, dict):
        return None
    found: SuiteLike | None = suites.get(code)
    return found
