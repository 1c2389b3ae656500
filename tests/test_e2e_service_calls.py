"""The real server with service calls on, against a real moto server: nothing mocked in between.

The server (gunicorn, `teststate.testing.start_server`) runs with ``TESTSTATE_SERVICE_CALLS=1``,
``AWS_ENDPOINT_URL`` naming moto, dummy credentials and ``AWS_REGION=us-east-1``; the tests talk to
it through boto3, create queues and tables in moto through boto3, and read back what the calls
did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.executions_support import finished
from tests.integrations.conftest import _credentials
from tests.integrations.support import create_table, order_machine, order_mocks, unique_name
from tests.moto_server import sfn_calling_moto
from teststate.executions import codec
from teststate.testing import ServerDidNotStart, start_server

__all__ = ["_credentials"]  # a fixture, used by name

ROLE = "arn:aws:iam::123456789012:role/sfn"

# Executions make their calls through the runner (teststate/executions/runner.py), which stores
# each result as a "call" signal (codec.SIGNAL_KINDS).
needs_runner_calls = pytest.mark.skipif(
    "call" not in codec.SIGNAL_KINDS, reason="the runner does not make service calls yet"
)


@pytest.fixture(scope="module")
def queue(aws: Any) -> str:
    return str(aws("sqs").create_queue(QueueName=unique_name("orders"))["QueueUrl"])


@pytest.fixture(scope="module")
def mock_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's mock configuration: the Lambda state mocked, the SQS state left to the real call."""
    path = tmp_path_factory.mktemp("mocks") / "mocks.json"
    path.write_text(json.dumps(order_mocks("Orders")))
    return path


@pytest.fixture(scope="module")
def sfn(moto_url: str, mock_file: Path) -> Iterator[Any]:
    with sfn_calling_moto(moto_url, {"TESTSTATE_MOCK_CONFIG": str(mock_file)}) as client:
        yield client


def _order_machine(queue: str) -> str:
    retry = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 4, "IntervalSeconds": 2}]
    return json.dumps(order_machine(queue, charge_retry=retry))


@needs_runner_calls
def test_a_mocked_lambda_state_and_a_real_sqs_message(sfn: Any, queue: str, aws: Any) -> None:
    machine = sfn.create_state_machine(name="Orders", definition=_order_machine(queue), roleArn=ROLE)
    started = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"] + "#Mixed", name="first", input='{"amount": 42}'
    )
    described = finished(sfn, started["executionArn"], timeout=20.0)
    assert described["status"] == "SUCCEEDED", described
    received = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"]
    assert [message["Body"] for message in received] == ["R-1"]
    assert json.loads(described["output"])["MessageId"] == received[0]["MessageId"]
    history = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
    types = [event["type"] for event in history]
    assert types.count("TaskSucceeded") == 2
    scheduled = [event["taskScheduledEventDetails"] for event in history if event["type"] == "TaskScheduled"]
    assert json.loads(scheduled[1]["parameters"]) == {"QueueUrl": queue, "MessageBody": "R-1"}


@needs_runner_calls
def test_an_aws_sdk_call_in_an_execution(sfn: Any, aws: Any) -> None:
    table = create_table(aws)
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.id"}}},
                "Next": "Again",
            },
            "Again": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"id": {"S": "order-1"}},
                    "ConditionExpression": "attribute_not_exists(id)",
                },
                "Catch": [{"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"], "Next": "Exists"}],
                "End": True,
            },
            "Exists": {"Type": "Pass", "End": True},
        },
    }
    machine = sfn.create_state_machine(
        name=unique_name("Sdk"), definition=json.dumps(definition), roleArn=ROLE
    )
    started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"id": "order-1"}')
    described = finished(sfn, started["executionArn"], timeout=20.0)
    assert described["status"] == "SUCCEEDED", described
    assert aws("dynamodb").get_item(TableName=table, Key={"id": {"S": "order-1"}})["Item"] == {
        "id": {"S": "order-1"}
    }
    assert json.loads(described["output"])["Error"] == "DynamoDb.ConditionalCheckFailedException"


def test_test_state_sends_a_real_message(sfn: Any, queue: str, aws: Any) -> None:
    definition = json.dumps(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": queue, "MessageBody.$": "$.text"},
            "End": True,
        }
    )
    answer = sfn.test_state(definition=definition, roleArn=ROLE, input='{"text": "from TestState"}')
    assert answer["status"] == "SUCCEEDED", answer
    received = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"]
    assert [message["Body"] for message in received] == ["from TestState"]
    assert json.loads(answer["output"])["MessageId"] == received[0]["MessageId"]


@needs_runner_calls
def test_start_sync_execution_makes_its_calls_within_the_request(sfn: Any, queue: str, aws: Any) -> None:
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue, "MessageBody": "sync"},
                "ResultSelector": {"id.$": "$.MessageId"},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(
        name=unique_name("Sync"), definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS"
    )
    answer = sfn.start_sync_execution(stateMachineArn=machine["stateMachineArn"])
    assert answer["status"] == "SUCCEEDED", answer
    received = aws("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"]
    assert [message["Body"] for message in received] == ["sync"]
    assert json.loads(answer["output"]) == {"id": received[0]["MessageId"]}


def test_calls_on_without_an_endpoint_stop_the_server_at_start() -> None:
    env = {"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": ""}
    with pytest.raises(ServerDidNotStart) as failed:
        start_server(workers=1, env=env, start_timeout=20).stop()
    assert "neither AWS_ENDPOINT_URL nor any AWS_ENDPOINT_URL_<SERVICE> names an endpoint" in str(
        failed.value
    )
