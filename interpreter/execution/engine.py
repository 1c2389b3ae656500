"""The execution engine: walks a compiled definition state by state and yields AWS's history.

Every state is evaluated by `interpreter.states.run.run_state`, the one implementation of the data
flow, Retry/Catch decisions and every state type that TestState uses. The engine adds what a
single evaluation cannot do: it follows transitions, gives a Task its mocked response (or waits for
its task token), really retries (after the backoff, on the execution's clock) and really catches,
runs a Map's iterations and a Parallel's branches with the same stepper (then hands their results
to `run_state` as the state's result, so ResultSelector/ResultPath/Output/Assign are applied by
the same code), keeps the variables of each scope, and records every event as AWS does.

Pure: no I/O, no sleeping, no wall clock. Time is the execution's clock (`start_time` plus what
Wait states and retry backoffs added, or the arrival time of signals); randomness (JSONata
``$random``, retry jitter) comes from a source seeded with the execution ARN.

The event ids and ``previousEventId`` links follow the recorded executions
(tests/conformance/corpus/executions), each rule cited where it is applied.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from interpreter.definition.model import (
    FailState,
    MapState,
    ParallelState,
    Retrier,
    TaskState,
    WaitState,
)
from interpreter.errors import ASLError, DefinitionError, ErrorName, StatesError
from interpreter.execution import events as ev
from interpreter.execution.context import ExecutionContext, execution_context
from interpreter.execution.mock_config import MockResponse
from interpreter.execution.model import (
    ExecutionStart,
    Finished,
    HistoryEvent,
    Signal,
    Step,
    StopRequest,
    Suspended,
    TaskFailure,
    TaskHeartbeat,
    TaskSuccess,
    TimerFired,
    task_token,
)
from interpreter.execution.plan import Node, SubMachine, compile_plan
from interpreter.execution.resources import Resource, parse_resource
from interpreter.execution.waits import task_durations, wait_until
from interpreter.jsontypes import ABSENT, JSON, dumps, loads
from interpreter.map.state import Tolerance, iteration_inputs, map_items, map_tolerance
from interpreter.scope import Scope, World
from interpreter.states.dataflow import (
    DEFAULT_CONFIGURATION,
    Mock,
    MockError,
    StateConfiguration,
    Trace,
    Work,
    render_within_quota,
    select,
)
from interpreter.states.recovery import error_matches
from interpreter.states.run import Status, TestResult, error_output, run_state

__all__ = ["run_execution"]

_Gen = Generator[HistoryEvent, None, Any]

_FIELD_IN_CAUSE: Final = re.compile(r"for the field '([^']+)'")


@dataclass(frozen=True, slots=True)
class _Ok:
    """A (sub-)machine's or state's success: its output (value and text) and the variables."""

    output: JSON
    output_text: str
    variables: Mapping[str, JSON]
    next_state: str | None = None


@dataclass(frozen=True, slots=True)
class _Err:
    """A (sub-)machine's or state's failure."""

    error: str | None
    cause: str | None


class _Suspend(Exception):
    """Raised at a suspension point whose signal has not arrived yet."""

    def __init__(self, tokens: tuple[str, ...], wake_at: datetime | None) -> None:
        self.tokens = tokens
        self.wake_at = wake_at


class _Abort(Exception):
    """A StopRequest arrived."""

    def __init__(self, stop: StopRequest) -> None:
        self.stop = stop


def run_execution(start: ExecutionStart, signals: Sequence[Signal] = ()) -> Iterator[Step]:
    """Run the execution from the beginning, consuming `signals` in order at suspension points.

    Yields every history event (ids 1, 2, ...), then exactly one `Finished`, or a `Suspended`
    when it must wait for something `signals` does not hold. A definition, input or mock can only
    make the execution fail, never this function raise.
    """
    return _Execution(start, signals).run()


def _region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


class _Execution:
    """One run of one execution: the event counter, the clock, the signal cursor, the mocks'
    invocation counters."""

    def __init__(self, start: ExecutionStart, signals: Sequence[Signal]) -> None:
        self.start = start
        self.signals = signals
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

    # --- the whole execution -----------------------------------------------------------------

    def run(self) -> Iterator[Step]:
        start = self.start
        yield self._event("ExecutionStarted", "executionStartedEventDetails", self._started_details())
        self.prev = 0  # recorded: the first state's Entered event has previousEventId 0
        try:
            plan = compile_plan(start.definition)
            value = loads(start.input_text)
        except (DefinitionError, ValueError, ASLError) as error:
            # The service validates both before starting; a direct caller gets a failed execution.
            yield self._event(
                "ExecutionFailed",
                "executionFailedEventDetails",
                ev.error_cause(ErrorName.RUNTIME, str(error)),
            )
            yield self._finished("FAILED", error=ErrorName.RUNTIME, cause=str(error))
            return
        self.context = execution_context(
            execution_arn=start.execution_arn,
            input=value,
            start_time=start.start_time,
            execution_name=start.execution_name,
            role_arn=start.role_arn,
            redrive_count=start.redrive_count,
            redrive_time=None,
            state_machine_arn=start.state_machine_arn,
            state_machine_name=start.state_machine_name,
        )
        try:
            outcome = yield from self._machine(plan.machine, value, start.input_text, {})
        except _Suspend as suspend:
            yield Suspended(suspend.tokens, suspend.wake_at)
            return
        except _Abort as abort:
            self._advance_to(abort.stop.at)
            yield self._event(
                "ExecutionAborted",
                "executionAbortedEventDetails",
                ev.error_cause(abort.stop.error, abort.stop.cause),
            )
            yield self._finished("ABORTED", error=abort.stop.error, cause=abort.stop.cause)
            return
        if isinstance(outcome, _Ok):
            yield self._event(
                "ExecutionSucceeded", "executionSucceededEventDetails", ev.output(outcome.output_text)
            )
            yield self._finished("SUCCEEDED", output_text=outcome.output_text)
        else:
            yield self._event(
                "ExecutionFailed",
                "executionFailedEventDetails",
                ev.error_cause(outcome.error, outcome.cause),
            )
            yield self._finished("FAILED", error=outcome.error, cause=outcome.cause)

    def _started_details(self) -> dict[str, Any]:
        # Recorded: the input text is echoed verbatim (corpus README, "Executions").
        return {
            "input": self.start.input_text,
            "inputDetails": ev.NOT_TRUNCATED,
            "roleArn": self.start.role_arn,
        }

    def _finished(
        self,
        status: str,
        *,
        output_text: str | None = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> Finished:
        return Finished(
            status=status, stop_time=self.clock, output_text=output_text, error=error, cause=cause
        )

    # --- events and clock ----------------------------------------------------------------------

    def _event(
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

    def _emit(
        self, type_: str, details_key: str | None, details: Mapping[str, Any], prev: int | None = None
    ) -> Generator[HistoryEvent, None, int]:
        """Yield the next event (nothing inside a Distributed Map's child workflow); its id."""
        if self.silent:
            return self.prev
        event = self._event(type_, details_key, details, prev)
        yield event
        return event.id

    def _advance(self, seconds: float) -> None:
        if seconds > 0:
            self.clock = self.clock + timedelta(seconds=seconds)
            self.world = World(now=self.clock, rng=self.rng, limits=self.start.limits)

    def _advance_to(self, moment: datetime) -> None:
        if moment > self.clock:
            self._advance((moment - self.clock).total_seconds())

    def _next_signal(self, tokens: tuple[str, ...], wake_at: datetime | None) -> Signal:
        """The next signal, or `_Suspend` when none is left; a StopRequest aborts."""
        if self.signal_index >= len(self.signals):
            raise _Suspend(tokens, wake_at)
        signal = self.signals[self.signal_index]
        self.signal_index += 1
        if isinstance(signal, StopRequest):
            raise _Abort(signal)
        return signal

    # --- machines and states -------------------------------------------------------------------

    def _machine(
        self,
        machine: SubMachine,
        value: JSON,
        value_text: str | None,
        variables: Mapping[str, JSON],
    ) -> _Gen:
        """Run a (sub-)machine from its StartAt to a terminal state: `_Ok` or `_Err`."""
        name: str | None = machine.start_at
        while name is not None:
            node = machine.states[name]
            outcome = yield from self._state(node, value, value_text, variables)
            if isinstance(outcome, _Err):
                return outcome
            value, value_text, variables = outcome.output, outcome.output_text, outcome.variables
            name = outcome.next_state
        return _Ok(value, dumps(value) if value_text is None else value_text, variables)

    def _state(self, node: Node, value: JSON, value_text: str | None, variables: Mapping[str, JSON]) -> _Gen:
        state = node.state
        prefix = ev.STATE_EVENT_PREFIX[state.type]
        text = dumps(value) if value_text is None else value_text
        entered_prev = self.prev
        entered_id = yield from self._emit(
            prefix + "Entered", "stateEnteredEventDetails", ev.entered(node.name, text)
        )
        entered = _Entered(entered_id, entered_prev, self.clock, prefix)
        if isinstance(state, TaskState):
            return (yield from self._task(node, state, value, variables, entered))
        if isinstance(state, MapState):
            return (yield from self._map(node, state, value, variables, entered))
        if isinstance(state, ParallelState):
            return (yield from self._parallel(node, state, value, variables, entered))
        result = self._run(node, value, variables, entered)
        if result.status is Status.SUCCEEDED and isinstance(state, WaitState):
            self._wait(node, state, value, variables, entered)
        if (
            state.type == "Fail"
            and result.status is Status.FAILED
            and not _fail_fields_fail(node, value, self._scope(node, value, variables, entered))
        ):
            return _Err(result.error, result.cause)
        return (yield from self._conclude(node, result, variables, entered))

    def _run(
        self,
        node: Node,
        value: JSON,
        variables: Mapping[str, JSON],
        entered: _Entered,
        *,
        mock: Mock | None = None,
        retry_count: int = 0,
        token: str | None = None,
    ) -> TestResult:
        """`run_state` with the execution's context object and clock."""
        context = self._context_for(node, entered, retry_count, token)
        return run_state(
            node.loaded,
            input=value,
            context=context,
            variables=variables,
            world=self.world,
            mock=mock,
            config=StateConfiguration(retrier_retry_count=retry_count),
        )

    def _context_for(self, node: Node, entered: _Entered, retry_count: int, token: str | None) -> JSON:
        if self.context is None:
            raise RuntimeError("the context is built before the first state runs")
        return self.context.for_state(
            node.name, node.state.type, entered.time, retry_count=retry_count, token=token
        )

    def _conclude(
        self,
        node: Node,
        result: TestResult,
        variables: Mapping[str, JSON],
        entered: _Entered,
        *,
        after: int | None = None,
    ) -> _Gen:
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
            keys = self._assigned_keys(node, result)
            assigned = {key: dumps(new_variables[key]) for key in keys if key in new_variables}
            output_text = result.output_text if result.output_text is not None else dumps(result.output)
            yield from self._emit(
                entered.prefix + "Exited",
                "stateExitedEventDetails",
                ev.exited(node.name, output_text, assigned),
                prev=after,
            )
            return _Ok(result.output, output_text, new_variables, result.next_state)
        return (yield from self._evaluation_failed(node, entered, result.error, result.cause))

    def _evaluation_failed(self, node: Node, entered: _Entered, error: str | None, cause: str | None) -> _Gen:
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
            yield from self._emit(
                "EvaluationFailed", "evaluationFailedEventDetails", details, prev=entered.prev
            )
            if node.state.type in ("Map", "Parallel"):
                yield from self._emit(entered.prefix[:-5] + "StateFailed", None, {})
        return _Err(error, full_cause)

    def _assigned_keys(self, node: Node, result: TestResult) -> tuple[str, ...]:
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

    def _wait(
        self, node: Node, state: WaitState, value: JSON, variables: Mapping[str, JSON], entered: _Entered
    ) -> None:
        """Wait until the instant the state names: the virtual clock jumps there; on the real
        clock the execution suspends until a TimerFired at or after it (the clock then reads the
        signal's time)."""
        scope = self._scope(node, value, variables, entered)
        effective = value if state.is_jsonata else select(state.input_path, value, scope)
        target = wait_until(state, scope.with_current(effective), self.clock)
        if target is None or target <= self.clock:
            return
        if self.start.virtual_clock:
            self._advance_to(target)
            return
        while self.clock < target:
            signal = self._next_signal((), target)
            if isinstance(signal, TimerFired):
                self._advance_to(signal.at)

    def _scope(
        self, node: Node, value: JSON, variables: Mapping[str, JSON], entered: _Entered, retry_count: int = 0
    ) -> Scope:
        return Scope(
            current=value,
            context=self._context_for(node, entered, retry_count, None),
            variables=variables,
            state_input=value,
            world=self.world,
        )

    # --- Task ------------------------------------------------------------------------------------

    def _task(
        self, node: Node, state: TaskState, value: JSON, variables: Mapping[str, JSON], entered: _Entered
    ) -> _Gen:
        resource = parse_resource(state.resource, self.region)
        counts = [0] * len(state.retry)
        retries = 0
        after: int | None = None  # the event the state's Exited points back to
        while True:
            outcome = yield from self._task_attempt(node, state, resource, value, variables, entered, retries)
            result, call_failed, call_event = outcome
            if call_event is not None:
                after = call_event
            if result.status is Status.SUCCEEDED:
                return (yield from self._conclude(node, result, variables, entered, after=after))
            error = result.error or ""
            index = _retrier_index(state.retry, error)
            if index is not None and counts[index] < state.retry[index].max_attempts:
                self._advance(self._backoff(state.retry[index], counts[index]))
                counts[index] += 1
                retries += 1
                continue
            if result.status is Status.RETRIABLE or (
                index is not None
                and result.status is Status.FAILED
                and _catcher_index(state, error) is not None
            ):
                # run_state decided with another retrier's count: decide again with the exhausted one.
                result = self._rerun_for_catch(
                    node, value, variables, entered, result, counts[index or 0], retries
                )
            if result.status is Status.CAUGHT_ERROR:
                return (yield from self._conclude(node, result, variables, entered, after=after))
            if call_failed:
                return _Err(result.error, result.cause)
            return (yield from self._evaluation_failed(node, entered, result.error, result.cause))

    def _rerun_for_catch(
        self,
        node: Node,
        value: JSON,
        variables: Mapping[str, JSON],
        entered: _Entered,
        result: TestResult,
        count: int,
        retries: int,
    ) -> TestResult:
        error = MockError(result.error or "", result.cause)
        return self._run(
            node, value, variables, entered, mock=Mock(error=error), retry_count=max(count, retries)
        )

    def _backoff(self, retrier: Retrier, count: int) -> float:
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

    def _task_attempt(
        self,
        node: Node,
        state: TaskState,
        resource: Resource,
        value: JSON,
        variables: Mapping[str, JSON],
        entered: _Entered,
        retries: int,
    ) -> Generator[HistoryEvent, None, tuple[TestResult, bool, int | None]]:
        """One call of the Task: (run_state's result, whether the call itself failed, the id of
        the event that ended the call)."""
        invocation = self.invocations.get(node.name, 0)
        mocks = self.start.mocks
        response = mocks.response(node.name, invocation) if mocks is not None else None
        waits_for_token = state.resource.endswith(".waitForTaskToken") and response is None
        token = task_token(self.start.execution_arn, self.next_id) if waits_for_token else None
        # First the arguments, as AWS evaluates them before the call.
        probe = self._run(
            node, value, variables, entered, mock=Mock(result=None), retry_count=retries, token=token
        )
        parameters = probe.inspection.get("afterArguments" if state.is_jsonata else "afterParameters", ABSENT)
        if parameters is ABSENT or (
            probe.status is not Status.SUCCEEDED and "result" not in probe.inspection
        ):
            # The arguments (or the durations, credentials) failed before any call.
            return probe, False, None
        self.invocations[node.name] = invocation + 1
        scope = self._scope(node, value, variables, entered)
        timeout, heartbeat = task_durations(state, scope, value)
        if response is None and not waits_for_token:
            return self._no_mock(node, value, variables, entered, retries), False, None
        yield from self._emit(*resource.scheduled(parameters, self.region, timeout, heartbeat))
        yield from self._emit(*resource.started())
        if response is None:
            # A .waitForTaskToken Task without a mocked response: wait for its token.
            response = yield from self._await_token(token or "", resource, timeout, heartbeat)
        if response.is_error:
            event = yield from self._emit(*resource.failed(response.error, response.cause))
            mock = Mock(error=MockError(response.error or "", response.cause))
            result = self._run(node, value, variables, entered, mock=mock, retry_count=retries, token=token)
            return result, True, event
        raw = resource.result_of(response.result)
        event = yield from self._emit(*resource.succeeded(dumps(raw)))
        result = self._run(
            node, value, variables, entered, mock=Mock(result=raw), retry_count=retries, token=token
        )
        return result, False, event

    def _no_mock(
        self, node: Node, value: JSON, variables: Mapping[str, JSON], entered: _Entered, retries: int
    ) -> TestResult:
        """A Task the chosen test case does not mock: the execution fails (a later version calls an
        AWS-compatible endpoint). Not an AWS behaviour; the error and cause are ours."""
        mocks = self.start.mocks
        if mocks is None:
            cause = (
                f"The state '{node.name}' is a Task and the execution has no mock test case: this offline"
                " server runs Tasks with the mocked responses of a mock configuration file"
                " (start the execution with <stateMachineArn>#<TestCase>)"
            )
        else:
            responses = mocks.mocks(node.name)
            if responses is None:
                cause = (
                    f"The mock test case '{mocks.name}' has no mocked response for the state '{node.name}'"
                )
            else:
                cause = (
                    f"The mocked response '{responses.name}' of the state '{node.name}' has no entry for"
                    f" invocation {self.invocations.get(node.name, 1) - 1}"
                )
        return TestResult(status=Status.FAILED, error=ErrorName.RUNTIME, cause=cause)

    def _await_token(
        self, token: str, resource: Resource, timeout: int | None, heartbeat: int | None
    ) -> Generator[HistoryEvent, None, MockResponse]:
        """Suspend until SendTaskSuccess/Failure names the token, or its timeout/heartbeat fires."""
        started = self.clock
        deadline = started + timedelta(seconds=timeout) if timeout is not None else None
        beat = started + timedelta(seconds=heartbeat) if heartbeat is not None else None
        while True:
            wake = min((moment for moment in (deadline, beat) if moment is not None), default=None)
            signal = self._next_signal((token,), wake)
            if isinstance(signal, TaskSuccess) and signal.token == token:
                self._advance_to(signal.at)
                try:
                    output = loads(signal.output_text)
                except ValueError:
                    output = signal.output_text
                return MockResponse(result=output)
            if isinstance(signal, TaskFailure) and signal.token == token:
                self._advance_to(signal.at)
                return MockResponse(is_error=True, error=signal.error, cause=signal.cause)
            if isinstance(signal, TaskHeartbeat) and signal.token == token:
                self._advance_to(signal.at)
                if heartbeat is not None:
                    beat = self.clock + timedelta(seconds=heartbeat)
                continue
            if isinstance(signal, TimerFired) and wake is not None:
                self._advance_to(max(signal.at, wake) if self.start.virtual_clock else signal.at)
                if self.clock < wake:
                    continue
                error = (
                    ErrorName.HEARTBEAT_TIMEOUT
                    if beat is not None and (deadline is None or beat < deadline)
                    else ErrorName.TIMEOUT
                )
                yield from self._emit(*resource.timed_out(error))
                return MockResponse(is_error=True, error=error, cause=None)

    # --- Map -------------------------------------------------------------------------------------

    def _map(
        self, node: Node, state: MapState, value: JSON, variables: Mapping[str, JSON], entered: _Entered
    ) -> _Gen:
        """Map: the items (ItemReader/ItemsPath/Items, ItemSelector, ItemBatcher) as TestState
        evaluates them, MapStateStarted, the iterations, then the Map's own tail through
        `run_state` with the results as its result. A failed Map Run goes through Retry (the whole
        Map runs again: recorded, test_base_scenarios/test_map_state_retry) and Catch."""
        counts = [0] * len(state.retry)
        retries = 0
        while True:
            scope = self._scope(node, value, variables, entered, retries)
            try:
                inner = (
                    scope if state.is_jsonata else scope.with_current(select(state.input_path, value, scope))
                )
                trace = Trace()
                items = map_items(state, inner, trace, Work(None, DEFAULT_CONFIGURATION))
                if state.max_concurrency is not None:
                    state.max_concurrency.evaluate(inner)
                inputs = iteration_inputs(state, inner, trace, items)
            except StatesError:
                # The same evaluation through run_state: it fails the same way, and Catch decides.
                result = self._run(
                    node, value, variables, entered, mock=Mock(result=None), retry_count=retries
                )
                return (yield from self._conclude(node, result, variables, entered))
            yield from self._emit("MapStateStarted", "mapStateStartedEventDetails", {"length": len(inputs)})
            try:
                # Recorded: a bad ToleratedFailureCount(Path) fails the state after MapStateStarted
                # (test_base_scenarios/test_map_state_tolerated_failure_count_path__-1).
                tolerance = map_tolerance(state, inner, trace)
            except StatesError:
                result = self._run(
                    node, value, variables, entered, mock=Mock(result=None), retry_count=retries
                )
                return (yield from self._conclude(node, result, variables, entered))
            processor = node.processor
            if processor is None:
                raise RuntimeError("a Map node has its processor")
            if node.distributed:
                outcome = yield from self._distributed(node, processor, inputs, tolerance)
            else:
                outcome = yield from self._inline(node, processor, inputs, variables, tolerance)
            results, failure, last, exit_prev = outcome
            if failure is None:
                break
            error = failure.error or ""
            index = _retrier_index(state.retry, error)
            if index is not None and counts[index] < state.retry[index].max_attempts:
                self._advance(self._backoff(state.retry[index], counts[index]))
                counts[index] += 1
                retries += 1
                self.prev = last
                continue
            yield from self._emit("MapStateFailed", None, {}, prev=last)
            mock = Mock(error=MockError(error, failure.cause))
            exhausted = max(retries, counts[index] if index is not None else 0)
            result = self._run(node, value, variables, entered, mock=mock, retry_count=exhausted)
            if result.status is Status.CAUGHT_ERROR:
                return (yield from self._conclude(node, result, variables, entered))
            return _Err(failure.error, failure.cause)
        # Recorded (test_base_scenarios/test_map_state): MapStateSucceeded points back at the last
        # iteration's event (a Distributed Map: at MapRunSucceeded), and so does MapStateExited of
        # an inline Map; a Distributed Map's MapStateExited points at MapRunStarted (every recording
        # since 2024-11, e.g. test_base_scenarios/test_map_state_config_distributed_items_path_from_previous;
        # older ones pointed at MapRunSucceeded).
        self.prev = last
        yield from self._emit("MapStateSucceeded", None, {})
        self.prev = exit_prev
        result = self._run(node, value, variables, entered, mock=Mock(result=results), retry_count=retries)
        return (yield from self._conclude(node, result, variables, entered, after=exit_prev))

    def _inline(
        self,
        node: Node,
        processor: SubMachine,
        inputs: list[JSON],
        variables: Mapping[str, JSON],
        tolerance: Tolerance,
    ) -> Generator[HistoryEvent, None, tuple[list[JSON], _Err | None, int, int]]:
        """Inline iterations, one after another (AWS runs them concurrently up to MaxConcurrency;
        the recorded histories use MaxConcurrency 1, whose order this is).

        Recorded (test_base_scenarios/test_map_state, test_map_state_break_condition): each
        MapIterationStarted points back at the previous iteration's last inner event, as do its
        MapIterationSucceeded/Failed; a failing Map's MapStateFailed points at the failing
        iteration's last inner event.
        """
        name = node.name
        results: list[JSON] = []
        failures = 0
        last = self.prev
        for index, item_input in enumerate(inputs):
            yield from self._emit(
                "MapIterationStarted", "mapIterationStartedEventDetails", ev.map_iteration(name, index)
            )
            outcome = yield from self._machine(processor, item_input, None, variables)
            inner_last = self.prev
            if isinstance(outcome, _Ok):
                last = yield from self._emit(
                    "MapIterationSucceeded",
                    "mapIterationSucceededEventDetails",
                    ev.map_iteration(name, index),
                )
                self.prev = inner_last
                results.append(outcome.output)
                continue
            yield from self._emit(
                "MapIterationFailed", "mapIterationFailedEventDetails", ev.map_iteration(name, index)
            )
            self.prev = inner_last
            failures += 1
            if not tolerance.declared or tolerance.exceeded_by(failures, len(inputs)):
                return results, self._map_failure(outcome, tolerance), inner_last, inner_last
            results.append(error_output(StatesError(outcome.error or "", outcome.cause)))
        return results, None, last, last

    def _map_failure(self, outcome: _Err, tolerance: Tolerance) -> _Err:
        if tolerance.declared:
            from interpreter.map.state import THRESHOLD_CAUSE

            return _Err(ErrorName.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
        return outcome

    def _distributed(
        self,
        node: Node,
        processor: SubMachine,
        inputs: list[JSON],
        tolerance: Tolerance,
    ) -> Generator[HistoryEvent, None, tuple[list[JSON], _Err | None, int, int]]:
        """A Distributed Map: its iterations are child workflows whose events are not in this
        history (recorded: MapRunStarted, then MapRunSucceeded or MapRunFailed)."""
        self.map_runs += 1
        arn = self._map_run_arn(node.name)
        started = yield from self._emit("MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": arn})
        results: list[JSON] = []
        failures = 0
        failure: _Err | None = None
        self.silent += 1
        try:
            for item_input in inputs:
                outcome = yield from self._machine(processor, item_input, None, {})
                if isinstance(outcome, _Ok):
                    results.append(outcome.output)
                    continue
                failures += 1
                if not tolerance.declared or tolerance.exceeded_by(failures, len(inputs)):
                    failure = self._map_failure(outcome, tolerance)
                    break
                results.append(error_output(StatesError(outcome.error or "", outcome.cause)))
        finally:
            self.silent -= 1
        if failure is not None:
            last = yield from self._emit(
                "MapRunFailed", "mapRunFailedEventDetails", ev.error_cause(failure.error, failure.cause)
            )
            return results, failure, last, last
        last = yield from self._emit("MapRunSucceeded", None, {})
        return results, None, last, started

    def _map_run_arn(self, state_name: str) -> str:
        """``arn:...:mapRun:<state machine>/<label>:<id>`` (recorded shape); the id is derived
        from the execution ARN, so re-runs agree."""
        parts = self.start.execution_arn.split(":")
        head = ":".join(parts[:5]) if len(parts) >= 5 else "arn:aws:states:us-east-1:000000000000"
        seed = hashlib.sha256(f"{self.start.execution_arn}#{self.map_runs}".encode()).hexdigest()
        label = f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-{seed[20:32]}"
        run_id = f"{seed[32:40]}-{seed[40:44]}-{seed[44:48]}-{seed[48:52]}-{seed[52:64]}"
        return f"{head}:mapRun:{self.start.state_machine_name}/{label}:{run_id}"

    # --- Parallel --------------------------------------------------------------------------------

    def _parallel(
        self, node: Node, state: ParallelState, value: JSON, variables: Mapping[str, JSON], entered: _Entered
    ) -> _Gen:
        """Parallel: the branch input (InputPath/Parameters or Arguments), ParallelStateStarted,
        every branch in order with the same stepper, then the state's tail through `run_state` with
        the branches' outputs as its result. A failed branch fails the state (Retry runs all the
        branches again, Catch applies). Not recorded in the corpus; event links as for Map."""
        counts = [0] * len(state.retry)
        retries = 0
        while True:
            scope = self._scope(node, value, variables, entered, retries)
            try:
                if state.is_jsonata:
                    branch_input = (
                        value
                        if state.arguments is None
                        else render_within_quota(state, state.arguments, scope)
                    )
                else:
                    effective = select(state.input_path, value, scope)
                    branch_input = (
                        effective
                        if state.parameters is None
                        else render_within_quota(state, state.parameters, scope.with_current(effective))
                    )
            except StatesError:
                result = self._run(
                    node, value, variables, entered, mock=Mock(result=None), retry_count=retries
                )
                return (yield from self._conclude(node, result, variables, entered))
            yield from self._emit("ParallelStateStarted", None, {})
            results: list[JSON] = []
            failure: _Err | None = None
            for branch in node.branches:
                outcome = yield from self._machine(branch, branch_input, None, variables)
                if isinstance(outcome, _Err):
                    failure = outcome
                    break
                results.append(outcome.output)
            if failure is None:
                break
            error = failure.error or ""
            index = _retrier_index(state.retry, error)
            if index is not None and counts[index] < state.retry[index].max_attempts:
                self._advance(self._backoff(state.retry[index], counts[index]))
                counts[index] += 1
                retries += 1
                continue
            yield from self._emit("ParallelStateFailed", None, {})
            mock = Mock(error=MockError(error, failure.cause))
            exhausted = max(retries, counts[index] if index is not None else 0)
            result = self._run(node, value, variables, entered, mock=mock, retry_count=exhausted)
            if result.status is Status.CAUGHT_ERROR:
                return (yield from self._conclude(node, result, variables, entered))
            return _Err(failure.error, failure.cause)
        last = self.prev
        yield from self._emit("ParallelStateSucceeded", None, {})
        self.prev = last
        result = self._run(node, value, variables, entered, mock=Mock(result=results), retry_count=retries)
        return (yield from self._conclude(node, result, variables, entered, after=last))


@dataclass(frozen=True, slots=True)
class _Entered:
    """A state's Entered event: its id (causes name it), time and event prefix."""

    event_id: int
    prev: int
    time: datetime
    prefix: str


def _retrier_index(retriers: Sequence[Retrier], error: str) -> int | None:
    return next((i for i, r in enumerate(retriers) if error_matches(r.error_equals, error)), None)


def _catcher_index(state: TaskState, error: str) -> int | None:
    return next((i for i, c in enumerate(state.catch) if error_matches(c.error_equals, error)), None)


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
