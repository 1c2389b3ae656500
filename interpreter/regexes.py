"""User regular expressions on a bounded engine: JSONata regex literals and JSONPath ``=~``.

Python's ``re`` backtracks inside C code that no Python-level check can interrupt:
``$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a|aa)+$/)`` would run for hours. User
patterns are therefore compiled with the ``regex`` package (mrab): VERSION0 keeps ``re``'s
syntax and match objects, and every match, search, sub and split takes a ``timeout`` (raising
``TimeoutError``), which each caller sets from its own time budget
(`interpreter.time_budget.TimeBudget`). RE2, the linear-time
alternative, refuses backreferences and lookarounds, which JavaScript regexes (JSONata's
dialect, and Jayway's Java regexes) have.

Compiling is bounded too: the engine unrolls counted repeats (``a{1000000}`` alone builds a
~270 MB program), so the program's size is estimated from the text first. Patterns are
compiled once, with the definition, so this bound is a constant, not a per-call limit.
"""

from __future__ import annotations

import re
from typing import Any, Final

import regex  # type: ignore[import-untyped]  # the regex package ships no type hints

from interpreter.errors import ExpressionError

__all__ = ["MAX_REGEX_PROGRAM", "compile_user_regex", "program_size"]

# Most items (atoms, with counted repeats unrolled) a user pattern may compile to; ~260 bytes
# each in the engine, so at most ~26 MB.
MAX_REGEX_PROGRAM: Final = 100_000

_COUNTED_REPEAT: Final = re.compile(r"\{(\d+)(?:,(\d*))?\}")
# Escapes followed by a braced argument (\p{L}, \N{...}, \x{41}): the braces are no repeat.
_BRACED_ESCAPES: Final = frozenset("pPNxu")


def compile_user_regex(pattern: str, *, ignore_case: bool = False, multiline: bool = False) -> Any:
    """`pattern` compiled on the bounded engine (a ``regex.Pattern``; pass ``timeout=`` to
    every call on it).

    Raises:
        ExpressionError: an invalid pattern, or one whose program would be too large.
    """
    size = program_size(pattern)
    if size > MAX_REGEX_PROGRAM:
        raise ExpressionError(
            f"The regular expression /{pattern}/ repeats too much: it would compile to about "
            f"{size} items, more than the {MAX_REGEX_PROGRAM} this implementation allows"
        )
    flags = regex.VERSION0
    if ignore_case:
        flags |= regex.IGNORECASE
    if multiline:
        flags |= regex.MULTILINE
    try:
        return regex.compile(pattern, flags)
    except (regex.error, ValueError, TypeError, OverflowError) as error:
        raise ExpressionError(f"Invalid regular expression /{pattern}/: {error}") from None
    except RecursionError:
        raise ExpressionError(f"The regular expression /{pattern}/ is nested too deeply") from None


def program_size(pattern: str) -> int:
    """An upper estimate of the compiled size of `pattern`: one per atom, counted repeats
    (``{m}``, ``{m,}``, ``{m,n}``, unrolled m times by the engine) multiplying what they
    repeat, so nested counts multiply. Linear in the pattern, no recursion."""
    open_groups: list[int] = [0]
    last = 0  # size of the atom just read, which a following counted repeat multiplies
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "{":
            repeat = _COUNTED_REPEAT.match(pattern, position)
            if repeat is not None and last:
                count = int(repeat.group(1)) if len(repeat.group(1)) <= 12 else 10**12
                open_groups[-1] += last * (count - 1)
                last *= max(count, 1)
                position = repeat.end()
                continue
            atom_end = position + 1
        elif char == "\\":
            atom_end = position + 2
            if (
                pattern[position + 1 : position + 2] in _BRACED_ESCAPES
                and pattern[atom_end : atom_end + 1] == "{"
            ):
                closing = pattern.find("}", atom_end)
                atom_end = len(pattern) if closing < 0 else closing + 1
        elif char == "[":
            atom_end = _class_end(pattern, position)
        elif char == "(":
            open_groups.append(0)
            last = 0
            position += 1
            continue
        elif char == ")" and len(open_groups) > 1:
            last = open_groups.pop() + 1
            open_groups[-1] += last
            position += 1
            continue
        else:
            atom_end = position + 1
        open_groups[-1] += 1
        last = 0 if char in "*+?|" else 1
        position = atom_end
    return sum(open_groups)


def _class_end(pattern: str, start: int) -> int:
    """Index just after the character class opened at `start` (escapes and POSIX classes
    such as ``[[:alpha:]]`` skipped); the end of the pattern if it is not closed."""
    position = start + 1
    if pattern.startswith("^", position):
        position += 1
    if pattern.startswith("]", position):
        position += 1
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if pattern.startswith("[:", position):
            closing = pattern.find(":]", position + 2)
            if closing >= 0:
                position = closing + 2
                continue
        if char == "]":
            return position + 1
        position += 1
    return len(pattern)
