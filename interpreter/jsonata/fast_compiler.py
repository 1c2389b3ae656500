"""The JSONata fast path's compiler: the library's parse tree to closures, through `GRAMMAR`.

`Compiler` turns each node `GRAMMAR` allows into a `Node` closure with JSONata's sequence rules
(jsonata-js ``evaluatePath``, ``evaluateStep``, ``evaluateFilter``, ``lookup``), building
operators from `interpreter.jsonata.fast_operators` and calls from
`interpreter.jsonata.fast_functions`; any other node raises `Unsupported`. The dispatch tables are
checked against `GRAMMAR` at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from interpreter.jsonata.base import LARGEST_DOUBLE
from interpreter.jsonata.fast_functions import FUNCTIONS
from interpreter.jsonata.fast_grammar import (
    GRAMMAR,
    MAX_TREE_DEPTH,
    VARIABLE_NAME,
    Unsupported,
    check,
    rule,
)
from interpreter.jsonata.fast_operators import BINARY
from interpreter.jsonata.fast_values import (
    UNDEFINED,
    Bail,
    BailOut,
    Env,
    Filter,
    Node,
    Seq,
    checked,
    convert_number,
    is_number,
    items_of,
    truthy,
    unwrap,
)
from interpreter.jsonata.functions import FUNCTION_FACTORIES

# ---------------------------------------------------------------------------------------------
# Compilation: the library's parse tree to closures, node by node through `GRAMMAR`


class Compiler:
    def __init__(self) -> None:
        self.depth = 0
        self.longest_literal = 0

    def node(self, node: Any, depth: int, *, step: bool = False) -> Node:
        if depth > MAX_TREE_DEPTH:
            raise Unsupported
        self.depth = max(self.depth, depth)
        allowed = rule(node)
        # A path's step may also carry filters ("stages"), which the path applies.
        check(node, allowed | {"stages"} if step else allowed)
        compiled = _COMPILERS[node.type](self, node, depth)
        predicate = getattr(node, "predicate", None) if "predicate" in allowed else None
        if not predicate:
            return compiled
        # $x[...]: the node's value filtered, as one (jsonata-js evaluate: predicates after the
        # value, before the singleton unwrapping).
        filters = tuple(self.filter(item, depth + 1) for item in predicate)

        def filtered(input: Any, env: Env) -> Any:
            value = compiled(input, env)
            for filter_ in filters:
                value = filter_(value, env)
            return unwrap(checked(value, env.limits))

        return filtered

    # literals -------------------------------------------------------------------------------
    def literal(self, node: Any, depth: int) -> Node:
        value = node.value
        if isinstance(value, str):
            self.longest_literal = max(self.longest_literal, len(value))
        elif not (value is None or isinstance(value, bool)) and not (
            is_number(value) and abs(value) <= LARGEST_DOUBLE  # within a double; NaN compares false
        ):
            raise Unsupported

        def literal(input: Any, env: Env) -> Any:
            return value

        return literal

    # variables ------------------------------------------------------------------------------
    def variable(self, node: Any, depth: int) -> Node:
        name = node.value
        if name == "":

            def context(input: Any, env: Env) -> Any:  # $: the context item
                return checked(input, env.limits)

            return context
        if not isinstance(name, str) or not VARIABLE_NAME.fullmatch(name):
            raise Unsupported  # $$ (the root) and names the adapter would not bind
        if name == "states":

            def states(input: Any, env: Env) -> Any:
                return env.states_object()

            return states

        def variable(input: Any, env: Env) -> Any:
            value = env.variables.get(name, UNDEFINED)
            if value is UNDEFINED:
                raise BailOut(Bail.NAME)
            return checked(value, env.limits)

        return variable

    # paths ----------------------------------------------------------------------------------
    def name(self, node: Any, depth: int) -> Node:
        key = node.value
        if not isinstance(key, str):
            raise Unsupported

        def name(input: Any, env: Env) -> Any:
            if type(input) is dict:  # the usual case, without the calls
                value = input.get(key, UNDEFINED)
                kind = type(value)
                if kind is not str and kind is not list and kind is not int:
                    return value
                return checked(value, env.limits)
            if isinstance(input, list):
                return checked(unwrap(_lookup(input, key)), env.limits)
            return UNDEFINED

        return name

    def path(self, node: Any, depth: int) -> Node:
        steps = node.steps
        if not steps:
            raise Unsupported
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

        def path(input: Any, env: Env) -> Any:
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
                    return checked(results[0], env.limits)  # a lone array of the data
                sequence = Seq()
                for value in results:
                    if isinstance(value, list):
                        sequence.extend(value)
                    else:
                        sequence.append(value)
                checked(sequence, env.limits)
                if not sequence:
                    return UNDEFINED
                items = sequence
            return unwrap(items)

        return path

    def filter(self, node: Any, depth: int) -> Filter:
        """``[...]`` (jsonata-js evaluateFilter): a literal number picks an item (counted from the
        end when negative); any other predicate keeps the items for which it is true, or whose
        index it gives (a number or an array of numbers)."""
        check(node, rule(node))
        expression = node.expr
        if getattr(expression, "type", None) == "number":
            check(expression, rule(expression))
            self.literal(expression, depth + 1)  # a number within a double
            index = int(expression.value)  # truncated, as the library does

            def at_index(value: Any, env: Env) -> Any:
                items = items_of(value)
                position = index if index >= 0 else len(items) + index
                if 0 <= position < len(items):
                    item = items[position]
                    return item if type(item) is list else Seq((item,))  # an array picked is the result
                return Seq()

            return at_index
        predicate = self.node(expression, depth + 1)

        def where(value: Any, env: Env) -> Any:
            items = items_of(value)
            kept = Seq()
            for position, item in enumerate(items):
                test = predicate(item, env)
                if is_number(test):
                    test = (test,)
                if isinstance(test, list | tuple) and all(is_number(number) for number in test):
                    for number in test:  # indexes: the item is kept once per match
                        wanted = int(number)
                        if (wanted if wanted >= 0 else len(items) + wanted) == position:
                            kept.append(item)
                elif truthy(test):
                    kept.append(item)
            return kept

        return where

    def block(self, node: Any, depth: int) -> Node:
        expressions = tuple(self.node(item, depth + 1) for item in node.expressions or ())

        def block(input: Any, env: Env) -> Any:
            value: Any = UNDEFINED
            for expression in expressions:
                value = expression(input, env)
            return value

        return block

    def condition(self, node: Any, depth: int) -> Node:
        test = self.node(node.condition, depth + 1)
        then = self.node(node.then, depth + 1)
        otherwise = self.node(node._else, depth + 1) if node._else is not None else None

        def condition(input: Any, env: Env) -> Any:
            if truthy(test(input, env)):
                return then(input, env)
            return otherwise(input, env) if otherwise is not None else UNDEFINED

        return condition

    # operators ------------------------------------------------------------------------------
    def binary(self, node: Any, depth: int) -> Node:
        operator_ = node.value
        return BINARY[operator_](self.node(node.lhs, depth + 1), self.node(node.rhs, depth + 1), operator_)

    def unary(self, node: Any, depth: int) -> Node:
        return _UNARY[node.value](self, node, depth)

    def negation(self, node: Any, depth: int) -> Node:
        operand = self.node(node.expression, depth + 1)

        def negate(input: Any, env: Env) -> Any:
            value = operand(input, env)
            if value is UNDEFINED:
                return UNDEFINED
            if not is_number(value):
                raise BailOut(Bail.ERROR)  # D1002
            return checked(convert_number(-float(value)), env.limits)

        return negate

    def object(self, node: Any, depth: int) -> Node:
        """``{"key": value, ...}`` with literal string keys, all different (the library's group
        expression; a repeated key is D1009 or a merge, left to the library)."""
        members = []
        for key_node, value_node in node.lhs_object or ():
            if getattr(key_node, "type", None) != "string" or not isinstance(key_node.value, str):
                raise Unsupported
            check(key_node, frozenset())
            members.append((key_node.value, self.node(value_node, depth + 1)))
        if len({key for key, _ in members}) != len(members):
            raise Unsupported
        compiled = tuple(members)

        def object_(input: Any, env: Env) -> Any:
            # jsonata-js evaluateGroupExpression: over an array every item falls into each
            # key's group, so each value is evaluated once, in the items appended together
            # (one level of arrays flattened): an array of the data.
            context = input
            if isinstance(input, list):
                if not input:
                    raise BailOut(Bail.EMPTY_GROUP)
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
        check(procedure, frozenset())  # a plain $name, no filter
        name = procedure.value
        function = FUNCTIONS[name]
        arguments = tuple(self.node(argument, depth + 1) for argument in node.arguments or ())
        if len(arguments) not in function.arities:
            raise Unsupported  # other argument counts use the context by signature rules
        apply = function.apply

        def call(input: Any, env: Env) -> Any:
            if name in env.variables:
                raise BailOut(Bail.ERROR)  # a workflow variable shadows the function: T1006
            values = [argument(input, env) for argument in arguments]
            result = apply(values, input)
            if is_number(result):
                result = convert_number(result)  # as the library's Functions._call converts it
            return checked(result, env.limits)

        return call


def _lookup(value: Any, key: str) -> Any:
    """jsonata-js ``lookup``: a member of an object; over an array, the members of its items,
    one level of arrays flattened; undefined for anything else."""
    if isinstance(value, list):
        result = Seq()
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


_UNARY: Final[Mapping[str, Callable[[Compiler, Any, int], Node]]] = {
    "-": Compiler.negation,
    "{": Compiler.object,
}


_COMPILERS: Final[Mapping[str, Callable[[Compiler, Any, int], Node]]] = {
    "string": Compiler.literal,
    "number": Compiler.literal,
    "value": Compiler.literal,
    "variable": Compiler.variable,
    "name": Compiler.name,
    "path": Compiler.path,
    "block": Compiler.block,
    "condition": Compiler.condition,
    "unary": Compiler.unary,
    "binary": Compiler.binary,
    "function": Compiler.function,
}


def _check_tables() -> None:
    """Import-time check: `GRAMMAR` and the implementation tables name the same things, and no
    function it implements is one the adapter binds itself (`FUNCTION_FACTORIES`)."""
    problems = [
        f"{what}: {sorted(map(str, set(listed) ^ set(implemented)))}"
        for what, listed, implemented in (
            ("node types", set(GRAMMAR) - {"filter"}, _COMPILERS),
            ("binary operators", GRAMMAR["binary"], BINARY),
            ("unary operators", GRAMMAR["unary"], _UNARY),
            ("functions", GRAMMAR["function"], FUNCTIONS),
        )
        if set(listed) != set(implemented)
    ]
    shadowed = set(FUNCTIONS) & set(FUNCTION_FACTORIES)
    if shadowed:
        problems.append(f"functions the adapter binds itself: {sorted(shadowed)}")
    if problems:
        raise RuntimeError(f"bad fast JSONata tables: {'; '.join(problems)}")


_check_tables()
