"""``python -m teststate``: the ``teststate`` console script (`teststate.cli`)."""

from __future__ import annotations

import sys

from teststate.cli import main

if __name__ == "__main__":
    sys.exit(main())
