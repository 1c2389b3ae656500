"""The service's fast paths answer exactly what the slow ones do.

- ``POST /`` is answered straight from WSGI (teststate._ApiFastPath) instead of through Flask's
  view: same status line, headers (but the request id), body and access line;
- a valid request body is built by plain checks compiled from the marshmallow schemas
  (teststate.validation.request._compile), which accept exactly what the schemas accept;
- the access line is written without a LogRecord, in the logging format it replaces.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from teststate import _ApiFastPath, create_app
from teststate.validation.request import _INVALID, _LOAD_VALID_TEST_STATE_INPUT, _TEST_STATE_INPUT

TARGET = "AWSStepFunctions.TestState"
PASS = json.dumps({"Type": "Pass", "Parameters": {"a.$": "$.a"}, "End": True})
TASK = json.dumps(
    {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "End": True,
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
    }
)
SCOPE = "AWS4-HMAC-SHA256 Credential=AK/20250101/eu-west-3/states/aws4_request"

REQUESTS: list[tuple[dict[str, str], bytes]] = [
    ({"X-Amz-Target": TARGET}, json.dumps({"definition": PASS, "input": '{"a": [1, "é"]}'}).encode()),
    (
        {"X-Amz-Target": TARGET},
        json.dumps({"definition": PASS, "input": '{"a": 1}', "inspectionLevel": "DEBUG"}).encode(),
    ),
    ({"X-Amz-Target": TARGET, "Authorization": SCOPE}, json.dumps({"definition": PASS}).encode()),
    (
        {"X-Amz-Target": TARGET},
        json.dumps(
            {"definition": TASK, "mock": {"errorOutput": {"error": "E"}}, "inspectionLevel": "TRACE"}
        ).encode(),
    ),
    ({"X-Amz-Target": TARGET}, json.dumps({"definition": PASS, "input": "nope"}).encode()),
    ({"X-Amz-Target": TARGET}, json.dumps({"definition": PASS, "inspectionLevel": "FOO"}).encode()),
    ({"X-Amz-Target": TARGET}, json.dumps({"definition": 1}).encode()),
    ({"X-Amz-Target": TARGET}, json.dumps({"definition": "{"}).encode()),
    ({"X-Amz-Target": TARGET}, b"[]"),
    ({"X-Amz-Target": TARGET}, b"\xff"),
    ({"X-Amz-Target": TARGET}, b""),
    ({"X-Amz-Target": "AWSStepFunctions.StartExecution"}, b"{}"),
    ({}, b"{}"),
    ({"X-Amz-Target": TARGET}, json.dumps({"definition": PASS, "input": '"\\ud800"'}).encode()),
]


def _environ(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8083",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-amz-json-1.0",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _call(wsgi: Any, headers: dict[str, str], body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: list[Any] = []
    chunks = wsgi(_environ(headers, body), lambda status, head, exc_info=None: seen.append((status, head)))
    data = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    status, head = seen[0]
    return status, [(name, value) for name, value in head if name.lower() != "x-amzn-requestid"], data


def _without_volatile(body: bytes) -> Any:
    """The answer with the generated parts (ids and times in a context) masked."""
    return re.sub(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", b"<uuid>", body)


@pytest.mark.parametrize(("headers", "body"), REQUESTS)
def test_the_fast_path_answers_what_the_flask_view_answers(headers: dict[str, str], body: bytes) -> None:
    app = create_app()
    fast = app.wsgi_app
    assert isinstance(fast, _ApiFastPath)
    by_fast = _call(fast, headers, body)
    by_flask = _call(fast.flask, headers, body)
    assert by_fast[0] == by_flask[0]
    assert by_fast[1] == by_flask[1]
    assert _without_volatile(by_fast[2]) == _without_volatile(by_flask[2])


@pytest.mark.parametrize(
    ("method", "path", "length"),
    [
        ("GET", "/", None),
        ("POST", "/other", "2"),
        ("POST", "/", None),
        ("POST", "/", "99999999"),
        ("PUT", "/", "2"),
    ],
)
def test_everything_else_is_left_to_flask(method: str, path: str, length: str | None) -> None:
    seen: list[Any] = []
    fast = _ApiFastPath(
        lambda environ, start: seen.append(environ) or [b""], create_app().extensions["teststate"], 1000
    )
    environ = _environ({"X-Amz-Target": TARGET}, b"{}")
    environ.update(REQUEST_METHOD=method, PATH_INFO=path)
    if length is None:
        del environ["CONTENT_LENGTH"]
    else:
        environ["CONTENT_LENGTH"] = length
    fast(environ, lambda *args: None)
    assert seen == [environ]


def test_a_body_shorter_than_its_content_length_is_a_400() -> None:
    environ = _environ({"X-Amz-Target": TARGET}, b"{}")
    environ["CONTENT_LENGTH"] = "10"
    seen: list[str] = []
    body = b"".join(create_app().wsgi_app(environ, lambda status, head, exc_info=None: seen.append(status)))
    assert seen == ["400 BAD REQUEST"]
    assert json.loads(body)["__type"].endswith("#BadRequestException")


def test_a_bug_on_the_fast_path_is_a_logged_internal_failure(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from teststate import protocol

    def crash(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(protocol.OPERATIONS, TARGET, crash)  # type: ignore[index]
    status, _, body = _call(create_app().wsgi_app, {"X-Amz-Target": TARGET}, b"{}")
    assert status == "500 INTERNAL SERVER ERROR"
    assert json.loads(body) == {"__type": "com.amazon.coral.service#InternalFailure"}
    assert any(
        "InternalFailure while answering POST /: RuntimeError" in r.getMessage() for r in caplog.records
    )
    assert b"boom" not in body


# --------------------------------------------------------------------------------------------
# The access line
# --------------------------------------------------------------------------------------------
def test_the_access_line_is_the_logging_format(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app()
    _call(
        app.wsgi_app, {"X-Amz-Target": TARGET}, json.dumps({"definition": PASS, "input": '{"a": 1}'}).encode()
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = logging.makeLogRecord(
        {"name": "teststate.access", "levelno": logging.INFO, "levelname": "INFO", "msg": "MESSAGE"}
    )
    template = logging.Formatter("%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s").format(
        record
    )
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.fullmatch(stamp + r" \[\d+\] \[INFO\] teststate\.access: MESSAGE", template)
    assert re.fullmatch(
        stamp + rf" \[{__import__('os').getpid()}\] \[INFO\] teststate\.access: request_id=[0-9a-f-]{{36}} "
        r"operation=TestState state_type=Pass outcome=SUCCEEDED http_status=200 duration_ms=\d+\.\d",
        line,
    ), line


def test_a_handler_added_by_someone_else_gets_the_records() -> None:
    from teststate import _access_log

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    app = create_app()
    handler = Keep()
    _access_log.addHandler(handler)
    try:
        _call(app.wsgi_app, {"X-Amz-Target": TARGET}, json.dumps({"definition": PASS}).encode())
    finally:
        _access_log.removeHandler(handler)
    assert [record.getMessage().split(" ")[1] for record in records] == ["operation=TestState"]


# --------------------------------------------------------------------------------------------
# The schema's plain checks
# --------------------------------------------------------------------------------------------
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**33), 2**33),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "INFO", "DEBUG", "TRACE", "STRICT", "NONE", "😀" * 41, "y" * 81, "FOO"]),
)
_MEMBER = st.sampled_from(
    [
        "definition",
        "roleArn",
        "input",
        "inspectionLevel",
        "revealSecrets",
        "variables",
        "stateName",
        "context",
        "mock",
        "stateConfiguration",
        "other",
    ]
)
_INNER = st.dictionaries(
    st.sampled_from(
        [
            "result",
            "errorOutput",
            "fieldValidationMode",
            "error",
            "cause",
            "retrierRetryCount",
            "errorCausedByState",
            "mapIterationFailureCount",
            "mapItemReaderData",
            "x",
        ]
    ),
    st.one_of(_SCALARS, st.dictionaries(st.sampled_from(["error", "cause"]), _SCALARS, max_size=2)),
    max_size=4,
)
_BODIES = st.dictionaries(_MEMBER, st.one_of(_SCALARS, _INNER, st.lists(_SCALARS, max_size=2)), max_size=6)


@settings(max_examples=1500)
@given(body=st.one_of(_BODIES, _BODIES.map(lambda body: {"definition": "{}", **body})))
def test_the_plain_checks_accept_exactly_what_the_schema_accepts(body: dict[str, Any]) -> None:
    fast = _LOAD_VALID_TEST_STATE_INPUT(body)
    try:
        loaded = _TEST_STATE_INPUT.load(body)
    except ValidationError:
        assert fast is _INVALID
    else:
        assert fast == loaded
