"""ItemBatcher: greedy, in-order batches of AWS's shape under the count and byte limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from interpreter.errors import DefinitionError, ErrorName, StatesError
from interpreter.jsontypes import dumps, utf8_size
from interpreter.map.batcher import MAX_BATCH_BYTES, compile_item_batcher
from interpreter.map.writer import compile_result_writer
from interpreter.scope import Scope

POINTER = "/States/StateName/ItemBatcher"


def _scope(current: Any = None) -> Scope:
    current = {"run": "r1", "n": 2} if current is None else current
    return Scope(current=current, context={"Execution": {"Name": "e"}}, variables={}, state_input=current)


def _batch(
    declaration: dict[str, Any], items: list[Any], *, jsonata: bool = False, scope: Scope | None = None
) -> list[Any]:
    batches, size = compile_item_batcher(declaration, pointer=POINTER, jsonata=jsonata).batch(
        items, scope or _scope()
    )
    assert size == utf8_size(dumps(batches))
    return batches


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


# {"Items":[]} is 12 bytes; each item of "xxxxxxxx" (10 bytes) adds 10, plus a comma after the first.
ITEMS = ["x" * 8] * 5

CASES = [
    ({"MaxItemsPerBatch": 2}, [1, 2, 3, 4, 5], [{"Items": [1, 2]}, {"Items": [3, 4]}, {"Items": [5]}]),
    ({"MaxItemsPerBatch": 5}, [1, 2, 3], [{"Items": [1, 2, 3]}]),
    ({"MaxItemsPerBatch": 1}, ["a", "b"], [{"Items": ["a"]}, {"Items": ["b"]}]),
    ({"MaxItemsPerBatch": 3}, [], []),
    # 12 + 10 + 1 + 10 = 33 bytes for two items.
    (
        {"MaxInputBytesPerBatch": 33},
        ITEMS,
        [{"Items": ITEMS[:2]}, {"Items": ITEMS[2:4]}, {"Items": ITEMS[4:]}],
    ),
    ({"MaxInputBytesPerBatch": 32}, ITEMS[:2], [{"Items": ITEMS[:1]}, {"Items": ITEMS[1:2]}]),
    (
        {"MaxInputBytesPerBatch": 22},
        ITEMS[:2],
        [{"Items": ITEMS[:1]}, {"Items": ITEMS[1:2]}],
    ),  # exactly one item fits
    # Both limits: whichever is reached first.
    (
        {"MaxItemsPerBatch": 1, "MaxInputBytesPerBatch": 1000},
        ITEMS[:2],
        [{"Items": ITEMS[:1]}, {"Items": ITEMS[1:2]}],
    ),
    (
        {"MaxItemsPerBatch": 10, "MaxInputBytesPerBatch": 33},
        ITEMS[:3],
        [{"Items": ITEMS[:2]}, {"Items": ITEMS[2:3]}],
    ),
    # BatchInput comes first and counts: {"BatchInput":{"run":"r1"},"Items":[]} is 38 bytes.
    (
        {"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run", "fixed": 1}},
        [1, 2, 3],
        [
            {"BatchInput": {"run": "r1", "fixed": 1}, "Items": [1, 2]},
            {"BatchInput": {"run": "r1", "fixed": 1}, "Items": [3]},
        ],
    ),
    (
        {"MaxInputBytesPerBatch": 48, "BatchInput": {"run.$": "$.run"}},
        ITEMS[:2],
        [
            {"BatchInput": {"run": "r1"}, "Items": ITEMS[:1]},
            {"BatchInput": {"run": "r1"}, "Items": ITEMS[1:2]},
        ],
    ),
    (
        {"MaxItemsPerBatch": 5, "BatchInput": {"ctx.$": "$$.Execution.Name"}},
        [1],
        [{"BatchInput": {"ctx": "e"}, "Items": [1]}],
    ),
    # Paths into the effective input.
    ({"MaxItemsPerBatchPath": "$.n"}, [1, 2, 3], [{"Items": [1, 2]}, {"Items": [3]}]),
    # Multi-byte characters count as UTF-8 bytes: "é" is 2 bytes, ["é"] item 4 bytes.
    ({"MaxInputBytesPerBatch": 12 + 4 + 1 + 4}, ["é", "é", "é"], [{"Items": ["é", "é"]}, {"Items": ["é"]}]),
]


@pytest.mark.parametrize(("declaration", "items", "expected"), CASES)
def test_batches(declaration: dict[str, Any], items: list[Any], expected: list[Any]) -> None:
    batches = _batch(declaration, items)
    assert batches == expected
    for batch in batches:
        assert list(batch) == (["BatchInput", "Items"] if "BatchInput" in declaration else ["Items"])


def test_jsonata_batcher() -> None:
    declaration = {
        "MaxItemsPerBatch": "{% $states.input.n %}",
        "BatchInput": {"run": "{% $states.input.run %}"},
    }
    assert _batch(declaration, [1, 2, 3], jsonata=True) == [
        {"BatchInput": {"run": "r1"}, "Items": [1, 2]},
        {"BatchInput": {"run": "r1"}, "Items": [3]},
    ]


def test_no_byte_limit_means_256_kib() -> None:
    item = "x" * 100_000
    batches = _batch({"MaxItemsPerBatch": 10}, [item, item, item])
    assert [len(b["Items"]) for b in batches] == [2, 1]
    assert all(_size(b) <= MAX_BATCH_BYTES for b in batches)


def test_an_item_over_the_limit_alone_fails_the_state() -> None:
    with pytest.raises(StatesError) as raised:
        _batch({"MaxInputBytesPerBatch": 21}, ["x" * 8])
    assert raised.value.error == ErrorName.RUNTIME
    assert raised.value.cause == (
        "The item at index 0 does not fit in a batch: a batch holding only this item is more than 21 bytes,"
        " but MaxInputBytesPerBatch is 21"
    )
    with pytest.raises(StatesError):
        _batch({"MaxInputBytesPerBatch": 40}, ["ok", "x" * 100])


@pytest.mark.parametrize(
    ("declaration", "current", "error", "cause"),
    [
        (
            {"MaxItemsPerBatchPath": "$.n"},
            {"n": 0},
            ErrorName.RUNTIME,
            "The MaxItemsPerBatchPath parameter references a value less than 1: $.n == 0",
        ),
        (
            {"MaxItemsPerBatchPath": "$.n"},
            {"n": -3},
            ErrorName.RUNTIME,
            "The MaxItemsPerBatchPath parameter references a value less than 1: $.n == -3",
        ),
        (
            {"MaxItemsPerBatchPath": "$.n"},
            {"n": 1.5},
            ErrorName.RUNTIME,
            "The MaxItemsPerBatchPath parameter cannot be parsed as a long value: $.n == 1.5",
        ),
        (
            {"MaxItemsPerBatchPath": "$.n"},
            {},
            ErrorName.RUNTIME,
            "The MaxItemsPerBatchPath parameter does not reference an input value: $.n",
        ),
        (
            {"MaxInputBytesPerBatchPath": "$.n"},
            {"n": 262_145},
            ErrorName.RUNTIME,
            "The MaxInputBytesPerBatchPath parameter references a value greater than 262144: $.n == 262145",
        ),
        ({"MaxItemsPerBatch": 2, "BatchInput": {"x.$": "$.missing"}}, {}, ErrorName.RUNTIME, None),
    ],
)
def test_runtime_failures(declaration: dict[str, Any], current: Any, error: str, cause: str | None) -> None:
    with pytest.raises(StatesError) as raised:
        _batch(declaration, [1], scope=_scope(current))
    assert raised.value.error == error
    if cause is not None:
        assert raised.value.cause == cause


def test_jsonata_limit_out_of_range() -> None:
    with pytest.raises(StatesError) as raised:
        _batch({"MaxInputBytesPerBatch": "{% 0 %}"}, [1], jsonata=True)
    assert raised.value.error == ErrorName.QUERY_EVALUATION_ERROR


def test_limits_and_inputs_are_not_mutated() -> None:
    batcher = compile_item_batcher({"MaxItemsPerBatch": 2}, pointer=POINTER, jsonata=False)
    items = [{"a": 1}, {"b": 2}, {"c": 3}]
    before = json.dumps(items)
    assert batcher.limits(_scope()) == (2, MAX_BATCH_BYTES)
    assert batcher.batch(items, _scope()) == batcher.batch(items, _scope())
    assert json.dumps(items) == before


def test_bad_batch_input_path_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError) as raised:
        compile_item_batcher(
            {"MaxItemsPerBatch": 1, "BatchInput": {"a.$": "nope"}}, pointer=POINTER, jsonata=False
        )
    assert raised.value.pointer == POINTER + "/BatchInput/a.$"


def test_result_writer_compiles() -> None:
    writer = compile_result_writer(
        {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket.$": "$.run", "Prefix": "p"},
            "WriterConfig": {"OutputType": "JSONL", "Transformation": "FLATTEN"},
        },
        pointer="/States/M/ResultWriter",
    )
    assert (writer.output_type, writer.transformation) == ("JSONL", "FLATTEN")
    assert writer.arguments is not None and writer.arguments.render(_scope()) == {
        "Bucket": "r1",
        "Prefix": "p",
    }
    jsonata = compile_result_writer(
        {"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"Bucket": "{% $states.input.run %}"}},
        pointer="/States/M/ResultWriter",
    )
    assert jsonata.arguments is not None and jsonata.arguments.render(_scope()) == {"Bucket": "r1"}
    with pytest.raises(DefinitionError):
        compile_result_writer(
            {"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"B": "{% ( %}"}},
            pointer="/States/M/ResultWriter",
        )
