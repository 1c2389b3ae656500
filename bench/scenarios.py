"""The benchmark's scenarios, as data: TestState request bodies exactly as boto3 would send them.

Each scenario is one request (JSON-bearing members such as ``definition``, ``input``,
``variables``, ``mock.result`` and ``stateConfiguration.mapItemReaderData`` are JSON *text*, as
the API takes them), the ``status`` it must answer, and the group its latency target belongs to
(issue 6: Pass, Choice and Task within 1.5x the floor over HTTP, the 100-item Map within 2x, the
Distributed Map under 50 ms). Every scenario comes in an INFO and a DEBUG form ("DEBUG inspection
on each"); the DEBUG form is named ``<base>:debug``.

A scenario the server does not answer as expected is not timed: the harness reports it as an
ERROR row with the answer's message (so a regression shows in the table instead of as a figure).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

__all__ = [
    "COLD_LOAD_DEFINITION",
    "ORDER",
    "Group",
    "Scenario",
    "all_scenarios",
    "http_request",
    "machine_definition",
    "text",
]

TARGET: Final = "AWSStepFunctions.TestState"
LEVELS: Final = ("INFO", "DEBUG")


class Group(StrEnum):
    """Which latency target a scenario is held to."""

    PASS = "pass"
    CHOICE = "choice"
    TASK = "task"
    MAP = "map"
    MACHINE = "machine"


@dataclass(frozen=True, slots=True)
class Scenario:
    """One TestState request to measure and the status its answer must carry."""

    name: str
    base: str
    group: Group
    level: str
    request: Mapping[str, Any]
    expected_status: str

    def body(self) -> bytes:
        """The request body as boto3 sends it (compact JSON, UTF-8)."""
        return json.dumps(self.request, separators=(",", ":")).encode()


def text(value: Any) -> str:
    """A JSON-bearing member: compact JSON text."""
    return json.dumps(value, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# The base requests (INFO and DEBUG forms are derived from each)
# --------------------------------------------------------------------------------------------
ORDER: Final[dict[str, Any]] = {
    "order": {
        "id": "A-1001",
        "customer": "ada",
        "items": [
            {"sku": "s-1", "price": 12.5, "qty": 2},
            {"sku": "s-2", "price": 3.0, "qty": 1},
            {"sku": "s-3", "price": 40.0, "qty": 1},
        ],
    }
}
"""The order the scenarios' definitions read (the 20-state machine's executions start with it)."""
_ORDER: Final[dict[str, Any]] = {
    **ORDER,
    "a": 40,
    "b": 2,
}


def _pass_jsonpath() -> dict[str, Any]:
    """Pass with JSONPath Parameters and intrinsic functions, ResultPath into the input."""
    state = {
        "Type": "Pass",
        "Parameters": {
            "sum.$": "States.MathAdd($.a, $.b)",
            "label.$": "States.Format('order {} for {}', $.order.id, $.order.customer)",
            "items.$": "$.order.items",
            "source": "bench",
        },
        "ResultPath": "$.computed",
        "Next": "Done",
    }
    return {"definition": text(state), "input": text(_ORDER)}


def _pass_jsonata() -> dict[str, Any]:
    """Pass in JSONata with Output and Assign (and a variable read)."""
    state = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Assign": {
            "total": "{% $sum($states.input.order.items.(price * qty)) %}",
            "count": "{% $count($states.input.order.items) %}",
        },
        "Output": {
            "customer": "{% $uppercase($states.input.order.customer) %}",
            "total": "{% $sum($states.input.order.items.(price * qty)) %}",
            "currency": "{% $currency %}",
        },
        "End": True,
    }
    return {"definition": text(state), "input": text(_ORDER), "variables": text({"currency": "EUR"})}


def _task_mock() -> dict[str, Any]:
    """Task with a mocked result, ResultSelector and ResultPath."""
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "price-order", "Payload.$": "$.order"},
        "ResultSelector": {
            "status.$": "$.StatusCode",
            "total.$": "$.Payload.total",
            "lines.$": "$.Payload.lines",
        },
        "ResultPath": "$.pricing",
        "End": True,
    }
    result = {
        "StatusCode": 200,
        "ExecutedVersion": "$LATEST",
        "Payload": {"total": 68.0, "lines": [{"sku": "s-1", "amount": 25.0}, {"sku": "s-3", "amount": 40.0}]},
    }
    return {"definition": text(state), "input": text(_ORDER), "mock": {"result": text(result)}}


def _task_retry_catch() -> dict[str, Any]:
    """Task with a mocked error, Retry (exhausted at retrierRetryCount 2) and Catch -> CAUGHT_ERROR."""
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "charge", "Payload.$": "$.order"},
        "Retry": [
            {"ErrorEquals": ["States.Timeout"], "MaxAttempts": 5},
            {
                "ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
                "IntervalSeconds": 2,
                "MaxAttempts": 2,
                "BackoffRate": 2.0,
            },
        ],
        "Catch": [
            {"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Recover"},
        ],
        "Next": "Done",
    }
    return {
        "definition": text(state),
        "input": text(_ORDER),
        "mock": {"errorOutput": {"error": "Lambda.ServiceException", "cause": "the service is unavailable"}},
        "stateConfiguration": {"retrierRetryCount": 2},
    }


def _choice_ten_rules() -> dict[str, Any]:
    """Choice with ten rules of assorted operators; only the last one matches (all ten evaluated)."""
    rules: list[dict[str, Any]] = [
        {"Variable": "$.n", "NumericEquals": 1, "Next": "R1"},
        {"Variable": "$.s", "StringEquals": "nope", "Next": "R2"},
        {"Variable": "$.flag", "BooleanEquals": False, "Next": "R3"},
        {
            "And": [{"Variable": "$.n", "NumericGreaterThan": 100}, {"Variable": "$.s", "IsString": True}],
            "Next": "R4",
        },
        {
            "Or": [{"Variable": "$.s", "StringMatches": "x*y"}, {"Variable": "$.n", "NumericLessThan": 0}],
            "Next": "R5",
        },
        {"Not": {"Variable": "$.missing", "IsPresent": False}, "Next": "R6"},
        {"Variable": "$.when", "TimestampLessThan": "2001-01-01T00:00:00Z", "Next": "R7"},
        {"Variable": "$.n", "NumericGreaterThanPath": "$.limit", "Next": "R8"},
        {"Variable": "$.tags[0]", "StringEquals": "blue", "Next": "R9"},
        {
            "And": [
                {"Variable": "$.n", "NumericGreaterThanEquals": 42},
                {"Variable": "$.s", "StringMatches": "ab*"},
                {"Variable": "$.when", "TimestampGreaterThan": "2020-01-01T00:00:00Z"},
            ],
            "Next": "R10",
        },
    ]
    state = {"Type": "Choice", "Choices": rules, "Default": "Fallback"}
    document = {
        "n": 42,
        "s": "abc",
        "flag": True,
        "when": "2024-05-01T12:00:00Z",
        "limit": 50,
        "tags": ["red"],
    }
    return {"definition": text(state), "input": text(document)}


def _map_inline() -> dict[str, Any]:
    """Inline Map over 100 items with ItemsPath, ItemSelector ($$.Map.Item.Index/Value) and a mock."""
    state = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {
            "index.$": "$$.Map.Item.Index",
            "value.$": "$$.Map.Item.Value",
            "batch.$": "$.batch",
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Work",
            "States": {"Work": {"Type": "Pass", "End": True}},
        },
        "ResultPath": "$.results",
        "End": True,
    }
    document = {"batch": "b-7", "items": [{"id": i, "name": f"item-{i}"} for i in range(100)]}
    results = [{"id": i, "ok": True} for i in range(100)]
    return {"definition": text(state), "input": text(document), "mock": {"result": text(results)}}


def _map_distributed() -> dict[str, Any]:
    """Distributed Map reading 10,000 items from mapItemReaderData, batched by 100 (100 mocked batches)."""
    state = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "b", "Key": "k"},
        },
        "ItemBatcher": {"MaxItemsPerBatch": 100},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": {"Type": "Pass", "End": True}},
        },
        "MaxConcurrency": 10,
        "End": True,
    }
    items = [{"id": i} for i in range(10_000)]  # about 100 KB of text: within the 256 KiB member limit
    batches = [{"batch": b, "processed": 100} for b in range(100)]
    return {
        "definition": text(state),
        "input": text({"job": "j-1"}),
        "mock": {"result": text(batches)},
        "stateConfiguration": {"mapItemReaderData": text(items)},
    }


def machine_definition() -> dict[str, Any]:
    """A 20-state JSONPath machine of every simple state type (also the cold-load subject)."""
    states: dict[str, Any] = {
        "Start": {
            "Type": "Pass",
            "Parameters": {"order.$": "$.order", "started.$": "$$.Execution.StartTime"},
            "Next": "Validate",
        },
        "Validate": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.order.items[0]", "IsPresent": True, "Next": "Normalize"},
                {"Variable": "$.order.id", "StringMatches": "A-*", "Next": "Reject"},
            ],
            "Default": "Reject",
        },
        "Normalize": {
            "Type": "Pass",
            "Parameters": {
                "id.$": "$.order.id",
                "count.$": "States.ArrayLength($.order.items)",
                "items.$": "$.order.items",
            },
            "ResultPath": "$.normal",
            "Next": "Price",
        },
        "Price": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "price", "Payload.$": "$.normal"},
            "ResultSelector": {"total.$": "$.Payload.total"},
            "ResultPath": "$.price",
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 3}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
            "Next": "Enrich",
        },
        "Enrich": {
            "Type": "Pass",
            "Parameters": {
                "id.$": "$.normal.id",
                "total.$": "$.price.total",
                "summary.$": "States.Format('{} items, total {}', $.normal.count, $.price.total)",
                "key.$": "States.UUID()",
                "hash.$": "States.Hash($.normal.id, 'SHA-256')",
            },
            "ResultPath": "$.enriched",
            "Next": "IsLarge",
        },
        "IsLarge": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.price.total", "NumericGreaterThan": 1000, "Next": "Review"}],
            "Default": "Reserve",
        },
        "Review": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.enriched"},
            },
            "ResultPath": "$.review",
            "Next": "Approved",
        },
        "Approved": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.review.approved", "BooleanEquals": True, "Next": "Reserve"}],
            "Default": "Reject",
        },
        "Reserve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.enriched.id"}}},
            "ResultPath": None,
            "Next": "Charge",
        },
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$.enriched"},
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 4}
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
            "ResultPath": "$.charge",
            "Next": "WaitForShipping",
        },
        "WaitForShipping": {"Type": "Wait", "Seconds": 3600, "Next": "Ship"},
        "Ship": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {
                "Entries": [{"Source": "shop", "DetailType": "Shipped", "Detail.$": "$.enriched"}]
            },
            "ResultPath": "$.shipped",
            "Next": "Notify",
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                "Message.$": "$.enriched.summary",
            },
            "ResultPath": None,
            "Next": "Audit",
        },
        "Audit": {"Type": "Pass", "Result": {"audited": True}, "ResultPath": "$.audit", "Next": "Cleanup"},
        "Cleanup": {"Type": "Pass", "InputPath": "$.enriched", "OutputPath": "$.id", "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Refund": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "refund", "Payload.$": "$"},
            "Next": "Failed",
        },
        "Reject": {"Type": "Pass", "Result": "rejected", "ResultPath": "$.outcome", "Next": "Rejected"},
        "Rejected": {"Type": "Fail", "Error": "Order.Rejected", "Cause": "the order was rejected"},
        "Failed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"},
    }
    if len(states) != 20:  # the scenario is "a 20-state definition"
        raise RuntimeError(f"the machine must have 20 states, has {len(states)}")
    return {"Comment": "bench: 20 states", "StartAt": "Start", "States": states}


COLD_LOAD_DEFINITION: Final = text(machine_definition())
"""The text cold-loaded by `bench.inprocess` (the same as the machine scenario's)."""


def _machine() -> dict[str, Any]:
    """The 20-state machine, testing its middle Pass state (intrinsics, context) by stateName."""
    document = {
        **_ORDER,
        "normal": {"id": "A-1001", "count": 3, "items": _ORDER["order"]["items"]},
        "price": {"total": 68.0},
    }
    return {"definition": COLD_LOAD_DEFINITION, "stateName": "Enrich", "input": text(document)}


# base name -> (group, expected status, request builder)
_BASES: Final[Mapping[str, tuple[Group, str, Callable[[], dict[str, Any]]]]] = {
    "pass-jsonpath": (Group.PASS, "SUCCEEDED", _pass_jsonpath),
    "pass-jsonata": (Group.PASS, "SUCCEEDED", _pass_jsonata),
    "task-mock": (Group.TASK, "SUCCEEDED", _task_mock),
    "task-retry-catch": (Group.TASK, "CAUGHT_ERROR", _task_retry_catch),
    "choice-10": (Group.CHOICE, "SUCCEEDED", _choice_ten_rules),
    "map-inline-100": (Group.MAP, "SUCCEEDED", _map_inline),
    "machine-20": (Group.MACHINE, "SUCCEEDED", _machine),
    "map-distributed-10k": (Group.MAP, "SUCCEEDED", _map_distributed),
}


def all_scenarios(name_filter: str | None = None) -> tuple[Scenario, ...]:
    """Every scenario (INFO form, then DEBUG form, base by base), or those whose name contains
    `name_filter`."""
    scenarios = []
    for base, (group, status, build) in _BASES.items():
        request = build()
        for level in LEVELS:
            name = base if level == "INFO" else f"{base}:{level.lower()}"
            if name_filter and name_filter not in name:
                continue
            scenarios.append(
                Scenario(
                    name=name,
                    base=base,
                    group=group,
                    level=level,
                    request={**request, "inspectionLevel": level},
                    expected_status=status,
                )
            )
    return tuple(scenarios)


# A SigV4 header as botocore signs TestState (the server reads the region from its scope).
_AUTHORIZATION: Final = (
    "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/states/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def http_request(body: bytes, host: str, port: int) -> bytes:
    """One complete, pre-encoded HTTP/1.1 keep-alive request for `body`, with boto3's headers."""
    head = (
        "POST / HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Accept-Encoding: identity\r\n"
        f"X-Amz-Target: {TARGET}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        "User-Agent: Boto3/1.43 md/Botocore#1.43 ua/2.1 os/linux lang/python#3.11 bench\r\n"
        "X-Amz-Date: 20250101T000000Z\r\n"
        f"Authorization: {_AUTHORIZATION}\r\n"
        "amz-sdk-invocation-id: 00000000-0000-0000-0000-000000000000\r\n"
        "amz-sdk-request: attempt=1; max=1\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body
