"""`Path`, a compiled JSONPath, and `compile_path`, which builds it once per text.

A path is compiled once (`compile_path`, memoised) into an immutable `Path`; resolving it is cheap:

* a *definite* path (only ``.name``, ``['name']`` and ``[index]`` steps) is walked by our own
  step walker (`interpreter.jsonpath.definite`), which also reproduces Jayway's wording when the
  walk fails;
* an *indefinite* path (wildcard, ``..``, filter, slice, union) is handed to a bounded
  jsonpath-ng query parsed at compile time (`interpreter.jsonpath.engine`), and always yields a
  list (``[]`` when nothing matches).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from interpreter.errors import ErrorName, ExpressionError, StatesError
from interpreter.jsonpath.definite import walk
from interpreter.jsonpath.engine import EngineQuery, compile_query
from interpreter.jsonpath.tokens import Root, Step, split_root, tokenise
from interpreter.jsontypes import JSON
from interpreter.limits import JsonPathLimits
from interpreter.scope import Scope

__all__ = ["Path", "compile_path"]


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
    _engine: EngineQuery | None = field(repr=False, compare=False)

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
            return walk(self.text, self._steps, self._document(scope))
        return self._engine.find(self._document(scope), scope.world.limits.jsonpath)

    def resolve_in(self, document: JSON, limits: JsonPathLimits | None = None) -> JSON:
        """Evaluate the path's body against `document` (the root already chosen), within
        `limits` (default: `JsonPathLimits()`).

        Raises:
            PathMissing: a definite path matched nothing.
            StatesError: States.Runtime, the query went over its bounds.
        """
        if self._engine is None:
            return walk(self.text, self._steps, document)
        return self._engine.find(document, limits)

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


@functools.lru_cache(maxsize=4096)
def compile_path(text: str) -> Path:
    """Compile a JSONPath once; `Path.resolve` then evaluates it cheaply.

    Raises:
        ExpressionError: the text is not a JSONPath we can evaluate.
    """
    if not isinstance(text, str):
        raise ExpressionError("A JSONPath must be a string")
    root, variable, body = split_root(text)
    segments = tokenise(text, body)
    if all(segment.step is not None for segment in segments):
        steps = tuple(s.step for s in segments if s.step is not None)
        return Path(text, root, variable, True, steps, None)
    engine_text = "$" + "".join(segment.engine_text for segment in segments)
    return Path(text, root, variable, False, (), compile_query(text, engine_text))
