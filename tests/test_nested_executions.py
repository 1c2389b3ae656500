"""End to end: Tasks that start executions of the same server (``states:startExecution``,
``.sync``, ``.sync:2``), through the real gunicorn server and boto3.

The server runs with service calls OFF (no ``TESTSTATE_SERVICE_CALLS``): starting an execution of
this server never leaves it, so it works either way. The shapes asserted follow AWS's developer
guide ("Start a new AWS Step Functions state machine from a running execution") and, for the
request-response result, the recorded executions/test_sfn_task_service/test_start_execution; the
``.sync`` envelopes and the stop cause were measured on AWS by another emulator project (not in
our corpus), and a failed child's ``States.TaskFailed`` cause is LocalStack's reading (not
recorded).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import START_TIMEOUT_SECONDS
from tests.executions_support import finished, full_history, scheduled_token, token_wait_machine
from teststate.testing import RunningServer, ServerDidNotStart, start_server

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsLocal"
START = "arn:aws:states:::states:startExecution"
ENVELOPE_KEYS = [
    "ExecutionArn",
    "Input",
    "InputDetails",
    "Name",
    "Output",
    "OutputDetails",
    "RedriveCount",
    "RedriveStatus",
    "RedriveStatusReason",
    "StartDate",
    "StateMachineArn",
    "Status",
    "StopDate",
]
CHILD_OK = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$"}, "End": True}}}
CHILD_FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "bad"}}}


def _env(data: Path) -> dict[str, str]:
    return {"TESTSTATE_DATA_DIR": str(data), "TESTSTATE_MAX_REQUESTS": "0"}


def _serve(data: Path) -> RunningServer:
    if os.environ.get("TESTSTATE_SERVICE_CALLS"):
        pytest.skip("these tests run the server with service calls off")
    try:
        return start_server(workers=2, env=_env(data), start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))


def _client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}, read_timeout=60, inject_host_prefix=False),
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _serve(tmp_path_factory.mktemp("nested") / "data") as running:
        yield running.url


@pytest.fixture(scope="module")
def sfn(server: str) -> Any:
    return _client(server)


def _machine(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def _task(resource: str, parameters: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, "Parameters": parameters, **more}


def _run(sfn: Any, machine: str, input_: Any = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(input_ or {}))["executionArn"]
    described = finished(sfn, arn)
    return described, full_history(sfn, arn)


def _details(events: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    for event in events:
        if event["type"] == kind:
            return next(value for key, value in event.items() if key.endswith("EventDetails"))
    raise AssertionError(f"no {kind} event")


def test_a_plain_start_answers_at_once_and_the_child_runs_on(sfn: Any) -> None:
    child = _machine(sfn, "plain-child", CHILD_OK)
    parent = _machine(
        sfn,
        "plain-parent",
        {
            "StartAt": "Start",
            "States": {
                "Start": _task(
                    START,
                    {
                        "StateMachineArn": child,
                        "Input": {"x": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
                    },
                    End=True,
                )
            },
        },
    )
    described, events = _run(sfn, parent)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert list(output) == ["ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"]
    assert isinstance(output["StartDate"], int) and output["StartDate"] > 1_600_000_000_000
    assert output["SdkHttpMetadata"]["HttpStatusCode"] == 200
    types = [event["type"] for event in events]
    assert "TaskSubmitted" not in types
    assert _details(events, "TaskSucceeded")["resource"] == "startExecution"
    assert _details(events, "TaskScheduled")["resourceType"] == "states"
    # The child is an ordinary execution of the server.
    child_run = finished(sfn, output["ExecutionArn"])
    assert child_run["status"] == "SUCCEEDED"
    assert json.loads(child_run["input"]) == {
        "x": 1,
        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": described["executionArn"],
    }
    listed = sfn.list_executions(stateMachineArn=child)["executions"]
    assert [item["executionArn"] for item in listed] == [output["ExecutionArn"]]


@pytest.mark.parametrize("pattern", ["sync", "sync:2"])
def test_a_sync_task_waits_for_the_child_and_returns_its_description(sfn: Any, pattern: str) -> None:
    suffix = pattern.replace(":", "-")
    child = _machine(sfn, f"sync-child-{suffix}", CHILD_OK)
    parent = _machine(
        sfn,
        f"sync-parent-{suffix}",
        {
            "StartAt": "Start",
            "States": {
                "Start": _task(f"{START}.{pattern}", {"StateMachineArn": child, "Input.$": "$"}, End=True)
            },
        },
    )
    described, events = _run(sfn, parent, {"n": 7})
    assert described["status"] == "SUCCEEDED", described
    types = [event["type"] for event in events]
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    submitted = next(event for event in events if event["type"] == "TaskSubmitted")
    assert submitted["previousEventId"] == events[3]["id"]
    details = submitted["taskSubmittedEventDetails"]
    assert details["resourceType"] == "states" and details["resource"] == f"startExecution.{pattern}"
    assert details["outputDetails"] == {"truncated": False}
    response = json.loads(details["output"])
    assert list(response) == ["ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"]
    envelope = json.loads(described["output"])
    assert list(envelope) == ENVELOPE_KEYS
    assert envelope["ExecutionArn"] == response["ExecutionArn"]
    assert envelope["Status"] == "SUCCEEDED"
    assert envelope["RedriveStatus"] == "NOT_REDRIVABLE"
    assert envelope["RedriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert envelope["InputDetails"] == {"Included": True} and envelope["OutputDetails"] == {"Included": True}
    assert isinstance(envelope["StartDate"], int) and isinstance(envelope["StopDate"], int)
    if pattern == "sync":
        assert json.loads(envelope["Input"]) == {"n": 7}
        assert json.loads(envelope["Output"]) == {"got": {"n": 7}}
    else:
        assert envelope["Input"] == {"n": 7}
        assert envelope["Output"] == {"got": {"n": 7}}
    for kind in ("TaskScheduled", "TaskStarted", "TaskSucceeded"):
        assert _details(events, kind)["resource"] == f"startExecution.{pattern}"
    assert finished(sfn, envelope["ExecutionArn"])["status"] == "SUCCEEDED"


def test_a_failed_child_fails_the_task_with_its_description(sfn: Any) -> None:
    child = _machine(sfn, "failing-child", CHILD_FAIL)
    parent = _machine(
        sfn,
        "catching-parent",
        {
            "StartAt": "Start",
            "States": {
                "Start": _task(
                    f"{START}.sync",
                    {"StateMachineArn": child},
                    Catch=[{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Caught"}],
                    End=True,
                ),
                "Caught": {"Type": "Pass", "End": True},
            },
        },
    )
    described, events = _run(sfn, parent)
    assert described["status"] == "SUCCEEDED", described
    caught = json.loads(described["output"])["err"]
    assert caught["Error"] == "States.TaskFailed"
    envelope = json.loads(caught["Cause"])
    assert envelope["Status"] == "FAILED"
    assert envelope["Error"] == "Boom" and envelope["Cause"] == "bad"
    assert envelope["RedriveStatus"] == "REDRIVABLE"
    assert list(envelope) == sorted(envelope)
    assert _details(events, "TaskFailed")["error"] == "States.TaskFailed"


def test_refusals_are_named_as_the_optimized_integration_names_them(sfn: Any) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:no-such-machine"
    child = _machine(sfn, "named-child", CHILD_OK)
    catch = [
        {
            "ErrorEquals": ["StepFunctions.StateMachineDoesNotExistException"],
            "ResultPath": "$.missing",
            "Next": "Again",
        }
    ]
    parent = _machine(
        sfn,
        "refused-parent",
        {
            "StartAt": "Missing",
            "States": {
                "Missing": _task(START, {"StateMachineArn": missing}, Catch=catch, End=True),
                "Again": _task(
                    f"{START}.sync",
                    {"StateMachineArn": child, "Name": "only-once"},
                    ResultPath=None,
                    Next="Twice",
                ),
                "Twice": _task(
                    START,
                    {"StateMachineArn": child, "Name": "only-once"},
                    Catch=[{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.twice", "Next": "Done"}],
                    End=True,
                ),
                "Done": {"Type": "Pass", "End": True},
            },
        },
    )
    described, _ = _run(sfn, parent)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["missing"]["Error"] == "StepFunctions.StateMachineDoesNotExistException"
    assert output["missing"]["Cause"].startswith(
        f"State Machine Does Not Exist: '{missing}' (Service: AWSStepFunctions; Status Code: 400;"
        " Error Code: StateMachineDoesNotExist; Request ID: "
    )
    assert output["twice"]["Error"] == "StepFunctions.ExecutionAlreadyExistsException"
    assert "Error Code: ExecutionAlreadyExists" in output["twice"]["Cause"]
    assert len(sfn.list_executions(stateMachineArn=child)["executions"]) == 1


def test_an_empty_name_fails_the_task_with_a_runtime_error(sfn: Any) -> None:
    child = _machine(sfn, "unnamed-child", CHILD_OK)
    parent = _machine(
        sfn,
        "empty-name-parent",
        {
            "StartAt": "Start",
            "States": {"Start": _task(START, {"StateMachineArn": child, "Name": ""}, End=True)},
        },
    )
    described, _ = _run(sfn, parent)
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"
    assert sfn.list_executions(stateMachineArn=child)["executions"] == []


def _waiting_parent(sfn: Any, tag: str) -> tuple[str, str, str]:
    """A parent whose .sync Task waits on a child that waits for a task token: (parent, child
    machine, child execution) once the parent has recorded TaskSubmitted."""
    child = _machine(sfn, f"token-child-{tag}", token_wait_machine())
    parent_machine = _machine(
        sfn,
        f"waiting-parent-{tag}",
        {
            "StartAt": "Start",
            "States": {"Start": _task(f"{START}.sync", {"StateMachineArn": child}, End=True)},
        },
    )
    parent = sfn.start_execution(stateMachineArn=parent_machine)["executionArn"]
    deadline = time.monotonic() + 30
    while True:
        events = full_history(sfn, parent)
        if any(event["type"] == "TaskSubmitted" for event in events):
            response = json.loads(_details(events, "TaskSubmitted")["output"])
            return parent, child, str(response["ExecutionArn"])
        assert time.monotonic() < deadline, "the parent never submitted its task"
        time.sleep(0.05)


def _child_token(sfn: Any, child: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        token = scheduled_token(full_history(sfn, child))
        if token is not None:
            return token
        assert time.monotonic() < deadline, "the child never scheduled its task"
        time.sleep(0.05)


def test_stopping_the_parent_stops_the_child(sfn: Any) -> None:
    parent, _, child = _waiting_parent(sfn, "stop")
    _child_token(sfn, child)
    assert sfn.describe_execution(executionArn=child)["status"] == "RUNNING"
    sfn.stop_execution(executionArn=parent, cause="enough")
    assert sfn.describe_execution(executionArn=parent)["status"] == "ABORTED"
    stopped = finished(sfn, child)
    assert stopped["status"] == "ABORTED"
    assert stopped["cause"] == (
        f"The Task state in AWS Step Functions execution [{parent}] which was managing this resource was aborted"
    )


def test_the_child_answered_later_ends_the_parent(sfn: Any) -> None:
    parent, _, child = _waiting_parent(sfn, "later")
    sfn.send_task_success(taskToken=_child_token(sfn, child), output=json.dumps({"done": True}))
    described = finished(sfn, parent)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(json.loads(described["output"])["Output"]) == {"done": True}


def test_a_parent_waiting_on_a_child_survives_its_runner_and_a_restart(tmp_path: Path) -> None:
    """Kill the runner process, then restart the whole server on the same data directory, while
    the parent waits on a .sync child: the child is started once and the parent completes."""
    data = tmp_path / "data"
    with _serve(data) as running:
        sfn = _client(running.url)
        parent, child_machine, child = _waiting_parent(sfn, "durable")
        token = _child_token(sfn, child)
        for pid in running.runner_pids():
            os.kill(pid, signal.SIGKILL)
    with _serve(data) as running:
        sfn = _client(running.url)
        assert sfn.describe_execution(executionArn=parent)["status"] == "RUNNING"
        sfn.send_task_success(taskToken=token, output=json.dumps({"late": 1}))
        described = finished(sfn, parent)
        assert described["status"] == "SUCCEEDED", described
        assert [
            item["executionArn"] for item in sfn.list_executions(stateMachineArn=child_machine)["executions"]
        ] == [child]
        types = [event["type"] for event in full_history(sfn, parent)]
        assert types.count("TaskSubmitted") == 1 and types.count("TaskScheduled") == 1


def test_a_synchronous_express_execution_starts_a_child(sfn: Any) -> None:
    child = _machine(sfn, "express-child", CHILD_OK)
    parent = sfn.create_state_machine(
        name="express-parent",
        type="EXPRESS",
        definition=json.dumps(
            {
                "StartAt": "Start",
                "States": {"Start": _task(START, {"StateMachineArn": child, "Input.$": "$"}, End=True)},
            }
        ),
        roleArn=ROLE,
    )["stateMachineArn"]
    answer = sfn.start_sync_execution(stateMachineArn=parent, input=json.dumps({"e": 1}))
    assert answer["status"] == "SUCCEEDED", answer
    started = json.loads(answer["output"])["ExecutionArn"]
    child_run = finished(sfn, started)
    assert child_run["status"] == "SUCCEEDED"
    assert json.loads(child_run["output"]) == {"got": {"e": 1}}
