"""The Choice state's comparison operators: one table of every data-test operator, the checks on
their literal operands, and the ``StringMatches`` glob, used by `interpreter.states.choice` to
compile and evaluate rules (and by the toolkit to read and steer them).

AWS behaviours encoded here (evidence in the comments next to each):
- a value of the wrong type never matches (NumericEquals on a string is simply false);
- timestamps are the strict RFC 3339 profile of the ASL spec (`interpreter.timestamps`), compared
  as instants;
- ``StringMatches`` is a ``*`` glob with ``\\*`` and ``\\\\`` escapes, matched in linear time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Final, Protocol, Self, TypeVar

from interpreter.jsontypes import ABSENT, JSON, is_number
from interpreter.timestamps import Instant, parse_instant, parse_timestamp

__all__ = [
    "OPERAND_CHECKS",
    "OPERATORS",
    "Comparator",
    "GlobPattern",
    "OperandKind",
    "compile_glob",
]


# ---------------------------------------------------------------------------------------------
# StringMatches


@dataclass(frozen=True, slots=True)
class GlobPattern:
    """A compiled ``StringMatches`` pattern: the literal pieces between its ``*`` wildcards.

    ``a*b*c`` is ``("a", "b", "c")``; a pattern without a wildcard is a single piece that must
    equal the whole text.
    """

    pieces: tuple[str, ...]

    def matches(self, text: str) -> bool:
        """Whether `text` matches, in time linear in ``len(text) + len(pattern)`` (each piece is
        searched for once, in a window that only moves forward; `str.find` is linear).

        The first piece must be a prefix and the last a suffix (not overlapping it); the pieces in
        between are found left to right, each at its leftmost position after the previous one.
        Taking the leftmost occurrence is always safe (it leaves the most text for the rest), so
        no backtracking is ever needed, unlike a regex or the textbook two-pointer glob loop.
        """
        pieces = self.pieces
        if len(pieces) == 1:
            return text == pieces[0]
        first, last = pieces[0], pieces[-1]
        if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
            return False
        position, end = len(first), len(text) - len(last)
        for piece in pieces[1:-1]:
            found = text.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return True


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> GlobPattern:
    """Compile a ``StringMatches`` pattern.

    ASL spec: ``*`` matches zero or more characters; ``\\*`` is a literal star and ``\\\\`` a
    literal backslash. A backslash before any other character stands for that character, and a
    trailing lone backslash for itself (AWS's handling of these is not recorded; this is the
    lenient reading).
    """
    pieces: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            current.append(pattern[index + 1])
            index += 2
            continue
        if char == "*":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    pieces.append("".join(current))
    return GlobPattern(tuple(pieces))


# ---------------------------------------------------------------------------------------------
# Operators: one table {name: (operand kind, comparator)}; the *Path forms are derived from it.


class OperandKind(Enum):
    """What the literal operand of an operator must be (its ``*Path`` form takes a path instead)."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    PATTERN = "pattern"  # StringMatches: a string, compiled to a GlobPattern
    TYPE_TEST = "type test"  # Is*: a boolean saying whether the test should hold
    PATH = "path"  # every *Path form: a reference path resolved at run time


Comparator = Callable[[JSON, JSON], bool]


def _utf16(text: str) -> bytes:
    # AWS compares strings as Java does (String.compareTo: UTF-16 code units), which orders
    # characters outside the BMP differently from Python's code point order; big-endian UTF-16
    # bytes compare exactly like the code units.
    return text.encode("utf-16-be", "surrogatepass")


def _string_order(test: Callable[[bytes, bytes], bool]) -> Comparator:
    def compare(value: JSON, operand: JSON) -> bool:
        # Type mismatch is simply false (AWS, recorded: StringEquals on null/0/[]/{}/true).
        return isinstance(value, str) and isinstance(operand, str) and test(_utf16(value), _utf16(operand))

    return compare


def _numeric_order(test: Callable[[float, float], bool]) -> Comparator:
    def compare(value: JSON, operand: JSON) -> bool:
        # Booleans are not numbers and strings are never converted (AWS, recorded: NumericEquals
        # on true, "" and "1" is false); 1 and 1.0 are equal (recorded: NumericEquals 1.0 vs 1).
        return is_number(value) and is_number(operand) and test(value, operand)

    return compare


def _timestamp_order(test: Callable[[Instant, Instant], bool]) -> Comparator:
    def compare(value: JSON, operand: JSON) -> bool:
        # A value that is not a timestamp string never matches (AWS, recorded: TimestampEquals on
        # null, numbers, "", "2023-02-24 12:15:56.832957", arrays, objects, booleans).
        if not isinstance(value, str) or not isinstance(operand, str):
            return False
        left, right = parse_instant(value), parse_instant(operand)
        return left is not None and right is not None and test(left, right)

    return compare


def _boolean_equals(value: JSON, operand: JSON) -> bool:
    return isinstance(value, bool) and isinstance(operand, bool) and value is operand


def _string_matches(value: JSON, operand: JSON) -> bool:
    return isinstance(value, str) and isinstance(operand, GlobPattern) and operand.matches(value)


def _type_test(predicate: Callable[[JSON], bool]) -> Comparator:
    def compare(value: JSON, expected: JSON) -> bool:
        return predicate(value) is expected

    return compare


class _Ordered(Protocol):
    """A totally ordered operand: the UTF-16 bytes of a string, a number or an `Instant`."""

    def __lt__(self, other: Self, /) -> bool: ...
    def __le__(self, other: Self, /) -> bool: ...
    def __gt__(self, other: Self, /) -> bool: ...
    def __ge__(self, other: Self, /) -> bool: ...


_O = TypeVar("_O", bound=_Ordered)


def _eq(a: _O, b: _O) -> bool:
    return a == b


def _lt(a: _O, b: _O) -> bool:
    return a < b


def _gt(a: _O, b: _O) -> bool:
    return a > b


def _le(a: _O, b: _O) -> bool:
    return a <= b


def _ge(a: _O, b: _O) -> bool:
    return a >= b


_ORDERINGS: Final = {
    "Equals": _eq,
    "LessThan": _lt,
    "GreaterThan": _gt,
    "LessThanEquals": _le,
    "GreaterThanEquals": _ge,
}

_LITERAL_OPERATORS: dict[str, tuple[OperandKind, Comparator]] = {}
for _suffix, _test in _ORDERINGS.items():
    _LITERAL_OPERATORS[f"String{_suffix}"] = (OperandKind.STRING, _string_order(_test))
    _LITERAL_OPERATORS[f"Numeric{_suffix}"] = (OperandKind.NUMBER, _numeric_order(_test))
    _LITERAL_OPERATORS[f"Timestamp{_suffix}"] = (OperandKind.TIMESTAMP, _timestamp_order(_test))
_LITERAL_OPERATORS["BooleanEquals"] = (OperandKind.BOOLEAN, _boolean_equals)

OPERATORS: Final[dict[str, tuple[OperandKind, Comparator]]] = {
    **_LITERAL_OPERATORS,
    # ASL: appending "Path" to a comparison operator compares with a value selected from the
    # input (or the context object, or a variable) instead of a literal.
    **{f"{name}Path": (OperandKind.PATH, compare) for name, (_, compare) in _LITERAL_OPERATORS.items()},
    "StringMatches": (OperandKind.PATTERN, _string_matches),
    "IsNull": (OperandKind.TYPE_TEST, _type_test(lambda value: value is None)),
    "IsNumeric": (OperandKind.TYPE_TEST, _type_test(is_number)),
    "IsString": (OperandKind.TYPE_TEST, _type_test(lambda value: isinstance(value, str))),
    "IsBoolean": (OperandKind.TYPE_TEST, _type_test(lambda value: isinstance(value, bool))),
    "IsTimestamp": (
        OperandKind.TYPE_TEST,
        _type_test(lambda value: isinstance(value, str) and parse_timestamp(value) is not None),
    ),
    # IsPresent is decided before any comparator runs (a missing value is not an error for it).
    "IsPresent": (OperandKind.TYPE_TEST, _type_test(lambda value: value is not ABSENT)),
}

# The ASL operator list (Choice Rules, "Data-test expression"): 16 comparisons (String, Numeric and
# Timestamp with five orderings each, BooleanEquals), each with its *Path form, StringMatches and
# the six type tests: 39 names. Checked at import so the table cannot drift.
if len(OPERATORS) != 16 * 2 + 1 + 6 or {kind for kind, _ in OPERATORS.values()} != set(OperandKind):
    raise RuntimeError(f"Choice operator table is inconsistent: {sorted(OPERATORS)}")


# ---------------------------------------------------------------------------------------------
# Literal operands

# wording not recorded for any of these; the shape follows AWS's "The field 'Type' should have
# one of these values: [...]".
OPERAND_CHECKS: Final[dict[OperandKind, tuple[Callable[[JSON], bool], str]]] = {
    OperandKind.STRING: (lambda value: isinstance(value, str), "a string"),
    OperandKind.NUMBER: (is_number, "a number"),
    OperandKind.BOOLEAN: (lambda value: isinstance(value, bool), "a boolean"),
    OperandKind.TYPE_TEST: (lambda value: isinstance(value, bool), "a boolean"),
    OperandKind.TIMESTAMP: (
        lambda value: isinstance(value, str) and parse_timestamp(value) is not None,
        "a timestamp (e.g. 2016-03-14T01:59:00Z)",
    ),
    OperandKind.PATTERN: (lambda value: isinstance(value, str), "a string"),
}
if set(OPERAND_CHECKS) != set(OperandKind) - {OperandKind.PATH}:
    raise RuntimeError("every literal operand kind needs a check")
