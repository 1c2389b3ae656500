"""Map under TestState: the input side runs for real, the mock stands in for the iterations.

TestState never runs a Map's ItemProcessor: it "only supports ... Parallel, or Map states" when a
mock is specified (AWS Step Functions API reference, "TestState"). Map, in AWS's order of
processing (developer guide, "Map state input and output fields": ItemReader, ItemsPath/Items,
ItemSelector, ItemBatcher, ResultWriter):

1. InputPath (JSONPath), recorded as ``afterInputPath``;
2. the items: the ItemReader's data (``stateConfiguration.mapItemReaderData`` stands in for its
   source) or ``ItemsPath`` (JSONPath, ``afterItemsPath``) or ``Items`` (JSONata);
3. MaxConcurrency (always reported, 0 when absent) and ToleratedFailureCount/Percentage
   (reported when declared), as recorded (``aws/test_test_state_scenarios/
   test_base_map_state_inspect__*``); they come after the items, because a failing ItemsPath
   reports neither (recorded); that they come before ItemSelector is our reading (not recorded);
4. ItemSelector per item, with ``Map.Item.Index``/``Value`` in the context (``afterItemSelector``),
   then ItemBatcher (``afterItemBatcher``);
5. the mock: its error is the state's error; otherwise ``mapIterationFailureCount`` is held
   against the tolerated-failure threshold, and the mocked result goes through ResultSelector/
   ResultPath/OutputPath or Output/Assign.

Nothing here runs a child state. Parallel, tested the same way, is `interpreter.states.parallel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from interpreter.definition.model import MapState
from interpreter.errors import (
    ErrorName,
    IterationCountError,
    PathMissing,
    StatesError,
    UnsupportedState,
)
from interpreter.fields.templates import JsonataTemplate
from interpreter.jsontypes import ABSENT, JSON, dumps, json_size, type_name
from interpreter.scope import Scope
from interpreter.states.dataflow import (
    MAX_PAYLOAD_BYTES,
    Done,
    Trace,
    Work,
    data_limit_exceeded,
    jsonata_tail,
    jsonpath_tail,
    mocked_result,
    render_within_quota,
    select,
    sizes_within_quota,
)

THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"
"""AWS's cause for States.ExceedToleratedFailureThreshold (recorded)."""

FAST_TEXT_BOUND = 8 * 1024 * 1024
"""Selected items whose JSON text cannot exceed this are measured by encoding them at once."""


@dataclass(frozen=True, slots=True)
class Tolerance:
    """A Map's evaluated tolerated-failure threshold (None: that field is not declared)."""

    count: int | None = None
    percentage: float | None = None

    @property
    def declared(self) -> bool:
        return self.count is not None or self.percentage is not None

    def exceeded_by(self, failures: int, iterations: int) -> bool:
        """Whether `failures` of `iterations` breach the threshold.

        ASL: the Map Run fails when more than ToleratedFailureCount iterations fail, or when the
        failed share exceeds ToleratedFailurePercentage; with both, when either is exceeded.
        The share is compared exactly, ``failures * 100 > percentage * iterations`` in rational
        arithmetic, so no rounding moves the boundary. AWS's rounding is not recorded: that
        exactly 1 of 3 failing breaches 33.3 and not 33.4 is our reading.
        """
        if self.count is not None and failures > self.count:
            return True
        if self.percentage is None or iterations == 0:
            return False
        return failures * 100 > Fraction(self.percentage) * iterations


# --- Map ---------------------------------------------------------------------------------------


def run_map(state: MapState, scope: Scope, trace: Trace, work: Work) -> Done:
    mock = work.mock
    if mock is None:
        # The service refuses a Map without a mock before running it, with InvalidDefinition
        # (aws/test_state_mock_validation/test_state_type_requires_mock__MapState); this guards
        # direct callers of the interpreter.
        raise UnsupportedState("A Map state can only be tested with a mock")
    if state.is_jsonata:
        effective = scope.state_input
        inner = scope
    else:
        effective = trace.record("afterInputPath", select(state.input_path, scope.state_input, scope))
        inner = scope.with_current(effective)
    items = map_items(state, inner, trace, work)
    max_concurrency = state.max_concurrency.evaluate(inner) if state.max_concurrency is not None else 0
    trace.record("maxConcurrency", max_concurrency)
    tolerance = map_tolerance(state, inner, trace)
    iterations = iteration_inputs(state, inner, trace, items)
    failures = work.config.map_iteration_failure_count
    if failures is not None and failures > len(iterations):
        raise IterationCountError()
    # A mocked error is the Map's own failure, whatever mapIterationFailureCount says (recorded:
    # counts 0 and 2 with a tolerance of 2 both fail with the mocked error).
    result = mocked_result(mock)
    # The threshold is only evaluated when the Map declares one (recorded: no tolerance, no
    # Retry/Catch, 2 failures -> SUCCEEDED). Declared but unhandled, a breach fails the state,
    # as it fails the Map Run: AWS's answer for that case is not recorded, this is our reading.
    if failures and tolerance.declared and tolerance.exceeded_by(failures, len(iterations)):
        raise StatesError(ErrorName.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
    if state.is_jsonata:
        return jsonata_tail(state, scope.with_result(result), result, state.next)
    return jsonpath_tail(state, scope, trace, result, state.next)


def map_items(state: MapState, scope: Scope, trace: Trace, work: Work) -> list[JSON]:
    """The items the Map iterates over, from its ItemReader, ItemsPath or Items."""
    if state.item_reader is not None:
        items = state.item_reader.read(work.config.map_item_reader_data, scope)
        if state.item_reader.items_pointer is not None:
            trace.record("afterItemsPointer", items)
        return items
    if state.is_jsonata:
        # Items an expression builds are a payload like any other (held to the quota): after
        # this, every item list is bounded, which the batcher relies on.
        if state.items is None:
            items = scope.state_input
            if not isinstance(items, list):
                # Recorded (executions test_base_scenarios/test_map_state_items_input_types__*).
                raise StatesError(
                    ErrorName.QUERY_EVALUATION_ERROR,
                    f"Map state input must be an array but was: {dumps(items)}",
                )
            return items
        items = render_within_quota(state, state.items, scope)
        if not isinstance(items, list):
            # Recorded (executions test_base_scenarios/test_map_state_items_eval_jsonata_fail__*,
            # ..._items_variable_sampling__*): the source is the expression inside {% %}.
            source = (
                state.items.expression.source if isinstance(state.items, JsonataTemplate) else dumps(items)
            )
            raise StatesError(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{source}' specified for the field 'Items' returned an unexpected"
                f" result type. Expected 'array', but was '{type_name(items)}' for value: {dumps(items)}",
            )
        return items
    path = state.items_path
    if path is ABSENT:
        items = scope.current
        text = "$"
    else:
        try:
            items = path.resolve(scope)
        except PathMissing as missing:
            raise StatesError(ErrorName.RUNTIME, missing.invalid_path_cause()) from None
        # Recorded: ItemsPath "$$.Execution.Input" is named "$.Execution.Input" in the cause.
        text = path.text[1:] if path.text.startswith("$$") else path.text
    if not isinstance(items, list):
        # Recorded: 'Reference path "$.Execution.Input" must point to array.'
        raise StatesError(ErrorName.RUNTIME, f'Reference path "{text}" must point to array.')
    return trace.record("afterItemsPath", items)


def map_tolerance(state: MapState, scope: Scope, trace: Trace) -> Tolerance:
    count = percentage = None
    if state.tolerated_failure_count is not None:
        count = int(trace.record("toleratedFailureCount", state.tolerated_failure_count.evaluate(scope)))
    if state.tolerated_failure_percentage is not None:
        percentage = float(
            trace.record("toleratedFailurePercentage", state.tolerated_failure_percentage.evaluate(scope))
        )
    return Tolerance(count, percentage)


def iteration_inputs(state: MapState, scope: Scope, trace: Trace, items: list[JSON]) -> list[JSON]:
    """Each iteration's input: the items after ItemSelector, then grouped by ItemBatcher.

    Each list is held to the payload quota, as AWS holds each inspection member (256 KiB).
    """
    selected = items
    sizes: list[int] | None = None
    if state.item_selector is not None:
        selector = state.item_selector
        fast = state.fast_selector.select(items, scope) if state.fast_selector is not None else None
        if fast is not None and fast.size_bound(json_size(items)) <= FAST_TEXT_BOUND:
            # Small by construction: measured in one piece, each item's size left to the batcher.
            selected = fast.values
            if json_size(selected) > MAX_PAYLOAD_BYTES:
                raise data_limit_exceeded(state.name)
        else:
            selected = (
                fast.values
                if fast is not None
                else [selector.render(_item_scope(scope, index, item)) for index, item in enumerate(items)]
            )
            sizes = sizes_within_quota(state, selected, selector.fanout)
        trace.record("afterItemSelector", selected)
    if state.item_batcher is None:
        return selected
    batches, size = state.item_batcher.batch(selected, scope, sizes)
    if size > MAX_PAYLOAD_BYTES:
        raise data_limit_exceeded(state.name)
    return trace.record("afterItemBatcher", batches)


def _item_scope(scope: Scope, index: int, item: JSON) -> Scope:
    """The scope of one item's ItemSelector: ``$$.Map.Item.Index``/``Value`` (JSONata:
    ``$states.context.Map.Item...``) in the context; ``$`` stays the Map's effective input."""
    context = scope.context
    base: Mapping[str, JSON] = context if isinstance(context, dict) else {}
    return scope.with_context({**base, "Map": {"Item": {"Index": index, "Value": item}}})
