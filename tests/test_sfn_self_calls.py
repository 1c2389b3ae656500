"""End to end: Tasks that call Step Functions itself reach THIS server, unmocked.

``arn:aws:states:::aws-sdk:sfn:<action>`` (and ``states:startExecution``) Tasks are answered by the
server's own operations, whether service calls are off or on; on, with ``AWS_ENDPOINT_URL`` naming
a moto server, they still never reach moto (`teststate.executions.sfn_self`). Through the real
gunicorn server and boto3.

The recorded cases (corpus ``executions/``) are run with the corpus's own runner (`run_case`:
create, start, wait, normalise, compare status, output/error/cause and the whole history) but
WITHOUT their derived mocks: the Task really starts an execution of a target state machine created
here under the case's name, or answers a task token that does not exist. The cases hard-code the
account ``111111111111`` (the recording's placeholder) in the target's ARN; this server's account
is fixed (``teststate.arns.ACCOUNT``, ``123456789012``), so the ARN a user would write names that
account. Each case starts its target under the same execution name (``TestStartTarget``), as the
upstream tests did with a fresh target each time; here each case runs in a region of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conformance.ratchet import executions_runner_args, load_runner
from tests.conftest import START_TIMEOUT_SECONDS
from tests.corpus import CONFORMANCE
from tests.executions_support import finished, full_history, scheduled_token, token_wait_machine
from tests.moto_server import clients, moto_for_tests, service_call_env
from teststate.arns import ACCOUNT
from teststate.testing import RunningServer, ServerDidNotStart, start_server

pytestmark = pytest.mark.e2e

RUNNER = load_runner("replay_executions.py")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/StepFunctionsLocal"
RECORDED_ACCOUNT = "111111111111"
RECORDED_REGION = "us-east-1"
TARGET = "statemachine_create_and_record_execution_0002abcd"
SDK = "arn:aws:states:::aws-sdk:sfn:"
# module/id -> the region its execution runs in (each its own: see the module docstring).
CASES = {
    "test_aws_sdk_task_service/test_sfn_start_execution": "us-east-2",
    "test_aws_sdk_task_service/test_sfn_start_execution_implicit_json_serialisation": "us-west-1",
    "test_aws_sdk_task_service/test_sfn_send_task_outcome_with_no_such_token__state_machine_template0": (
        "us-west-2"
    ),
    "test_aws_sdk_task_service/test_sfn_send_task_outcome_with_no_such_token__state_machine_template1": (
        "eu-west-1"
    ),
    "test_sfn_task_service/test_start_execution": "eu-central-1",
    "test_sfn_task_service/test_start_execution_input_json": "ap-south-1",
    "test_task_service_sfn/test_start_execution_no_such_arn": "ca-central-1",
}
# The optimized integration's answer carries the HTTP metadata of StartExecution's answer; its
# Content-Length is that of the JSON body, which holds the target's ARN and the start date. The
# recording's (163, 164) is of AWS's body for the real, randomly named target, whose name the
# recorder replaced by TARGET, and of AWS's number text for the date: neither can be rebuilt, so
# this one member is compared as a positive length instead.
LENGTH_DIFF = "SdkHttpMetadata"


def _env(data: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"TESTSTATE_DATA_DIR": str(data), "TESTSTATE_MAX_REQUESTS": "0", **(extra or {})}


def _start(env: dict[str, str]) -> RunningServer:
    try:
        return start_server(workers=2, env=env, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Service calls off."""
    if os.environ.get("TESTSTATE_SERVICE_CALLS"):
        pytest.skip("this server runs with service calls off")
    with _start(_env(tmp_path_factory.mktemp("sfn-self") / "data")) as running:
        yield running.url


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    yield from moto_for_tests()


@pytest.fixture(scope="module")
def server_calls_on(tmp_path_factory: pytest.TempPathFactory, moto: str) -> Iterator[str]:
    """Service calls on, every service's endpoint the moto server."""
    env = _env(tmp_path_factory.mktemp("sfn-self-on") / "data", service_call_env(moto))
    with _start(env) as running:
        yield running.url


def _args(url: str, region: str) -> SimpleNamespace:
    args = executions_runner_args(url)
    args.region = region
    return args


def _client(url: str, region: str = "us-east-1") -> Any:
    return RUNNER.make_client(_args(url, region))


def _case(case_id: str, region: str) -> dict[str, Any]:
    """The recorded case, unmocked, its target's ARN in this server's account and `region`."""
    module, name = case_id.split("/")
    case: dict[str, Any] = json.loads((CONFORMANCE / "executions" / module / f"{name}.json").read_text())
    case.pop("testCase", None)
    case.pop("mockConfig", None)
    for member in ("definition", "input"):
        text = case[member].replace(f":{RECORDED_ACCOUNT}:", f":{ACCOUNT}:")
        case[member] = text.replace(f":{RECORDED_REGION}:", f":{region}:")
    return case


def _target(sfn: Any) -> None:
    """The state machine the cases start, in the client's region (any simple definition)."""
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    sfn.create_state_machine(name=TARGET, definition=json.dumps(definition), roleArn=ROLE)


def _run_recorded(url: str, case_id: str) -> list[str]:
    region = CASES[case_id]
    sfn = _client(url, region)
    _target(sfn)
    status, diffs = RUNNER.run_case(sfn, _case(case_id, region), _args(url, region))
    return [] if status == "pass" else list(diffs)


def _only_length_differs(diffs: list[str]) -> None:
    """The optimized integration's cases: everything matches but the body length (LENGTH_DIFF)."""
    assert diffs, "the Content-Length matches the recording's now; remove this allowance"
    assert all(f"{LENGTH_DIFF}." in diff and ".Content-Length" in diff for diff in diffs), diffs


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_recorded_cases_unmocked(server: str, case_id: str) -> None:
    diffs = _run_recorded(server, case_id)
    if case_id.startswith("test_sfn_task_service/"):
        _only_length_differs(diffs)
    else:
        assert not diffs, diffs


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_recorded_cases_with_calls_on_never_reach_moto(server_calls_on: str, moto: str, case_id: str) -> None:
    diffs = _run_recorded(server_calls_on, case_id)
    if case_id.startswith("test_sfn_task_service/"):
        _only_length_differs(diffs)
    else:
        assert not diffs, diffs
    moto_sfn = clients(moto)("stepfunctions")
    assert moto_sfn.list_state_machines()["stateMachines"] == []


# ----------------------------------------------------------------------------------------------
# Other actions, through the calls-off server
# ----------------------------------------------------------------------------------------------
def _machine(sfn: Any, name: str, definition: dict[str, Any], kind: str = "STANDARD") -> str:
    created = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE, type=kind)
    return str(created["stateMachineArn"])


def _one_task(action: str, parameters: dict[str, Any]) -> dict[str, Any]:
    task = {"Type": "Task", "Resource": SDK + action, "Parameters": parameters, "End": True}
    return {"StartAt": "Call", "States": {"Call": task}}


def _run(sfn: Any, machine: str, input_: Any = None) -> dict[str, Any]:
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(input_ or {}))["executionArn"]
    return finished(sfn, arn)


def _waiting(sfn: Any, name: str) -> tuple[str, str]:
    """An execution waiting for its task token: (its ARN, the token)."""
    machine = _machine(sfn, name, token_wait_machine())
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    for _ in range(600):
        token = scheduled_token(full_history(sfn, arn))
        if token is not None:
            return arn, token
        finished(sfn, arn, timeout=0.05)
    raise AssertionError("the execution never waited for its token")


def test_send_task_success_answers_another_execution_of_this_server(server: str) -> None:
    sfn = _client(server)
    waiting, token = _waiting(sfn, "waits-for-success")
    # An object for the string member Output is sent as its JSON text (`sfn_self`).
    sender = _machine(
        sfn, "sends-success", _one_task("sendTaskSuccess", {"TaskToken": token, "Output": {"ok": 1}})
    )
    described = _run(sfn, sender)
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    assert json.loads(described["output"]) == {}  # SendTaskSuccessOutput has no members
    answered = finished(sfn, waiting)
    assert answered["status"] == "SUCCEEDED"
    assert json.loads(answered["output"]) == {"ok": 1}
    # The token is spent: the same call now fails as AWS names it.
    again = _run(sfn, sender)
    assert again["status"] == "FAILED"
    assert again["error"] == "Sfn.TaskDoesNotExistException"
    assert again["cause"].startswith(
        "Task Does Not Exist: 'The task of this token is no longer waiting' (Service: Sfn, "
    )


def test_describe_execution_is_rendered_as_the_sdk_integration_renders_it(server: str) -> None:
    sfn = _client(server)
    target = _machine(sfn, "described", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    done = _run(sfn, target, {"a": 1})
    caller = _machine(sfn, "describes", _one_task("describeExecution", {"ExecutionArn.$": "$.arn"}))
    described = _run(sfn, caller, {"arn": done["executionArn"]})
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    result = json.loads(described["output"])
    assert list(result) == sorted(result)  # PascalCase members, alphabetical (shapes.from_botocore)
    assert result["ExecutionArn"] == done["executionArn"]
    assert result["Status"] == "SUCCEEDED"
    assert result["Input"] == '{"a":1}' or json.loads(result["Input"]) == {"a": 1}
    assert result["InputDetails"] == {"Included": True}
    # Timestamps are Instant text (recorded: test_aws_sdk_task_service/test_sfn_start_execution).
    assert result["StartDate"].endswith("Z")
    started = datetime.fromisoformat(result["StartDate"])
    assert abs((started - done["startDate"]).total_seconds()) < 0.001


def test_refusals_are_named_as_the_sdk_integration_names_them(server: str) -> None:
    sfn = _client(server)
    missing = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:nowhere"
    caller = _machine(
        sfn, "describes-nothing", _one_task("describeStateMachine", {"StateMachineArn": missing})
    )
    described = _run(sfn, caller)
    assert described["status"] == "FAILED"
    assert described["error"] == "Sfn.StateMachineDoesNotExistException"
    assert described["cause"].startswith(
        f"State Machine Does Not Exist: '{missing}' (Service: Sfn, Status Code: 400, "
    )
    assert described["cause"].endswith(") (SDK Attempt Count: 1)")


def test_an_unknown_member_refuses_the_parameters(server: str) -> None:
    sfn = _client(server)
    caller = _machine(sfn, "unknown-member", _one_task("listStateMachines", {"Bogus": 1}))
    described = _run(sfn, caller)
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"
    assert 'The field "Bogus" is not supported by Step Functions' in described["cause"]


def test_stop_execution_aborts_a_waiting_execution(server: str) -> None:
    sfn = _client(server)
    waiting, _ = _waiting(sfn, "waits-for-stop")
    stopper = _machine(sfn, "stops", _one_task("stopExecution", {"ExecutionArn": waiting, "Cause": "enough"}))
    described = _run(sfn, stopper)
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    assert set(json.loads(described["output"])) == {"StopDate"}
    stopped = finished(sfn, waiting)
    assert stopped["status"] == "ABORTED"


def test_start_sync_execution_runs_an_express_target_within_the_call(server: str) -> None:
    sfn = _client(server)
    express = _machine(
        sfn,
        "express-target",
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        kind="EXPRESS",
    )
    caller = _machine(
        sfn, "starts-sync", _one_task("startSyncExecution", {"StateMachineArn": express, "Input": {"x": 2}})
    )
    described = _run(sfn, caller)
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    result = json.loads(described["output"])
    assert result["Status"] == "SUCCEEDED"
    assert json.loads(result["Output"]) == {"x": 2}
    assert result["StateMachineArn"] == express


def test_start_execution_without_a_name_starts_one_child(server: str) -> None:
    sfn = _client(server)
    target = _machine(
        sfn, "nameless-target", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    )
    caller = _machine(sfn, "starts-nameless", _one_task("startExecution", {"StateMachineArn": target}))
    described = _run(sfn, caller)
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    result = json.loads(described["output"])
    assert sorted(result) == ["ExecutionArn", "StartDate"]
    children = sfn.list_executions(stateMachineArn=target)["executions"]
    assert [child["executionArn"] for child in children] == [result["ExecutionArn"]]


# ----------------------------------------------------------------------------------------------
# TestState: an unmocked Task that calls Step Functions is answered by this server
# ----------------------------------------------------------------------------------------------
def _test_state(sfn: Any, state: dict[str, Any], input_: Any = None, **more: Any) -> dict[str, Any]:
    answer: dict[str, Any] = sfn.test_state(
        definition=json.dumps({**state, "End": True}), roleArn=ROLE, input=json.dumps(input_ or {}), **more
    )
    return answer


def test_test_state_starts_an_execution_without_a_mock(server: str) -> None:
    sfn = _client(server)
    target = _machine(sfn, "tested-target", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn": target, "Input": {"from": "TestState"}, "Name": "from-test-state"},
    }
    answer = _test_state(sfn, state)
    assert answer["status"] == "SUCCEEDED", answer
    output = json.loads(answer["output"])
    assert output["ExecutionArn"].endswith(":tested-target:from-test-state")
    assert isinstance(output["StartDate"], int)
    assert output["SdkHttpMetadata"]["HttpStatusCode"] == 200
    child = finished(sfn, output["ExecutionArn"])
    assert child["status"] == "SUCCEEDED" and json.loads(child["input"]) == {"from": "TestState"}


def test_test_state_answers_an_sdk_sfn_task_without_a_mock(server: str) -> None:
    sfn = _client(server)
    target = _machine(
        sfn, "tested-described", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    )
    state = {
        "Type": "Task",
        "Resource": SDK + "describeStateMachine",
        "Parameters": {"StateMachineArn": target},
    }
    answer = _test_state(sfn, state)
    assert answer["status"] == "SUCCEEDED", answer
    output = json.loads(answer["output"])
    assert output["Name"] == "tested-described" and output["StateMachineArn"] == target
    refused = _test_state(
        sfn,
        {
            "Type": "Task",
            "Resource": SDK + "describeExecution",
            "Parameters": {"ExecutionArn": target.replace(":stateMachine:", ":execution:") + ":none"},
        },
    )
    assert refused["status"] == "FAILED"
    assert refused["error"] == "Sfn.ExecutionDoesNotExistException"


def test_test_state_still_needs_a_mock_for_sync_and_callbacks(server: str) -> None:
    sfn = _client(server)
    for resource in ("arn:aws:states:::states:startExecution.sync", SDK + "startExecution.waitForTaskToken"):
        state = {"Type": "Task", "Resource": resource, "Parameters": {"StateMachineArn": "x"}}
        with pytest.raises(sfn.exceptions.ValidationException, match="when a mock is specified"):
            _test_state(sfn, state)
    # Other services are not called with calls off, as before.
    lambda_state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"},
    }
    with pytest.raises(sfn.exceptions.ValidationException, match="cannot call AWS services"):
        _test_state(sfn, lambda_state)


def test_test_state_with_calls_on_still_answers_here(server_calls_on: str, moto: str) -> None:
    sfn = _client(server_calls_on)
    target = _machine(sfn, "tested-on", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    state = {
        "Type": "Task",
        "Resource": SDK + "describeStateMachine",
        "Parameters": {"StateMachineArn": target},
    }
    answer = _test_state(sfn, state)
    assert answer["status"] == "SUCCEEDED", answer
    assert json.loads(answer["output"])["StateMachineArn"] == target
    assert clients(moto)("stepfunctions").list_state_machines()["stateMachines"] == []
