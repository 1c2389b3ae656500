"""The JSONPath tokeniser: a path's root, then the segments of its body.

`split_root` tells the three roots apart: ``$`` (the current value), ``$$`` (the context object)
and ``$name`` (workflow variable ``name``, added to JSONPath states on 2024-11-22). `tokenise`
splits the rest into `Segment`s by Jayway's PathCompiler rules, simplified: each segment is a
simple step (an object key or an array index) or a piece of text for the jsonpath-ng engine
(wildcard, ``..``, filter, slice, union).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from interpreter.errors import ExpressionError

__all__ = ["Root", "Segment", "Step", "split_root", "tokenise"]

Step: TypeAlias = str | int
"""One step of a definite path: an object key (str) or an array index (int)."""

Root: TypeAlias = Literal["input", "context", "variable"]

# Workflow variable names: a letter or underscore, then letters, digits, underscores
# (AWS developer guide, "Passing data between states with variables").
_VARIABLE_RE: Final = re.compile(r"\$([^\W\d]\w*)")
_INDEX_RE: Final = re.compile(r"\s*(-?\d+)\s*")
# Jayway reads a dot-notation property up to the next '.', '[' or '(' (PathCompiler).
_DOT_NAME_END: Final = frozenset(".[(")


@dataclass(frozen=True, slots=True)
class Segment:
    """One lexical step of a path body.

    `step` is set for simple steps (key or index); `engine_text` is what the step becomes in the
    `jsonpath_ng` syntax (simple keys are re-quoted so any Jayway name survives that lexer).
    """

    step: Step | None
    engine_text: str


def split_root(text: str) -> tuple[Root, str | None, str]:
    """(root, variable name, body after the root) of a path text.

    Raises:
        ExpressionError: the text starts with none of ``$``, ``$$`` and ``$name``.
    """
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


def tokenise(text: str, body: str) -> tuple[Segment, ...]:
    """Split `body`, the part of `text` after the root, into segments (Jayway's PathCompiler
    rules, simplified).

    Raises:
        ExpressionError: the body is not a JSONPath we can evaluate.
    """
    segments: list[Segment] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if body.startswith("..", i):
            j = i + 2
            if j < n and body[j] == "[":
                end = _find_bracket_end(text, body, j)
                segments.append(Segment(None, body[i : end + 1]))
                i = end + 1
                continue
            k = j
            while k < n and body[k] not in _DOT_NAME_END:
                k += 1
            name = body[j:k]
            if not name:
                raise ExpressionError(f"'{text}' has an empty name after '..'")
            segments.append(Segment(None, ".." + ("*" if name == "*" else _quote(name))))
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
                segments.append(Segment(None, ".*"))
            else:
                segments.append(Segment(name, _quote(name)))
            i = k
        elif c == "[":
            end = _find_bracket_end(text, body, i)
            content = body[i + 1 : end]
            key = _unquote(content)
            index = _INDEX_RE.fullmatch(content)
            if key is not None:
                segments.append(Segment(key, _quote(key)))
            elif index is not None:
                value = int(index.group(1))
                segments.append(Segment(value, f"[{value}]"))
            elif not content.strip():
                raise ExpressionError(f"'{text}' has an empty '[]'")
            else:
                segments.append(Segment(None, body[i : end + 1]))
            i = end + 1
        else:
            raise ExpressionError(f"'{text}' has an unexpected character {c!r}")
    return tuple(segments)


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
