"""Values that fit an AWS API output shape as ``mock.result`` validation checks it.

`shape_values(node, shape, ...)` draws a value for a compiled shape of
`teststate.validation.mock_result` (botocore's model, Step Functions' member casing): required
members always (under STRICT), optional ones sometimes, enums, lengths and value bounds kept.
It also looks like what the API returns where the model says more than the check does:
timestamps are ISO 8601 date-times, integers are integers, blobs are base64 text, DynamoDB numbers
are decimal text, and a union (one member of several, as DynamoDB's AttributeValue) gets exactly
one member. Below `DEPTH` only required members are drawn and lists take their minimum length,
so recursive shapes (AttributeValue in AttributeValue) end.
"""

from __future__ import annotations

import base64
import functools
import math
from datetime import UTC, datetime
from typing import Final

from hypothesis import strategies as st

from interpreter.jsontypes import JSON
from teststate.validation.mock_result import Node, compiled, service_model

__all__ = ["DEPTH", "node_at", "shape_values"]

DEPTH: Final = 4
"""Nesting below which optional members and list items are no longer drawn."""

# Characters whose UTF-16 length is 1 (no surrogates, nothing above the Basic Multilingual Plane):
# the check counts lengths in UTF-16 code units, as AWS's Java service does, so generated strings
# then meet the length bounds exactly.
_BMP_TEXT: Final = st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"])
_BASE64: Final = st.binary(max_size=24).map(lambda data: base64.b64encode(data).decode("ascii"))
_TIMESTAMPS: Final = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
_DECIMALS: Final = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False, allow_infinity=False).map(
        str
    ),
)
# Unions the bundled model does not mark as such (``"union": true`` in the Smithy model of
# DynamoDB's AttributeValue, dropped by botocore's JSON model): one member each.
_UNTAGGED_UNIONS: Final = frozenset({("dynamodb", "AttributeValue")})
# Strings that hold a number (AWS DynamoDB developer guide, "Data type descriptors": N is "sent
# across the network to DynamoDB as strings").
_NUMERIC_STRINGS: Final = frozenset({("dynamodb", "NumberAttributeValue")})
_INTEGER_TYPES: Final = frozenset({"integer", "long", "biginteger"})


@functools.lru_cache(maxsize=4096)
def _type_name(service: str, shape: str) -> str:
    model = service_model(service)
    return "" if model is None else str(model.shape_for(shape).type_name)


@functools.lru_cache(maxsize=1024)
def _is_union(service: str, shape: str) -> bool:
    model = service_model(service)
    if model is None:
        return False
    return (service, shape) in _UNTAGGED_UNIONS or bool(
        getattr(model.shape_for(shape), "is_tagged_union", False)
    )


@st.composite
def shape_values(
    draw: st.DrawFn,
    node: Node,
    shape: str,
    *,
    strict: bool,
    any_json: st.SearchStrategy[JSON],
    depth: int = 0,
) -> JSON:
    """A value `node` (the compiled form of botocore shape `shape`) accepts.

    Arguments:
        node: the shape as `teststate.validation.mock_result.compiled` compiles it.
        shape: its botocore name (for what the check does not keep: the type, union-ness).
        strict: draw every required member (``STRICT``); otherwise any subset (``PRESENT``).
        any_json: values for members that hold any JSON (never null: null counts as missing).
        depth: the nesting so far.
    """
    kind = node.kind
    shallow = depth >= DEPTH
    if kind == "object":
        return draw(_objects(node, shape, strict=strict, any_json=any_json, depth=depth))
    if kind in ("array", "map"):
        low = int(node.min or 0)
        high = low if shallow else min(int(node.max) if node.max is not None else low + 2, low + 2)
        if node.element is None:
            return [] if kind == "array" else {}
        element = shape_values(
            compiled(node.service, node.element),
            node.element,
            strict=strict,
            any_json=any_json,
            depth=depth + 1,
        )
        if kind == "array":
            return draw(st.lists(element, min_size=low, max_size=high))
        keys = st.text(_BMP_TEXT, min_size=1, max_size=6)
        return draw(st.dictionaries(keys, element, min_size=low, max_size=high))
    if kind == "string":
        return draw(_strings(node, shape))
    if kind == "number":
        return draw(_numbers(node, integer=_type_name(node.service, shape) in _INTEGER_TYPES))
    if kind == "boolean":
        return draw(st.booleans())
    return draw(any_json)  # documents and the like: any JSON


@st.composite
def _objects(
    draw: st.DrawFn, node: Node, shape: str, *, strict: bool, any_json: st.SearchStrategy[JSON], depth: int
) -> dict[str, JSON]:
    members = node.members or {}
    if _is_union(node.service, shape):
        names = list(members)
        if depth >= DEPTH:  # prefer a member that ends the nesting
            flat = [name for name in names if compiled(node.service, members[name]).kind not in _NESTED]
            names = flat or names
        keys = [draw(st.sampled_from(names), label="union member")] if names else []
    else:
        chosen = set(node.required) if strict else set()
        optional = [name for name in members if name not in chosen]
        if optional and depth < DEPTH:
            chosen |= set(draw(st.lists(st.sampled_from(optional), max_size=4, unique=True)))
        keys = [name for name in members if name in chosen]  # the model's order
    return {
        key: draw(any_json)
        if key in node.any_members
        else draw(
            shape_values(
                compiled(node.service, members[key]),
                members[key],
                strict=strict,
                any_json=any_json,
                depth=depth + 1,
            )
        )
        for key in keys
    }


_NESTED: Final = frozenset({"object", "array", "map"})


def _strings(node: Node, shape: str) -> st.SearchStrategy[JSON]:
    if node.enum:
        return st.sampled_from(sorted(node.enum))
    type_name = _type_name(node.service, shape)
    if node.min is None and node.max is None:
        if type_name == "timestamp":
            return _TIMESTAMPS
        if type_name == "blob":
            return _BASE64
        if (node.service, shape) in _NUMERIC_STRINGS:
            return _DECIMALS
    low = int(node.min or 0)
    high = min(int(node.max) if node.max is not None else low + 12, low + 12)
    text = st.text(_BMP_TEXT, min_size=low, max_size=high)
    if shape.endswith("Arn") and low <= _ARN_LENGTHS[0] and (node.max is None or node.max >= _ARN_LENGTHS[1]):
        return _arns(node.service)  # an ARN looks like one (patterns are not checked, lengths are)
    return text


# The shortest and longest ARN `_arns` makes (a service name of 2 to 12 characters, a resource
# type of 4 or 8, a name of 1 to 12): used where the shape's length bounds allow both.
_ARN_LENGTHS: Final = (40, 65)


def _arns(service: str) -> st.SearchStrategy[JSON]:
    model = service_model(service)
    namespace = str(model.endpoint_prefix) if model is not None else service  # "states", not "stepfunctions"
    prefix = f"arn:aws:{namespace[:12]}:us-east-1:123456789012:"
    names = st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True)
    return st.builds(
        lambda kind, name: f"{prefix}{kind}:{name}", st.sampled_from(["resource", "task"]), names
    )


def _numbers(node: Node, *, integer: bool) -> st.SearchStrategy[JSON]:
    """Numbers within the node's bounds; only integers for an integer type."""
    low = -(2**53) if node.min is None else node.min
    high = 2**53 if node.max is None else node.max
    first, last = math.ceil(low), math.floor(high)
    integers = st.integers(min_value=first, max_value=last) if first <= last else None
    if integer and integers is not None:
        return integers
    floats = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    return floats if integers is None else st.one_of(integers, floats)


def node_at(node: Node, shape: str, steps: tuple[str | int, ...]) -> tuple[Node, str] | None:
    """The compiled shape (and its botocore name) at `steps` below `node`; None when the shape has
    no such place, or the place holds any JSON."""
    for step in steps:
        if node.kind == "object" and isinstance(step, str) and node.members and step in node.members:
            if step in node.any_members:
                return None
            shape = node.members[step]
        elif (node.kind == "array" and isinstance(step, int)) or (
            node.kind == "map" and isinstance(step, str)
        ):
            if node.element is None:
                return None
            shape = node.element
        else:
            return None
        node = compiled(node.service, shape)
    return node, shape
