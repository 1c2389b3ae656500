"""The TestState service: a Flask app speaking AWS JSON 1.0 on ``POST /``.

`create_app` is the factory (gunicorn serves `teststate.wsgi:app`). The API call itself is
`teststate.protocol.answer_api`: decode, call the operation, encode; every request problem is an
`ApiError` rendered in ONE place. A ``POST /`` whose body has a Content-Length within the limit
is answered by `_ApiFastPath`, straight from WSGI: Flask's request machinery (request context,
routing, hooks, response object) cost more than the rest of a small request (profiled: ~100 us of
~450 us for a Pass state), so it is kept for everything else: ``GET /health``, a chunked or
oversized body, wrong paths and methods. A last-resort handler turns anything unexpected into a
logged JSON 500 ``InternalFailure`` (a bug: the fuzz suite asserts it never fires) and Werkzeug's
own HTTP errors (wrong path or method, body too large) into JSON errors of the same envelope.

Bounds and logging come from `teststate.settings.Settings` (environment ``TESTSTATE_*``). Every
request gets one access-log line on the ``teststate.access`` logger (request id, operation,
state type, outcome, HTTP status, duration); request and response payloads are sensitive and
are logged only at ``TESTSTATE_LOG_LEVEL=debug``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TextIO

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge

from interpreter import load_definition
from teststate import protocol
from teststate.budget import CONFIG_KEY as BUDGET_CONFIG_KEY
from teststate.errors import ApiError, InternalFailure, ModelValidationException
from teststate.settings import LOG_LEVELS, Settings

__all__ = ["ACCESS_LOGGER", "create_app"]

ACCESS_LOGGER: Final = "teststate.access"
_access_log: Final = logging.getLogger(ACCESS_LOGGER)
# Flask's `app.logger` is the logger named after the app's import name: the same one is used for
# bugs found on the fast path, outside any app context.
_app_log: Final = logging.getLogger(__name__)

# Werkzeug's HTTP errors, in the AWS envelope (wording not recorded [INFER]).
_HTTP_ERROR_CODES: Final[Mapping[int, str]] = {
    404: "UnknownOperationException",
    405: "UnknownOperationException",
    413: "RequestEntityTooLargeException",
}
# Worded like Lambda's RequestEntityTooLargeException, the one AWS answer of this kind on record
# in our sources [INFER].
MSG_TOO_LARGE: Final = "Request must be smaller than {limit} bytes for the TestState operation"

# A refused body is still read (and thrown away) up to this much, so the client, which is busy
# sending it, gets to read the 413 instead of a connection reset. Beyond it the connection is
# dropped unread: nobody sends 16 MiB to a 1 MiB API by mistake.
DRAIN_LIMIT_BYTES: Final = 16 * 1024 * 1024
DRAIN_SECONDS: Final = 5.0

# Errors raised after the definition was loaded: the state type is worth a (cached) lookup.
_LOADED_DEFINITION_ERRORS: Final = frozenset({"ValidationException", "InvalidExecutionInput"})


def create_app(config: Mapping[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the app: ``POST /`` (the API), ``GET /health``, the error handlers and access log.

    Arguments:
        config: Flask config overrides (tests), applied after the settings; read once, here.
        settings: the bounds; from the environment when not given.
    """
    settings = settings if settings is not None else Settings.from_env(os.environ)
    app = Flask(__name__)
    app.config.update(
        {
            # Region for ARNs when the request carries no SigV4 credential scope.
            "TESTSTATE_DEFAULT_REGION": protocol.DEFAULT_REGION,
            # Refused from Content-Length before any of the body is read; a chunked body is read
            # up to the limit and refused when more follows (`_request_body`).
            "MAX_CONTENT_LENGTH": settings.max_body_bytes,
            "TESTSTATE_MAX_JSON_DEPTH": settings.max_json_depth,
            # The core's bounds for every run (interpreter.limits; README "Bounds").
            "TESTSTATE_LIMITS": settings.limits,
            BUDGET_CONFIG_KEY: settings.request_budget_seconds,
            "TESTSTATE_LOG_LEVEL": settings.log_level,
        }
    )
    if config:
        app.config.update(config)
    _configure_access_log(LOG_LEVELS.get(str(app.config["TESTSTATE_LOG_LEVEL"]).lower(), logging.INFO))
    service = protocol.ServiceConfig(
        default_region=str(app.config["TESTSTATE_DEFAULT_REGION"]),
        max_json_depth=int(app.config["TESTSTATE_MAX_JSON_DEPTH"]),
        limits=app.config.get("TESTSTATE_LIMITS") or settings.limits,
        budget_seconds=float(app.config.get(BUDGET_CONFIG_KEY) or 0),
    )
    app.extensions["teststate"] = service
    app.add_url_rule("/", "api", _api, methods=["POST"])
    app.add_url_rule("/health", "health", _health, methods=["GET"])
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(Exception, _last_resort)
    app.before_request(_start_clock)
    app.after_request(_log_access)
    max_body = app.config.get("MAX_CONTENT_LENGTH")
    app.wsgi_app = _ApiFastPath(app.wsgi_app, service, int(max_body) if max_body is not None else None)  # type: ignore[method-assign]
    return app


# --------------------------------------------------------------------------------------------
# The fast path: POST / straight from WSGI
# --------------------------------------------------------------------------------------------
class _ApiFastPath:
    """WSGI middleware answering ``POST /`` with a Content-Length within the limit itself, and
    handing every other request to Flask (`app.wsgi_app`, Flask's documented middleware slot).

    It answers exactly what the Flask view would (both call `protocol.answer_api`), with the same
    headers, status lines, access-log line and last resort; Flask keeps what needs it: a chunked
    body (read up to the limit, `_request_body`), a body over the limit (413, drained), any other
    path or method (404/405), ``/health``.
    """

    __slots__ = ("flask", "max_body", "service")

    def __init__(
        self, flask: Callable[..., Iterable[bytes]], service: protocol.ServiceConfig, max_body: int | None
    ) -> None:
        self.flask = flask
        self.service = service
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        if (
            environ.get("PATH_INFO") != "/"
            or environ.get("REQUEST_METHOD") != "POST"
            or not length
            or not length.isdigit()
            or (self.max_body is not None and int(length) > self.max_body)
        ):
            return self.flask(environ, start_response)
        started = time.perf_counter()

        def body() -> bytes:
            data: bytes = environ["wsgi.input"].read(int(length))
            if len(data) < int(length):
                raise ClientDisconnected()  # as werkzeug's request stream does
            return data

        try:
            answer = protocol.answer_api(
                self.service, environ.get("HTTP_X_AMZ_TARGET"), environ.get("HTTP_AUTHORIZATION"), body
            )
        except HTTPException as error:
            answer = _http_error_answer(error)
        except Exception as error:
            answer = _internal_failure(error, "POST", "/")
        start_response(answer.status_line, answer.headers)
        if _access_log.isEnabledFor(logging.INFO):
            _log_answer(answer, started)
        return [answer.body]


# --------------------------------------------------------------------------------------------
# Views and error handlers
# --------------------------------------------------------------------------------------------
def _api() -> Response:
    """``POST /`` when the fast path left it to Flask (a chunked body): the same call."""
    service: protocol.ServiceConfig = current_app.extensions["teststate"]
    target = request.headers.get("X-Amz-Target")
    if target in protocol.OPERATIONS:  # for the log line of a body refused while it is read
        g.operation = target.rpartition(".")[2]
    g.answer = protocol.answer_api(service, target, request.headers.get("Authorization"), _request_body)
    return protocol.to_response(g.answer)


def _request_body() -> bytes:
    """The body, at most ``MAX_CONTENT_LENGTH`` bytes of it (413 beyond).

    A body with Content-Length is refused from the header by werkzeug. A chunked one is read
    up to the limit, which werkzeug silently stops at: one more byte decides.
    """
    data = request.get_data(cache=False)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit is not None and len(data) >= limit:
        stream = request.environ.get("wsgi.input")
        if stream is not None and stream.read(1):
            raise RequestEntityTooLarge()
    return data


def _health() -> Response:
    g.operation = "health"
    return protocol.json_response({"status": "ok"})


def _api_error(error: ApiError) -> Response:
    g.error = error
    return protocol.error_response(error)


def _last_resort(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        if error.code == 413:
            _drain_request_body()
            return _api_error(_http_error(error, current_app.config["MAX_CONTENT_LENGTH"]))
        return _api_error(_http_error(error))
    answer = _internal_failure(error, request.method, request.path)
    g.error = answer.error
    return protocol.to_response(answer)


def _http_error(error: HTTPException, max_body: int | None = None) -> ApiError:
    """Werkzeug's HTTP error in the AWS envelope."""
    status = error.code or 400
    message = MSG_TOO_LARGE.format(limit=max_body) if status == 413 else error.description
    return ApiError(_HTTP_ERROR_CODES.get(status, "BadRequestException"), message, status=status)


def _http_error_answer(error: HTTPException) -> protocol.Answer:
    return protocol.encode_error(_http_error(error))


def _internal_failure(error: Exception, method: str, path: str) -> protocol.Answer:
    """The answer to a bug: a logged JSON 500 ``InternalFailure``.

    The exception's message may quote the request: only its type and where it was raised are
    logged, unless payloads may be logged (debug).
    """
    where = "".join(traceback.format_tb(error.__traceback__))
    _app_log.error(
        "InternalFailure while answering %s %s: %s\n%s",
        method,
        path,
        type(error).__name__,
        where,
        exc_info=error if _access_log.isEnabledFor(logging.DEBUG) else None,
    )
    return protocol.encode_error(InternalFailure())


def _drain_request_body() -> None:
    """Read and discard what is left of a refused body (bounded), so the client sees the answer.

    A server that closes a connection with unread data makes the kernel send a reset, and the
    client, still writing, fails with a broken pipe before it can read the 413.
    """
    declared = request.content_length
    if declared is not None and declared > DRAIN_LIMIT_BYTES:
        return
    stream = request.environ.get("wsgi.input")
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


# --------------------------------------------------------------------------------------------
# Access log
# --------------------------------------------------------------------------------------------
class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (pytest swaps it between tests)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _configure_access_log(level: int) -> None:
    """One stderr handler on ``teststate.access`` (however many apps are created), at `level`."""
    _access_log.setLevel(level)
    _access_log.propagate = False
    if not any(isinstance(handler, _StderrHandler) for handler in _access_log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(_ACCESS_FORMAT))
        _access_log.addHandler(handler)


def _start_clock() -> None:
    g.started = time.perf_counter()


def _log_access(response: Response) -> Response:
    """The access line of a request Flask answered (the fast path writes its own)."""
    if not _access_log.isEnabledFor(logging.INFO):
        return response
    started = g.get("started")
    answer = g.get("answer")
    if answer is None:  # not the API: /health, or an error raised before the API was called
        error = g.get("error")
        answer = protocol.Answer(
            response.status_code,
            response.get_data(),
            [],
            response.headers.get("x-amzn-RequestId", "-"),
            operation=g.get("operation", "-"),
            outcome=error.code if isinstance(error, ApiError) else "-",
            error=error,
        )
    _log_answer(answer, started if started is not None else time.perf_counter())
    return response


def _log_answer(answer: protocol.Answer, started: float) -> None:
    """One line per request (request id, operation, state type, outcome, HTTP status, duration);
    payloads only at debug level."""
    duration_ms = (time.perf_counter() - started) * 1000
    _write_access_line(
        logging.INFO,
        (
            f"request_id={answer.request_id} operation={answer.operation} state_type={_state_type(answer)} "
            f"outcome={answer.outcome} http_status={answer.status:d} duration_ms={duration_ms:.1f}"
        ),
    )
    if _access_log.isEnabledFor(logging.DEBUG):
        body = answer.request
        _write_access_line(
            logging.DEBUG,
            (
                f"request_id={answer.request_id} "
                f"request={json.dumps(body, ensure_ascii=False) if body is not None else '-'} "
                f"response={answer.body.decode('utf-8')}"
            ),
        )


def _state_type(answer: protocol.Answer) -> str:
    """The tested state's type, when the definition was loaded (then the lookup is a cache hit)."""
    body, error = answer.request, answer.error
    if not isinstance(body, dict) or answer.operation != "TestState":
        return "-"
    loaded = answer.status == 200 or (
        error is not None
        and error.code in _LOADED_DEFINITION_ERRORS
        and not isinstance(error, ModelValidationException)
    )
    definition, state_name = body.get("definition"), body.get("stateName")
    if not loaded or not isinstance(definition, str) or not isinstance(state_name, (str, type(None))):
        return "-"
    try:
        return load_definition(definition, state_name).state_type
    except Exception:
        return "-"


# The access line, written as `_ACCESS_FORMAT` would render it, without a LogRecord per request:
# building the record (caller lookup, thread and process names) and formatting the time cost
# ~12 us a line, as much as a Pass state's evaluation. The time stamp's text changes once a second.
_ACCESS_FORMAT: Final = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
_stamp_lock: Final = threading.Lock()
_stamp: list[Any] = [-1, ""]


def _write_access_line(level: int, message: str) -> None:
    """`_access_log.log(level, message)`, written straight to stderr when the logger has exactly
    the handler `_configure_access_log` gave it (otherwise, through `logging`)."""
    handlers = _access_log.handlers
    handler = handlers[0] if len(handlers) == 1 else None
    if type(handler) is not _StderrHandler or handler.level > level or handler.filters or _access_log.filters:
        _access_log.log(level, message)
        return
    now = time.time()
    second = int(now)
    with _stamp_lock:
        if _stamp[0] != second:
            _stamp[0], _stamp[1] = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        stamp = _stamp[1]
    # logging.Formatter's default asctime: "<local time>,<milliseconds>".
    line = (
        f"{stamp},{int((now - second) * 1000):03d} [{os.getpid()}] [{logging.getLevelName(level)}] "
        f"{ACCESS_LOGGER}: {message}\n"
    )
    handler.acquire()
    try:
        stream = sys.stderr
        stream.write(line)
        stream.flush()
    except Exception:
        handler.handleError(logging.makeLogRecord({"msg": message, "levelno": level, "name": ACCESS_LOGGER}))
    finally:
        handler.release()
