"""Retry and Catch: which retrier or catcher handles an error, and what TestState reports for it.

TestState never retries or sleeps: it runs the state once and *reports* what the execution would
do next (recorded: ``aws/test_state_configuration/test_state_configuration_retrier_retry_count__*``).
The caller says which attempt this is (``stateConfiguration.retrierRetryCount``) and this module
decides, as a value:

- the first retrier (in ``Retry`` order) whose ``ErrorEquals`` matches the error handles it; while
  the count is below its ``MaxAttempts`` the state is RETRIABLE with the backoff the execution
  would wait; once exhausted, its index is still reported and the catchers are tried;
- the first catcher (in ``Catch`` order) whose ``ErrorEquals`` matches catches it: CAUGHT_ERROR;
- otherwise the state FAILED.

Matching follows the ASL spec's and AWS's error-name rules (`error_matches`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from interpreter.definition.model import Catcher, Retrier
from interpreter.errors import ErrorName

MAX_REPORTED_SECONDS = 2**31 - 1
"""``retryBackoffIntervalSeconds`` is an Integer in the API model; AWS computes the interval in
floating point and a Java ``(int)`` conversion saturates at this value (so do we)."""


def error_matches(error_equals: Sequence[str], error: str) -> bool:
    """Does a retrier's or catcher's ``ErrorEquals`` match this error name?

    - An exact name matches itself (names are case-sensitive).
    - ``States.ALL`` matches any error except ``States.Runtime``. AWS's guide: "A retry or catch
      on States.ALL won't catch States.Runtime errors". The same guide says ``States.ALL`` does
      not catch ``States.DataLimitExceeded`` either, but AWS executions recorded in the
      conformance corpus (``test_states_errors/*catch_state_all_data_limit_exceeded*``) were caught
      by ``States.ALL``: the recording wins.
    - ``States.TaskFailed`` "acts as a wildcard that matches any known error name except for
      States.Timeout" (ASL spec, appendix A); not ``States.Runtime`` either (below).
    - ``States.Runtime`` is terminal: AWS's guide says it "isn't retriable, and will always cause
      the execution to fail", and a recorded execution with ``Catch: [{ErrorEquals:
      [States.Runtime]}]`` failed (``test_base_scenarios/test_catch_states_runtime``). No rule
      matches it, not even its own name.
    """
    if error == ErrorName.RUNTIME:
        return False
    if error in error_equals or ErrorName.ALL in error_equals:
        return True
    return ErrorName.TASK_FAILED in error_equals and error != ErrorName.TIMEOUT


def backoff_seconds(retrier: Retrier, retry_count: int) -> int:
    """The wait before retry number ``retry_count + 1``, as ``retryBackoffIntervalSeconds``.

    ``IntervalSeconds x BackoffRate ^ retry_count`` (consistent with every recorded value: (1, 2.0,
    count 4) -> 16, (2, 2, 0) -> 2, (2, 2, 1) -> 4), capped by ``MaxDelaySeconds`` (ASL: "the maximum
    value, in seconds, to which a retry interval can increase"), then truncated to an integer
    (the member is an Integer; fractional intervals such as 1.5 s are not recorded: truncation is
    what a Java ``(int)`` conversion does).

    ``JitterStrategy: FULL`` makes a real execution wait a random time between 0 and that value.
    TestState's answer for it is not recorded; this server reports the un-jittered value (the
    upper bound of the random wait), so answers stay deterministic and a test can assert them.
    """
    try:
        interval = retrier.interval_seconds * math.pow(retrier.backoff_rate, retry_count)
    except OverflowError:
        interval = math.inf
    if retrier.max_delay_seconds is not None:
        interval = min(interval, retrier.max_delay_seconds)
    return int(min(interval, MAX_REPORTED_SECONDS))


@dataclass(frozen=True, slots=True)
class Decision:
    """What the execution would do with an error: retry, catch or fail.

    Attributes:
        retry_index: the index in ``Retry`` of the first matching retrier (None if none matched);
            reported whether or not it still retries (recorded for FAILED after exhausted retries).
        backoff: the backoff in seconds when that retrier still retries (the state is RETRIABLE).
        catch_index: the index in ``Catch`` of the catcher that caught the error.
    """

    retry_index: int | None = None
    backoff: int | None = None
    catch_index: int | None = None

    @property
    def retriable(self) -> bool:
        return self.backoff is not None

    def details(self) -> dict[str, int]:
        """``inspectionData.errorDetails`` for this decision (empty when nothing matched).

        The members are those of the API's InspectionErrorDetails; ``retryIndex`` with
        ``catchIndex`` (a catcher after exhausted retries) is not recorded: it is reported here
        because both facts hold (our reading).
        """
        details: dict[str, int] = {}
        if self.catch_index is not None:
            details["catchIndex"] = self.catch_index
        if self.retry_index is not None:
            details["retryIndex"] = self.retry_index
        if self.backoff is not None:
            details["retryBackoffIntervalSeconds"] = self.backoff
        return details


def decide(
    retriers: Sequence[Retrier], catchers: Sequence[Catcher], error: str, retry_count: int
) -> Decision:
    """Retriers before catchers, the first match of each in order (ASL "Retrying after an error"
    and "Fallback states"); ``MaxAttempts: 0`` never retries."""
    retry_index = next((i for i, r in enumerate(retriers) if error_matches(r.error_equals, error)), None)
    if retry_index is not None:
        retrier = retriers[retry_index]
        if retry_count < retrier.max_attempts:
            return Decision(retry_index=retry_index, backoff=backoff_seconds(retrier, retry_count))
    catch_index = next((i for i, c in enumerate(catchers) if error_matches(c.error_equals, error)), None)
    return Decision(retry_index=retry_index, catch_index=catch_index)
