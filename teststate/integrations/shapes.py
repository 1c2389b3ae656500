"""Step Functions' member names onto botocore's shapes, and botocore's answers back as JSON.

Requests: a Task's Parameters/Arguments name members in PascalCase even where the API uses
camelCase (AWS "Learning to use AWS service SDK integrations", "API naming conventions"); members
are matched against the input shape case-insensitively, recursively, and an ``Equals`` member is
written ``EqualsValue`` (same page). A member the shape does not have is refused (`UnknownField`),
as Step Functions refuses it. JSON null stands for an absent member. A blob member takes text (its
UTF-8 bytes) or any other JSON value (its JSON text): test_aws_sdk_task_service/
test_s3_put_object__num stores the number 0 as the text ``0`` (its ETag is md5("0")). An object
or array given for a string member is sent as its JSON text.

Answers: structures with their members in PascalCase and in alphabetical order, a streaming payload
(S3 ``Body``) last and as text, absent members left out, timestamps as Instant text, other blobs as
base64 (recorded: test_aws_sdk_task_service/test_s3_get_object__str, its ``Body`` after the sorted
members; blobs other than a payload are not recorded; ours: base64, JSON's usual spelling).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from interpreter.jsontypes import dumps
from teststate.integrations.java_render import instant_text

__all__ = ["UnknownField", "from_botocore", "to_botocore"]


class UnknownField(ValueError):
    """A parameter the operation's input shape does not have; `field` is its name as written."""

    def __init__(self, field: str) -> None:
        super().__init__(f'The field "{field}" is not supported by Step Functions')
        self.field = field


def _member_index(shape: Any) -> dict[str, str]:
    index = {name.lower(): name for name in shape.members}
    if "equals" in index:
        index.setdefault("equalsvalue", index["equals"])
    return index


def to_botocore(value: Any, shape: Any) -> Any:
    """`value` (parsed JSON) as botocore parameters of `shape`; raises `UnknownField`."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        index = _member_index(shape)
        converted: dict[str, Any] = {}
        for key, item in value.items():
            member = index.get(key.lower())
            if member is None:
                raise UnknownField(key)
            if item is not None:
                converted[member] = to_botocore(item, shape.members[member])
        return converted
    if kind == "list" and isinstance(value, list):
        return [to_botocore(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {key: to_botocore(item, shape.value) for key, item in value.items()}
    if kind == "blob":
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        return text.encode("utf-8")
    if kind == "string" and isinstance(value, Mapping | list):
        # An object or array given for a string member is sent as its JSON text: recorded for
        # StartExecution's Input (test_aws_sdk_task_service/
        # test_sfn_start_execution_implicit_json_serialisation); the callback pattern of AWS's
        # "Wait for a Callback with Task Token" passes SQS's MessageBody and SNS's Message so.
        return dumps(value)
    return value


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def from_botocore(value: Any, shape: Any) -> Any:
    """botocore's parsed `value` of `shape` as the JSON Step Functions' Java side renders."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        payload = shape.serialization.get("payload")
        rendered = {
            _pascal(name): from_botocore(value[name], member)
            for name, member in sorted(shape.members.items(), key=lambda item: _pascal(item[0]))
            if name != payload and value.get(name) is not None
        }
        if payload is not None and value.get(payload) is not None:
            rendered[_pascal(payload)] = from_botocore(value[payload], shape.members[payload])
        return rendered
    if kind == "list" and isinstance(value, list):
        return [from_botocore(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {key: from_botocore(item, shape.value) for key, item in value.items()}
    if kind == "blob" and isinstance(value, bytes | bytearray):
        if shape.serialization.get("streaming") or getattr(shape, "metadata", {}).get("streaming"):
            return bytes(value).decode("utf-8", errors="replace")
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return instant_text(value)
    return value
