"""The bounds of one JSONata evaluation: time, depth and sizes, checked at every step.

`Guard` is installed through the library's evaluate hooks for each evaluation; `BoundedJsonata`
is the library's evaluator with its call site changed so that regexes run on the evaluation's
deadline and a range above the reference implementation's cap fails in its words.
"""

from __future__ import annotations

from typing import Any, Final

from jsonata import Jsonata
from jsonata.functions import Functions
from jsonata.jexception import JException
from jsonata.utils import Utils

from interpreter.jsonata.base import LARGEST_DOUBLE, FunctionError, check_string_length, sequence_too_long
from interpreter.jsonata.regex_literals import Regex, RegexView
from interpreter.limits import JsonataLimits
from interpreter.time_budget import TimeBudget

__all__ = ["GUARD_BINDING", "RESERVED_NAMES", "BoundedJsonata", "Guard"]


class Guard:
    """Per-evaluation time and depth bound, installed through the library's evaluate hooks.

    The library's own Timebox starts its clock when the expression is *compiled* and skips
    frames flagged ``is_parallel_call`` (a flag it leaves set on shared frames), so it cannot
    bound a cached expression; this counts every step and starts at each evaluation. It is
    also bound as ``__guard`` so that `BoundedJsonata` can give regexes the same deadline.
    """

    __slots__ = ("budget", "depth", "limits")

    def __init__(self, limits: JsonataLimits) -> None:
        self.depth = 0
        self.limits = limits
        self.budget = TimeBudget(limits.timeout_ms)

    def enter(self, expr: object, input: object, environment: object) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise JException("D1011", -1)
        if self.budget.spent():
            raise JException("D1012", -1, self.limits.timeout_ms)

    def leave(self, expr: object, input: object, environment: object, result: object) -> None:
        self.depth -= 1
        # Every step's value passes here, so no intermediate array, string or number can
        # outgrow the limits by more than one built-in function call (len() is O(1),
        # RangeList included).
        if isinstance(result, list):
            # RangeList's len() counts one item too many (b - a + 1 with b exclusive).
            size = len(range(result.a, result.b)) if isinstance(result, Utils.RangeList) else len(result)
            if size > self.limits.max_sequence_items:
                raise FunctionError(sequence_too_long(size, self.limits))
        elif isinstance(result, str):
            check_string_length(len(result), self.limits)
        elif isinstance(result, int) and not isinstance(result, bool) and abs(result) > LARGEST_DOUBLE:
            # The library keeps exact Python integers where JavaScript has doubles, so repeated
            # squaring would grow without end; JavaScript overflows to Infinity, which JSONata
            # refuses as out of range.
            raise FunctionError("D1001: Number out of range: Infinity")

    def regex(self, value: Regex) -> RegexView:
        """`value` bound to this evaluation's deadline and sizes."""
        return RegexView(value, self.budget, self.limits)


# Names of the library's evaluate hooks and of our guard: an expression that binds one of them
# (``$__evaluate_entry := $nothing``) would switch the bounds off, so none may be spelled.
GUARD_BINDING: Final = "__guard"
RESERVED_NAMES: Final = frozenset({"__evaluate_entry", "__evaluate_exit", GUARD_BINDING})


class BoundedJsonata(Jsonata):  # type: ignore[misc]  # jsonata ships no type hints
    """The library's evaluator with two changes at its one call site, ``apply_inner``.

    * A regex handed to a function (``$match``, ``$replace``, ``$split``, ``$contains``, or
      a regex called directly) is replaced by a `RegexView` bound to the running
      evaluation's deadline, found through the ``__guard`` binding.
    * Calling a non-function fails with T1006 without the library's
      ``print("Proc not found ...")``, which would land on stdout, the server's log.

    And one in ``evaluate_group_expression``: an object constructor over an empty array
    (``$states.input.x[{"a": 1}]`` with ``x`` = ``[[]]``) appends an undefined entry to that array
    (to make the literal object once, as jsonata-js does on its own copy); here it gets a fresh
    sequence, so the state's input is never changed. An execution hands one state's output to the
    next without copying, so a changed input would leak into every later state.
    """

    def apply_inner(self, proc: Any, args: Any, input: Any, environment: Any) -> Any:
        guard = environment.lookup(GUARD_BINDING) if isinstance(environment, Jsonata.Frame) else None
        if isinstance(guard, Guard):
            if isinstance(proc, Regex):
                proc = guard.regex(proc)
            if isinstance(args, list) and any(isinstance(arg, Regex) for arg in args):
                args = [guard.regex(arg) if isinstance(arg, Regex) else arg for arg in args]
        if not (
            Functions.is_lambda(proc)
            or isinstance(proc, (Jsonata.JFunction, Jsonata.JLambda))
            or Functions.is_regex(proc)
        ):
            # The library's last branch, minus its print (jsonata-js: T1006).
            raise JException("T1006", 0)
        return super().apply_inner(proc, args, input, environment)

    def evaluate_group_expression(self, expr: Any, input: Any, environment: Any) -> Any:
        if isinstance(input, list) and not input and not getattr(input, "tuple_stream", False):
            input = Utils.create_sequence()
        return super().evaluate_group_expression(expr, input, environment)

    def evaluate_range_expression(self, lhs: Any, rhs: Any) -> Any:
        """``[a..b]``: above the reference implementation's cap (1e7 items) fail in its words
        (the library's message table says 1e6, a typo of its port); between our own sequence
        bound and that cap, `Guard.leave` fails it in ours. Both are D2014."""
        if _is_plain_int(lhs) and _is_plain_int(rhs) and rhs - lhs + 1 > _REFERENCE_RANGE_CAP:
            raise FunctionError(
                "D2014: The size of the sequence allocated by the range operator (..) must not exceed "
                f"1e7.  Attempted to allocate {rhs - lhs + 1}."
            )
        return super().evaluate_range_expression(lhs, rhs)


_REFERENCE_RANGE_CAP: Final = 10_000_000


def _is_plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
