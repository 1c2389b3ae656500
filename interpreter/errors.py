"""The core's exception family: one root, two kinds of failure.

`DefinitionError` means the definition itself is not valid ASL; the service turns it into an
`InvalidDefinition` API error. `StatesError` is a runtime failure of the state (a path that
matches nothing, a failing intrinsic, a JSONata error, a Fail state, a mocked error); it is
caught at the state boundary and becomes data in the answer (status FAILED, CAUGHT_ERROR or
RETRIABLE), never an HTTP error. `ExpressionError` is raised by an expression compiler that does
not know where in the definition its text came from; the loader re-raises it as a
`DefinitionError` with the JSON pointer of the field.
"""

from __future__ import annotations

from enum import StrEnum


class ASLError(Exception):
    """Root of every error the interpreter raises on purpose."""


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


class StateNotFound(ASLError):
    """``stateName`` names no state of the definition (AWS: ``State not found in definition``)."""


class StatesError(ASLError):
    """A runtime failure of the state under test, with the ASL error name and cause."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}" if cause is not None else error)


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
