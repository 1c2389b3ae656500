"""Tests for interpreter/schema/: AWS's definition-validation messages, first problem only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.errors import DefinitionError
from interpreter.schema import tables as schema_tables
from interpreter.schema import validate_machine, validate_single_state
from tests.corpus import TESTSTATE_CORPORA

# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------


def machine(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states, **top}


def error_of(func: Any, doc: Any) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        func(doc)
    return info.value


PASS_END = {"Type": "Pass", "End": True}
TASK = "arn:aws:states:::lambda:invoke"


# ------------------------------------------------------------------------------------------
# Messages recorded from AWS (see the evidence notes in interpreter/schema/__init__.py), verbatim
# ------------------------------------------------------------------------------------------

RECORDED_MACHINE = [
    pytest.param(
        {"StartAt": "S", "States": {"S": {"Type": "TypeThatDoesNotExist", "End": True}}},
        "SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: "
        "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/S/Type",
        id="type-unknown",
    ),
    pytest.param(
        {}, "SCHEMA_VALIDATION_FAILED: These fields are required: [States, StartAt] at /", id="empty"
    ),
    pytest.param(
        {"States": {"S": PASS_END}},
        "SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /",
        id="no-startat",
    ),
    pytest.param(
        {"StartAt": "S"}, "SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /", id="no-states"
    ),
    pytest.param(
        machine({"State0": {"Type": "Task", "Resource": TASK, "Credentials": {}, "End": True}}),
        "SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at /States/State0/Credentials",
        id="credentials-no-rolearn",
    ),
    pytest.param(
        machine(
            {"Pass": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}, QueryLanguage="JSONata"
        ),
        "SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' "
        "for whole state machine at /States/Pass",
        id="query-language-downgrade",
    ),
    pytest.param(
        machine(
            {"P": {"Type": "Pass", "End": True, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "P"}]}}
        ),
        "SCHEMA_VALIDATION_FAILED: Field 'Catch' is not supported at /States/P",
        id="catch-on-pass",
    ),
    pytest.param(
        machine(
            {"W": {"Type": "Wait", "Seconds": 1, "End": True, "Retry": [{"ErrorEquals": ["States.ALL"]}]}}
        ),
        "SCHEMA_VALIDATION_FAILED: Field 'Retry' is not supported at /States/W",
        id="retry-on-wait",
    ),
    pytest.param(
        machine(
            {
                "P": {
                    "Type": "Parallel",
                    "TimeoutSeconds": 5,
                    "Branches": [machine({"B": PASS_END})],
                    "End": True,
                }
            }
        ),
        "SCHEMA_VALIDATION_FAILED: Field 'TimeoutSeconds' is not supported at /States/P",
        id="timeout-on-parallel",
    ),
    pytest.param(
        machine({"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": PASS_END}),
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next",
        id="dangling-next",
    ),
    pytest.param(
        machine(
            {"Pass One": {"Type": "Pass", "Next": "Success"}, "Success": {"Type": "Succeed"}},
            start="Not sure",
        ),
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: Not sure at /StartAt",
        id="dangling-startat",
    ),
    pytest.param(
        machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}),
        "MISSING_END_STATE: Workflow has no terminal state at null",
        id="no-terminal-state",
    ),
    pytest.param(
        machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "C": PASS_END}),
        'MISSING_TRANSITION_TARGET: State "C" is not reachable. at /States/C',
        id="unreachable",
    ),
    pytest.param(
        machine({"S" * 81: PASS_END}),
        f"INVALID_STATE_NAME: Invalid State name: State '{'S' * 81}' exceeds the 80-character limit "
        f"allowed by the service at /States/{'S' * 81}",
        id="state-name-too-long",
    ),
    pytest.param(
        "", "SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object at null", id="not-an-object"
    ),
]


@pytest.mark.parametrize(("doc", "message"), RECORDED_MACHINE)
def test_recorded_machine_messages(doc: Any, message: str) -> None:
    assert error_of(validate_machine, doc).message == message


def test_recorded_single_state_empty_branches() -> None:
    error = error_of(validate_single_state, {"Type": "Parallel", "Branches": [], "End": True})
    assert f"Invalid State Machine Definition: '{error.message}'" == (
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at "
        "/States/StateName/Branches'"
    )
    assert (error.code, error.pointer) == ("SCHEMA_VALIDATION_FAILED", "/States/StateName/Branches")


def test_single_state_allows_dangling_next() -> None:
    validate_single_state({"Type": "Pass", "Next": "Elsewhere"})
    validate_single_state(
        {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Y"}], "Default": "Z"}
    )
    validate_single_state(
        {
            "Type": "Task",
            "Resource": TASK,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}],
            "End": True,
        }
    )


# ------------------------------------------------------------------------------------------
# The conformance corpus: every definition validates, except the recorded schema errors
# ------------------------------------------------------------------------------------------


CASES = sorted(path for root in TESTSTATE_CORPORA for path in root.glob("*/*.json"))


@pytest.mark.parametrize(
    "path", CASES, ids=[f"{p.parent.parent.name}/{p.parent.name}/{p.stem}" for p in CASES]
)
def test_conformance_definitions(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    request = case["request"]
    doc = json.loads(request["definition"])
    validate = validate_machine if "stateName" in request else validate_single_state
    expected = case["expect"].get("error", {})
    message = expected.get("message", "")
    if expected.get("code") == "InvalidDefinition" and message.startswith("Invalid State Machine Definition"):
        assert f"Invalid State Machine Definition: '{error_of(validate, doc).message}'" == message
    else:
        validate(doc)


def test_conformance_corpus_has_the_recorded_schema_errors() -> None:
    schema_errors = [
        p.stem
        for p in CASES
        if "Invalid State Machine Definition" in json.dumps(json.loads(p.read_text())["expect"])
    ]
    assert sorted(schema_errors) == [
        "test_parallel_state_empty_branches",
        "test_state_name_invalid_state_definition",
    ]


# ------------------------------------------------------------------------------------------
# Invalid definitions: (whole machine, code, detail, pointer)
# ------------------------------------------------------------------------------------------

S = "SCHEMA_VALIDATION_FAILED"
T = "MISSING_TRANSITION_TARGET"
JP_ONLY = (
    "The QueryLanguage is set to 'JSONata', but field '{}' is only supported for the 'JSONPath' QueryLanguage"
)
JA_ONLY = (
    "The QueryLanguage is set to 'JSONPath', but field '{}' is only supported for the 'JSONata' QueryLanguage"
)
NEXT_END_BOTH = "There should only be one of the following fields: [Next, End]"
NEXT_END_NONE = "This object should have only one of the following fields: [Next, End]"


def one(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A machine whose only state is X (terminal states stay valid graphs)."""
    return machine({"X": state}, **top)


def jsonata(state: dict[str, Any]) -> dict[str, Any]:
    return one(state, QueryLanguage="JSONata")


def mapping(**fields: Any) -> dict[str, Any]:
    return {"Type": "Map", "ItemProcessor": machine({"P": PASS_END}), "End": True, **fields}


INVALID = [
    # machine object
    ([], S, "Definition must be a valid JSON object", "null"),
    (machine({"X": PASS_END}, Extra=1), S, "Field 'Extra' is not supported", "/"),
    (
        machine({"X": PASS_END}, QueryLanguage="jsonata"),
        S,
        "Value should be one of the following: [JSONPath, JSONata]",
        "/QueryLanguage",
    ),
    (machine({"X": PASS_END}, QueryLanguage=5), S, "Expected value of type [STRING]", "/QueryLanguage"),
    (machine({"X": PASS_END}, Version="2.0"), S, "Value should be one of the following: [1.0]", "/Version"),
    (machine({"X": PASS_END}, TimeoutSeconds=-1), S, "Minimum value is 0", "/TimeoutSeconds"),
    (machine({"X": PASS_END}, TimeoutSeconds="5"), S, "Expected value of type Integer", "/TimeoutSeconds"),
    (machine({"X": PASS_END}, Comment=1), S, "Expected value of type [STRING]", "/Comment"),
    ({"StartAt": 1, "States": {"X": PASS_END}}, S, "Expected value of type [STRING]", "/StartAt"),
    ({"StartAt": "X", "States": []}, S, "Expected value of type [OBJECT]", "/States"),
    ({"StartAt": "X", "States": {}}, S, "Value cannot be empty", "/States"),
    # states
    (one([]), S, "Expected value of type [OBJECT]", "/States/X"),
    (one({"End": True}), S, "These fields are required: [Type]", "/States/X"),
    (
        one({"Type": 3, "End": True}),
        S,
        "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
        "/States/X/Type",
    ),
    (one({"Type": "Pass", "End": True, "Foo": 1}), S, "Field 'Foo' is not supported", "/States/X"),
    (
        one({"Type": "Pass", "End": True, "Arguments": {}}),
        S,
        "Field 'Arguments' is not supported",
        "/States/X",
    ),
    (one({"Type": "Succeed", "Assign": {}}), S, "Field 'Assign' is not supported", "/States/X"),
    (one({"Type": "Fail", "Output": 1}), S, "Field 'Output' is not supported", "/States/X"),
    (
        one({"Type": "Choice", "Choices": [{"Next": "X"}], "Next": "X"}),
        S,
        "Field 'Next' is not supported",
        "/States/X",
    ),
    (one({"Type": "Succeed", "End": True}), S, "Field 'End' is not supported", "/States/X"),
    (one({"Type": "Pass", "End": True, "Next": "X"}), S, NEXT_END_BOTH, "/States/X"),
    (one({"Type": "Pass"}), S, NEXT_END_NONE, "/States/X"),
    (one({"Type": "Pass", "End": "yes"}), S, NEXT_END_NONE, "/States/X"),
    (one({"Type": "Pass", "Next": 1}), S, "Expected value of type [STRING]", "/States/X/Next"),
    (
        one({"Type": "Pass", "InputPath": 1, "End": True}),
        S,
        "Expected value of type [STRING]",
        "/States/X/InputPath",
    ),
    (
        one({"Type": "Pass", "QueryLanguage": "JSONPATH", "End": True}),
        S,
        "Value should be one of the following: [JSONPath, JSONata]",
        "/States/X/QueryLanguage",
    ),
    # query languages
    (jsonata({"Type": "Pass", "InputPath": "$.a", "End": True}), S, JP_ONLY.format("InputPath"), "/States/X"),
    (jsonata({"Type": "Pass", "Result": {}, "End": True}), S, JP_ONLY.format("Result"), "/States/X"),
    (
        jsonata({"Type": "Wait", "SecondsPath": "$.s", "End": True}),
        S,
        JP_ONLY.format("SecondsPath"),
        "/States/X",
    ),
    (jsonata({"Type": "Fail", "ErrorPath": "$.e"}), S, JP_ONLY.format("ErrorPath"), "/States/X"),
    (jsonata(mapping(ItemsPath="$.items")), S, JP_ONLY.format("ItemsPath"), "/States/X"),
    (jsonata(mapping(MaxConcurrencyPath="$.m")), S, JP_ONLY.format("MaxConcurrencyPath"), "/States/X"),
    (
        one({"Type": "Task", "Resource": TASK, "Arguments": {}, "End": True}),
        S,
        JA_ONLY.format("Arguments"),
        "/States/X",
    ),
    (one({"Type": "Pass", "Output": {}, "End": True}), S, JA_ONLY.format("Output"), "/States/X"),
    (one(mapping(Items=[1])), S, JA_ONLY.format("Items"), "/States/X"),
    (
        one({"Type": "Pass", "QueryLanguage": "JSONata", "Parameters": {}, "End": True}),
        S,
        JP_ONLY.format("Parameters"),
        "/States/X",
    ),
    (
        # Nested states inherit the machine's language, not the Map's.
        one(
            {
                **mapping(QueryLanguage="JSONata"),
                "ItemProcessor": machine({"P": {"Type": "Pass", "Output": 1, "End": True}}),
            }
        ),
        S,
        JA_ONLY.format("Output"),
        "/States/X/ItemProcessor/States/P",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X", "Output": 1}],
            }
        ),
        S,
        JA_ONLY.format("Output"),
        "/States/X/Catch[0]",
    ),
    # required / exclusive
    (one({"Type": "Task", "End": True}), S, "These fields are required: [Resource]", "/States/X"),
    (
        one({"Type": "Task", "Resource": 5, "End": True}),
        S,
        "Expected value of type [STRING]",
        "/States/X/Resource",
    ),
    (
        one({"Type": "Task", "Resource": "lambda", "End": True}),
        S,
        "Value is not a valid resource ARN",
        "/States/X/Resource",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "TimeoutSeconds": 0, "End": True}),
        S,
        "Minimum value is 1",
        "/States/X/TimeoutSeconds",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "HeartbeatSeconds": 100000000, "End": True}),
        S,
        "Maximum value is 99999999",
        "/States/X/HeartbeatSeconds",
    ),
    (
        one(
            {"Type": "Task", "Resource": TASK, "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t", "End": True}
        ),
        S,
        "There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath]",
        "/States/X",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "TimeoutSeconds": 1.5, "End": True}),
        S,
        "Expected value of type Integer",
        "/States/X/TimeoutSeconds",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "TimeoutSeconds": True, "End": True}),
        S,
        "Expected value of type Integer",
        "/States/X/TimeoutSeconds",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "Credentials": [], "End": True}),
        S,
        "Expected value of type [OBJECT]",
        "/States/X/Credentials",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
                "Credentials": {"RoleArn": "r"},
                "End": True,
            }
        ),
        S,
        "The field 'Credentials' is not supported for activities",
        "/States/X/Credentials",
    ),
    (one({"Type": "Choice"}), S, "These fields are required: [Choices]", "/States/X"),
    (one({"Type": "Choice", "Choices": []}), S, "Value cannot be empty", "/States/X/Choices"),
    (one({"Type": "Choice", "Choices": {}}), S, "Expected value of type [ARRAY]", "/States/X/Choices"),
    (one({"Type": "Choice", "Choices": [1]}), S, "Expected value of type [OBJECT]", "/States/X/Choices[0]"),
    (
        one({"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True}]}),
        S,
        "These fields are required: [Next]",
        "/States/X/Choices[0]",
    ),
    (
        one({"Type": "Wait", "End": True}),
        S,
        "This object should have only one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]",
        "/States/X",
    ),
    (
        one({"Type": "Wait", "Seconds": 1, "Timestamp": "2024-01-01T00:00:00Z", "End": True}),
        S,
        "There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]",
        "/States/X",
    ),
    (one({"Type": "Wait", "Seconds": -1, "End": True}), S, "Minimum value is 0", "/States/X/Seconds"),
    (
        one({"Type": "Wait", "Seconds": "{% 1 %}", "End": True}),
        S,
        "Expected value of type Integer",
        "/States/X/Seconds",
    ),
    (
        one({"Type": "Wait", "Timestamp": "2024-01-01 00:00:00", "End": True}),
        S,
        "String does not match RFC3339 timestamp",
        "/States/X/Timestamp",
    ),
    (
        one({"Type": "Wait", "Timestamp": "2024-01-01T00:00:00", "End": True}),
        S,
        "String does not match RFC3339 timestamp",
        "/States/X/Timestamp",
    ),
    # The same timestamp rule as Choice and Wait at run time (interpreter.timestamps).
    (
        one({"Type": "Wait", "Timestamp": "2016-02-30T00:00:00Z", "End": True}),
        S,
        "String does not match RFC3339 timestamp",
        "/States/X/Timestamp",
    ),
    (
        one({"Type": "Wait", "Timestamp": "2016-01-01T00:00:00.1234567890Z", "End": True}),
        S,
        "String does not match RFC3339 timestamp",
        "/States/X/Timestamp",
    ),
    (
        one({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
        S,
        "There should only be one of the following fields: [Error, ErrorPath]",
        "/States/X",
    ),
    (
        one({"Type": "Fail", "Cause": "C", "CausePath": "$.c"}),
        S,
        "There should only be one of the following fields: [Cause, CausePath]",
        "/States/X",
    ),
    (one({"Type": "Fail", "Cause": 1}), S, "Expected value of type [STRING]", "/States/X/Cause"),
    (one({"Type": "Parallel", "End": True}), S, "These fields are required: [Branches]", "/States/X"),
    (
        one({"Type": "Parallel", "Branches": {}, "End": True}),
        S,
        "Expected value of type [ARRAY]",
        "/States/X/Branches",
    ),
    (
        one({"Type": "Parallel", "Branches": [{"States": {"B": PASS_END}}], "End": True}),
        S,
        "These fields are required: [StartAt]",
        "/States/X/Branches[0]",
    ),
    (
        one(
            {
                "Type": "Parallel",
                "Branches": [{**machine({"B": PASS_END}), "QueryLanguage": "JSONata"}],
                "End": True,
            }
        ),
        S,
        "Field 'QueryLanguage' is not supported",
        "/States/X/Branches[0]",
    ),
    (
        one(
            {
                "Type": "Parallel",
                "Branches": [{**machine({"B": PASS_END}), "ProcessorConfig": {}}],
                "End": True,
            }
        ),
        S,
        "Field 'ProcessorConfig' is not supported",
        "/States/X/Branches[0]",
    ),
    (
        one({"Type": "Parallel", "Branches": [machine({"B": {"Type": "Pass"}})], "End": True}),
        S,
        NEXT_END_NONE,
        "/States/X/Branches[0]/States/B",
    ),
    (
        one({"Type": "Map", "End": True}),
        S,
        "This object should have only one of the following fields: [ItemProcessor, Iterator]",
        "/States/X",
    ),
    (
        one(mapping(Iterator=machine({"I": PASS_END}))),
        S,
        "There should only be one of the following fields: [ItemProcessor, Iterator]",
        "/States/X",
    ),
    (one(mapping(MaxConcurrency=-1)), S, "Minimum value is 0", "/States/X/MaxConcurrency"),
    (
        one(mapping(MaxConcurrency=2, MaxConcurrencyPath="$.m")),
        S,
        "There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]",
        "/States/X",
    ),
    (
        one(mapping(ToleratedFailurePercentage=101)),
        S,
        "Maximum value is 100",
        "/States/X/ToleratedFailurePercentage",
    ),
    (one(mapping(ToleratedFailureCount=-1)), S, "Minimum value is 0", "/States/X/ToleratedFailureCount"),
    (one(mapping(ItemSelector=[])), S, "Expected value of type [OBJECT]", "/States/X/ItemSelector"),
    (one(mapping(TimeoutSeconds=5)), S, "Field 'TimeoutSeconds' is not supported", "/States/X"),
    (one(mapping(Arguments={})), S, "Field 'Arguments' is not supported", "/States/X"),
    (
        one({**mapping(), "ItemProcessor": {**machine({"P": PASS_END}), "QueryLanguage": "JSONata"}}),
        S,
        "Field 'QueryLanguage' is not supported",
        "/States/X/ItemProcessor",
    ),
    (
        one(
            {
                **mapping(),
                "ItemProcessor": {**machine({"P": PASS_END}), "ProcessorConfig": {"Mode": "DISTRIBUTED"}},
            }
        ),
        S,
        "These fields are required: [ExecutionType]",
        "/States/X/ItemProcessor/ProcessorConfig",
    ),
    (
        one(
            {
                **mapping(),
                "ItemProcessor": {
                    **machine({"P": PASS_END}),
                    "ProcessorConfig": {"Mode": "INLINE", "ExecutionType": "STANDARD"},
                },
            }
        ),
        S,
        "Field 'ExecutionType' is not supported",
        "/States/X/ItemProcessor/ProcessorConfig",
    ),
    (
        one(
            {
                **mapping(),
                "ItemProcessor": {
                    **machine({"P": PASS_END}),
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "FAST"},
                },
            }
        ),
        S,
        "Value should be one of the following: [STANDARD, EXPRESS]",
        "/States/X/ItemProcessor/ProcessorConfig/ExecutionType",
    ),
    (
        one(
            {
                **mapping(),
                "ItemProcessor": {**machine({"P": PASS_END}), "ProcessorConfig": {"Mode": "inline"}},
            }
        ),
        S,
        "Value should be one of the following: [INLINE, DISTRIBUTED]",
        "/States/X/ItemProcessor/ProcessorConfig/Mode",
    ),
    (
        one({**mapping(), "ItemProcessor": {**machine({"Inner": mapping(MaxConcurrency=-1)})}}),
        S,
        "Minimum value is 0",
        "/States/X/ItemProcessor/States/Inner/MaxConcurrency",
    ),
    # Retry / Catch
    (
        one({"Type": "Task", "Resource": TASK, "End": True, "Retry": {}}),
        S,
        "Expected value of type [ARRAY]",
        "/States/X/Retry",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "End": True, "Retry": [{}]}),
        S,
        "These fields are required: [ErrorEquals]",
        "/States/X/Retry[0]",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "End": True, "Retry": [{"ErrorEquals": []}]}),
        S,
        "Value cannot be empty",
        "/States/X/Retry[0]/ErrorEquals",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "End": True, "Retry": [{"ErrorEquals": [1]}]}),
        S,
        "Expected value of type [STRING]",
        "/States/X/Retry[0]/ErrorEquals[0]",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "End": True, "Retry": [{"ErrorEquals": ["States.ALL", "E"]}]}),
        S,
        "States.ALL must appear alone and at end of list",
        "/States/X/Retry[0]/ErrorEquals",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}],
            }
        ),
        S,
        "States.ALL must appear alone and at end of list",
        "/States/X/Retry[0]/ErrorEquals",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": -1}],
            }
        ),
        S,
        "Minimum value is 0",
        "/States/X/Retry[0]/MaxAttempts",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0.5}],
            }
        ),
        S,
        "Minimum value is 1",
        "/States/X/Retry[0]/BackoffRate",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Retry": [{"ErrorEquals": ["E"], "MaxDelaySeconds": 31622401}],
            }
        ),
        S,
        "Maximum value is 31622400",
        "/States/X/Retry[0]/MaxDelaySeconds",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Retry": [{"ErrorEquals": ["E"], "JitterStrategy": "HALF"}],
            }
        ),
        S,
        "Value should be one of the following: [NONE, FULL]",
        "/States/X/Retry[0]/JitterStrategy",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "End": True, "Retry": [{"ErrorEquals": ["E"], "Next": "X"}]}),
        S,
        "Field 'Next' is not supported",
        "/States/X/Retry[0]",
    ),
    (
        one({"Type": "Task", "Resource": TASK, "End": True, "Catch": [{"ErrorEquals": ["E"]}]}),
        S,
        "These fields are required: [Next]",
        "/States/X/Catch[0]",
    ),
    (
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Catch": [{"ErrorEquals": ["E"], "Next": "X", "ResultPath": 1}],
            }
        ),
        S,
        "Expected value of type [STRING]",
        "/States/X/Catch[0]/ResultPath",
    ),
    (
        jsonata(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Catch": [{"ErrorEquals": ["E"], "Next": "X", "ResultPath": "$.e"}],
            }
        ),
        S,
        JP_ONLY.format("ResultPath"),
        "/States/X/Catch[0]",
    ),
    # names and transitions
    (
        machine({"": PASS_END}),
        "INVALID_STATE_NAME",
        "Invalid State name: State name cannot be empty",
        "/States/",
    ),
    (
        machine({"X": {"Type": "Parallel", "Branches": [machine({"X": PASS_END})], "End": True}}),
        "DUPLICATE_STATE_NAME",
        "Duplicate State name: 'X'",
        "/States/X/Branches[0]/States/X",
    ),
    (
        machine(
            {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Ghost"}],
                    "Default": "Z",
                },
                "Z": PASS_END,
            }
        ),
        T,
        "Missing 'Next' target: Ghost",
        "/States/C/Choices[0]/Next",
    ),
    (
        machine(
            {
                "A": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Z"}],
                    "Default": "Ghost",
                },
                "Z": PASS_END,
            }
        ),
        T,
        "Missing 'Next' target: Ghost",
        "/States/A/Default",
    ),
    (
        machine(
            {
                "T": {
                    "Type": "Task",
                    "Resource": TASK,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Ghost"}],
                    "End": True,
                }
            }
        ),
        T,
        "Missing 'Next' target: Ghost",
        "/States/T/Catch[0]/Next",
    ),
    (machine({"A": {"Type": "Pass", "Next": "NOPE"}}), T, "Missing 'Next' target: NOPE", "/States/A/Next"),
    (
        one(mapping(ItemProcessor=machine({"W": PASS_END, "Ghost": PASS_END}))),
        T,
        'State "Ghost" is not reachable.',
        "/States/X/ItemProcessor/States/Ghost",
    ),
    (
        one({"Type": "Parallel", "Branches": [machine({"W": PASS_END, "Ghost": PASS_END})], "End": True}),
        T,
        'State "Ghost" is not reachable.',
        "/States/X/Branches[0]/States/Ghost",
    ),
    (
        one(mapping(ItemProcessor=machine({"A": PASS_END}, start="Nope"))),
        T,
        "Missing 'Next' target: Nope",
        "/States/X/ItemProcessor/StartAt",
    ),
    (machine({"Start": PASS_END, "a/b": PASS_END}), T, 'State "a/b" is not reachable.', "/States/a/b"),
]


@pytest.mark.parametrize(("doc", "code", "detail", "pointer"), INVALID)
def test_invalid_definitions(doc: Any, code: str, detail: str, pointer: str) -> None:
    error = error_of(validate_machine, doc)
    assert (error.code, error.detail, error.pointer) == (code, detail, pointer)


SINGLE_INVALID = [
    ([], S, "Definition must be a valid JSON object", "null"),
    ({"Type": "Pass"}, S, NEXT_END_NONE, "/States/StateName"),
    (
        {"StartAt": "A", "States": {"A": PASS_END}},
        S,
        "These fields are required: [Type]",
        "/States/StateName",
    ),
    ({"Type": "Pass", "End": True, "Catch": []}, S, "Field 'Catch' is not supported", "/States/StateName"),
    ({"Type": "Pass", "Output": 1, "End": True}, S, JA_ONLY.format("Output"), "/States/StateName"),
    # Nested scopes are still checked in the single-state form.
    (
        mapping(ItemProcessor=machine({"A": {"Type": "Pass", "Next": "Ghost"}})),
        T,
        "Missing 'Next' target: Ghost",
        "/States/StateName/ItemProcessor/States/A/Next",
    ),
]


@pytest.mark.parametrize(("doc", "code", "detail", "pointer"), SINGLE_INVALID)
def test_invalid_single_states(doc: Any, code: str, detail: str, pointer: str) -> None:
    error = error_of(validate_single_state, doc)
    assert (error.code, error.detail, error.pointer) == (code, detail, pointer)


# ------------------------------------------------------------------------------------------
# Valid definitions that a stricter validator might wrongly refuse
# ------------------------------------------------------------------------------------------

VALID = [
    pytest.param(one({"Type": "Pass", "Assign": {"counter": 1}, "End": True}), id="assign-in-jsonpath"),
    pytest.param(
        jsonata({"Type": "Pass", "Assign": {"c": "{% 1 %}"}, "Output": "{% $states.input %}", "End": True}),
        id="jsonata-pass",
    ),
    pytest.param(
        one({"Type": "Pass", "QueryLanguage": "JSONPath", "InputPath": None, "End": True}),
        id="explicit-jsonpath",
    ),
    pytest.param(
        one({"Type": "Pass", "QueryLanguage": "JSONata", "Output": 1, "End": True}), id="jsonata-upgrade"
    ),
    pytest.param(
        machine({"X": {"Type": "Pass", "Next": "Y", "End": False}, "Y": PASS_END}), id="end-false-with-next"
    ),
    pytest.param(
        jsonata({"Type": "Wait", "Seconds": "{% $states.input.s %}", "End": True}), id="jsonata-seconds"
    ),
    pytest.param(jsonata({"Type": "Wait", "Timestamp": "{% $now() %}", "End": True}), id="jsonata-timestamp"),
    pytest.param(
        one({"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123+01:00", "End": True}),
        id="timestamp-offset",
    ),
    pytest.param(
        jsonata(
            mapping(
                Items="{% [1] %}",
                MaxConcurrency="{% 1 %}",
                ToleratedFailureCount="{% 1 %}",
                ToleratedFailurePercentage="{% 1 %}",
            )
        ),
        id="jsonata-map",
    ),
    pytest.param(
        jsonata(mapping(Items=[1, 2], ItemSelector={"v": "{% $states.context.Map.Item.Value %}"})),
        id="jsonata-items-array",
    ),
    pytest.param(
        jsonata(mapping(Items="{% [1] %}", ItemSelector="{% $states.context.Map.Item %}")),
        id="jsonata-item-selector-expression",
    ),
    pytest.param(
        one(mapping(MaxConcurrency=9223372036854775807, ToleratedFailurePercentage=12.5)),
        id="large-max-concurrency",
    ),
    pytest.param(
        one({"Type": "Map", "Iterator": machine({"I": PASS_END}), "ItemsPath": "$.x", "End": True}),
        id="legacy-iterator",
    ),
    pytest.param(
        one(
            {
                **mapping(),
                "ItemProcessor": {
                    **machine({"P": PASS_END}),
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                },
            }
        ),
        id="distributed",
    ),
    pytest.param(
        one(
            mapping(
                ItemProcessor=machine(
                    {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}
                )
            )
        ),
        id="nested-loop-without-end",
    ),
    pytest.param(
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "TimeoutSeconds": 5,
                "HeartbeatSecondsPath": "$.h",
                "Credentials": {"RoleArn.$": "$.r"},
                "End": True,
            }
        ),
        id="task-fields",
    ),
    pytest.param(
        jsonata(
            {
                "Type": "Task",
                "Resource": TASK,
                "Arguments": "{% $states.input %}",
                "Credentials": {"RoleArn": "{% $r %}"},
                "End": True,
            }
        ),
        id="jsonata-task",
    ),
    pytest.param(
        one(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Retry": [
                    {
                        "ErrorEquals": ["E"],
                        "IntervalSeconds": 0,
                        "MaxAttempts": 0,
                        "BackoffRate": 1.5,
                        "MaxDelaySeconds": 1,
                        "JitterStrategy": "FULL",
                        "Comment": "c",
                    },
                    {"ErrorEquals": ["States.ALL"]},
                ],
            }
        ),
        id="retriers",
    ),
    pytest.param(
        jsonata(
            {
                "Type": "Task",
                "Resource": TASK,
                "End": True,
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "X",
                        "Output": "{% $states.errorOutput %}",
                        "Assign": {},
                    }
                ],
            }
        ),
        id="jsonata-catcher",
    ),
    pytest.param(
        machine(
            {
                "C": {"Type": "Choice", "Choices": [{"Condition": "{% true %}", "Next": "D"}]},
                "D": {"Type": "Succeed"},
            }
        ),
        id="choice-no-default",
    ),
    pytest.param(one({"Type": "Fail"}), id="bare-fail"),
    pytest.param(
        machine({"X": PASS_END}, Comment="c", Version="1.0", TimeoutSeconds=0, QueryLanguage="JSONPath"),
        id="top-level-fields",
    ),
    pytest.param(machine({"S" * 80: PASS_END}), id="name-80-chars"),
]


@pytest.mark.parametrize("doc", VALID)
def test_valid_definitions(doc: Any) -> None:
    validate_machine(doc)


def test_validation_does_not_mutate_its_input() -> None:
    doc = machine({"A": {"Type": "Pass", "Next": "B"}, "B": mapping()})
    before = json.dumps(doc)
    validate_machine(doc)
    validate_single_state(doc["States"]["B"])
    assert json.dumps(doc) == before


def test_deep_nesting_is_a_definition_error() -> None:
    doc: dict[str, Any] = machine({"P": PASS_END})
    for _ in range(400):
        doc = machine({"P": {"Type": "Parallel", "Branches": [doc], "End": True}})
    error = error_of(validate_machine, doc)
    assert error.code == "TOO_DEEPLY_NESTED"


# ------------------------------------------------------------------------------------------
# Properties: any JSON in, None or DefinitionError out
# ------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=12,
)

FIELD_NAMES = sorted(
    {
        "Type",
        "Comment",
        "QueryLanguage",
        "Next",
        "End",
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultPath",
        "ResultSelector",
        "Result",
        "Retry",
        "Catch",
        "Arguments",
        "Output",
        "Assign",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "Resource",
        "Credentials",
        "Seconds",
        "SecondsPath",
        "Timestamp",
        "TimestampPath",
        "Choices",
        "Default",
        "Error",
        "ErrorPath",
        "Cause",
        "CausePath",
        "Branches",
        "ItemProcessor",
        "Iterator",
        "ItemsPath",
        "Items",
        "ItemSelector",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailureCount",
        "ToleratedFailurePercentage",
        "Label",
        "StartAt",
        "States",
        "ProcessorConfig",
        "ErrorEquals",
        "MaxAttempts",
        "BackoffRate",
        "JitterStrategy",
        "Mode",
        "ExecutionType",
    }
)
names = st.sampled_from(["A", "B", "A", "B", "X", "States.ALL", ""])
values = st.one_of(
    json_values,
    names,
    st.sampled_from(
        [
            "Task",
            "Pass",
            "Map",
            "Parallel",
            "Choice",
            "Wait",
            "Fail",
            "Succeed",
            "JSONata",
            "JSONPath",
            TASK,
            "{% 1 %}",
            "INLINE",
            "DISTRIBUTED",
        ]
    ),
    st.just(True),
)


STATE_TYPES = ["Task", "Pass", "Map", "Parallel", "Choice", "Wait", "Fail", "Succeed"]
# Plausible values per field, so that generated definitions get past the first checks.
POOLS: dict[str, st.SearchStrategy[Any]] = {
    "Type": st.sampled_from([*STATE_TYPES, "Nope"]),
    "QueryLanguage": st.sampled_from(["JSONPath", "JSONata", "jsonata", 1]),
    "Next": names,
    "Default": names,
    "End": st.sampled_from([True, True, False, "yes"]),
    "Resource": st.sampled_from([TASK, "arn:aws:states:us-east-1:1:activity:a", "nope", 1]),
    "Credentials": st.sampled_from([{"RoleArn": "r"}, {}, {"RoleArn.$": "$.r"}]),
    "InputPath": st.sampled_from(["$", None, "$.a", 1]),
    "Seconds": st.sampled_from([0, 5, -1, "{% 1 %}", 1.5]),
    "Timestamp": st.sampled_from(["2024-01-01T00:00:00Z", "bad", "{% $now() %}"]),
    "MaxConcurrency": st.sampled_from([0, 3, -1, "{% 2 %}"]),
    "ToleratedFailurePercentage": st.sampled_from([0, 50.5, 101, "{% 1 %}"]),
    "Items": st.sampled_from([[1], "{% [1] %}", {}]),
    "ErrorEquals": st.sampled_from([["States.ALL"], ["E"], [], ["States.ALL", "E"], [1]]),
    "JitterStrategy": st.sampled_from(["FULL", "NONE", "HALF"]),
    "ProcessorConfig": st.sampled_from(
        [
            {"Mode": "INLINE"},
            {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            {"Mode": "DISTRIBUTED"},
            {"Mode": "X"},
            [],
        ]
    ),
}


def _value(name: str) -> st.SearchStrategy[Any]:
    return st.one_of(POOLS[name], POOLS[name], json_values) if name in POOLS else values


@st.composite
def _handlers(draw: st.DrawFn, catch: bool) -> list[Any]:
    entries = []
    for _ in range(draw(st.integers(0, 2))):
        entry = {"ErrorEquals": draw(_value("ErrorEquals"))}
        keys = (
            ["Next", "ResultPath", "Output", "Assign"]
            if catch
            else ["MaxAttempts", "BackoffRate", "IntervalSeconds", "JitterStrategy", "MaxDelaySeconds"]
        )
        for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
            entry[key] = draw(_value(key))
        if catch and draw(st.booleans()):
            entry["Next"] = draw(names)
        entries.append(entry)
    return entries


@st.composite
def asl_states(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": draw(_value("Type"))}
    kind = state["Type"]
    own = sorted(schema_tables.STATE_SPECS[kind].fields) if kind in STATE_TYPES else FIELD_NAMES
    field_names = st.one_of(
        st.sampled_from(own), st.sampled_from(own), st.sampled_from(own), st.sampled_from(FIELD_NAMES)
    )
    for name in draw(st.lists(field_names, max_size=4, unique=True)):
        if name != "Type":
            state[name] = draw(_value(name))
    if kind in ("Task", "Pass", "Map", "Parallel", "Wait") and draw(st.booleans()):
        state.pop("Next", None)
        state["End"] = True
    if kind == "Task" and draw(st.booleans()):
        state["Resource"] = TASK
    if kind == "Choice":
        state["Choices"] = [{"Variable": "$.x", "IsPresent": True, "Next": draw(names)}]
    if kind in ("Task", "Map", "Parallel"):
        if draw(st.booleans()):
            state["Retry"] = draw(_handlers(catch=False))
        if draw(st.booleans()):
            state["Catch"] = draw(_handlers(catch=True))
    if kind == "Parallel" and depth < 2:
        state["Branches"] = draw(st.lists(asl_machines(depth + 1), max_size=2))
    if kind == "Map" and depth < 2:
        state["ItemProcessor"] = draw(asl_machines(depth + 1))
    return state


@st.composite
def asl_machines(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "StartAt": draw(names),
        "States": draw(st.dictionaries(names, asl_states(depth), min_size=1, max_size=3)),
    }
    for name in draw(
        st.lists(
            st.sampled_from(["QueryLanguage", "Comment", "ProcessorConfig", "TimeoutSeconds"]), max_size=1
        )
    ):
        doc[name] = draw(_value(name))
    return doc


@settings(max_examples=300, deadline=None)
@given(doc=json_values)
def test_any_json_gives_none_or_definition_error(doc: Any) -> None:
    for validate in (validate_machine, validate_single_state):
        try:
            validate(doc)
        except DefinitionError as error:
            assert error.code and isinstance(error.detail, str) and isinstance(error.pointer, str)


@settings(max_examples=1000, deadline=None)
@given(doc=asl_machines(), state=asl_states())
def test_asl_like_json_gives_none_or_definition_error(doc: Any, state: Any) -> None:
    for validate, value in ((validate_machine, doc), (validate_single_state, state)):
        try:
            validate(value)
        except DefinitionError as error:
            assert error.code and isinstance(error.detail, str) and isinstance(error.pointer, str)


@pytest.mark.parametrize(
    ("label", "valid"),
    [
        ("orders-2024_batch", True),
        ("x" * 40, True),
        ("é", True),
        ("", False),
        ("x" * 41, False),
        ("has space", False),
        ("a/b", False),
        ("a$b", False),
        ("tab\there", False),
        ("[x]", False),
    ],
)
def test_map_label_follows_aws_rules(label: str, valid: bool) -> None:
    """AWS developer guide, "Using Map state in Distributed mode" (Label): a Map Run label: 1-40 characters, no whitespace, brackets, wildcards, listed specials
    or control characters."""
    state = {
        "Type": "Map",
        "Label": label,
        "End": True,
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
    }
    if valid:
        validate_single_state(state)
    else:
        with pytest.raises(DefinitionError) as raised:
            validate_single_state(state)
        assert raised.value.pointer == "/States/StateName/Label"
