"""run_state: data flow, statuses, errors and inspection data of one state."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter import (
    ABSENT,
    Mock,
    MockError,
    Status,
    TestResult,
    UnsupportedState,
    World,
    load_definition,
    run_state,
)
from interpreter.states.run import MAX_PAYLOAD_BYTES

NOW = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
LAMBDA = "arn:aws:states:::lambda:invoke"
NO_CHOICE = "Failed to transition out of the state. The state does not point to a next state."


def run(
    definition: Any,
    input: Any,
    *,
    state_name: str | None = None,
    variables: dict[str, Any] | None = None,
    context: Any = None,
    mock: Mock | None = None,
) -> TestResult:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    loaded = load_definition(text, state_name)
    return run_state(
        loaded,
        input=input,
        context={} if context is None else context,
        variables={} if variables is None else variables,
        world=World(now=NOW, rng=random.Random(5)),
        mock=mock,
    )


def outcome(result: TestResult) -> tuple[Any, ...]:
    return (
        result.status,
        result.output,
        result.next_state,
        result.error,
        result.cause,
        dict(result.inspection),
    )


def succeeded(output: Any, next_state: str | None, inspection: dict[str, Any]) -> tuple[Any, ...]:
    return (Status.SUCCEEDED, output, next_state, None, None, inspection)


def failed(error: str | None, cause: str | None, inspection: dict[str, Any]) -> tuple[Any, ...]:
    return (Status.FAILED, ABSENT, None, error, cause, inspection)


# --------------------------------------------------------------------------------------------
# Worked examples E1-E4, recorded from TestState: aws/test_test_state_scenarios/
# test_base_inspection_level_debug__IO_PASS_STATE, ..._info__BASE_CHOICE_STATE,
# ..._info__BASE_FAIL_STATE, and aws/test_test_state_machine_scenarios/test_base_state_name_multi_state__*

E1_INPUT = {
    "initialData": {"fieldFromInput": "value from input", "otherField": "other"},
    "unrelatedData": {"someOtherField": 1234},
}


def test_e1_pass_with_paths_and_parameters() -> None:
    definition = {
        "Type": "Pass",
        "InputPath": "$.initialData",
        "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
        "ResultPath": "$.modifiedData",
        "End": True,
    }
    expected_output = {
        "initialData": {"fieldFromInput": "value from input", "otherField": "other"},
        "unrelatedData": {"someOtherField": 1234},
        "modifiedData": {"staticValue": "some value", "inputValue": "value from input"},
    }
    assert outcome(run(definition, E1_INPUT)) == succeeded(
        expected_output,
        None,
        {
            "input": E1_INPUT,
            "afterInputPath": {"fieldFromInput": "value from input", "otherField": "other"},
            "afterParameters": {"staticValue": "some value", "inputValue": "value from input"},
            "afterResultSelector": {"staticValue": "some value", "inputValue": "value from input"},
            "afterResultPath": expected_output,
        },
    )


def test_e2_choice() -> None:
    definition = {
        "Type": "Choice",
        "Choices": [
            {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
            {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
            {
                "And": [
                    {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                    {"Variable": "$.value", "NumericLessThan": 30},
                ],
                "Next": "ValueInTwenties",
            },
        ],
        "Default": "DefaultState",
    }
    input = {"type": "Private", "value": 22}
    assert outcome(run(definition, input)) == succeeded(
        input, "ValueInTwenties", {"input": input, "afterInputPath": input}
    )


def test_e3_fail() -> None:
    definition = {
        "Type": "Fail",
        "Error": "SomeFailure",
        "Cause": "This state machines raises a 'SomeFailure' failure.",
    }
    assert outcome(run(definition, {"a": 1})) == failed(
        "SomeFailure",
        "This state machines raises a 'SomeFailure' failure.",
        {"input": {"a": 1}, "afterInputPath": {"a": 1}},
    )


def test_e4_jsonata_machine_state_by_name() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "State0",
        "States": {"State0": {"Type": "Pass", "Next": "State1"}, "State1": {"Type": "Fail"}},
    }
    input = {"Value": "HelloWorld"}
    assert outcome(run(definition, input, state_name="State0")) == succeeded(
        input, "State1", {"input": input}
    )
    assert outcome(run(definition, input, state_name="State1")) == failed(None, None, {"input": input})


def test_info_pass_with_result() -> None:
    # Recorded: aws/test_test_state_scenarios/test_base_inspection_level_info__BASE_RESULT_PASS_STATE.
    definition = {"Type": "Pass", "Result": {"resultKey": "result value"}, "End": True}
    result = run(definition, {"Value": "HelloWorld"})
    assert (result.status, result.output, result.next_state) == (
        Status.SUCCEEDED,
        {"resultKey": "result value"},
        None,
    )


# --------------------------------------------------------------------------------------------
# Inspection data by state type, JSONPath (as recorded in aws/test_test_state_scenarios)

IN = {"a": {"b": 1}, "c": [1, 2]}


@pytest.mark.parametrize(
    ("definition", "input", "expected"),
    [
        pytest.param(
            {"Type": "Pass", "End": True},
            IN,
            succeeded(
                IN,
                None,
                {
                    "input": IN,
                    "afterInputPath": IN,
                    "afterParameters": IN,
                    "afterResultSelector": IN,
                    "afterResultPath": IN,
                },
            ),
            id="pass-no-fields",
        ),
        pytest.param(
            {
                "Type": "Pass",
                "InputPath": "$.a",
                "Parameters": {"p.$": "$.b"},
                "ResultPath": "$.r",
                "Next": "N",
            },
            IN,
            succeeded(
                {**IN, "r": {"p": 1}},
                "N",
                {
                    "input": IN,
                    "afterInputPath": {"b": 1},
                    "afterParameters": {"p": 1},
                    "afterResultSelector": {"p": 1},
                    "afterResultPath": {**IN, "r": {"p": 1}},
                },
            ),
            id="pass-inputpath-parameters-resultpath",
        ),
        pytest.param(
            {"Type": "Pass", "Result": {"x": 1}, "End": True},
            IN,
            succeeded(
                {"x": 1},
                None,
                {
                    "input": IN,
                    "result": {"x": 1},
                    "afterResultSelector": {"x": 1},
                    "afterResultPath": {"x": 1},
                },
            ),
            id="pass-result",
        ),
        pytest.param(
            {
                "Type": "Pass",
                "Result": {"x": 1},
                "InputPath": "$.a",
                "Parameters": {"p.$": "$.b"},
                "ResultPath": "$.r",
                "OutputPath": "$.r",
                "End": True,
            },
            IN,
            succeeded(
                {"x": 1},
                None,
                {
                    "input": IN,
                    "result": {"x": 1},
                    "afterResultSelector": {"x": 1},
                    "afterResultPath": {**IN, "r": {"x": 1}},
                },
            ),
            id="pass-result-ignores-inputpath-parameters",
        ),
        pytest.param(
            {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"},
            IN,
            succeeded(1, None, {"input": IN, "afterInputPath": {"b": 1}}),
            id="succeed",
        ),
        pytest.param(
            {"Type": "Fail", "Error": "E", "Cause": "C"},
            IN,
            failed("E", "C", {"input": IN, "afterInputPath": IN}),
            id="fail",
        ),
        pytest.param(
            {
                "Type": "Choice",
                "InputPath": "$.a",
                "OutputPath": "$.b",
                "Choices": [{"Variable": "$.b", "NumericEquals": 1, "Next": "One"}],
                "Default": "Other",
            },
            IN,
            succeeded(1, "One", {"input": IN, "afterInputPath": {"b": 1}}),
            id="choice",
        ),
        pytest.param(
            {"Type": "Wait", "Seconds": 3, "InputPath": "$.a", "OutputPath": "$.b", "Next": "N"},
            IN,
            succeeded(1, "N", {"input": IN, "afterInputPath": {"b": 1}}),
            id="wait",
        ),
    ],
)
def test_jsonpath_inspection_matrix(definition: Any, input: Any, expected: tuple[Any, ...]) -> None:
    assert outcome(run(definition, input)) == expected


# --------------------------------------------------------------------------------------------
# Inspection data by state type, JSONata (as recorded in aws/test_test_state_scenarios)


@pytest.mark.parametrize(
    ("definition", "variables", "expected"),
    [
        pytest.param(
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"v": "{% $states.input.a.b %}"},
                "End": True,
            },
            {},
            succeeded({"v": 1}, None, {"input": IN}),
            id="pass-output",
        ),
        pytest.param(
            {"Type": "Pass", "QueryLanguage": "JSONata", "End": True},
            {},
            succeeded(IN, None, {"input": IN}),
            id="pass-no-output",
        ),
        pytest.param(
            {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $v %}", "Next": "N"},
            {"v": 7},
            succeeded(7, "N", {"input": IN, "variables": {"v": 7}}),
            id="pass-with-variables",
        ),
        pytest.param(
            {
                "Type": "Choice",
                "QueryLanguage": "JSONata",
                "Choices": [{"Condition": "{% $states.input.a.b = 1 %}", "Next": "One"}],
                "Default": "Other",
            },
            {},
            succeeded(IN, "One", {"input": IN}),
            id="choice",
        ),
        pytest.param(
            {
                "Type": "Fail",
                "QueryLanguage": "JSONata",
                "Error": "E",
                "Cause": "{% 'c' & $states.input.a.b %}",
            },
            {},
            failed("E", "c1", {"input": IN}),
            id="fail",
        ),
        pytest.param(
            {"Type": "Succeed", "QueryLanguage": "JSONata", "Output": "{% $states.input.c %}"},
            {},
            succeeded([1, 2], None, {"input": IN}),
            id="succeed",
        ),
        pytest.param(
            {"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": 1, "Next": "N"},
            {},
            succeeded(IN, "N", {"input": IN}),
            id="wait",
        ),
    ],
)
def test_jsonata_inspection_matrix(
    definition: Any, variables: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    assert outcome(run(definition, IN, variables=variables)) == expected


# --------------------------------------------------------------------------------------------
# InputPath / OutputPath / ResultPath


@pytest.mark.parametrize(
    ("fields", "input", "output"),
    [
        ({"InputPath": None}, {"a": 1}, {}),
        ({"OutputPath": None}, {"a": 1}, {}),
        ({"ResultPath": None, "Parameters": {"z": 1}}, {"a": 1}, {"a": 1}),
        ({"ResultPath": None, "Result": "ignored"}, {"a": 1}, {"a": 1}),
        ({"InputPath": "$", "OutputPath": "$", "ResultPath": "$"}, {"a": 1}, {"a": 1}),
        ({"ResultPath": "$.a.b", "Result": 9}, {"a": {"c": 1}, "d": 2}, {"a": {"c": 1, "b": 9}, "d": 2}),
        ({"ResultPath": "$.a.b", "Result": 9}, {"d": 2}, {"d": 2, "a": {"b": 9}}),
        (
            {"ResultPath": "$.a", "Result": {"new": True}},
            {"a": {"old": 1}, "d": 2},
            {"a": {"new": True}, "d": 2},
        ),
        ({"ResultPath": "$.a.b", "OutputPath": "$.a", "Result": 9}, {"a": {"c": 1}}, {"c": 1, "b": 9}),
        ({"InputPath": "$.a", "ResultPath": "$.r"}, {"a": {"c": 1}}, {"a": {"c": 1}, "r": {"c": 1}}),
        ({"InputPath": "$.list[1]"}, {"list": [10, 20]}, 20),
        ({"OutputPath": "$$.Execution.Name"}, {"a": 1}, "exec"),
        ({"InputPath": "$var"}, {"a": 1}, {"k": "v"}),
    ],
)
def test_paths(fields: dict[str, Any], input: Any, output: Any) -> None:
    result = run(
        {"Type": "Pass", "End": True, **fields},
        input,
        context={"Execution": {"Name": "exec"}},
        variables={"var": {"k": "v"}},
    )
    assert (result.status, result.output, result.error, result.cause) == (
        Status.SUCCEEDED,
        output,
        None,
        None,
    )


def test_input_path_null_inspection() -> None:
    assert outcome(run({"Type": "Pass", "InputPath": None, "End": True}, {"a": 1})) == succeeded(
        {},
        None,
        {
            "input": {"a": 1},
            "afterInputPath": {},
            "afterParameters": {},
            "afterResultSelector": {},
            "afterResultPath": {},
        },
    )


def test_result_path_null_inspection() -> None:
    definition = {"Type": "Pass", "Parameters": {"z": 1}, "ResultPath": None, "End": True}
    assert outcome(run(definition, {"a": 1})) == succeeded(
        {"a": 1},
        None,
        {
            "input": {"a": 1},
            "afterInputPath": {"a": 1},
            "afterParameters": {"z": 1},
            "afterResultSelector": {"z": 1},
            "afterResultPath": {"a": 1},
        },
    )


@pytest.mark.parametrize(
    ("definition", "cause", "inspection"),
    [
        (
            {"Type": "Pass", "OutputPath": "$.x", "End": True},
            "Invalid path '$.x' : No results for path: $['x']",
            {
                "input": {"a": 1},
                "afterInputPath": {"a": 1},
                "afterParameters": {"a": 1},
                "afterResultSelector": {"a": 1},
                "afterResultPath": {"a": 1},
            },
        ),
        (
            {"Type": "Pass", "InputPath": "$.x", "End": True},
            "Invalid path '$.x' : No results for path: $['x']",
            {"input": {"a": 1}},
        ),
        (
            {"Type": "Pass", "InputPath": "$.NoSuchInputPath", "End": True},
            "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
            {"input": {"a": 1}},
        ),
        (
            {"Type": "Succeed", "InputPath": "$.x"},
            "Invalid path '$.x' : No results for path: $['x']",
            {"input": {"a": 1}},
        ),
        (
            {"Type": "Succeed", "OutputPath": "$.x"},
            "Invalid path '$.x' : No results for path: $['x']",
            {"input": {"a": 1}, "afterInputPath": {"a": 1}},
        ),
        (
            {
                "Type": "Choice",
                "InputPath": "$.x",
                "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "N"}],
            },
            "Invalid path '$.x' : No results for path: $['x']",
            {"input": {"a": 1}},
        ),
        (
            {"Type": "Wait", "Seconds": 1, "OutputPath": "$.x", "End": True},
            "Invalid path '$.x' : No results for path: $['x']",
            {"input": {"a": 1}, "afterInputPath": {"a": 1}},
        ),
    ],
)
def test_missing_input_or_output_path_is_states_runtime(
    definition: Any, cause: str, inspection: dict[str, Any]
) -> None:
    assert outcome(run(definition, {"a": 1})) == failed("States.Runtime", cause, inspection)


def test_recorded_missing_output_path() -> None:
    # derived/test_base_scenarios, ST.INVALID_JSONPATH_IN_OUTPUTPATH
    machine = {
        "StartAt": "pass",
        "States": {"pass": {"Type": "Pass", "OutputPath": "$.NoSuchOutputPath", "End": True}},
    }
    result = run(machine, {"int-literal": 0}, state_name="pass")
    assert (result.status, result.error, result.cause) == (
        Status.FAILED,
        "States.Runtime",
        "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']",
    )


# --------------------------------------------------------------------------------------------
# Variables and Assign


def test_jsonpath_assign_reads_the_parameters_result() -> None:
    # derived/test_assign_reference_variables, BASE_ASSIGN_FROM_PARAMETERS
    definition = {
        "Type": "Pass",
        "Parameters": {"input": "PENDING"},
        "Assign": {"result.$": "$.input"},
        "Next": "S1",
    }
    assert outcome(run(definition, {})) == succeeded(
        {"input": "PENDING"},
        "S1",
        {
            "input": {},
            "afterInputPath": {},
            "afterParameters": {"input": "PENDING"},
            "afterResultSelector": {"input": "PENDING"},
            "afterResultPath": {"input": "PENDING"},
            "variables": {"result": "PENDING"},
        },
    )


def test_jsonpath_assign_reads_the_pass_result() -> None:
    # derived/test_assign_reference_variables, BASE_ASSIGN_FROM_RESULT
    definition = {
        "Type": "Pass",
        "Result": {"answer": 42},
        "Assign": {"theAnswer.$": "$.answer"},
        "End": True,
    }
    result = run(definition, {})
    assert (result.status, result.output) == (Status.SUCCEEDED, {"answer": 42})
    assert result.inspection["variables"] == {"theAnswer": 42}


def test_jsonpath_assign_sees_variables_from_before_the_state() -> None:
    definition = {
        "Type": "Pass",
        "Parameters": {"p.$": "$x"},
        "Assign": {"x": "new", "old.$": "$x", "fromInput.$": "$.p", "fromContext.$": "$$.State.Name"},
        "End": True,
    }
    result = run(
        definition, {"a": 1}, variables={"x": "before", "keep": 1}, context={"State": {"Name": "SN"}}
    )
    assert result.output == {"p": "before"}
    assert dict(result.inspection)["variables"] == {
        "x": "new",
        "keep": 1,
        "old": "before",
        "fromInput": "before",
        "fromContext": "SN",
    }


def test_jsonpath_assign_runs_before_result_path_and_output_path() -> None:
    definition = {
        "Type": "Task",
        "Resource": LAMBDA,
        "ResultSelector": {"sel.$": "$.Payload"},
        "Assign": {"v.$": "$.sel"},
        "ResultPath": "$.r",
        "OutputPath": "$.r",
        "End": True,
    }
    result = run(definition, {"in": 1}, mock=Mock(result={"Payload": "P"}))
    assert result.output == {"sel": "P"}
    assert result.inspection["variables"] == {"v": "P"}


def test_jsonata_assign_and_output_see_variables_from_before_the_state() -> None:
    definition = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Assign": {"x": "{% $x + 1 %}", "y": "{% $x %}"},
        "Output": {"o": "{% $x %}", "in": "{% $states.input.a %}"},
        "End": True,
    }
    assert outcome(run(definition, {"a": "A"}, variables={"x": 1, "z": 0})) == succeeded(
        {"o": 1, "in": "A"}, None, {"input": {"a": "A"}, "variables": {"x": 2, "z": 0, "y": 1}}
    )


@pytest.mark.parametrize(
    ("definition", "variables"),
    [
        ({"Type": "Pass", "End": True}, {}),
        ({"Type": "Pass", "QueryLanguage": "JSONata", "End": True}, {}),
        ({"Type": "Fail", "Error": "E"}, {}),
        ({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $nope %}", "End": True}, {}),
    ],
)
def test_variables_are_omitted_when_empty(definition: Any, variables: dict[str, Any]) -> None:
    assert "variables" not in run(definition, {"a": 1}, variables=variables).inspection


def test_variables_reported_after_the_state() -> None:
    definition = {"Type": "Pass", "Assign": {"new": 1, "over": "after"}, "End": True}
    result = run(definition, {}, variables={"over": "before", "kept": True})
    assert result.inspection["variables"] == {"over": "after", "kept": True, "new": 1}


def test_empty_variables_become_reported_once_assigned() -> None:
    result = run({"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"v": 1}, "End": True}, {})
    assert dict(result.inspection) == {"input": {}, "variables": {"v": 1}}


def test_failing_state_reports_the_variables_it_was_given() -> None:
    definition = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Assign": {"b": 2},
        "Output": "{% $nope %}",
        "End": True,
    }
    result = run(definition, {}, variables={"a": 1})
    assert (result.status, result.error) == (Status.FAILED, "States.QueryEvaluationError")
    assert dict(result.inspection) == {"input": {}, "variables": {"a": 1}}


# --------------------------------------------------------------------------------------------
# JSONata $states


def test_jsonata_output_reads_states_input_and_context() -> None:
    definition = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Output": {
            "input": "{% $states.input %}",
            "name": "{% $states.context.State.Name %}",
            "exec": "{% $states.context.Execution.Input.x %}",
            "literal": "$states.input",
        },
        "End": True,
    }
    context = {"State": {"Name": "StateName"}, "Execution": {"Input": {"x": "X"}}}
    result = run(definition, {"a": 1}, context=context)
    assert result.output == {"input": {"a": 1}, "name": "StateName", "exec": "X", "literal": "$states.input"}


def test_jsonata_variables_from_the_request() -> None:
    # Recorded (aws/test_test_state_scenarios/test_state_with_variables__base_expressions):
    # $var_input_value and $sum(...) + $var_constant_1.
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"var_constant_1": 1}, "Next": "State0"},
            "State0": {
                "Type": "Pass",
                "Output": {
                    "ja_var_access": "{% $var_input_value %}",
                    "ja_expr": "{% $sum($states.input.input_values) + $var_constant_1 %}",
                },
                "End": True,
            },
        },
    }
    variables = {"var_input_value": "test_value", "var_constant_1": 10}
    result = run(definition, {"input_values": [1, 2, 3]}, state_name="State0", variables=variables)
    assert outcome(result) == succeeded(
        {"ja_var_access": "test_value", "ja_expr": 16},
        None,
        {"input": {"input_values": [1, 2, 3]}, "variables": variables},
    )


# --------------------------------------------------------------------------------------------
# Choice


CHOICE = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.v", "NumericEquals": 0, "Next": "Zero"}],
}


@pytest.mark.parametrize(
    ("definition", "input", "next_state"),
    [
        ({**CHOICE, "Default": "D"}, {"v": 0}, "Zero"),
        ({**CHOICE, "Default": "D"}, {"v": 1}, "D"),
        (CHOICE, {"v": 0}, "Zero"),
    ],
)
def test_choice_next_state(definition: Any, input: Any, next_state: str) -> None:
    assert outcome(run(definition, input)) == succeeded(
        input, next_state, {"input": input, "afterInputPath": input}
    )


def test_choice_without_match_or_default_fails() -> None:
    assert outcome(run(CHOICE, {"v": 1})) == failed(
        "States.NoChoiceMatched", NO_CHOICE, {"input": {"v": 1}, "afterInputPath": {"v": 1}}
    )


def test_jsonata_choice_without_match_or_default_fails() -> None:
    definition = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [{"Condition": "{% false %}", "Next": "N"}],
    }
    assert outcome(run(definition, {"v": 1})) == failed(
        "States.NoChoiceMatched", NO_CHOICE, {"input": {"v": 1}}
    )


JSONATA_CHOICE_OUTPUT = {
    "QueryLanguage": "JSONata",
    "StartAt": "ChoiceState",
    "States": {
        "ChoiceState": {
            "Type": "Choice",
            "Choices": [
                {
                    "Condition": "{% $states.input.condition %}",
                    "Next": "ConditionTrue",
                    "Output": "Condition Output block",
                }
            ],
            "Default": "DefaultState",
            "Output": "Default Output block",
        },
        "ConditionTrue": {"Type": "Pass", "End": True},
        "DefaultState": {"Type": "Fail", "Cause": "Condition is false"},
    },
}
JSONATA_CHOICE_ASSIGN = {
    "QueryLanguage": "JSONata",
    "StartAt": "ChoiceState",
    "States": {
        "ChoiceState": {
            "Type": "Choice",
            "Choices": [
                {
                    "Condition": "{% $states.input.condition %}",
                    "Next": "ConditionTrue",
                    "Assign": {"Assignment": "Condition assignment"},
                }
            ],
            "Default": "DefaultState",
            "Assign": {"Assignment": "Default Assignment"},
        },
        "ConditionTrue": {"Type": "Pass", "End": True},
        "DefaultState": {"Type": "Fail", "Cause": "Condition is false"},
    },
}


@pytest.mark.parametrize(
    ("condition", "output", "next_state"),
    [(True, "Condition Output block", "ConditionTrue"), (False, "Default Output block", "DefaultState")],
)
def test_jsonata_choice_rule_output_and_default_output(condition: bool, output: str, next_state: str) -> None:
    # derived/test_output, test_output_in_choice
    result = run(JSONATA_CHOICE_OUTPUT, {"condition": condition}, state_name="ChoiceState")
    assert outcome(result) == succeeded(output, next_state, {"input": {"condition": condition}})


@pytest.mark.parametrize(
    ("condition", "assignment", "next_state"),
    [(True, "Condition assignment", "ConditionTrue"), (False, "Default Assignment", "DefaultState")],
)
def test_jsonata_choice_rule_assign_and_default_assign(
    condition: bool, assignment: str, next_state: str
) -> None:
    # derived/test_assign_base, test_assign_in_choice (the next state saw these variables)
    result = run(JSONATA_CHOICE_ASSIGN, {"condition": condition}, state_name="ChoiceState")
    assert outcome(result) == succeeded(
        {"condition": condition},
        next_state,
        {"input": {"condition": condition}, "variables": {"Assignment": assignment}},
    )


def test_jsonpath_choice_rule_assign() -> None:
    definition = {
        "Type": "Choice",
        "InputPath": "$.in",
        "Choices": [{"Variable": "$.v", "NumericEquals": 0, "Next": "Zero", "Assign": {"got.$": "$.v"}}],
        "Default": "D",
    }
    result = run(definition, {"in": {"v": 0}})
    assert outcome(result) == succeeded(
        {"v": 0}, "Zero", {"input": {"in": {"v": 0}}, "afterInputPath": {"v": 0}, "variables": {"got": 0}}
    )


@pytest.mark.parametrize(
    ("value", "next_state", "variables"),
    [
        # The rule matches: the state-level Assign applies too ("regardless of which choice rule
        # matches", AWS developer guide), and the rule's value wins a name both assign.
        (1, "One", {"always": "state", "shared": "rule", "ruled": 1}),
        # Default taken: only the state-level Assign.
        (2, "Other", {"always": "state", "shared": "state"}),
    ],
)
@pytest.mark.parametrize("jsonata", [False, True])
def test_choice_state_assign_applies_whichever_rule_matches(
    jsonata: bool, value: int, next_state: str, variables: dict[str, Any]
) -> None:
    if jsonata:
        rule = {
            "Condition": "{% $states.input.v = 1 %}",
            "Next": "One",
            "Assign": {"shared": "rule", "ruled": "{% $states.input.v %}"},
        }
        definition = {
            "Type": "Choice",
            "QueryLanguage": "JSONata",
            "Choices": [rule],
            "Default": "Other",
            "Assign": {"always": "state", "shared": "state"},
        }
    else:
        rule = {
            "Variable": "$.v",
            "NumericEquals": 1,
            "Next": "One",
            "Assign": {"shared": "rule", "ruled.$": "$.v"},
        }
        definition = {
            "Type": "Choice",
            "Choices": [rule],
            "Default": "Other",
            "Assign": {"always": "state", "shared": "state"},
        }
    result = run(definition, {"v": value})
    assert (result.status, result.next_state) == ("SUCCEEDED", next_state)
    assert result.inspection["variables"] == variables


# --------------------------------------------------------------------------------------------
# Fail


@pytest.mark.parametrize(
    ("fields", "error", "cause"),
    [
        ({}, None, None),
        ({"Error": "OnlyError"}, "OnlyError", None),
        ({"Cause": "OnlyCause"}, None, "OnlyCause"),
        ({"ErrorPath": "$.e", "CausePath": "$.c"}, "E1", "cause text"),
        ({"ErrorPath": "$$.State.Name", "CausePath": "$var"}, "SN", "from variable"),
        ({"ErrorPath": "$.e", "CausePath": "States.Format('n={}, e={}', $.n, $.e)"}, "E1", "n=5, e=E1"),
        ({"ErrorPath": "States.Format('Err{}', $.n)", "Cause": "literal"}, "Err5", "literal"),
        ({"Error": "literal", "CausePath": "States.JsonToString($.obj)"}, "literal", '{"k":[1]}'),
    ],
)
def test_fail_error_and_cause(fields: dict[str, Any], error: str | None, cause: str | None) -> None:
    input = {"e": "E1", "c": "cause text", "n": 5, "obj": {"k": [1]}}
    result = run(
        {"Type": "Fail", **fields},
        input,
        variables={"var": "from variable"},
        context={"State": {"Name": "SN"}},
    )
    assert (result.status, result.error, result.cause, result.output, result.next_state) == (
        Status.FAILED,
        error,
        cause,
        ABSENT,
        None,
    )


@pytest.mark.parametrize(
    ("fields", "cause"),
    [
        # Recorded (derived/test_base_scenarios, test_invalid_jsonpath).
        (
            {"ErrorPath": "$.ErrorX"},
            "The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input "
            '\'{"Error":"error-value"}\'',
        ),
        (
            {"ErrorPath": "$.Error", "CausePath": "$.NoSuchCausePath"},
            "The JSONPath '$.NoSuchCausePath' specified for the field 'CausePath' could not be found in the input "
            '\'{"Error":"error-value"}\'',
        ),
    ],
)
def test_fail_missing_error_or_cause_path(fields: dict[str, Any], cause: str) -> None:
    result = run({"Type": "Fail", **fields}, {"Error": "error-value"})
    assert outcome(result) == failed(
        "States.Runtime",
        cause,
        {"input": {"Error": "error-value"}, "afterInputPath": {"Error": "error-value"}},
    )


@pytest.mark.parametrize(
    ("fields", "error", "cause"),
    [
        ({"Error": "{% $states.input.e %}", "Cause": "{% 'c=' & $states.input.n %}"}, "E1", "c=5"),
        ({"Error": "{% $v %}"}, "from variable", None),
        ({"Error": "Plain", "Cause": "$states.input.e"}, "Plain", "$states.input.e"),
        ({"Cause": "{% $states.context.State.Name %}"}, None, "SN"),
    ],
)
def test_jsonata_fail_error_and_cause(fields: dict[str, Any], error: str | None, cause: str | None) -> None:
    definition = {"Type": "Fail", "QueryLanguage": "JSONata", **fields}
    result = run(
        definition, {"e": "E1", "n": 5}, variables={"v": "from variable"}, context={"State": {"Name": "SN"}}
    )
    assert (result.status, result.error, result.cause) == (Status.FAILED, error, cause)
    assert dict(result.inspection) == {"input": {"e": "E1", "n": 5}, "variables": {"v": "from variable"}}


def test_jsonata_fail_undefined_error_is_a_query_evaluation_error() -> None:
    result = run({"Type": "Fail", "QueryLanguage": "JSONata", "Error": "{% $states.input.nope %}"}, {})
    assert outcome(result) == failed(
        "States.QueryEvaluationError",
        "The JSONata expression '$states.input.nope' specified for the field 'Error' returned nothing (undefined).",
        {"input": {}},
    )


# --------------------------------------------------------------------------------------------
# Task with a mock


def test_jsonpath_task_with_mock_result() -> None:
    definition = {
        "Type": "Task",
        "Resource": LAMBDA,
        "InputPath": "$.req",
        "Parameters": {"FunctionName": "f", "Payload.$": "$.p"},
        "ResultSelector": {"body.$": "$.Payload", "code.$": "$.StatusCode"},
        "ResultPath": "$.res",
        "OutputPath": "$.res",
        "Next": "After",
    }
    input = {"req": {"p": {"k": 1}}, "other": True}
    mock_result = {"Payload": {"ok": True}, "StatusCode": 200}
    assert outcome(run(definition, input, mock=Mock(result=mock_result))) == succeeded(
        {"body": {"ok": True}, "code": 200},
        "After",
        {
            "input": input,
            "afterInputPath": {"p": {"k": 1}},
            "afterParameters": {"FunctionName": "f", "Payload": {"k": 1}},
            "result": mock_result,
            "afterResultSelector": {"body": {"ok": True}, "code": 200},
            "afterResultPath": {**input, "res": {"body": {"ok": True}, "code": 200}},
        },
    )


def test_jsonpath_task_without_fields_outputs_the_result() -> None:
    definition = {"Type": "Task", "Resource": LAMBDA, "End": True}
    assert outcome(run(definition, {"a": 1}, mock=Mock(result="HelloWorld!"))) == succeeded(
        "HelloWorld!",
        None,
        {
            "input": {"a": 1},
            "afterInputPath": {"a": 1},
            "afterParameters": {"a": 1},
            "result": "HelloWorld!",
            "afterResultSelector": "HelloWorld!",
            "afterResultPath": "HelloWorld!",
        },
    )


def test_jsonpath_task_result_selector_reads_the_custom_context() -> None:
    # aws/test_state_context_object, test_state_task_context_object (EXECUTION_INPUT)
    definition = {
        "Type": "Task",
        "Resource": LAMBDA,
        "Parameters": {"FunctionName.$": "$.FunctionName", "Payload": {"Input.$": "$"}},
        "ResultSelector": {"LambdaOutput.$": "$", "ContextObjectValue.$": "$$.Execution.Input"},
        "End": True,
    }
    input = {"FunctionName": "lambda_function_name", "Payload": {"input-value": 0}}
    context = {"Execution": {"Input": {"input-value": 0, "values": ["charizard"]}}}
    mock_result = {"pokemon": ["charizard", "pikachu", "bulbasaur"]}
    expected = {
        "LambdaOutput": mock_result,
        "ContextObjectValue": {"input-value": 0, "values": ["charizard"]},
    }
    assert outcome(run(definition, input, context=context, mock=Mock(result=mock_result))) == succeeded(
        expected,
        None,
        {
            "input": input,
            "afterInputPath": input,
            "afterParameters": {"FunctionName": "lambda_function_name", "Payload": {"Input": input}},
            "result": mock_result,
            "afterResultSelector": expected,
            "afterResultPath": expected,
        },
    )


def test_jsonata_task_with_mock_result() -> None:
    definition = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": LAMBDA,
        "Arguments": {"FunctionName": "f", "Payload": "{% $states.input.p %}"},
        "Output": {"got": "{% $states.result.Payload %}", "in": "{% $states.input.p %}"},
        "Assign": {"r": "{% $states.result.Payload.ok %}"},
        "Next": "After",
    }
    input = {"p": {"k": 1}}
    mock_result = {"Payload": {"ok": True}}
    assert outcome(run(definition, input, mock=Mock(result=mock_result))) == succeeded(
        {"got": {"ok": True}, "in": {"k": 1}},
        "After",
        {
            "input": input,
            "afterArguments": {"FunctionName": "f", "Payload": {"k": 1}},
            "result": mock_result,
            "variables": {"r": True},
        },
    )


def test_jsonata_task_without_output_outputs_the_result() -> None:
    definition = {"Type": "Task", "QueryLanguage": "JSONata", "Resource": LAMBDA, "End": True}
    assert outcome(run(definition, {"a": 1}, mock=Mock(result=[1, 2]))) == succeeded(
        [1, 2], None, {"input": {"a": 1}, "afterArguments": {"a": 1}, "result": [1, 2]}
    )


@pytest.mark.parametrize("cause", ["Mock the cause of the error.", None])
def test_jsonpath_task_mock_error_fails(cause: str | None) -> None:
    definition = {"Type": "Task", "Resource": LAMBDA, "Parameters": {"FunctionName": "f"}, "End": True}
    result = run(definition, {"p": 1}, mock=Mock(error=MockError("MockException", cause)))
    assert outcome(result) == failed(
        "MockException",
        cause,
        {"input": {"p": 1}, "afterInputPath": {"p": 1}, "afterParameters": {"FunctionName": "f"}},
    )


def test_jsonata_task_mock_error_fails() -> None:
    definition = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": LAMBDA,
        "Arguments": {"FunctionName": "foo", "Payload": "bar"},
        "End": True,
    }
    result = run(
        definition,
        {"Value": "HelloWorld"},
        mock=Mock(error=MockError("MockException", "Mock the cause of the error.")),
    )
    assert outcome(result) == failed(
        "MockException",
        "Mock the cause of the error.",
        {"input": {"Value": "HelloWorld"}, "afterArguments": {"FunctionName": "foo", "Payload": "bar"}},
    )


def test_task_without_mock_is_unsupported() -> None:
    with pytest.raises(UnsupportedState) as raised:
        run({"Type": "Task", "Resource": LAMBDA, "End": True}, {})
    assert str(raised.value) == "A Task state can only be tested with a mock on this offline server"


@pytest.mark.parametrize(
    ("definition", "type_name"),
    [
        (
            {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "End": True,
            },
            "Map",
        ),
        (
            {
                "Type": "Parallel",
                "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}],
                "End": True,
            },
            "Parallel",
        ),
    ],
)
def test_map_and_parallel_without_mock_are_unsupported(definition: Any, type_name: str) -> None:
    with pytest.raises(UnsupportedState) as raised:
        run(definition, [1])
    assert str(raised.value) == f"A {type_name} state can only be tested with a mock"


# --------------------------------------------------------------------------------------------
# Payload size quota


def _data_limit_cause(name: str) -> str:
    return f"The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit."


@pytest.mark.parametrize(
    ("result", "ok"),
    [
        ("x" * (MAX_PAYLOAD_BYTES - 2), True),  # '"' + 262,142 + '"' = 262,144 bytes
        ("x" * (MAX_PAYLOAD_BYTES - 1), False),
        ("é" * ((MAX_PAYLOAD_BYTES - 2) // 2), True),  # two UTF-8 bytes each
        ("é" * ((MAX_PAYLOAD_BYTES - 2) // 2 + 1), False),
        ({"Arg1": "a" * 300_000}, False),
    ],
)
def test_pass_result_over_the_quota_fails(result: Any, ok: bool) -> None:
    outcome_ = run({"Type": "Pass", "Result": result, "End": True}, {})
    assert MAX_PAYLOAD_BYTES == 262_144
    if ok:
        assert (outcome_.status, outcome_.output) == (Status.SUCCEEDED, result)
    else:
        assert (outcome_.status, outcome_.error, outcome_.cause, outcome_.output) == (
            Status.FAILED,
            "States.DataLimitExceeded",
            _data_limit_cause("StateName"),
            ABSENT,
        )


def test_data_limit_names_the_selected_state() -> None:
    # derived/test_states_errors, test_start_large_input
    machine = {
        "StartAt": "State_1",
        "States": {"State_1": {"Type": "Pass", "Result": {"Arg1": "a" * 263_000}, "End": True}},
    }
    result = run(machine, {}, state_name="State_1")
    assert (result.status, result.error, result.cause) == (
        Status.FAILED,
        "States.DataLimitExceeded",
        _data_limit_cause("State_1"),
    )


def test_large_mocked_task_result_fails_with_data_limit() -> None:
    result = run(
        {"Type": "Task", "Resource": LAMBDA, "End": True}, {}, mock=Mock(result="y" * MAX_PAYLOAD_BYTES)
    )
    assert (result.status, result.error, result.cause) == (
        Status.FAILED,
        "States.DataLimitExceeded",
        _data_limit_cause("StateName"),
    )


# --------------------------------------------------------------------------------------------
# Values are never mutated

MUTATION_CASES = [
    {"Type": "Pass", "ResultPath": "$.a.b", "Result": {"new": 1}, "End": True},
    {"Type": "Pass", "ResultPath": "$.a", "Parameters": {"p.$": "$.a"}, "End": True},
    {"Type": "Pass", "InputPath": "$.a", "ResultPath": "$.a.c", "Assign": {"v.$": "$"}, "End": True},
    {"Type": "Pass", "ResultPath": "$.list[0]", "Result": 99, "End": True},
    {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Output": "{% $merge([$states.input, {'z': 1}]) %}",
        "End": True,
    },
    {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Assign": {"var": "{% $append($var, [9]) %}"},
        "Output": "{% $states.context %}",
        "End": True,
    },
    {"Type": "Task", "Resource": LAMBDA, "ResultPath": "$.a.r", "End": True},
    {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": LAMBDA,
        "Output": "{% $states.result %}",
        "End": True,
    },
    {"Type": "Wait", "Seconds": 1, "InputPath": "$.a", "End": True},
    {"Type": "Choice", "Choices": [{"Variable": "$.a.b", "IsPresent": True, "Next": "N"}]},
    {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.JsonToString($.a)"},
]


@pytest.mark.parametrize("definition", MUTATION_CASES)
def test_input_variables_context_and_mock_are_never_mutated(definition: Any) -> None:
    input = {"a": {"b": {"old": 0}}, "list": [1, 2], "e": "E"}
    variables = {"var": [1, 2], "n": {"k": 1}}
    context = {"State": {"Name": "StateName"}, "Execution": {"Input": {"x": [1]}}}
    mock_result = {"m": [1, {"n": 2}]}
    saved = copy.deepcopy((input, variables, context, mock_result))
    mock = Mock(result=mock_result) if definition["Type"] == "Task" else None
    result = run(definition, input, variables=variables, context=context, mock=mock)
    assert result.status in (Status.SUCCEEDED, Status.FAILED)
    assert (input, variables, context, mock_result) == saved


def test_result_path_copies_only_the_spine() -> None:
    input = {"a": {"b": {"old": 0}, "keep": {"deep": [1]}}, "other": {"x": 1}}
    result = run({"Type": "Pass", "ResultPath": "$.a.b", "Result": 5, "End": True}, input)
    assert result.output == {"a": {"b": 5, "keep": {"deep": [1]}}, "other": {"x": 1}}
    assert input["a"]["b"] == {"old": 0}
    assert result.output["other"] is input["other"]
    assert result.output["a"]["keep"] is input["a"]["keep"]


def test_same_loaded_state_runs_independently_many_times() -> None:
    loaded = load_definition(
        json.dumps({"Type": "Pass", "Parameters": {"v.$": "$.n"}, "ResultPath": "$.r", "End": True}), None
    )
    world = World(now=NOW, rng=random.Random(1))
    outputs = [
        run_state(loaded, input={"n": n}, context={}, variables={}, world=world).output for n in range(3)
    ]
    assert outputs == [{"n": 0, "r": {"v": 0}}, {"n": 1, "r": {"v": 1}}, {"n": 2, "r": {"v": 2}}]


def test_inspection_is_read_only() -> None:
    result = run({"Type": "Pass", "End": True}, {"a": 1})
    with pytest.raises(TypeError):
        result.inspection["input"] = 2  # type: ignore[index]


def test_the_output_text_is_the_compact_encoding_the_quota_was_checked_on() -> None:
    result = run({"Type": "Pass", "Result": {"b": [1, 2], "a": "é"}, "End": True}, {})
    assert result.output_text == '{"b":[1,2],"a":"é"}'
    failed = run({"Type": "Fail", "Error": "E"}, {})
    assert failed.output_text is None
