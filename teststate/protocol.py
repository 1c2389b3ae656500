"""AWS JSON 1.0 framing: the body in, the target dispatched, the answer out (spec 2).

Requests are ``POST /`` with ``X-Amz-Target: AWSStepFunctions.<Operation>`` and a JSON object
body; SigV4 is accepted unchecked (its credential scope only tells us the region) and any Host is
accepted (botocore sends ``sync-<host>`` for TestState, spec 2.3). Every answer, errors included,
carries ``Content-Type: application/x-amz-json-1.0`` and a fresh ``x-amzn-RequestId``.

Answers are built complete (bytes body, Content-Length) so the server writes them without
chunking, and `teststate.server.SingleWriteResponse` puts the header block and the body on the
wire in one ``sendall``: a split write can wait ~40 ms for a delayed ACK under Nagle (spec 2).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from flask import Response, current_app

from interpreter import World
from interpreter.jsontypes import MAX_JSON_DEPTH, loads
from interpreter.limits import Limits
from teststate import operations
from teststate.errors import ApiError, SerializationException, UnknownOperationException
from teststate.schemas import load_test_state_request

CONTENT_TYPE: Final = "application/x-amz-json-1.0"
DEFAULT_REGION: Final = "us-east-1"

# ``Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request`` in a SigV4 header.
_CREDENTIAL_SCOPE: Final = re.compile(r"Credential=[^/,\s]*/\d{8}/([a-z0-9-]+)/[^/,\s]+/aws4_request")

# Nesting depth configurable here (TESTSTATE_MAX_JSON_DEPTH); number tokens at most
# interpreter.jsontypes.MAX_NUMBER_LENGTH characters (both Jackson's defaults [INFER]).
DEFAULT_MAX_JSON_DEPTH: Final = MAX_JSON_DEPTH

Handler = Callable[[Mapping[str, Any], str], Mapping[str, Any]]


def _test_state(body: Mapping[str, Any], region: str) -> Mapping[str, Any]:
    # A fresh clock and random source per request, with the app's bounds on evaluation.
    world = World(limits=current_app.config.get("TESTSTATE_LIMITS") or Limits())
    return operations.test_state(load_test_state_request(body), region=region, world=world)


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
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SerializationException(f"Malformed request body: invalid UTF-8 at byte {err.start}") from None
    try:
        body = loads(text, max_depth=max_depth)
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


def json_response(payload: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A complete answer: compact JSON bytes, Content-Type, Content-Length, request id."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (legal as a JSON escape, not as UTF-8) came back from the request:
        # send every non-ASCII character escaped, which is the same JSON and valid UTF-8.
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    response = Response(body, status=status, content_type=CONTENT_TYPE)
    response.headers["x-amzn-RequestId"] = new_request_id()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: ApiError) -> Response:
    """The AWS error envelope: ``{"__type": "<ns>#<Code>", "message": ...}`` + X-Amzn-Errortype."""
    payload: dict[str, Any] = {"__type": error.type}
    if error.message is not None:
        payload["message"] = error.message
    return json_response(payload, status=error.status, headers={"X-Amzn-Errortype": error.code})
