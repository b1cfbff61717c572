"""The app one browser session of ``tlsviz serve`` runs (textual-serve starts this
module once per browser tab: ``python -m tlsviz.ui.served [--classroom NAME]``).

With a classroom it follows that classroom's presenter; without, it opens the
home screen.  textual-serve tells textual to draw for the browser (its web
driver), not for a terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tlsviz.ui.served")
    p.add_argument("--classroom", metavar="NAME")
    p.add_argument("--theme")
    args = p.parse_args(argv)
    if args.classroom:
        from .follow import FollowerApp

        FollowerApp(args.classroom, theme=args.theme).run()
    else:
        from .app import TlsvizApp

        TlsvizApp(None, theme=args.theme).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
