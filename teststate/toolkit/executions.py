"""Running an execution to its end from a test: `execute` and `wait_for_execution`.

StartExecution answers before the execution runs, on AWS and here alike, and boto3 has no waiter
for Step Functions; a test would poll DescribeExecution itself. These do it, for any boto3 Step
Functions client (the in-process ``sfn`` fixture, a client of a server, or of AWS).
"""

from __future__ import annotations

import json
import time
from typing import Any, Final

from teststate.toolkit.errors import ExecutionDidNotEnd

__all__ = ["ExecutionDidNotEnd", "execute", "wait_for_execution"]

# Polling starts fast (an offline execution with the virtual clock ends in milliseconds) and slows
# down to this, so a long one against AWS is not hammered.
_FIRST_POLL_SECONDS: Final = 0.002
_LONGEST_POLL_SECONDS: Final = 1.0


def wait_for_execution(client: Any, execution_arn: str, *, timeout: float = 30.0) -> dict[str, Any]:
    """DescribeExecution's answer once the execution has ended (any status but RUNNING and
    PENDING_REDRIVE).

    Raises:
        ExecutionDidNotEnd: it had not ended within `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    pause = _FIRST_POLL_SECONDS
    while True:
        described: dict[str, Any] = client.describe_execution(executionArn=execution_arn)
        if described["status"] not in ("RUNNING", "PENDING_REDRIVE"):
            return described
        if time.monotonic() >= deadline:
            raise ExecutionDidNotEnd(f"{execution_arn} is still {described['status']} after {timeout} s")
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, _LONGEST_POLL_SECONDS)


def execute(
    client: Any,
    state_machine_arn: str,
    input: Any = None,
    *,
    test_case: str | None = None,
    name: str | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Start an execution and wait for its end; DescribeExecution's answer.

    Arguments:
        client: a boto3 Step Functions client.
        state_machine_arn: the state machine (or version) to run.
        input: the input: JSON text as it is, any other value encoded as JSON (None: none sent).
        test_case: the mock configuration's test case (``<arn>#<test_case>``, as AWS Step
            Functions Local reads it).
        name: the execution's name (None: a generated one).
        timeout: seconds to wait for the end.

    Raises:
        ExecutionDidNotEnd: it had not ended within `timeout` seconds.
    """
    request: dict[str, Any] = {
        "stateMachineArn": state_machine_arn if test_case is None else f"{state_machine_arn}#{test_case}"
    }
    if input is not None:
        request["input"] = input if isinstance(input, str) else json.dumps(input)
    if name is not None:
        request["name"] = name
    started = client.start_execution(**request)
    return wait_for_execution(client, started["executionArn"], timeout=timeout)
