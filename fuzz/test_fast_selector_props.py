"""The fast ItemSelector (interpreter.map.selector) and the Map's measuring of what it selects
(interpreter.map.state), each against the general evaluation, their reference.

* The fast selector compiles exactly the flat selectors it claims (constants, definite paths into
  the item, the item's index, paths that do not read the item), and for those it answers exactly
  when the general evaluation (the template rendered per item, with ``Map.Item`` in the context)
  succeeds, with the same items (the same JSON text, key order included) and a size bound that
  holds; when the general evaluation fails, it declines, so the error is the general one's.
* A whole Map run with the fast selector (selected items measured in one piece, each item's size
  left to the batcher) gives the same result as without it (each item measured as it is made):
  the same status, error, cause, output and inspection, near the payload quota too.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import event, given, note, target
from hypothesis import strategies as st

from fuzz.strategies import (
    FAST_SELECTOR_FIELDS,
    fast_item_selectors,
    item_batchers,
    json_values,
    selector_items,
)
from interpreter import Mock, StatesError, World, load_definition, run_state
from interpreter.fields.templates import compile_payload
from interpreter.jsontypes import ABSENT, json_size
from interpreter.map.selector import compile_fast_selector
from interpreter.map.state import FAST_TEXT_BOUND
from interpreter.scope import Scope
from interpreter.states.dataflow import MAX_PAYLOAD_BYTES

_CONTEXT = {"Execution": {"Id": "x"}, "State": {"Name": "M"}}
_VARIABLES = {"var": [1, 2]}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _claimed(selector: dict[str, Any]) -> bool:
    """At least one path (a selector of constants alone is a constant), each one claimed."""
    return (
        any(key.endswith(".$") for key in selector)
        and all(not key.endswith(".$") or value in FAST_SELECTOR_FIELDS for key, value in selector.items())
        and ("nested" not in selector)
    )


@given(selector=fast_item_selectors(), items=selector_items(), shared=json_values(max_leaves=3))
def test_the_fast_item_selector_selects_as_the_general_evaluation(
    selector: dict[str, Any], items: list[Any], shared: Any
) -> None:
    template = compile_payload(selector, pointer="/States/M/ItemSelector")
    fast = compile_fast_selector(template)
    assert (fast is not None) == _claimed(selector), "compiled exactly the selectors it claims"
    if fast is None:
        event("fast selector: not compiled (a field needs a scope per item)")
        return
    scope = Scope(
        current={"shared": shared}, context=_CONTEXT, variables=_VARIABLES, state_input={"shared": shared}
    )
    try:
        general: Any = [
            template.render(
                scope.with_context({**_CONTEXT, "Map": {"Item": {"Index": index, "Value": item}}})
            )
            for index, item in enumerate(items)
        ]
    except StatesError as error:
        general = error
    selection = fast.select(items, scope)
    if isinstance(general, StatesError):
        event("fast selector: declined, the general evaluation fails")
        assert selection is None
        return
    event("fast selector: answered")
    assert selection is not None, "the fast selector declined items the general evaluation selects"
    assert _text(selection.values) == _text(general)
    assert json_size(selection.values) <= selection.size_bound(json_size(items))


_PROCESSOR = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}
_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _items(count: int, length: int, shift: int) -> list[Any]:
    """`count` items of about `length` bytes each (built here: Hypothesis prints its arguments)."""
    return [
        {"a": "x" * (length + index * shift), "items": [index, "y"], "b": index} for index in range(count)
    ]


def _outcome(result: Any) -> tuple[Any, ...]:
    return (
        result.status,
        result.error,
        result.cause,
        result.next_state,
        _text(result.output) if result.output is not ABSENT else None,
        _text(dict(result.inspection)),
    )


@given(
    selector=fast_item_selectors(claimed_only=True),
    batcher=st.none() | item_batchers(),
    count=st.integers(0, 10),
    # Items near the payload quota, or (rarely) so large that the fast selection is measured
    # item by item (its size bound over FAST_TEXT_BOUND).
    length=st.integers(0, 70_000) | st.integers(900_000, 1_000_000),
    shift=st.integers(-50, 50),
    data=st.data(),
)
def test_a_map_selects_and_measures_as_without_the_fast_selector(
    selector: dict[str, Any],
    batcher: dict[str, Any] | None,
    count: int,
    length: int,
    shift: int,
    data: st.DataObject,
) -> None:
    state: dict[str, Any] = {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": selector, "End": True}
    processor: dict[str, Any] = dict(_PROCESSOR)
    if batcher is not None:
        processor["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
        state["ItemBatcher"] = batcher
    state["ItemProcessor"] = processor
    note(json.dumps(state))
    loaded = load_definition(json.dumps(state), None)
    general = dataclasses.replace(loaded, state=dataclasses.replace(loaded.state, fast_selector=None))
    items = _items(count, max(length + min(shift, 0) * count, 0), shift)
    input_ = {
        "items": items,
        "shared": data.draw(json_values(max_leaves=3)),
        "n": 2,
        "bytes": 300,
        "run": "r",
    }

    def run(selected: Any) -> Any:
        return run_state(
            selected,
            input=input_,
            context=_CONTEXT,
            variables=_VARIABLES,
            world=World(now=_NOW, rng=random.Random(1)),
            mock=Mock(result=[]),
        )

    fast, reference = run(loaded), run(general)
    assert _outcome(fast) == _outcome(reference)
    fast_selector = loaded.state.fast_selector  # type: ignore[attr-defined]  # a Map state
    scope = Scope(current=input_, context=_CONTEXT, variables=_VARIABLES, state_input=input_)
    selection = None if fast_selector is None else fast_selector.select(items, scope)
    if fast_selector is None:
        event("Map: a constant selector (no fast form)")
    elif selection is None:
        event("Map: the fast selector declined")
    elif selection.size_bound(json_size(items)) <= FAST_TEXT_BOUND:
        event("Map: the fast selector answered, measured in one piece")
    else:
        event("Map: the fast selector answered, measured item by item")
    event(f"Map: {reference.status.value}" + (f" ({reference.error})" if reference.error else ""))
    selected = reference.inspection.get("afterItemSelector")
    if selected is not None:
        # Toward the payload quota, where measuring in one piece or item by item must agree.
        target(-abs(json_size(selected) - MAX_PAYLOAD_BYTES) / 1000, label="distance to the quota (kB)")
