"""Request validation from botocore's model (`teststate.validation.shapes`): AWS's codes and wording.

The recorded messages (tests/conformance/corpus/api) are asserted verbatim; the others follow the
rules TestState's validation already follows (teststate/validation/request.py), whose message
builders the module reuses.
"""

from __future__ import annotations

from typing import Any

import pytest

from teststate.errors import ModelValidationException, SerializationException
from teststate.validation.request import load_test_state_request
from teststate.validation.shapes import OPERATIONS, validate

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:m"


def _message(operation: str, body: dict[str, Any]) -> tuple[type[Exception], str | None]:
    with pytest.raises((ModelValidationException, SerializationException)) as caught:
        validate(operation, body)
    return type(caught.value), caught.value.message


def test_every_operation_of_the_model_is_compiled() -> None:
    assert {"CreateStateMachine", "StartExecution", "TagResource", "ValidateStateMachineDefinition"} <= set(
        OPERATIONS
    )
    assert len(OPERATIONS) >= 37


def test_a_valid_body_passes_and_unknown_members_are_ignored() -> None:
    validate("DescribeStateMachine", {"stateMachineArn": ARN, "somethingElse": [1, 2]})
    validate("ListStateMachines", {})
    validate("ListStateMachines", {"maxResults": None, "nextToken": None})  # null is absent


def test_recorded_range_message() -> None:
    # api/test_sfn_api/test_list_sms_pagination
    assert _message("ListStateMachines", {"maxResults": 1001}) == (
        ModelValidationException,
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )


def test_recorded_length_message() -> None:
    # api/test_sfn_api/test_list_executions_versions_pagination: the token shape of ListExecutions
    token = "x" * 3097
    assert _message("ListExecutions", {"nextToken": token}) == (
        ModelValidationException,
        f"1 validation error detected: Value '{token}' at 'nextToken' failed to satisfy constraint: "
        "Member must have length less than or equal to 3096",
    )


def test_recorded_enum_message_in_aws_order() -> None:
    # api/test_sfn_api/test_state_machine_status_filter: AWS's order, not the model's
    assert _message("ListExecutions", {"statusFilter": "succeeded"}) == (
        ModelValidationException,
        "1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]",
    )


def test_every_violation_is_listed_in_model_order() -> None:
    _, message = _message("CreateStateMachine", {"type": "BATCH"})
    assert message == (
        "4 validation errors detected: "
        "Value null at 'name' failed to satisfy constraint: Member must not be null; "
        "Value null at 'definition' failed to satisfy constraint: Member must not be null; "
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; "
        "Value 'BATCH' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
    )


def test_sensitive_values_are_left_out() -> None:
    _, message = _message("CreateStateMachine", {"name": "n", "definition": "", "roleArn": "r"})
    assert message == (
        "1 validation error detected: Value at 'definition' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_list_members_are_addressed_as_coral_does() -> None:
    _, message = _message("TagResource", {"resourceArn": ARN, "tags": [{"key": "ok"}, {"key": ""}, None]})
    assert message == (
        "2 validation errors detected: "
        "Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value null at 'tags.3.member' failed to satisfy constraint: Member must not be null"
    )


def test_pattern_constraint() -> None:
    _, message = _message("StartExecution", {"stateMachineArn": ARN, "traceHeader": "é"})
    assert message == (
        "1 validation error detected: Value 'é' at 'traceHeader' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: \\p{ASCII}*"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"stateMachineArn": 1}, "NUMBER_VALUE can not be converted to a String"),
        ({"stateMachineArn": ARN, "maxResults": "1"}, "STRING_VALUE can not be converted to an Integer"),
        ({"stateMachineArn": ARN, "maxResults": True}, "TRUE_VALUE can not be converted to an Integer"),
        ({"stateMachineArn": ARN, "maxResults": 1.5}, "NUMBER_VALUE can not be converted to an Integer"),
        ({"stateMachineArn": [ARN]}, "Start of list found where not expected"),
    ],
)
def test_wrong_types_are_serialization_errors(body: dict[str, Any], expected: str) -> None:
    assert _message("ListStateMachineVersions", body) == (SerializationException, expected)


def test_a_wrong_type_wins_over_constraint_violations() -> None:
    # Deserialization comes first (as in TestState's validation).
    assert _message("CreateStateMachine", {"name": "", "publish": "yes"}) == (
        SerializationException,
        "STRING_VALUE can not be converted to an Boolean",
    )


def test_structures_and_lists_refuse_other_json_types() -> None:
    base = {"name": "n", "definition": "d", "roleArn": "r"}
    assert _message("CreateStateMachine", {**base, "tracingConfiguration": []})[1] == (
        "Start of list found where not expected"
    )
    assert _message("CreateStateMachine", {**base, "tags": {"key": "k"}})[1] == (
        "Start of structure or map found where not expected."
    )


def test_the_same_wording_as_test_state_validation() -> None:
    # One piece of code words both: TestState's roleArn and CreateStateMachine's roleArn.
    with pytest.raises(ModelValidationException) as test_state:
        load_test_state_request({"definition": "{}", "roleArn": ""})
    with pytest.raises(ModelValidationException) as create:
        validate("CreateStateMachine", {"name": "n", "definition": "{}", "roleArn": ""})
    assert test_state.value.message == create.value.message


def test_integral_numbers_reach_the_operation_as_ints() -> None:
    # The model accepts 1.0 for an integer member (Coral's deserializer reads it as 1); the
    # operations then slice and count with it, so the body they get holds an int (found by
    # fuzz/test_executions_props.py: ``{"maxResults": 1.0}`` answered 500 before).
    body = {"maxResults": 1.0, "nextToken": None}
    normalised = validate("ListStateMachines", body)
    assert normalised == {"maxResults": 1, "nextToken": None}
    assert type(normalised["maxResults"]) is int
    assert body == {"maxResults": 1.0, "nextToken": None}  # the caller's body is left as it was
    unchanged = {"maxResults": 2}
    assert validate("ListStateMachines", unchanged) is unchanged
    update = validate(
        "UpdateMapRun",
        {"mapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:m/r:x", "toleratedFailureCount": 3.0},
    )
    assert type(update["toleratedFailureCount"]) is int
