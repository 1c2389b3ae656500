"""What every execution history must be, whatever the execution did: the fuzz properties of
executions (`fuzz.test_executions_props`) and of service calls (`fuzz.test_service_calls_props`)
check the histories they get with `check_history`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = ["TERMINAL_EVENTS", "check_history"]

TERMINAL_EVENTS: Final[Mapping[str, str]] = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionAborted": "ABORTED",
    "ExecutionTimedOut": "TIMED_OUT",
}
"""The events that end an execution, and the status each ends it in."""


def check_history(events: Sequence[Mapping[str, Any]], status: str) -> None:
    """Ids 1..n, each event after the one it follows, ExecutionStarted first, and exactly one
    terminal event, the last, for `status` (DescribeExecution's)."""
    ids = [item["id"] for item in events]
    assert ids == list(range(1, len(events) + 1)), ids
    for item in events:
        assert 0 <= item["previousEventId"] < item["id"], item
    assert events[0]["type"] == "ExecutionStarted" and events[0]["previousEventId"] == 0, events[0]
    terminal = [item for item in events if item["type"] in TERMINAL_EVENTS]
    assert len(terminal) == 1 and terminal[0] is events[-1], [item["type"] for item in events]
    assert TERMINAL_EVENTS[events[-1]["type"]] == status, (events[-1], status)
