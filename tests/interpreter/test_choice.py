"""Choice rules: the derived AWS corpus, the glob matcher, timestamps, validation, runtime errors."""

from __future__ import annotations

import fnmatch
import json
import random
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter import Status, TestResult, World, load_definition, run_state
from interpreter.errors import ASLError, DefinitionError, StatesError
from interpreter.scope import Scope
from interpreter.states.choice import (
    MAX_NESTING,
    NO_CHOICE_MATCHED_CAUSE,
    ChoiceRule,
    compile_choice_rule,
)
from interpreter.states.choice_operators import OPERATORS, compile_glob
from tests.corpus import DERIVED

CORPUS = DERIVED


def scope_of(value: Any, variables: dict[str, Any] | None = None, context: Any = None) -> Scope:
    return Scope(
        current=value,
        context={} if context is None else context,
        variables=variables or {},
        state_input=value,
    )


def rule(definition: Any, language: str = "JSONPath") -> ChoiceRule:
    return compile_choice_rule(definition, query_language=language, pointer="/States/S/Choices[0]")


def holds(definition: dict[str, Any], value: Any, **kwargs: Any) -> bool:
    return rule({**definition, "Next": "N"}).matches(scope_of(value, **kwargs))


def run_choice(
    definition: str | dict[str, Any],
    value: Any,
    *,
    state_name: str | None = None,
    variables: dict[str, Any] | None = None,
) -> TestResult:
    """Run a Choice state as TestState does: its rules in order, then Default."""
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return run_state(
        load_definition(text, state_name),
        input=value,
        context={},
        variables=variables or {},
        world=World(now=datetime(2025, 1, 2, tzinfo=UTC), rng=random.Random(0)),
    )


def choice_state(choices: list[Any], default: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Choice", "Choices": choices}
    if default is not None:
        state["Default"] = default
    return state


# --------------------------------------------------------------------------------------------
# Derived corpus: every case whose state under test is a Choice state


def _choice_cases() -> list[Any]:
    cases = []
    for file in sorted(CORPUS.glob("*/*.json")):
        case = json.loads(file.read_text(encoding="utf-8"))
        request = case["request"]
        definition = json.loads(request["definition"])
        state = definition.get("States", {}).get(request.get("stateName"))
        if isinstance(state, dict) and state.get("Type") == "Choice":
            cases.append(pytest.param(case, id=f"{file.parent.name}/{file.stem}"))
    return cases


CHOICE_CASES = _choice_cases()


def test_corpus_is_there() -> None:
    # 491 operator cases plus the Choice states of the scenario modules (README, "Counts": 502).
    assert len(CHOICE_CASES) >= 500


@pytest.mark.parametrize("case", CHOICE_CASES)
def test_derived_choice_case(case: dict[str, Any]) -> None:
    request = case["request"]
    result = run_choice(
        request["definition"],
        json.loads(request.get("input", "{}")),
        state_name=request["stateName"],
        variables=json.loads(request["variables"]) if "variables" in request else None,
    )
    expected = case["expect"]["response"]
    assert result.status == expected["status"]
    if expected["status"] == "SUCCEEDED":
        assert result.next_state == expected["nextState"]
    else:
        assert (result.error, result.cause) == (expected.get("error"), expected.get("cause"))


# --------------------------------------------------------------------------------------------
# StringMatches


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("log-*.txt", "log-2024.txt", True),  # the developer guide's example
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log-2024.csv", False),
        ("*", "", True),
        ("*", "anything", True),
        ("", "", True),
        ("", "a", False),
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("a*", "a", True),
        ("*a", "a", True),
        ("a*a", "a", False),  # prefix and suffix may not share the one character
        ("a*a", "aa", True),
        ("*a*b*", "xxaxxbxx", True),
        ("*a*b*", "xxbxxaxx", False),
        ("**", "x", True),
        (r"\*", "*", True),
        (r"\*", "x", False),
        (r"a\*b", "a*b", True),
        (r"a\*b", "axxb", False),
        (r"\\", "\\", True),
        (r"\\*", "\\anything", True),
        (r"\\\*", "\\*", True),
        (r"x\y", "xy", True),  # an unknown escape stands for the character itself
        ("x\\", "x\\", True),  # a trailing backslash stands for itself
        ("*.txt", "a\n.txt", True),  # '*' spans any character, newlines included
    ],
)
def test_glob(pattern: str, text: str, expected: bool) -> None:
    assert compile_glob(pattern).matches(text) is expected
    assert holds({"Variable": "$", "StringMatches": pattern}, text) is expected


def _fnmatch_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.DOTALL)


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(alphabet="ab*", max_size=12), text=st.text(alphabet="ab", max_size=12))
def test_glob_agrees_with_fnmatch(pattern: str, text: str) -> None:
    # On an alphabet without fnmatch's other specials ('?', '[') and without escapes, ASL's
    # StringMatches and fnmatch are the same language.
    assert compile_glob(pattern).matches(text) is bool(_fnmatch_regex(pattern).match(text))


def _reference_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(alphabet="ab*\\", max_size=12), text=st.text(alphabet="ab*\\", max_size=12))
def test_glob_escapes_agree_with_reference(pattern: str, text: str) -> None:
    assert compile_glob(pattern).matches(text) is bool(_reference_regex(pattern).fullmatch(text))


def test_glob_is_linear_on_adversarial_input() -> None:
    # A backtracking matcher needs about len(text) * stars steps here (10^9); ours stays linear.
    pattern = "*a" * 5000 + "*b"
    text = "a" * 200_000
    started = time.thread_time()  # CPU time: a loaded machine does not move it
    assert compile_glob(pattern).matches(text) is False
    assert compile_glob(pattern).matches(text + "b") is True
    assert time.thread_time() - started < 2.0


# --------------------------------------------------------------------------------------------
# Timestamps (IsTimestamp and the Timestamp* operators)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-03-14T01:59:00Z", True),
        ("2016-03-14T01:59:00.123Z", True),
        ("2016-03-14T01:59:00.123456789Z", True),
        ("2016-03-14T01:59:00+01:00", True),
        ("2016-03-14T01:59:00-05:30", True),
        ("2016-03-14T01:59:00.5+01:00", True),
        ("2016-02-29T00:00:00Z", True),
        ("2023-02-24", False),  # a date without a time (AWS, recorded)
        ("2012-10-09T19:00:55", False),  # no offset
        ("2023-02-24 12:15:56.832957", False),  # recorded
        ("2016-03-14t01:59:00Z", False),  # lowercase t
        ("2016-03-14T01:59:00z", False),  # lowercase z
        ("2016-03-14T01:59Z", False),  # no seconds
        ("2016-03-14T01:59:00.Z", False),
        ("2016-03-14T01:59:00.1234567890Z", False),
        ("2016-03-14T01:59:00+0100", False),
        ("2016-13-14T01:59:00Z", False),
        ("2015-02-29T00:00:00Z", False),
        ("2016-03-14T24:00:00Z", False),
        ("2016-03-14T01:60:00Z", False),
        (" 2016-03-14T01:59:00Z", False),
        ("2016-03-14T01:59:00Z ", False),
        ("", False),
    ],
)
def test_is_timestamp(text: str, expected: bool) -> None:
    assert holds({"Variable": "$", "IsTimestamp": True}, text) is expected
    assert holds({"Variable": "$", "IsTimestamp": False}, text) is not expected


@pytest.mark.parametrize(
    ("left", "operator", "right", "expected"),
    [
        ("2016-03-14T02:59:00+01:00", "TimestampEquals", "2016-03-14T01:59:00Z", True),  # instants
        ("2016-03-14T01:59:00.000Z", "TimestampEquals", "2016-03-14T01:59:00Z", True),
        ("2016-03-14T01:59:00.001Z", "TimestampGreaterThan", "2016-03-14T01:59:00Z", True),
        ("2016-03-14T01:59:00-00:01", "TimestampGreaterThan", "2016-03-14T01:59:00Z", True),
        ("2016-03-14T01:59:00Z", "TimestampLessThan", "2016-03-14T19:00:00+18:00", False),
        ("2016-03-14T01:59:00Z", "TimestampLessThanEquals", "2016-03-14T01:59:00Z", True),
        ("2016-03-14T01:59:00Z", "TimestampGreaterThanEquals", "2016-03-14T01:59:01Z", False),
        ("2016-03-14", "TimestampLessThan", "2016-03-15T00:00:00Z", False),  # not a timestamp
    ],
)
def test_timestamp_order(left: str, operator: str, right: str, expected: bool) -> None:
    assert holds({"Variable": "$.l", operator: right}, {"l": left}) is expected
    assert holds({"Variable": "$.l", f"{operator}Path": "$.r"}, {"l": left, "r": right}) is expected


# --------------------------------------------------------------------------------------------
# Operators: values of the wrong type never match, nothing raises


ODD_VALUES = [None, 0, 1.5, -1, "", "a", "2016-03-14T01:59:00Z", True, False, [], [1], {}, {"a": 1}]


def _literal_operand(name: str) -> Any:
    if name.startswith("Numeric"):
        return 1
    if name.startswith(("Boolean", "Is")):
        return True
    if name.startswith("Timestamp"):
        return "2016-03-14T01:59:00Z"
    return "a"


@pytest.mark.parametrize("operator", sorted(OPERATORS))
@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_every_operator_returns_a_bool_for_every_kind_of_value(operator: str, value: Any) -> None:
    definition: dict[str, Any] = {"Variable": "$.v"}
    definition[operator] = "$.w" if operator.endswith("Path") else _literal_operand(operator)
    for other in ODD_VALUES:
        assert isinstance(holds(definition, {"v": value, "w": other}), bool)


@pytest.mark.parametrize(
    ("operator", "operand", "value", "expected"),
    [
        ("NumericEquals", 1, 1.0, True),
        ("NumericEquals", 1, True, False),  # a boolean is not a number
        ("NumericEquals", 1, "1", False),  # strings are never converted
        ("NumericEquals", 0, False, False),
        ("NumericLessThan", 2, 1.5, True),
        ("NumericGreaterThanEquals", 2**63, 2**63, True),
        ("NumericGreaterThan", 9007199254740992, 9007199254740993, True),
        ("StringEquals", "a", "a", True),
        ("StringEquals", "1", 1, False),
        ("StringLessThan", "b", "a", True),
        ("StringLessThan", "\uffff", "\U0001f600", True),  # UTF-16 order, as Java compares
        ("StringGreaterThan", "\uffff", "\U0001f600", False),
        ("StringLessThanEquals", "", "", True),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", False, 0, False),
        ("BooleanEquals", True, 1, False),
        ("IsNull", True, None, True),
        ("IsNull", False, None, False),
        ("IsNull", True, 0, False),
        ("IsNumeric", True, 1.5, True),
        ("IsNumeric", True, True, False),
        ("IsString", True, "", True),
        ("IsString", False, 1, True),
        ("IsBoolean", True, False, True),
        ("IsBoolean", True, "true", False),
        ("IsPresent", True, None, True),  # present, even though null
        ("IsPresent", False, None, False),
    ],
)
def test_operator_semantics(operator: str, operand: Any, value: Any, expected: bool) -> None:
    assert holds({"Variable": "$.v", operator: operand}, {"v": value}) is expected


def test_path_operands_read_context_and_variables() -> None:
    definition = {"Variable": "$x", "StringEqualsPath": "$$.Execution.Name"}
    assert holds(definition, {}, variables={"x": "run-1"}, context={"Execution": {"Name": "run-1"}}) is True
    assert holds(definition, {}, variables={"x": "run-2"}, context={"Execution": {"Name": "run-1"}}) is False


def test_logical_operators() -> None:
    in_twenties = {
        "And": [
            {"Variable": "$.value", "NumericGreaterThanEquals": 20},
            {"Variable": "$.value", "NumericLessThan": 30},
        ]
    }
    assert holds(in_twenties, {"value": 22}) is True
    assert holds(in_twenties, {"value": 30}) is False
    either = {"Or": [{"Variable": "$.a", "IsNull": True}, {"Variable": "$.b", "BooleanEquals": True}]}
    assert holds(either, {"a": 1, "b": True}) is True
    assert holds(either, {"a": 1, "b": False}) is False
    assert holds({"Not": {"Variable": "$.type", "StringEquals": "Private"}}, {"type": "Public"}) is True


def test_recorded_choice_example() -> None:
    # Recorded from TestState (aws/test_test_state_scenarios/test_base_inspection_level_info__
    # BASE_CHOICE_STATE): input {"type":"Private","value":22} -> ValueInTwenties.
    choices = [
        {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
        {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
        {
            "And": [
                {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                {"Variable": "$.value", "NumericLessThan": 30},
            ],
            "Next": "ValueInTwenties",
        },
    ]
    result = run_choice(choice_state(choices, "DefaultState"), {"type": "Private", "value": 22})
    assert (result.status, result.next_state) == (Status.SUCCEEDED, "ValueInTwenties")


# --------------------------------------------------------------------------------------------
# Runtime failures


def _missing(text: str) -> tuple[str, str]:
    cause = f"Invalid path '{text}': The choice state's condition path references an invalid value."
    return ("States.Runtime", cause)


@pytest.mark.parametrize(
    ("definition", "value", "failure"),
    [
        ({"Variable": "$.missing", "NumericEquals": 1}, {}, _missing("$.missing")),
        ({"Variable": "$.missing", "IsNull": True}, {}, _missing("$.missing")),
        ({"Variable": "$.a.b", "StringEquals": "x"}, {"a": "text"}, _missing("$.a.b")),
        ({"Variable": "$.a[3]", "StringEquals": "x"}, {"a": [1]}, _missing("$.a[3]")),
        ({"Variable": "$.left", "NumericLessThanEqualsPath": "$.right"}, {"left": 8}, _missing("$.right")),
        ({"Variable": "$undefined", "StringEquals": "x"}, {}, _missing("$undefined")),
        ({"Not": {"Variable": "$.missing", "BooleanEquals": True}}, {}, _missing("$.missing")),
    ],
)
def test_missing_path_fails_the_state(
    definition: dict[str, Any], value: Any, failure: tuple[str, str]
) -> None:
    with pytest.raises(StatesError) as error:
        holds(definition, value)
    assert (error.value.error, error.value.cause) == failure


@pytest.mark.parametrize(
    ("variable", "value", "variables", "present"),
    [
        ("$.missing", {}, {}, False),
        ("$.here", {"here": None}, {}, True),
        ("$.a.b", {"a": 1}, {}, False),
        ("$var", {}, {}, False),
        ("$var", {}, {"var": None}, True),
        ("$var.x", {}, {"var": {"x": 1}}, True),
    ],
)
def test_is_present(variable: str, value: Any, variables: dict[str, Any], present: bool) -> None:
    assert holds({"Variable": variable, "IsPresent": True}, value, variables=variables) is present
    assert holds({"Variable": variable, "IsPresent": False}, value, variables=variables) is not present


def test_and_stops_at_the_first_false_operand() -> None:
    # The documented idiom: IsPresent first guards a comparison that would fail on a missing key.
    guarded = {
        "And": [
            {"Variable": "$.keyThatMightNotExist", "IsPresent": True},
            {"Variable": "$.keyThatMightNotExist", "StringEquals": "foo"},
        ]
    }
    assert holds(guarded, {}) is False
    assert holds(guarded, {"keyThatMightNotExist": "foo"}) is True
    shortcut = {"Or": [{"Variable": "$", "IsPresent": True}, {"Variable": "$.missing", "IsNull": True}]}
    assert holds(shortcut, {}) is True


def test_the_first_match_wins_then_default() -> None:
    choices = [
        {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
        {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Positive"},
        {"Variable": "$.missing", "IsNull": True, "Next": "NeverEvaluated"},
    ]
    state = choice_state(choices, "Default")
    assert run_choice(state, {"n": 11}).next_state == "Big"
    assert run_choice(state, {"n": 5}).next_state == "Positive"
    failed = run_choice(state, {"n": 0})  # the third rule is evaluated and fails
    assert (failed.status, failed.error) == (Status.FAILED, "States.Runtime")
    assert run_choice(choice_state(choices[:2], "Default"), {"n": 0}).next_state == "Default"


def test_no_match_without_default() -> None:
    state = choice_state([{"Variable": "$", "BooleanEquals": True, "Next": "Yes"}], None)
    result = run_choice(state, False)
    assert (result.status, result.error, result.cause) == (
        Status.FAILED,
        "States.NoChoiceMatched",
        NO_CHOICE_MATCHED_CAUSE,
    )


# --------------------------------------------------------------------------------------------
# JSONata rules


def jsonata_rule(condition: Any, **extra: Any) -> ChoiceRule:
    return compile_choice_rule(
        {"Condition": condition, "Next": "N", **extra},
        query_language="JSONata",
        pointer="/States/S/Choices[1]",
    )


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("{% $states.input.n = 1 %}", {"n": 1}, True),
        ("{% $states.input.n = 1 %}", {"n": 2}, False),
        ("{% $count($states.input.items) > 1 %}", {"items": [1, 2]}, True),
        ("{%$exists($states.input.x)%}", {}, False),
        (True, {}, True),
        (False, {}, False),
    ],
)
def test_jsonata_condition(condition: Any, value: Any, expected: bool) -> None:
    assert jsonata_rule(condition).matches(scope_of(value)) is expected


def test_jsonata_condition_reads_variables() -> None:
    assert jsonata_rule("{% $x = 'a' %}").matches(scope_of({}, variables={"x": "a"})) is True


def test_jsonata_condition_that_returns_nothing() -> None:
    # AWS, observed (floci-io/floci#2689): the field is named by the rule's index.
    with pytest.raises(StatesError) as error:
        jsonata_rule("{% $states.input.missing %}").matches(scope_of({}))
    assert error.value.error == "States.QueryEvaluationError"
    assert error.value.cause == (
        "The JSONata expression '$states.input.missing' specified for the field 'Choices[1]/Condition' "
        "returned nothing (undefined)."
    )


@pytest.mark.parametrize(
    ("result", "kind"),
    [("1", "number"), ("'yes'", "string"), ("[true]", "array"), ("{'a': true}", "object"), ("null", "null")],
)
def test_jsonata_condition_must_be_boolean(result: str, kind: str) -> None:
    # wording not recorded (see choice.JsonataCondition)
    with pytest.raises(StatesError) as error:
        jsonata_rule(f"{{% {result} %}}").matches(scope_of({}))
    assert error.value.error == "States.QueryEvaluationError"
    assert error.value.cause == (
        f"The JSONata expression '{result}' specified for the field 'Choices[1]/Condition' returned an "
        f"unexpected data type. Expected a boolean but got {kind}."
    )


def test_jsonata_condition_that_throws() -> None:
    with pytest.raises(StatesError) as error:
        jsonata_rule("{% $notAFunction() %}").matches(scope_of({}))
    assert error.value.error == "States.QueryEvaluationError"
    assert (error.value.cause or "").startswith(
        "The JSONata expression '$notAFunction()' specified for the field 'Choices[1]/Condition' "
        "threw an error during evaluation."
    )


def test_jsonata_rule_with_assign_and_output() -> None:
    # A rule's Assign and Output are compiled with the state (Choices[i]/Assign, .../Output) and
    # apply when the rule matches; the rule itself carries only its condition and Next.
    compiled = jsonata_rule(True, Assign={"x": "{% 1 %}"}, Output={"o": 1})
    assert compiled.next == "N"
    state = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [{"Condition": True, "Next": "N", "Assign": {"x": "{% 1 %}"}, "Output": {"o": 1}}],
    }
    result = run_choice(state, {})
    assert (result.status, result.output, result.next_state) == (Status.SUCCEEDED, {"o": 1}, "N")
    assert result.inspection["variables"] == {"x": 1}


# --------------------------------------------------------------------------------------------
# Static validation


P = "/States/S/Choices[0]"


def _case(definition: Any, detail: str, pointer: str = P, *, language: str = "JSONPath") -> Any:
    return pytest.param(definition, language, detail, pointer, id=detail[:60])


N = {"Next": "N"}
A_IS_NULL = {"Variable": "$.a", "IsNull": True}
NOT_REFERENCE = "Value is not a Reference Path: Reference path didn't start with '$'"
CONDITION_SHAPE = (
    "The field 'Condition' should be a boolean or a JSONata expression enclosed in '{%' and '%}'"
)
JSONATA_ONLY = (
    "The QueryLanguage is set to 'JSONPath', but field '{}' is only supported for the 'JSONata' QueryLanguage"
)
JSONPATH_ONLY = (
    "The QueryLanguage is set to 'JSONata', but field '{}' is only supported for the 'JSONPath' QueryLanguage"
)

VALIDATION_CASES = [
    # recorded (aws-cloudformation/cfn-lint#4077)
    _case({"Variable": "$", "StringMatches": "Test"}, "These fields are required: [Next]"),
    # recorded (aws-cloudformation/cfn-lint#4076)
    _case({"Variable": "Test", "StringMatches": "Test", **N}, NOT_REFERENCE, f"{P}/Variable"),
    _case({"Variable": "$.a", "StringEqualsPath": "b", **N}, NOT_REFERENCE, f"{P}/StringEqualsPath"),
    # "Value cannot be empty" is recorded for an empty Branches array
    _case({"And": [], **N}, "Value cannot be empty", f"{P}/And"),
    # the remaining wordings are not recorded; they follow AWS's style
    _case({"Variable": "$.a", "StringEquals": "x", **N, "Foo": 1}, "Field 'Foo' is not supported"),
    # nested operands carry no transition
    _case({"Not": {**A_IS_NULL, **N}, **N}, "Field 'Next' is not supported", f"{P}/Not"),
    _case({"Not": {**A_IS_NULL, "Assign": {}}, **N}, "Field 'Assign' is not supported", f"{P}/Not"),
    _case({"StringEquals": "x", **N}, "These fields are required: [Variable]"),
    _case(
        {"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, **N},
        "There should only be one of the following fields: [StringEquals, NumericEquals]",
    ),
    _case(
        {"And": [A_IS_NULL], "Not": A_IS_NULL, **N},
        "There should only be one of the following fields: [And, Not]",
    ),
    _case(
        {"Variable": "$.a", **N},
        "A Choice Rule must have exactly one comparison operator or one of [And, Or, Not]",
    ),
    _case({"Or": {}, **N}, "The field 'Or' should be an array", f"{P}/Or"),
    _case({"Not": [], **N}, "The field 'Not' should be an object", f"{P}/Not"),
    _case({"Not": A_IS_NULL, "Variable": "$.a", **N}, "Field 'Variable' is not supported"),
    _case({"And": [A_IS_NULL, {**A_IS_NULL, **N}], **N}, "Field 'Next' is not supported", f"{P}/And[1]"),
    _case(
        {"Not": {"Variable": "$.a", "NumericEquals": "1"}, **N},
        "The field 'NumericEquals' should be a number",
        f"{P}/Not/NumericEquals",
    ),
    _case(
        {"Variable": "$.a", "NumericEquals": True, **N},
        "The field 'NumericEquals' should be a number",
        f"{P}/NumericEquals",
    ),
    _case(
        {"Variable": "$.a", "StringEquals": 1, **N},
        "The field 'StringEquals' should be a string",
        f"{P}/StringEquals",
    ),
    _case(
        {"Variable": "$.a", "BooleanEquals": "true", **N},
        "The field 'BooleanEquals' should be a boolean",
        f"{P}/BooleanEquals",
    ),
    _case({"Variable": "$.a", "IsNull": 1, **N}, "The field 'IsNull' should be a boolean", f"{P}/IsNull"),
    _case(
        {"Variable": "$.a", "StringMatches": 1, **N},
        "The field 'StringMatches' should be a string",
        f"{P}/StringMatches",
    ),
    _case(
        {"Variable": "$.a", "TimestampEquals": "2016-03-14", **N},
        "The field 'TimestampEquals' should be a timestamp (e.g. 2016-03-14T01:59:00Z)",
        f"{P}/TimestampEquals",
    ),
    _case(
        {"Variable": "$.a", "NumericEqualsPath": 1, **N},
        "Value is not a Reference Path: expected a string but got number",
        f"{P}/NumericEqualsPath",
    ),
    _case(
        {"Variable": "$.items[*]", "IsNull": True, **N},
        "Value is not a Reference Path: '$.items[*]' may select more than one value",
        f"{P}/Variable",
    ),
    _case(
        {"Variable": "$.a", "StringEquals": "x", "Next": 1},
        "The field 'Next' should be a non-empty string",
        f"{P}/Next",
    ),
    _case({**A_IS_NULL, "Condition": True, **N}, JSONATA_ONLY.format("Condition")),
    _case({**A_IS_NULL, "Output": {}, **N}, JSONATA_ONLY.format("Output")),
    _case({"Condition": True, "Variable": "$.a", **N}, JSONPATH_ONLY.format("Variable"), language="JSONata"),
    _case({"Condition": True, "And": [], **N}, JSONPATH_ONLY.format("And"), language="JSONata"),
    _case(N, "These fields are required: [Condition]", language="JSONata"),
    _case({"Condition": True}, "These fields are required: [Next]", language="JSONata"),
    _case({"Condition": "$states.input.x", **N}, CONDITION_SHAPE, f"{P}/Condition", language="JSONata"),
    _case({"Condition": 1, **N}, CONDITION_SHAPE, f"{P}/Condition", language="JSONata"),
    _case("not an object", "Expected an object but got string"),
    _case({"And": [1], **N}, "Expected an object but got number", f"{P}/And[0]"),
]


@pytest.mark.parametrize(("definition", "language", "detail", "pointer"), VALIDATION_CASES)
def test_validation(definition: Any, language: str, detail: str, pointer: str) -> None:
    with pytest.raises(DefinitionError) as error:
        compile_choice_rule(definition, query_language=language, pointer=P)
    assert error.value.code == "SCHEMA_VALIDATION_FAILED"
    assert (error.value.detail, error.value.pointer) == (detail, pointer)


def test_invalid_jsonata_is_a_definition_error_at_the_condition() -> None:
    with pytest.raises(DefinitionError) as error:
        jsonata_rule("{% $states.input.( %}")
    assert error.value.pointer == "/States/S/Choices[1]/Condition"


def test_invalid_jsonpath_is_a_definition_error_at_the_field() -> None:
    with pytest.raises(DefinitionError) as error:
        rule({"Variable": "$.a[", "IsNull": True, "Next": "N"})
    assert error.value.pointer == f"{P}/Variable"
    assert error.value.detail.startswith("Value is not a Reference Path: ")


def test_nesting_is_bounded() -> None:
    deep: dict[str, Any] = {"Variable": "$", "IsNull": True}
    for _ in range(MAX_NESTING):
        deep = {"Not": deep}
    assert holds(deep, None) is (MAX_NESTING % 2 == 0)
    with pytest.raises(DefinitionError):
        rule({"Not": deep, "Next": "N"})
    very_deep: dict[str, Any] = {"Variable": "$", "IsNull": True}
    for _ in range(5000):
        very_deep = {"Not": very_deep}
    with pytest.raises(DefinitionError):
        rule({**very_deep, "Next": "N"})


def test_comment_is_allowed_at_every_level() -> None:
    compiled = rule({"Comment": "c", "Not": {"Comment": "d", "Variable": "$", "IsNull": True}, "Next": "N"})
    assert compiled.matches(scope_of(1)) is True


def test_compiled_rules_are_immutable_values() -> None:
    compiled = rule({"Variable": "$.a", "NumericEquals": 1, "Next": "N"})
    with pytest.raises(AttributeError):
        compiled.next = "Other"  # type: ignore[misc]
    value = {"a": 1}
    assert compiled.matches(scope_of(value)) is True
    assert value == {"a": 1}


# --------------------------------------------------------------------------------------------
# Robustness: only ASLError escapes, on any rule and any input

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
    | st.sampled_from(["$", "$.a", "$$.b", "$x", "{% 1 %}", "{% true %}", "2016-03-14T01:59:00Z"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    definition=st.dictionaries(
        st.sampled_from(["Variable", "Next", "And", "Or", "Not", "Comment", "Condition", *sorted(OPERATORS)]),
        json_values,
        max_size=4,
    ),
    value=json_values,
    language=st.sampled_from(["JSONPath", "JSONata"]),
)
def test_only_asl_errors_escape(definition: dict[str, Any], value: Any, language: str) -> None:
    try:
        compiled = compile_choice_rule(definition, query_language=language, pointer=P)
        assert isinstance(compiled.matches(scope_of(value)), bool)
    except ASLError:
        pass


def test_timestamp_operators_compare_at_nanosecond_precision() -> None:
    rule = compile_choice_rule(
        {"Variable": "$.t", "TimestampGreaterThan": "2016-08-18T17:33:00Z", "Next": "Later"},
        query_language="JSONPath",
        pointer="/States/S/Choices[0]",
    )
    assert rule.matches(scope_of({"t": "2016-08-18T17:33:00.000000001Z"}))
    assert not rule.matches(scope_of({"t": "2016-08-18T17:33:00.000Z"}))
