"""Inputs that are legal JSON text but awkward for Python: never a 5xx, never lost data."""

from __future__ import annotations

import json
from typing import Any

import pytest

H = {"X-Amz-Target": "AWSStepFunctions.TestState"}
PASS = '{"Type": "Pass", "End": true}'


def _post(client: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    answer = client.post("/", data=json.dumps(body), headers=H)
    return answer.status_code, json.loads(answer.get_data())


@pytest.mark.parametrize(
    ("member", "text", "code", "message"),
    [
        (
            "input",
            '{"a": 1e400}',
            "InvalidExecutionInput",
            "Invalid State Machine Execution Input: 'Number out of range: 1e400'",
        ),
        (
            "input",
            "[-1E+999]",
            "InvalidExecutionInput",
            "Invalid State Machine Execution Input: 'Number out of range: -1E+999'",
        ),
        (
            "definition",
            '{"Type": "Pass", "Result": 1e400, "End": true}',
            "InvalidDefinition",
            "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: Number out of range: 1e400'",
        ),
    ],
)
def test_numbers_beyond_double_range_are_refused_as_invalid_json(
    client: Any, member: str, text: str, code: str, message: str
) -> None:
    body = {"definition": PASS, member: text}
    status, payload = _post(client, body)
    assert status == 400
    assert payload["__type"].endswith(f"#{code}") and payload["message"] == message


@pytest.mark.parametrize(
    "body",
    [
        {"definition": PASS, "input": '"\\ud800"'},
        {"definition": '{"Type": "Pass", "Result": {"k\\udfff": "\\ud83d"}, "End": true}'},
    ],
)
def test_lone_surrogate_escapes_survive_the_round_trip(client: Any, body: dict[str, Any]) -> None:
    answer = client.post("/", data=json.dumps(body), headers=H)
    assert answer.status_code == 200
    wire = answer.get_data()
    wire.decode("utf-8")  # the answer is valid UTF-8 ...
    output = json.loads(json.loads(wire)["output"])  # ... and holds the same value
    expected = json.loads(body["input"]) if "input" in body else json.loads(body["definition"])["Result"]
    assert output == expected


def test_huge_integers_keep_every_digit(client: Any) -> None:
    status, payload = _post(client, {"definition": PASS, "input": '{"a": 123456789012345678901234567890}'})
    assert status == 200 and payload["output"] == '{"a":123456789012345678901234567890}'
