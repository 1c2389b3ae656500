"""JSONata for Step Functions: compile ``{% ... %}`` once, evaluate it against a `Scope`.

This is the only module that imports ``jsonata`` (jsonata-python). It adds what AWS adds on top
of JSONata 2.0.6 and keeps the library's quirks inside:

* bindings: ``$states`` (input, context, result, errorOutput), every workflow variable, and the
  Step Functions functions ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid``,
  ``$parse``, supplied as library function objects (no source splicing); ``$now``/``$millis``
  read the injected clock and ``$random``/``$uuid`` the injected random source;
* ``$eval`` is refused (it would run code taken from data);
* values cross the boundary as plain JSON: JSON null becomes the library's null marker on the
  way in (the library treats a bare ``None`` as *undefined*), sequences/lists/floats come back
  as plain lists and JSON numbers printed the way JavaScript prints them;
* every failure, including the library's own Python errors, becomes a `StatesError`
  ``States.QueryEvaluationError``;
* every evaluation is bounded (`JsonataLimits`, from ``scope.world.limits``): time, depth,
  sequence and string sizes, checked at every step; regex literals run on the ``regex``
  package with the evaluation's remaining time as their timeout; the built-ins whose result
  size follows from their arguments (``$pad``, ``$join``, ``$replace``, ``$split``) check it
  before they allocate.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import math
import random
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, Final

from jsonata import Jsonata
from jsonata.functions import Functions
from jsonata.jexception import JException
from jsonata.regex_engine import RegexFlags
from jsonata.utils import Utils

from interpreter.errors import ErrorName, ExpressionError, StatesError
from interpreter.jsontypes import ABSENT, JSON, is_integer
from interpreter.jsontypes import loads as strict_loads
from interpreter.limits import JsonataLimits
from interpreter.regexes import compile_user_regex
from interpreter.scope import Scope, World

# `import jsonata` sets sys.setrecursionlimit(10000) for the whole process. We keep a limit of
# at least that on purpose: one JSONata evaluation level costs 4-8 Python frames (measured:
# ~4 for plain recursion, ~8 through $sort comparators), so the 500-level depth bound below
# needs ~4,000 Python frames, more than Python's default 1,000. Anything deeper still ends as a
# RecursionError, which `_run` converts. Said here so the process-wide effect is not a surprise.
PYTHON_RECURSION_LIMIT: Final = 10_000
if sys.getrecursionlimit() < PYTHON_RECURSION_LIMIT:  # pragma: no cover - the import already did it
    sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)


DEFAULT_LIMITS: Final = JsonataLimits()

_QUERY_EVALUATION_ERROR: Final = ErrorName.QUERY_EVALUATION_ERROR.value


class JsonataEvaluationError(StatesError):
    """``States.QueryEvaluationError`` raised by an evaluation, with the parts of its cause.

    Attributes:
        source: the expression inside ``{% %}``.
        detail: ``<code>: <message>`` for a runtime error, or None when the result was
            undefined (then `evaluate_field` words the cause).
    """

    def __init__(self, source: str, detail: str | None) -> None:
        self.source = source
        self.detail = detail
        if detail is None:
            cause = f"The JSONata expression '{source}' returned nothing (undefined)."
        else:
            cause = f"The JSONata expression '{source}' threw an error during evaluation. {detail}"
        super().__init__(_QUERY_EVALUATION_ERROR, cause)


# ---------------------------------------------------------------------------------------------
# Templates and compilation


def is_jsonata_template(value: object) -> bool:
    """True for a string that is a whole JSONata template: starts with ``{%``, ends with ``%}``.

    AWS: a string is evaluated only when it starts with ``{%`` and ends with ``%}`` with nothing
    outside (recorded: ``" {% states.input %} "`` is passed through as a literal).
    """
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


def _inner_source(text: str) -> str:
    """The expression between the delimiters, trimmed, as AWS quotes it in causes (recorded:
    ``The JSONata expression '$doesNotExist' ...`` for ``"{% $doesNotExist %}"``)."""
    return text[2:-2].strip()


_VARIABLE_NAME: Final = re.compile(r"\$([A-Za-z0-9_]+)")


@dataclass(frozen=True, slots=True)
class JsonataExpression:
    """A compiled ``{% ... %}`` template; immutable, evaluated many times.

    Attributes:
        text: the original template text.
        source: the expression inside the delimiters (trimmed).
        names: every ``$name`` spelled in the source (an over-approximation is harmless). JSONata
            has no dynamic variable lookup once ``$eval`` is refused, so only these names need
            binding, which spares converting unused variables on every evaluation.
    """

    text: str
    source: str
    names: frozenset[str]
    _compiled: Jsonata = field(repr=False, compare=False)

    def evaluate(self, scope: Scope, limits: JsonataLimits | None = None) -> JSON:
        """The expression's value as plain JSON, or ABSENT when it is undefined.

        `limits` defaults to the caller's, ``scope.world.limits.jsonata``.

        Raises:
            JsonataEvaluationError: any runtime failure (a `StatesError`
                ``States.QueryEvaluationError``), including the time and depth bounds.
        """
        return _run(self, scope, scope.world.limits.jsonata if limits is None else limits)


@functools.lru_cache(maxsize=4096)
def compile_jsonata(text: str) -> JsonataExpression:
    """Compile a whole ``{% expr %}`` template.

    Raises:
        ExpressionError: not a template, empty, or a JSONata syntax error (``S0xxx``). The
            detail is ``<code>: <message>`` in the reference implementation's words.
    """
    if not is_jsonata_template(text):
        raise ExpressionError("A JSONata expression must start with '{%' and end with '%}'")
    source = _inner_source(text)
    if not source:
        raise ExpressionError("The JSONata expression is empty")
    try:
        compiled = _BoundedJsonata(source, _compile_regex)
    except ExpressionError:
        raise
    except JException as error:
        raise ExpressionError(_describe(error)) from None
    except RecursionError:
        raise ExpressionError("The JSONata expression is nested too deeply") from None
    except Exception as error:  # noqa: BLE001 - the parser has Python bugs; none may escape
        raise ExpressionError(f"The JSONata expression could not be parsed: {type(error).__name__}") from None
    if compiled.get_errors():  # pragma: no cover - recovery mode is never switched on
        raise ExpressionError("The JSONata expression could not be parsed")
    # Null and undefined must stay distinct on the way out (see `_to_json`).
    compiled.set_output_convert_nulls(False)
    return JsonataExpression(text, source, frozenset(_VARIABLE_NAME.findall(source)), compiled)


def evaluate_field(expr: JsonataExpression, scope: Scope, field: str, limits: JsonataLimits | None = None) -> JSON:
    """Evaluate a field's expression; an undefined result is an error, as in AWS.

    `field` is the ASL location AWS names, e.g. ``Output``, ``Output/result``, ``Assign/x``.
    AWS causes (recorded): ``The JSONata expression '$doesNotExist' specified for the field
    'Output/result' returned nothing (undefined).`` and ``The JSONata expression '...' specified
    for the field 'Output/FunctionResult' threw an error during evaluation. T1006: Attempted to
    invoke a non-function``.

    Raises:
        StatesError: ``States.QueryEvaluationError`` with the cause above.
    """
    try:
        value = expr.evaluate(scope, limits)
    except JsonataEvaluationError as error:
        raise StatesError(_QUERY_EVALUATION_ERROR, _field_cause(error.source, field, error.detail)) from None
    if value is ABSENT:
        raise StatesError(_QUERY_EVALUATION_ERROR, _field_cause(expr.source, field, None))
    return value


def _field_cause(source: str, field: str, detail: str | None) -> str:
    prefix = f"The JSONata expression '{source}' specified for the field '{field}'"
    if detail is None:
        return f"{prefix} returned nothing (undefined)."
    return f"{prefix} threw an error during evaluation. {detail}"


# ---------------------------------------------------------------------------------------------
# Evaluation


class _Guard:
    """Per-evaluation time and depth bound, installed through the library's evaluate hooks.

    The library's own Timebox starts its clock when the expression is *compiled* and skips
    frames flagged ``is_parallel_call`` (a flag it leaves set on shared frames), so it cannot
    bound a cached expression; this counts every step and starts at each evaluation. It is
    also bound as ``__guard`` so that `_BoundedJsonata` can give regexes the same deadline.
    """

    __slots__ = ("depth", "deadline", "limits")

    def __init__(self, limits: JsonataLimits) -> None:
        self.depth = 0
        self.limits = limits
        self.deadline = time.monotonic() + limits.timeout_ms / 1000

    def enter(self, expr: object, input: object, environment: object) -> None:  # noqa: A002
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise JException("D1011", -1)
        if time.monotonic() > self.deadline:
            raise JException("D1012", -1, self.limits.timeout_ms)

    def leave(self, expr: object, input: object, environment: object, result: object) -> None:  # noqa: A002
        self.depth -= 1
        # Every step's value passes here, so no intermediate array, string or number can
        # outgrow the limits by more than one built-in function call (len() is O(1),
        # RangeList included).
        if isinstance(result, list):
            # RangeList's len() counts one item too many (b - a + 1 with b exclusive).
            size = len(range(result.a, result.b)) if isinstance(result, Utils.RangeList) else len(result)
            if size > self.limits.max_sequence_items:
                raise _FunctionError(_sequence_too_long(size, self.limits))
        elif isinstance(result, str):
            _check_string_length(len(result), self.limits)
        elif isinstance(result, int) and not isinstance(result, bool) and abs(result) > _LARGEST_DOUBLE:
            # The library keeps exact Python integers where JavaScript has doubles, so repeated
            # squaring would grow without end; JavaScript overflows to Infinity, which JSONata
            # refuses as out of range.
            raise _FunctionError("D1001: Number out of range: Infinity")

    def regex(self, value: _Regex) -> _RegexView:
        """`value` bound to this evaluation's deadline and sizes."""
        return _RegexView(value, self.deadline, self.limits)


_LARGEST_DOUBLE: Final = int(sys.float_info.max)
# Names of the library's evaluate hooks and of our guard: an expression that binds one of them
# (``$__evaluate_entry := $nothing``) would switch the bounds off, so none may be spelled.
_GUARD_BINDING: Final = "__guard"
_RESERVED_NAMES: Final = frozenset({"__evaluate_entry", "__evaluate_exit", _GUARD_BINDING})


def _sequence_too_long(size: int, limits: JsonataLimits) -> str:
    # Worded after the reference implementation's range cap (D2014); the limit is ours.
    return (
        f"D2014: The size of the sequence allocated ({size} items) must not exceed "
        f"{limits.max_sequence_items} items in this implementation"
    )


def _check_string_length(length: int, limits: JsonataLimits) -> None:
    if length > limits.max_string_length:
        raise _FunctionError(
            f"D2014: The length of the string ({length} characters) exceeds the limit of "
            f"{limits.max_string_length} characters of this implementation"
        )


def _run(expr: JsonataExpression, scope: Scope, limits: JsonataLimits) -> JSON:
    try:
        reserved = expr.names & _RESERVED_NAMES
        if reserved:
            name = min(reserved)
            raise _FunctionError(f"The variable name ${name} is reserved by this implementation")
        guard = _Guard(limits)
        bindings = _bindings(expr.names, scope, limits)
        bindings["__evaluate_entry"] = guard.enter
        bindings["__evaluate_exit"] = guard.leave
        bindings[_GUARD_BINDING] = guard
        # ALWAYS a bindings mapping: with None the library binds `$` into the compiled object
        # itself. `$` at the top level is undefined (AWS rejects `$`/`$$` there anyway).
        raw = expr._compiled.evaluate(None, bindings)
        return _to_json(raw)
    except JsonataEvaluationError:
        raise
    except _FunctionError as error:
        raise JsonataEvaluationError(expr.source, error.detail) from None
    except JException as error:
        raise JsonataEvaluationError(expr.source, _describe(error)) from None
    except RecursionError:
        raise JsonataEvaluationError(expr.source, _describe(JException("D1011", -1))) from None
    except ZeroDivisionError:
        # JavaScript divides by zero into Infinity, which JSONata rejects as out of range.
        raise JsonataEvaluationError(expr.source, "D1001: Number out of range: Infinity") from None
    except MemoryError:
        raise JsonataEvaluationError(expr.source, "The JSONata expression ran out of memory") from None
    except Exception as error:  # noqa: BLE001 - library bugs surface as Python errors; none may escape
        raise JsonataEvaluationError(expr.source, f"{type(error).__name__}: {error}") from None


def _bindings(names: frozenset[str], scope: Scope, limits: JsonataLimits) -> dict[str, Any]:
    """The library bindings for one evaluation: AWS functions, then variables, then $states.

    Later entries win: a workflow variable shadows an AWS function of the same name, as a
    JSONata binding shadows a registered function; ``$states`` is reserved and always wins.
    """
    bindings: dict[str, Any] = {}
    world = scope.world
    for name in names & _FUNCTION_FACTORIES.keys():
        bindings[name] = _FUNCTION_FACTORIES[name](world, limits)
    if "eval" in names:
        # $eval would evaluate text taken from data; bound to nothing it fails like any
        # unknown function (T1006). AWS's own wording for $eval is not recorded.
        bindings["eval"] = None
    for name in names & scope.variables.keys():
        bindings[name] = _to_jsonata(scope.variables[name])
    if "states" in names:
        bindings["states"] = _states(scope)
    return bindings


def _states(scope: Scope) -> dict[str, Any]:
    """``$states``: input and context always; result and errorOutput only once they exist."""
    states: dict[str, Any] = {}
    for key, value in (
        ("input", scope.state_input),
        ("context", scope.context),
        ("result", scope.result),
        ("errorOutput", scope.error_output),
    ):
        if value is not ABSENT:
            states[key] = _to_jsonata(value)
    return states


# ---------------------------------------------------------------------------------------------
# Values across the boundary


def _to_jsonata(value: JSON) -> Any:
    """A JSON value as the library expects it: JSON null as its null marker, not ``None``.

    The library reads a bare ``None`` as *undefined*, so a null variable would vanish and
    ``$map`` would drop null items. Containers holding no null are passed through unchanged
    (the library does not mutate its input).
    """
    if value is None:
        return Utils.NULL_VALUE
    if isinstance(value, dict):
        converted = {key: _to_jsonata(item) for key, item in value.items()}
        return value if all(converted[key] is value[key] for key in value) else converted
    if isinstance(value, list):
        items = [_to_jsonata(item) for item in value]
        return value if all(new is old for new, old in zip(items, value, strict=True)) else items
    return value


_OMIT: Final = object()
# JavaScript prints a number with an integral value without a fraction below 1e21, and in
# exponent form from 1e21 on (JSON.stringify(1e21) == "1e+21").
_JS_EXPONENT_FROM: Final = 1e21


def _to_json(value: Any) -> JSON:
    """The library's result as plain JSON (ABSENT when undefined)."""
    converted = _json_value(value)
    return ABSENT if converted is _OMIT else converted


def _json_value(value: Any) -> Any:
    """One value: `_OMIT` for what JSON.stringify drops (undefined, functions)."""
    if value is None:
        return _OMIT
    if value is Utils.NULL_VALUE:
        return None
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return _js_number(value)
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, dict):
        result: dict[str, JSON] = {}
        for key, item in value.items():
            converted = _json_value(item)
            if converted is not _OMIT:  # JSON.stringify omits function-valued members
                result[str(key)] = converted
        return result
    if isinstance(value, list):
        # JList/RangeList are list subclasses; iterate (RangeList only fakes indexing).
        # A function inside an array prints as null (JSON.stringify); inner None is null.
        return [None if item is None else _none_if_omitted(_json_value(item)) for item in value]
    # Functions, lambdas, regexes: not JSON. Undefined at the top, like JSON.stringify.
    return _OMIT


def _none_if_omitted(value: Any) -> JSON:
    return None if value is _OMIT else value


def _js_number(value: int | float) -> int | float:
    """A number as JavaScript would print it: integral values without ``.0`` below 1e21."""
    if isinstance(value, int):
        if abs(value) < _JS_EXPONENT_FROM:
            return value
        try:
            return float(value)
        except OverflowError:
            raise _FunctionError("D1001: Number out of range: Infinity") from None
    if not math.isfinite(value):
        raise _FunctionError(f"D1001: Number out of range: {_js_float_text(value)}")
    if value.is_integer() and abs(value) < _JS_EXPONENT_FROM:
        return int(value)  # also turns -0.0 into 0, as JSON.stringify(-0) == "0"
    return value


def _js_float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


# ---------------------------------------------------------------------------------------------
# Error messages in the reference implementation's words

_PLACEHOLDER: Final = re.compile(r"\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}")
# The library's message table came through a Java port that renamed "function" to "Object"
# ("The sqrt Object cannot be applied ..."); jsonata-js says "function".
_PORT_ARTEFACT: Final = re.compile(r"\bObject\b")


def _describe(error: JException) -> str:
    """``<code>: <message>`` as jsonata-js words it (AWS prints the error that way, recorded:
    ``T1006: Attempted to invoke a non-function``)."""
    code = str(error.error)
    template = JException.error_codes.get(code)
    if template is None:
        return code
    args = iter((error.current, error.expected, error.extra))

    def fill(match: re.Match[str]) -> str:
        value = next(args, None)
        if match.group(1) is not None:  # {{{x}}}: inserted as text
            return "undefined" if value is None else str(value)
        return _js_stringify(value)  # {{x}}: inserted as JSON.stringify(x)

    message = _PLACEHOLDER.sub(fill, template)
    return f"{code}: {_PORT_ARTEFACT.sub('function', message)}"


def _js_stringify(value: Any) -> str:
    if value is None:
        return "undefined"
    try:
        converted = _json_value(value)
        if converted is _OMIT:
            return "undefined"
        return json.dumps(converted, separators=(",", ":"), ensure_ascii=False)
    except (_FunctionError, ValueError, TypeError, RecursionError):
        return str(value)


# ---------------------------------------------------------------------------------------------
# The library's call path and regular expressions


class _BoundedJsonata(Jsonata):
    """The library's evaluator with two changes at its one call site, ``apply_inner``.

    * A regex handed to a function (``$match``, ``$replace``, ``$split``, ``$contains``, or
      a regex called directly) is replaced by a `_RegexView` bound to the running
      evaluation's deadline, found through the ``__guard`` binding.
    * Calling a non-function fails with T1006 without the library's
      ``print("Proc not found ...")``, which would land on stdout, the server's log.
    """

    def apply_inner(self, proc: Any, args: Any, input: Any, environment: Any) -> Any:  # noqa: A002
        guard = environment.lookup(_GUARD_BINDING) if isinstance(environment, Jsonata.Frame) else None
        if isinstance(guard, _Guard):
            if isinstance(proc, _Regex):
                proc = guard.regex(proc)
            if isinstance(args, list) and any(isinstance(arg, _Regex) for arg in args):
                args = [guard.regex(arg) if isinstance(arg, _Regex) else arg for arg in args]
        if not (
            Functions.is_lambda(proc)
            or isinstance(proc, (Jsonata.JFunction, Jsonata.JLambda))
            or Functions.is_regex(proc)
        ):
            # The library's last branch, minus its print (jsonata-js: T1006).
            raise JException("T1006", 0)
        return super().apply_inner(proc, args, input, environment)

    def evaluate_range_expression(self, lhs: Any, rhs: Any) -> Any:
        """``[a..b]``: above the reference implementation's cap (1e7 items) fail in its words
        (the library's message table says 1e6, a typo of its port); between our own sequence
        bound and that cap, `_Guard.leave` fails it in ours. Both are D2014."""
        if _is_plain_int(lhs) and _is_plain_int(rhs) and rhs - lhs + 1 > _REFERENCE_RANGE_CAP:
            raise _FunctionError(
                "D2014: The size of the sequence allocated by the range operator (..) must not exceed "
                f"1e7.  Attempted to allocate {rhs - lhs + 1}."
            )
        return super().evaluate_range_expression(lhs, rhs)


_REFERENCE_RANGE_CAP: Final = 10_000_000


def _is_plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _compile_regex(pattern: str, flags: RegexFlags) -> _Regex:
    """The regex engine handed to the library's tokenizer: compiles a ``/pattern/flags``
    literal once, with the expression, on the bounded engine (`interpreter.regexes`).
    JSONata's flags are ``i`` and ``m``; the library always adds ``g`` (every function scans
    globally).

    Raises:
        ExpressionError: an invalid pattern, or one whose program would be too large.
    """
    compiled = compile_user_regex(pattern, ignore_case=flags.case_insensitive, multiline=flags.multiline)
    return _Regex(compiled, pattern)


class _Regex:
    """A compiled regex literal, shared by every evaluation of its expression.

    The library recognises it by its regex protocol (search, finditer, sub, split). Inside an
    evaluation `_BoundedJsonata` hands functions a `_RegexView` bound to that evaluation's
    deadline instead; should a regex reach the library some other way, these methods bound it
    with the default limits.
    """

    __slots__ = ("compiled", "source")

    def __init__(self, compiled: Any, source: str) -> None:
        self.compiled = compiled
        self.source = source

    def _default_view(self) -> _RegexView:
        return _RegexView(self, time.monotonic() + DEFAULT_LIMITS.timeout_ms / 1000, DEFAULT_LIMITS)

    def search(self, string: str) -> Any:
        return self._default_view().search(string)

    def finditer(self, string: str) -> Any:
        return self._default_view().finditer(string)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._default_view().sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self._default_view().split(string, maxsplit)


_REGEX_TIME_SHARE: Final = 0.55


class _RegexView:
    """A `_Regex` as one evaluation uses it: every match gets the time left until the
    evaluation's deadline, and results are held to the evaluation's size limits."""

    __slots__ = ("regex", "deadline", "limits")

    def __init__(self, regex: _Regex, deadline: float, limits: JsonataLimits) -> None:
        self.regex = regex
        self.deadline = deadline
        self.limits = limits

    def _time_left(self) -> float:
        # The engine reads its clock coarsely: measured, a catastrophic match stops up to 1.65x
        # its timeout late (plus ~0.1 s), so it gets a share of the time left that keeps the
        # whole evaluation within its budget. The engine reads 0 as "no time at all"; keep a
        # sliver so a cheap match still runs.
        return max((self.deadline - time.monotonic()) * _REGEX_TIME_SHARE, 0.001)

    def _timed_out(self) -> _FunctionError:
        return _FunctionError(
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
                    raise _FunctionError(_sequence_too_long(count, self.limits))
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
            replacement = expand(match)
            budget -= len(replacement) - (match.end() - match.start())
            if budget < 0:
                _check_string_length(self.limits.max_string_length - budget, self.limits)
            return replacement

        try:
            return self.regex.compiled.sub(counted, string, count, timeout=self._time_left())
        except TimeoutError:
            raise self._timed_out() from None

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        """Split at matches; never more pieces than the sequence limit."""
        cap = self.limits.max_sequence_items
        try:
            pieces = self.regex.compiled.split(string, min(maxsplit, cap) if maxsplit > 0 else cap, timeout=self._time_left())
        except TimeoutError:
            raise self._timed_out() from None
        if (maxsplit <= 0 or maxsplit > cap) and len(pieces) > cap:
            raise _FunctionError(_sequence_too_long(len(pieces), self.limits))
        return pieces


# ---------------------------------------------------------------------------------------------
# Step Functions' JSONata functions


class _FunctionError(JException):
    """A failure inside one of our functions, with its whole message.

    A JException subclass because the library rewraps any other exception raised under
    ``and``/``or`` as a bare "Unexpected" error.
    """

    def __init__(self, detail: str) -> None:
        super().__init__("D3137", -1, detail)  # D3137 is the library's "{{{message}}}" code
        self.detail = detail


class _Native(Jsonata.JFunctionCallable):
    """Adapts a Python callable to the library's function protocol (``call(input, args)``)."""

    def __init__(self, implementation: Callable[..., Any]) -> None:
        self.implementation = implementation

    def call(self, input: Any, args: Any) -> Any:  # noqa: A002 - the library's parameter name
        return self.implementation(*(args or ()))


def _function(signature: str, implementation: Callable[..., Any]) -> Jsonata.JFunction:
    """A library function object; the signature makes the library check arity and types
    (T0410 etc., as for built-in functions)."""
    return Jsonata.JFunction(_Native(implementation), signature)


def _is_undefined(value: Any) -> bool:
    return value is None


def _partition(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$partition(array, size)``: chunks of `size` items, the last one possibly shorter
    (AWS docs; recorded: ``$partition([0,1,2], 2)`` -> ``[[0,1],[2]]``, singletons kept as
    arrays: ``$partition([0], 1)`` -> ``[[0]]``)."""

    def partition(array: Any, size: Any) -> Any:
        if _is_undefined(array) or _is_undefined(size):
            return None
        if not is_integer(size) or size < 1:
            raise _FunctionError("The chunk size argument of $partition must be a positive integer")
        items = list(array)
        step = int(size)
        return [items[start : start + step] for start in range(0, len(items), step)]

    return _function("<an:a>", partition)


def _range(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$range(start, end, step)``: start, start+step, ... up to and including `end` (AWS
    docs; recorded: ``$range(0, 10, 3)`` -> ``[0,3,6,9]``). The result is a JSONata sequence:
    recorded ``$range(1, 9, 9)`` -> ``1``, a singleton unwrapped as JSONata does."""

    def range_(start: Any, end: Any, step: Any) -> Any:
        if _is_undefined(start) or _is_undefined(end) or _is_undefined(step):
            return None
        if step == 0:
            raise _FunctionError("The step argument of $range must not be zero")
        if (start > end and step > 0) or (start < end and step < 0):
            return []
        count = math.floor((end - start) / step) + 1
        if count > limits.max_sequence_items:
            # Checked before building it; the same bound as every other sequence.
            raise _FunctionError(_sequence_too_long(count, limits))
        if all(isinstance(value, int) for value in (start, end, step)):
            values: list[Any] = list(range(start, start + count * step, step))
        else:
            values = [_js_number(start + index * step) for index in range(count)]
        return Utils.create_sequence_from_iter(values)

    return _function("<nnn:a>", range_)


_HASH_ALGORITHMS: Final[Mapping[str, Callable[[bytes], Any]]] = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}


def _hash(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$hash(data, algorithm)``: hex digest of the UTF-8 text with MD5, SHA-1, SHA-256,
    SHA-384 or SHA-512 (AWS docs; same algorithms and output as ``States.Hash``)."""

    def hash_(data: Any, algorithm: Any) -> Any:
        if _is_undefined(data) or _is_undefined(algorithm):
            return None
        digest = _HASH_ALGORITHMS.get(algorithm)
        if digest is None:
            supported = ", ".join(_HASH_ALGORITHMS)
            raise _FunctionError(f"The hash algorithm '{algorithm}' is not supported; use one of: {supported}")
        return digest(data.encode("utf-8", "surrogatepass")).hexdigest()

    return _function("<ss:s>", hash_)


def _random(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$random([seed])``: a number in [0, 1); with a seed, the same number for the same seed
    (AWS docs). Unseeded numbers come from the injected random source."""

    def random_(seed: Any = None) -> float:
        if _is_undefined(seed):
            return world.rng.random()
        return random.Random(seed).random()

    return _function("<n?:n>", random_)


def _uuid(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$uuid()``: a version 4 UUID (AWS docs), drawn from the injected random source."""

    def uuid_() -> str:
        return str(uuid.UUID(int=world.rng.getrandbits(128), version=4))

    return _function("<:s>", uuid_)


def _parse(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$parse(text)``: JSON text to a value (AWS docs; recorded: ``"-0"`` -> ``0``,
    ``"[1, 2, \\"HelloWorld\\"]"`` -> ``[1,2,"HelloWorld"]``). JSON only, never code."""

    def parse(text: Any) -> Any:
        if _is_undefined(text):
            return None
        try:
            value = strict_loads(text)
        except (ValueError, RecursionError):
            raise _FunctionError("The argument of $parse must be a valid JSON string") from None
        return _to_jsonata(value)

    return _function("<s-:x>", parse)


def _distinct(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$distinct(array)``, replacing the library's: it compares with Python ``==``
    (``$distinct([1, true])`` gave ``[1]``; JSONata keeps both) in quadratic time (62 s for
    1e5 items, beyond any time check). Deep equality by a hashable key, in one pass."""

    def distinct(array: Any) -> Any:
        if not isinstance(array, list) or len(array) <= 1:
            return array
        seen: set[Any] = set()
        kept = [item for item in array if not (_identity(item) in seen or seen.add(_identity(item)))]
        return Utils.create_sequence_from_iter(kept) if isinstance(array, Utils.JList) else kept

    return _function("<x:x>", distinct)


def _identity(value: Any) -> Any:
    """A hashable key equal for deep-equal JSONata values (numbers by value, not booleans)."""
    if value is None or value is Utils.NULL_VALUE:
        return ("null",)
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(_identity(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _identity(item)) for key, item in value.items()))
    return ("function", id(value))


def _epoch_millis(world: World) -> int:
    now = world.now if world.now.tzinfo is not None else world.now.replace(tzinfo=timezone.utc)
    return int(now.timestamp() * 1000)


def _now(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$now([picture[, timezone]])``: the injected instant as an ISO 8601 timestamp with
    milliseconds, or formatted like ``$fromMillis`` (JSONata)."""

    def now(picture: Any = None, zone: Any = None) -> Any:
        _check_picture("now", picture, limits)
        return Functions.datetime_from_millis(_epoch_millis(world), picture, zone)

    return _function("<s?s?:s>", now)


def _millis(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$millis()``: the injected instant in milliseconds since the epoch (JSONata)."""

    def millis() -> int:
        return _epoch_millis(world)

    return _function("<:n>", millis)


# ---------------------------------------------------------------------------------------------
# Built-ins replaced so that they check their result size before allocating it, or so that
# they fail in JSONata's words instead of Python's. Same names and signatures as the
# library's (jsonata-js 2.0.6 semantics, functions.js).


def _pad(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$pad(str, width[, char])``: the library builds the padding before any check
    (``$pad('x', 1e10)`` asked for 10 GB); |width| is the result's length, so check it first."""

    def pad(string: Any, width: Any, char: Any = None) -> Any:
        if isinstance(width, (int, float)) and not isinstance(width, bool):
            _check_string_length(int(min(abs(width), sys.maxsize)), limits)
        return Functions.pad(string, width, char)

    return _function("<s-ns?:s>", pad)


def _join(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$join(array[, separator])``: the total length is known before joining (100,000
    references to one 10 MB string would otherwise make a 1 TB string)."""

    def join(strings: Any, separator: Any = None) -> Any:
        if isinstance(strings, list) and strings:
            gaps = len(separator) * (len(strings) - 1) if isinstance(separator, str) else 0
            _check_string_length(sum(len(item) for item in strings if isinstance(item, str)) + gaps, limits)
        return Functions.join(strings, separator)

    return _function("<a<s>s?:s>", join)


def _split(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$split(str, separator[, limit])``: the number of pieces of a string separator is
    counted before splitting (the library looped in Python over each character for ``''``); a
    regex separator is scanned through its bounded view and, as in jsonata-js, the pieces are
    the text between matches, without the captures Python's ``split`` would insert."""

    def split(string: Any, separator: Any, limit: Any = None) -> Any:
        if string is None:
            return None
        if limit is not None and limit < 0:
            raise JException("D3020", -1, string)
        count = None if limit is None else int(limit)
        if count == 0:
            return []
        if isinstance(separator, str):
            pieces = len(string) if separator == "" else string.count(separator) + 1
            if min(pieces, count if count is not None else pieces) > limits.max_sequence_items:
                raise _FunctionError(_sequence_too_long(pieces, limits))
            items = list(string) if separator == "" else string.split(separator)
            return items[:count] if count is not None else items
        items = []
        start = 0
        for match in separator.finditer(string):
            if count is not None and len(items) >= count:
                break
            items.append(string[start : match.start()])
            start = match.end()
        if count is None or len(items) < count:
            items.append(string[start:])
        return items

    return _function("<s-(sf)n?:a<s>>", split)


def _replace(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$replace(str, pattern, replacement[, limit])`` as jsonata-js does it, bounded.

    The library's version re-copies the rest of the string at every occurrence (quadratic:
    minutes for 10^7 occurrences, uninterruptible), rewrites ``$n`` into Python templates
    (so a backslash in the replacement was an escape) and, with a limit, re-scans its own
    output. jsonata-js: a string pattern inserts the replacement text as it is; a regex
    pattern expands ``$0``, ``$n`` and ``$$`` in it, or calls a replacement function with the
    match object. The result size is checked before (string pattern) or while (regex) it is
    built.
    """

    def replace(string: Any, pattern: Any, replacement: Any, limit: Any = None) -> Any:
        if string is None:
            return None
        if pattern == "":
            raise JException("D3010", -1)
        if limit is not None and limit < 0:
            raise JException("D3011", -1)
        count = None if limit is None else math.ceil(limit)  # JS counts while count < limit
        if count == 0:
            return string
        if isinstance(pattern, str):
            occurrences = string.count(pattern) if count is None else min(string.count(pattern), count)
            if isinstance(replacement, str):
                _check_string_length(len(string) + occurrences * (len(replacement) - len(pattern)), limits)
                return string.replace(pattern, replacement, -1 if count is None else count)
            return _replace_literal_by_function(string, pattern, replacement, count, limits)
        if isinstance(replacement, str):
            return pattern.sub(lambda match: _js_substitute(replacement, match), string, count or 0)
        return pattern.sub(lambda match: _replacement_call(replacement, match), string, count or 0)

    return _function("<s-(sf)(sf)n?:s>", replace)


def _replace_literal_by_function(string: str, pattern: str, function: Any, count: int | None, limits: JsonataLimits) -> str:
    """A string pattern with a replacement function: the function gets each occurrence as a
    match object (jsonata-js would insert the function's source text; no state needs that)."""
    parts: list[str] = []
    position = 0
    total = 0
    while count is None or len(parts) // 2 < count:
        index = string.find(pattern, position)
        if index < 0:
            break
        replacement = _replacement_call(function, _LiteralMatch(pattern, index))
        total += index - position + len(replacement)
        _check_string_length(total, limits)
        parts += (string[position:index], replacement)
        position = index + len(pattern)
    parts.append(string[position:])
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _LiteralMatch:
    """The part of a regex match object `_replacement_call` reads, for a string pattern."""

    text: str
    index: int

    def group(self, number: int = 0) -> str:
        return self.text

    def groups(self) -> tuple[str | None, ...]:
        return ()

    def start(self) -> int:
        return self.index

    def end(self) -> int:
        return self.index + len(self.text)


def _replacement_call(function: Any, match: Any) -> str:
    """jsonata-js calls the function with the matcher's object: match, start, end, groups
    (captures only, unmatched ones undefined); anything but a string result is D3012."""
    argument = {
        "match": match.group(),
        "start": match.start(),
        "end": match.end(),
        "groups": list(match.groups()),
    }
    result = Functions.func_apply(function, [argument])
    if not isinstance(result, str):
        raise JException("D3012", -1)
    return result


_LOG10E: Final = 0.4342944819032518  # JavaScript's Math.LOG10E


def _js_substitute(replacement: str, match: Any) -> str:
    """The text for one regex match: jsonata-js's replacer, step by step (``$$`` is ``$``,
    ``$0`` the match, ``$n`` capture n read greedily with as many digits as the count of
    captures has, else one digit fewer; an unmatched or missing capture is empty; a ``$``
    followed by anything else stays literal)."""
    groups = match.groups()
    out: list[str] = []
    position = 0
    index = replacement.find("$", position)
    while index != -1 and position < len(replacement):
        out.append(replacement[position:index])
        position = index + 1
        dollar_value = replacement[position : position + 1]
        if dollar_value == "$":
            out.append("$")
            position += 1
        elif dollar_value == "0":
            out.append(match.group())
            position += 1
        else:
            max_digits = 1 if not groups else math.floor(math.log(len(groups)) * _LOG10E) + 1
            number = _js_parse_int(replacement[position : position + max_digits])
            if max_digits > 1 and number is not None and number > len(groups):
                number = _js_parse_int(replacement[position : position + max_digits - 1])
            if number is None:
                out.append("$")
            else:
                if groups and 0 <= number - 1 < len(groups) and groups[number - 1] is not None:
                    out.append(groups[number - 1])
                position += len(str(number))
        index = replacement.find("$", position)
    out.append(replacement[position:])
    return "".join(out)


_JS_INT_PREFIX: Final = re.compile(r"\s*([+-]?\d+)")


def _js_parse_int(text: str) -> int | None:
    """JavaScript's ``parseInt(text, 10)``; None where it gives NaN."""
    found = _JS_INT_PREFIX.match(text)
    return None if found is None else int(found.group(1))


# jsonata-js ``$number``: decimal JSON-like numbers, and 0x/0o/0b integers.
_JS_DECIMAL: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[Ee][-+]?[0-9]+)?")
_JS_PREFIXED: Final = re.compile(r"0(?:([xX])[0-9A-Fa-f]+|([oO])[0-7]+|([bB])[01]+)")
_PREFIX_BASES: Final[Mapping[str, int]] = {"x": 16, "o": 8, "b": 2}


def _number(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$number(arg)`` as jsonata-js: booleans 1/0, numbers as they are, strings that are
    decimal numbers or 0x/0o/0b integers; anything else fails with D3030 (the library let
    Python's ``float('x')`` ValueError through)."""

    def number(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            if _JS_DECIMAL.fullmatch(value):
                converted = float(value)
                if math.isfinite(converted):  # jsonata-js: isFinite(arg)
                    return converted
            elif _JS_PREFIXED.fullmatch(value):
                integer = int(value[2:], _PREFIX_BASES[value[1].lower()])
                if integer > _LARGEST_DOUBLE:
                    raise _FunctionError("D1001: Number out of range: Infinity")
                return integer
        raise JException("D3030", -1, value)

    return _function("<(nsb)-:n>", number)


def _power(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$power(base, exponent)``: D3061 whenever the result is no JSON number, including the
    overflow (``$power(2, 1e6)``) and the complex results Python gives where JavaScript gives
    NaN (``$power(-8, 1/3)``)."""

    def power(base: Any, exponent: Any) -> Any:
        if base is None:
            return None
        try:
            result = math.pow(float(base), float(exponent))
        except (OverflowError, ValueError):
            raise JException("D3061", -1, base, exponent) from None
        if not math.isfinite(result):
            raise JException("D3061", -1, base, exponent)
        return result

    return _function("<n-n:n>", power)


# name: (the library's signature, its Functions method, position of the picture argument)
_PICTURE_FUNCTIONS: Final[Mapping[str, tuple[str, str, int]]] = {
    "formatNumber": ("<n-so?:s>", "format_number", 1),
    "formatInteger": ("<n-s:s>", "format_integer", 1),
    "parseInteger": ("<s-s:n>", "parse_integer", 1),
    "toMillis": ("<s-s?:n>", "datetime_to_millis", 1),
    "fromMillis": ("<n-s?s?:s>", "datetime_from_millis", 1),
}


def _check_picture(name: str, picture: Any, limits: JsonataLimits) -> None:
    if isinstance(picture, str) and len(picture) > limits.max_picture_length:
        raise _FunctionError(
            f"The picture string of ${name} has {len(picture)} characters, more than the "
            f"{limits.max_picture_length} this implementation allows"
        )


def _picture_function(name: str) -> Callable[[World, JsonataLimits], Jsonata.JFunction]:
    """The library's ``$name``, with its picture argument held to `max_picture_length` first
    (the library parses pictures character by character in Python)."""
    signature, method_name, position = _PICTURE_FUNCTIONS[name]
    method = getattr(Functions, method_name)
    arity = len(inspect.signature(method).parameters)

    def factory(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
        def checked(*args: Any) -> Any:
            if len(args) > position:
                _check_picture(name, args[position], limits)
            return Functions._call(method, arity, args)

        return _function(signature, checked)

    return factory


_FUNCTION_FACTORIES: Final[Mapping[str, Callable[[World, JsonataLimits], Jsonata.JFunction]]] = {
    "partition": _partition,
    "range": _range,
    "hash": _hash,
    "random": _random,
    "uuid": _uuid,
    "parse": _parse,
    "now": _now,
    "millis": _millis,
    "distinct": _distinct,
    "pad": _pad,
    "join": _join,
    "split": _split,
    "replace": _replace,
    "number": _number,
    "power": _power,
    **{name: _picture_function(name) for name in _PICTURE_FUNCTIONS},
}



def _check_function_table() -> None:
    """Import-time check: every factory builds a function, and no reserved name is taken."""
    for name, factory in _FUNCTION_FACTORIES.items():
        if name in {"eval", "states"} or not isinstance(factory(World(), DEFAULT_LIMITS), Jsonata.JFunction):
            raise RuntimeError(f"bad JSONata function table entry: {name}")


_check_function_table()
