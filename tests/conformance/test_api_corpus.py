"""The API ratchet: every control-plane case of the corpus (``api/``), replayed against a real server.

Each case is an ordered list of calls (CreateStateMachine, DescribeStateMachine, StartExecution,
waits ...) with AWS's recorded answers; the case runner and the comparison are the corpus's own
(``replay_api.py``: `run_case`, its normalisation and `Matcher`), imported from its file, so this
test judges exactly as ``python replay_api.py --endpoint-url ...`` does.

One test per case, id ``<module>/<case>``. A case listed in ``known_failures_api.txt`` is
expected to fail (xfail); the test FAILS if an unlisted case fails or a listed case passes.

The server runs with ``TESTSTATE_CLOCK=real``: api/test_sfn_api/test_stop_execution starts an
execution whose first state waits 60 seconds and stops it while it waits (the recorded history
ends with ExecutionAborted after WaitStateEntered). Under the default virtual clock a Wait
advances the execution's clock without sleeping, so the execution would have SUCCEEDED before
StopExecution arrives. Every other case's machines are Pass states, which real time does not
slow down.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.ratchet import judge, load_known_failures, load_runner
from tests.corpus import CONFORMANCE
from teststate.testing import ServerDidNotStart, start_server

KNOWN_FAILURES_FILE = Path(__file__).with_name("known_failures_api.txt")
START_TIMEOUT_SECONDS = 30.0
WAIT_TIMEOUT_SECONDS = 30.0  # per wait step of a case (replay_api's --timeout)


REPLAY_API = load_runner("replay_api.py")
CASES: dict[str, dict[str, Any]] = {
    f"{case['_module']}/{case['id']}": case for case in REPLAY_API.load_cases(str(CONFORMANCE / "api"))
}
KNOWN_FAILURES = load_known_failures(KNOWN_FAILURES_FILE)


def _runner_args(endpoint: str) -> types.SimpleNamespace:
    """The options `replay_api.run_case` and `make_client` read, as its command line sets them."""
    return types.SimpleNamespace(
        endpoint_url=endpoint,
        keep_names=False,
        account=REPLAY_API.DEFAULT_ACCOUNT,
        timeout=WAIT_TIMEOUT_SECONDS,
        jobs=1,
    )


@pytest.fixture(scope="module")
def api_server() -> Iterator[str]:
    """A real server (gunicorn, 2 workers, so consecutive calls of a case meet different
    workers) with the real-time execution clock (see the module docstring)."""
    try:
        running = start_server(
            workers=2, env={"TESTSTATE_CLOCK": "real"}, start_timeout=START_TIMEOUT_SECONDS
        )
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        yield running.url


@pytest.fixture(scope="module")
def api_client(api_server: str) -> Any:
    """The corpus's own boto3 client (us-east-1, no host prefix, no retries)."""
    return REPLAY_API.make_client(_runner_args(api_server))


@pytest.mark.e2e
@pytest.mark.parametrize("case_id", sorted(CASES), ids=sorted(CASES))
def test_api_case(api_client: Any, api_server: str, case_id: str) -> None:
    case = CASES[case_id]
    verdict, diffs = REPLAY_API.run_case(api_client, case, _runner_args(api_server))
    details = [f"{case_id} ({case.get('source')})", *diffs, "steps: " + json.dumps(case["steps"])[:2000]]
    judge(case_id, verdict == "pass", KNOWN_FAILURES, KNOWN_FAILURES_FILE, details)


def test_known_failures_name_existing_cases() -> None:
    stale = sorted(set(KNOWN_FAILURES) - set(CASES))
    assert not stale, f"{KNOWN_FAILURES_FILE.name} lists cases the corpus does not have: {stale}"


def test_the_api_corpus_is_complete() -> None:
    # 34 test_sfn_api, 4 test_sfn_api_express, 15 test_sfn_api_tagging, 12 test_sfn_api_validation
    # (corpus README, section "API", "Contents").
    modules: dict[str, int] = {}
    for case_id in CASES:
        module = case_id.partition("/")[0]
        modules[module] = modules.get(module, 0) + 1
    assert modules == {
        "test_sfn_api": 34,
        "test_sfn_api_express": 4,
        "test_sfn_api_tagging": 15,
        "test_sfn_api_validation": 12,
    }
