"""The JSONata fast path (interpreter.jsonata.fast) against the library, its reference.

For expressions drawn from the grammar the fast path claims (`GRAMMAR`: every operator and
built-in it lists, blocks, conditions, object constructors, paths with object and block steps,
predicates, operands of mixed types, undefined results) on documents of mixed types:

* every such expression compiles to a fast form;
* the fast path answers exactly as the library (the same JSON text, key order and number types
  included), or bails for one of its documented reasons (`Bail`), each checked: ERROR only where
  the library fails, BOUND only where the library fails or the limits are tight, NAME only for an
  unbound name; never for an unexpected Python error;
* a field evaluated through the adapter (fast path first, library after a bail) gives the same
  value, or the same error name and cause, as the library alone;
* the fast path never changes the data it reads.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from hypothesis import event, given, note
from hypothesis import strategies as st

from fuzz.strategies import fast_jsonata_documents, fast_jsonata_expressions, fast_jsonata_variables
from interpreter.errors import StatesError
from interpreter.jsonata.expression import JsonataExpression, compile_jsonata, evaluate_field
from interpreter.jsonata.fast import BAIL, Bail
from interpreter.jsontypes import ABSENT
from interpreter.limits import JsonataLimits, Limits
from interpreter.scope import Scope, World

_DEFAULT = JsonataLimits()
_TIGHT = st.builds(
    JsonataLimits,
    max_sequence_items=st.integers(1, 6),
    max_string_length=st.integers(1, 12),
    max_depth=st.integers(1, 30),
)


def _scope(document: Any, variables: dict[str, Any], limits: JsonataLimits) -> Scope:
    return Scope(
        current=document,
        context={"Execution": {"Id": "x"}, "State": {"Name": "S"}},
        state_input=document,
        variables=variables,
        world=World(limits=Limits(jsonata=limits)),
    )


def _text(value: Any) -> str:
    """A value as exact JSON text: key order kept, 1 and 1.0 and true all different."""
    return "undefined" if value is ABSENT else json.dumps(value, ensure_ascii=False)


def _field(expr: JsonataExpression, scope: Scope, limits: JsonataLimits) -> tuple[str, ...]:
    """The field's value, or its error name and cause (what a state reports)."""
    try:
        return ("value", _text(evaluate_field(expr, scope, "Output", limits)))
    except StatesError as error:
        return ("error", str(error.error), str(error.cause))


@given(
    text=fast_jsonata_expressions(),
    document=fast_jsonata_documents(),
    variables=fast_jsonata_variables(),
    limits=st.one_of(st.just(_DEFAULT), st.just(_DEFAULT), st.just(_DEFAULT), _TIGHT),
)
def test_the_fast_path_answers_as_the_library_or_bails_for_a_documented_reason(
    text: str, document: Any, variables: dict[str, Any], limits: JsonataLimits
) -> None:
    template = "{% " + text + " %}"
    note(template)
    expr = compile_jsonata(template)
    assert expr._fast is not None, "an expression of the grammar must compile to a fast form"
    library = dataclasses.replace(expr, _fast=None)

    # The fast path, on the data itself: it must not change it.
    scope = _scope(document, variables, limits)
    before = _text([document, variables])
    fast = expr._fast.attempt(scope, limits)
    assert _text([document, variables]) == before, "the fast path changed the data it read"
    if fast is not Bail.BOUND:  # (a bound on time may be reached once and not the next time)
        assert (expr._fast.run(scope, limits) is BAIL) is isinstance(fast, Bail)

    # The reference and the adapter, each on its own copy (the library may mutate its input).
    reference = _field(library, _scope(*copy.deepcopy((document, variables)), limits), limits)
    adapter = _field(expr, _scope(*copy.deepcopy((document, variables)), limits), limits)
    assert adapter == reference

    tight = limits != _DEFAULT
    if isinstance(fast, Bail):
        event(f"fast path bailed: {fast.value}" + (" (tight limits)" if tight else ""))
        assert fast is not Bail.UNEXPECTED
        failed = reference[0] == "error"
        if fast is Bail.ERROR:
            assert failed, f"bailed as if the library failed, but it answered {reference}"
        elif fast is Bail.BOUND:
            assert failed or tight, f"bailed on a bound, but the library answered {reference}"
        elif fast is Bail.NAME:
            assert "$none" in text
        return
    event("fast path answered" + (" (tight limits)" if tight else ""))
    if fast is ABSENT:
        event("fast path answered: undefined")
    assert reference[0] == "value" or reference[2].endswith("returned nothing (undefined)."), (
        f"the fast path answered {_text(fast)} where the library failed: {reference}"
    )
    expected = reference[1] if reference[0] == "value" else "undefined"
    assert _text(fast) == expected
