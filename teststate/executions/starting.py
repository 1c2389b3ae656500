"""A new execution's record, from a StartExecution request: one path for the API and for Tasks.

StartExecution and StartSyncExecution (`teststate.operations.executions`) and a Task that starts
an execution (``states:startExecution``, `teststate.executions.nested`) build the execution the
same way: the state machine (or version) looked up, the name and input checked, the ARN formed,
and a ``<stateMachineArn>#<TestCase>`` test case of the mock configuration resolved. Every
refusal is the `ApiError` StartExecution answers with (a Task turns it into AWS's
``StepFunctions.<Code>Exception`` error).

The record leaves `store.ExecutionRecord.service_calls` (the Task Resources called for real) not
fixed: it comes from the settings of the runner, which fixes it before the execution's first event
(`teststate.executions.runner`), the one point every start path (StartExecution, a Task's child,
a file of an earlier version) goes through; nothing has run before it, so no path is taken yet.

A problem with the mock configuration does not refuse the start (not recorded; ours): the
execution is created and FAILED at once, with error ``States.Runtime`` and a cause naming the
file and the member, so that a test polling the execution sees why.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from interpreter.execution import events as ev
from interpreter.execution.model import HistoryEvent
from teststate import arns
from teststate.errors import ExecutionDoesNotExist, StateMachineDoesNotExist, StateMachineTypeNotSupported
from teststate.executions import codec, mock_file
from teststate.executions.codec import now
from teststate.operations.common import check_name
from teststate.operations.test_state import decode_input
from teststate.storage import executions as store
from teststate.storage.db import Database
from teststate.storage.machines import StateMachineRecord, get_state_machine

__all__ = ["MOCK_ERROR", "MockSource", "NewExecution", "ended", "new_record", "request_stop"]

MOCK_ERROR: Final = "States.Runtime"


@dataclass(frozen=True, slots=True)
class MockSource:
    """Where a ``#<TestCase>`` is looked up: the mock configuration file (`path`, read as it is
    now), or a stored document (`document`: text and hash, as an execution started with it)."""

    path: str = ""
    document: tuple[str, str] | None = None

    def select(self, machine_name: str, test_case: str) -> mock_file.MockSelection:
        """The test case, and the document text it came from.

        Raises:
            mock_file.MockFileError: no such file, document, machine or test case.
        """
        if self.document is None:
            return mock_file.select(self.path, machine_name, test_case)
        text, digest = self.document
        found = mock_file.resolve_test_case(text, digest, machine_name, test_case, source="(stored)")
        return mock_file.MockSelection(text, digest, found)


@dataclass(frozen=True, slots=True)
class NewExecution:
    """What a start request describes: the execution to store, its machine, and the events of an
    execution that failed before it ran (a mock file problem; empty otherwise)."""

    record: store.ExecutionRecord
    machine: StateMachineRecord
    events: tuple[str, ...]


def new_record(
    db: Database,
    body: Mapping[str, Any],
    *,
    clock: str,
    mocks: MockSource,
    express_sync: bool = False,
    default_name: str | None = None,
) -> NewExecution:
    """The execution a (validated) StartExecution/StartSyncExecution body describes.

    Arguments:
        clock: ``virtual`` or ``real``: how the execution's clock runs.
        mocks: where a ``#<TestCase>`` after the ARN is looked up.
        express_sync: StartSyncExecution (refuses a STANDARD machine).
        default_name: the name when the body has none (a random UUID when None); an EXPRESS
            execution's ARN id is derived from it then, so the same name gives the same ARN.

    Raises:
        ApiError: StateMachineDoesNotExist, InvalidArn, InvalidName, InvalidExecutionInput,
            StateMachineTypeNotSupported, as StartExecution answers them.
    """
    target = str(body["stateMachineArn"])
    arn_text, hashed, test_case = target.partition("#")
    parsed = arns.parse_state_machine_arn(arn_text)
    machine = get_state_machine(db, arn_text)
    if machine is None:
        raise StateMachineDoesNotExist(arn_text)
    if express_sync and machine.type != "EXPRESS":
        raise StateMachineTypeNotSupported()
    name = body.get("name")
    if name is not None:
        check_name(str(name))
    input_text = body.get("input")
    input_text = "{}" if input_text is None else str(input_text)
    decode_input(input_text)  # InvalidExecutionInput in AWS's words
    execution_name = str(name) if name is not None else default_name or str(uuid.uuid4())
    express_id = None
    if machine.type == "EXPRESS":
        express_id = (
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn_text}#{execution_name}"))
            if default_name is not None
            else str(uuid.uuid4())
        )
    arn = arns.execution_arn(
        parsed.region,
        parsed.account,
        machine.name,
        execution_name,
        express_id=express_id,
        partition=parsed.partition,
    )
    start = now()
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
        clock=clock,
    )
    events: tuple[str, ...] = ()
    if hashed:
        try:
            selection = mocks.select(machine.name, test_case)
        except mock_file.MockFileError as err:
            events = _failed_at_start(record, str(err))
            record = ended(record, "FAILED", start, error=MOCK_ERROR, cause=str(err))
        else:
            digest = store.store_mock_document(db, selection.text)
            record = ended(record, store.RUNNING, None, test_case=test_case, mock_hash=digest)
    return NewExecution(record, machine, events)


def request_stop(db: Database, body: Mapping[str, Any]) -> tuple[store.ExecutionRecord, datetime | None]:
    """StopExecution's request stored: the execution `body` names, and when its stop signal was
    stored (None when it was not running: nothing to stop). Driving it to its end is the
    caller's: within the request (`teststate.operations.executions.stop_execution`) or by the
    runner's next round (`teststate.executions.sfn_self`).

    Raises:
        InvalidArn: not an execution's ARN.
        ExecutionDoesNotExist: no such execution.
    """
    arn = str(body["executionArn"])
    arns.parse_execution_arn(arn)
    record = store.get_execution(db, arn)
    if record is None:
        raise ExecutionDoesNotExist(arn)
    if record.status != store.RUNNING:
        return record, None
    at = now()
    signal = codec.encode_signal("stop", at, error=body.get("error"), cause=body.get("cause"))
    return record, (at if store.append_signal(db, arn, signal) else None)


def ended(
    record: store.ExecutionRecord, status: str, stop: datetime | None, **changes: Any
) -> store.ExecutionRecord:
    """`record` with its status, stop date and other `changes`."""
    values = {name: getattr(record, name) for name in store.ExecutionRecord.__dataclass_fields__}
    values.update(status=status, stop_date=stop, **changes)
    return store.ExecutionRecord(**values)


def _failed_at_start(record: store.ExecutionRecord, cause: str) -> tuple[str, ...]:
    """The stored history of an execution that failed before its first state: ExecutionStarted
    (as AWS writes it, e.g. executions/test_base/test_state_fail) and ExecutionFailed."""
    started = ev.execution_started(record.input, record.role_arn, record.version_arn)
    at = record.start_date
    events = (
        HistoryEvent(1, 0, "ExecutionStarted", at, "executionStartedEventDetails", started),
        HistoryEvent(
            2, 1, "ExecutionFailed", at, "executionFailedEventDetails", ev.error_cause(MOCK_ERROR, cause)
        ),
    )
    return tuple(codec.encode_event(event) for event in events)
