"""``mock.result`` against the API output shape (fieldValidationMode): messages, modes, resource table.

The recorded rows come from AWS (conformance ``aws/test_field_validation_mode_*``); the
model-driven tests build results from botocore's real output shapes, so a change of the bundled
models that breaks an assumption of the validator shows up here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from interpreter.jsontypes import JSON, loads
from tests.conftest import CliError
from teststate.errors import ValidationException
from teststate.operations import test_state as operations
from teststate.validation.mock_result import (
    MODES,
    OPTIMIZED,
    PREFIX,
    SDK_SERVICE_ALIASES,
    Node,
    Target,
    compiled,
    output_shape,
    resolve_resource,
    service_model,
    sfn_key,
    validate_mock_result,
)
from teststate.validation.request import load_test_state_request

SFN = "arn:aws:states:::states:startExecution"
EVENTS = "arn:aws:states:::events:putEvents"
LAMBDA = "arn:aws:states:::lambda:invoke"
DYNAMODB = "arn:aws:states:::dynamodb:putItem"
S3_GET = "arn:aws:states:::aws-sdk:s3:getObject"
KMS = "arn:aws:states:::aws-sdk:kms:encrypt"
GET_FUNCTION = "arn:aws:states:::aws-sdk:lambda:getFunction"
SQS = "arn:aws:states:::sqs:sendMessage"


def _message(resource: str, result: JSON, mode: str = "STRICT") -> str | None:
    """AWS's mock result schema message for `result`, or None when it is accepted."""
    try:
        validate_mock_result(resource, result, mode)
    except ValidationException as err:
        assert err.code == "ValidationException"
        assert err.message is not None and err.message.startswith(PREFIX)
        return err.message[len(PREFIX) :]
    return None


# --------------------------------------------------------------------------------------------
# Recorded messages and recorded accepted cases
# --------------------------------------------------------------------------------------------
RECORDED = [
    (
        EVENTS,
        {"Entries": "Entries value should have been a list of entry objects"},
        ("STRICT", "PRESENT"),
        "Field 'Entries' must be an array",
    ),
    (
        EVENTS,
        {"Entries": [{"EventId": ["not a string"]}]},
        ("STRICT", "PRESENT"),
        "Field 'EventId' must be a string",
    ),
    (
        EVENTS,
        {"Entries": [{"EventId": "fine"}, {"EventId": ["second is wrong"]}]},
        ("STRICT", "PRESENT"),
        "Field 'EventId' must be a string",
    ),
    (SFN, {}, ("STRICT",), "Required field 'ExecutionArn' is missing"),
    (SFN, {"executionArn": "a", "startDate": "b"}, ("STRICT",), "Required field 'ExecutionArn' is missing"),
    (SFN, {"ExecutionArn": "a", "StartDate": True}, ("STRICT",), "Field 'StartDate' must be a string"),
    (SFN, {"ExecutionArn": "a", "StartDate": 1764103483}, ("STRICT",), "Field 'StartDate' must be a string"),
    (SFN, {"StartDate": True}, ("PRESENT",), "Field 'StartDate' must be a string"),
    (SFN, {"ExecutionArn": 1764103483}, ("PRESENT",), "Field 'ExecutionArn' must be a string"),
    (LAMBDA, {"StatusCode": "200"}, ("STRICT", "PRESENT"), "Field 'StatusCode' must be a number"),
    (
        DYNAMODB,
        {"ConsumedCapacity": {"CapacityUnits": "123.45"}},
        ("STRICT", "PRESENT"),
        "Field 'CapacityUnits' must be a number",
    ),
    (S3_GET, {"ContentLength": "9000"}, ("STRICT", "PRESENT"), "Field 'ContentLength' must be a number"),
    (
        S3_GET,
        {"StorageClass": "Papyrus"},
        ("STRICT", "PRESENT"),
        "Field 'StorageClass' is not an expected value",
    ),
    (KMS, {"CiphertextBlob": 123}, ("STRICT", "PRESENT"), "Field 'CiphertextBlob' must be a string"),
    (
        KMS,
        {"CiphertextBlob": ""},
        ("STRICT", "PRESENT"),
        "Field 'CiphertextBlob' is smaller than the minimum length",
    ),
    (
        GET_FUNCTION,
        {"Configuration": {"MemorySize": 127}},
        ("STRICT", "PRESENT"),
        "Field 'MemorySize' is less than the minimum value",
    ),
    (
        GET_FUNCTION,
        {"Configuration": {"MemorySize": 10241}},
        ("STRICT", "PRESENT"),
        "Field 'MemorySize' exceeds the maximum value",
    ),
]


@pytest.mark.parametrize(
    ("resource", "result", "mode", "message"),
    [(r, res, mode, msg) for r, res, modes, msg in RECORDED for mode in modes],
)
def test_recorded_messages(resource: str, result: JSON, mode: str, message: str) -> None:
    assert _message(resource, result, mode) == message


ACCEPTED = [
    (EVENTS, {"random": "json"}, "STRICT"),
    (EVENTS, {}, "STRICT"),
    (EVENTS, {"random": "json"}, "PRESENT"),
    (EVENTS, {}, "PRESENT"),
    (EVENTS, {"Entries": [{"EventId": "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"}]}, "STRICT"),
    (SFN, {}, "PRESENT"),
    (SFN, {"executionArn": "a", "startDate": "b"}, "PRESENT"),
    (SFN, {}, "NONE"),
    (SFN, {"ExecutionArn": "a", "StartDate": True}, "NONE"),
    (
        SFN,
        {
            "ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:T:X",
            "StartDate": "2025-12-03T00:34:15.123456",
        },
        "STRICT",
    ),
    (LAMBDA, {"Payload": "function output", "SdkHttpMetadata": {"HttpStatusCode": 200}}, "STRICT"),
    (LAMBDA, {"pokemon": ["charizard", "pikachu", "bulbasaur"]}, "STRICT"),
    (DYNAMODB, {"SdkHttpMetadata": {"HttpStatusCode": 200}}, "STRICT"),
    (
        SQS,
        {
            "MD5OfMessageBody": "b6e2733e5062adaba6cc40ad1c806ef5",
            "MessageId": "7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908",
        },
        "STRICT",
    ),
    ("arn:aws:states:::apigateway:invoke", {"approval": True}, "STRICT"),
]


@pytest.mark.parametrize(("resource", "result", "mode"), ACCEPTED)
def test_recorded_accepted_results(resource: str, result: JSON, mode: str) -> None:
    assert _message(resource, result, mode) is None


# --------------------------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "missing_required", "wrong_present"),
    [
        ("STRICT", "Required field 'ExecutionArn' is missing", "Field 'StartDate' must be a string"),
        ("PRESENT", None, "Field 'StartDate' must be a string"),
        ("NONE", None, None),
    ],
)
def test_mode_table(mode: str, missing_required: str | None, wrong_present: str | None) -> None:
    assert _message(SFN, {"Unknown": 1}, mode) == missing_required
    assert _message(SFN, {"ExecutionArn": "a", "StartDate": 5}, mode) == wrong_present
    assert _message(SFN, {"ExecutionArn": "a", "StartDate": "b", "Extra": [1]}, mode) is None


def test_the_modes_are_the_models_enum() -> None:
    assert {"STRICT", "PRESENT", "NONE"} == MODES


@pytest.mark.parametrize("result", [[1, 2], "text", 42, None, True])
def test_none_accepts_any_json_even_for_a_validated_integration(result: JSON) -> None:
    assert _message(SFN, result, "NONE") is None


@pytest.mark.parametrize("result", [[1, 2], "text", 42, True, None])
def test_a_top_level_non_object_has_no_members(result: JSON) -> None:
    # Not recorded [INFER]: no members, so only a required one can be missing (STRICT).
    assert _message(EVENTS, result, "STRICT") is None
    assert _message(EVENTS, result, "PRESENT") is None
    assert _message(SFN, result, "STRICT") == "Required field 'ExecutionArn' is missing"
    assert _message(SFN, result, "PRESENT") is None


# --------------------------------------------------------------------------------------------
# Casing, nulls, order, constraints and the shapes the recordings do not cover
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("member", "key"),
    [("executionArn", "ExecutionArn"), ("Entries", "Entries"), ("body", "Body"), ("x", "X"), ("", "")],
)
def test_step_functions_casing(member: str, key: str) -> None:
    assert sfn_key(member) == key


def test_other_casings_are_unknown_and_ignored() -> None:
    assert _message(SFN, {"EXECUTIONARN": 1, "executionarn": 2, "executionArn": 3}, "PRESENT") is None
    assert _message(SFN, {"executionArn": "a"}, "STRICT") == "Required field 'ExecutionArn' is missing"


def test_required_members_are_reported_in_the_models_order() -> None:
    assert _message(SFN, {"ExecutionArn": "a"}) == "Required field 'StartDate' is missing"
    assert _message(SFN, {"StartDate": "b"}) == "Required field 'ExecutionArn' is missing"


def test_required_members_come_before_wrong_present_ones() -> None:
    assert _message(SFN, {"StartDate": True}, "STRICT") == "Required field 'ExecutionArn' is missing"


def test_present_members_are_checked_in_the_mocks_order() -> None:
    first_status = {"StatusCode": "x", "FunctionError": 1}
    first_error = {"FunctionError": 1, "StatusCode": "x"}
    assert _message(LAMBDA, first_status) == "Field 'StatusCode' must be a number"
    assert _message(LAMBDA, first_error) == "Field 'FunctionError' must be a string"


def test_null_counts_as_absent() -> None:
    assert (
        _message(SFN, {"ExecutionArn": None, "StartDate": "b"}) == "Required field 'ExecutionArn' is missing"
    )
    assert _message(LAMBDA, {"StatusCode": None}, "PRESENT") is None
    assert _message(EVENTS, {"Entries": [None, {"EventId": None}]}) is None


def test_nested_required_members_are_checked_in_strict_only() -> None:
    # GetFunction's TagsError requires ErrorCode and Message.
    assert _message(GET_FUNCTION, {"TagsError": {}}, "STRICT") == "Required field 'ErrorCode' is missing"
    assert _message(GET_FUNCTION, {"TagsError": {}}, "PRESENT") is None


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"Configuration": {"MemorySize": 128}}, None),
        ({"Configuration": {"MemorySize": 10240}}, None),
        ({"Configuration": {"MemorySize": 128.5}}, None),  # any JSON number [INFER]
        ({"Configuration": {"MemorySize": True}}, "Field 'MemorySize' must be a number"),
        ({"Configuration": "x"}, "Field 'Configuration' must be an object"),
        ({"Configuration": {"Layers": {"a": 1}}}, "Field 'Layers' must be an array"),
        ({"Configuration": {"Layers": [{"CodeSize": "1"}]}}, "Field 'CodeSize' must be a number"),
        ({"Configuration": {"SnapStart": {"ApplyOn": "Nope"}}}, "Field 'ApplyOn' is not an expected value"),
        ({"Tags": {"team": 1}}, "Field 'Tags' must be a string"),  # map values are checked
        ({"Tags": ["a"]}, "Field 'Tags' must be an object"),
        ({"Tags": {"team": "core"}}, None),
    ],
)
def test_structures_lists_maps_numbers(result: JSON, message: str | None) -> None:
    assert _message(GET_FUNCTION, result) == message


def test_booleans() -> None:
    s3 = S3_GET
    assert _message(s3, {"DeleteMarker": "true"}) == "Field 'DeleteMarker' must be a boolean"
    assert _message(s3, {"DeleteMarker": 1}) == "Field 'DeleteMarker' must be a boolean"
    assert _message(s3, {"DeleteMarker": False}) is None


def test_string_length_counts_utf16_units_and_max_length_wording() -> None:
    # StartExecution's executionArn: min 1, max 256 (botocore model).
    assert _message(SFN, {"ExecutionArn": "", "StartDate": "d"}) == (
        "Field 'ExecutionArn' is smaller than the minimum length"
    )
    assert _message(SFN, {"ExecutionArn": "a" * 256, "StartDate": "d"}) is None
    assert _message(SFN, {"ExecutionArn": "a" * 257, "StartDate": "d"}) == (
        "Field 'ExecutionArn' exceeds the maximum length"
    )
    assert _message(SFN, {"ExecutionArn": "\U0001f600" * 128, "StartDate": "d"}) is None
    assert _message(SFN, {"ExecutionArn": "\U0001f600" * 129, "StartDate": "d"}) == (
        "Field 'ExecutionArn' exceeds the maximum length"
    )


def test_list_length_bounds_apply() -> None:
    # CodeBuild BatchDeleteBuilds' buildsDeleted is a list with min 1 (botocore model).
    node = compiled(*_located("arn:aws:states:::codebuild:batchDeleteBuilds"))
    bounded = node.members["BuildsDeleted"] if node.members else None
    assert bounded is not None and compiled("codebuild", bounded).min == 1
    resource = "arn:aws:states:::codebuild:batchDeleteBuilds"
    assert (
        _message(resource, {"BuildsDeleted": []})
        == "Field 'BuildsDeleted' is smaller than the minimum length"
    )
    assert _message(resource, {"BuildsDeleted": ["b"]}) is None


def test_unions_are_checked_like_structures() -> None:
    # DynamoDB's AttributeValue is a union: its members are still type-checked.
    get_item = "arn:aws:states:::dynamodb:getItem"
    assert _message(get_item, {"Item": {"id": {"S": "id1"}, "n": {"N": "1"}}}) is None
    assert _message(get_item, {"Item": {"id": {"S": 1}}}) == "Field 'S' must be a string"
    assert _message(get_item, {"Item": {"id": {"L": [{"BOOL": "yes"}]}}}) == "Field 'BOOL' must be a boolean"


def test_documents_accept_any_json() -> None:
    # bedrock-runtime Converse's additionalModelResponseFields is a document.
    resource = "arn:aws:states:::aws-sdk:bedrockruntime:converse"
    for value in ({"a": [1, {"b": None}]}, [1, "x"], "text", 3, True):
        assert _message(resource, {"AdditionalModelResponseFields": value}, "PRESENT") is None


@pytest.mark.parametrize("payload", ["function output", {"statusCode": 200}, [1], 1.5, True])
def test_optimized_json_members_accept_any_json(payload: JSON) -> None:
    # Spec 13 question 8: the optimized integrations hand back the parsed JSON there.
    assert _message(LAMBDA, {"Payload": payload, "StatusCode": 200}) is None
    assert _message("arn:aws:states:::bedrock:invokeModel", {"Body": payload, "ContentType": "a/b"}) is None
    sync2 = {
        "ExecutionArn": "e",
        "StateMachineArn": "s",
        "Status": "SUCCEEDED",
        "StartDate": "d",
        "Output": payload,
    }
    assert _message("arn:aws:states:::states:startExecution.sync:2", sync2) is None


def test_json_members_are_only_those_of_the_optimized_integration() -> None:
    # The SDK integration returns the model's blob as text; .sync (v1) returns Output as text.
    assert (
        _message("arn:aws:states:::aws-sdk:lambda:invoke", {"Payload": {"a": 1}})
        == "Field 'Payload' must be a string"
    )
    sync1 = {
        "ExecutionArn": "e",
        "StateMachineArn": "s",
        "Status": "SUCCEEDED",
        "StartDate": "d",
        "Output": {},
    }
    assert _message("arn:aws:states:::states:startExecution.sync", sync1) == "Field 'Output' must be a string"
    assert _message(LAMBDA, {"Payload": {}, "StatusCode": "200"}) == "Field 'StatusCode' must be a number"


@pytest.mark.parametrize("depth", [1, 200, 249])  # 249 x 4 + 1 levels: within the parser's 1,000
def test_self_referencing_shapes_and_deep_mocks(depth: int) -> None:
    # DynamoDB's AttributeValue contains itself (L and M): the walk follows the value, with its
    # own stack, so a mock as deep as the JSON parser allows cannot raise RecursionError.
    text = '{"L":[{"M":{"k":' * depth + '{"S":%s}' + "}}]}" * depth
    good = {"Item": {"deep": loads(text % '"leaf"')}}
    bad = {"Item": {"deep": loads(text % "1")}}
    assert _message("arn:aws:states:::dynamodb:getItem", good) is None
    assert _message("arn:aws:states:::dynamodb:getItem", bad) == "Field 'S' must be a string"


def test_the_mock_is_not_modified() -> None:
    result = {"Entries": [{"EventId": "e", "Other": [1]}], "Extra": {"x": None}}
    snapshot = json.dumps(result)
    validate_mock_result(EVENTS, result, "STRICT")
    assert json.dumps(result) == snapshot


# --------------------------------------------------------------------------------------------
# Resource table
# --------------------------------------------------------------------------------------------
def _located(resource: str) -> tuple[str, str]:
    target = resolve_resource(resource)
    assert target is not None, resource
    located = output_shape(target)
    assert located is not None, (resource, target)
    return located


@pytest.mark.parametrize("key", sorted(OPTIMIZED))
def test_every_optimized_row_names_a_botocore_operation_with_an_output(key: str) -> None:
    target = OPTIMIZED[key]
    model = service_model(target.service)
    assert model is not None, target.service
    assert target.operation in model.operation_names, target
    assert model.operation_model(target.operation).output_shape is not None, target
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        assert resolve_resource(f"arn:{partition}:states:::{key}") == target


@pytest.mark.parametrize("alias", sorted(SDK_SERVICE_ALIASES))
def test_every_sdk_alias_names_a_botocore_service(alias: str) -> None:
    assert service_model(SDK_SERVICE_ALIASES[alias]) is not None


@pytest.mark.parametrize(
    ("resource", "target"),
    [
        ("arn:aws:states:::aws-sdk:sfn:startExecution", Target("stepfunctions", "StartExecution")),
        ("arn:aws:states:::aws-sdk:eventbridge:putEvents", Target("events", "PutEvents")),
        ("arn:aws:states:::aws-sdk:s3:getObject", Target("s3", "GetObject")),
        ("arn:aws:states:::aws-sdk:kms:encrypt", Target("kms", "Encrypt")),
        ("arn:aws:states:::aws-sdk:emrcontainers:listJobRuns", Target("emr-containers", "ListJobRuns")),
        ("arn:aws:states:::aws-sdk:bedrockruntime:invokeModel", Target("bedrock-runtime", "InvokeModel")),
        ("arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents", Target("logs", "PutLogEvents")),
        (
            "arn:aws:states:::aws-sdk:elasticloadbalancingv2:describeLoadBalancers",
            Target("elbv2", "DescribeLoadBalancers"),
        ),
        ("arn:aws-cn:states:::aws-sdk:dynamodb:getItem", Target("dynamodb", "GetItem")),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            Target("stepfunctions", "DescribeExecution", frozenset({"Output"})),
        ),
    ],
)
def test_resources_resolve(resource: str, target: Target) -> None:
    assert resolve_resource(resource) == target
    assert output_shape(target) is not None


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::http:invoke",
        "arn:aws:states:::apigateway:invoke",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::aws-sdk:s3:getObject.waitForTaskToken",
        "arn:aws:states:::batch:submitJob.sync",
        "arn:aws:states:::ecs:runTask.sync",
        "arn:aws:states:::elasticmapreduce:createCluster",
        "arn:aws:states:::eks:call",
        "arn:aws:states:us-east-1:123456789012:activity:Review",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:states:::nosuchservice:doIt",
        "not an arn",
        "",
    ],
)
def test_resources_without_a_model_are_not_validated(resource: str) -> None:
    assert resolve_resource(resource) is None
    assert _message(resource, {"StatusCode": "x", "ExecutionArn": 1, "Entries": "x"}) is None
    assert _message(resource, {}, "STRICT") is None


@pytest.mark.parametrize(
    "resource",
    ["arn:aws:states:::aws-sdk:nosuchservice:getThing", "arn:aws:states:::aws-sdk:s3:noSuchOperation"],
)
def test_unknown_sdk_services_and_operations_are_not_validated(resource: str) -> None:
    target = resolve_resource(resource)
    assert target is not None and output_shape(target) is None
    assert _message(resource, {"anything": 1}) is None


def test_operation_names_match_case_insensitively() -> None:
    assert output_shape(Target("s3", "GetObjectAcl")) is not None
    assert output_shape(Target("s3", "GETOBJECTACL")) == output_shape(Target("s3", "GetObjectAcl"))


# --------------------------------------------------------------------------------------------
# Model-driven: a minimal valid result for many real output shapes passes STRICT
# --------------------------------------------------------------------------------------------
def minimal_value(node: Node, depth: int = 0) -> JSON:
    """The smallest value `node` accepts: required members only, lower bounds, first enum."""
    assert depth < 40, "a required member chain that never ends"
    if node.kind == "object":
        return {
            key: minimal_value(compiled(node.service, (node.members or {})[key]), depth + 1)
            for key in node.required
        }
    if node.kind in ("array", "map"):
        count = int(node.min or 0)
        assert node.element is not None
        element = minimal_value(compiled(node.service, node.element), depth + 1)
        return [element] * count if node.kind == "array" else {f"k{i}": element for i in range(count)}
    if node.kind == "string":
        if node.enum:
            return sorted(node.enum)[0]
        return "a" * max(int(node.min or 0), 1 if node.max is None or node.max >= 1 else 0)
    if node.kind == "number":
        return (
            node.min if node.min is not None else (node.max if node.max is not None and node.max < 0 else 0)
        )
    if node.kind == "boolean":
        return True
    return {"any": "json"}


SDK_SAMPLE = [
    "aws-sdk:s3:getObject",
    "aws-sdk:s3:listObjectsV2",
    "aws-sdk:s3:putObject",
    "aws-sdk:kms:encrypt",
    "aws-sdk:kms:describeKey",
    "aws-sdk:lambda:getFunction",
    "aws-sdk:lambda:listFunctions",
    "aws-sdk:sfn:describeExecution",
    "aws-sdk:sfn:listExecutions",
    "aws-sdk:ec2:describeInstances",
    "aws-sdk:dynamodb:query",
    "aws-sdk:dynamodb:describeTable",
    "aws-sdk:secretsmanager:getSecretValue",
    "aws-sdk:ssm:getParameter",
    "aws-sdk:sqs:receiveMessage",
    "aws-sdk:sns:listTopics",
    "aws-sdk:iam:getRole",
    "aws-sdk:ecs:describeServices",
    "aws-sdk:eventbridge:listRules",
    "aws-sdk:cloudwatch:getMetricData",
    "aws-sdk:rds:describeDBInstances",
    "aws-sdk:glue:getTable",
]
MODEL_RESOURCES = sorted(OPTIMIZED) + SDK_SAMPLE


def test_the_model_driven_sample_is_broad() -> None:
    assert len(MODEL_RESOURCES) >= 30
    assert len({OPTIMIZED[k].service for k in OPTIMIZED}) >= 15


@pytest.mark.parametrize("rest", MODEL_RESOURCES)
def test_a_minimal_valid_result_passes_strict(rest: str) -> None:
    resource = f"arn:aws:states:::{rest}"
    node = compiled(*_located(resource))
    value = minimal_value(node)
    assert _message(resource, value, "STRICT") is None
    assert _message(resource, value, "PRESENT") is None


@pytest.mark.parametrize("rest", MODEL_RESOURCES)
def test_dropping_a_required_member_fails_strict_only(rest: str) -> None:
    resource = f"arn:aws:states:::{rest}"
    node = compiled(*_located(resource))
    if not node.required:
        assert _message(resource, {}, "STRICT") is None  # nothing required: {} is a valid result
        return
    value = minimal_value(node)
    assert isinstance(value, dict)
    first = node.required[0]
    del value[first]
    assert _message(resource, value, "STRICT") == f"Required field '{first}' is missing"
    assert _message(resource, value, "PRESENT") is None


# --------------------------------------------------------------------------------------------
# Wiring into the operation (after the mock rules, before the run)
# --------------------------------------------------------------------------------------------
def _run(state: dict[str, Any], result: JSON, **mock: Any) -> dict[str, Any]:
    request = load_test_state_request(
        {"definition": json.dumps(state), "mock": {"result": json.dumps(result), **mock}}
    )
    return operations.test_state(request, region="us-east-1")


SFN_TASK = {"Type": "Task", "Resource": SFN, "Parameters": {"StateMachineArn": "arn"}, "End": True}


def test_operation_rejects_a_task_mock_that_breaks_the_shape() -> None:
    with pytest.raises(ValidationException) as raised:
        _run(SFN_TASK, {})
    assert (
        raised.value.message
        == "Mock result schema validation error: Required field 'ExecutionArn' is missing"
    )


def test_operation_passes_the_mock_through_verbatim() -> None:
    result = {"ExecutionArn": "a", "StartDate": "b", "executionArn": "kept"}
    answer = _run(SFN_TASK, result)
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == result


def test_operation_honours_the_mode() -> None:
    assert _run(SFN_TASK, {}, fieldValidationMode="PRESENT")["status"] == "SUCCEEDED"
    assert _run(SFN_TASK, {"StartDate": True}, fieldValidationMode="NONE")["status"] == "SUCCEEDED"


def test_operation_checks_json_before_the_shape() -> None:
    request = load_test_state_request(
        {"definition": json.dumps(SFN_TASK), "mock": {"result": "{not json", "fieldValidationMode": "NONE"}}
    )
    with pytest.raises(ValidationException) as raised:
        operations.test_state(request, region="us-east-1")
    assert raised.value.message == "Mocked result must be valid JSON"


def test_operation_does_not_validate_a_mocked_error() -> None:
    request = load_test_state_request(
        {"definition": json.dumps(SFN_TASK), "mock": {"errorOutput": {"error": "E", "cause": "C"}}}
    )
    assert operations.test_state(request, region="us-east-1")["status"] == "FAILED"


def test_operation_does_not_validate_a_map_result_against_its_inner_task() -> None:
    inner = {"StartAt": "T", "States": {"T": {**SFN_TASK}}}
    map_state = {"Type": "Map", "ItemProcessor": inner, "End": True}
    request = load_test_state_request(
        {"definition": json.dumps(map_state), "input": "[1, 2]", "mock": {"result": "[{}, 1]"}}
    )
    assert operations.test_state(request, region="us-east-1") == {"status": "SUCCEEDED", "output": "[{},1]"}


# --------------------------------------------------------------------------------------------
# End to end: the real server through boto3 and the aws CLI
# --------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_boto3_gets_the_v15_error_and_the_accepted_mock(sfn: Any) -> None:
    definition = json.dumps({"Type": "Task", "Resource": EVENTS, "Parameters": {"Entries": []}, "End": True})
    with pytest.raises(ClientError) as raised:
        sfn.test_state(definition=definition, mock={"result": json.dumps({"Entries": "nope"})})
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Mock result schema validation error: Field 'Entries' must be an array"
    answer = sfn.test_state(
        definition=definition,
        mock={"result": '{"Entries": [{"EventId": "e1"}]}', "fieldValidationMode": "STRICT"},
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"Entries": [{"EventId": "e1"}]}


@pytest.mark.e2e
def test_aws_cli_mock_option(aws_cli: Callable[..., Any]) -> None:
    definition = json.dumps(SFN_TASK)
    failed = aws_cli(
        definition=definition, mock={"result": '{"ExecutionArn": 7}', "fieldValidationMode": "PRESENT"}
    )
    assert isinstance(failed, CliError)
    assert "(ValidationException)" in failed.stderr
    assert "Mock result schema validation error: Field 'ExecutionArn' must be a string" in failed.stderr
    passed = aws_cli(definition=definition, mock={"result": '{"ExecutionArn": "a", "StartDate": "d"}'})
    assert not isinstance(passed, CliError)
    assert passed["status"] == "SUCCEEDED"
