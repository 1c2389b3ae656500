"""Properties of the JSON helpers every payload goes through (interpreter.jsontypes)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fuzz.strategies import json_values
from interpreter.json_errors import jackson_error
from interpreter.jsontypes import dumps, encoded_size, loads, utf8_size

# Any text, lone surrogates and control characters included (JSON escapes can carry both).
_TEXT = st.text(st.characters(), max_size=12)
_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), _TEXT
    ),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_TEXT, children, max_size=4)),
    max_leaves=20,
)


@given(value=st.one_of(_VALUES, json_values()))
def test_encoded_size_is_the_size_of_the_text(value: Any) -> None:
    size = utf8_size(dumps(value))
    assert encoded_size(value, 10**9, {}) == size
    # At or over the limit it says so, never less.
    assert encoded_size(value, size, {}) == size
    if size > 0:
        assert encoded_size(value, size - 1, {}) == size


@given(value=_VALUES, copies=st.integers(1, 50))
def test_encoded_size_of_shared_objects_counts_every_occurrence(value: Any, copies: int) -> None:
    shared = [value] * copies  # one object, many times: measured once, counted every time
    assert encoded_size({"k": shared, "again": shared}, 10**9, {}) == utf8_size(
        dumps({"k": shared, "again": shared})
    )


@given(value=json_values())
def test_loads_reads_what_dumps_writes(value: Any) -> None:
    assert loads(dumps(value)) == value


# Jackson's view of invalid JSON (interpreter.json_errors): it must refuse exactly what a strict
# JSON reader refuses, so that every refused text gets Jackson's words and no accepted text does.
def _no_constants(token: str) -> None:
    raise ValueError(token)


_STRICT = json.JSONDecoder(parse_constant=_no_constants)
_PIECES = st.sampled_from(
    [
        *"{}[],:\"\\ \t\n\r0123456789-+.eE/#'xN",
        *("true", "false", "null", "NaN", "-Infinity", "\\u00e9", "\\ud800", "\\u12"),
        *("é", "😀", "\x01", "\u00a0", '"a"', '{"k":', "[1,"),
    ]
)


@st.composite
def _edited_json(draw: st.DrawFn) -> str:
    """A JSON text with a few characters inserted, deleted or replaced."""
    text = dumps(draw(json_values()))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        piece = draw(_PIECES)
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        if edit == "insert":
            text = text[:at] + piece + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + piece + text[at + 1 :]
    return text


@given(text=st.one_of(_edited_json(), st.lists(_PIECES, max_size=16).map("".join)))
def test_jackson_refuses_exactly_what_a_strict_json_reader_refuses(text: str) -> None:
    try:
        _STRICT.decode(text)
        accepted = True
    except ValueError:
        accepted = False
    error = jackson_error(text)
    assert (error is None) == accepted, (text, error)
    if error is not None:
        assert error.message and error.line >= 1 and error.column >= 0
        assert error.located_message.startswith(error.message + "\n at [Source: (String)")
