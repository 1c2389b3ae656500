"""ASL intrinsic functions (``States.Format(...)`` and friends) for JSONPath states.

A tiny lexer and a recursive-descent parser turn the text into an immutable AST once
(`compile_intrinsic`, memoised); `Intrinsic.evaluate` then runs it against a `Scope`.

Arguments are single-quoted strings (escapes ``\\'``, ``\\{``, ``\\}``, ``\\\\``), numbers,
``true``/``false``/``null``, JSONPath references (``$.x``, ``$$.Execution.Id``, ``$var.x``) and
nested calls. Every function is described once in `_FUNCTIONS` (implementation + signature);
arity and the types of literal arguments are checked at compile time, the types of run-time
values when the call runs.

Bounded: no call allocates or walks more than its arguments' distinct values plus its
result, whose size is checked before it is built (`IntrinsicLimits`). Values that repeat one
object (``States.Array($, $, $)``) are measured and compared once per object, not once per
repetition, so a short definition cannot make a call do exponential work.

Sources: AWS developer guide, "Intrinsic functions for JSONPath states"; recorded executions in
the derived conformance corpus (test_array, test_encode_decode, test_generic,
test_hash_calculations, test_json_manipulation, test_math_operations, test_string_operations).
AWS's wording for intrinsic failures is not recorded there; the causes below are our own.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Final, TypeAlias

from interpreter.errors import ErrorName, ExpressionError, PathMissing, StatesError
from interpreter.jsonpath import Path, compile_path
from interpreter.jsontypes import JSON, dumps, is_integer, is_number, loads, type_name
from interpreter.scope import Scope

__all__ = ["Intrinsic", "compile_intrinsic", "is_intrinsic"]

# AWS: "You can nest up to 10 intrinsic functions within a field". A rule of the definition,
# checked at load time; the run-time bounds (AWS's ArrayRange and codec limits, our text size)
# come from `scope.world.limits.intrinsics` (`interpreter.limits.IntrinsicLimits`).
MAX_NESTING: Final = 10

_CALL_START_RE: Final = re.compile(r"\s*States\.[A-Za-z0-9]+\s*\(")
_NAME_RE: Final = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER_RE: Final = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_KEYWORDS: Final[dict[str, JSON]] = {"true": True, "false": False, "null": None}
_PLACEHOLDER: Final = "{}"


def is_intrinsic(text: str) -> bool:
    """True when `text` looks like an intrinsic call (``States.Name(``...)."""
    return isinstance(text, str) and _CALL_START_RE.match(text) is not None


def _failure(cause: str) -> StatesError:
    return StatesError(ErrorName.INTRINSIC_FAILURE, cause)


# --------------------------------------------------------------------------------------------
# Argument kinds and signatures
# --------------------------------------------------------------------------------------------


class Kind(Enum):
    """The JSON type an argument must have."""

    ANY = "any"
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ARRAY = "array"
    OBJECT = "object"


_KIND_CHECKS: Final[dict[Kind, Callable[[JSON], bool]]] = {
    Kind.ANY: lambda value: True,
    Kind.STRING: lambda value: isinstance(value, str),
    Kind.NUMBER: is_number,
    Kind.INTEGER: is_integer,
    Kind.BOOLEAN: lambda value: isinstance(value, bool),
    Kind.ARRAY: lambda value: isinstance(value, list),
    Kind.OBJECT: lambda value: isinstance(value, dict),
}
assert set(_KIND_CHECKS) == set(Kind), "every Kind needs a check"


@dataclass(frozen=True, slots=True)
class Signature:
    """Positional parameters: `required`, then `optional`, then any number of `rest`."""

    required: tuple[Kind, ...] = ()
    optional: tuple[Kind, ...] = ()
    rest: Kind | None = None

    def accepts_count(self, count: int) -> bool:
        if count < len(self.required):
            return False
        return self.rest is not None or count <= len(self.required) + len(self.optional)

    def kind_at(self, position: int) -> Kind:
        fixed = self.required + self.optional
        if position < len(fixed):
            return fixed[position]
        return self.rest or Kind.ANY

    def describe(self) -> str:
        if self.rest is not None:
            return f"at least {len(self.required)}"
        if self.optional:
            return f"{len(self.required)} to {len(self.required) + len(self.optional)}"
        return str(len(self.required))


Impl: TypeAlias = Callable[[Sequence[JSON], Scope], JSON]


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
                raise _failure(
                    f"Invalid arguments in {self.name}: argument {position + 1} must be "
                    f"{_article(kind)}, got {type_name(values[position])}"
                )
        if self.format_parts is not None:
            return _format(self.name, self.format_parts, values[1:], scope)
        return self.impl(values, scope)


_Node: TypeAlias = _Literal | _PathArg | _Call


def _count_paths(node: _Node) -> int:
    if isinstance(node, _PathArg):
        return 1
    if isinstance(node, _Call):
        return sum(_count_paths(arg) for arg in node.args)
    return 0


def _article(kind: Kind) -> str:
    if kind is Kind.ANY:
        return "any value"
    return f"an {kind.value}" if kind.value[0] in "aeiou" else f"a {kind.value}"


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
            raise _failure(f"{self.text} could not be evaluated: the value is nested too deeply") from None


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
        if name not in _FUNCTIONS:
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
                if value != value or value in (float("inf"), float("-inf")):
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
            if self.text.startswith(_PLACEHOLDER, self.pos):
                parts.append("".join(chars))
                chars = []
                self.pos += 2
                continue
            chars.append(c)
            self.pos += 1
        parts.append("".join(chars))
        return _Literal(_PLACEHOLDER.join(parts), tuple(parts))

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
    _, signature = _FUNCTIONS[name]
    if not signature.accepts_count(len(args)):
        raise parser.error(f"{name} takes {signature.describe()} argument(s), got {len(args)}")
    for position, arg in enumerate(args):
        kind = signature.kind_at(position)
        if isinstance(arg, _Literal) and not _KIND_CHECKS[kind](arg.value):
            raise parser.error(f"argument {position + 1} of {name} must be {_article(kind)}")
    if name == "States.Format":
        first = args[0]
        if isinstance(first, _Literal) and first.format_parts is not None:
            if len(first.format_parts) - 1 != len(args) - 1:
                raise parser.error("the number of '{}' placeholders does not match the arguments")
    if name == "States.JsonMerge":
        deep = args[2]
        if isinstance(deep, _Literal) and deep.value is not False:
            raise parser.error("States.JsonMerge supports only shallow merging (false)")
    impl, _ = _FUNCTIONS[name]
    kinds = [signature.kind_at(position) for position in range(len(args))]
    first = args[0] if args else None
    format_parts = (
        first.format_parts
        if name == "States.Format" and isinstance(first, _Literal) and first.format_parts is not None
        else None
    )
    return _Call(name, args, impl, tuple((kind, _KIND_CHECKS[kind]) for kind in kinds), format_parts)


@functools.lru_cache(maxsize=4096)
def compile_intrinsic(text: str) -> Intrinsic:
    """Compile an intrinsic call once.

    Raises:
        ExpressionError: bad syntax, unknown function, wrong arity or a literal of the wrong type.
    """
    if not isinstance(text, str):
        raise ExpressionError("An intrinsic function must be a string")
    return Intrinsic(text, _Parser(text).parse())


# --------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------


def _java_text(value: JSON) -> str:
    """How AWS renders a value inside States.Format (recorded: strings raw, numbers and null as
    JSON, an object {"Arg1":1,"Arg2":[]} as ``{Arg1=1, Arg2=[]}``: Java's Map/List toString)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_java_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(item) for item in value) + "]"
    return dumps(value)


def _format(name: str, parts: Sequence[str], values: Sequence[JSON], scope: Scope) -> str:
    if len(parts) - 1 != len(values):
        raise _failure(
            f"Invalid arguments in {name}: the template has {len(parts) - 1} '{{}}' "
            f"placeholder(s) but {len(values)} value(s) were given"
        )
    memo: dict[int, int] = {}
    length = sum(map(len, parts)) + sum(_text_length(value, True, memo) for value in values)
    _check_text_length(name, length, scope)
    out = [parts[0]]
    for value, part in zip(values, parts[1:]):
        out.append(_java_text(value))
        out.append(part)
    return "".join(out)


def _fn_format(args: Sequence[JSON], scope: Scope) -> JSON:
    # The template came from a path: its "{}" are placeholders, it has no escapes.
    return _format("States.Format", args[0].split(_PLACEHOLDER), args[1:], scope)


def _fn_string_to_json(args: Sequence[JSON], scope: Scope) -> JSON:
    text = args[0]
    if not text.strip():
        return None  # recorded: "" and " " give null
    try:
        return loads(text)
    except ValueError:
        raise _failure("Invalid arguments in States.StringToJson: the string is not valid JSON") from None


def _fn_json_to_string(args: Sequence[JSON], scope: Scope) -> JSON:
    _check_text_length("States.JsonToString", _text_length(args[0], False, {}), scope)
    return dumps(args[0])  # recorded: compact, e.g. {"Arg1":1,"Arg2":[]}


def _text_length(value: JSON, java: bool, memo: dict[int, int]) -> int:
    """Length of `value` rendered as compact JSON, or as `_java_text` when `java`, computed
    without rendering it: each container object is measured once (memo by id), so a value
    repeating one object a million times costs one measurement."""
    if isinstance(value, str):
        return len(value) if java else len(dumps(value))
    if not isinstance(value, (list, dict)):
        return len(dumps(value))
    known = memo.get(id(value))
    if known is not None:
        return known
    separator = 2 if java else 1  # ", " in Java's toString, "," in compact JSON
    if isinstance(value, list):
        length = 2 + sum(_text_length(item, java, memo) for item in value)
    else:
        length = 2 + sum(
            (len(key) if java else len(dumps(key))) + 1 + _text_length(item, java, memo)
            for key, item in value.items()
        )
    length += separator * max(len(value) - 1, 0)
    memo[id(value)] = length
    return length


def _check_text_length(name: str, length: int, scope: Scope) -> None:
    limit = scope.world.limits.intrinsics.max_string_length
    if length > limit:
        raise _failure(
            f"Invalid arguments in {name}: the result would have {length} characters, more than "
            f"the {limit} this implementation allows"
        )


def _fn_array(args: Sequence[JSON], scope: Scope) -> JSON:
    return list(args)


def _fn_array_partition(args: Sequence[JSON], scope: Scope) -> JSON:
    items, size = args[0], int(args[1])
    if size <= 0:
        # AWS: "a non-zero, positive integer for the second argument representing the chunk size"
        raise _failure(
            "Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer"
        )
    return [items[i : i + size] for i in range(0, len(items), size)]


def _fn_array_contains(args: Sequence[JSON], scope: Scope) -> JSON:
    canon = _Canon()
    needle = canon.of(args[1])
    return any(canon.of(item) == needle for item in args[0])


def _fn_array_range(args: Sequence[JSON], scope: Scope) -> JSON:
    start, end, step = (int(value) for value in args)
    if step == 0:
        raise _failure("Invalid arguments in States.ArrayRange: the step must not be 0")
    count = max(0, (end - start) // step + 1)
    limit = scope.world.limits.intrinsics.max_range_items
    if count > limit:  # counted before anything is allocated
        raise _failure(
            f"Invalid arguments in States.ArrayRange: the range would have {count} items, "
            f"more than the {limit} allowed"
        )
    return [start + i * step for i in range(count)]


def _fn_array_get_item(args: Sequence[JSON], scope: Scope) -> JSON:
    items, index = args[0], int(args[1])
    if not 0 <= index < len(items):
        raise _failure(
            f"Invalid arguments in States.ArrayGetItem: index {index} is out of bounds "
            f"for an array of length {len(items)}"
        )
    return items[index]


def _fn_array_length(args: Sequence[JSON], scope: Scope) -> JSON:
    return len(args[0])


def _fn_array_unique(args: Sequence[JSON], scope: Scope) -> JSON:
    # One pass by canonical identity: comparing each item with every kept one was quadratic
    # (minutes for the 40,000 distinct numbers a 256 KiB input holds).
    canon = _Canon()
    seen: set[int] = set()
    unique: list[JSON] = []
    for item in args[0]:
        identity = canon.of(item)
        if identity not in seen:
            seen.add(identity)
            unique.append(item)
    return unique


class _Canon:
    """Hash-consing of JSON values: values equal as JSON (booleans are not numbers, 1 equals
    1.0) get the same small integer. A container's identity is built from its children's
    integers, and each container object is visited once (memo by id), so comparing values
    costs their distinct size, never size times repetitions."""

    __slots__ = ("alive", "by_object", "by_shape")

    def __init__(self) -> None:
        self.by_object: dict[int, int] = {}
        self.by_shape: dict[object, int] = {}
        self.alive: list[JSON] = []  # keeps every memoised object alive, so no id is reused

    def of(self, value: JSON) -> int:
        if isinstance(value, (list, dict)):
            known = self.by_object.get(id(value))
            if known is not None:
                return known
            shape: object
            if isinstance(value, list):
                shape = ("array", tuple(self.of(item) for item in value))
            else:
                shape = ("object", frozenset((key, self.of(item)) for key, item in value.items()))
            identity = self.by_shape.setdefault(shape, len(self.by_shape))
            self.by_object[id(value)] = identity
            self.alive.append(value)
            return identity
        if isinstance(value, bool) or value is None:
            scalar: object = ("literal", value)
        elif is_number(value):
            scalar = ("number", value)
        else:
            scalar = ("string", value)
        return self.by_shape.setdefault(scalar, len(self.by_shape))


def _check_length(name: str, text: str, scope: Scope) -> None:
    limit = scope.world.limits.intrinsics.max_codec_input
    if len(text) > limit:
        raise _failure(f"Invalid arguments in {name}: the input is longer than {limit} characters")


def _fn_base64_encode(args: Sequence[JSON], scope: Scope) -> JSON:
    _check_length("States.Base64Encode", args[0], scope)
    return base64.b64encode(args[0].encode("utf-8", "surrogatepass")).decode("ascii")


def _fn_base64_decode(args: Sequence[JSON], scope: Scope) -> JSON:
    text = args[0]
    _check_length("States.Base64Decode", text, scope)
    # Java's basic decoder accepts missing padding; restore it before strict decoding.
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _failure("Invalid arguments in States.Base64Decode: the input is not valid base64") from None
    # Java's new String(bytes, UTF_8) replaces malformed sequences instead of failing.
    return raw.decode("utf-8", "replace")


_HASHES: Final[dict[str, str]] = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _fn_hash(args: Sequence[JSON], scope: Scope) -> JSON:
    data, algorithm = args
    _check_length("States.Hash", data, scope)
    if algorithm not in _HASHES:
        raise _failure(f"Invalid arguments in States.Hash: the algorithm must be one of {', '.join(_HASHES)}")
    return hashlib.new(_HASHES[algorithm], data.encode("utf-8", "surrogatepass")).hexdigest()


def _java_string_hash(text: str) -> int:
    """Java's String.hashCode (over UTF-16 code units, 32-bit wrap-around)."""
    h = 0
    units = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h


def _java_hash_map_order(merged: dict[str, JSON]) -> dict[str, JSON]:
    """`merged` re-ordered as a java.util.HashMap filled in this order would iterate.

    Recorded (test_json_manipulation): merging {a,b,d} with {a,c,d} gives a, b, c, d, not the
    insertion order a, b, d, c. We infer a HashMap (default capacity 16, load factor 0.75):
    iteration goes by bucket, then by insertion order within a bucket.
    """
    capacity = 16
    while len(merged) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        h = _java_string_hash(key)
        return (h ^ (h >> 16)) & (capacity - 1)

    order = sorted(enumerate(merged), key=lambda item: (bucket(item[1]), item[0]))
    return {key: merged[key] for _, key in order}


def _fn_json_merge(args: Sequence[JSON], scope: Scope) -> JSON:
    left, right, deep = args
    if deep is not False:
        raise _failure("Invalid arguments in States.JsonMerge: only shallow merging (false) is supported")
    return _java_hash_map_order({**left, **right})  # recorded: shallow, the second object wins


def _java_round(value: JSON) -> int:
    """Java's Math.round: half up for positives, half towards zero for negatives (recorded in
    test_math_operations: 0.5 -> 1, -0.5 -> 0, -1.5 -> -1, -2.5 -> -2, -1.51 -> -2)."""
    if isinstance(value, int):
        return value
    if not math.isfinite(value):
        raise _failure(f"Invalid arguments: {value} is not a finite number")
    exact = Decimal(value)
    rounding = ROUND_HALF_UP if exact >= 0 else ROUND_HALF_DOWN
    return int(exact.to_integral_value(rounding=rounding))


def _fn_math_random(args: Sequence[JSON], scope: Scope) -> JSON:
    start, end = _java_round(args[0]), _java_round(args[1])
    if start >= end:
        raise _failure("Invalid arguments in States.MathRandom: the start must be less than the end")
    rng = random.Random(_java_round(args[2])) if len(args) > 2 else scope.world.rng
    # Assumed: start inclusive, end exclusive (Java's nextInt(start, end)); not recorded.
    return rng.randrange(start, end)


def _fn_math_add(args: Sequence[JSON], scope: Scope) -> JSON:
    # AWS rounds each non-integer argument before adding (recorded: 1.49 + 1.5 -> 1 + 2 = 3).
    return _java_round(args[0]) + _java_round(args[1])


def _fn_string_split(args: Sequence[JSON], scope: Scope) -> JSON:
    # Java StringTokenizer semantics (recorded): every character of the second argument is a
    # delimiter and empty tokens are dropped (",,,," -> [], "a.b+c" on ".+" -> ["a","b","c"]).
    text, delimiters = args
    if not delimiters:
        return [text] if text else []
    pattern = "[" + re.escape(delimiters) + "]"
    return [token for token in re.split(pattern, text) if token]


def _fn_uuid(args: Sequence[JSON], scope: Scope) -> JSON:
    return str(uuid.UUID(int=scope.world.rng.getrandbits(128), version=4))


_FUNCTIONS: Final[dict[str, tuple[Impl, Signature]]] = {
    "States.Format": (_fn_format, Signature((Kind.STRING,), rest=Kind.ANY)),
    "States.StringToJson": (_fn_string_to_json, Signature((Kind.STRING,))),
    "States.JsonToString": (_fn_json_to_string, Signature((Kind.ANY,))),
    "States.Array": (_fn_array, Signature(rest=Kind.ANY)),
    "States.ArrayPartition": (_fn_array_partition, Signature((Kind.ARRAY, Kind.INTEGER))),
    "States.ArrayContains": (_fn_array_contains, Signature((Kind.ARRAY, Kind.ANY))),
    "States.ArrayRange": (_fn_array_range, Signature((Kind.INTEGER, Kind.INTEGER, Kind.INTEGER))),
    "States.ArrayGetItem": (_fn_array_get_item, Signature((Kind.ARRAY, Kind.INTEGER))),
    "States.ArrayLength": (_fn_array_length, Signature((Kind.ARRAY,))),
    "States.ArrayUnique": (_fn_array_unique, Signature((Kind.ARRAY,))),
    "States.Base64Encode": (_fn_base64_encode, Signature((Kind.STRING,))),
    "States.Base64Decode": (_fn_base64_decode, Signature((Kind.STRING,))),
    "States.Hash": (_fn_hash, Signature((Kind.STRING, Kind.STRING))),
    "States.JsonMerge": (_fn_json_merge, Signature((Kind.OBJECT, Kind.OBJECT, Kind.BOOLEAN))),
    "States.MathRandom": (_fn_math_random, Signature((Kind.NUMBER, Kind.NUMBER), (Kind.NUMBER,))),
    "States.MathAdd": (_fn_math_add, Signature((Kind.NUMBER, Kind.NUMBER))),
    "States.StringSplit": (_fn_string_split, Signature((Kind.STRING, Kind.STRING))),
    "States.UUID": (_fn_uuid, Signature()),
}


def _check_table() -> None:
    """Import-time check of the dispatch table (names, callables, signatures)."""
    for name, (impl, signature) in _FUNCTIONS.items():
        assert _NAME_RE.fullmatch(name), name
        assert callable(impl), name
        assert isinstance(signature, Signature), name


_check_table()
