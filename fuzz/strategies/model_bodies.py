"""Decoded TestState request bodies around the model's constraints (types, length bounds, Java
int range) for the request checks of `teststate.validation.request`."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.values import json_values, scalars

# --- TestState request bodies around the model's constraints (teststate.validation.request) -------

_LENGTH_EDGES = (0, 1, 2, 40, 41, 80, 81, 128, 129, 256, 257)


def coral_strings() -> st.SearchStrategy[str]:
    """Strings around the model's length bounds, counted as Java counts them (an astral character
    is two UTF-16 units), sometimes at the 256 KiB and 32 KiB bounds themselves."""
    return st.one_of(
        st.text(max_size=5),
        st.builds(
            lambda character, count: character * count,
            st.sampled_from(["a", "é", "😀"]),
            st.sampled_from(_LENGTH_EDGES),
        ),
        st.sampled_from([32_768, 32_769, 262_144, 262_145]).map(lambda count: "a" * count),
        st.sampled_from(["INFO", "DEBUG", "TRACE", "info", "STRICT", "PRESENT", "NONE", "strict"]),
    )


def coral_integers() -> st.SearchStrategy[Any]:
    """Numbers around a Java int's range and the minimum 0, integral floats, and booleans."""
    return st.one_of(
        st.integers(-3, 3),
        st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2.0, -0.0, 1.5, 1e10, True, False]),
    )


def _member(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A member's value: usually of its type, sometimes null, sometimes any JSON value."""
    return st.one_of(good, good, good, good, st.none(), json_values(max_leaves=3))


_MOCK_ERROR_OUTPUT = st.fixed_dictionaries(
    {}, optional={"error": _member(coral_strings()), "cause": _member(coral_strings()), "other": scalars}
)
_MOCK = st.fixed_dictionaries(
    {},
    optional={
        "result": _member(coral_strings()),
        "errorOutput": _member(_MOCK_ERROR_OUTPUT),
        "fieldValidationMode": _member(coral_strings()),
    },
)
_STATE_CONFIGURATION = st.fixed_dictionaries(
    {},
    optional={
        "retrierRetryCount": _member(coral_integers()),
        "errorCausedByState": _member(coral_strings()),
        "mapIterationFailureCount": _member(coral_integers()),
        "mapItemReaderData": _member(coral_strings()),
    },
)


def _within(low: int, high: int) -> st.SearchStrategy[str]:
    """Strings whose Java length lies in [low, high], often exactly at a bound."""
    return st.one_of(
        st.text(min_size=low, max_size=5).filter(
            lambda text: low <= len(text.encode("utf-16-le")) // 2 <= high
        ),
        st.sampled_from([low, high]).map(lambda count: "a" * count),
        st.just("😀" * (high // 2)),
    )


_DATA = _within(0, 262_144)
_NULL_OR = st.none().__or__


@st.composite
def _valid_request_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """Bodies the model accepts: every member within its type and bounds, optional ones absent
    or null, an unknown member sometimes."""
    counts = st.one_of(st.integers(0, 3), st.sampled_from([2**31 - 1, 2.0, -0.0]))
    optional: dict[str, st.SearchStrategy[Any]] = {
        "roleArn": _within(1, 256),
        "input": _DATA,
        "inspectionLevel": st.sampled_from(["INFO", "DEBUG", "TRACE"]),
        "revealSecrets": st.booleans(),
        "variables": _DATA,
        "stateName": _within(1, 80),
        "mock": st.fixed_dictionaries(
            {},
            optional={
                "result": _NULL_OR(_DATA),
                "errorOutput": _NULL_OR(
                    st.fixed_dictionaries(
                        {"error": _within(0, 256)}, optional={"cause": _NULL_OR(_within(0, 32_768))}
                    )
                ),
                "fieldValidationMode": _NULL_OR(st.sampled_from(["STRICT", "PRESENT", "NONE"])),
            },
        ),
        "context": _DATA,
        "stateConfiguration": st.fixed_dictionaries(
            {},
            optional={
                "retrierRetryCount": _NULL_OR(counts),
                "errorCausedByState": _NULL_OR(_within(1, 80)),
                "mapIterationFailureCount": _NULL_OR(counts),
                "mapItemReaderData": _NULL_OR(_DATA),
            },
        ),
        "unknownMember": json_values(max_leaves=2),
    }
    body: dict[str, Any] = {"definition": draw(_within(1, 1_048_576))}
    for name, values in optional.items():
        if draw(st.booleans()):
            body[name] = draw(_NULL_OR(values))
    return body


def _short_repr(value: Any) -> str:
    """A value's repr with long strings written as repetitions (``'a' * 262144``)."""
    if isinstance(value, str) and len(value) > 64 and value == value[0] * len(value):
        return f"{value[0]!r} * {len(value)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_short_repr(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_short_repr(item) for item in value) + "]"
    return repr(value)


class ShortRepr(dict[str, Any]):
    """A body whose repr stays short however long its strings (Hypothesis prints every example's
    arguments, and warns, as an error here, about a repr over 30 kB)."""

    def __repr__(self) -> str:
        return _short_repr(dict(self))


def model_request_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Decoded TestState bodies: valid ones, and ones where every member of the model may be
    absent, null, of its type at or around its bounds, or of another JSON type (nested
    structures alike), with unknown members."""
    return (_valid_request_bodies() | _any_request_bodies()).map(ShortRepr)


def _any_request_bodies() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "definition": _member(coral_strings()),
            "roleArn": _member(coral_strings()),
            "input": _member(coral_strings()),
            "inspectionLevel": _member(coral_strings()),
            "revealSecrets": _member(st.booleans()),
            "variables": _member(coral_strings()),
            "stateName": _member(coral_strings()),
            "mock": _member(_MOCK),
            "context": _member(coral_strings()),
            "stateConfiguration": _member(_STATE_CONFIGURATION),
            "unknownMember": json_values(max_leaves=2),
        },
    )
