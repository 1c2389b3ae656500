"""Properties of the JSON helpers every payload goes through (interpreter.jsontypes)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fuzz.strategies import json_values
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
