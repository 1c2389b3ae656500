"""The TestState operation: request rules in AWS's order, the core call, the answer's encoding.

`test_state` applies the request rules in the order AWS applies them, each with AWS's message
where a conformance case records it (cited by case id, under tests/conformance/corpus) and our own
wording where none does (said so where it is used). Then it runs the state with the interpreter
core and encodes the `TestResult` as a ``TestStateOutput``: JSON values become compact JSON text,
absent members are left out, and ``inspectionData`` is only sent at DEBUG and TRACE.

The order. Where two rules collide, the recorded cases fix which one wins (the Map's failure count
before the Map without a mock: aws/test_state_mock_validation/test_map_iteration_failure_count_without_mock;
the state type before the context: aws/test_state_context_object/test_state_context_object_invalid_states__INVALID_STATE_PASS);
where no recording decides, the place is ours.
 1. model constraints (teststate.validation.request, before we get here)
 2. ``roleArn`` shape -> InvalidArn (its place is ours)
 3. the definition -> InvalidDefinition
    (aws/test_test_state_machine_scenarios/test_state_name_invalid_state_definition); ``stateName``
    lookup -> "State not found in definition"
    (aws/test_test_state_machine_scenarios/test_base_state_name_validation_failures__dne)
 4. ``mapIterationFailureCount`` without a mock
    (aws/test_state_mock_validation/test_map_iteration_failure_count_without_mock); ``context``
    without a mock (ours)
 5. Map/Parallel without a mock (aws/test_state_mock_validation/test_state_type_requires_mock__MapState);
    a mock on Pass, Fail or Succeed
    (aws/test_state_mock_validation/test_state_type_does_not_accept_mock__mock_result-PassState),
    or on Choice or Wait (the same wording, ours); then ``stateConfiguration`` members that do not
    fit the state (ours)
 6. with a mock: revealSecrets (aws/test_state_mock_validation/test_reveal_secrets_is_true_and_mock_result_is_set),
    both fields (aws/test_state_mock_validation/test_both_mock_result_and_mock_error_output_are_set),
    neither field (ours), a result that is not JSON
    (aws/test_test_state_mock_scenarios/test_base_lambda_service_task_mock_is_not_json_string),
    a Map's or Parallel's result shape (aws/test_state_mock_validation/test_mock_result_is_not_array_on_parallel_state
    and its neighbours), a Task's result against its API's output shape per
    ``fieldValidationMode`` (aws/test_field_validation_mode_present/*, teststate.validation.mock_result)
 7. ``input`` JSON -> InvalidExecutionInput (StartExecution's recorded wording); ``variables``
    (ours)
 8. ``context`` JSON and content (aws/test_state_context_object/test_state_context_object_validation_failures__*)
 9. a Task without a mock: no roleArn
    (aws/test_test_state_scenarios/test_base_lambda_service_task_state_no_role_arn_validation);
    then, with service calls on (``TESTSTATE_SERVICE_CALLS``) and a Resource the library can
    call (`teststate.integrations.supports`), the call is made as AWS makes it
    (`teststate.operations.test_state_calls.run_with_call`); otherwise this offline server cannot
    call AWS
10. the core: the Map's iteration count
    (aws/test_state_mock_validation/test_map_iteration_failure_count_exceeds_mock_result_items; the
    Map's items must be evaluated first) comes back as an error from it, and so does an ItemReader
    Map without ``mapItemReaderData`` when service calls are off (on,
    `teststate.operations.test_state_calls.read_source` reads its source from the endpoint's S3)

Invalid JSON in a member is described in the words of Jackson, AWS's JSON parser
(`interpreter.json_errors`), wherever AWS's answer quotes the parser; the mocked result's answer
is recorded without it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from interpreter import (
    ABSENT,
    JSON,
    ContextError,
    DefinitionError,
    LoadedState,
    Mock,
    MockError,
    RequestError,
    StateConfiguration,
    TestResult,
    World,
    default_context,
    dumps,
    json_error_message,
    load_definition,
    loads,
    run_state,
    validate_context,
)
from interpreter.context import DEFAULT_ACCOUNT
from interpreter.definition.model import MapState, ParallelState, TaskState
from teststate import integrations
from teststate.budget import configured_budget_seconds, run_within
from teststate.errors import (
    CONTEXT_PREFIX,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    ValidationException,
    api_error_for,
)
from teststate.operations.test_state_calls import (
    MSG_CALLBACK_TASK,
    MSG_NO_ROLE,
    MSG_OFFLINE_TASK,
    check_task_can_run,
    read_source,
    reads_source,
    run_with_call,
)
from teststate.validation.mock_result import validate_mock_result

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig
from teststate.validation.request import TestStateRequest

# `MSG_NO_ROLE`, `MSG_OFFLINE_TASK` and `MSG_CALLBACK_TASK` (`teststate.operations.test_state_calls`
# raises them) are re-exported with the other rules' messages: tests/teststate/test_operations.py
# reads them as `operations.<name>`.
__all__ = [
    "INSPECTING_LEVELS",
    "INSPECTION_ENCODERS",
    "MOCKABLE_TYPES",
    "MSG_BOTH_MOCK_FIELDS",
    "MSG_CALLBACK_TASK",
    "MSG_CAUSED_BY_NOT_MAP_OR_PARALLEL",
    "MSG_CAUSED_BY_UNKNOWN",
    "MSG_CONTEXT_WITHOUT_MOCK",
    "MSG_EMPTY_INPUT",
    "MSG_EMPTY_MOCK",
    "MSG_FAILURE_COUNT_NOT_MAP",
    "MSG_FAILURE_COUNT_WITHOUT_MOCK",
    "MSG_INPUT_NOT_JSON",
    "MSG_MAP_PARALLEL_WITHOUT_MOCK",
    "MSG_MOCK_BRANCH_COUNT",
    "MSG_MOCK_NOT_ARRAY",
    "MSG_MOCK_NOT_JSON",
    "MSG_MOCK_NOT_OBJECT",
    "MSG_NO_ROLE",
    "MSG_OFFLINE_TASK",
    "MSG_READER_DATA_NOT_READER",
    "MSG_REVEAL_SECRETS_WITH_MOCK",
    "MSG_STATE_TYPE_WITH_MOCK",
    "MSG_VARIABLES_NOT_OBJECT",
    "account_from_role_arn",
    "decode_input",
    "decode_variables",
    "encode_inspection",
    "encode_result",
    "state_configuration",
    "test_state",
]

_ACCOUNT_ID: Final = re.compile(r"\d{12}")

# AWS's recorded messages, verbatim (the trailing periods on some and not on others included);
# the module docstring names the case that records each.
MSG_STATE_TYPE_WITH_MOCK: Final = "State type '{state_type}' is not supported when a mock is specified"
MSG_MAP_PARALLEL_WITHOUT_MOCK: Final = (
    "TestState API does not support Map or Parallel states. "
    "Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"
)
MSG_BOTH_MOCK_FIELDS: Final = (
    "A test mock should have only one of the following fields: [result, errorOutput]."
)
MSG_REVEAL_SECRETS_WITH_MOCK: Final = "TestState does not support RevealSecrets when a mock is specified."
MSG_MOCK_NOT_JSON: Final = "Mocked result must be valid JSON"
MSG_MOCK_NOT_ARRAY: Final = "Mocked result must be an array."
MSG_MOCK_NOT_OBJECT: Final = "Mocked result must be a JSON object."
MSG_MOCK_BRANCH_COUNT: Final = (
    "Mocked result must contain the same number of items as number of Parallel branches."
)
MSG_FAILURE_COUNT_WITHOUT_MOCK: Final = (
    "TestState does not support MapIterationFailureCount when a mock is not specified."
)


# Not recorded: our wording, modelled on the recorded messages of the same family.
MSG_CONTEXT_WITHOUT_MOCK: Final = "TestState does not support Context when a mock is not specified."
MSG_EMPTY_MOCK: Final = "A test mock should have one of the following fields: [result, errorOutput]."
MSG_VARIABLES_NOT_OBJECT: Final = "Variables must be a valid JSON object"
MSG_FAILURE_COUNT_NOT_MAP: Final = "TestState only supports MapIterationFailureCount for Map states."
MSG_READER_DATA_NOT_READER: Final = (
    "TestState only supports MapItemReaderData for Map states with an ItemReader."
)
MSG_CAUSED_BY_NOT_MAP_OR_PARALLEL: Final = (
    "TestState only supports ErrorCausedByState for Map and Parallel states."
)
MSG_CAUSED_BY_UNKNOWN: Final = (
    "ErrorCausedByState must be the name of a state inside the tested Map or Parallel state."
)
# StartExecution's recorded words for input that is empty or not JSON
# (api/test_sfn_api/test_invalid_start_execution_input); TestState's are not recorded.
MSG_EMPTY_INPUT: Final = "Invalid State Machine Execution Input: 'Invalid execution input.'"
MSG_INPUT_NOT_JSON: Final = "Invalid State Machine Execution Input: '{detail}'"

# JSON's white space (RFC 8259); str.strip() alone would also strip what Jackson refuses.
_JSON_WHITESPACE: Final = " \t\n\r"

MOCKABLE_TYPES: Final = frozenset({"Task", "Map", "Parallel"})
INSPECTING_LEVELS: Final = frozenset({"DEBUG", "TRACE"})


# --------------------------------------------------------------------------------------------
# The operation
# --------------------------------------------------------------------------------------------
def test_state(
    req: TestStateRequest,
    *,
    region: str,
    world: World | None = None,
    budget_seconds: float | None = None,
    calls: integrations.CallSettings | None = None,
    service: ServiceConfig | None = None,
) -> dict[str, Any]:
    """Answer one TestState request.

    Arguments:
        req: the validated request (schemas.py).
        region: the region for generated ARNs (from the SigV4 credential scope).
        world: clock and random source; a fresh one per call by default.
        budget_seconds: wall clock for the state (teststate/budget.py); by default the app's
            setting inside an app context, else the environment's.
        calls: whether and where an unmocked Task calls its service (`teststate.integrations`);
            none by default.
        service: the server's configuration (its storage): an unmocked Task that calls Step
            Functions itself (``states:startExecution``, ``aws-sdk:sfn:*``) is answered by this
            server, calls on or off (`teststate.operations.test_state_calls.Caller`); without it
            (or without storage) such a Task asks for a mock, or goes through `calls`.

    Returns:
        The ``TestStateOutput`` members, ready to be sent as JSON.

    Raises:
        ApiError: any request problem, with AWS's code and message.
    """
    account = account_from_role_arn(req.role_arn)
    loaded = _load(req.definition, req.state_name)
    _check_configuration(req)
    _check_state_type(req, loaded.state_type)
    _check_state_configuration(req, loaded)
    mock = _build_mock(req, loaded)
    state_input = decode_input(req.input)
    variables = decode_variables(req.variables)
    world = world if world is not None else World()
    context = _build_context(req, loaded, state_input, region=region, account=account, world=world)
    calling = check_task_can_run(req, loaded, calls, service)
    budget = budget_seconds if budget_seconds is not None else configured_budget_seconds()
    config = state_configuration(req)
    try:
        if reads_source(req, loaded, calls) and calls is not None:
            started = time.monotonic()
            config, mock = read_source(
                loaded, state_input, context, variables, world, calls, region, config, mock, budget
            )
            budget = max(budget - (time.monotonic() - started), 0.001) if budget else budget
        if calling is not None:
            result = run_with_call(
                req, loaded, state_input, context, variables, world, budget, calling, region, config
            )
            return encode_result(result, req.inspection_level)
        # The service's wall-clock budget (teststate/budget.py): States.Timeout when it runs out.
        result = run_within(
            budget,
            run_state,
            loaded,
            input=state_input,
            context=context,
            variables=variables,
            world=world,
            mock=mock,
            config=config,
        )
    except (DefinitionError, RequestError) as err:
        raise api_error_for(err) from None
    return encode_result(result, req.inspection_level)


# pytest would collect a module-level function named test_*: tell it this is not a test.
test_state.__test__ = False  # type: ignore[attr-defined]  # an attribute pytest reads, unknown to the type


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------
def account_from_role_arn(role_arn: str | None) -> str:
    """The account for generated ARNs: the role's, else ``123456789012``.

    Raises:
        InvalidArn: ``roleArn`` is not an ARN. ``Invalid ARN prefix`` is AWS's wording for other
            Step Functions operations (recorded: api/test_sfn_api/test_describe_invalid_arn_sm);
            the second message, for ``arn:`` with too few parts, is ours.
    """
    if role_arn is None:
        return DEFAULT_ACCOUNT
    if not role_arn.startswith("arn:"):
        raise InvalidArn(f"Invalid Arn: 'Invalid ARN prefix: {role_arn}'")
    parts = role_arn.split(":", 5)
    if len(parts) < 6 or not parts[5]:
        raise InvalidArn(f"Invalid Arn: 'Resource name not found in ARN: {role_arn}'")
    account = parts[4]
    return account if _ACCOUNT_ID.fullmatch(account) else DEFAULT_ACCOUNT


def _load(definition: str, state_name: str | None) -> LoadedState:
    try:
        return load_definition(definition, state_name)
    except (DefinitionError, RequestError) as err:
        raise api_error_for(err) from None


def _check_configuration(req: TestStateRequest) -> None:
    if req.mock is not None:
        return
    config = req.state_configuration
    if config is not None and config.map_iteration_failure_count is not None:
        raise ValidationException(MSG_FAILURE_COUNT_WITHOUT_MOCK)
    if req.context is not None:
        # API reference, TestState, ``context``: "This field may only be specified if a mock is
        # specified in the same request."
        raise ValidationException(MSG_CONTEXT_WITHOUT_MOCK)


def _check_state_type(req: TestStateRequest, state_type: str) -> None:
    if req.mock is None:
        if state_type in ("Map", "Parallel"):
            raise InvalidDefinition(MSG_MAP_PARALLEL_WITHOUT_MOCK)
    elif state_type not in MOCKABLE_TYPES:
        # Recorded for Pass, Fail and Succeed; Choice and Wait get the same wording (ours: the
        # API reference allows a mock only for Task, Map and Parallel).
        raise ValidationException(MSG_STATE_TYPE_WITH_MOCK.format(state_type=state_type))


def _check_state_configuration(req: TestStateRequest, loaded: LoadedState) -> None:
    """The Map/Parallel members of ``stateConfiguration`` only make sense for the state they
    describe. AWS's wording for these is not recorded: ours, in the family of the recorded
    "TestState does not support MapIterationFailureCount when a mock is not specified.".

    ``errorCausedByState`` names "the state from which an error originates when an error is
    mocked for a Map or Parallel state" (API reference): it must be one of the states inside the
    tested state's processor or branches, nested ones included.
    """
    config = req.state_configuration
    if config is None:
        return
    state = loaded.state
    if config.map_iteration_failure_count is not None and not isinstance(state, MapState):
        raise ValidationException(MSG_FAILURE_COUNT_NOT_MAP)
    if config.map_item_reader_data is not None and (
        not isinstance(state, MapState) or state.item_reader is None
    ):
        raise ValidationException(MSG_READER_DATA_NOT_READER)
    caused_by = config.error_caused_by_state
    if caused_by is not None:
        if not isinstance(state, (MapState, ParallelState)):
            raise ValidationException(MSG_CAUSED_BY_NOT_MAP_OR_PARALLEL)
        if caused_by not in state.children:
            raise ValidationException(MSG_CAUSED_BY_UNKNOWN)


def _build_mock(req: TestStateRequest, loaded: LoadedState) -> Mock | None:
    """The core's `Mock`, after the mock rules in AWS's order: revealSecrets, both fields, a
    result that is not JSON, the Map's or Parallel's result shape, the Task's output shape (the
    module docstring names the recorded cases)."""
    mock = req.mock
    if mock is None:
        return None
    if req.reveal_secrets:
        raise ValidationException(MSG_REVEAL_SECRETS_WITH_MOCK)
    if mock.result is not None and mock.error_output is not None:
        raise ValidationException(MSG_BOTH_MOCK_FIELDS)
    if mock.error_output is not None:
        error = MockError(error=mock.error_output.error, cause=mock.error_output.cause)
        return Mock(error=error, field_validation_mode=mock.field_validation_mode)
    if mock.result is None:
        raise ValidationException(MSG_EMPTY_MOCK)
    try:
        # Checked whatever fieldValidationMode says, NONE included (recorded:
        # aws/test_test_state_mock_scenarios/test_base_lambda_service_task_mock_is_not_json_string,
        # whose answer does not quote the parser).
        result = loads(mock.result)
    except ValueError:
        raise ValidationException(MSG_MOCK_NOT_JSON) from None
    _check_result_shape(result, loaded)
    if isinstance(loaded.state, TaskState):
        # The Task's result against its API's output shape (teststate.validation.mock_result).
        validate_mock_result(loaded.state.resource, result, mock.field_validation_mode)
    return Mock(result=result, field_validation_mode=mock.field_validation_mode)


def _check_result_shape(result: JSON, loaded: LoadedState) -> None:
    """A Map's result is an array (an object with a ResultWriter); a Parallel's is an array with
    one item per branch (recorded: aws/test_state_mock_validation/test_mock_result_is_not_array_on_map_state_without_result_writer,
    test_mock_result_is_not_object_on_map_state_with_result_writer,
    test_mock_result_array_size_mismatch_on_parallel_state)."""
    if loaded.state_type == "Map":
        if loaded.has_result_writer:
            if not isinstance(result, dict):
                raise ValidationException(MSG_MOCK_NOT_OBJECT)
        elif not isinstance(result, list):
            raise ValidationException(MSG_MOCK_NOT_ARRAY)
    elif loaded.state_type == "Parallel":
        if not isinstance(result, list):
            raise ValidationException(MSG_MOCK_NOT_ARRAY)
        if len(result) != loaded.branch_count:
            raise ValidationException(MSG_MOCK_BRANCH_COUNT)


def decode_input(text: str | None) -> JSON:
    """The state input: ``{}`` when not given (recorded:
    aws/test_state_context_object/test_state_wait_task_context_object reports ``{}`` as its input).

    Raises:
        InvalidExecutionInput: empty, or not JSON, in StartExecution's recorded words, which quote
            Jackson's message (`interpreter.json_errors`). Only JSON's own white space counts as
            empty (Jackson reports any other character); that white space alone is answered like
            the empty text is our choice.
    """
    if text is None:
        return {}
    if not text.strip(_JSON_WHITESPACE):
        raise InvalidExecutionInput(MSG_EMPTY_INPUT)
    try:
        return loads(text)
    except ValueError as err:
        raise InvalidExecutionInput(MSG_INPUT_NOT_JSON.format(detail=json_error_message(text, err))) from None


def decode_variables(text: str | None) -> Mapping[str, JSON]:
    """The workflow variables: "JSON object literal that sets variables used in the state under
    test" (API reference, TestState, ``variables``), none when not given.

    Raises:
        ValidationException: not a JSON object. AWS's wording is not recorded: ours, followed by
            Jackson's message when the text is not JSON at all.
    """
    if text is None:
        return {}
    try:
        variables = loads(text)
    except ValueError as err:
        raise ValidationException(f"{MSG_VARIABLES_NOT_OBJECT}: {json_error_message(text, err)}") from None
    if not isinstance(variables, dict):
        raise ValidationException(MSG_VARIABLES_NOT_OBJECT)
    return variables


def _build_context(
    req: TestStateRequest, loaded: LoadedState, state_input: JSON, *, region: str, account: str, world: World
) -> JSON:
    """The caller's context, validated (`interpreter.validate_context`), which replaces the
    generated one entirely (recorded: aws/test_state_context_object/test_state_context_object_edge_cases__EMPTY).

    The generated one (two UUIDs, timestamps) is only made when the definition can read it. A
    context that is not JSON is answered with the prefix of AWS's recorded context messages and
    Jackson's message; that combination is ours (not recorded).
    """
    if req.context is None:
        if not loaded.reads_context:
            return {}
        return default_context(
            loaded=loaded,
            input=state_input,
            role_arn=req.role_arn,
            region=region,
            account=account,
            world=world,
            retry_count=state_configuration(req).retrier_retry_count,
        )
    try:
        context = loads(req.context)
    except ValueError as err:
        raise ValidationException(CONTEXT_PREFIX + json_error_message(req.context, err)) from None
    try:
        validate_context(context, loaded)
    except ContextError as err:
        raise api_error_for(err) from None
    return context


_NO_CONFIGURATION: Final = StateConfiguration()
"""A request without ``stateConfiguration`` (frozen: one serves every such request)."""


def state_configuration(req: TestStateRequest) -> StateConfiguration:
    """The core's `StateConfiguration` for the request's ``stateConfiguration`` (defaults if none)."""
    config = req.state_configuration
    if config is None:
        return _NO_CONFIGURATION
    return StateConfiguration(
        retrier_retry_count=config.retrier_retry_count if config.retrier_retry_count is not None else 0,
        error_caused_by_state=config.error_caused_by_state,
        map_iteration_failure_count=config.map_iteration_failure_count,
        map_item_reader_data=config.map_item_reader_data,
    )


# --------------------------------------------------------------------------------------------
# Encoding the answer
# --------------------------------------------------------------------------------------------
def _json_text(value: JSON) -> str:
    return dumps(value)


def _integer(value: JSON) -> int:
    return int(value)


def _float(value: JSON) -> float:
    # AWS writes toleratedFailurePercentage as a float literal, 1.0 (recorded:
    # aws/test_test_state_scenarios/test_base_map_state_inspect__TOLERATED_FAILURE_PERCENTAGE-DEBUG).
    return float(value)


def _error_details(value: JSON) -> dict[str, int]:
    return {str(key): int(number) for key, number in value.items()}


def _http_record(value: JSON) -> dict[str, str]:
    # InspectionDataRequest/Response: every member is a string (statusCode "200" too).
    return {str(key): str(member) for key, member in value.items()}


# InspectionData members (botocore model) -> wire encoding.
INSPECTION_ENCODERS: Final[Mapping[str, Callable[[JSON], Any]]] = {
    "input": _json_text,
    "afterArguments": _json_text,
    "afterInputPath": _json_text,
    "afterParameters": _json_text,
    "result": _json_text,
    "afterResultSelector": _json_text,
    "afterResultPath": _json_text,
    "request": _http_record,
    "response": _http_record,
    "variables": _json_text,
    "errorDetails": _error_details,
    "afterItemsPath": _json_text,
    "afterItemSelector": _json_text,
    "afterItemBatcher": _json_text,
    "afterItemsPointer": _json_text,
    "toleratedFailureCount": _integer,
    "toleratedFailurePercentage": _float,
    "maxConcurrency": _integer,
}
_MODEL_INSPECTION_MEMBERS: Final = frozenset(
    {
        "input",
        "afterArguments",
        "afterInputPath",
        "afterParameters",
        "result",
        "afterResultSelector",
        "afterResultPath",
        "request",
        "response",
        "variables",
        "errorDetails",
        "afterItemsPath",
        "afterItemSelector",
        "afterItemBatcher",
        "afterItemsPointer",
        "toleratedFailureCount",
        "toleratedFailurePercentage",
        "maxConcurrency",
    }
)
if set(INSPECTION_ENCODERS) != _MODEL_INSPECTION_MEMBERS:  # checked at import, like every table
    raise RuntimeError("every InspectionData member needs exactly one encoder")


def encode_inspection(inspection: Mapping[str, JSON], texts: dict[int, str] | None = None) -> dict[str, Any]:
    """``inspectionData`` on the wire; keys the model does not know are not sent.

    `texts` holds JSON texts already made for container values, by identity: many members are the
    very same value (``input`` and ``afterInputPath`` without an InputPath, ``afterResultPath`` and
    the output without an OutputPath), and each is encoded once.
    """
    texts = {} if texts is None else texts
    encoded: dict[str, Any] = {}
    for key, value in inspection.items():
        encoder = INSPECTION_ENCODERS.get(key)
        if encoder is None or value is ABSENT or value is None:
            continue
        if key == "variables" and value == {}:
            # Omitted when there are no variables (recorded:
            # aws/test_test_state_scenarios/test_state_with_variables__empty_variables).
            continue
        if encoder is _json_text and isinstance(value, (dict, list)):
            text = texts.get(id(value))
            if text is None:
                text = texts[id(value)] = dumps(value)
            encoded[key] = text
        else:
            encoded[key] = encoder(value)
    return encoded


def encode_result(result: TestResult, inspection_level: str) -> dict[str, Any]:
    """``TestStateOutput``: members without a value are left out, never sent as null."""
    answer: dict[str, Any] = {"status": str(result.status)}
    texts: dict[int, str] = {}  # the inspection data's texts by identity (values are alive: no reuse)
    if result.output is not ABSENT:
        output_text = result.output_text if result.output_text is not None else dumps(result.output)
        answer["output"] = output_text
        if isinstance(result.output, (dict, list)):
            texts[id(result.output)] = output_text
    if result.error is not None:
        answer["error"] = str(result.error)  # the core may use `ErrorName` (a StrEnum)
    if result.cause is not None:
        answer["cause"] = result.cause
    if result.next_state is not None:
        answer["nextState"] = result.next_state
    if inspection_level in INSPECTING_LEVELS:
        answer["inspectionData"] = encode_inspection(result.inspection, texts)
    return answer
