"""A fast path for the common JSONata expressions, with the library as the reference.

Most Step Functions expressions are small: ``$states.input.order.id``, ``$count($x.items)``,
``$sum($states.input.items.(price * qty))``, ``{"id": $id}``, ``$a & "-" & $b``. The library's
evaluator spends most of its time per node (frame lookups, hooks, sequence objects) and needs
its inputs converted (JSON null to its null marker) on every evaluation. `compile_fast` turns
the library's own parse tree of such an expression into Python closures that read the
scope's JSON directly, with JSONata's sequence rules (jsonata-js ``evaluatePath``,
``evaluateStep``, ``lookup``; the singleton unwrapping of ``evaluate``).

Safety rule: the fast path only ever answers with a value. Anything it does not handle the
same way as the library (an error of any kind, a type it leaves out, a bound that might be
reached, a function value) makes it *bail*, and the caller evaluates the expression with the
library from scratch, which then produces the value or the error in its own words. So the
fast path cannot change an error message, only spare work on the happy path; the subset is
pinned by a differential test against the library (``tests/interpreter/test_jsonata_fast.py``).
Expressions are pure in the subset (no ``$random``, ``$uuid``, ``$now``), so evaluating twice
after a bail is not observable.

Values inside: plain JSON (None is JSON null), `UNDEFINED` for JSONata's undefined, and `_Seq`
(a list subclass) for a JSONata sequence, which is unwrapped as the library unwraps it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from jsonata import Jsonata
from jsonata.functions import Functions
from jsonata.utils import Utils

from interpreter.jsonata.base import LARGEST_DOUBLE
from interpreter.jsonata.functions import FUNCTION_FACTORIES
from interpreter.jsonata.values import js_number
from interpreter.jsontypes import ABSENT, JSON
from interpreter.limits import JsonataLimits
from interpreter.scope import Scope

__all__ = ["BAIL", "FastProgram", "compile_fast"]


class _Bail(Exception):
    """The fast path does not answer this evaluation; the library must."""


BAIL: Final = object()  # `FastProgram.run`'s answer when the library must evaluate
UNDEFINED: Final = object()  # JSONata's undefined (None is JSON null here)
_BAIL_NOW: Final = _Bail()

# Deepest parse tree compiled; deeper expressions are left to the library (its depth bound).
_MAX_TREE_DEPTH: Final = 40


class _Seq(list):  # type: ignore[type-arg]
    """A JSONata sequence (as opposed to an array of the data): unwrapped when it has one item."""

    __slots__ = ()


def _unwrap(value: Any) -> Any:
    """The library's last step of every evaluation: an empty sequence is undefined, a singleton
    sequence its item (jsonata-js ``evaluate``)."""
    if type(value) is _Seq:
        if not value:
            return UNDEFINED
        if len(value) == 1:
            return value[0]
    return value


class _Env:
    """One evaluation's reading context: the scope, the limits, and ``$states`` built once."""

    __slots__ = ("limits", "scope", "states", "variables")

    def __init__(self, scope: Scope, limits: JsonataLimits) -> None:
        self.scope = scope
        self.variables = scope.variables
        self.limits = limits
        self.states: dict[str, JSON] | None = None

    def states_object(self) -> dict[str, JSON]:
        """``$states``: input and context, result and errorOutput once they exist (as the
        library path binds it, `interpreter.jsonata.expression._states`)."""
        if self.states is None:
            scope = self.scope
            states = {"input": scope.state_input, "context": scope.context}
            if scope.result is not ABSENT:
                states["result"] = scope.result
            if scope.error_output is not ABSENT:
                states["errorOutput"] = scope.error_output
            self.states = states
        return self.states


Node = Callable[[Any, _Env], Any]


def _checked(value: Any, limits: JsonataLimits) -> Any:
    """`value`, or bail where the library's `Guard.leave` could fail on it (sequence, string
    and integer sizes): the library then fails it in its words."""
    kind = type(value)
    if kind is str:
        if len(value) > limits.max_string_length:
            raise _BAIL_NOW
    elif kind is list or kind is _Seq:
        if len(value) > limits.max_sequence_items:
            raise _BAIL_NOW
    elif kind is int and abs(value) > LARGEST_DOUBLE:
        raise _BAIL_NOW
    return value


def _to_library(value: Any) -> Any:
    """A value as the library's operators take it at the top level: undefined is None, null its
    marker (inside containers both forms compare and test alike)."""
    if value is UNDEFINED:
        return None
    if value is None:
        return Utils.NULL_VALUE
    return value


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))


def _is_scalar(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


# ---------------------------------------------------------------------------------------------
# The program


class FastProgram:
    """A compiled fast form of one expression; immutable once built."""

    __slots__ = ("_longest_literal", "_min_depth", "_root")

    def __init__(self, root: Node, depth: int, longest_literal: int) -> None:
        self._root = root
        # The library's depth guard counts nested evaluation steps; a tree of depth d takes
        # at most about 2 d of them (a path step inside a path), so with less headroom than
        # that the library decides.
        self._min_depth = 2 * depth + 2
        self._longest_literal = longest_literal

    def run(self, scope: Scope, limits: JsonataLimits) -> Any:
        """The expression's value as plain JSON (ABSENT when undefined), or `BAIL`."""
        if limits.max_depth < self._min_depth or limits.max_string_length < self._longest_literal:
            return BAIL
        started = time.monotonic()
        try:
            value = self._root(UNDEFINED, _Env(scope, limits))
            result = ABSENT if value is UNDEFINED else _json_out(value)
        except Exception:
            return BAIL
        if (time.monotonic() - started) * 1000 > limits.timeout_ms:
            return BAIL  # the library (slower) would have run out of time: let it say so
        return result


def _json_out(value: Any) -> JSON:
    """The result as plain JSON with numbers as JavaScript prints them (as
    `interpreter.jsonata.values.to_json` makes the library's result)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int or kind is float:
        return js_number(value)
    if kind is dict:
        return {key: _json_out(item) for key, item in value.items()}
    if kind is list or kind is _Seq:
        return [_json_out(item) for item in value]
    raise _BAIL_NOW  # a value of no JSON type (a function): the library decides


# ---------------------------------------------------------------------------------------------
# Compilation: the library's parse tree to closures; None when the tree is outside the subset

# Parse-tree attributes that mark something this fast path does not do (predicates, filters,
# sorting, grouping, focus and index binding, parent references, keep-array, tail calls).
_OUTSIDE: Final = (
    "predicate",
    "stages",
    "group",
    "focus",
    "tuple",
    "index",
    "ancestor",
    "seeking_parent",
    "keep_array",
    "keep_singleton_array",
    "consarray",
    "thunk",
    "slot",
)


class _Unsupported(Exception):
    """The parse tree holds something outside the subset."""


class _Compiler:
    def __init__(self) -> None:
        self.depth = 0
        self.longest_literal = 0

    def node(self, expr: Any, depth: int) -> Node:
        if depth > _MAX_TREE_DEPTH:
            raise _Unsupported
        self.depth = max(self.depth, depth)
        for attribute in _OUTSIDE:
            if getattr(expr, attribute, None):
                raise _Unsupported
        compile_kind = _COMPILERS.get(getattr(expr, "type", None))
        if compile_kind is None:
            raise _Unsupported
        return compile_kind(self, expr, depth)

    # literals ---------------------------------------------------------------------------
    def literal(self, expr: Any, depth: int) -> Node:
        value = expr.value
        if value is Utils.NULL_VALUE:
            value = None
        if isinstance(value, str):
            self.longest_literal = max(self.longest_literal, len(value))
        elif not (value is None or isinstance(value, bool) or _is_number(value)) or (
            type(value) is int and abs(value) > LARGEST_DOUBLE
        ):
            raise _Unsupported

        def literal(input: Any, env: _Env) -> Any:
            return value

        return literal

    # variables --------------------------------------------------------------------------
    def variable(self, expr: Any, depth: int) -> Node:
        name = expr.value
        if not isinstance(name, str) or not name or name == "$":
            raise _Unsupported  # `$` (the context) and `$$` (the root, bound by the library)
        if name == "states":

            def states(input: Any, env: _Env) -> Any:
                return env.states_object()

            return states
        function_name = name in _FUNCTION_NAMES

        def variable(input: Any, env: _Env) -> Any:
            value = env.variables.get(name, UNDEFINED)
            if value is UNDEFINED:
                if function_name:
                    raise _BAIL_NOW  # a function as a value
                return UNDEFINED
            return _checked(value, env.limits)

        return variable

    # paths ------------------------------------------------------------------------------
    def name(self, expr: Any, depth: int) -> Node:
        key = expr.value
        if not isinstance(key, str):
            raise _Unsupported

        def name(input: Any, env: _Env) -> Any:
            if type(input) is dict:  # the usual case, without the calls
                value = input.get(key, UNDEFINED)
                kind = type(value)
                if kind is not str and kind is not list and kind is not int:
                    return value
                return _checked(value, env.limits)
            return _checked(_unwrap(_lookup(input, key)), env.limits)

        return name

    def path(self, expr: Any, depth: int) -> Node:
        steps = expr.steps
        if not steps:
            raise _Unsupported
        for index, step in enumerate(steps):
            kind = getattr(step, "type", None)
            if (
                kind not in ("name", "block")
                and not (index == 0 and kind == "variable")
                and not (kind == "unary" and step.value == "{")
            ):
                raise _Unsupported
        compiled = tuple(self.node(step, depth + 1) for step in steps)
        absolute = steps[0].type == "variable"
        last = len(compiled) - 1

        def path(input: Any, env: _Env) -> Any:
            # jsonata-js evaluatePath: an array input is the first sequence, unless the path
            # starts with a variable; anything else is wrapped in one.
            items: Any = input if isinstance(input, list) and not absolute else (input,)
            for index, step in enumerate(compiled):
                if len(items) == 1:
                    # One item (the usual case): the step's value, flattened (evaluateStep).
                    value = step(items[0], env)
                    if value is UNDEFINED:
                        return UNDEFINED  # an empty sequence
                    if index == last:
                        # A lone array of the data is the result itself; a sequence (two items
                        # or more) stays one; any other value is a singleton, unwrapped.
                        return value
                    items = value if isinstance(value, list) else (value,)
                    if not items:
                        return UNDEFINED
                    continue
                results = []
                for item in items:
                    value = step(item, env)
                    if value is not UNDEFINED:
                        results.append(value)
                # evaluateStep: a lone array of the data at the last step is the result itself
                if index == last and len(results) == 1 and type(results[0]) is list:
                    return results[0]
                result = _Seq()
                for value in results:
                    if isinstance(value, list):
                        result.extend(value)
                    else:
                        result.append(value)
                _checked(result, env.limits)
                if not result:
                    return UNDEFINED
                items = result
            return _unwrap(items)

        return path

    def block(self, expr: Any, depth: int) -> Node:
        expressions = tuple(self.node(item, depth + 1) for item in (expr.expressions or ()))

        def block(input: Any, env: _Env) -> Any:
            value: Any = UNDEFINED
            for expression in expressions:
                value = expression(input, env)
            return _unwrap(value)

        return block

    # operators --------------------------------------------------------------------------
    def binary(self, expr: Any, depth: int) -> Node:
        operator = expr.value
        make = _BINARY.get(operator)
        if make is None:
            raise _Unsupported
        return make(self.node(expr.lhs, depth + 1), self.node(expr.rhs, depth + 1), operator)

    def unary(self, expr: Any, depth: int) -> Node:
        if expr.value == "-":
            operand = self.node(expr.expression, depth + 1)

            def negate(input: Any, env: _Env) -> Any:
                value = operand(input, env)
                if value is UNDEFINED:
                    return UNDEFINED
                if not _is_number(value):
                    raise _BAIL_NOW
                return _checked(Utils.convert_number(-float(value)), env.limits)

            return negate
        if expr.value == "{":
            return self.object(expr, depth)
        raise _Unsupported

    def object(self, expr: Any, depth: int) -> Node:
        """``{"key": value, ...}`` with literal string keys, all different (the library's group
        expression, for one input item; a repeated key is D1009, left to the library)."""
        members = []
        for key_expr, value_expr in expr.lhs_object or ():
            if getattr(key_expr, "type", None) != "string" or not isinstance(key_expr.value, str):
                raise _Unsupported
            if any(getattr(key_expr, attribute, None) for attribute in _OUTSIDE):
                raise _Unsupported
            members.append((key_expr.value, self.node(value_expr, depth + 1)))
        if len({key for key, _ in members}) != len(members):
            raise _Unsupported
        compiled = tuple(members)

        def object_(input: Any, env: _Env) -> Any:
            if isinstance(input, list):
                raise _BAIL_NOW  # grouping over several items
            result = {}
            for key, member in compiled:
                value = member(input, env)
                if value is not UNDEFINED:
                    result[key] = value
            return result

        return object_

    def condition(self, expr: Any, depth: int) -> Node:
        test = self.node(expr.condition, depth + 1)
        then = self.node(expr.then, depth + 1)
        otherwise = self.node(expr._else, depth + 1) if expr._else is not None else None

        def condition(input: Any, env: _Env) -> Any:
            if Jsonata.boolize(_to_library(test(input, env))):
                return then(input, env)
            return otherwise(input, env) if otherwise is not None else UNDEFINED

        return condition

    # function calls ---------------------------------------------------------------------
    def function(self, expr: Any, depth: int) -> Node:
        procedure = expr.procedure
        if getattr(procedure, "type", None) != "variable" or any(
            getattr(procedure, attribute, None) for attribute in _OUTSIDE
        ):
            raise _Unsupported
        name = procedure.value
        implementation = _FUNCTIONS.get(name)
        if implementation is None:
            raise _Unsupported
        arguments = tuple(self.node(argument, depth + 1) for argument in (expr.arguments or ()))

        def call(input: Any, env: _Env) -> Any:
            if name in env.variables:
                raise _BAIL_NOW  # a workflow variable shadows the function
            values = [argument(input, env) for argument in arguments]
            return _checked(implementation(*values), env.limits)

        return call


def _lookup(value: Any, key: str) -> Any:
    """jsonata-js ``lookup``: a member of an object; over an array, the members of its items,
    one level of arrays flattened; undefined for anything else."""
    if isinstance(value, list):
        result = _Seq()
        for item in value:
            found = _lookup(item, key)
            if found is not UNDEFINED:
                if isinstance(found, list):
                    result.extend(found)
                else:
                    result.append(found)
        return result
    if type(value) is dict:
        return value.get(key, UNDEFINED)
    return UNDEFINED


# ---------------------------------------------------------------------------------------------
# Operators: the library's own operator functions on values in its form


def _numeric(lhs: Node, rhs: Node, operator: str) -> Node:
    def numeric(input: Any, env: _Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if (left is not UNDEFINED and not _is_number(left)) or (
            right is not UNDEFINED and not _is_number(right)
        ):
            raise _BAIL_NOW  # T2001/T2002
        if left is UNDEFINED or right is UNDEFINED:
            return UNDEFINED
        if arithmetic is None:
            return _checked(Jsonata.evaluate_numeric_expression(None, left, right, operator), env.limits)  # type: ignore[arg-type]
        # The library's evaluate_numeric_expression for + - * /, inlined: both sides as floats,
        # then Utils.convert_number (an integral result becomes an int). A result it would
        # refuse or turn undefined (division by zero, infinity, NaN) is the library's to report.
        result = arithmetic(float(left), float(right))
        if not math.isfinite(result):
            raise _BAIL_NOW
        return _checked(int(result) if int(result) == result else result, env.limits)

    arithmetic = _ARITHMETIC.get(operator)
    return numeric


def _divide(left: float, right: float) -> float:
    if right == 0:
        raise _BAIL_NOW  # the library raises (ZeroDivisionError): its words, not ours
    return left / right


_ARITHMETIC: Final[Mapping[str, Callable[[float, float], float]]] = {
    "+": lambda left, right: left + right,
    "-": lambda left, right: left - right,
    "*": lambda left, right: left * right,
    "/": _divide,
}


def _equality(lhs: Node, rhs: Node, operator: str) -> Node:
    def equality(input: Any, env: _Env) -> Any:
        left = _to_library(lhs(input, env))
        right = _to_library(rhs(input, env))
        return Jsonata.evaluate_equality_expression(None, left, right, operator)  # type: ignore[arg-type]

    return equality


def _comparison(lhs: Node, rhs: Node, operator: str) -> Node:
    def comparison(input: Any, env: _Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if left is None or right is None:
            raise _BAIL_NOW  # T2010 for null
        result = Jsonata.evaluate_comparison_expression(None, _to_library(left), _to_library(right), operator)  # type: ignore[arg-type]
        return UNDEFINED if result is None else result

    return comparison


def _concatenation(lhs: Node, rhs: Node, operator: str) -> Node:
    def concatenation(input: Any, env: _Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if not ((left is UNDEFINED or _is_scalar(left)) and (right is UNDEFINED or _is_scalar(right))):
            raise _BAIL_NOW  # arrays and objects are stringified: left to the library
        return _checked(
            Jsonata.evaluate_string_concat(None, _to_library(left), _to_library(right)), env.limits
        )  # type: ignore[arg-type]

    return concatenation


def _boolean(lhs: Node, rhs: Node, operator: str) -> Node:
    conjunction = operator == "and"

    def boolean(input: Any, env: _Env) -> Any:
        left = Jsonata.boolize(_to_library(lhs(input, env)))
        if conjunction:
            return left and Jsonata.boolize(_to_library(rhs(input, env)))
        return left or Jsonata.boolize(_to_library(rhs(input, env)))

    return boolean


_BINARY: Final[Mapping[str, Callable[[Node, Node, str], Node]]] = {
    **dict.fromkeys(("+", "-", "*", "/", "%"), _numeric),
    "=": _equality,
    "!=": _equality,
    **dict.fromkeys(("<", "<=", ">", ">="), _comparison),
    "&": _concatenation,
    "and": _boolean,
    "or": _boolean,
}


# ---------------------------------------------------------------------------------------------
# Functions: the library's implementations, on arguments the library's signature check would
# pass unchanged; any other argument bails (the library then reports T0410 etc.)


def _numbers(values: Any) -> list[Any]:
    """The argument of ``<a<n>:n>``: a number is wrapped, an array must hold numbers only."""
    if _is_number(values):
        return [values]
    if isinstance(values, list) and all(_is_number(value) for value in values):
        return list(values)
    raise _BAIL_NOW


def _aggregate(function: Callable[[Any], Any]) -> Callable[..., Any]:
    def aggregate(*args: Any) -> Any:
        if len(args) != 1:
            raise _BAIL_NOW
        if args[0] is UNDEFINED:
            return UNDEFINED
        result = function(_numbers(args[0]))
        return UNDEFINED if result is None else result

    return aggregate


def _count(*args: Any) -> Any:
    if len(args) != 1:
        raise _BAIL_NOW
    (value,) = args
    if value is UNDEFINED:
        return 0
    if value is None:
        raise _BAIL_NOW  # the library counts null as no item
    return len(value) if isinstance(value, list) else 1


def _of_string(function: Callable[[str], Any]) -> Callable[..., Any]:
    def of_string(*args: Any) -> Any:
        if len(args) != 1:
            raise _BAIL_NOW  # no argument: the context item, left to the library
        if args[0] is UNDEFINED:
            return UNDEFINED
        if type(args[0]) is not str:
            raise _BAIL_NOW
        return function(args[0])

    return of_string


def _of_number(function: Callable[[Any], Any]) -> Callable[..., Any]:
    def of_number(*args: Any) -> Any:
        if len(args) != 1:
            raise _BAIL_NOW
        if args[0] is UNDEFINED:
            return UNDEFINED
        if not _is_number(args[0]):
            raise _BAIL_NOW
        return function(args[0])

    return of_number


def _exists(*args: Any) -> Any:
    if len(args) != 1:
        raise _BAIL_NOW
    return args[0] is not UNDEFINED


def _not(*args: Any) -> Any:
    if len(args) != 1:
        raise _BAIL_NOW
    if args[0] is UNDEFINED:
        return UNDEFINED
    return not Jsonata.boolize(_to_library(args[0]))


def _of_two_strings(function: Callable[[str, str], Any]) -> Callable[..., Any]:
    def of_two_strings(*args: Any) -> Any:
        if len(args) != 2 or type(args[1]) is not str:
            raise _BAIL_NOW
        if args[0] is UNDEFINED:
            return UNDEFINED
        if type(args[0]) is not str:
            raise _BAIL_NOW
        return function(args[0], args[1])

    return of_two_strings


_FUNCTIONS: Final[Mapping[str, Callable[..., Any]]] = {
    "sum": _aggregate(Functions.sum),
    "max": _aggregate(Functions.max),
    "min": _aggregate(Functions.min),
    "average": _aggregate(Functions.average),
    "count": _count,
    "uppercase": _of_string(Functions.uppercase),
    "lowercase": _of_string(Functions.lowercase),
    "length": _of_string(Functions.length),
    "trim": _of_string(Functions.trim),
    "abs": _of_number(Functions.abs),
    "floor": _of_number(Functions.floor),
    "ceil": _of_number(Functions.ceil),
    "exists": _exists,
    "not": _not,
    "contains": _of_two_strings(Functions.contains),
    "substringBefore": _of_two_strings(Functions.substring_before),
    "substringAfter": _of_two_strings(Functions.substring_after),
}


_COMPILERS: Final[Mapping[str, Callable[[_Compiler, Any, int], Node]]] = {
    "string": _Compiler.literal,
    "number": _Compiler.literal,
    "value": _Compiler.literal,
    "variable": _Compiler.variable,
    "name": _Compiler.name,
    "path": _Compiler.path,
    "block": _Compiler.block,
    "binary": _Compiler.binary,
    "unary": _Compiler.unary,
    "condition": _Compiler.condition,
    "function": _Compiler.function,
}


def _library_function_names() -> frozenset[str]:
    static = Jsonata.static_frame
    return frozenset(static.bindings) if isinstance(static, Jsonata.Frame) else frozenset()


def _make_function_names() -> frozenset[str]:
    # FUNCTION_FACTORIES binds our own functions (and bounded replacements of built-ins): the
    # fast path must not stand in for any of them.
    names = _library_function_names() | frozenset(FUNCTION_FACTORIES)
    overlap = set(_FUNCTIONS) & set(FUNCTION_FACTORIES)
    missing = set(_FUNCTIONS) - _library_function_names()
    if overlap or missing:  # import-time check of the table
        raise RuntimeError(f"bad fast JSONata function table: {sorted(overlap | missing)}")
    return names


# Names that denote a function when no workflow variable shadows them.
_FUNCTION_NAMES: Final = _make_function_names()


def compile_fast(ast: Any) -> FastProgram | None:
    """The fast form of a parsed expression, or None when it is outside the subset."""
    compiler = _Compiler()
    try:
        root = compiler.node(ast, 1)
    except (_Unsupported, RecursionError):
        return None
    return FastProgram(root, compiler.depth, compiler.longest_literal)
