"""The core's exception family: every error the interpreter raises on purpose, in one module.

```
ASLError
├── DefinitionError     the definition is not valid ASL (service: InvalidDefinition)
├── ExpressionError     an expression does not compile; the loader adds the field's pointer
├── StatesError         a runtime failure of the state: data in the answer, never an HTTP error
│   └── JsonataEvaluationError
├── PathMissing         a definite JSONPath matched nothing; its caller words the StatesError
└── RequestError        the request cannot be served as asked (service: a 400, chosen by class)
    ├── StateNotFound
    ├── UnsupportedState
    ├── IterationCountError
    ├── ItemReaderDataMissing
    ├── ItemReaderDataUnsupported
    └── ContextError
```

A `StatesError` is caught at the state boundary and becomes a status (FAILED, CAUGHT_ERROR,
RETRIABLE) with its error and cause. A `RequestError` carries AWS's whole message (or ours, where
AWS's is not recorded) as ``message``; the service maps each class to its API error in one table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from interpreter.jsontypes import JSON, dumps


class ErrorName(StrEnum):
    """The predefined ASL error names (Amazon States Language, "Error names")."""

    ALL = "States.ALL"
    HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
    TIMEOUT = "States.Timeout"
    TASK_FAILED = "States.TaskFailed"
    PERMISSIONS = "States.Permissions"
    RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
    PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
    BRANCH_FAILED = "States.BranchFailed"
    NO_CHOICE_MATCHED = "States.NoChoiceMatched"
    INTRINSIC_FAILURE = "States.IntrinsicFailure"
    EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
    ITEM_READER_FAILED = "States.ItemReaderFailed"
    RESULT_WRITER_FAILED = "States.ResultWriterFailed"
    QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
    RUNTIME = "States.Runtime"
    DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"


class ASLError(Exception):
    """Root of every error the interpreter raises on purpose."""


# ---------------------------------------------------------------------------------------------
# The definition
# ---------------------------------------------------------------------------------------------
class DefinitionError(ASLError):
    """The definition is not valid ASL.

    AWS reports these as ``Invalid State Machine Definition: '<CODE>: <detail> at <pointer>'``.
    """

    def __init__(self, detail: str, pointer: str, code: str = "SCHEMA_VALIDATION_FAILED") -> None:
        self.detail = detail
        self.pointer = pointer
        self.code = code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The text inside AWS's quotes: ``<CODE>: <detail> at <pointer>``."""
        if self.pointer:
            return f"{self.code}: {self.detail} at {self.pointer}"
        return f"{self.code}: {self.detail}"


class ExpressionError(ASLError):
    """An expression (JSONPath, JSONata, intrinsic, template) does not compile.

    Raised without a location; the loader attaches the JSON pointer of the field.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


# ---------------------------------------------------------------------------------------------
# Runtime failures of the state
# ---------------------------------------------------------------------------------------------
class StatesError(ASLError):
    """A runtime failure of the state under test, with the ASL error name and cause."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}" if cause is not None else error)


class JsonataEvaluationError(StatesError):
    """``States.QueryEvaluationError`` raised by an evaluation, with the parts of its cause.

    Attributes:
        source: the expression inside ``{% %}``.
        detail: ``<code>: <message>`` for a runtime error, or None when the result was
            undefined (then the field's evaluation words the cause).
    """

    def __init__(self, source: str, detail: str | None) -> None:
        self.source = source
        self.detail = detail
        if detail is None:
            cause = f"The JSONata expression '{source}' returned nothing (undefined)."
        else:
            cause = f"The JSONata expression '{source}' threw an error during evaluation. {detail}"
        super().__init__(ErrorName.QUERY_EVALUATION_ERROR.value, cause)


def dumps_lenient(value: JSON) -> str:
    """Compact JSON for messages; never raises (messages must not fail)."""
    try:
        return dumps(value)
    except (TypeError, ValueError, RecursionError):
        return str(value)


class PathMissing(ASLError):
    """A definite JSONPath matched nothing where AWS requires a match.

    Not a failure by itself: the caller knows the field and raises the `StatesError` AWS
    reports there, with one of the causes below.

    Attributes:
        path: the path text as written in the definition.
        detail: Jayway's message, e.g. ``No results for path: $['a']``.
    """

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(self.invalid_path_cause())

    def invalid_path_cause(self) -> str:
        """The cause AWS reports for InputPath/OutputPath (recorded: derived/test_base_scenarios)."""
        return f"Invalid path '{self.path}' : {self.detail}"

    def field_cause(self, field_name: str, input_value: JSON) -> str:
        """The cause AWS reports for ``x.$`` templates, ErrorPath and CausePath (recorded)."""
        return (
            f"The JSONPath '{self.path}' specified for the field '{field_name}' "
            f"could not be found in the input '{dumps_lenient(input_value)}'"
        )


# ---------------------------------------------------------------------------------------------
# The request, as the core sees it
# ---------------------------------------------------------------------------------------------
class RequestError(ASLError):
    """The request cannot be served as asked; ``message`` is the whole text of the answer."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class StateNotFound(RequestError):
    """``stateName`` names no state of the definition."""

    def __init__(self) -> None:
        super().__init__("State not found in definition")


class UnsupportedState(RequestError):
    """A state that cannot be evaluated offline as asked (a Task, Map or Parallel without a mock)."""


class IterationCountError(RequestError):
    """``mapIterationFailureCount`` is larger than the number of iterations the Map would run."""

    def __init__(self) -> None:
        # Recorded: aws/test_state_mock_validation/test_map_iteration_failure_count_exceeds_mock_result_items.
        super().__init__(
            "Map iteration failure count must be less than or equal to the number of Map iterations"
        )


class ItemReaderDataMissing(RequestError):
    """A Map with an ItemReader was tested without ``stateConfiguration.mapItemReaderData``."""

    def __init__(self) -> None:
        super().__init__(
            "This offline TestState server cannot read the ItemReader's source: specify "
            "stateConfiguration.mapItemReaderData"
        )


class ItemReaderDataUnsupported(RequestError):
    """The declared source cannot be given as text (PARQUET is binary)."""


class ContextError(RequestError):
    """The caller's context object is not acceptable.

    ``message`` is AWS's text after the prefix ``Invalid Context object provided: ``.
    """


REQUEST_ERRORS: Final = (
    StateNotFound,
    UnsupportedState,
    IterationCountError,
    ItemReaderDataMissing,
    ItemReaderDataUnsupported,
    ContextError,
)
"""Every `RequestError` class, for the service's table (checked complete when it loads)."""
