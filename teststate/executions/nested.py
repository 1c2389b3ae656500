"""Tasks that start executions of this server: ``states:startExecution``, ``.sync``, ``.sync:2``.

AWS: "Start a new AWS Step Functions state machine from a running execution" and "Call Step
Functions from Step Functions" (developer guide). The call never leaves the server, so it is made
whether or not service calls are on (`resources` joins the callable set of every execution); a
mocked response of the test case still wins, as for any Task.

The engine suspends with a `ServiceCall` after TaskScheduled and TaskStarted; the runner hands it
to `perform`, which builds the StartExecution request from the Task's parameters
(``StateMachineArn``, ``Input``: an object is sent as JSON text, a string as it is; ``Name``;
``TraceHeader``), creates the child exactly as StartExecution does (`teststate.executions.
starting`: the same validation, name reuse rule and ``#<TestCase>`` selection) and stores it in
ONE transaction with the call's result as the parent's signal, so a runner that dies in between
started nothing, and one that dies after never starts it again (the engine does not repeat a call
whose result is stored). Without ``Name``, the child's name is derived from the parent's ARN and
the call's key: the same call always names the same child.

- Request-response: the result is StartExecution's answer as the AWS SDK for Java v1 renders it
  (recorded: executions/test_sfn_task_service/test_start_execution): ``ExecutionArn``,
  ``SdkHttpMetadata``, ``SdkResponseMetadata``, ``StartDate`` (epoch milliseconds: measured on
  AWS by another emulator project, not in our corpus).
- ``.sync`` / ``.sync:2``: that answer is the TaskSubmitted event's output; the Task then waits
  under `ServiceCall.token` for the child's end, which the child's runner delivers when it ends
  (`child_end`, stored with the child's end in one transaction: `store.release`): TaskSucceeded
  with the child's DescribeExecution in PascalCase, keys in alphabetical order, dates in epoch
  milliseconds, Input/Output JSON text (``.sync``) or parsed JSON (``.sync:2``) (measured on AWS
  by another emulator project, not in our corpus). A child that FAILED, TIMED_OUT or ABORTED
  fails the Task with ``States.TaskFailed`` and that envelope as JSON text for the cause (not
  recorded; this is how LocalStack, validated against AWS elsewhere, reads it).
- Refusals are StartExecution's errors named as the optimized integration names them
  (``StepFunctions.StateMachineDoesNotExistException`` with the v1 cause, recorded:
  executions/test_task_service_sfn/test_start_execution_no_such_arn).
- A parent that ends other than SUCCEEDED while its ``.sync`` children run stops them (`store.
  release`), with the cause AWS gives (measured by the same project; error not measured, ours:
  none).
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from interpreter.execution.model import ServiceCall, ServiceCallResult
from interpreter.jsontypes import JSON, dumps, loads
from teststate.errors import ApiError, ExecutionAlreadyExists
from teststate.executions import activities, codec, sfn_self, starting
from teststate.executions import calls as service_calls
from teststate.integrations import transport
from teststate.integrations.naming import V1_SERVICES, exception_class, service_model, v1_cause
from teststate.integrations.optimized import sdk_metadata
from teststate.integrations.outcome import CallOutcome
from teststate.integrations.shapes import UnknownField, to_botocore
from teststate.storage import executions as store
from teststate.storage.db import Database
from teststate.validation import shapes

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig

__all__ = [
    "Parent",
    "call_in_process",
    "child_end",
    "handles",
    "perform",
    "redrive_status",
    "resources",
    "stop_signal",
]

_RESOURCE: Final = re.compile(r"arn:aws[a-z-]*:states:::states:startExecution(?:\.(?P<pattern>sync(?::2)?))?")
_RUNTIME: Final = "States.Runtime"
_TASK_FAILED: Final = "States.TaskFailed"
_SERVICE: Final = "stepfunctions"
_NAMING: Final = V1_SERVICES[_SERVICE]
_JSON_CONTENT: Final = "application/x-amz-json-1.0"
_STOPPED_CAUSE: Final = (
    "The Task state in AWS Step Functions execution [{arn}] which was managing this resource was aborted"
)


def handles(resource: str) -> bool:
    """Is `resource` a Task this server answers itself: one that starts an execution
    (``states:startExecution``), an AWS SDK integration of Step Functions (`sfn_self`), or an
    activity, whose task is scheduled for its workers (`activities`)?"""
    return (
        _RESOURCE.fullmatch(resource) is not None
        or sfn_self.handles(resource)
        or activities.handles(resource)
    )


def _pattern(resource: str) -> str:
    found = _RESOURCE.fullmatch(resource)
    return (found["pattern"] or "") if found is not None else ""


@functools.lru_cache(maxsize=64)
def resources(definition: str) -> frozenset[str]:
    """The Task Resources of `definition` (nested states included) that this server answers
    itself (`handles`): callable whether service calls are on or off."""
    try:
        document = loads(definition)
    except ValueError:
        return frozenset()
    return frozenset(resource for resource in service_calls.task_resources(document) if handles(resource))


@dataclass(frozen=True, slots=True)
class Parent:
    """The execution whose Task starts a child: its ARN, its clock (the child's runs the same
    way) and where a ``#<TestCase>`` of the child is looked up."""

    arn: str
    clock: str
    mocks: starting.MockSource


class _Rejected(ValueError):
    """The parameters cannot be used to start the call (States.Runtime, no Retry/Catch)."""


@dataclass(frozen=True, slots=True)
class _Integration:
    """How a Task that starts an execution reads its parameters and shapes its answer and its
    refusals: the optimized integration (``states:startExecution``, SDK for Java v1) or the AWS
    SDK integration (``aws-sdk:sfn:startExecution``, SDK v2: `sfn_self`)."""

    request: Callable[[ServiceCall], dict[str, Any]]
    answer: Callable[[store.ExecutionRecord, str], dict[str, Any]]
    refusal: Callable[[ApiError, str], tuple[str, str]]


def perform(
    db: Database, parent: Parent, call: ServiceCall, *, store_result: bool = True
) -> ServiceCallResult:
    """Make the call of a Task `handles` answers; its result (the answer or the refusal). With
    `store_result`, the result is stored as the parent's signal (with a child it starts, in one
    transaction: an execution the runner drives); without it the caller keeps it
    (StartSyncExecution's run, which is not stored). Never raises for what the request holds."""
    if activities.handles(call.resource):
        return activities.perform(db, parent.arn, call, store_result=store_result)
    operation = sfn_self.operation_for(call.resource)
    if operation is None:
        return _start(db, parent, call, store_result, _OPTIMIZED)
    if operation == "StartExecution":
        return _start(db, parent, call, store_result, _SDK)
    result = sfn_self.perform(db, call, clock=parent.clock, mock_config=parent.mocks.path)
    return _keep(db, parent, store_result, result)


def _start(
    db: Database, parent: Parent, call: ServiceCall, store_result: bool, integration: _Integration
) -> ServiceCallResult:
    """Start the child `call` asks for (`perform`)."""
    request_id = str(uuid.uuid4())
    at = codec.now()
    pattern = _pattern(call.resource)
    try:
        body = integration.request(call)
        new = starting.new_record(
            db, body, clock=parent.clock, mocks=parent.mocks, default_name=_default_name(parent.arn, call.key)
        )
    except (_Rejected, sfn_self.Rejected) as rejected:
        return _keep(
            db,
            parent,
            store_result,
            ServiceCallResult(call.key, None, _RUNTIME, str(rejected), at, rejected=True),
        )
    except ApiError as err:
        error, cause = integration.refusal(err, request_id)
        return _keep(db, parent, store_result, ServiceCallResult(call.key, None, error, cause, at))
    record = new.record
    link = (
        store.ChildLink(parent.arn, call.key, record.arn, call.token, pattern)
        if pattern and call.token is not None and store_result
        else None
    )
    result = ServiceCallResult(call.key, dumps(integration.answer(record, request_id)), None, None, at)
    signals: list[tuple[str, Any]] = []
    if store_result:
        signals.append((parent.arn, service_calls.encode_result(result)))
        if link is not None and record.status != store.RUNNING:  # failed before it ran (mock file)
            signals.append((parent.arn, child_end(link, record)))
    stored, created = store.create_execution(db, record, new.events, parent_signals=signals, link=link)
    if created:
        return result
    # "If StartExecution is called with the same name and input as a running execution, the call
    # succeeds and returns the same response as the original request. If the execution is closed
    # or if the input is different, it returns a 400 ExecutionAlreadyExists error" (API
    # reference, StartExecution).
    if stored.status != store.RUNNING or stored.input != record.input or stored.type != "STANDARD":
        error, cause = integration.refusal(ExecutionAlreadyExists(record.arn), request_id)
        return _keep(db, parent, store_result, ServiceCallResult(call.key, None, error, cause, at))
    result = ServiceCallResult(call.key, dumps(integration.answer(stored, request_id)), None, None, at)
    if store_result:
        store.link_child(db, (parent.arn, service_calls.encode_result(result)), link, child_end)
    return result


def _keep(db: Database, parent: Parent, store_result: bool, result: ServiceCallResult) -> ServiceCallResult:
    if store_result:
        store.append_signal(db, parent.arn, service_calls.encode_result(result))
    return result


def _default_name(parent_arn: str, call_key: str) -> str:
    """A child's name when the Task gives none: a UUID derived from the parent and the call."""
    digest = hashlib.sha256(f"{parent_arn}#{call_key}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _request(call: ServiceCall) -> dict[str, Any]:
    """StartExecution's request body from the Task's parameters.

    Raises:
        _Rejected: not an object, an unknown member, no StateMachineArn, a Name that is not a
            non-empty string.
        ApiError: the body breaks StartExecution's model (as StartExecution answers it).
    """
    parameters = loads(call.parameters_text)
    if not isinstance(parameters, dict):
        raise _Rejected("The parameters must be a JSON object")  # not recorded; ours
    parameters = dict(parameters)
    if "Input" in parameters:
        given = parameters["Input"]
        # An object (any JSON value) is sent as JSON text, a string as it is; null as no input.
        if given is None:
            del parameters["Input"]
        elif not isinstance(given, str):
            parameters["Input"] = dumps(given)
    if "Name" in parameters:
        name = parameters["Name"]
        if not isinstance(name, str) or not name:
            # Not recorded; ours: AWS's emulators fail the Task with States.Runtime.
            raise _Rejected(f"The field 'Name' must be a non-empty string, but was: {dumps(name)}")
    if not isinstance(parameters.get("StateMachineArn"), str):
        raise _Rejected("The field 'StateMachineArn' is required and must be a string")  # ours
    shape = service_model(_SERVICE).operation_model("StartExecution").input_shape
    try:
        body: dict[str, Any] = to_botocore(parameters, shape)
    except UnknownField as unknown:
        raise _Rejected(str(unknown)) from None
    shapes.validate("StartExecution", body)
    return body


def _refused(err: ApiError, request_id: str) -> tuple[str, str]:
    """A StartExecution refusal as the optimized integration names it (AWS SDK for Java v1)."""
    name = exception_class(_SERVICE, err.code) or _NAMING.base_exception
    cause = v1_cause(err.message, _NAMING, err.status, err.code, request_id)
    return f"{_NAMING.prefix}.{name}", cause


def _sdk_request(call: ServiceCall) -> dict[str, Any]:
    """StartExecution's request body from an ``aws-sdk:sfn:startExecution`` Task's parameters
    (`sfn_self.request_body`; an unparsable text is no parameters)."""
    try:
        parameters = loads(call.parameters_text)
    except ValueError:
        parameters = {}
    return sfn_self.request_body("StartExecution", parameters)


def _millis(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _response(record: store.ExecutionRecord, request_id: str) -> dict[str, Any]:
    """StartExecution's answer to a Task as the optimized integration renders it (`_answer_of`)."""
    return _answer_of(record.arn, record.start_date, request_id)


def _answer_of(arn: str, start: datetime, request_id: str) -> dict[str, Any]:
    """StartExecution's answer (`arn`, `start`) as the optimized integration renders it: members in
    alphabetical order with the v1 HTTP metadata of the answer this server gives (its headers as
    AWS's, recorded:
    executions/test_sfn_task_service/test_start_execution)."""
    text = json.dumps({"executionArn": arn, "startDate": codec.epoch(start)}, separators=(",", ":"))
    answer = transport.Answer(
        output={},
        status=200,
        headers=(
            ("x-amzn-RequestId", request_id),
            ("connection", "keep-alive"),
            ("Content-Length", str(len(text.encode("utf-8")))),
            ("Date", email.utils.formatdate(start.timestamp(), usegmt=True)),
            ("Content-Type", _JSON_CONTENT),
        ),
        request_id=request_id,
    )
    result = {"ExecutionArn": arn, "StartDate": _millis(start), **sdk_metadata(answer)}
    return dict(sorted(result.items()))


def call_in_process(resource: str, parameters: JSON, *, region: str, config: ServiceConfig) -> CallOutcome:
    """The call of a Task `handles` answers, made outside an execution (TestState without a
    mock): StartExecution through the API's own handler (a random name when the Task gives
    none), answered and refused as the Task's integration does; ``aws-sdk:sfn`` actions by
    `sfn_self`.

    Raises:
        ValueError: `resource` is not `handles`-ed.
    """
    if sfn_self.handles(resource):
        return sfn_self.call_in_process(resource, parameters, region=region, config=config)
    if _RESOURCE.fullmatch(resource) is None:
        raise ValueError(f"not a Resource this server answers: {resource}")
    from teststate.protocol import OPERATIONS  # the operations import this package

    request_id = str(uuid.uuid4())
    call = ServiceCall("TestState", resource, dumps(parameters), region)
    try:
        payload = OPERATIONS["AWSStepFunctions.StartExecution"](_request(call), region, config)
    except _Rejected as rejected:
        return CallOutcome(error=_RUNTIME, cause=str(rejected), parameters_rejected=True)
    except ApiError as err:
        error, cause = _refused(err, request_id)
        return CallOutcome(error=error, cause=cause)
    start = datetime.fromtimestamp(float(payload["startDate"]), UTC)
    return CallOutcome(result=_answer_of(str(payload["executionArn"]), start, request_id))


def redrive_status(record: store.ExecutionRecord) -> dict[str, str]:
    """redriveStatus (and its reason) as DescribeExecution answers it (recorded for SUCCEEDED:
    api/test_sfn_api/test_describe_execution; the others follow the API reference's rule that a
    FAILED, TIMED_OUT or ABORTED standard execution can be redriven); none for EXPRESS."""
    if record.type == "EXPRESS":
        return {}
    if record.status in ("FAILED", "TIMED_OUT", "ABORTED"):
        return {"redriveStatus": "REDRIVABLE"}
    return {
        "redriveStatus": "NOT_REDRIVABLE",
        "redriveStatusReason": f"Execution is {record.status} and cannot be redriven",
    }


def _envelope(record: store.ExecutionRecord, parsed: bool) -> dict[str, Any]:
    """The child's DescribeExecution as a ``.sync`` Task reports it: PascalCase, alphabetical,
    dates in epoch milliseconds; input and output parsed for ``.sync:2``."""

    def data(text: str) -> JSON:
        if not parsed:
            return text
        try:
            return loads(text)
        except ValueError:
            return text

    envelope: dict[str, Any] = {
        "ExecutionArn": record.arn,
        "Input": data(record.input),
        "InputDetails": {"Included": True},
        "Name": record.name,
        "RedriveCount": record.redrive_count,
        "StartDate": _millis(record.start_date),
        "StateMachineArn": record.state_machine_arn,
        "Status": record.status,
    }
    if record.status == "SUCCEEDED" and record.output is not None:
        envelope["Output"] = data(record.output)
        envelope["OutputDetails"] = {"Included": True}
    if record.error is not None:
        envelope["Error"] = record.error
    if record.cause is not None:
        envelope["Cause"] = record.cause
    for key, value in redrive_status(record).items():
        envelope[key[0].upper() + key[1:]] = value
    if record.version_arn is not None:
        envelope["StateMachineVersionArn"] = record.version_arn
    if record.stop_date is not None:
        envelope["StopDate"] = _millis(record.stop_date)
    return dict(sorted(envelope.items()))


def child_end(link: store.ChildLink, record: store.ExecutionRecord) -> Mapping[str, Any]:
    """The signal that ends the parent's wait for the ended child `record` (`store.release`)."""
    at = record.stop_date or codec.now()
    envelope = _envelope(record, parsed=link.pattern == "sync:2")
    if record.status == "SUCCEEDED":
        return codec.encode_signal("success", at, token=link.token, output=dumps(envelope))
    return codec.encode_signal("failure", at, token=link.token, error=_TASK_FAILED, cause=dumps(envelope))


def stop_signal(parent_arn: str) -> Mapping[str, Any]:
    """The StopExecution signal of a child whose parent's Task no longer waits for it."""
    return codec.encode_signal("stop", codec.now(), cause=_STOPPED_CAUSE.format(arn=parent_arn))


_OPTIMIZED: Final = _Integration(_request, _response, _refused)
_SDK: Final = _Integration(_sdk_request, sfn_self.sdk_start_answer, sfn_self.sdk_refusal)
