"""TestState of a Task without a mock, with service calls on: the service really called (moto).

The app is built in process with calls on (the `CallSettings` of a moto server, as
``TESTSTATE_SERVICE_CALLS=1 AWS_ENDPOINT_URL=<moto>`` gives); requests go through the whole
request path (`teststate.app`), and the test reads what the call did through boto3.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from teststate import create_app
from teststate.integrations import CallSettings
from teststate.operations.test_state_calls import MSG_CALLBACK_TASK, MSG_NO_ROLE, MSG_OFFLINE_TASK

from .conftest import REGION
from .support import calls_to, create_table, silent_endpoint, unique_name

ROLE = "arn:aws:iam::123456789012:role/sfn"
TARGET = "AWSStepFunctions.TestState"


def _sender(settings: CallSettings | None) -> Any:
    """POST one TestState request to an app with `settings` (None: calls off); (HTTP status, answer)."""
    config: dict[str, Any] = {"TESTING": False}
    if settings is not None:
        config["TESTSTATE_SERVICE_CALLS"] = settings
    client = create_app(config).test_client()

    def send(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = client.post(
            "/",
            data=json.dumps(body),
            headers={"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.0"},
        )
        return answer.status_code, json.loads(answer.data)

    return send


@pytest.fixture
def test_state(settings: CallSettings) -> Any:
    """POST one TestState request to an app with calls on; (HTTP status, answer)."""
    return _sender(settings)


@pytest.fixture(scope="module")
def queue(aws: Any) -> str:
    return str(aws("sqs").create_queue(QueueName=unique_name("queue"))["QueueUrl"])


@pytest.fixture(scope="module")
def table(aws: Any) -> str:
    return create_table(aws, {"id": {"S": "known"}, "data": {"S": "HelloWorld"}})


def _task(resource: str, **members: Any) -> str:
    return json.dumps({"Type": "Task", "Resource": resource, "End": True, **members})


def test_send_message_puts_a_real_message_in_the_queue(test_state: Any, queue: str, aws: Any) -> None:
    definition = _task(
        "arn:aws:states:::sqs:sendMessage",
        Parameters={"QueueUrl": queue, "MessageBody.$": "$.body"},
        ResultSelector={"MessageId.$": "$.MessageId", "MD5.$": "$.MD5OfMessageBody"},
    )
    status, answer = test_state(
        {"definition": definition, "roleArn": ROLE, "input": '{"body": "hello"}', "inspectionLevel": "DEBUG"}
    )
    assert status == 200, answer
    assert answer["status"] == "SUCCEEDED"
    output = json.loads(answer["output"])
    received = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in received] == ["hello"]
    assert output == {"MessageId": received[0]["MessageId"], "MD5": received[0]["MD5OfBody"]}
    # The call's result is the state's result, reported like a mocked one.
    inspection = answer["inspectionData"]
    assert json.loads(inspection["afterParameters"]) == {"QueueUrl": queue, "MessageBody": "hello"}
    assert json.loads(inspection["result"])["MessageId"] == received[0]["MessageId"]


def test_get_item_of_a_real_item(test_state: Any, table: str) -> None:
    definition = json.dumps(
        {
            "Type": "Task",
            "QueryLanguage": "JSONata",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Arguments": {"TableName": table, "Key": {"id": {"S": "{% $states.input.id %}"}}},
            "Output": "{% $states.result.Item %}",
            "End": True,
        }
    )
    status, answer = test_state({"definition": definition, "roleArn": ROLE, "input": '{"id": "known"}'})
    assert status == 200, answer
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"data": {"S": "HelloWorld"}, "id": {"S": "known"}}


def test_conditional_check_failure_is_caught_under_its_aws_name(test_state: Any, table: str) -> None:
    definition = _task(
        "arn:aws:states:::dynamodb:putItem",
        Parameters={
            "TableName": table,
            "Item": {"id": {"S": "known"}},
            "ConditionExpression": "attribute_not_exists(id)",
        },
        Catch=[
            {
                "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                "ResultPath": "$.error",
                "Next": "Handled",
            }
        ],
    )
    machine = json.dumps(
        {
            "StartAt": "Put",
            "States": {
                "Put": {k: v for k, v in json.loads(definition).items() if k != "End"} | {"Next": "Handled"},
                "Handled": {"Type": "Pass", "End": True},
            },
        }
    )
    status, answer = test_state({"definition": machine, "stateName": "Put", "roleArn": ROLE, "input": "{}"})
    assert status == 200, answer
    assert answer["status"] == "CAUGHT_ERROR"
    assert answer["nextState"] == "Handled"
    error = json.loads(answer["output"])["error"]
    assert error["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert "conditional request failed" in error["Cause"]


def test_a_missing_queue_is_retried_then_caught(test_state: Any, queue: str) -> None:
    missing = queue.rsplit("/", 1)[0] + "/" + unique_name("no-such-queue")
    machine = json.dumps(
        {
            "StartAt": "Send",
            "States": {
                "Send": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"QueueUrl": missing, "MessageBody": "x"},
                    "Retry": [{"ErrorEquals": ["SQS.QueueDoesNotExistException"], "MaxAttempts": 2}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                    "Next": "Done",
                },
                "Handled": {"Type": "Pass", "End": True},
                "Done": {"Type": "Succeed"},
            },
        }
    )
    request = {"definition": machine, "stateName": "Send", "roleArn": ROLE, "inspectionLevel": "DEBUG"}
    status, first = test_state(request)
    assert status == 200, first
    assert first["status"] == "RETRIABLE"
    assert first["error"] == "SQS.QueueDoesNotExistException"
    assert first["inspectionData"]["errorDetails"] == {"retryBackoffIntervalSeconds": 1, "retryIndex": 0}
    status, last = test_state(request | {"stateConfiguration": {"retrierRetryCount": 2}})
    assert status == 200, last
    assert last["status"] == "CAUGHT_ERROR"
    assert last["nextState"] == "Handled"
    assert json.loads(last["output"])["Error"] == "SQS.QueueDoesNotExistException"


def test_aws_sdk_parameters_the_api_does_not_know_fail_the_state(test_state: Any, table: str) -> None:
    definition = _task(
        "arn:aws:states:::aws-sdk:dynamodb:getItem",
        Parameters={"TableName": table, "Key": {"id": {"S": "known"}}, "NoSuchMember": 1},
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "X"}],
    )
    definition = json.dumps(
        {
            "StartAt": "Get",
            "States": {
                "Get": {k: v for k, v in json.loads(definition).items() if k != "End"} | {"Next": "X"},
                "X": {"Type": "Pass", "End": True},
            },
        }
    )
    status, answer = test_state({"definition": definition, "stateName": "Get", "roleArn": ROLE})
    assert status == 200, answer
    # States.Runtime: no Catch handles it.
    assert answer["status"] == "FAILED"
    assert answer["error"] == "States.Runtime"
    assert "could not be used to start the Task" in answer["cause"]


def test_a_refused_connection_is_the_error_aws_reports(settings: CallSettings) -> None:
    from teststate.testing import free_loopback_port

    send = _sender(calls_to(f"http://127.0.0.1:{free_loopback_port()}"))
    definition = _task(
        "arn:aws:states:::sqs:sendMessage",
        Parameters={"QueueUrl": f"http://127.0.0.1/000000000000/{unique_name('q')}", "MessageBody": "x"},
    )
    status, body = send({"definition": definition, "roleArn": ROLE})
    assert status == 200
    assert body["status"] == "FAILED"
    assert body["error"] == "SQS.SdkClientException"


def test_a_slow_call_is_bounded_by_timeout_seconds(test_state: Any) -> None:
    # A listener that accepts and never answers: the call times out after TimeoutSeconds.
    with silent_endpoint() as endpoint:
        send = _sender(calls_to(endpoint))
        definition = _task(
            "arn:aws:states:::sns:publish",
            Parameters={"TopicArn": f"arn:aws:sns:{REGION}:123456789012:t", "Message": "x"},
            TimeoutSeconds=1,
        )
        _, answer = send({"definition": definition, "roleArn": ROLE})
    assert answer["status"] == "FAILED"
    assert answer["error"] == "States.Timeout"


def test_rules_before_the_call_keep_their_answers(test_state: Any, queue: str) -> None:
    definition = _task("arn:aws:states:::sqs:sendMessage", Parameters={"QueueUrl": queue, "MessageBody": "x"})
    status, answer = test_state({"definition": definition})
    assert (status, answer["message"]) == (400, MSG_NO_ROLE)
    callback = _task(
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        Parameters={"QueueUrl": queue, "MessageBody.$": "$$.Task.Token"},
    )
    status, answer = test_state({"definition": callback, "roleArn": ROLE})
    assert (status, answer["message"]) == (400, MSG_CALLBACK_TASK)
    # A Resource the library cannot call keeps asking for a mock.
    ecs = _task("arn:aws:states:::ecs:runTask", Parameters={"Cluster": "c"})
    status, answer = test_state({"definition": ecs, "roleArn": ROLE})
    assert (status, answer["message"]) == (400, MSG_OFFLINE_TASK)


def test_with_calls_off_an_unmocked_task_answers_as_before(queue: str, aws: Any) -> None:
    send = _sender(None)
    definition = _task(
        "arn:aws:states:::sqs:sendMessage", Parameters={"QueueUrl": queue, "MessageBody": "off"}
    )
    status, body = send({"definition": definition, "roleArn": ROLE})
    assert status == 400
    assert body["__type"].endswith("#ValidationException")
    assert body["message"] == MSG_OFFLINE_TASK
    assert "Messages" not in aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=0)
