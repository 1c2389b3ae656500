"""State definitions of every type but Map (`fuzz.strategies.maps`), in either query language:
Pass, Wait, Choice (with its JSONPath comparison rules), Succeed, Fail, Task and Parallel."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.expressions import (
    intrinsic_calls,
    jsonata_payloads,
    jsonata_templates,
    payload_templates,
    reference_paths,
)
from fuzz.strategies.handlers import error_handlers
from fuzz.strategies.values import KEYS, json_values

# --- states --------------------------------------------------------------------------------------


@st.composite
def transition(draw: st.DrawFn) -> dict[str, Any]:
    return draw(st.sampled_from([{"End": True}, {"Next": "NextState"}]))


@st.composite
def jsonpath_io(draw: st.DrawFn, *, result_fields: bool) -> dict[str, Any]:
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
    state: dict[str, Any] = {"Type": "Pass", **draw(transition())}
    if jsonata:
        state["QueryLanguage"] = "JSONata"
        if draw(st.booleans()):
            state["Output"] = draw(jsonata_payloads())
    else:
        state.update(draw(jsonpath_io(result_fields=True)))
        if draw(st.booleans()):
            state["Result"] = draw(json_values(max_leaves=4))
    if draw(st.booleans()):
        state["Assign"] = (
            draw(st.dictionaries(KEYS.filter(bool), jsonata_templates(), max_size=2))
            if jsonata
            else draw(payload_templates())
        )
    return state


@st.composite
def wait_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Wait", **draw(transition())}
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
        state.update(draw(jsonpath_io(result_fields=False)))
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
        state = {"Type": "Choice", "Choices": rules, **draw(jsonpath_io(result_fields=False))}
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
    return {"Type": "Succeed", **draw(jsonpath_io(result_fields=False))}


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


# --- Task and Parallel states --------------------------------------------------------------------

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
        **draw(transition()),
    }
    if jsonata:
        state.update(draw(_jsonata_arguments_output()))
        if draw(st.booleans()):
            state["TimeoutSeconds"] = draw(st.one_of(st.integers(1, 100), st.just("{% 5 %}")))
    else:
        state.update(draw(jsonpath_io(result_fields=True)))
        if draw(st.booleans()):
            state["ResultSelector"] = draw(payload_templates())
        if draw(st.booleans()):
            state["TimeoutSecondsPath"] = draw(reference_paths(roots=("$",)))
        if draw(st.booleans()):
            state["HeartbeatSeconds"] = draw(st.integers(1, 100))
    state.update(draw(error_handlers(jsonata=jsonata)))
    return state


@st.composite
def parallel_states(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """A Parallel state with one to three branches, in either language, with Retry/Catch."""
    branches = [
        {"StartAt": f"B{index}", "States": {f"B{index}": {"Type": "Pass", "End": True}}}
        for index in range(draw(st.integers(1, 3)))
    ]
    state: dict[str, Any] = {"Type": "Parallel", "Branches": branches, **draw(transition())}
    if jsonata:
        state.update(draw(_jsonata_arguments_output()))
    else:
        state.update(draw(jsonpath_io(result_fields=True)))
        if draw(st.booleans()):
            state["ResultSelector"] = draw(payload_templates())
    state.update(draw(error_handlers(jsonata=jsonata)))
    return state
