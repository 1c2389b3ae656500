"""TestState requests: bodies around drawn definitions (some odd), raw HTTP bodies, requests
valid by construction that actually run, and the ones whose answer is reproducible."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.definitions import machines, mutated, reachable_machines, state_definitions
from fuzz.strategies.mock_members import map_parallel_mocks, mocks
from fuzz.strategies.states import pass_states, task_states
from fuzz.strategies.values import KEYS, cached_json_objects, cached_json_values, json_values, scalars

# --- requests ------------------------------------------------------------------------------------


@st.composite
def teststate_requests(draw: st.DrawFn) -> dict[str, Any]:
    """TestState request bodies around drawn definitions, with optional members, some of them odd."""
    if draw(st.booleans()):
        request: dict[str, Any] = {
            "definition": json.dumps(draw(st.one_of(state_definitions(), mutated(state_definitions()))))
        }
    else:
        machine, name = draw(machines())
        request = {"definition": json.dumps(machine), "stateName": name}
    if draw(st.booleans()):
        request["input"] = json.dumps(draw(json_values(max_leaves=6)))
    if draw(st.booleans()):
        request["inspectionLevel"] = draw(st.sampled_from(["INFO", "DEBUG", "TRACE", "LOUD"]))
    if draw(st.integers(0, 4)) == 0:
        request["variables"] = json.dumps(draw(st.dictionaries(KEYS.filter(bool), json_values(max_leaves=3))))
    if '"Type": "Task"' in request["definition"] and draw(st.integers(0, 4)) > 0:
        request["mock"] = draw(mocks())
    elif '"Type": "Map"' in request["definition"] and draw(st.booleans()):
        request["mock"] = {"result": json.dumps(draw(st.lists(scalars, max_size=4)))}
    elif draw(st.integers(0, 5)) == 0:
        request["mock"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "result": st.just('{"ok": true}'),
                    "errorOutput": st.fixed_dictionaries(
                        {"error": st.just("E")}, optional={"cause": st.just("C")}
                    ),
                    "fieldValidationMode": st.sampled_from(["STRICT", "PRESENT", "NONE"]),
                },
            )
        )
    if draw(st.integers(0, 5)) == 0:
        request["roleArn"] = draw(st.sampled_from(["arn:aws:iam::111122223333:role/R", "not-an-arn"]))
    if draw(st.integers(0, 6)) == 0:
        request["context"] = json.dumps(draw(json_values(max_leaves=4)))
    if draw(st.integers(0, 3)) == 0:
        request["stateConfiguration"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "retrierRetryCount": st.integers(-1, 6),
                    "mapIterationFailureCount": st.integers(-1, 4),
                    "errorCausedByState": st.sampled_from(["Item", "B0", "Nowhere", ""]),
                    "mapItemReaderData": st.sampled_from(["[1, 2]", "a,b\n1,2", "not json"]),
                },
            )
        )
    return request


def request_bodies() -> st.SearchStrategy[bytes]:
    """Raw HTTP bodies: well-formed requests, requests with retyped members, and junk."""
    return st.one_of(
        teststate_requests().map(lambda request: json.dumps(request).encode()),
        st.dictionaries(
            st.sampled_from(
                [
                    "definition",
                    "input",
                    "inspectionLevel",
                    "revealSecrets",
                    "mock",
                    "stateName",
                    "variables",
                    "context",
                    "stateConfiguration",
                    "roleArn",
                    "other",
                ]
            ),
            json_values(max_leaves=4),
        ).map(lambda body: json.dumps(body).encode()),
        json_values(max_leaves=4).map(lambda value: json.dumps(value).encode()),
        awkward_json_requests(),
        st.binary(max_size=64),
    )


_AWKWARD_JSON = st.sampled_from(
    [
        "1e400",
        "-1E+999",
        "123456789012345678901234567890",
        "-0",
        "0.1e-400",
        '"\\ud800"',
        '"\\udfff x"',
        '{"a": 1, "a": 2}',
        "[[[[[[[[[[1]]]]]]]]]]",
        '"\\u0000"',
        "NaN",
        "Infinity",
        '{"\\ud83d": 1}',
    ]
)


@st.composite
def awkward_json_requests(draw: st.DrawFn) -> bytes:
    """Requests whose JSON-text members hold legal-but-awkward JSON (huge numbers, lone
    surrogates, duplicate keys) or non-JSON (NaN), in the input, a Result or the variables."""
    text = draw(_AWKWARD_JSON)
    where = draw(st.sampled_from(["input", "result", "variables", "mock"]))
    request: dict[str, Any] = {"definition": json.dumps({"Type": "Pass", "End": True})}
    if where == "input":
        request["input"] = text
    elif where == "result":
        request["definition"] = '{"Type": "Pass", "Result": ' + text + ', "End": true}'
    elif where == "variables":
        request["variables"] = '{"v": ' + text + "}"
    else:
        request["definition"] = json.dumps(
            {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
        )
        request["mock"] = {"result": text}
    return json.dumps(request).encode()


# --- runnable requests: valid by construction, so the state actually runs ------------------------


@st.composite
def runnable_requests(
    draw: st.DrawFn, states: st.SearchStrategy[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """TestState requests that pass every request rule: a valid state (from `states`, default any)
    or a machine around it, an object input (so paths find something), a valid inspection level,
    and a mock (often without shape validation) exactly when the tested state is a Task, Map or
    Parallel, sometimes with a valid context. (A Map's mapIterationFailureCount may exceed its
    items, which only the run can tell: then the answer is AWS's ValidationException for a failure count above the iterations.)"""
    states = state_definitions() if states is None else states
    if draw(st.booleans()):
        state = draw(states)
        request: dict[str, Any] = {"definition": json.dumps(state)}
    else:
        machine, name = draw(reachable_machines(states))
        state = machine["States"][name]
        request = {"definition": json.dumps(machine), "stateName": name}
    if draw(st.integers(0, 4)) > 0:
        request["input"] = json.dumps(
            draw(st.one_of(cached_json_objects(max_leaves=8), cached_json_values(max_leaves=4)))
        )
    if draw(st.booleans()):
        request["inspectionLevel"] = draw(st.sampled_from(["INFO", "DEBUG", "TRACE"]))
    if draw(st.integers(0, 3)) == 0:
        request["variables"] = json.dumps(
            draw(
                st.dictionaries(
                    st.sampled_from(["var", "x", "a"]), cached_json_values(max_leaves=3), max_size=2
                )
            )
        )
    if state.get("Type") in ("Map", "Parallel"):
        request["mock"] = draw(map_parallel_mocks(state))
        if draw(st.integers(0, 3)) == 0:
            request["context"] = json.dumps(PINNED_CONTEXT)
        configuration = {"retrierRetryCount": draw(st.integers(0, 4))}
        if state["Type"] == "Map" and draw(st.booleans()):
            configuration["mapIterationFailureCount"] = draw(
                st.integers(0, 3)
            )  # may exceed the items: a request error
        request["stateConfiguration"] = configuration
    if state.get("Type") == "Task":
        mock = draw(mocks())
        if "result" in mock and draw(st.integers(0, 3)) > 0:
            mock["fieldValidationMode"] = "NONE"
        request["mock"] = mock
        if draw(st.integers(0, 3)) == 0:
            request["context"] = json.dumps(PINNED_CONTEXT)
        if draw(st.booleans()):
            request["stateConfiguration"] = {"retrierRetryCount": draw(st.integers(0, 6))}
    if draw(st.integers(0, 4)) == 0:
        request["roleArn"] = "arn:aws:iam::111122223333:role/R"
    return request


def _without_output_path(state: dict[str, Any]) -> dict[str, Any]:
    return {field: value for field, value in state.items() if field != "OutputPath"}


def result_path_requests() -> st.SearchStrategy[dict[str, Any]]:
    """`runnable_requests` of JSONPath Pass and Task states without OutputPath, whose output is
    their afterResultPath."""
    return runnable_requests(st.one_of(pass_states(), task_states()).map(_without_output_path))


def any_requests() -> st.SearchStrategy[dict[str, Any]]:
    """Half `teststate_requests` (odd members, mutations: mostly refused), half `runnable_requests`."""
    return st.one_of(teststate_requests(), runnable_requests())


# --- requests whose answer cannot depend on the server's clock or random source -------------------

# Names whose value differs per request on the server (fresh World): the generated context's ids
# and timestamps (read through `$$` / `$states.context`) and the random and clock functions.
CONTEXT_READERS = ("$$", "$states.context")
RANDOM_READERS = ("$uuid", "$random", "$now", "$millis", "States.UUID", "States.MathRandom")

# A context object every state accepts (members of Execution, StateMachine, State).
PINNED_CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:us-east-1:123456789012:express:Pinned:00000000-0000-4000-8000-000000000000",
        "Input": {"pinned": True},
        "Name": "00000000-0000-4000-8000-000000000000",
        "RoleArn": None,
        "StartTime": "2026-01-02T03:04:05.678Z",
    },
    "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:Pinned", "Name": "Pinned"},
    "State": {"Name": "StateName", "EnteredTime": "2026-01-02T03:04:05.678Z", "RetryCount": 0},
}


def pin_context(request: dict[str, Any]) -> dict[str, Any]:
    """The request with an explicit `context` member when it has a mock (AWS accepts a context
    only then) and none of its own, so `$$` reads fixed values instead of generated ones."""
    if "mock" in request and "context" not in request:
        return {**request, "context": json.dumps(PINNED_CONTEXT)}
    return request


def reads_generated_values(request: dict[str, Any]) -> bool:
    """Whether the answer may depend on per-request randomness: the definition reads the clock or
    random source, or reads the context while the request gives none."""
    definition = str(request.get("definition", ""))
    if any(name in definition for name in RANDOM_READERS):
        return True
    return "context" not in request and any(name in definition for name in CONTEXT_READERS)


def reproducible_requests() -> st.SearchStrategy[dict[str, Any]]:
    """`any_requests` whose answer is a function of the request alone (context pinned where AWS
    allows one; the rest that read generated values are filtered out)."""
    return any_requests().map(pin_context).filter(lambda request: not reads_generated_values(request))
