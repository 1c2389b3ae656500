"""The context object: AWS's generated default, and validation of a caller's context."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from interpreter import (
    ContextError,
    Mock,
    Status,
    World,
    default_context,
    load_definition,
    run_state,
    validate_context,
)
from interpreter.context import DEFAULT_ACCOUNT, DEFAULT_REGION, iso_timestamp
from interpreter.definition.loader import LoadedState

NOW = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
ROLE = "arn:aws:iam::123456789012:role/TestStateRole"

MAP = {
    "Type": "Map",
    "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
    "End": True,
}
PARALLEL = {
    "Type": "Parallel",
    "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}],
    "End": True,
}
DEFINITIONS: dict[str, dict[str, Any]] = {
    "Pass": {"Type": "Pass", "End": True},
    "Wait": {"Type": "Wait", "Seconds": 1, "End": True},
    "Choice": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "X"}]},
    "Succeed": {"Type": "Succeed"},
    "Fail": {"Type": "Fail"},
    "Task": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True},
    "Map": MAP,
    "Parallel": PARALLEL,
}


def _loaded(state_type: str) -> LoadedState:
    return load_definition(json.dumps(DEFINITIONS[state_type]), None)


def _task(resource: str) -> LoadedState:
    return load_definition(json.dumps({"Type": "Task", "Resource": resource, "End": True}), None)


def _world(seed: int = 7, now: datetime = NOW) -> World:
    return World(now=now, rng=random.Random(seed))


# --------------------------------------------------------------------------------------------
# Default context


@pytest.mark.parametrize(
    ("state_type", "state"),
    [
        ("Pass", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z"}),
        ("Wait", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z"}),
        ("Choice", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z"}),
        ("Succeed", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z"}),
        ("Fail", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z"}),
        ("Task", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z", "RetryCount": 0}),
        ("Map", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z", "RetryCount": 0}),
        ("Parallel", {"Name": "StateName", "EnteredTime": "2024-05-06T07:08:09.123Z", "RetryCount": 0}),
    ],
)
def test_default_context_state_section(state_type: str, state: dict[str, Any]) -> None:
    context = default_context(loaded=_loaded(state_type), input={"a": 1}, role_arn=None, world=_world())
    assert context["State"] == state
    assert list(context) == ["Execution", "StateMachine", "State"]


@pytest.mark.parametrize(("state_type", "expected"), [("Task", 3), ("Map", 3), ("Pass", None)])
def test_default_context_retry_count_is_the_configured_retry(state_type: str, expected: int | None) -> None:
    # stateConfiguration.retrierRetryCount: the test stands for that attempt (our reading; only
    # the count 0 without a configuration is recorded).
    context = default_context(
        loaded=_loaded(state_type), input={}, role_arn=None, world=_world(), retry_count=3
    )
    assert context["State"].get("RetryCount") == expected


@pytest.mark.parametrize(
    ("region", "account", "role_arn"),
    [
        (DEFAULT_REGION, DEFAULT_ACCOUNT, None),
        ("eu-west-3", "210987654321", "arn:aws:iam::210987654321:role/R"),
    ],
)
def test_default_context_shape(region: str, account: str, role_arn: str | None) -> None:
    input = {"Value": "HelloWorld", "n": [1, 2]}
    context = default_context(
        loaded=_loaded("Pass"), input=input, role_arn=role_arn, region=region, account=account, world=_world()
    )
    execution, machine = context["Execution"], context["StateMachine"]
    assert list(execution) == ["Id", "Input", "Name", "RoleArn", "StartTime"]
    assert list(machine) == ["Id", "Name"]
    assert re.fullmatch(UUID4, execution["Name"])
    assert machine["Name"]
    assert (
        execution["Id"] == f"arn:aws:states:{region}:{account}:express:{machine['Name']}:{execution['Name']}"
    )
    assert machine["Id"] == f"arn:aws:states:{region}:{account}:stateMachine:{machine['Name']}"
    assert execution["Input"] == input
    assert execution["RoleArn"] == role_arn
    assert execution["StartTime"] == "2024-05-06T07:08:09.123Z"


def test_default_account_and_region() -> None:
    assert (DEFAULT_ACCOUNT, DEFAULT_REGION) == ("123456789012", "us-east-1")
    context = default_context(loaded=_loaded("Task"), input={}, role_arn=ROLE, world=_world())
    assert context["Execution"]["Id"].startswith("arn:aws:states:us-east-1:123456789012:express:")
    assert context["StateMachine"]["Id"].startswith("arn:aws:states:us-east-1:123456789012:stateMachine:")
    assert context["Execution"]["RoleArn"] == ROLE


def test_default_context_is_deterministic_for_a_seeded_world() -> None:
    loaded = _loaded("Task")
    first = default_context(loaded=loaded, input={"a": 1}, role_arn=None, world=_world(seed=42))
    second = default_context(loaded=loaded, input={"a": 1}, role_arn=None, world=_world(seed=42))
    other = default_context(loaded=loaded, input={"a": 1}, role_arn=None, world=_world(seed=43))
    assert first == second
    assert other["Execution"]["Name"] != first["Execution"]["Name"]
    assert other["StateMachine"]["Name"] != first["StateMachine"]["Name"]
    assert first["Execution"]["Name"] not in first["StateMachine"]["Name"]


def test_state_name_is_state_name_even_for_a_named_state_of_a_machine() -> None:
    machine = {"StartAt": "Real", "States": {"Real": {"Type": "Pass", "End": True}}}
    loaded = load_definition(json.dumps(machine), "Real")
    context = default_context(loaded=loaded, input={}, role_arn=None, world=_world())
    assert context["State"]["Name"] == "StateName"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC), "2024-05-06T07:08:09.123Z"),
        (datetime(2024, 5, 6, 7, 8, 9, 999999, tzinfo=UTC), "2024-05-06T07:08:09.999Z"),
        (datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), "2024-05-06T07:08:09.000Z"),
        (datetime(1999, 12, 31, 23, 59, 59, 1000, tzinfo=UTC), "1999-12-31T23:59:59.001Z"),
    ],
)
def test_iso_timestamp_has_milliseconds_and_z(moment: datetime, text: str) -> None:
    assert iso_timestamp(moment) == text


def test_iso_timestamp_converts_other_zones_to_utc() -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert iso_timestamp(moment) == "2024-05-06T05:08:09.123Z"


def test_default_context_is_what_dollar_dollar_reads() -> None:
    definition = {"Type": "Pass", "Parameters": {"ctx.$": "$$", "name.$": "$$.State.Name"}, "End": True}
    loaded = load_definition(json.dumps(definition), None)
    context = default_context(loaded=loaded, input={"a": 1}, role_arn=None, world=_world())
    result = run_state(loaded, input={"a": 1}, context=context, variables={}, world=_world())
    assert result.status is Status.SUCCEEDED
    assert result.output == {"ctx": context, "name": "StateName"}


# --------------------------------------------------------------------------------------------
# validate_context

FULL_CONTEXT: dict[str, Any] = {
    "Execution": {
        "Id": "arn:aws:states:::execution:MyStateMachine:execution-name-12345",
        "Input": {"input-value": 0, "message": "test data", "values": ["charizard", "pikachu", "bulbasaur"]},
        "Name": "execution-name-12345",
        "RoleArn": "arn:aws:iam:::role/StepFunctionsRole",
        "StartTime": "2025-01-15T10:30:00.000Z",
    },
    "State": {"EnteredTime": "2025-01-15T10:30:01.500Z", "Name": "MyTaskState", "RetryCount": 0},
    "StateMachine": {"Id": "arn:aws:states:::stateMachine:MyStateMachine", "Name": "MyStateMachine"},
}
TASK_ERROR = (
    "Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' "
    "service integration pattern"
)


# Every member of the AWS Step Functions developer guide, "Accessing execution data from the
# Context object", section "Context object fields", as a real client (aws-stepfunctions-toolkit)
# sends it; Task is only allowed for a callback Task.
DOCUMENTED_CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:us-east-1:123456789012:execution:MyStateMachine:execution-name-12345",
        "Input": {"values": [1, 2]},
        "Name": "execution-name-12345",
        "RoleArn": "arn:aws:iam::123456789012:role/StepFunctionsRole",
        "StartTime": "2025-01-15T10:30:00.000Z",
        "RedriveCount": 0,
        "RedriveTime": "2025-01-15T10:35:00.000Z",
    },
    "State": {"EnteredTime": "2025-01-15T10:30:01.500Z", "Name": "MyTaskState", "RetryCount": 0},
    "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:MyStateMachine", "Name": "M"},
}


def test_every_documented_member_is_accepted_and_read_as_given() -> None:
    task = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    context = {**DOCUMENTED_CONTEXT, "Task": {"Token": "abcd123"}}
    assert validate_context(context, _task(task)) is None
    loaded = load_definition(
        json.dumps(
            {
                "Type": "Task",
                "Resource": task,
                "Parameters": {
                    "QueueUrl": "q",
                    "MessageBody": {"all.$": "$$", "redrives.$": "$$.Execution.RedriveCount"},
                },
                "End": True,
            }
        ),
        None,
    )
    result = run_state(
        loaded, input={}, context=context, variables={}, world=_world(), mock=Mock(result={"MessageId": "m"})
    )
    assert result.status is Status.SUCCEEDED
    assert result.inspection["afterParameters"]["MessageBody"] == {"all": context, "redrives": 0}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        # Recorded (aws/test_state_context_object/test_state_context_object_validation_failures__*,
        # test_state_context_object_invalid_states__TOKEN_TASK_NOT_SYNC).
        ({"Execution": {"Id": 1}}, "Execution.Id must be a string"),
        ({"Map": {}}, "'Map' field is not supported when mocking a Context object"),
        ({"Execution": {"pokemon": "squirtle"}}, "Field 'pokemon' is not allowed"),
        ({"Pokedex": {}}, "Field 'Pokedex' is not allowed"),
        ({**FULL_CONTEXT, "Task": {"Token": "abcd123"}}, TASK_ERROR),
        # Same rules for the other members (AWS's wording for them is not recorded).
        ({"Execution": {"Name": 5}}, "Execution.Name must be a string"),
        ({"Execution": {"RoleArn": 5}}, "Execution.RoleArn must be a string"),
        ({"Execution": {"StartTime": None}}, "Execution.StartTime must be a string"),
        ({"State": {"Name": ["x"]}}, "State.Name must be a string"),
        ({"State": {"EnteredTime": 0}}, "State.EnteredTime must be a string"),
        ({"State": {"RetryCount": -1}}, "State.RetryCount must be a non-negative integer"),
        ({"State": {"RetryCount": 1.5}}, "State.RetryCount must be a non-negative integer"),
        ({"State": {"RetryCount": "0"}}, "State.RetryCount must be a non-negative integer"),
        ({"State": {"RetryCount": True}}, "State.RetryCount must be a non-negative integer"),
        ({"Execution": {"RedriveCount": -1}}, "Execution.RedriveCount must be a non-negative integer"),
        ({"Execution": {"RedriveCount": "0"}}, "Execution.RedriveCount must be a non-negative integer"),
        ({"Execution": {"RedriveTime": 0}}, "Execution.RedriveTime must be a string"),
        ({"Execution": {"RedriveTime": None}}, "Execution.RedriveTime must be a string"),
        ({"Execution": {"ParentId": "x"}}, "Field 'ParentId' is not allowed"),
        ({"StateMachine": {"Id": {}}}, "StateMachine.Id must be a string"),
        ({"StateMachine": {"Name": None}}, "StateMachine.Name must be a string"),
        ({"StateMachine": {"Version": "1"}}, "Field 'Version' is not allowed"),
        ({"State": {"Retry": 0}}, "Field 'Retry' is not allowed"),
        ({"Task": {"Token": "t"}}, TASK_ERROR),
        ({"Task": {}}, TASK_ERROR),
        ({"execution": {}}, "Field 'execution' is not allowed"),
        # The first problem in member order wins.
        ({"Execution": {"Id": 1, "pokemon": "x"}}, "Execution.Id must be a string"),
        ({"Pokedex": {}, "Map": {}}, "Field 'Pokedex' is not allowed"),
        ({"Map": {}, "Pokedex": {}}, "'Map' field is not supported when mocking a Context object"),
        ({"Task": {"Token": 1}}, "Task.Token must be a string"),
        # Wording not recorded.
        ([], "Context object must be a JSON object"),
        ("ctx", "Context object must be a JSON object"),
        ({"State": 1}, "State must be an object"),
    ],
)
def test_invalid_contexts_are_rejected_with_aws_messages(context: Any, message: str) -> None:
    with pytest.raises(ContextError) as raised:
        validate_context(context, _loaded("Task"))
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"Execution": {}, "State": {}, "StateMachine": {}},
        FULL_CONTEXT,
        {"Execution": {"RoleArn": None}},  # AWS's own default has RoleArn null
        {"Execution": {"Input": None}},
        {"Execution": {"Input": [1, "two", {"three": 3}]}},
        {"State": {"RetryCount": 0}},
        {"State": {"RetryCount": 12}},
        {"Execution": {"RedriveCount": 0, "RedriveTime": "2025-01-15T10:30:00.000Z"}},
        {"Execution": {"RedriveCount": 2.0}},
        DOCUMENTED_CONTEXT,
    ],
)
@pytest.mark.parametrize("state_type", ["Pass", "Task", "Map", "Parallel", "Choice"])
def test_valid_contexts_are_accepted(context: Any, state_type: str) -> None:
    assert validate_context(context, _loaded(state_type)) is None


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::states:startExecution.sync",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::ecs:runTask.sync",
        "arn:aws:states:us-east-1:123456789012:activity:MyActivity",
    ],
)
def test_task_section_allowed_for_callback_tasks(resource: str) -> None:
    assert validate_context({**FULL_CONTEXT, "Task": {"Token": "abcd123"}}, _task(resource)) is None


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::lambda:invoke",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:states:::states:startExecution",
        "arn:aws:states:::aws-sdk:s3:getObject",
    ],
)
def test_task_section_rejected_for_request_response_tasks(resource: str) -> None:
    with pytest.raises(ContextError) as raised:
        validate_context({"Task": {"Token": "abcd123"}}, _task(resource))
    assert str(raised.value) == TASK_ERROR


@pytest.mark.parametrize("state_type", ["Pass", "Wait", "Choice", "Succeed", "Fail", "Map", "Parallel"])
def test_task_section_rejected_for_other_state_types(state_type: str) -> None:
    with pytest.raises(ContextError) as raised:
        validate_context({"Task": {"Token": "abcd123"}}, _loaded(state_type))
    assert str(raised.value) == TASK_ERROR


def test_validation_does_not_mutate_the_context() -> None:
    context = json.loads(json.dumps({**FULL_CONTEXT, "Task": {"Token": "t"}}))
    before = json.dumps(context)
    validate_context(context, _task("arn:aws:states:::sqs:sendMessage.waitForTaskToken"))
    assert json.dumps(context) == before
