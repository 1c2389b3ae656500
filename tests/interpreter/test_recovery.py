"""Retry and Catch: the decision table (recovery.py) and what run_state reports for it."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter import (
    Mock,
    MockError,
    StateConfiguration,
    Status,
    TestResult,
    World,
    load_definition,
    run_state,
)
from interpreter.definition.model import Catcher, Retrier
from interpreter.states.recovery import MAX_REPORTED_SECONDS, Decision, backoff_seconds, decide, error_matches

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
LAMBDA = "arn:aws:states:::lambda:invoke"


def retrier(*errors: str, **fields: Any) -> Retrier:
    return Retrier(error_equals=errors, **fields)


def catcher(*errors: str, next: str = "Handler") -> Catcher:
    return Catcher(error_equals=errors, next=next)


# --- matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error_equals, error, matches",
    [
        (["MockException"], "MockException", True),
        (["MockException"], "mockexception", False),  # names are case-sensitive
        (["A", "B"], "B", True),
        (["States.ALL"], "Anything", True),
        (["States.ALL"], "States.Timeout", True),
        # Recorded executions: States.ALL caught States.DataLimitExceeded (the guide says otherwise).
        (["States.ALL"], "States.DataLimitExceeded", True),
        # AWS guide: States.ALL won't catch States.Runtime; recorded: not even by its own name.
        (["States.ALL"], "States.Runtime", False),
        (["States.Runtime"], "States.Runtime", False),
        (["States.TaskFailed"], "States.Runtime", False),
        # ASL appendix A: States.TaskFailed matches any known error name except States.Timeout.
        (["States.TaskFailed"], "States.TaskFailed", True),
        (["States.TaskFailed"], "Lambda.ServiceException", True),
        (["States.TaskFailed"], "States.HeartbeatTimeout", True),
        (["States.TaskFailed"], "States.Timeout", False),
        (["States.Timeout"], "States.Timeout", True),
    ],
)
def test_error_matches(error_equals: list[str], error: str, matches: bool) -> None:
    assert error_matches(error_equals, error) is matches


# --- backoff -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, count, seconds",
    [
        ({"interval_seconds": 1, "backoff_rate": 2.0}, 4, 16),  # recorded
        ({}, 0, 1),  # recorded: the ASL defaults
        ({"interval_seconds": 2, "backoff_rate": 2.0}, 0, 2),  # AWS sample
        ({"interval_seconds": 2, "backoff_rate": 2.0}, 1, 4),  # AWS sample
        ({"interval_seconds": 3, "backoff_rate": 1.0}, 7, 3),
        ({"interval_seconds": 1, "backoff_rate": 1.5}, 1, 1),  # 1.5 truncated
        ({"interval_seconds": 1, "backoff_rate": 1.5}, 2, 2),  # 2.25 truncated
        ({"interval_seconds": 1, "backoff_rate": 2.0, "max_delay_seconds": 10}, 5, 10),
        ({"interval_seconds": 1, "backoff_rate": 2.0, "max_delay_seconds": 100}, 5, 32),
        # FULL jitter reports the un-jittered upper bound (deterministic, documented choice).
        ({"interval_seconds": 1, "backoff_rate": 2.0, "jitter_strategy": "FULL"}, 3, 8),
        # A huge exponent saturates like a Java (int) conversion instead of overflowing.
        ({"interval_seconds": 1, "backoff_rate": 2.0}, 10**9, MAX_REPORTED_SECONDS),
        ({"interval_seconds": 99999999, "backoff_rate": 2.0}, 40, MAX_REPORTED_SECONDS),
        ({"interval_seconds": 1, "backoff_rate": 2.0, "max_delay_seconds": 7}, 10**9, 7),
    ],
)
def test_backoff_seconds(fields: dict[str, Any], count: int, seconds: int) -> None:
    assert backoff_seconds(retrier("E", **fields), count) == seconds


# --- the decision table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "retriers, catchers, error, count, expected",
    [
        ((), (), "E", 0, Decision()),
        (
            (retrier("E", max_attempts=5, interval_seconds=1, backoff_rate=2.0),),
            (),
            "E",
            4,
            Decision(retry_index=0, backoff=16),
        ),
        ((retrier("E", max_attempts=5),), (), "E", 5, Decision(retry_index=0)),  # recorded
        ((retrier("E", max_attempts=0),), (catcher("E"),), "E", 0, Decision(retry_index=0, catch_index=0)),
        # the first matching retrier decides, even when exhausted; later ones are not consulted
        ((retrier("E", max_attempts=1), retrier("States.ALL")), (), "E", 1, Decision(retry_index=0)),
        (
            (retrier("Other"), retrier("E", interval_seconds=2)),
            (),
            "E",
            0,
            Decision(retry_index=1, backoff=2),
        ),
        # retriers before catchers (recorded for Map: Retry wins over Catch)
        ((retrier("E"),), (catcher("E"),), "E", 0, Decision(retry_index=0, backoff=1)),
        (
            (),
            (catcher("MockException"), catcher("States.TaskFailed")),
            "MockException",
            0,
            Decision(catch_index=0),
        ),
        (
            (),
            (catcher("MockException"), catcher("States.TaskFailed")),
            "States.TaskFailed",
            0,
            Decision(catch_index=1),
        ),
        ((), (catcher("A"), catcher("States.ALL")), "B", 0, Decision(catch_index=1)),
        ((retrier("States.ALL"),), (catcher("States.ALL"),), "States.Runtime", 0, Decision()),
    ],
)
def test_decide(
    retriers: tuple[Retrier, ...], catchers: tuple[Catcher, ...], error: str, count: int, expected: Decision
) -> None:
    assert decide(retriers, catchers, error, count) == expected


@pytest.mark.parametrize(
    "decision, details",
    [
        (Decision(), {}),
        (Decision(retry_index=0, backoff=16), {"retryIndex": 0, "retryBackoffIntervalSeconds": 16}),
        (Decision(retry_index=2), {"retryIndex": 2}),
        (Decision(catch_index=1), {"catchIndex": 1}),
        (Decision(retry_index=0, catch_index=0), {"retryIndex": 0, "catchIndex": 0}),
    ],
)
def test_error_details(decision: Decision, details: dict[str, int]) -> None:
    assert decision.details() == details


# --- through run_state -------------------------------------------------------------------------


def run(
    definition: dict[str, Any],
    input: Any,
    mock: Mock,
    *,
    retry_count: int = 0,
    variables: dict[str, Any] | None = None,
) -> TestResult:
    loaded = load_definition(json.dumps(definition), None)
    return run_state(
        loaded,
        input=input,
        context={"State": {"Name": "StateName"}},
        variables=variables or {},
        world=World(now=NOW, rng=random.Random(1)),
        mock=mock,
        config=StateConfiguration(retrier_retry_count=retry_count),
    )


def task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}


ERROR = Mock(error=MockError("MockException", "Mock the cause of the error."))
RETRY = [{"ErrorEquals": ["MockException"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}]


def test_retriable_has_no_output_and_reports_the_backoff() -> None:
    result = run(task(Retry=RETRY), {"a": 1}, ERROR, retry_count=4)
    assert (result.status, result.error, result.cause, result.next_state) == (
        Status.RETRIABLE,
        "MockException",
        "Mock the cause of the error.",
        None,
    )
    assert result.output_text is None
    assert result.inspection["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 16}


def test_exhausted_retrier_without_catcher_fails_and_names_the_retrier() -> None:
    result = run(task(Retry=RETRY), {"a": 1}, ERROR, retry_count=5)
    assert result.status is Status.FAILED
    assert result.inspection["errorDetails"] == {"retryIndex": 0}


def test_no_matching_handler_fails_without_error_details() -> None:
    result = run(task(Retry=[{"ErrorEquals": ["Other"]}]), {}, ERROR)
    assert result.status is Status.FAILED
    assert "errorDetails" not in result.inspection


@pytest.mark.parametrize(
    "catch_fields, output",
    [
        ({}, {"Error": "MockException", "Cause": "Mock the cause of the error."}),
        (
            {"ResultPath": "$.error"},
            {"a": 1, "error": {"Error": "MockException", "Cause": "Mock the cause of the error."}},
        ),
        ({"ResultPath": None}, {"a": 1}),
    ],
)
def test_jsonpath_catcher_result_path(catch_fields: dict[str, Any], output: Any) -> None:
    # The state's InputPath and OutputPath do not shape a catcher's output: ResultPath works on
    # the raw state input.
    definition = task(
        InputPath="$.a",
        OutputPath="$.nothing",
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handler", **catch_fields}],
    )
    result = run(definition, {"a": 1}, ERROR)
    assert (result.status, result.output, result.next_state) == (Status.CAUGHT_ERROR, output, "Handler")
    assert result.error == "MockException"
    assert result.inspection["errorDetails"] == {"catchIndex": 0}


def test_jsonpath_catcher_assign_sees_the_error_output_as_dollar() -> None:
    definition = task(
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H", "Assign": {"why.$": "$.Cause"}}],
        Assign={"never": 1},
    )
    result = run(definition, {}, ERROR, variables={"kept": True})
    assert result.inspection["variables"] == {"kept": True, "why": "Mock the cause of the error."}


def test_jsonata_catcher_output_and_assign_read_states_error_output() -> None:
    definition = task(
        QueryLanguage="JSONata",
        Assign={"never": 1},
        Catch=[
            {
                "ErrorEquals": ["MockException"],
                "Next": "HandleMockError",
                "Output": "{% {'in': $states.input, 'err': $states.errorOutput.Error} %}",
                "Assign": {"cause": "{% $states.errorOutput.Cause %}"},
            }
        ],
    )
    result = run(definition, {"v": 1}, ERROR)
    assert result.status is Status.CAUGHT_ERROR
    assert result.output == {"in": {"v": 1}, "err": "MockException"}
    assert result.next_state == "HandleMockError"
    assert result.inspection["variables"] == {"cause": "Mock the cause of the error."}


def test_jsonata_catcher_without_output_passes_the_error_output() -> None:
    definition = task(QueryLanguage="JSONata", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H"}])
    result = run(definition, {"v": 1}, Mock(error=MockError("E")))
    assert result.output == {"Error": "E"}  # no cause given: no Cause member (not recorded; ours)


def test_catcher_that_fails_itself_fails_the_state_with_its_own_error() -> None:
    definition = task(
        QueryLanguage="JSONata",
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H", "Output": "{% $error('boom') %}"}],
    )
    result = run(definition, {}, ERROR)
    assert result.status is Status.FAILED
    assert result.error == "States.QueryEvaluationError"
    assert result.inspection["errorDetails"] == {"catchIndex": 0}


def test_retry_wins_over_catch_until_exhausted() -> None:
    definition = task(
        Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "IntervalSeconds": 2}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H"}],
    )
    statuses = [run(definition, {}, ERROR, retry_count=count) for count in range(4)]
    assert [r.status for r in statuses] == [Status.RETRIABLE] * 3 + [Status.CAUGHT_ERROR]
    assert [r.inspection["errorDetails"].get("retryBackoffIntervalSeconds") for r in statuses] == [
        2,
        4,
        8,
        None,
    ]
    assert statuses[3].inspection["errorDetails"] == {"retryIndex": 0, "catchIndex": 0}


def test_data_flow_errors_go_through_catch() -> None:
    # A failing intrinsic in Parameters raises States.IntrinsicFailure: caught like a mocked error.
    definition = task(
        Parameters={"x.$": "States.ArrayGetItem($.list, 5)"},
        Catch=[{"ErrorEquals": ["States.IntrinsicFailure"], "Next": "H"}],
    )
    result = run(definition, {"list": [1]}, Mock(result={}))
    assert (result.status, result.error, result.next_state) == (
        Status.CAUGHT_ERROR,
        "States.IntrinsicFailure",
        "H",
    )


def test_states_runtime_is_never_caught() -> None:
    # Recorded (derived test_catch_states_runtime): a Catch on States.Runtime does not catch it.
    definition = task(
        OutputPath="$.no.such.result.path",
        Retry=[{"ErrorEquals": ["States.ALL"]}],
        Catch=[{"ErrorEquals": ["States.Runtime"], "Next": "H"}],
    )
    result = run(definition, {}, Mock(result={}))
    assert (result.status, result.error) == (Status.FAILED, "States.Runtime")
    assert result.cause == "Invalid path '$.no.such.result.path' : Missing property in path $['no']"
    assert "errorDetails" not in result.inspection


def test_data_limit_exceeded_output_is_caught_by_states_all() -> None:
    definition = task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H", "ResultPath": "$.error"}])
    result = run(definition, {"small": True}, Mock(result="x" * 300_000))
    assert (result.status, result.error, result.next_state) == (
        Status.CAUGHT_ERROR,
        "States.DataLimitExceeded",
        "H",
    )
    assert result.output["small"] is True


@pytest.mark.parametrize(
    "fields, input, error",
    [
        ({"TimeoutSecondsPath": "$.t"}, {"t": 5}, None),
        ({"TimeoutSecondsPath": "$.t"}, {}, "States.Runtime"),
        ({"TimeoutSecondsPath": "$.t"}, {"t": "5"}, "States.Runtime"),
        ({"HeartbeatSecondsPath": "$.t"}, {"t": 0}, "States.Runtime"),
        ({"HeartbeatSecondsPath": "$.t"}, {"t": -1}, "States.Runtime"),
        ({"Credentials": {"RoleArn.$": "$.role"}}, {"role": "arn:aws:iam::1:role/r"}, None),
        ({"Credentials": {"RoleArn.$": "$.role"}}, {"role": 5}, "States.Runtime"),
        ({"Credentials": {"RoleArn.$": "$.role"}}, {}, "States.Runtime"),
        ({"QueryLanguage": "JSONata", "TimeoutSeconds": "{% $states.input.t %}"}, {"t": 3}, None),
        (
            {"QueryLanguage": "JSONata", "TimeoutSeconds": "{% $states.input.t %}"},
            {"t": 0},
            "States.QueryEvaluationError",
        ),
        (
            {"QueryLanguage": "JSONata", "Credentials": {"RoleArn": "{% $states.input.r %}"}},
            {"r": "arn"},
            None,
        ),
    ],
)
def test_task_timeouts_and_credentials_are_evaluated(
    fields: dict[str, Any], input: Any, error: str | None
) -> None:
    result = run(task(**fields), input, Mock(result={"ok": True}))
    assert result.error == error
    assert result.status is (Status.SUCCEEDED if error is None else Status.FAILED)


def test_task_timeout_path_reads_the_input_after_input_path() -> None:
    result = run(task(InputPath="$.inner", TimeoutSecondsPath="$.t"), {"inner": {"t": 5}}, Mock(result={}))
    assert result.status is Status.SUCCEEDED


# --- payload quota on amplified values ---------------------------------------------------------

LIMIT_CAUSE = "The state/task 'StateName' returned a result with a size exceeding the maximum number of bytes service limit."


@pytest.mark.parametrize(
    "definition",
    [
        # 2,000 references to one 200-byte object: 400 KB of text from a 200-byte input.
        {
            "Type": "Pass",
            "Parameters": {f"k{i}.$": "$" for i in range(2000)},
            "ResultPath": None,
            "End": True,
        },
        {
            "Type": "Pass",
            "Parameters": {"a.$": "States.Array(" + ", ".join(["$"] * 2000) + ")"},
            "OutputPath": "$.none",
            "End": True,
        },
        {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% [1..2000].($states.input) %}",
            "End": True,
        },
        {"Type": "Pass", "Assign": {f"v{i}.$": "$" for i in range(2000)}, "End": True},
    ],
    ids=["parameters-discarded-by-result-path", "intrinsic-then-output-path", "jsonata-output", "assign"],
)
def test_values_amplified_past_the_quota_fail_before_they_are_encoded(definition: dict[str, Any]) -> None:
    # Each would have put 400 KB into the output or the inspection data.
    result = run_state(
        load_definition(json.dumps(definition), None),
        input={"blob": "x" * 190},
        context={},
        variables={},
        world=World(now=NOW, rng=random.Random(1)),
    )
    assert (result.status, result.error) == (Status.FAILED, "States.DataLimitExceeded")
    assert "variables" in result.cause or result.cause == LIMIT_CAUSE


def test_a_billion_byte_value_is_refused_without_building_it() -> None:
    # Parameters and ResultSelector of 2,000 references each: the result alone would be 500 KB,
    # and nothing is encoded before the quota check refuses it.
    inner = {f"k{i}.$": "$" for i in range(2000)}
    definition = {
        "Type": "Task",
        "Resource": LAMBDA,
        "End": True,
        "Parameters": inner,
        "ResultSelector": {f"r{i}.$": "$" for i in range(2000)},
    }
    result = run(definition, {"blob": "x" * 250}, Mock(result={"blob": "y" * 250}))
    assert (result.status, result.error) == (Status.FAILED, "States.DataLimitExceeded")


def test_the_quota_check_is_caught_like_any_error() -> None:
    definition = task(
        ResultSelector={f"r{i}.$": "$" for i in range(2000)},
        Catch=[{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Big", "ResultPath": "$.error"}],
    )
    result = run(definition, {"small": 1}, Mock(result={"blob": "y" * 250}))
    assert (result.status, result.next_state) == (Status.CAUGHT_ERROR, "Big")
    assert result.output == {"small": 1, "error": {"Error": "States.DataLimitExceeded", "Cause": LIMIT_CAUSE}}
    assert "afterResultSelector" not in result.inspection  # never recorded: it was over the quota
