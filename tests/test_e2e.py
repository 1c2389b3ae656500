"""End to end: the real gunicorn server, called with real boto3 and the real ``aws`` CLI.

Nothing here is mocked: the `server` fixture runs ``teststate serve`` on a free loopback port.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import CliError

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_cli_example() -> tuple[dict[str, str], dict[str, Any]]:
    """The ``aws stepfunctions test-state`` call and the answer the README shows for it."""
    text = README.read_text(encoding="utf-8")
    command = re.search(r"^aws stepfunctions test-state (.*?)\n```", text, re.S | re.M)
    answer = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert command and answer, "the README must show a CLI example and its answer"
    words = shlex.split(command.group(1).replace("\\\n", " "))
    options = {words[i][2:]: words[i + 1] for i in range(0, len(words), 2)}
    return options, json.loads(answer.group(1))


def test_the_readme_cli_example_answers_what_the_readme_shows(aws_cli: Callable[..., Any]) -> None:
    options, shown = _readme_cli_example()
    assert options["endpoint-url"] == "http://127.0.0.1:8083" and options["region"] == "us-east-1"
    answer = aws_cli(definition=options["definition"], input=options["input"])
    assert answer == shown


def test_cli_debug_inspection_of_a_pass_state(aws_cli: Callable[..., Any]) -> None:
    # Spec 8, E1 (recorded from AWS).
    answer = aws_cli(
        definition=json.dumps(
            {
                "Type": "Pass",
                "InputPath": "$.initialData",
                "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
                "ResultPath": "$.modifiedData",
                "End": True,
            }
        ),
        input=json.dumps(
            {
                "initialData": {"fieldFromInput": "value from input", "otherField": "other"},
                "unrelatedData": {"someOtherField": 1234},
            }
        ),
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {
        "initialData": {"fieldFromInput": "value from input", "otherField": "other"},
        "unrelatedData": {"someOtherField": 1234},
        "modifiedData": {"staticValue": "some value", "inputValue": "value from input"},
    }
    inspection = {key: json.loads(value) for key, value in answer["inspectionData"].items()}
    assert inspection["afterInputPath"] == {"fieldFromInput": "value from input", "otherField": "other"}
    assert inspection["afterParameters"] == {"staticValue": "some value", "inputValue": "value from input"}
    assert inspection["afterResultSelector"] == inspection["afterParameters"]
    assert inspection["afterResultPath"] == json.loads(answer["output"])
    assert set(inspection) == {
        "input",
        "afterInputPath",
        "afterParameters",
        "afterResultSelector",
        "afterResultPath",
    }


def test_cli_reports_an_invalid_definition_like_aws(aws_cli: Callable[..., Any]) -> None:
    answer = aws_cli(definition='{"Type": "Parallel", "Branches": [], "End": true}')
    assert isinstance(answer, CliError) and answer.returncode != 0
    assert "(InvalidDefinition)" in answer.stderr
    assert (
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at "
        "/States/StateName/Branches'"
    ) in answer.stderr


def test_cli_fail_state_and_variables(aws_cli: Callable[..., Any]) -> None:
    answer = aws_cli(
        definition=json.dumps(
            {
                "Type": "Fail",
                "QueryLanguage": "JSONata",
                "Error": "{% $kind & '.Error' %}",
                "Cause": "{% 'order ' & $states.input.id %}",
            }
        ),
        input='{"id": "42"}',
        variables='{"kind": "Order"}',
    )
    assert answer == {"status": "FAILED", "error": "Order.Error", "cause": "order 42"}


def test_boto3_choice_picks_the_rule_aws_picks(sfn: Any) -> None:
    # Spec 8, E2 (recorded from AWS).
    definition = {
        "Type": "Choice",
        "Choices": [
            {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
            {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
            {
                "And": [
                    {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                    {"Variable": "$.value", "NumericLessThan": 30},
                ],
                "Next": "ValueInTwenties",
            },
        ],
        "Default": "DefaultState",
    }
    answer = sfn.test_state(definition=json.dumps(definition), input='{"type":"Private","value":22}')
    answer.pop("ResponseMetadata")
    assert answer == {
        "status": "SUCCEEDED",
        "nextState": "ValueInTwenties",
        "output": '{"type":"Private","value":22}',
    }


def test_boto3_jsonata_pass_with_assign_and_variables(sfn: Any) -> None:
    definition = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Next": "After",
        "Output": {
            "total": "{% $sum($states.input.items) + $bonus %}",
            "who": "{% $states.context.State.Name %}",
        },
        "Assign": {"bonus": "{% $bonus * 2 %}", "seen": "{% $count($states.input.items) %}"},
    }
    answer = sfn.test_state(
        definition=json.dumps(definition),
        input='{"items": [1, 2, 3]}',
        variables='{"bonus": 10}',
        inspectionLevel="TRACE",
    )
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "After"
    # Output sees the variables as they were before the state; Assign takes effect after it.
    assert json.loads(answer["output"]) == {"total": 16, "who": "StateName"}
    assert json.loads(answer["inspectionData"]["variables"]) == {"bonus": 20, "seen": 3}
    assert set(answer["inspectionData"]) == {"input", "variables"}


def test_boto3_state_nested_in_a_map_is_selected_by_name(sfn: Any) -> None:
    machine = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "End": True,
                "ItemProcessor": {
                    "StartAt": "Double",
                    "States": {
                        "Double": {
                            "Type": "Pass",
                            "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"},
                            "End": True,
                        }
                    },
                },
            }
        },
    }
    answer = sfn.test_state(definition=json.dumps(machine), stateName="Double", input='{"n": 21}')
    assert (answer["status"], answer["output"]) == ("SUCCEEDED", '{"twice":42}')


def test_boto3_context_uses_the_callers_account_and_region(server: str) -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "stepfunctions",
        endpoint_url=server,
        region_name="eu-west-3",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
    )
    answer = client.test_state(
        definition=json.dumps({"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": True}),
        roleArn="arn:aws:iam::210987654321:role/Tester",
    )
    context = json.loads(answer["output"])["ctx"]
    assert context["Execution"]["Id"].startswith("arn:aws:states:eu-west-3:210987654321:express:")
    assert context["StateMachine"]["Id"].startswith("arn:aws:states:eu-west-3:210987654321:stateMachine:")
    assert context["Execution"]["RoleArn"] == "arn:aws:iam::210987654321:role/Tester"
    assert context["State"] == {"Name": "StateName", "EnteredTime": context["Execution"]["StartTime"]}


@pytest.mark.parametrize(
    ("request_members", "code", "message"),
    [
        ({"stateName": "Missing"}, "ValidationException", "State not found in definition"),
        (
            {"mock": {"result": "{}"}},
            "ValidationException",
            "State type 'Pass' is not supported when a mock is specified",
        ),
        (
            {"inspectionLevel": "LOUD"},
            "ValidationException",
            "1 validation error detected: Value 'LOUD' at 'inspectionLevel' failed to satisfy constraint: "
            "Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
        ),
    ],
)
def test_boto3_receives_aws_shaped_errors(
    sfn: Any, request_members: dict[str, Any], code: str, message: str
) -> None:
    definition: Any = {"Type": "Pass", "End": True}
    if "stateName" in request_members:
        definition = {"StartAt": "Only", "States": {"Only": definition}}
    with pytest.raises(ClientError) as raised:
        sfn.test_state(definition=json.dumps(definition), **request_members)
    error = raised.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == (code, message)
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert re.fullmatch(r"[0-9a-f-]{36}", error["ResponseMetadata"]["RequestId"])


def test_a_failing_state_is_a_200_with_status_failed(sfn: Any) -> None:
    answer = sfn.test_state(
        definition='{"Type": "Pass", "OutputPath": "$.missing", "End": true}', input='{"present": 1}'
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (answer["status"], answer["error"], answer["cause"]) == (
        "FAILED",
        "States.Runtime",
        "Invalid path '$.missing' : No results for path: $['missing']",
    )
    assert "output" not in answer and "nextState" not in answer


RETRY_CATCH_TASK = json.dumps(
    {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "Retry": [
            {"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 3}
        ],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
        "Next": "Done",
    }
)


@pytest.mark.parametrize(
    "retry_count, expected",
    [
        (0, {"status": "RETRIABLE", "inspectionData": {"retryIndex": 0, "retryBackoffIntervalSeconds": 2}}),
        (2, {"status": "RETRIABLE", "inspectionData": {"retryIndex": 0, "retryBackoffIntervalSeconds": 8}}),
        (
            3,
            {
                "status": "CAUGHT_ERROR",
                "nextState": "Recover",
                "inspectionData": {"retryIndex": 0, "catchIndex": 0},
            },
        ),
    ],
)
def test_cli_mocked_error_with_retry_count_from_state_configuration(
    aws_cli: Callable[..., Any], retry_count: int, expected: dict[str, Any]
) -> None:
    answer = aws_cli(
        definition=RETRY_CATCH_TASK,
        input='{"order": 7}',
        inspectionLevel="DEBUG",
        mock={"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "Rate exceeded"}},
        stateConfiguration={"retrierRetryCount": retry_count},
    )
    assert not isinstance(answer, CliError), answer
    assert answer["status"] == expected["status"]
    assert (answer["error"], answer["cause"]) == ("Lambda.TooManyRequestsException", "Rate exceeded")
    assert answer["inspectionData"]["errorDetails"] == expected["inspectionData"]
    assert answer.get("nextState") == expected.get("nextState")
    if expected["status"] == "CAUGHT_ERROR":
        assert json.loads(answer["output"]) == {
            "order": 7,
            "error": {"Error": "Lambda.TooManyRequestsException", "Cause": "Rate exceeded"},
        }
    else:
        assert "output" not in answer


def test_cli_mocked_result_flows_through_the_task(aws_cli: Callable[..., Any]) -> None:
    answer = aws_cli(
        definition=json.dumps(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f"},
                "ResultSelector": {"body.$": "$.Payload"},
                "ResultPath": "$.result",
                "End": True,
            }
        ),
        input='{"order": 7}',
        inspectionLevel="DEBUG",
        mock={"result": json.dumps({"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": "ok"})},
    )
    assert not isinstance(answer, CliError), answer
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"order": 7, "result": {"body": "ok"}}
    inspection = answer["inspectionData"]
    assert json.loads(inspection["afterParameters"]) == {"FunctionName": "f"}
    assert json.loads(inspection["result"]) == {
        "StatusCode": 200,
        "ExecutedVersion": "$LATEST",
        "Payload": "ok",
    }
    assert json.loads(inspection["afterResultSelector"]) == {"body": "ok"}


# A Distributed Map over a CSV file (mapItemReaderData stands in for S3), in batches of two, with
# a tolerated-failure threshold whose breach is caught.
DISTRIBUTED_MAP = json.dumps(
    {
        "StartAt": "Ship",
        "States": {
            "Ship": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                    "Parameters": {"Bucket.$": "$.bucket", "Key": "orders.csv"},
                },
                "ItemSelector": {"order.$": "$$.Map.Item.Value", "position.$": "$$.Map.Item.Index"},
                "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"bucket.$": "$.bucket"}},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "ShipBatch",
                    "States": {
                        "ShipBatch": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": "ship", "Payload.$": "$"},
                            "End": True,
                        }
                    },
                },
                "MaxConcurrency": 10,
                "ToleratedFailurePercentage": 25,
                "ResultPath": "$.shipped",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
                        "ResultPath": "$.failure",
                        "Next": "Alert",
                    }
                ],
                "Next": "Done",
            },
            "Alert": {"Type": "Fail"},
            "Done": {"Type": "Succeed"},
        },
    }
)
ORDERS_CSV = 'id,item\n1,apple\n2,pear\n3,"fig, dried"\n'


@pytest.mark.parametrize(("failures", "status"), [(0, "SUCCEEDED"), (1, "CAUGHT_ERROR")])
def test_cli_distributed_map_with_item_reader_batcher_and_tolerated_failures(
    aws_cli: Callable[..., Any], failures: int, status: str
) -> None:
    answer = aws_cli(
        definition=DISTRIBUTED_MAP,
        stateName="Ship",
        input='{"bucket": "orders"}',
        inspectionLevel="DEBUG",
        mock={"result": '[{"shipped": 2}, {"shipped": 1}]'},
        stateConfiguration={"mapItemReaderData": ORDERS_CSV, "mapIterationFailureCount": failures},
    )
    assert not isinstance(answer, CliError), answer
    assert answer["status"] == status
    inspection = answer["inspectionData"]
    orders = [{"id": "1", "item": "apple"}, {"id": "2", "item": "pear"}, {"id": "3", "item": "fig, dried"}]
    selected = [{"order": order, "position": index} for index, order in enumerate(orders)]
    assert json.loads(inspection["afterItemSelector"]) == selected
    assert json.loads(inspection["afterItemBatcher"]) == [
        {"BatchInput": {"bucket": "orders"}, "Items": selected[:2]},
        {"BatchInput": {"bucket": "orders"}, "Items": selected[2:]},
    ]
    assert (inspection["maxConcurrency"], inspection["toleratedFailurePercentage"]) == (10, 25.0)
    if failures == 0:
        assert answer["nextState"] == "Done"
        assert json.loads(answer["output"]) == {
            "bucket": "orders",
            "shipped": [{"shipped": 2}, {"shipped": 1}],
        }
    else:  # 1 of 2 batches failed: 50% > 25%
        assert (answer["error"], answer["nextState"]) == ("States.ExceedToleratedFailureThreshold", "Alert")
        assert inspection["errorDetails"] == {"catchIndex": 0}
        assert json.loads(answer["output"]) == {
            "bucket": "orders",
            "failure": {
                "Error": "States.ExceedToleratedFailureThreshold",
                "Cause": "The specified tolerated failure threshold was exceeded",
            },
        }
