"""JSONata built-ins replaced so that they check their result size before allocating it, or so
that they fail in JSONata's words instead of Python's.

Same names and signatures as the library's (jsonata-js 2.0.6 semantics, functions.js):
``$distinct``, ``$pad``, ``$join``, ``$split``, ``$replace``, ``$number``, ``$power`` and the
picture functions (``$formatNumber``, ``$formatInteger``, ``$parseInteger``, ``$toMillis``,
``$fromMillis``). `BUILTIN_FACTORIES` maps each name to its factory.
"""

from __future__ import annotations

import inspect
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from jsonata import Jsonata
from jsonata.functions import Functions
from jsonata.jexception import JException
from jsonata.utils import Utils

from interpreter.jsonata.base import (
    LARGEST_DOUBLE,
    FunctionError,
    FunctionFactory,
    check_picture,
    check_string_length,
    native_function,
    sequence_too_long,
)
from interpreter.limits import JsonataLimits
from interpreter.scope import World

__all__ = ["BUILTIN_FACTORIES"]


def _distinct(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$distinct(array)``, replacing the library's: it compares with Python ``==``
    (``$distinct([1, true])`` gave ``[1]``; JSONata keeps both) in quadratic time (62 s for
    1e5 items, beyond any time check). Deep equality by a hashable key, in one pass."""

    def distinct(array: Any) -> Any:
        if not isinstance(array, list) or len(array) <= 1:
            return array
        seen: set[Any] = set()
        kept = []
        for item in array:
            key = _identity(item)
            if key not in seen:
                seen.add(key)
                kept.append(item)
        return Utils.create_sequence_from_iter(kept) if isinstance(array, Utils.JList) else kept

    return native_function("<x:x>", distinct)


def _identity(value: Any) -> Any:
    """A hashable key equal for deep-equal JSONata values (numbers by value, not booleans)."""
    if value is None or value is Utils.NULL_VALUE:
        return ("null",)
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(_identity(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _identity(item)) for key, item in value.items()))
    return ("function", id(value))


def _pad(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$pad(str, width[, char])``: the library builds the padding before any check
    (``$pad('x', 1e10)`` asked for 10 GB); |width| is the result's length, so check it first.

    A fractional width is JSONata 2.0.6's: 2.1 truncates it (jsonata-js CHANGELOG, 2.1.0:
    "Truncate fractional part of numeric argument of `$pad` function", PR #729), and so does the
    library, but 2.0.6 builds its padding with ``new Array(|width| - length + 1)``, which throws
    JavaScript's ``RangeError: Invalid array length`` when that count is fractional. How AWS words
    an error that has no JSONata code is not recorded: ours is JavaScript's own text for it."""

    def pad(string: Any, width: Any, char: Any = None) -> Any:
        if isinstance(width, (int, float)) and not isinstance(width, bool):
            check_string_length(int(min(abs(width), sys.maxsize)), limits)
            if (
                isinstance(string, str)
                and isinstance(width, float)
                and not width.is_integer()
                and abs(width) - len(string) > 0
            ):
                raise FunctionError("RangeError: Invalid array length")
        return Functions.pad(string, width, char)

    return native_function("<s-ns?:s>", pad)


def _join(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$join(array[, separator])``: the total length is known before joining (100,000
    references to one 10 MB string would otherwise make a 1 TB string)."""

    def join(strings: Any, separator: Any = None) -> Any:
        if isinstance(strings, list) and strings:
            gaps = len(separator) * (len(strings) - 1) if isinstance(separator, str) else 0
            check_string_length(sum(len(item) for item in strings if isinstance(item, str)) + gaps, limits)
        return Functions.join(strings, separator)

    return native_function("<a<s>s?:s>", join)


def _split(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$split(str, separator[, limit])``: the number of pieces of a string separator is
    counted before splitting (the library looped in Python over each character for ``''``); a
    regex separator is scanned through its bounded view and, as in jsonata-js, the pieces are
    the text between matches, without the captures Python's ``split`` would insert."""

    def split(string: Any, separator: Any, limit: Any = None) -> Any:
        if string is None:
            return None
        if limit is not None and limit < 0:
            raise JException("D3020", -1, string)
        count = None if limit is None else int(limit)
        if count == 0:
            return []
        if isinstance(separator, str):
            pieces = len(string) if separator == "" else string.count(separator) + 1
            if min(pieces, count if count is not None else pieces) > limits.max_sequence_items:
                raise FunctionError(sequence_too_long(pieces, limits))
            items = list(string) if separator == "" else string.split(separator)
            return items[:count] if count is not None else items
        items = []
        start = 0
        for match in separator.finditer(string):
            if count is not None and len(items) >= count:
                break
            items.append(string[start : match.start()])
            start = match.end()
        if count is None or len(items) < count:
            items.append(string[start:])
        return items

    return native_function("<s-(sf)n?:a<s>>", split)


def _replace(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$replace(str, pattern, replacement[, limit])`` as jsonata-js does it, bounded.

    The library's version re-copies the rest of the string at every occurrence (quadratic:
    minutes for 10^7 occurrences, uninterruptible), rewrites ``$n`` into Python templates
    (so a backslash in the replacement was an escape) and, with a limit, re-scans its own
    output. jsonata-js: a string pattern inserts the replacement text as it is; a regex
    pattern expands ``$0``, ``$n`` and ``$$`` in it, or calls a replacement function with the
    match object. The result size is checked before (string pattern) or while (regex) it is
    built.
    """

    def replace(string: Any, pattern: Any, replacement: Any, limit: Any = None) -> Any:
        if string is None:
            return None
        if pattern == "":
            raise JException("D3010", -1)
        if limit is not None and limit < 0:
            raise JException("D3011", -1)
        count = None if limit is None else math.ceil(limit)  # JS counts while count < limit
        if count == 0:
            return string
        if isinstance(pattern, str):
            occurrences = string.count(pattern) if count is None else min(string.count(pattern), count)
            if isinstance(replacement, str):
                check_string_length(len(string) + occurrences * (len(replacement) - len(pattern)), limits)
                return string.replace(pattern, replacement, -1 if count is None else count)
            return _replace_literal_by_function(string, pattern, replacement, count, limits)
        if isinstance(replacement, str):
            return pattern.sub(lambda match: _js_substitute(replacement, match), string, count or 0)
        return pattern.sub(lambda match: _replacement_call(replacement, match), string, count or 0)

    return native_function("<s-(sf)(sf)n?:s>", replace)


def _replace_literal_by_function(
    string: str, pattern: str, function: Any, count: int | None, limits: JsonataLimits
) -> str:
    """A string pattern with a replacement function: the function gets each occurrence as a
    match object (jsonata-js would insert the function's source text; no state needs that)."""
    parts: list[str] = []
    position = 0
    total = 0
    while count is None or len(parts) // 2 < count:
        index = string.find(pattern, position)
        if index < 0:
            break
        replacement = _replacement_call(function, _LiteralMatch(pattern, index))
        total += index - position + len(replacement)
        check_string_length(total, limits)
        parts += (string[position:index], replacement)
        position = index + len(pattern)
    parts.append(string[position:])
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _LiteralMatch:
    """The part of a regex match object `_replacement_call` reads, for a string pattern."""

    text: str
    index: int

    def group(self, number: int = 0) -> str:
        return self.text

    def groups(self) -> tuple[str | None, ...]:
        return ()

    def start(self) -> int:
        return self.index

    def end(self) -> int:
        return self.index + len(self.text)


def _replacement_call(function: Any, match: Any) -> str:
    """jsonata-js calls the function with the matcher's object: match, start, end, groups
    (captures only, unmatched ones undefined); anything but a string result is D3012."""
    argument = {
        "match": match.group(),
        "start": match.start(),
        "end": match.end(),
        "groups": list(match.groups()),
    }
    result = Functions.func_apply(function, [argument])
    if not isinstance(result, str):
        raise JException("D3012", -1)
    return result


_LOG10E: Final = 0.4342944819032518  # JavaScript's Math.LOG10E


def _js_substitute(replacement: str, match: Any) -> str:
    """The text for one regex match: jsonata-js's replacer, step by step (``$$`` is ``$``,
    ``$0`` the match, ``$n`` capture n read greedily with as many digits as the count of
    captures has, else one digit fewer; an unmatched or missing capture is empty; a ``$``
    followed by anything else stays literal)."""
    groups = match.groups()
    out: list[str] = []
    position = 0
    index = replacement.find("$", position)
    while index != -1 and position < len(replacement):
        out.append(replacement[position:index])
        position = index + 1
        dollar_value = replacement[position : position + 1]
        if dollar_value == "$":
            out.append("$")
            position += 1
        elif dollar_value == "0":
            out.append(match.group())
            position += 1
        else:
            max_digits = 1 if not groups else math.floor(math.log(len(groups)) * _LOG10E) + 1
            number = _js_parse_int(replacement[position : position + max_digits])
            if max_digits > 1 and number is not None and number > len(groups):
                number = _js_parse_int(replacement[position : position + max_digits - 1])
            if number is None:
                out.append("$")
            else:
                if groups and 0 <= number - 1 < len(groups) and groups[number - 1] is not None:
                    out.append(groups[number - 1])
                position += len(str(number))
        index = replacement.find("$", position)
    out.append(replacement[position:])
    return "".join(out)


_JS_INT_PREFIX: Final = re.compile(r"\s*([+-]?\d+)")


def _js_parse_int(text: str) -> int | None:
    """JavaScript's ``parseInt(text, 10)``; None where it gives NaN."""
    found = _JS_INT_PREFIX.match(text)
    return None if found is None else int(found.group(1))


# jsonata-js ``$number``: decimal JSON-like numbers, and 0x/0o/0b integers.
_JS_DECIMAL: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[Ee][-+]?[0-9]+)?")
_JS_PREFIXED: Final = re.compile(r"0(?:([xX])[0-9A-Fa-f]+|([oO])[0-7]+|([bB])[01]+)")
_PREFIX_BASES: Final[Mapping[str, int]] = {"x": 16, "o": 8, "b": 2}


def _number(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$number(arg)`` as jsonata-js: booleans 1/0, numbers as they are, strings that are
    decimal numbers or 0x/0o/0b integers; anything else fails with D3030 (the library let
    Python's ``float('x')`` ValueError through)."""

    def number(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            if _JS_DECIMAL.fullmatch(value):
                converted = float(value)
                if math.isfinite(converted):  # jsonata-js: isFinite(arg)
                    return converted
            elif _JS_PREFIXED.fullmatch(value):
                integer = int(value[2:], _PREFIX_BASES[value[1].lower()])
                if integer > LARGEST_DOUBLE:
                    raise FunctionError("D1001: Number out of range: Infinity")
                return integer
        raise JException("D3030", -1, value)

    return native_function("<(nsb)-:n>", number)


def _power(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$power(base, exponent)``: D3061 whenever the result is no JSON number, including the
    overflow (``$power(2, 1e6)``) and the complex results Python gives where JavaScript gives
    NaN (``$power(-8, 1/3)``)."""

    def power(base: Any, exponent: Any) -> Any:
        if base is None:
            return None
        try:
            result = math.pow(float(base), float(exponent))
        except (OverflowError, ValueError):
            raise JException("D3061", -1, base, exponent) from None
        if not math.isfinite(result):
            raise JException("D3061", -1, base, exponent)
        return result

    return native_function("<n-n:n>", power)


# name: (the library's signature, its Functions method, position of the picture argument)
_PICTURE_FUNCTIONS: Final[Mapping[str, tuple[str, str, int]]] = {
    "formatNumber": ("<n-so?:s>", "format_number", 1),
    "formatInteger": ("<n-s:s>", "format_integer", 1),
    "parseInteger": ("<s-s:n>", "parse_integer", 1),
    "toMillis": ("<s-s?:n>", "datetime_to_millis", 1),
    "fromMillis": ("<n-s?s?:s>", "datetime_from_millis", 1),
}


def _picture_function(name: str) -> FunctionFactory:
    """The library's ``$name``, with its picture argument held to `max_picture_length` first
    (the library parses pictures character by character in Python)."""
    signature, method_name, position = _PICTURE_FUNCTIONS[name]
    method = getattr(Functions, method_name)
    arity = len(inspect.signature(method).parameters)

    def factory(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
        def checked(*args: Any) -> Any:
            if len(args) > position:
                check_picture(name, args[position], limits)
            return Functions._call(method, arity, args)

        return native_function(signature, checked)

    return factory


BUILTIN_FACTORIES: Final[Mapping[str, FunctionFactory]] = {
    "distinct": _distinct,
    "pad": _pad,
    "join": _join,
    "split": _split,
    "replace": _replace,
    "number": _number,
    "power": _power,
    **{name: _picture_function(name) for name in _PICTURE_FUNCTIONS},
}
