"""Java library behaviour that AWS's intrinsic functions show through, reproduced in Python.

AWS runs the intrinsics on the JVM, and some results carry Java's habits: `States.Format` renders
objects and arrays with Java's ``Map``/``List`` ``toString``, `States.JsonMerge` iterates its
result as a ``java.util.HashMap`` would, and the math functions round with ``Math.round``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal

from interpreter.errors import ErrorName, StatesError
from interpreter.jsontypes import JSON, dumps

__all__ = ["java_hash_map_order", "java_round", "java_string_hash", "java_text"]


def java_text(value: JSON) -> str:
    """How AWS renders a value inside States.Format: strings raw, numbers and null as JSON, an
    object {"Arg1":1,"Arg2":[]} as ``{Arg1=1, Arg2=[]}`` (Java's Map/List toString; recorded,
    conformance case derived/test_generic/test_format_2__exec_hist_resp_7__State_0)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={java_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(item) for item in value) + "]"
    return dumps(value)


def java_string_hash(text: str) -> int:
    """Java's String.hashCode (over UTF-16 code units, 32-bit wrap-around)."""
    h = 0
    units = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h


def java_hash_map_order(merged: dict[str, JSON]) -> dict[str, JSON]:
    """`merged` re-ordered as a java.util.HashMap filled in this order would iterate.

    Recorded (conformance case derived/test_json_manipulation/test_json_merge__State_0): merging
    {a,b,d} with {a,c,d} gives a, b, c, d, not the insertion order a, b, d, c. We infer a HashMap
    (default capacity 16, load factor 0.75): iteration goes by bucket, then by insertion order
    within a bucket.
    """
    capacity = 16
    while len(merged) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        h = java_string_hash(key)
        return (h ^ (h >> 16)) & (capacity - 1)

    order = sorted(enumerate(merged), key=lambda item: (bucket(item[1]), item[0]))
    return {key: merged[key] for _, key in order}


def java_round(value: JSON) -> int:
    """Java's Math.round: half up for positives, half towards zero for negatives (recorded in
    the conformance cases derived/test_math_operations/test_math_add__*: 0.5 -> 1, -0.5 -> 0,
    -1.5 -> -1, -2.5 -> -2, -1.51 -> -2).

    Raises:
        StatesError: States.IntrinsicFailure, the value is not a finite number.
    """
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        raise StatesError(ErrorName.INTRINSIC_FAILURE, f"Invalid arguments: {value} is not a finite number")
    exact = Decimal(value)
    rounding = ROUND_HALF_UP if exact >= 0 else ROUND_HALF_DOWN
    return int(exact.to_integral_value(rounding=rounding))
