"""HTTP Tasks (``arn:aws:states:::http:invoke``): one HTTPS API call, as AWS makes it.

AWS "Call HTTPS APIs in Step Functions workflows":

- "HTTP Task fields": ``ApiEndpoint`` and ``Method`` (GET, POST, PUT, DELETE, PATCH, OPTIONS,
  HEAD) and ``Authentication.ConnectionArn`` are required; ``Headers``, ``QueryParameters``,
  ``Transform`` (``RequestBodyEncoding`` NONE or URL_ENCODED, ``RequestEncodingOptions.ArrayFormat``
  BRACKETS, COMMAS, INDICES (the default) or REPEAT) and ``RequestBody`` are optional.
- "Merging EventBridge connection and HTTP Task definition data": the connection's headers, query
  string and body parameters are added to the Task's, the connection's value winning on the same
  key; Step Functions adds ``User-Agent: Amazon|StepFunctions|HttpInvoke|<region>``,
  ``Range: bytes=0-262144`` and a ``Content-Type`` (``application/json; charset=UTF-8``, or
  ``application/x-www-form-urlencoded`` with URL_ENCODED) the Task did not set.
- The result: ``Headers`` (each name with its values as a list), ``ResponseBody`` (parsed JSON when
  the response is JSON, else text), ``StatusCode``, ``StatusText``; an answer that is not 2xx fails
  the Task with ``States.Http.StatusCode.<code>``, and no answer within 60 seconds (or no
  connection) with ``States.Http.Socket`` ("HTTP Task errors"). Not recorded; ours: the failure's
  cause is the result it would have had, as JSON text; the Task's own TimeoutSeconds below 60 s is
  ``States.Timeout``.

- An OAuth client-credentials connection (EventBridge User Guide, "Authorization methods for
  connections"): the request carries ``Authorization: Bearer <access token>``, after the
  connection's other headers; the token is kept and refreshed as EventBridge does
  (`teststate.integrations.oauth`), and a 401 or 407 answer gets a fresh token and the request
  once more. A token that cannot be had fails the Task (`oauth.FAILED_AUTHORIZATION`).

Safety (ours): nothing is called unless `CallSettings.enabled`; with calls to an emulator
(``TESTSTATE_SERVICE_CALLS=1``) only loopback hosts and the prefixes of ``TESTSTATE_HTTP_ENDPOINTS``
may be called (`http_wire.refusal`; an OAuth connection's ``AuthorizationEndpoint`` as well),
anything else fails the Task with ``States.Runtime`` (which no Catch handles: a
test must not take a path because a call was refused); redirects are not followed.

`call_http` also answers the exchange (`HttpExchange`) that TestState reports at TRACE, with the
connection's values hidden unless ``revealSecrets``.
"""

from __future__ import annotations

import contextlib
import http.client
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import ABSENT, dumps, loads
from teststate.integrations import oauth
from teststate.integrations.http_connection import Connection, read_connection
from teststate.integrations.http_wire import BodyTooLarge, Request, Response, refusal, send
from teststate.integrations.outcome import TIMEOUT, CallOutcome, over_quota
from teststate.integrations.settings import CallSettings

__all__ = ["SECRET_PLACEHOLDER", "HttpExchange", "call_http", "refusal"]

_RUNTIME: Final = "States.Runtime"
_SOCKET: Final = "States.Http.Socket"
_STATUS_PREFIX: Final = "States.Http.StatusCode."
_METHODS: Final = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"})
_FIELDS: Final = frozenset(
    {"ApiEndpoint", "Method", "Authentication", "Headers", "QueryParameters", "Transform", "RequestBody"}
)
_ENCODINGS: Final = frozenset({"NONE", "URL_ENCODED"})
_ARRAY_FORMATS: Final = frozenset({"BRACKETS", "COMMAS", "INDICES", "REPEAT"})
_HTTP_TIMEOUT_SECONDS: Final = 60.0
# EventBridge User Guide, "Authorization methods for connections": an OAuth token is refreshed
# "when a 401 or 407 response is returned" (and the request made again once, ours).
_REFUSED_TOKEN: Final = frozenset({401, 407})
_JSON_TYPE: Final = "application/json; charset=UTF-8"
_FORM_TYPE: Final = "application/x-www-form-urlencoded"
# Not recorded; ours: what stands for a value the connection added when revealSecrets is false.
SECRET_PLACEHOLDER: Final = "<redacted>"


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """The HTTP exchange of one call as TestState's TRACE reports it (InspectionDataRequest and
    InspectionDataResponse: every member a string).

    Attributes:
        request: the request with the connection's values hidden (`SECRET_PLACEHOLDER`).
        revealed_request: the request as sent.
        response: the response; None when none came.
    """

    request: Mapping[str, str]
    revealed_request: Mapping[str, str]
    response: Mapping[str, str] | None

    def inspection(self, reveal_secrets: bool) -> dict[str, Mapping[str, str]]:
        """``inspectionData``'s ``request`` and ``response``."""
        shown: dict[str, Mapping[str, str]] = {
            "request": self.revealed_request if reveal_secrets else self.request
        }
        if self.response is not None:
            shown["response"] = self.response
        return shown


@dataclass(frozen=True, slots=True)
class _Task:
    endpoint: str
    method: str
    connection_arn: str
    headers: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    body: Any
    encoding: str
    array_format: str


def _rejected(cause: str) -> CallOutcome:
    return CallOutcome(error=_RUNTIME, cause=cause, parameters_rejected=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


def _pairs_of(value: Any, field: str) -> tuple[tuple[str, str], ...] | CallOutcome:
    if value is ABSENT or value is None:
        return ()
    if not isinstance(value, dict):
        return _rejected(f"The field '{field}' must be an object")
    pairs: list[tuple[str, str]] = []
    for key, member in value.items():
        for item in member if isinstance(member, list) else [member]:
            pairs.append((str(key), _text(item)))
    return tuple(pairs)


def _task(parameters: Any) -> _Task | CallOutcome:
    """The Task's parameters checked (AWS "HTTP Task fields"); the words of each refusal are ours."""
    if not isinstance(parameters, dict):
        return _rejected("The parameters of an HTTP Task must be an object")
    unknown = sorted(set(parameters) - _FIELDS)
    if unknown:
        return _rejected(f"The field '{unknown[0]}' is not supported by HTTP Tasks")
    endpoint, method = parameters.get("ApiEndpoint"), parameters.get("Method")
    authentication = parameters.get("Authentication")
    if not isinstance(endpoint, str) or not endpoint:
        return _rejected("The field 'ApiEndpoint' is required and must be a string")
    if not isinstance(method, str) or method not in _METHODS:
        return _rejected(f"The field 'Method' must be one of {sorted(_METHODS)}")
    arn = authentication.get("ConnectionArn") if isinstance(authentication, dict) else None
    if not isinstance(arn, str) or not arn:
        return _rejected("The field 'Authentication.ConnectionArn' is required and must be a string")
    transform = parameters.get("Transform") or {}
    options = transform.get("RequestEncodingOptions") if isinstance(transform, dict) else None
    encoding = transform.get("RequestBodyEncoding", "NONE") if isinstance(transform, dict) else None
    array_format = (options or {}).get("ArrayFormat", "INDICES") if isinstance(options or {}, dict) else None
    encoding = encoding if isinstance(encoding, str) else None
    array_format = array_format if isinstance(array_format, str) else None
    if encoding not in _ENCODINGS or array_format not in _ARRAY_FORMATS:  # both str or None here
        return _rejected(
            "The field 'Transform' must have a RequestBodyEncoding of NONE or URL_ENCODED and an "
            f"ArrayFormat of {sorted(_ARRAY_FORMATS)}"
        )
    headers = _pairs_of(parameters.get("Headers", ABSENT), "Headers")
    query = _pairs_of(parameters.get("QueryParameters", ABSENT), "QueryParameters")
    if isinstance(headers, CallOutcome):
        return headers
    if isinstance(query, CallOutcome):
        return query
    return _Task(
        endpoint=endpoint,
        method=str(method),
        connection_arn=arn,
        headers=headers,
        query=query,
        body=parameters.get("RequestBody", ABSENT),
        encoding=str(encoding),
        array_format=str(array_format),
    )


# ------------------------------------------------------------------------------------------
# The request
# ------------------------------------------------------------------------------------------
def _form_pairs(key: str, value: Any, array_format: str) -> list[tuple[str, str]]:
    """AWS "Applying URL-encoding on the request body": nested objects as ``key[member]``, arrays
    per ArrayFormat (``a[]=x``, ``a=x,y``, ``a[0]=x``, ``a=x&a=y``)."""
    if isinstance(value, dict):
        return [
            pair
            for name, member in value.items()
            for pair in _form_pairs(f"{key}[{name}]", member, array_format)
        ]
    if isinstance(value, list):
        if array_format == "COMMAS":
            return [(key, ",".join(_scalar(item) for item in value))]
        pairs: list[tuple[str, str]] = []
        for index, item in enumerate(value):
            name = {"BRACKETS": f"{key}[]", "INDICES": f"{key}[{index}]"}.get(array_format, key)
            pairs.extend(_form_pairs(name, item, array_format))
        return pairs
    return [(key, _scalar(value))]


def _scalar(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return dumps(value)
    return value if isinstance(value, str) else dumps(value)


def _merged(
    task: Iterable[tuple[str, str]], added: Iterable[tuple[str, str]], fold: bool
) -> list[tuple[str, str]]:
    """`task` pairs then `added` ones, an added key replacing the Task's (case-insensitive for headers)."""
    added = list(added)
    replaced = {key.lower() if fold else key for key, _ in added}
    kept = [(key, value) for key, value in task if (key.lower() if fold else key) not in replaced]
    return kept + added


def _body(task: _Task, added: tuple[tuple[str, str], ...]) -> str | None:
    body = task.body
    if task.method in ("GET", "HEAD"):
        added = ()  # ours: the connection's body parameters go with a body only
    if body is ABSENT and not added:
        return None
    if isinstance(body, str) and task.encoding == "NONE":
        return body  # ours: a text body is sent as it is (the connection's parameters cannot join it)
    document = dict(body) if isinstance(body, dict) else ({} if body is ABSENT or body is None else body)
    if isinstance(document, dict):
        document.update(added)
    if task.encoding == "URL_ENCODED":
        if not isinstance(document, dict):
            return urllib.parse.quote_plus(_scalar(document))
        pairs = [
            pair for key, value in document.items() for pair in _form_pairs(key, value, task.array_format)
        ]
        return urllib.parse.urlencode(pairs)
    return dumps(document)


def _request(task: _Task, connection: Connection, region: str, *, reveal: bool) -> Request:
    def secret(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return pairs if reveal else tuple((key, SECRET_PLACEHOLDER) for key, _ in pairs)

    query = _merged(task.query, secret(connection.query), fold=False)
    url = task.endpoint
    if query:
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(query)
    content_type = _FORM_TYPE if task.encoding == "URL_ENCODED" else _JSON_TYPE
    headers = list(task.headers)
    names = {name.lower() for name, _ in headers}
    if task.encoding == "URL_ENCODED":
        headers = [(name, value) for name, value in headers if name.lower() != "content-type"]
        names.discard("content-type")
    for name, value in (
        ("Content-Type", content_type),
        ("User-Agent", f"Amazon|StepFunctions|HttpInvoke|{region}"),
        ("Range", "bytes=0-262144"),
    ):
        if name.lower() not in names:
            headers.append((name, value))
    headers = _merged(headers, secret(connection.headers), fold=True)
    return Request(
        method=task.method, url=url, headers=tuple(headers), body=_body(task, secret(connection.body))
    )


# ------------------------------------------------------------------------------------------
# The exchange
# ------------------------------------------------------------------------------------------
def _result(response: Response) -> dict[str, Any]:
    headers: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    content_type = ""
    for name, value in response.headers:
        headers.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
        if name.lower() == "content-type":
            content_type = value.lower()
    body: Any = response.body
    if "json" in content_type and body.strip():
        with contextlib.suppress(ValueError):  # ours: a body that says JSON and is not stays text
            body = loads(body)
    return {
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": response.status,
        "StatusText": response.reason,
    }


@dataclass(frozen=True, slots=True)
class _Budget:
    """The seconds a call may wait: AWS's 60 s for an answer, or the Task's own TimeoutSeconds
    when lower (`bounded`: running out is then ``States.Timeout``), shared by an OAuth
    connection's token request and the API request."""

    seconds: float
    bounded: bool
    started: float

    @staticmethod
    def of(timeout_seconds: float | None) -> _Budget:
        bounded = timeout_seconds is not None and timeout_seconds < _HTTP_TIMEOUT_SECONDS
        seconds = timeout_seconds if timeout_seconds is not None and bounded else _HTTP_TIMEOUT_SECONDS
        return _Budget(seconds=seconds, bounded=bounded, started=time.monotonic())

    def left(self) -> float:
        """The seconds left; the whole 60 s again for each step when the Task set no lower bound."""
        if not self.bounded:
            return self.seconds
        return self.seconds - (time.monotonic() - self.started)


def _authorized(
    connection: Connection, settings: CallSettings, budget: _Budget, refused: oauth.Token | None = None
) -> tuple[Connection, oauth.Token | None] | CallOutcome:
    """`connection` with its OAuth bearer header (a token kept or asked for), when it has one."""
    if connection.oauth is None:
        return connection, None
    left = budget.left()
    if left <= 0:
        return CallOutcome(error=TIMEOUT)
    token = oauth.access_token(
        connection.oauth, settings=settings, seconds=left, bounded=budget.bounded, refused=refused
    )
    if isinstance(token, CallOutcome):
        return token
    return connection.bearing(token), token


def _exchange(
    task: _Task, connection: Connection, region: str, budget: _Budget
) -> tuple[Response | CallOutcome, HttpExchange | None]:
    """Send the API request once: its response or the failure, and the exchange when a request
    was sent."""
    sent = _request(task, connection, region, reveal=True)
    shown = _request(task, connection, region, reveal=False)
    left = budget.left()
    if left <= 0:
        return CallOutcome(error=TIMEOUT), None
    unanswered = HttpExchange(shown.record(), sent.record(), None)
    try:
        response = send(sent, left)
    except TimeoutError:
        timed_out = (
            CallOutcome(error=TIMEOUT)
            if budget.bounded
            else CallOutcome(error=_SOCKET, cause="Read timed out")
        )
        return timed_out, unanswered
    except ValueError as error:
        # http.client refuses a header name or value that cannot be sent (a line break, ...).
        return _rejected(str(error)), None
    except BodyTooLarge:
        return over_quota("http"), unanswered
    except (OSError, http.client.HTTPException) as error:
        cause = f"Unable to execute HTTP request: {error}"  # ours
        return CallOutcome(error=_SOCKET, cause=cause), unanswered
    return response, HttpExchange(shown.record(), sent.record(), response.record())


def call_http(
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None,
) -> tuple[CallOutcome, HttpExchange | None]:
    """Call the HTTP Task with its effective `parameters`; the outcome, and the exchange when a
    request was sent. Never raises for anything the network or the endpoint does.

    An OAuth connection's token request is not part of the exchange TRACE shows; its API request
    is, the bearer header hidden as the connection's other values are. A 401 or 407 answer to a
    bearer gets one fresh token and one more request, whose exchange is the one shown."""
    task = _task(parameters)
    if isinstance(task, CallOutcome):
        return task, None
    refused = refusal(task.endpoint, settings)
    if refused is not None:
        return CallOutcome(error=_RUNTIME, cause=refused), None
    budget = _Budget.of(timeout_seconds)
    connection = read_connection(
        task.connection_arn,
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=credentials_role_arn,
    )
    if isinstance(connection, CallOutcome):
        return connection, None
    authorized = _authorized(connection, settings, budget)
    if isinstance(authorized, CallOutcome):
        return authorized, None
    bearing, token = authorized
    answered, exchange = _exchange(task, bearing, region, budget)
    if isinstance(answered, Response) and token is not None and answered.status in _REFUSED_TOKEN:
        renewed = _authorized(connection, settings, budget, refused=token)
        if isinstance(renewed, CallOutcome):
            return renewed, exchange
        answered, exchange = _exchange(task, renewed[0], region, budget)
    if isinstance(answered, CallOutcome):
        return answered, exchange
    result = _result(answered)
    if not 200 <= answered.status < 300:
        return CallOutcome(error=f"{_STATUS_PREFIX}{answered.status}", cause=dumps(result)), exchange
    return CallOutcome(result=result), exchange
