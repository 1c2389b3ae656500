"""Task states in an execution: the mocked response (or the task token's answer), the events of
the call, real retries on the execution's clock, and Catch.

The call's events follow the resource (`interpreter.execution.resources`); the result or error
goes through `run_state`, so ResultSelector/ResultPath/Output/Assign and the Retry/Catch decision
are TestState's.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping

from interpreter.definition.model import TaskState
from interpreter.errors import ErrorName
from interpreter.execution.activities import activity_resource, is_activity, run_activity
from interpreter.execution.mock_config import MockResponse
from interpreter.execution.model import (
    HistoryEvent,
    ServiceCall,
    job_token,
    task_token,
)
from interpreter.execution.outcomes import Entered, Err, Gen
from interpreter.execution.plan import Node
from interpreter.execution.resources import Resource, parse_resource, waits_for_job
from interpreter.execution.retrying import Attempts, catcher_index
from interpreter.execution.runner import Runner
from interpreter.execution.token_waits import await_token
from interpreter.execution.waits import credentials_role_arn, task_durations
from interpreter.jsontypes import ABSENT, JSON, dumps, loads, utf8_size
from interpreter.states.dataflow import MAX_PAYLOAD_BYTES, Mock, MockError, data_limit_exceeded
from interpreter.states.run import Status, TestResult


def run_task(run: Runner, node: Node, value: JSON, variables: Mapping[str, JSON], entered: Entered) -> Gen:
    """The handler of a Task state (`interpreter.execution.engine.STATE_HANDLERS`)."""
    state = node.state
    if not isinstance(state, TaskState):
        raise RuntimeError(f"run_task got a {state.type} state")
    return (yield from _task(run, node, state, value, variables, entered))


def _task(
    run: Runner, node: Node, state: TaskState, value: JSON, variables: Mapping[str, JSON], entered: Entered
) -> Gen:
    resource = parse_resource(state.resource, run.region)
    attempts = Attempts(state.retry)
    after: int | None = None  # the event the state's Exited points back to
    while True:
        outcome = yield from _task_attempt(
            run, node, state, resource, value, variables, entered, attempts.retries
        )
        result, call_failed, call_event = outcome
        if call_event is not None:
            after = call_event
        if result.status is Status.SUCCEEDED:
            return (yield from run.conclude(node, result, variables, entered, after=after))
        error = result.error or ""
        if attempts.retry(run, error):
            continue
        if result.status is Status.RETRIABLE or (
            result.status is Status.FAILED
            and attempts.matched(error)
            and catcher_index(state, error) is not None
        ):
            # run_state decided with another retrier's count: decide again with the exhausted one.
            mock = Mock(error=MockError(error, result.cause))
            result = run.run_state(
                node, value, variables, entered, mock=mock, retry_count=attempts.exhausted(error)
            )
        if result.status is Status.CAUGHT_ERROR:
            return (yield from run.conclude(node, result, variables, entered, after=after))
        if call_failed:
            return Err(result.error, result.cause)
        return (yield from run.evaluation_failed(node, entered, result.error, result.cause))


def _task_attempt(
    run: Runner,
    node: Node,
    state: TaskState,
    resource: Resource,
    value: JSON,
    variables: Mapping[str, JSON],
    entered: Entered,
    retries: int,
) -> Generator[HistoryEvent, None, tuple[TestResult, bool, int | None]]:
    """One call of the Task: (run_state's result, whether the call itself failed, the id of
    the event that ended the call)."""
    invocation = run.invocations.get(node.name, 0)
    mocks = run.start.mocks
    response = mocks.response(node.name, invocation) if mocks is not None else None
    # No mocked response: the service calls the Resource for real when it can (calls on).
    calls = response is None and state.resource in run.start.service_calls
    waits_for_token = state.resource.endswith(".waitForTaskToken") and response is None
    # Every callback Task has its token in the context ($$.Task.Token), mocked or not: the mocked
    # response stands in for the answer, the parameters that carry the token are still evaluated.
    callback = state.resource.endswith(".waitForTaskToken")
    token = task_token(run.start.execution_arn, run.next_id) if callback else None
    # First the arguments, as AWS evaluates them before the call.
    probe = run.run_state(
        node, value, variables, entered, mock=Mock(result=None), retry_count=retries, token=token
    )
    parameters = probe.inspection.get("afterArguments" if state.is_jsonata else "afterParameters", ABSENT)
    if parameters is ABSENT or (probe.status is not Status.SUCCEEDED and "result" not in probe.inspection):
        # The arguments (or the durations, credentials) failed before any call.
        return probe, False, None
    run.invocations[node.name] = invocation + 1
    scope = run.scope(node, value, variables, entered)
    timeout, heartbeat = task_durations(state, scope, value)
    if response is None and calls and is_activity(state.resource):
        # A worker runs it (`interpreter.execution.activities`).
        return (
            yield from _activity(
                run, node, parameters, value, variables, entered, retries, timeout, heartbeat
            )
        )
    if response is None and not waits_for_token and not calls:
        return _no_mock(run, node, value, variables, entered, retries), False, None
    yield from run.emit(*resource.scheduled(parameters, run.region, timeout, heartbeat))
    yield from run.emit(*resource.started())
    ended: int | None = None  # the event that ended the call before its answer was processed
    # A job Task (.sync) waits, after its call, for the job's end under a token of its own.
    job = calls and waits_for_job(state.resource)
    if calls:
        key = f"{node.name}#{run.calls_made}"
        call = ServiceCall(
            key,
            state.resource,
            dumps(parameters),
            resource.region or run.region,
            timeout,
            heartbeat,
            credentials_role_arn=credentials_role_arn(state, scope, value),
            token=job_token(run.start.execution_arn, key) if job else None,
        )
        run.calls_made += 1
        answer = run.await_call(call)
        if answer.rejected:
            # Not recorded; ours: the state fails as when its parameters cannot be evaluated,
            # in AWS's words for parameters the integration refuses ("The Parameters '<json>'
            # could not be used to start the Task: [<cause>]"); no Retry or Catch handles it.
            cause = f"The Parameters '{call.parameters_text}' could not be used to start the Task: [{answer.cause}]"
            return TestResult(status=Status.FAILED, error=ErrorName.RUNTIME, cause=cause), False, None
        if answer.error is not None:
            response = MockResponse(is_error=True, error=answer.error, cause=answer.cause)
            if answer.error == ErrorName.TIMEOUT:
                # TimeoutSeconds ran out during the call: TaskTimedOut, as for a token wait.
                ended = yield from run.emit(*resource.timed_out(ErrorName.TIMEOUT))
                response = MockResponse(is_error=True, error=ErrorName.TIMEOUT, cause=None)
        elif waits_for_token or job:
            yield from run.emit(*resource.submitted(dumps(_result_value(answer.result_text))))
            if job:
                # The job's end (the service delivers it as the token's answer). HeartbeatSeconds
                # is not applied to it: the service reports no heartbeats of a job (not recorded;
                # ours), only TimeoutSeconds bounds the wait.
                response, ended = yield from await_token(run, call.token or "", resource, timeout, None)
        else:
            # The integration's result is the state's result (a Lambda function ARN's payload
            # already): not put through `Resource.result_of`, which reads a mocked Invoke answer.
            raw = _result_value(answer.result_text)
            return (yield from _returned(run, node, resource, raw, value, variables, entered, retries, token))
    if response is None:
        # A .waitForTaskToken Task without a mocked response (its message sent, if it was
        # called): wait for its token.
        response, ended = yield from await_token(run, token or "", resource, timeout, heartbeat)
    return (
        yield from _answered(run, node, resource, response, ended, value, variables, entered, retries, token)
    )


def _activity(
    run: Runner,
    node: Node,
    parameters: JSON,
    value: JSON,
    variables: Mapping[str, JSON],
    entered: Entered,
    retries: int,
    timeout: int | None,
    heartbeat: int | None,
) -> Generator[HistoryEvent, None, tuple[TestResult, bool, int | None]]:
    """An activity Task's call: its task scheduled, then its worker's answer (`_answered`); a
    missing activity fails the state (States.Runtime) before any event of the call."""
    activity = activity_resource(getattr(node.state, "resource", ""))
    outcome = yield from run_activity(run, node.name, activity, parameters, timeout, heartbeat)
    if isinstance(outcome, TestResult):
        return outcome, False, None
    response, ended = outcome
    return (
        yield from _answered(run, node, activity, response, ended, value, variables, entered, retries, None)
    )


def _answered(
    run: Runner,
    node: Node,
    resource: Resource,
    response: MockResponse,
    ended: int | None,
    value: JSON,
    variables: Mapping[str, JSON],
    entered: Entered,
    retries: int,
    token: str | None,
) -> Generator[HistoryEvent, None, tuple[TestResult, bool, int | None]]:
    """The call's answer (mocked, a token's, a worker's) handed to the state, as `_task_attempt`
    answers it; `ended`: the TaskTimedOut (ActivityTimedOut, ...) event that already ended it."""
    if response.is_error:
        if ended is None:  # a TaskTimedOut already ended the call: no TaskFailed after it
            ended = yield from run.emit(*resource.failed(response.error, response.cause))
        mock = Mock(error=MockError(response.error or "", response.cause))
        result = run.run_state(node, value, variables, entered, mock=mock, retry_count=retries, token=token)
        return result, True, ended
    raw = resource.result_of(response.result)
    return (yield from _returned(run, node, resource, raw, value, variables, entered, retries, token))


def _returned(
    run: Runner,
    node: Node,
    resource: Resource,
    raw: JSON,
    value: JSON,
    variables: Mapping[str, JSON],
    entered: Entered,
    retries: int,
    token: str | None,
) -> Generator[HistoryEvent, None, tuple[TestResult, bool, int | None]]:
    """The Task's result `raw` handed to the state, as `_task_attempt` answers it.

    A result larger than the payload quota is a failure of the Task itself (TaskFailed, which
    Retry and Catch see), naming the resource type (recorded: test_states_errors/
    test_service_task_lambada_data_limit_exceeded_on_large_utf8_response): whether a service,
    a mocked answer or a child execution's end returned it.
    """
    text = dumps(raw)
    if utf8_size(text) > MAX_PAYLOAD_BYTES:
        too_large = data_limit_exceeded(resource.task_name)
        event = yield from run.emit(*resource.failed(too_large.error, too_large.cause))
        mock = Mock(error=MockError(too_large.error, too_large.cause))
        result = run.run_state(node, value, variables, entered, mock=mock, retry_count=retries, token=token)
        return result, True, event
    event = yield from run.emit(*resource.succeeded(text))
    result = run.run_state(
        node, value, variables, entered, mock=Mock(result=raw), retry_count=retries, token=token
    )
    return result, False, event


def _result_value(text: str | None) -> JSON:
    try:
        return loads(text) if text is not None else None
    except ValueError:
        return text


def _no_mock(
    run: Runner, node: Node, value: JSON, variables: Mapping[str, JSON], entered: Entered, retries: int
) -> TestResult:
    """A Task the chosen test case does not mock and the service does not call: the execution
    fails. Not an AWS behaviour; the error and cause are ours, except for an activity, which AWS
    fails as a missing one: "The activity <arn> does not exist." (recorded:
    test_activities/test_activity_task_on_deleted)."""
    mocks = run.start.mocks
    resource_arn = getattr(node.state, "resource", "")
    if is_activity(resource_arn):
        # An execution whose activity Tasks are not scheduled (stored by a version without
        # activities: its callable Resources do not name them).
        cause = f"The activity {resource_arn} does not exist."
    elif mocks is None:
        cause = (
            f"The state '{node.name}' is a Task and the execution has no mock test case: this offline"
            " server runs Tasks with the mocked responses of a mock configuration file"
            " (start the execution with <stateMachineArn>#<TestCase>)"
        )
    else:
        responses = mocks.mocks(node.name)
        if responses is None:
            cause = f"The mock test case '{mocks.name}' has no mocked response for the state '{node.name}'"
        else:
            cause = (
                f"The mocked response '{responses.name}' of the state '{node.name}' has no entry for"
                f" invocation {run.invocations.get(node.name, 1) - 1}"
            )
    return TestResult(status=Status.FAILED, error=ErrorName.RUNTIME, cause=cause)
