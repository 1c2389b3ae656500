"""Definition text -> compiled states, in one walk, cached by text.

TestState takes either one state object (no ``stateName``; AWS wraps it in a machine whose only
state is named ``StateName``, so pointers read ``/States/StateName/...``) or a whole machine plus
``stateName``. Either way the whole definition is validated (`interpreter.schema`) and every
state's expressions are compiled here, once; states nested in Map ``ItemProcessor``/``Iterator``
and Parallel ``Branches`` are compiled too, so any of them can be selected by name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from interpreter.choice import compile_choice_rule
from interpreter.errors import DefinitionError, ExpressionError, StateNotFound
from interpreter.jsonpath import compile_path, compile_reference_path
from interpreter.jsontypes import ABSENT, JSON, is_integer, loads
from interpreter.model import (
    STATE_CLASSES,
    Catcher,
    ChoiceState,
    FailState,
    MapState,
    ParallelState,
    PassState,
    QueryLanguage,
    Retrier,
    State,
    SucceedState,
    TaskState,
    WaitState,
)
from interpreter.schema import validate_machine, validate_single_state
from interpreter.templates import Constant, Template, compile_jsonata_template, compile_payload, compile_reference

SINGLE_STATE_NAME = "StateName"
"""The name AWS gives the state of a single-state definition (recorded in schema pointers)."""

DEFINITION_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class Machine:
    """Every compiled state of a definition, nested ones included, by name."""

    states: Mapping[str, State]
    single_state: bool


@dataclass(frozen=True, slots=True)
class LoadedState:
    """The state selected for a test, with the facts the service's request rules need."""

    state: State
    state_name: str

    @property
    def state_type(self) -> str:
        return self.state.type

    @property
    def branch_count(self) -> int | None:
        return self.state.branch_count if isinstance(self.state, ParallelState) else None

    @property
    def has_result_writer(self) -> bool:
        return isinstance(self.state, MapState) and self.state.has_result_writer

    @property
    def callback_pattern(self) -> bool:
        return isinstance(self.state, TaskState) and self.state.callback_pattern


def load_definition(text: str, state_name: str | None) -> LoadedState:
    """Load (or fetch from the cache) a definition and select the state to test.

    Raises:
        DefinitionError: the text is not a valid definition.
        StateNotFound: `state_name` names no state of the definition.
    """
    machine = load_machine(text, single_state=state_name is None)
    name = SINGLE_STATE_NAME if state_name is None else state_name
    state = machine.states.get(name)
    if state is None:
        raise StateNotFound("State not found in definition")
    return LoadedState(state=state, state_name=name)


@functools.lru_cache(maxsize=DEFINITION_CACHE_SIZE)
def load_machine(text: str, *, single_state: bool) -> Machine:
    """Parse, validate and compile a definition. Cached by text: compile once, run many."""
    try:
        document = loads(text)
    except ValueError as error:
        # AWS's code for unparsable JSON (ValidateStateMachineDefinition, recorded); its detail is
        # Jackson's parser message, ours is Python's.
        raise DefinitionError(str(error), "", code="INVALID_JSON_DESCRIPTION") from None
    if single_state:
        validate_single_state(document)
        machine_language = QueryLanguage.JSONPATH
        states = {SINGLE_STATE_NAME: document}
    else:
        validate_machine(document)
        machine_language = QueryLanguage(document.get("QueryLanguage", QueryLanguage.JSONPATH))
        states = document["States"]
    compiled: dict[str, State] = {}
    _compile_scope(states, "/States", machine_language, compiled)
    return Machine(states=compiled, single_state=single_state)


def _compile_scope(
    states: Mapping[str, JSON], pointer: str, language: QueryLanguage, out: dict[str, State]
) -> None:
    for name, declaration in states.items():
        state_pointer = f"{pointer}/{name}"
        state = _compile_state(name, declaration, language, state_pointer)
        out.setdefault(name, state)
        if state.type == "Parallel":
            for index, branch in enumerate(declaration.get("Branches", ())):
                _compile_scope(branch["States"], f"{state_pointer}/Branches[{index}]/States", language, out)
        elif state.type == "Map":
            key = "ItemProcessor" if "ItemProcessor" in declaration else "Iterator"
            processor = declaration.get(key)
            if isinstance(processor, dict):
                _compile_scope(processor["States"], f"{state_pointer}/{key}/States", language, out)


@dataclass(frozen=True, slots=True)
class _Fields:
    """The declaration of one state with its pointer and language, for the field compilers."""

    name: str
    declaration: Mapping[str, JSON]
    pointer: str
    language: QueryLanguage

    def at(self, field: str) -> str:
        return f"{self.pointer}/{field}"

    def get(self, field: str) -> JSON:
        return self.declaration.get(field, ABSENT)


def _compile_state(name: str, declaration: Mapping[str, JSON], machine_language: QueryLanguage,
                   pointer: str) -> State:
    language = QueryLanguage(declaration.get("QueryLanguage", machine_language))
    fields = _Fields(name, declaration, pointer, language)
    state_type = declaration["Type"]
    common: dict[str, Any] = {
        "name": name,
        "type": state_type,
        "query_language": language,
        "next": declaration.get("Next"),
        "end": bool(declaration.get("End", False)),
        "input_path": _optional_path(fields, "InputPath"),
        "output_path": _optional_path(fields, "OutputPath"),
        "parameters": _optional_payload(fields, "Parameters"),
        "result_selector": _optional_payload(fields, "ResultSelector"),
        "result_path": _optional_reference_path(fields, "ResultPath"),
        "arguments": _optional_jsonata(fields, "Arguments"),
        "output": _optional_jsonata(fields, "Output"),
        "assign": _assign(fields, "Assign", fields.at("Assign")),
        "retry": tuple(_retrier(item) for item in declaration.get("Retry", ())),
        "catch": tuple(
            _catcher(fields, item, f"{pointer}/Catch[{index}]")
            for index, item in enumerate(declaration.get("Catch", ()))
        ),
    }
    return _STATE_COMPILERS[state_type](fields, common)


# --- per-type compilers ------------------------------------------------------------------------


def _pass(fields: _Fields, common: dict[str, Any]) -> State:
    return PassState(**common, result=fields.get("Result"))


def _wait(fields: _Fields, common: dict[str, Any]) -> State:
    seconds = fields.get("Seconds")
    timestamp = fields.get("Timestamp")
    if isinstance(seconds, str):
        seconds = compile_jsonata_template(seconds, field="Seconds", pointer=fields.at("Seconds"))
    elif is_integer(seconds):
        seconds = int(seconds)  # the schema accepts an integral number such as 5.0
    if isinstance(timestamp, str) and common["query_language"] is QueryLanguage.JSONATA:
        timestamp = compile_jsonata_template(timestamp, field="Timestamp", pointer=fields.at("Timestamp"))
    return WaitState(
        **common,
        seconds=None if seconds is ABSENT else seconds,
        seconds_path=_path_or_none(fields, "SecondsPath"),
        timestamp=None if timestamp is ABSENT else timestamp,
        timestamp_path=_path_or_none(fields, "TimestampPath"),
    )


def _choice(fields: _Fields, common: dict[str, Any]) -> State:
    rules = []
    outputs: list[Template | None] = []
    assigns: list[Template | None] = []
    for index, rule in enumerate(fields.declaration.get("Choices", ())):
        rule_pointer = f"{fields.at('Choices')}[{index}]"
        rules.append(
            compile_choice_rule(rule, query_language=fields.language.value, pointer=rule_pointer)
        )
        output = rule.get("Output", ABSENT) if isinstance(rule, dict) else ABSENT
        outputs.append(
            None if output is ABSENT
            else compile_jsonata_template(output, field="Output", pointer=f"{rule_pointer}/Output")
        )
        assigns.append(_assign(fields, "Assign", f"{rule_pointer}/Assign", rule))
    return ChoiceState(
        **common,
        choices=tuple(rules),
        default=fields.declaration.get("Default"),
        rule_outputs=tuple(outputs),
        rule_assigns=tuple(assigns),
    )


def _succeed(fields: _Fields, common: dict[str, Any]) -> State:
    return SucceedState(**common)


def _fail(fields: _Fields, common: dict[str, Any]) -> State:
    def literal_or_template(field: str) -> Template | None:
        value = fields.get(field)
        if value is ABSENT:
            return None
        if fields.language is QueryLanguage.JSONATA:
            return compile_jsonata_template(value, field=field, pointer=fields.at(field))
        return Constant(value)

    def reference(field: str) -> Template | None:
        value = fields.get(field)
        if value is ABSENT:
            return None
        return compile_reference(value, field=field, pointer=fields.at(field))

    return FailState(
        **common,
        error=literal_or_template("Error"),
        cause=literal_or_template("Cause"),
        error_path=reference("ErrorPath"),
        cause_path=reference("CausePath"),
    )


def _task(fields: _Fields, common: dict[str, Any]) -> State:
    return TaskState(
        **common,
        resource=str(fields.declaration.get("Resource", "")),
        timeout_seconds=_duration(fields, "TimeoutSeconds"),
        timeout_seconds_path=_path_or_none(fields, "TimeoutSecondsPath"),
        heartbeat_seconds=_duration(fields, "HeartbeatSeconds"),
        heartbeat_seconds_path=_path_or_none(fields, "HeartbeatSecondsPath"),
        credentials=_credentials(fields),
    )


def _duration(fields: _Fields, field: str) -> int | Template | None:
    """TimeoutSeconds/HeartbeatSeconds: an integer literal, or a JSONata template (JSONata states)."""
    value = fields.get(field)
    if value is ABSENT:
        return None
    if isinstance(value, str):
        return compile_jsonata_template(value, field=field, pointer=fields.at(field))
    return int(value)  # the schema accepts an integral number such as 5.0


def _credentials(fields: _Fields) -> Template | None:
    """``Credentials``: a payload template (``RoleArn.$`` in JSONPath) or a JSONata template."""
    value = fields.get("Credentials")
    if value is ABSENT:
        return None
    if fields.language is QueryLanguage.JSONATA:
        return compile_jsonata_template(value, field="Credentials", pointer=fields.at("Credentials"))
    return compile_payload(value, pointer=fields.at("Credentials"))


def _map(fields: _Fields, common: dict[str, Any]) -> State:
    return MapState(**common, raw=fields.declaration)


def _parallel(fields: _Fields, common: dict[str, Any]) -> State:
    return ParallelState(**common, branch_count=len(fields.declaration.get("Branches", ())),
                         raw=fields.declaration)


_STATE_COMPILERS: Mapping[str, Callable[[_Fields, dict[str, Any]], State]] = {
    "Pass": _pass,
    "Wait": _wait,
    "Choice": _choice,
    "Succeed": _succeed,
    "Fail": _fail,
    "Task": _task,
    "Map": _map,
    "Parallel": _parallel,
}
assert set(_STATE_COMPILERS) == set(STATE_CLASSES), "every state type needs a compiler"


# --- field compilers ---------------------------------------------------------------------------


def _optional_path(fields: _Fields, field: str) -> Any:
    """InputPath/OutputPath: ABSENT (default "$"), None (null), or a compiled path."""
    value = fields.get(field)
    if value is ABSENT or value is None:
        return value
    return _compile(fields.at(field), compile_path, value)


def _path_or_none(fields: _Fields, field: str) -> Any:
    value = fields.get(field)
    if value is ABSENT or value is None:
        return None
    return _compile(fields.at(field), compile_path, value)


def _optional_reference_path(fields: _Fields, field: str) -> Any:
    value = fields.get(field)
    if value is ABSENT or value is None:
        return value
    return _compile(fields.at(field), compile_reference_path, value)


def _optional_payload(fields: _Fields, field: str) -> Template | None:
    value = fields.get(field)
    if value is ABSENT:
        return None
    return compile_payload(value, pointer=fields.at(field))


def _optional_jsonata(fields: _Fields, field: str) -> Template | None:
    value = fields.get(field)
    if value is ABSENT:
        return None
    return compile_jsonata_template(value, field=field, pointer=fields.at(field))


def _assign(fields: _Fields, field: str, pointer: str, owner: Mapping[str, JSON] | None = None) -> Template | None:
    """``Assign``: a JSONPath payload template or a JSONata template, by the state's language."""
    value = (fields.declaration if owner is None else owner).get(field, ABSENT)
    if value is ABSENT:
        return None
    if fields.language is QueryLanguage.JSONATA:
        return compile_jsonata_template(value, field=field, pointer=pointer)
    return compile_payload(value, pointer=pointer)


def _retrier(item: Mapping[str, JSON]) -> Retrier:
    return Retrier(
        error_equals=tuple(item["ErrorEquals"]),
        interval_seconds=item.get("IntervalSeconds", 1),
        max_attempts=item.get("MaxAttempts", 3),
        backoff_rate=item.get("BackoffRate", 2.0),
        max_delay_seconds=item.get("MaxDelaySeconds"),
        jitter_strategy=item.get("JitterStrategy", "NONE"),
    )


def _catcher(fields: _Fields, item: Mapping[str, JSON], pointer: str) -> Catcher:
    result_path = item.get("ResultPath", ABSENT)
    if isinstance(result_path, str):
        result_path = _compile(f"{pointer}/ResultPath", compile_reference_path, result_path)
    output = item.get("Output", ABSENT)
    return Catcher(
        error_equals=tuple(item["ErrorEquals"]),
        next=item["Next"],
        result_path=result_path,
        output=None if output is ABSENT
        else compile_jsonata_template(output, field="Output", pointer=f"{pointer}/Output"),
        assign=_assign(fields, "Assign", f"{pointer}/Assign", item),
    )


def _compile(pointer: str, compiler: Callable[[str], Any], text: JSON) -> Any:
    """Run an expression compiler, giving its error the field's JSON pointer."""
    if not isinstance(text, str):
        raise DefinitionError("Value must be a string", pointer)  # wording not recorded
    try:
        return compiler(text)
    except ExpressionError as error:
        # wording not recorded; AWS names the offending path and the field's location.
        raise DefinitionError(f"The value '{text}' is not a valid JSONPath ({error.detail})", pointer) from None
