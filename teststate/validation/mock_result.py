"""``mock.result`` checked against the called API's output shape (``fieldValidationMode``).

AWS validates a Task's mocked result against the AWS SDK model of the API the integration calls
and answers a mismatch with ``ValidationException: Mock result schema validation error: ...``
(Step Functions API reference, "MockInput": ``STRICT``, the default, wants every required member
and checks every present one, ``PRESENT`` checks only the present ones, ``NONE`` nothing).
Members are matched in Step Functions casing (the model's member name with its first letter
upper-cased: ``executionArn`` -> ``ExecutionArn``); any other key is unknown, ignored and passed
through (the mock is never modified). The first failure is reported by its member name alone, at
any depth (recorded: aws/test_field_validation_mode/test_strict_mode_eventbridge_task__wrong_type_nested_field).

The output shapes come from botocore's bundled models (LocalStack reads the same ones). Reading
them is I/O, hence this module lives in the service layer. Each service model is loaded once,
lazily, on the first mock that needs it; nothing is read at import.

Resources with no API model are not validated: ``http:invoke``, ``apigateway:invoke``,
Activities, Lambda function ARNs, ``.waitForTaskToken`` (the result is the callback payload),
unknown services or operations, and the ``.sync`` forms whose result is not one botocore output
shape (see `OPTIMIZED`). AWS accepted ``{"approval": true}`` for ``apigateway:invoke`` in STRICT
(aws/test_test_state_scenarios/test_localstack_blogpost_scenario__large_purchase_ask_for_approval_response).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from interpreter.jsontypes import JSON, is_number
from teststate.errors import ValidationException

if TYPE_CHECKING:  # botocore is imported lazily: `import teststate` must stay fast
    from botocore.model import ServiceModel

PREFIX: Final = "Mock result schema validation error: "
STRICT: Final = "STRICT"
PRESENT: Final = "PRESENT"
NONE: Final = "NONE"
MODES: Final = frozenset({STRICT, PRESENT, NONE})


@dataclass(frozen=True, slots=True)
class Target:
    """The botocore service model and operation whose output shape a mock result must fit.

    `json_members`: top-level members the optimized integration turns from JSON text into JSON
    (Lambda's ``Payload``, Bedrock's ``Body``, ``Output`` of ``startExecution.sync:2``). The
    model calls them blobs/strings, but the result Step Functions produces holds the parsed
    JSON, so any JSON is accepted there (see `OPTIMIZED`).
    """

    service: str
    operation: str
    json_members: frozenset[str] = frozenset()


# --------------------------------------------------------------------------------------------
# Resource -> (botocore service, operation)
# --------------------------------------------------------------------------------------------
def _t(service: str, operation: str, *json_members: str) -> Target:
    return Target(service, operation, frozenset(json_members))


# Optimized integrations, keyed by what follows ``arn:<partition>:states:::`` (pattern suffix
# included). Request-response forms return the API's own output. ``.sync`` forms return the
# polling API's answer (AWS's Step Functions skill for its agent toolkit, "Validation and
# Testing": mock ``states:startExecution.sync:2`` with the DescribeExecution shape); they are
# listed only where that answer IS one botocore output shape. Left out, hence not validated, on
# purpose:
# - ``batch:submitJob.sync``, ``ecs:runTask.sync``, ``glue:startJobRun.sync``,
#   ``codebuild:startBuild(Batch).sync``, ``eks:*.sync``, ``emr-containers``/``emr-serverless``
#   ``.sync``, ``databrew:startJobRun.sync``, ``mediaconvert:createJob.sync``: the result is one
#   element of a Describe*/BatchGet* list (JobDetail, Task, JobRun, Build, ...) and the docs do
#   not pin down its exact form, so a wrong guess would reject genuine results.
# - ``elasticmapreduce:*``: Step Functions' EMR actions are its own (createCluster ->
#   RunJobFlow answered as ``ClusterId``, ``modifyInstanceFleetByName``, ...), not SDK shapes.
# - ``eks:call``, ``eks:runJob``, ``apigateway:invoke``, ``http:invoke``: no SDK model.
# - ``s3:getObject``/``s3:putObject`` only appear as Distributed Map ItemReader/ResultWriter.
# Lambda's ``Payload`` (a blob in the model) is the function's JSON in the optimized result
# (AWS: the integration "converts the API output from escaped JSON to a JSON object"; AWS's
# examples mock it as an object). LocalStack's developers noted AWS once rejecting an object
# Payload under STRICT, which no recording confirms: we accept any JSON there, strings included
# (``"Payload": "function output"`` was accepted:
# aws/test_test_state_mock_scenarios/test_base_lambda_service_task_mock_success).
OPTIMIZED: Final[Mapping[str, Target]] = {
    "lambda:invoke": _t("lambda", "Invoke", "Payload"),
    "sqs:sendMessage": _t("sqs", "SendMessage"),
    "sns:publish": _t("sns", "Publish"),
    "dynamodb:getItem": _t("dynamodb", "GetItem"),
    "dynamodb:putItem": _t("dynamodb", "PutItem"),
    "dynamodb:updateItem": _t("dynamodb", "UpdateItem"),
    "dynamodb:deleteItem": _t("dynamodb", "DeleteItem"),
    "events:putEvents": _t("events", "PutEvents"),
    "states:startExecution": _t("stepfunctions", "StartExecution"),
    # .sync (Output as JSON text) and .sync:2 (Output parsed): both poll DescribeExecution.
    "states:startExecution.sync": _t("stepfunctions", "DescribeExecution"),
    "states:startExecution.sync:2": _t("stepfunctions", "DescribeExecution", "Output"),
    "batch:submitJob": _t("batch", "SubmitJob"),
    "ecs:runTask": _t("ecs", "RunTask"),
    "glue:startJobRun": _t("glue", "StartJobRun"),
    "athena:startQueryExecution": _t("athena", "StartQueryExecution"),
    "athena:startQueryExecution.sync": _t("athena", "GetQueryExecution"),
    "athena:stopQueryExecution": _t("athena", "StopQueryExecution"),
    "athena:getQueryExecution": _t("athena", "GetQueryExecution"),
    "athena:getQueryResults": _t("athena", "GetQueryResults"),
    "codebuild:startBuild": _t("codebuild", "StartBuild"),
    "codebuild:stopBuild": _t("codebuild", "StopBuild"),
    "codebuild:batchDeleteBuilds": _t("codebuild", "BatchDeleteBuilds"),
    "codebuild:batchGetReports": _t("codebuild", "BatchGetReports"),
    "codebuild:startBuildBatch": _t("codebuild", "StartBuildBatch"),
    "codebuild:stopBuildBatch": _t("codebuild", "StopBuildBatch"),
    "codebuild:retryBuild": _t("codebuild", "RetryBuild"),
    "codebuild:retryBuildBatch": _t("codebuild", "RetryBuildBatch"),
    "codebuild:deleteBuildBatch": _t("codebuild", "DeleteBuildBatch"),
    "sagemaker:createTrainingJob": _t("sagemaker", "CreateTrainingJob"),
    "sagemaker:createTrainingJob.sync": _t("sagemaker", "DescribeTrainingJob"),
    "sagemaker:createTransformJob": _t("sagemaker", "CreateTransformJob"),
    "sagemaker:createTransformJob.sync": _t("sagemaker", "DescribeTransformJob"),
    "sagemaker:createProcessingJob": _t("sagemaker", "CreateProcessingJob"),
    "sagemaker:createProcessingJob.sync": _t("sagemaker", "DescribeProcessingJob"),
    "sagemaker:createHyperParameterTuningJob": _t("sagemaker", "CreateHyperParameterTuningJob"),
    "sagemaker:createHyperParameterTuningJob.sync": _t("sagemaker", "DescribeHyperParameterTuningJob"),
    "sagemaker:createLabelingJob": _t("sagemaker", "CreateLabelingJob"),
    "sagemaker:createLabelingJob.sync": _t("sagemaker", "DescribeLabelingJob"),
    "sagemaker:createModel": _t("sagemaker", "CreateModel"),
    "sagemaker:createEndpoint": _t("sagemaker", "CreateEndpoint"),
    "sagemaker:createEndpointConfig": _t("sagemaker", "CreateEndpointConfig"),
    "sagemaker:updateEndpoint": _t("sagemaker", "UpdateEndpoint"),
    "eks:createCluster": _t("eks", "CreateCluster"),
    "eks:deleteCluster": _t("eks", "DeleteCluster"),
    "eks:createFargateProfile": _t("eks", "CreateFargateProfile"),
    "eks:deleteFargateProfile": _t("eks", "DeleteFargateProfile"),
    "eks:createNodegroup": _t("eks", "CreateNodegroup"),
    "eks:deleteNodegroup": _t("eks", "DeleteNodegroup"),
    "emr-containers:startJobRun": _t("emr-containers", "StartJobRun"),
    "emr-containers:createVirtualCluster": _t("emr-containers", "CreateVirtualCluster"),
    "emr-containers:deleteVirtualCluster": _t("emr-containers", "DeleteVirtualCluster"),
    "emr-serverless:createApplication": _t("emr-serverless", "CreateApplication"),
    "emr-serverless:startApplication": _t("emr-serverless", "StartApplication"),
    "emr-serverless:stopApplication": _t("emr-serverless", "StopApplication"),
    "emr-serverless:deleteApplication": _t("emr-serverless", "DeleteApplication"),
    "emr-serverless:startJobRun": _t("emr-serverless", "StartJobRun"),
    "emr-serverless:cancelJobRun": _t("emr-serverless", "CancelJobRun"),
    # Step Functions' Bedrock integration calls the runtime API for invokeModel.
    "bedrock:invokeModel": _t("bedrock-runtime", "InvokeModel", "Body"),
    "bedrock:createModelCustomizationJob": _t("bedrock", "CreateModelCustomizationJob"),
    "bedrock:createModelCustomizationJob.sync": _t("bedrock", "GetModelCustomizationJob"),
    "databrew:startJobRun": _t("databrew", "StartJobRun"),
    "mediaconvert:createJob": _t("mediaconvert", "CreateJob"),
}

# SDK integrations name services as the AWS SDK for Java 2 does (``aws-sdk:sfn:startExecution``).
# Where that differs from botocore's model name beyond dropping the dashes (``emr-containers`` ->
# ``emrcontainers`` is found by the fallback), the name is listed here.
SDK_SERVICE_ALIASES: Final[Mapping[str, str]] = {
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchevents": "events",
    "cloudwatchlogs": "logs",
    "elasticloadbalancing": "elb",
    "elasticloadbalancingv2": "elbv2",
    "cognitoidentityprovider": "cognito-idp",
    "databasemigration": "dms",
    "costexplorer": "ce",
    "elasticsearch": "es",
    "configservice": "config",
    "directory": "ds",
    "migrationhub": "mgh",
    "costandusagereport": "cur",
    "lexruntime": "lex-runtime",
    "lexmodelbuilding": "lex-models",
    "lexruntimev2": "lexv2-runtime",
    "lexmodelsv2": "lexv2-models",
    "iotdataplane": "iot-data",
    "iotjobsdataplane": "iot-jobs-data",
    "marketplacemetering": "meteringmarketplace",
}

_STATES_ARN: Final = re.compile(r"arn:aws[a-z-]*:states:::(?P<rest>.+)")
_SDK: Final = re.compile(r"aws-sdk:(?P<service>[A-Za-z0-9-]+):(?P<action>[A-Za-z0-9]+)(?P<suffix>\..*)?")


def resolve_resource(resource: str) -> Target | None:
    """The API whose output a Task's result is, or None when it is not validated.

    Existence of the service/operation is NOT checked here (see `output_shape`).
    """
    match = _STATES_ARN.fullmatch(resource)
    if match is None:
        return None  # Lambda function ARN, Activity ARN, anything else: no SDK model
    rest = match.group("rest")
    if rest.endswith(".waitForTaskToken"):
        return None  # the result is the callback payload, whatever the task sends back
    sdk = _SDK.fullmatch(rest)
    if sdk is not None:
        if sdk.group("suffix"):
            return None  # AWS SDK integrations only know request-response and callbacks
        action = sdk.group("action")
        return Target(_sdk_service(sdk.group("service")), action[:1].upper() + action[1:])
    return OPTIMIZED.get(rest)


def _sdk_service(name: str) -> str:
    lowered = name.lower()
    alias = SDK_SERVICE_ALIASES.get(lowered)
    if alias is not None:
        return alias
    return _undashed_services().get(lowered.replace("-", ""), lowered)


@functools.lru_cache(maxsize=1)
def _undashed_services() -> Mapping[str, str]:
    """botocore's service names keyed without dashes (one directory listing, done once)."""
    from botocore.loaders import Loader

    return {name.replace("-", ""): name for name in Loader().list_available_services("service-2")}


# --------------------------------------------------------------------------------------------
# Model loading (lazy, cached)
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _loader() -> Any:
    from botocore.loaders import Loader

    return Loader()


@functools.lru_cache(maxsize=64)
def service_model(service: str) -> ServiceModel | None:
    """botocore's model of `service`, loaded once; None when botocore has no such service."""
    from botocore.exceptions import DataNotFoundError
    from botocore.model import ServiceModel

    try:
        return ServiceModel(_loader().load_service_model(service, "service-2"), service_name=service)
    except (DataNotFoundError, ValueError):
        return None


# The services most Task states call (Lambda, SQS, SNS, DynamoDB, Step Functions, EventBridge, S3):
# the server loads their models when it starts (`preload_service_models`), in gunicorn's master
# before it forks, so no worker's first request pays for them (measured: 129 ms and ~13 MiB in all,
# lambda alone ~100 ms of a first Task request; shared copy-on-write by the workers).
PRELOADED_SERVICES: Final = ("lambda", "sqs", "sns", "dynamodb", "stepfunctions", "events", "s3")


def preload_service_models(services: tuple[str, ...] = PRELOADED_SERVICES) -> None:
    """Load (into the caches) the models of `services` and botocore's list of service names."""
    _undashed_services()
    for service in services:
        service_model(service)


@functools.lru_cache(maxsize=1024)
def output_shape(target: Target) -> tuple[str, str] | None:
    """``(service, output shape name)`` for `target`; None if the operation or its output is unknown.

    Operation names are matched exactly, then case-insensitively: Step Functions writes the SDK
    method name (``getObjectAcl``) where botocore may spell the operation ``GetObjectACL``.
    """
    model = service_model(target.service)
    if model is None:
        return None
    names = model.operation_names
    name = target.operation if target.operation in names else _casefold_find(names, target.operation)
    if name is None:
        return None
    shape = model.operation_model(name).output_shape
    return None if shape is None else (target.service, shape.name)


def _casefold_find(names: list[str], wanted: str) -> str | None:
    folded = wanted.casefold()
    return next((name for name in names if name.casefold() == folded), None)


# --------------------------------------------------------------------------------------------
# Compiled shapes: botocore shapes turned once into small immutable checkers
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Node:
    """One botocore shape, as much of it as the check needs.

    `kind` is the JSON expectation (string, number, boolean, array, object, map, any). Child
    shapes are kept by name and compiled on first use, so self-referencing shapes compile fine.
    """

    service: str
    kind: str
    members: Mapping[str, str] | None = None  # Step Functions key -> shape name (model order)
    required: tuple[str, ...] = ()  # Step Functions keys, in the model's `required` order
    element: str | None = None  # list member / map value shape name
    enum: frozenset[str] | None = None
    min: float | None = None
    max: float | None = None
    any_members: frozenset[str] = frozenset()  # members holding any JSON (`Target.json_members`)


# botocore type -> JSON expectation. Timestamps are JSON strings (``StartDate: true`` and
# ``1764103483`` both rejected:
# aws/test_field_validation_mode/test_strict_mode_sfn_task__wrong_timestamp_type_bool and
# aws/test_field_validation_mode/test_strict_mode_sfn_task__wrong_timestamp_type_number); blobs
# are JSON strings (``CiphertextBlob: 123`` rejected:
# aws/test_field_validation_mode/test_strict_mode_aws_sdk_kms_task__wrong_blob_type_number).
KINDS: Final[Mapping[str, str]] = {
    "string": "string",
    "timestamp": "string",
    "blob": "string",
    "integer": "number",
    "long": "number",
    "float": "number",
    "double": "number",
    "bigdecimal": "number",
    "biginteger": "number",
    "boolean": "boolean",
    "list": "array",
    "structure": "object",
    "map": "map",
}

# Constraints AWS was recorded enforcing where the bundled botocore model now says otherwise:
# AWS rejected MemorySize 10241 with "exceeds the maximum value"
# (aws/test_field_validation_mode/test_strict_mode_aws_sdk_lambda_get_function_task__integer_more_than_maximum_allowed)
# while botocore >= 1.44 models Lambda's MemorySize max as 32768. Pinned so the answer does not
# depend on the installed botocore.
RECORDED_OVERRIDES: Final[Mapping[tuple[str, str], Mapping[str, float]]] = {
    ("lambda", "MemorySize"): {"max": 10240},
}

# AWS's wording, recorded in aws/test_field_validation_mode, except where marked "ours" (AWS's
# is not recorded; ours follows the recorded ones).
MESSAGES: Final[Mapping[str, str]] = {
    "string": "Field '{}' must be a string",
    "number": "Field '{}' must be a number",
    "boolean": "Field '{}' must be a boolean",  # ours
    "array": "Field '{}' must be an array",
    "object": "Field '{}' must be an object",  # ours
    "map": "Field '{}' must be an object",  # ours
    "enum": "Field '{}' is not an expected value",
    "min_length": "Field '{}' is smaller than the minimum length",
    "max_length": "Field '{}' exceeds the maximum length",  # ours
    "min_value": "Field '{}' is less than the minimum value",
    "max_value": "Field '{}' exceeds the maximum value",
    "required": "Required field '{}' is missing",
}
_JSON_TYPES: Final[Mapping[str, type[Any]]] = {
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
    "map": dict,
}
if set(_JSON_TYPES) | {"number", "any"} != set(KINDS.values()) | {"any"}:  # checked at import
    raise RuntimeError("every JSON expectation needs a type check")


def sfn_key(member: str) -> str:
    """Step Functions' casing of a model member: first letter upper-cased (recorded:
    aws/test_field_validation_mode/test_strict_mode_sfn_task__field_name_not_in_sfn_case)."""
    return member[:1].upper() + member[1:]


@functools.lru_cache(maxsize=4096)
def compiled(service: str, shape_name: str) -> Node:
    """The `Node` for botocore shape `shape_name` of `service` (compiled once)."""
    model = service_model(service)
    if model is None:  # compiled shapes are named by output_shape, which found the model
        raise LookupError(f"botocore has no model of {service!r}")
    shape = model.shape_for(shape_name)
    meta = {**shape.metadata, **RECORDED_OVERRIDES.get((service, shape_name), {})}
    type_name = shape.type_name
    # Documents hold any JSON; event streams cannot be a Task result (Step Functions does not
    # integrate streaming APIs): accept whatever is there.
    if meta.get("document") or shape.serialization.get("eventstream") or type_name not in KINDS:
        return Node(service, "any")
    kind = KINDS[type_name]
    low, high = _bound(meta.get("min")), _bound(meta.get("max"))
    if kind == "object":
        # Unions (``"union": true``, e.g. DynamoDB's AttributeValue) are checked like structures:
        # no recording shows AWS enforcing the one-member rule, so it is not enforced.
        members: dict[str, str] = {}
        for name, member in shape.members.items():
            members.setdefault(sfn_key(name), member.name)
        required = tuple(sfn_key(name) for name in meta.get("required", ()))
        return Node(service, kind, members=members, required=required)
    if kind == "array":
        return Node(service, kind, element=shape.member.name, min=low, max=high)
    if kind == "map":
        return Node(service, kind, element=shape.value.name, min=low, max=high)
    enum = frozenset(meta["enum"]) if type_name == "string" and meta.get("enum") else None
    # `pattern` is not enforced: no recording shows AWS checking one.
    return Node(service, kind, enum=enum, min=low, max=high)


@functools.lru_cache(maxsize=1024)
def root_node(target: Target, service: str, shape_name: str) -> Node:
    """The output structure's `Node`, with the target's JSON members accepting any JSON."""
    node = compiled(service, shape_name)
    return dataclasses.replace(node, any_members=target.json_members) if target.json_members else node


def _bound(value: object) -> float | None:
    # A JSON number (bool is an int in Python), kept as it is: an int bound compares exactly.
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------
def validate_mock_result(resource: str, result: JSON, mode: str) -> None:
    """Check a Task's ``mock.result`` against its API's output shape.

    Arguments:
        resource: the Task's ``Resource``.
        result: the parsed mock result (already known to be JSON: the operation answered
            ``Mocked result must be valid JSON`` otherwise).
        mode: ``fieldValidationMode`` (``STRICT``, ``PRESENT`` or ``NONE``).

    Raises:
        ValidationException: ``Mock result schema validation error: ...``.
    """
    if mode == NONE:
        return
    target = resolve_resource(resource)
    if target is None:
        return
    located = output_shape(target)
    if located is None:
        return  # botocore does not know this service/operation: nothing to check against
    # A result that is not an object (array, scalar, null) has no members: STRICT then misses the
    # first required one, if the shape has any; otherwise it is accepted. AWS's answer is not
    # recorded; LocalStack's AWS tests list such results among the ones expected to pass.
    members = result if isinstance(result, dict) else {}
    problem = _check(members, root_node(target, *located), None, mode == STRICT)
    if problem is not None:
        raise ValidationException(PREFIX + problem)


def _check(value: JSON, node: Node, field: str | None, strict: bool) -> str | None:
    """The first problem of `value` against `node` (message without prefix), or None.

    A depth-first walk in document order with an explicit stack: the first problem found is the
    one a recursive walk would find, but no input can exhaust Python's stack. The walk follows
    the VALUE, so a self-referencing shape cannot make it loop.
    """
    pending: list[tuple[JSON, Node, str | None]] = [(value, node, field)]
    while pending:
        item, item_node, item_field = pending.pop()
        problem, children = _visit(item, item_node, item_field, strict)
        if problem is not None:
            return problem
        pending.extend(reversed(children))  # reversed: the first child is visited first
    return None


_Children: TypeAlias = "list[tuple[JSON, Node, str | None]]"


def _visit(value: JSON, node: Node, field: str | None, strict: bool) -> tuple[str | None, _Children]:
    """Check one value against its own node; return its children still to check."""
    kind = node.kind
    if kind == "any":
        return None, []
    if kind == "number":
        return (MESSAGES["number"].format(field) if not is_number(value) else _range(value, node, field)), []
    if not isinstance(value, _JSON_TYPES[kind]):
        return MESSAGES[kind].format(field), []
    if kind == "object":
        return _visit_object(value, node, strict)
    if kind in ("array", "map"):
        items = value if kind == "array" else list(value.values())
        problem = _length(len(items), node, field)
        if problem is not None:
            return problem, []
        if node.element is None:  # `compiled` gives every array and map node its element shape
            raise LookupError(f"{kind} node without an element shape")
        element = compiled(node.service, node.element)
        # List elements / map values are reported under the list's (or the element member's)
        # name (recorded:
        # aws/test_field_validation_mode/test_strict_mode_eventbridge_task__wrong_type_2nd_array_element);
        # a null element counts as absent, as for members (not recorded).
        return None, [(item, element, field) for item in items if item is not None]
    if node.enum is not None and value not in node.enum:
        return MESSAGES["enum"].format(field), []
    return (_length(_utf16_length(value), node, field) if kind == "string" else None), []


def _visit_object(value: dict[str, JSON], node: Node, strict: bool) -> tuple[str | None, _Children]:
    """A structure: required members first (STRICT), then present members in the mock's order.

    A key present with ``null`` counts as absent, as the SDKs read it (not recorded). No
    recording tells whether AWS reports a missing member before a wrong one elsewhere; this order
    (the model's ``required`` list, then the mock's keys, depth first) reproduces every recording.
    """
    if strict:
        for key in node.required:
            if value.get(key) is None:
                return MESSAGES["required"].format(key), []
    members = node.members or {}
    children: _Children = []
    for key, item in value.items():
        shape_name = members.get(key)
        if shape_name is None or item is None or key in node.any_members:
            # Unknown members (other casing included) are ignored (recorded:
            # aws/test_field_validation_mode/test_strict_mode_mock_result_field_not_in_api_spec__field_not_part_of_api_spec).
            continue
        children.append((item, compiled(node.service, shape_name), key))
    return None, children


def _range(value: float, node: Node, field: str | None) -> str | None:
    if node.min is not None and value < node.min:
        return MESSAGES["min_value"].format(field)
    if node.max is not None and value > node.max:
        return MESSAGES["max_value"].format(field)
    return None


def _length(length: int, node: Node, field: str | None) -> str | None:
    """Length bounds of strings, blobs, lists and maps (Smithy's @length covers all four).

    ``CiphertextBlob: ""`` under min 1 -> "smaller than the minimum length" (recorded:
    aws/test_field_validation_mode/test_strict_mode_aws_sdk_kms_task__wrong_blob_length_less_than_minimum);
    the "maximum length" wording and the list/map cases are ours (not recorded).
    """
    if node.min is not None and length < node.min:
        return MESSAGES["min_length"].format(field)
    if node.max is not None and length > node.max:
        return MESSAGES["max_length"].format(field)
    return None


def _utf16_length(text: str) -> int:
    """Java's ``String.length()`` (UTF-16 code units), as we expect AWS's Java service to count
    (not recorded): the UTF-16 encoding's size, counted in C (``surrogatepass`` keeps a lone
    surrogate at one unit)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
