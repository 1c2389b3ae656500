"""Whole definitions: one state of any type, a definition with one field bent, and machines around
a drawn state (any, or with every state reachable)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.maps import map_states
from fuzz.strategies.states import (
    choice_states,
    fail_states,
    parallel_states,
    pass_states,
    succeed_states,
    task_states,
    wait_states,
)
from fuzz.strategies.values import json_values

# --- any state, mutations, machines --------------------------------------------------------------


@st.composite
def state_definitions(draw: st.DrawFn) -> dict[str, Any]:
    """One state of any type in either query language, valid by construction."""
    strategies = (
        pass_states,
        wait_states,
        choice_states,
        succeed_states,
        fail_states,
        task_states,
        map_states,
        parallel_states,
    )
    strategy = draw(st.sampled_from(strategies))
    return draw(strategy(jsonata=draw(st.booleans())))


@st.composite
def mutated(draw: st.DrawFn, definitions: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A definition with one field removed, retyped, or added."""
    definition = dict(draw(definitions))
    action = draw(st.sampled_from(["drop", "retype", "add"]))
    if action == "drop" and definition:
        del definition[draw(st.sampled_from(sorted(definition)))]
    elif action == "retype" and definition:
        definition[draw(st.sampled_from(sorted(definition)))] = draw(json_values(max_leaves=3))
    else:
        field = draw(
            st.sampled_from(
                [
                    "Retry",
                    "Catch",
                    "Resource",
                    "Branches",
                    "Next",
                    "End",
                    "Comment",
                    "QueryLanguage",
                    "Unknown",
                    "Seconds",
                    "Arguments",
                    "Output",
                ]
            )
        )
        definition[field] = draw(json_values(max_leaves=3))
    return definition


@st.composite
def machines(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A whole machine around a drawn state, and the name to test (sometimes one that is missing)."""
    state = draw(state_definitions())
    machine: dict[str, Any] = {
        "StartAt": "Tested",
        "States": {
            "Tested": state,
            "NextState": {"Type": "Succeed"},
            "A": {"Type": "Succeed"},
            "B": {"Type": "Succeed"},
            "DefaultState": {"Type": "Succeed"},
        },
    }
    if draw(st.booleans()):
        machine["QueryLanguage"] = draw(st.sampled_from(["JSONPath", "JSONata"]))
    return machine, draw(st.sampled_from(["Tested", "Tested", "NextState", "Missing"]))


# --- machines where every state is reachable (for runnable requests) -----------------------------


def transition_targets(state: dict[str, Any]) -> list[str]:
    """The state names a state may go to: Next, Default, its Choices' and Catchers' Next."""
    targets = [state.get("Next"), state.get("Default")]
    targets += [rule.get("Next") for rule in state.get("Choices", []) if isinstance(rule, dict)]
    targets += [catcher.get("Next") for catcher in state.get("Catch", []) if isinstance(catcher, dict)]
    return sorted({target for target in targets if isinstance(target, str)})


@st.composite
def reachable_machines(
    draw: st.DrawFn, states: st.SearchStrategy[dict[str, Any]] | None = None
) -> tuple[dict[str, Any], str]:
    """A machine around a drawn state where every state is reachable (AWS rejects a machine with an
    unreachable state, MISSING_TRANSITION_TARGET): the tested state and one Succeed state per
    target; the name to test is usually the drawn state."""
    state = draw(state_definitions() if states is None else states)
    targets = transition_targets(state)
    machine: dict[str, Any] = {
        "StartAt": "Tested",
        "States": {"Tested": state, **{name: {"Type": "Succeed"} for name in targets}},
    }
    if draw(st.booleans()):
        # JSONata at the top would turn the JSONPath states' fields into errors: the state's own
        # QueryLanguage (or JSONPath's default) decides.
        machine["QueryLanguage"] = "JSONPath"
    return machine, draw(st.sampled_from(["Tested", "Tested", "Tested", *targets]))
