"""Values read from fields `run_state` has already checked: the durations an execution waits
for (a Wait state's instant, a Task's timeout and heartbeat) and the role a Task's call is made
with (its ``Credentials``).

`interpreter.states.waiting` checks these fields as AWS does (TestState never waits); here the
checked values are read, so the execution's clock can move by them and a call (an execution's or
TestState's) can assume the role. Values that fail the checks never reach this module:
`run_state` has already failed the state.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from interpreter.definition.model import TaskState, WaitState
from interpreter.errors import ASLError
from interpreter.fields.templates import Template
from interpreter.jsonpath import Path
from interpreter.jsontypes import JSON, is_integer
from interpreter.scope import Scope
from interpreter.states.dataflow import select
from interpreter.timestamps import parse_timestamp

MAX_WAIT_SECONDS = 99_999_999
"""ASL caps a Wait's Seconds at 99999999 (the schema refuses more for a literal)."""


def wait_until(state: WaitState, scope: Scope, now: datetime) -> datetime | None:
    """The instant the Wait state waits until; `scope.current` is its effective input."""
    seconds: JSON = None
    timestamp: JSON = None
    if state.seconds_path is not None:
        seconds = _resolve(state.seconds_path, scope)
    elif state.timestamp_path is not None:
        timestamp = _resolve(state.timestamp_path, scope)
    elif isinstance(state.seconds, int):
        seconds = state.seconds
    elif state.seconds is not None:
        seconds = _render(state.seconds, scope)
    elif isinstance(state.timestamp, str):
        timestamp = state.timestamp
    elif state.timestamp is not None:
        timestamp = _render(state.timestamp, scope)
    if is_integer(seconds) and not isinstance(seconds, bool):
        return now + timedelta(seconds=min(max(int(seconds), 0), MAX_WAIT_SECONDS))
    if isinstance(timestamp, str):
        return parse_timestamp(timestamp)
    return None


def task_durations(state: TaskState, scope: Scope, value: JSON) -> tuple[int | None, int | None]:
    """(TimeoutSeconds, HeartbeatSeconds) as declared or selected; None when absent."""
    if not state.is_jsonata:
        try:
            scope = scope.with_current(select(state.input_path, value, scope))
        except ASLError:
            return None, None
    return (
        _duration(state.timeout_seconds, state.timeout_seconds_path, scope),
        _duration(state.heartbeat_seconds, state.heartbeat_seconds_path, scope),
    )


def credentials_role_arn(state: TaskState, scope: Scope, value: JSON) -> str | None:
    """The ``RoleArn`` of the Task's ``Credentials``, evaluated as `run_state` evaluates it
    before the call (against the input after InputPath in JSONPath); None without Credentials.
    The call is then made with that role's credentials (AWS "Task workflow state",
    "Credentials")."""
    if state.credentials is None:
        return None
    try:
        if not state.is_jsonata:
            scope = scope.with_current(select(state.input_path, value, scope))
        credentials = state.credentials.render(scope)
    except ASLError:
        return None
    role = credentials.get("RoleArn") if isinstance(credentials, dict) else None
    return role if isinstance(role, str) else None


def _duration(literal: int | Template | None, path: Path | None, scope: Scope) -> int | None:
    value: JSON = None
    if path is not None:
        value = _resolve(path, scope)
    elif isinstance(literal, int):
        value = literal
    elif literal is not None:
        value = _render(literal, scope)
    if is_integer(value) and not isinstance(value, bool) and value > 0:
        return int(value)
    return None


def _resolve(path: Path, scope: Scope) -> JSON:
    try:
        return path.resolve(scope)
    except ASLError:
        return None


def _render(template: Template, scope: Scope) -> JSON:
    try:
        return template.render(scope)
    except ASLError:
        return None
