"""Tests for interpreter.jsonata.fast: the fast path answers exactly as the library, or not at all.

The reference is the library path of `interpreter.jsonata.expression` (the same expression compiled without
its fast form). Every fast answer must equal the library's value with the same JSON types; where
the library fails, the fast path must bail.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpreter.errors import StatesError
from interpreter.jsonata.base import DEFAULT_LIMITS
from interpreter.jsonata.expression import JsonataExpression, compile_jsonata
from interpreter.jsonata.fast import BAIL
from interpreter.jsontypes import ABSENT
from interpreter.limits import JsonataLimits
from interpreter.scope import Scope

DOCUMENT: dict[str, Any] = {
    "order": {
        "id": "A-1",
        "customer": "ada",
        "items": [{"sku": "s-1", "price": 12.5, "qty": 2}, {"sku": "s-2", "price": 3, "qty": 1, "n": None}],
        "tags": ["x", "y"],
        "one": ["solo"],
        "empty": [],
        "nested": [[{"a": 1}, {"a": [2, 3]}], [{"a": None}]],
    },
    "a": 40,
    "b": 2.5,
    "n": None,
    "t": True,
    "s": "  Hello  World ",
    "big": 10**30,
    "f": 1.0,
}


def _scope(state_input: Any = DOCUMENT, variables: dict[str, Any] | None = None, **extra: Any) -> Scope:
    return Scope(
        current=state_input,
        context={"State": {"Name": "S"}},
        state_input=state_input,
        variables={"x": DOCUMENT["order"], "v": 3, "nil": None} if variables is None else variables,
        **extra,
    )


def _library(expr: JsonataExpression, scope: Scope, limits: JsonataLimits) -> tuple[str, Any]:
    slow = dataclasses.replace(expr, _fast=None)
    try:
        return "value", slow.evaluate(scope, limits)
    except StatesError as error:
        return "error", error.cause


def _typed(value: Any) -> Any:
    """The value with its JSON types spelled out, so that 1 and 1.0 and True differ."""
    return json.dumps(value, sort_keys=True) if value is not ABSENT else "ABSENT"


def _check(text: str, scope: Scope, limits: JsonataLimits = DEFAULT_LIMITS) -> Any:
    expr = compile_jsonata(text)
    kind, expected = _library(expr, scope, limits)
    fast = expr._fast.run(scope, limits) if expr._fast is not None else BAIL
    if fast is not BAIL:
        assert kind == "value", f"{text}: fast path answered {fast!r} where the library failed: {expected}"
        assert _typed(fast) == _typed(expected), text
    return fast


# Expressions inside the subset: the fast path must answer them (and agree).
ANSWERED = [
    "$states.input.order.customer",
    "$states.input.order.items",
    "$states.input.order.items.price",
    "$states.input.order.items.(price * qty)",
    "$sum($states.input.order.items.(price * qty))",
    "$count($states.input.order.items)",
    "$count($states.input.nothing)",
    "$count($states.input.order)",
    "$uppercase($states.input.order.customer)",
    "$states.input.order.one",
    "$states.input.order.one.foo",
    "$states.input.order.empty",
    "$states.input.order.nested",
    "$states.input.order.nested.a",
    "$states.input.order.items.n",
    "$states.input.n",
    "$states.input.missing",
    "$states.context.State.Name",
    "$states",
    "$x.tags",
    "$x.items.sku",
    "$v + 1",
    "$v / 2",
    "$v % 2",
    "-$v",
    "$states.input.b * 2",
    "$states.input.f",
    "$states.input.big",
    "$nil",
    "$unknown",
    '"a" & $v & $nil & $states.input.t',
    "$v = 3",
    "$nil = null",
    "$x = $x",
    "$states.input.order.items = $x.items",
    "$v != 3.0",
    "$v < 4",
    '"a" < "b"',
    "$v > 2 and $nil",
    "$missing or $v",
    "$v > 2 ? 'yes' : 'no'",
    "$missing ? 1",
    '{"id": $x.id, "count": $count($x.items), "none": $missing}',
    "$x.items.{'s': sku}",
    "$max($x.items.price)",
    "$min($x.items.qty)",
    "$average($x.items.price)",
    "$sum($x.empty)",
    "$max($x.empty)",
    "$trim($states.input.s)",
    "$length($states.input.s)",
    "$lowercase('ÀB')",
    "$abs(-2.5)",
    "$floor(2.5)",
    "$ceil($states.input.b)",
    "$exists($missing)",
    "$exists($nil)",
    "$not($nil)",
    "$not($x.tags)",
    "$contains($x.customer, 'd')",
    "$substringBefore('a-b', '-')",
    "$substringAfter('a-b', '-')",
    "(1; 2)",
    "()",
    "customer",
    "1.5e3",
    "true",
    "null",
]


@pytest.mark.parametrize("text", ANSWERED)
def test_the_fast_path_answers_as_the_library(text: str) -> None:
    expr = compile_jsonata("{% " + text + " %}")
    assert expr._fast is not None, text
    assert _check("{% " + text + " %}", _scope()) is not BAIL, text


# Expressions the fast path must leave to the library: outside the subset, or failing.
LEFT = [
    ("$sum(1, 2)", True),  # arity
    ("$sum($x.tags)", True),  # T0412
    ("$uppercase($v)", True),  # T0410
    ("$v + 'a'", True),  # T2002
    ("$v / 0", True),  # D1001
    ("$nil < 1", True),  # T2010
    ("1 < 'a'", True),  # T2009
    ("$x & 'a'", True),  # an object stringified
    ("$sum", True),  # a function as a value
    ("$sum(1)", True),  # shadowed by the variable $sum
    ("$count()", True),
    ("$count($states.input.n)", True),  # the library counts null as no item
    ("$x.items[0]", False),
    ("$x.items[price > 3]", False),
    ("$x.items^(price)", False),
    ("$random()", False),
    ("$now()", False),
    ("$join($x.tags)", False),
    ("$number('1')", False),
    ("($a := 1; $a)", False),
    ("function($v) { $v }(1)", False),
    ('{"a": 1, "a": 2}', False),
    ("$", False),
    ("$$", False),
    ("[1, 2]", False),
    ("**", False),
    ("$states.input.big * $states.input.big * 1e300", True),
]


@pytest.mark.parametrize(("text", "compiled"), LEFT)
def test_the_fast_path_leaves_the_rest_to_the_library(text: str, compiled: bool) -> None:
    expr = compile_jsonata("{% " + text + " %}")
    assert (expr._fast is not None) is compiled, text
    scope = _scope(
        variables={"x": DOCUMENT["order"], "v": 3, "nil": None, "sum": 1} if "(1)" in text else None
    )
    assert _check("{% " + text + " %}", scope) is BAIL, text


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("$x.tags", JsonataLimits(max_sequence_items=1)),
        ("$states.input.order.items.sku", JsonataLimits(max_sequence_items=1)),
        ("$states.input.s", JsonataLimits(max_string_length=3)),
        ("'abcd'", JsonataLimits(max_string_length=3)),
        ("$v & $v", JsonataLimits(max_string_length=1)),
        ("$states.input.big", JsonataLimits()),  # an integer beyond a double
        ("$count($x.items)", JsonataLimits(max_depth=3)),
    ],
)
def test_the_bounds_are_the_librarys_to_report(text: str, limits: JsonataLimits) -> None:
    scope = _scope(variables={"x": DOCUMENT["order"], "v": 3}, state_input={**DOCUMENT, "big": 10**400})
    assert _check("{% " + text + " %}", scope, limits) is BAIL


def test_a_workflow_variable_named_states_does_not_shadow_states() -> None:
    scope = _scope(variables={"states": 1})
    assert _check("{% $states.input.a %}", scope) == 40


def test_result_and_error_output_appear_once_they_exist() -> None:
    assert _check("{% $states.result %}", _scope()) is ABSENT
    assert _check("{% $states.result.a %}", _scope(result={"a": 1}, error_output={"e": 2})) == 1
    assert _check("{% $states.errorOutput %}", _scope(error_output={"e": 2})) == {"e": 2}


# ---------------------------------------------------------------------------------------------
# Differential property: random expressions of the subset (and around it) on random documents

_KEYS = ("a", "b", "c")
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-5, 5, allow_nan=False).map(lambda f: round(f, 1))
    | st.sampled_from(["", "a", "B c", "10"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3),
    max_leaves=12,
)


def _expressions() -> st.SearchStrategy[str]:
    names = st.sampled_from(_KEYS)
    variables = st.sampled_from(["$states.input", "$p", "$q", "$nil", "$none"])
    literals = st.sampled_from(["1", "2.5", "0", "'a'", "''", "true", "false", "null"])
    paths = st.builds(lambda head, steps: ".".join([head, *steps]), variables, st.lists(names, max_size=3))
    leaves = paths | literals | names

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.builds(
            lambda a, op, b: f"({a} {op} {b})",
            inner,
            st.sampled_from(["+", "-", "*", "/", "%", "=", "!=", "<", ">=", "&", "and", "or"]),
            inner,
        )
        call = st.builds(
            lambda f, a: f"${f}({a})",
            st.sampled_from(
                [
                    "sum",
                    "count",
                    "max",
                    "min",
                    "average",
                    "uppercase",
                    "lowercase",
                    "length",
                    "trim",
                    "abs",
                    "floor",
                    "ceil",
                    "exists",
                    "not",
                ]
            ),
            inner,
        )
        step = st.builds(lambda p, e: f"{p}.({e})", paths, inner)
        obj = st.builds(lambda a, b: f'{{"k": {a}, "l": {b}}}', inner, inner)
        cond = st.builds(lambda c, a, b: f"({c} ? {a} : {b})", inner, inner, inner)
        return binary | call | step | obj | cond | st.builds(lambda a: f"-{a}", inner)

    return st.recursive(leaves, extend, max_leaves=6)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_expressions(), document=_json, p=_json, q=_json)
def test_fast_and_library_agree(text: str, document: Any, p: Any, q: Any) -> None:
    scope = _scope(state_input=document, variables={"p": p, "q": q, "nil": None})
    _check("{% " + text + " %}", scope)


def test_numbers_come_out_as_javascript_prints_them() -> None:
    assert _check("{% $states.input.f %}", _scope()) == 1
    value = _check("{% $states.input.b * 2 %}", _scope())
    assert value == 5 and type(value) is int
    assert not math.isnan(_check("{% $v / 4 %}", _scope()))
