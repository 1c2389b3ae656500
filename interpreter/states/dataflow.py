"""The steps every state's data flow shares, and the values a run passes between them.

`interpreter.states.run` (the simple states, Task, Retry/Catch) and `interpreter.map.state` (Map and
Parallel) build their handlers from these: InputPath/OutputPath selection, Parameters, the
ResultSelector -> Assign -> ResultPath -> OutputPath tail (JSONPath), the Output/Assign tail
(JSONata), AWS's payload quota, and the inspection record (`Trace`) each step writes to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from interpreter.definition.model import State
from interpreter.errors import ErrorName, PathMissing, StatesError
from interpreter.fields.templates import UNBOUNDED_FANOUT, Template
from interpreter.jsonpath import Path, ReferencePath, set_at
from interpreter.jsontypes import ABSENT, JSON, Absent, dumps, encoded_size, json_size, utf8_size
from interpreter.scope import Scope

MAX_PAYLOAD_BYTES = 262_144
"""AWS quota: maximum input or output size for a task, state or execution (UTF-8 bytes)."""


@dataclass(frozen=True, slots=True)
class MockError:
    """``mock.errorOutput``: the error the integration is made to raise."""

    error: str
    cause: str | None = None


@dataclass(frozen=True, slots=True)
class Mock:
    """``mock``: the integration's result (a decoded JSON value) or its error."""

    result: JSON = ABSENT
    error: MockError | None = None
    field_validation_mode: str = "STRICT"


@dataclass(frozen=True, slots=True)
class StateConfiguration:
    """``stateConfiguration``: the simulated circumstances of the test."""

    retrier_retry_count: int = 0
    error_caused_by_state: str | None = None
    map_iteration_failure_count: int | None = None
    map_item_reader_data: str | None = None


DEFAULT_CONFIGURATION: Final = StateConfiguration()
"""A request without ``stateConfiguration``: first attempt, no simulated failures, no reader data."""


@dataclass(frozen=True, slots=True)
class Work:
    """What stands in for the state's work in this test: the mock, and the simulated
    circumstances (``stateConfiguration``) that Map and Parallel also read."""

    mock: Mock | None = None
    config: StateConfiguration = DEFAULT_CONFIGURATION


@dataclass(frozen=True, slots=True)
class Done:
    """A state's successful end: its output, successor and the variables after it."""

    output: JSON
    next_state: str | None
    variables: Mapping[str, JSON]


@dataclass(frozen=True, slots=True)
class Failed:
    """A Fail state's end (error and cause may each be absent)."""

    error: str | None
    cause: str | None


_Value = TypeVar("_Value")


class Trace:
    """The inspection record of one run; local to `run_state`, never shared."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: dict[str, JSON] = {}

    def record(self, key: str, value: _Value) -> _Value:
        """Record `value` under AWS's inspection member name `key`, and pass it on unchanged."""
        self.entries[key] = value
        return value


SMALL_FANOUT = 8
"""Templates that can copy at most this many values are measured by encoding them: their text is
bounded (documents of at most 256 KiB, intrinsic results within the intrinsic limits), and the C
encoder is several times faster than walking the value."""


def within_quota(state: State, value: JSON, fanout: int = UNBOUNDED_FANOUT) -> JSON:
    """`value`, once AWS's payload quota is checked on it.

    For values a template built (Parameters, ResultSelector, Arguments, Output, Assign, a Map's
    selected items): a template can hold one object many times (``{"a.$": "$", "b.$": "$",
    ...}``), so its text can be thousands of times what the request carried. Such values are
    measured without encoding them (`encoded_size` measures each object once); a value of a
    template with a small `fanout` cannot be amplified so and is simply encoded. AWS fails a state
    whose input after Parameters, result or output exceeds the quota with
    States.DataLimitExceeded. Everything else a state produces is made of pieces so checked, or
    of the request's own bounded members, and is checked on its text (`encode_output`).
    """
    if fanout <= SMALL_FANOUT:
        size = json_size(value)
    else:
        size = encoded_size(value, MAX_PAYLOAD_BYTES, {})
    if size > MAX_PAYLOAD_BYTES:
        raise data_limit_exceeded(state.name)
    return value


def sizes_within_quota(state: State, values: list[JSON], fanout: int) -> list[int]:
    """Each value's UTF-8 JSON size, once the list of them is held to the payload quota.

    The values were each built by one template of this `fanout` (a Map's ItemSelector per item):
    measured one by one (see `within_quota`), stopping as soon as the list is over the quota, so
    no more text than the quota and one value is ever built.
    """
    sizes: list[int] = []
    total = 1 + len(values)  # the brackets and the commas between the values
    memo: dict[int, tuple[int, JSON]] = {}
    for value in values:
        size = json_size(value) if fanout <= SMALL_FANOUT else encoded_size(value, MAX_PAYLOAD_BYTES, memo)
        total += size
        if total > MAX_PAYLOAD_BYTES:
            raise data_limit_exceeded(state.name)
        sizes.append(size)
    return sizes


def render_within_quota(state: State, template: Template, scope: Scope) -> JSON:
    """`template` rendered in `scope`, held to the payload quota (`within_quota`)."""
    return within_quota(state, template.render(scope), template.fanout)


def encode_output(state: State, output: JSON) -> str:
    """The output as JSON text, once the payload quota is checked on it."""
    text = dumps(output)
    if utf8_size(text) > MAX_PAYLOAD_BYTES:
        raise data_limit_exceeded(state.name)
    return text


def data_limit_exceeded(state_name: str) -> StatesError:
    """AWS's failure for a payload over the quota, in its recorded wording (recorded for a
    result; used for every payload of the state, AWS's wording for the others is not known)."""
    return StatesError(
        ErrorName.DATA_LIMIT_EXCEEDED,
        f"The state/task '{state_name}' returned a result with a size exceeding the maximum number of"
        " bytes service limit.",
    )


# --- shared steps ------------------------------------------------------------------------------


def select(path: Path | Absent | None, value: JSON, scope: Scope) -> JSON:
    """InputPath/OutputPath: "$" when absent, {} for null, else the selection."""
    if path is ABSENT:
        return value
    if path is None:
        return {}
    try:
        return path.resolve(scope.with_current(value))
    except PathMissing as missing:
        raise StatesError(ErrorName.RUNTIME, missing.invalid_path_cause()) from None


def apply_result_path(result_path: ReferencePath | Absent | None, raw_input: JSON, result: JSON) -> JSON:
    """ResultPath: "$" (default, ABSENT) replaces, null discards the result, a path merges it in."""
    if result_path is ABSENT:
        return result
    if result_path is None:
        return raw_input
    return set_at(raw_input, result_path, result)


def assigned(state_name: str, scope: Scope, *assigns: Template | None) -> Mapping[str, JSON]:
    """The workflow variables after the state's ``Assign`` blocks, rendered in `scope`.

    Every block sees the variables as they were before the state (AWS: assignments take effect
    after it); a later block's value wins for a name both assign. What one state assigns is
    held to the payload quota too (AWS caps assigned variables at 256 KiB; the error AWS raises
    then is not recorded: States.DataLimitExceeded is our reading).
    """
    values: dict[str, JSON] = {}
    for assign in assigns:
        if assign is None:
            continue
        rendered = assign.render(scope)
        if not isinstance(rendered, dict):
            raise StatesError(
                ErrorName.QUERY_EVALUATION_ERROR, "The field 'Assign' must evaluate to an object"
            )
        values.update(rendered)
    if not values:
        return scope.variables
    if encoded_size(values, MAX_PAYLOAD_BYTES, {}) > MAX_PAYLOAD_BYTES:  # see within_quota
        raise StatesError(
            ErrorName.DATA_LIMIT_EXCEEDED,
            f"The variables assigned by the state/task '{state_name}' have a size exceeding the maximum"
            " number of bytes service limit.",
        )
    return {**scope.variables, **values}


def jsonpath_tail(state: State, scope: Scope, trace: Trace, result: JSON, next_state: str | None) -> Done:
    """ResultSelector -> Assign -> ResultPath -> OutputPath, recording each step."""
    if state.result_selector is not None:
        result = render_within_quota(state, state.result_selector, scope.with_current(result))
    trace.record("afterResultSelector", result)
    variables = assigned(state.name, scope.with_current(result), state.assign)
    output = trace.record("afterResultPath", apply_result_path(state.result_path, scope.state_input, result))
    output = select(state.output_path, output, scope)
    return Done(output, next_state, variables)


def jsonata_tail(
    state: State,
    scope: Scope,
    default_output: JSON,
    next_state: str | None,
    output: Template | None = None,
    rule_assign: Template | None = None,
) -> Done:
    """Output and Assign, both evaluated with the variables as they were before the state.

    `output` replaces the state's Output (a Choice rule's own); `rule_assign` is assigned on top
    of the state's Assign.
    """
    output_template = state.output if output is None else output
    value = default_output if output_template is None else render_within_quota(state, output_template, scope)
    variables = assigned(state.name, scope, state.assign, rule_assign)
    return Done(value, next_state, variables)


def after_input_path(state: State, scope: Scope, trace: Trace) -> JSON:
    """InputPath (JSONPath), recorded."""
    return trace.record("afterInputPath", select(state.input_path, scope.state_input, scope))


def after_parameters(state: State, scope: Scope, trace: Trace, value: JSON) -> JSON:
    """Parameters (JSONPath) applied to the input after InputPath, recorded."""
    if state.parameters is not None:
        value = render_within_quota(state, state.parameters, scope.with_current(value))
    return trace.record("afterParameters", value)


def mocked_result(mock: Mock) -> JSON:
    if mock.error is not None:
        raise StatesError(mock.error.error, mock.error.cause)
    return mock.result
