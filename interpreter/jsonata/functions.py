"""Step Functions' JSONata functions, and the table of every function the adapter binds.

AWS adds ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse`` to
JSONata; ``$now`` and ``$millis`` are JSONata's, here reading the injected clock, and
``$random``/``$uuid`` read the injected random source. `FUNCTION_FACTORIES` holds these and
the bounded replacement built-ins (`interpreter.jsonata.bounded_builtins`), by name without ``$``.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any, Final

from jsonata import Jsonata
from jsonata.functions import Functions
from jsonata.utils import Utils

from interpreter.jsonata.base import (
    DEFAULT_LIMITS,
    FunctionError,
    FunctionFactory,
    check_picture,
    native_function,
    sequence_too_long,
)
from interpreter.jsonata.bounded_builtins import BUILTIN_FACTORIES
from interpreter.jsonata.values import js_number, to_jsonata
from interpreter.jsontypes import is_integer
from interpreter.jsontypes import loads as strict_loads
from interpreter.limits import JsonataLimits
from interpreter.scope import World

__all__ = ["FUNCTION_FACTORIES"]


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
            raise FunctionError("The chunk size argument of $partition must be a positive integer")
        items = list(array)
        step = int(size)
        return [items[start : start + step] for start in range(0, len(items), step)]

    return native_function("<an:a>", partition)


def _range(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$range(start, end, step)``: start, start+step, ... up to and including `end` (AWS
    docs; recorded: ``$range(0, 10, 3)`` -> ``[0,3,6,9]``). The result is a JSONata sequence:
    recorded ``$range(1, 9, 9)`` -> ``1``, a singleton unwrapped as JSONata does."""

    def range_(start: Any, end: Any, step: Any) -> Any:
        if _is_undefined(start) or _is_undefined(end) or _is_undefined(step):
            return None
        if step == 0:
            raise FunctionError("The step argument of $range must not be zero")
        if (start > end and step > 0) or (start < end and step < 0):
            return []
        count = math.floor((end - start) / step) + 1
        if count > limits.max_sequence_items:
            # Checked before building it; the same bound as every other sequence.
            raise FunctionError(sequence_too_long(count, limits))
        if all(isinstance(value, int) for value in (start, end, step)):
            values: list[Any] = list(range(start, start + count * step, step))
        else:
            values = [js_number(start + index * step) for index in range(count)]
        return Utils.create_sequence_from_iter(values)

    return native_function("<nnn:a>", range_)


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
            raise FunctionError(f"The hash algorithm '{algorithm}' is not supported; use one of: {supported}")
        return digest(data.encode("utf-8", "surrogatepass")).hexdigest()

    return native_function("<ss:s>", hash_)


def _random(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$random([seed])``: a number in [0, 1); with a seed, the same number for the same seed
    (AWS docs). Unseeded numbers come from the injected random source."""

    def random_(seed: Any = None) -> float:
        if _is_undefined(seed):
            return world.rng.random()
        return random.Random(seed).random()

    return native_function("<n?:n>", random_)


def _uuid(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$uuid()``: a version 4 UUID (AWS docs), drawn from the injected random source."""

    def uuid_() -> str:
        return str(uuid.UUID(int=world.rng.getrandbits(128), version=4))

    return native_function("<:s>", uuid_)


def _parse(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$parse(text)``: JSON text to a value (AWS docs; recorded: ``"-0"`` -> ``0``,
    ``"[1, 2, \\"HelloWorld\\"]"`` -> ``[1,2,"HelloWorld"]``). JSON only, never code."""

    def parse(text: Any) -> Any:
        if _is_undefined(text):
            return None
        try:
            value = strict_loads(text)
        except (ValueError, RecursionError):
            raise FunctionError("The argument of $parse must be a valid JSON string") from None
        return to_jsonata(value)

    return native_function("<s-:x>", parse)


def _epoch_millis(world: World) -> int:
    now = world.now if world.now.tzinfo is not None else world.now.replace(tzinfo=UTC)
    return int(now.timestamp() * 1000)


def _now(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$now([picture[, timezone]])``: the injected instant as an ISO 8601 timestamp with
    milliseconds, or formatted like ``$fromMillis`` (JSONata)."""

    def now(picture: Any = None, zone: Any = None) -> Any:
        check_picture("now", picture, limits)
        return Functions.datetime_from_millis(_epoch_millis(world), picture, zone)

    return native_function("<s?s?:s>", now)


def _millis(world: World, limits: JsonataLimits) -> Jsonata.JFunction:
    """``$millis()``: the injected instant in milliseconds since the epoch (JSONata)."""

    def millis() -> int:
        return _epoch_millis(world)

    return native_function("<:n>", millis)


FUNCTION_FACTORIES: Final[Mapping[str, FunctionFactory]] = {
    "partition": _partition,
    "range": _range,
    "hash": _hash,
    "random": _random,
    "uuid": _uuid,
    "parse": _parse,
    "now": _now,
    "millis": _millis,
    **BUILTIN_FACTORIES,
}


def _check_function_table() -> None:
    """Import-time check: every factory builds a function, and no reserved name is taken."""
    for name, factory in FUNCTION_FACTORIES.items():
        if name in {"eval", "states"} or not isinstance(factory(World(), DEFAULT_LIMITS), Jsonata.JFunction):
            raise RuntimeError(f"bad JSONata function table entry: {name}")


_check_function_table()
