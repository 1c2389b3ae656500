"""What a service call gave the Task: its result, or an error and cause under AWS's names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import ABSENT, json_size
from interpreter.states.dataflow import MAX_PAYLOAD_BYTES, data_limit_exceeded

__all__ = ["TIMEOUT", "CallOutcome", "over_quota", "within_quota"]

TIMEOUT: Final = "States.Timeout"


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """A Task's call, done.

    Attributes:
        result: the integration's result as AWS's Task sees it; `ABSENT` when the call failed.
        error: AWS's error name as a Retry/Catch matches it (``DynamoDB.ConditionalCheckFailedException``).
        cause: AWS's cause text.
        parameters_rejected: the Task's parameters could not be used to start the call (an unknown
            field, a value of the wrong type); `error` is then ``States.Runtime`` and `cause` the
            bracketed part of AWS's message, which the caller completes with the state's name:
            "An error occurred while executing the state '<name>' (entered at the event id #<n>).
            The Parameters '<json>' could not be used to start the Task: [<cause>]".
    """

    result: Any = ABSENT
    error: str | None = None
    cause: str | None = None
    parameters_rejected: bool = False

    @property
    def failed(self) -> bool:
        """Did the call fail?"""
        return self.error is not None


def over_quota(task: str) -> CallOutcome:
    """The failure of a call whose result is larger than AWS's 262,144-byte payload quota.

    AWS fails the Task (TaskFailed, so Retry and Catch see it) with States.DataLimitExceeded
    "when the output of a connector is larger than payload size quota" (Developer Guide,
    "Handling errors in Step Functions workflows", error names), naming `task`: the service
    for an integration (``'lambda'`` for ``lambda:invoke``, recorded:
    test_states_errors/test_service_task_lambada_data_limit_exceeded_on_large_utf8_response),
    the function's ARN for a Lambda function ARN Resource.
    """
    too_large = data_limit_exceeded(task)
    return CallOutcome(error=too_large.error, cause=too_large.cause)


def within_quota(outcome: CallOutcome, task: str) -> CallOutcome:
    """`outcome`, or `over_quota` when its result is larger than the payload quota."""
    if outcome.failed or outcome.result is ABSENT or json_size(outcome.result) <= MAX_PAYLOAD_BYTES:
        return outcome
    return over_quota(task)
