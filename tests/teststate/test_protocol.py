"""AWS JSON 1.0 framing: target dispatch, body decoding, envelopes, headers, region, latency."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from teststate import protocol
from teststate.errors import SerializationException

TARGET = "AWSStepFunctions.TestState"
HEADERS = {"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.0"}
PASS = '{"Type":"Pass","End":true}'


def _post(client: Any, body: bytes | str, headers: dict[str, str] | None = None) -> Any:
    return client.post("/", data=body, headers=HEADERS if headers is None else headers)


def _assert_error(answer: Any, status: int, wire_type: str, message: str | None) -> None:
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert answer.headers["X-Amzn-Errortype"] == wire_type.rsplit("#", 1)[1]
    payload = json.loads(answer.get_data())
    expected: dict[str, Any] = {"__type": wire_type}
    if message is not None:
        expected["message"] = message
    assert payload == expected


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "AWSStepFunctions.CreateStateMachineAlias",
            "Unknown operation AWSStepFunctions.CreateStateMachineAlias",
        ),
        ("AWSStepFunctions.testState", "Unknown operation AWSStepFunctions.testState"),
        ("TestState", "Unknown operation TestState"),
        (None, "Missing X-Amz-Target header"),
    ],
)
def test_unknown_or_missing_target(client: Any, target: str | None, message: str) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target is not None:
        headers["X-Amz-Target"] = target
    answer = _post(client, json.dumps({"definition": PASS}), headers)
    _assert_error(answer, 400, "com.amazon.coral.service#UnknownOperationException", message)


def test_target_is_checked_before_the_body(client: Any) -> None:
    answer = _post(client, b"not json", {"X-Amz-Target": "AWSStepFunctions.Nope"})
    assert json.loads(answer.get_data())["__type"].endswith("#UnknownOperationException")


def test_every_operation_is_one_of_the_step_functions_api() -> None:
    # The table holds AWS's operation names only (botocore's model of the service), TestState and
    # the state machine and execution operations among them.
    import botocore.session

    model = botocore.session.get_session().get_service_model("stepfunctions")
    names = {f"AWSStepFunctions.{name}" for name in model.operation_names}
    assert set(protocol.OPERATIONS) <= names
    assert {TARGET, "AWSStepFunctions.CreateStateMachine", "AWSStepFunctions.StartExecution"} <= set(
        protocol.OPERATIONS
    )


# --------------------------------------------------------------------------------------------
# Body decoding
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "Malformed request body: Expecting value: line 1 column 1 (char 0)"),
        (b'{"definition": ', "Malformed request body: Expecting value: line 1 column 16 (char 15)"),
        (b'{"definition": "x"} trailing', "Malformed request body: Extra data: line 1 column 21 (char 20)"),
        (b'{"definition": NaN}', "Malformed request body: NaN is not valid JSON"),
        (b"\xff\xfe", None),  # not UTF-8: message from the decoder, checked below
        (b"[1, 2]", "Start of list found where not expected"),
        (b'"text"', "Malformed request body: expected a JSON object"),
        (b"42", "Malformed request body: expected a JSON object"),
        (b"null", "Malformed request body: expected a JSON object"),
    ],
)
def test_body_that_is_not_a_json_object(client: Any, body: bytes, message: str | None) -> None:
    answer = _post(client, body)
    assert answer.status_code == 400
    payload = json.loads(answer.get_data())
    assert payload["__type"] == "com.amazon.coral.service#SerializationException"
    if message is None:
        assert payload["message"].startswith("Malformed request body: ")
    else:
        assert payload["message"] == message


def test_deeply_nested_body_is_a_serialization_exception(client: Any) -> None:
    answer = _post(client, b"[" * 100_000 + b"]" * 100_000)
    assert answer.status_code == 400
    assert json.loads(answer.get_data())["__type"].endswith("#SerializationException")


@pytest.mark.parametrize("body", [b"", b"  \n"])
def test_empty_body_is_an_empty_request(client: Any, body: bytes) -> None:
    answer = _post(client, body)
    _assert_error(
        answer,
        400,
        "com.amazon.coral.validate#ValidationException",
        "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null",
    )


def test_model_violation_reaches_the_wire_in_coral_namespace(client: Any) -> None:
    answer = _post(client, json.dumps({"definition": PASS, "inspectionLevel": "FOO"}))
    _assert_error(
        answer,
        400,
        "com.amazon.coral.validate#ValidationException",
        "1 validation error detected: Value 'FOO' at 'inspectionLevel' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
    )


def test_wrong_type_reaches_the_wire_as_serialization_exception(client: Any) -> None:
    answer = _post(client, json.dumps({"definition": PASS, "revealSecrets": "yes"}))
    _assert_error(
        answer,
        400,
        "com.amazon.coral.service#SerializationException",
        "STRING_VALUE can not be converted to an Boolean",
    )


def test_content_type_is_not_required(client: Any) -> None:
    answer = _post(
        client, json.dumps({"definition": PASS, "inspectionLevel": "FOO"}), {"X-Amz-Target": TARGET}
    )
    assert answer.status_code == 400
    assert "inspectionLevel" in json.loads(answer.get_data())["message"]


# --------------------------------------------------------------------------------------------
# Error envelopes
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "headers", "wire_type", "message"),
    [
        (
            {"definition": PASS, "mock": {"result": "{}"}},
            HEADERS,
            "com.amazonaws.swf.service.v2.model#ValidationException",
            "State type 'Pass' is not supported when a mock is specified",
        ),
        (
            {"definition": "not a definition"},
            HEADERS,
            "com.amazonaws.swf.service.v2.model#InvalidDefinition",
            "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]'",
        ),
        (
            {"definition": PASS, "input": "x"},
            HEADERS,
            "com.amazonaws.swf.service.v2.model#InvalidExecutionInput",
            "Invalid State Machine Execution Input: 'Unrecognized token 'x': was expecting (JSON String, Number, Array, "
            "Object or token 'null', 'true' or 'false')'",
        ),
        (
            {"definition": PASS, "roleArn": "bad"},
            HEADERS,
            "com.amazonaws.swf.service.v2.model#InvalidArn",
            "Invalid Arn: 'Invalid ARN prefix: bad'",
        ),
        (
            {"definition": 1},
            HEADERS,
            "com.amazon.coral.service#SerializationException",
            "NUMBER_VALUE can not be converted to a String",
        ),
        (
            {"definition": PASS},
            {**HEADERS, "X-Amz-Target": "AWSStepFunctions.Nope"},
            "com.amazon.coral.service#UnknownOperationException",
            "Unknown operation AWSStepFunctions.Nope",
        ),
    ],
    ids=["validation", "definition", "input", "arn", "serialization", "unknown-operation"],
)
def test_service_errors_are_rendered_with_namespaced_type(
    client: Any, body: dict[str, Any], headers: dict[str, str], wire_type: str, message: str
) -> None:
    _assert_error(_post(client, json.dumps(body), headers), 400, wire_type, message)


def test_error_without_message_has_no_message_member() -> None:
    answer = protocol.encode_error(SerializationException(None))
    assert json.loads(answer.body) == {"__type": "com.amazon.coral.service#SerializationException"}
    assert ("X-Amzn-Errortype", "SerializationException") in answer.headers


def test_unexpected_exception_is_a_logged_json_internal_failure(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """No request makes the service crash (the fuzz suite checks it), so a route of its own,
    added to an app from the real factory, reaches the app's last-resort handler."""

    def crash() -> Any:
        raise RuntimeError("boom")

    app.add_url_rule("/crash", "crash", crash, methods=["POST"])
    answer = app.test_client().post("/crash", data=b"{}", headers=HEADERS)
    _assert_error(answer, 500, "com.amazon.coral.service#InternalFailure", None)
    assert answer.headers["x-amzn-RequestId"]
    assert any("InternalFailure" in record.getMessage() for record in caplog.records)
    assert b"boom" not in answer.get_data(), "the bug's details stay in the log"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/", 405, "UnknownOperationException"), ("POST", "/other", 404, "UnknownOperationException")],
)
def test_http_errors_use_the_same_envelope(
    client: Any, method: str, path: str, status: int, code: str
) -> None:
    answer = client.open(path, method=method, headers=HEADERS)
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert answer.headers["x-amzn-RequestId"]
    assert json.loads(answer.get_data())["__type"].endswith(f"#{code}")


def test_oversized_body_is_a_json_413(client: Any) -> None:
    answer = _post(client, b'{"definition":"' + b"x" * (9 * 1024 * 1024) + b'"}')
    assert answer.status_code == 413
    assert json.loads(answer.get_data())["__type"].endswith("#RequestEntityTooLargeException")


# --------------------------------------------------------------------------------------------
# Headers on every answer
# --------------------------------------------------------------------------------------------
def test_every_answer_carries_a_fresh_uuid4_request_id(client: Any) -> None:
    answers = [
        client.get("/health"),
        _post(client, b"[]"),
        _post(client, json.dumps({"definition": PASS}), {"X-Amz-Target": "x"}),
        client.get("/"),
    ]
    ids = [answer.headers["x-amzn-RequestId"] for answer in answers]
    assert all(uuid.UUID(value).version == 4 for value in ids)
    assert len(set(ids)) == len(ids)


def test_answers_are_complete_bytes_with_content_length(client: Any) -> None:
    answer = _post(client, json.dumps({"definition": PASS, "inspectionLevel": "FOO"}))
    body = answer.get_data()
    assert answer.headers["Content-Length"] == str(len(body))
    assert not answer.is_streamed
    assert b": " not in body.split(b'"message"')[0], "compact JSON"


def test_health(client: Any) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert json.loads(answer.get_data()) == {"status": "ok"}


def test_any_host_is_accepted(client: Any) -> None:
    headers = {**HEADERS, "Host": "sync-localhost:5000"}
    answer = _post(client, json.dumps({"definition": PASS, "inspectionLevel": "FOO"}), headers)
    assert answer.status_code == 400
    assert "inspectionLevel" in json.loads(answer.get_data())["message"]


# --------------------------------------------------------------------------------------------
# Region
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "region"),
    [
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/states/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=abc",
            "eu-west-1",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=test/20991231/ap-southeast-2/states/aws4_request,SignedHeaders=host",
            "ap-southeast-2",
        ),
        ("AWS4-HMAC-SHA256 Credential=/20250101/us-gov-west-1/states/aws4_request", "us-gov-west-1"),
        ("AWS4-HMAC-SHA256 Credential=AKID/2025/eu-west-1/states/aws4_request", "us-east-1"),
        ("Bearer token", "us-east-1"),
        ("", "us-east-1"),
        (None, "us-east-1"),
    ],
)
def test_region_from_sigv4_credential_scope(header: str | None, region: str) -> None:
    assert protocol.region_from_authorization(header) == region


def test_region_default_is_configurable() -> None:
    assert protocol.region_from_authorization(None, "eu-central-1") == "eu-central-1"


PASS_CONTEXT = json.dumps({"Type": "Pass", "Parameters": {"context.$": "$$"}, "End": True})


def _arn_region_and_account(answer: Any) -> tuple[str, str]:
    assert answer.status_code == 200, answer.get_data()
    execution_id = json.loads(json.loads(answer.get_data())["output"])["context"]["Execution"]["Id"]
    parts = execution_id.split(":")
    return parts[3], parts[4]


def test_region_reaches_the_operation(client: Any) -> None:
    headers = {
        **HEADERS,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AK/20250101/eu-west-3/states/aws4_request",
    }
    answer = _post(
        client,
        json.dumps({"definition": PASS_CONTEXT, "roleArn": "arn:aws:iam::210987654321:role/R"}),
        headers,
    )
    assert _arn_region_and_account(answer) == ("eu-west-3", "210987654321")


def test_region_without_credential_scope_is_the_configured_default() -> None:
    from teststate import create_app

    client = create_app({"TESTSTATE_DEFAULT_REGION": "eu-central-1"}).test_client()
    answer = _post(client, json.dumps({"definition": PASS_CONTEXT}))
    assert _arn_region_and_account(answer) == ("eu-central-1", "123456789012")


def test_a_real_answer_on_the_wire(client: Any) -> None:
    answer = _post(
        client, json.dumps({"definition": PASS, "input": '{"a": [1, "é"]}', "inspectionLevel": "DEBUG"})
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert uuid.UUID(answer.headers["x-amzn-RequestId"]).version == 4
    assert (
        answer.get_data()
        == (
            '{"status":"SUCCEEDED","output":"{\\"a\\":[1,\\"é\\"]}","inspectionData":{'
            '"input":"{\\"a\\":[1,\\"é\\"]}","afterInputPath":"{\\"a\\":[1,\\"é\\"]}",'
            '"afterParameters":"{\\"a\\":[1,\\"é\\"]}","afterResultSelector":"{\\"a\\":[1,\\"é\\"]}",'
            '"afterResultPath":"{\\"a\\":[1,\\"é\\"]}"}}'
        ).encode()
    )


# --------------------------------------------------------------------------------------------
# The real server
# --------------------------------------------------------------------------------------------
@pytest.mark.e2e
def test_boto3_sees_model_validation_errors(sfn: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        sfn.test_state(definition=PASS, inspectionLevel="FOO")
    error = caught.value.response
    assert error["Error"]["Code"] == "ValidationException"
    assert error["Error"]["Message"] == (
        "1 validation error detected: Value 'FOO' at 'inspectionLevel' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INFO, DEBUG, TRACE]"
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert uuid.UUID(error["ResponseMetadata"]["RequestId"]).version == 4
