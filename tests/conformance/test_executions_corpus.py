"""The executions ratchet: every recorded execution, replayed against the live server.

Cases come from the corpus's ``executions/`` folder; the server is started with the merged mock
configuration the corpus's runner writes (``replay_executions.py --write-mock-config``), and each
case is run and compared by that runner's own ``run_case`` (create the machine, start the
execution with ``#<testCase>``, wait, compare status, output/error/cause and the whole history
after the corpus's normalisation), imported from its file.

One test per case, id ``<module>/<case>``. A case listed in ``known_failures_executions.txt`` is
expected to fail (xfail); the test FAILS if an unlisted case fails or a listed case passes.
Cases that ``require`` live AWS resources are skipped.

``TESTSTATE_WRITE_KNOWN_FAILURES=1`` rewrites the list from this run instead (every failing case,
with the first difference as its reason): run it, then review the reasons.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conformance.ratchet import (
    WRITE_VARIABLE,
    executions_runner_args,
    judge,
    load_known_failures,
    load_runner,
    serve,
    write_known_failures,
)
from tests.corpus import CONFORMANCE

KNOWN_FAILURES_FILE = Path(__file__).with_name("known_failures_executions.txt")
_HEADER = """\
# Recorded executions that do not pass yet: one per line, `<module>/<case>  # reason`.
# tests/conformance/test_executions_corpus.py fails when a case NOT listed here fails, and when a
# case listed here passes (remove it then): the list can only shrink. Regenerate it from a run with
# TESTSTATE_WRITE_KNOWN_FAILURES=1 and review every reason.
"""


RUNNER = load_runner("replay_executions.py")
CASES: dict[str, dict[str, Any]] = {
    f"{case['_module']}/{case['id']}": case for case in RUNNER.load_cases(str(CONFORMANCE / "executions"))
}
KNOWN_FAILURES = load_known_failures(KNOWN_FAILURES_FILE)
_FAILURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def executions_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server (two workers) whose mock file is the corpus's merged mock configuration."""
    directory = tmp_path_factory.mktemp("executions-corpus")
    mock_file = directory / "sfn-mocks.json"
    mock_file.write_text(json.dumps(RUNNER.merged_mock_config(list(CASES.values()))), encoding="utf-8")
    env = {"TESTSTATE_MOCK_CONFIG": str(mock_file), "TESTSTATE_LOG_LEVEL": "warning"}
    with serve(env) as url:
        yield url
    write_known_failures(KNOWN_FAILURES_FILE, _HEADER, _FAILURES)


@pytest.fixture(scope="module")
def runner_args(executions_server: str) -> SimpleNamespace:
    """The options `run_case` reads, as the runner's command line defaults them."""
    return executions_runner_args(executions_server)


@pytest.fixture(scope="module")
def executions_client(runner_args: SimpleNamespace) -> Any:
    """The runner's own boto3 client (one attempt, no host prefix) for the live server."""
    return RUNNER.make_client(runner_args)


@pytest.mark.e2e
@pytest.mark.parametrize("case_id", sorted(CASES), ids=sorted(CASES))
def test_execution_case(executions_client: Any, runner_args: SimpleNamespace, case_id: str) -> None:
    case = CASES[case_id]
    if case.get("requires"):
        pytest.skip(f"requires {', '.join(case['requires'])}")
    verdict, diffs = RUNNER.run_case(executions_client, case, runner_args)
    if verdict != "pass":
        _FAILURES[case_id] = " ".join((diffs[0] if diffs else verdict).split())[:200]
    if os.environ.get(WRITE_VARIABLE):
        return
    details = [f"{case_id} ({case.get('source')})", *diffs]
    judge(case_id, verdict == "pass", KNOWN_FAILURES, KNOWN_FAILURES_FILE, details)


def test_known_failures_name_existing_offline_cases() -> None:
    stale = sorted(set(KNOWN_FAILURES) - set(CASES))
    assert not stale, f"{KNOWN_FAILURES_FILE.name} lists cases the corpus does not have: {stale}"
    live = sorted(case_id for case_id in KNOWN_FAILURES if CASES[case_id].get("requires"))
    assert not live, f"{KNOWN_FAILURES_FILE.name} lists cases that are skipped anyway: {live}"


def test_the_executions_corpus_is_complete() -> None:
    # 502 recorded executions, 25 of them needing live S3 or Lambda (corpus README, "Executions").
    assert len(CASES) == 502
    assert sum(1 for case in CASES.values() if case.get("requires")) == 25
