"""``ResultPath``: `ReferencePath`, a definite path on ``$``, and `set_at`, which writes a value there.

The target is created (or replaced) by copying only the spine of objects and arrays that lead
to it; the rest of the document is shared, never copied.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from interpreter.errors import ErrorName, ExpressionError, StatesError, dumps_lenient
from interpreter.jsonpath.path import compile_path
from interpreter.jsonpath.tokens import Step
from interpreter.jsontypes import JSON

__all__ = ["ReferencePath", "compile_reference_path", "set_at"]


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
    return ReferencePath(text, path.steps)


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
