"""The plugin's ``teststate_mock_config`` fixture, run as a user runs it: pytest on a test file.

A user's file tests a workflow's executions with a mock configuration per test (AWS Step
Functions Local's format), in process and against the session's real server, with nothing
restarted between tests; the file the service reads is put back as it was after each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.toolkit.test_pytest_plugin import PLUGIN_ARGS

pytest_plugins = ["pytester"]

USER_TESTS = """
import json
import time

import boto3
import pytest
from botocore.config import Config

DEFINITION = json.dumps({
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "charge", "Payload": "{% $states.input %}"},
            "Output": "{% $states.result.Payload %}",
            "QueryLanguage": "JSONata",
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Declined"}],
            "End": True,
        },
        "Declined": {"Type": "Fail", "Error": "Declined"},
    },
})


def mocks(*responses):
    return {
        "StateMachines": {"Payments": {"TestCases": {"Case": {"Charge": "ChargeResponse"}}}},
        "MockedResponses": {"ChargeResponse": dict(responses)},
    }


def run(client, arn):
    execution = client.start_execution(stateMachineArn=arn + "#Case", input='{"amount": 5}')
    for _ in range(500):
        described = client.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.01)
    raise AssertionError("the execution did not end")


@pytest.fixture
def payments(sfn):
    try:
        arn = sfn.create_state_machine(
            name="Payments", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/sfn"
        )["stateMachineArn"]
    except sfn.exceptions.StateMachineAlreadyExists as error:
        raise AssertionError(error)
    yield arn
    sfn.delete_state_machine(stateMachineArn=arn)


def test_a_charge_that_succeeds(sfn, payments, teststate_mock_config):
    teststate_mock_config(mocks(("0", {"Return": {"StatusCode": 200, "Payload": {"paid": 5}}})))
    described = run(sfn, payments)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"paid": 5}


def test_throttling_is_retried_then_declined(sfn, payments, teststate_mock_config):
    throttled = {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}}
    teststate_mock_config(mocks(("0-2", throttled)))
    described = run(sfn, payments)
    assert described["status"] == "FAILED"
    assert described["error"] == "Declined"
    history = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
    assert [event["type"] for event in history].count("TaskFailed") == 3


def test_the_same_mocks_over_http(teststate_server, teststate_mock_config):
    client = boto3.client(
        "stepfunctions", endpoint_url=teststate_server, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
    )
    arn = client.create_state_machine(
        name="Payments", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    teststate_mock_config(mocks(("0", {"Return": {"StatusCode": 200, "Payload": {"paid": 7}}})))
    assert json.loads(run(client, arn)["output"]) == {"paid": 7}


def test_without_a_mock_file_the_task_fails_naming_it(sfn, payments, teststate_mock_config_path):
    assert not teststate_mock_config_path.exists()
    described = run(sfn, payments)
    assert described["status"] == "FAILED"
"""


@pytest.mark.e2e
def test_each_test_installs_its_own_mock_configuration(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("TESTSTATE_ENDPOINT", "TESTSTATE_MOCK_CONFIG", "SFN_MOCK_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    pytester.makepyfile(test_payments=USER_TESTS)
    # The last test runs after the others: their mock files must be gone by then.
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_a_users_own_mock_file_is_put_back_after_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = tmp_path / "mocks.json"
    original = {"StateMachines": {}, "MockedResponses": {}}
    mine.write_text(json.dumps(original), encoding="utf-8")
    monkeypatch.setenv("SFN_MOCK_CONFIG", str(mine))
    monkeypatch.delenv("TESTSTATE_MOCK_CONFIG", raising=False)
    monkeypatch.delenv("TESTSTATE_ENDPOINT", raising=False)
    pytester.makepyfile(
        test_own=f"""
import json
from pathlib import Path


def test_it_replaces_the_users_file(teststate_mock_config, teststate_mock_config_path):
    assert teststate_mock_config_path == Path({str(mine)!r})
    teststate_mock_config('{{"StateMachines": {{"X": {{"TestCases": {{}}}}}}}}')
    assert json.loads(teststate_mock_config_path.read_text()) == {{"StateMachines": {{"X": {{"TestCases": {{}}}}}}}}
"""
    )
    pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert json.loads(mine.read_text(encoding="utf-8")) == original
