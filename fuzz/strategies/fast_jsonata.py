"""The JSONata fast path (`interpreter.jsonata.fast`): expressions from its grammar (untyped, and
built by type), documents and workflow variables to run them on."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from hypothesis import strategies as st

# --- the JSONata fast path (interpreter.jsonata.fast): its grammar, data to run it on ------------

FAST_KEYS = ("a", "b", "c", "s", "items")
"""The object keys of `fast_jsonata_documents`, which `fast_jsonata_expressions` paths read."""

_FAST_KEY = st.sampled_from(FAST_KEYS)
_FAST_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([0.5, -1.5, 2.0, 0.1, -0.0, 1e-7, 1e16, 1e21, 1e300, -1e300, 2**53 + 1, 10**21, 3]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "a", "ab", "B c", "10", " x  y ", "ab-cd", "-", "é", "ß", "😀", "\t a\n"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=4),
)


def fast_jsonata_documents(*, max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """JSON values of mixed types (numbers of every size, strings, arrays of arrays, nulls) whose
    objects use `FAST_KEYS`, so that the paths of `fast_jsonata_expressions` find things."""
    return st.recursive(
        _FAST_SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(_FAST_KEY, children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


_FAST_NUMBERS = st.sampled_from(["0", "1", "2", "3", "-1", "2.5", "-0.5", "0.1", "1.5e3", "1e21", "1e300"])
_FAST_STRINGS = st.one_of(
    st.sampled_from(["", "a", "b", "ab", "B c", "10", " x  y ", "-", "é", "😀"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=4),
).map(lambda text: json.dumps(text, ensure_ascii=False))
# Path heads: the state's data, the bound variables p, q and nil, the context item, a field.
_FAST_HEADS = st.sampled_from(["$states.input", "$states.context", "$p", "$q", "$nil", "$", *FAST_KEYS])


@st.composite
def _fast_leaves(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return "$none"  # a name no variable binds: the fast path leaves it to the library
    if kind <= 4:
        return draw(_FAST_NUMBERS)
    if kind <= 8:
        return draw(_FAST_STRINGS)
    if kind <= 10:
        return draw(st.sampled_from(["true", "false", "null"]))
    if kind <= 13:
        return draw(st.sampled_from(["$p", "$q", "$nil", "$states.input"]))
    return draw(_fast_paths(depth=0))


@st.composite
def _fast_predicates(draw: st.DrawFn, *, depth: int) -> str:
    """What goes between ``[`` and ``]``: an index (negative, fractional), or an expression on
    the context item (a test, or numbers that pick indexes)."""
    kind = draw(st.integers(0, 3 if depth > 0 else 1))
    if kind == 0:
        return draw(st.sampled_from(["0", "1", "-1", "-2", "1.5", "5"]))
    if kind == 1:
        field = draw(st.sampled_from(["$", *FAST_KEYS]))
        operator = draw(st.sampled_from(["=", "!=", "<", ">="]))
        return f"{field} {operator} {draw(st.one_of(_FAST_NUMBERS, _FAST_STRINGS))}"
    return draw(_fast_any_expressions(depth=depth))


@st.composite
def _fast_paths(draw: st.DrawFn, *, depth: int) -> str:
    """A path: a head and steps (names, quoted names, object constructors, blocks, calls), any
    step maybe filtered."""
    text = draw(_FAST_HEADS)
    if draw(st.integers(0, 4)) == 0:
        text += f"[{draw(_fast_predicates(depth=depth - 1))}]"
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 9)) if depth > 0 else 0
        if kind <= 5:
            text += "." + draw(_FAST_KEY)
        elif kind == 6:
            text += ".`" + draw(_FAST_KEY) + "`"
        elif kind == 7:
            text += "." + draw(_fast_objects(depth=depth - 1))
        elif kind == 8:
            text += ".(" + draw(_fast_any_expressions(depth=depth - 1)) + ")"
        else:
            text += "." + draw(_fast_calls(depth=depth - 1, in_path=True))
        if draw(st.integers(0, 4)) == 0:
            text += f"[{draw(_fast_predicates(depth=depth - 1))}]"
    return text


@st.composite
def _fast_objects(draw: st.DrawFn, *, depth: int) -> str:
    keys = draw(st.lists(st.sampled_from(["k", "l", "a", "é"]), unique=True, max_size=3))
    members = [f'"{key}": {draw(_fast_any_expressions(depth=depth))}' for key in keys]
    return "{" + ", ".join(members) + "}"


@st.composite
def _fast_calls(draw: st.DrawFn, *, depth: int, in_path: bool = False) -> str:
    from interpreter.jsonata.fast import FUNCTION_ARITIES

    name = draw(st.sampled_from(sorted(FUNCTION_ARITIES)))
    arity = draw(st.sampled_from(sorted(FUNCTION_ARITIES[name])))
    if arity == 0 and not in_path and draw(st.booleans()):
        arity = max(FUNCTION_ARITIES[name])  # without an argument it reads the context item
    arguments = [draw(_fast_any_expressions(depth=depth)) for _ in range(arity)]
    return f"${name}({', '.join(arguments)})"


def fast_jsonata_expressions() -> st.SearchStrategy[str]:
    """JSONata expressions from the grammar the fast path compiles (`interpreter.jsonata.fast.
    GRAMMAR`): every operator and built-in it lists, blocks, conditions, object constructors,
    paths with object and block steps, predicates; operands of every type, so that errors and
    undefined results come up as often as values. Half of them are built by type, on the
    variables of `fast_jsonata_variables`, so that the operators and functions meet the values
    they work on (fractions for ``%``, ``ß`` for ``$lowercase``, arrays of arrays for filters and
    object constructors)."""
    return st.one_of(
        _fast_any_expressions(),
        _typed(kind="any", depth=3),
        _typed(kind="array", depth=2),
        _typed(kind="string", depth=2),
        _typed(kind="number", depth=2),
    )


@st.composite
def _fast_any_expressions(draw: st.DrawFn, *, depth: int = 3) -> str:
    from interpreter.jsonata.fast import GRAMMAR

    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(_fast_leaves())
    sub = _fast_any_expressions(depth=depth - 1)
    kind = draw(st.integers(0, 9))
    if kind <= 1:
        # The binary operators are named by strings (GRAMMAR is typed for its ANY keys too).
        operator = draw(st.sampled_from(sorted(cast("Mapping[str, frozenset[str]]", GRAMMAR["binary"]))))
        return f"({draw(sub)} {operator} {draw(sub)})"
    if kind == 2:
        return f"-{draw(sub)}"
    if kind == 3:
        otherwise = f" : {draw(sub)}" if draw(st.booleans()) else ""
        return f"({draw(sub)} ? {draw(sub)}{otherwise})"
    if kind == 4:
        return "(" + "; ".join(draw(st.lists(sub, max_size=3))) + ")"
    if kind == 5:
        text = draw(_fast_objects(depth=depth - 1))
    elif kind == 6:
        text = draw(_fast_calls(depth=depth - 1))
    else:
        return draw(_fast_paths(depth=depth - 1))
    if draw(st.integers(0, 4)) == 0:
        text += f"[{draw(_fast_predicates(depth=depth - 1))}]"
    return text


# --- expressions built by type, on the variables of `fast_jsonata_variables` ---------------------

_TYPED_NUMBERS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.5, -1.5, 2.0, 0.1, 0.2, 7.25, 1e16, 1e21, 1e300, -1e300, 2**53 + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
)
_TYPED_STRINGS = st.one_of(
    st.sampled_from(
        [
            "",
            "a",
            "ab",
            "B c",
            " x  y ",
            "\tp\n q ",
            "  ",
            " a\r\n\tb  c ",
            "ß",
            "ÀBß",
            "ﬁ",
            "a-b-c",
            "10",
            "😀x",
        ]
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=5),
)
FAST_VARIABLE_NAMES = ("p", "q", "nil", "empty", "n", "t", "arr", "strs", "objs", "nested")
"""The workflow variables `fast_jsonata_variables` binds (``$none`` stays unbound)."""


def fast_jsonata_variables() -> st.SearchStrategy[dict[str, Any]]:
    """Workflow variables for `fast_jsonata_expressions`: ``$p``, ``$q`` of any shape, ``$nil``
    null, ``$empty`` an empty array, and typed ones: ``$n`` a number, ``$t`` a string, ``$arr`` numbers, ``$strs`` strings,
    ``$objs`` objects with fields a, b, c, ``$nested`` arrays of arrays."""
    values = st.one_of(_TYPED_NUMBERS, _TYPED_STRINGS, st.lists(_TYPED_NUMBERS, max_size=3), st.none())
    items = st.fixed_dictionaries({}, optional={"a": values, "b": values, "c": st.lists(values, max_size=3)})
    return st.fixed_dictionaries(
        {
            "p": fast_jsonata_documents(max_leaves=6),
            "q": fast_jsonata_documents(max_leaves=4),
            "nil": st.none(),
            "empty": st.just([]),
            "n": _TYPED_NUMBERS,
            "t": _TYPED_STRINGS,
            "arr": st.lists(_TYPED_NUMBERS, max_size=5),
            "strs": st.lists(_TYPED_STRINGS, max_size=4),
            "objs": st.lists(items, max_size=4),
            "nested": st.lists(
                st.lists(
                    st.one_of(_TYPED_NUMBERS, _TYPED_STRINGS, st.lists(_TYPED_NUMBERS, max_size=2)),
                    max_size=3,
                ),
                max_size=3,
            ),
        }
    )


def _number_literal(number: float) -> str:
    return repr(number) if isinstance(number, float) else str(number)


# Filters on the items of $arr/$strs ($ is the item), of $objs (fields a, b, c), of $nested.
_ITEM_TESTS = {
    "$arr": ["$ > 1", "$ = 2", "$ % 2 = 1", "$", "$ - 1", "$ < 0.5"],
    "$strs": ["$ = 'a'", "$contains($, 'a')", "$length($) > 1", "$", "$ != ''"],
    "$objs": ["a > 1", "b = 'a'", "$exists(c)", "a", "c", "$count(c)", "a & b = 'ab'", "$ = $"],
    "$nested": ["$count($) > 1", "$[0] = 1", "$", "$count($) - 1", "$count($) = 0"],
}
_INDEXES = ["0", "1", "-1", "-2", "1.5", "-0.5", "7"]


@st.composite
def _typed(draw: st.DrawFn, *, kind: str, depth: int) -> str:
    """An expression meant to have a value of `kind` (number, string, boolean, array, object,
    any), its operands mostly of the types its operators and functions take."""
    if kind == "any":
        kind = draw(st.sampled_from(["number", "string", "boolean", "array", "object", "array"]))
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(_typed_leaves(kind))
    number, string, boolean = (_typed(kind=name, depth=depth - 1) for name in ("number", "string", "boolean"))
    array, anything = _typed(kind="array", depth=depth - 1), _typed(kind="any", depth=depth - 1)
    choice = draw(st.integers(0, 5))
    if kind == "number":
        if choice <= 1:
            return f"({draw(number)} {draw(st.sampled_from(['+', '-', '*', '/', '%']))} {draw(number)})"
        if choice == 2:
            return f"${draw(st.sampled_from(['sum', 'max', 'min', 'average']))}({draw(array)})"
        if choice == 3:
            function = draw(st.sampled_from(["count", "count", "length", "abs", "floor", "ceil"]))
            return f"${function}({draw(array if function == 'count' else anything)})"
        if choice == 4:
            return f"-{draw(number)}"
        return f"({draw(boolean)} ? {draw(number)} : {draw(number)})"
    if kind == "string":
        if choice <= 1:
            return f"({draw(string)} & {draw(anything)})"
        if choice == 2:
            return f"${draw(st.sampled_from(['uppercase', 'lowercase', 'trim']))}({draw(string)})"
        if choice == 3:
            extra = f", {draw(number)}" if draw(st.booleans()) else ""
            return f"$substring({draw(string)}, {draw(number)}{extra})"
        if choice == 4:
            return f"${draw(st.sampled_from(['substringBefore', 'substringAfter']))}({draw(string)}, {draw(string)})"
        return f"({draw(string)}; {draw(string)})"
    if kind == "boolean":
        if choice <= 1:
            operator = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
            operand = draw(st.sampled_from([number, string, boolean, anything]))
            other = draw(st.sampled_from([operand, operand, number, boolean, anything]))
            return f"({draw(operand)} {operator} {draw(other)})"
        if choice == 2:
            return f"$contains({draw(string)}, {draw(draw(st.sampled_from([string, string, anything])))})"
        if choice == 3:
            return f"${draw(st.sampled_from(['exists', 'not', 'boolean']))}({draw(anything)})"
        return f"({draw(boolean)} {draw(st.sampled_from(['and', 'or']))} {draw(anything)})"
    if kind == "array":
        source = draw(st.sampled_from(list(_ITEM_TESTS)))
        if choice <= 1:
            test = draw(st.one_of(st.sampled_from(_ITEM_TESTS[source]), st.sampled_from(_INDEXES)))
            steps = {"$objs": [".a", ".b", ".c", ".c[0]", ".c[-1]", "[0]"], "$nested": ["[0]", "[1]", "[-1]"]}
            step = draw(st.sampled_from(["", *steps.get(source, [])]))
            return f"{source}[{test}]{step}"
        if choice == 2:
            fields = {"$objs": ["a", "b", "c", "$"], "$nested": ["$", "$[0]"]}.get(source, ["$"])
            keys = draw(st.lists(st.sampled_from(["k", "l", "m"]), unique=True, min_size=1, max_size=3))
            members = ", ".join(f'"{key}": {draw(st.sampled_from(fields))}' for key in keys)
            return f"{source}.{{{members}}}"
        if choice == 3:
            call = {"$strs": "$uppercase()", "$arr": "$abs()", "$objs": "$count(c)"}.get(source, "$count($)")
            return f"{source}.{call}"
        if choice == 4:
            return f"{source}.({draw(anything)})"
        return f"$objs.{draw(st.sampled_from(['a', 'b', 'c']))}"
    if choice <= 2:
        keys = draw(st.lists(st.sampled_from(["k", "l", "a", "é"]), unique=True, max_size=3))
        return "{" + ", ".join(f'"{key}": {draw(anything)}' for key in keys) + "}"
    return draw(st.sampled_from(["$objs[0]", "$objs[-1]", "$q", "$objs[a].{'x': b}"]))


@st.composite
def _typed_leaves(draw: st.DrawFn, kind: str) -> str:
    if kind == "number":
        return draw(
            st.one_of(
                _TYPED_NUMBERS.map(_number_literal), st.sampled_from(["$n", "$arr[0]", "$objs[0].a", "$arr"])
            )
        )
    if kind == "string":
        return draw(
            st.one_of(
                _TYPED_STRINGS.map(lambda text: json.dumps(text, ensure_ascii=False)),
                st.sampled_from(["$t", "$t", "$strs[0]", "$objs[1].b", "$nil", "$strs"]),
            )
        )
    if kind == "boolean":
        return draw(st.sampled_from(["true", "false", "$exists($objs[0].a)", "$n > 0", "$nil"]))
    if kind == "array":
        return draw(
            st.sampled_from(
                [
                    "$arr",
                    "$strs",
                    "$objs",
                    "$nested",
                    "$objs.a",
                    "$objs.c",
                    "$p",
                    "$nested[0]",
                    "$empty",
                    "$objs[0].c",
                ]
            )
        )
    return draw(st.sampled_from(["$q", "$objs[0]", "{}", "$p", "$states.input", "null", "$none"]))
