"""Run one compiled state once, as TestState does, and describe what happened as a value.

The data flow follows the ASL processing order:

- JSONPath: InputPath -> Parameters -> the state's work -> ResultSelector -> Assign -> ResultPath
  -> OutputPath.
- JSONata: Arguments -> the state's work -> Assign and Output (both see the variables as they were
  before the state: assignments take effect after it).

Each step records its value in the inspection data under AWS's member name, so DEBUG/TRACE answers
are a by-product of the run, not a second pass (the shared steps: `interpreter.states.dataflow`;
Map: `interpreter.map.state`; Parallel: `interpreter.states.parallel`). Runtime failures are raised
as `StatesError` deep inside and become a `TestResult` value here, after the state's Retry and
Catch have had their say (`interpreter.states.recovery`): RETRIABLE, CAUGHT_ERROR or FAILED.
Nothing else escapes but `ASLError` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from interpreter.definition.loader import LoadedState
from interpreter.definition.model import (
    STATE_CLASSES,
    Catcher,
    ChoiceState,
    FailState,
    MapState,
    ParallelState,
    PassState,
    State,
    SucceedState,
    TaskState,
    WaitState,
)
from interpreter.errors import ErrorName, StatesError, UnsupportedState
from interpreter.fields.templates import Template
from interpreter.jsontypes import ABSENT, JSON, dumps
from interpreter.map.state import run_map
from interpreter.scope import Scope, World
from interpreter.states.choice import NO_CHOICE_MATCHED_CAUSE
from interpreter.states.dataflow import (
    DEFAULT_CONFIGURATION,
    MAX_PAYLOAD_BYTES,
    Done,
    Failed,
    Mock,
    MockError,
    StateConfiguration,
    Trace,
    Work,
    after_input_path,
    after_parameters,
    apply_result_path,
    assigned,
    encode_output,
    jsonata_tail,
    jsonpath_tail,
    mocked_result,
    render_within_quota,
    select,
)
from interpreter.states.parallel import run_parallel
from interpreter.states.recovery import decide
from interpreter.states.waiting import check_task_durations, check_wait

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Mock",
    "MockError",
    "StateConfiguration",
    "Status",
    "TestResult",
    "error_output",
    "run_state",
]


class Status(StrEnum):
    """TestState's status member."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    RETRIABLE = "RETRIABLE"
    CAUGHT_ERROR = "CAUGHT_ERROR"


@dataclass(frozen=True, slots=True)
class TestResult:
    """The outcome of one test, in API terms (values, not wire text).

    `inspection` maps AWS's InspectionData member names to JSON values. `output_text` is the
    output as compact JSON text when the run already encoded it (for the payload quota), so the
    service need not encode it again.
    """

    __test__ = False  # not a pytest test class

    status: Status
    output: JSON = ABSENT
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    inspection: Mapping[str, JSON] = field(default_factory=lambda: MappingProxyType({}))
    output_text: str | None = None


def run_state(
    loaded: LoadedState,
    *,
    input: JSON,
    context: JSON,
    variables: Mapping[str, JSON],
    world: World,
    mock: Mock | None = None,
    config: StateConfiguration = DEFAULT_CONFIGURATION,
) -> TestResult:
    """Evaluate the loaded state once with this input.

    Raises:
        UnsupportedState: the state type cannot be evaluated by this version.
    """
    state = loaded.state
    handler = _HANDLERS[type(state)]  # complete: checked at import
    scope = Scope(current=input, context=context, variables=variables, state_input=input, world=world)
    trace = Trace()
    trace.record("input", input)
    output_text: str | None = None
    try:
        outcome = handler(state, scope, trace, Work(mock, config))
        if isinstance(outcome, Done):
            output_text = encode_output(state, outcome.output)
    except StatesError as error:
        return _recover(state, scope, trace, error, config.retrier_retry_count)
    if isinstance(outcome, Failed):
        return _result(trace, Status.FAILED, variables, error=outcome.error, cause=outcome.cause)
    return _result(
        trace,
        Status.SUCCEEDED,
        outcome.variables,
        output=outcome.output,
        next_state=outcome.next_state,
        output_text=output_text,
    )


def _result(
    trace: Trace,
    status: Status,
    variables: Mapping[str, JSON],
    *,
    error: str | None = None,
    cause: str | None = None,
    output: JSON = ABSENT,
    next_state: str | None = None,
    output_text: str | None = None,
) -> TestResult:
    """The run's answer, with the variables as they stand after it in the inspection data."""
    # AWS omits inspectionData.variables when the variable set is empty (recorded).
    if variables:
        trace.record("variables", dict(variables))
    return TestResult(
        status=status,
        output=output,
        error=error,
        cause=cause,
        next_state=next_state,
        inspection=MappingProxyType(trace.entries),
        output_text=output_text,
    )


def _recover(state: State, scope: Scope, trace: Trace, error: StatesError, retry_count: int) -> TestResult:
    """The answer for an error the state raised: its Retry and Catch decide (`decide`).

    RETRIABLE and FAILED carry the error and no output; CAUGHT_ERROR carries the error, the
    catcher's output and its Next. ``errorDetails`` names the retrier and catcher involved.
    """
    decision = decide(state.retry, state.catch, str(error.error), retry_count)
    details = decision.details()
    if details:
        trace.record("errorDetails", details)
    if decision.catch_index is None:
        status = Status.RETRIABLE if decision.retriable else Status.FAILED
        return _result(trace, status, scope.variables, error=error.error, cause=error.cause)
    catcher = state.catch[decision.catch_index]
    try:
        caught = _catch(state, catcher, scope, error)
        output_text = encode_output(state, caught.output)
    except StatesError as failure:
        # The catcher's own ResultPath/Output/Assign failed: the execution fails with that error.
        return _result(trace, Status.FAILED, scope.variables, error=failure.error, cause=failure.cause)
    return _result(
        trace,
        Status.CAUGHT_ERROR,
        caught.variables,
        output=caught.output,
        error=error.error,
        cause=error.cause,
        next_state=catcher.next,
        output_text=output_text,
    )


def error_output(error: StatesError) -> dict[str, JSON]:
    """The error as a value: ``{"Error", "Cause"}`` (JSONata ``$states.errorOutput``, recorded; the
    JSONPath catcher's result). A mocked error without a cause has no ``Cause`` member (not
    recorded; our reading)."""
    value: dict[str, JSON] = {"Error": str(error.error)}
    if error.cause is not None:
        value["Cause"] = error.cause
    return value


def _catch(state: State, catcher: Catcher, scope: Scope, error: StatesError) -> Done:
    """A catcher's output and variables.

    JSONPath: ``ResultPath`` (default ``$``) places the error output into the state's raw input;
    the state's OutputPath does not apply. ``Assign`` sees the error output as ``$``.
    JSONata: ``Output`` (default: the error output) and ``Assign`` see ``$states.errorOutput``.
    Either way the state's own Assign does not apply: the state did not succeed.
    """
    value = error_output(error)
    inner = scope.with_error_output(value)
    if state.is_jsonata:
        output = value if catcher.output is None else render_within_quota(state, catcher.output, inner)
    else:
        output = apply_result_path(catcher.result_path, scope.state_input, value)
    return Done(output, catcher.next, assigned(state.name, inner, catcher.assign))


# --- state handlers ----------------------------------------------------------------------------

_Outcome = Done | Failed
# A handler takes the state class it is registered for: a key-dependent type the type system
# cannot state, hence Any for that one parameter (`run_state` looks the handler up by type(state)).
_Handler = Callable[[Any, Scope, Trace, Work], _Outcome]


def _run_pass(state: PassState, scope: Scope, trace: Trace, work: Work) -> _Outcome:
    if state.is_jsonata:
        return jsonata_tail(state, scope, scope.state_input, state.next)
    if state.result is not ABSENT:
        # Recorded: a Pass with Result reports input, result, afterResultSelector and
        # afterResultPath only; its InputPath/Parameters do not contribute to the result.
        result = trace.record("result", state.result)
    else:
        result = after_parameters(state, scope, trace, after_input_path(state, scope, trace))
    return jsonpath_tail(state, scope, trace, result, state.next)


def _run_task(state: TaskState, scope: Scope, trace: Trace, work: Work) -> _Outcome:
    """The call's arguments, timeouts and credentials are evaluated as AWS evaluates them before
    calling; the mock then stands in for the call (its result, or its error)."""
    mock = work.mock
    if mock is None:
        raise UnsupportedState("A Task state can only be tested with a mock on this offline server")
    if state.is_jsonata:
        arguments = (
            scope.state_input
            if state.arguments is None
            else render_within_quota(state, state.arguments, scope)
        )
        trace.record("afterArguments", arguments)
        _prepare_call(state, scope)
        result = trace.record("result", mocked_result(mock))
        return jsonata_tail(state, scope.with_result(result), result, state.next)
    effective = after_input_path(state, scope, trace)
    after_parameters(state, scope, trace, effective)
    _prepare_call(state, scope.with_current(effective))
    result = trace.record("result", mocked_result(mock))
    return jsonpath_tail(state, scope, trace, result, state.next)


def _prepare_call(state: TaskState, scope: Scope) -> None:
    """TimeoutSeconds(Path), HeartbeatSeconds(Path) and Credentials, evaluated against the state's
    input (after InputPath in JSONPath) as the call would need them."""
    check_task_durations(state, scope)
    if state.credentials is None:
        return
    credentials = state.credentials.render(scope)
    role = credentials.get("RoleArn") if isinstance(credentials, dict) else None
    if not isinstance(role, str):
        # wording not recorded; the role must be an ARN string to be assumed.
        raise StatesError(
            ErrorName.RUNTIME,
            "The field 'Credentials' must evaluate to an object with a string 'RoleArn', but was: "
            + dumps(credentials),
        )


def _run_choice(state: ChoiceState, scope: Scope, trace: Trace, work: Work) -> _Outcome:
    if state.is_jsonata:
        matched = first_matching_rule(state, scope)
        output, assign = _rule_fields(state, matched)
        return jsonata_tail(state, scope, scope.state_input, _next_of(state, matched), output, assign)
    effective = trace.record("afterInputPath", select(state.input_path, scope.state_input, scope))
    inner = scope.with_current(effective)
    matched = first_matching_rule(state, inner)
    _, rule_assign = _rule_fields(state, matched)
    variables = assigned(state.name, inner, state.assign, rule_assign)
    output = select(state.output_path, effective, scope)
    return Done(output, _next_of(state, matched), variables)


def first_matching_rule(state: ChoiceState, scope: Scope) -> int | None:
    """Index of the first rule that matches, None when only Default (or nothing) is left.

    `scope` is what the rules see: in a JSONPath state, the state's input after InputPath.

    Rules are evaluated in order and evaluation stops at the first match, so a later rule that
    would fail is never evaluated (AWS, observed by floci-io/floci#2689).
    """
    for index, rule in enumerate(state.choices):
        if rule.matches(scope):
            return index
    return None


def _next_of(state: ChoiceState, matched: int | None) -> str:
    """The matched rule's ``Next``, else ``Default``."""
    if matched is not None:
        return state.choices[matched].next
    if state.default is not None:
        return state.default
    # ASL: "If no Choice rule matches and no Default is provided, the interpreter raises
    # States.NoChoiceMatched." (cause: see interpreter.states.choice).
    raise StatesError(ErrorName.NO_CHOICE_MATCHED, NO_CHOICE_MATCHED_CAUSE)


def _rule_fields(state: ChoiceState, matched: int | None) -> tuple[Template | None, Template | None]:
    """A matched rule's own Output and Assign.

    AWS (developer guide, Choice state): a rule's Assign "assigns variables when this specific
    choice rule matches", and a state-level Assign "applies regardless of which choice rule
    matches": both are applied, the rule's value winning a name both assign (not documented;
    the more specific block is taken to win). A rule's Output replaces the state's Output.
    """
    if matched is None:
        return None, None
    return state.rule_outputs[matched], state.rule_assigns[matched]


def _run_wait(state: WaitState, scope: Scope, trace: Trace, work: Work) -> _Outcome:
    # TestState never sleeps: the wait is validated and its input passed on.
    if state.is_jsonata:
        check_wait(state, scope)
        return jsonata_tail(state, scope, scope.state_input, state.next)
    effective = trace.record("afterInputPath", select(state.input_path, scope.state_input, scope))
    check_wait(state, scope.with_current(effective))
    variables = assigned(state.name, scope.with_current(effective), state.assign)
    return Done(select(state.output_path, effective, scope), state.next, variables)


def _run_succeed(state: SucceedState, scope: Scope, trace: Trace, work: Work) -> _Outcome:
    if state.is_jsonata:
        return jsonata_tail(state, scope, scope.state_input, None)
    effective = trace.record("afterInputPath", select(state.input_path, scope.state_input, scope))
    return Done(select(state.output_path, effective, scope), None, scope.variables)


def _run_fail(state: FailState, scope: Scope, trace: Trace, work: Work) -> _Outcome:
    if not state.is_jsonata:
        # Recorded: a JSONPath Fail state reports afterInputPath (a Fail has no InputPath).
        trace.record("afterInputPath", scope.state_input)
    error = _fail_text(state.error if state.error_path is None else state.error_path, scope, "Error")
    cause = _fail_text(state.cause if state.cause_path is None else state.cause_path, scope, "Cause")
    return Failed(error, cause)


def _fail_text(template: Template | None, scope: Scope, field: str) -> str | None:
    if template is None:
        return None
    value = template.render(scope)
    if isinstance(value, str):
        return value
    # wording not recorded; AWS requires the Error and Cause of a Fail state to be strings.
    raise StatesError(
        ErrorName.RUNTIME, f"The value of the field '{field}' must be a string, but was: {dumps(value)}"
    )


_HANDLERS: Mapping[type[State], _Handler] = {
    PassState: _run_pass,
    TaskState: _run_task,
    ChoiceState: _run_choice,
    WaitState: _run_wait,
    SucceedState: _run_succeed,
    FailState: _run_fail,
    MapState: run_map,
    ParallelState: run_parallel,
}
if set(_HANDLERS) != set(STATE_CLASSES.values()):
    raise RuntimeError(f"every state type needs a handler: {sorted(cls.__name__ for cls in _HANDLERS)}")
