"""Whole executions of a state machine: the engine, its values and the mock configuration file.

`run_execution` runs an `ExecutionStart` and yields its history; the service
(`teststate.operations.executions`) stores what it yields and feeds signals back.
"""

from interpreter.execution.engine import run_execution
from interpreter.execution.mock_config import (
    MockConfig,
    MockConfigError,
    MockResponse,
    MockTestCase,
    parse_mock_config,
)
from interpreter.execution.model import (
    ActivityStarted,
    ExecutionStart,
    Finished,
    HistoryEvent,
    ServiceCall,
    ServiceCallResult,
    Signal,
    Step,
    StopRequest,
    Suspended,
    TaskFailure,
    TaskHeartbeat,
    TaskSuccess,
    TimerFired,
    activity_token,
    task_token,
)

__all__ = [
    "ActivityStarted",
    "ExecutionStart",
    "Finished",
    "HistoryEvent",
    "MockConfig",
    "MockConfigError",
    "MockResponse",
    "MockTestCase",
    "ServiceCall",
    "ServiceCallResult",
    "Signal",
    "Step",
    "StopRequest",
    "Suspended",
    "TaskFailure",
    "TaskHeartbeat",
    "TaskSuccess",
    "TimerFired",
    "activity_token",
    "parse_mock_config",
    "run_execution",
    "task_token",
]
