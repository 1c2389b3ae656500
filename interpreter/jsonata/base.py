"""Shared pieces of the JSONata adapter: our function error, the function wrapper, size checks.

Every other module of the `interpreter.jsonata` package builds on these; this module imports
none of them, so the adapter's modules form no cycle.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Final

from jsonata import Jsonata
from jsonata.jexception import JException

from interpreter.limits import JsonataLimits
from interpreter.scope import World

__all__ = [
    "DEFAULT_LIMITS",
    "LARGEST_DOUBLE",
    "FunctionError",
    "FunctionFactory",
    "check_picture",
    "check_string_length",
    "native_function",
    "sequence_too_long",
]

DEFAULT_LIMITS: Final = JsonataLimits()

# The largest finite JavaScript number, as an integer: beyond it JavaScript has Infinity.
LARGEST_DOUBLE: Final = int(sys.float_info.max)


class FunctionError(JException):  # type: ignore[misc]  # jsonata ships no type hints
    """A failure inside one of our functions, with its whole message.

    A JException subclass because the library rewraps any other exception raised under
    ``and``/``or`` as a bare "Unexpected" error.
    """

    def __init__(self, detail: str) -> None:
        super().__init__("D3137", -1, detail)  # D3137 is the library's "{{{message}}}" code
        self.detail = detail


def sequence_too_long(size: int, limits: JsonataLimits) -> str:
    """The detail for a sequence over `limits.max_sequence_items`."""
    # Worded after the reference implementation's range cap (D2014); the limit is ours.
    return (
        f"D2014: The size of the sequence allocated ({size} items) must not exceed "
        f"{limits.max_sequence_items} items in this implementation"
    )


def check_string_length(length: int, limits: JsonataLimits) -> None:
    """Fail (D2014) when a string of `length` characters would exceed `limits.max_string_length`."""
    if length > limits.max_string_length:
        raise FunctionError(
            f"D2014: The length of the string ({length} characters) exceeds the limit of "
            f"{limits.max_string_length} characters of this implementation"
        )


def check_picture(name: str, picture: Any, limits: JsonataLimits) -> None:
    """Fail when the picture string of ``$name`` is longer than `limits.max_picture_length`."""
    if isinstance(picture, str) and len(picture) > limits.max_picture_length:
        raise FunctionError(
            f"The picture string of ${name} has {len(picture)} characters, more than the "
            f"{limits.max_picture_length} this implementation allows"
        )


class _Native(Jsonata.JFunctionCallable):  # type: ignore[misc]  # jsonata ships no type hints
    """Adapts a Python callable to the library's function protocol (``call(input, args)``)."""

    def __init__(self, implementation: Callable[..., Any]) -> None:
        self.implementation = implementation

    def call(self, input: Any, args: Any) -> Any:
        return self.implementation(*(args or ()))


def native_function(signature: str, implementation: Callable[..., Any]) -> Jsonata.JFunction:
    """A library function object; the signature makes the library check arity and types
    (T0410 etc., as for built-in functions)."""
    return Jsonata.JFunction(_Native(implementation), signature)


# Builds the function bound as ``$name`` for one evaluation, from its world and limits.
FunctionFactory = Callable[[World, JsonataLimits], Jsonata.JFunction]
