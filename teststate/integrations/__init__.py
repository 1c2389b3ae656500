"""Tasks that call real services: an AWS-compatible endpoint (moto, LocalStack, ...) through botocore.

`supports` says whether a Task's Resource can be called; `call` calls it with the Task's effective
parameters and answers a `CallOutcome`: the result as AWS's Task sees it, or AWS's error name and
cause, so Retry and Catch match what they would match on AWS. `call` never raises for anything the
service or the network does. `CallSettings.from_env` decides whether calls are made at all and
where (off by default; an endpoint must be named unless ``TESTSTATE_SERVICE_CALLS=aws``).

Resources (AWS "Integrating services with Step Functions"):

- optimized: ``arn:aws:states:::lambda:invoke``, ``dynamodb:getItem|putItem|updateItem|deleteItem``,
  ``sqs:sendMessage``, ``sns:publish``, ``events:putEvents`` (`optimized`);
- ``arn:aws:states:::aws-sdk:<service>:<action>`` for any botocore operation (`aws_sdk`);
- ``arn:aws:states:::http:invoke``, an HTTPS API through an EventBridge connection (`http_task`;
  `call_traced` also answers the HTTP exchange TestState reports at TRACE);
- a Lambda function ARN (``arn:aws:lambda:<region>:<account>:function:<name>``), the legacy form;
- each with ``.waitForTaskToken``: called the same way (waiting for the token is the caller's).

S3 reads and writes of a Distributed Map's ItemReader and ResultWriter: `s3_items`.
"""

from __future__ import annotations

import re
from typing import Any, Final

from teststate.integrations.aws_sdk import call_aws_sdk, operation_of
from teststate.integrations.http_task import HttpExchange, call_http
from teststate.integrations.optimized import OPTIMIZED, call_lambda_function, call_optimized
from teststate.integrations.outcome import CallOutcome, within_quota
from teststate.integrations.s3_items import get_object, list_objects, put_object
from teststate.integrations.settings import CallSettings, ServiceCallsMisconfigured

__all__ = [
    "CallOutcome",
    "CallSettings",
    "HttpExchange",
    "ServiceCallsDisabled",
    "ServiceCallsMisconfigured",
    "call",
    "call_traced",
    "get_object",
    "list_objects",
    "put_object",
    "supports",
]

# arn:<partition>:states:::<service>:<action>[.<pattern>] (AWS "Service integration patterns").
_SERVICE_RESOURCE: Final = re.compile(
    r"arn:aws[a-z-]*:states:::(?P<service>aws-sdk:[a-z0-9]+|[a-z0-9]+):(?P<action>[A-Za-z0-9]+)"
    r"(?:\.(?P<pattern>sync|sync:2|waitForTaskToken))?"
)
_LAMBDA_FUNCTION: Final = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?"
)
# Patterns a call made here can serve: .sync/.sync:2 poll a job, which is not a single call.
_CALLABLE_PATTERNS: Final = frozenset({None, "waitForTaskToken"})


class ServiceCallsDisabled(RuntimeError):
    """`call` was reached with calls turned off: the caller must check ``settings.enabled``."""


def _target(resource: str) -> tuple[str, Any] | None:
    if _LAMBDA_FUNCTION.fullmatch(resource):
        return ("function", resource)
    found = _SERVICE_RESOURCE.fullmatch(resource)
    if found is None or found["pattern"] not in _CALLABLE_PATTERNS:
        return None
    service, action = found["service"], found["action"]
    if (service, action) == ("http", "invoke"):
        # AWS "Call HTTPS APIs": an HTTP Task is Request Response only.
        return ("http", None) if found["pattern"] is None else None
    if service.startswith("aws-sdk:"):
        operation = operation_of(service.removeprefix("aws-sdk:"), action)
        return ("aws-sdk", operation) if operation is not None else None
    entry = OPTIMIZED.get((service, action))
    return ("optimized", entry) if entry is not None else None


def supports(resource: str) -> bool:
    """Can this library call the Task whose Resource is `resource`?"""
    return _target(resource) is not None


def call(
    resource: str,
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None = None,
    credentials_role_arn: str | None = None,
) -> CallOutcome:
    """Call the Task's `resource` with its effective `parameters` (parsed JSON).

    Raises:
        ServiceCallsDisabled: `settings` has calls off.
        ValueError: `resource` is not `supports`-ed.
    """
    outcome, _ = call_traced(
        resource,
        parameters,
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=credentials_role_arn,
    )
    return outcome


def call_traced(
    resource: str,
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None = None,
    credentials_role_arn: str | None = None,
) -> tuple[CallOutcome, HttpExchange | None]:
    """`call`, and the HTTP exchange of an HTTP Task (None for every other Resource, and when no
    request was sent): what TestState reports at TRACE.

    Raises:
        ServiceCallsDisabled: `settings` has calls off.
        ValueError: `resource` is not `supports`-ed.
    """
    if not settings.enabled:
        raise ServiceCallsDisabled("service calls are off (TESTSTATE_SERVICE_CALLS)")
    target = _target(resource)
    if target is None:
        raise ValueError(f"not a callable Resource: {resource}")
    kind, what = target
    options: dict[str, Any] = {
        "region": region,
        "settings": settings,
        "timeout_seconds": timeout_seconds,
        "credentials_role_arn": credentials_role_arn,
    }
    exchange = None
    if kind == "http":
        outcome, exchange = call_http(parameters, **options)
    elif kind == "function":
        outcome = call_lambda_function(what, parameters, **options)
    elif kind == "aws-sdk":
        outcome = call_aws_sdk(what[0], what[1], parameters, **options)
    else:
        outcome = call_optimized(what, parameters, **options)
    return within_quota(outcome, _task_name(resource)), exchange


def _task_name(resource: str) -> str:
    """What AWS's States.DataLimitExceeded cause calls the Task (`outcome.over_quota`): the
    function's ARN, or the integration's service (``lambda``, ``dynamodb``, ``aws-sdk:s3``: the
    resource type of its history events)."""
    found = _SERVICE_RESOURCE.fullmatch(resource)
    return resource if found is None else found["service"]
