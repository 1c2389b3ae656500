"""The ratchet: every conformance case, replayed against the live server.

Cases come from the repository's copy of the corpus (`tests.corpus`): ``aws`` (TestState calls
recorded against AWS) and ``derived`` (requests derived from recorded executions). The comparison is the corpus's own
(``replay.py``: placeholders, JSON-text members compared parsed), imported from its file.

One test per case, id ``<corpus>/<module>/<case>``. A case listed in ``known_failures.txt`` is
expected to fail (xfail); the test FAILS if an unlisted case fails or a listed case passes.
``live:`` cases (real AWS resources) are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.ratchet import judge, load_known_failures, load_runner
from tests.corpus import CONFORMANCE

CORPORA = ("aws", "derived")
KNOWN_FAILURES_FILE = Path(__file__).with_name("known_failures.txt")


REPLAY = load_runner("replay.py")
CASES: dict[str, dict[str, Any]] = {}
for corpus in CORPORA:
    for name, case in REPLAY.load_cases(CONFORMANCE / corpus):
        CASES[f"{corpus}/{name}"] = case
KNOWN_FAILURES = load_known_failures(KNOWN_FAILURES_FILE)


@pytest.fixture(scope="module")
def conformance_client(server: str) -> Any:
    """The corpus's own boto3 client (no host prefix, no retries) for the live server."""
    return REPLAY.make_client(server, 60.0)


@pytest.mark.e2e
@pytest.mark.parametrize("case_id", sorted(CASES), ids=sorted(CASES))
def test_case(conformance_client: Any, case_id: str) -> None:
    case = CASES[case_id]
    reason = REPLAY.skip_reason(case, False)
    if reason:
        pytest.skip(reason)
    actual = REPLAY.call(conformance_client, case["request"])
    diffs = REPLAY.evaluate(case["expect"], actual)
    judge(
        case_id,
        not diffs,
        KNOWN_FAILURES,
        KNOWN_FAILURES_FILE,
        [
            f"{case_id} ({case.get('source')})",
            *diffs,
            "request: " + json.dumps(case["request"], ensure_ascii=False)[:2000],
            "expected: " + json.dumps(case["expect"], ensure_ascii=False)[:2000],
            "actual: " + json.dumps(actual, ensure_ascii=False, default=str)[:2000],
        ],
    )


def test_known_failures_name_existing_cases() -> None:
    stale = sorted(set(KNOWN_FAILURES) - set(CASES))
    assert not stale, f"{KNOWN_FAILURES_FILE.name} lists cases the corpus does not have: {stale}"


def test_known_failures_parser() -> None:
    sample = KNOWN_FAILURES_FILE.with_name("_sample_known_failures.txt")
    try:
        sample.write_text(
            "# header\n\naws/m/a  # not yet\nderived/m/b\n  aws/m/c#tight  \n", encoding="utf-8"
        )
        assert load_known_failures(sample) == {"aws/m/a": "not yet", "derived/m/b": "", "aws/m/c": "tight"}
    finally:
        sample.unlink(missing_ok=True)


def test_every_corpus_is_present() -> None:
    counts = {corpus: sum(1 for case_id in CASES if case_id.startswith(f"{corpus}/")) for corpus in CORPORA}
    assert all(counts.values()), counts
