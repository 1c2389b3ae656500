"""AWS JSON 1.0 framing: the body in, the target dispatched, the answer out (spec 2).

Requests are ``POST /`` with ``X-Amz-Target: AWSStepFunctions.<Operation>`` and a JSON object
body; SigV4 is accepted unchecked (its credential scope only tells us the region) and any Host is
accepted (botocore sends ``sync-<host>`` for TestState, spec 2.3). Every answer, errors included,
carries ``Content-Type: application/x-amz-json-1.0`` and a fresh ``x-amzn-RequestId``.

`answer_api` is the API call with no web framework around it: target, body and Authorization
header in, an `Answer` (status, complete body bytes, headers) out. The app (teststate/__init__.py)
calls it straight from WSGI for ``POST /``, and from its Flask view for what it hands Flask (a
chunked body); Flask's `Response` objects (`json_response`, `error_response`) serve the rest.

Answers are built complete (bytes body, Content-Length) so the server writes them without
chunking, and `teststate.server.SingleWriteResponse` puts the header block and the body on the
wire in one ``sendall``: a split write can wait ~40 ms for a delayed ACK under Nagle (spec 2).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from flask import Response
from werkzeug.http import HTTP_STATUS_CODES

from interpreter import World
from interpreter.jsontypes import MAX_JSON_DEPTH, dumps_utf8, loads_utf8
from interpreter.limits import Limits
from teststate.errors import ApiError, SerializationException, UnknownOperationException
from teststate.operations import test_state as operations
from teststate.validation.request import load_test_state_request

CONTENT_TYPE: Final = "application/x-amz-json-1.0"
DEFAULT_REGION: Final = "us-east-1"

# ``Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request`` in a SigV4 header.
_CREDENTIAL_SCOPE: Final = re.compile(r"Credential=[^/,\s]*/\d{8}/([a-z0-9-]+)/[^/,\s]+/aws4_request")

# Nesting depth configurable here (TESTSTATE_MAX_JSON_DEPTH); number tokens at most
# interpreter.jsontypes.MAX_NUMBER_LENGTH characters (both Jackson's defaults [INFER]).
DEFAULT_MAX_JSON_DEPTH: Final = MAX_JSON_DEPTH


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    """What answering a request needs from the app's configuration, read once when the app is
    built (`teststate.create_app`), so a request needs no app context.

    Attributes:
        default_region: region for ARNs when the request carries no SigV4 credential scope.
        max_json_depth: deepest nesting of the request body.
        limits: the core's bounds for every run.
        budget_seconds: wall clock of one state evaluation (teststate/budget.py; 0 = none).
    """

    default_region: str = DEFAULT_REGION
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    limits: Limits = field(default_factory=Limits)
    budget_seconds: float = 0.0


Handler = Callable[[Mapping[str, Any], str, ServiceConfig], Mapping[str, Any]]


def _test_state(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    # A fresh clock and random source per request, with the app's bounds on evaluation.
    return operations.test_state(
        load_test_state_request(body),
        region=region,
        world=World(limits=config.limits),
        budget_seconds=config.budget_seconds,
    )


OPERATIONS: Final[Mapping[str, Handler]] = {
    "AWSStepFunctions.TestState": _test_state,
}


def operation_for(target: str | None) -> Handler:
    """The handler named by ``X-Amz-Target``.

    Raises:
        UnknownOperationException: no or unknown target (wording not recorded [INFER]).
    """
    if not target:
        raise UnknownOperationException("Missing X-Amz-Target header")
    handler = OPERATIONS.get(target)
    if handler is None:
        raise UnknownOperationException(f"Unknown operation {target}")
    return handler


def read_json_body(data: bytes, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> dict[str, Any]:
    """Decode the request body, which must be one JSON object (an empty body counts as ``{}``).

    Strict JSON: UTF-8 only, no NaN/Infinity, no number beyond double range or longer than
    `MAX_NUMBER_LENGTH` characters, no nesting deeper than `max_depth` (checked on the text
    before the parser recurses, so it never comes near Python's recursion limit). Duplicate
    members keep the last value, as AWS's Jackson parser does by default [INFER].

    Raises:
        SerializationException: not UTF-8 JSON, or not an object. Other Coral services were seen
            answering unparsable JSON with no message at all; we always say what is wrong
            (wording ours [INFER]), and use Coral's deserializer wording for a top-level array.
    """
    if not data.strip():
        return {}
    try:
        # One pass over the bytes when they are plain UTF-8 JSON (jsontypes.loads_utf8).
        body = loads_utf8(data, max_depth=max_depth)
    except UnicodeDecodeError as err:  # a ValueError too: caught first
        raise SerializationException(f"Malformed request body: invalid UTF-8 at byte {err.start}") from None
    except RecursionError:  # unreachable with a sane max_depth; kept as a guarantee
        raise SerializationException("Malformed request body: nesting too deep") from None
    except ValueError as err:
        raise SerializationException(f"Malformed request body: {err}") from None
    if isinstance(body, list):
        raise SerializationException("Start of list found where not expected")
    if not isinstance(body, dict):
        raise SerializationException("Malformed request body: expected a JSON object")
    return body


def region_from_authorization(header: str | None, default: str = DEFAULT_REGION) -> str:
    """The region of a SigV4 credential scope, else `default`."""
    if header:
        match = _CREDENTIAL_SCOPE.search(header)
        if match:
            return match.group(1)
    return default


def new_request_id() -> str:
    """A request id as AWS sends it in ``x-amzn-RequestId``."""
    return str(uuid.uuid4())


# werkzeug's status lines ("400 BAD REQUEST"), so an answer reads the same on either path.
_STATUS_LINES: Final[Mapping[int, str]] = {
    code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()
}


@dataclass(frozen=True, slots=True)
class Answer:
    """One complete answer, ready for the wire, and what the access log says about it.

    Attributes:
        status: HTTP status code.
        body: the compact JSON body.
        headers: Content-Type, Content-Length, x-amzn-RequestId (and X-Amzn-Errortype on errors).
        request_id: the ``x-amzn-RequestId`` sent.
        operation: the operation's name once the target was recognised, else ``-``.
        outcome: the answer's ``status`` (with AWS's ``States.*`` error), or the error code.
        request: the decoded body (for the debug log), None if it was not decoded.
        error: the `ApiError` answered, if any.
    """

    status: int
    body: bytes
    headers: list[tuple[str, str]]
    request_id: str
    operation: str = "-"
    outcome: str = "-"
    request: Mapping[str, Any] | None = None
    error: ApiError | None = None

    @property
    def status_line(self) -> str:
        """The WSGI status string, as werkzeug writes it."""
        return _STATUS_LINES.get(self.status) or f"{self.status} UNKNOWN"


def encode_answer(
    payload: Mapping[str, Any], status: int = 200, extra: Mapping[str, str] | None = None
) -> Answer:
    """A complete answer: compact JSON bytes, Content-Type, Content-Length, a fresh request id."""
    # A lone surrogate (legal as a JSON escape, not as UTF-8) that came back from the request
    # makes every non-ASCII character escaped: the same JSON, and valid UTF-8.
    body = dumps_utf8(payload)
    request_id = new_request_id()
    headers = [
        ("Content-Type", CONTENT_TYPE),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
    ]
    if extra:
        headers.extend(extra.items())
    return Answer(status, body, headers, request_id)


def encode_error(error: ApiError) -> Answer:
    """The AWS error envelope: ``{"__type": "<ns>#<Code>", "message": ...}`` + X-Amzn-Errortype."""
    payload: dict[str, Any] = {"__type": error.type}
    if error.message is not None:
        payload["message"] = error.message
    answer = encode_answer(payload, status=error.status, extra={"X-Amzn-Errortype": error.code})
    return Answer(
        answer.status, answer.body, answer.headers, answer.request_id, outcome=error.code, error=error
    )


def answer_api(
    config: ServiceConfig, target: str | None, authorization: str | None, body: Callable[[], bytes]
) -> Answer:
    """Answer one API call: dispatch on `target`, read and decode the body (`body()` reads it,
    only once the target is known), run the operation; every `ApiError` becomes its error answer.

    Anything else raised is a bug and propagates (the caller answers InternalFailure).
    """
    operation, request = "-", None
    try:
        handler = operation_for(target)
        operation = (target or "").rpartition(".")[2]
        request = read_json_body(body(), max_depth=config.max_json_depth)
        payload = handler(request, region_from_authorization(authorization, config.default_region), config)
    except ApiError as error:
        failed = encode_error(error)
        return Answer(
            failed.status,
            failed.body,
            failed.headers,
            failed.request_id,
            operation,
            failed.outcome,
            request,
            error,
        )
    outcome = str(payload.get("status", "OK"))
    error_name = payload.get("error")
    if isinstance(error_name, str) and error_name.startswith("States."):
        # AWS's own error names only: a mocked error name is caller data (sensitive in the model).
        outcome += f":{error_name}"
    done = encode_answer(payload)
    return Answer(done.status, done.body, done.headers, done.request_id, operation, outcome, request)


def json_response(
    payload: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`encode_answer` as a Flask response."""
    return to_response(encode_answer(payload, status, headers))


def error_response(error: ApiError) -> Response:
    """`encode_error` as a Flask response."""
    return to_response(encode_error(error))


def to_response(answer: Answer) -> Response:
    """A Flask response carrying `answer` as it is."""
    return Response(answer.body, status=answer.status, headers=answer.headers)
