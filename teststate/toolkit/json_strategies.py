"""JSON values for the toolkit's strategies: any JSON Step Functions carries (`json_values`,
`json_objects`), the small values of each kind a state may need at a field it reads
(`kind_values`, `UNREAD_KEYS`), and `StrategyError`, what every strategy raises when it cannot be
built.

Users import these from `teststate.toolkit.strategies` (the documented path, which re-exports
them); the other strategy modules import them from here.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from hypothesis import strategies as st

from teststate.toolkit.errors import ToolkitError
from teststate.toolkit.reads import Kind

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "UNREAD_KEYS",
    "StrategyError",
    "json_objects",
    "json_values",
    "kind_values",
]


MAX_PAYLOAD_BYTES: Final = 262_144
"""AWS's limit on a state's input or output, a mocked result, variables (UTF-8 bytes; Step
Functions developer guide, "Quotas": "Maximum input or output size for a task, state, or
execution: 262,144 bytes")."""

# Integers within a signed 64-bit long, and finite doubles: the numbers a JVM JSON reader (AWS's
# service runs on one) keeps exactly. What AWS does with larger integers is not recorded.
_LONG_MIN: Final = -(2**63)
_LONG_MAX: Final = 2**63 - 1


class StrategyError(ToolkitError, ValueError):
    """A strategy cannot be built for these arguments (the definition is not valid, the state is
    not there, no error could match ...)."""


# ---------------------------------------------------------------------------------------------
# JSON


def json_values(
    *,
    max_leaves: int = 12,
    max_depth: int = 8,
    max_string_size: int = 16,
    exact_numbers: bool = False,
    max_bytes: int = MAX_PAYLOAD_BYTES,
) -> st.SearchStrategy[Any]:
    """JSON values as Step Functions carries them.

    Arguments:
        max_leaves: most scalars in one value.
        max_depth: deepest nesting of arrays and objects.
        max_string_size: longest string (keys are at most 8 characters).
        exact_numbers: integers within ±2**53 only, so that every number is exactly a double
            (what a JSONata expression computes with); otherwise any 64-bit integer.
        max_bytes: the largest UTF-8 encoding of the value (AWS's 256 KiB by default).

    Returns:
        null, booleans, numbers (integers; finite doubles, -0.0 included; no NaN or Infinity,
        which JSON cannot write), strings of any Unicode characters (lone surrogates excluded:
        UTF-8 cannot carry them), arrays and objects.

    Example::

        @given(value=json_values(max_leaves=4))
        def test_pass_returns_its_input(sfn, value):
            answer = sfn.test_state(definition=PASS, input=json.dumps(value))
            assert json.loads(answer["output"]) == value
    """
    return _json_values(max_leaves, max_depth, max_string_size, exact_numbers, max_bytes)


@functools.lru_cache(maxsize=64)
def _json_values(
    max_leaves: int, max_depth: int, max_string_size: int, exact_numbers: bool, max_bytes: int
) -> st.SearchStrategy[Any]:
    # Cached: building a recursive strategy costs more than drawing from it.
    limit = 2**53 if exact_numbers else None
    integers = st.integers(min_value=-limit if limit else _LONG_MIN, max_value=limit if limit else _LONG_MAX)
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        integers,
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=max_string_size),
    )
    values = st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )
    return values.filter(lambda value: _depth(value) <= max_depth and _size(value) <= max_bytes)


def json_objects(
    *, max_leaves: int = 12, max_bytes: int = MAX_PAYLOAD_BYTES
) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects (what most states take as input); see `json_values`.

    Example::

        @given(document=json_objects(max_leaves=6))
        def test_any_object_gets_through(sfn, document): ...
    """
    return st.dictionaries(st.text(max_size=8), json_values(max_leaves=max_leaves // 2), max_size=5).filter(
        lambda value: _size(value) <= max_bytes
    )


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


# Values of each kind a state may need at a field (`teststate.toolkit.reads.Kind`): realistic and
# small, inside the range the state accepts.
_NUMBERS: Final = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
)
_TIMESTAMP_TEXT: Final = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


_SMALL_JSON: Final = json_values(max_leaves=3, max_depth=3, max_string_size=8)
_KIND_VALUES: Final[Mapping[Kind, st.SearchStrategy[Any]]] = {
    Kind.ANY: _SMALL_JSON,
    Kind.SCALAR: st.one_of(st.text(max_size=8), _NUMBERS, st.booleans()),
    Kind.STRING: st.text(max_size=12),
    Kind.NUMBER: _NUMBERS,
    Kind.INTEGER: st.integers(0, 3),
    Kind.POSITIVE_INTEGER: st.integers(1, 3600),
    Kind.NON_NEGATIVE_INTEGER: st.integers(0, 3600),
    Kind.PERCENTAGE: st.one_of(st.integers(0, 100), st.floats(0, 100)),
    Kind.BOOLEAN: st.booleans(),
    Kind.TIMESTAMP: _TIMESTAMP_TEXT,
    Kind.ARRAY: st.lists(_SMALL_JSON, max_size=4),
    Kind.INDEXED_ARRAY: st.lists(_SMALL_JSON, min_size=4, max_size=6),
    Kind.NUMBER_ARRAY: st.lists(_NUMBERS, max_size=4),
    Kind.OBJECT: st.dictionaries(st.text(max_size=6), _SMALL_JSON, max_size=3),
    Kind.JSON_TEXT: _SMALL_JSON.map(lambda value: json.dumps(value, ensure_ascii=False)),
    Kind.BASE64: st.binary(max_size=12).map(lambda data: base64.b64encode(data).decode("ascii")),
}
if set(_KIND_VALUES) != set(Kind):  # checked at import
    raise RuntimeError(f"every kind needs values: {sorted(set(Kind) - set(_KIND_VALUES))}")


def kind_values(kind: Kind) -> st.SearchStrategy[Any]:
    return _KIND_VALUES[kind]


UNREAD_KEYS: Final = st.dictionaries(st.text(min_size=1, max_size=8), _SMALL_JSON, max_size=3)
