"""Checks driven by the field tables: one value against its `FieldSpec`, exclusive groups, and
whole objects of known fields (the Distributed Map's sub-objects).

Evidence in comments: "recorded" cites a conformance case or AWS's text quoted in a public
issue, "measured" means measured against AWS's ValidateStateMachineDefinition, "not recorded"
marks our own wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from interpreter.jsontypes import JSON, is_integer, is_number
from interpreter.schema.messages import EXPECTED, fail, one_of, ptr, required, unsupported, wrong_language
from interpreter.schema.tables import Exclusive, FieldSpec, Kind, Lang
from interpreter.timestamps import parse_timestamp

_COMPUTABLE: Final = (Kind.INTEGER, Kind.NUMBER, Kind.TIMESTAMP, Kind.ITEMS, Kind.SELECTOR)
"""Shapes a JSONata state may give as a ``{% %}`` expression instead of a literal."""


def _is_expression(value: JSON) -> bool:
    """A JSONata expression string: ``{% ... %}``."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def check_value(field: FieldSpec, value: JSON, lang: Lang, pointer: str) -> None:
    """Check a field's shape and bounds; SPECIAL and ANY fields pass."""
    kind = field.kind
    if kind in (Kind.ANY, Kind.SPECIAL):
        return
    # JSONata states may compute these values: recorded with MaxConcurrency, ToleratedFailureCount
    # and ToleratedFailurePercentage expressions (aws/test_test_state_scenarios/
    # test_base_map_state_inspect__MAX_CONCURRENCY-INFO and its siblings).
    if kind in _COMPUTABLE and lang is Lang.JSONATA and _is_expression(value):
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
        raise fail(EXPECTED[kind], pointer)
    # The three messages below were measured against AWS's ValidateStateMachineDefinition.
    if kind is Kind.TIMESTAMP and parse_timestamp(value) is None:
        raise fail("String does not match RFC3339 timestamp", pointer)
    if kind in (Kind.INTEGER, Kind.NUMBER):
        if field.minimum is not None and value < field.minimum:
            raise fail(f"Minimum value is {_num(field.minimum)}", pointer)
        if field.maximum is not None and value > field.maximum:
            raise fail(f"Maximum value is {_num(field.maximum)}", pointer)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _present(state: Mapping[str, JSON], name: str) -> bool:
    # "End": false does not count as ending the state (measured: the rules test End == true).
    return state.get("End") is True if name == "End" else name in state


def check_exclusive(state: Mapping[str, JSON], group: Exclusive, pointer: str) -> None:
    """At most one field of the group, or exactly one if the group is required.

    Both wordings were measured against AWS's ValidateStateMachineDefinition; the location (the
    object) was not recorded.
    """
    count = sum(1 for name in group.fields if _present(state, name))
    listed = ", ".join(group.fields)
    if count > 1:
        raise fail(f"There should only be one of the following fields: [{listed}]", pointer)
    if count == 0 and group.required:
        raise fail(f"This object should have only one of the following fields: [{listed}]", pointer)


def check_fields(
    value: JSON,
    pointer: str,
    fields: Mapping[str, FieldSpec],
    lang: Lang,
    required_names: tuple[str, ...] = (),
) -> Mapping[str, JSON]:
    """An object of known fields: type, unsupported and other-language fields, required ones,
    then each value's shape, in the order the walker uses for a state. Returns the object."""
    if not isinstance(value, dict):
        raise fail(EXPECTED[Kind.OBJECT], pointer)
    for name in value:
        if name not in fields:
            raise fail(unsupported(name), pointer)
    for name, field in fields.items():
        if name in value and field.lang is not Lang.BOTH and field.lang is not lang:
            raise fail(wrong_language(lang, name), pointer)
    missing = [name for name in required_names if name not in value]
    if missing:
        raise fail(required(missing), pointer)
    for name, field in fields.items():
        if name in value:
            check_value(field, value[name], lang, ptr(pointer, name))
    return value


def check_enums(value: Mapping[str, JSON], pointer: str, enums: Mapping[str, tuple[str, ...]]) -> None:
    """Fields whose value must be one of a list (the wording measured for ProcessorConfig's ExecutionType)."""
    for name, allowed in enums.items():
        if name in value and value[name] not in allowed:
            raise fail(one_of(allowed), ptr(pointer, name))
