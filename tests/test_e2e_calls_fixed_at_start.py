"""Whether an unmocked Task calls its service is fixed when the execution starts, across restarts.

An execution is a deterministic replay of its start and its signals (`teststate.executions.runner`),
so the set of Resources it calls for real (`ExecutionStart.service_calls`) is stored with it before
its first event; a server restarted on the same data directory with service calls turned the
other way re-creates the same history and takes the same path. Each test runs the real gunicorn
server (``teststate.testing.start_server``) against a real moto server, stops it while the
execution waits for a task token, restarts it on the same data directory with the other setting,
answers the token and lets the execution finish.

- Started with calls on, resumed with calls off: the first Task's call (made before the stop) is
  replayed, and the second Task is still called, which fails as a call made with calls off fails
  (``States.Runtime``, "... cannot be called: service calls are off"), instead of the Task failing
  as an unmocked one.
- Started with calls off, resumed with calls on: nothing is called; the first Task waits for its
  token as an unmocked callback Task does, and the second fails as unmocked.

In both, the new server's log has no "re-run event ... differs from the stored one".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from tests.executions_support import finished, full_history
from tests.integrations.conftest import CREDENTIALS, REGION, _credentials
from tests.integrations.support import unique_name
from tests.moto_server import service_call_env
from teststate.testing import RunningServer, ServerDidNotStart, start_server

__all__ = ["_credentials"]  # a fixture, used by name

ROLE = "arn:aws:iam::123456789012:role/sfn"
START_TIMEOUT_SECONDS = 60.0
MISMATCH = "differs from the stored one"
CALLS_OFF_CAUSE = "cannot be called: service calls are off"
UNMOCKED_CAUSE = "is a Task and the execution has no mock test case"


def _machine(queue: str) -> dict[str, Any]:
    """Send (a callback Task: the message carries the token) then Then (request-response)."""
    return {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody.$": "$$.Task.Token"},
                "Next": "Then",
            },
            "Then": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue, "MessageBody": "then"},
                "End": True,
            },
        },
    }


def _start(data: Path, log: BinaryIO, moto: str, *, calls: bool) -> RunningServer:
    env = {
        "TESTSTATE_DATA_DIR": str(data),
        "TESTSTATE_MAX_REQUESTS": "0",
        "AWS_ENDPOINT_URL": moto,
        "AWS_REGION": REGION,
        **CREDENTIALS,
        **(service_call_env(moto) if calls else {"TESTSTATE_SERVICE_CALLS": "0"}),
    }
    try:
        # The log goes to a file of the test's: it is read after the server stopped.
        return start_server(workers=2, env=env, start_timeout=START_TIMEOUT_SECONDS, log=log)
    except ServerDidNotStart as err:
        pytest.fail(str(err))


def _sfn(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "stepfunctions",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}),
    )


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _token(events: list[dict[str, Any]]) -> str:
    """The token Send sent (its MessageBody), from its TaskScheduled event."""
    scheduled = next(event for event in events if event["type"] == "TaskScheduled")
    return str(json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["MessageBody"])


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


def _messages(aws: Any, queue: str) -> list[str]:
    received = aws("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [message["Body"] for message in received.get("Messages", [])]


def _run_across_restart(
    tmp_path: Path, moto: str, queue: str, *, first_calls: bool, waiting_for: str
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """Start the execution on a server with `first_calls`, stop that server once the history
    shows `waiting_for` (the Task waits for its token), restart it on the same data directory with
    the other setting, answer the token and wait for the end: (DescribeExecution, history, log of
    the second server)."""
    data, first_log, second_log = tmp_path / "data", tmp_path / "first.log", tmp_path / "second.log"
    with first_log.open("wb") as log, _start(data, log, moto, calls=first_calls) as first:
        sfn = _sfn(first.url)
        machine = sfn.create_state_machine(
            name=unique_name("fixed"), definition=json.dumps(_machine(queue)), roleArn=ROLE
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, name="across")["executionArn"]
        _wait_for(lambda: waiting_for in _types(full_history(sfn, arn)), f"{waiting_for} of Send")
        assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        assert first.stop() == 0
    assert MISMATCH not in first_log.read_text()
    with second_log.open("wb") as log, _start(data, log, moto, calls=not first_calls) as second:
        sfn = _sfn(second.url)
        sfn.send_task_success(taskToken=_token(full_history(sfn, arn)), output='{"answered": true}')
        described = finished(sfn, arn, timeout=30.0)
        history = full_history(sfn, arn)
        assert second.stop() == 0
    return described, history, second_log.read_text()


@pytest.fixture
def queue(aws: Any) -> str:
    return str(aws("sqs").create_queue(QueueName=unique_name("fixed"))["QueueUrl"])


def test_started_with_calls_on_and_resumed_with_calls_off(
    tmp_path: Path, moto_url: str, queue: str, aws: Any
) -> None:
    described, history, log = _run_across_restart(
        tmp_path, moto_url, queue, first_calls=True, waiting_for="TaskSubmitted"
    )
    assert MISMATCH not in log, log
    # Send was called before the stop (its message carries the token); Then, called after it,
    # fails as a call with calls off does: the same path, only the call's answer differs.
    assert _messages(aws, queue) == [_token(history)]
    assert described["status"] == "FAILED", described
    assert described["error"] == "States.Runtime"
    assert CALLS_OFF_CAUSE in described["cause"], described["cause"]
    assert _types(history) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskFailed",
        "ExecutionFailed",
    ]


def test_started_with_calls_off_and_resumed_with_calls_on(
    tmp_path: Path, moto_url: str, queue: str, aws: Any
) -> None:
    described, history, log = _run_across_restart(
        tmp_path, moto_url, queue, first_calls=False, waiting_for="TaskStarted"
    )
    assert MISMATCH not in log, log
    # Nothing was called, before or after the restart: both Tasks took the unmocked path.
    assert _messages(aws, queue) == []
    assert described["status"] == "FAILED", described
    assert described["error"] == "States.Runtime"
    assert UNMOCKED_CAUSE in described["cause"], described["cause"]
    types = _types(history)
    assert "TaskSubmitted" not in types
    assert types[-1] == "ExecutionFailed" and types.count("TaskStateEntered") == 2
