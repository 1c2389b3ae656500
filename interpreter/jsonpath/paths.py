"""JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics).

This is the only module that imports `jsonpath_ng`. A path is compiled once (`compile_path`,
memoised) into an immutable `Path`; resolving it is cheap:

* a *definite* path (only ``.name``, ``['name']`` and ``[index]`` steps) is walked by our own
  step walker, which also reproduces Jayway's wording when the walk fails;
* an *indefinite* path (wildcard, ``..``, filter, slice, union) is handed to a `jsonpath_ng.ext`
  expression parsed at compile time, and always yields a list (``[]`` when nothing matches).

Three roots exist: ``$`` (the current value), ``$$`` (the context object) and ``$name``
(workflow variable ``name``, added to JSONPath states on 2024-11-22).

`ReferencePath` and `set_at` implement ``ResultPath``: a definite path on ``$`` whose target is
created (or replaced) by copying only the spine of objects that lead to it.

Bounded (`JsonPathLimits`, from ``scope.world.limits.jsonpath``): a path with recursive descent
(``..``) or a regex filter (``=~``) is evaluated on a copy of its engine tree whose descent
walks count every value they visit and collect against one budget of steps and time per
query (``$..*..*`` visits quadratically many values, and a filter holding ``$..x`` repeats
that walk for every candidate), and whose regexes run on the bounded engine
(`interpreter.regexes`) with the time left. The copy is made per query, so the cached tree
stays immutable and no state is shared between queries.
"""

from __future__ import annotations

import copy
import functools
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

from jsonpath_ng import DatumInContext, Descendants, Fields, Index
from jsonpath_ng import JSONPath as _EnginePath
from jsonpath_ng.ext import parse as _engine_parse
from jsonpath_ng.ext.filter import Expression as _EngineExpression

from interpreter.errors import ErrorName, ExpressionError, PathMissing, StatesError, dumps_lenient
from interpreter.jsontypes import JSON
from interpreter.limits import JsonPathLimits
from interpreter.regexes import compile_user_regex, timeout_until
from interpreter.scope import Scope

__all__ = [
    "Path",
    "ReferencePath",
    "compile_path",
    "compile_reference_path",
    "set_at",
]

Step: TypeAlias = str | int
"""One step of a definite path: an object key (str) or an array index (int)."""

Root: TypeAlias = Literal["input", "context", "variable"]

# Workflow variable names: a letter or underscore, then letters, digits, underscores
# (AWS developer guide, "Passing data between states with variables").
_VARIABLE_RE: Final = re.compile(r"\$([^\W\d]\w*)")
_INDEX_RE: Final = re.compile(r"\s*(-?\d+)\s*")
# Jayway reads a dot-notation property up to the next '.', '[' or '(' (PathCompiler).
_DOT_NAME_END: Final = frozenset(".[(")

# Jayway builds its "not an object" messages from the Java class of the value and the name of
# its JsonProvider (PropertyPathToken / PathToken). The provider AWS uses is not recorded; these
# are the names Jayway's default provider (json-smart) would print.
_JSON_PROVIDER: Final = "com.jayway.jsonpath.spi.json.JsonSmartJsonProvider"
_JAVA_INT_MAX: Final = 2**31 - 1


# --------------------------------------------------------------------------------------------
# Tokenising
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Segment:
    """One lexical step of a path body.

    `step` is set for simple steps (key or index); `engine_text` is what the step becomes in the
    `jsonpath_ng` syntax (simple keys are re-quoted so any Jayway name survives that lexer).
    """

    step: Step | None
    engine_text: str


def _quote(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"


def _find_bracket_end(text: str, body: str, start: int) -> int:
    """Index of the ``]`` closing the ``[`` at `start`, skipping quoted text and parentheses."""
    depth = 0
    quote: str | None = None
    i = start + 1
    while i < len(body):
        c = body[i]
        if quote is not None:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "]" and depth == 0:
            return i
        i += 1
    raise ExpressionError(f"'{text}' has an unclosed '['")


def _unquote(content: str) -> str | None:
    """The key named by a bracket holding one quoted string, or None if it is something else.

    A backslash keeps the next character from closing the name, and both stay in the key: AWS
    resolved ``$['Test\\""Name"']`` to the input key ``Test\\""Name"``, backslash included
    (a recorded execution, derived conformance case ``test_escape_sequence_parsing``): the
    bracket's text is taken as it is, as Jayway did before it unescaped names.
    """
    content = content.strip()
    if len(content) < 2 or content[0] not in "'\"" or content[-1] != content[0]:
        return None
    quote = content[0]
    out: list[str] = []
    i = 1
    while i < len(content) - 1:
        c = content[i]
        if c == "\\" and i + 1 < len(content) - 1:
            out.append(content[i : i + 2])
            i += 2
            continue
        if c == quote:
            return None  # several quoted names: a union such as ['a','b']
        out.append(c)
        i += 1
    return "".join(out)


def _tokenise(text: str, body: str) -> tuple[_Segment, ...]:
    """Split `body`, the part of `text` after the root, into segments (Jayway's PathCompiler
    rules, simplified)."""
    segments: list[_Segment] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if body.startswith("..", i):
            j = i + 2
            if j < n and body[j] == "[":
                end = _find_bracket_end(text, body, j)
                segments.append(_Segment(None, body[i : end + 1]))
                i = end + 1
                continue
            k = j
            while k < n and body[k] not in _DOT_NAME_END:
                k += 1
            name = body[j:k]
            if not name:
                raise ExpressionError(f"'{text}' has an empty name after '..'")
            segments.append(_Segment(None, ".." + ("*" if name == "*" else _quote(name))))
            i = k
        elif c == ".":
            k = i + 1
            while k < n and body[k] not in _DOT_NAME_END:
                k += 1
            name = body[i + 1 : k]
            if k < n and body[k] == "(":
                # Jayway functions (.length(), .min() ...) are not supported here.
                raise ExpressionError(f"'{text}' calls a path function, which is not supported")
            if not name:
                raise ExpressionError(f"'{text}' has an empty property name")
            if "]" in name:
                raise ExpressionError(f"'{text}' has an unmatched ']'")
            if " " in name:
                # Jayway: "Use bracket notion ['my prop'] if your property contains blank characters"
                raise ExpressionError(f"'{text}' has a blank in a property name")
            if name == "*":
                segments.append(_Segment(None, ".*"))
            else:
                segments.append(_Segment(name, _quote(name)))
            i = k
        elif c == "[":
            end = _find_bracket_end(text, body, i)
            content = body[i + 1 : end]
            key = _unquote(content)
            index = _INDEX_RE.fullmatch(content)
            if key is not None:
                segments.append(_Segment(key, _quote(key)))
            elif index is not None:
                value = int(index.group(1))
                segments.append(_Segment(value, f"[{value}]"))
            elif not content.strip():
                raise ExpressionError(f"'{text}' has an empty '[]'")
            else:
                segments.append(_Segment(None, body[i : end + 1]))
            i = end + 1
        else:
            raise ExpressionError(f"'{text}' has an unexpected character {c!r}")
    return tuple(segments)


def _split_root(text: str) -> tuple[Root, str | None, str]:
    """(root, variable name, body after the root) of a path text."""
    if text.startswith("$$"):
        return "context", None, text[2:]
    if text.startswith("$") and (len(text) == 1 or text[1] in ".["):
        return "input", None, text[1:]
    match = _VARIABLE_RE.match(text)
    if match is not None:
        body = text[match.end() :]
        if body == "" or body[0] in ".[":
            return "variable", match.group(1), body
    raise ExpressionError(f"'{text}' is not a valid JSONPath (it must start with '$', '$$' or '$name')")


# --------------------------------------------------------------------------------------------
# Jayway's messages
# --------------------------------------------------------------------------------------------


def _fragment(step: Step) -> str:
    """Jayway's rendering of one step (PropertyPathToken / ArrayIndexToken)."""
    return f"['{step}']" if isinstance(step, str) else f"[{step}]"


def _render(steps: tuple[Step, ...]) -> str:
    """Jayway's normalised path text; ``$$`` and ``$name`` roots render as ``$`` as in AWS."""
    return "$" + "".join(_fragment(s) for s in steps)


def _java_class(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer" if -_JAVA_INT_MAX - 1 <= value <= _JAVA_INT_MAX else "java.lang.Long"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, list):
        return "net.minidev.json.JSONArray"
    return "net.minidev.json.JSONObject"


def _java_string(value: JSON) -> str:
    return value if isinstance(value, str) else dumps_lenient(value)


# --------------------------------------------------------------------------------------------
# Path
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Path:
    """A compiled JSONPath: ``$...``, ``$$...`` or ``$name...``.

    Attributes:
        text: the original text.
        root: which document the path starts from.
        variable: the variable name when `root` is ``"variable"``.
        definite: True when the path names at most one value (no wildcard, filter, slice,
            recursive descent or union); such a path resolves to the value itself.
    """

    text: str
    root: Root
    variable: str | None
    definite: bool
    _steps: tuple[Step, ...] = field(repr=False, compare=False)
    _engine: _EnginePath | None = field(repr=False, compare=False)
    # True when the engine tree holds a descent or a regex filter, which run under a budget.
    _costly: bool = field(default=False, repr=False, compare=False)

    @property
    def steps(self) -> tuple[Step, ...]:
        """A definite path's steps below its root: names and indexes (empty for the root)."""
        return self._steps

    def resolve(self, scope: Scope) -> JSON:
        """Evaluate against the scope.

        Returns the value for a definite path, the list of matches for an indefinite one.

        Raises:
            PathMissing: a definite path matched nothing.
            StatesError: States.Runtime, the variable is not defined.
        """
        if self._engine is None:
            return self._walk(self._document(scope))
        return self.resolve_in(self._document(scope), scope.world.limits.jsonpath)

    def resolve_in(self, document: JSON, limits: JsonPathLimits | None = None) -> JSON:
        """Evaluate the path's body against `document` (the root already chosen), within
        `limits` (default: `JsonPathLimits()`).

        Raises:
            PathMissing: a definite path matched nothing.
            StatesError: States.Runtime, the query went over its bounds.
        """
        if self._engine is None:
            return self._walk(document)
        engine = self._engine
        if self._costly:
            engine = _budgeted(engine, _Budget(self.text, limits or _DEFAULT_LIMITS))
        try:
            return [match.value for match in engine.find(document)]
        except StatesError:
            raise
        except RecursionError:
            raise StatesError(
                ErrorName.RUNTIME, f"The JSONPath '{self.text}' is nested too deeply to evaluate"
            ) from None
        except Exception as exc:  # jsonpath_ng must never leak its own or Python's errors
            raise PathMissing(self.text, f"Evaluation failed: {type(exc).__name__}") from exc

    def _document(self, scope: Scope) -> JSON:
        if self.root == "input":
            return scope.current
        if self.root == "context":
            return scope.context
        variables: Mapping[str, JSON] = scope.variables
        name = self.variable or ""
        if name not in variables:
            # Not recorded from AWS: our own wording for a reference to an unassigned variable.
            raise StatesError(
                ErrorName.RUNTIME,
                f"The JSONPath '{self.text}' references the variable '{name}', which is not defined",
            )
        return variables[name]

    def _walk(self, document: JSON) -> JSON:
        """Follow a definite path; where it cannot be followed, `_walk_failing` says why."""
        value = document
        for step in self._steps:
            if type(step) is str:
                if type(value) is not dict or step not in value:
                    return self._walk_failing(document)
                value = value[step]
            elif type(value) is list and -len(value) <= step < len(value):
                value = value[step]  # Jayway counts a negative index from the end, as Python does
            else:
                return self._walk_failing(document)
        return value

    def _walk_failing(self, document: JSON) -> JSON:
        """Follow a definite path step by step, failing with Jayway's wording (recorded where noted)."""
        steps = self._steps
        value = document
        last = len(steps) - 1
        for position, step in enumerate(steps):
            if isinstance(step, str):
                if not isinstance(value, dict):
                    # Jayway PropertyPathToken on a non-object (wording not recorded from AWS).
                    raise PathMissing(
                        self.text,
                        f"Expected to find an object with property {_fragment(step)} in path "
                        f"{_render(steps[:position])} but found '{_java_class(value)}'. This is "
                        f"not a json object according to the JsonProvider: '{_JSON_PROVIDER}'.",
                    )
                if step not in value:
                    if position == last:
                        # Recorded: "No results for path: $['NoSuchOutputPath']".
                        raise PathMissing(self.text, f"No results for path: {_render(steps)}")
                    # Recorded: "Missing property in path $['no']" for $.no.such.result.path.
                    raise PathMissing(self.text, f"Missing property in path {_render(steps[: position + 1])}")
                value = value[step]
            else:
                if value is None:
                    # Jayway ArrayPathToken.checkArrayModel (wording not recorded from AWS).
                    raise PathMissing(self.text, f"The path {_render(steps[:position])} is null")
                if not isinstance(value, list):
                    remaining = "".join(_fragment(s) for s in steps[position:])
                    raise PathMissing(
                        self.text,
                        f"Filter: {remaining} can only be applied to arrays. "
                        f"Current context is: {_java_string(value)}",
                    )
                # Jayway counts a negative index from the end and finds nothing out of range,
                # which a definite path reports as "No results for path".
                effective = step + len(value) if step < 0 else step
                if not 0 <= effective < len(value):
                    raise PathMissing(self.text, f"No results for path: {_render(steps)}")
                value = value[effective]
        return value


@functools.lru_cache(maxsize=4096)
def compile_path(text: str) -> Path:
    """Compile a JSONPath once; `Path.resolve` then evaluates it cheaply.

    Raises:
        ExpressionError: the text is not a JSONPath we can evaluate.
    """
    if not isinstance(text, str):
        raise ExpressionError("A JSONPath must be a string")
    root, variable, body = _split_root(text)
    segments = _tokenise(text, body)
    if all(segment.step is not None for segment in segments):
        steps = tuple(s.step for s in segments if s.step is not None)
        return Path(text, root, variable, True, steps, None)
    engine_text = "$" + "".join(segment.engine_text for segment in segments)
    engine = _parse_engine(text, engine_text)
    return Path(text, root, variable, False, (), engine, _check_costly(text, engine))


def _parse_engine(text: str, engine_text: str) -> _EnginePath:
    """Parse with jsonpath_ng (compile time only); any failure or warning is a syntax error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return _engine_parse(engine_text)
    except Exception as exc:  # jsonpath_ng raises assorted exception types on bad syntax
        raise ExpressionError(f"'{text}' is not a valid JSONPath: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Bounded evaluation of costly paths
# --------------------------------------------------------------------------------------------

_DEFAULT_LIMITS: Final = JsonPathLimits()


def _engine_nodes(node: Any) -> list[Any]:
    """Every node of a jsonpath_ng tree (its attributes holding nodes, or lists of them)."""
    found: list[Any] = []
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


def _check_costly(text: str, engine: _EnginePath) -> bool:
    """Whether `engine` needs a budget; compiles each ``=~`` pattern once to refuse a bad one
    when the definition is loaded rather than when it runs.

    Raises:
        ExpressionError: a ``=~`` pattern that is invalid or too large.
    """
    costly = False
    for node in _engine_nodes(engine):
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

    __slots__ = ("deadline", "limits", "steps", "text")

    def __init__(self, text: str, limits: JsonPathLimits) -> None:
        self.text = text
        self.limits = limits
        self.steps = 0
        self.deadline = time.monotonic() + limits.timeout_ms / 1000

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.limits.max_steps:
            raise self._exceeded(f"more than {self.limits.max_steps} steps")
        if time.monotonic() > self.deadline:
            raise self._exceeded(f"more than {self.limits.timeout_ms} milliseconds")

    def regex_timeout(self) -> float:
        return timeout_until(self.deadline)

    def _exceeded(self, what: str) -> StatesError:
        # Our own wording: AWS (Jayway) has no such bound to report.
        return StatesError(
            ErrorName.RUNTIME,
            f"The JSONPath '{self.text}' could not be evaluated: it took {what} on this input, "
            "over this implementation's bound",
        )


def _budgeted(node: Any, budget: _Budget) -> Any:
    """A copy of the engine tree in which descents and regex filters spend `budget`."""
    if isinstance(node, Descendants):
        return _BudgetedDescendants(_budgeted(node.left, budget), _budgeted(node.right, budget), budget)
    duplicate = copy.copy(node)
    if isinstance(node, _EngineExpression) and node.op == "=~":
        duplicate.__class__ = _BudgetedRegexFilter
        duplicate.budget = budget
        duplicate.pattern = compile_user_regex(str(node.value))
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

    def __init__(self, left: Any, right: Any, budget: _Budget) -> None:
        super().__init__(left, right)
        self.budget = budget

    def find(self, datum: Any) -> list[Any]:
        left_matches = self.left.find(datum)
        if not isinstance(left_matches, list):
            left_matches = [left_matches]
        matches: list[Any] = []
        stack = left_matches[::-1]
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

    budget: _Budget
    pattern: Any

    def find(self, datum: Any) -> list[Any]:
        wrapped = DatumInContext.wrap(datum)
        result = []
        for found in self.target.find(wrapped):
            if isinstance(found.value, str):
                try:
                    matched = self.pattern.search(found.value, timeout=self.budget.regex_timeout())
                except TimeoutError:
                    raise self.budget._exceeded(
                        f"more than {self.budget.limits.timeout_ms} milliseconds in the regular "
                        f"expression '{self.value}'"
                    ) from None
                if matched is not None:
                    result.append(found)
        self.budget.spend(1)
        return result


# --------------------------------------------------------------------------------------------
# Reference paths (ResultPath)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferencePath:
    """A definite path on ``$`` naming where a value is written (ResultPath)."""

    text: str
    steps: tuple[Step, ...]


@functools.lru_cache(maxsize=4096)
def compile_reference_path(text: str) -> ReferencePath:
    """Compile a ResultPath: ``$``, ``$.a.b``, ``$['a b'].c``, ``$.a[0]``.

    Raises:
        ExpressionError: not a definite path on ``$`` (ASL: a Reference Path may only use
            ``.``/``[]`` member and index steps, no wildcard, filter or ``$$``).
    """
    path = compile_path(text)
    if path.root != "input" or not path.definite:
        raise ExpressionError(f"'{text}' is not a valid Reference Path")
    return ReferencePath(text, path._steps)


def set_at(doc: JSON, ref: ReferencePath, value: JSON) -> JSON:
    """`doc` with `value` placed at `ref`; only the objects on the path are copied.

    Missing objects along the way are created. An existing value on the way that is not an
    object (or, for an index step, not an array long enough) cannot take the value.

    Raises:
        StatesError: States.ResultPathMatchFailure.
    """
    if not ref.steps:
        return value
    return _set(doc, ref, 0, value, doc)


def _set(node: JSON, ref: ReferencePath, position: int, value: JSON, doc: JSON) -> JSON:
    step = ref.steps[position]
    last = position == len(ref.steps) - 1
    if isinstance(step, str):
        if not isinstance(node, dict):
            raise _match_failure(ref, doc)
        if last:
            child = value
        elif step in node:
            child = _set(node[step], ref, position + 1, value, doc)
        else:
            # ASL: ResultPath creates the missing objects on its way.
            child = _set({}, ref, position + 1, value, doc)
        copy = dict(node)
        copy[step] = child
        return copy
    if not isinstance(node, list):
        raise _match_failure(ref, doc)
    effective = step + len(node) if step < 0 else step
    if not 0 <= effective < len(node):
        raise _match_failure(ref, doc)
    items = list(node)
    items[effective] = value if last else _set(node[effective], ref, position + 1, value, doc)
    return items


def _match_failure(ref: ReferencePath, doc: JSON) -> StatesError:
    # Wording from memory of AWS execution histories; not in our recorded corpus.
    return StatesError(
        ErrorName.RESULT_PATH_MATCH_FAILURE,
        f"Unable to apply ReferencePath {ref.text} to input {dumps_lenient(doc)}",
    )
