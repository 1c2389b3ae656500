"""The JSONata fast path's built-in functions (jsonata.functions), `FUNCTIONS`.

Each function of `GRAMMAR["function"]`: the argument counts it is compiled with, and its
signature check and implementation on (arguments, context item); the context stands in for a
missing argument where the signature says so (``-``). A value the library refuses bails with ERROR.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsonata.fast_values import UNDEFINED, Bail, BailOut, is_number, symbol, truthy


@dataclass(frozen=True, slots=True)
class _Function:
    arities: frozenset[int]
    apply: Callable[[Sequence[Any], Any], Any]


def _number_array(value: Any) -> Sequence[Any] | None:
    """An ``a<n>`` argument: None for undefined or null, a number as an array of one, an array of
    numbers as it is; anything else fails (T0412)."""
    if value is UNDEFINED or value is None:
        return None
    if is_number(value):
        return (value,)
    if isinstance(value, list) and all(is_number(item) for item in value):
        return value
    raise BailOut(Bail.ERROR)


def _aggregate(reduce: Callable[[Sequence[Any]], Any], *, empty: Any) -> _Function:
    """``<a<n>:n>``: $sum (0 for no numbers), $max, $min, $average (undefined for none)."""

    def aggregate(arguments: Sequence[Any], context: Any) -> Any:
        numbers = _number_array(arguments[0])
        if numbers is None:
            return UNDEFINED
        if not numbers:
            return empty
        return reduce(numbers)

    return _Function(frozenset({1}), aggregate)


def _count(arguments: Sequence[Any], context: Any) -> Any:
    """``<a:n>``: undefined and null count 0, an array its items, anything else 1."""
    value = arguments[0]
    if value is UNDEFINED or value is None:
        return 0
    return len(value) if isinstance(value, list) else 1


def _of_string(function: Callable[[str], Any]) -> _Function:
    """``<s-:…>``: a string, or the context item without an argument; undefined stays undefined;
    null (passed as "missing", then refused by the function) and other types fail."""

    def of_string(arguments: Sequence[Any], context: Any) -> Any:
        value = arguments[0] if arguments else context
        if value is UNDEFINED:
            return UNDEFINED
        if type(value) is not str:
            raise BailOut(Bail.ERROR)
        return function(value)

    return _Function(frozenset({0, 1}), of_string)


def _of_number(function: Callable[[Any], Any]) -> _Function:
    """``<n-:n>``: as `_of_string`, for a number."""

    def of_number(arguments: Sequence[Any], context: Any) -> Any:
        value = arguments[0] if arguments else context
        if value is UNDEFINED:
            return UNDEFINED
        if not is_number(value):
            raise BailOut(Bail.ERROR)
        return function(value)

    return _Function(frozenset({0, 1}), of_number)


def _of_any(function: Callable[[Any], Any]) -> _Function:
    """``<x-:b>``: any value, or the context item; undefined stays undefined."""

    def of_any(arguments: Sequence[Any], context: Any) -> Any:
        value = arguments[0] if arguments else context
        return UNDEFINED if value is UNDEFINED else function(value)

    return _Function(frozenset({0, 1}), of_any)


_WHITESPACE: Final = re.compile("[ \t\n\r]+")


def _trim(text: str) -> str:
    """``$trim``: runs of whitespace become one space, then one leading and trailing space go."""
    return _WHITESPACE.sub(" ", text).strip(" ")


def _exists(arguments: Sequence[Any], context: Any) -> Any:
    return arguments[0] is not UNDEFINED


def _contains(arguments: Sequence[Any], context: Any) -> Any:
    """``<s-(sf):b>`` with two arguments (a regex is not in the grammar)."""
    text, token = arguments
    if symbol(text) not in "sm" or symbol(token) not in "sm":
        raise BailOut(Bail.ERROR)  # T0410
    if text is UNDEFINED or text is None:
        return UNDEFINED
    if type(token) is not str:
        raise BailOut(Bail.ERROR)  # the library's "unknown type to match"
    return token in text


def _substring_around(before: bool) -> _Function:
    """``<s-s:s>`` with two arguments: $substringBefore, $substringAfter."""

    def around(arguments: Sequence[Any], context: Any) -> Any:
        text, chars = arguments
        if symbol(text) not in "sm" or symbol(chars) not in "sm" or text is None or chars is None:
            raise BailOut(Bail.ERROR)  # T0410
        if text is UNDEFINED:
            return UNDEFINED
        if chars is UNDEFINED:
            return text
        position = text.find(chars)
        if position < 0:
            return text
        return text[:position] if before else text[position + len(chars) :]

    return _Function(frozenset({2}), around)


def _substring(arguments: Sequence[Any], context: Any) -> Any:
    """``<s-nn?:s>`` with two or three arguments. Two numbers match the signature's second
    reading: the string is then the context item."""
    if len(arguments) == 3:
        text, start, length = arguments
    elif symbol(arguments[0]) in "sm" and symbol(arguments[1]) in "nm":
        (text, start), length = arguments, UNDEFINED
    else:
        text, (start, length) = context, arguments
    if symbol(text) not in "sm" or symbol(start) not in "nm" or symbol(length) not in "nm":
        raise BailOut(Bail.ERROR)  # T0410, T0411
    if text is None or start is None or length is None:
        raise BailOut(Bail.ERROR)  # T0410
    if text is UNDEFINED:
        return UNDEFINED
    if start is UNDEFINED:
        return text if length is UNDEFINED else ""
    first = int(start)
    if len(text) + first < 0:
        first = 0
    if length is UNDEFINED:
        return _substr(text, first, len(text))
    count = int(length)
    return "" if count <= 0 else _substr(text, first, count)


def _substr(text: str, start: int, length: int) -> str:
    """JavaScript's ``substr`` as the library writes it (``Functions.substr``)."""
    size = len(text)
    if start >= size:
        return ""
    if start < 0:
        start = max(size + start, 0)
    return text[start : min(start + min(length, size), size)]


FUNCTIONS: Final[Mapping[str, _Function]] = {
    "sum": _aggregate(sum, empty=0),
    "max": _aggregate(max, empty=UNDEFINED),
    "min": _aggregate(min, empty=UNDEFINED),
    "average": _aggregate(lambda numbers: sum(numbers) / len(numbers), empty=UNDEFINED),
    "count": _Function(frozenset({1}), _count),
    "uppercase": _of_string(str.upper),
    "lowercase": _of_string(str.casefold),  # the library case-folds (jsonata-js: toLowerCase)
    "length": _of_string(len),
    "trim": _of_string(_trim),
    "contains": _Function(frozenset({2}), _contains),
    "substring": _Function(frozenset({2, 3}), _substring),
    "substringBefore": _substring_around(True),
    "substringAfter": _substring_around(False),
    "abs": _of_number(abs),
    "floor": _of_number(lambda number: math.floor(float(number))),
    "ceil": _of_number(lambda number: math.ceil(float(number))),
    "exists": _Function(frozenset({1}), _exists),
    "not": _of_any(lambda value: not truthy(value)),
    "boolean": _of_any(truthy),
}


FUNCTION_ARITIES: Final[Mapping[str, frozenset[int]]] = {
    name: function.arities for name, function in FUNCTIONS.items()
}
"""The argument counts each function of `GRAMMAR` is compiled with (others: the library's)."""
