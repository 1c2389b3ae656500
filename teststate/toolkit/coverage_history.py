"""What one execution covered, read from its history (GetExecutionHistory's events, in any order).

An execution's history says directly which states ran and, event by event, what happened in
each: this module walks it once (`observe_history`) and gives the `Observed` of the run.

Which state an event belongs to. Every event points back at the event it followed in its own
thread (``previousEventId``): a state's Entered event starts a *frame* (one run of that state),
and the events that follow it in the chain belong to that frame until its Exited event closes
it; what follows a closed frame belongs to the frame around it (the Map or Parallel state that
runs its machine, or the execution). State names are unique in a whole definition (AWS refuses a
repeat with DUPLICATE_STATE_NAME), so an Entered event's name says which machine (top level, Map
processor, Parallel branch) it runs in: its frame is put under the nearest open frame of the state
that runs that machine, which keeps concurrent Map iterations and Parallel branches apart even
when their events interleave, as AWS's do.

What is read (the AWS Developer Guide, "Execution history events" and "Handling errors"):

- states: every ``*StateEntered`` event, in Map iterations and Parallel branches included;
- transitions: an Entered event whose ``previousEventId`` is the Exited event of a state of the
  same machine run (a state's ``Next``, a Choice's branch, or a Catch when the state had failed
  since its last success); the end of a machine: the Exited event of an End or Succeed state
  that no state follows, and every Fail state entered;
- Retry: a state whose work starts again (``TaskScheduled``, ``LambdaFunctionScheduled``,
  ``ActivityScheduled``, ``MapStateStarted``, ``ParallelStateStarted``) after a failure: the entry
  is the first whose ``ErrorEquals`` matches the failure's error (`error_matches`, as the engine
  and AWS choose it); a Map's or Parallel's error is the one its failed iteration or branch
  raised (a Task's failure event, or a Fail state's constant ``Error``);
- Catch: the catcher whose ``Next`` was entered, the first whose ``ErrorEquals`` matches the
  error when it is known (a data-flow error raised after the work succeeded, such as
  States.ResultPathMatchFailure, leaves no failure event: then the ``Error`` of the state's
  output, where the default ``ResultPath`` puts it, or the only catcher that leads there);
- Choice: the branch whose ``Next`` was entered when only one leads there; otherwise the rules are
  evaluated in order with the interpreter (`first_matching_rule`) on the Entered input, the
  variables the history assigned (``assignedVariables`` of the Exited events of the run so far)
  and a context object rebuilt from the history.

A decision that cannot be told (an unknown error with several candidate entries, a Choice whose
ambiguous rules cannot be re-evaluated) counts as ``unattributed``; the state and the transition
still count. A Distributed Map's iterations run as child executions whose events are not in the
parent's history (AWS's, and this server's): its processor's states are not read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from interpreter import ASLError, World, load_definition
from interpreter.definition.model import ChoiceState
from interpreter.jsontypes import JSON
from interpreter.scope import Scope
from interpreter.states.dataflow import select
from interpreter.states.recovery import error_matches
from interpreter.states.run import first_matching_rule
from teststate.toolkit.coverage_model import (
    CatchEntry,
    ChoiceBranch,
    Observed,
    Outline,
    RetryEntry,
    StateOutline,
    Transition,
)

__all__ = ["ATTEMPT_STARTS", "SUCCESSES", "observe_history"]

ATTEMPT_STARTS: Final = frozenset(
    {
        "TaskScheduled",
        "LambdaFunctionScheduled",
        "ActivityScheduled",
        "MapStateStarted",
        "ParallelStateStarted",
    }
)
"""Events that start a state's work: seen again in the same run of a state, a Retry fired."""

SUCCESSES: Final = frozenset(
    {
        "TaskSucceeded",
        "LambdaFunctionSucceeded",
        "ActivitySucceeded",
        "MapStateSucceeded",
        "ParallelStateSucceeded",
        "MapRunSucceeded",
    }
)
"""Events that end a state's work successfully (a later failure is then a data-flow error)."""

_FAILURE_SUFFIXES: Final = ("Failed", "TimedOut", "Aborted")
_NOT_A_STATES_FAILURE: Final = frozenset({"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})


@dataclass(eq=False, slots=True)
class _Frame:
    """One run of one state (``name`` None: the execution itself), while the history is walked.

    Attributes:
        scope: the variables assigned by the states of the machine this frame runs (the top
            level for the execution's frame; the current iteration or branch for a Map's or
            Parallel's).
        failed: the state's work failed since it last started or succeeded.
        child_error: the error of the last inner state that failed without recovering (what a
            Map's or Parallel's failure raises).
    """

    name: str | None
    parent: _Frame | None
    entered_at: datetime | None = None
    input_text: str | None = None
    variables: dict[str, JSON] = field(default_factory=dict)
    scope: dict[str, JSON] = field(default_factory=dict)
    closed: bool = False
    attempts: int = 0
    failed: bool = False
    error: str | None = None
    child_error: str | None = None
    output_text: str | None = None

    def open_up(self) -> _Frame:
        """This frame, or the nearest enclosing one still running."""
        frame = self
        while frame.closed and frame.parent is not None:
            frame = frame.parent
        return frame

    def nearest(self, name: str | None) -> _Frame | None:
        """The nearest open frame of state `name` from here outwards (None: the execution's)."""
        frame: _Frame | None = self
        while frame is not None:
            if frame.name == name and (not frame.closed or frame.parent is None):
                return frame
            frame = frame.parent
        return None

    def visible_variables(self) -> dict[str, JSON]:
        """The variables a state of the machine this frame runs sees: outer scopes, then inner."""
        chain: list[_Frame] = []
        frame: _Frame | None = self
        while frame is not None:
            chain.append(frame)
            frame = frame.parent
        merged: dict[str, JSON] = {}
        for outer in reversed(chain):
            merged.update(outer.scope)
        return merged


@dataclass(slots=True)
class _Walk:
    """What the walk has found so far."""

    definition: str
    outline: Outline
    execution: Mapping[str, JSON]
    states: set[str] = field(default_factory=set)
    transitions: set[Transition] = field(default_factory=set)
    branches: set[ChoiceBranch] = field(default_factory=set)
    retries: set[RetryEntry] = field(default_factory=set)
    catches: set[CatchEntry] = field(default_factory=set)
    unattributed: int = 0

    def observed(self) -> Observed:
        return Observed(
            executions=1,
            states=frozenset(self.states),
            choice_branches=frozenset(self.branches),
            retries=frozenset(self.retries),
            catches=frozenset(self.catches),
            transitions=frozenset(self.transitions),
            unattributed=self.unattributed,
        )


def observe_history(
    definition: str,
    outline: Outline,
    events: Iterable[Mapping[str, Any]],
    *,
    execution_arn: str | None = None,
    state_machine_arn: str | None = None,
) -> Observed:
    """What one execution of `definition` covered, from its history's events.

    Args:
        definition: the definition the execution ran (DescribeStateMachineForExecution's).
        outline: its outline (`teststate.toolkit.coverage_model.outline_of`).
        events: GetExecutionHistory's events, every page, as boto3 parses them (or as JSON).
        execution_arn, state_machine_arn: for the context object a re-evaluated Choice rule sees.
    """
    ordered = sorted((event for event in events if isinstance(event.get("id"), int)), key=lambda e: e["id"])
    by_id = {event["id"]: event for event in ordered}
    root = _Frame(name=None, parent=None)
    walk = _Walk(definition, outline, _execution_context(ordered, execution_arn, state_machine_arn))
    frame_of: dict[int, _Frame] = {}
    followed: set[int] = set()
    for event in ordered:
        previous = event.get("previousEventId")
        before = frame_of.get(previous, root) if isinstance(previous, int) else root
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            frame_of[event["id"]] = _entered(walk, event, before, by_id.get(previous), frame_of, followed)
        elif kind.endswith("StateExited"):
            frame_of[event["id"]] = _exited(event, before)
        else:
            frame_of[event["id"]] = _work_event(walk, kind, event, before)
    for event in ordered:
        if str(event.get("type", "")).endswith("StateExited") and event["id"] not in followed:
            frame = frame_of[event["id"]]
            shape = outline.by_name.get(frame.name or "")
            if shape is not None and shape.terminal and not frame.failed:
                walk.transitions.add(Transition(shape.name, None))
    return walk.observed()


def _details(event: Mapping[str, Any], suffix: str) -> Mapping[str, Any]:
    """The event's ``...EventDetails`` member ending in `suffix` (``stateEnteredEventDetails``)."""
    for key, value in event.items():
        if key.endswith(suffix) and isinstance(value, Mapping):
            return value
    return {}


def _any_details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            return value
    return {}


def _entered(
    walk: _Walk,
    event: Mapping[str, Any],
    before: _Frame,
    previous: Mapping[str, Any] | None,
    frame_of: Mapping[int, _Frame],
    followed: set[int],
) -> _Frame:
    details = _details(event, "stateEnteredEventDetails")
    name = details.get("name")
    shape = walk.outline.by_name.get(name) if isinstance(name, str) else None
    if shape is None:  # not a state of this definition: nothing to attribute it to
        walk.unattributed += 1
        return before.open_up()
    owner = walk.outline.regions[shape.region].owner
    parent = before.nearest(owner) or before.open_up()
    source: _Frame | None = None
    if previous is not None and str(previous.get("type", "")).endswith("StateExited"):
        candidate = frame_of.get(previous["id"])
        if candidate is not None and candidate.parent is parent:
            source = candidate
            followed.add(previous["id"])
    if source is None and parent.parent is not None:
        parent.scope = {}  # a new iteration or branch: its own variables (AWS guide, "Variable scope")
    input_text = details.get("input")
    frame = _Frame(
        name=shape.name,
        parent=parent,
        entered_at=_timestamp(event.get("timestamp")),
        input_text=input_text if isinstance(input_text, str) else None,
        variables=parent.visible_variables(),
    )
    walk.states.add(shape.name)
    if source is not None:
        _transition(walk, source, shape.name)
    if shape.type == "Fail":
        walk.transitions.add(Transition(shape.name, None))
        frame.closed = True
        parent.child_error = shape.error  # None when the Error is not a constant: unknown
    return frame


def _exited(event: Mapping[str, Any], before: _Frame) -> _Frame:
    details = _details(event, "stateExitedEventDetails")
    name = details.get("name")
    frame = before.nearest(name) if isinstance(name, str) else None
    if frame is None or frame.parent is None:
        return before.open_up()
    frame.closed = True
    output_text = details.get("output")
    frame.output_text = output_text if isinstance(output_text, str) else None
    frame.parent.child_error = None  # the state recovered (or succeeded): its machine goes on
    assigned = details.get("assignedVariables")
    if isinstance(assigned, Mapping):
        for key, text in assigned.items():
            value = _json(text)
            if value is not _UNREADABLE:
                frame.parent.scope[str(key)] = value
    return frame


def _work_event(walk: _Walk, kind: str, event: Mapping[str, Any], before: _Frame) -> _Frame:
    """An event of a state's work (or the execution's): Retry, failures, successes."""
    details = _any_details(event)
    named = details.get("name") if kind.startswith("MapIteration") else None
    frame = (before.nearest(named) if isinstance(named, str) else None) or before.open_up()
    if frame.name is None or kind in _NOT_A_STATES_FAILURE:
        return frame
    if kind in ATTEMPT_STARTS:
        if frame.attempts >= 1:
            _retry(walk, frame)
        frame.attempts += 1
        frame.failed, frame.error = False, None
    elif kind in SUCCESSES:
        frame.failed, frame.error = False, None
    elif kind.endswith(_FAILURE_SUFFIXES):
        error = details.get("error")
        frame.failed = True
        frame.error = error if isinstance(error, str) else frame.child_error
        if frame.parent is not None:
            frame.parent.child_error = frame.error
    return frame


def _retry(walk: _Walk, frame: _Frame) -> None:
    shape = walk.outline.by_name[frame.name or ""]
    error = frame.error if frame.failed else None
    if error is not None:
        index = next((n for n, names in enumerate(shape.retry) if error_matches(names, error)), None)
    else:
        index = 0 if len(shape.retry) == 1 else None
    if index is None:
        walk.unattributed += 1
    else:
        walk.retries.add(RetryEntry(shape.name, index))


def _transition(walk: _Walk, source: _Frame, target: str) -> None:
    """``source`` (closed) was followed by ``target`` in the same machine run."""
    shape = walk.outline.by_name[source.name or ""]
    own = target in (shape.next, shape.default, *shape.choices)
    by_catch = [index for index, route in enumerate(shape.catch) if route.next == target]
    if by_catch and (source.failed or not own):
        walk.transitions.add(Transition(shape.name, target, caught=True))
        index = _catcher(shape, source, by_catch)
        if index is None:
            walk.unattributed += 1
        else:
            walk.catches.add(CatchEntry(shape.name, index))
    elif own:
        walk.transitions.add(Transition(shape.name, target))
        if shape.type == "Choice":
            branch = _choice_branch(walk, shape, source, target)
            if branch is None:
                walk.unattributed += 1
            else:
                walk.branches.add(branch)
    else:  # a transition the definition does not declare: another definition ran
        walk.unattributed += 1


def _catcher(shape: StateOutline, source: _Frame, leading: Sequence[int]) -> int | None:
    error = source.error if source.failed else None
    if error is None:
        output = _json(source.output_text) if source.output_text is not None else None
        hinted = output.get("Error") if isinstance(output, dict) else None
        error = hinted if isinstance(hinted, str) else None
    if error is not None:
        first = next(
            (n for n, route in enumerate(shape.catch) if error_matches(route.error_equals, error)), None
        )
        if first in leading:
            return first
    return leading[0] if len(leading) == 1 else None


def _choice_branch(walk: _Walk, shape: StateOutline, source: _Frame, target: str) -> ChoiceBranch | None:
    leading = [branch for branch in shape.choice_branches() if _branch_target(shape, branch) == target]
    if len(leading) <= 1:
        return leading[0] if leading else None
    rule = _evaluated_rule(walk, shape, source)
    if rule is _UNREADABLE:
        return None
    taken = ChoiceBranch(shape.name, rule if isinstance(rule, int) else None)
    return taken if taken in leading else None


def _branch_target(shape: StateOutline, branch: ChoiceBranch) -> str | None:
    return shape.default if branch.rule is None else shape.choices[branch.rule]


def _evaluated_rule(walk: _Walk, shape: StateOutline, source: _Frame) -> object:
    """The index of the first rule that matches (None: the Default), or `_UNREADABLE`."""
    state_input = _json(source.input_text) if source.input_text is not None else _UNREADABLE
    if state_input is _UNREADABLE:
        return _UNREADABLE
    try:
        loaded = load_definition(walk.definition, shape.name)
    except ASLError:
        return _UNREADABLE
    state = loaded.state
    if not isinstance(state, ChoiceState):
        return _UNREADABLE
    context = {
        **walk.execution,
        "State": {"Name": shape.name, "EnteredTime": _iso(source.entered_at), "RetryCount": 0},
    }
    value: JSON = state_input
    scope = Scope(
        current=value, context=context, variables=source.variables, state_input=value, world=World()
    )
    try:
        if not state.is_jsonata:
            scope = scope.with_current(select(state.input_path, value, scope))
        return first_matching_rule(state, scope)
    except ASLError:
        return _UNREADABLE


def _execution_context(
    events: Sequence[Mapping[str, Any]], execution_arn: str | None, state_machine_arn: str | None
) -> dict[str, JSON]:
    """The context object's Execution and StateMachine members, as far as the history tells
    (AWS Developer Guide, "Accessing execution data from the Context object")."""
    started = next((event for event in events if event.get("type") == "ExecutionStarted"), None)
    details = _details(started, "executionStartedEventDetails") if started is not None else {}
    execution: dict[str, JSON] = {"RedriveCount": 0}
    if execution_arn is not None:
        execution["Id"] = execution_arn
        execution["Name"] = execution_arn.rsplit(":", 1)[-1]
    input_value = _json(details.get("input")) if isinstance(details.get("input"), str) else _UNREADABLE
    if input_value is not _UNREADABLE:
        execution["Input"] = input_value
    if isinstance(details.get("roleArn"), str):
        execution["RoleArn"] = details["roleArn"]
    if started is not None:
        execution["StartTime"] = _iso(_timestamp(started.get("timestamp")))
    context: dict[str, JSON] = {"Execution": execution}
    if state_machine_arn is not None:
        # arn:aws:states:<region>:<account>:stateMachine:<name>[:<version or alias>]
        parts = state_machine_arn.split(":")
        context["StateMachine"] = {"Id": state_machine_arn, "Name": parts[6] if len(parts) > 6 else ""}
    return context


_UNREADABLE: Final = object()


def _json(text: Any) -> Any:
    """A JSON text's value, or `_UNREADABLE`."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return _UNREADABLE


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def _iso(moment: datetime | None) -> str:
    """A context timestamp as AWS writes them: ``2024-05-01T12:00:00.123Z``."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
