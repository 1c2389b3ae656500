"""Activity Tasks: a Task whose Resource is an activity ARN, run by a worker that polls for it.

AWS ("Learn about Activities in Step Functions", developer guide): the execution schedules a task
for the activity; a worker takes it with GetActivityTask (its token and the Task's effective
parameters as input) and answers with SendTaskSuccess/SendTaskFailure, sending SendTaskHeartbeat
meanwhile. The history (event and details names from botocore's model; not in our recordings):
ActivityScheduled (``resource``, ``input``, ``timeoutInSeconds``, ``heartbeatInSeconds``),
ActivityStarted (``workerName``) when a worker took the task, then ActivitySucceeded (its output
is the state's result), ActivityFailed (its error and cause reach Retry and Catch), or
ActivityTimedOut: ``States.Timeout`` when TimeoutSeconds pass from ActivityScheduled,
``States.HeartbeatTimeout`` when HeartbeatSeconds pass after ActivityStarted (or the last
heartbeat) without a heartbeat.

The engine cannot know which activities exist: it asks the service (a `ServiceCall` for the
activity's ARN, its `ServiceCall.token` the task's token) before any Activity* event. The service
stores the task for the workers and answers; a missing activity is answered as an error, which
the state fails with as AWS words it (recorded: test_activities/test_activity_task_on_deleted:
States.Runtime, "The activity <arn> does not exist.", no Activity* event). A worker taking the
task is the signal `ActivityStarted`; the answers are the token's `TaskSuccess`/`TaskFailure`/
`TaskHeartbeat`, as for ``.waitForTaskToken``.
"""

from __future__ import annotations

from collections.abc import Generator

from interpreter.execution.mock_config import MockResponse
from interpreter.execution.model import (
    HistoryEvent,
    ServiceCall,
    activity_token,
)
from interpreter.execution.resources import Resource
from interpreter.execution.runner import Runner
from interpreter.execution.token_waits import await_token
from interpreter.jsontypes import JSON, dumps
from interpreter.states.run import Status, TestResult

__all__ = ["activity_resource", "is_activity", "run_activity"]


def is_activity(arn: str) -> bool:
    """``arn:<partition>:states:<region>:<account>:activity:<name>``."""
    parts = arn.split(":")
    return len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity"


def activity_resource(arn: str) -> Resource:
    """The Resource whose events are the Activity* ones (`Resource.activity`)."""
    parts = arn.split(":")
    return Resource(arn, "activity", arn, parts[3] or None, lambda_function=False, activity=True)


def run_activity(
    run: Runner,
    state_name: str,
    resource: Resource,
    parameters: JSON,
    timeout: int | None,
    heartbeat: int | None,
) -> Generator[HistoryEvent, None, tuple[MockResponse, int | None] | TestResult]:
    """Schedule the activity's task and wait for its worker's answer.

    Returns:
        (the answer as a mocked response would give it, the id of the ActivityTimedOut event
        when it timed out), or, when the service did not schedule it (no such activity), the
        state's failure with the service's error and cause (no Activity* event recorded).
    """
    key = f"{state_name}#{run.calls_made}"
    token = activity_token(run.start.execution_arn, key)
    call = ServiceCall(
        key,
        resource.arn,
        dumps(parameters),
        resource.region or run.region,
        timeout,
        heartbeat,
        token=token,
    )
    run.calls_made += 1
    answer = run.await_call(call)
    if answer.error is not None:
        return TestResult(status=Status.FAILED, error=answer.error, cause=answer.cause)
    yield from run.emit(*resource.scheduled(parameters, run.region, timeout, heartbeat))
    return (yield from await_token(run, token, resource, timeout, heartbeat, worker=True))
