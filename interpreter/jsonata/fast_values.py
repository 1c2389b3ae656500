"""The JSONata fast path's values and runtime model (`interpreter.jsonata.fast`).

Values inside: plain JSON (None is JSON null), `UNDEFINED` for JSONata's undefined, and `Seq` (a
list subclass) for a JSONata sequence, as opposed to an array of the data (a plain list). Here are
JSONata's rules on them, written after the library's (the singleton unwrapping, the boolean cast,
deep equality, number conversion and formatting, signature symbols), the bounds every value
produced is checked against, the reasons an evaluation bails (`Bail`, raised as `BailOut`), and
`Env`, one evaluation's reading context, with the shape of a compiled node (`Node`, `Filter`).
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Callable, Sequence
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Final

from interpreter.jsonata.base import LARGEST_DOUBLE
from interpreter.jsontypes import ABSENT, JSON
from interpreter.limits import JsonataLimits
from interpreter.scope import Scope


class Bail(enum.Enum):
    """Why the fast path left one evaluation to the library: the only reasons it may."""

    ERROR = "error"
    """The library fails this evaluation (a type error, a division by zero, an argument a
    function's signature refuses ...): the error is the library's to word."""
    BOUND = "bound"
    """A bound of `JsonataLimits` (a size, the depth, the time) is or may be reached."""
    NAME = "name"
    """A ``$name`` no workflow variable binds: the library may resolve it to a function."""
    EMPTY_GROUP = "empty group"
    """An object constructor whose context is an empty array: the library appends an undefined
    item to that array of the data (mutating the scope's JSON) and answers from the mutated array."""
    UNEXPECTED = "unexpected"
    """Any other Python error: a bug in the fast path (the differential property rules it out)."""


class BailOut(Exception):
    """The fast path does not answer this evaluation; the library must."""

    def __init__(self, reason: Bail) -> None:
        super().__init__(reason.value)
        self.reason = reason


UNDEFINED: Final = object()  # JSONata's undefined (None is JSON null here)


# ---------------------------------------------------------------------------------------------
# Values


class Seq(list[Any]):
    """A JSONata sequence (as opposed to an array of the data): unwrapped when it has one item."""

    __slots__ = ()


def unwrap(value: Any) -> Any:
    """The library's last step of every evaluation: an empty sequence is undefined, a singleton
    sequence its item (jsonata-js ``evaluate``)."""
    if type(value) is Seq:
        if not value:
            return UNDEFINED
        if len(value) == 1:
            return value[0]
    return value


def items_of(value: Any) -> Sequence[Any]:
    """A value as a sequence: undefined is empty, an array its items, anything else one item."""
    if value is UNDEFINED:
        return ()
    return value if isinstance(value, list) else (value,)


def checked(value: Any, limits: JsonataLimits) -> Any:
    """`value`, or bail where the adapter's `Guard.leave` could fail on it (sequence, string and
    integer sizes): the library then fails it in its words."""
    kind = type(value)
    if kind is str:
        if len(value) > limits.max_string_length:
            raise BailOut(Bail.BOUND)
    elif kind is list or kind is Seq:
        if len(value) > limits.max_sequence_items:
            raise BailOut(Bail.BOUND)
    elif kind is int and abs(value) > LARGEST_DOUBLE:
        raise BailOut(Bail.BOUND)
    return value


def is_number(value: Any) -> bool:
    """A JSON number (bool excluded); always finite here (JSON has no NaN or Infinity, and every
    arithmetic result is checked)."""
    kind = type(value)
    return kind is int or kind is float


def convert_number(result: float) -> int | float:
    """The library's ``Utils.convert_number``, applied to every arithmetic result and to every
    number a built-in function returns: a value equal to its integer is that integer, anything
    else a float (so an integer a double cannot hold becomes the nearest double); an infinite
    one fails (D1001), as does an integer beyond any double. NaN cannot come of finite operands."""
    try:
        as_float = float(result)
    except OverflowError:
        raise BailOut(Bail.ERROR) from None
    if not math.isfinite(as_float):
        raise BailOut(Bail.ERROR)
    integral = int(result)
    return integral if integral == as_float else as_float


def truthy(value: Any) -> bool:
    """JSONata's boolean cast (``$boolean``; undefined and null are false): an array is true
    when any of its items is."""
    kind = type(value)
    if kind is bool:
        return bool(value)
    if kind is str or kind is dict:
        return bool(value)
    if kind is int or kind is float:
        return bool(value != 0)
    if kind is list or kind is Seq:
        return any(truthy(item) for item in value)
    return False


def equal(left: Any, right: Any) -> bool:
    """The library's ``Utils.is_deep_equal``: arrays item by item, objects by key set and value,
    anything else by ``==`` except that a boolean never equals a number."""
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))
    if type(left) is dict and type(right) is dict:
        return left.keys() == right.keys() and all(equal(left[key], right[key]) for key in left)
    return bool(left == right) and (type(left) is bool) == (type(right) is bool)


_FIFTEEN_DIGITS: Final = Context(prec=15)


def _number_text(number: int | float) -> str:
    """A number as ``$string`` (and so ``&``) writes it: at most 15 significant digits, integers
    without a fraction, exponents in lower case (the library's ``Functions.remove_exponent``)."""
    value = Decimal(number)
    if value == value.to_integral():
        try:
            return str(value.quantize(Decimal(1), context=_FIFTEEN_DIGITS)).lower()
        except InvalidOperation:
            pass
    return str(value.normalize(_FIFTEEN_DIGITS)).lower()


def as_text(value: Any) -> str:
    """One operand of ``&`` as text (the library's ``$string`` without prettifying)."""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is int or kind is float:
        return _number_text(value)
    # Arrays and objects: JSON text, compact, ASCII-escaped, numbers inside as Python writes them.
    return json.dumps(value, separators=(",", ":"))


def symbol(value: Any) -> str:
    """The library's ``Signature.get_symbol``: a value's letter in function signatures. Null is
    "m" (missing), as undefined: the library's null marker has no type of its own."""
    if value is UNDEFINED or value is None:
        return "m"
    kind = type(value)
    if kind is str:
        return "s"
    if kind is bool:
        return "b"
    if kind is int or kind is float:
        return "n"
    if kind is dict:
        return "o"
    return "a"


# ---------------------------------------------------------------------------------------------
# The evaluation context


class Env:
    """One evaluation's reading context: the scope, the limits, and ``$states`` built once."""

    __slots__ = ("limits", "scope", "states", "variables")

    def __init__(self, scope: Scope, limits: JsonataLimits) -> None:
        self.scope = scope
        self.variables = scope.variables
        self.limits = limits
        self.states: dict[str, JSON] | None = None

    def states_object(self) -> dict[str, JSON]:
        """``$states``: input and context, result and errorOutput once they exist (as the
        library path binds it, `interpreter.jsonata.expression._states`)."""
        if self.states is None:
            scope = self.scope
            states = {"input": scope.state_input, "context": scope.context}
            if scope.result is not ABSENT:
                states["result"] = scope.result
            if scope.error_output is not ABSENT:
                states["errorOutput"] = scope.error_output
            self.states = states
        return self.states


Node = Callable[[Any, Env], Any]
"""A compiled node: (context item, env) -> its value, unwrapped as the library unwraps it."""
Filter = Callable[[Any, Env], Any]
"""A compiled predicate ``[...]``: (value, env) -> the items it keeps."""
