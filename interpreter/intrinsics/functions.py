"""The intrinsic function library: each ``States.*`` function, and `FUNCTIONS`, its dispatch table.

Every function is described once in `FUNCTIONS`: its implementation and its `Signature` (the
`Kind` of each argument), which the parser checks against the call's literal arguments and the
call against its run-time values. The table is checked when this module is imported.

Bounded: no call allocates or walks more than its arguments' distinct values plus its
result, whose size is checked before it is built (`IntrinsicLimits`). Values that repeat one
object (``States.Array($, $, $)``) are measured and compared once per object, not once per
repetition, so a short definition cannot make a call do exponential work.

Sources: AWS developer guide, "Intrinsic functions for JSONPath states"; recorded executions in
the derived conformance corpus (derived/test_array, test_encode_decode, test_generic,
test_hash_calculations, test_json_manipulation, test_math_operations, test_string_operations).
AWS's wording for intrinsic failures is not recorded there; the causes below are our own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeAlias

from interpreter.errors import ErrorName, StatesError
from interpreter.intrinsics.java import java_hash_map_order, java_round, java_text
from interpreter.jsontypes import JSON, dumps, is_integer, is_number, loads
from interpreter.scope import Scope

__all__ = [
    "FUNCTIONS",
    "KIND_CHECKS",
    "PLACEHOLDER",
    "Impl",
    "Kind",
    "Signature",
    "article",
    "failure",
    "format_values",
]

PLACEHOLDER: Final = "{}"
"""A States.Format placeholder."""


def failure(cause: str) -> StatesError:
    """A States.IntrinsicFailure with `cause`."""
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


KIND_CHECKS: Final[dict[Kind, Callable[[JSON], bool]]] = {
    Kind.ANY: lambda value: True,
    Kind.STRING: lambda value: isinstance(value, str),
    Kind.NUMBER: is_number,
    Kind.INTEGER: is_integer,
    Kind.BOOLEAN: lambda value: isinstance(value, bool),
    Kind.ARRAY: lambda value: isinstance(value, list),
    Kind.OBJECT: lambda value: isinstance(value, dict),
}
if set(KIND_CHECKS) != set(Kind):
    raise RuntimeError(f"KIND_CHECKS lacks a check for {set(Kind) - set(KIND_CHECKS)}")


def article(kind: Kind) -> str:
    """The kind with its article, as a cause names it (``an array``, ``a string``)."""
    if kind is Kind.ANY:
        return "any value"
    return f"an {kind.value}" if kind.value[0] in "aeiou" else f"a {kind.value}"


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
"""A function's implementation: its arguments, already checked against its signature."""


# --------------------------------------------------------------------------------------------
# Text: States.Format, States.StringToJson, States.JsonToString, States.StringSplit
# --------------------------------------------------------------------------------------------


def format_values(name: str, parts: Sequence[str], values: Sequence[JSON], scope: Scope) -> str:
    """The template split at its placeholders (`parts`), filled with `values`.

    Raises:
        StatesError: States.IntrinsicFailure, the counts differ or the result would be too long.
    """
    if len(parts) - 1 != len(values):
        raise failure(
            f"Invalid arguments in {name}: the template has {len(parts) - 1} '{{}}' "
            f"placeholder(s) but {len(values)} value(s) were given"
        )
    memo: dict[int, int] = {}
    length = sum(map(len, parts)) + sum(_text_length(value, True, memo) for value in values)
    _check_text_length(name, length, scope)
    out = [parts[0]]
    for value, part in zip(values, parts[1:], strict=True):
        out.append(java_text(value))
        out.append(part)
    return "".join(out)


def _fn_format(args: Sequence[JSON], scope: Scope) -> JSON:
    # The template came from a path: its "{}" are placeholders, it has no escapes.
    return format_values("States.Format", args[0].split(PLACEHOLDER), args[1:], scope)


def _fn_string_to_json(args: Sequence[JSON], scope: Scope) -> JSON:
    text = args[0]
    if not text.strip():
        # Recorded: "" and " " give null (conformance cases
        # derived/test_json_manipulation/test_string_to_json__exec_hist_resp_0__State_0 and _1_).
        return None
    try:
        return loads(text)
    except ValueError:
        raise failure("Invalid arguments in States.StringToJson: the string is not valid JSON") from None


def _fn_json_to_string(args: Sequence[JSON], scope: Scope) -> JSON:
    _check_text_length("States.JsonToString", _text_length(args[0], False, {}), scope)
    return dumps(args[0])  # recorded: compact, e.g. {"Arg1":1,"Arg2":[]}


def _text_length(value: JSON, java: bool, memo: dict[int, int]) -> int:
    """Length of `value` rendered as compact JSON, or as `java_text` when `java`, computed
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
        raise failure(
            f"Invalid arguments in {name}: the result would have {length} characters, more than "
            f"the {limit} this implementation allows"
        )


def _fn_string_split(args: Sequence[JSON], scope: Scope) -> JSON:
    # Java StringTokenizer semantics (recorded, conformance cases
    # derived/test_string_operations/test_string_split__*): every character of the second
    # argument is a delimiter and empty tokens are dropped (",,,," -> [], "a.b+c" on ".+" ->
    # ["a","b","c"]).
    text, delimiters = args
    if not delimiters:
        return [text] if text else []
    pattern = "[" + re.escape(delimiters) + "]"
    return [token for token in re.split(pattern, text) if token]


# --------------------------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------------------------


def _fn_array(args: Sequence[JSON], scope: Scope) -> JSON:
    return list(args)


def _fn_array_partition(args: Sequence[JSON], scope: Scope) -> JSON:
    items, size = args[0], int(args[1])
    if size <= 0:
        # AWS: "a non-zero, positive integer for the second argument representing the chunk size"
        raise failure("Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _fn_array_contains(args: Sequence[JSON], scope: Scope) -> JSON:
    canon = _Canon()
    needle = canon.of(args[1])
    return any(canon.of(item) == needle for item in args[0])


def _fn_array_range(args: Sequence[JSON], scope: Scope) -> JSON:
    start, end, step = (int(value) for value in args)
    if step == 0:
        raise failure("Invalid arguments in States.ArrayRange: the step must not be 0")
    count = max(0, (end - start) // step + 1)
    limit = scope.world.limits.intrinsics.max_range_items
    if count > limit:  # counted before anything is allocated
        raise failure(
            f"Invalid arguments in States.ArrayRange: the range would have {count} items, "
            f"more than the {limit} allowed"
        )
    return [start + i * step for i in range(count)]


def _fn_array_get_item(args: Sequence[JSON], scope: Scope) -> JSON:
    items, index = args[0], int(args[1])
    if not 0 <= index < len(items):
        raise failure(
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


# --------------------------------------------------------------------------------------------
# Encoding and hashing
# --------------------------------------------------------------------------------------------


def _check_length(name: str, text: str, scope: Scope) -> None:
    limit = scope.world.limits.intrinsics.max_codec_input
    if len(text) > limit:
        raise failure(f"Invalid arguments in {name}: the input is longer than {limit} characters")


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
        raise failure("Invalid arguments in States.Base64Decode: the input is not valid base64") from None
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
        raise failure(f"Invalid arguments in States.Hash: the algorithm must be one of {', '.join(_HASHES)}")
    return hashlib.new(_HASHES[algorithm], data.encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------------------------
# Objects, math and identifiers
# --------------------------------------------------------------------------------------------


def _fn_json_merge(args: Sequence[JSON], scope: Scope) -> JSON:
    left, right, deep = args
    if deep is not False:
        raise failure("Invalid arguments in States.JsonMerge: only shallow merging (false) is supported")
    return java_hash_map_order({**left, **right})  # recorded: shallow, the second object wins


def _fn_math_random(args: Sequence[JSON], scope: Scope) -> JSON:
    start, end = java_round(args[0]), java_round(args[1])
    if start >= end:
        raise failure("Invalid arguments in States.MathRandom: the start must be less than the end")
    rng = random.Random(java_round(args[2])) if len(args) > 2 else scope.world.rng
    # Assumed: start inclusive, end exclusive (Java's nextInt(start, end)); not recorded.
    return rng.randrange(start, end)


def _fn_math_add(args: Sequence[JSON], scope: Scope) -> JSON:
    # AWS rounds each non-integer argument before adding (recorded: 1.49 + 1.5 -> 1 + 2 = 3,
    # conformance case derived/test_math_operations/test_math_add__exec_hist_resp_1__State_0).
    return java_round(args[0]) + java_round(args[1])


def _fn_uuid(args: Sequence[JSON], scope: Scope) -> JSON:
    return str(uuid.UUID(int=scope.world.rng.getrandbits(128), version=4))


# --------------------------------------------------------------------------------------------
# The dispatch table
# --------------------------------------------------------------------------------------------

FUNCTIONS: Final[dict[str, tuple[Impl, Signature]]] = {
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
    """Import-time check of the dispatch table: every entry is a callable and a `Signature`
    (the parser checks that it can read every name)."""
    for name, (impl, signature) in FUNCTIONS.items():
        if not callable(impl) or not isinstance(signature, Signature):
            raise RuntimeError(f"FUNCTIONS[{name!r}] must be (a callable, a Signature)")


_check_table()
