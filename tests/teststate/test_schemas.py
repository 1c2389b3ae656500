"""The request model: strict types, every constraint of the API model (botocore's TestStateInput), Coral's wording."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from teststate.errors import ApiError, ModelValidationException, SerializationException
from teststate.validation.request import (
    _INVALID,
    _LOAD_VALID_TEST_STATE_INPUT,
    _TEST_STATE_INPUT,
    MockErrorOutputRequest,
    MockRequest,
    StateConfigurationRequest,
    TestStateRequest,
    load_test_state_request,
)

DEF = '{"Type":"Pass","End":true}'
DATA_MAX = 262_144


def _error(body: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        load_test_state_request(body)
    return caught.value


def _one(sentence: str) -> str:
    return f"1 validation error detected: {sentence}"


# --------------------------------------------------------------------------------------------
# Accepted requests
# --------------------------------------------------------------------------------------------
def test_minimal_request_gets_the_defaults() -> None:
    assert load_test_state_request({"definition": DEF}) == TestStateRequest(definition=DEF)


def test_full_request_is_converted_to_frozen_dataclasses() -> None:
    body = {
        "definition": DEF,
        "roleArn": "arn:aws:iam::123456789012:role/R",
        "input": '{"a":1}',
        "inspectionLevel": "TRACE",
        "revealSecrets": False,
        "variables": '{"x":1}',
        "stateName": "S",
        "mock": {"errorOutput": {"error": "E", "cause": "C"}, "fieldValidationMode": "NONE"},
        "context": "{}",
        "stateConfiguration": {
            "retrierRetryCount": 2,
            "errorCausedByState": "Child",
            "mapIterationFailureCount": 0,
            "mapItemReaderData": "[1]",
        },
    }
    request = load_test_state_request(body)
    assert request == TestStateRequest(
        definition=DEF,
        role_arn="arn:aws:iam::123456789012:role/R",
        input='{"a":1}',
        inspection_level="TRACE",
        reveal_secrets=False,
        variables='{"x":1}',
        state_name="S",
        mock=MockRequest(
            error_output=MockErrorOutputRequest(error="E", cause="C"), field_validation_mode="NONE"
        ),
        context="{}",
        state_configuration=StateConfigurationRequest(
            retrier_retry_count=2,
            error_caused_by_state="Child",
            map_iteration_failure_count=0,
            map_item_reader_data="[1]",
        ),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.definition = "x"  # type: ignore[misc]


def test_mock_defaults_to_strict_validation() -> None:
    request = load_test_state_request({"definition": DEF, "mock": {"result": "{}"}})
    assert request.mock == MockRequest(result="{}", field_validation_mode="STRICT")


@pytest.mark.parametrize(
    "member",
    [
        "roleArn",
        "input",
        "inspectionLevel",
        "revealSecrets",
        "variables",
        "stateName",
        "mock",
        "context",
        "stateConfiguration",
    ],
)
def test_null_means_absent(member: str) -> None:
    assert load_test_state_request({"definition": DEF, member: None}) == TestStateRequest(definition=DEF)


def test_unknown_members_are_ignored_at_every_level() -> None:
    body = {
        "definition": DEF,
        "mapRunId": "x",
        "mock": {"result": "1", "extra": True},
        "stateConfiguration": {"other": []},
    }
    request = load_test_state_request(body)
    assert request.mock == MockRequest(result="1")
    assert request.state_configuration == StateConfigurationRequest()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"definition": "x" * 1_048_576}, "x" * 1_048_576),  # exactly the maximum
        ({"definition": "\U0001f600" * 524_288}, "\U0001f600" * 524_288),  # 2 UTF-16 units each
    ],
    ids=["max-ascii", "max-astral"],
)
def test_length_limits_are_inclusive(body: dict[str, Any], expected: str) -> None:
    assert load_test_state_request(body).definition == expected


def test_integral_float_is_an_integer() -> None:
    request = load_test_state_request({"definition": DEF, "stateConfiguration": {"retrierRetryCount": 3.0}})
    assert request.state_configuration == StateConfigurationRequest(retrier_retry_count=3)


def test_empty_error_and_cause_are_allowed() -> None:
    request = load_test_state_request(
        {"definition": DEF, "mock": {"errorOutput": {"error": "", "cause": ""}}}
    )
    assert request.mock == MockRequest(error_output=MockErrorOutputRequest(error="", cause=""))


# --------------------------------------------------------------------------------------------
# Constraint violations: ValidationException in Coral's wording and namespace
# --------------------------------------------------------------------------------------------
CONSTRAINTS = [
    ({}, "Value null at 'definition' failed to satisfy constraint: Member must not be null"),
    (
        {"definition": None},
        "Value null at 'definition' failed to satisfy constraint: Member must not be null",
    ),
    (
        {"definition": ""},
        "Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ),
    (
        {"definition": "x" * 1_048_577},
        "Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576",
    ),
    (
        {"definition": "\U0001f600" * 524_288 + "x"},
        "Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576",
    ),
    (
        {"definition": DEF, "roleArn": ""},
        "Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ),
    (
        {"definition": DEF, "roleArn": "a" * 257},
        f"Value '{'a' * 257}' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 256",
    ),
    (
        {"definition": DEF, "input": "1" * (DATA_MAX + 1)},
        "Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
    ),
    (
        {"definition": DEF, "inspectionLevel": "FOO"},
        "Value 'FOO' at 'inspectionLevel' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
    ),
    (
        {"definition": DEF, "inspectionLevel": "debug"},
        "Value 'debug' at 'inspectionLevel' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
    ),
    (
        {"definition": DEF, "variables": "1" * (DATA_MAX + 1)},
        "Value at 'variables' failed to satisfy constraint: Member must have length less than or equal to 262144",
    ),
    (
        {"definition": DEF, "stateName": ""},
        "Value at 'stateName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ),
    (
        {"definition": DEF, "stateName": "s" * 81},
        "Value at 'stateName' failed to satisfy constraint: Member must have length less than or equal to 80",
    ),
    (
        {"definition": DEF, "mock": {"result": "1" * (DATA_MAX + 1)}},
        "Value at 'mock.result' failed to satisfy constraint: Member must have length less than or equal to 262144",
    ),
    (
        {"definition": DEF, "mock": {"errorOutput": {}}},
        "Value null at 'mock.errorOutput.error' failed to satisfy constraint: Member must not be null",
    ),
    (
        {"definition": DEF, "mock": {"errorOutput": {"error": None}}},
        "Value null at 'mock.errorOutput.error' failed to satisfy constraint: Member must not be null",
    ),
    (
        {"definition": DEF, "mock": {"errorOutput": {"error": "e" * 257}}},
        "Value at 'mock.errorOutput.error' failed to satisfy constraint: Member must have length less than or equal to 256",
    ),
    (
        {"definition": DEF, "mock": {"errorOutput": {"error": "E", "cause": "c" * 32_769}}},
        "Value at 'mock.errorOutput.cause' failed to satisfy constraint: "
        "Member must have length less than or equal to 32768",
    ),
    (
        {"definition": DEF, "mock": {"fieldValidationMode": "LOOSE"}},
        "Value 'LOOSE' at 'mock.fieldValidationMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [STRICT, PRESENT, NONE]",
    ),
    (
        {"definition": DEF, "context": "1" * (DATA_MAX + 1)},
        "Value at 'context' failed to satisfy constraint: Member must have length less than or equal to 262144",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"retrierRetryCount": -1}},
        "Value '-1' at 'stateConfiguration.retrierRetryCount' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"errorCausedByState": ""}},
        "Value at 'stateConfiguration.errorCausedByState' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"errorCausedByState": "s" * 81}},
        "Value at 'stateConfiguration.errorCausedByState' failed to satisfy constraint: "
        "Member must have length less than or equal to 80",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"mapIterationFailureCount": -5}},
        "Value '-5' at 'stateConfiguration.mapIterationFailureCount' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"mapItemReaderData": "1" * (DATA_MAX + 1)}},
        "Value at 'stateConfiguration.mapItemReaderData' failed to satisfy constraint: "
        "Member must have length less than or equal to 262144",
    ),
]


@pytest.mark.parametrize(
    ("body", "sentence"), CONSTRAINTS, ids=[s.split("'")[1] + f"-{i}" for i, (_, s) in enumerate(CONSTRAINTS)]
)
def test_each_constraint_is_one_coral_validation_error(body: dict[str, Any], sentence: str) -> None:
    error = _error(body)
    assert isinstance(error, ModelValidationException)
    assert (error.code, error.status) == ("ValidationException", 400)
    assert error.type == "com.amazon.coral.validate#ValidationException"
    assert error.message == _one(sentence)


def test_several_violations_are_counted_and_listed_in_model_order() -> None:
    body = {
        "stateConfiguration": {"retrierRetryCount": -1},
        "inspectionLevel": "FOO",
        "roleArn": "",
    }
    error = _error(body)
    assert error.message == (
        "4 validation errors detected: "
        "Value null at 'definition' failed to satisfy constraint: Member must not be null; "
        "Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value 'FOO' at 'inspectionLevel' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INFO, DEBUG, TRACE]; "
        "Value '-1' at 'stateConfiguration.retrierRetryCount' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0"
    )


# --------------------------------------------------------------------------------------------
# Wrong JSON types: SerializationException (deserialization fails before validation)
# --------------------------------------------------------------------------------------------
TYPE_ERRORS = [
    ({"definition": 5}, "NUMBER_VALUE can not be converted to a String"),
    ({"definition": True}, "TRUE_VALUE can not be converted to a String"),
    ({"definition": False}, "FALSE_VALUE can not be converted to a String"),
    ({"definition": {"Type": "Pass"}}, "Start of structure or map found where not expected."),
    ({"definition": ["x"]}, "Start of list found where not expected"),
    ({"definition": DEF, "inspectionLevel": 5}, "NUMBER_VALUE can not be converted to a String"),
    ({"definition": DEF, "input": {"a": 1}}, "Start of structure or map found where not expected."),
    ({"definition": DEF, "revealSecrets": "yes"}, "STRING_VALUE can not be converted to an Boolean"),
    ({"definition": DEF, "revealSecrets": "true"}, "STRING_VALUE can not be converted to an Boolean"),
    ({"definition": DEF, "revealSecrets": 1}, "NUMBER_VALUE can not be converted to a Boolean"),
    ({"definition": DEF, "revealSecrets": 0}, "NUMBER_VALUE can not be converted to a Boolean"),
    ({"definition": DEF, "revealSecrets": []}, "Start of list found where not expected"),
    ({"definition": DEF, "mock": "x"}, "Expected null"),
    ({"definition": DEF, "mock": [1]}, "Start of list found where not expected"),
    (
        {"definition": DEF, "mock": {"result": {"a": 1}}},
        "Start of structure or map found where not expected.",
    ),
    ({"definition": DEF, "mock": {"errorOutput": "E"}}, "Expected null"),
    (
        {"definition": DEF, "mock": {"errorOutput": {"error": 1}}},
        "NUMBER_VALUE can not be converted to a String",
    ),
    ({"definition": DEF, "stateConfiguration": 3}, "Expected null"),
    (
        {"definition": DEF, "stateConfiguration": {"retrierRetryCount": True}},
        "TRUE_VALUE can not be converted to an Integer",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"retrierRetryCount": "1"}},
        "STRING_VALUE can not be converted to an Integer",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"retrierRetryCount": 1.5}},
        "NUMBER_VALUE can not be converted to an Integer",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"mapIterationFailureCount": 2**31}},
        "NUMBER_VALUE can not be converted to an Integer",
    ),
    (
        {"definition": DEF, "stateConfiguration": {"errorCausedByState": 7}},
        "NUMBER_VALUE can not be converted to a String",
    ),
]


@pytest.mark.parametrize(("body", "message"), TYPE_ERRORS)
def test_wrong_json_type_is_a_serialization_exception(body: dict[str, Any], message: str) -> None:
    error = _error(body)
    assert isinstance(error, SerializationException)
    assert error.type == "com.amazon.coral.service#SerializationException"
    assert (error.status, error.message) == (400, message)


def test_a_type_error_wins_over_constraint_violations() -> None:
    error = _error({"inspectionLevel": "FOO", "revealSecrets": "yes"})
    assert isinstance(error, SerializationException)
    assert error.message == "STRING_VALUE can not be converted to an Boolean"


# --------------------------------------------------------------------------------------------
# The plain checks (the valid request without marshmallow) accept exactly what the schema does
# --------------------------------------------------------------------------------------------
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**33), 2**33),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "INFO", "DEBUG", "TRACE", "STRICT", "NONE", "😀" * 41, "y" * 81, "FOO"]),
)
_MEMBER = st.sampled_from(
    [
        "definition",
        "roleArn",
        "input",
        "inspectionLevel",
        "revealSecrets",
        "variables",
        "stateName",
        "context",
        "mock",
        "stateConfiguration",
        "other",
    ]
)
_INNER = st.dictionaries(
    st.sampled_from(
        [
            "result",
            "errorOutput",
            "fieldValidationMode",
            "error",
            "cause",
            "retrierRetryCount",
            "errorCausedByState",
            "mapIterationFailureCount",
            "mapItemReaderData",
            "x",
        ]
    ),
    st.one_of(_SCALARS, st.dictionaries(st.sampled_from(["error", "cause"]), _SCALARS, max_size=2)),
    max_size=4,
)
_BODIES = st.dictionaries(_MEMBER, st.one_of(_SCALARS, _INNER, st.lists(_SCALARS, max_size=2)), max_size=6)


@settings(max_examples=1500)
@given(body=st.one_of(_BODIES, _BODIES.map(lambda body: {"definition": "{}", **body})))
def test_the_plain_checks_accept_exactly_what_the_schema_accepts(body: dict[str, Any]) -> None:
    fast = _LOAD_VALID_TEST_STATE_INPUT(body)
    try:
        loaded = _TEST_STATE_INPUT.load(body)
    except ValidationError:
        assert fast is _INVALID
    else:
        assert fast == loaded
