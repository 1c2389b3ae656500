"""The control plane: state machines, their versions and tags, and definition validation.

Each operation validates its body against botocore's model first (`teststate.validation.shapes`),
then applies its own rules in the order written in its function, each with AWS's code and message
where a case under tests/conformance/corpus/api records it (cited by case id), ours otherwise (said
so where it is used). A definition is checked by the validator TestState uses
(`interpreter.definition.loader.load_machine`: the schema, then every expression compiled), so
CreateStateMachine, UpdateStateMachine and ValidateStateMachineDefinition agree with TestState on
what is valid and on AWS's wording of what is not.

Timestamps are answered as epoch seconds (AWS JSON 1.0's timestamp format), with milliseconds.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from interpreter.definition.loader import load_machine
from interpreter.errors import DefinitionError
from interpreter.json_errors import jackson_error
from interpreter.jsontypes import JSON, loads
from interpreter.schema import validate_machine
from interpreter.schema.messages import NO_LOCATION
from teststate.arns import (
    ACCOUNT,
    parse_resource_arn,
    parse_state_machine_arn,
    state_machine_arn,
)
from teststate.errors import (
    ConflictException,
    InvalidArn,
    InvalidLoggingConfiguration,
    MissingRequiredParameter,
    ResourceNotFound,
    ServiceQuotaExceededException,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
    TooManyTags,
    ValidationException,
    api_error_for,
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
from teststate.operations.test_state import account_from_role_arn
from teststate.storage import machines as store

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig

__all__ = ["HANDLERS", "definition_problem"]

Payload = dict[str, Any]

DEFAULT_DIAGNOSTICS: Final = 100  # ValidateStateMachineDefinition's maxResults default

# Recorded: api/test_sfn_api/test_create_update_state_machine_base_update_none.
MSG_NOTHING_TO_UPDATE: Final = "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified"
# Not recorded: ours.
MSG_DESCRIPTION_WITHOUT_PUBLISH: Final = "Version description can only be set when publish is true"
MSG_QUALIFIED_DELETE: Final = (
    "DeleteStateMachine takes an unqualified state machine ARN: delete a version with "
    "DeleteStateMachineVersion"
)
MSG_NOT_A_VERSION: Final = "Invalid Arn: 'Not a state machine version ARN: {arn}'"
MSG_LOGGING_DESTINATION: Final = "Logging destinations are required when the log level is not OFF"
MSG_ONE_DESTINATION: Final = "At most one logging destination can be specified"
MSG_TAG_WITHOUT_KEY: Final = "Every tag needs a key"

# Express machines do not run the callback and .sync patterns (Step Functions developer guide,
# "Choosing workflow type": Express workflows do not support .sync or .waitForTaskToken).
# Recorded wording, the trailing space of the second one included:
# api/test_sfn_api_express/test_illegal_callbacks__SYNC, ..._WAIT_FOR_TASK_TOKEN.
_EXPRESS_REFUSALS: Final = (
    (re.compile(r"\.sync(?::\d+)?$"), "Express state machine does not support '.sync' service integration"),
    (
        re.compile(r"\.waitForTaskToken$"),
        "Express state machine does not support '.waitForTaskToken' service integration ",
    ),
    # Activities: not recorded, ours in the same words.
    (
        re.compile(r"^arn:[^:]+:states:[^:]*:[^:]*:activity:"),
        "Express state machine does not support Activity ARN",
    ),
)


# --------------------------------------------------------------------------------------------
# Shared rules
# --------------------------------------------------------------------------------------------
def _express_problem(document: Mapping[str, JSON], pointer: str) -> DefinitionError | None:
    """The first Task of an express machine using a pattern Express does not run, depth first in
    document order (as the schema's walk reports problems)."""
    states = document.get("States")
    if not isinstance(states, dict):
        return None
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        state_pointer = f"{pointer}/States/{name}" if pointer != "/" else f"/States/{name}"
        resource = state.get("Resource")
        if state.get("Type") == "Task" and isinstance(resource, str):
            for pattern, detail in _EXPRESS_REFUSALS:
                if pattern.search(resource):
                    return DefinitionError(detail, f"{state_pointer}/Resource")
        subs: list[tuple[Mapping[str, JSON], str]] = []
        if state.get("Type") == "Parallel" and isinstance(state.get("Branches"), list):
            subs = [
                (branch, f"{state_pointer}/Branches[{index}]")
                for index, branch in enumerate(state["Branches"])
                if isinstance(branch, dict)
            ]
        elif state.get("Type") == "Map":
            key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
            processor = state.get(key)
            if isinstance(processor, dict):
                subs = [(processor, f"{state_pointer}/{key}")]
        for sub, sub_pointer in subs:
            problem = _express_problem(sub, sub_pointer)
            if problem is not None:
                return problem
    return None


def definition_problem(text: str, machine_type: str) -> DefinitionError | None:
    """The first problem of a whole-machine definition, or None if it is valid for `machine_type`.

    The validator is TestState's (`load_machine`: schema and expressions, cached by text). A text
    with no JSON value at all reads as "no object": AWS answers ``Definition must be a valid JSON
    object`` without a location (recorded:
    api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__EMPTY_STRING).
    """
    try:
        if not text.strip(" \t\n\r"):
            validate_machine(None)
        load_machine(text, single_state=False)
    except DefinitionError as err:
        return err
    if machine_type == "EXPRESS":
        document = loads(text)
        if isinstance(document, dict):
            return _express_problem(document, "/")
    return None


def _check_definition(text: str, machine_type: str) -> None:
    problem = definition_problem(text, machine_type)
    if problem is not None:
        raise api_error_for(problem)


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


def _tags(value: Any) -> list[store.Tag]:
    """The request's tags. The model marks neither member of a Tag required; a tag without a key
    cannot be stored (AWS's answer is not recorded; ours: ValidationException), a missing value
    is the empty one."""
    tags = []
    for tag in value or ():
        if tag.get("key") is None:
            raise ValidationException(MSG_TAG_WITHOUT_KEY)
        tags.append(store.Tag(tag["key"], tag.get("value") or ""))
    return tags


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
    _check_definition(body["definition"], machine_type)
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
    tags = _tags(body.get("tags"))
    if len({tag.key for tag in tags}) > store.MAX_TAGS:
        raise TooManyTags(arn, store.MAX_TAGS)
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
        _check_definition(body["definition"], record.type)
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
        raise ServiceQuotaExceededException(f"State machine '{text}' has {store.MAX_VERSIONS} versions")
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


def _taggable(text: str) -> str:
    """The machine a tagging request names; ResourceNotFound for a version or alias (recorded:
    api/test_sfn_api_tagging/test_tag_state_machine_version) or an activity (none here)."""
    arn = parse_resource_arn(text)
    if arn is None or arn.version is not None or arn.alias is not None:
        raise ResourceNotFound(text)
    return text


def tag_resource(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """TagResource: add or overwrite; at most `store.MAX_TAGS` per resource."""
    db = database(config, "TagResource")
    text = _taggable(body["resourceArn"])
    done = store.tag_resource(db, text, _tags(body["tags"]))
    if done is None:
        raise ResourceNotFound(text)
    if not done:
        raise TooManyTags(text, store.MAX_TAGS)
    return {}


def untag_resource(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """UntagResource: keys the resource does not have are ignored (recorded:
    api/test_sfn_api_tagging/test_untag_state_machine__tag_keys3)."""
    db = database(config, "UntagResource")
    text = _taggable(body["resourceArn"])
    if not store.untag_resource(db, text, body["tagKeys"]):
        raise ResourceNotFound(text)
    return {}


def list_tags_for_resource(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """ListTagsForResource, in the order the tags were first set."""
    db = database(config, "ListTagsForResource")
    text = _taggable(body["resourceArn"])
    if store.get_state_machine(db, text) is None:
        raise ResourceNotFound(text)
    return {"tags": [{"key": tag.key, "value": tag.value} for tag in store.list_tags(db, text)]}


def _diagnostic(problem: DefinitionError, text: str) -> Payload:
    """A diagnostic from the validator's error: its code, its detail as the message, its pointer
    as the location (none for ``null``; for JSON that does not parse, Jackson's location:
    api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__NOT_A_DEF)."""
    diagnostic: Payload = {"severity": "ERROR", "code": problem.code, "message": problem.detail}
    location: str | None = problem.pointer
    if problem.code == "INVALID_JSON_DESCRIPTION":
        refusal = jackson_error(text)
        location = refusal.location if refusal is not None else None
    if location and location != NO_LOCATION:
        diagnostic["location"] = location
    return diagnostic


def validate_state_machine_definition(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """ValidateStateMachineDefinition: never an error for the definition itself, a result instead.

    The validator reports the first problem only (it stops there) and has no warnings, so the
    answer holds at most one ERROR diagnostic; ``severity`` WARNING asks for warnings too (none),
    ``maxResults`` 0 means the default (100).
    """
    text: str = body["definition"]
    problem = definition_problem(text, body.get("type") or "STANDARD")
    diagnostics = [] if problem is None else [_diagnostic(problem, text)]
    limit = body.get("maxResults") or DEFAULT_DIAGNOSTICS
    return {
        "result": "OK" if problem is None else "FAIL",
        "diagnostics": diagnostics[:limit],
        "truncated": len(diagnostics) > limit,
    }


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
"""Operation name (without the ``AWSStepFunctions.`` prefix) -> handler, for `teststate.protocol`."""
