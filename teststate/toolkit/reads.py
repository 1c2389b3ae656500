"""What a state reads, as data: the places it reads, the kind of value each needs, its Choice rules.

`teststate.toolkit.jsonpath_reads` and `teststate.toolkit.jsonata_reads` walk one state of a
definition and describe it with the types of this module; `teststate.toolkit.steering` then draws
inputs that satisfy the description (and make each Choice rule true or false as wanted).

- A `Field` is one place a state reads: a definite path into its raw input, into a workflow
  variable, or into its (mocked) result.
- A `Read` says which kind of value (`Kind`) the state needs at a field, and whether it fails
  without one (``required``) or merely does better with one.
- A Choice rule is a small tree of conditions: `FieldTest` (one field against a literal), `Pair` (two
  fields, the ``*Path`` operators), `AllOf`/`AnyOf`/`Negation` (which stop early as And/Or and
  JSONata's ``and``/``or`` do), `Constant`, and `Opaque` for what is not understood (its fields
  still get values, but which way it goes is left to chance). Each `FieldTest` carries the outcome
  function of its operator (True, False, or None when evaluating it fails the state) and hints:
  values near the compared literal, on both sides of it.

The hint helpers (`string_hints`, `number_hints`, `timestamp_hints`, `glob_hints`) are shared by
both query languages.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final, Literal, TypeAlias

from interpreter.jsontypes import ABSENT, JSON, is_integer, is_number
from interpreter.states.choice_operators import compile_glob
from interpreter.timestamps import parse_timestamp

__all__ = [
    "KIND_EXAMPLES",
    "TYPE_HINTS",
    "AllOf",
    "AnyOf",
    "Branch",
    "Condition",
    "Constant",
    "Field",
    "FieldTest",
    "Kind",
    "Negation",
    "Opaque",
    "Pair",
    "Read",
    "Root",
    "StateReads",
    "Step",
    "conditions_in",
    "fits",
    "glob_hints",
    "number_hints",
    "string_hints",
    "timestamp_hints",
]

Root: TypeAlias = Literal["input", "variables", "result"]
Step: TypeAlias = str | int


@dataclass(frozen=True, slots=True, order=True)
class Field:
    """A place a state reads.

    Attributes:
        root: ``input`` (the state's raw input), ``variables`` (the workflow variables; the first
            step is the variable's name) or ``result`` (a Task's result, before ResultSelector).
        steps: object keys (str) and array indexes (int) below the root.
    """

    root: Root
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        head = {"input": "$", "variables": "$", "result": "$states.result"}[self.root]
        parts = [
            f"[{step}]"
            if isinstance(step, int)
            else (step if i == 0 and self.root == "variables" else f".{step}")
            for i, step in enumerate(self.steps)
        ]
        return head + "".join(parts)

    def is_below(self, other: Field) -> bool:
        """True when `other` is a strict prefix of this field (its value contains this one)."""
        return (
            self.root == other.root
            and len(self.steps) > len(other.steps)
            and self.steps[: len(other.steps)] == other.steps
        )


class Kind(StrEnum):
    """The kind of value a state needs at a field."""

    ANY = "any"
    SCALAR = "scalar"  # a string, number, boolean or null (States.Format's arguments)
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"  # a small non-negative integer (intrinsic arguments: sizes, indexes)
    POSITIVE_INTEGER = "positive integer"  # TimeoutSecondsPath, MaxItemsPerBatchPath, ...
    NON_NEGATIVE_INTEGER = "non-negative integer"  # SecondsPath, MaxConcurrencyPath, ...
    PERCENTAGE = "percentage"  # ToleratedFailurePercentagePath: 0 to 100
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"  # an ASL timestamp string (TimestampPath)
    ARRAY = "array"
    INDEXED_ARRAY = "array of at least 4 items"  # States.ArrayGetItem with a small index
    NUMBER_ARRAY = "array of numbers"  # JSONata $sum, $max, $average ...
    OBJECT = "object"
    JSON_TEXT = "JSON text"  # States.StringToJson, JSONata $parse
    BASE64 = "base64 text"  # States.Base64Decode


def _json_text(value: JSON) -> bool:
    if not isinstance(value, str):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _base64_text(value: JSON) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


_FITS: Final[dict[Kind, Callable[[JSON], bool]]] = {
    Kind.ANY: lambda value: True,
    Kind.SCALAR: lambda value: not isinstance(value, (dict, list)),
    Kind.STRING: lambda value: isinstance(value, str),
    Kind.NUMBER: is_number,
    Kind.INTEGER: lambda value: is_integer(value) and value >= 0,
    Kind.POSITIVE_INTEGER: lambda value: is_integer(value) and value >= 1,
    Kind.NON_NEGATIVE_INTEGER: lambda value: is_integer(value) and value >= 0,
    Kind.PERCENTAGE: lambda value: is_number(value) and 0 <= value <= 100,
    Kind.BOOLEAN: lambda value: isinstance(value, bool),
    Kind.TIMESTAMP: lambda value: isinstance(value, str) and parse_timestamp(value) is not None,
    Kind.ARRAY: lambda value: isinstance(value, list),
    Kind.INDEXED_ARRAY: lambda value: isinstance(value, list) and len(value) >= 4,
    Kind.NUMBER_ARRAY: lambda value: isinstance(value, list) and all(is_number(item) for item in value),
    Kind.OBJECT: lambda value: isinstance(value, dict),
    Kind.JSON_TEXT: _json_text,
    Kind.BASE64: _base64_text,
}
if set(_FITS) != set(Kind):  # checked at import
    raise RuntimeError(f"every kind needs a check: {sorted(set(Kind) - set(_FITS))}")


def fits(kind: Kind, value: JSON) -> bool:
    """Whether `value` (present: not ABSENT) is of `kind`."""
    return value is not ABSENT and _FITS[kind](value)


KIND_EXAMPLES: Final[Mapping[Kind, tuple[JSON, ...]]] = {
    Kind.ANY: ("text", 1, True, None, {"key": "value"}, [1, 2]),
    Kind.SCALAR: ("text", 1, True, None),
    Kind.STRING: ("text", ""),
    Kind.NUMBER: (1, 0, -1.5),
    Kind.INTEGER: (1, 0, 3),
    Kind.POSITIVE_INTEGER: (1, 60),
    Kind.NON_NEGATIVE_INTEGER: (0, 1),
    Kind.PERCENTAGE: (50, 0, 100),
    Kind.BOOLEAN: (True, False),
    Kind.TIMESTAMP: ("2024-01-01T00:00:00Z",),
    Kind.ARRAY: ([1, 2], []),
    Kind.INDEXED_ARRAY: ([1, 2, 3, 4],),
    Kind.NUMBER_ARRAY: ([1, 2, 3], []),
    Kind.OBJECT: ({"key": "value"}, {}),
    Kind.JSON_TEXT: ('{"key": "value"}', "1"),
    Kind.BASE64: ("dGV4dA==", ""),
}
"""A few plain values of each kind, in order of preference: what a solved input (one that is
not drawn, `teststate.toolkit.steering.solve`) puts in a field no test compares with a literal."""
_MISFITS = sorted(
    f"{kind}: {value!r}"
    for kind, values in KIND_EXAMPLES.items()
    for value in values
    if not fits(kind, value)
)
if set(KIND_EXAMPLES) != set(Kind) or _MISFITS:  # checked at import
    raise RuntimeError(
        f"every kind needs examples that fit it: {sorted(set(Kind) - set(KIND_EXAMPLES))} {_MISFITS}"
    )


@dataclass(frozen=True, slots=True)
class Read:
    """The state reads `field` and needs a value of `kind` there.

    ``required``: without such a value the state fails (a ``Parameters`` path that selects
    nothing is States.Runtime); otherwise the value only makes the run more interesting (a
    JSONata field that reads it yields undefined, which an object constructor drops).
    """

    field: Field
    kind: Kind = Kind.ANY
    required: bool = True


Outcome: TypeAlias = Callable[[JSON], "bool | None"]
"""A test's result for one value of its field (ABSENT when the field is missing): True, False,
or None when evaluating it fails the state."""

PairOutcome: TypeAlias = Callable[[JSON, JSON], "bool | None"]


@dataclass(frozen=True, slots=True)
class FieldTest:
    """One field tested against a literal (``Variable`` + operator, ``$states.input.x > 5``)."""

    field: Field
    outcome: Outcome
    hints: tuple[JSON, ...] = ()
    text: str = ""


@dataclass(frozen=True, slots=True)
class Pair:
    """Two fields compared with each other (the ``*Path`` operators, ``$states.input.a = $x``)."""

    left: Field
    right: Field
    outcome: PairOutcome
    hints: tuple[JSON, ...] = ()
    text: str = ""


@dataclass(frozen=True, slots=True)
class AllOf:
    """And: true when every operand is; the first false operand stops the evaluation."""

    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Or: true when some operand is; the first true operand stops the evaluation."""

    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Negation:
    """Not."""

    operand: Condition


@dataclass(frozen=True, slots=True)
class Constant:
    """A condition that is always `value` (a JSONata ``Condition`` written as a boolean)."""

    value: bool


@dataclass(frozen=True, slots=True)
class Opaque:
    """A condition not understood: its fields get values (of the kinds it uses them as, near its
    literals), its outcome is left to chance and to the check of the whole input."""

    reads: tuple[Read, ...] = ()  # its fields, with the kinds its expression uses them as
    hints: tuple[JSON, ...] = ()
    text: str = ""


Condition: TypeAlias = FieldTest | Pair | AllOf | AnyOf | Negation | Constant | Opaque


@dataclass(frozen=True, slots=True)
class Branch:
    """Where a Choice state may go.

    Attributes:
        next: the state it goes to; None for "no rule matched and there is no Default" (the
            state then fails with States.NoChoiceMatched).
        condition: the rule's condition; None for Default (or no Default): every rule false.
        reads: what the rule's own Output and Assign read (evaluated only when it matches).
    """

    next: str | None
    condition: Condition | None
    reads: tuple[Read, ...] = ()


@dataclass(frozen=True, slots=True)
class StateReads:
    """Everything one state reads.

    Attributes:
        reads: fields of the input and variables it reads whatever happens.
        branches: a Choice state's rules in order, then Default (or the no-match failure);
            empty for other states.
        result_reads: fields of its result that ResultSelector, OutputPath or a JSONata Output
            or Assign read (a Task's mocked result should have them).
    """

    reads: tuple[Read, ...] = ()
    branches: tuple[Branch, ...] = ()
    result_reads: tuple[Read, ...] = ()


def conditions_in(condition: Condition) -> list[Condition]:
    """`condition` and every condition nested in it, depth first."""
    found: list[Condition] = []
    pending: list[Condition] = [condition]
    while pending:
        current = pending.pop()
        found.append(current)
        if isinstance(current, (AllOf, AnyOf)):
            pending.extend(reversed(current.operands))
        elif isinstance(current, Negation):
            pending.append(current.operand)
    return found


# ---------------------------------------------------------------------------------------------
# Hints: values on both sides of a literal


TYPE_HINTS: Final[tuple[JSON, ...]] = (None, 0, 1.5, "", "text", True, False, "2016-03-14T01:59:00Z", {}, [])
"""One value of every JSON type (and a timestamp): for the type tests and for type mismatches."""


def string_hints(text: str) -> list[JSON]:
    """``text`` itself, longer and shorter (a prefix), just above and below it, and others."""
    hints: list[JSON] = [text, text + "a", "", "other"]
    if text:
        hints.append(text[:-1])
        last = ord(text[-1])
        for neighbour in (last - 1, last + 1):
            # Skip the surrogate range: those are not characters a JSON string can carry alone.
            if 0 <= neighbour <= 0x10FFFF and not 0xD800 <= neighbour <= 0xDFFF:
                hints.append(text[:-1] + chr(neighbour))
    return hints


def number_hints(number: float) -> list[JSON]:
    """``number`` itself, one and a half below and above it, and its opposite."""
    hints: list[JSON] = [number]
    for delta in (-1, 1, -0.5, 0.5):
        moved = number + delta
        if math.isfinite(moved) and moved != number:
            hints.append(moved)
    if number != 0:
        hints.append(-number)
    return hints


def timestamp_hints(text: str) -> list[JSON]:
    """The timestamp itself, a second and a day before and after it (UTC, ``Z``), the same
    instant written another way, and a string that is not a timestamp."""
    moment = parse_timestamp(text)
    hints: list[JSON] = [text, text.replace("T", " ", 1)]
    if moment is None:
        return hints
    utc = moment.astimezone(UTC)
    for delta in (timedelta(seconds=-1), timedelta(seconds=1), timedelta(days=-1), timedelta(days=1)):
        try:
            hints.append(_rfc3339(utc + delta))
        except OverflowError:  # year 1 or 9999
            continue
    if utc.microsecond == 0:
        hints.append(utc.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    return hints


def _rfc3339(moment: datetime) -> str:
    if moment.year < 1 or moment.year > 9999:
        raise OverflowError
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def glob_hints(pattern: str) -> list[JSON]:
    """Strings a ``StringMatches`` pattern matches (each ``*`` as nothing and as text) and strings
    it does not (the literal parts changed)."""
    pieces = compile_glob(pattern).pieces
    hints: list[JSON] = ["".join(pieces), "x".join(pieces), "xyz".join(pieces)]
    hints.extend(["!" + hints[0], hints[0] + "!" if len(pieces) == 1 else hints[0][:-1]])
    return hints
