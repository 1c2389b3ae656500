"""The payload quota checks (interpreter.states.dataflow) that encode only some values, against
the size of the value's JSON text, their reference.

`within_quota` and `sizes_within_quota` encode a value a template of small fan-out built (its text
is bounded) and measure any other without encoding it (`encoded_size`, each shared object measured
once). Both ways must give the size of the value's JSON text exactly, so the same value is refused
(States.DataLimitExceeded) exactly when its text is over the quota, whichever way it is measured.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given, target
from hypothesis import strategies as st

from fuzz.strategies import json_values
from interpreter import load_definition
from interpreter.errors import StatesError
from interpreter.fields.templates import UNBOUNDED_FANOUT
from interpreter.jsontypes import json_size
from interpreter.states.dataflow import MAX_PAYLOAD_BYTES, SMALL_FANOUT, sizes_within_quota, within_quota

_STATE = load_definition(json.dumps({"Type": "Pass", "End": True}), None).state


def _size(value: Any) -> int:
    """The reference: the UTF-8 size of the value's compact JSON text (the standard library's)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8", "surrogatepass"))


def _value(length: int, copies: int, extra: Any) -> Any:
    """A value of about `length` bytes, holding one object `copies` times (a template that
    copies ``$`` into many fields builds such values)."""
    shared = {"text": "x" * length, "extra": extra}
    return {"copies": [shared] * copies, "é": "ü" * (length // 7)}


def _decision(function: Any, *arguments: Any) -> tuple[str, ...]:
    try:
        return ("value", repr(function(*arguments)))
    except StatesError as error:
        return ("error", str(error.error), str(error.cause))


@given(
    length=st.integers(0, 140_000),
    copies=st.integers(0, 4),
    extra=json_values(max_leaves=4),
    count=st.integers(0, 4),
)
def test_encoded_or_measured_the_quota_is_the_texts(length: int, copies: int, extra: Any, count: int) -> None:
    value = _value(length, copies, extra)
    size = _size(value)
    assert json_size(value) == size
    expected = ("value", repr(value)) if size <= MAX_PAYLOAD_BYTES else None
    small, large = (
        _decision(within_quota, _STATE, value, SMALL_FANOUT),
        _decision(within_quota, _STATE, value, UNBOUNDED_FANOUT),
    )
    assert small == large
    assert (small == expected) if expected is not None else small[0] == "error"
    values = [_value(length // max(count, 1), copies, extra) for _ in range(count)]
    total = _size(values)
    by_encoding = _decision(sizes_within_quota, _STATE, values, SMALL_FANOUT)
    by_measuring = _decision(sizes_within_quota, _STATE, values, UNBOUNDED_FANOUT)
    assert by_encoding == by_measuring
    if total <= MAX_PAYLOAD_BYTES:
        assert by_encoding == ("value", repr([_size(item) for item in values]))
    else:
        assert by_encoding[0] == "error"
    event("one value over the quota" if expected is None else "one value within the quota")
    # Toward the quota itself, where an off-by-one in either way of measuring would show.
    target(-abs(size - MAX_PAYLOAD_BYTES) / 1000, label="distance to the quota (kB)")
