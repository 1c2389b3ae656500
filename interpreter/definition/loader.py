"""Definition text -> compiled states, in one walk, cached by text.

TestState takes either one state object (no ``stateName``; AWS wraps it in a machine whose only
state is named ``StateName``, so pointers read ``/States/StateName/...``) or a whole machine plus
``stateName``. Either way the whole definition is validated (`interpreter.schema`) and every
state's expressions are compiled here, once; states nested in Map ``ItemProcessor``/``Iterator``
and Parallel ``Branches`` are compiled too, so any of them can be selected by name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypedDict, TypeVar

from interpreter.definition.model import (
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
from interpreter.errors import DefinitionError, ExpressionError, StateNotFound
from interpreter.fields.numbers import compile_number_field
from interpreter.fields.templates import (
    Constant,
    Template,
    compile_jsonata_template,
    compile_payload,
    compile_reference,
    compile_template,
)
from interpreter.json_errors import json_error_message
from interpreter.jsonpath import Path, ReferencePath, compile_path, compile_reference_path
from interpreter.jsontypes import ABSENT, JSON, Absent, is_integer, loads
from interpreter.map.batcher import compile_item_batcher
from interpreter.map.reader import compile_item_reader
from interpreter.map.selector import compile_fast_selector
from interpreter.map.writer import compile_result_writer
from interpreter.schema import SINGLE_STATE_NAME, validate_machine, validate_single_state
from interpreter.states.choice import compile_choice_rule

DEFINITION_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class Machine:
    """Every compiled state of a definition, nested ones included, by name."""

    states: Mapping[str, State]
    in_map_iteration: frozenset[str] = frozenset()
    reads_context: bool = True


@dataclass(frozen=True, slots=True)
class LoadedState:
    """The state selected for a test, with the facts the service's request rules need."""

    state: State
    state_name: str
    in_map_iteration: bool = False
    """The state sits inside a Map's ItemProcessor/Iterator: its context has ``Map.Item``."""
    reads_context: bool = True
    """Some string of the definition mentions ``$$`` or ``$states``: without either, no
    expression can read the context object, and a caller may skip generating it."""

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
        raise StateNotFound()
    return LoadedState(
        state=state,
        state_name=name,
        in_map_iteration=name in machine.in_map_iteration,
        reads_context=machine.reads_context,
    )


@functools.lru_cache(maxsize=DEFINITION_CACHE_SIZE)
def load_machine(text: str, *, single_state: bool) -> Machine:
    """Parse, validate and compile a definition. Cached by text: compile once, run many."""
    try:
        document = loads(text)
    except ValueError as error:
        # AWS's code, and Jackson's message with its location as ValidateStateMachineDefinition shows
        # it (recorded: api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_
        # definition__NOT_A_DEF); TestState's own answer for it is not recorded.
        detail = json_error_message(text, error, located=True)
        raise DefinitionError(detail, "", code="INVALID_JSON_DESCRIPTION") from None
    if single_state:
        validate_single_state(document)
        machine_language = QueryLanguage.JSONPATH
        states = {SINGLE_STATE_NAME: document}
    else:
        validate_machine(document)
        machine_language = QueryLanguage(document.get("QueryLanguage", QueryLanguage.JSONPATH))
        states = document["States"]
    compiled: dict[str, State] = {}
    in_map: set[str] = set()
    _compile_scope(states, "/States", machine_language, compiled, in_map, inside_map=False)
    return Machine(
        states=compiled,
        in_map_iteration=frozenset(in_map),
        reads_context=_mentions_context(document),
    )


def _compile_scope(
    states: Mapping[str, JSON],
    pointer: str,
    language: QueryLanguage,
    out: dict[str, State],
    in_map: set[str],
    *,
    inside_map: bool,
) -> None:
    """Compile every state of one (sub-)machine and, depth first, of the machines nested in it;
    `in_map` collects the names that sit inside a Map's processor."""
    for name, declaration in states.items():
        state_pointer = f"{pointer}/{name}"
        state = compile_state(name, declaration, language, state_pointer)
        if name not in out:
            out[name] = state
            if inside_map:
                in_map.add(name)
        for sub_pointer, sub_states in _sub_machines(declaration, state_pointer):
            _compile_scope(
                sub_states, sub_pointer, language, out, in_map, inside_map=inside_map or state.type == "Map"
            )


# ``$states`` followed by anything but ``.input``, ``.result`` or ``.errorOutput``: the context
# (``$states.context``), or ``$states`` itself, which holds it.
_STATES_BEYOND_DATA: Final = re.compile(r"\$states(?!\.(?:input|result|errorOutput)(?![\w$]))")


def _mentions_context(value: JSON) -> bool:
    """Whether any string in the (decoded) definition can read the context: ``$$`` (JSONPath's
    context root), or JSONata's ``$states`` other than ``$states.input``/``.result``/
    ``.errorOutput``. A string that cannot be told apart so counts as reading it."""
    if isinstance(value, str):
        return "$$" in value or ("$states" in value and _STATES_BEYOND_DATA.search(value) is not None)
    if isinstance(value, dict):
        return any(_mentions_context(item) for item in value.values())
    if isinstance(value, list):
        return any(_mentions_context(item) for item in value)
    return False


def _sub_machines(declaration: Mapping[str, JSON], pointer: str) -> list[tuple[str, Mapping[str, JSON]]]:
    """(pointer of its States, States) of each machine nested directly in a Parallel or Map."""
    if declaration["Type"] == "Parallel":
        return [
            (f"{pointer}/Branches[{index}]/States", branch["States"])
            for index, branch in enumerate(declaration["Branches"])
        ]
    if declaration["Type"] == "Map":
        key = "ItemProcessor" if "ItemProcessor" in declaration else "Iterator"
        return [(f"{pointer}/{key}/States", declaration[key]["States"])]
    return []


def _nested_names(declaration: Mapping[str, JSON], pointer: str) -> frozenset[str]:
    """The names of every state nested in a Parallel's branches or a Map's processor."""
    names: set[str] = set()
    for sub_pointer, sub_states in _sub_machines(declaration, pointer):
        for name, child in sub_states.items():
            names.add(name)
            names.update(_nested_names(child, f"{sub_pointer}/{name}"))
    return frozenset(names)


class _Common(TypedDict):
    """The `State` fields every state type shares, compiled (keyword arguments of its class)."""

    name: str
    type: str
    query_language: QueryLanguage
    next: str | None
    end: bool
    input_path: Path | Absent | None
    output_path: Path | Absent | None
    parameters: Template | None
    result_selector: Template | None
    result_path: ReferencePath | Absent | None
    arguments: Template | None
    output: Template | None
    assign: Template | None
    retry: tuple[Retrier, ...]
    catch: tuple[Catcher, ...]


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


def compile_state(
    name: str, declaration: Mapping[str, JSON], machine_language: QueryLanguage, pointer: str
) -> State:
    language = QueryLanguage(declaration.get("QueryLanguage", machine_language))
    fields = _Fields(name, declaration, pointer, language)
    state_type = declaration["Type"]
    common: _Common = {
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


def _pass(fields: _Fields, common: _Common) -> State:
    return PassState(**common, result=fields.get("Result"))


def _wait(fields: _Fields, common: _Common) -> State:
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


def _choice(fields: _Fields, common: _Common) -> State:
    rules = []
    outputs: list[Template | None] = []
    assigns: list[Template | None] = []
    for index, rule in enumerate(fields.declaration.get("Choices", ())):
        rule_pointer = f"{fields.at('Choices')}[{index}]"
        rules.append(compile_choice_rule(rule, query_language=fields.language.value, pointer=rule_pointer))
        output = rule.get("Output", ABSENT) if isinstance(rule, dict) else ABSENT
        outputs.append(
            None
            if output is ABSENT
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


def _succeed(fields: _Fields, common: _Common) -> State:
    return SucceedState(**common)


def _fail(fields: _Fields, common: _Common) -> State:
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


def _task(fields: _Fields, common: _Common) -> State:
    return TaskState(
        **common,
        resource=str(fields.declaration.get("Resource", "")),
        timeout_seconds=_duration(fields, "TimeoutSeconds"),
        timeout_seconds_path=_path_or_none(fields, "TimeoutSecondsPath"),
        heartbeat_seconds=_duration(fields, "HeartbeatSeconds"),
        heartbeat_seconds_path=_path_or_none(fields, "HeartbeatSecondsPath"),
        credentials=_by_language(fields, "Credentials"),
    )


def _duration(fields: _Fields, field: str) -> int | Template | None:
    """TimeoutSeconds/HeartbeatSeconds: an integer literal, or a JSONata template (JSONata states)."""
    value = fields.get(field)
    if value is ABSENT:
        return None
    if isinstance(value, str):
        return compile_jsonata_template(value, field=field, pointer=fields.at(field))
    return int(value)  # the schema accepts an integral number such as 5.0


def _map(fields: _Fields, common: _Common) -> State:
    """Map: ``Parameters`` is the legacy name of ``ItemSelector`` (ASL: "Parameters ... replaced by
    ItemSelector"), so it shapes each item, not the Map's input."""
    declaration = fields.declaration
    jsonata = fields.language is QueryLanguage.JSONATA
    selector_field = "ItemSelector" if "ItemSelector" in declaration else "Parameters"
    common["parameters"] = None
    pointer = fields.pointer
    reader = fields.get("ItemReader")
    batcher = fields.get("ItemBatcher")
    writer = fields.get("ResultWriter")
    selector = _by_language(fields, selector_field)
    return MapState(
        **common,
        items_path=_items_path(fields),
        items=_optional_jsonata(fields, "Items"),
        item_selector=selector,
        fast_selector=None if selector is None or jsonata else compile_fast_selector(selector),
        item_reader=None
        if reader is ABSENT
        else compile_item_reader(reader, pointer=fields.at("ItemReader"), jsonata=jsonata),
        item_batcher=None
        if batcher is ABSENT
        else compile_item_batcher(batcher, pointer=fields.at("ItemBatcher"), jsonata=jsonata),
        result_writer=None
        if writer is ABSENT
        else compile_result_writer(writer, pointer=fields.at("ResultWriter")),
        max_concurrency=compile_number_field(declaration, "MaxConcurrency", pointer=pointer, jsonata=jsonata),
        tolerated_failure_count=compile_number_field(
            declaration, "ToleratedFailureCount", pointer=pointer, jsonata=jsonata
        ),
        # ASL: "ToleratedFailurePercentage ... a number from 0 to 100" (fractions allowed).
        tolerated_failure_percentage=compile_number_field(
            declaration,
            "ToleratedFailurePercentage",
            pointer=pointer,
            jsonata=jsonata,
            integer=False,
            maximum=100,
        ),
        children=_nested_names(declaration, fields.pointer),
    )


def _by_language(fields: _Fields, field: str) -> Template | None:
    """A field compiled by the state's language (ItemSelector, Credentials): a payload template
    (``x.$`` in JSONPath) or a JSONata template."""
    value = fields.get(field)
    if value is ABSENT:
        return None
    return compile_template(
        value, field=field, pointer=fields.at(field), jsonata=fields.language is QueryLanguage.JSONATA
    )


def _parallel(fields: _Fields, common: _Common) -> State:
    return ParallelState(
        **common,
        branch_count=len(fields.declaration["Branches"]),
        children=_nested_names(fields.declaration, fields.pointer),
    )


_STATE_COMPILERS: Mapping[str, Callable[[_Fields, _Common], State]] = {
    "Pass": _pass,
    "Wait": _wait,
    "Choice": _choice,
    "Succeed": _succeed,
    "Fail": _fail,
    "Task": _task,
    "Map": _map,
    "Parallel": _parallel,
}
if set(_STATE_COMPILERS) != set(STATE_CLASSES):
    raise RuntimeError(f"every state type needs a compiler: {sorted(_STATE_COMPILERS)}")


# --- field compilers ---------------------------------------------------------------------------


def _optional_path(fields: _Fields, field: str) -> Path | Absent | None:
    """InputPath/OutputPath: ABSENT (default "$"), None (null), or a compiled path."""
    value = fields.get(field)
    if value is ABSENT or value is None:
        return value
    return _compile(fields.at(field), compile_path, value)


def _items_path(fields: _Fields) -> Path | Absent:
    """ItemsPath: ABSENT (default "$") or a compiled path. Unlike InputPath it has no null form
    (ASL: it must be a Reference Path), so null is refused like any other non-string."""
    value = fields.get("ItemsPath")
    if value is ABSENT:
        return value
    return _compile(fields.at("ItemsPath"), compile_path, value)


def _path_or_none(fields: _Fields, field: str) -> Path | None:
    value = fields.get(field)
    if value is ABSENT or value is None:
        return None
    return _compile(fields.at(field), compile_path, value)


def _optional_reference_path(fields: _Fields, field: str) -> ReferencePath | Absent | None:
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


def _assign(
    fields: _Fields, field: str, pointer: str, owner: Mapping[str, JSON] | None = None
) -> Template | None:
    """``Assign``: a JSONPath payload template or a JSONata template, by the state's language."""
    value = (fields.declaration if owner is None else owner).get(field, ABSENT)
    if value is ABSENT:
        return None
    return compile_template(
        value, field=field, pointer=pointer, jsonata=fields.language is QueryLanguage.JSONATA
    )


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
        output=None
        if output is ABSENT
        else compile_jsonata_template(output, field="Output", pointer=f"{pointer}/Output"),
        assign=_assign(fields, "Assign", f"{pointer}/Assign", item),
    )


_Compiled = TypeVar("_Compiled")


def _compile(pointer: str, compiler: Callable[[str], _Compiled], text: JSON) -> _Compiled:
    """Run an expression compiler, giving its error the field's JSON pointer."""
    if not isinstance(text, str):
        raise DefinitionError("Value must be a string", pointer)  # wording not recorded
    try:
        return compiler(text)
    except ExpressionError as error:
        # wording not recorded; AWS names the offending path and the field's location.
        raise DefinitionError(
            f"The value '{text}' is not a valid JSONPath ({error.detail})", pointer
        ) from None
