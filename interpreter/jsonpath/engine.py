"""Indefinite paths on the jsonpath-ng engine, bounded; the only module that imports ``jsonpath_ng``.

An indefinite path (wildcard, ``..``, filter, slice, union) is parsed once into an `EngineQuery`,
whose `find` always yields a list (``[]`` when nothing matches).

Bounded (`JsonPathLimits`, from ``scope.world.limits.jsonpath``): a query with recursive descent
(``..``) or a regex filter (``=~``) is evaluated on a copy of its engine tree whose descent
walks count every value they visit and collect against one budget of steps and time per
query (``$..*..*`` visits quadratically many values, and a filter holding ``$..x`` repeats
that walk for every candidate), and whose regexes run on the bounded engine
(`interpreter.regexes`) with the time left. The copy is made per query, so the cached tree
stays immutable and no state is shared between queries.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any, Final

from jsonpath_ng import DatumInContext, Descendants, Fields, Index
from jsonpath_ng import JSONPath as _EnginePath
from jsonpath_ng.ext.filter import Expression as _EngineExpression
from jsonpath_ng.ext.parser import parse as _engine_parse

from interpreter.errors import ErrorName, ExpressionError, PathMissing, StatesError
from interpreter.jsontypes import JSON
from interpreter.limits import JsonPathLimits
from interpreter.regexes import compile_user_regex
from interpreter.time_budget import TimeBudget

__all__ = ["EngineQuery", "compile_query"]

_DEFAULT_LIMITS: Final = JsonPathLimits()


@dataclass(frozen=True, slots=True)
class EngineQuery:
    """An indefinite path parsed by jsonpath-ng; `find` may run many times.

    Attributes:
        text: the path's own text, for messages.
        tree: the engine's parsed tree, never changed once built.
        costly: the tree holds a descent or a regex filter, which run under a budget.
    """

    text: str
    tree: _EnginePath
    costly: bool

    def find(self, document: JSON, limits: JsonPathLimits | None = None) -> list[JSON]:
        """The values the query matches in `document`, within `limits` (default:
        `JsonPathLimits()`).

        Raises:
            PathMissing: the engine failed on this document.
            StatesError: States.Runtime, the query went over its bounds.
        """
        tree = self.tree
        if self.costly:
            tree = _budgeted(tree, _Budget(self.text, limits or _DEFAULT_LIMITS))
        try:
            return [match.value for match in tree.find(document)]
        except StatesError:
            raise
        except RecursionError:
            raise StatesError(
                ErrorName.RUNTIME, f"The JSONPath '{self.text}' is nested too deeply to evaluate"
            ) from None
        except Exception as exc:  # jsonpath_ng must never leak its own or Python's errors
            raise PathMissing(self.text, f"Evaluation failed: {type(exc).__name__}") from exc


def compile_query(text: str, engine_text: str) -> EngineQuery:
    """Parse `engine_text`, the jsonpath-ng spelling of the path `text` (compile time only).

    Raises:
        ExpressionError: jsonpath-ng refuses the text or warns about it, or a ``=~`` pattern
            is invalid or too large.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tree = _engine_parse(engine_text)
    except Exception as exc:  # jsonpath_ng raises assorted exception types on bad syntax
        raise ExpressionError(f"'{text}' is not a valid JSONPath: {exc}") from exc
    return EngineQuery(text, tree, _check_costly(text, tree))


def _engine_nodes(node: _EnginePath) -> list[_EnginePath]:
    """Every node of a jsonpath_ng tree (its attributes holding nodes, or lists of them)."""
    found: list[_EnginePath] = []
    pending = [node]
    while pending:
        current = pending.pop()
        found.append(current)
        for value in vars(current).values():
            if isinstance(value, _EnginePath):
                pending.append(value)
            elif isinstance(value, (list, tuple)):
                pending.extend(item for item in value if isinstance(item, _EnginePath))
    return found


def _check_costly(text: str, tree: _EnginePath) -> bool:
    """Whether `tree` needs a budget; compiles each ``=~`` pattern once to refuse a bad one
    when the definition is loaded rather than when it runs.

    Raises:
        ExpressionError: a ``=~`` pattern that is invalid or too large.
    """
    costly = False
    for node in _engine_nodes(tree):
        if isinstance(node, Descendants):
            costly = True
        elif isinstance(node, _EngineExpression) and node.op == "=~":
            costly = True
            try:
                compile_user_regex(str(node.value))
            except ExpressionError as error:
                raise ExpressionError(f"'{text}' is not a valid JSONPath: {error.detail}") from None
    return costly


class _Budget:
    """The steps and time one query may still spend; shared by every node of its tree copy."""

    __slots__ = ("limits", "steps", "text", "time")

    def __init__(self, text: str, limits: JsonPathLimits) -> None:
        self.text = text
        self.limits = limits
        self.steps = 0
        self.time = TimeBudget(limits.timeout_ms)

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.limits.max_steps:
            raise self.exceeded(f"more than {self.limits.max_steps} steps")
        if self.time.spent():
            raise self.exceeded(f"more than {self.limits.timeout_ms} milliseconds")

    def regex_timeout(self) -> float:
        return self.time.regex_timeout()

    def exceeded(self, what: str) -> StatesError:
        # Our own wording: AWS (Jayway) has no such bound to report.
        return StatesError(
            ErrorName.RUNTIME,
            f"The JSONPath '{self.text}' could not be evaluated: it took {what} on this input, "
            "over this implementation's bound",
        )


def _budgeted(node: _EnginePath, budget: _Budget) -> _EnginePath:
    """A copy of the engine tree in which descents and regex filters spend `budget`."""
    if isinstance(node, Descendants):
        return _BudgetedDescendants(_budgeted(node.left, budget), _budgeted(node.right, budget), budget)
    duplicate: _EnginePath
    if isinstance(node, _EngineExpression) and node.op == "=~":
        duplicate = _BudgetedRegexFilter(node, budget)
    else:
        duplicate = copy.copy(node)
    for name, value in vars(node).items():
        if isinstance(value, _EnginePath):
            setattr(duplicate, name, _budgeted(value, budget))
        elif isinstance(value, (list, tuple)) and any(isinstance(item, _EnginePath) for item in value):
            items = [_budgeted(item, budget) if isinstance(item, _EnginePath) else item for item in value]
            setattr(duplicate, name, type(value)(items))
    return duplicate


class _BudgetedDescendants(Descendants):
    """``left..right``: the right side matched against every descendant of every left match,
    walked depth first and in pre-order (as jsonpath_ng does), one budget step per value
    visited and per match collected."""

    def __init__(self, left: _EnginePath, right: _EnginePath, budget: _Budget) -> None:
        super().__init__(left, right)
        self.budget = budget

    def find(self, datum: Any) -> list[DatumInContext]:
        matches: list[DatumInContext] = []
        stack = self.left.find(datum)[::-1]
        while stack:
            current = stack.pop()
            found = self.right.find(current)
            matches.extend(found)
            self.budget.spend(1 + len(found))
            value = current.value
            if isinstance(value, list):
                stack.extend(
                    DatumInContext(value[index], context=current, path=Index(index))
                    for index in range(len(value) - 1, -1, -1)
                )
            elif isinstance(value, dict):
                stack.extend(
                    DatumInContext(child, context=current, path=Fields._compliant_constructor(key))
                    for key, child in reversed(value.items())
                )
        return matches


class _BudgetedRegexFilter(_EngineExpression):
    """``[?(@.x =~ 'pattern')]`` on the bounded regex engine: a string value matches when the
    pattern is found in it (jsonpath_ng's ``re.search``), within the query's time left."""

    def __init__(self, original: _EngineExpression, budget: _Budget) -> None:
        super().__init__(original.target, original.op, original.value)
        self.budget = budget
        self.pattern = compile_user_regex(str(original.value))

    def find(self, datum: Any) -> list[DatumInContext]:
        wrapped = DatumInContext.wrap(datum)
        result = []
        for found in self.target.find(wrapped):
            if isinstance(found.value, str):
                try:
                    matched = self.pattern.search(found.value, timeout=self.budget.regex_timeout())
                except TimeoutError:
                    raise self.budget.exceeded(
                        f"more than {self.budget.limits.timeout_ms} milliseconds in the regular "
                        f"expression '{self.value}'"
                    ) from None
                if matched is not None:
                    result.append(found)
        self.budget.spend(1)
        return result
