"""``python -m skdeep``: the ``skdeep`` command line (see :mod:`skdeep.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
