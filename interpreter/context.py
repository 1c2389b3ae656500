"""The context object (``$$`` / ``$states.context``): generated per test, or the caller's, validated.

Generated as AWS generates it (recorded, e.g. aws/test_state_configuration/
test_map_state_failure_count__INFO-BASE_MAP_STATE__below_tolerated_failure): an express execution
of a throw-away state machine, with ARNs in the caller's account and region so that they agree
with the caller's own ARNs, and the state always named ``StateName``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from interpreter.definition.loader import LoadedState
from interpreter.errors import ContextError
from interpreter.jsontypes import JSON, is_integer
from interpreter.scope import World

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# Recorded: State.RetryCount is present for Task and Map tests
# (aws/test_test_state_scenarios/test_state_task_catch_error__TRACE__catch_task_failed_response,
# aws/test_state_configuration/test_map_state_failure_count__INFO-BASE_MAP_STATE__below_tolerated_failure)
# and absent for a Pass test (aws/test_test_state_scenarios/test_state_with_variables__base_expressions).
# Parallel, the other state that can retry, is not recorded: ours behaves like Map.
_STATES_WITH_RETRY_COUNT = frozenset({"Task", "Map", "Parallel"})


def iso_timestamp(moment: datetime) -> str:
    """AWS's context timestamps: ISO-8601, millisecond precision, UTC ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def default_context(
    *,
    loaded: LoadedState,
    input: JSON,
    role_arn: str | None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    world: World,
    retry_count: int = 0,
) -> JSON:
    """The context object AWS generates when the request carries none.

    A state inside a Map's ItemProcessor also gets ``Map.Item`` (index 0, its input as the value).

    ``State.RetryCount`` is ``stateConfiguration.retrierRetryCount``: the test stands for that
    attempt of the state, so ``$$.State.RetryCount`` reads what the execution would read then
    (recorded: 0 without a configuration; that it follows the configured count is not recorded:
    it is our reading of the API reference, where ``retrierRetryCount`` is "The number of retry
    attempts that have occurred for the state's Retry that applies to the mocked error").
    """
    machine_name = f"TestStateMachine-{_uuid(world)}"
    execution_name = _uuid(world)
    started = iso_timestamp(world.now)
    state: dict[str, JSON] = {"Name": "StateName", "EnteredTime": started}
    if loaded.state_type in _STATES_WITH_RETRY_COUNT:
        state["RetryCount"] = retry_count
    context: dict[str, JSON] = {
        "Execution": {
            "Id": f"arn:aws:states:{region}:{account}:express:{machine_name}:{execution_name}",
            "Input": input,
            "Name": execution_name,
            "RoleArn": role_arn,
            "StartTime": started,
        },
        "StateMachine": {
            "Id": f"arn:aws:states:{region}:{account}:stateMachine:{machine_name}",
            "Name": machine_name,
        },
        "State": state,
    }
    if loaded.in_map_iteration:
        # A state inside a Map's processor runs as one iteration: AWS's own sample code for
        # TestState says that it fills in $$.Map.Item for it (not recorded). Which iteration is not
        # said either: ours is the first, whose value is the state's own input.
        context["Map"] = {"Item": {"Index": 0, "Value": input}}
    return context


def _uuid(world: World) -> str:
    return str(uuid.UUID(int=world.rng.getrandbits(128), version=4))


def _is_string(value: JSON) -> bool:
    return isinstance(value, str)


def _is_any(value: JSON) -> bool:
    return True


def _is_count(value: JSON) -> bool:
    return is_integer(value) and value >= 0


# The members a caller may set, with the check and the type word of AWS's message ("Execution.Id
# must be a string", recorded: aws/test_state_context_object/
# test_state_context_object_validation_failures__INVALID_EXECUTION_ID_TYPE; the other words are
# ours). Every member of AWS Step Functions developer guide, "Accessing execution data from the
# Context object", section "Context object fields": Execution (Id, Input, Name, RoleArn,
# StartTime, RedriveCount, RedriveTime), State (EnteredTime, Name, RetryCount), StateMachine (Id,
# Name), Task (Token). A real client (aws-stepfunctions-toolkit) sends them all; any other member
# is refused in AWS's recorded words. Map is refused on its own (recorded).
_Check = tuple[Callable[[JSON], bool], str]
_ALLOWED: Mapping[str, Mapping[str, _Check]] = {
    "Execution": {
        "Id": (_is_string, "a string"),
        "Input": (_is_any, "JSON"),
        "Name": (_is_string, "a string"),
        "RoleArn": (_is_string, "a string"),
        "StartTime": (_is_string, "a string"),
        # The guide: "RedriveCount": Number, "RedriveTime": "Format: ISO 8601". AWS's checks of
        # their values are not recorded; ours are those of the other counts and timestamps.
        "RedriveCount": (_is_count, "a non-negative integer"),
        "RedriveTime": (_is_string, "a string"),
    },
    "State": {
        "EnteredTime": (_is_string, "a string"),
        "Name": (_is_string, "a string"),
        "RetryCount": (_is_count, "a non-negative integer"),
    },
    "StateMachine": {
        "Id": (_is_string, "a string"),
        "Name": (_is_string, "a string"),
    },
    "Task": {
        "Token": (_is_string, "a string"),
    },
}


def validate_context(context: JSON, loaded: LoadedState) -> None:
    """Check a caller's context object as AWS does.

    The messages are recorded (aws/test_state_context_object/test_state_context_object_validation_failures__*
    and test_state_context_object_invalid_states__TOKEN_TASK_NOT_SYNC) except where marked.

    Raises:
        ContextError: the first problem, in member order.
    """
    if not isinstance(context, dict):
        raise ContextError("Context object must be a JSON object")  # wording not recorded
    for section, members in context.items():
        if section == "Map":
            raise ContextError("'Map' field is not supported when mocking a Context object")
        allowed = _ALLOWED.get(section)
        if allowed is None:
            raise ContextError(f"Field '{section}' is not allowed")
        if not isinstance(members, dict):
            raise ContextError(f"{section} must be an object")  # wording not recorded
        for name, value in members.items():
            check = allowed.get(name)
            if check is None:
                raise ContextError(f"Field '{name}' is not allowed")
            # RoleArn may be null: AWS's own generated context has "RoleArn": null without a role.
            if value is None and (section, name) == ("Execution", "RoleArn"):
                continue
            accepts, expected = check
            if not accepts(value):
                raise ContextError(f"{section}.{name} must be {expected}")
    if "Task" in context and not loaded.callback_pattern:
        raise ContextError(
            "Context object contains 'Task' when state is not a Task state with a '.sync' or "
            "'.waitForTaskToken' service integration pattern"
        )
