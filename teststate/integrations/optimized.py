"""Step Functions' optimized integrations: Lambda, DynamoDB, SQS, SNS, EventBridge.

Each takes the API's own members (``TableName``, ``Key``, ``QueueUrl``, ``MessageBody``) and
answers with the AWS SDK for Java v1 response rendered as JSON: members in alphabetical order plus
``SdkHttpMetadata`` (``AllHttpHeaders`` in HashMap order, values as lists; ``HttpHeaders`` sorted
case-insensitively, one value each; ``HttpStatusCode``) and ``SdkResponseMetadata``
(``RequestId``). Recorded: test_dynamodb_task_service/test_base_integrations__* (getItem, putItem,
updateItem, deleteItem), test_base_scenarios/test_sns_publish_base, test_lambda_task_service/*.
SQS and EventBridge results are not recorded; ours: the same rendering of their v1 responses.

Lambda (AWS "Invoke an AWS Lambda function with Step Functions"): ``Payload`` is parsed JSON; a
function error (``X-Amz-Function-Error``) fails the Task with the payload's ``errorType`` as the
error and the payload text as the cause (test_task_service_lambda/test_raise_custom_exception);
without an ``errorType``, ``Lambda.Unknown`` (same page, "Handling errors"). A Lambda function ARN
as the Resource returns the payload itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import dumps, loads
from teststate.integrations import transport
from teststate.integrations.java_render import hashmap_order, hashmap_order_deep
from teststate.integrations.naming import V1_SERVICES, V1Service, exception_class, service_model, v1_cause
from teststate.integrations.outcome import TIMEOUT, CallOutcome
from teststate.integrations.settings import CallSettings
from teststate.integrations.shapes import UnknownField, from_botocore, to_botocore

__all__ = ["OPTIMIZED", "call_lambda_function", "call_optimized", "perform_shaped", "sdk_metadata"]

_RUNTIME: Final = "States.Runtime"
_DYNAMODB_MAPS: Final = frozenset({"Item", "Attributes", "M"})


@dataclass(frozen=True, slots=True)
class Optimized:
    """One optimized integration: the botocore service and operation, and its result's shape."""

    service: str
    operation: str
    render: Callable[[transport.Answer, Any], CallOutcome]


def sdk_metadata(answer: transport.Answer) -> dict[str, Any]:
    """``SdkHttpMetadata`` and ``SdkResponseMetadata`` of a v1 response, as Step Functions adds them."""
    every: dict[str, list[str]] = {}
    single: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for name, value in answer.headers:
        every.setdefault(name, []).append(value)
        single[spelling.setdefault(name.lower(), name)] = value
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": hashmap_order(every.items()),
            "HttpHeaders": dict(sorted(single.items(), key=lambda item: item[0].lower())),
            "HttpStatusCode": answer.status,
        },
        "SdkResponseMetadata": {"RequestId": answer.request_id},
    }


def _output_shape(service: str, operation: str) -> Any:
    return service_model(service).operation_model(operation).output_shape


def _v1_result(
    answer: transport.Answer, shape: Any, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    rendered = from_botocore(answer.output, shape) if shape is not None else {}
    merged = {**rendered, **(extra or {}), **sdk_metadata(answer)}
    return dict(sorted(merged.items()))


def _render_plain(service: str, operation: str) -> Callable[[transport.Answer, Any], CallOutcome]:
    def render(answer: transport.Answer, _parameters: Any) -> CallOutcome:
        return CallOutcome(result=_v1_result(answer, _output_shape(service, operation)))

    return render


def _render_dynamodb(operation: str) -> Callable[[transport.Answer, Any], CallOutcome]:
    def render(answer: transport.Answer, _parameters: Any) -> CallOutcome:
        result = _v1_result(answer, _output_shape("dynamodb", operation))
        return CallOutcome(result=hashmap_order_deep(result, _DYNAMODB_MAPS))

    return render


def _render_put_events(answer: transport.Answer, _parameters: Any) -> CallOutcome:
    shape = _output_shape("events", "PutEvents")
    rendered = from_botocore(answer.output, shape)
    if rendered.get("FailedEntryCount"):
        # Recorded: test_events_task_service/test_put_events_malformed_detail (the v1 result without
        # its HTTP metadata, as compact JSON text).
        return CallOutcome(error="EventBridge.FailedEntry", cause=dumps(rendered))
    return CallOutcome(result=_v1_result(answer, shape))


def _payload_text(answer: transport.Answer) -> str:
    payload = answer.output.get("Payload", b"")
    return bytes(payload).decode("utf-8", errors="replace") if payload else ""


def _parsed(text: str) -> Any:
    if not text:
        return ""  # an Event invocation's empty body; not recorded; ours: the empty text
    try:
        return loads(text)
    except ValueError:
        return text  # not recorded; ours: a payload that is not JSON stays text


def _function_error(answer: transport.Answer) -> CallOutcome | None:
    if not answer.output.get("FunctionError"):
        return None
    text = _payload_text(answer)
    payload = _parsed(text)
    error = payload.get("errorType") if isinstance(payload, dict) else None
    return CallOutcome(error=error if isinstance(error, str) and error else "Lambda.Unknown", cause=text)


def _render_invoke(answer: transport.Answer, _parameters: Any) -> CallOutcome:
    failed = _function_error(answer)
    if failed is not None:
        return failed
    output = {key: value for key, value in answer.output.items() if key != "Payload"}
    shape = _output_shape("lambda", "Invoke")
    rendered = from_botocore(output, shape)
    rendered["Payload"] = _parsed(_payload_text(answer))
    return CallOutcome(result=dict(sorted({**rendered, **sdk_metadata(answer)}.items())))


OPTIMIZED: Final[Mapping[tuple[str, str], Optimized]] = {
    ("lambda", "invoke"): Optimized("lambda", "Invoke", _render_invoke),
    ("dynamodb", "getItem"): Optimized("dynamodb", "GetItem", _render_dynamodb("GetItem")),
    ("dynamodb", "putItem"): Optimized("dynamodb", "PutItem", _render_dynamodb("PutItem")),
    ("dynamodb", "updateItem"): Optimized("dynamodb", "UpdateItem", _render_dynamodb("UpdateItem")),
    ("dynamodb", "deleteItem"): Optimized("dynamodb", "DeleteItem", _render_dynamodb("DeleteItem")),
    ("sqs", "sendMessage"): Optimized("sqs", "SendMessage", _render_plain("sqs", "SendMessage")),
    ("sns", "publish"): Optimized("sns", "Publish", _render_plain("sns", "Publish")),
    ("events", "putEvents"): Optimized("events", "PutEvents", _render_put_events),
}


def _check_table() -> None:
    for key, entry in OPTIMIZED.items():
        if entry.service not in V1_SERVICES:
            raise RuntimeError(f"optimized integration {key} has no v1 naming")


_check_table()


def failure_outcome(
    failure: transport.ServiceFailure | transport.TransportFailure,
    service: str,
    prefix: str,
    base_exception: str,
    cause: Callable[[transport.ServiceFailure], str],
) -> CallOutcome:
    """The outcome of a failed call, named by the SDK conventions the caller passes."""
    if isinstance(failure, transport.TransportFailure):
        if failure.kind == "timeout":
            return CallOutcome(error=TIMEOUT)
        if failure.kind == "parameters":
            return CallOutcome(error=_RUNTIME, cause=failure.detail, parameters_rejected=True)
        # Not recorded; ours: what the AWS SDK throws when no HTTP answer came back.
        return CallOutcome(error=f"{prefix}.SdkClientException", cause=failure.detail)
    name = exception_class(service, failure.code, *filter(None, [failure.query_code])) or base_exception
    return CallOutcome(error=f"{prefix}.{name}", cause=cause(failure))


def _v1_failure(failure: transport.ServiceFailure | transport.TransportFailure, service: str) -> CallOutcome:
    naming: V1Service = V1_SERVICES[service]
    return failure_outcome(
        failure,
        service,
        naming.prefix,
        naming.base_exception,
        lambda found: v1_cause(found.message, naming, found.status, found.code, found.request_id),
    )


def _invoke_parameters(payload: Any) -> Any:
    # Payload is the function's input as JSON text; text is sent as it is. Not recorded for text;
    # ours: Step Functions' Payload member is a blob, and text is its bytes.
    return payload if isinstance(payload, str) else dumps(payload)


def perform_shaped(
    service: str,
    operation: str,
    parameters: dict[str, Any],
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None,
) -> transport.Answer | transport.ServiceFailure | transport.TransportFailure | CallOutcome:
    """Call botocore `operation` of `service` once with `parameters` matched onto its input shape.

    The optimized and the AWS SDK integrations both call this way. A member the operation does
    not know is not sent: the outcome is ``States.Runtime`` with the parameters rejected.
    """
    shape = service_model(service).operation_model(operation).input_shape
    try:
        request = to_botocore(parameters, shape)
    except UnknownField as unknown:
        return CallOutcome(error=_RUNTIME, cause=str(unknown), parameters_rejected=True)
    return transport.perform(
        service,
        operation,
        request,
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=credentials_role_arn,
    )


def call_optimized(
    entry: Optimized,
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None,
) -> CallOutcome:
    """Call one optimized integration with the Task's effective parameters."""
    if not isinstance(parameters, dict):
        parameters = {}
    if entry.service == "lambda" and "Payload" in parameters:
        if parameters["Payload"] is None:
            # Recorded (aws/test_test_state_scenarios/test_base_lambda_service_task_state__INFO):
            # a null Payload reached an echo function as {}, Lambda's event for an invocation
            # without a payload: the integration sends none.
            parameters = {key: value for key, value in parameters.items() if key != "Payload"}
        else:
            parameters = {**parameters, "Payload": _invoke_parameters(parameters["Payload"])}
    answer = perform_shaped(
        entry.service,
        entry.operation,
        parameters,
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=credentials_role_arn,
    )
    if isinstance(answer, CallOutcome):
        return answer
    if not isinstance(answer, transport.Answer):
        return _v1_failure(answer, entry.service)
    return entry.render(answer, parameters)


def call_lambda_function(
    function_arn: str,
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None,
) -> CallOutcome:
    """A Lambda function ARN as the Resource: the Task's input is the payload, the result is the payload."""
    answer = transport.perform(
        "lambda",
        "Invoke",
        {"FunctionName": function_arn, "Payload": dumps(parameters).encode("utf-8")},
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=credentials_role_arn,
    )
    if not isinstance(answer, transport.Answer):
        return _v1_failure(answer, "lambda")
    failed = _function_error(answer)
    if failed is not None:
        return failed
    return CallOutcome(result=_parsed(_payload_text(answer)))
