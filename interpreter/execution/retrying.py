"""Retry and Catch of a Task, Map or Parallel state in an execution.

The three handlers (`tasks`, `maps`, `parallel`) retry the same way: the first retrier whose
ErrorEquals names the error retries it while its MaxAttempts are not spent, after its backoff on
the execution's clock (developer guide, "Handling errors in Step Functions workflows", "Retrying
after an error"); a Map or Parallel runs all its work again. When no retrier takes the error,
`run_state` decides Catch with the error as the state's result, so the catcher chosen, its
ResultPath/Output and Assign are TestState's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from interpreter.definition.model import Retrier, TaskState
from interpreter.execution.outcomes import Entered, Err, Gen
from interpreter.execution.plan import Node
from interpreter.execution.runner import Runner
from interpreter.jsontypes import JSON
from interpreter.states.dataflow import Mock, MockError
from interpreter.states.recovery import error_matches
from interpreter.states.run import Status

__all__ = ["Attempts", "catcher_index", "failed_before_work", "not_retried"]


def _retrier_index(retriers: Sequence[Retrier], error: str) -> int | None:
    """The index of the first retrier whose ErrorEquals matches `error`."""
    return next((i for i, r in enumerate(retriers) if error_matches(r.error_equals, error)), None)


def catcher_index(state: TaskState, error: str) -> int | None:
    """The index of the first catcher whose ErrorEquals matches `error`."""
    return next((i for i, c in enumerate(state.catch) if error_matches(c.error_equals, error)), None)


class Attempts:
    """The retriers' attempt counts of one run of a state (it lives as long as its handler)."""

    __slots__ = ("counts", "retriers", "retries")

    def __init__(self, retriers: Sequence[Retrier]) -> None:
        self.retriers = retriers
        self.counts = [0] * len(retriers)
        self.retries = 0
        """Every retry so far, whichever retrier: ``$$.State.RetryCount``."""

    def matched(self, error: str) -> bool:
        """Whether a retrier names `error` (spent or not)."""
        return _retrier_index(self.retriers, error) is not None

    def retry(self, run: Runner, error: str) -> bool:
        """Whether `error` is retried; if so the execution's clock has moved on by the backoff
        (which may time the execution out: `TimedOut`)."""
        index = _retrier_index(self.retriers, error)
        if index is None or self.counts[index] >= self.retriers[index].max_attempts:
            return False
        run.advance(run.backoff(self.retriers[index], self.counts[index]))
        self.counts[index] += 1
        self.retries += 1
        return True

    def exhausted(self, error: str) -> int:
        """The retry count `run_state` decides with once `error` is retried no more: the spent
        retrier's attempts, or every retry so far if that is more."""
        index = _retrier_index(self.retriers, error)
        return max(self.retries, self.counts[index] if index is not None else 0)


def failed_before_work(
    run: Runner,
    node: Node,
    value: JSON,
    variables: Mapping[str, JSON],
    entered: Entered,
    retries: int,
    reader_data: str | None = None,
) -> Gen:
    """The state's input processing failed before its work started (a path that selects nothing,
    a JSONata error): the same evaluation through `run_state` fails the same way, and the
    state's Retry/Catch decide as in TestState. `reader_data`: a Map's ItemReader text."""
    result = run.run_state(
        node, value, variables, entered, mock=Mock(result=None), retry_count=retries, reader_data=reader_data
    )
    return (yield from run.conclude(node, result, variables, entered))


def not_retried(
    run: Runner,
    node: Node,
    value: JSON,
    variables: Mapping[str, JSON],
    entered: Entered,
    failure: Err,
    retry_count: int,
    reader_data: str | None = None,
) -> Gen:
    """A failure of the state's work that no retrier takes any more: caught, the state exits
    through its catcher; else the failure ends the (sub-)machine. `reader_data`: a Map's
    ItemReader text."""
    mock = Mock(error=MockError(failure.error or "", failure.cause))
    result = run.run_state(
        node, value, variables, entered, mock=mock, retry_count=retry_count, reader_data=reader_data
    )
    if result.status is Status.CAUGHT_ERROR:
        return (yield from run.conclude(node, result, variables, entered))
    return Err(failure.error, failure.cause)
