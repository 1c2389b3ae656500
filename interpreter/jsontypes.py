"""JSON values as the interpreter sees them, and the few helpers every module needs.

Values are plain Python JSON (dict, list, str, int, float, bool, None) and are treated as
immutable: nothing in the core mutates a value it was given, so no defensive copies are made.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final, TypeAlias

JSON: TypeAlias = Any
"""A JSON value: dict[str, JSON] | list[JSON] | str | int | float | bool | None."""


class _Absent:
    """The type of `ABSENT`: "no value at all", which is different from JSON null."""

    __slots__ = ()
    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


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


def _reject_constant(token: str) -> JSON:
    raise ValueError(f"{token} is not valid JSON")


def _parse_float(token: str) -> float:
    # Python turns 1e400 into inf, which no JSON encoder can write back: refuse it as text that
    # cannot be represented, like NaN/Infinity, instead of failing later on the way out.
    value = float(token)
    if math.isinf(value):
        raise ValueError(f"Number out of range: {token}")
    return value


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_float)


def loads(text: str) -> JSON:
    """Decode JSON text strictly: one value, no NaN/Infinity, nothing trailing.

    Raises:
        ValueError: the text is not a single JSON value (json.JSONDecodeError is a ValueError).
    """
    return _DECODER.decode(text)


def dumps(value: JSON) -> str:
    """Encode compactly, as AWS serialises values it builds itself (``{"a":1,"b":[1,2]}``)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def utf8_size(text: str) -> int:
    """Bytes of `text` in UTF-8, AWS's unit for payload quotas.

    JSON may carry a lone surrogate escape (``"\\ud800"``), which Python keeps as a code point
    that UTF-8 cannot encode; it is counted as the 3 bytes such a code point takes.
    """
    return len(text.encode("utf-8", "surrogatepass"))
