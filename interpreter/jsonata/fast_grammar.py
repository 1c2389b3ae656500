"""The JSONata fast path's allow-list, `GRAMMAR`, and its checks on a parse tree node.

`GRAMMAR` names, per node type of the library's parse tree, the operators and function names
the fast path compiles and the attributes such a node may carry (see `interpreter.jsonata.fast`);
`rule` and `check` refuse (`Unsupported`) any node outside it. The implementation tables are
checked against it at import (`interpreter.jsonata.fast_compiler`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any, Final


class Unsupported(Exception):
    """The parse tree holds something outside `GRAMMAR`."""


class _Wildcard(enum.Enum):
    ANY = "any"


ANY: Final = _Wildcard.ANY
"""A `GRAMMAR` key: any value of the node's own kind (a literal, a name), checked by its compiler."""

# Deepest parse tree compiled; deeper expressions are left to the library (its depth bound).
MAX_TREE_DEPTH: Final = 40

# ---------------------------------------------------------------------------------------------
# The grammar: the allow-list

_BINARY_CHILDREN: Final = frozenset({"lhs", "rhs"})
_CALL_CHILDREN: Final = frozenset({"procedure", "arguments", "predicate"})

GRAMMAR: Final[Mapping[str, Mapping[object, frozenset[str]]]] = {
    # Literals: any string; a finite number (an integer within a double); true, false, null.
    "string": {ANY: frozenset()},
    "number": {ANY: frozenset()},
    "value": {True: frozenset(), False: frozenset(), None: frozenset()},
    # $name (a workflow variable, or $states) and $ (the context item), maybe filtered: $x[0].
    "variable": {ANY: frozenset({"predicate"})},
    # A field of the context item (only ever a step of a path); a path of steps, each step maybe
    # filtered (a[0], a[b > 1], and any step below: name, variable, block, object, call).
    "name": {ANY: frozenset()},
    "path": {ANY: frozenset({"steps"})},
    "filter": {ANY: frozenset({"expr"})},
    # ( e1; e2; ... ) and c ? a : b
    "block": {ANY: frozenset({"expressions", "predicate"})},
    "condition": {ANY: frozenset({"condition", "then", "_else"})},
    # -x, and {"key": value, ...} with distinct literal keys
    "unary": {"-": frozenset({"expression"}), "{": frozenset({"lhs_object", "predicate"})},
    "binary": dict.fromkeys(
        ("+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "&", "and", "or"), _BINARY_CHILDREN
    ),
    # $f(...) of these built-ins (by name, without $), with the argument counts `fast_functions.FUNCTIONS` lists.
    "function": dict.fromkeys(
        (
            *("sum", "count", "max", "min", "average"),
            *("uppercase", "lowercase", "length", "trim", "contains"),
            *("substring", "substringBefore", "substringAfter"),
            *("abs", "floor", "ceil", "exists", "not", "boolean"),
        ),
        _CALL_CHILDREN,
    ),
}

# Attributes every node carries (parser bookkeeping), whatever its type.
_BOOKKEEPING: Final = frozenset({"_outer_instance", "id", "type", "value", "position", "bp", "lbp"})
# A workflow variable's name as the adapter binds it (`interpreter.jsonata.expression`).
VARIABLE_NAME: Final = re.compile(r"[A-Za-z0-9_]+")


def check(node: Any, allowed: frozenset[str]) -> None:
    """Refuse a node with any attribute set beyond the bookkeeping and `allowed`."""
    for attribute, value in vars(node).items():
        if value and attribute not in allowed and attribute not in _BOOKKEEPING:
            raise Unsupported


def rule(node: Any) -> frozenset[str]:
    """The attributes `GRAMMAR` allows this node, or `Unsupported`."""
    kind = getattr(node, "type", None)
    rules = GRAMMAR.get(kind) if isinstance(kind, str) else None
    if rules is None:
        raise Unsupported
    allowed = rules.get(ANY)
    if allowed is None:
        key = node.value
        if kind == "function":  # keyed by the function's name
            procedure = node.procedure
            key = procedure.value if getattr(procedure, "type", None) == "variable" else None
        allowed = rules.get(key) if isinstance(key, str | bool | None) else None
        if allowed is None:
            raise Unsupported
    return allowed
