"""Text holding a lone surrogate (a ``\\ud800`` JSON escape in a request or a definition) is kept
exactly by the SQLite storage (`teststate.storage.db.storable`), and names nothing stored.

SQLite's text is UTF-8, which cannot carry a lone surrogate: such values used to make the
operations answer 500 (SendTaskFailure with such a token) or leave an execution RUNNING (its
cause could not be stored). Found by fuzz/test_executions_props.py and
fuzz/test_service_calls_props.py.
"""

from __future__ import annotations

import json
import time
from typing import Any

from teststate import create_app

ROLE = "arn:aws:iam::123456789012:role/r"
SURROGATE = "\ud800"


def _api() -> Any:
    client = create_app({"TESTING": False}).test_client()

    def call(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = client.post(
            "/",
            data=json.dumps(body),
            headers={
                "X-Amz-Target": f"AWSStepFunctions.{operation}",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
        return answer.status_code, json.loads(answer.get_data())

    return call


def _ended(api: Any, arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _, described = api("DescribeExecution", {"executionArn": arn})
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.02)
    raise AssertionError(f"{arn} still RUNNING")


def test_an_input_output_and_cause_holding_one_are_kept_exactly() -> None:
    api = _api()
    definition = {
        "StartAt": "Echo",
        "States": {
            "Echo": {"Type": "Pass", "Next": "Fail"},
            "Fail": {"Type": "Fail", "Error": "E", "Cause": f"bad {SURROGATE} cause"},
        },
    }
    status, created = api(
        "CreateStateMachine", {"name": "surrogates", "definition": json.dumps(definition), "roleArn": ROLE}
    )
    assert status == 200, created
    text = json.dumps({"a": SURROGATE}, ensure_ascii=False)  # the input text holds the raw surrogate
    status, started = api("StartExecution", {"stateMachineArn": created["stateMachineArn"], "input": text})
    assert status == 200, started
    described = _ended(api, started["executionArn"])
    assert (described["status"], described["input"]) == ("FAILED", text)
    assert described["cause"] == f"bad {SURROGATE} cause"
    _, history = api("GetExecutionHistory", {"executionArn": started["executionArn"]})
    failed = history["events"][-1]["executionFailedEventDetails"]
    assert (failed["error"], failed["cause"]) == (described["error"], described["cause"])


def test_an_identifier_holding_one_names_nothing() -> None:
    api = _api()
    arn = f"arn:aws:states:us-east-1:123456789012:execution:m:{SURROGATE}"
    for operation, body, error in (
        ("SendTaskFailure", {"taskToken": SURROGATE}, "InvalidToken"),
        ("SendTaskSuccess", {"taskToken": SURROGATE, "output": "{}"}, "InvalidToken"),
        ("DescribeExecution", {"executionArn": arn}, "ExecutionDoesNotExist"),
        ("StopExecution", {"executionArn": arn}, "ExecutionDoesNotExist"),
    ):
        status, answer = api(operation, body)
        assert (status, answer["__type"].rsplit("#", 1)[-1]) == (400, error), (operation, answer)
