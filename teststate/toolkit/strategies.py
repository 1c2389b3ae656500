"""Hypothesis strategies for property-based tests of your own state machines.

Each function returns a Hypothesis ``SearchStrategy`` (keyword-only options, plural names):

- `json_values`: any JSON within what Step Functions carries (256 KiB, 64-bit integers and
  doubles, any Unicode text, bounded nesting); `json_objects` the same, objects only.
- `state_inputs`: inputs for one state of your definition, shaped by what the state reads (its
  JSONPath paths, its JSONata ``$states.input`` fields) with the kinds of values it needs there,
  and, for a Choice state, steered to its branches: the first examples include one solved input
  per branch (Default included), each confirmed by running the state.
- `mock_results`: ``mock.result`` values for a Task's resource that fit the called API's output
  shape (the one TestState validates them against, from botocore's models).
- `mocked_errors`: ``mock.errorOutput`` values that a state's Retry or Catch handles, or that
  none does.
- `test_state_requests`: whole TestState requests, ready for ``client.test_state(**request)``.

A regression test over a definition of yours::

    from hypothesis import given
    from teststate.toolkit.strategies import test_state_requests

    @given(request=test_state_requests(DEFINITION, state_name="Route"))
    def test_route_never_fails(sfn, request):
        answer = sfn.test_state(**request)
        assert answer["status"] == "SUCCEEDED"

The strategies need Hypothesis at run time. They validate the definition with this project's
interpreter when they are built (`StrategyError` when it is not valid) and, for a Choice state,
solve every branch then (`teststate.toolkit.steering.solve`) and run the state in process to
confirm each input reaches the branch it was made for.

`json_values` and `json_objects` are defined in `teststate.toolkit.json_strategies`,
`mock_results` and `mocked_errors` in `teststate.toolkit.mock_strategies`; this module holds
`state_inputs` and `test_state_requests` and re-exports the others (import them all from here).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from interpreter import (
    ASLError,
    DefinitionError,
    LoadedState,
    StateNotFound,
    Status,
    TestResult,
    World,
    default_context,
    load_definition,
    loads,
    run_state,
)
from interpreter.errors import ErrorName
from teststate.toolkit.json_strategies import (
    MAX_PAYLOAD_BYTES,
    UNREAD_KEYS,
    StrategyError,
    json_objects,
    json_values,
    kind_values,
)
from teststate.toolkit.jsonata_reads import read_jsonata_state
from teststate.toolkit.jsonpath_reads import read_jsonpath_state
from teststate.toolkit.mock_strategies import mock_results, mocked_errors, with_reads
from teststate.toolkit.reads import Branch, StateReads
from teststate.toolkit.steering import Check, Documents, documents
from teststate.validation.mock_result import STRICT

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "StrategyError",
    "json_objects",
    "json_values",
    "mock_results",
    "mocked_errors",
    "state_inputs",
    "test_state_requests",
]


# ---------------------------------------------------------------------------------------------
# The state under test


@dataclass(frozen=True, slots=True)
class _Subject:
    """A state of a definition, loaded and read."""

    text: str
    state_name: str | None
    loaded: LoadedState
    state: Mapping[str, Any]
    reads: StateReads


def _subject(definition: str | Mapping[str, Any], state_name: str | None) -> _Subject:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    try:
        loaded = load_definition(text, state_name)
    except DefinitionError as error:
        raise StrategyError(f"The definition is not valid: {error}") from None
    except StateNotFound:
        raise StrategyError(f"The definition has no state named {state_name!r}") from None
    document = loads(text)
    state = document if state_name is None else _find_state(document, state_name)
    if not isinstance(state, dict):  # pragma: no cover - load_definition found it
        raise StrategyError(f"The definition has no state named {state_name!r}")
    reads = read_jsonata_state(state) if loaded.state.is_jsonata else read_jsonpath_state(state)
    return _Subject(text, state_name, loaded, state, reads)


def _find_state(document: Any, name: str) -> Any:
    """The state object named `name`, nested Map and Parallel states included."""
    pending = [document]
    while pending:
        machine = pending.pop()
        states = machine.get("States") if isinstance(machine, dict) else None
        if not isinstance(states, dict):
            continue
        if name in states:
            return states[name]
        for state in states.values():
            if not isinstance(state, dict):
                continue
            pending.extend(state.get(key) for key in ("ItemProcessor", "Iterator"))
            branches = state.get("Branches")
            pending.extend(branches if isinstance(branches, list) else [])
    return None


def _targets(subject: _Subject, next_state: str | None) -> tuple[int, ...]:
    branches = subject.reads.branches
    if next_state is None:
        return tuple(range(len(branches)))
    if not branches:
        raise StrategyError("next_state is only for a Choice state")
    targets = tuple(index for index, branch in enumerate(branches) if branch.next == next_state)
    if not targets:
        raise StrategyError(f"No rule of the Choice state (nor its Default) goes to {next_state!r}")
    return targets


def _run(subject: _Subject, docs: Documents) -> TestResult:
    world = World()
    context = (
        default_context(loaded=subject.loaded, input=docs.input, role_arn=None, world=world)
        if subject.loaded.reads_context
        else {}
    )
    return run_state(subject.loaded, input=docs.input, context=context, variables=docs.variables, world=world)


def _reaches(subject: _Subject) -> Check:
    """Whether running the state with the documents takes the branch (the no-match failure for
    a Choice without Default)."""

    def check(docs: Documents, branch: Branch) -> bool:
        try:
            result = _run(subject, docs)
        except ASLError:
            return False
        if branch.next is None:
            return bool(result.status is Status.FAILED and result.error == ErrorName.NO_CHOICE_MATCHED)
        return bool(result.next_state == branch.next)

    return check


def _documents(subject: _Subject, next_state: str | None) -> st.SearchStrategy[Documents]:
    return documents(
        subject.reads,
        targets=_targets(subject, next_state),
        values=kind_values,
        extras=UNREAD_KEYS,
        check=_reaches(subject) if subject.reads.branches else None,
    )


def state_inputs(
    definition: str | Mapping[str, Any], *, state_name: str | None = None, next_state: str | None = None
) -> st.SearchStrategy[Any]:
    """Inputs for one state, shaped by what it reads.

    Every definite path the state reads (``InputPath``, ``Parameters``/``ItemSelector`` ``.$``
    members and the paths inside their intrinsic functions, ``ItemsPath``, the ``*Path``
    fields, ``OutputPath``, Choice ``Variable``s) and every ``$states.input`` field of its
    JSONata expressions gets a value of the kind the state needs there (``ItemsPath`` an array,
    ``SecondsPath`` a non-negative integer, ``TimestampPath`` a timestamp ...), beside a few
    keys the state does not read.

    For a Choice state every branch (each rule, and Default or the no-match failure) is solved
    when the strategy is built: an input that makes the earlier rules false and that rule true
    (strings equal to, just above, below or a prefix of the compared string, numbers below, at
    and above the bound, timestamps a second apart, strings a glob matches or not, present or
    missing fields, every JSON type for the ``Is*`` tests, through And/Or/Not and JSONata's
    ``and``/``or``/``$not``/``$exists``/``$contains``/``$count`` ...), kept only if running the
    state in process takes that branch. Each solved input is one example, which Hypothesis
    generates once and then never repeats, so they all come among the first examples (every
    branch of an 11-branch Choice by the 55th of 100 at the latest over 1000 seeds, the 17th on
    average) when the inputs are the only thing the test draws. The other examples are drawn:
    each aims at one branch (which one follows from the rest of its draws) with random values
    around the same steering, checked by a run, and falls back on the branch's solved input
    when a few tries miss. A branch no input reaches (a rule an earlier one shadows) has no solved input;
    a condition the strategies do not understand is solved through its literals and the check,
    or not at all.

    Arguments:
        definition: the definition, as JSON text or parsed: one state object, or a whole state
            machine with `state_name` (TestState's ``definition``).
        state_name: the state to test in a whole state machine (TestState's ``stateName``).
        next_state: for a Choice state, only reach the rules (or Default) going to this state.

    Returns:
        A strategy of JSON values (usually objects) for TestState's ``input``.

    Raises:
        StrategyError: the definition is not valid, or has no such state; `next_state` is not
            a branch of the Choice state.

    Example::

        @given(value=state_inputs(MACHINE, state_name="Route"))
        def test_route_always_chooses(sfn, value):
            answer = sfn.test_state(definition=json.dumps(MACHINE), stateName="Route",
                                    input=json.dumps(value))
            assert answer["status"] == "SUCCEEDED"
    """
    return _documents(_subject(definition, state_name), next_state).map(lambda docs: docs.input)


# ---------------------------------------------------------------------------------------------
# Whole requests


def test_state_requests(
    definition: str | Mapping[str, Any],
    *,
    state_name: str | None = None,
    next_state: str | None = None,
    errors: bool | None = None,
    matching: bool | None = None,
    mode: str = STRICT,
    inspection_level: str | None = None,
    role_arn: str | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Whole TestState requests for one state of a definition.

    ``input`` (and ``variables`` when the state reads some) come from `state_inputs`. A Task gets
    a ``mock``: a `mock_results` result (with the fields its ResultSelector, OutputPath or
    JSONata Output read of it, where its API shape allows them) or a `mocked_errors` error. A Map
    gets a mocked array of results (an object with a ResultWriter), a Parallel one result per
    branch. Other states get no mock. Not generated: ``context`` (the state gets the one
    TestState makes), ``stateConfiguration`` (a Distributed Map with an ItemReader needs your
    ``mapItemReaderData``: add it to the request).

    Arguments:
        definition: the definition, as JSON text or parsed (see `state_inputs`).
        state_name: the state to test in a whole state machine.
        next_state: for a Choice state, only reach the rules (or Default) going to this state.
        errors: True to mock only errors, False only results, None both (Task, Map, Parallel).
        matching: for mocked errors, as `mocked_errors`.
        mode: ``mock.fieldValidationMode`` of mocked results (sent unless ``STRICT``).
        inspection_level: ``inspectionLevel`` to send (INFO, DEBUG or TRACE); None sends none.
        role_arn: ``roleArn`` to send; None sends none (a mocked Task needs none).

    Returns:
        A strategy of dicts ready for ``client.test_state(**request)``.

    Raises:
        StrategyError: as `state_inputs`, `mock_results` and `mocked_errors`.

    Example::

        @given(request=test_state_requests(MACHINE, state_name="Charge", errors=True, matching=False))
        def test_unhandled_errors_fail(sfn, request):
            assert sfn.test_state(**request)["status"] == "FAILED"
    """
    subject = _subject(definition, state_name)
    inputs = _documents(subject, next_state)
    mocks = _mocks(subject, errors=errors, matching=matching, mode=mode)
    fixed: dict[str, Any] = {"definition": subject.text}
    if state_name is not None:
        fixed["stateName"] = state_name
    if inspection_level is not None:
        fixed["inspectionLevel"] = inspection_level
    if role_arn is not None:
        fixed["roleArn"] = role_arn
    return st.builds(_request, st.just(fixed), inputs, mocks)


# pytest collects module-level functions named test_* from the test modules that import them: this
# one is a strategy, not a test.
test_state_requests.__test__ = False  # type: ignore[attr-defined]  # an attribute pytest reads, unknown to the type


def _request(fixed: dict[str, Any], docs: Documents, mock: dict[str, Any] | None) -> dict[str, Any]:
    request = {**fixed, "input": json.dumps(docs.input, ensure_ascii=False)}
    if docs.variables:
        request["variables"] = json.dumps(docs.variables, ensure_ascii=False)
    if mock is not None:
        request["mock"] = mock
    return request


def _mocks(
    subject: _Subject, *, errors: bool | None, matching: bool | None, mode: str
) -> st.SearchStrategy[dict[str, Any] | None]:
    state_type = subject.loaded.state_type
    if state_type not in ("Task", "Map", "Parallel"):
        return st.none()
    results = _result_mocks(subject, mode)
    if errors is False:
        return results
    try:
        failures = mocked_errors(subject.state, matching=matching).map(lambda error: {"errorOutput": error})
    except StrategyError:
        if errors:
            raise
        return results
    return failures if errors else st.one_of(results, failures)


def _result_mocks(subject: _Subject, mode: str) -> st.SearchStrategy[dict[str, Any] | None]:
    loaded, state = subject.loaded, subject.state
    item = json_values(max_leaves=4, max_depth=3)
    if loaded.state_type == "Map":
        if loaded.has_result_writer:
            values: st.SearchStrategy[Any] = st.fixed_dictionaries(
                {
                    "MapRunArn": st.just(
                        "arn:aws:states:us-east-1:123456789012:mapRun:Machine/Map:0b4f2f1a-8c39-4c31-9f0e-5a2e8b1c7d6e"
                    ),
                    "ResultWriterDetails": st.fixed_dictionaries(
                        {"Bucket": st.just("results-bucket"), "Key": st.just("results/manifest.json")}
                    ),
                }
            )
        else:
            values = st.lists(item, max_size=4)
    elif loaded.state_type == "Parallel":
        count = loaded.branch_count or 0
        values = st.lists(item, min_size=count, max_size=count)
    else:
        resource = str(state.get("Resource", ""))
        values = with_reads(mock_results(resource, mode=mode), subject.reads.result_reads, resource, mode)
    mock_mode = {} if mode == STRICT else {"fieldValidationMode": mode}
    return values.map(lambda value: {"result": json.dumps(value, ensure_ascii=False), **mock_mode})
