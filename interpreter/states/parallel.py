"""Parallel under TestState: the input side runs for real, the mock stands in for the branches.

TestState never runs a Parallel state's branches: it "only supports ... Parallel, or Map states"
when a mock is specified (AWS Step Functions API reference, "TestState"). InputPath and
Parameters (JSONPath) or Arguments (JSONata) are still evaluated, so a path that misses fails the
state, but AWS reports neither in the inspection data (recorded:
``aws/test_test_state_mock_scenarios/test_base_parallel_state_mock_success__DEBUG``). The mocked
result, one value per branch, then flows through the state's tail.
"""

from __future__ import annotations

from interpreter.definition.model import ParallelState
from interpreter.errors import UnsupportedState
from interpreter.scope import Scope
from interpreter.states.dataflow import (
    Done,
    Trace,
    Work,
    jsonata_tail,
    jsonpath_tail,
    mocked_result,
    render_within_quota,
    select,
)

__all__ = ["run_parallel"]


def run_parallel(state: ParallelState, scope: Scope, trace: Trace, work: Work) -> Done:
    """Parallel: InputPath/Parameters or Arguments are evaluated (a failing path fails the state)
    but not reported; the mocked result then goes through ResultSelector/ResultPath/OutputPath or
    Output/Assign."""
    mock = work.mock
    if mock is None:
        # The service refuses a Parallel without a mock before running it, with InvalidDefinition
        # (aws/test_state_mock_validation/test_state_type_requires_mock__ParallelState); this
        # guards direct callers of the interpreter.
        raise UnsupportedState("A Parallel state can only be tested with a mock")
    if state.is_jsonata:
        if state.arguments is not None:
            render_within_quota(state, state.arguments, scope)
        result = mocked_result(mock)
        return jsonata_tail(state, scope.with_result(result), result, state.next)
    effective = select(state.input_path, scope.state_input, scope)
    if state.parameters is not None:
        render_within_quota(state, state.parameters, scope.with_current(effective))
    result = mocked_result(mock)
    return jsonpath_tail(state, scope, trace, result, state.next)
