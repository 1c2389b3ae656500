"""Properties of ``mock.result`` validation (fieldValidationMode) over botocore's real output shapes.

A result built to fit an output shape passes STRICT; flipping the JSON type of one present member
makes it fail naming that member; NONE accepts any JSON at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from fuzz.strategies import json_values, valid_mock_results, validated_resources
from teststate.errors import ValidationException
from teststate.validation.mock_result import (
    PREFIX,
    Node,
    compiled,
    output_shape,
    resolve_resource,
    root_node,
    validate_mock_result,
)

# A value of another JSON type for each expectation (null is not one: it counts as absent).
WRONG: dict[str, Any] = {
    "string": 12345,
    "number": "12345",
    "boolean": "true",
    "array": {"not": "an array"},
    "object": ["not", "an", "object"],
    "map": "not a map",
}


def _root(resource: str) -> Node:
    target = resolve_resource(resource)
    located = output_shape(target) if target is not None else None
    assert target is not None and located is not None
    return root_node(target, *located)


def _members(
    value: Any, node: Node, path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str, Node]]:
    """Every present structure member with a checked type: (path to it, its key, its node)."""
    if node.kind == "object" and isinstance(value, dict):
        for key, item in value.items():
            shape_name = (node.members or {}).get(key)
            if shape_name is None or item is None or key in node.any_members:
                continue  # unknown, absent, or any JSON (nothing to flip)
            child = compiled(node.service, shape_name)
            if child.kind in WRONG:
                yield (*path, key), key, child
            yield from _members(item, child, (*path, key))
    elif node.kind in ("array", "map") and isinstance(value, (list, dict)) and node.element is not None:
        element = compiled(node.service, node.element)
        items = enumerate(value) if isinstance(value, list) else value.items()
        for index, item in items:
            yield from _members(item, element, (*path, index))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of `value` with the item at `path` replaced (the original is left alone)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        return [_replaced(item, rest, new) if i == head else item for i, item in enumerate(value)]
    return {key: _replaced(item, rest, new) if key == head else item for key, item in value.items()}


def _message(resource: str, result: Any, mode: str) -> str | None:
    try:
        validate_mock_result(resource, result, mode)
    except ValidationException as err:
        assert err.message is not None and err.message.startswith(PREFIX)
        return err.message[len(PREFIX) :]
    return None


@given(case=valid_mock_results())
def test_a_result_that_fits_the_shape_passes_strict_and_present(case: tuple[str, Any]) -> None:
    resource, result = case
    note(repr(case))
    assert _message(resource, result, "STRICT") is None
    assert _message(resource, result, "PRESENT") is None


@given(case=valid_mock_results(), data=st.data())
def test_flipping_one_members_type_fails_naming_it(case: tuple[str, Any], data: st.DataObject) -> None:
    resource, result = case
    members = list(_members(result, _root(resource)))
    if not members:
        return  # nothing present to flip (e.g. an output with no required member and none drawn)
    path, key, node = data.draw(st.sampled_from(members), label="member")
    flipped = _replaced(result, path, WRONG[node.kind])
    note(repr(flipped))
    for mode in ("STRICT", "PRESENT"):
        message = _message(resource, flipped, mode)
        assert message is not None and f"'{key}'" in message
        assert message.startswith(f"Field '{key}' must be ")
    assert _message(resource, flipped, "NONE") is None


@given(resource=validated_resources(), result=json_values())
def test_none_accepts_any_json(resource: str, result: Any) -> None:
    assert _message(resource, result, "NONE") is None


@given(resource=validated_resources(), result=json_values())
def test_any_json_gets_an_answer_or_a_v15_error(resource: str, result: Any) -> None:
    # Never anything but our ValidationException, whatever the JSON (spec 9: only our errors escape).
    for mode in ("STRICT", "PRESENT"):
        _message(resource, result, mode)
