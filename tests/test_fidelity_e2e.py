"""End to end, the fidelity gaps real clients found (issue 14): the whole documented context object,
JSONata exactly 2.0.6, and invalid JSON described in Jackson's words.

Through the real gunicorn server (the `server` fixture), with real boto3 (`sfn`) and the real
``aws`` CLI (`aws_cli`), as a client such as aws-stepfunctions-toolkit calls it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import CliError

pytestmark = pytest.mark.e2e

VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
CALLBACK_TASK = json.dumps(
    {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            "MessageBody": {"context.$": "$$", "token.$": "$$.Task.Token"},
        },
        "End": True,
    }
)
# Every member of AWS Step Functions developer guide, "Accessing execution data from the Context
# object", section "Context object fields", as the toolkit sends it.
DOCUMENTED_CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:us-east-1:123456789012:execution:Machine:run-1",
        "Input": {"order": 7},
        "Name": "run-1",
        "RoleArn": "arn:aws:iam::123456789012:role/StepFunctionsRole",
        "StartTime": "2025-01-15T10:30:00.000Z",
        "RedriveCount": 1,
        "RedriveTime": "2025-01-15T11:00:00.000Z",
    },
    "State": {"EnteredTime": "2025-01-15T11:00:01.500Z", "Name": "Notify", "RetryCount": 0},
    "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:Machine", "Name": "Machine"},
    "Task": {"Token": "abcd123"},
}
PASS = json.dumps({"Type": "Pass", "End": True})
ELVIS = json.dumps(
    {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.a ?: 'x' %}", "End": True}
)


def _error(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


# --------------------------------------------------------------------------------------------
# The context object
# --------------------------------------------------------------------------------------------
def test_boto3_full_documented_context_with_redrive_members(sfn: Any) -> None:
    answer = sfn.test_state(
        definition=CALLBACK_TASK,
        mock={"result": json.dumps({"MessageId": "m-1"})},
        context=json.dumps(DOCUMENTED_CONTEXT),
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "SUCCEEDED"
    sent = json.loads(answer["inspectionData"]["afterParameters"])["MessageBody"]
    assert sent == {"context": DOCUMENTED_CONTEXT, "token": "abcd123"}


def test_cli_full_documented_context_with_redrive_members(aws_cli: Callable[..., Any]) -> None:
    jsonata = json.dumps(
        {
            "Type": "Task",
            "QueryLanguage": "JSONata",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "f", "Payload": "{% $states.context.Execution %}"},
            "Output": "{% $states.context.Execution.RedriveCount & ' ' & $states.context.Execution.RedriveTime %}",
            "End": True,
        }
    )
    context = {key: value for key, value in DOCUMENTED_CONTEXT.items() if key != "Task"}
    answer = aws_cli(definition=jsonata, mock={"result": "{}"}, context=json.dumps(context))
    assert not isinstance(answer, CliError), answer
    assert answer == {"status": "SUCCEEDED", "output": '"1 2025-01-15T11:00:00.000Z"'}


def test_boto3_members_nobody_documents_keep_aws_recorded_messages(sfn: Any) -> None:
    prefix = "Invalid Context object provided: "
    for context, message in [
        ({"Execution": {"pokemon": "squirtle"}}, "Field 'pokemon' is not allowed"),
        ({"Pokedex": {}}, "Field 'Pokedex' is not allowed"),
        ({"Map": {"Item": {"Index": 0}}}, "'Map' field is not supported when mocking a Context object"),
        ({"Execution": {"Id": 1}}, "Execution.Id must be a string"),
    ]:
        call = lambda context=context: sfn.test_state(  # noqa: E731
            definition=CALLBACK_TASK, mock={"result": "{}"}, context=json.dumps(context)
        )
        assert _error(call) == ("ValidationException", prefix + message)


# --------------------------------------------------------------------------------------------
# JSONata 2.0.6
# --------------------------------------------------------------------------------------------
def test_boto3_jsonata_2_1_operators_are_refused_as_2_0_6_refuses_them(sfn: Any) -> None:
    code, message = _error(lambda: sfn.test_state(definition=ELVIS, input='{"a": ""}'))
    assert code == "InvalidDefinition"
    assert 'S0211: The symbol ":" cannot be used as a unary operator' in message
    assert "/States/StateName/Output" in message
    coalescing = ELVIS.replace("?:", "??")
    code, message = _error(lambda: sfn.test_state(definition=coalescing, input="{}"))
    assert code == "InvalidDefinition"
    assert 'S0211: The symbol "?" cannot be used as a unary operator' in message


def test_cli_jsonata_2_0_6_conditional_still_works(aws_cli: Callable[..., Any]) -> None:
    conditional = ELVIS.replace("$states.input.a ?: 'x'", "$states.input.a ? $states.input.a : 'x'")
    assert aws_cli(definition=conditional, input='{"a": ""}') == {"status": "SUCCEEDED", "output": '"x"'}
    refused = aws_cli(definition=ELVIS, input='{"a": ""}')
    assert isinstance(refused, CliError)
    assert "InvalidDefinition" in refused.stderr and "S0211" in refused.stderr


# --------------------------------------------------------------------------------------------
# Invalid JSON in Jackson's words
# --------------------------------------------------------------------------------------------
def test_boto3_invalid_input_is_described_as_aws_describes_it(sfn: Any) -> None:
    # StartExecution's recorded answers (api/test_sfn_api/test_invalid_start_execution_input).
    prefix = "Invalid State Machine Execution Input: "
    for text, detail in [
        ("not some json", f"Unrecognized token 'not': was expecting {VALUES}"),
        (
            "{'not': 'json'",
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
        ),
        (
            '{"a": 1',
            'Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)"{"a": 1"; line: 1, column: 1])',
        ),
    ]:
        assert _error(lambda text=text: sfn.test_state(definition=PASS, input=text)) == (
            "InvalidExecutionInput",
            f"{prefix}'{detail}'",
        )


def test_boto3_invalid_variables_and_context_quote_jackson(sfn: Any) -> None:
    assert _error(lambda: sfn.test_state(definition=PASS, variables="{'x': 1}")) == (
        "ValidationException",
        "Variables must be a valid JSON object: Unexpected character (''' (code 39)): was expecting "
        "double-quote to start field name",
    )
    assert _error(
        lambda: sfn.test_state(definition=CALLBACK_TASK, mock={"result": "{}"}, context="[1, 2")
    ) == (
        "ValidationException",
        "Invalid Context object provided: Unexpected end-of-input: expected close marker for Array (start marker "
        'at [Source: (String)"[1, 2"; line: 1, column: 1])',
    )
    # Recorded without the parser's words (aws/test_test_state_mock_scenarios/
    # test_base_lambda_service_task_mock_is_not_json_string).
    assert _error(
        lambda: sfn.test_state(
            definition=CALLBACK_TASK, mock={"result": "not JSON string", "fieldValidationMode": "NONE"}
        )
    ) == ("ValidationException", "Mocked result must be valid JSON")


def test_cli_invalid_input_is_described_as_aws_describes_it(aws_cli: Callable[..., Any]) -> None:
    answer = aws_cli(definition=PASS, input="not some json")
    assert isinstance(answer, CliError)
    assert (
        "An error occurred (InvalidExecutionInput) when calling the TestState operation: Invalid State "
        f"Machine Execution Input: 'Unrecognized token 'not': was expecting {VALUES}'"
    ) in answer.stderr
