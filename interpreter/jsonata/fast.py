"""A fast path for the common JSONata expressions, beside the library as the reference.

Most Step Functions expressions are small: ``$states.input.order.id``, ``$count($x.items)``,
``$states.input.items[status = 'OK'].id``, ``{"id": $id}``, ``$a & "-" & $b``. The library's
evaluator spends most of its time per node (frame lookups, hooks, sequence objects) and needs its
inputs converted (JSON null to its null marker) on every evaluation. `compile_fast` turns the
library's own parse tree of such an expression into Python closures that read the scope's JSON
directly, with JSONata's sequence rules (jsonata-js ``evaluatePath``, ``evaluateStep``,
``evaluateFilter``, ``lookup``; the singleton unwrapping of ``evaluate``).

What it compiles is an allow-list, `GRAMMAR`: per node type of the parse tree, the operators and
function names it handles and the attributes such a node may carry. A node of another type, an
operator or function not listed, or any attribute not listed that is set (a sort, a focus or index
binding, a parent reference, a keep-array flag, a group-by, whatever a later library version adds)
makes `compile_fast` answer None, and the library evaluates the expression unchanged. `GRAMMAR` is
checked against the implementation tables at import.

At run time the fast path answers with a value or *bails* for one of the documented reasons,
`Bail`, and the caller evaluates the expression with the library from scratch, which then answers
or fails in its own words: the fast path never words an error. Expressions in the grammar are pure
(no ``$random``, ``$uuid``, ``$now``), so evaluating twice after a bail is not observable.

Library internals it depends on: only the shape of the parse tree (each node's ``type``, ``value``
and the child attributes `GRAMMAR` names), which it must read to share the library's parser, so that
syntax and syntax errors stay the library's. It imports no module of the library: the operators,
sequences, filters, the boolean cast, equality, number formatting and the built-in functions are
written here after the library's code (jsonata-python 0.7.1: ``jsonata.jsonata``,
``jsonata.functions``, ``jsonata.signature``), quirks included (``$lowercase`` case-folds, ``%``
truncates to an integer, a null argument passes a signature as "missing", a number a built-in
returns is converted as ``Utils.convert_number`` converts it), and the differential
property fuzz/test_fast_jsonata_props.py holds every answer, error and bound equal to the
library's.

Values inside: plain JSON (None is JSON null), `UNDEFINED` for JSONata's undefined, and `_Seq` (a
list subclass) for a JSONata sequence, as opposed to an array of the data (a plain list).
"""

from __future__ import annotations

import enum
import json
import math
import operator
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Final

from interpreter.jsonata.base import LARGEST_DOUBLE, FunctionError
from interpreter.jsonata.functions import FUNCTION_FACTORIES
from interpreter.jsonata.values import js_number
from interpreter.jsontypes import ABSENT, JSON
from interpreter.limits import JsonataLimits
from interpreter.scope import Scope

__all__ = ["ANY", "BAIL", "FUNCTION_ARITIES", "GRAMMAR", "Bail", "FastProgram", "compile_fast"]


class Bail(enum.Enum):
    """Why the fast path left one evaluation to the library: the only reasons it may."""

    ERROR = "error"
    """The library fails this evaluation (a type error, a division by zero, an argument a
    function's signature refuses ...): the error is the library's to word."""
    BOUND = "bound"
    """A bound of `JsonataLimits` (a size, the depth, the time) is or may be reached."""
    NAME = "name"
    """A ``$name`` no workflow variable binds: the library may resolve it to a function."""
    EMPTY_GROUP = "empty group"
    """An object constructor whose context is an empty array: the library appends an undefined
    item to that array of the data (mutating the scope's JSON) and answers from the mutated array."""
    UNEXPECTED = "unexpected"
    """Any other Python error: a bug in this module (the differential property rules it out)."""


class _Bail(Exception):
    """The fast path does not answer this evaluation; the library must."""

    def __init__(self, reason: Bail) -> None:
        super().__init__(reason.value)
        self.reason = reason


class _Unsupported(Exception):
    """The parse tree holds something outside `GRAMMAR`."""


BAIL: Final = object()  # `FastProgram.run`'s answer when the library must evaluate
UNDEFINED: Final = object()  # JSONata's undefined (None is JSON null here)


class _Wildcard(enum.Enum):
    ANY = "any"


ANY: Final = _Wildcard.ANY
"""A `GRAMMAR` key: any value of the node's own kind (a literal, a name), checked by its compiler."""

# Deepest parse tree compiled; deeper expressions are left to the library (its depth bound).
_MAX_TREE_DEPTH: Final = 40

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
    # $f(...) of these built-ins (by name, without $), with the argument counts `_FUNCTIONS` lists.
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
_VARIABLE_NAME: Final = re.compile(r"[A-Za-z0-9_]+")


# ---------------------------------------------------------------------------------------------
# Values


class _Seq(list[Any]):
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


def _items(value: Any) -> Sequence[Any]:
    """A value as a sequence: undefined is empty, an array its items, anything else one item."""
    if value is UNDEFINED:
        return ()
    return value if isinstance(value, list) else (value,)


def _checked(value: Any, limits: JsonataLimits) -> Any:
    """`value`, or bail where the adapter's `Guard.leave` could fail on it (sequence, string and
    integer sizes): the library then fails it in its words."""
    kind = type(value)
    if kind is str:
        if len(value) > limits.max_string_length:
            raise _Bail(Bail.BOUND)
    elif kind is list or kind is _Seq:
        if len(value) > limits.max_sequence_items:
            raise _Bail(Bail.BOUND)
    elif kind is int and abs(value) > LARGEST_DOUBLE:
        raise _Bail(Bail.BOUND)
    return value


def _is_number(value: Any) -> bool:
    """A JSON number (bool excluded); always finite here (JSON has no NaN or Infinity, and every
    arithmetic result is checked)."""
    kind = type(value)
    return kind is int or kind is float


def _number(result: float) -> int | float:
    """The library's ``Utils.convert_number``, applied to every arithmetic result and to every
    number a built-in function returns: a value equal to its integer is that integer, anything
    else a float (so an integer a double cannot hold becomes the nearest double); an infinite
    one fails (D1001), as does an integer beyond any double. NaN cannot come of finite operands."""
    try:
        as_float = float(result)
    except OverflowError:
        raise _Bail(Bail.ERROR) from None
    if not math.isfinite(as_float):
        raise _Bail(Bail.ERROR)
    integral = int(result)
    return integral if integral == as_float else as_float


def _truthy(value: Any) -> bool:
    """JSONata's boolean cast (``$boolean``; undefined and null are false): an array is true
    when any of its items is."""
    kind = type(value)
    if kind is bool:
        return bool(value)
    if kind is str or kind is dict:
        return bool(value)
    if kind is int or kind is float:
        return bool(value != 0)
    if kind is list or kind is _Seq:
        return any(_truthy(item) for item in value)
    return False


def _equal(left: Any, right: Any) -> bool:
    """The library's ``Utils.is_deep_equal``: arrays item by item, objects by key set and value,
    anything else by ``==`` except that a boolean never equals a number."""
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right, strict=True))
    if type(left) is dict and type(right) is dict:
        return left.keys() == right.keys() and all(_equal(left[key], right[key]) for key in left)
    return bool(left == right) and (type(left) is bool) == (type(right) is bool)


_FIFTEEN_DIGITS: Final = Context(prec=15)


def _number_text(number: int | float) -> str:
    """A number as ``$string`` (and so ``&``) writes it: at most 15 significant digits, integers
    without a fraction, exponents in lower case (the library's ``Functions.remove_exponent``)."""
    value = Decimal(number)
    if value == value.to_integral():
        try:
            return str(value.quantize(Decimal(1), context=_FIFTEEN_DIGITS)).lower()
        except InvalidOperation:
            pass
    return str(value.normalize(_FIFTEEN_DIGITS)).lower()


def _text(value: Any) -> str:
    """One operand of ``&`` as text (the library's ``$string`` without prettifying)."""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is int or kind is float:
        return _number_text(value)
    # Arrays and objects: JSON text, compact, ASCII-escaped, numbers inside as Python writes them.
    return json.dumps(value, separators=(",", ":"))


def _symbol(value: Any) -> str:
    """The library's ``Signature.get_symbol``: a value's letter in function signatures. Null is
    "m" (missing), as undefined: the library's null marker has no type of its own."""
    if value is UNDEFINED or value is None:
        return "m"
    kind = type(value)
    if kind is str:
        return "s"
    if kind is bool:
        return "b"
    if kind is int or kind is float:
        return "n"
    if kind is dict:
        return "o"
    return "a"


# ---------------------------------------------------------------------------------------------
# The program


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
"""A compiled node: (context item, env) -> its value, unwrapped as the library unwraps it."""
Filter = Callable[[Any, _Env], Any]
"""A compiled predicate ``[...]``: (value, env) -> the items it keeps."""


class FastProgram:
    """A compiled fast form of one expression; immutable once built."""

    __slots__ = ("_longest_literal", "_min_depth", "_root")

    def __init__(self, root: Node, depth: int, longest_literal: int) -> None:
        self._root = root
        # The adapter's depth guard counts nested evaluation steps; a tree of depth d takes at
        # most d of them, so with less than twice that headroom the library decides.
        self._min_depth = 2 * depth + 2
        self._longest_literal = longest_literal

    def run(self, scope: Scope, limits: JsonataLimits) -> JSON:
        """The expression's value as plain JSON (ABSENT when undefined), or `BAIL`."""
        try:
            return self._evaluate(scope, limits)
        except Exception:
            return BAIL

    def attempt(self, scope: Scope, limits: JsonataLimits) -> JSON:
        """As `run`, but a bail is answered with its reason (a `Bail`), for the properties."""
        try:
            return self._evaluate(scope, limits)
        except _Bail as bail:
            return bail.reason
        except (RecursionError, MemoryError):
            return Bail.BOUND
        except Exception:
            return Bail.UNEXPECTED

    def _evaluate(self, scope: Scope, limits: JsonataLimits) -> JSON:
        if limits.max_depth < self._min_depth or limits.max_string_length < self._longest_literal:
            raise _Bail(Bail.BOUND)
        started = time.monotonic()
        value = self._root(UNDEFINED, _Env(scope, limits))
        result = ABSENT if value is UNDEFINED else _json_out(value)
        if (time.monotonic() - started) * 1000 > limits.timeout_ms:
            raise _Bail(Bail.BOUND)  # the library (slower) would have run out of time: let it say so
        return result


def _json_out(value: Any) -> JSON:
    """The result as plain JSON with numbers as JavaScript prints them (as
    `interpreter.jsonata.values.to_json` makes the library's result)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int or kind is float:
        try:
            return js_number(value)
        except FunctionError:  # an integer beyond a double, deep in the data: D1001
            raise _Bail(Bail.ERROR) from None
    if kind is dict:
        return {key: _json_out(item) for key, item in value.items()}
    if kind is list or kind is _Seq:
        return [_json_out(item) for item in value]
    raise _Bail(Bail.UNEXPECTED)


# ---------------------------------------------------------------------------------------------
# Compilation: the library's parse tree to closures, node by node through `GRAMMAR`


def _check(node: Any, allowed: frozenset[str]) -> None:
    """Refuse a node with any attribute set beyond the bookkeeping and `allowed`."""
    for attribute, value in vars(node).items():
        if value and attribute not in allowed and attribute not in _BOOKKEEPING:
            raise _Unsupported


def _rule(node: Any) -> frozenset[str]:
    """The attributes `GRAMMAR` allows this node, or `_Unsupported`."""
    kind = getattr(node, "type", None)
    rules = GRAMMAR.get(kind) if isinstance(kind, str) else None
    if rules is None:
        raise _Unsupported
    allowed = rules.get(ANY)
    if allowed is None:
        key = node.value
        if kind == "function":  # keyed by the function's name
            procedure = node.procedure
            key = procedure.value if getattr(procedure, "type", None) == "variable" else None
        allowed = rules.get(key) if isinstance(key, str | bool | None) else None
        if allowed is None:
            raise _Unsupported
    return allowed


class _Compiler:
    def __init__(self) -> None:
        self.depth = 0
        self.longest_literal = 0

    def node(self, node: Any, depth: int, *, step: bool = False) -> Node:
        if depth > _MAX_TREE_DEPTH:
            raise _Unsupported
        self.depth = max(self.depth, depth)
        allowed = _rule(node)
        # A path's step may also carry filters ("stages"), which the path applies.
        _check(node, allowed | {"stages"} if step else allowed)
        compiled = _COMPILERS[node.type](self, node, depth)
        predicate = getattr(node, "predicate", None) if "predicate" in allowed else None
        if not predicate:
            return compiled
        # $x[...]: the node's value filtered, as one (jsonata-js evaluate: predicates after the
        # value, before the singleton unwrapping).
        filters = tuple(self.filter(item, depth + 1) for item in predicate)

        def filtered(input: Any, env: _Env) -> Any:
            value = compiled(input, env)
            for filter_ in filters:
                value = filter_(value, env)
            return _unwrap(_checked(value, env.limits))

        return filtered

    # literals -------------------------------------------------------------------------------
    def literal(self, node: Any, depth: int) -> Node:
        value = node.value
        if isinstance(value, str):
            self.longest_literal = max(self.longest_literal, len(value))
        elif not (value is None or isinstance(value, bool)) and not (
            _is_number(value) and abs(value) <= LARGEST_DOUBLE  # within a double; NaN compares false
        ):
            raise _Unsupported

        def literal(input: Any, env: _Env) -> Any:
            return value

        return literal

    # variables ------------------------------------------------------------------------------
    def variable(self, node: Any, depth: int) -> Node:
        name = node.value
        if name == "":

            def context(input: Any, env: _Env) -> Any:  # $: the context item
                return _checked(input, env.limits)

            return context
        if not isinstance(name, str) or not _VARIABLE_NAME.fullmatch(name):
            raise _Unsupported  # $$ (the root) and names the adapter would not bind
        if name == "states":

            def states(input: Any, env: _Env) -> Any:
                return env.states_object()

            return states

        def variable(input: Any, env: _Env) -> Any:
            value = env.variables.get(name, UNDEFINED)
            if value is UNDEFINED:
                raise _Bail(Bail.NAME)
            return _checked(value, env.limits)

        return variable

    # paths ----------------------------------------------------------------------------------
    def name(self, node: Any, depth: int) -> Node:
        key = node.value
        if not isinstance(key, str):
            raise _Unsupported

        def name(input: Any, env: _Env) -> Any:
            if type(input) is dict:  # the usual case, without the calls
                value = input.get(key, UNDEFINED)
                kind = type(value)
                if kind is not str and kind is not list and kind is not int:
                    return value
                return _checked(value, env.limits)
            if isinstance(input, list):
                return _checked(_unwrap(_lookup(input, key)), env.limits)
            return UNDEFINED

        return name

    def path(self, node: Any, depth: int) -> Node:
        steps = node.steps
        if not steps:
            raise _Unsupported
        compiled = tuple(
            (
                self.node(step, depth + 1, step=True),
                tuple(self.filter(stage, depth + 1) for stage in getattr(step, "stages", None) or ()),
            )
            for step in steps
        )
        # jsonata-js evaluatePath: an array input is the first sequence, unless the path starts
        # with a variable; anything else is wrapped in one.
        relative = steps[0].type != "variable"
        last = len(compiled) - 1

        def path(input: Any, env: _Env) -> Any:
            items: Sequence[Any] = input if relative and isinstance(input, list) else (input,)
            for position, (step, stages) in enumerate(compiled):
                if len(items) == 1 and not stages:
                    # One item, no filter (the usual case): the step's value, flattened.
                    value = step(items[0], env)
                    if value is UNDEFINED:
                        return UNDEFINED  # an empty sequence
                    if position == last:
                        # A lone array of the data is the result itself; a sequence (two items
                        # or more) stays one; any other value is a singleton, unwrapped.
                        return value
                    items = value if isinstance(value, list) else (value,)
                    if not items:
                        return UNDEFINED
                    continue
                # evaluateStep: each item's value, its filters applied, then flattened
                results = []
                for item in items:
                    value = step(item, env)
                    for stage in stages:
                        value = stage(value, env)
                    if value is not UNDEFINED:
                        results.append(value)
                if position == last and len(results) == 1 and type(results[0]) is list:
                    return _checked(results[0], env.limits)  # a lone array of the data
                sequence = _Seq()
                for value in results:
                    if isinstance(value, list):
                        sequence.extend(value)
                    else:
                        sequence.append(value)
                _checked(sequence, env.limits)
                if not sequence:
                    return UNDEFINED
                items = sequence
            return _unwrap(items)

        return path

    def filter(self, node: Any, depth: int) -> Filter:
        """``[...]`` (jsonata-js evaluateFilter): a literal number picks an item (counted from the
        end when negative); any other predicate keeps the items for which it is true, or whose
        index it gives (a number or an array of numbers)."""
        _check(node, _rule(node))
        expression = node.expr
        if getattr(expression, "type", None) == "number":
            _check(expression, _rule(expression))
            self.literal(expression, depth + 1)  # a number within a double
            index = int(expression.value)  # truncated, as the library does

            def at_index(value: Any, env: _Env) -> Any:
                items = _items(value)
                position = index if index >= 0 else len(items) + index
                if 0 <= position < len(items):
                    item = items[position]
                    return item if type(item) is list else _Seq((item,))  # an array picked is the result
                return _Seq()

            return at_index
        predicate = self.node(expression, depth + 1)

        def where(value: Any, env: _Env) -> Any:
            items = _items(value)
            kept = _Seq()
            for position, item in enumerate(items):
                test = predicate(item, env)
                if _is_number(test):
                    test = (test,)
                if isinstance(test, list | tuple) and all(_is_number(number) for number in test):
                    for number in test:  # indexes: the item is kept once per match
                        wanted = int(number)
                        if (wanted if wanted >= 0 else len(items) + wanted) == position:
                            kept.append(item)
                elif _truthy(test):
                    kept.append(item)
            return kept

        return where

    def block(self, node: Any, depth: int) -> Node:
        expressions = tuple(self.node(item, depth + 1) for item in node.expressions or ())

        def block(input: Any, env: _Env) -> Any:
            value: Any = UNDEFINED
            for expression in expressions:
                value = expression(input, env)
            return value

        return block

    def condition(self, node: Any, depth: int) -> Node:
        test = self.node(node.condition, depth + 1)
        then = self.node(node.then, depth + 1)
        otherwise = self.node(node._else, depth + 1) if node._else is not None else None

        def condition(input: Any, env: _Env) -> Any:
            if _truthy(test(input, env)):
                return then(input, env)
            return otherwise(input, env) if otherwise is not None else UNDEFINED

        return condition

    # operators ------------------------------------------------------------------------------
    def binary(self, node: Any, depth: int) -> Node:
        operator_ = node.value
        return _BINARY[operator_](self.node(node.lhs, depth + 1), self.node(node.rhs, depth + 1), operator_)

    def unary(self, node: Any, depth: int) -> Node:
        return _UNARY[node.value](self, node, depth)

    def negation(self, node: Any, depth: int) -> Node:
        operand = self.node(node.expression, depth + 1)

        def negate(input: Any, env: _Env) -> Any:
            value = operand(input, env)
            if value is UNDEFINED:
                return UNDEFINED
            if not _is_number(value):
                raise _Bail(Bail.ERROR)  # D1002
            return _checked(_number(-float(value)), env.limits)

        return negate

    def object(self, node: Any, depth: int) -> Node:
        """``{"key": value, ...}`` with literal string keys, all different (the library's group
        expression; a repeated key is D1009 or a merge, left to the library)."""
        members = []
        for key_node, value_node in node.lhs_object or ():
            if getattr(key_node, "type", None) != "string" or not isinstance(key_node.value, str):
                raise _Unsupported
            _check(key_node, frozenset())
            members.append((key_node.value, self.node(value_node, depth + 1)))
        if len({key for key, _ in members}) != len(members):
            raise _Unsupported
        compiled = tuple(members)

        def object_(input: Any, env: _Env) -> Any:
            # jsonata-js evaluateGroupExpression: over an array every item falls into each
            # key's group, so each value is evaluated once, in the items appended together
            # (one level of arrays flattened): an array of the data.
            context = input
            if isinstance(input, list):
                if not input:
                    raise _Bail(Bail.EMPTY_GROUP)
                if len(input) == 1:
                    context = input[0]
                else:
                    context = [
                        part for item in input for part in (item if isinstance(item, list) else (item,))
                    ]
            result = {}
            for key, member in compiled:
                value = member(context, env)
                if value is not UNDEFINED:
                    result[key] = value
            return result

        return object_

    # function calls -------------------------------------------------------------------------
    def function(self, node: Any, depth: int) -> Node:
        procedure = node.procedure
        _check(procedure, frozenset())  # a plain $name, no filter
        name = procedure.value
        function = _FUNCTIONS[name]
        arguments = tuple(self.node(argument, depth + 1) for argument in node.arguments or ())
        if len(arguments) not in function.arities:
            raise _Unsupported  # other argument counts use the context by signature rules
        apply = function.apply

        def call(input: Any, env: _Env) -> Any:
            if name in env.variables:
                raise _Bail(Bail.ERROR)  # a workflow variable shadows the function: T1006
            values = [argument(input, env) for argument in arguments]
            result = apply(values, input)
            if _is_number(result):
                result = _number(result)  # as the library's Functions._call converts it
            return _checked(result, env.limits)

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
# Operators (the library's evaluate_*_expression)


def _numeric(lhs: Node, rhs: Node, operator_: str) -> Node:
    arithmetic = _ARITHMETIC[operator_]

    def numeric(input: Any, env: _Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if (left is not UNDEFINED and not _is_number(left)) or (
            right is not UNDEFINED and not _is_number(right)
        ):
            raise _Bail(Bail.ERROR)  # T2001/T2002
        if left is UNDEFINED or right is UNDEFINED:
            return UNDEFINED
        # Both sides as floats, then an integral result becomes an integer.
        return _checked(_number(arithmetic(float(left), float(right))), env.limits)

    return numeric


def _divide(left: float, right: float) -> float:
    if right == 0:
        raise _Bail(Bail.ERROR)  # the library raises ZeroDivisionError
    return left / right


def _modulo(left: float, right: float) -> float:
    if right == 0:
        raise _Bail(Bail.ERROR)  # the library raises ValueError (math.fmod)
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

    def equality(input: Any, env: _Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if left is UNDEFINED or right is UNDEFINED:
            return False  # for != too
        if _is_number(left):
            left = float(left)
        if _is_number(right):
            right = float(right)
        return _equal(left, right) is not negated

    return equality


def _comparable(value: Any) -> bool:
    return value is UNDEFINED or type(value) in (str, int, float)


def _comparison(lhs: Node, rhs: Node, operator_: str) -> Node:
    compare = _COMPARE[operator_]

    def comparison(input: Any, env: _Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        if not (_comparable(left) and _comparable(right)):
            raise _Bail(Bail.ERROR)  # T2010
        if left is UNDEFINED or right is UNDEFINED:
            return UNDEFINED
        if type(left) is not type(right):
            if type(left) is str or type(right) is str:
                raise _Bail(Bail.ERROR)  # T2009
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
    def concatenation(input: Any, env: _Env) -> Any:
        left = lhs(input, env)
        right = rhs(input, env)
        text = ("" if left is UNDEFINED else _text(left)) + ("" if right is UNDEFINED else _text(right))
        return _checked(text, env.limits)

    return concatenation


def _boolean(lhs: Node, rhs: Node, operator_: str) -> Node:
    conjunction = operator_ == "and"

    def boolean(input: Any, env: _Env) -> Any:
        left = _truthy(lhs(input, env))
        if left is not conjunction:  # false and ..., true or ...: the right side is not evaluated
            return left
        return _truthy(rhs(input, env))

    return boolean


_BINARY: Final[Mapping[str, Callable[[Node, Node, str], Node]]] = {
    **dict.fromkeys(_ARITHMETIC, _numeric),
    "=": _equality,
    "!=": _equality,
    **dict.fromkeys(_COMPARE, _comparison),
    "&": _concatenation,
    "and": _boolean,
    "or": _boolean,
}

_UNARY: Final[Mapping[str, Callable[[_Compiler, Any, int], Node]]] = {
    "-": _Compiler.negation,
    "{": _Compiler.object,
}


# ---------------------------------------------------------------------------------------------
# Built-in functions: each one's signature check and implementation (jsonata.functions), on
# (arguments, context item); the context stands in for a missing argument where the signature
# says so (``-``). A value the library refuses bails with ERROR.


@dataclass(frozen=True, slots=True)
class _Function:
    arities: frozenset[int]
    apply: Callable[[Sequence[Any], Any], Any]


def _number_array(value: Any) -> Sequence[Any] | None:
    """An ``a<n>`` argument: None for undefined or null, a number as an array of one, an array of
    numbers as it is; anything else fails (T0412)."""
    if value is UNDEFINED or value is None:
        return None
    if _is_number(value):
        return (value,)
    if isinstance(value, list) and all(_is_number(item) for item in value):
        return value
    raise _Bail(Bail.ERROR)


def _aggregate(reduce: Callable[[Sequence[Any]], Any], *, empty: Any) -> _Function:
    """``<a<n>:n>``: $sum (0 for no numbers), $max, $min, $average (undefined for none)."""

    def aggregate(arguments: Sequence[Any], context: Any) -> Any:
        numbers = _number_array(arguments[0])
        if numbers is None:
            return UNDEFINED
        if not numbers:
            return empty
        return reduce(numbers)

    return _Function(frozenset({1}), aggregate)


def _count(arguments: Sequence[Any], context: Any) -> Any:
    """``<a:n>``: undefined and null count 0, an array its items, anything else 1."""
    value = arguments[0]
    if value is UNDEFINED or value is None:
        return 0
    return len(value) if isinstance(value, list) else 1


def _of_string(function: Callable[[str], Any]) -> _Function:
    """``<s-:…>``: a string, or the context item without an argument; undefined stays undefined;
    null (passed as "missing", then refused by the function) and other types fail."""

    def of_string(arguments: Sequence[Any], context: Any) -> Any:
        value = arguments[0] if arguments else context
        if value is UNDEFINED:
            return UNDEFINED
        if type(value) is not str:
            raise _Bail(Bail.ERROR)
        return function(value)

    return _Function(frozenset({0, 1}), of_string)


def _of_number(function: Callable[[Any], Any]) -> _Function:
    """``<n-:n>``: as `_of_string`, for a number."""

    def of_number(arguments: Sequence[Any], context: Any) -> Any:
        value = arguments[0] if arguments else context
        if value is UNDEFINED:
            return UNDEFINED
        if not _is_number(value):
            raise _Bail(Bail.ERROR)
        return function(value)

    return _Function(frozenset({0, 1}), of_number)


def _of_any(function: Callable[[Any], Any]) -> _Function:
    """``<x-:b>``: any value, or the context item; undefined stays undefined."""

    def of_any(arguments: Sequence[Any], context: Any) -> Any:
        value = arguments[0] if arguments else context
        return UNDEFINED if value is UNDEFINED else function(value)

    return _Function(frozenset({0, 1}), of_any)


_WHITESPACE: Final = re.compile("[ \t\n\r]+")


def _trim(text: str) -> str:
    """``$trim``: runs of whitespace become one space, then one leading and trailing space go."""
    return _WHITESPACE.sub(" ", text).strip(" ")


def _exists(arguments: Sequence[Any], context: Any) -> Any:
    return arguments[0] is not UNDEFINED


def _contains(arguments: Sequence[Any], context: Any) -> Any:
    """``<s-(sf):b>`` with two arguments (a regex is not in the grammar)."""
    text, token = arguments
    if _symbol(text) not in "sm" or _symbol(token) not in "sm":
        raise _Bail(Bail.ERROR)  # T0410
    if text is UNDEFINED or text is None:
        return UNDEFINED
    if type(token) is not str:
        raise _Bail(Bail.ERROR)  # the library's "unknown type to match"
    return token in text


def _substring_around(before: bool) -> _Function:
    """``<s-s:s>`` with two arguments: $substringBefore, $substringAfter."""

    def around(arguments: Sequence[Any], context: Any) -> Any:
        text, chars = arguments
        if _symbol(text) not in "sm" or _symbol(chars) not in "sm" or text is None or chars is None:
            raise _Bail(Bail.ERROR)  # T0410
        if text is UNDEFINED:
            return UNDEFINED
        if chars is UNDEFINED:
            return text
        position = text.find(chars)
        if position < 0:
            return text
        return text[:position] if before else text[position + len(chars) :]

    return _Function(frozenset({2}), around)


def _substring(arguments: Sequence[Any], context: Any) -> Any:
    """``<s-nn?:s>`` with two or three arguments. Two numbers match the signature's second
    reading: the string is then the context item."""
    if len(arguments) == 3:
        text, start, length = arguments
    elif _symbol(arguments[0]) in "sm" and _symbol(arguments[1]) in "nm":
        (text, start), length = arguments, UNDEFINED
    else:
        text, (start, length) = context, arguments
    if _symbol(text) not in "sm" or _symbol(start) not in "nm" or _symbol(length) not in "nm":
        raise _Bail(Bail.ERROR)  # T0410, T0411
    if text is None or start is None or length is None:
        raise _Bail(Bail.ERROR)  # T0410
    if text is UNDEFINED:
        return UNDEFINED
    if start is UNDEFINED:
        return text if length is UNDEFINED else ""
    first = int(start)
    if len(text) + first < 0:
        first = 0
    if length is UNDEFINED:
        return _substr(text, first, len(text))
    count = int(length)
    return "" if count <= 0 else _substr(text, first, count)


def _substr(text: str, start: int, length: int) -> str:
    """JavaScript's ``substr`` as the library writes it (``Functions.substr``)."""
    size = len(text)
    if start >= size:
        return ""
    if start < 0:
        start = max(size + start, 0)
    return text[start : min(start + min(length, size), size)]


_FUNCTIONS: Final[Mapping[str, _Function]] = {
    "sum": _aggregate(sum, empty=0),
    "max": _aggregate(max, empty=UNDEFINED),
    "min": _aggregate(min, empty=UNDEFINED),
    "average": _aggregate(lambda numbers: sum(numbers) / len(numbers), empty=UNDEFINED),
    "count": _Function(frozenset({1}), _count),
    "uppercase": _of_string(str.upper),
    "lowercase": _of_string(str.casefold),  # the library case-folds (jsonata-js: toLowerCase)
    "length": _of_string(len),
    "trim": _of_string(_trim),
    "contains": _Function(frozenset({2}), _contains),
    "substring": _Function(frozenset({2, 3}), _substring),
    "substringBefore": _substring_around(True),
    "substringAfter": _substring_around(False),
    "abs": _of_number(abs),
    "floor": _of_number(lambda number: math.floor(float(number))),
    "ceil": _of_number(lambda number: math.ceil(float(number))),
    "exists": _Function(frozenset({1}), _exists),
    "not": _of_any(lambda value: not _truthy(value)),
    "boolean": _of_any(_truthy),
}


FUNCTION_ARITIES: Final[Mapping[str, frozenset[int]]] = {
    name: function.arities for name, function in _FUNCTIONS.items()
}
"""The argument counts each function of `GRAMMAR` is compiled with (others: the library's)."""


_COMPILERS: Final[Mapping[str, Callable[[_Compiler, Any, int], Node]]] = {
    "string": _Compiler.literal,
    "number": _Compiler.literal,
    "value": _Compiler.literal,
    "variable": _Compiler.variable,
    "name": _Compiler.name,
    "path": _Compiler.path,
    "block": _Compiler.block,
    "condition": _Compiler.condition,
    "unary": _Compiler.unary,
    "binary": _Compiler.binary,
    "function": _Compiler.function,
}


def _check_tables() -> None:
    """Import-time check: `GRAMMAR` and the implementation tables name the same things, and no
    function it implements is one the adapter binds itself (`FUNCTION_FACTORIES`)."""
    problems = [
        f"{what}: {sorted(map(str, set(listed) ^ set(implemented)))}"
        for what, listed, implemented in (
            ("node types", set(GRAMMAR) - {"filter"}, _COMPILERS),
            ("binary operators", GRAMMAR["binary"], _BINARY),
            ("unary operators", GRAMMAR["unary"], _UNARY),
            ("functions", GRAMMAR["function"], _FUNCTIONS),
        )
        if set(listed) != set(implemented)
    ]
    shadowed = set(_FUNCTIONS) & set(FUNCTION_FACTORIES)
    if shadowed:
        problems.append(f"functions the adapter binds itself: {sorted(shadowed)}")
    if problems:
        raise RuntimeError(f"bad fast JSONata tables: {'; '.join(problems)}")


_check_tables()


def compile_fast(ast: Any) -> FastProgram | None:
    """The fast form of a parsed expression, or None when it is outside `GRAMMAR`."""
    compiler = _Compiler()
    try:
        root = compiler.node(ast, 1)
    except (_Unsupported, RecursionError):
        return None
    except Exception:  # a parse tree of a shape this module does not know: the library's
        return None
    return FastProgram(root, compiler.depth, compiler.longest_literal)
