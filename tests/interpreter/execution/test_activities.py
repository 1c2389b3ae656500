"""The engine's activity Tasks (`interpreter.execution.activities`), pure: the schedule call before
any Activity* event, the worker's start and answer as signals, timeouts on the execution's clock.
Event shapes from botocore's model (not recorded); the missing activity's failure is recorded
(test_activities/test_activity_task_on_deleted)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from interpreter.execution import (
    ActivityStarted,
    ExecutionStart,
    Finished,
    ServiceCallResult,
    Suspended,
    TaskFailure,
    TaskHeartbeat,
    TaskSuccess,
    TimerFired,
    activity_token,
)
from tests.interpreter.execution.support import ARN, START, execution_start, mock_case, run_to_last_step

ACTIVITY = "arn:aws:states:us-east-1:111111111111:activity:work"


def _start(task: dict[str, object], **options: Any) -> ExecutionStart:
    definition = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": ACTIVITY, "End": True, **task}},
    }
    return replace(execution_start(definition, '{"x": 1}'), service_calls=frozenset({ACTIVITY}), **options)


def _at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


TOKEN = activity_token(ARN, "Work#0")
SCHEDULED = ServiceCallResult("Work#0", "null", None, None, START)


def test_schedule_call_comes_before_any_activity_event() -> None:
    events, end = run_to_last_step(_start({"Parameters": {"v.$": "$.x"}, "TimeoutSeconds": 5}))
    assert [event.type for event in events] == ["ExecutionStarted", "TaskStateEntered"]
    assert isinstance(end, Suspended) and len(end.calls) == 1
    call = end.calls[0]
    assert (call.resource, call.parameters_text, call.token, call.timeout_seconds) == (
        ACTIVITY,
        '{"v":1}',
        TOKEN,
        5,
    )


def test_missing_activity_fails_the_state_as_recorded() -> None:
    missing = ServiceCallResult(
        "Work#0", None, "States.Runtime", f"The activity {ACTIVITY} does not exist.", START
    )
    events, end = run_to_last_step(_start({}), (missing,))
    assert [event.type for event in events] == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    assert isinstance(end, Finished) and end.error == "States.Runtime"
    assert end.cause == (
        f"An error occurred while executing the state 'Work' (entered at the event id #2). "
        f"The activity {ACTIVITY} does not exist."
    )


def test_worker_start_and_success() -> None:
    start = _start({"TimeoutSeconds": 30, "HeartbeatSeconds": 10})
    events, end = run_to_last_step(start, (SCHEDULED,))
    assert events[-1].type == "ActivityScheduled"
    assert dict(events[-1].details) == {
        "resource": ACTIVITY,
        "input": '{"x":1}',
        "inputDetails": {"truncated": False},
        "timeoutInSeconds": 30,
        "heartbeatInSeconds": 10,
    }
    # No worker yet: only TimeoutSeconds bounds the wait (no heartbeat to miss).
    assert isinstance(end, Suspended) and end.tokens == (TOKEN,) and end.wake_at == _at(30)
    signals = (SCHEDULED, ActivityStarted(TOKEN, "w1", _at(2)))
    events, end = run_to_last_step(start, signals)
    assert (events[-1].type, dict(events[-1].details)) == ("ActivityStarted", {"workerName": "w1"})
    assert isinstance(end, Suspended) and end.wake_at == _at(12)
    events, end = run_to_last_step(start, (*signals, TaskSuccess(TOKEN, '{"r":2}', _at(3))))
    assert [event.type for event in events][-4:] == [
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert isinstance(end, Finished) and end.output_text == '{"r":2}'


def test_failure_reaches_catch() -> None:
    start = _start({"Catch": [{"ErrorEquals": ["Oops"], "Next": "Done"}]})
    start = replace(
        start,
        definition=start.definition.replace('"End": true', '"Next": "Done"').replace(
            '"States": {', '"States": {"Done": {"Type": "Succeed"}, '
        ),
    )
    signals = (SCHEDULED, ActivityStarted(TOKEN, None, _at(1)), TaskFailure(TOKEN, "Oops", "bad", _at(2)))
    events, end = run_to_last_step(start, signals)
    types = [event.type for event in events]
    assert types[2:5] == ["ActivityScheduled", "ActivityStarted", "ActivityFailed"]
    assert dict(events[3].details) == {}
    assert dict(events[4].details) == {"error": "Oops", "cause": "bad"}
    assert isinstance(end, Finished) and end.status == "SUCCEEDED"


def test_heartbeat_timeout_after_start_and_timeout_before() -> None:
    start = _start({"TimeoutSeconds": 100, "HeartbeatSeconds": 5})
    started = (SCHEDULED, ActivityStarted(TOKEN, "w", _at(1)), TaskHeartbeat(TOKEN, _at(4)))
    _, waiting = run_to_last_step(start, started)
    assert isinstance(waiting, Suspended) and waiting.wake_at == _at(9)  # the heartbeat restarted it
    events, end = run_to_last_step(start, (*started, TimerFired(_at(9))))
    assert events[-2].type == "ActivityTimedOut"
    assert dict(events[-2].details) == {"error": "States.HeartbeatTimeout"}
    assert isinstance(end, Finished) and end.error == "States.HeartbeatTimeout"
    events, end = run_to_last_step(_start({"TimeoutSeconds": 3}), (SCHEDULED, TimerFired(_at(3))))
    assert dict(events[-2].details) == {"error": "States.Timeout"}
    assert isinstance(end, Finished) and end.error == "States.Timeout"


def test_mocked_activity_stays_mocked_without_a_call() -> None:
    mocks = mock_case({"Ok": {"0": {"Return": {"done": True}}}}, {"Work": "Ok"})
    events, end = run_to_last_step(_start({}, mocks=mocks))
    assert "ActivityScheduled" not in [event.type for event in events]
    assert isinstance(end, Finished) and end.output_text == '{"done":true}'
