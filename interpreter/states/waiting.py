"""Durations: validate what a Wait state would wait for and a Task's timeouts, never sleep.

TestState runs one state in isolation; whether AWS really waits there is neither documented nor
recorded. This interpreter takes the answer a test suite needs: the duration or instant is
computed and checked exactly as AWS checks it (causes recorded from executions), and the input is
passed on at once.
"""

from __future__ import annotations

from interpreter.definition.model import TaskState, WaitState
from interpreter.errors import ErrorName, StatesError
from interpreter.fields.numbers import check_path_number, resolve_path
from interpreter.fields.templates import Template
from interpreter.jsontypes import JSON, dumps, is_integer
from interpreter.scope import Scope
from interpreter.timestamps import parse_timestamp


def check_wait(state: WaitState, scope: Scope) -> None:
    """Check the Seconds/SecondsPath/Timestamp/TimestampPath of a Wait state.

    Raises:
        StatesError: States.Runtime with AWS's cause for a bad path value, or
            States.QueryEvaluationError for a JSONata value of the wrong kind.
    """
    seconds, timestamp = state.seconds, state.timestamp
    seconds_path, timestamp_path = state.seconds_path, state.timestamp_path
    if seconds_path is not None:
        check_path_number(resolve_path("SecondsPath", seconds_path, scope), "SecondsPath", seconds_path.text)
    elif timestamp_path is not None:
        _check_timestamp(
            resolve_path("TimestampPath", timestamp_path, scope), "TimestampPath", timestamp_path.text
        )
    elif seconds is not None and not isinstance(seconds, int):
        _jsonata_seconds(seconds, scope, "Seconds", minimum=0)
    elif timestamp is not None and not isinstance(timestamp, str):
        value = timestamp.render(scope)
        if not isinstance(value, str) or parse_timestamp(value) is None:
            # wording not recorded
            raise StatesError(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression specified for the field 'Timestamp' must evaluate to an ISO-8601"
                f" timestamp string, but returned: {dumps(value)}",
            )


def check_task_durations(state: TaskState, scope: Scope) -> None:
    """Resolve and check a Task's TimeoutSeconds(Path) and HeartbeatSeconds(Path).

    Nothing runs long enough here for them to fire, but AWS evaluates them before the call, so
    a path that misses or an expression of the wrong kind fails the state just the same. Both
    must be positive integers (ASL: "must be positive, non-zero integers").

    Raises:
        StatesError: States.Runtime for a bad path value (causes modelled on the recorded Wait
            ones), States.QueryEvaluationError for a JSONata value of the wrong kind.
    """
    for field, literal, path in (
        ("TimeoutSeconds", state.timeout_seconds, state.timeout_seconds_path),
        ("HeartbeatSeconds", state.heartbeat_seconds, state.heartbeat_seconds_path),
    ):
        if path is not None:
            value = resolve_path(f"{field}Path", path, scope)
            check_path_number(value, f"{field}Path", path.text)
            if value == 0:  # wording not recorded
                raise StatesError(
                    ErrorName.RUNTIME,
                    f"The {field}Path parameter references a value that is not positive: {path.text} == 0",
                )
        elif literal is not None and not isinstance(literal, int):
            _jsonata_seconds(literal, scope, field, minimum=1)


def _jsonata_seconds(template: Template, scope: Scope, field: str, *, minimum: int) -> None:
    """A JSONata duration must evaluate to an integer of at least `minimum` (wording not recorded)."""
    value = template.render(scope)
    if not is_integer(value) or value < minimum:
        kind = "non-negative" if minimum == 0 else "positive"
        raise StatesError(
            ErrorName.QUERY_EVALUATION_ERROR,
            f"The JSONata expression specified for the field '{field}' must evaluate to a {kind}"
            f" integer, but returned: {dumps(value)}",
        )


def _check_timestamp(value: JSON, field: str, path: str) -> None:
    if not isinstance(value, str) or parse_timestamp(value) is None:
        # Recorded (executions test_base_scenarios/test_wait_timestamp_path__NO_T): a string is
        # shown as it is, without JSON quotes; other values as JSON (not recorded; ours).
        shown = value if isinstance(value, str) else dumps(value)
        raise StatesError(
            ErrorName.RUNTIME,
            f"The {field} parameter does not reference a valid ISO-8601 extended offset date-time format"
            f" string: {path} == {shown}",
        )
