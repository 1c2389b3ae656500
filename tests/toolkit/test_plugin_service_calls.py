"""The pytest plugin with Tasks that call an AWS-compatible emulator, as a user runs it.

The job the toolkit is for: a whole workflow tested from pytest with no server, its Lambda state
mocked by the mock configuration's test case and its SQS state sending a real message to the
emulator (a moto server the session starts), which the test then receives. The user's file is
run by pytest in a child process whose environment turns calls on (``TESTSTATE_SERVICE_CALLS=1``,
``AWS_ENDPOINT_URL``): the ``sfn`` client still answers in process (it ignores the endpoint
variables), the execution's unmocked Task reaches moto. Nothing in between is mocked.
"""

from __future__ import annotations

import pytest

from tests.toolkit.test_pytest_plugin import PLUGIN_ARGS

pytest_plugins = ["pytester"]

USER_TESTS = '''
"""My order workflow, whole: the Lambda call mocked, the SQS message real (sent to the emulator)."""

import json

import boto3

from teststate.toolkit.executions import execute

ROLE = "arn:aws:iam::123456789012:role/orders"


def order_machine(queue_url):
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "charge", "Payload": "{% $states.input %}"},
                "Assign": {"receipt": "{% $states.result.Payload.receipt %}"},
                "Next": "Notify",
            },
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Arguments": {"QueueUrl": queue_url, "MessageBody": "{% $receipt %}"},
                "End": True,
            },
        },
    }


def test_charge_is_mocked_and_the_message_is_real(sfn, teststate_mock_config):
    sqs = boto3.client("sqs")  # AWS_ENDPOINT_URL points it at the emulator
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    machine = sfn.create_state_machine(
        name="orders", definition=json.dumps(order_machine(queue)), roleArn=ROLE
    )["stateMachineArn"]
    teststate_mock_config(
        {
            "StateMachines": {"orders": {"TestCases": {"Mixed": {"Charge": "ChargeOk"}}}},
            "MockedResponses": {
                "ChargeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"receipt": "R-1"}}}}
            },
        }
    )
    ended = execute(sfn, machine, {"amount": 42}, test_case="Mixed")
    assert ended["status"] == "SUCCEEDED", ended
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in messages] == ["R-1"]
'''


@pytest.fixture
def emulator_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The child run's environment: calls on, every service at moto, dummy credentials."""
    for name, value in {
        "TESTSTATE_SERVICE_CALLS": "1",
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TESTSTATE_ENDPOINT", raising=False)
    return moto_url


def test_a_mocked_lambda_and_a_real_sqs_message_in_process(
    pytester: pytest.Pytester, emulator_env: str
) -> None:
    pytester.makepyfile(test_orders=USER_TESTS)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_with_calls_off_the_unmocked_task_fails_the_execution(
    pytester: pytest.Pytester, emulator_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same file with the switch off: the SQS state has no mock, so the execution fails
    # (and no message is sent), which the test's own assertion reports.
    monkeypatch.setenv("TESTSTATE_SERVICE_CALLS", "0")
    pytester.makepyfile(test_orders=USER_TESTS.replace('QueueName="orders"', 'QueueName="orders-off"'))
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*'status': 'FAILED'*"])
