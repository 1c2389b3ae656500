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
written in its modules after the library's code (jsonata-python 0.7.1: ``jsonata.jsonata``,
``jsonata.functions``, ``jsonata.signature``), quirks included (``$lowercase`` case-folds, ``%``
truncates to an integer, a null argument passes a signature as "missing", a number a built-in
returns is converted as ``Utils.convert_number`` converts it), and the differential
property fuzz/test_fast_jsonata_props.py holds every answer, error and bound equal to the
library's.

The fast path is split by responsibility: `interpreter.jsonata.fast_grammar` (the allow-list and
its checks on a node), `interpreter.jsonata.fast_compiler` (the parse tree to closures, and the
import-time check of the tables), `interpreter.jsonata.fast_operators` and
`interpreter.jsonata.fast_functions` (the operators and built-in functions it compiles),
`interpreter.jsonata.fast_values` (its values, JSONata's rules on them, the bail reasons and an
evaluation's reading context); this module holds the compiled program and the entry points.
"""

from __future__ import annotations

from typing import Any, Final

from interpreter.jsonata.base import FunctionError
from interpreter.jsonata.fast_compiler import Compiler
from interpreter.jsonata.fast_functions import FUNCTION_ARITIES
from interpreter.jsonata.fast_grammar import ANY, GRAMMAR, Unsupported
from interpreter.jsonata.fast_values import UNDEFINED, Bail, BailOut, Env, Node, Seq
from interpreter.jsonata.values import js_number
from interpreter.jsontypes import ABSENT, JSON
from interpreter.limits import JsonataLimits
from interpreter.scope import Scope
from interpreter.time_budget import TimeBudget

__all__ = ["ANY", "BAIL", "FUNCTION_ARITIES", "GRAMMAR", "Bail", "FastProgram", "compile_fast"]

BAIL: Final = object()  # `FastProgram.run`'s answer when the library must evaluate


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
        except BailOut as bail:
            return bail.reason
        except (RecursionError, MemoryError):
            return Bail.BOUND
        except Exception:
            return Bail.UNEXPECTED

    def _evaluate(self, scope: Scope, limits: JsonataLimits) -> JSON:
        if limits.max_depth < self._min_depth or limits.max_string_length < self._longest_literal:
            raise BailOut(Bail.BOUND)
        budget = TimeBudget(limits.timeout_ms)
        value = self._root(UNDEFINED, Env(scope, limits))
        result = ABSENT if value is UNDEFINED else _json_out(value)
        if budget.spent():
            raise BailOut(Bail.BOUND)  # the library (slower) would have run out of time: let it say so
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
            raise BailOut(Bail.ERROR) from None
    if kind is dict:
        return {key: _json_out(item) for key, item in value.items()}
    if kind is list or kind is Seq:
        return [_json_out(item) for item in value]
    raise BailOut(Bail.UNEXPECTED)


def compile_fast(ast: Any) -> FastProgram | None:
    """The fast form of a parsed expression, or None when it is outside `GRAMMAR`."""
    compiler = Compiler()
    try:
        root = compiler.node(ast, 1)
    except (Unsupported, RecursionError):
        return None
    except Exception:  # a parse tree of a shape this module does not know: the library's
        return None
    return FastProgram(root, compiler.depth, compiler.longest_literal)
