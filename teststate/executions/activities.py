"""Activity Tasks' schedule calls: the service's side of `interpreter.execution.activities`.

An activity Task without a mocked response suspends with a `ServiceCall` for its activity's ARN
(its `ServiceCall.token` the task's token, its parameters the task's input) before any Activity*
event. The runner hands it here (through `teststate.executions.nested.perform`, the calls this
server answers itself, so it is made whether or not service calls are on: an activity's task
reaches no outside service). `perform` looks the activity up and, in one transaction
(`teststate.storage.activities.schedule_task`), stores the task for GetActivityTask, opens its
token and stores the call's result as the execution's signal: an empty result, or for a missing
activity ``States.Runtime`` with AWS's cause "The activity <arn> does not exist." (recorded:
test_activities/test_activity_task_on_deleted), which fails the state before any Activity* event.

GetActivityTask (`teststate.operations.activities`) takes a task with the execution's
`started_signal` stored in the same transaction; SendTaskSuccess/Failure/Heartbeat answer its
token as any task token (`teststate.operations.executions`).
"""

from __future__ import annotations

from typing import Any, Final

from interpreter.execution.activities import is_activity
from interpreter.execution.model import ServiceCall, ServiceCallResult
from teststate.executions import calls as service_calls
from teststate.executions import codec
from teststate.executions.codec import now
from teststate.storage import activities as store
from teststate.storage.db import Database

__all__ = ["KIND", "handles", "perform", "started_signal"]

KIND: Final = "activity_started"
"""The stored signal kind of `interpreter.execution.model.ActivityStarted` (`codec.SIGNAL_KINDS`)."""

_RUNTIME: Final = "States.Runtime"
# Not recorded; ours: StartSyncExecution's run stores nothing a worker could take (and AWS's
# EXPRESS workflows do not support activities: developer guide, "Standard and Express workflows").
_NOT_STORED: Final = (
    "The activity {arn} cannot be run by an execution that is not stored (StartSyncExecution)."
)


def handles(resource: str) -> bool:
    """Is `resource` an activity's ARN (a Task a worker runs)?"""
    return is_activity(resource)


def perform(
    db: Database, execution_arn: str, call: ServiceCall, *, store_result: bool = True
) -> ServiceCallResult:
    """Schedule the task `call` asks for (with `store_result`, in one transaction with its result
    as the execution's signal); the result: empty, or the missing activity's failure."""
    at = now()
    if not store_result or call.token is None:
        return ServiceCallResult(call.key, None, _RUNTIME, _NOT_STORED.format(arn=call.resource), at)
    missing = ServiceCallResult(call.key, None, _RUNTIME, f"The activity {call.resource} does not exist.", at)
    scheduled = ServiceCallResult(call.key, "null", None, None, at)

    def answer(exists: bool) -> dict[str, Any]:
        return service_calls.encode_result(scheduled if exists else missing)

    exists = store.schedule_task(
        db, call.resource, call.token, execution_arn, call.parameters_text, at, answer
    )
    return scheduled if exists else missing


def started_signal(token: str, worker_name: str | None) -> dict[str, Any]:
    """The stored signal of a worker taking the task `token` (`decode_started`)."""
    members: dict[str, str | None] = {"token": token}
    if worker_name is not None:
        members["workerName"] = worker_name
    return codec.encode_signal(KIND, now(), **members)
