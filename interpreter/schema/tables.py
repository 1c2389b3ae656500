"""The field tables of ASL: which fields each state type accepts, in which query language, of which shape.

`STATE_SPECS` maps each state type to a `StateSpec` (its fields, required fields and groups of
mutually exclusive fields); `RETRIER_FIELDS` and `CATCHER_FIELDS` describe the elements of Retry
and Catch, and the ``*_FIELDS`` tuples the fields of a machine, a Parallel branch and a Map
processor. The tables are checked against each other when the module is imported.

Unless a comment says otherwise, the tables were measured against AWS's
ValidateStateMachineDefinition: the allowed fields of the 8 state types (50 fields tried on each)
and the numeric ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

STATE_TYPES: Final = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")
"""The state types, in the order AWS lists them in its message for an unknown ``Type``."""


class Lang(Enum):
    """The query language of a state, and of a field: JSONPath only, JSONata only, or BOTH."""

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


STRING: Final = FieldSpec(Kind.STRING)
OBJECT: Final = FieldSpec(Kind.OBJECT)
SPECIAL: Final = FieldSpec(Kind.SPECIAL)
JSONPATH_PATH: Final = FieldSpec(Kind.PATH, Lang.JSONPATH)
JSONPATH_STRING: Final = FieldSpec(Kind.STRING, Lang.JSONPATH)
JSONPATH_ANY: Final = FieldSpec(Kind.ANY, Lang.JSONPATH)
JSONATA_ANY: Final = FieldSpec(Kind.ANY, Lang.JSONATA)


def integer(minimum: float, maximum: float | None = 99999999) -> FieldSpec:
    """An integer field of either language; 99999999 is the bound measured on the seconds fields."""
    return FieldSpec(Kind.INTEGER, Lang.BOTH, minimum, maximum)


# Type, Comment and QueryLanguage are accepted by every state type.
_COMMON: Final[dict[str, FieldSpec]] = {"Type": SPECIAL, "Comment": STRING, "QueryLanguage": SPECIAL}
_TRANSITION: Final[dict[str, FieldSpec]] = {"Next": STRING, "End": FieldSpec(Kind.BOOLEAN)}
_IO_PATHS: Final[dict[str, FieldSpec]] = {"InputPath": JSONPATH_PATH, "OutputPath": JSONPATH_PATH}
_RESULT_PATHS: Final[dict[str, FieldSpec]] = {
    "Parameters": JSONPATH_ANY,
    "ResultSelector": FieldSpec(Kind.OBJECT, Lang.JSONPATH),
    "ResultPath": JSONPATH_PATH,
}
_OUTPUT_ASSIGN: Final[dict[str, FieldSpec]] = {"Output": JSONATA_ANY, "Assign": OBJECT}
_ERROR_HANDLING: Final[dict[str, FieldSpec]] = {"Retry": SPECIAL, "Catch": SPECIAL}
_NEXT_END: Final = Exclusive(("Next", "End"), required=True)

# The languages of the fields were measured too: Output, Arguments and Items are JSONata only;
# InputPath, OutputPath, ResultPath, ResultSelector, Parameters, Result, ItemsPath and
# MaxConcurrencyPath are JSONPath only. The other *Path fields are JSONPath only because JSONata
# states have no paths (AWS Step Functions developer guide, "Transforming data with JSONata in
# Step Functions": the five JSONPath fields are replaced by Arguments and Output).
STATE_SPECS: Final[dict[str, StateSpec]] = {
    "Pass": StateSpec(
        fields={
            **_COMMON,
            **_IO_PATHS,
            "Parameters": JSONPATH_ANY,
            "Result": JSONPATH_ANY,
            "ResultPath": JSONPATH_PATH,
            **_OUTPUT_ASSIGN,
            **_TRANSITION,
        },
        exclusive=(_NEXT_END,),
    ),
    "Task": StateSpec(
        fields={
            **_COMMON,
            "Resource": SPECIAL,
            **_IO_PATHS,
            **_RESULT_PATHS,
            "Arguments": JSONATA_ANY,
            **_OUTPUT_ASSIGN,
            "Credentials": SPECIAL,
            "TimeoutSeconds": integer(1),
            "TimeoutSecondsPath": JSONPATH_STRING,
            "HeartbeatSeconds": integer(1),
            "HeartbeatSecondsPath": JSONPATH_STRING,
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
            "Seconds": integer(0),
            "SecondsPath": JSONPATH_STRING,
            "Timestamp": FieldSpec(Kind.TIMESTAMP),
            "TimestampPath": JSONPATH_STRING,
            **_TRANSITION,
        },
        # AWS's message lists the four in this order.
        exclusive=(_NEXT_END, Exclusive(("SecondsPath", "Seconds", "TimestampPath", "Timestamp"), True)),
    ),
    "Choice": StateSpec(
        fields={**_COMMON, **_IO_PATHS, **_OUTPUT_ASSIGN, "Choices": SPECIAL, "Default": STRING},
        required=("Choices",),
    ),
    "Succeed": StateSpec(fields={**_COMMON, **_IO_PATHS, "Output": JSONATA_ANY}),
    "Fail": StateSpec(
        fields={
            **_COMMON,
            "Error": STRING,
            "ErrorPath": JSONPATH_STRING,
            "Cause": STRING,
            "CausePath": JSONPATH_STRING,
        },
        exclusive=(Exclusive(("Error", "ErrorPath")), Exclusive(("Cause", "CausePath"))),
    ),
    "Parallel": StateSpec(
        fields={
            **_COMMON,
            **_IO_PATHS,
            **_RESULT_PATHS,
            "Arguments": JSONATA_ANY,
            **_OUTPUT_ASSIGN,
            "Branches": SPECIAL,
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
            "ItemProcessor": SPECIAL,
            "Iterator": SPECIAL,
            "ItemsPath": JSONPATH_PATH,
            "Items": FieldSpec(Kind.ITEMS, Lang.JSONATA),
            "ItemSelector": FieldSpec(Kind.SELECTOR),
            "ItemReader": OBJECT,
            "ItemBatcher": OBJECT,
            "ResultWriter": OBJECT,
            "MaxConcurrency": integer(0, None),
            "MaxConcurrencyPath": JSONPATH_STRING,
            "ToleratedFailurePercentage": FieldSpec(Kind.NUMBER, Lang.BOTH, 0, 100),
            "ToleratedFailurePercentagePath": JSONPATH_STRING,
            "ToleratedFailureCount": integer(0, None),
            "ToleratedFailureCountPath": JSONPATH_STRING,
            "Label": STRING,
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

RETRIER_FIELDS: Final[dict[str, FieldSpec]] = {
    "ErrorEquals": SPECIAL,
    "Comment": STRING,
    # IntervalSeconds 0 is accepted (measured, as are the other bounds).
    "IntervalSeconds": integer(0),
    "MaxAttempts": integer(0),
    "BackoffRate": FieldSpec(Kind.NUMBER, Lang.BOTH, 1, None),
    "MaxDelaySeconds": integer(1, 31622400),
    "JitterStrategy": SPECIAL,
}
CATCHER_FIELDS: Final[dict[str, FieldSpec]] = {
    "ErrorEquals": SPECIAL,
    "Comment": STRING,
    "Next": STRING,
    "ResultPath": JSONPATH_PATH,
    **_OUTPUT_ASSIGN,
}
MACHINE_FIELDS: Final = ("Comment", "StartAt", "States", "QueryLanguage", "TimeoutSeconds", "Version")
SUB_MACHINE_FIELDS: Final = ("Comment", "StartAt", "States")
PROCESSOR_FIELDS: Final = (*SUB_MACHINE_FIELDS, "ProcessorConfig")

_JSONPATH_ONLY_NON_PATHS: Final = ("Parameters", "ResultSelector", "Result")
"""The JSONPath-only fields whose name does not end in ``Path``."""


def _check_tables() -> None:
    """Raise RuntimeError at import if the tables contradict themselves."""
    if set(STATE_SPECS) != set(STATE_TYPES):
        raise RuntimeError(f"STATE_SPECS covers {sorted(STATE_SPECS)}, not the state types {STATE_TYPES}")
    for type_name, spec in STATE_SPECS.items():
        for name in spec.required:
            if name not in spec.fields:
                raise RuntimeError(f"{type_name}: required field {name!r} is not in its field table")
        for group in spec.exclusive:
            if len(group.fields) < 2:
                raise RuntimeError(f"{type_name}: exclusive group {group.fields} has fewer than two fields")
            for name in group.fields:
                if name not in spec.fields:
                    raise RuntimeError(f"{type_name}: exclusive field {name!r} is not in its field table")
        for name, field in spec.fields.items():
            if field.lang is Lang.JSONPATH and not (
                name.endswith("Path") or name in _JSONPATH_ONLY_NON_PATHS
            ):
                raise RuntimeError(f"{type_name}: {name!r} is JSONPath only but is not a path field")
            if field.minimum is not None and field.maximum is not None and field.minimum > field.maximum:
                raise RuntimeError(f"{type_name}: {name!r} has its minimum above its maximum")


_check_tables()
