"""A Distributed Map's ItemBatcher: groups the items into the batches AWS hands to child runs.

Where the rules come from:
- AWS's developer guide, "ItemBatcher (Map)": with batching, "Step Functions adds the items to an
  Items array" and passes ``{"Items": [...]}`` to each child; ``BatchInput`` is "fixed JSON input
  to include in each batch", giving ``{"BatchInput": {...}, "Items": [...]}`` (BatchInput first
  in the guide's example); MaxInputBytesPerBatch "can be up to 256 KiB"; both limits together:
  the batch is cut at whichever is reached first.
- The AWS CDK's ItemBatcherProps documentation: without a byte limit, "no limits on the batch
  size under the 256KB limit".
- The Amazon States Language specification, "Batching Items": MaxItemsPerBatch and
  MaxInputBytesPerBatch "MUST be a positive integer".
- Our own choices where none of these says, marked "ours" where made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from interpreter.errors import ErrorName, StatesError
from interpreter.fields.numbers import NumberField, compile_number_field
from interpreter.fields.templates import Template, compile_template
from interpreter.jsontypes import JSON, encoded_size, json_size
from interpreter.scope import Scope

__all__ = ["MAX_BATCH_BYTES", "ItemBatcher", "compile_item_batcher"]

MAX_BATCH_BYTES: Final = 262_144
"""MaxInputBytesPerBatch's ceiling (256 KiB, the guide), and the byte limit when none is declared."""


@dataclass(frozen=True, slots=True)
class ItemBatcher:
    """One ItemBatcher declaration, compiled.

    Attributes:
        batch_input: the compiled ``BatchInput`` template, or None when not declared.
        max_items: ``MaxItemsPerBatch(Path)``, or None.
        max_bytes: ``MaxInputBytesPerBatch(Path)``, or None.
    """

    batch_input: Template | None = None
    max_items: NumberField | None = None
    max_bytes: NumberField | None = None

    def limits(self, scope: Scope) -> tuple[int | None, int]:
        """(most items per batch or None, most bytes per batch) for this run.

        Raises:
            StatesError: a path that selects nothing or a value that is not an integer in
                range: States.Runtime with causes of the SecondsPath family ("The
                MaxItemsPerBatchPath parameter references a value less than 1: $.n == 0");
                States.QueryEvaluationError for a JSONata value out of range.
        """
        items = None if self.max_items is None else int(self.max_items.evaluate(scope))
        size = MAX_BATCH_BYTES if self.max_bytes is None else int(self.max_bytes.evaluate(scope))
        return items, size

    def batch(
        self, items: list[JSON], scope: Scope, sizes: list[int] | None = None
    ) -> tuple[list[JSON], int]:
        """Group `items`, in order, into AWS's batch objects.

        Greedy: each batch takes items until the next one would break a limit. The byte limit
        applies to the UTF-8 size of the batch object exactly as the child receives it,
        compact JSON with ``BatchInput`` and the ``Items`` wrapper included (ours: the guide does
        not say what is counted; counting all of it keeps every child input within the limit).

        Arguments:
            items: the Map's items (after the ItemReader / ItemsPath and ItemSelector), already
                held to the payload quota by the caller, so their text is bounded.
            scope: the Map's effective input, for BatchInput and the ``*Path`` limits.
            sizes: each item's UTF-8 JSON size when the caller measured them already.

        Returns:
            ``[{"BatchInput": ..., "Items": [...]}, ...]`` (``BatchInput`` only when declared;
            no batch for no items), and the UTF-8 size of that list's JSON text.

        Raises:
            StatesError: the limits or BatchInput failed to evaluate (see `limits`), or an item
                does not fit in a batch on its own: States.Runtime (ours: AWS's behaviour for
                an item over MaxInputBytesPerBatch is not documented; we refuse rather than send
                a child an input over the limit).
        """
        max_items, max_bytes = self.limits(scope)
        shell: dict[str, JSON] = (
            {} if self.batch_input is None else {"BatchInput": self.batch_input.render(scope)}
        )
        if not items:
            return [], 2
        # {"BatchInput":...,"Items":[]}: every item then adds its size, and a comma after the first.
        empty_size = encoded_size({**shell, "Items": []}, max_bytes, {})
        if sizes is None:
            whole = json_size(items)
            if empty_size + whole - 2 <= max_bytes:
                # Even all the items in one batch fit the byte limit: only the count cuts.
                step = max_items or len(items)
                batches: list[JSON] = [
                    {**shell, "Items": items[start : start + step]} for start in range(0, len(items), step)
                ]
                return batches, len(batches) * empty_size + whole
            sizes = [json_size(item) for item in items]
        batches = []
        current: list[JSON] = []
        size = empty_size
        for index, (item, item_size) in enumerate(zip(items, sizes, strict=True)):
            full = max_items is not None and len(current) >= max_items
            if current and (full or size + 1 + item_size > max_bytes):
                batches.append({**shell, "Items": current})
                current, size = [], empty_size
            if not current and empty_size + item_size > max_bytes:
                raise StatesError(
                    ErrorName.RUNTIME, _oversized_cause(index, empty_size + item_size, max_bytes)
                )
            size += item_size + (1 if current else 0)
            current.append(item)
        batches.append({**shell, "Items": current})
        # The list's text: brackets, commas, each batch's shell, every item and the commas between them.
        return batches, 1 + len(batches) * empty_size + sum(sizes) + len(items)


def _oversized_cause(index: int, size: int, limit: int) -> str:
    shown = f"{size} bytes" if size <= limit else f"more than {limit} bytes"
    return (  # wording not recorded; ours
        f"The item at index {index} does not fit in a batch: a batch holding only this item is {shown},"
        f" but MaxInputBytesPerBatch is {limit}"
    )


def compile_item_batcher(declaration: Mapping[str, JSON], *, pointer: str, jsonata: bool) -> ItemBatcher:
    """Compile an ItemBatcher the schema has already accepted.

    Arguments:
        declaration: the ``ItemBatcher`` object.
        pointer: its JSON pointer (``/States/Map/ItemBatcher``).
        jsonata: whether the Map is a JSONata state.

    Raises:
        DefinitionError: a path, template or expression that does not compile.
    """
    batch_input: Template | None = None
    if "BatchInput" in declaration:
        batch_input = compile_template(
            declaration["BatchInput"], field="BatchInput", pointer=f"{pointer}/BatchInput", jsonata=jsonata
        )
    return ItemBatcher(
        batch_input=batch_input,
        max_items=compile_number_field(
            declaration, "MaxItemsPerBatch", pointer=pointer, jsonata=jsonata, minimum=1
        ),
        max_bytes=compile_number_field(
            declaration,
            "MaxInputBytesPerBatch",
            pointer=pointer,
            jsonata=jsonata,
            minimum=1,
            maximum=MAX_BATCH_BYTES,
        ),
    )
