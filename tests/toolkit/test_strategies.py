"""The Hypothesis strategies users import (teststate/toolkit/strategies.py), checked by running what
they generate through the TestState operation in process (request validation, STRICT mock
validation and the interpreter, as a boto3 call would reach them).

The coverage tests run the strategy as a user's test would (``@given``, Hypothesis's default 100
examples, 50 seeds and a derandomized run) and collect the ``nextState`` of every example: a
10-rule Choice state must reach all of its 11 branches every time, in JSONPath and in JSONata.
That holds by construction, not by luck: the strategy solves every branch when it is built (an
input the interpreter confirms takes it) and each solved input is a leaf of Hypothesis's tree of
choices, which it generates once and then never again, so they come among the first examples
(teststate/toolkit/steering.py, `documents`). The tests also check that every run generated every
solved input, so a branch reached only by a drawn example does not hide a broken construction.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from interpreter import loads
from interpreter.jsontypes import ABSENT
from interpreter.states.choice_operators import OPERATORS, OperandKind
from teststate.errors import ValidationException
from teststate.operations import test_state as operations
from teststate.toolkit.jsonata_reads import read_jsonata_state
from teststate.toolkit.jsonpath_reads import read_jsonpath_state
from teststate.toolkit.reads import (
    TYPE_HINTS,
    AllOf,
    AnyOf,
    Branch,
    Condition,
    Constant,
    Field,
    FieldTest,
    Negation,
    StateReads,
    conditions_in,
)
from teststate.toolkit.steering import Documents, lookup, place, solve
from teststate.toolkit.strategies import (
    MAX_PAYLOAD_BYTES,
    StrategyError,
    json_objects,
    json_values,
    mock_results,
    mocked_errors,
    state_inputs,
    test_state_requests,
)
from teststate.validation.mock_result import validate_mock_result
from teststate.validation.request import load_test_state_request

# As a user's suite runs them: Hypothesis's default number of examples, whatever profile another
# directory of this suite loaded.
HUNDRED = settings(
    max_examples=100, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FEW = settings(max_examples=25, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SWEEP = range(50)  # seeds of the coverage tests


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The TestState answer to a request dict (what ``client.test_state(**request)`` returns)."""
    return operations.test_state(load_test_state_request(request), region="us-east-1")


def reached(strategy: st.SearchStrategy[dict[str, Any]], *, derandomize: bool, run_seed: int) -> Counter[str]:
    """The next states (or errors) of the examples of one 100-example run."""
    return reached_with_inputs(strategy, derandomize=derandomize, run_seed=run_seed)[0]


def reached_with_inputs(
    strategy: st.SearchStrategy[dict[str, Any]], *, derandomize: bool, run_seed: int
) -> tuple[Counter[str], set[str]]:
    """As `reached`, with the set of inputs the run generated (as JSON text)."""
    seen: Counter[str] = Counter()
    inputs: set[str] = set()

    @seed(run_seed)
    @settings(HUNDRED, derandomize=derandomize)
    @given(request=strategy)
    def run(request: dict[str, Any]) -> None:
        inputs.add(json.dumps(json.loads(request["input"])))
        result = answer(request)
        seen[result.get("nextState") or result.get("error") or result["status"]] += 1

    run()
    return seen, inputs


# --------------------------------------------------------------------------------------------
# A 10-rule Choice state reaches every branch
# --------------------------------------------------------------------------------------------
JSONPATH_CHOICE: dict[str, Any] = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "InputPath": "$.detail",
            "Choices": [
                {"Variable": "$.order.status", "StringEquals": "PAID", "Next": "Paid"},
                {"Variable": "$.order.total", "NumericGreaterThan": 100, "Next": "Large"},
                {"Variable": "$.customer.vip", "BooleanEquals": True, "Next": "Vip"},
                {"Variable": "$.coupon", "IsPresent": True, "Next": "Coupon"},
                {"Variable": "$.note", "IsNull": True, "Next": "NullNote"},
                {"Variable": "$.shipAt", "TimestampLessThan": "2024-01-01T00:00:00Z", "Next": "Late"},
                {
                    "And": [
                        {"Variable": "$.order.total", "NumericGreaterThanEquals": 50},
                        {"Variable": "$.order.currency", "StringEquals": "EUR"},
                    ],
                    "Next": "EuroMedium",
                },
                {
                    "Or": [
                        {"Variable": "$.region", "StringMatches": "eu-*"},
                        {"Variable": "$.order.total", "NumericLessThan": 0},
                    ],
                    "Next": "EuOrRefund",
                },
                {"Not": {"Variable": "$.order.status", "StringEquals": "NEW"}, "Next": "NotNew"},
                {"Variable": "$.order.items", "IsPresent": False, "Next": "NoItems"},
            ],
            "Default": "Other",
        },
        **{
            name: {"Type": "Succeed"}
            for name in (
                "Paid",
                "Large",
                "Vip",
                "Coupon",
                "NullNote",
                "Late",
                "EuroMedium",
                "EuOrRefund",
                "NotNew",
                "NoItems",
                "Other",
            )
        },
    },
}
JSONPATH_BRANCHES = {rule["Next"] for rule in JSONPATH_CHOICE["States"]["Route"]["Choices"]} | {"Other"}

JSONATA_CHOICE: dict[str, Any] = {
    "Type": "Choice",
    "QueryLanguage": "JSONata",
    "Choices": [
        {"Condition": "{% $states.input.order.status = 'PAID' %}", "Next": "Paid"},
        {"Condition": "{% $states.input.order.total > 100 %}", "Next": "Large"},
        {
            "Condition": "{% $states.input.vip = true and $states.input.order.total >= 50 %}",
            "Next": "VipMedium",
        },
        {"Condition": "{% $exists($states.input.coupon) %}", "Next": "Coupon"},
        {
            "Condition": "{% $states.input.region in ['eu-west-1', 'eu-central-1'] or $states.input.order.total < 0 %}",
            "Next": "EuOrRefund",
        },
        {"Condition": "{% $not($states.input.active) %}", "Next": "Inactive"},
        {"Condition": "{% $type($states.input.note) = 'null' %}", "Next": "NullNote"},
        {"Condition": "{% $count($states.input.order.items) > 2 %}", "Next": "ManyItems"},
        {"Condition": "{% $contains($states.input.name, 'bot') %}", "Next": "Bot"},
        {"Condition": "{% $states.input.shipAt < '2024-01-01' and $limit >= 3 %}", "Next": "LateWithLimit"},
    ],
    "Default": "Other",
}
JSONATA_BRANCHES = {rule["Next"] for rule in JSONATA_CHOICE["Choices"]} | {"Other"}


CHOICES: dict[str, tuple[dict[str, Any], str | None, set[str]]] = {
    "JSONPath": (JSONPATH_CHOICE, "Route", JSONPATH_BRANCHES),
    "JSONata": (JSONATA_CHOICE, None, JSONATA_BRANCHES),
}


def choice_reads(definition: dict[str, Any], state_name: str | None = None) -> StateReads:
    """What a Choice state reads: its rules as the strategies model them."""
    state = definition if state_name is None else definition["States"][state_name]
    return (
        read_jsonata_state(state) if state.get("QueryLanguage") == "JSONata" else read_jsonpath_state(state)
    )


def request_for(definition: dict[str, Any], state_name: str | None, docs: Documents) -> dict[str, Any]:
    request = {"definition": json.dumps(definition), "input": json.dumps(docs.input)}
    if state_name is not None:
        request["stateName"] = state_name
    if docs.variables:
        request["variables"] = json.dumps(docs.variables)
    return request


def solved_inputs_or_none(
    definition: dict[str, Any], state_name: str | None = None
) -> list[Documents | None]:
    """The solved input of every branch of a Choice state (None: not found), each confirmed by
    the TestState operation rather than the interpreter the strategies call."""

    def check(docs: Documents, branch: Branch) -> bool:
        result = answer(request_for(definition, state_name, docs))
        return bool(result.get("nextState", result.get("error")) == (branch.next or "States.NoChoiceMatched"))

    reads = choice_reads(definition, state_name)
    return [solve(reads, index, check) for index in range(len(reads.branches))]


def solved_inputs(definition: dict[str, Any], state_name: str | None) -> list[Documents]:
    """The solved input of every branch (each must have one)."""
    found = solved_inputs_or_none(definition, state_name)
    assert all(docs is not None for docs in found), found
    return [docs for docs in found if docs is not None]


@pytest.mark.parametrize("language", sorted(CHOICES))
def test_a_10_rule_choice_reaches_every_branch_in_100_examples_for_every_seed(language: str) -> None:
    definition, state_name, branches = CHOICES[language]
    assert len(branches) == 11
    strategy = test_state_requests(definition, state_name=state_name)
    solved = [json.dumps(docs.input) for docs in solved_inputs(definition, state_name)]
    missed: dict[int, set[str]] = {}
    unsolved: dict[int, int] = {}
    for run_seed in SWEEP:
        seen, inputs = reached_with_inputs(strategy, derandomize=False, run_seed=run_seed)
        if set(seen) != branches:
            missed[run_seed] = branches - set(seen)
        if not set(solved) <= inputs:
            unsolved[run_seed] = len(set(solved) - inputs)
    assert not missed, f"runs missing branches: {missed}"
    assert not unsolved, f"runs without every solved input: {unsolved}"


@pytest.mark.parametrize("language", sorted(CHOICES))
def test_a_10_rule_choice_reaches_every_branch_derandomized(language: str) -> None:
    definition, state_name, branches = CHOICES[language]
    seen = reached(test_state_requests(definition, state_name=state_name), derandomize=True, run_seed=0)
    assert set(seen) == branches, seen


@pytest.mark.parametrize("language", sorted(CHOICES))
def test_every_solved_input_takes_its_branch_through_the_operation(language: str) -> None:
    definition, state_name, _ = CHOICES[language]
    reads = choice_reads(definition, state_name)
    for branch, docs in zip(reads.branches, solved_inputs(definition, state_name), strict=True):
        assert answer(request_for(definition, state_name, docs)).get("nextState") == branch.next, (
            branch,
            docs,
        )


def every_operator_choice() -> dict[str, Any]:
    """A JSONPath Choice with a rule for every comparison operator (the type tests both ways, the
    ``*Path`` variants against a second field), then rules that share fields so that each needs
    the earlier ones false on the same value: nested And/Or/Not and a StringMatches with an
    escaped star."""
    literals = {
        OperandKind.STRING: "m",
        OperandKind.NUMBER: 5,
        OperandKind.TIMESTAMP: "2024-01-01T00:00:00Z",
        OperandKind.BOOLEAN: True,
        OperandKind.PATTERN: "a*b\\*c*",
    }
    rules: list[dict[str, Any]] = []
    for number, (operator, (kind, _)) in enumerate(OPERATORS.items()):
        if kind is OperandKind.TYPE_TEST:
            rules += [
                {"Variable": f"$.f{number}{flag}", operator: flag, "Next": f"{operator}{flag}"}
                for flag in (True, False)
            ]
        elif kind is OperandKind.PATH:
            rules.append({"Variable": f"$.f{number}", operator: f"$.g{number}", "Next": operator})
        else:
            rules.append({"Variable": f"$.f{number}", operator: literals[kind], "Next": operator})
    rules += [
        {"Variable": "$.n", "NumericEquals": 5, "Next": "N5"},
        {"Variable": "$.n", "NumericLessThan": 5, "Next": "NBelow5"},
        {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "NAbove10"},
        {"Not": {"Variable": "$.n", "NumericLessThan": 7}, "Next": "N7To10"},
        {
            "And": [
                {"Variable": "$.s", "StringGreaterThan": "b"},
                {
                    "Or": [
                        {"Variable": "$.s", "StringLessThan": "c"},
                        {"Variable": "$.t", "TimestampEqualsPath": "$.u"},
                    ]
                },
            ],
            "Next": "Nested",
        },
        {"Variable": "$.s", "StringMatches": "*z", "Next": "EndsWithZ"},
    ]
    return {"Type": "Choice", "Choices": rules, "Default": "Other"}


JSONATA_FORMS = [
    "$states.input.a = 'x'",
    "$states.input.a != 'x'",
    "$states.input.b < 3",
    "$states.input.b <= 3",
    "$states.input.c > 'm'",
    "$states.input.c >= 'm'",
    "$states.input.d in [1, 2, 'z']",
    "3 < $states.input.e",
    "$states.input.f = $states.input.g",
    "$states.input.h < $x",
    "$exists($states.input.i)",
    "$not($exists($states.input.j))",
    "$boolean($states.input.k)",
    "$not($states.input.l)",
    "$states.input.m",
    "$contains($states.input.n, 'needle')",
    "$count($states.input.o) = 0",
    "$length($states.input.p) > 3",
    "$type($states.input.q) = 'array'",
    "$lowercase($states.input.r) = 'abc'",
    "$uppercase($states.input.s) = 'ABC'",
    "$states.input.t = true and ($states.input.u > 1 or $not($states.input.v = 'w'))",
    "$states.input.num = 5",
    "$states.input.num < 5",
    "$states.input.num > 10",
    "$states.input.num >= 7",
    "$sum($states.input.w) > 10",  # not modelled: solved through its literal and the check
]
JSONATA_FORMS_CHOICE = {
    "Type": "Choice",
    "QueryLanguage": "JSONata",
    "Choices": [
        {"Condition": f"{{% {form} %}}", "Next": f"Rule{index}"} for index, form in enumerate(JSONATA_FORMS)
    ],
    "Default": "Other",
}


@pytest.mark.parametrize(
    "definition", [every_operator_choice(), JSONATA_FORMS_CHOICE], ids=["JSONPath", "JSONata"]
)
def test_every_rule_form_is_solved_with_the_earlier_rules_false(definition: dict[str, Any]) -> None:
    reads = choice_reads(definition)
    solved = solved_inputs_or_none(definition)
    assert len(solved) == len(definition["Choices"]) + 1
    assert not [branch.next for branch, docs in zip(reads.branches, solved, strict=True) if docs is None]
    for branch, docs in zip(reads.branches, solved, strict=True):
        assert docs is not None
        assert answer(request_for(definition, None, docs)).get("nextState") == branch.next, (
            branch.next,
            docs,
        )


def test_a_branch_no_input_reaches_has_no_solved_input() -> None:
    # A rule shadowed by an earlier one; a Default after rules that cover every input.
    definition = {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.n", "IsPresent": False, "Next": "Missing"},
            {"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"},
            {"Variable": "$.n", "NumericGreaterThan": 2, "Next": "Shadowed"},
            {"Variable": "$.n", "IsPresent": True, "Next": "Present"},
        ],
        "Default": "Never",
    }
    found = {
        branch.next: docs
        for branch, docs in zip(
            choice_reads(definition).branches, solved_inputs_or_none(definition), strict=True
        )
    }
    assert {name for name, docs in found.items() if docs is None} == {"Shadowed", "Never"}
    seen = reached(test_state_requests(definition), derandomize=True, run_seed=0)
    assert set(seen) == {"Big", "Missing", "Present"}


@pytest.mark.parametrize("index", range(len(JSONATA_CHOICE["Choices"])))
def test_the_jsonata_condition_model_agrees_with_the_interpreter(index: int) -> None:
    # Each rule's condition as the strategies model it (the tests on fields, and/or, $not ...),
    # against the interpreter, for the hints and a value of every type (or nothing) in each field:
    # the model steers the inputs, the interpreter has the last word.
    rule = JSONATA_CHOICE["Choices"][index]
    condition = read_jsonata_state({"Type": "Choice", "Choices": [rule]}).branches[0].condition
    assert condition is not None
    tests = [node for node in conditions_in(condition) if isinstance(node, FieldTest)]
    candidates: dict[Field, list[Any]] = {}
    for test in tests:
        candidates.setdefault(test.field, [*TYPE_HINTS, ABSENT]).extend(test.hints)
    state = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [{**rule, "Next": "Yes"}],
        "Default": "No",
    }

    @settings(FEW, max_examples=60)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        chosen = {
            field: data.draw(st.sampled_from(values), label=str(field))
            for field, values in candidates.items()
        }
        document: Any = {}
        variables: Any = {}
        for field, value in sorted(chosen.items(), key=lambda item: len(item[0].steps)):
            if value is ABSENT:
                continue
            if field.root == "input":
                document = place(document, field.steps, value)
            else:
                variables = place(variables, field.steps, value)
        expected = _model(
            condition, lambda field: lookup(document if field.root == "input" else variables, field.steps)
        )
        request = {
            "definition": json.dumps(state),
            "input": json.dumps(document),
            "variables": json.dumps(variables),
        }
        result = answer(request)
        outcome = result.get("nextState", result.get("error"))
        assert outcome == {True: "Yes", False: "No", None: "States.QueryEvaluationError"}[expected]

    run()


def _model(condition: Condition, value_of: Callable[[Field], Any]) -> bool | None:
    """A condition tree's outcome by the model (None: the evaluation fails)."""
    if isinstance(condition, FieldTest):
        return condition.outcome(value_of(condition.field))
    if isinstance(condition, (AllOf, AnyOf)):
        stop = isinstance(condition, AnyOf)  # Or stops at the first true operand, And at the first false
        for operand in condition.operands:
            outcome = _model(operand, value_of)
            if outcome is None or outcome is stop:
                return outcome
        return not stop
    if isinstance(condition, Negation):
        outcome = _model(condition.operand, value_of)
        return None if outcome is None else not outcome
    assert isinstance(condition, Constant), condition
    return condition.value


@pytest.mark.parametrize("branch", sorted(JSONPATH_BRANCHES))
def test_next_state_steers_every_example_to_that_branch(branch: str) -> None:
    @settings(FEW, max_examples=10)
    @given(request=test_state_requests(JSONPATH_CHOICE, state_name="Route", next_state=branch))
    def run(request: dict[str, Any]) -> None:
        assert answer(request)["nextState"] == branch

    run()


def test_a_choice_without_default_also_gets_inputs_that_match_nothing() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "One"}],
    }
    seen = reached(test_state_requests(choice), derandomize=True, run_seed=0)
    assert set(seen) == {"One", "States.NoChoiceMatched"}


def test_path_operators_compare_two_fields() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.a", "NumericLessThanPath": "$.b", "Next": "Less"},
            {"Variable": "$.c", "StringEqualsPath": "$.d", "Next": "Same"},
        ],
        "Default": "Other",
    }
    seen = reached(test_state_requests(choice), derandomize=True, run_seed=0)
    assert set(seen) == {"Less", "Same", "Other"}


def test_state_inputs_are_the_inputs_of_the_requests() -> None:
    @settings(FEW)
    @given(value=state_inputs(JSONPATH_CHOICE, state_name="Route"))
    def run(value: Any) -> None:
        # The Choice reads below InputPath: every input has the object it selects.
        assert isinstance(value, dict) and isinstance(value["detail"], dict)

    run()


# --------------------------------------------------------------------------------------------
# Inputs shaped by what other states read
# --------------------------------------------------------------------------------------------
SHAPED_STATES: dict[str, dict[str, Any]] = {
    "pass with paths and intrinsics": {
        "Type": "Pass",
        "InputPath": "$.payload",
        "Parameters": {
            "id.$": "$.order.id",
            "greeting.$": "States.Format('Hello {} from {}', $.customer.name, $.customer.city)",
            "parsed.$": "States.StringToJson($.raw)",
            "first.$": "States.ArrayGetItem($.items, 0)",
            "merged.$": "States.JsonMerge($.left, $.right, false)",
            "sum.$": "States.MathAdd($.a, $.b)",
        },
        "End": True,
    },
    "wait with SecondsPath": {"Type": "Wait", "SecondsPath": "$.delay.seconds", "End": True},
    "wait with TimestampPath": {
        "Type": "Wait",
        "TimestampPath": "$.until",
        "OutputPath": "$.keep",
        "End": True,
    },
    "fail with ErrorPath and CausePath": {
        "Type": "Fail",
        "ErrorPath": "$.error.code",
        "CausePath": "$.error.text",
    },
    "jsonata pass reading the input": {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Output": {
            "total": "{% $sum($states.input.prices) * $states.input.rate %}",
            "name": "{% $uppercase($states.input.user.name) %}",
            "when": "{% $toMillis($states.input.at) %}",
        },
        "End": True,
    },
    "jsonata wait": {
        "Type": "Wait",
        "QueryLanguage": "JSONata",
        "Seconds": "{% $states.input.wait %}",
        "End": True,
    },
}


@pytest.mark.parametrize("name", sorted(SHAPED_STATES))
def test_inputs_have_what_the_state_reads(name: str) -> None:
    state = SHAPED_STATES[name]

    @settings(FEW)
    @given(request=test_state_requests(state))
    def run(request: dict[str, Any]) -> None:
        result = answer(request)
        if state["Type"] == "Fail":
            assert result["status"] == "FAILED" and result["error"] != "States.Runtime", result
        else:
            assert result["status"] == "SUCCEEDED", result

    run()


TASK_MACHINE = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload": {"amount.$": "$.order.total"}},
            "TimeoutSecondsPath": "$.limits.timeout",
            "ResultSelector": {"receipt.$": "$.Payload.receipt.id", "code.$": "$.StatusCode"},
            "ResultPath": "$.charge",
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["Payment.Declined"], "Next": "Declined"}],
            "Next": "Done",
        },
        "Declined": {"Type": "Fail"},
        "Done": {"Type": "Succeed"},
    },
}


def test_task_results_have_what_result_selector_reads() -> None:
    # StatusCode is optional in Lambda's output shape and Payload holds any JSON: the strategy
    # adds both where the state reads them, and the result still passes STRICT validation.
    @settings(FEW)
    @given(request=test_state_requests(TASK_MACHINE, state_name="Charge", errors=False))
    def run(request: dict[str, Any]) -> None:
        result = answer(request)
        assert result["status"] == "SUCCEEDED", result
        assert result["nextState"] == "Done"

    run()


def test_task_requests_mock_errors_the_state_handles_or_not() -> None:
    handled = test_state_requests(TASK_MACHINE, state_name="Charge", errors=True, matching=True)
    unhandled = test_state_requests(TASK_MACHINE, state_name="Charge", errors=True, matching=False)

    @settings(FEW)
    @given(request=handled, other=unhandled)
    def run(request: dict[str, Any], other: dict[str, Any]) -> None:
        assert answer(request)["status"] in ("RETRIABLE", "CAUGHT_ERROR")
        assert answer(other)["status"] == "FAILED"

    run()


def test_jsonata_task_and_map_and_parallel_requests_run() -> None:
    machine = {
        "StartAt": "Fetch",
        "QueryLanguage": "JSONata",
        "States": {
            "Fetch": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Arguments": {"TableName": "orders", "Key": {"id": {"S": "{% $states.input.orderId %}"}}},
                "Output": "{% $states.result.Item %}",
                "Next": "Each",
            },
            "Each": {
                "Type": "Map",
                "Items": "{% $states.input.lines %}",
                "ItemProcessor": {"StartAt": "Line", "States": {"Line": {"Type": "Pass", "End": True}}},
                "Next": "Both",
            },
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
                ],
                "End": True,
            },
        },
    }
    for name in ("Fetch", "Each", "Both"):

        @settings(FEW, max_examples=15)
        @given(request=test_state_requests(machine, state_name=name, errors=False))
        def run(request: dict[str, Any]) -> None:
            assert answer(request)["status"] == "SUCCEEDED"

        run()


# --------------------------------------------------------------------------------------------
# Mock results pass STRICT validation
# --------------------------------------------------------------------------------------------
RESOURCES = (
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::sqs:sendMessage",
    "arn:aws:states:::dynamodb:getItem",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::dynamodb:updateItem",
    "arn:aws:states:::sns:publish",
    "arn:aws:states:::events:putEvents",
    "arn:aws:states:::states:startExecution",
    "arn:aws:states:::states:startExecution.sync",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:states:::batch:submitJob",
    "arn:aws:states:::athena:getQueryResults",
    "arn:aws:states:::aws-sdk:s3:getObject",
    "arn:aws:states:::aws-sdk:s3:listObjectsV2",
    "arn:aws:states:::aws-sdk:dynamodb:query",
    "arn:aws:states:::aws-sdk:sfn:describeExecution",
    "arn:aws:states:::aws-sdk:ec2:describeInstances",
)


@pytest.mark.parametrize("resource", RESOURCES)
def test_mock_results_pass_strict_validation(resource: str) -> None:
    task = {"Type": "Task", "Resource": resource, "End": True}

    @settings(FEW)
    @given(result=mock_results(resource))
    def run(result: Any) -> None:
        validate_mock_result(resource, result, "STRICT")  # raises ValidationException otherwise
        answered = answer({"definition": json.dumps(task), "mock": {"result": json.dumps(result)}})
        assert answered["status"] == "SUCCEEDED"
        assert loads(answered["output"]) == result

    run()


@pytest.mark.parametrize("mode", ["PRESENT", "NONE"])
def test_mock_results_for_the_lenient_modes(mode: str) -> None:
    resource = "arn:aws:states:::aws-sdk:sfn:describeExecution"

    @settings(FEW)
    @given(result=mock_results(resource, mode=mode))
    def run(result: Any) -> None:
        validate_mock_result(resource, result, mode)

    run()


def test_strict_mock_results_have_every_required_member() -> None:
    resource = "arn:aws:states:::states:startExecution.sync"  # DescribeExecution: 4 required members

    @settings(FEW)
    @given(result=mock_results(resource))
    def run(result: Any) -> None:
        assert {"ExecutionArn", "StateMachineArn", "Status", "StartDate"} <= set(result)
        assert result["Status"] in (
            "RUNNING",
            "SUCCEEDED",
            "FAILED",
            "TIMED_OUT",
            "ABORTED",
            "PENDING_REDRIVE",
        )
        assert result["StartDate"].endswith("Z")  # a timestamp looks like one

    run()


def test_dynamodb_items_hold_one_type_descriptor_per_attribute() -> None:
    def attributes(value: Any) -> list[Any]:
        found = []
        if isinstance(value, dict):
            for item in value.get("Item", {}).values():
                found.append(item)
        return found

    @settings(FEW)
    @given(result=mock_results("arn:aws:states:::dynamodb:getItem"))
    def run(result: Any) -> None:
        for attribute in attributes(result):
            assert len(attribute) == 1, attribute  # AttributeValue is a union: S, N, M, L ...
            if "N" in attribute:
                float(attribute["N"])  # DynamoDB numbers travel as decimal text

    run()


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:charge",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:us-east-1:123456789012:activity:review",
    ],
)
def test_resources_without_a_model_get_any_json(resource: str) -> None:
    task = {"Type": "Task", "Resource": resource, "End": True}

    @settings(FEW, max_examples=10)
    @given(result=mock_results(resource))
    def run(result: Any) -> None:
        answered = answer({"definition": json.dumps(task), "mock": {"result": json.dumps(result)}})
        assert answered["status"] == "SUCCEEDED"

    run()


def test_an_unknown_validation_mode_is_a_strategy_error() -> None:
    with pytest.raises(StrategyError):
        mock_results("arn:aws:states:::lambda:invoke", mode="LENIENT")


def test_a_broken_mock_result_is_rejected_so_the_check_above_means_something() -> None:
    with pytest.raises(ValidationException):
        validate_mock_result("arn:aws:states:::lambda:invoke", {"StatusCode": "200"}, "STRICT")


# --------------------------------------------------------------------------------------------
# Mocked errors match Retry/Catch as asked
# --------------------------------------------------------------------------------------------
HANDLER_STATES: dict[str, dict[str, Any]] = {
    "names": {
        "Retry": [{"ErrorEquals": ["Custom.Retryable", "States.Timeout"], "MaxAttempts": 2}],
        "Catch": [{"ErrorEquals": ["Custom.Fatal"], "Next": "Handle"}],
    },
    "task failed wildcard": {
        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1}],
    },
    "all wildcard caught": {
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
    },
    "retrier without attempts before a catcher": {
        "Retry": [{"ErrorEquals": ["Custom.A"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"]}],
        "Catch": [{"ErrorEquals": ["Custom.B", "Lambda.ServiceException"], "Next": "Handle"}],
    },
}


def _task(handlers: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, **handlers}


@pytest.mark.parametrize("name", sorted(HANDLER_STATES))
@pytest.mark.parametrize("matching", [True, False])
def test_mocked_errors_match_or_not_as_asked(name: str, matching: bool) -> None:
    task = _task(HANDLER_STATES[name])

    @settings(FEW)
    @given(error=mocked_errors(task, matching=matching))
    def run(error: dict[str, str]) -> None:
        assert set(error) == {"error", "cause"}
        status = answer({"definition": json.dumps(task), "mock": {"errorOutput": error}})["status"]
        assert (status in ("RETRIABLE", "CAUGHT_ERROR")) is matching, (error, status)

    run()


def test_mocked_errors_of_both_kinds_by_default() -> None:
    task = _task(HANDLER_STATES["names"])
    statuses: Counter[str] = Counter()

    @settings(HUNDRED, max_examples=60, derandomize=True)
    @given(error=mocked_errors(json.dumps(task)))
    def run(error: dict[str, str]) -> None:
        request = {"definition": json.dumps(task), "mock": {"errorOutput": error}}
        statuses[answer(request)["status"]] += 1

    run()
    assert {"RETRIABLE", "FAILED"} <= set(statuses)


def test_no_handled_error_exists_for_a_state_without_handlers() -> None:
    with pytest.raises(StrategyError, match="No error is retried or caught"):
        mocked_errors(_task({}), matching=True)

    @settings(FEW, max_examples=10)
    @given(error=mocked_errors(_task({}), matching=False))
    def run(error: dict[str, str]) -> None:
        request = {"definition": json.dumps(_task({})), "mock": {"errorOutput": error}}
        assert answer(request)["status"] == "FAILED"

    run()


def test_a_later_retry_count_makes_exhausted_retriers_fall_through() -> None:
    task = _task({"Retry": [{"ErrorEquals": ["Custom.Retryable"], "MaxAttempts": 1}]})

    @settings(FEW, max_examples=10)
    @given(error=mocked_errors(task, matching=False, retry_count=1))
    def run(error: dict[str, str]) -> None:
        request = {
            "definition": json.dumps(task),
            "mock": {"errorOutput": error},
            "stateConfiguration": {"retrierRetryCount": 1},
        }
        assert answer(request)["status"] == "FAILED"

    run()


# --------------------------------------------------------------------------------------------
# JSON values and misuse
# --------------------------------------------------------------------------------------------
def _depth(value: Any) -> int:
    if isinstance(value, (list, dict)):
        items = value.values() if isinstance(value, dict) else value
        return 1 + max(map(_depth, items), default=0)
    return 0


@settings(HUNDRED)
@given(value=json_values(max_depth=3), document=json_objects())
def test_json_values_stay_within_what_step_functions_carries(value: Any, document: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)  # no NaN/Infinity
    assert len(text.encode("utf-8")) <= MAX_PAYLOAD_BYTES
    assert loads(text) == value  # the service's own parser reads it back
    assert _depth(value) <= 3
    assert isinstance(document, dict)


@settings(FEW)
@given(value=json_values(exact_numbers=True))
def test_exact_numbers_are_doubles(value: Any) -> None:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, int) and not isinstance(item, bool):
            assert abs(item) <= 2**53
        elif isinstance(item, (list, dict)):
            pending.extend(item.values() if isinstance(item, dict) else item)


def test_misuse_is_a_strategy_error() -> None:
    with pytest.raises(StrategyError, match="not valid"):
        state_inputs({"Type": "Nope"})
    with pytest.raises(StrategyError, match="no state named"):
        state_inputs(JSONPATH_CHOICE, state_name="Missing")
    with pytest.raises(StrategyError, match="goes to"):
        state_inputs(JSONPATH_CHOICE, state_name="Route", next_state="Nowhere")
    with pytest.raises(StrategyError, match="only for a Choice"):
        state_inputs({"Type": "Pass", "End": True}, next_state="X")
    assert issubclass(StrategyError, ValueError)
