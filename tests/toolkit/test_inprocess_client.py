"""The in-process boto3 client (teststate.toolkit.client): the real server's answers, without a socket.

The comparison with the real server runs a spread of requests (every status, inspection levels,
mocks, the API's errors, an operation the service does not have) through both and asserts the
same parsed answers, HTTP statuses and protocol headers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from teststate.settings import Settings
from teststate.toolkit.client import (
    EndpointError,
    call_app,
    endpoint_client,
    inprocess_client,
    is_aws_endpoint,
    route_to_app,
    shared_app,
    wsgi_environ,
)


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


MACHINE = _text(
    {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.kind", "StringEquals": "big", "Next": "Charge"},
                    {"Variable": "$.kind", "StringEquals": "small", "Next": "Done"},
                ],
            },
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "Error": "Charge.Failed", "Cause": "no charge"},
        },
    }
)
LAMBDA_RESULT = _text({"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": {"ok": True}})

# A spread of requests: every status, the inspection levels, mocks, and the API's errors.
CASES: dict[str, dict[str, Any]] = {
    "pass-result": {"definition": _text({"Type": "Pass", "Result": {"a": 1}, "End": True}), "input": "{}"},
    "pass-parameters-debug": {
        "definition": _text(
            {
                "Type": "Pass",
                "Parameters": {"sum.$": "States.MathAdd($.a, $.b)", "label": "x"},
                "ResultPath": "$.out",
                "Next": "N",
            }
        ),
        "input": _text({"a": 40, "b": 2}),
        "inspectionLevel": "DEBUG",
    },
    "pass-jsonata-trace": {
        "definition": _text(
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"total": "{% $sum($states.input.items) %}", "currency": "{% $currency %}"},
                "End": True,
            }
        ),
        "input": _text({"items": [1, 2, 3.5]}),
        "variables": _text({"currency": "EUR"}),
        "inspectionLevel": "TRACE",
    },
    "choice-by-name": {"definition": MACHINE, "stateName": "Route", "input": _text({"kind": "big"})},
    "choice-no-match": {"definition": MACHINE, "stateName": "Route", "input": _text({"kind": "none"})},
    "task-mock-result": {
        "definition": MACHINE,
        "stateName": "Charge",
        "input": _text({"kind": "big"}),
        "mock": {"result": LAMBDA_RESULT},
        "inspectionLevel": "DEBUG",
    },
    "task-retriable": {
        "definition": MACHINE,
        "stateName": "Charge",
        "input": "{}",
        "mock": {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow"}},
    },
    "task-caught-after-retries": {
        "definition": MACHINE,
        "stateName": "Charge",
        "input": "{}",
        "mock": {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow"}},
        "stateConfiguration": {"retrierRetryCount": 2},
        "inspectionLevel": "DEBUG",
    },
    "fail-state": {"definition": MACHINE, "stateName": "Failed", "input": "{}"},
    "map-mocked": {
        "definition": _text(
            {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Double",
                    "States": {"Double": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}},
                },
                "End": True,
            }
        ),
        "input": _text([1, 2, 3]),
        "mock": {"result": _text([{"v": 1}, {"v": 2}, {"v": 3}])},
        "inspectionLevel": "DEBUG",
    },
    "context-member": {
        "definition": _text(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload": {"name.$": "$$.Execution.Name"}},
                "End": True,
            }
        ),
        "input": "{}",
        "context": _text({"Execution": {"Name": "run-1"}}),
        "mock": {"result": LAMBDA_RESULT},
        "inspectionLevel": "DEBUG",
    },
    "error-map-without-mock": {
        "definition": _text(
            {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        ),
        "input": "[1]",
    },
    "mock-result-off-shape": {
        "definition": MACHINE,
        "stateName": "Charge",
        "input": "{}",
        "mock": {"result": _text({"StatusCode": "two hundred"})},
    },
    "error-invalid-definition": {"definition": "{", "input": "{}"},
    "error-schema": {"definition": _text({"Type": "Pas", "End": True})},
    "error-unknown-state": {"definition": MACHINE, "stateName": "Nope"},
    "error-input-not-json": {"definition": MACHINE, "stateName": "Done", "input": "{nope"},
    "error-mock-on-pass": {
        "definition": _text({"Type": "Pass", "End": True}),
        "mock": {"result": "{}"},
    },
    "error-inspection-level": {"definition": _text({"Type": "Pass", "End": True}), "inspectionLevel": "LOUD"},
    "error-role-arn": {"definition": _text({"Type": "Pass", "End": True}), "roleArn": "not-an-arn"},
}
PROTOCOL_HEADERS = ("content-type", "content-length", "x-amzn-errortype")


def _answer(call: Callable[[], dict[str, Any]]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(HTTP status, parsed answer or error, protocol headers); the request id checked apart."""
    try:
        response = call()
    except ClientError as error:
        response = dict(error.response)
    meta = response.pop("ResponseMetadata")
    headers = meta["HTTPHeaders"]
    assert headers["x-amzn-requestid"] == meta["RequestId"]
    assert len(meta["RequestId"]) == 36
    return meta["HTTPStatusCode"], response, {k: headers[k] for k in PROTOCOL_HEADERS if k in headers}


@pytest.fixture(scope="module")
def http_client(server: str) -> Any:
    return endpoint_client(server)


@pytest.fixture(scope="module")
def local() -> Any:
    return inprocess_client()


@pytest.mark.e2e
@pytest.mark.parametrize("case", list(CASES))
def test_answers_are_the_real_servers(case: str, http_client: Any, local: Any) -> None:
    params = CASES[case]
    expected = _answer(lambda: http_client.test_state(**params))
    assert _answer(lambda: local.test_state(**params)) == expected
    if case.startswith("error-"):
        assert expected[0] == 400 and "Error" in expected[1]


@pytest.mark.e2e
def test_an_operation_the_service_lacks_is_the_same_error(http_client: Any, local: Any) -> None:
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    expected = _answer(lambda: http_client.list_state_machine_aliases(stateMachineArn=arn))
    assert expected[0] == 400
    assert expected[1]["Error"]["Code"] == "UnknownOperationException"
    assert _answer(lambda: local.list_state_machine_aliases(stateMachineArn=arn)) == expected


# --------------------------------------------------------------------------------------------
# What the app sees
# --------------------------------------------------------------------------------------------
class Recorder:
    """A WSGI app in front of the shared one, keeping each environment and body it was sent."""

    def __init__(self) -> None:
        self.environs: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        self.environs.append(dict(environ))
        self.bodies.append(body)
        return shared_app()(environ, start_response)


def test_the_sync_host_prefix_reaches_the_app() -> None:
    recorder = Recorder()
    sfn = inprocess_client(app=recorder, region="eu-west-3")
    answer = sfn.test_state(definition=_text({"Type": "Pass", "End": True}), input='{"a": 1}')
    assert answer["status"] == "SUCCEEDED"
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    environ = recorder.environs[0]
    assert environ["HTTP_HOST"] == "sync-states.eu-west-3.amazonaws.com"
    assert environ["SERVER_NAME"] == "sync-states.eu-west-3.amazonaws.com"
    assert (environ["SERVER_PORT"], environ["wsgi.url_scheme"]) == ("443", "https")
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == ("POST", "/", "")
    assert environ["CONTENT_LENGTH"] == str(len(recorder.bodies[0]))
    assert environ["CONTENT_TYPE"] == "application/x-amz-json-1.0"
    assert environ["HTTP_X_AMZ_TARGET"] == "AWSStepFunctions.TestState"
    assert environ["HTTP_AUTHORIZATION"].startswith("AWS4-HMAC-SHA256 Credential=test/")
    assert "/eu-west-3/states/aws4_request" in environ["HTTP_AUTHORIZATION"]
    assert json.loads(recorder.bodies[0]) == {
        "definition": '{"Type":"Pass","End":true}',
        "input": '{"a": 1}',
    }


def test_the_region_is_the_clients() -> None:
    sfn = inprocess_client(region="ap-southeast-2")
    definition = _text({"Type": "Pass", "Parameters": {"arn.$": "$$.StateMachine.Id"}, "End": True})
    output = json.loads(sfn.test_state(definition=definition, input="{}")["output"])
    assert output["arn"].startswith("arn:aws:states:ap-southeast-2:")


def test_the_machines_aws_configuration_is_not_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "5")
    sfn = inprocess_client()
    assert sfn.meta.endpoint_url == "https://states.us-east-1.amazonaws.com"
    assert sfn.test_state(definition=_text({"Type": "Pass", "End": True}))["status"] == "SUCCEEDED"


def test_settings_make_an_app_of_their_own() -> None:
    small = Settings(max_body_bytes=2048)
    sfn = inprocess_client(settings=small)
    assert shared_app(small) is shared_app(small) is not shared_app()
    with pytest.raises(ClientError) as refused:
        sfn.test_state(definition=_text({"Type": "Pass", "Comment": "x" * 4096, "End": True}))
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert refused.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    with pytest.raises(TypeError, match="not both"):
        inprocess_client(app=shared_app(), settings=small)


def test_routing_a_client_again_replaces_its_app() -> None:
    first, second = Recorder(), Recorder()
    sfn = route_to_app(inprocess_client(app=first), second)
    sfn.test_state(definition=_text({"Type": "Pass", "End": True}))
    assert (len(first.environs), len(second.environs)) == (0, 1)


def test_an_app_that_raises_reaches_the_caller() -> None:
    def broken(environ: Any, start_response: Any) -> Iterable[bytes]:
        raise RuntimeError("the app broke")

    with pytest.raises(RuntimeError, match="the app broke"):
        inprocess_client(app=broken).test_state(definition="{}")


def test_the_services_app_answers_api_calls_without_wsgi_and_logs_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from teststate.app import ServiceApp, create_app

    app = create_app(settings=Settings.from_env({}))  # the server's access log (info)
    calls: list[str | None] = []
    original = app.answer_call

    def answer_call(target: str | None, authorization: str | None, data: bytes) -> Any:
        calls.append(target)
        return original(target, authorization, data)

    app.answer_call = answer_call  # type: ignore[method-assign]  # an instance attribute: a spy
    sfn = inprocess_client(app=app)
    assert sfn.test_state(definition=_text({"Type": "Pass", "End": True}))["status"] == "SUCCEEDED"
    assert calls == ["AWSStepFunctions.TestState"]
    assert isinstance(app, ServiceApp)
    assert "operation=TestState state_type=Pass outcome=SUCCEEDED http_status=200" in capsys.readouterr().err


def test_an_app_behind_middleware_is_called_through_wsgi() -> None:
    from teststate.app import create_app

    app = create_app(settings=Settings.from_env({}))
    seen: list[str] = []
    inner = app.wsgi_app

    def middleware(environ: Any, start_response: Any) -> Iterable[bytes]:
        seen.append(environ["HTTP_X_AMZ_TARGET"])
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]  # as Flask documents middleware
    inprocess_client(app=app).test_state(definition=_text({"Type": "Pass", "End": True}))
    assert seen == ["AWSStepFunctions.TestState"]


# --------------------------------------------------------------------------------------------
# The WSGI pieces
# --------------------------------------------------------------------------------------------
def test_the_environment_follows_pep_3333() -> None:
    environ = wsgi_environ(
        "PUT",
        "http://user@example.test:8080/a%20b/%C3%A9?x=1&y=%202",
        [("X-Thing", b"one"), ("x-thing", "two"), ("Host", "other:1"), ("Content-Length", "999")],
        b"body",
    )
    assert environ["REQUEST_METHOD"] == "PUT"
    assert environ["PATH_INFO"] == "/a b/\xc3\xa9"  # percent-decoded bytes, read as latin-1
    assert environ["QUERY_STRING"] == "x=1&y=%202"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"], environ["wsgi.url_scheme"]) == (
        "example.test",
        "8080",
        "http",
    )
    assert environ["HTTP_HOST"] == "other:1"  # a Host header replaces the URL's
    assert environ["HTTP_X_THING"] == "one,two"
    assert environ["CONTENT_LENGTH"] == "4"  # the body's, whatever the header said
    assert environ["wsgi.input"].read() == b"body"
    assert environ["wsgi.version"] == (1, 0) and environ["SCRIPT_NAME"] == ""
    assert "CONTENT_TYPE" not in environ
    default = wsgi_environ("GET", "http://example.test", [], b"")
    assert (default["PATH_INFO"], default["SERVER_PORT"], default["HTTP_HOST"]) == ("/", "80", "example.test")


def test_call_app_collects_written_and_returned_parts_and_closes() -> None:
    closed: list[bool] = []

    class Parts:
        def __iter__(self) -> Iterator[bytes]:
            yield from (b"b", b"c")

        def close(self) -> None:
            closed.append(True)

    def app(environ: Any, start_response: Any) -> Iterable[bytes]:
        write = start_response("201 Created", [("X-A", "1")])
        write(b"a")
        return Parts()

    answer = call_app(app, wsgi_environ("GET", "http://h/", [], b""))
    assert (answer.status, answer.headers, answer.body, closed) == (201, [("X-A", "1")], b"abc", [True])

    def silent(environ: Any, start_response: Any) -> Iterable[bytes]:
        return []

    with pytest.raises(RuntimeError, match="start_response"):
        call_app(silent, wsgi_environ("GET", "http://h/", [], b""))


# --------------------------------------------------------------------------------------------
# Clients for an endpoint
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "aws"),
    [
        ("https://states.us-east-1.amazonaws.com", True),
        ("https://sync-states.eu-west-3.amazonaws.com/", True),
        ("https://states-fips.us-gov-west-1.amazonaws.com", True),
        ("https://states.cn-north-1.amazonaws.com.cn", True),
        ("http://states.us-east-1.amazonaws.com", False),
        ("http://127.0.0.1:8083", False),
        ("https://teststate.example.com", False),
    ],
)
def test_aws_endpoints_are_told_apart(url: str, aws: bool) -> None:
    assert is_aws_endpoint(url) is aws


@pytest.mark.parametrize("url", ["127.0.0.1:8083", "ftp://host", "http://", ""])
def test_an_unusable_endpoint_is_refused(url: str) -> None:
    with pytest.raises(EndpointError, match="not an endpoint URL"):
        endpoint_client(url)


def test_a_local_endpoint_gets_no_host_prefix_no_retries_dummy_credentials() -> None:
    client = endpoint_client("http://127.0.0.1:8083")
    assert client.meta.endpoint_url == "http://127.0.0.1:8083"
    assert client.meta.config.inject_host_prefix is False
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert client.meta.region_name == "us-east-1"
    # What it would send, answered by a local app instead: signed with the dummy key, no sync-.
    recorder = Recorder()
    route_to_app(client, recorder).test_state(definition=_text({"Type": "Pass", "End": True}))
    environ = recorder.environs[0]
    assert environ["HTTP_HOST"] == "127.0.0.1:8083"
    assert environ["HTTP_AUTHORIZATION"].startswith("AWS4-HMAC-SHA256 Credential=test/")


def test_aws_itself_is_configured_as_for_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    client = endpoint_client("https://sync-states.eu-west-3.amazonaws.com")
    assert client.meta.endpoint_url == "https://states.eu-west-3.amazonaws.com"  # botocore adds sync-
    assert client.meta.config.inject_host_prefix is True
    assert client.meta.region_name == "eu-west-3"
    assert endpoint_client("https://states.eu-west-3.amazonaws.com", region="eu-west-1").meta.region_name == (
        "eu-west-1"
    )
