"""Values across the JSONata library boundary: JSON in, JSON out, numbers as JavaScript prints them.

JSON null becomes the library's null marker on the way in (the library treats a bare ``None``
as *undefined*); sequences, lists and floats come back as plain lists and JSON numbers, and
what JSON.stringify would drop (undefined, functions) is dropped.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from jsonata.utils import Utils

from interpreter.jsonata.base import FunctionError
from interpreter.jsontypes import ABSENT, JSON

__all__ = ["js_number", "js_stringify", "to_json", "to_jsonata"]


def to_jsonata(value: JSON) -> Any:
    """A JSON value as the library expects it: JSON null as its null marker, not ``None``.

    The library reads a bare ``None`` as *undefined*, so a null variable would vanish and
    ``$map`` would drop null items. Containers holding no null are passed through unchanged
    (the library does not mutate its input).
    """
    if value is None:
        return Utils.NULL_VALUE
    if isinstance(value, dict):
        converted = {key: to_jsonata(item) for key, item in value.items()}
        return value if all(converted[key] is value[key] for key in value) else converted
    if isinstance(value, list):
        items = [to_jsonata(item) for item in value]
        return value if all(new is old for new, old in zip(items, value, strict=True)) else items
    return value


_OMIT: Final = object()
# JavaScript prints a number with an integral value without a fraction below 1e21, and in
# exponent form from 1e21 on (JSON.stringify(1e21) == "1e+21").
_JS_EXPONENT_FROM: Final = 1e21


def to_json(value: Any) -> JSON:
    """The library's result as plain JSON (ABSENT when undefined)."""
    converted = _json_value(value)
    return ABSENT if converted is _OMIT else converted


def _json_value(value: Any) -> Any:
    """One value: `_OMIT` for what JSON.stringify drops (undefined, functions)."""
    if value is None:
        return _OMIT
    if value is Utils.NULL_VALUE:
        return None
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return js_number(value)
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, dict):
        result: dict[str, JSON] = {}
        for key, item in value.items():
            converted = _json_value(item)
            if converted is not _OMIT:  # JSON.stringify omits function-valued members
                result[str(key)] = converted
        return result
    if isinstance(value, list):
        # JList/RangeList are list subclasses; iterate (RangeList only fakes indexing).
        # A function inside an array prints as null (JSON.stringify); inner None is null.
        return [None if item is None else _none_if_omitted(_json_value(item)) for item in value]
    # Functions, lambdas, regexes: not JSON. Undefined at the top, like JSON.stringify.
    return _OMIT


def _none_if_omitted(value: Any) -> JSON:
    return None if value is _OMIT else value


def js_number(value: int | float) -> int | float:
    """A number as JavaScript would print it: integral values without ``.0`` below 1e21."""
    if isinstance(value, int):
        if abs(value) < _JS_EXPONENT_FROM:
            return value
        try:
            return float(value)
        except OverflowError:
            raise FunctionError("D1001: Number out of range: Infinity") from None
    if not math.isfinite(value):
        raise FunctionError(f"D1001: Number out of range: {_js_float_text(value)}")
    if value.is_integer() and abs(value) < _JS_EXPONENT_FROM:
        return int(value)  # also turns -0.0 into 0, as JSON.stringify(-0) == "0"
    return value


def _js_float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def js_stringify(value: Any) -> str:
    """JavaScript's ``JSON.stringify(value)`` for an error message; ``undefined`` for what it
    drops, Python's text for what cannot be converted."""
    if value is None:
        return "undefined"
    try:
        converted = _json_value(value)
        if converted is _OMIT:
            return "undefined"
        return json.dumps(converted, separators=(",", ":"), ensure_ascii=False)
    except (FunctionError, ValueError, TypeError, RecursionError):
        return str(value)
