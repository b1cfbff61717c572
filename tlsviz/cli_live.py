"""Command line of the live commands: ``record``, ``sniff``, ``demo``.

Each command registers its sub-parser here with ``set_defaults(func=...)``;
``func(args, out) -> int`` returns the exit status and raises
:class:`tlsviz.cli.UserError` (one plain sentence) for problems the user can fix.
"""

from __future__ import annotations

from typing import Any


def add_parsers(sub: Any) -> None:
    """Register the live commands on the main parser's sub-parsers."""
    del sub  # filled in by the live recording work
