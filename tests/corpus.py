"""Where the conformance corpus lives: ``tests/conformance/corpus``, the repository's own copy.

The copy is refreshed from the shared corpus by ``tests/conformance/refresh_corpus.py``;
``$TESTSTATE_CONFORMANCE`` names another corpus folder to replay instead (for example the shared
one before it is copied in). The corpus is part of the repository, so its absence is an error,
never a reason to skip.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFORMANCE = Path(os.environ.get("TESTSTATE_CONFORMANCE") or REPO / "tests" / "conformance" / "corpus")
if not (CONFORMANCE / "replay.py").is_file():
    raise RuntimeError(f"no conformance corpus at {CONFORMANCE} (see tests/conformance/refresh_corpus.py)")
# The TestState corpora: calls recorded against AWS, and calls derived from recorded executions.
AWS = CONFORMANCE / "aws"
DERIVED = CONFORMANCE / "derived"
TESTSTATE_CORPORA = (AWS, DERIVED)
