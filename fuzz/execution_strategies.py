"""Hypothesis strategies for the state machine and execution operations (issue 12).

Two families:

- `operation_bodies`: request bodies for one API operation, member by member from botocore's
  Step Functions model: absent, plausible (ARNs of resources that exist, names, definitions, JSON
  text, enums, numbers in and out of range) or hostile (wrong JSON types, null, huge or odd
  strings, lone surrogates, malformed ARNs), plus members the operation does not have, and
  bodies that are not objects at all. Every answer must be a 200 or a known AWS 4xx.
- `execution_cases`: small runnable state machines (chains of 1-4 states drawn with the state
  strategies of `fuzz.strategies`: Pass, Wait, Choice, Succeed, Fail, Task, Map, Parallel, every
  transition pointing forward so each execution ends), an input, and a test case of the mock
  configuration file (AWS Step Functions Local format) that answers every Task state with
  ``Return`` or ``Throw`` responses by invocation.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

from fuzz import strategies as asl

__all__ = [
    "ERROR_CODES",
    "OPERATIONS",
    "PROTOCOL_ERROR_CODES",
    "ExecutionCase",
    "execution_cases",
    "model_error_codes",
    "operation_bodies",
    "reads_wall_clock",
]

OPERATIONS: Final = (
    "CreateStateMachine",
    "DescribeStateMachine",
    "UpdateStateMachine",
    "DeleteStateMachine",
    "ListStateMachines",
    "ValidateStateMachineDefinition",
    "StartExecution",
    "StartSyncExecution",
    "DescribeExecution",
    "ListExecutions",
    "StopExecution",
    "GetExecutionHistory",
    "SendTaskSuccess",
    "SendTaskFailure",
    "SendTaskHeartbeat",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "PublishStateMachineVersion",
    "DeleteStateMachineVersion",
    "ListStateMachineVersions",
    "DescribeStateMachineForExecution",
)
"""The operations issue 12 adds."""


PROTOCOL_ERROR_CODES: Final = frozenset(
    {
        "ValidationException",
        "SerializationException",
        "UnknownOperationException",
        # A body over TESTSTATE_MAX_BODY_BYTES, HTTP 413 (README "Bounds").
        "RequestEntityTooLargeException",
    }
)
"""Codes any operation may answer: the protocol's, not listed per operation in the model."""


@functools.cache
def _model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("stepfunctions")


@functools.cache
def model_error_codes(operation: str) -> frozenset[str]:
    """The error codes botocore's model lists for `operation`, plus those of the protocol."""
    shapes = _model().operation_model(operation).error_shapes
    return frozenset(shape.name for shape in shapes) | PROTOCOL_ERROR_CODES


ERROR_CODES: Final = frozenset().union(*(model_error_codes(name) for name in OPERATIONS))
"""Every error code an answer to one of `OPERATIONS` may carry."""

# --- hostile values ------------------------------------------------------------------------------

_ODD_TEXT: Final = (
    "",
    " ",
    "\x00",
    "\ud800",  # a lone surrogate: valid JSON text (escaped), not valid UTF-16
    "😀" * 40,
    "é\u0301",
    "name with spaces",
    "a:b:c",
    "#",
    "arn:",
    "arn:aws:states:::",
    "arn:aws:states:us-east-1:123456789012:stateMachine:",
    "arn:aws:states:us-east-1:123456789012:stateMachine:x:0",
    "arn:aws:states:us-east-1:123456789012:stateMachine:x:-1",
    "arn:aws:states:us-east-1:123456789012:stateMachine:x:99999999999999999999",
    "arn:aws:states:us-east-1:123456789012:execution:x",
    "arn:aws:states:us-east-1:123456789012:execution:x:y:z:w",
    "arn:aws:states:us-east-1:123456789012:express:x:y:z",
    "arn:aws:states:us-east-1:123456789012:activity:a",
    "arn:aws:states:us-east-1:123456789012:mapRun:x/y:z",
    "arn:aws:states:eu-west-1:000000000000:stateMachine:Elsewhere",
    "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:x",
    "arn:aws:iam::123456789012:role/R",
    "not json",
    "{",
    "[]",
    "null",
    '{"a": 1}',
    "1e400",
    "STANDARD",
    "EXPRESS",
)
_SIZES: Final = (1, 2, 63, 64, 65, 79, 80, 81, 256, 257, 1025, 2049, 262_145)


def _huge_text() -> st.SearchStrategy[str]:
    return st.builds(
        lambda char, size: char * size, st.sampled_from(["a", "é", "😀", "-", "{"]), st.sampled_from(_SIZES)
    )


def hostile_values() -> st.SearchStrategy[Any]:
    """Values no member of the model should take (or only just)."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(_ODD_TEXT),
        st.text(max_size=20),
        _huge_text(),
        st.lists(asl.scalars, max_size=3),
        st.dictionaries(st.text(max_size=4), asl.scalars, max_size=3),
    )


# --- plausible values, by member name --------------------------------------------------------------

_SMALL_MACHINE: Final = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
_DEFINITIONS: Final = (
    _SMALL_MACHINE,
    json.dumps(
        {
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "S"}, "S": {"Type": "Succeed"}},
        }
    ),
    json.dumps(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "End": True,
                }
            },
        }
    ),
    json.dumps({"StartAt": "Missing", "States": {"P": {"Type": "Pass", "End": True}}}),
    json.dumps(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Output": "{% 1 + %}", "End": True}},
        }
    ),
    "{",
    "",
)
_NAMES: Final = ("m", "name-1", "a" * 80, "a" * 81, "with space", "bad?name", "ünïcode", "x.y", "-", "_")
_TAGS: Final = st.lists(
    st.fixed_dictionaries(
        {"key": st.sampled_from(["k", "", "a" * 128, "a" * 129, "aws:x"])},
        optional={"value": st.sampled_from(["v", "", "a" * 257])},
    ),
    max_size=3,
)


def _member_value(
    name: str, shape: Any, arns: Sequence[str], tokens: Sequence[str]
) -> st.SearchStrategy[Any]:
    """A plausible value of member `name` (`shape` from botocore's model)."""
    kind = shape.type_name
    if kind == "string" and shape.enum:
        return st.sampled_from([*shape.enum, "lowercase", ""])
    if name in ("stateMachineArn", "executionArn", "resourceArn", "stateMachineVersionArn", "mapRunArn"):
        pool = [*arns] if arns else ["arn:aws:states:us-east-1:123456789012:stateMachine:none"]
        variants = st.sampled_from(pool).flatmap(
            lambda arn: st.sampled_from(
                [arn, f"{arn}#Case", f"{arn}:1", f"{arn}x", arn.upper(), arn.replace(":", "/")]
            )
        )
        return st.one_of(st.sampled_from(pool), variants)
    if name == "roleArn":
        return st.sampled_from(
            ["arn:aws:iam::123456789012:role/R", "arn:aws:iam::123456789012:user/U", "role"]
        )
    if name == "taskToken":
        return st.one_of(st.sampled_from([*tokens, "token", "a" * 1025]), st.text(min_size=1, max_size=10))
    if name == "definition":
        return st.sampled_from(_DEFINITIONS)
    if name in ("input", "output"):
        return st.one_of(
            asl.json_values(max_leaves=4).map(json.dumps), st.sampled_from(["", "{", "1", "null", '"s"'])
        )
    if name == "name":
        return st.one_of(st.sampled_from(_NAMES), st.text(min_size=1, max_size=12))
    if name == "tags":
        return _TAGS
    if name == "tagKeys":
        return st.lists(st.sampled_from(["k", "", "a" * 129]), max_size=3)
    if name == "nextToken":
        return st.sampled_from(["", "x", "a" * 1025, "eyJvZmZzZXQiOiAxMH0=", "0", "-1"])
    if kind == "integer":
        return st.one_of(
            st.integers(min_value=-2, max_value=1001), st.sampled_from([2**31, 2**63, -(2**31) - 1])
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return st.one_of(st.text(max_size=12), _huge_text())
    if kind == "structure":
        return st.fixed_dictionaries(
            {},
            optional={member: _leaf_value(member, inner) for member, inner in shape.members.items()},
        )
    if kind == "list":
        return st.lists(_leaf_value(name, shape.member), max_size=3)
    return hostile_values()


def _leaf_value(name: str, shape: Any) -> st.SearchStrategy[Any]:
    """A value inside a structure or list member: plausible or hostile, without recursing deep."""
    kind = shape.type_name
    if kind == "string" and shape.enum:
        return st.sampled_from([*shape.enum, "nope"])
    plain: dict[str, st.SearchStrategy[Any]] = {
        "string": st.text(max_size=12),
        "boolean": st.booleans(),
        "integer": st.integers(-2, 1001),
        "long": st.integers(-2, 2**40),
    }
    return st.one_of(plain.get(kind, hostile_values()), hostile_values())


@st.composite
def _object_bodies(
    draw: st.DrawFn, operation: str, arns: Sequence[str], tokens: Sequence[str]
) -> dict[str, Any]:
    shape = _model().operation_model(operation).input_shape
    members = dict(shape.members) if shape is not None else {}
    required = set(getattr(shape, "required_members", ()) or ())
    body: dict[str, Any] = {}
    for name, member in members.items():
        roll = draw(st.integers(0, 9))
        if roll == 0 or (roll == 1 and name not in required):
            continue  # absent (required ones are absent less often)
        body[name] = draw(hostile_values()) if roll >= 8 else draw(_member_value(name, member, arns, tokens))
    if draw(st.integers(0, 5)) == 0:
        body[draw(st.sampled_from(["unknown", "Definition", "stateMachineARN", "", "__type"]))] = draw(
            asl.json_values(max_leaves=3)
        )
    return body


def operation_bodies(
    operation: str, *, arns: Sequence[str] = (), tokens: Sequence[str] = ()
) -> st.SearchStrategy[bytes]:
    """Request bodies for `operation`: objects of its members (mostly), other JSON, and junk bytes.
    `arns` are ARNs of resources that exist (state machines, versions, executions), `tokens` task
    tokens that may be live."""
    return st.one_of(
        _object_bodies(operation, arns, tokens).map(lambda body: json.dumps(body).encode()),
        _object_bodies(operation, arns, tokens).map(
            lambda body: json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        ),
        asl.json_values(max_leaves=4).map(lambda value: json.dumps(value).encode()),
        st.sampled_from(
            [b"", b"{", b"{}", b"[]", b"null", b'{"a":1,"a":2}', b"\xff\xfe", b'{"name":"\\ud800"}']
        ),
        st.binary(max_size=32),
    )


# --- runnable machines and their mocks -----------------------------------------------------------

# Activities are not mocked by the mock configuration file (AWS Step Functions Local mocks service
# integrations and Lambda), and an activity without a worker waits for ever: left out.
_MOCKED_RESOURCES: Final = tuple(resource for resource in asl.TASK_RESOURCES if ":activity:" not in resource)
_TERMINAL: Final = "Done"


@dataclass(frozen=True, slots=True)
class ExecutionCase:
    """A state machine definition, an execution input and a mock configuration test case."""

    definition: dict[str, Any]
    input_text: str
    test_case: dict[str, str]  # state name -> response name
    responses: dict[str, dict[str, Any]]  # response name -> {"0": {"Return": ...}, "1-2": {"Throw": ...}}

    def mock_config(self, machine_name: str, case_name: str) -> dict[str, Any]:
        """The whole mock configuration file holding this case for `machine_name`."""
        return {
            "StateMachines": {machine_name: {"TestCases": {case_name: dict(self.test_case)}}},
            "MockedResponses": {name: dict(response) for name, response in self.responses.items()},
        }


def _retarget(
    state: dict[str, Any], following: str, targets: st.SearchStrategy[str], draw: st.DrawFn
) -> dict[str, Any]:
    """`state` with its main transition (Next, or the first Choice rule) pointing at `following`,
    and every other one (Default, the other rules, Catch[].Next) at one of `targets`."""
    state = dict(state)
    if "Next" in state:
        state["Next"] = following
    if "Default" in state:
        state["Default"] = draw(targets)
    if "Choices" in state:
        rules = state["Choices"]
        state["Choices"] = [
            {**rules[0], "Next": following},
            *({**rule, "Next": draw(targets)} for rule in rules[1:]),
        ]
    if "Catch" in state:
        state["Catch"] = [{**catcher, "Next": draw(targets)} for catcher in state["Catch"]]
    return state


def _transitions(state: dict[str, Any]) -> list[str]:
    named = [state.get("Next"), state.get("Default")]
    named += [rule.get("Next") for rule in state.get("Choices", ())]
    named += [catcher.get("Next") for catcher in state.get("Catch", ())]
    return [name for name in named if isinstance(name, str)]


def _reachable(states: dict[str, Any], start: str) -> dict[str, Any]:
    """The states reachable from `start` (AWS refuses a definition with an unreachable state)."""
    seen, todo = {start}, [start]
    while todo:
        for name in _transitions(states[todo.pop()]):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return {name: state for name, state in states.items() if name in seen}


def _prefixed(machine: dict[str, Any], prefix: str) -> dict[str, Any]:
    # The generated processors and branches are one End state each: no transition to rename.
    return {
        **machine,
        "StartAt": prefix + machine["StartAt"],
        "States": {prefix + name: inner for name, inner in machine["States"].items()},
    }


def _own_inner_names(state: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A Map or Parallel state whose inner state names start with `prefix` (state names are unique
    across the whole definition, Map processors and Parallel branches included)."""
    if state.get("Type") == "Parallel":
        return {**state, "Branches": [_prefixed(branch, prefix) for branch in state["Branches"]]}
    if state.get("Type") == "Map":
        key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        return {**state, key: _prefixed(state[key], prefix)}
    return state


# Retries are bounded (4 retriers of at most 6 attempts each): a last range up to here answers
# every invocation of a state outside a Map.
_LAST_INVOCATION: Final = 99


@st.composite
def _mocked_response(draw: st.DrawFn, *, every_invocation: bool) -> dict[str, Any]:
    """A MockedResponses entry: one to three consecutive invocation ranges, each Return or Throw.
    With `every_invocation` the last range reaches `_LAST_INVOCATION` (a callback Task with no
    response for an invocation waits for a task token, which no one here sends)."""
    response: dict[str, Any] = {}
    first = 0
    blocks = draw(st.integers(1, 3))
    for block in range(blocks):
        width = draw(st.integers(1, 3))
        if every_invocation and block == blocks - 1:
            width = _LAST_INVOCATION - first + 1
        key = str(first) if width == 1 else f"{first}-{first + width - 1}"
        first += width
        if draw(st.integers(0, 2)) == 0:
            thrown: dict[str, Any] = {"Error": draw(asl.error_names())}
            if draw(st.booleans()):
                thrown["Cause"] = draw(st.text(max_size=12))
            response[key] = {"Throw": thrown}
        else:
            response[key] = {"Return": draw(asl.json_values(max_leaves=4))}
    return response


_STATE_KINDS: Final = (
    asl.pass_states,
    asl.pass_states,
    asl.wait_states,
    asl.choice_states,
    asl.succeed_states,
    asl.fail_states,
    asl.task_states,
    asl.task_states,
    asl.map_states,
    asl.parallel_states,
)


@st.composite
def execution_cases(draw: st.DrawFn, *, max_states: int = 4) -> ExecutionCase:
    """A runnable chain of 1..`max_states` states (then a Succeed), its input and its mocks."""
    count = draw(st.integers(1, max_states))
    names = [f"S{index}" for index in range(count)]
    states: dict[str, Any] = {}
    test_case: dict[str, str] = {}
    responses: dict[str, dict[str, Any]] = {}
    for index, name in enumerate(names):
        kind = draw(st.sampled_from(_STATE_KINDS))
        state = draw(kind(jsonata=draw(st.integers(0, 3)) == 0))
        if state["Type"] == "Task":
            state["Resource"] = draw(st.sampled_from(_MOCKED_RESOURCES))
            test_case[name] = f"R{name}"
            callback = state["Resource"].endswith(".waitForTaskToken")
            responses[f"R{name}"] = draw(_mocked_response(every_invocation=callback))
        following = [*names[index + 1 :], _TERMINAL]
        state = _own_inner_names(state, name)
        states[name] = _retarget(state, following[0], st.sampled_from(following), draw)
    states[_TERMINAL] = {"Type": "Succeed"}
    states = _reachable(states, names[0])
    test_case = {name: response for name, response in test_case.items() if name in states}
    responses = {response: responses[response] for response in test_case.values()}
    definition: dict[str, Any] = {"StartAt": names[0], "States": states}
    document = draw(asl.json_objects(max_leaves=6))
    if draw(st.booleans()):
        document["items"] = draw(st.lists(asl.json_values(max_leaves=2), max_size=4))
    return ExecutionCase(
        definition=definition, input_text=json.dumps(document), test_case=test_case, responses=responses
    )


# What makes two runs of the same execution differ on purpose: the wall clock (the start time is the
# request's), read through the context object (but for Map.Item, which is the iteration's), or
# through JSONata's clock functions; and a Wait until an absolute time, whose length depends on
# when the execution started.
_WALL_CLOCK_READERS: Final = re.compile(
    r'\$\$(?!\.Map\.Item)|\$states\.context(?!\.Map\.Item)|\$millis|\$now|"Timestamp(?:Path)?":'
)


def reads_wall_clock(case: ExecutionCase) -> bool:
    """Whether `case`'s definition may read the execution's absolute start time or the clock."""
    return _WALL_CLOCK_READERS.search(json.dumps(case.definition)) is not None
