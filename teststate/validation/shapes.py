"""Request validation for every Step Functions operation, from botocore's model of the API.

`validate(operation, body)` checks a decoded request body against the operation's input shape in
botocore's Step Functions model (the model AWS publishes: members, required members, types,
lengths, value ranges, enums, patterns) and raises the ONE error AWS's request layer (Coral)
answers, with the rules and wording TestState's own validation already follows
(`teststate.validation.request`, whose message builders are reused here):

- a member of the wrong JSON type fails deserialization before any constraint is looked at:
  `SerializationException` (``NUMBER_VALUE can not be converted to a String`` ...);
- constraint violations are collected over the whole request, in model order, and reported
  together: ``N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy
  constraint: <constraint>; ...`` (recorded: api/test_sfn_api/test_list_sms_pagination for
  ``maxResults`` and ``nextToken``, api/test_sfn_api/test_state_machine_status_filter for an enum);
- unknown members are ignored and ``null`` means absent, as Coral does for optional members;
- a list element's path is ``<member>.<1-based index>.member`` (``tags.1.member.key``), as Coral
  writes it; a sensitive member's value is left out of the message.

The model is read once, at import (botocore's loader, shared with `validation.mock_result`), and
compiled into a tree of `_Node` per operation; a shape kind or pattern the compiler does not know
is a RuntimeError at import, not at a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import is_integer
from teststate.validation.mock_result import service_model
from teststate.validation.request import (
    INT32_MAX,
    NOT_NULL,
    TypeMismatch,
    Violation,
    length_if_outside,
    to_api_error,
    type_mismatch,
)

__all__ = ["OPERATIONS", "validate"]

INT64_MAX: Final = 2**63 - 1

# AWS lists an enum's values in its own order, not always the model's. Recorded orders only; every
# other enum is listed in the model's order (not recorded: ours).
ENUM_ORDERS: Final[Mapping[str, tuple[str, ...]]] = {
    # api/test_sfn_api/test_state_machine_status_filter
    "ExecutionStatus": ("SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING"),
}

# Java regular-expression classes of the model's patterns, in Python's syntax.
_JAVA_CLASSES: Final[Mapping[str, str]] = {r"\p{ASCII}": r"[\x00-\x7F]"}


@dataclass(frozen=True, slots=True)
class _Node:
    """One shape of the model, compiled.

    Attributes:
        kind: ``string``, ``boolean``, ``integer``, ``long``, ``float``, ``double``,
            ``structure`` or ``list``.
        minimum, maximum: length bounds (string, list) or value bounds (integer, long).
        enum: allowed values, in the order AWS lists them.
        pattern: the compiled pattern and its text as the model writes it.
        sensitive: the value is left out of messages.
        members: (name, node, required) of a structure, in model order.
        member: a list's element.
    """

    kind: str
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    pattern: tuple[re.Pattern[str], str] | None = None
    sensitive: bool = False
    members: tuple[tuple[str, _Node, bool], ...] = ()
    member: _Node | None = None


_KINDS: Final = {"string", "boolean", "integer", "long", "float", "double", "structure", "list"}


def _compile_pattern(text: str) -> re.Pattern[str]:
    python = text
    for java, replacement in _JAVA_CLASSES.items():
        python = python.replace(java, replacement)
    if "\\p{" in python:
        raise RuntimeError(f"pattern {text!r} uses a Java class this module does not translate")
    return re.compile(python)


def _compile(shape: Any, seen: dict[str, _Node]) -> _Node:
    """The node for a botocore `Shape` (memoised by name; the model's inputs are not recursive)."""
    known = seen.get(shape.name)
    if known is not None:
        return known
    kind = shape.type_name
    if kind not in _KINDS:
        raise RuntimeError(f"shape {shape.name} of kind {kind} is not handled by the validator")
    meta = shape.metadata
    enum = meta.get("enum")
    pattern = meta.get("pattern")
    members: tuple[tuple[str, _Node, bool], ...] = ()
    member = None
    if kind == "structure":
        required = set(meta.get("required", ()))
        members = tuple((name, _compile(sub, seen), name in required) for name, sub in shape.members.items())
    elif kind == "list":
        member = _compile(shape.member, seen)
    node = _Node(
        kind=kind,
        minimum=meta.get("min"),
        maximum=meta.get("max"),
        enum=ENUM_ORDERS.get(shape.name, tuple(enum)) if enum else None,
        pattern=(_compile_pattern(pattern), pattern) if pattern else None,
        sensitive=bool(meta.get("sensitive")),
        members=members,
        member=member,
    )
    seen[shape.name] = node
    return node


def _load_operations() -> Mapping[str, _Node]:
    model = service_model("stepfunctions")
    if model is None:
        raise RuntimeError("botocore has no Step Functions model")
    seen: dict[str, _Node] = {}
    return {
        name: _compile(model.operation_model(name).input_shape, seen)
        for name in model.operation_names
        if model.operation_model(name).input_shape is not None
    }


OPERATIONS: Final[Mapping[str, _Node]] = _load_operations()
"""Every operation's compiled input shape, by operation name (``CreateStateMachine``)."""


# --------------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------------
Problems = dict[str, list[str]]
"""Member path -> its problems (`TypeMismatch` or `Violation`), in the order they were found."""


def _shown(node: _Node, value: Any) -> str:
    if node.sensitive:
        return ""
    if isinstance(value, list):
        return "'[" + ", ".join(str(item) for item in value) + "]'"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    return f"'{value}'"


def _check_string(node: _Node, value: Any, path: str, problems: Problems) -> None:
    if not isinstance(value, str):
        problems.setdefault(path, []).append(type_mismatch(value, "String"))
        return
    shown = _shown(node, value)
    found = problems.setdefault(path, [])
    if node.enum is not None and value not in node.enum:
        found.append(Violation(f"Member must satisfy enum value set: [{', '.join(node.enum)}]", shown))
    length = length_if_outside(value, node.minimum or 0, node.maximum)
    if length is not None:
        if node.minimum is not None and length < node.minimum:
            found.append(Violation(f"Member must have length greater than or equal to {node.minimum}", shown))
        if node.maximum is not None and length > node.maximum:
            found.append(Violation(f"Member must have length less than or equal to {node.maximum}", shown))
    if node.pattern is not None and node.pattern[0].fullmatch(value) is None:
        found.append(Violation(f"Member must satisfy regular expression pattern: {node.pattern[1]}", shown))
    if not found:
        del problems[path]


def _check_boolean(node: _Node, value: Any, path: str, problems: Problems) -> None:
    if type(value) is not bool:
        problems.setdefault(path, []).append(type_mismatch(value, "Boolean"))


def _check_number(node: _Node, value: Any, path: str, problems: Problems) -> None:
    target, top = ("Integer", INT32_MAX) if node.kind == "integer" else ("Long", INT64_MAX)
    if not is_integer(value) or not -top - 1 <= int(value) <= top:
        problems.setdefault(path, []).append(type_mismatch(value, target))
        return
    _check_range(node, int(value), path, problems)


def _check_real(node: _Node, value: Any, path: str, problems: Problems) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.setdefault(path, []).append(type_mismatch(value, node.kind.capitalize()))
        return
    _check_range(node, value, path, problems)


def _check_range(node: _Node, number: float, path: str, problems: Problems) -> None:
    """A number's value bounds (an integer, long, float or double shape's ``min``/``max``)."""
    if node.minimum is not None and number < node.minimum:
        problems.setdefault(path, []).append(
            Violation(f"Member must have value greater than or equal to {node.minimum}", f"'{number}'")
        )
    if node.maximum is not None and number > node.maximum:
        problems.setdefault(path, []).append(
            Violation(f"Member must have value less than or equal to {node.maximum}", f"'{number}'")
        )


def _check_structure(node: _Node, value: Any, path: str, problems: Problems) -> None:
    if isinstance(value, list):
        problems.setdefault(path, []).append(type_mismatch(value, "Structure"))
        return
    if not isinstance(value, dict):
        # TestState's wording for a scalar where a structure belongs (validation.request).
        problems.setdefault(path, []).append(TypeMismatch("Expected null"))
        return
    _check_members(node, value, f"{path}." if path else "", problems)


def _check_members(node: _Node, value: Mapping[str, Any], prefix: str, problems: Problems) -> None:
    for name, sub, required in node.members:
        item = value.get(name)
        if item is None:
            if required:
                problems.setdefault(prefix + name, []).append(NOT_NULL)
            continue
        _CHECKERS[sub.kind](sub, item, prefix + name, problems)


def _check_list(node: _Node, value: Any, path: str, problems: Problems) -> None:
    if not isinstance(value, list):
        problems.setdefault(path, []).append(type_mismatch(value, "List"))
        return
    size = len(value)
    if node.minimum is not None and size < node.minimum:
        problems.setdefault(path, []).append(
            Violation(f"Member must have length greater than or equal to {node.minimum}", _shown(node, value))
        )
    if node.maximum is not None and size > node.maximum:
        problems.setdefault(path, []).append(
            Violation(f"Member must have length less than or equal to {node.maximum}", _shown(node, value))
        )
    member = node.member
    if member is None:  # every list node has one (built by _compile)
        raise RuntimeError("a list shape without a member")
    check = _CHECKERS[member.kind]
    for index, item in enumerate(value, start=1):
        item_path = f"{path}.{index}.member"
        if item is None:
            problems.setdefault(item_path, []).append(NOT_NULL)
        else:
            check(member, item, item_path, problems)


_CHECKERS: Final[Mapping[str, Callable[[_Node, Any, str, Problems], None]]] = {
    "string": _check_string,
    "boolean": _check_boolean,
    "integer": _check_number,
    "long": _check_number,
    "float": _check_real,
    "double": _check_real,
    "structure": _check_structure,
    "list": _check_list,
}
if set(_CHECKERS) != _KINDS:
    raise RuntimeError("every shape kind needs exactly one checker")


def validate(operation: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """Check `body` against `operation`'s input shape; the body as the operation reads it.

    Arguments:
        operation: the operation's name without prefix (``CreateStateMachine``).
        body: the decoded JSON object of the request.

    Returns:
        `body`, with every integer or long member that came as an integral number with a
        fraction part (``1.0``, which the model accepts) as an int, as Coral's deserializer
        hands the service an int; `body` itself when it has none.

    Raises:
        SerializationException: a member has the wrong JSON type (the first one found).
        ModelValidationException: model constraints are violated (all of them, Coral wording).
        KeyError: `operation` is not in the model (a bug of the caller).
    """
    node = OPERATIONS[operation]
    problems: Problems = {}
    _check_members(node, body, "", problems)
    if problems:
        raise to_api_error(problems)
    normalised: Mapping[str, Any] = _integers(node, body)
    return normalised


def _integers(node: _Node, value: Any) -> Any:
    """`value` (valid for `node`) with its integral floats of integer and long shapes as ints;
    the same object when nothing changes."""
    if node.kind in ("integer", "long"):
        return int(value) if isinstance(value, float) else value
    if node.kind == "structure" and isinstance(value, dict):
        changed: dict[str, Any] | None = None
        for name, sub, _ in node.members:
            item = value.get(name)
            if item is None:
                continue
            new = _integers(sub, item)
            if new is not item:
                changed = changed if changed is not None else dict(value)
                changed[name] = new
        return changed if changed is not None else value
    if node.kind == "list" and node.member is not None and isinstance(value, list):
        items = [_integers(node.member, item) for item in value]
        return items if any(new is not old for new, old in zip(items, value, strict=True)) else value
    return value
