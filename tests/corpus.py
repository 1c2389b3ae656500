"""Where the shared conformance corpus lives: ``$TESTSTATE_SHARED/conformance``, else
``<repo>/../shared/conformance`` (the layout of the project's checkouts and of CI)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TESTSTATE_SHARED") or REPO.parent / "shared")
CONFORMANCE = SHARED / "conformance"
DERIVED = CONFORMANCE / "derived"
