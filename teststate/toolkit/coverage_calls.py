"""What a TestState call covered, for the coverage recorder (`teststate.toolkit.coverage`).

What a call covered is derived from the request and the answer alone (`observe_test_state`), so
it holds for any endpoint:

- the state ran (``stateName``, or ``StateName`` for a single-state definition);
- the transition taken: ``nextState`` (a Catch's ``Next`` for CAUGHT_ERROR), or the end of the
  machine for a state that succeeded without one and for a Fail state;
- the Choice rule that matched. The answer gives ``nextState`` only and rules may share a
  ``Next``: when more than one branch leads there, the rules are evaluated in order with the
  interpreter on the request's input, variables and context (the rule tested first wins, as in
  `interpreter.states.run`);
- the Retry entry that fired (RETRIABLE) and the Catch entry that caught (CAUGHT_ERROR): the
  answer's ``inspectionData.errorDetails`` names them at DEBUG and TRACE; otherwise the
  interpreter's `decide` says which, for the error and ``stateConfiguration.retrierRetryCount``.

When none of that can tell (a definition our interpreter refuses, a context-dependent rule), the
call counts as ``unattributed`` and its state and transition still count.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from interpreter import ASLError, LoadedState, Status, World, default_context, load_definition, loads
from interpreter.definition.model import ChoiceState
from interpreter.scope import Scope
from interpreter.states.dataflow import select
from interpreter.states.recovery import decide
from interpreter.states.run import first_matching_rule
from teststate.toolkit.coverage_model import (
    SINGLE_STATE_NAME,
    CatchEntry,
    ChoiceBranch,
    DefinitionCoverage,
    Observed,
    RetryEntry,
    StateOutline,
    Transition,
)

__all__ = ["Observation", "blank_coverage", "observe_test_state"]

_STATUSES: Final = frozenset(Status)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Observation:
    """What one run covered of one definition."""

    definition: str
    single_state: bool
    observed: Observed


@functools.lru_cache(maxsize=256)
def blank_coverage(definition: str, single_state: bool) -> DefinitionCoverage:
    """A definition's key and outline, read once per text (a suite sends the same text often)."""
    return DefinitionCoverage.of(definition, single_state=single_state)


# ---------------------------------------------------------------------------------------------
# From a TestState call to what it covered


def observe_test_state(request: Mapping[str, Any], answer: Mapping[str, Any]) -> Observation | None:
    """What one TestState call covered, or None when it is not a call that ran a state.

    Args:
        request: the TestState request members (``definition``, ``stateName``, ``input``,
            ``variables``, ``context``, ``mock``, ``stateConfiguration``), as given to boto3.
        answer: the TestState answer as boto3 parses it (``status``, ``nextState``, ``error``,
            ``cause``, ``output``, ``inspectionData``).
    """
    definition, state_name, status = request.get("definition"), request.get("stateName"), answer.get("status")
    if not isinstance(definition, str) or status not in _STATUSES:
        return None
    if state_name is not None and not isinstance(state_name, str):
        return None
    single_state = state_name is None
    name = SINGLE_STATE_NAME if state_name is None else state_name
    shape = blank_coverage(definition, single_state).outline.by_name.get(name)
    if shape is None:
        return None
    next_state = answer.get("nextState")
    next_state = next_state if isinstance(next_state, str) else None
    call = _Call(definition, state_name, request, answer, shape, next_state)
    transitions: frozenset[Transition] = frozenset()
    branches: frozenset[ChoiceBranch] = frozenset()
    retries: frozenset[RetryEntry] = frozenset()
    catches: frozenset[CatchEntry] = frozenset()
    attributed = True
    if status == Status.SUCCEEDED:
        transitions = frozenset({Transition(name, next_state)})
        if shape.type == "Choice":
            branch = _choice_branch(call)
            branches, attributed = _one(branch)
    elif status == Status.CAUGHT_ERROR:
        if next_state is not None:
            transitions = frozenset({Transition(name, next_state, caught=True)})
        catches, attributed = _one(_catch_entry(call))
    elif status == Status.RETRIABLE:
        retries, attributed = _one(_retry_entry(call))
    elif shape.type == "Fail":
        transitions = frozenset({Transition(name, None)})
    observed = Observed(
        calls=1,
        states=frozenset({name}),
        choice_branches=branches,
        retries=retries,
        catches=catches,
        transitions=transitions,
        unattributed=0 if attributed else 1,
    )
    return Observation(definition, single_state, observed)


def _one(item: _T | None) -> tuple[frozenset[_T], bool]:
    return (frozenset(), False) if item is None else (frozenset({item}), True)


@dataclass(frozen=True, slots=True)
class _Call:
    """One TestState call, with the outline of the state it tested."""

    definition: str
    state_name: str | None
    request: Mapping[str, Any]
    answer: Mapping[str, Any]
    shape: StateOutline
    next_state: str | None

    def loaded(self) -> LoadedState | None:
        """The state as the interpreter compiles it (None if it refuses what the endpoint took)."""
        try:
            return load_definition(self.definition, self.state_name)
        except ASLError:
            return None

    def error_detail(self, member: str) -> int | None:
        """``inspectionData.errorDetails.<member>`` of the answer (DEBUG and TRACE only)."""
        inspection = self.answer.get("inspectionData")
        details = inspection.get("errorDetails") if isinstance(inspection, Mapping) else None
        value = details.get(member) if isinstance(details, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def retry_count(self) -> int:
        configuration = self.request.get("stateConfiguration")
        count = configuration.get("retrierRetryCount") if isinstance(configuration, Mapping) else None
        return count if isinstance(count, int) and not isinstance(count, bool) else 0


def _choice_branch(call: _Call) -> ChoiceBranch | None:
    """The branch that led to ``nextState``: the only one that does, else the first rule (in
    order) that matches the request's data, if it leads there."""
    shape = call.shape
    leading = [
        ChoiceBranch(shape.name, index)
        for index, target in enumerate(shape.choices)
        if target == call.next_state
    ]
    if shape.default is not None and shape.default == call.next_state:
        leading.append(ChoiceBranch(shape.name, None))
    if len(leading) <= 1:
        return leading[0] if leading else None
    taken = _evaluated_branch(call)
    return taken if taken in leading else None


def _evaluated_branch(call: _Call) -> ChoiceBranch | None:
    loaded = call.loaded()
    if loaded is None or not isinstance(loaded.state, ChoiceState):
        return None
    state = loaded.state
    try:
        return ChoiceBranch(
            call.shape.name, first_matching_rule(state, _choice_scope(state, loaded, call.request))
        )
    except (ASLError, ValueError):
        # ValueError: a member that is not JSON (the endpoint would have refused the call).
        return None


def _choice_scope(state: ChoiceState, loaded: LoadedState, request: Mapping[str, Any]) -> Scope:
    """What the Choice's rules see, built as `interpreter.states.run` builds it: the input (``{}``
    when not given), the variables, the caller's context or a generated one; JSONPath rules see
    the input after ``InputPath``."""
    state_input = _member(request, "input", {})
    variables = _member(request, "variables", {})
    if not isinstance(variables, dict):
        raise ValueError("variables: not a JSON object")
    world = World()
    context_text = request.get("context")
    if isinstance(context_text, str):
        context = loads(context_text)
    elif loaded.reads_context:
        # A Choice cannot be tested with a mock, so never with a context of the caller's: AWS
        # generated one, whose ids and times a rule could read; ours has the same shape.
        role_arn = request.get("roleArn")
        context = default_context(
            loaded=loaded,
            input=state_input,
            role_arn=role_arn if isinstance(role_arn, str) else None,
            world=world,
        )
    else:
        context = {}
    scope = Scope(
        current=state_input, context=context, variables=variables, state_input=state_input, world=world
    )
    if state.is_jsonata:
        return scope
    return scope.with_current(select(state.input_path, state_input, scope))


def _member(request: Mapping[str, Any], name: str, default: Any) -> Any:
    text = request.get(name)
    return loads(text) if isinstance(text, str) else default


def _retry_entry(call: _Call) -> RetryEntry | None:
    """The Retry entry that made the state RETRIABLE."""
    index = call.error_detail("retryIndex")
    if index is None:
        error, loaded = call.answer.get("error"), call.loaded()
        if not isinstance(error, str) or loaded is None:
            return None
        decision = decide(loaded.state.retry, loaded.state.catch, error, call.retry_count())
        index = decision.retry_index if decision.retriable else None
    if index is None or not 0 <= index < len(call.shape.retry):
        return None
    return RetryEntry(call.shape.name, index)


def _catch_entry(call: _Call) -> CatchEntry | None:
    """The Catch entry that caught the error: the one the answer or `decide` names if it leads to
    ``nextState``, else the only one that leads there."""
    routes = call.shape.catch
    index = call.error_detail("catchIndex")
    if index is None:
        error, loaded = call.answer.get("error"), call.loaded()
        if isinstance(error, str) and loaded is not None:
            index = decide(loaded.state.retry, loaded.state.catch, error, call.retry_count()).catch_index
    if index is None or not 0 <= index < len(routes) or routes[index].next != call.next_state:
        leading = [number for number, route in enumerate(routes) if route.next == call.next_state]
        index = leading[0] if len(leading) == 1 else None
    return None if index is None else CatchEntry(call.shape.name, index)
