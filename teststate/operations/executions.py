"""Operations on executions: start (async and sync), describe, list, stop, history, task tokens.

Every handler validates the body against botocore's model first
(`teststate.validation.shapes.validate`), parses ARNs with `teststate.arns`, reads state machines
through `teststate.storage.machines` and executions through `teststate.storage.executions`.
Executions run in the background (`teststate.executions.runner`): StartExecution stores one and
answers at once, as AWS does; StartSyncExecution runs one to its end within the request.

Choices where AWS's behaviour is not recorded (each also said where it is made):

- ``<stateMachineArn>#<TestCase>`` (AWS Step Functions Local's convention) chooses a test case of
  the mock configuration file. Anything wrong with it (no file configured, unreadable or
  malformed file, no such state machine or test case in it, a response it names but does not
  define) does not refuse the request: the execution is created and FAILED at once, with error
  ``States.Runtime`` and a cause naming the file and the member. A test that starts an execution
  and then polls it sees the reason where it looks for the result, and a test case the file
  does not resolve can never pass silently.
- StopExecution of an execution that has already ended answers its stopDate and changes nothing.
- A task token the server never issued is ``InvalidToken`` (recorded through the SDK integration:
  executions/test_aws_sdk_task_service/test_sfn_send_task_outcome_with_no_such_token__*); one
  whose task is over is ``TaskDoesNotExist``, or ``TaskTimedOut`` when it timed out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from interpreter import json_error_message, loads
from teststate import arns
from teststate.errors import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidOutput,
    InvalidToken,
    ResourceNotFound,
    StateMachineDoesNotExist,
    StateMachineTypeNotSupported,
    TaskDoesNotExist,
    TaskTimedOut,
    ValidationException,
)
from teststate.executions import codec, nested, starting
from teststate.executions.codec import now
from teststate.executions.runner import Runner, run_to_end, runner_for
from teststate.operations.common import (
    DEFAULT_LOGGING,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TRACING,
    Handler,
    database,
    page_token,
    read_page_token,
    validated,
)
from teststate.storage import executions as store
from teststate.storage.machines import StateMachineRecord, get_state_machine

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig
    from teststate.storage.db import Database

__all__ = ["HANDLERS"]

# How long StopExecution waits for the worker driving the execution to let it go.
STOP_WAIT_SECONDS: Final = 10.0
# StartSyncExecution: billed per 100 ms, at least 100 ms; memory as recorded
# (api/test_sfn_api_express/test_start_sync_execution).
BILLING_MS: Final = 100
BILLED_MEMORY_MB: Final = 64
MOCK_ERROR: Final = "States.Runtime"


def _runner(db: Database, config: ServiceConfig) -> Runner:
    """The process's runner; asking for it also makes this worker resume the executions whose
    worker died (`teststate.executions.runner`)."""
    return runner_for(db, config.limits, config.service_calls, config.mock_config)


def _machine(db: Database, arn_text: str) -> StateMachineRecord:
    arns.parse_state_machine_arn(arn_text)
    machine = get_state_machine(db, arn_text)
    if machine is None:
        raise StateMachineDoesNotExist(arn_text)
    return machine


def _execution(db: Database, arn_text: str) -> store.ExecutionRecord:
    arns.parse_execution_arn(arn_text)
    record = store.get_execution(db, arn_text)
    if record is None:
        raise ExecutionDoesNotExist(arn_text)
    return record


# --------------------------------------------------------------------------------------------
# StartExecution / StartSyncExecution
# --------------------------------------------------------------------------------------------
def _new_record(
    body: Mapping[str, Any], config: ServiceConfig, *, express_sync: bool
) -> tuple[store.ExecutionRecord, StateMachineRecord, list[str]]:
    """The execution a start request describes, the machine, and the events of an execution
    that failed before it ran (a mock file problem): `teststate.executions.starting`."""
    db = database(config, "StartSyncExecution" if express_sync else "StartExecution")
    new = starting.new_record(
        db,
        body,
        clock=config.clock,
        mocks=starting.MockSource(path=config.mock_config),
        express_sync=express_sync,
    )
    return new.record, new.machine, list(new.events)


def start_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """StartExecution: store the execution and answer at once; the runner drives it."""
    db = database(config, "StartExecution")
    record, _, events = _new_record(body, config, express_sync=False)
    stored, created = store.create_execution(db, record, events)
    # "If StartExecution is called with the same name and input as a running execution, the call
    # succeeds and returns the same response as the original request. If the execution is closed
    # or if the input is different, it returns a 400 ExecutionAlreadyExists error" (API
    # reference, StartExecution; STANDARD only: an EXPRESS ARN is never reused).
    if not created and (
        stored.status != store.RUNNING or stored.input != record.input or stored.type != "STANDARD"
    ):
        raise ExecutionAlreadyExists(record.arn)
    runner = _runner(db, config)
    if created and stored.status == store.RUNNING:
        runner.notify()
    return {"executionArn": stored.arn, "startDate": codec.epoch(stored.start_date)}


def start_sync_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """StartSyncExecution (EXPRESS only): run the execution to its end within the request. Its
    history is not kept (AWS keeps an Express execution's history only in CloudWatch Logs)."""
    record, machine, events = _new_record(body, config, express_sync=True)
    include_data = body.get("includedData") != "METADATA_ONLY"
    answer: dict[str, Any] = {
        "executionArn": record.arn,
        "stateMachineArn": machine.version_arn or machine.arn,
        "name": record.name,
        "startDate": codec.epoch(record.start_date),
    }
    if events:  # failed before it ran (mock file)
        status, stop, output, error, cause = "FAILED", record.start_date, None, record.error, record.cause
    else:
        db = database(config, "StartSyncExecution")
        runner = _runner(db, config)
        parent = nested.Parent(record.arn, record.clock, starting.MockSource(path=config.mock_config))
        finished = run_to_end(runner.execution_start(record), runner.calls, parent=parent, db=db).finished
        status, stop = finished.status, finished.stop_time
        output, error, cause = finished.output_text, finished.error, finished.cause
    answer["stopDate"] = codec.epoch(stop)
    answer["status"] = status
    if error is not None:
        answer["error"] = error
    if cause is not None:
        answer["cause"] = cause
    answer["input"] = record.input if include_data else None
    answer["inputDetails"] = {"included": include_data}
    # outputDetails even without an output (recorded for a FAILED one:
    # executions/test_express_sync/test_base__BASE_RAISE_FAILURE).
    answer["output"] = output if include_data else None
    answer["outputDetails"] = {"included": include_data}
    if record.trace_header is not None:
        answer["traceHeader"] = record.trace_header
    elapsed_ms = max(0.0, (stop - record.start_date).total_seconds() * 1000)
    billed = max(BILLING_MS, -(-int(elapsed_ms) // BILLING_MS) * BILLING_MS)
    answer["billingDetails"] = {
        "billedDurationInMilliseconds": billed,
        "billedMemoryUsedInMB": BILLED_MEMORY_MB,
    }
    return {key: value for key, value in answer.items() if value is not None}


# --------------------------------------------------------------------------------------------
# Describe / list
# --------------------------------------------------------------------------------------------
def _summary(record: store.ExecutionRecord) -> dict[str, Any]:
    """What ListExecutions answers of an execution (``ExecutionListItem``), which
    DescribeExecution answers too."""
    item: dict[str, Any] = {
        "executionArn": record.arn,
        "stateMachineArn": record.state_machine_arn,
        "name": record.name,
        "status": record.status,
        "startDate": codec.epoch(record.start_date),
    }
    if record.stop_date is not None:
        item["stopDate"] = codec.epoch(record.stop_date)
    if record.version_arn is not None:
        item["stateMachineVersionArn"] = record.version_arn
    item["redriveCount"] = record.redrive_count
    return item


def describe_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """DescribeExecution: the summary, input and output (unless ``includedData`` is
    METADATA_ONLY; output only once SUCCEEDED), error and cause, and the redrive status."""
    db = database(config, "DescribeExecution")
    record = _execution(db, str(body["executionArn"]))
    _runner(db, config)
    include_data = body.get("includedData") != "METADATA_ONLY"
    answer = _summary(record)
    if include_data:
        answer["input"] = record.input
    answer["inputDetails"] = {"included": include_data}
    if record.status == "SUCCEEDED" and record.output is not None:
        if include_data:
            answer["output"] = record.output
        answer["outputDetails"] = {"included": include_data}
    if record.error is not None:
        answer["error"] = record.error
    if record.cause is not None:
        answer["cause"] = record.cause
    if record.trace_header is not None:
        answer["traceHeader"] = record.trace_header
    answer.update(nested.redrive_status(record))
    return answer


def describe_state_machine_for_execution(
    body: Mapping[str, Any], region: str, config: ServiceConfig
) -> Mapping[str, Any]:
    """DescribeStateMachineForExecution: the machine as the execution ran it (its definition and
    role are the execution's own copy: the machine may have been updated or deleted since)."""
    db = database(config, "DescribeStateMachineForExecution")
    record = _execution(db, str(body["executionArn"]))
    machine = get_state_machine(db, record.version_arn or record.state_machine_arn)
    answer: dict[str, Any] = {
        "stateMachineArn": record.state_machine_arn,
        "name": record.state_machine_name,
        "definition": record.definition,
        "roleArn": record.role_arn,
        "updateDate": codec.epoch(record.start_date),
        "loggingConfiguration": dict(DEFAULT_LOGGING),
        "tracingConfiguration": dict(DEFAULT_TRACING),
    }
    if machine is not None:
        answer["updateDate"] = codec.epoch(machine.update_date or machine.creation_date)
        if machine.logging:
            answer["loggingConfiguration"] = dict(machine.logging)
        if machine.tracing:
            answer["tracingConfiguration"] = dict(machine.tracing)
        if machine.revision_id is not None and machine.definition == record.definition:
            answer["revisionId"] = machine.revision_id
        if machine.encryption:
            answer["encryptionConfiguration"] = dict(machine.encryption)
    return answer


def list_executions(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """ListExecutions: a machine's (or version's) executions, newest first (by start), only those
    with ``statusFilter``'s status, paginated (the token holds the machine ARN as the request
    wrote it and the place of the last execution answered)."""
    db = database(config, "ListExecutions")
    machine_arn = body.get("stateMachineArn")
    if machine_arn is None:
        if body.get("mapRunArn") is not None:
            # Distributed Map runs' child executions are not kept by this server (ours).
            arns.parse_map_run_arn(str(body["mapRunArn"]))
            raise ResourceNotFound(str(body["mapRunArn"]))
        # Not recorded: ours.
        raise ValidationException("Must provide a StateMachine ARN or MapRun ARN")
    machine = _machine(db, str(machine_arn))
    if machine.type == "EXPRESS":
        raise StateMachineTypeNotSupported()
    _runner(db, config)
    limit = int(body.get("maxResults") or DEFAULT_PAGE_SIZE)
    token = body.get("nextToken")
    before = None if token is None else read_page_token(str(token), "s", int, m=str(machine_arn))
    # No execution of this server is ever redriven: REDRIVEN lists none, NOT_REDRIVEN all.
    records = (
        []
        if body.get("redriveFilter") == "REDRIVEN"
        else store.list_executions(
            db,
            machine.arn,
            version_arn=machine.version_arn,
            status=body.get("statusFilter"),
            before_seq=before,
            limit=limit + 1,
        )
    )
    answer: dict[str, Any] = {"executions": [_summary(record) for record in records[:limit]]}
    if len(records) > limit:
        answer["nextToken"] = page_token(m=str(machine_arn), s=records[limit - 1].seq)
    return answer


# --------------------------------------------------------------------------------------------
# Stop / history
# --------------------------------------------------------------------------------------------
def stop_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """StopExecution: the execution ends ABORTED before the answer (the stop is driven within
    the request, so DescribeExecution right after it says ABORTED, as on AWS)."""
    db = database(config, "StopExecution")
    # The links of its .sync children, read before the stop is stored (the parent's end,
    # which the stop brings, settles them).
    children = store.children_of(db, str(body["executionArn"]))
    record, stopped = starting.request_stop(db, body)
    if stopped is not None:
        runner = _runner(db, config)
        runner.drive_now(record.arn, STOP_WAIT_SECONDS)
        # Its end stopped the executions its .sync Tasks waited for (`nested`): drive them
        # now too, so that they read ABORTED as soon as the parent does.
        for link in children:
            runner.drive_now(link.child_arn, STOP_WAIT_SECONDS)
    if record.status == store.RUNNING:
        record = store.get_execution(db, record.arn) or record
    stop = record.stop_date if record.stop_date is not None else now()
    return {"stopDate": codec.epoch(stop)}


def get_execution_history(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """GetExecutionHistory: the events in id order (or reversed), paginated (the token holds the
    execution, the order and the id the next page starts at)."""
    db = database(config, "GetExecutionHistory")
    record = _execution(db, str(body["executionArn"]))
    _runner(db, config)
    reverse = bool(body.get("reverseOrder", False))
    include_data = bool(body.get("includeExecutionData", True))
    limit = int(body.get("maxResults") or DEFAULT_PAGE_SIZE)
    total = store.count_events(db, record.arn)
    token = body.get("nextToken")
    if token is not None:
        position = read_page_token(str(token), "n", int, e=record.arn, r=reverse)
        if not 1 <= position <= max(total, 1):
            raise InvalidToken(str(token))
    else:
        position = total if reverse else 1
    if reverse:
        first, last = max(1, position - limit + 1), position
        texts = store.read_events(db, record.arn, first=first, last=last, reverse=True)
        following = first - 1 if first > 1 else None
    else:
        first, last = position, position + limit - 1
        texts = store.read_events(db, record.arn, first=first, last=last)
        following = last + 1 if last < total else None
    answer: dict[str, Any] = {"events": codec.events_for_api(texts, include_data=include_data)}
    if following is not None:
        answer["nextToken"] = page_token(e=record.arn, r=reverse, n=following)
    return answer


# --------------------------------------------------------------------------------------------
# Task tokens
# --------------------------------------------------------------------------------------------
def _answer_token(
    config: ServiceConfig, operation: str, token: str, signal: Mapping[str, Any], *, closes: bool
) -> Mapping[str, Any]:
    db = database(config, operation)
    answer = store.answer_token(db, token, signal, closes=closes)
    if answer.outcome == "unknown":
        # Recorded through the SDK integration (module docstring).
        raise InvalidToken("Invalid token")
    if answer.outcome == store.TOKEN_TIMED_OUT:
        raise TaskTimedOut()
    if answer.outcome != "signalled":
        raise TaskDoesNotExist()
    _runner(db, config).notify()
    return {}


def send_task_success(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """SendTaskSuccess: the waiting Task succeeds with `output` (JSON text)."""
    output = str(body["output"])
    token = str(body["taskToken"])
    try:
        loads(output)
    except ValueError as err:
        # Recorded (executions/test_aws_sdk_task_service/
        # test_sfn_send_task_outcome_with_no_such_token__state_machine_template0): an unknown
        # token is refused before the output is read, so its InvalidToken wins.
        if not store.token_known(database(config, "SendTaskSuccess"), token):
            raise InvalidToken("Invalid token") from None
        raise InvalidOutput(json_error_message(output, err)) from None
    signal = codec.encode_signal("success", now(), token=token, output=output)
    return _answer_token(config, "SendTaskSuccess", token, signal, closes=True)


def send_task_failure(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """SendTaskFailure: the waiting Task fails with `error` and `cause`."""
    token = str(body["taskToken"])
    signal = codec.encode_signal(
        "failure", now(), token=token, error=body.get("error"), cause=body.get("cause")
    )
    return _answer_token(config, "SendTaskFailure", token, signal, closes=True)


def send_task_heartbeat(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """SendTaskHeartbeat: the waiting Task's HeartbeatSeconds start again."""
    token = str(body["taskToken"])
    signal = codec.encode_signal("heartbeat", now(), token=token)
    return _answer_token(config, "SendTaskHeartbeat", token, signal, closes=False)


HANDLERS: Final[Mapping[str, Handler]] = validated(
    {
        "StartExecution": start_execution,
        "StartSyncExecution": start_sync_execution,
        "DescribeExecution": describe_execution,
        "DescribeStateMachineForExecution": describe_state_machine_for_execution,
        "ListExecutions": list_executions,
        "StopExecution": stop_execution,
        "GetExecutionHistory": get_execution_history,
        "SendTaskSuccess": send_task_success,
        "SendTaskFailure": send_task_failure,
        "SendTaskHeartbeat": send_task_heartbeat,
    }
)
"""Operation name (without the ``AWSStepFunctions.`` prefix) -> handler, for `teststate.protocol`."""
