"""Properties of the state machine and execution operations (issue 12).

- Any request body to any of the new operations gets a 200 with a JSON object, or a 4xx whose
  ``__type`` is a code of botocore's Step Functions model (or a protocol error), never a 5xx:
  in process for every operation, and once over HTTP through the real server.
- Executions are deterministic under the virtual clock: the engine run twice on the same start
  gives the same steps; the service (two apps, two data directories, the same names) gives the
  same history, timestamps relative to the start included, for definitions that do not read the
  wall clock.
- Every history is well formed: ids 1..n, previousEventId pointing back to an event (or 0), one
  ExecutionStarted first and exactly one terminal event, last, matching DescribeExecution's
  status; GetExecutionHistory's pages (and reverseOrder) give the same events.

Executions come from `fuzz.execution_strategies.execution_cases` (chains of generated states whose
Tasks answer from a mock configuration file, rewritten for each example: the server reads it
without a restart). An execution that is still RUNNING after `EXECUTION_DEADLINE_SECONDS` is a
hang: every Task is mocked, every transition points forward, and the clock is virtual.
"""

from __future__ import annotations

import http.client
import itertools
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from fuzz.conftest import REQUESTS, counted
from fuzz.execution_strategies import (
    ERROR_CODES,
    OPERATIONS,
    ExecutionCase,
    execution_cases,
    model_error_codes,
    operation_bodies,
    reads_wall_clock,
)
from fuzz.history_checks import check_history
from teststate import create_app

ROLE_ARN = "arn:aws:iam::123456789012:role/fuzz"
CASE = "Fuzz"
EXECUTION_DEADLINE_SECONDS = 10.0
HTTP_TIMEOUT_SECONDS = 60.0
SLOW_ANSWER_SECONDS = 10.0  # an in-process answer slower than this counts as a hang
EMPTY_MOCKS: dict[str, Any] = {"StateMachines": {}, "MockedResponses": {}}
_names = itertools.count()


@dataclass(frozen=True, slots=True)
class Service:
    """An in-process app with its own data directory and mock configuration file."""

    app: Any
    http: FlaskClient
    sfn: Any
    mock_file: Path


def _service(directory: Path) -> Service:
    from teststate.toolkit.client import inprocess_client

    (directory / "data").mkdir(parents=True)
    mock_file = directory / "mocks.json"
    mock_file.write_text(json.dumps(EMPTY_MOCKS))
    app = counted(
        create_app(
            {
                "TESTSTATE_DATA_DIR": str(directory / "data"),
                "TESTSTATE_MOCK_CONFIG": str(mock_file),
                "TESTSTATE_ACTIVITY_POLL_SECONDS": 0,  # GetActivityTask answers at once here
            }
        )
    )
    return Service(app=app, http=app.test_client(), sfn=inprocess_client(app=app), mock_file=mock_file)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    return _service(tmp_path_factory.mktemp("executions-a"))


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Service:
    """A second, independent service: the determinism property runs the same execution on both."""
    return _service(tmp_path_factory.mktemp("executions-b"))


# --------------------------------------------------------------------------------------------
# Resources the hostile requests may name
# --------------------------------------------------------------------------------------------
_WAITING = {
    "StartAt": "Callback",
    "States": {
        "Callback": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q",
                "MessageBody": {"t.$": "$$.Task.Token"},
            },
            "HeartbeatSeconds": 600,
            "End": True,
        }
    },
}
_PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
_DISTRIBUTED = {
    "QueryLanguage": "JSONata",
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "Items": [1, 2],
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Item",
                "States": {"Item": {"Type": "Pass", "End": True}},
            },
            "End": True,
        }
    },
}
MAP_RUN_OPERATIONS = ("DescribeMapRun", "ListMapRuns", "UpdateMapRun")
"""The Map Run operations (`teststate.operations.map_runs`), fuzzed with the others."""
ACTIVITY_OPERATIONS = (
    "CreateActivity",
    "DescribeActivity",
    "ListActivities",
    "DeleteActivity",
    "GetActivityTask",
)
"""The activity operations (`teststate.operations.activities`): fuzzed in process only, where
GetActivityTask's poll is not held (TESTSTATE_ACTIVITY_POLL_SECONDS=0); the shared HTTP server
holds it for a minute."""
FUZZED_OPERATIONS = (*OPERATIONS, *MAP_RUN_OPERATIONS, *ACTIVITY_OPERATIONS)
HTTP_FUZZED_OPERATIONS = (*OPERATIONS, *MAP_RUN_OPERATIONS)


def _known_resources(sfn: Any, prefix: str) -> tuple[list[str], list[str]]:
    """Create a STANDARD machine with a version, an EXPRESS machine, a waiting execution and an
    execution with a Distributed Map (its Map Run); their ARNs and the execution's task token."""
    standard = sfn.create_state_machine(
        name=f"{prefix}-standard", definition=json.dumps(_WAITING), roleArn=ROLE_ARN, publish=True
    )
    express = sfn.create_state_machine(
        name=f"{prefix}-express", definition=json.dumps(_PASS), roleArn=ROLE_ARN, type="EXPRESS"
    )
    execution = sfn.start_execution(stateMachineArn=standard["stateMachineArn"], name="waiting", input="{}")
    tokens: list[str] = []
    deadline = time.monotonic() + EXECUTION_DEADLINE_SECONDS
    while not tokens and time.monotonic() < deadline:
        for item in sfn.get_execution_history(executionArn=execution["executionArn"])["events"]:
            parameters = item.get("taskScheduledEventDetails", {}).get("parameters")
            if parameters:
                tokens.append(json.loads(parameters)["MessageBody"]["t"])
        time.sleep(0.01)
    arns = [
        standard["stateMachineArn"],
        standard.get("stateMachineVersionArn") or standard["stateMachineArn"] + ":1",
        express["stateMachineArn"],
        execution["executionArn"],
    ]
    mapped = sfn.create_state_machine(
        name=f"{prefix}-distributed", definition=json.dumps(_DISTRIBUTED), roleArn=ROLE_ARN
    )
    fanned = sfn.start_execution(stateMachineArn=mapped["stateMachineArn"], input="{}")["executionArn"]
    arns.append(fanned)
    deadline = time.monotonic() + EXECUTION_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        started = [
            item["mapRunStartedEventDetails"]["mapRunArn"]
            for item in sfn.get_execution_history(executionArn=fanned)["events"]
            if item["type"] == "MapRunStarted"
        ]
        if started:
            arns.extend(started)
            break
        time.sleep(0.01)
    return arns, tokens


@pytest.fixture(scope="module")
def known(service: Service) -> tuple[list[str], list[str]]:
    arns, tokens = _known_resources(service.sfn, "known")
    return [*arns, service.sfn.create_activity(name="known-activity")["activityArn"]], tokens


# --------------------------------------------------------------------------------------------
# Any request: 200 or a known 4xx
# --------------------------------------------------------------------------------------------
def _check_answer(operation: str, status: int, raw: bytes) -> None:
    if status >= 500:
        REQUESTS["5xx"] += 1
    payload = json.loads(raw)
    assert isinstance(payload, dict), payload
    if status == 200:
        assert "__type" not in payload, payload
        return
    assert 400 <= status < 500, (status, payload)
    code = str(payload.get("__type", "")).rsplit("#", 1)[-1]
    assert code in ERROR_CODES | model_error_codes(operation), payload
    if code not in model_error_codes(operation):
        event(f"{operation} answered {code}, which its model does not list")
    message = payload.get("message", payload.get("Message"))
    assert isinstance(message, str), payload
    if "TestState" in message and operation != "TestState":
        event(f"{operation} answered {code} with a message naming TestState")


@pytest.mark.parametrize("operation", FUZZED_OPERATIONS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_request_gets_200_or_a_known_4xx(
    service: Service, known: tuple[list[str], list[str]], operation: str, data: st.DataObject
) -> None:
    arns, tokens = known
    body = data.draw(operation_bodies(operation, arns=arns, tokens=tokens), label="body")
    note(repr(body))
    started = time.monotonic()
    answer = service.http.post(
        "/",
        data=body,
        headers={
            "X-Amz-Target": f"AWSStepFunctions.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    assert time.monotonic() - started < SLOW_ANSWER_SECONDS, "the answer took too long"
    _check_answer(operation, answer.status_code, answer.get_data())


@settings(max_examples=min(settings().max_examples, 200))
@given(data=st.data())
def test_any_request_over_http_gets_200_or_a_known_4xx(server: str, data: st.DataObject) -> None:
    """The same through the real server (gunicorn, gevent workers, the shared SQLite store)."""
    global _http_known
    if _http_known is None:
        _http_known = _known_resources(_http_client(server), f"http{next(_names)}")
    arns, tokens = _http_known
    operation = data.draw(st.sampled_from(HTTP_FUZZED_OPERATIONS), label="operation")
    body = data.draw(operation_bodies(operation, arns=arns, tokens=tokens), label="body")
    address = urlsplit(server)
    connection = http.client.HTTPConnection(
        address.hostname or "", address.port, timeout=HTTP_TIMEOUT_SECONDS
    )
    try:
        connection.request(
            "POST",
            "/",
            body=body,
            headers={
                "X-Amz-Target": f"AWSStepFunctions.{operation}",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
        answer = connection.getresponse()
        raw = answer.read()
    finally:
        connection.close()
    REQUESTS["http"] += 1
    _check_answer(operation, answer.status, raw)


_http_known: tuple[list[str], list[str]] | None = None


def _http_client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="fuzz",
        aws_secret_access_key="fuzz",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
    )


# --------------------------------------------------------------------------------------------
# Executions: run one, read its whole history
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Outcome:
    """An execution as the API reports it: DescribeExecution and the whole history."""

    describe: dict[str, Any]
    events: list[dict[str, Any]]


def _run(target: Service, case: ExecutionCase, machine: str) -> Outcome | None:
    """Create `machine`, run `case` with its mocks, wait for the end, read the history in pages.
    None when CreateStateMachine refuses the definition (a generated one AWS would refuse too)."""
    from botocore.exceptions import ClientError

    target.mock_file.write_text(json.dumps(case.mock_config(machine, CASE)))
    sfn = target.sfn
    try:
        created = sfn.create_state_machine(
            name=machine, definition=json.dumps(case.definition), roleArn=ROLE_ARN
        )
    except ClientError as error:
        code = error.response["Error"]["Code"]
        assert code == "InvalidDefinition", error.response
        event("definition refused by CreateStateMachine")
        return None
    started = sfn.start_execution(
        stateMachineArn=f"{created['stateMachineArn']}#{CASE}", name="run", input=case.input_text
    )
    arn = started["executionArn"]
    deadline = time.monotonic() + EXECUTION_DEADLINE_SECONDS
    while (describe := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"still RUNNING after {EXECUTION_DEADLINE_SECONDS} s"
        time.sleep(0.002)
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = sfn.get_execution_history(
            executionArn=arn, maxResults=7, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    reverse = sfn.get_execution_history(executionArn=arn, maxResults=1000, reverseOrder=True)["events"]
    assert [item["id"] for item in reverse] == [item["id"] for item in reversed(events)]
    event(f"status {describe['status']}")
    return Outcome(describe=describe, events=events)


def _relative(outcome: Outcome) -> list[dict[str, Any]]:
    """The history with timestamps as offsets from the execution's start."""
    start = outcome.describe["startDate"]
    return [{**item, "timestamp": (item["timestamp"] - start).total_seconds()} for item in outcome.events]


@settings(max_examples=min(settings().max_examples, 150))
@given(case=execution_cases())
def test_every_history_is_well_formed(service: Service, case: ExecutionCase) -> None:
    note(json.dumps(case.definition))
    note(json.dumps(case.mock_config("m", CASE)))
    outcome = _run(service, case, f"wf-{next(_names)}")
    if outcome is None:
        return
    events = outcome.events
    check_history(events, outcome.describe["status"])
    stamps = [item["timestamp"] for item in events]
    assert stamps == sorted(stamps), "timestamps go back"
    assert stamps[0] >= outcome.describe["startDate"]


@settings(max_examples=min(settings().max_examples, 100))
@given(case=execution_cases().filter(lambda case: not reads_wall_clock(case)))
def test_the_service_runs_an_execution_the_same_way_twice(
    service: Service, twin: Service, case: ExecutionCase
) -> None:
    note(json.dumps(case.definition))
    note(json.dumps(case.mock_config("m", CASE)))
    machine = f"twin-{next(_names)}"
    first, second = _run(service, case, machine), _run(twin, case, machine)
    if first is None or second is None:
        assert first is None and second is None
        return
    assert _relative(first) == _relative(second)
    for member in ("status", "output", "error", "cause"):
        assert first.describe.get(member) == second.describe.get(member), member


@settings(max_examples=min(settings().max_examples, 150))
@given(case=execution_cases())
def test_the_engine_gives_the_same_steps_twice(case: ExecutionCase) -> None:
    from interpreter.definition.loader import load_machine
    from interpreter.errors import ASLError
    from interpreter.execution import ExecutionStart, MockConfigError, parse_mock_config, run_execution

    note(json.dumps(case.definition))
    try:
        load_machine(json.dumps(case.definition), single_state=False)
    except ASLError:
        event("definition refused by the validator")
        return
    try:
        mocks = parse_mock_config(case.mock_config("m", CASE)).test_case("m", CASE)
    except MockConfigError as error:  # a generated response the parser refuses: say so
        pytest.fail(f"a well-formed mock configuration was refused: {error}")
    start = ExecutionStart(
        definition=json.dumps(case.definition),
        input_text=case.input_text,
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:run",
        execution_name="run",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        state_machine_name="m",
        role_arn=ROLE_ARN,
        start_time=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        mocks=mocks,
    )
    first, second = list(run_execution(start)), list(run_execution(start))
    assert first == second
