"""``python -m skdeep.cli``: the same as ``skdeep`` and ``python -m skdeep``."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
