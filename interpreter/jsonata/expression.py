"""JSONata for Step Functions: compile ``{% ... %}`` once, evaluate it against a `Scope`.

The public adapter around ``jsonata`` (jsonata-python): the rest of the interpreter imports
JSONata only through this module, and only the `interpreter.jsonata` modules behind it import
the library. It adds what AWS adds on top of JSONata 2.0.6 and keeps the library's quirks inside:

* syntax: JSONata 2.0.6's, which AWS pins; the library implements 2.1, whose ``??`` and ``?:``
  operators are refused as 2.0.6 refuses them (`interpreter.jsonata.syntax`);

* bindings: ``$states`` (input, context, result, errorOutput), every workflow variable, and the
  Step Functions functions ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid``,
  ``$parse``, supplied as library function objects (no source splicing); ``$now``/``$millis``
  read the injected clock and ``$random``/``$uuid`` the injected random source
  (`interpreter.jsonata.functions`);
* ``$eval`` is refused (it would run code taken from data);
* values cross the boundary as plain JSON (`interpreter.jsonata.values`);
* every failure, including the library's own Python errors, becomes a `StatesError`
  ``States.QueryEvaluationError``;
* every evaluation is bounded (`JsonataLimits`, from ``scope.world.limits``): time, depth,
  sequence and string sizes, checked at every step (`interpreter.jsonata.bounds`); regex
  literals run on the ``regex`` package with the evaluation's remaining time as their timeout
  (`interpreter.jsonata.regex_literals`); the built-ins whose result size follows from their arguments
  (``$pad``, ``$join``, ``$replace``, ``$split``) check it before they allocate
  (`interpreter.jsonata.bounded_builtins`).
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Final

from jsonata import Jsonata
from jsonata.jexception import JException

from interpreter.errors import ErrorName, ExpressionError, JsonataEvaluationError, StatesError
from interpreter.jsonata.base import DEFAULT_LIMITS, FunctionError
from interpreter.jsonata.bounds import GUARD_BINDING, RESERVED_NAMES, BoundedJsonata, Guard
from interpreter.jsonata.fast import BAIL, FastProgram, compile_fast
from interpreter.jsonata.functions import FUNCTION_FACTORIES
from interpreter.jsonata.regex_literals import compile_regex
from interpreter.jsonata.syntax import check_syntax
from interpreter.jsonata.values import js_stringify, to_json, to_jsonata
from interpreter.jsontypes import ABSENT, JSON
from interpreter.limits import JsonataLimits
from interpreter.scope import Scope

__all__ = [
    "DEFAULT_LIMITS",
    "PYTHON_RECURSION_LIMIT",
    "JsonataExpression",
    "JsonataLimits",
    "compile_jsonata",
    "evaluate_field",
    "is_jsonata_template",
]


# `import jsonata` sets sys.setrecursionlimit(10000) for the whole process. We keep a limit of
# at least that on purpose: one JSONata evaluation level costs 4-8 Python frames (measured:
# ~4 for plain recursion, ~8 through $sort comparators), so the 500-level depth bound
# (`JsonataLimits.max_depth`, checked by `interpreter.jsonata.bounds.Guard`) needs ~4,000
# Python frames, more than Python's default 1,000. Anything deeper still ends as a
# RecursionError, which `_run` converts. Said here so the process-wide effect is not a surprise.
PYTHON_RECURSION_LIMIT: Final = 10_000
if sys.getrecursionlimit() < PYTHON_RECURSION_LIMIT:  # pragma: no cover - the import already did it
    sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)


_QUERY_EVALUATION_ERROR: Final = ErrorName.QUERY_EVALUATION_ERROR.value


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
    # The fast form (`interpreter.jsonata.fast`) when the expression is in its subset.
    _fast: FastProgram | None = field(default=None, repr=False, compare=False)

    @property
    def parse_tree(self) -> Any:
        """The library's parse tree of the expression, for tools that read what it refers to (it
        is the library's own structure: read it, never change it)."""
        return self._compiled.ast

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
        check_syntax(source, compile_regex)  # JSONata 2.0.6 has no ?? and ?: operators
        compiled = BoundedJsonata(source, compile_regex)
    except ExpressionError:
        raise
    except JException as error:
        raise ExpressionError(_describe(error)) from None
    except RecursionError:
        raise ExpressionError("The JSONata expression is nested too deeply") from None
    except Exception as error:
        raise ExpressionError(f"The JSONata expression could not be parsed: {type(error).__name__}") from None
    if compiled.get_errors():  # pragma: no cover - recovery mode is never switched on
        raise ExpressionError("The JSONata expression could not be parsed")
    # Null and undefined must stay distinct on the way out (see `interpreter.jsonata.values.to_json`).
    compiled.set_output_convert_nulls(False)
    return JsonataExpression(
        text, source, frozenset(_VARIABLE_NAME.findall(source)), compiled, compile_fast(compiled.ast)
    )


def evaluate_field(
    expr: JsonataExpression, scope: Scope, field: str, limits: JsonataLimits | None = None
) -> JSON:
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


def _run(expr: JsonataExpression, scope: Scope, limits: JsonataLimits) -> JSON:
    try:
        reserved = expr.names & RESERVED_NAMES
        if reserved:
            name = min(reserved)
            raise FunctionError(f"The variable name ${name} is reserved by this implementation")
        if expr._fast is not None:
            # Most expressions: answered without the library; anything unusual, including
            # every error, is evaluated again by the library below (`interpreter.jsonata.fast`).
            value = expr._fast.run(scope, limits)
            if value is not BAIL:
                return value
        guard = Guard(limits)
        bindings = _bindings(expr.names, scope, limits)
        bindings["__evaluate_entry"] = guard.enter
        bindings["__evaluate_exit"] = guard.leave
        bindings[GUARD_BINDING] = guard
        # ALWAYS a bindings mapping: with None the library binds `$` into the compiled object
        # itself. `$` at the top level is undefined (AWS rejects `$`/`$$` there anyway).
        raw = expr._compiled.evaluate(None, bindings)
        return to_json(raw)
    except JsonataEvaluationError:
        raise
    except FunctionError as error:
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
    except Exception as error:
        raise JsonataEvaluationError(expr.source, f"{type(error).__name__}: {error}") from None


def _bindings(names: frozenset[str], scope: Scope, limits: JsonataLimits) -> dict[str, Any]:
    """The library bindings for one evaluation: AWS functions, then variables, then $states.

    Later entries win: a workflow variable shadows an AWS function of the same name, as a
    JSONata binding shadows a registered function; ``$states`` is reserved and always wins.
    """
    bindings: dict[str, Any] = {}
    world = scope.world
    for name in names & FUNCTION_FACTORIES.keys():
        bindings[name] = FUNCTION_FACTORIES[name](world, limits)
    if "eval" in names:
        # $eval would evaluate text taken from data; bound to nothing it fails like any
        # unknown function (T1006). AWS's own wording for $eval is not recorded.
        bindings["eval"] = None
    for name in names & scope.variables.keys():
        bindings[name] = to_jsonata(scope.variables[name])
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
            states[key] = to_jsonata(value)
    return states


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
        return js_stringify(value)  # {{x}}: inserted as JSON.stringify(x)

    message = _PLACEHOLDER.sub(fill, template)
    return f"{code}: {_PORT_ARTEFACT.sub('function', message)}"
