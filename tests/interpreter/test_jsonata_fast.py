"""Tests for interpreter.jsonata.fast: the fast path answers exactly as the library, or bails.

The reference is the library path of `interpreter.jsonata.expression` (the same expression compiled
without its fast form). These are the deterministic examples; the differential property over the
whole grammar is fuzz/test_fast_jsonata_props.py.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest

from interpreter.errors import StatesError
from interpreter.jsonata.base import DEFAULT_LIMITS
from interpreter.jsonata.expression import compile_jsonata
from interpreter.jsonata.fast import BAIL, GRAMMAR, Bail
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
    "holes": [[]],
    "groups": [[[1, 2], 3], [4]],
    "lists": [[["only"]], [[]]],
}


def _scope(state_input: Any = DOCUMENT, variables: dict[str, Any] | None = None, **extra: Any) -> Scope:
    return Scope(
        current=state_input,
        context={"State": {"Name": "S"}},
        state_input=state_input,
        variables={"x": DOCUMENT["order"], "v": 3, "nil": None} if variables is None else variables,
        **extra,
    )


def _text(value: Any) -> str:
    """The value as exact JSON text: key order kept, 1 and 1.0 and true all different."""
    return json.dumps(value) if value is not ABSENT else "ABSENT"


def _check(text: str, scope: Scope, limits: JsonataLimits = DEFAULT_LIMITS) -> Any:
    """The fast path's answer (or `Bail` reason), checked against the library's."""
    expr = compile_jsonata("{% " + text + " %}")
    assert expr._fast is not None, f"{text}: not compiled"
    fast = expr._fast.attempt(scope, limits)
    assert (expr._fast.run(scope, limits) is BAIL) is isinstance(fast, Bail)
    try:
        expected: Any = dataclasses.replace(expr, _fast=None).evaluate(scope, limits)
    except StatesError as error:
        assert isinstance(fast, Bail), (
            f"{text}: fast path answered {fast!r} where the library failed: {error}"
        )
        return fast
    if not isinstance(fast, Bail):
        assert _text(fast) == _text(expected), text
    return fast


# Expressions inside the grammar: the fast path must answer them (and agree).
ANSWERED = [
    "$states.input.order.customer",
    "$states.input.order.items",
    "$states.input.order.items.price",
    "$states.input.order.items.(price * qty)",
    "$sum($states.input.order.items.(price * qty))",
    "$count($states.input.order.items)",
    "$count($states.input.nothing)",
    "$count($states.input.order)",
    "$count($states.input.n)",
    "$count($x.items.sku)",
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
    "5.5 % 2",
    "-$v",
    "$states.input.b * 2",
    "$states.input.f",
    "$states.input.big",
    "$nil",
    '"a" & $v & $nil & $states.input.t',
    '"a" & $x.tags & $x.items[0]',
    "0.1 + 0.2 & ''",
    "$v = 3",
    "$nil = null",
    "$x = $x",
    "$states.input.order.items = $x.items",
    "$v != 3.0",
    "$x.missing != 1",
    "true = 1",
    "$v < 4",
    '"a" < "b"',
    "$v > 2 and $nil",
    "$nil or $v",
    "$v > 2 ? 'yes' : 'no'",
    "$nil ? 1",
    '{"id": $x.id, "count": $count($x.items), "none": $x.missing}',
    "$x.items.{'s': sku}",
    '$states.input.order.nested.{"a": a}',
    '$states.input.groups.{"k": $}',
    "$states.input.lists[0][0]",
    "$states.input.lists[1][0]",
    "$x.items[0]",
    "$x.items[-1].sku",
    "$x.items[1.5]",
    "$x.items[price > 3].sku",
    "$x.tags[$ = 'y']",
    "$x.items[$count($x.tags) - 1]",
    "$x.items[sku = 's-2'][0].qty",
    "$x.nested[0]",
    "$x.nested[0][1].a",
    "($x.items)[1]",
    "$x.items.$uppercase(sku)",
    "$x.tags.$uppercase()",
    "$max($x.items.price)",
    "$min($x.items.qty)",
    "$average($x.items.price)",
    "$sum($x.empty)",
    "$max($x.empty)",
    "$sum($nil)",
    "$trim($states.input.s)",
    "$length($states.input.s)",
    "$lowercase('ÀBß')",
    "$abs(-2.5)",
    "$floor(2.5)",
    "$ceil($states.input.b)",
    "$exists($x.missing)",
    "$exists($nil)",
    "$not($nil)",
    "$not($x.tags)",
    "$boolean($x.empty)",
    "$contains($x.customer, 'd')",
    "$contains($nil, 'd')",
    "$substring('hello', 1)",
    "$substring('hello', -3, 2)",
    "$substring('hello', 1.7, 2.9)",
    "$x.tags.$substring(0, 1)",
    "$substringBefore('a-b', '-')",
    "$substringAfter('a-b', '-')",
    "$substringAfter('a-b', $x.missing)",
    "(1; 2)",
    "()",
    "customer",
    "1.5e3",
    "true",
    "null",
]


@pytest.mark.parametrize("text", ANSWERED)
def test_the_fast_path_answers_as_the_library(text: str) -> None:
    assert not isinstance(_check(text, _scope()), Bail), text


# Expressions in the grammar that the fast path must leave to the library, and why.
BAILED = [
    ("$sum($x.tags)", Bail.ERROR),  # T0412
    ("$uppercase($v)", Bail.ERROR),  # T0410
    ("$uppercase($nil)", Bail.ERROR),  # null passes the signature; the function refuses it
    ("$abs($nil)", Bail.ERROR),
    ("$contains('ab', $nil)", Bail.ERROR),
    ("$contains($nil, 1)", Bail.ERROR),  # the signature refuses the number first
    ("$substringBefore($nil, '-')", Bail.ERROR),
    ("$v + 'a'", Bail.ERROR),  # T2002
    ("$v / 0", Bail.ERROR),  # D1001
    ("$v % 0", Bail.ERROR),
    ("$nil < 1", Bail.ERROR),  # T2010
    ("1 < 'a'", Bail.ERROR),  # T2009
    ("-'a'", Bail.ERROR),  # D1002
    ("$states.input.big * $states.input.big * 1e300", Bail.ERROR),
    ("$sum(1)", Bail.ERROR),  # shadowed by the workflow variable $sum: T1006
    ("$unknown", Bail.NAME),  # may name a function: the library resolves it
    ("$exists($missing)", Bail.NAME),
    ('$states.input.holes[{"a": 1}]', Bail.EMPTY_GROUP),
]


@pytest.mark.parametrize(("text", "reason"), BAILED)
def test_the_fast_path_bails_for_its_documented_reasons(text: str, reason: Bail) -> None:
    variables = {"x": DOCUMENT["order"], "v": 3, "nil": None, "sum": 1} if text == "$sum(1)" else None
    document = json.loads(json.dumps(DOCUMENT))  # the library mutates the data in the empty-group case
    assert _check(text, _scope(document, variables=variables)) is reason, text


# Expressions outside the grammar: not compiled, the library evaluates them.
NOT_COMPILED = [
    "$sum(1, 2)",  # an argument count the fast path does not compile
    "$count()",
    "$x.items^(price)",
    "$x.items#$i",
    "$x.items@$i",
    "$x.items{sku: price}",
    "$x.items[]",
    "$x.items.%.id",
    "$random()",
    "$now()",
    "$join($x.tags)",
    "$number('1')",
    "$contains('abc', /b/)",
    "($a := 1; $a)",
    "function($v) { $v }(1)",
    "$x ~> $count()",
    "$v in [1]",
    "[1, 2]",
    "[1..3]",
    '{"a": 1, "a": 2}',
    "{$v: 1}",
    "'abc'[0]",
    "$$",
    "**",
    "*.a",
]


@pytest.mark.parametrize("text", NOT_COMPILED)
def test_what_is_outside_the_grammar_is_not_compiled(text: str) -> None:
    assert compile_jsonata("{% " + text + " %}")._fast is None, text


def test_the_context_item_alone_is_undefined_at_the_top() -> None:
    assert _check("$", _scope()) is ABSENT


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("$x.tags", JsonataLimits(max_sequence_items=1)),
        ("$states.input.order.items.sku", JsonataLimits(max_sequence_items=1)),
        ("$x.items[sku != 'z']", JsonataLimits(max_sequence_items=1)),
        ("$states.input.s", JsonataLimits(max_string_length=3)),
        ("'abcd'", JsonataLimits(max_string_length=3)),
        ("$v & $v", JsonataLimits(max_string_length=1)),
        ("$states.input.big", JsonataLimits()),  # an integer beyond a double
        ("$count($x.items)", JsonataLimits(max_depth=3)),
    ],
)
def test_the_bounds_are_the_librarys_to_report(text: str, limits: JsonataLimits) -> None:
    scope = _scope(variables={"x": DOCUMENT["order"], "v": 3}, state_input={**DOCUMENT, "big": 10**400})
    assert _check(text, scope, limits) is Bail.BOUND


def test_a_sum_beyond_a_double_is_the_librarys_to_report() -> None:
    scope = _scope(variables={"x": [1e308, 1e308], "big": [10**308, 10**308]})
    assert _check("$sum($x) > 1", scope) is Bail.ERROR  # D1001
    assert _check("$sum($big)", scope) is Bail.ERROR


def test_numbers_built_ins_return_are_converted_as_the_library_converts_them() -> None:
    scope = _scope(variables={"b": [2**53 + 1]})
    assert _check("$b[0]", scope) == 2**53 + 1  # read from the data: unchanged
    assert _check("$abs($b[0])", scope) == 2**53  # returned by a built-in: the nearest double
    assert _check("$floor(1e300)", scope) == 1e300


def test_a_workflow_variable_named_states_does_not_shadow_states() -> None:
    scope = _scope(variables={"states": 1})
    assert _check("$states.input.a", scope) == 40


def test_result_and_error_output_appear_once_they_exist() -> None:
    assert _check("$states.result", _scope()) is ABSENT
    assert _check("$states.result.a", _scope(result={"a": 1}, error_output={"e": 2})) == 1
    assert _check("$states.errorOutput", _scope(error_output={"e": 2})) == {"e": 2}


def test_numbers_come_out_as_javascript_prints_them() -> None:
    assert _check("$states.input.f", _scope()) == 1
    value = _check("$states.input.b * 2", _scope())
    assert value == 5 and type(value) is int
    assert not math.isnan(_check("$v / 4", _scope()))


def test_the_grammar_lists_every_operator_and_function_it_compiles() -> None:
    assert set(GRAMMAR["binary"]) == {
        "+",
        "-",
        "*",
        "/",
        "%",
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "&",
        "and",
        "or",
    }
    assert {"contains", "substring", "substringBefore", "substringAfter"} <= set(GRAMMAR["function"])
