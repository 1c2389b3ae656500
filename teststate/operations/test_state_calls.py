"""TestState's real calls: an unmocked Task or ItemReader whose service this server calls.

`check_task_can_run` decides whether an unmocked Task can be run (a role, no callback pattern,
a Resource this server answers itself or, with service calls on, one `teststate.integrations`
can call) and how (`Caller`); `run_with_call` evaluates its parameters, makes the call (through
`teststate.integrations`, or in this process for a Task that calls Step Functions itself,
`teststate.executions.nested`) and runs the state with the call's outcome standing in for the
mock. `reads_source` and `read_source` do the same for a Distributed Map's ItemReader: its
source read from S3 becomes the request's ``mapItemReaderData``. `teststate.operations.test_state`
applies the request rules and calls these in their place among them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from interpreter import (
    ABSENT,
    JSON,
    LoadedState,
    Mock,
    MockError,
    StateConfiguration,
    TestResult,
    World,
    dumps,
    run_state,
)
from interpreter.definition.model import MapState, TaskState
from interpreter.errors import ErrorName, StatesError
from interpreter.execution.waits import credentials_role_arn, task_durations
from interpreter.scope import Scope
from interpreter.states.dataflow import select
from interpreter.states.run import Status
from teststate import integrations
from teststate.budget import run_within
from teststate.errors import ValidationException
from teststate.integrations import s3_items

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig
from teststate.validation.request import TestStateRequest

# AWS's recorded message, verbatim (recorded:
# aws/test_test_state_scenarios/test_base_lambda_service_task_state_no_role_arn_validation).
MSG_NO_ROLE: Final = "RoleArn must be specified when testing a Task state"
# AWS would make the call with the role; this server is offline and can only use a mock.
MSG_OFFLINE_TASK: Final = (
    "This offline TestState server cannot call AWS services: specify a mock "
    "(mock.result or mock.errorOutput) to test a Task state"
)
# API reference, TestState: "TestState only supports the following when a mock is specified:
# Activity tasks, .sync or .waitForTaskToken service integration patterns, Parallel, or Map
# states." AWS's answer to such a Task without a mock is not recorded: ours.
MSG_CALLBACK_TASK: Final = (
    "TestState only supports Activity tasks and '.sync' or '.waitForTaskToken' service "
    "integration patterns when a mock is specified"
)
# Inspection data a Task has before its call (its parameters refused by the integration).
_BEFORE_CALL: Final = ("input", "afterInputPath", "afterParameters", "afterArguments", "variables")


# --------------------------------------------------------------------------------------------
# Calling the Task's service, reading the ItemReader's source
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Caller:
    """How an unmocked Task's call is made: by this server itself (`service`: a Task that calls
    Step Functions, `teststate.executions.nested.handles`), or through `teststate.integrations`
    (`settings`, calls on)."""

    settings: integrations.CallSettings | None = None
    service: ServiceConfig | None = None

    @property
    def region(self) -> str | None:
        """The region calls go to when the request names none."""
        return self.settings.region if self.settings is not None else None


def _answered_here(resource: str) -> bool:
    # Imported when used: the executions package imports this module (`starting`).
    from teststate.executions import nested

    return nested.handles(resource)


def check_task_can_run(
    req: TestStateRequest,
    loaded: LoadedState,
    calls: integrations.CallSettings | None,
    service: ServiceConfig | None = None,
) -> Caller | None:
    """A Task without a mock: AWS needs a role (recorded:
    aws/test_test_state_scenarios/test_base_lambda_service_task_state_no_role_arn_validation) and
    then calls the service for real (developer guide, "Using TestState API": without a mock,
    TestState invokes the integration). So does this server for a Task that calls Step Functions
    itself (answered here, calls on or off), and, when service calls are on, for a Resource the
    library can call; otherwise it asks for a mock. ``.sync`` and ``.waitForTaskToken`` always
    need one ("Mocking service integrations")."""
    if loaded.state_type != "Task" or req.mock is not None:
        return None
    if req.role_arn is None:
        raise ValidationException(MSG_NO_ROLE)
    if loaded.callback_pattern:
        raise ValidationException(MSG_CALLBACK_TASK)
    state = loaded.state
    if not isinstance(state, TaskState):
        raise ValidationException(MSG_OFFLINE_TASK)
    if service is not None and service.database is not None and _answered_here(state.resource):
        return Caller(service=service)
    if calls is not None and calls.enabled and integrations.supports(state.resource):
        return Caller(settings=calls)
    raise ValidationException(MSG_OFFLINE_TASK)


def run_with_call(
    req: TestStateRequest,
    loaded: LoadedState,
    state_input: JSON,
    context: JSON,
    variables: Mapping[str, JSON],
    world: World,
    budget: float,
    caller: Caller,
    region: str,
    config: StateConfiguration,
) -> TestResult:
    """The Task run as AWS runs it without a mock: its parameters evaluated, the service called
    with them, then the state run with the call's outcome standing in for the mock, so output
    processing, Retry and Catch are the mocked path's. The call is bounded by what is left of
    the request budget and by the state's TimeoutSeconds(Path) (past it: ``States.Timeout``).

    Both evaluations draw from the same seeded random source, so ``$uuid()`` or ``$random()`` in
    the parameters reports (``afterArguments``) what was sent. `config` is the request's
    (`teststate.operations.test_state.state_configuration`).
    """
    state = loaded.state
    if not isinstance(state, TaskState):
        raise RuntimeError(f"run_with_call got a {loaded.state_type} state")
    started = time.monotonic()
    seed = world.rng.getrandbits(64)

    def attempt(mock: Mock, seconds: float) -> TestResult:
        seeded = World(now=world.now, rng=random.Random(seed), limits=world.limits)
        return run_within(
            seconds,
            run_state,
            loaded,
            input=state_input,
            context=context,
            variables=variables,
            world=seeded,
            mock=mock,
            config=config,
        )

    probe = attempt(Mock(result=None), budget)
    key = "afterArguments" if state.is_jsonata else "afterParameters"
    parameters = probe.inspection.get(key, ABSENT)
    if parameters is ABSENT or (probe.status is not Status.SUCCEEDED and "result" not in probe.inspection):
        return probe  # the parameters (or the durations, credentials) failed before any call
    scope = Scope(
        current=state_input, context=context, variables=variables, state_input=state_input, world=world
    )
    timeout, _ = task_durations(state, scope, state_input)
    seconds: float | None = float(timeout) if timeout is not None else None
    if budget:
        left = max(budget - (time.monotonic() - started), 0.001)
        seconds = left if seconds is None else min(seconds, left)
    role = credentials_role_arn(state, scope, state_input)
    exchange: integrations.HttpExchange | None = None
    if caller.service is not None:
        from teststate.executions import nested  # imported when used (`_answered_here`)

        outcome = nested.call_in_process(
            state.resource, parameters, region=region or "us-east-1", config=caller.service
        )
    elif caller.settings is not None:
        outcome, exchange = integrations.call_traced(
            state.resource,
            parameters,
            region=region or caller.region or "us-east-1",
            settings=caller.settings,
            timeout_seconds=seconds,
            credentials_role_arn=role,
        )
    else:
        raise RuntimeError("run_with_call got a caller with neither settings nor service")
    rest = max(budget - (time.monotonic() - started), 0.001) if budget else budget
    if outcome.parameters_rejected:
        # AWS's words for parameters the integration refuses (`CallOutcome.parameters_rejected`),
        # without the event id an execution's cause names (not recorded for TestState; ours);
        # no Retry or Catch handles States.Runtime. Inspection data up to the parameters.
        cause = (
            f"An error occurred while executing the state '{loaded.state_name}'. The Parameters "
            f"'{dumps(parameters)}' could not be used to start the Task: [{outcome.cause}]"
        )
        inspection = {name: probe.inspection[name] for name in _BEFORE_CALL if name in probe.inspection}
        return TestResult(status=Status.FAILED, error=outcome.error, cause=cause, inspection=inspection)
    if outcome.failed:
        result = attempt(Mock(error=MockError(error=outcome.error or "", cause=outcome.cause)), rest)
    else:
        result = attempt(Mock(result=outcome.result), rest)
    if exchange is not None and req.inspection_level == "TRACE":
        # API reference, TestState, inspectionLevel: "TRACE: Shows the HTTP request and response
        # for an HTTP Task"; revealSecrets: the data the EventBridge connection adds is hidden
        # unless it is true. The other members are DEBUG's.
        shown = exchange.inspection(req.reveal_secrets)
        result = replace(result, inspection={**result.inspection, **shown})
    return result


def reads_source(req: TestStateRequest, loaded: LoadedState, calls: integrations.CallSettings | None) -> bool:
    """A Distributed Map with an ItemReader and no ``mapItemReaderData``, service calls on: its
    items are read from the endpoint's S3, as AWS reads them (`read_source`)."""
    state = loaded.state
    return (
        calls is not None
        and calls.enabled
        and isinstance(state, MapState)
        and state.item_reader is not None
        and state.item_reader.fetchable
        and (req.state_configuration is None or req.state_configuration.map_item_reader_data is None)
    )


def read_source(
    loaded: LoadedState,
    state_input: JSON,
    context: JSON,
    variables: Mapping[str, JSON],
    world: World,
    calls: integrations.CallSettings,
    region: str,
    config: StateConfiguration,
    mock: Mock | None,
    budget: float,
) -> tuple[StateConfiguration, Mock | None]:
    """The ItemReader's source read from S3 (`teststate.integrations.s3_items.read_source`) with
    its Parameters/Arguments evaluated against the Map's effective input: the configuration
    whose ``mapItemReaderData`` is what was read, and the mock.

    When the parameters cannot be evaluated, nothing is read: the run evaluates them again and
    fails as AWS does. Not recorded; ours: a failed read (no such key, bucket) is the Map's
    ``States.ItemReaderFailed`` with S3's cause, standing in for the mock as the Map Run's
    failure would (its Retry and Catch decide), the reader then reading no items.
    """
    state = loaded.state
    if not isinstance(state, MapState) or state.item_reader is None:
        raise RuntimeError("read_source needs a Map with an ItemReader")
    reader = state.item_reader
    empty = replace(config, map_item_reader_data=reader.empty_source())
    scope = Scope(
        current=state_input, context=context, variables=variables, state_input=state_input, world=world
    )
    try:
        inner = (
            scope if state.is_jsonata else scope.with_current(select(state.input_path, state_input, scope))
        )
        parameters = reader.evaluate_arguments(inner)
    except StatesError:
        return empty, mock
    outcome = s3_items.read_source(
        reader.call_resource,
        parameters,
        source=reader.source,
        region=region or calls.region or "us-east-1",
        settings=calls,
        timeout_seconds=budget or None,
    )
    if outcome.failed:
        if mock is not None and mock.error is not None:
            return empty, mock  # ours: a mocked errorOutput is the Map's failure whatever the read
        return empty, Mock(error=MockError(error=ErrorName.ITEM_READER_FAILED, cause=outcome.cause))
    try:
        # A LOAD_AND_FLATTEN listing's objects, an S3 inventory's files: one text `read` parses.
        text = reader.fetched_text(outcome.result)
    except StatesError as err:
        if mock is not None and mock.error is not None:
            return empty, mock
        return empty, Mock(error=MockError(error=err.error, cause=err.cause))
    return replace(config, map_item_reader_data=text), mock
