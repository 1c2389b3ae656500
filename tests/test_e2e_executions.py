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

import contextlib
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
from tests.executions_support import (
    assert_same_history,
    full_history,
    nested_inline_map,
    scheduled_token,
    token_wait_machine,
    until_done,
)
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
        described = until_done(functools.partial(aws, "describe-execution", "--execution-arn", arn))
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
        described = until_done(functools.partial(sfn.describe_execution, executionArn=arn))
        events = sfn.get_execution_history(executionArn=arn)["events"]
        outcomes[case] = (described, events)
    _check_base_case(*outcomes["BaseCase"])
    _check_retry_case(*outcomes["LambdaRetryCase"])
    _check_broken_case(outcomes["BrokenCase"][0])


def test_an_execution_survives_its_runner_process_being_killed(tmp_path: Path) -> None:
    """The runner process killed with SIGKILL while it drives an execution is started again by
    the master; the new one resumes the execution from its stored events (the lease's owner is
    gone, so the lease need not expire), and it completes."""
    import signal

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
        runner = int(_running_mid_way(data, arn).split(":")[1])
        assert running.runner_pids() == [runner]  # driven outside the workers
        killed_at = time.monotonic()
        os.kill(runner, signal.SIGKILL)
        described = until_done(lambda: sfn.describe_execution(executionArn=arn))
        assert time.monotonic() - killed_at < 9  # well before the 10 s lease would have expired
        assert running.runner_pids() not in ([], [runner])
        assert described["status"] == "SUCCEEDED"
        events = full_history(sfn, arn)
        assert [event["id"] for event in events] == list(range(1, len(events) + 1))
        assert events[-1]["type"] == "ExecutionSucceeded"


# --------------------------------------------------------------------------------------------
# Durability (issue 14): workers killed, servers restarted on the same data directory
# --------------------------------------------------------------------------------------------
TOKEN_MACHINE = token_wait_machine({"Type": "Pass", "End": True})
WAIT_SECONDS = 6
WAIT_MACHINE = {
    "StartAt": "Nap",
    "States": {
        "Nap": {"Type": "Wait", "Seconds": WAIT_SECONDS, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    },
}
QUICK_MACHINE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"quick": True}, "End": True}}}
# Long enough (about 2 s of engine work, 40,000 events) to be caught mid-run.
BIG_MACHINE = nested_inline_map(100, Output="{% $count($states.result) %}")
TERMINAL = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}


def _boto3(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )


def _start(data: Path, **extra: str) -> Any:
    env = {"TESTSTATE_DATA_DIR": str(data), "TESTSTATE_CLOCK": "real", "TESTSTATE_MAX_REQUESTS": "0", **extra}
    try:
        return start_server(workers=2, env=env, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))


def _check_history(events: list[dict[str, Any]], *, finished: bool = True) -> None:
    """No gap, no repeat: ids 1..n, each previousEventId an earlier event, one start, at most
    one terminal event (exactly one, last, when `finished`)."""
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    assert all(0 <= event["previousEventId"] < event["id"] for event in events)
    types = [event["type"] for event in events]
    assert types.count("ExecutionStarted") == 1 and types[0] == "ExecutionStarted"
    terminal = [kind for kind in types if kind in TERMINAL]
    assert terminal == ([types[-1]] if finished else []), terminal
    if finished:
        assert types[-1] in TERMINAL


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _has_event(sfn: Any, arn: str, kind: str) -> bool:
    return any(event["type"] == kind for event in full_history(sfn, arn))


def _token(sfn: Any, arn: str) -> str:
    token = scheduled_token(full_history(sfn, arn))
    if token is None:
        raise AssertionError(f"{arn} has not scheduled its task")
    return token


def _running_mid_way(data: Path, arn: str) -> str:
    """Wait until a runner has stored some of the execution's events and holds its lease; its owner."""
    import sqlite3

    database = sqlite3.connect(data / "teststate.sqlite3")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = database.execute(
                "SELECT lease_owner, event_count, status FROM executions WHERE arn = ?", (arn,)
            ).fetchone()
            assert row is None or row[2] == "RUNNING", "the execution ended before it could be interrupted"
            if row and row[0] and row[1] > 0:
                return str(row[0])
            time.sleep(0.005)
    finally:
        database.close()
    raise AssertionError("no runner drove the execution")


def _leases(data: Path) -> list[tuple[str, str | None]]:
    import sqlite3

    database = sqlite3.connect(data / "teststate.sqlite3")
    try:
        return database.execute(
            "SELECT name, lease_owner FROM executions WHERE status = 'RUNNING'"
        ).fetchall()
    finally:
        database.close()


def _status(data: Path, name: str) -> str:
    import sqlite3

    with contextlib.closing(sqlite3.connect(data / "teststate.sqlite3")) as database:
        return str(database.execute("SELECT status FROM executions WHERE name = ?", (name,)).fetchone()[0])


class _Scene:
    """A token wait, a real-clock Wait and a long Map, started on one server and checked on another."""

    def __init__(self, sfn: Any, machines: dict[str, str], suffix: str) -> None:
        self.machines = machines
        self.token = sfn.start_execution(stateMachineArn=machines["token"], name=f"token-{suffix}")[
            "executionArn"
        ]
        self.wait = sfn.start_execution(stateMachineArn=machines["wait"], name=f"wait-{suffix}")[
            "executionArn"
        ]
        self.big = sfn.start_execution(stateMachineArn=machines["big"], name=f"big-{suffix}")["executionArn"]
        self.waiting_since = time.monotonic()
        _wait_for(lambda: _has_event(sfn, self.token, "TaskStarted"), "the task token wait")
        _wait_for(lambda: _has_event(sfn, self.wait, "WaitStateEntered"), "the Wait state")

    def check(self, sfn: Any) -> None:
        """Every execution goes on and ends as it would have."""
        big = until_done(lambda: sfn.describe_execution(executionArn=self.big))
        assert big["status"] == "SUCCEEDED", big
        assert json.loads(big["output"]) == [100] * 100
        _check_history(full_history(sfn, self.big))
        waited = until_done(lambda: sfn.describe_execution(executionArn=self.wait))
        assert waited["status"] == "SUCCEEDED", waited
        events = full_history(sfn, self.wait)
        _check_history(events)
        entered, exited = (
            next(e["timestamp"] for e in events if e["type"] == kind)
            for kind in ("WaitStateEntered", "WaitStateExited")
        )
        # On the execution's (real) clock: at least the Wait's seconds; later by how long the
        # timer waited for a runner (here, one restarting).
        assert WAIT_SECONDS <= (exited - entered).total_seconds() < WAIT_SECONDS + 5
        assert time.monotonic() - self.waiting_since >= WAIT_SECONDS - 0.5  # really waited
        _check_history(full_history(sfn, self.token), finished=False)
        assert sfn.describe_execution(executionArn=self.token)["status"] == "RUNNING"
        sfn.send_task_success(taskToken=_token(sfn, self.token), output='{"answer": 42}')
        answered = until_done(lambda: sfn.describe_execution(executionArn=self.token))
        assert answered["status"] == "SUCCEEDED", answered
        assert json.loads(answered["output"]) == {"answer": 42}
        _check_history(full_history(sfn, self.token))


def _machines(sfn: Any) -> dict[str, str]:
    definitions = {"quick": QUICK_MACHINE, "token": TOKEN_MACHINE, "wait": WAIT_MACHINE, "big": BIG_MACHINE}
    return {
        name: sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
        for name, definition in definitions.items()
    }


def test_executions_survive_every_worker_and_the_runner_being_killed(tmp_path: Path) -> None:
    """SIGKILL to every worker and to the runner process while it drives a long Map, one
    execution waits on a task token and one is in a real-clock Wait: the master replaces them, and
    the new runner process resumes the executions at once (the killed processes are gone, so their
    leases need not expire); each ends as an uninterrupted run does, and the token still
    answers."""
    import signal

    data = tmp_path / "data"
    with _start(data) as running:
        sfn = _boto3(running.url)
        machines = _machines(sfn)
        scene = _Scene(sfn, machines, "a")
        owner = _running_mid_way(data, scene.big)
        workers, runners = running.worker_pids(), running.runner_pids()
        assert runners == [int(owner.split(":")[1])]  # driven outside the workers
        killed_at = time.monotonic()
        for pid in [*runners, *workers]:
            os.kill(pid, signal.SIGKILL)
        _wait_for(lambda: len(set(running.worker_pids()) - set(workers)) == 2, "replacement workers")
        _wait_for(lambda: running.runner_pids() not in ([], runners), "a new runner process")
        # Resumed well before the 10 s lease would have expired: the owner's process is gone.
        _wait_for(
            lambda: sfn.describe_execution(executionArn=scene.big)["status"] != "RUNNING", "the Map", 30
        )
        assert time.monotonic() - killed_at < 9
        scene.check(sfn)
        reference = sfn.start_execution(stateMachineArn=machines["big"], name="big-reference")["executionArn"]
        assert until_done(lambda: sfn.describe_execution(executionArn=reference))["status"] == "SUCCEEDED"
        assert_same_history(full_history(sfn, scene.big), full_history(sfn, reference))
        assert "differs from the stored one" not in running.output()


def test_a_restarted_server_keeps_and_resumes_everything(tmp_path: Path) -> None:
    """A server stopped gracefully (SIGTERM) mid-run, and one killed outright (SIGKILL to the
    master and every worker), are each replaced by a new server on the same data directory: every
    state machine and execution is there, the finished ones as they ended, and the running ones
    go on without any call to wake them: the Map and the Wait finish, the task token answers."""
    import signal

    data = tmp_path / "data"
    with _start(data) as first:
        sfn = _boto3(first.url)
        machines = _machines(sfn)
        quick = sfn.start_execution(stateMachineArn=machines["quick"], name="quick")["executionArn"]
        assert until_done(lambda: sfn.describe_execution(executionArn=quick))["status"] == "SUCCEEDED"
        graceful = _Scene(sfn, machines, "graceful")
        _running_mid_way(data, graceful.big)
        assert first.stop() == 0
    # The stopping runner process gave the Map up: no lease is left for the next server to wait out.
    assert [owner for _, owner in _leases(data)] == [None, None, None]
    assert "Traceback" not in first.output(), first.output()

    with _start(data) as second:
        # Nothing calls the Map: the new runner process resumes it by itself (the database is
        # read directly, so that no API call is involved).
        _wait_for(lambda: _status(data, "big-graceful") != "RUNNING", "the Map, resumed")
        assert _status(data, "big-graceful") == "SUCCEEDED"
        sfn = _boto3(second.url)
        listed = sfn.list_state_machines()["stateMachines"]
        assert sorted(item["name"] for item in listed) == sorted(machines)
        assert sfn.describe_execution(executionArn=quick)["output"] == '{"quick":true}'
        _check_history(full_history(sfn, quick))
        graceful.check(sfn)
        killed = _Scene(sfn, machines, "killed")
        owner = _running_mid_way(data, killed.big)
        runners = second.runner_pids()
        assert runners == [int(owner.split(":")[1])]
        pids = [*runners, second.process.pid, *second.worker_pids()]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        second.process.wait()

    with _start(data) as third:
        sfn = _boto3(third.url)
        killed.check(sfn)
        for name, arn in machines.items():
            executions = sfn.list_executions(stateMachineArn=arn)["executions"]
            expected = {"quick": 1, "token": 2, "wait": 2, "big": 2}[name]
            assert len(executions) == expected and all(e["status"] == "SUCCEEDED" for e in executions)
        reference = sfn.start_execution(stateMachineArn=machines["big"], name="big-reference")["executionArn"]
        assert until_done(lambda: sfn.describe_execution(executionArn=reference))["status"] == "SUCCEEDED"
        for arn in (graceful.big, killed.big):
            assert_same_history(full_history(sfn, arn), full_history(sfn, reference))
        assert "differs from the stored one" not in third.output()
