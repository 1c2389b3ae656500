"""Helpers shared by the service-call tests (here and ``tests/test_e2e_service_calls.py``).

Plain functions, not fixtures: names unique per run, a DynamoDB table in moto, an endpoint that
never answers, and the README's order workflow (a mocked Lambda call, then a real SQS message)
with the mock configuration that mocks its Lambda state.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import HTTPServer
from typing import Any, TypeVar

from teststate import create_app
from teststate.integrations import CallSettings

_Server = TypeVar("_Server", bound=HTTPServer)


def unique_name(prefix: str) -> str:
    """`prefix` and a random suffix: moto's server lives for the session, names must not clash."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_table(aws: Any, *items: dict[str, Any]) -> str:
    """A new on-demand table keyed by the string ``id``, holding `items`; its name."""
    name = unique_name("table")
    dynamodb = aws("dynamodb")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for item in items:
        dynamodb.put_item(TableName=name, Item=item)
    return name


def calls_to(endpoint: str) -> CallSettings:
    """Service calls on, every service at `endpoint`."""
    return CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": endpoint})


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """The URL of a socket that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@contextmanager
def serving(server: _Server) -> Iterator[_Server]:
    """`server` (an ``http.server`` on a loopback port) answering from a thread until the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def in_process_test_state(settings: CallSettings) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function sending a TestState request body through the whole request path of an
    in-process app with `settings`; the answer's JSON (asserted HTTP 200)."""
    client = create_app({"TESTING": False, "TESTSTATE_SERVICE_CALLS": settings}).test_client()

    def send(body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(
            "/",
            data=json.dumps(body),
            headers={
                "X-Amz-Target": "AWSStepFunctions.TestState",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
        assert answer.status_code == 200, answer.data
        return dict(json.loads(answer.data))

    return send


def order_machine(queue: str, *, charge_retry: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The README's workflow: a Lambda call (``Charge``, mocked), then an SQS message to `queue`."""
    charge: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "charge", "Payload": "{% $states.input %}"},
    }
    if charge_retry is not None:
        charge["Retry"] = charge_retry
    charge["Assign"] = {"receipt": "{% $states.result.Payload.receipt %}"}
    charge["Next"] = "Notify"
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Charge",
        "States": {
            "Charge": charge,
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Arguments": {"QueueUrl": queue, "MessageBody": "{% $receipt %}"},
                "End": True,
            },
        },
    }


def order_mocks(machine: str) -> dict[str, Any]:
    """A mock configuration whose test case ``Mixed`` of `machine` mocks ``Charge`` alone (receipt R-1)."""
    return {
        "StateMachines": {machine: {"TestCases": {"Mixed": {"Charge": "ChargeOk"}}}},
        "MockedResponses": {
            "ChargeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"receipt": "R-1"}}}}
        },
    }
