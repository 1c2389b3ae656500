"""The TestState service: a Flask app speaking AWS JSON 1.0 on ``POST /``.

`create_app` is the factory (gunicorn serves `teststate.wsgi:app`). The one view decodes, calls
the operation and encodes; every request problem is an `ApiError` rendered by ONE handler. A
last-resort handler turns anything else into a logged JSON 500 ``InternalFailure`` (a bug: the
fuzz suite asserts it never fires) and Werkzeug's own HTTP errors (wrong path or method, body too
large) into JSON errors of the same envelope.

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
import time
import traceback
from collections.abc import Mapping
from typing import Any, Final, TextIO

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from interpreter import load_definition
from teststate import protocol
from teststate.budget import CONFIG_KEY as BUDGET_CONFIG_KEY
from teststate.errors import ApiError, InternalFailure, ModelValidationException
from teststate.settings import LOG_LEVELS, Settings

__all__ = ["ACCESS_LOGGER", "create_app"]

ACCESS_LOGGER: Final = "teststate.access"
_access_log: Final = logging.getLogger(ACCESS_LOGGER)

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
        config: Flask config overrides (tests), applied after the settings.
        settings: the bounds; from the environment when not given.
    """
    settings = settings if settings is not None else Settings.from_env(os.environ)
    app = Flask(__name__)
    app.config.update({
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
    })
    if config:
        app.config.update(config)
    _configure_access_log(LOG_LEVELS.get(str(app.config["TESTSTATE_LOG_LEVEL"]).lower(), logging.INFO))
    app.add_url_rule("/", "api", _api, methods=["POST"])
    app.add_url_rule("/health", "health", _health, methods=["GET"])
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(Exception, _last_resort)
    app.before_request(_start_clock)
    app.after_request(_log_access)
    return app


# --------------------------------------------------------------------------------------------
# Views and error handlers
# --------------------------------------------------------------------------------------------
def _api() -> Response:
    target = request.headers.get("X-Amz-Target")
    handler = protocol.operation_for(target)
    g.operation = (target or "").rpartition(".")[2]
    body = protocol.read_json_body(_request_body(), max_depth=int(current_app.config["TESTSTATE_MAX_JSON_DEPTH"]))
    g.body = body
    region = protocol.region_from_authorization(
        request.headers.get("Authorization"), current_app.config["TESTSTATE_DEFAULT_REGION"]
    )
    answer = handler(body, region)
    g.outcome = str(answer.get("status", "OK"))
    error = answer.get("error")
    if isinstance(error, str) and error.startswith("States."):
        # AWS's own error names only: a mocked error name is caller data (sensitive in the model).
        g.outcome += f":{error}"
    return protocol.json_response(answer)


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
        status = error.code or 400
        code = _HTTP_ERROR_CODES.get(status, "BadRequestException")
        message = error.description
        if status == 413:
            message = MSG_TOO_LARGE.format(limit=current_app.config["MAX_CONTENT_LENGTH"])
            _drain_request_body()
        return _api_error(ApiError(code, message, status=status))
    # The exception's message may quote the request: only its type and where it was raised are
    # logged, unless payloads may be logged (debug).
    where = "".join(traceback.format_tb(error.__traceback__))
    current_app.logger.error(
        "InternalFailure while answering %s %s: %s\n%s", request.method, request.path, type(error).__name__, where,
        exc_info=error if _access_log.isEnabledFor(logging.DEBUG) else None,
    )
    return _api_error(InternalFailure())


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
    except Exception:  # noqa: BLE001 - a broken or malformed body: nothing left worth reading
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
        handler.setFormatter(logging.Formatter("%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"))
        _access_log.addHandler(handler)


def _start_clock() -> None:
    g.started = time.perf_counter()


def _log_access(response: Response) -> Response:
    """One line per request; payloads only at debug level."""
    if not _access_log.isEnabledFor(logging.INFO):
        return response
    started = g.get("started")
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    error = g.get("error")
    outcome = error.code if isinstance(error, ApiError) else g.get("outcome", "-")
    request_id = response.headers.get("x-amzn-RequestId", "-")
    _access_log.info(
        "request_id=%s operation=%s state_type=%s outcome=%s http_status=%d duration_ms=%.1f",
        request_id, g.get("operation", "-"), _state_type(response.status_code, error), outcome,
        response.status_code, duration_ms,
    )
    if _access_log.isEnabledFor(logging.DEBUG):
        body = g.get("body")
        _access_log.debug(
            "request_id=%s request=%s response=%s", request_id,
            json.dumps(body, ensure_ascii=False) if body is not None else "-",
            response.get_data(as_text=True),
        )
    return response


def _state_type(status: int, error: ApiError | None) -> str:
    """The tested state's type, when the definition was loaded (then the lookup is a cache hit)."""
    body = g.get("body")
    if not isinstance(body, dict) or g.get("operation") != "TestState":
        return "-"
    loaded = status == 200 or (
        error is not None and error.code in _LOADED_DEFINITION_ERRORS and not isinstance(error, ModelValidationException)
    )
    definition, state_name = body.get("definition"), body.get("stateName")
    if not loaded or not isinstance(definition, str) or not isinstance(state_name, (str, type(None))):
        return "-"
    try:
        return load_definition(definition, state_name).state_type
    except Exception:  # noqa: BLE001 - only a log field: never let it fail the answer
        return "-"
