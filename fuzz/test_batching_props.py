"""Properties of Distributed Map batching (interpreter.map.batcher) and reading (item_reader).

Batches never lose or reorder items, every batch respects MaxItemsPerBatch and
MaxInputBytesPerBatch, and BatchInput is in every batch. An item that cannot fit in a batch on its
own makes the whole call fail with States.Runtime (our choice, see `ItemBatcher.batch`): then no
batch is returned at all, and the property checks that such an item really exists.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from fuzz.strategies import batcher_inputs, item_batchers, map_items
from interpreter.errors import ASLError, ErrorName, StatesError
from interpreter.jsontypes import dumps, utf8_size
from interpreter.map.batcher import compile_item_batcher
from interpreter.map.reader import compile_item_reader
from interpreter.scope import Scope


def _scope(current: dict[str, Any]) -> Scope:
    return Scope(current=current, context={}, variables={}, state_input=current)


@given(jsonata=st.booleans(), data=st.data(), items=map_items(), current=batcher_inputs())
def test_batches_keep_every_item_in_order_within_the_limits(
    jsonata: bool, data: st.DataObject, items: list[Any], current: dict[str, Any]
) -> None:
    declaration = data.draw(item_batchers(jsonata=jsonata))
    note(f"declaration={declaration!r}")
    batcher = compile_item_batcher(declaration, pointer="/States/M/ItemBatcher", jsonata=jsonata)
    scope = _scope(current)
    max_items, max_bytes = batcher.limits(scope)
    measured = data.draw(st.booleans())  # the caller may pass the items' sizes, or not
    sizes = [utf8_size(dumps(item)) for item in items] if measured else None
    try:
        batches, size = batcher.batch(items, scope, sizes)
    except StatesError as error:
        assert error.error == ErrorName.RUNTIME
        shell = {"BatchInput": batcher.batch_input.render(scope)} if batcher.batch_input else {}
        assert any(utf8_size(dumps({**shell, "Items": [item]})) > max_bytes for item in items)
        return
    # Never loses or reorders items; reports the exact size of what it made.
    assert [item for batch in batches for item in batch["Items"]] == items
    assert size == utf8_size(dumps(batches))
    assert all(batch["Items"] for batch in batches)
    for batch in batches:
        # Respects both limits, measured on the batch exactly as the child receives it.
        assert max_items is None or len(batch["Items"]) <= max_items
        assert utf8_size(dumps(batch)) <= max_bytes
        # BatchInput is in every batch (and first), only when declared.
        if "BatchInput" in declaration:
            assert list(batch) == ["BatchInput", "Items"]
            assert batch["BatchInput"]["run"] == current["run"]
        else:
            assert list(batch) == ["Items"]


@given(items=map_items(max_size=20), size=st.integers(min_value=1, max_value=6))
def test_a_count_limit_alone_makes_full_batches_but_the_last(items: list[Any], size: int) -> None:
    batcher = compile_item_batcher({"MaxItemsPerBatch": size}, pointer="/States/M/ItemBatcher", jsonata=False)
    batches, _ = batcher.batch(items, _scope({}))
    assert [len(batch["Items"]) for batch in batches[:-1]] == [size] * (len(batches) - 1)
    assert len(batches) == -(-len(items) // size)


@given(
    input_type=st.sampled_from(["JSON", "JSONL", "CSV", "MANIFEST"]),
    data=st.one_of(st.text(max_size=60), st.text(alphabet=',"\r\n ab{}[]1:', max_size=60)),
    max_items=st.integers(min_value=0, max_value=4),
)
def test_the_reader_returns_items_or_one_of_our_errors(input_type: str, data: str, max_items: int) -> None:
    reader = compile_item_reader(
        {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": input_type, "MaxItems": max_items},
        },
        pointer="/States/M/ItemReader",
        jsonata=False,
    )
    try:
        items = reader.read(data, _scope({}))
    except ASLError:
        return
    assert isinstance(items, list)
    assert max_items == 0 or len(items) <= max_items
