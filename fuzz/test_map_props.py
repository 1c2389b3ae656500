"""Properties of Map: the tolerated-failure decision, ItemSelector over any items (issue 4), and
the fast ItemSelector (issue 6) against the general evaluation.

Batching has its own properties (fuzz/test_batching_props.py).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from hypothesis import given, note

from fuzz.strategies import flat_item_selectors, json_values, map_items, threshold_cases
from interpreter import Mock, StateConfiguration, StatesError, Status, World, load_definition, run_state
from interpreter.fields.templates import compile_payload
from interpreter.jsontypes import json_size
from interpreter.map.selector import compile_fast_selector
from interpreter.scope import Scope

_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
_PROCESSOR = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}
_THRESHOLD = "States.ExceedToleratedFailureThreshold"


def _run(definition: dict[str, Any], input: Any, *, failures: int | None = None) -> Any:
    text = json.dumps(definition)
    note(text)
    return run_state(
        load_definition(text, None),
        input=input,
        context={},
        variables={},
        world=World(now=_NOW, rng=random.Random(1)),
        mock=Mock(result=[]),
        config=StateConfiguration(map_iteration_failure_count=failures),
    )


def _reference_exceeded(count: int | None, percentage: float | None, failures: int, iterations: int) -> bool:
    """ASL's rule in exact arithmetic: more failures than the count, or a larger failed share
    than the percentage (either threshold breaks the Map Run)."""
    by_count = count is not None and failures > count
    by_share = (
        percentage is not None
        and iterations > 0
        and Fraction(failures * 100, iterations) > Fraction(percentage)
    )
    return by_count or by_share


@given(case=threshold_cases())
def test_threshold_decision_equals_the_reference_formula(
    case: tuple[int | None, float | None, int, int],
) -> None:
    count, percentage, failures, iterations = case
    definition: dict[str, Any] = {"Type": "Map", "ItemProcessor": _PROCESSOR, "End": True}
    if count is not None:
        definition["ToleratedFailureCount"] = count
    if percentage is not None:
        definition["ToleratedFailurePercentage"] = percentage
    result = _run(definition, [0] * iterations, failures=failures)
    exceeded = _reference_exceeded(count, percentage, failures, iterations)
    assert (result.status, result.error) == (
        (Status.FAILED, _THRESHOLD) if exceeded else (Status.SUCCEEDED, None)
    )


@given(items=map_items())
def test_identity_item_selector_reports_the_items(items: list[Any]) -> None:
    jsonata = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "ItemProcessor": _PROCESSOR,
        "End": True,
        "ItemSelector": "{% $states.context.Map.Item.Value %}",
    }
    assert _run(jsonata, items).inspection["afterItemSelector"] == items
    jsonpath = {
        "Type": "Map",
        "ItemProcessor": _PROCESSOR,
        "End": True,
        "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
    }
    assert _run(jsonpath, items).inspection["afterItemSelector"] == [
        {"value": item, "index": index} for index, item in enumerate(items)
    ]


@given(items=map_items(), extra=json_values(max_leaves=3))
def test_without_selector_or_batcher_the_items_are_the_iterations(items: list[Any], extra: Any) -> None:
    definition = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": _PROCESSOR, "End": True}
    result = _run(definition, {"items": items, "extra": extra}, failures=len(items))
    assert result.inspection["afterItemsPath"] == items
    assert result.status is Status.SUCCEEDED  # failures == iterations is allowed, no tolerance declared


@given(selector=flat_item_selectors(), items=map_items(max_size=6), shared=json_values(max_leaves=3))
def test_the_fast_item_selector_answers_as_the_general_one(
    selector: dict[str, Any], items: list[Any], shared: Any
) -> None:
    """`interpreter.map.selector` either declines or gives exactly what evaluating the template
    per item, with Map.Item in each item's context, gives."""
    template = compile_payload(selector, pointer="/States/M/ItemSelector")
    fast = compile_fast_selector(template)
    if fast is None:
        return
    context = {"Execution": {"Id": "x"}}
    scope = Scope(
        current={"shared": shared}, context=context, variables={"var": [1]}, state_input={"shared": shared}
    )
    try:
        general: Any = [
            template.render(scope.with_context({**context, "Map": {"Item": {"Index": index, "Value": item}}}))
            for index, item in enumerate(items)
        ]
    except StatesError as error:
        general = error
    selection = fast.select(items, scope)
    if isinstance(general, StatesError):
        assert selection is None  # the general evaluation then reports the error
    elif selection is not None:
        assert selection.values == general
        assert json_size(selection.values) <= selection.size_bound(json_size(items))
