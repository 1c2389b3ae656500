"""What a service call gave the Task: its result, or an error and cause under AWS's names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import ABSENT

__all__ = ["TIMEOUT", "CallOutcome"]

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
