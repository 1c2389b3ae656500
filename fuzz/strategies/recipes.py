"""Programs with a known meaning: equivalence recipes (one abstract Pass or Choice program,
rendered in both query languages) and the cases of the ResultPath laws."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.values import KEYS, cached_json_objects, cached_json_values

# --- equivalence recipes (issue 5): one abstract program, rendered in both query languages -------
#
# A recipe is a plain value; `render_*` turn it into a JSONPath and a JSONata definition that the
# ASL and JSONata specifications say compute the same thing. Recipes stay inside the region where
# that is true (see each docstring); the tests compare the two runs.


# Keys usable as a JSONPath dot step AND a JSONata name step (no reserved word, no quoting needed).
PATH_KEYS = ("a", "b", "x", "items", "Value", "name", "n", "nested", "list", "flag")
_PATH_KEY = st.sampled_from(PATH_KEYS)
# Numbers a JSONata literal denotes exactly (JSONata numbers are doubles): integers within 2**53.
_EXACT_NUMBERS = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
)


@functools.cache
def exact_json_values(*, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """JSON values whose numbers are doubles exactly (safe to write as a JSONata literal).
    Cached: building a recursive strategy costs more than drawing from it."""
    leaves = st.one_of(st.none(), st.booleans(), _EXACT_NUMBERS, st.text(max_size=8))
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            # No key ending ".$": in a JSONPath payload template that would be a path, not a constant.
            st.dictionaries(
                st.one_of(KEYS, st.text(max_size=4).filter(lambda key: not key.endswith(".$"))),
                children,
                max_size=3,
            ),
        ),
        max_leaves=max_leaves,
    )


def with_value_at(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of object `doc` with `value` at `path`, objects created (or replacing non-objects)
    on the way: every prefix of `path` then names an object."""
    if not path:
        return doc
    head, rest = path[0], path[1:]
    child = doc.get(head)
    return {
        **doc,
        head: with_value_at(child if isinstance(child, dict) else {}, rest, value) if rest else value,
    }


def jsonata_literal(value: Any) -> str:
    """A JSON value as JSONata source: JSON literals are JSONata literals (strings keep their
    characters raw, so no surrogate pair is split into two escapes)."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class PassRecipe:
    """Select a sub-value of the input, build an object of selected fields and constants from it,
    place that object with a ResultPath.

    `fields` holds ``(name, sub_path, None)`` for a field selected at `sub_path` under the selected
    value, ``(name, None, constant)`` for a constant. `result_path` is a tuple of keys (``()`` is
    "$") or None (discard). The input guarantees every selected path exists and runs through
    objects only, and the parent of a two-step ResultPath is an object or missing.
    """

    input: dict[str, Any]
    selection: tuple[str, ...]
    fields: tuple[tuple[str, tuple[str, ...] | None, Any], ...]
    result_path: tuple[str, ...] | None


@st.composite
def pass_recipes(draw: st.DrawFn) -> PassRecipe:
    """Pass programs in the region where JSONPath and JSONata agree: paths exist and step through
    objects only (JSONata maps a step over an array, JSONPath does not; JSONata drops a field whose
    value is undefined, JSONPath fails), numbers are exact doubles, and the input is an object."""
    selection = tuple(draw(st.lists(_PATH_KEY, max_size=2)))
    names = draw(st.lists(KEYS, max_size=4, unique=True))
    fields = tuple(
        # A selected field needs a name: "" + ".$" would be the odd key ".$".
        (name, tuple(draw(st.lists(_PATH_KEY, max_size=2))), None)
        if name and draw(st.booleans())
        else (name, None, draw(exact_json_values(max_leaves=2)))
        for name in names
    )
    result_path = draw(
        st.one_of(st.none(), st.tuples(), st.tuples(_PATH_KEY), st.tuples(_PATH_KEY, _PATH_KEY))
    )
    document = draw(st.dictionaries(_PATH_KEY, exact_json_values(max_leaves=2), max_size=3))
    # Shorter paths first: a longer one may then turn a shorter one's value into an object, but
    # never removes a path already placed.
    leaves = sorted({(*selection, *sub_path) for _, sub_path, _ in fields if sub_path is not None}, key=len)
    for leaf in leaves or [selection]:
        document = with_value_at(document, leaf, draw(exact_json_values(max_leaves=3)))
    if (
        result_path is not None
        and len(result_path) == 2
        and not isinstance(document.get(result_path[0], {}), dict)
    ):
        # JSONPath cannot merge into a non-object; the law for that case is not equivalence.
        document = {
            **document,
            result_path[0]: draw(st.dictionaries(_PATH_KEY, exact_json_values(max_leaves=2), max_size=2)),
        }
    return PassRecipe(document, selection, fields, result_path)


def _dotted(root: str, path: tuple[str, ...]) -> str:
    return root + "".join(f".{key}" for key in path)


def render_pass_jsonpath(recipe: PassRecipe) -> dict[str, Any]:
    """The recipe as InputPath + Parameters + ResultPath."""
    parameters = {
        (f"{name}.$" if sub_path is not None else name): (
            _dotted("$", sub_path) if sub_path is not None else constant
        )
        for name, sub_path, constant in recipe.fields
    }
    state: dict[str, Any] = {
        "Type": "Pass",
        "InputPath": _dotted("$", recipe.selection),
        "Parameters": parameters,
        "End": True,
    }
    state["ResultPath"] = None if recipe.result_path is None else _dotted("$", recipe.result_path)
    return state


def render_pass_jsonata(recipe: PassRecipe) -> dict[str, Any]:
    """The recipe as one JSONata Output expression (``$merge`` stands for a ResultPath merge)."""
    members = ", ".join(
        f"{jsonata_literal(name)}: "
        + (_dotted("$v", sub_path) if sub_path is not None else jsonata_literal(constant))
        for name, sub_path, constant in recipe.fields
    )
    if recipe.result_path is None:
        placed = "$states.input"
    elif not recipe.result_path:
        placed = "$r"
    elif len(recipe.result_path) == 1:
        placed = f"$merge([$states.input, {{{jsonata_literal(recipe.result_path[0])}: $r}}])"
    else:
        outer, inner = recipe.result_path
        placed = (
            f"$merge([$states.input, {{{jsonata_literal(outer)}: $merge([$states.input.{outer}, "
            f"{{{jsonata_literal(inner)}: $r}}])}}])"
        )
    expression = f"( $v := {_dotted('$states.input', recipe.selection)}; $r := {{{members}}}; {placed} )"
    return {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% " + expression + " %}", "End": True}


# Choice rule trees. Each comparison reads its own typed field, so the input can give every field
# the type its operator expects.
NUMERIC_OPERATORS = {
    "NumericEquals": "=",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "<=",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": ">=",
}
_NUMBERS = st.sampled_from([-2, -1, 0, 1, 2, 0.5, -1.5, 1.0, 2**53])
_STRINGS = st.sampled_from(["", "a", "b", "ab", "é", "😀", "A"])


@dataclass(frozen=True, slots=True)
class Comparison:
    """``operator`` applied to field `field` of the input (None when `field` is absent) and `operand`."""

    operator: str
    field: str
    operand: Any


@dataclass(frozen=True, slots=True)
class Combination:
    """And/Or over `rules`, or Not over exactly one."""

    combinator: str
    rules: tuple[Comparison | Combination, ...]


Rule = Comparison | Combination


@st.composite
def choice_rules(draw: st.DrawFn, *, depth: int = 2) -> Rule:
    """Rule trees over Numeric*, StringEquals, BooleanEquals and IsPresent comparisons."""
    if depth > 0 and draw(st.integers(0, 2)) == 0:
        combinator = draw(st.sampled_from(["And", "Or", "Not"]))
        count = 1 if combinator == "Not" else draw(st.integers(1, 3))
        return Combination(combinator, tuple(draw(choice_rules(depth=depth - 1)) for _ in range(count)))
    kind = draw(st.sampled_from(["number", "number", "string", "boolean", "present"]))
    if kind == "number":
        return Comparison(
            draw(st.sampled_from(sorted(NUMERIC_OPERATORS))), f"n{draw(st.integers(0, 2))}", draw(_NUMBERS)
        )
    if kind == "string":
        return Comparison("StringEquals", f"s{draw(st.integers(0, 2))}", draw(_STRINGS))
    if kind == "boolean":
        return Comparison("BooleanEquals", f"b{draw(st.integers(0, 1))}", draw(st.booleans()))
    return Comparison("IsPresent", draw(st.sampled_from(["p0", "p1", "n0", "s0"])), draw(st.booleans()))


@dataclass(frozen=True, slots=True)
class ChoiceRecipe:
    """Top-level rules with their Next, an optional Default, and an input."""

    input: dict[str, Any]
    rules: tuple[tuple[Rule, str], ...]
    default: str | None


def _fields_of(rule: Rule) -> set[str]:
    if isinstance(rule, Comparison):
        return {rule.field} if rule.operator != "IsPresent" else set()
    return set().union(*(_fields_of(inner) for inner in rule.rules))


@st.composite
def choice_recipes(draw: st.DrawFn) -> ChoiceRecipe:
    """Choice programs where JSONPath and JSONata agree: every compared field is present with the
    operator's type (JSONata ``<`` across types is an error, a missing JSONPath Variable is
    States.Runtime, a JSONPath comparison of another type is false); IsPresent fields (``p*``, or
    typed ones) may be missing or hold any JSON, null included (both languages: present)."""
    rules = tuple(
        (draw(choice_rules()), draw(st.sampled_from(["A", "B", "C"]))) for _ in range(draw(st.integers(1, 3)))
    )
    values: dict[str, Any] = {}
    for field in sorted(set().union(*(_fields_of(rule) for rule, _ in rules))):
        values[field] = draw({"n": _NUMBERS, "s": _STRINGS, "b": st.booleans()}[field[0]])
    for optional in ("p0", "p1"):
        if draw(st.booleans()):
            values[optional] = draw(exact_json_values(max_leaves=3))
    for optional in ("n0", "s0"):
        if optional not in values and draw(st.booleans()):
            values[optional] = draw({"n": _NUMBERS, "s": _STRINGS}[optional[0]])
    return ChoiceRecipe(values, rules, draw(st.sampled_from([None, "D"])))


def _jsonpath_rule(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, Comparison):
        return {"Variable": f"$.{rule.field}", rule.operator: rule.operand}
    if rule.combinator == "Not":
        return {"Not": _jsonpath_rule(rule.rules[0])}
    return {rule.combinator: [_jsonpath_rule(inner) for inner in rule.rules]}


def _jsonata_condition(rule: Rule) -> str:
    if isinstance(rule, Comparison):
        value = f"$states.input.{rule.field}"
        if rule.operator == "IsPresent":
            return f"$exists({value})" if rule.operand else f"$not($exists({value}))"
        symbol = NUMERIC_OPERATORS.get(rule.operator, "=")
        return f"({value} {symbol} {jsonata_literal(rule.operand)})"
    if rule.combinator == "Not":
        return f"$not({_jsonata_condition(rule.rules[0])})"
    joiner = " and " if rule.combinator == "And" else " or "
    return "(" + joiner.join(_jsonata_condition(inner) for inner in rule.rules) + ")"


def render_choice_jsonpath(recipe: ChoiceRecipe) -> dict[str, Any]:
    """The rules as JSONPath Choice rules (Variable + comparison operator, And/Or/Not)."""
    state: dict[str, Any] = {
        "Type": "Choice",
        "Choices": [{**_jsonpath_rule(rule), "Next": next_state} for rule, next_state in recipe.rules],
    }
    if recipe.default is not None:
        state["Default"] = recipe.default
    return state


def render_choice_jsonata(recipe: ChoiceRecipe) -> dict[str, Any]:
    """The rules as JSONata Conditions."""
    state: dict[str, Any] = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [
            {"Condition": "{% " + _jsonata_condition(rule) + " %}", "Next": next_state}
            for rule, next_state in recipe.rules
        ],
    }
    if recipe.default is not None:
        state["Default"] = recipe.default
    return state


# --- ResultPath laws -------------------------------------------------------------------------------


@st.composite
def result_path_cases(draw: st.DrawFn) -> tuple[dict[str, Any], Any, str | None]:
    """``(input, result, ResultPath)``: "$", null, ``$.k`` (k fresh or existing), or ``$.a.b``
    with ``a`` an object of the input or missing from it."""
    document = draw(cached_json_objects(max_leaves=6))
    result = draw(cached_json_values(max_leaves=3))
    kind = draw(st.sampled_from(["root", "null", "key", "nested"]))
    if kind == "root":
        return document, result, "$"
    if kind == "null":
        return document, result, None
    key = draw(_PATH_KEY)
    if kind == "key":
        return document, result, f"$.{key}"
    inner = draw(_PATH_KEY)
    if draw(st.booleans()):
        document = {name: value for name, value in document.items() if name != key}
    elif not isinstance(document.get(key), dict):
        document = {**document, key: draw(cached_json_objects(max_leaves=4))}
    return document, result, f"$.{key}.{inner}"
