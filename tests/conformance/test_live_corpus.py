"""The conformance corpora's ``live:`` cases, run against a real moto server this module provisions.

The executions corpus holds 25 cases that ``require`` live resources: 22 ``live:s3`` (a
Distributed Map whose ItemReader reads a JSON or CSV object) and 3 ``live:lambda``; the
TestState corpus (``aws``) holds 6 ``live:lambda``. `test_executions_corpus.py` and
`test_conformance.py` skip them; here they run against one moto server (`tests.moto_server`)
and one live server (gunicorn, two workers) whose service calls go to it
(``TESTSTATE_SERVICE_CALLS=1``, ``AWS_ENDPOINT_URL``) and whose mock file is the executions
corpus's merged mock configuration, as in `test_executions_corpus.py`.

The objects the ``live:s3`` cases read are not recorded in the cases: ``live_objects.json``
holds them (its ``about`` says where they come from). Before each case its buckets are emptied
and its objects put, so no case sees another's. Each case is then run and compared by the
corpus's own runner (``replay_executions.py`` ``run_case``, ``replay.py`` ``call`` and
``evaluate``).

One test per case, id ``executions/<module>/<case>`` or ``aws/<module>/<case>``. A case listed
in ``known_failures_live.txt`` is expected to fail (xfail) and must say why; the test FAILS if
an unlisted case fails or a listed case passes: the list only shrinks.
``TESTSTATE_WRITE_KNOWN_FAILURES=1`` rewrites the list from this run instead (first difference
as the reason): run it, then replace every reason by the cause.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
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
from tests.moto_server import clients, moto_for_tests, service_call_env

KNOWN_FAILURES_FILE = Path(__file__).with_name("known_failures_live.txt")
LIVE_OBJECTS_FILE = Path(__file__).with_name("live_objects.json")
_HEADER = """\
# Live cases (tests/conformance/test_live_corpus.py) that do not pass against moto: one per line,
# `<corpus>/<module>/<case>  # reason`. The test fails when a case NOT listed here fails, and when a
# case listed here passes (remove it then): the list can only shrink. Regenerate it from a run with
# TESTSTATE_WRITE_KNOWN_FAILURES=1 and review every reason.
"""
# What this module provisions for a case's ``requires``: S3 objects from live_objects.json;
# Lambda functions cannot be (moto runs Lambda code only in Docker), so those cases run as they
# are and pass only where their Lambda calls are mocked by the case's mock configuration.
PROVISIONED = frozenset({"live:s3", "live:lambda"})

RUNNER = load_runner("replay_executions.py")
REPLAY = load_runner("replay.py")
_ALL_EXECUTIONS: list[dict[str, Any]] = RUNNER.load_cases(str(CONFORMANCE / "executions"))
EXECUTION_CASES: dict[str, dict[str, Any]] = {
    f"executions/{case['_module']}/{case['id']}": case for case in _ALL_EXECUTIONS if case.get("requires")
}
TESTSTATE_CASES: dict[str, dict[str, Any]] = {
    f"{corpus}/{name}": case
    for corpus in ("aws", "derived")
    for name, case in REPLAY.load_cases(CONFORMANCE / corpus)
    if any(requirement.startswith("live:") for requirement in case.get("requires", []))
}
LIVE_OBJECTS: dict[str, list[dict[str, Any]]] = json.loads(LIVE_OBJECTS_FILE.read_text(encoding="utf-8"))[
    "cases"
]
KNOWN_FAILURES = load_known_failures(KNOWN_FAILURES_FILE)
_FAILURES: dict[str, str] = {}


def _objects_of(case_id: str) -> list[dict[str, Any]]:
    """The S3 objects an executions case reads (``executions/<module>/<case>`` ->
    live_objects.json's ``<module>/<case>``)."""
    return LIVE_OBJECTS.get(case_id.removeprefix("executions/"), [])


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    """A moto server for this module."""
    yield from moto_for_tests()


@pytest.fixture(scope="module")
def aws(moto: str) -> Callable[[str], Any]:
    """boto3 clients on the module's moto server."""
    return clients(moto)


@pytest.fixture(scope="module")
def live_server(moto: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server (two workers): the corpus's merged mock configuration, service calls to moto."""
    mock_file = tmp_path_factory.mktemp("live-corpus") / "sfn-mocks.json"
    mock_file.write_text(json.dumps(RUNNER.merged_mock_config(_ALL_EXECUTIONS)), encoding="utf-8")
    env = {
        **service_call_env(moto),
        "TESTSTATE_MOCK_CONFIG": str(mock_file),
        "TESTSTATE_LOG_LEVEL": "warning",
    }
    with serve(env) as url:
        yield url
    write_known_failures(KNOWN_FAILURES_FILE, _HEADER, _FAILURES)


@pytest.fixture(scope="module")
def runner_args(live_server: str) -> SimpleNamespace:
    """The options `run_case` reads, as the executions runner's command line defaults them."""
    return executions_runner_args(live_server)


def _put_objects(aws: Callable[[str], Any], objects: list[dict[str, Any]]) -> None:
    """Empty each bucket `objects` name (creating it if need be), then put `objects` in."""
    s3 = aws("s3")
    for bucket in sorted({item["bucket"] for item in objects}):
        existing = {entry["Name"] for entry in s3.list_buckets().get("Buckets", [])}
        if bucket in existing:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for entry in page.get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=entry["Key"])
        else:
            s3.create_bucket(Bucket=bucket)
    for item in objects:
        s3.put_object(Bucket=item["bucket"], Key=item["key"], Body=item["body"].encode("utf-8"))


def _record(case_id: str, passed: bool, details: list[str]) -> None:
    """Judge one case against the list (or, when rewriting the list, just remember its failure)."""
    if not passed:
        _FAILURES[case_id] = " ".join((details[1] if len(details) > 1 else "fail").split())[:200]
    if os.environ.get(WRITE_VARIABLE):
        return
    judge(case_id, passed, KNOWN_FAILURES, KNOWN_FAILURES_FILE, details)


@pytest.mark.e2e
@pytest.mark.parametrize("case_id", sorted(EXECUTION_CASES), ids=sorted(EXECUTION_CASES))
def test_live_execution_case(
    aws: Callable[[str], Any], live_server: str, runner_args: SimpleNamespace, case_id: str
) -> None:
    case = EXECUTION_CASES[case_id]
    _put_objects(aws, _objects_of(case_id))
    verdict, diffs = RUNNER.run_case(RUNNER.make_client(runner_args), case, runner_args)
    _record(case_id, verdict == "pass", [f"{case_id} ({case.get('source')})", *(diffs or [verdict])])


@pytest.mark.e2e
@pytest.mark.parametrize("case_id", sorted(TESTSTATE_CASES), ids=sorted(TESTSTATE_CASES))
def test_live_teststate_case(live_server: str, case_id: str) -> None:
    case = TESTSTATE_CASES[case_id]
    actual = REPLAY.call(REPLAY.make_client(live_server, 60.0), case["request"])
    diffs = REPLAY.evaluate(case["expect"], actual)
    _record(
        case_id,
        not diffs,
        [
            f"{case_id} ({case.get('source')})",
            *diffs,
            "expected: " + json.dumps(case["expect"], ensure_ascii=False)[:2000],
            "actual: " + json.dumps(actual, ensure_ascii=False, default=str)[:2000],
        ],
    )


def test_every_live_case_runs_here() -> None:
    # The corpora's live cases (corpus README): 22 live:s3 and 3 live:lambda executions, 6
    # live:lambda TestState calls; each is a test above, whose requirement is one this module
    # provisions or runs without.
    cases = {**EXECUTION_CASES, **TESTSTATE_CASES}
    requirements = {requirement for case in cases.values() for requirement in case["requires"]}
    assert requirements <= PROVISIONED, requirements - PROVISIONED
    assert len(EXECUTION_CASES) == 25 and len(TESTSTATE_CASES) == 6


def test_live_objects_name_exactly_the_s3_cases() -> None:
    s3_cases = {
        case_id.removeprefix("executions/")
        for case_id, case in EXECUTION_CASES.items()
        if "live:s3" in case["requires"]
    }
    assert set(LIVE_OBJECTS) == s3_cases
    for case_id, objects in LIVE_OBJECTS.items():
        assert objects, case_id
        # The objects sit where the case's input points its ItemReader.
        case_input = json.loads(EXECUTION_CASES[f"executions/{case_id}"]["input"])
        for item in objects:
            assert {"bucket", "key", "body"} <= set(item), case_id
            assert item["bucket"] in case_input.values() and item["key"] in case_input.values(), case_id


def test_known_failures_name_live_cases_with_reasons() -> None:
    cases = {**EXECUTION_CASES, **TESTSTATE_CASES}
    stale = sorted(set(KNOWN_FAILURES) - set(cases))
    assert not stale, f"{KNOWN_FAILURES_FILE.name} lists cases that are not live cases: {stale}"
    unexplained = sorted(case_id for case_id, reason in KNOWN_FAILURES.items() if not reason)
    assert not unexplained, f"{KNOWN_FAILURES_FILE.name} lists cases without a reason: {unexplained}"
