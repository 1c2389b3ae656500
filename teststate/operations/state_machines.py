"""The control plane: state machines, and the dispatch table of every control-plane operation.

Each operation validates its body against botocore's model first (`teststate.validation.shapes`),
then applies its own rules in the order written in its function, each with AWS's code and message
where a case under tests/conformance/corpus/api records it (cited by case id), ours otherwise (said
so where it is used). A definition is checked by the validator TestState uses
(`teststate.operations.definitions`, which also answers ValidateStateMachineDefinition); versions
are `teststate.operations.versions`, tags `teststate.operations.tags`.

Timestamps are answered as epoch seconds (AWS JSON 1.0's timestamp format), with milliseconds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from teststate.arns import ACCOUNT, parse_state_machine_arn, state_machine_arn
from teststate.errors import (
    InvalidLoggingConfiguration,
    MissingRequiredParameter,
    ServiceQuotaExceededException,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
    TooManyTags,
    ValidationException,
)
from teststate.executions.codec import epoch
from teststate.operations.common import (
    DEFAULT_LOGGING,
    DEFAULT_PAGE_SIZE,
    Handler,
    check_name,
    database,
    page_token,
    read_page_token,
    validated,
)
from teststate.operations.definitions import check_definition, validate_state_machine_definition
from teststate.operations.tags import list_tags_for_resource, request_tags, tag_resource, untag_resource
from teststate.operations.test_state import account_from_role_arn
from teststate.operations.versions import (
    delete_state_machine_version,
    list_state_machine_versions,
    publish_state_machine_version,
)
from teststate.storage import machines as store
from teststate.storage.tags import MAX_TAGS
from teststate.storage.versions import MAX_VERSIONS

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig

__all__ = ["HANDLERS"]

Payload = dict[str, Any]


# Recorded: api/test_sfn_api/test_create_update_state_machine_base_update_none.
MSG_NOTHING_TO_UPDATE: Final = "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified"
# Not recorded: ours.
MSG_DESCRIPTION_WITHOUT_PUBLISH: Final = "Version description can only be set when publish is true"
MSG_QUALIFIED_DELETE: Final = (
    "DeleteStateMachine takes an unqualified state machine ARN: delete a version with "
    "DeleteStateMachineVersion"
)
MSG_LOGGING_DESTINATION: Final = "Logging destinations are required when the log level is not OFF"
MSG_ONE_DESTINATION: Final = "At most one logging destination can be specified"


# --------------------------------------------------------------------------------------------
# Shared rules
# --------------------------------------------------------------------------------------------
def _logging(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """``loggingConfiguration`` as DescribeStateMachine answers it: AWS's defaults filled in
    (recorded: ``{"includeExecutionData": false, "level": "OFF"}``, every DescribeStateMachine case)."""
    if value is None:
        return dict(DEFAULT_LOGGING)
    logging: dict[str, Any] = {
        "level": value.get("level") or "OFF",
        "includeExecutionData": bool(value.get("includeExecutionData", False)),
    }
    destinations = value.get("destinations")
    if destinations:
        if len(destinations) > 1:
            raise InvalidLoggingConfiguration(MSG_ONE_DESTINATION)
        logging["destinations"] = destinations
    elif logging["level"] != "OFF":
        raise InvalidLoggingConfiguration(MSG_LOGGING_DESTINATION)
    return logging


def _tracing(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """``tracingConfiguration`` with AWS's default (recorded: ``{"enabled": false}``)."""
    return {"enabled": bool((value or {}).get("enabled", False))}


def _describe(record: store.StateMachineRecord) -> Payload:
    """DescribeStateMachine's answer for a machine or a version (then ``stateMachineArn`` is the
    version's ARN, with its ``description``; API reference, DescribeStateMachine)."""
    payload: Payload = {
        "stateMachineArn": record.version_arn or record.arn,
        "name": record.name,
        "status": record.status,
        "definition": record.definition,
        "roleArn": record.role_arn,
        "type": record.type,
        "creationDate": epoch(record.creation_date),
        "loggingConfiguration": dict(record.logging),
        "tracingConfiguration": dict(record.tracing),
    }
    if record.revision_id is not None:
        payload["revisionId"] = record.revision_id
    if record.description is not None:
        payload["description"] = record.description
    if record.encryption is not None:
        payload["encryptionConfiguration"] = dict(record.encryption)
    return payload


# --------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------
def create_state_machine(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """CreateStateMachine: name rules, roleArn, definition for the type, logging, tags; then the
    idempotent create (`store.create_state_machine`)."""
    db = database(config, "CreateStateMachine")
    name: str = body["name"]
    check_name(name)
    account_from_role_arn(body["roleArn"])
    machine_type = body.get("type") or "STANDARD"
    check_definition(body["definition"], machine_type)
    publish = bool(body.get("publish"))
    description = body.get("versionDescription")
    if description is not None and not publish:
        raise ValidationException(MSG_DESCRIPTION_WITHOUT_PUBLISH)
    spec = store.MachineSpec(
        name=name,
        type=machine_type,
        definition=body["definition"],
        role_arn=body["roleArn"],
        logging=_logging(body.get("loggingConfiguration")),
        tracing=_tracing(body.get("tracingConfiguration")),
        encryption=body.get("encryptionConfiguration"),
    )
    arn = state_machine_arn(region, ACCOUNT, name)
    tags = request_tags(body.get("tags"))
    if len({tag.key for tag in tags}) > MAX_TAGS:
        raise TooManyTags(arn, MAX_TAGS)
    outcome, created, version = store.create_state_machine(
        db, arn, spec, tags=tags, publish=publish, version_description=description, now=time.time()
    )
    if outcome is store.CreateOutcome.CONFLICT:
        # Another definition, or the same one formatted otherwise (the text is compared):
        # api/test_sfn_api/test_create_duplicate_sm_name, test_create_duplicate_definition_format_sm.
        raise StateMachineAlreadyExists(arn)
    payload: Payload = {"stateMachineArn": arn, "creationDate": epoch(created)}
    if version is not None:
        payload["stateMachineVersionArn"] = version
    return payload


def describe_state_machine(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """DescribeStateMachine of a machine or a version ARN."""
    db = database(config, "DescribeStateMachine")
    text: str = body["stateMachineArn"]
    parse_state_machine_arn(text)
    record = store.get_state_machine(db, text)
    if record is None:
        raise StateMachineDoesNotExist(text)
    return _describe(record)


def update_state_machine(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """UpdateStateMachine: something to update, the machine, roleArn, definition; a change starts
    a new revision, ``publish`` publishes it."""
    db = database(config, "UpdateStateMachine")
    text: str = body["stateMachineArn"]
    arn = parse_state_machine_arn(text)
    updatable = (
        "definition",
        "roleArn",
        "loggingConfiguration",
        "tracingConfiguration",
        "encryptionConfiguration",
    )
    if all(body.get(member) is None for member in updatable):
        raise MissingRequiredParameter(MSG_NOTHING_TO_UPDATE)
    if arn.version is not None or arn.alias is not None:
        raise StateMachineDoesNotExist(text)  # not recorded: ours (only the machine itself is updatable)
    record = store.get_state_machine(db, text)
    if record is None:
        raise StateMachineDoesNotExist(text)
    changes: dict[str, Any] = {}
    if body.get("roleArn") is not None:
        account_from_role_arn(body["roleArn"])
        changes["role_arn"] = body["roleArn"]
    if body.get("definition") is not None:
        check_definition(body["definition"], record.type)
        changes["definition"] = body["definition"]
    if body.get("loggingConfiguration") is not None:
        changes["logging"] = _logging(body["loggingConfiguration"])
    if body.get("tracingConfiguration") is not None:
        changes["tracing"] = _tracing(body["tracingConfiguration"])
    if body.get("encryptionConfiguration") is not None:
        changes["encryption"] = body["encryptionConfiguration"]
    publish = bool(body.get("publish"))
    description = body.get("versionDescription")
    if description is not None and not publish:
        raise ValidationException(MSG_DESCRIPTION_WITHOUT_PUBLISH)
    result = store.update_state_machine(
        db,
        text,
        changes,
        publish=publish,
        version_description=description,
        new_revision_id=str(uuid.uuid4()),
        now=time.time(),
    )
    if result is None:  # deleted since it was read
        raise StateMachineDoesNotExist(text)
    if publish and result.version_arn is None:
        raise ServiceQuotaExceededException(f"State machine '{text}' has {MAX_VERSIONS} versions")
    payload: Payload = {"updateDate": epoch(result.update_date)}
    if result.revision_id is not None:
        payload["revisionId"] = result.revision_id
    if result.version_arn is not None:
        payload["stateMachineVersionArn"] = result.version_arn
    return payload


def delete_state_machine(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """DeleteStateMachine: idempotent (recorded: api/test_sfn_api/test_delete_nonexistent_sm);
    versions and tags go with the machine (API reference, DeleteStateMachine)."""
    db = database(config, "DeleteStateMachine")
    text: str = body["stateMachineArn"]
    arn = parse_state_machine_arn(text)
    if arn.version is not None or arn.alias is not None:
        raise ValidationException(MSG_QUALIFIED_DELETE)
    store.delete_state_machine(db, text)
    return {}


def list_state_machines(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """ListStateMachines of the request's region, by name, paginated (the token holds the last
    name answered and the region's ARN prefix)."""
    db = database(config, "ListStateMachines")
    prefix = state_machine_arn(region, ACCOUNT, "")
    token = body.get("nextToken")
    after = None if token is None else read_page_token(token, "n", str, p=prefix)
    limit = body.get("maxResults") or DEFAULT_PAGE_SIZE
    records, more = store.list_state_machines(db, prefix=prefix, after=after, limit=limit)
    payload: Payload = {
        "stateMachines": [
            {
                "stateMachineArn": record.arn,
                "name": record.name,
                "type": record.type,
                "creationDate": epoch(record.creation_date),
            }
            for record in records
        ]
    }
    if more:
        payload["nextToken"] = page_token(p=prefix, n=records[-1].name)
    return payload


HANDLERS: Final[Mapping[str, Handler]] = validated(
    {
        "CreateStateMachine": create_state_machine,
        "DescribeStateMachine": describe_state_machine,
        "UpdateStateMachine": update_state_machine,
        "DeleteStateMachine": delete_state_machine,
        "ListStateMachines": list_state_machines,
        "ListStateMachineVersions": list_state_machine_versions,
        "PublishStateMachineVersion": publish_state_machine_version,
        "DeleteStateMachineVersion": delete_state_machine_version,
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
        "ListTagsForResource": list_tags_for_resource,
        "ValidateStateMachineDefinition": validate_state_machine_definition,
    }
)
"""Operation name (without the ``AWSStepFunctions.`` prefix) -> handler, for `teststate.protocol`:
every control-plane operation, those of `definitions`, `versions` and `tags` included."""
