"""JSONata regex literals (``/pattern/flags``) on the bounded regex engine.

A literal is compiled once, with its expression, by `compile_regex` (the engine handed to the
library's tokenizer). Each evaluation uses it through a `RegexView`, which gives every match the
time left until the evaluation's deadline and holds results to the evaluation's size limits.
"""

from __future__ import annotations

from typing import Any

from jsonata.regex_engine import RegexFlags

from interpreter.jsonata.base import DEFAULT_LIMITS, FunctionError, check_string_length, sequence_too_long
from interpreter.limits import JsonataLimits
from interpreter.regexes import compile_user_regex
from interpreter.time_budget import TimeBudget

__all__ = ["Regex", "RegexView", "compile_regex"]


def compile_regex(pattern: str, flags: RegexFlags) -> Regex:
    """The regex engine handed to the library's tokenizer: compiles a ``/pattern/flags``
    literal once, with the expression, on the bounded engine (`interpreter.regexes`).
    JSONata's flags are ``i`` and ``m``; the library always adds ``g`` (every function scans
    globally).

    Raises:
        ExpressionError: an invalid pattern, or one whose program would be too large.
    """
    compiled = compile_user_regex(pattern, ignore_case=flags.case_insensitive, multiline=flags.multiline)
    return Regex(compiled, pattern)


class Regex:
    """A compiled regex literal, shared by every evaluation of its expression.

    The library recognises it by its regex protocol (search, finditer, sub, split). Inside an
    evaluation `interpreter.jsonata.bounds.BoundedJsonata` hands functions a `RegexView` bound
    to that evaluation's deadline instead; should a regex reach the library some other way,
    these methods bound it with the default limits.
    """

    __slots__ = ("compiled", "source")

    def __init__(self, compiled: Any, source: str) -> None:
        self.compiled = compiled
        self.source = source

    def _default_view(self) -> RegexView:
        return RegexView(self, TimeBudget(DEFAULT_LIMITS.timeout_ms), DEFAULT_LIMITS)

    def search(self, string: str) -> Any:
        return self._default_view().search(string)

    def finditer(self, string: str) -> Any:
        return self._default_view().finditer(string)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._default_view().sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self._default_view().split(string, maxsplit)


class RegexView:
    """A `Regex` as one evaluation uses it: every match gets the time left until the
    evaluation's deadline, and results are held to the evaluation's size limits."""

    __slots__ = ("budget", "limits", "regex")

    def __init__(self, regex: Regex, budget: TimeBudget, limits: JsonataLimits) -> None:
        self.regex = regex
        self.budget = budget
        self.limits = limits

    def _time_left(self) -> float:
        return self.budget.regex_timeout()

    def _timed_out(self) -> FunctionError:
        return FunctionError(
            f"D1012: Evaluation timeout after {self.limits.timeout_ms} milliseconds: the regular "
            f"expression /{self.regex.source}/ could not finish matching in the time left (it "
            "backtracks catastrophically on this input)"
        )

    def search(self, string: str) -> Any:
        try:
            return self.regex.compiled.search(string, timeout=self._time_left())
        except TimeoutError:
            raise self._timed_out() from None

    def finditer(self, string: str) -> Any:
        """Matches one at a time (the library stops early for ``$contains`` and limits)."""
        try:
            matches = self.regex.compiled.finditer(string, timeout=self._time_left())
            for count, match in enumerate(matches, start=1):
                if count > self.limits.max_sequence_items:
                    raise FunctionError(sequence_too_long(count, self.limits))
                yield match
        except TimeoutError:
            raise self._timed_out() from None

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        """Replace matches, holding the result to the string limit while it is built (each
        replacement is counted before the engine joins them)."""
        expand = (lambda match: match.expand(repl)) if isinstance(repl, str) else repl
        budget = self.limits.max_string_length - len(string)

        def counted(match: Any) -> str:
            nonlocal budget
            replacement: str = expand(match)
            budget -= len(replacement) - (match.end() - match.start())
            if budget < 0:
                check_string_length(self.limits.max_string_length - budget, self.limits)
            return replacement

        try:
            replaced: str = self.regex.compiled.sub(counted, string, count, timeout=self._time_left())
        except TimeoutError:
            raise self._timed_out() from None
        return replaced

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        """Split at matches; never more pieces than the sequence limit."""
        cap = self.limits.max_sequence_items
        try:
            pieces: list[str] = self.regex.compiled.split(
                string, min(maxsplit, cap) if maxsplit > 0 else cap, timeout=self._time_left()
            )
        except TimeoutError:
            raise self._timed_out() from None
        if (maxsplit <= 0 or maxsplit > cap) and len(pieces) > cap:
            raise FunctionError(sequence_too_long(len(pieces), self.limits))
        return pieces
