"""Every integration against a real moto server: the result's shape and each error under AWS's name."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any, ClassVar

import pytest

from interpreter.jsontypes import ABSENT
from teststate.integrations import CallOutcome, CallSettings, call, supports

from .conftest import REGION
from .support import create_table, unique_name


def _call(resource: str, parameters: Any, settings: CallSettings, **options: Any) -> CallOutcome:
    return call(resource, parameters, region=REGION, settings=settings, **options)


HTTP_METADATA = ["SdkHttpMetadata", "SdkResponseMetadata"]


def _check_v1_metadata(result: dict[str, Any]) -> None:
    http = result["SdkHttpMetadata"]
    assert list(http) == ["AllHttpHeaders", "HttpHeaders", "HttpStatusCode"]
    assert http["HttpStatusCode"] == 200
    assert all(isinstance(values, list) for values in http["AllHttpHeaders"].values())
    assert list(http["HttpHeaders"]) == sorted(http["HttpHeaders"], key=str.lower)
    assert result["SdkResponseMetadata"]["RequestId"]


# ------------------------------------------------------------------------------------------------
# DynamoDB (optimized)
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table(aws: Any) -> str:
    return create_table(aws)


def test_dynamodb_put_update_get_delete_item(table: str, settings: CallSettings, aws: Any) -> None:
    item = {"id": {"S": "id1"}, "data": {"S": "HelloWorld"}}
    put = _call("arn:aws:states:::dynamodb:putItem", {"TableName": table, "Item": item}, settings)
    assert list(put.result) == HTTP_METADATA
    _check_v1_metadata(put.result)

    update = _call(
        "arn:aws:states:::dynamodb:updateItem",
        {
            "TableName": table,
            "Key": {"id": {"S": "id1"}},
            "UpdateExpression": "set S=:r",
            "ExpressionAttributeValues": {":r": {"S": "HelloWorldUpdated"}},
            "ReturnValues": "UPDATED_NEW",
        },
        settings,
    )
    assert update.result["Attributes"] == {"S": {"S": "HelloWorldUpdated"}}
    # moto adds ConsumedCapacity unasked (AWS does not): whatever the emulator answers, in order.
    assert list(update.result) == sorted(update.result)
    assert {"Attributes", *HTTP_METADATA} <= set(update.result)

    got = _call(
        "arn:aws:states:::dynamodb:getItem", {"TableName": table, "Key": {"id": {"S": "id1"}}}, settings
    )
    # The attribute map in Java HashMap order, as recorded (test_dynamodb_task_service/
    # test_base_integrations__DYNAMODB_PUT_UPDATE_GET_ITEM: S, data, id).
    assert json.dumps(got.result["Item"]) == json.dumps(
        {"S": {"S": "HelloWorldUpdated"}, "data": {"S": "HelloWorld"}, "id": {"S": "id1"}}
    )
    deleted = _call(
        "arn:aws:states:::dynamodb:deleteItem", {"TableName": table, "Key": {"id": {"S": "id1"}}}, settings
    )
    assert list(deleted.result) == HTTP_METADATA
    assert "Item" not in aws("dynamodb").get_item(TableName=table, Key={"id": {"S": "id1"}})


def test_dynamodb_errors(table: str, settings: CallSettings) -> None:
    missing = _call(
        "arn:aws:states:::dynamodb:putItem",
        {"TableName": unique_name("none"), "Item": {"id": {"S": "1"}}},
        settings,
    )
    assert missing.result is ABSENT
    assert missing.error == "DynamoDB.ResourceNotFoundException"
    assert missing.cause is not None
    assert missing.cause.startswith(
        "Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; "
    )
    assert missing.cause.endswith("; Proxy: null)")

    _call("arn:aws:states:::dynamodb:putItem", {"TableName": table, "Item": {"id": {"S": "c"}}}, settings)
    conditional = _call(
        "arn:aws:states:::dynamodb:putItem",
        {"TableName": table, "Item": {"id": {"S": "c"}}, "ConditionExpression": "attribute_not_exists(id)"},
        settings,
    )
    assert conditional.error == "DynamoDB.ConditionalCheckFailedException"
    assert "Error Code: ConditionalCheckFailedException" in (conditional.cause or "")

    # An error code the model does not declare is the v1 base exception
    # (test_task_service_dynamodb/test_put_item_invalid_table_name).
    invalid = _call(
        "arn:aws:states:::dynamodb:getItem", {"TableName": table, "Key": {"nokey": {"S": "1"}}}, settings
    )
    assert invalid.error == "DynamoDB.AmazonDynamoDBException"
    assert "Error Code: ValidationException" in (invalid.cause or "")


# ------------------------------------------------------------------------------------------------
# SQS, SNS, EventBridge (optimized)
# ------------------------------------------------------------------------------------------------
def test_sqs_send_message(settings: CallSettings, aws: Any) -> None:
    sqs = aws("sqs")
    queue = sqs.create_queue(QueueName=unique_name("queue"))["QueueUrl"]
    sent = _call("arn:aws:states:::sqs:sendMessage", {"QueueUrl": queue, "MessageBody": "hello"}, settings)
    assert list(sent.result) == ["MD5OfMessageBody", "MessageId", *HTTP_METADATA]
    assert sent.result["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [(message["MessageId"], message["Body"]) for message in received] == [
        (sent.result["MessageId"], "hello")
    ]

    missing = _call(
        "arn:aws:states:::sqs:sendMessage", {"QueueUrl": queue + "-none", "MessageBody": "x"}, settings
    )
    assert missing.error == "SQS.QueueDoesNotExistException"
    assert "(Service: AmazonSQS; Status Code: 400; Error Code: " in (missing.cause or "")


def test_sns_publish(settings: CallSettings, aws: Any) -> None:
    sns, sqs = aws("sns"), aws("sqs")
    topic = sns.create_topic(Name=unique_name("topic"))["TopicArn"]
    queue = sqs.create_queue(QueueName=unique_name("subscriber"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    published = _call("arn:aws:states:::sns:publish", {"TopicArn": topic, "Message": "hi"}, settings)
    assert list(published.result) == ["MessageId", *HTTP_METADATA]
    _check_v1_metadata(published.result)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]] == ["hi"]

    missing = _call("arn:aws:states:::sns:publish", {"TopicArn": topic + "-none", "Message": "x"}, settings)
    assert missing.error == "SNS.NotFoundException"


def test_events_put_events(settings: CallSettings, aws: Any) -> None:
    bus = aws("events").create_event_bus(Name=unique_name("bus"))["EventBusArn"]
    entry = {
        "Detail": json.dumps({"a": 1}),
        "DetailType": "kind",
        "Source": "teststate.tests",
        "EventBusName": bus,
    }
    put = _call("arn:aws:states:::events:putEvents", {"Entries": [entry]}, settings)
    assert list(put.result) == ["Entries", "FailedEntryCount", *HTTP_METADATA]
    assert put.result["FailedEntryCount"] == 0
    assert list(put.result["Entries"][0]) == ["EventId"]

    # A failed entry fails the Task (test_events_task_service/test_put_events_malformed_detail).
    malformed = _call(
        "arn:aws:states:::events:putEvents", {"Entries": [{**entry, "Detail": "{oops"}]}, settings
    )
    assert malformed.error == "EventBridge.FailedEntry"
    assert malformed.cause == (
        '{"Entries":[{"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."}],"FailedEntryCount":1}'
    )


# ------------------------------------------------------------------------------------------------
# Lambda: moto runs no code without Docker; what it answers without running any
# ------------------------------------------------------------------------------------------------
def test_lambda_function_not_found(settings: CallSettings) -> None:
    name = unique_name("function")
    invoked = _call("arn:aws:states:::lambda:invoke", {"FunctionName": name, "Payload": {"a": 1}}, settings)
    assert invoked.error == "Lambda.ResourceNotFoundException"
    assert (invoked.cause or "").startswith("Function not found: arn:aws:lambda:")
    assert "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; " in (
        invoked.cause or ""
    )

    legacy = _call(f"arn:aws:lambda:{REGION}:123456789012:function:{name}", {"a": 1}, settings)
    assert legacy.error == "Lambda.ResourceNotFoundException"

    waiting = _call(
        "arn:aws:states:::lambda:invoke.waitForTaskToken", {"FunctionName": name, "Payload": {}}, settings
    )
    assert waiting.error == "Lambda.ResourceNotFoundException"


# ------------------------------------------------------------------------------------------------
# AWS SDK integrations
# ------------------------------------------------------------------------------------------------
def test_aws_sdk_s3(settings: CallSettings, aws: Any) -> None:
    bucket = unique_name("bucket")
    aws("s3").create_bucket(Bucket=bucket)
    put = _call(
        "arn:aws:states:::aws-sdk:s3:putObject",
        {"Bucket": bucket, "Key": "a.txt", "Body": "text data"},
        settings,
    )
    assert put.result["ETag"] == '"332eec544317a6d340b8e77da7fe54ad"'  # md5("text data"), as recorded
    number = _call(
        "arn:aws:states:::aws-sdk:s3:putObject", {"Bucket": bucket, "Key": "n", "Body": 0}, settings
    )
    assert number.result["ETag"] == '"cfcd208495d565ef66e7dff9f98764da"'  # test_s3_put_object__num

    got = _call("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "a.txt"}, settings)
    keys = list(got.result)
    assert keys[-1] == "Body"
    assert keys[:-1] == sorted(keys[:-1])
    assert got.result["Body"] == "text data"
    assert got.result["ContentLength"] == 9
    assert got.result["LastModified"].endswith("Z")

    missing_key = _call("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "none"}, settings)
    assert missing_key.error == "S3.NoSuchKeyException"
    assert (missing_key.cause or "").startswith(
        "The specified key does not exist. (Service: S3, Status Code: 404, "
    )
    assert (missing_key.cause or "").endswith(") (SDK Attempt Count: 1)")
    missing_bucket = _call(
        "arn:aws:states:::aws-sdk:s3:listObjects", {"Bucket": unique_name("none")}, settings
    )
    assert missing_bucket.error == "S3.NoSuchBucketException"


def test_a_result_over_the_payload_quota_fails_the_call(settings: CallSettings, aws: Any) -> None:
    # AWS fails a Task whose integration answers more than 262,144 bytes with
    # States.DataLimitExceeded, naming the resource type (recorded for lambda:invoke:
    # test_states_errors/test_service_task_lambada_data_limit_exceeded_on_large_utf8_response).
    bucket = unique_name("bucket")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="small", Body=b"x" * 261_000)
    aws("s3").put_object(Bucket=bucket, Key="large", Body=b"x" * 262_144)
    small = _call("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "small"}, settings)
    assert small.error is None and len(small.result["Body"]) == 261_000
    large = _call("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "large"}, settings)
    assert (large.error, large.result) == ("States.DataLimitExceeded", ABSENT)
    assert large.cause == (
        "The state/task 'aws-sdk:s3' returned a result with a size exceeding the maximum number of"
        " bytes service limit."
    )


def test_aws_sdk_dynamodb_and_sqs(table: str, settings: CallSettings, aws: Any) -> None:
    described = _call("arn:aws:states:::aws-sdk:dynamodb:describeTable", {"TableName": table}, settings)
    assert described.result["Table"]["TableName"] == table
    assert list(described.result["Table"]) == sorted(described.result["Table"])

    put = _call(
        "arn:aws:states:::aws-sdk:dynamodb:putItem",
        {"TableName": table, "Item": {"id": {"S": "sdk"}}},
        settings,
    )
    assert put.result == {}  # test_aws_sdk_task_service/test_dynamodb_put_get_item
    missing = _call(
        "arn:aws:states:::aws-sdk:dynamodb:putItem",
        {"TableName": unique_name("none"), "Item": {"id": {"S": "1"}}},
        settings,
    )
    assert (
        missing.error == "DynamoDb.ResourceNotFoundException"
    )  # test_aws_sdk/test_dynamodb_put_item_no_such_table
    assert (missing.cause or "").startswith(
        "Requested resource not found (Service: DynamoDb, Status Code: 400, "
    )

    queue = aws("sqs").create_queue(QueueName=unique_name("attrs"))["QueueUrl"]
    attributes = _call(
        "arn:aws:states:::aws-sdk:sqs:getQueueAttributes",
        {"QueueUrl": queue, "AttributeNames": ["All"]},
        settings,
    )
    assert attributes.result["Attributes"]["QueueArn"].endswith(queue.rsplit("/", 1)[1])
    gone = _call("arn:aws:states:::aws-sdk:sqs:getQueueAttributes", {"QueueUrl": queue + "-none"}, settings)
    assert gone.error == "Sqs.QueueDoesNotExistException"


def test_aws_sdk_camel_case_members_and_unknown_fields(settings: CallSettings) -> None:
    # Step Functions' PascalCase onto any member spelling; an unknown member is refused.
    listed = _call("arn:aws:states:::aws-sdk:sfn:listStateMachines", {"MaxResults": 5}, settings)
    assert listed.result == {"StateMachines": []}
    unknown = _call("arn:aws:states:::aws-sdk:dynamodb:describeTable", {"TableNam": "x"}, settings)
    assert (unknown.error, unknown.parameters_rejected) == ("States.Runtime", True)
    assert unknown.cause == 'The field "TableNam" is not supported by Step Functions'


def test_supports() -> None:
    assert supports("arn:aws:states:::aws-sdk:sfn:startExecution")
    assert supports("arn:aws:states:::aws-sdk:eventbridge:putEvents")
    assert supports("arn:aws:states:::sqs:sendMessage.waitForTaskToken")
    assert supports("arn:aws:lambda:us-east-1:123456789012:function:f:live")
    assert not supports("arn:aws:states:::aws-sdk:stepfunctions:startExecution")  # AWS says sfn
    assert not supports("arn:aws:states:::aws-sdk:s3:GetObject")  # actions are camelCase
    assert not supports("arn:aws:states:::aws-sdk:s3:noSuchAction")
    assert not supports("arn:aws:states:::dynamodb:query")  # not an optimized action
    assert not supports("arn:aws:states:::glue:startJobRun.sync")


class _EchoLambda(http.server.BaseHTTPRequestHandler):
    """Lambda's Invoke at a loopback endpoint: records each request body, answers it back (an echo
    function; Lambda gives a function invoked without a payload the event ``{}``)."""

    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).bodies.append(body)
        answer = body or b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Amz-Executed-Version", "$LATEST")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: Any) -> None:
        pass


def test_lambda_invoke_sends_no_payload_for_a_null_one() -> None:
    # Recorded (aws/test_test_state_scenarios/test_base_lambda_service_task_state__INFO): with
    # "Payload.$" selecting null, AWS's echo function answered {} (Content-Length 2): the
    # integration sent no payload. A non-null one is sent as its JSON text.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoLambda)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = CallSettings.from_env(
            {
                "TESTSTATE_SERVICE_CALLS": "1",
                "AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{server.server_port}",
            }
        )
        _EchoLambda.bodies = []
        null = _call("arn:aws:states:::lambda:invoke", {"FunctionName": "echo", "Payload": None}, settings)
        given = _call(
            "arn:aws:states:::lambda:invoke", {"FunctionName": "echo", "Payload": {"a": 1}}, settings
        )
    finally:
        server.shutdown()
        server.server_close()
    assert _EchoLambda.bodies == [b"", b'{"a":1}']
    assert isinstance(null.result, dict) and null.result["Payload"] == {}
    assert isinstance(given.result, dict) and given.result["Payload"] == {"a": 1}
