"""HTTP Tasks (``arn:aws:states:::http:invoke``) really called, and a Task's ``Credentials`` role.

A real HTTP server (``http.server`` in a thread, on a free loopback port) records every request
it gets and answers by path; the EventBridge connection lives in the session's moto server. TestState
requests go through the whole request path of an in-process app with calls on to moto
(``TESTSTATE_SERVICE_CALLS=1 AWS_ENDPOINT_URL=<moto>``); one execution runs in the real gunicorn
server. Nothing in between is mocked.

Not recorded (ours, `teststate/integrations/http_task.py`): the TRACE headers' rendering
(``[Name: value, ...]``), the placeholder of hidden secrets (``<redacted>``), the cause of a
non-2xx answer (the result as JSON text), and the refusal of endpoints outside the allowed ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.executions_support import finished
from tests.moto_server import service_call_env
from teststate.integrations import CallSettings
from teststate.integrations.http_task import SECRET_PLACEHOLDER, refusal
from teststate.testing import ServerDidNotStart, start_server

from .conftest import REGION
from .support import create_table, in_process_test_state, serving, unique_name

ROLE = "arn:aws:iam::123456789012:role/sfn"
RESOURCE = "arn:aws:states:::http:invoke"
API_KEY = "s3cret-key"
STS_REFUSAL = (
    "<ErrorResponse xmlns='https://sts.amazonaws.com/doc/2011-06-15/'><Error><Type>Sender</Type>"
    "<Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message>"
    "</Error><RequestId>4b1e2a8c-0000-4000-8000-000000000000</RequestId></ErrorResponse>"
)


class _Recorder(BaseHTTPRequestHandler):
    """Records each request; answers JSON echoing it, a 404 under /missing, text under /text,
    STS's refusal of AssumeRole under /sts, and N bytes of text under /bytes/N."""

    server: _RecordingServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        self.server.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers.items()), "body": body}
        )
        route = urlsplit(self.path).path
        if route == "/missing":
            status, kind, text = 404, "application/json", json.dumps({"message": "no such order"})
        elif route == "/text":
            status, kind, text = 200, "text/plain; charset=utf-8", "plain words"
        elif route.startswith("/sts"):
            status, kind, text = 403, "text/xml", STS_REFUSAL
        elif route.startswith("/bytes/"):
            status, kind, text = 200, "text/plain", "a" * int(route.removeprefix("/bytes/"))
        else:
            status, kind, text = 200, "application/json", json.dumps({"method": self.command, "got": body})
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Echo", "one")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _RecordingServer(ThreadingHTTPServer):
    seen: list[dict[str, Any]]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[_RecordingServer]:
    server = _RecordingServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    with serving(server):
        yield server


@pytest.fixture
def api(endpoint: _RecordingServer) -> str:
    """The URL of the recording server, its record emptied."""
    endpoint.seen.clear()
    return f"http://127.0.0.1:{endpoint.server_address[1]}"


@pytest.fixture(scope="module")
def connection(aws: Any) -> str:
    """An API_KEY connection adding a header, a query parameter and a body parameter."""
    created = aws("events").create_connection(
        Name=unique_name("api"),
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": API_KEY},
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Tenant", "Value": "tenant-7", "IsValueSecret": False}],
                "QueryStringParameters": [{"Key": "region", "Value": "eu", "IsValueSecret": False}],
                "BodyParameters": [{"Key": "source", "Value": "sfn", "IsValueSecret": False}],
            },
        },
    )
    return str(created["ConnectionArn"])


@pytest.fixture
def test_state(settings: CallSettings) -> Any:
    return in_process_test_state(settings)


def _http_task(parameters: dict[str, Any], **members: Any) -> str:
    return json.dumps(
        {"Type": "Task", "Resource": RESOURCE, "Parameters": parameters, "End": True, **members}
    )


def _request(definition: str, **members: Any) -> dict[str, Any]:
    return {"definition": definition, "roleArn": ROLE, "input": "{}", **members}


def test_get_with_headers_and_query_parameters(
    test_state: Any, api: str, connection: str, endpoint: Any
) -> None:
    definition = _http_task(
        {
            "ApiEndpoint": f"{api}/orders",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection},
            "Headers": {"X-Trace": "abc"},
            "QueryParameters": {"status": "open", "tags": ["a", "b"]},
        }
    )
    answer = test_state(_request(definition))
    assert answer["status"] == "SUCCEEDED", answer
    [seen] = endpoint.seen
    assert seen["method"] == "GET"
    parts = urlsplit(seen["path"])
    assert parts.path == "/orders"
    assert parse_qsl(parts.query) == [("status", "open"), ("tags", "a"), ("tags", "b"), ("region", "eu")]
    headers = seen["headers"]
    assert headers["X-Trace"] == "abc"
    assert headers["x-api-key"] == API_KEY  # the connection's authorization
    assert headers["X-Tenant"] == "tenant-7"  # and its invocation header
    assert headers["User-Agent"] == f"Amazon|StepFunctions|HttpInvoke|{REGION}"
    assert headers["Range"] == "bytes=0-262144"
    assert seen["body"] == ""  # a GET sends no body
    output = json.loads(answer["output"])
    assert list(output) == ["Headers", "ResponseBody", "StatusCode", "StatusText"]
    assert output["ResponseBody"] == {"method": "GET", "got": ""}  # JSON is parsed
    assert (output["StatusCode"], output["StatusText"]) == (200, "OK")
    assert output["Headers"]["X-Echo"] == ["one"]
    assert output["Headers"]["Content-Type"] == ["application/json"]


def test_post_with_a_json_body(test_state: Any, api: str, connection: str, endpoint: Any) -> None:
    definition = json.dumps(
        {
            "QueryLanguage": "JSONata",
            "Type": "Task",
            "Resource": RESOURCE,
            "Arguments": {
                "ApiEndpoint": f"{api}/orders",
                "Method": "POST",
                "Authentication": {"ConnectionArn": connection},
                "RequestBody": {"order": "{% $states.input.id %}", "lines": [1, 2]},
            },
            "Output": "{% $states.result.ResponseBody %}",
            "End": True,
        }
    )
    answer = test_state(_request(definition, input='{"id": "o-1"}'))
    assert answer["status"] == "SUCCEEDED", answer
    [seen] = endpoint.seen
    assert seen["method"] == "POST"
    assert seen["headers"]["Content-Type"] == "application/json; charset=UTF-8"
    sent = json.loads(seen["body"])
    assert sent == {"order": "o-1", "lines": [1, 2], "source": "sfn"}  # the connection's body parameter
    assert json.loads(answer["output"]) == {"method": "POST", "got": seen["body"]}


@pytest.mark.parametrize(
    ("array_format", "expected"),
    [
        ("INDICES", [("items[0]", "x"), ("items[1]", "y")]),
        ("BRACKETS", [("items[]", "x"), ("items[]", "y")]),
        ("REPEAT", [("items", "x"), ("items", "y")]),
        ("COMMAS", [("items", "x,y")]),
    ],
)
def test_a_url_encoded_body(
    test_state: Any, api: str, connection: str, endpoint: Any, array_format: str, expected: list[Any]
) -> None:
    definition = _http_task(
        {
            "ApiEndpoint": f"{api}/form",
            "Method": "PUT",
            "Authentication": {"ConnectionArn": connection},
            "RequestBody": {"name": "a b", "items": ["x", "y"], "meta": {"n": 1}},
            "Transform": {
                "RequestBodyEncoding": "URL_ENCODED",
                "RequestEncodingOptions": {"ArrayFormat": array_format},
            },
        }
    )
    answer = test_state(_request(definition))
    assert answer["status"] == "SUCCEEDED", answer
    [seen] = endpoint.seen
    assert seen["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(seen["body"]) == [("name", "a b"), *expected, ("meta[n]", "1"), ("source", "sfn")]


def test_a_text_answer_stays_text(test_state: Any, api: str, connection: str) -> None:
    definition = _http_task(
        {"ApiEndpoint": f"{api}/text", "Method": "GET", "Authentication": {"ConnectionArn": connection}},
        ResultSelector={"body.$": "$.ResponseBody"},
    )
    answer = test_state(_request(definition))
    assert json.loads(answer["output"]) == {"body": "plain words"}


@pytest.mark.parametrize("size", [300_000, 16 * 1024 * 1024 + 1])
def test_a_body_over_the_payload_quota_fails_the_task(
    test_state: Any, api: str, connection: str, size: int
) -> None:
    # A connector's output over the 262,144-byte payload quota fails with
    # States.DataLimitExceeded (Developer Guide, "Handling errors", error names), even when a
    # ResultSelector would keep little of it; past the 16 MiB this server reads, the body is
    # not read at all, never cut short.
    definition = _http_task(
        {
            "ApiEndpoint": f"{api}/bytes/{size}",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection},
        },
        ResultSelector={"status.$": "$.StatusCode"},
    )
    answer = test_state(_request(definition))
    assert (answer["status"], answer["error"]) == ("FAILED", "States.DataLimitExceeded"), answer
    assert answer["cause"] == (
        "The state/task 'http' returned a result with a size exceeding the maximum number of bytes"
        " service limit."
    )


def test_a_404_fails_with_its_status_code_and_is_caught(test_state: Any, api: str, connection: str) -> None:
    definition = _http_task(
        {"ApiEndpoint": f"{api}/missing", "Method": "GET", "Authentication": {"ConnectionArn": connection}},
        Catch=[{"ErrorEquals": ["States.Http.StatusCode.404"], "Next": "NotFound"}],
    )
    answer = test_state(_request(definition, inspectionLevel="DEBUG"))
    assert (answer["status"], answer["nextState"]) == ("CAUGHT_ERROR", "NotFound"), answer
    caught = json.loads(answer["output"])
    assert caught["Error"] == "States.Http.StatusCode.404"
    cause = json.loads(caught["Cause"])  # ours: the response as the result would have had it
    assert (cause["StatusCode"], cause["StatusText"]) == (404, "Not Found")
    assert cause["ResponseBody"] == {"message": "no such order"}
    assert answer["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_an_endpoint_outside_the_allowed_ones_is_refused(test_state: Any, connection: str) -> None:
    definition = _http_task(
        {
            "ApiEndpoint": "https://api.example.com/v1/orders",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection},
        },
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Elsewhere"}],
    )
    answer = test_state(_request(definition))
    # States.Runtime: no Catch takes a test down another path because a call was refused.
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime"), answer
    assert "TESTSTATE_HTTP_ENDPOINTS" in answer["cause"]
    assert "https://api.example.com/v1/orders" in answer["cause"]


def test_which_endpoints_are_allowed() -> None:
    emulator = CallSettings.from_env(
        {
            "TESTSTATE_SERVICE_CALLS": "1",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
            "TESTSTATE_HTTP_ENDPOINTS": "https://api.test, http://stage.test/v1/",
        }
    )
    assert emulator.http_endpoints == ("https://api.test", "http://stage.test/v1/")
    hash(emulator)  # settings key the in-process app cache
    for allowed in (
        "http://127.0.0.1:9/x",
        "http://127.8.9.1/",
        "http://localhost:8080/a",
        "http://[::1]:81/",
        "https://api.test",
        "https://api.test/orders?x=1",
        "http://stage.test/v1/orders",
    ):
        assert refusal(allowed, emulator) is None, allowed
    for refused in (
        "https://api.test.evil.com/",
        "https://api.testing/",
        "http://stage.test/v2/orders",
        "http://10.0.0.1/",
        "ftp://127.0.0.1/",
    ):
        assert refusal(refused, emulator) is not None, refused
    anywhere = CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "aws"})
    assert refusal("https://api.example.com/v1", anywhere) is None


def test_a_listed_prefix_that_is_not_a_url_stops_the_settings() -> None:
    with pytest.raises(ValueError, match="TESTSTATE_HTTP_ENDPOINTS"):
        CallSettings.from_env(
            {
                "TESTSTATE_SERVICE_CALLS": "1",
                "AWS_ENDPOINT_URL": "http://x",
                "TESTSTATE_HTTP_ENDPOINTS": "api.test",
            }
        )


def test_trace_shows_the_exchange_with_the_connection_secrets_hidden(
    test_state: Any, api: str, connection: str, endpoint: Any
) -> None:
    definition = _http_task(
        {
            "ApiEndpoint": f"{api}/orders",
            "Method": "POST",
            "Authentication": {"ConnectionArn": connection},
            "Headers": {"X-Trace": "abc"},
            "RequestBody": {"order": 1},
        }
    )
    answer = test_state(_request(definition, inspectionLevel="TRACE"))
    assert answer["status"] == "SUCCEEDED", answer
    inspection = answer["inspectionData"]
    request, response = inspection["request"], inspection["response"]
    assert all(isinstance(value, str) for value in [*request.values(), *response.values()])
    assert set(request) == {"protocol", "method", "url", "headers", "body"}
    assert set(response) == {"protocol", "statusCode", "statusMessage", "headers", "body"}
    assert (request["method"], request["protocol"]) == ("POST", "HTTP/1.1")
    assert (
        request["url"] == f"{api}/orders?region={SECRET_PLACEHOLDER.replace('<', '%3C').replace('>', '%3E')}"
    )
    assert "X-Trace: abc" in request["headers"]
    assert f"x-api-key: {SECRET_PLACEHOLDER}" in request["headers"]
    assert f"X-Tenant: {SECRET_PLACEHOLDER}" in request["headers"]
    assert API_KEY not in json.dumps(inspection)
    assert json.loads(request["body"]) == {"order": 1, "source": SECRET_PLACEHOLDER}
    assert (response["statusCode"], response["statusMessage"]) == ("200", "OK")
    assert "X-Echo: one" in response["headers"]
    assert json.loads(response["body"]) == json.loads(answer["output"])["ResponseBody"]
    # The endpoint got the real values, and the other members are DEBUG's.
    assert endpoint.seen[0]["headers"]["x-api-key"] == API_KEY
    assert {
        "input",
        "afterInputPath",
        "afterParameters",
        "result",
        "afterResultSelector",
        "afterResultPath",
    } <= set(inspection)

    revealed = test_state(_request(definition, inspectionLevel="TRACE", revealSecrets=True))["inspectionData"]
    assert f"x-api-key: {API_KEY}" in revealed["request"]["headers"]
    assert "X-Tenant: tenant-7" in revealed["request"]["headers"]
    assert revealed["request"]["url"] == f"{api}/orders?region=eu"
    assert json.loads(revealed["request"]["body"]) == {"order": 1, "source": "sfn"}


def test_trace_shows_a_failed_answer(test_state: Any, api: str, connection: str) -> None:
    definition = _http_task(
        {"ApiEndpoint": f"{api}/missing", "Method": "DELETE", "Authentication": {"ConnectionArn": connection}}
    )
    answer = test_state(_request(definition, inspectionLevel="TRACE"))
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Http.StatusCode.404")
    assert answer["inspectionData"]["response"]["statusCode"] == "404"
    assert json.loads(answer["inspectionData"]["request"]["body"]) == {"source": SECRET_PLACEHOLDER}


def test_debug_and_info_show_no_exchange(test_state: Any, api: str, connection: str) -> None:
    definition = _http_task(
        {"ApiEndpoint": f"{api}/orders", "Method": "GET", "Authentication": {"ConnectionArn": connection}}
    )
    debug = test_state(_request(definition, inspectionLevel="DEBUG"))
    assert debug["status"] == "SUCCEEDED"
    assert "result" in debug["inspectionData"]
    assert not {"request", "response"} & set(debug["inspectionData"])
    assert "inspectionData" not in test_state(_request(definition))


def test_a_mocked_http_task_makes_no_exchange(
    test_state: Any, api: str, connection: str, endpoint: Any
) -> None:
    definition = _http_task(
        {"ApiEndpoint": f"{api}/orders", "Method": "GET", "Authentication": {"ConnectionArn": connection}}
    )
    mocked = json.dumps({"StatusCode": 200, "StatusText": "OK", "Headers": {}, "ResponseBody": {}})
    answer = test_state(_request(definition, inspectionLevel="TRACE", mock={"result": mocked}))
    assert answer["status"] == "SUCCEEDED"
    assert not {"request", "response"} & set(answer["inspectionData"])
    assert endpoint.seen == []


def test_an_unknown_connection_fails_the_task(test_state: Any, api: str, connection: str) -> None:
    missing = connection.replace(":connection/", ":connection/gone-")
    definition = _http_task(
        {"ApiEndpoint": f"{api}/orders", "Method": "GET", "Authentication": {"ConnectionArn": missing}}
    )
    answer = test_state(_request(definition))
    assert (answer["status"], answer["error"]) == ("FAILED", "Events.ConnectionResource.ResourceNotFound")


@pytest.mark.parametrize(
    "change",
    [
        {"Method": {"not": "a method"}},
        {"Method": "TRACE"},
        {"Headers": {"X-Bad": "line\r\nInjected: yes"}},
        {"Headers": ["not", "an", "object"]},
        {"Transform": {"RequestBodyEncoding": ["URL_ENCODED"]}},
        {"Surprise": 1},
        {"Authentication": {}},
    ],
)
def test_parameters_that_cannot_make_a_request_fail_the_state(
    test_state: Any, api: str, connection: str, endpoint: Any, change: dict[str, Any]
) -> None:
    parameters = {"ApiEndpoint": f"{api}/x", "Method": "GET", "Authentication": {"ConnectionArn": connection}}
    answer = test_state(_request(_http_task({**parameters, **change})))
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime"), answer
    assert "could not be used to start the Task" in answer["cause"]
    assert endpoint.seen == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:notaport/x", "http://[::1/x", "file:///etc/passwd", "x"])
def test_an_endpoint_that_is_not_an_http_url_is_refused(test_state: Any, connection: str, url: str) -> None:
    answer = test_state(
        _request(
            _http_task({"ApiEndpoint": url, "Method": "GET", "Authentication": {"ConnectionArn": connection}})
        )
    )
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime"), answer


def test_a_closed_port_is_a_socket_error(test_state: Any, connection: str) -> None:
    from teststate.testing import free_loopback_port

    definition = _http_task(
        {
            "ApiEndpoint": f"http://127.0.0.1:{free_loopback_port()}/x",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection},
        },
        Retry=[{"ErrorEquals": ["States.Http.Socket"], "MaxAttempts": 1}],
    )
    assert test_state(_request(definition))["status"] == "RETRIABLE"


# --------------------------------------------------------------------------------------------
# Credentials
# --------------------------------------------------------------------------------------------
def _get_item(table: str, credentials: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": table, "Key": {"id": {"S": "known"}}},
            "Credentials": credentials,
            "ResultSelector": {"data.$": "$.Item.data.S"},
            "End": True,
        }
    )


def test_credentials_are_the_roles_assumed_through_sts(test_state: Any, aws: Any) -> None:
    table = create_table(aws, {"id": {"S": "known"}, "data": {"S": "here"}})
    same_account = test_state(
        _request(_get_item(table, {"RoleArn.$": "$.role"}), input=json.dumps({"role": ROLE}))
    )
    assert (same_account["status"], json.loads(same_account["output"])) == ("SUCCEEDED", {"data": "here"})
    # moto gives an assumed role's credentials the role's account: another account has no table,
    # which shows the call was made with the assumed credentials and not the server's own.
    other = test_state(_request(_get_item(table, {"RoleArn": "arn:aws:iam::111122223333:role/elsewhere"})))
    assert (other["status"], other["error"]) == ("FAILED", "DynamoDB.ResourceNotFoundException"), other


def test_a_role_sts_refuses_fails_the_task(moto_url: str, api: str, aws: Any) -> None:
    table = create_table(aws, {"id": {"S": "known"}, "data": {"S": "here"}})
    # STS at the recording server, which answers AssumeRole with STS's AccessDenied.
    refusing = CallSettings.from_env(
        {"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": moto_url, "AWS_ENDPOINT_URL_STS": f"{api}/sts"}
    )
    answer = in_process_test_state(refusing)(_request(_get_item(table, {"RoleArn": ROLE})))
    assert answer["status"] == "FAILED", answer
    assert answer["error"].startswith("DynamoDB.")
    assert "AccessDenied" in answer["cause"]


# --------------------------------------------------------------------------------------------
# An execution in the real server
# --------------------------------------------------------------------------------------------
def test_an_execution_calls_the_endpoint(moto_url: str, api: str, connection: str, endpoint: Any) -> None:
    import boto3
    from botocore.config import Config

    try:
        running = start_server(workers=1, env=service_call_env(moto_url), start_timeout=30)
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        sfn = boto3.client(
            "stepfunctions",
            region_name=REGION,
            endpoint_url=running.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
        )
        definition = {
            "StartAt": "Create",
            "States": {
                "Create": {
                    "Type": "Task",
                    "Resource": RESOURCE,
                    "Parameters": {
                        "ApiEndpoint": f"{api}/orders",
                        "Method": "POST",
                        "Authentication": {"ConnectionArn": connection},
                        "RequestBody.$": "$",
                    },
                    "ResultSelector": {"status.$": "$.StatusCode", "echo.$": "$.ResponseBody.got"},
                    "Next": "Lookup",
                },
                "Lookup": {
                    "Type": "Task",
                    "Resource": RESOURCE,
                    "Parameters": {
                        "ApiEndpoint": f"{api}/missing",
                        "Method": "GET",
                        "Authentication": {"ConnectionArn": connection},
                    },
                    "Catch": [
                        {
                            "ErrorEquals": ["States.Http.StatusCode.404"],
                            "ResultPath": "$.error",
                            "Next": "Done",
                        }
                    ],
                    "End": True,
                },
                "Done": {"Type": "Succeed"},
            },
        }
        machine = sfn.create_state_machine(
            name=unique_name("http"), definition=json.dumps(definition), roleArn=ROLE
        )
        started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"order": 7}')
        described = finished(sfn, started["executionArn"], timeout=20.0)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["status"] == 200
    assert json.loads(output["echo"]) == {"order": 7, "source": "sfn"}
    assert output["error"]["Error"] == "States.Http.StatusCode.404"
    assert [(seen["method"], urlsplit(seen["path"]).path) for seen in endpoint.seen] == [
        ("POST", "/orders"),
        ("GET", "/missing"),
    ]
    assert all(seen["headers"]["x-api-key"] == API_KEY for seen in endpoint.seen)
