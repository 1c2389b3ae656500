"""interpreter.jsontypes: the fast reader and writer (orjson) answer exactly what the standard
library's would, and fall back to it wherever they might not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.jsontypes import (
    MAX_NUMBER_LENGTH,
    JsonLimitError,
    dumps,
    dumps_utf8,
    loads,
    loads_utf8,
)

# The reference: what jsontypes did before orjson, and still does on every fallback.
_REFERENCE_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _reference_dumps(value: Any) -> str:
    return _REFERENCE_ENCODER.encode(value)


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    """('ok', canonical text of the value) or ('error', the message)."""
    try:
        return "ok", json.dumps(fn(*args), separators=(",", ":"))  # repr of floats/ints, types kept
    except ValueError as err:
        return "error", str(err)


def _reference_loads(text: str) -> Any:
    return json.JSONDecoder(parse_constant=_refuse, parse_float=_float, parse_int=_int).decode(text)


def _refuse(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def _int(token: str) -> int:
    if len(token) > MAX_NUMBER_LENGTH:
        raise JsonLimitError(f"Number too long: {len(token)} characters (at most {MAX_NUMBER_LENGTH})")
    return int(token)


def _float(token: str) -> float:
    if len(token) > MAX_NUMBER_LENGTH:
        raise JsonLimitError(f"Number too long: {len(token)} characters (at most {MAX_NUMBER_LENGTH})")
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"Number out of range: {token}")
    return value


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"b":[1,2.5,"x"],"c":null}',
        '{"a":1,"a":2}',  # duplicate members: the last one wins
        "18446744073709551616",  # beyond 64 bits: orjson would answer a float
        "-9223372036854775809",
        "123456789012345678901234567890",
        "1" * (MAX_NUMBER_LENGTH + 1),  # over the number-length limit
        "0." + "0" * MAX_NUMBER_LENGTH + "1",
        '"\\ud800"',  # a lone surrogate escape
        '"\\ud83d\\ude00"',
        "1e400",  # beyond double range
        "-0",
        "-0.0",
        "1e-400",
        "NaN",
        "Infinity",
        "\ufeff{}",
        "[1,]",
        '{"a":1}x',
        "",
        " 1 ",
        '"a\\u0000b"',
        '"\x7f\u2028"',
        '"\\"12345678901234567890\\""',  # a long digit run inside a string: slow path, same value
    ],
)
def test_loads_answers_the_reference_parser(text: str) -> None:
    assert _outcome(loads, text) == _outcome(_reference_loads, text)
    assert _outcome(loads_utf8, text.encode("utf-8", "surrogatepass")) == _outcome(_reference_loads, text)


def test_a_lone_surrogate_character_in_the_text_is_read_as_before() -> None:
    assert loads('"\ud800"') == "\ud800"


def test_loads_utf8_refuses_bytes_that_are_not_utf8() -> None:
    with pytest.raises(UnicodeDecodeError) as caught:
        loads_utf8(b'{"a": "\xff"}')
    assert caught.value.start == 7


def test_depth_is_checked_before_either_parser() -> None:
    with pytest.raises(JsonLimitError):
        loads("[" * 20 + "]" * 20, max_depth=10)
    with pytest.raises(JsonLimitError):
        loads_utf8(b"[" * 20 + b"]" * 20, max_depth=10)
    assert loads("[" * 10 + "]" * 10, max_depth=10) == loads_utf8(b"[" * 10 + b"]" * 10, max_depth=10)


_JSON_ALPHABET = st.sampled_from(
    [*'{}[],:"\\ \t\n0123456789-+.eEtruefalsnul', "\\u00e9", "\\ud800", "é", "😀"]
)


@settings(max_examples=500)
@given(text=st.lists(_JSON_ALPHABET, max_size=30).map("".join))
def test_loads_agrees_with_the_reference_on_any_text(text: str) -> None:
    assert _outcome(loads, text) == _outcome(_reference_loads, text)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1, 2.5, "é", True, False]},
        1e-5,
        1e-7,
        1.5e-9,
        1e-10,
        0.0001,
        1e16,
        1e22,
        5e-324,
        -0.0,
        123456789012345.6,
        [None],
        {"a": None},
        2**63,
        2**64,
        -(2**63) - 1,
        {1: 2},
        {"a": {2.5: "x", None: 1, True: 2}},
        '\x00\x1f\x7f\u2028"\\/',
        "😀",
        (1, 2),
        "text with e-5 and 0.0000 in it",
    ],
)
def test_dumps_writes_the_reference_text(value: Any) -> None:
    assert dumps(value) == _reference_dumps(value)
    assert dumps_utf8(value) == _reference_dumps(value).encode("utf-8")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1, float("-inf")], {"a": object()}])
def test_dumps_refuses_what_the_reference_refuses(value: Any) -> None:
    with pytest.raises((ValueError, TypeError)) as fast:
        dumps(value)
    with pytest.raises(type(fast.value)):
        _reference_dumps(value)


def test_subclasses_are_written_by_the_reference_encoder() -> None:
    from enum import StrEnum

    class Name(StrEnum):
        TIMEOUT = "States.Timeout"

    assert dumps({"error": Name.TIMEOUT}) == '{"error":"States.Timeout"}'


def test_dumps_utf8_escapes_everything_when_a_lone_surrogate_is_there() -> None:
    assert dumps_utf8(["\ud800", "é"]) == b'["\\ud800","\\u00e9"]'
    assert dumps_utf8(["é"]) == '["é"]'.encode()


_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _FLOATS, st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=500)
@given(value=_VALUES)
def test_dumps_agrees_with_the_reference_on_any_value(value: Any) -> None:
    assert dumps(value) == _reference_dumps(value)


@settings(max_examples=1000)
@given(
    number=st.one_of(
        _FLOATS, st.floats(min_value=1e-10, max_value=1e-3), st.floats(min_value=-1e-3, max_value=-1e-10)
    )
)
def test_every_float_is_written_as_python_writes_it(number: float) -> None:
    assert dumps([number]) == f"[{float.__repr__(number)}]"
