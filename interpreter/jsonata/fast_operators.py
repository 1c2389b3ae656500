"""The JSONata fast path's binary operators (the library's evaluate_*_expression).

`BINARY` maps each operator of `GRAMMAR["binary"]` to the builder of its compiled node from the
compiled operands: arithmetic, equality, comparison, ``&`` and ``and``/``or``, with the library's
rules (operands as floats, a boolean never equal to a number, short-circuiting); a value the
library refuses bails with ERROR.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any, Final

from interpreter.jsonata.fast_values import (
    UNDEFINED,
    Bail,
    BailOut,
    Env,
    Node,
    as_text,
    checked,
    convert_number,
    equal,
    is_number,
    truthy,
)

# ---------------------------------------------------------------------------------------------
# Operators (the library's evaluate_*_expression)


def _numeric(lhs: Node, rhs: Node, operator_: str) -> Node:
    arithmetic = _ARITHMETIC[operator_]

    def numeric(input: Any, env: Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if (left is not UNDEFINED and not is_number(left)) or (
            right is not UNDEFINED and not is_number(right)
        ):
            raise BailOut(Bail.ERROR)  # T2001/T2002
        if left is UNDEFINED or right is UNDEFINED:
            return UNDEFINED
        # Both sides as floats, then an integral result becomes an integer.
        return checked(convert_number(arithmetic(float(left), float(right))), env.limits)

    return numeric


def _divide(left: float, right: float) -> float:
    if right == 0:
        raise BailOut(Bail.ERROR)  # the library raises ZeroDivisionError
    return left / right


def _modulo(left: float, right: float) -> float:
    if right == 0:
        raise BailOut(Bail.ERROR)  # the library raises ValueError (math.fmod)
    return int(math.fmod(left, right))  # the library truncates the remainder to an integer


_ARITHMETIC: Final[Mapping[str, Callable[[float, float], float]]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "%": _modulo,
}


def _equality(lhs: Node, rhs: Node, operator_: str) -> Node:
    negated = operator_ == "!="

    def equality(input: Any, env: Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if left is UNDEFINED or right is UNDEFINED:
            return False  # for != too
        if is_number(left):
            left = float(left)
        if is_number(right):
            right = float(right)
        return equal(left, right) is not negated

    return equality


def _comparable(value: Any) -> bool:
    return value is UNDEFINED or type(value) in (str, int, float)


def _comparison(lhs: Node, rhs: Node, operator_: str) -> Node:
    compare = _COMPARE[operator_]

    def comparison(input: Any, env: Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if not (_comparable(left) and _comparable(right)):
            raise BailOut(Bail.ERROR)  # T2010
        if left is UNDEFINED or right is UNDEFINED:
            return UNDEFINED
        if type(left) is not type(right):
            if type(left) is str or type(right) is str:
                raise BailOut(Bail.ERROR)  # T2009
            left, right = float(left), float(right)
        return compare(left, right)

    return comparison


_COMPARE: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _concatenation(lhs: Node, rhs: Node, operator_: str) -> Node:
    def concatenation(input: Any, env: Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        text = ("" if left is UNDEFINED else as_text(left)) + ("" if right is UNDEFINED else as_text(right))
        return checked(text, env.limits)

    return concatenation


def _boolean(lhs: Node, rhs: Node, operator_: str) -> Node:
    conjunction = operator_ == "and"

    def boolean(input: Any, env: Env) -> Any:
        left = truthy(lhs(input, env))
        if left is not conjunction:  # false and ..., true or ...: the right side is not evaluated
            return left
        return truthy(rhs(input, env))

    return boolean


BINARY: Final[Mapping[str, Callable[[Node, Node, str], Node]]] = {
    **dict.fromkeys(_ARITHMETIC, _numeric),
    "=": _equality,
    "!=": _equality,
    **dict.fromkeys(_COMPARE, _comparison),
    "&": _concatenation,
    "and": _boolean,
    "or": _boolean,
}
