"""The service calls an execution asks for: made through `teststate.integrations`, answered as signals.

The engine stays pure: a Task that the test case does not mock, whose Resource is one the library
can call (`callable_resources`, fixed in `ExecutionStart.service_calls` when the execution is
run), makes the engine stop with `Suspended.calls` after the Task's TaskScheduled and TaskStarted
events. The runner then makes each call here (`perform`), stores each `ServiceCallResult` as a
signal (`encode_result`; `decode_result` reads it back) and runs the execution again: the engine
consumes the result as it would a mocked Return or Throw (TaskSucceeded/TaskFailed, Retry,
Catch). A stored result is never called again, so a resumed execution re-creates the same
history; a call whose result was not stored yet (its runner died during the call) is made again,
as AWS's own at-least-once delivery allows.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from interpreter.execution.model import ServiceCall, ServiceCallResult
from interpreter.jsontypes import ABSENT, JSON, dumps, loads
from interpreter.map.reader import reader_call_resource
from interpreter.map.sources import split_read_request
from interpreter.map.writer import writer_call_resource
from teststate import integrations
from teststate.executions.codec import now
from teststate.integrations import CallOutcome, CallSettings, s3_items

__all__ = [
    "DEFAULT_CALL_SECONDS",
    "KIND",
    "callable_resources",
    "decode_result",
    "encode_result",
    "lease_seconds",
    "perform",
    "perform_one",
    "settings_from_env",
    "task_resources",
]

_log: Final = logging.getLogger("teststate.executions")

KIND: Final = "call"
"""The stored signal kind of a `ServiceCallResult` (`teststate.executions.codec.SIGNAL_KINDS`)."""

DEFAULT_CALL_SECONDS: Final = 60.0
"""A call of a Task without TimeoutSeconds waits at most this long (botocore's own connect and
read timeout, which `teststate.integrations` applies): a runner holds the execution's lease for
the calls' time."""

_RUNTIME: Final = "States.Runtime"
# Containers of states in a definition: a Parallel's Branches, a Map's ItemProcessor (or Iterator).
_NESTED: Final = ("Branches", "ItemProcessor", "Iterator")
# A Map's members that call S3, with the canonical Resource of each call.
_MAP_CALLS: Final = (("ItemReader", reader_call_resource), ("ResultWriter", writer_call_resource))


def settings_from_env() -> CallSettings:
    """The process's settings (``os.environ``): a runner process or thread built without them.
    A misconfiguration stopped the server at start (`teststate.settings`); anywhere else it
    means calls are off."""
    try:
        return CallSettings.from_env(os.environ)
    except integrations.ServiceCallsMisconfigured:
        return CallSettings(enabled=False, endpoint_url=None, region=None)


def callable_resources(definition: str, settings: CallSettings) -> frozenset[str]:
    """The Task Resources of `definition` (nested states included) that calls reach when the test
    case does not mock them; empty when calls are off (or the text is not a definition: the
    engine reports that itself)."""
    if not settings.enabled:
        return frozenset()
    return _supported(definition)


@functools.lru_cache(maxsize=64)
def _supported(definition: str) -> frozenset[str]:
    """An execution is run again at every signal: its definition's resources are found once."""
    try:
        document = loads(definition)
    except ValueError:
        return frozenset()
    return frozenset(
        resource
        for resource in task_resources(document)
        if integrations.supports(resource) or resource in _READS or resource in _WRITES
    )


def task_resources(machine: JSON) -> Iterator[str]:
    """Every resource a definition's states call: Task Resources, Distributed Map readers' and
    writers' canonical S3 resources, in nested states too (`callable_resources`,
    `teststate.executions.nested.resources`)."""
    if not isinstance(machine, dict):
        return
    states = machine.get("States")
    if not isinstance(states, dict):
        return
    for state in states.values():
        if not isinstance(state, dict):
            continue
        resource = state.get("Resource")
        if state.get("Type") == "Task" and isinstance(resource, str):
            yield resource
        for member, canonical in _MAP_CALLS:
            # A Distributed Map's ItemReader reads its S3 source, its ResultWriter writes its files,
            # through calls of their own.
            field = state.get(member)
            if (
                state.get("Type") == "Map"
                and isinstance(field, dict)
                and isinstance(field.get("Resource"), str)
            ):
                called = canonical(field["Resource"])
                if called is not None:
                    yield called
        for member in _NESTED:
            nested = state.get(member)
            for branch in nested if isinstance(nested, list) else [nested]:
                yield from task_resources(branch)


def lease_seconds(calls: Sequence[ServiceCall]) -> float:
    """How long making `calls` may take (each bounded by its timeout, or `DEFAULT_CALL_SECONDS`)."""
    return sum(
        float(call.timeout_seconds) if call.timeout_seconds is not None else DEFAULT_CALL_SECONDS
        for call in calls
    )


def perform(calls: Sequence[ServiceCall], settings: CallSettings) -> list[ServiceCallResult]:
    """Make each call, in order; never raises (a failure is the result's error)."""
    return [perform_one(call, settings) for call in calls]


def perform_one(call: ServiceCall, settings: CallSettings) -> ServiceCallResult:
    """Make one call: the Task's result (an ItemReader's read: `_read`; a ResultWriter's write:
    `_write`), or AWS's error and cause."""
    try:
        if call.resource in _READS:
            return _result(call, _read(call, settings), now())
        if call.resource in _WRITES:
            return _result(call, _write(call, settings), now())
        parameters = loads(call.parameters_text)
        outcome = integrations.call(
            call.resource,
            parameters,
            region=call.region or settings.region or "us-east-1",
            settings=settings,
            timeout_seconds=float(call.timeout_seconds) if call.timeout_seconds is not None else None,
            credentials_role_arn=call.credentials_role_arn,
        )
    except (integrations.ServiceCallsDisabled, ValueError) as err:
        # Calls were turned off since the execution started (a restart with other settings), or
        # the Resource is not callable: the Task fails as an unmocked one does with calls off.
        outcome = CallOutcome(
            error=_RUNTIME, cause=f"The Task's Resource {call.resource} cannot be called: {err}"
        )
    except Exception as err:  # a bug in the library: the execution fails, the runner goes on
        _log.exception("service call %s of %s failed", call.key, call.resource)
        outcome = CallOutcome(error=_RUNTIME, cause=f"The call of {call.resource} failed: {err}")
    return _result(call, outcome, now())


_READS: Final = s3_items.READ_RESOURCES
_WRITES: Final = s3_items.WRITE_RESOURCES


def _read(call: ServiceCall, settings: CallSettings) -> CallOutcome:
    """A Distributed Map ItemReader's read (`teststate.integrations.s3_items.read_source`): the
    call's parameters are the reader's source kind and its evaluated Parameters/Arguments
    (`interpreter.map.reader.ItemReader.read_request`)."""
    if not settings.enabled:
        raise integrations.ServiceCallsDisabled("service calls are off (TESTSTATE_SERVICE_CALLS)")
    source, parameters = split_read_request(loads(call.parameters_text))
    return s3_items.read_source(
        call.resource,
        parameters,
        source=source,
        region=call.region or settings.region or "us-east-1",
        settings=settings,
        timeout_seconds=float(call.timeout_seconds) if call.timeout_seconds is not None else None,
    )


def _write(call: ServiceCall, settings: CallSettings) -> CallOutcome:
    """One file of a Distributed Map ResultWriter's export (`teststate.integrations.s3_items.write_object`)."""
    if not settings.enabled:
        raise integrations.ServiceCallsDisabled("service calls are off (TESTSTATE_SERVICE_CALLS)")
    return s3_items.write_object(
        loads(call.parameters_text),
        region=call.region or settings.region or "us-east-1",
        settings=settings,
        timeout_seconds=float(call.timeout_seconds) if call.timeout_seconds is not None else None,
    )


def _result(call: ServiceCall, outcome: CallOutcome, at: datetime) -> ServiceCallResult:
    if outcome.failed:
        return ServiceCallResult(
            call.key, None, outcome.error, outcome.cause, at, rejected=outcome.parameters_rejected
        )
    result = outcome.result if outcome.result is not ABSENT else None
    return ServiceCallResult(call.key, dumps(result), None, None, at)


def encode_result(result: ServiceCallResult) -> dict[str, Any]:
    """The stored signal of `result` (`teststate.storage.executions.append_signal`)."""
    body: dict[str, Any] = {"kind": KIND, "at": result.at.isoformat(), "key": result.key}
    for name, value in (("result", result.result_text), ("error", result.error), ("cause", result.cause)):
        if value is not None:
            body[name] = value
    if result.rejected:
        body["rejected"] = True
    return body


def decode_result(body: Mapping[str, Any], at: datetime) -> ServiceCallResult:
    """The engine's signal for a stored call result (`encode_result`)."""
    return ServiceCallResult(
        str(body["key"]),
        body.get("result"),
        body.get("error"),
        body.get("cause"),
        at,
        rejected=bool(body.get("rejected", False)),
    )
