"""Executions whose unmocked Tasks call a real moto server: the engine asks, `calls.perform` calls.

The engine is driven here as the runner drives it: run from the start with the signals so far;
when it stops with `Suspended.calls`, the calls are made (`teststate.executions.calls.perform`),
their results stored as signals (round-tripped through their stored form) and the execution run
again. What the calls did is read back through boto3.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter.execution import (
    ExecutionStart,
    Finished,
    HistoryEvent,
    MockTestCase,
    ServiceCallResult,
    Signal,
    Suspended,
    TaskSuccess,
    parse_mock_config,
    run_execution,
)
from teststate.executions import calls
from teststate.integrations import CallSettings

from .conftest import REGION
from .support import calls_to, create_table, order_machine, order_mocks, silent_endpoint, unique_name

ARN = f"arn:aws:states:{REGION}:123456789012:execution:machine:run"


def _start(
    definition: dict[str, Any],
    settings: CallSettings,
    *,
    mocks: MockTestCase | None = None,
    input_text: str = "{}",
) -> ExecutionStart:
    text = json.dumps(definition)
    return ExecutionStart(
        definition=text,
        input_text=input_text,
        execution_arn=ARN,
        execution_name="run",
        state_machine_arn=f"arn:aws:states:{REGION}:123456789012:stateMachine:machine",
        state_machine_name="machine",
        role_arn="arn:aws:iam::123456789012:role/r",
        start_time=datetime.now(UTC).replace(microsecond=0),
        mocks=mocks,
        service_calls=calls.callable_resources(text, settings),
    )


def _drive(
    start: ExecutionStart, settings: CallSettings, signals: list[Signal] | None = None
) -> tuple[list[HistoryEvent], Finished | Suspended, list[Signal]]:
    """Run to the end or to a wait that is not a call; the signals used (calls' results added)."""
    signals = list(signals or [])
    while True:
        steps = list(run_execution(start, tuple(signals)))
        last = steps[-1]
        if isinstance(last, Suspended) and last.calls:
            for result in calls.perform(last.calls, settings):
                body = json.loads(json.dumps(calls.encode_result(result)))  # as stored
                signals.append(calls.decode_result(body, datetime.fromisoformat(body["at"])))
            continue
        assert isinstance(last, (Finished, Suspended))
        return [step for step in steps if isinstance(step, HistoryEvent)], last, signals


def _types(events: list[HistoryEvent]) -> list[str]:
    return [event.type for event in events]


def _details(event: HistoryEvent) -> dict[str, Any]:
    return dict(event.details)


@pytest.fixture(scope="module")
def queue(aws: Any) -> str:
    return str(aws("sqs").create_queue(QueueName=unique_name("queue"))["QueueUrl"])


@pytest.fixture(scope="module")
def table(aws: Any) -> str:
    return create_table(aws)


def test_a_mocked_lambda_state_and_a_real_sqs_message(queue: str, settings: CallSettings, aws: Any) -> None:
    mocks = parse_mock_config(order_mocks("machine")).test_case("machine", "Mixed")
    events, last, signals = _drive(_start(order_machine(queue), settings, mocks=mocks), settings)
    assert isinstance(last, Finished), last
    assert last.status == "SUCCEEDED", last
    received = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in received] == ["R-1"]
    output = json.loads(last.output_text or "")
    assert output["MessageId"] == received[0]["MessageId"]
    assert output["MD5OfMessageBody"] == received[0]["MD5OfBody"]
    assert _types(events)[-6:] == [
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = _details(events[-5])
    assert json.loads(scheduled["parameters"]) == {"QueueUrl": queue, "MessageBody": "R-1"}
    assert (scheduled["resourceType"], scheduled["resource"], scheduled["region"]) == (
        "sqs",
        "sendMessage",
        REGION,
    )
    assert [type(signal) for signal in signals] == [ServiceCallResult]
    # Deterministic: run again with the stored result, the same history, and no new call.
    again = list(run_execution(_start_again(events, mocks, queue, settings), tuple(signals)))
    assert [step for step in again if isinstance(step, HistoryEvent)] == events
    assert "Messages" not in aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=0)


def _start_again(
    events: list[HistoryEvent], mocks: MockTestCase, queue: str, settings: CallSettings
) -> ExecutionStart:
    start = _start(order_machine(queue), settings, mocks=mocks)
    return replace(start, start_time=events[0].timestamp)


def test_an_aws_sdk_call_in_an_execution(table: str, settings: CallSettings, aws: Any) -> None:
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                "Parameters": {"TableName": table, "Item": {"id": {"S": "sdk"}, "n": {"N": "7"}}},
                "ResultPath": None,
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"id": {"S": "sdk"}}},
                "ResultSelector": {"n.$": "$.Item.n.N"},
                "End": True,
            },
        },
    }
    events, last, _ = _drive(_start(definition, settings), settings)
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    assert json.loads(last.output_text or "") == {"n": "7"}
    assert aws("dynamodb").get_item(TableName=table, Key={"id": {"S": "sdk"}})["Item"]["n"] == {"N": "7"}
    assert _types(events).count("TaskSucceeded") == 2


def test_a_conditional_check_failure_is_caught(table: str, settings: CallSettings, aws: Any) -> None:
    aws("dynamodb").put_item(TableName=table, Item={"id": {"S": "taken"}})
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"id": {"S": "taken"}},
                    "ConditionExpression": "attribute_not_exists(id)",
                },
                "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Exists"}],
                "End": True,
            },
            "Exists": {"Type": "Pass", "End": True},
        },
    }
    events, last, _ = _drive(_start(definition, settings), settings)
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    failed = [event for event in events if event.type == "TaskFailed"]
    assert [_details(event)["error"] for event in failed] == ["DynamoDB.ConditionalCheckFailedException"]
    assert json.loads(last.output_text or "")["Error"] == "DynamoDB.ConditionalCheckFailedException"


def test_a_result_over_the_payload_quota_is_a_task_failure_catch_handles(
    settings: CallSettings, aws: Any
) -> None:
    # Recorded (test_states_errors/test_service_task_lambada_data_limit_exceeded_on_large_utf8_response):
    # TaskFailed with States.DataLimitExceeded, then the Catch.
    bucket = unique_name("bucket")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="large", Body=b"x" * 300_000)
    definition = {
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": bucket, "Key": "large"},
                "ResultSelector": {"length.$": "$.ContentLength"},
                "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "TooLarge"}],
                "End": True,
            },
            "TooLarge": {"Type": "Pass", "End": True},
        },
    }
    events, last, _ = _drive(_start(definition, settings), settings)
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    failed = [_details(event) for event in events if event.type == "TaskFailed"]
    assert [(details["error"], details["resourceType"]) for details in failed] == [
        ("States.DataLimitExceeded", "aws-sdk:s3")
    ]
    assert json.loads(last.output_text or "")["Error"] == "States.DataLimitExceeded"


def test_a_missing_queue_is_retried_then_caught(queue: str, settings: CallSettings) -> None:
    missing = queue.rsplit("/", 1)[0] + "/" + unique_name("no-such-queue")
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": missing, "MessageBody": "x"},
                "Retry": [{"ErrorEquals": ["SQS.QueueDoesNotExistException"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    events, last, signals = _drive(_start(definition, settings), settings)
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    assert _types(events).count("TaskFailed") == 3  # the first attempt and two retries
    assert len(signals) == 3
    assert {_details(event)["error"] for event in events if event.type == "TaskFailed"} == {
        "SQS.QueueDoesNotExistException"
    }


def test_a_callback_task_sends_its_token_then_waits(queue: str, settings: CallSettings, aws: Any) -> None:
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": queue, "MessageBody.$": "$$.Task.Token"},
                "End": True,
            }
        },
    }
    start = _start(definition, settings)
    events, last, signals = _drive(start, settings)
    assert isinstance(last, Suspended) and last.tokens and not last.calls
    received = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in received] == list(last.tokens)
    assert _types(events)[-3:] == ["TaskScheduled", "TaskStarted", "TaskSubmitted"]
    assert json.loads(_details(events[-1])["output"])["MessageId"] == received[0]["MessageId"]
    answer = TaskSuccess(last.tokens[0], '{"approved": true}', datetime.now(UTC))
    events, last, _ = _drive(start, settings, [*signals, answer])
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    assert json.loads(last.output_text or "") == {"approved": True}


def test_a_call_past_timeout_seconds_times_the_task_out(settings: CallSettings) -> None:
    with silent_endpoint() as endpoint:
        slow = calls_to(endpoint)
        definition = {
            "StartAt": "Publish",
            "States": {
                "Publish": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sns:publish",
                    "Parameters": {"TopicArn": f"arn:aws:sns:{REGION}:123456789012:t", "Message": "x"},
                    "TimeoutSeconds": 1,
                    "End": True,
                }
            },
        }
        events, last, _ = _drive(_start(definition, slow), slow)
    assert isinstance(last, Finished) and last.status == "FAILED", last
    assert last.error == "States.Timeout"
    assert _types(events)[-3:] == ["TaskStarted", "TaskTimedOut", "ExecutionFailed"]


def test_with_calls_off_an_unmocked_task_fails_as_before(queue: str) -> None:
    off = CallSettings.from_env({})
    definition = order_machine(queue)
    start = _start(definition, off)
    assert start.service_calls == frozenset()
    events, last, signals = _drive(start, off)
    assert isinstance(last, Finished) and last.status == "FAILED"
    assert last.error == "States.Runtime"
    assert "has no mock test case" in (last.cause or "")
    assert signals == []
    assert "TaskScheduled" not in _types(events)


def test_callable_resources_of_nested_states(settings: CallSettings) -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "M",
                        "States": {
                            "M": {
                                "Type": "Map",
                                "ItemProcessor": {
                                    "StartAt": "T",
                                    "States": {
                                        "T": {
                                            "Type": "Task",
                                            "Resource": "arn:aws:states:::sns:publish",
                                            "End": True,
                                        }
                                    },
                                },
                                "End": True,
                            }
                        },
                    }
                ],
                "Next": "A",
            },
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
                "Next": "S",
            },
            "S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync", "End": True},
        },
    }
    assert calls.callable_resources(json.dumps(definition), settings) == {"arn:aws:states:::sns:publish"}


def test_a_token_wait_that_times_out_ends_with_task_timed_out_alone() -> None:
    # AWS records TaskTimedOut as the call's last event, never a TaskFailed after it (the same
    # path a call past its TimeoutSeconds takes).
    from datetime import timedelta

    from interpreter.execution import TimerFired

    off = CallSettings.from_env({})
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs/q", "MessageBody.$": "$$.Task.Token"},
                "TimeoutSeconds": 5,
                "End": True,
            }
        },
    }
    start = _start(definition, off)
    _, waiting, _ = _drive(start, off)
    assert isinstance(waiting, Suspended) and waiting.wake_at is not None
    events, last, _ = _drive(start, off, [TimerFired(waiting.wake_at + timedelta(seconds=1))])
    assert isinstance(last, Finished) and last.error == "States.Timeout"
    assert _types(events)[-3:] == ["TaskStarted", "TaskTimedOut", "ExecutionFailed"]


def test_a_tasks_credentials_role_is_assumed_for_its_call(settings: CallSettings, aws: Any) -> None:
    # AWS "Task workflow state", "Credentials": the call is made with the role's credentials.
    # moto gives an assumed role's credentials the role's account, so a role of another account
    # finds no table: that shows the call was not made with the server's own credentials.
    table = create_table(aws, {"id": {"S": "known"}, "data": {"S": "here"}})
    definition = {
        "StartAt": "Own",
        "States": {
            "Own": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"id": {"S": "known"}}},
                "Credentials": {"RoleArn.$": "$.role"},
                "ResultSelector": {"data.$": "$.Item.data.S"},
                "ResultPath": "$.own",
                "Next": "Elsewhere",
            },
            "Elsewhere": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"id": {"S": "known"}}},
                "Credentials": {"RoleArn": "arn:aws:iam::111122223333:role/elsewhere"},
                "Catch": [
                    {
                        "ErrorEquals": ["DynamoDB.ResourceNotFoundException"],
                        "ResultPath": "$.error",
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }
    role = json.dumps({"role": "arn:aws:iam::123456789012:role/reader"})
    events, last, _ = _drive(_start(definition, settings, input_text=role), settings)
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    output = json.loads(last.output_text or "")
    assert output["own"] == {"data": "here"}
    assert output["error"]["Error"] == "DynamoDB.ResourceNotFoundException"
    assert _types(events).count("TaskFailed") == 1


def test_sns_and_eventbridge_errors_reach_retry_and_catch_by_name(settings: CallSettings, aws: Any) -> None:
    # The service's error under the integration's name is what Retry and Catch match: a missing
    # topic (SNS.NotFoundException) is retried, then caught; a put whose entry EventBridge
    # refuses fails the Task with EventBridge.FailedEntry (recorded name:
    # test_events_task_service/test_put_events_malformed_detail), caught by that name.
    topic = aws("sns").create_topic(Name=unique_name("topic"))["TopicArn"] + "-none"
    definition = {
        "StartAt": "Publish",
        "States": {
            "Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic, "Message": "hello"},
                "Retry": [{"ErrorEquals": ["SNS.NotFoundException"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": ["SNS.NotFoundException"], "ResultPath": "$.sns", "Next": "Put"}],
                "End": True,
            },
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {"Entries": [{"Source": "orders", "DetailType": "placed", "Detail": "{oops"}]},
                "Catch": [
                    {"ErrorEquals": ["EventBridge.FailedEntry"], "ResultPath": "$.events", "Next": "Done"}
                ],
                "End": True,
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }
    events, last, _ = _drive(_start(definition, settings), settings)
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    output = json.loads(last.output_text or "")
    assert output["sns"]["Error"] == "SNS.NotFoundException"
    assert output["events"]["Error"] == "EventBridge.FailedEntry"
    # Two attempts of Publish (one retry), one of Put.
    assert _types(events).count("TaskFailed") == 3


def test_an_object_message_body_is_sent_as_its_json_text(
    queue: str, settings: CallSettings, aws: Any
) -> None:
    # AWS "Wait for a Callback with Task Token": the callback example passes MessageBody as an
    # object holding the token; SQS receives its JSON text (moto refused the object before).
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": queue,
                    "MessageBody": {"Message": "approve?", "TaskToken.$": "$$.Task.Token", "n": [1, 2]},
                },
                "End": True,
            }
        },
    }
    _, last, _ = _drive(_start(definition, settings), settings)
    assert isinstance(last, Suspended) and last.tokens, last
    received = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in received] == [
        json.dumps({"Message": "approve?", "TaskToken": last.tokens[0], "n": [1, 2]}, separators=(",", ":"))
    ]
