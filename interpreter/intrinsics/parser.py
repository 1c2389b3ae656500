"""The intrinsic-call parser: a tiny lexer and a recursive-descent parser over an immutable AST.

`compile_intrinsic` (memoised) turns the text of a call into an `Intrinsic` once;
`Intrinsic.evaluate` then runs it against a `Scope`.

Arguments are single-quoted strings (escapes ``\\'``, ``\\{``, ``\\}``, ``\\\\``), numbers,
``true``/``false``/``null``, JSONPath references (``$.x``, ``$$.Execution.Id``, ``$var.x``) and
nested calls. Arity and the types of literal arguments are checked against the function's
signature (`interpreter.intrinsics.functions.FUNCTIONS`) at compile time, the types of run-time
values when the call runs.

Source: AWS developer guide, "Intrinsic functions for JSONPath states". AWS's wording for
syntax errors is not recorded; the messages below are our own.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeAlias

from interpreter.errors import ErrorName, ExpressionError, PathMissing, StatesError
from interpreter.intrinsics.functions import (
    FUNCTIONS,
    KIND_CHECKS,
    PLACEHOLDER,
    Impl,
    Kind,
    article,
    failure,
    format_values,
)
from interpreter.jsonpath import Path, compile_path
from interpreter.jsontypes import JSON, type_name
from interpreter.scope import Scope

__all__ = ["MAX_NESTING", "Intrinsic", "compile_intrinsic", "is_intrinsic"]

# AWS developer guide, "Intrinsic functions for JSONPath states": "You can nest up to 10
# intrinsic functions within a field". A rule of the definition, checked at load time; the
# run-time bounds (AWS's ArrayRange and codec limits, our text size) come from
# `scope.world.limits.intrinsics` (`interpreter.limits.IntrinsicLimits`).
MAX_NESTING: Final = 10

_CALL_START_RE: Final = re.compile(r"\s*States\.[A-Za-z0-9]+\s*\(")
_NAME_RE: Final = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER_RE: Final = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_KEYWORDS: Final[dict[str, JSON]] = {"true": True, "false": False, "null": None}

if any(_NAME_RE.fullmatch(name) is None for name in FUNCTIONS):
    raise RuntimeError("every name in FUNCTIONS must be one the intrinsic lexer reads (States.Name)")


def is_intrinsic(text: str) -> bool:
    """True when `text` looks like an intrinsic call (``States.Name(``...)."""
    return isinstance(text, str) and _CALL_START_RE.match(text) is not None


# --------------------------------------------------------------------------------------------
# AST
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Literal:
    value: JSON
    # For string literals: the text split at unescaped "{}" (States.Format placeholders);
    # an escaped "\{\}" stays literal text.
    format_parts: tuple[str, ...] | None = None

    def evaluate(self, scope: Scope, field: str | None) -> JSON:
        return self.value


@dataclass(frozen=True, slots=True)
class _PathArg:
    path: Path

    def evaluate(self, scope: Scope, field: str | None) -> JSON:
        try:
            return self.path.resolve(scope)
        except PathMissing as missing:
            # A reference that selects nothing fails as a Parameters path does (States.Runtime).
            cause = missing.field_cause(field, scope.current) if field else missing.invalid_path_cause()
            raise StatesError(ErrorName.RUNTIME, cause) from None


@dataclass(frozen=True, slots=True)
class _Call:
    """A call, with what its evaluation needs looked up once at compile time: the implementation,
    each argument's (kind, check), and the literal template of a ``States.Format`` call."""

    name: str
    args: tuple[_Node, ...]
    impl: Impl
    checks: tuple[tuple[Kind, Callable[[JSON], bool]], ...]
    format_parts: tuple[str, ...] | None = None

    def evaluate(self, scope: Scope, field: str | None) -> JSON:
        values = tuple([arg.evaluate(scope, field) for arg in self.args])
        for position, (kind, check) in enumerate(self.checks):
            if not check(values[position]):
                raise failure(
                    f"Invalid arguments in {self.name}: argument {position + 1} must be "
                    f"{article(kind)}, got {type_name(values[position])}"
                )
        if self.format_parts is not None:
            return format_values(self.name, self.format_parts, values[1:], scope)
        return self.impl(values, scope)


_Node: TypeAlias = _Literal | _PathArg | _Call


def _count_paths(node: _Node) -> int:
    if isinstance(node, _PathArg):
        return 1
    if isinstance(node, _Call):
        return sum(_count_paths(arg) for arg in node.args)
    return 0


@dataclass(frozen=True, slots=True)
class Intrinsic:
    """A compiled intrinsic call; `evaluate` may run many times."""

    text: str
    _root: _Call

    @property
    def path_arguments(self) -> int:
        """How many path arguments the call (nested calls included) reads."""
        return _count_paths(self._root)

    def evaluate(self, scope: Scope, field: str | None = None) -> JSON:
        """Run the call.

        `field` (e.g. ``"value.$"``), when given, names the template field in the cause of a
        path argument that selects nothing.

        Raises:
            StatesError: States.IntrinsicFailure (bad argument value) or States.Runtime (a path
                argument selected nothing, or names an undefined variable).
        """
        try:
            return self._root.evaluate(scope, field)
        except RecursionError:
            raise failure(f"{self.text} could not be evaluated: the value is nested too deeply") from None


# --------------------------------------------------------------------------------------------
# Lexer + parser
# --------------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the raw text (the grammar is small enough to lex on the fly)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> ExpressionError:
        return ExpressionError(f"Invalid intrinsic function '{self.text}': {message}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        self.skip_space()
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end"
            raise self.error(f"expected '{char}' at position {self.pos}, found {found}")
        self.pos += 1

    def parse(self) -> _Call:
        call = self.call(depth=1)
        self.skip_space()
        if self.pos != len(self.text):
            raise self.error(f"unexpected text after the call at position {self.pos}")
        return call

    def call(self, depth: int) -> _Call:
        if depth > MAX_NESTING:
            raise self.error(f"more than {MAX_NESTING} nested intrinsic functions")
        self.skip_space()
        match = _NAME_RE.match(self.text, self.pos)
        if match is None:
            raise self.error(f"expected a function name at position {self.pos}")
        name = match.group(0)
        if name not in FUNCTIONS:
            raise self.error(f"unknown function {name}")
        self.pos = match.end()
        self.expect("(")
        args: list[_Node] = []
        self.skip_space()
        if self.peek() == ")":
            self.pos += 1
        else:
            while True:
                args.append(self.argument(depth))
                self.skip_space()
                if self.peek() == ",":
                    self.pos += 1
                    continue
                self.expect(")")
                break
        return _check_call(self, name, tuple(args))

    def argument(self, depth: int) -> _Node:
        self.skip_space()
        c = self.peek()
        if c == "'":
            return self.string()
        if c == "$":
            return self.path()
        if self.text.startswith("States.", self.pos):
            return self.call(depth + 1)
        number = _NUMBER_RE.match(self.text, self.pos)
        if number is not None:
            self.pos = number.end()
            literal = number.group(0)
            if any(ch in literal for ch in ".eE"):
                value = float(literal)
                if math.isnan(value) or math.isinf(value):
                    raise self.error(f"number out of range: {literal}")
                return _Literal(value)
            return _Literal(int(literal))
        for keyword, value in _KEYWORDS.items():
            end = self.pos + len(keyword)
            if self.text.startswith(keyword, self.pos) and not self.text[end : end + 1].isalnum():
                self.pos = end
                return _Literal(value)
        found = repr(c) if c else "the end"
        raise self.error(f"expected an argument at position {self.pos}, found {found}")

    def string(self) -> _Literal:
        """A single-quoted literal. AWS reserves ' { } \\ and requires them escaped with \\."""
        self.pos += 1
        chars: list[str] = []
        parts: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise self.error("unterminated string literal")
            c = self.text[self.pos]
            if c == "'":
                self.pos += 1
                break
            if c == "\\":
                nxt = self.text[self.pos + 1 : self.pos + 2]
                if nxt not in ("'", "{", "}", "\\"):
                    # AWS: "If an open escape backslash \ is found ... the interpreter will
                    # throw a runtime error"; we refuse it when compiling.
                    raise self.error(f"invalid escape sequence at position {self.pos}")
                chars.append(nxt)
                self.pos += 2
                continue
            if self.text.startswith(PLACEHOLDER, self.pos):
                parts.append("".join(chars))
                chars = []
                self.pos += 2
                continue
            chars.append(c)
            self.pos += 1
        parts.append("".join(chars))
        return _Literal(PLACEHOLDER.join(parts), tuple(parts))

    def path(self) -> _PathArg:
        """A JSONPath runs to the next ',' or ')' outside brackets, parentheses and quotes."""
        start = self.pos
        depth = 0
        quote: str | None = None
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if quote is not None:
                if c == "\\":
                    self.pos += 1
                elif c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c in "[(":
                depth += 1
            elif c in "])":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                break
            self.pos += 1
        text = self.text[start : self.pos].rstrip()
        try:
            return _PathArg(compile_path(text))
        except ExpressionError as error:
            raise self.error(error.detail) from None


def _check_call(parser: _Parser, name: str, args: tuple[_Node, ...]) -> _Call:
    """Arity and literal-argument types, checked once at compile time."""
    impl, signature = FUNCTIONS[name]
    if not signature.accepts_count(len(args)):
        raise parser.error(f"{name} takes {signature.describe()} argument(s), got {len(args)}")
    for position, arg in enumerate(args):
        kind = signature.kind_at(position)
        if isinstance(arg, _Literal) and not KIND_CHECKS[kind](arg.value):
            raise parser.error(f"argument {position + 1} of {name} must be {article(kind)}")
    format_parts: tuple[str, ...] | None = None
    if name == "States.Format":
        template = args[0]  # the signature requires it
        if isinstance(template, _Literal) and template.format_parts is not None:
            if len(template.format_parts) - 1 != len(args) - 1:
                raise parser.error("the number of '{}' placeholders does not match the arguments")
            format_parts = template.format_parts
    if name == "States.JsonMerge":
        deep = args[2]
        if isinstance(deep, _Literal) and deep.value is not False:
            raise parser.error("States.JsonMerge supports only shallow merging (false)")
    kinds = [signature.kind_at(position) for position in range(len(args))]
    return _Call(name, args, impl, tuple((kind, KIND_CHECKS[kind]) for kind in kinds), format_parts)


@functools.lru_cache(maxsize=4096)
def compile_intrinsic(text: str) -> Intrinsic:
    """Compile an intrinsic call once.

    Raises:
        ExpressionError: bad syntax, unknown function, wrong arity or a literal of the wrong type.
    """
    if not isinstance(text, str):
        raise ExpressionError("An intrinsic function must be a string")
    return Intrinsic(text, _Parser(text).parse())
