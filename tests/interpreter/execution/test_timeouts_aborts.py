"""How an execution ends from outside its states: StopExecution (ABORTED) and the definition's
top-level TimeoutSeconds (TIMED_OUT), on the virtual and on the real clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from interpreter.execution import (
    Finished,
    StopRequest,
    Suspended,
    TaskSuccess,
    TimerFired,
    parse_mock_config,
)
from tests.interpreter.execution.support import (
    START,
    execution_start,
    run_to_last_step,
    shape,
)


def _at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def _waits(*seconds: int, timeout: int | None = None) -> dict[str, Any]:
    """Wait states of the given lengths, one after another, then a Pass."""
    names = [f"W{index}" for index in range(len(seconds))] + ["Done"]
    states: dict[str, Any] = {
        name: {"Type": "Wait", "Seconds": length, "Next": names[index + 1]}
        for index, (name, length) in enumerate(zip(names, seconds, strict=False))
    }
    states["Done"] = {"Type": "Pass", "End": True}
    definition: dict[str, Any] = {"StartAt": names[0], "States": states}
    if timeout is not None:
        definition["TimeoutSeconds"] = timeout
    return definition


_TOKEN_TASK = {
    "StartAt": "T",
    "TimeoutSeconds": 100,
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


# --------------------------------------------------------------------------------------------
# StopExecution


def test_stop_during_a_wait_has_the_recorded_history() -> None:
    # Recorded: api/test_sfn_api/test_stop_execution (a Wait of 60 s stopped while it waits).
    start = execution_start(_waits(60), virtual_clock=False)
    events, end = run_to_last_step(start, (StopRequest(None, None, _at(5)),))
    assert shape(events) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "WaitStateEntered"),
        (3, 0, "ExecutionAborted"),
    ]
    assert events[-1].to_api()["executionAbortedEventDetails"] == {}
    assert events[-1].timestamp == _at(5)
    assert end == Finished(status="ABORTED", stop_time=_at(5))


def test_stop_during_a_token_wait_points_at_nothing_and_aborts_no_state() -> None:
    events, end = run_to_last_step(execution_start(_TOKEN_TASK), (StopRequest("Stop", "now", _at(7)),))
    assert [event.type for event in events] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "ExecutionAborted",
    ]
    assert events[-1].previous_event_id == 0
    assert events[-1].details == {"error": "Stop", "cause": "now"}
    assert isinstance(end, Finished) and (end.status, end.error, end.cause) == ("ABORTED", "Stop", "now")


def test_stop_arriving_after_the_deadline_finds_the_execution_timed_out() -> None:
    events, end = run_to_last_step(execution_start(_TOKEN_TASK), (StopRequest(None, None, _at(150)),))
    assert events[-1].type == "ExecutionTimedOut"
    assert isinstance(end, Finished) and (end.status, end.stop_time) == ("TIMED_OUT", _at(100))


# --------------------------------------------------------------------------------------------
# TimeoutSeconds on the virtual clock


def test_a_wait_past_the_deadline_times_the_execution_out_at_the_deadline() -> None:
    events, end = run_to_last_step(execution_start(_waits(60, timeout=10)))
    assert shape(events) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "WaitStateEntered"),
        (3, 0, "ExecutionTimedOut"),
    ]
    assert events[-1].to_api()["executionTimedOutEventDetails"] == {"error": "States.Timeout"}
    assert events[-1].timestamp == _at(10)
    assert end == Finished(status="TIMED_OUT", stop_time=_at(10))


def test_waits_within_the_deadline_finish_and_the_one_that_reaches_it_times_out() -> None:
    events, end = run_to_last_step(execution_start(_waits(4, 5, timeout=10)))
    assert isinstance(end, Finished) and end.status == "SUCCEEDED" and end.stop_time == _at(9)
    events, end = run_to_last_step(execution_start(_waits(4, 5, 1, timeout=10)))
    assert [event.type for event in events][-3:] == [
        "WaitStateExited",
        "WaitStateEntered",
        "ExecutionTimedOut",
    ]
    assert isinstance(end, Finished) and (end.status, end.stop_time) == ("TIMED_OUT", _at(10))


def test_a_retry_backoff_past_the_deadline_times_the_execution_out() -> None:
    definition = {
        "StartAt": "T",
        "TimeoutSeconds": 5,
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 3}],
                "End": True,
            }
        },
    }
    document = {
        "StateMachines": {"machine": {"TestCases": {"Case": {"T": "R"}}}},
        "MockedResponses": {"R": {"0-3": {"Throw": {"Error": "E"}}}},
    }
    mocks = parse_mock_config(document).test_case("machine", "Case")
    events, end = run_to_last_step(execution_start(definition, mocks=mocks))
    # Attempt 0 fails at 0 s, attempt 1 after 3 s; the next backoff (6 s) would end past 5 s.
    assert [event.type for event in events].count("TaskFailed") == 2
    assert events[-1].type == "ExecutionTimedOut"
    assert isinstance(end, Finished) and (end.status, end.stop_time) == ("TIMED_OUT", _at(5))


@pytest.mark.parametrize("timeout", [None, 0])
def test_no_timeout_or_zero_sets_no_limit(timeout: int | None) -> None:
    _, end = run_to_last_step(execution_start(_waits(10**6, timeout=timeout)))
    assert isinstance(end, Finished) and end.status == "SUCCEEDED"


# --------------------------------------------------------------------------------------------
# TimeoutSeconds on the real clock, and token waits


def test_real_clock_wakes_at_the_earlier_of_the_timer_and_the_deadline() -> None:
    start = execution_start(_waits(60, timeout=10), virtual_clock=False)
    _, end = run_to_last_step(start)
    assert end == Suspended((), _at(10))
    events, end = run_to_last_step(start, (TimerFired(_at(10)),))
    assert events[-1].type == "ExecutionTimedOut"
    assert isinstance(end, Finished) and (end.status, end.stop_time) == ("TIMED_OUT", _at(10))
    _, end = run_to_last_step(execution_start(_waits(3, timeout=10), virtual_clock=False))
    assert end == Suspended((), _at(3))


def test_a_token_wait_wakes_at_the_deadline_and_a_late_answer_is_too_late() -> None:
    start = execution_start(_TOKEN_TASK)
    _, end = run_to_last_step(start)
    assert isinstance(end, Suspended) and end.wake_at == _at(100)
    token = end.tokens[0]
    events, end = run_to_last_step(start, (TimerFired(_at(100)),))
    assert events[-1].type == "ExecutionTimedOut"
    assert isinstance(end, Finished) and end.status == "TIMED_OUT"
    events, end = run_to_last_step(start, (TaskSuccess(token, "{}", _at(101)),))
    assert isinstance(end, Finished) and (end.status, end.stop_time) == ("TIMED_OUT", _at(100))
    _, end = run_to_last_step(start, (TaskSuccess(token, "{}", _at(99)),))
    assert isinstance(end, Finished) and end.status == "SUCCEEDED"
