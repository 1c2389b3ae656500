"""Equivalent JSONPath and JSONata forms of the same program give the same answer.

A program is drawn as an abstract recipe (`fuzz.strategies.PassRecipe`, `ChoiceRecipe`) and
rendered in both query languages; both are run with `run_state` on the same input.

Restriction (where the two languages are specified to agree, and only there):
- Pass: every selected path exists and steps through objects only (a JSONata step maps over an
  array and a JSONPath step does not; a JSONata field whose value is undefined is dropped where
  JSONPath fails with States.Runtime); the input is an object; numbers are exact doubles
  (JSONata's number type), and outputs are compared with numbers by value (JSONata has no
  integer/float distinction: ``1.0`` comes back as ``1``); a two-step ResultPath's parent is an
  object or missing (JSONPath cannot merge into anything else).
- Choice: each comparison reads a field that is present with the operator's type (JSONata ``<``
  across types raises, a JSONPath comparison of another type is false, a missing JSONPath
  Variable is States.Runtime where JSONata sees undefined); IsPresent may read a missing field or
  one holding any JSON, null included (present in both). StringLessThan and friends are left out:
  AWS's JSONPath orders strings as Java does and JSONata as JavaScript does, by UTF-16 units.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, note

from fuzz.strategies import (
    ChoiceRecipe,
    Comparison,
    PassRecipe,
    choice_recipes,
    pass_recipes,
    render_choice_jsonata,
    render_choice_jsonpath,
    render_pass_jsonata,
    render_pass_jsonpath,
)
from interpreter import TestResult, World, load_definition, run_state

_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _run(definition: dict[str, Any], value: dict[str, Any]) -> TestResult:
    text = json.dumps(definition)
    note(text)
    return run_state(
        load_definition(text, None),
        input=value,
        context={},
        variables={},
        world=World(now=_NOW, rng=random.Random(5)),
    )


def same_json(left: Any, right: Any) -> bool:
    """JSON equality with numbers compared by value (1 == 1.0) but booleans never numbers."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same_json(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def _expected_pass_output(recipe: PassRecipe) -> Any:
    """What both renderings must produce, computed plainly from the recipe."""
    selected: Any = recipe.input
    for key in recipe.selection:
        selected = selected[key]
    built: dict[str, Any] = {}
    for name, sub_path, constant in recipe.fields:
        if sub_path is None:
            built[name] = constant
            continue
        value = selected
        for key in sub_path:
            value = value[key]
        built[name] = value
    if recipe.result_path is None:
        return recipe.input
    if not recipe.result_path:
        return built
    if len(recipe.result_path) == 1:
        return {**recipe.input, recipe.result_path[0]: built}
    outer, inner = recipe.result_path
    return {**recipe.input, outer: {**recipe.input.get(outer, {}), inner: built}}


@given(recipe=pass_recipes())
def test_pass_jsonpath_and_jsonata_forms_agree(recipe: PassRecipe) -> None:
    note(repr(recipe))
    before = json.dumps(recipe.input, sort_keys=True)
    by_path = _run(render_pass_jsonpath(recipe), recipe.input)
    by_jsonata = _run(render_pass_jsonata(recipe), recipe.input)
    assert (str(by_path.status), by_path.error, by_path.cause) == ("SUCCEEDED", None, None)
    assert (str(by_jsonata.status), by_jsonata.error, by_jsonata.cause) == ("SUCCEEDED", None, None)
    expected = _expected_pass_output(recipe)
    assert same_json(by_path.output, expected), (by_path.output, expected)
    assert same_json(by_jsonata.output, expected), (by_jsonata.output, expected)
    assert json.dumps(recipe.input, sort_keys=True) == before


def _holds(rule: Any, value: dict[str, Any]) -> bool:
    """The rule's truth on `value`, from the ASL definitions of the operators."""
    if isinstance(rule, Comparison):
        if rule.operator == "IsPresent":
            return (rule.field in value) is rule.operand
        actual = value[rule.field]
        return {
            "NumericEquals": lambda: actual == rule.operand,
            "NumericLessThan": lambda: actual < rule.operand,
            "NumericLessThanEquals": lambda: actual <= rule.operand,
            "NumericGreaterThan": lambda: actual > rule.operand,
            "NumericGreaterThanEquals": lambda: actual >= rule.operand,
            "StringEquals": lambda: actual == rule.operand,
            "BooleanEquals": lambda: actual is rule.operand,
        }[rule.operator]()
    results = [_holds(inner, value) for inner in rule.rules]
    return {"And": all, "Or": any, "Not": lambda items: not items[0]}[rule.combinator](results)


@given(recipe=choice_recipes())
def test_choice_jsonpath_rules_and_jsonata_conditions_agree(recipe: ChoiceRecipe) -> None:
    note(repr(recipe))
    by_path = _run(render_choice_jsonpath(recipe), recipe.input)
    by_jsonata = _run(render_choice_jsonata(recipe), recipe.input)
    expected = next(
        (next_state for rule, next_state in recipe.rules if _holds(rule, recipe.input)), recipe.default
    )
    for result in (by_path, by_jsonata):
        if expected is None:
            assert (str(result.status), result.error) == ("FAILED", "States.NoChoiceMatched")
        else:
            assert (str(result.status), result.next_state, result.error) == ("SUCCEEDED", expected, None)
            assert same_json(result.output, recipe.input)
    assert (by_path.cause, by_path.next_state) == (by_jsonata.cause, by_jsonata.next_state)
