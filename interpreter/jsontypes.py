"""JSON values as the interpreter sees them, and the few helpers every module needs.

Values are plain Python JSON (dict, list, str, int, float, bool, None) and are treated as
immutable: nothing in the core mutates a value it was given, so no defensive copies are made.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any, Final, TypeAlias

import orjson

JSON: TypeAlias = Any
"""A JSON value: dict[str, JSON] | list[JSON] | str | int | float | bool | None."""


class Absent(enum.Enum):
    """The type of `ABSENT`: "no value at all", which is different from JSON null.

    A one-member enum, so that ``x is ABSENT`` narrows ``T | Absent`` to ``T`` for the type
    checker, and the marker stays one object through copies and pickling.
    """

    ABSENT = "ABSENT"

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Final = Absent.ABSENT


def is_number(value: object) -> bool:
    """True for JSON numbers. ``bool`` is a subclass of ``int`` in Python but not a JSON number."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: object) -> bool:
    """True for JSON numbers with no fractional part (``3`` and ``3.0``, not ``True``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()


def type_name(value: object) -> str:
    """The JSON type name of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


MAX_JSON_DEPTH: Final = 1_000
"""Deepest nesting of arrays and objects `loads` accepts by default: the default limit of Jackson
(2.15 on), the JSON parser of AWS's Java services, since AWS's own limit is not published; far
below Python's recursion limit."""
MAX_NUMBER_LENGTH: Final = 1_000
"""Longest number token `loads` accepts: Jackson's default limit (2.15 on), AWS's own not being
published (Python itself refuses integers over 4,300 digits with advice about
sys.set_int_max_str_digits)."""


class JsonLimitError(ValueError):
    """JSON text beyond `loads`' nesting or number-length limits (a ValueError, like any
    other text that is not acceptable JSON)."""


def _reject_constant(token: str) -> JSON:
    raise ValueError(f"{token} is not valid JSON")


def _check_number_length(token: str) -> None:
    if len(token) > MAX_NUMBER_LENGTH:
        raise JsonLimitError(f"Number too long: {len(token)} characters (at most {MAX_NUMBER_LENGTH})")


def _parse_int(token: str) -> int:
    _check_number_length(token)
    return int(token)


def _parse_float(token: str) -> float:
    _check_number_length(token)
    # Python turns 1e400 into inf, which no JSON encoder can write back: refuse it as text that
    # cannot be represented, like NaN/Infinity, instead of failing later on the way out.
    value = float(token)
    if math.isinf(value):
        raise ValueError(f"Number out of range: {token}")
    return value


_DECODER: Final = json.JSONDecoder(
    parse_constant=_reject_constant, parse_float=_parse_float, parse_int=_parse_int
)
# Everything but brackets and quotes, and what each bracket does to the depth.
_NON_STRUCTURAL: Final = re.compile(r'[^\[\]{}"]+')
_BRACKET_STEP: Final[Mapping[str, int]] = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON `text` (``{}`` is 1, a scalar 0).

    Computed without parsing, in a few linear passes of C code: escaped backslashes and quotes
    are dropped (left to right, as a JSON reader pairs them), then every character but brackets
    and quotes, then whatever lies between quotes. On text that is not JSON the number is
    meaningless but finite; the parser reports the real problem.
    """
    reduced = _NON_STRUCTURAL.sub("", text.replace("\\\\", "").replace('\\"', ""))
    structure = "".join(reduced.split('"')[0::2])  # even pieces lie outside strings
    return max(accumulate(map(_BRACKET_STEP.__getitem__, structure)), default=0)


def loads(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> JSON:
    """Decode JSON text strictly: one value, no NaN/Infinity, nothing trailing, nesting at most
    `max_depth` deep (checked on the text before the parser recurses), number tokens at most
    `MAX_NUMBER_LENGTH` characters.

    Raises:
        ValueError: the text is not a single acceptable JSON value (json.JSONDecodeError and
            `JsonLimitError` are ValueErrors). Nothing else: the depth cap keeps the parser far
            from Python's recursion limit, so callers need not catch RecursionError. The message
            is Python's; `interpreter.json_errors.json_error_message` gives AWS's (Jackson's).
    """
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise JsonLimitError(f"nesting depth exceeds the maximum allowed ({max_depth})")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate character: only the reference parser takes it
        return _DECODER.decode(text)
    return _fast_loads(data, text)


def loads_utf8(data: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> JSON:
    """`loads` of UTF-8 `data` (a request body), without decoding it first when the fast reader
    takes it.

    Raises:
        UnicodeDecodeError: `data` is not UTF-8 (checked before anything is parsed).
        ValueError: as `loads`.
    """
    if data.count(b"[") + data.count(b"{") > max_depth:
        return loads(data.decode("utf-8"), max_depth=max_depth)
    return _fast_loads(data, None)


# The fast reader (orjson, ~10x the standard library's speed with our number hooks) is used only
# where its answer is provably the reference parser's (`_DECODER`); everything else, errors
# included, goes to the reference parser, so values, limits and error messages are unchanged.
# Measured differentially (random JSON mutations, every float class): the two disagree only on
# integers outside 64 bits (orjson answers a float) and on number tokens over MAX_NUMBER_LENGTH
# (orjson accepts them). Both need a run of at least 19 ASCII digits, which `_LONG_DIGITS` finds
# in one C pass over the bytes (a false alarm in a string only costs the slow path). orjson
# refuses lone surrogate escapes, NaN/Infinity, 1e400, BOMs and nesting over 1,024: those fall back.
_DIGITS_ONLY: Final = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_DIGITS: Final = b"0" * 19


def _fast_loads(data: bytes, text: str | None) -> JSON:
    if data.translate(_DIGITS_ONLY).find(_LONG_DIGITS) < 0:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    if text is None:
        text = data.decode("utf-8")
    return _DECODER.decode(text)


# Built once: json.dumps with non-default options builds a new encoder on every call (~2 us).
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_ASCII_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False)

# orjson writes what `_ENCODER` writes (compact, UTF-8 as is, the same escapes for every code
# point, measured over all of them) except: floats of magnitude 1e-9 to 1e-4 (``0.00001``,
# ``1e-7`` where Python writes ``1e-05``, ``1e-07``: ``0.0000`` and `_ONE_DIGIT_EXPONENT` spot
# both forms, measured over 2 million floats), NaN and infinities (orjson writes ``null``; Python refuses them: any ``null`` takes the
# reference path), and types it alone accepts (subclasses, dataclasses, datetimes: passed through
# to the reference encoder). Anything orjson refuses (integers beyond 64 bits, non-string keys,
# lone surrogates, nesting over 254) is encoded, or refused, by the reference encoder.
_ORJSON_OPTIONS: Final = (
    orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)
_ONE_DIGIT_EXPONENT: Final = re.compile(rb"e-\d(?!\d)")


def _fast_dumps(value: JSON) -> bytes | None:
    """orjson's text for `value` when it is the reference encoder's, else None."""
    try:
        data = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None
    # Three scans of the text (measured: a regex with a literal prefix finds "e-<digit>" faster
    # than `in` finds "e-" in text full of "e"s; one alternation regex is ten times slower).
    if b"null" in data or b"0.0000" in data or _ONE_DIGIT_EXPONENT.search(data) is not None:
        return None
    return data


def dumps(value: JSON) -> str:
    """Encode compactly, as AWS serialises values it builds itself (``{"a":1,"b":[1,2]}``)."""
    data = _fast_dumps(value)
    return data.decode("utf-8") if data is not None else _ENCODER.encode(value)


def json_size(value: JSON) -> int:
    """``utf8_size(dumps(value))``, without decoding the fast encoder's bytes into a str first."""
    data = _fast_dumps(value)
    return len(data) if data is not None else utf8_size(_ENCODER.encode(value))


def dumps_utf8(value: JSON) -> bytes:
    """``dumps(value)`` as UTF-8 bytes (an answer's body). A lone surrogate, which JSON escapes can
    carry but UTF-8 cannot, makes every non-ASCII character escaped instead: the same JSON."""
    data = _fast_dumps(value)
    if data is not None:
        return data
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except UnicodeEncodeError:
        return _ASCII_ENCODER.encode(value).encode("ascii")


_NEEDS_ESCAPE: Final = re.compile(r'["\\\x00-\x1f]')


def encoded_size(value: JSON, limit: int, memo: dict[int, tuple[int, JSON]]) -> int:
    """UTF-8 bytes of ``dumps(value)``, computed without building the text; `limit` + 1 as soon
    as the size is known to exceed `limit`.

    Values built by templates may hold one object many times (``{"a.$": "$", "b.$": "$", ...}``,
    ``States.Array($, $, ...)``); their text can be thousands of times the size of the objects
    they hold. `memo` (sizes by ``id``, shared by the checks of one run) measures each container
    once, so the quota is checked before any such text is built; it keeps each measured object
    alive, so no id is reused for another object while the memo lives. Exact, so the same value
    is refused here exactly when its text would be.
    """
    kind = type(value)
    if kind is str:
        return _string_size(value)
    if kind is dict or kind is list:
        known = memo.get(id(value))
        if known is not None:
            return known[0]
        total = 1 + (len(value) or 1)  # the brackets and the separators between items
        if kind is list:
            for item in value:
                item_kind = type(item)
                total += (
                    _SCALAR_SIZE[item_kind](item)
                    if item_kind in _SCALAR_SIZE
                    else encoded_size(item, limit, memo)
                )
                if total > limit:
                    return limit + 1
        else:
            for key, item in value.items():
                item_kind = type(item)
                total += (
                    _string_size(key)
                    + 1
                    + (  # 1: the colon
                        _SCALAR_SIZE[item_kind](item)
                        if item_kind in _SCALAR_SIZE
                        else encoded_size(item, limit, memo)
                    )
                )
                if total > limit:
                    return limit + 1
        memo[id(value)] = (total, value)
        return total
    size = _SCALAR_SIZE.get(kind)
    return size(value) if size is not None else utf8_size(dumps(value))


def _string_size(text: str) -> int:
    if text.isascii() and _NEEDS_ESCAPE.search(text) is None:
        return len(text) + 2  # the quotes
    return utf8_size(dumps(text))


# JSON scalars (but strings) by exact type: their text is their repr (json writes int and float
# with int.__repr__ and float.__repr__), true/false/null.
_SCALAR_SIZE: Final[Mapping[type, Any]] = {
    int: lambda number: len(int.__repr__(number)),
    float: lambda number: len(float.__repr__(number)),
    bool: lambda flag: 4 if flag else 5,
    type(None): lambda _: 4,
    str: _string_size,
}


def utf8_size(text: str) -> int:
    """Bytes of `text` in UTF-8, AWS's unit for payload quotas.

    JSON may carry a lone surrogate escape (``"\\ud800"``), which Python keeps as a code point
    that UTF-8 cannot encode; it is counted as the 3 bytes such a code point takes.
    """
    return len(text.encode("utf-8", "surrogatepass"))
