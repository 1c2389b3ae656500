"""What the engine's tests share: an execution start of a definition, a run to its last step, the
history's (id, previousEventId, type) shape and a mock test case."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from interpreter.execution import (
    ExecutionStart,
    HistoryEvent,
    MockTestCase,
    Signal,
    Step,
    parse_mock_config,
    run_execution,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:111111111111:execution:machine:run"


def execution_start(
    definition: dict[str, Any],
    input_text: str = "{}",
    *,
    mocks: MockTestCase | None = None,
    virtual_clock: bool = True,
) -> ExecutionStart:
    """An execution of `definition` in a machine named ``machine``, started at `START`."""
    return ExecutionStart(
        definition=json.dumps(definition),
        input_text=input_text,
        execution_arn=ARN,
        execution_name="run",
        state_machine_arn="arn:aws:states:us-east-1:111111111111:stateMachine:machine",
        state_machine_name="machine",
        role_arn="arn:aws:iam::111111111111:role/r",
        start_time=START,
        virtual_clock=virtual_clock,
        mocks=mocks,
    )


def run_to_last_step(
    start: ExecutionStart, signals: tuple[Signal, ...] = ()
) -> tuple[list[HistoryEvent], Step]:
    """The history events and the last step (`Finished` or `Suspended`)."""
    steps = list(run_execution(start, signals))
    return [step for step in steps if isinstance(step, HistoryEvent)], steps[-1]


def shape(events: list[HistoryEvent]) -> list[tuple[int, int, str]]:
    """(id, previousEventId, type) of each event."""
    return [(event.id, event.previous_event_id, event.type) for event in events]


def mock_case(responses: dict[str, Any], states: dict[str, str]) -> MockTestCase:
    """The test case ``Case`` of ``machine``: `states` (state -> response name) and `responses`."""
    document = {"StateMachines": {"machine": {"TestCases": {"Case": states}}}, "MockedResponses": responses}
    return parse_mock_config(document).test_case("machine", "Case")
