"""Executions in process: every operation's answers and errors, the runner, the mock file.

The app is the real one (`teststate.app.create_app`) with its own data directory and mock file;
the client is boto3 routed into it (`teststate.toolkit.client.inprocess_client`), so requests go
through the same framing, validation and handlers as on the server, and executions run on the
process's background runner.
"""

from __future__ import annotations

import base64
import functools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.executions_support import finished, scheduled_token, token_wait_machine
from teststate.app import create_app
from teststate.executions import runner as runner_module
from teststate.storage import executions as store
from teststate.toolkit.client import inprocess_client

ROLE = "arn:aws:iam::123456789012:role/test-role"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
LAMBDA_RETRY = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "fn", "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3}],
            "End": True,
        }
    },
}
WAIT_FOR_TOKEN = token_wait_machine()


def _mock_document(payload: Any) -> dict[str, Any]:
    return {
        "StateMachines": {
            "retrying": {"TestCases": {"Flaky": {"Call": "Flaky"}, "Works": {"Call": "Works"}}},
        },
        "MockedResponses": {
            "Flaky": {
                "0-1": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "down"}},
                "2": {"Return": {"StatusCode": 200, "Payload": payload}},
            },
            "Works": {"0": {"Return": {"StatusCode": 200, "Payload": payload}}},
        },
    }


@dataclass
class Service:
    sfn: Any
    mock_file: Path
    app: Any

    def machine(self, name: str, definition: dict[str, Any], **extra: Any) -> str:
        answer = self.sfn.create_state_machine(
            name=name, definition=json.dumps(definition), roleArn=ROLE, **extra
        )
        return str(answer["stateMachineArn"])

    def finished(self, arn: str, timeout: float = 10.0) -> dict[str, Any]:
        return finished(self.sfn, arn, timeout, poll=0.02)

    def events(self, arn: str, **options: Any) -> list[dict[str, Any]]:
        return list(self.sfn.get_execution_history(executionArn=arn, maxResults=1000, **options)["events"])

    def waiting(self, arn: str, timeout: float = 10.0) -> str:
        """The task token the execution waits on, once it waits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events(arn):
                if event["type"] == "TaskStarted":
                    token = scheduled_token(self.events(arn))
                    assert token is not None
                    return token
            time.sleep(0.02)
        raise AssertionError("the execution never waited for its token")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    mock_file = tmp_path / "mocks.json"
    mock_file.write_text(json.dumps(_mock_document({"n": 1})), encoding="utf-8")
    app = create_app(
        {
            "TESTSTATE_DATA_DIR": str(tmp_path / "data"),
            "TESTSTATE_MOCK_CONFIG": str(mock_file),
            "TESTSTATE_LOG_LEVEL": "warning",
        }
    )
    yield Service(inprocess_client(app=app), mock_file, app)


def _error(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error["Code"]), str(error["Message"])


# --------------------------------------------------------------------------------------------
# StartExecution, DescribeExecution, DescribeStateMachineForExecution
# --------------------------------------------------------------------------------------------
def test_an_execution_runs_after_start_answers_and_describes_as_aws_does(service: Service) -> None:
    machine = service.machine("passing", PASS)
    started = service.sfn.start_execution(stateMachineArn=machine, name="first", input='{"a": 1}')
    arn = started["executionArn"]
    assert arn == machine.replace(":stateMachine:", ":execution:") + ":first"
    described = service.finished(arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"Arg1": "argument1"}
    assert described["input"] == '{"a": 1}'  # verbatim
    assert described["inputDetails"] == {"included": True} and described["outputDetails"] == {
        "included": True
    }
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert described["stopDate"] >= described["startDate"]
    types = [event["type"] for event in service.events(arn)]
    assert types == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    for_execution = service.sfn.describe_state_machine_for_execution(executionArn=arn)
    assert json.loads(for_execution["definition"]) == PASS
    assert for_execution["roleArn"] == ROLE and for_execution["name"] == "passing"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "not some json",
            "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting "
            "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')'",
        ),
        (
            "{'not': 'json'",
            "Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was "
            "expecting double-quote to start field name'",
        ),
        ("", "Invalid State Machine Execution Input: 'Invalid execution input.'"),
    ],
)
def test_input_that_is_not_json_is_refused_in_aws_words(service: Service, text: str, message: str) -> None:
    # Recorded: api/test_sfn_api/test_invalid_start_execution_input.
    machine = service.machine("inputs", PASS)
    assert _error(lambda: service.sfn.start_execution(stateMachineArn=machine, input=text)) == (
        "InvalidExecutionInput",
        message,
    )


def test_any_json_value_is_an_input(service: Service) -> None:
    machine = service.machine("values", PASS)
    for text in ("2", '"some text"', "null"):
        arn = service.sfn.start_execution(stateMachineArn=machine, input=text)["executionArn"]
        assert service.finished(arn)["status"] == "SUCCEEDED"


def test_names_and_arns_are_checked(service: Service) -> None:
    machine = service.machine("names", PASS)
    assert _error(lambda: service.sfn.start_execution(stateMachineArn=machine, name="a b")) == (
        "InvalidName",
        "Invalid Name: 'a b'",
    )
    missing = machine + "x"
    assert _error(lambda: service.sfn.start_execution(stateMachineArn=missing)) == (
        "StateMachineDoesNotExist",
        f"State Machine Does Not Exist: '{missing}'",
    )
    code, _ = _error(lambda: service.sfn.describe_execution(executionArn="invalid_state_machine_arn"))
    assert code == "InvalidArn"
    unknown = machine.replace(":stateMachine:", ":execution:") + ":nobody"
    for call in (
        lambda: service.sfn.describe_execution(executionArn=unknown),
        lambda: service.sfn.get_execution_history(executionArn=unknown),
        lambda: service.sfn.stop_execution(executionArn=unknown),
        lambda: service.sfn.describe_state_machine_for_execution(executionArn=unknown),
    ):
        assert _error(call) == ("ExecutionDoesNotExist", f"Execution Does Not Exist: '{unknown}'")


def test_a_name_is_reused_only_for_the_same_running_standard_execution(service: Service) -> None:
    machine = service.machine("waiting", WAIT_FOR_TOKEN)
    first = service.sfn.start_execution(stateMachineArn=machine, name="once", input="{}")
    service.waiting(first["executionArn"])
    again = service.sfn.start_execution(stateMachineArn=machine, name="once", input="{}")
    assert again["executionArn"] == first["executionArn"] and again["startDate"] == first["startDate"]
    code, _ = _error(
        lambda: service.sfn.start_execution(stateMachineArn=machine, name="once", input='{"x":1}')
    )
    assert code == "ExecutionAlreadyExists"
    service.sfn.stop_execution(executionArn=first["executionArn"])
    code, _ = _error(lambda: service.sfn.start_execution(stateMachineArn=machine, name="once", input="{}"))
    assert code == "ExecutionAlreadyExists"


# --------------------------------------------------------------------------------------------
# The mock configuration file
# --------------------------------------------------------------------------------------------
def test_a_retry_retries_a_mock_that_throws_twice_then_returns(service: Service) -> None:
    machine = service.machine("retrying", LAMBDA_RETRY)
    arn = service.sfn.start_execution(stateMachineArn=machine + "#Flaky", input="{}")["executionArn"]
    described = service.finished(arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"StatusCode": 200, "Payload": {"n": 1}}
    types = [event["type"] for event in service.events(arn)]
    assert types.count("TaskFailed") == 2 and types.count("TaskScheduled") == 3
    assert types[-1] == "ExecutionSucceeded"


def test_the_mock_file_is_read_again_when_it_changes(service: Service) -> None:
    machine = service.machine("retrying", LAMBDA_RETRY)
    first = service.sfn.start_execution(stateMachineArn=machine + "#Works")["executionArn"]
    assert json.loads(service.finished(first)["output"])["Payload"] == {"n": 1}
    service.mock_file.write_text(json.dumps(_mock_document({"n": 22, "changed": True})), encoding="utf-8")
    second = service.sfn.start_execution(stateMachineArn=machine + "#Works")["executionArn"]
    assert json.loads(service.finished(second)["output"])["Payload"] == {"n": 22, "changed": True}
    # The first execution keeps the document it started with.
    assert json.loads(service.sfn.describe_execution(executionArn=first)["output"])["Payload"] == {"n": 1}


def test_an_unknown_test_case_fails_the_execution_naming_it(service: Service) -> None:
    machine = service.machine("retrying", LAMBDA_RETRY)
    arn = service.sfn.start_execution(stateMachineArn=machine + "#NoSuchCase")["executionArn"]
    described = service.finished(arn)
    assert described["status"] == "FAILED" and described["error"] == "States.Runtime"
    assert "NoSuchCase" in described["cause"] and str(service.mock_file) in described["cause"]
    assert [event["type"] for event in service.events(arn)] == ["ExecutionStarted", "ExecutionFailed"]


def test_a_malformed_mock_file_fails_the_execution_naming_the_file(service: Service) -> None:
    machine = service.machine("retrying", LAMBDA_RETRY)
    service.mock_file.write_text('{"StateMachines": ', encoding="utf-8")
    arn = service.sfn.start_execution(stateMachineArn=machine + "#Works")["executionArn"]
    described = service.finished(arn)
    assert described["status"] == "FAILED" and str(service.mock_file) in described["cause"]


def test_a_test_case_without_a_mock_file_fails_saying_which_variable_names_it(tmp_path: Path) -> None:
    app = create_app(
        {"TESTSTATE_DATA_DIR": str(tmp_path), "TESTSTATE_MOCK_CONFIG": "", "TESTSTATE_LOG_LEVEL": "warning"}
    )
    service = Service(inprocess_client(app=app), tmp_path / "none.json", app)
    machine = service.machine("retrying", LAMBDA_RETRY)
    arn = service.sfn.start_execution(stateMachineArn=machine + "#Works")["executionArn"]
    described = service.finished(arn)
    assert described["status"] == "FAILED" and "TESTSTATE_MOCK_CONFIG" in described["cause"]


# --------------------------------------------------------------------------------------------
# Task tokens and StopExecution
# --------------------------------------------------------------------------------------------
def test_a_task_waits_for_its_token_until_send_task_success(service: Service) -> None:
    machine = service.machine("waiting", WAIT_FOR_TOKEN)
    arn = service.sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = service.waiting(arn)
    assert service.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    service.sfn.send_task_heartbeat(taskToken=token)
    service.sfn.send_task_success(taskToken=token, output='{"answer": 42}')
    described = service.finished(arn)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"answer": 42}
    assert (
        _error(lambda: service.sfn.send_task_success(taskToken=token, output="{}"))[0] == "TaskDoesNotExist"
    )
    assert _error(lambda: service.sfn.send_task_failure(taskToken=token))[0] == "TaskDoesNotExist"


def test_send_task_failure_fails_the_task(service: Service) -> None:
    machine = service.machine("waiting", WAIT_FOR_TOKEN)
    arn = service.sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    service.sfn.send_task_failure(taskToken=service.waiting(arn), error="Nope", cause="because")
    described = service.finished(arn)
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Nope", "because")


def test_tokens_and_outputs_that_are_not_valid_are_refused(service: Service) -> None:
    # Recorded through the SDK integration:
    # executions/test_aws_sdk_task_service/test_sfn_send_task_outcome_with_no_such_token__*.
    assert _error(lambda: service.sfn.send_task_success(taskToken="NoSuchTaskToken", output="{}")) == (
        "InvalidToken",
        "Invalid Token: 'Invalid token'",
    )
    machine = service.machine("waiting", WAIT_FOR_TOKEN)
    arn = service.sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    code, _ = _error(lambda: service.sfn.send_task_success(taskToken=service.waiting(arn), output="{nope"))
    assert code == "InvalidOutput"


def test_stop_execution_aborts_before_it_answers(service: Service) -> None:
    machine = service.machine("waiting", WAIT_FOR_TOKEN)
    arn = service.sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    service.waiting(arn)
    stopped = service.sfn.stop_execution(executionArn=arn, error="Halt", cause="test over")
    described = service.sfn.describe_execution(executionArn=arn)
    assert (described["status"], described["error"], described["cause"]) == ("ABORTED", "Halt", "test over")
    assert described["stopDate"] == stopped["stopDate"]
    assert described["redriveStatus"] == "REDRIVABLE"
    assert service.events(arn)[-1]["type"] == "ExecutionAborted"
    # Stopping it again changes nothing (not recorded: ours).
    assert service.sfn.stop_execution(executionArn=arn)["stopDate"] == stopped["stopDate"]


# --------------------------------------------------------------------------------------------
# Sync express, listing, history pages
# --------------------------------------------------------------------------------------------
def test_start_sync_execution_runs_express_machines_to_the_end(service: Service) -> None:
    express = service.machine("fast", PASS, type="EXPRESS")
    answer = service.sfn.start_sync_execution(stateMachineArn=express, input="{}")
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == {"Arg1": "argument1"}
    assert answer["billingDetails"] == {"billedDurationInMilliseconds": 100, "billedMemoryUsedInMB": 64}
    assert answer["executionArn"].startswith(express.replace(":stateMachine:", ":express:") + ":")
    standard = service.machine("slow", PASS)
    assert _error(lambda: service.sfn.start_sync_execution(stateMachineArn=standard)) == (
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
    )


def test_list_executions_pages_newest_first_and_filters_by_status(service: Service) -> None:
    machine = service.machine("many", PASS)
    arns = [service.sfn.start_execution(stateMachineArn=machine)["executionArn"] for _ in range(5)]
    for arn in arns:
        service.finished(arn)
    first = service.sfn.list_executions(stateMachineArn=machine, maxResults=3)
    second = service.sfn.list_executions(stateMachineArn=machine, maxResults=3, nextToken=first["nextToken"])
    listed = [item["executionArn"] for item in first["executions"] + second["executions"]]
    assert listed == arns[::-1] and "nextToken" not in second
    assert (
        len(service.sfn.list_executions(stateMachineArn=machine, statusFilter="SUCCEEDED")["executions"]) == 5
    )
    assert service.sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"] == []
    assert (
        _error(lambda: service.sfn.list_executions(stateMachineArn=machine, nextToken="garbage"))[0]
        == "InvalidToken"
    )


def _token(**members: Any) -> str:
    """A token in this server's format (URL-safe base64 of compact JSON), for forging."""
    return base64.urlsafe_b64encode(json.dumps(members).encode()).decode()


def test_page_tokens_are_only_good_for_the_request_that_got_them(service: Service) -> None:
    # API reference, ListExecutions / GetExecutionHistory: "Keep all other arguments unchanged";
    # a token that is not one of ours for this request is InvalidToken, never a 500.
    machine = service.machine("paged", PASS)
    other = service.machine("other", PASS)
    arns = [service.sfn.start_execution(stateMachineArn=machine)["executionArn"] for _ in range(3)]
    for arn in arns:
        service.finished(arn)
    token = service.sfn.list_executions(stateMachineArn=machine, maxResults=1)["nextToken"]
    assert (
        _error(lambda: service.sfn.list_executions(stateMachineArn=other, nextToken=token))[0]
        == "InvalidToken"
    )
    for forged in (_token(m=machine, s=True), _token(m=machine, s="2"), _token(m=machine), "e30=", "%%%"):
        code, _ = _error(
            functools.partial(service.sfn.list_executions, stateMachineArn=machine, nextToken=forged)
        )
        assert code == "InvalidToken", forged
    history = service.sfn.get_execution_history(executionArn=arns[0], maxResults=1)["nextToken"]
    assert (
        _error(
            lambda: service.sfn.get_execution_history(
                executionArn=arns[0], reverseOrder=True, nextToken=history
            )
        )[0]
        == "InvalidToken"
    )
    assert _error(lambda: service.sfn.get_execution_history(executionArn=arns[1], nextToken=history))[0] == (
        "InvalidToken"
    )
    beyond = _token(e=arns[0], r=False, n=10_000)
    assert _error(lambda: service.sfn.get_execution_history(executionArn=arns[0], nextToken=beyond))[0] == (
        "InvalidToken"
    )


def test_executions_of_a_version_are_listed_by_it_and_by_the_machine(service: Service) -> None:
    created = service.sfn.create_state_machine(
        name="versioned", definition=json.dumps(PASS), roleArn=ROLE, publish=True
    )
    machine, version = created["stateMachineArn"], created["stateMachineVersionArn"]
    by_version = service.sfn.start_execution(stateMachineArn=version)["executionArn"]
    unversioned = service.sfn.start_execution(stateMachineArn=machine)["executionArn"]
    described = service.finished(by_version)
    assert described["stateMachineArn"] == machine and described["stateMachineVersionArn"] == version
    assert "stateMachineVersionArn" not in service.finished(unversioned)
    # ExecutionStarted names the version it runs (botocore's model: ExecutionStartedEventDetails).
    started = service.sfn.get_execution_history(executionArn=by_version)["events"][0]
    assert started["executionStartedEventDetails"]["stateMachineVersionArn"] == version
    plain = service.sfn.get_execution_history(executionArn=unversioned)["events"][0]
    assert "stateMachineVersionArn" not in plain["executionStartedEventDetails"]
    listed = service.sfn.list_executions(stateMachineArn=version)["executions"]
    assert [(item["executionArn"], item["stateMachineVersionArn"]) for item in listed] == [
        (by_version, version)
    ]
    everything = service.sfn.list_executions(stateMachineArn=machine)["executions"]
    assert [item["executionArn"] for item in everything] == [unversioned, by_version]  # newest first


def test_history_pages_forward_and_in_reverse_with_or_without_data(service: Service) -> None:
    machine = service.machine("retrying", LAMBDA_RETRY)
    arn = service.sfn.start_execution(stateMachineArn=machine + "#Flaky", input='{"in": 1}')["executionArn"]
    service.finished(arn)
    everything = service.events(arn)
    ids = [event["id"] for event in everything]
    assert ids == list(range(1, len(ids) + 1))
    for reverse in (False, True):
        seen, token = [], None
        while True:
            options: dict[str, Any] = {"maxResults": 4, "reverseOrder": reverse}
            if token:
                options["nextToken"] = token
            page = service.sfn.get_execution_history(executionArn=arn, **options)
            seen += [event["id"] for event in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        assert seen == (ids[::-1] if reverse else ids)
    bare = service.events(arn, includeExecutionData=False)
    assert "input" not in bare[0]["executionStartedEventDetails"]
    assert bare[0]["executionStartedEventDetails"]["roleArn"] == ROLE
    assert everything[0]["executionStartedEventDetails"]["input"] == '{"in": 1}'


# --------------------------------------------------------------------------------------------
# The runner: a worker that died mid-run
# --------------------------------------------------------------------------------------------
def test_an_execution_whose_owner_died_is_resumed_from_its_stored_events(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    machine = service.machine("retrying", LAMBDA_RETRY)
    reference = service.sfn.start_execution(stateMachineArn=machine + "#Flaky")["executionArn"]
    service.finished(reference)
    db = service.app.service.database
    record = store.get_execution(db, reference)
    assert record is not None
    # The same execution, as a dead worker left it: three events stored, its lease held.
    orphan = reference.rsplit(":", 1)[0] + ":orphan"
    fields = {name: getattr(record, name) for name in store.ExecutionRecord.__dataclass_fields__}
    fields.update(arn=orphan, name="orphan", status="RUNNING", stop_date=None, output=None, event_count=0)
    runner = runner_module.runner_for(db, service.app.service.limits)
    start = runner.execution_start(store.ExecutionRecord(**fields))
    from interpreter.execution import run_execution
    from interpreter.execution.model import HistoryEvent
    from teststate.executions import codec

    texts = [codec.encode_event(step) for step in run_execution(start) if isinstance(step, HistoryEvent)]
    store.create_execution(db, store.ExecutionRecord(**fields), texts[:3])
    with db.transaction() as connection:
        connection.execute(
            "UPDATE executions SET runnable = 0, lease_owner = 'dead:1:x', lease_expires = ? WHERE arn = ?",
            (time.time() + 0.3, orphan),
        )
    time.sleep(0.1)
    assert service.sfn.describe_execution(executionArn=orphan)["status"] == "RUNNING"  # still leased
    described = service.finished(orphan)
    assert described["status"] == "SUCCEEDED"
    assert len(service.events(orphan)) == len(texts)
    assert "differs" not in caplog.text
