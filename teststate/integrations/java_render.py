"""How Step Functions' Java side renders what a service answered: map order and timestamps.

Step Functions is a Java service: the results of its optimized integrations are AWS SDK for Java
(v1) objects turned into JSON, those of AWS SDK integrations SDK for Java v2 objects. Two details of
that rendering are visible in a Task's result and are reproduced here:

- Maps the SDK fills (`java.util.HashMap`) come out in HashMap iteration order: by bucket, i.e. by
  ``String.hashCode`` spread and masked to the table size. Recorded: every ``AllHttpHeaders`` of the
  executions corpus (for example test_lambda_task_service/test_invoke_unsupported_param,
  test_dynamodb_task_service/test_base_integrations__DYNAMODB_PUT_UPDATE_GET_ITEM) and DynamoDB
  ``Item`` maps of the optimized integration follow exactly this order.
- Timestamps are `java.time.Instant` text (``2024-03-06T10:29:14.123Z``: the fraction only when
  non-zero, in groups of three digits), which the corpus records as ISO-8601 (``"date"`` after
  normalisation, test_aws_sdk_task_service/test_sfn_start_execution_implicit_json_serialisation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

__all__ = ["hashmap_order", "instant_text"]

_V = TypeVar("_V")

_INITIAL_CAPACITY: Final = 16
_LOAD_FACTOR: Final = 0.75
_INT_MASK: Final = 0xFFFFFFFF


def _string_hash(text: str) -> int:
    """Java's ``String.hashCode`` over UTF-16 code units, as an unsigned 32-bit value."""
    units = text.encode("utf-16-le")
    value = 0
    for index in range(0, len(units), 2):
        value = (31 * value + int.from_bytes(units[index : index + 2], "little")) & _INT_MASK
    return value


def _capacity(count: int) -> int:
    # HashMap starts at 16 buckets and doubles whenever size exceeds capacity * 0.75.
    capacity = _INITIAL_CAPACITY
    while count > capacity * _LOAD_FACTOR:
        capacity *= 2
    return capacity


def hashmap_order(entries: Iterable[tuple[str, _V]]) -> dict[str, _V]:
    """The entries in the order a `java.util.HashMap` filled in this order iterates them.

    Within a bucket, insertion order (the list a resize splits keeps its relative order). Buckets
    that Java turns into trees (more than 8 colliding keys) are not modelled: not seen in practice.
    """
    items = list(dict(entries).items())
    mask = _capacity(len(items)) - 1

    def bucket(item: tuple[str, Any]) -> int:
        value = _string_hash(item[0])
        return (value ^ (value >> 16)) & mask

    return dict(sorted(items, key=bucket))


def hashmap_order_deep(value: Any, maps: frozenset[str]) -> Any:
    """`value` with every JSON object reached under a key in `maps` put in HashMap order."""
    if isinstance(value, Mapping):
        return {key: _deep(key, item, maps) for key, item in value.items()}
    if isinstance(value, list):
        return [hashmap_order_deep(item, maps) for item in value]
    return value


def _deep(key: str, value: Any, maps: frozenset[str]) -> Any:
    if key in maps and isinstance(value, Mapping):
        return hashmap_order((name, hashmap_order_deep(item, maps)) for name, item in value.items())
    return hashmap_order_deep(value, maps)


def instant_text(moment: dt.datetime) -> str:
    """`moment` as `java.time.Instant.toString` writes it (UTC, ``Z``, fraction in 3-digit groups)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    micros = utc.microsecond
    if micros:
        text += f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return text + "Z"
