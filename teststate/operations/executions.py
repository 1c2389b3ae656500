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

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from interpreter import json_error_message, loads
from teststate import arns
from teststate.errors import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidName,
    InvalidOutput,
    InvalidToken,
    ResourceNotFound,
    StateMachineDoesNotExist,
    StateMachineTypeNotSupported,
    TaskDoesNotExist,
    TaskTimedOut,
    ValidationException,
)
from teststate.executions import codec, mock_file
from teststate.executions.runner import Runner, run_to_end, runner_for
from teststate.operations.test_state import decode_input
from teststate.storage import executions as store
from teststate.storage.machines import StateMachineRecord, get_state_machine
from teststate.validation.shapes import validate

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig
    from teststate.storage.db import Database

__all__ = ["HANDLERS"]

# AWS's naming rules (API reference, StartExecution ``name``): no white space, brackets
# < > { } [ ], wildcards ? *, special characters " # % \ ^ | ~ ` $ & , ; : /, control characters
# (U+0000-001F, U+007F-009F) and no surrogates.
_INVALID_NAME: Final = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# GetExecutionHistory / ListExecutions page size when none (or 0) is given (API reference).
DEFAULT_PAGE: Final = 100
# How long StopExecution waits for the worker driving the execution to let it go.
STOP_WAIT_SECONDS: Final = 10.0
# StartSyncExecution: billed per 100 ms, at least 100 ms; memory as recorded
# (api/test_sfn_api_express/test_start_sync_execution).
BILLING_MS: Final = 100
BILLED_MEMORY_MB: Final = 64
MOCK_ERROR: Final = "States.Runtime"

Handler = Callable[[Mapping[str, Any], str, "ServiceConfig"], Mapping[str, Any]]


def _database(config: ServiceConfig) -> Database:
    if config.database is None:  # an app built without storage (tests of TestState alone)
        raise ValidationException("This server keeps no executions (it was built without a database)")
    return config.database


def _runner(config: ServiceConfig) -> Runner:
    return runner_for(_database(config), config.limits)


def _now() -> datetime:
    """Now, to the millisecond (AWS's timestamps have millisecond precision)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _check_name(name: str) -> None:
    if _INVALID_NAME.search(name):
        raise InvalidName(name)


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
    that failed before it ran (a mock file problem)."""
    db = _database(config)
    target = str(body["stateMachineArn"])
    arn_text, hashed, test_case = target.partition("#")
    machine = _machine(db, arn_text)
    if express_sync and machine.type != "EXPRESS":
        raise StateMachineTypeNotSupported()
    name = body.get("name")
    if name is not None:
        _check_name(str(name))
    input_text = body.get("input")
    input_text = "{}" if input_text is None else str(input_text)
    decode_input(input_text)  # InvalidExecutionInput in AWS's words
    parsed = arns.parse_state_machine_arn(arn_text)
    execution_name = str(name) if name is not None else str(uuid.uuid4())
    express = machine.type == "EXPRESS"
    arn = arns.execution_arn(
        parsed.region,
        parsed.account,
        machine.name,
        execution_name,
        express=express,
        express_id=str(uuid.uuid4()) if express else None,
        partition=parsed.partition,
    )
    start = _now()
    record = store.ExecutionRecord(
        arn=arn,
        state_machine_arn=machine.arn,
        version_arn=machine.version_arn,
        state_machine_name=machine.name,
        name=execution_name,
        type=machine.type,
        input=input_text,
        definition=machine.definition,
        role_arn=machine.role_arn,
        start_date=start,
        trace_header=body.get("traceHeader"),
        clock=config.clock,
    )
    events: list[str] = []
    if hashed:
        try:
            selection = mock_file.select(config.mock_config, machine.name, test_case)
        except mock_file.MockFileError as err:
            events = _failed_at_start(record, str(err))
            record = _ended(record, "FAILED", start, error=MOCK_ERROR, cause=str(err))
        else:
            digest = store.store_mock_document(db, selection.text)
            record = _ended(record, store.RUNNING, None, test_case=test_case, mock_hash=digest)
    return record, machine, events


def _ended(
    record: store.ExecutionRecord, status: str, stop: datetime | None, **changes: Any
) -> store.ExecutionRecord:
    values = {name: getattr(record, name) for name in store.ExecutionRecord.__dataclass_fields__}
    values.update(status=status, stop_date=stop, **changes)
    return store.ExecutionRecord(**values)


def _failed_at_start(record: store.ExecutionRecord, cause: str) -> list[str]:
    """The history of an execution that failed before its first state: ExecutionStarted (as
    AWS writes it, e.g. executions/test_base/test_state_fail) and ExecutionFailed."""
    at = record.start_date.isoformat()
    started: dict[str, Any] = {
        "input": record.input,
        "inputDetails": {"truncated": False},
        "roleArn": record.role_arn,
    }
    if record.version_arn is not None:
        started["stateMachineVersionArn"] = record.version_arn
    events = [
        {
            "id": 1,
            "previousEventId": 0,
            "timestamp": at,
            "type": "ExecutionStarted",
            "executionStartedEventDetails": started,
        },
        {
            "id": 2,
            "previousEventId": 1,
            "timestamp": at,
            "type": "ExecutionFailed",
            "executionFailedEventDetails": {"error": MOCK_ERROR, "cause": cause},
        },
    ]
    return [json.dumps(event, separators=(",", ":"), sort_keys=True) for event in events]


def start_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """StartExecution: store the execution and answer at once; the runner drives it."""
    validate("StartExecution", body)
    db = _database(config)
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
    runner = _runner(config)
    if created and stored.status == store.RUNNING:
        runner.notify()
    return {"executionArn": stored.arn, "startDate": codec.epoch(stored.start_date)}


def start_sync_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """StartSyncExecution (EXPRESS only): run the execution to its end within the request. Its
    history is not kept (AWS keeps an Express execution's history only in CloudWatch Logs)."""
    validate("StartSyncExecution", body)
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
        runner = _runner(config)
        result = run_to_end(runner.execution_start(record))
        finished = result.finished
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
def _redrive(record: store.ExecutionRecord) -> dict[str, Any]:
    """redriveStatus as DescribeExecution answers it (recorded for SUCCEEDED:
    api/test_sfn_api/test_describe_execution; the others follow the API reference's rule that a
    FAILED, TIMED_OUT or ABORTED standard execution can be redriven)."""
    if record.type == "EXPRESS":
        return {}
    if record.status in ("FAILED", "TIMED_OUT", "ABORTED"):
        return {"redriveStatus": "REDRIVABLE"}
    return {
        "redriveStatus": "NOT_REDRIVABLE",
        "redriveStatusReason": f"Execution is {record.status} and cannot be redriven",
    }


def describe_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """DescribeExecution."""
    validate("DescribeExecution", body)
    record = _execution(_database(config), str(body["executionArn"]))
    _runner(config)  # this worker resumes executions whose worker died
    include_data = body.get("includedData") != "METADATA_ONLY"
    answer: dict[str, Any] = {
        "executionArn": record.arn,
        "stateMachineArn": record.state_machine_arn,
        "name": record.name,
        "status": record.status,
        "startDate": codec.epoch(record.start_date),
    }
    if record.stop_date is not None:
        answer["stopDate"] = codec.epoch(record.stop_date)
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
    if record.version_arn is not None:
        answer["stateMachineVersionArn"] = record.version_arn
    answer["redriveCount"] = record.redrive_count
    answer.update(_redrive(record))
    return answer


def describe_state_machine_for_execution(
    body: Mapping[str, Any], region: str, config: ServiceConfig
) -> Mapping[str, Any]:
    """DescribeStateMachineForExecution: the machine as the execution ran it (its definition and
    role are the execution's own copy: the machine may have been updated or deleted since)."""
    validate("DescribeStateMachineForExecution", body)
    db = _database(config)
    record = _execution(db, str(body["executionArn"]))
    machine = get_state_machine(db, record.version_arn or record.state_machine_arn)
    answer: dict[str, Any] = {
        "stateMachineArn": record.state_machine_arn,
        "name": record.state_machine_name,
        "definition": record.definition,
        "roleArn": record.role_arn,
        "updateDate": codec.epoch(record.start_date),
        # The defaults DescribeStateMachine answers for a machine created without them
        # (recorded: api/test_sfn_api/test_describe_state_machine_for_execution).
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": False},
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


def _page_token(payload: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _read_page_token(token: str, **expected: Any) -> Mapping[str, Any]:
    """A token this server issued for the same request, or InvalidToken."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidToken(token) from None
    if not isinstance(payload, dict) or any(payload.get(key) != value for key, value in expected.items()):
        raise InvalidToken(token)
    return payload


def list_executions(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """ListExecutions: a machine's (or version's) executions, newest first, paginated."""
    validate("ListExecutions", body)
    db = _database(config)
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
    _runner(config)
    limit = int(body.get("maxResults") or DEFAULT_PAGE)
    before = None
    if body.get("nextToken") is not None:
        token = str(body["nextToken"])
        payload = _read_page_token(token, m=str(machine_arn))
        before = payload.get("s")
        if not isinstance(before, int):
            raise InvalidToken(token)
    redrive = body.get("redriveFilter")
    records = (
        []
        if redrive == "REDRIVEN"
        else store.list_executions(
            db,
            machine.arn,
            version_arn=machine.version_arn,
            status=body.get("statusFilter"),
            before_seq=before,
            limit=limit + 1,
        )
    )
    answer: dict[str, Any] = {"executions": [_list_item(record) for record in records[:limit]]}
    if len(records) > limit:
        answer["nextToken"] = _page_token({"m": str(machine_arn), "s": records[limit - 1].seq})
    return answer


def _list_item(record: store.ExecutionRecord) -> dict[str, Any]:
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


# --------------------------------------------------------------------------------------------
# Stop / history
# --------------------------------------------------------------------------------------------
def stop_execution(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """StopExecution: the execution ends ABORTED before the answer (the stop is driven within
    the request, so DescribeExecution right after it says ABORTED, as on AWS)."""
    validate("StopExecution", body)
    db = _database(config)
    record = _execution(db, str(body["executionArn"]))
    if record.status == store.RUNNING:
        signal = codec.encode_signal("stop", _now(), error=body.get("error"), cause=body.get("cause"))
        if store.append_signal(db, record.arn, signal):
            _runner(config).drive_now(record.arn, STOP_WAIT_SECONDS)
        record = store.get_execution(db, record.arn) or record
    stop = record.stop_date if record.stop_date is not None else _now()
    return {"stopDate": codec.epoch(stop)}


def get_execution_history(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """GetExecutionHistory: the events in id order (or reversed), paginated."""
    validate("GetExecutionHistory", body)
    db = _database(config)
    record = _execution(db, str(body["executionArn"]))
    _runner(config)
    reverse = bool(body.get("reverseOrder", False))
    include_data = bool(body.get("includeExecutionData", True))
    limit = int(body.get("maxResults") or DEFAULT_PAGE)
    total = store.count_events(db, record.arn)
    if body.get("nextToken") is not None:
        token = str(body["nextToken"])
        payload = _read_page_token(token, e=record.arn, r=reverse)
        position = payload.get("n")
        if not isinstance(position, int) or not 1 <= position <= max(total, 1):
            raise InvalidToken(token)
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
    answer: dict[str, Any] = {
        "events": [codec.event_for_api(text, include_data=include_data) for text in texts]
    }
    if following is not None:
        answer["nextToken"] = _page_token({"e": record.arn, "r": reverse, "n": following})
    return answer


# --------------------------------------------------------------------------------------------
# Task tokens
# --------------------------------------------------------------------------------------------
def _answer_token(
    config: ServiceConfig, token: str, signal: Mapping[str, Any], *, closes: bool
) -> Mapping[str, Any]:
    answer = store.answer_token(_database(config), token, signal, closes=closes)
    if answer.outcome == "unknown":
        # Recorded through the SDK integration (module docstring).
        raise InvalidToken("Invalid token")
    if answer.outcome == store.TOKEN_TIMED_OUT:
        raise TaskTimedOut()
    if answer.outcome != "signalled":
        raise TaskDoesNotExist()
    _runner(config).notify()
    return {}


def send_task_success(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """SendTaskSuccess: the waiting Task succeeds with `output` (JSON text)."""
    validate("SendTaskSuccess", body)
    output = str(body["output"])
    try:
        loads(output)
    except ValueError as err:
        raise InvalidOutput(json_error_message(output, err)) from None
    token = str(body["taskToken"])
    return _answer_token(
        config, token, codec.encode_signal("success", _now(), token=token, output=output), closes=True
    )


def send_task_failure(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """SendTaskFailure: the waiting Task fails with `error` and `cause`."""
    validate("SendTaskFailure", body)
    token = str(body["taskToken"])
    signal = codec.encode_signal(
        "failure", _now(), token=token, error=body.get("error"), cause=body.get("cause")
    )
    return _answer_token(config, token, signal, closes=True)


def send_task_heartbeat(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """SendTaskHeartbeat: the waiting Task's HeartbeatSeconds start again."""
    validate("SendTaskHeartbeat", body)
    token = str(body["taskToken"])
    return _answer_token(config, token, codec.encode_signal("heartbeat", _now(), token=token), closes=False)


HANDLERS: Final[Mapping[str, Handler]] = {
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
