"""The one path of an API call: ``POST /`` answered straight from WSGI (teststate.app).

Every ``POST /`` is answered by `answer_api_call`, whatever its body (Content-Length within or
over the limit, chunked, malformed length, shorter than declared), without Flask's request
machinery; Flask answers the rest. The answers' status lines, header order, 413 draining and
access lines are pinned here; the wire answers themselves through the real server are in
test_protocol.py, test_limits.py and test_server.py.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from teststate import create_app, protocol
from teststate.app import DRAIN_LIMIT_BYTES, MSG_TOO_LARGE

TARGET = "AWSStepFunctions.TestState"
PASS = json.dumps({"Type": "Pass", "Parameters": {"a.$": "$.a"}, "End": True})
OK_BODY = json.dumps({"definition": PASS, "input": '{"a": 1}'}).encode()
MAX_BODY = 1000
BIG_BODY = b'{"definition": "' + b"x" * 3000 + b'"}'
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _environ(
    *,
    body: bytes = OK_BODY,
    method: str = "POST",
    path: str = "/",
    length: str | None = "auto",
    target: str | None = TARGET,
    terminated: bool = True,
    chunked: bool = False,
) -> dict[str, Any]:
    """A WSGI environment as gunicorn builds it (``wsgi.input_terminated`` included)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8083",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if length == "auto":
        environ["CONTENT_LENGTH"] = str(len(body))
    elif length is not None:
        environ["CONTENT_LENGTH"] = length
    if target is not None:
        environ["HTTP_X_AMZ_TARGET"] = target
    if terminated:
        environ["wsgi.input_terminated"] = True
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    return environ


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], Any]:
    seen: list[Any] = []
    chunks = app(environ, lambda status, headers, exc_info=None: seen.append((status, headers)))
    data = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    status, headers = seen[0]
    return status, headers, json.loads(data)


@pytest.fixture
def app() -> Any:
    return create_app({"MAX_CONTENT_LENGTH": MAX_BODY})


@pytest.fixture
def no_flask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Flask's own WSGI handling fails the test if it is reached."""

    def reached(*args: Any) -> Any:
        raise AssertionError("Flask's request machinery answered a POST /")

    monkeypatch.setattr(Flask, "wsgi_app", reached)
    yield


# --------------------------------------------------------------------------------------------
# Every POST / takes the one path
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("shape", "status", "code"),
    [
        ({}, "200 OK", None),
        ({"length": "0"}, "400 BAD REQUEST", "ValidationException"),
        ({"length": None, "chunked": True}, "200 OK", None),
        ({"length": None}, "200 OK", None),
        ({"length": "abc"}, "200 OK", None),
        ({"body": BIG_BODY}, "413 REQUEST ENTITY TOO LARGE", "RequestEntityTooLargeException"),
        (
            {"body": BIG_BODY, "length": None, "chunked": True},
            "413 REQUEST ENTITY TOO LARGE",
            "RequestEntityTooLargeException",
        ),
        ({"length": "500"}, "400 BAD REQUEST", "BadRequestException"),
        ({"body": b"[]"}, "400 BAD REQUEST", "SerializationException"),
        ({"target": "AWSStepFunctions.Nope"}, "400 BAD REQUEST", "UnknownOperationException"),
    ],
    ids=[
        "content-length",
        "empty",
        "chunked",
        "no-length",
        "malformed-length",
        "over-the-limit",
        "chunked-over-the-limit",
        "shorter-than-declared",
        "not-an-object",
        "unknown-target",
    ],
)
def test_every_post_is_answered_on_the_one_path(
    app: Any, no_flask: None, shape: dict[str, Any], status: str, code: str | None
) -> None:
    answered_status, headers, payload = _call(app, _environ(**shape))
    assert answered_status == status
    names = [name for name, _ in headers]
    assert names == ["Content-Type", "Content-Length", "x-amzn-RequestId"] + (
        ["X-Amzn-Errortype"] if code else []
    )
    assert headers[0] == ("Content-Type", "application/x-amz-json-1.0")
    assert UUID.fullmatch(headers[2][1])
    if code is None:
        assert payload["status"] == "SUCCEEDED"
    else:
        assert payload["__type"].endswith(f"#{code}")
        assert headers[3] == ("X-Amzn-Errortype", code)


def test_everything_else_is_answered_by_flask(app: Any) -> None:
    for environ, status in [
        (_environ(method="GET"), "405 METHOD NOT ALLOWED"),
        (_environ(method="PUT"), "405 METHOD NOT ALLOWED"),
        (_environ(path="/other"), "404 NOT FOUND"),
        (_environ(method="GET", path="/health", length=None), "200 OK"),
    ]:
        assert _call(app, environ)[0] == status


def test_flask_routes_post_to_the_same_path(app: Any) -> None:
    """The rule behind the 405s: were Flask ever to route a POST /, it answers the same way."""
    seen: list[Any] = []
    body = b"".join(
        Flask.wsgi_app(app, _environ(), lambda status, headers, exc_info=None: seen.append(status))
    )
    assert seen == ["200 OK"]
    assert json.loads(body)["status"] == "SUCCEEDED"


def test_an_api_error_raised_in_a_flask_route_gets_the_same_envelope(app: Any) -> None:
    from teststate.errors import ValidationException

    def refuse() -> Any:
        raise ValidationException("no")

    app.add_url_rule("/refuse", "refuse", refuse)
    status, headers, payload = _call(app, _environ(method="GET", path="/refuse", length=None))
    assert status == "400 BAD REQUEST"
    assert payload == {"__type": "com.amazonaws.swf.service.v2.model#ValidationException", "message": "no"}
    assert ("X-Amzn-Errortype", "ValidationException") in headers


# --------------------------------------------------------------------------------------------
# Bodies: the limit, chunked bodies, draining
# --------------------------------------------------------------------------------------------
def test_a_refused_body_is_drained_so_the_client_reads_the_413(app: Any) -> None:
    environ = _environ(body=BIG_BODY)
    status, _, payload = _call(app, environ)
    assert status.startswith("413 ")
    assert payload == {
        "__type": "com.amazonaws.swf.service.v2.model#RequestEntityTooLargeException",
        "message": MSG_TOO_LARGE.format(limit=MAX_BODY, operation="TestState"),
    }
    assert environ["wsgi.input"].tell() == len(BIG_BODY)


def test_a_chunked_body_over_the_limit_is_refused_and_drained(app: Any) -> None:
    environ = _environ(body=BIG_BODY, length=None, chunked=True)
    assert _call(app, environ)[0].startswith("413 ")
    assert environ["wsgi.input"].tell() == len(BIG_BODY)


def test_a_chunked_body_of_exactly_the_limit_is_read() -> None:
    body = b'{"definition": "' + b"x" * (MAX_BODY - 18) + b'"}'
    assert len(body) == MAX_BODY
    status, _, payload = _call(create_app({"MAX_CONTENT_LENGTH": MAX_BODY}), _environ(body=body, length=None))
    assert status.startswith("400 ") and payload["__type"].endswith("#InvalidDefinition")


def test_a_body_declared_far_too_large_is_not_read_at_all(app: Any) -> None:
    environ = _environ(body=BIG_BODY, length=str(DRAIN_LIMIT_BYTES + 1))
    assert _call(app, environ)[0].startswith("413 ")
    assert environ["wsgi.input"].tell() == 0


def test_the_target_is_checked_before_the_body_is_read(app: Any) -> None:
    environ = _environ(body=BIG_BODY, target="AWSStepFunctions.Nope")
    status, _, payload = _call(app, environ)
    assert status.startswith("400 ") and payload["__type"].endswith("#UnknownOperationException")
    assert environ["wsgi.input"].tell() == 0


def test_a_body_shorter_than_its_content_length_is_a_400(app: Any) -> None:
    status, _, payload = _call(app, _environ(body=b"{}", length="10"))
    assert status == "400 BAD REQUEST"
    assert payload["__type"].endswith("#BadRequestException")


def test_without_a_length_or_a_terminated_stream_the_body_is_empty(app: Any) -> None:
    """werkzeug's rule: a stream the server does not terminate is not read without a length."""
    status, _, payload = _call(app, _environ(length=None, terminated=False))
    assert status.startswith("400 ")
    assert payload["message"].endswith(
        "Value null at 'definition' failed to satisfy constraint: Member must not be null"
    )


# --------------------------------------------------------------------------------------------
# The last resort
# --------------------------------------------------------------------------------------------
def test_a_bug_is_a_logged_internal_failure(
    app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(protocol.OPERATIONS, TARGET, crash)  # type: ignore[index]  # a Mapping at type level; a dict
    status, headers, payload = _call(app, _environ(body=b"{}"))
    assert status == "500 INTERNAL SERVER ERROR"
    assert payload == {"__type": "com.amazon.coral.service#InternalFailure"}
    assert ("X-Amzn-Errortype", "InternalFailure") in headers
    assert any(
        "InternalFailure while answering POST /: RuntimeError" in r.getMessage() for r in caplog.records
    )
    assert "boom" not in json.dumps(payload), "the bug's details stay in the log"


# --------------------------------------------------------------------------------------------
# The access line
# --------------------------------------------------------------------------------------------
def _access_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if "teststate.access" in line]


def test_the_access_line_is_the_logging_format(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _call(app, _environ())
    [line] = _access_lines(capsys)
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.fullmatch(
        stamp + rf" \[{os.getpid()}\] \[INFO\] teststate\.access: request_id=[0-9a-f-]{{36}} "
        r"operation=TestState state_type=Pass outcome=SUCCEEDED http_status=200 duration_ms=\d+\.\d",
        line,
    ), line


def test_every_answer_gets_one_access_line(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _call(app, _environ())
    _call(app, _environ(body=BIG_BODY))
    _call(app, _environ(method="GET", path="/health", length=None))
    _call(app, _environ(path="/other"))
    _call(app, _environ(method="GET"))
    lines = _access_lines(capsys)
    assert [re.sub(r".*request_id=\S+ (.*) duration_ms=.*", r"\1", line) for line in lines] == [
        "operation=TestState state_type=Pass outcome=SUCCEEDED http_status=200",
        "operation=TestState state_type=- outcome=RequestEntityTooLargeException http_status=413",
        "operation=health state_type=- outcome=- http_status=200",
        "operation=- state_type=- outcome=UnknownOperationException http_status=404",
        "operation=- state_type=- outcome=UnknownOperationException http_status=405",
    ]


def test_payloads_are_logged_at_debug_only(capsys: pytest.CaptureFixture[str]) -> None:
    _call(create_app({"TESTSTATE_LOG_LEVEL": "debug"}), _environ())
    lines = _access_lines(capsys)
    assert len(lines) == 2
    assert "[DEBUG]" in lines[1] and 'request={"definition"' in lines[1] and 'response={"status"' in lines[1]
    _call(create_app(), _environ())
    assert len(_access_lines(capsys)) == 1


def test_a_handler_added_by_someone_else_gets_the_records(app: Any) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("teststate.access")
    handler = Keep()
    log.addHandler(handler)
    try:
        _call(app, _environ())
    finally:
        log.removeHandler(handler)
    assert [record.getMessage().split(" ")[1] for record in records] == ["operation=TestState"]
