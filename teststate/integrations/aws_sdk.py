"""AWS SDK integrations: ``arn:aws:states:::aws-sdk:<service>:<action>`` for any botocore operation.

The service is the Java SDK v2 client name in lower case (`naming.botocore_service`), the action
the API's operation name in camelCase; parameters in PascalCase are matched onto the operation's
input shape (`shapes.to_botocore`). The result is the v2 response rendered as JSON
(`shapes.from_botocore`: no HTTP metadata, unlike optimized integrations; recorded:
test_aws_sdk_task_service/test_dynamodb_put_get_item, test_s3_get_object__str). Errors are
``<ClientName>.<Exception>`` with a v2 cause (`naming.v2_cause`).
"""

from __future__ import annotations

from typing import Any

from teststate.integrations import transport
from teststate.integrations.naming import (
    botocore_service,
    sdk_client_name,
    service_model,
    v2_cause,
)
from teststate.integrations.optimized import failure_outcome, perform_shaped
from teststate.integrations.outcome import CallOutcome
from teststate.integrations.settings import CallSettings
from teststate.integrations.shapes import from_botocore

__all__ = ["call_aws_sdk", "operation_of", "sdk_failure"]


def operation_of(sdk_service: str, action: str) -> tuple[str, str] | None:
    """The botocore (service, operation) of an aws-sdk Resource's service and action, or None."""
    service = botocore_service(sdk_service)
    if service is None or not action[:1].islower():
        return None
    wanted = action[:1].upper() + action[1:]
    operations = service_model(service).operation_names
    return (service, wanted) if wanted in operations else None


def _extended_id(failure: transport.ServiceFailure) -> str | None:
    for name, value in failure.headers:
        if name.lower() == "x-amz-id-2":
            return value
    return None


def sdk_failure(service: str, failure: transport.ServiceFailure | transport.TransportFailure) -> CallOutcome:
    """A failed call of botocore `service`, named as an AWS SDK integration names it."""
    client_name = sdk_client_name(service_model(service).service_id)
    return failure_outcome(
        failure,
        service,
        client_name,
        f"{client_name}Exception",
        lambda found: v2_cause(
            found.message, client_name, found.status, found.request_id, _extended_id(found)
        ),
    )


def call_aws_sdk(
    service: str,
    operation: str,
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None,
) -> CallOutcome:
    """Call `operation` of botocore `service` as an AWS SDK integration."""
    answer = perform_shaped(
        service,
        operation,
        parameters if isinstance(parameters, dict) else {},
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=credentials_role_arn,
    )
    if isinstance(answer, CallOutcome):
        return answer
    if not isinstance(answer, transport.Answer):
        return sdk_failure(service, answer)
    result = from_botocore(answer.output, service_model(service).operation_model(operation).output_shape)
    return CallOutcome(result=result if result is not None else {})
