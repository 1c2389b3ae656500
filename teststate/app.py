"""The app: `create_app`, and the one path of an API call (``POST /``).

An API call is answered straight from WSGI by `answer_api_call`: read the body (`read_body`),
dispatch on ``X-Amz-Target``, decode, validate and run (the operation), encode. Every request
problem is an `ApiError`, answered in the one place that renders them
(`teststate.protocol.encode_error`); anything else is a bug, answered by `internal_failure` (a
logged JSON 500 ``InternalFailure``; the fuzz suite asserts it never happens).

Flask's request machinery (request context, routing, hooks, response object) is not involved: it
cost more than the rest of a small request (profiled: ~100 us of ~450 us for a Pass state). Flask
answers the rest: ``GET /health``, and wrong paths and methods (werkzeug's 404 and 405, rendered
as API errors by the same function). Every answer gets one access-log line (`teststate.access_log`).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from flask import Flask, Response, request
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.wsgi import get_content_length, get_input_stream

from teststate import access_log, protocol
from teststate.budget import CONFIG_KEY as BUDGET_CONFIG_KEY
from teststate.errors import ApiError, InternalFailure
from teststate.executions.runner import request_in_flight
from teststate.settings import LOG_LEVELS, Settings
from teststate.storage.db import Database

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = [
    "ServiceApp",
    "answer_api_call",
    "answer_api_request",
    "create_app",
    "internal_failure",
    "is_plain_service_app",
    "read_body",
]

# The app's logger (Flask's `app.logger` is the one named after the app): bugs are logged here.
_log: Final = logging.getLogger("teststate")

# Werkzeug's HTTP errors, in the AWS envelope (AWS's codes for these are not recorded; ours).
_HTTP_ERROR_CODES: Final[Mapping[int, str]] = {
    404: "UnknownOperationException",
    405: "UnknownOperationException",
    413: "RequestEntityTooLargeException",
}
# Worded like Lambda's RequestEntityTooLargeException: the one AWS answer of this kind we know
# the words of; Step Functions' own is not recorded.
MSG_TOO_LARGE: Final = "Request must be smaller than {limit} bytes for the {operation} operation"

# A refused body is still read (and thrown away) up to this much, so the client, which is busy
# sending it, gets to read the 413 instead of a connection reset. Beyond it the connection is
# dropped unread: nobody sends 16 MiB to a 1 MiB API by mistake.
DRAIN_LIMIT_BYTES: Final = 16 * 1024 * 1024
DRAIN_SECONDS: Final = 5.0

# Where a Flask route leaves its answer for the access line (`_respond`).
_ANSWER_KEY: Final = "teststate.answer"


def create_app(config: Mapping[str, Any] | None = None, settings: Settings | None = None) -> ServiceApp:
    """Build the app: ``POST /`` (the API), ``GET /health``, the error answers and the access log.

    Arguments:
        config: Flask config overrides (tests), applied after the settings; read once, here.
        settings: the bounds; from the environment when not given.
    """
    settings = settings if settings is not None else Settings.from_env(os.environ)
    values: dict[str, Any] = {
        # Region for ARNs when the request carries no SigV4 credential scope.
        "TESTSTATE_DEFAULT_REGION": protocol.DEFAULT_REGION,
        # Refused from Content-Length before any of the body is read; a chunked body is read
        # up to the limit and refused when more follows (`read_body`).
        "MAX_CONTENT_LENGTH": settings.max_body_bytes,
        "TESTSTATE_MAX_JSON_DEPTH": settings.max_json_depth,
        # The core's bounds for every run (interpreter.limits; README "Bounds").
        "TESTSTATE_LIMITS": settings.limits,
        BUDGET_CONFIG_KEY: settings.request_budget_seconds,
        "TESTSTATE_LOG_LEVEL": settings.log_level,
        **(config or {}),
    }
    access_log.configure(LOG_LEVELS.get(str(values["TESTSTATE_LOG_LEVEL"]).lower(), logging.INFO))
    max_body = values.get("MAX_CONTENT_LENGTH")
    # State machines and executions: in the data directory, shared by every worker (the app is
    # built once in gunicorn's master, so a temporary directory is made once per server).
    data_dir = str(values.get("TESTSTATE_DATA_DIR") or settings.data_dir or "")
    if not data_dir:
        data_dir = tempfile.mkdtemp(prefix="teststate-data-")
    app = ServiceApp(
        protocol.ServiceConfig(
            default_region=str(values["TESTSTATE_DEFAULT_REGION"]),
            max_body_bytes=int(max_body) if max_body is not None else None,
            max_json_depth=int(values["TESTSTATE_MAX_JSON_DEPTH"]),
            limits=values.get("TESTSTATE_LIMITS") or settings.limits,
            budget_seconds=float(values.get(BUDGET_CONFIG_KEY) or 0),
            database=Database(data_dir),
            clock=str(values.get("TESTSTATE_CLOCK") or settings.clock),
            mock_config=str(values.get("TESTSTATE_MOCK_CONFIG") or settings.mock_config),
            # A test may pass its own `CallSettings` in `config`.
            service_calls=values.get("TESTSTATE_SERVICE_CALLS") or settings.service_calls,
            activity_poll_seconds=float(
                values.get("TESTSTATE_ACTIVITY_POLL_SECONDS", settings.activity_poll_seconds)
            ),
        )
    )
    app.config.update(values)

    def api() -> Response:
        # Never called: `ServiceApp.wsgi_app` answers POST / before Flask routes it. The rule
        # tells Flask's router that / takes POST, so that other methods get a 405, not a 404.
        return _respond(answer_api_call(app.service, request.environ))

    app.add_url_rule("/", "api", api, methods=["POST"])
    app.add_url_rule("/health", "health", _health, methods=["GET"])
    app.register_error_handler(Exception, _error)
    return app


class ServiceApp(Flask):
    """Flask, with ``POST /`` answered before Flask's request machinery (`answer_api_call`).

    Attributes:
        service: what answering an API call needs from the configuration.
    """

    def __init__(self, service: protocol.ServiceConfig) -> None:
        # Named after the package: the app's logger is ``teststate``.
        super().__init__("teststate")
        self.service = service

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request, and write its access line."""
        started = time.perf_counter()
        answer: protocol.Answer | None
        if environ.get("PATH_INFO") == "/" and environ.get("REQUEST_METHOD") == "POST":
            answer = answer_api_call(self.service, environ)
            start_response(answer.status_line, answer.headers)
            body: Iterable[bytes] = [answer.body]
        else:
            body = super().wsgi_app(environ, start_response)
            answer = environ.get(_ANSWER_KEY)
        if answer is not None:
            access_log.write(answer, started)
        return body

    def answer_call(self, target: str | None, authorization: str | None, data: bytes) -> protocol.Answer:
        """``POST /`` from its parts, without WSGI: what `wsgi_app` answers a request with this
        ``X-Amz-Target``, ``Authorization`` and whole body (its Content-Length), and its access
        line. The in-process client's fast path (`teststate.toolkit.client.WsgiTransport`)."""
        started = time.perf_counter()
        answer = answer_api_request(self.service, target, authorization, data)
        access_log.write(answer, started)
        return answer


# The entry points as defined here: an app whose class was patched since is not plain.
_WSGI_APP: Final = ServiceApp.wsgi_app
_CALL: Final = ServiceApp.__call__


def is_plain_service_app(app: object) -> bool:
    """Is `app` a `ServiceApp` entered as defined here: not a subclass, no middleware put in
    place of its ``wsgi_app``, no patched entry point? Then `ServiceApp.answer_call` answers an
    API call as calling it through WSGI would."""
    return (
        type(app) is ServiceApp
        and ServiceApp.wsgi_app is _WSGI_APP
        and ServiceApp.__call__ is _CALL
        and "wsgi_app" not in vars(app)
    )


# --------------------------------------------------------------------------------------------
# POST /: the API call
# --------------------------------------------------------------------------------------------
def answer_api_call(config: protocol.ServiceConfig, environ: WSGIEnvironment) -> protocol.Answer:
    """Answer one ``POST /``: dispatch, read and decode the body, validate and run, encode.

    The target is checked before the body is read: a call to an unknown operation costs no read.
    Never raises: an `ApiError` is its error answer, anything else `internal_failure`.
    """
    with request_in_flight():
        return _answer(
            config, environ.get("HTTP_X_AMZ_TARGET"), environ.get("HTTP_AUTHORIZATION"), environ, b""
        )


def answer_api_request(
    config: protocol.ServiceConfig, target: str | None, authorization: str | None, data: bytes
) -> protocol.Answer:
    """`answer_api_call` for a request given by its parts: the ``X-Amz-Target`` and
    ``Authorization`` headers (None: absent) and the whole body, as sent with its Content-Length.

    The same answer as the WSGI path gives that request (fuzz/test_fast_inprocess_props.py), minus
    building and reading a WSGI environment. Never raises.
    """
    with request_in_flight():
        return _answer(config, target, authorization, None, data)


def _answer(
    config: protocol.ServiceConfig,
    target: str | None,
    authorization: str | None,
    environ: WSGIEnvironment | None,
    data: bytes,
) -> protocol.Answer:
    """One API call: from WSGI (`environ`, whose body is read here) or from its parts (`data`)."""
    operation, body = "-", None
    try:
        operation, handler = protocol.operation_for(target)
        if environ is not None:
            data = read_body(environ, config.max_body_bytes, operation)
        elif config.max_body_bytes is not None and len(data) > config.max_body_bytes:
            # What `read_body` answers for a declared length over the limit.
            raise http_api_error(RequestEntityTooLarge(), config.max_body_bytes, operation)
        body = protocol.read_json_body(data, config.max_json_depth)
        region = protocol.region_from_authorization(authorization, config.default_region)
        payload = handler(body, region, config)
    except ApiError as error:
        return protocol.encode_error(error, operation=operation, request=body)
    except Exception as error:
        return internal_failure(error, "POST", "/", operation=operation)
    return protocol.encode_result(payload, operation=operation, request=body)


def read_body(environ: WSGIEnvironment, max_body: int | None, operation: str = "TestState") -> bytes:
    """The request body, at most `max_body` bytes of it.

    A Content-Length within the limit is read as it is. Anything else (a chunked body, no or a
    malformed Content-Length, one over the limit) follows werkzeug's rules, as Flask's
    ``request.get_data()`` applies them: a declared length over the limit is refused before any
    of the body is read; a chunked body is read up to the limit, where werkzeug silently stops,
    and one more byte decides.

    Raises:
        ApiError: ``RequestEntityTooLargeException`` (413) for a body over the limit, once what
            is left of it was read (`drain`); ``BadRequestException`` (400) for a body shorter
            than its Content-Length.
    """
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length.isascii() and length.isdigit() and (max_body is None or int(length) <= max_body):
        size = int(length)
        data: bytes = stream.read(size)
        if len(data) < size:
            raise http_api_error(ClientDisconnected())  # as werkzeug's request stream does
        return data
    try:
        data = get_input_stream(environ, max_content_length=max_body).read()
        if (
            max_body is not None
            and get_content_length(environ) is None
            and len(data) >= max_body
            and stream.read(1)
        ):
            raise RequestEntityTooLarge()
    except RequestEntityTooLarge as error:
        drain(environ)
        raise http_api_error(error, max_body, operation) from None
    except HTTPException as error:
        raise http_api_error(error) from None
    return data


def drain(environ: WSGIEnvironment) -> None:
    """Read and discard what is left of a refused body (bounded), so the client sees the answer.

    A server that closes a connection with unread data makes the kernel send a reset, and the
    client, still writing, fails with a broken pipe before it can read the 413.
    """
    declared = get_content_length(environ)
    if declared is not None and declared > DRAIN_LIMIT_BYTES:
        return
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    drained, deadline = 0, time.monotonic() + DRAIN_SECONDS
    try:
        while drained < DRAIN_LIMIT_BYTES and time.monotonic() < deadline:
            chunk = stream.read(min(65_536, DRAIN_LIMIT_BYTES - drained))
            if not chunk:
                return
            drained += len(chunk)
    except Exception:
        return


def http_api_error(
    error: HTTPException, max_body: int | None = None, operation: str = "TestState"
) -> ApiError:
    """Werkzeug's HTTP error as an `ApiError` (AWS's envelope, our codes); a body over the limit is
    refused naming the `operation` that was called."""
    status = error.code or 400
    message = (
        MSG_TOO_LARGE.format(limit=max_body, operation=operation) if status == 413 else error.description
    )
    return ApiError(_HTTP_ERROR_CODES.get(status, "BadRequestException"), message, status=status)


def internal_failure(error: Exception, method: str, path: str, *, operation: str = "-") -> protocol.Answer:
    """The last resort, the answer to a bug: a logged JSON 500 ``InternalFailure``.

    The exception's message may quote the request: only its type and where it was raised are
    logged, unless payloads may be logged (debug).
    """
    where = "".join(traceback.format_tb(error.__traceback__))
    _log.error(
        "InternalFailure while answering %s %s: %s\n%s",
        method,
        path,
        type(error).__name__,
        where,
        exc_info=error if access_log.logs_payloads() else None,
    )
    return protocol.encode_error(InternalFailure(), operation=operation)


# --------------------------------------------------------------------------------------------
# What Flask answers
# --------------------------------------------------------------------------------------------
def _health() -> Response:
    return _respond(protocol.encode_answer({"status": "ok"}, operation="health"))


def _error(error: Exception) -> Response:
    """Flask's answer to whatever its routes raise: werkzeug's HTTP errors (wrong path or method)
    as API errors, an `ApiError` as it is, anything else the last resort."""
    if isinstance(error, HTTPException):
        error = http_api_error(error, request.max_content_length)
    if isinstance(error, ApiError):
        return _respond(protocol.encode_error(error))
    return _respond(internal_failure(error, request.method, request.path))


def _respond(answer: protocol.Answer) -> Response:
    """`answer` as a Flask response, left in the WSGI environment for its access line."""
    request.environ[_ANSWER_KEY] = answer
    return Response(answer.body, status=answer.status, headers=answer.headers)
