"""orjson beside the standard library's json (interpreter.jsontypes), the reference.

The JSON helpers answer with orjson only where its answer is the standard library's with the
project's options, and fall back to the standard library otherwise. For every value:

* `dumps`, `dumps_utf8` and `json_size` give exactly the reference text (compact, UTF-8 as is,
  NaN and infinities refused), its UTF-8 bytes (every non-ASCII character escaped when a lone
  surrogate makes UTF-8 impossible) and its size, or refuse the value as the reference does;
* orjson answers for every value the module claims it for: no integer beyond 64 bits, no lone
  surrogate, nesting within 254, and a text with no ``null``, ``0.0000`` or one-digit negative
  exponent (the forms orjson writes differently, or may);

and for every text (and UTF-8 byte string):

* `loads` and `loads_utf8` give exactly the reference value (the same types: 1 and 1.0, 0.0 and
  -0.0, key order, duplicate keys) or the same error (class and message);
* orjson answers for every text the module claims it for: no run of 19 digits (integers beyond
  64 bits, number tokens over the length limit), no lone surrogate escape, nesting within
  orjson's 1,024, valid JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from hypothesis import event, given
from hypothesis import strategies as st

from fuzz.strategies import json_values
from interpreter import jsontypes
from interpreter.jsontypes import (
    MAX_JSON_DEPTH,
    JsonLimitError,
    dumps,
    dumps_utf8,
    json_size,
    loads,
    loads_utf8,
    nesting_depth,
)

# --- values ----------------------------------------------------------------------------------

_TEXT = st.text(st.characters(), max_size=8)  # lone surrogates and control characters included
_FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=1e-10, max_value=1e-3).map(lambda number: number * (-1) ** int(number * 1e12)),
    st.sampled_from([1e-5, 1e-7, 1.5e-9, 1e-4, 0.0001, 1e16, 1e21, 1e22, 5e-324, -0.0, 0.1, 1e308]),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # beyond 64 bits too
    st.integers(min_value=-(2**63) - 2, max_value=2**64 + 1),
    _FLOATS,
    _TEXT,
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_TEXT, children, max_size=4)),
    max_leaves=16,
)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


_DEEP = st.integers(250, 260).map(_nested)
_NOT_JSON = st.sampled_from(
    [float("nan"), float("inf"), -float("inf"), [1, float("nan")], {"a": float("inf")}]
)

_REFERENCE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_REFERENCE_ASCII = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _outcome(function: Any, *arguments: Any) -> tuple[str, str]:
    """A call's value as its exact repr (types, key order, -0.0 kept), or its error."""
    try:
        return ("value", repr(function(*arguments)))
    except Exception as error:
        return (type(error).__name__, str(error))


def _reference_utf8(value: Any) -> bytes:
    text = _REFERENCE.encode(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _REFERENCE_ASCII.encode(value).encode("ascii")


def _leaves(value: Any) -> tuple[list[Any], int]:
    """The scalars and keys in `value`, and its nesting depth (walked without recursion)."""
    leaves, depth, pending = [], 0, [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, list | dict):
            depth = max(depth, level + 1)
            if isinstance(item, dict):
                leaves.extend(item)
            pending.extend(
                (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
        else:
            leaves.append(item)
    return leaves, depth


_SURROGATE = re.compile("[\ud800-\udfff]")


def _claimed_for_orjson(value: Any, text: str) -> bool:
    """A value the module claims orjson writes: integers within 64 bits, no lone surrogate,
    nesting within 254, and a text with none of the marks of orjson's different forms (``null``,
    which NaN also becomes; ``0.0000`` and negative exponents, of the smallest floats)."""
    leaves, depth = _leaves(value)
    return (
        not any(type(leaf) is int and not -(2**63) <= leaf < 2**64 for leaf in leaves)
        and not any(isinstance(leaf, str) and _SURROGATE.search(leaf) for leaf in leaves)
        and depth <= 254
        and "null" not in text
        and "0.0000" not in text
        and "e-" not in text
    )


@given(value=st.one_of(_VALUES, json_values(), _DEEP, _NOT_JSON))
def test_the_json_text_is_the_standard_librarys(value: Any) -> None:
    reference = _outcome(_REFERENCE.encode, value)
    assert _outcome(dumps, value) == reference
    assert _outcome(dumps_utf8, value) == _outcome(_reference_utf8, value)
    if reference[0] != "value":
        assert _outcome(json_size, value) == reference
        event(f"refused: {reference[0]}")
        return
    text = _REFERENCE.encode(value)
    assert json_size(value) == len(text.encode("utf-8", "surrogatepass"))
    answered = jsontypes._fast_dumps(value) is not None
    event("orjson answered" if answered else "the standard library answered")
    if _claimed_for_orjson(value, text):
        assert answered, "orjson left a value to the standard library that it claims"


# --- texts -----------------------------------------------------------------------------------

_TOKENS = st.sampled_from(
    [
        "1e400", "-1E+999", "0.1e-400", "123456789012345678", "1234567890123456789", "-9223372036854775809",
        "18446744073709551616", "1" * 1001, "-0", "-0.0", "0.0", "1.0e+2", "1E2", "01", "1.", ".5", "+1",
        "NaN", "Infinity", "-Infinity", "true", "null", '"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"',
        '"\\u0000"', '"a\\x"', '"\t"', '"\\/"', "[1,]", "{}", "[]", '{"a": 1, "a": 2}', '{"b":1,"a":2,"b":3}',
        "[[[[[[[[[[1]]]]]]]]]]", " 1 ", "1 2", "", " ", "\ufeff1", "[1] x",
    ]
)  # fmt: skip


def _texts_of(value: Any) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            json.dumps(value),
            json.dumps(value, ensure_ascii=False, separators=(",", ":")),
            json.dumps(value, indent=1),
        ]
    )


@st.composite
def _mutated(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A text with a token inserted, a character dropped or the text cut short."""
    text = draw(texts)
    if not text:
        return text
    position = draw(st.integers(0, len(text) - 1))
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return text[:position] + draw(_TOKENS) + text[position:]
    if kind == 1:
        return text[:position] + text[position + 1 :]
    return text[:position]


_VALID_TEXTS = st.one_of(
    json_values().flatmap(_texts_of),
    _VALUES.filter(lambda value: not isinstance(value, float) or value == value).flatmap(_texts_of),
    st.integers(995, 1030).map(lambda depth: "[" * depth + "]" * depth),
)
_TEXTS = st.one_of(_VALID_TEXTS, _TOKENS, _mutated(_VALID_TEXTS), st.text(max_size=12))


def _reference_loads(text: str) -> Any:
    """`loads` without orjson: the nesting check, then the standard library's decoder with the
    project's number and constant hooks."""
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and nesting_depth(text) > MAX_JSON_DEPTH:
        raise JsonLimitError(f"nesting depth exceeds the maximum allowed ({MAX_JSON_DEPTH})")
    return jsontypes._DECODER.decode(text)


def _reference_loads_utf8(data: bytes) -> Any:
    return _reference_loads(data.decode("utf-8"))


def _orjson_answers(data: bytes) -> bool:
    """Whether `loads_utf8`/`loads` take orjson's answer for these bytes (the module's test)."""
    if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH:
        return False
    if data.translate(jsontypes._DIGITS_ONLY).find(jsontypes._LONG_DIGITS) >= 0:
        return False
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return True


def _claimed_text(text: str) -> bool:
    """A text the module claims orjson answers: valid JSON, no run of 19 digits, no lone
    surrogate escape, nesting within 1,024, no byte-order mark."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return False
    lone = re.search(
        r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}", text, re.I
    )
    return (
        not re.search(r"\d{19}", text)
        and lone is None
        and not _SURROGATE.search(text)
        and nesting_depth(text) <= 1024
        and text.count("[") + text.count("{") <= MAX_JSON_DEPTH
        and "NaN" not in text
        and "Infinity" not in text
        and not any(isinstance(leaf, float) and abs(leaf) == float("inf") for leaf in _leaves(value)[0])
    )


@given(text=_TEXTS)
def test_the_json_value_is_the_standard_librarys(text: str) -> None:
    reference = _outcome(_reference_loads, text)
    assert _outcome(loads, text) == reference
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate character: no UTF-8 bytes to read
        event("text with a lone surrogate character")
        return
    assert _outcome(loads_utf8, data) == _outcome(_reference_loads_utf8, data)
    answered = _orjson_answers(data)
    event("orjson answered" if answered else "the standard library answered")
    event(f"reference: {reference[0]}")
    if _claimed_text(text):
        assert answered, "orjson left a text to the standard library that it claims"


@given(data=st.one_of(st.binary(max_size=16), _TEXTS.map(lambda text: text.encode("utf-8", "surrogatepass"))))
def test_bytes_read_as_the_standard_library_reads_them(data: bytes) -> None:
    assert _outcome(loads_utf8, data) == _outcome(_reference_loads_utf8, data)
