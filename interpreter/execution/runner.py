"""The execution's stepper: its clock, its events, its signal cursor, and the walk through states.

`Runner.machine` runs a (sub-)machine from StartAt to a terminal state; `Runner.state` records a
state's Entered event and evaluates it with `interpreter.states.run.run_state` (the data flow and
Retry/Catch decisions TestState uses), or hands a Task, Map or Parallel to its handler (the table
`interpreter.execution.engine.STATE_HANDLERS`), which call back into the runner for the events,
the clock and nested machines. Pure: the clock is the execution's own (see `advance`).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from interpreter.definition.model import (
    FailState,
    Retrier,
    WaitState,
)
from interpreter.errors import ASLError, ErrorName
from interpreter.execution import events as ev
from interpreter.execution.context import ExecutionContext
from interpreter.execution.model import (
    ExecutionStart,
    HistoryEvent,
    ServiceCall,
    ServiceCallResult,
    Signal,
    StopRequest,
    TimerFired,
)
from interpreter.execution.outcomes import (
    Abort,
    Entered,
    Err,
    Gen,
    Ok,
    Suspend,
    TimedOut,
)
from interpreter.execution.plan import Node, SubMachine
from interpreter.execution.waits import wait_until
from interpreter.jsontypes import JSON, dumps
from interpreter.scope import Scope, World
from interpreter.states.dataflow import (
    Mock,
    StateConfiguration,
    select,
)
from interpreter.states.run import Status, TestResult, run_state

_FIELD_IN_CAUSE: Final = re.compile(r"for the field '([^']+)'")

StateHandler = Callable[["Runner", Node, JSON, Mapping[str, JSON], Entered], Gen]
"""Runs a Task, Map or Parallel state after its Entered event: (runner, node, input, variables,
the Entered event) -> `Ok`/`Err`."""


def _region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


class Runner:
    """One run of one execution: the event counter, the clock, the signal cursor, the mocks'
    invocation counters, and the state handlers."""

    def __init__(
        self, start: ExecutionStart, signals: Sequence[Signal], handlers: Mapping[str, StateHandler]
    ) -> None:
        self.start = start
        self.signals = signals
        self.handlers = handlers
        self.signal_index = 0
        self.clock = start.start_time
        self.next_id = 1
        self.prev = 0
        self.silent = 0  # >0 while running a Distributed Map's child workflows (no events of ours)
        self.invocations: dict[str, int] = {}
        seed = int.from_bytes(hashlib.sha256(start.execution_arn.encode()).digest()[:8], "big")
        self.rng = random.Random(seed)
        self.world = World(now=self.clock, rng=self.rng, limits=start.limits)
        self.region = _region_of(start.execution_arn)
        self.context: ExecutionContext | None = None
        self.map_runs = 0
        self.deadline: datetime | None = None  # start + the definition's TimeoutSeconds
        self.calls_made = 0  # service calls asked for so far (their keys)

    # --- events and clock ----------------------------------------------------------------------

    def event(
        self, type_: str, details_key: str | None, details: Mapping[str, Any], prev: int | None = None
    ) -> HistoryEvent:
        """The next event; it becomes the one the following event points back to."""
        event = HistoryEvent(
            id=self.next_id,
            previous_event_id=self.prev if prev is None else prev,
            type=type_,
            timestamp=self.clock,
            details_key=details_key,
            details=details,
        )
        self.next_id += 1
        self.prev = event.id
        return event

    def emit(
        self, type_: str, details_key: str | None, details: Mapping[str, Any], prev: int | None = None
    ) -> Generator[HistoryEvent, None, int]:
        """Yield the next event (nothing inside a Distributed Map's child workflow); its id."""
        if self.silent:
            return self.prev
        event = self.event(type_, details_key, details, prev)
        yield event
        return event.id

    def advance(self, seconds: float) -> None:
        """Move the clock on; reaching the execution's deadline times it out (`TimedOut`, the
        clock left at the deadline)."""
        if seconds > 0:
            clock = self.clock + timedelta(seconds=seconds)
            timed_out = self.deadline is not None and clock >= self.deadline
            if timed_out and self.deadline is not None:
                clock = self.deadline
            self.clock = clock
            self.world = World(now=self.clock, rng=self.rng, limits=self.start.limits)
            if timed_out:
                raise TimedOut()

    def advance_to(self, moment: datetime) -> None:
        if moment > self.clock:
            self.advance((moment - self.clock).total_seconds())

    def next_signal(
        self, tokens: tuple[str, ...], wake_at: datetime | None, calls: tuple[ServiceCall, ...] = ()
    ) -> Signal:
        """The next signal, or `Suspend` (waiting for `tokens`, `wake_at` or the results of
        `calls`) when none is left; a StopRequest aborts. The wake-up time is never later than
        the execution's deadline."""
        if self.signal_index >= len(self.signals):
            if self.deadline is not None and (wake_at is None or self.deadline < wake_at):
                wake_at = self.deadline
            raise Suspend(tokens, wake_at, calls)
        signal = self.signals[self.signal_index]
        self.signal_index += 1
        if isinstance(signal, StopRequest):
            raise Abort(signal)
        return signal

    # --- machines and states -------------------------------------------------------------------

    def machine(
        self,
        machine: SubMachine,
        value: JSON,
        value_text: str | None,
        variables: Mapping[str, JSON],
    ) -> Gen:
        """Run a (sub-)machine from its StartAt to a terminal state: `Ok` or `Err`."""
        name: str | None = machine.start_at
        while name is not None:
            node = machine.states[name]
            outcome = yield from self.state(node, value, value_text, variables)
            if isinstance(outcome, Err):
                return outcome
            value, value_text, variables = outcome.output, outcome.output_text, outcome.variables
            name = outcome.next_state
        return Ok(value, dumps(value) if value_text is None else value_text, variables)

    def state(self, node: Node, value: JSON, value_text: str | None, variables: Mapping[str, JSON]) -> Gen:
        state = node.state
        prefix = ev.STATE_EVENT_PREFIX[state.type]
        text = dumps(value) if value_text is None else value_text
        entered_prev = self.prev
        entered_id = yield from self.emit(
            prefix + "Entered", "stateEnteredEventDetails", ev.entered(node.name, text)
        )
        entered = Entered(entered_id, entered_prev, self.clock, prefix)
        handler = self.handlers.get(state.type)
        if handler is not None:
            return (yield from handler(self, node, value, variables, entered))
        result = self.run_state(node, value, variables, entered)
        if result.status is Status.SUCCEEDED and isinstance(state, WaitState):
            self.wait(node, state, value, variables, entered)
        if (
            state.type == "Fail"
            and result.status is Status.FAILED
            and not _fail_fields_fail(node, value, self.scope(node, value, variables, entered))
        ):
            return Err(result.error, result.cause)
        return (yield from self.conclude(node, result, variables, entered))

    def run_state(
        self,
        node: Node,
        value: JSON,
        variables: Mapping[str, JSON],
        entered: Entered,
        *,
        mock: Mock | None = None,
        retry_count: int = 0,
        token: str | None = None,
        reader_data: str | None = None,
    ) -> TestResult:
        """`run_state` with the execution's context object and clock; `reader_data` is the text a
        Map's ItemReader read (as TestState's ``mapItemReaderData``)."""
        context = self.context_for(node, entered, retry_count, token)
        return run_state(
            node.loaded,
            input=value,
            context=context,
            variables=variables,
            world=self.world,
            mock=mock,
            config=StateConfiguration(retrier_retry_count=retry_count, map_item_reader_data=reader_data),
        )

    def await_call(self, call: ServiceCall) -> ServiceCallResult:
        """Suspend until the service answers `call` (its `ServiceCallResult`); the clock moves to
        the answer's arrival, as for a task token's answer. Any other signal but a StopRequest
        (which aborts) is left behind: none is expected while a call is made."""
        while True:
            signal = self.next_signal((), None, (call,))
            if isinstance(signal, ServiceCallResult) and signal.key == call.key:
                self.advance_to(signal.at)
                return signal
            if isinstance(signal, TimerFired) and not self.start.virtual_clock:
                self.advance_to(signal.at)  # the execution's deadline may have come (TimedOut)

    def context_for(self, node: Node, entered: Entered, retry_count: int, token: str | None) -> JSON:
        if self.context is None:
            raise RuntimeError("the context is built before the first state runs")
        return self.context.for_state(
            node.name, node.state.type, entered.time, retry_count=retry_count, token=token
        )

    def conclude(
        self,
        node: Node,
        result: TestResult,
        variables: Mapping[str, JSON],
        entered: Entered,
        *,
        after: int | None = None,
    ) -> Gen:
        """The end of a state's evaluation: Exited (success or caught error) or a failure.

        A failure that Retry/Catch did not handle and that the state's work did not raise (a path
        that selects nothing, a JSONata error, a quota) is an evaluation failure: recorded as an
        EvaluationFailed event whose cause names the state and its Entered event, with
        previousEventId 0 (recorded: test_assign_reference_variables/
        test_undefined_reference__BASE_UNDEFINED_OUTPUT).
        """
        if result.status in (Status.SUCCEEDED, Status.CAUGHT_ERROR):
            new_variables = result.inspection.get("variables", variables)
            if not isinstance(new_variables, dict):
                new_variables = dict(variables)
            keys = self.assigned_keys(node, result)
            assigned = {key: dumps(new_variables[key]) for key in keys if key in new_variables}
            output_text = result.output_text if result.output_text is not None else dumps(result.output)
            yield from self.emit(
                entered.prefix + "Exited",
                "stateExitedEventDetails",
                ev.exited(node.name, output_text, assigned),
                prev=after,
            )
            return Ok(result.output, output_text, new_variables, result.next_state)
        return (yield from self.evaluation_failed(node, entered, result.error, result.cause))

    def evaluation_failed(self, node: Node, entered: Entered, error: str | None, cause: str | None) -> Gen:
        """A state's evaluation failed and nothing handled it.

        Recorded: the cause is prefixed with the state and its Entered event id (States.Runtime,
        States.QueryEvaluationError: test_base_scenarios/test_invalid_jsonpath__*), except for
        States.DataLimitExceeded (test_states_errors/test_start_large_input). A JSONata state
        records it in an EvaluationFailed event that points where its Entered event points
        (test_assign_reference_variables/test_undefined_reference__*), then a Map records
        MapStateFailed (test_base_scenarios/test_map_state_items_input_types__*); a JSONPath state
        records nothing before ExecutionFailed.
        """
        if error == ErrorName.DATA_LIMIT_EXCEEDED:
            full_cause = cause
        else:
            full_cause = (
                f"An error occurred while executing the state '{node.name}' (entered at the event id"
                f" #{entered.event_id}). {cause or ''}"
            ).rstrip()
        if node.state.is_jsonata:
            details = ev.error_cause(error, full_cause)
            match = _FIELD_IN_CAUSE.search(cause or "")
            if match is not None:
                details["location"] = match.group(1)
            details["state"] = node.name
            yield from self.emit(
                "EvaluationFailed", "evaluationFailedEventDetails", details, prev=entered.prev
            )
            if node.state.type in ("Map", "Parallel"):
                yield from self.emit(entered.prefix[:-5] + "StateFailed", None, {})
        return Err(error, full_cause)

    def assigned_keys(self, node: Node, result: TestResult) -> tuple[str, ...]:
        """The names the state assigned: its Assign's keys, or its catcher's, or its Choice
        rule's too (the rule is found by its Next: the first rule with that target)."""
        if result.status is Status.CAUGHT_ERROR:
            details = result.inspection.get("errorDetails")
            index = details.get("catchIndex") if isinstance(details, dict) else None
            if isinstance(index, int) and index < len(node.catch_assign_keys):
                return node.catch_assign_keys[index]
            return ()
        keys = node.assign_keys
        if node.rule_assign_keys and result.next_state is not None:
            choices = getattr(node.state, "choices", ())
            for index, rule in enumerate(choices):
                if getattr(rule, "next", None) == result.next_state:
                    extra = node.rule_assign_keys[index]
                    keys = keys + tuple(key for key in extra if key not in keys)
                    break
        return keys

    # --- Wait ------------------------------------------------------------------------------------

    def wait(
        self, node: Node, state: WaitState, value: JSON, variables: Mapping[str, JSON], entered: Entered
    ) -> None:
        """Wait until the instant the state names: the virtual clock jumps there; on the real
        clock the execution suspends until a TimerFired at or after it (the clock then reads the
        signal's time)."""
        scope = self.scope(node, value, variables, entered)
        effective = value if state.is_jsonata else select(state.input_path, value, scope)
        target = wait_until(state, scope.with_current(effective), self.clock)
        if target is None or target <= self.clock:
            return
        if self.start.virtual_clock:
            self.advance_to(target)
            return
        while self.clock < target:
            signal = self.next_signal((), target)
            if isinstance(signal, TimerFired):
                self.advance_to(signal.at)

    def scope(
        self, node: Node, value: JSON, variables: Mapping[str, JSON], entered: Entered, retry_count: int = 0
    ) -> Scope:
        return Scope(
            current=value,
            context=self.context_for(node, entered, retry_count, None),
            variables=variables,
            state_input=value,
            world=self.world,
        )

    def backoff(self, retrier: Retrier, count: int) -> float:
        """IntervalSeconds x BackoffRate^count, capped by MaxDelaySeconds; FULL jitter waits a
        random time up to it (drawn from the execution's seeded source: deterministic)."""
        try:
            interval = retrier.interval_seconds * retrier.backoff_rate**count
        except OverflowError:
            interval = float("inf")
        if retrier.max_delay_seconds is not None:
            interval = min(interval, retrier.max_delay_seconds)
        interval = min(interval, 10.0**9)
        if retrier.jitter_strategy == "FULL":
            interval = self.rng.uniform(0, interval)
        return float(interval)


def _fail_fields_fail(node: Node, value: JSON, scope: Scope) -> bool:
    """Whether a Fail state's own Error/Cause fields (paths, intrinsics, JSONata) failed to
    evaluate, rather than giving the state's error and cause."""
    state = node.state
    if not isinstance(state, FailState):
        return False
    for template in (
        state.error if state.error_path is None else state.error_path,
        state.cause if state.cause_path is None else state.cause_path,
    ):
        if template is None:
            continue
        try:
            if not isinstance(template.render(scope), str):
                return True
        except ASLError:
            return True
    return False
