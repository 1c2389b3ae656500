"""Map and Parallel in the core: items, ItemSelector, thresholds, the mock, inspection."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter import (
    ABSENT,
    Mock,
    MockError,
    StateConfiguration,
    Status,
    TestResult,
    World,
    default_context,
    load_definition,
    run_state,
)
from interpreter.errors import IterationCountError
from interpreter.map.state import THRESHOLD_CAUSE, Tolerance
from interpreter.states.run import MAX_PAYLOAD_BYTES

NOW = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
PROCESSOR = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}
DISTRIBUTED = {**PROCESSOR, "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}
THRESHOLD = "States.ExceedToleratedFailureThreshold"
NO_CONFIGURATION = StateConfiguration()


def run(
    definition: Any,
    input: Any,
    *,
    mock: Mock | None = None,
    state_name: str | None = None,
    context: Any = None,
    config: StateConfiguration = NO_CONFIGURATION,
) -> TestResult:
    loaded = load_definition(json.dumps(definition), state_name)
    return run_state(
        loaded,
        input=input,
        context={} if context is None else context,
        variables={},
        world=World(now=NOW, rng=random.Random(3)),
        mock=mock,
        config=config,
    )


def map_state(**fields: Any) -> dict[str, Any]:
    return {"Type": "Map", "ItemProcessor": PROCESSOR, "End": True, **fields}


def answer(result: TestResult) -> dict[str, Any]:
    """The result as a plain dict, absent members left out."""
    out: dict[str, Any] = {"status": str(result.status)}
    if result.output is not ABSENT:
        out["output"] = result.output
    for key, value in (("error", result.error), ("cause", result.cause), ("next", result.next_state)):
        if value is not None:
            out[key] = str(value)
    out["inspection"] = dict(result.inspection)
    return out


# --------------------------------------------------------------------------------------------
# Threshold arithmetic (ASL: more than the count, or a larger share than the percentage)


@pytest.mark.parametrize(
    ("count", "percentage", "failures", "iterations", "exceeded"),
    [
        (1, None, 0, 3, False),
        (1, None, 1, 3, False),  # equal to the count is tolerated
        (1, None, 2, 3, True),
        (0, None, 1, 1, True),
        (0, None, 0, 0, False),
        (None, 50.0, 1, 2, False),  # exactly 50% of 2
        (None, 50.0, 2, 3, True),  # 66.7%
        (None, 33.3, 1, 3, True),  # 33.33...% > 33.3
        (None, 33.4, 1, 3, False),
        (None, 0.0, 1, 1000, True),
        (None, 100.0, 7, 7, False),
        (None, 10.0, 0, 0, False),  # no iterations: no share at all
        (5, 10.0, 2, 10, True),  # either threshold: the percentage is exceeded
        (1, 90.0, 2, 10, True),  # ... or the count
        (5, 50.0, 2, 10, False),
    ],
)
def test_threshold_arithmetic(
    count: int | None, percentage: float | None, failures: int, iterations: int, exceeded: bool
) -> None:
    assert Tolerance(count, percentage).exceeded_by(failures, iterations) is exceeded


# --------------------------------------------------------------------------------------------
# Items: ItemsPath (JSONPath), Items (JSONata)


def test_items_path_selects_the_items_and_is_reported() -> None:
    result = run(
        map_state(InputPath="$.in", ItemsPath="$.values", MaxConcurrency=2),
        {"in": {"values": [1, 2]}, "other": 0},
        mock=Mock(result=["a", "b"]),
    )
    assert answer(result) == {
        "status": "SUCCEEDED",
        "output": ["a", "b"],
        "inspection": {
            "input": {"in": {"values": [1, 2]}, "other": 0},
            "afterInputPath": {"values": [1, 2]},
            "afterItemsPath": [1, 2],
            "maxConcurrency": 2,
            "afterResultSelector": ["a", "b"],
            "afterResultPath": ["a", "b"],
        },
    }


@pytest.mark.parametrize(
    ("items_path", "cause"),
    [
        ("$.object", 'Reference path "$.object" must point to array.'),
        ("$$", 'Reference path "$" must point to array.'),  # recorded: $$ is named "$"
        ("$$.Execution.Input", 'Reference path "$.Execution.Input" must point to array.'),  # recorded
    ],
)
def test_items_path_must_point_to_an_array(items_path: str, cause: str) -> None:
    input = {"object": {"a": 1}}
    result = run(
        map_state(ItemsPath=items_path),
        input,
        mock=Mock(result=[]),
        context={"Execution": {"Input": {"a": 1}}},
    )
    # Recorded: nothing after the items is evaluated or reported (no maxConcurrency).
    assert answer(result) == {
        "status": "FAILED",
        "error": "States.Runtime",
        "cause": cause,
        "inspection": {"input": input, "afterInputPath": input},
    }


def test_items_path_that_selects_nothing_fails_the_state() -> None:
    result = run(map_state(ItemsPath="$.missing"), {}, mock=Mock(result=[]))
    assert (result.status, result.error) == (Status.FAILED, "States.Runtime")
    assert result.cause is not None and "$.missing" in result.cause


def test_jsonata_items_and_default_items() -> None:
    expression = map_state(
        QueryLanguage="JSONata", Items="{% $states.input.v %}", Output="{% $states.result %}"
    )
    assert run(expression, {"v": [1]}, mock=Mock(result=[9])).output == [9]
    literal = map_state(QueryLanguage="JSONata", Items=[1, 2, 3])
    assert dict(run(literal, {}, mock=Mock(result=[0, 0, 0])).inspection) == {
        "input": {},
        "maxConcurrency": 0,
    }
    default = map_state(QueryLanguage="JSONata")
    assert run(default, [1, 2], mock=Mock(result=[1, 2])).status is Status.SUCCEEDED


def test_jsonata_items_must_be_an_array() -> None:
    result = run(
        map_state(QueryLanguage="JSONata", Items="{% $states.input.v %}"), {"v": "x"}, mock=Mock(result=[])
    )
    assert (result.status, result.error) == (Status.FAILED, "States.QueryEvaluationError")
    assert result.cause == (
        "The JSONata expression '$states.input.v' specified for the field 'Items' returned an unexpected"
        " result type. Expected 'array', but was 'string' for value: \"x\""
    )


# --------------------------------------------------------------------------------------------
# ItemSelector (and the legacy Parameters of an Iterator Map)


def test_item_selector_sees_the_item_context_and_the_effective_input() -> None:
    selector = {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "tag.$": "$.tag"}
    result = run(
        map_state(ItemsPath="$.items", ItemSelector=selector),
        {"items": ["a", "b"], "tag": 7},
        mock=Mock(result=[1, 2]),
    )
    assert result.inspection["afterItemSelector"] == [
        {"index": 0, "value": "a", "tag": 7},
        {"index": 1, "value": "b", "tag": 7},
    ]


def test_legacy_iterator_parameters_select_each_item() -> None:
    definition = {
        "Type": "Map",
        "Iterator": PROCESSOR,
        "Parameters": {"v.$": "$$.Map.Item.Value"},
        "End": True,
    }
    result = run(definition, [1, 2], mock=Mock(result=[]))
    assert result.inspection["afterItemSelector"] == [{"v": 1}, {"v": 2}]
    assert "afterParameters" not in result.inspection


def test_jsonata_item_selector() -> None:
    definition = map_state(
        QueryLanguage="JSONata",
        ItemSelector={
            "i": "{% $states.context.Map.Item.Index %}",
            "double": "{% $states.context.Map.Item.Value * 2 %}",
        },
    )
    result = run(definition, [5, 6], mock=Mock(result=[]))
    assert result.inspection["afterItemSelector"] == [{"i": 0, "double": 10}, {"i": 1, "double": 12}]


def test_selected_items_are_held_to_the_payload_quota() -> None:
    big = "x" * (MAX_PAYLOAD_BYTES // 4)
    definition = map_state(
        ItemsPath="$.items", ItemSelector={"all.$": "$"}
    )  # every item gets the whole input
    result = run(definition, {"items": [1, 2, 3, 4, 5], "big": big}, mock=Mock(result=[]))
    assert (result.status, result.error) == (Status.FAILED, "States.DataLimitExceeded")


def test_a_failing_selector_fails_the_state() -> None:
    result = run(map_state(ItemSelector={"v.$": "$.nope"}), [1], mock=Mock(result=[]))
    assert (result.status, result.error) == (Status.FAILED, "States.Runtime")


# --------------------------------------------------------------------------------------------
# MaxConcurrency and the tolerances: literal, path, JSONata (recorded: reported when declared)


@pytest.mark.parametrize(
    ("fields", "input", "reported"),
    [
        ({}, [1], {"maxConcurrency": 0}),
        ({"MaxConcurrency": 3}, [1], {"maxConcurrency": 3}),
        ({"MaxConcurrencyPath": "$[0]"}, [4], {"maxConcurrency": 4}),
        ({"ToleratedFailureCount": 2}, [1], {"maxConcurrency": 0, "toleratedFailureCount": 2}),
        ({"ToleratedFailureCountPath": "$[0]"}, [1], {"maxConcurrency": 0, "toleratedFailureCount": 1}),
        (
            {"ToleratedFailurePercentage": 12.5},
            [1],
            {"maxConcurrency": 0, "toleratedFailurePercentage": 12.5},
        ),
        (
            {"ToleratedFailurePercentagePath": "$[0]"},
            [1],
            {"maxConcurrency": 0, "toleratedFailurePercentage": 1.0},
        ),
    ],
)
def test_map_run_settings_are_reported(fields: dict[str, Any], input: Any, reported: dict[str, Any]) -> None:
    inspection = dict(run(map_state(**fields), input, mock=Mock(result=[])).inspection)
    assert {key: inspection[key] for key in inspection if key in reported} == reported
    assert set(reported) <= set(inspection)
    assert isinstance(inspection.get("toleratedFailurePercentage", 0.0), float)


def test_jsonata_settings_evaluate() -> None:
    definition = map_state(
        QueryLanguage="JSONata", MaxConcurrency="{% $variable := 1 %}", ToleratedFailurePercentage="{% 5 %}"
    )
    assert dict(run(definition, [1], mock=Mock(result=[1])).inspection) == {
        "input": [1],
        "maxConcurrency": 1,
        "toleratedFailurePercentage": 5.0,
    }


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"MaxConcurrencyPath": "$.n"}, "States.Runtime"),
        ({"ToleratedFailureCountPath": "$.nope"}, "States.Runtime"),
        ({"ToleratedFailurePercentagePath": "$.n"}, "States.Runtime"),  # 150 > 100
    ],
)
def test_bad_settings_fail_the_state(fields: dict[str, Any], error: str) -> None:
    definition = map_state(ItemsPath="$.items", **fields)
    result = run(
        definition, {"items": [], "n": 150 if "Percentage" in str(fields) else -1}, mock=Mock(result=[])
    )
    assert (result.status, result.error) == (Status.FAILED, error)


# --------------------------------------------------------------------------------------------
# mapIterationFailureCount against the threshold, then Retry/Catch

CATCHING = map_state(
    ToleratedFailureCount=1,
    Catch=[{"ErrorEquals": [THRESHOLD], "Next": "Handle", "ResultPath": "$.error"}],
)


@pytest.mark.parametrize(
    ("definition", "failures", "status", "error"),
    [
        (CATCHING, 1, Status.SUCCEEDED, None),
        (CATCHING, 2, Status.CAUGHT_ERROR, THRESHOLD),
        (
            map_state(ToleratedFailureCount=1),
            2,
            Status.FAILED,
            THRESHOLD,
        ),  # declared, unhandled (not recorded; ours)
        (map_state(), 3, Status.SUCCEEDED, None),  # no tolerance declared: no threshold (recorded)
        (map_state(ToleratedFailurePercentage=50), 2, Status.SUCCEEDED, None),  # 2 of 4 = 50%
        (map_state(ToleratedFailurePercentage=50), 3, Status.FAILED, THRESHOLD),
        (
            map_state(ToleratedFailureCount=0, Retry=[{"ErrorEquals": ["States.ALL"]}]),
            1,
            Status.RETRIABLE,
            THRESHOLD,
        ),
    ],
)
def test_failure_count_against_the_threshold(
    definition: dict[str, Any], failures: int, status: Status, error: str | None
) -> None:
    result = run(
        {**definition, "ItemsPath": "$.items"},
        {"items": [1, 2, 3, 4]},
        mock=Mock(result=[0, 0, 0, 0]),
        config=StateConfiguration(map_iteration_failure_count=failures),
    )
    assert (result.status, result.error) == (status, error)
    if error is not None:
        assert result.cause == THRESHOLD_CAUSE
    if status is Status.CAUGHT_ERROR:
        assert result.output == {
            "items": [1, 2, 3, 4],
            "error": {"Error": THRESHOLD, "Cause": THRESHOLD_CAUSE},
        }
        assert result.next_state == "Handle"


def test_failure_count_above_the_iterations_is_a_request_error() -> None:
    with pytest.raises(IterationCountError) as raised:
        run(
            map_state(),
            [1, 1, 1],
            mock=Mock(result=[1, 1, 1]),
            config=StateConfiguration(map_iteration_failure_count=4),
        )
    assert str(raised.value) == (
        "Map iteration failure count must be less than or equal to the number of Map iterations"
    )
    # equal to the iterations is accepted
    result = run(
        map_state(),
        [1, 1, 1],
        mock=Mock(result=[1, 1, 1]),
        config=StateConfiguration(map_iteration_failure_count=3),
    )
    assert result.status is Status.SUCCEEDED


def test_a_mocked_error_is_the_maps_error_whatever_the_failure_count() -> None:
    definition = map_state(ToleratedFailureCount=2)
    for failures in (0, 2):
        result = run(
            definition,
            [1, 2, 3],
            mock=Mock(error=MockError("MockException", "Mock the error cause.")),
            config=StateConfiguration(map_iteration_failure_count=failures),
        )
        assert answer(result) == {
            "status": "FAILED",
            "error": "MockException",
            "cause": "Mock the error cause.",
            "inspection": {
                "input": [1, 2, 3],
                "afterInputPath": [1, 2, 3],
                "afterItemsPath": [1, 2, 3],
                "maxConcurrency": 0,
                "toleratedFailureCount": 2,
            },
        }


# --------------------------------------------------------------------------------------------
# The mocked result's tail


def test_result_selector_result_path_and_output_path_apply_to_the_mock() -> None:
    definition = map_state(
        ItemsPath="$.items", ResultSelector={"r.$": "$"}, ResultPath="$.out", OutputPath="$.out"
    )
    result = run(definition, {"items": [1]}, mock=Mock(result=[2]))
    assert result.output == {"r": [2]}
    assert result.inspection["afterResultPath"] == {"items": [1], "out": {"r": [2]}}
    assert "result" not in result.inspection  # recorded: a Map reports no raw result


def test_jsonata_output_sees_the_result() -> None:
    definition = map_state(
        QueryLanguage="JSONata",
        Output={"n": "{% $count($states.result) %}"},
        Assign={"seen": "{% $states.result[0] %}"},
    )
    result = run(definition, [1, 2], mock=Mock(result=["x", "y"]))
    assert (result.output, result.inspection["variables"]) == ({"n": 2}, {"seen": "x"})


# --------------------------------------------------------------------------------------------
# Parallel

BRANCHES = [
    {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}},
    {"StartAt": "R", "States": {"R": {"Type": "Pass", "End": True}}},
]


def test_parallel_applies_input_path_and_parameters_without_reporting_them() -> None:
    definition = {
        "Type": "Parallel",
        "Branches": BRANCHES,
        "InputPath": "$.in",
        "Parameters": {"x.$": "$.v"},
        "ResultPath": "$.res",
        "Next": "After",
    }
    result = run(definition, {"in": {"v": 1}}, mock=Mock(result=[1, 2]))
    assert answer(result) == {
        "status": "SUCCEEDED",
        "output": {"in": {"v": 1}, "res": [1, 2]},
        "next": "After",
        "inspection": {
            "input": {"in": {"v": 1}},
            "afterResultSelector": [1, 2],
            "afterResultPath": {"in": {"v": 1}, "res": [1, 2]},
        },
    }


def test_parallel_parameters_that_fail_fail_the_state() -> None:
    definition = {"Type": "Parallel", "Branches": BRANCHES, "Parameters": {"x.$": "$.missing"}, "End": True}
    assert run(definition, {}, mock=Mock(result=[1, 2])).error == "States.Runtime"


def test_parallel_branch_failure_is_retried_then_caught() -> None:
    definition = {
        "Type": "Parallel",
        "Branches": BRANCHES,
        "End": True,
        "Retry": [{"ErrorEquals": ["States.BranchFailed"], "MaxAttempts": 2}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
    }
    mock = Mock(error=MockError("States.BranchFailed", "a branch failed"))
    retriable = run(definition, {}, mock=mock)
    assert (retriable.status, retriable.inspection["errorDetails"]) == (
        Status.RETRIABLE,
        {"retryIndex": 0, "retryBackoffIntervalSeconds": 1},
    )
    caught = run(definition, {}, mock=mock, config=StateConfiguration(retrier_retry_count=2))
    assert (caught.status, caught.next_state, caught.output) == (
        Status.CAUGHT_ERROR,
        "Recover",
        {"Error": "States.BranchFailed", "Cause": "a branch failed"},
    )


def test_jsonata_parallel_reports_only_its_input() -> None:
    definition = {
        "Type": "Parallel",
        "QueryLanguage": "JSONata",
        "Branches": BRANCHES,
        "End": True,
        "Arguments": "{% $states.input.p %}",
        "Output": {"r": "{% $states.result %}"},
    }
    result = run(definition, {"p": 1}, mock=Mock(result=[1, 2]))
    assert answer(result) == {
        "status": "SUCCEEDED",
        "output": {"r": [1, 2]},
        "inspection": {"input": {"p": 1}},
    }


# --------------------------------------------------------------------------------------------
# A state inside a Map's processor, selected by stateName


def test_a_state_inside_a_map_gets_the_map_item_context() -> None:
    machine = {
        "StartAt": "Loop",
        "States": {
            "Loop": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "StartAt": "Fork",
                    "States": {
                        "Fork": {
                            "Type": "Parallel",
                            "End": True,
                            "Branches": [
                                {
                                    "StartAt": "Inner",
                                    "States": {
                                        "Inner": {
                                            "Type": "Pass",
                                            "End": True,
                                            "Parameters": {"item.$": "$$.Map.Item"},
                                        }
                                    },
                                }
                            ],
                        }
                    },
                },
            }
        },
    }
    loaded = load_definition(json.dumps(machine), "Inner")
    assert loaded.in_map_iteration
    world = World(now=NOW, rng=random.Random(1))
    context = default_context(loaded=loaded, input={"v": 1}, role_arn=None, world=world)
    result = run_state(loaded, input={"v": 1}, context=context, variables={}, world=world)
    assert result.output == {"item": {"Index": 0, "Value": {"v": 1}}}
    assert not load_definition(json.dumps(machine), "Loop").in_map_iteration
