"""`teststate.toolkit.executions`: run an execution to its end from a test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from teststate.app import create_app
from teststate.toolkit.client import inprocess_client
from teststate.toolkit.errors import ExecutionDidNotEnd
from teststate.toolkit.executions import execute, wait_for_execution

ROLE = "arn:aws:iam::123456789012:role/sfn"
MOCKS = {
    "StateMachines": {"Approve": {"TestCases": {"Yes": {"Ask": "Approved"}}}},
    "MockedResponses": {"Approved": {"0": {"Return": {"approved": True}}}},
}
DEFINITION = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q",
                "MessageBody.$": "$$.Task.Token",
            },
            "End": True,
        }
    },
}


@pytest.fixture(scope="module")
def sfn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory = tmp_path_factory.mktemp("helpers")
    mock_file = directory / "mocks.json"
    mock_file.write_text(json.dumps(MOCKS), encoding="utf-8")
    app = create_app({"TESTSTATE_DATA_DIR": str(directory / "data"), "TESTSTATE_MOCK_CONFIG": str(mock_file)})
    yield inprocess_client(app=app)


@pytest.fixture(scope="module")
def machine(sfn: Any) -> str:
    arn: str = sfn.create_state_machine(name="Approve", definition=json.dumps(DEFINITION), roleArn=ROLE)[
        "stateMachineArn"
    ]
    return arn


def test_execute_runs_a_test_case_to_its_end(sfn: Any, machine: str) -> None:
    described = execute(sfn, machine, {"order": 1}, test_case="Yes", name="yes")
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"approved": True}
    assert json.loads(described["input"]) == {"order": 1}
    assert described["name"] == "yes"


def test_an_execution_that_waits_is_reported_after_the_timeout(sfn: Any, machine: str) -> None:
    # Without the test case the callback Task waits for its token, which nobody sends.
    with pytest.raises(ExecutionDidNotEnd, match=r"is still RUNNING after 0\.2 s"):
        execute(sfn, machine, '{"order": 2}', timeout=0.2)


def test_wait_for_execution_returns_once_the_token_is_answered(sfn: Any, machine: str) -> None:
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    with pytest.raises(ExecutionDidNotEnd):
        wait_for_execution(sfn, arn, timeout=0.1)
    events = sfn.get_execution_history(executionArn=arn)["events"]
    scheduled = next(event for event in events if event["type"] == "TaskScheduled")
    token = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["MessageBody"]
    sfn.send_task_success(taskToken=token, output='{"approved": false}')
    described = wait_for_execution(sfn, arn, timeout=5)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"approved": False}
