"""Map states in an execution: the items, MapStateStarted, the iterations (inline: in this
history; distributed: child workflows behind MapRunStarted/MapRunSucceeded), tolerated failures,
Retry of the whole Map and Catch."""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from interpreter.definition.model import MapState
from interpreter.errors import ErrorName, StatesError
from interpreter.execution import events as ev
from interpreter.execution.model import HistoryEvent, ServiceCall
from interpreter.execution.outcomes import Entered, Err, Gen, Ok
from interpreter.execution.plan import Node, SubMachine
from interpreter.execution.result_writer import ChildRun, map_result
from interpreter.execution.retrying import Attempts, failed_before_work, not_retried
from interpreter.execution.runner import Runner
from interpreter.jsontypes import JSON, dumps, loads
from interpreter.map.reader import ItemReader
from interpreter.map.state import THRESHOLD_CAUSE, Tolerance, iteration_inputs, map_items, map_tolerance
from interpreter.scope import Scope
from interpreter.states.dataflow import (
    DEFAULT_CONFIGURATION,
    Mock,
    Trace,
    Work,
    select,
)
from interpreter.states.run import error_output


@dataclass(frozen=True, slots=True, kw_only=True)
class MapRunProgress:
    """Where a Distributed Map's Map Run stands (what DescribeMapRun answers of it), reported to a
    `MapRunWatcher` runner as the run goes: at its start, after each child workflow, at its end.
    Never part of the history (the events stay as recorded); the service replays an execution
    with a watcher to learn it (`interpreter.execution.map_runs`).

    Attributes:
        arn: the Map Run's ARN (MapRunStarted's ``mapRunArn``).
        started_event, ended_event: the ids of MapRunStarted and of MapRunSucceeded/Failed
            (None while it runs): their timestamps are the Map Run's start and stop dates.
        status: RUNNING, SUCCEEDED or FAILED.
        children: child workflows (iterations) in all, one per batch with an ItemBatcher.
        items: items in all (the batches' items with an ItemBatcher, else `children`).
        started, succeeded, failed: child workflows begun, succeeded, failed so far; with
            their items in `started_items`, `succeeded_items`, `failed_items`.
        max_concurrency: MaxConcurrency(Path) evaluated, 0 when absent or not evaluated.
        tolerated_failure_percentage, tolerated_failure_count: evaluated, None when absent.
    """

    arn: str
    started_event: int
    status: str = "RUNNING"
    ended_event: int | None = None
    children: int = 0
    items: int = 0
    started: int = 0
    succeeded: int = 0
    failed: int = 0
    started_items: int = 0
    succeeded_items: int = 0
    failed_items: int = 0
    max_concurrency: int = 0
    tolerated_failure_percentage: float | None = None
    tolerated_failure_count: int | None = None


@runtime_checkable
class MapRunWatcher(Protocol):
    """A runner that wants each `MapRunProgress` of the Map Runs in its history."""

    def map_run_progress(self, progress: MapRunProgress) -> None: ...


@dataclass(slots=True)
class _Watch:
    """What a `MapRunWatcher` runner is told of one Map Run as it goes (a replay's runner only:
    `run_execution`'s own runner is not a watcher, and its Map Runs compute none of this)."""

    watcher: MapRunWatcher
    progress: MapRunProgress

    def report(self, **changes: Any) -> None:
        self.progress = replace(self.progress, **changes)
        self.watcher.map_run_progress(self.progress)


def _watch(
    run: Runner,
    state: MapState,
    scope: Scope,
    arn: str,
    started: int,
    children: list[JSON],
    tolerance: Tolerance,
) -> _Watch | None:
    """The Map Run's watch, told its start, when `run` watches Map Runs; None otherwise."""
    if not isinstance(run, MapRunWatcher) or run.silent:
        return None
    watch = _Watch(
        run,
        MapRunProgress(
            arn=arn,
            started_event=started,
            children=len(children),
            items=sum(_batch_size(state, child) for child in children),
            max_concurrency=_max_concurrency(state, scope),
            tolerated_failure_percentage=tolerance.percentage,
            tolerated_failure_count=tolerance.count,
        ),
    )
    run.map_run_progress(watch.progress)
    return watch


def _batch_size(state: MapState, child_input: JSON) -> int:
    """The items one child workflow processes: its batch's ``Items`` with an ItemBatcher, else 1."""
    if state.item_batcher is not None and isinstance(child_input, dict):
        items = child_input.get("Items")
        if isinstance(items, list):
            return len(items)
    return 1


def _max_concurrency(state: MapState, scope: Scope) -> int:
    """MaxConcurrency(Path) as evaluated for the Map Run (0: no limit, AWS's default); 0 too when
    it does not evaluate (the Map Run then failed before its iterations)."""
    if state.max_concurrency is None:
        return 0
    try:
        return int(state.max_concurrency.evaluate(scope))
    except (StatesError, TypeError, ValueError):
        return 0


def run_map(run: Runner, node: Node, value: JSON, variables: Mapping[str, JSON], entered: Entered) -> Gen:
    """The handler of a Map state (`interpreter.execution.engine.STATE_HANDLERS`)."""
    state = node.state
    if not isinstance(state, MapState):
        raise RuntimeError(f"run_map got a {state.type} state")
    return (yield from _map(run, node, state, value, variables, entered))


def _map(
    run: Runner, node: Node, state: MapState, value: JSON, variables: Mapping[str, JSON], entered: Entered
) -> Gen:
    """Map: the items (ItemReader/ItemsPath/Items, ItemSelector, ItemBatcher) as TestState
    evaluates them, MapStateStarted, the iterations, then the Map's own tail through
    `run_state` with the results as its result. A failed Map Run goes through Retry (the whole
    Map runs again: recorded, test_base_scenarios/test_map_state_retry) and Catch.

    With service calls on, an ItemReader reads its S3 source inside the Map Run (`_read_inputs`);
    `data` is then the text the Map's own evaluations read as ``mapItemReaderData``. A Distributed
    Map's ResultWriter shapes its result and exports it at the end of the Map Run
    (`interpreter.execution.result_writer`).
    """
    attempts = Attempts(state.retry)
    reader = state.item_reader
    reads = reader is not None and reader.fetchable and reader.call_resource in run.start.service_calls
    # A reader that is not read here fails the Map (`_unread`): a Distributed Map's Map Run, an
    # INLINE Map's iterations (which never start).
    in_run = reader is not None
    while True:
        data = reader.empty_source() if reader is not None and in_run else None
        scope = run.scope(node, value, variables, entered, attempts.retries)
        inputs: list[JSON] = []
        try:
            inner = scope if state.is_jsonata else scope.with_current(select(state.input_path, value, scope))
            if not in_run:
                inputs = _inputs(state, inner, None)
        except StatesError:
            return (
                yield from failed_before_work(run, node, value, variables, entered, attempts.retries, data)
            )
        # Recorded (test_base_scenarios/test_map_item_reader_base_json): a Map reading its items
        # from S3 reports length 0; they are read in the Map Run.
        yield from run.emit("MapStateStarted", "mapStateStartedEventDetails", {"length": len(inputs)})
        try:
            # Recorded: a bad ToleratedFailureCount(Path) fails the state after MapStateStarted
            # (test_base_scenarios/test_map_state_tolerated_failure_count_path__-1).
            tolerance = map_tolerance(state, inner, Trace())
        except StatesError:
            return (
                yield from failed_before_work(run, node, value, variables, entered, attempts.retries, data)
            )
        processor = node.processor
        if processor is None:
            raise RuntimeError("a Map node has its processor")
        if node.distributed:
            run.map_runs += 1
            arn = _map_run_arn(run, node.name)
            started = yield from run.emit("MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": arn})
        # The reader's source is read here: inside a Distributed Map's Map Run, before an INLINE
        # Map's iterations (not recorded; ours: AWS documents ItemReader for Distributed Maps only,
        # and this schema accepts it in an INLINE Map too, no AWS rule against it being found, so
        # it is read the same way rather than ignored). One not read here fails the Map (`_unread`).
        read_failure: Err | None = None
        if reader is not None:
            read, text = _read_inputs(run, node, state, inner) if reads else (_unread(reader), None)
            if isinstance(read, Err):
                read_failure = read
            else:
                inputs, data = read, text
        if node.distributed:
            outcome = yield from _distributed(
                run, node, state, inner, arn, processor, inputs, tolerance, started, read_failure
            )
        elif read_failure is not None:
            outcome = ([], read_failure, run.prev, run.prev)
        else:
            outcome = yield from _inline(run, node, processor, inputs, variables, tolerance)
        results, failure, last, exit_prev = outcome
        if failure is None:
            break
        if attempts.retry(run, failure.error or ""):
            run.prev = last
            continue
        yield from run.emit("MapStateFailed", None, {}, prev=last)
        exhausted = attempts.exhausted(failure.error or "")
        return (yield from not_retried(run, node, value, variables, entered, failure, exhausted, data))
    # Recorded (test_base_scenarios/test_map_state): MapStateSucceeded points back at the last
    # iteration's event (a Distributed Map: at MapRunSucceeded), and so does MapStateExited of
    # an inline Map; a Distributed Map's MapStateExited points at MapRunStarted (every recording
    # since 2024-11, e.g. test_base_scenarios/test_map_state_config_distributed_items_path_from_previous;
    # older ones pointed at MapRunSucceeded).
    run.prev = last
    yield from run.emit("MapStateSucceeded", None, {})
    run.prev = exit_prev
    result = run.run_state(
        node,
        value,
        variables,
        entered,
        mock=Mock(result=results),
        retry_count=attempts.retries,
        reader_data=data,
    )
    return (yield from run.conclude(node, result, variables, entered, after=exit_prev))


def _inputs(state: MapState, scope: Scope, data: str | None) -> list[JSON]:
    """The iterations' inputs as TestState evaluates them (items, MaxConcurrency, ItemSelector,
    ItemBatcher), `data` standing for the ItemReader's source."""
    config = (
        DEFAULT_CONFIGURATION if data is None else replace(DEFAULT_CONFIGURATION, map_item_reader_data=data)
    )
    trace = Trace()
    items = map_items(state, scope, trace, Work(None, config))
    if state.max_concurrency is not None:
        state.max_concurrency.evaluate(scope)
    return iteration_inputs(state, scope, trace, items)


def _read_inputs(
    run: Runner, node: Node, state: MapState, scope: Scope
) -> tuple[list[JSON] | Err, str | None]:
    """The ItemReader's read, made by the service (a `ServiceCall` naming the reader's canonical
    Resource, with its evaluated Parameters/Arguments), then parsed as ``mapItemReaderData`` is:
    the iterations' inputs and the text read, or the Map Run's failure.

    Recorded (test_base_scenarios/test_map_item_reader_json_no_json_list_object,
    ..._csv_max_items_paths__-1): what the read finds wrong fails the Map Run with
    ``States.ItemReaderFailed``. Not recorded; ours: a failed S3 call (no such bucket or key) is
    ``States.ItemReaderFailed`` too, with S3's cause; Parameters that fail to evaluate fail the
    Map Run with their own error, before any call. A LOAD_AND_FLATTEN listing or an S3 inventory
    is one call too: the service reads every object, the reader flattens them into the text it
    parses (`ItemReader.fetched_text`), which also stands for the source in the Map's own
    evaluations."""
    reader = state.item_reader
    if reader is None:
        raise RuntimeError("_read_inputs needs an ItemReader")
    try:
        parameters = reader.evaluate_arguments(scope)
    except StatesError as err:
        return Err(err.error, err.cause), None
    call = ServiceCall(
        f"{node.name}#{run.calls_made}",
        reader.call_resource,
        dumps(reader.read_request(parameters)),
        run.region,
    )
    run.calls_made += 1
    answer = run.await_call(call)
    if answer.error is not None:
        return Err(ErrorName.ITEM_READER_FAILED, answer.cause), None
    fetched = loads(answer.result_text) if answer.result_text is not None else None
    try:
        text = reader.fetched_text(fetched)
        return _inputs(state, scope, text), text
    except StatesError as err:
        return Err(err.error, err.cause), None


def _unread(reader: ItemReader) -> Err:
    """The Map Run's failure when its ItemReader's source cannot be read here: service calls are
    off (nothing leaves the server), or the source is one the service does not fetch
    (`ItemReader.fetchable`: PARQUET, Athena manifests). Not an AWS behaviour (AWS reads it);
    ours: the Map Run fails as a failed read does, with ``States.ItemReaderFailed`` and a cause
    that says why."""
    if not reader.fetchable:
        why = reader.unfetchable_cause()
    else:
        why = "service calls are off (TESTSTATE_SERVICE_CALLS), so nothing is read from S3"
    return Err(ErrorName.ITEM_READER_FAILED, f"The ItemReader's source was not read: {why}")


def _inline(
    run: Runner,
    node: Node,
    processor: SubMachine,
    inputs: list[JSON],
    variables: Mapping[str, JSON],
    tolerance: Tolerance,
) -> Generator[HistoryEvent, None, tuple[JSON, Err | None, int, int]]:
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
    last = run.prev
    for index, item_input in enumerate(inputs):
        yield from run.emit(
            "MapIterationStarted", "mapIterationStartedEventDetails", ev.map_iteration(name, index)
        )
        outcome = yield from run.machine(processor, item_input, None, variables)
        inner_last = run.prev
        if isinstance(outcome, Ok):
            last = yield from run.emit(
                "MapIterationSucceeded",
                "mapIterationSucceededEventDetails",
                ev.map_iteration(name, index),
            )
            run.prev = inner_last
            results.append(outcome.output)
            continue
        yield from run.emit(
            "MapIterationFailed", "mapIterationFailedEventDetails", ev.map_iteration(name, index)
        )
        run.prev = inner_last
        failures += 1
        failure = _beyond_tolerance(outcome, failures, len(inputs), tolerance)
        if failure is not None:
            return results, failure, inner_last, inner_last
        results.append(error_output(StatesError(outcome.error or "", outcome.cause)))
    return results, None, last, last


def _beyond_tolerance(outcome: Err, failures: int, total: int, tolerance: Tolerance) -> Err | None:
    """The Map's failure when its `failures`-th failed iteration (of `total`) is more than it
    tolerates; else None, and the iteration's error output joins the results (developer guide,
    "Setting failure thresholds for Distributed Map states")."""
    if not tolerance.declared:
        return outcome
    if tolerance.exceeded_by(failures, total):
        return Err(ErrorName.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
    return None


def _distributed(
    run: Runner,
    node: Node,
    state: MapState,
    scope: Scope,
    arn: str,
    processor: SubMachine,
    inputs: list[JSON],
    tolerance: Tolerance,
    started: int,
    failure: Err | None,
) -> Generator[HistoryEvent, None, tuple[JSON, Err | None, int, int]]:
    """A Distributed Map's iterations, after its MapRunStarted (`started`): child workflows whose
    events are not in this history (recorded: MapRunSucceeded or MapRunFailed follows). A
    `failure` (its ItemReader's) fails the Map Run before any iteration. The children's results
    become the Map's result, through its ResultWriter when it has one (whose export is part of
    the Map Run: a refused write is a MapRunFailed)."""
    children: list[ChildRun] = []
    failures = 0
    watch = _watch(run, state, scope, arn, started, [] if failure is not None else inputs, tolerance)
    run.silent += 1
    try:
        for index, item_input in enumerate(inputs if failure is None else []):
            begun = run.clock
            size = _batch_size(state, item_input) if watch is not None else 0
            if watch is not None:
                now = watch.progress
                watch.report(started=now.started + 1, started_items=now.started_items + size)
            outcome = yield from run.machine(processor, item_input, None, {})
            if watch is not None:
                now = watch.progress
                if isinstance(outcome, Ok):
                    watch.report(succeeded=now.succeeded + 1, succeeded_items=now.succeeded_items + size)
                else:
                    watch.report(failed=now.failed + 1, failed_items=now.failed_items + size)
            if isinstance(outcome, Ok):
                children.append(
                    ChildRun(
                        index, item_input, outcome.output, outcome.output_text, None, None, begun, run.clock
                    )
                )
                continue
            children.append(
                ChildRun(index, item_input, None, None, outcome.error, outcome.cause, begun, run.clock)
            )
            failures += 1
            failure = _beyond_tolerance(outcome, failures, len(inputs), tolerance)
            if failure is not None:
                break
    finally:
        run.silent -= 1
    result: JSON = None
    if failure is None:
        ended = map_result(run, node.name, state.result_writer, scope, arn, children)
        if isinstance(ended, Err):
            failure = ended
        else:
            result = ended
    if failure is not None:
        last = yield from run.emit(
            "MapRunFailed", "mapRunFailedEventDetails", ev.error_cause(failure.error, failure.cause)
        )
        if watch is not None:
            watch.report(status="FAILED", ended_event=last)
        return result, failure, last, last
    last = yield from run.emit("MapRunSucceeded", None, {})
    if watch is not None:
        watch.report(status="SUCCEEDED", ended_event=last)
    return result, None, last, started


def _map_run_arn(run: Runner, state_name: str) -> str:
    """``arn:...:mapRun:<state machine>/<label>:<id>`` (recorded shape); the id is derived
    from the execution ARN, so re-runs agree."""
    parts = run.start.execution_arn.split(":")
    head = ":".join(parts[:5]) if len(parts) >= 5 else "arn:aws:states:us-east-1:000000000000"
    seed = hashlib.sha256(f"{run.start.execution_arn}#{run.map_runs}".encode()).hexdigest()
    label = f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-{seed[20:32]}"
    run_id = f"{seed[32:40]}-{seed[40:44]}-{seed[44:48]}-{seed[48:52]}-{seed[52:64]}"
    return f"{head}:mapRun:{run.start.state_machine_name}/{label}:{run_id}"
