"""Batching by count alone (interpreter.map.batcher) against the greedy batching, its reference.

When every item together fits the byte limit in one batch, `ItemBatcher.batch` cuts the items by
count alone, without measuring each item; otherwise (and whenever the caller passes the items'
sizes) it fills each batch greedily, item by item. For any items, limits and BatchInput, the
count-only path gives the same batches (the same JSON text, key order included) and the same total
size, or the same error (name and cause), as the greedy path.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from fuzz.strategies import batcher_inputs, item_batchers, map_items
from interpreter.errors import StatesError
from interpreter.jsontypes import json_size
from interpreter.map.batcher import compile_item_batcher
from interpreter.scope import Scope


def _outcome(batcher: Any, items: list[Any], scope: Scope, sizes: list[int] | None) -> tuple[str, ...]:
    try:
        batches, size = batcher.batch(items, scope, sizes)
    except StatesError as error:
        return ("error", str(error.error), str(error.cause))
    return ("batches", json.dumps(batches, ensure_ascii=False), str(size))


@given(jsonata=st.booleans(), data=st.data(), items=map_items(), current=batcher_inputs())
def test_batching_by_count_alone_batches_as_the_greedy_path(
    jsonata: bool, data: st.DataObject, items: list[Any], current: dict[str, Any]
) -> None:
    declaration = data.draw(item_batchers(jsonata=jsonata))
    batcher = compile_item_batcher(declaration, pointer="/States/M/ItemBatcher", jsonata=jsonata)
    scope = Scope(current=current, context={}, variables={}, state_input=current)
    greedy = _outcome(batcher, items, scope, [json_size(item) for item in items])
    assert _outcome(batcher, items, scope, None) == greedy
    _, max_bytes = batcher.limits(scope)
    shell = {} if batcher.batch_input is None else {"BatchInput": batcher.batch_input.render(scope)}
    by_count = bool(items) and json_size({**shell, "Items": items}) <= max_bytes
    event("batched by count alone" if by_count else "batched greedily" if items else "no items")
    event(f"outcome: {greedy[0]}")
