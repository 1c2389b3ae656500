"""The engine's public values: what starts an execution, what it yields, what the service feeds back.

Everything here is a frozen value. `run_execution` (`interpreter.execution.engine`) takes an
`ExecutionStart` and the signals received so far and yields `Step`s: history events in id order,
then one `Finished` or one `Suspended`. The service stores what it yields and, when a signal
arrives, runs the execution again from the start with one more signal: the same start and signals
always give the same steps (the engine reads no clock and no random source of its own).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from interpreter.execution.mock_config import MockTestCase
from interpreter.limits import Limits


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionStart:
    """Everything an execution depends on, fixed when it starts."""

    definition: str
    input_text: str
    execution_arn: str
    execution_name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str
    start_time: datetime
    state_machine_version_arn: str | None = None
    """The version the execution was started from (ExecutionStarted's stateMachineVersionArn)."""
    express: bool = False
    redrive_count: int = 0
    mocks: MockTestCase | None = None
    virtual_clock: bool = True
    limits: Limits = field(default_factory=Limits)
    service_calls: frozenset[str] = frozenset()
    """The Task Resources the service calls for real when the test case does not mock them (it
    answers each `ServiceCall` with a `ServiceCallResult`); empty when calls are off, and an
    unmocked Task then fails as it always has."""


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One event of GetExecutionHistory, its details member exactly as AWS's API answers it
    (JSON values inside it as compact JSON text)."""

    id: int
    previous_event_id: int
    type: str
    timestamp: datetime
    details_key: str | None
    details: Mapping[str, Any]

    def to_api(self) -> dict[str, Any]:
        """The event as the API's HistoryEvent structure (timestamp still a datetime)."""
        event: dict[str, Any] = {
            "id": self.id,
            "previousEventId": self.previous_event_id,
            "timestamp": self.timestamp,
            "type": self.type,
        }
        if self.details_key is not None:
            event[self.details_key] = dict(self.details)
        return event


@dataclass(frozen=True, slots=True)
class ServiceCall:
    """A call the execution asks the service to make: a Task without a mocked response whose
    Resource is in `ExecutionStart.service_calls`, after its TaskScheduled and TaskStarted events.

    Attributes:
        key: names the call; its `ServiceCallResult` carries the same key (deterministic: the
            state's name and the execution's count of calls so far).
        resource: the Task's Resource ARN.
        parameters_text: the effective parameters (Parameters or Arguments evaluated), JSON text.
        region: the region the call goes to (a Lambda function ARN's own, else the execution's).
        timeout_seconds: the Task's TimeoutSeconds(Path), which bounds the call.
        heartbeat_seconds: the Task's HeartbeatSeconds(Path) (a callback Task's wait counts it).
        credentials_role_arn: the role the Task's ``Credentials`` (``RoleArn``) name, evaluated;
            None when it has none (the call is made as the execution's own identity).
        token: for a Task that waits for a job's end after the call (``.sync``, ``.sync:2``:
            `interpreter.execution.resources.waits_for_job`), the token its end is delivered
            under (a `TaskSuccess`/`TaskFailure` naming it: `job_token`); None otherwise.
    """

    key: str
    resource: str
    parameters_text: str
    region: str
    timeout_seconds: int | None = None
    heartbeat_seconds: int | None = None
    credentials_role_arn: str | None = None
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Suspended:
    """The execution waits: for an answer naming one of `tokens`, or until `wake_at`, or for the
    results of the service `calls` it asks for (the service makes them at once)."""

    tokens: tuple[str, ...]
    wake_at: datetime | None
    calls: tuple[ServiceCall, ...] = ()


@dataclass(frozen=True, slots=True)
class Finished:
    """The execution's end: DescribeExecution's status, stopDate, output or error and cause."""

    status: str
    stop_time: datetime
    output_text: str | None = None
    error: str | None = None
    cause: str | None = None


Step = HistoryEvent | Suspended | Finished


@dataclass(frozen=True, slots=True)
class TaskSuccess:
    """SendTaskSuccess."""

    token: str
    output_text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TaskFailure:
    """SendTaskFailure."""

    token: str
    error: str | None
    cause: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class TaskHeartbeat:
    """SendTaskHeartbeat."""

    token: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ActivityStarted:
    """GetActivityTask handed an activity Task's task to a worker (`worker_name`, which the
    ActivityStarted event names)."""

    token: str
    worker_name: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class StopRequest:
    """StopExecution: the execution ends ABORTED."""

    error: str | None
    cause: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A `Suspended.wake_at` has come (real-clock mode, or a token wait's deadline)."""

    at: datetime


@dataclass(frozen=True, slots=True)
class ServiceCallResult:
    """A `ServiceCall` made: the integration's result (JSON text), or AWS's error and cause.

    Attributes:
        key: the call's `ServiceCall.key`.
        result_text: the result as the Task sees it (None when the call failed).
        error, cause: the failure under AWS's names (``DynamoDB.ConditionalCheckFailedException``,
            ``States.Timeout`` when the call ran past its timeout).
        at: when the call ended.
        rejected: the parameters could not be used to start the call (`error` is then
            ``States.Runtime`` and `cause` the bracketed part of AWS's message).
    """

    key: str
    result_text: str | None
    error: str | None
    cause: str | None
    at: datetime
    rejected: bool = False


Signal = (
    TaskSuccess | TaskFailure | TaskHeartbeat | StopRequest | TimerFired | ServiceCallResult | ActivityStarted
)


def task_token(execution_arn: str, event_id: int) -> str:
    """The task token of the Task whose TaskScheduled event is `event_id`: deterministic (a re-run
    hands out the same token), opaque and URL-safe (base64url, no padding)."""
    digest = hashlib.sha256(f"{execution_arn}#{event_id}".encode()).digest()
    return "AQ" + base64.urlsafe_b64encode(digest + event_id.to_bytes(4, "big")).decode().rstrip("=")


def job_token(execution_arn: str, call_key: str) -> str:
    """The token under which the end of the job a ``.sync`` call started is delivered
    (`ServiceCall.token`): deterministic (from the execution and the call's key, unique within
    the execution even where events are not counted, as in a Distributed Map's child workflows),
    and never one a `task_token` gives (a different text is hashed)."""
    digest = hashlib.sha256(f"{execution_arn}#job#{call_key}".encode()).digest()
    return "AQ" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def activity_token(execution_arn: str, call_key: str) -> str:
    """The task token of an activity Task's task (`ServiceCall.token` of its schedule call): the
    one GetActivityTask hands the worker. Deterministic (from the execution and the call's key,
    unique within the execution, Distributed Map child workflows included), and never one that
    `task_token` or `job_token` gives (a different text is hashed)."""
    digest = hashlib.sha256(f"{execution_arn}#activity#{call_key}".encode()).digest()
    return "AQ" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
