"""End to end: whole executions with the mock configuration file, through the real server.

The documented mocked-integrations workflow (issue 12, "Done when"): a JSONata state machine
whose first state is a ``lambda:invoke`` Task with a Retry on States.ALL (MaxAttempts 4) and an
Assign, and whose second state is an ``sqs:sendMessage`` Task; a mock file with a BaseCase (both
Tasks return), a LambdaRetryCase (the Lambda state throws on invocations "0" and "1-2" and returns
on "3") and a test case naming a response the file does not define. Once with the real ``aws``
CLI, once with boto3; the server is ``teststate serve`` (gunicorn, two workers) started with
``SFN_MOCK_CONFIG`` (Step Functions Local's variable) naming the file.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, DUMMY_CREDENTIALS, START_TIMEOUT_SECONDS
from teststate.testing import ServerDidNotStart, start_server

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsLocal"
LAMBDA_RESULT = {"StatusCode": 200, "Payload": {"greeting": "hello", "to": "world"}}
SQS_RESULT = {"MD5OfMessageBody": "5d41402abc4b2a76b9719d911017c592", "MessageId": "7b0e4a5c-mock"}
DEFINITION = {
    "Comment": "Mocked integrations, as AWS Step Functions Local documents them",
    "QueryLanguage": "JSONata",
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {
                "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:greet",
                "Payload": "{% $states.input %}",
            },
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 4, "BackoffRate": 2}
            ],
            "Assign": {"greeting": "{% $states.result.Payload.greeting %}"},
            "Next": "Notify",
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Arguments": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/greetings",
                "MessageBody": "{% $greeting %}",
            },
            "End": True,
        },
    },
}


def _mock_config(machine: str) -> dict[str, Any]:
    lambda_error = {"Throw": {"Error": "Lambda.ServiceException", "Cause": "The service is unavailable"}}
    return {
        "StateMachines": {
            machine: {
                "TestCases": {
                    "BaseCase": {"Greet": "GreetOk", "Notify": "NotifyOk"},
                    "LambdaRetryCase": {"Greet": "GreetFlaky", "Notify": "NotifyOk"},
                    "BrokenCase": {"Greet": "GreetOk", "Notify": "NoSuchResponse"},
                }
            }
        },
        "MockedResponses": {
            "GreetOk": {"0": {"Return": LAMBDA_RESULT}},
            "GreetFlaky": {"0": lambda_error, "1-2": lambda_error, "3": {"Return": LAMBDA_RESULT}},
            "NotifyOk": {"0": {"Return": SQS_RESULT}},
        },
    }


@pytest.fixture(scope="module")
def mocked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server whose mock file defines the test cases of the machines ``cli`` and ``sdk``."""
    directory = tmp_path_factory.mktemp("mocked")
    mock_file = directory / "MockConfigFile.json"
    document: dict[str, dict[str, Any]] = {"StateMachines": {}, "MockedResponses": {}}
    for machine in ("cli-workflow", "sdk-workflow"):
        config = _mock_config(machine)
        document["StateMachines"].update(config["StateMachines"])
        document["MockedResponses"].update(config["MockedResponses"])
    mock_file.write_text(json.dumps(document), encoding="utf-8")
    env = {"SFN_MOCK_CONFIG": str(mock_file), "TESTSTATE_DATA_DIR": str(directory / "data")}
    env.pop("TESTSTATE_MOCK_CONFIG", None)
    try:
        running = start_server(workers=2, env=env, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        yield running.url


def _cli(url: str) -> Callable[..., dict[str, Any]]:
    executable = BIN / "aws"
    if not executable.exists():
        pytest.skip(f"the aws CLI is not installed at {executable}")
    env = {
        **os.environ,
        **DUMMY_CREDENTIALS,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }

    def run(command: str, *options: str) -> dict[str, Any]:
        argv = [
            str(executable),
            "stepfunctions",
            command,
            "--endpoint-url",
            url,
            "--output",
            "json",
            *options,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        answer: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
        return answer

    return run


def _until_done(describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        answer = describe()
        if answer["status"] != "RUNNING" or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def _check_base_case(described: dict[str, Any], events: list[dict[str, Any]]) -> None:
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == SQS_RESULT
    succeeded = [
        json.loads(e["taskSucceededEventDetails"]["output"]) for e in events if e["type"] == "TaskSucceeded"
    ]
    assert succeeded == [LAMBDA_RESULT, SQS_RESULT]
    scheduled = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in events
        if e["type"] == "TaskScheduled"
    ]
    assert scheduled[1]["MessageBody"] == "hello"  # the variable the Assign set
    assert events[-1]["type"] == "ExecutionSucceeded"


def _check_retry_case(described: dict[str, Any], events: list[dict[str, Any]]) -> None:
    assert described["status"] == "SUCCEEDED"
    types = [event["type"] for event in events]
    assert types.count("TaskFailed") == 3
    failed = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
    assert {(f["error"], f["cause"]) for f in failed} == {
        ("Lambda.ServiceException", "The service is unavailable")
    }
    assert types.count("TaskSucceeded") == 2


def _check_broken_case(described: dict[str, Any]) -> None:
    assert described["status"] == "FAILED"
    assert "NoSuchResponse" in described["cause"]


def test_the_mocked_workflow_with_the_aws_cli(mocked_server: str) -> None:
    aws = _cli(mocked_server)
    machine = aws(
        "create-state-machine",
        "--name",
        "cli-workflow",
        "--definition",
        json.dumps(DEFINITION),
        "--role-arn",
        ROLE,
    )["stateMachineArn"]
    outcomes = {}
    for case in ("BaseCase", "LambdaRetryCase", "BrokenCase"):
        started = aws(
            "start-execution", "--state-machine-arn", f"{machine}#{case}", "--input", '{"name": "world"}'
        )
        arn = started["executionArn"]
        described = _until_done(functools.partial(aws, "describe-execution", "--execution-arn", arn))
        events = aws("get-execution-history", "--execution-arn", arn)["events"]
        outcomes[case] = (described, events)
    _check_base_case(*outcomes["BaseCase"])
    _check_retry_case(*outcomes["LambdaRetryCase"])
    _check_broken_case(outcomes["BrokenCase"][0])
    listed = aws("list-executions", "--state-machine-arn", machine)["executions"]
    assert sorted(item["status"] for item in listed) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]


def test_the_mocked_workflow_with_boto3(mocked_server: str) -> None:
    import boto3
    from botocore.config import Config

    sfn = boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=mocked_server,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 0}),
    )
    machine = sfn.create_state_machine(name="sdk-workflow", definition=json.dumps(DEFINITION), roleArn=ROLE)[
        "stateMachineArn"
    ]
    outcomes = {}
    for case in ("BaseCase", "LambdaRetryCase", "BrokenCase"):
        arn = sfn.start_execution(stateMachineArn=f"{machine}#{case}", input='{"name": "world"}')[
            "executionArn"
        ]
        described = _until_done(functools.partial(sfn.describe_execution, executionArn=arn))
        events = sfn.get_execution_history(executionArn=arn)["events"]
        outcomes[case] = (described, events)
    _check_base_case(*outcomes["BaseCase"])
    _check_retry_case(*outcomes["LambdaRetryCase"])
    _check_broken_case(outcomes["BrokenCase"][0])


def test_an_execution_survives_its_worker_being_killed(tmp_path: Path) -> None:
    """A worker killed with SIGKILL while it drives an execution leaves the execution's lease to
    expire; another worker then resumes it from its stored events, and it completes."""
    import signal
    import sqlite3

    import boto3

    data = tmp_path / "data"
    try:
        running = start_server(
            workers=2, env={"TESTSTATE_DATA_DIR": str(data)}, start_timeout=START_TIMEOUT_SECONDS
        )
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        sfn = boto3.client(
            "stepfunctions",
            region_name="us-east-1",
            endpoint_url=running.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        inner = {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        }
        definition = {
            "QueryLanguage": "JSONata",
            "StartAt": "Outer",
            "States": {
                "Outer": {
                    "Type": "Map",
                    "Items": "{% [1..300] %}",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Inner",
                        "States": {
                            "Inner": {
                                "Type": "Map",
                                "Items": "{% [1..300] %}",
                                "ItemProcessor": inner,
                                "Next": "Row",
                            },
                            "Row": {"Type": "Pass", "Output": 1, "End": True},
                        },
                    },
                    "End": True,
                }
            },
        }
        machine = sfn.create_state_machine(name="big", definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
        arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        database = sqlite3.connect(data / "teststate.sqlite3")
        deadline, owner = time.monotonic() + 20, None
        while time.monotonic() < deadline:
            row = database.execute(
                "SELECT lease_owner, event_count FROM executions WHERE arn = ?", (arn,)
            ).fetchone()
            if row and row[0] and row[1] > 0:
                owner = row[0]
                break
            time.sleep(0.01)
        assert owner is not None, "the execution ended before a worker could be killed mid-run"
        os.kill(int(owner.split(":")[1]), signal.SIGKILL)
        described = _until_done(lambda: sfn.describe_execution(executionArn=arn))
        database.close()
        assert described["status"] == "SUCCEEDED"
        events = []
        token = None
        while True:
            page = sfn.get_execution_history(
                executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
            )
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                break
        assert [event["id"] for event in events] == list(range(1, len(events) + 1))
        assert events[-1]["type"] == "ExecutionSucceeded"
