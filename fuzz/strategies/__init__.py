"""Hypothesis strategies for ASL and TestState, kept as a library (one composite per shape).

Definitions are drawn "valid by construction" from small pools of realistic field values, and
`mutated` bends one field of them into something odd, so both the happy path and every validator
get exercised. Sizes stay small: a failing example should read like a bug report.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

# --- JSON ----------------------------------------------------------------------------------------

_KEYS = st.sampled_from(["a", "b", "x", "items", "Value", "name", "n", "nested", "list", "flag", ""])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)


def json_values(*, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values (no NaN/Infinity, which are not JSON)."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.one_of(_KEYS, st.text(max_size=6)), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def json_objects(*, max_leaves: int = 12) -> st.SearchStrategy[dict[str, Any]]:
    """Arbitrary JSON objects (state inputs are usually objects)."""
    return st.dictionaries(_KEYS, json_values(max_leaves=max_leaves // 2), max_size=5)


# --- expressions ---------------------------------------------------------------------------------

_STEPS = st.sampled_from(
    [
        ".a",
        ".b",
        ".x",
        ".items",
        "[0]",
        "[1]",
        "[*]",
        "..name",
        "['a']",
        "[-1:]",
        "[?(@.n > 1)]",
        ".nested",
        ".Value",
        ".length()",
    ]
)


@st.composite
def reference_paths(draw: st.DrawFn, *, roots: tuple[str, ...] = ("$", "$$", "$var")) -> str:
    """JSONPath expressions: a root ($, $$ or a variable) and a few steps, some of them odd."""
    root = draw(st.sampled_from(roots))
    steps = draw(st.lists(_STEPS, max_size=3))
    return root + "".join(steps)


def paths_or_garbage() -> st.SearchStrategy[str]:
    """Mostly paths, sometimes text that merely starts like one."""
    return st.one_of(reference_paths(), st.text(alphabet="$.[]'*?@()ab0-", max_size=10))


_JSONATA_ATOMS = st.sampled_from(
    [
        "$states.input",
        "$states.input.a",
        "$states.context",
        "$states.input.items",
        "$var",
        "1",
        "'s'",
        "true",
        "null",
        "[1, 2, 3]",
        "{'k': 1}",
        "$states.input.n",
        "$undefinedVar",
    ]
)
_JSONATA_FUNCS = st.sampled_from(
    [
        "$count",
        "$sum",
        "$string",
        "$number",
        "$uppercase",
        "$keys",
        "$partition",
        "$range",
        "$hash",
        "$parse",
        "$uuid",
        "$random",
        "$exists",
        "$eval",
        "$not",
        "$merge",
        "$reverse",
    ]
)


@st.composite
def jsonata_expressions(draw: st.DrawFn, *, depth: int = 2) -> str:
    """Small JSONata expressions from a grammar of atoms, operators and calls (some ill-typed)."""
    if depth == 0 or draw(st.booleans()):
        return draw(_JSONATA_ATOMS)
    kind = draw(st.sampled_from(["binary", "call", "condition", "path", "block"]))
    left = draw(jsonata_expressions(depth=depth - 1))
    right = draw(jsonata_expressions(depth=depth - 1))
    if kind == "binary":
        return f"({left} {draw(st.sampled_from(['+', '-', '*', '/', '%', '=', '!=', '<', '&', 'and', 'or', '..']))} {right})"
    if kind == "call":
        return f"{draw(_JSONATA_FUNCS)}({left})"
    if kind == "condition":
        return f"({left} ? {right} : null)"
    if kind == "path":
        return f"{left}.{draw(st.sampled_from(['a', 'b', 'items', '*']))}"
    return f"($x := {left}; $x)"


def jsonata_templates() -> st.SearchStrategy[str]:
    """``{% ... %}`` strings, as they appear in JSONata fields."""
    return jsonata_expressions().map(lambda source: "{% " + source + " %}")


_INTRINSIC_ARGS = st.one_of(
    reference_paths(roots=("$", "$$")),
    st.sampled_from(["'text'", "1", "2.5", "-3", "true", "null", "'{}'", "'a,b'", "','", "'SHA-256'"]),
)
_INTRINSIC_NAMES = st.sampled_from(
    [
        "Format",
        "StringToJson",
        "JsonToString",
        "Array",
        "ArrayPartition",
        "ArrayContains",
        "ArrayRange",
        "ArrayGetItem",
        "ArrayLength",
        "ArrayUnique",
        "Base64Encode",
        "Base64Decode",
        "Hash",
        "JsonMerge",
        "MathRandom",
        "MathAdd",
        "StringSplit",
        "UUID",
        "NoSuchFunction",
    ]
)


@st.composite
def intrinsic_calls(draw: st.DrawFn, *, depth: int = 2) -> str:
    """``States.X(...)`` calls with arguments of any kind (nested calls included)."""
    args = draw(
        st.lists(
            _INTRINSIC_ARGS if depth == 0 else st.one_of(_INTRINSIC_ARGS, intrinsic_calls(depth=depth - 1)),
            max_size=3,
        )
    )
    return f"States.{draw(_INTRINSIC_NAMES)}({', '.join(args)})"


@st.composite
def payload_templates(draw: st.DrawFn) -> dict[str, Any]:
    """JSONPath payload templates: constants and ``.$`` keys bound to paths or intrinsics."""
    template: dict[str, Any] = {}
    for key in draw(st.lists(_KEYS, max_size=4, unique=True)):
        if draw(st.booleans()):
            template[f"{key}.$"] = draw(st.one_of(reference_paths(), intrinsic_calls()))
        else:
            template[key] = draw(json_values(max_leaves=3))
    return template


def jsonata_payloads() -> st.SearchStrategy[Any]:
    """JSONata field values: one expression, or an object holding some."""
    return st.one_of(
        jsonata_templates(),
        st.dictionaries(_KEYS, st.one_of(jsonata_templates(), json_values(max_leaves=2)), max_size=3),
    )


# --- states --------------------------------------------------------------------------------------


@st.composite
def _transition(draw: st.DrawFn) -> dict[str, Any]:
    return draw(st.sampled_from([{"End": True}, {"Next": "NextState"}]))


@st.composite
def _jsonpath_io(draw: st.DrawFn, *, result_fields: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["InputPath"] = draw(st.one_of(st.none(), reference_paths(roots=("$",))))
    if draw(st.booleans()):
        fields["OutputPath"] = draw(st.one_of(st.none(), reference_paths(roots=("$",))))
    if result_fields and draw(st.booleans()):
        fields["ResultPath"] = draw(st.sampled_from([None, "$", "$.a", "$.result", "$.a.b", "$.x[0]"]))
    if result_fields and draw(st.booleans()):
        fields["Parameters"] = draw(payload_templates())
    return fields


@st.composite
def pass_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Pass", **draw(_transition())}
    if jsonata:
        state["QueryLanguage"] = "JSONata"
        if draw(st.booleans()):
            state["Output"] = draw(jsonata_payloads())
    else:
        state.update(draw(_jsonpath_io(result_fields=True)))
        if draw(st.booleans()):
            state["Result"] = draw(json_values(max_leaves=4))
    if draw(st.booleans()):
        state["Assign"] = (
            draw(st.dictionaries(_KEYS.filter(bool), jsonata_templates(), max_size=2))
            if jsonata
            else draw(payload_templates())
        )
    return state


@st.composite
def wait_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Wait", **draw(_transition())}
    if jsonata:
        state["QueryLanguage"] = "JSONata"
        state[draw(st.sampled_from(["Seconds", "Timestamp"]))] = draw(jsonata_templates())
    else:
        field = draw(st.sampled_from(["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]))
        state[field] = {
            "Seconds": draw(st.integers(min_value=0, max_value=10)),
            "SecondsPath": draw(reference_paths(roots=("$",))),
            "Timestamp": draw(st.sampled_from(["2016-03-14T01:59:00Z", "2030-01-01T00:00:00.123+02:00"])),
            "TimestampPath": draw(reference_paths(roots=("$",))),
        }[field]
        state.update(draw(_jsonpath_io(result_fields=False)))
    return state


_OPERATORS = st.sampled_from(
    [
        ("StringEquals", st.text(max_size=4)),
        ("StringMatches", st.sampled_from(["*", "a*", "\\*x", "**b"])),
        ("StringLessThan", st.text(max_size=3)),
        ("NumericEquals", st.integers(-3, 3)),
        ("NumericGreaterThan", st.floats(-5, 5)),
        ("NumericLessThanEquals", st.integers(-3, 3)),
        ("BooleanEquals", st.booleans()),
        ("TimestampLessThan", st.just("2020-01-01T00:00:00Z")),
        ("IsPresent", st.booleans()),
        ("IsNull", st.booleans()),
        ("IsNumeric", st.booleans()),
        ("IsString", st.booleans()),
        ("IsTimestamp", st.booleans()),
        ("IsBoolean", st.booleans()),
        ("StringEqualsPath", reference_paths(roots=("$",))),
        ("NumericLessThanPath", reference_paths(roots=("$",))),
    ]
)


@st.composite
def comparison_rules(draw: st.DrawFn, *, depth: int = 2) -> dict[str, Any]:
    """JSONPath Choice rules: a comparison, or And/Or/Not over nested rules."""
    if depth > 0 and draw(st.integers(0, 3)) == 0:
        combinator = draw(st.sampled_from(["And", "Or", "Not"]))
        if combinator == "Not":
            return {"Not": draw(comparison_rules(depth=depth - 1))}
        return {combinator: draw(st.lists(comparison_rules(depth=depth - 1), min_size=1, max_size=3))}
    operator, operands = draw(_OPERATORS)
    return {"Variable": draw(reference_paths(roots=("$",))), operator: draw(operands)}


@st.composite
def choice_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    if jsonata:
        rules = draw(
            st.lists(
                st.builds(
                    lambda cond, n: {"Condition": cond, "Next": n},
                    jsonata_templates(),
                    st.sampled_from(["A", "B"]),
                ),
                min_size=1,
                max_size=3,
            )
        )
        state: dict[str, Any] = {"Type": "Choice", "QueryLanguage": "JSONata", "Choices": rules}
    else:
        rules = [
            {**rule, "Next": draw(st.sampled_from(["A", "B"]))}
            for rule in draw(st.lists(comparison_rules(), min_size=1, max_size=3))
        ]
        state = {"Type": "Choice", "Choices": rules, **draw(_jsonpath_io(result_fields=False))}
    if draw(st.booleans()):
        state["Default"] = "DefaultState"
    return state


@st.composite
def succeed_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    if jsonata:
        state: dict[str, Any] = {"Type": "Succeed", "QueryLanguage": "JSONata"}
        if draw(st.booleans()):
            state["Output"] = draw(jsonata_payloads())
        return state
    return {"Type": "Succeed", **draw(_jsonpath_io(result_fields=False))}


@st.composite
def fail_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Fail"}
    if jsonata:
        state["QueryLanguage"] = "JSONata"
        for field in ("Error", "Cause"):
            if draw(st.booleans()):
                state[field] = draw(st.one_of(st.text(max_size=8), jsonata_templates()))
        return state
    for field in ("Error", "Cause"):
        choice = draw(st.integers(0, 2))
        if choice == 1:
            state[field] = draw(st.text(max_size=8))
        elif choice == 2:
            state[f"{field}Path"] = draw(st.one_of(reference_paths(roots=("$",)), intrinsic_calls()))
    return state


# --- Retry, Catch and Task states -----------------------------------------------------------------

ERROR_NAMES = (
    "States.ALL",
    "States.TaskFailed",
    "States.Timeout",
    "States.HeartbeatTimeout",
    "States.Runtime",
    "States.DataLimitExceeded",
    "States.Permissions",
    "States.IntrinsicFailure",
    "States.QueryEvaluationError",
    "MockException",
    "Lambda.ServiceException",
    "Custom.Error",
)
# Rates whose powers are exact in binary floating point, so a reference model can use plain floats.
_BACKOFF_RATES = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0)


def error_names() -> st.SearchStrategy[str]:
    """Error names: the predefined ones, a few custom ones, and arbitrary text."""
    return st.one_of(st.sampled_from(ERROR_NAMES), st.text(min_size=1, max_size=12))


@st.composite
def _error_equals(draw: st.DrawFn, *, last: bool) -> list[str]:
    # ASL: States.ALL must appear alone, in the last retrier/catcher.
    if last and draw(st.booleans()):
        return ["States.ALL"]
    names = [name for name in ERROR_NAMES if name != "States.ALL"]
    return draw(
        st.lists(
            st.one_of(
                st.sampled_from(names),
                st.text(min_size=1, max_size=8).filter(lambda text: not text.startswith("States.")),
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )


@st.composite
def retriers(draw: st.DrawFn, *, last: bool = False) -> dict[str, Any]:
    """One Retry element with any subset of its optional fields."""
    retrier: dict[str, Any] = {"ErrorEquals": draw(_error_equals(last=last))}
    if draw(st.booleans()):
        retrier["IntervalSeconds"] = draw(st.integers(1, 1000))
    if draw(st.booleans()):
        retrier["MaxAttempts"] = draw(st.integers(0, 6))
    if draw(st.booleans()):
        retrier["BackoffRate"] = draw(st.sampled_from(_BACKOFF_RATES))
    if draw(st.booleans()):
        retrier["MaxDelaySeconds"] = draw(st.integers(1, 5000))
    if draw(st.booleans()):
        retrier["JitterStrategy"] = draw(st.sampled_from(["FULL", "NONE"]))
    return retrier


@st.composite
def catchers(draw: st.DrawFn, *, last: bool = False, jsonata: bool = False) -> dict[str, Any]:
    """One Catch element; its Next is ``Handler<i>`` so a test can tell catchers apart."""
    catcher: dict[str, Any] = {"ErrorEquals": draw(_error_equals(last=last)), "Next": "Handler"}
    if jsonata:
        if draw(st.booleans()):
            catcher["Output"] = "{% $states.errorOutput %}"
    elif draw(st.booleans()):
        catcher["ResultPath"] = draw(st.sampled_from(["$", "$.error", "$.a.b", None]))
    return catcher


@st.composite
def error_handlers(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """Retry and/or Catch lists (possibly empty), valid by construction."""
    fields: dict[str, Any] = {}
    count = draw(st.integers(0, 4))
    if count:
        fields["Retry"] = [draw(retriers(last=index == count - 1)) for index in range(count)]
    count = draw(st.integers(0, 4))
    if count:
        fields["Catch"] = [
            {**draw(catchers(last=index == count - 1, jsonata=jsonata)), "Next": f"Handler{index}"}
            for index in range(count)
        ]
    return fields


TASK_RESOURCES = (
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::sqs:sendMessage",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:states:::sns:publish.waitForTaskToken",
    "arn:aws:states:::aws-sdk:s3:getObject",
    "arn:aws:states:::http:invoke",
    "arn:aws:lambda:us-east-1:123456789012:function:f",
    "arn:aws:states:us-east-1:123456789012:activity:a",
)


@st.composite
def _jsonata_arguments_output(draw: st.DrawFn) -> dict[str, Any]:
    """A JSONata Task's or Parallel's optional Arguments and Output."""
    fields: dict[str, Any] = {"QueryLanguage": "JSONata"}
    if draw(st.booleans()):
        fields["Arguments"] = draw(jsonata_payloads())
    if draw(st.booleans()):
        fields["Output"] = draw(st.sampled_from(["{% $states.result %}", "{% $states.input %}"]))
    return fields


@st.composite
def task_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """A Task state in either language, with data flow fields, timeouts and Retry/Catch."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": draw(st.sampled_from(TASK_RESOURCES)),
        **draw(_transition()),
    }
    if jsonata:
        state.update(draw(_jsonata_arguments_output()))
        if draw(st.booleans()):
            state["TimeoutSeconds"] = draw(st.one_of(st.integers(1, 100), st.just("{% 5 %}")))
    else:
        state.update(draw(_jsonpath_io(result_fields=True)))
        if draw(st.booleans()):
            state["ResultSelector"] = draw(payload_templates())
        if draw(st.booleans()):
            state["TimeoutSecondsPath"] = draw(reference_paths(roots=("$",)))
        if draw(st.booleans()):
            state["HeartbeatSeconds"] = draw(st.integers(1, 100))
    state.update(draw(error_handlers(jsonata=jsonata)))
    return state


@st.composite
def mocks(draw: st.DrawFn) -> dict[str, Any]:
    """A TestState ``mock`` member: a result (as JSON text) or an error, any validation mode."""
    mock: dict[str, Any]
    if draw(st.booleans()):
        mock = {"result": json.dumps(draw(json_values()))}
    else:
        error: dict[str, Any] = {"error": draw(error_names())}
        if draw(st.booleans()):
            error["cause"] = draw(st.text(max_size=20))
        mock = {"errorOutput": error}
    if draw(st.booleans()):
        mock["fieldValidationMode"] = draw(st.sampled_from(["STRICT", "PRESENT", "NONE"]))
    return mock


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
        request["variables"] = json.dumps(
            draw(st.dictionaries(_KEYS.filter(bool), json_values(max_leaves=3)))
        )
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


# --- mock results against API output shapes (teststate.validation.mock_result) ---------------------------


def validated_resources() -> st.SearchStrategy[str]:
    """Task resources of the optimized integrations whose results are validated."""
    from teststate.validation.mock_result import OPTIMIZED

    return st.sampled_from(sorted(OPTIMIZED)).map(lambda rest: f"arn:aws:states:::{rest}")


@st.composite
def valid_mock_results(draw: st.DrawFn) -> tuple[str, Any]:
    """``(resource, result)``: a mapped integration and a result that fits its output shape, drawn
    by the users' strategy (`teststate.toolkit.strategies.mock_results`), so the fuzz suite checks
    the very strategy the README offers."""
    from teststate.toolkit.strategies import mock_results

    resource = draw(validated_resources())
    return resource, draw(mock_results(resource))


# --- equivalence recipes (issue 5): one abstract program, rendered in both query languages -------
#
# A recipe is a plain value; `render_*` turn it into a JSONPath and a JSONata definition that the
# ASL and JSONata specifications say compute the same thing. Recipes stay inside the region where
# that is true (see each docstring); the tests compare the two runs.

# Built once (strategy construction is what makes a draw slow when done per draw).
_cached_json_values = functools.lru_cache(maxsize=None)(json_values)
_cached_json_objects = functools.lru_cache(maxsize=None)(json_objects)

# Keys usable as a JSONPath dot step AND a JSONata name step (no reserved word, no quoting needed).
PATH_KEYS = ("a", "b", "x", "items", "Value", "name", "n", "nested", "list", "flag")
_PATH_KEY = st.sampled_from(PATH_KEYS)
# Numbers a JSONata literal denotes exactly (JSONata numbers are doubles): integers within 2**53.
_EXACT_NUMBERS = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
)


@functools.cache
def exact_json_values(*, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """JSON values whose numbers are doubles exactly (safe to write as a JSONata literal).
    Cached: building a recursive strategy costs more than drawing from it."""
    leaves = st.one_of(st.none(), st.booleans(), _EXACT_NUMBERS, st.text(max_size=8))
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            # No key ending ".$": in a JSONPath payload template that would be a path, not a constant.
            st.dictionaries(
                st.one_of(_KEYS, st.text(max_size=4).filter(lambda key: not key.endswith(".$"))),
                children,
                max_size=3,
            ),
        ),
        max_leaves=max_leaves,
    )


def with_value_at(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of object `doc` with `value` at `path`, objects created (or replacing non-objects)
    on the way: every prefix of `path` then names an object."""
    if not path:
        return doc
    head, rest = path[0], path[1:]
    child = doc.get(head)
    return {
        **doc,
        head: with_value_at(child if isinstance(child, dict) else {}, rest, value) if rest else value,
    }


def jsonata_literal(value: Any) -> str:
    """A JSON value as JSONata source: JSON literals are JSONata literals (strings keep their
    characters raw, so no surrogate pair is split into two escapes)."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class PassRecipe:
    """Select a sub-value of the input, build an object of selected fields and constants from it,
    place that object with a ResultPath.

    `fields` holds ``(name, sub_path, None)`` for a field selected at `sub_path` under the selected
    value, ``(name, None, constant)`` for a constant. `result_path` is a tuple of keys (``()`` is
    "$") or None (discard). The input guarantees every selected path exists and runs through
    objects only, and the parent of a two-step ResultPath is an object or missing.
    """

    input: dict[str, Any]
    selection: tuple[str, ...]
    fields: tuple[tuple[str, tuple[str, ...] | None, Any], ...]
    result_path: tuple[str, ...] | None


@st.composite
def pass_recipes(draw: st.DrawFn) -> PassRecipe:
    """Pass programs in the region where JSONPath and JSONata agree: paths exist and step through
    objects only (JSONata maps a step over an array, JSONPath does not; JSONata drops a field whose
    value is undefined, JSONPath fails), numbers are exact doubles, and the input is an object."""
    selection = tuple(draw(st.lists(_PATH_KEY, max_size=2)))
    names = draw(st.lists(_KEYS, max_size=4, unique=True))
    fields = tuple(
        # A selected field needs a name: "" + ".$" would be the odd key ".$".
        (name, tuple(draw(st.lists(_PATH_KEY, max_size=2))), None)
        if name and draw(st.booleans())
        else (name, None, draw(exact_json_values(max_leaves=2)))
        for name in names
    )
    result_path = draw(
        st.one_of(st.none(), st.tuples(), st.tuples(_PATH_KEY), st.tuples(_PATH_KEY, _PATH_KEY))
    )
    document = draw(st.dictionaries(_PATH_KEY, exact_json_values(max_leaves=2), max_size=3))
    # Shorter paths first: a longer one may then turn a shorter one's value into an object, but
    # never removes a path already placed.
    leaves = sorted({(*selection, *sub_path) for _, sub_path, _ in fields if sub_path is not None}, key=len)
    for leaf in leaves or [selection]:
        document = with_value_at(document, leaf, draw(exact_json_values(max_leaves=3)))
    if (
        result_path is not None
        and len(result_path) == 2
        and not isinstance(document.get(result_path[0], {}), dict)
    ):
        # JSONPath cannot merge into a non-object; the law for that case is not equivalence.
        document = {
            **document,
            result_path[0]: draw(st.dictionaries(_PATH_KEY, exact_json_values(max_leaves=2), max_size=2)),
        }
    return PassRecipe(document, selection, fields, result_path)


def _dotted(root: str, path: tuple[str, ...]) -> str:
    return root + "".join(f".{key}" for key in path)


def render_pass_jsonpath(recipe: PassRecipe) -> dict[str, Any]:
    """The recipe as InputPath + Parameters + ResultPath."""
    parameters = {
        (f"{name}.$" if sub_path is not None else name): (
            _dotted("$", sub_path) if sub_path is not None else constant
        )
        for name, sub_path, constant in recipe.fields
    }
    state: dict[str, Any] = {
        "Type": "Pass",
        "InputPath": _dotted("$", recipe.selection),
        "Parameters": parameters,
        "End": True,
    }
    state["ResultPath"] = None if recipe.result_path is None else _dotted("$", recipe.result_path)
    return state


def render_pass_jsonata(recipe: PassRecipe) -> dict[str, Any]:
    """The recipe as one JSONata Output expression (``$merge`` stands for a ResultPath merge)."""
    members = ", ".join(
        f"{jsonata_literal(name)}: "
        + (_dotted("$v", sub_path) if sub_path is not None else jsonata_literal(constant))
        for name, sub_path, constant in recipe.fields
    )
    if recipe.result_path is None:
        placed = "$states.input"
    elif not recipe.result_path:
        placed = "$r"
    elif len(recipe.result_path) == 1:
        placed = f"$merge([$states.input, {{{jsonata_literal(recipe.result_path[0])}: $r}}])"
    else:
        outer, inner = recipe.result_path
        placed = (
            f"$merge([$states.input, {{{jsonata_literal(outer)}: $merge([$states.input.{outer}, "
            f"{{{jsonata_literal(inner)}: $r}}])}}])"
        )
    expression = f"( $v := {_dotted('$states.input', recipe.selection)}; $r := {{{members}}}; {placed} )"
    return {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% " + expression + " %}", "End": True}


# Choice rule trees. Each comparison reads its own typed field, so the input can give every field
# the type its operator expects.
NUMERIC_OPERATORS = {
    "NumericEquals": "=",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "<=",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": ">=",
}
_NUMBERS = st.sampled_from([-2, -1, 0, 1, 2, 0.5, -1.5, 1.0, 2**53])
_STRINGS = st.sampled_from(["", "a", "b", "ab", "é", "😀", "A"])


@dataclass(frozen=True, slots=True)
class Comparison:
    """``operator`` applied to field `field` of the input (None when `field` is absent) and `operand`."""

    operator: str
    field: str
    operand: Any


@dataclass(frozen=True, slots=True)
class Combination:
    """And/Or over `rules`, or Not over exactly one."""

    combinator: str
    rules: tuple[Comparison | Combination, ...]


Rule = Comparison | Combination


@st.composite
def choice_rules(draw: st.DrawFn, *, depth: int = 2) -> Rule:
    """Rule trees over Numeric*, StringEquals, BooleanEquals and IsPresent comparisons."""
    if depth > 0 and draw(st.integers(0, 2)) == 0:
        combinator = draw(st.sampled_from(["And", "Or", "Not"]))
        count = 1 if combinator == "Not" else draw(st.integers(1, 3))
        return Combination(combinator, tuple(draw(choice_rules(depth=depth - 1)) for _ in range(count)))
    kind = draw(st.sampled_from(["number", "number", "string", "boolean", "present"]))
    if kind == "number":
        return Comparison(
            draw(st.sampled_from(sorted(NUMERIC_OPERATORS))), f"n{draw(st.integers(0, 2))}", draw(_NUMBERS)
        )
    if kind == "string":
        return Comparison("StringEquals", f"s{draw(st.integers(0, 2))}", draw(_STRINGS))
    if kind == "boolean":
        return Comparison("BooleanEquals", f"b{draw(st.integers(0, 1))}", draw(st.booleans()))
    return Comparison("IsPresent", draw(st.sampled_from(["p0", "p1", "n0", "s0"])), draw(st.booleans()))


@dataclass(frozen=True, slots=True)
class ChoiceRecipe:
    """Top-level rules with their Next, an optional Default, and an input."""

    input: dict[str, Any]
    rules: tuple[tuple[Rule, str], ...]
    default: str | None


def _fields_of(rule: Rule) -> set[str]:
    if isinstance(rule, Comparison):
        return {rule.field} if rule.operator != "IsPresent" else set()
    return set().union(*(_fields_of(inner) for inner in rule.rules))


@st.composite
def choice_recipes(draw: st.DrawFn) -> ChoiceRecipe:
    """Choice programs where JSONPath and JSONata agree: every compared field is present with the
    operator's type (JSONata ``<`` across types is an error, a missing JSONPath Variable is
    States.Runtime, a JSONPath comparison of another type is false); IsPresent fields (``p*``, or
    typed ones) may be missing or hold any JSON, null included (both languages: present)."""
    rules = tuple(
        (draw(choice_rules()), draw(st.sampled_from(["A", "B", "C"]))) for _ in range(draw(st.integers(1, 3)))
    )
    values: dict[str, Any] = {}
    for field in sorted(set().union(*(_fields_of(rule) for rule, _ in rules))):
        values[field] = draw({"n": _NUMBERS, "s": _STRINGS, "b": st.booleans()}[field[0]])
    for optional in ("p0", "p1"):
        if draw(st.booleans()):
            values[optional] = draw(exact_json_values(max_leaves=3))
    for optional in ("n0", "s0"):
        if optional not in values and draw(st.booleans()):
            values[optional] = draw({"n": _NUMBERS, "s": _STRINGS}[optional[0]])
    return ChoiceRecipe(values, rules, draw(st.sampled_from([None, "D"])))


def _jsonpath_rule(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, Comparison):
        return {"Variable": f"$.{rule.field}", rule.operator: rule.operand}
    if rule.combinator == "Not":
        return {"Not": _jsonpath_rule(rule.rules[0])}
    return {rule.combinator: [_jsonpath_rule(inner) for inner in rule.rules]}


def _jsonata_condition(rule: Rule) -> str:
    if isinstance(rule, Comparison):
        value = f"$states.input.{rule.field}"
        if rule.operator == "IsPresent":
            return f"$exists({value})" if rule.operand else f"$not($exists({value}))"
        symbol = NUMERIC_OPERATORS.get(rule.operator, "=")
        return f"({value} {symbol} {jsonata_literal(rule.operand)})"
    if rule.combinator == "Not":
        return f"$not({_jsonata_condition(rule.rules[0])})"
    joiner = " and " if rule.combinator == "And" else " or "
    return "(" + joiner.join(_jsonata_condition(inner) for inner in rule.rules) + ")"


def render_choice_jsonpath(recipe: ChoiceRecipe) -> dict[str, Any]:
    """The rules as JSONPath Choice rules (Variable + comparison operator, And/Or/Not)."""
    state: dict[str, Any] = {
        "Type": "Choice",
        "Choices": [{**_jsonpath_rule(rule), "Next": next_state} for rule, next_state in recipe.rules],
    }
    if recipe.default is not None:
        state["Default"] = recipe.default
    return state


def render_choice_jsonata(recipe: ChoiceRecipe) -> dict[str, Any]:
    """The rules as JSONata Conditions."""
    state: dict[str, Any] = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [
            {"Condition": "{% " + _jsonata_condition(rule) + " %}", "Next": next_state}
            for rule, next_state in recipe.rules
        ],
    }
    if recipe.default is not None:
        state["Default"] = recipe.default
    return state


# --- ResultPath laws -------------------------------------------------------------------------------


@st.composite
def result_path_cases(draw: st.DrawFn) -> tuple[dict[str, Any], Any, str | None]:
    """``(input, result, ResultPath)``: "$", null, ``$.k`` (k fresh or existing), or ``$.a.b``
    with ``a`` an object of the input or missing from it."""
    document = draw(_cached_json_objects(max_leaves=6))
    result = draw(_cached_json_values(max_leaves=3))
    kind = draw(st.sampled_from(["root", "null", "key", "nested"]))
    if kind == "root":
        return document, result, "$"
    if kind == "null":
        return document, result, None
    key = draw(_PATH_KEY)
    if kind == "key":
        return document, result, f"$.{key}"
    inner = draw(_PATH_KEY)
    if draw(st.booleans()):
        document = {name: value for name, value in document.items() if name != key}
    elif not isinstance(document.get(key), dict):
        document = {**document, key: draw(_cached_json_objects(max_leaves=4))}
    return document, result, f"$.{key}.{inner}"


# --- runnable requests: valid by construction, so the state actually runs ------------------------


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
            draw(st.one_of(_cached_json_objects(max_leaves=8), _cached_json_values(max_leaves=4)))
        )
    if draw(st.booleans()):
        request["inspectionLevel"] = draw(st.sampled_from(["INFO", "DEBUG", "TRACE"]))
    if draw(st.integers(0, 3)) == 0:
        request["variables"] = json.dumps(
            draw(
                st.dictionaries(
                    st.sampled_from(["var", "x", "a"]), _cached_json_values(max_leaves=3), max_size=2
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


# --- Map: items and batches ----------------------------------------------------------------------


def map_items(*, max_size: int = 12) -> st.SearchStrategy[list[Any]]:
    """What a Map iterates over: a short list of arbitrary JSON values (objects most often)."""
    return st.lists(st.one_of(json_objects(max_leaves=6), json_values(max_leaves=6)), max_size=max_size)


@st.composite
def item_batchers(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """ItemBatcher declarations the schema accepts: a count and/or a byte limit (literal, or a
    path into the input {"n": ..., "bytes": ...} the test supplies), maybe a BatchInput."""
    declaration: dict[str, Any] = {}
    kinds = draw(st.sets(st.sampled_from(["items", "bytes"]), min_size=1))
    if "items" in kinds:
        if not jsonata and draw(st.booleans()):
            declaration["MaxItemsPerBatchPath"] = "$.n"
        else:
            declaration["MaxItemsPerBatch"] = draw(st.integers(min_value=1, max_value=5))
    if "bytes" in kinds:
        if not jsonata and draw(st.booleans()):
            declaration["MaxInputBytesPerBatchPath"] = "$.bytes"
        else:
            declaration["MaxInputBytesPerBatch"] = draw(st.integers(min_value=1, max_value=400))
    if draw(st.booleans()):
        declaration["BatchInput"] = (
            {"run": "{% $states.input.run %}", "fixed": draw(scalars)}
            if jsonata
            else {"run.$": "$.run", "fixed": draw(scalars)}
        )
    return declaration


def batcher_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Effective inputs for `item_batchers`' paths: {"n", "bytes", "run"} within AWS's ranges."""
    return st.fixed_dictionaries(
        {
            "n": st.integers(min_value=1, max_value=5),
            "bytes": st.integers(min_value=1, max_value=400),
            "run": st.text(max_size=6),
        }
    )


# --- Map and Parallel --------------------------------------------------------------------------

_PROCESSOR = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}


@st.composite
def map_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """A Map state (inline, legacy Iterator or distributed) in either language, with items,
    ItemSelector, MaxConcurrency, tolerances and Retry/Catch; no ItemReader (it needs
    mapItemReaderData) and no ResultWriter (its mock is an object), so any array mock fits."""
    processor = dict(_PROCESSOR)
    if draw(st.booleans()):
        processor["ProcessorConfig"] = draw(
            st.sampled_from(
                [
                    {"Mode": "INLINE"},
                    {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                ]
            )
        )
    key = "Iterator" if not jsonata and draw(st.integers(0, 4)) == 0 else "ItemProcessor"
    state: dict[str, Any] = {"Type": "Map", key: processor, **draw(_transition())}
    if jsonata:
        state["QueryLanguage"] = "JSONata"
        if draw(st.booleans()):
            state["Items"] = draw(st.one_of(st.just("{% $states.input %}"), st.lists(scalars, max_size=4)))
        if draw(st.booleans()):
            state["ItemSelector"] = draw(
                st.sampled_from(
                    ["{% $states.context.Map.Item.Value %}", {"i": "{% $states.context.Map.Item.Index %}"}]
                )
            )
        if draw(st.booleans()):
            state["Output"] = draw(st.sampled_from(["{% $states.result %}", "{% $states.input %}"]))
        if draw(st.booleans()):
            state["MaxConcurrency"] = draw(st.one_of(st.integers(0, 50), st.just("{% 2 %}")))
    else:
        state.update(draw(_jsonpath_io(result_fields=True)))
        state.pop("Parameters", None)
        if draw(st.booleans()):
            state["ItemsPath"] = draw(reference_paths(roots=("$",)))
        if draw(st.booleans()):
            state["Parameters" if key == "Iterator" else "ItemSelector"] = {"v.$": "$$.Map.Item.Value"}
        if draw(st.booleans()):
            state["ResultSelector"] = draw(payload_templates())
        if draw(st.booleans()):
            state["MaxConcurrencyPath"] = draw(reference_paths(roots=("$",)))
    if draw(st.booleans()):
        state["ToleratedFailureCount"] = draw(st.integers(0, 5))
    if draw(st.booleans()):
        state["ToleratedFailurePercentage"] = draw(st.one_of(st.integers(0, 100), st.floats(0, 100)))
    state.update(draw(error_handlers(jsonata=jsonata)))
    return state


@st.composite
def parallel_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """A Parallel state with one to three branches, in either language, with Retry/Catch."""
    branches = [
        {"StartAt": f"B{index}", "States": {f"B{index}": {"Type": "Pass", "End": True}}}
        for index in range(draw(st.integers(1, 3)))
    ]
    state: dict[str, Any] = {"Type": "Parallel", "Branches": branches, **draw(_transition())}
    if jsonata:
        state.update(draw(_jsonata_arguments_output()))
    else:
        state.update(draw(_jsonpath_io(result_fields=True)))
        if draw(st.booleans()):
            state["ResultSelector"] = draw(payload_templates())
    state.update(draw(error_handlers(jsonata=jsonata)))
    return state


@st.composite
def map_parallel_mocks(draw: st.DrawFn, state: dict[str, Any]) -> dict[str, Any]:
    """A mock a Map or Parallel accepts: an error, or an array (one item per branch for Parallel)."""
    if draw(st.integers(0, 3)) == 0:
        return {"errorOutput": {"error": draw(error_names()), "cause": draw(st.text(max_size=10))}}
    if state["Type"] == "Parallel":
        size = len(state["Branches"])
        return {
            "result": json.dumps(
                draw(st.lists(_cached_json_values(max_leaves=3), min_size=size, max_size=size))
            )
        }
    return {"result": json.dumps(draw(st.lists(_cached_json_values(max_leaves=3), max_size=5)))}


@st.composite
def threshold_cases(draw: st.DrawFn) -> tuple[int | None, float | None, int, int]:
    """(ToleratedFailureCount or None, ToleratedFailurePercentage or None, failures, iterations),
    failures never above the iterations (that is a request error)."""
    iterations = draw(st.integers(0, 40))
    failures = draw(st.integers(0, iterations))
    count = draw(st.none() | st.integers(0, 45))
    percentage = draw(st.none() | st.integers(0, 100).map(float) | st.floats(0, 100, allow_nan=False))
    return count, percentage, failures, iterations


# Fields of a flat JSONPath ItemSelector: what it may read per item, from the input, or nothing.
_SELECTOR_FIELDS = (
    "$$.Map.Item.Value",
    "$$.Map.Item.Index",
    "$$.Map.Item.Value.a",
    "$$.Map.Item.Value[0]",
    "$$.Map.Item.Value.a.b",
    "$$.Map.Item",
    "$$",
    "$$.Execution.Id",
    "$.shared",
    "$.missing",
    "$var",
    "$$.Map.Item.Value.*",
    "States.Format('{}', $$.Map.Item.Index)",
)


@st.composite
def flat_item_selectors(draw: st.DrawFn) -> dict[str, Any]:
    """A JSONPath ItemSelector object: paths (some item-dependent, some not, some that miss),
    intrinsics and constants, sometimes a nested object."""
    selector: dict[str, Any] = {}
    for index in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:
            selector[f"c{index}"] = draw(scalars)
        else:
            selector[f"f{index}.$"] = draw(st.sampled_from(_SELECTOR_FIELDS))
    if draw(st.integers(0, 6)) == 0:
        selector["nested"] = {"v.$": "$$.Map.Item.Value"}
    return selector


# --- the JSONata fast path (interpreter.jsonata.fast): its grammar, data to run it on ------------

FAST_KEYS = ("a", "b", "c", "s", "items")
"""The object keys of `fast_jsonata_documents`, which `fast_jsonata_expressions` paths read."""

_FAST_KEY = st.sampled_from(FAST_KEYS)
_FAST_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([0.5, -1.5, 2.0, 0.1, -0.0, 1e-7, 1e16, 1e21, 1e300, -1e300, 2**53 + 1, 10**21, 3]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "a", "ab", "B c", "10", " x  y ", "ab-cd", "-", "é", "ß", "😀", "\t a\n"]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=4),
)


def fast_jsonata_documents(*, max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """JSON values of mixed types (numbers of every size, strings, arrays of arrays, nulls) whose
    objects use `FAST_KEYS`, so that the paths of `fast_jsonata_expressions` find things."""
    return st.recursive(
        _FAST_SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(_FAST_KEY, children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


_FAST_NUMBERS = st.sampled_from(["0", "1", "2", "3", "-1", "2.5", "-0.5", "0.1", "1.5e3", "1e21", "1e300"])
_FAST_STRINGS = st.one_of(
    st.sampled_from(["", "a", "b", "ab", "B c", "10", " x  y ", "-", "é", "😀"]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=4),
).map(lambda text: json.dumps(text, ensure_ascii=False))
# Path heads: the state's data, the bound variables p, q and nil, the context item, a field.
_FAST_HEADS = st.sampled_from(["$states.input", "$states.context", "$p", "$q", "$nil", "$", *FAST_KEYS])


@st.composite
def _fast_leaves(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return "$none"  # a name no variable binds: the fast path leaves it to the library
    if kind <= 4:
        return draw(_FAST_NUMBERS)
    if kind <= 8:
        return draw(_FAST_STRINGS)
    if kind <= 10:
        return draw(st.sampled_from(["true", "false", "null"]))
    if kind <= 13:
        return draw(st.sampled_from(["$p", "$q", "$nil", "$states.input"]))
    return draw(_fast_paths(depth=0))


@st.composite
def _fast_predicates(draw: st.DrawFn, *, depth: int) -> str:
    """What goes between ``[`` and ``]``: an index (negative, fractional), or an expression on
    the context item (a test, or numbers that pick indexes)."""
    kind = draw(st.integers(0, 3 if depth > 0 else 1))
    if kind == 0:
        return draw(st.sampled_from(["0", "1", "-1", "-2", "1.5", "5"]))
    if kind == 1:
        field = draw(st.sampled_from(["$", *FAST_KEYS]))
        operator = draw(st.sampled_from(["=", "!=", "<", ">="]))
        return f"{field} {operator} {draw(st.one_of(_FAST_NUMBERS, _FAST_STRINGS))}"
    return draw(_fast_any_expressions(depth=depth))


@st.composite
def _fast_paths(draw: st.DrawFn, *, depth: int) -> str:
    """A path: a head and steps (names, quoted names, object constructors, blocks, calls), any
    step maybe filtered."""
    text = draw(_FAST_HEADS)
    if draw(st.integers(0, 4)) == 0:
        text += f"[{draw(_fast_predicates(depth=depth - 1))}]"
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 9)) if depth > 0 else 0
        if kind <= 5:
            text += "." + draw(_FAST_KEY)
        elif kind == 6:
            text += ".`" + draw(_FAST_KEY) + "`"
        elif kind == 7:
            text += "." + draw(_fast_objects(depth=depth - 1))
        elif kind == 8:
            text += ".(" + draw(_fast_any_expressions(depth=depth - 1)) + ")"
        else:
            text += "." + draw(_fast_calls(depth=depth - 1, in_path=True))
        if draw(st.integers(0, 4)) == 0:
            text += f"[{draw(_fast_predicates(depth=depth - 1))}]"
    return text


@st.composite
def _fast_objects(draw: st.DrawFn, *, depth: int) -> str:
    keys = draw(st.lists(st.sampled_from(["k", "l", "a", "é"]), unique=True, max_size=3))
    members = [f'"{key}": {draw(_fast_any_expressions(depth=depth))}' for key in keys]
    return "{" + ", ".join(members) + "}"


@st.composite
def _fast_calls(draw: st.DrawFn, *, depth: int, in_path: bool = False) -> str:
    from interpreter.jsonata.fast import FUNCTION_ARITIES

    name = draw(st.sampled_from(sorted(FUNCTION_ARITIES)))
    arity = draw(st.sampled_from(sorted(FUNCTION_ARITIES[name])))
    if arity == 0 and not in_path and draw(st.booleans()):
        arity = max(FUNCTION_ARITIES[name])  # without an argument it reads the context item
    arguments = [draw(_fast_any_expressions(depth=depth)) for _ in range(arity)]
    return f"${name}({', '.join(arguments)})"


def fast_jsonata_expressions() -> st.SearchStrategy[str]:
    """JSONata expressions from the grammar the fast path compiles (`interpreter.jsonata.fast.
    GRAMMAR`): every operator and built-in it lists, blocks, conditions, object constructors,
    paths with object and block steps, predicates; operands of every type, so that errors and
    undefined results come up as often as values. Half of them are built by type, on the
    variables of `fast_jsonata_variables`, so that the operators and functions meet the values
    they work on (fractions for ``%``, ``ß`` for ``$lowercase``, arrays of arrays for filters and
    object constructors)."""
    return st.one_of(
        _fast_any_expressions(),
        _typed(kind="any", depth=3),
        _typed(kind="array", depth=2),
        _typed(kind="string", depth=2),
        _typed(kind="number", depth=2),
    )


@st.composite
def _fast_any_expressions(draw: st.DrawFn, *, depth: int = 3) -> str:
    from interpreter.jsonata.fast import GRAMMAR

    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(_fast_leaves())
    sub = _fast_any_expressions(depth=depth - 1)
    kind = draw(st.integers(0, 9))
    if kind <= 1:
        operator = draw(st.sampled_from(sorted(GRAMMAR["binary"])))
        return f"({draw(sub)} {operator} {draw(sub)})"
    if kind == 2:
        return f"-{draw(sub)}"
    if kind == 3:
        otherwise = f" : {draw(sub)}" if draw(st.booleans()) else ""
        return f"({draw(sub)} ? {draw(sub)}{otherwise})"
    if kind == 4:
        return "(" + "; ".join(draw(st.lists(sub, max_size=3))) + ")"
    if kind == 5:
        text = draw(_fast_objects(depth=depth - 1))
    elif kind == 6:
        text = draw(_fast_calls(depth=depth - 1))
    else:
        return draw(_fast_paths(depth=depth - 1))
    if draw(st.integers(0, 4)) == 0:
        text += f"[{draw(_fast_predicates(depth=depth - 1))}]"
    return text


# --- TestState request bodies around the model's constraints (teststate.validation.request) -------

_LENGTH_EDGES = (0, 1, 2, 40, 41, 80, 81, 128, 129, 256, 257)


def coral_strings() -> st.SearchStrategy[str]:
    """Strings around the model's length bounds, counted as Java counts them (an astral character
    is two UTF-16 units), sometimes at the 256 KiB and 32 KiB bounds themselves."""
    return st.one_of(
        st.text(max_size=5),
        st.builds(
            lambda character, count: character * count,
            st.sampled_from(["a", "é", "😀"]),
            st.sampled_from(_LENGTH_EDGES),
        ),
        st.sampled_from([32_768, 32_769, 262_144, 262_145]).map(lambda count: "a" * count),
        st.sampled_from(["INFO", "DEBUG", "TRACE", "info", "STRICT", "PRESENT", "NONE", "strict"]),
    )


def coral_integers() -> st.SearchStrategy[Any]:
    """Numbers around a Java int's range and the minimum 0, integral floats, and booleans."""
    return st.one_of(
        st.integers(-3, 3),
        st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2.0, -0.0, 1.5, 1e10, True, False]),
    )


def _member(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A member's value: usually of its type, sometimes null, sometimes any JSON value."""
    return st.one_of(good, good, good, good, st.none(), json_values(max_leaves=3))


_MOCK_ERROR_OUTPUT = st.fixed_dictionaries(
    {}, optional={"error": _member(coral_strings()), "cause": _member(coral_strings()), "other": scalars}
)
_MOCK = st.fixed_dictionaries(
    {},
    optional={
        "result": _member(coral_strings()),
        "errorOutput": _member(_MOCK_ERROR_OUTPUT),
        "fieldValidationMode": _member(coral_strings()),
    },
)
_STATE_CONFIGURATION = st.fixed_dictionaries(
    {},
    optional={
        "retrierRetryCount": _member(coral_integers()),
        "errorCausedByState": _member(coral_strings()),
        "mapIterationFailureCount": _member(coral_integers()),
        "mapItemReaderData": _member(coral_strings()),
    },
)


def _within(low: int, high: int) -> st.SearchStrategy[str]:
    """Strings whose Java length lies in [low, high], often exactly at a bound."""
    return st.one_of(
        st.text(min_size=low, max_size=5).filter(
            lambda text: low <= len(text.encode("utf-16-le")) // 2 <= high
        ),
        st.sampled_from([low, high]).map(lambda count: "a" * count),
        st.just("😀" * (high // 2)),
    )


_DATA = _within(0, 262_144)
_NULL_OR = st.none().__or__


@st.composite
def _valid_request_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """Bodies the model accepts: every member within its type and bounds, optional ones absent
    or null, an unknown member sometimes."""
    counts = st.one_of(st.integers(0, 3), st.sampled_from([2**31 - 1, 2.0, -0.0]))
    optional: dict[str, st.SearchStrategy[Any]] = {
        "roleArn": _within(1, 256),
        "input": _DATA,
        "inspectionLevel": st.sampled_from(["INFO", "DEBUG", "TRACE"]),
        "revealSecrets": st.booleans(),
        "variables": _DATA,
        "stateName": _within(1, 80),
        "mock": st.fixed_dictionaries(
            {},
            optional={
                "result": _NULL_OR(_DATA),
                "errorOutput": _NULL_OR(
                    st.fixed_dictionaries(
                        {"error": _within(0, 256)}, optional={"cause": _NULL_OR(_within(0, 32_768))}
                    )
                ),
                "fieldValidationMode": _NULL_OR(st.sampled_from(["STRICT", "PRESENT", "NONE"])),
            },
        ),
        "context": _DATA,
        "stateConfiguration": st.fixed_dictionaries(
            {},
            optional={
                "retrierRetryCount": _NULL_OR(counts),
                "errorCausedByState": _NULL_OR(_within(1, 80)),
                "mapIterationFailureCount": _NULL_OR(counts),
                "mapItemReaderData": _NULL_OR(_DATA),
            },
        ),
        "unknownMember": json_values(max_leaves=2),
    }
    body: dict[str, Any] = {"definition": draw(_within(1, 1_048_576))}
    for name, values in optional.items():
        if draw(st.booleans()):
            body[name] = draw(_NULL_OR(values))
    return body


def _short_repr(value: Any) -> str:
    """A value's repr with long strings written as repetitions (``'a' * 262144``)."""
    if isinstance(value, str) and len(value) > 64 and value == value[0] * len(value):
        return f"{value[0]!r} * {len(value)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_short_repr(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_short_repr(item) for item in value) + "]"
    return repr(value)


class ShortRepr(dict[str, Any]):
    """A body whose repr stays short however long its strings (Hypothesis prints every example's
    arguments, and warns, as an error here, about a repr over 30 kB)."""

    def __repr__(self) -> str:
        return _short_repr(dict(self))


def model_request_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Decoded TestState bodies: valid ones, and ones where every member of the model may be
    absent, null, of its type at or around its bounds, or of another JSON type (nested
    structures alike), with unknown members."""
    return (_valid_request_bodies() | _any_request_bodies()).map(ShortRepr)


def _any_request_bodies() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "definition": _member(coral_strings()),
            "roleArn": _member(coral_strings()),
            "input": _member(coral_strings()),
            "inspectionLevel": _member(coral_strings()),
            "revealSecrets": _member(st.booleans()),
            "variables": _member(coral_strings()),
            "stateName": _member(coral_strings()),
            "mock": _member(_MOCK),
            "context": _member(coral_strings()),
            "stateConfiguration": _member(_STATE_CONFIGURATION),
            "unknownMember": json_values(max_leaves=2),
        },
    )


_TYPED_NUMBERS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([0.5, -1.5, 2.0, 0.1, 0.2, 7.25, 1e16, 1e21, 1e300, -1e300, 2**53 + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
)
_TYPED_STRINGS = st.one_of(
    st.sampled_from(
        [
            "",
            "a",
            "ab",
            "B c",
            " x  y ",
            "\tp\n q ",
            "  ",
            " a\r\n\tb  c ",
            "ß",
            "ÀBß",
            "ﬁ",
            "a-b-c",
            "10",
            "😀x",
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=5),
)
FAST_VARIABLE_NAMES = ("p", "q", "nil", "empty", "n", "t", "arr", "strs", "objs", "nested")
"""The workflow variables `fast_jsonata_variables` binds (``$none`` stays unbound)."""


def fast_jsonata_variables() -> st.SearchStrategy[dict[str, Any]]:
    """Workflow variables for `fast_jsonata_expressions`: ``$p``, ``$q`` of any shape, ``$nil``
    null, ``$empty`` an empty array, and typed ones: ``$n`` a number, ``$t`` a string, ``$arr`` numbers, ``$strs`` strings,
    ``$objs`` objects with fields a, b, c, ``$nested`` arrays of arrays."""
    values = st.one_of(_TYPED_NUMBERS, _TYPED_STRINGS, st.lists(_TYPED_NUMBERS, max_size=3), st.none())
    items = st.fixed_dictionaries({}, optional={"a": values, "b": values, "c": st.lists(values, max_size=3)})
    return st.fixed_dictionaries(
        {
            "p": fast_jsonata_documents(max_leaves=6),
            "q": fast_jsonata_documents(max_leaves=4),
            "nil": st.none(),
            "empty": st.just([]),
            "n": _TYPED_NUMBERS,
            "t": _TYPED_STRINGS,
            "arr": st.lists(_TYPED_NUMBERS, max_size=5),
            "strs": st.lists(_TYPED_STRINGS, max_size=4),
            "objs": st.lists(items, max_size=4),
            "nested": st.lists(
                st.lists(
                    st.one_of(_TYPED_NUMBERS, _TYPED_STRINGS, st.lists(_TYPED_NUMBERS, max_size=2)),
                    max_size=3,
                ),
                max_size=3,
            ),
        }
    )


def _number_literal(number: float) -> str:
    return repr(number) if isinstance(number, float) else str(number)


# Filters on the items of $arr/$strs ($ is the item), of $objs (fields a, b, c), of $nested.
_ITEM_TESTS = {
    "$arr": ["$ > 1", "$ = 2", "$ % 2 = 1", "$", "$ - 1", "$ < 0.5"],
    "$strs": ["$ = 'a'", "$contains($, 'a')", "$length($) > 1", "$", "$ != ''"],
    "$objs": ["a > 1", "b = 'a'", "$exists(c)", "a", "c", "$count(c)", "a & b = 'ab'", "$ = $"],
    "$nested": ["$count($) > 1", "$[0] = 1", "$", "$count($) - 1", "$count($) = 0"],
}
_INDEXES = ["0", "1", "-1", "-2", "1.5", "-0.5", "7"]


@st.composite
def _typed(draw: st.DrawFn, *, kind: str, depth: int) -> str:
    """An expression meant to have a value of `kind` (number, string, boolean, array, object,
    any), its operands mostly of the types its operators and functions take."""
    if kind == "any":
        kind = draw(st.sampled_from(["number", "string", "boolean", "array", "object", "array"]))
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(_typed_leaves(kind))
    number, string, boolean = (_typed(kind=name, depth=depth - 1) for name in ("number", "string", "boolean"))
    array, anything = _typed(kind="array", depth=depth - 1), _typed(kind="any", depth=depth - 1)
    choice = draw(st.integers(0, 5))
    if kind == "number":
        if choice <= 1:
            return f"({draw(number)} {draw(st.sampled_from(['+', '-', '*', '/', '%']))} {draw(number)})"
        if choice == 2:
            return f"${draw(st.sampled_from(['sum', 'max', 'min', 'average']))}({draw(array)})"
        if choice == 3:
            function = draw(st.sampled_from(["count", "count", "length", "abs", "floor", "ceil"]))
            return f"${function}({draw(array if function == 'count' else anything)})"
        if choice == 4:
            return f"-{draw(number)}"
        return f"({draw(boolean)} ? {draw(number)} : {draw(number)})"
    if kind == "string":
        if choice <= 1:
            return f"({draw(string)} & {draw(anything)})"
        if choice == 2:
            return f"${draw(st.sampled_from(['uppercase', 'lowercase', 'trim']))}({draw(string)})"
        if choice == 3:
            extra = f", {draw(number)}" if draw(st.booleans()) else ""
            return f"$substring({draw(string)}, {draw(number)}{extra})"
        if choice == 4:
            return f"${draw(st.sampled_from(['substringBefore', 'substringAfter']))}({draw(string)}, {draw(string)})"
        return f"({draw(string)}; {draw(string)})"
    if kind == "boolean":
        if choice <= 1:
            operator = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
            operand = draw(st.sampled_from([number, string, boolean, anything]))
            other = draw(st.sampled_from([operand, operand, number, boolean, anything]))
            return f"({draw(operand)} {operator} {draw(other)})"
        if choice == 2:
            return f"$contains({draw(string)}, {draw(draw(st.sampled_from([string, string, anything])))})"
        if choice == 3:
            return f"${draw(st.sampled_from(['exists', 'not', 'boolean']))}({draw(anything)})"
        return f"({draw(boolean)} {draw(st.sampled_from(['and', 'or']))} {draw(anything)})"
    if kind == "array":
        source = draw(st.sampled_from(list(_ITEM_TESTS)))
        if choice <= 1:
            test = draw(st.one_of(st.sampled_from(_ITEM_TESTS[source]), st.sampled_from(_INDEXES)))
            steps = {"$objs": [".a", ".b", ".c", ".c[0]", ".c[-1]", "[0]"], "$nested": ["[0]", "[1]", "[-1]"]}
            step = draw(st.sampled_from(["", *steps.get(source, [])]))
            return f"{source}[{test}]{step}"
        if choice == 2:
            fields = {"$objs": ["a", "b", "c", "$"], "$nested": ["$", "$[0]"]}.get(source, ["$"])
            keys = draw(st.lists(st.sampled_from(["k", "l", "m"]), unique=True, min_size=1, max_size=3))
            members = ", ".join(f'"{key}": {draw(st.sampled_from(fields))}' for key in keys)
            return f"{source}.{{{members}}}"
        if choice == 3:
            call = {"$strs": "$uppercase()", "$arr": "$abs()", "$objs": "$count(c)"}.get(source, "$count($)")
            return f"{source}.{call}"
        if choice == 4:
            return f"{source}.({draw(anything)})"
        return f"$objs.{draw(st.sampled_from(['a', 'b', 'c']))}"
    if choice <= 2:
        keys = draw(st.lists(st.sampled_from(["k", "l", "a", "é"]), unique=True, max_size=3))
        return "{" + ", ".join(f'"{key}": {draw(anything)}' for key in keys) + "}"
    return draw(st.sampled_from(["$objs[0]", "$objs[-1]", "$q", "$objs[a].{'x': b}"]))


@st.composite
def _typed_leaves(draw: st.DrawFn, kind: str) -> str:
    if kind == "number":
        return draw(
            st.one_of(
                _TYPED_NUMBERS.map(_number_literal), st.sampled_from(["$n", "$arr[0]", "$objs[0].a", "$arr"])
            )
        )
    if kind == "string":
        return draw(
            st.one_of(
                _TYPED_STRINGS.map(lambda text: json.dumps(text, ensure_ascii=False)),
                st.sampled_from(["$t", "$t", "$strs[0]", "$objs[1].b", "$nil", "$strs"]),
            )
        )
    if kind == "boolean":
        return draw(st.sampled_from(["true", "false", "$exists($objs[0].a)", "$n > 0", "$nil"]))
    if kind == "array":
        return draw(
            st.sampled_from(
                [
                    "$arr",
                    "$strs",
                    "$objs",
                    "$nested",
                    "$objs.a",
                    "$objs.c",
                    "$p",
                    "$nested[0]",
                    "$empty",
                    "$objs[0].c",
                ]
            )
        )
    return draw(st.sampled_from(["$q", "$objs[0]", "{}", "$p", "$states.input", "null", "$none"]))


# --- the fast ItemSelector (interpreter.map.selector) --------------------------------------------

# Fields of a flat JSONPath ItemSelector the fast selector claims (constants aside): definite paths
# into the item, its index, and paths that do not read the item (evaluated once per Map).
FAST_SELECTOR_FIELDS = (
    "$$.Map.Item.Value",
    "$$.Map.Item.Index",
    "$$.Map.Item.Value.a",
    "$$.Map.Item.Value['a']",
    "$$.Map.Item.Value.a.b",
    "$$.Map.Item.Value[0]",
    "$$.Map.Item.Value[-1]",
    "$$.Map.Item.Value.items[1]",
    "$$.Execution.Id",
    "$$.State.Name",
    "$.shared",
    "$.shared.a",
    "$.missing",
    "$var",
    "$var[0]",
    "$undefinedVariable",
)
# Fields that need a scope per item: the fast selector declines the whole template.
SLOW_SELECTOR_FIELDS = (
    "$$.Map.Item",
    "$$",
    "$$.Map",
    "$$.Map.Item.Other",
    "$$.Map.Item.Value.*",
    "$$.Map.Item.Value..a",
    "States.Format('{}', $$.Map.Item.Index)",
    "States.JsonToString($$.Map.Item.Value)",
)


@st.composite
def fast_item_selectors(draw: st.DrawFn, *, claimed_only: bool = False) -> dict[str, Any]:
    """A JSONPath ItemSelector: constants and the fields above, sometimes one the fast selector
    declines, or a nested object (which it declines too)."""
    pool = FAST_SELECTOR_FIELDS if claimed_only else FAST_SELECTOR_FIELDS * 3 + SLOW_SELECTOR_FIELDS
    selector: dict[str, Any] = {}
    for index in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:  # a constant (no object: its keys could end with .$)
            selector[f"c{index}"] = draw(st.one_of(scalars, st.lists(scalars, max_size=3)))
        else:
            selector[f"f{index}.$"] = draw(st.sampled_from(pool))
    if not claimed_only and draw(st.integers(0, 8)) == 0:
        selector["nested"] = {"v.$": "$$.Map.Item.Value"}
    return selector


def selector_items(*, max_size: int = 8) -> st.SearchStrategy[list[Any]]:
    """Items for `fast_item_selectors`: objects with the fields they read (a, a.b, items), or
    anything else, so that some paths miss and some steps meet the wrong type."""
    shaped = st.fixed_dictionaries(
        {},
        optional={
            "a": st.one_of(json_values(max_leaves=3), st.fixed_dictionaries({"b": scalars})),
            "items": st.lists(scalars, max_size=3),
        },
    )
    return st.lists(st.one_of(shaped, shaped, st.lists(scalars, max_size=3), scalars), max_size=max_size)
