"""A pure Amazon States Language interpreter for one-state tests (AWS Step Functions TestState).

Load a definition once (`load_definition`, cached by text, every expression compiled), then run
the selected state as often as needed (`run_state`), each time with its input, context object,
variables, injected clock/random source and optional mock. No I/O, no sleeping, no web framework.
`json_error_message` words invalid JSON as AWS does (Jackson's words).
"""

from __future__ import annotations

from interpreter.context import default_context, validate_context
from interpreter.definition.loader import LoadedState, load_definition
from interpreter.errors import (
    ASLError,
    ContextError,
    DefinitionError,
    ErrorName,
    ExpressionError,
    RequestError,
    StateNotFound,
    StatesError,
    UnsupportedState,
)
from interpreter.json_errors import json_error_message
from interpreter.jsontypes import ABSENT, JSON, dumps, loads
from interpreter.scope import World
from interpreter.states.run import Mock, MockError, StateConfiguration, Status, TestResult, run_state

__all__ = [
    "ABSENT",
    "JSON",
    "ASLError",
    "ContextError",
    "DefinitionError",
    "ErrorName",
    "ExpressionError",
    "LoadedState",
    "Mock",
    "MockError",
    "RequestError",
    "StateConfiguration",
    "StateNotFound",
    "StatesError",
    "Status",
    "TestResult",
    "UnsupportedState",
    "World",
    "default_context",
    "dumps",
    "json_error_message",
    "load_definition",
    "loads",
    "run_state",
    "validate_context",
]
