"""State names and transitions, checked once every state's shape has passed.

A `Scope` is one ``States`` container (the machine's, a Parallel branch's or a Map processor's);
names must be unique across all of them, and every transition stays inside its own scope.
Because the shapes were checked first, every field read here is known to be valid.

What AWS answers was measured against its ValidateStateMachineDefinition and CreateStateMachine
(quoted in floci-io/floci#2735 and floci-io/floci#2786): ``Missing 'Next' target: <name>`` for
StartAt, Next, Default, Choices[i].Next and Catch[i].Next alike, located at the field;
``Workflow has no terminal state`` without a location, for the top-level scope only (a loop
inside a branch or processor is accepted); ``State "<name>" is not reachable.`` at the state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from interpreter.jsontypes import JSON
from interpreter.schema.messages import (
    DUPLICATE_STATE_NAME,
    MISSING_END_STATE,
    MISSING_TRANSITION_TARGET,
    NO_LOCATION,
    fail,
    idx,
    ptr,
)


@dataclass(frozen=True, slots=True)
class Scope:
    """One ``States`` container: its pointer, its state objects, and its StartAt."""

    pointer: str
    start_at: str
    states: Mapping[str, Mapping[str, JSON]]
    top: bool


def _sub_scopes(state: Mapping[str, JSON], pointer: str) -> Iterator[Scope]:
    """The machines directly nested in one state."""
    if state["Type"] == "Parallel":
        for index, branch in enumerate(state["Branches"]):
            yield Scope(idx(ptr(pointer, "Branches"), index), branch["StartAt"], branch["States"], False)
    elif state["Type"] == "Map":
        key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        processor = state[key]
        yield Scope(ptr(pointer, key), processor["StartAt"], processor["States"], False)


def _all_scopes(scope: Scope) -> Iterator[Scope]:
    """The scope and every scope nested in it, pre-order."""
    yield scope
    for name, state in scope.states.items():
        for sub in _sub_scopes(state, ptr(ptr(scope.pointer, "States"), name)):
            yield from _all_scopes(sub)


def _targets(state: Mapping[str, JSON], pointer: str) -> Iterator[tuple[str, str]]:
    """(target name, pointer) of every transition out of a state, in AWS's order."""
    if "Next" in state:
        yield state["Next"], ptr(pointer, "Next")
    for index, rule in enumerate(state.get("Choices", ())):
        yield rule["Next"], ptr(idx(ptr(pointer, "Choices"), index), "Next")
    if "Default" in state:
        yield state["Default"], ptr(pointer, "Default")
    for index, catcher in enumerate(state.get("Catch", ())):
        yield catcher["Next"], ptr(idx(ptr(pointer, "Catch"), index), "Next")


def check_duplicates(root: Scope) -> None:
    """No state name twice in the whole machine, nested scopes included."""
    seen: set[str] = set()
    for scope in _all_scopes(root):
        for name in scope.states:
            if name in seen:
                # Only the code and the "Duplicate State name:" prefix were recorded from AWS.
                raise fail(
                    f"Duplicate State name: '{name}'",
                    ptr(ptr(scope.pointer, "States"), name),
                    DUPLICATE_STATE_NAME,
                )
            seen.add(name)


def check_transitions(root: Scope, check_top: bool) -> None:
    """Missing targets, then a terminal state, then reachability (see the module docstring).

    ``check_top`` false skips the top-level scope, as for a single state under test.
    """
    scopes = [s for s in _all_scopes(root) if check_top or not s.top]
    # 1. Missing targets, in every checked scope.
    for scope in scopes:
        if scope.start_at not in scope.states:
            raise fail(
                f"Missing 'Next' target: {scope.start_at}",
                ptr(scope.pointer, "StartAt"),
                MISSING_TRANSITION_TARGET,
            )
        for name, state in scope.states.items():
            for target, pointer in _targets(state, ptr(ptr(scope.pointer, "States"), name)):
                if target not in scope.states:
                    raise fail(f"Missing 'Next' target: {target}", pointer, MISSING_TRANSITION_TARGET)
    # 2. A terminal state, in the top-level scope only.
    if check_top and not any(_is_terminal(state) for state in root.states.values()):
        raise fail("Workflow has no terminal state", NO_LOCATION, MISSING_END_STATE)
    # 3. Reachability from StartAt, in every checked scope.
    for scope in scopes:
        reached = _reachable(scope)
        for name in scope.states:
            if name not in reached:
                raise fail(
                    f'State "{name}" is not reachable.',
                    ptr(ptr(scope.pointer, "States"), name),
                    MISSING_TRANSITION_TARGET,
                )


def _is_terminal(state: Mapping[str, JSON]) -> bool:
    return state["Type"] in ("Succeed", "Fail") or state.get("End") is True


def _reachable(scope: Scope) -> set[str]:
    reached = {scope.start_at}
    pending = [scope.start_at]
    while pending:
        state = scope.states[pending.pop()]
        for target, _ in _targets(state, ""):
            if target not in reached:
                reached.add(target)
                pending.append(target)
    return reached
