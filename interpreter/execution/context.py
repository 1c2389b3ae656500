"""The context object of a state in a running execution (``$$`` / ``$states.context``).

Members and their order as recorded (executions/test_context_object/test_output_path__):
``Execution`` (Id, Input, StartTime, Name, RoleArn, RedriveCount, and RedriveTime once
redriven), ``StateMachine`` (Id, Name), ``State`` (Name, EnteredTime, and RetryCount for the
states that can retry: developer guide, "Context object fields"), ``Task.Token`` for a
``.waitForTaskToken`` Task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from interpreter.context import iso_timestamp
from interpreter.jsontypes import JSON

_STATES_WITH_RETRY_COUNT = frozenset({"Task", "Map", "Parallel"})


@dataclass(frozen=True, slots=True)
class ExecutionContext:
    """The parts of the context object that do not change while the execution runs."""

    execution: dict[str, JSON]
    state_machine: dict[str, JSON]

    def for_state(
        self,
        name: str,
        state_type: str,
        entered: datetime,
        *,
        retry_count: int = 0,
        token: str | None = None,
    ) -> dict[str, JSON]:
        """The context object of one state entered at `entered`."""
        state: dict[str, JSON] = {"Name": name, "EnteredTime": iso_timestamp(entered)}
        if state_type in _STATES_WITH_RETRY_COUNT:
            state["RetryCount"] = retry_count
        context: dict[str, JSON] = {
            "Execution": self.execution,
            "StateMachine": self.state_machine,
            "State": state,
        }
        if token is not None:
            context["Task"] = {"Token": token}
        return context


def execution_context(
    *,
    execution_arn: str,
    input: JSON,
    start_time: datetime,
    execution_name: str,
    role_arn: str,
    redrive_count: int,
    redrive_time: datetime | None,
    state_machine_arn: str,
    state_machine_name: str,
    express: bool = False,
) -> ExecutionContext:
    """The execution's fixed context members.

    An EXPRESS execution has no ``RedriveCount`` (express executions cannot be redriven;
    recorded: test_express_sync/test_query_runtime_memory, 2024-07).
    """
    execution: dict[str, JSON] = {
        "Id": execution_arn,
        "Input": input,
        "StartTime": iso_timestamp(start_time),
        "Name": execution_name,
        "RoleArn": role_arn,
    }
    if not express:
        execution["RedriveCount"] = redrive_count
    if redrive_time is not None:
        execution["RedriveTime"] = iso_timestamp(redrive_time)
    return ExecutionContext(
        execution=execution, state_machine={"Id": state_machine_arn, "Name": state_machine_name}
    )
