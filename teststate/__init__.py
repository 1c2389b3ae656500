"""The TestState service: a Flask app speaking AWS JSON 1.0 on ``POST /``.

`create_app` is the factory (gunicorn serves `teststate.wsgi:app`). The one view decodes, calls
the operation and encodes; every request problem is an `ApiError` rendered by ONE handler. A
last-resort handler turns anything else into a logged JSON 500 ``InternalFailure`` (a bug: the
fuzz suite asserts it never fires) and Werkzeug's own HTTP errors (wrong path or method, body too
large) into JSON errors of the same envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from teststate import protocol
from teststate.errors import ApiError, InternalFailure

__all__ = ["create_app"]

DEFAULT_CONFIG: Final[Mapping[str, Any]] = {
    # Region for ARNs when the request carries no SigV4 credential scope.
    "TESTSTATE_DEFAULT_REGION": protocol.DEFAULT_REGION,
    # AWS caps a whole request at 1 MB (spec 10); a definition of 1,048,576 characters must still
    # reach the model validator to get AWS's length message, so the transport cap is looser.
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
}

# Werkzeug's HTTP errors, in the AWS envelope (wording not recorded [INFER]).
_HTTP_ERROR_CODES: Final[Mapping[int, str]] = {
    404: "UnknownOperationException",
    405: "UnknownOperationException",
    413: "RequestEntityTooLargeException",
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: ``POST /`` (the API), ``GET /health``, and the error handlers."""
    app = Flask(__name__)
    app.config.update(DEFAULT_CONFIG)
    if config:
        app.config.update(config)
    app.add_url_rule("/", "api", _api, methods=["POST"])
    app.add_url_rule("/health", "health", _health, methods=["GET"])
    app.register_error_handler(ApiError, protocol.error_response)
    app.register_error_handler(Exception, _last_resort)
    return app


def _api() -> Response:
    handler = protocol.operation_for(request.headers.get("X-Amz-Target"))
    body = protocol.read_json_body(request.get_data(cache=False))
    region = protocol.region_from_authorization(
        request.headers.get("Authorization"), current_app.config["TESTSTATE_DEFAULT_REGION"]
    )
    return protocol.json_response(handler(body, region))


def _health() -> Response:
    return protocol.json_response({"status": "ok"})


def _last_resort(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        status = error.code or 400
        code = _HTTP_ERROR_CODES.get(status, "BadRequestException")
        return protocol.error_response(ApiError(code, error.description, status=status))
    current_app.logger.exception("InternalFailure while answering %s %s", request.method, request.path)
    return protocol.error_response(InternalFailure())
