"""The control plane: state machines, versions, tags and ValidateStateMachineDefinition.

Requests go through a real boto3 client answered in process by the real app (its own data
directory per test), so every answer is what a client sees: the protocol, the model validation,
the operation and the SQLite storage. Messages recorded from AWS (tests/conformance/corpus/api)
are asserted verbatim. The last tests run the storage from several processes at once, as
gunicorn's workers do.
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from teststate.app import create_app
from teststate.arns import (
    ACCOUNT,
    parse_execution_arn,
    parse_map_run_arn,
    parse_resource_arn,
    parse_state_machine_arn,
    state_machine_arn,
)
from teststate.errors import InvalidArn
from teststate.storage import machines as store
from teststate.storage.db import Database
from teststate.toolkit.client import inprocess_client

ROLE = "arn:aws:iam::123456789012:role/sfn-role"
PASS = json.dumps(
    {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
)
PASS2 = json.dumps(
    {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "two"}, "End": True}}}
)
REGION = "us-east-1"


@pytest.fixture
def sfn(tmp_path: Path) -> Iterator[Any]:
    app = create_app({"TESTSTATE_DATA_DIR": str(tmp_path), "TESTSTATE_LOG_LEVEL": "warning"})
    yield inprocess_client(app=app, region=REGION)


def _error(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Code"], error["Message"]


def _create(sfn: Any, name: str = "machine", definition: str = PASS, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE, **extra)
    return answer


# --------------------------------------------------------------------------------------------
# ARNs
# --------------------------------------------------------------------------------------------
def test_arns_parse_and_build() -> None:
    arn = state_machine_arn(REGION, ACCOUNT, "state.machine")
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:state.machine"
    parsed = parse_state_machine_arn(f"{arn}:3")
    assert (parsed.name, parsed.version, parsed.alias, parsed.base) == ("state.machine", 3, None, arn)
    assert parse_state_machine_arn(f"{arn}:prod").alias == "prod"
    execution = parse_execution_arn("arn:aws:states:us-east-1:123456789012:execution:sm:run-1")
    assert (execution.state_machine_name, execution.name, execution.express) == ("sm", "run-1", False)
    assert execution.state_machine_arn == state_machine_arn(REGION, ACCOUNT, "sm")
    express = parse_execution_arn("arn:aws:states:us-east-1:123456789012:express:sm:run:0b5e")
    assert (express.express, express.express_id) == (True, "0b5e")
    run = parse_map_run_arn("arn:aws:states:us-east-1:123456789012:mapRun:sm/Map:1234")
    assert (run.state_machine_name, run.label, run.run_id) == ("sm", "Map", "1234")
    assert parse_resource_arn("arn:aws:states:us-east-1:123456789012:activity:a") is None


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        # recorded: api/test_sfn_api/test_describe_invalid_arn_sm, test_describe_execution_invalid_arn
        (parse_state_machine_arn, "not_a_valid_arn", "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'"),
        (
            parse_execution_arn,
            "invalid_state_machine_arn",
            "Invalid Arn: 'Invalid ARN prefix: invalid_state_machine_arn'",
        ),
        (
            parse_state_machine_arn,
            "arn:aws:states:us-east-1:123456789012:execution:a:b",
            "Invalid Arn: 'Resource type not valid in this context: execution'",
        ),
        (
            parse_execution_arn,
            "arn:aws:states:us-east-1:123456789012:stateMachine:a",
            "Invalid Arn: 'Resource type not valid in this context: stateMachine'",
        ),
        (
            parse_state_machine_arn,
            "arn:aws:states:us-east-1:123456789012:stateMachine:",
            "Invalid Arn: 'Unable to parse the ARN: arn:aws:states:us-east-1:123456789012:stateMachine:'",
        ),
    ],
)
def test_invalid_arns(parse: Any, text: str, message: str) -> None:
    with pytest.raises(InvalidArn) as caught:
        parse(text)
    assert caught.value.message == message


# --------------------------------------------------------------------------------------------
# Create, describe
# --------------------------------------------------------------------------------------------
def test_create_and_describe_with_aws_defaults(sfn: Any) -> None:
    created = _create(sfn, "state.machine")
    arn = created["stateMachineArn"]
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:state.machine"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    described.pop("ResponseMetadata")
    assert described == {
        "stateMachineArn": arn,
        "name": "state.machine",
        "status": "ACTIVE",
        "definition": PASS,
        "roleArn": ROLE,
        "type": "STANDARD",
        "creationDate": created["creationDate"],
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": False},
    }


def test_create_express_with_configurations(sfn: Any) -> None:
    destination = {
        "cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:g:*"}
    }
    arn = _create(
        sfn,
        type="EXPRESS",
        loggingConfiguration={"level": "ALL", "includeExecutionData": True, "destinations": [destination]},
        tracingConfiguration={"enabled": True},
    )["stateMachineArn"]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["type"] == "EXPRESS"
    assert described["loggingConfiguration"] == {
        "level": "ALL",
        "includeExecutionData": True,
        "destinations": [destination],
    }
    assert described["tracingConfiguration"] == {"enabled": True}
    code, _ = _error(sfn.create_state_machine, name="m2", definition=PASS, roleArn=ROLE,
                     loggingConfiguration={"level": "ERROR"})  # fmt: skip
    assert code == "InvalidLoggingConfiguration"


def test_create_is_idempotent_for_the_same_parameters(sfn: Any) -> None:
    # recorded: api/test_sfn_api/test_create_exact_duplicate_sm
    first = _create(sfn)
    again = sfn.create_state_machine(name="machine", definition=PASS, roleArn=ROLE + "-other")
    assert (again["stateMachineArn"], again["creationDate"]) == (
        first["stateMachineArn"],
        first["creationDate"],
    )
    # the role of the repeated request is ignored, not applied (API reference, CreateStateMachine)
    assert sfn.describe_state_machine(stateMachineArn=first["stateMachineArn"])["roleArn"] == ROLE


@pytest.mark.parametrize(
    "definition",
    [
        PASS2,  # recorded: api/test_sfn_api/test_create_duplicate_sm_name
        json.dumps(json.loads(PASS), indent=4),  # recorded: test_create_duplicate_definition_format_sm
    ],
)
def test_create_with_other_parameters_conflicts(sfn: Any, definition: str) -> None:
    arn = _create(sfn)["stateMachineArn"]
    assert _error(sfn.create_state_machine, name="machine", definition=definition, roleArn=ROLE) == (
        "StateMachineAlreadyExists",
        f"State Machine Already Exists: '{arn}'",
    )


@pytest.mark.parametrize(
    "name", ["has space", "a/b", "a:b", "tab\tname", "star*", "br[a]ce", "q?", "dollar$"]
)
def test_create_refuses_names_breaking_aws_rules(sfn: Any, name: str) -> None:
    assert _error(sfn.create_state_machine, name=name, definition=PASS, roleArn=ROLE) == (
        "InvalidName",
        f"Invalid Name: '{name}'",
    )


def test_create_refuses_a_role_that_is_not_an_arn(sfn: Any) -> None:
    assert _error(sfn.create_state_machine, name="m", definition=PASS, roleArn="role") == (
        "InvalidArn",
        "Invalid Arn: 'Invalid ARN prefix: role'",
    )


def test_create_checks_the_definition_as_test_state_does(sfn: Any) -> None:
    # recorded: api/test_sfn_api/test_create_delete_invalid_sm
    definition = json.dumps({"Comment": "BASE_INVALID_DER", "StartAt": "State_1"})
    assert _error(sfn.create_state_machine, name="m", definition=definition, roleArn=ROLE) == (
        "InvalidDefinition",
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'",
    )
    # an expression that does not compile is refused by the same loader
    bad_path = json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$$$", "End": True}}}
    )
    code, message = _error(sfn.create_state_machine, name="m", definition=bad_path, roleArn=ROLE)
    assert code == "InvalidDefinition"
    assert "/States/P/InputPath" in message


def test_express_machines_refuse_callbacks_and_sync(sfn: Any) -> None:
    # recorded: api/test_sfn_api_express/test_illegal_callbacks__WAIT_FOR_TASK_TOKEN
    task = {"Type": "Task", "Resource": "arn:aws:states:::sns:publish.waitForTaskToken", "End": True}
    task["Parameters"] = {"TopicArn": "t", "Message": {"TaskToken.$": "$$.Task.Token"}}
    nested = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "Publish", "States": {"Publish": task}}],
            }
        },
    }
    assert _error(
        sfn.create_state_machine, name="x", definition=json.dumps(nested), roleArn=ROLE, type="EXPRESS"
    ) == (
        "InvalidDefinition",
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support "
        "'.waitForTaskToken' service integration  at /States/Par/Branches[0]/States/Publish/Resource'",
    )
    # the same definition is a valid STANDARD machine
    assert "stateMachineArn" in _create(sfn, "standard", json.dumps(nested))


def test_describe_errors(sfn: Any) -> None:
    missing = state_machine_arn(REGION, ACCOUNT, "nothing")
    assert _error(sfn.describe_state_machine, stateMachineArn=missing) == (
        "StateMachineDoesNotExist",
        f"State Machine Does Not Exist: '{missing}'",
    )
    assert _error(sfn.describe_state_machine, stateMachineArn="not_a_valid_arn") == (
        "InvalidArn",
        "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'",
    )


def test_model_validation_comes_first(sfn: Any) -> None:
    code, message = _error(sfn.list_state_machines, maxResults=1001)
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )


# --------------------------------------------------------------------------------------------
# Update, delete
# --------------------------------------------------------------------------------------------
def test_update_revisions(sfn: Any) -> None:
    arn = _create(sfn)["stateMachineArn"]
    assert "revisionId" not in sfn.describe_state_machine(stateMachineArn=arn)  # recorded: no revision yet
    first = sfn.update_state_machine(stateMachineArn=arn, definition=PASS2)
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert (described["definition"], described["revisionId"]) == (PASS2, first["revisionId"])
    # recorded (test_create_update_state_machine_same_parameters): nothing changed, same revision
    same = sfn.update_state_machine(stateMachineArn=arn, definition=PASS2, roleArn=ROLE)
    assert same["revisionId"] == first["revisionId"]
    role = sfn.update_state_machine(stateMachineArn=arn, roleArn=ROLE + "2")
    assert role["revisionId"] != first["revisionId"]
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == ROLE + "2"


def test_update_errors(sfn: Any) -> None:
    arn = _create(sfn)["stateMachineArn"]
    # recorded: api/test_sfn_api/test_create_update_state_machine_base_update_none
    assert _error(sfn.update_state_machine, stateMachineArn=arn) == (
        "MissingRequiredParameter",
        "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
    )
    missing = state_machine_arn(REGION, ACCOUNT, "nothing")
    assert (
        _error(sfn.update_state_machine, stateMachineArn=missing, definition=PASS)[0]
        == "StateMachineDoesNotExist"
    )
    assert _error(sfn.update_state_machine, stateMachineArn=arn, definition="{}")[0] == "InvalidDefinition"
    assert _error(sfn.update_state_machine, stateMachineArn=arn, versionDescription="d", roleArn=ROLE)[0] == (
        "ValidationException"
    )


def test_delete_is_idempotent_and_takes_versions_and_tags(sfn: Any, tmp_path: Path) -> None:
    arn = _create(sfn, tags=[{"key": "k", "value": "v"}], publish=True)["stateMachineArn"]
    assert sfn.delete_state_machine(stateMachineArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sfn.delete_state_machine(stateMachineArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _error(sfn.describe_state_machine, stateMachineArn=arn)[0] == "StateMachineDoesNotExist"
    assert _error(sfn.describe_state_machine, stateMachineArn=f"{arn}:1")[0] == "StateMachineDoesNotExist"
    # created again: no tags, versions numbered afresh
    again = _create(sfn, publish=True)
    assert again["stateMachineVersionArn"] == f"{arn}:1"
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []


# --------------------------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------------------------
def test_list_state_machines_by_name_with_pages(sfn: Any) -> None:
    names = [f"sm_{index}" for index in range(12)]
    for name in names:
        _create(sfn, name)
    pages = list(sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 5}))
    listed = [machine["name"] for page in pages for machine in page["stateMachines"]]
    assert listed == sorted(names)  # AWS's order (recorded: api/test_sfn_api/test_list_sms_pagination)
    assert [len(page["stateMachines"]) for page in pages] == [5, 5, 2]
    first = pages[0]["stateMachines"][0]
    assert set(first) == {"stateMachineArn", "name", "type", "creationDate"}
    assert _error(sfn.list_state_machines, nextToken="not-a-token")[0] == "InvalidToken"
    assert len(sfn.list_state_machines(maxResults=0)["stateMachines"]) == 12  # 0: the default page


def test_list_state_machines_is_per_region(sfn: Any, tmp_path: Path) -> None:
    _create(sfn, "here")
    other = inprocess_client(app=create_app({"TESTSTATE_DATA_DIR": str(tmp_path)}), region="eu-west-1")
    assert other.list_state_machines()["stateMachines"] == []


# --------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------
def test_versions(sfn: Any) -> None:
    created = _create(sfn, publish=True, versionDescription="first")
    arn = created["stateMachineArn"]
    assert created["stateMachineVersionArn"] == f"{arn}:1"
    # the current revision is published already: the same version (idempotent)
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == f"{arn}:1"
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=PASS2, publish=True)
    assert updated["stateMachineVersionArn"] == f"{arn}:2"
    version = sfn.describe_state_machine(stateMachineArn=f"{arn}:1")
    assert (version["stateMachineArn"], version["definition"], version["description"]) == (
        f"{arn}:1",
        PASS,
        "first",
    )
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [item["stateMachineVersionArn"] for item in listed] == [f"{arn}:2", f"{arn}:1"]  # newest first
    page = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=1)
    rest = sfn.list_state_machine_versions(stateMachineArn=arn, nextToken=page["nextToken"])
    assert [item["stateMachineVersionArn"] for item in rest["stateMachineVersions"]] == [f"{arn}:1"]
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:2")
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:2")  # idempotent
    sfn.update_state_machine(stateMachineArn=arn, definition=PASS)
    # a deleted version's number is not reused
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == f"{arn}:3"


def test_version_and_machine_page_tokens_are_checked(sfn: Any, tmp_path: Path) -> None:
    first = _create(sfn, "first", publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=first, definition=PASS2, publish=True)
    second = _create(sfn, "second", publish=True)["stateMachineArn"]
    token = sfn.list_state_machine_versions(stateMachineArn=first, maxResults=1)["nextToken"]
    assert (
        _error(sfn.list_state_machine_versions, stateMachineArn=second, nextToken=token)[0] == "InvalidToken"
    )
    # A token naming a version that is not a number (the old format's last ARN part): ours, refused.
    forged = base64.b64encode(f"{first}:\u00b2".encode()).decode()
    assert (
        _error(sfn.list_state_machine_versions, stateMachineArn=first, nextToken=forged)[0] == "InvalidToken"
    )
    token = sfn.list_state_machines(maxResults=1)["nextToken"]
    assert [m["name"] for m in sfn.list_state_machines(nextToken=token)["stateMachines"]] == ["second"]
    # A token is good in the region that issued it only.
    elsewhere = inprocess_client(app=create_app({"TESTSTATE_DATA_DIR": str(tmp_path)}), region="eu-west-1")
    assert _error(elsewhere.list_state_machines, nextToken=token)[0] == "InvalidToken"


def test_version_errors(sfn: Any) -> None:
    arn = _create(sfn)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=PASS2)
    code, _ = _error(sfn.publish_state_machine_version, stateMachineArn=arn, revisionId="stale")
    assert code == "ConflictException"
    missing = state_machine_arn(REGION, ACCOUNT, "nothing")
    assert _error(sfn.publish_state_machine_version, stateMachineArn=missing)[0] == "StateMachineDoesNotExist"
    assert _error(sfn.delete_state_machine_version, stateMachineVersionArn=arn)[0] == "InvalidArn"


# --------------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------------
def test_tags(sfn: Any) -> None:
    arn = _create(sfn, tags=[{"key": "a", "value": "1"}])["stateMachineArn"]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "b", "value": ""}, {"key": "a", "value": "2"}])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "a", "value": "2"},
        {"key": "b", "value": ""},
    ]
    sfn.untag_resource(resourceArn=arn, tagKeys=["a", "missing"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "b", "value": ""}]


def test_tag_errors(sfn: Any) -> None:
    arn = _create(sfn, publish=True)["stateMachineArn"]
    # recorded: api/test_sfn_api_tagging/test_tag_state_machine_version
    assert _error(sfn.tag_resource, resourceArn=f"{arn}:1", tags=[{"key": "k", "value": "v"}]) == (
        "ResourceNotFound",
        f"Resource not found: '{arn}:1'",
    )
    missing = state_machine_arn(REGION, ACCOUNT, "nothing")
    assert _error(sfn.list_tags_for_resource, resourceArn=missing)[0] == "ResourceNotFound"
    assert _error(sfn.untag_resource, resourceArn=missing, tagKeys=["k"])[0] == "ResourceNotFound"
    assert _error(sfn.tag_resource, resourceArn="nope", tags=[])[0] == "InvalidArn"
    many = [{"key": f"k{index}", "value": "v"} for index in range(store.MAX_TAGS)]
    sfn.tag_resource(resourceArn=arn, tags=many)
    assert (
        _error(sfn.tag_resource, resourceArn=arn, tags=[{"key": "one-more", "value": "v"}])[0]
        == "TooManyTags"
    )
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "k0", "value": "overwritten"}])  # not a new key: fine
    assert (
        _error(
            sfn.create_state_machine,
            name="n",
            definition=PASS,
            roleArn=ROLE,
            tags=[*many, {"key": "x", "value": ""}],
        )[0]
        == "TooManyTags"
    )


# --------------------------------------------------------------------------------------------
# ValidateStateMachineDefinition
# --------------------------------------------------------------------------------------------
def _validate(sfn: Any, definition: str, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = sfn.validate_state_machine_definition(definition=definition, **extra)
    answer.pop("ResponseMetadata")
    return answer


def test_validate_ok_and_fail(sfn: Any) -> None:
    assert _validate(sfn, PASS) == {"result": "OK", "diagnostics": [], "truncated": False}
    # recorded: api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__EMPTY_DICT
    assert _validate(sfn, "{}", type="STANDARD") == {
        "result": "FAIL",
        "diagnostics": [
            {
                "severity": "ERROR",
                "code": "SCHEMA_VALIDATION_FAILED",
                "message": "These fields are required: [States, StartAt]",
                "location": "/",
            }
        ],
        "truncated": False,
    }
    # ..._EMPTY_STRING: no location
    assert _validate(sfn, " ")["diagnostics"] == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Definition must be a valid JSON object",
        }
    ]
    # ..._NOT_A_DEF: Jackson's message and location
    assert _validate(sfn, "not a definition")["diagnostics"] == [
        {
            "severity": "ERROR",
            "code": "INVALID_JSON_DESCRIPTION",
            "message": "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token "
            "'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]",
            "location": '[Source: (String)"not a definition"; line: 1, column: 4]',
        }
    ]
    # more than maxResults: truncated
    assert _validate(sfn, "{}", maxResults=0)["truncated"] is False  # 0: the default (100)


def test_validate_express_rules(sfn: Any) -> None:
    task = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True}
    task["Parameters"] = {"StateMachineArn": "a"}
    definition = json.dumps({"StartAt": "T", "States": {"T": task}})
    assert _validate(sfn, definition, type="STANDARD")["result"] == "OK"
    assert _validate(sfn, definition, type="EXPRESS")["diagnostics"] == [
        {
            "severity": "ERROR",
            "code": "SCHEMA_VALIDATION_FAILED",
            "message": "Express state machine does not support '.sync' service integration",
            "location": "/States/T/Resource",
        }
    ]


# --------------------------------------------------------------------------------------------
# Several processes on one database file (gunicorn's workers)
# --------------------------------------------------------------------------------------------
def _create_in_process(data_dir: str, start: float) -> str:
    db = Database(data_dir)
    spec = store.MachineSpec(
        name="raced", type="STANDARD", definition=PASS, role_arn=ROLE, logging={}, tracing={"enabled": False}
    )
    while time.time() < start:
        time.sleep(0.001)
    outcome, _, _ = store.create_state_machine(
        db, state_machine_arn(REGION, ACCOUNT, "raced"), spec, tags=[], publish=False,
        version_description=None, now=time.time(),
    )  # fmt: skip
    return outcome.value


def _publish_in_process(data_dir: str, start: float) -> list[str]:
    db = Database(data_dir)
    arn = state_machine_arn(REGION, ACCOUNT, "raced")
    while time.time() < start:
        time.sleep(0.001)
    versions = []
    for index in range(10):
        store.update_state_machine(
            db, arn, {"definition": f'{{"StartAt":"P{index}-{time.time_ns()}"}}'}, publish=True,
            version_description=None, new_revision_id=f"{index}-{time.time_ns()}", now=time.time(),
        )  # fmt: skip
        result = store.get_state_machine(db, arn)
        assert result is not None
        versions.append(result.arn)
    return versions


def test_concurrent_creates_and_publishes_from_several_processes(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        start = time.time() + 1.0
        outcomes = pool.starmap(_create_in_process, [(str(tmp_path), start)] * 4)
        assert sorted(outcomes) == ["created", "idempotent", "idempotent", "idempotent"]
        start = time.time() + 1.0
        pool.starmap(_publish_in_process, [(str(tmp_path), start)] * 4)
    arn = state_machine_arn(REGION, ACCOUNT, "raced")
    versions, more = store.list_versions(Database(tmp_path), arn)
    assert not more
    # 40 publishing updates, each a new revision: 40 distinct versions numbered 1..40
    assert sorted(int(version.arn.rpartition(":")[2]) for version in versions) == list(range(1, 41))
