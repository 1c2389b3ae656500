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
  ``States.QueryEvaluationError``; every evaluation is bounded in time and depth.
"""

from __future__ import annotations

import functools
import hashlib
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
from jsonata.utils import Utils

from interpreter.errors import ErrorName, ExpressionError, StatesError
from interpreter.jsontypes import ABSENT, JSON, is_integer
from interpreter.jsontypes import loads as strict_loads
from interpreter.scope import Scope, World

# `import jsonata` sets sys.setrecursionlimit(10000) for the whole process. We keep a limit of
# at least that on purpose: one JSONata evaluation level costs 4-8 Python frames (measured:
# ~4 for plain recursion, ~8 through $sort comparators), so the 500-level depth bound below
# needs ~4,000 Python frames, more than Python's default 1,000. Anything deeper still ends as a
# RecursionError, which `_run` converts. Said here so the process-wide effect is not a surprise.
PYTHON_RECURSION_LIMIT: Final = 10_000
if sys.getrecursionlimit() < PYTHON_RECURSION_LIMIT:  # pragma: no cover - the import already did it
    sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonataLimits:
    """Bounds on one evaluation, so no expression can hang or exhaust a worker.

    Attributes:
        timeout_ms: wall-clock budget of one evaluation (checked at every evaluation step).
        max_depth: deepest nesting of evaluation steps (a non-tail recursion of depth N uses
            about 5 N steps).
        max_sequence_items: most items any intermediate array may hold, ``$range`` and the
            range operator ``[a..b]`` included. The reference implementation caps ranges at
            1e7 (D2014), but the library's built-in functions loop in Python without passing
            the time check (``$sum([1..10000000])`` takes ~20 s, ``$map`` with a built-in
            function ~11 us per item), so a smaller cap is what keeps them within the time
            budget. Step Functions payloads (256 KiB) cannot carry arrays this large anyway.
        max_string_length: longest intermediate string.
    """

    timeout_ms: int = 1000
    max_depth: int = 500
    max_sequence_items: int = 100_000
    max_string_length: int = 10_000_000


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

    def evaluate(self, scope: Scope, limits: JsonataLimits = DEFAULT_LIMITS) -> JSON:
        """The expression's value as plain JSON, or ABSENT when it is undefined.

        Raises:
            JsonataEvaluationError: any runtime failure (a `StatesError`
                ``States.QueryEvaluationError``), including the time and depth bounds.
        """
        return _run(self, scope, limits)


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
        compiled = Jsonata(source)
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


def evaluate_field(expr: JsonataExpression, scope: Scope, field: str, limits: JsonataLimits = DEFAULT_LIMITS) -> JSON:
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
    bound a cached expression; this counts every step and starts at each evaluation.
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
        # Every step's value passes here, so no intermediate array or string can outgrow the
        # limits by more than one built-in function call (len() is O(1), RangeList included).
        if isinstance(result, list):
            # RangeList's len() counts one item too many (b - a + 1 with b exclusive).
            size = len(range(result.a, result.b)) if isinstance(result, Utils.RangeList) else len(result)
            if size > self.limits.max_sequence_items:
                raise _FunctionError(_sequence_too_long(size, self.limits))
        if isinstance(result, str) and len(result) > self.limits.max_string_length:
            raise _FunctionError(
                f"D2014: The length of the string ({len(result)} characters) exceeds the limit of "
                f"{self.limits.max_string_length} characters of this implementation"
            )


def _sequence_too_long(size: int, limits: JsonataLimits) -> str:
    # Worded after the reference implementation's range cap (D2014); the limit is ours.
    return (
        f"D2014: The size of the sequence allocated ({size} items) must not exceed "
        f"{limits.max_sequence_items} items in this implementation"
    )


def _run(expr: JsonataExpression, scope: Scope, limits: JsonataLimits) -> JSON:
    try:
        bindings = _bindings(expr.names, scope, limits)
        guard = _Guard(limits)
        bindings["__evaluate_entry"] = guard.enter
        bindings["__evaluate_exit"] = guard.leave
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
        return Functions.datetime_from_millis(_epoch_millis(world), picture, zone)

    return _function("<s?s?:s>", now)


def _millis(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$millis()``: the injected instant in milliseconds since the epoch (JSONata)."""

    def millis() -> int:
        return _epoch_millis(world)

    return _function("<:n>", millis)


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
}



def _check_function_table() -> None:
    """Import-time check: every factory builds a function, and no reserved name is taken."""
    for name, factory in _FUNCTION_FACTORIES.items():
        if name in {"eval", "states"} or not isinstance(factory(World(), DEFAULT_LIMITS), Jsonata.JFunction):
            raise RuntimeError(f"bad JSONata function table entry: {name}")


_check_function_table()
