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

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Final

from interpreter.errors import ASLError, ErrorName
from interpreter.execution import events as ev
from interpreter.execution.context import execution_context
from interpreter.execution.maps import run_map
from interpreter.execution.model import ExecutionStart, Finished, Signal, Step, StopRequest, Suspended
from interpreter.execution.outcomes import Abort, Ok, Suspend, TimedOut
from interpreter.execution.parallel import run_parallel
from interpreter.execution.plan import compile_plan
from interpreter.execution.runner import Runner, StateHandler
from interpreter.execution.tasks import run_task
from interpreter.jsontypes import loads

__all__ = ["STATE_HANDLERS", "drive", "run_execution"]

STATE_HANDLERS: Final[Mapping[str, StateHandler]] = {
    "Task": run_task,
    "Map": run_map,
    "Parallel": run_parallel,
}
"""The state types the runner hands over after their Entered event; the others (Pass, Wait,
Choice, Succeed, Fail) are one `run_state` evaluation in `Runner.state`."""

if set(STATE_HANDLERS) - set(ev.STATE_EVENT_PREFIX):
    raise RuntimeError("every handled state type has history events")


def run_execution(start: ExecutionStart, signals: Sequence[Signal] = ()) -> Iterator[Step]:
    """Run the execution from the beginning, consuming `signals` in order at suspension points.

    Yields every history event (ids 1, 2, ...), then exactly one `Finished`, or a `Suspended`
    when it must wait for something `signals` does not hold. A definition, input or mock can only
    make the execution fail, never this function raise.
    """
    return drive(Runner(start, signals, STATE_HANDLERS))


def drive(run: Runner) -> Iterator[Step]:
    """The whole execution: ExecutionStarted, the top-level machine, the terminal event, driven by
    `run` (`run_execution`'s own, or a runner that watches it: `interpreter.execution.map_runs`)."""
    start = run.start
    yield run.event(
        "ExecutionStarted",
        "executionStartedEventDetails",
        ev.execution_started(start.input_text, start.role_arn, start.state_machine_version_arn),
    )
    run.prev = 0  # recorded: the first state's Entered event has previousEventId 0
    try:
        plan = compile_plan(start.definition)
        value = loads(start.input_text)
    except (ValueError, ASLError) as error:  # DefinitionError is an ASLError
        # The service validates both before starting; a direct caller gets a failed execution.
        yield run.event(
            "ExecutionFailed",
            "executionFailedEventDetails",
            ev.error_cause(ErrorName.RUNTIME, str(error)),
        )
        yield _finished(run, "FAILED", error=ErrorName.RUNTIME, cause=str(error))
        return
    run.context = execution_context(
        execution_arn=start.execution_arn,
        input=value,
        start_time=start.start_time,
        execution_name=start.execution_name,
        role_arn=start.role_arn,
        redrive_count=start.redrive_count,
        redrive_time=None,
        state_machine_arn=start.state_machine_arn,
        state_machine_name=start.state_machine_name,
        express=start.express,
    )
    if plan.timeout_seconds is not None:
        run.deadline = start.start_time + timedelta(seconds=plan.timeout_seconds)
    try:
        outcome = yield from run.machine(plan.machine, value, start.input_text, {})
    except Suspend as suspend:
        yield Suspended(suspend.tokens, suspend.wake_at, suspend.calls)
        return
    except Abort as abort:
        yield from _aborted(run, abort.stop)
        return
    except TimedOut:
        yield from _timed_out(run)
        return
    except Exception as error:  # a bug of the engine: the execution fails, nothing is raised
        # Not an AWS behaviour; ours: the contract above (never raise) holds even for a case the
        # engine does not handle, so the execution ends (FAILED, States.Runtime, the cause naming
        # what went wrong) instead of staying RUNNING with its runner failing at every round.
        cause = f"The execution could not go on: {type(error).__name__}: {error}"
        yield run.event(
            "ExecutionFailed", "executionFailedEventDetails", ev.error_cause(ErrorName.RUNTIME, cause)
        )
        yield _finished(run, "FAILED", error=ErrorName.RUNTIME, cause=cause)
        return
    if isinstance(outcome, Ok):
        yield run.event(
            "ExecutionSucceeded", "executionSucceededEventDetails", ev.output(outcome.output_text)
        )
        yield _finished(run, "SUCCEEDED", output_text=outcome.output_text)
    else:
        yield run.event(
            "ExecutionFailed",
            "executionFailedEventDetails",
            ev.error_cause(outcome.error, outcome.cause),
        )
        yield _finished(run, "FAILED", error=outcome.error, cause=outcome.cause)


def _aborted(run: Runner, stop: StopRequest) -> Iterator[Step]:
    """StopExecution: ExecutionAborted, whose previousEventId is 0 (recorded:
    api/test_sfn_api/test_stop_execution, stopped during a Wait). The states interrupted get
    no event of their own there (no WaitStateAborted); AWS records TaskStateAborted /
    MapIterationAborted only for the iterations a failing Map cuts short while they run
    concurrently, which never happens here (iterations run one after another)."""
    try:
        run.advance_to(stop.at)
    except TimedOut:
        # The stop came after the execution's deadline: it had timed out by then.
        yield from _timed_out(run)
        return
    yield run.event(
        "ExecutionAborted",
        "executionAbortedEventDetails",
        ev.error_cause(stop.error, stop.cause),
        prev=0,
    )
    yield _finished(run, "ABORTED", error=stop.error, cause=stop.cause)


def _timed_out(run: Runner) -> Iterator[Step]:
    """The definition's TimeoutSeconds ran out (the clock stands at the deadline).

    AWS: "If the execution runs longer than the specified time, the execution fails with a
    States.Timeout error" (developer guide, "Error handling", States.Timeout); the status is
    TIMED_OUT. An AWS recording of such an execution (LocalStack's
    tests/aws/services/stepfunctions/v2/timeouts test_global_timeout, not in our corpus)
    shows DescribeExecution without error or cause, so Finished carries none; the
    ExecutionTimedOut event carries the error as TaskTimedOut does. Its previousEventId is
    not recorded; ours: 0, as for ExecutionAborted (both end the execution from outside its
    states)."""
    yield run.event(
        "ExecutionTimedOut",
        "executionTimedOutEventDetails",
        ev.error_cause(ErrorName.TIMEOUT.value, None),
        prev=0,
    )
    yield _finished(run, "TIMED_OUT")


def _finished(
    run: Runner,
    status: str,
    *,
    output_text: str | None = None,
    error: str | None = None,
    cause: str | None = None,
) -> Finished:
    return Finished(status=status, stop_time=run.clock, output_text=output_text, error=error, cause=cause)
