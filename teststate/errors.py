"""The service's exception family: one root, rendered in exactly one place.

Every problem with a request is raised as an `ApiError` subclass and turned into the AWS JSON 1.0
error envelope ``{"__type": "<namespace>#<Code>", "message": "..."}`` by
`teststate.protocol.encode_error`. Runtime failures of the tested state are NOT errors here:
they are data in a 200 answer (``status: FAILED`` ...), as AWS answers them (e.g.
aws/test_state_configuration/test_map_state_error_caused_by_state__DEBUG).

Namespaces, as re-implementations of AWS's JSON services report them (clients only read what
follows the ``#``): Step Functions' own exceptions are ``com.amazonaws.swf.service.v2.model#<Code>``;
Coral's model-constraint validator uses ``com.amazon.coral.validate#ValidationException``;
Coral's framing errors (bad body, unknown target) live in ``com.amazon.coral.service``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Final

from interpreter.errors import (
    REQUEST_ERRORS,
    ContextError,
    DefinitionError,
    ItemReaderDataMissing,
    ItemReaderDataUnsupported,
    IterationCountError,
    RequestError,
    StateNotFound,
    UnsupportedState,
)

SFN_NAMESPACE = "com.amazonaws.swf.service.v2.model"
CORAL_VALIDATE_NAMESPACE = "com.amazon.coral.validate"
CORAL_SERVICE_NAMESPACE = "com.amazon.coral.service"


class ApiError(Exception):
    """An error answer: code, message (None = no message member) and HTTP status."""

    namespace: ClassVar[str] = SFN_NAMESPACE

    def __init__(self, code: str, message: str | None, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}" if message is not None else code)

    @property
    def type(self) -> str:
        """The wire ``__type``: ``<namespace>#<Code>``."""
        return f"{self.namespace}#{self.code}"


class ValidationException(ApiError):
    """A semantic request problem, e.g. ``State not found in definition``
    (aws/test_test_state_machine_scenarios/test_base_state_name_validation_failures__dne)."""

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class ModelValidationException(ValidationException):
    """A violation of the model's constraints (length, enum, minimum, required), Coral wording.

    Same code as `ValidationException`, but Coral's validator namespace.
    """

    namespace: ClassVar[str] = CORAL_VALIDATE_NAMESPACE


class InvalidDefinition(ApiError):
    """The definition is not valid ASL (aws/test_state_mock_validation/test_parallel_state_empty_branches),
    or a Map or Parallel state is tested without a mock
    (aws/test_state_mock_validation/test_state_type_requires_mock__MapState)."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidDefinition", message)


class InvalidExecutionInput(ApiError):
    """``input`` is not JSON text (TestState's wording is not recorded; StartExecution's is used)."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidExecutionInput", message)


class InvalidArn(ApiError):
    """``roleArn`` is not an ARN (TestState's wording is not recorded; other Step Functions
    operations' is used)."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidArn", message)


class SerializationException(ApiError):
    """The body is not a JSON object, or a member has the wrong JSON type (Coral deserializer).

    AWS answers a body that is not JSON at all with no message member, hence ``None`` is allowed.
    """

    namespace: ClassVar[str] = CORAL_SERVICE_NAMESPACE

    def __init__(self, message: str | None) -> None:
        super().__init__("SerializationException", message)


class UnknownOperationException(ApiError):
    """``X-Amz-Target`` names no operation this server implements."""

    namespace: ClassVar[str] = CORAL_SERVICE_NAMESPACE

    def __init__(self, message: str | None) -> None:
        super().__init__("UnknownOperationException", message)


class InternalFailure(ApiError):
    """Last resort: a bug in this server (HTTP 500). The fuzz suite asserts it never happens."""

    namespace: ClassVar[str] = CORAL_SERVICE_NAMESPACE

    def __init__(self, message: str | None = None) -> None:
        super().__init__("InternalFailure", message, status=500)


# ---------------------------------------------------------------------------------------------
# Core errors -> API errors: the one translation
# ---------------------------------------------------------------------------------------------
CONTEXT_PREFIX: Final = "Invalid Context object provided: "
"""AWS's prefix for every context-object problem (recorded: aws/test_state_context_object)."""

_REQUEST_ERROR_ANSWERS: Final[dict[type[RequestError], Callable[[str], ApiError]]] = {
    StateNotFound: ValidationException,
    UnsupportedState: ValidationException,
    IterationCountError: ValidationException,
    ItemReaderDataMissing: ValidationException,
    ItemReaderDataUnsupported: ValidationException,
    ContextError: lambda message: ValidationException(CONTEXT_PREFIX + message),
}
if set(_REQUEST_ERROR_ANSWERS) != set(REQUEST_ERRORS):
    raise RuntimeError("every RequestError class of the core needs exactly one API answer")


def api_error_for(err: DefinitionError | RequestError) -> ApiError:
    """The API error for a core error that is the request's fault.

    A `DefinitionError` is ``InvalidDefinition`` with AWS's ``Invalid State Machine Definition``
    wording; each `RequestError` class has its answer in the table above, its ``message`` being
    the whole text AWS gives (or ours, where AWS's is not recorded).
    """
    if isinstance(err, DefinitionError):
        return InvalidDefinition(f"Invalid State Machine Definition: '{err.message}'")
    return _REQUEST_ERROR_ANSWERS[type(err)](err.message)


# ---------------------------------------------------------------------------------------------
# Control plane (state machines, versions, tags): Step Functions' own exceptions, their messages
# in AWS's ``<What>: '<arn or name>'`` form where recorded (tests/conformance/corpus/api)
# ---------------------------------------------------------------------------------------------
class StateMachineDoesNotExist(ApiError):
    """``State Machine Does Not Exist: '<arn>'`` (api/test_sfn_api/test_describe_nonexistent_sm,
    api/test_sfn_api/test_invalid_start_execution_arn)."""

    def __init__(self, arn: str) -> None:
        super().__init__("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")


class StateMachineAlreadyExists(ApiError):
    """``State Machine Already Exists: '<arn>'`` (api/test_sfn_api/test_create_duplicate_sm_name)."""

    def __init__(self, arn: str) -> None:
        super().__init__("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")


class StateMachineTypeNotSupported(ApiError):
    """An operation the machine's type does not allow (api/test_sfn_api/test_start_sync_execution)."""

    def __init__(
        self, message: str = "This operation is not supported by this type of state machine"
    ) -> None:
        super().__init__("StateMachineTypeNotSupported", message)


class InvalidName(ApiError):
    """A name breaking AWS's naming rules (API reference, CreateStateMachine ``name``); the
    wording ``Invalid Name: '<name>'`` is not recorded (ours, in the style of the others)."""

    def __init__(self, name: str) -> None:
        super().__init__("InvalidName", f"Invalid Name: '{name}'")


class ResourceNotFound(ApiError):
    """``Resource not found: '<arn>'`` (api/test_sfn_api_tagging/test_tag_state_machine_version)."""

    def __init__(self, arn: str) -> None:
        super().__init__("ResourceNotFound", f"Resource not found: '{arn}'")


class TooManyTags(ApiError):
    """More than 50 tags on one resource (wording not recorded: ours)."""

    def __init__(self, arn: str, limit: int) -> None:
        super().__init__("TooManyTags", f"Too many tags for resource '{arn}': at most {limit} are allowed")


class MissingRequiredParameter(ApiError):
    """UpdateStateMachine with nothing to update (api/test_sfn_api/test_create_update_state_machine_base_update_none)."""

    def __init__(self, message: str) -> None:
        super().__init__("MissingRequiredParameter", message)


class InvalidToken(ApiError):
    """A ``nextToken`` this server did not issue (wording not recorded: ours)."""

    def __init__(self, token: str) -> None:
        super().__init__("InvalidToken", f"Invalid Token: '{token}'")


class ConflictException(ApiError):
    """A request that contradicts the resource's current state (e.g. a stale ``revisionId``)."""

    def __init__(self, message: str) -> None:
        super().__init__("ConflictException", message)


class ServiceQuotaExceededException(ApiError):
    """A per-resource quota is reached (e.g. 1000 versions of one state machine)."""

    def __init__(self, message: str) -> None:
        super().__init__("ServiceQuotaExceededException", message)


class InvalidLoggingConfiguration(ApiError):
    """``loggingConfiguration`` that cannot be applied (wording not recorded: ours)."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidLoggingConfiguration", message)


# ---------------------------------------------------------------------------------------------
# Activities (teststate/operations/activities.py)
# ---------------------------------------------------------------------------------------------
class ActivityDoesNotExist(ApiError):
    """The model's ActivityDoesNotExist ("The specified activity does not exist"); wording ours."""

    def __init__(self, arn: str) -> None:
        super().__init__("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")


class ActivityAlreadyExists(ApiError):
    """The model's ActivityAlreadyExists ("Activity already exists. EncryptionConfiguration may not
    be updated."); wording ours."""

    def __init__(self, arn: str) -> None:
        super().__init__("ActivityAlreadyExists", f"Activity Already Exists: '{arn}'")


# ---------------------------------------------------------------------------------------------
# Executions and task tokens (teststate/operations/executions.py)
# ---------------------------------------------------------------------------------------------
class ExecutionDoesNotExist(ApiError):
    """``Execution Does Not Exist: '<arn>'`` (api/test_sfn_api/test_describe_execution_no_such_state_machine,
    api/test_sfn_api/test_get_execution_history_no_such_execution)."""

    def __init__(self, arn: str) -> None:
        super().__init__("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")


class ExecutionAlreadyExists(ApiError):
    """A name already used by another execution of the machine (wording not recorded: ours, in
    the form of the recorded ``... Does Not Exist: '<arn>'`` messages)."""

    def __init__(self, arn: str) -> None:
        super().__init__("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")


class TaskDoesNotExist(ApiError):
    """A task token whose task is over (answered, or its execution ended); wording not recorded: ours."""

    def __init__(self) -> None:
        super().__init__(
            "TaskDoesNotExist", "Task Does Not Exist: 'The task of this token is no longer waiting'"
        )


class TaskTimedOut(ApiError):
    """A task token whose task timed out before the answer (wording not recorded: ours)."""

    def __init__(self) -> None:
        super().__init__("TaskTimedOut", "Task Timed Out: 'The task of this token timed out'")


class InvalidOutput(ApiError):
    """SendTaskSuccess ``output`` that is not JSON (wording not recorded: ours, in the form of the
    recorded InvalidExecutionInput message, quoting Jackson)."""

    def __init__(self, detail: str) -> None:
        super().__init__("InvalidOutput", f"Invalid State Machine Execution Output: '{detail}'")
