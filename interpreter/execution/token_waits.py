"""Waiting for a task token's answer: ``.waitForTaskToken`` Tasks, ``.sync`` jobs, activities.

The execution suspends until SendTaskSuccess/SendTaskFailure names the token, or a timeout fires
on the execution's clock: TimeoutSeconds from the wait's start (States.Timeout), HeartbeatSeconds
from the start or the last SendTaskHeartbeat (States.HeartbeatTimeout). An activity's task
(`interpreter.execution.activities`) is first taken by a worker (the signal `ActivityStarted`,
recorded as the ActivityStarted event): its heartbeats are counted only from then, as a task no
worker has taken has no heartbeat to miss.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta

from interpreter.errors import ErrorName
from interpreter.execution.mock_config import MockResponse
from interpreter.execution.model import (
    ActivityStarted,
    HistoryEvent,
    TaskFailure,
    TaskHeartbeat,
    TaskSuccess,
    TimerFired,
)
from interpreter.execution.resources import Resource
from interpreter.execution.runner import Runner
from interpreter.jsontypes import loads

__all__ = ["await_token"]


def await_token(
    run: Runner,
    token: str,
    resource: Resource,
    timeout: int | None,
    heartbeat: int | None,
    *,
    worker: bool = False,
) -> Generator[HistoryEvent, None, tuple[MockResponse, int | None]]:
    """Suspend until the token's answer, or its timeout or heartbeat fires: the answer, and the
    id of the timed-out event when it timed out (the call's last event: AWS records no failure
    event after it). `worker`: an activity's task, taken by a worker before its heartbeats count."""
    deadline = run.clock + timedelta(seconds=timeout) if timeout is not None else None
    beat = None if worker or heartbeat is None else run.clock + timedelta(seconds=heartbeat)
    while True:
        wake = min((moment for moment in (deadline, beat, run.deadline) if moment is not None), default=None)
        signal = run.next_signal((token,), wake)
        if worker and isinstance(signal, ActivityStarted) and signal.token == token:
            run.advance_to(signal.at)
            yield from run.emit(*resource.started(signal.worker_name))
            if heartbeat is not None:
                beat = run.clock + timedelta(seconds=heartbeat)
            continue
        if isinstance(signal, TaskSuccess) and signal.token == token:
            run.advance_to(signal.at)
            try:
                output = loads(signal.output_text)
            except ValueError:
                output = signal.output_text
            return MockResponse(result=output), None
        if isinstance(signal, TaskFailure) and signal.token == token:
            run.advance_to(signal.at)
            return MockResponse(is_error=True, error=signal.error, cause=signal.cause), None
        if isinstance(signal, TaskHeartbeat) and signal.token == token:
            run.advance_to(signal.at)
            if heartbeat is not None:
                beat = run.clock + timedelta(seconds=heartbeat)
            continue
        if isinstance(signal, TimerFired) and wake is not None:
            run.advance_to(max(signal.at, wake) if run.start.virtual_clock else signal.at)
            if run.clock < wake:
                continue
            error = (
                ErrorName.HEARTBEAT_TIMEOUT
                if beat is not None and (deadline is None or beat < deadline)
                else ErrorName.TIMEOUT
            )
            event = yield from run.emit(*resource.timed_out(error))
            return MockResponse(is_error=True, error=error, cause=None), event
