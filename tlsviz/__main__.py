"""``python -m tlsviz``: the same command as ``tlsviz``."""

import sys

from .cli import main

sys.exit(main())
