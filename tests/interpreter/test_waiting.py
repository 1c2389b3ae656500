"""Wait states: every duration/instant is checked as AWS checks it, and nothing ever sleeps."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter import ABSENT, ErrorName, Status, World, load_definition, run_state
from interpreter.definition.model import WaitState
from interpreter.errors import StatesError
from interpreter.scope import Scope
from interpreter.states.waiting import check_wait

NOW = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def _world() -> World:
    return World(now=NOW, rng=random.Random(11))


def _run(definition: dict[str, Any], input: Any, variables: dict[str, Any] | None = None) -> Any:
    loaded = load_definition(json.dumps(definition), None)
    return run_state(loaded, input=input, context={}, variables=variables or {}, world=_world())


def _wait(**fields: Any) -> dict[str, Any]:
    return {"Type": "Wait", "Next": "After", **fields}


# --------------------------------------------------------------------------------------------
# SecondsPath: the three causes recorded from AWS executions (derived/test_wait, test_logs)

SECONDS_PATH = "$.input.waitSeconds"


@pytest.mark.parametrize(
    ("input", "cause"),
    [
        ({}, "The SecondsPath parameter does not reference an input value: $.input.waitSeconds"),
        ({"input": {}}, "The SecondsPath parameter does not reference an input value: $.input.waitSeconds"),
        (
            {"input": {"waitSeconds": 1.5}},
            "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5",
        ),
        (
            {"input": {"waitSeconds": -1.5}},
            "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5",
        ),
        (
            {"input": {"waitSeconds": -1}},
            "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1",
        ),
    ],
)
def test_seconds_path_failures_have_the_recorded_causes(input: Any, cause: str) -> None:
    result = _run(_wait(SecondsPath=SECONDS_PATH), input)
    assert result.status is Status.FAILED
    assert result.error == "States.Runtime"
    assert result.cause == cause
    assert result.output is ABSENT
    assert result.next_state is None
    assert dict(result.inspection) == {"input": input, "afterInputPath": input}


@pytest.mark.parametrize("seconds", [0, 1, 99_999_999])
def test_seconds_path_accepts_non_negative_integers(seconds: int) -> None:
    input = {"input": {"waitSeconds": seconds}}
    result = _run(_wait(SecondsPath=SECONDS_PATH), input)
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, input, "After")
    assert result.error is None and result.cause is None


def test_seconds_path_is_resolved_after_input_path() -> None:
    result = _run(_wait(InputPath="$.inner", SecondsPath="$.s"), {"inner": {"s": 2}, "s": -1})
    assert (result.status, result.output) == (Status.SUCCEEDED, {"s": 2})
    assert dict(result.inspection) == {"input": {"inner": {"s": 2}, "s": -1}, "afterInputPath": {"s": 2}}


def test_seconds_path_may_read_a_variable() -> None:
    result = _run(_wait(SecondsPath="$delay"), {"a": 1}, variables={"delay": 3})
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, {"a": 1}, "After")
    assert dict(result.inspection) == {
        "input": {"a": 1},
        "afterInputPath": {"a": 1},
        "variables": {"delay": 3},
    }


def test_seconds_path_on_a_negative_variable_names_the_path() -> None:
    result = _run(_wait(SecondsPath="$delay"), {}, variables={"delay": -4})
    assert (result.status, result.error) == (Status.FAILED, "States.Runtime")
    assert result.cause == "The SecondsPath parameter references a negative value: $delay == -4"


# --------------------------------------------------------------------------------------------
# TimestampPath


@pytest.mark.parametrize(
    "timestamp",
    ["2016-08-18T17:33:00Z", "2016-08-18T17:33:00.123456789+05:30", "2099-01-01T00:00:00-18:00"],
)
def test_timestamp_path_accepts_valid_timestamps(timestamp: str) -> None:
    input = {"t": timestamp}
    result = _run(_wait(TimestampPath="$.t"), input)
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, input, "After")
    assert dict(result.inspection) == {"input": input, "afterInputPath": input}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2016-08-18T17:33:00", "2016-08-18T17:33:00"),
        ("2016-08-18t17:33:00z", "2016-08-18t17:33:00z"),
        ("2016-02-30T00:00:00Z", "2016-02-30T00:00:00Z"),
        ("not a date", "not a date"),
        (5, "5"),
        (None, "null"),
        ({"a": 1}, '{"a":1}'),
    ],
)
def test_timestamp_path_rejects_non_timestamps(value: Any, shown: str) -> None:
    result = _run(_wait(TimestampPath="$.t"), {"t": value})
    assert result.status is Status.FAILED
    assert result.error == "States.Runtime"
    # Recorded (executions test_base_scenarios/test_wait_timestamp_path__*): a string unquoted.
    assert result.cause == (
        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time"
        f" format string: $.t == {shown}"
    )


def test_timestamp_path_missing_value() -> None:
    result = _run(_wait(TimestampPath="$.t"), {"u": 1})
    assert (result.status, result.error) == (Status.FAILED, "States.Runtime")
    assert result.cause == "The TimestampPath parameter does not reference an input value: $.t"


# --------------------------------------------------------------------------------------------
# JSONata Seconds / Timestamp


def _jsonata_wait(**fields: Any) -> dict[str, Any]:
    return {"Type": "Wait", "QueryLanguage": "JSONata", "Next": "After", **fields}


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1.5, "1.5"), (-1, "-1"), ("5", '"5"'), (True, "true"), (None, "null"), ([1], "[1]")],
)
def test_jsonata_seconds_must_be_a_non_negative_integer(value: Any, shown: str) -> None:
    result = _run(_jsonata_wait(Seconds="{% $states.input.s %}"), {"s": value})
    assert result.status is Status.FAILED
    assert result.error == ErrorName.QUERY_EVALUATION_ERROR == "States.QueryEvaluationError"
    assert result.cause == (
        "The JSONata expression specified for the field 'Seconds' must evaluate to a non-negative"
        f" integer, but returned: {shown}"
    )
    assert dict(result.inspection) == {"input": {"s": value}}


@pytest.mark.parametrize("value", [0, 7, 99_999_999])
def test_jsonata_seconds_accepts_integers(value: int) -> None:
    result = _run(_jsonata_wait(Seconds="{% $states.input.s %}"), {"s": value})
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, {"s": value}, "After")
    assert dict(result.inspection) == {"input": {"s": value}}


def test_jsonata_seconds_undefined_is_a_query_evaluation_error() -> None:
    result = _run(_jsonata_wait(Seconds="{% $states.input.s %}"), {})
    assert (result.status, result.error) == (Status.FAILED, "States.QueryEvaluationError")
    assert result.cause == (
        "The JSONata expression '$states.input.s' specified for the field 'Seconds' returned nothing (undefined)."
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [("nope", '"nope"'), ("2016-08-18T17:33:00", '"2016-08-18T17:33:00"'), (7, "7"), (None, "null")],
)
def test_jsonata_timestamp_must_be_a_timestamp_string(value: Any, shown: str) -> None:
    result = _run(_jsonata_wait(Timestamp="{% $states.input.t %}"), {"t": value})
    assert result.status is Status.FAILED
    assert result.error == "States.QueryEvaluationError"
    assert result.cause == (
        "The JSONata expression specified for the field 'Timestamp' must evaluate to an ISO-8601"
        f" timestamp string, but returned: {shown}"
    )


def test_jsonata_timestamp_valid_and_output_applied() -> None:
    result = _run(
        _jsonata_wait(Timestamp="{% $states.input.t %}", Output={"x": "{% $states.input.a %}"}),
        {"t": "2016-08-18T17:33:00Z", "a": 1},
    )
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, {"x": 1}, "After")
    assert dict(result.inspection) == {"input": {"t": "2016-08-18T17:33:00Z", "a": 1}}


def test_jsonata_literal_timestamp_and_assign() -> None:
    result = _run(
        _jsonata_wait(Timestamp="2016-08-18T17:33:00Z", Assign={"v": "{% $states.input.a %}"}), {"a": 1}
    )
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, {"a": 1}, "After")
    assert dict(result.inspection) == {"input": {"a": 1}, "variables": {"v": 1}}


# --------------------------------------------------------------------------------------------
# Never sleeps


@pytest.mark.parametrize(
    ("definition", "input"),
    [
        (_wait(Seconds=99_999_999), {"a": 1}),
        (_wait(SecondsPath="$.s"), {"s": 99_999_999}),
        (_wait(Timestamp="9999-12-31T23:59:59Z"), {"a": 1}),
        (_wait(TimestampPath="$.t"), {"t": "9999-12-31T23:59:59Z"}),
        (_jsonata_wait(Seconds="{% 99999999 %}"), {"a": 1}),
        (_jsonata_wait(Timestamp="{% '9999-12-31T23:59:59Z' %}"), {"a": 1}),
    ],
)
def test_wait_never_sleeps(definition: dict[str, Any], input: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) called")

    monkeypatch.setattr(time, "sleep", no_sleep)  # a tripwire: the core must never call it
    result = _run(definition, input)
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, input, "After")


# --------------------------------------------------------------------------------------------
# check_wait directly (the function run_state calls)


def _scope(value: Any) -> Scope:
    return Scope(current=value, context={}, variables={}, state_input=value, world=_world())


def _compiled_wait(**fields: Any) -> WaitState:
    state = load_definition(json.dumps(_wait(**fields)), None).state
    assert isinstance(state, WaitState)
    return state


@pytest.mark.parametrize(
    ("fields", "value"),
    [
        ({"Seconds": 0}, {}),
        ({"Seconds": 10}, {}),
        ({"Timestamp": "2016-08-18T17:33:00Z"}, {}),
        ({"SecondsPath": "$.s"}, {"s": 5}),
        ({"TimestampPath": "$.t"}, {"t": "2016-08-18T17:33:00+01:00"}),
    ],
)
def test_check_wait_returns_none_when_valid(fields: dict[str, Any], value: Any) -> None:
    assert check_wait(_compiled_wait(**fields), _scope(value)) is None


@pytest.mark.parametrize(
    ("fields", "value", "error", "cause"),
    [
        (
            {"SecondsPath": "$.s"},
            {"s": 2.5},
            "States.Runtime",
            "The SecondsPath parameter cannot be parsed as a long value: $.s == 2.5",
        ),
        (
            {"SecondsPath": "$.s"},
            {"s": -3},
            "States.Runtime",
            "The SecondsPath parameter references a negative value: $.s == -3",
        ),
        (
            {"SecondsPath": "$.s"},
            {},
            "States.Runtime",
            "The SecondsPath parameter does not reference an input value: $.s",
        ),
        (
            {"TimestampPath": "$.t"},
            {},
            "States.Runtime",
            "The TimestampPath parameter does not reference an input value: $.t",
        ),
    ],
)
def test_check_wait_raises_states_errors(fields: dict[str, Any], value: Any, error: str, cause: str) -> None:
    with pytest.raises(StatesError) as raised:
        check_wait(_compiled_wait(**fields), _scope(value))
    assert (raised.value.error, raised.value.cause) == (error, cause)


@pytest.mark.parametrize("seconds", [0.0, 5.0])
def test_integral_seconds_written_as_floats_wait_like_integers(seconds: float) -> None:
    # Found by fuzz/test_core_props.py: "Seconds": 0.0 passed the schema and then failed inside.
    loaded = load_definition(json.dumps({"Type": "Wait", "Seconds": seconds, "Next": "N"}), None)
    result = run_state(loaded, input={"a": 1}, context={}, variables={}, world=World())
    assert (result.status, result.output, result.next_state) == ("SUCCEEDED", {"a": 1}, "N")
