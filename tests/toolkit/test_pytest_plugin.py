"""The pytest plugin (teststate.toolkit.pytest_plugin), run as a user runs it: pytest on a test file.

`USER_TESTS` is the README's example: a new user's file using only the ``sfn`` fixture. It runs
with no server (and no socket: the inner run's conftest forbids connecting), then unchanged
against the real server with ``--teststate-endpoint`` and with ``TESTSTATE_ENDPOINT``.

The plugin is installed as the ``pytest11`` entry point ``teststate``; until the package is
reinstalled with it, the inner runs load it with ``-p``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

# Imported here, before any inner run: pytester's in-process runs put sys.modules back as they
# found it, and these must stay the same modules across runs.
import teststate.app
import teststate.toolkit.client
import teststate.toolkit.pytest_plugin
from teststate.testing import free_loopback_port

pytest_plugins = ["pytester"]

PLUGIN = "teststate.toolkit.pytest_plugin"
REPO = Path(__file__).resolve().parents[2]
INSTALLED = any(entry.value == PLUGIN for entry in entry_points(group="pytest11"))
# Without the entry point the inner runs load the plugin with -p. This module imported it before
# pytester's in-process runs load it, so pytest cannot rewrite its asserts (it has none): no warning.
PLUGIN_ARGS: tuple[str, ...] = (
    *(() if INSTALLED else ("-p", PLUGIN)),
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
)

USER_TESTS = '''
"""My order workflow's states, tested with TestState: in process by default, or against
--teststate-endpoint (a teststate server, or AWS) without a change."""

import json

import pytest

DEFINITION = json.dumps(
    {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.amount", "NumericGreaterThan": 100, "Next": "Review"}],
                "Default": "Approve",
            },
            "Review": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "review-order", "Payload.$": "$"},
                "ResultSelector": {"approved.$": "$.Payload.approved"},
                "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Reject"}],
                "End": True,
            },
            "Approve": {"Type": "Pass", "Result": {"approved": True}, "End": True},
            "Reject": {"Type": "Fail", "Error": "OrderRejected", "Cause": "the review failed"},
        },
    }
)


@pytest.mark.parametrize(("amount", "next_state"), [(250, "Review"), (100, "Approve"), (5, "Approve")])
def test_the_amount_decides_the_route(sfn, amount, next_state):
    answer = sfn.test_state(definition=DEFINITION, stateName="Route", input=json.dumps({"amount": amount}))
    assert answer["status"] == "SUCCEEDED"
    assert answer["nextState"] == next_state


def test_the_review_keeps_the_lambda_verdict(sfn):
    result = {"StatusCode": 200, "Payload": {"approved": False}}
    answer = sfn.test_state(
        definition=DEFINITION,
        stateName="Review",
        input=json.dumps({"amount": 250}),
        mock={"result": json.dumps(result)},
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"approved": False}


def test_throttling_is_retried(sfn):
    answer = sfn.test_state(
        definition=DEFINITION,
        stateName="Review",
        input="{}",
        mock={"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow down"}},
    )
    assert answer["status"] == "RETRIABLE"


def test_a_failed_review_rejects_the_order(sfn):
    answer = sfn.test_state(
        definition=DEFINITION,
        stateName="Review",
        input="{}",
        mock={"errorOutput": {"error": "Lambda.ServiceException", "cause": "boom"}},
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "CAUGHT_ERROR"
    assert answer["nextState"] == "Reject"
    assert answer["inspectionData"]["errorDetails"]["catchIndex"] == 0


def test_a_broken_definition_is_refused(sfn):
    with pytest.raises(sfn.exceptions.InvalidDefinition, match="SCHEMA_VALIDATION_FAILED"):
        sfn.test_state(definition=json.dumps({"Type": "Pas", "End": True}))
'''
USER_TEST_COUNT = 7

NO_SOCKETS = """
import socket

import pytest


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test connected a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
"""


@pytest.fixture
def user_file(pytester: pytest.Pytester) -> Path:
    return pytester.makepyfile(test_my_workflow=USER_TESTS)


# --------------------------------------------------------------------------------------------
# In process
# --------------------------------------------------------------------------------------------
def test_a_new_users_file_runs_with_plain_pytest_and_no_server(
    pytester: pytest.Pytester, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TESTSTATE_ENDPOINT", raising=False)
    pytester.makeconftest(NO_SOCKETS)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=USER_TEST_COUNT)


def test_the_app_fixture_is_the_one_sfn_calls(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

from teststate.toolkit.client import shared_app

SEEN = []


@pytest.fixture(scope="session")
def teststate_app():
    app = shared_app()

    def recording(environ, start_response):
        SEEN.append(environ["HTTP_X_AMZ_TARGET"])
        return app(environ, start_response)

    recording.test_client = app.test_client
    return recording
"""
    )
    pytester.makepyfile(
        """
from conftest import SEEN


def test_flask_test_client(teststate_app):
    answer = teststate_app.test_client().get("/health")
    assert (answer.status_code, answer.data) == (200, b'{"status":"ok"}')


def test_sfn_goes_through_the_app(sfn, teststate_endpoint):
    assert teststate_endpoint is None
    assert sfn.test_state(definition='{"Type": "Succeed"}')["status"] == "SUCCEEDED"
    assert SEEN == ["AWSStepFunctions.TestState"]
"""
    )
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=2)


def test_each_test_gets_a_client_of_its_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
CLIENTS = []


def test_one(sfn):
    CLIENTS.append(sfn)


def test_two(sfn):
    CLIENTS.append(sfn)
    assert CLIENTS[0] is not CLIENTS[1]
    assert sfn.meta.region_name == "us-east-1"
"""
    )
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=2)


# --------------------------------------------------------------------------------------------
# Against an endpoint
# --------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_the_same_file_runs_unchanged_against_the_real_server(
    pytester: pytest.Pytester, user_file: Path, server: str
) -> None:
    pytester.runpytest(*PLUGIN_ARGS, f"--teststate-endpoint={server}").assert_outcomes(passed=USER_TEST_COUNT)


def test_the_endpoint_option_is_what_the_client_calls(pytester: pytest.Pytester, user_file: Path) -> None:
    nobody = f"http://127.0.0.1:{free_loopback_port()}"
    result = pytester.runpytest(*PLUGIN_ARGS, "--teststate-endpoint", nobody)
    result.assert_outcomes(failed=USER_TEST_COUNT)
    result.stdout.fnmatch_lines([f'*Could not connect to the endpoint URL: "{nobody}/"*'])


@pytest.mark.e2e
def test_the_environment_variable_names_the_endpoint(
    pytester: pytest.Pytester, user_file: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTSTATE_ENDPOINT", server)
    pytester.makepyfile(
        test_endpoint=f"""
def test_the_endpoint(sfn, teststate_endpoint):
    assert teststate_endpoint == {server!r}
    assert sfn.meta.endpoint_url == {server!r}
    assert sfn.meta.config.inject_host_prefix is False
"""
    )
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=USER_TEST_COUNT + 1)


@pytest.mark.e2e
def test_the_option_wins_over_the_environment(
    pytester: pytest.Pytester, user_file: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTSTATE_ENDPOINT", f"http://127.0.0.1:{free_loopback_port()}")
    pytester.runpytest(*PLUGIN_ARGS, f"--teststate-endpoint={server}").assert_outcomes(passed=USER_TEST_COUNT)


@pytest.mark.parametrize("where", ["option", "environment"])
def test_an_unusable_endpoint_is_a_usage_error(
    pytester: pytest.Pytester, user_file: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    args: list[str] = [*PLUGIN_ARGS]
    if where == "option":
        args.append("--teststate-endpoint=localhost:8083")
    else:
        monkeypatch.setenv("TESTSTATE_ENDPOINT", "localhost:8083")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--teststate-endpoint / TESTSTATE_ENDPOINT: not an endpoint URL*"])


@pytest.mark.e2e
def test_the_server_fixture_serves_http(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import urllib.request

from teststate.toolkit.client import endpoint_client


def test_it_answers(teststate_server):
    assert teststate_server.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(teststate_server + "/health") as answer:
        assert answer.status == 200
    client = endpoint_client(teststate_server)
    assert client.test_state(definition='{"Type": "Succeed"}')["status"] == "SUCCEEDED"


def test_it_is_the_same_server_for_the_session(teststate_server, request):
    assert teststate_server == request.getfixturevalue("teststate_server")
"""
    )
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=2)


# --------------------------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------------------------
def test_coverage_is_summarised_and_drawn(pytester: pytest.Pytester, user_file: Path) -> None:
    report = pytester.path / "coverage-report"
    result = pytester.runpytest(*PLUGIN_ARGS, "--teststate-coverage-html", str(report))
    result.assert_outcomes(passed=USER_TEST_COUNT)
    result.stdout.fnmatch_lines(
        [
            "*TestState coverage*",
            "TestState coverage: 1 definition(s), 6 call(s)",
            "*states 2/4, Choice branches 2/2, Retry 1/1, Catch 1/1*",
            "    missed states: Approve; Reject",
            f"TestState coverage HTML report: {report}*",
        ]
    )
    pages = list(report.glob("*.html"))
    assert len(pages) == 1 and "<svg" in pages[0].read_text()


def test_without_the_option_nothing_is_recorded(pytester: pytest.Pytester, user_file: Path) -> None:
    pytester.makepyfile(
        test_recorder="""
def test_no_recorder(teststate_coverage):
    assert teststate_coverage is None
"""
    )
    result = pytester.runpytest(*PLUGIN_ARGS)
    result.assert_outcomes(passed=USER_TEST_COUNT + 1)
    result.stdout.no_fnmatch_line("*TestState coverage*")


# --------------------------------------------------------------------------------------------
# The plugin in this project's own run, and its cost
# --------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_the_projects_own_sfn_fixture_overrides_the_plugins(sfn: Any, server: str) -> None:
    # tests/conftest.py's `sfn` (the real server, for the session) wins over the plugin's, as a
    # conftest fixture overrides a plugin fixture of the same name.
    assert sfn.meta.endpoint_url == server


def test_importing_the_plugin_loads_neither_flask_nor_boto3() -> None:
    probe = (
        "import json, sys\n"
        "import teststate.toolkit.pytest_plugin, teststate.testing, teststate.toolkit\n"
        "heavy = ('flask', 'werkzeug', 'boto3', 'botocore', 'teststate.app', 'interpreter')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_entry_point_names_the_plugin() -> None:
    if not INSTALLED:
        pytest.skip("the package is not installed with its pytest11 entry point yet (pip install -e .)")
    (entry,) = [entry for entry in entry_points(group="pytest11") if entry.value == PLUGIN]
    assert entry.name == "teststate"
    assert entry.load() is teststate.toolkit.pytest_plugin
    assert teststate.toolkit.client.inprocess_client and teststate.app.create_app
