"""History events' details members, as AWS's GetExecutionHistory answers them.

Names and members: botocore's Step Functions model (``HistoryEvent``). JSON values inside the
details are compact JSON text; ``inputDetails``/``outputDetails`` say the text is not truncated
(this server never truncates: payloads are held to the 256 KiB quota). Shapes and the order of
members follow the recorded executions (tests/conformance/corpus/executions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

NOT_TRUNCATED: Final[Mapping[str, bool]] = {"truncated": False}

STATE_EVENT_PREFIX: Final[Mapping[str, str]] = {
    "Pass": "PassState",
    "Wait": "WaitState",
    "Choice": "ChoiceState",
    "Succeed": "SucceedState",
    "Fail": "FailState",
    "Task": "TaskState",
    "Map": "MapState",
    "Parallel": "ParallelState",
}
"""Every state type's event prefix: ``<prefix>Entered`` / ``<prefix>Exited``."""


def execution_started(input_text: str, role_arn: str, version_arn: str | None = None) -> dict[str, Any]:
    """executionStartedEventDetails: the input text verbatim (recorded: corpus README,
    "Executions"), and ``stateMachineVersionArn`` when the execution was started from a version
    (botocore's model, ExecutionStartedEventDetails)."""
    details: dict[str, Any] = {"input": input_text, "inputDetails": NOT_TRUNCATED, "roleArn": role_arn}
    if version_arn is not None:
        details["stateMachineVersionArn"] = version_arn
    return details


def entered(name: str, input_text: str) -> dict[str, Any]:
    """stateEnteredEventDetails."""
    return {"name": name, "input": input_text, "inputDetails": NOT_TRUNCATED}


def exited(name: str, output_text: str, assigned: Mapping[str, str] | None = None) -> dict[str, Any]:
    """stateExitedEventDetails; ``assignedVariables`` (each value as JSON text) when the state
    assigned any variable (recorded: absent otherwise)."""
    details: dict[str, Any] = {"name": name, "output": output_text, "outputDetails": NOT_TRUNCATED}
    if assigned:
        details["assignedVariables"] = dict(assigned)
        details["assignedVariablesDetails"] = NOT_TRUNCATED
    return details


def error_cause(error: str | None, cause: str | None, **extra: Any) -> dict[str, Any]:
    """Details with optional ``error`` and ``cause`` (absent members are left out, as recorded for
    a Fail state without Error or Cause)."""
    details: dict[str, Any] = dict(extra)
    if error is not None:
        details["error"] = error
    if cause is not None:
        details["cause"] = cause
    return details


def output(output_text: str, **extra: Any) -> dict[str, Any]:
    """Details carrying an output (ExecutionSucceeded, TaskSucceeded, LambdaFunctionSucceeded)."""
    return {**extra, "output": output_text, "outputDetails": NOT_TRUNCATED}


def map_iteration(name: str, index: int) -> dict[str, Any]:
    """mapIteration*EventDetails."""
    return {"index": index, "name": name}
