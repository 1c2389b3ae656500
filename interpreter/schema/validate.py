"""Static validation of an ASL definition, reporting AWS's first problem in AWS's words.

TestState validates a definition like ``CreateStateMachine`` does and answers
``InvalidDefinition: Invalid State Machine Definition: '<CODE>: <detail> at <pointer>'``.
This module checks the *shape* of a decoded definition (fields allowed per state type, required
and mutually exclusive fields, value types and ranges, query-language rules, Retry/Catch,
nested Parallel branches and Map processors, state names and transition targets). It does not
compile JSONPath, JSONata or intrinsics (the loader does) nor check Choice rules beyond their
``Next`` (``interpreter/states/choice.py`` does).

Evidence for the wording, marked at each message:
  [AWS-REC]  recorded from AWS (TestState / CreateStateMachine / ValidateStateMachineDefinition
             snapshots in localstack/localstack, spec section 9, AWS error texts quoted in
             GitHub issues: localstack#11978, cfn-lint#4074/#4077/#4079, asl-validator#69).
  [MEASURED] measured against AWS by third parties: floci-io/floci#2735/#2786 and its
             ValidateStateMachineDefinition tests and docs; a "cdk_preflight" rego policy set
             whose tables say "measured with ValidateStateMachineDefinition" (field table per
             state type, numeric ranges, "There should only be one of ..." messages).
  # wording not recorded: our own wording in the same style.

Pointers follow AWS, which does not escape names and writes array indexes in brackets:
``/States/P/Branches[0]/States/X``, ``/States/C/Choices[0]/Next`` [MEASURED].

Order (only the first problem is reported; AWS lists several, joined by ", "):
  1. the machine object: JSON object, required fields, unsupported fields, field values;
  2. every state in document order, depth first into Parallel branches and Map processors;
     per state: Type, unsupported fields, QueryLanguage downgrade, other-language fields,
     QueryLanguage value, required fields, exclusive fields, field values (table order),
     Retry, Catch, nested machines;
  3. duplicate state names across the whole machine;
  4. transitions: missing targets (all scopes), a top-level terminal state, reachability
     (all scopes). In the single-state form the top-level scope is skipped: AWS accepts a
     dangling ``Next`` there [AWS-REC].
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from interpreter.errors import DefinitionError
from interpreter.jsontypes import JSON, is_integer, is_number
from interpreter.map.reader import (
    ACTIONS,
    CSV_DELIMITERS,
    CSV_HEADER_LOCATIONS,
    INPUT_TYPES,
    MANIFEST_TYPES,
    MAX_ITEMS_LIMIT,
    TRANSFORMATIONS,
)
from interpreter.map.writer import OUTPUT_TYPES, WRITER_TRANSFORMATIONS
from interpreter.timestamps import parse_timestamp

__all__ = ["SINGLE_STATE_NAME", "validate_machine", "validate_single_state"]

SINGLE_STATE_NAME: Final = "StateName"
"""The name AWS gives a single-state TestState definition (pointers read /States/StateName)."""

_SCHEMA: Final = "SCHEMA_VALIDATION_FAILED"
_MISSING_TARGET: Final = "MISSING_TRANSITION_TARGET"
_MAX_STATE_NAME: Final = 80
_MAX_NESTING: Final = 64  # depth of nested Parallel/Map machines; AWS's limit is unknown
_STATE_TYPES: Final = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")
_ALL: Final = "States.ALL"
_NO_LOCATION: Final = "null"  # AWS renders an absent location as "at null" [AWS-REC]

# RFC 3339 as ASL requires it: uppercase T, and Z when there is no numeric offset.


class Lang(Enum):
    """Query languages, and BOTH for fields that either language accepts."""

    JSONPATH = "JSONPath"
    JSONATA = "JSONata"
    BOTH = "both"


class Kind(Enum):
    """Value shapes a field may be checked against."""

    ANY = "any"
    STRING = "string"
    PATH = "path"  # string or null (InputPath, OutputPath, ResultPath)
    BOOLEAN = "boolean"
    OBJECT = "object"
    INTEGER = "integer"  # in JSONata states also a "{% %}" expression
    NUMBER = "number"
    TIMESTAMP = "timestamp"  # RFC 3339 string; in JSONata states also an expression
    ITEMS = "items"  # JSONata Map Items: an array or an expression
    SELECTOR = "selector"  # an object; in JSONata states also an expression (not recorded)
    SPECIAL = "special"  # shape checked by a dedicated checker (Retry, Catch, Branches, ...)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one field of a state is checked: its shape, languages and numeric bounds."""

    kind: Kind
    lang: Lang = Lang.BOTH
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class Exclusive:
    """Fields of which at most one may appear (``required``: exactly one)."""

    fields: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True, slots=True)
class StateSpec:
    """Everything the table says about one state type."""

    fields: Mapping[str, FieldSpec]
    required: tuple[str, ...] = ()
    exclusive: tuple[Exclusive, ...] = ()


_S = FieldSpec(Kind.STRING)
_ANY = FieldSpec(Kind.ANY)
_JP_PATH = FieldSpec(Kind.PATH, Lang.JSONPATH)
_JP_STRING = FieldSpec(Kind.STRING, Lang.JSONPATH)
_JP_ANY = FieldSpec(Kind.ANY, Lang.JSONPATH)
_JA_ANY = FieldSpec(Kind.ANY, Lang.JSONATA)
_OBJECT = FieldSpec(Kind.OBJECT)
_SPECIAL = FieldSpec(Kind.SPECIAL)

# Accepted by every state type [MEASURED: Type/Comment/QueryLanguage accepted everywhere].
_COMMON: Final[dict[str, FieldSpec]] = {"Type": _SPECIAL, "Comment": _S, "QueryLanguage": _SPECIAL}
_TRANSITION: Final[dict[str, FieldSpec]] = {"Next": _S, "End": FieldSpec(Kind.BOOLEAN)}
_IO_PATHS: Final[dict[str, FieldSpec]] = {"InputPath": _JP_PATH, "OutputPath": _JP_PATH}
_RESULT_PATHS: Final[dict[str, FieldSpec]] = {
    "Parameters": _JP_ANY,
    "ResultSelector": FieldSpec(Kind.OBJECT, Lang.JSONPATH),
    "ResultPath": _JP_PATH,
}
_OUTPUT_ASSIGN: Final[dict[str, FieldSpec]] = {"Output": _JA_ANY, "Assign": _OBJECT}
_ERROR_HANDLING: Final[dict[str, FieldSpec]] = {"Retry": _SPECIAL, "Catch": _SPECIAL}
_NEXT_END: Final = Exclusive(("Next", "End"), required=True)


def _seconds(lo: float, hi: float | None = 99999999) -> FieldSpec:
    return FieldSpec(Kind.INTEGER, Lang.BOTH, lo, hi)


# The allowed fields per state type [MEASURED: 8 types x 50 fields with
# ValidateStateMachineDefinition]; numeric ranges [MEASURED]; languages per the ASL spec and
# [MEASURED] (Output/Arguments/Items JSONata only; InputPath, OutputPath, ResultPath,
# ResultSelector, Parameters, Result, ItemsPath, MaxConcurrencyPath JSONPath only; the other
# *Path fields by the ASL spec's rule that JSONata states have no paths).
_STATE_SPECS: Final[dict[str, StateSpec]] = {
    "Pass": StateSpec(
        fields={
            **_COMMON,
            **_IO_PATHS,
            "Parameters": _JP_ANY,
            "Result": _JP_ANY,
            "ResultPath": _JP_PATH,
            **_OUTPUT_ASSIGN,
            **_TRANSITION,
        },
        exclusive=(_NEXT_END,),
    ),
    "Task": StateSpec(
        fields={
            **_COMMON,
            "Resource": _SPECIAL,
            **_IO_PATHS,
            **_RESULT_PATHS,
            "Arguments": _JA_ANY,
            **_OUTPUT_ASSIGN,
            "Credentials": _SPECIAL,
            "TimeoutSeconds": _seconds(1),
            "TimeoutSecondsPath": _JP_STRING,
            "HeartbeatSeconds": _seconds(1),
            "HeartbeatSecondsPath": _JP_STRING,
            **_ERROR_HANDLING,
            **_TRANSITION,
        },
        required=("Resource",),
        exclusive=(
            _NEXT_END,
            Exclusive(("TimeoutSeconds", "TimeoutSecondsPath")),
            Exclusive(("HeartbeatSeconds", "HeartbeatSecondsPath")),
        ),
    ),
    "Wait": StateSpec(
        fields={
            **_COMMON,
            **_IO_PATHS,
            **_OUTPUT_ASSIGN,
            "Seconds": _seconds(0),
            "SecondsPath": _JP_STRING,
            "Timestamp": FieldSpec(Kind.TIMESTAMP),
            "TimestampPath": _JP_STRING,
            **_TRANSITION,
        },
        # [MEASURED] lists them in this order in its message.
        exclusive=(_NEXT_END, Exclusive(("SecondsPath", "Seconds", "TimestampPath", "Timestamp"), True)),
    ),
    "Choice": StateSpec(
        fields={**_COMMON, **_IO_PATHS, **_OUTPUT_ASSIGN, "Choices": _SPECIAL, "Default": _S},
        required=("Choices",),
    ),
    "Succeed": StateSpec(fields={**_COMMON, **_IO_PATHS, "Output": _JA_ANY}),
    "Fail": StateSpec(
        fields={
            **_COMMON,
            "Error": _S,
            "ErrorPath": _JP_STRING,
            "Cause": _S,
            "CausePath": _JP_STRING,
        },
        exclusive=(Exclusive(("Error", "ErrorPath")), Exclusive(("Cause", "CausePath"))),
    ),
    "Parallel": StateSpec(
        fields={
            **_COMMON,
            **_IO_PATHS,
            **_RESULT_PATHS,
            "Arguments": _JA_ANY,
            **_OUTPUT_ASSIGN,
            "Branches": _SPECIAL,
            **_ERROR_HANDLING,
            **_TRANSITION,
        },
        required=("Branches",),
        exclusive=(_NEXT_END,),
    ),
    "Map": StateSpec(
        fields={
            **_COMMON,
            **_IO_PATHS,
            **_RESULT_PATHS,
            **_OUTPUT_ASSIGN,
            "ItemProcessor": _SPECIAL,
            "Iterator": _SPECIAL,
            "ItemsPath": _JP_PATH,
            "Items": FieldSpec(Kind.ITEMS, Lang.JSONATA),
            "ItemSelector": FieldSpec(Kind.SELECTOR),
            "ItemReader": _OBJECT,
            "ItemBatcher": _OBJECT,
            "ResultWriter": _OBJECT,
            "MaxConcurrency": _seconds(0, None),
            "MaxConcurrencyPath": _JP_STRING,
            "ToleratedFailurePercentage": FieldSpec(Kind.NUMBER, Lang.BOTH, 0, 100),
            "ToleratedFailurePercentagePath": _JP_STRING,
            "ToleratedFailureCount": _seconds(0, None),
            "ToleratedFailureCountPath": _JP_STRING,
            "Label": _S,
            **_ERROR_HANDLING,
            **_TRANSITION,
        },
        exclusive=(
            _NEXT_END,
            Exclusive(("ItemProcessor", "Iterator"), required=True),
            Exclusive(("MaxConcurrency", "MaxConcurrencyPath")),
            Exclusive(("ToleratedFailurePercentage", "ToleratedFailurePercentagePath")),
            Exclusive(("ToleratedFailureCount", "ToleratedFailureCountPath")),
        ),
    ),
}

_RETRIER_FIELDS: Final[dict[str, FieldSpec]] = {
    "ErrorEquals": _SPECIAL,
    "Comment": _S,
    # IntervalSeconds 0 is accepted [MEASURED]; the other bounds [MEASURED].
    "IntervalSeconds": _seconds(0),
    "MaxAttempts": _seconds(0),
    "BackoffRate": FieldSpec(Kind.NUMBER, Lang.BOTH, 1, None),
    "MaxDelaySeconds": _seconds(1, 31622400),
    "JitterStrategy": _SPECIAL,
}
_CATCHER_FIELDS: Final[dict[str, FieldSpec]] = {
    "ErrorEquals": _SPECIAL,
    "Comment": _S,
    "Next": _S,
    "ResultPath": _JP_PATH,
    **_OUTPUT_ASSIGN,
}
_MACHINE_FIELDS: Final = ("Comment", "StartAt", "States", "QueryLanguage", "TimeoutSeconds", "Version")
_SUB_MACHINE_FIELDS: Final = ("Comment", "StartAt", "States")
_PROCESSOR_FIELDS: Final = (*_SUB_MACHINE_FIELDS, "ProcessorConfig")


def _check_tables() -> None:
    """Fail at import if the tables contradict themselves."""
    for type_name, spec in _STATE_SPECS.items():
        assert type_name in _STATE_TYPES, type_name
        for name in spec.required:
            assert name in spec.fields, (type_name, name)
        for group in spec.exclusive:
            assert len(group.fields) >= 2, (type_name, group)
            for name in group.fields:
                assert name in spec.fields, (type_name, name)
        for name, field in spec.fields.items():
            assert (
                name.endswith("Path")
                or field.lang is not Lang.JSONPATH
                or name
                in (
                    "Parameters",
                    "ResultSelector",
                    "Result",
                )
            ), (type_name, name)
            if field.minimum is not None and field.maximum is not None:
                assert field.minimum <= field.maximum, (type_name, name)
    assert set(_STATE_SPECS) == set(_STATE_TYPES)


_check_tables()


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


def _fail(detail: str, pointer: str, code: str = _SCHEMA) -> DefinitionError:
    return DefinitionError(detail, pointer, code)


def _required(names: Iterator[str] | tuple[str, ...] | list[str]) -> str:
    return f"These fields are required: [{', '.join(names)}]"  # [AWS-REC]


def _unsupported(name: str) -> str:
    return f"Field '{name}' is not supported"  # [AWS-REC]


def _one_of(values: tuple[str, ...]) -> str:
    return f"Value should be one of the following: [{', '.join(values)}]"  # [MEASURED]


def _wrong_language(state_lang: Lang, name: str) -> str:
    other = Lang.JSONATA if state_lang is Lang.JSONPATH else Lang.JSONPATH
    return (  # [MEASURED]
        f"The QueryLanguage is set to '{state_lang.value}', but field '{name}' is only "
        f"supported for the '{other.value}' QueryLanguage"
    )


_EXPECTED: Final[dict[Kind, str]] = {
    Kind.STRING: "Expected value of type [STRING]",  # [MEASURED]
    Kind.PATH: "Expected value of type [STRING]",  # [MEASURED] (null also accepted)
    Kind.INTEGER: "Expected value of type Integer",  # [MEASURED]
    Kind.BOOLEAN: "Expected value of type [BOOLEAN]",  # wording not recorded
    Kind.OBJECT: "Expected value of type [OBJECT]",  # wording not recorded
    Kind.SELECTOR: "Expected value of type [OBJECT]",  # wording not recorded
    Kind.NUMBER: "Expected value of type [NUMBER]",  # wording not recorded
    Kind.TIMESTAMP: "Expected value of type [STRING]",  # [MEASURED] (as for strings)
    Kind.ITEMS: "Expected value of type [ARRAY]",  # wording not recorded
}
_EXPECTED_ARRAY: Final = "Expected value of type [ARRAY]"  # wording not recorded


def _ptr(base: str, name: str) -> str:
    """AWS pointer of a field: no escaping, root is ``/``."""
    return f"/{name}" if base == "/" else f"{base}/{name}"


def _idx(base: str, index: int) -> str:
    """AWS pointer of an array element: ``Branches[0]`` [MEASURED]."""
    return f"{base}[{index}]"


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def _is_expression(value: JSON) -> bool:
    """A JSONata expression string: ``{% ... %}``."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def _check_value(name: str, field: FieldSpec, value: JSON, lang: Lang, pointer: str) -> None:
    """Check a field's shape and bounds; SPECIAL and ANY fields pass."""
    kind = field.kind
    if kind in (Kind.ANY, Kind.SPECIAL):
        return
    if (
        kind in (Kind.INTEGER, Kind.NUMBER, Kind.TIMESTAMP, Kind.ITEMS, Kind.SELECTOR)
        and lang is Lang.JSONATA
    ):
        # JSONata states may compute these values ("{% %}") [AWS-REC: MaxConcurrency and
        # ToleratedFailure* expressions in TestState recordings].
        if _is_expression(value):
            return
    ok = {
        Kind.STRING: isinstance(value, str),
        Kind.PATH: value is None or isinstance(value, str),
        Kind.BOOLEAN: isinstance(value, bool),
        Kind.OBJECT: isinstance(value, dict),
        Kind.SELECTOR: isinstance(value, dict),
        Kind.INTEGER: is_integer(value),
        Kind.NUMBER: is_number(value),
        Kind.TIMESTAMP: isinstance(value, str),
        Kind.ITEMS: isinstance(value, list),
    }[kind]
    if not ok:
        raise _fail(_EXPECTED[kind], pointer)
    if kind is Kind.TIMESTAMP and parse_timestamp(value) is None:
        raise _fail("String does not match RFC3339 timestamp", pointer)  # [MEASURED]
    if kind in (Kind.INTEGER, Kind.NUMBER):
        if field.minimum is not None and value < field.minimum:
            raise _fail(f"Minimum value is {_num(field.minimum)}", pointer)  # [MEASURED]
        if field.maximum is not None and value > field.maximum:
            raise _fail(f"Maximum value is {_num(field.maximum)}", pointer)  # [MEASURED]


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# ---------------------------------------------------------------------------------------------
# Walk
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scope:
    """One ``States`` container: its pointer, its state objects, and its StartAt."""

    pointer: str
    start_at: str
    states: Mapping[str, Mapping[str, JSON]]
    top: bool


def _language(value: JSON, inherited: Lang) -> Lang:
    """Effective language: JSONPath only for exactly "JSONPath"; absent inherits [MEASURED]."""
    if value is None:
        return inherited
    return Lang.JSONPATH if value == "JSONPath" else Lang.JSONATA


def _check_query_language_value(value: JSON, pointer: str) -> None:
    if not isinstance(value, str):
        raise _fail("Expected value of type [STRING]", pointer)  # [MEASURED]
    if value not in ("JSONPath", "JSONata"):
        raise _fail(_one_of(("JSONPath", "JSONata")), pointer)  # [MEASURED]


def _check_machine_object(doc: JSON, pointer: str, allowed: tuple[str, ...]) -> None:
    """Required and unsupported fields of a machine or sub-machine object."""
    if not isinstance(doc, dict):
        if pointer == "/":
            # [AWS-REC] ValidateStateMachineDefinition, no location.
            raise _fail("Definition must be a valid JSON object", _NO_LOCATION)
        raise _fail(_EXPECTED[Kind.OBJECT], pointer)  # wording not recorded
    missing = [name for name in ("States", "StartAt") if name not in doc]
    if missing:
        raise _fail(_required(missing), pointer)  # [AWS-REC] order: [States, StartAt]
    for name in doc:
        if name not in allowed:
            # [MEASURED] e.g. QueryLanguage on an ItemProcessor or a branch.
            raise _fail(_unsupported(name), pointer)


def _machine_states(doc: Mapping[str, JSON], pointer: str) -> Mapping[str, JSON]:
    if not isinstance(doc["StartAt"], str):
        raise _fail(_EXPECTED[Kind.STRING], _ptr(pointer, "StartAt"))
    states = doc["States"]
    if not isinstance(states, dict):
        raise _fail(_EXPECTED[Kind.OBJECT], _ptr(pointer, "States"))  # wording not recorded
    if not states:
        raise _fail("Value cannot be empty", _ptr(pointer, "States"))  # by analogy [AWS-REC]
    return states


def _walk_states(states: Mapping[str, JSON], pointer: str, machine_lang: Lang, depth: int) -> None:
    for name, state in states.items():
        state_pointer = _ptr(_ptr(pointer, "States"), name)
        if not 1 <= len(name) <= _MAX_STATE_NAME:
            detail = (  # [AWS-REC] asl-validator#69, cfn-lint#4079
                f"Invalid State name: State '{name}' exceeds the 80-character limit allowed by the service"
                if name
                else "Invalid State name: State name cannot be empty"  # wording not recorded
            )
            raise _fail(detail, state_pointer, "INVALID_STATE_NAME")
        _check_state(state, state_pointer, machine_lang, depth)


def _check_state(state: JSON, pointer: str, machine_lang: Lang, depth: int) -> None:
    """All schema rules of one state (see the module docstring for the order)."""
    if not isinstance(state, dict):
        raise _fail(_EXPECTED[Kind.OBJECT], pointer)  # wording not recorded
    if "Type" not in state:
        raise _fail(_required(["Type"]), pointer)  # wording by analogy [AWS-REC]
    state_type = state["Type"]
    if not isinstance(state_type, str) or state_type not in _STATE_SPECS:
        raise _fail(  # [AWS-REC]
            f"The field 'Type' should have one of these values: [{', '.join(_STATE_TYPES)}]",
            _ptr(pointer, "Type"),
        )
    spec = _STATE_SPECS[state_type]
    for name in state:
        if name not in spec.fields:
            raise _fail(_unsupported(name), pointer)  # [AWS-REC] at the state
    declared = state.get("QueryLanguage")
    if declared == "JSONPath" and machine_lang is Lang.JSONATA:
        # [AWS-REC] at the state; it is the whole answer for this state's language [MEASURED].
        raise _fail(
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            pointer,
        )
    lang = _language(declared, machine_lang)
    for name, field in spec.fields.items():
        if name in state and field.lang is not Lang.BOTH and field.lang is not lang:
            raise _fail(_wrong_language(lang, name), pointer)  # [MEASURED] at the state
    if "QueryLanguage" in state:
        _check_query_language_value(declared, _ptr(pointer, "QueryLanguage"))
    missing = [name for name in spec.required if name not in state]
    if missing:
        raise _fail(_required(missing), pointer)  # [AWS-REC] wording
    for group in spec.exclusive:
        _check_exclusive(state, group, pointer)
    for name, field in spec.fields.items():
        if name in state:
            _check_value(name, field, state[name], lang, _ptr(pointer, name))
    _SPECIAL_CHECKS[state_type](state, pointer, lang, machine_lang, depth)
    if "Retry" in state:
        _check_handlers(state["Retry"], _ptr(pointer, "Retry"), _RETRIER_FIELDS, lang)
    if "Catch" in state:
        _check_handlers(state["Catch"], _ptr(pointer, "Catch"), _CATCHER_FIELDS, lang)


def _present(state: Mapping[str, JSON], name: str) -> bool:
    # "End": false does not count as ending the state [MEASURED: rules test End == true].
    return state.get("End") is True if name == "End" else name in state


def _check_exclusive(state: Mapping[str, JSON], group: Exclusive, pointer: str) -> None:
    count = sum(1 for name in group.fields if _present(state, name))
    listed = ", ".join(group.fields)
    if count > 1:
        # [MEASURED] wording; the location (the object) is not recorded.
        raise _fail(f"There should only be one of the following fields: [{listed}]", pointer)
    if count == 0 and group.required:
        # [MEASURED] wording; the location (the object) is not recorded.
        raise _fail(f"This object should have only one of the following fields: [{listed}]", pointer)


def _check_handlers(value: JSON, pointer: str, fields: Mapping[str, FieldSpec], lang: Lang) -> None:
    """Retry or Catch: an array of objects with ErrorEquals; States.ALL alone and last."""
    if not isinstance(value, list):
        raise _fail(_EXPECTED_ARRAY, pointer)
    catcher = fields is _CATCHER_FIELDS
    for index, entry in enumerate(value):
        entry_pointer = _idx(pointer, index)
        if not isinstance(entry, dict):
            raise _fail(_EXPECTED[Kind.OBJECT], entry_pointer)  # wording not recorded
        for name in entry:
            if name not in fields:
                raise _fail(_unsupported(name), entry_pointer)  # by analogy [AWS-REC]
        for name, field in fields.items():
            if name in entry and field.lang is not Lang.BOTH and field.lang is not lang:
                # wording [MEASURED] for states; located at the handler (not recorded).
                raise _fail(_wrong_language(lang, name), entry_pointer)
        missing = [n for n in (("ErrorEquals", "Next") if catcher else ("ErrorEquals",)) if n not in entry]
        if missing:
            raise _fail(_required(missing), entry_pointer)  # [MEASURED]
        errors = entry["ErrorEquals"]
        errors_pointer = _ptr(entry_pointer, "ErrorEquals")
        if not isinstance(errors, list):
            raise _fail(_EXPECTED_ARRAY, errors_pointer)
        if not errors:
            raise _fail("Value cannot be empty", errors_pointer)  # [MEASURED]
        for error_index, error in enumerate(errors):
            if not isinstance(error, str):
                raise _fail(_EXPECTED[Kind.STRING], _idx(errors_pointer, error_index))
        if _ALL in errors and (len(errors) > 1 or index != len(value) - 1):
            # ASL: States.ALL must appear alone in the last retrier/catcher [MEASURED wording].
            raise _fail("States.ALL must appear alone and at end of list", errors_pointer)
        for name, field in fields.items():
            if name in entry:
                _check_value(name, field, entry[name], lang, _ptr(entry_pointer, name))
        jitter = entry.get("JitterStrategy")
        if "JitterStrategy" in entry and jitter not in ("NONE", "FULL"):
            raise _fail(_one_of(("NONE", "FULL")), _ptr(entry_pointer, "JitterStrategy"))


# ---------------------------------------------------------------------------------------------
# Per-type extra checks
# ---------------------------------------------------------------------------------------------

_TypeCheck = Callable[[Mapping[str, JSON], str, Lang, Lang, int], None]


def _no_extra(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    """Types whose table says everything."""


def _check_task(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    resource = state["Resource"]
    if not isinstance(resource, str):
        raise _fail(_EXPECTED[Kind.STRING], _ptr(pointer, "Resource"))
    if not resource.startswith("arn:"):
        raise _fail("Value is not a valid resource ARN", _ptr(pointer, "Resource"))  # [MEASURED]
    if "Credentials" in state:
        credentials = state["Credentials"]
        cred_pointer = _ptr(pointer, "Credentials")
        if not isinstance(credentials, dict):
            raise _fail(_EXPECTED[Kind.OBJECT], cred_pointer)  # wording not recorded
        role_fields = ("RoleArn", "RoleArn.$") if lang is Lang.JSONPATH else ("RoleArn",)
        if not any(name in credentials for name in role_fields):
            raise _fail("The field 'RoleArn' is required but was missing", cred_pointer)  # [AWS-REC]
        if ":activity:" in resource:
            # [MEASURED] wording; location not recorded.
            raise _fail("The field 'Credentials' is not supported for activities", cred_pointer)


def _check_choice(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    """Only the list and each top-level rule's Next; the rules themselves are choice.py's."""
    choices = state["Choices"]
    choices_pointer = _ptr(pointer, "Choices")
    if not isinstance(choices, list):
        raise _fail(_EXPECTED_ARRAY, choices_pointer)
    if not choices:
        raise _fail("Value cannot be empty", choices_pointer)  # [MEASURED]
    for index, rule in enumerate(choices):
        rule_pointer = _idx(choices_pointer, index)
        if not isinstance(rule, dict):
            raise _fail(_EXPECTED[Kind.OBJECT], rule_pointer)  # wording not recorded
        if "Next" not in rule:
            raise _fail(_required(["Next"]), rule_pointer)  # [AWS-REC] cfn-lint#4077
        if not isinstance(rule["Next"], str):
            raise _fail(_EXPECTED[Kind.STRING], _ptr(rule_pointer, "Next"))


def _check_parallel(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    branches = state["Branches"]
    branches_pointer = _ptr(pointer, "Branches")
    if not isinstance(branches, list):
        raise _fail(_EXPECTED_ARRAY, branches_pointer)
    if not branches:
        raise _fail("Value cannot be empty", branches_pointer)  # [AWS-REC] TestState
    for index, branch in enumerate(branches):
        _check_sub_machine(branch, _idx(branches_pointer, index), _SUB_MACHINE_FIELDS, machine, depth)


def _check_map(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    processor_pointer = _ptr(pointer, key)
    processor = state[key]
    _check_sub_machine(processor, processor_pointer, _PROCESSOR_FIELDS, machine, depth)
    if "ProcessorConfig" in processor:
        _check_processor_config(processor["ProcessorConfig"], _ptr(processor_pointer, "ProcessorConfig"))
    if "Label" in state and not _LABEL.fullmatch(state["Label"]):
        # [DOC] "Label": up to 40 characters, none of whitespace, < > { } [ ], ? *,
        # " # % \ ^ | ~ ` $ & , ; : /, or control characters (wording not recorded).
        raise _fail("Value is not a valid Map Run label", _ptr(pointer, "Label"))
    # Distributed-only fields are accepted in an INLINE Map too: no AWS rule found against it.
    if "ItemReader" in state:
        _check_item_reader(state["ItemReader"], _ptr(pointer, "ItemReader"), lang)
    if "ItemBatcher" in state:
        _check_item_batcher(state["ItemBatcher"], _ptr(pointer, "ItemBatcher"), lang)
    if "ResultWriter" in state:
        _check_result_writer(state["ResultWriter"], _ptr(pointer, "ResultWriter"), lang)


# The fields of a Distributed Map's data sources (AWS developer guide: "ItemReader (Map)",
# "ItemBatcher (Map)", "ResultWriter (Map)"). Wording of every message below follows the state
# messages above; none was recorded for these objects.
_PARAMETERS_OBJECT: Final = FieldSpec(Kind.OBJECT, Lang.JSONPATH)
_ITEM_READER_FIELDS: Final[dict[str, FieldSpec]] = {
    "Resource": _S,
    "ReaderConfig": _OBJECT,
    "Parameters": _PARAMETERS_OBJECT,
    "Arguments": _JA_ANY,
}
_READER_CONFIG_FIELDS: Final[dict[str, FieldSpec]] = {
    "InputType": _S,
    "CSVHeaderLocation": _S,
    "CSVHeaders": _SPECIAL,
    "CSVDelimiter": _S,
    # [DOC] "up to 100,000,000"; [LS, AWS-validated test] a negative or fractional MaxItems is
    # refused with the definition.
    "MaxItems": FieldSpec(Kind.INTEGER, Lang.BOTH, 0, MAX_ITEMS_LIMIT),
    "MaxItemsPath": _JP_STRING,
    "ItemsPointer": _S,
    "ManifestType": _S,
    "Transformation": _S,
}
_READER_ENUMS: Final[dict[str, tuple[str, ...]]] = {
    "InputType": INPUT_TYPES,
    "CSVHeaderLocation": CSV_HEADER_LOCATIONS,
    "CSVDelimiter": tuple(CSV_DELIMITERS),
    "ManifestType": MANIFEST_TYPES,
    "Transformation": TRANSFORMATIONS,
}
_ITEM_BATCHER_FIELDS: Final[dict[str, FieldSpec]] = {
    "BatchInput": FieldSpec(Kind.SELECTOR),
    # ASL: "MUST be a positive integer"; [DOC] bytes "up to 256 KiB".
    "MaxItemsPerBatch": _seconds(1, None),
    "MaxItemsPerBatchPath": _JP_STRING,
    "MaxInputBytesPerBatch": _seconds(1, 262_144),
    "MaxInputBytesPerBatchPath": _JP_STRING,
}
_RESULT_WRITER_FIELDS: Final[dict[str, FieldSpec]] = {
    "Resource": _S,
    "WriterConfig": _OBJECT,
    "Parameters": _PARAMETERS_OBJECT,
    "Arguments": _JA_ANY,
}
_WRITER_ENUMS: Final[dict[str, tuple[str, ...]]] = {
    "OutputType": OUTPUT_TYPES,
    "Transformation": WRITER_TRANSFORMATIONS,
}
_S3_ARN: Final = "arn:aws:states:::s3:"
_LABEL: Final = re.compile(r'[^\s<>{}\[\]?*"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,40}')
_BAD_POINTER_ESCAPE: Final = re.compile(r"~(?![01])")


def _check_fields(
    value: JSON, pointer: str, fields: Mapping[str, FieldSpec], lang: Lang, required: tuple[str, ...] = ()
) -> Mapping[str, JSON]:
    """An object of known fields: type, unsupported and other-language fields, required ones,
    then each value's shape, in the order `_check_state` uses for a state."""
    if not isinstance(value, dict):
        raise _fail(_EXPECTED[Kind.OBJECT], pointer)
    for name in value:
        if name not in fields:
            raise _fail(_unsupported(name), pointer)  # by analogy [AWS-REC]
    for name, field in fields.items():
        if name in value and field.lang is not Lang.BOTH and field.lang is not lang:
            raise _fail(_wrong_language(lang, name), pointer)
    missing = [name for name in required if name not in value]
    if missing:
        raise _fail(_required(missing), pointer)
    for name, field in fields.items():
        if name in value:
            _check_value(name, field, value[name], lang, _ptr(pointer, name))
    return value


def _check_enums(value: Mapping[str, JSON], pointer: str, enums: Mapping[str, tuple[str, ...]]) -> None:
    for name, allowed in enums.items():
        if name in value and value[name] not in allowed:
            # As for ProcessorConfig's Mode and ExecutionType [MEASURED wording].
            raise _fail(_one_of(allowed), _ptr(pointer, name))


def _check_s3_resource(value: Mapping[str, JSON], pointer: str, actions: tuple[str, ...]) -> None:
    resource = value["Resource"]
    partition, _, action = resource.removeprefix("arn:").partition(":states:::s3:")
    if not resource.startswith("arn:aws") or not partition.startswith("aws") or action not in actions:
        # [DOC] lists the actions; any aws partition is accepted [INFER].
        raise _fail(_one_of(tuple(_S3_ARN + name for name in actions)), _ptr(pointer, "Resource"))


def _check_item_reader(value: JSON, pointer: str, lang: Lang) -> None:
    reader = _check_fields(value, pointer, _ITEM_READER_FIELDS, lang, required=("Resource",))
    _check_s3_resource(reader, pointer, ACTIONS)
    _check_exclusive(reader, Exclusive(("Parameters", "Arguments")), pointer)
    config = reader.get("ReaderConfig")
    config_pointer = _ptr(pointer, "ReaderConfig")
    flatten = isinstance(config, dict) and config.get("Transformation") == "LOAD_AND_FLATTEN"
    if reader["Resource"].endswith(":s3:getObject") or flatten:
        # A read object needs a format [INFER: required where the data is a file].
        if config is None:
            raise _fail(_required(["ReaderConfig"]), pointer)
        if "InputType" not in config:
            raise _fail(_required(["InputType"]), config_pointer)
    if config is None:
        return
    _check_fields(config, config_pointer, _READER_CONFIG_FIELDS, lang)
    _check_exclusive(config, Exclusive(("MaxItems", "MaxItemsPath")), config_pointer)
    _check_enums(config, config_pointer, _READER_ENUMS)
    if config.get("CSVHeaderLocation") == "GIVEN" and "CSVHeaders" not in config:
        raise _fail(_required(["CSVHeaders"]), config_pointer)  # [DOC] GIVEN takes CSVHeaders
    if "CSVHeaders" in config:
        headers = config["CSVHeaders"]
        headers_pointer = _ptr(config_pointer, "CSVHeaders")
        if not isinstance(headers, list):
            raise _fail(_EXPECTED_ARRAY, headers_pointer)
        if not headers:
            raise _fail("Value cannot be empty", headers_pointer)  # by analogy [MEASURED]
        for index, header in enumerate(headers):
            if not isinstance(header, str):
                raise _fail(_EXPECTED[Kind.STRING], _idx(headers_pointer, index))
    if "ItemsPointer" in config:
        text = config["ItemsPointer"]
        if text and (not text.startswith("/") or _BAD_POINTER_ESCAPE.search(text)):
            # RFC 6901: "" or "/"-separated tokens, "~" only as "~0" or "~1" (wording not recorded).
            raise _fail(
                "Value is not a valid JSON Pointer", _ptr(config_pointer, "ItemsPointer")
            )  # not recorded


def _check_item_batcher(value: JSON, pointer: str, lang: Lang) -> None:
    batcher = _check_fields(value, pointer, _ITEM_BATCHER_FIELDS, lang)
    limits = (
        "MaxItemsPerBatch",
        "MaxItemsPerBatchPath",
        "MaxInputBytesPerBatch",
        "MaxInputBytesPerBatchPath",
    )
    _check_exclusive(batcher, Exclusive(limits[:2]), pointer)
    _check_exclusive(batcher, Exclusive(limits[2:]), pointer)
    if not any(name in batcher for name in limits):
        # ASL: the batcher limits items by count and/or size; wording not recorded.
        raise _fail(
            f"This object should have at least one of the following fields: [{', '.join(limits)}]", pointer
        )


def _check_result_writer(value: JSON, pointer: str, lang: Lang) -> None:
    writer = _check_fields(value, pointer, _RESULT_WRITER_FIELDS, lang)
    _check_exclusive(writer, Exclusive(("Parameters", "Arguments")), pointer)
    if "Resource" not in writer and "WriterConfig" not in writer:
        raise _fail(_required(["Resource"]), pointer)  # [INFER] WriterConfig alone only transforms
    if "Resource" in writer:
        _check_s3_resource(writer, pointer, ("putObject",))
    if "WriterConfig" in writer:
        config_pointer = _ptr(pointer, "WriterConfig")
        config = _check_fields(
            writer["WriterConfig"], config_pointer, {"OutputType": _S, "Transformation": _S}, lang
        )
        _check_enums(config, config_pointer, _WRITER_ENUMS)


def _check_processor_config(config: JSON, pointer: str) -> None:
    if not isinstance(config, dict):
        raise _fail(_EXPECTED[Kind.OBJECT], pointer)  # wording not recorded
    for name in config:
        if name not in ("Mode", "ExecutionType"):
            raise _fail(_unsupported(name), pointer)
    mode = config.get("Mode", "INLINE")
    if mode not in ("INLINE", "DISTRIBUTED"):
        raise _fail(_one_of(("INLINE", "DISTRIBUTED")), _ptr(pointer, "Mode"))  # order not recorded
    if "ExecutionType" in config:
        if mode == "INLINE":
            raise _fail(_unsupported("ExecutionType"), pointer)  # [MEASURED] wording
        if config["ExecutionType"] not in ("STANDARD", "EXPRESS"):
            raise _fail(_one_of(("STANDARD", "EXPRESS")), _ptr(pointer, "ExecutionType"))  # [MEASURED]
    elif mode == "DISTRIBUTED":
        raise _fail(_required(["ExecutionType"]), pointer)  # [MEASURED]


_SPECIAL_CHECKS: Final[dict[str, _TypeCheck]] = {
    "Task": _check_task,
    "Choice": _check_choice,
    "Parallel": _check_parallel,
    "Map": _check_map,
    "Pass": _no_extra,
    "Wait": _no_extra,
    "Succeed": _no_extra,
    "Fail": _no_extra,
}
assert set(_SPECIAL_CHECKS) == set(_STATE_SPECS)


def _check_sub_machine(
    doc: JSON, pointer: str, allowed: tuple[str, ...], machine_lang: Lang, depth: int
) -> None:
    """A Parallel branch or Map processor: a machine without QueryLanguage of its own.

    Its states inherit the *whole machine's* language, not the enclosing state's [MEASURED].
    """
    if depth >= _MAX_NESTING:
        raise _fail("The states are too deeply nested", pointer, "TOO_DEEPLY_NESTED")  # not recorded
    _check_machine_object(doc, pointer, allowed)
    if "Comment" in doc:
        _check_value("Comment", _S, doc["Comment"], machine_lang, _ptr(pointer, "Comment"))
    states = _machine_states(doc, pointer)
    _walk_states(states, pointer, machine_lang, depth + 1)


# ---------------------------------------------------------------------------------------------
# Names and transitions (after the schema passed, so every shape below is known to be valid)
# ---------------------------------------------------------------------------------------------


def _sub_scopes(state: Mapping[str, JSON], pointer: str) -> Iterator[_Scope]:
    """The machines directly nested in one state."""
    if state["Type"] == "Parallel":
        for index, branch in enumerate(state["Branches"]):
            yield _Scope(_idx(_ptr(pointer, "Branches"), index), branch["StartAt"], branch["States"], False)
    elif state["Type"] == "Map":
        key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        processor = state[key]
        yield _Scope(_ptr(pointer, key), processor["StartAt"], processor["States"], False)


def _all_scopes(scope: _Scope) -> Iterator[_Scope]:
    """The scope and every scope nested in it, pre-order."""
    yield scope
    for name, state in scope.states.items():
        for sub in _sub_scopes(state, _ptr(_ptr(scope.pointer, "States"), name)):
            yield from _all_scopes(sub)


def _targets(state: Mapping[str, JSON], pointer: str) -> Iterator[tuple[str, str]]:
    """(target name, pointer) of every transition out of a state, in AWS's order."""
    if "Next" in state:
        yield state["Next"], _ptr(pointer, "Next")
    for index, rule in enumerate(state.get("Choices", ())):
        yield rule["Next"], _ptr(_idx(_ptr(pointer, "Choices"), index), "Next")
    if "Default" in state:
        yield state["Default"], _ptr(pointer, "Default")
    for index, catcher in enumerate(state.get("Catch", ())):
        yield catcher["Next"], _ptr(_idx(_ptr(pointer, "Catch"), index), "Next")


def _check_duplicates(root: _Scope) -> None:
    seen: set[str] = set()
    for scope in _all_scopes(root):
        for name in scope.states:
            if name in seen:
                # DUPLICATE_STATE_NAME [AWS-REC: code and "Duplicate State name:" prefix only].
                raise _fail(
                    f"Duplicate State name: '{name}'",
                    _ptr(_ptr(scope.pointer, "States"), name),
                    "DUPLICATE_STATE_NAME",
                )
            seen.add(name)


def _check_transitions(root: _Scope, check_top: bool) -> None:
    scopes = [s for s in _all_scopes(root) if check_top or not s.top]
    # 1. Missing targets [AWS-REC: "Missing 'Next' target: <name>" for StartAt, Next, Default,
    #    Choices[i].Next and Catch[i].Next alike, located at the field].
    for scope in scopes:
        if scope.start_at not in scope.states:
            raise _fail(
                f"Missing 'Next' target: {scope.start_at}", _ptr(scope.pointer, "StartAt"), _MISSING_TARGET
            )
        for name, state in scope.states.items():
            for target, pointer in _targets(state, _ptr(_ptr(scope.pointer, "States"), name)):
                if target not in scope.states:
                    raise _fail(f"Missing 'Next' target: {target}", pointer, _MISSING_TARGET)
    # 2. A terminal state in the top-level scope only [MEASURED: nested loops are accepted].
    if check_top and not any(_is_terminal(state) for state in root.states.values()):
        raise _fail("Workflow has no terminal state", _NO_LOCATION, "MISSING_END_STATE")  # [AWS-REC]
    # 3. Reachability from StartAt [AWS-REC: 'State "<name>" is not reachable.' at the state].
    for scope in scopes:
        reached = _reachable(scope)
        for name in scope.states:
            if name not in reached:
                raise _fail(
                    f'State "{name}" is not reachable.',
                    _ptr(_ptr(scope.pointer, "States"), name),
                    _MISSING_TARGET,
                )


def _is_terminal(state: Mapping[str, JSON]) -> bool:
    return state["Type"] in ("Succeed", "Fail") or state.get("End") is True


def _reachable(scope: _Scope) -> set[str]:
    reached = {scope.start_at}
    pending = [scope.start_at]
    while pending:
        state = scope.states[pending.pop()]
        for target, _ in _targets(state, ""):
            if target not in reached:
                reached.add(target)
                pending.append(target)
    return reached


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def validate_machine(doc: JSON) -> None:
    """Validate a whole state machine definition (TestState with ``stateName``).

    Arguments:
        doc: the decoded definition.

    Raises:
        DefinitionError: the first problem, in AWS's code, wording and JSON pointer.
    """
    _validate(doc, single_state=False)


def validate_single_state(doc: JSON) -> None:
    """Validate one state object (TestState without ``stateName``).

    AWS wraps it in a machine whose only state is ``StateName``, so pointers read
    ``/States/StateName/...``; its ``Next`` may name a state that does not exist [AWS-REC].

    Raises:
        DefinitionError: the first problem, in AWS's code, wording and JSON pointer.
    """
    if not isinstance(doc, dict):
        raise _fail("Definition must be a valid JSON object", _NO_LOCATION)  # [AWS-REC] wording
    _validate({"StartAt": SINGLE_STATE_NAME, "States": {SINGLE_STATE_NAME: doc}}, single_state=True)


def _validate(doc: JSON, *, single_state: bool) -> None:
    try:
        _check_machine_object(doc, "/", _MACHINE_FIELDS)
        if "QueryLanguage" in doc:
            _check_query_language_value(doc["QueryLanguage"], "/QueryLanguage")
        machine_lang = _language(doc.get("QueryLanguage"), Lang.JSONPATH)
        if "Comment" in doc:
            _check_value("Comment", _S, doc["Comment"], machine_lang, "/Comment")
        if "TimeoutSeconds" in doc:
            # TimeoutSeconds 0 is accepted at the top level [MEASURED].
            _check_value(
                "TimeoutSeconds", _seconds(0), doc["TimeoutSeconds"], Lang.JSONPATH, "/TimeoutSeconds"
            )
        if "Version" in doc and doc["Version"] != "1.0":
            if not isinstance(doc["Version"], str):
                raise _fail(_EXPECTED[Kind.STRING], "/Version")
            raise _fail(_one_of(("1.0",)), "/Version")  # [MEASURED]
        states = _machine_states(doc, "/")
        _walk_states(states, "/", machine_lang, 0)
        root = _Scope("/", doc["StartAt"], states, True)
        _check_duplicates(root)
        _check_transitions(root, check_top=not single_state)
    except RecursionError:
        # Only our errors escape [design 9.3]; the nesting cap should make this unreachable.
        raise _fail("The states are too deeply nested", _NO_LOCATION, "TOO_DEEPLY_NESTED") from None
