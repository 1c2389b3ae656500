"""Parallel states in an execution: every branch with the same stepper, Retry of the whole
state and Catch."""

from __future__ import annotations

from collections.abc import Mapping

from interpreter.definition.model import ParallelState
from interpreter.errors import StatesError
from interpreter.execution.outcomes import Entered, Err, Gen
from interpreter.execution.plan import Node
from interpreter.execution.retrying import Attempts, failed_before_work, not_retried
from interpreter.execution.runner import Runner
from interpreter.jsontypes import JSON
from interpreter.states.dataflow import Mock, render_within_quota, select


def run_parallel(
    run: Runner, node: Node, value: JSON, variables: Mapping[str, JSON], entered: Entered
) -> Gen:
    """The handler of a Parallel state (`interpreter.execution.engine.STATE_HANDLERS`)."""
    state = node.state
    if not isinstance(state, ParallelState):
        raise RuntimeError(f"run_parallel got a {state.type} state")
    return (yield from _parallel(run, node, state, value, variables, entered))


def _parallel(
    run: Runner,
    node: Node,
    state: ParallelState,
    value: JSON,
    variables: Mapping[str, JSON],
    entered: Entered,
) -> Gen:
    """Parallel: the branch input (InputPath/Parameters or Arguments), ParallelStateStarted,
    every branch in order with the same stepper, then the state's tail through `run_state` with
    the branches' outputs as its result. A failed branch fails the state (Retry runs all the
    branches again, Catch applies). Not recorded in the corpus; event links as for Map."""
    attempts = Attempts(state.retry)
    while True:
        scope = run.scope(node, value, variables, entered, attempts.retries)
        try:
            if state.is_jsonata:
                branch_input = (
                    value if state.arguments is None else render_within_quota(state, state.arguments, scope)
                )
            else:
                effective = select(state.input_path, value, scope)
                branch_input = (
                    effective
                    if state.parameters is None
                    else render_within_quota(state, state.parameters, scope.with_current(effective))
                )
        except StatesError:
            return (yield from failed_before_work(run, node, value, variables, entered, attempts.retries))
        yield from run.emit("ParallelStateStarted", None, {})
        results: list[JSON] = []
        failure: Err | None = None
        for branch in node.branches:
            outcome = yield from run.machine(branch, branch_input, None, variables)
            if isinstance(outcome, Err):
                failure = outcome
                break
            results.append(outcome.output)
        if failure is None:
            break
        if attempts.retry(run, failure.error or ""):
            continue
        yield from run.emit("ParallelStateFailed", None, {})
        exhausted = attempts.exhausted(failure.error or "")
        return (yield from not_retried(run, node, value, variables, entered, failure, exhausted))
    last = run.prev
    yield from run.emit("ParallelStateSucceeded", None, {})
    run.prev = last
    result = run.run_state(
        node, value, variables, entered, mock=Mock(result=results), retry_count=attempts.retries
    )
    return (yield from run.conclude(node, result, variables, entered, after=last))
