"""The TestState operation: the request rules in AWS's order, AWS's messages, the answer's encoding.

Every request goes through the real `teststate.operations.test_state.test_state` with the real interpreter
core and real ASL definitions: nothing in the request path is replaced. The core loads every state
type; Map and Parallel run with their mock standing in for the iterations and branches. The
end-to-end tests at the bottom go through boto3 and the aws CLI.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest

from interpreter import ABSENT, StateConfiguration, Status, TestResult, World
from teststate.errors import (
    ApiError,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    ValidationException,
)
from teststate.operations import test_state as operations
from teststate.validation.request import TestStateRequest, load_test_state_request

ROLE = "arn:aws:iam::123456789012:role/TestStateRole"


def _definition(state: Mapping[str, Any]) -> str:
    return json.dumps(state)


PASS = '{"Type":"Pass","End":true}'
FAIL = _definition({"Type": "Fail", "Error": "E", "Cause": "C"})
SUCCEED = _definition({"Type": "Succeed"})
CHOICE = _definition(
    {
        "Type": "Choice",
        "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "One"}],
        "Default": "Other",
    }
)
WAIT = _definition({"Type": "Wait", "Seconds": 10, "Next": "After"})
TASK = _definition(
    {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "End": True,
    }
)
CALLBACK_TASK = _definition(
    {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "MessageBody": {"TaskToken.$": "$$.Task.Token"},
        },
        "End": True,
    }
)
SYNC_TASK = _definition(
    {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Child"},
        "End": True,
    }
)
ACTIVITY_TASK = _definition(
    {
        "Type": "Task",
        "Resource": "arn:aws:states:us-east-1:123456789012:activity:MyActivity",
        "End": True,
    }
)
MAP = _definition(
    {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Item",
            "States": {"Item": {"Type": "Pass", "End": True}},
        },
        "End": True,
    }
)
MAP_WITH_RESULT_WRITER = _definition(
    {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "bucket", "Key": "items.json"},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Item",
            "States": {"Item": {"Type": "Pass", "End": True}},
        },
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "bucket", "Prefix": "out"},
        },
        "End": True,
    }
)
PARALLEL = _definition(
    {
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
            {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
        ],
        "End": True,
    }
)
MACHINE = _definition(
    {
        "StartAt": "First",
        "States": {"First": {"Type": "Pass", "Next": "Last"}, "Last": {"Type": "Succeed"}},
    }
)
# A Pass whose output is the context object it saw.
PASS_CONTEXT = _definition({"Type": "Pass", "Parameters": {"context.$": "$$"}, "End": True})

MSG_MAP_PARALLEL_WITHOUT_MOCK = (
    "TestState API does not support Map or Parallel states. "
    "Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"
)


def _request(definition: str, **members: Any) -> TestStateRequest:
    return load_test_state_request({"definition": definition, **members})


def _fails(definition: str, **members: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        operations.test_state(_request(definition, **members), region="us-east-1")
    return caught.value


def _answer(
    definition: str, *, region: str = "us-east-1", world: World | None = None, **members: Any
) -> dict[str, Any]:
    return operations.test_state(_request(definition, **members), region=region, world=world)


def _fixed_world(seed: int = 7) -> World:
    return World(now=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), rng=random.Random(seed))


# --------------------------------------------------------------------------------------------
# Recorded rules, each alone (teststate/operations/test_state.py names the case recording each)
# --------------------------------------------------------------------------------------------
RULES = [
    # (definition, request members, error class, message)
    (
        "task-without-role",
        TASK,
        {},
        ValidationException,
        "RoleArn must be specified when testing a Task state",
    ),
    (
        "mock-on-pass",
        PASS,
        {"mock": {"result": "{}"}},
        ValidationException,
        "State type 'Pass' is not supported when a mock is specified",
    ),
    (
        "mock-on-fail",
        FAIL,
        {"mock": {"errorOutput": {"error": "E", "cause": "C"}}},
        ValidationException,
        "State type 'Fail' is not supported when a mock is specified",
    ),
    (
        "mock-on-succeed",
        SUCCEED,
        {"mock": {"result": "{}"}},
        ValidationException,
        "State type 'Succeed' is not supported when a mock is specified",
    ),
    (
        "mock-on-choice",
        CHOICE,
        {"mock": {"result": "{}"}},
        ValidationException,
        "State type 'Choice' is not supported when a mock is specified",
    ),
    (
        "mock-on-wait",
        WAIT,
        {"mock": {"result": "{}"}},
        ValidationException,
        "State type 'Wait' is not supported when a mock is specified",
    ),
    ("map-without-mock", MAP, {}, InvalidDefinition, MSG_MAP_PARALLEL_WITHOUT_MOCK),
    (
        "map-with-writer-without-mock",
        MAP_WITH_RESULT_WRITER,
        {"roleArn": ROLE},
        InvalidDefinition,
        MSG_MAP_PARALLEL_WITHOUT_MOCK,
    ),
    ("parallel-without-mock", PARALLEL, {"roleArn": ROLE}, InvalidDefinition, MSG_MAP_PARALLEL_WITHOUT_MOCK),
    (
        "both-mock-fields",
        TASK,
        {"mock": {"result": "{}", "errorOutput": {"error": "E", "cause": "C"}}},
        ValidationException,
        "A test mock should have only one of the following fields: [result, errorOutput].",
    ),
    (
        "reveal-secrets-with-mock",
        TASK,
        {"mock": {"result": "{}"}, "revealSecrets": True},
        ValidationException,
        "TestState does not support RevealSecrets when a mock is specified.",
    ),
    (
        "mock-result-not-json",
        TASK,
        {"mock": {"result": "not JSON string", "fieldValidationMode": "NONE"}},
        ValidationException,
        "Mocked result must be valid JSON",
    ),
    (
        "mock-result-nan",
        TASK,
        {"mock": {"result": "NaN"}},
        ValidationException,
        "Mocked result must be valid JSON",
    ),
    (
        "map-mock-not-array",
        MAP,
        {"mock": {"result": '{"mock": "object"}'}},
        ValidationException,
        "Mocked result must be an array.",
    ),
    (
        "parallel-mock-not-array",
        PARALLEL,
        {"mock": {"result": '{"a": 1}'}},
        ValidationException,
        "Mocked result must be an array.",
    ),
    (
        "map-with-writer-mock-not-object",
        MAP_WITH_RESULT_WRITER,
        {"mock": {"result": '["x"]'}},
        ValidationException,
        "Mocked result must be a JSON object.",
    ),
    (
        "parallel-mock-too-few",
        PARALLEL,
        {"mock": {"result": '[{"branch1": "result"}]'}},
        ValidationException,
        "Mocked result must contain the same number of items as number of Parallel branches.",
    ),
    (
        "parallel-mock-too-many",
        PARALLEL,
        {"mock": {"result": "[1, 2, 3]"}},
        ValidationException,
        "Mocked result must contain the same number of items as number of Parallel branches.",
    ),
    (
        "failure-count-without-mock",
        MAP,
        {"roleArn": ROLE, "stateConfiguration": {"mapIterationFailureCount": 0}},
        ValidationException,
        "TestState does not support MapIterationFailureCount when a mock is not specified.",
    ),
    (
        "failure-count-without-mock-on-task",
        TASK,
        {"roleArn": ROLE, "stateConfiguration": {"mapIterationFailureCount": 1}},
        ValidationException,
        "TestState does not support MapIterationFailureCount when a mock is not specified.",
    ),
]


@pytest.mark.parametrize(
    ("definition", "members", "error_class", "message"),
    [rule[1:] for rule in RULES],
    ids=[rule[0] for rule in RULES],
)
def test_recorded_rule(
    definition: str, members: dict[str, Any], error_class: type[ApiError], message: str
) -> None:
    error = _fails(definition, **members)
    assert type(error) is error_class
    assert error.message == message
    assert error.status == 400


@pytest.mark.parametrize("state_name", ["dne", '"invalid"', "first"])
def test_state_not_found(state_name: str) -> None:
    error = _fails(MACHINE, stateName=state_name)
    assert (type(error), error.message) == (ValidationException, "State not found in definition")


def test_state_name_selects_the_state_to_test() -> None:
    assert _answer(MACHINE, stateName="First") == {"status": "SUCCEEDED", "output": "{}", "nextState": "Last"}
    assert _answer(MACHINE, stateName="Last", input='{"a": 1}') == {
        "status": "SUCCEEDED",
        "output": '{"a":1}',
    }


def test_state_name_may_select_a_state_inside_a_branch() -> None:
    machine = _definition({"StartAt": "Fork", "States": {"Fork": json.loads(PARALLEL)}})
    assert _answer(machine, stateName="Right", input="[2]") == {"status": "SUCCEEDED", "output": "[2]"}
    assert _answer(machine, stateName="Fork", mock={"result": "[1, 2]"}) == {
        "status": "SUCCEEDED",
        "output": "[1,2]",
    }


@pytest.mark.parametrize(
    ("definition", "members", "message"),
    [
        (
            _definition({"Type": "Parallel", "Branches": [], "End": True}),
            {"mock": {"result": "[]"}},
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at "
            "/States/StateName/Branches'",
        ),
        (
            "not a definition",
            {"mock": {"result": "[]"}},
            "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]'",
        ),
        (
            PASS,
            {"stateName": "StateName"},
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: "
            "[States, StartAt] at /'",
        ),
    ],
    ids=["schema", "not-json", "single-state-with-state-name"],
)
def test_definition_error(definition: str, members: dict[str, Any], message: str) -> None:
    error = _fails(definition, **members)
    assert (type(error), error.message) == (InvalidDefinition, message)


@pytest.mark.parametrize(
    ("definition", "context", "message"),
    [
        (TASK, '{"Pokedex": {}}', "Field 'Pokedex' is not allowed"),
        (TASK, '{"Map": {}}', "'Map' field is not supported when mocking a Context object"),
        (TASK, '{"Execution": {"Id": 1}}', "Execution.Id must be a string"),
        (TASK, "[]", "Context object must be a JSON object"),
        (
            TASK,
            '{"Task": {"Token": "abcd123"}}',
            "Context object contains 'Task' when state is not a Task state with a '.sync' or "
            "'.waitForTaskToken' service integration pattern",
        ),
        (MAP, '{"Pokedex": {}}', "Field 'Pokedex' is not allowed"),
    ],
    ids=["unknown-field", "map", "wrong-type", "not-object", "task-token-on-plain-task", "on-map"],
)
def test_v16_context_error_gets_the_prefix(definition: str, context: str, message: str) -> None:
    mock_result = "[]" if definition == MAP else "{}"
    error = _fails(definition, mock={"result": mock_result}, context=context)
    assert (type(error), error.message) == (
        ValidationException,
        "Invalid Context object provided: " + message,
    )


@pytest.mark.parametrize(
    ("definition", "members", "answer"),
    [
        (
            MAP,
            {"mock": {"result": "[1, 1, 1]"}, "input": "[7, 8, 9]"},
            {"status": "SUCCEEDED", "output": "[1,1,1]"},
        ),
        (
            MAP_WITH_RESULT_WRITER,
            {"mock": {"result": '{"MapRunArn": "x"}'}, "stateConfiguration": {"mapItemReaderData": "[1]"}},
            {"status": "SUCCEEDED", "output": '{"MapRunArn":"x"}'},
        ),
        (
            MAP,
            {
                "mock": {"errorOutput": {"error": "E"}},
                "stateConfiguration": {"mapIterationFailureCount": 1},
                "input": "[1]",
            },
            {"status": "FAILED", "error": "E"},
        ),
        (
            MAP,
            {
                "mock": {"result": "[]"},
                "input": "[]",
                "context": '{"Execution": {"Id": "x"}}',
                "inspectionLevel": "TRACE",
            },
            {
                "status": "SUCCEEDED",
                "output": "[]",
                "inspectionData": {
                    "input": "[]",
                    "afterInputPath": "[]",
                    "afterItemsPath": "[]",
                    "maxConcurrency": 0,
                    "afterResultSelector": "[]",
                    "afterResultPath": "[]",
                },
            },
        ),
        (
            PARALLEL,
            {"mock": {"result": "[1, 2]"}, "roleArn": ROLE},
            {"status": "SUCCEEDED", "output": "[1,2]"},
        ),
        (
            PARALLEL,
            {"mock": {"errorOutput": {"error": "E", "cause": "C"}}},
            {"status": "FAILED", "error": "E", "cause": "C"},
        ),
    ],
    ids=[
        "map",
        "map-result-writer",
        "map-error-with-failure-count",
        "map-with-context",
        "parallel",
        "parallel-error",
    ],
)
def test_map_and_parallel_run_with_their_mock(
    definition: str, members: dict[str, Any], answer: dict[str, Any]
) -> None:
    assert _answer(definition, **members) == answer


CONFIGURATION_RULES = [
    # stateConfiguration members that do not fit the tested state (AWS's wording is not recorded: ours)
    (
        "failure-count-on-task",
        TASK,
        {"mock": {"result": "{}"}, "stateConfiguration": {"mapIterationFailureCount": 0}},
        "TestState only supports MapIterationFailureCount for Map states.",
    ),
    (
        "failure-count-on-parallel",
        PARALLEL,
        {"mock": {"result": "[1, 2]"}, "stateConfiguration": {"mapIterationFailureCount": 1}},
        "TestState only supports MapIterationFailureCount for Map states.",
    ),
    (
        "reader-data-on-task",
        TASK,
        {"mock": {"result": "{}"}, "stateConfiguration": {"mapItemReaderData": "[]"}},
        "TestState only supports MapItemReaderData for Map states with an ItemReader.",
    ),
    (
        "reader-data-on-map-without-reader",
        MAP,
        {"mock": {"result": "[]"}, "input": "[]", "stateConfiguration": {"mapItemReaderData": "[]"}},
        "TestState only supports MapItemReaderData for Map states with an ItemReader.",
    ),
    (
        "caused-by-on-task",
        TASK,
        {"mock": {"errorOutput": {"error": "E"}}, "stateConfiguration": {"errorCausedByState": "Item"}},
        "TestState only supports ErrorCausedByState for Map and Parallel states.",
    ),
    (
        "caused-by-unknown-state",
        MAP,
        {
            "mock": {"errorOutput": {"error": "E"}},
            "input": "[]",
            "stateConfiguration": {"errorCausedByState": "Nowhere"},
        },
        "ErrorCausedByState must be the name of a state inside the tested Map or Parallel state.",
    ),
    (
        "caused-by-outside-the-branches",
        PARALLEL,
        {"mock": {"errorOutput": {"error": "E"}}, "stateConfiguration": {"errorCausedByState": "StateName"}},
        "ErrorCausedByState must be the name of a state inside the tested Map or Parallel state.",
    ),
    (
        "failure-count-over-iterations",
        MAP,
        {
            "mock": {"result": "[1, 1, 1]"},
            "input": "[1, 1, 1]",
            "stateConfiguration": {"mapIterationFailureCount": 4},
        },
        "Map iteration failure count must be less than or equal to the number of Map iterations",
    ),
    (
        "reader-without-data",
        MAP_WITH_RESULT_WRITER,
        {"mock": {"result": "{}"}},
        "This offline TestState server cannot read the ItemReader's source: specify "
        "stateConfiguration.mapItemReaderData",
    ),
]


@pytest.mark.parametrize(
    ("definition", "members", "message"),
    [rule[1:] for rule in CONFIGURATION_RULES],
    ids=[rule[0] for rule in CONFIGURATION_RULES],
)
def test_state_configuration_must_fit_the_state(
    definition: str, members: dict[str, Any], message: str
) -> None:
    error = _fails(definition, **members)
    assert (type(error), error.message, error.status) == (ValidationException, message, 400)


@pytest.mark.parametrize("caused_by", ["Left", "Right"])
def test_error_caused_by_state_names_a_state_of_a_branch(caused_by: str) -> None:
    answer = _answer(
        PARALLEL,
        mock={"errorOutput": {"error": "States.BranchFailed", "cause": "boom"}},
        stateConfiguration={"errorCausedByState": caused_by},
    )
    assert answer == {"status": "FAILED", "error": "States.BranchFailed", "cause": "boom"}


# --------------------------------------------------------------------------------------------
# Order of the rules where two collide (recorded where the module docstring says; ours elsewhere)
# --------------------------------------------------------------------------------------------
ORDER = [
    (
        "failure-count-before-map-without-mock",
        MAP,
        {"stateConfiguration": {"mapIterationFailureCount": 1}},
        ValidationException,
        "TestState does not support MapIterationFailureCount when a mock is not specified.",
    ),
    (
        "failure-count-before-context-without-mock",
        MAP,
        {"stateConfiguration": {"mapIterationFailureCount": 1}, "context": "{}"},
        ValidationException,
        "TestState does not support MapIterationFailureCount when a mock is not specified.",
    ),
    (
        "context-without-mock-before-map-without-mock",
        PARALLEL,
        {"context": "{}"},
        ValidationException,
        "TestState does not support Context when a mock is not specified.",
    ),
    ("map-without-mock-before-input", MAP, {"input": "x"}, InvalidDefinition, MSG_MAP_PARALLEL_WITHOUT_MOCK),
    (
        "mock-on-pass-before-context",
        PASS,
        {"mock": {"result": "{}"}, "context": '{"Map": {}}'},
        ValidationException,
        "State type 'Pass' is not supported when a mock is specified",
    ),
    (
        "mock-on-pass-before-reveal-secrets",
        PASS,
        {"mock": {"result": "{}"}, "revealSecrets": True},
        ValidationException,
        "State type 'Pass' is not supported when a mock is specified",
    ),
    (
        "mock-on-fail-before-both-mock-fields",
        FAIL,
        {"mock": {"result": "x", "errorOutput": {"error": "E"}}},
        ValidationException,
        "State type 'Fail' is not supported when a mock is specified",
    ),
    (
        "reveal-secrets-before-both-mock-fields",
        TASK,
        {"mock": {"result": "x", "errorOutput": {"error": "E"}}, "revealSecrets": True},
        ValidationException,
        "TestState does not support RevealSecrets when a mock is specified.",
    ),
    (
        "both-mock-fields-before-mock-not-json",
        TASK,
        {"mock": {"result": "x", "errorOutput": {"error": "E"}}},
        ValidationException,
        "A test mock should have only one of the following fields: [result, errorOutput].",
    ),
    (
        "mock-not-json-before-mock-shape",
        MAP,
        {"mock": {"result": "x"}},
        ValidationException,
        "Mocked result must be valid JSON",
    ),
    (
        "mock-not-array-before-branch-count",
        PARALLEL,
        {"mock": {"result": "{}"}},
        ValidationException,
        "Mocked result must be an array.",
    ),
    (
        "mock-before-input",
        TASK,
        {"mock": {"result": "x"}, "input": "x"},
        ValidationException,
        "Mocked result must be valid JSON",
    ),
    (
        "branch-count-before-input",
        PARALLEL,
        {"mock": {"result": "[1]"}, "input": "x"},
        ValidationException,
        "Mocked result must contain the same number of items as number of Parallel branches.",
    ),
    (
        "input-before-variables",
        TASK,
        {"mock": {"result": "{}"}, "input": "x", "variables": "[]"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'",
    ),
    (
        "variables-before-context",
        TASK,
        {"mock": {"result": "{}"}, "variables": "[]", "context": "x"},
        ValidationException,
        "Variables must be a valid JSON object",
    ),
    (
        "input-before-task-without-role",
        TASK,
        {"input": "x"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'",
    ),
    (
        "variables-before-task-without-role",
        TASK,
        {"variables": "1"},
        ValidationException,
        "Variables must be a valid JSON object",
    ),
    (
        "input-before-execution",
        MAP,
        {"mock": {"result": "[]"}, "input": "x"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'",
    ),
    (
        "variables-before-execution",
        PARALLEL,
        {"mock": {"result": "[1, 2]"}, "variables": "[]"},
        ValidationException,
        "Variables must be a valid JSON object",
    ),
    (
        "context-before-execution",
        MAP,
        {"mock": {"result": "[]"}, "context": '{"Map": {}}'},
        ValidationException,
        "Invalid Context object provided: 'Map' field is not supported when mocking a Context object",
    ),
    (
        "state-not-found-before-failure-count",
        MACHINE,
        {"stateName": "dne", "stateConfiguration": {"mapIterationFailureCount": 1}},
        ValidationException,
        "State not found in definition",
    ),
    (
        "state-not-found-before-mock-on-pass",
        MACHINE,
        {"stateName": "dne", "mock": {"result": "{}"}},
        ValidationException,
        "State not found in definition",
    ),
]


@pytest.mark.parametrize(
    ("definition", "members", "error_class", "message"),
    [rule[1:] for rule in ORDER],
    ids=[rule[0] for rule in ORDER],
)
def test_first_rule_wins(
    definition: str, members: dict[str, Any], error_class: type[ApiError], message: str
) -> None:
    error = _fails(definition, **members)
    assert (type(error), error.message) == (error_class, message)


def test_role_arn_shape_is_checked_before_the_definition() -> None:
    error = _fails("not a definition", roleArn="bad")
    assert (type(error), error.message) == (InvalidArn, "Invalid Arn: 'Invalid ARN prefix: bad'")


@pytest.mark.parametrize("definition", ["not a definition", _definition({"Type": "Pass"})])
def test_definition_errors_come_before_every_mock_rule(definition: str) -> None:
    error = _fails(
        definition,
        mock={"result": "x", "errorOutput": {"error": "E"}},
        revealSecrets=True,
        stateConfiguration={"mapIterationFailureCount": 1},
        input="x",
    )
    assert type(error) is InvalidDefinition
    assert error.message.startswith("Invalid State Machine Definition: '")


# --------------------------------------------------------------------------------------------
# Rules whose wording AWS did not record (ours)
# --------------------------------------------------------------------------------------------
INFERRED = [
    (
        "context-without-mock",
        PASS,
        {"context": "{}"},
        ValidationException,
        "TestState does not support Context when a mock is not specified.",
    ),
    (
        "context-without-mock-task",
        TASK,
        {"context": "{}", "roleArn": ROLE},
        ValidationException,
        "TestState does not support Context when a mock is not specified.",
    ),
    (
        "empty-mock",
        TASK,
        {"mock": {"fieldValidationMode": "NONE"}},
        ValidationException,
        "A test mock should have one of the following fields: [result, errorOutput].",
    ),
    (
        "context-not-json",
        TASK,
        {"mock": {"result": "{}"}, "context": "{"},
        ValidationException,
        "Invalid Context object provided: Unexpected end-of-input: expected close marker for Object "
        '(start marker at [Source: (String)"{"; line: 1, column: 1])',
    ),
    (
        "variables-not-json",
        PASS,
        {"variables": "{"},
        ValidationException,
        "Variables must be a valid JSON object: Unexpected end-of-input: expected close marker for Object "
        '(start marker at [Source: (String)"{"; line: 1, column: 1])',
    ),
    (
        "variables-array",
        PASS,
        {"variables": "[1]"},
        ValidationException,
        "Variables must be a valid JSON object",
    ),
    (
        "input-empty",
        PASS,
        {"input": ""},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Invalid execution input.'",
    ),
    (
        # StartExecution's recorded answer (api/test_sfn_api/test_invalid_start_execution_input).
        "input-not-json",
        PASS,
        {"input": "not some json"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, "
        "Number, Array, Object or token 'null', 'true' or 'false')'",
    ),
    (
        # Recorded the same way.
        "input-single-quotes",
        PASS,
        {"input": "{'not': 'json'"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting "
        "double-quote to start field name'",
    ),
    (
        "input-nan",
        PASS,
        {"input": "NaN"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Non-standard token 'NaN': enable "
        "JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow'",
    ),
    (
        "input-trailing",
        PASS,
        {"input": "{} {}"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Trailing token (of type START_OBJECT) found after value "
        "(bound as `com.fasterxml.jackson.databind.JsonNode`): not allowed as per "
        "`DeserializationFeature.FAIL_ON_TRAILING_TOKENS`'",
    ),
    (
        "input-no-break-space",
        PASS,
        {"input": "\u00a0"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Unexpected character ('\u00a0' (code 160)): expected a "
        "valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'",
    ),
    (
        "input-white-space",
        PASS,
        {"input": " \n\t"},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'Invalid execution input.'",
    ),
    (
        "variables-trailing",
        PASS,
        {"variables": '{"a": 1}]'},
        ValidationException,
        "Variables must be a valid JSON object: Unexpected close marker ']': expected '}' (for root "
        'starting at [Source: (String)"{"a": 1}]"; line: 1, column: 0])',
    ),
    (
        "context-not-json-token",
        TASK,
        {"mock": {"result": "{}"}, "context": "Execution"},
        ValidationException,
        "Invalid Context object provided: Unrecognized token 'Execution': was expecting (JSON String, "
        "Number, Array, Object or token 'null', 'true' or 'false')",
    ),
    (
        "input-too-deep",
        PASS,
        {"input": "[" * 50_000 + "]" * 50_000},
        InvalidExecutionInput,
        "Invalid State Machine Execution Input: 'nesting depth exceeds the maximum allowed (1000)'",
    ),
    (
        "arn-prefix",
        PASS,
        {"roleArn": "role/TestStateRole"},
        InvalidArn,
        "Invalid Arn: 'Invalid ARN prefix: role/TestStateRole'",
    ),
    (
        "arn-parts",
        PASS,
        {"roleArn": "arn:aws:iam::123456789012"},
        InvalidArn,
        "Invalid Arn: 'Resource name not found in ARN: arn:aws:iam::123456789012'",
    ),
    ("task-offline", TASK, {"roleArn": ROLE}, ValidationException, operations.MSG_OFFLINE_TASK),
    ("task-callback", CALLBACK_TASK, {"roleArn": ROLE}, ValidationException, operations.MSG_CALLBACK_TASK),
    ("task-sync", SYNC_TASK, {"roleArn": ROLE}, ValidationException, operations.MSG_CALLBACK_TASK),
    ("task-activity", ACTIVITY_TASK, {"roleArn": ROLE}, ValidationException, operations.MSG_CALLBACK_TASK),
    (
        "task-callback-no-role",
        CALLBACK_TASK,
        {},
        ValidationException,
        "RoleArn must be specified when testing a Task state",
    ),
]


@pytest.mark.parametrize(
    ("definition", "members", "error_class", "message"),
    [rule[1:] for rule in INFERRED],
    ids=[rule[0] for rule in INFERRED],
)
def test_inferred_rule(
    definition: str, members: dict[str, Any], error_class: type[ApiError], message: str
) -> None:
    error = _fails(definition, **members)
    assert (type(error), error.message) == (error_class, message)


def test_offline_message_names_the_missing_mock() -> None:
    assert "mock" in operations.MSG_OFFLINE_TASK
    assert "cannot call AWS" in operations.MSG_OFFLINE_TASK


# --------------------------------------------------------------------------------------------
# What reaches the core, seen in real answers
# --------------------------------------------------------------------------------------------
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def _generated_context(answer: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = json.loads(answer["output"])["context"]
    return context


def test_defaults_reach_the_core() -> None:
    """No input -> {}, no variables, no mock, no context: the generated one (as recorded, see
    interpreter/context.py)."""
    answer = _answer(PASS_CONTEXT, world=_fixed_world(), inspectionLevel="DEBUG")
    assert answer["status"] == "SUCCEEDED"
    assert answer["inspectionData"]["input"] == "{}"
    assert "variables" not in answer["inspectionData"]
    context = _generated_context(answer)
    machine_name = context["StateMachine"]["Name"]
    execution_name = context["Execution"]["Name"]
    assert re.fullmatch(f"TestStateMachine-{_UUID}", machine_name)
    assert re.fullmatch(_UUID, execution_name)
    assert context == {
        "Execution": {
            "Id": f"arn:aws:states:us-east-1:123456789012:express:{machine_name}:{execution_name}",
            "Input": {},
            "Name": execution_name,
            "RoleArn": None,
            "StartTime": "2025-01-02T03:04:05.678Z",
        },
        "StateMachine": {
            "Id": f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine_name}",
            "Name": machine_name,
        },
        "State": {"Name": "StateName", "EnteredTime": "2025-01-02T03:04:05.678Z"},
    }


def test_the_world_given_is_the_one_used() -> None:
    first = _answer(PASS_CONTEXT, world=_fixed_world(seed=1))
    assert _answer(PASS_CONTEXT, world=_fixed_world(seed=1)) == first
    assert _answer(PASS_CONTEXT, world=_fixed_world(seed=2)) != first


def test_a_fresh_world_per_call_by_default() -> None:
    first, second = _generated_context(_answer(PASS_CONTEXT)), _generated_context(_answer(PASS_CONTEXT))
    assert first["Execution"]["Name"] != second["Execution"]["Name"]


@pytest.mark.parametrize(
    ("role_arn", "account"),
    [
        ("arn:aws:iam::210987654321:role/R", "210987654321"),
        ("arn:aws-cn:iam::000000000001:role/path/R", "000000000001"),
        ("arn:aws:iam::not-an-account:role/R", "123456789012"),
    ],
)
def test_account_comes_from_the_role_arn(role_arn: str, account: str) -> None:
    context = _generated_context(_answer(PASS_CONTEXT, region="eu-west-1", roleArn=role_arn))
    prefix = f"arn:aws:states:eu-west-1:{account}:"
    assert context["Execution"]["Id"].startswith(prefix + "express:TestStateMachine-")
    assert context["StateMachine"]["Id"].startswith(prefix + "stateMachine:TestStateMachine-")
    assert context["Execution"]["RoleArn"] == role_arn


def test_the_input_reaches_the_generated_context() -> None:
    context = _generated_context(_answer(PASS_CONTEXT, input='{"a": [1, null]}'))
    assert context["Execution"]["Input"] == {"a": [1, None]}


def test_the_generated_context_knows_the_state_type() -> None:
    """Recorded: State.RetryCount is there for a Task test, not for a Pass test."""
    task = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"state.$": "$$.State"},
            "End": True,
        }
    )
    answer = _answer(task, world=_fixed_world(), mock={"result": "{}"}, inspectionLevel="DEBUG")
    assert json.loads(answer["inspectionData"]["afterParameters"]) == {
        "state": {"Name": "StateName", "EnteredTime": "2025-01-02T03:04:05.678Z", "RetryCount": 0}
    }


def test_decoded_members_reach_the_core() -> None:
    task = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"in.$": "$", "var.$": "$v", "context.$": "$$"},
            "End": True,
        }
    )
    answer = _answer(
        task,
        input='[1, {"a": null}]',
        variables='{"v": [true]}',
        mock={"result": '{"Payload": 1.5}', "fieldValidationMode": "PRESENT"},
        context='{"Execution": {"Id": "x"}}',
        inspectionLevel="DEBUG",
        stateConfiguration={"retrierRetryCount": 4},
    )
    assert answer == {
        "status": "SUCCEEDED",
        "output": '{"Payload":1.5}',
        "inspectionData": {
            "input": '[1,{"a":null}]',
            "afterInputPath": '[1,{"a":null}]',
            # the caller's context replaces the generated one entirely
            "afterParameters": '{"in":[1,{"a":null}],"var":[true],"context":{"Execution":{"Id":"x"}}}',
            "result": '{"Payload":1.5}',
            "afterResultSelector": '{"Payload":1.5}',
            "afterResultPath": '{"Payload":1.5}',
            "variables": '{"v":[true]}',
        },
    }


def test_state_configuration_is_passed_on_as_the_core_value() -> None:
    request = _request(
        TASK,
        mock={"result": "{}"},
        stateConfiguration={
            "retrierRetryCount": 4,
            "errorCausedByState": "Child",
            "mapIterationFailureCount": 2,
            "mapItemReaderData": "[1, 2]",
        },
    )
    assert operations.state_configuration(request) == StateConfiguration(
        retrier_retry_count=4,
        error_caused_by_state="Child",
        map_iteration_failure_count=2,
        map_item_reader_data="[1, 2]",
    )
    assert operations.state_configuration(_request(TASK)) == StateConfiguration()
    partial = _request(TASK, stateConfiguration={"errorCausedByState": "Child"})
    assert operations.state_configuration(partial) == StateConfiguration(error_caused_by_state="Child")


def test_the_task_token_of_a_callback_task_comes_from_the_context() -> None:
    """Spec 6.10 (recorded SQS example): context ``Task.Token`` reaches ``$$.Task.Token``."""
    answer = _answer(
        CALLBACK_TASK,
        mock={"result": '{"ok": 1}'},
        context='{"Task": {"Token": "abcd123"}}',
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "SUCCEEDED"
    assert answer["output"] == '{"ok":1}'
    assert json.loads(answer["inspectionData"]["afterParameters"]) == {
        "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
        "MessageBody": {"TaskToken": "abcd123"},
    }


DESCRIBE_EXECUTION = (
    '{"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:m:e",'
    ' "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m",'
    ' "Status": "SUCCEEDED", "StartDate": "2025-01-01T00:00:00Z", "Output": {"done": true}}'
)


@pytest.mark.parametrize(
    "definition, mock_result",
    [
        # .sync:2 returns the polling API's answer: a DescribeExecution shape.
        (SYNC_TASK, DESCRIBE_EXECUTION),
        (ACTIVITY_TASK, '{"Output": "done"}'),  # an activity's output is not validated
    ],
)
def test_sync_and_activity_tasks_run_with_a_mock(definition: str, mock_result: str) -> None:
    assert _answer(definition, mock={"result": mock_result}) == {
        "status": "SUCCEEDED",
        "output": json.dumps(json.loads(mock_result), separators=(",", ":")),
    }


def test_a_sync_task_mock_is_checked_against_the_polling_api() -> None:
    with pytest.raises(ValidationException, match="Required field 'ExecutionArn' is missing"):
        _answer(SYNC_TASK, mock={"result": '{"Output": "done"}'})


@pytest.mark.parametrize(
    ("error_output", "expected"),
    [
        ({"error": "MockException"}, {"status": "FAILED", "error": "MockException"}),
        (
            {"error": "Lambda.ServiceException", "cause": "boom"},
            {"status": "FAILED", "error": "Lambda.ServiceException", "cause": "boom"},
        ),
    ],
)
def test_mocked_error_reaches_the_core(error_output: dict[str, str], expected: dict[str, Any]) -> None:
    assert _answer(TASK, mock={"errorOutput": error_output}) == expected


@pytest.mark.parametrize("result", ["null", "0", '"text"', "[]", "{}", '{"a": [1.5, true]}'])
def test_task_accepts_any_json_mock_result(result: str) -> None:
    answer = _answer(TASK, mock={"result": result})
    assert answer == {"status": "SUCCEEDED", "output": json.dumps(json.loads(result), separators=(",", ":"))}


# --------------------------------------------------------------------------------------------
# Encoding the answer
# --------------------------------------------------------------------------------------------
FULL_INSPECTION: Mapping[str, Any] = MappingProxyType(
    {
        "input": {"a": [1, 2]},
        "afterInputPath": {"a": [1, 2]},
        "afterParameters": "text",
        "afterArguments": None,
        "result": [1, {"b": "é"}],
        "afterResultSelector": 3,
        "afterResultPath": {"a": [1, 2], "r": True},
        "variables": {"x": 1},
        "errorDetails": {"retryIndex": 0, "retryBackoffIntervalSeconds": 16},
        "afterItemsPath": ["first", "second"],
        "afterItemSelector": [{"i": 0}],
        "afterItemBatcher": {"Items": []},
        "afterItemsPointer": [],
        "maxConcurrency": 0,
        "toleratedFailureCount": 1,
        "toleratedFailurePercentage": 1,
        "request": {"protocol": "https", "method": "GET", "url": "u", "headers": "h", "body": ""},
        "response": {
            "protocol": "https",
            "statusCode": 200,
            "statusMessage": "OK",
            "headers": "h",
            "body": "{}",
        },
    }
)


def test_inspection_members_are_encoded_as_the_model_says() -> None:
    encoded = operations.encode_inspection(FULL_INSPECTION)
    assert encoded == {
        "input": '{"a":[1,2]}',
        "afterInputPath": '{"a":[1,2]}',
        "afterParameters": '"text"',
        "result": '[1,{"b":"é"}]',
        "afterResultSelector": "3",
        "afterResultPath": '{"a":[1,2],"r":true}',
        "variables": '{"x":1}',
        "errorDetails": {"retryIndex": 0, "retryBackoffIntervalSeconds": 16},
        "afterItemsPath": '["first","second"]',
        "afterItemSelector": '[{"i":0}]',
        "afterItemBatcher": '{"Items":[]}',
        "afterItemsPointer": "[]",
        "maxConcurrency": 0,
        "toleratedFailureCount": 1,
        "toleratedFailurePercentage": 1.0,
        "request": {"protocol": "https", "method": "GET", "url": "u", "headers": "h", "body": ""},
        "response": {
            "protocol": "https",
            "statusCode": "200",
            "statusMessage": "OK",
            "headers": "h",
            "body": "{}",
        },
    }
    assert isinstance(encoded["toleratedFailurePercentage"], float)
    assert json.dumps(encoded["toleratedFailurePercentage"]) == "1.0"


def test_inspection_drops_absent_unknown_and_empty_variables() -> None:
    encoded = operations.encode_inspection({"input": {}, "result": ABSENT, "variables": {}, "made_up": 1})
    assert encoded == {"input": "{}"}


@pytest.mark.parametrize(
    ("result", "level", "expected"),
    [
        (
            TestResult(
                status=Status.SUCCEEDED,
                output={"Value": "HelloWorld"},
                next_state="Next",
                inspection={"input": {"Value": "HelloWorld"}},
            ),
            "INFO",
            {"status": "SUCCEEDED", "output": '{"Value":"HelloWorld"}', "nextState": "Next"},
        ),
        (
            TestResult(
                status=Status.SUCCEEDED,
                output={"Value": "HelloWorld"},
                next_state="Next",
                inspection={"input": {"Value": "HelloWorld"}},
            ),
            "DEBUG",
            {
                "status": "SUCCEEDED",
                "output": '{"Value":"HelloWorld"}',
                "nextState": "Next",
                "inspectionData": {"input": '{"Value":"HelloWorld"}'},
            },
        ),
        (
            TestResult(status=Status.FAILED, error="SomeFailure", cause="Because", inspection={"input": {}}),
            "TRACE",
            {
                "status": "FAILED",
                "error": "SomeFailure",
                "cause": "Because",
                "inspectionData": {"input": "{}"},
            },
        ),
        (TestResult(status=Status.FAILED, error="E"), "INFO", {"status": "FAILED", "error": "E"}),
        (TestResult(status=Status.FAILED), "INFO", {"status": "FAILED"}),
        (TestResult(status=Status.SUCCEEDED, output=None), "INFO", {"status": "SUCCEEDED", "output": "null"}),
        (
            TestResult(
                status=Status.RETRIABLE,
                error="E",
                cause="",
                inspection={"errorDetails": {"retryIndex": 0, "retryBackoffIntervalSeconds": 1}},
            ),
            "DEBUG",
            {
                "status": "RETRIABLE",
                "error": "E",
                "cause": "",
                "inspectionData": {"errorDetails": {"retryIndex": 0, "retryBackoffIntervalSeconds": 1}},
            },
        ),
    ],
    ids=["info", "debug", "trace-failed", "error-only", "bare", "null-output", "retriable"],
)
def test_encoding_has_only_members_with_a_value(
    result: TestResult, level: str, expected: dict[str, Any]
) -> None:
    """The encoder alone, on plain values (statuses the core cannot produce yet included)."""
    answer = operations.encode_result(result, level)
    assert answer == expected
    assert json.loads(json.dumps(answer)) == expected
    assert type(answer["status"]) is str


ANSWERS = [
    (
        "pass-info",
        PASS,
        {"input": '{"Value": "HelloWorld"}'},
        {"status": "SUCCEEDED", "output": '{"Value":"HelloWorld"}'},
    ),
    (
        "pass-debug",
        PASS,
        {"input": "[1]", "inspectionLevel": "DEBUG"},
        {
            "status": "SUCCEEDED",
            "output": "[1]",
            "inspectionData": {
                "input": "[1]",
                "afterInputPath": "[1]",
                "afterParameters": "[1]",
                "afterResultSelector": "[1]",
                "afterResultPath": "[1]",
            },
        },
    ),
    ("null-output", PASS, {"input": "null"}, {"status": "SUCCEEDED", "output": "null"}),
    (
        "next-state",
        MACHINE,
        {"stateName": "First", "inspectionLevel": "INFO"},
        {"status": "SUCCEEDED", "output": "{}", "nextState": "Last"},
    ),
    (
        "fail-trace",
        FAIL,
        {"inspectionLevel": "TRACE"},
        {
            "status": "FAILED",
            "error": "E",
            "cause": "C",
            "inspectionData": {"input": "{}", "afterInputPath": "{}"},
        },
    ),
    ("fail-error-only", _definition({"Type": "Fail", "Error": "E"}), {}, {"status": "FAILED", "error": "E"}),
    ("fail-cause-only", _definition({"Type": "Fail", "Cause": "C"}), {}, {"status": "FAILED", "cause": "C"}),
    ("fail-bare", _definition({"Type": "Fail"}), {}, {"status": "FAILED"}),
    (
        "succeed-debug",
        SUCCEED,
        {"input": '{"a": 1}', "inspectionLevel": "DEBUG"},
        {
            "status": "SUCCEEDED",
            "output": '{"a":1}',
            "inspectionData": {"input": '{"a":1}', "afterInputPath": '{"a":1}'},
        },
    ),
    (
        "choice-debug",
        CHOICE,
        {"input": '{"a": 1}', "inspectionLevel": "DEBUG"},
        {
            "status": "SUCCEEDED",
            "output": '{"a":1}',
            "nextState": "One",
            "inspectionData": {"input": '{"a":1}', "afterInputPath": '{"a":1}'},
        },
    ),
    (
        "choice-default",
        CHOICE,
        {"input": '{"a": 2}'},
        {"status": "SUCCEEDED", "output": '{"a":2}', "nextState": "Other"},
    ),
    (
        "wait-trace",
        WAIT,
        {"inspectionLevel": "TRACE"},
        {
            "status": "SUCCEEDED",
            "output": "{}",
            "nextState": "After",
            "inspectionData": {"input": "{}", "afterInputPath": "{}"},
        },
    ),
    (
        "task-mock-debug",
        TASK,
        {"mock": {"result": '{"Payload": "é"}'}, "input": '{"k": 1}', "inspectionLevel": "DEBUG"},
        {
            "status": "SUCCEEDED",
            "output": '{"Payload":"é"}',
            "inspectionData": {
                "input": '{"k":1}',
                "afterInputPath": '{"k":1}',
                "afterParameters": '{"FunctionName":"f","Payload":{"k":1}}',
                "result": '{"Payload":"é"}',
                "afterResultSelector": '{"Payload":"é"}',
                "afterResultPath": '{"Payload":"é"}',
            },
        },
    ),
    (
        "task-mock-error-trace",
        TASK,
        {"mock": {"errorOutput": {"error": "E", "cause": "C"}}, "inspectionLevel": "TRACE"},
        {
            "status": "FAILED",
            "error": "E",
            "cause": "C",
            "inspectionData": {
                "input": "{}",
                "afterInputPath": "{}",
                "afterParameters": '{"FunctionName":"f","Payload":{}}',
            },
        },
    ),
    (
        "empty-variables-omitted",
        PASS,
        {"variables": "{}", "inspectionLevel": "DEBUG"},
        {
            "status": "SUCCEEDED",
            "output": "{}",
            "inspectionData": {
                "input": "{}",
                "afterInputPath": "{}",
                "afterParameters": "{}",
                "afterResultSelector": "{}",
                "afterResultPath": "{}",
            },
        },
    ),
    (
        "variables-after-assign",
        _definition({"Type": "Pass", "Assign": {"x": 1}, "End": True}),
        {"variables": '{"y": 2}', "inspectionLevel": "DEBUG"},
        {
            "status": "SUCCEEDED",
            "output": "{}",
            "inspectionData": {
                "input": "{}",
                "afterInputPath": "{}",
                "afterParameters": "{}",
                "afterResultSelector": "{}",
                "afterResultPath": "{}",
                "variables": '{"y":2,"x":1}',
            },
        },
    ),
    (
        "variables-not-shown-at-info",
        _definition({"Type": "Pass", "Assign": {"x": 1}, "End": True}),
        {"variables": '{"y": 2}'},
        {"status": "SUCCEEDED", "output": "{}"},
    ),
    (
        "runtime-failure-is-an-answer",
        _definition({"Type": "Pass", "InputPath": "$.missing", "End": True}),
        {"input": '{"a": 1}'},
        {
            "status": "FAILED",
            "error": "States.Runtime",
            "cause": "Invalid path '$.missing' : No results for path: $['missing']",
        },
    ),
]


@pytest.mark.parametrize(
    ("definition", "members", "expected"), [case[1:] for case in ANSWERS], ids=[case[0] for case in ANSWERS]
)
def test_the_operation_returns_the_encoded_result(
    definition: str, members: dict[str, Any], expected: dict[str, Any]
) -> None:
    answer = _answer(definition, **members)
    assert answer == expected
    assert json.loads(json.dumps(answer)) == expected
    assert all(
        type(answer[key]) is str
        for key in ("status", "error", "cause", "output", "nextState")
        if key in answer
    )


# --------------------------------------------------------------------------------------------
# End to end, with the real core (recorded: aws/test_test_state_scenarios/
# test_base_inspection_level_debug__IO_PASS_STATE and test_base_inspection_level_info__BASE_FAIL_STATE)
# --------------------------------------------------------------------------------------------
E1_DEFINITION = json.dumps(
    {
        "Type": "Pass",
        "InputPath": "$.initialData",
        "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
        "ResultPath": "$.modifiedData",
        "End": True,
    }
)
E1_INPUT = json.dumps(
    {
        "initialData": {"fieldFromInput": "value from input", "otherField": "other"},
        "unrelatedData": {"someOtherField": 1234},
    }
)
E1_OUTPUT = {
    "initialData": {"fieldFromInput": "value from input", "otherField": "other"},
    "unrelatedData": {"someOtherField": 1234},
    "modifiedData": {"staticValue": "some value", "inputValue": "value from input"},
}
E1_INSPECTION = {
    "input": json.loads(E1_INPUT),
    "afterInputPath": {"fieldFromInput": "value from input", "otherField": "other"},
    "afterParameters": {"staticValue": "some value", "inputValue": "value from input"},
    "afterResultSelector": {"staticValue": "some value", "inputValue": "value from input"},
    "afterResultPath": E1_OUTPUT,
}
E3_DEFINITION = json.dumps(
    {
        "Type": "Fail",
        "Error": "SomeFailure",
        "Cause": "This state machines raises a 'SomeFailure' failure.",
    }
)
E3_ANSWER = {
    "status": "FAILED",
    "error": "SomeFailure",
    "cause": "This state machines raises a 'SomeFailure' failure.",
}


def _check_e1(answer: dict[str, Any]) -> None:
    answer = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
    assert set(answer) == {"status", "output", "inspectionData"}
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == E1_OUTPUT
    assert {key: json.loads(text) for key, text in answer["inspectionData"].items()} == E1_INSPECTION


def test_e1_pass_debug_in_process() -> None:
    _check_e1(_answer(E1_DEFINITION, input=E1_INPUT, inspectionLevel="DEBUG"))


def test_e3_fail_info_in_process() -> None:
    assert _answer(E3_DEFINITION, roleArn=ROLE) == E3_ANSWER


@pytest.mark.e2e
def test_e1_pass_debug_with_boto3(sfn: Any) -> None:
    _check_e1(sfn.test_state(definition=E1_DEFINITION, input=E1_INPUT, inspectionLevel="DEBUG"))


@pytest.mark.e2e
def test_e1_pass_debug_with_the_aws_cli(aws_cli: Any) -> None:
    answer = aws_cli(definition=E1_DEFINITION, input=E1_INPUT, inspectionLevel="DEBUG")
    assert isinstance(answer, dict), answer
    _check_e1(answer)


@pytest.mark.e2e
def test_e3_fail_info_with_boto3(sfn: Any) -> None:
    answer = sfn.test_state(definition=E3_DEFINITION, roleArn=ROLE)
    answer.pop("ResponseMetadata")
    assert answer == E3_ANSWER


@pytest.mark.e2e
def test_e3_fail_info_with_the_aws_cli(aws_cli: Any) -> None:
    assert aws_cli(definition=E3_DEFINITION, inspectionLevel="INFO") == E3_ANSWER


@pytest.mark.e2e
def test_recorded_validation_error_through_boto3(sfn: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        sfn.test_state(
            definition=PASS, mock={"result": '{"mock": "the unmockable"}'}, inspectionLevel="TRACE"
        )
    error = caught.value.response
    assert error["Error"] == {
        "Code": "ValidationException",
        "Message": "State type 'Pass' is not supported when a mock is specified",
    }
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.e2e
def test_map_iteration_count_error_through_boto3(sfn: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        sfn.test_state(
            definition=MAP,
            input="[1, 2]",
            mock={"result": "[1, 2]"},
            stateConfiguration={"mapIterationFailureCount": 3},
        )
    error = caught.value.response
    assert error["Error"] == {
        "Code": "ValidationException",
        "Message": "Map iteration failure count must be less than or equal to the number of Map iterations",
    }
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.e2e
def test_cli_reports_errors(aws_cli: Any) -> None:
    from tests.conftest import CliError

    answer = aws_cli(definition=PASS, mock={"result": "{}"})
    assert isinstance(answer, CliError)
    assert answer.returncode != 0
    assert "ValidationException" in answer.stderr
    assert "State type 'Pass' is not supported when a mock is specified" in answer.stderr


def test_context_retry_count_follows_the_configured_retrier_retry_count() -> None:
    definition = _definition(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"attempt.$": "$$.State.RetryCount"},
            "End": True,
        }
    )
    answer = _answer(
        definition,
        mock={"result": "{}"},
        stateConfiguration={"retrierRetryCount": 2},
        inspectionLevel="DEBUG",
    )
    assert json.loads(answer["inspectionData"]["afterParameters"]) == {"attempt": 2}
