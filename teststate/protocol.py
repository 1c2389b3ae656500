"""AWS JSON 1.0 framing: the operation named by the target, the body decoded, the answer encoded.

Requests are ``POST /`` with ``X-Amz-Target: AWSStepFunctions.<Operation>`` and a JSON object
body; SigV4 is accepted unchecked (its credential scope only tells us the region) and any Host is
accepted (botocore sends ``sync-<host>`` for TestState, whose endpoint is
``sync-states.<region>.amazonaws.com``). Every answer, errors included, carries
``Content-Type: application/x-amz-json-1.0`` and a fresh ``x-amzn-RequestId``.

Nothing here knows a web framework: `teststate.app` reads the request from WSGI and calls these
pieces in order (`operation_for`, `read_json_body`, the operation, `encode_result`), and every
`ApiError` becomes its answer in `encode_error`. Answers are built complete (bytes body,
Content-Length) so the server writes them without chunking, and
`teststate.worker.SingleWriteResponse` puts the header block and the body on the wire in one
``sendall``: a split write can wait ~40 ms for a delayed ACK under Nagle's algorithm.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from werkzeug.http import HTTP_STATUS_CODES

from interpreter import World
from interpreter.jsontypes import MAX_JSON_DEPTH, dumps_utf8, loads_utf8
from interpreter.limits import Limits
from teststate.errors import ApiError, SerializationException, UnknownOperationException
from teststate.integrations.settings import CallSettings
from teststate.operations import activities as activity_operations
from teststate.operations import executions as execution_operations
from teststate.operations import map_runs as map_run_operations
from teststate.operations import state_machines as state_machine_operations
from teststate.operations import test_state as operations
from teststate.settings import MAX_ACTIVITY_POLL_SECONDS
from teststate.storage.db import Database
from teststate.validation.request import load_test_state_request

CONTENT_TYPE: Final = "application/x-amz-json-1.0"
DEFAULT_REGION: Final = "us-east-1"
CALLS_OFF: Final = CallSettings(enabled=False, endpoint_url=None, region=None)
"""No service calls: an unmocked Task asks for a mock (the default)."""

# ``Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request`` in a SigV4 header.
_CREDENTIAL_SCOPE: Final = re.compile(r"Credential=[^/,\s]*/\d{8}/([a-z0-9-]+)/[^/,\s]+/aws4_request")

# Nesting depth configurable here (TESTSTATE_MAX_JSON_DEPTH); number tokens at most
# interpreter.jsontypes.MAX_NUMBER_LENGTH characters. Both are the defaults of Jackson, the JSON
# parser of AWS's Java services; AWS's own limits are not published.
DEFAULT_MAX_JSON_DEPTH: Final = MAX_JSON_DEPTH


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    """What answering a request needs from the app's configuration, read once when the app is
    built (`teststate.app.create_app`), so a request needs no app context.

    Attributes:
        default_region: region for ARNs when the request carries no SigV4 credential scope.
        max_body_bytes: largest request body accepted (None: no limit).
        max_json_depth: deepest nesting of the request body.
        limits: the core's bounds for every run.
        budget_seconds: wall clock of one state evaluation (teststate/budget.py; 0 = none).
        database: where state machines and executions are kept (None: an app built without
            storage answers only TestState).
        clock: how executions' clocks run (``virtual`` or ``real``; `teststate.settings`).
        mock_config: the mock configuration file's path ("" = none).
        service_calls: whether and where unmocked Tasks call real services
            (`teststate.integrations.CallSettings`; off by default).
        activity_poll_seconds: how long GetActivityTask holds a poll without a task.
    """

    default_region: str = DEFAULT_REGION
    max_body_bytes: int | None = None
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    limits: Limits = field(default_factory=Limits)
    budget_seconds: float = 0.0
    database: Database | None = None
    clock: str = "virtual"
    mock_config: str = ""
    service_calls: CallSettings = field(default_factory=lambda: CALLS_OFF)
    activity_poll_seconds: float = MAX_ACTIVITY_POLL_SECONDS


Handler = Callable[[Mapping[str, Any], str, ServiceConfig], Mapping[str, Any]]
"""An operation: the decoded body, the region and the configuration in, the answer's payload out.
It validates the body itself and raises `ApiError` for anything wrong with the request."""


# The OS's random source holds no state of its own (every draw reads os.urandom): one serves every
# request, as a fresh one would (making one per request cost ~0.5 us).
_SYSTEM_RANDOM: Final = random.SystemRandom()


def _test_state(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    # A fresh clock per request, the OS's random source, and the app's bounds on evaluation.
    return operations.test_state(
        load_test_state_request(body),
        region=region,
        world=World(rng=_SYSTEM_RANDOM, limits=config.limits),
        budget_seconds=config.budget_seconds,
        calls=config.service_calls,
        service=config,  # states:startExecution and aws-sdk:sfn Tasks are answered by this server
    )


OPERATIONS: Final[Mapping[str, Handler]] = {
    "AWSStepFunctions.TestState": _test_state,
    **{f"AWSStepFunctions.{name}": handler for name, handler in state_machine_operations.HANDLERS.items()},
    **{f"AWSStepFunctions.{name}": handler for name, handler in execution_operations.HANDLERS.items()},
    **{f"AWSStepFunctions.{name}": handler for name, handler in map_run_operations.HANDLERS.items()},
    **{f"AWSStepFunctions.{name}": handler for name, handler in activity_operations.HANDLERS.items()},
}


def operation_for(target: str | None) -> tuple[str, Handler]:
    """The operation named by ``X-Amz-Target``: its name (``TestState``) and its handler.

    Raises:
        UnknownOperationException: no or unknown target (AWS's wording for this is not
            recorded; ours).
    """
    if not target:
        raise UnknownOperationException("Missing X-Amz-Target header")
    handler = OPERATIONS.get(target)
    if handler is None:
        raise UnknownOperationException(f"Unknown operation {target}")
    return target.rpartition(".")[2], handler


def read_json_body(data: bytes, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> dict[str, Any]:
    """Decode the request body, which must be one JSON object (an empty body counts as ``{}``).

    Strict JSON: UTF-8 only, no NaN/Infinity, no number beyond double range or longer than
    `MAX_NUMBER_LENGTH` characters, no nesting deeper than `max_depth` (checked on the text
    before the parser recurses, so it never comes near Python's recursion limit). Duplicate
    members keep the last value, as Jackson (AWS's parser) does by default.

    Raises:
        SerializationException: not UTF-8 JSON, or not an object. Other Coral services were seen
            answering unparsable JSON with no message at all; we always say what is wrong (in
            our words), and use Coral's deserializer wording for a top-level array.
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
    """A request id as AWS sends it in ``x-amzn-RequestId``: a random (version 4) UUID."""
    return request_id_from(os.urandom(16))


def request_id_from(random_bytes: bytes) -> str:
    """``str(uuid.UUID(bytes=random_bytes, version=4))``, in a third of its time (``uuid.UUID``
    checks and converts its arguments in Python; fuzz/test_fast_inprocess_props.py: the same text
    for any 16 bytes).

    RFC 9562, "UUID Version 4": the version nibble (the high half of byte 6) is 4, the variant
    (the high two bits of byte 8) is 10.
    """
    data = bytearray(random_bytes)
    data[6] = data[6] & 0x0F | 0x40
    data[8] = data[8] & 0x3F | 0x80
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# werkzeug's status lines ("400 BAD REQUEST"): the ones Flask writes for the routes it answers.
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
    payload: Mapping[str, Any],
    status: int = 200,
    *,
    error: ApiError | None = None,
    operation: str = "-",
    outcome: str = "-",
    request: Mapping[str, Any] | None = None,
) -> Answer:
    """A complete answer: compact JSON bytes, Content-Type, Content-Length, a fresh request id
    (and X-Amzn-Errortype for an `error`)."""
    # A lone surrogate (legal as a JSON escape, not as UTF-8) that came back from the request
    # makes every non-ASCII character escaped: the same JSON, and valid UTF-8.
    body = dumps_utf8(payload)
    request_id = new_request_id()
    headers = [
        ("Content-Type", CONTENT_TYPE),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
    ]
    if error is not None:
        headers.append(("X-Amzn-Errortype", error.code))
    return Answer(status, body, headers, request_id, operation, outcome, request, error)


def encode_result(payload: Mapping[str, Any], *, operation: str, request: Mapping[str, Any]) -> Answer:
    """The 200 answer of an operation; its outcome is the payload's ``status``."""
    outcome = str(payload.get("status", "OK"))
    error_name = payload.get("error")
    if isinstance(error_name, str) and error_name.startswith("States."):
        # AWS's own error names only: a mocked error name is caller data (sensitive in the model).
        outcome += f":{error_name}"
    return encode_answer(payload, operation=operation, outcome=outcome, request=request)


def encode_error(
    error: ApiError, *, operation: str = "-", request: Mapping[str, Any] | None = None
) -> Answer:
    """The answer to every `ApiError`, the AWS error envelope: ``{"__type": "<ns>#<Code>",
    "message": ...}`` (no message member when it has none) and X-Amzn-Errortype."""
    payload: dict[str, Any] = {"__type": error.type}
    if error.message is not None:
        payload["message"] = error.message
    return encode_answer(
        payload, error.status, error=error, operation=operation, outcome=error.code, request=request
    )
