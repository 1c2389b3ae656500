"""End to end: activities (CreateActivity ... GetActivityTask) and activity Tasks run by a worker.

The real server (gunicorn, two workers, the runner process) and real boto3; the worker is a
thread of the test polling with GetActivityTask and answering with SendTask*. AWS's wording of
the activity errors is not recorded: the messages checked are ours; the codes are the model's.
The poll is held `POLL_SECONDS` (TESTSTATE_ACTIVITY_POLL_SECONDS) rather than AWS's 60.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import DUMMY_CREDENTIALS, START_TIMEOUT_SECONDS
from tests.executions_support import finished, full_history
from teststate.testing import ServerDidNotStart, start_server

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsLocal"
POLL_SECONDS = 1.0


@pytest.fixture(scope="module")
def sfn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory = tmp_path_factory.mktemp("activities")
    env = {
        "TESTSTATE_DATA_DIR": str(directory / "data"),
        "TESTSTATE_ACTIVITY_POLL_SECONDS": str(POLL_SECONDS),
    }
    try:
        running = start_server(workers=2, env=env, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        yield boto3.client(
            "stepfunctions",
            endpoint_url=running.url,
            region_name="us-east-1",
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(inject_host_prefix=False, retries={"max_attempts": 0}, read_timeout=70),
        )


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _code(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def _start(sfn: Any, task: dict[str, Any], *, extra: dict[str, Any] | None = None, input_: Any = None) -> str:
    states: dict[str, Any] = {"Work": {"Type": "Task", **task}}
    if extra:
        states.update(extra)
    if "Next" not in task:
        states["Work"]["End"] = True
    machine = sfn.create_state_machine(
        name=_name("m"), roleArn=ROLE, definition=json.dumps({"StartAt": "Work", "States": states})
    )["stateMachineArn"]
    return str(
        sfn.start_execution(stateMachineArn=machine, input=json.dumps(input_ or {"x": 1}))["executionArn"]
    )


def _worker(
    sfn: Any, activity: str, answer: Callable[[str, dict[str, Any]], None], count: int = 1
) -> threading.Thread:
    """A worker thread: takes `count` tasks (polling until each comes) and answers each."""

    def work() -> None:
        done = 0
        deadline = time.monotonic() + 30
        while done < count and time.monotonic() < deadline:
            task = sfn.get_activity_task(activityArn=activity, workerName="worker-1")
            if task.get("taskToken"):
                answer(task["taskToken"], json.loads(task["input"]))
                done += 1

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


# --------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------
def test_create_is_idempotent_and_describe_answers_it(sfn: Any) -> None:
    name = _name("act")
    created = sfn.create_activity(name=name, tags=[{"key": "k", "value": "v"}])
    assert created["activityArn"] == f"arn:aws:states:us-east-1:123456789012:activity:{name}"
    again = sfn.create_activity(name=name, tags=[{"key": "other", "value": "tags"}])
    assert again == {**again, "activityArn": created["activityArn"], "creationDate": created["creationDate"]}
    described = sfn.describe_activity(activityArn=created["activityArn"])
    assert (described["activityArn"], described["name"]) == (created["activityArn"], name)
    assert described["creationDate"] == created["creationDate"]
    with pytest.raises(ClientError) as err:
        sfn.create_activity(
            name=name, encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/k"}
        )
    assert _code(err)[0] == "ActivityAlreadyExists"


def test_an_activity_is_tagged_like_a_state_machine(sfn: Any) -> None:
    # The API reference's TagResource/ListTagsForResource take "the Amazon Resource Name (ARN)
    # for the Step Functions state machine or activity"; the tags given at creation are its
    # first ones, and a second create with other tags leaves them (CreateActivity's doc).
    arn = sfn.create_activity(name=_name("tagged"), tags=[{"key": "team", "value": "a"}])["activityArn"]
    sfn.create_activity(name=arn.rsplit(":", 1)[1], tags=[{"key": "ignored", "value": "x"}])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "a"}]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "b"}, {"key": "env", "value": "test"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["env", "absent"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "b"}]
    sfn.delete_activity(activityArn=arn)
    for call in (
        lambda: sfn.list_tags_for_resource(resourceArn=arn),
        lambda: sfn.tag_resource(resourceArn=arn, tags=[{"key": "k", "value": "v"}]),
        lambda: sfn.untag_resource(resourceArn=arn, tagKeys=["team"]),
    ):
        with pytest.raises(ClientError) as err:
            call()
        assert _code(err)[0] == "ResourceNotFound"


def test_list_paginates_by_name_and_delete_removes(sfn: Any) -> None:
    prefix = _name("list")
    arns = [sfn.create_activity(name=f"{prefix}-{index}")["activityArn"] for index in range(3)]
    listed: list[str] = []
    token = None
    while True:
        page = sfn.list_activities(maxResults=2, **({"nextToken": token} if token else {}))
        assert len(page["activities"]) <= 2
        listed += [item["activityArn"] for item in page["activities"]]
        token = page.get("nextToken")
        if not token:
            break
    assert [arn for arn in listed if prefix in arn] == arns
    sfn.delete_activity(activityArn=arns[0])
    sfn.delete_activity(activityArn=arns[0])  # ours: a missing one is no error
    with pytest.raises(ClientError) as err:
        sfn.describe_activity(activityArn=arns[0])
    assert _code(err) == ("ActivityDoesNotExist", f"Activity Does Not Exist: '{arns[0]}'")


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda sfn: sfn.create_activity(name="bad name"), "InvalidName"),
        (lambda sfn: sfn.describe_activity(activityArn="not-an-arn"), "InvalidArn"),
        (
            lambda sfn: sfn.describe_activity(
                activityArn="arn:aws:states:us-east-1:123456789012:stateMachine:m"
            ),
            "InvalidArn",
        ),
        (
            lambda sfn: sfn.get_activity_task(
                activityArn="arn:aws:states:us-east-1:123456789012:activity:none"
            ),
            "ActivityDoesNotExist",
        ),
        (lambda sfn: sfn.list_activities(nextToken="garbage"), "InvalidToken"),
    ],
)
def test_errors(sfn: Any, call: Callable[[Any], Any], code: str) -> None:
    with pytest.raises(ClientError) as err:
        call(sfn)
    assert _code(err)[0] == code
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_poll_without_task_answers_no_token_after_the_poll(sfn: Any) -> None:
    activity = sfn.create_activity(name=_name("idle"))["activityArn"]
    began = time.monotonic()
    answer = sfn.get_activity_task(activityArn=activity, workerName="w")
    assert answer.get("taskToken") is None
    assert POLL_SECONDS - 0.1 <= time.monotonic() - began < POLL_SECONDS + 5


# --------------------------------------------------------------------------------------------
# Executions
# --------------------------------------------------------------------------------------------
def test_worker_succeeds_the_task(sfn: Any) -> None:
    activity = sfn.create_activity(name=_name("ok"))["activityArn"]
    execution = _start(
        sfn,
        {
            "Resource": activity,
            "Parameters": {"value.$": "$.x"},
            "TimeoutSeconds": 30,
            "HeartbeatSeconds": 20,
        },
    )
    seen: list[dict[str, Any]] = []
    tokens: list[str] = []

    def answer(token: str, task_input: dict[str, Any]) -> None:
        seen.append(task_input)
        tokens.append(token)
        sfn.send_task_heartbeat(taskToken=token)
        sfn.send_task_success(taskToken=token, output=json.dumps({"doubled": task_input["value"] * 2}))

    _worker(sfn, activity, answer).join(30)
    described = finished(sfn, execution)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"doubled": 2}
    assert seen == [{"value": 1}]
    events = full_history(sfn, execution)
    assert _types(events) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert events[2]["activityScheduledEventDetails"] == {
        "resource": activity,
        "input": '{"value":1}',
        "inputDetails": {"truncated": False},
        "timeoutInSeconds": 30,
        "heartbeatInSeconds": 20,
    }
    assert events[3]["activityStartedEventDetails"] == {"workerName": "worker-1"}
    assert events[4]["activitySucceededEventDetails"] == {
        "output": '{"doubled":2}',
        "outputDetails": {"truncated": False},
    }
    # The task is over: its token is refused.
    with pytest.raises(ClientError) as err:
        sfn.send_task_success(taskToken=tokens[0], output="{}")
    assert _code(err)[0] == "TaskDoesNotExist"


def test_failure_is_retried_then_caught(sfn: Any) -> None:
    activity = sfn.create_activity(name=_name("fail"))["activityArn"]
    execution = _start(
        sfn,
        {
            "Resource": activity,
            "Retry": [{"ErrorEquals": ["Custom.Error"], "MaxAttempts": 1, "IntervalSeconds": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        },
        extra={"Caught": {"Type": "Pass", "End": True}},
    )

    def answer(token: str, task_input: dict[str, Any]) -> None:
        sfn.send_task_failure(taskToken=token, error="Custom.Error", cause="it broke")

    _worker(sfn, activity, answer, count=2).join(30)
    described = finished(sfn, execution)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["Error"] == "Custom.Error"
    events = full_history(sfn, execution)
    types = _types(events)
    assert types.count("ActivityScheduled") == 2 and types.count("ActivityFailed") == 2
    failed = next(event for event in events if event["type"] == "ActivityFailed")
    assert failed["activityFailedEventDetails"] == {"error": "Custom.Error", "cause": "it broke"}


def test_no_worker_times_out(sfn: Any) -> None:
    activity = sfn.create_activity(name=_name("timeout"))["activityArn"]
    execution = _start(sfn, {"Resource": activity, "TimeoutSeconds": 1})
    described = finished(sfn, execution, timeout=20)
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    events = full_history(sfn, execution)
    assert _types(events)[2:4] == ["ActivityScheduled", "ActivityTimedOut"]
    assert events[3]["activityTimedOutEventDetails"] == {"error": "States.Timeout"}
    # The timed-out task is not handed out.
    assert sfn.get_activity_task(activityArn=activity).get("taskToken") is None


def test_worker_that_stops_heartbeating_times_out(sfn: Any) -> None:
    activity = sfn.create_activity(name=_name("beat"))["activityArn"]
    execution = _start(sfn, {"Resource": activity, "TimeoutSeconds": 60, "HeartbeatSeconds": 1})
    tokens: list[str] = []
    _worker(sfn, activity, lambda token, _: tokens.append(token)).join(30)
    described = finished(sfn, execution, timeout=20)
    assert (described["status"], described["error"]) == ("FAILED", "States.HeartbeatTimeout")
    events = full_history(sfn, execution)
    assert _types(events)[2:5] == ["ActivityScheduled", "ActivityStarted", "ActivityTimedOut"]
    with pytest.raises(ClientError) as err:
        sfn.send_task_success(taskToken=tokens[0], output="{}")
    assert _code(err)[0] == "TaskTimedOut"


def test_stopped_execution_refuses_the_token_and_hands_out_nothing(sfn: Any) -> None:
    activity = sfn.create_activity(name=_name("stop"))["activityArn"]
    taken = _start(sfn, {"Resource": activity})
    task = {}
    for _ in range(10):
        task = sfn.get_activity_task(activityArn=activity, workerName="w")
        if task.get("taskToken"):
            break
    assert task.get("taskToken")
    waiting = _start(sfn, {"Resource": activity})
    time.sleep(0.5)  # scheduled
    sfn.stop_execution(executionArn=taken)
    sfn.stop_execution(executionArn=waiting)
    assert finished(sfn, taken)["status"] == "ABORTED"
    with pytest.raises(ClientError) as err:
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")
    assert _code(err)[0] == "TaskDoesNotExist"
    assert sfn.get_activity_task(activityArn=activity).get("taskToken") is None


def test_missing_activity_fails_as_aws_words_it(sfn: Any) -> None:
    arn = "arn:aws:states:us-east-1:123456789012:activity:" + _name("missing")
    execution = _start(sfn, {"Resource": arn})
    described = finished(sfn, execution)
    assert described["status"] == "FAILED"
    assert described["cause"] == (
        "An error occurred while executing the state 'Work' (entered at the event id #2)."
        f" The activity {arn} does not exist."
    )
    assert _types(full_history(sfn, execution)) == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]


def test_an_sdk_task_takes_another_executions_activity_task_without_holding_the_runner(sfn: Any) -> None:
    # An execution can be the worker: ``aws-sdk:sfn:getActivityTask`` reaches this server's own
    # GetActivityTask (as on AWS, the same account's Step Functions). Ours: it does not hold the
    # poll (the runner making the call drives every execution), so with no task it answers at once.
    activity = sfn.create_activity(name=_name("sdk"))["activityArn"]
    waiting = _start(sfn, {"Resource": activity, "Parameters": {"order.$": "$.x"}, "TimeoutSeconds": 60})
    deadline = time.monotonic() + 30
    while "ActivityScheduled" not in _types(full_history(sfn, waiting)):
        assert time.monotonic() < deadline, "the activity's task was never scheduled"
        time.sleep(0.05)
    take = {
        "Resource": "arn:aws:states:::aws-sdk:sfn:getActivityTask",
        "Parameters": {"ActivityArn": activity, "WorkerName": "sdk-worker"},
    }
    taker = _start(sfn, take)
    took = finished(sfn, taker)
    assert took["status"] == "SUCCEEDED", took
    task = json.loads(took["output"])
    assert json.loads(task["Input"]) == {"order": 1}
    sfn.send_task_success(taskToken=task["TaskToken"], output='{"done": true}')
    described = finished(sfn, waiting)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"done": True})
    started = [event for event in full_history(sfn, waiting) if event["type"] == "ActivityStarted"]
    assert [event["activityStartedEventDetails"] for event in started] == [{"workerName": "sdk-worker"}]
    # Nothing left to take: the next SDK poll answers no token at once.
    empty = finished(sfn, _start(sfn, take))
    assert empty["status"] == "SUCCEEDED", empty
    assert "TaskToken" not in json.loads(empty["output"])
