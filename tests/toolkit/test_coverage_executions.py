"""Coverage of executions: what a history covered, read by the recorder through a real boto3 client.

A workflow whose expected coverage is known (a Choice whose rules share a ``Next`` and read a
variable, a Task with two Retry and two Catch entries, an inline Map) runs three executions
that take different paths, in process (`teststate.app.create_app` with a mock configuration),
and the recorded coverage is checked item by item, merged with a TestState call of the same
definition. Executions that cannot be read (still running, EXPRESS, an endpoint gone) are
listed, never an error. Every history recorded against AWS in the executions corpus is walked
too: each state entered is found, and nothing is left unattributed. Last, ``pytest
--teststate-coverage`` over a small test file that runs executions through ``sfn``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

import teststate.app
import teststate.toolkit.pytest_plugin
from teststate.toolkit.client import inprocess_client, route_to_app
from teststate.toolkit.coverage import CoverageRecorder, summary_lines
from teststate.toolkit.coverage_history import observe_history
from teststate.toolkit.coverage_json import coverage_from_json, coverage_to_json
from teststate.toolkit.coverage_model import (
    CatchEntry,
    ChoiceBranch,
    CoverageData,
    DefinitionCoverage,
    Observed,
    RetryEntry,
    Transition,
)
from teststate.toolkit.coverage_report import write_html_report

pytest_plugins = ["pytester"]

ROLE = "arn:aws:iam::123456789012:role/coverage"
CORPUS = Path(__file__).resolve().parents[1] / "conformance" / "corpus" / "executions"

WORKFLOW: dict[str, Any] = {
    "Comment": "execution coverage",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Assign": {"mode.$": "$.mode"}, "Next": "Route"},
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$mode", "StringEquals": "fast", "Next": "Work"},
                {"Variable": "$.kind", "StringEquals": "work", "Next": "Work"},
                {"Variable": "$.kind", "StringEquals": "many", "Next": "Fan"},
            ],
            "Default": "Done",
        },
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "work", "Payload.$": "$"},
            "Retry": [
                {"ErrorEquals": ["Busy"], "MaxAttempts": 2, "IntervalSeconds": 1},
                {"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1},
            ],
            "Catch": [
                {"ErrorEquals": ["Boom"], "Next": "Recover"},
                {"ErrorEquals": ["States.ALL"], "Next": "Fallback"},
            ],
            "Next": "Done",
        },
        "Recover": {"Type": "Pass", "Next": "Done"},
        "Fallback": {"Type": "Pass", "Next": "Done"},
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
DEFINITION = json.dumps(WORKFLOW)

WAITER = json.dumps(
    {
        "StartAt": "Wait for me",
        "States": {
            "Wait for me": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                    "MessageBody.$": "$$.Task.Token",
                },
                "End": True,
            }
        },
    }
)

MOCK_CONFIG: dict[str, Any] = {
    "StateMachines": {
        "coverage": {"TestCases": {"Ok": {"Work": "Worked"}, "Flaky": {"Work": "BusyThenBoom"}}},
    },
    "MockedResponses": {
        "Worked": {"0": {"Return": {"StatusCode": 200, "Payload": {"done": True}}}},
        "BusyThenBoom": {
            "0": {"Throw": {"Error": "Busy", "Cause": "try again"}},
            "1": {"Throw": {"Error": "Boom", "Cause": "broken"}},
        },
    },
}

# (test case, input): the three paths.
RUNS: list[tuple[str, dict[str, Any]]] = [
    ("Flaky", {"kind": "work", "mode": "slow"}),  # rule 1 (rule 0 reads the variable: false)
    ("Ok", {"kind": "other", "mode": "fast"}),  # rule 0, by the variable alone
    ("Ok", {"kind": "many", "mode": "slow", "items": [1, 2]}),  # rule 2, the Map
]

EXPECTED = Observed(
    executions=3,
    states=frozenset({"Prepare", "Route", "Work", "Recover", "Fan", "Inner", "Done"}),
    choice_branches=frozenset({ChoiceBranch("Route", 0), ChoiceBranch("Route", 1), ChoiceBranch("Route", 2)}),
    retries=frozenset({RetryEntry("Work", 0)}),
    catches=frozenset({CatchEntry("Work", 0)}),
    transitions=frozenset(
        {
            Transition("Prepare", "Route"),
            Transition("Route", "Work"),
            Transition("Route", "Fan"),
            Transition("Work", "Recover", caught=True),
            Transition("Work", "Done"),
            Transition("Recover", "Done"),
            Transition("Fan", "Done"),
            Transition("Inner", None),
            Transition("Done", None),
        }
    ),
)


def _wait_ended(client: Any, arn: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        status = str(client.describe_execution(executionArn=arn)["status"])
        if status != "RUNNING" or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


@pytest.fixture
def app(tmp_path: Path) -> Any:
    mock = tmp_path / "mock.json"
    mock.write_text(json.dumps(MOCK_CONFIG), encoding="utf-8")
    return teststate.app.create_app(
        config={"TESTSTATE_MOCK_CONFIG": str(mock), "TESTSTATE_DATA_DIR": str(tmp_path / "data")}
    )


@pytest.fixture
def recorded(app: Any) -> Iterator[tuple[CoverageRecorder, Any, str]]:
    """The three executions, each read when the test's DescribeExecution sees it ended."""
    client = inprocess_client(app=app)
    recorder = CoverageRecorder()
    recorder.attach(client)
    machine = client.create_state_machine(name="coverage", definition=DEFINITION, roleArn=ROLE)[
        "stateMachineArn"
    ]
    for case, document in RUNS:
        started = client.start_execution(stateMachineArn=f"{machine}#{case}", input=json.dumps(document))
        assert _wait_ended(client, started["executionArn"]) == "SUCCEEDED"
    yield recorder, client, machine


def test_executions_cover_exactly_the_paths_they_took(recorded: tuple[CoverageRecorder, Any, str]) -> None:
    recorder, _, _ = recorded
    data = recorder.data()
    assert data.unread == ()
    (coverage,) = data.definitions
    assert coverage.observed == EXPECTED
    assert summary_lines(data) == [
        "TestState coverage: 1 definition(s), 0 call(s), 3 execution(s)",
        f"[1] {coverage.digest} execution coverage: states 7/8, Choice branches 3/4, Retry 1/2, Catch 1/2, "
        "transitions 9/12",
        "    missed states: Fallback",
        "    missed Choice branches: Route Default -> Done",
        "    missed Retry: Work Retry[1] [States.Timeout]",
        "    missed Catch: Work Catch[1] [States.ALL] -> Fallback",
        "    missed transitions: Route -> Done; Work -(catch)-> Fallback; Fallback -> Done",
        "total: states 7/8, Choice branches 3/4, Retry 1/2, Catch 1/2, transitions 9/12",
    ]


def test_the_recorder_does_not_record_its_own_reads(recorded: tuple[CoverageRecorder, Any, str]) -> None:
    recorder, client, machine = recorded
    before = recorder.data()
    # The test's own history and description calls record nothing more.
    arn = client.list_executions(stateMachineArn=machine)["executions"][0]["executionArn"]
    client.get_execution_history(executionArn=arn)
    client.describe_execution(executionArn=arn)
    assert recorder.data() == before


def test_testState_calls_of_the_same_definition_merge(recorded: tuple[CoverageRecorder, Any, str]) -> None:
    recorder, client, _ = recorded
    # The same definition, laid out differently: one definition, its Default covered by TestState.
    client.test_state(
        definition=json.dumps(WORKFLOW, indent=2, sort_keys=True),
        stateName="Route",
        input=json.dumps({"kind": "none"}),
        variables=json.dumps({"mode": "slow"}),
    )
    (coverage,) = recorder.data().definitions
    assert (coverage.observed.calls, coverage.observed.executions) == (1, 3)
    assert ChoiceBranch("Route", None) in coverage.observed.choice_branches
    assert Transition("Route", "Done") in coverage.observed.transitions


def test_json_round_trip_keeps_executions_and_unread(recorded: tuple[CoverageRecorder, Any, str]) -> None:
    recorder, client, _ = recorded
    express = client.create_state_machine(
        name="express",
        definition=WAITER.replace(".waitForTaskToken", ""),
        roleArn=ROLE,
        type="EXPRESS",
    )["stateMachineArn"]
    client.start_sync_execution(stateMachineArn=express, input="{}")
    data = recorder.data()
    assert [item.reason for item in data.unread] == [
        "not read: an EXPRESS execution keeps no history (AWS logs it to CloudWatch Logs only)"
    ]
    assert coverage_from_json(json.loads(json.dumps(coverage_to_json(data)))) == data


def test_unreadable_executions_are_listed_not_raised(app: Any) -> None:
    client = inprocess_client(app=app)
    recorder = CoverageRecorder()
    recorder.attach(client)
    machine = client.create_state_machine(name="waiter", definition=WAITER, roleArn=ROLE)["stateMachineArn"]
    waiting = client.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    assert _wait_ended(client, waiting) == "RUNNING"  # it waits for a task token
    data = recorder.data()
    assert data.definitions == ()
    assert [(item.execution_arn, item.reason) for item in data.unread] == [
        (waiting, "not read: still running when the coverage was taken")
    ]
    assert summary_lines(data)[-3:] == [
        "1 execution(s) not read:",
        f"    {waiting}: not read: still running when the coverage was taken",
        "total: states 0/0, Choice branches 0/0, Retry 0/0, Catch 0/0, transitions 0/0",
    ]
    # Stopped, it has ended: the next look reads it (the Task ran, no way out was taken).
    client.stop_execution(executionArn=waiting)
    (coverage,) = recorder.data().definitions
    assert coverage.observed == Observed(executions=1, states=frozenset({"Wait for me"}))

    # A second one, whose endpoint is gone before the session ends.
    other = client.start_execution(stateMachineArn=machine, input="{}")["executionArn"]

    def gone(environ: Any, start_response: Any) -> Any:
        raise ConnectionRefusedError("the endpoint is gone")

    route_to_app(client, gone)
    unread = {item.execution_arn: item.reason for item in recorder.data().unread}
    assert unread == {other: "not read: DescribeExecution failed: the endpoint is gone"}


# --------------------------------------------------------------------------------------------
# Histories recorded against AWS


def _as_returned(value: Any) -> Any:
    """A corpus history as GetExecutionHistory returns it: the corpus stores JSON texts parsed."""
    if isinstance(value, list):
        return [_as_returned(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("input", "output") and not isinstance(item, str):
            out[key] = json.dumps(item)
        elif key == "assignedVariables" and isinstance(item, dict):
            out[key] = {
                name: text if isinstance(text, str) else json.dumps(text) for name, text in item.items()
            }
        else:
            out[key] = _as_returned(item)
    return out


def _corpus_case(relative: str) -> tuple[str, Sequence[Mapping[str, Any]]]:
    case = json.loads((CORPUS / relative).read_text(encoding="utf-8"))
    return case["definition"], _as_returned(case["expect"]["history"]["events"])


def _observe(definition: str, events: Sequence[Mapping[str, Any]]) -> Observed:
    return observe_history(definition, DefinitionCoverage.of(definition, single_state=False).outline, events)


def test_every_recorded_aws_history_is_read_whole() -> None:
    cases = sorted(CORPUS.glob("*/*.json"))
    read = 0
    for path in cases:
        case = json.loads(path.read_text(encoding="utf-8"))
        history = case.get("expect", {}).get("history")
        if not history:
            continue  # StartSyncExecution cases: no history
        definition, events = case["definition"], _as_returned(history["events"])
        observed = _observe(definition, events)
        entered = {
            e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")
        }
        declared = set(DefinitionCoverage.of(definition, single_state=False).outline.transitions)
        where = path.relative_to(CORPUS)
        assert observed.states == entered, where
        assert observed.transitions <= declared, where
        assert observed.unattributed == 0, where
        read += 1
    assert read >= 490


@pytest.mark.parametrize(
    ("relative", "retries", "catches"),
    [
        # A Fail state in the iteration raises HandleItemFailError: the third retrier matches it.
        (
            "test_base_scenarios/test_map_state_retry_multiple_retriers.json",
            {RetryEntry("MapState", 2)},
            set(),
        ),
        # Lambda's "Exception": not Lambda.Unknown; States.TaskFailed (the second catcher) matches.
        ("test_task_lambda/test_raise_exception_catch.json", set(), {CatchEntry("Start", 1)}),
        ("test_base_scenarios/test_map_state_catch.json", set(), {CatchEntry("MapState", 0)}),
        (
            "test_error_output/test_task_catch_error_with_retry__TASK_CATCH_ERROR_OUTPUT_WITH_RETRY.json",
            {RetryEntry("Task", 0)},
            {CatchEntry("Task", 0)},
        ),
    ],
)
def test_recorded_retries_and_catches(
    relative: str, retries: set[RetryEntry], catches: set[CatchEntry]
) -> None:
    observed = _observe(*_corpus_case(relative))
    assert (set(observed.retries), set(observed.catches)) == (retries, catches)


def test_interleaved_iterations_keep_their_own_transitions() -> None:
    """Two Map iterations whose events interleave (as AWS's concurrent ones do): each Entered
    follows its own iteration's Exited, never the other's."""
    definition = json.dumps(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "A",
                        "States": {
                            "A": {
                                "Type": "Choice",
                                "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "B"}],
                                "Default": "C",
                            },
                            "B": {"Type": "Pass", "End": True},
                            "C": {"Type": "Pass", "End": True},
                        },
                    },
                    "End": True,
                }
            },
        }
    )

    def state(id_: int, prev: int, kind: str, name: str, text: str = "1") -> dict[str, Any]:
        member = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
        value = {"name": name, "input" if kind.endswith("Entered") else "output": text}
        return {"id": id_, "previousEventId": prev, "type": kind, member: value}

    def iteration(id_: int, prev: int, kind: str, index: int) -> dict[str, Any]:
        member = kind[0].lower() + kind[1:] + "EventDetails"
        return {"id": id_, "previousEventId": prev, "type": kind, member: {"name": "M", "index": index}}

    events = [
        {"id": 1, "previousEventId": 0, "type": "ExecutionStarted"},
        state(2, 0, "MapStateEntered", "M", "[1,2]"),
        {"id": 3, "previousEventId": 2, "type": "MapStateStarted"},
        iteration(4, 3, "MapIterationStarted", 0),
        iteration(5, 3, "MapIterationStarted", 1),
        state(6, 4, "ChoiceStateEntered", "A", "1"),
        state(7, 5, "ChoiceStateEntered", "A", "2"),
        state(8, 6, "ChoiceStateExited", "A", "1"),
        state(9, 7, "ChoiceStateExited", "A", "2"),
        state(10, 9, "PassStateEntered", "C", "2"),
        state(11, 8, "PassStateEntered", "B", "1"),
        state(12, 10, "PassStateExited", "C", "2"),
        state(13, 11, "PassStateExited", "B", "1"),
        iteration(14, 12, "MapIterationSucceeded", 1),
        iteration(15, 13, "MapIterationSucceeded", 0),
        {"id": 16, "previousEventId": 15, "type": "MapStateSucceeded"},
        state(17, 15, "MapStateExited", "M", "[1,2]"),
        {"id": 18, "previousEventId": 17, "type": "ExecutionSucceeded"},
    ]
    observed = _observe(definition, events)
    assert observed.transitions == {
        Transition("A", "B"),
        Transition("A", "C"),
        Transition("B", None),
        Transition("C", None),
        Transition("M", None),
    }
    assert observed.choice_branches == {ChoiceBranch("A", 0), ChoiceBranch("A", None)}
    assert observed.unattributed == 0


# --------------------------------------------------------------------------------------------
# The plugin, as a user runs it

USER_TESTS = """
import json, time

DEFINITION = json.dumps(%(definition)s)
MOCKS = %(mocks)s


def run(sfn, machine, case, document):
    arn = sfn.start_execution(stateMachineArn=machine + "#" + case, input=json.dumps(document))["executionArn"]
    for _ in range(1500):
        answer = sfn.describe_execution(executionArn=arn)
        if answer["status"] != "RUNNING":
            return answer["status"]
        time.sleep(0.02)


def test_paths(sfn, teststate_mock_config):
    teststate_mock_config(MOCKS)
    machine = sfn.create_state_machine(
        name="coverage", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    assert run(sfn, machine, "Flaky", {"kind": "work", "mode": "slow"}) == "SUCCEEDED"
    assert run(sfn, machine, "Ok", {"kind": "many", "mode": "slow", "items": [1]}) == "SUCCEEDED"


def test_one_state(sfn):
    answer = sfn.test_state(definition=DEFINITION, stateName="Route", input='{"kind": "x"}', variables='{"mode": "slow"}')
    assert answer["nextState"] == "Done"
"""


def test_pytest_teststate_coverage_over_executions(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_workflow=USER_TESTS % {"definition": repr(WORKFLOW), "mocks": repr(MOCK_CONFIG)})
    # Without the pytest11 entry point installed, the plugin is loaded with -p.
    plugin = teststate.toolkit.pytest_plugin.__name__
    installed = any(entry.value == plugin for entry in entry_points(group="pytest11"))
    args = (*(() if installed else ("-p", plugin)), "-W", "ignore::pytest.PytestAssertRewriteWarning")
    result = pytester.runpytest_subprocess(*args, "-p", "no:cacheprovider", "--teststate-coverage")
    result.assert_outcomes(passed=2)
    digest = DefinitionCoverage.of(DEFINITION, single_state=False).digest
    result.stdout.fnmatch_lines(
        [
            "*TestState coverage*",
            "TestState coverage: 1 definition(s), 1 call(s), 2 execution(s)",
            f"[1] {digest} execution coverage: states 7/8, Choice branches 3/4, Retry 1/2, Catch 1/2, transitions 9/12",
            "    missed states: Fallback",
            "    missed Choice branches: Route rule 0 -> Work",
            "    missed Retry: Work Retry[1] [States.Timeout]",
            "    missed Catch: Work Catch[1] [States.ALL] -> Fallback",
            "    missed transitions: Work -> Done; Work -(catch)-> Fallback; Fallback -> Done",
            "total: states 7/8, Choice branches 3/4, Retry 1/2, Catch 1/2, transitions 9/12",
        ]
    )
    result.stdout.no_fnmatch_line("*not read*")


def test_empty_data_summary() -> None:
    assert summary_lines(CoverageData()) == [
        "TestState coverage: no TestState call or execution was recorded"
    ]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (Debian: graphviz)")
def test_the_html_report_shows_executions(
    recorded: tuple[CoverageRecorder, Any, str], tmp_path: Path
) -> None:
    recorder, client, _ = recorded
    express = client.create_state_machine(
        name="express", definition=WAITER.replace(".waitForTaskToken", ""), roleArn=ROLE, type="EXPRESS"
    )["stateMachineArn"]
    sync = client.start_sync_execution(stateMachineArn=express, input="{}")["executionArn"]
    page = write_html_report(recorder.data(), tmp_path).read_text(encoding="utf-8")
    assert "1 definition(s), 0 recorded TestState call(s), 3 execution(s) read;" in page
    assert "<th>calls</th><th>executions</th>" in page
    assert '<td class="count">0</td><td class="count">3</td>' in page
    assert f'<ul class="unread" id="unread"><li><span class="arn">{sync}</span>: not read: an EXPRESS' in page
    assert 'class="node state missed"' in page and 'class="node state covered"' in page
