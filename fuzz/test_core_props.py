"""Properties of the interpreter core: only its own errors escape, and runs are pure."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from fuzz.strategies import json_values, machines, mutated, reachable_machines, state_definitions
from interpreter import (
    ASLError,
    Mock,
    MockError,
    StateConfiguration,
    UnsupportedState,
    World,
    load_definition,
    run_state,
)
from interpreter.definition.loader import LoadedState
from interpreter.errors import IterationCountError

_NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


# Tasks run with a mock (one of each kind, in turn by the value's type, so runs stay deterministic).
_MOCKS = (
    Mock(result={"Payload": {"ok": True}, "StatusCode": 200}),
    Mock(error=MockError("MockException", "cause")),
    Mock(error=MockError("States.TaskFailed")),
)


def _mock(loaded: LoadedState, value: Any) -> Mock | None:
    """The mock for the state's kind: Tasks take one of `_MOCKS`; a Map an array (an object with a
    ResultWriter); a Parallel one value per branch; each also sometimes a mocked error."""
    turn = len(json.dumps(value))
    if loaded.state_type == "Task":
        return _MOCKS[turn % len(_MOCKS)]
    if loaded.state_type not in ("Map", "Parallel"):
        return None
    if turn % 3 == 0:
        return Mock(
            error=MockError("States.ExceedToleratedFailureThreshold" if turn % 2 else "MockException")
        )
    if loaded.has_result_writer:
        return Mock(result={"MapRunArn": "arn"})
    return Mock(result=list(range(loaded.branch_count if loaded.branch_count is not None else turn % 4)))


def _run(loaded: LoadedState, value: Any, variables: dict[str, Any], retry_count: int = 0) -> Any:
    mock = _mock(loaded, value)
    failures = len(json.dumps(value)) % 3 if loaded.state_type == "Map" else None
    return run_state(
        loaded,
        input=value,
        context={"Execution": {"Input": value}, "State": {"Name": "StateName"}},
        variables=variables,
        world=World(now=_NOW, rng=random.Random(7)),
        mock=mock,
        config=StateConfiguration(retrier_retry_count=retry_count, map_iteration_failure_count=failures),
    )


def _load_and_run(
    definition_text: str, state_name: str | None, value: Any, variables: dict[str, Any]
) -> None:
    note(definition_text)
    try:
        loaded = load_definition(definition_text, state_name)
        _run(loaded, value, variables)
    except UnsupportedState:
        pass
    except ASLError:
        pass  # the layer's own errors are fine; anything else fails the property


@given(
    definition=st.one_of(state_definitions(), mutated(state_definitions()), json_values(max_leaves=6)),
    value=json_values(max_leaves=8),
    variables=st.dictionaries(st.sampled_from(["var", "x", "a"]), json_values(max_leaves=3), max_size=2),
)
def test_single_states_raise_only_asl_errors(definition: Any, value: Any, variables: dict[str, Any]) -> None:
    _load_and_run(json.dumps(definition), None, value, variables)


# machines() mostly draws machines AWS refuses (unreachable states): the loader's refusals;
# reachable_machines() draws valid ones, so the tested state also runs.
@given(machine=st.one_of(machines(), reachable_machines()), value=json_values(max_leaves=8))
def test_machines_raise_only_asl_errors(machine: tuple[dict[str, Any], str], value: Any) -> None:
    definition, name = machine
    _load_and_run(json.dumps(definition), name, value, {})


@given(text=st.text(max_size=40))
def test_arbitrary_definition_text_raises_only_asl_errors(text: str) -> None:
    _load_and_run(text, None, {}, {})


@given(definition=state_definitions(), value=json_values(max_leaves=8))
def test_runs_are_deterministic_and_leave_their_input_alone(definition: dict[str, Any], value: Any) -> None:
    text = json.dumps(definition)
    note(text)
    try:
        loaded = load_definition(text, None)
    except ASLError:
        return
    before = json.dumps(value, sort_keys=True)
    try:
        first = _run(loaded, value, {"var": 1})
        second = _run(loaded, value, {"var": 1})
    except (UnsupportedState, IterationCountError):
        return  # refused as a request (not a run): nothing to compare
    assert first == second
    assert json.dumps(value, sort_keys=True) == before
