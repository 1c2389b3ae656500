"""AWS SDK integrations of Step Functions itself (``arn:aws:states:::aws-sdk:sfn:<action>``): answered here.

On AWS, a workflow that calls Step Functions reaches the state machines, executions and task tokens
of its own account (developer guide, "Call Step Functions from Step Functions" and "Learning to use
AWS service SDK integrations"). This server is that account's Step Functions, so such a Task never
leaves it, whether service calls are on or off (botocore would reach the emulator that
``AWS_ENDPOINT_URL`` names, which knows none of our state machines). Every action of botocore's
``stepfunctions`` model is handled here; ``.waitForTaskToken`` too (the call is made, then the
Task waits for its token, as for any callback Task). AWS offers no ``.sync`` for AWS SDK
integrations.

A call is answered by the operation handlers the HTTP path calls (`teststate.protocol.OPERATIONS`)
in process, with the same validation:

- the Task's parameters (PascalCase, AWS "API naming conventions") are matched onto the
  operation's input shape (`teststate.integrations.shapes.to_botocore`; an unknown member refuses
  the parameters, ``States.Runtime``); a string member given an object or array is sent as its
  JSON text (recorded for StartExecution's ``Input``:
  executions/test_aws_sdk_task_service/test_sfn_start_execution_implicit_json_serialisation;
  ours for the other string members, e.g. SendTaskSuccess's ``Output``);
- the answer is put through botocore's JSON parser and rendered as any AWS SDK integration renders
  a botocore output (`shapes.from_botocore`: PascalCase members, timestamps as Instant text;
  recorded: test_aws_sdk_task_service/test_sfn_start_execution, ``StartDate`` an ISO-8601 text);
- a refusal is the `ApiError` the API answers, named ``Sfn.<Exception>`` with the SDK v2 cause
  (`teststate.integrations.aws_sdk.sdk_failure`; recorded:
  test_aws_sdk_task_service/test_sfn_send_task_outcome_with_no_such_token__*); an action this
  server does not serve is refused as the HTTP path refuses it (UnknownOperationException, which
  the model does not declare: ``Sfn.SfnException``; not recorded, ours).

StartExecution inside an execution is made by `teststate.executions.nested` (the child stored
with the call's result in one transaction, its name derived from the call when the Task gives
none); `sdk_start_answer` and `sdk_refusal` shape its answer here. Within an execution's runner,
StopExecution only delivers the stop signal: the runner drives the stopped execution on its next
round (driving it within the call could wait on the very execution that makes it).
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from botocore.parsers import create_parser

from interpreter.execution.model import ServiceCall, ServiceCallResult
from interpreter.jsontypes import JSON, dumps, dumps_utf8, loads
from interpreter.limits import Limits
from teststate.errors import ApiError
from teststate.executions import codec, starting
from teststate.integrations import transport
from teststate.integrations.aws_sdk import operation_of, sdk_failure
from teststate.integrations.naming import service_model
from teststate.integrations.outcome import CallOutcome
from teststate.integrations.shapes import UnknownField, from_botocore, to_botocore
from teststate.storage import executions as store
from teststate.validation import shapes

if TYPE_CHECKING:
    from teststate.protocol import Handler, ServiceConfig
    from teststate.storage.db import Database

__all__ = [
    "Rejected",
    "call_in_process",
    "handles",
    "operation_for",
    "perform",
    "request_body",
    "sdk_refusal",
    "sdk_start_answer",
]

_log: Final = logging.getLogger("teststate.executions")

_SERVICE: Final = "stepfunctions"
_SDK_NAME: Final = "sfn"
_RESOURCE: Final = re.compile(
    r"arn:aws[a-z-]*:states:::aws-sdk:sfn:(?P<action>[A-Za-z0-9]+)(?:\.waitForTaskToken)?"
)
_RUNTIME: Final = "States.Runtime"
_TARGET_PREFIX: Final = "AWSStepFunctions."
_PARSER: Final = create_parser("json")


def operation_for(resource: str) -> str | None:
    """The Step Functions API operation an ``aws-sdk:sfn`` Task Resource calls (``StartExecution``
    for ``...:aws-sdk:sfn:startExecution``), or None for any other Resource."""
    found = _RESOURCE.fullmatch(resource)
    if found is None:
        return None
    target = operation_of(_SDK_NAME, found["action"])
    return target[1] if target is not None else None


def handles(resource: str) -> bool:
    """Is `resource` an AWS SDK integration of Step Functions, answered by this server?"""
    return operation_for(resource) is not None


class Rejected(ValueError):
    """The parameters cannot be used to start the call (``States.Runtime``, no Retry/Catch)."""


def request_body(operation: str, parameters: JSON) -> dict[str, Any]:
    """The API request body of `operation` from the Task's effective parameters.

    Raises:
        Rejected: a member the operation does not have.
        ApiError: the body breaks the operation's model (as the API answers it).
    """
    given = parameters if isinstance(parameters, dict) else {}
    shape = service_model(_SERVICE).operation_model(operation).input_shape
    try:
        # An object given for a string member (Input) is sent as its JSON text (`to_botocore`).
        body: dict[str, Any] = to_botocore(given, shape)
    except UnknownField as unknown:
        raise Rejected(str(unknown)) from None
    shapes.validate(operation, body)
    return body


def render(operation: str, payload: Mapping[str, Any]) -> JSON:
    """The API's answer `payload` as an AWS SDK integration's result (module docstring)."""
    shape = service_model(_SERVICE).operation_model(operation).output_shape
    if shape is None:
        return {}
    parsed = _PARSER.parse({"body": dumps_utf8(dict(payload)), "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    result: JSON = from_botocore(parsed, shape)
    return result if result is not None else {}


def sdk_refusal(err: ApiError, request_id: str) -> tuple[str, str]:
    """An API refusal as the AWS SDK integration names it: (``Sfn.<Exception>``, v2 cause)."""
    failure = transport.ServiceFailure(
        code=err.code,
        query_code=None,
        message=err.message,
        status=err.status,
        headers=(("x-amzn-RequestId", request_id),),
        request_id=request_id,
    )
    outcome = sdk_failure(_SERVICE, failure)
    return outcome.error or "", outcome.cause or ""


def sdk_start_answer(record: store.ExecutionRecord, request_id: str) -> dict[str, Any]:
    """StartExecution's answer as the AWS SDK integration renders it (no HTTP metadata, unlike the
    optimized integration; recorded: test_aws_sdk_task_service/test_sfn_start_execution)."""
    del request_id  # the SDK v2 result carries none
    answer = render(
        "StartExecution", {"executionArn": record.arn, "startDate": codec.epoch(record.start_date)}
    )
    return dict(answer) if isinstance(answer, dict) else {}


@functools.cache
def _handlers() -> Mapping[str, Handler]:
    """The server's operation handlers by name (imported at first use: the operations import the
    executions package, which imports this module), GetActivityTask's without its long poll
    (`teststate.operations.activities.take_activity_task_now`)."""
    from teststate.operations.activities import take_activity_task_now
    from teststate.protocol import OPERATIONS

    handlers = {target.removeprefix(_TARGET_PREFIX): handler for target, handler in OPERATIONS.items()}
    return {**handlers, "GetActivityTask": take_activity_task_now}


def _answer(operation: str, body: Mapping[str, Any], region: str, config: ServiceConfig) -> JSON:
    """The operation answered by the server's handler (the HTTP path's), rendered.

    Raises:
        ApiError: the API's refusal (an operation this server does not serve included).
    """
    handler = _handlers().get(operation)
    if handler is None or operation == "TestState":
        # Not recorded; ours: the HTTP path's answer to an operation it does not serve (TestState
        # too: a Task cannot test a state through this integration here).
        from teststate.errors import UnknownOperationException

        raise UnknownOperationException(f"Unknown operation {_TARGET_PREFIX}{operation}")
    return render(operation, handler(body, region, config))


def _outcome(operation: str, parameters: JSON, answer: Callable[[dict[str, Any]], JSON]) -> CallOutcome:
    """Build the request, answer it, and shape success or refusal as the SDK integration does."""
    request_id = str(uuid.uuid4())
    try:
        body = request_body(operation, parameters)
        return CallOutcome(result=answer(body))
    except Rejected as rejected:
        return CallOutcome(error=_RUNTIME, cause=str(rejected), parameters_rejected=True)
    except ApiError as err:
        error, cause = sdk_refusal(err, request_id)
        return CallOutcome(error=error, cause=cause)
    except Exception as err:  # a bug: the Task fails, the runner goes on
        _log.exception("the in-process call of %s failed", operation)
        return CallOutcome(error=_RUNTIME, cause=f"The call of Step Functions' {operation} failed: {err}")


def call_in_process(resource: str, parameters: JSON, *, region: str, config: ServiceConfig) -> CallOutcome:
    """An ``aws-sdk:sfn`` Task's call answered by this server (TestState: no execution to derive
    a name from, so StartExecution is the API's, a random name when none is given).

    Raises:
        ValueError: `resource` is not `handles`-ed.
    """
    operation = operation_for(resource)
    if operation is None:
        raise ValueError(f"not a Step Functions AWS SDK Resource: {resource}")
    return _outcome(operation, parameters, lambda body: _answer(operation, body, region, config))


def perform(
    db: Database, call: ServiceCall, *, clock: str, mock_config: str, limits: Limits | None = None
) -> ServiceCallResult:
    """An ``aws-sdk:sfn`` Task's call within an execution (any operation but StartExecution,
    which `teststate.executions.nested` makes): its result, not stored. Never raises."""
    operation = operation_for(call.resource)
    if operation is None:
        raise ValueError(f"not a Step Functions AWS SDK Resource: {call.resource}")
    region = call.region or "us-east-1"
    from teststate.protocol import ServiceConfig

    config = ServiceConfig(
        default_region=region,
        limits=limits if limits is not None else Limits(),
        database=db,
        clock=clock,
        mock_config=mock_config,
    )

    def answer(body: dict[str, Any]) -> JSON:
        if operation == "StopExecution":
            return _stop_later(db, body)
        return _answer(operation, body, region, config)

    try:
        parameters = loads(call.parameters_text)
    except ValueError:
        parameters = {}
    outcome = _outcome(operation, parameters, answer)
    at = codec.now()
    if outcome.failed:
        return ServiceCallResult(
            call.key, None, outcome.error, outcome.cause, at, rejected=outcome.parameters_rejected
        )
    return ServiceCallResult(call.key, dumps(outcome.result), None, None, at)


def _stop_later(db: Database, body: Mapping[str, Any]) -> JSON:
    """StopExecution from an execution's runner: the stop signal delivered, the execution driven
    by the runner's next round (the HTTP path drives it within the request: `teststate.
    operations.executions.stop_execution`, whose answer this is)."""
    record, stopped = starting.request_stop(db, body)
    stop = stopped or record.stop_date
    return render("StopExecution", {"stopDate": codec.epoch(stop or codec.now())})
