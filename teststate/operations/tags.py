"""The tagging operations: TagResource, UntagResource, ListTagsForResource, and the request's tags
as CreateStateMachine reads them too (`request_tags`).

A state machine itself and an activity are taggable (not a version nor an alias); the tags are
stored by `teststate.storage.tags`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from teststate.arns import parse_resource_arn
from teststate.errors import ResourceNotFound, TooManyTags, ValidationException
from teststate.operations.common import database
from teststate.storage import activities as activity_store
from teststate.storage import tags as store
from teststate.storage.db import Database
from teststate.storage.machine_tables import ensure_tables, machine_exists

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig

__all__ = ["list_tags_for_resource", "request_tags", "tag_resource", "untag_resource"]

Payload = dict[str, Any]

# Not recorded: ours.
MSG_TAG_WITHOUT_KEY: Final = "Every tag needs a key"


def request_tags(value: Any) -> list[store.Tag]:
    """The request's tags. The model marks neither member of a Tag required; a tag without a key
    cannot be stored (AWS's answer is not recorded; ours: ValidationException), a missing value
    is the empty one."""
    tags = []
    for tag in value or ():
        if tag.get("key") is None:
            raise ValidationException(MSG_TAG_WITHOUT_KEY)
        tags.append(store.Tag(tag["key"], tag.get("value") or ""))
    return tags


def _taggable(text: str, db: Database) -> store.Exists:
    """How to tell whether the resource a tagging request names exists: a state machine, or an
    activity (`parse_resource_arn` answers None for one); ResourceNotFound for a version or alias
    (recorded: api/test_sfn_api_tagging/test_tag_state_machine_version)."""
    arn = parse_resource_arn(text)
    if arn is None:
        activity_store.ensure_tables(db)
        return activity_store.activity_exists
    if arn.version is not None or arn.alias is not None:
        raise ResourceNotFound(text)
    ensure_tables(db)
    return machine_exists


def tag_resource(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """TagResource: add or overwrite; at most `store.MAX_TAGS` per resource."""
    db = database(config, "TagResource")
    text = str(body["resourceArn"])
    done = store.tag_resource(db, text, request_tags(body["tags"]), _taggable(text, db))
    if done is None:
        raise ResourceNotFound(text)
    if not done:
        raise TooManyTags(text, store.MAX_TAGS)
    return {}


def untag_resource(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """UntagResource: keys the resource does not have are ignored (recorded:
    api/test_sfn_api_tagging/test_untag_state_machine__tag_keys3)."""
    db = database(config, "UntagResource")
    text = str(body["resourceArn"])
    if not store.untag_resource(db, text, body["tagKeys"], _taggable(text, db)):
        raise ResourceNotFound(text)
    return {}


def list_tags_for_resource(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """ListTagsForResource, in the order the tags were first set."""
    db = database(config, "ListTagsForResource")
    text = str(body["resourceArn"])
    exists = _taggable(text, db)
    if not exists(db.connection(), text):
        raise ResourceNotFound(text)
    return {"tags": [{"key": tag.key, "value": tag.value} for tag in store.list_tags(db, text)]}
