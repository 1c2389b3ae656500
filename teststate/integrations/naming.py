"""Names as Step Functions forms them: aws-sdk service names, error names and causes.

AWS SDK integrations (``arn:aws:states:::aws-sdk:<service>:<action>``) name services as the AWS SDK
for Java v2 names its clients, in lower case (``sfn``, ``eventbridge``, ``dynamodb``, ``acmpca``);
errors are ``<ServiceName>.<ExceptionName>`` with both in PascalCase and ``Exception`` appended when
the API's error name lacks it (AWS "Learning to use AWS service SDK integrations in Step Functions":
``AcmPca.ResourceNotFoundException``, ``S3.BucketAlreadyExistsException``). An error the service
model does not declare is the client's base exception (``SecretsManager.SecretsManagerException``,
test_aws_sdk/test_invalid_secret_name).

Optimized integrations call through the AWS SDK for Java v1: errors are ``<Prefix>.<Exception>``
with the v1 prefixes (``Lambda``, ``DynamoDB``, ``SQS``, ``SNS``, ``EventBridge``,
``StepFunctions``), an undeclared error code is the v1 base exception
(``DynamoDB.AmazonDynamoDBException`` for a ValidationException,
test_task_service_dynamodb/test_put_item_invalid_table_name), and causes have the v1 form
``<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ...; Request ID: ...; Proxy:
null)``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import botocore.session

__all__ = [
    "SDK_NAME_EXCEPTIONS",
    "V1_SERVICES",
    "V1Service",
    "botocore_service",
    "exception_class",
    "sdk_client_name",
    "v1_cause",
    "v2_cause",
]

# Java SDK v2 client names (lower case) that are not the botocore service name without its dashes,
# computed by `sdk_client_name` from each model's serviceId (tests/integrations/test_naming.py
# recomputes the whole table from botocore's models).
SDK_NAME_EXCEPTIONS: Final[Mapping[str, str]] = {
    "costexplorer": "ce",
    "cognitoidentityprovider": "cognito-idp",
    "costandusagereport": "cur",
    "applicationdiscovery": "discovery",
    "databasemigration": "dms",
    "directory": "ds",
    "directoryservicedata": "ds-data",
    "elasticloadbalancing": "elb",
    "elasticloadbalancingv2": "elbv2",
    "elasticsearch": "es",
    "eventbridge": "events",
    "iotdataplane": "iot-data",
    "iotjobsdataplane": "iot-jobs-data",
    "lexmodelbuilding": "lex-models",
    "lexmodelsv2": "lexv2-models",
    "lexruntimev2": "lexv2-runtime",
    "cloudwatchlogs": "logs",
    "marketplacemetering": "meteringmarketplace",
    "migrationhub": "mgh",
    "simpledb": "sdb",
    "serverlessapplicationrepository": "serverlessrepo",
    "pinpointsmsvoice": "sms-voice",
    "sfn": "stepfunctions",
}

_SESSION: Final = botocore.session.get_session()


@functools.cache
def _service_index() -> Mapping[str, str]:
    renamed = set(SDK_NAME_EXCEPTIONS.values())
    index = {name.replace("-", ""): name for name in _SESSION.get_available_services() if name not in renamed}
    index.update(SDK_NAME_EXCEPTIONS)
    return index


def botocore_service(sdk_name: str) -> str | None:
    """The botocore service an aws-sdk Resource's ``<service>`` names, or None."""
    return _service_index().get(sdk_name)


@functools.cache
def service_model(service: str) -> Any:
    """botocore's `ServiceModel` of `service` (cached: loading one costs milliseconds)."""
    return _SESSION.get_service_model(service)


def _words(service_id: str) -> list[str]:
    # The Java SDK v2 code generator's word split (codegen Utils.splitOnWordBoundaries).
    text = re.sub(r"[^A-Za-z0-9]+", " ", service_id)
    text = re.sub(r"([^a-z]{2,})v([0-9]+)", r"\1 v\2 ", text)
    text = re.sub(r"([^A-Z]{2,})V([0-9]+)", r"\1 V\2 ", text)
    text = " ".join(re.split(r"(?<=[a-z])(?=[A-Z][a-zA-Z0-9])", text))
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([0-9])([a-zA-Z])", r"\1 \2", text)
    return text.split()


def sdk_client_name(service_id: str) -> str:
    """The Java SDK v2 client name of a model's serviceId (``DynamoDB`` -> ``DynamoDb``)."""
    name = "".join(word.lower().capitalize() for word in _words(service_id))
    for prefix in ("Amazon", "Aws"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
    if name.endswith("Service") and len(name) > len("Service"):
        name = name[: -len("Service")]
    return name


@functools.cache
def _error_shapes(service: str) -> Mapping[str, str]:
    """Error code (wire code and shape name) -> exception shape name, for `service`."""
    model = service_model(service)
    codes: dict[str, str] = {}
    for name in model.shape_names:
        shape = model.shape_for(name)
        if not shape.metadata.get("exception"):
            continue
        codes.setdefault(name, name)
        wire = shape.metadata.get("error", {}).get("code")
        if wire:
            codes.setdefault(wire, name)
    return codes


def exception_class(service: str, code: str, *alternatives: str) -> str | None:
    """The SDK exception class an error `code` of `service` becomes, or None when undeclared."""
    shapes = _error_shapes(service)
    for candidate in (code, *alternatives):
        shape = shapes.get(candidate)
        if shape is not None:
            return shape if shape.endswith("Exception") else f"{shape}Exception"
    return None


@dataclass(frozen=True, slots=True)
class V1Service:
    """How the AWS SDK for Java v1 names one service: error prefix, cause name, base exception."""

    prefix: str
    cause_name: str
    base_exception: str


# AWS "Handling errors in Step Functions workflows" and the integrations' pages name these
# prefixes (Lambda.AWSLambdaException, Lambda.SdkClientException); cause names as recorded
# (test_task_service_lambda/test_no_such_function: AWSLambda; test_task_service_dynamodb:
# AmazonDynamoDBv2; test_task_service_sfn/test_start_execution_no_such_arn: AWSStepFunctions).
# SQS, SNS and EventBridge are not recorded; ours: their v1 client names.
V1_SERVICES: Final[Mapping[str, V1Service]] = {
    "lambda": V1Service("Lambda", "AWSLambda", "AWSLambdaException"),
    "dynamodb": V1Service("DynamoDB", "AmazonDynamoDBv2", "AmazonDynamoDBException"),
    "sqs": V1Service("SQS", "AmazonSQS", "AmazonSQSException"),
    "sns": V1Service("SNS", "AmazonSNS", "AmazonSNSException"),
    "events": V1Service("EventBridge", "AmazonEventBridge", "AmazonEventBridgeException"),
    "stepfunctions": V1Service("StepFunctions", "AWSStepFunctions", "AWSStepFunctionsException"),
}


def v1_cause(message: str | None, service: V1Service, status: int, code: str, request_id: str) -> str:
    """A v1 ``AmazonServiceException`` message, as the cause of an optimized integration's error."""
    return (
        f"{message if message is not None else 'null'} (Service: {service.cause_name}; Status Code: "
        f"{status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)"
    )


def v2_cause(
    message: str | None, client_name: str, status: int, request_id: str, extended_id: str | None
) -> str:
    """A v2 ``AwsServiceException`` message, as the cause of an AWS SDK integration's error.

    The attempt count is part of it since 2025 (test_aws_sdk_task_service/
    test_sfn_send_task_outcome_with_no_such_token, recorded 2025-11; earlier recordings lack it);
    calls are made once, so it is 1.
    """
    details = f"Service: {client_name}, Status Code: {status}, Request ID: {request_id}"
    if extended_id:
        details += f", Extended Request ID: {extended_id}"
    text = message if message is not None else "null"
    return f"{text} ({details}) (SDK Attempt Count: 1)"
