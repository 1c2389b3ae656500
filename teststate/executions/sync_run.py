"""StartSyncExecution's run: an execution run within the caller, to its end, and not stored.

Its service calls are made inline with the settings taken once at its start, a real-clock timer
is slept through, and a Task that starts an execution starts it in the database (stored and run
by the runner, `teststate.executions.runner`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from interpreter.execution.model import ExecutionStart, Finished, HistoryEvent, Signal
from teststate.executions import calls as service_calls
from teststate.executions import codec, nested
from teststate.executions.run_inputs import _run_execution

if TYPE_CHECKING:
    from teststate.integrations import CallSettings
    from teststate.storage.db import Database

__all__ = ["RunResult", "run_to_end"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RunResult:
    """One synchronous run to the end (StartSyncExecution): the events and the end."""

    events: tuple[HistoryEvent, ...]
    finished: Finished


def run_to_end(
    start: ExecutionStart,
    calls: CallSettings | None = None,
    *,
    parent: nested.Parent | None = None,
    db: Database | None = None,
) -> RunResult:
    """Run an execution within the caller (StartSyncExecution), to its end.

    A real-clock timer is slept through (the caller waits, as StartSyncExecution's caller does);
    service calls are made inline (`calls`: the server's settings, taken once at the start, as
    `start.service_calls` was resolved from them), and a Task that starts an execution starts it
    in `db` (`parent`: this execution as its parent); a wait for a task token cannot end (EXPRESS
    machines refuse ``.waitForTaskToken``), so it ends the execution FAILED.
    """
    settings = calls if calls is not None else service_calls.settings_from_env()
    signals: list[Signal] = []
    while True:
        events: list[HistoryEvent] = []
        last = start.start_time
        for step in _run_execution(start, signals):
            if isinstance(step, HistoryEvent):
                events.append(step)
                last = step.timestamp
            elif isinstance(step, Finished):
                return RunResult(tuple(events), step)
            else:
                if step.calls:
                    for call in step.calls:
                        if nested.handles(call.resource) and db is not None and parent is not None:
                            signals.append(nested.perform(db, parent, call, store_result=False))
                        else:
                            signals.append(service_calls.perform_one(call, settings))
                    break
                if step.wake_at is None:
                    # Not reachable through the API (EXPRESS refuses .waitForTaskToken); ours.
                    return RunResult(
                        tuple(events),
                        Finished(
                            "FAILED",
                            last,
                            error="States.Runtime",
                            cause="A synchronous Express execution cannot wait for a task token",
                        ),
                    )
                delay = (step.wake_at - _now()).total_seconds() if not start.virtual_clock else 0.0
                if delay > 0:
                    time.sleep(delay)
                signals.append(codec.decode_signal(codec.encode_signal("timer", _now())))
                break
