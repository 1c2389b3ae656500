"""A Task's Resource as its history events name it.

Recorded (tests/conformance/corpus/executions): a service integration
``arn:aws:states:::lambda:invoke`` is reported as ``resourceType`` "lambda", ``resource`` "invoke";
an SDK integration ``arn:aws:states:::aws-sdk:s3:getObject`` as "aws-sdk:s3" / "getObject"; the
integration pattern stays on the action (``sendMessage.waitForTaskToken``, not recorded). A Lambda
function ARN as Resource is the older Lambda integration: its events are
LambdaFunctionScheduled/Started/Succeeded/Failed, and its result is the function's payload (the
mocked response stands for the Invoke answer, ``{"StatusCode": 200, "Payload": ...}``, as the
recorded mock configurations derive it). An activity Task that a worker runs
(`interpreter.execution.activities`) records Activity* events (botocore's model:
ActivityScheduledEventDetails, ActivityStartedEventDetails, ...; not in our recordings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from interpreter.execution import events as ev
from interpreter.jsontypes import JSON, dumps

_Event = tuple[str, str | None, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Resource:
    """A Task's Resource: a service integration, a Lambda function ARN (`lambda_function`), or an
    activity that a worker runs (`activity`: `interpreter.execution.activities.activity_resource`)."""

    arn: str
    resource_type: str
    resource: str
    region: str | None
    lambda_function: bool
    activity: bool = False

    @property
    def task_name(self) -> str:
        """What AWS's causes call the Task (`interpreter.states.dataflow.data_limit_exceeded`):
        the function's ARN, or the integration's resource type (``lambda``, ``aws-sdk:s3``)."""
        return self.arn if self.lambda_function or self.activity else self.resource_type

    def scheduled(self, parameters: JSON, region: str, timeout: int | None, heartbeat: int | None) -> _Event:
        if self.activity:
            details: dict[str, Any] = {
                "resource": self.arn,
                "input": dumps(parameters),
                "inputDetails": ev.NOT_TRUNCATED,
            }
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None:
                details["heartbeatInSeconds"] = heartbeat
            return "ActivityScheduled", "activityScheduledEventDetails", details
        if self.lambda_function:
            details = {
                "resource": self.arn,
                "input": dumps(parameters),
                "inputDetails": ev.NOT_TRUNCATED,
            }
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            return "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details
        details = {
            "resourceType": self.resource_type,
            "resource": self.resource,
            "region": self.region or region,
            "parameters": dumps(parameters),
        }
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None:
            details["heartbeatInSeconds"] = heartbeat
        return "TaskScheduled", "taskScheduledEventDetails", details

    def started(self, worker_name: str | None = None) -> _Event:
        """The call started; an activity's task taken by the worker `worker_name`."""
        if self.activity:
            details = {} if worker_name is None else {"workerName": worker_name}
            return "ActivityStarted", "activityStartedEventDetails", details
        if self.lambda_function:
            return "LambdaFunctionStarted", None, {}
        return "TaskStarted", "taskStartedEventDetails", self._names()

    def submitted(self, output_text: str) -> _Event:
        """A callback (``.waitForTaskToken``) or job (``.sync``) Task's call made: the service's
        answer, before the token's or the job's end (AWS "Service integration patterns"; not in
        our recordings)."""
        return "TaskSubmitted", "taskSubmittedEventDetails", ev.output(output_text, **self._names())

    def succeeded(self, output_text: str) -> _Event:
        if self.activity:
            return "ActivitySucceeded", "activitySucceededEventDetails", ev.output(output_text)
        if self.lambda_function:
            return "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", ev.output(output_text)
        return "TaskSucceeded", "taskSucceededEventDetails", ev.output(output_text, **self._names())

    def failed(self, error: str | None, cause: str | None) -> _Event:
        if self.activity:
            return "ActivityFailed", "activityFailedEventDetails", ev.error_cause(error, cause)
        if self.lambda_function:
            return "LambdaFunctionFailed", "lambdaFunctionFailedEventDetails", ev.error_cause(error, cause)
        return "TaskFailed", "taskFailedEventDetails", ev.error_cause(error, cause, **self._names())

    def timed_out(self, error: str) -> _Event:
        if self.activity:
            return "ActivityTimedOut", "activityTimedOutEventDetails", ev.error_cause(error, None)
        if self.lambda_function:
            return "LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails", ev.error_cause(error, None)
        return "TaskTimedOut", "taskTimedOutEventDetails", ev.error_cause(error, None, **self._names())

    def result_of(self, returned: JSON) -> JSON:
        """The state's result for a mocked answer: a Lambda function's payload, else the answer."""
        if self.lambda_function and isinstance(returned, dict) and "Payload" in returned:
            return returned["Payload"]
        return returned

    def _names(self) -> dict[str, Any]:
        return {"resourceType": self.resource_type, "resource": self.resource}


_JOB_PATTERNS: Final = (".sync", ".sync:2")


def waits_for_job(arn: str) -> bool:
    """Does a Task with this Resource wait for the job its call starts to end (the "Run a Job"
    pattern, ``.sync`` / ``.sync:2``: AWS "Service integration patterns")? Its call's answer is
    recorded as TaskSubmitted, and the job's end, delivered later, as TaskSucceeded/TaskFailed."""
    return arn.endswith(_JOB_PATTERNS)


def parse_resource(arn: str, region: str) -> Resource:
    """Split a Task's Resource ARN into the names its events carry."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return Resource(arn, "lambda", arn, parts[3] or region, lambda_function=True)
    if len(parts) >= 6 and parts[2] == "states" and parts[5] not in ("activity", "stateMachine"):
        rest = parts[5:]
        if rest[0] == "aws-sdk" and len(rest) >= 3:
            return Resource(arn, f"aws-sdk:{rest[1]}", ":".join(rest[2:]), None, lambda_function=False)
        if len(rest) >= 2:
            return Resource(arn, rest[0], ":".join(rest[1:]), None, lambda_function=False)
    # An activity or anything else: named as a whole (not recorded).
    return Resource(arn, parts[2] if len(parts) > 2 else "", arn, None, lambda_function=False)
