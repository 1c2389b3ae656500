"""The version operations: ListStateMachineVersions, PublishStateMachineVersion,
DeleteStateMachineVersion (the versions are stored by `teststate.storage.versions`; CreateStateMachine
and UpdateStateMachine publish with ``publish``, `teststate.operations.state_machines`).

Timestamps are answered as epoch seconds (AWS JSON 1.0's timestamp format), with milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from teststate.arns import parse_state_machine_arn
from teststate.errors import (
    ConflictException,
    InvalidArn,
    ServiceQuotaExceededException,
    StateMachineDoesNotExist,
)
from teststate.executions.codec import epoch
from teststate.operations.common import DEFAULT_PAGE_SIZE, database, page_token, read_page_token
from teststate.storage import versions as store

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig

__all__ = ["delete_state_machine_version", "list_state_machine_versions", "publish_state_machine_version"]

Payload = dict[str, Any]

# Not recorded: ours.
MSG_NOT_A_VERSION: Final = "Invalid Arn: 'Not a state machine version ARN: {arn}'"


def list_state_machine_versions(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """ListStateMachineVersions, newest first, paginated (no error for an unknown machine: the
    model lists none for it; ours: an empty list). The token holds the last version number
    answered and the machine."""
    db = database(config, "ListStateMachineVersions")
    base = parse_state_machine_arn(body["stateMachineArn"]).base
    token = body.get("nextToken")
    below = None if token is None else read_page_token(token, "v", int, m=base)
    limit = body.get("maxResults") or DEFAULT_PAGE_SIZE
    versions, more = store.list_versions(db, base, below=below, limit=limit)
    payload: Payload = {
        "stateMachineVersions": [
            {"stateMachineVersionArn": version.arn, "creationDate": epoch(version.creation_date)}
            for version in versions
        ]
    }
    if more:
        payload["nextToken"] = page_token(m=base, v=versions[-1].version)
    return payload


def publish_state_machine_version(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """PublishStateMachineVersion of the current revision (idempotent)."""
    db = database(config, "PublishStateMachineVersion")
    text: str = body["stateMachineArn"]
    arn = parse_state_machine_arn(text)
    if arn.version is not None or arn.alias is not None:
        raise StateMachineDoesNotExist(text)  # not recorded: ours
    outcome, version, created = store.publish_version(
        db, text, revision_id=body.get("revisionId"), description=body.get("description"), now=time.time()
    )
    if outcome is store.PublishOutcome.NO_MACHINE:
        raise StateMachineDoesNotExist(text)
    if outcome is store.PublishOutcome.REVISION_CONFLICT:
        raise ConflictException(
            f"Failed to publish the state machine version: revisionId '{body.get('revisionId')}' "
            "is not the current revision"  # not recorded: ours
        )
    if outcome is store.PublishOutcome.TOO_MANY or version is None or created is None:
        raise ServiceQuotaExceededException(f"State machine '{text}' has {store.MAX_VERSIONS} versions")
    return {"stateMachineVersionArn": version, "creationDate": epoch(created)}


def delete_state_machine_version(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """DeleteStateMachineVersion: idempotent, like DeleteStateMachine."""
    db = database(config, "DeleteStateMachineVersion")
    text: str = body["stateMachineVersionArn"]
    arn = parse_state_machine_arn(text)
    if arn.version is None:
        raise InvalidArn(MSG_NOT_A_VERSION.format(arn=text))
    store.delete_version(db, text)
    return {}
