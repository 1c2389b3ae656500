"""The Map state and what it works on: items, ItemBatcher declarations and their inputs, tolerated
failure thresholds, flat ItemSelectors, and the ItemSelectors of the fast selector with items for
them."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.expressions import payload_templates, reference_paths
from fuzz.strategies.handlers import error_handlers
from fuzz.strategies.states import jsonpath_io, transition
from fuzz.strategies.values import json_objects, json_values, scalars

# --- Map: items and batches ----------------------------------------------------------------------


def map_items(*, max_size: int = 12) -> st.SearchStrategy[list[Any]]:
    """What a Map iterates over: a short list of arbitrary JSON values (objects most often)."""
    return st.lists(st.one_of(json_objects(max_leaves=6), json_values(max_leaves=6)), max_size=max_size)


@st.composite
def item_batchers(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """ItemBatcher declarations the schema accepts: a count and/or a byte limit (literal, or a
    path into the input {"n": ..., "bytes": ...} the test supplies), maybe a BatchInput."""
    declaration: dict[str, Any] = {}
    kinds = draw(st.sets(st.sampled_from(["items", "bytes"]), min_size=1))
    if "items" in kinds:
        if not jsonata and draw(st.booleans()):
            declaration["MaxItemsPerBatchPath"] = "$.n"
        else:
            declaration["MaxItemsPerBatch"] = draw(st.integers(min_value=1, max_value=5))
    if "bytes" in kinds:
        if not jsonata and draw(st.booleans()):
            declaration["MaxInputBytesPerBatchPath"] = "$.bytes"
        else:
            declaration["MaxInputBytesPerBatch"] = draw(st.integers(min_value=1, max_value=400))
    if draw(st.booleans()):
        declaration["BatchInput"] = (
            {"run": "{% $states.input.run %}", "fixed": draw(scalars)}
            if jsonata
            else {"run.$": "$.run", "fixed": draw(scalars)}
        )
    return declaration


def batcher_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Effective inputs for `item_batchers`' paths: {"n", "bytes", "run"} within AWS's ranges."""
    return st.fixed_dictionaries(
        {
            "n": st.integers(min_value=1, max_value=5),
            "bytes": st.integers(min_value=1, max_value=400),
            "run": st.text(max_size=6),
        }
    )


# --- the Map state, failure thresholds, flat ItemSelectors ---------------------------------------

_PROCESSOR = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}


@st.composite
def map_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """A Map state (inline, legacy Iterator or distributed) in either language, with items,
    ItemSelector, MaxConcurrency, tolerances and Retry/Catch; no ItemReader (it needs
    mapItemReaderData) and no ResultWriter (its mock is an object), so any array mock fits."""
    processor = dict(_PROCESSOR)
    if draw(st.booleans()):
        processor["ProcessorConfig"] = draw(
            st.sampled_from(
                [
                    {"Mode": "INLINE"},
                    {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                ]
            )
        )
    key = "Iterator" if not jsonata and draw(st.integers(0, 4)) == 0 else "ItemProcessor"
    state: dict[str, Any] = {"Type": "Map", key: processor, **draw(transition())}
    if jsonata:
        state["QueryLanguage"] = "JSONata"
        if draw(st.booleans()):
            state["Items"] = draw(st.one_of(st.just("{% $states.input %}"), st.lists(scalars, max_size=4)))
        if draw(st.booleans()):
            state["ItemSelector"] = draw(
                st.sampled_from(
                    ["{% $states.context.Map.Item.Value %}", {"i": "{% $states.context.Map.Item.Index %}"}]
                )
            )
        if draw(st.booleans()):
            state["Output"] = draw(st.sampled_from(["{% $states.result %}", "{% $states.input %}"]))
        if draw(st.booleans()):
            state["MaxConcurrency"] = draw(st.one_of(st.integers(0, 50), st.just("{% 2 %}")))
    else:
        state.update(draw(jsonpath_io(result_fields=True)))
        state.pop("Parameters", None)
        if draw(st.booleans()):
            state["ItemsPath"] = draw(reference_paths(roots=("$",)))
        if draw(st.booleans()):
            state["Parameters" if key == "Iterator" else "ItemSelector"] = {"v.$": "$$.Map.Item.Value"}
        if draw(st.booleans()):
            state["ResultSelector"] = draw(payload_templates())
        if draw(st.booleans()):
            state["MaxConcurrencyPath"] = draw(reference_paths(roots=("$",)))
    if draw(st.booleans()):
        state["ToleratedFailureCount"] = draw(st.integers(0, 5))
    if draw(st.booleans()):
        state["ToleratedFailurePercentage"] = draw(st.one_of(st.integers(0, 100), st.floats(0, 100)))
    state.update(draw(error_handlers(jsonata=jsonata)))
    return state


@st.composite
def threshold_cases(draw: st.DrawFn) -> tuple[int | None, float | None, int, int]:
    """(ToleratedFailureCount or None, ToleratedFailurePercentage or None, failures, iterations),
    failures never above the iterations (that is a request error)."""
    iterations = draw(st.integers(0, 40))
    failures = draw(st.integers(0, iterations))
    count = draw(st.none() | st.integers(0, 45))
    percentage = draw(st.none() | st.integers(0, 100).map(float) | st.floats(0, 100, allow_nan=False))
    return count, percentage, failures, iterations


# Fields of a flat JSONPath ItemSelector: what it may read per item, from the input, or nothing.
_SELECTOR_FIELDS = (
    "$$.Map.Item.Value",
    "$$.Map.Item.Index",
    "$$.Map.Item.Value.a",
    "$$.Map.Item.Value[0]",
    "$$.Map.Item.Value.a.b",
    "$$.Map.Item",
    "$$",
    "$$.Execution.Id",
    "$.shared",
    "$.missing",
    "$var",
    "$$.Map.Item.Value.*",
    "States.Format('{}', $$.Map.Item.Index)",
)


@st.composite
def flat_item_selectors(draw: st.DrawFn) -> dict[str, Any]:
    """A JSONPath ItemSelector object: paths (some item-dependent, some not, some that miss),
    intrinsics and constants, sometimes a nested object."""
    selector: dict[str, Any] = {}
    for index in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:
            selector[f"c{index}"] = draw(scalars)
        else:
            selector[f"f{index}.$"] = draw(st.sampled_from(_SELECTOR_FIELDS))
    if draw(st.integers(0, 6)) == 0:
        selector["nested"] = {"v.$": "$$.Map.Item.Value"}
    return selector


# --- the fast ItemSelector (interpreter.map.selector) --------------------------------------------

# Fields of a flat JSONPath ItemSelector the fast selector claims (constants aside): definite paths
# into the item, its index, and paths that do not read the item (evaluated once per Map).
FAST_SELECTOR_FIELDS = (
    "$$.Map.Item.Value",
    "$$.Map.Item.Index",
    "$$.Map.Item.Value.a",
    "$$.Map.Item.Value['a']",
    "$$.Map.Item.Value.a.b",
    "$$.Map.Item.Value[0]",
    "$$.Map.Item.Value[-1]",
    "$$.Map.Item.Value.items[1]",
    "$$.Execution.Id",
    "$$.State.Name",
    "$.shared",
    "$.shared.a",
    "$.missing",
    "$var",
    "$var[0]",
    "$undefinedVariable",
)
# Fields that need a scope per item: the fast selector declines the whole template.
SLOW_SELECTOR_FIELDS = (
    "$$.Map.Item",
    "$$",
    "$$.Map",
    "$$.Map.Item.Other",
    "$$.Map.Item.Value.*",
    "$$.Map.Item.Value..a",
    "States.Format('{}', $$.Map.Item.Index)",
    "States.JsonToString($$.Map.Item.Value)",
)


@st.composite
def fast_item_selectors(draw: st.DrawFn, *, claimed_only: bool = False) -> dict[str, Any]:
    """A JSONPath ItemSelector: constants and the fields above, sometimes one the fast selector
    declines, or a nested object (which it declines too)."""
    pool = FAST_SELECTOR_FIELDS if claimed_only else FAST_SELECTOR_FIELDS * 3 + SLOW_SELECTOR_FIELDS
    selector: dict[str, Any] = {}
    for index in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:  # a constant (no object: its keys could end with .$)
            selector[f"c{index}"] = draw(st.one_of(scalars, st.lists(scalars, max_size=3)))
        else:
            selector[f"f{index}.$"] = draw(st.sampled_from(pool))
    if not claimed_only and draw(st.integers(0, 8)) == 0:
        selector["nested"] = {"v.$": "$$.Map.Item.Value"}
    return selector


def selector_items(*, max_size: int = 8) -> st.SearchStrategy[list[Any]]:
    """Items for `fast_item_selectors`: objects with the fields they read (a, a.b, items), or
    anything else, so that some paths miss and some steps meet the wrong type."""
    shaped = st.fixed_dictionaries(
        {},
        optional={
            "a": st.one_of(json_values(max_leaves=3), st.fixed_dictionaries({"b": scalars})),
            "items": st.lists(scalars, max_size=3),
        },
    )
    return st.lists(st.one_of(shaped, shaped, st.lists(scalars, max_size=3), scalars), max_size=max_size)
